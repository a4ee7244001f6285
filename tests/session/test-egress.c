/* test-egress.c: every transmission is judged again (issue 7): the four ways blocked text used
 * to leave (a file's name, a justified message held behind a 429 while an outsider was invited, a
 * retry and a resume under a stricter profile) are named security regressions; a held message is
 * reviewed and sent; a session without a usable profile sends nothing and says why. */
#include <glib/gstdio.h>

#include "store/tact-store-private.h"
#include "session/tact-audit.h"
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

  tact_store_call_async (f->store, count_audit, &count, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_call_finish (f->store, tact_test_wait_result (&result, "the audit count"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  return count.n;
}

static void
invite (TactMatrixClient *client, const char *room_id, const char *user_id)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  tact_matrix_client_invite_async (client, room_id, user_id, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_invite_finish (client, tact_test_wait_result (&result, "invite"), &error));
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
  tact_test_wait_until (room_joined, &rw, "Project Falcon");
  ew = (ExternalWait) { tact_session_lookup_room (f->session, room_id), 1 };
  tact_test_wait_until (external_is, &ew, "the outsider counted");

  before = tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message");
  file = g_file_new_for_path (path);
  tact_session_check_file_async (f->session, ew.room, file, NULL, NULL, tact_test_store_result_cb, &result);
  check = tact_session_check_file_finish (f->session, tact_test_wait_result (&result, "the file check"), &error);
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
  tact_test_wait_until (external_is, &ew, "the invited outsider counted");
  w = (StateWait) { echo, TACT_SEND_STATE_HELD };
  tact_test_wait_until (message_in_state, &w, "the retry to be held");
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
  tact_test_wait_until (message_in_state, &w, "the send to fail");
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
  tact_test_wait_until (message_in_state, &w, "the retry to be held");
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
    tact_test_wait_until (room_joined, &rw, "the room from the store");
  }
  room = tact_session_lookup_room (f->session, room_id);
  tact_session_load_timeline (f->session, room);
  tw = (TxnWait) { room, txn };
  tact_test_wait_until (txn_shown, &tw, "the pending echo from the store");
  tact_test_wait_until (txn_held, &tw, "the resumed send to be held");
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);

  /* Held survives another restart, still with its reason. */
  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    tact_test_wait_until (room_joined, &rw, "the room from the store again");
  }
  room = tact_session_lookup_room (f->session, room_id);
  tact_session_load_timeline (f->session, room);
  tw = (TxnWait) { room, txn };
  tact_test_wait_until (txn_held, &tw, "the held echo from the store");
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
  tact_test_wait_until (message_in_state, &w, "the retry to be held");
  g_assert_nonnull (strstr (tact_message_get_error (echo), "review"));

  tact_session_review_async (f->session, room, echo, NULL, tact_test_store_result_cb, &result);
  check = tact_session_review_finish (f->session, tact_test_wait_result (&result, "the review"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (tact_send_check_get_kind (check), ==, TACT_SEND_KIND_HELD);
  g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_WARN);
  g_assert_cmpstr (tact_send_check_get_text (check), ==, "季度数字 look fine");

  /* The person sends past the warning: it goes, once, with its txnId; the decision is audited. */
  g_assert_true (tact_session_send (f->session, room, check, NULL, &error) == echo);
  g_assert_no_error (error);
  w.state = TACT_SEND_STATE_SENT;
  tact_test_wait_until (message_in_state, &w, "the reviewed send");
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
  tact_test_wait_until (message_in_state, &w, "the retry to be held");
  tact_session_discard_message (f->session, room, echo);
  g_assert_null (tact_room_find_by_txn (room, txn));

  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    tact_test_wait_until (room_joined, &rw, "the room from the store");
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
    tact_test_wait_until (message_in_state, &w, "the queued send to be held");
  }
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);
}

/* ---- Every way out × every verdict (table-driven) -------------------------------------------- */

