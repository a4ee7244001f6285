/* tact-outbox.c: the only path by which anything leaves.
 *
 *   outbox row with its txnId (store) -> [upload of the private copy] -> PUT send/{txnId} -> SENT,
 *   retried with the same txnId on 429/5xx/network errors; reconciled with the /sync echo
 *   through unsigned.transaction_id. docs/outbox.md.
 */
#include <glib/gi18n-lib.h>

#include "tact-outbox.h"
#include "tact-send-check-private.h"
#include "tact-session.h"
#include "tact-session-util.h"

#include <glib/gstdio.h>

/* Backoff of a send that failed transiently without a server-given delay, in seconds. */
static const guint send_backoff_s[] = { 1, 2, 5, 10, 30 };
/* The longest server-given wait (429 retry_after_ms or Retry-After) that is honoured as is: a
 * server asking for longer is waited for this long, then asked again (docs/outbox.md). */
#define MAX_RETRY_AFTER_MS (60 * 60 * 1000)

typedef struct {
  TactOutboxEntry *entry;     /* owned */
  TactMessage     *echo;      /* owned ref, may be NULL */
} OutboxItem;

typedef struct {
  char      *room_id;         /* owned */
  GQueue     items;           /* OutboxItem*, in send order */
  gboolean   busy;            /* a request (or a retry timer) is in flight */
  guint      retry_source;
  guint      attempts;
  gboolean   waiting_for_members;  /* a handler waits for the room's member list */
} RoomQueue;

struct _TactOutbox
{
  GObject parent_instance;

  /* owned */
  TactMatrixClient *client;
  TactStore        *store;
  TactRoomList     *rooms;
  TactGuard        *guard;
  GCancellable     *cancellable;  /* between start and stop */
  GHashTable       *queues;       /* room id -> RoomQueue */
  GHashTable       *failed;       /* txn id -> TactOutboxEntry, FAILED sends kept for retry */
  GPtrArray        *idle_waiters; /* GTask* waiting for an empty outbox */

  double   retry_scale;  /* 1.0; tests shorten the backoff delays */
  gboolean resumed;      /* the stored outbox has been read back; sends may leave */
  gboolean paused;       /* the token was refused: nothing leaves until a new start */
};

G_DEFINE_FINAL_TYPE (TactOutbox, tact_outbox, G_TYPE_OBJECT)

enum {
  SIGNAL_TOKEN_REJECTED,
  SIGNAL_HELD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gint64 process_started_us;
static void pump_queue (TactOutbox *self, RoomQueue *queue);
static void room_queue_free (RoomQueue *queue);

static void
tact_outbox_dispose (GObject *object)
{
  TactOutbox *self = TACT_OUTBOX (object);

  tact_outbox_stop (self);
  g_clear_pointer (&self->queues, g_hash_table_unref);
  g_clear_pointer (&self->failed, g_hash_table_unref);
  g_clear_pointer (&self->idle_waiters, g_ptr_array_unref);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->rooms);
  g_clear_object (&self->guard);
  G_OBJECT_CLASS (tact_outbox_parent_class)->dispose (object);
}

static void
tact_outbox_class_init (TactOutboxClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tact_outbox_dispose;

  process_started_us = g_get_real_time ();

  /**
   * TactOutbox::token-rejected:
   * @error: the server's refusal
   *
   * A send was refused because the access token is no longer accepted. The outbox is paused
   * (the entry stays queued) until it is started again.
   */
  signals[SIGNAL_TOKEN_REJECTED] =
    g_signal_new ("token-rejected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * TactOutbox::held:
   * @room_id: the room
   * @txn_id: the held entry
   * @verdict: (type gpointer): the TactVerdict that holds it, borrowed for the emission
   *
   * A transmission was judged again and held for review (already stored and audited locally).
   */
  signals[SIGNAL_HELD] =
    g_signal_new ("held", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_POINTER);
}

static void
tact_outbox_init (TactOutbox *self)
{
  self->queues = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) room_queue_free);
  self->idle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) tact_outbox_entry_free);
  self->retry_scale = 1.0;
}

TactOutbox *
tact_outbox_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms, TactGuard *guard)
{
  TactOutbox *self = g_object_new (TACT_TYPE_OUTBOX, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->rooms = g_object_ref (rooms);
  self->guard = g_object_ref (guard);
  return self;
}

void
tact_outbox_set_retry_scale (TactOutbox *self, double scale)
{
  self->retry_scale = scale > 0 ? scale : 1.0;
}

guint
tact_outbox_retry_delay_ms (const GError *error, guint attempts)
{
  gint64 retry_ms = tact_matrix_error_get_retry_after_ms (error);

  /* The server's word (429: retry_after_ms from the body, else the Retry-After header in
   * seconds or as an HTTP date, both parsed by src/matrix), up to an hour; else the backoff. */
  if (retry_ms >= 0)
    return (guint) MIN (retry_ms, MAX_RETRY_AFTER_MS);
  return send_backoff_s[MIN (attempts, G_N_ELEMENTS (send_backoff_s) - 1)] * 1000;
}

/* A checked file's copy waits as outbox-media/<txnId>.staged until it is sent or dropped. One
 * that is older than this process belongs to a check a crash interrupted: nothing will ever
 * send it, so it is removed (in a thread: it is file I/O) when a session starts. */

static void
remove_orphaned_staged_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_autofree char *probe = tact_send_dup_outbox_media_path ("x");
  g_autofree char *dir_path = g_path_get_dirname (probe);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!g_str_has_suffix (name, ".staged"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      /* Whole seconds: a copy from the second this process started is kept. */
      if (g_stat (path, &st) == 0 && (gint64) st.st_mtime < process_started_us / G_USEC_PER_SEC
          && g_remove (path) == 0)
        g_debug ("Removed a file copy left by an interrupted check");
    }
  g_task_return_boolean (task, TRUE);
}

