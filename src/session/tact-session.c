/* tact-session.c: an account's live state, made of workflow objects that each do one job.
 *
 *   TactRoomList   the rooms and their store rows
 *   TactHistory    stored timelines, back-pagination, recorded holes
 *   TactSyncLoop   /sync -> rooms and timelines -> store (events and token in one transaction)
 *   TactGuard      the one check of everything outgoing; fails closed
 *   TactOutbox     outbox row with txnId -> [upload] -> PUT, retried, resumed, refused
 *
 * The session builds them, wires their signals (a refused token from the loop or the outbox is
 * a logout), and offers the views one API: ask for a TactSendCheck, show it, hand back the
 * person's decision; the session sends. docs/architecture.md.
 */
#include <glib/gi18n-lib.h>

#include "tact-session.h"
#include "tact-session-private.h"
#include "tact-session-object.h"
#include "tact-approvals.h"
#include "tact-practice.h"
#include "tact-training.h"
#include "tact-audit.h"
#include "tact-guard.h"
#include "tact-history.h"
#include "tact-outbox.h"
#include "tact-policy-room.h"
#include "tact-room-list.h"
#include "tact-send-check-private.h"
#include "tact-session-util.h"
#include "tact-sync-loop.h"

#include <errno.h>
#include <glib/gstdio.h>

G_DEFINE_QUARK (tact-session-error-quark, tact_session_error)


G_DEFINE_FINAL_TYPE (TactSession, tact_session, G_TYPE_OBJECT)


enum {
  PROP_0,
  PROP_SYNC_STATE,
  PROP_PROFILE,
  PROP_RETRY_DELAY,
  N_PROPS
};

enum {
  SIGNAL_LOGGED_OUT,
  SIGNAL_ACCOUNT_CLEARED,
  SIGNAL_POLICY_NOTICE,
  SIGNAL_SENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
tact_session_set_retry_scale (TactSession *self, double scale)
{
  tact_outbox_set_retry_scale (self->outbox, scale);
  tact_sync_loop_set_retry_scale (self->sync, scale);
}

guint
tact_session_send_retry_delay_ms (const GError *error, guint attempts)
{
  return tact_outbox_retry_delay_ms (error, attempts);
}

char *
tact_session_dup_outbox_media_path (const char *txn_id)
{
  return tact_send_dup_outbox_media_path (txn_id);
}

/* The server no longer accepts the token (the sync loop or the outbox found out). Everything
 * local is kept (the outbox included); a soft logout lets the user sign in again on the same
 * device (tact_account_relogin_async). */
static void
token_rejected_cb (GObject *source, const GError *error, TactSession *self)
{
  gboolean soft = tact_matrix_error_is_soft_logout (error);
  g_autoptr(TactSession) alive = g_object_ref (self);   /* handlers may drop the last ref */

  if (self->logged_out)
    return;
  self->logged_out = TRUE;
  tact_sync_loop_set_logged_out (self->sync);
  tact_outbox_set_paused (self->outbox, TRUE);
  /* A hard logout ends this device's session on the server: nothing will work again with this
   * token, so the sync loop and the queues stop (the outbox stays in the store, the history
   * too). A soft logout only pauses them until tact_account_relogin_async. */
  if (!soft)
    tact_session_stop (self);
  g_signal_emit (self, signals[SIGNAL_LOGGED_OUT], 0, soft);
}

static void
outbox_held_cb (TactOutbox *outbox, const char *room_id, const char *txn_id, TactVerdict *verdict,
                TactSession *self)
{
  tact_audit_publish (self->audit, "held-for-review", tact_room_list_lookup (self->rooms, room_id),
                      txn_id, verdict, NULL, NULL);
}

static void
policy_notice_cb (TactPolicyRoom *policy_room, const char *message, TactSession *self)
{
  g_signal_emit (self, signals[SIGNAL_POLICY_NOTICE], 0, message);
}

static void
forward_notify_cb (GObject *source, GParamSpec *pspec, TactSession *self)
{
  if (g_strcmp0 (pspec->name, "state") == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_STATE]);
  else if (g_strcmp0 (pspec->name, "retry-delay") == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_DELAY]);
  else if (g_strcmp0 (pspec->name, "profile") == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

static void
tact_session_dispose (GObject *object)
{
  TactSession *self = TACT_SESSION (object);

  tact_session_stop (self);
  if (self->sync)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  if (self->outbox)
    g_signal_handlers_disconnect_by_data (self->outbox, self);
  if (self->guard)
    g_signal_handlers_disconnect_by_data (self->guard, self);
  if (self->policy_room)
    g_signal_handlers_disconnect_by_data (self->policy_room, self);
  g_clear_object (&self->policy_room);
  g_clear_object (&self->approvals);
  g_clear_object (&self->training);
  g_clear_object (&self->practice);
  g_clear_object (&self->audit);
  g_clear_object (&self->outbox);
  g_clear_object (&self->sync);
  g_clear_object (&self->history);
  g_clear_object (&self->guard);
  g_clear_object (&self->rooms);
  g_clear_object (&self->client);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tact_session_parent_class)->dispose (object);
}

