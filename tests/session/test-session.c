/* test-session.c: the session layer against the sandbox homeserver over loopback: outbox
 * reliability (faults, 4xx + retry, media, SIGKILL and restart), sync (offline and network back,
 * limited timelines, back-pagination, members and power levels, typing) and soft logout. */
#include <signal.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <time.h>
#include <utime.h>
#include <libsoup/soup.h>
#include <archive.h>
#include <archive_entry.h>

#include "matrix/tact-matrix-private.h"
#include "sandbox/tact-sandbox.h"
#include "session/tact-account.h"
#include "session/tact-session.h"
#include "session/tact-session-private.h"

#include "tact-test-sandbox.h"


static gboolean flag_set (gpointer data) { return *(gboolean *) data; }


typedef struct { TactMessage *message; TactSendState state; } StateWait;
static gboolean message_in_state (gpointer d) { StateWait *w = d; return tact_message_get_send_state (w->message) == w->state; }

static void
assert_bodies (Fixture *f, const char *room_id, GPtrArray *expected)
{
  g_autoptr(GPtrArray) bodies = tact_sandbox_server_dup_bodies (f->sandbox, room_id);

  g_assert_cmpuint (bodies->len, ==, expected->len);
  for (guint i = 0; i < bodies->len; i++)
    g_assert_cmpstr (g_ptr_array_index (bodies, i), ==, g_ptr_array_index (expected, i));
}

/* ---- (12) Faults during 50 sends --------------------------------------------------- */

static void
test_outbox_faults (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  struct { TactSandboxFault kind; guint every; guint ms; } phases[] = {
    { TACT_SANDBOX_FAULT_RATE_LIMIT, 2, 40 },
    { TACT_SANDBOX_FAULT_SERVER_ERROR, 3, 0 },
    { TACT_SANDBOX_FAULT_DROP, 2, 0 },
    { TACT_SANDBOX_FAULT_DELAY, 3, 300 },
  };
  guint n = 0;

  for (guint p = 0; p < G_N_ELEMENTS (phases); p++)
    {
      tact_sandbox_server_set_fault (f->sandbox, phases[p].kind, phases[p].every);
      if (phases[p].ms)
        tact_sandbox_server_set_fault_ms (f->sandbox, phases[p].ms);
      TactMessage *last = NULL;
      for (guint i = 0; i < (p == 0 ? 14 : 12); i++)
        {
          g_autoptr(GError) error = NULL;
          char *body = g_strdup_printf ("fault %u msg %02u", phases[p].kind, ++n);
          last = tact_session_send_text (f->session, room, body, NULL, &error);
          g_assert_nonnull (last);
          g_assert_no_error (error);
          g_ptr_array_add (expected, body);
        }
      {
        StateWait sw = { last, TACT_SEND_STATE_SENT };   /* per-room order: the last one goes last */
        tact_test_wait_until (message_in_state, &sw, "the phase's sends");
      }
      g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->sandbox), >=, 3);
    }
  g_assert_cmpuint (n, ==, 50);
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_NONE, 0);
  /* Every message once, in order, counted on the server. */
  assert_bodies (f, room_id, expected);
}

/* ---- 429: the server's delay is honoured beyond a minute (up to an hour) ------------ */

static void
test_outbox_retry_after_long (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autoptr(GError) error = NULL;
  TactMessage *echo;
  StateWait w;
  gint64 t0, waited_ms;

  /* 50 minutes, scaled to 1.5 s: the old 60 s cap would have retried after 30 ms. */
  tact_session_set_retry_scale (f->session, 0.0005);
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_RATE_LIMIT, 2);
  tact_sandbox_server_set_fault_ms (f->sandbox, 50 * 60 * 1000);
  echo = tact_session_send_text (f->session, room, "first", NULL, &error);
  g_assert_no_error (error);
  w.message = echo; w.state = TACT_SEND_STATE_SENT;
  tact_test_wait_until (message_in_state, &w, "the first send");

  t0 = g_get_monotonic_time ();
  echo = tact_session_send_text (f->session, room, "second, rate-limited", NULL, &error);
  g_assert_no_error (error);
  w.message = echo;
  tact_test_wait_until (message_in_state, &w, "the rate-limited send");
  waited_ms = (g_get_monotonic_time () - t0) / 1000;
  g_test_message ("the 429'd send went out after %" G_GINT64_FORMAT " ms", waited_ms);
  g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->sandbox), ==, 1);
  g_assert_cmpint (waited_ms, >=, 1400);
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_NONE, 0);
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 2);
}

/* The delay before a transient failure is retried: the server's (body, then header in seconds
 * or as an HTTP date) up to one hour, else the backoff by attempt. */
static void
test_outbox_retry_delay_table (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) in_10_min = g_date_time_add_seconds (now, 600);
  g_autoptr(GDateTime) in_2_days = g_date_time_add_days (now, 2);
  g_autofree char *date_10_min = soup_date_time_to_string (in_10_min, SOUP_DATE_HTTP);
  g_autofree char *date_2_days = soup_date_time_to_string (in_2_days, SOUP_DATE_HTTP);
  const char *limit = "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too Many Requests\"%s}";
  struct {
    guint status; const char *retry_after_ms; const char *header; guint attempts;
    guint min_ms, max_ms;
  } table[] = {
    { 429, ",\"retry_after_ms\":4987", NULL, 0, 4987, 4987 },          /* Synapse 1.67, fixture 69 */
    { 429, ",\"retry_after_ms\":90000", "1", 0, 90000, 90000 },        /* the body wins; > 60 s */
    { 429, ",\"retry_after_ms\":7200000", NULL, 0, 3600000, 3600000 }, /* capped at an hour */
    { 429, "", "120", 3, 120000, 120000 },                              /* header, seconds */
    { 429, "", date_10_min, 0, 595000, 600000 },                       /* header, HTTP date */
    { 429, "", date_2_days, 0, 3600000, 3600000 },
    { 429, "", NULL, 0, 1000, 1000 },                                   /* nothing said: backoff */
    { 500, "", NULL, 1, 2000, 2000 },
    { 500, "", NULL, 3, 10000, 10000 },
    { 503, "", NULL, 9, 30000, 30000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
      g_autofree char *json = g_strdup_printf (limit, table[i].retry_after_ms);
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
      g_autoptr(GError) error = NULL;
      guint ms;

      if (table[i].header)
        soup_message_headers_replace (headers, "Retry-After", table[i].header);
      error = tact_matrix_error_new_from_response (table[i].status, headers, body);
      ms = tact_session_send_retry_delay_ms (error, table[i].attempts);
      g_test_message ("case %u: %u ms", i, ms);
      g_assert_cmpuint (ms, >=, table[i].min_ms);
      g_assert_cmpuint (ms, <=, table[i].max_ms);
    }
}

/* ---- 4xx: FAILED with the server's reason; retry after rejoining, same txnId -------- */

/* Alice leaves the room behind the session's back and sends: the server refuses (403) and the
 * echo ends FAILED with the server's reason. Returns the echo. */
static TactMessage *
send_refused (Fixture *f, TactRoom *room, const char *room_id, const char *text)
{
  g_autofree char *escaped = tact_matrix_escape_path_segment (room_id);
  g_autofree char *leave = g_strdup_printf ("/_matrix/client/v3/rooms/%s/leave", escaped);
  g_autoptr(GError) error = NULL;
  TactMessage *echo;
  StateWait w;

  g_assert_cmpuint (raw_request (f, f->alice, "POST", leave, "{}"), ==, 200);
  /* The room model may not have seen the leave yet: the server must refuse. */
  if (g_strcmp0 (tact_room_get_membership (room), "join") != 0)
    tact_room_set_membership (room, "join");
  echo = tact_session_send_text (f->session, room, text, NULL, &error);
  g_assert_no_error (error);
  w.message = echo; w.state = TACT_SEND_STATE_FAILED;
  tact_test_wait_until (message_in_state, &w, "the send to fail");
  g_assert_nonnull (tact_message_get_error (echo));
  g_assert_nonnull (strstr (tact_message_get_error (echo), "not in room"));
  return echo;
}

static void
test_outbox_forbidden_retry (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autoptr(GError) error = NULL;
  TactMessage *echo = send_refused (f, room, room_id, "after leaving");
  g_autofree char *txn = g_strdup (tact_message_get_txn_id (echo));
  StateWait w = { echo, TACT_SEND_STATE_FAILED };

  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);

  /* Alice was not invited again; the room is private_chat, so bob invites her back. */
  {
    GAsyncResult *result = NULL;
    tact_matrix_client_invite_async (f->bob, room_id, tact_matrix_client_get_user_id (f->alice), NULL, tact_test_store_result_cb, &result);
    g_assert_true (tact_matrix_client_invite_finish (f->bob, tact_test_wait_result (&result, "invite"), &error));
    g_assert_no_error (error);
    g_clear_object (&result);
  }
  join (f->alice, room_id);
  tact_room_set_membership (room, "join");
  tact_session_retry_message (f->session, room, echo);
  w.state = TACT_SEND_STATE_SENT;
  tact_test_wait_until (message_in_state, &w, "the retried send");
  g_assert_cmpstr (tact_message_get_txn_id (echo), ==, txn);
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 1);
}

/* ---- A FAILED send still shows the server's reason after a restart ------------------ */


typedef struct { TactRoom *room; const char *txn_id; } TxnWait;
static gboolean room_known (gpointer d) { RoomWait *w = d; return tact_session_lookup_room (w->session, w->room_id) != NULL; }
static gboolean txn_shown (gpointer d) { TxnWait *w = d; return tact_room_find_by_txn (w->room, w->txn_id) != NULL; }

