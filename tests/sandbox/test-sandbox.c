/* test-sandbox.c: the sandbox homeserver, driven over loopback with libsoup + json-glib, and
 * with the real client (src/matrix) where a workflow is tested (approvals).
 *
 * Responses are compared with the Synapse 1.67 captures in $TACT_FIXTURES_DIR: the status,
 * the errcode (and error text where Synapse's is deterministic) and the shape (the fixture's
 * keys exist with the same JSON types). Nothing sleeps: every wait iterates the main context
 * until the awaited request has completed or the server reached the awaited state.
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "matrix/tact-matrix.h"
#include "sandbox/tact-sandbox.h"
#include "tact-test-util.h"

#define ME "@me:corp.test"

/* ---- Fixture ------------------------------------------------------------------------------- */

typedef struct {
  TactSandboxServer *server;
  SoupSession       *session;
  char              *base;
  char              *token;     /* @me's access token */
} Fixture;

static void
fixture_start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tact_sandbox_server_listen (f->server, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tact_sandbox_server_get_port (f->server), >, 0);
  f->base = tact_sandbox_server_dup_base_url (f->server);
  f->session = soup_session_new ();
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->server = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  tact_sandbox_server_seed_demo (f->server);
  tact_sandbox_server_set_reply_delay (f->server, 0);
  fixture_start (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->session);
  if (f->server != NULL)
    tact_sandbox_server_stop (f->server);
  g_clear_object (&f->server);
  /* Let libsoup finish closing connections. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->base, g_free);
  g_clear_pointer (&f->token, g_free);
}

/* ---- HTTP calls ------------------------------------------------------------------------------ */

typedef struct {
  SoupMessage *msg;
  GBytes      *body;
  GError      *error;
  JsonNode    *json;
  gboolean     done;
  guint        order;          /* completion order, across calls */
} Call;

static guint completion_counter;

static void
call_free (Call *c)
{
  g_clear_object (&c->msg);
  g_clear_pointer (&c->body, g_bytes_unref);
  g_clear_error (&c->error);
  g_clear_pointer (&c->json, json_node_unref);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static void
call_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *c = user_data;

  c->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &c->error);
  c->done = TRUE;
  c->order = ++completion_counter;
}

static Call *
call_start_with (Fixture *f, SoupSession *session, const char *method, const char *path,
                 const char *token, const char *body, const char *content_type)
{
  Call *c = g_new0 (Call, 1);
  g_autofree char *url = g_strconcat (f->base, path, NULL);

  c->msg = soup_message_new (method, url);
  g_assert_nonnull (c->msg);
  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (c->msg), "Authorization",
                                    auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (c->msg, content_type ? content_type
                                                                     : "application/json", bytes);
    }
  soup_session_send_and_read_async (session, c->msg, G_PRIORITY_DEFAULT, NULL, call_done_cb, c);
  return c;
}

static Call *
call_start (Fixture *f, const char *method, const char *path, const char *token, const char *body)
{
  return call_start_with (f, f->session, method, path, token, body, NULL);
}

static gboolean
call_done (gpointer c)
{
  return ((Call *) c)->done;
}

static void
call_wait (Call *c)
{
  tact_test_wait_until (call_done, c, "an HTTP call");
}

static Call *
call (Fixture *f, const char *method, const char *path, const char *token, const char *body)
{
  Call *c = call_start (f, method, path, token, body);

  call_wait (c);
  g_assert_no_error (c->error);
  return c;
}

static guint
call_status (Call *c)
{
  return soup_message_get_status (c->msg);
}

static JsonNode *
call_json (Call *c)
{
  if (c->json == NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      gsize len = 0;
      const char *data = g_bytes_get_data (c->body, &len);

      json_parser_load_from_data (parser, data, (gssize) len, &error);
      g_assert_no_error (error);
      c->json = json_node_copy (json_parser_get_root (parser));
    }
  return c->json;
}

static JsonObject *
call_object (Call *c)
{
  JsonNode *node = call_json (c);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static char *
esc (const char *segment)
{
  return g_uri_escape_string (segment, NULL, TRUE);
}

/* Logs in and returns the access token. */
static char *
login (Fixture *f, const char *user, const char *device_id)
{
  g_autofree char *body = NULL;
  g_autoptr(Call) c = NULL;

  body = device_id != NULL
    ? g_strdup_printf ("{\"type\":\"m.login.password\",\"identifier\":{\"type\":\"m.id.user\","
                       "\"user\":\"%s\"},\"password\":\"%s\",\"device_id\":\"%s\"}",
                       user, TACT_SANDBOX_PASSWORD, device_id)
    : g_strdup_printf ("{\"type\":\"m.login.password\",\"identifier\":{\"type\":\"m.id.user\","
                       "\"user\":\"%s\"},\"password\":\"%s\"}", user, TACT_SANDBOX_PASSWORD);
  c = call (f, "POST", "/_matrix/client/v3/login", NULL, body);
  g_assert_cmpuint (call_status (c), ==, 200);
  return g_strdup (json_object_get_string_member (call_object (c), "access_token"));
}

static void
login_me (Fixture *f)
{
  f->token = login (f, TACT_SANDBOX_USER, NULL);
}

/* ---- Fixture files --------------------------------------------------------------------------- */

static JsonObject *
load_fixture (const char *name)
{
  static GHashTable *cache;
  const char *dir = g_getenv ("TACT_FIXTURES_DIR");
  g_autofree char *path = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) json_node_unref);
  if ((root = g_hash_table_lookup (cache, name)) != NULL)
    return json_node_get_object (root);
  g_assert_nonnull (dir);
  path = g_build_filename (dir, "synapse-1.67", name, NULL);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_copy (json_parser_get_root (parser));
  g_hash_table_insert (cache, g_strdup (name), root);
  return json_node_get_object (root);
}

static JsonNode *
fixture_response (const char *name)
{
  return json_object_get_member (load_fixture (name), "response");
}

static const char *
node_kind (JsonNode *n)
{
  switch (json_node_get_node_type (n))
    {
    case JSON_NODE_OBJECT: return "object";
    case JSON_NODE_ARRAY:  return "array";
    case JSON_NODE_NULL:   return "null";
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (n))
        {
        case G_TYPE_STRING:  return "string";
        case G_TYPE_BOOLEAN: return "boolean";
        default:             return "number";
        }
    }
}

/* Every key of expected exists in actual with the same JSON type, recursively for objects
 * (arrays: their first elements, when both have one). */
static void
assert_same_shape (JsonNode *actual, JsonNode *expected, const char *where)
{
  if (g_strcmp0 (node_kind (actual), node_kind (expected)) != 0)
    g_error ("%s: type %s, the fixture has %s", where, node_kind (actual), node_kind (expected));
  if (JSON_NODE_HOLDS_OBJECT (expected))
    {
      g_autoptr(GList) members = json_object_get_members (json_node_get_object (expected));
      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *sub = g_strdup_printf ("%s.%s", where, (char *) l->data);
          JsonNode *a = json_object_get_member (json_node_get_object (actual), l->data);

          /* Ids and user-chosen keys differ between captures and the sandbox, event content
           * and unsigned depend on the event, and unstable features are Synapse's own. */
          if (((char *) l->data)[0] == '!' || ((char *) l->data)[0] == '@' ||
              ((char *) l->data)[0] == '$' || g_str_equal (l->data, "content") ||
              g_str_equal (l->data, "prev_content") || g_str_equal (l->data, "unsigned") ||
              g_str_equal (l->data, "unstable_features"))
            continue;
          if (a == NULL)
            g_error ("%s is missing", sub);
          assert_same_shape (a, json_object_get_member (json_node_get_object (expected), l->data),
                             sub);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (expected) &&
           json_array_get_length (json_node_get_array (expected)) > 0 &&
           json_array_get_length (json_node_get_array (actual)) > 0)
    assert_same_shape (json_array_get_element (json_node_get_array (actual), 0),
                       json_array_get_element (json_node_get_array (expected), 0), where);
}

/* The status equals the fixture's and the shape matches. */
static void
assert_like_fixture (Call *c, const char *name)
{
  JsonObject *fx = load_fixture (name);

  g_assert_cmpint (call_status (c), ==, json_object_get_int_member (fx, "status"));
  assert_same_shape (call_json (c), json_object_get_member (fx, "response"), name);
}

/* The same status, errcode and error text as the fixture. */
static void
assert_error_like_fixture (Call *c, const char *name)
{
  JsonObject *expected = json_node_get_object (fixture_response (name));
  JsonObject *actual = call_object (c);

  assert_like_fixture (c, name);
  g_assert_cmpstr (json_object_get_string_member (actual, "errcode"), ==,
                   json_object_get_string_member (expected, "errcode"));
  g_assert_cmpstr (json_object_get_string_member (actual, "error"), ==,
                   json_object_get_string_member (expected, "error"));
  g_assert_cmpuint (json_object_get_size (actual), ==, json_object_get_size (expected));
}

/* ---- Helpers over the API -------------------------------------------------------------------- */

static char *
room_path (const char *room_id, const char *rest)
{
  g_autofree char *e = esc (room_id);
  return g_strdup_printf ("/_matrix/client/v3/rooms/%s%s", e, rest);
}

static char *
send_text (Fixture *f, const char *token, const char *room_id, const char *txn, const char *text)
{
  g_autofree char *rest = g_strdup_printf ("/send/m.room.message/%s", txn);
  g_autofree char *path = room_path (room_id, rest);
  g_autofree char *body = g_strdup_printf ("{\"msgtype\":\"m.text\",\"body\":\"%s\"}", text);
  g_autoptr(Call) c = call (f, "PUT", path, token, body);

  g_assert_cmpuint (call_status (c), ==, 200);
  return g_strdup (json_object_get_string_member (call_object (c), "event_id"));
}

static char *
sync_next_batch (Fixture *f, const char *token)
{
  g_autoptr(Call) c = call (f, "GET", "/_matrix/client/v3/sync", token, NULL);

  g_assert_cmpuint (call_status (c), ==, 200);
  return g_strdup (json_object_get_string_member (call_object (c), "next_batch"));
}

static Call *
sync_since (Fixture *f, const char *token, const char *since, guint timeout)
{
  g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/sync?since=%s&timeout=%u",
                                           since, timeout);
  return call (f, "GET", path, token, NULL);
}

/* The timeline events of room_id in a sync response, or NULL. */
static JsonArray *
sync_timeline (JsonObject *sync, const char *section, const char *room_id)
{
  JsonNode *rooms = json_object_get_member (sync, "rooms");
  JsonObject *sec, *room;

  if (rooms == NULL || !json_object_has_member (json_node_get_object (rooms), section))
    return NULL;
  sec = json_object_get_object_member (json_node_get_object (rooms), section);
  if (!json_object_has_member (sec, room_id))
    return NULL;
  room = json_object_get_object_member (sec, room_id);
  return json_object_get_array_member (json_object_get_object_member (room, "timeline"), "events");
}

static JsonObject *
find_event (JsonArray *events, const char *event_id)
{
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    {
      JsonObject *ev = json_array_get_object_element (events, i);
      if (g_strcmp0 (json_object_get_string_member (ev, "event_id"), event_id) == 0)
        return ev;
    }
  return NULL;
}

/* ---- Tests: discovery and accounts ---------------------------------------------------------- */

static void
test_versions (Fixture *f, gconstpointer data)
{
  static const char *const newer[] = { "v1.1", "v1.2", "v1.3", "v1.11", NULL };
  g_autoptr(Call) c = call (f, "GET", "/_matrix/client/versions", NULL, NULL);
  g_autoptr(Call) c2 = NULL;
  g_autoptr(Call) wk = NULL;
  JsonArray *versions, *expected;

  assert_like_fixture (c, "01-versions.json");
  versions = json_object_get_array_member (call_object (c), "versions");
  expected = json_object_get_array_member (json_node_get_object (fixture_response ("01-versions.json")),
                                           "versions");
  g_assert_cmpuint (json_array_get_length (versions), ==, json_array_get_length (expected));
  for (guint i = 0; i < json_array_get_length (versions); i++)
    g_assert_cmpstr (json_array_get_string_element (versions, i), ==,
                     json_array_get_string_element (expected, i));

  tact_sandbox_server_set_versions (f->server, newer);
  c2 = call (f, "GET", "/_matrix/client/versions", NULL, NULL);
  versions = json_object_get_array_member (call_object (c2), "versions");
  g_assert_cmpuint (json_array_get_length (versions), ==, 4);
  g_assert_cmpstr (json_array_get_string_element (versions, 3), ==, "v1.11");

  wk = call (f, "GET", "/.well-known/matrix/client", NULL, NULL);
  assert_like_fixture (wk, "02-well-known-client.json");
  {
    g_autofree char *expected_url = g_strconcat (f->base, "/", NULL);
    g_assert_cmpstr (json_object_get_string_member (
                         json_object_get_object_member (call_object (wk), "m.homeserver"),
                         "base_url"), ==, expected_url);
  }
}

