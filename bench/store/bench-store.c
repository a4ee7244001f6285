/* bench-store.c: figures for the history database and the sync path (issue 4, Benchmarks).
 *
 * With 1M stored events (half Chinese), encrypted and unencrypted (the same code path with
 * TACT_STORE_OPEN_UNENCRYPTED):
 *
 *   1. insert rate: 10k new events in sync-sized transactions (100 events, the rooms they
 *      touch, a token) through tact_store_save_sync_async INTO a copy of the 1M-event
 *      database; encrypted and plain interleaved in halves, and their ratio, twice on the
 *      same connections: cold (right after opening; the goal is assessed on this one) and
 *      steady state (after a further warm-up of TACT_BENCH_STORE_WARMUP events, 5000, not
 *      measured; printed for information), each with the pages read and written;
 *   2. search latency p50/p99 for two-character Chinese words and Latin words, and the ratio;
 *   3. a 20 MB /sync response through the real path: the parse
 *      (tact_sync_response_parse_bytes, as TactMatrixClient does), the session's processing
 *      (tact_session_process_sync_async: room and timeline models, store rows) and the save
 *      (one save_sync), into the 1M-event copies;
 *   4. RSS of a real TactSession in a fresh process: started on the 1M-event database (the
 *      room list model from the store), each room's first timeline page loaded, then 20
 *      searches; VmRSS and VmHWM from /proc/self/status at each step, and SQLite's heap.
 *
 * Every figure is printed with its goal and PASS/MISS (figures the issue sets no goal for say
 * so). The 1M-event databases are generated deterministically once and reused from
 * $TACT_BENCH_CACHE (keyed by DATA_VERSION); measurements that write use copies.
 * TACT_BENCH_STORE_EVENTS overrides the event count (for quick runs);
 * TACT_BENCH_STORE_ONLY=insert,search,sync,rss runs only those parts (default: all);
 * TACT_BENCH_STORE_INSERT overrides the number of events inserted for the rate (10000);
 * TACT_BENCH_STORE_SQL is run on both connections before the insert measurement (for
 * experiments with settings: it is printed, and the figures are then not the store's own).
 * TACT_BENCH_ONLY=rss runs figure 4 alone (with the store's own cache_size; only the
 * encrypted history is made); TACT_BENCH_MALLOC_STATS=1 makes its child print glibc's
 * malloc_stats() at the end.
 */
#include "store/tact-store-private.h"
#include "matrix/tact-matrix.h"
#include "policy/tact-policy.h"
#include "session/tact-session.h"
#include "session/tact-session-private.h"

#include <glib/gstdio.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#define DATA_VERSION   "store-bench-v1"   /* the cached histories; bump to regenerate */
#define N_ROOMS        500
#define GEN_BATCH      1000    /* events per save_sync transaction while generating */
#define SYNC_BATCH     100     /* events per transaction for the insert rate: a busy sync */
#define IN_FLIGHT      4       /* batches queued on the worker at once */
#define INSERT_SAMPLE  10000   /* events inserted into the 1M-event databases for the rate */
#define INSERT_WARMUP  5000    /* then inserted, not measured, before the steady-state sample */
#define SEARCH_LIMIT   50      /* one page of results */
#define SEARCH_RUNS    10      /* per query word */
#define SYNC_BYTES     (20 * 1024 * 1024)
#define DEAD_SERVER    "http://127.0.0.1:9"   /* nothing listens: requests fail at once */

#define GOAL_SEARCH_MS 50.0
#define GOAL_RATIO     1.3
#define GOAL_RSS_MB    120.0
#define COMPARE_CACHE_KIB 32768   /* RSS again with this page cache, for comparison */
#define REF_SYNC_S     3.0     /* not in the issue: a reference (parse alone is ~0.3-0.45 s) */

#include "bench-text.h"

#define BASE_TS G_GINT64_CONSTANT (1700000000000)

static char *
room_id_for (guint room)
{
  return g_strdup_printf ("!room%03u:bench.example", room);
}

/* Event number @n of the synthetic history: round-robin over the rooms, one second apart,
 * alternately Chinese and English (so exactly half are Chinese). */
static TactStoreEvent *
make_event (guint n, guint64 *rng, GString *body)
{
  TactStoreEvent *event = g_new0 (TactStoreEvent, 1);

  make_body (body, rng, n % 2 == 0);
  event->room_id = room_id_for (n % N_ROOMS);
  event->event_id = g_strdup_printf ("$ev%08u:bench.example", n);
  event->sender = g_strdup_printf ("@user%02u:bench.example", (guint) rng_below (rng, 40));
  event->type = g_strdup ("m.room.message");
  event->ts = BASE_TS + (gint64) n * 1000;
  event->body = g_strdup (body->str);
  /* Bodies contain no '"' or '\\': no escaping needed. */
  event->json = g_strdup_printf ("{\"type\":\"m.room.message\",\"event_id\":\"%s\","
                                 "\"room_id\":\"%s\",\"sender\":\"%s\","
                                 "\"origin_server_ts\":%" G_GINT64_FORMAT ","
                                 "\"content\":{\"msgtype\":\"m.text\",\"body\":\"%s\"},"
                                 "\"unsigned\":{\"age\":1234}}",
                                 event->event_id, event->room_id, event->sender, event->ts,
                                 body->str);
  event->send_state = TACT_SEND_STATE_SENT;
  return event;
}

static TactStoreRoom *
make_room (guint i)
{
  TactStoreRoom *room = g_new0 (TactStoreRoom, 1);

  room->room_id = room_id_for (i);
  room->name = g_strdup_printf (i % 2 ? "Project room %u" : "项目群 %u", i);
  room->membership = g_strdup ("join");
  room->member_count = 2 + i % 40;
  return room;
}

/* The rooms that events [first, first + count) fall into (all of them from 500 events on). */
static GPtrArray *
make_rooms (guint first, guint count)
{
  GPtrArray *rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);

  for (guint i = 0; i < MIN (count, N_ROOMS); i++)
    g_ptr_array_add (rooms, make_room ((first + i) % N_ROOMS));
  return rooms;
}

