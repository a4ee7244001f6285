/* test-templates.c: every widget template in the GResource builds without a warning.
 *
 * GtkBuilder reports a template that names a missing object, property, signal handler or
 * child as a warning or critical when the widget is created; the test environment makes those
 * fatal (G_DEBUG=fatal-warnings), so building each widget once validates its .ui file. The
 * guard dialog is created for each verdict kind it shows, and its behaviour is checked: one
 * row per rule, Enter in the reason field, approval and false-positive reports. Needs a
 * display: run under build-aux/headless-session. */
#define G_SETTINGS_ENABLE_BACKEND
#include <adwaita.h>
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <string.h>

#include "session/tact-account.h"

#include "ui/tact-approval-row.h"
#include "ui/tact-approvals-window.h"
#include "ui/tact-audit-row.h"
#include "ui/tact-composer.h"
#include "ui/tact-guard-dialog.h"
#include "ui/tact-message-row.h"
#include "ui/tact-preferences-window.h"
#include "ui/tact-records-window.h"
#include "ui/tact-rule-stats-item.h"
#include "ui/tact-rule-stats-page.h"
#include "ui/tact-supervision-page.h"
#include "ui/tact-window.h"

/* Every .ui file in the resource bundle has a test here. */
static void
test_resource_lists_templates (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = g_resources_enumerate_children ("/io/github/tactchat/Tact", 0, &error);
  const char *tested[] = { "tact-approval-row.ui", "tact-approvals-window.ui", "tact-audit-row.ui",
                           "tact-composer.ui", "tact-guard-dialog.ui", "tact-message-row.ui",
                           "tact-preferences-window.ui", "tact-records-window.ui", "tact-rule-stats-page.ui",
                           "tact-supervision-page.ui", "tact-window.ui",
                           NULL };

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

static GtkWidget *find_named (GtkWidget *widget, const char *name);
static GPtrArray *help_overlay_accels (void);
static void assert_shortcuts_listed (GtkWidget *widget, GType base, GPtrArray *accels);

/* Without a session nobody is a supervisor: the Supervision and Rule Statistics pages are
 * hidden, and asking for either shows My Audit Log. */
static void
test_records_window (void)
{
  GtkWidget *window = tact_records_window_new (NULL, NULL);
  GtkWidget *ancestor;
  AdwViewStack *stack;

  gtk_window_present (GTK_WINDOW (window));
  tact_records_window_show_page (TACT_RECORDS_WINDOW (window), "audit");
  tact_records_window_show_page (TACT_RECORDS_WINDOW (window), "held");
  ancestor = gtk_widget_get_ancestor (find_named (window, "supervision-page"), ADW_TYPE_VIEW_STACK);
  g_assert_nonnull (ancestor);
  stack = ADW_VIEW_STACK (ancestor);
  g_assert_false (adw_view_stack_page_get_visible (adw_view_stack_get_page (stack, adw_view_stack_get_child_by_name (stack, "supervision"))));
  g_assert_false (adw_view_stack_page_get_visible (adw_view_stack_get_page (stack, adw_view_stack_get_child_by_name (stack, "rule-stats"))));
  g_assert_true (gtk_widget_get_ancestor (find_named (window, "rule-stats-page"), ADW_TYPE_VIEW_STACK) == ancestor);
  tact_records_window_show_page (TACT_RECORDS_WINDOW (window), "supervision");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "audit");
  tact_records_window_show_page (TACT_RECORDS_WINDOW (window), "held");
  tact_records_window_show_page (TACT_RECORDS_WINDOW (window), "rule-stats");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "audit");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The filters: anyone, any rule, any action and the five actions in the audit log's words;
 * without a session, an empty page that says so. */