static void
remove_orphaned_staged (void)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_source_tag (task, remove_orphaned_staged);
  g_task_run_in_thread (task, remove_orphaned_staged_thread);
}

static void
outbox_item_free (OutboxItem *item)
{
  tact_outbox_entry_free (item->entry);
  g_clear_object (&item->echo);
  g_free (item);
}

static void
room_queue_free (RoomQueue *queue)
{
  g_clear_handle_id (&queue->retry_source, g_source_remove);
  g_queue_clear_full (&queue->items, (GDestroyNotify) outbox_item_free);
  g_free (queue->room_id);
  g_free (queue);
}


/* ---- Outbox ------------------------------------------------------------------ */

static RoomQueue *
ensure_queue (TactOutbox *self, const char *room_id)
{
  RoomQueue *queue = g_hash_table_lookup (self->queues, room_id);

  if (!queue)
    {
      queue = g_new0 (RoomQueue, 1);
      queue->room_id = g_strdup (room_id);
      g_queue_init (&queue->items);
      g_hash_table_insert (self->queues, queue->room_id, queue);
    }
  return queue;
}

static gboolean
outbox_is_idle (TactOutbox *self)
{
  GHashTableIter iter;
  RoomQueue *queue;

  if (self->cancellable != NULL && !self->resumed)
    return FALSE;   /* unfinished sends from an earlier run are not loaded yet */
  g_hash_table_iter_init (&iter, self->queues);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue))
    if (!g_queue_is_empty (&queue->items))
      return FALSE;
  return TRUE;
}

static void
notify_idle_waiters (TactOutbox *self)
{
  g_autoptr(GPtrArray) waiters = NULL;

  if (!outbox_is_idle (self) || self->idle_waiters->len == 0)
    return;
  waiters = g_steal_pointer (&self->idle_waiters);
  self->idle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
}

void
tact_outbox_wait_idle_async (TactOutbox *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_outbox_wait_idle_async);
  if (outbox_is_idle (self))
    g_task_return_boolean (task, TRUE);
  else
    g_ptr_array_add (self->idle_waiters, g_steal_pointer (&task));
}

gboolean
tact_outbox_wait_idle_finish (TactOutbox *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct _SendState SendState;
static void send_failed (TactOutbox *self, SendState *state, const GError *error);
static void start_upload (TactOutbox *self, SendState *state, JsonObject *content);

static void
outbox_updated_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_outbox_update_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not record a send's outcome", error);
}

struct _SendState {
  TactOutbox    *outbox;    /* owned ref */
  RoomQueue     *queue;     /* borrowed: lives as long as the outbox's queues table */
  OutboxItem    *item;      /* borrowed: the queue's head while busy */
  TactSendCheck *check;     /* owned: a file's check before its upload, or NULL */
  char          *mxc;       /* owned: the uploaded file's URI, once uploaded */
};

static void
send_state_free (SendState *state)
{
  g_clear_pointer (&state->check, tact_send_check_unref);
  g_free (state->mxc);
  g_clear_object (&state->outbox);
  g_free (state);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendState, send_state_free)

static gboolean
retry_send_cb (gpointer user_data)
{
  SendState *state = user_data;

  state->queue->retry_source = 0;
  state->queue->busy = FALSE;
  pump_queue (state->outbox, state->queue);
  return G_SOURCE_REMOVE;
}

/* The echo of a queued item: its own (a send of this run) or the timeline's (resumed). */
static TactMessage *
item_echo (TactOutbox *self, RoomQueue *queue, OutboxItem *item)
{
  TactRoom *room;

  if (item->echo)
    return item->echo;
  room = tact_room_list_lookup (self->rooms, queue->room_id);
  return room ? tact_room_find_by_txn (room, item->entry->txn_id) : NULL;
}

/* The server refused a send (or its file): kept FAILED for the user to retry or discard. */
static void
mark_failed (TactOutbox *self, RoomQueue *queue, OutboxItem *item, const char *reason)
{
  TactMessage *echo = item_echo (self, queue, item);
  TactOutboxEntry *kept = tact_outbox_entry_copy (item->entry);

  if (echo)
    tact_message_mark_failed (echo, reason);
  kept->state = TACT_SEND_STATE_FAILED;
  g_hash_table_replace (self->failed, g_strdup (kept->txn_id), kept);
}

static void
outbox_held_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_outbox_hold_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not hold a message for review", error);
}

static void finish_item (TactOutbox *self, RoomQueue *queue, OutboxItem *item);

/* The guard's verdict now is stricter than what the person decided: the entry waits for them
 * (HELD, with what changed), never sent and never dropped silently; the queue goes on. */
