/* test-store.c: the encrypted history database (src/store).
 *
 * Each test gets its own temporary folder. The store is driven through its async API and the
 * default main context, exactly as the app does; a few checks open the file directly with
 * SQLCipher (same raw key) to look at what is really on disk.
 */
#define _GNU_SOURCE  /* memmem */

#include "store/tact-store.h"
#include "store/tact-store-private.h"
#include "tact-test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/* A message that must never appear in clear on disk (Latin, Chinese, hex). */
#define CANARY "CANARY-金丝雀-7f3a"

typedef struct {
  char *dir;     /* the test's temporary folder */
  char *path;    /* a database path inside it (its parent folder does not exist yet) */
  GBytes *key;   /* 32 bytes */
} Fixture;

static GBytes *
make_key (guint8 seed)
{
  guint8 key[32];

  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) (seed + i * 7);
  return g_bytes_new (key, sizeof key);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = tact_test_tmpdir_new ("tact-store-XXXXXX");
  f->path = g_build_filename (f->dir, "data", "history.db", NULL);
  f->key = make_key (1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tact_store_test_set_failing_migration (0);
  tact_test_tmpdir_remove (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_bytes_unref (f->key);
}

/* ---- Async calls, awaited on the main context ---------------------------------------- */

static TactStore *
open_store (const char *path, GBytes *key, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_store_open_async (path, key, NULL, tact_test_store_result_cb, &result);
  return tact_store_open_finish (tact_test_wait_result (&result, "open"), error);
}

static gboolean
save_sync (TactStore *store, const char *token, GPtrArray *rooms, GPtrArray *events,
           GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_store_save_sync_async (store, token, rooms, events, NULL, tact_test_store_result_cb, &result);
  return tact_store_save_sync_finish (store, tact_test_wait_result (&result, "save sync"), error);
}

static char *
get_token (TactStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *token;

  tact_store_get_sync_token_async (store, NULL, tact_test_store_result_cb, &result);
  token = tact_store_get_sync_token_finish (store, tact_test_wait_result (&result, "get sync token"), &error);
  g_assert_no_error (error);
  return token;
}

static GPtrArray *
load_timeline (TactStore *store, const char *room_id, gint64 before_ts, guint limit)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *events;

  tact_store_load_timeline_async (store, room_id, before_ts, limit, NULL, tact_test_store_result_cb, &result);
  events = tact_store_load_timeline_finish (store, tact_test_wait_result (&result, "load timeline"), &error);
  g_assert_no_error (error);
  return events;
}

static GPtrArray *
search (TactStore *store, const char *query)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *events;

  tact_store_search_async (store, query, 50, NULL, tact_test_store_result_cb, &result);
  events = tact_store_search_finish (store, tact_test_wait_result (&result, "search"), &error);
  g_assert_no_error (error);
  return events;
}

static GPtrArray *
list_rooms (TactStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rooms;

  tact_store_list_rooms_async (store, NULL, tact_test_store_result_cb, &result);
  rooms = tact_store_list_rooms_finish (store, tact_test_wait_result (&result, "list rooms"), &error);
  g_assert_no_error (error);
  return rooms;
}

static void
outbox_add_full (TactStore *store, const char *txn_id, const char *room_id, const char *body,
                 const char *justification, const char *verdict, const char *rule_ids,
                 gint64 created)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content = g_strdup_printf ("{\"msgtype\":\"m.text\",\"body\":\"%s\"}", body);
  TactOutboxEntry entry = {
    .txn_id = (char *) txn_id,
    .room_id = (char *) room_id,
    .type = "m.room.message",
    .content_json = content,
    .justification = (char *) justification,
    .verdict = (char *) verdict,
    .rule_ids = (char *) rule_ids,
    .state = TACT_SEND_STATE_PENDING,
    .created = created,
  };

  tact_store_outbox_add_async (store, &entry, NULL, tact_test_store_result_cb, &result);
  tact_store_outbox_add_finish (store, tact_test_wait_result (&result, "outbox add"), &error);
  g_assert_no_error (error);
}

static void
outbox_add (TactStore *store, const char *txn_id, const char *room_id, const char *body,
            const char *justification, gint64 created)
{
  outbox_add_full (store, txn_id, room_id, body, justification,
                   justification ? "justify" : "allow", NULL, created);
}

static gboolean
outbox_update (TactStore *store, const char *txn_id, TactSendState state,
               const char *event_id, const char *message, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_store_outbox_update_async (store, txn_id, state, event_id, message, NULL,
                                  tact_test_store_result_cb, &result);
  return tact_store_outbox_update_finish (store, tact_test_wait_result (&result, "outbox update"), error);
}

static void
outbox_remove (TactStore *store, const char *txn_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tact_store_outbox_remove_async (store, txn_id, NULL, tact_test_store_result_cb, &result);
  tact_store_outbox_remove_finish (store, tact_test_wait_result (&result, "outbox remove"), &error);
  g_assert_no_error (error);
}

static GPtrArray *
outbox_list (TactStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *entries;

  tact_store_outbox_list_async (store, NULL, tact_test_store_result_cb, &result);
  entries = tact_store_outbox_list_finish (store, tact_test_wait_result (&result, "outbox list"), &error);
  g_assert_no_error (error);
  return entries;
}

static gboolean
set_meta (TactStore *store, const char *key, const char *value, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_store_set_meta_async (store, key, value, NULL, tact_test_store_result_cb, &result);
  return tact_store_set_meta_finish (store, tact_test_wait_result (&result, "set meta"), error);
}

static char *
get_meta (TactStore *store, const char *key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *value;

  tact_store_get_meta_async (store, key, NULL, tact_test_store_result_cb, &result);
  value = tact_store_get_meta_finish (store, tact_test_wait_result (&result, "get meta"), &error);
  g_assert_no_error (error);
  return value;
}

/* ---- Rows ---------------------------------------------------------------------- */

static TactStoreEvent *
message_event (const char *room_id, const char *event_id, const char *txn_id, gint64 ts,
               const char *body)
{
  TactStoreEvent *event = g_new0 (TactStoreEvent, 1);

  event->room_id = g_strdup (room_id);
  event->event_id = g_strdup (event_id);
  event->txn_id = g_strdup (txn_id);
  event->sender = g_strdup ("@alice:example.org");
  event->type = g_strdup ("m.room.message");
  event->ts = ts;
  event->body = g_strdup (body);
  /* The JSON column is not searched; keep the body out of it so that the test of the index
   * does not pass by accident. */
  event->json = g_strdup_printf ("{\"event_id\":\"%s\",\"type\":\"m.room.message\"}",
                                 event_id ? event_id : "");
  return event;
}

static TactStoreRoom *
room_row (const char *room_id, const char *name)
{
  TactStoreRoom *room = g_new0 (TactStoreRoom, 1);

  room->room_id = g_strdup (room_id);
  room->name = g_strdup (name);
  room->membership = g_strdup ("join");
  room->member_count = 3;
  room->external_count = 1;
  room->notification_count = 7;
  room->highlight_count = 2;
  return room;
}

static GPtrArray *
events_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
}

static GPtrArray *
rooms_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
}

/* ---- Looking at the file directly -------------------------------------------------- */

static sqlite3 *
raw_open (const char *path, GBytes *key)
{
  sqlite3 *db = NULL;
  GString *pragma = g_string_new ("PRAGMA key = \"x'");
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (key, &len);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (pragma, "%02x", bytes[i]);
  g_string_append (pragma, "'\"; PRAGMA cipher_page_size = 4096;");

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, pragma->str, NULL, NULL, NULL), ==, SQLITE_OK);
  g_string_free (pragma, TRUE);
  return db;
}

static void
raw_exec (sqlite3 *db, const char *sql)
{
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static gint64
raw_int (sqlite3 *db, const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static char *
file_sha256 (const char *path, gsize *size)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, size, &error);
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, *size);
}

/* The version-1 schema exactly as a build of that version wrote it: the fixture for the
 * migration tests. Never change it (the real step lives in tact-store-migrations.c). */
static const char v1_schema[] =
  "CREATE TABLE rooms (room_id TEXT PRIMARY KEY NOT NULL, name TEXT, topic TEXT,"
  "  membership TEXT NOT NULL DEFAULT 'join', is_direct INTEGER NOT NULL DEFAULT 0,"
  "  member_count INTEGER NOT NULL DEFAULT 0, external_count INTEGER NOT NULL DEFAULT 0,"
  "  prev_batch TEXT, last_ts INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE events (id INTEGER PRIMARY KEY, room_id TEXT NOT NULL,"
  "  event_id TEXT NOT NULL UNIQUE, txn_id TEXT, sender TEXT NOT NULL, type TEXT NOT NULL,"
  "  state_key TEXT, ts INTEGER NOT NULL, body TEXT, json TEXT NOT NULL);"
  "CREATE INDEX events_room_ts ON events (room_id, ts);"
  "CREATE TABLE outbox (txn_id TEXT PRIMARY KEY NOT NULL, room_id TEXT NOT NULL,"
  "  type TEXT NOT NULL, content_json TEXT NOT NULL, justification TEXT, verdict TEXT,"
  "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),"
  "  event_id TEXT, error TEXT, created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX outbox_state_created ON outbox (state, created);"
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT);"
  "CREATE TABLE audit (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL,"
  "  room_id TEXT, txn_id TEXT, rule_ids TEXT, action TEXT, justification TEXT);"
  "PRAGMA user_version = 1;";

static const char v1_rows[] =
  "INSERT INTO rooms (room_id, name, membership, last_ts) VALUES ('!r:x', 'Legal', 'join', 20);"
  "INSERT INTO events (room_id, event_id, sender, type, ts, body, json) VALUES"
  "  ('!r:x', '$a', '@bob:x', 'm.room.message', 10, '这是一个机密文件', '{}'),"
  "  ('!r:x', '$b', '@bob:x', 'm.room.message', 20, 'The quarterly budget', '{}');"
  "INSERT INTO outbox (txn_id, room_id, type, content_json, created)"
  "  VALUES ('t-old', '!r:x', 'm.room.message', '{\"body\":\"queued before the upgrade\"}', 30);"
  "INSERT INTO meta (key, value) VALUES ('sync_token', 's-v1');";

