/* test-matrix.c: unit tests for src/matrix.
 *
 * Parser tests run over the real Synapse 1.67 fixtures (TACT_FIXTURES_DIR). Client tests
 * run the real TactMatrixClient against a SoupServer on 127.0.0.1:0 that replays fixture
 * responses and records every request for assertions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tact-matrix.h"
#include "tact-matrix-private.h"
#include "tact-media-cache.h"
#include "tact-test-util.h"

/* ---- Fixtures -------------------------------------------------------------------- */

static char *
fixture_path (const char *name)
{
  const char *dir = g_getenv ("TACT_FIXTURES_DIR");

  g_assert_nonnull (dir);
  return g_build_filename (dir, "synapse-1.67", name, NULL);
}

/* The whole fixture file: {request, status, headers, response}. */
static JsonNode *
load_fixture (const char *name)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = fixture_path (name);
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static JsonNode *
fixture_response (const char *name)
{
  g_autoptr(JsonNode) root = load_fixture (name);

  return json_node_copy (json_object_get_member (json_node_get_object (root), "response"));
}

static TactSyncResponse *
parse_sync_fixture (const char *name)
{
  g_autoptr(JsonNode) response = fixture_response (name);
  g_autoptr(GError) error = NULL;
  TactSyncResponse *sync;

  sync = tact_sync_response_parse (response, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sync);
  return sync;
}

static TactSyncRoom *
find_room (GPtrArray  *rooms,
           const char *room_id)
{
  for (guint i = 0; i < rooms->len; i++)
    {
      TactSyncRoom *room = g_ptr_array_index (rooms, i);
      if (g_str_equal (room->room_id, room_id))
        return room;
    }
  return NULL;
}

static const TactEvent *
find_event_of_type (GPtrArray  *events,
                    const char *type)
{
  for (guint i = 0; i < events->len; i++)
    {
      const TactEvent *event = g_ptr_array_index (events, i);
      if (g_str_equal (event->type, type))
        return event;
    }
  return NULL;
}

static void
assert_room_ids (GPtrArray  *events,
                 const char *room_id)
{
  for (guint i = 0; i < events->len; i++)
    {
      const TactEvent *event = g_ptr_array_index (events, i);
      g_assert_cmpstr (event->room_id, ==, room_id);
      g_assert_nonnull (event->content);
    }
}

#define FALCON "!pwWcVPpBbVwAaQrcNA:corp.test"
#define DM     "!ITSIDHCvduewQcIBmy:corp.test"
#define OLD    "!PYqGFyzZOdMFOQrIFa:corp.test"

/* ---- /sync fixtures ---------------------------------------------------------------- */

static void
test_sync_initial (void)
{
  g_autoptr(TactSyncResponse) sync = parse_sync_fixture ("28-sync-initial-alice.json");
  TactSyncRoom *falcon, *dm;
  const TactEvent *direct;

  g_assert_cmpstr (sync->next_batch, ==, "s79_6_1_2_3_1_1_7_0");
  g_assert_cmpuint (sync->joined->len, ==, 5);
  g_assert_cmpuint (sync->invited->len, ==, 2);
  g_assert_cmpuint (sync->left->len, ==, 0);
  g_assert_cmpuint (sync->n_skipped, ==, 0);

  /* Global account data: m.direct written by the client, with no room_id. */
  direct = find_event_of_type (sync->account_data, "m.direct");
  g_assert_nonnull (direct);
  g_assert_null (direct->room_id);
  g_assert_null (direct->event_id);
  g_assert_true (json_object_has_member (direct->content, "@bob:corp.test"));

  falcon = find_room (sync->joined, FALCON);
  g_assert_nonnull (falcon);
  g_assert_cmpuint (falcon->timeline->len, ==, 10);
  g_assert_cmpuint (falcon->state->len, ==, 10);
  g_assert_true (falcon->limited);
  g_assert_cmpstr (falcon->prev_batch, ==, "t17-69_6_1_2_3_1_1_7_0");
  g_assert_cmpint (falcon->joined_member_count, ==, 3);
  g_assert_cmpint (falcon->invited_member_count, ==, 0);
  g_assert_cmpuint (falcon->heroes->len, ==, 0);
  /* Ephemeral has m.typing and m.receipt: typing is parsed, the receipt is not fatal. */
  g_assert_nonnull (falcon->typing);
  g_assert_cmpuint (falcon->typing->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (falcon->typing, 0), ==, "@bob:corp.test");
  /* /sync events have no room_id: it comes from the room key. */
  assert_room_ids (falcon->timeline, FALCON);
  assert_room_ids (falcon->state, FALCON);

  dm = find_room (sync->joined, DM);
  g_assert_nonnull (dm);
  g_assert_false (dm->limited);
  g_assert_cmpint (dm->joined_member_count, ==, 2);
  g_assert_cmpuint (dm->heroes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (dm->heroes, 0), ==, "@bob:corp.test");
  g_assert_null (dm->typing);   /* its ephemeral section has no m.typing */

  for (guint i = 0; i < sync->invited->len; i++)
    {
      TactSyncInvite *invite = g_ptr_array_index (sync->invited, i);

      g_assert_cmpuint (invite->invite_state->len, ==, 5);
      assert_room_ids (invite->invite_state, invite->room_id);
      g_assert_nonnull (find_event_of_type (invite->invite_state, "m.room.member"));
    }
}

static void
test_sync_incremental_leave (void)
{
  g_autoptr(TactSyncResponse) sync = parse_sync_fixture ("30-sync-incremental.json");
  TactSyncRoom *falcon, *left;

  g_assert_cmpuint (sync->joined->len, ==, 1);
  g_assert_cmpuint (sync->left->len, ==, 1);

  falcon = find_room (sync->joined, FALCON);
  g_assert_cmpuint (falcon->timeline->len, ==, 2);
  /* summary is {} in incremental syncs */
  g_assert_cmpint (falcon->joined_member_count, ==, -1);
  /* typing stopped: an m.typing with no users, not "no m.typing" */
  g_assert_nonnull (falcon->typing);
  g_assert_cmpuint (falcon->typing->len, ==, 0);

  left = find_room (sync->left, OLD);
  g_assert_nonnull (left);
  g_assert_cmpuint (left->timeline->len, ==, 1);
  g_assert_cmpuint (left->state->len, ==, 1);
  g_assert_cmpstr (((TactEvent *) g_ptr_array_index (left->timeline, 0))->type, ==, "m.room.member");
  g_assert_cmpstr (((TactEvent *) g_ptr_array_index (left->state, 0))->state_key, ==, "@alice:corp.test");
  assert_room_ids (left->timeline, OLD);
}

static void
test_sync_limited (void)
{
  g_autoptr(TactSyncResponse) sync = parse_sync_fixture ("31-sync-limited.json");
  TactSyncRoom *falcon = find_room (sync->joined, FALCON);

  g_assert_nonnull (falcon);
  g_assert_true (falcon->limited);
  g_assert_cmpstr (falcon->prev_batch, ==, "s97_6_2_2_3_1_1_7_0");
  g_assert_cmpuint (falcon->timeline->len, ==, 10);
  g_assert_cmpuint (falcon->state->len, ==, 0);
}

typedef struct {
  const char *fixture;
  const char *transaction_id;   /* expected on the m.room.message, or NULL */
} TxnCase;

static const TxnCase txn_cases[] = {
  { "34-sync-txn-sender.json", "tactchat-fixture-txn-1" },
  { "35-sync-txn-other-device.json", NULL },
  { "36-sync-txn-same-device-other-token.json", NULL },
};

static void
test_sync_transaction_id (gconstpointer data)
{
  const TxnCase *tc = data;
  g_autoptr(TactSyncResponse) sync = parse_sync_fixture (tc->fixture);
  TactSyncRoom *falcon = find_room (sync->joined, FALCON);
  const TactEvent *message;

  g_assert_nonnull (falcon);
  message = find_event_of_type (falcon->timeline, "m.room.message");
  g_assert_nonnull (message);
  g_assert_cmpstr (message->transaction_id, ==, tc->transaction_id);
  g_assert_cmpstr (tact_event_get_body (message), ==, "Sent once, even if retried");
}

static void
test_sync_empty (void)
{
  g_autoptr(TactSyncResponse) sync = parse_sync_fixture ("37-sync-empty-after-timeout.json");

  g_assert_cmpstr (sync->next_batch, ==, "s108_6_2_2_3_1_1_7_0");
  g_assert_cmpuint (sync->joined->len, ==, 0);
  g_assert_cmpuint (sync->invited->len, ==, 0);
  g_assert_cmpuint (sync->left->len, ==, 0);
  g_assert_cmpuint (sync->account_data->len, ==, 0);
  g_assert_cmpuint (sync->n_skipped, ==, 0);
}

static void
test_sync_federated (void)
{
  g_autoptr(TactSyncResponse) sync = parse_sync_fixture ("72-sync-initial-zhang.json");

  g_assert_cmpuint (sync->joined->len, ==, 2);
  g_assert_cmpuint (sync->n_skipped, ==, 0);
  /* summary {} without lazy loading */
  g_assert_cmpint (find_room (sync->joined, FALCON)->joined_member_count, ==, -1);
}

/* ---- /messages fixtures --------------------------------------------------------- */

typedef struct {
  const char *fixture;
  guint       n_chunk;
  const char *start;
  const char *end;
} MessagesCase;

static const MessagesCase messages_cases[] = {
  { "39-messages-b.json", 5, "t54-108_0_0_0_0_0_0_0_0", "t50-103_0_0_0_0_0_0_0_0" },
  { "40-messages-b-page2.json", 5, "t50-103_0_0_0_0_0_0_0_0", "t45-98_0_0_0_0_0_0_0_0" },
  { "41-messages-f.json", 5, "t45-98_0_0_0_0_0_0_0_0", "t49-103_0_0_0_0_0_0_0_0" },
  { "42-messages-f-no-from.json", 0, "t54-108_0_0_0_0_0_0_0_0", NULL },
  { "43-messages-b-from-sync-prev-batch.json", 5, "s97_6_2_2_3_1_1_7_0", "t39-92_6_2_2_3_1_1_7_0" },
  { "44-messages-dm-whole-history.json", 10, "t9-108_0_0_0_0_0_0_0_0", "t1-35_0_0_0_0_0_0_0_0" },
  { "45-messages-dm-past-start.json", 0, "t1-35_0_0_0_0_0_0_0_0", NULL },
};

static void
test_messages_page (gconstpointer data)
{
  const MessagesCase *tc = data;
  g_autoptr(JsonNode) response = fixture_response (tc->fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactMessagesPage) page = NULL;

  page = tact_messages_page_parse (response, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->chunk->len, ==, tc->n_chunk);
  g_assert_cmpstr (page->start, ==, tc->start);
  g_assert_cmpstr (page->end, ==, tc->end);
  for (guint i = 0; i < page->chunk->len; i++)
    {
      const TactEvent *event = g_ptr_array_index (page->chunk, i);
      g_assert_nonnull (event->room_id);   /* /messages events carry room_id */
      g_assert_nonnull (event->event_id);
    }
}

/* ---- Error bodies ------------------------------------------------------------------ */

typedef struct {
  const char      *fixture;
  TactMatrixError  code;
  const char      *errcode;
  gint64           retry_after_ms;
  gboolean         soft_logout;
  gboolean         transient;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "07-login-wrong-password.json", TACT_MATRIX_ERROR_FORBIDDEN, "M_FORBIDDEN", -1, FALSE, FALSE },
  { "09-whoami-invalid-token.json", TACT_MATRIX_ERROR_UNKNOWN_TOKEN, "M_UNKNOWN_TOKEN", -1, FALSE, FALSE },
  { "10-whoami-missing-token.json", TACT_MATRIX_ERROR_MISSING_TOKEN, "M_MISSING_TOKEN", -1, FALSE, FALSE },
  { "57-err-state-forbidden.json", TACT_MATRIX_ERROR_FORBIDDEN, "M_FORBIDDEN", -1, FALSE, FALSE },
  { "58-err-unknown-room-state.json", TACT_MATRIX_ERROR_FORBIDDEN, "M_FORBIDDEN", -1, FALSE, FALSE },
  { "59-err-not-json.json", TACT_MATRIX_ERROR_NOT_JSON, "M_NOT_JSON", -1, FALSE, FALSE },
  { "60-err-createroom-name-not-string.json", TACT_MATRIX_ERROR_UNKNOWN, "M_UNKNOWN", -1, FALSE, FALSE },
  { "61-err-createroom-invite-not-list.json", TACT_MATRIX_ERROR_UNKNOWN, "M_UNKNOWN", -1, FALSE, FALSE },
  { "62-err-createroom-bad-preset.json", TACT_MATRIX_ERROR_BAD_JSON, "M_BAD_JSON", -1, FALSE, FALSE },
  { "63-err-createroom-body-not-object.json", TACT_MATRIX_ERROR_BAD_JSON, "M_BAD_JSON", -1, FALSE, FALSE },
  { "64-err-createroom-500.json", TACT_MATRIX_ERROR_UNKNOWN, "M_UNKNOWN", -1, FALSE, TRUE },
  { "65-err-createroom-unsupported-room-version.json", TACT_MATRIX_ERROR_UNSUPPORTED_ROOM_VERSION, "M_UNSUPPORTED_ROOM_VERSION", -1, FALSE, FALSE },
  { "66-err-unrecognized.json", TACT_MATRIX_ERROR_UNRECOGNIZED, "M_UNRECOGNIZED", -1, FALSE, FALSE },
  { "67-err-wrong-method.json", TACT_MATRIX_ERROR_UNRECOGNIZED, "M_UNRECOGNIZED", -1, FALSE, FALSE },
  { "69-ratelimit-send-2-429.json", TACT_MATRIX_ERROR_LIMIT_EXCEEDED, "M_LIMIT_EXCEEDED", 4987, FALSE, TRUE },
  { "71-ratelimit-createroom-429.json", TACT_MATRIX_ERROR_LIMIT_EXCEEDED, "M_LIMIT_EXCEEDED", 4972, FALSE, TRUE },
  { "55-media-v1-download-missing.json", TACT_MATRIX_ERROR_UNRECOGNIZED, "M_UNRECOGNIZED", -1, FALSE, FALSE },
  { "78-whoami-after-logout.json", TACT_MATRIX_ERROR_UNKNOWN_TOKEN, "M_UNKNOWN_TOKEN", -1, FALSE, FALSE },
};

