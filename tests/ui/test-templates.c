/* test-templates.c: every widget template in the GResource builds without a warning.
 *
 * GtkBuilder reports a template that names a missing object, property, signal handler or
 * child as a warning or critical when the widget is created; the test environment makes those
 * fatal (G_DEBUG=fatal-warnings), so building each widget once validates its .ui file. The
 * guard dialog is created for each verdict kind it shows, and its behaviour is checked: one
 * row per rule, Enter in the reason field, approval and false-positive reports. Needs a
 * display: run under build-aux/headless-session. */
#include <adwaita.h>
#include <string.h>

#include "ui/tact-approval-row.h"
#include "ui/tact-approvals-window.h"
#include "ui/tact-composer.h"
#include "ui/tact-guard-dialog.h"
#include "ui/tact-message-row.h"
#include "ui/tact-records-window.h"
#include "ui/tact-window.h"

/* Every .ui file in the resource bundle has a test here. */
static void
test_resource_lists_templates (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = g_resources_enumerate_children ("/io/github/tactchat/Tact", 0, &error);
  const char *tested[] = { "tact-approval-row.ui", "tact-approvals-window.ui", "tact-composer.ui",
                           "tact-guard-dialog.ui", "tact-message-row.ui", "tact-records-window.ui",
                           "tact-window.ui", NULL };

  g_assert_no_error (error);
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_suffix (names[i], ".ui"))
      g_assert_true (g_strv_contains (tested, names[i]));
}

static void
test_message_row (void)
{
  GtkWidget *row = g_object_ref_sink (tact_message_row_new ());

  g_assert_true (GTK_IS_WIDGET (row));
  tact_message_row_set_message (TACT_MESSAGE_ROW (row), NULL);
  g_object_unref (row);
}

static void
test_approval_row (void)
{
  GtkWidget *row = g_object_ref_sink (tact_approval_row_new ());

  g_assert_true (GTK_IS_WIDGET (row));
  tact_approval_row_set_request (TACT_APPROVAL_ROW (row), NULL, NULL);
  g_object_unref (row);
}

