/* tact-records-window.c: two pages of one window, opened from the primary menu.
 *
 * "Held": our own approval requests (tact_approvals_get_outgoing()) with their state, bound to
 * a list view of TactApprovalRow. "My Audit Log": this device's newest audit records
 * (tact_session_list_audit_async()), read again each time the page is shown: time, what
 * happened in words, rules and clauses, action, room, reason or comment. */
#include <glib/gi18n-lib.h>

#include "session/tact-approvals.h"
#include "tact-approval-row.h"
#include "tact-records-window.h"

#define AUDIT_LIMIT 500

/* ---- One audit record as a list item (the store's record is a plain struct) -------- */

#define TACT_TYPE_AUDIT_ITEM (tact_audit_item_get_type ())
G_DECLARE_FINAL_TYPE (TactAuditItem, tact_audit_item, TACT, AUDIT_ITEM, GObject)

struct _TactAuditItem
{
  GObject parent_instance;
  TactStoreAuditRecord *record;   /* owned */
};

G_DEFINE_FINAL_TYPE (TactAuditItem, tact_audit_item, G_TYPE_OBJECT)

static void
tact_audit_item_finalize (GObject *object)
{
  g_clear_pointer (&TACT_AUDIT_ITEM (object)->record, tact_store_audit_record_free);
  G_OBJECT_CLASS (tact_audit_item_parent_class)->finalize (object);
}

static void
tact_audit_item_class_init (TactAuditItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tact_audit_item_finalize;
}

static void
tact_audit_item_init (TactAuditItem *self)
{
}

/* ---- The window -------------------------------------------------------------------- */

struct _TactRecordsWindow
{
  AdwWindow parent_instance;

  /* template children (borrowed) */
  AdwViewStack *view_stack;
  GtkStack     *held_stack;
  GtkListView  *held_view;
  GtkStack     *audit_stack;
  AdwStatusPage *audit_status;
  GtkListView  *audit_view;
  GtkWidget    *refresh_button;

  /* owned */
  TactSession  *session;
  GListStore   *audit;         /* element-type TactAuditItem, newest first */
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TactRecordsWindow, tact_records_window, ADW_TYPE_WINDOW)

/* What an audit record's kind means, in words (docs/audit.md). */
static const char *
kind_in_words (const char *kind)
{
  static const struct { const char *kind; const char *words; } kinds[] = {
    { "warning-shown", N_("Warned before sending") },
    { "justification-asked", N_("Asked for a reason") },
    { "approval-needed", N_("Told that approval is needed") },
    { "blocked", N_("Blocked") },
    { "cancelled", N_("Not sent: you cancelled") },
    { "warned-send", N_("Sent after a warning") },
    { "justified-send", N_("Sent with a reason") },
    { "held-for-review", N_("Held for review") },
    { "false-positive", N_("Reported as a false positive") },
    { "discarded", N_("Discarded") },
    { "approval-requested", N_("Approval requested") },
    { "approval-approved", N_("Approved; sent") },
    { "approval-rejected", N_("Approval rejected") },
    { "approval-returned", N_("Returned for edit") },
    { "approval-expired", N_("Approval request expired") },
    { "approval-cancelled", N_("Approval request withdrawn") },
    { "approval-given", N_("You approved a request") },
    { "approval-refused", N_("You rejected a request") },
    { "approval-returned-for-edit", N_("You returned a request for edit") },
    { "approval-decision-ignored", N_("A decision was ignored") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kind, kinds[i].kind) == 0)
      return _(kinds[i].words);
  return kind ? kind : "";
}

static const char *
action_in_words (const char *action)
{
  if (g_strcmp0 (action, "allow") == 0)
    return _("allowed");
  if (g_strcmp0 (action, "warn") == 0)
    return _("warning");
  if (g_strcmp0 (action, "justify") == 0)
    return _("reason required");
  if (g_strcmp0 (action, "approve") == 0)
    return _("approval required");
  if (g_strcmp0 (action, "block") == 0)
    return _("blocked");
  return action;
}