static void
hold_item (TactOutbox *self, RoomQueue *queue, OutboxItem *item, const TactVerdict *now,
           const char *why)
{
  TactMessage *echo = item_echo (self, queue, item);
  TactOutboxEntry *kept = tact_outbox_entry_copy (item->entry);
  g_autofree char *rule_ids = tact_guard_dup_rule_ids (now);

  g_message ("Send held for review: the guard's verdict is now %s", tact_action_to_string (now->action));
  tact_store_outbox_hold_async (self->store, item->entry->txn_id, why, rule_ids,
                                tact_action_to_string (now->action), NULL, outbox_held_cb, NULL);
  if (echo)
    tact_message_mark_held (echo, why);
  kept->state = TACT_SEND_STATE_HELD;
  g_free (kept->error);
  kept->error = g_strdup (why);
  g_hash_table_replace (self->failed, g_strdup (kept->txn_id), kept);
  g_signal_emit (self, signals[SIGNAL_HELD], 0, kept->room_id, kept->txn_id, now);
  finish_item (self, queue, item);
}

/* Checks the verdict judged right before a transmission against the person's decision; holds
 * the item (and returns FALSE) when it is not covered. */
static gboolean
decision_still_covers (TactOutbox *self, RoomQueue *queue, OutboxItem *item, const TactVerdict *now)
{
  g_autofree char *why = NULL;

  if (tact_guard_decision_covers (now, item->entry->verdict, item->entry->rule_ids, &why))
    return TRUE;
  hold_item (self, queue, item, now, why);
  return FALSE;
}

/* The room is not known (any more): who would read it cannot be told, so it waits. */
static void
hold_unknown_room (TactOutbox *self, SendState *state_in)
{
  g_autoptr(SendState) state = state_in;
  g_autoptr(TactVerdict) verdict = tact_guard_judge (self->guard, NULL, NULL);

  hold_item (self, state->queue, state->item, verdict,
             _("Not sent: Tact does not know who is in this room now."));
}

static void
finish_item (TactOutbox *self, RoomQueue *queue, OutboxItem *item)
{
  g_queue_remove (&queue->items, item);
  outbox_item_free (item);
  queue->attempts = 0;
  queue->busy = FALSE;
  pump_queue (self, queue);
  notify_idle_waiters (self);
}

static void
send_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SendState) state = user_data;
  TactOutbox *self = state->outbox;
  RoomQueue *queue = state->queue;
  OutboxItem *item = state->item;
  g_autoptr(GError) error = NULL;
  g_autofree char *event_id = NULL;

  event_id = tact_matrix_client_send_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* stopped: the outbox row stays PENDING and resumes next time */

  if (event_id)
    {
      g_autofree char *media = tact_send_dup_outbox_media_path (item->entry->txn_id);

      g_debug ("Send confirmed");
      g_remove (media);   /* the uploaded copy, if this was a file */
      tact_store_outbox_update_async (self->store, item->entry->txn_id, TACT_SEND_STATE_SENT,
                                      event_id, NULL, NULL, outbox_updated_cb, NULL);
      {
        /* The timeline's echo (a resumed send has no echo object) is marked sent, and the
         * event id is registered: the server's copy may come back without transaction_id. */
        TactRoom *room = tact_room_list_lookup (self->rooms, queue->room_id);
        if (room)
          tact_room_confirm_sent (room, item->entry->txn_id, event_id);
        if (item->echo)
          tact_message_mark_sent (item->echo, event_id);
      }
    }
  else
    {
      send_failed (self, g_steal_pointer (&state), error);
      return;
    }

  finish_item (self, queue, item);
}

static void
state_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SendState) state = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *event_id = tact_matrix_client_set_state_finish (TACT_MATRIX_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!event_id)
    {
      TactOutbox *self = state->outbox;   /* read before the state is handed over */
      send_failed (self, g_steal_pointer (&state), error);
      return;
    }
  tact_store_outbox_update_async (state->outbox->store, state->item->entry->txn_id,
                                  TACT_SEND_STATE_SENT, event_id, NULL, NULL, outbox_updated_cb, NULL);
  finish_item (state->outbox, state->queue, state->item);
}

/* An attempt (upload or send) failed: wait for a new token, retry later, or give up. */
static void
send_failed (TactOutbox *self, SendState *state_in, const GError *error)
{
  g_autoptr(SendState) state = state_in;
  RoomQueue *queue = state->queue;
  OutboxItem *item = state->item;

  if (tact_session_error_is_token (error))
    {
      /* Keep the entry: it goes out after the user signs in again. */
      queue->busy = FALSE;
      self->paused = TRUE;
      g_signal_emit (self, signals[SIGNAL_TOKEN_REJECTED], 0, error);
      return;
    }
  if (tact_matrix_error_is_transient (error))
    {
      guint retry_ms = tact_session_scale_ms (self->retry_scale,
                                            tact_outbox_retry_delay_ms (error, queue->attempts));

      queue->attempts++;
      g_debug ("Send failed transiently (%s); retrying in %u ms", error->message, retry_ms);
      tact_store_outbox_update_async (self->store, item->entry->txn_id, TACT_SEND_STATE_PENDING,
                                      NULL, NULL, NULL, outbox_updated_cb, NULL);
      queue->retry_source = g_timeout_add_full (G_PRIORITY_DEFAULT, retry_ms,
                                                retry_send_cb, g_steal_pointer (&state),
                                                (GDestroyNotify) send_state_free);
      return;
    }

  /* The server refused it: the user decides whether to retry or discard. */
  g_message ("Send refused (%s %d, HTTP %u): marked failed", g_quark_to_string (error->domain),
             error->code, tact_matrix_error_get_http_status (error));
  tact_store_outbox_update_async (self->store, item->entry->txn_id, TACT_SEND_STATE_FAILED,
                                  NULL, error->message, NULL, outbox_updated_cb, NULL);
  mark_failed (self, queue, item, error->message);
  finish_item (self, queue, item);
}

