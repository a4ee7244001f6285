/* tact-session-audit.c: the session's approvals and audit-trail calls (the views' API over
 * TactApprovals, TactAudit, TactTraining and TactPractice). Split from tact-session.c. */
#include <glib/gi18n-lib.h>

#include "tact-send-check-private.h"
#include "tact-session.h"
#include "tact-session-object.h"
#include "tact-session-private.h"

/* ---- Approvals and the audit trail ----------------------------------------------------- */

TactApprovals *tact_session_get_approvals (TactSession *self) { return self->approvals; }
TactTraining *tact_session_get_training (TactSession *self) { return self->training; }
TactGuard *tact_session_get_guard (TactSession *self) { return self->guard; }

TactPractice *
tact_session_get_practice (TactSession *self)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  if (self->practice == NULL)
    self->practice = tact_practice_new (self, self->audit);
  return self->practice;
}

static void
approval_requested_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  TactMessage *echo = tact_approvals_request_finish (TACT_APPROVALS (source), result, &error);

  if (echo)
    g_task_return_pointer (task, echo, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
tact_session_request_approval_async (TactSession *self, TactRoom *room, TactSendCheck *check,
                                     const char *note, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_request_approval_async);
  tact_approvals_request_async (self->approvals, room, check, note, cancellable,
                                approval_requested_cb, g_steal_pointer (&task));
}

TactMessage *
tact_session_request_approval_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The text a check is about, for the audit's hash. */
const char *
_tact_session_check_content (TactSendCheck *check)
{
  return check->text ? check->text : check->file_name;
}

void
tact_session_record_shown (TactSession *self, TactRoom *room, TactSendCheck *check)
{
  static const char * const kinds[] = {
    [TACT_ACTION_ALLOW] = NULL, [TACT_ACTION_WARN] = "warning-shown",
    [TACT_ACTION_JUSTIFY] = "justification-asked", [TACT_ACTION_APPROVE] = "approval-needed",
    [TACT_ACTION_BLOCK] = "blocked",
  };
  const char *kind = kinds[check->verdict->action];

  g_return_if_fail (TACT_IS_SESSION (self));
  if (kind)
    tact_audit_record (self->audit, kind, room, NULL, check->verdict, _tact_session_check_content (check), NULL, NULL);
  _tact_session_record_shadow (self, room, check, NULL);
}

void
tact_session_record_cancelled (TactSession *self, TactRoom *room, TactSendCheck *check)
{
  g_return_if_fail (TACT_IS_SESSION (self));
  tact_audit_record (self->audit, "cancelled", room, check->txn_id, check->verdict,
                     _tact_session_check_content (check), NULL, NULL);
}

void
tact_session_report_false_positive (TactSession *self, TactRoom *room, TactSendCheck *check,
                                    const char *comment)
{
  g_autofree char *stripped = comment ? g_strstrip (g_strdup (comment)) : NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  tact_audit_record (self->audit, "false-positive", room, check->txn_id, check->verdict,
                     _tact_session_check_content (check), NULL, stripped && *stripped ? stripped : NULL);
}

static void
audit_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *rows = tact_audit_list_finish (TACT_AUDIT (source), result, &error);

  if (rows)
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

gboolean
tact_session_is_supervisor (TactSession *self)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), FALSE);
  return tact_audit_is_supervisor (self->audit);
}

static void
supervision_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *rows = tact_audit_list_supervision_finish (TACT_AUDIT (source), result, &error);

  if (rows)
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

void
tact_session_list_supervision_async (TactSession *self, const char *sender, const char *rule_id,
                                     const char *action, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_list_supervision_async);
  tact_audit_list_supervision_async (self->audit, sender, rule_id, action, cancellable,
                                     supervision_listed_cb, g_steal_pointer (&task));
}

GPtrArray *
tact_session_list_supervision_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
supervision_stats_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *rows = tact_audit_stats_finish (TACT_AUDIT (source), result, &error);

  if (rows)
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

void
tact_session_supervision_stats_async (TactSession *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_supervision_stats_async);
  tact_audit_stats_async (self->audit, cancellable, supervision_stats_cb, g_steal_pointer (&task));
}

GPtrArray *
tact_session_supervision_stats_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tact_session_list_audit_async (TactSession *self, guint limit, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_list_audit_async);
  tact_audit_list_async (self->audit, limit, cancellable, audit_listed_cb, g_steal_pointer (&task));
}

GPtrArray *
tact_session_list_audit_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