/* Without a session the pages build and show their empty state. */
static void
test_approvals_window (void)
{
  GtkWidget *window = tact_approvals_window_new (NULL, NULL);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Approvals");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_records_window (void)
{
  GtkWidget *window = tact_records_window_new (NULL, NULL);

  gtk_window_present (GTK_WINDOW (window));
  tact_records_window_show_page (TACT_RECORDS_WINDOW (window), "audit");
  tact_records_window_show_page (TACT_RECORDS_WINDOW (window), "held");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
count_cb (GtkWidget *widget, guint *count)
{
  (*count)++;
}

/* Forward declarations: the helpers below are shared with the guard dialog's tests. */
static GtkWidget *find_named (GtkWidget *widget, const char *name);
static void press_enter (GtkWidget *entry);

/* The composer: text, Enter and Send ask to send, a change hides the hint, the file being
 * checked, focus to the entry. */
static void
test_composer (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *composer = tact_composer_new ();
  TactComposer *self = TACT_COMPOSER (composer);
  GtkWidget *entry;
  guint changed = 0, send = 0;
  int start = 0, end = 0;

  gtk_window_set_child (GTK_WINDOW (window), composer);
  entry = find_named (composer, "message");
  g_assert_true (GTK_IS_ENTRY (entry));
  g_signal_connect (composer, "changed", G_CALLBACK (count_cb), &changed);
  g_signal_connect (composer, "send-requested", G_CALLBACK (count_cb), &send);

  tact_composer_set_text (self, "这份报价单");
  g_assert_cmpstr (tact_composer_get_text (self), ==, "这份报价单");
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpint (gtk_editable_get_position (GTK_EDITABLE (entry)), ==, 5);   /* at the end */
  tact_composer_select_region (self, 2, 5);
  g_assert_true (gtk_editable_get_selection_bounds (GTK_EDITABLE (entry), &start, &end));
  g_assert_cmpint (start, ==, 2);
  g_assert_cmpint (end, ==, 5);

  /* The hint shows until the text changes. */
  g_assert_null (tact_composer_get_hint (self));
  tact_composer_set_hint (self, "Needs a reason: Confidential");
  g_assert_cmpstr (tact_composer_get_hint (self), ==, "Needs a reason: Confidential");
  g_assert_true (gtk_widget_get_visible (find_named (composer, "hint")));
  gtk_editable_insert_text (GTK_EDITABLE (entry), "!", -1, &start);
  g_assert_cmpuint (changed, ==, 2);
  g_assert_null (tact_composer_get_hint (self));
  g_assert_false (gtk_widget_get_visible (find_named (composer, "hint")));
  tact_composer_set_hint (self, "x");
  tact_composer_set_hint (self, "");
  g_assert_null (tact_composer_get_hint (self));

  /* Enter and the Send button each ask once. */
  press_enter (entry);
  g_assert_cmpuint (send, ==, 1);
  g_signal_emit_by_name (find_named (composer, "send"), "clicked");
  g_assert_cmpuint (send, ==, 2);

  /* A file being checked. */
  g_assert_false (gtk_widget_get_visible (find_named (composer, "attach-status")));
  tact_composer_set_checking (self, "notes.txt");
  g_assert_true (gtk_widget_get_visible (find_named (composer, "attach-status")));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (find_named (composer, "attach-label"))), ==,
                   "Checking “notes.txt”…");
  tact_composer_set_checking (self, NULL);
  g_assert_false (gtk_widget_get_visible (find_named (composer, "attach-status")));

  /* Focusing the composer focuses its entry. */
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gtk_widget_grab_focus (composer));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (window)), entry));
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window (void)
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.tactchat.Tact",
                                                       G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactPracticeAccount) practice = NULL;
  TactWindow *window;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  /* The app icon comes from the resource bundle, so it shows even from the build tree. */
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          "io.github.tactchat.Tact"));
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          "io.github.tactchat.Tact-symbolic"));
  /* The sign-in page with the practice account (the sandbox on a free port) and without. */
  practice = tact_practice_account_start (0, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (tact_practice_account_get_url (practice), "http://127.0.0.1:"));
  window = tact_window_new (GTK_APPLICATION (app));
  g_assert_true (TACT_IS_WINDOW (window));
  tact_window_show_login (window, practice, NULL);
  tact_window_show_login (window, NULL, "A message for the sign-in page");
  tact_window_show_login (window, practice, NULL);
  tact_window_show_loading (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_guard_dialog (void)
{
  static const struct {
    const char *text;
    guint       external;
    TactAction  action;
    const char *response;   /* the response only this kind offers, or NULL */
  } cases[] = {
    { "这份机密报价单请查收", 0, TACT_ACTION_JUSTIFY, TACT_GUARD_RESPONSE_JUSTIFY },
    { "这份机密报价单请查收", 1, TACT_ACTION_BLOCK, NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_default (&error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TactOutgoing outgoing = { cases[i].text, cases[i].external, 4 + cases[i].external,
                                TACT_ROOM_KIND_GROUP, NULL, 0 };
      g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);
      GtkWidget *dialog;

      g_assert_cmpint (verdict->action, ==, cases[i].action);
      dialog = tact_guard_dialog_new (NULL, verdict);
      g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog),
                                                      TACT_GUARD_RESPONSE_EDIT));
      g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog),
                                                      TACT_GUARD_RESPONSE_CANCEL));
      if (cases[i].response != NULL)
        {
          g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog),
                                                          cases[i].response));
          /* No reason typed yet: the justified send is not possible. */
          g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                                   cases[i].response));
        }
      else
        {
          g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog),
                                                           TACT_GUARD_RESPONSE_JUSTIFY));
          g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog),
                                                           TACT_GUARD_RESPONSE_SEND));
        }
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
}

/* ---- The guard dialog's behaviour ---- */

static TactVerdict *
check_text (const char *text, guint external)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_default (&error);
  TactOutgoing outgoing = { text, external, 4 + external, TACT_ROOM_KIND_GROUP, NULL, 0 };

  g_assert_no_error (error);
  return tact_profile_check (profile, &outgoing);
}

/* Widgets under @widget (itself included) named @name, depth first. */
static void
collect_named (GtkWidget *widget, const char *name, GPtrArray *found)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_named (child, name, found);
}

static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_named (widget, name, found);
  g_assert_cmpuint (found->len, ==, 1);
  return g_ptr_array_index (found, 0);
}

/* The text of every label under @widget, one a line. */
static void
append_labels (GtkWidget *widget, GString *out)
{
  if (GTK_IS_LABEL (widget))
    g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    append_labels (child, out);
}