static GError *
error_from_fixture (const char *name)
{
  g_autoptr(JsonNode) root = load_fixture (name);
  JsonObject *obj = json_node_get_object (root);
  JsonObject *headers = json_object_get_object_member (obj, "headers");
  g_autoptr(SoupMessageHeaders) hdrs = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autofree char *text = json_to_string (json_object_get_member (obj, "response"), FALSE);
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));
  JsonObjectIter iter;
  const char *name_;
  JsonNode *value;

  json_object_iter_init (&iter, headers);
  while (json_object_iter_next (&iter, &name_, &value))
    soup_message_headers_append (hdrs, name_, json_node_get_string (value));

  return tact_matrix_error_new_from_response (json_object_get_int_member (obj, "status"), hdrs, body);
}

static void
test_error_fixture (gconstpointer data)
{
  const ErrorCase *tc = data;
  g_autoptr(GError) error = error_from_fixture (tc->fixture);
  g_autoptr(GError) copy = NULL;

  g_assert_error (error, TACT_MATRIX_ERROR, (gint) tc->code);
  g_assert_cmpstr (tact_matrix_error_get_errcode (error), ==, tc->errcode);
  g_assert_cmpint (tact_matrix_error_get_retry_after_ms (error), ==, tc->retry_after_ms);
  g_assert_cmpint (tact_matrix_error_is_soft_logout (error), ==, tc->soft_logout);
  g_assert_cmpint (tact_matrix_error_is_transient (error), ==, tc->transient);

  /* The extras travel with copies (GTask, g_propagate_error …). */
  copy = g_error_copy (error);
  g_assert_cmpstr (tact_matrix_error_get_errcode (copy), ==, tc->errcode);
  g_assert_cmpint (tact_matrix_error_get_retry_after_ms (copy), ==, tc->retry_after_ms);
}

static void
test_error_unknown_errcode (void)
{
  g_autoptr(GBytes) body = g_bytes_new_static ("{\"errcode\":\"ORG_EXAMPLE_WEIRD\",\"error\":\"odd\"}", 45);
  g_autoptr(GError) error = tact_matrix_error_new_from_response (400, NULL, body);

  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNKNOWN);
  g_assert_cmpstr (tact_matrix_error_get_errcode (error), ==, "ORG_EXAMPLE_WEIRD");
  g_assert_cmpstr (error->message, ==, "odd");
}

static void
test_error_errcode_table (void)
{
  static const struct { const char *errcode; TactMatrixError code; } table[] = {
    { "M_UNKNOWN", TACT_MATRIX_ERROR_UNKNOWN },
    { "M_FORBIDDEN", TACT_MATRIX_ERROR_FORBIDDEN },
    { "M_UNKNOWN_TOKEN", TACT_MATRIX_ERROR_UNKNOWN_TOKEN },
    { "M_MISSING_TOKEN", TACT_MATRIX_ERROR_MISSING_TOKEN },
    { "M_BAD_JSON", TACT_MATRIX_ERROR_BAD_JSON },
    { "M_NOT_JSON", TACT_MATRIX_ERROR_NOT_JSON },
    { "M_NOT_FOUND", TACT_MATRIX_ERROR_NOT_FOUND },
    { "M_LIMIT_EXCEEDED", TACT_MATRIX_ERROR_LIMIT_EXCEEDED },
    { "M_UNRECOGNIZED", TACT_MATRIX_ERROR_UNRECOGNIZED },
    { "M_USER_IN_USE", TACT_MATRIX_ERROR_USER_IN_USE },
    { "M_INVALID_USERNAME", TACT_MATRIX_ERROR_INVALID_USERNAME },
    { "M_ROOM_IN_USE", TACT_MATRIX_ERROR_ROOM_IN_USE },
    { "M_UNSUPPORTED_ROOM_VERSION", TACT_MATRIX_ERROR_UNSUPPORTED_ROOM_VERSION },
    { "M_INVALID_PARAM", TACT_MATRIX_ERROR_INVALID_PARAM },
    { "M_TOO_LARGE", TACT_MATRIX_ERROR_TOO_LARGE },
    { "M_USER_DEACTIVATED", TACT_MATRIX_ERROR_USER_DEACTIVATED },
    { "M_GUEST_ACCESS_FORBIDDEN", TACT_MATRIX_ERROR_GUEST_ACCESS_FORBIDDEN },
    { "M_UNAUTHORIZED", TACT_MATRIX_ERROR_UNAUTHORIZED },
    { "M_USER_LOCKED", TACT_MATRIX_ERROR_USER_LOCKED },
    { "M_USER_SUSPENDED", TACT_MATRIX_ERROR_USER_SUSPENDED },
    { "M_BAD_STATE", TACT_MATRIX_ERROR_BAD_STATE },
    { "M_INVALID_ROOM_STATE", TACT_MATRIX_ERROR_INVALID_ROOM_STATE },
    { "M_THREEPID_IN_USE", TACT_MATRIX_ERROR_THREEPID_IN_USE },
    { "M_THREEPID_NOT_FOUND", TACT_MATRIX_ERROR_THREEPID_NOT_FOUND },
    { "M_THREEPID_AUTH_FAILED", TACT_MATRIX_ERROR_THREEPID_AUTH_FAILED },
    { "M_THREEPID_DENIED", TACT_MATRIX_ERROR_THREEPID_DENIED },
    { "M_THREEPID_MEDIUM_NOT_SUPPORTED", TACT_MATRIX_ERROR_THREEPID_MEDIUM_NOT_SUPPORTED },
    { "M_SERVER_NOT_TRUSTED", TACT_MATRIX_ERROR_SERVER_NOT_TRUSTED },
    { "M_INCOMPATIBLE_ROOM_VERSION", TACT_MATRIX_ERROR_INCOMPATIBLE_ROOM_VERSION },
    { "M_BAD_PAGINATION", TACT_MATRIX_ERROR_BAD_PAGINATION },
    { "M_EXCLUSIVE", TACT_MATRIX_ERROR_EXCLUSIVE },
    { "M_RESOURCE_LIMIT_EXCEEDED", TACT_MATRIX_ERROR_RESOURCE_LIMIT_EXCEEDED },
    { "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM", TACT_MATRIX_ERROR_CANNOT_LEAVE_SERVER_NOTICE_ROOM },
    { "M_WEAK_PASSWORD", TACT_MATRIX_ERROR_WEAK_PASSWORD },
    { "M_CAPTCHA_NEEDED", TACT_MATRIX_ERROR_CAPTCHA_NEEDED },
    { "M_CAPTCHA_INVALID", TACT_MATRIX_ERROR_CAPTCHA_INVALID },
    { "M_MISSING_PARAM", TACT_MATRIX_ERROR_MISSING_PARAM },
    { "M_NOT_YET_UPLOADED", TACT_MATRIX_ERROR_NOT_YET_UPLOADED },
    { "M_CANNOT_OVERWRITE_MEDIA", TACT_MATRIX_ERROR_CANNOT_OVERWRITE_MEDIA },
    { "M_CONSENT_NOT_GIVEN", TACT_MATRIX_ERROR_CONSENT_NOT_GIVEN },
    { "M_DUPLICATE_ANNOTATION", TACT_MATRIX_ERROR_DUPLICATE_ANNOTATION },
    { "M_WRONG_ROOM_KEYS_VERSION", TACT_MATRIX_ERROR_WRONG_ROOM_KEYS_VERSION },
    { "M_UNACTIONABLE", TACT_MATRIX_ERROR_UNACTIONABLE },
    { "M_UNABLE_TO_AUTHORISE_JOIN", TACT_MATRIX_ERROR_UNABLE_TO_AUTHORISE_JOIN },
    { "M_UNABLE_TO_GRANT_JOIN", TACT_MATRIX_ERROR_UNABLE_TO_GRANT_JOIN },
    { "M_BAD_ALIAS", TACT_MATRIX_ERROR_BAD_ALIAS },
    { "M_URL_NOT_SET", TACT_MATRIX_ERROR_URL_NOT_SET },
    { "M_UNKNOWN_POS", TACT_MATRIX_ERROR_UNKNOWN_POS },
    { "M_SOMETHING_NEW", TACT_MATRIX_ERROR_UNKNOWN },
    { "m_forbidden", TACT_MATRIX_ERROR_UNKNOWN },
  };
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  /* The public values must never shift (other layers store and switch on them). */
  g_assert_cmpint (TACT_MATRIX_ERROR_GUEST_ACCESS_FORBIDDEN, ==, 16);
  g_assert_cmpint (TACT_MATRIX_ERROR_NOT_LOGGED_IN, ==, 21);
  g_assert_cmpint (TACT_MATRIX_ERROR_UNAUTHORIZED, ==, 22);
  g_assert_cmpint (TACT_MATRIX_ERROR_UNACTIONABLE, ==, 47);
  g_assert_cmpint (TACT_MATRIX_ERROR_BAD_ALIAS, ==, 50);

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *body_text = g_strdup_printf ("{\"errcode\":\"%s\",\"error\":\"why %zu\"}",
                                                    table[i].errcode, i);
      g_autoptr(GBytes) body = g_bytes_new (body_text, strlen (body_text));
      g_autoptr(GError) error = tact_matrix_error_new_from_response (400, NULL, body);
      g_autofree char *message = g_strdup_printf ("why %zu", i);

      g_test_message ("%s", table[i].errcode);
      g_assert_cmpint (tact_matrix_error_code_from_errcode (table[i].errcode), ==, table[i].code);
      g_assert_error (error, TACT_MATRIX_ERROR, (gint) table[i].code);
      g_assert_cmpstr (tact_matrix_error_get_errcode (error), ==, table[i].errcode);
      g_assert_cmpstr (error->message, ==, message);
      g_assert_cmpuint (tact_matrix_error_get_http_status (error), ==, 400);

      /* every spec errcode has its own code */
      if (table[i].code != TACT_MATRIX_ERROR_UNKNOWN)
        {
          g_assert_false (g_hash_table_contains (seen, GINT_TO_POINTER (table[i].code)));
          g_hash_table_add (seen, GINT_TO_POINTER (table[i].code));
        }
    }
}

static void
test_error_http_without_body (void)
{
  g_autoptr(GBytes) html = g_bytes_new_static ("<html>Bad Gateway</html>", 24);
  g_autoptr(GError) error = tact_matrix_error_new_from_response (502, NULL, html);
  g_autoptr(GError) not_found = tact_matrix_error_new_from_response (404, NULL, NULL);

  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_HTTP);
  g_assert_true (tact_matrix_error_is_transient (error));
  g_assert_cmpuint (tact_matrix_error_get_http_status (error), ==, 502);
  g_assert_null (tact_matrix_error_get_errcode (error));

  g_assert_error (not_found, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_HTTP);
  g_assert_false (tact_matrix_error_is_transient (not_found));

  /* Errors of other domains have no extras. */
  {
    g_autoptr(GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
    g_assert_null (tact_matrix_error_get_errcode (io));
    g_assert_cmpint (tact_matrix_error_get_retry_after_ms (io), ==, -1);
    g_assert_false (tact_matrix_error_is_transient (io));
  }
}

static void
test_retry_after_header (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 120);
  g_autofree char *date = NULL;
  gint64 ms;

  g_assert_cmpint (tact_matrix_parse_retry_after ("7"), ==, 7000);
  g_assert_cmpint (tact_matrix_parse_retry_after ("0"), ==, 0);
  g_assert_cmpint (tact_matrix_parse_retry_after (NULL), ==, -1);
  g_assert_cmpint (tact_matrix_parse_retry_after ("soon"), ==, -1);
  g_assert_cmpint (tact_matrix_parse_retry_after ("-5"), ==, -1);

  date = soup_date_time_to_string (later, SOUP_DATE_HTTP);
  ms = tact_matrix_parse_retry_after (date);
  g_assert_cmpint (ms, >, 100 * 1000);
  g_assert_cmpint (ms, <=, 120 * 1000);
}

/* ---- Events and helpers ------------------------------------------------------------ */

