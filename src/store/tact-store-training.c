/* tact-store-training.c: the policy tutorial's completions (schema version 9, table
 * training; issue 9, TRN-1/TRN-2), on the store's worker thread through
 * tact_store_call_async(). One row per completed quiz, passed or not: the profile it was
 * taken under, the score and pass mark, the lessons read and the role module chosen. */
#include "tact-store-private.h"

TactStoreTraining *
tact_store_training_copy (const TactStoreTraining *training)
{
  TactStoreTraining *copy = g_new0 (TactStoreTraining, 1);

  *copy = *training;
  copy->profile_id = g_strdup (training->profile_id);
  copy->profile_version = g_strdup (training->profile_version);
  copy->module = g_strdup (training->module);
  return copy;
}

void
tact_store_training_free (TactStoreTraining *training)
{
  if (training == NULL)
    return;
  g_free (training->profile_id);
  g_free (training->profile_version);
  g_free (training->module);
  g_free (training);
}

typedef struct {
  TactStoreTraining *row;    /* owned: what add writes */
  GPtrArray         *rows;   /* owned: what list read */
  guint              limit;
} TrainingCall;

static void
training_call_free (TrainingCall *call)
{
  g_clear_pointer (&call->row, tact_store_training_free);
  g_clear_pointer (&call->rows, g_ptr_array_unref);
  g_free (call);
}

static void
call_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TrainingCall *call = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tact_store_call_finish (TACT_STORE (source), result, &error))
    g_task_return_error (task, error);
  else if (g_task_get_source_tag (task) == tact_store_training_list_async)
    g_task_return_pointer (task, g_steal_pointer (&call->rows), (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_boolean (task, TRUE);
}

static void
start_call (TactStore *self, gpointer tag, TactStoreWorkerFunc func, TrainingCall *call,
            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, call, (GDestroyNotify) training_call_free);
  tact_store_call_async (self, func, call, cancellable, call_done_cb, g_steal_pointer (&task));
}

static gboolean
worker_add (sqlite3 *db, gpointer user_data, GError **error)
{
  TrainingCall *call = user_data;
  const TactStoreTraining *t = call->row;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!tact_store_prepare (db,
                           "INSERT INTO training (ts, profile_id, profile_version, score,"
                           "  pass_mark, passed, lessons_done, lessons_total, module)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, t->ts != 0 ? t->ts : g_get_real_time () / 1000);
  tact_store_bind_text (stmt, 2, t->profile_id);
  tact_store_bind_text (stmt, 3, t->profile_version);
  sqlite3_bind_int (stmt, 4, (int) t->score);
  sqlite3_bind_int (stmt, 5, (int) t->pass_mark);
  sqlite3_bind_int (stmt, 6, t->passed ? 1 : 0);
  sqlite3_bind_int (stmt, 7, (int) t->lessons_done);
  sqlite3_bind_int (stmt, 8, (int) t->lessons_total);
  tact_store_bind_text (stmt, 9, t->module);
  return tact_store_step_done (db, stmt, "Could not save the tutorial's result", error);
}

void
tact_store_training_add_async (TactStore *self, const TactStoreTraining *training,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  TrainingCall *call;

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (training != NULL && training->profile_id != NULL &&
                    training->profile_version != NULL);

  call = g_new0 (TrainingCall, 1);
  call->row = tact_store_training_copy (training);
  start_call (self, tact_store_training_add_async, worker_add, call, cancellable, callback,
              user_data);
}

gboolean
tact_store_training_add_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
worker_list (sqlite3 *db, gpointer user_data, GError **error)
{
  TrainingCall *call = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_training_free);
  int rc;

  if (!tact_store_prepare (db,
                           "SELECT id, ts, profile_id, profile_version, score, pass_mark, passed,"
                           "  lessons_done, lessons_total, module"
                           " FROM training ORDER BY ts DESC, id DESC LIMIT ?1",
                           &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, call->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TactStoreTraining *t = g_new0 (TactStoreTraining, 1);

      t->id = sqlite3_column_int64 (stmt, 0);
      t->ts = sqlite3_column_int64 (stmt, 1);
      t->profile_id = tact_store_column_dup (stmt, 2);
      t->profile_version = tact_store_column_dup (stmt, 3);
      t->score = (guint) sqlite3_column_int (stmt, 4);
      t->pass_mark = (guint) sqlite3_column_int (stmt, 5);
      t->passed = sqlite3_column_int (stmt, 6) != 0;
      t->lessons_done = (guint) sqlite3_column_int (stmt, 7);
      t->lessons_total = (guint) sqlite3_column_int (stmt, 8);
      t->module = tact_store_column_dup (stmt, 9);
      g_ptr_array_add (rows, t);
    }
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, db, "Could not read the tutorial's results");
      return FALSE;
    }
  call->rows = g_steal_pointer (&rows);
  return TRUE;
}

void
tact_store_training_list_async (TactStore *self, guint limit, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  TrainingCall *call;

  g_return_if_fail (TACT_IS_STORE (self));
  call = g_new0 (TrainingCall, 1);
  call->limit = limit;
  start_call (self, tact_store_training_list_async, worker_list, call, cancellable, callback,
              user_data);
}

GPtrArray *
tact_store_training_list_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