static void
tact_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactSession *self = TACT_SESSION (object);

  switch (prop_id)
    {
    case PROP_SYNC_STATE: g_value_set_int (value, tact_session_get_sync_state (self)); break;
    case PROP_PROFILE: g_value_set_object (value, tact_session_get_profile (self)); break;
    case PROP_RETRY_DELAY: g_value_set_uint (value, tact_sync_loop_get_retry_delay (self->sync)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_session_class_init (TactSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tact_session_dispose;
  object_class->get_property = tact_session_get_property;

  properties[PROP_SYNC_STATE] =
    g_param_spec_int ("sync-state", NULL, NULL, TACT_SYNC_STATE_STOPPED, TACT_SYNC_STATE_ERROR,
                      TACT_SYNC_STATE_STOPPED,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* NULL when no usable profile is in force: then the guard blocks everything. */
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, TACT_TYPE_PROFILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Offline: the seconds until the next sync attempt (1, 5, 10, 20, then 30), 0 otherwise.
   * Notified each time an attempt is scheduled, so a view can say "retrying in …". */
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TactSession::logged-out:
   * @soft: TRUE for a soft logout (the device may sign in again and keep its data)
   *
   * The server no longer accepts the access token.
   */
  /* With @soft FALSE (a hard logout: what Synapse 1.67 always sends, fixture 78) the session
   * has already stopped syncing and sending when this is emitted, and an account made by
   * tact-account.c removes the dead token from the keyring: the UI shows the sign-in page. */
  signals[SIGNAL_LOGGED_OUT] =
    g_signal_new ("logged-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  /**
   * TactSession::account-cleared:
   *
   * After a hard logout, the account's sign-in has been removed from the keyring (emitted by
   * tact-account.c, even when the keyring failed: the warning is logged), so the next start
   * shows the sign-in page. The history database and its key are kept.
   */
  signals[SIGNAL_ACCOUNT_CLEARED] =
    g_signal_new ("account-cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  /**
   * TactSession::policy-notice:
   * @message: what happened to the company policy (translated), for a notice
   *
   * A profile from the policy room was applied, or refused (the previous one stays).
   */
  signals[SIGNAL_POLICY_NOTICE] =
    g_signal_new ("policy-notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * TactSession::sent:
   * @room_id: the room
   * @action: the verdict's action it was sent with ("allow", "warn", "justify")
   *
   * A message or file was handed to the outbox after the guard's verdict (tact_session_send).
   */
  signals[SIGNAL_SENT] =
    g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
tact_session_init (TactSession *self)
{
}

TactSession *
tact_session_new (TactMatrixClient *client, TactStore *store, TactProfile *profile)
{
  TactSession *self;

  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (client), NULL);
  g_return_val_if_fail (TACT_IS_STORE (store), NULL);
  g_return_val_if_fail (profile == NULL || TACT_IS_PROFILE (profile), NULL);

  self = g_object_new (TACT_TYPE_SESSION, NULL);
  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->rooms = tact_room_list_new (store, tact_matrix_client_get_user_id (client));
  self->history = tact_history_new (client, store, self->rooms);
  self->sync = tact_sync_loop_new (client, store, self->rooms, self->history);
  self->guard = tact_guard_new (self->rooms);
  self->outbox = tact_outbox_new (client, store, self->rooms, self->guard);
  self->audit = tact_audit_new (client, store, self->rooms, self->guard, self->outbox);
  self->approvals = tact_approvals_new (client, store, self->rooms, self->guard, self->outbox,
                                        self->audit);
  tact_guard_set_profile (self->guard, profile);
  self->training = tact_training_new (store, self->guard, self->audit);
  tact_training_load (self->training);
  g_signal_connect_swapped (self->sync, "protocol-event", G_CALLBACK (tact_approvals_handle_event),
                            self->approvals);
  self->policy_room = tact_policy_room_new (client, store, self->rooms, self->guard, self->outbox);
  g_signal_connect_swapped (self->sync, "protocol-event", G_CALLBACK (tact_policy_room_handle_event),
                            self->policy_room);
  g_signal_connect (self->policy_room, "notice", G_CALLBACK (policy_notice_cb), self);

  g_signal_connect (self->sync, "token-rejected", G_CALLBACK (token_rejected_cb), self);
  g_signal_connect (self->outbox, "token-rejected", G_CALLBACK (token_rejected_cb), self);
  g_signal_connect (self->outbox, "held", G_CALLBACK (outbox_held_cb), self);
  g_signal_connect (self->sync, "notify::state", G_CALLBACK (forward_notify_cb), self);
  g_signal_connect (self->sync, "notify::retry-delay", G_CALLBACK (forward_notify_cb), self);
  g_signal_connect (self->guard, "notify::profile", G_CALLBACK (forward_notify_cb), self);
  return self;
}

TactMatrixClient *tact_session_get_client (TactSession *self) { return self->client; }
TactStore *tact_session_get_store (TactSession *self) { return self->store; }
TactProfile *tact_session_get_profile (TactSession *self) { return tact_guard_get_profile (self->guard); }
TactSyncState tact_session_get_sync_state (TactSession *self) { return tact_sync_loop_get_state (self->sync); }
const GError *tact_session_get_sync_error (TactSession *self) { return tact_sync_loop_get_error (self->sync); }
GListModel *tact_session_get_rooms (TactSession *self) { return tact_room_list_get_model (self->rooms); }
TactRoom *tact_session_get_open_room (TactSession *self) { return tact_room_list_get_open (self->rooms); }

const char *
tact_session_get_user_id (TactSession *self)
{
  return tact_matrix_client_get_user_id (self->client);
}

void
tact_session_set_profile (TactSession *self, TactProfile *profile)
{
  g_return_if_fail (TACT_IS_SESSION (self));
  tact_guard_set_profile (self->guard, profile);
}

void
tact_session_set_profile_error (TactSession *self, const GError *error)
{
  g_return_if_fail (TACT_IS_SESSION (self));
  tact_guard_set_profile_error (self->guard, error);
}

TactRoom *
tact_session_lookup_room (TactSession *self, const char *room_id)
{
  return tact_room_list_lookup (self->rooms, room_id);
}

void
tact_session_set_open_room (TactSession *self, TactRoom *room)
{
  g_return_if_fail (TACT_IS_SESSION (self));
  tact_room_list_set_open (self->rooms, room);
}

void
tact_session_load_timeline (TactSession *self, TactRoom *room)
{
  tact_history_load_timeline (self->history, room);
}

static void
older_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  gssize added = tact_history_load_older_finish (TACT_HISTORY (source), result, &error);

  if (added < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, added);
}

void
tact_session_load_older_async (TactSession *self, TactRoom *room, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_session_load_older_async);
  tact_history_load_older_async (self->history, room, cancellable, older_loaded_cb,
                                 g_steal_pointer (&task));
}

gssize
tact_session_load_older_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

/* ---- Start-up: store -> models -> sync position -> outbox -> filter -> sync -------------- */

static void
outbox_started_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tact_outbox_start_finish (TACT_OUTBOX (source), result, &error))
    {
      tact_session_log_store_error ("Could not read the outbox", error);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    }
  if (self->cancellable)
    tact_sync_loop_run (self->sync);
}

static void
sync_started_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tact_sync_loop_start_finish (TACT_SYNC_LOOP (source), result, &error) || !self->cancellable)
    return;
  /* Unfinished sends resume before the first sync: a room's messages leave in order. */
  tact_outbox_start_async (self->outbox, outbox_started_cb, g_object_ref (self));
}