/* ---- Async plumbing ----------------------------------------------------------------- */

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;
  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static GBytes *
bench_key (void)
{
  static const guint8 key[32] = {
    0x54, 0x61, 0x63, 0x74, 0x2d, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x2d, 0x6b, 0x65, 0x79, 0x00, 0x01,
    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
  };
  return g_bytes_new_static (key, sizeof key);
}

static TactStore *
open_store (const char *path, gboolean encrypted)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) key = encrypted ? bench_key () : NULL;
  g_autoptr(GError) error = NULL;
  TactStore *store;

  tact_store_open_full_async (path, key,
                              encrypted ? TACT_STORE_OPEN_DEFAULT : TACT_STORE_OPEN_UNENCRYPTED,
                              NULL, store_result, &result);
  store = tact_store_open_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return store;
}

/* Completion counter for pipelined save_sync calls. */
typedef struct {
  guint pending;
  GError *error;
  gint64 last_done;    /* monotonic time of the previous completion */
  gint64 slowest_us;   /* longest gap between completions: about the slowest transaction */
} Pipeline;


static void
saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pipeline *pipeline = user_data;
  GError *error = NULL;

  if (!tact_store_save_sync_finish (TACT_STORE (source), result, &error) && pipeline->error == NULL)
    pipeline->error = error;
  else
    g_clear_error (&error);
  pipeline->pending--;
  {
    gint64 now = g_get_monotonic_time ();

    /* With IN_FLIGHT batches queued, the gap between two completions is one batch's time. */
    pipeline->slowest_us = MAX (pipeline->slowest_us, now - pipeline->last_done);
    pipeline->last_done = now;
  }
}

/* Inserts events [first, first + count) in @batch-sized save_sync transactions, each with the
 * rows of the rooms it touches and a token, IN_FLIGHT at a time. Returns the elapsed seconds. */
static double
insert_events (TactStore *store, guint first, guint count, guint batch, double *slowest_s)
{
  Pipeline pipeline = { 0, NULL, g_get_monotonic_time (), 0 };
  g_autoptr(GString) body = g_string_new (NULL);
  guint64 rng = 0x5eed0000ULL + first;
  gint64 start = g_get_monotonic_time ();

  for (guint done = 0; done < count; done += batch)
    {
      g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
      guint n = MIN (batch, count - done);
      g_autoptr(GPtrArray) rooms = make_rooms (first + done, n);
      g_autofree char *token = g_strdup_printf ("s%u", first + done);

      for (guint i = done; i < done + n; i++)
        g_ptr_array_add (events, make_event (first + i, &rng, body));

      while (pipeline.pending >= IN_FLIGHT)
        g_main_context_iteration (NULL, TRUE);
      pipeline.pending++;
      tact_store_save_sync_async (store, token, rooms, events, NULL, saved_cb, &pipeline);
    }
  while (pipeline.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (pipeline.error);
  if (slowest_s != NULL)
    *slowest_s = MAX (*slowest_s, pipeline.slowest_us / 1e6);
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
close_store (TactStore *store)
{
  tact_store_close (store);
  g_object_unref (store);
}

static void
remove_db (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_remove (file);
    }
}

static const char *
verdict (gboolean met)
{
  return met ? "PASS" : "MISS";
}

/* ---- Settings read back from a connection ----------------------------------------------- */

/* The comparison is only fair if both connections run with identical settings besides the
 * key: read them back from the worker's connection and print them. */
static gboolean
read_settings (sqlite3 *db, gpointer func_data, GError **error)
{
  static const char *const pragmas[] = {
    "page_size", "cache_size", "journal_mode", "synchronous", "secure_delete",
    "wal_autocheckpoint", "temp_store", "cipher_page_size",
  };
  GString *out = func_data;

  for (guint i = 0; i < G_N_ELEMENTS (pragmas); i++)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA %s", pragmas[i]);
      sqlite3_stmt *stmt = NULL;

      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
          sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (out, " %s=%s", pragmas[i],
                                (const char *) sqlite3_column_text (stmt, 0));
      else
        g_string_append_printf (out, " %s=-", pragmas[i]);
      sqlite3_finalize (stmt);
    }
  return TRUE;
}

static char *
describe_settings (TactStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GString *out = g_string_new (NULL);

  tact_store_call_async (store, read_settings, out, NULL, store_result, &result);
  g_assert_true (tact_store_call_finish (store, wait_for (&result), &error));
  g_assert_no_error (error);
  return g_string_free (out, FALSE);
}

/* Bytes this process handed to write()/pwrite() so far (all threads), or 0. */
static gint64
process_write_bytes (void)
{
  g_autofree char *io = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/io", &io, NULL, NULL) ||
      (line = strstr (io, "wchar:")) == NULL)
    return 0;
  return g_ascii_strtoll (line + 6, NULL, 10);
}

/* ---- 2. Search latency ------------------------------------------------------------------ */

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

typedef struct {
  double p50, p99;
  guint hits;  /* results of the last query, as a sanity check */
} Latency;

static Latency
measure_search (TactStore *store, const char *const *words, guint n_words)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  Latency latency = { 0, 0, 0 };

  /* One warm-up pass (a real search box is typed into: the index pages get cached). */
  for (guint run = 0; run < SEARCH_RUNS + 1; run++)
    for (guint w = 0; w < n_words; w++)
      {
        g_autoptr(GAsyncResult) result = NULL;
        g_autoptr(GPtrArray) rows = NULL;
        g_autoptr(GError) error = NULL;
        gint64 start = g_get_monotonic_time ();
        double ms;

        tact_store_search_async (store, words[w], SEARCH_LIMIT, NULL, store_result, &result);
        rows = tact_store_search_finish (store, wait_for (&result), &error);
        ms = (g_get_monotonic_time () - start) / 1000.0;
        g_assert_no_error (error);
        if (run > 0)
          g_array_append_val (times, ms);
        latency.hits = rows->len;
      }

  g_array_sort (times, compare_double);
  latency.p50 = g_array_index (times, double, times->len / 2);
  latency.p99 = g_array_index (times, double, MIN (times->len - 1, (times->len * 99) / 100));
  return latency;
}


