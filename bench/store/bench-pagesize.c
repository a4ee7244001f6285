/* bench-pagesize.c: an experiment, not a figure of issue 4. What does the page size do to the
 * cost of SQLCipher on inserts into a full history, and to reads?
 *
 * For each page size (cipher_page_size for the encrypted database, page_size for the plain
 * one, always matched), it creates a fresh encrypted and a fresh plain database with the
 * store's own schema (tact_store_migrate, tact_store_fts_register) and the settings of
 * worker_open (src/store/tact-store.c; replicated here because the store fixes the page
 * size), fills each with PREFILL events in 1000-event transactions, then, on copies, times:
 *
 *   - INSERT new events in 100-event transactions with the statements of save_sync
 *     (rooms touched, INSERT OR FAIL … WHERE NOT EXISTS, the FTS row, last_ts, the token);
 *     encrypted and plain alternate transaction by transaction (who goes first alternates
 *     too), so load from elsewhere falls on both; pages written per connection
 *     (SQLITE_DBSTATUS_CACHE_WRITE);
 *   - reads on fresh connections (empty page cache, files in the OS cache): every room's
 *     first timeline page (100 events), 2000 events by random id, and the store's two-step
 *     search (ten Chinese and ten Latin words, one page of 50), once cold and once warm.
 *
 * Repeated REPS times, all page sizes in each repetition. Environment:
 *   TACT_BENCH_PS_SIZES    page sizes (default "4096,8192,16384")
 *   TACT_BENCH_PS_PREFILL  events in the prefilled databases (default 200000)
 *   TACT_BENCH_PS_INSERT   events inserted per measurement (default 10000)
 *   TACT_BENCH_PS_REPS     repetitions (default 2)
 *   TACT_BENCH_PS_SIDES    "enc,plain" (default), "enc" or "plain" (for profiling one side)
 *   TACT_BENCH_PS_ROOMS    "replace" (default: the old INSERT OR REPLACE room row, which opens
 *                          a statement journal) or "update" (UPDATE OR FAIL, then INSERT OR FAIL
 *                          for a new room: what save_sync does now)
 *   TACT_BENCH_PS_SKIP     "rooms", "fts" or both: leave those statements out (diagnostics)
 *   TACT_BENCH_CACHE       folder for the prefilled databases (kept, keyed by size and count)
 * Run by hand: TACT_BENCH_CACHE=_build/bench-cache LC_ALL=C.UTF-8 _build/bench/store/bench-pagesize
 * Findings: docs/database.md, "Page size and the per-page cost".
 */
#include "store/tact-store-private.h"

#include "bench-text.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#define N_ROOMS     500
#define GEN_BATCH   1000
#define SYNC_BATCH  100
#define BASE_TS     G_GINT64_CONSTANT (1700000000000)
#define SEARCH_LIMIT 50
#define SEARCH_SORT_MAX 1000
#define POINT_READS 2000

static const guint8 bench_key[32] = {
  0x5a, 0x11, 0x8e, 0x3c, 0x90, 0x27, 0x44, 0xd1, 0x0b, 0x6f, 0xa2, 0x73, 0xe8, 0x19, 0xcc, 0x05,
  0x7d, 0x32, 0xb4, 0x66, 0x01, 0xfe, 0x58, 0x9a, 0x2e, 0xc3, 0x47, 0x80, 0x15, 0xdb, 0x6a, 0xf9,
};

static guint
env_uint (const char *name, guint fallback)
{
  const char *value = g_getenv (name);

  return value && *value ? (guint) g_ascii_strtoull (value, NULL, 10) : fallback;
}

static void
check (sqlite3 *db, int rc, const char *what)
{
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    g_error ("%s: %s", what, sqlite3_errmsg (db));
}