static void
test_escape_path_segment (void)
{
  static const struct { const char *in, *out; } table[] = {
    { "!pwWcVPpBbVwAaQrcNA:corp.test", "%21pwWcVPpBbVwAaQrcNA%3Acorp.test" },
    { "$abc/def+ghi", "%24abc%2Fdef%2Bghi" },
    { "@alice:corp.test", "%40alice%3Acorp.test" },
    { "#lobby:corp.test", "%23lobby%3Acorp.test" },
    { "tx 1?a=b&c", "tx%201%3Fa%3Db%26c" },
    { "a-b.c_d~e", "a-b.c_d~e" },
    { "é", "%C3%A9" },
    { "..", ".." },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *escaped = tact_matrix_escape_path_segment (table[i].in);
      g_assert_cmpstr (escaped, ==, table[i].out);
    }
}

static void
test_event_roundtrip (void)
{
  g_autoptr(JsonNode) node = json_from_string (
      "{\"type\":\"m.room.redaction\",\"event_id\":\"$r\",\"sender\":\"@a:b\","
      "\"origin_server_ts\":1795331180000,\"redacts\":\"$x\",\"content\":{\"reason\":\"oops\"},"
      "\"unsigned\":{\"transaction_id\":\"t1\",\"age\":5}}", NULL);
  g_autoptr(TactEvent) event = NULL;
  g_autoptr(TactEvent) copy = NULL;
  g_autoptr(TactEvent) back = NULL;
  g_autoptr(JsonNode) reparsed = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;

  event = tact_event_new_from_json (json_node_get_object (node), "!room:b", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (event->room_id, ==, "!room:b");
  g_assert_cmpstr (event->redacts, ==, "$x");
  g_assert_cmpstr (event->transaction_id, ==, "t1");
  g_assert_cmpint (event->origin_server_ts, ==, 1795331180000);
  g_assert_null (event->state_key);
  g_assert_null (tact_event_get_body (event));

  copy = tact_event_copy (event);
  json = tact_event_to_json (copy);
  reparsed = json_from_string (json, &error);
  g_assert_no_error (error);
  back = tact_event_new_from_json (json_node_get_object (reparsed), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->event_id, ==, "$r");
  g_assert_cmpstr (back->room_id, ==, "!room:b");
  g_assert_cmpstr (back->sender, ==, "@a:b");
  g_assert_cmpstr (back->redacts, ==, "$x");
  g_assert_cmpstr (back->transaction_id, ==, "t1");
  g_assert_cmpint (back->origin_server_ts, ==, 1795331180000);
  g_assert_cmpstr (json_object_get_string_member (back->content, "reason"), ==, "oops");
}

static void
test_event_redacts_in_content (void)
{
  g_autoptr(JsonNode) node = json_from_string (
      "{\"type\":\"m.room.redaction\",\"event_id\":\"$r\",\"sender\":\"@a:b\","
      "\"content\":{\"redacts\":\"$v11\"}}", NULL);
  g_autoptr(TactEvent) event = tact_event_new_from_json (json_node_get_object (node), NULL, NULL);

  g_assert_nonnull (event);
  g_assert_cmpstr (event->redacts, ==, "$v11");
  g_assert_cmpint (json_object_get_size (event->content), ==, 1);
}

/* ---- Hostile /sync input ----------------------------------------------------------- */

typedef struct {
  const char *name;
  char *    (*make) (void);      /* builds the body when json is NULL */
  const char *json;
  gboolean    ok;
  guint       n_skipped;         /* exact count when ok */
  guint       n_joined;
  guint       n_timeline;        /* in the first joined room, when n_joined > 0 */
} HostileCase;

#define EV(extra) "{\"type\":\"m.room.message\",\"event_id\":\"$e\",\"sender\":\"@a:b\"" extra "}"
#define SYNC_TL(events) "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"timeline\":{\"events\":[" events "]}}}}}"

static char *
make_huge_string (void)
{
  g_autofree char *big = g_malloc (1024 * 1024 + 1);

  memset (big, 'x', 1024 * 1024);
  big[1024 * 1024] = '\0';
  return g_strdup_printf (SYNC_TL (EV (",\"content\":{\"msgtype\":\"m.text\",\"body\":\"%s\"}")), big);
}

static char *
make_nested (guint depth)
{
  GString *s = g_string_new (SYNC_TL (EV (",\"content\":{\"deep\":")));

  /* SYNC_TL ends with "]}}}}}"; rebuild it around the nesting instead. */
  g_string_assign (s, "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"timeline\":{\"events\":["
                      "{\"type\":\"m.room.message\",\"event_id\":\"$e\",\"sender\":\"@a:b\",\"content\":{\"deep\":");
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append (s, "}}]}}}}}");
  return g_string_free (s, FALSE);
}

static char *make_deep_10000 (void) { return make_nested (10000); }
static char *make_deep_1000000 (void) { return make_nested (1000000); }
static char *make_deep_100 (void) { return make_nested (100); }

static const HostileCase hostile_cases[] = {
  { "valid-baseline", NULL, SYNC_TL (EV ("")), TRUE, 0, 1, 1 },
  { "missing-next-batch", NULL, "{\"rooms\":{}}", FALSE },
  { "next-batch-number", NULL, "{\"next_batch\":42}", FALSE },
  { "next-batch-null", NULL, "{\"next_batch\":null}", FALSE },
  { "root-array", NULL, "[1,2,3]", FALSE },
  { "root-string", NULL, "\"s1\"", FALSE },
  { "not-json", NULL, "<html>502</html>", FALSE },
  { "truncated-json", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{", FALSE },
  { "empty-body", NULL, "", FALSE },
  { "rooms-array", NULL, "{\"next_batch\":\"s1\",\"rooms\":[]}", TRUE, 1, 0 },
  { "rooms-string", NULL, "{\"next_batch\":\"s1\",\"rooms\":\"x\"}", TRUE, 1, 0 },
  { "join-array", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"join\":[1]}}", TRUE, 1, 0 },
  { "room-not-object", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":5,\"!s:b\":{}}}}", TRUE, 1, 1, 0 },
  { "room-key-empty", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"\":{}}}}", TRUE, 1, 0 },
  { "timeline-array", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"timeline\":[]}}}}", TRUE, 1, 1, 0 },
  { "timeline-events-object", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"timeline\":{\"events\":{}}}}}}", TRUE, 1, 1, 0 },
  { "event-not-object", NULL, SYNC_TL ("1,\"x\",null,[]," EV ("")), TRUE, 4, 1, 1 },
  { "content-not-object", NULL, SYNC_TL (EV (",\"content\":\"hi\"") "," EV ("")), TRUE, 1, 1, 1 },
  { "content-array", NULL, SYNC_TL (EV (",\"content\":[1]")), TRUE, 1, 1, 0 },
  { "type-missing", NULL, SYNC_TL ("{\"event_id\":\"$e\",\"sender\":\"@a:b\"}"), TRUE, 1, 1, 0 },
  { "type-number", NULL, SYNC_TL ("{\"type\":1,\"event_id\":\"$e\",\"sender\":\"@a:b\"}"), TRUE, 1, 1, 0 },
  { "event-id-number", NULL, SYNC_TL ("{\"type\":\"m.x\",\"event_id\":7,\"sender\":\"@a:b\"}"), TRUE, 1, 1, 0 },
  { "event-id-missing", NULL, SYNC_TL ("{\"type\":\"m.x\",\"sender\":\"@a:b\"}"), TRUE, 1, 1, 0 },
  { "sender-array", NULL, SYNC_TL ("{\"type\":\"m.x\",\"event_id\":\"$e\",\"sender\":[]}"), TRUE, 1, 1, 0 },
  { "state-key-object", NULL, SYNC_TL (EV (",\"state_key\":{}")), TRUE, 1, 1, 0 },
  { "ts-string-kept", NULL, SYNC_TL (EV (",\"origin_server_ts\":\"now\"")), TRUE, 0, 1, 1 },
  { "unsigned-not-object-kept", NULL, SYNC_TL (EV (",\"unsigned\":5")), TRUE, 0, 1, 1 },
  { "txn-id-number-kept", NULL, SYNC_TL (EV (",\"unsigned\":{\"transaction_id\":5}")), TRUE, 0, 1, 1 },
  { "state-without-state-key", NULL,
    "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"state\":{\"events\":[" EV ("") "]}}}}}", TRUE, 1, 1, 0 },
  { "summary-wrong-types", NULL,
    "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"summary\":{\"m.joined_member_count\":\"3\","
    "\"m.invited_member_count\":-4,\"m.heroes\":[1,\"@h:b\",null]}}}}}", TRUE, 2, 1, 0 },
  { "summary-array", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"summary\":[]}}}}", TRUE, 0, 1, 0 },
  { "typing-user-ids-string", NULL,
    "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"ephemeral\":{\"events\":[{\"type\":\"m.typing\","
    "\"content\":{\"user_ids\":\"@a:b\"}}]}}}}}", TRUE, 1, 1, 0 },
  { "ephemeral-events-not-objects", NULL,
    "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":{\"ephemeral\":{\"events\":[1,{\"type\":2}]}}}}}", TRUE, 2, 1, 0 },
  { "account-data-not-object", NULL, "{\"next_batch\":\"s1\",\"account_data\":[]}", TRUE, 1, 0 },
  { "account-data-event-no-type", NULL, "{\"next_batch\":\"s1\",\"account_data\":{\"events\":[{\"content\":{}}]}}", TRUE, 1, 0 },
  { "invite-state-not-object", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"invite\":{\"!r:b\":{\"invite_state\":7}}}}", TRUE, 1, 0 },
  { "invite-event-no-state-key", NULL,
    "{\"next_batch\":\"s1\",\"rooms\":{\"invite\":{\"!r:b\":{\"invite_state\":{\"events\":[{\"type\":\"m.room.name\",\"sender\":\"@a:b\",\"content\":{}}]}}}}}", TRUE, 1, 0 },
  { "leave-array", NULL, "{\"next_batch\":\"s1\",\"rooms\":{\"leave\":[]}}", TRUE, 1, 0 },
  { "brackets-inside-strings", NULL, SYNC_TL (EV (",\"content\":{\"body\":\"[[[[[[\\\"{{{{\"}")), TRUE, 0, 1, 1 },
  { "huge-1mb-string", make_huge_string, NULL, TRUE, 0, 1, 1 },
  { "deep-nesting-100-kept", make_deep_100, NULL, TRUE, 0, 1, 1 },
  { "deep-nesting-10000", make_deep_10000, NULL, FALSE },
  { "deep-nesting-1000000", make_deep_1000000, NULL, FALSE },
};

static void
test_hostile (gconstpointer data)
{
  const HostileCase *tc = data;
  g_autofree char *made = tc->make != NULL ? tc->make () : NULL;
  const char *text = made != NULL ? made : tc->json;
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) sync = NULL;

  sync = tact_sync_response_parse_bytes (body, &error);
  if (!tc->ok)
    {
      g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE);
      g_assert_null (sync);
      /* The error never quotes the body. */
      if (made != NULL)
        g_assert_cmpuint (strlen (error->message), <, 200);
      return;
    }

  g_assert_no_error (error);
  g_assert_nonnull (sync);
  g_assert_cmpstr (sync->next_batch, ==, "s1");
  g_assert_cmpuint (sync->n_skipped, ==, tc->n_skipped);
  g_assert_cmpuint (sync->joined->len, ==, tc->n_joined);
  if (tc->n_joined > 0)
    {
      TactSyncRoom *room = g_ptr_array_index (sync->joined, 0);
      g_assert_cmpuint (room->timeline->len, ==, tc->n_timeline);
      assert_room_ids (room->timeline, room->room_id);
    }
}

static void
test_hostile_summary_values (void)
{
  g_autoptr(GBytes) body = g_bytes_new_static (hostile_cases[29].json, strlen (hostile_cases[29].json));
  g_autoptr(TactSyncResponse) sync = tact_sync_response_parse_bytes (body, NULL);
  TactSyncRoom *room;

  g_assert_cmpstr (hostile_cases[29].name, ==, "summary-wrong-types");
  room = g_ptr_array_index (sync->joined, 0);
  g_assert_cmpint (room->joined_member_count, ==, -1);
  g_assert_cmpint (room->invited_member_count, ==, -1);
  g_assert_cmpuint (room->heroes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (room->heroes, 0), ==, "@h:b");
}

/* A tree built in memory (no parser depth check) must not upset the sync parser either. */
static void
test_hostile_deep_tree_node (void)
{
  g_autoptr(JsonNode) root = json_from_string ("{\"next_batch\":\"s1\",\"rooms\":{\"join\":{\"!r:b\":"
                                               "{\"timeline\":{\"events\":[" EV ("") "]}}}}}", NULL);
  JsonObject *event = json_node_get_object (
      json_array_get_element (json_object_get_array_member (
          json_object_get_object_member (json_object_get_object_member (json_object_get_object_member (
              json_object_get_object_member (json_node_get_object (root), "rooms"), "join"), "!r:b"),
                                         "timeline"), "events"), 0));
  JsonArray *inner = json_array_new ();
  JsonObject *content = json_object_new ();
  g_autoptr(TactSyncResponse) sync = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 10000; i++)
    {
      JsonArray *outer = json_array_new ();
      json_array_add_array_element (outer, inner);
      inner = outer;
    }
  json_object_set_array_member (content, "deep", inner);
  json_object_set_object_member (event, "content", content);

  sync = tact_sync_response_parse (root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((TactSyncRoom *) g_ptr_array_index (sync->joined, 0))->timeline->len, ==, 1);

  /* NULL root is an error, not a crash. */
  {
    g_autoptr(GError) null_error = NULL;
    g_assert_null (tact_sync_response_parse (NULL, &null_error));
    g_assert_error (null_error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE);
  }
}

/* ---- A replaying homeserver -------------------------------------------------------- */

typedef struct {
  char     *method;
  char     *path;          /* exact, percent-encoded */
  guint     status;
  char     *body;          /* NULL: empty */
  char     *content_type;
  char     *header_name;   /* one extra response header, or NULL */
  char     *header_value;
  gboolean  drop;          /* close the connection without answering */
  gboolean  hang;          /* never answer */
  gboolean  once;          /* match only once */
  gboolean  used;
} Route;

typedef struct {
  char  *method;
  char  *path;
  char  *query;
  char  *authorization;
  char  *content_type;
  char  *body;
} Recorded;

typedef struct {
  SoupServer *server;
  char       *base_url;
  GPtrArray  *routes;      /* Route */
  GPtrArray  *requests;    /* Recorded (as the server decoded them) */
  GPtrArray  *wire;        /* char*: each request's encoded path[?query], client-side */
} TestServer;

static void
route_free (Route *route)
{
  g_free (route->method);
  g_free (route->path);
  g_free (route->body);
  g_free (route->content_type);
  g_free (route->header_name);
  g_free (route->header_value);
  g_free (route);
}

static void
recorded_free (Recorded *rec)
{
  g_free (rec->method);
  g_free (rec->path);
  g_free (rec->query);
  g_free (rec->authorization);
  g_free (rec->content_type);
  g_free (rec->body);
  g_free (rec);
}

static void
set_content_type (Route      *route,
                  const char *content_type)
{
  g_free (route->content_type);
  route->content_type = g_strdup (content_type);
}

static Route *
add_route (TestServer *ts,
           const char *method,
           const char *path,
           guint       status,
           const char *json)
{
  Route *route = g_new0 (Route, 1);

  route->method = g_strdup (method);
  route->path = g_strdup (path);
  route->status = status;
  route->body = g_strdup (json);
  set_content_type (route, "application/json");
  g_ptr_array_add (ts->routes, route);
  return route;
}

/* Replays a fixture file: its request method and path, its status, headers and body. */
static Route *
add_fixture_route (TestServer *ts,
                   const char *fixture)
{
  g_autoptr(JsonNode) root = load_fixture (fixture);
  JsonObject *obj = json_node_get_object (root);
  JsonObject *request = json_object_get_object_member (obj, "request");
  JsonObject *headers = json_object_get_object_member (obj, "headers");
  JsonNode *response = json_object_get_member (obj, "response");
  g_autofree char *body = NULL;
  Route *route;

  if (JSON_NODE_HOLDS_VALUE (response))
    body = g_strdup (json_node_get_string (response));
  else
    body = json_to_string (response, FALSE);

  route = add_route (ts, json_object_get_string_member (request, "method"),
                     json_object_get_string_member (request, "path"),
                     json_object_get_int_member (obj, "status"), body);
  set_content_type (route, json_object_get_string_member (headers, "content-type"));
  return route;
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  TestServer *ts = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeaders *req_headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) req_body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  Recorded *rec = g_new0 (Recorded, 1);
  Route *route = NULL;

  rec->method = g_strdup (soup_server_message_get_method (msg));
  rec->path = g_strdup (g_uri_get_path (uri));
  rec->query = g_strdup (g_uri_get_query (uri));
  rec->authorization = g_strdup (soup_message_headers_get_one (req_headers, "Authorization"));
  rec->content_type = g_strdup (soup_message_headers_get_content_type (req_headers, NULL));
  rec->body = g_strndup (g_bytes_get_data (req_body, NULL), g_bytes_get_size (req_body));
  g_ptr_array_add (ts->requests, rec);

  for (guint i = 0; i < ts->routes->len; i++)
    {
      Route *r = g_ptr_array_index (ts->routes, i);

      if (r->once && r->used)
        continue;
      g_autofree char *decoded = g_uri_unescape_string (r->path, NULL);

      /* SoupServer hands us the decoded path; the wire path is checked client-side. */
      /* "*" as method and path: a catch-all route */
      if ((g_str_equal (r->method, "*") && g_str_equal (r->path, "*")) ||
          (g_str_equal (r->method, rec->method) && g_str_equal (decoded, rec->path)))
        {
          route = r;
          break;
        }
    }

  if (route == NULL)
    {
      const char *unknown = "{\"errcode\":\"M_UNRECOGNIZED\",\"error\":\"Unrecognized request\"}";
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, unknown, strlen (unknown));
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }

  route->used = TRUE;

  if (route->drop)
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  if (route->hang)
    {
      soup_server_message_pause (msg);
      return;
    }

  soup_server_message_set_status (msg, route->status, NULL);
  if (route->header_name != NULL)
    soup_message_headers_append (soup_server_message_get_response_headers (msg),
                                 route->header_name, route->header_value);
  soup_server_message_set_response (msg, route->content_type, SOUP_MEMORY_COPY,
                                    route->body != NULL ? route->body : "",
                                    route->body != NULL ? strlen (route->body) : 0);
}

