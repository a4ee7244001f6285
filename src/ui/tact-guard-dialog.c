/* tact-guard-dialog.c: the guard's explanation: what matched, which rule and policy clause,
 * and what to do instead; with Edit (messages only), Cancel and (when the verdict allows it)
 * Send Anyway, Send with Justification or Request Approval. For a file it names the file and
 * where in it the finding is. A justification is required before that response is enabled.
 * Every dialog can report a false positive without sending or cancelling anything.
 *
 * The widgets are in tact-guard-dialog.ui; the findings list gets one row per rule. */
#include <glib/gi18n-lib.h>

#include "tact-guard-dialog.h"

struct _TactGuardDialog
{
  AdwMessageDialog parent_instance;

  /* template children (borrowed) */
  GtkWidget    *findings_bin;
  GtkScrolledWindow *findings_scroller;
  GtkListBox   *findings_list;
  GtkEntry     *reason_entry;      /* shown for justify */
  GtkEntry     *note_entry;        /* shown for approve, once approvers are set */
  GtkWidget    *report_box;
  GtkToggleButton *report_toggle;
  GtkRevealer  *report_revealer;
  GtkEntry     *report_entry;
  GtkWidget    *report_button;
  GtkWidget    *report_done_label;

  /* owned */
  char         *file_name;         /* NULL for a message */
  char         *reason;            /* the entries' text, kept when the template is disposed */
  char         *note;
  char         *report_comment;

  TactAction    action;
  gboolean      approvers_set;   /* Request Approval and the note are offered */
  gboolean      reported;
  gboolean      disposed;        /* the template children are gone */
};

G_DEFINE_FINAL_TYPE (TactGuardDialog, tact_guard_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  SIGNAL_REPORT_FALSE_POSITIVE,
  SIGNAL_LEARN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The entry's text (or, once disposed, the text kept from it) stripped; NULL when empty. */
static char *
dup_stripped (TactGuardDialog *self, GtkEntry *entry, const char *kept)
{
  const char *text = !self->disposed && entry ? gtk_editable_get_text (GTK_EDITABLE (entry)) : kept;
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));

  return *stripped ? g_steal_pointer (&stripped) : NULL;
}

/* Emits @response and closes the dialog, as a click on its button does. */
static void
respond_and_close (TactGuardDialog *self, const char *response)
{
  g_autoptr(TactGuardDialog) hold = g_object_ref (self);

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), response);
  /* Destroyed, not closed: closing would emit the close response as well. */
  if (!self->disposed)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
reason_changed_cb (GtkEditable *editable, TactGuardDialog *self)
{
  g_autofree char *reason = tact_guard_dialog_dup_justification (self);

  if (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (self), TACT_GUARD_RESPONSE_JUSTIFY))
    adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), TACT_GUARD_RESPONSE_JUSTIFY,
                                             reason != NULL);
}

/* Enter in the reason field: what the Justify button does, and only when it could. */
static void
reason_activate_cb (GtkEntry *entry, TactGuardDialog *self)
{
  g_autofree char *reason = tact_guard_dialog_dup_justification (self);

  if (reason && adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (self), TACT_GUARD_RESPONSE_JUSTIFY)
      && adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (self), TACT_GUARD_RESPONSE_JUSTIFY))
    respond_and_close (self, TACT_GUARD_RESPONSE_JUSTIFY);
}

static void
report_clicked_cb (GtkButton *button, TactGuardDialog *self)
{
  g_autofree char *comment = NULL;

  if (self->reported)
    return;
  comment = tact_guard_dialog_dup_report_comment (self);
  self->reported = TRUE;
  g_free (self->report_comment);
  self->report_comment = g_strdup (comment);
  gtk_revealer_set_reveal_child (self->report_revealer, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->report_toggle), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->report_revealer), FALSE);
  gtk_widget_set_visible (self->report_done_label, TRUE);
  g_signal_emit (self, signals[SIGNAL_REPORT_FALSE_POSITIVE], 0, comment);
}

static void
report_activate_cb (GtkEntry *entry, TactGuardDialog *self)
{
  report_clicked_cb (NULL, self);
}

