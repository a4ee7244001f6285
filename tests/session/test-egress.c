/* test-egress.c: every transmission is judged again (issue 7): the four ways blocked text used
 * to leave (a file's name, a justified message held behind a 429 while an outsider was invited, a
 * retry and a resume under a stricter profile) are named security regressions; a held message is
 * reviewed and sent; a session without a usable profile sends nothing and says why. */
#include <glib/gstdio.h>

#include "store/tact-store-private.h"
#include "session/tact-guard.h"
#include "tact-test-sandbox.h"

/* Justify inside the company, block with an outsider (the shipped profile, PUB-1/PUB-2). */
#define SECRET_QUOTE "这份机密报价单请查收"

typedef struct { TactMessage *message; TactSendState state; } StateWait;
static gboolean message_in_state (gpointer d) { StateWait *w = d; return tact_message_get_send_state (w->message) == w->state; }
typedef struct { TactRoom *room; guint external; } ExternalWait;
static gboolean external_is (gpointer d) { ExternalWait *w = d; return tact_room_get_external_count (w->room) == w->external; }

/* A profile stricter than the shipped one for our test words: "项目代号" blocked, "季度数字"
 * warned. */
static TactProfile *
stricter_profile (void)
{
  static const char json[] =
    "{\"format\": 2, \"id\": \"test-stricter\", \"version\": \"1\","
    " \"name\": {\"en\": \"Stricter\", \"zh_CN\": \"更严\", \"zh_TW\": \"更嚴\"},"
    " \"rules\": ["
    "  {\"id\": \"codename\", \"title\": {\"en\": \"Code names\", \"zh_CN\": \"代号\", \"zh_TW\": \"代號\"},"
    "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"],"
    "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"项目代号\"]}], \"action\": \"block\","
    "   \"alternative\": {\"en\": \"y\", \"zh_CN\": \"y\", \"zh_TW\": \"y\"}},"
    "  {\"id\": \"figures\", \"title\": {\"en\": \"Figures\", \"zh_CN\": \"数字\", \"zh_TW\": \"數字\"},"
    "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-2\"],"
    "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"季度数字\"]}], \"action\": \"warn\"}"
    " ]}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, sizeof json - 1);
  g_autoptr(GError) error = NULL;
  TactProfile *profile = tact_profile_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  return profile;
}

/* The audit rows of kind for txn_id. */
typedef struct { const char *txn_id; const char *kind; guint n; } AuditCount;

static gboolean
count_audit (sqlite3 *db, gpointer user_data, GError **error)
{
  AuditCount *count = user_data;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM audit WHERE txn_id = ?1 AND kind = ?2",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, count->txn_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, count->kind, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count->n = (guint) sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

static guint
audit_rows (Fixture *f, const char *txn_id, const char *kind)
{
  AuditCount count = { txn_id, kind, 0 };
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  tact_store_call_async (f->store, count_audit, &count, NULL, store_result_cb, &result);
  g_assert_true (tact_store_call_finish (f->store, wait_result (&result, "the audit count"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  return count.n;
}

static void
invite (TactMatrixClient *client, const char *room_id, const char *user_id)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  tact_matrix_client_invite_async (client, room_id, user_id, NULL, store_result_cb, &result);
  g_assert_true (tact_matrix_client_invite_finish (client, wait_result (&result, "invite"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
}

/* ---- Bypass 1: a file whose name carries the secret ---------------------------------- */

static void
test_file_name_scanned (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "机密报价单-内部价格.txt", NULL);
  g_autofree char *room_id = tact_sandbox_server_dup_room_id (f->sandbox, "Project Falcon");
  RoomWait rw = { f->session, room_id };
  ExternalWait ew;
  g_autoptr(GFile) file = NULL;
  g_autoptr(TactSendCheck) check = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  guint before;

  g_assert_true (g_file_set_contents (path, "Agenda for Monday: coffee, then the weekly sync.\n", -1, NULL));
  tact_session_start (f->session);
  wait_until (room_joined, &rw, "Project Falcon");
  ew = (ExternalWait) { tact_session_lookup_room (f->session, room_id), 1 };
  wait_until (external_is, &ew, "the outsider counted");

  before = tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message");
  file = g_file_new_for_path (path);
  tact_session_check_file_async (f->session, ew.room, file, NULL, NULL, store_result_cb, &result);
  check = tact_session_check_file_finish (f->session, wait_result (&result, "the file check"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  /* Harmless content, but the name is what the outsider reads: not allow, and not sendable. */
  g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_BLOCK);
  g_assert_null (tact_session_send (f->session, ew.room, check, "a reason", &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED);
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, before);
}

/* ---- Bypass 2: held behind a 429 while an outsider was invited ------------------------ */

static void
test_held_after_outsider_invited (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autoptr(GError) error = NULL;
  TactMessage *echo;
  ExternalWait ew = { room, 1 };
  StateWait w;

  /* Every send answers 429 for 60 s (1.2 s at the test's scale). */
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_RATE_LIMIT, 1);
  tact_sandbox_server_set_fault_ms (f->sandbox, 60 * 1000);
  echo = tact_session_send_text (f->session, room, SECRET_QUOTE, "the customer asked for it", &error);
  g_assert_no_error (error);
  g_assert_nonnull (echo);
  while (tact_sandbox_server_get_faults_injected (f->sandbox) == 0)
    g_main_context_iteration (NULL, TRUE);
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_NONE, 0);

  /* Meanwhile someone from outside the company is invited: the message is now blocked. */
  invite (f->bob, room_id, "@zhang:partner.test");
  wait_until (external_is, &ew, "the invited outsider counted");
  w = (StateWait) { echo, TACT_SEND_STATE_HELD };
  wait_until (message_in_state, &w, "the retry to be held");
  g_assert_nonnull (strstr (tact_message_get_error (echo), "blocked"));
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);
  g_assert_cmpuint (audit_rows (f, tact_message_get_txn_id (echo), "held-for-review"), ==, 1);
}

/* ---- Bypass 3: a failed message retried after the profile became stricter -------------- */

/* A send the server refuses (a 403 fault): FAILED. */
static TactMessage *
send_refused (Fixture *f, TactRoom *room, const char *text)
{
  g_autoptr(GError) error = NULL;
  TactMessage *echo;
  StateWait w;

  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_FORBIDDEN, 1);
  echo = tact_session_send_text (f->session, room, text, NULL, &error);
  g_assert_no_error (error);
  w = (StateWait) { echo, TACT_SEND_STATE_FAILED };
  wait_until (message_in_state, &w, "the send to fail");
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_NONE, 0);
  return echo;
}

static void
test_held_on_retry_stricter (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  TactMessage *echo = send_refused (f, room, "项目代号 is on schedule");
  g_autoptr(TactProfile) stricter = stricter_profile ();
  StateWait w = { echo, TACT_SEND_STATE_HELD };

  tact_session_set_profile (f->session, stricter);
  tact_session_retry_message (f->session, room, echo);
  wait_until (message_in_state, &w, "the retry to be held");
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);
}

