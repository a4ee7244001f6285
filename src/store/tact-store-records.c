/* tact-store-records.c: approval requests and audit records (schema version 7), on the store's
 * worker thread through tact_store_call_async(). */
#include "tact-store-private.h"

/* ---- Rows ------------------------------------------------------------------------ */

TactStoreApproval *
tact_store_approval_copy (const TactStoreApproval *approval)
{
  TactStoreApproval *copy = g_new0 (TactStoreApproval, 1);

  *copy = *approval;
  copy->request_id = g_strdup (approval->request_id);
  copy->txn_id = g_strdup (approval->txn_id);
  copy->room_id = g_strdup (approval->room_id);
  copy->event_id = g_strdup (approval->event_id);
  copy->target_room_id = g_strdup (approval->target_room_id);
  copy->sha256 = g_strdup (approval->sha256);
  copy->approvers = g_strdup (approval->approvers);
  copy->rule_ids = g_strdup (approval->rule_ids);
  copy->requester = g_strdup (approval->requester);
  copy->note = g_strdup (approval->note);
  copy->request_json = g_strdup (approval->request_json);
  copy->state = g_strdup (approval->state);
  copy->decided_by = g_strdup (approval->decided_by);
  copy->decision_event_id = g_strdup (approval->decision_event_id);
  copy->comment = g_strdup (approval->comment);
  return copy;
}

void
tact_store_approval_free (TactStoreApproval *approval)
{
  if (approval == NULL)
    return;
  g_free (approval->request_id);
  g_free (approval->txn_id);
  g_free (approval->room_id);
  g_free (approval->event_id);
  g_free (approval->target_room_id);
  g_free (approval->sha256);
  g_free (approval->approvers);
  g_free (approval->rule_ids);
  g_free (approval->requester);
  g_free (approval->note);
  g_free (approval->request_json);
  g_free (approval->state);
  g_free (approval->decided_by);
  g_free (approval->decision_event_id);
  g_free (approval->comment);
  g_free (approval);
}

TactStoreAuditRecord *
tact_store_audit_record_copy (const TactStoreAuditRecord *record)
{
  TactStoreAuditRecord *copy = g_new0 (TactStoreAuditRecord, 1);

  *copy = *record;
  copy->kind = g_strdup (record->kind);
  copy->room_id = g_strdup (record->room_id);
  copy->txn_id = g_strdup (record->txn_id);
  copy->rule_ids = g_strdup (record->rule_ids);
  copy->clauses = g_strdup (record->clauses);
  copy->action = g_strdup (record->action);
  copy->justification = g_strdup (record->justification);
  copy->content_sha256 = g_strdup (record->content_sha256);
  copy->comment = g_strdup (record->comment);
  copy->sender = g_strdup (record->sender);
  return copy;
}

void
tact_store_audit_record_free (TactStoreAuditRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->kind);
  g_free (record->room_id);
  g_free (record->txn_id);
  g_free (record->rule_ids);
  g_free (record->clauses);
  g_free (record->action);
  g_free (record->justification);
  g_free (record->content_sha256);
  g_free (record->comment);
  g_free (record->sender);
  g_free (record);
}

/* ---- Worker calls: one GTask each, its data owned by the task ----------------------- */

typedef struct {
  gpointer       row;       /* owned: a TactStoreApproval or TactStoreAuditRecord to write */
  GDestroyNotify row_free;
  char          *room_id;   /* owned: list_events_of_type's */
  char          *type;
  guint          limit;
  GPtrArray     *rows;      /* owned: what a list read */
} CallData;

static void
call_data_free (CallData *data)
{
  if (data->row)
    data->row_free (data->row);
  g_free (data->room_id);
  g_free (data->type);
  g_clear_pointer (&data->rows, g_ptr_array_unref);
  g_free (data);
}