/* One term per verdict, for every path. */
static TactProfile *
verdict_profile (const char *approver)
{
  g_autofree char *json = g_strdup_printf (
    "{\"format\": 2, \"id\": \"test-verdicts\", \"version\": \"1\","
    " \"name\": {\"en\": \"Verdicts\", \"zh_CN\": \"判定\", \"zh_TW\": \"判定\"},"
    " \"roles\": {\"department_head\": [\"%s\"]}, \"rules\": ["
    "%s,%s,%s,%s]}", approver,
    "{\"id\": \"w\", \"title\": {\"en\": \"W\", \"zh_CN\": \"W\", \"zh_TW\": \"W\"}, \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"], \"detectors\": [{\"type\": \"terms\", \"terms\": [\"提醒词\"]}], \"action\": \"warn\"}",
    "{\"id\": \"j\", \"title\": {\"en\": \"J\", \"zh_CN\": \"J\", \"zh_TW\": \"J\"}, \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"], \"detectors\": [{\"type\": \"terms\", \"terms\": [\"说明词\"]}], \"action\": \"justify\"}",
    "{\"id\": \"a\", \"title\": {\"en\": \"A\", \"zh_CN\": \"A\", \"zh_TW\": \"A\"}, \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-2\"], \"detectors\": [{\"type\": \"terms\", \"terms\": [\"审批词\"]}], \"action\": \"approve\", \"approver\": {\"role\": \"department_head\"}}",
    "{\"id\": \"b\", \"title\": {\"en\": \"B\", \"zh_CN\": \"B\", \"zh_TW\": \"B\"}, \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"], \"detectors\": [{\"type\": \"terms\", \"terms\": [\"禁止词\"]}], \"action\": \"block\", \"alternative\": {\"en\": \"y\", \"zh_CN\": \"y\", \"zh_TW\": \"y\"}}");
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr(GError) error = NULL;
  TactProfile *profile = tact_profile_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  return profile;
}

typedef enum { PATH_TEXT, PATH_REPLY, PATH_EDIT, PATH_FORWARD, PATH_REACTION, PATH_TOPIC,
               PATH_NAME, PATH_INVITE, PATH_CREATE_ROOM, N_PATHS } Path;
static const char * const path_names[] = { "text", "reply", "edit", "forward", "reaction",
                                           "topic", "name", "invite", "create-room" };
static const struct { const char *word; TactAction action; } verdicts[] = {
  { "普通", TACT_ACTION_ALLOW }, { "提醒词", TACT_ACTION_WARN }, { "说明词", TACT_ACTION_JUSTIFY },
  { "审批词", TACT_ACTION_APPROVE }, { "禁止词", TACT_ACTION_BLOCK },
};

typedef struct { Fixture *f; const char *room_id; const char *type; guint n; } EventWait;
static gboolean
events_on_server (gpointer d)
{
  EventWait *w = d;
  return count_room_events (w->f, w->f->alice, w->room_id, w->type) >= w->n;
}

typedef struct { TactRoom *room; const char *event_id; } EventShown;
static gboolean event_shown (gpointer d) { EventShown *w = d; return tact_room_find_by_event (w->room, w->event_id) != NULL; }

/* An own message with an event id in room, for replies, edits, reactions and forwards. */
static TactMessage *
sent_message (Fixture *f, TactRoom *room, const char *body)
{
  g_autoptr(GError) error = NULL;
  TactMessage *echo = tact_session_send_text (f->session, room, body, NULL, &error);
  StateWait w = { echo, TACT_SEND_STATE_SENT };

  g_assert_no_error (error);
  tact_test_wait_until (message_in_state, &w, "a message to refer to");
  return echo;
}

/* A message posted by alice's client behind the guard's back (the test's setup), once the
 * session's timeline shows it. */
typedef struct { TactRoom *room; const char *body; TactMessage *found; } BodyFind;
static gboolean
body_found (gpointer d)
{
  BodyFind *w = d;
  GListModel *timeline = tact_room_get_timeline (w->room);

  for (guint i = 0; i < g_list_model_get_n_items (timeline) && !w->found; i++)
    {
      g_autoptr(TactMessage) m = g_list_model_get_item (timeline, i);
      if (g_strcmp0 (tact_message_get_body (m), w->body) == 0 && tact_message_get_event_id (m))
        w->found = m;
    }
  return w->found != NULL;
}

static TactMessage *
posted_behind (Fixture *f, TactRoom *room, const char *text)
{
  BodyFind bf = { room, text, NULL };

  client_send (f->alice, tact_room_get_id (room), text);
  tact_test_wait_until (body_found, &bf, "the posted message in the timeline");
  return bf.found;
}