/* ---- The cached 1M-event databases ----------------------------------------------------- */

static char *
ensure_history (const char *cache, guint n_events, gboolean encrypted, double *gen_rate)
{
  g_autofree char *name = g_strdup_printf ("%s-%u-%s.db", DATA_VERSION, n_events,
                                           encrypted ? "enc" : "plain");
  char *path = g_build_filename (cache, name, NULL);
  g_autofree char *done_marker = g_strconcat (path, ".complete", NULL);
  TactStore *store;
  double seconds;

  *gen_rate = 0;
  if (g_file_test (done_marker, G_FILE_TEST_EXISTS) && g_file_test (path, G_FILE_TEST_EXISTS))
    return path;

  remove_db (path);
  g_print ("# generating %u events (%s) into %s …\n", n_events,
           encrypted ? "encrypted" : "unencrypted", path);
  store = open_store (path, encrypted);
  seconds = insert_events (store, 0, n_events, GEN_BATCH, NULL);
  close_store (store);
  g_assert_true (g_file_set_contents (done_marker, DATA_VERSION, -1, NULL));
  *gen_rate = n_events / seconds;
  g_print ("# generated in %.1f s (%.0f events/s)\n", seconds, *gen_rate);
  return path;
}

/* A scratch copy of a closed history (its WAL is checkpointed on close), for the
 * measurements that write. */
static char *
copy_history (const char *path, const char *dir, const char *name)
{
  g_autoptr(GFile) from = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  char *copy = g_build_filename (dir, name, NULL);
  g_autoptr(GFile) to = g_file_new_for_path (copy);

  remove_db (copy);
  g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return copy;
}

/* ---- 1. Insert rate into the 1M-event histories ------------------------------------------ */

/* One measured phase of the insert figures: both connections, same events. */
typedef struct {
  double enc_s, plain_s, ratio;
  double enc_rate, plain_rate;
  double enc_slowest_s, plain_slowest_s;
  gint64 enc_written, plain_written;   /* pages to the WAL */
  gint64 enc_read, plain_read;         /* pages read into the page cache (decrypted if enc) */
  double enc_mb, plain_mb;             /* bytes handed to write() */
} InsertPhase;

typedef struct {
  InsertPhase cold;    /* right after opening: the page cache is empty */
  InsertPhase steady;  /* after a warm-up of the same inserts on the same connections */
  guint warmup;        /* events inserted (not measured) between the two */
} InsertFigures;

/* What a connection has written so far, read on its worker. */
typedef struct {
  gint64 pages_written;  /* SQLITE_DBSTATUS_CACHE_WRITE: pages written to the WAL */
  gint64 pages_read;     /* SQLITE_DBSTATUS_CACHE_MISS: pages read (and decrypted) */
  GString *segments;     /* FTS4 segments per level, "level:count …" */
} WriteStats;

static gboolean
read_write_stats (sqlite3 *db, gpointer func_data, GError **error)
{
  WriteStats *stats = func_data;
  int current = 0, highwater = 0;
  sqlite3_stmt *stmt = NULL;

  sqlite3_db_status (db, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highwater, 0);
  stats->pages_written = current;
  sqlite3_db_status (db, SQLITE_DBSTATUS_CACHE_MISS, &current, &highwater, 0);
  stats->pages_read = current;
  g_string_truncate (stats->segments, 0);
  if (sqlite3_prepare_v2 (db, "SELECT level, count(*) FROM events_fts_segdir GROUP BY level",
                          -1, &stmt, NULL) != SQLITE_OK)
    return TRUE;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (stats->segments, " %d:%d", sqlite3_column_int (stmt, 0),
                            sqlite3_column_int (stmt, 1));
  sqlite3_finalize (stmt);
  return TRUE;
}

static void
write_stats (TactStore *store, WriteStats *stats)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (stats->segments == NULL)
    stats->segments = g_string_new (NULL);
  tact_store_call_async (store, read_write_stats, stats, NULL, store_result, &result);
  g_assert_true (tact_store_call_finish (store, wait_for (&result), &error));
  g_assert_no_error (error);
}

static gboolean
run_sql (sqlite3 *db, gpointer func_data, GError **error)
{
  return tact_store_exec (db, func_data, error);
}

/* Experiments only: TACT_BENCH_STORE_SQL on a connection (e.g. other pragmas). */
static void
apply_experiment (TactStore *store)
{
  const char *sql = g_getenv ("TACT_BENCH_STORE_SQL");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (sql == NULL || *sql == '\0')
    return;
  tact_store_call_async (store, run_sql, (gpointer) sql, NULL, store_result, &result);
  g_assert_true (tact_store_call_finish (store, wait_for (&result), &error));
  g_assert_no_error (error);
}

/* Both stores are open at once and take the @count events from number @first in two
 * interleaved halves (encrypted, plain, encrypted, plain), so that load from other processes
 * on the shared machine falls on both alike. */