static GtkWidget *
caption_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (css_class)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
audit_setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_box_append (GTK_BOX (box), caption_label ("heading"));   /* time and what happened */
  gtk_box_append (GTK_BOX (box), caption_label ("caption"));   /* rules, action, room */
  gtk_box_append (GTK_BOX (box), caption_label (NULL));        /* reason or comment */
  gtk_list_item_set_child (item, box);
  gtk_list_item_set_activatable (item, FALSE);
}

static void
set_line (GtkWidget *label, const char *text)
{
  gtk_label_set_text (GTK_LABEL (label), text ? text : "");
  gtk_widget_set_visible (label, text && *text);
}

static void
audit_bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, TactRecordsWindow *self)
{
  const TactStoreAuditRecord *record = TACT_AUDIT_ITEM (gtk_list_item_get_item (item))->record;
  GtkWidget *heading = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *details = gtk_widget_get_next_sibling (heading);
  GtkWidget *comment = gtk_widget_get_next_sibling (details);
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (record->ts / 1000);
  g_autofree char *time = when ? g_date_time_format (when, "%Y-%m-%d %H:%M") : g_strdup ("");
  g_autofree char *title = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;
  g_autofree char *text = NULL;
  TactRoom *room = self->session && record->room_id ? tact_session_lookup_room (self->session, record->room_id) : NULL;

  /* Translators: an audit record: its time, then what happened */
  title = g_strdup_printf (_("%s · %s"), time, kind_in_words (record->kind));
  set_line (heading, title);
  if (record->rule_ids && *record->rule_ids)
    /* Translators: %1$s rule ids, %2$s the policy clauses they trace to */
    g_ptr_array_add (parts, g_strdup_printf (_("Rules %s (policy %s)"), record->rule_ids,
                                             record->clauses && *record->clauses ? record->clauses : "—"));
  if (record->action && *record->action)
    /* Translators: the guard's verdict, e.g. Action: reason required */
    g_ptr_array_add (parts, g_strdup_printf (_("Action: %s"), action_in_words (record->action)));
  if (record->room_id)
    /* Translators: %s is a room's name */
    g_ptr_array_add (parts, g_strdup_printf (_("Room: %s"), room ? tact_room_get_display_name (room)
                                                                 : record->room_id));
  g_ptr_array_add (parts, NULL);
  joined = g_strjoinv (" · ", (char **) parts->pdata);
  set_line (details, joined);
  if (record->justification && *record->justification)
    /* Translators: the reason the person gave to send past the guard */
    text = g_strdup_printf (_("Reason: %s"), record->justification);
  else if (record->comment && *record->comment)
    /* Translators: a comment recorded with an audit record (a note, a report, a decision) */
    text = g_strdup_printf (_("Comment: %s"), record->comment);
  set_line (comment, text);
}

static void
audit_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactRecordsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = tact_session_list_audit_finish (TACT_SESSION (source), result, &error);

  if (!records)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      adw_status_page_set_title (self->audit_status, _("The Audit Log Could Not Be Read"));
      adw_status_page_set_description (self->audit_status, error->message);
      gtk_stack_set_visible_child_name (self->audit_stack, "empty");
      return;
    }
  g_list_store_remove_all (self->audit);
  for (guint i = 0; i < records->len; i++)
    {
      g_autoptr(TactAuditItem) item = g_object_new (TACT_TYPE_AUDIT_ITEM, NULL);
      item->record = tact_store_audit_record_copy (g_ptr_array_index (records, i));
      g_list_store_append (self->audit, item);
    }
  gtk_stack_set_visible_child_name (self->audit_stack, records->len > 0 ? "list" : "empty");
}

static void
load_audit (TactRecordsWindow *self)
{
  if (!self->session)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  tact_session_list_audit_async (self->session, AUDIT_LIMIT, self->cancellable, audit_listed_cb,
                                 g_object_ref (self));
}

static void
on_refresh (TactRecordsWindow *self)
{
  load_audit (self);
}

