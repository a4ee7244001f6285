/* tact-guard-dialog.c: the guard's explanation: what matched, which rule and policy clause,
 * and what to do instead; with Edit (messages only), Cancel and (when the verdict allows it)
 * Send Anyway or Send with Justification. For a file it names the file and where in it the
 * finding is. A justification is required before that response is enabled. */
#include <glib/gi18n-lib.h>

#include "tact-guard-dialog.h"

struct _TactGuardDialog
{
  AdwMessageDialog parent_instance;

  GtkWidget *reason_entry;   /* borrowed (child), NULL unless the verdict is justify */
};

G_DEFINE_FINAL_TYPE (TactGuardDialog, tact_guard_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
tact_guard_dialog_class_init (TactGuardDialogClass *klass)
{
}

static void
tact_guard_dialog_init (TactGuardDialog *self)
{
}

/* for_file: the heading names a file instead of a message. */
static const char *
heading_for (TactAction action, gboolean for_file)
{
  switch (action)
    {
    case TACT_ACTION_BLOCK:
      return for_file ? _("This File Cannot Be Sent") : _("This Message Cannot Be Sent");
    case TACT_ACTION_APPROVE:
      return _("Approval Needed");
    case TACT_ACTION_JUSTIFY:
      return _("Justification Needed");
    case TACT_ACTION_WARN:
    case TACT_ACTION_ALLOW:
    default:
      return _("Check Before Sending");
    }
}

static const char *
body_for (TactAction action)
{
  switch (action)
    {
    case TACT_ACTION_BLOCK:
      return _("Company policy does not allow this message here. Edit it, or use the channel named below.");
    case TACT_ACTION_APPROVE:
      return _("This message needs your department head’s approval. Edit it or cancel; approval requests are not available in this version yet.");
    case TACT_ACTION_JUSTIFY:
      return _("Company policy asks for a written reason before this message is sent. The reason is recorded for your supervisor.");
    case TACT_ACTION_WARN:
    case TACT_ACTION_ALLOW:
    default:
      return _("The message may break company policy. Check it before you send it.");
    }
}

/* The body for a file: it names the file. */
static char *
file_body_for (TactAction action, const char *file_name)
{
  switch (action)
    {
    case TACT_ACTION_BLOCK:
      /* Translators: %s is a file name */
      return g_strdup_printf (_("Company policy does not allow “%s” to be sent here. Use the channel named below instead."),
                              file_name);
    case TACT_ACTION_APPROVE:
      /* Translators: %s is a file name */
      return g_strdup_printf (_("“%s” needs your department head’s approval. Approval requests are not available in this version yet."),
                              file_name);
    case TACT_ACTION_JUSTIFY:
      /* Translators: %s is a file name */
      return g_strdup_printf (_("Company policy asks for a written reason before “%s” is sent. The reason is recorded for your supervisor."),
                              file_name);
    case TACT_ACTION_WARN:
    case TACT_ACTION_ALLOW:
    default:
      /* Translators: %s is a file name */
      return g_strdup_printf (_("“%s” may break company policy. Check it before you send it."), file_name);
    }
}

static GtkWidget *
finding_widget (const TactFinding *finding)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *title = gtk_label_new (finding->title);
  g_autofree char *clauses = g_strjoinv (", ", finding->clauses);
  /* Translators: found “<label or text>” in “<file, or file inside an archive>” */
  g_autofree char *matched = finding->attachment
    ? g_strdup_printf (_("Found “%s” in “%s” · rule %s · policy %s"),
                       finding->matched, finding->attachment, finding->rule_id, clauses)
    : g_strdup_printf (_("Matched “%s” · rule %s · policy %s"),
                       finding->matched, finding->rule_id, clauses);
  GtkWidget *matched_label = gtk_label_new (matched);
  GtkWidget *explanation = gtk_label_new (finding->explanation);

  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_xalign (GTK_LABEL (matched_label), 0);
  gtk_label_set_wrap (GTK_LABEL (matched_label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (matched_label), TRUE);
  gtk_widget_add_css_class (matched_label, "caption");
  gtk_label_set_xalign (GTK_LABEL (explanation), 0);
  gtk_label_set_wrap (GTK_LABEL (explanation), TRUE);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), matched_label);
  gtk_box_append (GTK_BOX (box), explanation);
  if (finding->alternative && *finding->alternative)
    {
      g_autofree char *text = g_strdup_printf (_("Instead: %s"), finding->alternative);
      GtkWidget *alternative = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (alternative), 0);
      gtk_label_set_wrap (GTK_LABEL (alternative), TRUE);
      gtk_widget_add_css_class (alternative, "accent");
      gtk_box_append (GTK_BOX (box), alternative);
    }
  return box;
}