static void
test_outbox_failed_reason_survives_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  TactMessage *echo = send_refused (f, room, room_id, "refused");
  g_autofree char *txn = g_strdup (tact_message_get_txn_id (echo));
  g_autofree char *reason = g_strdup (tact_message_get_error (echo));
  TxnWait tw;

  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    tact_test_wait_until (room_known, &rw, "the room from the store");
  }
  room = tact_session_lookup_room (f->session, room_id);
  tact_session_load_timeline (f->session, room);
  tw = (TxnWait) { room, txn };
  tact_test_wait_until (txn_shown, &tw, "the failed echo from the store");
  echo = tact_room_find_by_txn (room, txn);
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_FAILED);
  g_assert_cmpstr (tact_message_get_error (echo), ==, reason);
}

/* ---- Media through the queue ------------------------------------------------------- */

/* A file copy staged by a check that a crash interrupted is removed when a session starts; one
 * staged by this process (a check still open) is kept. */
static gboolean file_gone (gpointer d) { return !g_file_test (d, G_FILE_TEST_EXISTS); }

static void
test_outbox_orphaned_staged (Fixture *f, gconstpointer data)
{
  g_autofree char *orphan = tact_session_dup_outbox_media_path ("crashed.staged");
  g_autofree char *live = tact_session_dup_outbox_media_path ("open-check.staged");
  g_autofree char *dir = g_path_get_dirname (orphan);
  struct utimbuf old = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (orphan, "left by a crash", -1, &error));
  g_assert_true (g_file_set_contents (live, "a check in progress", -1, &error));
  g_assert_no_error (error);
  old.actime = old.modtime = time (NULL) - 3600;
  g_assert_cmpint (g_utime (orphan, &old), ==, 0);

  tact_session_start (f->session);
  tact_test_wait_until (file_gone, orphan, "the orphaned staged copy to be removed");
  g_assert_true (g_file_test (live, G_FILE_TEST_EXISTS));
  g_remove (live);
}

static void
test_outbox_media (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0 };
  g_autoptr(GBytes) bytes = g_bytes_new_static (png, sizeof png);
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  TactMessage *echo;
  StateWait w;

  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_SERVER_ERROR, 2);  /* the upload fails once */
  echo = tact_session_send_file (f->session, room, NULL, bytes, "pixel.png", "image/png", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (echo);
  copy = tact_session_dup_outbox_media_path (tact_message_get_txn_id (echo));
  w.message = echo; w.state = TACT_SEND_STATE_SENT;
  tact_test_wait_until (message_in_state, &w, "the file to be sent");
  g_assert_false (g_file_test (copy, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 1);
  {
    g_autoptr(GPtrArray) bodies = tact_sandbox_server_dup_bodies (f->sandbox, room_id);
    g_assert_cmpstr (g_ptr_array_index (bodies, 0), ==, "pixel.png");
  }
}

/* ---- Media: the echo's upload progress goes from 0 to 1, on the main thread ---------- */

typedef struct { GArray *values; GThread *main_thread; gboolean off_thread; } ProgressLog;

static void
progress_cb (TactMessage *message, GParamSpec *pspec, gpointer d)
{
  ProgressLog *log = d;
  double value = tact_message_get_progress (message);

  if (g_thread_self () != log->main_thread)
    log->off_thread = TRUE;
  g_array_append_val (log->values, value);
}

static void
test_outbox_media_progress (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  const gsize size = 1024 * 1024;
  g_autofree char *text = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  ProgressLog log = { g_array_new (FALSE, FALSE, sizeof (double)), g_thread_self (), FALSE };
  guint partial = 0;
  TactMessage *echo;
  StateWait w;

  for (gsize i = 0; i < size; i++)
    text[i] = "lorem ipsum dolor sit amet\n"[i % 27];
  bytes = g_bytes_new_take (g_steal_pointer (&text), size);
  echo = tact_session_send_file (f->session, room, NULL, bytes, "notes.txt", "text/plain", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (tact_message_get_progress (echo), ==, 0.0);
  g_signal_connect (echo, "notify::progress", G_CALLBACK (progress_cb), &log);
  w.message = echo; w.state = TACT_SEND_STATE_SENT;
  tact_test_wait_until (message_in_state, &w, "the file to be sent");

  g_test_message ("%u progress notifications", log.values->len);
  g_assert_false (log.off_thread);
  g_assert_cmpuint (log.values->len, >=, 2);
  for (guint i = 0; i < log.values->len; i++)
    {
      double value = g_array_index (log.values, double, i);
      g_assert_cmpfloat (value, >, 0.0);
      g_assert_cmpfloat (value, <=, 1.0);
      if (i > 0)
        g_assert_cmpfloat (value, >=, g_array_index (log.values, double, i - 1));
      partial += value < 1.0;
    }
  g_assert_cmpuint (partial, >=, 1);   /* seen on the way, not only at the end */
  g_assert_cmpfloat (tact_message_get_progress (echo), ==, 1.0);
  g_array_unref (log.values);
}

/* ---- (11) SIGKILL and restart during 100 sends --------------------------------------- */

typedef struct { GPid pid; gboolean exited; gint status; } Child;
static void child_exited_cb (GPid pid, gint status, gpointer d) { Child *c = d; c->exited = TRUE; c->status = status; g_spawn_close_pid (pid); }

static void
test_outbox_kill_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *worker_dir = g_build_filename (f->tmpdir, "worker", NULL);
  g_autofree char *worker = g_getenv ("TACT_SEND_WORKER") ? g_strdup (g_getenv ("TACT_SEND_WORKER"))
                            : g_test_build_filename (G_TEST_BUILT, "tact-send-worker", NULL);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint32 seed = g_test_rand_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint kills = 0, runs = 0;
  gint64 start = g_get_monotonic_time ();

  tact_session_start (f->session);   /* only for the room; the worker is the client under test */
  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"K\",\"preset\":\"private_chat\",\"invite\":[\"%s\"]}",
                                             tact_matrix_client_get_user_id (f->bob));
    room_id = create_room (f->alice, json);
  }
  tact_session_stop (f->session);
  g_mkdir_with_parents (worker_dir, 0700);
  {
    g_autofree char *key_path = g_build_filename (worker_dir, "key", NULL);
    g_autofree char *creds_path = g_build_filename (worker_dir, "creds", NULL);
    g_autofree char *creds = g_strdup_printf ("%s\n%s\n%s\n", tact_matrix_client_get_user_id (f->alice),
                                              tact_matrix_client_get_device_id (f->alice),
                                              tact_matrix_client_get_access_token (f->alice));
    g_autoptr(GBytes) key = tact_test_random_key ();
    g_assert_true (g_file_set_contents_full (key_path, g_bytes_get_data (key, NULL), 32, G_FILE_SET_CONTENTS_NONE, 0600, &error));
    g_assert_true (g_file_set_contents_full (creds_path, creds, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error));
  }
  g_test_message ("kill-restart seed %u", seed);
  /* Every other send is held 40 ms, so a run takes seconds and the kills land mid-stream. */
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_DELAY, 2);
  tact_sandbox_server_set_fault_ms (f->sandbox, 40);

  for (;;)
    {
      const char *argv[] = { worker, f->homeserver, worker_dir, room_id, "100", NULL };
      Child child = { 0 };
      gboolean killed = FALSE;

      g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &child.pid, &error));
      g_assert_no_error (error);
      runs++;
      g_child_watch_add (child.pid, child_exited_cb, &child);
      if (kills < 9)
        {
          gint64 until = g_get_monotonic_time () + g_rand_int_range (rand, 100, 700) * 1000;
          while (!child.exited && g_get_monotonic_time () < until)
            {
              gboolean fired = FALSE;   /* tact_test_set_flag_cb removes its source when it fires */
              guint source = g_timeout_add (10, tact_test_set_flag_cb, &fired);
              g_main_context_iteration (NULL, TRUE);
              if (!fired)
                g_source_remove (source);
            }
          if (!child.exited)
            {
              kill (child.pid, SIGKILL);
              killed = TRUE;
              kills++;
            }
        }
      tact_test_wait_until (flag_set, &child.exited, "the worker to exit");
      if (!killed)
        {
          g_assert_true (WIFEXITED (child.status));
          g_assert_cmpint (WEXITSTATUS (child.status), ==, 0);
          break;
        }
      g_assert_cmpuint (runs, <, 20);
    }
  g_test_message ("%u runs, %u kills, %.1f s", runs, kills, (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (kills, >=, 3);
  for (guint i = 1; i <= 100; i++)
    g_ptr_array_add (expected, g_strdup_printf ("msg %03u", i));
  tact_sandbox_server_set_fault (f->sandbox, TACT_SANDBOX_FAULT_NONE, 0);
  assert_bodies (f, room_id, expected);
}

/* ---- Sync ------------------------------------------------------------------------- */

typedef struct { TactSession *session; TactSyncState state; } SyncWait;
static gboolean in_state (gpointer d) { SyncWait *w = d; return tact_session_get_sync_state (w->session) == w->state; }

static void
test_sync_offline_network_back (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autoptr(GError) error = NULL;
  SyncWait w = { f->session, TACT_SYNC_STATE_READY };
  guint16 port = tact_sandbox_server_get_port (f->sandbox);
  gint64 t0;

  start_in_room (f, &room_id);
  tact_test_wait_until (in_state, &w, "ready");
  tact_session_set_retry_scale (f->session, 10);   /* backoff 10 s, 50 s …: only "network back" is quick */
  tact_sandbox_server_stop (f->sandbox);
  w.state = TACT_SYNC_STATE_OFFLINE;
  tact_test_wait_until (in_state, &w, "offline");
  g_assert_true (tact_sandbox_server_listen (f->sandbox, port, &error));
  g_assert_no_error (error);
  t0 = g_get_monotonic_time ();
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  w.state = TACT_SYNC_STATE_READY;
  tact_test_wait_until_s (in_state, &w, 5, "ready again after the network came back");
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 5 * G_USEC_PER_SEC);
}