/* The findings' height. GTK 4.8's GtkScrolledWindow measures its child's natural height
 * without the width it will have (propagate-natural-height ignores height-for-width), so
 * rows of wrapped text would get the height of one line each and hide the explanation and
 * the alternative. This layout of the scroller's parent asks the list for its height at the
 * real width instead, up to the scroller's max-content-height; past that the list scrolls. */
static GtkSizeRequestMode
findings_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
findings_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  GtkWidget *scroller = gtk_widget_get_first_child (widget);
  GtkWidget *viewport = scroller ? gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller)) : NULL;
  int list_min = 0, list_nat = 0;
  int max_height;

  *minimum = *natural = 0;
  if (!scroller || !gtk_widget_get_visible (scroller))
    return;
  gtk_widget_measure (scroller, orientation, for_size, minimum, natural, NULL, NULL);
  if (orientation != GTK_ORIENTATION_VERTICAL || for_size < 0 || !viewport)
    return;
  gtk_widget_measure (viewport, GTK_ORIENTATION_VERTICAL, for_size, &list_min, &list_nat, NULL, NULL);
  max_height = gtk_scrolled_window_get_max_content_height (GTK_SCROLLED_WINDOW (scroller));
  if (max_height >= 0)
    list_nat = MIN (list_nat, max_height);
  /* Its full height (up to the limit) is what it needs: the dialog must not squeeze it. */
  *minimum = MAX (*minimum, list_nat);
  *natural = MAX (*natural, list_nat);
}

static void
findings_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  GtkWidget *scroller = gtk_widget_get_first_child (widget);

  if (scroller && gtk_widget_should_layout (scroller))
    gtk_widget_allocate (scroller, width, height, baseline, NULL);
}

static void
tact_guard_dialog_dispose (GObject *object)
{
  TactGuardDialog *self = TACT_GUARD_DIALOG (object);

  /* Keep what was typed: a response handler may ask for it while the dialog goes away. */
  if (!self->disposed)
    {
      self->reason = dup_stripped (self, self->reason_entry, NULL);
      self->note = dup_stripped (self, self->note_entry, NULL);
      if (!self->reported)
        self->report_comment = dup_stripped (self, self->report_entry, NULL);
      self->disposed = TRUE;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), TACT_TYPE_GUARD_DIALOG);

  G_OBJECT_CLASS (tact_guard_dialog_parent_class)->dispose (object);
}

static void
tact_guard_dialog_finalize (GObject *object)
{
  TactGuardDialog *self = TACT_GUARD_DIALOG (object);

  g_free (self->file_name);
  g_free (self->reason);
  g_free (self->note);
  g_free (self->report_comment);

  G_OBJECT_CLASS (tact_guard_dialog_parent_class)->finalize (object);
}

static void
tact_guard_dialog_class_init (TactGuardDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_guard_dialog_dispose;
  object_class->finalize = tact_guard_dialog_finalize;

  /* See tact-guard-dialog.h. */
  signals[SIGNAL_REPORT_FALSE_POSITIVE] =
    g_signal_new ("report-false-positive", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_LEARN] =
    g_signal_new ("learn", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-guard-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, findings_bin);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, findings_scroller);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, findings_list);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, reason_entry);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, note_entry);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, report_box);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, report_toggle);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, report_revealer);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, report_entry);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, report_button);
  gtk_widget_class_bind_template_child (widget_class, TactGuardDialog, report_done_label);
  gtk_widget_class_bind_template_callback (widget_class, reason_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, reason_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, report_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, report_activate_cb);
}

