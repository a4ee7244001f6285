/* tact-store-migrations.c: the schema, one migration step per version (docs/database.md).
 *
 * Rules:
 *   - PRAGMA user_version is the schema version; 0 is an empty (new) database.
 *   - Step N takes the database from version N-1 to N. It runs inside ONE transaction
 *     (BEGIN IMMEDIATE … PRAGMA user_version = N … COMMIT); any failure rolls the whole
 *     step back, so the database stays at N-1, exactly as it was.
 *   - A released step is never edited: a fix is a new step.
 *   - SQL must work on SQLCipher 3.4 (SQLite 3.15: FTS4, no FTS5, no JSON1, no UPSERT,
 *     no ALTER TABLE RENAME COLUMN) as well as on SQLCipher 4.
 */
#include "tact-store-private.h"
#include <glib/gi18n-lib.h>

typedef struct {
  guint version;
  const char *description;
  gboolean (*apply) (sqlite3 *db, GError **error);
} MigrationStep;

static guint failing_migration;  /* test hook, read with g_atomic_int_get */

void
tact_store_set_sql_error (GError **error, sqlite3 *db, const char *what)
{
  g_set_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_SQL, "%s: %s",
               what, db ? sqlite3_errmsg (db) : "no database");
}

gboolean
tact_store_exec (sqlite3 *db, const char *sql, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_SQL, "%s",
                   message ? message : sqlite3_errmsg (db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

gboolean
tact_store_get_user_version (sqlite3 *db, guint *version, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      tact_store_set_sql_error (error, db, "Could not read the schema version");
      return FALSE;
    }
  *version = (guint) sqlite3_column_int (stmt, 0);
  return TRUE;
}

/* ---- Version 1: rooms, events, outbox, meta, audit ---------------------------- */

static gboolean
migrate_to_1 (sqlite3 *db, GError **error)
{
  static const char sql[] =
    "CREATE TABLE rooms ("
    "  room_id        TEXT PRIMARY KEY NOT NULL,"
    "  name           TEXT,"
    "  topic          TEXT,"
    "  membership     TEXT NOT NULL DEFAULT 'join',"
    "  is_direct      INTEGER NOT NULL DEFAULT 0,"
    "  member_count   INTEGER NOT NULL DEFAULT 0,"
    "  external_count INTEGER NOT NULL DEFAULT 0,"
    "  prev_batch     TEXT,"
    "  last_ts        INTEGER NOT NULL DEFAULT 0"
    ");"
    /* id is INTEGER PRIMARY KEY so the rowid is stable across VACUUM (events_fts uses it). */
    "CREATE TABLE events ("
    "  id        INTEGER PRIMARY KEY,"
    "  room_id   TEXT NOT NULL,"
    "  event_id  TEXT NOT NULL UNIQUE,"
    "  txn_id    TEXT,"
    "  sender    TEXT NOT NULL,"
    "  type      TEXT NOT NULL,"
    "  state_key TEXT,"
    "  ts        INTEGER NOT NULL,"
    "  body      TEXT,"
    "  json      TEXT NOT NULL"
    ");"
    "CREATE INDEX events_room_ts ON events (room_id, ts);"
    "CREATE TABLE outbox ("
    "  txn_id        TEXT PRIMARY KEY NOT NULL,"
    "  room_id       TEXT NOT NULL,"
    "  type          TEXT NOT NULL,"
    "  content_json  TEXT NOT NULL,"
    "  justification TEXT,"
    "  verdict       TEXT,"
    "  state         TEXT NOT NULL DEFAULT 'pending'"
    "                CHECK (state IN ('pending', 'sent', 'failed')),"
    "  event_id      TEXT,"
    "  error         TEXT,"
    "  created       INTEGER NOT NULL,"
    "  attempts      INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX outbox_state_created ON outbox (state, created);"
    "CREATE TABLE meta ("
    "  key   TEXT PRIMARY KEY NOT NULL,"
    "  value TEXT"
    ");"
    "CREATE TABLE audit ("
    "  id            INTEGER PRIMARY KEY,"
    "  ts            INTEGER NOT NULL,"
    "  kind          TEXT NOT NULL,"
    "  room_id       TEXT,"
    "  txn_id        TEXT,"
    "  rule_ids      TEXT,"
    "  action        TEXT,"
    "  justification TEXT"
    ");";

  return tact_store_exec (db, sql, error);
}

/* ---- Version 2: full-text search over event bodies ----------------------------- */

static gboolean
migrate_to_2 (sqlite3 *db, GError **error)
{
  /* docid = events.id; tokens = tact_fts_tokens(body) (tact-store-fts.c). The insert path is in
   * C (save_sync) because the tokenizer is ours; deletion is plain SQL so that it also works
   * from tools that do not have our function. */
  static const char sql[] =
    "CREATE VIRTUAL TABLE events_fts USING fts4 (tokens);"
    "INSERT INTO events_fts (docid, tokens)"
    "  SELECT id, tact_fts_tokens (body) FROM events WHERE body IS NOT NULL;"
    "CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN"
    "  DELETE FROM events_fts WHERE docid = old.id;"
    "END;";

  return tact_store_exec (db, sql, error);
}

/* ---- Version 3: newest-first search over a large history ------------------------ */

static gboolean
migrate_to_3 (sqlite3 *db, GError **error)
{
  /* Search walks this index newest first and stops after one page of matches, instead of
   * sorting every match of a common word by time (docs/database.md, "Search"). The index
   * holds (ts, rowid), so the walk reads no table rows. */
  static const char sql[] =
    "CREATE INDEX events_ts ON events (ts);";

  return tact_store_exec (db, sql, error);
}

/* ---- Version 4: incremental FTS4 merges ---------------------------------------- */

static gboolean
migrate_to_4 (sqlite3 *db, GError **error)
{
  /* By default FTS4 merges a level's 16 segments into one inside the transaction that adds
   * the 16th: with a big history that single save_sync rewrites a large part of the index
   * (and, with secure_delete, zeroes the old pages), all encrypted page by page. automerge=8
   * makes FTS4 merge a little after every transaction instead, in proportion to what it
   * added (docs/database.md, "Write performance"). The setting is stored in events_fts_stat,
   * so it holds for every connection, and for tools, from now on. SQLite >= 3.7.15. */
  static const char sql[] =
    "INSERT INTO events_fts (events_fts) VALUES ('automerge=8');";

  return tact_store_exec (db, sql, error);
}

/* ---- Version 5: unread counts per room ------------------------------------------ */

static gboolean
migrate_to_5 (sqlite3 *db, GError **error)
{
  /* The sync's unread_notifications, so the room list shows them before the first sync of
   * a run. ADD COLUMN with a constant default works on SQLite 3.15; existing rows get 0. */
  static const char sql[] =
    "ALTER TABLE rooms ADD COLUMN notification_count INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE rooms ADD COLUMN highlight_count INTEGER NOT NULL DEFAULT 0;";

  return tact_store_exec (db, sql, error);
}

/* ---- Version 6: outbox states for review and approval; the decided rules kept ----- */

static gboolean
migrate_to_6 (sqlite3 *db, GError **error)
{
  /* SQLite 3.15 cannot alter a CHECK constraint: the table is rebuilt (new table, copy, drop,
   * rename), inside the step's transaction. 'held': the guard's verdict became stricter before a
   * transmission and the person must decide again; 'awaiting-approval': held until an approver
   * decides (docs/approval-protocol.md). rule_ids: the rules the person decided on, so a later
   * check can tell a stricter verdict from the same one. */
  static const char sql[] =
    "CREATE TABLE outbox_v6 ("
    "  txn_id        TEXT PRIMARY KEY NOT NULL,"
    "  room_id       TEXT NOT NULL,"
    "  type          TEXT NOT NULL,"
    "  content_json  TEXT NOT NULL,"
    "  justification TEXT,"
    "  verdict       TEXT,"
    "  state         TEXT NOT NULL DEFAULT 'pending'"
    "                CHECK (state IN ('pending', 'sent', 'failed', 'held', 'awaiting-approval')),"
    "  event_id      TEXT,"
    "  error         TEXT,"
    "  created       INTEGER NOT NULL,"
    "  attempts      INTEGER NOT NULL DEFAULT 0,"
    "  rule_ids      TEXT"
    ");"
    "INSERT INTO outbox_v6 (rowid, txn_id, room_id, type, content_json, justification, verdict,"
    "                       state, event_id, error, created, attempts, rule_ids)"
    "  SELECT o.rowid, o.txn_id, o.room_id, o.type, o.content_json, o.justification, o.verdict,"
    "         o.state, o.event_id, o.error, o.created, o.attempts,"
    /* The audit table recorded the rules of justified and warned sends. */
    "         (SELECT a.rule_ids FROM audit a WHERE a.txn_id = o.txn_id ORDER BY a.id DESC LIMIT 1)"
    "  FROM outbox o;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_v6 RENAME TO outbox;"
    "CREATE INDEX outbox_state_created ON outbox (state, created);";

  return tact_store_exec (db, sql, error);
}

/* ---- Version 7: approval requests, and audit records for supervisors ---------------- */

static gboolean
migrate_to_7 (sqlite3 *db, GError **error)
{
  /* approvals: both sides of docs/approval-protocol.md (role 'outgoing': our request for a held
   * outbox row; 'incoming': a request addressed to us). The audit gets what a supervisor needs:
   * the clauses, a hash of the content, a comment (a false-positive report's), and whether the
   * record has been posted to the supervision room. ADD COLUMN with constant defaults works on
   * SQLite 3.15. */
  static const char sql[] =
    "CREATE TABLE approvals ("
    "  request_id        TEXT PRIMARY KEY NOT NULL,"
    "  role              TEXT NOT NULL CHECK (role IN ('outgoing', 'incoming')),"
    "  txn_id            TEXT,"
    "  room_id           TEXT NOT NULL,"
    "  event_id          TEXT,"
    "  target_room_id    TEXT,"
    "  sha256            TEXT NOT NULL,"
    "  approvers         TEXT NOT NULL,"
    "  rule_ids          TEXT,"
    "  requester         TEXT,"
    "  note              TEXT,"
    "  request_json      TEXT,"
    "  expires_ts        INTEGER NOT NULL,"
    "  state             TEXT NOT NULL DEFAULT 'pending'"
    "                    CHECK (state IN ('pending', 'approved', 'rejected', 'returned',"
    "                                     'expired', 'cancelled')),"
    "  decided_by        TEXT,"
    "  decision_event_id TEXT,"
    "  comment           TEXT,"
    "  created           INTEGER NOT NULL"
    ");"
    "CREATE INDEX approvals_state ON approvals (role, state, created);"
    "ALTER TABLE audit ADD COLUMN clauses TEXT;"
    "ALTER TABLE audit ADD COLUMN content_sha256 TEXT;"
    "ALTER TABLE audit ADD COLUMN comment TEXT;"
    "ALTER TABLE audit ADD COLUMN posted INTEGER NOT NULL DEFAULT 0;";

  return tact_store_exec (db, sql, error);
}

/* ---- Version 8: the compiled cache of the active profile ------------------------------ */

static gboolean
migrate_to_8 (sqlite3 *db, GError **error)
{
  /* One row per profile (docs/profile.md, "The compiled cache"): its JSON, so an offline start
   * can load the last active one, and what compiling it produced (tact_profile_dup_compiled),
   * with the keys the blob is tied to. The blob's own header is what decides; the key columns
   * are for lookups and for reading the table by hand. Here, in the encrypted database, and
   * nowhere else: a replaceable cache would be a way around the guard. */
  static const char sql[] =
    "CREATE TABLE profile_cache ("
    "  sha256     TEXT PRIMARY KEY NOT NULL,"
    "  hs_version TEXT NOT NULL,"
    "  platform   TEXT NOT NULL,"
    "  compiled   BLOB NOT NULL,"
    "  json       BLOB NOT NULL,"
    "  created    INTEGER NOT NULL"
    ");"
    "CREATE INDEX profile_cache_created ON profile_cache (created);";

  return tact_store_exec (db, sql, error);
}

static gboolean
migrate_to_9 (sqlite3 *db, GError **error)
{
  /* The policy tutorial's completions (issue 9, docs/database.md): one row per quiz taken,
   * passed or not; whether one still counts is the profile's business (training section). */
  static const char sql[] =
    "CREATE TABLE training ("
    "  id              INTEGER PRIMARY KEY,"
    "  ts              INTEGER NOT NULL,"
    "  profile_id      TEXT NOT NULL,"
    "  profile_version TEXT NOT NULL,"
    "  score           INTEGER NOT NULL,"
    "  pass_mark       INTEGER NOT NULL,"
    "  passed          INTEGER NOT NULL,"
    "  lessons_done    INTEGER NOT NULL,"
    "  lessons_total   INTEGER NOT NULL,"
    "  module          TEXT"
    ");"
    "CREATE INDEX training_ts ON training (ts);";

  return tact_store_exec (db, sql, error);
}

static const MigrationStep steps[] = {
  { 1, "rooms, events, outbox, meta, audit", migrate_to_1 },
  { 2, "full-text search (FTS4, CJK bigrams)", migrate_to_2 },
  { 3, "time index for search", migrate_to_3 },
  { 4, "incremental full-text index merges", migrate_to_4 },
  { 5, "unread counts per room", migrate_to_5 },
  { 6, "outbox review and approval states", migrate_to_6 },
  { 7, "approval requests and audit details", migrate_to_7 },
  { 8, "compiled profile cache", migrate_to_8 },
  { 9, "policy tutorial completions", migrate_to_9 },
};

guint
tact_store_get_schema_version (void)
{
  return G_N_ELEMENTS (steps);
}

void
tact_store_test_set_failing_migration (guint version)
{
  g_atomic_int_set (&failing_migration, version);
}

static gboolean
run_step (sqlite3 *db, const MigrationStep *step, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *set_version = NULL;

  if (!tact_store_exec (db, "BEGIN IMMEDIATE", &local_error))
    goto failed;

  if (!step->apply (db, &local_error))
    goto rollback;

  if ((guint) g_atomic_int_get (&failing_migration) == step->version)
    {
      g_set_error_literal (&local_error, TACT_STORE_ERROR, TACT_STORE_ERROR_SQL,
                           "failure injected by a test");
      goto rollback;
    }

  set_version = g_strdup_printf ("PRAGMA user_version = %u", step->version);
  if (!tact_store_exec (db, set_version, &local_error) ||
      !tact_store_exec (db, "COMMIT", &local_error))
    goto rollback;

  g_debug ("Migrated the history database to version %u (%s)", step->version,
           step->description);
  return TRUE;

rollback:
  /* A failed COMMIT may already have ended the transaction: ignore ROLLBACK's own error. */
  if (!sqlite3_get_autocommit (db))
    tact_store_exec (db, "ROLLBACK", NULL);
failed:
  g_set_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_MIGRATION,
               _("Could not upgrade the history database to version %u (%s); nothing was "
                 "changed: %s"), step->version, step->description, local_error->message);
  return FALSE;
}