static void
test_supervision_page (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = tact_supervision_page_new ();
  GListModel *actions;
  const char *expected[] = { "Any action", "allowed", "warning", "reason required", "approval required",
                             "blocked", NULL };

  gtk_window_set_child (GTK_WINDOW (window), page);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (find_named (page, "person-filter")))), 0), ==, "Anyone");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (find_named (page, "rule-filter")))), 0), ==, "Any rule");
  actions = gtk_drop_down_get_model (GTK_DROP_DOWN (find_named (page, "action-filter")));
  g_assert_cmpuint (g_list_model_get_n_items (actions), ==, g_strv_length ((char **) expected));
  for (guint i = 0; expected[i]; i++)
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (actions), i), ==, expected[i]);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (actions), 3), ==, tact_audit_action_in_words ("justify"));
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (find_named (page, "action-filter"))), ==, 0);

  /* Refresh is reachable by keyboard: a button with a mnemonic, on the page's action. */
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (find_named (page, "supervision-refresh"))), ==,
                   "supervision.refresh");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (find_named (page, "action-filter")), 5);   /* block: read again */
  tact_supervision_page_reload (TACT_SUPERVISION_PAGE (page));
  g_assert_true (gtk_widget_activate_action (page, "supervision.refresh", NULL));
  tact_supervision_page_set_session (TACT_SUPERVISION_PAGE (page), NULL);
  gtk_window_present (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- An audit record in words: one mapping, for My Audit Log and Supervision alike ---- */

static TactStoreAuditRecord *
audit_record (const char *kind, const char *sender)
{
  TactStoreAuditRecord *record = g_new0 (TactStoreAuditRecord, 1);

  record->ts = 1765050000000;
  record->kind = g_strdup (kind);
  record->room_id = g_strdup ("!abc:corp.test");
  record->rule_ids = g_strdup ("pub1-secrets");
  record->clauses = g_strdup ("PUB-1,PUB-2");
  record->action = g_strdup ("justify");
  record->justification = g_strdup ("客户要的");
  record->sender = g_strdup (sender);
  return record;
}

static const char *
label_text (GtkWidget *row, const char *name)
{
  GtkWidget *label = find_named (row, name);

  return gtk_widget_get_visible (label) ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

/* The row shows the record in the shared words; a supervision record (with a sender) names the
 * person and does not say "you" about them. */
static void
test_audit_row (void)
{
  GtkWidget *row = g_object_ref_sink (tact_audit_row_new ());
  g_autoptr(TactStoreAuditRecord) own = audit_record ("justified-send", NULL);
  g_autoptr(TactStoreAuditRecord) theirs = audit_record ("approval-given", "@wangfang:corp.test");
  g_autoptr(TactStoreAuditRecord) mine = audit_record ("approval-given", NULL);

  tact_audit_row_set_record (TACT_AUDIT_ROW (row), own, "Sales team", NULL);
  g_assert_true (g_str_has_suffix (label_text (row, "audit-heading"), " · Sent with a reason"));
  g_assert_true (g_str_has_suffix (label_text (row, "audit-heading"), tact_audit_kind_in_words ("justified-send", TRUE)));
  g_assert_null (label_text (row, "audit-person"));
  g_assert_cmpstr (label_text (row, "audit-details"), ==,
                   "Rules pub1-secrets (policy PUB-1,PUB-2) · Action: reason required · Room: Sales team");
  g_assert_cmpstr (label_text (row, "audit-comment"), ==, "Reason: 客户要的");

  tact_audit_row_set_record (TACT_AUDIT_ROW (row), theirs, NULL, "王芳 (@wangfang:corp.test)");
  g_assert_true (g_str_has_suffix (label_text (row, "audit-heading"), " · Approved a request"));
  g_assert_cmpstr (label_text (row, "audit-person"), ==, "Person: 王芳 (@wangfang:corp.test)");
  g_assert_nonnull (strstr (label_text (row, "audit-details"), "Room: !abc:corp.test"));

  tact_audit_row_set_record (TACT_AUDIT_ROW (row), mine, NULL, NULL);
  g_assert_true (g_str_has_suffix (label_text (row, "audit-heading"), " · You approved a request"));
  g_assert_null (label_text (row, "audit-person"));

  tact_audit_row_set_record (TACT_AUDIT_ROW (row), NULL, NULL, NULL);
  g_assert_null (label_text (row, "audit-heading"));
  g_object_unref (row);
}

static char *
read_source (const char *relative)
{
  g_autofree char *path = g_build_filename (g_getenv ("TACT_SOURCE_ROOT"), relative, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* Every kind docs/audit.md lists has words of its own (for our records and for others'), and
 * an unknown kind is shown as it is, not as nothing. */
static void
test_audit_kinds_documented (void)
{
  g_autofree char *doc = read_source ("docs/audit.md");
  g_auto(GStrv) lines = g_strsplit (doc, "\n", -1);
  guint kinds = 0;

  for (guint i = 0; lines[i]; i++)
    {
      g_auto(GStrv) cells = NULL;
      g_auto(GStrv) ticks = NULL;

      if (!g_str_has_prefix (lines[i], "| `") || g_str_has_prefix (lines[i], "| `kind`"))
        continue;
      cells = g_strsplit (lines[i], "|", 3);
      ticks = g_strsplit (cells[1], "`", -1);
      for (guint j = 1; ticks[j]; j += 2)
        {
          const char *kind = ticks[j];
          g_assert_cmpstr (tact_audit_kind_in_words (kind, TRUE), !=, kind);
          g_assert_cmpstr (tact_audit_kind_in_words (kind, FALSE), !=, kind);
          g_assert_null (strstr (tact_audit_kind_in_words (kind, FALSE), "You "));
          g_assert_null (strstr (tact_audit_kind_in_words (kind, FALSE), "you "));
          kinds++;
        }
    }
  /* 23: the kinds of docs/audit.md's table, shadow-hit (issue 8) and the tutorial's two (issue 9) included. */
  g_assert_cmpuint (kinds, ==, 23);
  g_assert_cmpstr (tact_audit_kind_in_words ("some-new-kind", TRUE), ==, "some-new-kind");
  g_assert_cmpstr (tact_audit_kind_in_words (NULL, TRUE), ==, "");
  g_assert_cmpstr (tact_audit_action_in_words ("escalate"), ==, "escalate");
}

/* The mapping is shared, not copied: only tact-audit-row.c spells the kinds out, and both
 * lists (My Audit Log, Supervision) show their records with TactAuditRow. */
static void
test_audit_words_shared (void)
{
  static const char * const files[] = { "src/ui/tact-records-window.c", "src/ui/tact-supervision-page.c",
                                        "src/ui/tact-window.c", "src/ui/tact-window-actions.c",
                                        "src/ui/tact-approvals-window.c", "src/ui/tact-approval-row.c",
                                        "src/ui/tact-message-row.c" };
  g_autofree char *row = read_source ("src/ui/tact-audit-row.c");

  g_assert_nonnull (strstr (row, "\"justified-send\""));
  g_assert_nonnull (strstr (row, "\"approval-returned-for-edit\""));
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = read_source (files[i]);

      g_test_message ("%s", files[i]);
      g_assert_null (strstr (text, "\"justified-send\""));
      g_assert_null (strstr (text, "\"approval-returned-for-edit\""));
      g_assert_null (strstr (text, "Sent with a reason"));
      g_assert_null (strstr (text, "reason required"));
      if (i < 2)
        g_assert_nonnull (strstr (text, "tact_audit_row_set_record ("));
    }
}

/* The shortcuts window builds, and lists every shortcut the windows bind. */
static void
collect_accels (GtkWidget *widget, GPtrArray *accels)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accelerator = NULL;
      g_auto(GStrv) each = NULL;

      g_object_get (widget, "accelerator", &accelerator, NULL);
      each = g_strsplit (accelerator ? accelerator : "", " ", -1);
      for (guint i = 0; each[i]; i++)
        {
          guint key = 0;
          GdkModifierType mods = 0;

          g_assert_true (gtk_accelerator_parse (each[i], &key, &mods));
          g_ptr_array_add (accels, gtk_accelerator_name (gdk_keyval_to_lower (key), mods));
        }
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_accels (child, accels);
}

/* The key shortcuts a widget has from its class and its parents' classes, as accelerator names. */
static GPtrArray *
class_shortcuts (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger))
            g_ptr_array_add (names, gtk_accelerator_name (gdk_keyval_to_lower (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger))),
                                                          gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger))));
        }
    }
  return names;
}