static void
on_page_changed (TactRecordsWindow *self)
{
  gboolean audit = g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "audit") == 0;

  gtk_widget_set_visible (self->refresh_button, audit);
  if (audit)
    load_audit (self);
}

/* ---- Held: our approval requests -------------------------------------------------- */

static void
held_setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, tact_approval_row_new ());
  gtk_list_item_set_activatable (item, FALSE);
}

static void
held_bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, TactRecordsWindow *self)
{
  tact_approval_row_set_request (TACT_APPROVAL_ROW (gtk_list_item_get_child (item)),
                                 self->session ? tact_session_get_approvals (self->session) : NULL,
                                 gtk_list_item_get_item (item));
}

static void
held_unbind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tact_approval_row_set_request (TACT_APPROVAL_ROW (gtk_list_item_get_child (item)), NULL, NULL);
}

static void
update_held (TactRecordsWindow *self)
{
  GtkSelectionModel *model = gtk_list_view_get_model (self->held_view);

  gtk_stack_set_visible_child_name (self->held_stack,
                                    model && g_list_model_get_n_items (G_LIST_MODEL (model)) > 0 ? "list" : "empty");
}

GtkWidget *
tact_records_window_new (GtkWindow *parent, TactSession *session)
{
  TactRecordsWindow *self = g_object_new (TACT_TYPE_RECORDS_WINDOW, "transient-for", parent,
                                                 "destroy-with-parent", TRUE, NULL);
  g_autoptr(GtkNoSelection) selection = NULL;
  GListModel *outgoing;

  if (session)
    {
      self->session = g_object_ref (session);
      outgoing = tact_approvals_get_outgoing (tact_session_get_approvals (session));
      selection = gtk_no_selection_new (g_object_ref (outgoing));
      gtk_list_view_set_model (self->held_view, GTK_SELECTION_MODEL (selection));
      g_signal_connect_object (outgoing, "items-changed", G_CALLBACK (update_held), self, G_CONNECT_SWAPPED);
    }
  update_held (self);
  return GTK_WIDGET (self);
}

void
tact_records_window_show_page (TactRecordsWindow *self, const char *page)
{
  g_return_if_fail (TACT_IS_RECORDS_WINDOW (self));

  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), page) == 0)
    on_page_changed (self);   /* shown again: read the log again */
  else
    adw_view_stack_set_visible_child_name (self->view_stack, page);
}

static void
tact_records_window_dispose (GObject *object)
{
  TactRecordsWindow *self = TACT_RECORDS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TACT_TYPE_RECORDS_WINDOW);
  g_clear_object (&self->audit);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tact_records_window_parent_class)->dispose (object);
}

static void
tact_records_window_class_init (TactRecordsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_records_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-records-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, held_stack);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, held_view);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, audit_stack);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, audit_status);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, audit_view);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, refresh_button);
  gtk_widget_class_bind_template_callback (widget_class, on_refresh);
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tact_records_window_init (TactRecordsWindow *self)
{
  g_autoptr(GtkListItemFactory) held_factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkListItemFactory) audit_factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkNoSelection) audit_selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->audit = g_list_store_new (TACT_TYPE_AUDIT_ITEM);

  g_signal_connect (held_factory, "setup", G_CALLBACK (held_setup_cb), self);
  g_signal_connect (held_factory, "bind", G_CALLBACK (held_bind_cb), self);
  g_signal_connect (held_factory, "unbind", G_CALLBACK (held_unbind_cb), self);
  gtk_list_view_set_factory (self->held_view, held_factory);

  g_signal_connect (audit_factory, "setup", G_CALLBACK (audit_setup_cb), self);
  g_signal_connect (audit_factory, "bind", G_CALLBACK (audit_bind_cb), self);
  gtk_list_view_set_factory (self->audit_view, audit_factory);
  audit_selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->audit)));
  gtk_list_view_set_model (self->audit_view, GTK_SELECTION_MODEL (audit_selection));
  gtk_widget_set_visible (self->refresh_button, FALSE);
}