static void
test_every_path (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *other_id = NULL;
  g_autoptr(TactMatrixClient) carol = register_user (f, "carol");
  TactRoom *room;
  TactRoom *other;
  TactMessage *original;

  g_clear_object (&f->profile);
  f->profile = verdict_profile (tact_matrix_client_get_user_id (f->bob));
  tact_session_set_profile (f->session, f->profile);
  room = start_in_room (f, &room_id);
  original = sent_message (f, room, "原来的消息");
  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"Other\",\"preset\":\"private_chat\",\"invite\":[\"%s\"]}",
                                             tact_matrix_client_get_user_id (f->bob));
    RoomWait rw;
    other_id = create_room (f->alice, json);
    join (f->bob, other_id);
    rw = (RoomWait) { f->session, other_id };
    tact_test_wait_until (room_joined, &rw, "the other room");
    tact_test_wait_until (members_known, &rw, "the other room's members");
    other = tact_session_lookup_room (f->session, other_id);
  }

  for (guint p = 0; p < N_PATHS; p++)
    for (guint v = 0; v < G_N_ELEMENTS (verdicts); v++)
      {
        g_autofree char *text = g_strdup_printf ("%s %s %u", path_names[p], verdicts[v].word, v);
        g_autoptr(TactSendCheck) check = NULL;
        g_autoptr(GError) error = NULL;
        const char *type = "m.room.message";
        TactRoom *target = room;
        gboolean sent = FALSE;
        guint before;

        g_test_message ("path %s, verdict %s", path_names[p], tact_action_to_string (verdicts[v].action));
        switch (p)
          {
          case PATH_TEXT: check = tact_session_check_text (f->session, room, text); break;
          case PATH_REPLY: check = tact_session_check_reply (f->session, room, original, text, &error); break;
          case PATH_EDIT: check = tact_session_check_edit (f->session, room, original, text, &error); break;
          case PATH_FORWARD:
            {
              /* The text to forward is in a message of ours, forwarded to the other room. */
              TactMessage *message = posted_behind (f, room, text);
              check = tact_session_check_forward (f->session, message, other);
              g_assert_false (tact_send_check_needs_consent (check));
              target = other;
            }
            break;
          case PATH_REACTION: check = tact_session_check_reaction (f->session, room, original, text, &error); type = "m.reaction"; break;
          case PATH_TOPIC: check = tact_session_check_topic (f->session, room, text); type = "m.room.topic"; break;
          case PATH_NAME: check = tact_session_check_room_name (f->session, room, text); type = "m.room.name"; break;
          case PATH_INVITE:
            {
              /* A fresh room whose history (someone invited now would read it) carries the word. */
              g_autofree char *json = g_strdup_printf ("{\"name\":\"Invite %u\",\"preset\":\"private_chat\",\"invite\":[\"%s\"]}",
                                                       v, tact_matrix_client_get_user_id (f->bob));
              g_autofree char *fresh_id = create_room (f->alice, json);
              RoomWait rw = { f->session, fresh_id };

              join (f->bob, fresh_id);
              tact_test_wait_until (room_joined, &rw, "the invitation's room");
              tact_test_wait_until (members_known, &rw, "its members");
              target = tact_session_lookup_room (f->session, fresh_id);
              posted_behind (f, target, text);
              check = tact_session_check_invite (f->session, target, tact_matrix_client_get_user_id (carol));
            }
            break;
          case PATH_CREATE_ROOM:
            {
              const char * const invitees[] = { tact_matrix_client_get_user_id (f->bob), NULL };
              check = tact_session_check_create_room (f->session, text, "purpose", invitees);
            }
            break;
          default: g_assert_not_reached ();
          }
        g_assert_no_error (error);
        g_assert_nonnull (check);
        g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, verdicts[v].action);

        before = count_room_events (f, f->alice, tact_room_get_id (target), type);
        if (p == PATH_INVITE || p == PATH_CREATE_ROOM)
          {
            GAsyncResult *result = NULL;
            const char *reason = verdicts[v].action == TACT_ACTION_JUSTIFY ? "needed" : NULL;

            if (verdicts[v].action == TACT_ACTION_JUSTIFY)
              {
                /* Without the reason first: refused. */
                if (p == PATH_INVITE)
                  {
                    tact_session_invite_async (f->session, target, check, NULL, NULL, tact_test_store_result_cb, &result);
                    g_assert_false (tact_session_invite_finish (f->session, tact_test_wait_result (&result, "invite"), &error));
                  }
                else
                  {
                    g_autofree char *none = NULL;
                    tact_session_create_checked_room_async (f->session, check, NULL, NULL, tact_test_store_result_cb, &result);
                    none = tact_session_create_room_finish (f->session, tact_test_wait_result (&result, "create"), &error);
                    g_assert_null (none);
                  }
                g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_JUSTIFICATION);
                g_clear_error (&error);
                g_clear_object (&result);
              }
            if (p == PATH_INVITE)
              {
                tact_session_invite_async (f->session, target, check, reason, NULL, tact_test_store_result_cb, &result);
                sent = tact_session_invite_finish (f->session, tact_test_wait_result (&result, "invite"), &error);
              }
            else
              {
                g_autofree char *created = NULL;
                tact_session_create_checked_room_async (f->session, check, reason, NULL, tact_test_store_result_cb, &result);
                created = tact_session_create_room_finish (f->session, tact_test_wait_result (&result, "create"), &error);
                sent = created != NULL;
              }
            g_clear_object (&result);
          }
        else
          {
            const char *reason = verdicts[v].action == TACT_ACTION_JUSTIFY ? "needed" : NULL;

            if (verdicts[v].action == TACT_ACTION_JUSTIFY)
              {
                g_assert_null (tact_session_send (f->session, target, check, NULL, &error));
                g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_JUSTIFICATION);
                g_clear_error (&error);
              }
            tact_session_send (f->session, target, check, reason, &error);
            sent = error == NULL;
          }

        switch (verdicts[v].action)
          {
          case TACT_ACTION_ALLOW:
          case TACT_ACTION_WARN:
          case TACT_ACTION_JUSTIFY:
            g_assert_no_error (error);
            g_assert_true (sent);
            if (p != PATH_INVITE && p != PATH_CREATE_ROOM)
              {
                EventWait ew = { f, tact_room_get_id (target), type, before + 1 };
                tact_test_wait_until (events_on_server, &ew, "the event on the server");
              }
            break;
          case TACT_ACTION_APPROVE:
            g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_APPROVAL);
            break;
          case TACT_ACTION_BLOCK:
          default:
            g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED);
            break;
          }
        if (!sent && p != PATH_INVITE && p != PATH_CREATE_ROOM)
          g_assert_cmpuint (count_room_events (f, f->alice, tact_room_get_id (target), type), ==, before);
      }
}