static void
test_login (Fixture *f, gconstpointer data)
{
  g_autoptr(Call) flows = call (f, "GET", "/_matrix/client/v3/login", NULL, NULL);
  g_autoptr(Call) ok = NULL;
  g_autoptr(Call) wrong = NULL;
  g_autoptr(Call) legacy = NULL;
  g_autoptr(Call) again = NULL;
  const char *device;

  assert_like_fixture (flows, "03-login-flows.json");

  ok = call (f, "POST", "/_matrix/client/v3/login", NULL,
             "{\"type\":\"m.login.password\",\"identifier\":{\"type\":\"m.id.user\",\"user\":\"me\"},"
             "\"password\":\"" TACT_SANDBOX_PASSWORD "\",\"initial_device_display_name\":\"t\"}");
  assert_like_fixture (ok, "06-login-ok.json");
  g_assert_cmpstr (json_object_get_string_member (call_object (ok), "user_id"), ==, ME);
  g_assert_cmpstr (json_object_get_string_member (call_object (ok), "home_server"), ==, "corp.test");
  device = json_object_get_string_member (call_object (ok), "device_id");

  wrong = call (f, "POST", "/_matrix/client/v3/login", NULL,
                "{\"type\":\"m.login.password\",\"identifier\":{\"type\":\"m.id.user\",\"user\":\"me\"},"
                "\"password\":\"nope\"}");
  assert_error_like_fixture (wrong, "07-login-wrong-password.json");

  /* Legacy "user" field; reuse of the device id gives a new token for the same device. */
  {
    g_autofree char *body = g_strdup_printf ("{\"type\":\"m.login.password\",\"user\":\"" ME "\","
                                             "\"password\":\"" TACT_SANDBOX_PASSWORD "\","
                                             "\"device_id\":\"%s\"}", device);
    legacy = call (f, "POST", "/_matrix/client/v3/login", NULL, body);
  }
  g_assert_cmpuint (call_status (legacy), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (call_object (legacy), "device_id"), ==, device);
  g_assert_cmpstr (json_object_get_string_member (call_object (legacy), "access_token"), !=,
                   json_object_get_string_member (call_object (ok), "access_token"));

  /* Both tokens stay valid. */
  again = call (f, "GET", "/_matrix/client/v3/account/whoami",
                json_object_get_string_member (call_object (ok), "access_token"), NULL);
  g_assert_cmpuint (call_status (again), ==, 200);
}

static void
test_register (Fixture *f, gconstpointer data)
{
  const char *body = "{\"username\":\"carol\",\"password\":\"pw\","
                     "\"initial_device_display_name\":\"fixture client\"}";
  g_autoptr(Call) uia = call (f, "POST", "/_matrix/client/v3/register", NULL, body);
  g_autoptr(Call) ok = NULL;
  g_autoptr(Call) taken = NULL;
  g_autoptr(Call) invalid = NULL;
  g_autoptr(Call) bad_session = NULL;
  g_autofree char *with_auth = NULL;
  JsonObject *o;

  assert_like_fixture (uia, "04-register-uia-401.json");
  o = call_object (uia);
  g_assert_cmpuint (json_object_get_size (o), ==, 3);  /* no errcode, no completed */
  g_assert_false (json_object_has_member (o, "errcode"));

  bad_session = call (f, "POST", "/_matrix/client/v3/register", NULL,
                      "{\"username\":\"carol\",\"password\":\"pw\","
                      "\"auth\":{\"type\":\"m.login.dummy\",\"session\":\"made-up\"}}");
  g_assert_cmpuint (call_status (bad_session), ==, 401);

  with_auth = g_strdup_printf ("{\"username\":\"carol\",\"password\":\"pw\","
                               "\"initial_device_display_name\":\"fixture client\","
                               "\"auth\":{\"type\":\"m.login.dummy\",\"session\":\"%s\"}}",
                               json_object_get_string_member (o, "session"));
  ok = call (f, "POST", "/_matrix/client/v3/register", NULL, with_auth);
  assert_like_fixture (ok, "05-register-dummy-ok.json");
  g_assert_cmpstr (json_object_get_string_member (call_object (ok), "user_id"), ==,
                   "@carol:corp.test");

  taken = call (f, "POST", "/_matrix/client/v3/register", NULL, with_auth);
  g_assert_cmpuint (call_status (taken), ==, 400);
  g_assert_cmpstr (json_object_get_string_member (call_object (taken), "errcode"), ==,
                   "M_USER_IN_USE");

  invalid = call (f, "POST", "/_matrix/client/v3/register", NULL,
                  "{\"username\":\"Carol Smith\",\"password\":\"pw\"}");
  g_assert_cmpuint (call_status (invalid), ==, 400);
  g_assert_cmpstr (json_object_get_string_member (call_object (invalid), "errcode"), ==,
                   "M_INVALID_USERNAME");

  /* The new account can log in. */
  {
    g_autoptr(Call) login_call = call (f, "POST", "/_matrix/client/v3/login", NULL,
                                       "{\"type\":\"m.login.password\",\"identifier\":"
                                       "{\"type\":\"m.id.user\",\"user\":\"carol\"},\"password\":\"pw\"}");
    g_assert_cmpuint (call_status (login_call), ==, 200);
  }
}

static void
test_whoami_and_logout (Fixture *f, gconstpointer data)
{
  g_autoptr(Call) ok = NULL;
  g_autoptr(Call) invalid = NULL;
  g_autoptr(Call) missing = NULL;
  g_autoptr(Call) query_token = NULL;
  g_autoptr(Call) logout = NULL;
  g_autoptr(Call) after = NULL;
  g_autofree char *path = NULL;

  login_me (f);
  ok = call (f, "GET", "/_matrix/client/v3/account/whoami", f->token, NULL);
  assert_like_fixture (ok, "08-whoami.json");
  g_assert_cmpstr (json_object_get_string_member (call_object (ok), "user_id"), ==, ME);

  invalid = call (f, "GET", "/_matrix/client/v3/account/whoami", "not-a-token", NULL);
  assert_error_like_fixture (invalid, "09-whoami-invalid-token.json");
  g_assert_false (json_object_get_boolean_member (call_object (invalid), "soft_logout"));

  missing = call (f, "GET", "/_matrix/client/v3/account/whoami", NULL, NULL);
  assert_error_like_fixture (missing, "10-whoami-missing-token.json");

  path = g_strdup_printf ("/_matrix/client/v3/account/whoami?access_token=%s", f->token);
  query_token = call (f, "GET", path, NULL, NULL);
  g_assert_cmpuint (call_status (query_token), ==, 200);

  logout = call (f, "POST", "/_matrix/client/v3/logout", f->token, "{}");
  assert_like_fixture (logout, "77-logout.json");
  after = call (f, "GET", "/_matrix/client/v3/account/whoami", f->token, NULL);
  assert_error_like_fixture (after, "78-whoami-after-logout.json");
}

/* ---- Tests: errors ------------------------------------------------------------------------------ */

static void
test_create_room_errors (Fixture *f, gconstpointer data)
{
  static const struct { const char *body; const char *fixture; gboolean same_text; } cases[] = {
    { "this is {not json",            "59-err-not-json.json",                 TRUE },
    { "{\"name\": 123}",              "60-err-createroom-name-not-string.json", TRUE },
    { "{\"invite\": \"@bob:corp.test\"}", "61-err-createroom-invite-not-list.json", TRUE },
    { "{\"preset\": 42}",             "62-err-createroom-bad-preset.json",     TRUE },
    { "[1,2]",                        "63-err-createroom-body-not-object.json", TRUE },
    { "{\"power_level_content_override\": \"x\"}", "64-err-createroom-500.json", TRUE },
    { "{\"room_version\": \"999\"}",  "65-err-createroom-unsupported-room-version.json", FALSE },
  };

  login_me (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Call) c = call (f, "POST", "/_matrix/client/v3/createRoom", f->token, cases[i].body);
      g_test_message ("createRoom %s", cases[i].body);
      if (cases[i].same_text)
        assert_error_like_fixture (c, cases[i].fixture);
      else
        {
          assert_like_fixture (c, cases[i].fixture);
          g_assert_cmpstr (json_object_get_string_member (call_object (c), "errcode"), ==,
                           json_object_get_string_member (
                               json_node_get_object (fixture_response (cases[i].fixture)), "errcode"));
        }
    }
}

static void
test_unrecognized (Fixture *f, gconstpointer data)
{
  static const struct { const char *method; const char *path; const char *fixture; } cases[] = {
    { "GET", "/_matrix/client/v3/this/endpoint/does/not/exist", "66-err-unrecognized.json" },
    { "GET", "/_matrix/client/v3/createRoom",                  "67-err-wrong-method.json" },
    { "GET", "/_matrix/client/v1/media/config",                "54-media-v1-config-missing.json" },
    { "GET", "/_matrix/client/v1/media/download/corp.test/x",  "55-media-v1-download-missing.json" },
    { "DELETE", "/_matrix/client/v3/sync",                     "67-err-wrong-method.json" },
  };

  login_me (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Call) c = call (f, cases[i].method, cases[i].path, f->token, NULL);
      assert_error_like_fixture (c, cases[i].fixture);
    }
}

/* ---- Tests: sending and syncing --------------------------------------------------------------- */

static void
test_send_idempotent (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *design = tact_sandbox_server_dup_room_id (f->server, "Design review");
  g_autofree char *path = room_path (falcon, "/send/m.room.message/tactchat-fixture-txn-1");
  const char *body = "{\"msgtype\":\"m.text\",\"body\":\"Sent once, even if retried\"}";
  g_autoptr(Call) first = NULL;
  g_autoptr(Call) repeat = NULL;
  g_autoptr(Call) same_device = NULL;
  g_autoptr(Call) other_token = NULL;
  g_autoptr(Call) not_joined = NULL;
  g_autoptr(Call) unknown = NULL;
  g_autofree char *second_token = NULL;
  guint before;

  /* No actor replies in this test. */
  tact_sandbox_server_set_reply_delay (f->server, 60000);
  login_me (f);
  before = tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message");
  first = call (f, "PUT", path, f->token, body);
  repeat = call (f, "PUT", path, f->token, body);
  assert_like_fixture (first, "32-send-txn-first.json");
  assert_like_fixture (repeat, "33-send-txn-repeat.json");
  g_assert_cmpstr (json_object_get_string_member (call_object (first), "event_id"), ==,
                   json_object_get_string_member (call_object (repeat), "event_id"));
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message"),
                    ==, before + 1);

  /* Transaction ids are scoped to the device (spec v1.7, MSC3970): a new token for the same
   * device (a re-login after a soft logout) gets the first event back, another device sends
   * a new one. */
  {
    g_autoptr(Call) whoami = call (f, "GET", "/_matrix/client/v3/account/whoami", f->token, NULL);
    const char *device = json_object_get_string_member (call_object (whoami), "device_id");

    second_token = login (f, TACT_SANDBOX_USER, device);
  }
  same_device = call (f, "PUT", path, second_token, body);
  g_assert_cmpuint (call_status (same_device), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (call_object (same_device), "event_id"), ==,
                   json_object_get_string_member (call_object (first), "event_id"));
  g_clear_pointer (&second_token, g_free);
  second_token = login (f, TACT_SANDBOX_USER, NULL);
  other_token = call (f, "PUT", path, second_token, body);
  g_assert_cmpuint (call_status (other_token), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (call_object (other_token), "event_id"), !=,
                   json_object_get_string_member (call_object (first), "event_id"));
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message"),
                    ==, before + 2);

  /* Invited but not joined: 403. Unknown room: 403 (fixture 58's code). */
  {
    g_autofree char *p2 = room_path (design, "/send/m.room.message/t2");
    not_joined = call (f, "PUT", p2, f->token, body);
  }
  g_assert_cmpuint (call_status (not_joined), ==, 403);
  g_assert_cmpstr (json_object_get_string_member (call_object (not_joined), "errcode"), ==,
                   "M_FORBIDDEN");
  {
    g_autofree char *p3 = room_path ("!doesnotexist:corp.test", "/state");
    unknown = call (f, "GET", p3, f->token, NULL);
  }
  assert_like_fixture (unknown, "58-err-unknown-room-state.json");
  g_assert_cmpstr (json_object_get_string_member (call_object (unknown), "error"), ==,
                   "User @me:corp.test not in room !doesnotexist:corp.test, and room previews are disabled");
}

static void
test_transaction_id (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *token_b = NULL;      /* same device, another token */
  g_autofree char *token_c = NULL;      /* another device */
  g_autofree char *since = NULL;
  g_autofree char *event_id = NULL;
  g_autofree char *device = NULL;
  g_autoptr(Call) whoami = NULL;
  g_autoptr(Call) sa = NULL;
  g_autoptr(Call) sb = NULL;
  g_autoptr(Call) sc = NULL;
  g_autoptr(Call) get = NULL;
  JsonObject *ev;

  tact_sandbox_server_set_reply_delay (f->server, 60000);
  login_me (f);
  whoami = call (f, "GET", "/_matrix/client/v3/account/whoami", f->token, NULL);
  device = g_strdup (json_object_get_string_member (call_object (whoami), "device_id"));
  token_b = login (f, TACT_SANDBOX_USER, device);
  token_c = login (f, TACT_SANDBOX_USER, NULL);
  since = sync_next_batch (f, f->token);

  event_id = send_text (f, f->token, falcon, "txn-34", "Sent once, even if retried");

  sa = sync_since (f, f->token, since, 0);
  sb = sync_since (f, token_b, since, 0);
  sc = sync_since (f, token_c, since, 0);

  ev = find_event (sync_timeline (call_object (sa), "join", falcon), event_id);
  g_assert_nonnull (ev);
  assert_same_shape (json_object_get_member (ev, "unsigned"),
                     json_object_get_member (json_array_get_object_element (
                         sync_timeline (json_node_get_object (fixture_response ("34-sync-txn-sender.json")),
                                        "join", "!pwWcVPpBbVwAaQrcNA:corp.test"), 0), "unsigned"),
                     "34.unsigned");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (ev, "unsigned"),
                                                  "transaction_id"), ==, "txn-34");
  g_assert_false (json_object_has_member (ev, "room_id"));

  /* The same device with another token sees it too: spec v1.7 (MSC3970) scopes transactions
   * to the device. Synapse 1.67 scoped them to the token (fixture 36): docs/sandbox.md. */
  ev = find_event (sync_timeline (call_object (sb), "join", falcon), event_id);
  g_assert_nonnull (ev);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (ev, "unsigned"),
                                                  "transaction_id"), ==, "txn-34");
  ev = find_event (sync_timeline (call_object (sc), "join", falcon), event_id);
  g_assert_nonnull (ev);
  g_assert_false (json_object_has_member (json_object_get_object_member (ev, "unsigned"),
                                          "transaction_id"));

  /* GET /event: room_id, no transaction_id even for the sender (fixture 38). */
  {
    g_autofree char *e = esc (event_id);
    g_autofree char *rest = g_strdup_printf ("/event/%s", e);
    g_autofree char *path = room_path (falcon, rest);
    get = call (f, "GET", path, f->token, NULL);
  }
  assert_like_fixture (get, "38-event-get-by-sender.json");
  g_assert_false (json_object_has_member (json_object_get_object_member (call_object (get), "unsigned"),
                                          "transaction_id"));
}