static TestServer *
test_server_new (void)
{
  TestServer *ts = g_new0 (TestServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  ts->server = soup_server_new ("server-header", "fixture-replay", NULL);
  ts->routes = g_ptr_array_new_with_free_func ((GDestroyNotify) route_free);
  ts->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) recorded_free);
  ts->wire = g_ptr_array_new_with_free_func (g_free);
  soup_server_add_handler (ts->server, NULL, server_callback, ts, NULL);

  soup_server_listen_local (ts->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (ts->server);
  g_assert_nonnull (uris);
  ts->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return ts;
}

static void
test_server_free (TestServer *ts)
{
  soup_server_disconnect (ts->server);
  g_clear_object (&ts->server);
  g_ptr_array_unref (ts->routes);
  g_ptr_array_unref (ts->requests);
  g_ptr_array_unref (ts->wire);
  g_free (ts->base_url);
  g_free (ts);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestServer, test_server_free)

static Recorded *
request_at (TestServer *ts,
            guint       i)
{
  g_assert_cmpuint (i, <, ts->requests->len);
  return g_ptr_array_index (ts->requests, i);
}

/* Records the encoded path and query of every message the client queues: exactly what
 * goes on the wire. */
static void
request_queued_cb (SoupSession *session,
                   SoupMessage *msg,
                   TestServer  *ts)
{
  GUri *uri = soup_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);

  g_ptr_array_add (ts->wire, g_strconcat (g_uri_get_path (uri), query ? "?" : "", query ? query : "", NULL));
}

static TactMatrixClient *
watched_client (TestServer *ts,
                const char *url)
{
  TactMatrixClient *client = tact_matrix_client_new (url != NULL ? url : ts->base_url);

  g_signal_connect (tact_matrix_client_get_session (client), "request-queued",
                    G_CALLBACK (request_queued_cb), ts);
  return client;
}

static const char *
wire_at (TestServer *ts,
         guint       i)
{
  g_assert_cmpuint (i, <, ts->wire->len);
  return g_ptr_array_index (ts->wire, i);
}

/* Asserts the token appears only in the Authorization header of every request. */
static void
assert_token_not_in_urls (TestServer *ts,
                          const char *token)
{
  g_autofree char *escaped = g_uri_escape_string (token, NULL, FALSE);

  for (guint i = 0; i < ts->wire->len; i++)
    {
      const char *url = g_ptr_array_index (ts->wire, i);

      g_assert_null (strstr (url, token));
      g_assert_null (strstr (url, escaped));
      g_assert_null (strstr (url, "access_token"));
    }

  for (guint i = 0; i < ts->requests->len; i++)
    {
      Recorded *rec = g_ptr_array_index (ts->requests, i);

      g_assert_null (strstr (rec->path, token));
      g_assert_null (strstr (rec->path, escaped));
      g_assert_null (strstr (rec->path, "access_token"));
      if (rec->query != NULL)
        {
          g_assert_null (strstr (rec->query, token));
          g_assert_null (strstr (rec->query, escaped));
          g_assert_null (strstr (rec->query, "access_token"));
        }
    }
}

static TactMatrixClient *
logged_in_client (TestServer *ts)
{
  TactMatrixClient *client = watched_client (ts, NULL);

  tact_matrix_client_set_credentials (client, "@alice:corp.test", "XPHKVUJRZT", "<access_token>");
  return client;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* ---- Client tests ------------------------------------------------------------------ */

static void
test_client_login (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *user_id = NULL;
  JsonObject *identifier;
  Recorded *rec;

  add_fixture_route (ts, "06-login-ok.json");
  add_fixture_route (ts, "08-whoami.json");

  tact_matrix_client_login_async (client, "alice", "hunter2", "XPHKVUJRZT", "tactchat desktop",
                                  NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_login_finish (client, tact_test_wait_result (&result, "login"), &error));
  g_assert_no_error (error);

  g_assert_cmpstr (tact_matrix_client_get_user_id (client), ==, "@alice:corp.test");
  g_assert_cmpstr (tact_matrix_client_get_device_id (client), ==, "XPHKVUJRZT");
  g_assert_cmpstr (tact_matrix_client_get_access_token (client), ==, "<access_token>");
  g_assert_cmpstr (tact_matrix_client_get_server_name (client), ==, "corp.test");

  rec = request_at (ts, 0);
  g_assert_cmpstr (rec->method, ==, "POST");
  g_assert_cmpstr (rec->path, ==, "/_matrix/client/v3/login");
  g_assert_cmpstr (rec->content_type, ==, "application/json");
  g_assert_null (rec->authorization);
  body = parse_object (rec->body);
  g_assert_cmpstr (json_object_get_string_member (body, "type"), ==, "m.login.password");
  g_assert_cmpstr (json_object_get_string_member (body, "password"), ==, "hunter2");
  g_assert_cmpstr (json_object_get_string_member (body, "device_id"), ==, "XPHKVUJRZT");
  g_assert_cmpstr (json_object_get_string_member (body, "initial_device_display_name"), ==, "tactchat desktop");
  g_assert_false (json_object_has_member (body, "user"));
  identifier = json_object_get_object_member (body, "identifier");
  g_assert_cmpstr (json_object_get_string_member (identifier, "type"), ==, "m.id.user");
  g_assert_cmpstr (json_object_get_string_member (identifier, "user"), ==, "alice");

  /* Afterwards the token goes in the Authorization header, and only there. */
  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result2);
  user_id = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result2, "whoami"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user_id, ==, "@alice:corp.test");
  rec = request_at (ts, 1);
  g_assert_cmpstr (rec->authorization, ==, "Bearer <access_token>");
  g_assert_null (rec->query);
  assert_token_not_in_urls (ts, "<access_token>");
}

static void
test_client_login_wrong_password (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  add_fixture_route (ts, "07-login-wrong-password.json");
  tact_matrix_client_login_async (client, "alice", "nope", NULL, NULL, NULL, tact_test_store_result_cb, &result);
  g_assert_false (tact_matrix_client_login_finish (client, tact_test_wait_result (&result, "login"), &error));
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_FORBIDDEN);
  g_assert_cmpstr (error->message, ==, "Invalid username or password");
  g_assert_false (tact_matrix_error_is_transient (error));
  g_assert_null (tact_matrix_client_get_access_token (client));
  g_assert_null (tact_matrix_client_get_user_id (client));
}