/* Writes a version-1 database with some rows at path (its folder must exist). */
static void
write_v1_fixture (Fixture *f)
{
  g_autofree char *dir = g_path_get_dirname (f->path);
  sqlite3 *db;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = raw_open (f->path, f->key);
  raw_exec (db, v1_schema);
  raw_exec (db, v1_rows);
  sqlite3_close (db);
}

/* Version 2 exactly as a build of that version wrote it, on top of the version-1 fixture:
 * the FTS4 table with the rows' tokens (as tact_fts_tokens made them then) and the trigger. */
static const char v2_schema_and_rows[] =
  "CREATE VIRTUAL TABLE events_fts USING fts4 (tokens);"
  "INSERT INTO events_fts (docid, tokens) VALUES"
  "  (1, '这是 是一 一个 个机 机密 密文 文件 件'), (2, 'the quarterly budget');"
  "CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN"
  "  DELETE FROM events_fts WHERE docid = old.id;"
  "END;"
  "PRAGMA user_version = 2;";

static void
write_v2_fixture (Fixture *f)
{
  sqlite3 *db;

  write_v1_fixture (f);
  db = raw_open (f->path, f->key);
  raw_exec (db, v2_schema_and_rows);
  sqlite3_close (db);
}

/* Version 3 exactly as a build of that version wrote it: the version-2 fixture plus the time
 * index. */
static const char v3_schema[] =
  "CREATE INDEX events_ts ON events (ts);"
  "PRAGMA user_version = 3;";

static void
write_v3_fixture (Fixture *f)
{
  sqlite3 *db;

  write_v2_fixture (f);
  db = raw_open (f->path, f->key);
  raw_exec (db, v3_schema);
  sqlite3_close (db);
}

/* Runs @sql on the store's own connection (the worker thread) and returns its first column
 * as text: pragmas such as synchronous are per connection and cannot be read from outside. */
typedef struct {
  const char *sql;
  char *value;
} PragmaRead;

static gboolean
read_on_worker (sqlite3 *db, gpointer user_data, GError **error)
{
  PragmaRead *read = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (db, read->sql, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      tact_store_set_sql_error (error, db, read->sql);
      return FALSE;
    }
  read->value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return TRUE;
}

static char *
store_read (TactStore *store, const char *sql)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PragmaRead read = { sql, NULL };

  tact_store_call_async (store, read_on_worker, &read, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_call_finish (store, tact_test_wait_result (&result, "call"), &error));
  g_assert_no_error (error);
  return read.value;
}

/* ---- Tests ------------------------------------------------------------------------ */

static void
test_fts_tokens (void)
{
  static const struct { const char *text; const char *tokens; } cases[] = {
    { "这是一个机密文件", "这是 是一 一个 个机 机密 密文 文件 件" },
    { "Hello, World!", "hello world" },
    { "abc机密def", "abc 机密 密 def" },
    { "机", "机" },
    { "ＢＵＤＧＥＴ ２０２４", "budget 2024" },   /* full-width: NFKC */
    { "Straße", "strasse" },                      /* case folding */
    { "!!! ... ", "" },
    { "", "" },
  };
  static const struct { const char *query; const char *match; } queries[] = {
    { "机密", "\"机密\"" },
    { "机密文件", "\"机密 密文 文件\"" },
    { "Hello 机", "\"hello\" 机*" },
    { "budget \"OR\" x*", "\"budget\" \"or\" \"x\"" },  /* no operator can be injected */
    { "", NULL },
    { "!!!", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *tokens = tact_store_fts_tokens (cases[i].text);
      g_assert_cmpstr (tokens, ==, cases[i].tokens);
    }
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autofree char *match = tact_store_fts_query (queries[i].query);
      g_assert_cmpstr (match, ==, queries[i].match);
    }
}

static void
test_open_create_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autofree char *value = NULL;
  GStatBuf st;
  sqlite3 *db;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_true (TACT_IS_STORE (store));
  g_assert_cmpstr (tact_store_get_path (store), ==, f->path);

  /* Created private: the folder 0700, the file 0600. */
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (set_meta (store, "filter_id", "42", &error));
  g_assert_no_error (error);
  tact_store_close (store);
  tact_store_close (store);  /* idempotent */
  g_clear_object (&store);

  /* Fully migrated, in WAL mode. */
  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, tact_store_get_schema_version ());
  g_assert_cmpint (tact_store_get_schema_version (), ==, 9);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'events_fts'"),
                   ==, 1);
  sqlite3_close (db);

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  value = get_meta (store, "filter_id");
  g_assert_cmpstr (value, ==, "42");
  g_clear_pointer (&value, g_free);

  g_assert_true (set_meta (store, "filter_id", NULL, &error));
  g_assert_no_error (error);
  value = get_meta (store, "filter_id");
  g_assert_null (value);
}

static void
test_closed (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  tact_store_close (store);

  g_assert_false (set_meta (store, "k", "v", &error));
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_CLOSED);
}

static void
test_bad_key_length (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) short_key = g_bytes_new ("short", 5);
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = open_store (f->path, short_key, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (store);
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
}

static void
test_migration_from_v1 (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) timeline = NULL;
  g_autofree char *token = NULL;
  sqlite3 *db;

  write_v1_fixture (f);

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  /* Version 2 indexed the existing rows. */
  found = search (store, "机密");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TactStoreEvent *) found->pdata[0])->event_id, ==, "$a");
  g_clear_pointer (&found, g_ptr_array_unref);
  found = search (store, "budget");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TactStoreEvent *) found->pdata[0])->event_id, ==, "$b");

  /* Nothing else was lost. */
  token = get_token (store);
  g_assert_cmpstr (token, ==, "s-v1");
  timeline = load_timeline (store, "!r:x", 0, 10);
  g_assert_cmpuint (timeline->len, ==, 3);
  g_assert_cmpstr (((TactStoreEvent *) timeline->pdata[2])->txn_id, ==, "t-old");
  g_assert_cmpstr (((TactStoreEvent *) timeline->pdata[2])->body, ==, "queued before the upgrade");

  tact_store_close (store);
  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, tact_store_get_schema_version ());
  sqlite3_close (db);
}

static void
test_migration_failure_rolls_back (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  sqlite3 *db;

  write_v1_fixture (f);

  /* Step 2 runs completely (table created, rows indexed), then fails before COMMIT. */
  tact_store_test_set_failing_migration (2);
  store = open_store (f->path, f->key, &error);
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_MIGRATION);
  g_assert_nonnull (strstr (error->message, "nothing was changed"));
  g_assert_null (store);
  tact_store_test_set_failing_migration (0);
  g_clear_error (&error);

  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'events_fts%'"),
                   ==, 0);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"),
                   ==, 0);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM events"), ==, 2);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM outbox"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM meta WHERE value = 's-v1'"), ==, 1);
  sqlite3_close (db);

  /* The next start migrates normally. */
  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  found = search (store, "机密");
  g_assert_cmpuint (found->len, ==, 1);
}

static void
test_too_new (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize size_before = 0, size_after = 0;
  sqlite3 *db;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = raw_open (f->path, f->key);
  raw_exec (db, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  sqlite3_close (db);
  before = file_sha256 (f->path, &size_before);

  store = open_store (f->path, f->key, &error);
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_TOO_NEW);
  g_assert_null (store);

  after = file_sha256 (f->path, &size_after);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (size_before, ==, size_after);
}

/* Looks for needle in a file, if the file exists. */
static gboolean
file_contains (const char *path, const void *needle, gsize needle_len)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;
  return memmem (contents, len, needle, needle_len) != NULL;
}

static void
assert_no_plaintext (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-journal", "-shm" };
  g_autofree gunichar2 *utf16 = NULL;
  g_autofree guint8 *utf16be = NULL;
  glong utf16_len = 0;
  const char *needles[] = { CANARY, "金丝雀", "金丝" /* a stored bigram */, "CANARY-" };
  guint checked = 0;

  utf16 = g_utf8_to_utf16 (CANARY, -1, NULL, &utf16_len, NULL);
  g_assert_nonnull (utf16);
  utf16be = g_malloc (utf16_len * 2);
  for (glong i = 0; i < utf16_len; i++)
    {
      /* Host order is little-endian here; build the other order by hand. */
      utf16be[2 * i] = utf16[i] >> 8;
      utf16be[2 * i + 1] = utf16[i] & 0xff;
    }

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (!g_file_test (file, G_FILE_TEST_EXISTS))
        continue;
      checked++;
      for (guint j = 0; j < G_N_ELEMENTS (needles); j++)
        g_assert_false (file_contains (file, needles[j], strlen (needles[j])));
      g_assert_false (file_contains (file, utf16, utf16_len * 2));
      g_assert_false (file_contains (file, utf16be, utf16_len * 2));
      /* And lower-case, as the search index stores Latin words. */
      g_assert_false (file_contains (file, "canary", 6));
    }
  g_assert_cmpuint (checked, >=, 1);
}

