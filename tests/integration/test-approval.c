/* test-approval.c: the approval protocol end to end (docs/approval-protocol.md), with two Tact
 * sessions: alice asks, bob (the profile's department head) decides. Runs against the built-in
 * sandbox, and unchanged against any homeserver given by TACT_TEST_HOMESERVER.
 *
 * /integration/approval/: approve, reject, return for edit, expiry, forged sender, replayed
 * decision, hash mismatch, approver offline then online, requester restarted while waiting. */
#include <glib/gstdio.h>

#include "session/tact-approvals.h"
#include "tact-test-sandbox.h"

#define QUOTE "报价：每台 1200 元，含税"

typedef struct { TactMessage *message; TactSendState state; } StateWait;
static gboolean message_in_state (gpointer d) { StateWait *w = d; return tact_message_get_send_state (w->message) == w->state; }

/* Bob's side: his own store and session, with the same profile. */
typedef struct {
  TactStore   *store;
  TactSession *session;
  char        *db_path;
  GBytes      *key;
} Approver;

static TactProfile *
approval_profile (const char *approver)
{
  g_autofree char *json = g_strdup_printf (
    "{\"format\": 2, \"id\": \"test-approvals\", \"version\": \"1\","
    " \"name\": {\"en\": \"Approvals\", \"zh_CN\": \"审批\", \"zh_TW\": \"審批\"},"
    " \"roles\": {\"department_head\": [\"%s\"]},"
    " \"rules\": [{\"id\": \"quotes\","
    "   \"title\": {\"en\": \"Quotes\", \"zh_CN\": \"报价\", \"zh_TW\": \"報價\"},"
    "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-2\"],"
    "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"报价\"]}], \"action\": \"approve\","
    "   \"approver\": {\"role\": \"department_head\"}}]}", approver);
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr(GError) error = NULL;
  TactProfile *profile = tact_profile_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  return profile;
}

static void
approver_start (Fixture *f, Approver *a)
{
  a->key = tact_test_random_key ();
  a->db_path = g_build_filename (f->tmpdir, "bob.db", NULL);
  a->store = open_store (a->db_path, a->key);
  a->session = tact_session_new (f->bob, a->store, f->profile);
  tact_session_set_retry_scale (a->session, 0.02);
  tact_session_start (a->session);
}

static void
approver_stop (Approver *a)
{
  if (a->session)
    tact_session_stop (a->session);
  g_clear_object (&a->session);
  if (a->store)
    tact_store_close (a->store);
  g_clear_object (&a->store);
  g_clear_pointer (&a->key, g_bytes_unref);
  g_free (a->db_path);
}

/* Alice in a room with bob, under the approval profile. */
static TactRoom *
setup (Fixture *f, char **room_id)
{
  g_clear_object (&f->profile);
  f->profile = approval_profile (tact_matrix_client_get_user_id (f->bob));
  tact_session_set_profile (f->session, f->profile);
  return start_in_room (f, room_id);
}

static TactMessage *
request (Fixture *f, TactRoom *room, const char *text, const char *note)
{
  g_autoptr(TactSendCheck) check = tact_session_check_text (f->session, room, text);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  TactMessage *echo;

  g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_APPROVE);
  tact_session_request_approval_async (f->session, room, check, note, NULL, tact_test_store_result_cb, &result);
  echo = tact_session_request_approval_finish (f->session, tact_test_wait_result (&result, "the request"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_AWAITING_APPROVAL);
  g_assert_nonnull (strstr (tact_message_get_error (echo), "Awaiting approval"));
  g_object_unref (echo);   /* the timeline keeps it */
  return echo;
}

/* Bob accepts the approvals room's invite (as the approver would in the app). */
typedef struct { TactSession *session; char *room_id; } InviteWait;