static void
reason_changed_cb (GtkEditable *editable, TactGuardDialog *self)
{
  g_autofree char *reason = tact_guard_dialog_dup_justification (self);

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), TACT_GUARD_RESPONSE_JUSTIFY,
                                           reason != NULL);
}

static void
reason_activate_cb (GtkEntry *entry, TactGuardDialog *self)
{
  g_autofree char *reason = tact_guard_dialog_dup_justification (self);

  if (reason)
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), TACT_GUARD_RESPONSE_JUSTIFY);
}

/* file_name: NULL for a message (with Edit), else the file the verdict is about. */
static GtkWidget *
guard_dialog_new (GtkWindow *parent, const TactVerdict *verdict, const char *file_name)
{
  TactGuardDialog *self;
  AdwMessageDialog *dialog;
  GtkWidget *extra = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *findings = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  g_autofree char *body = file_name ? file_body_for (verdict->action, file_name)
                                    : g_strdup (body_for (verdict->action));

  self = g_object_new (TACT_TYPE_GUARD_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "heading", heading_for (verdict->action, file_name != NULL),
                       "body", body,
                       NULL);
  dialog = ADW_MESSAGE_DIALOG (self);

  for (guint i = 0; i < verdict->findings->len; i++)
    gtk_box_append (GTK_BOX (findings), finding_widget (g_ptr_array_index (verdict->findings, i)));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), findings);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 260);
  gtk_box_append (GTK_BOX (extra), scroller);

  adw_message_dialog_add_response (dialog, TACT_GUARD_RESPONSE_CANCEL, _("_Cancel"));
  adw_message_dialog_set_close_response (dialog, TACT_GUARD_RESPONSE_CANCEL);
  if (file_name)
    adw_message_dialog_set_default_response (dialog, TACT_GUARD_RESPONSE_CANCEL);
  else
    {
      /* A file cannot be edited here: only a message offers Edit. */
      adw_message_dialog_add_response (dialog, TACT_GUARD_RESPONSE_EDIT, _("_Edit"));
      adw_message_dialog_set_default_response (dialog, TACT_GUARD_RESPONSE_EDIT);
    }

  switch (verdict->action)
    {
    case TACT_ACTION_WARN:
      adw_message_dialog_add_response (dialog, TACT_GUARD_RESPONSE_SEND, _("_Send Anyway"));
      adw_message_dialog_set_response_appearance (dialog, TACT_GUARD_RESPONSE_SEND, ADW_RESPONSE_DESTRUCTIVE);
      break;
    case TACT_ACTION_JUSTIFY:
      self->reason_entry = gtk_entry_new ();
      gtk_entry_set_placeholder_text (GTK_ENTRY (self->reason_entry),
                                      _("Why does this need to be sent here?"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->reason_entry),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"), -1);
      g_signal_connect_object (self->reason_entry, "changed", G_CALLBACK (reason_changed_cb), self, 0);
      g_signal_connect_object (self->reason_entry, "activate", G_CALLBACK (reason_activate_cb), self, 0);
      gtk_box_append (GTK_BOX (extra), self->reason_entry);
      adw_message_dialog_add_response (dialog, TACT_GUARD_RESPONSE_JUSTIFY, _("Send with _Justification"));
      adw_message_dialog_set_response_appearance (dialog, TACT_GUARD_RESPONSE_JUSTIFY, ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_response_enabled (dialog, TACT_GUARD_RESPONSE_JUSTIFY, FALSE);
      break;
    case TACT_ACTION_APPROVE:
    case TACT_ACTION_BLOCK:
    case TACT_ACTION_ALLOW:
    default:
      break;
    }

  adw_message_dialog_set_extra_child (dialog, extra);
  return GTK_WIDGET (self);
}

GtkWidget *
tact_guard_dialog_new (GtkWindow *parent, const TactVerdict *verdict)
{
  return guard_dialog_new (parent, verdict, NULL);
}

GtkWidget *
tact_guard_dialog_new_for_file (GtkWindow *parent, const TactVerdict *verdict, const char *file_name)
{
  g_return_val_if_fail (file_name != NULL, NULL);
  return guard_dialog_new (parent, verdict, file_name);
}

char *
tact_guard_dialog_dup_justification (TactGuardDialog *self)
{
  g_autofree char *reason = NULL;

  if (!self->reason_entry)
    return NULL;
  reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reason_entry))));
  return *reason ? g_steal_pointer (&reason) : NULL;
}