static void
test_sync_shapes (Fixture *f, gconstpointer data)
{
  g_autofree char *since = NULL;
  g_autoptr(Call) empty = NULL;
  JsonObject *o, *expected;
  g_autoptr(GList) keys = NULL;

  login_me (f);
  since = sync_next_batch (f, f->token);
  /* Nothing new, a short timeout: the minimal response (fixture 37), and only after waiting. */
  {
    gint64 start = g_get_monotonic_time ();
    empty = sync_since (f, f->token, since, 200);
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  }
  o = call_object (empty);
  expected = json_node_get_object (fixture_response ("37-sync-empty-after-timeout.json"));
  assert_like_fixture (empty, "37-sync-empty-after-timeout.json");
  g_assert_cmpuint (json_object_get_size (o), ==, json_object_get_size (expected));
  g_assert_false (json_object_has_member (o, "rooms"));
  g_assert_cmpstr (json_object_get_string_member (o, "next_batch"), ==, since);
}

static void
test_long_poll (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *since = NULL;
  g_autofree char *sync_path = NULL;
  g_autofree char *send_path = room_path (falcon, "/send/m.room.message/lp-1");
  g_autoptr(Call) sync = NULL;
  g_autoptr(Call) send = NULL;
  g_autofree char *li_token = NULL;
  gint64 start;

  login_me (f);
  li_token = login (f, "li.wei", NULL);
  since = sync_next_batch (f, f->token);
  sync_path = g_strdup_printf ("/_matrix/client/v3/sync?since=%s&timeout=30000", since);

  start = g_get_monotonic_time ();
  sync = call_start (f, "GET", sync_path, f->token, NULL);
  /* Wait until the server is holding the request. */
  while (tact_sandbox_server_get_pending_syncs (f->server) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (sync->done);

  /* Li Wei (another user, so no actor reply is involved) sends a message. */
  send = call_start (f, "PUT", send_path, li_token,
                     "{\"msgtype\":\"m.text\",\"body\":\"wake up\"}");
  call_wait (send);
  call_wait (sync);
  g_assert_no_error (sync->error);
  g_assert_cmpuint (call_status (sync), ==, 200);
  g_assert_cmpuint (send->order, <, sync->order);
  /* Well before the 30 s timeout. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_nonnull (find_event (sync_timeline (call_object (sync), "join", falcon),
                                json_object_get_string_member (call_object (send), "event_id")));
  g_assert_cmpuint (tact_sandbox_server_get_pending_syncs (f->server), ==, 0);
}

static void
test_filter_and_limited (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *filter_path = NULL;
  g_autoptr(Call) created = NULL;
  g_autoptr(Call) got = NULL;
  g_autoptr(Call) initial = NULL;
  g_autoptr(Call) page = NULL;
  JsonObject *room, *timeline;
  g_autofree char *path = NULL;
  g_autofree char *e = NULL;
  const char *filter = "{\"room\":{\"state\":{\"lazy_load_members\":true},\"timeline\":{\"limit\":2}}}";

  login_me (f);
  e = esc (ME);
  filter_path = g_strdup_printf ("/_matrix/client/v3/user/%s/filter", e);
  created = call (f, "POST", filter_path, f->token, filter);
  assert_like_fixture (created, "11-filter-create.json");
  g_assert_cmpstr (json_object_get_string_member (call_object (created), "filter_id"), ==, "0");
  {
    g_autofree char *get_path = g_strdup_printf ("%s/0", filter_path);
    got = call (f, "GET", get_path, f->token, NULL);
  }
  assert_like_fixture (got, "12-filter-get.json");

  initial = call (f, "GET", "/_matrix/client/v3/sync?filter=0", f->token, NULL);
  g_assert_cmpuint (call_status (initial), ==, 200);
  room = json_object_get_object_member (json_object_get_object_member (
             json_object_get_object_member (call_object (initial), "rooms"), "join"), falcon);
  timeline = json_object_get_object_member (room, "timeline");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (timeline, "events")), ==, 2);
  g_assert_true (json_object_get_boolean_member (timeline, "limited"));
  /* Lazy loading fills the summary. */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (room, "summary"),
                                               "m.joined_member_count"), ==, 3);
  /* Shape of a joined room (initial sync, fixture 28). */
  {
    JsonObject *fx = json_node_get_object (fixture_response ("28-sync-initial-alice.json"));
    JsonObject *fx_join = json_object_get_object_member (json_object_get_object_member (fx, "rooms"),
                                                         "join");
    JsonNode *actual = json_object_get_member (json_object_get_object_member (
        json_object_get_object_member (call_object (initial), "rooms"), "join"), falcon);

    assert_same_shape (actual, json_object_get_member (fx_join, "!pwWcVPpBbVwAaQrcNA:corp.test"),
                       "28.join");
  }

  /* prev_batch pages back from where the timeline starts (fixture 43). */
  path = g_strdup_printf ("/messages?dir=b&limit=3&from=%s",
                          json_object_get_string_member (timeline, "prev_batch"));
  {
    g_autofree char *p = room_path (falcon, path);
    page = call (f, "GET", p, f->token, NULL);
  }
  assert_like_fixture (page, "43-messages-b-from-sync-prev-batch.json");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (call_object (page), "chunk")),
                    ==, 3);
  /* Not the events already in the timeline. */
  g_assert_null (find_event (json_object_get_array_member (call_object (page), "chunk"),
                             json_object_get_string_member (json_array_get_object_element (
                                 json_object_get_array_member (timeline, "events"), 0), "event_id")));

  /* An inline filter works too. */
  {
    g_autofree char *q = g_uri_escape_string ("{\"room\":{\"timeline\":{\"limit\":1}}}", NULL, TRUE);
    g_autofree char *p = g_strdup_printf ("/_matrix/client/v3/sync?filter=%s", q);
    g_autoptr(Call) inl = call (f, "GET", p, f->token, NULL);
    JsonArray *events = sync_timeline (call_object (inl), "join", falcon);
    g_assert_cmpuint (json_array_get_length (events), ==, 1);
  }
}

static void
test_messages_pagination (Fixture *f, gconstpointer data)
{
  g_autofree char *dm = NULL;
  g_autoptr(Call) create = NULL;
  g_autoptr(GPtrArray) backwards = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *from = NULL;
  g_autofree char *create_end = NULL;
  guint total, pages = 0;

  login_me (f);
  create = call (f, "POST", "/_matrix/client/v3/createRoom", f->token,
                 "{\"preset\":\"private_chat\",\"name\":\"Pagination\"}");
  dm = g_strdup (json_object_get_string_member (call_object (create), "room_id"));
  tact_sandbox_server_set_reply_delay (f->server, 60000);
  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *txn = g_strdup_printf ("p%u", i);
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_autofree char *id = send_text (f, f->token, dm, txn, text);
    }
  total = tact_sandbox_server_count_events (f->server, dm, NULL, NULL);

  /* Backwards from the newest to the start of the room. */
  for (;;)
    {
      g_autofree char *rest = from != NULL ? g_strdup_printf ("/messages?dir=b&limit=5&from=%s", from)
                                           : g_strdup ("/messages?dir=b&limit=5");
      g_autofree char *path = room_path (dm, rest);
      g_autoptr(Call) c = call (f, "GET", path, f->token, NULL);
      JsonObject *o = call_object (c);
      JsonArray *chunk = json_object_get_array_member (o, "chunk");

      g_assert_cmpuint (call_status (c), ==, 200);
      pages++;
      if (from != NULL)
        g_assert_cmpstr (json_object_get_string_member (o, "start"), ==, from);
      if (json_array_get_length (chunk) == 0)
        {
          /* Past the start: {chunk: [], start} without end (fixture 45). */
          assert_like_fixture (c, "45-messages-dm-past-start.json");
          g_assert_false (json_object_has_member (o, "end"));
          break;
        }
      assert_like_fixture (c, "44-messages-dm-whole-history.json");
      g_assert_true (json_object_has_member (o, "end"));
      for (guint i = 0; i < json_array_get_length (chunk); i++)
        g_ptr_array_add (backwards, g_strdup (json_object_get_string_member (
                                        json_array_get_object_element (chunk, i), "event_id")));
      g_free (from);
      from = g_strdup (json_object_get_string_member (o, "end"));
      if (g_str_equal (json_object_get_string_member (
                           json_array_get_object_element (chunk, json_array_get_length (chunk) - 1),
                           "type"), "m.room.create"))
        create_end = g_strdup (from);
      g_assert_cmpuint (pages, <, 10);
    }
  g_assert_cmpuint (backwards->len, ==, total);
  g_assert_nonnull (create_end);

  /* Forwards from the start: the same events in the opposite order, then nothing, no end. */
  {
    g_autofree char *rest = g_strdup_printf ("/messages?dir=f&limit=100&from=%s", create_end);
    g_autofree char *path = room_path (dm, rest);
    g_autoptr(Call) c = call (f, "GET", path, f->token, NULL);
    JsonArray *chunk = json_object_get_array_member (call_object (c), "chunk");
    const char *end = json_object_get_string_member (call_object (c), "end");
    g_autofree char *rest2 = g_strdup_printf ("/messages?dir=f&limit=100&from=%s", end);
    g_autofree char *path2 = room_path (dm, rest2);
    g_autoptr(Call) c2 = call (f, "GET", path2, f->token, NULL);

    g_assert_cmpuint (json_array_get_length (chunk), ==, total);
    for (guint i = 0; i < total; i++)
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chunk, i),
                                                      "event_id"), ==,
                       g_ptr_array_index (backwards, total - 1 - i));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (call_object (c2), "chunk")),
                      ==, 0);
    g_assert_false (json_object_has_member (call_object (c2), "end"));
  }

  /* dir=f without from: the current end, nothing (fixture 42). */
  {
    g_autofree char *path = room_path (dm, "/messages?dir=f&limit=5");
    g_autoptr(Call) c = call (f, "GET", path, f->token, NULL);
    assert_like_fixture (c, "42-messages-f-no-from.json");
    g_assert_false (json_object_has_member (call_object (c), "end"));
  }
}

/* ---- Tests: state, members, profile, media ------------------------------------------------------ */

static void
test_state (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *sales = tact_sandbox_server_dup_room_id (f->server, "Sales team");
  g_autoptr(Call) created = NULL;
  g_autoptr(Call) put = NULL;
  g_autoptr(Call) get = NULL;
  g_autoptr(Call) pl = NULL;
  g_autoptr(Call) all = NULL;
  g_autoptr(Call) denied = NULL;
  g_autoptr(Call) members = NULL;
  g_autoptr(Call) profile = NULL;
  g_autofree char *mine = NULL;

  login_me (f);
  created = call (f, "POST", "/_matrix/client/v3/createRoom", f->token,
                  "{\"preset\":\"private_chat\",\"name\":\"Mine\"}");
  assert_like_fixture (created, "13-createroom-group.json");
  mine = g_strdup (json_object_get_string_member (call_object (created), "room_id"));

  {
    g_autofree char *path = room_path (mine, "/state/m.room.topic/");
    put = call (f, "PUT", path, f->token, "{\"topic\":\"Falcon launch coordination\"}");
    assert_like_fixture (put, "14-state-put-topic.json");
    get = call (f, "GET", path, f->token, NULL);
  }
  g_assert_cmpuint (call_status (get), ==, 200);
  g_assert_cmpuint (json_object_get_size (call_object (get)), ==, 1);  /* content only */
  g_assert_cmpstr (json_object_get_string_member (call_object (get), "topic"), ==,
                   "Falcon launch coordination");

  {
    g_autofree char *path = room_path (mine, "/state/m.room.power_levels/");
    pl = call (f, "GET", path, f->token, NULL);
  }
  assert_like_fixture (pl, "47-state-power-levels.json");
  g_assert_cmpint (json_object_get_int_member (call_object (pl), "state_default"), ==, 50);

  {
    g_autofree char *path = room_path (mine, "/state");
    all = call (f, "GET", path, f->token, NULL);
  }
  assert_like_fixture (all, "46-room-state.json");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_node_get_array (call_json (all)), 0), "room_id"), ==, mine);

  /* @me has power 0 in Sales team: power levels need 100 (fixture 57's message). */
  {
    g_autofree char *path = room_path (sales, "/state/m.room.power_levels/");
    denied = call (f, "PUT", path, f->token, "{\"users\":{}}");
  }
  assert_like_fixture (denied, "57-err-state-forbidden.json");
  g_assert_cmpstr (json_object_get_string_member (call_object (denied), "error"), ==,
                   "You don't have permission to post that to the room. user_level (0) < send_level (100)");

  {
    g_autofree char *path = room_path (falcon, "/joined_members");
    members = call (f, "GET", path, f->token, NULL);
  }
  assert_like_fixture (members, "48-joined-members.json");
  {
    JsonObject *joined = json_object_get_object_member (call_object (members), "joined");
    g_assert_cmpuint (json_object_get_size (joined), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (
                         json_object_get_object_member (joined, TACT_SANDBOX_CUSTOMER),
                         "display_name"), ==, "张先生 (Mr Zhang)");
  }

  {
    g_autofree char *e = esc (TACT_SANDBOX_CUSTOMER);
    g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/profile/%s", e);
    profile = call (f, "GET", path, f->token, NULL);
  }
  assert_like_fixture (profile, "75-profile-remote.json");
  g_assert_false (json_object_has_member (call_object (profile), "avatar_url"));
}

/* GET /messages?dir=DIR&limit=5 from the end of the previous page. */
static Call *
next_page (Fixture *f, const char *room_id, const char *dir, Call *previous)
{
  g_autofree char *rest = g_strdup_printf ("/messages?dir=%s&limit=5&from=%s", dir,
                                           json_object_get_string_member (call_object (previous),
                                                                          "end"));
  g_autofree char *path = room_path (room_id, rest);

  return call (f, "GET", path, f->token, NULL);
}

