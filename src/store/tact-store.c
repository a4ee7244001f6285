/* tact-store.c: the encrypted history database and its worker thread.
 *
 * One worker thread owns the sqlite3 handle. Every public call packs its arguments into a
 * typed state struct (the GTask's task data), pushes a Job {kind, task} on a GAsyncQueue and
 * returns; the worker pops jobs in order, runs the SQL and completes the GTask, which GIO
 * delivers on the caller's thread-default main context. The main thread never touches SQLite.
 *
 * Lifetime: the worker's own state (the handle, the queue) lives in a Worker struct that the
 * thread frees when it exits, not in the TactStore. The worker drops its reference to each
 * GTask after completing it, and that may be the last reference to the store (the task's
 * source object): the store is then finalised on the worker thread, which it handles by
 * queueing the QUIT job and detaching instead of joining itself.
 */
#include "tact-store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK (tact-store-error-quark, tact_store_error)

/* ---- Rows ------------------------------------------------------------------ */

TactStoreRoom *
tact_store_room_copy (const TactStoreRoom *room)
{
  TactStoreRoom *copy = g_new0 (TactStoreRoom, 1);

  *copy = *room;
  copy->room_id = g_strdup (room->room_id);
  copy->name = g_strdup (room->name);
  copy->topic = g_strdup (room->topic);
  copy->membership = g_strdup (room->membership);
  copy->prev_batch = g_strdup (room->prev_batch);
  return copy;
}

void
tact_store_room_free (TactStoreRoom *room)
{
  if (room == NULL)
    return;
  g_free (room->room_id);
  g_free (room->name);
  g_free (room->topic);
  g_free (room->membership);
  g_free (room->prev_batch);
  g_free (room);
}

TactStoreEvent *
tact_store_event_copy (const TactStoreEvent *event)
{
  TactStoreEvent *copy = g_new0 (TactStoreEvent, 1);

  *copy = *event;
  copy->room_id = g_strdup (event->room_id);
  copy->event_id = g_strdup (event->event_id);
  copy->txn_id = g_strdup (event->txn_id);
  copy->sender = g_strdup (event->sender);
  copy->type = g_strdup (event->type);
  copy->state_key = g_strdup (event->state_key);
  copy->body = g_strdup (event->body);
  copy->json = g_strdup (event->json);
  copy->redacts = g_strdup (event->redacts);
  copy->error = g_strdup (event->error);
  return copy;
}

void
tact_store_event_free (TactStoreEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->room_id);
  g_free (event->event_id);
  g_free (event->txn_id);
  g_free (event->sender);
  g_free (event->type);
  g_free (event->state_key);
  g_free (event->body);
  g_free (event->json);
  g_free (event->redacts);
  g_free (event->error);
  g_free (event);
}

TactOutboxEntry *
tact_outbox_entry_copy (const TactOutboxEntry *entry)
{
  TactOutboxEntry *copy = g_new0 (TactOutboxEntry, 1);

  *copy = *entry;
  copy->txn_id = g_strdup (entry->txn_id);
  copy->room_id = g_strdup (entry->room_id);
  copy->type = g_strdup (entry->type);
  copy->content_json = g_strdup (entry->content_json);
  copy->justification = g_strdup (entry->justification);
  copy->verdict = g_strdup (entry->verdict);
  copy->rule_ids = g_strdup (entry->rule_ids);
  copy->event_id = g_strdup (entry->event_id);
  copy->error = g_strdup (entry->error);
  return copy;
}

void
tact_outbox_entry_free (TactOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->txn_id);
  g_free (entry->room_id);
  g_free (entry->type);
  g_free (entry->content_json);
  g_free (entry->justification);
  g_free (entry->verdict);
  g_free (entry->rule_ids);
  g_free (entry->event_id);
  g_free (entry->error);
  g_free (entry);
}

/* Send states are stored in outbox.state as text ('pending', 'sent', 'failed') so that the
 * schema does not depend on the order of the public enum. */
static TactSendState
send_state_from_string (const char *state)
{
  if (g_strcmp0 (state, "sent") == 0)
    return TACT_SEND_STATE_SENT;
  if (g_strcmp0 (state, "failed") == 0)
    return TACT_SEND_STATE_FAILED;
  if (g_strcmp0 (state, "held") == 0)
    return TACT_SEND_STATE_HELD;
  if (g_strcmp0 (state, "awaiting-approval") == 0)
    return TACT_SEND_STATE_AWAITING_APPROVAL;
  return TACT_SEND_STATE_PENDING;
}

/* ---- Jobs -------------------------------------------------------------------- */

typedef enum {
  JOB_OPEN,
  JOB_SAVE_SYNC,
  JOB_GET_META,
  JOB_SET_META,
  JOB_LIST_ROOMS,
  JOB_LOAD_TIMELINE,
  JOB_OUTBOX_ADD,
  JOB_OUTBOX_UPDATE,
  JOB_OUTBOX_REMOVE,
  JOB_OUTBOX_LIST,
  JOB_OUTBOX_HOLD,
  JOB_OUTBOX_REDECIDE,
  JOB_SEARCH,
  JOB_CALL,
  JOB_QUIT,
} JobKind;

/* One queued request. Its arguments are the task data, typed by kind (the structs below). */
typedef struct {
  JobKind kind;
  GTask *task;  /* owned; NULL for JOB_QUIT */
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_free (job);
}

typedef struct {
  char *path;
  GBytes *key;  /* the raw key, wiped by its free function (see open_async); NULL unencrypted */
  TactStoreOpenFlags flags;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->path);
  g_clear_pointer (&data->key, g_bytes_unref);
  g_free (data);
}

/* JOB_CALL: a worker-side function from inside src/store, tests or benchmarks. */
typedef struct {
  TactStoreWorkerFunc func;
  gpointer user_data;  /* borrowed: the caller keeps it alive until the task completes */
} CallData;

typedef struct {
  char *next_batch;    /* NULL: leave the token as it is */
  GPtrArray *rooms;    /* owned deep copy, TactStoreRoom */
  GPtrArray *events;   /* owned deep copy, TactStoreEvent */
} SaveSyncData;

static void
save_sync_data_free (SaveSyncData *data)
{
  g_free (data->next_batch);
  g_clear_pointer (&data->rooms, g_ptr_array_unref);
  g_clear_pointer (&data->events, g_ptr_array_unref);
  g_free (data);
}

typedef struct {
  char *key;
  char *value;  /* NULL deletes (set) */
} MetaData;

static void
meta_data_free (MetaData *data)
{
  g_free (data->key);
  g_free (data->value);
  g_free (data);
}

typedef struct {
  char *room_id;
  gint64 before_ts;
  guint limit;
} TimelineData;

static void
timeline_data_free (TimelineData *data)
{
  g_free (data->room_id);
  g_free (data);
}

typedef struct {
  char *txn_id;
  TactSendState state;
  char *event_id;
  char *error_message;
  char *rule_ids;   /* HELD: the rules that now apply */
  char *action;     /* HELD: the action that now applies */
} OutboxUpdateData;

static void
outbox_update_data_free (OutboxUpdateData *data)
{
  g_free (data->txn_id);
  g_free (data->event_id);
  g_free (data->error_message);
  g_free (data->rule_ids);
  g_free (data->action);
  g_free (data);
}

typedef struct {
  char *query;
  guint limit;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_free (data->query);
  g_free (data);
}

/* ---- The worker ------------------------------------------------------------------ */

/* Owned by the worker thread; freed when it exits. */
typedef struct {
  GAsyncQueue *queue;  /* owned ref, of Job */
  sqlite3 *db;         /* owned; NULL until opened and after a failed open */
} Worker;

static void
worker_free (Worker *worker)
{
  if (worker->db != NULL)
    {
      /* Checkpoints the WAL into the database file (encrypted like everything else). */
      if (sqlite3_close (worker->db) != SQLITE_OK)
        g_warning ("Could not close the history database cleanly: %s",
                   sqlite3_errmsg (worker->db));
    }
  g_async_queue_unref (worker->queue);
  g_free (worker);
}

