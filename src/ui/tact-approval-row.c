/* tact-approval-row.c: one approval request: who asks, for which room and audience, the
 * message as it will be sent, the findings, the note, the time left and the state. An
 * incoming pending request offers the decisions (the window's approvals.* actions decide); a
 * request whose content does not match its hash is shown as tampered, without Approve. */
#include <glib/gi18n-lib.h>

#include "tact-approval-row.h"

struct _TactApprovalRow
{
  GtkWidget parent_instance;

  /* template children (borrowed) */
  GtkWidget *box;
  GtkLabel  *title_label;
  GtkLabel  *audience_label;
  GtkWidget *tampered_label;
  GtkLabel  *text_label;
  GtkLabel  *findings_label;
  GtkLabel  *note_label;
  GtkLabel  *state_label;
  GtkWidget *buttons;
  GtkWidget *approve_button;
  GtkWidget *reject_button;
  GtkWidget *return_button;

  /* owned */
  TactApprovalRequest *request;
  GSignalGroup        *request_signals;
};

G_DEFINE_FINAL_TYPE (TactApprovalRow, tact_approval_row, GTK_TYPE_WIDGET)

/* "2 days left", "5 hours left", "less than an hour left", or NULL once expired. */
static char *
time_left (gint64 expires_ts)
{
  gint64 left_ms = expires_ts - g_get_real_time () / 1000;
  guint hours;

  if (expires_ts <= 0 || left_ms <= 0)
    return NULL;
  hours = (guint) (left_ms / (3600 * 1000));
  if (hours < 1)
    return g_strdup (_("less than an hour left"));
  if (hours < 48)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour left", "%u hours left", hours), hours);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day left", "%u days left", hours / 24), hours / 24);
}

/* The request's state in words, with the approver's comment when there is one. */
static char *
state_text (TactApprovalRequest *request)
{
  const char *state = tact_approval_request_get_state (request);
  const char *comment = tact_approval_request_get_comment (request);
  const char *what;

  if (g_strcmp0 (state, "pending") == 0)
    {
      g_autofree char *left = time_left (tact_approval_request_get_expires_ts (request));
      if (!left)
        return g_strdup (_("Waiting for a decision; the request has expired"));
      /* Translators: %s is the time left, e.g. “2 days left” */
      return g_strdup_printf (_("Waiting for a decision · %s"), left);
    }
  if (g_strcmp0 (state, "approved") == 0)
    what = _("Approved");
  else if (g_strcmp0 (state, "rejected") == 0)
    what = _("Rejected");
  else if (g_strcmp0 (state, "returned") == 0)
    what = _("Returned for edit");
  else if (g_strcmp0 (state, "expired") == 0)
    what = _("Expired");
  else if (g_strcmp0 (state, "cancelled") == 0)
    what = _("Withdrawn");
  else
    what = state;
  if (comment && *comment)
    /* Translators: a request's state, then the approver's comment, e.g. Rejected: 底价不能发 */
    return g_strdup_printf (_("%s: %s"), what, comment);
  return g_strdup (what);
}

static void
update_state (TactApprovalRow *self)
{
  gboolean incoming, pending, hash_ok;
  g_autofree char *state = NULL;

  if (!self->request)
    return;
  incoming = tact_approval_request_is_incoming (self->request);
  pending = g_strcmp0 (tact_approval_request_get_state (self->request), "pending") == 0;
  hash_ok = tact_approval_request_get_hash_ok (self->request);
  state = state_text (self->request);
  gtk_label_set_text (self->state_label, state);
  gtk_widget_set_visible (self->tampered_label, incoming && !hash_ok);
  gtk_widget_set_visible (self->buttons, incoming && pending);
  gtk_widget_set_visible (self->approve_button, incoming && pending && hash_ok);
}

static void
set_action (GtkWidget *button, const char *action, const char *id)
{
  if (action && id)
    gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_string (id));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), id ? action : NULL);
}