static InsertPhase
measure_insert_phase (TactStore *enc, TactStore *plain, guint first, guint count,
                      const char *label)
{
  InsertPhase phase = { 0 };
  guint half = count / 2;
  gint64 wrote;
  WriteStats enc_before = { 0 }, enc_after = { 0 }, plain_before = { 0 }, plain_after = { 0 };

  write_stats (enc, &enc_before);
  write_stats (plain, &plain_before);
  for (guint round = 0; round < 2; round++)
    {
      wrote = process_write_bytes ();
      phase.enc_s += insert_events (enc, first + round * half, half, SYNC_BATCH,
                                    &phase.enc_slowest_s);
      phase.enc_mb += (process_write_bytes () - wrote) / (1024.0 * 1024.0);
      wrote = process_write_bytes ();
      phase.plain_s += insert_events (plain, first + round * half, half, SYNC_BATCH,
                                      &phase.plain_slowest_s);
      phase.plain_mb += (process_write_bytes () - wrote) / (1024.0 * 1024.0);
    }
  write_stats (enc, &enc_after);
  write_stats (plain, &plain_after);
  phase.enc_written = enc_after.pages_written - enc_before.pages_written;
  phase.plain_written = plain_after.pages_written - plain_before.pages_written;
  phase.enc_read = enc_after.pages_read - enc_before.pages_read;
  phase.plain_read = plain_after.pages_read - plain_before.pages_read;
  phase.enc_rate = 2 * half / phase.enc_s;
  phase.plain_rate = 2 * half / phase.plain_s;
  phase.ratio = phase.enc_s / phase.plain_s;

  g_print ("# insert, %s, %u events: encrypted %.2f s (%.1f MB written, %" G_GINT64_FORMAT
           " pages to the WAL, %" G_GINT64_FORMAT " pages read, slowest transaction %.0f ms),"
           " unencrypted %.2f s (%.1f MB written, %" G_GINT64_FORMAT " pages, %"
           G_GINT64_FORMAT " read, slowest %.0f ms); ratio %.3f\n", label, 2 * half,
           phase.enc_s, phase.enc_mb, phase.enc_written, phase.enc_read,
           phase.enc_slowest_s * 1000, phase.plain_s, phase.plain_mb, phase.plain_written,
           phase.plain_read, phase.plain_slowest_s * 1000, phase.ratio);
  g_print ("# FTS4 segments per level, before:%s, after:%s (encrypted);"
           " before:%s, after:%s (unencrypted)\n", enc_before.segments->str,
           enc_after.segments->str, plain_before.segments->str, plain_after.segments->str);
  g_string_free (enc_before.segments, TRUE);
  g_string_free (enc_after.segments, TRUE);
  g_string_free (plain_before.segments, TRUE);
  g_string_free (plain_after.segments, TRUE);
  return phase;
}

/* Two phases on the same connections, both freshly opened on copies of the history:
 *   cold:   @n_insert events right after opening (every page the inserts touch is read from
 *           the file, and decrypted on the encrypted side);
 *   steady: after @n_warmup more events (not measured), @n_insert more: the page cache holds
 *           what the inserts touch, as in an app that has been open for a while. */
static InsertFigures
measure_insert_rate (TactStore *enc, TactStore *plain, guint n_stored, guint n_insert,
                     guint n_warmup)
{
  InsertFigures figures = { 0 };
  const char *experiment = g_getenv ("TACT_BENCH_STORE_SQL");

  if (experiment != NULL && *experiment != '\0')
    g_print ("# EXPERIMENT: on both connections before inserting: %s\n", experiment);
  apply_experiment (enc);
  apply_experiment (plain);
  {
    g_autofree char *enc_settings = describe_settings (enc);
    g_autofree char *plain_settings = describe_settings (plain);

    g_print ("# encrypted connection:%s\n# unencrypted connection:%s\n", enc_settings,
             plain_settings);
  }
  figures.cold = measure_insert_phase (enc, plain, n_stored, n_insert, "cold (just opened)");
  figures.warmup = n_warmup;
  if (n_warmup > 0)
    measure_insert_phase (enc, plain, n_stored + n_insert, n_warmup,
                          "warm-up (not a figure)");
  figures.steady = measure_insert_phase (enc, plain, n_stored + n_insert + n_warmup, n_insert,
                                         "steady (after the cold phase and the warm-up)");
  return figures;
}

/* ---- 3. A 20 MB /sync through the real path ------------------------------------------------ */

/* An initial-sync-shaped body: per joined room a summary, state (create, name, power levels,
 * members), a timeline of formatted messages (half Chinese), typing and a receipt, filled to
 * ~SYNC_BYTES in all; a @limited timeline leaves a gap before it. The rooms are those of the
 * stored history; the timeline events are numbered from @base, after the history in time. */