static void
wipe_string (char *s)
{
  if (s != NULL)
    explicit_bzero (s, strlen (s));
}

/* Maps a failed first read of an opened database to a clear error. */
static void
set_open_error (GError **error, sqlite3 *db, int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_NOTADB:
      g_set_error_literal (error, TACT_STORE_ERROR, TACT_STORE_ERROR_WRONG_KEY,
                           _("The history database could not be unlocked with the key from "
                             "the keyring. Either the key is wrong or the file is not a Tact "
                             "database (the encryption cannot tell these apart). The file was "
                             "left unchanged."));
      break;
    case SQLITE_CORRUPT:
      g_set_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_CORRUPT,
                   _("The history database is damaged: %s"), sqlite3_errmsg (db));
      break;
    default:
      tact_store_set_sql_error (error, db, "Could not read the history database");
      break;
    }
}

/* Creates the database file with mode 0600 if it is missing, so that neither it nor its
 * -wal/-shm companions (SQLite copies the mode) are ever readable by others. */
static gboolean
ensure_private_file (const char *path, GError **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0 && errno != EEXIST)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create the history database: %s", g_strerror (saved_errno));
      return FALSE;
    }
  if (fd >= 0)
    close (fd);
  return TRUE;
}


/* One file format for every build: Debian 12 ships SQLCipher 3.4, the Flatpak builds 4.x,
 * whose defaults differ (HMAC-SHA512, KDF). With a raw key only the HMAC matters; asking 4.x
 * for the 3.x settings keeps a history readable by both (docs/database.md). */
