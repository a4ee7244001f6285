/* test-faults.c: the Matrix client against the sandbox's switchable behaviours: a request the
 * server holds past the client's request timeout, an answer lost after the send was applied,
 * and authenticated media when the server advertises v1.11. Small and self-contained; the
 * outbox's reliability under faults is in test-session.c. */
#include <libsoup/soup.h>

#include "matrix/tact-matrix.h"
#include "sandbox/tact-sandbox.h"
#include "tact-test-util.h"

typedef struct {
  TactSandboxServer *sandbox;
  TactMatrixClient  *client;     /* @me, logged in */
  char              *room_id;    /* Project Falcon */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GAsyncResult *result = NULL;

  f->sandbox = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  tact_sandbox_server_seed_demo (f->sandbox);
  tact_sandbox_server_set_reply_delay (f->sandbox, 60000);   /* no actor replies */
  g_assert_true (tact_sandbox_server_listen (f->sandbox, 0, &error));
  g_assert_no_error (error);
  f->room_id = tact_sandbox_server_dup_room_id (f->sandbox, "Project Falcon");
  url = tact_sandbox_server_dup_base_url (f->sandbox);
  f->client = tact_matrix_client_new (url);
  tact_matrix_client_login_async (f->client, TACT_SANDBOX_USER, TACT_SANDBOX_PASSWORD, NULL,
                                  "test-faults", NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_login_finish (f->client, tact_test_wait_result (&result, "login"),
                                                  &error));
  g_assert_no_error (error);
  g_clear_object (&result);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  tact_sandbox_server_stop (f->sandbox);
  g_clear_object (&f->sandbox);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->room_id, g_free);
}

/* Sends a text with txn_id; returns the event id, or NULL with error set. */
static char *
send_text (Fixture *f, const char *txn_id, const char *text, GError **error)
{
  g_autoptr(JsonObject) content = json_object_new ();
  GAsyncResult *result = NULL;
  char *event_id;

  json_object_set_string_member (content, "msgtype", "m.text");
  json_object_set_string_member (content, "body", text);
  tact_matrix_client_send_async (f->client, f->room_id, "m.room.message", txn_id, content, NULL,
                                 tact_test_store_result_cb, &result);
  event_id = tact_matrix_client_send_finish (f->client, tact_test_wait_result (&result, "send"), error);
  g_clear_object (&result);
  return event_id;
}

static guint
count_messages (Fixture *f)
{
  return tact_sandbox_server_count_events (f->sandbox, f->room_id, "@me:corp.test",
                                           "m.room.message");
}

/* The server holds the send past the client's request timeout: the client fails with a
 * network error (timed out) long before the server would close; nothing was applied, and the
 * retry with the same txnId creates the event once. */
static void
test_request_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  guint before = count_messages (f);
  gint64 start;

  tact_matrix_client_set_request_timeout (f->client, 200);
  tact_sandbox_server_set_fault_ms (f->sandbox, 20000);
  tact_sandbox_server_inject_fault (f->sandbox, "PUT", "/_matrix/client/v3/rooms/",
                                    TACT_SANDBOX_FAULT_TIMEOUT, 1);
  start = g_get_monotonic_time ();
  first = send_text (f, "timeout-txn", "held", &error);
  g_assert_null (first);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NETWORK);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->sandbox), ==, 1);
  g_assert_cmpuint (count_messages (f), ==, before);
  g_clear_error (&error);

  again = send_text (f, "timeout-txn", "held", &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpuint (count_messages (f), ==, before + 1);
}

/* The send is applied but its answer lost. Over a reused keep-alive connection libsoup sends
 * an idempotent PUT once more by itself, so the first call may already succeed; either way
 * the txnId makes every attempt return the one event. */
static void
test_lost_response (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  guint before = count_messages (f);

  tact_sandbox_server_inject_fault (f->sandbox, "PUT", "/_matrix/client/v3/rooms/",
                                    TACT_SANDBOX_FAULT_LOST_RESPONSE, 1);
  first = send_text (f, "lost-txn", "applied", &error);
  if (first == NULL)
    g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NETWORK);
  g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->sandbox), ==, 1);
  g_assert_cmpuint (count_messages (f), ==, before + 1);
  g_clear_error (&error);

  again = send_text (f, "lost-txn", "applied", &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  if (first != NULL)
    g_assert_cmpstr (first, ==, again);
  g_assert_cmpuint (count_messages (f), ==, before + 1);
}

/* With authenticated media on (v1.11 advertised), the client downloads through client v1 media
 * with its token; the unauthenticated v3 download would answer 404. */
static void
test_authenticated_media_download (Fixture *f, gconstpointer data)
{
  static const char text[] = "falcon minutes";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) downloaded = NULL;
  g_auto(GStrv) versions = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *content_type = NULL;
  GAsyncResult *result = NULL;

  tact_sandbox_server_set_authenticated_media (f->sandbox, TRUE);
  tact_matrix_client_versions_async (f->client, NULL, tact_test_store_result_cb, &result);
  versions = tact_matrix_client_versions_finish (f->client, tact_test_wait_result (&result, "versions"),
                                                 &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char *const *) versions, "v1.11"));
  g_clear_object (&result);

  tact_matrix_client_upload_async (f->client, bytes, "text/plain", "minutes.txt", NULL,
                                   tact_test_store_result_cb, &result);
  uri = tact_matrix_client_upload_finish (f->client, tact_test_wait_result (&result, "upload"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  tact_matrix_client_download_async (f->client, uri, NULL, tact_test_store_result_cb, &result);
  downloaded = tact_matrix_client_download_finish (f->client, tact_test_wait_result (&result, "download"),
                                                   &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (downloaded, NULL), g_bytes_get_size (downloaded),
                   text, sizeof text - 1);
  g_assert_true (g_str_has_prefix (content_type, "text/plain"));
  g_clear_object (&result);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/session-faults/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("request-timeout", test_request_timeout);
  ADD ("lost-response", test_lost_response);
  ADD ("authenticated-media-download", test_authenticated_media_download);
#undef ADD

  return g_test_run ();
}
