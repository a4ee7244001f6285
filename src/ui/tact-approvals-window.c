/* tact-approvals-window.c: the Approvals page. A view over tact_approvals_get_incoming(): one
 * TactApprovalRow per request, newest first, its decisions through the approvals.* actions
 * (Approve at once; Reject… and Return for Edit… ask for the comment the requester will
 * read). The session posts the decision and refuses to approve a tampered request. */
#include <glib/gi18n-lib.h>

#include "tact-approval-row.h"
#include "tact-approvals-window.h"

struct _TactApprovalsWindow
{
  AdwWindow parent_instance;

  /* template children (borrowed) */
  AdwWindowTitle  *window_title;
  AdwToastOverlay *toasts;
  GtkStack        *stack;
  GtkListView     *list_view;

  /* owned */
  TactApprovals   *approvals;
  GtkSortListModel *sorted;     /* newest first */
};

G_DEFINE_FINAL_TYPE (TactApprovalsWindow, tact_approvals_window, ADW_TYPE_WINDOW)

static TactApprovalRequest *
find_request (TactApprovalsWindow *self, GVariant *parameter)
{
  const char *id = g_variant_get_string (parameter, NULL);
  GListModel *incoming;

  if (!self->approvals)
    return NULL;
  incoming = tact_approvals_get_incoming (self->approvals);
  for (guint i = 0; i < g_list_model_get_n_items (incoming); i++)
    {
      g_autoptr(TactApprovalRequest) request = g_list_model_get_item (incoming, i);
      if (g_strcmp0 (tact_approval_request_get_id (request), id) == 0)
        return request;   /* the model keeps it alive */
    }
  return NULL;
}

static void
decide (TactApprovalsWindow *self, TactApprovalRequest *request, const char *decision,
        const char *comment)
{
  g_autoptr(GError) error = NULL;
  const char *done;

  if (!tact_approvals_decide (self->approvals, request, decision, comment, &error))
    {
      AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                             _("Decision Not Sent"),
                                                                             error->message));
      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  if (g_str_equal (decision, "approve"))
    done = _("Approved: the message will be sent unchanged");
  else if (g_str_equal (decision, "reject"))
    done = _("Rejected");
  else
    done = _("Returned for edit");
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (done));
}

static void
approve_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactApprovalsWindow *self = TACT_APPROVALS_WINDOW (widget);
  TactApprovalRequest *request = find_request (self, parameter);

  if (request)
    decide (self, request, "approve", NULL);
}

/* One Reject… or Return for Edit… dialog: what its handlers share. Reference counted: the
 * dialog's response handler and its entry's handlers each hold a reference. */
typedef struct {
  TactApprovalsWindow *window;   /* owned ref */
  TactApprovalRequest *request;  /* owned ref */
  char                *decision; /* owned: "reject" or "return", also the response's id */
  AdwMessageDialog    *dialog;   /* borrowed: alive while any handler can run */
  GtkEditable         *entry;    /* borrowed: the comment, the dialog's extra child */
} CommentState;

static void
comment_state_clear (CommentState *state)
{
  g_clear_object (&state->window);
  g_clear_object (&state->request);
  g_clear_pointer (&state->decision, g_free);
}

static CommentState *
comment_state_ref (CommentState *state)
{
  return g_rc_box_acquire (state);
}

static void
comment_state_unref (CommentState *state)
{
  g_rc_box_release_full (state, (GDestroyNotify) comment_state_clear);
}

static void
comment_state_closure_unref (gpointer data, GClosure *closure)
{
  comment_state_unref (data);
}

/* The comment, trimmed; NULL while it is blank. */
static char *
dup_comment (CommentState *state)
{
  g_autofree char *comment = g_strstrip (g_strdup (gtk_editable_get_text (state->entry)));

  return *comment ? g_steal_pointer (&comment) : NULL;
}

static void
comment_response_cb (AdwMessageDialog *dialog, const char *response, CommentState *state)
{
  g_autofree char *comment = dup_comment (state);

  if (g_strcmp0 (response, state->decision) == 0 && comment)
    decide (state->window, state->request, state->decision, comment);
}

/* A comment is required: the response waits for one. */
static void
comment_changed_cb (GtkEditable *entry, CommentState *state)
{
  g_autofree char *comment = dup_comment (state);

  adw_message_dialog_set_response_enabled (state->dialog, state->decision, comment != NULL);
}

/* Enter in the comment: what the button does, once there is a comment. */
static void
comment_activate_cb (GtkEntry *entry, CommentState *state)
{
  g_autofree char *comment = dup_comment (state);

  if (comment)
    {
      adw_message_dialog_response (state->dialog, state->decision);
      gtk_window_destroy (GTK_WINDOW (state->dialog));
    }
}