/* ---- Media: local copy -> upload -> the event with the mxc URI, same txnId ---------- */

/* The upload's progress, called on the main context the upload was started from. */
static void
upload_progress_cb (goffset bytes_done, goffset bytes_total, gpointer user_data)
{
  TactMessage *echo = user_data;

  if (bytes_total > 0)
    tact_message_set_progress (echo, (double) bytes_done / (double) bytes_total);
}

static void put_file_event (TactOutbox *self, SendState *state);

static void
file_rejudged_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SendState) state = user_data;
  TactOutbox *self = state->outbox;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSendCheck) check = tact_guard_check_file_finish (TACT_GUARD (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cancellable == NULL)
    return;
  if (!check)
    {
      send_failed (self, g_steal_pointer (&state), error);
      return;
    }
  if (!decision_still_covers (self, state->queue, state->item, tact_send_check_get_verdict (check)))
    return;
  g_clear_pointer (&state->check, tact_send_check_unref);
  state->check = g_steal_pointer (&check);
  put_file_event (self, g_steal_pointer (&state));
}

/* The file is on the server: its event goes out unless the room or the profile changed since
 * the file was judged (then it is judged again first). */
static void
put_file_event (TactOutbox *self, SendState *state)
{
  g_autoptr(JsonNode) content = NULL;
  TactRoom *room = tact_room_list_lookup (self->rooms, state->queue->room_id);

  if (!room)
    {
      hold_unknown_room (self, state);
      return;
    }
  if (!tact_guard_check_holds (self->guard, room, state->check))
    {
      tact_guard_check_bytes_async (self->guard, room, tact_send_check_get_bytes (state->check),
                                    tact_send_check_get_file_name (state->check),
                                    self->cancellable, file_rejudged_cb, state);
      return;
    }
  /* The event replaces the private local path with the server's URI; the txnId stays. */
  content = json_from_string (state->item->entry->content_json, NULL);
  json_object_remove_member (json_node_get_object (content), TACT_SEND_LOCAL_PATH_KEY);
  json_object_set_string_member (json_node_get_object (content), "url", state->mxc);
  g_free (state->item->entry->content_json);
  state->item->entry->content_json = json_to_string (content, FALSE);
  tact_matrix_client_send_async (self->client, state->item->entry->room_id, state->item->entry->type,
                                 state->item->entry->txn_id, json_node_get_object (content),
                                 self->cancellable, send_done_cb, state);
}

static void
upload_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SendState) state = user_data;
  TactOutbox *self = state->outbox;
  RoomQueue *queue = state->queue;
  OutboxItem *item = state->item;
  g_autoptr(GError) error = NULL;

  state->mxc = tact_matrix_client_upload_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!state->mxc)
    {
      send_failed (self, g_steal_pointer (&state), error);
      return;
    }

  {
    TactMessage *echo = item_echo (self, queue, item);
    if (echo)
      {
        tact_message_set_progress (echo, 1.0);
        tact_message_set_media_url (echo, state->mxc);   /* our own copy can be saved again */
      }
  }
  put_file_event (self, g_steal_pointer (&state));
}

static void
file_judged_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SendState) state = user_data;
  TactOutbox *self = state->outbox;
  OutboxItem *item = state->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) content = NULL;
  JsonObject *info;
  TactMessage *echo;
  const char *mime = NULL;
  const char *name;
  GBytes *data;

  state->check = tact_guard_check_file_finish (TACT_GUARD (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cancellable == NULL)
    return;
  if (!state->check)
    {
      send_failed (self, g_steal_pointer (&state), error);
      return;
    }
  /* Nothing of the file reaches the server unless the decision still covers it. */
  if (!decision_still_covers (self, state->queue, item, tact_send_check_get_verdict (state->check)))
    return;

  content = json_from_string (item->entry->content_json, NULL);
  info = json_object_get_member (json_node_get_object (content), "info")
         && JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (content), "info"))
         ? json_object_get_object_member (json_node_get_object (content), "info") : NULL;
  if (info)
    mime = json_object_get_string_member_with_default (info, "mimetype", NULL);
  echo = item_echo (self, state->queue, item);
  if (echo)
    tact_message_set_progress (echo, 0.0);   /* every attempt uploads the whole file again */
  /* Read before the state is handed over (argument evaluation order is unspecified). */
  data = tact_send_check_get_bytes (state->check);
  name = tact_send_check_get_file_name (state->check);
  tact_matrix_client_upload_with_progress_async (self->client, data,
                                                 mime ? mime : "application/octet-stream", name,
                                                 echo ? upload_progress_cb : NULL,
                                                 echo ? g_object_ref (echo) : NULL, g_object_unref,
                                                 self->cancellable, upload_done_cb,
                                                 g_steal_pointer (&state));
}

static void
file_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SendState) state = user_data;
  TactOutbox *self = state->outbox;
  OutboxItem *item = state->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(JsonNode) content = NULL;
  TactRoom *room;
  const char *name;

  data = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!data)
    {
      g_autoptr(GError) lost = g_error_new (TACT_SESSION_ERROR, TACT_SESSION_ERROR_EMPTY,
                                            _("The file to send is no longer available: %s"),
                                            error->message);
      send_failed (self, g_steal_pointer (&state), lost);
      return;
    }
  content = json_from_string (item->entry->content_json, NULL);
  name = json_object_get_string_member_with_default (json_node_get_object (content), "body", NULL);
  room = tact_room_list_lookup (self->rooms, state->queue->room_id);
  if (!room)
    {
      hold_unknown_room (self, g_steal_pointer (&state));
      return;
    }
  /* The copy in the outbox is judged again (content and name), off the main thread, for the room
   * and the profile of this moment. */
  tact_guard_check_bytes_async (self->guard, room, data, name ? name : "", self->cancellable,
                                file_judged_cb, g_steal_pointer (&state));
}