static gboolean
use_v3_format (sqlite3 *db, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean v4_or_later = FALSE;

  if (sqlite3_prepare_v2 (db, "PRAGMA cipher_version;", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    v4_or_later = g_ascii_strtoull ((const char *) sqlite3_column_text (stmt, 0), NULL, 10) >= 4;
  sqlite3_finalize (stmt);
  return !v4_or_later || tact_store_exec (db, "PRAGMA cipher_compatibility = 3;", error);
}

static gboolean
worker_open (Worker *worker, OpenData *data, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (data->path);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  sqlite3 *db = NULL;
  int rc;
  guint version = 0;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create the folder of the history database: %s",
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (!ensure_private_file (data->path, error))
    return FALSE;

  /* Opening does not write: SQLite touches the file on first access. */
  rc = sqlite3_open_v2 (data->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      tact_store_set_sql_error (error, db, "Could not open the history database");
      sqlite3_close (db);
      return FALSE;
    }
  /* Another connection to the same file may still be closing (a store finalised on its worker
   * thread checkpoints the WAL while a new one opens): wait for its locks instead of failing
   * with "database is locked". */
  sqlite3_busy_timeout (db, 10000);

  /* A raw key ("x'…'") skips key derivation. The page size must follow the key, before the
   * first access. The pragma text holds the key: wipe it right away. Benchmarks may open an
   * unencrypted database through the same path (TACT_STORE_OPEN_UNENCRYPTED, no key). */
  if (data->key != NULL)
    {
      gsize key_len = 0;
      const guint8 *key = g_bytes_get_data (data->key, &key_len);
      GString *pragma = g_string_sized_new (16 + 2 * key_len);
      char *key_pragma;

      g_string_append (pragma, "PRAGMA key = \"x'");
      for (gsize i = 0; i < key_len; i++)
        g_string_append_printf (pragma, "%02x", key[i]);
      g_string_append (pragma, "'\";");
      key_pragma = g_string_free (pragma, FALSE);
      rc = sqlite3_exec (db, key_pragma, NULL, NULL, NULL);
      wipe_string (key_pragma);
      g_free (key_pragma);
      if (rc != SQLITE_OK || !use_v3_format (db, error)
          || !tact_store_exec (db, "PRAGMA cipher_page_size = 4096;", error))
        {
          if (rc != SQLITE_OK)
            tact_store_set_sql_error (error, db, "Could not key the history database");
          sqlite3_close (db);
          return FALSE;
        }
    }
  else if (!tact_store_exec (db, "PRAGMA page_size = 4096;", error))
    {
      sqlite3_close (db);
      return FALSE;
    }

  /* Verify the key by reading: nothing has been written yet, so a wrong key, a foreign file
   * or a newer schema leave the file byte-for-byte as it was. */
  rc = sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_master", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_open_error (error, db, rc);
      g_clear_pointer (&stmt, sqlite3_finalize);
      sqlite3_close (db);
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  /* Refuse a newer schema before the WAL switch below writes to the file. */
  if (!tact_store_check_version (db, &version, error))
    goto fail;

  /* Performance and hygiene (see perf-notes.md): WAL, 128 MB cache, overwrite deleted
   * content, temporary tables in memory so nothing leaks unencrypted to /tmp. */
  if (!tact_store_exec (db,
                        "PRAGMA journal_mode = WAL;"
                        "PRAGMA synchronous = NORMAL;"
                        "PRAGMA secure_delete = ON;"
                        "PRAGMA cache_size = -131072;"
                        "PRAGMA foreign_keys = ON;"
                        "PRAGMA temp_store = MEMORY;",
                        error))
    goto fail;

  if (!tact_store_fts_register (db, error))
    goto fail;
  if (!tact_store_migrate (db, error))
    goto fail;

  worker->db = db;
  return TRUE;

fail:
  sqlite3_close (db);
  return FALSE;
}


/* The stored form of a redacted event: content {} and unsigned.redacted_by, as a server
 * serves it; NULL when json cannot be read (then the row keeps only its ids). */
static char *
redacted_json (const char *json, const char *redaction_id)
{
  g_autoptr(JsonNode) root = json ? json_from_string (json, NULL) : NULL;
  JsonObject *object, *unsigned_obj;

  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup ("{}");
  object = json_node_get_object (root);
  json_object_set_object_member (object, "content", json_object_new ());
  unsigned_obj = json_object_new ();
  if (redaction_id)
    json_object_set_string_member (unsigned_obj, "redacted_by", redaction_id);
  json_object_set_object_member (object, "unsigned", unsigned_obj);
  return json_to_string (root, FALSE);
}

/* Strips the redacted event's text: body, content and its search tokens. */
static gboolean
redact_stored (sqlite3 *db, const TactStoreEvent *redaction, GError **error)
{
  g_autoptr(sqlite3_stmt) select_stmt = NULL;
  g_autoptr(sqlite3_stmt) update_stmt = NULL;
  g_autoptr(sqlite3_stmt) fts_stmt = NULL;
  g_autofree char *json = NULL;
  sqlite3_int64 id;
  int rc;

  if (!tact_store_prepare (db, "SELECT id, json FROM events WHERE event_id = ?1 AND room_id = ?2", &select_stmt, error))
    return FALSE;
  tact_store_bind_text (select_stmt, 1, redaction->redacts);
  tact_store_bind_text (select_stmt, 2, redaction->room_id);
  rc = sqlite3_step (select_stmt);
  if (rc == SQLITE_DONE)
    return TRUE;   /* not stored (yet): the server serves it redacted later */
  if (rc != SQLITE_ROW)
    {
      tact_store_set_sql_error (error, db, "Could not find a redacted event");
      return FALSE;
    }
  id = sqlite3_column_int64 (select_stmt, 0);
  json = redacted_json ((const char *) sqlite3_column_text (select_stmt, 1), redaction->event_id);
  if (!tact_store_prepare (db, "UPDATE OR FAIL events SET body = NULL, json = ?2 WHERE id = ?1", &update_stmt, error) ||
      !tact_store_prepare (db, "DELETE FROM events_fts WHERE docid = ?1", &fts_stmt, error))
    return FALSE;
  sqlite3_bind_int64 (update_stmt, 1, id);
  tact_store_bind_text (update_stmt, 2, json);
  sqlite3_bind_int64 (fts_stmt, 1, id);
  return tact_store_step_done (db, update_stmt, "Could not redact an event", error) &&
         tact_store_step_done (db, fts_stmt, "Could not remove a redacted event from the index", error);
}

static gboolean
worker_save_sync (Worker *worker, SaveSyncData *data, GError **error)
{
  sqlite3 *db = worker->db;
  g_autoptr(sqlite3_stmt) room_update_stmt = NULL;
  g_autoptr(sqlite3_stmt) room_insert_stmt = NULL;
  g_autoptr(sqlite3_stmt) event_stmt = NULL;
  g_autoptr(sqlite3_stmt) fts_stmt = NULL;
  g_autoptr(sqlite3_stmt) last_ts_stmt = NULL;
  g_autoptr(sqlite3_stmt) reconcile_stmt = NULL;
  g_autoptr(sqlite3_stmt) token_update_stmt = NULL;
  g_autoptr(sqlite3_stmt) token_insert_stmt = NULL;

  /* Statement journals: any failure below rolls back the WHOLE transaction, so no statement
   * needs its own rollback. Yet SQLite opens a statement journal (and a savepoint on every
   * virtual table in the transaction) for each statement that both may write several rows
   * (INSERT … SELECT, any UPDATE) and may ABORT on a constraint (NOT NULL, UNIQUE, CHECK).
   * That cost, per event: (1) every page the statement touches is copied to the statement
   * journal, and SQLCipher encrypts and MACs each copy (AES + HMAC + an IV from RAND_bytes):
   * 6–7 page encryptions per event instead of ~0.7; (2) FTS4 flushes its pending terms into a
   * new segment at every savepoint, i.e. once per event instead of once per commit. "OR FAIL"
   * reports the same constraint errors but needs no statement rollback, so none of this
   * happens (docs/database.md, "Write performance"). Keep OR FAIL on the per-event statements.
   *
   * The same holds for the per-room and token rows, which is why they are not INSERT OR
   * REPLACE: REPLACE deletes and re-inserts (several writes) and its NOT NULL checks ABORT, so
   * each such statement copied ~3 pages to the statement journal, every copy encrypted — with
   * 100 rooms in a sync, 3 of every 4 page encryptions (docs/database.md, "Inserting into a
   * full history"). No UPSERT before SQLite 3.24, so: UPDATE OR FAIL the row by its key, and
   * INSERT OR FAIL it when there was none (same result, one write each). */
  if (!tact_store_prepare (db,
                "UPDATE OR FAIL rooms SET name = ?2, topic = ?3,"
                "  membership = COALESCE (?4, 'join'), is_direct = ?5, member_count = ?6,"
                "  external_count = ?7, prev_batch = ?8, last_ts = MAX (last_ts, ?9),"
                "  notification_count = ?10, highlight_count = ?11"
                " WHERE room_id = ?1",
                &room_update_stmt, error) ||
      !tact_store_prepare (db,
                "INSERT OR FAIL INTO rooms (room_id, name, topic, membership, is_direct,"
                "  member_count, external_count, prev_batch, last_ts, notification_count,"
                "  highlight_count)"
                " VALUES (?1, ?2, ?3, COALESCE (?4, 'join'), ?5, ?6, ?7, ?8, MAX (?9, 0), ?10, ?11)",
                &room_insert_stmt, error) ||
      /* Not INSERT OR IGNORE: that would also silently drop rows violating NOT NULL. OR FAIL
       * still fails on them (one row: nothing half-written), without a statement journal. */
      !tact_store_prepare (db,
                "INSERT OR FAIL INTO events (room_id, event_id, txn_id, sender, type, state_key, ts,"
                "  body, json)"
                " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9"
                " WHERE NOT EXISTS (SELECT 1 FROM events WHERE event_id = ?2)",
                &event_stmt, error) ||
      !tact_store_prepare (db, "INSERT INTO events_fts (docid, tokens) VALUES (?1, tact_fts_tokens (?2))",
                &fts_stmt, error) ||
      !tact_store_prepare (db, "UPDATE OR FAIL rooms SET last_ts = ?2 WHERE room_id = ?1 AND last_ts < ?2",
                &last_ts_stmt, error) ||
      !tact_store_prepare (db,
                "UPDATE OR FAIL outbox SET state = 'sent', event_id = ?1, error = NULL"
                " WHERE txn_id = ?2 AND room_id = ?3",
                &reconcile_stmt, error) ||
      !tact_store_prepare (db, "UPDATE OR FAIL meta SET value = ?1 WHERE key = 'sync_token'",
                &token_update_stmt, error) ||
      !tact_store_prepare (db, "INSERT OR FAIL INTO meta (key, value) VALUES ('sync_token', ?1)",
                &token_insert_stmt, error))
    return FALSE;

  if (!tact_store_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (guint i = 0; i < data->rooms->len; i++)
    {
      const TactStoreRoom *room = g_ptr_array_index (data->rooms, i);
      sqlite3_stmt *room_stmt = room_update_stmt;

      /* The update first; a room not stored yet (no row changed) is inserted. */
      for (;;)
        {
          tact_store_bind_text (room_stmt, 1, room->room_id);
          tact_store_bind_text (room_stmt, 2, room->name);
          tact_store_bind_text (room_stmt, 3, room->topic);
          tact_store_bind_text (room_stmt, 4, room->membership);
          sqlite3_bind_int (room_stmt, 5, room->is_direct ? 1 : 0);
          sqlite3_bind_int64 (room_stmt, 6, room->member_count);
          sqlite3_bind_int64 (room_stmt, 7, room->external_count);
          tact_store_bind_text (room_stmt, 8, room->prev_batch);
          sqlite3_bind_int64 (room_stmt, 9, room->last_ts);
          sqlite3_bind_int64 (room_stmt, 10, room->notification_count);
          sqlite3_bind_int64 (room_stmt, 11, room->highlight_count);
          if (!tact_store_step_done (db, room_stmt, "Could not save a room", error))
            return tact_store_rollback (db);
          if (room_stmt == room_insert_stmt || sqlite3_changes (db) > 0)
            break;
          room_stmt = room_insert_stmt;
        }
    }

  for (guint i = 0; i < data->events->len; i++)
    {
      const TactStoreEvent *event = g_ptr_array_index (data->events, i);

      tact_store_bind_text (event_stmt, 1, event->room_id);
      tact_store_bind_text (event_stmt, 2, event->event_id);
      tact_store_bind_text (event_stmt, 3, event->txn_id);
      tact_store_bind_text (event_stmt, 4, event->sender);
      tact_store_bind_text (event_stmt, 5, event->type);
      tact_store_bind_text (event_stmt, 6, event->state_key);
      sqlite3_bind_int64 (event_stmt, 7, event->ts);
      tact_store_bind_text (event_stmt, 8, event->body);
      tact_store_bind_text (event_stmt, 9, event->json);
      if (!tact_store_step_done (db, event_stmt, "Could not save an event", error))
        return tact_store_rollback (db);

      if (sqlite3_changes (db) == 1)  /* new, not a duplicate */
        {
          sqlite3_int64 id = sqlite3_last_insert_rowid (db);

          if (event->body != NULL)
            {
              sqlite3_bind_int64 (fts_stmt, 1, id);
              tact_store_bind_text (fts_stmt, 2, event->body);
              if (!tact_store_step_done (db, fts_stmt, "Could not index an event", error))
                return tact_store_rollback (db);
            }
          tact_store_bind_text (last_ts_stmt, 1, event->room_id);
          sqlite3_bind_int64 (last_ts_stmt, 2, event->ts);
          if (!tact_store_step_done (db, last_ts_stmt, "Could not update a room", error))
            return tact_store_rollback (db);
        }

      if (event->redacts != NULL && !redact_stored (db, event, error))
        return tact_store_rollback (db);

      /* Our own send came back from the server: its local echo is confirmed. */
      if (event->txn_id != NULL)
        {
          tact_store_bind_text (reconcile_stmt, 1, event->event_id);
          tact_store_bind_text (reconcile_stmt, 2, event->txn_id);
          tact_store_bind_text (reconcile_stmt, 3, event->room_id);
          if (!tact_store_step_done (db, reconcile_stmt, "Could not reconcile a sent message", error))
            return tact_store_rollback (db);
        }
    }

  /* Last, in the same transaction: the token never gets ahead of the events it covers. */
  if (data->next_batch != NULL)
    {
      tact_store_bind_text (token_update_stmt, 1, data->next_batch);
      if (!tact_store_step_done (db, token_update_stmt, "Could not save the sync token", error))
        return tact_store_rollback (db);
      if (sqlite3_changes (db) == 0)
        {
          tact_store_bind_text (token_insert_stmt, 1, data->next_batch);
          if (!tact_store_step_done (db, token_insert_stmt, "Could not save the sync token", error))
            return tact_store_rollback (db);
        }
    }

  if (!tact_store_exec (db, "COMMIT", error))
    return tact_store_rollback (db);
  return TRUE;
}

/* Returns TRUE with *value NULL when the key is absent. */
static gboolean
worker_get_meta (Worker *worker, MetaData *data, char **value, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  *value = NULL;
  if (!tact_store_prepare (worker->db, "SELECT value FROM meta WHERE key = ?1", &stmt, error))
    return FALSE;
  tact_store_bind_text (stmt, 1, data->key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *value = tact_store_column_dup (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, worker->db, "Could not read a setting");
      return FALSE;
    }
  return TRUE;
}

static gboolean
worker_set_meta (Worker *worker, MetaData *data, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const char *sql = data->value != NULL
    ? "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"
    : "DELETE FROM meta WHERE key = ?1";

  if (!tact_store_prepare (worker->db, sql, &stmt, error))
    return FALSE;
  tact_store_bind_text (stmt, 1, data->key);
  if (data->value != NULL)
    tact_store_bind_text (stmt, 2, data->value);
  return tact_store_step_done (worker->db, stmt, "Could not save a setting", error);
}

static GPtrArray *
worker_list_rooms (Worker *worker, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
  int rc;

  if (!tact_store_prepare (worker->db,
                "SELECT room_id, name, topic, membership, is_direct, member_count,"
                "  external_count, prev_batch, last_ts, notification_count, highlight_count"
                " FROM rooms ORDER BY last_ts DESC, room_id",
                &stmt, error))
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TactStoreRoom *room = g_new0 (TactStoreRoom, 1);

      room->room_id = tact_store_column_dup (stmt, 0);
      room->name = tact_store_column_dup (stmt, 1);
      room->topic = tact_store_column_dup (stmt, 2);
      room->membership = tact_store_column_dup (stmt, 3);
      room->is_direct = sqlite3_column_int (stmt, 4) != 0;
      room->member_count = (guint) sqlite3_column_int64 (stmt, 5);
      room->external_count = (guint) sqlite3_column_int64 (stmt, 6);
      room->prev_batch = tact_store_column_dup (stmt, 7);
      room->last_ts = sqlite3_column_int64 (stmt, 8);
      room->notification_count = (guint) sqlite3_column_int64 (stmt, 9);
      room->highlight_count = (guint) sqlite3_column_int64 (stmt, 10);
      g_ptr_array_add (rooms, room);
    }
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, worker->db, "Could not list rooms");
      return NULL;
    }
  return g_steal_pointer (&rooms);
}