static void
rooms_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) room_ids = NULL;

  room_ids = tact_room_list_load_finish (TACT_ROOM_LIST (source), result, &error);
  if (self->cancellable == NULL)
    return;
  if (!room_ids)
    tact_session_log_store_error ("Could not read the room list", error);
  tact_sync_loop_start_async (self->sync, sync_started_cb, g_object_ref (self));
  for (guint i = 0; room_ids && room_ids[i]; i++)
    {
      tact_sync_loop_ensure_members (self->sync, tact_room_list_lookup (self->rooms, room_ids[i]));
      tact_history_restore_gap (self->history, room_ids[i]);
    }
}

static void
user_id_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_set_meta_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not save account settings", error);
}

static void
stored_policy_room_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autofree char *room = tact_store_get_meta_finish (TACT_STORE (source), result, NULL);

  if (room && *room && self->cancellable && !tact_policy_room_get_room_ref (self->policy_room))
    tact_session_set_policy_room (self, room);
}

void
tact_session_start (TactSession *self)
{
  g_return_if_fail (TACT_IS_SESSION (self));

  if (self->cancellable)
    return;
  self->cancellable = g_cancellable_new ();
  self->logged_out = FALSE;
  /* The store names the sender of local echoes it reads back from the outbox with this. */
  tact_store_set_meta_async (self->store, "user_id", tact_session_get_user_id (self), NULL,
                             user_id_saved_cb, NULL);
  tact_approvals_start (self->approvals);
  tact_policy_room_start (self->policy_room);
  /* The policy room the homeserver announced at an earlier sign-in. */
  tact_store_get_meta_async (self->store, "company:policy_room", self->cancellable,
                             stored_policy_room_cb, g_object_ref (self));
  tact_room_list_load_async (self->rooms, self->cancellable, rooms_loaded_cb, g_object_ref (self));
}

void
tact_session_stop (TactSession *self)
{
  if (!self->cancellable)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  tact_sync_loop_stop (self->sync);
  tact_outbox_stop (self->outbox);
  tact_approvals_stop (self->approvals);
  tact_policy_room_stop (self->policy_room);
}

void
tact_session_set_policy_room (TactSession *self, const char *room_id_or_alias)
{
  g_return_if_fail (TACT_IS_SESSION (self));
  if (g_strcmp0 (tact_policy_room_get_room_ref (self->policy_room), room_id_or_alias) == 0)
    return;
  tact_policy_room_stop (self->policy_room);
  tact_policy_room_set_room (self->policy_room, room_id_or_alias);
  if (self->cancellable)
    tact_policy_room_start (self->policy_room);
}

static void
company_config_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactSession *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(JsonObject) config = tact_matrix_fetch_company_config_finish (TACT_MATRIX_CLIENT (source), result, &error);
  const char *policy_room;

  if (error)
    {
      g_task_return_error (task, error);
      return;
    }
  policy_room = tact_json_get_string (config, "policy_room");
  if (tact_json_get_string (config, "supervision_room"))
    tact_session_set_supervision_room (self, tact_json_get_string (config, "supervision_room"));
  if (policy_room && *policy_room)
    {
      tact_store_set_meta_async (self->store, "company:policy_room", policy_room, NULL, NULL, NULL);
      tact_session_set_policy_room (self, policy_room);
    }
  g_task_return_pointer (task, g_strdup (policy_room), g_free);
}

