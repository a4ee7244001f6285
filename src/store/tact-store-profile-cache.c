/* tact-store-profile-cache.c: the compiled cache of profiles (schema version 8, table
 * profile_cache), on the store's worker thread through tact_store_call_async(). */
#include "tact-store-private.h"

TactStoreProfileCache *
tact_store_profile_cache_copy (const TactStoreProfileCache *entry)
{
  TactStoreProfileCache *copy = g_new0 (TactStoreProfileCache, 1);

  copy->sha256 = g_strdup (entry->sha256);
  copy->hs_version = g_strdup (entry->hs_version);
  copy->platform = g_strdup (entry->platform);
  copy->compiled = entry->compiled != NULL ? g_bytes_ref (entry->compiled) : NULL;
  copy->json = entry->json != NULL ? g_bytes_ref (entry->json) : NULL;
  copy->created = entry->created;
  return copy;
}

void
tact_store_profile_cache_free (TactStoreProfileCache *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->sha256);
  g_free (entry->hs_version);
  g_free (entry->platform);
  g_clear_pointer (&entry->compiled, g_bytes_unref);
  g_clear_pointer (&entry->json, g_bytes_unref);
  g_free (entry);
}

typedef struct {
  TactStoreProfileCache *entry;   /* owned: what put writes, or what get read (NULL: none) */
  char                  *sha256;  /* owned: get's key, NULL for the newest */
} CacheCall;

static void
cache_call_free (CacheCall *call)
{
  g_clear_pointer (&call->entry, tact_store_profile_cache_free);
  g_free (call->sha256);
  g_free (call);
}

static void
call_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CacheCall *call = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tact_store_call_finish (TACT_STORE (source), result, &error))
    g_task_return_error (task, error);
  else if (g_task_get_source_tag (task) == tact_store_profile_cache_get_async)
    g_task_return_pointer (task, g_steal_pointer (&call->entry),
                           (GDestroyNotify) tact_store_profile_cache_free);
  else
    g_task_return_boolean (task, TRUE);
}

static void
start_call (TactStore *self, gpointer tag, TactStoreWorkerFunc func, CacheCall *call,
            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, call, (GDestroyNotify) cache_call_free);
  tact_store_call_async (self, func, call, cancellable, call_done_cb, g_steal_pointer (&task));
}

static void
bind_bytes (sqlite3_stmt *stmt, int index, GBytes *bytes)
{
  gsize size = 0;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  /* A zero-length blob, not NULL (NOT NULL columns); SQLITE_STATIC: the task holds @bytes
   * until the statement is finalised. */
  if (size == 0)
    sqlite3_bind_zeroblob (stmt, index, 0);
  else
    sqlite3_bind_blob64 (stmt, index, data, size, SQLITE_STATIC);
}

static GBytes *
column_bytes (sqlite3_stmt *stmt, int index)
{
  const void *data = sqlite3_column_blob (stmt, index);
  int size = sqlite3_column_bytes (stmt, index);

  return g_bytes_new (data, data != NULL ? size : 0);
}

static gboolean
worker_put (sqlite3 *db, gpointer user_data, GError **error)
{
  CacheCall *call = user_data;
  const TactStoreProfileCache *e = call->entry;
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) prune = NULL;

  if (!tact_store_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  /* REPLACE gives the row a new rowid: the newest by (created, rowid) even within one ms. */
  if (!tact_store_prepare (db,
                           "INSERT OR REPLACE INTO profile_cache (sha256, hs_version, platform,"
                           "  compiled, json, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           &insert, error))
    return tact_store_rollback (db);
  tact_store_bind_text (insert, 1, e->sha256);
  tact_store_bind_text (insert, 2, e->hs_version);
  tact_store_bind_text (insert, 3, e->platform);
  bind_bytes (insert, 4, e->compiled);
  bind_bytes (insert, 5, e->json);
  sqlite3_bind_int64 (insert, 6, e->created != 0 ? e->created : g_get_real_time () / 1000);
  if (!tact_store_step_done (db, insert, "Could not save the profile cache", error))
    return tact_store_rollback (db);

  if (!tact_store_prepare (db,
                           "DELETE FROM profile_cache WHERE sha256 NOT IN (SELECT sha256"
                           "  FROM profile_cache ORDER BY created DESC, rowid DESC LIMIT ?1)",
                           &prune, error))
    return tact_store_rollback (db);
  sqlite3_bind_int (prune, 1, TACT_STORE_PROFILE_CACHE_KEEP);
  if (!tact_store_step_done (db, prune, "Could not prune the profile cache", error))
    return tact_store_rollback (db);

  if (!tact_store_exec (db, "COMMIT", error))
    return tact_store_rollback (db);
  return TRUE;
}

void
tact_store_profile_cache_put_async (TactStore *self, const TactStoreProfileCache *entry,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  CacheCall *call;

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (entry != NULL && entry->sha256 != NULL && entry->hs_version != NULL &&
                    entry->platform != NULL && entry->compiled != NULL && entry->json != NULL);

  call = g_new0 (CacheCall, 1);
  call->entry = tact_store_profile_cache_copy (entry);
  start_call (self, tact_store_profile_cache_put_async, worker_put, call, cancellable,
              callback, user_data);
}

gboolean
tact_store_profile_cache_put_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
worker_get (sqlite3 *db, gpointer user_data, GError **error)
{
  CacheCall *call = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  TactStoreProfileCache *e;
  int rc;

  if (!tact_store_prepare (db,
                           call->sha256 != NULL ?
                           "SELECT sha256, hs_version, platform, compiled, json, created"
                           " FROM profile_cache WHERE sha256 = ?1" :
                           "SELECT sha256, hs_version, platform, compiled, json, created"
                           " FROM profile_cache ORDER BY created DESC, rowid DESC LIMIT 1",
                           &stmt, error))
    return FALSE;
  if (call->sha256 != NULL)
    tact_store_bind_text (stmt, 1, call->sha256);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;  /* none: entry stays NULL */
  if (rc != SQLITE_ROW)
    {
      tact_store_set_sql_error (error, db, "Could not read the profile cache");
      return FALSE;
    }
  e = g_new0 (TactStoreProfileCache, 1);
  e->sha256 = tact_store_column_dup (stmt, 0);
  e->hs_version = tact_store_column_dup (stmt, 1);
  e->platform = tact_store_column_dup (stmt, 2);
  e->compiled = column_bytes (stmt, 3);
  e->json = column_bytes (stmt, 4);
  e->created = sqlite3_column_int64 (stmt, 5);
  call->entry = e;
  return TRUE;
}

void
tact_store_profile_cache_get_async (TactStore *self, const char *sha256,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  CacheCall *call;

  g_return_if_fail (TACT_IS_STORE (self));

  call = g_new0 (CacheCall, 1);
  call->sha256 = g_strdup (sha256);
  start_call (self, tact_store_profile_cache_get_async, worker_get, call, cancellable,
              callback, user_data);
}

TactStoreProfileCache *
tact_store_profile_cache_get_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