static void
start_upload (TactOutbox *self, SendState *state, JsonObject *content)
{
  g_autoptr(GFile) file = g_file_new_for_path (json_object_get_string_member (content, TACT_SEND_LOCAL_PATH_KEY));

  g_file_load_bytes_async (file, self->cancellable, file_loaded_cb, state);
}

static void
members_known_cb (TactRoom *room, GParamSpec *pspec, TactOutbox *self)
{
  RoomQueue *queue;

  if (!tact_room_get_members_complete (room))
    return;
  g_signal_handlers_disconnect_by_func (room, members_known_cb, self);
  queue = g_hash_table_lookup (self->queues, tact_room_get_id (room));
  if (queue)
    {
      queue->waiting_for_members = FALSE;
      pump_queue (self, queue);
    }
}

static void
pump_queue (TactOutbox *self, RoomQueue *queue)
{
  OutboxItem *item;
  g_autoptr(JsonNode) content = NULL;
  SendState *state;

  /* Nothing leaves before the stored outbox is back in the queues: an earlier run's
   * unfinished sends go first, so a room's messages arrive in the order they were written. */
  if (queue->busy || self->cancellable == NULL || !self->resumed || self->paused)
    return;
  item = g_queue_peek_head (&queue->items);
  if (!item)
    return;

  content = json_from_string (item->entry->content_json, NULL);
  if (!content || !JSON_NODE_HOLDS_OBJECT (content))
    {
      g_warning ("Dropping an outbox entry whose content is not a JSON object");
      tact_store_outbox_update_async (self->store, item->entry->txn_id, TACT_SEND_STATE_FAILED, NULL,
                                      _("The message could not be read back from the outbox."),
                                      NULL, outbox_updated_cb, NULL);
      g_queue_pop_head (&queue->items);
      outbox_item_free (item);
      pump_queue (self, queue);
      return;
    }

  /* A file message goes out only with its file: uploaded (url) or to upload (local copy). */
  {
    JsonObject *object = json_node_get_object (content);
    const char *msgtype = tact_json_get_string (object, "msgtype");

    if (g_strcmp0 (item->entry->type, "m.room.message") == 0
        && (g_strcmp0 (msgtype, "m.file") == 0 || g_strcmp0 (msgtype, "m.image") == 0)
        && !json_object_has_member (object, "url") && !json_object_has_member (object, TACT_SEND_LOCAL_PATH_KEY))
      {
        g_warning ("An outbox file entry has neither its file nor its URL: marked failed");
        tact_store_outbox_update_async (self->store, item->entry->txn_id, TACT_SEND_STATE_FAILED, NULL,
                                        _("The file to send is missing."), NULL, outbox_updated_cb, NULL);
        mark_failed (self, queue, item, _("The file to send is missing."));
        g_queue_pop_head (&queue->items);
        outbox_item_free (item);
        pump_queue (self, queue);
        return;
      }
  }

  /* Until a room's whole member list is known the guard cannot tell who would read it (lazy
   * loading shows only those who spoke): the message waits for it, it is not judged blind. */
  if (!g_str_has_prefix (item->entry->type, TACT_OUTBOX_PROTOCOL_PREFIX))
    {
      TactRoom *room = tact_room_list_lookup (self->rooms, queue->room_id);

      if (room && !tact_room_get_members_complete (room)
          && g_strcmp0 (tact_room_get_membership (room), "join") == 0)
        {
          if (!queue->waiting_for_members)
            {
              queue->waiting_for_members = TRUE;
              g_signal_connect_object (room, "notify::member-count", G_CALLBACK (members_known_cb),
                                       self, 0);
            }
          return;
        }
    }

  queue->busy = TRUE;
  state = g_new0 (SendState, 1);
  state->outbox = g_object_ref (self);
  state->queue = queue;
  state->item = item;
  if (json_object_has_member (json_node_get_object (content), TACT_SEND_LOCAL_PATH_KEY))
    {
      start_upload (self, state, json_node_get_object (content));
      return;
    }
  /* Every transmission (first send, retry, resume) is judged again right before the request,
   * for the room's audience and the profile of this moment. */
  {
    TactRoom *room = tact_room_list_lookup (self->rooms, queue->room_id);
    g_autoptr(TactSendCheck) check = NULL;

    /* Tact's own protocol events (approval requests and decisions, audit records) go to the
     * rooms made for them, whose audience their senders check (a room just created may not be
     * in the list yet); they carry no message text. */
    if (g_str_has_prefix (item->entry->type, TACT_OUTBOX_PROTOCOL_PREFIX))
      goto send;
    if (!room)
      {
        hold_unknown_room (self, state);
        return;
      }
    check = tact_guard_check_text (self->guard, room,
                                   tact_send_content_judged_text (item->entry->type,
                                                                  json_node_get_object (content)));
    if (!decision_still_covers (self, queue, item, tact_send_check_get_verdict (check)))
      {
        send_state_free (state);
        return;
      }
  }
send:
  if (json_object_has_member (json_node_get_object (content), TACT_SEND_STATE_KEY_KEY))
    {
      /* A state event (topic, name): its state key travels privately in the stored content. */
      g_autofree char *state_key = g_strdup (json_object_get_string_member (json_node_get_object (content),
                                                                            TACT_SEND_STATE_KEY_KEY));
      json_object_remove_member (json_node_get_object (content), TACT_SEND_STATE_KEY_KEY);
      tact_matrix_client_set_state_async (self->client, item->entry->room_id, item->entry->type,
                                          state_key, json_node_get_object (content),
                                          self->cancellable, state_done_cb, state);
      return;
    }
  tact_matrix_client_send_async (self->client, item->entry->room_id, item->entry->type,
                                 item->entry->txn_id, json_node_get_object (content),
                                 self->cancellable, send_done_cb, state);
}