/* The "body" member of an event content, or NULL. */
static char *
body_from_content (JsonNode *content)
{
  JsonObject *object;

  if (content == NULL || !JSON_NODE_HOLDS_OBJECT (content))
    return NULL;
  object = json_node_get_object (content);
  content = json_object_get_member (object, "body");
  if (content == NULL || !JSON_NODE_HOLDS_VALUE (content) ||
      json_node_get_value_type (content) != G_TYPE_STRING)
    return NULL;
  return json_node_dup_string (content);
}

/* Turns an outbox row into a local echo: body from the content, and an event-shaped JSON
 * {type, room_id, sender?, origin_server_ts, content, unsigned.transaction_id}. */
static void
fill_local_echo (TactStoreEvent *event, const char *content_json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonNode *content = NULL;

  if (content_json != NULL && json_parser_load_from_data (parser, content_json, -1, NULL))
    content = json_parser_get_root (parser);
  event->body = body_from_content (content);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, event->type);
  json_builder_set_member_name (builder, "room_id");
  json_builder_add_string_value (builder, event->room_id);
  if (event->sender != NULL)
    {
      json_builder_set_member_name (builder, "sender");
      json_builder_add_string_value (builder, event->sender);
    }
  json_builder_set_member_name (builder, "origin_server_ts");
  json_builder_add_int_value (builder, event->ts);
  json_builder_set_member_name (builder, "content");
  if (content != NULL)
    json_builder_add_value (builder, json_node_copy (content));
  else
    {
      json_builder_begin_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "unsigned");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "transaction_id");
  json_builder_add_string_value (builder, event->txn_id);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  event->json = json_to_string (root, FALSE);
}

static GPtrArray *
worker_load_timeline (Worker *worker, TimelineData *data, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
  int rc;

  /* Stored events, plus outbox entries the timeline does not hold yet: pending, failed, and
   * sent ones whose event has not come back through /sync (so a message never vanishes
   * between "sent" and the next sync). Newest first here, reversed below. */
  if (!tact_store_prepare (worker->db,
                "SELECT * FROM ("
                "  SELECT 0 AS echo, room_id, event_id, txn_id, sender, type, state_key, ts,"
                "    body, json, 'sent' AS state, id AS ord, NULL AS error"
                "  FROM events WHERE room_id = ?1 AND (?2 = 0 OR ts < ?2)"
                "  UNION ALL"
                "  SELECT 1, room_id, event_id, txn_id,"
                "    (SELECT value FROM meta WHERE key = 'user_id'), type, NULL, created,"
                "    NULL, content_json, state, rowid, error"
                "  FROM outbox o WHERE room_id = ?1 AND (?2 = 0 OR created < ?2)"
                "    AND (state != 'sent'"
                "         OR NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = o.event_id))"
                ") ORDER BY ts DESC, echo DESC, ord DESC LIMIT ?3",
                &stmt, error))
    return NULL;

  tact_store_bind_text (stmt, 1, data->room_id);
  sqlite3_bind_int64 (stmt, 2, data->before_ts);
  sqlite3_bind_int64 (stmt, 3, data->limit);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TactStoreEvent *event = g_new0 (TactStoreEvent, 1);
      gboolean echo = sqlite3_column_int (stmt, 0) != 0;

      event->room_id = tact_store_column_dup (stmt, 1);
      event->event_id = tact_store_column_dup (stmt, 2);
      event->txn_id = tact_store_column_dup (stmt, 3);
      event->sender = tact_store_column_dup (stmt, 4);
      event->type = tact_store_column_dup (stmt, 5);
      event->state_key = tact_store_column_dup (stmt, 6);
      event->ts = sqlite3_column_int64 (stmt, 7);
      event->send_state = send_state_from_string ((const char *) sqlite3_column_text (stmt, 10));
      if (echo)
        {
          fill_local_echo (event, (const char *) sqlite3_column_text (stmt, 9));
          /* A FAILED echo keeps the server's reason across restarts (outbox.error). */
          event->error = tact_store_column_dup (stmt, 12);
        }
      else
        {
          event->body = tact_store_column_dup (stmt, 8);
          event->json = tact_store_column_dup (stmt, 9);
        }
      g_ptr_array_add (events, event);
    }
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, worker->db, "Could not load a timeline");
      return NULL;
    }

  /* Oldest first. */
  for (guint i = 0, j = events->len; i + 1 < j; i++, j--)
    {
      gpointer tmp = events->pdata[i];
      events->pdata[i] = events->pdata[j - 1];
      events->pdata[j - 1] = tmp;
    }
  return g_steal_pointer (&events);
}