/* ---- Bypass 4: a pending message resumed at start under a stricter profile ------------- */

typedef struct { TactRoom *room; const char *txn_id; } TxnWait;
static gboolean txn_shown (gpointer d) { TxnWait *w = d; return tact_room_find_by_txn (w->room, w->txn_id) != NULL; }
static gboolean txn_held (gpointer d)
{
  TxnWait *w = d;
  TactMessage *message = tact_room_find_by_txn (w->room, w->txn_id);
  return message && tact_message_get_send_state (message) == TACT_SEND_STATE_HELD;
}

static void
test_held_on_resume_stricter (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autoptr(GError) error = NULL;
  g_autofree char *txn = NULL;
  TactMessage *echo;
  TxnWait tw;

  /* The send is held unanswered; the app stops with it pending. */
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_TIMEOUT, 1);
  tact_sandbox_server_set_fault_ms (f->sandbox, 60 * 1000);
  echo = tact_session_send_text (f->session, room, "项目代号 update", NULL, &error);
  g_assert_no_error (error);
  txn = g_strdup (tact_message_get_txn_id (echo));
  while (tact_sandbox_server_get_held_requests (f->sandbox) == 0)
    g_main_context_iteration (NULL, TRUE);
  tact_sandbox_server_clear_faults (f->sandbox);

  /* The next start runs a stricter profile. */
  g_clear_object (&f->profile);
  f->profile = stricter_profile ();
  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    wait_until (room_joined, &rw, "the room from the store");
  }
  room = tact_session_lookup_room (f->session, room_id);
  tact_session_load_timeline (f->session, room);
  tw = (TxnWait) { room, txn };
  wait_until (txn_shown, &tw, "the pending echo from the store");
  wait_until (txn_held, &tw, "the resumed send to be held");
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);

  /* Held survives another restart, still with its reason. */
  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    wait_until (room_joined, &rw, "the room from the store again");
  }
  room = tact_session_lookup_room (f->session, room_id);
  tact_session_load_timeline (f->session, room);
  tw = (TxnWait) { room, txn };
  wait_until (txn_held, &tw, "the held echo from the store");
  g_assert_nonnull (strstr (tact_message_get_error (tact_room_find_by_txn (room, txn)), "blocked"));
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);
}

/* ---- A held message is reviewed: decided again, then sent (same txnId) ----------------- */