static void
enqueue (TactOutbox *self, TactOutboxEntry *entry, TactMessage *echo)
{
  OutboxItem *item;
  RoomQueue *queue = ensure_queue (self, entry->room_id);

  /* One queue entry per txnId, whatever path (add, resume, retry) brings it. */
  for (GList *l = queue->items.head; l; l = l->next)
    if (g_strcmp0 (((OutboxItem *) l->data)->entry->txn_id, entry->txn_id) == 0)
      {
        tact_outbox_entry_free (entry);
        return;
      }
  g_hash_table_remove (self->failed, entry->txn_id);
  item = g_new0 (OutboxItem, 1);

  item->entry = entry;
  item->echo = echo ? g_object_ref (echo) : NULL;
  g_queue_push_tail (&queue->items, item);
  pump_queue (self, queue);
}

typedef struct {
  TactOutbox      *outbox;   /* owned ref */
  TactOutboxEntry *entry;    /* owned */
  TactMessage     *echo;     /* owned ref */
} AddState;

static void
add_state_free (AddState *state)
{
  g_clear_object (&state->outbox);
  g_clear_pointer (&state->entry, tact_outbox_entry_free);
  g_clear_object (&state->echo);
  g_free (state);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AddState, add_state_free)

static void
outbox_added_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AddState) state = user_data;
  g_autoptr(GError) error = NULL;

  if (!tact_store_outbox_add_finish (TACT_STORE (source), result, &error))
    {
      /* Not stored, so not sent: the text stays visible as failed and nothing left the device. */
      tact_session_log_store_error ("Could not write a message to the outbox", error);
      if (state->echo)
        tact_message_mark_failed (state->echo, error->message);
      return;
    }
  if (state->entry->state == TACT_SEND_STATE_AWAITING_APPROVAL)
    {
      /* Kept for the approver's decision (tact_outbox_release), not queued. */
      TactOutboxEntry *entry = g_steal_pointer (&state->entry);
      g_hash_table_replace (state->outbox->failed, g_strdup (entry->txn_id), entry);
      return;
    }
  enqueue (state->outbox, g_steal_pointer (&state->entry), state->echo);
}


/* The common tail of every send: the echo in the timeline, and the outbox row (with its txnId)
 * written before anything is sent; the send starts in outbox_added_cb. Takes entry. */
TactMessage *
tact_outbox_add (TactOutbox *self, TactRoom *room, TactOutboxEntry *entry, JsonNode *content,
                 const char *reason, const TactVerdict *verdict, const char *echo_body)
{
  TactMessage *echo;
  AddState *state;

  entry->room_id = g_strdup (tact_room_get_id (room));
  entry->type = g_strdup ("m.room.message");
  entry->content_json = json_to_string (content, FALSE);
  entry->justification = (reason && *reason) ? g_strdup (reason) : NULL;
  /* A message awaiting an approver has no decision yet that any verdict could be covered by. */
  entry->verdict = g_strdup (entry->state == TACT_SEND_STATE_AWAITING_APPROVAL
                             ? "awaiting-approval" : tact_action_to_string (verdict->action));
  entry->rule_ids = tact_guard_dup_rule_ids (verdict);
  if (entry->state != TACT_SEND_STATE_AWAITING_APPROVAL)
    entry->state = TACT_SEND_STATE_PENDING;
  entry->created = g_get_real_time () / 1000;

  echo = tact_message_new (NULL, entry->txn_id, tact_room_list_get_user_id (self->rooms),
                           tact_room_get_member_name (room, tact_room_list_get_user_id (self->rooms)),
                           echo_body, entry->created, TACT_SEND_STATE_PENDING);
  if (entry->state == TACT_SEND_STATE_AWAITING_APPROVAL)
    tact_message_mark_awaiting (echo, entry->error);
  tact_room_append_message (room, echo);

  state = g_new0 (AddState, 1);
  state->outbox = g_object_ref (self);
  state->entry = entry;
  state->echo = g_object_ref (echo);
  tact_store_outbox_add_async (self->store, entry, NULL, outbox_added_cb, state);
  return echo;
}


/* Writes an entry without an echo (taken) to the store; it is queued once stored. */
static void
add_without_echo (TactOutbox *self, const char *room_id, const char *type, JsonNode *content,
                  const char *verdict, char *rule_ids, const char *reason)
{
  TactOutboxEntry *entry = g_new0 (TactOutboxEntry, 1);
  AddState *state = g_new0 (AddState, 1);

  entry->txn_id = tact_session_new_txn_id ();
  entry->room_id = g_strdup (room_id);
  entry->type = g_strdup (type);
  entry->content_json = json_to_string (content, FALSE);
  entry->justification = (reason && *reason) ? g_strdup (reason) : NULL;
  entry->verdict = g_strdup (verdict);
  entry->rule_ids = rule_ids;
  entry->state = TACT_SEND_STATE_PENDING;
  entry->created = g_get_real_time () / 1000;
  state->outbox = g_object_ref (self);
  state->entry = entry;
  tact_store_outbox_add_async (self->store, entry, NULL, outbox_added_cb, state);
}