/* Fixtures 39–41, 49, 73, 74: /messages pages, /members, a member's state content. */
static void
test_members_and_pages (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *members_path = room_path (falcon, "/members");
  g_autofree char *first_path = room_path (falcon, "/messages?dir=b&limit=5");
  g_autoptr(Call) members = NULL;
  g_autoptr(Call) member = NULL;
  g_autoptr(Call) page1 = NULL;
  g_autoptr(Call) page2 = NULL;
  g_autoptr(Call) forwards = NULL;
  g_autoptr(Call) filtered = NULL;

  login_me (f);
  members = call (f, "GET", members_path, f->token, NULL);
  assert_like_fixture (members, "49-members.json");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (call_object (members),
                                                                         "chunk")), ==, 3);
  {
    g_autofree char *e = esc (TACT_SANDBOX_CUSTOMER);
    g_autofree char *rest = g_strdup_printf ("/state/m.room.member/%s", e);
    g_autofree char *path = room_path (falcon, rest);
    member = call (f, "GET", path, f->token, NULL);
  }
  g_assert_cmpuint (call_status (member), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (call_object (member), "membership"), ==, "join");
  g_assert_false (json_object_has_member (call_object (member), "event_id"));  /* content only */

  page1 = call (f, "GET", first_path, f->token, NULL);
  assert_like_fixture (page1, "39-messages-b.json");
  page2 = next_page (f, falcon, "b", page1);
  assert_like_fixture (page2, "40-messages-b-page2.json");
  forwards = next_page (f, falcon, "f", page2);
  assert_like_fixture (forwards, "41-messages-f.json");
  /* Forwards from the end of page 2 gives page 2 and then page 1's events, oldest first. */
  {
    JsonArray *f_chunk = json_object_get_array_member (call_object (forwards), "chunk");
    JsonArray *p2_chunk = json_object_get_array_member (call_object (page2), "chunk");
    guint n = json_array_get_length (p2_chunk);

    g_assert_cmpuint (json_array_get_length (f_chunk), ==, 5);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (f_chunk, 0),
                                                    "event_id"), ==,
                     json_object_get_string_member (json_array_get_object_element (p2_chunk, n - 1),
                                                    "event_id"));
  }

  {
    g_autofree char *filter = esc ("{\"types\": [\"m.room.member\"]}");
    g_autofree char *rest = g_strdup_printf ("/messages?dir=b&limit=50&filter=%s", filter);
    g_autofree char *path = room_path (falcon, rest);
    JsonArray *chunk;

    filtered = call (f, "GET", path, f->token, NULL);
    assert_like_fixture (filtered, "74-messages-member-events.json");
    chunk = json_object_get_array_member (call_object (filtered), "chunk");
    g_assert_cmpuint (json_array_get_length (chunk), >, 0);
    for (guint i = 0; i < json_array_get_length (chunk); i++)
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chunk, i),
                                                      "type"), ==, "m.room.member");
  }
}

static void
test_media (Fixture *f, gconstpointer data)
{
  const char *text = "Falcon launch notes\n- scope\n- timeline\n- risks\n";
  g_autoptr(Call) upload = NULL;
  g_autoptr(Call) download = NULL;
  g_autoptr(Call) config = NULL;
  g_autoptr(Call) missing = NULL;
  const char *uri;
  g_autofree char *path = NULL;
  gsize len = 0;
  const char *data_out;

  login_me (f);
  upload = call_start_with (f, f->session, "POST",
                            "/_matrix/media/v3/upload?filename=falcon-notes.txt", f->token, text,
                            "text/plain");
  call_wait (upload);
  assert_like_fixture (upload, "52-media-upload.json");
  uri = json_object_get_string_member (call_object (upload), "content_uri");
  g_assert_true (g_str_has_prefix (uri, "mxc://corp.test/"));

  path = g_strdup_printf ("/_matrix/media/v3/download/corp.test/%s", uri + strlen ("mxc://corp.test/"));
  download = call (f, "GET", path, NULL, NULL);  /* no token needed (fixture 56) */
  g_assert_cmpuint (call_status (download), ==, 200);
  data_out = g_bytes_get_data (download->body, &len);
  g_assert_cmpmem (data_out, len, text, strlen (text));
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (
                                       soup_message_get_response_headers (download->msg), NULL),
                                   "text/plain"));
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (download->msg),
                                                 "Content-Disposition"), ==,
                   "inline; filename=falcon-notes.txt");

  config = call (f, "GET", "/_matrix/media/v3/config", f->token, NULL);
  assert_like_fixture (config, "53-media-config.json");

  missing = call (f, "GET", "/_matrix/media/v3/download/corp.test/nothing", NULL, NULL);
  g_assert_cmpuint (call_status (missing), ==, 404);
}

/* ---- Tests: the seeded world and the actors ---------------------------------------------------- */

static void
test_seeded_world (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *sales = tact_sandbox_server_dup_room_id (f->server, "Sales team");
  g_autofree char *design = tact_sandbox_server_dup_room_id (f->server, "Design review");
  g_autoptr(Call) sync = NULL;
  g_autoptr(Call) join = NULL;
  JsonObject *rooms, *join_rooms, *invites, *account_data;
  JsonArray *invite_state;
  const char *dm = NULL;
  gboolean found_direct = FALSE;

  g_assert_nonnull (falcon);
  g_assert_nonnull (sales);
  g_assert_nonnull (design);
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, TACT_SANDBOX_CUSTOMER,
                                                      "m.room.message"), >, 0);
  login_me (f);
  sync = call (f, "GET", "/_matrix/client/v3/sync", f->token, NULL);
  rooms = json_object_get_object_member (call_object (sync), "rooms");
  join_rooms = json_object_get_object_member (rooms, "join");
  invites = json_object_get_object_member (rooms, "invite");
  /* Project Falcon, Sales team, the DM with Wang Fang, the supervision room and All staff. */
  g_assert_cmpuint (json_object_get_size (join_rooms), ==, 5);
  g_assert_true (json_object_has_member (join_rooms, falcon));
  g_assert_true (json_object_has_member (join_rooms, sales));
  {
    g_autofree char *supervision = tact_sandbox_server_dup_room_id (f->server, "Supervision");

    g_assert_nonnull (supervision);
    g_assert_true (json_object_has_member (join_rooms, supervision));
  }
  g_assert_false (json_object_has_member (rooms, "leave"));
  g_assert_cmpuint (json_object_get_size (invites), ==, 1);
  invite_state = json_object_get_array_member (json_object_get_object_member (
                     json_object_get_object_member (invites, design), "invite_state"), "events");
  assert_same_shape (json_object_get_member (invites, design),
                     json_object_get_member (json_object_get_object_member (json_object_get_object_member (
                         json_node_get_object (fixture_response ("28-sync-initial-alice.json")), "rooms"),
                         "invite"), "!dtsKsvXWxnKQGRqjiQ:corp.test"), "28.invite");
  g_assert_cmpuint (json_array_get_length (invite_state), >=, 3);

  /* m.direct names the DM with Wang Fang. */
  account_data = json_object_get_object_member (call_object (sync), "account_data");
  for (guint i = 0; i < json_array_get_length (json_object_get_array_member (account_data, "events")); i++)
    {
      JsonObject *ev = json_array_get_object_element (json_object_get_array_member (account_data, "events"), i);
      if (g_str_equal (json_object_get_string_member (ev, "type"), "m.direct"))
        {
          JsonArray *ids = json_object_get_array_member (json_object_get_object_member (ev, "content"),
                                                         TACT_SANDBOX_HEAD);
          dm = json_array_get_string_element (ids, 0);
          found_direct = TRUE;
        }
    }
  g_assert_true (found_direct);
  g_assert_true (json_object_has_member (join_rooms, dm));
  g_assert_cmpuint (json_array_get_length (sync_timeline (call_object (sync), "join", falcon)), >, 0);
  /* Sync events carry no room_id. */
  g_assert_false (json_object_has_member (json_array_get_object_element (
                      sync_timeline (call_object (sync), "join", falcon), 0), "room_id"));

  /* Accept the invitation. */
  {
    g_autofree char *e = esc (design);
    g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/join/%s", e);
    join = call (f, "POST", path, f->token, "{}");
  }
  g_assert_cmpuint (call_status (join), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (call_object (join), "room_id"), ==, design);

  /* Seeding again is a no-op. */
  {
    guint before = tact_sandbox_server_count_events (f->server, falcon, NULL, NULL);
    tact_sandbox_server_seed_demo (f->server);
    g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, NULL, NULL), ==, before);
  }
}

typedef struct { Fixture *f; const char *room_id, *sender; guint count; } CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *w = data;
  return tact_sandbox_server_count_events (w->f->server, w->room_id, w->sender,
                                           "m.room.message") >= w->count;
}

static void
wait_for_count (Fixture *f, const char *room_id, const char *sender, guint count)
{
  CountWait w = { f, room_id, sender, count };

  tact_test_wait_until (count_reached, &w, "the actor's messages");
}

static void
test_actors (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *sales = tact_sandbox_server_dup_room_id (f->server, "Sales team");
  g_autofree char *since = NULL;
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;
  g_autoptr(GPtrArray) bodies = NULL;
  g_autoptr(Call) sync = NULL;
  g_autoptr(Call) created = NULL;
  guint zhang_before, li_before;
  JsonArray *events;
  const char *last;

  login_me (f);
  since = sync_next_batch (f, f->token);
  zhang_before = tact_sandbox_server_count_events (f->server, falcon, TACT_SANDBOX_CUSTOMER,
                                                   "m.room.message");
  li_before = tact_sandbox_server_count_events (f->server, sales, TACT_SANDBOX_COLLEAGUE,
                                                "m.room.message");

  /* In Project Falcon the customer answers first, in English, fishing for prices. */
  id1 = send_text (f, f->token, falcon, "a1", "Hello Mr Zhang, the kickoff is on Monday.");
  wait_for_count (f, falcon, TACT_SANDBOX_CUSTOMER, zhang_before + 1);
  bodies = tact_sandbox_server_dup_bodies (f->server, falcon);
  last = g_ptr_array_index (bodies, bodies->len - 1);
  g_assert_nonnull (strstr (last, "price list"));

  /* In Sales team (no customer), Li Wei answers, in Chinese. */
  id2 = send_text (f, f->token, sales, "a2", "Targets look good.");
  wait_for_count (f, sales, TACT_SANDBOX_COLLEAGUE, li_before + 1);
  g_clear_pointer (&bodies, g_ptr_array_unref);
  bodies = tact_sandbox_server_dup_bodies (f->server, sales);
  g_assert_cmpstr (g_ptr_array_index (bodies, bodies->len - 1), ==, "好的，我看一下再回复你。");

  /* The replies are real events, delivered through /sync. */
  sync = sync_since (f, f->token, since, 0);
  events = sync_timeline (call_object (sync), "join", falcon);
  g_assert_nonnull (events);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (events, json_array_get_length (events) - 1),
                       "sender"), ==, TACT_SANDBOX_CUSTOMER);

  /* An invited actor accepts. */
  created = call (f, "POST", "/_matrix/client/v3/createRoom", f->token,
                  "{\"name\":\"Lunch\",\"invite\":[\"" TACT_SANDBOX_COLLEAGUE "\"]}");
  {
    const char *room_id = json_object_get_string_member (call_object (created), "room_id");
    g_autofree char *path = room_path (room_id, "/joined_members");

    for (;;)
      {
        g_autoptr(Call) m = call (f, "GET", path, f->token, NULL);
        if (json_object_has_member (json_object_get_object_member (call_object (m), "joined"),
                                    TACT_SANDBOX_COLLEAGUE))
          break;
        g_main_context_iteration (NULL, TRUE);
      }
  }
}

static void
test_leave (Fixture *f, gconstpointer data)
{
  g_autofree char *sales = tact_sandbox_server_dup_room_id (f->server, "Sales team");
  g_autofree char *since = NULL;
  g_autoptr(Call) leave = NULL;
  g_autoptr(Call) sync = NULL;
  g_autoptr(Call) after = NULL;
  JsonObject *left;

  login_me (f);
  since = sync_next_batch (f, f->token);
  {
    g_autofree char *path = room_path (sales, "/leave");
    leave = call (f, "POST", path, f->token, "{}");
  }
  assert_like_fixture (leave, "29-leave.json");
  sync = sync_since (f, f->token, since, 0);
  g_assert_cmpuint (call_status (sync), ==, 200);
  left = json_object_get_object_member (json_object_get_object_member (
             json_object_get_object_member (call_object (sync), "rooms"), "leave"), sales);
  g_assert_nonnull (left);
  {
    JsonObject *fx = json_node_get_object (fixture_response ("30-sync-incremental.json"));
    JsonObject *fx_leave = json_object_get_object_member (json_object_get_object_member (fx, "rooms"),
                                                          "leave");
    assert_same_shape (json_object_get_member (json_object_get_object_member (
                           json_object_get_object_member (call_object (sync), "rooms"), "leave"), sales),
                       json_object_get_member (fx_leave, "!PYqGFyzZOdMFOQrIFa:corp.test"), "30.leave");
  }
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_object_get_object_member (left, "state"), "events")), ==, 1);
  {
    g_autofree char *path = room_path (sales, "/messages?dir=b");
    after = call (f, "GET", path, f->token, NULL);
  }
  g_assert_cmpuint (call_status (after), ==, 403);
}

/* ---- Tests: persistence ------------------------------------------------------------------------ */