/* Every shortcut widget binds beyond those of base (GTK's and libadwaita's own) is in accels. */
static void
assert_shortcuts_listed (GtkWidget *widget, GType base, GPtrArray *accels)
{
  g_autoptr(GPtrArray) ours = class_shortcuts (widget);
  GtkWidget *plain = g_object_ref_sink (g_object_new (base, NULL));
  g_autoptr(GPtrArray) theirs = class_shortcuts (plain);
  guint checked = 0;

  for (guint i = 0; i < ours->len; i++)
    {
      const char *name = g_ptr_array_index (ours, i);

      if (g_ptr_array_find_with_equal_func (theirs, name, g_str_equal, NULL))
        continue;
      g_test_message ("%s binds %s", G_OBJECT_TYPE_NAME (widget), name);
      g_assert_true (g_ptr_array_find_with_equal_func (accels, name, g_str_equal, NULL));
      checked++;
    }
  g_assert_cmpuint (checked, >, 0);
  gtk_window_destroy (GTK_WINDOW (plain));
  g_object_unref (plain);
}

/* The shortcuts window's accelerators (test_window checks the main window's against it). */
static GPtrArray *
help_overlay_accels (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/tactchat/Tact/gtk/help-overlay.ui");
  GObject *overlay = gtk_builder_get_object (builder, "help_overlay");
  GPtrArray *accels = g_ptr_array_new_with_free_func (g_free);

  collect_accels (GTK_WIDGET (overlay), accels);
  gtk_window_destroy (GTK_WINDOW (overlay));
  return accels;
}