static void
test_no_plaintext_on_disk (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms = rooms_array ();
  g_autoptr(GPtrArray) events = events_array ();
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) timeline = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  TactStoreRoom *room;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  room = room_row ("!canary:x", "Room " CANARY);
  room->topic = g_strdup ("Topic " CANARY);
  g_ptr_array_add (rooms, room);
  g_ptr_array_add (events, message_event ("!canary:x", "$c1", NULL, 1000,
                                          "secret: " CANARY " end"));
  g_assert_true (save_sync (store, "s1", rooms, events, &error));
  g_assert_no_error (error);
  outbox_add (store, "txn-canary", "!canary:x", "outgoing " CANARY, "because " CANARY, 2000);
  g_assert_true (set_meta (store, "note", CANARY, &error));
  g_assert_no_error (error);

  /* While open, the data sits in the WAL: encrypted too. */
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  assert_no_plaintext (f->path);

  tact_store_close (store);
  g_clear_object (&store);
  assert_no_plaintext (f->path);

  /* But it is all there for the key holder. */
  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  found = search (store, "金丝雀");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TactStoreEvent *) found->pdata[0])->body, ==, "secret: " CANARY " end");
  g_clear_pointer (&found, g_ptr_array_unref);
  found = search (store, "canary");
  g_assert_cmpuint (found->len, ==, 1);

  timeline = load_timeline (store, "!canary:x", 0, 10);
  g_assert_cmpuint (timeline->len, ==, 2);
  g_assert_cmpstr (((TactStoreEvent *) timeline->pdata[0])->body, ==, "secret: " CANARY " end");
  g_assert_cmpstr (((TactStoreEvent *) timeline->pdata[1])->body, ==, "outgoing " CANARY);
}

static void
test_wrong_key (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) other_key = make_key (99);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *token = NULL;
  gsize size_before = 0, size_after = 0;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_true (set_meta (store, "sync_token", "s1", &error));
  g_assert_no_error (error);
  tact_store_close (store);
  g_clear_object (&store);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));  /* checkpointed on close */

  before = file_sha256 (f->path, &size_before);
  store = open_store (f->path, other_key, &error);
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_WRONG_KEY);
  g_assert_nonnull (strstr (error->message, "key"));
  g_assert_null (store);
  g_clear_error (&error);

  after = file_sha256 (f->path, &size_after);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (size_before, ==, size_after);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  /* The right key still opens it. */
  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  token = get_token (store);
  g_assert_cmpstr (token, ==, "s1");
}

static void
test_not_a_database (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) junk = g_string_new (NULL);
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize size_before = 0, size_after = 0;

  for (guint i = 0; i < 1000; i++)
    g_string_append (junk, "this is a text file, not a database\n");
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (f->path, junk->str, junk->len, NULL));
  before = file_sha256 (f->path, &size_before);

  store = open_store (f->path, f->key, &error);
  g_assert_true (g_error_matches (error, TACT_STORE_ERROR, TACT_STORE_ERROR_WRONG_KEY) ||
                 g_error_matches (error, TACT_STORE_ERROR, TACT_STORE_ERROR_CORRUPT));
  g_assert_null (store);

  after = file_sha256 (f->path, &size_after);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (size_before, ==, size_after);
}

static void
test_reconcile_by_txn_id (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) timeline = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GPtrArray) events = events_array ();
  TactStoreEvent *event;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  g_assert_true (set_meta (store, "user_id", "@me:example.org", &error));

  /* A pending local echo: no event id, body parsed from the content. */
  outbox_add (store, "t1", "!r:x", "hello", NULL, 100);
  timeline = load_timeline (store, "!r:x", 0, 10);
  g_assert_cmpuint (timeline->len, ==, 1);
  event = timeline->pdata[0];
  g_assert_cmpint (event->send_state, ==, TACT_SEND_STATE_PENDING);
  g_assert_null (event->event_id);
  g_assert_cmpstr (event->txn_id, ==, "t1");
  g_assert_cmpstr (event->body, ==, "hello");
  g_assert_cmpstr (event->sender, ==, "@me:example.org");
  g_assert_cmpint (event->ts, ==, 100);
  g_assert_nonnull (strstr (event->json, "\"transaction_id\":\"t1\""));
  g_clear_pointer (&timeline, g_ptr_array_unref);

  /* The server echoes it back through /sync with our transaction id. */
  g_ptr_array_add (events, message_event ("!r:x", "$e1", "t1", 150, "hello"));
  g_assert_true (save_sync (store, "s1", NULL, events, &error));
  g_assert_no_error (error);

  outbox = outbox_list (store);
  g_assert_cmpuint (outbox->len, ==, 0);
  timeline = load_timeline (store, "!r:x", 0, 10);
  g_assert_cmpuint (timeline->len, ==, 1);  /* one message, not two */
  event = timeline->pdata[0];
  g_assert_cmpint (event->send_state, ==, TACT_SEND_STATE_SENT);
  g_assert_cmpstr (event->event_id, ==, "$e1");
  g_clear_pointer (&timeline, g_ptr_array_unref);

  /* Sent but not yet back through /sync: still shown (SENT, with its event id). */
  outbox_add (store, "t2", "!r:x", "second", NULL, 200);
  g_assert_true (outbox_update (store, "t2", TACT_SEND_STATE_SENT, "$e2", NULL, &error));
  g_assert_no_error (error);
  timeline = load_timeline (store, "!r:x", 0, 10);
  g_assert_cmpuint (timeline->len, ==, 2);
  event = timeline->pdata[1];
  g_assert_cmpint (event->send_state, ==, TACT_SEND_STATE_SENT);
  g_assert_cmpstr (event->event_id, ==, "$e2");
  g_assert_cmpstr (event->body, ==, "second");
  g_clear_pointer (&timeline, g_ptr_array_unref);

  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (events, message_event ("!r:x", "$e2", "t2", 250, "second"));
  g_assert_true (save_sync (store, "s2", NULL, events, &error));
  g_assert_no_error (error);
  timeline = load_timeline (store, "!r:x", 0, 10);
  g_assert_cmpuint (timeline->len, ==, 2);
  g_assert_cmpstr (((TactStoreEvent *) timeline->pdata[1])->event_id, ==, "$e2");
  g_assert_cmpint (((TactStoreEvent *) timeline->pdata[1])->ts, ==, 250);
}

static void
test_sync_token_atomic (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms = rooms_array ();
  g_autoptr(GPtrArray) events = events_array ();
  g_autoptr(GPtrArray) timeline = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autofree char *token = NULL;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  token = get_token (store);
  g_assert_null (token);

  g_ptr_array_add (rooms, room_row ("!r:x", "Room"));
  g_ptr_array_add (events, message_event ("!r:x", "$e1", NULL, 100, "first"));
  g_assert_true (save_sync (store, "s1", rooms, events, &error));
  g_assert_no_error (error);
  token = get_token (store);
  g_assert_cmpstr (token, ==, "s1");
  g_clear_pointer (&token, g_free);

  /* A batch with a bad event (no room id) is refused as a whole: no room, no event,
   * and the token stays where it was. */
  g_ptr_array_set_size (rooms, 0);
  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (rooms, room_row ("!new:x", "New room"));
  g_ptr_array_add (events, message_event ("!r:x", "$e2", NULL, 200, "second"));
  g_ptr_array_add (events, message_event (NULL, "$bad", NULL, 300, "broken"));
  g_assert_false (save_sync (store, "s2", rooms, events, &error));
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_SQL);
  g_clear_error (&error);

  token = get_token (store);
  g_assert_cmpstr (token, ==, "s1");
  timeline = load_timeline (store, "!r:x", 0, 10);
  g_assert_cmpuint (timeline->len, ==, 1);
  listed = list_rooms (store);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpstr (((TactStoreRoom *) listed->pdata[0])->room_id, ==, "!r:x");
  g_assert_cmpint (((TactStoreRoom *) listed->pdata[0])->last_ts, ==, 100);
  g_assert_cmpuint (((TactStoreRoom *) listed->pdata[0])->member_count, ==, 3);
  g_assert_cmpuint (((TactStoreRoom *) listed->pdata[0])->notification_count, ==, 7);
  g_assert_cmpuint (((TactStoreRoom *) listed->pdata[0])->highlight_count, ==, 2);

  /* Without a token (back-pagination), the saved token is left alone. */
  g_ptr_array_set_size (events, 0);
  g_ptr_array_add (events, message_event ("!r:x", "$e0", NULL, 50, "older"));
  g_assert_true (save_sync (store, NULL, NULL, events, &error));
  g_assert_no_error (error);
  g_clear_pointer (&token, g_free);
  token = get_token (store);
  g_assert_cmpstr (token, ==, "s1");
}

static void
test_dedup_by_event_id (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = events_array ();
  g_autoptr(GPtrArray) timeline = NULL;
  g_autoptr(GPtrArray) found = NULL;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  g_ptr_array_add (events, message_event ("!r:x", "$e1", NULL, 100, "duplicate me"));
  g_ptr_array_add (events, message_event ("!r:x", "$e1", NULL, 100, "duplicate me"));
  g_assert_true (save_sync (store, "s1", NULL, events, &error));
  g_assert_no_error (error);
  g_assert_true (save_sync (store, "s2", NULL, events, &error));
  g_assert_no_error (error);

  timeline = load_timeline (store, "!r:x", 0, 10);
  g_assert_cmpuint (timeline->len, ==, 1);
  found = search (store, "duplicate");
  g_assert_cmpuint (found->len, ==, 1);
}

static void
test_timeline_paging (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = events_array ();
  g_autoptr(GPtrArray) page = NULL;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("$e%u", i);
      g_ptr_array_add (events, message_event ("!r:x", id, NULL, i * 10, "m"));
    }
  g_ptr_array_add (events, message_event ("!other:x", "$o", NULL, 45, "m"));
  g_assert_true (save_sync (store, "s1", NULL, events, &error));
  g_assert_no_error (error);

  page = load_timeline (store, "!r:x", 0, 2);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (((TactStoreEvent *) page->pdata[0])->ts, ==, 40);
  g_assert_cmpint (((TactStoreEvent *) page->pdata[1])->ts, ==, 50);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = load_timeline (store, "!r:x", 40, 2);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (((TactStoreEvent *) page->pdata[0])->ts, ==, 20);
  g_assert_cmpint (((TactStoreEvent *) page->pdata[1])->ts, ==, 30);
}

