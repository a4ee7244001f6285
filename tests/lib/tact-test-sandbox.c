/* tact-test-sandbox.c: the session tests' shared fixture and helpers. */
#include "tact-test-sandbox.h"
#include "tact-test-profile.h"

const char SEEDED[] = "seeded";   /* fixture data: a sandbox with the demo world */
const char EXTERNAL_OK[] = "external-ok";

TactMatrixClient *
register_user (Fixture *f, const char *prefix)
{
  g_autoptr(TactMatrixClient) client = tact_matrix_client_new (f->homeserver);
  g_autofree char *username = g_strdup_printf ("%s%08x", prefix, g_random_int ());
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  tact_matrix_client_register_async (client, username, "correct horse battery staple", NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_register_finish (client, tact_test_wait_result (&result, "register"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  return g_steal_pointer (&client);
}

TactMatrixClient *
login_user (Fixture *f, const char *user)
{
  g_autoptr(TactMatrixClient) client = tact_matrix_client_new (f->homeserver);
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  tact_matrix_client_login_async (client, user, TACT_SANDBOX_PASSWORD, NULL, "test", NULL,
                                  tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_login_finish (client, tact_test_wait_result (&result, "login"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  return g_steal_pointer (&client);
}

TactStore *
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

void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  const char *external = g_getenv ("TACT_TEST_HOMESERVER");

  f->tmpdir = tact_test_tmpdir_new ("tact-session-XXXXXX");
  if (data == EXTERNAL_OK && external && *external)
    f->homeserver = g_strdup (external);   /* a real homeserver: no sandbox */
  else
    {
      f->sandbox = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
      tact_sandbox_server_set_reply_delay (f->sandbox, 0);
      if (data == SEEDED)
        tact_sandbox_server_seed_demo (f->sandbox);   /* before any user is registered */
      g_assert_true (tact_sandbox_server_listen (f->sandbox, 0, &error));
      f->homeserver = tact_sandbox_server_dup_base_url (f->sandbox);
    }
  /* Seeded: alice is @me, in Project Falcon with the external @zhang:partner.test. */
  f->alice = data == SEEDED ? login_user (f, TACT_SANDBOX_USER) : register_user (f, "alice");
  f->bob = register_user (f, "bob");
  f->key = tact_test_random_key ();
  f->db_path = g_build_filename (f->tmpdir, "history.db", NULL);
  f->store = open_store (f->db_path, f->key);
  f->profile = tact_test_profile_words_only ();
  f->session = tact_session_new (f->alice, f->store, f->profile);
  tact_session_set_retry_scale (f->session, 0.02);
}

void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tact_session_stop (f->session);
  g_clear_object (&f->session);
  tact_store_close (f->store);
  g_clear_object (&f->store);
  g_clear_object (&f->profile);
  if (f->sandbox)
    tact_sandbox_server_stop (f->sandbox);
  g_clear_object (&f->sandbox);
  g_clear_object (&f->alice);
  g_clear_object (&f->bob);
  g_clear_pointer (&f->key, g_bytes_unref);
  g_free (f->db_path);
  g_free (f->homeserver);
  tact_test_tmpdir_remove (f->tmpdir);
  g_free (f->tmpdir);
}

/* A raw client-server request, for the few calls the client library does not offer. */
guint
raw_request (Fixture *f, TactMatrixClient *who, const char *method, const char *path, const char *body)
{
  g_autoptr(SoupSession) soup = soup_session_new ();
  g_autofree char *url = g_strconcat (f->homeserver, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", tact_matrix_client_get_access_token (who));
  g_autoptr(GBytes) reply = NULL;
  GAsyncResult *result = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  soup_session_send_and_read_async (soup, msg, G_PRIORITY_DEFAULT, NULL, tact_test_store_result_cb, &result);
  reply = soup_session_send_and_read_finish (soup, tact_test_wait_result (&result, "raw request"), NULL);
  g_clear_object (&result);
  return soup_message_get_status (msg);
}


gboolean
room_joined (gpointer data)
{
  RoomWait *w = data;
  TactRoom *room = tact_session_lookup_room (w->session, w->room_id);
  return room && g_strcmp0 (tact_room_get_membership (room), "join") == 0;
}

char *
create_room (TactMatrixClient *client, const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  char *room_id;

  tact_matrix_client_create_room_async (client, json_node_get_object (node), NULL, tact_test_store_result_cb, &result);
  room_id = tact_matrix_client_create_room_finish (client, tact_test_wait_result (&result, "createRoom"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return room_id;
}

void
join (TactMatrixClient *client, const char *room_id)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *joined = NULL;

  tact_matrix_client_join_async (client, room_id, NULL, tact_test_store_result_cb, &result);
  joined = tact_matrix_client_join_finish (client, tact_test_wait_result (&result, "join"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
}

void
client_send (TactMatrixClient *client, const char *room_id, const char *text)
{
  g_autoptr(JsonObject) content = json_object_new ();
  g_autofree char *txn = g_uuid_string_random ();
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *event_id = NULL;

  json_object_set_string_member (content, "msgtype", "m.text");
  json_object_set_string_member (content, "body", text);
  tact_matrix_client_send_async (client, room_id, "m.room.message", txn, content, NULL, tact_test_store_result_cb, &result);
  event_id = tact_matrix_client_send_finish (client, tact_test_wait_result (&result, "send"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
}

/* Alice's session in a room she created (bob invited and joined). */
gboolean
members_known (gpointer data)
{
  RoomWait *w = data;
  TactRoom *room = tact_session_lookup_room (w->session, w->room_id);
  return room && tact_room_get_members_complete (room);
}

TactRoom *
start_in_room (Fixture *f, char **room_id_out)
{
  g_autofree char *json = g_strdup_printf ("{\"name\":\"T\",\"preset\":\"private_chat\",\"invite\":[\"%s\"]}",
                                           tact_matrix_client_get_user_id (f->bob));
  char *room_id = create_room (f->alice, json);
  RoomWait w = { f->session, room_id };

  join (f->bob, room_id);
  tact_session_start (f->session);
  tact_test_wait_until (room_joined, &w, "the room in the session");
  tact_test_wait_until (members_known, &w, "the room's member list");
  *room_id_out = room_id;
  return tact_session_lookup_room (f->session, room_id);
}


void
restart_session (Fixture *f)
{
  tact_session_stop (f->session);
  g_clear_object (&f->session);
  tact_store_close (f->store);
  g_clear_object (&f->store);
  f->store = open_store (f->db_path, f->key);
  f->session = tact_session_new (f->alice, f->store, f->profile);
  tact_session_set_retry_scale (f->session, 0.02);
}

guint
count_room_events (Fixture *f, TactMatrixClient *reader, const char *room_id, const char *type)
{
  GAsyncResult *result = NULL;
  g_autoptr(TactMessagesPage) page = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (f->sandbox)
    return tact_sandbox_server_count_events (f->sandbox, room_id, NULL, type);
  /* Any homeserver: the room's newest events, as a member reads them. */
  tact_matrix_client_get_messages_async (reader, room_id, NULL, 'b', 1000, NULL,
                                         tact_test_store_result_cb, &result);
  page = tact_matrix_client_get_messages_finish (reader, tact_test_wait_result (&result, "/messages"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  for (guint i = 0; i < page->chunk->len; i++)
    n += g_strcmp0 (((TactEvent *) g_ptr_array_index (page->chunk, i))->type, type) == 0;
  return n;
}

guint
supervision_count (TactSession *session, const char *sender, const char *rule_id,
                   const char *action, const char *kind)
{
  GAsyncResult *result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  guint n = 0;

  tact_session_list_supervision_async (session, sender, rule_id, action, NULL, tact_test_store_result_cb, &result);
  rows = tact_session_list_supervision_finish (session, tact_test_wait_result (&result, "the supervision room"), NULL);
  g_clear_object (&result);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    n += kind == NULL || g_strcmp0 (((TactStoreAuditRecord *) rows->pdata[i])->kind, kind) == 0;
  return n;
}

TactSession *
bob_session_start (Fixture *f, TactProfile *profile, TactStore **store_out)
{
  g_autoptr(GBytes) key = tact_test_random_key ();
  g_autofree char *path = g_build_filename (f->tmpdir, "bob.db", NULL);
  TactSession *session;

  *store_out = open_store (path, key);
  session = tact_session_new (f->bob, *store_out, profile);
  tact_session_start (session);
  return session;
}