void
tact_outbox_add_event (TactOutbox *self, TactRoom *room, const char *type, const char *state_key,
                       JsonNode *content, const char *reason, const TactVerdict *verdict)
{
  if (state_key)
    json_object_set_string_member (json_node_get_object (content), TACT_SEND_STATE_KEY_KEY, state_key);
  add_without_echo (self, tact_room_get_id (room), type, content,
                    tact_action_to_string (verdict->action), tact_guard_dup_rule_ids (verdict), reason);
}

void
tact_outbox_add_protocol (TactOutbox *self, const char *room_id, const char *type,
                          JsonObject *content)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_return_if_fail (g_str_has_prefix (type, TACT_OUTBOX_PROTOCOL_PREFIX));
  json_node_set_object (node, content);
  add_without_echo (self, room_id, type, node, "allow", NULL, NULL);
}

void
tact_outbox_retry (TactOutbox *self, TactRoom *room, TactMessage *message)
{
  TactOutboxEntry *entry;
  TactOutboxEntry *kept;
  g_autoptr(JsonNode) content = NULL;

  if (tact_message_get_send_state (message) != TACT_SEND_STATE_FAILED || !tact_message_get_txn_id (message))
    return;

  kept = g_hash_table_lookup (self->failed, tact_message_get_txn_id (message));
  if (kept)
    entry = tact_outbox_entry_copy (kept);   /* the content as stored: text or file */
  else
    {
      content = tact_send_content_text (tact_message_get_body (message));
      entry = g_new0 (TactOutboxEntry, 1);
      entry->txn_id = g_strdup (tact_message_get_txn_id (message));
      entry->room_id = g_strdup (tact_room_get_id (room));
      entry->type = g_strdup ("m.room.message");
      entry->content_json = json_to_string (content, FALSE);
    }
  /* The same txnId, for ever: the server de-duplicates if an earlier attempt did land. */
  entry->state = TACT_SEND_STATE_PENDING;
  g_clear_pointer (&entry->error, g_free);
  tact_message_mark_pending (message);
  tact_store_outbox_update_async (self->store, entry->txn_id, TACT_SEND_STATE_PENDING, NULL, NULL,
                                  NULL, outbox_updated_cb, NULL);
  enqueue (self, entry, message);
}

const TactOutboxEntry *
tact_outbox_lookup_held (TactOutbox *self, const char *txn_id)
{
  TactOutboxEntry *entry = txn_id ? g_hash_table_lookup (self->failed, txn_id) : NULL;

  return entry && entry->state == TACT_SEND_STATE_HELD ? entry : NULL;
}

const TactOutboxEntry *
tact_outbox_lookup_awaiting (TactOutbox *self, const char *txn_id)
{
  TactOutboxEntry *entry = txn_id ? g_hash_table_lookup (self->failed, txn_id) : NULL;

  return entry && entry->state == TACT_SEND_STATE_AWAITING_APPROVAL ? entry : NULL;
}

static void
outbox_noted_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_outbox_set_note_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not note a decision on a held message", error);
}

void
tact_outbox_set_note (TactOutbox *self, TactMessage *message, const char *txn_id, const char *note)
{
  TactOutboxEntry *entry = txn_id ? g_hash_table_lookup (self->failed, txn_id) : NULL;

  if (entry)
    {
      g_free (entry->error);
      entry->error = g_strdup (note);
    }
  tact_store_outbox_set_note_async (self->store, txn_id, note, NULL, outbox_noted_cb, NULL);
  if (message)
    tact_message_mark_awaiting (message, note);
}

static void
outbox_redecided_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_outbox_redecide_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not record a new decision on a held message", error);
}

gboolean
tact_outbox_release (TactOutbox *self, TactRoom *room, TactMessage *message,
                     const TactVerdict *verdict, const char *reason)
{
  g_autofree char *rule_ids = tact_guard_dup_rule_ids (verdict);

  if (!tact_outbox_lookup_held (self, tact_message_get_txn_id (message)))
    return FALSE;
  return tact_outbox_release_decided (self, tact_message_get_txn_id (message), message,
                                      tact_action_to_string (verdict->action), rule_ids, reason);
}

gboolean
tact_outbox_release_decided (TactOutbox *self, const char *txn_id, TactMessage *message,
                             const char *action, const char *rule_ids, const char *reason)
{
  const TactOutboxEntry *held = tact_outbox_lookup_held (self, txn_id);
  TactOutboxEntry *entry;

  if (!held)
    held = tact_outbox_lookup_awaiting (self, txn_id);
  if (!held)
    return FALSE;
  entry = tact_outbox_entry_copy (held);
  entry->state = TACT_SEND_STATE_PENDING;
  g_clear_pointer (&entry->error, g_free);
  g_free (entry->verdict);
  entry->verdict = g_strdup (action);
  g_free (entry->rule_ids);
  entry->rule_ids = g_strdup (rule_ids);
  g_free (entry->justification);
  entry->justification = (reason && *reason) ? g_strdup (reason) : NULL;
  /* The store's worker writes in order: the new decision is recorded before any outcome. */
  tact_store_outbox_redecide_async (self->store, entry, NULL, outbox_redecided_cb, NULL);
  if (message)
    tact_message_mark_pending (message);
  enqueue (self, entry, message);   /* judged again right before the request, as always */
  return TRUE;
}

