/* test-practice.c: the practice account, the one way the views reach the built-in sandbox:
 * it starts the server, names its demo user, signs in as that user, and the app's restore
 * finds the account again through the sandbox marker. Runs with a private keyring and HOME
 * (with-keyring.sh). */
#include <glib/gstdio.h>

#include "session/tact-account.h"
#include "session/tact-practice-account.h"
#include "tact-test-sandbox.h"

static void
test_practice_login (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactPracticeAccount) practice = tact_practice_account_start (0, &error);
  g_autoptr(GAsyncResult) logged_in = NULL;
  g_autoptr(GAsyncResult) restored = NULL;
  g_autoptr(GAsyncResult) refused = NULL;
  g_autoptr(TactSession) session = NULL;
  g_autoptr(TactSession) again = NULL;
  g_autoptr(TactSession) none = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (practice);
  g_assert_null (tact_practice_account_get_state_error (practice));
  g_assert_true (g_str_has_prefix (tact_practice_account_get_url (practice), "http://127.0.0.1:"));
  g_assert_cmpstr (tact_practice_account_get_user_name (practice), ==, "me");
  g_assert_cmpstr (tact_practice_account_get_password (practice), ==, "tact-sandbox");
  g_assert_cmpstr (tact_practice_account_get_user_id (practice), ==, "@me:corp.test");

  tact_practice_account_login_async (practice, NULL, tact_test_store_result_cb, &logged_in);
  session = tact_practice_account_login_finish (practice, tact_test_wait_result (&logged_in, "the practice login"),
                                                &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tact_session_get_user_id (session), ==, "@me:corp.test");
  g_clear_object (&session);

  /* What the application does at start-up: the stored sandbox account comes back on this run's URL. */
  tact_account_restore_async (tact_practice_account_get_url (practice), NULL, tact_test_store_result_cb, &restored);
  again = tact_account_restore_finish (tact_test_wait_result (&restored, "the restore"), &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpstr (tact_session_get_user_id (again), ==, "@me:corp.test");
  g_clear_object (&again);

  /* Stopped: no sign-in, a clear error, and stopping again is harmless. */
  tact_practice_account_stop (practice);
  tact_practice_account_stop (practice);
  tact_practice_account_login_async (practice, NULL, tact_test_store_result_cb, &refused);
  none = tact_practice_account_login_finish (practice, tact_test_wait_result (&refused, "the refused login"), &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
}

/* A damaged saved world is not fatal: a fresh one starts, and the account says why. */
static void
test_practice_damaged_state (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "tact", NULL);
  g_autofree char *path = g_build_filename (dir, "sandbox-state.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactPracticeAccount) practice = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "{ not json", -1, &error));
  g_assert_no_error (error);

  practice = tact_practice_account_start (0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tact_practice_account_get_state_error (practice));
  g_assert_nonnull (tact_practice_account_get_url (practice));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/practice/login", test_practice_login);
  g_test_add_func ("/session/practice/damaged-state", test_practice_damaged_state);
  return g_test_run ();
}