static gboolean
worker_outbox_add (Worker *worker, const TactOutboxEntry *entry, GError **error)
{
  sqlite3 *db = worker->db;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) audit_stmt = NULL;
  gint64 created = entry->created != 0 ? entry->created : g_get_real_time () / 1000;

  if (!tact_store_prepare (db,
                "INSERT INTO outbox (txn_id, room_id, type, content_json, justification,"
                "  verdict, state, created, attempts, rule_ids, error)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?10, ?7, ?8, ?9, ?11)",
                &stmt, error) ||
      !tact_store_prepare (db,
                "INSERT INTO audit (ts, kind, room_id, txn_id, rule_ids, action, justification)"
                " VALUES (?1, ?6, ?2, ?3, ?7, ?4, ?5)",
                &audit_stmt, error))
    return FALSE;

  if (!tact_store_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;

  tact_store_bind_text (stmt, 1, entry->txn_id);
  tact_store_bind_text (stmt, 2, entry->room_id);
  tact_store_bind_text (stmt, 3, entry->type);
  tact_store_bind_text (stmt, 4, entry->content_json);
  tact_store_bind_text (stmt, 5, entry->justification);
  tact_store_bind_text (stmt, 6, entry->verdict);
  sqlite3_bind_int64 (stmt, 7, created);
  sqlite3_bind_int64 (stmt, 8, entry->attempts);
  tact_store_bind_text (stmt, 9, entry->rule_ids);
  /* New rows are pending, or held for an approver (docs/approval-protocol.md). */
  tact_store_bind_text (stmt, 10, entry->state == TACT_SEND_STATE_AWAITING_APPROVAL
                                  ? "awaiting-approval" : "pending");
  tact_store_bind_text (stmt, 11, entry->state == TACT_SEND_STATE_AWAITING_APPROVAL ? entry->error : NULL);
  if (!tact_store_step_done (db, stmt, "Could not add a message to the outbox", error))
    return tact_store_rollback (db);

  /* Every send the user had to justify, and every warning the user chose to send past,
   * leaves an audit record, in the same transaction. */
  if (entry->justification != NULL || g_strcmp0 (entry->verdict, "warn") == 0)
    {
      tact_store_bind_text (audit_stmt, 6, entry->justification != NULL ? "justified-send" : "warned-send");
      tact_store_bind_text (audit_stmt, 7, entry->rule_ids);
      sqlite3_bind_int64 (audit_stmt, 1, created);
      tact_store_bind_text (audit_stmt, 2, entry->room_id);
      tact_store_bind_text (audit_stmt, 3, entry->txn_id);
      tact_store_bind_text (audit_stmt, 4, entry->verdict);
      tact_store_bind_text (audit_stmt, 5, entry->justification);
      if (!tact_store_step_done (db, audit_stmt, "Could not write the audit record", error))
        return tact_store_rollback (db);
    }

  if (!tact_store_exec (db, "COMMIT", error))
    return tact_store_rollback (db);
  return TRUE;
}

static gboolean
worker_outbox_update (Worker *worker, OutboxUpdateData *data, GError **error)
{
  sqlite3 *db = worker->db;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) exists_stmt = NULL;
  const char *sql;

  switch (data->state)
    {
    case TACT_SEND_STATE_SENT:
      sql = "UPDATE outbox SET state = 'sent', event_id = ?2, error = NULL WHERE txn_id = ?1";
      break;
    case TACT_SEND_STATE_FAILED:
      /* Never downgrade an entry that /sync already confirmed. */
      sql = "UPDATE outbox SET state = 'failed', error = ?3, attempts = attempts + 1"
            " WHERE txn_id = ?1 AND state != 'sent'";
      break;
    case TACT_SEND_STATE_PENDING:
    default:
      sql = "UPDATE outbox SET state = 'pending', error = ?3, attempts = attempts + 1"
            " WHERE txn_id = ?1 AND state != 'sent'";
      break;
    }

  if (!tact_store_prepare (db, sql, &stmt, error))
    return FALSE;
  tact_store_bind_text (stmt, 1, data->txn_id);
  if (data->state == TACT_SEND_STATE_SENT)
    tact_store_bind_text (stmt, 2, data->event_id);
  else
    tact_store_bind_text (stmt, 3, data->error_message);
  if (!tact_store_step_done (db, stmt, "Could not update the outbox", error))
    return FALSE;
  if (sqlite3_changes (db) > 0)
    return TRUE;

  /* Nothing changed: already sent (fine) or no such entry (an error). */
  if (!tact_store_prepare (db, "SELECT 1 FROM outbox WHERE txn_id = ?1", &exists_stmt, error))
    return FALSE;
  tact_store_bind_text (exists_stmt, 1, data->txn_id);
  if (sqlite3_step (exists_stmt) == SQLITE_ROW)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "No message with this transaction id is in the outbox");
  return FALSE;
}

/* Writes one audit row (within the caller's transaction, if any). */
static gboolean
audit_insert (sqlite3 *db, gint64 ts, const char *kind, const char *room_id, const char *txn_id,
              const char *rule_ids, const char *action, const char *justification, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!tact_store_prepare (db,
                "INSERT INTO audit (ts, kind, room_id, txn_id, rule_ids, action, justification)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, ts);
  tact_store_bind_text (stmt, 2, kind);
  tact_store_bind_text (stmt, 3, room_id);
  tact_store_bind_text (stmt, 4, txn_id);
  tact_store_bind_text (stmt, 5, rule_ids);
  tact_store_bind_text (stmt, 6, action);
  tact_store_bind_text (stmt, 7, justification);
  return tact_store_step_done (db, stmt, "Could not write the audit record", error);
}

static gboolean
worker_outbox_hold (Worker *worker, OutboxUpdateData *data, GError **error)
{
  sqlite3 *db = worker->db;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *room_id = NULL;

  if (!tact_store_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  /* Never holds an entry that /sync already confirmed. */
  if (!tact_store_prepare (db, "UPDATE outbox SET state = 'held', error = ?2 WHERE txn_id = ?1 AND state != 'sent'",
                &stmt, error))
    return tact_store_rollback (db);
  tact_store_bind_text (stmt, 1, data->txn_id);
  tact_store_bind_text (stmt, 2, data->error_message);
  if (!tact_store_step_done (db, stmt, "Could not hold a message in the outbox", error))
    return tact_store_rollback (db);
  if (sqlite3_changes (db) > 0)
    {
      g_autoptr(sqlite3_stmt) room_stmt = NULL;

      if (!tact_store_prepare (db, "SELECT room_id FROM outbox WHERE txn_id = ?1", &room_stmt, error))
        return tact_store_rollback (db);
      tact_store_bind_text (room_stmt, 1, data->txn_id);
      if (sqlite3_step (room_stmt) == SQLITE_ROW)
        room_id = tact_store_column_dup (room_stmt, 0);
      if (!audit_insert (db, g_get_real_time () / 1000, "held-for-review", room_id, data->txn_id,
                         data->rule_ids, data->action, NULL, error))
        return tact_store_rollback (db);
    }
  if (!tact_store_exec (db, "COMMIT", error))
    return tact_store_rollback (db);
  return TRUE;
}

static gboolean
worker_outbox_redecide (Worker *worker, const TactOutboxEntry *entry, GError **error)
{
  sqlite3 *db = worker->db;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!tact_store_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!tact_store_prepare (db,
                "UPDATE outbox SET state = 'pending', error = NULL, verdict = ?2, rule_ids = ?3,"
                "  justification = ?4 WHERE txn_id = ?1 AND state != 'sent'",
                &stmt, error))
    return tact_store_rollback (db);
  tact_store_bind_text (stmt, 1, entry->txn_id);
  tact_store_bind_text (stmt, 2, entry->verdict);
  tact_store_bind_text (stmt, 3, entry->rule_ids);
  tact_store_bind_text (stmt, 4, entry->justification);
  if (!tact_store_step_done (db, stmt, "Could not update the outbox", error))
    return tact_store_rollback (db);
  if (sqlite3_changes (db) == 0)
    {
      tact_store_rollback (db);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "No unsent message with this transaction id is in the outbox");
      return FALSE;
    }
  /* The new decision is audited like a new send's. */
  if ((entry->justification != NULL || g_strcmp0 (entry->verdict, "warn") == 0)
      && !audit_insert (db, g_get_real_time () / 1000,
                        entry->justification != NULL ? "justified-send" : "warned-send",
                        entry->room_id, entry->txn_id, entry->rule_ids, entry->verdict,
                        entry->justification, error))
    return tact_store_rollback (db);
  if (!tact_store_exec (db, "COMMIT", error))
    return tact_store_rollback (db);
  return TRUE;
}