static void
outbox_removed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_outbox_remove_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not discard a message", error);
}

void
tact_outbox_discard (TactOutbox *self, TactRoom *room, TactMessage *message)
{
  GListModel *timeline = tact_room_get_timeline (room);
  guint position;

  if ((tact_message_get_send_state (message) != TACT_SEND_STATE_FAILED
       && tact_message_get_send_state (message) != TACT_SEND_STATE_HELD
       && tact_message_get_send_state (message) != TACT_SEND_STATE_AWAITING_APPROVAL)
      || !tact_message_get_txn_id (message))
    return;
  {
    g_autofree char *media = tact_send_dup_outbox_media_path (tact_message_get_txn_id (message));
    g_remove (media);
  }
  g_hash_table_remove (self->failed, tact_message_get_txn_id (message));
  tact_store_outbox_remove_async (self->store, tact_message_get_txn_id (message), NULL,
                                  outbox_removed_cb, NULL);
  if (g_list_store_find (G_LIST_STORE (timeline), message, &position))
    g_list_store_remove (G_LIST_STORE (timeline), position);
}


static void
outbox_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactOutbox *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  entries = tact_store_outbox_list_finish (TACT_STORE (source), result, &error);
  if (self->cancellable == NULL || g_task_return_error_if_cancelled (task))
    return;
  if (!entries)
    tact_session_log_store_error ("Could not read the outbox", error);

  /* Unfinished sends resume with their original txnIds, in order, AHEAD of anything written
   * since start-up (which is already queued, and may be in this list too). Failed ones wait for
   * the user. */
  {
    g_autoptr(GHashTable) later = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                         (GDestroyNotify) g_queue_free);
    GHashTableIter iter;
    RoomQueue *queue;

    /* Take out what was queued since start-up... */
    g_hash_table_iter_init (&iter, self->queues);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue))
      {
        GQueue *items = g_queue_new ();
        OutboxItem *item;
        while ((item = g_queue_pop_head (&queue->items)))
          g_queue_push_tail (items, item);
        g_hash_table_insert (later, queue->room_id, items);
      }
    /* ...queue the stored entries (enqueue skips txnIds already queued)... */
    for (guint i = 0; entries && i < entries->len; i++)
      {
        TactOutboxEntry *entry = g_ptr_array_index (entries, i);
        gboolean queued_later = FALSE;
        GQueue *items = g_hash_table_lookup (later, entry->room_id);

        for (GList *l = items ? items->head : NULL; l && !queued_later; l = l->next)
          queued_later = g_strcmp0 (((OutboxItem *) l->data)->entry->txn_id, entry->txn_id) == 0;
        if (entry->state == TACT_SEND_STATE_PENDING && !queued_later)
          enqueue (self, tact_outbox_entry_copy (entry), NULL);
        else if (entry->state == TACT_SEND_STATE_FAILED || entry->state == TACT_SEND_STATE_HELD
                 || entry->state == TACT_SEND_STATE_AWAITING_APPROVAL)
          g_hash_table_replace (self->failed, g_strdup (entry->txn_id), tact_outbox_entry_copy (entry));
      }
    /* ...and put the newer ones back behind them. */
    g_hash_table_iter_init (&iter, later);
    {
      const char *room_id;
      GQueue *items;
      while (g_hash_table_iter_next (&iter, (gpointer *) &room_id, (gpointer *) &items))
        {
          OutboxItem *item;
          queue = ensure_queue (self, room_id);
          while ((item = g_queue_pop_head (items)))
            g_queue_push_tail (&queue->items, item);
        }
    }
  }
  self->resumed = TRUE;
  {
    GHashTableIter iter;
    RoomQueue *queue;
    g_hash_table_iter_init (&iter, self->queues);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue))
      pump_queue (self, queue);
  }
  notify_idle_waiters (self);
  g_task_return_boolean (task, TRUE);
}


/* ---- Start and stop ---------------------------------------------------------------- */

void
tact_outbox_start_async (TactOutbox *self, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_OUTBOX (self));
  g_return_if_fail (self->cancellable == NULL);

  self->cancellable = g_cancellable_new ();
  self->paused = FALSE;
  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_outbox_start_async);
  remove_orphaned_staged ();
  tact_store_outbox_list_async (self->store, self->cancellable, outbox_loaded_cb,
                                g_steal_pointer (&task));
}

gboolean
tact_outbox_start_finish (TactOutbox *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tact_outbox_stop (TactOutbox *self)
{
  GHashTableIter iter;
  RoomQueue *queue;

  if (!self->cancellable)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_hash_table_iter_init (&iter, self->queues);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue))
    {
      g_clear_handle_id (&queue->retry_source, g_source_remove);
      queue->busy = FALSE;
    }
  /* The outbox lives in the store: the next start resumes from there, same txnIds. */
  g_hash_table_remove_all (self->queues);
  self->resumed = FALSE;
}

void
tact_outbox_set_paused (TactOutbox *self, gboolean paused)
{
  GHashTableIter iter;
  RoomQueue *queue;

  self->paused = paused;
  if (paused)
    return;
  g_hash_table_iter_init (&iter, self->queues);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue))
    pump_queue (self, queue);
}