/* Forwarding someone else's message asks to confirm its author agreed (PUB-8). */
static void
test_forward_needs_consent (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autoptr(TactSendCheck) check = NULL;
  g_autoptr(GError) error = NULL;
  TactMessage *theirs = NULL;
  EventShown es;

  client_send (f->bob, room_id, "bob's words");
  while (!theirs)
    {
      GListModel *timeline = tact_room_get_timeline (room);
      g_main_context_iteration (NULL, TRUE);
      for (guint i = 0; i < g_list_model_get_n_items (timeline) && !theirs; i++)
        {
          g_autoptr(TactMessage) m = g_list_model_get_item (timeline, i);
          if (g_strcmp0 (tact_message_get_body (m), "bob's words") == 0)
            theirs = m;
        }
    }
  es = (EventShown) { room, tact_message_get_event_id (theirs) };
  g_assert_true (event_shown (&es));
  check = tact_session_check_forward (f->session, theirs, room);
  g_assert_true (tact_send_check_needs_consent (check));
  g_assert_null (tact_session_send (f->session, room, check, NULL, &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_CONSENT);
  g_clear_error (&error);
  tact_send_check_set_consent (check, TRUE);
  g_assert_nonnull (tact_session_send (f->session, room, check, NULL, &error));
  g_assert_no_error (error);
}

/* The guard assumes an outsider until a room's member list is known; an announcement room
 * (posting needs more power than the default) is judged as one (PUB-3). */
static void
test_audience_kinds (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room;
  g_autoptr(TactSendCheck) before = NULL;
  g_autoptr(TactSendCheck) after = NULL;
  RoomWait rw;

  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"Announcements\",\"preset\":\"private_chat\","
                                             "\"invite\":[\"%s\"],"
                                             "\"power_level_content_override\":{\"events_default\":50}}",
                                             tact_matrix_client_get_user_id (f->bob));
    room_id = create_room (f->alice, json);
  }
  join (f->bob, room_id);
  tact_session_start (f->session);
  rw = (RoomWait) { f->session, room_id };
  tact_test_wait_until (room_joined, &rw, "the room");
  room = tact_session_lookup_room (f->session, room_id);
  if (!tact_room_get_members_complete (room))
    {
      before = tact_session_check_text (f->session, room, "hello");
      g_assert_cmpuint (tact_send_check_get_external_count (before), >=, 1);
    }
  tact_test_wait_until (members_known, &rw, "the member list");
  after = tact_session_check_text (f->session, room, "hello");
  g_assert_cmpuint (tact_send_check_get_external_count (after), ==, 0);
  g_assert_cmpint (tact_room_get_kind (room), ==, TACT_ROOM_KIND_ANNOUNCEMENT);
}