static void
exec_or_die (sqlite3 *db, const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static char *
query_text (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else
    text = g_strdup_printf ("(no row: %s)", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return text ? text : g_strdup ("(NULL)");
}

/* The settings of worker_open, with the page size as a parameter. */
static sqlite3 *
open_db (const char *path, gboolean encrypted, guint page_size)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(GError) error = NULL;

  check (db, sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                              | SQLITE_OPEN_NOMUTEX, NULL), "open");
  sqlite3_busy_timeout (db, 10000);
  if (encrypted)
    {
      GString *pragma = g_string_new ("PRAGMA key = \"x'");

      for (gsize i = 0; i < sizeof bench_key; i++)
        g_string_append_printf (pragma, "%02x", bench_key[i]);
      g_string_append (pragma, "'\";");
      exec_or_die (db, pragma->str);
      g_string_free (pragma, TRUE);
      sql = g_strdup_printf ("PRAGMA cipher_page_size = %u;", page_size);
    }
  else
    sql = g_strdup_printf ("PRAGMA page_size = %u;", page_size);
  exec_or_die (db, sql);
  exec_or_die (db, "SELECT count(*) FROM sqlite_master;");
  exec_or_die (db,
               "PRAGMA journal_mode = WAL;"
               "PRAGMA synchronous = NORMAL;"
               "PRAGMA secure_delete = ON;"
               "PRAGMA cache_size = -131072;"
               "PRAGMA foreign_keys = ON;"
               "PRAGMA temp_store = MEMORY;");
  if (!tact_store_fts_register (db, &error) || !tact_store_migrate (db, &error))
    g_error ("schema: %s", error->message);
  return db;
}

/* ---- save_sync's statements ---------------------------------------------------------- */

typedef struct {
  sqlite3 *db;
  sqlite3_stmt *room, *event, *fts, *last_ts, *token;
  sqlite3_stmt *room_update, *room_insert;   /* TACT_BENCH_PS_ROOMS=update */
  gint64 insert_us;        /* time in insert transactions */
  guint txns;
  gint64 slowest_us;
} Writer;

static void
writer_init (Writer *w, sqlite3 *db)
{
  memset (w, 0, sizeof *w);
  w->db = db;
  check (db, sqlite3_prepare_v2 (db,
    "INSERT OR REPLACE INTO rooms (room_id, name, topic, membership, is_direct,"
    "  member_count, external_count, prev_batch, last_ts)"
    " VALUES (?1, ?2, NULL, 'join', 0, ?3, 0, NULL,"
    "  MAX (?4, COALESCE ((SELECT last_ts FROM rooms WHERE room_id = ?1), 0)))",
    -1, &w->room, NULL), "prepare room");
  check (db, sqlite3_prepare_v2 (db,
    "UPDATE OR FAIL rooms SET name = ?2, topic = NULL, membership = 'join', is_direct = 0,"
    "  member_count = ?3, external_count = 0, prev_batch = NULL, last_ts = MAX (last_ts, ?4)"
    " WHERE room_id = ?1",
    -1, &w->room_update, NULL), "prepare room update");
  check (db, sqlite3_prepare_v2 (db,
    "INSERT OR FAIL INTO rooms (room_id, name, topic, membership, is_direct,"
    "  member_count, external_count, prev_batch, last_ts)"
    " VALUES (?1, ?2, NULL, 'join', 0, ?3, 0, NULL, MAX (?4, 0))",
    -1, &w->room_insert, NULL), "prepare room insert");
  check (db, sqlite3_prepare_v2 (db,
    "INSERT OR FAIL INTO events (room_id, event_id, txn_id, sender, type, state_key, ts,"
    "  body, json)"
    " SELECT ?1, ?2, NULL, ?3, 'm.room.message', NULL, ?4, ?5, ?6"
    " WHERE NOT EXISTS (SELECT 1 FROM events WHERE event_id = ?2)",
    -1, &w->event, NULL), "prepare event");
  check (db, sqlite3_prepare_v2 (db,
    "INSERT INTO events_fts (docid, tokens) VALUES (?1, tact_fts_tokens (?2))",
    -1, &w->fts, NULL), "prepare fts");
  check (db, sqlite3_prepare_v2 (db,
    "UPDATE OR FAIL rooms SET last_ts = ?2 WHERE room_id = ?1 AND last_ts < ?2",
    -1, &w->last_ts, NULL), "prepare last_ts");
  check (db, sqlite3_prepare_v2 (db,
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_token', ?1)",
    -1, &w->token, NULL), "prepare token");
}