static void
tact_guard_dialog_init (TactGuardDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->action = TACT_ACTION_ALLOW;
  gtk_widget_set_layout_manager (self->findings_bin,
                                 gtk_custom_layout_new (findings_request_mode, findings_measure,
                                                        findings_allocate));
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
      return _("This message needs your department head’s approval before it can be sent.");
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
      return g_strdup_printf (_("“%s” needs your department head’s approval before it can be sent."),
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

/* Joins a NULL-terminated list of names or quoted terms for a sentence. */
static char *
join_list (const char * const *items)
{
  /* Translators: separates the items of a list of names or terms ("A, B, C") */
  return g_strjoinv (_(", "), (char **) items);
}

static void
add_unique (GPtrArray *strings, const char *str)
{
  for (guint i = 0; i < strings->len; i++)
    if (g_strcmp0 (g_ptr_array_index (strings, i), str) == 0)
      return;
  g_ptr_array_add (strings, g_strdup (str));
}

/* What matched for one rule: each distinct term quoted, grouped by where it was found (the
 * message, or a file), e.g. “机密”, “报价单” in “报价.txt”. */
static char *
matches_text (GPtrArray *findings)
{
  g_autoptr(GPtrArray) places = g_ptr_array_new_with_free_func (g_free);   /* attachment or "" */
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (findings, i);
      add_unique (places, finding->attachment ? finding->attachment : "");
    }
  for (guint p = 0; p < places->len; p++)
    {
      const char *place = g_ptr_array_index (places, p);
      g_autoptr(GPtrArray) terms = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *joined = NULL;

      for (guint i = 0; i < findings->len; i++)
        {
          const TactFinding *finding = g_ptr_array_index (findings, i);
          g_autofree char *quoted = NULL;

          if (g_strcmp0 (finding->attachment ? finding->attachment : "", place) != 0)
            continue;
          /* Translators: a matched term or label, quoted */
          quoted = g_strdup_printf (_("“%s”"), finding->matched ? finding->matched : "");
          add_unique (terms, quoted);
        }
      g_ptr_array_add (terms, NULL);
      joined = join_list ((const char * const *) terms->pdata);
      if (*place)
        /* Translators: %1$s is a list of quoted matches, %2$s the file (or the file inside
           an archive) they were found in */
        g_ptr_array_add (parts, g_strdup_printf (_("%s in “%s”"), joined, place));
      else
        g_ptr_array_add (parts, g_steal_pointer (&joined));
    }
  g_ptr_array_add (parts, NULL);
  /* Translators: separates the places (the message, each file) where matches were found */
  return g_strjoinv (_("; "), (char **) parts->pdata);
}

static GtkWidget *
wrapped_label (const char *text, const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  if (css_class)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

/* One row for one rule: its title, every match, its rule id and clauses, the explanation and
 * what to do instead, each once. @findings: element-type TactFinding, borrowed, one rule. */
static GtkWidget *
rule_row_new (GPtrArray *findings)
{
  const TactFinding *first = g_ptr_array_index (findings, 0);
  g_autoptr(GPtrArray) clauses = g_ptr_array_new_with_free_func (g_free);
  const char *alternative = NULL;
  g_autofree char *matches = matches_text (findings);
  g_autofree char *clause_text = NULL;
  g_autofree char *matched = NULL;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *matched_label;

  for (guint i = 0; i < findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (findings, i);

      for (guint c = 0; finding->clauses && finding->clauses[c]; c++)
        add_unique (clauses, finding->clauses[c]);
      if (!alternative && finding->alternative && *finding->alternative)
        alternative = finding->alternative;
    }
  g_ptr_array_add (clauses, NULL);
  clause_text = g_strjoinv (", ", (char **) clauses->pdata);
  /* Translators: %1$s is what matched (a list of quoted terms, perhaps “in” a file), %2$s a
     rule id, %3$s the policy clause ids, e.g. Matched “机密”, “报价单” · rule pub1-secrets ·
     policy PUB-1, PUB-2 */
  matched = g_strdup_printf (_("Matched %s · rule %s · policy %s"), matches, first->rule_id, clause_text);

  gtk_widget_set_name (row, "finding");
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  first->title ? first->title : first->rule_id, -1);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);

  gtk_box_append (GTK_BOX (box), wrapped_label (first->title ? first->title : first->rule_id, "heading"));
  matched_label = wrapped_label (matched, "caption");
  gtk_label_set_selectable (GTK_LABEL (matched_label), TRUE);
  gtk_box_append (GTK_BOX (box), matched_label);
  if (first->explanation && *first->explanation)
    gtk_box_append (GTK_BOX (box), wrapped_label (first->explanation, NULL));
  if (first->score > 0)
    {
      /* Translators: a classifier finding (docs/classifier.md); %d is a percentage. The
         quoted words above are those that weighed most. */
      g_autofree char *text = g_strdup_printf (_("Read by meaning, not by a listed word: %d%% "
                                                 "likely to break a rule; the quoted words "
                                                 "weighed most."),
                                               (int) (first->score * 100 + 0.5));
      gtk_box_append (GTK_BOX (box), wrapped_label (text, "caption"));
    }
  if (alternative)
    {
      g_autofree char *text = g_strdup_printf (_("Instead: %s"), alternative);
      gtk_box_append (GTK_BOX (box), wrapped_label (text, "accent"));
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

/* Fills the list with one row per rule, in the order the rules first matched. */
static void
add_findings (TactGuardDialog *self, const TactVerdict *verdict)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new ();   /* rule ids, borrowed, in order */
  g_autoptr(GHashTable) by_rule = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                          (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      const char *rule_id = finding->rule_id ? finding->rule_id : "";
      GPtrArray *group = g_hash_table_lookup (by_rule, rule_id);

      if (!group)
        {
          group = g_ptr_array_new ();
          g_hash_table_insert (by_rule, (gpointer) rule_id, group);
          g_ptr_array_add (rules, (gpointer) rule_id);
        }
      g_ptr_array_add (group, (gpointer) finding);
    }
  for (guint i = 0; i < rules->len; i++)
    gtk_list_box_append (self->findings_list,
                         rule_row_new (g_hash_table_lookup (by_rule, g_ptr_array_index (rules, i))));
  gtk_widget_set_visible (self->findings_bin, rules->len > 0);
}

/* file_name: NULL for a message (with Edit unless held), else the file the verdict is about.
 * held: a message held in the outbox, judged again (no Edit: it is not in the composer). */
static GtkWidget *
guard_dialog_new (GtkWindow *parent, const TactVerdict *verdict, const char *file_name,
                  gboolean held)
{
  TactGuardDialog *self;
  AdwMessageDialog *dialog;
  g_autofree char *body = file_name ? file_body_for (verdict->action, file_name)
                                    : g_strdup (body_for (verdict->action));

  self = g_object_new (TACT_TYPE_GUARD_DIALOG,
                       "transient-for", parent,
                       "heading", heading_for (verdict->action, file_name != NULL),
                       "body", body,
                       NULL);
  dialog = ADW_MESSAGE_DIALOG (self);
  self->action = verdict->action;
  self->file_name = g_strdup (file_name);

  add_findings (self, verdict);

  /* Cancel comes from the template. */
  if (file_name || held)
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
      gtk_widget_set_visible (GTK_WIDGET (self->reason_entry), TRUE);
      adw_message_dialog_add_response (dialog, TACT_GUARD_RESPONSE_JUSTIFY, _("Send with _Justification"));
      adw_message_dialog_set_response_appearance (dialog, TACT_GUARD_RESPONSE_JUSTIFY, ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_response_enabled (dialog, TACT_GUARD_RESPONSE_JUSTIFY, FALSE);
      break;
    case TACT_ACTION_APPROVE:   /* Request Approval: see tact_guard_dialog_set_approvers() */
    case TACT_ACTION_BLOCK:
    case TACT_ACTION_ALLOW:
    default:
      break;
    }

  return GTK_WIDGET (self);
}

GtkWidget *
tact_guard_dialog_new (GtkWindow *parent, const TactVerdict *verdict)
{
  g_return_val_if_fail (verdict != NULL, NULL);
  return guard_dialog_new (parent, verdict, NULL, FALSE);
}

GtkWidget *
tact_guard_dialog_new_for_held (GtkWindow *parent, const TactVerdict *verdict)
{
  g_return_val_if_fail (verdict != NULL, NULL);
  return guard_dialog_new (parent, verdict, NULL, TRUE);
}

GtkWidget *
tact_guard_dialog_new_for_file (GtkWindow *parent, const TactVerdict *verdict, const char *file_name)
{
  g_return_val_if_fail (verdict != NULL, NULL);
  g_return_val_if_fail (file_name != NULL, NULL);
  return guard_dialog_new (parent, verdict, file_name, FALSE);
}

char *
tact_guard_dialog_dup_justification (TactGuardDialog *self)
{
  g_return_val_if_fail (TACT_IS_GUARD_DIALOG (self), NULL);

  if (self->action != TACT_ACTION_JUSTIFY)
    return NULL;
  return dup_stripped (self, self->reason_entry, self->reason);
}

void
tact_guard_dialog_set_approvers (TactGuardDialog    *self,
                                 const char * const *names)
{
  AdwMessageDialog *dialog;
  g_autofree char *joined = NULL;
  g_autofree char *body = NULL;

  g_return_if_fail (TACT_IS_GUARD_DIALOG (self));

  if (self->action != TACT_ACTION_APPROVE || self->disposed || !names || !names[0])
    return;
  dialog = ADW_MESSAGE_DIALOG (self);
  joined = join_list (names);
  if (self->file_name)
    /* Translators: %1$s names the approvers (e.g. 王芳), %2$s is a file name */
    body = g_strdup_printf (_("Approval from %s is needed before “%s” can be sent. You can request it here, with a note if you like."),
                            joined, self->file_name);
  else
    /* Translators: %s names the approvers (e.g. 王芳, or 王芳, 李明) */
    body = g_strdup_printf (_("Approval from %s is needed before this message can be sent. You can request it here, with a note if you like."),
                            joined);
  adw_message_dialog_set_body (dialog, body);
  self->approvers_set = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->note_entry), TRUE);
  if (!adw_message_dialog_has_response (dialog, TACT_GUARD_RESPONSE_APPROVE))
    {
      adw_message_dialog_add_response (dialog, TACT_GUARD_RESPONSE_APPROVE, _("Request _Approval"));
      adw_message_dialog_set_response_appearance (dialog, TACT_GUARD_RESPONSE_APPROVE, ADW_RESPONSE_SUGGESTED);
    }
}