static gboolean
worker_outbox_remove (Worker *worker, const char *txn_id, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!tact_store_prepare (worker->db, "DELETE FROM outbox WHERE txn_id = ?1", &stmt, error))
    return FALSE;
  tact_store_bind_text (stmt, 1, txn_id);
  return tact_store_step_done (worker->db, stmt, "Could not remove a message from the outbox", error);
}

static GPtrArray *
worker_outbox_list (Worker *worker, GError **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_outbox_entry_free);
  int rc;

  if (!tact_store_prepare (worker->db,
                "SELECT txn_id, room_id, type, content_json, justification, verdict, state,"
                "  event_id, error, created, attempts, rule_ids"
                " FROM outbox WHERE state != 'sent' ORDER BY created, rowid",
                &stmt, error))
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TactOutboxEntry *entry = g_new0 (TactOutboxEntry, 1);

      entry->txn_id = tact_store_column_dup (stmt, 0);
      entry->room_id = tact_store_column_dup (stmt, 1);
      entry->type = tact_store_column_dup (stmt, 2);
      entry->content_json = tact_store_column_dup (stmt, 3);
      entry->justification = tact_store_column_dup (stmt, 4);
      entry->verdict = tact_store_column_dup (stmt, 5);
      entry->state = send_state_from_string ((const char *) sqlite3_column_text (stmt, 6));
      entry->event_id = tact_store_column_dup (stmt, 7);
      entry->error = tact_store_column_dup (stmt, 8);
      entry->created = sqlite3_column_int64 (stmt, 9);
      entry->attempts = (guint) sqlite3_column_int64 (stmt, 10);
      entry->rule_ids = tact_store_column_dup (stmt, 11);
      g_ptr_array_add (entries, entry);
    }
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, worker->db, "Could not list the outbox");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* Above this many matches, search walks the time index instead of sorting the matches. */
#define SEARCH_SORT_MAX 1000

static TactStoreEvent *
search_row (sqlite3_stmt *stmt)
{
  TactStoreEvent *event = g_new0 (TactStoreEvent, 1);

  event->room_id = tact_store_column_dup (stmt, 0);
  event->event_id = tact_store_column_dup (stmt, 1);
  event->txn_id = tact_store_column_dup (stmt, 2);
  event->sender = tact_store_column_dup (stmt, 3);
  event->type = tact_store_column_dup (stmt, 4);
  event->state_key = tact_store_column_dup (stmt, 5);
  event->ts = sqlite3_column_int64 (stmt, 6);
  event->body = tact_store_column_dup (stmt, 7);
  event->json = tact_store_column_dup (stmt, 8);
  event->send_state = TACT_SEND_STATE_SENT;
  return event;
}

#define SEARCH_COLUMNS \
  "room_id, event_id, txn_id, sender, type, state_key, ts, body, json"

static int
compare_id (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

/* Full-text search, newest first, in two steps:
 *   1. the ids of all matching events, from the FTS4 doclists only (SELECT docid reads no
 *      content rows), into a sorted array: FTS4 returns docids in ascending order, so this is
 *      one append per match (a hash set cost a malloc, a hash and a free per match: half of
 *      the search time for a word in 35k events);
 *   2. few matches: fetch and sort them by time. Many matches (a common word in a big
 *      history): walk events_ts newest first and keep the first @limit ids found in the
 *      array (binary search), which stops after about limit × (events / matches) index
 *      entries instead of fetching and sorting every match. */
static GPtrArray *
worker_search (Worker *worker, SearchData *data, GError **error)
{
  sqlite3 *db = worker->db;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
  g_autoptr(GArray) matches = NULL;
  g_autoptr(GArray) page = NULL;
  g_autofree char *match = tact_store_fts_query (data->query);
  gboolean sorted = TRUE;
  int rc;

  if (match == NULL || data->limit == 0)
    return g_steal_pointer (&events);

  matches = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!tact_store_prepare (db, "SELECT docid FROM events_fts WHERE events_fts MATCH ?1", &stmt, error))
    return NULL;
  tact_store_bind_text (stmt, 1, match);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      if (matches->len > 0 && id <= g_array_index (matches, gint64, matches->len - 1))
        sorted = FALSE;
      g_array_append_val (matches, id);
    }
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, db, "Could not search the history");
      return NULL;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (matches->len == 0)
    return g_steal_pointer (&events);
  /* Ascending is FTS4's documented order for a table without order=desc; do not rely on it. */
  if (!sorted)
    g_array_sort (matches, compare_id);

  if (matches->len <= SEARCH_SORT_MAX)
    {
      if (!tact_store_prepare (db,
                    "SELECT " SEARCH_COLUMNS " FROM events"
                    " WHERE id IN (SELECT docid FROM events_fts WHERE events_fts MATCH ?1)"
                    " ORDER BY ts DESC, id DESC LIMIT ?2",
                    &stmt, error))
        return NULL;
      tact_store_bind_text (stmt, 1, match);
      sqlite3_bind_int64 (stmt, 2, data->limit);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (events, search_row (stmt));
      if (rc != SQLITE_DONE)
        {
          tact_store_set_sql_error (error, db, "Could not search the history");
          return NULL;
        }
      return g_steal_pointer (&events);
    }

  /* Many matches: the newest ones, from the time index. */
  page = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!tact_store_prepare (db, "SELECT id FROM events INDEXED BY events_ts ORDER BY ts DESC, id DESC",
                &stmt, error))
    return NULL;
  while (page->len < data->limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      if (bsearch (&id, matches->data, matches->len, sizeof (gint64), compare_id) != NULL)
        g_array_append_val (page, id);
    }
  if (page->len < data->limit && rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, db, "Could not search the history");
      return NULL;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!tact_store_prepare (db, "SELECT " SEARCH_COLUMNS " FROM events WHERE id = ?1", &stmt, error))
    return NULL;
  for (guint i = 0; i < page->len; i++)
    {
      sqlite3_bind_int64 (stmt, 1, g_array_index (page, gint64, i));
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        g_ptr_array_add (events, search_row (stmt));
      else if (rc != SQLITE_DONE)
        {
          tact_store_set_sql_error (error, db, "Could not search the history");
          return NULL;
        }
      sqlite3_reset (stmt);
    }
  return g_steal_pointer (&events);
}

/* Runs one job and completes its task (from this thread; GIO delivers the result on the
 * caller's context). */