void
tact_approval_row_set_request (TactApprovalRow *self, TactApprovals *approvals,
                               TactApprovalRequest *request)
{
  guint members, external;
  g_autofree char *title = NULL;
  g_autofree char *people = NULL;
  g_autofree char *audience = NULL;
  g_autofree char *findings = NULL;
  g_autofree char *note = NULL;
  const char *id;

  g_return_if_fail (TACT_IS_APPROVAL_ROW (self));

  if (!g_set_object (&self->request, request))
    return;
  g_signal_group_set_target (self->request_signals, request);
  id = request ? tact_approval_request_get_id (request) : NULL;
  set_action (self->approve_button, "approvals.approve", id);
  set_action (self->reject_button, "approvals.reject", id);
  set_action (self->return_button, "approvals.return", id);
  if (!request)
    return;

  if (tact_approval_request_is_incoming (request))
    {
      const char *ids[] = { tact_approval_request_get_requester (request), NULL };
      g_autofree char *requester = approvals && ids[0] ? tact_approvals_dup_names (approvals, ids)
                                                       : g_strdup (ids[0] ? ids[0] : "");
      /* Translators: %1$s is a person, %2$s a room, e.g. 李伟 asks to send to Project Falcon */
      title = g_strdup_printf (_("%s asks to send to %s"), requester,
                               tact_approval_request_get_target_name (request));
    }
  else
    /* Translators: %s is a room, the one an approval request's message is for */
    title = g_strdup_printf (_("To %s"), tact_approval_request_get_target_name (request));
  gtk_label_set_text (self->title_label, title);

  members = tact_approval_request_get_target_members (request);
  external = tact_approval_request_get_target_external (request);
  people = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u person", "%u people", members), members);
  if (external > 0)
    {
      g_autofree char *outside = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "%u from outside the company",
                                                               "%u from outside the company",
                                                               external), external);
      /* Translators: a room's audience: “5 people”, “2 from outside the company” */
      audience = g_strdup_printf (_("%s, %s"), people, outside);
    }
  else
    /* Translators: %s is “5 people” */
    audience = g_strdup_printf (_("%s, all from the company"), people);
  gtk_label_set_text (self->audience_label, audience);

  gtk_label_set_text (self->text_label, tact_approval_request_get_text (request));
  if (tact_approval_request_get_findings (request) && *tact_approval_request_get_findings (request))
    /* Translators: %s lists the guard's findings, one line per rule */
    findings = g_strdup_printf (_("Findings: %s"), tact_approval_request_get_findings (request));
  gtk_label_set_text (self->findings_label, findings ? findings : "");
  gtk_widget_set_visible (GTK_WIDGET (self->findings_label), findings != NULL);
  if (tact_approval_request_get_note (request) && *tact_approval_request_get_note (request))
    /* Translators: %s is the requester's note to the approver */
    note = g_strdup_printf (_("Note: %s"), tact_approval_request_get_note (request));
  gtk_label_set_text (self->note_label, note ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), note != NULL);
  update_state (self);
}

static void
tact_approval_row_dispose (GObject *object)
{
  TactApprovalRow *self = TACT_APPROVAL_ROW (object);

  g_clear_object (&self->request_signals);
  g_clear_object (&self->request);
  gtk_widget_dispose_template (GTK_WIDGET (self), TACT_TYPE_APPROVAL_ROW);

  G_OBJECT_CLASS (tact_approval_row_parent_class)->dispose (object);
}

static void
tact_approval_row_class_init (TactApprovalRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_approval_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-approval-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, box);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, audience_label);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, tampered_label);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, findings_label);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, note_label);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, buttons);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, approve_button);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, reject_button);
  gtk_widget_class_bind_template_child (widget_class, TactApprovalRow, return_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tact_approval_row_init (TactApprovalRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->request_signals = g_signal_group_new (TACT_TYPE_APPROVAL_REQUEST);
  g_signal_group_connect_swapped (self->request_signals, "notify::state", G_CALLBACK (update_state), self);
  g_signal_group_connect_swapped (self->request_signals, "notify::comment", G_CALLBACK (update_state), self);
}

GtkWidget *
tact_approval_row_new (void)
{
  return g_object_new (TACT_TYPE_APPROVAL_ROW, NULL);
}