static GBytes *
make_sync_body (gboolean limited, guint base, guint *n_timeline)
{
  GString *out = g_string_sized_new (SYNC_BYTES + 1024 * 1024);
  g_autoptr(GString) body = g_string_new (NULL);
  gsize per_room = SYNC_BYTES / N_ROOMS;
  guint64 rng = 0x20202020ULL;
  guint n = base;

  g_string_append (out, "{\"next_batch\":\"s_bench_20mb_1\",\"rooms\":{\"join\":{");
  for (guint r = 0; r < N_ROOMS; r++)
    {
      g_autofree char *room_id = room_id_for (r);
      gsize room_start = out->len;
      guint first = n;

      g_string_append_printf (out,
        "%s\"%s\":{\"summary\":{\"m.heroes\":[\"@user01:bench.example\"],"
        "\"m.joined_member_count\":%u,\"m.invited_member_count\":0},"
        "\"unread_notifications\":{\"notification_count\":%u,\"highlight_count\":%u},"
        "\"state\":{\"events\":["
        "{\"type\":\"m.room.create\",\"state_key\":\"\",\"event_id\":\"$screate%03u:bench.example\","
        "\"sender\":\"@admin:bench.example\",\"origin_server_ts\":1,"
        "\"content\":{\"creator\":\"@admin:bench.example\",\"room_version\":\"9\"}},"
        "{\"type\":\"m.room.name\",\"state_key\":\"\",\"event_id\":\"$sname%03u:bench.example\","
        "\"sender\":\"@admin:bench.example\",\"origin_server_ts\":2,"
        "\"content\":{\"name\":\"项目 Falcon %u\"}},"
        "{\"type\":\"m.room.power_levels\",\"state_key\":\"\",\"event_id\":\"$spl%03u:bench.example\","
        "\"sender\":\"@admin:bench.example\",\"origin_server_ts\":3,"
        "\"content\":{\"users\":{\"@admin:bench.example\":100},\"users_default\":0}}",
        r ? "," : "", room_id, 2 + r % 40, r % 7, r % 2, r, r, r, r);
      for (guint m = 0; m < 4; m++)
        g_string_append_printf (out,
          ",{\"type\":\"m.room.member\",\"state_key\":\"@user%02u:bench.example\","
          "\"event_id\":\"$smember%03u_%u:bench.example\",\"sender\":\"@user%02u:bench.example\","
          "\"origin_server_ts\":4,\"content\":{\"membership\":\"join\",\"displayname\":\"User %u\"}}",
          (r + m) % 40, r, m, (r + m) % 40, (r + m) % 40);
      g_string_append_printf (out, "]},\"timeline\":{\"limited\":%s,\"prev_batch\":\"p_bench\","
                              "\"events\":[", limited ? "true" : "false");
      while (out->len - room_start < per_room - 700)
        {
          make_body (body, &rng, n % 2 == 0);
          g_string_append_printf (out,
            "%s{\"type\":\"m.room.message\",\"event_id\":\"$sync%08u:bench.example\","
            "\"sender\":\"@user%02u:bench.example\",\"origin_server_ts\":%" G_GINT64_FORMAT ","
            "\"content\":{\"msgtype\":\"m.text\",\"body\":\"%s\",\"format\":\"org.matrix.custom.html\","
            "\"formatted_body\":\"<p>%s</p>\"},\"unsigned\":{\"age\":%u}}",
            n > first ? "," : "", n, (r + rng_below (&rng, 4)) % 40,
            BASE_TS + (gint64) (50000000 + n) * 1000, body->str, body->str, 1000 + n % 5000);
          n++;
        }
      g_string_append_printf (out,
        "]},\"ephemeral\":{\"events\":[{\"type\":\"m.typing\",\"content\":{\"user_ids\":[]}},"
        "{\"type\":\"m.receipt\",\"content\":{\"$sync%08u:bench.example\":{\"m.read\":"
        "{\"@user01:bench.example\":{\"ts\":1795331181468}}}}}]},"
        "\"account_data\":{\"events\":[]}}", n - 1);
    }
  g_string_append (out, "}},\"account_data\":{\"events\":[{\"type\":\"m.direct\",\"content\":{}}]}}");
  *n_timeline = n - base;
  return g_string_free_to_bytes (out);
}

static TactMatrixClient *
dead_server_client (void)
{
  TactMatrixClient *client = tact_matrix_client_new (DEAD_SERVER);

  tact_matrix_client_set_credentials (client, "@bench:bench.example", "BENCHDEVICE", "bench-token");
  return client;
}

static TactProfile *
default_profile (void)
{
  g_autoptr(GError) error = NULL;
  TactProfile *profile = tact_profile_new_default (&error);

  g_assert_no_error (error);
  return profile;
}

typedef struct {
  double parse_s, process_s, save_s;
} SyncFigures;

/* The parse and the session's processing of @body, then the save into @store. The session is
 * new (as after a sign-in on a new device): every room is new to it. */
static SyncFigures
measure_sync (TactStore *store, GBytes *body)
{
  g_autoptr(TactMatrixClient) client = dead_server_client ();
  g_autoptr(TactProfile) profile = default_profile ();
  g_autoptr(TactSession) session = tact_session_new (client, store, profile);
  g_autoptr(TactSyncResponse) response = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyncFigures figures = { 0 };
  gint64 t0, t1, t2, t3;

  t0 = g_get_monotonic_time ();
  response = tact_sync_response_parse_bytes (body, &error);
  g_assert_no_error (error);
  t1 = g_get_monotonic_time ();
  tact_session_process_sync_async (session, response, store_result, &result);
  t2 = g_get_monotonic_time ();
  g_assert_true (tact_session_process_sync_finish (session, wait_for (&result), &error));
  g_assert_no_error (error);
  t3 = g_get_monotonic_time ();

  g_assert_cmpuint (g_list_model_get_n_items (tact_session_get_rooms (session)), ==, N_ROOMS);
  figures.parse_s = (t1 - t0) / 1e6;
  figures.process_s = (t2 - t1) / 1e6;
  figures.save_s = (t3 - t2) / 1e6;
  return figures;
}

/* ---- 4. RSS of a session with 500 rooms loaded (child process) ---------------------------- */

typedef struct {
  double rss_mb, hwm_mb, sqlite_mb;
} Memory;

static double
status_mb (const char *status, const char *field)
{
  const char *line = strstr (status, field);
  return line ? g_ascii_strtod (line + strlen (field), NULL) / 1024.0 : -1;
}

static Memory
memory_now (void)
{
  g_autofree char *status = NULL;
  Memory memory = { -1, -1, sqlite3_memory_used () / (1024.0 * 1024.0) };

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      memory.rss_mb = status_mb (status, "VmRSS:");
      memory.hwm_mb = status_mb (status, "VmHWM:");
    }
  return memory;
}

typedef struct {
  guint kib;
} CacheSize;

static gboolean
set_cache_size (sqlite3 *db, gpointer func_data, GError **error)
{
  const CacheSize *size = func_data;
  g_autofree char *sql = g_strdup_printf ("PRAGMA cache_size = -%u;", size->kib);

  return tact_store_exec (db, sql, error);
}

/* Overrides the store's cache_size on its connection (0: leave the store's own setting). */
static void
override_cache_size (TactStore *store, guint kib)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CacheSize size = { kib };

  if (kib == 0)
    return;
  tact_store_call_async (store, set_cache_size, &size, NULL, store_result, &result);
  g_assert_true (tact_store_call_finish (store, wait_for (&result), &error));
  g_assert_no_error (error);
}

static guint
loaded_timelines (GListModel *rooms, guint *n_messages)
{
  guint loaded = 0;

  *n_messages = 0;
  for (guint i = 0; i < g_list_model_get_n_items (rooms); i++)
    {
      g_autoptr(TactRoom) room = g_list_model_get_item (rooms, i);
      guint n = g_list_model_get_n_items (tact_room_get_timeline (room));

      *n_messages += n;
      loaded += n > 0;
    }
  return loaded;
}

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* In a fresh process: a started TactSession (against a dead server, so nothing arrives by
 * /sync) on the history at @path; the room list model filled from the store; every room's
 * first timeline page loaded, as opening the app and scrolling through the list would; then
 * 10 Chinese and 10 Latin searches; then a 20 MB /sync processed and saved. Prints the memory
 * before, after loading, after the searches and after the sync. */