static void
worker_run (Worker *worker, Job *job)
{
  GTask *task = job->task;
  gpointer data = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (job->kind != JOB_OPEN && worker->db == NULL)
    {
      g_task_return_new_error (task, TACT_STORE_ERROR, TACT_STORE_ERROR_CLOSED,
                               _("The history database is not open"));
      return;
    }

  switch (job->kind)
    {
    case JOB_OPEN:
      if (worker_open (worker, data, &error))
        g_task_return_pointer (task, g_object_ref (g_task_get_source_object (task)),
                               g_object_unref);
      else
        g_task_return_error (task, error);
      break;

    case JOB_SAVE_SYNC:
      if (worker_save_sync (worker, data, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case JOB_GET_META:
      {
        char *value = NULL;
        if (worker_get_meta (worker, data, &value, &error))
          g_task_return_pointer (task, value, g_free);
        else
          g_task_return_error (task, error);
      }
      break;

    case JOB_SET_META:
      if (worker_set_meta (worker, data, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case JOB_LIST_ROOMS:
    case JOB_LOAD_TIMELINE:
    case JOB_OUTBOX_LIST:
    case JOB_SEARCH:
      {
        GPtrArray *rows = NULL;

        if (job->kind == JOB_LIST_ROOMS)
          rows = worker_list_rooms (worker, &error);
        else if (job->kind == JOB_LOAD_TIMELINE)
          rows = worker_load_timeline (worker, data, &error);
        else if (job->kind == JOB_OUTBOX_LIST)
          rows = worker_outbox_list (worker, &error);
        else
          rows = worker_search (worker, data, &error);

        if (rows != NULL)
          g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
        else
          g_task_return_error (task, error);
      }
      break;

    case JOB_OUTBOX_ADD:
      if (worker_outbox_add (worker, data, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case JOB_OUTBOX_UPDATE:
      if (worker_outbox_update (worker, data, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case JOB_OUTBOX_HOLD:
      if (worker_outbox_hold (worker, data, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case JOB_OUTBOX_REDECIDE:
      if (worker_outbox_redecide (worker, data, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case JOB_OUTBOX_REMOVE:
      if (worker_outbox_remove (worker, data, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      break;

    case JOB_CALL:
      {
        CallData *call = data;

        if (call->func (worker->db, call->user_data, &error))
          g_task_return_boolean (task, TRUE);
        else
          g_task_return_error (task, error);
      }
      break;

    case JOB_QUIT:
    default:
      g_assert_not_reached ();
    }
}

static gpointer
worker_main (gpointer user_data)
{
  Worker *worker = user_data;
  Job *job;

  while ((job = g_async_queue_pop (worker->queue))->kind != JOB_QUIT)
    {
      worker_run (worker, job);
      job_free (job);  /* may drop the last reference to the store: see the top */
    }
  job_free (job);

  worker_free (worker);
  return NULL;
}

/* ---- The store object -------------------------------------------------------------- */

struct _TactStore
{
  GObject parent_instance;

  /* owned */
  char *path;
  GAsyncQueue *queue;  /* of Job, shared with the worker */
  GThread *worker;     /* NULL once closed */
};

G_DEFINE_FINAL_TYPE (TactStore, tact_store, G_TYPE_OBJECT)

static void
tact_store_finalize (GObject *object)
{
  TactStore *self = TACT_STORE (object);

  tact_store_close (self);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_free (self->path);

  G_OBJECT_CLASS (tact_store_parent_class)->finalize (object);
}

static void
tact_store_class_init (TactStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tact_store_finalize;
}

static void
tact_store_init (TactStore *self)
{
}

void
tact_store_close (TactStore *self)
{
  Job *quit;

  g_return_if_fail (TACT_IS_STORE (self));

  if (self->worker == NULL)
    return;

  quit = g_new0 (Job, 1);
  quit->kind = JOB_QUIT;
  g_async_queue_push (self->queue, quit);

  if (g_thread_self () == self->worker)
    g_thread_unref (self->worker);  /* finalised by the worker's last task: it exits by itself */
  else
    g_thread_join (self->worker);   /* runs the queued jobs, then closes the database */
  self->worker = NULL;
  g_clear_pointer (&self->queue, g_async_queue_unref);
}

const char *
tact_store_get_path (TactStore *self)
{
  g_return_val_if_fail (TACT_IS_STORE (self), NULL);
  return self->path;
}

/* Queues a job, or fails the task at once when the store is closed. Takes the task. */
static void
tact_store_push (TactStore *self, JobKind kind, GTask *task)
{
  Job *job;

  if (self->worker == NULL)
    {
      g_task_return_new_error (task, TACT_STORE_ERROR, TACT_STORE_ERROR_CLOSED,
                               _("The history database is closed"));
      g_object_unref (task);
      return;
    }

  job = g_new0 (Job, 1);
  job->kind = kind;
  job->task = task;
  g_async_queue_push (self->queue, job);
}

#define KEY_LENGTH 32  /* bytes: a raw 256-bit SQLCipher key */

static void
wipe_key (gpointer key)
{
  explicit_bzero (key, KEY_LENGTH);
  g_free (key);
}

void
tact_store_open_async (const char *path, GBytes *key, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (path != NULL);
  g_return_if_fail (key != NULL);

  tact_store_open_full_async (path, key, TACT_STORE_OPEN_DEFAULT, cancellable, callback,
                              user_data);
}

void
tact_store_open_full_async (const char *path, GBytes *key, TactStoreOpenFlags flags,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(TactStore) self = NULL;
  GTask *task;
  OpenData *data;
  Worker *worker;
  gsize key_len = 0;
  gconstpointer key_data = NULL;

  g_return_if_fail (path != NULL);
  g_return_if_fail ((key == NULL) == ((flags & TACT_STORE_OPEN_UNENCRYPTED) != 0));

  self = g_object_new (TACT_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->queue = g_async_queue_new ();

  /* Tagged like the public call: tact_store_open_finish() completes both. */
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_store_open_async);

  if (key != NULL)
    key_data = g_bytes_get_data (key, &key_len);
  if (key != NULL && key_len != KEY_LENGTH)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "The database key must be 32 bytes");
      g_object_unref (task);
      return;
    }

  data = g_new0 (OpenData, 1);
  data->path = g_strdup (path);
  data->flags = flags;
  /* Our own copy, wiped when the open job is freed. */
  if (key != NULL)
    {
      gpointer copy = g_memdup2 (key_data, key_len);
      data->key = g_bytes_new_with_free_func (copy, key_len, wipe_key, copy);
    }
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  worker = g_new0 (Worker, 1);
  worker->queue = g_async_queue_ref (self->queue);
  self->worker = g_thread_new ("tact-store", worker_main, worker);

  tact_store_push (self, JOB_OPEN, task);
}

TactStore *
tact_store_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_store_open_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Creates a task on self with its source tag and typed data. */
static GTask *
store_task_new (TactStore *self, gpointer source_tag, gpointer data, GDestroyNotify data_free,
                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (data != NULL)
    g_task_set_task_data (task, data, data_free);
  return task;
}

static GPtrArray *
copy_array (GPtrArray *array, GCopyFunc copy, GDestroyNotify free_func)
{
  GPtrArray *result = g_ptr_array_new_full (array ? array->len : 0, free_func);

  for (guint i = 0; array != NULL && i < array->len; i++)
    g_ptr_array_add (result, copy (g_ptr_array_index (array, i), NULL));
  return result;
}

static gpointer
copy_room (gconstpointer room, gpointer unused)
{
  return tact_store_room_copy (room);
}

static gpointer
copy_event (gconstpointer event, gpointer unused)
{
  return tact_store_event_copy (event);
}

void
tact_store_save_sync_async (TactStore *self, const char *next_batch, GPtrArray *rooms,
                            GPtrArray *events, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  SaveSyncData *data;

  g_return_if_fail (TACT_IS_STORE (self));

  /* Deep copies: the caller keeps its arrays and may change them while the worker writes. */
  data = g_new0 (SaveSyncData, 1);
  data->next_batch = g_strdup (next_batch);
  data->rooms = copy_array (rooms, copy_room, (GDestroyNotify) tact_store_room_free);
  data->events = copy_array (events, copy_event, (GDestroyNotify) tact_store_event_free);

  tact_store_push (self, JOB_SAVE_SYNC,
                   store_task_new (self, tact_store_save_sync_async, data,
                                   (GDestroyNotify) save_sync_data_free,
                                   cancellable, callback, user_data));
}

static gboolean
propagate_boolean (TactStore *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (TACT_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
propagate_pointer (TactStore *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (TACT_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
tact_store_save_sync_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_boolean (self, result, tact_store_save_sync_async, error);
}

static MetaData *
meta_data_new (const char *key, const char *value)
{
  MetaData *data = g_new0 (MetaData, 1);

  data->key = g_strdup (key);
  data->value = g_strdup (value);
  return data;
}

void
tact_store_get_sync_token_async (TactStore *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));

  tact_store_push (self, JOB_GET_META,
                   store_task_new (self, tact_store_get_sync_token_async,
                                   meta_data_new ("sync_token", NULL),
                                   (GDestroyNotify) meta_data_free,
                                   cancellable, callback, user_data));
}

char *
tact_store_get_sync_token_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_pointer (self, result, tact_store_get_sync_token_async, error);
}

void
tact_store_list_rooms_async (TactStore *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));

  tact_store_push (self, JOB_LIST_ROOMS,
                   store_task_new (self, tact_store_list_rooms_async, NULL, NULL,
                                   cancellable, callback, user_data));
}

GPtrArray *
tact_store_list_rooms_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_pointer (self, result, tact_store_list_rooms_async, error);
}

void
tact_store_load_timeline_async (TactStore *self, const char *room_id, gint64 before_ts,
                                guint limit, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  TimelineData *data;

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (room_id != NULL);

  data = g_new0 (TimelineData, 1);
  data->room_id = g_strdup (room_id);
  data->before_ts = before_ts;
  data->limit = limit;
  tact_store_push (self, JOB_LOAD_TIMELINE,
                   store_task_new (self, tact_store_load_timeline_async, data,
                                   (GDestroyNotify) timeline_data_free,
                                   cancellable, callback, user_data));
}

GPtrArray *
tact_store_load_timeline_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_pointer (self, result, tact_store_load_timeline_async, error);
}

void
tact_store_outbox_add_async (TactStore *self, const TactOutboxEntry *entry,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (entry != NULL);

  tact_store_push (self, JOB_OUTBOX_ADD,
                   store_task_new (self, tact_store_outbox_add_async,
                                   tact_outbox_entry_copy (entry),
                                   (GDestroyNotify) tact_outbox_entry_free,
                                   cancellable, callback, user_data));
}

gboolean
tact_store_outbox_add_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_boolean (self, result, tact_store_outbox_add_async, error);
}

void
tact_store_outbox_update_async (TactStore *self, const char *txn_id, TactSendState state,
                                const char *event_id, const char *error_message,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  OutboxUpdateData *data;

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (txn_id != NULL);

  data = g_new0 (OutboxUpdateData, 1);
  data->txn_id = g_strdup (txn_id);
  data->state = state;
  data->event_id = g_strdup (event_id);
  data->error_message = g_strdup (error_message);
  tact_store_push (self, JOB_OUTBOX_UPDATE,
                   store_task_new (self, tact_store_outbox_update_async, data,
                                   (GDestroyNotify) outbox_update_data_free,
                                   cancellable, callback, user_data));
}

gboolean
tact_store_outbox_update_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_boolean (self, result, tact_store_outbox_update_async, error);
}

void
tact_store_outbox_hold_async (TactStore *self, const char *txn_id, const char *reason,
                              const char *rule_ids, const char *action, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  OutboxUpdateData *data;

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (txn_id != NULL);

  data = g_new0 (OutboxUpdateData, 1);
  data->txn_id = g_strdup (txn_id);
  data->state = TACT_SEND_STATE_HELD;
  data->error_message = g_strdup (reason);
  data->rule_ids = g_strdup (rule_ids);
  data->action = g_strdup (action);
  tact_store_push (self, JOB_OUTBOX_HOLD,
                   store_task_new (self, tact_store_outbox_hold_async, data,
                                   (GDestroyNotify) outbox_update_data_free,
                                   cancellable, callback, user_data));
}

gboolean
tact_store_outbox_hold_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_boolean (self, result, tact_store_outbox_hold_async, error);
}

void
tact_store_outbox_redecide_async (TactStore *self, const TactOutboxEntry *entry,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (entry != NULL && entry->txn_id != NULL);

  tact_store_push (self, JOB_OUTBOX_REDECIDE,
                   store_task_new (self, tact_store_outbox_redecide_async,
                                   tact_outbox_entry_copy (entry),
                                   (GDestroyNotify) tact_outbox_entry_free,
                                   cancellable, callback, user_data));
}

gboolean
tact_store_outbox_redecide_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_boolean (self, result, tact_store_outbox_redecide_async, error);
}

void
tact_store_outbox_remove_async (TactStore *self, const char *txn_id,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (txn_id != NULL);

  tact_store_push (self, JOB_OUTBOX_REMOVE,
                   store_task_new (self, tact_store_outbox_remove_async, g_strdup (txn_id),
                                   g_free, cancellable, callback, user_data));
}

gboolean
tact_store_outbox_remove_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_boolean (self, result, tact_store_outbox_remove_async, error);
}

void
tact_store_outbox_list_async (TactStore *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));

  tact_store_push (self, JOB_OUTBOX_LIST,
                   store_task_new (self, tact_store_outbox_list_async, NULL, NULL,
                                   cancellable, callback, user_data));
}

GPtrArray *
tact_store_outbox_list_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_pointer (self, result, tact_store_outbox_list_async, error);
}