/* ---- The audit trail reaches the supervision room; a supervisor filters it ---------------------- */

typedef struct { TactSession *session; const char *sender; const char *rule; const char *action; guint n; } SupervisionWait;

static gboolean
supervision_has (gpointer d)
{
  SupervisionWait *w = d;

  return supervision_count (w->session, w->sender, w->rule, w->action, NULL) >= w->n;
}

static void
test_supervision_room (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *supervision_id = NULL;
  g_autoptr(TactProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactStore) bob_store = NULL;
  g_autoptr(TactSession) bob_session = NULL;
  g_autoptr(TactSendCheck) blocked = NULL;
  TactRoom *room;
  SupervisionWait sw;

  /* Bob, a supervisor, made the supervision room and let alice in. */
  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"Supervision\",\"preset\":\"private_chat\",\"invite\":[\"%s\"]}",
                                             tact_matrix_client_get_user_id (f->alice));
    supervision_id = create_room (f->bob, json);
    join (f->alice, supervision_id);
  }
  {
    g_autofree char *base = g_strdup_printf ("\"audit\": {\"supervision_room\": \"%s\", \"include_content\": false},",
                                             supervision_id);
    g_autofree char *json = g_strdup_printf (
      "{\"format\": 2, \"id\": \"test-audit\", \"version\": \"1\", %s"
      " \"name\": {\"en\": \"Audit\", \"zh_CN\": \"审计\", \"zh_TW\": \"審計\"},"
      " \"rules\": [{\"id\": \"w\", \"title\": {\"en\": \"W\", \"zh_CN\": \"W\", \"zh_TW\": \"W\"},"
      "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"],"
      "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"提醒词\"]}], \"action\": \"warn\"},"
      "  {\"id\": \"b\", \"title\": {\"en\": \"B\", \"zh_CN\": \"B\", \"zh_TW\": \"B\"},"
      "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"],"
      "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"禁止词\"]}], \"action\": \"block\","
      "   \"alternative\": {\"en\": \"y\", \"zh_CN\": \"y\", \"zh_TW\": \"y\"}}]}", base);
    g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
    profile = tact_profile_new_from_bytes (bytes, &error);
    g_assert_no_error (error);
  }
  tact_session_set_profile (f->session, profile);
  room = start_in_room (f, &room_id);

  /* A warned send, a block shown, a false-positive report. */
  g_assert_nonnull (tact_session_send_text (f->session, room, "提醒词 一下", NULL, &error));
  g_assert_no_error (error);
  blocked = tact_session_check_text (f->session, room, "禁止词");
  tact_session_record_shown (f->session, room, blocked);
  tact_session_report_false_positive (f->session, room, blocked, "a film title");

  bob_session = bob_session_start (f, profile, &bob_store);
  sw = (SupervisionWait) { bob_session, tact_matrix_client_get_user_id (f->alice), NULL, NULL, 3 };
  tact_test_wait_until (supervision_has, &sw, "alice's records in the supervision room");
  g_assert_true (tact_session_is_supervisor (bob_session));
  g_assert_false (tact_session_is_supervisor (f->session));
  /* Filters: by rule, by action. */
  sw = (SupervisionWait) { bob_session, NULL, "b", NULL, 2 };
  g_assert_true (supervision_has (&sw));
  sw = (SupervisionWait) { bob_session, NULL, NULL, "warn", 1 };
  g_assert_true (supervision_has (&sw));
  sw = (SupervisionWait) { bob_session, NULL, NULL, "warn", 2 };
  g_assert_false (supervision_has (&sw));
  {
    GAsyncResult *result = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    TactStoreAuditRecord *report = NULL;

    tact_session_list_supervision_async (bob_session, NULL, NULL, "block", NULL, tact_test_store_result_cb, &result);
    rows = tact_session_list_supervision_finish (bob_session, tact_test_wait_result (&result, "blocked"), &error);
    g_assert_no_error (error);
    g_clear_object (&result);
    for (guint i = 0; i < rows->len; i++)
      if (g_strcmp0 (((TactStoreAuditRecord *) rows->pdata[i])->kind, "false-positive") == 0)
        report = rows->pdata[i];
    g_assert_nonnull (report);
    g_assert_cmpstr (report->comment, ==, "a film title");
    g_assert_cmpstr (report->clauses, ==, "PUB-1");
    g_assert_nonnull (report->content_sha256);
  }
  tact_session_stop (bob_session);
  tact_store_close (bob_store);
}