static void
test_persistence (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tact_test_tmpdir_new ("tact-sandbox-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autofree char *falcon = NULL;
  g_autofree char *token = NULL;
  Fixture f = { 0 };

  g_assert_no_error (error);

  /* First run: seed, talk, stop (saves). */
  f.server = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  g_assert_true (tact_sandbox_server_set_state_file (f.server, path, &error));
  g_assert_no_error (error);
  tact_sandbox_server_seed_demo (f.server);
  tact_sandbox_server_set_reply_delay (f.server, 60000);
  fixture_start (&f);
  login_me (&f);
  token = g_strdup (f.token);
  falcon = tact_sandbox_server_dup_room_id (f.server, "Project Falcon");
  g_free (send_text (&f, f.token, falcon, "persist-1", "Remember me"));
  fixture_teardown (&f, NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Second run: the same world, the message and the token are back. */
  memset (&f, 0, sizeof f);
  f.server = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  g_assert_true (tact_sandbox_server_set_state_file (f.server, path, &error));
  g_assert_no_error (error);
  tact_sandbox_server_seed_demo (f.server);  /* no-op: users exist */
  {
    g_autofree char *falcon2 = tact_sandbox_server_dup_room_id (f.server, "Project Falcon");
    g_autoptr(GPtrArray) bodies = tact_sandbox_server_dup_bodies (f.server, falcon2);
    g_assert_cmpstr (falcon2, ==, falcon);
    g_assert_cmpstr (g_ptr_array_index (bodies, bodies->len - 1), ==, "Remember me");
    g_assert_cmpuint (tact_sandbox_server_count_events (f.server, falcon2, ME, "m.room.create"),
                      ==, 0);
  }
  fixture_start (&f);
  {
    g_autoptr(Call) whoami = call (&f, "GET", "/_matrix/client/v3/account/whoami", token, NULL);
    g_autofree char *p = room_path (falcon, "/send/m.room.message/persist-1");
    g_autoptr(Call) repeat = call (&f, "PUT", p, token, "{\"msgtype\":\"m.text\",\"body\":\"x\"}");

    g_assert_cmpuint (call_status (whoami), ==, 200);
    /* The transaction is remembered across restarts. */
    g_assert_cmpuint (call_status (repeat), ==, 200);
    g_assert_cmpuint (tact_sandbox_server_count_events (f.server, falcon, ME, "m.room.message"),
                      ==, 2);
  }
  fixture_teardown (&f, NULL);

  /* Corrupt files: an error, never a crash. */
  {
    static const char *const corrupt[] = {
      "{not json",
      "[1, 2]",
      "{\"version\": 1, \"server_name\": \"corp.test\", \"stream\": \"x\", \"users\": []}",
      "{\"version\": 1, \"server_name\": \"corp.test\", \"stream\": 3, \"users\": [7]}",
      "{\"version\": 1, \"server_name\": \"corp.test\", \"stream\": 3, \"users\": [],"
      " \"rooms\": [{\"room_id\": \"!a:corp.test\", \"events\": [{\"event_id\": 5}]}]}",
      "{\"version\": 99}",
    };
    g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);

    for (guint i = 0; i < G_N_ELEMENTS (corrupt); i++)
      {
        g_autoptr(TactSandboxServer) server = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
        g_autoptr(GError) load_error = NULL;

        g_assert_true (g_file_set_contents (bad, corrupt[i], -1, NULL));
        g_assert_false (tact_sandbox_server_set_state_file (server, bad, &load_error));
        g_assert_nonnull (load_error);
        g_assert_nonnull (strstr (load_error->message, "Cannot load the sandbox state"));
        /* The server still works, and did not overwrite the file. */
        tact_sandbox_server_seed_demo (server);
        {
          g_autofree char *sales = tact_sandbox_server_dup_room_id (server, "Sales team");
          g_assert_nonnull (sales);
        }
      }
    g_unlink (bad);
  }

  tact_test_tmpdir_remove (dir);
}

/* ---- Tests: fault injection -------------------------------------------------------------------- */

static void
test_faults (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  guint before;

  tact_sandbox_server_set_reply_delay (f->server, 60000);
  login_me (f);
  before = tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message");

  /* Rate limit on every other send. */
  tact_sandbox_server_set_fault (f->server, TACT_SANDBOX_FAULT_RATE_LIMIT, 2);
  tact_sandbox_server_set_fault_ms (f->server, 4987);
  {
    g_autofree char *p1 = room_path (falcon, "/send/m.room.message/f1");
    g_autofree char *p2 = room_path (falcon, "/send/m.room.message/f2");
    g_autoptr(Call) ok = call (f, "PUT", p1, f->token, "{\"msgtype\":\"m.text\",\"body\":\"1\"}");
    g_autoptr(Call) limited = call (f, "PUT", p2, f->token, "{\"msgtype\":\"m.text\",\"body\":\"2\"}");

    g_assert_cmpuint (call_status (ok), ==, 200);
    assert_like_fixture (limited, "69-ratelimit-send-2-429.json");
    g_assert_cmpstr (json_object_get_string_member (call_object (limited), "errcode"), ==,
                     "M_LIMIT_EXCEEDED");
    g_assert_cmpint (json_object_get_int_member (call_object (limited), "retry_after_ms"), ==, 4987);
    /* Like Synapse 1.67: no Retry-After header unless asked for. */
    g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (limited->msg),
                                                 "Retry-After"));
    g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->server), ==, 1);
  }
  tact_sandbox_server_set_retry_after_header (f->server, TRUE);
  {
    g_autofree char *p3 = room_path (falcon, "/send/m.room.message/f2b");
    g_autofree char *p4 = room_path (falcon, "/send/m.room.message/f2c");
    g_autoptr(Call) ok = call (f, "PUT", p3, f->token, "{\"msgtype\":\"m.text\",\"body\":\"2b\"}");
    g_autoptr(Call) limited = call (f, "PUT", p4, f->token, "{\"msgtype\":\"m.text\",\"body\":\"2c\"}");

    g_assert_cmpuint (call_status (ok), ==, 200);
    g_assert_cmpuint (call_status (limited), ==, 429);
    g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (limited->msg),
                                                   "Retry-After"), ==, "5");
  }
  tact_sandbox_server_set_retry_after_header (f->server, FALSE);
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message"),
                    ==, before + 2);

  /* Server error. */
  tact_sandbox_server_set_fault (f->server, TACT_SANDBOX_FAULT_SERVER_ERROR, 1);
  {
    g_autofree char *p = room_path (falcon, "/send/m.room.message/f3");
    g_autoptr(Call) c = call (f, "PUT", p, f->token, "{\"msgtype\":\"m.text\",\"body\":\"3\"}");
    g_assert_cmpuint (call_status (c), ==, 500);
    g_assert_cmpstr (json_object_get_string_member (call_object (c), "errcode"), ==, "M_UNKNOWN");
  }

  /* Drop: the connection closes without a response (a fresh session: no reused connection). */
  tact_sandbox_server_set_fault (f->server, TACT_SANDBOX_FAULT_DROP, 1);
  {
    g_autoptr(SoupSession) fresh = soup_session_new ();
    g_autofree char *p = room_path (falcon, "/send/m.room.message/f4");
    g_autoptr(Call) c = call_start_with (f, fresh, "PUT", p, f->token,
                                         "{\"msgtype\":\"m.text\",\"body\":\"4\"}", NULL);
    call_wait (c);
    g_assert_nonnull (c->error);
    g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->server), >=, 1);
  }

  /* Delay: answered normally, but only after the delay. */
  tact_sandbox_server_set_fault (f->server, TACT_SANDBOX_FAULT_DELAY, 1);
  tact_sandbox_server_set_fault_ms (f->server, 100);
  {
    g_autofree char *p = room_path (falcon, "/send/m.room.message/f5");
    gint64 start = g_get_monotonic_time ();
    g_autoptr(Call) c = call (f, "PUT", p, f->token, "{\"msgtype\":\"m.text\",\"body\":\"5\"}");
    g_assert_cmpuint (call_status (c), ==, 200);
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 100 * 1000);
  }

  /* No faults any more; other endpoints were never affected. */
  tact_sandbox_server_set_fault (f->server, TACT_SANDBOX_FAULT_NONE, 0);
  {
    g_autofree char *p = room_path (falcon, "/send/m.room.message/f6");
    g_autoptr(Call) c = call (f, "PUT", p, f->token, "{\"msgtype\":\"m.text\",\"body\":\"6\"}");
    g_assert_cmpuint (call_status (c), ==, 200);
  }
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message"),
                    ==, before + 4);
}

/* Iterates the main context for ms (only where time passing is what is tested). */
static void
wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, tact_test_set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct { Fixture *f; guint n; } HeldWait;

static gboolean
held_requests_are (gpointer data)
{
  HeldWait *w = data;
  return tact_sandbox_server_get_held_requests (w->f->server) == w->n;
}

/* Waits until a fault holds n requests; at most 10 s, well under the holds tests set. */
static void
wait_held_requests (Fixture *f, guint n)
{
  HeldWait w = { f, n };

  tact_test_wait_until_s (held_requests_are, &w, 10, "the held requests");
}

/* inject_fault reaches every route, chosen by method and path prefix, for count requests. */
static void
test_fault_routes (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *messages = room_path (falcon, "/messages?dir=b&limit=1");
  g_autofree char *state = room_path (falcon, "/state");
  g_autofree char *state_prefix = g_strdup_printf ("/_matrix/client/v3/rooms/%s/state", falcon);
  g_autofree char *since = NULL;

  tact_sandbox_server_set_reply_delay (f->server, 60000);
  login_me (f);
  since = sync_next_batch (f, f->token);

  /* /sync: the next two fail, the third works. */
  tact_sandbox_server_inject_fault (f->server, "GET", "/_matrix/client/v3/sync",
                                    TACT_SANDBOX_FAULT_SERVER_ERROR, 2);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(Call) c = call (f, "GET", "/_matrix/client/v3/sync?timeout=0", f->token, NULL);
      g_assert_cmpuint (call_status (c), ==, i < 2 ? 500 : 200);
    }
  g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->server), ==, 2);

  /* /messages and /state, by a prefix with the decoded room id; the method must match. */
  tact_sandbox_server_inject_fault (f->server, "PUT", state_prefix,
                                    TACT_SANDBOX_FAULT_SERVER_ERROR, 0);
  tact_sandbox_server_inject_fault (f->server, NULL, state_prefix,
                                    TACT_SANDBOX_FAULT_RATE_LIMIT, 1);
  tact_sandbox_server_inject_fault (f->server, "GET", "/_matrix/client/v3/rooms/",
                                    TACT_SANDBOX_FAULT_RATE_LIMIT, 1);
  {
    g_autoptr(Call) m1 = call (f, "GET", messages, f->token, NULL);
    g_autoptr(Call) s1 = call (f, "GET", state, f->token, NULL);
    g_autoptr(Call) s2 = call (f, "GET", state, f->token, NULL);
    g_autoptr(Call) m2 = call (f, "GET", messages, f->token, NULL);

    g_assert_cmpuint (call_status (m1), ==, 429);
    g_assert_cmpuint (call_status (s1), ==, 429);
    g_assert_cmpuint (call_status (s2), ==, 200);
    g_assert_cmpuint (call_status (m2), ==, 200);
  }
  tact_sandbox_server_clear_faults (f->server);
  g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->server), ==, 0);

  /* createRoom: a faulted one creates nothing. */
  tact_sandbox_server_inject_fault (f->server, "POST", "/_matrix/client/v3/createRoom",
                                    TACT_SANDBOX_FAULT_SERVER_ERROR, 1);
  {
    g_autoptr(Call) c = call (f, "POST", "/_matrix/client/v3/createRoom", f->token,
                              "{\"name\":\"Faulted\"}");
    g_assert_cmpuint (call_status (c), ==, 500);
    g_assert_null (tact_sandbox_server_dup_room_id (f->server, "Faulted"));
  }

  /* Media download, without a token: dropped. */
  tact_sandbox_server_inject_fault (f->server, "GET", "/_matrix/media/v3/download/",
                                    TACT_SANDBOX_FAULT_DROP, 1);
  {
    g_autoptr(SoupSession) fresh = soup_session_new ();
    g_autoptr(Call) c = call_start_with (f, fresh, "GET", "/_matrix/media/v3/download/corp.test/x",
                                         NULL, NULL, NULL);
    call_wait (c);
    g_assert_nonnull (c->error);
    g_assert_cmpuint (tact_sandbox_server_get_held_requests (f->server), ==, 0);
  }

  /* A delayed /sync long-poll is still held by the handler and answered by a new event. */
  g_free (since);
  since = sync_next_batch (f, f->token);  /* nothing new after it */
  tact_sandbox_server_set_fault_ms (f->server, 20);
  tact_sandbox_server_inject_fault (f->server, "GET", "/_matrix/client/v3/sync",
                                    TACT_SANDBOX_FAULT_DELAY, 1);
  {
    g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/sync?since=%s&timeout=30000",
                                             since);
    g_autoptr(Call) c = call_start (f, "GET", path, f->token, NULL);
    g_autofree char *id = NULL;

    wait_held_requests (f, 1);
    wait_held_requests (f, 0);
    while (tact_sandbox_server_get_pending_syncs (f->server) == 0)
      g_main_context_iteration (NULL, TRUE);
    g_assert_false (c->done);
    g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->server), ==, 3);
    id = send_text (f, f->token, falcon, "long-poll-1", "wake up");
    call_wait (c);
    g_assert_no_error (c->error);
    g_assert_cmpuint (call_status (c), ==, 200);
    g_assert_nonnull (find_event (sync_timeline (call_object (c), "join", falcon), id));
  }

  /* A lost /sync answer: the held long-poll is forgotten with its connection. */
  tact_sandbox_server_inject_fault (f->server, "GET", "/_matrix/client/v3/sync",
                                    TACT_SANDBOX_FAULT_LOST_RESPONSE, 1);
  {
    g_autoptr(SoupSession) fresh = soup_session_new ();
    g_autofree char *path = g_strdup_printf ("/_matrix/client/v3/sync?since=s999999&timeout=30000");
    g_autoptr(Call) c = call_start_with (f, fresh, "GET", path, f->token, NULL, NULL);

    call_wait (c);
    g_assert_nonnull (c->error);
    wait_held_requests (f, 0);
    while (tact_sandbox_server_get_pending_syncs (f->server) > 0)
      g_main_context_iteration (NULL, TRUE);
  }
}

/* The request is applied but its answer lost: the retry with the same txnId gets the same
 * event, and there is only one. */