void
tact_session_configure_from_server_async (TactSession *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_configure_from_server_async);
  tact_matrix_fetch_company_config_async (self->client, cancellable, company_config_cb,
                                          g_steal_pointer (&task));
}

char *
tact_session_configure_from_server_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tact_session_set_supervision_room (TactSession *self, const char *room_id_or_alias)
{
  g_return_if_fail (TACT_IS_SESSION (self));
  tact_audit_set_fallback_room (self->audit, room_id_or_alias);
}

gint64
tact_session_get_policy_version (TactSession *self)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), 0);
  return tact_policy_room_get_version (self->policy_room);
}

static void
processed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (tact_sync_loop_process_finish (TACT_SYNC_LOOP (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* For benchmarks: one response through the loop's processing. */
void
tact_session_process_sync_async (TactSession *self, TactSyncResponse *response,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, tact_session_process_sync_async);
  tact_sync_loop_process_async (self->sync, response, processed_cb, g_steal_pointer (&task));
}

gboolean
tact_session_process_sync_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Outbox --------------------------------------------------------------------------- */

static void
outbox_idle_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (tact_outbox_wait_idle_finish (TACT_OUTBOX (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
tact_session_wait_outbox_idle_async (TactSession *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_session_wait_outbox_idle_async);
  tact_outbox_wait_idle_async (self->outbox, cancellable, outbox_idle_cb, g_steal_pointer (&task));
}

gboolean
tact_session_wait_outbox_idle_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tact_session_retry_message (TactSession *self, TactRoom *room, TactMessage *message)
{
  tact_outbox_retry (self->outbox, room, message);
}

void
tact_session_discard_message (TactSession *self, TactRoom *room, TactMessage *message)
{
  /* A message awaiting an approver: its request is withdrawn too. */
  if (tact_message_get_send_state (message) == TACT_SEND_STATE_AWAITING_APPROVAL)
    tact_approvals_cancel (self->approvals, tact_message_get_txn_id (message));
  if (tact_message_get_send_state (message) != TACT_SEND_STATE_PENDING)
    tact_audit_record (self->audit, "discarded", room, tact_message_get_txn_id (message), NULL,
                       NULL, NULL, NULL);
  tact_outbox_discard (self->outbox, room, message);
}

/* ---- Sending: the guard's check, the person's decision, the outbox --------------------- */

static gboolean
check_joined (TactRoom *room, GError **error)
{
  if (g_strcmp0 (tact_room_get_membership (room), "join") == 0)
    return TRUE;
  g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NOT_JOINED,
                       _("Join the room before sending to it."));
  return FALSE;
}

TactSendCheck *
tact_session_check_text (TactSession *self, TactRoom *room, const char *text)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  return tact_guard_check_text (self->guard, room, text);
}

static void
file_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  TactSendCheck *check = tact_guard_check_file_finish (TACT_GUARD (source), result, &error);

  if (check)
    g_task_return_pointer (task, check, (GDestroyNotify) tact_send_check_unref);
  else
    g_task_return_error (task, error);
}

void
tact_session_check_file_async (TactSession *self, TactRoom *room, GFile *file, const char *name,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_check_file_async);
  tact_guard_check_file_async (self->guard, room, file, name, cancellable, file_checked_cb,
                               g_steal_pointer (&task));
}

TactSendCheck *
tact_session_check_file_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_session_check_file_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static TactMessage *
send_text_check (TactSession *self, TactRoom *room, TactSendCheck *check, const char *reason)
{
  g_autoptr(JsonNode) content = tact_send_content_text (check->text);
  TactOutboxEntry *entry = g_new0 (TactOutboxEntry, 1);

  entry->txn_id = tact_session_new_txn_id ();
  check->sent = TRUE;
  return tact_outbox_add (self->outbox, room, entry, content, reason, check->verdict, check->text);
}

static TactMessage *
send_file_check (TactSession *self, TactRoom *room, TactSendCheck *check, const char *reason,
                 GError **error)
{
  g_autofree char *copy = NULL;
  g_autoptr(JsonNode) content = NULL;
  TactOutboxEntry *entry;
  TactMessage *echo;
  gsize size;

  g_return_val_if_fail (check->staged_path != NULL, NULL);   /* allowed verdicts have a copy */

  /* The private copy written by the check becomes the outbox's: a rename, not a re-read. */
  copy = tact_send_dup_outbox_media_path (check->txn_id);
  if (g_rename (check->staged_path, copy) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not keep a copy of the file to send: %s"), g_strerror (saved_errno));
      return NULL;
    }
  g_clear_pointer (&check->staged_path, g_free);
  check->sent = TRUE;

  size = g_bytes_get_size (check->bytes);
  content = tact_send_content_file (check->file_name, check->mime_type, size, copy);
  entry = g_new0 (TactOutboxEntry, 1);
  entry->txn_id = g_strdup (check->txn_id);
  echo = tact_outbox_add (self->outbox, room, entry, content, reason, check->verdict, check->file_name);
  tact_message_set_media (echo, tact_send_file_msgtype (check->mime_type), NULL, check->mime_type,
                          (gint64) size);
  return echo;
}