static void
test_search (Fixture *f, gconstpointer data)
{
  static const struct { const char *query; const char *event_ids; } cases[] = {
    { "机密", "$c1" },                 /* a two-character word inside a sentence */
    { "机密文件", "$c1" },
    { "密件", "" },                    /* not contiguous */
    { "机", "$c1" },                   /* one character: start of a bigram */
    { "件", "$c3 $c1" },               /* one character at the end of a run */
    { "天气", "$c2" },
    { "budget", "$l1" },               /* a whole word, any case */
    { "BUDGET review", "$l1" },
    { "ＢＵＤＧＥＴ", "$l1" },          /* full-width */
    { "budgets", "$l2" },
    { "review 机密", "" },             /* every term must match */
    { "fine", "$l2 $c3" },             /* newest first */
    { "", "" },
    { "!!", "" },
  };
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = events_array ();

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  g_ptr_array_add (events, message_event ("!r:x", "$c1", NULL, 10, "这是一个机密文件"));
  g_ptr_array_add (events, message_event ("!r:x", "$c2", NULL, 20, "今天天气很好。"));
  g_ptr_array_add (events, message_event ("!r:x", "$l1", NULL, 30, "Quarterly BUDGET review"));
  g_ptr_array_add (events, message_event ("!r:x", "$l2", NULL, 50, "the budgets are fine"));
  g_ptr_array_add (events, message_event ("!r:x", "$c3", NULL, 40, "文件 fine"));
  g_assert_true (save_sync (store, "s1", NULL, events, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) found = search (store, cases[i].query);
      g_autoptr(GString) ids = g_string_new (NULL);

      for (guint j = 0; j < found->len; j++)
        g_string_append_printf (ids, "%s%s", j ? " " : "",
                                ((TactStoreEvent *) found->pdata[j])->event_id);
      g_test_message ("query %u", i);
      g_assert_cmpstr (ids->str, ==, cases[i].event_ids);
    }
}

static void
test_outbox (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  TactOutboxEntry *entry;
  sqlite3 *db;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  /* Listed in creation order, whatever the order of insertion. */
  outbox_add (store, "t3", "!r:x", "three", NULL, 300);
  outbox_add (store, "t1", "!r:x", "one", "It is for the client", 100);
  outbox_add (store, "t2", "!r:x", "two", NULL, 200);
  list = outbox_list (store);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((TactOutboxEntry *) list->pdata[0])->txn_id, ==, "t1");
  g_assert_cmpstr (((TactOutboxEntry *) list->pdata[1])->txn_id, ==, "t2");
  g_assert_cmpstr (((TactOutboxEntry *) list->pdata[2])->txn_id, ==, "t3");
  entry = list->pdata[0];
  g_assert_cmpstr (entry->justification, ==, "It is for the client");
  g_assert_cmpstr (entry->verdict, ==, "justify");
  g_assert_cmpint (entry->state, ==, TACT_SEND_STATE_PENDING);
  g_assert_cmpuint (entry->attempts, ==, 0);
  g_assert_nonnull (strstr (entry->content_json, "\"one\""));
  g_clear_pointer (&list, g_ptr_array_unref);

  /* A transaction id is kept for ever: adding it twice fails. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    TactOutboxEntry dup = { .txn_id = "t1", .room_id = "!r:x", .type = "m.room.message",
                            .content_json = "{}" };
    tact_store_outbox_add_async (store, &dup, NULL, tact_test_store_result_cb, &result);
    g_assert_false (tact_store_outbox_add_finish (store, tact_test_wait_result (&result, "outbox add"), &error));
    g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_SQL);
    g_clear_error (&error);
  }

  g_assert_true (outbox_update (store, "t2", TACT_SEND_STATE_FAILED, NULL, "M_FORBIDDEN", &error));
  g_assert_true (outbox_update (store, "t1", TACT_SEND_STATE_PENDING, NULL, "timeout", &error));
  g_assert_true (outbox_update (store, "t3", TACT_SEND_STATE_SENT, "$e3", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (outbox_update (store, "nope", TACT_SEND_STATE_SENT, "$x", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = outbox_list (store);
  g_assert_cmpuint (list->len, ==, 2);
  entry = list->pdata[0];
  g_assert_cmpstr (entry->txn_id, ==, "t1");
  g_assert_cmpint (entry->state, ==, TACT_SEND_STATE_PENDING);
  g_assert_cmpuint (entry->attempts, ==, 1);
  entry = list->pdata[1];
  g_assert_cmpstr (entry->txn_id, ==, "t2");
  g_assert_cmpint (entry->state, ==, TACT_SEND_STATE_FAILED);
  g_assert_cmpstr (entry->error, ==, "M_FORBIDDEN");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The timeline's echo of a FAILED send carries the reason too (shown after a restart). */
  {
    g_autoptr(GPtrArray) timeline = load_timeline (store, "!r:x", 0, 10);
    guint failed = 0;

    for (guint i = 0; i < timeline->len; i++)
      {
        TactStoreEvent *row = timeline->pdata[i];
        if (row->send_state != TACT_SEND_STATE_FAILED)
          continue;
        g_assert_cmpstr (row->txn_id, ==, "t2");
        g_assert_cmpstr (row->error, ==, "M_FORBIDDEN");
        failed++;
      }
    g_assert_cmpuint (failed, ==, 1);
  }

  /* A confirmed send is never downgraded by a late failure report. */
  g_assert_true (outbox_update (store, "t3", TACT_SEND_STATE_FAILED, NULL, "late", &error));
  g_assert_no_error (error);

  outbox_remove (store, "t2");
  outbox_remove (store, "t2");  /* idempotent */
  list = outbox_list (store);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((TactOutboxEntry *) list->pdata[0])->txn_id, ==, "t1");

  tact_store_close (store);

  /* The justified send left exactly one audit record. */
  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit WHERE txn_id = 't1'"
                                "  AND kind = 'justified-send' AND action = 'justify'"
                                "  AND justification = 'It is for the client' AND ts = 100"),
                   ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM outbox WHERE txn_id = 't3'"
                                "  AND state = 'sent' AND event_id = '$e3'"), ==, 1);
  sqlite3_close (db);
}

/* Dropping the last reference while jobs are queued runs them, then stops the worker. */
static void
test_unref_with_queued_jobs (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TactStore) reopened = NULL;
  g_autofree char *value = NULL;
  TactStore *store;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  tact_store_set_meta_async (store, "k", "v", NULL, tact_test_store_result_cb, &result);
  g_object_unref (store);  /* the task still holds it */
  tact_test_wait_result (&result, "set meta");
  tact_store_set_meta_finish (g_task_get_source_object (G_TASK (result)), result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);  /* the last reference: closes the store */

  reopened = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  value = get_meta (reopened, "k");
  g_assert_cmpstr (value, ==, "v");
}

/* The audit trail: a justified send and a warning sent past each leave one record, written
 * with the outbox row; an allowed send leaves none. */
static void
test_outbox_audit (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  outbox_add_full (store, "a1", "!r:x", "fine", NULL, "allow", NULL, 10);
  outbox_add_full (store, "w1", "!r:x", "careful", NULL, "warn", "pub6-civility", 20);
  outbox_add_full (store, "j1", "!r:x", "secret", "Approved by legal", "justify",
                   "pub1-secrets,ext1-confidential-external", 30);
  tact_store_close (store);

  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit"), ==, 2);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit WHERE txn_id = 'w1'"
                                "  AND kind = 'warned-send' AND action = 'warn'"
                                "  AND rule_ids = 'pub6-civility'"
                                "  AND justification IS NULL AND ts = 20"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit WHERE txn_id = 'j1'"
                                "  AND kind = 'justified-send' AND action = 'justify'"
                                "  AND rule_ids = 'pub1-secrets,ext1-confidential-external'"), ==, 1);
  sqlite3_close (db);
}

/* Item 7: every setting the store relies on, read back from its own connection; the raw key
 * and the page size checked from outside. */
static void
test_pragmas (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *sql;
    const char *expected;
  } pragmas[] = {
    { "PRAGMA journal_mode", "wal" },
    { "PRAGMA synchronous", "1" },          /* NORMAL */
    { "PRAGMA secure_delete", "1" },
    { "PRAGMA cipher_page_size", "4096" },
    { "PRAGMA page_size", "4096" },
    { "PRAGMA cache_size", "-131072" },     /* 128 MB */
    { "PRAGMA temp_store", "2" },           /* MEMORY */
    { "PRAGMA foreign_keys", "1" },
    { "PRAGMA user_version", "9" },
  };
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) passphrase = g_string_new ("PRAGMA key = '");
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (f->key, &len);
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (pragmas); i++)
    {
      g_autofree char *value = store_read (store, pragmas[i].sql);
      g_test_message ("%s = %s", pragmas[i].sql, value);
      g_assert_cmpstr (value, ==, pragmas[i].expected);
    }
  tact_store_close (store);

  /* The key is raw: the file opens with "x'<hex>'" and 4096-byte pages... */
  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"), ==, 1);
  g_assert_cmpint (raw_int (db, "PRAGMA cipher_page_size"), ==, 4096);
  sqlite3_close (db);
  /* ...but not with the same hex digits as a passphrase (which would run key derivation). */
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (passphrase, "%02x", bytes[i]);
  g_string_append (passphrase, "'; PRAGMA cipher_page_size = 4096;");
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, passphrase->str, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_master", -1, &stmt, NULL),
                   ==, SQLITE_NOTADB);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* Item 7: the fixture of version 2 comes out at the current version, searchable. */
static void
test_migration_from_v2 (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *token = NULL;
  g_autofree char *index = NULL;

  write_v2_fixture (f);
  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  found = search (store, "机密");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TactStoreEvent *) found->pdata[0])->event_id, ==, "$a");
  g_clear_pointer (&found, g_ptr_array_unref);
  found = search (store, "Budget");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TactStoreEvent *) found->pdata[0])->event_id, ==, "$b");
  token = get_token (store);
  g_assert_cmpstr (token, ==, "s-v1");
  index = store_read (store, "SELECT count(*) FROM sqlite_master WHERE name = 'events_ts'");
  g_assert_cmpstr (index, ==, "1");
  g_free (index);
  index = store_read (store, "PRAGMA user_version");
  g_assert_cmpint (g_ascii_strtoll (index, NULL, 10), ==, tact_store_get_schema_version ());
}

