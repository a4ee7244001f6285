/* tact-audit-row.c: one audit record in a list. My Audit Log (the records window) and the
 * Supervision page both show their records with this row, so a kind or an action reads the
 * same in both: tact_audit_kind_in_words() and tact_audit_action_in_words() are the only
 * mapping from the record's words to the person's. */
#include <glib/gi18n-lib.h>

#include "tact-audit-row.h"

struct _TactAuditRow
{
  GtkWidget parent_instance;

  /* template children (borrowed; box is bound so that disposing the template unparents it) */
  GtkWidget *box;
  GtkLabel *heading_label;
  GtkLabel *person_label;
  GtkLabel *details_label;
  GtkLabel *comment_label;
};

G_DEFINE_FINAL_TYPE (TactAuditRow, tact_audit_row, GTK_TYPE_WIDGET)

const char *
tact_audit_kind_in_words (const char *kind, gboolean own)
{
  /* others: the words for someone else's record (a supervisor reads it), when "you" would
   * be wrong there; NULL: the same words. */
  static const struct { const char *kind; const char *words; const char *others; } kinds[] = {
    { "warning-shown", N_("Warned before sending") },
    { "justification-asked", N_("Asked for a reason") },
    { "approval-needed", N_("Told that approval is needed") },
    { "blocked", N_("Blocked") },
    { "cancelled", N_("Not sent: you cancelled"), N_("Not sent: cancelled") },
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
    { "approval-given", N_("You approved a request"), N_("Approved a request") },
    { "approval-refused", N_("You rejected a request"), N_("Rejected a request") },
    { "approval-returned-for-edit", N_("You returned a request for edit"), N_("Returned a request for edit") },
    { "approval-decision-ignored", N_("A decision was ignored") },
    /* Translators: a rule an administrator is trying out matched; nothing was shown. */
    { "shadow-hit", N_("Matched a rule on trial (not shown)") },
    { "tutorial-passed", N_("You passed the policy tutorial"), N_("Passed the policy tutorial") },
    { "tutorial-failed", N_("You took the policy tutorial; not passed yet"), N_("Took the policy tutorial; not passed yet") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kind, kinds[i].kind) == 0)
      return _(!own && kinds[i].others ? kinds[i].others : kinds[i].words);
  return kind ? kind : "";
}

const char *
tact_audit_action_in_words (const char *action)
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
  return action ? action : "";
}

static void
set_line (GtkLabel *label, const char *text)
{
  gtk_label_set_text (label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text && *text);
}

void
tact_audit_row_set_record (TactAuditRow *self, const TactStoreAuditRecord *record,
                           const char *room_name, const char *person)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *time = NULL;
  g_autofree char *title = NULL;
  g_autofree char *who = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (TACT_IS_AUDIT_ROW (self));

  if (!record)
    {
      set_line (self->heading_label, NULL);
      set_line (self->person_label, NULL);
      set_line (self->details_label, NULL);
      set_line (self->comment_label, NULL);
      return;
    }
  when = g_date_time_new_from_unix_local (record->ts / 1000);
  time = when ? g_date_time_format (when, "%Y-%m-%d %H:%M") : g_strdup ("");
  /* Translators: an audit record: its time, then what happened */
  title = g_strdup_printf (_("%s · %s"), time, tact_audit_kind_in_words (record->kind, record->sender == NULL));
  set_line (self->heading_label, title);
  if (person && *person)
    /* Translators: who a supervision room's audit record is about (a name, or a user id) */
    who = g_strdup_printf (_("Person: %s"), person);
  set_line (self->person_label, who);
  if (record->rule_ids && *record->rule_ids)
    /* Translators: %1$s rule ids, %2$s the policy clauses they trace to */
    g_ptr_array_add (parts, g_strdup_printf (_("Rules %s (policy %s)"), record->rule_ids,
                                             record->clauses && *record->clauses ? record->clauses : "—"));
  if (record->action && *record->action)
    /* Translators: the guard's verdict, e.g. Action: reason required */
    g_ptr_array_add (parts, g_strdup_printf (_("Action: %s"), tact_audit_action_in_words (record->action)));
  if (record->room_id)
    /* Translators: %s is a room's name */
    g_ptr_array_add (parts, g_strdup_printf (_("Room: %s"), room_name ? room_name : record->room_id));
  g_ptr_array_add (parts, NULL);
  joined = g_strjoinv (" · ", (char **) parts->pdata);
  set_line (self->details_label, joined);
  if (record->justification && *record->justification)
    /* Translators: the reason the person gave to send past the guard */
    text = g_strdup_printf (_("Reason: %s"), record->justification);
  else if (record->comment && *record->comment)
    /* Translators: a comment recorded with an audit record (a note, a report, a decision) */
    text = g_strdup_printf (_("Comment: %s"), record->comment);
  set_line (self->comment_label, text);
}

static void
tact_audit_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TACT_TYPE_AUDIT_ROW);

  G_OBJECT_CLASS (tact_audit_row_parent_class)->dispose (object);
}

static void
tact_audit_row_class_init (TactAuditRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_audit_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-audit-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TactAuditRow, box);
  gtk_widget_class_bind_template_child (widget_class, TactAuditRow, heading_label);
  gtk_widget_class_bind_template_child (widget_class, TactAuditRow, person_label);
  gtk_widget_class_bind_template_child (widget_class, TactAuditRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, TactAuditRow, comment_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tact_audit_row_init (TactAuditRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tact_audit_row_new (void)
{
  return g_object_new (TACT_TYPE_AUDIT_ROW, NULL);
}