static gboolean sync_idle (gpointer d) { Fixture *f = d; return tact_sandbox_server_get_pending_syncs (f->sandbox) > 0 && tact_session_get_sync_state (f->session) == TACT_SYNC_STATE_READY; }

static GPtrArray *
stored_bodies (TactStore *store, const char *room_id)
{
  GAsyncResult *result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *bodies = g_ptr_array_new_with_free_func (g_free);

  tact_store_load_timeline_async (store, room_id, 0, 1000, NULL, tact_test_store_result_cb, &result);
  rows = tact_store_load_timeline_finish (store, tact_test_wait_result (&result, "timeline"), NULL);
  g_clear_object (&result);
  for (guint i = 0; i < rows->len; i++)
    {
      TactStoreEvent *row = g_ptr_array_index (rows, i);
      if (row->body && g_str_has_prefix (row->body, "bob "))
        g_ptr_array_add (bodies, g_strdup (row->body));
    }
  return bodies;
}

static void
test_sync_limited_gap (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autoptr(GPtrArray) bodies = NULL;

  start_in_room (f, &room_id);
  tact_test_wait_until (sync_idle, f, "a settled sync");
  tact_session_stop (f->session);
  for (guint i = 1; i <= 75; i++)   /* more than the filter's timeline limit of 30 */
    {
      g_autofree char *body = g_strdup_printf ("bob %02u", i);
      client_send (f->bob, room_id, body);
    }
  tact_session_start (f->session);
  tact_test_wait_until (sync_idle, f, "the limited sync to be saved");
  bodies = stored_bodies (f->store, room_id);
  g_assert_cmpuint (bodies->len, ==, 75);
  for (guint i = 0; i < 75; i++)
    {
      g_autofree char *body = g_strdup_printf ("bob %02u", i + 1);
      g_assert_cmpstr (g_ptr_array_index (bodies, i), ==, body);
    }
}

/* Loads older history until the room's start, in at most max_calls calls. */
static void
paginate_to_start (TactSession *session, TactRoom *room, guint max_calls)
{
  guint calls = 0;

  /* Scrollback is the open room's: the others are bounded to their newest messages. */
  tact_session_set_open_room (session, room);
  while (!tact_room_get_at_start (room))
    {
      GAsyncResult *result = NULL;
      g_autoptr(GError) error = NULL;

      tact_session_load_older_async (session, room, NULL, tact_test_store_result_cb, &result);
      tact_session_load_older_finish (session, tact_test_wait_result (&result, "older messages"), &error);
      g_assert_no_error (error);
      g_clear_object (&result);
      g_assert_cmpuint (++calls, <, max_calls);
    }
}

/* The timeline's "bob NNN" messages are exactly bob 001 … bob n, once each and in order. */
static void
assert_bob_sequence (GListModel *timeline, guint n)
{
  guint next = 1;

  for (guint i = 0; i < g_list_model_get_n_items (timeline); i++)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (timeline, i);
      g_autofree char *body = g_strdup_printf ("bob %03u", next);

      if (g_str_has_prefix (tact_message_get_body (message), "bob "))
        {
          g_assert_cmpstr (tact_message_get_body (message), ==, body);
          next++;
        }
    }
  g_assert_cmpuint (next, ==, n + 1);
}

static void
test_timeline_back_pagination (Fixture *f, gconstpointer data)
{
  g_autofree char *json = g_strdup_printf ("{\"name\":\"B\",\"preset\":\"private_chat\",\"invite\":[\"%s\"]}",
                                           tact_matrix_client_get_user_id (f->alice));
  g_autofree char *room_id = create_room (f->bob, json);
  RoomWait rw = { f->session, room_id };
  TactRoom *room;
  GListModel *timeline;

  join (f->alice, room_id);
  for (guint i = 1; i <= 120; i++)
    {
      g_autofree char *body = g_strdup_printf ("bob %03u", i);
      client_send (f->bob, room_id, body);
    }
  tact_session_start (f->session);
  tact_test_wait_until (room_joined, &rw, "the room");
  tact_test_wait_until (sync_idle, f, "the initial sync to be saved");
  room = tact_session_lookup_room (f->session, room_id);
  timeline = tact_room_get_timeline (room);
  paginate_to_start (f->session, room, 20);
  g_assert_cmpuint (g_list_model_get_n_items (timeline), ==, 120);
  for (guint i = 0; i < 120; i++)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (timeline, i);
      g_autofree char *body = g_strdup_printf ("bob %03u", i + 1);
      g_assert_cmpstr (tact_message_get_body (message), ==, body);
    }
  /* What was fetched is stored: a restart finds it without the network. */
  {
    g_autoptr(GPtrArray) bodies = stored_bodies (f->store, room_id);
    g_assert_cmpuint (bodies->len, ==, 120);
  }
}

/* A closed room keeps only its newest 100 messages in memory, however many a sync brings; the
 * store has them all, and opening the room scrolls back through them in order. */
static void
test_timeline_window_bounded (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  GListModel *timeline;
  g_autoptr(GPtrArray) bodies = NULL;
  const guint n = 180;

  tact_test_wait_until (sync_idle, f, "a settled sync");
  tact_session_stop (f->session);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *body = g_strdup_printf ("bob %03u", i);
      client_send (f->bob, room_id, body);
    }
  tact_session_start (f->session);   /* a limited sync; its gap is filled (180 < 5 × 50) */
  tact_test_wait_until (sync_idle, f, "the limited sync to be saved");
  timeline = tact_room_get_timeline (room);
  g_assert_cmpuint (g_list_model_get_n_items (timeline), ==, 100);
  {
    g_autoptr(TactMessage) newest = g_list_model_get_item (timeline, 99);
    g_autoptr(TactMessage) oldest = g_list_model_get_item (timeline, 0);
    g_assert_cmpstr (tact_message_get_body (newest), ==, "bob 180");
    g_assert_cmpstr (tact_message_get_body (oldest), ==, "bob 081");
  }
  g_assert_false (tact_room_get_at_start (room));
  bodies = stored_bodies (f->store, room_id);
  g_assert_cmpuint (bodies->len, ==, n);

  /* Opened: scrollback reads everything back, in order, from the store first. */
  paginate_to_start (f->session, room, 20);
  assert_bob_sequence (timeline, n);
  /* Another room opened: this one goes back to its window. */
  tact_session_set_open_room (f->session, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (timeline), ==, 100);
}

typedef struct { TactRoom *room; const char *user_id; gint64 level; } MemberWait;
static gboolean
member_has_level (gpointer d)
{
  MemberWait *w = d;
  TactMember *member = tact_room_lookup_member (w->room, w->user_id);
  return member && g_strcmp0 (tact_member_get_membership (member), "join") == 0
         && tact_member_get_power_level (member) == w->level;
}

typedef struct { TactRoom *room; const char *user_id; gboolean typing; } TypingWait;
static gboolean
typing_is (gpointer d)
{
  TypingWait *w = d;
  return g_strv_contains (tact_room_get_typing (w->room), w->user_id) == w->typing;
}

static void
test_room_members_typing (Fixture *f, gconstpointer data)
{
  const char *alice = tact_matrix_client_get_user_id (f->alice);
  const char *bob = tact_matrix_client_get_user_id (f->bob);
  g_autofree char *json = g_strdup_printf ("{\"name\":\"M\",\"preset\":\"private_chat\",\"invite\":[\"%s\"],"
                                           "\"power_level_content_override\":{\"users_default\":5,\"users\":{\"%s\":100,\"%s\":50}}}",
                                           alice, bob, alice);
  g_autofree char *room_id = create_room (f->bob, json);
  g_autofree char *escaped_room = tact_matrix_escape_path_segment (room_id);
  g_autofree char *escaped_bob = tact_matrix_escape_path_segment (bob);
  g_autofree char *typing = g_strdup_printf ("/_matrix/client/v3/rooms/%s/typing/%s", escaped_room, escaped_bob);
  RoomWait rw = { f->session, room_id };
  TactRoom *room;
  MemberWait mw;
  TypingWait tw;

  join (f->alice, room_id);
  tact_session_start (f->session);
  tact_test_wait_until (room_joined, &rw, "the room");
  room = tact_session_lookup_room (f->session, room_id);
  mw = (MemberWait) { room, bob, 100 };
  tact_test_wait_until (member_has_level, &mw, "bob at power 100");
  mw = (MemberWait) { room, alice, 50 };
  tact_test_wait_until (member_has_level, &mw, "alice at power 50");
  g_assert_cmpint (tact_room_get_power_level (room, "@nobody:corp.test"), ==, 5);
  g_assert_cmpuint (g_list_model_get_n_items (tact_room_get_members (room)), >=, 2);

  g_assert_cmpuint (raw_request (f, f->bob, "PUT", typing, "{\"typing\":true,\"timeout\":30000}"), ==, 200);
  tw = (TypingWait) { room, bob, TRUE };
  tact_test_wait_until (typing_is, &tw, "bob typing");
  g_assert_cmpuint (raw_request (f, f->bob, "PUT", typing, "{\"typing\":false}"), ==, 200);
  tw.typing = FALSE;
  tact_test_wait_until (typing_is, &tw, "bob no longer typing");
}

/* ---- Soft logout ------------------------------------------------------------------- */