/* Item 7: the fixture of version 3 comes out at the current version: FTS4 merges
 * incrementally (automerge=8, kept in events_fts_stat), the rows are still found, and new
 * events are indexed. */
static void
test_migration_from_v3 (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) rooms = rooms_array ();
  g_autoptr(GPtrArray) events = events_array ();
  g_autofree char *automerge = NULL;
  g_autofree char *version = NULL;
  sqlite3 *db;

  write_v3_fixture (f);
  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM events_fts_stat WHERE id = 2"), ==, 0);
  sqlite3_close (db);

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  version = store_read (store, "PRAGMA user_version");
  g_assert_cmpint (g_ascii_strtoll (version, NULL, 10), ==, tact_store_get_schema_version ());
  /* FTS4 keeps the automerge setting in row 2 (FTS_STAT_AUTOINCRMERGE) of its %_stat table. */
  automerge = store_read (store, "SELECT value FROM events_fts_stat WHERE id = 2");
  g_assert_cmpstr (automerge, ==, "8");

  found = search (store, "机密");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TactStoreEvent *) found->pdata[0])->event_id, ==, "$a");
  g_clear_pointer (&found, g_ptr_array_unref);

  g_ptr_array_add (rooms, room_row ("!r:x", "Legal"));
  g_ptr_array_add (events, message_event ("!r:x", "$c", NULL, 40, "下午的预算会议"));
  g_assert_true (save_sync (store, "s-v4", rooms, events, &error));
  g_assert_no_error (error);
  found = search (store, "预算");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TactStoreEvent *) found->pdata[0])->event_id, ==, "$c");
}

/* Version 4 exactly as a build of that version wrote it: the version-3 fixture plus FTS4's
 * automerge setting. */
static void
write_v4_fixture (Fixture *f)
{
  sqlite3 *db;

  write_v3_fixture (f);
  db = raw_open (f->path, f->key);
  raw_exec (db, "INSERT INTO events_fts (events_fts) VALUES ('automerge=8');"
                "PRAGMA user_version = 4;");
  sqlite3_close (db);
}

/* Version 5: the fixture of version 4 gets the rooms' unread counts (0 for the old rows), keeps
 * its rows, and the counts round-trip. */
static void
test_migration_from_v4 (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) rooms = rooms_array ();
  g_autoptr(GPtrArray) events = events_array ();
  g_autofree char *token = NULL;
  TactStoreRoom *room;

  write_v4_fixture (f);
  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  listed = list_rooms (store);
  g_assert_cmpuint (listed->len, ==, 1);
  room = listed->pdata[0];
  g_assert_cmpstr (room->name, ==, "Legal");
  g_assert_cmpint (room->last_ts, ==, 20);
  g_assert_cmpuint (room->notification_count, ==, 0);
  g_assert_cmpuint (room->highlight_count, ==, 0);
  found = search (store, "机密");
  g_assert_cmpuint (found->len, ==, 1);
  token = get_token (store);
  g_assert_cmpstr (token, ==, "s-v1");

  g_ptr_array_add (rooms, room_row ("!r:x", "Legal"));
  g_assert_true (save_sync (store, NULL, rooms, events, &error));
  g_assert_no_error (error);
  g_clear_pointer (&listed, g_ptr_array_unref);
  listed = list_rooms (store);
  room = listed->pdata[0];
  g_assert_cmpuint (room->notification_count, ==, 7);
  g_assert_cmpuint (room->highlight_count, ==, 2);
}

/* Version 5 exactly as a build of that version wrote it: the version-4 fixture plus the unread
 * counts, and a justified send still pending with its audit record (which named its rules). */
static void
write_v5_fixture (Fixture *f)
{
  sqlite3 *db;

  write_v4_fixture (f);
  db = raw_open (f->path, f->key);
  raw_exec (db, "ALTER TABLE rooms ADD COLUMN notification_count INTEGER NOT NULL DEFAULT 0;"
                "ALTER TABLE rooms ADD COLUMN highlight_count INTEGER NOT NULL DEFAULT 0;"
                "INSERT INTO outbox (txn_id, room_id, type, content_json, justification, verdict,"
                "  created) VALUES ('t-just', '!r:x', 'm.room.message', '{\"body\":\"机密\"}',"
                "  'asked for', 'justify', 40);"
                "INSERT INTO audit (ts, kind, room_id, txn_id, rule_ids, action, justification)"
                "  VALUES (40, 'justified-send', '!r:x', 't-just', 'pub1-secrets', 'justify', 'asked for');"
                "PRAGMA user_version = 5;");
  sqlite3_close (db);
}

static gboolean
outbox_hold (TactStore *store, const char *txn_id, const char *reason, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_store_outbox_hold_async (store, txn_id, reason, "pub1-secrets", "block", NULL,
                                tact_test_store_result_cb, &result);
  return tact_store_outbox_hold_finish (store, tact_test_wait_result (&result, "outbox hold"), error);
}

/* Version 6: the outbox is rebuilt with the review states and the decided rules: the pending
 * rows stay pending and in order, a justified one gets the rules its audit record named, and a
 * row can now be held (and decided again) where the old CHECK refused it. */
static void
test_migration_from_v5 (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  TactOutboxEntry *entry;
  sqlite3 *db;

  write_v5_fixture (f);
  db = raw_open (f->path, f->key);
  /* The old schema refuses the new state: the reason for the rebuild. */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE outbox SET state = 'held' WHERE txn_id = 't-old'",
                                 NULL, NULL, NULL), ==, SQLITE_CONSTRAINT);
  sqlite3_close (db);

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  entries = outbox_list (store);
  g_assert_cmpuint (entries->len, ==, 2);
  entry = entries->pdata[0];
  g_assert_cmpstr (entry->txn_id, ==, "t-old");
  g_assert_null (entry->rule_ids);
  g_assert_cmpint (entry->state, ==, TACT_SEND_STATE_PENDING);
  entry = entries->pdata[1];
  g_assert_cmpstr (entry->txn_id, ==, "t-just");
  g_assert_cmpstr (entry->rule_ids, ==, "pub1-secrets");
  g_assert_cmpstr (entry->justification, ==, "asked for");
  g_assert_cmpstr (entry->verdict, ==, "justify");

  g_assert_true (outbox_hold (store, "t-just", "now blocked", &error));
  g_assert_no_error (error);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = outbox_list (store);
  entry = entries->pdata[1];
  g_assert_cmpint (entry->state, ==, TACT_SEND_STATE_HELD);
  g_assert_cmpstr (entry->error, ==, "now blocked");

  /* Decided again: pending with the new decision, audited like a send. */
  g_free (entry->verdict);
  entry->verdict = g_strdup ("warn");
  g_free (entry->rule_ids);
  entry->rule_ids = g_strdup ("other-rule");
  g_clear_pointer (&entry->justification, g_free);
  tact_store_outbox_redecide_async (store, entry, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_outbox_redecide_finish (store, tact_test_wait_result (&result, "outbox redecide"), &error));
  g_assert_no_error (error);
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = outbox_list (store);
  entry = entries->pdata[1];
  g_assert_cmpint (entry->state, ==, TACT_SEND_STATE_PENDING);
  g_assert_cmpstr (entry->rule_ids, ==, "other-rule");
  g_assert_null (entry->error);
  tact_store_close (store);
  g_clear_object (&store);

  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, tact_store_get_schema_version ());
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit WHERE txn_id = 't-just' AND kind = 'held-for-review'"
                                " AND rule_ids = 'pub1-secrets' AND action = 'block'"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit WHERE txn_id = 't-just' AND kind = 'warned-send'"), ==, 1);
  sqlite3_close (db);
}

/* Version 6 exactly as a build of that version wrote it: the version-5 fixture with the outbox
 * rebuilt (review and approval states, rule_ids). */
static void
write_v6_fixture (Fixture *f)
{
  sqlite3 *db;

  write_v5_fixture (f);
  db = raw_open (f->path, f->key);
  raw_exec (db,
            "CREATE TABLE outbox_v6 (txn_id TEXT PRIMARY KEY NOT NULL, room_id TEXT NOT NULL,"
            "  type TEXT NOT NULL, content_json TEXT NOT NULL, justification TEXT, verdict TEXT,"
            "  state TEXT NOT NULL DEFAULT 'pending'"
            "  CHECK (state IN ('pending', 'sent', 'failed', 'held', 'awaiting-approval')),"
            "  event_id TEXT, error TEXT, created INTEGER NOT NULL,"
            "  attempts INTEGER NOT NULL DEFAULT 0, rule_ids TEXT);"
            "INSERT INTO outbox_v6 (rowid, txn_id, room_id, type, content_json, justification, verdict,"
            "  state, event_id, error, created, attempts, rule_ids)"
            "  SELECT rowid, txn_id, room_id, type, content_json, justification, verdict, state,"
            "  event_id, error, created, attempts, NULL FROM outbox;"
            "DROP TABLE outbox; ALTER TABLE outbox_v6 RENAME TO outbox;"
            "CREATE INDEX outbox_state_created ON outbox (state, created);"
            "PRAGMA user_version = 6;");
  sqlite3_close (db);
}

/* Version 7: approvals and audit details: the old audit rows keep their fields (new ones NULL),
 * approvals and audit records round-trip, and an outbox row can be written awaiting approval. */