/* ---- Per-rule counts over the supervision room (the admin page; tact-admin stats counts alike) ---- */

static const TactAuditRuleStats *
stats_row (GPtrArray *rows, const char *rule_id)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (((TactAuditRuleStats *) rows->pdata[i])->rule_id, rule_id) == 0)
      return rows->pdata[i];
  return NULL;
}

static void
test_supervision_stats (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *supervision_id = NULL;
  g_autoptr(TactProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactStore) bob_store = NULL;
  g_autoptr(TactSession) bob_session = NULL;
  g_autoptr(TactSendCheck) warned = NULL;
  g_autoptr(TactSendCheck) blocked = NULL;
  g_autoptr(TactSendCheck) both = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 start = g_get_real_time () / 1000;
  const TactAuditRuleStats *w, *b, *s;
  GAsyncResult *result = NULL;
  TactRoom *room;
  SupervisionWait sw;

  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"Supervision\",\"preset\":\"private_chat\",\"invite\":[\"%s\"]}",
                                             tact_matrix_client_get_user_id (f->alice));
    supervision_id = create_room (f->bob, json);
    join (f->alice, supervision_id);
  }
  {
    g_autofree char *json = g_strdup_printf (
      "{\"format\": 2, \"id\": \"test-stats\", \"version\": \"1\","
      " \"audit\": {\"supervision_room\": \"%s\"},"
      " \"name\": {\"en\": \"Stats\", \"zh_CN\": \"统计\", \"zh_TW\": \"統計\"},"
      " \"rules\": [{\"id\": \"w\", \"title\": {\"en\": \"Warned words\", \"zh_CN\": \"W\", \"zh_TW\": \"W\"},"
      "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"],"
      "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"提醒词\"]}], \"action\": \"warn\"},"
      "  {\"id\": \"b\", \"title\": {\"en\": \"Blocked words\", \"zh_CN\": \"B\", \"zh_TW\": \"B\"},"
      "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"],"
      "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"禁止词\"]}], \"action\": \"block\","
      "   \"alternative\": {\"en\": \"y\", \"zh_CN\": \"y\", \"zh_TW\": \"y\"}},"
      "  {\"id\": \"s\", \"title\": {\"en\": \"On trial\", \"zh_CN\": \"S\", \"zh_TW\": \"S\"},"
      "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"],"
      "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"试验词\"]}], \"action\": \"block\","
      "   \"alternative\": {\"en\": \"y\", \"zh_CN\": \"y\", \"zh_TW\": \"y\"}, \"shadow\": true}]}",
      supervision_id);
    g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
    profile = tact_profile_new_from_bytes (bytes, &error);
    g_assert_no_error (error);
  }
  tact_session_set_profile (f->session, profile);
  room = start_in_room (f, &room_id);

  /* Seven records from alice:
   *   warned-send [w], warning-shown [w], cancelled [w], blocked [b], blocked [w, b],
   *   false-positive [b], shadow-hit [s]. */
  g_assert_nonnull (tact_session_send_text (f->session, room, "提醒词 一下", NULL, &error));
  g_assert_no_error (error);
  warned = tact_session_check_text (f->session, room, "提醒词");
  tact_session_record_shown (f->session, room, warned);
  tact_session_record_cancelled (f->session, room, warned);
  blocked = tact_session_check_text (f->session, room, "禁止词");
  tact_session_record_shown (f->session, room, blocked);
  both = tact_session_check_text (f->session, room, "提醒词 禁止词");
  g_assert_cmpint (tact_send_check_get_verdict (both)->action, ==, TACT_ACTION_BLOCK);
  g_assert_cmpuint (tact_send_check_get_verdict (both)->findings->len, ==, 2);
  tact_session_record_shown (f->session, room, both);
  tact_session_report_false_positive (f->session, room, blocked, "a film title");
  g_assert_nonnull (tact_session_send_text (f->session, room, "试验词 在这里", NULL, &error));
  g_assert_no_error (error);

  /* Bob, the supervisor, counts them once all seven are in his store. */
  bob_session = bob_session_start (f, profile, &bob_store);
  sw = (SupervisionWait) { bob_session, NULL, NULL, NULL, 7 };
  tact_test_wait_until (supervision_has, &sw, "alice's seven records in the supervision room");
  tact_session_supervision_stats_async (bob_session, NULL, tact_test_store_result_cb, &result);
  rows = tact_session_supervision_stats_finish (bob_session, tact_test_wait_result (&result, "the stats"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  g_assert_cmpuint (rows->len, ==, 3);
  w = stats_row (rows, "w");
  b = stats_row (rows, "b");
  s = stats_row (rows, "s");
  g_assert_nonnull (w);
  g_assert_nonnull (b);
  g_assert_nonnull (s);
  /* w: warning-shown and the blocked [w, b] are hits, warned-send an override; cancelled counts
   * in nothing but last_ts. */
  g_assert_cmpuint (w->hits, ==, 2);
  g_assert_cmpuint (w->overrides, ==, 1);
  g_assert_cmpuint (w->false_positives, ==, 0);
  g_assert_cmpuint (w->shadow_hits, ==, 0);
  g_assert_cmpuint (b->hits, ==, 2);
  g_assert_cmpuint (b->overrides, ==, 0);
  g_assert_cmpuint (b->false_positives, ==, 1);
  g_assert_cmpuint (b->shadow_hits, ==, 0);
  g_assert_cmpuint (s->hits, ==, 0);
  g_assert_cmpuint (s->overrides, ==, 0);
  g_assert_cmpuint (s->false_positives, ==, 0);
  g_assert_cmpuint (s->shadow_hits, ==, 1);
  /* Most hits first, equal hits by id. */
  g_assert_true (rows->pdata[0] == b);
  g_assert_true (rows->pdata[1] == w);
  g_assert_true (rows->pdata[2] == s);
  /* The titles of the profile in force; the newest record's time. */
  g_assert_cmpstr (w->title, ==, "Warned words");
  g_assert_cmpstr (s->title, ==, "On trial");
  g_assert_cmpint (w->last_ts, >=, start);
  g_assert_cmpint (w->last_ts, <=, g_get_real_time () / 1000);
  g_assert_cmpint (s->last_ts, >=, b->last_ts);   /* the shadow hit was the last record */

  tact_session_stop (bob_session);
  tact_store_close (bob_store);
}

/* A rule in shadow mode: the message goes as if it were not there, and the hit is audited. */
typedef struct { TactSession *session; const char *kind; } KindWait;

static gboolean
audit_has_kind (gpointer d)
{
  KindWait *w = d;
  GAsyncResult *result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gboolean found = FALSE;

  tact_session_list_audit_async (w->session, 50, NULL, tact_test_store_result_cb, &result);
  rows = tact_session_list_audit_finish (w->session, tact_test_wait_result (&result, "the audit"), NULL);
  g_clear_object (&result);
  for (guint i = 0; rows && i < rows->len && !found; i++)
    {
      TactStoreAuditRecord *r = rows->pdata[i];
      found = g_strcmp0 (r->kind, w->kind) == 0 && g_strcmp0 (r->rule_ids, "trial") == 0;
    }
  return found;
}

static void
test_shadow_rule (Fixture *f, gconstpointer data)
{
  static const char json[] =
    "{\"format\": 2, \"id\": \"shadow\", \"version\": \"1\","
    " \"name\": {\"en\": \"S\", \"zh_CN\": \"S\", \"zh_TW\": \"S\"},"
    " \"rules\": [{\"id\": \"trial\", \"title\": {\"en\": \"T\", \"zh_CN\": \"T\", \"zh_TW\": \"T\"},"
    "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-1\"],"
    "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"试验词\"]}], \"action\": \"block\","
    "   \"alternative\": {\"en\": \"y\", \"zh_CN\": \"y\", \"zh_TW\": \"y\"}, \"shadow\": true}]}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, sizeof json - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_from_bytes (bytes, &error);
  g_autoptr(TactSendCheck) check = NULL;
  g_autofree char *room_id = NULL;
  TactRoom *room;
  TactMessage *echo;
  StateWait w;
  KindWait kw;

  g_assert_no_error (error);
  tact_session_set_profile (f->session, profile);
  room = start_in_room (f, &room_id);
  check = tact_session_check_text (f->session, room, "试验词 在这里");
  g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_ALLOW);
  g_assert_cmpuint (tact_send_check_get_verdict (check)->findings->len, ==, 0);
  echo = tact_session_send (f->session, room, check, NULL, &error);
  g_assert_no_error (error);
  w = (StateWait) { echo, TACT_SEND_STATE_SENT };
  tact_test_wait_until (message_in_state, &w, "the message sent as if the rule were not there");
  kw = (KindWait) { f->session, "shadow-hit" };
  tact_test_wait_until (audit_has_kind, &kw, "the shadow hit audited");
}

