/* test-templates.c: every widget template in the GResource builds without a warning.
 *
 * GtkBuilder reports a template that names a missing object, property, signal handler or
 * child as a warning or critical when the widget is created; the test environment makes those
 * fatal (G_DEBUG=fatal-warnings), so building each widget once validates its .ui file. The
 * guard dialog (built in code) is created for each verdict kind it shows. Needs a display:
 * run under build-aux/headless-session. */
#include <adwaita.h>

#include "ui/tact-guard-dialog.h"
#include "ui/tact-message-row.h"
#include "ui/tact-window.h"

/* Every .ui file in the resource bundle has a test here. */
static void
test_resource_lists_templates (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = g_resources_enumerate_children ("/io/github/tactchat/Tact", 0, &error);
  const char *tested[] = { "tact-message-row.ui", "tact-window.ui", NULL };

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
test_window (void)
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.tactchat.Tact",
                                                       G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;
  TactWindow *window;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  /* The app icon comes from the resource bundle, so it shows even from the build tree. */
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          "io.github.tactchat.Tact"));
  g_assert_true (gtk_icon_theme_has_icon (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          "io.github.tactchat.Tact-symbolic"));
  window = tact_window_new (GTK_APPLICATION (app));
  g_assert_true (TACT_IS_WINDOW (window));
  tact_window_show_login (window, "http://127.0.0.1:1", NULL);
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

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_test_add_func ("/ui/templates/resource-lists-templates", test_resource_lists_templates);
  g_test_add_func ("/ui/templates/message-row", test_message_row);
  g_test_add_func ("/ui/templates/window", test_window);
  g_test_add_func ("/ui/templates/guard-dialog", test_guard_dialog);
  return g_test_run ();
}