static void
test_fault_lost_response (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *path = room_path (falcon, "/send/m.room.message/lost-1");
  g_autofree char *newest = room_path (falcon, "/messages?dir=b&limit=1");
  const char *body = "{\"msgtype\":\"m.text\",\"body\":\"lost answer\"}";
  g_autoptr(SoupSession) fresh = soup_session_new ();
  g_autoptr(Call) lost = NULL;
  g_autoptr(Call) retry = NULL;
  g_autoptr(Call) last = NULL;
  guint before;

  tact_sandbox_server_set_reply_delay (f->server, 60000);
  login_me (f);
  before = tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message");

  tact_sandbox_server_inject_fault (f->server, "PUT", NULL, TACT_SANDBOX_FAULT_LOST_RESPONSE, 1);
  lost = call_start_with (f, fresh, "PUT", path, f->token, body, NULL);
  call_wait (lost);
  g_assert_nonnull (lost->error);
  g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->server), ==, 1);
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message"),
                    ==, before + 1);

  retry = call (f, "PUT", path, f->token, body);
  g_assert_cmpuint (call_status (retry), ==, 200);
  last = call (f, "GET", newest, f->token, NULL);
  g_assert_cmpstr (json_object_get_string_member (call_object (retry), "event_id"), ==,
                   json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (call_object (last), "chunk"), 0),
                       "event_id"));
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message"),
                    ==, before + 1);
}

/* TIMEOUT holds the request unanswered and unapplied until the client gives up, or until
 * fault_ms passes and the connection is closed. */
static void
test_fault_timeout (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *path = room_path (falcon, "/send/m.room.message/timeout-1");
  const char *body = "{\"msgtype\":\"m.text\",\"body\":\"slow\"}";
  guint before;

  tact_sandbox_server_set_reply_delay (f->server, 60000);
  login_me (f);
  before = tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message");

  /* The client gives up (as its request timeout does): the server forgets the request. */
  tact_sandbox_server_set_fault_ms (f->server, 60000);
  tact_sandbox_server_inject_fault (f->server, "PUT", NULL, TACT_SANDBOX_FAULT_TIMEOUT, 1);
  {
    g_autoptr(SoupSession) fresh = soup_session_new ();
    g_autoptr(Call) c = call_start_with (f, fresh, "PUT", path, f->token, body, NULL);

    wait_held_requests (f, 1);
    g_assert_false (c->done);
    soup_session_abort (fresh);
    call_wait (c);
    g_assert_nonnull (c->error);
    wait_held_requests (f, 0);
  }

  /* Nobody gives up: the connection is closed after fault_ms, without an answer. */
  tact_sandbox_server_set_fault_ms (f->server, 50);
  tact_sandbox_server_inject_fault (f->server, "PUT", NULL, TACT_SANDBOX_FAULT_TIMEOUT, 1);
  {
    g_autoptr(SoupSession) fresh = soup_session_new ();
    gint64 start = g_get_monotonic_time ();
    g_autoptr(Call) c = call_start_with (f, fresh, "PUT", path, f->token, body, NULL);

    call_wait (c);
    g_assert_nonnull (c->error);
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 50 * 1000);
  }
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message"),
                    ==, before);
  {
    g_autoptr(Call) c = call (f, "PUT", path, f->token, body);
    g_assert_cmpuint (call_status (c), ==, 200);
  }
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, falcon, ME, "m.room.message"),
                    ==, before + 1);
}

/* ---- Tests: the rc_message limiter ------------------------------------------------------------- */

static gint64
retry_after_ms (Call *c)
{
  return json_object_get_int_member (call_object (c), "retry_after_ms");
}

/* Fixtures 68–71: rc_message {per_second: 0.2, burst_count: 1}. */
static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  g_autofree char *falcon = tact_sandbox_server_dup_room_id (f->server, "Project Falcon");
  g_autofree char *colleague = NULL;
  g_autofree char *p1 = room_path (falcon, "/send/m.room.message/rl-1");
  g_autofree char *p2 = room_path (falcon, "/send/m.room.message/rl-2");
  g_autofree char *p3 = room_path (falcon, "/send/m.room.message/rl-3");
  const char *body = "{\"msgtype\":\"m.text\",\"body\":\"hi\"}";
  g_autoptr(Call) ok = NULL;
  g_autoptr(Call) second = NULL;
  g_autoptr(Call) third = NULL;
  g_autoptr(Call) repeat = NULL;

  tact_sandbox_server_set_reply_delay (f->server, 60000);
  login_me (f);
  colleague = login (f, TACT_SANDBOX_COLLEAGUE, NULL);

  tact_sandbox_server_set_rate_limit (f->server, 0.2, 1);
  ok = call (f, "PUT", p1, f->token, body);
  assert_like_fixture (ok, "68-ratelimit-send-1-ok.json");
  second = call (f, "PUT", p2, f->token, body);
  assert_error_like_fixture (second, "69-ratelimit-send-2-429.json");
  /* The real time until a token is back: 5 s after the first send. */
  g_assert_cmpint (retry_after_ms (second), >, 4000);
  g_assert_cmpint (retry_after_ms (second), <=, 5000);
  g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (second->msg),
                                               "Retry-After"));
  third = call (f, "PUT", p3, f->token, body);
  assert_error_like_fixture (third, "70-ratelimit-send-3-429.json");
  g_assert_cmpint (retry_after_ms (third), <=, retry_after_ms (second));
  /* A repeated transaction is answered from the transaction, not limited. */
  repeat = call (f, "PUT", p1, f->token, body);
  g_assert_cmpuint (call_status (repeat), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (call_object (repeat), "event_id"), ==,
                   json_object_get_string_member (call_object (ok), "event_id"));
  /* Per user: the colleague still has a token. */
  g_free (send_text (f, colleague, falcon, "rl-colleague", "me too"));

  /* createRoom with burst 1 and a full bucket: the request passes, the creator's join gets 429
   * (fixture 71), and no room is created. */
  tact_sandbox_server_set_rate_limit (f->server, 0.2, 1);
  {
    g_autoptr(Call) c = call (f, "POST", "/_matrix/client/v3/createRoom", f->token,
                              "{\"name\":\"Limited\"}");
    assert_error_like_fixture (c, "71-ratelimit-createroom-429.json");
    g_assert_cmpint (retry_after_ms (c), >, 4000);
    g_assert_null (tact_sandbox_server_dup_room_id (f->server, "Limited"));
  }
  /* Burst 2: createRoom takes both tokens, the next send waits. */
  tact_sandbox_server_set_rate_limit (f->server, 0.2, 2);
  {
    g_autoptr(Call) c = call (f, "POST", "/_matrix/client/v3/createRoom", f->token,
                              "{\"name\":\"Limited\"}");
    g_autofree char *p = room_path (falcon, "/send/m.room.message/rl-4");
    g_autoptr(Call) s = NULL;

    g_assert_cmpuint (call_status (c), ==, 200);
    s = call (f, "PUT", p, f->token, body);
    g_assert_cmpuint (call_status (s), ==, 429);
  }

  /* The bucket refills: after retry_after_ms the send goes through. The header when asked. */
  tact_sandbox_server_set_rate_limit (f->server, 20, 1);
  tact_sandbox_server_set_retry_after_header (f->server, TRUE);
  g_free (send_text (f, f->token, falcon, "rl-5", "one"));
  {
    g_autofree char *p = room_path (falcon, "/send/m.room.message/rl-6");
    g_autoptr(Call) limited = call (f, "PUT", p, f->token, body);
    g_autoptr(Call) later = NULL;

    g_assert_cmpuint (call_status (limited), ==, 429);
    g_assert_cmpint (retry_after_ms (limited), >, 0);
    g_assert_cmpint (retry_after_ms (limited), <=, 50);
    g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (limited->msg),
                                                   "Retry-After"), ==, "1");
    wait_ms ((guint) retry_after_ms (limited) + 5);
    later = call (f, "PUT", p, f->token, body);
    g_assert_cmpuint (call_status (later), ==, 200);
  }

  /* Switched off at runtime. */
  tact_sandbox_server_set_rate_limit (f->server, 0, 0);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *txn = g_strdup_printf ("rl-off-%u", i);
      g_free (send_text (f, f->token, falcon, txn, "free"));
    }
}

/* ---- Tests: authenticated media ---------------------------------------------------------------- */

static void
test_authenticated_media (Fixture *f, gconstpointer data)
{
  const char *text = "signed minutes";
  g_autoptr(Call) upload = NULL;
  g_autofree char *media_id = NULL;
  g_autofree char *v1 = NULL;
  g_autofree char *v3 = NULL;

  login_me (f);
  upload = call_start_with (f, f->session, "POST", "/_matrix/media/v3/upload?filename=m.txt",
                            f->token, text, "text/plain");
  call_wait (upload);
  g_assert_cmpuint (call_status (upload), ==, 200);
  media_id = g_strdup (json_object_get_string_member (call_object (upload), "content_uri") +
                       strlen ("mxc://corp.test/"));
  v1 = g_strdup_printf ("/_matrix/client/v1/media/download/corp.test/%s", media_id);
  v3 = g_strdup_printf ("/_matrix/media/v3/download/corp.test/%s", media_id);

  /* Off, like Synapse 1.67 (fixtures 54, 55). */
  {
    g_autoptr(Call) config = call (f, "GET", "/_matrix/client/v1/media/config", f->token, NULL);
    g_autoptr(Call) download = call (f, "GET", v1, f->token, NULL);

    assert_error_like_fixture (config, "54-media-v1-config-missing.json");
    assert_error_like_fixture (download, "55-media-v1-download-missing.json");
  }

  tact_sandbox_server_set_authenticated_media (f->server, TRUE);
  {
    g_autoptr(Call) versions = call (f, "GET", "/_matrix/client/versions", NULL, NULL);
    g_autoptr(Call) config = call (f, "GET", "/_matrix/client/v1/media/config", f->token, NULL);
    g_autoptr(Call) anonymous = call (f, "GET", v1, NULL, NULL);
    g_autoptr(Call) download = call (f, "GET", v1, f->token, NULL);
    g_autoptr(Call) old = call (f, "GET", v3, NULL, NULL);
    JsonArray *list = json_object_get_array_member (call_object (versions), "versions");
    gsize len = 0;
    const char *bytes = NULL;

    g_assert_cmpstr (json_array_get_string_element (list, json_array_get_length (list) - 1), ==,
                     "v1.11");
    assert_like_fixture (config, "53-media-config.json");
    g_assert_cmpuint (call_status (anonymous), ==, 401);
    g_assert_cmpstr (json_object_get_string_member (call_object (anonymous), "errcode"), ==,
                     "M_MISSING_TOKEN");
    g_assert_cmpuint (call_status (download), ==, 200);
    bytes = g_bytes_get_data (download->body, &len);
    g_assert_cmpmem (bytes, len, text, strlen (text));
    g_assert_cmpuint (call_status (old), ==, 404);
  }

  tact_sandbox_server_set_authenticated_media (f->server, FALSE);
  {
    g_autoptr(Call) download = call (f, "GET", v1, f->token, NULL);
    g_autoptr(Call) old = call (f, "GET", v3, NULL, NULL);

    g_assert_cmpuint (call_status (download), ==, 400);
    g_assert_cmpuint (call_status (old), ==, 200);
  }
}

/* ---- Tests: approvals, with the real client (src/matrix) ------------------------------------ */

#define WANG              TACT_SANDBOX_HEAD
#define APPROVAL_REQUEST  "io.github.tactchat.approval.request"
#define APPROVAL_DECISION "io.github.tactchat.approval.decision"
#define APPROVAL_ROOM     "io.github.tactchat.approval.room"
#define DEADLINE_S        30

/* createRoom as docs/approval-protocol.md describes it. */
static const char approvals_room_body[] =
  "{\"preset\": \"private_chat\", \"invite\": [\"" WANG "\"],"
  " \"creation_content\": {\"m.federate\": false},"
  " \"initial_state\": ["
  "  {\"type\": \"m.room.history_visibility\", \"state_key\": \"\","
  "   \"content\": {\"history_visibility\": \"invited\"}},"
  "  {\"type\": \"" APPROVAL_ROOM "\", \"state_key\": \"\","
  "   \"content\": {\"requester\": \"" ME "\", \"approvers\": [\"" WANG "\"]}}]}";