/* ACC-1: a profile that pins the company's homeservers refuses every send from an account on
 * another server (a personal account). */
static TactProfile *
pinned_profile (const char *server)
{
  g_autofree char *json = g_strdup_printf (
    "{\"format\": 2, \"id\": \"pinned\", \"version\": \"1\","
    " \"name\": {\"en\": \"P\", \"zh_CN\": \"P\", \"zh_TW\": \"P\"},"
    " \"company\": {\"homeservers\": [\"%s\"], \"pinned\": true}, \"rules\": []}", server);
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr(GError) error = NULL;
  TactProfile *profile = tact_profile_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  return profile;
}

static void
test_pinned_homeserver (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autoptr(TactProfile) elsewhere = pinned_profile ("corp.example");
  g_autoptr(TactProfile) ours = pinned_profile (TACT_SANDBOX_SERVER_NAME);
  g_autoptr(TactSendCheck) refused = NULL;
  g_autoptr(TactSendCheck) allowed = NULL;
  g_autoptr(GError) error = NULL;
  TactRoom *room;
  const TactFinding *finding;

  tact_session_set_profile (f->session, elsewhere);
  room = start_in_room (f, &room_id);
  refused = tact_session_check_text (f->session, room, "hello");
  g_assert_cmpint (tact_send_check_get_verdict (refused)->action, ==, TACT_ACTION_BLOCK);
  finding = g_ptr_array_index (tact_send_check_get_verdict (refused)->findings, 0);
  g_assert_cmpstr (finding->rule_id, ==, TACT_GUARD_RULE_PINNED);
  g_assert_cmpstr (finding->clauses[0], ==, "ACC-1");
  g_assert_nonnull (strstr (finding->alternative, "corp.example"));
  g_assert_null (tact_session_send (f->session, room, refused, "a reason", &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED);

  tact_session_set_profile (f->session, ours);
  allowed = tact_session_check_text (f->session, room, "hello");
  g_assert_cmpint (tact_send_check_get_verdict (allowed)->action, ==, TACT_ACTION_ALLOW);
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
  /* The sandbox, or TACT_TEST_HOMESERVER unchanged. */
  g_test_add ("/integration/egress/every-path-every-verdict", Fixture, EXTERNAL_OK, fixture_setup,
              test_every_path, fixture_teardown);
  ADD ("/session/egress/forward-needs-consent", test_forward_needs_consent);
  ADD ("/session/audit/supervision-room", test_supervision_room);
  ADD ("/session/audit/supervision-stats", test_supervision_stats);
  ADD ("/session/audit/shadow-rule", test_shadow_rule);
  ADD ("/session/egress/security/pinned-homeserver", test_pinned_homeserver);
  ADD ("/session/egress/audience-unknown-and-announcement", test_audience_kinds);
  return g_test_run ();
}