void
tact_guard_dialog_set_approval_unavailable (TactGuardDialog *self, const char *reason)
{
  g_autofree char *body = NULL;

  g_return_if_fail (TACT_IS_GUARD_DIALOG (self));
  g_return_if_fail (reason != NULL);

  if (self->action != TACT_ACTION_APPROVE || self->disposed || self->approvers_set)
    return;
  if (self->file_name)
    /* Translators: %1$s is a file name, %2$s says why approval cannot be requested */
    body = g_strdup_printf (_("“%s” needs approval before it can be sent, and approval cannot be requested here: %s"),
                            self->file_name, reason);
  else
    /* Translators: %s says why approval cannot be requested */
    body = g_strdup_printf (_("This message needs approval before it can be sent, and approval cannot be requested here: %s"),
                            reason);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
}

char *
tact_guard_dialog_dup_note (TactGuardDialog *self)
{
  g_return_val_if_fail (TACT_IS_GUARD_DIALOG (self), NULL);

  if (!self->approvers_set)
    return NULL;
  return dup_stripped (self, self->note_entry, self->note);
}

char *
tact_guard_dialog_dup_report_comment (TactGuardDialog *self)
{
  g_return_val_if_fail (TACT_IS_GUARD_DIALOG (self), NULL);

  if (self->reported)
    return g_strdup (self->report_comment);
  return dup_stripped (self, self->report_entry, self->report_comment);
}

