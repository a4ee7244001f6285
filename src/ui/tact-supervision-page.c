/* tact-supervision-page.c: the Supervision page. A read-only view of the supervision room's
 * audit records (tact_session_list_supervision_async()), newest first, one TactAuditRow each
 * with the person who made it. Three filters (person, rule, action) narrow the list; the person
 * and rule filters offer the people and rules seen so far on this page. Refresh (in the
 * records window also F5 and Ctrl+R) reads the room again; a changed filter does too. */
#include <glib/gi18n-lib.h>

#include "session/tact-approvals.h"
#include "tact-audit-item.h"
#include "tact-audit-row.h"
#include "tact-supervision-page.h"

/* The action filter's choices, in the dropdown's order: NULL is "any". */
static const char * const actions[] = { NULL, "allow", "warn", "justify", "approve", "block" };

struct _TactSupervisionPage
{
  AdwBin parent_instance;

  /* template children (borrowed) */
  GtkDropDown   *person_filter;
  GtkDropDown   *rule_filter;
  GtkDropDown   *action_filter;
  GtkStack      *stack;
  AdwStatusPage *status;
  GtkListView   *list_view;

  /* owned */
  TactSession   *session;
  GListStore    *records;       /* element-type TactAuditItem, newest first */
  GtkStringList *person_model;  /* "Anyone", then the people seen, sorted by id */
  GPtrArray     *person_ids;    /* their user ids, index for index (NULL first) */
  GtkStringList *rule_model;    /* "Any rule", then the rule ids seen, sorted */
  GPtrArray     *rule_ids;      /* the same ids, index for index (NULL first) */
  GCancellable  *cancellable;   /* the read in flight */
  char          *sender;        /* the filters of the last read (NULL: any) */
  char          *rule_id;
  char          *action;
};

G_DEFINE_FINAL_TYPE (TactSupervisionPage, tact_supervision_page, ADW_TYPE_BIN)

/* ---- The filters ------------------------------------------------------------------ */

static const char *
selected_in (GtkDropDown *dropdown, GPtrArray *ids)
{
  guint i = gtk_drop_down_get_selected (dropdown);

  return i != GTK_INVALID_LIST_POSITION && i < ids->len ? g_ptr_array_index (ids, i) : NULL;
}

static const char *
selected_action (TactSupervisionPage *self)
{
  guint i = gtk_drop_down_get_selected (self->action_filter);

  return i < G_N_ELEMENTS (actions) ? actions[i] : NULL;
}

/* A person's name and user id, as the person filter lists them. */
static char *
person_in_words (TactSupervisionPage *self, const char *user_id)
{
  const char *ids[] = { user_id, NULL };
  g_autofree char *name = self->session
                          ? tact_approvals_dup_names (tact_session_get_approvals (self->session), ids)
                          : NULL;

  if (!name || g_strcmp0 (name, user_id) == 0)
    return g_strdup (user_id);
  /* Translators: a person in the Supervision page: their name, then their user id */
  return g_strdup_printf (_("%s (%s)"), name, user_id);
}

/* Adds id to a filter's choices (kept sorted after the first, "any"), once. The dropdown keeps
 * its selected item; the selected position may move, which changes no filter. */
static void
learn (TactSupervisionPage *self, GtkStringList *model, GPtrArray *ids, const char *id)
{
  guint position = 1;
  g_autofree char *label = NULL;
  const char *labels[2] = { NULL, NULL };

  if (!id || !*id)
    return;
  for (; position < ids->len; position++)
    {
      int cmp = g_strcmp0 (id, g_ptr_array_index (ids, position));
      if (cmp == 0)
        return;
      if (cmp < 0)
        break;
    }
  label = model == self->person_model ? person_in_words (self, id) : g_strdup (id);
  labels[0] = label;
  g_ptr_array_insert (ids, position, g_strdup (id));
  gtk_string_list_splice (model, position, 0, labels);
}

/* ---- Reading the room ------------------------------------------------------------- */

static void
set_str (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
}

static void
show_status (TactSupervisionPage *self, const char *title, const char *description)
{
  adw_status_page_set_title (self->status, title);
  adw_status_page_set_description (self->status, description);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSupervisionPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = tact_session_list_supervision_finish (TACT_SESSION (source), result, &error);

  if (!records)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_status (self, _("The Supervision Room Could Not Be Read"), error->message);
      return;
    }
  g_clear_object (&self->cancellable);
  g_list_store_remove_all (self->records);
  for (guint i = 0; i < records->len; i++)
    {
      const TactStoreAuditRecord *record = g_ptr_array_index (records, i);
      g_autoptr(TactAuditItem) item = tact_audit_item_new (record);
      g_auto(GStrv) rules = g_strsplit (record->rule_ids ? record->rule_ids : "", ",", -1);

      g_list_store_append (self->records, item);
      learn (self, self->person_model, self->person_ids, record->sender);
      for (guint j = 0; rules[j]; j++)
        learn (self, self->rule_model, self->rule_ids, g_strstrip (rules[j]));
    }
  if (records->len > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else if (self->sender || self->rule_id || self->action)
    show_status (self, _("No Matching Records"),
                 _("No record in the supervision room matches these filters. Choose “Anyone”, “Any rule” or “Any action” to see more."));
  else
    show_status (self, _("No Records"), _("The supervision room has no audit records yet."));
}