static void logged_out_cb (TactSession *s, gboolean soft, gpointer d) { *(gint *) d = soft ? 1 : 0; }
static gboolean got_signal (gpointer d) { return *(gint *) d >= 0; }

static void
test_soft_logout_relogin (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *device = g_strdup (tact_matrix_client_get_device_id (f->alice));
  TactRoom *room = start_in_room (f, &room_id);
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  gint soft = -1;
  TactMessage *echo;
  StateWait w;

  g_signal_connect (f->session, "logged-out", G_CALLBACK (logged_out_cb), &soft);
  tact_sandbox_server_expire_tokens (f->sandbox, TRUE);
  tact_test_wait_until (got_signal, &soft, "logged-out");
  g_assert_cmpint (soft, ==, 1);
  g_assert_cmpint (tact_session_get_sync_state (f->session), ==, TACT_SYNC_STATE_LOGGED_OUT);

  /* Written while signed out: kept, and sent after signing in again. */
  echo = tact_session_send_text (f->session, room, "while signed out", NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_PENDING);

  tact_account_relogin_async (f->session, "correct horse battery staple", NULL, tact_test_store_result_cb, &result);
  if (!tact_account_relogin_finish (tact_test_wait_result (&result, "relogin"), &error))
    {
      /* Only the keyring may be missing here (the suite runs it under with-keyring.sh). */
      g_assert_true (error->domain == TACT_STORE_ERROR);
      g_clear_error (&error);
    }
  g_clear_object (&result);
  g_assert_cmpstr (tact_matrix_client_get_device_id (f->alice), ==, device);
  w.message = tact_room_find_by_txn (tact_session_lookup_room (f->session, room_id), tact_message_get_txn_id (echo));
  g_assert_nonnull (w.message);
  w.state = TACT_SEND_STATE_SENT;
  tact_test_wait_until (message_in_state, &w, "the kept message to be sent");
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 1);
}


/* ---- Hard logout: the account ends cleanly -------------------------------------------- */

static void count_cb (gpointer instance, gpointer d) { (*(guint *) d)++; }
static gboolean count_positive (gpointer d) { return *(guint *) d > 0; }

static void
test_hard_logout_ends_account (Fixture *f, gconstpointer data)
{
  g_autoptr(TactMatrixClient) carol = register_user (f, "carol");
  g_autoptr(TactSession) session = NULL;
  g_autoptr(TactAccountSecret) secret = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *db_path = NULL;
  GAsyncResult *result = NULL;
  SyncWait w;
  RoomWait rw;
  gint soft = -1;
  guint cleared = 0;
  TactMessage *echo;

  tact_account_login_async (f->homeserver, tact_matrix_client_get_user_id (carol),
                            "correct horse battery staple", TRUE, NULL, tact_test_store_result_cb, &result);
  session = tact_account_login_finish (tact_test_wait_result (&result, "account login"), &error);
  g_clear_object (&result);
  if (!session && error->domain == TACT_STORE_ERROR)
    {
      g_test_skip ("no keyring");   /* the suite runs this under with-keyring.sh */
      return;
    }
  g_assert_no_error (error);
  tact_session_set_retry_scale (session, 0.02);
  g_signal_connect (session, "logged-out", G_CALLBACK (logged_out_cb), &soft);
  g_signal_connect (session, "account-cleared", G_CALLBACK (count_cb), &cleared);
  room_id = create_room (tact_session_get_client (session), "{\"name\":\"H\"}");
  tact_session_start (session);
  rw = (RoomWait) { session, room_id };
  tact_test_wait_until (room_joined, &rw, "the room");
  w = (SyncWait) { session, TACT_SYNC_STATE_READY };
  tact_test_wait_until (in_state, &w, "ready");

  /* Synapse 1.67 answers a dead token with soft_logout false (fixture 78). */
  tact_sandbox_server_expire_tokens (f->sandbox, FALSE);
  tact_test_wait_until (got_signal, &soft, "logged-out");
  g_assert_cmpint (soft, ==, 0);
  g_assert_cmpint (tact_session_get_sync_state (session), ==, TACT_SYNC_STATE_LOGGED_OUT);
  tact_test_wait_until (count_positive, &cleared, "the keyring to be cleared");

  /* The dead token is gone from the keyring: the next start shows the sign-in page. */
  tact_secrets_lookup_account_async (NULL, tact_test_store_result_cb, &result);
  secret = tact_secrets_lookup_account_finish (tact_test_wait_result (&result, "lookup"), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_true (secret == NULL || g_strcmp0 (secret->user_id, tact_matrix_client_get_user_id (carol)) != 0);

  /* Sync and sends have stopped; what is written now stays in the outbox, and so does the history. */
  echo = tact_session_send_text (session, tact_session_lookup_room (session, room_id), "kept", NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_PENDING);
  g_assert_cmpuint (tact_sandbox_server_get_pending_syncs (f->sandbox), ==, 0);
  tact_store_outbox_list_async (tact_session_get_store (session), NULL, tact_test_store_result_cb, &result);
  outbox = tact_store_outbox_list_finish (tact_session_get_store (session), tact_test_wait_result (&result, "outbox"), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, 1);
  g_assert_cmpstr (((TactOutboxEntry *) g_ptr_array_index (outbox, 0))->txn_id, ==, tact_message_get_txn_id (echo));
  g_assert_cmpuint (tact_sandbox_server_count_events (f->sandbox, room_id, NULL, "m.room.message"), ==, 0);
  db_path = g_strdup (tact_store_get_path (tact_session_get_store (session)));
  tact_session_stop (session);
  tact_store_close (tact_session_get_store (session));
  g_assert_true (g_file_test (db_path, G_FILE_TEST_EXISTS));
}


/* ---- Drafts survive a restart (encrypted, in the store) ------------------------------ */

static char *
load_draft (TactSession *session, TactRoom *room)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  char *draft;

  tact_session_load_draft_async (session, room, NULL, tact_test_store_result_cb, &result);
  draft = tact_session_load_draft_finish (session, tact_test_wait_result (&result, "draft"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return draft;
}

static void
test_draft_survives_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  const char *text = "草稿：明天上午十点和张先生开会";
  g_autofree char *draft = NULL;
  g_autofree char *none = NULL;

  tact_session_save_draft (f->session, room, text);
  /* Restart: the session and the store closed and opened again. */
  restart_session (f);
  {
    RoomWait w = { f->session, room_id };
    tact_session_start (f->session);
    tact_test_wait_until (room_joined, &w, "the room after the restart");
  }
  room = tact_session_lookup_room (f->session, room_id);
  draft = load_draft (f->session, room);
  g_assert_cmpstr (draft, ==, text);

  /* Sending (or clearing) removes it. */
  tact_session_save_draft (f->session, room, "");
  none = load_draft (f->session, room);
  g_assert_null (none);
}


/* ---- Opening a room shows what /sync brought (regression: the reload hid it) ---------- */

typedef struct { GListModel *timeline; guint n; } CountWait;  /* wait for at least n items */
static gboolean has_n_items (gpointer d) { CountWait *w = d; return g_list_model_get_n_items (w->timeline) >= w->n; }

static void
test_timeline_load_keeps_synced (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room;

  room = start_in_room (f, &room_id);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *body = g_strdup_printf ("hello %u", i);
      client_send (f->bob, room_id, body);
    }
  {
    CountWait w = { tact_room_get_timeline (room), 3 };
    tact_test_wait_until (has_n_items, &w, "the messages from /sync");
  }
  tact_test_wait_until (sync_idle, f, "the batch to be saved");
  /* Opening the room loads the stored history: the synced messages must stay, once each. */
  tact_session_load_timeline (f->session, room);
  {
    /* The store's worker runs jobs in order: once a later job has answered, the load has too. */
    GAsyncResult *result = NULL;
    tact_store_get_meta_async (f->store, "user_id", NULL, tact_test_store_result_cb, &result);
    g_free (tact_store_get_meta_finish (f->store, tact_test_wait_result (&result, "a later store job"), NULL));
    g_clear_object (&result);
    for (guint i = 0; i < 10; i++)
      g_main_context_iteration (NULL, FALSE);
  }
  g_assert_cmpuint (g_list_model_get_n_items (tact_room_get_timeline (room)), ==, 3);
}

/* ---- Local echoes: the server's copy without transaction_id is not shown twice ------------ */

static guint
count_bodies (TactRoom *room, const char *body)
{
  GListModel *timeline = tact_room_get_timeline (room);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (timeline); i++)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (timeline, i);
      n += g_strcmp0 (tact_message_get_body (message), body) == 0;
    }
  return n;
}

static void
test_echo_gap_without_txn (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  guint16 port = tact_sandbox_server_get_port (f->sandbox);
  SyncWait w = { f->session, TACT_SYNC_STATE_READY };
  g_autoptr(GError) error = NULL;
  TactMessage *echo;
  StateWait sw;

  tact_test_wait_until (in_state, &w, "ready");
  /* The sync loop goes offline (long backoff); sends still leave once the server is back. */
  tact_session_set_retry_scale (f->session, 10);
  tact_sandbox_server_stop (f->sandbox);
  w.state = TACT_SYNC_STATE_OFFLINE;
  tact_test_wait_until (in_state, &w, "offline");
  g_assert_true (tact_sandbox_server_listen (f->sandbox, port, &error));
  g_assert_no_error (error);
  tact_session_set_retry_scale (f->session, 0.02);
  echo = tact_session_send_text (f->session, room, "mine", NULL, &error);
  g_assert_no_error (error);
  sw = (StateWait) { echo, TACT_SEND_STATE_SENT };
  tact_test_wait_until (message_in_state, &sw, "the send");
  /* More than the timeline limit after it: "mine" comes back in the gap, from /messages,
   * which never carries unsigned.transaction_id (fixture 38). */
  for (guint i = 1; i <= 40; i++)
    {
      g_autofree char *body = g_strdup_printf ("bob %02u", i);
      client_send (f->bob, room_id, body);
    }
  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  tact_test_wait_until (sync_idle, f, "the limited sync");
  {
    CountWait cw = { tact_room_get_timeline (room), 41 };
    tact_test_wait_until (has_n_items, &cw, "the gap to be filled");
  }
  g_assert_cmpuint (count_bodies (room, "mine"), ==, 1);
  g_assert_cmpuint (count_bodies (room, "bob 01"), ==, 1);
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_SENT);
}