static void
call_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tact_store_call_finish (TACT_STORE (source), result, &error))
    g_task_return_error (task, error);
  else if (data->rows)
    g_task_return_pointer (task, g_steal_pointer (&data->rows), (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_boolean (task, TRUE);
}

static void
start_call (TactStore *self, gpointer tag, TactStoreWorkerFunc func, CallData *data,
            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);
  tact_store_call_async (self, func, data, cancellable, call_done_cb, g_steal_pointer (&task));
}

/* ---- Approvals --------------------------------------------------------------------- */

static gboolean
worker_approval_save (sqlite3 *db, gpointer user_data, GError **error)
{
  CallData *data = user_data;
  const TactStoreApproval *a = data->row;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  /* Not a hot path (a request, a decision), so REPLACE's statement journal does not matter. */
  if (!tact_store_prepare (db,
                           "INSERT OR REPLACE INTO approvals (request_id, role, txn_id, room_id,"
                           "  event_id, target_room_id, sha256, approvers, rule_ids, requester, note,"
                           "  request_json, expires_ts, state, decided_by, decision_event_id, comment,"
                           "  created)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                           "  ?16, ?17, ?18)",
                           &stmt, error))
    return FALSE;
  tact_store_bind_text (stmt, 1, a->request_id);
  tact_store_bind_text (stmt, 2, a->incoming ? "incoming" : "outgoing");
  tact_store_bind_text (stmt, 3, a->txn_id);
  tact_store_bind_text (stmt, 4, a->room_id);
  tact_store_bind_text (stmt, 5, a->event_id);
  tact_store_bind_text (stmt, 6, a->target_room_id);
  tact_store_bind_text (stmt, 7, a->sha256);
  tact_store_bind_text (stmt, 8, a->approvers);
  tact_store_bind_text (stmt, 9, a->rule_ids);
  tact_store_bind_text (stmt, 10, a->requester);
  tact_store_bind_text (stmt, 11, a->note);
  tact_store_bind_text (stmt, 12, a->request_json);
  sqlite3_bind_int64 (stmt, 13, a->expires_ts);
  tact_store_bind_text (stmt, 14, a->state ? a->state : "pending");
  tact_store_bind_text (stmt, 15, a->decided_by);
  tact_store_bind_text (stmt, 16, a->decision_event_id);
  tact_store_bind_text (stmt, 17, a->comment);
  sqlite3_bind_int64 (stmt, 18, a->created != 0 ? a->created : g_get_real_time () / 1000);
  return tact_store_step_done (db, stmt, "Could not save an approval request", error);
}

void
tact_store_approval_save_async (TactStore *self, const TactStoreApproval *approval,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  CallData *data = g_new0 (CallData, 1);

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (approval != NULL && approval->request_id != NULL && approval->room_id != NULL);

  data->row = tact_store_approval_copy (approval);
  data->row_free = (GDestroyNotify) tact_store_approval_free;
  start_call (self, tact_store_approval_save_async, worker_approval_save, data, cancellable,
              callback, user_data);
}

gboolean
tact_store_approval_save_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
worker_approval_list (sqlite3 *db, gpointer user_data, GError **error)
{
  CallData *data = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_approval_free);
  int rc;

  if (!tact_store_prepare (db,
                           "SELECT request_id, role, txn_id, room_id, event_id, target_room_id, sha256,"
                           "  approvers, rule_ids, requester, note, request_json, expires_ts, state,"
                           "  decided_by, decision_event_id, comment, created"
                           " FROM approvals ORDER BY created, rowid",
                           &stmt, error))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TactStoreApproval *a = g_new0 (TactStoreApproval, 1);

      a->request_id = tact_store_column_dup (stmt, 0);
      a->incoming = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "incoming") == 0;
      a->txn_id = tact_store_column_dup (stmt, 2);
      a->room_id = tact_store_column_dup (stmt, 3);
      a->event_id = tact_store_column_dup (stmt, 4);
      a->target_room_id = tact_store_column_dup (stmt, 5);
      a->sha256 = tact_store_column_dup (stmt, 6);
      a->approvers = tact_store_column_dup (stmt, 7);
      a->rule_ids = tact_store_column_dup (stmt, 8);
      a->requester = tact_store_column_dup (stmt, 9);
      a->note = tact_store_column_dup (stmt, 10);
      a->request_json = tact_store_column_dup (stmt, 11);
      a->expires_ts = sqlite3_column_int64 (stmt, 12);
      a->state = tact_store_column_dup (stmt, 13);
      a->decided_by = tact_store_column_dup (stmt, 14);
      a->decision_event_id = tact_store_column_dup (stmt, 15);
      a->comment = tact_store_column_dup (stmt, 16);
      a->created = sqlite3_column_int64 (stmt, 17);
      g_ptr_array_add (rows, a);
    }
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, db, "Could not list the approval requests");
      return FALSE;
    }
  data->rows = g_steal_pointer (&rows);
  return TRUE;
}