gboolean
tact_store_check_version (sqlite3 *db, guint *version, GError **error)
{
  if (!tact_store_get_user_version (db, version, error))
    return FALSE;

  if (*version > tact_store_get_schema_version ())
    {
      g_set_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_TOO_NEW,
                   _("The history database was written by a newer version of Tact (schema "
                     "version %u; this version understands up to %u). It was left unchanged."),
                   *version, tact_store_get_schema_version ());
      return FALSE;
    }
  return TRUE;
}

gboolean
tact_store_migrate (sqlite3 *db, GError **error)
{
  guint version = 0;

  if (!tact_store_check_version (db, &version, error))
    return FALSE;

  for (guint i = version; i < G_N_ELEMENTS (steps); i++)
    {
      g_assert (steps[i].version == i + 1);
      if (!run_step (db, &steps[i], error))
        return FALSE;
    }
  return TRUE;
}

/* ---- Statement helpers (shared by the worker-side files) ------------------------- */

/* Column helpers: NULL-safe text in and out. */
void
tact_store_bind_text (sqlite3_stmt *stmt, int index, const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

char *
tact_store_column_dup (sqlite3_stmt *stmt, int index)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, index));
}

gboolean
tact_store_prepare (sqlite3 *db, const char *sql, sqlite3_stmt **stmt, GError **error)
{
  if (sqlite3_prepare_v2 (db, sql, -1, stmt, NULL) != SQLITE_OK)
    {
      tact_store_set_sql_error (error, db, "Could not prepare a query");
      return FALSE;
    }
  return TRUE;
}

/* Steps a statement that returns no rows; resets it for the next use. */
gboolean
tact_store_step_done (sqlite3 *db, sqlite3_stmt *stmt, const char *what, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, db, what);
      return FALSE;
    }
  return TRUE;
}

gboolean
tact_store_rollback (sqlite3 *db)
{
  if (!sqlite3_get_autocommit (db))
    tact_store_exec (db, "ROLLBACK", NULL);
  return FALSE;
}