static void
test_migration_from_v6 (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  TactStoreApproval approval = { 0 };
  TactStoreAuditRecord record = { 0 };
  TactOutboxEntry entry = { 0 };
  TactStoreAuditRecord *newest;
  TactStoreApproval *read;

  write_v6_fixture (f);
  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  approval.request_id = "tact-approval-1";
  approval.txn_id = "t-held";
  approval.room_id = "!approvals:x";
  approval.sha256 = "00ff";
  approval.approvers = "@wang.fang:x";
  approval.rule_ids = "pub2-quotes";
  approval.expires_ts = 1000;
  approval.note = "请审批";
  tact_store_approval_save_async (store, &approval, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_approval_save_finish (store, tact_test_wait_result (&result, "approval save"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  approval.state = "approved";
  approval.decided_by = "@wang.fang:x";
  tact_store_approval_save_async (store, &approval, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_approval_save_finish (store, tact_test_wait_result (&result, "approval save"), &error));
  g_clear_object (&result);
  tact_store_approval_list_async (store, NULL, tact_test_store_result_cb, &result);
  rows = tact_store_approval_list_finish (store, tact_test_wait_result (&result, "approval list"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (rows->len, ==, 1);
  read = rows->pdata[0];
  g_assert_cmpstr (read->state, ==, "approved");
  g_assert_cmpstr (read->note, ==, "请审批");
  g_assert_false (read->incoming);
  g_clear_pointer (&rows, g_ptr_array_unref);

  record.kind = "false-positive";
  record.rule_ids = "pub1-secrets";
  record.clauses = "PUB-1";
  record.comment = "a film title";
  tact_store_audit_add_async (store, &record, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_audit_add_finish (store, tact_test_wait_result (&result, "audit add"), &error));
  g_clear_object (&result);
  tact_store_audit_list_async (store, 10, NULL, tact_test_store_result_cb, &result);
  rows = tact_store_audit_list_finish (store, tact_test_wait_result (&result, "audit list"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (rows->len, ==, 2);   /* the fixture's justified-send too */
  newest = rows->pdata[0];
  g_assert_cmpstr (newest->kind, ==, "false-positive");
  g_assert_cmpstr (newest->clauses, ==, "PUB-1");
  g_assert_cmpstr (newest->comment, ==, "a film title");
  g_assert_cmpstr (((TactStoreAuditRecord *) rows->pdata[1])->kind, ==, "justified-send");
  g_assert_null (((TactStoreAuditRecord *) rows->pdata[1])->clauses);

  entry.txn_id = "t-held";
  entry.room_id = "!r:x";
  entry.type = "m.room.message";
  entry.content_json = "{\"body\":\"报价\"}";
  entry.verdict = "approve";
  entry.state = TACT_SEND_STATE_AWAITING_APPROVAL;
  entry.error = "Awaiting approval from 王芳";
  tact_store_outbox_add_async (store, &entry, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_outbox_add_finish (store, tact_test_wait_result (&result, "outbox add"), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = outbox_list (store);
  read = NULL;
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (((TactOutboxEntry *) rows->pdata[i])->txn_id, "t-held") == 0)
      {
        g_assert_cmpint (((TactOutboxEntry *) rows->pdata[i])->state, ==, TACT_SEND_STATE_AWAITING_APPROVAL);
        g_assert_cmpstr (((TactOutboxEntry *) rows->pdata[i])->error, ==, "Awaiting approval from 王芳");
        read = (gpointer) rows->pdata[i];
      }
  g_assert_nonnull (read);
}

/* Version 7 exactly as a build of that version wrote it: the version-6 fixture with approvals
 * and the audit's new columns, and one approval request and one detailed audit record. */
static void
write_v7_fixture (Fixture *f)
{
  sqlite3 *db;

  write_v6_fixture (f);
  db = raw_open (f->path, f->key);
  raw_exec (db,
            "CREATE TABLE approvals (request_id TEXT PRIMARY KEY NOT NULL,"
            "  role TEXT NOT NULL CHECK (role IN ('outgoing', 'incoming')), txn_id TEXT,"
            "  room_id TEXT NOT NULL, event_id TEXT, target_room_id TEXT, sha256 TEXT NOT NULL,"
            "  approvers TEXT NOT NULL, rule_ids TEXT, requester TEXT, note TEXT, request_json TEXT,"
            "  expires_ts INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending'"
            "  CHECK (state IN ('pending', 'approved', 'rejected', 'returned', 'expired', 'cancelled')),"
            "  decided_by TEXT, decision_event_id TEXT, comment TEXT, created INTEGER NOT NULL);"
            "CREATE INDEX approvals_state ON approvals (role, state, created);"
            "ALTER TABLE audit ADD COLUMN clauses TEXT;"
            "ALTER TABLE audit ADD COLUMN content_sha256 TEXT;"
            "ALTER TABLE audit ADD COLUMN comment TEXT;"
            "ALTER TABLE audit ADD COLUMN posted INTEGER NOT NULL DEFAULT 0;"
            "INSERT INTO approvals (request_id, role, txn_id, room_id, sha256, approvers,"
            "  expires_ts, created) VALUES ('req-v7', 'outgoing', 't-just', '!approvals:x', 'ab',"
            "  '@wang.fang:x', 5000, 1000);"
            "INSERT INTO audit (ts, kind, rule_ids, action, clauses, comment)"
            "  VALUES (3000, 'false-positive', 'pub1-secrets', 'warn', 'PUB-1', 'v7 record');"
            "PRAGMA user_version = 7;");
  sqlite3_close (db);
}

static TactStoreProfileCache *
profile_cache_get (TactStore *store, const char *sha256)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  TactStoreProfileCache *entry;

  tact_store_profile_cache_get_async (store, sha256, NULL, tact_test_store_result_cb, &result);
  entry = tact_store_profile_cache_get_finish (store, tact_test_wait_result (&result, "profile cache get"),
                                               &error);
  g_assert_no_error (error);
  return entry;
}

/* A cache row whose JSON and blob are derived from @n (the blob holds the canary). */
static void
profile_cache_put (TactStore *store, guint n, gint64 created)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = g_strdup_printf ("%064x", n);
  g_autofree char *json = g_strdup_printf ("{\"id\": \"p%u\", \"terms\": [\"%s\"]}", n, CANARY);
  g_autoptr(GByteArray) blob = g_byte_array_new ();
  TactStoreProfileCache entry = { 0 };

  /* A blob with NUL bytes and the canary, a few pages long. */
  for (guint i = 0; i < 3000; i++)
    g_byte_array_append (blob, (const guint8 *) "\0\1" CANARY, 2 + strlen (CANARY));
  entry.sha256 = sha;
  entry.hs_version = "5.4.9 test";
  entry.platform = "tune=0 cpu_features=0x4";
  entry.compiled = g_byte_array_free_to_bytes (g_steal_pointer (&blob));
  entry.json = g_bytes_new (json, strlen (json));
  entry.created = created;
  tact_store_profile_cache_put_async (store, &entry, NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_store_profile_cache_put_finish (store, tact_test_wait_result (&result, "profile cache put"),
                                                      &error));
  g_assert_no_error (error);
  g_bytes_unref (entry.compiled);
  g_bytes_unref (entry.json);
}

/* Version 8: the profile cache. The version-7 rows stay; a row round-trips byte for byte (NUL
 * bytes included); the newest row is the last one put (put again: newest again); only
 * TACT_STORE_PROFILE_CACHE_KEEP rows are kept; none is NULL without an error; and the blob and
 * the JSON are encrypted on disk like everything else. */
static void
test_migration_from_v7 (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactStoreProfileCache) entry = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *sha1 = g_strdup_printf ("%064x", 1);
  g_autofree char *sha2 = g_strdup_printf ("%064x", 2);
  sqlite3 *db;

  write_v7_fixture (f);
  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  /* Empty: no row, no error. */
  g_assert_null (profile_cache_get (store, NULL));
  g_assert_null (profile_cache_get (store, sha1));

  profile_cache_put (store, 1, 1000);
  profile_cache_put (store, 2, 2000);
  entry = profile_cache_get (store, NULL);
  g_assert_nonnull (entry);
  g_assert_cmpstr (entry->sha256, ==, sha2);
  g_assert_cmpstr (entry->hs_version, ==, "5.4.9 test");
  g_assert_cmpstr (entry->platform, ==, "tune=0 cpu_features=0x4");
  g_assert_cmpint (entry->created, ==, 2000);
  g_assert_cmpuint (g_bytes_get_size (entry->compiled), ==, 3000 * (2 + strlen (CANARY)));
  g_assert_cmpmem (g_bytes_get_data (entry->compiled, NULL), 2 + strlen (CANARY),
                   "\0\1" CANARY, 2 + strlen (CANARY));
  g_assert_cmpmem (g_bytes_get_data (entry->json, NULL), g_bytes_get_size (entry->json),
                   "{\"id\": \"p2\", \"terms\": [\"" CANARY "\"]}",
                   strlen ("{\"id\": \"p2\", \"terms\": [\"" CANARY "\"]}"));
  g_clear_pointer (&entry, tact_store_profile_cache_free);

  /* By key; and put again (same ms as the other): the newest again. */
  entry = profile_cache_get (store, sha1);
  g_assert_nonnull (entry);
  g_assert_cmpstr (entry->sha256, ==, sha1);
  g_clear_pointer (&entry, tact_store_profile_cache_free);
  profile_cache_put (store, 1, 2000);
  entry = profile_cache_get (store, NULL);
  g_assert_cmpstr (entry->sha256, ==, sha1);
  g_clear_pointer (&entry, tact_store_profile_cache_free);

  /* Only the newest KEEP rows stay. */
  for (guint n = 3; n < 3 + TACT_STORE_PROFILE_CACHE_KEEP; n++)
    profile_cache_put (store, n, 3000 + n);
  g_assert_null (profile_cache_get (store, sha1));
  g_assert_null (profile_cache_get (store, sha2));
  entry = profile_cache_get (store, NULL);
  g_assert_cmpint (entry->created, ==, 3000 + 2 + TACT_STORE_PROFILE_CACHE_KEEP);

  /* The version-7 rows are all there. */
  tact_store_approval_list_async (store, NULL, tact_test_store_result_cb, &result);
  rows = tact_store_approval_list_finish (store, tact_test_wait_result (&result, "approval list"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((TactStoreApproval *) rows->pdata[0])->request_id, ==, "req-v7");
  g_clear_pointer (&rows, g_ptr_array_unref);
  tact_store_audit_list_async (store, 10, NULL, tact_test_store_result_cb, &result);
  rows = tact_store_audit_list_finish (store, tact_test_wait_result (&result, "audit list"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpstr (((TactStoreAuditRecord *) rows->pdata[0])->comment, ==, "v7 record");

  assert_no_plaintext (f->path);
  tact_store_close (store);
  g_clear_object (&store);
  assert_no_plaintext (f->path);

  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, tact_store_get_schema_version ());
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM profile_cache"), ==,
                   TACT_STORE_PROFILE_CACHE_KEEP);
  sqlite3_close (db);
}

/* A version-8 database: the version-7 fixture brought to 8 by the store's own steps, with
 * step 9 made to fail (it rolls back, leaving 8). */
static void
write_v8_fixture (Fixture *f)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  write_v7_fixture (f);
  tact_store_test_set_failing_migration (9);
  store = open_store (f->path, f->key, &error);
  tact_store_test_set_failing_migration (0);
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_MIGRATION);
  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 8);
  sqlite3_close (db);
}

static TactStoreTraining *
training_row (const char *version, guint score, gboolean passed, gint64 ts)
{
  TactStoreTraining *t = g_new0 (TactStoreTraining, 1);

  t->ts = ts;
  t->profile_id = g_strdup ("tact-default");
  t->profile_version = g_strdup (version);
  t->score = score;
  t->pass_mark = 80;
  t->passed = passed;
  t->lessons_done = 7;
  t->lessons_total = 26;
  t->module = passed ? g_strdup ("sales") : NULL;
  return t;
}

/* Version 9: the tutorial's results. The version-8 rows stay (the profile cache); results
 * come back newest first with every field, a failed attempt as well as a pass; encrypted on
 * disk like everything else. */
static void
test_migration_from_v8 (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(TactStoreTraining) failed = training_row ("4", 60, FALSE, 1000);
  g_autoptr(TactStoreTraining) passed = training_row ("5", 90, TRUE, 2000);
  const TactStoreTraining *t;
  sqlite3 *db;

  write_v8_fixture (f);
  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  tact_store_training_list_async (store, 10, NULL, tact_test_store_result_cb, &result);
  rows = tact_store_training_list_finish (store, tact_test_wait_result (&result, "training list"), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);

  tact_store_training_add_async (store, passed, NULL, tact_test_store_result_cb, &result);
  tact_store_training_add_finish (store, tact_test_wait_result (&result, "training add"), &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  tact_store_training_add_async (store, failed, NULL, tact_test_store_result_cb, &result);
  tact_store_training_add_finish (store, tact_test_wait_result (&result, "training add"), &error);
  g_clear_object (&result);
  g_assert_no_error (error);

  tact_store_training_list_async (store, 10, NULL, tact_test_store_result_cb, &result);
  rows = tact_store_training_list_finish (store, tact_test_wait_result (&result, "training list"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  t = rows->pdata[0];
  g_assert_cmpint (t->ts, ==, 2000);
  g_assert_cmpstr (t->profile_id, ==, "tact-default");
  g_assert_cmpstr (t->profile_version, ==, "5");
  g_assert_cmpuint (t->score, ==, 90);
  g_assert_cmpuint (t->pass_mark, ==, 80);
  g_assert_true (t->passed);
  g_assert_cmpuint (t->lessons_done, ==, 7);
  g_assert_cmpuint (t->lessons_total, ==, 26);
  g_assert_cmpstr (t->module, ==, "sales");
  t = rows->pdata[1];
  g_assert_cmpstr (t->profile_version, ==, "4");
  g_assert_false (t->passed);
  g_assert_null (t->module);

  assert_no_plaintext (f->path);
  tact_store_close (store);
  g_clear_object (&store);
  assert_no_plaintext (f->path);

  db = raw_open (f->path, f->key);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 9);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM profile_cache"), ==, 0);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM training"), ==, 2);
  sqlite3_close (db);
}

/* Item 7: each step is one transaction. Step N is made to fail after its SQL ran, from a
 * database at N-1: the version, the schema and the rows stay exactly as they were, and the
 * next start migrates. */
typedef struct {
  guint step;
  void (*fixture) (Fixture *f);
  const char *probe;  /* NULL, or a query whose value the failed step must not change */
} FailingStep;

static void
no_fixture (Fixture *f)
{
  g_autofree char *dir = g_path_get_dirname (f->path);
  sqlite3 *db;

  /* An empty keyed database (version 0). */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = raw_open (f->path, f->key);
  raw_exec (db, "PRAGMA user_version = 0;");
  sqlite3_close (db);
}

static void
test_migration_each_step_rolls_back (Fixture *f, gconstpointer data)
{
  static const FailingStep cases[] = {
    { 1, no_fixture, NULL },
    { 2, write_v1_fixture, NULL },
    { 3, write_v2_fixture, NULL },
    { 4, write_v3_fixture, "SELECT count(*) FROM events_fts_stat WHERE id = 2" },
    { 5, write_v4_fixture, NULL },
    { 6, write_v5_fixture, "SELECT count(*) FROM outbox" },
    { 7, write_v6_fixture, "SELECT count(*) FROM audit" },
    { 8, write_v7_fixture, "SELECT count(*) FROM approvals" },
    { 9, write_v8_fixture, "SELECT count(*) FROM approvals" },
  };

  g_assert_cmpuint (G_N_ELEMENTS (cases), ==, tact_store_get_schema_version ());
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TactStore) store = NULL;
      g_autoptr(GError) error = NULL;
      gint64 objects, events = -1, probe = -1;
      sqlite3 *db;

      tact_test_tmpdir_remove (f->dir);
      g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
      cases[i].fixture (f);
      db = raw_open (f->path, f->key);
      objects = raw_int (db, "SELECT count(*) FROM sqlite_master");
      if (cases[i].step > 1)
        events = raw_int (db, "SELECT count(*) FROM events");
      if (cases[i].probe != NULL)
        probe = raw_int (db, cases[i].probe);
      sqlite3_close (db);

      tact_store_test_set_failing_migration (cases[i].step);
      store = open_store (f->path, f->key, &error);
      tact_store_test_set_failing_migration (0);
      g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_MIGRATION);
      g_assert_null (store);

      db = raw_open (f->path, f->key);
      g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, cases[i].step - 1);
      g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master"), ==, objects);
      if (cases[i].step > 1)
        g_assert_cmpint (raw_int (db, "SELECT count(*) FROM events"), ==, events);
      if (cases[i].probe != NULL)
        g_assert_cmpint (raw_int (db, cases[i].probe), ==, probe);
      sqlite3_close (db);

      g_clear_error (&error);
      store = open_store (f->path, f->key, &error);
      g_assert_no_error (error);
      tact_store_close (store);
      db = raw_open (f->path, f->key);
      g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, tact_store_get_schema_version ());
      sqlite3_close (db);
    }
}

