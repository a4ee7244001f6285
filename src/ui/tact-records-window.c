/* tact-records-window.c: the pages of one window, opened from the primary menu.
 *
 * "Held": our own approval requests (tact_approvals_get_outgoing()) with their state, bound to
 * a list view of TactApprovalRow. "My Audit Log": this device's newest audit records
 * (tact_session_list_audit_async()), read again each time the page is shown, one TactAuditRow
 * each: time, what happened in words, rules and clauses, action, room, reason or comment.
 * "Supervision", shown only to supervisors (tact_session_is_supervisor()): the supervision
 * room's records from everyone, filtered (TactSupervisionPage), with the same rows; "Rule
 * Statistics", also for supervisors only: counts per rule over those records
 * (TactRuleStatsPage). */
#include <glib/gi18n-lib.h>

#include "session/tact-approvals.h"
#include "tact-approval-row.h"
#include "tact-audit-item.h"
#include "tact-audit-row.h"
#include "tact-records-window.h"
#include "tact-rule-stats-page.h"
#include "tact-supervision-page.h"

#define AUDIT_LIMIT 500

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
  AdwViewStackPage *supervision_item;
  TactSupervisionPage *supervision_page;
  AdwViewStackPage *rule_stats_item;
  TactRuleStatsPage *rule_stats_page;

  /* owned */
  TactSession  *session;
  GListStore   *audit;         /* element-type TactAuditItem, newest first */
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TactRecordsWindow, tact_records_window, ADW_TYPE_WINDOW)

static void
audit_setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, tact_audit_row_new ());
  gtk_list_item_set_activatable (item, FALSE);
}

static void
audit_bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, TactRecordsWindow *self)
{
  const TactStoreAuditRecord *record = tact_audit_item_get_record (gtk_list_item_get_item (item));
  TactRoom *room = self->session && record->room_id ? tact_session_lookup_room (self->session, record->room_id) : NULL;

  tact_audit_row_set_record (TACT_AUDIT_ROW (gtk_list_item_get_child (item)), record,
                             room ? tact_room_get_display_name (room) : NULL, NULL);
}

static void
audit_unbind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tact_audit_row_set_record (TACT_AUDIT_ROW (gtk_list_item_get_child (item)), NULL, NULL, NULL);
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
      g_autoptr(TactAuditItem) item = tact_audit_item_new (g_ptr_array_index (records, i));
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

/* F5, Ctrl+R: the page shown is read again (My Audit Log, Supervision, Rule Statistics). */
static void
refresh_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactRecordsWindow *self = TACT_RECORDS_WINDOW (widget);
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);

  if (g_strcmp0 (page, "audit") == 0)
    load_audit (self);
  else if (g_strcmp0 (page, "supervision") == 0)
    tact_supervision_page_reload (self->supervision_page);
  else if (g_strcmp0 (page, "rule-stats") == 0)
    tact_rule_stats_page_reload (self->rule_stats_page);
}

static void
on_page_changed (TactRecordsWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);
  gboolean audit = g_strcmp0 (page, "audit") == 0;

  gtk_widget_set_visible (self->refresh_button, audit);   /* the supervisors' pages have their own */
  if (audit)
    load_audit (self);
  else if (g_strcmp0 (page, "supervision") == 0)
    tact_supervision_page_reload (self->supervision_page);
  else if (g_strcmp0 (page, "rule-stats") == 0)
    tact_rule_stats_page_reload (self->rule_stats_page);
}

/* The Supervision and Rule Statistics pages are there only for supervisors; asked again each
 * time a page is shown (membership and power in the supervision room can change). */
static gboolean
update_supervision (TactRecordsWindow *self)
{
  gboolean supervisor = self->session && tact_session_is_supervisor (self->session);

  adw_view_stack_page_set_visible (self->supervision_item, supervisor);
  adw_view_stack_page_set_visible (self->rule_stats_item, supervisor);
  return supervisor;
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
  tact_supervision_page_set_session (self->supervision_page, session);
  tact_rule_stats_page_set_session (self->rule_stats_page, session);
  update_supervision (self);
  update_held (self);
  return GTK_WIDGET (self);
}

void
tact_records_window_show_page (TactRecordsWindow *self, const char *page)
{
  g_return_if_fail (TACT_IS_RECORDS_WINDOW (self));

  if (!update_supervision (self)
      && (g_strcmp0 (page, "supervision") == 0 || g_strcmp0 (page, "rule-stats") == 0))
    page = "audit";   /* no longer a supervisor: their own records instead */
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
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, supervision_item);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, supervision_page);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, rule_stats_item);
  gtk_widget_class_bind_template_child (widget_class, TactRecordsWindow, rule_stats_page);
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_install_action (widget_class, "records.refresh", NULL, refresh_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "records.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "records.refresh", NULL);
}

static void
tact_records_window_init (TactRecordsWindow *self)
{
  g_autoptr(GtkListItemFactory) held_factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkListItemFactory) audit_factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkNoSelection) audit_selection = NULL;

  g_type_ensure (TACT_TYPE_SUPERVISION_PAGE);
  g_type_ensure (TACT_TYPE_RULE_STATS_PAGE);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->audit = g_list_store_new (TACT_TYPE_AUDIT_ITEM);

  g_signal_connect (held_factory, "setup", G_CALLBACK (held_setup_cb), self);
  g_signal_connect (held_factory, "bind", G_CALLBACK (held_bind_cb), self);
  g_signal_connect (held_factory, "unbind", G_CALLBACK (held_unbind_cb), self);
  gtk_list_view_set_factory (self->held_view, held_factory);

  g_signal_connect (audit_factory, "setup", G_CALLBACK (audit_setup_cb), self);
  g_signal_connect (audit_factory, "bind", G_CALLBACK (audit_bind_cb), self);
  g_signal_connect (audit_factory, "unbind", G_CALLBACK (audit_unbind_cb), self);
  gtk_list_view_set_factory (self->audit_view, audit_factory);
  audit_selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->audit)));
  gtk_list_view_set_model (self->audit_view, GTK_SELECTION_MODEL (audit_selection));
  gtk_widget_set_visible (self->refresh_button, FALSE);
}
