/* tact-send-worker.c: the client process of the kill-and-restart test (test-session.c).
 *
 *   tact-send-worker HOMESERVER DIR ROOM_ID TOTAL
 *
 * DIR holds key (32 raw bytes), creds (user id, device id, token: one a line) and history.db.
 * Opens the store, restores the credentials, starts a session and sends "msg 001" … TOTAL,
 * continuing after the last one already queued in an earlier (killed) run: the highest number
 * among the stored timeline and outbox echoes, or the meta counter written right after each
 * outbox add (the store's single worker runs jobs in order, so the counter never runs ahead
 * of the outbox row). Exits 0 when every send is confirmed. */
#include <stdlib.h>

#include "session/tact-session.h"
#include "tact-test-util.h"

#define DEADLINE_S 50

/* One deadline for the whole run, not one a wait; past it the worker exits 2 for the test. */
static gboolean expired;

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    {
      g_printerr ("tact-send-worker: timed out\n");
      exit (2);
    }
  return *slot;
}

static guint
number_of (const char *body)
{
  return (body && g_str_has_prefix (body, "msg ")) ? (guint) g_ascii_strtoull (body + 4, NULL, 10) : 0;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key_path = NULL, *creds_path = NULL, *db_path = NULL;
  g_autofree char *key_data = NULL, *creds = NULL, *counter = NULL;
  g_auto(GStrv) lines = NULL;
  gsize key_len = 0;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(TactMatrixClient) client = NULL;
  g_autoptr(TactStore) store = NULL;
  g_autoptr(TactProfile) profile = NULL;
  g_autoptr(TactSession) session = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GAsyncResult *result = NULL;
  TactRoom *room = NULL;
  guint total, done = 0;

  if (argc != 5)
    {
      g_printerr ("usage: tact-send-worker HOMESERVER DIR ROOM_ID TOTAL\n");
      return 2;
    }
  total = (guint) g_ascii_strtoull (argv[4], NULL, 10);
  g_timeout_add_seconds (DEADLINE_S, tact_test_set_flag_cb, &expired);

  key_path = g_build_filename (argv[2], "key", NULL);
  creds_path = g_build_filename (argv[2], "creds", NULL);
  db_path = g_build_filename (argv[2], "history.db", NULL);
  if (!g_file_get_contents (key_path, &key_data, &key_len, &error)
      || !g_file_get_contents (creds_path, &creds, NULL, &error))
    g_error ("%s", error->message);
  key = g_bytes_new (key_data, key_len);
  lines = g_strsplit (creds, "\n", 4);

  client = tact_matrix_client_new (argv[1]);
  tact_matrix_client_set_credentials (client, lines[0], lines[1], lines[2]);
  tact_store_open_async (db_path, key, NULL, tact_test_store_result_cb, &result);
  store = tact_store_open_finish (wait_result (&result), &error);
  g_clear_object (&result);
  if (!store)
    g_error ("store: %s", error->message);
  profile = tact_profile_new_default (&error);
  if (!profile)
    g_error ("profile: %s", error->message);

  /* Where the earlier runs stopped. */
  tact_store_get_meta_async (store, "test.queued", NULL, tact_test_store_result_cb, &result);
  counter = tact_store_get_meta_finish (store, wait_result (&result), NULL);
  g_clear_object (&result);
  done = counter ? (guint) g_ascii_strtoull (counter, NULL, 10) : 0;
  tact_store_load_timeline_async (store, argv[3], 0, 1000, NULL, tact_test_store_result_cb, &result);
  rows = tact_store_load_timeline_finish (store, wait_result (&result), &error);
  g_clear_object (&result);
  for (guint i = 0; rows && i < rows->len; i++)
    done = MAX (done, number_of (((TactStoreEvent *) g_ptr_array_index (rows, i))->body));

  session = tact_session_new (client, store, profile);
  tact_session_start (session);
  while (!expired && !((room = tact_session_lookup_room (session, argv[3]))
                       && g_strcmp0 (tact_room_get_membership (room), "join") == 0))
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    return 2;

  for (guint i = done + 1; i <= total; i++)
    {
      g_autofree char *body = g_strdup_printf ("msg %03u", i);
      g_autofree char *value = g_strdup_printf ("%u", i);

      if (!tact_session_send_text (session, room, body, NULL, &error))
        g_error ("send: %s", error->message);
      tact_store_set_meta_async (store, "test.queued", value, NULL, NULL, NULL);
    }
  /* A final job on the store's queue: once it answers, every outbox add before it is done. */
  tact_store_get_meta_async (store, "test.queued", NULL, tact_test_store_result_cb, &result);
  g_free (tact_store_get_meta_finish (store, wait_result (&result), NULL));
  g_clear_object (&result);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  tact_session_wait_outbox_idle_async (session, NULL, tact_test_store_result_cb, &result);
  tact_session_wait_outbox_idle_finish (session, wait_result (&result), NULL);
  g_clear_object (&result);

  tact_session_stop (session);
  tact_store_close (store);
  return 0;
}