static void
result_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static gboolean
deadline_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until *slot is set; fails after DEADLINE_S. */
static GAsyncResult *
await_result (GAsyncResult **slot, const char *what)
{
  gboolean expired = FALSE;
  guint source = g_timeout_add_seconds (DEADLINE_S, deadline_cb, &expired);

  while (*slot == NULL && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (*slot == NULL)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (source);
  return *slot;
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Compact JSON in member order: equal strings mean the same content, kept as sent. */
static char *
object_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_node_set_object (node, object);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

static TactMatrixClient *
client_login (Fixture *f, const char *user)
{
  g_autoptr(TactMatrixClient) client = tact_matrix_client_new (f->base);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;

  tact_matrix_client_login_async (client, user, TACT_SANDBOX_PASSWORD, NULL, "test-sandbox", NULL,
                                  result_cb, &res);
  g_assert_true (tact_matrix_client_login_finish (client, await_result (&res, "login"), &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static char *
client_create_room (TactMatrixClient *client, const char *json)
{
  g_autoptr(JsonObject) body = parse_object (json);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  char *room_id;

  tact_matrix_client_create_room_async (client, body, NULL, result_cb, &res);
  room_id = tact_matrix_client_create_room_finish (client, await_result (&res, "createRoom"),
                                                   &error);
  g_assert_no_error (error);
  return room_id;
}

static char *
client_send (TactMatrixClient *client, const char *room_id, const char *type, const char *txn,
             JsonObject *content)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  char *event_id;

  tact_matrix_client_send_async (client, room_id, type, txn, content, NULL, result_cb, &res);
  event_id = tact_matrix_client_send_finish (client, await_result (&res, "send"), &error);
  g_assert_no_error (error);
  return event_id;
}

/* An approval request with every field of docs/approval-protocol.md. */
static JsonObject *
request_content (const char *request_id, const char *approver, const char *note,
                 const char *body, gint64 expires_ts)
{
  JsonObject *o = json_object_new ();
  JsonObject *target = json_object_new ();
  JsonObject *content = json_object_new ();
  JsonObject *finding = json_object_new ();
  JsonObject *profile = json_object_new ();
  JsonArray *findings = json_array_new ();
  JsonArray *clauses = json_array_new ();
  JsonArray *approvers = json_array_new ();
  g_autofree char *sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, request_id, -1);

  json_object_set_string_member (o, "request_id", request_id);
  json_object_set_string_member (o, "txn_id", "tact-txn-1");
  json_object_set_string_member (target, "room_id", "!falcon:corp.test");
  json_object_set_string_member (target, "name", "Project Falcon");
  json_object_set_int_member (target, "member_count", 3);
  json_object_set_int_member (target, "external_count", 1);
  json_object_set_string_member (target, "kind", "group");
  json_object_set_object_member (o, "target", target);
  json_object_set_string_member (o, "event_type", "m.room.message");
  json_object_set_string_member (content, "msgtype", "m.text");
  json_object_set_string_member (content, "body", body);
  json_object_set_object_member (o, "content", content);
  json_object_set_array_member (o, "attachments", json_array_new ());
  json_object_set_string_member (finding, "rule_id", "PUB-2");
  json_object_set_string_member (finding, "title", "报价 to a customer");
  json_array_add_string_element (clauses, "4.2");
  json_object_set_array_member (finding, "clauses", clauses);
  json_object_set_string_member (finding, "action", "approve");
  json_object_set_array_member (finding, "excerpts", json_array_new ());
  json_array_add_object_element (findings, finding);
  json_object_set_array_member (o, "findings", findings);
  json_array_add_string_element (approvers, approver);
  json_object_set_array_member (o, "approvers", approvers);
  json_object_set_string_member (o, "note", note);
  json_object_set_int_member (o, "expires_ts", expires_ts);
  json_object_set_string_member (profile, "id", "corp-default");
  json_object_set_int_member (profile, "version", 2);
  json_object_set_object_member (o, "profile", profile);
  json_object_set_string_member (o, "sha256", sha256);
  return o;
}

static gint64
in_an_hour (void)
{
  return g_get_real_time () / 1000 + 3600 * 1000;
}

/* One client's view of one room through /sync: every timeline and state event so far. */
typedef struct {
  TactMatrixClient *client;    /* borrowed */
  const char       *room_id;   /* borrowed */
  char             *since;     /* owned */
  GPtrArray        *timeline;  /* owned, of owned TactEvent* */
  GPtrArray        *state;     /* owned, of owned TactEvent* */
} Syncer;

static void
syncer_init (Syncer *s, TactMatrixClient *client, const char *room_id)
{
  s->client = client;
  s->room_id = room_id;
  s->since = NULL;
  s->timeline = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_event_free);
  s->state = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_event_free);
}

static void
syncer_clear (Syncer *s)
{
  g_clear_pointer (&s->since, g_free);
  g_clear_pointer (&s->timeline, g_ptr_array_unref);
  g_clear_pointer (&s->state, g_ptr_array_unref);
}

/* One /sync (a long poll of timeout_ms, answered as soon as something happens). */
static void
syncer_step (Syncer *s, const char *filter, guint timeout_ms)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) response = NULL;

  tact_matrix_client_sync_async (s->client, s->since, filter, timeout_ms, NULL, result_cb, &res);
  response = tact_matrix_client_sync_finish (s->client, await_result (&res, "/sync"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->n_skipped, ==, 0);
  g_free (s->since);
  s->since = g_strdup (response->next_batch);
  for (guint i = 0; i < response->joined->len; i++)
    {
      TactSyncRoom *room = g_ptr_array_index (response->joined, i);

      if (!g_str_equal (room->room_id, s->room_id))
        continue;
      for (guint j = 0; j < room->timeline->len; j++)
        g_ptr_array_add (s->timeline, tact_event_copy (g_ptr_array_index (room->timeline, j)));
      for (guint j = 0; j < room->state->len; j++)
        g_ptr_array_add (s->state, tact_event_copy (g_ptr_array_index (room->state, j)));
    }
}

/* A timeline long enough that no test event is cut off by a limited sync. */
#define LONG_TIMELINE "{\"room\":{\"timeline\":{\"limit\":100}}}"

typedef gboolean (*SyncerCheck) (Syncer *s, gconstpointer data);

/* Syncs until check holds; fails after DEADLINE_S. */
static void
syncer_until (Syncer *s, SyncerCheck check, gconstpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;

  if (s->since == NULL)
    syncer_step (s, LONG_TIMELINE, 0);
  while (!check (s, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      syncer_step (s, LONG_TIMELINE, 1000);
    }
}

static const char *
event_string (TactEvent *ev, const char *member)
{
  return tact_json_get_string (ev->content, member);
}

static gboolean
is_member_event (TactEvent *ev, const char *user_id, const char *membership)
{
  return g_str_equal (ev->type, "m.room.member") && g_strcmp0 (ev->state_key, user_id) == 0 &&
         g_strcmp0 (event_string (ev, "membership"), membership) == 0;
}

static gboolean
wang_joined (Syncer *s, gconstpointer data)
{
  for (guint i = 0; i < s->timeline->len; i++)
    if (is_member_event (g_ptr_array_index (s->timeline, i), WANG, "join"))
      return TRUE;
  return FALSE;
}

/* Her decisions on request_id seen so far, in order. */
static GPtrArray *
decisions_for (Syncer *s, const char *request_id)
{
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < s->timeline->len; i++)
    {
      TactEvent *ev = g_ptr_array_index (s->timeline, i);

      if (g_str_equal (ev->type, APPROVAL_DECISION) &&
          g_strcmp0 (event_string (ev, "request_id"), request_id) == 0)
        g_ptr_array_add (found, ev);
    }
  return found;
}

static gboolean
decided (Syncer *s, gconstpointer request_id)
{
  g_autoptr(GPtrArray) found = decisions_for (s, request_id);

  return found->len > 0;
}

static TactEvent *
timeline_event (Syncer *s, const char *event_id)
{
  for (guint i = 0; i < s->timeline->len; i++)
    {
      TactEvent *ev = g_ptr_array_index (s->timeline, i);
      if (g_strcmp0 (ev->event_id, event_id) == 0)
        return ev;
    }
  return NULL;
}

/* The decision has exactly the fields of docs/approval-protocol.md, with these values. */
static void
assert_decision (TactEvent *ev, const char *request_id, const char *sha256,
                 const char *request_event_id, const char *decision, const char *comment)
{
  JsonObject *relates_to = tact_json_get_object (ev->content, "m.relates_to");

  g_assert_cmpstr (ev->type, ==, APPROVAL_DECISION);
  g_assert_cmpstr (ev->sender, ==, WANG);
  g_assert_null (ev->state_key);
  g_assert_cmpuint (json_object_get_size (ev->content), ==, 5);
  g_assert_cmpstr (event_string (ev, "request_id"), ==, request_id);
  g_assert_cmpstr (event_string (ev, "sha256"), ==, sha256);
  g_assert_cmpstr (event_string (ev, "decision"), ==, decision);
  g_assert_cmpstr (event_string (ev, "comment"), ==, comment);
  g_assert_nonnull (relates_to);
  g_assert_cmpuint (json_object_get_size (relates_to), ==, 2);
  g_assert_cmpstr (tact_json_get_string (relates_to, "rel_type"), ==, "m.reference");
  g_assert_cmpstr (tact_json_get_string (relates_to, "event_id"), ==, request_event_id);
}

static TactMessagesPage *
client_messages (TactMatrixClient *client, const char *room_id)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  TactMessagesPage *page;

  tact_matrix_client_get_messages_async (client, room_id, NULL, 'b', 100, NULL, result_cb, &res);
  page = tact_matrix_client_get_messages_finish (client, await_result (&res, "/messages"), &error);
  g_assert_no_error (error);
  return page;
}

static TactEvent *
page_event (TactMessagesPage *page, const char *event_id)
{
  for (guint i = 0; i < page->chunk->len; i++)
    {
      TactEvent *ev = g_ptr_array_index (page->chunk, i);
      if (g_strcmp0 (ev->event_id, event_id) == 0)
        return ev;
    }
  return NULL;
}

/* createRoom with preset, invite, creation_content and initial_state, as Synapse 1.67 does it;
 * her /sync shows the room from her invite on (history visibility "invited"). */
static void
test_approval_room (Fixture *f, gconstpointer data)
{
  g_autoptr(TactMatrixClient) me = client_login (f, TACT_SANDBOX_USER);
  g_autoptr(TactMatrixClient) wang = NULL;
  g_autofree char *room_id = client_create_room (me, approvals_room_body);
  g_autoptr(TactMessagesPage) page = NULL;
  g_autoptr(GPtrArray) types = g_ptr_array_new ();
  g_autoptr(GString) seen = g_string_new (NULL);
  Syncer s;

  syncer_init (&s, me, room_id);
  syncer_until (&s, wang_joined, NULL, "王芳 to join");

  /* Synapse's order: the preset's state unless initial_state sets it (history visibility),
   * initial_state, then the invites. So the marker is there before she is invited. */
  page = client_messages (me, room_id);
  for (guint i = page->chunk->len; i > 0; i--)
    {
      TactEvent *ev = g_ptr_array_index (page->chunk, i - 1);
      g_string_append_printf (seen, "%s%s", seen->len > 0 ? " " : "", ev->type);
      if (g_str_equal (ev->type, "m.room.create"))
        {
          g_autofree char *create = object_string (ev->content);
          g_assert_cmpstr (create, ==, "{\"m.federate\":false,\"room_version\":\"9\","
                                       "\"creator\":\"" ME "\"}");
        }
      else if (g_str_equal (ev->type, "m.room.history_visibility"))
        g_assert_cmpstr (event_string (ev, "history_visibility"), ==, "invited");
      else if (g_str_equal (ev->type, APPROVAL_ROOM))
        {
          g_autofree char *marker = object_string (ev->content);
          g_assert_cmpstr (ev->state_key, ==, "");
          g_assert_cmpstr (marker, ==, "{\"requester\":\"" ME "\",\"approvers\":[\"" WANG "\"]}");
        }
    }
  g_assert_cmpstr (seen->str, ==,
                   "m.room.create m.room.member m.room.power_levels m.room.join_rules "
                   "m.room.guest_access m.room.history_visibility " APPROVAL_ROOM " "
                   "m.room.member m.room.member");

  /* Her first /sync: the timeline holds what "invited" lets her see (events from before the
   * visibility changed, and from her invite on); the hidden state still is state. */
  wang = client_login (f, WANG);
  {
    Syncer w;
    g_autoptr(GString) wt = g_string_new (NULL);
    gboolean marker_in_state = FALSE;

    syncer_init (&w, wang, room_id);
    syncer_step (&w, LONG_TIMELINE, 0);
    for (guint i = 0; i < w.timeline->len; i++)
      {
        TactEvent *ev = g_ptr_array_index (w.timeline, i);
        g_string_append_printf (wt, "%s%s", wt->len > 0 ? " " : "", ev->type);
      }
    g_assert_cmpstr (wt->str, ==,
                     "m.room.create m.room.member m.room.power_levels m.room.join_rules "
                     "m.room.guest_access m.room.history_visibility m.room.member m.room.member");
    g_assert_true (is_member_event (g_ptr_array_index (w.timeline, 6), WANG, "invite"));
    for (guint i = 0; i < w.state->len; i++)
      marker_in_state |= g_str_equal (((TactEvent *) g_ptr_array_index (w.state, i))->type,
                                      APPROVAL_ROOM);
    g_assert_true (marker_in_state);
    syncer_clear (&w);
  }
  syncer_clear (&s);
}

typedef struct {
  const char *name;
  const char *note;
  const char *body;
  const char *decision;
  const char *comment;
} DecisionCase;

#define REJECT_COMMENT "底价不能发给客户，请删掉价格后再发。"
#define RETURN_COMMENT "请修改措辞后重新提交。"

static const DecisionCase decision_cases[] = {
  { "approve",              "",               "报价：每台 1200 元，含税。", "approve", "同意。" },
  { "floor-price-in-body",  "",               "我们的底价是每台 900 元。",  "reject",  REJECT_COMMENT },
  { "floor-price-in-note",  "里面有底价",     "报价：每台 1200 元。",       "reject",  REJECT_COMMENT },
  { "return-for-edit",      "请修改一下措辞", "正式答复：合同条款如下。",   "return",  RETURN_COMMENT },
  { "floor-price-wins",     "请修改",         "底价 900 元",                "reject",  REJECT_COMMENT },
  /* Return is decided by the note only. */
  { "edit-word-in-body",    "",               "请修改合同第三条后盖章。",   "approve", "同意。" },
};

static void
test_approval_decisions (Fixture *f, gconstpointer data)
{
  g_autoptr(TactMatrixClient) me = client_login (f, TACT_SANDBOX_USER);
  g_autofree char *room_id = client_create_room (me, approvals_room_body);
  g_autoptr(GPtrArray) event_ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(TactMessagesPage) page = NULL;
  Syncer s;

  syncer_init (&s, me, room_id);
  syncer_until (&s, wang_joined, NULL, "王芳 to join");

  for (guint i = 0; i < G_N_ELEMENTS (decision_cases); i++)
    {
      const DecisionCase *c = &decision_cases[i];
      g_autofree char *request_id = g_strdup_printf ("tact-approval-%s", c->name);
      g_autofree char *txn = g_strdup_printf ("req-%u", i);
      JsonObject *content = request_content (request_id, WANG, c->note, c->body, in_an_hour ());

      g_ptr_array_add (event_ids, client_send (me, room_id, APPROVAL_REQUEST, txn, content));
      g_ptr_array_add (sent, content);
    }

  for (guint i = 0; i < G_N_ELEMENTS (decision_cases); i++)
    {
      const DecisionCase *c = &decision_cases[i];
      JsonObject *content = g_ptr_array_index (sent, i);
      const char *request_id = json_object_get_string_member (content, "request_id");
      g_autoptr(GPtrArray) found = NULL;
      TactEvent *request;

      g_test_message ("case %s", c->name);
      syncer_until (&s, decided, request_id, request_id);
      found = decisions_for (&s, request_id);
      g_assert_cmpuint (found->len, ==, 1);
      assert_decision (g_ptr_array_index (found, 0), request_id,
                       json_object_get_string_member (content, "sha256"),
                       g_ptr_array_index (event_ids, i), c->decision, c->comment);

      /* The request came back through /sync unchanged. */
      request = timeline_event (&s, g_ptr_array_index (event_ids, i));
      g_assert_nonnull (request);
      g_assert_cmpstr (request->type, ==, APPROVAL_REQUEST);
      g_assert_cmpstr (request->sender, ==, ME);
      {
        g_autofree char *want = object_string (content);
        g_autofree char *got = object_string (request->content);
        g_assert_cmpstr (got, ==, want);
      }
    }

  /* And through /messages: the requests as sent, the decisions with m.relates_to as sent. */
  page = client_messages (me, room_id);
  for (guint i = 0; i < G_N_ELEMENTS (decision_cases); i++)
    {
      JsonObject *content = g_ptr_array_index (sent, i);
      const char *request_id = json_object_get_string_member (content, "request_id");
      TactEvent *request = page_event (page, g_ptr_array_index (event_ids, i));
      g_autoptr(GPtrArray) found = decisions_for (&s, request_id);
      TactEvent *decision = page_event (page, ((TactEvent *) g_ptr_array_index (found, 0))->event_id);
      g_autofree char *want = object_string (content);
      g_autofree char *got = NULL;

      g_assert_nonnull (request);
      got = object_string (request->content);
      g_assert_cmpstr (got, ==, want);
      g_assert_nonnull (decision);
      assert_decision (decision, request_id, json_object_get_string_member (content, "sha256"),
                       g_ptr_array_index (event_ids, i), decision_cases[i].decision,
                       decision_cases[i].comment);
    }
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, room_id, WANG, APPROVAL_DECISION),
                    ==, G_N_ELEMENTS (decision_cases));
  syncer_clear (&s);
}