static void
writer_clear (Writer *w)
{
  sqlite3_finalize (w->room);
  sqlite3_finalize (w->room_update);
  sqlite3_finalize (w->room_insert);
  sqlite3_finalize (w->event);
  sqlite3_finalize (w->fts);
  sqlite3_finalize (w->last_ts);
  sqlite3_finalize (w->token);
}

static void
step_reset (sqlite3 *db, sqlite3_stmt *stmt, const char *what)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    g_error ("%s: %s", what, sqlite3_errmsg (db));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

/* Diagnostics: TACT_BENCH_PS_SKIP=rooms,fts leaves those statements out. */
static gboolean
skip (const char *what)
{
  const char *list = g_getenv ("TACT_BENCH_PS_SKIP");

  return list != NULL && strstr (list, what) != NULL;
}

/* Events first..first+count-1 of the synthetic history (the same as bench-store's: round-robin
 * over the rooms, one second apart, alternately Chinese and English), in one transaction. The
 * text is drawn from @rng, so the caller keeps one rng per history. */
static void
write_batch (Writer *w, guint first, guint count, guint64 *rng)
{
  sqlite3 *db = w->db;
  g_autoptr(GString) body = g_string_new (NULL);
  gint64 start = g_get_monotonic_time (), took;
  guint n_rooms = MIN (count, N_ROOMS);

  exec_or_die (db, "BEGIN IMMEDIATE");
  for (guint r = 0; r < n_rooms && !skip ("rooms"); r++)
    {
      guint room = (first + r) % N_ROOMS;
      g_autofree char *room_id = g_strdup_printf ("!room%03u:bench.example", room);
      g_autofree char *name = g_strdup_printf (room % 2 ? "Project room %u" : "项目群 %u", room);

      gboolean update = g_strcmp0 (g_getenv ("TACT_BENCH_PS_ROOMS"), "update") == 0;
      sqlite3_stmt *stmt = update ? w->room_update : w->room;

      for (int pass = 0; pass < 2; pass++)
        {
          sqlite3_bind_text (stmt, 1, room_id, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (stmt, 3, 2 + room % 40);
          sqlite3_bind_int64 (stmt, 4, BASE_TS + (gint64) (first + count - 1) * 1000);
          step_reset (db, stmt, "room");
          /* update: a room not stored yet is inserted */
          if (!update || sqlite3_changes (db) == 1)
            break;
          stmt = w->room_insert;
        }
    }
  for (guint n = first; n < first + count; n++)
    {
      g_autofree char *room_id = g_strdup_printf ("!room%03u:bench.example", n % N_ROOMS);
      g_autofree char *event_id = g_strdup_printf ("$ev%08u:bench.example", n);
      g_autofree char *sender = NULL;
      g_autofree char *json = NULL;
      gint64 ts = BASE_TS + (gint64) n * 1000;

      make_body (body, rng, n % 2 == 0);
      sender = g_strdup_printf ("@user%02u:bench.example", (guint) rng_below (rng, 40));
      json = g_strdup_printf ("{\"type\":\"m.room.message\",\"event_id\":\"%s\","
                              "\"room_id\":\"%s\",\"sender\":\"%s\","
                              "\"origin_server_ts\":%" G_GINT64_FORMAT ","
                              "\"content\":{\"msgtype\":\"m.text\",\"body\":\"%s\"},"
                              "\"unsigned\":{\"age\":1234}}",
                              event_id, room_id, sender, ts, body->str);
      sqlite3_bind_text (w->event, 1, room_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (w->event, 2, event_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (w->event, 3, sender, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (w->event, 4, ts);
      sqlite3_bind_text (w->event, 5, body->str, -1, SQLITE_STATIC);
      sqlite3_bind_text (w->event, 6, json, -1, SQLITE_STATIC);
      step_reset (db, w->event, "event");
      if (sqlite3_changes (db) == 1 && !skip ("fts"))
        {
          sqlite3_bind_int64 (w->fts, 1, sqlite3_last_insert_rowid (db));
          sqlite3_bind_text (w->fts, 2, body->str, -1, SQLITE_STATIC);
          step_reset (db, w->fts, "fts");
          sqlite3_bind_text (w->last_ts, 1, room_id, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (w->last_ts, 2, ts);
          step_reset (db, w->last_ts, "last_ts");
        }
    }
  {
    g_autofree char *token = g_strdup_printf ("s%u_bench", first + count);

    sqlite3_bind_text (w->token, 1, token, -1, SQLITE_TRANSIENT);
    step_reset (db, w->token, "token");
  }
  exec_or_die (db, "COMMIT");
  took = g_get_monotonic_time () - start;
  w->insert_us += took;
  w->txns++;
  w->slowest_us = MAX (w->slowest_us, took);
}

static int
db_status (sqlite3 *db, int op)
{
  int cur = 0, hi = 0;

  sqlite3_db_status (db, op, &cur, &hi, 0);
  return cur;
}

/* ---- Files ----------------------------------------------------------------------------- */

static void
copy_file (const char *from, const char *to)
{
  g_autoptr(GFile) src = g_file_new_for_path (from);
  g_autoptr(GFile) dst = g_file_new_for_path (to);
  g_autoptr(GError) error = NULL;

  if (!g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
    g_error ("copy %s: %s", from, error->message);
}

static void
remove_db (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);
      g_unlink (p);
    }
}

static guint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

/* Creates (once) the prefilled database for a page size and side. */
static char *
prefilled (const char *dir, guint page_size, gboolean encrypted, guint prefill)
{
  char *path = g_strdup_printf ("%s/pagesize-v1-%u-%u-%s.db", dir, prefill, page_size,
                                encrypted ? "enc" : "plain");
  g_autofree char *done = g_strconcat (path, ".complete", NULL);
  sqlite3 *db;
  Writer w;
  guint64 rng = 42;
  gint64 start;

  if (g_file_test (done, G_FILE_TEST_EXISTS))
    return path;
  remove_db (path);
  start = g_get_monotonic_time ();
  db = open_db (path, encrypted, page_size);
  writer_init (&w, db);
  for (guint n = 0; n < prefill; n += GEN_BATCH)
    write_batch (&w, n, MIN (GEN_BATCH, prefill - n), &rng);
  writer_clear (&w);
  check (db, sqlite3_close (db), "close");
  g_file_set_contents (done, "", 0, NULL);
  printf ("  prefilled %s: %u events, %.1f MB, %.1f s\n", path, prefill,
          file_size (path) / 1e6, (g_get_monotonic_time () - start) / 1e6);
  fflush (stdout);
  return path;
}

/* ---- Reads ----------------------------------------------------------------------------- */

static int
cmp_int64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The store's two-step search (worker_search): docids from the doclists into a sorted array;
 * ≤ 1000: fetch and sort by time; more: walk events_ts newest first. Returns ms. */
static double
search_once (sqlite3 *db, const char *query)
{
  g_autofree char *match = tact_store_fts_query (query);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) page = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  gint64 start = g_get_monotonic_time ();
  guint rows = 0;

  check (db, sqlite3_prepare_v2 (db, "SELECT docid FROM events_fts WHERE events_fts MATCH ?1",
                                 -1, &stmt, NULL), "search prepare");
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_finalize (stmt);
  g_array_sort (ids, cmp_int64);

  if (ids->len <= SEARCH_SORT_MAX)
    {
      for (guint i = 0; i < ids->len; i++)
        g_array_append_val (page, g_array_index (ids, gint64, i));
    }
  else
    {
      check (db, sqlite3_prepare_v2 (db, "SELECT id FROM events INDEXED BY events_ts"
                                     " ORDER BY ts DESC, id DESC", -1, &stmt, NULL), "walk");
      while (page->len < SEARCH_LIMIT && sqlite3_step (stmt) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (stmt, 0);

          if (bsearch (&id, ids->data, ids->len, sizeof (gint64), cmp_int64))
            g_array_append_val (page, id);
        }
      sqlite3_finalize (stmt);
    }
  check (db, sqlite3_prepare_v2 (db, "SELECT id, room_id, event_id, sender, type, ts, body, json"
                                 " FROM events WHERE id = ?1", -1, &stmt, NULL), "fetch");
  for (guint i = 0; i < page->len; i++)
    {
      sqlite3_bind_int64 (stmt, 1, g_array_index (page, gint64, i));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        rows++;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  g_assert (rows > 0);
  return (g_get_monotonic_time () - start) / 1000.0;
}

typedef struct {
  double timeline_ms;     /* every room's first page, fresh connection */
  double points_ms;       /* POINT_READS random events by id, fresh connection */
  double search_cold_p50, search_cold_total;
  double search_warm_p50, search_warm_total;
  int pages_read;         /* by the cold search pass (cache misses) */
} Reads;

static void
measure_reads (const char *path, gboolean encrypted, guint page_size, guint n_events,
               Reads *out)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  gint64 start;
  guint64 rng = 7;
  double times[G_N_ELEMENTS (zh_queries) + G_N_ELEMENTS (en_queries)];
  guint n_q = 0;

  /* Timeline pages, as load_timeline reads them (events_room_ts, newest first). */
  db = open_db (path, encrypted, page_size);
  start = g_get_monotonic_time ();
  check (db, sqlite3_prepare_v2 (db, "SELECT id, event_id, sender, type, ts, body, json"
                                 " FROM events WHERE room_id = ?1 ORDER BY ts DESC LIMIT 100",
                                 -1, &stmt, NULL), "timeline");
  for (guint r = 0; r < N_ROOMS; r++)
    {
      g_autofree char *room_id = g_strdup_printf ("!room%03u:bench.example", r);

      sqlite3_bind_text (stmt, 1, room_id, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        ;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  out->timeline_ms = (g_get_monotonic_time () - start) / 1000.0;
  sqlite3_close (db);

  /* Random single events (a reply preview, a permalink): one leaf each. */
  db = open_db (path, encrypted, page_size);
  start = g_get_monotonic_time ();
  check (db, sqlite3_prepare_v2 (db, "SELECT json FROM events WHERE id = ?1", -1, &stmt, NULL),
         "point");
  for (guint i = 0; i < POINT_READS; i++)
    {
      sqlite3_bind_int64 (stmt, 1, 1 + rng_below (&rng, n_events));
      while (sqlite3_step (stmt) == SQLITE_ROW)
        ;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  out->points_ms = (g_get_monotonic_time () - start) / 1000.0;
  sqlite3_close (db);

  /* Search: once on a fresh connection, then again warm. */
  db = open_db (path, encrypted, page_size);
  for (int pass = 0; pass < 2; pass++)
    {
      double total = 0;

      n_q = 0;
      for (guint i = 0; i < G_N_ELEMENTS (zh_queries); i++)
        total += times[n_q++] = search_once (db, zh_queries[i]);
      for (guint i = 0; i < G_N_ELEMENTS (en_queries); i++)
        total += times[n_q++] = search_once (db, en_queries[i]);
      qsort (times, n_q, sizeof (double), cmp_double);
      if (pass == 0)
        {
          out->search_cold_p50 = times[n_q / 2];
          out->search_cold_total = total;
          out->pages_read = db_status (db, SQLITE_DBSTATUS_CACHE_MISS);
        }
      else
        {
          out->search_warm_p50 = times[n_q / 2];
          out->search_warm_total = total;
        }
    }
  sqlite3_close (db);
}

/* ---- Main ------------------------------------------------------------------------------ */

int
main (void)
{
  const char *cache = g_getenv ("TACT_BENCH_CACHE");
  g_autofree char *dir = g_strdup (cache && *cache ? cache : g_get_tmp_dir ());
  g_auto(GStrv) sizes = g_strsplit (g_getenv ("TACT_BENCH_PS_SIZES")
                                    ? g_getenv ("TACT_BENCH_PS_SIZES") : "4096,8192,16384",
                                    ",", -1);
  const char *sides = g_getenv ("TACT_BENCH_PS_SIDES") ? g_getenv ("TACT_BENCH_PS_SIDES")
                                                        : "enc,plain";
  gboolean do_enc = strstr (sides, "enc") != NULL, do_plain = strstr (sides, "plain") != NULL;
  guint prefill = env_uint ("TACT_BENCH_PS_PREFILL", 200000);
  guint insert = env_uint ("TACT_BENCH_PS_INSERT", 10000);
  guint reps = env_uint ("TACT_BENCH_PS_REPS", 2);
  guint n_sizes = g_strv_length (sizes);
  char loadavg[64] = "";
  FILE *f;

  g_mkdir_with_parents (dir, 0700);
  f = fopen ("/proc/loadavg", "r");
  if (f)
    {
      if (!fgets (loadavg, sizeof loadavg, f))
        loadavg[0] = 0;
      fclose (f);
    }
  {
    g_autofree char *probe = g_build_filename (dir, "pagesize-probe.db", NULL);
    sqlite3 *db;
    g_autofree char *version = NULL, *provider = NULL, *provider_version = NULL;
    g_autofree char *memsec = NULL;

    remove_db (probe);
    db = open_db (probe, TRUE, 4096);
    version = query_text (db, "PRAGMA cipher_version;");
    provider = query_text (db, "PRAGMA cipher_provider;");
    provider_version = query_text (db, "PRAGMA cipher_provider_version;");
    memsec = query_text (db, "PRAGMA cipher_memory_security;");
    printf ("SQLCipher %s on SQLite %s, provider %s %s; PRAGMA cipher_memory_security: %s\n",
            version, sqlite3_libversion (), provider, provider_version, memsec);
    sqlite3_close (db);
    remove_db (probe);
  }
  printf ("prefill %u events, insert %u in %u-event transactions, %u repetitions; load %s",
          prefill, insert, SYNC_BATCH, reps, loadavg);
  fflush (stdout);

  for (guint rep = 0; rep < reps; rep++)
    for (guint s = 0; s < n_sizes; s++)
      {
        guint page_size = (guint) g_ascii_strtoull (sizes[s], NULL, 10);
        g_autofree char *enc_src = do_enc ? prefilled (dir, page_size, TRUE, prefill) : NULL;
        g_autofree char *plain_src = do_plain ? prefilled (dir, page_size, FALSE, prefill) : NULL;
        g_autofree char *enc_path = g_strdup_printf ("%s/pagesize-work-enc.db", dir);
        g_autofree char *plain_path = g_strdup_printf ("%s/pagesize-work-plain.db", dir);
        sqlite3 *enc = NULL, *plain = NULL;
        Writer we = { 0 }, wp = { 0 };
        guint64 rng_e = 1234, rng_p = 1234;
        int enc_pages = 0, plain_pages = 0, enc_read = 0, plain_read = 0;
        Reads re = { 0 }, rp = { 0 };

        remove_db (enc_path);
        remove_db (plain_path);
        if (do_enc)
          {
            copy_file (enc_src, enc_path);
            enc = open_db (enc_path, TRUE, page_size);
            writer_init (&we, enc);
          }
        if (do_plain)
          {
            copy_file (plain_src, plain_path);
            plain = open_db (plain_path, FALSE, page_size);
            writer_init (&wp, plain);
          }
        for (guint b = 0; b * SYNC_BATCH < insert; b++)
          {
            guint first = prefill + b * SYNC_BATCH;

            if (b % 2 == 0)
              {
                if (enc) write_batch (&we, first, SYNC_BATCH, &rng_e);
                if (plain) write_batch (&wp, first, SYNC_BATCH, &rng_p);
              }
            else
              {
                if (plain) write_batch (&wp, first, SYNC_BATCH, &rng_p);
                if (enc) write_batch (&we, first, SYNC_BATCH, &rng_e);
              }
          }
        if (enc)
          {
            enc_pages = db_status (enc, SQLITE_DBSTATUS_CACHE_WRITE);
            enc_read = db_status (enc, SQLITE_DBSTATUS_CACHE_MISS);
            writer_clear (&we);
            sqlite3_close (enc);
          }
        if (plain)
          {
            plain_pages = db_status (plain, SQLITE_DBSTATUS_CACHE_WRITE);
            plain_read = db_status (plain, SQLITE_DBSTATUS_CACHE_MISS);
            writer_clear (&wp);
            sqlite3_close (plain);
          }

        printf ("\nrep %u, page %u:\n", rep + 1, page_size);
        printf ("  insert  enc %.2f s (%.0f ev/s, %d pages written, %d read, slowest %.0f ms, "
                "%.1f µs/page)\n",
                we.insert_us / 1e6, insert / (we.insert_us / 1e6 + 1e-9), enc_pages, enc_read,
                we.slowest_us / 1e3, enc_pages ? (double) we.insert_us / enc_pages : 0);
        printf ("  insert  plain %.2f s (%.0f ev/s, %d pages written, %d read, slowest %.0f ms, "
                "%.1f µs/page)\n",
                wp.insert_us / 1e6, insert / (wp.insert_us / 1e6 + 1e-9), plain_pages,
                plain_read, wp.slowest_us / 1e3,
                plain_pages ? (double) wp.insert_us / plain_pages : 0);
        if (enc && plain)
          printf ("  insert ratio enc/plain %.2f; encrypted extra %.1f µs per page written\n",
                  (double) we.insert_us / wp.insert_us,
                  (double) (we.insert_us - wp.insert_us) / enc_pages);
        fflush (stdout);

        if (enc)
          measure_reads (enc_path, TRUE, page_size, prefill + insert, &re);
        if (plain)
          measure_reads (plain_path, FALSE, page_size, prefill + insert, &rp);
        printf ("  reads enc / plain: timeline 500 rooms %.0f / %.0f ms; %u random events "
                "%.0f / %.0f ms;\n"
                "    search cold p50 %.1f / %.1f ms (20 queries %.0f / %.0f ms, %d / %d pages "
                "read), warm p50 %.1f / %.1f ms (%.0f / %.0f ms)\n",
                re.timeline_ms, rp.timeline_ms, POINT_READS, re.points_ms, rp.points_ms,
                re.search_cold_p50, rp.search_cold_p50, re.search_cold_total,
                rp.search_cold_total, re.pages_read, rp.pages_read,
                re.search_warm_p50, rp.search_warm_p50, re.search_warm_total,
                rp.search_warm_total);
        printf ("  files after insert: enc %.1f MB, plain %.1f MB\n",
                file_size (enc_path) / 1e6, file_size (plain_path) / 1e6);
        fflush (stdout);
        remove_db (enc_path);
        remove_db (plain_path);
      }
  return 0;
}