void
tact_store_approval_list_async (TactStore *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_STORE (self));
  start_call (self, tact_store_approval_list_async, worker_approval_list, g_new0 (CallData, 1),
              cancellable, callback, user_data);
}

GPtrArray *
tact_store_approval_list_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Outbox rows awaiting an approver --------------------------------------------- */

typedef struct {
  char *txn_id;
  char *text;
} NoteData;

static gboolean
worker_outbox_set_note (sqlite3 *db, gpointer user_data, GError **error)
{
  CallData *data = user_data;
  NoteData *note = data->row;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!tact_store_prepare (db, "UPDATE outbox SET error = ?2 WHERE txn_id = ?1 AND state != 'sent'",
                           &stmt, error))
    return FALSE;
  tact_store_bind_text (stmt, 1, note->txn_id);
  tact_store_bind_text (stmt, 2, note->text);
  return tact_store_step_done (db, stmt, "Could not update the outbox", error);
}

static void
note_data_free (NoteData *note)
{
  g_free (note->txn_id);
  g_free (note->text);
  g_free (note);
}

void
tact_store_outbox_set_note_async (TactStore *self, const char *txn_id, const char *text,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  CallData *data = g_new0 (CallData, 1);
  NoteData *note = g_new0 (NoteData, 1);

  g_return_if_fail (TACT_IS_STORE (self));
  note->txn_id = g_strdup (txn_id);
  note->text = g_strdup (text);
  data->row = note;
  data->row_free = (GDestroyNotify) note_data_free;
  start_call (self, tact_store_outbox_set_note_async, worker_outbox_set_note, data, cancellable,
              callback, user_data);
}

gboolean
tact_store_outbox_set_note_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Audit ------------------------------------------------------------------------ */