/* What she must not decide, and what she decides once only. */
typedef struct {
  const char *name;
  const char *type;
  const char *approver;
  gint64      expires_in_ms;
  const char *not_a_string;    /* this member is sent as an object, or NULL */
} IgnoredCase;

static const IgnoredCase ignored_cases[] = {
  { "not-naming-her", APPROVAL_REQUEST,          TACT_SANDBOX_COLLEAGUE, 3600 * 1000, NULL },
  { "expired",        APPROVAL_REQUEST,          WANG,                   -1000,       NULL },
  { "other-type",     "io.github.tactchat.audit", WANG,                  3600 * 1000, NULL },
  { "bad-request-id", APPROVAL_REQUEST,          WANG,                   3600 * 1000, "request_id" },
  { "bad-sha256",     APPROVAL_REQUEST,          WANG,                   3600 * 1000, "sha256" },
};

static void
test_approval_once (Fixture *f, gconstpointer data)
{
  g_autoptr(TactMatrixClient) me = client_login (f, TACT_SANDBOX_USER);
  g_autofree char *room_id = client_create_room (me, approvals_room_body);
  g_autoptr(JsonObject) twice = request_content ("tact-approval-twice", WANG, "", "报价 1200 元",
                                                 in_an_hour ());
  g_autoptr(JsonObject) last = request_content ("tact-approval-last", WANG, "", "报价 1300 元",
                                                in_an_hour ());
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  g_autofree char *last_id = NULL;
  g_autoptr(GPtrArray) found = NULL;
  Syncer s;

  syncer_init (&s, me, room_id);
  syncer_until (&s, wang_joined, NULL, "王芳 to join");

  /* The same request twice (another txnId: a resend), then the ignored ones. */
  first_id = client_send (me, room_id, APPROVAL_REQUEST, "twice-1", twice);
  second_id = client_send (me, room_id, APPROVAL_REQUEST, "twice-2", twice);
  g_assert_cmpstr (first_id, !=, second_id);
  for (guint i = 0; i < G_N_ELEMENTS (ignored_cases); i++)
    {
      const IgnoredCase *c = &ignored_cases[i];
      g_autofree char *request_id = g_strdup_printf ("tact-approval-%s", c->name);
      g_autoptr(JsonObject) content = request_content (request_id, c->approver, "", "报价",
                                                       g_get_real_time () / 1000 +
                                                       c->expires_in_ms);
      if (c->not_a_string != NULL)
        json_object_set_object_member (content, c->not_a_string, json_object_new ());
      g_free (client_send (me, room_id, c->type, c->name, content));
    }
  /* Her decisions come in order: once the last is there, the others had their turn. */
  last_id = client_send (me, room_id, APPROVAL_REQUEST, "last", last);
  syncer_until (&s, decided, "tact-approval-last", "the last request's decision");
  /* One more round trip, so nothing that was due is still in flight. */
  syncer_step (&s, LONG_TIMELINE, 0);

  found = decisions_for (&s, "tact-approval-twice");
  g_assert_cmpuint (found->len, ==, 1);
  assert_decision (g_ptr_array_index (found, 0), "tact-approval-twice",
                   json_object_get_string_member (twice, "sha256"), first_id, "approve", "同意。");
  for (guint i = 0; i < G_N_ELEMENTS (ignored_cases); i++)
    {
      g_autofree char *request_id = g_strdup_printf ("tact-approval-%s", ignored_cases[i].name);
      g_autoptr(GPtrArray) none = decisions_for (&s, request_id);

      g_test_message ("case %s", ignored_cases[i].name);
      g_assert_cmpuint (none->len, ==, 0);
    }
  g_assert_cmpuint (tact_sandbox_server_count_events (f->server, room_id, WANG, APPROVAL_DECISION),
                    ==, 2);
  syncer_clear (&s);
}

/* Across restarts: a request still waiting when the sandbox stopped is decided after it
 * starts again, and one decided before is not decided again. */
static void
test_approval_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tact_test_tmpdir_new ("tact-sandbox-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autofree char *room_id = NULL;
  g_autoptr(JsonObject) early = request_content ("tact-approval-early", WANG, "", "报价 1", in_an_hour ());
  g_autoptr(JsonObject) waiting = request_content ("tact-approval-waiting", WANG, "底价", "报价 2",
                                                   in_an_hour ());
  g_autoptr(JsonObject) after = request_content ("tact-approval-after", WANG, "", "报价 3", in_an_hour ());
  Fixture f = { 0 };

  g_assert_no_error (error);

  /* First run: one request decided; the next still waiting when the server stops. */
  f.server = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  g_assert_true (tact_sandbox_server_set_state_file (f.server, path, &error));
  g_assert_no_error (error);
  tact_sandbox_server_seed_demo (f.server);
  tact_sandbox_server_set_reply_delay (f.server, 0);
  fixture_start (&f);
  {
    g_autoptr(TactMatrixClient) me = client_login (&f, TACT_SANDBOX_USER);
    Syncer s;

    room_id = client_create_room (me, approvals_room_body);
    syncer_init (&s, me, room_id);
    syncer_until (&s, wang_joined, NULL, "王芳 to join");
    g_free (client_send (me, room_id, APPROVAL_REQUEST, "early", early));
    syncer_until (&s, decided, "tact-approval-early", "the early decision");
    tact_sandbox_server_set_reply_delay (f.server, 60000);
    g_free (client_send (me, room_id, APPROVAL_REQUEST, "waiting", waiting));
    syncer_clear (&s);
  }
  g_assert_cmpuint (tact_sandbox_server_count_events (f.server, room_id, WANG, APPROVAL_DECISION),
                    ==, 1);
  fixture_teardown (&f, NULL);

  /* Second run: she decides the waiting one (rejects: 底价), not the early one again. */
  memset (&f, 0, sizeof f);
  f.server = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  g_assert_true (tact_sandbox_server_set_state_file (f.server, path, &error));
  g_assert_no_error (error);
  tact_sandbox_server_set_reply_delay (f.server, 0);
  fixture_start (&f);
  {
    g_autoptr(TactMatrixClient) me = client_login (&f, TACT_SANDBOX_USER);
    g_autoptr(GPtrArray) early_found = NULL;
    g_autoptr(GPtrArray) waiting_found = NULL;
    Syncer s;

    syncer_init (&s, me, room_id);
    syncer_until (&s, decided, "tact-approval-waiting", "the waiting decision");
    g_free (client_send (me, room_id, APPROVAL_REQUEST, "after", after));
    syncer_until (&s, decided, "tact-approval-after", "the decision after the restart");
    early_found = decisions_for (&s, "tact-approval-early");
    waiting_found = decisions_for (&s, "tact-approval-waiting");
    g_assert_cmpuint (early_found->len, ==, 1);
    g_assert_cmpuint (waiting_found->len, ==, 1);
    g_assert_cmpstr (event_string (g_ptr_array_index (waiting_found, 0), "decision"), ==, "reject");
    syncer_clear (&s);
  }
  g_assert_cmpuint (tact_sandbox_server_count_events (f.server, room_id, WANG, APPROVAL_DECISION),
                    ==, 3);
  fixture_teardown (&f, NULL);

  tact_test_tmpdir_remove (dir);
}

/* ---- Tests: history visibility ----------------------------------------------------------------- */

typedef struct {
  const char *visibility;
  gboolean    before_invite;   /* a message before Li Wei's invite */
  gboolean    while_invited;   /* one between his invite and his join */
} VisibilityCase;

static const VisibilityCase visibility_cases[] = {
  { "shared",  TRUE,  TRUE },
  { "invited", FALSE, TRUE },
  { "joined",  FALSE, FALSE },
};

static gboolean
has_body (GPtrArray *events, const char *body)
{
  for (guint i = 0; i < events->len; i++)
    if (g_strcmp0 (tact_event_get_body (g_ptr_array_index (events, i)), body) == 0)
      return TRUE;
  return FALSE;
}

static void
test_history_visibility (Fixture *f, gconstpointer data)
{
  /* Li Wei joins by hand here, not by his script. */
  tact_sandbox_server_set_reply_delay (f->server, 60000);

  for (guint i = 0; i < G_N_ELEMENTS (visibility_cases); i++)
    {
      const VisibilityCase *c = &visibility_cases[i];
      g_autoptr(TactMatrixClient) me = client_login (f, TACT_SANDBOX_USER);
      g_autoptr(TactMatrixClient) li = client_login (f, TACT_SANDBOX_COLLEAGUE);
      g_autofree char *body = g_strdup_printf (
          "{\"initial_state\": [{\"type\": \"m.room.history_visibility\", \"state_key\": \"\","
          " \"content\": {\"history_visibility\": \"%s\"}}]}", c->visibility);
      g_autofree char *room_id = client_create_room (me, body);
      g_autoptr(JsonObject) text = parse_object ("{\"msgtype\": \"m.text\", \"body\": \"before\"}");
      g_autofree char *before_id = NULL;
      g_autoptr(TactMessagesPage) page = NULL;
      g_autoptr(GAsyncResult) res = NULL;
      g_autoptr(GError) error = NULL;
      Syncer s;

      g_test_message ("case %s", c->visibility);
      before_id = client_send (me, room_id, "m.room.message", "before", text);
      tact_matrix_client_invite_async (me, room_id, TACT_SANDBOX_COLLEAGUE, NULL, result_cb, &res);
      g_assert_true (tact_matrix_client_invite_finish (me, await_result (&res, "invite"), &error));
      g_assert_no_error (error);
      g_clear_object (&res);
      json_object_set_string_member (text, "body", "while invited");
      g_free (client_send (me, room_id, "m.room.message", "while", text));
      tact_matrix_client_join_async (li, room_id, NULL, result_cb, &res);
      g_free (tact_matrix_client_join_finish (li, await_result (&res, "join"), &error));
      g_assert_no_error (error);
      json_object_set_string_member (text, "body", "after");
      g_free (client_send (me, room_id, "m.room.message", "after", text));

      syncer_init (&s, li, room_id);
      syncer_step (&s, LONG_TIMELINE, 0);
      g_assert_cmpint (has_body (s.timeline, "before"), ==, c->before_invite);
      g_assert_cmpint (has_body (s.timeline, "while invited"), ==, c->while_invited);
      g_assert_true (has_body (s.timeline, "after"));
      syncer_clear (&s);

      page = client_messages (li, room_id);
      g_assert_cmpint (has_body (page->chunk, "before"), ==, c->before_invite);
      g_assert_cmpint (has_body (page->chunk, "while invited"), ==, c->while_invited);
      g_assert_true (has_body (page->chunk, "after"));

      /* GET /event answers 404 for what he may not see. */
      {
        g_autofree char *rest = g_strdup_printf ("/event/%s", before_id);
        g_autofree char *p = room_path (room_id, rest);
        g_autoptr(Call) ev = call (f, "GET", p, tact_matrix_client_get_access_token (li), NULL);
        g_assert_cmpuint (call_status (ev), ==, c->before_invite ? 200 : 404);
      }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/sandbox/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("versions", test_versions);
  ADD ("login", test_login);
  ADD ("register", test_register);
  ADD ("whoami-logout", test_whoami_and_logout);
  ADD ("create-room-errors", test_create_room_errors);
  ADD ("unrecognized", test_unrecognized);
  ADD ("send-idempotent", test_send_idempotent);
  ADD ("transaction-id", test_transaction_id);
  ADD ("sync-empty", test_sync_shapes);
  ADD ("long-poll", test_long_poll);
  ADD ("filter-limited", test_filter_and_limited);
  ADD ("messages-pagination", test_messages_pagination);
  ADD ("state", test_state);
  ADD ("members-and-pages", test_members_and_pages);
  ADD ("media", test_media);
  ADD ("seeded-world", test_seeded_world);
  ADD ("actors", test_actors);
  ADD ("leave", test_leave);
  ADD ("faults", test_faults);
  ADD ("fault-routes", test_fault_routes);
  ADD ("fault-lost-response", test_fault_lost_response);
  ADD ("fault-timeout", test_fault_timeout);
  ADD ("rate-limit", test_rate_limit);
  ADD ("authenticated-media", test_authenticated_media);
  ADD ("history-visibility", test_history_visibility);
  ADD ("approval/room", test_approval_room);
  ADD ("approval/decisions", test_approval_decisions);
  ADD ("approval/once", test_approval_once);
#undef ADD
  g_test_add_func ("/sandbox/persistence", test_persistence);
  g_test_add_func ("/sandbox/approval/restart", test_approval_restart);

  return g_test_run ();
}