static void
ask_comment (TactApprovalsWindow *self, TactApprovalRequest *request, const char *decision)
{
  gboolean reject = g_str_equal (decision, "reject");
  AdwMessageDialog *dialog;
  GtkWidget *entry = gtk_entry_new ();
  CommentState *state = g_rc_box_new0 (CommentState);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       reject ? _("Reject the Request?") : _("Return for Edit?"),
                                                       reject ? _("Nothing will be sent. Say why; the requester reads your comment.")
                                                              : _("Nothing will be sent; the requester can change the message and ask again. Say what to change.")));
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Comment (required)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Comment"), -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_response (dialog, "cancel", _("_Cancel"));
  adw_message_dialog_add_response (dialog, decision, reject ? _("_Reject") : _("Return for _Edit"));
  adw_message_dialog_set_response_appearance (dialog, decision,
                                              reject ? ADW_RESPONSE_DESTRUCTIVE : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, decision, FALSE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_default_response (dialog, "cancel");
  state->window = g_object_ref (self);
  state->request = g_object_ref (request);
  state->decision = g_strdup (decision);
  state->dialog = dialog;
  state->entry = GTK_EDITABLE (entry);
  g_signal_connect_data (dialog, "response", G_CALLBACK (comment_response_cb),
                         comment_state_ref (state), comment_state_closure_unref, 0);
  g_signal_connect_data (entry, "changed", G_CALLBACK (comment_changed_cb),
                         comment_state_ref (state), comment_state_closure_unref, 0);
  g_signal_connect_data (entry, "activate", G_CALLBACK (comment_activate_cb),
                         comment_state_ref (state), comment_state_closure_unref, 0);
  comment_state_unref (state);   /* the handlers hold it now */
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
reject_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactApprovalsWindow *self = TACT_APPROVALS_WINDOW (widget);
  TactApprovalRequest *request = find_request (self, parameter);

  if (request)
    ask_comment (self, request, "reject");
}

static void
return_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactApprovalsWindow *self = TACT_APPROVALS_WINDOW (widget);
  TactApprovalRequest *request = find_request (self, parameter);

  if (request)
    ask_comment (self, request, "return");
}

/* ---- The list ------------------------------------------------------------------ */

static void
setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, tact_approval_row_new ());
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, TactApprovalsWindow *self)
{
  tact_approval_row_set_request (TACT_APPROVAL_ROW (gtk_list_item_get_child (item)), self->approvals,
                                 gtk_list_item_get_item (item));
}

static void
unbind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tact_approval_row_set_request (TACT_APPROVAL_ROW (gtk_list_item_get_child (item)), NULL, NULL);
}

static void
update_title (TactApprovalsWindow *self)
{
  guint pending = self->approvals ? tact_approvals_get_pending_count (self->approvals) : 0;
  guint n = self->sorted ? g_list_model_get_n_items (G_LIST_MODEL (self->sorted)) : 0;
  g_autofree char *subtitle = NULL;

  if (pending > 0)
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u waiting for your decision",
                                             "%u waiting for your decision", pending), pending);
  adw_window_title_set_subtitle (self->window_title, subtitle ? subtitle : "");
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
}

/* The incoming model is newest last; the page shows the newest first. */
static int
newest_first (gconstpointer a, gconstpointer b, gpointer user_data)
{
  gint64 ea = tact_approval_request_get_expires_ts ((TactApprovalRequest *) a);
  gint64 eb = tact_approval_request_get_expires_ts ((TactApprovalRequest *) b);

  return ea < eb ? 1 : ea > eb ? -1 : 0;
}

GtkWidget *
tact_approvals_window_new (GtkWindow *parent, TactApprovals *approvals)
{
  TactApprovalsWindow *self = g_object_new (TACT_TYPE_APPROVALS_WINDOW, "transient-for", parent,
                                                   "destroy-with-parent", TRUE, NULL);
  g_autoptr(GtkNoSelection) selection = NULL;

  if (!approvals)
    {
      update_title (self);
      return GTK_WIDGET (self);
    }
  self->approvals = g_object_ref (approvals);
  self->sorted = gtk_sort_list_model_new (g_object_ref (tact_approvals_get_incoming (approvals)),
                                          GTK_SORTER (gtk_custom_sorter_new (newest_first, NULL, NULL)));
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->sorted)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  g_signal_connect_object (self->sorted, "items-changed", G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (approvals, "notify::pending-count", G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
  update_title (self);
  return GTK_WIDGET (self);
}

static void
tact_approvals_window_dispose (GObject *object)
{
  TactApprovalsWindow *self = TACT_APPROVALS_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TACT_TYPE_APPROVALS_WINDOW);
  g_clear_object (&self->sorted);
  g_clear_object (&self->approvals);

  G_OBJECT_CLASS (tact_approvals_window_parent_class)->dispose (object);
}

static void
tact_approvals_window_class_init (TactApprovalsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_approvals_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-approvals-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TactApprovalsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalsWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalsWindow, list_view);
  gtk_widget_class_install_action (widget_class, "approvals.approve", "s", approve_action);
  gtk_widget_class_install_action (widget_class, "approvals.reject", "s", reject_action);
  gtk_widget_class_install_action (widget_class, "approvals.return", "s", return_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tact_approvals_window_init (TactApprovalsWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
}