static void
test_review_then_send (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  TactMessage *echo = send_refused (f, room, "季度数字 look fine");
  g_autofree char *txn = g_strdup (tact_message_get_txn_id (echo));
  g_autoptr(TactProfile) stricter = stricter_profile ();
  g_autoptr(TactSendCheck) check = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  StateWait w = { echo, TACT_SEND_STATE_HELD };

  /* A warning the person never saw: held, not sent. */
  tact_session_set_profile (f->session, stricter);
  tact_session_retry_message (f->session, room, echo);
  wait_until (message_in_state, &w, "the retry to be held");
  g_assert_nonnull (strstr (tact_message_get_error (echo), "review"));

  tact_session_review_async (f->session, room, echo, NULL, store_result_cb, &result);
  check = tact_session_review_finish (f->session, wait_result (&result, "the review"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (tact_send_check_get_kind (check), ==, TACT_SEND_KIND_HELD);
  g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_WARN);
  g_assert_cmpstr (tact_send_check_get_text (check), ==, "季度数字 look fine");

  /* The person sends past the warning: it goes, once, with its txnId; the decision is audited. */
  g_assert_true (tact_session_send (f->session, room, check, NULL, &error) == echo);
  g_assert_no_error (error);
  w.state = TACT_SEND_STATE_SENT;
  wait_until (message_in_state, &w, "the reviewed send");
  g_assert_cmpstr (tact_message_get_txn_id (echo), ==, txn);
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 1);
  g_assert_cmpuint (audit_rows (f, txn, "warned-send"), ==, 1);
  /* A check is good for one send. */
  g_assert_null (tact_session_send (f->session, room, check, NULL, &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE);
}

/* A held message can be discarded: gone from the timeline, the store and the server's view. */
static void
test_held_discard (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  TactMessage *echo = send_refused (f, room, "项目代号 again");
  g_autoptr(TactProfile) stricter = stricter_profile ();
  g_autofree char *txn = g_strdup (tact_message_get_txn_id (echo));
  StateWait w = { echo, TACT_SEND_STATE_HELD };
  TxnWait tw;

  tact_session_set_profile (f->session, stricter);
  tact_session_retry_message (f->session, room, echo);
  wait_until (message_in_state, &w, "the retry to be held");
  tact_session_discard_message (f->session, room, echo);
  g_assert_null (tact_room_find_by_txn (room, txn));

  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    wait_until (room_joined, &rw, "the room from the store");
  }
  room = tact_session_lookup_room (f->session, room_id);
  tact_session_load_timeline (f->session, room);
  tw = (TxnWait) { room, txn };
  /* Whatever else loads, the discarded message does not come back. */
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (txn_shown (&tw));
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);
}

/* ---- No usable profile: nothing leaves, and the person is told why -------------------- */

static void
test_fail_closed_without_profile (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autoptr(GError) load_error = g_error_new_literal (TACT_POLICY_ERROR, TACT_POLICY_ERROR_PARSE,
                                                      "the profile file is damaged");
  g_autoptr(TactSendCheck) check = NULL;
  g_autoptr(GError) error = NULL;
  const TactFinding *finding;

  tact_session_set_profile_error (f->session, load_error);
  g_assert_null (tact_session_get_profile (f->session));
  check = tact_session_check_text (f->session, room, "hello");
  g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_BLOCK);
  finding = g_ptr_array_index (tact_send_check_get_verdict (check)->findings, 0);
  g_assert_cmpstr (finding->rule_id, ==, TACT_GUARD_RULE_NO_PROFILE);
  g_assert_nonnull (strstr (finding->explanation, "the profile file is damaged"));
  g_assert_nonnull (strstr (finding->alternative, "administrator"));
  g_assert_null (tact_session_send_text (f->session, room, "hello", "a reason", &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED);
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);

  /* A message already queued when the profile goes is held, not sent. */
  tact_session_set_profile (f->session, f->profile);
  {
    TactMessage *echo;
    StateWait w;

    tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_RATE_LIMIT, 1);
    tact_sandbox_server_set_fault_ms (f->sandbox, 5 * 1000);
    g_clear_error (&error);
    echo = tact_session_send_text (f->session, room, "queued before the profile broke", NULL, &error);
    g_assert_no_error (error);
    while (tact_sandbox_server_get_faults_injected (f->sandbox) == 0)
      g_main_context_iteration (NULL, TRUE);
    tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_NONE, 0);
    tact_session_set_profile_error (f->session, load_error);
    w = (StateWait) { echo, TACT_SEND_STATE_HELD };
    wait_until (message_in_state, &w, "the queued send to be held");
  }
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  g_test_add ("/session/egress/security/file-name-scanned", Fixture, SEEDED, fixture_setup,
              test_file_name_scanned, fixture_teardown);
  ADD ("/session/egress/security/held-after-outsider-invited", test_held_after_outsider_invited);
  ADD ("/session/egress/security/held-on-retry-stricter-profile", test_held_on_retry_stricter);
  ADD ("/session/egress/security/held-on-resume-stricter-profile", test_held_on_resume_stricter);
  ADD ("/session/egress/review-then-send", test_review_then_send);
  ADD ("/session/egress/held-discard", test_held_discard);
  ADD ("/session/egress/security/fail-closed-without-profile", test_fail_closed_without_profile);
  return g_test_run ();
}