/* Presses Enter in @entry, as the keyboard does: the GtkText inside emits "activate". */
static void
press_enter (GtkWidget *entry)
{
  for (GtkWidget *child = gtk_widget_get_first_child (entry); child; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TEXT (child))
      {
        g_signal_emit_by_name (child, "activate");
        return;
      }
  g_assert_not_reached ();
}

static guint
count_substrings (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p; p = strstr (p + strlen (needle), needle))
    n++;
  return n;
}

/* Several terms of one rule: one row for the rule with every term, its explanation and its
 * alternative once; findings of two rules: two rows. */
static void
test_guard_dialog_rows (void)
{
  g_autoptr(TactVerdict) one_rule = check_text ("这份机密报价单请查收，底价也在里面", 0);
  g_autoptr(TactVerdict) two_rules = check_text ("这份机密报价单请查收，服务器密码：Abc12345", 0);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  GtkWidget *dialog;
  GtkWidget *list;
  GtkWidget *scroller;

  /* The profile finds each term: the dialog must merge them. */
  g_assert_cmpuint (one_rule->findings->len, >=, 3);
  for (guint i = 0; i < one_rule->findings->len; i++)
    g_assert_cmpstr (((TactFinding *) g_ptr_array_index (one_rule->findings, i))->rule_id, ==, "pub1-secrets");

  dialog = tact_guard_dialog_new (NULL, one_rule);
  list = find_named (dialog, "findings");
  collect_named (list, "finding", rows);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (gtk_accessible_get_accessible_role (g_ptr_array_index (rows, 0)), ==,
                   GTK_ACCESSIBLE_ROLE_LIST_ITEM);
  append_labels (g_ptr_array_index (rows, 0), text);
  g_assert_nonnull (strstr (text->str, "“机密”"));
  g_assert_nonnull (strstr (text->str, "“报价单”"));
  g_assert_nonnull (strstr (text->str, "“底价”"));
  g_assert_nonnull (strstr (text->str, "pub1-secrets"));
  g_assert_nonnull (strstr (text->str, "PUB-1, PUB-2, FILE-1"));
  g_assert_cmpuint (count_substrings (text->str, "Instead: "), ==, 1);
  g_assert_cmpuint (count_substrings (text->str, "pub1-secrets"), ==, 1);
  /* The list grows with its content, up to a limit, then scrolls. */
  scroller = gtk_widget_get_parent (gtk_widget_get_parent (list));   /* list → viewport → scroller */
  g_assert_true (GTK_IS_SCROLLED_WINDOW (scroller));
  g_assert_true (gtk_scrolled_window_get_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller)));
  g_assert_cmpint (gtk_scrolled_window_get_max_content_height (GTK_SCROLLED_WINDOW (scroller)), >=, 300);
  /* At the width it gets, the dialog must give the list its full height: the explanation and
   * the alternative are not hidden behind a scroll area of a line or two. */
  {
    int list_height, area_min, area_nat;

    gtk_widget_measure (list, GTK_ORIENTATION_VERTICAL, 280, NULL, &list_height, NULL, NULL);
    gtk_widget_measure (gtk_widget_get_parent (scroller), GTK_ORIENTATION_VERTICAL, 280,
                        &area_min, &area_nat, NULL, NULL);
    g_assert_cmpint (list_height, <, 360);   /* one rule fits without scrolling */
    g_assert_cmpint (area_min, >=, list_height);
    g_assert_cmpint (area_nat, >=, list_height);
  }
  gtk_window_destroy (GTK_WINDOW (dialog));

  g_ptr_array_set_size (rows, 0);
  dialog = tact_guard_dialog_new (NULL, two_rules);
  list = find_named (dialog, "findings");
  collect_named (list, "finding", rows);
  g_assert_cmpuint (rows->len, ==, 2);
  /* Longer than the limit at a narrow width: the list scrolls within 360 px. */
  {
    int list_height, area_nat;

    gtk_widget_measure (list, GTK_ORIENTATION_VERTICAL, 200, NULL, &list_height, NULL, NULL);
    gtk_widget_measure (gtk_widget_get_parent (gtk_widget_get_parent (gtk_widget_get_parent (list))),
                        GTK_ORIENTATION_VERTICAL, 200, NULL, &area_nat, NULL, NULL);
    g_assert_cmpint (list_height, >, 360);
    g_assert_cmpint (area_nat, ==, 360);
  }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* A file's findings name the file. */