gboolean
tact_guard_dialog_get_reported (TactGuardDialog *self)
{
  g_return_val_if_fail (TACT_IS_GUARD_DIALOG (self), FALSE);

  return self->reported;
}

static void
learn_clicked_cb (GtkButton *button, TactGuardDialog *self)
{
  g_signal_emit (self, signals[SIGNAL_LEARN], 0, g_object_get_data (G_OBJECT (button), "rule-id"));
}

void
tact_guard_dialog_offer_lesson (TactGuardDialog *self, const char *rule_id, const char *title)
{
  g_autofree char *label = NULL;
  GtkWidget *button;

  g_return_if_fail (TACT_IS_GUARD_DIALOG (self));
  g_return_if_fail (rule_id != NULL && title != NULL);
  if (self->disposed)
    return;
  /* Translators: %s is a rule's title; opens a short lesson on it in the Policy Tutorial. */
  label = g_strdup_printf (_("Learn About “%s”"), title);
  button = gtk_button_new_with_label (label);
  gtk_widget_set_name (button, "learn");
  gtk_widget_set_halign (button, GTK_ALIGN_START);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("A short lesson on this rule: what it asks, why, examples and what to do instead"));
  g_object_set_data_full (G_OBJECT (button), "rule-id", g_strdup (rule_id), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (learn_clicked_cb), self);
  gtk_box_prepend (GTK_BOX (self->report_box), button);
}