static void
test_client_register_uia (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  JsonObject *auth;

  add_fixture_route (ts, "04-register-uia-401.json")->once = TRUE;
  add_fixture_route (ts, "05-register-dummy-ok.json");

  tact_matrix_client_register_async (client, "carol", "pw", NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_register_finish (client, tact_test_wait_result (&result, "register"), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tact_matrix_client_get_user_id (client), ==, "@carol:corp.test");
  g_assert_cmpstr (tact_matrix_client_get_device_id (client), ==, "NUABLTJXHD");
  g_assert_nonnull (tact_matrix_client_get_access_token (client));

  g_assert_cmpuint (ts->requests->len, ==, 2);
  first = parse_object (request_at (ts, 0)->body);
  g_assert_cmpstr (json_object_get_string_member (first, "username"), ==, "carol");
  g_assert_false (json_object_has_member (first, "auth"));
  second = parse_object (request_at (ts, 1)->body);
  auth = json_object_get_object_member (second, "auth");
  g_assert_cmpstr (json_object_get_string_member (auth, "type"), ==, "m.login.dummy");
  g_assert_cmpstr (json_object_get_string_member (auth, "session"), ==, "BoAoPCjmhbbEBoXccZfLwwBc");
  g_assert_cmpstr (json_object_get_string_member (second, "password"), ==, "pw");
}

static void
test_client_register_no_uia (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  add_fixture_route (ts, "05-register-dummy-ok.json");
  tact_matrix_client_register_async (client, "carol", "pw", NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_register_finish (client, tact_test_wait_result (&result, "register"), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ts->requests->len, ==, 1);
  g_assert_cmpstr (tact_matrix_client_get_user_id (client), ==, "@carol:corp.test");
}

static void
test_client_register_taken (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  add_route (ts, "POST", "/_matrix/client/v3/register", 400,
             "{\"errcode\":\"M_USER_IN_USE\",\"error\":\"User ID already taken.\"}");
  tact_matrix_client_register_async (client, "carol", "pw", NULL, tact_test_store_result_cb, &result);
  g_assert_false (tact_matrix_client_register_finish (client, tact_test_wait_result (&result, "register"), &error));
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_USER_IN_USE);
}

static void
test_client_send_escaped (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) content = parse_object ("{\"msgtype\":\"m.text\",\"body\":\"hello\"}");
  g_autoptr(JsonObject) sent = NULL;
  g_autofree char *event_id = NULL;
  g_autofree char *event_id2 = NULL;
  const char *path = "/_matrix/client/v3/rooms/%21kIExwjFEsreioDSpMy%3Acorp.test"
                     "/send/m.room.message/tx%2F1%20%23%24%40%3A%3F";

  add_route (ts, "PUT", path, 200, "{\"event_id\":\"$P5oWEYpO6Z105G71wg59RF7JOH6ksouyEzeaxtSboI4\"}");
  tact_matrix_client_send_async (client, "!kIExwjFEsreioDSpMy:corp.test", "m.room.message",
                                 "tx/1 #$@:?", content, NULL, tact_test_store_result_cb, &result);
  event_id = tact_matrix_client_send_finish (client, tact_test_wait_result (&result, "send"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (event_id, ==, "$P5oWEYpO6Z105G71wg59RF7JOH6ksouyEzeaxtSboI4");
  g_assert_cmpstr (wire_at (ts, 0), ==, path);
  g_assert_cmpstr (request_at (ts, 0)->method, ==, "PUT");
  g_assert_cmpstr (request_at (ts, 0)->authorization, ==, "Bearer <access_token>");
  sent = parse_object (request_at (ts, 0)->body);
  g_assert_cmpstr (json_object_get_string_member (sent, "body"), ==, "hello");

  /* The fixture's own path (68) comes out byte for byte. */
  add_fixture_route (ts, "68-ratelimit-send-1-ok.json");
  tact_matrix_client_send_async (client, "!kIExwjFEsreioDSpMy:corp.test", "m.room.message",
                                 "rl-1", content, NULL, tact_test_store_result_cb, &result2);
  event_id2 = tact_matrix_client_send_finish (client, tact_test_wait_result (&result2, "send"), &error);
  g_assert_no_error (error);
  g_assert_nonnull (event_id2);
  g_assert_cmpstr (wire_at (ts, 1), ==,
                   "/_matrix/client/v3/rooms/%21kIExwjFEsreioDSpMy%3Acorp.test/send/m.room.message/rl-1");
}

/* POST /receipt/m.read/{eventId} with {}: fixture 26, path byte for byte (the event id has a
 * '$' and a '-'), the token in the header only. */
static void
test_client_send_receipt (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) fixture = load_fixture ("26-receipt.json");
  JsonObject *request = json_object_get_object_member (json_node_get_object (fixture), "request");
  g_autoptr(JsonObject) sent = NULL;

  add_fixture_route (ts, "26-receipt.json");
  tact_matrix_client_send_receipt_async (client, "!pwWcVPpBbVwAaQrcNA:corp.test", "m.read",
                                         "$1VQzoDMD_OSNquBaErz-kLcOCUyEz-D3fj2l1PUiWOo",
                                         NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_send_receipt_finish (client, tact_test_wait_result (&result, "send receipt"), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (wire_at (ts, 0), ==, json_object_get_string_member (request, "path"));
  g_assert_cmpstr (request_at (ts, 0)->method, ==, "POST");
  g_assert_cmpstr (request_at (ts, 0)->authorization, ==, "Bearer <access_token>");
  g_assert_null (strstr (wire_at (ts, 0), "access_token"));
  sent = parse_object (request_at (ts, 0)->body);
  g_assert_cmpuint (json_object_get_size (sent), ==, 0);
}

static void
test_client_ratelimit_body (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) content = parse_object ("{\"msgtype\":\"m.text\",\"body\":\"message 2\"}");
  g_autofree char *event_id = NULL;

  add_fixture_route (ts, "69-ratelimit-send-2-429.json");
  tact_matrix_client_send_async (client, "!kIExwjFEsreioDSpMy:corp.test", "m.room.message",
                                 "rl-2", content, NULL, tact_test_store_result_cb, &result);
  event_id = tact_matrix_client_send_finish (client, tact_test_wait_result (&result, "send"), &error);
  g_assert_null (event_id);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_LIMIT_EXCEEDED);
  g_assert_cmpint (tact_matrix_error_get_retry_after_ms (error), ==, 4987);
  g_assert_true (tact_matrix_error_is_transient (error));
  g_assert_cmpuint (tact_matrix_error_get_http_status (error), ==, 429);
}

static void
test_client_ratelimit_header (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autofree char *user = NULL;
  g_autofree char *room = NULL;
  Route *route;

  route = add_route (ts, "GET", "/_matrix/client/v3/account/whoami", 429,
                     "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too Many Requests\"}");
  route->header_name = g_strdup ("Retry-After");
  route->header_value = g_strdup ("7");
  /* a 429 from a proxy: no Matrix body, only the header */
  route = add_route (ts, "POST", "/_matrix/client/v3/createRoom", 429, NULL);
  set_content_type (route, "text/plain");
  route->header_name = g_strdup ("Retry-After");
  route->header_value = g_strdup ("3");

  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result);
  user = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result, "whoami"), &error);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_LIMIT_EXCEEDED);
  g_assert_cmpint (tact_matrix_error_get_retry_after_ms (error), ==, 7000);
  g_assert_true (tact_matrix_error_is_transient (error));

  tact_matrix_client_create_room_async (client, NULL, NULL, tact_test_store_result_cb, &result2);
  room = tact_matrix_client_create_room_finish (client, tact_test_wait_result (&result2, "create room"), &error2);
  g_assert_error (error2, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_HTTP);
  g_assert_cmpint (tact_matrix_error_get_retry_after_ms (error2), ==, 3000);
  g_assert_true (tact_matrix_error_is_transient (error2));
}

static void
test_client_soft_logout (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autofree char *user = NULL;
  g_autofree char *user2 = NULL;
  Route *route;

  route = add_route (ts, "GET", "/_matrix/client/v3/account/whoami", 401,
                     "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Token expired\",\"soft_logout\":true}");
  route->once = TRUE;
  add_fixture_route (ts, "09-whoami-invalid-token.json");

  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result);
  user = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result, "whoami"), &error);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNKNOWN_TOKEN);
  g_assert_true (tact_matrix_error_is_soft_logout (error));
  g_assert_false (tact_matrix_error_is_transient (error));

  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result2);
  user2 = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result2, "whoami"), &error2);
  g_assert_error (error2, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNKNOWN_TOKEN);
  g_assert_false (tact_matrix_error_is_soft_logout (error2));
}

static void
test_client_server_error (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(JsonObject) body = parse_object ("{\"power_level_content_override\":\"x\"}");
  g_autofree char *room = NULL;
  g_autofree char *user = NULL;
  Route *route;

  add_fixture_route (ts, "64-err-createroom-500.json");
  route = add_route (ts, "GET", "/_matrix/client/v3/account/whoami", 503, "<html>down</html>");
  set_content_type (route, "text/html");

  tact_matrix_client_create_room_async (client, body, NULL, tact_test_store_result_cb, &result);
  room = tact_matrix_client_create_room_finish (client, tact_test_wait_result (&result, "create room"), &error);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNKNOWN);
  g_assert_cmpstr (tact_matrix_error_get_errcode (error), ==, "M_UNKNOWN");
  g_assert_true (tact_matrix_error_is_transient (error));

  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result2);
  user = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result2, "whoami"), &error2);
  g_assert_error (error2, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_HTTP);
  g_assert_true (tact_matrix_error_is_transient (error2));
  g_assert_cmpuint (tact_matrix_error_get_http_status (error2), ==, 503);
}

static void
test_client_dropped_connection (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL;

  add_route (ts, "GET", "/_matrix/client/v3/account/whoami", 200, NULL)->drop = TRUE;

  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result);
  user = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result, "whoami"), &error);
  g_assert_null (user);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NETWORK);
  g_assert_true (tact_matrix_error_is_transient (error));
  g_assert_cmpuint (tact_matrix_error_get_http_status (error), ==, 0);
}

static void
test_client_connection_refused (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(TactMatrixClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *user = NULL;
  guint16 port;

  /* Reserve a free port, then close it so nothing listens there. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);

  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  client = tact_matrix_client_new (url);
  tact_matrix_client_set_credentials (client, "@a:b", "D", "tok");
  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result);
  user = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result, "whoami"), &error);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NETWORK);
  g_assert_true (tact_matrix_error_is_transient (error));
}

static void
test_client_cancel (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) sync = NULL;

  add_route (ts, "GET", "/_matrix/client/v3/sync", 200, NULL)->hang = TRUE;

  tact_matrix_client_sync_async (client, "s1", NULL, 30000, cancellable, tact_test_store_result_cb, &result);
  /* Cancel once the server has the request. */
  while (ts->requests->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);

  sync = tact_matrix_client_sync_finish (client, tact_test_wait_result (&result, "sync"), &error);
  g_assert_null (sync);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_client_not_logged_in (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(TactSyncResponse) sync = NULL;
  g_autofree char *user = NULL;

  tact_matrix_client_sync_async (client, NULL, NULL, 0, NULL, tact_test_store_result_cb, &result);
  sync = tact_matrix_client_sync_finish (client, tact_test_wait_result (&result, "sync"), &error);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NOT_LOGGED_IN);

  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result2);
  user = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result2, "whoami"), &error2);
  g_assert_error (error2, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NOT_LOGGED_IN);
  g_assert_cmpuint (ts->requests->len, ==, 0);
}

static void
test_client_sync (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) sync = NULL;
  g_autoptr(GHashTable) params = NULL;
  Recorded *rec;

  add_fixture_route (ts, "28-sync-initial-alice.json");
  tact_matrix_client_sync_async (client, "s78 /+&", "0", 30000, NULL, tact_test_store_result_cb, &result);
  sync = tact_matrix_client_sync_finish (client, tact_test_wait_result (&result, "sync"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sync->joined->len, ==, 5);
  g_assert_cmpuint (sync->invited->len, ==, 2);

  rec = request_at (ts, 0);
  g_assert_cmpstr (rec->authorization, ==, "Bearer <access_token>");
  params = g_uri_parse_params (rec->query, -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (params, "filter"), ==, "0");
  g_assert_cmpstr (g_hash_table_lookup (params, "since"), ==, "s78 /+&");
  g_assert_cmpstr (g_hash_table_lookup (params, "timeout"), ==, "30000");
  g_assert_false (g_hash_table_contains (params, "access_token"));
  assert_token_not_in_urls (ts, "<access_token>");
}

static void
test_client_sync_not_json (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) sync = NULL;
  Route *route;

  route = add_route (ts, "GET", "/_matrix/client/v3/sync", 200, "<html>captive portal</html>");
  set_content_type (route, "text/html");
  tact_matrix_client_sync_async (client, NULL, NULL, 0, NULL, tact_test_store_result_cb, &result);
  sync = tact_matrix_client_sync_finish (client, tact_test_wait_result (&result, "sync"), &error);
  g_assert_null (sync);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE);
}