static void
test_help_overlay (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/tactchat/Tact/gtk/help-overlay.ui");
  GObject *overlay = gtk_builder_get_object (builder, "help_overlay");
  g_autoptr(GPtrArray) accels = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *records;
  const char *app_accels[] = { "<Control>question", "F1", "<Control>q", NULL };

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  collect_accels (GTK_WIDGET (overlay), accels);
  for (guint i = 0; app_accels[i]; i++)
    {
      guint key = 0;
      GdkModifierType mods = 0;
      g_autofree char *name = NULL;

      gtk_accelerator_parse (app_accels[i], &key, &mods);
      name = gtk_accelerator_name (key, mods);
      g_assert_true (g_ptr_array_find_with_equal_func (accels, name, g_str_equal, NULL));
    }

  records = tact_records_window_new (NULL, NULL);
  assert_shortcuts_listed (records, ADW_TYPE_WINDOW, accels);
  gtk_window_destroy (GTK_WINDOW (records));
  gtk_window_destroy (GTK_WINDOW (overlay));
}

static void
count_cb (GtkWidget *widget, guint *count)
{
  (*count)++;
}

/* Forward declarations: the helpers below are shared with the guard dialog's tests. */
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
  /* The application finds the shortcuts window (Ctrl+?) and gives it to the window, which
   * lists every shortcut the window binds. */
  {
    g_auto(GStrv) help = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay");
    g_autoptr(GPtrArray) accels = help_overlay_accels ();

    g_assert_true (g_strv_contains ((const char * const *) help, "<Control>question"));
    g_assert_true (GTK_IS_SHORTCUTS_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window))));
    assert_shortcuts_listed (GTK_WIDGET (window), ADW_TYPE_APPLICATION_WINDOW, accels);
  }
  tact_window_show_login (window, practice, NULL);
  tact_window_show_login (window, NULL, "A message for the sign-in page");
  tact_window_show_login (window, practice, NULL);
  tact_window_show_loading (window);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- Settings: Preferences, the administrator's locks, the window's state ---- */

/* The app's settings as an administrator configured them: a keyfile backend whose defaults-dir
 * holds system defaults ("defaults") and locks ("locks": one key path a line), as dconf's system
 * databases and lockdown do. */
static GSettings *
administered_settings (const char *dir, const char *defaults, const char *locks)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *defaults_path = g_build_filename (dir, "defaults", NULL);
  g_autofree char *locks_path = g_build_filename (dir, "locks", NULL);
  g_autofree char *user_path = g_build_filename (dir, "user.ini", NULL);
  g_autoptr(GSettingsBackend) probe = g_keyfile_settings_backend_new (user_path, "/", NULL);
  g_autoptr(GSettingsBackend) backend = NULL;

  g_file_set_contents (defaults_path, defaults, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (locks_path, locks, -1, &error);
  g_assert_no_error (error);
  /* defaults-dir is a construct property of the (private) keyfile backend type. */
  backend = g_object_new (G_OBJECT_TYPE (probe), "filename", user_path, "root-path", "/",
                          "defaults-dir", dir, NULL);
  return g_settings_new_with_backend ("io.github.tactchat.Tact", backend);
}

static GtkWidget *
lock_of (GtkWidget *window, const char *key)
{
  g_autofree char *name = g_strconcat ("lock-", key, NULL);

  return find_named (window, name);
}

/* The switches and the homeserver follow their keys both ways; a room the administrator set is
 * shown, and a key the administrator locked has an insensitive row and a lock marker that says
 * so to a screen reader. */