static TactMessage *
send_held_check (TactSession *self, TactRoom *room, TactSendCheck *check, const char *reason,
                 GError **error)
{
  TactMessage *message = tact_room_find_by_txn (room, check->txn_id);

  if (!message || !tact_outbox_release (self->outbox, room, message, check->verdict, reason))
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                           _("This message is no longer waiting for review."));
      return NULL;
    }
  check->sent = TRUE;
  return message;
}

static void
held_file_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  TactSendCheck *check = tact_guard_check_file_finish (TACT_GUARD (source), result, &error);

  if (check)
    g_task_return_pointer (task, check, (GDestroyNotify) tact_send_check_unref);
  else
    g_task_return_error (task, error);
}

void
tact_session_review_async (TactSession *self, TactRoom *room, TactMessage *message,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  const TactOutboxEntry *held;
  const char *txn_id;

  g_return_if_fail (TACT_IS_SESSION (self));
  g_return_if_fail (TACT_IS_ROOM (room));
  g_return_if_fail (TACT_IS_MESSAGE (message));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_review_async);
  txn_id = tact_message_get_txn_id (message);
  held = tact_outbox_lookup_held (self->outbox, txn_id);
  if (!held)
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                               _("This message is no longer waiting for review."));
      return;
    }
  /* The message as it was written, judged for the room and the profile of this moment. */
  if (tact_message_is_file (message))
    {
      g_autofree char *path = tact_send_dup_outbox_media_path (txn_id);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      tact_guard_check_held_file_async (self->guard, room, txn_id, file, tact_message_get_body (message),
                                        cancellable, held_file_checked_cb, g_steal_pointer (&task));
      return;
    }
  {
    g_autoptr(JsonNode) content = json_from_string (held->content_json, NULL);
    const char *body = content && JSON_NODE_HOLDS_OBJECT (content)
      ? json_object_get_string_member_with_default (json_node_get_object (content), "body", "") : "";

    g_task_return_pointer (task, tact_guard_check_held_text (self->guard, room, txn_id, body),
                           (GDestroyNotify) tact_send_check_unref);
  }
}

TactSendCheck *
tact_session_review_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_session_review_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- The other ways out --------------------------------------------------------------- */

static gboolean
check_own_event (TactMessage *message, const char *own, gboolean must_be_own, GError **error)
{
  if (!tact_message_get_event_id (message))
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                           _("This message has not reached the server yet."));
      return FALSE;
    }
  if (must_be_own && g_strcmp0 (tact_message_get_sender (message), own) != 0)
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED,
                           _("Only your own messages can be edited."));
      return FALSE;
    }
  return TRUE;
}

TactSendCheck *
tact_session_check_reply (TactSession *self, TactRoom *room, TactMessage *original, const char *text,
                          GError **error)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  if (!check_own_event (original, tact_session_get_user_id (self), FALSE, error))
    return NULL;
  return tact_guard_check_reply (self->guard, room, original, text);
}

TactSendCheck *
tact_session_check_edit (TactSession *self, TactRoom *room, TactMessage *original, const char *text,
                         GError **error)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  if (!check_own_event (original, tact_session_get_user_id (self), TRUE, error))
    return NULL;
  return tact_guard_check_edit (self->guard, room, original, text);
}

TactSendCheck *
tact_session_check_forward (TactSession *self, TactMessage *message, TactRoom *target)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  return tact_guard_check_forward (self->guard, message, target, tact_session_get_user_id (self));
}

TactSendCheck *
tact_session_check_reaction (TactSession *self, TactRoom *room, TactMessage *target, const char *key,
                             GError **error)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  if (!check_own_event (target, tact_session_get_user_id (self), FALSE, error))
    return NULL;
  return tact_guard_check_reaction (self->guard, room, target, key);
}

TactSendCheck *
tact_session_check_topic (TactSession *self, TactRoom *room, const char *topic)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  return tact_guard_check_room_text (self->guard, room, TACT_SEND_KIND_TOPIC, topic);
}

TactSendCheck *
tact_session_check_room_name (TactSession *self, TactRoom *room, const char *name)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  return tact_guard_check_room_text (self->guard, room, TACT_SEND_KIND_ROOM_NAME, name);
}

TactSendCheck *
tact_session_check_invite (TactSession *self, TactRoom *room, const char *user_id)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  return tact_guard_check_invite (self->guard, room, user_id);
}

TactSendCheck *
tact_session_check_create_room (TactSession *self, const char *name, const char *topic,
                                const char * const *invitees)
{
  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  return tact_guard_check_create_room (self->guard, name, topic, invitees);
}

/* Records a decision the outbox does not record itself (invitations, new rooms). */
static void
audit_decision (TactSession *self, TactRoom *room, TactSendCheck *check, const char *reason)
{
  if (reason && *reason)
    tact_audit_record (self->audit, "justified-send", room, NULL, check->verdict, check->text, reason, NULL);
  else if (check->verdict->action == TACT_ACTION_WARN)
    tact_audit_record (self->audit, "warned-send", room, NULL, check->verdict, check->text, NULL, NULL);
}