static void
test_client_messages_and_state (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactMessagesPage) page = NULL;
  g_autoptr(GPtrArray) state = NULL;
  g_autoptr(GHashTable) params = NULL;

  add_fixture_route (ts, "45-messages-dm-past-start.json");
  add_fixture_route (ts, "46-room-state.json");

  tact_matrix_client_get_messages_async (client, DM, "t1-35_0_0_0_0_0_0_0_0", 'b', 20,
                                         NULL, tact_test_store_result_cb, &result);
  page = tact_matrix_client_get_messages_finish (client, tact_test_wait_result (&result, "get messages"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->chunk->len, ==, 0);
  g_assert_null (page->end);
  params = g_uri_parse_params (request_at (ts, 0)->query, -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_cmpstr (g_hash_table_lookup (params, "dir"), ==, "b");
  g_assert_cmpstr (g_hash_table_lookup (params, "limit"), ==, "20");
  g_assert_cmpstr (g_hash_table_lookup (params, "from"), ==, "t1-35_0_0_0_0_0_0_0_0");

  tact_matrix_client_get_state_async (client, FALCON, NULL, tact_test_store_result_cb, &result2);
  state = tact_matrix_client_get_state_finish (client, tact_test_wait_result (&result2, "get state"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (state->len, >, 5);
  g_assert_nonnull (find_event_of_type (state, "m.room.create"));
}

static void
test_client_logout (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  add_fixture_route (ts, "77-logout.json");
  tact_matrix_client_logout_async (client, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_matrix_client_logout_finish (client, tact_test_wait_result (&result, "logout"), &error));
  g_assert_no_error (error);
  g_assert_null (tact_matrix_client_get_access_token (client));
  g_assert_cmpstr (request_at (ts, 0)->authorization, ==, "Bearer <access_token>");
}

/* ---- Discovery and versions ------------------------------------------------------ */

static char *
discover (const char *server,
          GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_matrix_discover_async (server, NULL, tact_test_store_result_cb, &result);
  return tact_matrix_discover_finish (tact_test_wait_result (&result, "matrix discover"), error);
}

static void
test_discover_well_known (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autofree char *well_known = NULL;
  g_autofree char *input = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;

  /* well-known points at the server itself, with a trailing slash like Synapse's */
  well_known = g_strdup_printf ("{\"m.homeserver\":{\"base_url\":\"%s/\"}}", ts->base_url);
  add_route (ts, "GET", "/.well-known/matrix/client", 200, well_known);
  add_fixture_route (ts, "01-versions.json");

  /* Even a full client URL (with a path) has its well-known looked up at the origin. */
  input = g_strdup_printf ("%s/some/path/", ts->base_url);
  url = discover (input, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, ts->base_url);
  g_assert_cmpstr (request_at (ts, 0)->path, ==, "/.well-known/matrix/client");
  g_assert_cmpstr (request_at (ts, 1)->path, ==, "/_matrix/client/versions");
}

static void
test_discover_no_well_known (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autofree char *input = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;

  add_fixture_route (ts, "01-versions.json");   /* well-known gets the 404 fallback */
  input = g_strdup_printf ("%s/", ts->base_url);
  url = discover (input, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, ts->base_url);
}

static void
test_discover_bad_well_known (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;

  add_route (ts, "GET", "/.well-known/matrix/client", 200, "{\"m.homeserver\":{\"base_url\":42}}");
  add_fixture_route (ts, "01-versions.json");
  url = discover (ts->base_url, &error);
  g_assert_null (url);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE);
}

static void
test_discover_not_matrix (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) invalid = NULL;
  g_autofree char *url2 = NULL;

  /* nothing but 404s */
  url = discover (ts->base_url, &error);
  g_assert_null (url);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNRECOGNIZED);
  g_assert_nonnull (strstr (error->message, ts->base_url));

  url2 = discover ("not a server", &invalid);
  g_assert_null (url2);
  g_assert_error (invalid, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_versions_r0_only (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) discover_error = NULL;
  g_auto(GStrv) versions = NULL;
  g_autofree char *url = NULL;

  add_route (ts, "GET", "/_matrix/client/versions", 200,
             "{\"versions\":[\"r0.5.0\",\"r0.6.1\",\"v1\",\"vx.y\",7]}");

  tact_matrix_client_versions_async (client, NULL, tact_test_store_result_cb, &result);
  versions = tact_matrix_client_versions_finish (client, tact_test_wait_result (&result, "versions"), &error);
  g_assert_null (versions);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNSUPPORTED_SERVER);
  g_assert_null (tact_matrix_client_get_versions (client));

  url = discover (ts->base_url, &discover_error);
  g_assert_null (url);
  g_assert_error (discover_error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNSUPPORTED_SERVER);
}

static void
test_versions_cached (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) versions = NULL;

  add_fixture_route (ts, "01-versions.json");
  tact_matrix_client_versions_async (client, NULL, tact_test_store_result_cb, &result);
  versions = tact_matrix_client_versions_finish (client, tact_test_wait_result (&result, "versions"), &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) versions, "v1.2"));
  g_assert_true (g_strv_contains (tact_matrix_client_get_versions (client), "v1.1"));
  g_assert_true (tact_matrix_client_supports_version (client, "v1.1"));
  g_assert_true (tact_matrix_client_supports_version (client, "v1.2"));
  g_assert_false (tact_matrix_client_supports_version (client, "v1.3"));
  g_assert_false (tact_matrix_client_supports_version (client, "v1.11"));
}

/* ---- Media -------------------------------------------------------------------------- */

static void
test_media_upload (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("Falcon launch notes\n- scope\n- timeline\n- risks\n", 47);
  g_autofree char *uri = NULL;
  Recorded *rec;

  add_fixture_route (ts, "52-media-upload.json");
  tact_matrix_client_upload_async (client, data, "text/plain", "falcon-notes.txt",
                                   NULL, tact_test_store_result_cb, &result);
  uri = tact_matrix_client_upload_finish (client, tact_test_wait_result (&result, "upload"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uri, ==, "mxc://corp.test/tinQsXmyTfeUPOyCqVfSauJq");

  rec = request_at (ts, 0);
  g_assert_cmpstr (rec->path, ==, "/_matrix/media/v3/upload");
  g_assert_cmpstr (rec->query, ==, "filename=falcon-notes.txt");
  g_assert_cmpstr (rec->content_type, ==, "text/plain");
  g_assert_cmpstr (rec->authorization, ==, "Bearer <access_token>");
  g_assert_cmpstr (rec->body, ==, "Falcon launch notes\n- scope\n- timeline\n- risks\n");
}

static void
test_media_download_v3 (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *content_type = NULL;

  /* Synapse 1.67: v1.1/v1.2 only, so media v3 (no authenticated media) */
  add_fixture_route (ts, "01-versions.json");
  add_fixture_route (ts, "56-media-v3-download.json");

  tact_matrix_client_download_async (client, "mxc://corp.test/tinQsXmyTfeUPOyCqVfSauJq",
                                     NULL, tact_test_store_result_cb, &result);
  bytes = tact_matrix_client_download_finish (client, tact_test_wait_result (&result, "download"), &content_type, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 47);
  g_assert_cmpstr (content_type, ==, "text/plain; charset=UTF-8");
  g_assert_cmpuint (ts->requests->len, ==, 2);
  g_assert_cmpstr (request_at (ts, 0)->path, ==, "/_matrix/client/versions");
  g_assert_cmpstr (wire_at (ts, 1), ==,
                   "/_matrix/media/v3/download/corp.test/tinQsXmyTfeUPOyCqVfSauJq");
  g_assert_null (request_at (ts, 1)->authorization);
}

static void
test_media_download_v1 (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) vresult = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) bad_result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) bad_error = NULL;
  g_auto(GStrv) versions = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) bad = NULL;
  Route *route;

  add_route (ts, "GET", "/_matrix/client/versions", 200,
             "{\"versions\":[\"r0.6.1\",\"v1.1\",\"v1.9\",\"v1.11\"]}");
  route = add_route (ts, "GET", "/_matrix/client/v1/media/download/corp.test/tinQsXmyTfeUPOyCqVfSauJq",
                     200, "hello media");
  set_content_type (route, "application/octet-stream");

  tact_matrix_client_versions_async (client, NULL, tact_test_store_result_cb, &vresult);
  versions = tact_matrix_client_versions_finish (client, tact_test_wait_result (&vresult, "versions"), &error);
  g_assert_no_error (error);
  g_assert_true (tact_matrix_client_supports_version (client, "v1.11"));

  /* versions are cached: the download goes straight to client v1 media, with the token */
  tact_matrix_client_download_async (client, "mxc://corp.test/tinQsXmyTfeUPOyCqVfSauJq",
                                     NULL, tact_test_store_result_cb, &result);
  bytes = tact_matrix_client_download_finish (client, tact_test_wait_result (&result, "download"), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "hello media", 11);
  g_assert_cmpuint (ts->requests->len, ==, 2);
  g_assert_cmpstr (wire_at (ts, 1), ==,
                   "/_matrix/client/v1/media/download/corp.test/tinQsXmyTfeUPOyCqVfSauJq");
  g_assert_cmpstr (request_at (ts, 1)->authorization, ==, "Bearer <access_token>");
  assert_token_not_in_urls (ts, "<access_token>");

  tact_matrix_client_download_async (client, "mxc://corp.test/a/b", NULL, tact_test_store_result_cb, &bad_result);
  bad = tact_matrix_client_download_finish (client, tact_test_wait_result (&bad_result, "download"), NULL, &bad_error);
  g_assert_null (bad);
  g_assert_error (bad_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}


/* ---- Receipts and unread counts ------------------------------------------------------ */

static void
test_sync_receipts_unread (void)
{
  g_autoptr(TactSyncResponse) sync = parse_sync_fixture ("28-sync-initial-alice.json");
  TactSyncRoom *falcon = find_room (sync->joined, "!pwWcVPpBbVwAaQrcNA:corp.test");
  TactSyncRoom *dm = find_room (sync->joined, "!ITSIDHCvduewQcIBmy:corp.test");
  TactSyncReceipt *receipt;

  g_assert_cmpuint (falcon->receipts->len, ==, 1);
  receipt = g_ptr_array_index (falcon->receipts, 0);
  g_assert_cmpstr (receipt->event_id, ==, "$1VQzoDMD_OSNquBaErz-kLcOCUyEz-D3fj2l1PUiWOo");
  g_assert_cmpstr (receipt->user_id, ==, "@bob:corp.test");
  g_assert_cmpstr (receipt->receipt_type, ==, "m.read");
  g_assert_null (receipt->thread_id);
  g_assert_cmpint (receipt->ts, ==, G_GINT64_CONSTANT (1795331181468));
  g_assert_cmpint (falcon->notification_count, ==, 5);
  g_assert_cmpint (falcon->highlight_count, ==, 1);

  g_assert_cmpuint (dm->receipts->len, ==, 0);
  g_assert_cmpint (dm->notification_count, ==, 1);
  g_assert_cmpint (dm->highlight_count, ==, 0);

  /* rooms.leave uses the same parser: fields initialised even when absent */
  {
    g_autoptr(TactSyncResponse) inc = parse_sync_fixture ("30-sync-incremental.json");

    for (guint i = 0; i < inc->left->len; i++)
      {
        TactSyncRoom *room = g_ptr_array_index (inc->left, i);
        g_assert_nonnull (room->receipts);
      }
  }
}

static void
test_sync_receipts_hostile (void)
{
  const char *text =
    "{\"next_batch\":\"s1\",\"rooms\":{\"join\":{"
    "\"!a:x\":{\"ephemeral\":{\"events\":["
    "  {\"type\":\"m.receipt\",\"content\":{"
    "     \"$good\":{\"m.read\":{\"@u:x\":{\"ts\":42,\"thread_id\":\"main\"},\"@v:x\":{}},"
    "                \"m.read.private\":{\"@me:x\":{\"ts\":\"soon\"}},\"m.bad\":7},"
    "     \"$bad\":[1],\"\":{}}},"
    "  {\"type\":\"m.receipt\",\"content\":\"x\"}]},"
    " \"unread_notifications\":{\"notification_count\":-3,\"highlight_count\":\"7\"}},"
    "\"!b:x\":{\"unread_notifications\":[]}}}}";
  g_autoptr(GBytes) body = g_bytes_new_static (text, strlen (text));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) sync = tact_sync_response_parse_bytes (body, &error);
  TactSyncRoom *a, *b;
  guint n_read = 0;

  g_assert_no_error (error);
  a = find_room (sync->joined, "!a:x");
  b = find_room (sync->joined, "!b:x");
  g_assert_cmpuint (a->receipts->len, ==, 3);
  for (guint i = 0; i < a->receipts->len; i++)
    {
      TactSyncReceipt *r = g_ptr_array_index (a->receipts, i);

      g_assert_cmpstr (r->event_id, ==, "$good");
      if (g_str_equal (r->receipt_type, "m.read"))
        n_read++;
      if (g_str_equal (r->user_id, "@u:x"))
        {
          g_assert_cmpint (r->ts, ==, 42);
          g_assert_cmpstr (r->thread_id, ==, "main");
        }
      else
        g_assert_cmpint (r->ts, ==, 0);
    }
  g_assert_cmpuint (n_read, ==, 2);
  /* m.bad (not an object), $bad (not an object), "" (empty id), content "x" */
  g_assert_cmpuint (sync->n_skipped, >=, 4);
  g_assert_cmpint (a->notification_count, ==, -1);
  g_assert_cmpint (a->highlight_count, ==, -1);
  g_assert_cmpint (b->notification_count, ==, -1);
  g_assert_cmpuint (b->receipts->len, ==, 0);
}

/* ---- Every endpoint ------------------------------------------------------------------- */

#define SECRET_TOKEN    "syt_U2VjcmV0VG9rZW4_SECRETTOKEN"
#define SECRET_PASSWORD "pw-correct-horse-SECRETPASS"
#define SECRET_BODY     "SECRETBODY 机密 message text"