static void
test_guard_dialog_file_rows (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_default (&error);
  g_autoptr(GBytes) data = g_bytes_new_static ("机密 报价单 底价", strlen ("机密 报价单 底价"));
  TactAttachment attachment = { "notes.txt", NULL, data };
  TactOutgoing outgoing = { NULL, 0, 4, TACT_ROOM_KIND_GROUP, &attachment, 1 };
  g_autoptr(TactVerdict) verdict = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  GtkWidget *dialog;

  g_assert_no_error (error);
  verdict = tact_profile_check (profile, &outgoing);
  g_assert_cmpuint (verdict->findings->len, >=, 2);
  dialog = tact_guard_dialog_new_for_file (NULL, verdict, "notes.txt");
  g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_EDIT));
  collect_named (find_named (dialog, "findings"), "finding", rows);
  g_assert_cmpuint (rows->len, ==, 1);
  append_labels (g_ptr_array_index (rows, 0), text);
  g_assert_nonnull (strstr (text->str, "in “notes.txt”"));
  g_assert_cmpuint (count_substrings (text->str, "notes.txt"), ==, 1);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
count_response_cb (AdwMessageDialog *dialog, const char *response, GPtrArray *responses)
{
  g_autofree char *reason = tact_guard_dialog_dup_justification (TACT_GUARD_DIALOG (dialog));

  /* The handler reads the reason as the window does. */
  g_ptr_array_add (responses, g_strdup_printf ("%s:%s", response, reason ? reason : ""));
}

/* Enter in the reason field: nothing while the reason is blank; once it is written, the
 * justify response exactly once, and the dialog closes as after a click. */
static void
test_guard_dialog_enter (void)
{
  g_autoptr(TactVerdict) verdict = check_text ("这份机密报价单请查收", 0);
  g_autoptr(GPtrArray) responses = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *dialog;
  GtkWidget *entry;

  g_assert_cmpint (verdict->action, ==, TACT_ACTION_JUSTIFY);
  dialog = tact_guard_dialog_new (NULL, verdict);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (count_response_cb), responses);
  entry = find_named (dialog, "reason");
  g_assert_true (gtk_widget_get_visible (entry));

  press_enter (entry);
  g_assert_cmpuint (responses->len, ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (entry), "  \t ");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                           TACT_GUARD_RESPONSE_JUSTIFY));
  press_enter (entry);
  g_assert_cmpuint (responses->len, ==, 0);
  g_assert_nonnull (dialog);

  gtk_editable_set_text (GTK_EDITABLE (entry), " 客户要求今天收到 ");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                          TACT_GUARD_RESPONSE_JUSTIFY));
  press_enter (entry);
  g_assert_cmpuint (responses->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (responses, 0), ==, "justify:客户要求今天收到");
  g_assert_null (dialog);   /* closed and gone, without a second (close) response */
  g_assert_cmpuint (responses->len, ==, 1);
}

static void
report_cb (TactGuardDialog *dialog, const char *comment, GPtrArray *reports)
{
  g_ptr_array_add (reports, g_strdup (comment ? comment : "(none)"));
}

/* Reporting a false positive emits the signal with the comment, once, and neither responds
 * nor closes. */
static void
test_guard_dialog_report (void)
{
  static const struct {
    const char *text;
    guint       external;
    const char *comment;    /* typed */
    const char *reported;   /* what the signal carries */
  } cases[] = {
    { "这份机密报价单请查收", 0, " 这是公开的产品目录 ", "这是公开的产品目录" },
    { "这份机密报价单请查收", 1, "", "(none)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (cases[i].text, cases[i].external);
      g_autoptr(GPtrArray) responses = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *comment = NULL;
      GtkWidget *dialog = tact_guard_dialog_new (NULL, verdict);
      GtkWidget *button = find_named (dialog, "report");

      g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
      g_signal_connect (dialog, "response", G_CALLBACK (count_response_cb), responses);
      g_signal_connect (dialog, "report-false-positive", G_CALLBACK (report_cb), reports);
      g_assert_false (gtk_widget_get_visible (find_named (dialog, "report-done")));
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find_named (dialog, "report-toggle")), TRUE);
      gtk_editable_set_text (GTK_EDITABLE (find_named (dialog, "report-comment")), cases[i].comment);
      g_signal_emit_by_name (button, "clicked");
      g_signal_emit_by_name (button, "clicked");   /* once only */

      g_assert_cmpuint (reports->len, ==, 1);
      g_assert_cmpstr (g_ptr_array_index (reports, 0), ==, cases[i].reported);
      comment = tact_guard_dialog_dup_report_comment (TACT_GUARD_DIALOG (dialog));
      g_assert_cmpstr (comment ? comment : "(none)", ==, cases[i].reported);
      g_assert_true (tact_guard_dialog_get_reported (TACT_GUARD_DIALOG (dialog)));
      g_assert_true (gtk_widget_get_visible (find_named (dialog, "report-done")));
      g_assert_cmpuint (responses->len, ==, 0);
      g_assert_nonnull (dialog);
      gtk_window_destroy (GTK_WINDOW (dialog));
      g_assert_null (dialog);
    }
}