/* Item 8: a common word in a history bigger than SEARCH_SORT_MAX matches: the newest page,
 * by origin_server_ts (not by insertion order), through the time-index walk. */
static void
test_search_many_matches (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
  const guint n = 3000;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  g_ptr_array_add (rooms, room_row ("!r:x", "Finance"));

  /* Two batches: the second (inserted later) holds OLDER events, as back-pagination does. */
  for (guint batch = 0; batch < 2; batch++)
    {
      g_autoptr(GPtrArray) events = events_array ();

      for (guint i = 0; i < n; i++)
        {
          g_autofree char *event_id = g_strdup_printf ("$e%u-%u", batch, i);
          gint64 ts = batch == 0 ? 1000000 + i : 1000 + i;
          const char *body = i % 2 == 0 ? "the budget of 项目预算 is 机密" : "nothing here";

          g_ptr_array_add (events, message_event ("!r:x", event_id, NULL, ts, body));
        }
      g_assert_true (save_sync (store, NULL, batch == 0 ? rooms : NULL, events, &error));
      g_assert_no_error (error);
    }

  found = search (store, "预算");
  g_assert_cmpuint (found->len, ==, 50);
  for (guint i = 0; i < found->len; i++)
    {
      const TactStoreEvent *event = found->pdata[i];
      g_assert_cmpint (event->ts, ==, 1000000 + (n - 2) - 2 * i);
      g_assert_nonnull (strstr (event->body, "预算"));
    }
  g_clear_pointer (&found, g_ptr_array_unref);
  found = search (store, "BUDGET 机密");
  g_assert_cmpuint (found->len, ==, 50);
  g_assert_cmpint (((TactStoreEvent *) found->pdata[0])->ts, ==, 1000000 + n - 2);
  g_clear_pointer (&found, g_ptr_array_unref);
  found = search (store, "nothing");
  g_assert_cmpuint (found->len, ==, 50);
  g_assert_cmpint (((TactStoreEvent *) found->pdata[49])->ts, ==, 1000000 + n - 1 - 98);
}

/* Item 9: the way forward after KEY_MISSING. The files are renamed, never deleted, and a new
 * history can be created at the same path. */
