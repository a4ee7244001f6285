/* tact-store-private.h: intra-module API of src/store (worker-side helpers, migrations,
 * full-text tokenisation) and hooks for tests. Nothing outside src/store and tests/store
 * includes this.
 *
 * Everything taking a sqlite3 * runs on the store's worker thread only.
 */
#pragma once

#include <sqlite3.h>

#include "tact-store.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* ---- Opening and worker calls (tact-store.c) --------------------------------- */

typedef enum {
  TACT_STORE_OPEN_DEFAULT     = 0,
  /* Benchmarks only: no key and no encryption (plain SQLite through the same code path), so
   * that the cost of SQLCipher can be measured. Requires key == NULL. */
  TACT_STORE_OPEN_UNENCRYPTED = 1 << 0,
} TactStoreOpenFlags;

/* tact_store_open_async() with options; complete with tact_store_open_finish(). */
void     tact_store_open_full_async (const char *path, GBytes *key, TactStoreOpenFlags flags,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);

/* Runs @func on the worker thread, in queue order, with the open handle (tests read pragmas
 * with it; benchmarks time internals). @func_data is borrowed until the task completes. */
typedef gboolean (*TactStoreWorkerFunc) (sqlite3 *db, gpointer func_data, GError **error);
void     tact_store_call_async  (TactStore *self, TactStoreWorkerFunc func, gpointer func_data,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_store_call_finish (TactStore *self, GAsyncResult *result, GError **error);

/* ---- SQL helpers (tact-store-migrations.c) ----------------------------------- */

/* Sets a TACT_STORE_ERROR_SQL error "what: <sqlite message>". The SQLite message never
 * contains bound values (bodies, tokens), only table and column names. */
void     tact_store_set_sql_error (GError **error, sqlite3 *db, const char *what);
/* Runs one or more statements without results. */
gboolean tact_store_exec (sqlite3 *db, const char *sql, GError **error);
/* NULL-safe text in and out; prepare with an error; step a statement that returns no rows
 * (then reset it); roll back an open transaction (returns FALSE, for `return rollback (db)`). */
void     tact_store_bind_text  (sqlite3_stmt *stmt, int index, const char *text);
char    *tact_store_column_dup (sqlite3_stmt *stmt, int index);
gboolean tact_store_prepare    (sqlite3 *db, const char *sql, sqlite3_stmt **stmt, GError **error);
gboolean tact_store_step_done  (sqlite3 *db, sqlite3_stmt *stmt, const char *what, GError **error);
gboolean tact_store_rollback   (sqlite3 *db);
/* Reads PRAGMA user_version. */
gboolean tact_store_get_user_version (sqlite3 *db, guint *version, GError **error);

/* ---- Migrations (tact-store-migrations.c) ------------------------------------ */

/* Reads user_version; fails with TACT_STORE_ERROR_TOO_NEW when it is newer than this build. */
gboolean tact_store_check_version (sqlite3 *db, guint *version, GError **error);
/* Brings the database from its user_version to tact_store_get_schema_version(), one
 * transaction per step. A failing step is rolled back (TACT_STORE_ERROR_MIGRATION) and
 * leaves the database at the previous version. A newer database fails with
 * TACT_STORE_ERROR_TOO_NEW without writing. */
gboolean tact_store_migrate (sqlite3 *db, GError **error);

/* Test hook: make migration step @version fail after its SQL ran but before it commits
 * (0 = off). Used to prove that a failing step leaves no trace. */
void     tact_store_test_set_failing_migration (guint version);

/* ---- Full-text search (tact-store-fts.c) ------------------------------------ */

/* The token string stored in events_fts for @text: NFKC-normalised and case-folded words for
 * alphabetic scripts, overlapping character bigrams for CJK runs (plus the run's last
 * character alone, so that every single character can be found by prefix), separated by
 * spaces. Returns "" for text without tokens. */
char    *tact_store_fts_tokens (const char *text);
/* The FTS4 MATCH expression for a user's @query, tokenised the same way: every word must
 * occur, every CJK run must occur as a contiguous phrase of bigrams. NULL when the query has
 * no searchable token. */
char    *tact_store_fts_query (const char *query);
/* Registers the SQL function tact_fts_tokens(text) on @db (used by migration 2 and by
 * event inserts). */
gboolean tact_store_fts_register (sqlite3 *db, GError **error);

/* ---- Keyring (tact-secrets.c) ------------------------------------------------ */

/* Test hook: maps a libsecret/D-Bus error (taking @source) to the TACT_STORE_ERROR the store
 * reports, as every keyring call does. */
void     tact_secrets_test_map_error (GError **error, GError *source, GCancellable *cancellable);

G_END_DECLS
