/* test-integration.c: the client stack (matrix + store + policy + session) against a real
 * homeserver over loopback: the built-in sandbox by default, or any homeserver given by
 * TACT_TEST_HOMESERVER=URL (users are registered through /register with m.login.dummy).
 *
 * Scenario: two users register; A signs in with a password on a new device, creates a room and
 * invites B; B joins; A sends a plain message and a guarded one (with a justification); B
 * receives both; A "restarts" (session and store closed and reopened with the same key) with
 * no homeserver reachable and finds the history in the encrypted store. */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "sandbox/tact-sandbox.h"
#include "session/tact-session.h"
#include "tact-test-util.h"

typedef struct {
  TactSandboxServer *sandbox;   /* NULL when TACT_TEST_HOMESERVER is set */
  char              *homeserver;
  char              *tmpdir;
} Fixture;

/* ---- Set-up ---------------------------------------------------------------------- */

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  const char *external = g_getenv ("TACT_TEST_HOMESERVER");
  g_autoptr(GError) error = NULL;

  fixture->tmpdir = tact_test_tmpdir_new ("tact-integration-XXXXXX");
  if (external && *external)
    {
      fixture->homeserver = g_strdup (external);
      return;
    }
  fixture->sandbox = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  tact_sandbox_server_set_reply_delay (fixture->sandbox, 0);
  g_assert_true (tact_sandbox_server_listen (fixture->sandbox, 0, &error));
  g_assert_no_error (error);
  fixture->homeserver = tact_sandbox_server_dup_base_url (fixture->sandbox);
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  if (fixture->sandbox)
    tact_sandbox_server_stop (fixture->sandbox);
  g_clear_object (&fixture->sandbox);
  g_free (fixture->homeserver);
  tact_test_tmpdir_remove (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

#define PASSWORD "correct horse battery staple"

static TactMatrixClient *
register_user (Fixture *fixture, const char *prefix, char **username_out)
{
  g_autoptr(TactMatrixClient) client = tact_matrix_client_new (fixture->homeserver);
  g_autofree char *username = g_strdup_printf ("%s%08x", prefix, g_random_int ());
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  tact_matrix_client_register_async (client, username, PASSWORD, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_register_finish (client, tact_test_wait_result (&result, "register"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_nonnull (tact_matrix_client_get_user_id (client));
  g_assert_nonnull (tact_matrix_client_get_access_token (client));
  if (username_out != NULL)
    *username_out = g_steal_pointer (&username);
  return g_steal_pointer (&client);
}

/* A person signs in with m.login.password on a new device, as the app does. */
static TactMatrixClient *
login_user (Fixture *fixture, const char *username, const char *expected_user_id)
{
  g_autoptr(TactMatrixClient) client = tact_matrix_client_new (fixture->homeserver);
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  tact_matrix_client_login_async (client, username, PASSWORD, NULL, "Tact integration test",
                                  NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_login_finish (client, tact_test_wait_result (&result, "login"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpstr (tact_matrix_client_get_user_id (client), ==, expected_user_id);
  g_assert_nonnull (tact_matrix_client_get_device_id (client));
  g_assert_nonnull (tact_matrix_client_get_access_token (client));
  return g_steal_pointer (&client);
}

/* A homeserver URL nothing listens on: a port bound and closed again. */
static char *
dead_homeserver_url (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

static TactStore *
open_store (const char *path, GBytes *key)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  TactStore *store;

  tact_store_open_async (path, key, NULL, tact_test_store_result_cb, &result);
  store = tact_store_open_finish (tact_test_wait_result (&result, "store open"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return store;
}

/* Reads one text value straight from the encrypted database (the store must be closed). */
static char *
query_text (const char *path, GBytes *key, const char *sql)
{
  g_autofree char *hex = NULL;
  g_autofree char *pragma = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (key, &len);
  GString *h = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (h, "%02x", bytes[i]);
  hex = g_string_free (h, FALSE);
  pragma = g_strdup_printf ("PRAGMA key = \"x'%s'\"; PRAGMA cipher_page_size = 4096;", hex);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, pragma, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0))
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

typedef struct {
  TactSession *session;
  const char  *room_id;
} RoomWait;

static gboolean
members_complete (gpointer data)
{
  RoomWait *w = data;
  TactRoom *room = tact_session_lookup_room (w->session, w->room_id);
  return room && tact_room_get_members_complete (room);
}

static gboolean
room_joined (gpointer data)
{
  RoomWait *wait = data;
  TactRoom *room = tact_session_lookup_room (wait->session, wait->room_id);
  return room && g_strcmp0 (tact_room_get_membership (room), "join") == 0;
}

typedef struct {
  TactMatrixClient *client;
  char             *since;
  const char       *room_id;
  GPtrArray        *bodies;
  GAsyncResult     *result;
  gboolean          in_flight;
} Receiver;

/* B's side: plain /sync calls through the client library, collecting the room's bodies. */
static void
receiver_poll (Receiver *receiver)
{
  g_autoptr(TactSyncResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  tact_matrix_client_sync_async (receiver->client, receiver->since, NULL, receiver->since ? 5000 : 0,
                                 NULL, tact_test_store_result_cb, &receiver->result);
  response = tact_matrix_client_sync_finish (receiver->client, tact_test_wait_result (&receiver->result, "sync"), &error);
  g_assert_no_error (error);
  g_clear_object (&receiver->result);
  g_free (receiver->since);
  receiver->since = g_strdup (response->next_batch);
  for (guint i = 0; i < response->joined->len; i++)
    {
      TactSyncRoom *room = g_ptr_array_index (response->joined, i);
      if (g_strcmp0 (room->room_id, receiver->room_id) != 0)
        continue;
      for (guint j = 0; j < room->timeline->len; j++)
        {
          TactEvent *event = g_ptr_array_index (room->timeline, j);
          if (g_strcmp0 (event->type, "m.room.message") == 0 && tact_event_get_body (event))
            g_ptr_array_add (receiver->bodies, g_strdup (tact_event_get_body (event)));
        }
    }
}

static gboolean
has_body (GPtrArray *bodies, const char *body)
{
  for (guint i = 0; i < bodies->len; i++)
    if (g_strcmp0 (g_ptr_array_index (bodies, i), body) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
outbox_idle (gpointer data)
{
  return *(gboolean *) data;
}

static void
idle_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_assert_true (tact_session_wait_outbox_idle_finish (TACT_SESSION (source), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static void
wait_outbox_idle (TactSession *session)
{
  gboolean idle = FALSE;

  tact_session_wait_outbox_idle_async (session, NULL, idle_cb, &idle);
  tact_test_wait_until (outbox_idle, &idle, "the outbox to drain");
}

typedef struct {
  GListModel *timeline;
  const char *body;
  TactSendState state;
} TimelineWait;

static TactMessage *
find_message (GListModel *timeline, const char *body)
{
  for (guint i = 0; i < g_list_model_get_n_items (timeline); i++)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (timeline, i);
      if (g_strcmp0 (tact_message_get_body (message), body) == 0)
        return message;   /* the model keeps it alive */
    }
  return NULL;
}

static gboolean
timeline_has (gpointer data)
{
  TimelineWait *wait = data;
  TactMessage *message = find_message (wait->timeline, wait->body);
  return message && tact_message_get_send_state (message) == wait->state;
}

static void
test_send_receive_restart (Fixture *fixture, gconstpointer data)
{
  g_autofree char *alice_name = NULL;
  g_autoptr(TactMatrixClient) registered = register_user (fixture, "alice", &alice_name);
  g_autoptr(TactMatrixClient) alice = login_user (fixture, alice_name,
                                                  tact_matrix_client_get_user_id (registered));
  g_autoptr(TactMatrixClient) bob = register_user (fixture, "bob", NULL);
  g_autoptr(TactMatrixClient) offline = NULL;
  g_autofree char *dead_url = dead_homeserver_url ();
  g_autofree char *db_path = g_build_filename (fixture->tmpdir, "alice", "history.db", NULL);
  g_autoptr(GBytes) key = tact_test_random_key ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_default (&error);
  g_autoptr(TactStore) store = NULL;
  g_autoptr(TactSession) session = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *joined_id = NULL;
  const char *invite[] = { tact_matrix_client_get_user_id (bob), NULL };
  GAsyncResult *result = NULL;
  RoomWait room_wait = { 0 };
  Receiver receiver = { 0 };
  TactRoom *room;
  TactMessage *echo;
  g_autofree char *plain = g_strdup_printf ("Hello from the integration test %08x", g_random_int ());
  const char *guarded = "这份机密报价单请查收";   /* PUB-1: needs a justification */

  g_assert_no_error (error);
  store = open_store (db_path, key);
  session = tact_session_new (alice, store, profile);
  tact_session_start (session);

  /* A creates a room and invites B. */
  tact_session_create_room_async (session, "Integration", invite, NULL, tact_test_store_result_cb, &result);
  room_id = tact_session_create_room_finish (session, tact_test_wait_result (&result, "createRoom"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (g_str_has_prefix (room_id, "!"));

  /* B joins. */
  tact_matrix_client_join_async (bob, room_id, NULL, tact_test_store_result_cb, &result);
  joined_id = tact_matrix_client_join_finish (bob, tact_test_wait_result (&result, "join"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpstr (joined_id, ==, room_id);

  room_wait.session = session;
  room_wait.room_id = room_id;
  tact_test_wait_until (room_joined, &room_wait, "the room to appear in A's session");
  /* Until the whole member list is known the guard assumes someone from outside may be there. */
  tact_test_wait_until (members_complete, &room_wait, "the room's member list");
  room = tact_session_lookup_room (session, room_id);
  tact_session_load_timeline (session, room);

  /* A guarded message is refused without a justification, and nothing is sent... */
  g_assert_null (tact_session_send_text (session, room, guarded, NULL, &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_JUSTIFICATION);
  g_clear_error (&error);

  /* ...and goes with one. */
  echo = tact_session_send_text (session, room, plain, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (echo);
  g_assert_nonnull (tact_message_get_txn_id (echo));
  echo = tact_session_send_text (session, room, guarded, "客户已签保密协议 (NDA signed)", &error);
  g_assert_no_error (error);
  g_assert_nonnull (echo);
  wait_outbox_idle (session);

  {
    TimelineWait wait = { tact_room_get_timeline (room), guarded, TACT_SEND_STATE_SENT };
    tact_test_wait_until (timeline_has, &wait, "the guarded message to show as sent");
    g_assert_nonnull (tact_message_get_event_id (find_message (wait.timeline, guarded)));
  }

  /* B receives both, in order, exactly once. */
  receiver.client = bob;
  receiver.room_id = room_id;
  receiver.bodies = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < 10 && !(has_body (receiver.bodies, plain) && has_body (receiver.bodies, guarded)); i++)
    receiver_poll (&receiver);
  g_assert_true (has_body (receiver.bodies, plain));
  g_assert_true (has_body (receiver.bodies, guarded));
  {
    guint plain_at = G_MAXUINT, guarded_at = G_MAXUINT, n_plain = 0;
    for (guint i = 0; i < receiver.bodies->len; i++)
      {
        if (g_str_equal (g_ptr_array_index (receiver.bodies, i), plain))
          plain_at = i, n_plain++;
        if (g_str_equal (g_ptr_array_index (receiver.bodies, i), guarded))
          guarded_at = i;
      }
    g_assert_cmpuint (n_plain, ==, 1);
    g_assert_cmpuint (plain_at, <, guarded_at);
  }

  /* Restart: everything closed; the history comes back from the encrypted store. */
  tact_session_stop (session);
  g_clear_object (&session);
  tact_store_close (store);
  g_clear_object (&store);

  /* The justification is on record, with the guard's verdict. */
  {
    g_autofree char *reason = query_text (db_path, key, "SELECT justification FROM audit ORDER BY id DESC LIMIT 1");
    g_autofree char *verdict = query_text (db_path, key, "SELECT verdict FROM outbox WHERE justification IS NOT NULL");
    g_autofree char *rules = query_text (db_path, key, "SELECT rule_ids FROM audit ORDER BY id DESC LIMIT 1");
    g_assert_cmpstr (reason, ==, "客户已签保密协议 (NDA signed)");
    g_assert_cmpstr (verdict, ==, "justify");
    g_assert_nonnull (rules);
    g_assert_nonnull (strstr (rules, "pub1-secrets"));   /* the rule that asked for the reason */
  }

  /* The restarted session cannot reach any homeserver: what it shows comes from the store. */
  offline = tact_matrix_client_new (dead_url);
  tact_matrix_client_set_credentials (offline, tact_matrix_client_get_user_id (alice),
                                      tact_matrix_client_get_device_id (alice),
                                      tact_matrix_client_get_access_token (alice));
  store = open_store (db_path, key);
  session = tact_session_new (offline, store, profile);
  tact_session_start (session);
  room_wait.session = session;
  tact_test_wait_until (room_joined, &room_wait, "the stored room after the restart");
  room = tact_session_lookup_room (session, room_id);
  tact_session_load_timeline (session, room);
  {
    TimelineWait wait = { tact_room_get_timeline (room), plain, TACT_SEND_STATE_SENT };
    tact_test_wait_until (timeline_has, &wait, "the history after the restart");
    wait.body = guarded;
    tact_test_wait_until (timeline_has, &wait, "the guarded message after the restart");
  }

  /* Exactly once on the server, too (when we can ask it). */
  if (fixture->sandbox)
    g_assert_cmpuint (tact_sandbox_server_count_events (fixture->sandbox, room_id,
                                                        tact_matrix_client_get_user_id (alice),
                                                        "m.room.message"), ==, 2);

  tact_session_stop (session);
  tact_store_close (store);
  g_ptr_array_unref (receiver.bodies);
  g_free (receiver.since);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/integration/send-receive-restart", Fixture, NULL, fixture_setup,
              test_send_receive_restart, fixture_teardown);
  return g_test_run ();
}