static void
invited_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (tact_matrix_client_invite_finish (TACT_MATRIX_CLIENT (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
tact_session_invite_async (TactSession *self, TactRoom *room, TactSendCheck *check,
                           const char *justification, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *reason = justification ? g_strstrip (g_strdup (justification)) : NULL;
  GError *error = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  g_return_if_fail (check != NULL && check->kind == TACT_SEND_KIND_INVITE);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_invite_async);
  if (!check_joined (room, &error) || !tact_guard_confirm (self->guard, room, check, reason, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  check->sent = TRUE;
  audit_decision (self, room, check, reason);
  tact_matrix_client_invite_async (self->client, tact_room_get_id (room), check->invitees[0],
                                   cancellable, invited_cb, g_steal_pointer (&task));
}

gboolean
tact_session_invite_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static TactMessage *send_checked (TactSession *self, TactRoom *room, TactSendCheck *check,
                                  const char *reason, GError **error);

/* Rules in shadow mode that matched: recorded (locally and for the supervision room), never
 * shown to the person. */
void
_tact_session_record_shadow (TactSession *self, TactRoom *room, TactSendCheck *check, const char *txn_id)
{
  TactVerdict shadow = { TACT_ACTION_ALLOW, NULL, NULL };

  if (!check->verdict->shadow_findings || check->verdict->shadow_findings->len == 0)
    return;
  shadow.findings = check->verdict->shadow_findings;
  tact_audit_record (self->audit, "shadow-hit", room, txn_id, &shadow, _tact_session_check_content (check), NULL, NULL);
}

/* A warned or justified send: the store wrote its audit row with the outbox row; the supervision
 * room gets it too. */
static void
publish_decision (TactSession *self, TactRoom *room, TactSendCheck *check, const char *reason,
                  TactMessage *echo)
{
  const char *kind = reason && *reason ? "justified-send"
                     : check->verdict->action == TACT_ACTION_WARN ? "warned-send" : NULL;

  if (kind)
    tact_audit_publish (self->audit, kind, room, echo ? tact_message_get_txn_id (echo) : NULL,
                        check->verdict, _tact_session_check_content (check), reason && *reason ? reason : NULL);
}

TactMessage *
tact_session_send (TactSession *self, TactRoom *room, TactSendCheck *check,
                   const char *justification, GError **error)
{
  g_autofree char *reason = justification ? g_strstrip (g_strdup (justification)) : NULL;
  TactMessage *echo;
  gboolean sent_before;

  g_return_val_if_fail (check != NULL, NULL);
  sent_before = check->sent;
  echo = send_checked (self, room, check, reason, error);
  if (check->sent && !sent_before && check->kind != TACT_SEND_KIND_HELD)
    {
      publish_decision (self, room, check, reason, echo);
      _tact_session_record_shadow (self, room, check, echo ? tact_message_get_txn_id (echo) : NULL);
      g_signal_emit (self, signals[SIGNAL_SENT], 0, tact_room_get_id (room),
                     tact_action_to_string (check->verdict->action));
    }
  return echo;
}

static TactMessage *
send_checked (TactSession *self, TactRoom *room, TactSendCheck *check, const char *justification,
              GError **error)
{
  g_autofree char *reason = justification ? g_strstrip (g_strdup (justification)) : NULL;

  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  g_return_val_if_fail (TACT_IS_ROOM (room), NULL);
  g_return_val_if_fail (check != NULL, NULL);

  if (check->kind == TACT_SEND_KIND_TEXT)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (check->text ? check->text : ""));
      if (*stripped == '\0')
        {
          g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_EMPTY,
                               _("The message is empty."));
          return NULL;
        }
    }
  if (!check_joined (room, error))
    return NULL;
  /* The guard's own verdict decides, and only while it still holds. */
  if (!tact_guard_confirm (self->guard, room, check, reason, error))
    return NULL;
  if (check->kind == TACT_SEND_KIND_FORWARD && check->needs_consent && !check->consent)
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_CONSENT,
                           _("This is someone else’s message. Forward it only if its author agreed."));
      return NULL;
    }
  switch (check->kind)
    {
    case TACT_SEND_KIND_FILE:
      return send_file_check (self, room, check, reason, error);
    case TACT_SEND_KIND_HELD:
      return send_held_check (self, room, check, reason, error);
    case TACT_SEND_KIND_TEXT:
      return send_text_check (self, room, check, reason);
    case TACT_SEND_KIND_REPLY:
    case TACT_SEND_KIND_FORWARD:
      {
        const char *type, *state_key;
        g_autoptr(JsonNode) content = tact_send_check_build_content (check, &type, &state_key);
        TactOutboxEntry *entry = g_new0 (TactOutboxEntry, 1);

        entry->txn_id = tact_session_new_txn_id ();
        check->sent = TRUE;
        return tact_outbox_add (self->outbox, room, entry, content, reason, check->verdict,
                                tact_json_get_string (json_node_get_object (content), "body"));
      }
    case TACT_SEND_KIND_EDIT:
    case TACT_SEND_KIND_REACTION:
    case TACT_SEND_KIND_TOPIC:
    case TACT_SEND_KIND_ROOM_NAME:
      {
        const char *type, *state_key;
        g_autoptr(JsonNode) content = tact_send_check_build_content (check, &type, &state_key);

        check->sent = TRUE;
        tact_outbox_add_event (self->outbox, room, type, state_key, content, reason, check->verdict);
        /* No echo of its own: the room shows the change when the server's copy comes back. */
        return tact_room_find_by_event (room, check->relates_to);
      }
    case TACT_SEND_KIND_INVITE:
    case TACT_SEND_KIND_CREATE_ROOM:
    default:
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                           "Invitations and new rooms go through tact_session_invite_async() and tact_session_create_room_async()");
      return NULL;
    }
}