/* Model only: another user's event with the same transaction id does not reconcile our echo. */
static void
test_echo_other_sender (void)
{
  g_autoptr(TactRoom) room = tact_room_new ("!r:corp.test", "@me:corp.test");
  g_autoptr(TactMessage) echo = tact_message_new (NULL, "txn-1", "@me:corp.test", NULL, "hi", 1,
                                                  TACT_SEND_STATE_PENDING);
  g_autoptr(JsonNode) node = json_from_string (
    "{\"type\":\"m.room.message\",\"event_id\":\"$other\",\"sender\":\"@eve:evil.test\","
    "\"origin_server_ts\":2,\"content\":{\"msgtype\":\"m.text\",\"body\":\"spoof\"},"
    "\"unsigned\":{\"transaction_id\":\"txn-1\"}}", NULL);
  g_autoptr(TactEvent) event = tact_event_new_from_json (json_node_get_object (node), "!r:corp.test", NULL);

  tact_room_append_message (room, echo);
  g_assert_true (tact_room_add_event (room, event));
  g_assert_cmpint (tact_message_get_send_state (echo), ==, TACT_SEND_STATE_PENDING);
  g_assert_null (tact_message_get_event_id (echo));
  g_assert_cmpuint (g_list_model_get_n_items (tact_room_get_timeline (room)), ==, 2);

  /* Confirmed after the server's copy came (no transaction id): one entry is left. */
  {
    g_autoptr(JsonNode) mine = json_from_string (
      "{\"type\":\"m.room.message\",\"event_id\":\"$mine\",\"sender\":\"@me:corp.test\","
      "\"origin_server_ts\":3,\"content\":{\"msgtype\":\"m.text\",\"body\":\"hi\"}}", NULL);
    g_autoptr(TactEvent) copy = tact_event_new_from_json (json_node_get_object (mine), "!r:corp.test", NULL);
    g_assert_true (tact_room_add_event (room, copy));
    tact_room_confirm_sent (room, "txn-1", "$mine");
    g_assert_cmpuint (g_list_model_get_n_items (tact_room_get_timeline (room)), ==, 2);
    g_assert_cmpstr (tact_message_get_event_id (echo), ==, "$mine");
    g_assert_false (tact_room_add_event (room, copy));
  }
}

/* ---- Members: a restart and a lazy-loaded member event keep the outsiders counted ------- */

typedef struct { TactRoom *room; guint external; } ExternalWait;
static gboolean external_is (gpointer d) { ExternalWait *w = d; return tact_room_get_external_count (w->room) == w->external; }
static void external_min_cb (TactRoom *room, GParamSpec *p, gpointer d) { guint *min = d; *min = MIN (*min, tact_room_get_external_count (room)); }


static gboolean
member_present (gpointer d)
{
  MemberWait *w = d;
  TactMember *member = tact_room_lookup_member (w->room, w->user_id);
  return member != NULL;
}

static void
test_members_external_survives_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = tact_sandbox_server_dup_room_id (f->sandbox, "Project Falcon");
  RoomWait rw = { f->session, room_id };
  ExternalWait ew;
  MemberWait mw;
  guint min_external = G_MAXUINT;
  TactRoom *room;

  g_assert_nonnull (room_id);
  tact_session_start (f->session);
  tact_test_wait_until (room_joined, &rw, "Project Falcon");
  room = tact_session_lookup_room (f->session, room_id);
  ew = (ExternalWait) { room, 1 };
  tact_test_wait_until (external_is, &ew, "zhang counted as external");
  tact_test_wait_until (sync_idle, f, "a settled sync");

  /* Restart: the counts come from the store; zhang has not spoken since. */
  restart_session (f);
  rw.session = f->session;
  tact_session_start (f->session);
  tact_test_wait_until (room_joined, &rw, "Project Falcon after the restart");
  room = tact_session_lookup_room (f->session, room_id);
  g_assert_cmpuint (tact_room_get_external_count (room), ==, 1);
  g_signal_connect (room, "notify::external-count", G_CALLBACK (external_min_cb), &min_external);
  g_signal_connect (room, "notify::member-count", G_CALLBACK (external_min_cb), &min_external);

  /* One member event in a lazy-loaded sync: an internal colleague is invited. */
  {
    GAsyncResult *result = NULL;
    g_autoptr(GError) error = NULL;
    tact_matrix_client_invite_async (f->alice, room_id, TACT_SANDBOX_HEAD, NULL, tact_test_store_result_cb, &result);
    g_assert_true (tact_matrix_client_invite_finish (f->alice, tact_test_wait_result (&result, "invite"), &error));
    g_assert_no_error (error);
    g_clear_object (&result);
  }
  mw = (MemberWait) { room, TACT_SANDBOX_HEAD, 0 };
  tact_test_wait_until (member_present, &mw, "the invite in the sync");
  tact_test_wait_until (sync_idle, f, "the sync to settle");
  g_assert_true (tact_room_get_members_complete (room));
  g_assert_cmpuint (tact_room_get_external_count (room), ==, 1);
  g_assert_cmpuint (min_external, ==, 1);   /* never dropped to 0, not even for a moment */
  {
    TactOutgoing outgoing = { 0 };
    tact_room_describe_audience (room, &outgoing);
    g_assert_cmpuint (outgoing.external_count, ==, 1);
  }

  /* And the store keeps it for the next start. */
  restart_session (f);
  rw.session = f->session;
  tact_session_start (f->session);
  tact_test_wait_until (room_joined, &rw, "Project Falcon after a second restart");
  g_assert_cmpuint (tact_room_get_external_count (tact_session_lookup_room (f->session, room_id)), ==, 1);
}

/* ---- Files checked off the main thread, then sent as checked ------------------------ */

/* A minimal docx (zip) with the document's text and, if given, a page header's. */
static char *
write_docx (Fixture *f, const char *name, const char *body, const char *header)
{
  const char *w_ns = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";
  g_autofree char *document = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document %s>"
                                               "<w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body>"
                                               "</w:document>", w_ns, body);
  g_autofree char *header_xml = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:hdr %s>"
                                                 "<w:p><w:r><w:t>%s</w:t></w:r></w:p></w:hdr>",
                                                 w_ns, header ? header : "");
  const char *names[] = { "[Content_Types].xml", "word/document.xml", "word/header1.xml" };
  const char *data[] = {
    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
    document, header_xml };
  char *path = g_build_filename (f->tmpdir, name, NULL);
  struct archive *a = archive_write_new ();

  archive_write_set_format_zip (a);
  g_assert_cmpint (archive_write_open_filename (a, path), ==, ARCHIVE_OK);
  for (guint i = 0; i < (header ? 3u : 2u); i++)
    {
      struct archive_entry *entry = archive_entry_new ();

      archive_entry_set_pathname (entry, names[i]);
      archive_entry_set_filetype (entry, AE_IFREG);
      archive_entry_set_perm (entry, 0644);
      archive_entry_set_size (entry, strlen (data[i]));
      g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
      g_assert_cmpint (archive_write_data (a, data[i], strlen (data[i])), ==, (la_ssize_t) strlen (data[i]));
      archive_entry_free (entry);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
  return path;
}

/* Checks path for room; the callback must come later, from the main loop. */
static TactSendCheck *
check_file (Fixture *f, TactRoom *room, const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GAsyncResult *result = NULL;
  TactSendCheck *checked;

  tact_session_check_file_async (f->session, room, file, NULL, NULL, tact_test_store_result_cb, &result);
  g_assert_null (result);   /* not done on the caller's stack */
  checked = tact_session_check_file_finish (f->session, tact_test_wait_result (&result, "the file check"), error);
  g_clear_object (&result);
  return checked;
}

static gboolean
has_finding (const TactVerdict *verdict, const char *rule_id, const char *attachment)
{
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      if (g_strcmp0 (finding->rule_id, rule_id) == 0 && g_strcmp0 (finding->attachment, attachment) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
body_arrived (Fixture *f, const char *room_id, const char *body)
{
  g_autoptr(GPtrArray) bodies = tact_sandbox_server_dup_bodies (f->sandbox, room_id);
  for (guint i = 0; i < bodies->len; i++)
    if (g_strcmp0 (g_ptr_array_index (bodies, i), body) == 0)
      return TRUE;
  return FALSE;
}

static TactRoom *
seeded_room (Fixture *f, const char *name, guint external)
{
  g_autofree char *room_id = tact_sandbox_server_dup_room_id (f->sandbox, name);
  RoomWait rw = { f->session, room_id };
  ExternalWait ew;

  tact_test_wait_until (room_joined, &rw, name);
  /* Until its whole member list is known the guard assumes an outsider is there. */
  tact_test_wait_until (members_known, &rw, "the room's member list");
  ew = (ExternalWait) { tact_session_lookup_room (f->session, room_id), external };
  tact_test_wait_until (external_is, &ew, "the room's external members counted");
  return ew.room;
}

/* The staged copies in the outbox folder. Other tests of this program leave theirs (an
 * approval still pending holds its copy), so this test compares with what was there
 * before it. */
typedef struct {
  char       *dir;
  GHashTable *before;   /* names of staged copies present before the test */
} StagedWait;

static GHashTable *
staged_copies (const char *dir)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    if (g_str_has_suffix (entry, ".staged"))
      g_hash_table_add (names, g_strdup (entry));
  return names;
}

/* TRUE when no staged copy is there that was not there before. */
static gboolean
no_new_staged_copies (gpointer data)
{
  StagedWait *w = data;
  g_autoptr(GHashTable) now = staged_copies (w->dir);
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_hash_table_contains (w->before, name))
      return FALSE;
  return TRUE;
}

