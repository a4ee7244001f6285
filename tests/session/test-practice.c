/* test-practice.c: the practice account, the one way the views reach the built-in sandbox:
 * it starts the server, names its demo user, signs in as that user, and the app's restore
 * finds the account again through the sandbox marker. Runs with a private keyring and HOME
 * (with-keyring.sh). */
#include <glib/gstdio.h>

#include "session/tact-account.h"
#include "session/tact-practice.h"
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

/* ---- The tutorial's practice scenarios: judged on what the trainee did ---- */

typedef struct { guint n; guint outcome; gboolean right; char *explanation; } Finished;

static void
finished_cb (TactPractice *practice, guint outcome, gboolean right, const char *explanation, Finished *f)
{
  f->n++;
  f->outcome = outcome;
  f->right = right;
  g_free (f->explanation);
  f->explanation = g_strdup (explanation);
}

static gboolean
has_room (gpointer data)
{
  GListModel *rooms = tact_session_get_rooms (data);
  guint found = 0;

  for (guint i = 0; i < g_list_model_get_n_items (rooms); i++)
    {
      g_autoptr(TactRoom) room = g_list_model_get_item (rooms, i);

      found += g_strcmp0 (tact_room_get_display_name (room), "Project Falcon") == 0 ||
               g_strcmp0 (tact_room_get_display_name (room), "Sales team") == 0 ||
               g_strcmp0 (tact_room_get_display_name (room), "All staff") == 0;
    }
  return found == 3;
}

static TactRoom *
room_named (TactSession *session, const char *name)
{
  GListModel *rooms = tact_session_get_rooms (session);

  for (guint i = 0; i < g_list_model_get_n_items (rooms); i++)
    {
      g_autoptr(TactRoom) room = g_list_model_get_item (rooms, i);

      if (g_strcmp0 (tact_room_get_display_name (room), name) == 0)
        return room;   /* the list keeps it */
    }
  return NULL;
}

static const TactPracticeScenario *
scenario_with_id (const char *id)
{
  for (guint i = 0; i < tact_practice_get_n_scenarios (); i++)
    if (g_str_equal (tact_practice_scenario_get_id (tact_practice_get_scenario (i)), id))
      return tact_practice_get_scenario (i);
  g_assert_not_reached ();
}

static gboolean
finished (gpointer data)
{
  return ((Finished *) data)->n > 0;
}