/* Captured log output: everything, debug included, while @capturing. */
static GString *log_capture;
static gboolean log_capturing;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (log_capturing)
    {
      for (gsize i = 0; i < n_fields; i++)
        {
          g_string_append (log_capture, fields[i].key);
          g_string_append_c (log_capture, '=');
          if (fields[i].length < 0)
            g_string_append (log_capture, fields[i].value);
          else
            g_string_append_len (log_capture, fields[i].value, fields[i].length);
          g_string_append_c (log_capture, ' ');
        }
      g_string_append_c (log_capture, '\n');
    }
  /* debug output (on for the capture) is not printed */
  if (log_level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
error_free0 (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

/* Runs every endpoint of @client once and collects their errors (if any). */
static void
run_every_endpoint (TactMatrixClient *client,
                    const char       *room_id,
                    GPtrArray        *errors)
{
  g_autoptr(JsonObject) content = parse_object ("{\"msgtype\":\"m.text\",\"body\":\"" SECRET_BODY "\"}");
  g_autoptr(JsonObject) filter = parse_object ("{\"room\":{\"timeline\":{\"limit\":10}}}");
  g_autoptr(JsonObject) create = parse_object ("{\"name\":\"" SECRET_BODY "\"}");
  g_autoptr(GBytes) media = g_bytes_new_static (SECRET_BODY, strlen (SECRET_BODY));
  GAsyncResult *r[13] = { NULL, };
  GError *e[13] = { NULL, };
  gpointer value;

  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &r[0]);
  value = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&r[0], "whoami"), &e[0]); g_free (value);
  tact_matrix_client_upload_filter_async (client, filter, NULL, tact_test_store_result_cb, &r[1]);
  value = tact_matrix_client_upload_filter_finish (client, tact_test_wait_result (&r[1], "upload filter"), &e[1]); g_free (value);
  tact_matrix_client_sync_async (client, "s72_1/2?&", "0", 0, NULL, tact_test_store_result_cb, &r[2]);
  value = tact_matrix_client_sync_finish (client, tact_test_wait_result (&r[2], "sync"), &e[2]);
  g_clear_pointer ((TactSyncResponse **) &value, tact_sync_response_free);
  tact_matrix_client_create_room_async (client, create, NULL, tact_test_store_result_cb, &r[3]);
  value = tact_matrix_client_create_room_finish (client, tact_test_wait_result (&r[3], "create room"), &e[3]); g_free (value);
  tact_matrix_client_join_async (client, room_id, NULL, tact_test_store_result_cb, &r[4]);
  value = tact_matrix_client_join_finish (client, tact_test_wait_result (&r[4], "join"), &e[4]); g_free (value);
  tact_matrix_client_invite_async (client, room_id, "@bob/..?#:corp.test", NULL, tact_test_store_result_cb, &r[5]);
  tact_matrix_client_invite_finish (client, tact_test_wait_result (&r[5], "invite"), &e[5]);
  tact_matrix_client_send_async (client, room_id, "m.room.message", "txn/1?#", content, NULL,
                                 tact_test_store_result_cb, &r[6]);
  value = tact_matrix_client_send_finish (client, tact_test_wait_result (&r[6], "send"), &e[6]); g_free (value);
  tact_matrix_client_get_state_async (client, room_id, NULL, tact_test_store_result_cb, &r[7]);
  value = tact_matrix_client_get_state_finish (client, tact_test_wait_result (&r[7], "get state"), &e[7]);
  g_clear_pointer ((GPtrArray **) &value, g_ptr_array_unref);
  tact_matrix_client_get_messages_async (client, room_id, "t1/2&x=y", 'b', 20, NULL,
                                         tact_test_store_result_cb, &r[8]);
  value = tact_matrix_client_get_messages_finish (client, tact_test_wait_result (&r[8], "get messages"), &e[8]);
  g_clear_pointer ((TactMessagesPage **) &value, tact_messages_page_free);
  tact_matrix_client_upload_async (client, media, "text/plain", "a b/c?.txt", NULL, tact_test_store_result_cb, &r[9]);
  value = tact_matrix_client_upload_finish (client, tact_test_wait_result (&r[9], "upload"), &e[9]); g_free (value);
  tact_matrix_client_download_async (client, "mxc://corp.test/tinQsXmyTfeUPOyCqVfSauJq", NULL,
                                     tact_test_store_result_cb, &r[10]);
  value = tact_matrix_client_download_finish (client, tact_test_wait_result (&r[10], "download"), NULL, &e[10]);
  g_clear_pointer ((GBytes **) &value, g_bytes_unref);
  tact_matrix_client_logout_async (client, NULL, tact_test_store_result_cb, &r[11]);
  tact_matrix_client_logout_finish (client, tact_test_wait_result (&r[11], "logout"), &e[11]);

  for (guint i = 0; i < 12; i++)
    {
      g_ptr_array_add (errors, e[i]);
      g_clear_object (&r[i]);
    }
}

static void
test_client_soft_logout_every_endpoint (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (error_free0);

  /* /versions answers (for the download); everything else is a soft logout */
  add_route (ts, "GET", "/_matrix/client/versions", 200, "{\"versions\":[\"v1.1\",\"v1.11\"]}");
  add_route (ts, "*", "*", 401,
             "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Token expired\",\"soft_logout\":true}");

  run_every_endpoint (client, "!kIExwjFEsreioDSpMy:corp.test", errors);

  g_assert_cmpuint (errors->len, ==, 12);
  for (guint i = 0; i < errors->len; i++)
    {
      GError *error = g_ptr_array_index (errors, i);

      g_test_message ("endpoint %u", i);
      g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNKNOWN_TOKEN);
      g_assert_true (tact_matrix_error_is_soft_logout (error));
      g_assert_false (tact_matrix_error_is_transient (error));
      g_assert_cmpuint (tact_matrix_error_get_http_status (error), ==, 401);
    }
  /* A soft logout keeps the session: token, user and device stay for the re-login. */
  g_assert_cmpstr (tact_matrix_client_get_access_token (client), ==, "<access_token>");
  g_assert_cmpstr (tact_matrix_client_get_device_id (client), ==, "XPHKVUJRZT");
}

static void
test_client_no_secrets_in_urls_or_logs (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = watched_client (ts, NULL);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (error_free0);
  g_autoptr(GAsyncResult) login = NULL;
  g_autoptr(GAsyncResult) reg = NULL;
  g_autoptr(GError) error = NULL;
  const char *room_id = "!room/with ?#&=+$,;@:corp.test";
  g_autofree char *escaped_room = tact_matrix_escape_path_segment (room_id);
  g_autofree char *hostile_sync = NULL;

  add_route (ts, "GET", "/_matrix/client/versions", 200, "{\"versions\":[\"v1.1\",\"v1.11\"]}");
  add_route (ts, "POST", "/_matrix/client/v3/login", 200,
             "{\"user_id\":\"@alice:corp.test\",\"access_token\":\"" SECRET_TOKEN "\","
             "\"device_id\":\"XPHKVUJRZT\"}");
  add_fixture_route (ts, "04-register-uia-401.json")->once = TRUE;
  add_route (ts, "POST", "/_matrix/client/v3/register", 400,
             "{\"errcode\":\"M_USER_IN_USE\",\"error\":\"User ID already taken.\"}");
  /* a /sync whose events are malformed (so they get skipped and logged) and hold secrets */
  hostile_sync = g_strdup_printf ("{\"next_batch\":\"s2\",\"rooms\":{\"join\":{\"%s\":{\"timeline\":{\"events\":["
                                  "{\"type\":\"m.room.message\",\"content\":{\"body\":\"%s\"}},"
                                  "{\"type\":7,\"content\":{\"body\":\"%s\"}},"
                                  "{\"type\":\"m.room.message\",\"event_id\":\"$e\",\"sender\":\"@a:b\",\"content\":\"%s\"}]}}}}}",
                                  "!r:x", SECRET_BODY, SECRET_BODY, SECRET_BODY);
  add_route (ts, "GET", "/_matrix/client/v3/sync", 200, hostile_sync);
  /* everything else: an error that echoes nothing */
  add_route (ts, "*", "*", 400, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"Bad request\"}");

  log_capturing = TRUE;
  g_string_truncate (log_capture, 0);

  tact_matrix_client_register_async (client, "alice", SECRET_PASSWORD, NULL, tact_test_store_result_cb, &reg);
  g_assert_false (tact_matrix_client_register_finish (client, tact_test_wait_result (&reg, "register"), &error));
  g_clear_error (&error);
  tact_matrix_client_login_async (client, "alice", SECRET_PASSWORD, "XPHKVUJRZT", NULL, NULL,
                                  tact_test_store_result_cb, &login);
  g_assert_true (tact_matrix_client_login_finish (client, tact_test_wait_result (&login, "login"), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tact_matrix_client_get_access_token (client), ==, SECRET_TOKEN);

  run_every_endpoint (client, room_id, errors);
  log_capturing = FALSE;

  /* something was logged (debug included), and none of it is secret */
  g_assert_cmpuint (log_capture->len, >, 0);
  g_assert_nonnull (strstr (log_capture->str, "Skipping malformed event"));
  g_assert_null (strstr (log_capture->str, SECRET_TOKEN));
  g_assert_null (strstr (log_capture->str, "SECRETTOKEN"));
  g_assert_null (strstr (log_capture->str, "SECRETPASS"));
  g_assert_null (strstr (log_capture->str, "SECRETBODY"));
  /* nor are they in any error message */
  for (guint i = 0; i < errors->len; i++)
    {
      GError *e = g_ptr_array_index (errors, i);

      if (e != NULL)
        {
          g_assert_null (strstr (e->message, "SECRETTOKEN"));
          g_assert_null (strstr (e->message, "SECRETBODY"));
        }
    }

  /* 2 register + login + 12 endpoint calls + /versions for the download */
  g_assert_cmpuint (ts->wire->len, >=, 15);
  assert_token_not_in_urls (ts, SECRET_TOKEN);
  for (guint i = 0; i < ts->wire->len; i++)
    {
      const char *url = g_ptr_array_index (ts->wire, i);

      g_test_message ("%s", url);
      g_assert_null (strstr (url, "SECRETPASS"));
      g_assert_null (strstr (url, "SECRETBODY"));
      /* the room id travels as one escaped segment, never raw */
      if (strstr (url, "/rooms/") != NULL || strstr (url, "/join/") != NULL)
        g_assert_nonnull (strstr (url, escaped_room));
      g_assert_null (strstr (url, "/with "));
    }
  for (guint i = 0; i < ts->requests->len; i++)
    {
      Recorded *rec = request_at (ts, i);

      g_assert_null (rec->query != NULL ? strstr (rec->query, "SECRETPASS") : NULL);
      if (rec->authorization != NULL)
        g_assert_cmpstr (rec->authorization, ==, "Bearer " SECRET_TOKEN);
    }
}

static void
test_client_paths_escaped_every_endpoint (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (error_free0);
  const char *room = "!a/b?c#d&e=f+g$h,i;j@k:corp.test";
  const char *esc = "%21a%2Fb%3Fc%23d%26e%3Df%2Bg%24h%2Ci%3Bj%40k%3Acorp.test";
  static const char * const expected[] = {
    "/_matrix/client/v3/account/whoami",
    "/_matrix/client/v3/user/%40alice%3Acorp.test/filter",
    NULL, /* sync: query checked below */
    "/_matrix/client/v3/createRoom",
    "/_matrix/client/v3/join/%s",
    "/_matrix/client/v3/rooms/%s/invite",
    "/_matrix/client/v3/rooms/%s/send/m.room.message/txn%2F1%3F%23",
    "/_matrix/client/v3/rooms/%s/state",
    "/_matrix/client/v3/rooms/%s/messages?dir=b&from=t1%2F2%26x%3Dy&limit=20",
    "/_matrix/media/v3/upload?filename=a%20b%2Fc%3F.txt",
    "/_matrix/client/versions",
    "/_matrix/client/v1/media/download/corp.test/tinQsXmyTfeUPOyCqVfSauJq",
    "/_matrix/client/v3/logout",
  };

  add_route (ts, "GET", "/_matrix/client/versions", 200, "{\"versions\":[\"v1.11\"]}");
  add_route (ts, "*", "*", 404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"nope\"}");
  run_every_endpoint (client, room, errors);

  g_assert_cmpuint (ts->wire->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GString) want = NULL;

      if (expected[i] == NULL)
        {
          g_assert_cmpstr (wire_at (ts, i), ==,
                           "/_matrix/client/v3/sync?filter=0&since=s72_1%2F2%3F%26&timeout=0");
          continue;
        }
      want = g_string_new (expected[i]);
      g_string_replace (want, "%s", esc, 0);
      g_assert_cmpstr (wire_at (ts, i), ==, want->str);
    }
  /* invite's user id is in the body, unchanged */
  g_assert_nonnull (strstr (request_at (ts, 5)->body, "@bob/..?#:corp.test"));
}

static void
test_client_timeout (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL;
  gint64 start, elapsed;

  add_route (ts, "GET", "/_matrix/client/v3/account/whoami", 200, "{}")->hang = TRUE;
  tact_matrix_client_set_request_timeout (client, 200);

  start = g_get_monotonic_time ();
  tact_matrix_client_whoami_async (client, NULL, tact_test_store_result_cb, &result);
  user = tact_matrix_client_whoami_finish (client, tact_test_wait_result (&result, "whoami"), &error);
  elapsed = g_get_monotonic_time () - start;

  g_assert_null (user);
  g_assert_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NETWORK);
  g_assert_true (tact_matrix_error_is_transient (error));
  g_assert_cmpint (elapsed, >=, 190 * 1000);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);
  g_assert_nonnull (strstr (error->message, "timed out"));
}

/* ---- Media progress and cache -------------------------------------------------------- */

typedef struct {
  goffset  last_done;
  goffset  total;
  guint    calls;
  gboolean monotonic;
  gboolean destroyed;
} ProgressLog;

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  ProgressLog *log = user_data;

  if (done < log->last_done)
    log->monotonic = FALSE;
  log->last_done = done;
  log->total = total;
  log->calls++;
}