static gboolean
invited (gpointer d)
{
  InviteWait *w = d;
  GListModel *rooms = tact_session_get_rooms (w->session);

  for (guint i = 0; i < g_list_model_get_n_items (rooms); i++)
    {
      g_autoptr(TactRoom) room = g_list_model_get_item (rooms, i);
      if (g_strcmp0 (tact_room_get_membership (room), "invite") == 0)
        {
          w->room_id = g_strdup (tact_room_get_id (room));
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
has_pending (gpointer d)
{
  return tact_approvals_get_pending_count (tact_session_get_approvals (d)) > 0;
}

/* Bob's session sees the request; returns it (borrowed) and the approvals room's id. */
static TactApprovalRequest *
bob_sees_request (Fixture *f, Approver *a, char **approvals_room)
{
  InviteWait iw = { a->session, NULL };
  GListModel *incoming;

  tact_test_wait_until (invited, &iw, "bob's invite to the approvals room");
  join (f->bob, iw.room_id);
  tact_test_wait_until (has_pending, a->session, "the request on bob's Approvals page");
  incoming = tact_approvals_get_incoming (tact_session_get_approvals (a->session));
  if (approvals_room)
    *approvals_room = g_strdup (iw.room_id);
  g_free (iw.room_id);
  {
    TactApprovalRequest *item = g_list_model_get_item (incoming, g_list_model_get_n_items (incoming) - 1);
    g_object_unref (item);   /* the model keeps it */
    g_assert_true (tact_approval_request_get_hash_ok (item));
    return item;
  }
}

static guint
count_bodies (Fixture *f, TactRoom *room, const char *body)
{
  GListModel *timeline = tact_room_get_timeline (room);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (timeline); i++)
    {
      g_autoptr(TactMessage) m = g_list_model_get_item (timeline, i);
      n += g_strcmp0 (tact_message_get_body (m), body) == 0 && tact_message_get_event_id (m) != NULL;
    }
  return n;
}

typedef struct { TactSession *session; const char *room_id; const char *body; } BodyWait;

static gboolean
body_arrived (gpointer d)
{
  BodyWait *w = d;
  TactRoom *room = tact_session_lookup_room (w->session, w->room_id);

  if (!room)
    return FALSE;
  tact_session_load_timeline (w->session, room);
  return count_bodies (NULL, room, w->body) == 1;
}

/* A decision posted by any client, as a forger (or a buggy client) could. */
static void
post_decision (TactMatrixClient *client, const char *room_id, const char *request_id,
               const char *sha256, const char *decision)
{
  g_autoptr(JsonObject) content = json_object_new ();
  g_autofree char *txn = g_uuid_string_random ();
  g_autofree char *event_id = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  json_object_set_string_member (content, "request_id", request_id);
  json_object_set_string_member (content, "sha256", sha256);
  json_object_set_string_member (content, "decision", decision);
  json_object_set_string_member (content, "comment", "");
  tact_matrix_client_send_async (client, room_id, TACT_APPROVAL_DECISION_TYPE, txn, content, NULL,
                                 tact_test_store_result_cb, &result);
  event_id = tact_matrix_client_send_finish (client, tact_test_wait_result (&result, "a decision"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
}

typedef struct { TactSession *session; const char *kind; guint n; } AuditWait;

static gboolean
audited (gpointer d)
{
  AuditWait *w = d;
  GAsyncResult *result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  guint n = 0;

  tact_session_list_audit_async (w->session, 100, NULL, tact_test_store_result_cb, &result);
  rows = tact_session_list_audit_finish (w->session, tact_test_wait_result (&result, "the audit"), NULL);
  g_clear_object (&result);
  for (guint i = 0; rows && i < rows->len; i++)
    n += g_strcmp0 (((TactStoreAuditRecord *) rows->pdata[i])->kind, w->kind) == 0;
  return n >= w->n;
}

/* Lets the main loop run a little (for "nothing happens" checks after a positive wait). */
static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

/* ---- approve: sent unchanged, once ---------------------------------------------------- */

static void
test_approve (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = setup (f, &room_id);
  TactMessage *echo = request (f, room, QUOTE, "客户在等");
  g_autofree char *txn = g_strdup (tact_message_get_txn_id (echo));
  Approver a = { 0 };
  TactApprovalRequest *item;
  g_autoptr(GError) error = NULL;
  StateWait w = { echo, TACT_SEND_STATE_SENT };

  approver_start (f, &a);
  item = bob_sees_request (f, &a, NULL);
  g_assert_cmpstr (tact_approval_request_get_text (item), ==, QUOTE);
  g_assert_cmpstr (tact_approval_request_get_note (item), ==, "客户在等");
  g_assert_cmpstr (tact_approval_request_get_requester (item), ==, tact_matrix_client_get_user_id (f->alice));
  g_assert_true (tact_approvals_decide (tact_session_get_approvals (a.session), item, "approve", "同意", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tact_approval_request_get_state (item), ==, "approved");

  tact_test_wait_until (message_in_state, &w, "the approved message to be sent");
  g_assert_cmpstr (tact_message_get_txn_id (echo), ==, txn);
  g_assert_cmpstr (tact_message_get_body (echo), ==, QUOTE);
  {
    BodyWait bw = { a.session, room_id, QUOTE };
    tact_test_wait_until (body_arrived, &bw, "the approved message at bob's");
  }
  approver_stop (&a);
}

/* ---- reject and return for edit: nothing is sent, and the message says why ------------------ */

static void
reject_or_return (Fixture *f, gboolean reject)
{
  g_autofree char *room_id = NULL;
  TactRoom *room;
  TactMessage *echo;
  Approver a = { 0 };
  TactApprovalRequest *item;
  g_autoptr(GError) error = NULL;
  AuditWait aw;

  room = setup (f, &room_id);
  echo = request (f, room, QUOTE, NULL);
  approver_start (f, &a);
  item = bob_sees_request (f, &a, NULL);
  g_assert_true (tact_approvals_decide (tact_session_get_approvals (a.session), item,
                                        reject ? "reject" : "return", "价格请删掉", &error));
  g_assert_no_error (error);
  aw = (AuditWait) { f->session, reject ? "approval-rejected" : "approval-returned", 1 };
  tact_test_wait_until (audited, &aw, "the decision at alice's");
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_AWAITING_APPROVAL);
  g_assert_nonnull (strstr (tact_message_get_error (echo), reject ? "rejected" : "returned for edit"));
  g_assert_nonnull (strstr (tact_message_get_error (echo), "价格请删掉"));
  settle ();
  g_assert_cmpuint (count_bodies (f, room, QUOTE), ==, 0);
  /* Discarded: the request is withdrawn and the message gone. */
  tact_session_discard_message (f->session, room, echo);
  approver_stop (&a);
}

static void test_reject (Fixture *f, gconstpointer data) { reject_or_return (f, TRUE); }
static void test_return (Fixture *f, gconstpointer data) { reject_or_return (f, FALSE); }

/* ---- forged sender, replayed decision, hash mismatch: ignored and audited ------------------- */

static void
test_forged_replayed_mismatched (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *approvals_room = NULL;
  g_autoptr(TactMatrixClient) carol = register_user (f, "carol");
  TactRoom *room = setup (f, &room_id);
  TactMessage *echo = request (f, room, QUOTE, NULL);
  Approver a = { 0 };
  TactApprovalRequest *item;
  g_autoptr(GError) error = NULL;
  StateWait w = { echo, TACT_SEND_STATE_SENT };
  AuditWait aw;
  GAsyncResult *result = NULL;

  approver_start (f, &a);
  item = bob_sees_request (f, &a, &approvals_room);

  /* Carol, let into the approvals room, approves: not an approver. */
  tact_matrix_client_invite_async (f->alice, approvals_room, tact_matrix_client_get_user_id (carol),
                                   NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_invite_finish (f->alice, tact_test_wait_result (&result, "invite"), &error));
  g_clear_object (&result);
  join (carol, approvals_room);
  post_decision (carol, approvals_room, tact_approval_request_get_id (item),
                 tact_approval_request_get_sha256 (item), "approve");
  /* Bob approves something else: the hash does not match. */
  post_decision (f->bob, approvals_room, tact_approval_request_get_id (item),
                 "0000000000000000000000000000000000000000000000000000000000000000", "approve");
  aw = (AuditWait) { f->session, "approval-decision-ignored", 2 };
  tact_test_wait_until (audited, &aw, "both decisions ignored");
  settle ();
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_AWAITING_APPROVAL);

  /* The real decision goes through; the same decision again is a replay, and ignored. */
  g_assert_true (tact_approvals_decide (tact_session_get_approvals (a.session), item, "approve", NULL, &error));
  tact_test_wait_until (message_in_state, &w, "the approved message");
  post_decision (f->bob, approvals_room, tact_approval_request_get_id (item),
                 tact_approval_request_get_sha256 (item), "approve");
  aw.n = 3;
  tact_test_wait_until (audited, &aw, "the replay ignored");
  settle ();
  {
    BodyWait bw = { a.session, room_id, QUOTE };
    tact_test_wait_until (body_arrived, &bw, "exactly one copy at bob's");
  }
  approver_stop (&a);
}

/* ---- expiry: an expired request is not acted on ------------------------------------------ */

static void
test_expiry (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = setup (f, &room_id);
  TactMessage *echo = request (f, room, QUOTE, NULL);
  Approver a = { 0 };
  TactApprovalRequest *item;
  g_autoptr(GError) error = NULL;
  AuditWait aw = { f->session, "approval-decision-ignored", 1 };

  /* 73 hours later on alice's clock (the profile's default expiry is 72). */
  tact_approvals_check_expiry_at (tact_session_get_approvals (f->session),
                                  g_get_real_time () / 1000 + 73 * 3600 * 1000);
  g_assert_nonnull (strstr (tact_message_get_error (echo), "expired"));
  approver_start (f, &a);
  item = bob_sees_request (f, &a, NULL);
  g_assert_true (tact_approvals_decide (tact_session_get_approvals (a.session), item, "approve", NULL, &error));
  tact_test_wait_until (audited, &aw, "the late approval ignored");
  settle ();
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_AWAITING_APPROVAL);
  g_assert_cmpuint (count_bodies (f, room, QUOTE), ==, 0);
  approver_stop (&a);
}

/* ---- the requester restarted while waiting; the approver decided while it was off ----------- */

typedef struct { TactRoom *room; const char *txn_id; TactSendState state; } TxnWait;
static gboolean
txn_in_state (gpointer d)
{
  TxnWait *w = d;
  TactMessage *m = tact_room_find_by_txn (w->room, w->txn_id);
  return m && tact_message_get_send_state (m) == w->state;
}

static void
test_requester_restarted (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = setup (f, &room_id);
  TactMessage *echo = request (f, room, QUOTE, NULL);
  g_autofree char *txn = g_strdup (tact_message_get_txn_id (echo));
  Approver a = { 0 };
  TactApprovalRequest *item;
  g_autoptr(GError) error = NULL;
  TxnWait tw;

  /* Bob sees the request; alice's app stops before he decides. */
  approver_start (f, &a);
  item = bob_sees_request (f, &a, NULL);
  restart_session (f);   /* stopped, and not started yet */
  g_assert_true (tact_approvals_decide (tact_session_get_approvals (a.session), item, "approve", NULL, &error));
  g_assert_no_error (error);
  {
    /* The decision is on the server before alice comes back. */
    GAsyncResult *result = NULL;
    tact_session_wait_outbox_idle_async (a.session, NULL, tact_test_store_result_cb, &result);
    g_assert_true (tact_session_wait_outbox_idle_finish (a.session, tact_test_wait_result (&result, "bob's decision posted"), NULL));
    g_clear_object (&result);
  }

  /* Alice comes back: the awaiting message, its request, then the decision from /sync. */
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    tact_test_wait_until (room_joined, &rw, "alice's room from the store");
  }
  room = tact_session_lookup_room (f->session, room_id);
  tact_session_load_timeline (f->session, room);
  tw = (TxnWait) { room, txn, TACT_SEND_STATE_SENT };
  tact_test_wait_until (txn_in_state, &tw, "the approved message sent after the restart");
  {
    BodyWait bw = { a.session, room_id, QUOTE };
    tact_test_wait_until (body_arrived, &bw, "the message at bob's");
  }
  approver_stop (&a);
}

/* ---- A file waits for approval; the approver opens it (checked against its hash) ------------- */

static void
test_file (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *path = g_build_filename (f->tmpdir, "价格表.txt", NULL);
  const char *body = "报价：A 型 1200 元，B 型 980 元。\n";
  TactRoom *room = setup (f, &room_id);
  g_autoptr(GFile) file = NULL;
  g_autoptr(TactSendCheck) check = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) opened = NULL;
  GAsyncResult *result = NULL;
  TactMessage *echo;
  Approver a = { 0 };
  TactApprovalRequest *item;
  StateWait w;

  g_assert_true (g_file_set_contents (path, body, -1, NULL));
  file = g_file_new_for_path (path);
  tact_session_check_file_async (f->session, room, file, NULL, NULL, tact_test_store_result_cb, &result);
  check = tact_session_check_file_finish (f->session, tact_test_wait_result (&result, "the file check"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (tact_send_check_get_verdict (check)->action, ==, TACT_ACTION_APPROVE);
  tact_session_request_approval_async (f->session, room, check, "价格表", NULL, tact_test_store_result_cb, &result);
  echo = tact_session_request_approval_finish (f->session, tact_test_wait_result (&result, "the request"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_object_unref (echo);
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_AWAITING_APPROVAL);
  g_assert_true (tact_message_is_file (echo));

  approver_start (f, &a);
  item = bob_sees_request (f, &a, NULL);
  g_assert_cmpstr (tact_approval_request_get_file_name (item), ==, "价格表.txt");
  g_assert_cmpint (tact_approval_request_get_file_size (item), ==, (gint64) strlen (body));
  tact_approvals_download_file_async (tact_session_get_approvals (a.session), item, NULL, tact_test_store_result_cb, &result);
  opened = tact_approvals_download_file_finish (tact_session_get_approvals (a.session),
                                                tact_test_wait_result (&result, "the file for the approver"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpmem (g_bytes_get_data (opened, NULL), g_bytes_get_size (opened), body, strlen (body));

  g_assert_true (tact_approvals_decide (tact_session_get_approvals (a.session), item, "approve", NULL, &error));
  g_assert_no_error (error);
  w = (StateWait) { echo, TACT_SEND_STATE_SENT };
  tact_test_wait_until (message_in_state, &w, "the approved file to be sent");
  g_test_message ("sent: %s %s %s", tact_message_get_body (echo), tact_message_get_msgtype (echo), tact_message_get_media_url (echo));
  g_assert_nonnull (tact_message_get_media_url (echo));
  {
    BodyWait bw = { a.session, room_id, "价格表.txt" };
    tact_test_wait_until (body_arrived, &bw, "the file message at bob's");
  }
  approver_stop (&a);
}

/* ---- The sandbox's scripted 王芳 decides, with the shipped profile -------------------------- */

static void
test_sandbox_wang_fang (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon_id = tact_sandbox_server_dup_room_id (f->sandbox, "Project Falcon");
  RoomWait rw = { f->session, falcon_id };
  struct { const char *text; const char *note; TactSendState state; const char *says; } cases[] = {
    { "本周五前给客户正式答复", "请尽快", TACT_SEND_STATE_SENT, NULL },
    { "付款条件：货到30天", "底价可以再谈", TACT_SEND_STATE_AWAITING_APPROVAL, "rejected" },
    { "下周一前给客户正式答复", "请修改后再看", TACT_SEND_STATE_AWAITING_APPROVAL, "returned for edit" },
  };
  TactRoom *falcon;

  tact_session_start (f->session);
  tact_test_wait_until (room_joined, &rw, "Project Falcon");
  tact_test_wait_until (members_known, &rw, "its members");
  falcon = tact_session_lookup_room (f->session, falcon_id);
  tact_session_load_timeline (f->session, falcon);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TactMessage *echo = request (f, falcon, cases[i].text, cases[i].note);

      g_assert_nonnull (strstr (tact_message_get_error (echo), "王芳"));
      if (cases[i].state == TACT_SEND_STATE_SENT)
        {
          StateWait w = { echo, TACT_SEND_STATE_SENT };
          tact_test_wait_until (message_in_state, &w, "王芳's approval and the send");
        }
      else
        {
          AuditWait aw = { f->session, g_str_has_prefix (cases[i].says, "rejected") ? "approval-rejected"
                                                                                    : "approval-returned", 1 };
          tact_test_wait_until (audited, &aw, "王芳's decision");
          g_assert_nonnull (strstr (tact_message_get_error (echo), cases[i].says));
        }
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn, data) g_test_add (path, Fixture, data, fixture_setup, fn, fixture_teardown)
  ADD ("/integration/approval/approve-approver-offline-then-online", test_approve, EXTERNAL_OK);
  ADD ("/integration/approval/reject", test_reject, EXTERNAL_OK);
  ADD ("/integration/approval/return-for-edit", test_return, EXTERNAL_OK);
  ADD ("/integration/approval/forged-replayed-mismatched", test_forged_replayed_mismatched, EXTERNAL_OK);
  ADD ("/integration/approval/expiry", test_expiry, EXTERNAL_OK);
  ADD ("/integration/approval/requester-restarted", test_requester_restarted, EXTERNAL_OK);
  ADD ("/integration/approval/file", test_file, EXTERNAL_OK);
  /* The sandbox's scripted 王芳 (only there). */
  ADD ("/integration/approval/sandbox-wang-fang", test_sandbox_wang_fang, SEEDED);
  return g_test_run ();
}