static int
rss_child (const char *path, guint cache_kib)
{
  Memory before = memory_now (), loaded, searched, synced, trimmed;
  TactStore *store = open_store (path, TRUE);
  g_autoptr(TactMatrixClient) client = dead_server_client ();
  g_autoptr(TactProfile) profile = default_profile ();
  g_autoptr(TactSession) session = NULL;
  GListModel *rooms;
  gboolean timed_out = FALSE;
  guint deadline, n_messages = 0, n_synced = 0;

  override_cache_size (store, cache_kib);
  session = tact_session_new (client, store, profile);
  rooms = tact_session_get_rooms (session);
  deadline = g_timeout_add_seconds (120, deadline_cb, &timed_out);
  tact_session_start (session);
  while (g_list_model_get_n_items (rooms) < N_ROOMS && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < g_list_model_get_n_items (rooms); i++)
    {
      g_autoptr(TactRoom) room = g_list_model_get_item (rooms, i);
      tact_session_load_timeline (session, room);
    }
  while (loaded_timelines (rooms, &n_messages) < g_list_model_get_n_items (rooms) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (deadline);
  loaded = memory_now ();

  measure_search (store, zh_queries, G_N_ELEMENTS (zh_queries));
  measure_search (store, en_queries, G_N_ELEMENTS (en_queries));
  searched = memory_now ();

  /* Bulk work: a 20 MB /sync after the history (its timelines follow on without a gap). */
  {
    g_autoptr(GBytes) body = make_sync_body (FALSE, 10000000, &n_synced);
    g_autoptr(TactSyncResponse) response = tact_sync_response_parse_bytes (body, NULL);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_nonnull (response);
    tact_session_process_sync_async (session, response, store_result, &result);
    g_assert_true (tact_session_process_sync_finish (session, wait_for (&result), &error));
    g_assert_no_error (error);
  }
  synced = memory_now ();
  /* How much of that is freed heap that malloc keeps rather than live data. */
  malloc_trim (0);
  /* glibc's per-arena "in use" against "system" bytes (stderr): live data or kept heap. */
  if (g_getenv ("TACT_BENCH_MALLOC_STATS"))
    malloc_stats ();
  trimmed = memory_now ();

  g_print ("%u %u %u %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f\n",
           g_list_model_get_n_items (rooms), n_messages, n_synced, before.rss_mb, before.hwm_mb,
           loaded.rss_mb, loaded.hwm_mb, loaded.sqlite_mb, searched.rss_mb, searched.hwm_mb,
           searched.sqlite_mb, synced.rss_mb, synced.hwm_mb, synced.sqlite_mb, trimmed.rss_mb);
  tact_session_stop (session);
  g_clear_object (&session);
  close_store (store);
  return timed_out ? 1 : 0;
}

typedef struct {
  guint rooms, messages, synced_events;
  Memory before, loaded, searched, synced;
  double trimmed_rss_mb;
} RssFigures;

static gboolean
measure_rss (const char *self_exe, const char *path, guint cache_kib, RssFigures *figures)
{
  g_autofree char *out = NULL;
  g_autofree char *kib = g_strdup_printf ("%u", cache_kib);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { self_exe, "--rss-child", path, kib, NULL };
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                     &status, &error) || !g_spawn_check_wait_status (status, NULL))
    return FALSE;
  return sscanf (out, "%u %u %u %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &figures->rooms,
                 &figures->messages, &figures->synced_events, &figures->before.rss_mb,
                 &figures->before.hwm_mb,
                 &figures->loaded.rss_mb, &figures->loaded.hwm_mb, &figures->loaded.sqlite_mb,
                 &figures->searched.rss_mb, &figures->searched.hwm_mb,
                 &figures->searched.sqlite_mb, &figures->synced.rss_mb, &figures->synced.hwm_mb,
                 &figures->synced.sqlite_mb, &figures->trimmed_rss_mb) == 15;
}

static void
print_rss (const char *label, gboolean ok, const RssFigures *rss)
{
  double peak;

  if (!ok)
    {
      g_print ("RSS with 500 rooms loaded%s: could not be measured  goal < %.0f MB  MISS\n",
               label, GOAL_RSS_MB);
      return;
    }
  peak = MAX (rss->loaded.hwm_mb, rss->searched.hwm_mb);
  g_print ("RSS, session with %u rooms and %u timeline messages loaded%s: VmRSS %.1f MB"
           " (VmHWM %.1f MB, SQLite heap %.1f MB; %.1f MB at start)  goal < %.0f MB  %s\n",
           rss->rooms, rss->messages, label, rss->loaded.rss_mb, rss->loaded.hwm_mb,
           rss->loaded.sqlite_mb, rss->before.rss_mb, GOAL_RSS_MB,
           verdict (rss->loaded.rss_mb < GOAL_RSS_MB));
  g_print ("RSS, the same after 20 searches%s: VmRSS %.1f MB (VmHWM %.1f MB, SQLite heap"
           " %.1f MB)  goal < %.0f MB  %s\n", label, rss->searched.rss_mb, peak,
           rss->searched.sqlite_mb, GOAL_RSS_MB, verdict (peak < GOAL_RSS_MB));
  g_print ("RSS, the same after a 20 MB /sync (%u more timeline events) processed and saved%s:"
           " VmRSS %.1f MB (VmHWM %.1f MB, SQLite heap %.1f MB; %.1f MB after malloc_trim)"
           "  goal < %.0f MB  %s\n", rss->synced_events, label, rss->synced.rss_mb,
           rss->synced.hwm_mb, rss->synced.sqlite_mb, rss->trimmed_rss_mb, GOAL_RSS_MB,
           verdict (rss->synced.rss_mb < GOAL_RSS_MB));
}