TactMessage *
tact_session_send_text (TactSession *self, TactRoom *room, const char *text,
                        const char *justification, GError **error)
{
  g_autoptr(TactSendCheck) check = NULL;

  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  g_return_val_if_fail (TACT_IS_ROOM (room), NULL);

  check = tact_guard_check_text (self->guard, room, text);
  return tact_session_send (self, room, check, justification, error);
}

TactMessage *
tact_session_send_file (TactSession *self, TactRoom *room, const char *path, GBytes *data,
                        const char *name, const char *mime_type, const char *justification,
                        GError **error)
{
  g_autoptr(GBytes) bytes = data ? g_bytes_ref (data) : NULL;
  g_autoptr(TactVerdict) verdict = NULL;
  g_autofree char *reason = justification ? g_strstrip (g_strdup (justification)) : NULL;
  g_autofree char *basename = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(JsonNode) content = NULL;
  TactAttachment attachment = { 0 };
  TactOutgoing outgoing = { 0 };
  TactOutboxEntry *entry;
  TactMessage *echo;
  const char *mime;

  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  g_return_val_if_fail (TACT_IS_ROOM (room), NULL);
  g_return_val_if_fail (path != NULL || data != NULL, NULL);

  if (!check_joined (room, error))
    return NULL;
  if (!bytes)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);
      bytes = g_file_load_bytes (file, NULL, NULL, error);
      if (!bytes)
        return NULL;
    }
  basename = name ? g_strdup (name) : g_path_get_basename (path);
  if (g_bytes_get_size (bytes) == 0)
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_EMPTY, _("The file is empty."));
      return NULL;
    }

  /* The guard inspects the file too; the view's verdict is not trusted. */
  attachment.name = basename;
  attachment.path = path;
  attachment.data = bytes;
  outgoing.attachments = &attachment;
  outgoing.n_attachments = 1;
  tact_guard_describe_audience (self->guard, room, &outgoing);
  verdict = tact_guard_judge (self->guard, tact_guard_get_profile (self->guard), &outgoing);
  if (!tact_guard_verdict_allows (verdict, reason, error))
    return NULL;

  entry = g_new0 (TactOutboxEntry, 1);
  entry->txn_id = tact_session_new_txn_id ();

  /* A private copy, so the send survives the original being moved and a restart. */
  copy = tact_send_dup_outbox_media_path (entry->txn_id);
  if (!tact_send_write_private_copy (copy, bytes, error))
    {
      tact_outbox_entry_free (entry);
      return NULL;
    }

  mime = mime_type ? mime_type : "application/octet-stream";
  content = tact_send_content_file (basename, mime, g_bytes_get_size (bytes), copy);
  echo = tact_outbox_add (self->outbox, room, entry, content, reason, verdict, basename);
  tact_message_set_media (echo, tact_send_file_msgtype (mime), NULL, mime, (gint64) g_bytes_get_size (bytes));
  return echo;
}

/* ---- Downloads: a file message's content, with progress on the message --------------- */

typedef struct {
  TactMessage *message;       /* owned ref */
  char        *content_type;  /* owned, the result's */
} DownloadState;

static void
download_state_free (DownloadState *state)
{
  g_clear_object (&state->message);
  g_free (state->content_type);
  g_free (state);
}

static void
download_progress_cb (goffset bytes_done, goffset bytes_total, gpointer user_data)
{
  TactMessage *message = user_data;

  if (bytes_total > 0)
    tact_message_set_download_progress (message, (double) bytes_done / (double) bytes_total);
}

static void
downloaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  DownloadState *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  bytes = tact_matrix_client_download_finish (TACT_MATRIX_CLIENT (source), result,
                                              &state->content_type, &error);
  tact_message_set_download_progress (state->message, 0.0);
  if (!bytes)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
tact_session_download_async (TactSession *self, TactMessage *message, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  DownloadState *state;
  const char *url;

  g_return_if_fail (TACT_IS_SESSION (self));
  g_return_if_fail (TACT_IS_MESSAGE (message));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_download_async);
  url = tact_message_get_media_url (message);
  if (!tact_message_is_file (message) || !url)
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NO_MEDIA,
                               _("This message has no file on the server to download."));
      return;
    }
  state = g_new0 (DownloadState, 1);
  state->message = g_object_ref (message);
  g_task_set_task_data (task, state, (GDestroyNotify) download_state_free);
  tact_message_set_download_progress (message, 0.0);
  tact_matrix_client_download_with_progress_async (self->client, url, download_progress_cb,
                                                   g_object_ref (message), g_object_unref,
                                                   cancellable, downloaded_cb,
                                                   g_steal_pointer (&task));
}

GBytes *
tact_session_download_finish (TactSession *self, GAsyncResult *result, char **content_type,
                              GError **error)
{
  GBytes *bytes;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_session_download_async, NULL);
  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (bytes && content_type)
    {
      DownloadState *state = g_task_get_task_data (G_TASK (result));
      *content_type = g_strdup (state->content_type);
    }
  return bytes;
}

/* ---- Read receipts ------------------------------------------------------------ */

typedef struct {
  TactSession *session;   /* owned ref */
  TactRoom    *room;      /* owned ref */
  char        *event_id;  /* owned: what the receipt names */
} MarkReadState;

static void
mark_read_state_free (MarkReadState *state)
{
  g_clear_object (&state->session);
  g_clear_object (&state->room);
  g_free (state->event_id);
  g_free (state);
}