static void
test_move_aside (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = events_array ();
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GBytes) new_key = make_key (99);
  g_autofree char *aside = NULL;
  g_autofree char *aside2 = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *aside_wal = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize size_before = 0, size_after = 0;

  /* Nothing to move. */
  aside = tact_store_move_aside (f->path, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (aside);
  g_clear_error (&error);

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  g_ptr_array_add (events, message_event ("!r:x", "$old", NULL, 10, "old history"));
  g_assert_true (save_sync (store, "s1", NULL, events, &error));
  tact_store_close (store);
  g_clear_object (&store);
  /* A -wal left by a crash must travel with its database. */
  g_assert_true (g_file_set_contents (wal, "", 0, NULL));
  before = file_sha256 (f->path, &size_before);

  aside = tact_store_move_aside (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (aside);
  g_assert_true (g_str_has_prefix (aside, f->path));
  g_assert_nonnull (strstr (aside, ".unreadable-"));
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  aside_wal = g_strconcat (aside, "-wal", NULL);
  g_assert_true (g_file_test (aside_wal, G_FILE_TEST_EXISTS));
  after = file_sha256 (aside, &size_after);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (size_before, ==, size_after);

  /* A new history at the same path, with a new key. */
  store = open_store (f->path, new_key, &error);
  g_assert_no_error (error);
  found = search (store, "history");
  g_assert_cmpuint (found->len, ==, 0);
  tact_store_close (store);

  /* Moving aside again (same second) picks a different name. */
  aside2 = tact_store_move_aside (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (aside, !=, aside2);
  g_free (after);
  after = file_sha256 (aside, &size_after);
  g_assert_cmpstr (before, ==, after);
}

/* Write performance: the per-event statements of save_sync open no statement journal. If
 * they did, each one would also open a savepoint on events_fts, and FTS4 flushes its pending
 * terms into a new segment at every savepoint: one segment per event instead of one per
 * transaction (and, encrypted, an AES+HMAC page copy per touched page; docs/database.md). */
static void
test_save_sync_one_fts_flush (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms = rooms_array ();
  g_autoptr(GPtrArray) events = events_array ();
  g_autofree char *segments = NULL;
  g_autofree char *stored = NULL;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  g_ptr_array_add (rooms, room_row ("!a:x", "A"));
  g_ptr_array_add (rooms, room_row ("!b:x", "B"));
  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *event_id = g_strdup_printf ("$flush%u", i);
      g_autofree char *body = g_strdup_printf ("message %u 会议预算", i);

      g_ptr_array_add (events, message_event (i % 2 ? "!a:x" : "!b:x", event_id,
                                              i == 7 ? "txn7" : NULL, 1000 + i, body));
    }
  g_assert_true (save_sync (store, "s1", rooms, events, &error));
  g_assert_no_error (error);

  stored = store_read (store, "SELECT count(*) FROM events");
  g_assert_cmpstr (stored, ==, "40");
  segments = store_read (store, "SELECT count(*) FROM events_fts_segdir");
  g_assert_cmpstr (segments, ==, "1");
}

/* save_sync writes a room as UPDATE OR FAIL, then INSERT OR FAIL when it is new (not INSERT OR
 * REPLACE, whose statement journal made every room row cost ~3 extra page encryptions;
 * docs/database.md). The result must be what REPLACE gave: every field replaced, last_ts never
 * moving backwards, one row per room, and a room without an id failing the whole batch. */
static void
test_save_sync_room_again (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rooms = rooms_array ();
  g_autoptr(GPtrArray) listed = NULL;
  g_autofree char *count = NULL;
  g_autofree char *token = NULL;
  TactStoreRoom *room, *row;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);

  room = room_row ("!r:x", "Old name");
  room->topic = g_strdup ("old topic");
  room->prev_batch = g_strdup ("p1");
  room->last_ts = 500;
  g_ptr_array_add (rooms, room);
  g_assert_true (save_sync (store, "s1", rooms, NULL, &error));
  g_assert_no_error (error);

  /* Again, every field changed, an older last_ts and no membership (stored as join). */
  g_ptr_array_set_size (rooms, 0);
  room = room_row ("!r:x", "New name");
  g_clear_pointer (&room->membership, g_free);
  room->is_direct = TRUE;
  room->member_count = 7;
  room->external_count = 2;
  room->prev_batch = g_strdup ("p2");
  room->last_ts = 100;
  g_ptr_array_add (rooms, room);
  g_assert_true (save_sync (store, "s2", rooms, NULL, &error));
  g_assert_no_error (error);

  listed = list_rooms (store);
  g_assert_cmpuint (listed->len, ==, 1);
  row = listed->pdata[0];
  g_assert_cmpstr (row->name, ==, "New name");
  g_assert_null (row->topic);
  g_assert_cmpstr (row->membership, ==, "join");
  g_assert_true (row->is_direct);
  g_assert_cmpuint (row->member_count, ==, 7);
  g_assert_cmpuint (row->external_count, ==, 2);
  g_assert_cmpstr (row->prev_batch, ==, "p2");
  g_assert_cmpint (row->last_ts, ==, 500);
  g_clear_pointer (&listed, g_ptr_array_unref);

  /* A newer last_ts moves it; the token row is updated, not duplicated. */
  room->last_ts = 900;
  g_assert_true (save_sync (store, "s3", rooms, NULL, &error));
  g_assert_no_error (error);
  listed = list_rooms (store);
  g_assert_cmpint (((TactStoreRoom *) listed->pdata[0])->last_ts, ==, 900);
  g_clear_pointer (&listed, g_ptr_array_unref);
  token = get_token (store);
  g_assert_cmpstr (token, ==, "s3");
  g_clear_pointer (&token, g_free);
  count = store_read (store, "SELECT count(*) FROM meta WHERE key = 'sync_token'");
  g_assert_cmpstr (count, ==, "1");
  g_clear_pointer (&count, g_free);

  /* A room without an id fails the batch as a whole: the room saved before it in the same
   * batch and the token are rolled back. */
  g_ptr_array_set_size (rooms, 0);
  room = room_row ("!r:x", "Rolled back");
  g_ptr_array_add (rooms, room);
  g_ptr_array_add (rooms, room_row (NULL, "No id"));
  g_assert_false (save_sync (store, "s4", rooms, NULL, &error));
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_SQL);
  g_clear_error (&error);
  listed = list_rooms (store);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpstr (((TactStoreRoom *) listed->pdata[0])->name, ==, "New name");
  token = get_token (store);
  g_assert_cmpstr (token, ==, "s3");
  count = store_read (store, "SELECT count(*) FROM rooms");
  g_assert_cmpstr (count, ==, "1");
}

/* Security regression: a redacted message must not stay readable or searchable. */
static void
test_redaction_strips_text (Fixture *f, gconstpointer data)
{
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = events_array ();
  g_autoptr(GPtrArray) redaction = events_array ();
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *fts = NULL;
  TactStoreEvent *event;

  store = open_store (f->path, f->key, &error);
  g_assert_no_error (error);
  event = message_event ("!r:x", "$secret", NULL, 10, "机密 salary figures");
  g_free (event->json);
  event->json = g_strdup ("{\"event_id\":\"$secret\",\"type\":\"m.room.message\","
                          "\"content\":{\"body\":\"机密 salary figures\"}}");
  g_ptr_array_add (events, event);
  g_ptr_array_add (events, message_event ("!r:x", "$kept", NULL, 20, "salary day is friday"));
  g_assert_true (save_sync (store, "s1", NULL, events, &error));
  g_assert_no_error (error);

  event = message_event ("!r:x", "$redaction", NULL, 30, NULL);
  g_free (event->type);
  event->type = g_strdup ("m.room.redaction");
  event->redacts = g_strdup ("$secret");
  g_ptr_array_add (redaction, event);
  g_assert_true (save_sync (store, "s2", NULL, redaction, &error));
  g_assert_no_error (error);

  found = search (store, "机密");
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);
  found = search (store, "salary");
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((TactStoreEvent *) found->pdata[0])->event_id, ==, "$kept");
  rows = load_timeline (store, "!r:x", 0, 10);
  for (guint i = 0; i < rows->len; i++)
    {
      TactStoreEvent *row = rows->pdata[i];
      if (g_strcmp0 (row->event_id, "$secret") != 0)
        continue;
      g_assert_null (row->body);
      g_assert_null (strstr (row->json, "salary"));
      g_assert_nonnull (strstr (row->json, "\"redacted_by\":\"$redaction\""));
    }
  fts = store_read (store, "SELECT count(*) FROM events_fts WHERE docid = (SELECT id FROM events WHERE event_id = '$secret')");
  g_assert_cmpstr (fts, ==, "0");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  g_test_add_func ("/store/fts/tokens", test_fts_tokens);
  ADD ("/store/open/create-reopen", test_open_create_reopen);
  ADD ("/store/open/closed", test_closed);
  ADD ("/store/open/bad-key-length", test_bad_key_length);
  ADD ("/store/open/unref-with-queued-jobs", test_unref_with_queued_jobs);
  ADD ("/store/migrations/from-v1-fixture", test_migration_from_v1);
  ADD ("/store/migrations/failure-rolls-back", test_migration_failure_rolls_back);
  ADD ("/store/migrations/from-v2-fixture", test_migration_from_v2);
  ADD ("/store/migrations/from-v3-fixture", test_migration_from_v3);
  ADD ("/store/migrations/from-v4-fixture", test_migration_from_v4);
  ADD ("/store/migrations/from-v5-fixture", test_migration_from_v5);
  ADD ("/store/migrations/from-v6-fixture", test_migration_from_v6);
  ADD ("/store/migrations/from-v7-fixture", test_migration_from_v7);
  ADD ("/store/migrations/from-v8-fixture", test_migration_from_v8);
  ADD ("/store/migrations/each-step-rolls-back", test_migration_each_step_rolls_back);
  ADD ("/store/open/pragmas", test_pragmas);
  ADD ("/store/open/move-aside", test_move_aside);
  ADD ("/store/search/many-matches-newest-first", test_search_many_matches);
  ADD ("/store/migrations/too-new", test_too_new);
  ADD ("/store/security/no-plaintext-on-disk", test_no_plaintext_on_disk);
  ADD ("/store/security/wrong-key", test_wrong_key);
  ADD ("/store/security/not-a-database", test_not_a_database);
  ADD ("/store/sync/reconcile-by-txn-id", test_reconcile_by_txn_id);
  ADD ("/store/sync/token-atomic", test_sync_token_atomic);
  ADD ("/store/sync/dedup-by-event-id", test_dedup_by_event_id);
  ADD ("/store/sync/one-fts-flush-per-transaction", test_save_sync_one_fts_flush);
  ADD ("/store/sync/room-saved-again", test_save_sync_room_again);
  ADD ("/store/timeline/paging", test_timeline_paging);
  ADD ("/store/search/chinese-and-latin", test_search);
  ADD ("/store/outbox/order-update-remove", test_outbox);
  ADD ("/store/outbox/audit", test_outbox_audit);
  ADD ("/store/security/redaction-strips-text", test_redaction_strips_text);
#undef ADD

  return g_test_run ();
}