static gboolean
worker_audit_add (sqlite3 *db, gpointer user_data, GError **error)
{
  CallData *data = user_data;
  const TactStoreAuditRecord *r = data->row;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (!tact_store_prepare (db,
                           "INSERT INTO audit (ts, kind, room_id, txn_id, rule_ids, action,"
                           "  justification, clauses, content_sha256, comment)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                           &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, r->ts != 0 ? r->ts : g_get_real_time () / 1000);
  tact_store_bind_text (stmt, 2, r->kind);
  tact_store_bind_text (stmt, 3, r->room_id);
  tact_store_bind_text (stmt, 4, r->txn_id);
  tact_store_bind_text (stmt, 5, r->rule_ids);
  tact_store_bind_text (stmt, 6, r->action);
  tact_store_bind_text (stmt, 7, r->justification);
  tact_store_bind_text (stmt, 8, r->clauses);
  tact_store_bind_text (stmt, 9, r->content_sha256);
  tact_store_bind_text (stmt, 10, r->comment);
  return tact_store_step_done (db, stmt, "Could not write the audit record", error);
}

void
tact_store_audit_add_async (TactStore *self, const TactStoreAuditRecord *record,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  CallData *data = g_new0 (CallData, 1);

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (record != NULL && record->kind != NULL);

  data->row = tact_store_audit_record_copy (record);
  data->row_free = (GDestroyNotify) tact_store_audit_record_free;
  start_call (self, tact_store_audit_add_async, worker_audit_add, data, cancellable, callback,
              user_data);
}

gboolean
tact_store_audit_add_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
worker_audit_list (sqlite3 *db, gpointer user_data, GError **error)
{
  CallData *data = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_audit_record_free);
  int rc;

  if (!tact_store_prepare (db,
                           "SELECT id, ts, kind, room_id, txn_id, rule_ids, action, justification,"
                           "  clauses, content_sha256, comment"
                           " FROM audit ORDER BY id DESC LIMIT ?1",
                           &stmt, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, data->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TactStoreAuditRecord *r = g_new0 (TactStoreAuditRecord, 1);

      r->id = sqlite3_column_int64 (stmt, 0);
      r->ts = sqlite3_column_int64 (stmt, 1);
      r->kind = tact_store_column_dup (stmt, 2);
      r->room_id = tact_store_column_dup (stmt, 3);
      r->txn_id = tact_store_column_dup (stmt, 4);
      r->rule_ids = tact_store_column_dup (stmt, 5);
      r->action = tact_store_column_dup (stmt, 6);
      r->justification = tact_store_column_dup (stmt, 7);
      r->clauses = tact_store_column_dup (stmt, 8);
      r->content_sha256 = tact_store_column_dup (stmt, 9);
      r->comment = tact_store_column_dup (stmt, 10);
      g_ptr_array_add (rows, r);
    }
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, db, "Could not list the audit records");
      return FALSE;
    }
  data->rows = g_steal_pointer (&rows);
  return TRUE;
}

void
tact_store_audit_list_async (TactStore *self, guint limit, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  CallData *data = g_new0 (CallData, 1);

  g_return_if_fail (TACT_IS_STORE (self));
  data->limit = limit > 0 ? limit : 1000;
  start_call (self, tact_store_audit_list_async, worker_audit_list, data, cancellable, callback,
              user_data);
}

GPtrArray *
tact_store_audit_list_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Events of one type (a supervision room's audit records) ------------------------ */

static gboolean
worker_list_events_of_type (sqlite3 *db, gpointer user_data, GError **error)
{
  CallData *data = user_data;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
  int rc;

  if (!tact_store_prepare (db,
                           "SELECT event_id, sender, ts, json FROM events"
                           " WHERE room_id = ?1 AND type = ?2 ORDER BY ts DESC, id DESC LIMIT ?3",
                           &stmt, error))
    return FALSE;
  tact_store_bind_text (stmt, 1, data->room_id);
  tact_store_bind_text (stmt, 2, data->type);
  sqlite3_bind_int64 (stmt, 3, data->limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TactStoreEvent *event = g_new0 (TactStoreEvent, 1);

      event->room_id = g_strdup (data->room_id);
      event->type = g_strdup (data->type);
      event->event_id = tact_store_column_dup (stmt, 0);
      event->sender = tact_store_column_dup (stmt, 1);
      event->ts = sqlite3_column_int64 (stmt, 2);
      event->json = tact_store_column_dup (stmt, 3);
      event->send_state = TACT_SEND_STATE_SENT;
      g_ptr_array_add (rows, event);
    }
  if (rc != SQLITE_DONE)
    {
      tact_store_set_sql_error (error, db, "Could not list events");
      return FALSE;
    }
  data->rows = g_steal_pointer (&rows);
  return TRUE;
}

void
tact_store_list_events_of_type_async (TactStore *self, const char *room_id, const char *type,
                                      guint limit, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  CallData *data = g_new0 (CallData, 1);

  g_return_if_fail (TACT_IS_STORE (self));
  g_return_if_fail (room_id != NULL && type != NULL);
  data->room_id = g_strdup (room_id);
  data->type = g_strdup (type);
  data->limit = limit > 0 ? limit : 1000;
  start_call (self, tact_store_list_events_of_type_async, worker_list_events_of_type, data,
              cancellable, callback, user_data);
}

GPtrArray *
tact_store_list_events_of_type_finish (TactStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