static void
receipt_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  MarkReadState *state = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tact_matrix_client_send_receipt_finish (TACT_MATRIX_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  tact_room_apply_receipt (state->room, tact_session_get_user_id (state->session), state->event_id,
                           "m.read", NULL);
  /* Read up to the newest: nothing is unread until a sync says otherwise. */
  if (g_strcmp0 (state->event_id, tact_room_get_newest_event_id (state->room)) == 0)
    {
      tact_room_set_unread_counts (state->room, 0, 0);
      tact_room_list_save (state->session->rooms, state->room);
    }
  g_task_return_boolean (task, TRUE);
}

void
tact_session_mark_read_async (TactSession *self, TactRoom *room, const char *event_id,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  MarkReadState *state;

  g_return_if_fail (TACT_IS_SESSION (self));
  g_return_if_fail (TACT_IS_ROOM (room));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_mark_read_async);
  if (!event_id)
    event_id = tact_room_get_newest_event_id (room);
  /* Nothing to read, or already read there and nothing unread: no request. */
  if (!event_id || (g_strcmp0 (event_id, tact_room_get_own_read_event (room)) == 0
                    && tact_room_get_notification_count (room) == 0))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  state = g_new0 (MarkReadState, 1);
  state->session = g_object_ref (self);
  state->room = g_object_ref (room);
  state->event_id = g_strdup (event_id);
  g_task_set_task_data (task, state, (GDestroyNotify) mark_read_state_free);
  tact_matrix_client_send_receipt_async (self->client, tact_room_get_id (room), "m.read",
                                         state->event_id, cancellable, receipt_sent_cb,
                                         g_steal_pointer (&task));
}

gboolean
tact_session_mark_read_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Room workflows --------------------------------------------------------- */

static void
room_created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *room_id = tact_matrix_client_create_room_finish (TACT_MATRIX_CLIENT (source), result, &error);

  if (room_id)
    g_task_return_pointer (task, room_id, g_free);
  else
    g_task_return_error (task, error);
}

void
tact_session_create_room_async (TactSession *self, const char *name, const char * const *invite,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr(TactSendCheck) check = tact_guard_check_create_room (self->guard, name, NULL, invite);

  tact_session_create_checked_room_async (self, check, NULL, cancellable, callback, user_data);
}

void
tact_session_create_checked_room_async (TactSession *self, TactSendCheck *check,
                                        const char *justification, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *reason = justification ? g_strstrip (g_strdup (justification)) : NULL;
  JsonArray *invitees = json_array_new ();
  GError *error = NULL;

  g_task_set_source_tag (task, tact_session_create_room_async);
  /* GRP-1: a new group's name, purpose and members pass the guard like a message. */
  if (check->kind != TACT_SEND_KIND_CREATE_ROOM || check->sent
      || check->profile != tact_guard_get_profile (self->guard)
      || !tact_guard_verdict_allows (check->verdict, reason, &error))
    {
      json_array_unref (invitees);
      if (!error)
        g_set_error_literal (&error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                             _("The company policy changed after this room was checked. Check it again."));
      g_task_return_error (task, error);
      return;
    }
  check->sent = TRUE;
  audit_decision (self, NULL, check, reason);
  if (check->text && *check->text)
    json_object_set_string_member (body, "name", check->text);
  if (check->topic && *check->topic)
    json_object_set_string_member (body, "topic", check->topic);
  json_object_set_string_member (body, "preset", "private_chat");
  for (guint i = 0; check->invitees && check->invitees[i]; i++)
    json_array_add_string_element (invitees, check->invitees[i]);
  json_object_set_array_member (body, "invite", invitees);
  tact_matrix_client_create_room_async (self->client, body, cancellable, room_created_cb,
                                        g_steal_pointer (&task));
}

char *
tact_session_create_room_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
room_joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autofree char *room_id = tact_matrix_client_join_finish (TACT_MATRIX_CLIENT (source), result, &error);

  if (room_id)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
tact_session_join_room_async (TactSession *self, const char *room_id, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_session_join_room_async);
  tact_matrix_client_join_async (self->client, room_id, cancellable, room_joined_cb,
                                 g_steal_pointer (&task));
}

gboolean
tact_session_join_room_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Drafts ------------------------------------------------------------------- */

static char *
draft_key (TactRoom *room)
{
  return g_strconcat ("draft:", tact_room_get_id (room), NULL);
}

static void
draft_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_set_meta_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not keep a draft", error);
}

void
tact_session_save_draft (TactSession *self, TactRoom *room, const char *text)
{
  g_autofree char *key = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  g_return_if_fail (TACT_IS_ROOM (room));

  key = draft_key (room);
  tact_store_set_meta_async (self->store, key, (text && *text) ? text : NULL, NULL,
                             draft_saved_cb, NULL);
}

static void
draft_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *text = tact_store_get_meta_finish (TACT_STORE (source), result, &error);

  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, text, g_free);
}

void
tact_session_load_draft_async (TactSession *self, TactRoom *room, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *key = NULL;

  g_task_set_source_tag (task, tact_session_load_draft_async);
  key = draft_key (room);
  tact_store_get_meta_async (self->store, key, cancellable, draft_loaded_cb, g_steal_pointer (&task));
}

char *
tact_session_load_draft_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