static void
test_preferences_window (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tact-prefs-XXXXXX", NULL);
  g_autoptr(GSettings) settings = administered_settings (dir,
    "[io/github/tactchat/Tact]\n"
    "policy-room='#policy:corp.example'\n"
    "homeserver-url='https://matrix.corp.example'\n",
    "/io/github/tactchat/Tact/policy-room\n"
    "/io/github/tactchat/Tact/homeserver-url\n");
  GtkWidget *window = tact_preferences_window_new (NULL, settings);
  GtkWidget *guard = find_named (window, "guard-switch");
  GtkWidget *homeserver = find_named (window, "homeserver-entry");
  GtkWidget *policy = find_named (window, "policy-room-row");
  GtkWidget *supervision = find_named (window, "supervision-room-row");

  gtk_window_present (GTK_WINDOW (window));
  g_assert_false (g_settings_is_writable (settings, "policy-room"));
  g_assert_true (g_settings_is_writable (settings, "guard-on-keystroke"));

  /* Check while typing: the switch and the key, both ways. */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (guard)));
  gtk_switch_set_active (GTK_SWITCH (guard), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "guard-on-keystroke"));
  g_settings_set_boolean (settings, "guard-on-keystroke", TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (guard)));
  g_settings_set_boolean (settings, "use-sandbox", FALSE);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (find_named (window, "sandbox-switch"))));

  /* Locked by the administrator: the value, an insensitive row, the marker. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (homeserver)), ==, "https://matrix.corp.example");
  g_assert_false (gtk_widget_get_sensitive (homeserver));
  g_assert_true (gtk_widget_get_visible (lock_of (window, "homeserver-url")));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (policy)), ==, "#policy:corp.example");
  g_assert_false (gtk_widget_get_sensitive (policy));
  g_assert_true (gtk_widget_get_visible (lock_of (window, "policy-room")));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (lock_of (window, "policy-room")), ==, "Set by your administrator");

  /* Not locked: no marker; an empty room says what applies instead. */
  g_assert_true (gtk_widget_get_sensitive (guard));
  g_assert_false (gtk_widget_get_visible (lock_of (window, "guard-on-keystroke")));
  g_assert_false (gtk_widget_get_visible (lock_of (window, "use-sandbox")));
  g_assert_true (gtk_widget_get_sensitive (supervision));
  g_assert_false (gtk_widget_get_visible (lock_of (window, "supervision-room")));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (supervision)), ==,
                   "Not set: the room your company’s homeserver announces is used");
  g_settings_set_string (settings, "supervision-room", "!sup:corp.example");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (supervision)), ==, "!sup:corp.example");

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_sync ();
  for (const char * const *name = (const char *[]) { "defaults", "locks", "user.ini", NULL }; *name; name++)
    {
      g_autofree char *path = g_build_filename (dir, *name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* The fleet keys the session reads: stripped, NULL when empty (and without the schema). */
static void
test_fleet_setting (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.tactchat.Tact");
  g_autofree char *room = NULL;

  g_settings_set_string (settings, "policy-room", "  #policy:corp.example ");
  room = tact_account_dup_fleet_setting ("policy-room");
  g_assert_cmpstr (room, ==, "#policy:corp.example");
  g_settings_reset (settings, "policy-room");
  g_assert_null (tact_account_dup_fleet_setting ("policy-room"));
  g_assert_null (tact_account_dup_fleet_setting ("no-such-key"));
}

/* The window restores its size and state from the settings and keeps them as they change; the
 * sign-in page offers the homeserver-url and, while the person has not chosen, starts in the
 * sandbox only when no company homeserver is set. */
static void
test_window_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.tactchat.Tact");
  g_autoptr(GError) error = NULL;
  g_autoptr(TactPracticeAccount) practice = NULL;
  TactWindow *window;
  GtkWidget *sandbox;
  int width = 0, height = 0;

  g_settings_set_int (settings, "window-width", 777);
  g_settings_set_int (settings, "window-height", 555);
  window = tact_window_new (NULL);   /* (/ui/templates/window checks it with the application) */
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 777);
  g_assert_cmpint (height, ==, 555);
  gtk_window_set_default_size (GTK_WINDOW (window), 820, 600);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 820);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 600);
  gtk_window_maximize (GTK_WINDOW (window));
  g_assert_true (g_settings_get_boolean (settings, "window-maximized"));

  practice = tact_practice_account_start (0, &error);
  g_assert_no_error (error);
  sandbox = find_named (GTK_WIDGET (window), "sandbox-switch");
  tact_window_show_login (window, practice, NULL);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sandbox)));
  g_settings_set_string (settings, "homeserver-url", "corp.example");
  tact_window_show_login (window, practice, NULL);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (sandbox)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_named (GTK_WIDGET (window), "server-entry"))), ==,
                   "corp.example");
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (find_named (GTK_WIDGET (window), "server-entry"))));
  /* The person's own choice (Preferences) wins over a homeserver that is not locked. */
  g_settings_set_boolean (settings, "use-sandbox", TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sandbox)));
  g_settings_set_boolean (settings, "use-sandbox", FALSE);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (sandbox)));
  /* Without the sandbox, never. */
  g_settings_reset (settings, "homeserver-url");
  g_settings_reset (settings, "use-sandbox");
  tact_window_show_login (window, NULL, NULL);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (sandbox)));

  /* win.show-preferences opens Preferences over the window. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-preferences", NULL));
  {
    GListModel *toplevels = gtk_window_get_toplevels ();   /* (transfer none) */
    gboolean found = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

        if (TACT_IS_PREFERENCES_WINDOW (toplevel))
          {
            found = TRUE;
            g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (toplevel)) == GTK_WINDOW (window));
          }
      }
    g_assert_true (found);
  }
  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  g_settings_reset (settings, "window-maximized");
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