static void
progress_destroyed (gpointer user_data)
{
  ((ProgressLog *) user_data)->destroyed = TRUE;
}

static char *
big_text (gsize size)
{
  char *text = g_malloc (size + 1);

  for (gsize i = 0; i < size; i++)
    text[i] = 'a' + (i * 7) % 26;
  text[size] = '\0';
  return text;
}

static void
test_media_upload_progress (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gsize size = 3 * 1024 * 1024 + 17;
  g_autoptr(GBytes) data = g_bytes_new_take (big_text (size), size);
  g_autofree char *uri = NULL;
  ProgressLog log = { .monotonic = TRUE, .total = -2 };

  add_route (ts, "POST", "/_matrix/media/v3/upload", 200, "{\"content_uri\":\"mxc://corp.test/big\"}");
  tact_matrix_client_upload_with_progress_async (client, data, "text/plain", "big.txt",
                                                 progress_cb, &log, progress_destroyed,
                                                 NULL, tact_test_store_result_cb, &result);
  uri = tact_matrix_client_upload_finish (client, tact_test_wait_result (&result, "upload"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uri, ==, "mxc://corp.test/big");
  g_assert_cmpuint (log.calls, >=, 2);
  g_assert_true (log.monotonic);
  g_assert_cmpint (log.last_done, ==, (goffset) size);
  g_assert_cmpint (log.total, ==, (goffset) size);
  g_assert_cmpuint (strlen (request_at (ts, 0)->body), ==, size);
  g_clear_object (&client);   /* the message goes with the client's session */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_true (log.destroyed);
}

static void
test_media_download_progress_and_cache (void)
{
  g_autoptr(TestServer) ts = test_server_new ();
  g_autoptr(TactMatrixClient) client = logged_in_client (ts);
  g_autofree char *dir = tact_test_tmpdir_new ("tact-media-XXXXXX");
  g_autoptr(TactMediaCache) cache = tact_media_cache_new (dir, 64 * 1024 * 1024);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) b1 = NULL;
  g_autoptr(GBytes) b2 = NULL;
  g_autoptr(GBytes) b3 = NULL;
  g_autofree char *type = NULL;
  g_autofree char *type2 = NULL;
  g_autofree char *entry = NULL;
  gsize size = 2 * 1024 * 1024 + 5;
  g_autofree char *text = big_text (size);
  ProgressLog log = { .monotonic = TRUE, .total = -2 };
  Route *route;

  add_fixture_route (ts, "01-versions.json");   /* v1.1/v1.2: media v3 */
  route = add_route (ts, "GET", "/_matrix/media/v3/download/corp.test/big", 200, text);
  set_content_type (route, "application/pdf");
  tact_matrix_client_set_media_cache (client, cache);

  tact_matrix_client_download_with_progress_async (client, "mxc://corp.test/big",
                                                   progress_cb, &log, progress_destroyed,
                                                   NULL, tact_test_store_result_cb, &r1);
  b1 = tact_matrix_client_download_finish (client, tact_test_wait_result (&r1, "download"), &type, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (b1), ==, size);
  g_assert_cmpstr (type, ==, "application/pdf");
  g_assert_cmpuint (log.calls, >=, 2);
  g_assert_true (log.monotonic);
  g_assert_cmpint (log.last_done, ==, (goffset) size);
  g_assert_cmpint (log.total, ==, (goffset) size);
  g_assert_true (log.destroyed);
  g_assert_cmpuint (ts->requests->len, ==, 2);

  /* second time: from the cache, no request */
  tact_matrix_client_download_async (client, "mxc://corp.test/big", NULL, tact_test_store_result_cb, &r2);
  b2 = tact_matrix_client_download_finish (client, tact_test_wait_result (&r2, "download"), &type2, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (b1, b2));
  g_assert_cmpstr (type2, ==, "application/pdf");
  g_assert_cmpuint (ts->requests->len, ==, 2);

  /* a damaged entry is never served: it is fetched again */
  entry = tact_media_cache_get_entry_path (cache, "mxc://corp.test/big");
  g_assert_true (g_file_test (entry, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (truncate (entry, 1000), ==, 0);
  tact_matrix_client_download_async (client, "mxc://corp.test/big", NULL, tact_test_store_result_cb, &r3);
  b3 = tact_matrix_client_download_finish (client, tact_test_wait_result (&r3, "download"), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (b1, b3));
  g_assert_cmpuint (ts->requests->len, ==, 3);
  g_assert_cmpuint (tact_media_cache_get_size (cache), >, size);

  g_assert_cmpint (g_unlink (entry), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
set_age (TactMediaCache *cache,
         const char     *uri,
         gint64          seconds_ago)
{
  g_autofree char *path = tact_media_cache_get_entry_path (cache, uri);
  struct utimbuf times;

  times.actime = times.modtime = (time_t) (g_get_real_time () / G_USEC_PER_SEC - seconds_ago);
  g_assert_cmpint (g_utime (path, &times), ==, 0);
}

static void
test_media_cache_lru (void)
{
  g_autofree char *dir = tact_test_tmpdir_new ("tact-media-XXXXXX");
  g_autoptr(TactMediaCache) cache = tact_media_cache_new (dir, 3 * 1100);
  g_autoptr(GBytes) kb = g_bytes_new_take (big_text (1000), 1000);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) hit = NULL;
  g_autofree char *type = NULL;
  g_autofree char *junk = g_build_filename (dir, "stray.tmp", NULL);
  const char *uris[] = { "mxc://a/1", "mxc://a/2", "mxc://a/3", "mxc://a/4" };

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (tact_media_cache_store (cache, uris[i], "image/png", kb, &error));
      g_assert_no_error (error);
      set_age (cache, uris[i], 300 - i * 100);   /* 1 oldest, 3 newest */
    }

  /* reading 1 makes it the most recently used; storing 4 then evicts 2 */
  hit = tact_media_cache_lookup (cache, uris[0], &type);
  g_assert_nonnull (hit);
  g_assert_cmpstr (type, ==, "image/png");
  g_assert_true (tact_media_cache_store (cache, uris[3], NULL, kb, &error));

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GBytes) b = tact_media_cache_lookup (cache, uris[i], NULL);
      g_test_message ("%s", uris[i]);
      if (i == 1)
        g_assert_null (b);
      else
        g_assert_true (b != NULL && g_bytes_equal (b, kb));
    }
  g_assert_cmpuint (tact_media_cache_get_size (cache), <=, 3 * 1100);

  /* too big for the cap: not stored, not an error */
  {
    g_autoptr(GBytes) huge = g_bytes_new_take (big_text (5000), 5000);
    g_assert_true (tact_media_cache_store (cache, "mxc://a/huge", NULL, huge, &error));
    g_assert_null (tact_media_cache_lookup (cache, "mxc://a/huge", NULL));
  }

  /* a corrupted byte (same size) is caught by the checksum */
  {
    g_autofree char *path = tact_media_cache_get_entry_path (cache, uris[0]);
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
    contents[len - 1] ^= 0x20;
    g_assert_true (g_file_set_contents (path, contents, len, NULL));
    g_assert_null (tact_media_cache_lookup (cache, uris[0], NULL));
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }

  /* temporary files are not entries and never counted or served */
  g_assert_true (g_file_set_contents (junk, "x", 1, NULL));
  {
    guint64 size = tact_media_cache_get_size (cache);
    g_assert_cmpuint (size % 1000, !=, 1);
  }

  /* the default directory is under the user cache dir */
  {
    g_autoptr(TactMediaCache) def = tact_media_cache_new (NULL, 0);
    g_autofree char *want = g_build_filename (g_get_user_cache_dir (), "tact", "media", NULL);
    g_assert_cmpstr (tact_media_cache_get_directory (def), ==, want);
  }

  tact_test_tmpdir_remove (dir);
}

/* ---- main ----------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  /* Everything is logged (debug too), so the no-secrets test sees all output. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  g_test_init (&argc, &argv, NULL);
  log_capture = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/matrix/sync/receipts-unread", test_sync_receipts_unread);
  g_test_add_func ("/matrix/hostile/receipts-unread", test_sync_receipts_hostile);
  g_test_add_func ("/matrix/client/soft-logout-every-endpoint", test_client_soft_logout_every_endpoint);
  g_test_add_func ("/matrix/security/no-secrets-in-urls-or-logs", test_client_no_secrets_in_urls_or_logs);
  g_test_add_func ("/matrix/security/paths-escaped-every-endpoint", test_client_paths_escaped_every_endpoint);
  g_test_add_func ("/matrix/client/timeout", test_client_timeout);
  g_test_add_func ("/matrix/media/upload-progress", test_media_upload_progress);
  g_test_add_func ("/matrix/media/download-progress-and-cache", test_media_download_progress_and_cache);
  g_test_add_func ("/matrix/media/cache-lru", test_media_cache_lru);

  g_test_add_func ("/matrix/sync/initial", test_sync_initial);
  g_test_add_func ("/matrix/sync/incremental-leave", test_sync_incremental_leave);
  g_test_add_func ("/matrix/sync/limited", test_sync_limited);
  for (gsize i = 0; i < G_N_ELEMENTS (txn_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/matrix/sync/transaction-id/%.2s", txn_cases[i].fixture);
      g_test_add_data_func (path, &txn_cases[i], test_sync_transaction_id);
    }
  g_test_add_func ("/matrix/sync/empty", test_sync_empty);
  g_test_add_func ("/matrix/sync/federated", test_sync_federated);

  for (gsize i = 0; i < G_N_ELEMENTS (messages_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/matrix/messages/%.2s", messages_cases[i].fixture);
      g_test_add_data_func (path, &messages_cases[i], test_messages_page);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/matrix/error/fixture/%.2s", error_cases[i].fixture);
      g_test_add_data_func (path, &error_cases[i], test_error_fixture);
    }
  g_test_add_func ("/matrix/error/unknown-errcode", test_error_unknown_errcode);
  g_test_add_func ("/matrix/error/errcode-table", test_error_errcode_table);
  g_test_add_func ("/matrix/error/http-without-body", test_error_http_without_body);
  g_test_add_func ("/matrix/error/retry-after-header", test_retry_after_header);

  g_test_add_func ("/matrix/event/escape-path-segment", test_escape_path_segment);
  g_test_add_func ("/matrix/event/roundtrip", test_event_roundtrip);
  g_test_add_func ("/matrix/event/redacts-in-content", test_event_redacts_in_content);

  for (gsize i = 0; i < G_N_ELEMENTS (hostile_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/matrix/hostile/%s", hostile_cases[i].name);
      g_test_add_data_func (path, &hostile_cases[i], test_hostile);
    }
  g_test_add_func ("/matrix/hostile/summary-values", test_hostile_summary_values);
  g_test_add_func ("/matrix/hostile/deep-tree-node", test_hostile_deep_tree_node);

  g_test_add_func ("/matrix/client/login", test_client_login);
  g_test_add_func ("/matrix/client/login-wrong-password", test_client_login_wrong_password);
  g_test_add_func ("/matrix/client/register-uia", test_client_register_uia);
  g_test_add_func ("/matrix/client/register-no-uia", test_client_register_no_uia);
  g_test_add_func ("/matrix/client/register-taken", test_client_register_taken);
  g_test_add_func ("/matrix/client/send-escaped-path", test_client_send_escaped);
  g_test_add_func ("/matrix/client/send-receipt", test_client_send_receipt);
  g_test_add_func ("/matrix/client/ratelimit-body", test_client_ratelimit_body);
  g_test_add_func ("/matrix/client/ratelimit-header", test_client_ratelimit_header);
  g_test_add_func ("/matrix/client/soft-logout", test_client_soft_logout);
  g_test_add_func ("/matrix/client/server-error", test_client_server_error);
  g_test_add_func ("/matrix/client/dropped-connection", test_client_dropped_connection);
  g_test_add_func ("/matrix/client/connection-refused", test_client_connection_refused);
  g_test_add_func ("/matrix/client/cancel", test_client_cancel);
  g_test_add_func ("/matrix/client/not-logged-in", test_client_not_logged_in);
  g_test_add_func ("/matrix/client/sync", test_client_sync);
  g_test_add_func ("/matrix/client/sync-not-json", test_client_sync_not_json);
  g_test_add_func ("/matrix/client/messages-and-state", test_client_messages_and_state);
  g_test_add_func ("/matrix/client/logout", test_client_logout);
  g_test_add_func ("/matrix/discover/well-known", test_discover_well_known);
  g_test_add_func ("/matrix/discover/no-well-known", test_discover_no_well_known);
  g_test_add_func ("/matrix/discover/bad-well-known", test_discover_bad_well_known);
  g_test_add_func ("/matrix/discover/not-matrix", test_discover_not_matrix);
  g_test_add_func ("/matrix/versions/r0-only", test_versions_r0_only);
  g_test_add_func ("/matrix/versions/cached", test_versions_cached);
  g_test_add_func ("/matrix/media/upload", test_media_upload);
  g_test_add_func ("/matrix/media/download-v3", test_media_download_v3);
  g_test_add_func ("/matrix/media/download-v1", test_media_download_v1);

  return g_test_run ();
}