/* Approve: no approval response until approvers are named; then "Request Approval", the
 * names in the body, and the note. */
static void
test_guard_dialog_approve (void)
{
  g_autoptr(TactVerdict) verdict = check_text ("这是我们的报价，付款条件见附件", 1);
  g_autoptr(TactVerdict) justify = check_text ("这份机密报价单请查收", 0);
  const char *approvers[] = { "王芳", NULL };
  g_autofree char *note = NULL;
  GtkWidget *dialog;

  g_assert_cmpint (verdict->action, ==, TACT_ACTION_APPROVE);
  dialog = tact_guard_dialog_new (NULL, verdict);
  g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_APPROVE));
  g_assert_false (gtk_widget_get_visible (find_named (dialog, "note")));
  g_assert_null (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "王芳"));

  tact_guard_dialog_set_approvers (TACT_GUARD_DIALOG (dialog), approvers);
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_APPROVE));
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_APPROVE));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "Approval from 王芳"));
  g_assert_true (gtk_widget_get_visible (find_named (dialog, "note")));
  g_assert_null (tact_guard_dialog_dup_note (TACT_GUARD_DIALOG (dialog)));
  gtk_editable_set_text (GTK_EDITABLE (find_named (dialog, "note")), " 客户周五前要 ");
  note = tact_guard_dialog_dup_note (TACT_GUARD_DIALOG (dialog));
  g_assert_cmpstr (note, ==, "客户周五前要");
  tact_guard_dialog_set_approvers (TACT_GUARD_DIALOG (dialog), approvers);   /* again: no duplicate */
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Nobody can approve: the body says why, and there is no approval response. */
  dialog = tact_guard_dialog_new (NULL, verdict);
  tact_guard_dialog_set_approval_unavailable (TACT_GUARD_DIALOG (dialog), "Nobody can approve this message");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "Nobody can approve this message"));
  g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_APPROVE));
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_EDIT));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* A held message under review: no Edit (it is not in the composer). */
  dialog = tact_guard_dialog_new_for_held (NULL, verdict);
  g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_EDIT));
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_CANCEL));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Not an approve verdict: approvers change nothing. */
  dialog = tact_guard_dialog_new (NULL, justify);
  tact_guard_dialog_set_approvers (TACT_GUARD_DIALOG (dialog), approvers);
  g_assert_false (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), TACT_GUARD_RESPONSE_APPROVE));
  g_assert_null (tact_guard_dialog_dup_note (TACT_GUARD_DIALOG (dialog)));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/ui/templates/resource-lists-templates", test_resource_lists_templates);
  g_test_add_func ("/ui/templates/message-row", test_message_row);
  g_test_add_func ("/ui/templates/composer", test_composer);
  g_test_add_func ("/ui/templates/approval-row", test_approval_row);
  g_test_add_func ("/ui/templates/approvals-window", test_approvals_window);
  g_test_add_func ("/ui/templates/records-window", test_records_window);
  g_test_add_func ("/ui/templates/window", test_window);
  g_test_add_func ("/ui/templates/guard-dialog", test_guard_dialog);
  g_test_add_func ("/ui/guard-dialog/one-row-per-rule", test_guard_dialog_rows);
  g_test_add_func ("/ui/guard-dialog/file-rows", test_guard_dialog_file_rows);
  g_test_add_func ("/ui/guard-dialog/enter-in-reason", test_guard_dialog_enter);
  g_test_add_func ("/ui/guard-dialog/report-false-positive", test_guard_dialog_report);
  g_test_add_func ("/ui/guard-dialog/approvers", test_guard_dialog_approve);
  return g_test_run ();
}