/* @verdict with only the findings of rules @a and @b (NULL: none): the shipped profile's
 * classifier rules may add findings of their own, which the dialog tests below do not
 * count (test_guard_dialog_classifier shows those). */
static TactVerdict *
keep_rules (TactVerdict *verdict, const char *a, const char *b)
{
  for (guint i = verdict->findings->len; i > 0; i--)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i - 1);

      if (g_strcmp0 (finding->rule_id, a) != 0 && g_strcmp0 (finding->rule_id, b) != 0)
        g_ptr_array_remove_index (verdict->findings, i - 1);
    }
  return verdict;
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
  g_autoptr(TactVerdict) one_rule = keep_rules (check_text ("这份机密报价单请查收，底价也在里面", 0),
                                                "pub1-secrets", NULL);
  g_autoptr(TactVerdict) two_rules = keep_rules (check_text ("这份机密报价单请查收，服务器密码：Abc12345", 0),
                                                 "pub1-secrets", "pub1-credentials");
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

/* A classifier finding: its rule's title, the words that weighed most quoted, and how
 * likely the message breaks a rule (docs/classifier.md). */
static void
test_guard_dialog_classifier (void)
{
  g_autoptr(TactVerdict) verdict = check_text ("王磊 P7 这次调到 38k 了，比我多了快一万", 0);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  const TactFinding *finding = NULL;
  GtkWidget *dialog;

  for (guint i = 0; i < verdict->findings->len && finding == NULL; i++)
    if (g_str_has_prefix (((TactFinding *) g_ptr_array_index (verdict->findings, i))->detector,
                          "classifier:"))
      finding = g_ptr_array_index (verdict->findings, i);
  g_assert_nonnull (finding);
  g_assert_cmpstr (finding->rule_id, ==, "meaning-pay-hr");
  g_assert_cmpfloat (finding->score, >=, 0.55);

  dialog = tact_guard_dialog_new (NULL, verdict);
  collect_named (find_named (dialog, "findings"), "finding", rows);
  g_assert_cmpuint (rows->len, >=, 1);
  for (guint i = 0; i < rows->len; i++)
    append_labels (g_ptr_array_index (rows, i), text);
  g_assert_nonnull (strstr (text->str, "meaning-pay-hr"));
  g_assert_nonnull (strstr (text->str, "Read by meaning"));
  g_assert_nonnull (strstr (text->str, "“"));
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

/* Rule Statistics: the four counts under their headings, the rule's title when the profile in
 * force knows it (its id beneath) and else the id; the session's order until a heading is
 * clicked; Refresh on the page's action; empty without rows. */
static void
test_rule_stats_page (void)
{
  static const char * const titles[] = { "Rule", "Hits", "Overrides", "False Positives", "Shadow Hits" };
  TactAuditRuleStats rows_in[] = {
    { "pub1-secrets", "Client secrets", 5, 1, 2, 0, 1765050000000 },
    { "retired-rule", NULL, 2, 0, 0, 0, 1765040000000 },
    { "trial", "On trial", 0, 0, 0, 3, 1765030000000 },
  };
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = tact_rule_stats_page_new ();
  GtkColumnView *view = GTK_COLUMN_VIEW (find_named (page, "rule-stats-list"));
  GListModel *columns = gtk_column_view_get_columns (view);
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (view));
  GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view), GTK_TYPE_STACK));
  g_autoptr(GString) labels = g_string_new (NULL);

  gtk_window_set_child (GTK_WINDOW (window), page);
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 400);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpuint (g_list_model_get_n_items (columns), ==, G_N_ELEMENTS (titles));
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      g_assert_cmpstr (gtk_column_view_column_get_title (column), ==, titles[i]);
      g_assert_nonnull (gtk_column_view_column_get_sorter (column));
    }

  /* Refresh is reachable by keyboard: a button with a mnemonic, on the page's action. */
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (find_named (page, "rule-stats-refresh"))), ==,
                   "rule-stats.refresh");
  g_assert_true (gtk_button_get_use_underline (GTK_BUTTON (find_named (page, "rule-stats-refresh"))));
  g_assert_true (gtk_widget_activate_action (page, "rule-stats.refresh", NULL));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");

  for (guint i = 0; i < G_N_ELEMENTS (rows_in); i++)
    g_ptr_array_add (rows, &rows_in[i]);
  tact_rule_stats_page_show_stats (TACT_RULE_STATS_PAGE (page), rows);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "list");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);

  /* The cells, once the view has made its rows. */
  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < 1000 && !strstr (labels->str, "retired-rule"); i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_string_truncate (labels, 0);
      append_labels (GTK_WIDGET (view), labels);
    }
  g_test_message ("%s", labels->str);
  g_assert_nonnull (strstr (labels->str, "Client secrets\npub1-secrets\n5\n1\n2\n0\n"));
  g_assert_nonnull (strstr (labels->str, "retired-rule\nretired-rule\n2\n0\n0\n0\n"));   /* the id; no second line */
  g_assert_nonnull (strstr (labels->str, "On trial\ntrial\n0\n0\n0\n3\n"));

  /* The session's order (most hits first), then by a heading: shadow hits, most first. */
  {
    g_autoptr(TactRuleStatsItem) first = g_list_model_get_item (model, 0);
    g_autoptr(GtkColumnViewColumn) shadow = g_list_model_get_item (columns, 4);
    g_autoptr(TactRuleStatsItem) now_first = NULL;

    g_assert_cmpstr (tact_rule_stats_item_get_stats (first)->rule_id, ==, "pub1-secrets");
    gtk_column_view_sort_by_column (view, shadow, GTK_SORT_DESCENDING);
    now_first = g_list_model_get_item (model, 0);
    g_assert_cmpstr (tact_rule_stats_item_get_stats (now_first)->rule_id, ==, "trial");
  }

  tact_rule_stats_page_show_stats (TACT_RULE_STATS_PAGE (page), NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "empty");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  tact_rule_stats_page_set_session (TACT_RULE_STATS_PAGE (page), NULL);
  gtk_window_destroy (GTK_WINDOW (window));
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
  g_test_add_func ("/ui/templates/supervision-page", test_supervision_page);
  g_test_add_func ("/ui/templates/rule-stats-page", test_rule_stats_page);
  g_test_add_func ("/ui/templates/audit-row", test_audit_row);
  g_test_add_func ("/ui/templates/help-overlay", test_help_overlay);
  g_test_add_func ("/ui/audit-words/every-documented-kind", test_audit_kinds_documented);
  g_test_add_func ("/ui/audit-words/shared-not-copied", test_audit_words_shared);
  g_test_add_func ("/ui/templates/window", test_window);
  g_test_add_func ("/ui/templates/preferences-window", test_preferences_window);
  g_test_add_func ("/ui/settings/fleet-setting", test_fleet_setting);
  g_test_add_func ("/ui/settings/window", test_window_settings);
  g_test_add_func ("/ui/templates/guard-dialog", test_guard_dialog);
  g_test_add_func ("/ui/guard-dialog/one-row-per-rule", test_guard_dialog_rows);
  g_test_add_func ("/ui/guard-dialog/classifier", test_guard_dialog_classifier);
  g_test_add_func ("/ui/guard-dialog/file-rows", test_guard_dialog_file_rows);
  g_test_add_func ("/ui/guard-dialog/enter-in-reason", test_guard_dialog_enter);
  g_test_add_func ("/ui/guard-dialog/report-false-positive", test_guard_dialog_report);
  g_test_add_func ("/ui/guard-dialog/approvers", test_guard_dialog_approve);
  return g_test_run ();
}