static void
test_practice_scenarios (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactPracticeAccount) account = tact_practice_account_start (0, &error);
  g_autoptr(GAsyncResult) logged_in = NULL;
  g_autoptr(TactSession) session = NULL;
  TactPractice *practice;
  Finished f = { 0 };
  TactRoom *falcon, *sales;

  g_assert_no_error (error);
  tact_practice_account_login_async (account, NULL, tact_test_store_result_cb, &logged_in);
  session = tact_practice_account_login_finish (account, tact_test_wait_result (&logged_in, "the practice login"), &error);
  g_assert_no_error (error);
  tact_session_start (session);
  tact_test_wait_until (has_room, session, "the practice rooms");
  falcon = room_named (session, "Project Falcon");
  sales = room_named (session, "Sales team");
  {
    /* Until the members are known the guard counts someone from outside in the room. */
    RoomWait wait = { session, tact_room_get_id (sales) };

    tact_test_wait_until (members_known, &wait, "the Sales team's members");
  }
  practice = tact_session_get_practice (session);
  g_signal_connect (practice, "finished", G_CALLBACK (finished_cb), &f);

  /* Not on the practice account: refused, with why. */
  g_assert_false (tact_practice_start (practice, scenario_with_id ("customer-list"), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* The customer list, stopped by the guard and cancelled: right. */
  g_assert_true (tact_practice_start (practice, scenario_with_id ("customer-list"), account, &error));
  g_assert_no_error (error);
  g_assert_nonnull (tact_practice_get_active (practice));
  {
    g_autoptr(TactSendCheck) check = tact_session_check_text (session, falcon, "张三 13800138000、李四 13912345678、王五 13700001111");

    g_assert_cmpint (tact_send_check_get_verdict (check)->action, >=, TACT_ACTION_WARN);
    tact_session_record_shown (session, falcon, check);
    g_assert_cmpuint (f.n, ==, 0);  /* a dialog shown is not yet a decision */
    tact_session_record_cancelled (session, falcon, check);
  }
  g_assert_cmpuint (f.n, ==, 1);
  g_assert_cmpuint (f.outcome, ==, TACT_PRACTICE_NOT_SENT);
  g_assert_true (f.right);
  g_assert_nonnull (strstr (f.explanation, "EXT-3"));
  g_assert_null (tact_practice_get_active (practice));

  /* Someone else's chat, sent over the guard's warning or with a reason: not right. */
  f.n = 0;
  g_assert_true (tact_practice_start (practice, scenario_with_id ("forward-records"), account, &error));
  {
    g_autoptr(TactSendCheck) check = tact_session_check_text (session, sales, "我把他的聊天记录发给你看看");
    g_autoptr(TactMessage) echo = NULL;

    /* A warning or a reason asked, whatever the profile's tiers make of it: sent over it. */
    g_assert_cmpint (tact_send_check_get_verdict (check)->action, >=, TACT_ACTION_WARN);
    g_assert_cmpint (tact_send_check_get_verdict (check)->action, <=, TACT_ACTION_JUSTIFY);
    echo = tact_session_send (session, sales, check, "他说要看", &error);
    g_assert_no_error (error);
  }
  tact_test_wait_until (finished, &f, "the judgment");
  g_assert_cmpuint (f.outcome, ==, TACT_PRACTICE_SENT_OVER);
  g_assert_false (f.right);
  g_assert_nonnull (strstr (f.explanation, "PUB-8"));

  /* Another room's events do not count; a clean answer in the scenario's room does. */
  f.n = 0;
  g_assert_true (tact_practice_start (practice, scenario_with_id ("customer-list"), account, &error));
  {
    g_autoptr(TactSendCheck) other = tact_session_check_text (session, sales, "好的，明天见");
    g_autoptr(TactSendCheck) check = tact_session_check_text (session, falcon, "Sorry, I can't share that, but I'm happy to help with your own order.");
    g_autoptr(TactMessage) a = tact_session_send (session, sales, other, NULL, &error);
    g_autoptr(TactMessage) b = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (f.n, ==, 0);
    g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_ALLOW);
    b = tact_session_send (session, falcon, check, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (f.n, ==, 1);
  g_assert_cmpuint (f.outcome, ==, TACT_PRACTICE_SENT_CLEAN);
  g_assert_true (f.right);

  /* The confidential file: the practice world writes it where the task says; offered to the
   * customer, the guard stops it, and cancelling is right. */
  f.n = 0;
  g_assert_true (tact_practice_start (practice, scenario_with_id ("confidential-file"), account, &error));
  g_assert_no_error (error);
  {
    g_autofree char *path = tact_practice_scenario_dup_file_path (scenario_with_id ("confidential-file"));
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(GAsyncResult) checked = NULL;
    g_autoptr(TactSendCheck) check = NULL;

    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    tact_session_check_file_async (session, falcon, file, NULL, NULL, tact_test_store_result_cb, &checked);
    check = tact_session_check_file_finish (session, tact_test_wait_result (&checked, "the file check"), &error);
    g_assert_no_error (error);
    g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_BLOCK);
    tact_session_record_shown (session, falcon, check);
    tact_session_record_cancelled (session, falcon, check);
  }
  g_assert_cmpuint (f.outcome, ==, TACT_PRACTICE_NOT_SENT);
  g_assert_true (f.right);
  g_assert_nonnull (strstr (f.explanation, "FILE-1"));

  /* The announcement to All staff (24 people): held for the department head; asking her is
   * right. */
  f.n = 0;
  {
    TactRoom *all = room_named (session, "All staff");
    RoomWait wait = { session, tact_room_get_id (all) };
    g_autoptr(TactSendCheck) check = NULL;
    g_autoptr(GAsyncResult) requested = NULL;
    g_autoptr(TactMessage) echo = NULL;

    tact_test_wait_until (members_known, &wait, "All staff's members");
    g_assert_true (tact_practice_start (practice, scenario_with_id ("announcement"), account, &error));
    check = tact_session_check_text (session, all, "重要通知：下周一起全员调整上班时间，9:30 到岗");
    g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_APPROVE);
    tact_session_request_approval_async (session, all, check, "周一生效", NULL, tact_test_store_result_cb, &requested);
    echo = tact_session_request_approval_finish (session, tact_test_wait_result (&requested, "the request"), &error);
    g_assert_no_error (error);
  }
  tact_test_wait_until (finished, &f, "the judgment");
  g_assert_cmpuint (f.outcome, ==, TACT_PRACTICE_APPROVAL);
  g_assert_true (f.right);
  g_assert_nonnull (strstr (f.explanation, "PUB-4"));

  g_free (f.explanation);
  g_signal_handlers_disconnect_by_func (practice, finished_cb, &f);
  /* The sends are in flight: wait for the outbox, then close the store (its worker thread
   * must not outlive the test). */
  {
    g_autoptr(GAsyncResult) idle = NULL;

    tact_session_wait_outbox_idle_async (session, NULL, tact_test_store_result_cb, &idle);
    tact_session_wait_outbox_idle_finish (session, tact_test_wait_result (&idle, "the outbox idle"), NULL);
  }
  tact_session_stop (session);
  tact_store_close (tact_session_get_store (session));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/practice/login", test_practice_login);
  g_test_add_func ("/session/practice/damaged-state", test_practice_damaged_state);
  g_test_add_func ("/session/practice/scenarios", test_practice_scenarios);
  return g_test_run ();
}