void
tact_store_set_meta_async (TactStore *self, const char *key, const char *value,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (key != NULL);

  tact_store_push (self, JOB_SET_META,
                   store_task_new (self, tact_store_set_meta_async, meta_data_new (key, value),
                                   (GDestroyNotify) meta_data_free,
                                   cancellable, callback, user_data));
}

gboolean
tact_store_set_meta_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_boolean (self, result, tact_store_set_meta_async, error);
}

void
tact_store_get_meta_async (TactStore *self, const char *key, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (key != NULL);

  tact_store_push (self, JOB_GET_META,
                   store_task_new (self, tact_store_get_meta_async, meta_data_new (key, NULL),
                                   (GDestroyNotify) meta_data_free,
                                   cancellable, callback, user_data));
}

char *
tact_store_get_meta_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_pointer (self, result, tact_store_get_meta_async, error);
}

void
tact_store_search_async (TactStore *self, const char *query, guint limit,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  SearchData *data;

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (query != NULL);

  data = g_new0 (SearchData, 1);
  data->query = g_strdup (query);
  data->limit = limit;
  tact_store_push (self, JOB_SEARCH,
                   store_task_new (self, tact_store_search_async, data,
                                   (GDestroyNotify) search_data_free,
                                   cancellable, callback, user_data));
}

GPtrArray *
tact_store_search_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_pointer (self, result, tact_store_search_async, error);
}

void
tact_store_call_async (TactStore *self, TactStoreWorkerFunc func, gpointer func_data,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  CallData *data;

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (func != NULL);

  data = g_new0 (CallData, 1);
  data->func = func;
  data->user_data = func_data;
  tact_store_push (self, JOB_CALL,
                   store_task_new (self, tact_store_call_async, data, g_free,
                                   cancellable, callback, user_data));
}

gboolean
tact_store_call_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  return propagate_boolean (self, result, tact_store_call_async, error);
}

/* ---- Moving an unreadable history aside ------------------------------------------- */

/* The files that make up one database, main file first. */
static const char *const db_suffixes[] = { "", "-wal", "-shm", "-journal" };

char *
tact_store_move_aside (const char *db_path, GError **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *target = NULL;
  guint moved = 0;

  g_return_val_if_fail (db_path != NULL, NULL);

  if (!g_file_test (db_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("There is no history database at %s to move aside."), db_path);
      return NULL;
    }

  /* A name no file of this set uses yet: history.db.unreadable-<stamp>[-N]. */
  for (guint n = 1; target == NULL; n++)
    {
      g_autofree char *candidate = n == 1
        ? g_strdup_printf ("%s.unreadable-%s", db_path, stamp)
        : g_strdup_printf ("%s.unreadable-%s-%u", db_path, stamp, n);
      gboolean taken = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (db_suffixes) && !taken; i++)
        {
          g_autofree char *file = g_strconcat (candidate, db_suffixes[i], NULL);
          taken = g_file_test (file, G_FILE_TEST_EXISTS);
        }
      if (!taken)
        target = g_steal_pointer (&candidate);
    }

  /* Main file first, then its WAL and shared memory: a WAL left behind would be replayed into
   * the next database created at db_path. If anything fails, undo what was moved. */
  for (guint i = 0; i < G_N_ELEMENTS (db_suffixes); i++)
    {
      g_autofree char *from = g_strconcat (db_path, db_suffixes[i], NULL);
      g_autofree char *to = g_strconcat (target, db_suffixes[i], NULL);

      if (i > 0 && !g_file_test (from, G_FILE_TEST_EXISTS))
        continue;
      if (g_rename (from, to) != 0)
        {
          int saved_errno = errno;

          for (guint j = 0; j < i; j++)
            {
              g_autofree char *back_from = g_strconcat (target, db_suffixes[j], NULL);
              g_autofree char *back_to = g_strconcat (db_path, db_suffixes[j], NULL);

              if (g_file_test (back_from, G_FILE_TEST_EXISTS))
                g_rename (back_from, back_to);
            }
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not move the history database aside (%s); nothing was "
                         "changed."), g_strerror (saved_errno));
          return NULL;
        }
      moved++;
    }

  g_message ("Moved an unreadable history database aside (%u files)", moved);
  return g_steal_pointer (&target);
}