/* ---- Main ---------------------------------------------------------------------------- */

static void
print_machine (void)
{
  g_autofree char *cpuinfo = NULL;
  g_autofree char *loadavg = NULL;
  g_autofree char *meminfo = NULL;
  g_autofree char *model = NULL;
  const char *line;

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL) &&
      (line = strstr (cpuinfo, "model name")) != NULL && (line = strchr (line, ':')) != NULL)
    model = g_strndup (line + 2, strcspn (line + 2, "\n"));
  g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL);
  g_file_get_contents ("/proc/meminfo", &meminfo, NULL, NULL);
  g_print ("# machine: %u cores (%s), %.1f GB RAM, SQLCipher %s; load average at start: %.14s\n"
           "# shared with other builds: absolute figures are noisy, compare the ratios"
           " (measured in this run)\n",
           g_get_num_processors (), model ? model : "?",
           meminfo ? status_mb (meminfo, "MemTotal:") / 1024.0 : 0, sqlite3_libversion (),
           loadavg ? loadavg : "?");
}

/* TACT_BENCH_STORE_ONLY: a comma-separated list of parts to run (insert, search, sync,
 * rss); unset or empty runs them all. */
static gboolean
want (const char *part)
{
  const char *only = g_getenv ("TACT_BENCH_STORE_ONLY");
  g_auto(GStrv) parts = NULL;

  if (only == NULL || *only == '\0')
    return TRUE;
  parts = g_strsplit (only, ",", -1);
  return g_strv_contains ((const char *const *) parts, part);
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = NULL;
  g_autofree char *enc_path = NULL;
  g_autofree char *plain_path = NULL;
  g_autofree char *enc_copy = NULL;
  g_autofree char *plain_copy = NULL;
  g_autofree char *self_exe = NULL;
  g_autoptr(GBytes) sync_body = NULL;
  const char *events_env = g_getenv ("TACT_BENCH_STORE_EVENTS");
  const char *insert_env = g_getenv ("TACT_BENCH_STORE_INSERT");
  const char *warmup_env = g_getenv ("TACT_BENCH_STORE_WARMUP");
  guint n_events = events_env ? (guint) g_ascii_strtoull (events_env, NULL, 10) : 1000000;
  guint n_insert = insert_env ? (guint) g_ascii_strtoull (insert_env, NULL, 10) : INSERT_SAMPLE;
  guint n_warmup = warmup_env ? (guint) g_ascii_strtoull (warmup_env, NULL, 10) : INSERT_WARMUP;
  double gen_enc, gen_plain, ratio, sync_enc_s, sync_plain_s;
  InsertFigures insert = { 0 };
  Latency zh_enc = { 0 }, zh_plain = { 0 }, en_enc = { 0 }, en_plain = { 0 };
  SyncFigures sync_enc = { 0 }, sync_plain = { 0 };
  RssFigures rss = { 0 }, rss_small = { 0 };
  guint sync_events = 0;
  gboolean rss_ok = FALSE, rss_small_ok = FALSE;
  TactStore *enc, *plain;
  gint64 start = g_get_monotonic_time ();

  if (argc == 4 && g_strcmp0 (argv[1], "--rss-child") == 0)
    return rss_child (argv[2], (guint) g_ascii_strtoull (argv[3], NULL, 10));

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  cache = g_strdup (g_getenv ("TACT_BENCH_CACHE"));
  if (cache == NULL)
    cache = g_build_filename (g_get_tmp_dir (), "tact-bench-cache", NULL);
  g_assert_cmpint (g_mkdir_with_parents (cache, 0700), ==, 0);

  print_machine ();
  g_print ("# bench-store: %u stored events (half Chinese), %u rooms\n", n_events, N_ROOMS);

  if (g_strcmp0 (g_getenv ("TACT_BENCH_ONLY"), "rss") == 0)
    {
      enc_path = ensure_history (cache, n_events, TRUE, &gen_enc);
      enc_copy = copy_history (enc_path, cache, "scratch-enc.db");
      rss_ok = self_exe != NULL && measure_rss (self_exe, enc_copy, 0, &rss);
      g_print ("\n# figures (issue 4, Benchmarks: RSS only), %u stored events, half Chinese\n",
               n_events);
      print_rss ("", rss_ok, &rss);
      remove_db (enc_copy);
      g_print ("# bench-store finished in %.1f s\n", (g_get_monotonic_time () - start) / 1e6);
      return rss_ok ? 0 : 1;
    }

  enc_path = ensure_history (cache, n_events, TRUE, &gen_enc);
  plain_path = ensure_history (cache, n_events, FALSE, &gen_plain);
  if (gen_enc > 0 && gen_plain > 0)
    g_print ("# generating (%u events per transaction, new database): encrypted %.0f events/s,"
             " unencrypted %.0f events/s\n", GEN_BATCH, gen_enc, gen_plain);

  /* 2. Search over the big histories (read only: the cached files themselves). */
  if (want ("search"))
    {
      enc = open_store (enc_path, TRUE);
      zh_enc = measure_search (enc, zh_queries, G_N_ELEMENTS (zh_queries));
      en_enc = measure_search (enc, en_queries, G_N_ELEMENTS (en_queries));
      close_store (enc);
      plain = open_store (plain_path, FALSE);
      zh_plain = measure_search (plain, zh_queries, G_N_ELEMENTS (zh_queries));
      en_plain = measure_search (plain, en_queries, G_N_ELEMENTS (en_queries));
      close_store (plain);
    }

  /* 1. and 3. write: into copies of the histories. */
  if (want ("insert") || want ("sync"))
    {
      enc_copy = copy_history (enc_path, cache, "scratch-enc.db");
      plain_copy = copy_history (plain_path, cache, "scratch-plain.db");
      enc = open_store (enc_copy, TRUE);
      plain = open_store (plain_copy, FALSE);
      if (want ("insert"))
        insert = measure_insert_rate (enc, plain, n_events, n_insert, n_warmup);

      if (want ("sync"))
        {
          sync_body = make_sync_body (TRUE, 0, &sync_events);
          sync_enc = measure_sync (enc, sync_body);
          sync_plain = measure_sync (plain, sync_body);
        }
      close_store (enc);
      close_store (plain);
      remove_db (plain_copy);
    }

  /* 4. RSS, in a fresh process, on the encrypted copy (the session writes its settings); a
   * fresh copy if nothing wrote one above. */
  if (want ("rss"))
    {
      if (enc_copy == NULL)
        enc_copy = copy_history (enc_path, cache, "scratch-enc.db");
      rss_ok = self_exe != NULL && measure_rss (self_exe, enc_copy, 0, &rss);
      /* The same with a 32 MB page cache, to show the cache's part (a second copy: the first
       * run stored the sync). */
      remove_db (enc_copy);
      g_free (enc_copy);
      enc_copy = copy_history (enc_path, cache, "scratch-enc.db");
      rss_small_ok = self_exe != NULL && measure_rss (self_exe, enc_copy, COMPARE_CACHE_KIB,
                                                      &rss_small);
    }
  if (enc_copy != NULL)
    remove_db (enc_copy);

  g_print ("\n# figures (issue 4, Benchmarks), %u stored events, half Chinese\n", n_events);
  if (want ("insert"))
    {
      /* The goal is assessed on the cold figure (docs/database.md, "Cold and steady
       * state"): it is the one measured since issue 4, the worst case, and what every launch
       * of the app meets; the steady state is printed for information. */
      g_print ("insert rate into %u stored events, encrypted:   %7.0f events/s  (%u events, %u"
               " per save_sync transaction, right after opening)  goal: none in issue 4\n",
               n_events, insert.cold.enc_rate, n_insert, SYNC_BATCH);
      g_print ("insert rate into %u stored events, unencrypted: %7.0f events/s\n", n_events,
               insert.cold.plain_rate);
      g_print ("insert time ratio encrypted/plain, cold (just opened; pages read %"
               G_GINT64_FORMAT " / %" G_GINT64_FORMAT ", written %" G_GINT64_FORMAT " / %"
               G_GINT64_FORMAT "): %.3f  goal <= %.1f  %s\n", insert.cold.enc_read,
               insert.cold.plain_read, insert.cold.enc_written, insert.cold.plain_written,
               insert.cold.ratio, GOAL_RATIO, verdict (insert.cold.ratio <= GOAL_RATIO));
      g_print ("insert time ratio encrypted/plain, steady state (after %u + %u events on the"
               " same connections; pages read %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT
               ", written %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT "): %.3f"
               " (%.0f / %.0f events/s)  for information (goal assessed on the cold figure;"
               " it would be %s)\n", n_insert, insert.warmup, insert.steady.enc_read,
               insert.steady.plain_read, insert.steady.enc_written, insert.steady.plain_written,
               insert.steady.ratio, insert.steady.enc_rate, insert.steady.plain_rate,
               verdict (insert.steady.ratio <= GOAL_RATIO));
    }

  if (want ("search"))
    {
      g_print ("search Chinese 2-char word, encrypted: p50 %6.2f ms  p99 %6.2f ms  (%u"
               " hits/page)  goal < %.0f ms  %s\n", zh_enc.p50, zh_enc.p99, zh_enc.hits,
               GOAL_SEARCH_MS, verdict (zh_enc.p99 < GOAL_SEARCH_MS));
      g_print ("search Latin word, encrypted:          p50 %6.2f ms  p99 %6.2f ms  (%u"
               " hits/page)  goal < %.0f ms  %s\n", en_enc.p50, en_enc.p99, en_enc.hits,
               GOAL_SEARCH_MS, verdict (en_enc.p99 < GOAL_SEARCH_MS));
      g_print ("search Chinese, unencrypted:           p50 %6.2f ms  p99 %6.2f ms\n",
               zh_plain.p50, zh_plain.p99);
      g_print ("search Latin, unencrypted:             p50 %6.2f ms  p99 %6.2f ms\n",
               en_plain.p50, en_plain.p99);
      ratio = (zh_enc.p50 + en_enc.p50) / (zh_plain.p50 + en_plain.p50);
      g_print ("search time ratio encrypted/plain (p50): %.2f  goal <= %.1f  %s\n", ratio,
               GOAL_RATIO, verdict (ratio <= GOAL_RATIO));
    }

  if (want ("sync"))
    {
      sync_enc_s = sync_enc.parse_s + sync_enc.process_s + sync_enc.save_s;
      sync_plain_s = sync_plain.parse_s + sync_plain.process_s + sync_plain.save_s;
      g_print ("20 MB /sync (%.1f MB, %u rooms, %u timeline events) into the stored history,"
               " encrypted: parse %.2f s, session processing %.2f s, save %.2f s, total %.2f s"
               "  goal: none in issue 4 (reference < %.0f s: %s)\n",
               g_bytes_get_size (sync_body) / (1024.0 * 1024.0), N_ROOMS, sync_events,
               sync_enc.parse_s, sync_enc.process_s, sync_enc.save_s, sync_enc_s, REF_SYNC_S,
               verdict (sync_enc_s < REF_SYNC_S));
      g_print ("20 MB /sync, unencrypted: parse %.2f s, session processing %.2f s, save %.2f s,"
               " total %.2f s; save ratio encrypted/plain %.2f  goal <= %.1f  %s\n",
               sync_plain.parse_s, sync_plain.process_s, sync_plain.save_s, sync_plain_s,
               sync_enc.save_s / sync_plain.save_s, GOAL_RATIO,
               verdict (sync_enc.save_s / sync_plain.save_s <= GOAL_RATIO));
    }

  if (want ("rss"))
    {
      print_rss ("", rss_ok, &rss);
      print_rss (" (cache_size 32 MB, for comparison)", rss_small_ok, &rss_small);
    }

  g_print ("# bench-store finished in %.1f s\n", (g_get_monotonic_time () - start) / 1e6);
  return 0;
}