void
tact_supervision_page_reload (TactSupervisionPage *self)
{
  g_return_if_fail (TACT_IS_SUPERVISION_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_str (&self->sender, selected_in (self->person_filter, self->person_ids));
  set_str (&self->rule_id, selected_in (self->rule_filter, self->rule_ids));
  set_str (&self->action, selected_action (self));
  if (!self->session)
    {
      g_list_store_remove_all (self->records);
      show_status (self, _("No Records"), _("The supervision room has no audit records yet."));
      return;
    }
  self->cancellable = g_cancellable_new ();
  tact_session_list_supervision_async (self->session, self->sender, self->rule_id, self->action,
                                       self->cancellable, listed_cb, g_object_ref (self));
}

/* A filter changed: read again, unless only the selected position moved (a choice was added). */
static void
on_filter_changed (TactSupervisionPage *self)
{
  if (g_strcmp0 (self->sender, selected_in (self->person_filter, self->person_ids)) != 0
      || g_strcmp0 (self->rule_id, selected_in (self->rule_filter, self->rule_ids)) != 0
      || g_strcmp0 (self->action, selected_action (self)) != 0)
    tact_supervision_page_reload (self);
}

static void
refresh_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  tact_supervision_page_reload (TACT_SUPERVISION_PAGE (widget));
}

void
tact_supervision_page_set_session (TactSupervisionPage *self, TactSession *session)
{
  g_return_if_fail (TACT_IS_SUPERVISION_PAGE (self));
  g_return_if_fail (session == NULL || TACT_IS_SESSION (session));

  if (!g_set_object (&self->session, session))
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_list_store_remove_all (self->records);
  /* Another account: the people and rules seen were another room's. */
  gtk_drop_down_set_selected (self->person_filter, 0);
  gtk_drop_down_set_selected (self->rule_filter, 0);
  gtk_string_list_splice (self->person_model, 1, self->person_ids->len - 1, NULL);
  gtk_string_list_splice (self->rule_model, 1, self->rule_ids->len - 1, NULL);
  g_ptr_array_set_size (self->person_ids, 1);
  g_ptr_array_set_size (self->rule_ids, 1);
}

/* ---- The list --------------------------------------------------------------------- */

static void
setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, tact_audit_row_new ());
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, TactSupervisionPage *self)
{
  const TactStoreAuditRecord *record = tact_audit_item_get_record (gtk_list_item_get_item (item));
  TactRoom *room = self->session && record->room_id
                   ? tact_session_lookup_room (self->session, record->room_id) : NULL;
  g_autofree char *person = record->sender ? person_in_words (self, record->sender) : NULL;

  tact_audit_row_set_record (TACT_AUDIT_ROW (gtk_list_item_get_child (item)), record,
                             room ? tact_room_get_display_name (room) : NULL, person);
}

static void
unbind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tact_audit_row_set_record (TACT_AUDIT_ROW (gtk_list_item_get_child (item)), NULL, NULL, NULL);
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
tact_supervision_page_dispose (GObject *object)
{
  TactSupervisionPage *self = TACT_SUPERVISION_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TACT_TYPE_SUPERVISION_PAGE);
  g_clear_object (&self->records);
  g_clear_object (&self->person_model);
  g_clear_object (&self->rule_model);
  g_clear_pointer (&self->person_ids, g_ptr_array_unref);
  g_clear_pointer (&self->rule_ids, g_ptr_array_unref);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tact_supervision_page_parent_class)->dispose (object);
}

static void
tact_supervision_page_finalize (GObject *object)
{
  TactSupervisionPage *self = TACT_SUPERVISION_PAGE (object);

  g_free (self->sender);
  g_free (self->rule_id);
  g_free (self->action);

  G_OBJECT_CLASS (tact_supervision_page_parent_class)->finalize (object);
}

static void
tact_supervision_page_class_init (TactSupervisionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_supervision_page_dispose;
  object_class->finalize = tact_supervision_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-supervision-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TactSupervisionPage, person_filter);
  gtk_widget_class_bind_template_child (widget_class, TactSupervisionPage, rule_filter);
  gtk_widget_class_bind_template_child (widget_class, TactSupervisionPage, action_filter);
  gtk_widget_class_bind_template_child (widget_class, TactSupervisionPage, stack);
  gtk_widget_class_bind_template_child (widget_class, TactSupervisionPage, status);
  gtk_widget_class_bind_template_child (widget_class, TactSupervisionPage, list_view);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_install_action (widget_class, "supervision.refresh", NULL, refresh_action);
}

static void
tact_supervision_page_init (TactSupervisionPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkNoSelection) selection = NULL;
  g_autoptr(GtkStringList) action_model = gtk_string_list_new (NULL);

  /* The filters' models first: building the template selects their first items. */
  self->person_ids = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->person_ids, NULL);
  /* Translators: the Supervision page's person filter: records of every person */
  self->person_model = gtk_string_list_new ((const char * const []) { _("Anyone"), NULL });
  self->rule_ids = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->rule_ids, NULL);
  /* Translators: the Supervision page's rule filter: records of every rule */
  self->rule_model = gtk_string_list_new ((const char * const []) { _("Any rule"), NULL });
  /* Translators: the Supervision page's action filter: records of every action */
  gtk_string_list_append (action_model, _("Any action"));
  for (guint i = 1; i < G_N_ELEMENTS (actions); i++)
    gtk_string_list_append (action_model, tact_audit_action_in_words (actions[i]));

  gtk_widget_init_template (GTK_WIDGET (self));
  self->records = g_list_store_new (TACT_TYPE_AUDIT_ITEM);

  gtk_drop_down_set_model (self->person_filter, G_LIST_MODEL (self->person_model));
  gtk_drop_down_set_model (self->rule_filter, G_LIST_MODEL (self->rule_model));
  gtk_drop_down_set_model (self->action_filter, G_LIST_MODEL (action_model));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->records)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
}

GtkWidget *
tact_supervision_page_new (void)
{
  return g_object_new (TACT_TYPE_SUPERVISION_PAGE, NULL);
}