static void
test_file_check_and_send (Fixture *f, gconstpointer data)
{
  g_autofree char *labelled = write_docx (f, "报价单.docx", "Quarterly prices", "机密 ★ 内部使用");
  g_autofree char *secret_text = write_docx (f, "quote.docx", "这份机密报价单请查收", NULL);
  g_autofree char *notes = g_build_filename (f->tmpdir, "notes.txt", NULL);
  g_autofree char *empty = g_build_filename (f->tmpdir, "empty.txt", NULL);
  g_autofree char *missing = g_build_filename (f->tmpdir, "missing.txt", NULL);
  g_autoptr(TactSendCheck) checked = NULL;
  g_autoptr(GError) error = NULL;
  TactRoom *falcon, *sales;
  TactMessage *echo;
  StateWait w;
  g_autofree char *probe = tact_session_dup_outbox_media_path ("x");
  StagedWait staged = { g_path_get_dirname (probe), NULL };

  staged.before = staged_copies (staged.dir);

  g_assert_true (g_file_set_contents (notes, "Lunch at noon.\n", -1, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  tact_session_start (f->session);
  falcon = seeded_room (f, "Project Falcon", 1);
  sales = seeded_room (f, "Sales team", 0);

  /* A docx marked 机密, to the room with an outsider: blocked (FILE-1), naming the file. */
  checked = check_file (f, falcon, labelled, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tact_send_check_get_file_name (checked), ==, "报价单.docx");
  g_assert_cmpint (tact_send_check_get_verdict (checked)->action, ==, TACT_ACTION_BLOCK);
  g_assert_true (has_finding (tact_send_check_get_verdict (checked), "file1-classified-attachment", "报价单.docx"));
  g_assert_null (tact_session_send (f->session, falcon, checked, "a reason", &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED);
  g_clear_error (&error);
  g_clear_pointer (&checked, tact_send_check_unref);
  /* ...and to the internal room too: a classified file never goes over chat. */
  checked = check_file (f, sales, labelled, &error);
  g_assert_cmpint (tact_send_check_get_verdict (checked)->action, ==, TACT_ACTION_BLOCK);
  g_clear_pointer (&checked, tact_send_check_unref);

  /* A docx whose text names a secret, to the internal room: a written reason first (PUB-1). */
  checked = check_file (f, sales, secret_text, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tact_send_check_get_verdict (checked)->action, ==, TACT_ACTION_JUSTIFY);
  g_assert_true (has_finding (tact_send_check_get_verdict (checked), "pub1-secrets", "quote.docx"));
  g_assert_cmpstr (tact_send_check_get_mime_type (checked), !=, "application/octet-stream");
  g_assert_null (tact_session_send (f->session, sales, checked, "   ", &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_JUSTIFICATION);
  g_clear_error (&error);
  /* Checked for the internal room, it is not good for the room with an outsider. */
  g_assert_null (tact_session_send (f->session, falcon, checked, "NDA signed", &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE);
  g_clear_error (&error);
  echo = tact_session_send (f->session, sales, checked, "NDA signed", &error);
  g_assert_no_error (error);
  g_assert_true (tact_message_is_file (echo));
  w.message = echo; w.state = TACT_SEND_STATE_SENT;
  tact_test_wait_until (message_in_state, &w, "the justified docx to be sent");
  g_assert_true (body_arrived (f, tact_room_get_id (sales), "quote.docx"));
  /* One check, one send: the same result cannot be sent twice. */
  g_assert_null (tact_session_send (f->session, sales, checked, "NDA signed", &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE);
  g_clear_error (&error);
  g_clear_pointer (&checked, tact_send_check_unref);

  /* A plain text file is allowed, arrives, and can be downloaded again from its echo. */
  checked = check_file (f, falcon, notes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tact_send_check_get_verdict (checked)->action, ==, TACT_ACTION_ALLOW);
  g_assert_cmpstr (tact_send_check_get_mime_type (checked), ==, "text/plain");
  echo = tact_session_send (f->session, falcon, checked, NULL, &error);
  g_assert_no_error (error);
  w.message = echo; w.state = TACT_SEND_STATE_SENT;
  tact_test_wait_until (message_in_state, &w, "the text file to be sent");
  g_assert_true (body_arrived (f, tact_room_get_id (falcon), "notes.txt"));
  g_assert_cmpint (tact_message_get_media_size (echo), ==, strlen ("Lunch at noon.\n"));
  g_assert_true (g_str_has_prefix (tact_message_get_media_url (echo), "mxc://"));
  {
    GAsyncResult *result = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autofree char *content_type = NULL;

    tact_session_download_async (f->session, echo, NULL, tact_test_store_result_cb, &result);
    bytes = tact_session_download_finish (f->session, tact_test_wait_result (&result, "the download"),
                                          &content_type, &error);
    g_clear_object (&result);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "Lunch at noon.\n", 15);
    g_assert_cmpfloat (tact_message_get_download_progress (echo), ==, 0.0);
  }
  g_clear_pointer (&checked, tact_send_check_unref);

  /* The profile replaced while a check runs: the check keeps its own, the send refuses it. */
  {
    g_autoptr(GFile) file = g_file_new_for_path (notes);
    g_autoptr(TactProfile) other = tact_profile_new_default (&error);
    GAsyncResult *result = NULL;

    g_assert_no_error (error);
    tact_session_check_file_async (f->session, sales, file, "renamed.txt", NULL, tact_test_store_result_cb, &result);
    tact_session_set_profile (f->session, other);
    checked = tact_session_check_file_finish (f->session, tact_test_wait_result (&result, "the check"), &error);
    g_clear_object (&result);
    g_assert_no_error (error);
    g_assert_cmpstr (tact_send_check_get_file_name (checked), ==, "renamed.txt");
    g_assert_null (tact_session_send (f->session, sales, checked, NULL, &error));
    g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE);
    g_clear_error (&error);
    g_clear_pointer (&checked, tact_send_check_unref);
  }

  /* Unreadable and empty files are errors that say so. */
  g_assert_null (check_file (f, sales, missing, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (check_file (f, sales, empty, &error));
  g_assert_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (check_file (f, sales, f->tmpdir, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  g_clear_error (&error);

  /* Nothing this test checked and did not send stays behind in the outbox folder. A
   * check's last reference may be the worker thread's task, dropped just after the main
   * thread got the result: on a loaded machine its copy goes a moment later, so wait for
   * it (bounded). */
  tact_test_wait_until (no_new_staged_copies, &staged, "this test's staged copies to be deleted");
  g_hash_table_unref (staged.before);
  g_free (staged.dir);
}

/* ---- A gap larger than the fill budget is filled by back-pagination, in order ----------- */

static void
test_sync_gap_beyond_budget (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  GListModel *timeline = tact_room_get_timeline (room);
  g_autoptr(GPtrArray) bodies = NULL;
  const guint n = 300;   /* the sync fills 5 × 50 of them; the timeline limit is 30 */

  tact_test_wait_until (sync_idle, f, "a settled sync");
  tact_session_stop (f->session);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *body = g_strdup_printf ("bob %03u", i);
      client_send (f->bob, room_id, body);
    }
  /* A restart in between: the hole must survive it (it is kept in the store). */
  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    tact_test_wait_until (room_joined, &rw, "the room after the restart");
  }
  tact_test_wait_until (sync_idle, f, "the limited sync to be saved");
  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    tact_test_wait_until (room_joined, &rw, "the room after the second restart");
  }
  tact_test_wait_until (sync_idle, f, "a settled sync after the second restart");
  room = tact_session_lookup_room (f->session, room_id);
  timeline = tact_room_get_timeline (room);
  paginate_to_start (f->session, room, 40);
  assert_bob_sequence (timeline, n);
  bodies = stored_bodies (f->store, room_id);
  g_assert_cmpuint (bodies->len, ==, n);
}

/* A gap whose /messages request is refused (403) affects that room only: the loop stays READY
 * and keeps delivering, the hole is kept, and back-pagination fills it once the server allows. */
typedef struct { TactSession *session; const char *room_id; const char *body; } BodyWait;
static gboolean
body_shown (gpointer d)
{
  BodyWait *w = d;
  TactRoom *room = tact_session_lookup_room (w->session, w->room_id);
  return room != NULL && count_bodies (room, w->body) > 0;
}

static void
test_sync_gap_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *messages_path = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  GListModel *timeline;
  const guint n = 40;   /* more than the timeline limit (30): the sync is limited */
  BodyWait bw;

  tact_test_wait_until (sync_idle, f, "a settled sync");
  tact_session_stop (f->session);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *body = g_strdup_printf ("bob %03u", i);
      client_send (f->bob, room_id, body);
    }
  messages_path = g_strdup_printf ("/_matrix/client/v3/rooms/%s/messages", room_id);
  tact_sandbox_server_inject_fault (f->sandbox, "GET", messages_path,
                                    TACT_SANDBOX_FAULT_FORBIDDEN, 0);
  restart_session (f);
  tact_session_start (f->session);
  {
    RoomWait rw = { f->session, room_id };
    tact_test_wait_until (room_joined, &rw, "the room after the restart");
  }
  tact_test_wait_until (sync_idle, f, "the limited sync to be saved despite the refused gap fill");
  g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->sandbox), >, 0);

  /* The loop goes on: a later message arrives. */
  client_send (f->bob, room_id, "bob after");
  bw = (BodyWait) { f->session, room_id, "bob after" };
  tact_test_wait_until (body_shown, &bw, "a message after the refused gap fill");
  g_assert_cmpint (tact_session_get_sync_state (f->session), ==, TACT_SYNC_STATE_READY);

  /* Once allowed, back-pagination fills the hole: every message once, in order. */
  tact_sandbox_server_clear_faults (f->sandbox);
  room = tact_session_lookup_room (f->session, room_id);
  timeline = tact_room_get_timeline (room);
  paginate_to_start (f->session, room, 20);
  {
    guint next = 1;
    for (guint i = 0; i < g_list_model_get_n_items (timeline); i++)
      {
        g_autoptr(TactMessage) message = g_list_model_get_item (timeline, i);
        const char *body = tact_message_get_body (message);
        g_autofree char *expected = g_strdup_printf ("bob %03u", next);

        if (g_strcmp0 (body, "bob after") == 0)
          {
            g_assert_cmpuint (next, ==, n + 1);
            next++;
          }
        else if (g_str_has_prefix (body, "bob "))
          {
            g_assert_cmpstr (body, ==, expected);
            next++;
          }
      }
    g_assert_cmpuint (next, ==, n + 2);
  }
}

/* ---- Refusals on /sync: a stale filter id is uploaded again; other 4xx stop with an error -- */

static void
set_meta (TactStore *store, const char *key, const char *value)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  tact_store_set_meta_async (store, key, value, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_set_meta_finish (store, tact_test_wait_result (&result, "set meta"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
}

static void
test_sync_stale_filter (Fixture *f, gconstpointer data)
{
  SyncWait w = { f->session, TACT_SYNC_STATE_READY };
  g_autofree char *filter_id = NULL;
  GAsyncResult *result = NULL;

  set_meta (f->store, "filter_id", "4711");   /* a filter the server does not know */
  tact_session_start (f->session);
  tact_test_wait_until_s (in_state, &w, 10, "ready with a new filter");
  tact_test_wait_until (sync_idle, f, "a long-poll");
  tact_store_get_meta_async (f->store, "filter_id", NULL, tact_test_store_result_cb, &result);
  filter_id = tact_store_get_meta_finish (f->store, tact_test_wait_result (&result, "filter id"), NULL);
  g_clear_object (&result);
  g_assert_nonnull (filter_id);
  g_assert_cmpstr (filter_id, !=, "4711");
}

static void
test_sync_refused_error_state (Fixture *f, gconstpointer data)
{
  SyncWait w = { f->session, TACT_SYNC_STATE_ERROR };
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  const GError *refusal;

  /* A since token the server rejects (400 M_INVALID_PARAM), whatever the filter. */
  tact_store_save_sync_async (f->store, "not-a-token", none, none, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_save_sync_finish (f->store, tact_test_wait_result (&result, "save token"), &error));
  g_clear_object (&result);
  tact_session_start (f->session);
  tact_test_wait_until_s (in_state, &w, 10, "the error state");
  refusal = tact_session_get_sync_error (f->session);
  g_assert_nonnull (refusal);
  g_assert_cmpstr (tact_matrix_error_get_errcode (refusal), ==, "M_INVALID_PARAM");
  /* Stopped, not spinning: no further /sync goes out. */
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (tact_session_get_sync_state (f->session), ==, TACT_SYNC_STATE_ERROR);
  g_assert_cmpuint (tact_sandbox_server_get_pending_syncs (f->sandbox), ==, 0);
}

/* ---- The state machine: READY with a saved token; backoff 1, 5, 10, 20, 30 s ------------- */

static void
test_sync_ready_with_token (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactSyncState seen = TACT_SYNC_STATE_STOPPED;
  SyncWait w;

  start_in_room (f, &room_id);
  tact_test_wait_until (sync_idle, f, "a settled sync");
  restart_session (f);
  tact_sandbox_server_stop (f->sandbox);   /* catching up cannot finish: still READY at first */
  tact_session_start (f->session);
  w = (SyncWait) { f->session, TACT_SYNC_STATE_READY };
  tact_test_wait_until (in_state, &w, "ready from the saved token");
  seen = tact_session_get_sync_state (f->session);
  g_assert_cmpint (seen, ==, TACT_SYNC_STATE_READY);
  w.state = TACT_SYNC_STATE_OFFLINE;
  tact_test_wait_until (in_state, &w, "offline");
}

static void delay_cb (GObject *o, GParamSpec *p, gpointer d) { guint v; g_object_get (o, "retry-delay", &v, NULL); if (v) g_array_append_val ((GArray *) d, v); }
static gboolean six_delays (gpointer d) { return ((GArray *) d)->len >= 6; }

static void
test_sync_backoff_sequence (Fixture *f, gconstpointer data)
{
  g_autoptr(GArray) delays = g_array_new (FALSE, FALSE, sizeof (guint));
  static const guint expected[] = { 1, 5, 10, 20, 30, 30 };

  tact_session_set_retry_scale (f->session, 0.001);   /* 1 ms … 30 ms: the sequence, not the wait */
  g_signal_connect (f->session, "notify::retry-delay", G_CALLBACK (delay_cb), delays);
  tact_sandbox_server_stop (f->sandbox);
  tact_session_start (f->session);
  tact_test_wait_until (six_delays, delays, "six failed syncs");
  for (guint i = 0; i < delays->len; i++)
    g_test_message ("delay %u: %u", i, g_array_index (delays, guint, i));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpuint (g_array_index (delays, guint, i), ==, expected[i]);
}

/* ---- Redactions remove the text from the timeline and the store ----------------------- */

static char *
client_send_event (TactMatrixClient *client, const char *room_id, const char *type, const char *json)
{
  g_autoptr(JsonNode) content = json_from_string (json, NULL);
  g_autofree char *txn = g_uuid_string_random ();
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  char *event_id;

  tact_matrix_client_send_async (client, room_id, type, txn, json_node_get_object (content), NULL,
                                 tact_test_store_result_cb, &result);
  event_id = tact_matrix_client_send_finish (client, tact_test_wait_result (&result, "send"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return event_id;
}

static gboolean message_redacted (gpointer d) { return tact_message_is_redacted (d); }

static void
test_redaction_removes_text (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autofree char *secret_id = NULL;
  g_autofree char *redaction = NULL;
  g_autofree char *redaction_id = NULL;
  g_autoptr(TactMessage) message = NULL;
  g_autoptr(GPtrArray) found = NULL;
  GAsyncResult *result = NULL;

  secret_id = client_send_event (f->bob, room_id, "m.room.message",
                                 "{\"msgtype\":\"m.text\",\"body\":\"机密 launch date\"}");
  {
    CountWait w = { tact_room_get_timeline (room), 1 };
    tact_test_wait_until (has_n_items, &w, "the message");
  }
  message = g_list_model_get_item (tact_room_get_timeline (room), 0);
  g_assert_cmpstr (tact_message_get_event_id (message), ==, secret_id);
  /* content.redacts (room version 11); the top-level form is parsed into TactEvent.redacts. */
  redaction = g_strdup_printf ("{\"redacts\":\"%s\",\"reason\":\"oops\"}", secret_id);
  redaction_id = client_send_event (f->bob, room_id, "m.room.redaction", redaction);
  tact_test_wait_until (message_redacted, message, "the redaction");
  g_assert_cmpstr (tact_message_get_body (message), ==, "");
  tact_test_wait_until (sync_idle, f, "the batch to be saved");
  tact_store_search_async (f->store, "机密", 10, NULL, tact_test_store_result_cb, &result);
  found = tact_store_search_finish (f->store, tact_test_wait_result (&result, "search"), NULL);
  g_clear_object (&result);
  g_assert_cmpuint (found->len, ==, 0);
  {
    g_autoptr(GPtrArray) rows = NULL;
    tact_store_load_timeline_async (f->store, room_id, 0, 100, NULL, tact_test_store_result_cb, &result);
    rows = tact_store_load_timeline_finish (f->store, tact_test_wait_result (&result, "timeline"), NULL);
    g_clear_object (&result);
    for (guint i = 0; i < rows->len; i++)
      {
        TactStoreEvent *row = g_ptr_array_index (rows, i);
        g_assert_true (row->body == NULL || strstr (row->body, "launch") == NULL);
        g_assert_null (strstr (row->json, "launch date"));
      }
  }
}

/* ---- Unread counts (kept in the store), others' read receipts, mark read --------------- */

typedef struct { TactRoom *room; guint count; } UnreadWait;
static gboolean unread_is (gpointer d) { UnreadWait *w = d; return tact_room_get_notification_count (w->room) == w->count; }
typedef struct { TactRoom *room; const char *user_id; const char *event_id; } ReceiptWait;
static gboolean receipt_at (gpointer d) { ReceiptWait *w = d; return g_strcmp0 (tact_room_get_read_receipt (w->room, w->user_id), w->event_id) == 0; }
static gboolean own_read_at (gpointer d) { ReceiptWait *w = d; return g_strcmp0 (tact_room_get_own_read_event (w->room), w->event_id) == 0; }
static gboolean newest_is (gpointer d) { ReceiptWait *w = d; return g_strcmp0 (tact_room_get_newest_event_id (w->room), w->event_id) == 0; }

/* Restarts the session and returns the room as read back from the store, before any sync. */
static TactRoom *
restart_to_stored_room (Fixture *f, const char *room_id)
{
  RoomWait rw;

  restart_session (f);
  rw = (RoomWait) { f->session, room_id };
  tact_session_start (f->session);
  tact_test_wait_until (room_known, &rw, "the room from the store");
  return tact_session_lookup_room (f->session, room_id);
}

/* Edits (m.replace): the original sender's edit changes the message in place and marks it
 * edited; the "* …" edit event is never an entry of its own; someone else's "edit" is ignored;
 * after a restart the history read back from the store shows the edited text. */
typedef struct { TactMessage *message; const char *body; } BodyIs;
static gboolean body_is (gpointer d) { BodyIs *w = d; return g_strcmp0 (tact_message_get_body (w->message), w->body) == 0; }

static void
assert_single_edited (GListModel *timeline, const char *event_id)
{
  guint found = 0;

  for (guint i = 0; i < g_list_model_get_n_items (timeline); i++)
    {
      g_autoptr(TactMessage) m = g_list_model_get_item (timeline, i);

      g_assert_false (g_str_has_prefix (tact_message_get_body (m), "* "));
      if (g_strcmp0 (tact_message_get_event_id (m), event_id) != 0)
        continue;
      g_assert_cmpstr (tact_message_get_body (m), ==, "Meeting at 16:00 today");
      g_assert_true (tact_message_is_edited (m));
      found++;
    }
  g_assert_cmpuint (found, ==, 1);
}

static void
test_edit_replaces_body (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  g_autofree char *original_id = NULL;
  g_autofree char *edit = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *edit_id = NULL;
  g_autofree char *forged_id = NULL;
  g_autofree char *after_id = NULL;
  g_autoptr(TactMessage) message = NULL;

  original_id = client_send_event (f->bob, room_id, "m.room.message",
                                   "{\"msgtype\":\"m.text\",\"body\":\"Meeting at 15:00 today\"}");
  {
    CountWait w = { tact_room_get_timeline (room), 1 };
    tact_test_wait_until (has_n_items, &w, "the message");
  }
  message = g_list_model_get_item (tact_room_get_timeline (room), 0);
  g_assert_false (tact_message_is_edited (message));

  /* As fixture 22 sends it: a fallback body, m.new_content and the relation. */
  edit = g_strdup_printf ("{\"msgtype\":\"m.text\",\"body\":\"* Meeting at 16:00 today\","
                          "\"m.new_content\":{\"msgtype\":\"m.text\",\"body\":\"Meeting at 16:00 today\"},"
                          "\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"%s\"}}",
                          original_id);
  edit_id = client_send_event (f->bob, room_id, "m.room.message", edit);
  {
    BodyIs w = { message, "Meeting at 16:00 today" };
    tact_test_wait_until (body_is, &w, "the edit");
  }
  /* Alice cannot edit bob's message. */
  forged = g_strdup_printf ("{\"msgtype\":\"m.text\",\"body\":\"* Meeting cancelled\","
                            "\"m.new_content\":{\"msgtype\":\"m.text\",\"body\":\"Meeting cancelled\"},"
                            "\"m.relates_to\":{\"rel_type\":\"m.replace\",\"event_id\":\"%s\"}}",
                            original_id);
  forged_id = client_send_event (f->alice, room_id, "m.room.message", forged);
  after_id = client_send_event (f->bob, room_id, "m.room.message",
                                "{\"msgtype\":\"m.text\",\"body\":\"see you\"}");
  {
    CountWait w = { tact_room_get_timeline (room), 2 };
    tact_test_wait_until (has_n_items, &w, "the next message");
  }
  assert_single_edited (tact_room_get_timeline (room), original_id);
  g_assert_false (tact_room_has_event (room, edit_id));
  tact_test_wait_until (sync_idle, f, "the batch to be saved");

  /* From the store, as after a restart. */
  room = restart_to_stored_room (f, room_id);
  tact_session_set_open_room (f->session, room);
  tact_session_load_timeline (f->session, room);
  {
    CountWait w = { tact_room_get_timeline (room), 2 };
    tact_test_wait_until (has_n_items, &w, "the stored timeline");
  }
  assert_single_edited (tact_room_get_timeline (room), original_id);
  (void) forged_id;
  (void) after_id;
}

static void
test_room_unread_receipts (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  TactRoom *room = start_in_room (f, &room_id);
  const char *bob = tact_matrix_client_get_user_id (f->bob);
  g_autofree char *last = NULL;
  g_autofree char *receipt = NULL;
  g_autofree char *escaped_room = tact_matrix_escape_path_segment (room_id);
  g_autofree char *escaped_last = NULL;
  g_auto(GStrv) read_by = NULL;
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  UnreadWait uw;
  ReceiptWait rw;

  tact_test_wait_until (sync_idle, f, "a settled sync");
  for (guint i = 1; i <= 3; i++)
    {
      g_free (last);
      last = client_send_event (f->bob, room_id, "m.room.message", "{\"msgtype\":\"m.text\",\"body\":\"unread\"}");
    }
  uw = (UnreadWait) { room, 3 };
  tact_test_wait_until (unread_is, &uw, "3 unread messages");
  g_assert_cmpuint (tact_room_get_highlight_count (room), ==, 0);

  /* Bob has read his last message: his receipt arrives as m.receipt. */
  escaped_last = tact_matrix_escape_path_segment (last);
  receipt = g_strdup_printf ("/_matrix/client/v3/rooms/%s/receipt/m.read/%s", escaped_room, escaped_last);
  g_assert_cmpuint (raw_request (f, f->bob, "POST", receipt, "{}"), ==, 200);
  rw = (ReceiptWait) { room, bob, last };
  tact_test_wait_until (receipt_at, &rw, "bob's read receipt");
  read_by = tact_room_dup_read_by (room, last);
  g_assert_true (g_strv_contains ((const char * const *) read_by, bob));
  g_assert_false (g_strv_contains ((const char * const *) read_by, tact_matrix_client_get_user_id (f->alice)));
  tact_test_wait_until (sync_idle, f, "the batch to be saved");

  /* The counts come back from the store, before any sync. */
  room = restart_to_stored_room (f, room_id);
  g_assert_cmpuint (tact_room_get_notification_count (room), ==, 3);

  /* Opening the room marks its newest message read. */
  tact_session_load_timeline (f->session, room);
  rw = (ReceiptWait) { room, NULL, last };
  tact_test_wait_until (newest_is, &rw, "the stored timeline");
  tact_session_mark_read_async (f->session, room, NULL, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_session_mark_read_finish (f->session, tact_test_wait_result (&result, "mark read"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (tact_room_get_notification_count (room), ==, 0);
  g_assert_cmpstr (tact_room_get_own_read_event (room), ==, last);
  tact_test_wait_until (sync_idle, f, "a sync after the receipt");
  g_assert_cmpuint (tact_room_get_notification_count (room), ==, 0);
  tact_test_wait_until (own_read_at, &rw, "our receipt from the server");

  room = restart_to_stored_room (f, room_id);
  g_assert_cmpuint (tact_room_get_notification_count (room), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/session/outbox/faults", test_outbox_faults);
  ADD ("/session/outbox/retry-after-long", test_outbox_retry_after_long);
  g_test_add_func ("/session/outbox/retry-delay-table", test_outbox_retry_delay_table);
  ADD ("/session/outbox/forbidden-retry", test_outbox_forbidden_retry);
  ADD ("/session/outbox/failed-reason-survives-restart", test_outbox_failed_reason_survives_restart);
  ADD ("/session/outbox/media", test_outbox_media);
  ADD ("/session/outbox/orphaned-staged", test_outbox_orphaned_staged);
  ADD ("/session/outbox/media-progress", test_outbox_media_progress);
  ADD ("/session/outbox/kill-restart", test_outbox_kill_restart);
  ADD ("/session/sync/offline-network-back", test_sync_offline_network_back);
  ADD ("/session/sync/limited-gap", test_sync_limited_gap);
  ADD ("/session/timeline/back-pagination", test_timeline_back_pagination);
  ADD ("/session/timeline/window-bounded", test_timeline_window_bounded);
  ADD ("/session/room/members-typing", test_room_members_typing);
  ADD ("/session/room/unread-receipts", test_room_unread_receipts);
  ADD ("/session/account/soft-logout-relogin", test_soft_logout_relogin);
  ADD ("/session/account/hard-logout-ends", test_hard_logout_ends_account);
  ADD ("/session/draft/survives-restart", test_draft_survives_restart);
  ADD ("/session/timeline/load-keeps-synced", test_timeline_load_keeps_synced);
  ADD ("/session/echo/gap-without-txn", test_echo_gap_without_txn);
  g_test_add_func ("/session/echo/other-sender", test_echo_other_sender);
  ADD ("/session/sync/gap-beyond-budget", test_sync_gap_beyond_budget);
  ADD ("/session/sync/gap-refused", test_sync_gap_refused);
  ADD ("/session/sync/stale-filter", test_sync_stale_filter);
  ADD ("/session/sync/refused-error-state", test_sync_refused_error_state);
  ADD ("/session/sync/ready-with-token", test_sync_ready_with_token);
  ADD ("/session/sync/backoff-sequence", test_sync_backoff_sequence);
  ADD ("/session/timeline/redaction-removes-text", test_redaction_removes_text);
  ADD ("/session/timeline/edit-replaces-body", test_edit_replaces_body);
  g_test_add ("/session/members/external-survives-restart", Fixture, SEEDED, fixture_setup,
              test_members_external_survives_restart, fixture_teardown);
  g_test_add ("/session/file/check-and-send", Fixture, SEEDED, fixture_setup,
              test_file_check_and_send, fixture_teardown);
  return g_test_run ();
}
