/* tact-session.c: the sync loop, the room models and the outbox.
 *
 * Data flow (docs/architecture.md):
 *   sync:  /sync -> TactSyncResponse -> rooms/timelines updated -> store.save_sync (events and
 *          the next_batch token in one transaction) -> next /sync with that token
 *   send:  check_text (guard) -> outbox row with txnId (store) -> PUT send/{txnId} -> SENT,
 *          retried with the same txnId on 429/5xx/network errors; reconciled with the /sync
 *          echo through unsigned.transaction_id.
 */
#include <glib/gi18n-lib.h>

#include "tact-session.h"
#include "tact-session-private.h"

#include <errno.h>
#include <glib/gstdio.h>

#define SYNC_TIMEOUT_MS 30000
#define TIMELINE_PAGE 100
/* A room that is not open keeps only its newest messages in memory (the store has the rest):
 * a huge sync cannot make the models grow without bound. */
#define TIMELINE_WINDOW TIMELINE_PAGE
/* A limited sync's gap is filled with at most this many /messages pages of GAP_PAGE events. */
#define GAP_PAGES 5
#define GAP_PAGE 50
/* Back-pagination: /messages pages fetched per load_older call (until one adds a message). */
#define OLDER_PAGES 5
#define OLDER_PAGE 50
/* The private content key under which a media send keeps its local copy until uploaded. */
#define LOCAL_PATH_KEY "tact.local_path"

G_DEFINE_QUARK (tact-session-error-quark, tact_session_error)

/* Backoff of the sync loop when offline, in seconds (issue 4). */
static const guint sync_backoff_s[] = { 1, 5, 10, 20, 30 };
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
} RoomQueue;

struct _TactSession
{
  GObject parent_instance;

  /* owned */
  TactMatrixClient *client;
  TactStore        *store;
  TactProfile      *profile;
  GListStore       *rooms;        /* TactRoom, joined and invited */
  GHashTable       *room_index;   /* room id -> TactRoom (borrowed from rooms or left) */
  TactRoom         *open_room;    /* the room the user is looking at, or NULL */
  GHashTable       *queues;       /* room id -> RoomQueue */
  GCancellable     *cancellable;  /* cancelled by stop */
  GPtrArray        *idle_waiters; /* GTask* waiting for an empty outbox */
  char             *since;
  char             *filter_id;

  GHashTable       *failed;       /* txn id -> TactOutboxEntry, FAILED sends kept for retry */
  GHashTable       *members_pending; /* room ids whose full member list is being fetched */
  double            retry_scale;  /* 1.0; tests shorten the backoff delays */

  TactSyncState state;
  GError *sync_error;        /* owned: why the server refuses to sync (state ERROR) */
  gboolean filter_refreshed; /* the filter was uploaded again after a refusal; reset by a good sync */
  GHashTable *gaps;          /* room id -> PendingGap: holes back-pagination fills first */
  guint sync_failures;
  guint retry_delay_s;       /* the offline backoff's current delay ("retry-delay"), 0 when none */
  gboolean caught_up;        /* a sync has been saved since start: long-polls may begin */
  guint sync_retry_source;
  gulong network_handler;
  gboolean sync_in_flight;
  gboolean outbox_resumed;   /* the stored outbox has been read back; sends may leave */
};

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
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct _PendingGap PendingGap;
static void pending_gap_free (PendingGap *gap);
static void sync_once (TactSession *self);
static void pump_queue (TactSession *self, RoomQueue *queue);

static guint
scaled_ms (TactSession *self, guint ms)
{
  return (guint) MAX (1.0, ms * self->retry_scale);
}

void
tact_session_set_retry_scale (TactSession *self, double scale)
{
  self->retry_scale = scale > 0 ? scale : 1.0;
}

guint
tact_session_send_retry_delay_ms (const GError *error, guint attempts)
{
  gint64 retry_ms = tact_matrix_error_get_retry_after_ms (error);

  /* The server's word (429: retry_after_ms from the body, else the Retry-After header in
   * seconds or as an HTTP date, both parsed by src/matrix), up to an hour; else the backoff. */
  if (retry_ms >= 0)
    return (guint) MIN (retry_ms, MAX_RETRY_AFTER_MS);
  return send_backoff_s[MIN (attempts, G_N_ELEMENTS (send_backoff_s) - 1)] * 1000;
}

char *
tact_session_dup_outbox_media_path (const char *txn_id)
{
  return g_build_filename (g_get_user_data_dir (), "tact", "outbox-media", txn_id, NULL);
}

/* A checked file's copy waits as outbox-media/<txnId>.staged until it is sent or dropped. One
 * that is older than this process belongs to a check a crash interrupted: nothing will ever
 * send it, so it is removed (in a thread: it is file I/O) when a session starts. */
static gint64 process_started_us;

static void
remove_orphaned_staged_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_autofree char *probe = tact_session_dup_outbox_media_path ("x");
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

static void
set_state (TactSession *self, TactSyncState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_STATE]);
}

/* The server no longer accepts the token. Everything local is kept (the outbox included); a soft
 * logout lets the user sign in again on the same device (tact_account_relogin_async). */
static void
logged_out (TactSession *self, const GError *error)
{
  gboolean soft = tact_matrix_error_is_soft_logout (error);
  g_autoptr(TactSession) alive = g_object_ref (self);   /* handlers may drop the last ref */

  if (self->state == TACT_SYNC_STATE_LOGGED_OUT)
    return;
  set_state (self, TACT_SYNC_STATE_LOGGED_OUT);
  /* A hard logout ends this device's session on the server: nothing will work again with this
   * token, so the sync loop and the queues stop (the outbox stays in the store, the history
   * too). A soft logout only pauses them until tact_account_relogin_async. */
  if (!soft)
    tact_session_stop (self);
  g_signal_emit (self, signals[SIGNAL_LOGGED_OUT], 0, soft);
}

static void
tact_session_dispose (GObject *object)
{
  TactSession *self = TACT_SESSION (object);

  tact_session_stop (self);
  g_clear_pointer (&self->queues, g_hash_table_unref);
  g_clear_pointer (&self->room_index, g_hash_table_unref);
  g_clear_object (&self->open_room);
  g_clear_object (&self->rooms);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->profile);
  g_clear_pointer (&self->idle_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->failed, g_hash_table_unref);
  g_clear_pointer (&self->members_pending, g_hash_table_unref);

  G_OBJECT_CLASS (tact_session_parent_class)->dispose (object);
}

static void
tact_session_finalize (GObject *object)
{
  TactSession *self = TACT_SESSION (object);

  g_free (self->since);
  g_free (self->filter_id);
  g_clear_error (&self->sync_error);
  g_clear_pointer (&self->gaps, g_hash_table_unref);

  G_OBJECT_CLASS (tact_session_parent_class)->finalize (object);
}

static void
tact_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactSession *self = TACT_SESSION (object);

  switch (prop_id)
    {
    case PROP_SYNC_STATE: g_value_set_int (value, self->state); break;
    case PROP_PROFILE: g_value_set_object (value, self->profile); break;
    case PROP_RETRY_DELAY: g_value_set_uint (value, self->retry_delay_s); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_session_class_init (TactSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  process_started_us = g_get_real_time ();

  object_class->dispose = tact_session_dispose;
  object_class->finalize = tact_session_finalize;
  object_class->get_property = tact_session_get_property;

  properties[PROP_SYNC_STATE] =
    g_param_spec_int ("sync-state", NULL, NULL, TACT_SYNC_STATE_STOPPED, TACT_SYNC_STATE_ERROR,
                      TACT_SYNC_STATE_STOPPED,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
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
}

static void
tact_session_init (TactSession *self)
{
  self->rooms = g_list_store_new (TACT_TYPE_ROOM);
  self->room_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->queues = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) room_queue_free);
  self->idle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) tact_outbox_entry_free);
  self->members_pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->gaps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) pending_gap_free);
  self->retry_scale = 1.0;
}

TactSession *
tact_session_new (TactMatrixClient *client, TactStore *store, TactProfile *profile)
{
  TactSession *self;

  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (client), NULL);
  g_return_val_if_fail (TACT_IS_STORE (store), NULL);
  g_return_val_if_fail (TACT_IS_PROFILE (profile), NULL);

  self = g_object_new (TACT_TYPE_SESSION, NULL);
  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->profile = g_object_ref (profile);
  return self;
}

TactMatrixClient *tact_session_get_client (TactSession *self) { return self->client; }
TactStore *tact_session_get_store (TactSession *self) { return self->store; }
TactProfile *tact_session_get_profile (TactSession *self) { return self->profile; }
TactSyncState tact_session_get_sync_state (TactSession *self) { return self->state; }
const GError *tact_session_get_sync_error (TactSession *self) { return self->sync_error; }
GListModel *tact_session_get_rooms (TactSession *self) { return G_LIST_MODEL (self->rooms); }

const char *
tact_session_get_user_id (TactSession *self)
{
  return tact_matrix_client_get_user_id (self->client);
}

void
tact_session_set_profile (TactSession *self, TactProfile *profile)
{
  g_return_if_fail (TACT_IS_PROFILE (profile));
  if (g_set_object (&self->profile, profile))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

TactRoom *
tact_session_lookup_room (TactSession *self, const char *room_id)
{
  return room_id ? g_hash_table_lookup (self->room_index, room_id) : NULL;
}

/* ---- Rooms ------------------------------------------------------------------ */

static gboolean
find_room_position (TactSession *self, TactRoom *room, guint *position)
{
  return g_list_store_find (self->rooms, room, position);
}

static TactRoom *
ensure_room (TactSession *self, const char *room_id, gboolean *created)
{
  TactRoom *room = g_hash_table_lookup (self->room_index, room_id);

  if (created)
    *created = room == NULL;
  if (!room)
    {
      room = tact_room_new (room_id, tact_session_get_user_id (self));
      g_hash_table_insert (self->room_index, g_strdup (room_id), room);
    }
  return room;
}

/* A room that is not open is bounded to its newest TIMELINE_WINDOW messages. */
static void
bound_timeline (TactSession *self, TactRoom *room)
{
  if (room != self->open_room)
    tact_room_trim_timeline (room, TIMELINE_WINDOW);
}

void
tact_session_set_open_room (TactSession *self, TactRoom *room)
{
  g_autoptr(TactRoom) previous = NULL;

  g_return_if_fail (TACT_IS_SESSION (self));
  g_return_if_fail (room == NULL || TACT_IS_ROOM (room));

  if (self->open_room == room)
    return;
  previous = g_steal_pointer (&self->open_room);
  self->open_room = room ? g_object_ref (room) : NULL;
  /* What was scrolled back into stays in the store: the closed room goes back to its window. */
  if (previous)
    bound_timeline (self, previous);
}

TactRoom *tact_session_get_open_room (TactSession *self) { return self->open_room; }

/* Keeps the list model in step with membership: joined and invited rooms are listed. */
static void
sync_room_listing (TactSession *self, TactRoom *room)
{
  const char *membership = tact_room_get_membership (room);
  gboolean listed = g_strcmp0 (membership, "join") == 0 || g_strcmp0 (membership, "invite") == 0;
  guint position;
  gboolean present = find_room_position (self, room, &position);

  if (listed && !present)
    g_list_store_append (self->rooms, room);
  else if (!listed && present)
    g_list_store_remove (self->rooms, position);
}

static TactStoreEvent *
store_event_from (const TactEvent *event)
{
  TactStoreEvent *row = g_new0 (TactStoreEvent, 1);
  const char *body = tact_event_get_body (event);

  row->room_id = g_strdup (event->room_id);
  row->event_id = g_strdup (event->event_id);
  row->txn_id = g_strdup (event->transaction_id);
  row->sender = g_strdup (event->sender);
  row->type = g_strdup (event->type);
  row->state_key = g_strdup (event->state_key);
  row->ts = event->origin_server_ts;
  row->body = g_strdup (body);
  row->json = tact_event_to_json (event);
  row->send_state = TACT_SEND_STATE_SENT;
  row->redacts = g_strdup (tact_room_event_redacts (event));
  return row;
}

static gboolean
event_is_storable (const TactEvent *event)
{
  return event->event_id != NULL && event->room_id != NULL && event->sender != NULL && event->type != NULL;
}

/* ---- Outbox ------------------------------------------------------------------ */

static RoomQueue *
ensure_queue (TactSession *self, const char *room_id)
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
outbox_is_idle (TactSession *self)
{
  GHashTableIter iter;
  RoomQueue *queue;

  if (self->cancellable != NULL && !self->outbox_resumed)
    return FALSE;   /* unfinished sends from an earlier run are not loaded yet */
  g_hash_table_iter_init (&iter, self->queues);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue))
    if (!g_queue_is_empty (&queue->items))
      return FALSE;
  return TRUE;
}

static void
notify_idle_waiters (TactSession *self)
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
tact_session_wait_outbox_idle_async (TactSession *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_session_wait_outbox_idle_async);
  if (outbox_is_idle (self))
    g_task_return_boolean (task, TRUE);
  else
    g_ptr_array_add (self->idle_waiters, g_steal_pointer (&task));
}

gboolean
tact_session_wait_outbox_idle_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
log_store_error (const char *what, GError *error)
{
  if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("%s: %s", what, error->message);
}

typedef struct _SendState SendState;
static void send_failed (TactSession *self, SendState *state, const GError *error);
static void start_upload (TactSession *self, SendState *state, JsonObject *content);
static void logged_out (TactSession *self, const GError *error);

static void
outbox_updated_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_outbox_update_finish (TACT_STORE (source), result, &error))
    log_store_error ("Could not record a send's outcome", error);
}

struct _SendState {
  TactSession *session;   /* owned ref */
  RoomQueue   *queue;     /* borrowed: lives as long as the session's queues table */
  OutboxItem  *item;      /* borrowed: the queue's head while busy */
};

static void
send_state_free (SendState *state)
{
  g_clear_object (&state->session);
  g_free (state);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendState, send_state_free)

static gboolean
retry_send_cb (gpointer user_data)
{
  SendState *state = user_data;

  state->queue->retry_source = 0;
  state->queue->busy = FALSE;
  pump_queue (state->session, state->queue);
  return G_SOURCE_REMOVE;
}

/* The echo of a queued item: its own (a send of this run) or the timeline's (resumed). */
static TactMessage *
item_echo (TactSession *self, RoomQueue *queue, OutboxItem *item)
{
  TactRoom *room;

  if (item->echo)
    return item->echo;
  room = tact_session_lookup_room (self, queue->room_id);
  return room ? tact_room_find_by_txn (room, item->entry->txn_id) : NULL;
}

/* The server refused a send (or its file): kept FAILED for the user to retry or discard. */
static void
mark_failed (TactSession *self, RoomQueue *queue, OutboxItem *item, const char *reason)
{
  TactMessage *echo = item_echo (self, queue, item);
  TactOutboxEntry *kept = tact_outbox_entry_copy (item->entry);

  if (echo)
    tact_message_mark_failed (echo, reason);
  kept->state = TACT_SEND_STATE_FAILED;
  g_hash_table_replace (self->failed, g_strdup (kept->txn_id), kept);
}

static void
finish_item (TactSession *self, RoomQueue *queue, OutboxItem *item)
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
  TactSession *self = state->session;
  RoomQueue *queue = state->queue;
  OutboxItem *item = state->item;
  g_autoptr(GError) error = NULL;
  g_autofree char *event_id = NULL;

  event_id = tact_matrix_client_send_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* stopped: the outbox row stays PENDING and resumes next time */

  if (event_id)
    {
      g_autofree char *media = tact_session_dup_outbox_media_path (item->entry->txn_id);

      g_debug ("Send confirmed");
      g_remove (media);   /* the uploaded copy, if this was a file */
      tact_store_outbox_update_async (self->store, item->entry->txn_id, TACT_SEND_STATE_SENT,
                                      event_id, NULL, NULL, outbox_updated_cb, NULL);
      {
        /* The timeline's echo (a resumed send has no echo object) is marked sent, and the
         * event id is registered: the server's copy may come back without transaction_id. */
        TactRoom *room = tact_session_lookup_room (self, queue->room_id);
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

/* An attempt (upload or send) failed: wait for a new token, retry later, or give up. */
static void
send_failed (TactSession *self, SendState *state_in, const GError *error)
{
  g_autoptr(SendState) state = state_in;
  RoomQueue *queue = state->queue;
  OutboxItem *item = state->item;

  if (error->domain == TACT_MATRIX_ERROR
      && (error->code == TACT_MATRIX_ERROR_UNKNOWN_TOKEN || error->code == TACT_MATRIX_ERROR_MISSING_TOKEN))
    {
      /* Keep the entry: it goes out after the user signs in again. */
      queue->busy = FALSE;
      logged_out (self, error);
      return;
    }
  if (tact_matrix_error_is_transient (error))
    {
      guint retry_ms = scaled_ms (self, tact_session_send_retry_delay_ms (error, queue->attempts));

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

static void
upload_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SendState) state = user_data;
  TactSession *self = state->session;
  RoomQueue *queue = state->queue;
  OutboxItem *item = state->item;
  g_autoptr(GError) error = NULL;
  g_autofree char *mxc = NULL;
  g_autoptr(JsonNode) content = NULL;

  mxc = tact_matrix_client_upload_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!mxc)
    {
      send_failed (self, g_steal_pointer (&state), error);
      return;
    }

  {
    TactMessage *echo = item_echo (self, queue, item);
    if (echo)
      {
        tact_message_set_progress (echo, 1.0);
        tact_message_set_media_url (echo, mxc);   /* our own copy can be saved again */
      }
  }
  /* The event replaces the private local path with the server's URI; the txnId stays. */
  content = json_from_string (item->entry->content_json, NULL);
  json_object_remove_member (json_node_get_object (content), LOCAL_PATH_KEY);
  json_object_set_string_member (json_node_get_object (content), "url", mxc);
  g_free (item->entry->content_json);
  item->entry->content_json = json_to_string (content, FALSE);
  tact_matrix_client_send_async (self->client, item->entry->room_id, item->entry->type,
                                 item->entry->txn_id, json_node_get_object (content),
                                 self->cancellable, send_done_cb, g_steal_pointer (&state));
}

static void
file_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SendState) state = user_data;
  TactSession *self = state->session;
  OutboxItem *item = state->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(JsonNode) content = NULL;
  JsonObject *info;
  TactMessage *echo;
  const char *mime = NULL;
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
  info = json_object_get_member (json_node_get_object (content), "info")
         && JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (content), "info"))
         ? json_object_get_object_member (json_node_get_object (content), "info") : NULL;
  if (info)
    mime = json_object_get_string_member_with_default (info, "mimetype", NULL);
  echo = item_echo (self, state->queue, item);
  if (echo)
    tact_message_set_progress (echo, 0.0);   /* every attempt uploads the whole file again */
  tact_matrix_client_upload_with_progress_async (self->client, data,
                                                 mime ? mime : "application/octet-stream", name,
                                                 echo ? upload_progress_cb : NULL,
                                                 echo ? g_object_ref (echo) : NULL, g_object_unref,
                                                 self->cancellable, upload_done_cb,
                                                 g_steal_pointer (&state));
}

static void
start_upload (TactSession *self, SendState *state, JsonObject *content)
{
  g_autoptr(GFile) file = g_file_new_for_path (json_object_get_string_member (content, LOCAL_PATH_KEY));

  g_file_load_bytes_async (file, self->cancellable, file_loaded_cb, state);
}

static void
pump_queue (TactSession *self, RoomQueue *queue)
{
  OutboxItem *item;
  g_autoptr(JsonNode) content = NULL;
  SendState *state;

  /* Nothing leaves before the stored outbox is back in the queues: an earlier run's
   * unfinished sends go first, so a room's messages arrive in the order they were written. */
  if (queue->busy || self->cancellable == NULL || !self->outbox_resumed
      || self->state == TACT_SYNC_STATE_LOGGED_OUT)
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

  queue->busy = TRUE;
  state = g_new0 (SendState, 1);
  state->session = g_object_ref (self);
  state->queue = queue;
  state->item = item;
  if (json_object_has_member (json_node_get_object (content), LOCAL_PATH_KEY))
    {
      start_upload (self, state, json_node_get_object (content));
      return;
    }
  tact_matrix_client_send_async (self->client, item->entry->room_id, item->entry->type,
                                 item->entry->txn_id, json_node_get_object (content),
                                 self->cancellable, send_done_cb, state);
}

static void
enqueue (TactSession *self, TactOutboxEntry *entry, TactMessage *echo)
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
  TactSession     *session;  /* owned ref */
  TactOutboxEntry *entry;    /* owned */
  TactMessage     *echo;     /* owned ref */
} AddState;

static void
add_state_free (AddState *state)
{
  g_clear_object (&state->session);
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
      log_store_error ("Could not write a message to the outbox", error);
      tact_message_mark_failed (state->echo, error->message);
      return;
    }
  enqueue (state->session, g_steal_pointer (&state->entry), state->echo);
}

TactVerdict *
tact_session_check_text (TactSession *self, TactRoom *room, const char *text)
{
  TactOutgoing outgoing = { 0 };

  outgoing.text = text;
  tact_room_describe_audience (room, &outgoing);
  return tact_profile_check (self->profile, &outgoing);
}

/* The content of a plain text message. */
static JsonNode *
text_content (const char *text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "msgtype");
  json_builder_add_string_value (builder, "m.text");
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static char *
new_txn_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  return g_strdup_printf ("tact-%s", uuid);
}

/* Refuses what the guard refuses: blocked, approval-needing, or unjustified when a reason is required. */
static gboolean
verdict_allows (TactVerdict *verdict, const char *reason, GError **error)
{
  switch (verdict->action)
    {
    case TACT_ACTION_BLOCK:
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED,
                           _("Company policy does not allow this message to be sent here."));
      return FALSE;
    case TACT_ACTION_APPROVE:
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_APPROVAL,
                           _("This message needs your department head's approval before it can be sent."));
      return FALSE;
    case TACT_ACTION_JUSTIFY:
      if (!reason || *reason == '\0')
        {
          g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_JUSTIFICATION,
                               _("Company policy asks for a reason before this message is sent."));
          return FALSE;
        }
      return TRUE;
    case TACT_ACTION_WARN:
    case TACT_ACTION_ALLOW:
    default:
      return TRUE;
    }
}


/* The common tail of every send: the echo in the timeline, and the outbox row (with its txnId)
 * written before anything is sent; the send starts in outbox_added_cb. Takes entry. */
/* The rules a verdict found, each once, comma-separated (for the audit record), or NULL. */
static char *
verdict_rule_ids (const TactVerdict *verdict)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (!g_ptr_array_find_with_equal_func (ids, finding->rule_id, g_str_equal, NULL))
        g_ptr_array_add (ids, finding->rule_id);
    }
  if (ids->len == 0)
    return NULL;
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (",", (char **) ids->pdata);
}

static TactMessage *
add_to_outbox (TactSession *self, TactRoom *room, TactOutboxEntry *entry, JsonNode *content,
               const char *reason, const TactVerdict *verdict, const char *echo_body)
{
  TactMessage *echo;
  AddState *state;

  entry->room_id = g_strdup (tact_room_get_id (room));
  entry->type = g_strdup ("m.room.message");
  entry->content_json = json_to_string (content, FALSE);
  entry->justification = (reason && *reason) ? g_strdup (reason) : NULL;
  entry->verdict = g_strdup (tact_action_to_string (verdict->action));
  entry->rule_ids = verdict_rule_ids (verdict);
  entry->state = TACT_SEND_STATE_PENDING;
  entry->created = g_get_real_time () / 1000;

  echo = tact_message_new (NULL, entry->txn_id, tact_session_get_user_id (self),
                           tact_room_get_member_name (room, tact_session_get_user_id (self)),
                           echo_body, entry->created, TACT_SEND_STATE_PENDING);
  tact_room_append_message (room, echo);

  state = g_new0 (AddState, 1);
  state->session = g_object_ref (self);
  state->entry = entry;
  state->echo = g_object_ref (echo);
  tact_store_outbox_add_async (self->store, entry, NULL, outbox_added_cb, state);
  return echo;
}

TactMessage *
tact_session_send_text (TactSession *self, TactRoom *room, const char *text,
                        const char *justification, GError **error)
{
  g_autoptr(TactVerdict) verdict = NULL;
  g_autoptr(JsonNode) content = NULL;
  g_autofree char *stripped = NULL;
  g_autofree char *reason = NULL;
  TactOutboxEntry *entry;

  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  g_return_val_if_fail (TACT_IS_ROOM (room), NULL);

  stripped = g_strstrip (g_strdup (text ? text : ""));
  if (*stripped == '\0')
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_EMPTY, _("The message is empty."));
      return NULL;
    }
  if (g_strcmp0 (tact_room_get_membership (room), "join") != 0)
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NOT_JOINED,
                           _("Join the room before sending to it."));
      return NULL;
    }

  /* The guard decides again here: the view's earlier verdict is not trusted. */
  verdict = tact_session_check_text (self, room, text);
  reason = justification ? g_strstrip (g_strdup (justification)) : NULL;
  if (!verdict_allows (verdict, reason, error))
    return NULL;

  content = text_content (text);
  entry = g_new0 (TactOutboxEntry, 1);
  entry->txn_id = new_txn_id ();
  return add_to_outbox (self, room, entry, content, reason, verdict, text);
}

/* The content of a file message; the private local path is replaced by the mxc URI on upload. */
static JsonNode *
file_content (const char *msgtype, const char *name, const char *mime_type, gsize size,
              const char *local_path)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "msgtype");
  json_builder_add_string_value (builder, msgtype);
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "info");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mimetype");
  json_builder_add_string_value (builder, mime_type);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) size);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, LOCAL_PATH_KEY);
  json_builder_add_string_value (builder, local_path);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static const char *
file_msgtype (const char *mime_type)
{
  return mime_type && g_str_has_prefix (mime_type, "image/") ? "m.image" : "m.file";
}

/* Writes bytes to path (0600, fsynced), creating the outbox-media folder. */
static gboolean
write_private_copy (const char *path, GBytes *bytes, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int saved_errno;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not keep a copy of the file to send: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

static gboolean
check_joined (TactRoom *room, GError **error)
{
  if (g_strcmp0 (tact_room_get_membership (room), "join") == 0)
    return TRUE;
  g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NOT_JOINED,
                       _("Join the room before sending to it."));
  return FALSE;
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
  tact_room_describe_audience (room, &outgoing);
  verdict = tact_profile_check (self->profile, &outgoing);
  if (!verdict_allows (verdict, reason, error))
    return NULL;

  entry = g_new0 (TactOutboxEntry, 1);
  entry->txn_id = new_txn_id ();

  /* A private copy, so the send survives the original being moved and a restart. */
  copy = tact_session_dup_outbox_media_path (entry->txn_id);
  if (!write_private_copy (copy, bytes, error))
    {
      tact_outbox_entry_free (entry);
      return NULL;
    }

  mime = mime_type ? mime_type : "application/octet-stream";
  content = file_content (file_msgtype (mime_type), basename, mime, g_bytes_get_size (bytes), copy);
  echo = add_to_outbox (self, room, entry, content, reason, verdict, basename);
  tact_message_set_media (echo, file_msgtype (mime_type), NULL, mime, (gint64) g_bytes_get_size (bytes));
  return echo;
}

/* ---- Files checked off the main thread, then sent without being read again ---------- */

struct _TactCheckedFile
{
  gatomicrefcount ref;

  /* owned; set by the check's thread, read-only afterwards */
  char         *room_id;
  char         *name;
  char         *mime_type;
  GBytes       *bytes;
  TactVerdict  *verdict;
  TactProfile  *profile;        /* the profile the verdict comes from */
  TactOutgoing  audience;       /* the room's audience when checked (no text, no attachments) */
  char         *txn_id;         /* the send's txnId, chosen with the copy */
  /* owned; main thread only once the check is over */
  char         *staged_path;    /* the private copy (outbox-media/<txnId>.staged) until sent;
                                 * NULL when the verdict forbids sending, and once sent */
  gboolean      sent;
};

G_DEFINE_BOXED_TYPE (TactCheckedFile, tact_checked_file, tact_checked_file_ref, tact_checked_file_unref)

TactCheckedFile *
tact_checked_file_ref (TactCheckedFile *checked)
{
  g_return_val_if_fail (checked != NULL, NULL);
  g_atomic_ref_count_inc (&checked->ref);
  return checked;
}

void
tact_checked_file_unref (TactCheckedFile *checked)
{
  g_return_if_fail (checked != NULL);
  if (!g_atomic_ref_count_dec (&checked->ref))
    return;
  if (checked->staged_path)
    g_remove (checked->staged_path);   /* checked but never sent */
  g_free (checked->staged_path);
  g_free (checked->room_id);
  g_free (checked->name);
  g_free (checked->mime_type);
  g_clear_pointer (&checked->bytes, g_bytes_unref);
  g_clear_pointer (&checked->verdict, tact_verdict_free);
  g_clear_object (&checked->profile);
  g_free (checked->txn_id);
  g_free (checked);
}

const TactVerdict *tact_checked_file_get_verdict (TactCheckedFile *checked) { return checked->verdict; }
const char *tact_checked_file_get_name (TactCheckedFile *checked) { return checked->name; }
const char *tact_checked_file_get_mime_type (TactCheckedFile *checked) { return checked->mime_type; }
GBytes *tact_checked_file_get_bytes (TactCheckedFile *checked) { return checked->bytes; }
const char *tact_checked_file_get_room_id (TactCheckedFile *checked) { return checked->room_id; }

typedef struct {
  /* owned; the thread reads them, nothing mutates them meanwhile */
  GFile        *file;
  char         *name;       /* NULL: the file's display name */
  char         *room_id;
  TactProfile  *profile;    /* the thread's own reference: set_profile may replace the session's */
  TactOutgoing  audience;   /* counts and kind only */
} CheckState;

static void
check_state_free (CheckState *state)
{
  g_clear_object (&state->file);
  g_free (state->name);
  g_free (state->room_id);
  g_clear_object (&state->profile);
  g_free (state);
}

/* The worker thread: read, inspect, judge, and keep a private copy of what may be sent.
 * TactProfile is immutable once loaded (its matcher hands each caller its own scratch under a
 * lock, the normaliser's tables are built once), so checking from a thread is safe. */
static void
check_file_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CheckState *state = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_type = NULL;
  g_autoptr(TactCheckedFile) checked = NULL;
  TactAttachment attachment = { 0 };
  TactOutgoing outgoing = state->audience;
  const char *display_name;

  info = g_file_query_info (state->file,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                            G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (!info)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  display_name = g_file_info_get_display_name (info);
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                               _("“%s” is a folder. Choose a file, or put the folder in an archive."),
                               display_name);
      return;
    }
  if (g_file_info_get_size (info) > TACT_SESSION_MAX_FILE_SIZE)
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_TOO_LARGE,
                               _("“%s” is larger than %d MB, the most Tact can check and send."),
                               display_name, (int) (TACT_SESSION_MAX_FILE_SIZE / (1024 * 1024)));
      return;
    }
  bytes = g_file_load_bytes (state->file, cancellable, NULL, &error);
  if (!bytes)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_EMPTY,
                               _("“%s” is empty."), display_name);
      return;
    }
  if ((gint64) g_bytes_get_size (bytes) > TACT_SESSION_MAX_FILE_SIZE)   /* grew meanwhile */
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_TOO_LARGE,
                               _("“%s” is larger than %d MB, the most Tact can check and send."),
                               display_name, (int) (TACT_SESSION_MAX_FILE_SIZE / (1024 * 1024)));
      return;
    }

  checked = g_new0 (TactCheckedFile, 1);
  g_atomic_ref_count_init (&checked->ref);
  checked->room_id = g_strdup (state->room_id);
  checked->name = g_strdup (state->name ? state->name : display_name);
  content_type = g_content_type_guess (checked->name, g_bytes_get_data (bytes, NULL),
                                       g_bytes_get_size (bytes), NULL);
  checked->mime_type = content_type ? g_content_type_get_mime_type (content_type) : NULL;
  if (!checked->mime_type)
    checked->mime_type = g_strdup ("application/octet-stream");
  checked->bytes = g_bytes_ref (bytes);
  checked->profile = g_object_ref (state->profile);
  checked->audience = state->audience;

  /* The guard inspects the content (type, labels, text, archives), never the name alone. */
  attachment.name = checked->name;
  attachment.data = bytes;
  outgoing.attachments = &attachment;
  outgoing.n_attachments = 1;
  checked->verdict = tact_profile_check (state->profile, &outgoing);

  /* What may be sent gets its private copy now, off the main thread. */
  checked->txn_id = new_txn_id ();
  if (checked->verdict->action != TACT_ACTION_BLOCK && checked->verdict->action != TACT_ACTION_APPROVE)
    {
      g_autofree char *copy = tact_session_dup_outbox_media_path (checked->txn_id);
      g_autofree char *staged = g_strconcat (copy, ".staged", NULL);

      if (!write_private_copy (staged, bytes, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      checked->staged_path = g_steal_pointer (&staged);
    }
  g_task_return_pointer (task, g_steal_pointer (&checked), (GDestroyNotify) tact_checked_file_unref);
}

void
tact_session_check_file_async (TactSession *self, TactRoom *room, GFile *file, const char *name,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  CheckState *state;

  g_return_if_fail (TACT_IS_SESSION (self));
  g_return_if_fail (TACT_IS_ROOM (room));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_session_check_file_async);
  state = g_new0 (CheckState, 1);
  state->file = g_object_ref (file);
  state->name = g_strdup (name);
  state->room_id = g_strdup (tact_room_get_id (room));
  state->profile = g_object_ref (self->profile);
  tact_room_describe_audience (room, &state->audience);   /* the room is the main thread's */
  g_task_set_task_data (task, state, (GDestroyNotify) check_state_free);
  g_task_run_in_thread (task, check_file_thread);
}

TactCheckedFile *
tact_session_check_file_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_session_check_file_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

TactMessage *
tact_session_send_checked_file (TactSession *self, TactRoom *room, TactCheckedFile *checked,
                                const char *justification, GError **error)
{
  g_autofree char *reason = justification ? g_strstrip (g_strdup (justification)) : NULL;
  g_autofree char *copy = NULL;
  g_autoptr(JsonNode) content = NULL;
  TactOutgoing now = { 0 };
  TactOutboxEntry *entry;
  TactMessage *echo;
  gsize size;

  g_return_val_if_fail (TACT_IS_SESSION (self), NULL);
  g_return_val_if_fail (TACT_IS_ROOM (room), NULL);
  g_return_val_if_fail (checked != NULL, NULL);

  if (!check_joined (room, error))
    return NULL;

  /* The verdict is the session's own, computed in the check; it holds only for the room, the
   * audience and the profile it was computed for. Cheap to confirm, so confirmed every time. */
  tact_room_describe_audience (room, &now);
  if (checked->sent || g_strcmp0 (checked->room_id, tact_room_get_id (room)) != 0
      || checked->profile != self->profile
      || now.external_count != checked->audience.external_count
      || now.member_count != checked->audience.member_count
      || now.room_kind != checked->audience.room_kind)
    {
      g_set_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                   _("The room or the company policy changed after “%s” was checked. Check it again before sending."),
                   checked->name);
      return NULL;
    }
  if (!verdict_allows (checked->verdict, reason, error))
    return NULL;
  g_return_val_if_fail (checked->staged_path != NULL, NULL);   /* allowed verdicts have a copy */

  /* The private copy written by the check becomes the outbox's: a rename, not a re-read. */
  copy = tact_session_dup_outbox_media_path (checked->txn_id);
  if (g_rename (checked->staged_path, copy) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not keep a copy of the file to send: %s"), g_strerror (saved_errno));
      return NULL;
    }
  g_clear_pointer (&checked->staged_path, g_free);
  checked->sent = TRUE;

  size = g_bytes_get_size (checked->bytes);
  content = file_content (file_msgtype (checked->mime_type), checked->name, checked->mime_type,
                          size, copy);
  entry = g_new0 (TactOutboxEntry, 1);
  entry->txn_id = g_strdup (checked->txn_id);
  echo = add_to_outbox (self, room, entry, content, reason, checked->verdict, checked->name);
  tact_message_set_media (echo, file_msgtype (checked->mime_type), NULL, checked->mime_type,
                          (gint64) size);
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

void
tact_session_retry_message (TactSession *self, TactRoom *room, TactMessage *message)
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
      content = text_content (tact_message_get_body (message));
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

static void
outbox_removed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_outbox_remove_finish (TACT_STORE (source), result, &error))
    log_store_error ("Could not discard a message", error);
}

void
tact_session_discard_message (TactSession *self, TactRoom *room, TactMessage *message)
{
  GListModel *timeline = tact_room_get_timeline (room);
  guint position;

  if (tact_message_get_send_state (message) != TACT_SEND_STATE_FAILED || !tact_message_get_txn_id (message))
    return;
  {
    g_autofree char *media = tact_session_dup_outbox_media_path (tact_message_get_txn_id (message));
    g_remove (media);
  }
  g_hash_table_remove (self->failed, tact_message_get_txn_id (message));
  tact_store_outbox_remove_async (self->store, tact_message_get_txn_id (message), NULL,
                                  outbox_removed_cb, NULL);
  if (g_list_store_find (G_LIST_STORE (timeline), message, &position))
    g_list_store_remove (G_LIST_STORE (timeline), position);
}

/* ---- Gaps the sync could not fill --------------------------------------------- */

/* A hole in a room's history: a limited sync's gap larger than the fill budget, or one whose
 * /messages request the server refused. Back-pagination fills it before anything older, from
 * /messages at from, until an event older than stop_ts (or already shown). Kept in the store's
 * meta table as "gap:<room id>" (JSON), written before the batch that opens it is saved. */
struct _PendingGap {
  char   *from;     /* the /messages token at the hole's newer edge */
  char   *anchor;   /* event id of the oldest event after the hole, or NULL */
  gint64  stop_ts;  /* the newest event known before the hole */
};

static void
pending_gap_free (PendingGap *gap)
{
  g_free (gap->from);
  g_free (gap->anchor);
  g_free (gap);
}

static char *
gap_key (const char *room_id)
{
  return g_strconcat ("gap:", room_id, NULL);
}

static void
gap_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_set_meta_finish (TACT_STORE (source), result, &error))
    log_store_error ("Could not record a gap in a room's history", error);
}

/* Writes (or, gap NULL, deletes) the room's gap in the store. */
static void
persist_gap (TactSession *self, const char *room_id, const PendingGap *gap)
{
  g_autofree char *key = gap_key (room_id);
  g_autofree char *json = NULL;

  if (gap)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_string_member (object, "from", gap->from);
      if (gap->anchor)
        json_object_set_string_member (object, "anchor", gap->anchor);
      json_object_set_int_member (object, "stop_ts", gap->stop_ts);
      json_node_set_object (node, object);
      json = json_to_string (node, FALSE);
    }
  tact_store_set_meta_async (self->store, key, json, NULL, gap_saved_cb, NULL);
}

/* Records a hole. A room keeps one: a second hole while one is open merges with it (from the
 * newer edge down to the older stop_ts; what lies between is known and de-duplicated). */
static void
record_gap (TactSession *self, TactRoom *room, const char *from, const char *anchor, gint64 stop_ts)
{
  PendingGap *gap = g_new0 (PendingGap, 1);
  PendingGap *old = g_hash_table_lookup (self->gaps, tact_room_get_id (room));

  gap->from = g_strdup (from);
  gap->anchor = g_strdup (anchor);
  gap->stop_ts = old ? MIN (old->stop_ts, stop_ts) : stop_ts;
  persist_gap (self, tact_room_get_id (room), gap);
  g_hash_table_replace (self->gaps, g_strdup (tact_room_get_id (room)), gap);
}

static void
forget_gap (TactSession *self, TactRoom *room)
{
  if (g_hash_table_remove (self->gaps, tact_room_get_id (room)))
    persist_gap (self, tact_room_get_id (room), NULL);
}

typedef struct {
  TactSession *session;  /* owned ref */
  char        *room_id;  /* owned */
} GapLoad;

static void
gap_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GapLoad *load = user_data;
  g_autofree char *json = tact_store_get_meta_finish (TACT_STORE (source), result, NULL);
  g_autoptr(JsonNode) node = json ? json_from_string (json, NULL) : NULL;

  if (node && JSON_NODE_HOLDS_OBJECT (node) && load->session->gaps
      && !g_hash_table_contains (load->session->gaps, load->room_id))
    {
      JsonObject *object = json_node_get_object (node);
      const char *from = json_object_get_string_member_with_default (object, "from", NULL);

      if (from)
        {
          PendingGap *gap = g_new0 (PendingGap, 1);
          gap->from = g_strdup (from);
          gap->anchor = g_strdup (json_object_get_string_member_with_default (object, "anchor", NULL));
          gap->stop_ts = json_object_get_int_member_with_default (object, "stop_ts", 0);
          g_hash_table_insert (load->session->gaps, g_strdup (load->room_id), gap);
        }
    }
  g_object_unref (load->session);
  g_free (load->room_id);
  g_free (load);
}

static void
load_gap (TactSession *self, const char *room_id)
{
  g_autofree char *key = gap_key (room_id);
  GapLoad *load = g_new0 (GapLoad, 1);

  load->session = g_object_ref (self);
  load->room_id = g_strdup (room_id);
  tact_store_get_meta_async (self->store, key, NULL, gap_loaded_cb, load);
}

/* ---- Timeline loading -------------------------------------------------------- */

typedef struct {
  TactSession *session;  /* owned ref */
  TactRoom    *room;     /* owned ref */
} RoomOp;

static void
room_op_free (RoomOp *op)
{
  g_clear_object (&op->session);
  g_clear_object (&op->room);
  g_free (op);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RoomOp, room_op_free)

static RoomOp *
room_op_new (TactSession *self, TactRoom *room)
{
  RoomOp *op = g_new0 (RoomOp, 1);
  op->session = g_object_ref (self);
  op->room = g_object_ref (room);
  return op;
}

static void
timeline_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(RoomOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) newer = NULL;
  GListStore *timeline = G_LIST_STORE (tact_room_get_timeline (op->room));
  guint n;

  rows = tact_store_load_timeline_finish (TACT_STORE (source), result, &error);
  if (!rows)
    {
      log_store_error ("Could not load a room's history", error);
      return;
    }

  /* Messages that arrived from /sync while loading go after the stored history. */
  n = g_list_model_get_n_items (G_LIST_MODEL (timeline));
  newer = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (newer, g_list_model_get_item (G_LIST_MODEL (timeline), i));
  /* Forget the ids too, or the stored rows would be taken for duplicates of themselves. */
  tact_room_reset_timeline (op->room);

  for (guint i = 0; i < rows->len; i++)
    tact_room_add_stored (op->room, g_ptr_array_index (rows, i));
  for (guint i = 0; i < newer->len; i++)
    {
      TactMessage *message = g_ptr_array_index (newer, i);
      const char *event_id = tact_message_get_event_id (message);
      gboolean duplicate = FALSE;

      for (guint j = 0; j < rows->len && !duplicate; j++)
        {
          TactStoreEvent *row = g_ptr_array_index (rows, j);
          duplicate = (event_id && g_strcmp0 (row->event_id, event_id) == 0)
                      || (tact_message_get_txn_id (message) && g_strcmp0 (row->txn_id, tact_message_get_txn_id (message)) == 0);
        }
      if (!duplicate)
        tact_room_append_message (op->room, message);
    }
  bound_timeline (op->session, op->room);
}

void
tact_session_load_timeline (TactSession *self, TactRoom *room)
{
  if (tact_room_get_timeline_loaded (room))
    return;
  tact_room_set_timeline_loaded (room, TRUE);
  tact_store_load_timeline_async (self->store, tact_room_get_id (room), 0, TIMELINE_PAGE, NULL,
                                  timeline_loaded_cb, room_op_new (self, room));
}

/* ---- Back-pagination: the store first, then /messages until the room's start ---- */

typedef struct {
  TactSession *session;  /* owned ref */
  TactRoom    *room;     /* owned ref */
  guint        added;
  guint        pages;
} OlderState;

static void
older_state_free (OlderState *state)
{
  g_clear_object (&state->session);
  g_clear_object (&state->room);
  g_free (state);
}

static void older_fetch (GTask *task);

static void
older_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_save_sync_finish (TACT_STORE (source), result, &error))
    log_store_error ("Could not save a room or its older messages", error);
}

static void
older_page_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OlderState *state = g_task_get_task_data (task);
  TactSession *self = state->session;
  g_autoptr(TactMessagesPage) page = NULL;
  g_autoptr(GPtrArray) ordered = g_ptr_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
  g_autoptr(GPtrArray) room_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
  GError *error = NULL;

  page = tact_matrix_client_get_messages_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (!page)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = page->chunk->len; i > 0; i--)
    {
      TactEvent *event = g_ptr_array_index (page->chunk, i - 1);

      g_ptr_array_add (ordered, event);
      if (event_is_storable (event))
        g_ptr_array_add (rows, store_event_from (event));
    }
  state->added += tact_room_prepend_events (state->room, ordered);
  state->pages++;

  /* No end token: nothing older exists. The token moves back with every page. */
  if (page->end)
    tact_room_set_prev_batch (state->room, page->end);
  else
    {
      tact_room_clear_prev_batch (state->room);
      tact_room_set_at_start (state->room, TRUE);
    }
  g_ptr_array_add (room_rows, tact_room_to_store_row (state->room));
  /* next_batch NULL: these events are saved without touching the sync token. */
  tact_store_save_sync_async (self->store, NULL, room_rows, rows, NULL, older_saved_cb, NULL);

  if (state->added == 0 && page->end && state->pages < OLDER_PAGES)
    {
      older_fetch (g_steal_pointer (&task));
      return;
    }
  g_task_return_int (task, state->added);
}

static void
older_fetch (GTask *task)
{
  OlderState *state = g_task_get_task_data (task);
  const char *from = tact_room_get_prev_batch (state->room);

  if (!from)
    {
      tact_room_set_at_start (state->room, TRUE);
      g_task_return_int (task, state->added);
      return;
    }
  tact_matrix_client_get_messages_async (state->session->client, tact_room_get_id (state->room), from,
                                         'b', OLDER_PAGE, g_task_get_cancellable (task),
                                         older_page_cb, task);
}

static void older_gap_fetch (GTask *task);

static void
older_stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OlderState *state = g_task_get_task_data (task);
  g_autoptr(GPtrArray) rows = NULL;
  GError *error = NULL;

  PendingGap *gap;

  rows = tact_store_load_timeline_finish (TACT_STORE (source), result, &error);
  if (!rows)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Under a recorded hole, only what lies after it: the rest is older than the hole's events. */
  gap = g_hash_table_lookup (state->session->gaps, tact_room_get_id (state->room));
  for (guint i = rows->len; gap && i > 0; i--)
    if (((TactStoreEvent *) g_ptr_array_index (rows, i - 1))->ts <= gap->stop_ts)
      g_ptr_array_remove_index (rows, i - 1);
  state->added = tact_room_prepend_stored (state->room, rows);
  if (state->added > 0)
    {
      g_task_return_int (task, state->added);
      return;
    }
  /* The store has nothing older (before the hole): ask the server. */
  if (gap)
    older_gap_fetch (g_steal_pointer (&task));
  else
    older_fetch (g_steal_pointer (&task));
}

static void
older_from_store (GTask *task)
{
  OlderState *state = g_task_get_task_data (task);
  TactRoom *room = state->room;

  /* Oldest shown first; 0 (an empty timeline) asks for the newest. The store's before_ts is
   * strict, so events sharing the oldest millisecond are de-duplicated by event id instead. */
  tact_store_load_timeline_async (state->session->store, tact_room_get_id (room),
                                  tact_room_get_oldest_ts (room) > 0 ? tact_room_get_oldest_ts (room) + 1 : 0,
                                  TIMELINE_PAGE, g_task_get_cancellable (task), older_stored_cb, task);
}

/* A page of a recorded hole (newest first): inserted before the events after the hole. */
static void
older_gap_page_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OlderState *state = g_task_get_task_data (task);
  TactSession *self = state->session;
  PendingGap *gap = g_hash_table_lookup (self->gaps, tact_room_get_id (state->room));
  g_autoptr(TactMessagesPage) page = NULL;
  g_autoptr(GPtrArray) ordered = g_ptr_array_new ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
  g_autoptr(GPtrArray) room_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
  GError *error = NULL;
  gboolean reached = FALSE;
  guint n = 0;

  page = tact_matrix_client_get_messages_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (!page)
    {
      g_task_return_error (task, error);   /* the hole stays recorded */
      return;
    }
  if (!gap)
    {
      g_task_return_int (task, state->added);
      return;
    }
  for (; n < page->chunk->len && !reached; n++)
    {
      TactEvent *event = g_ptr_array_index (page->chunk, n);
      reached = tact_room_has_event (state->room, event->event_id)
                || (gap->stop_ts > 0 && event->origin_server_ts < gap->stop_ts);
    }
  if (reached)
    n--;
  for (guint i = n; i > 0; i--)
    {
      TactEvent *event = g_ptr_array_index (page->chunk, i - 1);
      g_ptr_array_add (ordered, event);
      if (event_is_storable (event))
        g_ptr_array_add (rows, store_event_from (event));
    }
  state->added += tact_room_has_event (state->room, gap->anchor)
                  ? tact_room_insert_events (state->room, gap->anchor, ordered)
                  : tact_room_prepend_events (state->room, ordered);
  state->pages++;
  g_ptr_array_add (room_rows, tact_room_to_store_row (state->room));
  tact_store_save_sync_async (self->store, NULL, room_rows, rows, NULL, older_saved_cb, NULL);

  if (reached || !page->end)
    forget_gap (self, state->room);
  else
    {
      g_free (gap->from);
      gap->from = g_strdup (page->end);
      if (ordered->len > 0)
        {
          g_free (gap->anchor);
          gap->anchor = g_strdup (((TactEvent *) g_ptr_array_index (ordered, 0))->event_id);
        }
      persist_gap (self, tact_room_get_id (state->room), gap);
    }

  if (state->added > 0 || state->pages >= OLDER_PAGES)
    g_task_return_int (task, state->added);
  else if (g_hash_table_contains (self->gaps, tact_room_get_id (state->room)))
    older_gap_fetch (g_steal_pointer (&task));
  else
    older_from_store (g_steal_pointer (&task));   /* filled: on to what lies before it */
}

static void
older_gap_fetch (GTask *task)
{
  OlderState *state = g_task_get_task_data (task);
  PendingGap *gap = g_hash_table_lookup (state->session->gaps, tact_room_get_id (state->room));

  tact_matrix_client_get_messages_async (state->session->client, tact_room_get_id (state->room),
                                         gap->from, 'b', OLDER_PAGE, g_task_get_cancellable (task),
                                         older_gap_page_cb, task);
}

void
tact_session_load_older_async (TactSession *self, TactRoom *room, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  OlderState *state = g_new0 (OlderState, 1);
  PendingGap *gap;

  g_task_set_source_tag (task, tact_session_load_older_async);
  state->session = g_object_ref (self);
  state->room = g_object_ref (room);
  g_task_set_task_data (task, state, (GDestroyNotify) older_state_free);
  tact_room_set_timeline_loaded (room, TRUE);
  /* A recorded hole is filled once the timeline reaches its edge (the anchor at the top or
   * nothing shown), the store's events after it first: everything stored before it is older. */
  gap = g_hash_table_lookup (self->gaps, tact_room_get_id (room));
  if (gap && (!gap->anchor || tact_room_has_event (room, gap->anchor)))
    {
      older_gap_fetch (g_steal_pointer (&task));
      return;
    }
  if (tact_room_get_at_start (room))
    {
      g_task_return_int (task, 0);
      return;
    }
  older_from_store (g_steal_pointer (&task));
}

gssize
tact_session_load_older_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

/* ---- Sync ------------------------------------------------------------------- */

/* Writes the room's row (counts, tokens) without touching the sync token. */
static void
save_room_row (TactSession *self, TactRoom *room)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
  g_autoptr(GPtrArray) events = g_ptr_array_new ();

  g_ptr_array_add (rows, tact_room_to_store_row (room));
  tact_store_save_sync_async (self->store, NULL, rows, events, NULL, older_saved_cb, NULL);
}

static void
full_state_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(RoomOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) state = NULL;

  state = tact_matrix_client_get_state_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_hash_table_remove (op->session->members_pending, tact_room_get_id (op->room));
  if (!state)
    {
      /* The stored counts stay; the next sync of this room asks again. */
      g_message ("Could not load a room's members: %s", error->message);
      return;
    }
  tact_room_apply_full_state (op->room, state);
  save_room_row (op->session, op->room);
}

/* Lazy loading shows only the members who spoke: the guard needs the whole audience (are
 * outsiders present?), so a joined room's full member list is fetched once per run: rooms read
 * from the store, rooms first seen, rooms joined from an invite. */
static void
ensure_full_members (TactSession *self, TactRoom *room)
{
  if (tact_room_get_members_complete (room) || g_strcmp0 (tact_room_get_membership (room), "join") != 0
      || !g_hash_table_add (self->members_pending, g_strdup (tact_room_get_id (room))))
    return;
  tact_matrix_client_get_state_async (self->client, tact_room_get_id (room), self->cancellable,
                                      full_state_cb, room_op_new (self, room));
}

static void
apply_direct_rooms (TactSession *self, GPtrArray *account_data)
{
  for (guint i = 0; account_data && i < account_data->len; i++)
    {
      TactEvent *event = g_ptr_array_index (account_data, i);
      JsonObjectIter iter;
      const char *user_id;
      JsonNode *rooms;

      if (g_strcmp0 (event->type, "m.direct") != 0 || !event->content)
        continue;
      json_object_iter_init (&iter, event->content);
      while (json_object_iter_next (&iter, &user_id, &rooms))
        {
          if (!JSON_NODE_HOLDS_ARRAY (rooms))
            continue;
          for (guint j = 0; j < json_array_get_length (json_node_get_array (rooms)); j++)
            {
              JsonNode *id = json_array_get_element (json_node_get_array (rooms), j);
              TactRoom *room;
              if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING
                  && (room = tact_session_lookup_room (self, json_node_get_string (id))))
                tact_room_set_direct (room, TRUE);
            }
        }
    }
}

/* A limited timeline's gap: /messages backwards from prev_batch until a known event. */
typedef struct {
  TactRoom  *room;         /* owned ref */
  char      *from;         /* the next /messages token */
  char      *anchor;       /* event id of the batch's first timeline event, or NULL */
  gint64     stop_ts;      /* the room's newest stored event before this batch */
  guint      pages;
  GPtrArray *found;        /* TactEvent, newest first */
} Gap;

static void
gap_free (Gap *gap)
{
  g_clear_object (&gap->room);
  g_free (gap->from);
  g_free (gap->anchor);
  g_clear_pointer (&gap->found, g_ptr_array_unref);
  g_free (gap);
}

typedef struct {
  TactSession *session;   /* owned ref */
  char        *next_batch;
  GPtrArray   *rooms;     /* TactStoreRoom, owned */
  GPtrArray   *events;    /* TactStoreEvent, owned */
  GQueue       gaps;      /* Gap*, owned: filled before the batch is saved */
  guint        n_gap_events; /* gap events written at the front of events so far */
  GTask       *done;      /* owned, may be NULL: tact_session_process_sync_async's task */
} SaveState;

static void
save_state_free (SaveState *state)
{
  if (state->done)
    g_task_return_new_error (state->done, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "The batch was not saved");
  g_clear_object (&state->done);
  g_clear_object (&state->session);
  g_free (state->next_batch);
  g_clear_pointer (&state->rooms, g_ptr_array_unref);
  g_clear_pointer (&state->events, g_ptr_array_unref);
  g_queue_clear_full (&state->gaps, (GDestroyNotify) gap_free);
  g_free (state);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveState, save_state_free)

static gboolean
retry_sync_cb (gpointer user_data)
{
  TactSession *self = user_data;

  self->sync_retry_source = 0;
  sync_once (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_sync (TactSession *self, guint delay_s)
{
  g_clear_handle_id (&self->sync_retry_source, g_source_remove);
  if (delay_s == 0)
    self->sync_retry_source = g_idle_add (retry_sync_cb, self);
  else
    self->sync_retry_source = g_timeout_add (scaled_ms (self, delay_s * 1000), retry_sync_cb, self);
}

static void
set_retry_delay (TactSession *self, guint delay_s)
{
  self->retry_delay_s = delay_s;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_DELAY]);
}

static void
sync_failed (TactSession *self)
{
  /* Not MIN (failures++, …): the macro evaluates its argument twice (the bug this had: 5, 20, 30). */
  guint delay_s = sync_backoff_s[MIN (self->sync_failures, G_N_ELEMENTS (sync_backoff_s) - 1)];

  self->sync_failures++;

  set_state (self, TACT_SYNC_STATE_OFFLINE);
  set_retry_delay (self, delay_s);
  schedule_sync (self, delay_s);
}

static void sync_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void sync_refused (TactSession *self, const GError *error);
static void fill_next_gap (SaveState *state);
static void gap_overflow (TactSession *self, Gap *gap);
static void gap_finish (SaveState *state, Gap *gap);

static void
gap_page_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveState *state = user_data;
  TactSession *self = state->session;
  Gap *gap = g_queue_peek_head (&state->gaps);
  g_autoptr(TactMessagesPage) page = NULL;
  g_autoptr(GError) error = NULL;
  gboolean reached = FALSE;

  page = tact_matrix_client_get_messages_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (!page && (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->cancellable
                || tact_matrix_error_is_transient (error)))
    {
      self->sync_in_flight = FALSE;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->cancellable)
        {
          /* Nothing of this batch is saved: the same batch (and gap) comes again. */
          g_message ("Could not fill a timeline gap: %s", error->message);
          sync_failed (self);
        }
      save_state_free (state);
      return;
    }
  if (!page)
    {
      /* Refused (a 4xx): only this room is affected. The hole is kept for back-pagination and
       * the batch goes on; what was found so far is inserted below. */
      g_message ("The server refused to fill a timeline gap (HTTP %u); kept for later",
                 tact_matrix_error_get_http_status (error));
      gap_overflow (self, gap);
      gap_finish (state, gap);
      return;
    }

  for (guint i = 0; i < page->chunk->len && !reached; i++)
    {
      TactEvent *event = g_ptr_array_index (page->chunk, i);

      if (tact_room_has_event (gap->room, event->event_id)
          || (gap->stop_ts > 0 && event->origin_server_ts < gap->stop_ts))
        reached = TRUE;
      else
        g_ptr_array_add (gap->found, tact_event_copy (event));
    }
  gap->pages++;
  g_free (gap->from);
  gap->from = g_strdup (page->end);
  if (!reached && gap->from && gap->pages < GAP_PAGES)
    {
      tact_matrix_client_get_messages_async (self->client, tact_room_get_id (gap->room), gap->from,
                                             'b', GAP_PAGE, self->cancellable, gap_page_cb, state);
      return;
    }
  if (!reached && gap->from)
    {
      g_message ("A timeline gap was larger than %u events; back-pagination fills the rest",
                 GAP_PAGES * GAP_PAGE);
      gap_overflow (self, gap);
    }
  gap_finish (state, gap);
}

/* The part of a gap not filled now: recorded, with the oldest event found as its anchor. */
static void
gap_overflow (TactSession *self, Gap *gap)
{
  TactEvent *oldest = gap->found->len > 0 ? g_ptr_array_index (gap->found, gap->found->len - 1) : NULL;

  record_gap (self, gap->room, gap->from, oldest ? oldest->event_id : gap->anchor, gap->stop_ts);
}

/* Puts the gap's events in the model and the batch, then fills the next gap. */
static void
gap_finish (SaveState *state, Gap *gap)
{
  /* Oldest first: into the model before the batch's first event, and into this batch's save. */
  {
    g_autoptr(GPtrArray) ordered = g_ptr_array_new ();

    for (guint i = gap->found->len; i > 0; i--)
      {
        TactEvent *event = g_ptr_array_index (gap->found, i - 1);
        g_ptr_array_add (ordered, event);
        /* Ahead of the batch's own events: the store breaks ties between equal timestamps by
         * insertion order, so older events must be written first. */
        if (event_is_storable (event))
          g_ptr_array_insert (state->events, (gint) state->n_gap_events++, store_event_from (event));
      }
    tact_room_insert_events (gap->room, gap->anchor, ordered);
    bound_timeline (state->session, gap->room);
  }
  gap_free (g_queue_pop_head (&state->gaps));
  fill_next_gap (state);
}

/* Fills the gaps one room at a time, then saves the batch (events, gap events, token) at once. */
static void
fill_next_gap (SaveState *state)
{
  TactSession *self = state->session;
  Gap *gap = g_queue_peek_head (&state->gaps);

  if (self->cancellable == NULL && state->done == NULL)
    {
      save_state_free (state);
      return;
    }
  if (gap)
    {
      tact_matrix_client_get_messages_async (self->client, tact_room_get_id (gap->room), gap->from,
                                             'b', GAP_PAGE, self->cancellable, gap_page_cb, state);
      return;
    }
  tact_store_save_sync_async (self->store, state->next_batch, state->rooms, state->events,
                              self->cancellable, sync_saved_cb, state);
  /* The store took its own copies: ours (the serialised events of a whole batch) go now,
   * not after the save, so they are not held twice while the worker writes. */
  g_clear_pointer (&state->rooms, g_ptr_array_unref);
  g_clear_pointer (&state->events, g_ptr_array_unref);
}

static void
sync_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaveState) state = user_data;
  TactSession *self = state->session;
  g_autoptr(GError) error = NULL;
  gboolean saved = tact_store_save_sync_finish (TACT_STORE (source), result, &error);

  if (state->done)
    {
      g_autoptr(GTask) done = g_steal_pointer (&state->done);

      if (saved)
        g_task_return_boolean (done, TRUE);
      else
        g_task_return_error (done, g_error_copy (error));
    }
  self->sync_in_flight = FALSE;
  if (!saved)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cancellable == NULL)
        return;
      /* The token was not saved either: the same batch is fetched again. */
      log_store_error ("Could not save the latest messages", error);
      sync_failed (self);
      return;
    }

  g_free (self->since);
  self->since = g_steal_pointer (&state->next_batch);
  self->sync_failures = 0;
  self->filter_refreshed = FALSE;
  self->caught_up = TRUE;
  if (self->retry_delay_s != 0)
    set_retry_delay (self, 0);
  set_state (self, TACT_SYNC_STATE_READY);
  if (self->cancellable)
    sync_once (self);
}

static void
process_sync (TactSession *self, TactSyncResponse *response, GTask *done)
{
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
  SaveState *state = g_new0 (SaveState, 1);
  gboolean incremental = self->since != NULL;

  g_queue_init (&state->gaps);

  for (guint i = 0; i < response->joined->len; i++)
    {
      TactSyncRoom *sync_room = g_ptr_array_index (response->joined, i);
      gboolean created;
      TactRoom *room = ensure_room (self, sync_room->room_id, &created);

      tact_room_set_membership (room, "join");
      for (guint j = 0; j < sync_room->state->len; j++)
        {
          TactEvent *event = g_ptr_array_index (sync_room->state, j);
          tact_room_apply_state (room, event);
        }
      tact_room_set_summary_counts (room, sync_room->joined_member_count,
                                    sync_room->invited_member_count);
      if (sync_room->typing)
        {
          g_ptr_array_add (sync_room->typing, NULL);
          tact_room_set_typing (room, (const char * const *) sync_room->typing->pdata);
          g_ptr_array_remove_index (sync_room->typing, sync_room->typing->len - 1);
        }
      /* A limited timeline after a known position leaves a hole: fill it before saving. */
      if (incremental && !created && sync_room->limited && sync_room->prev_batch)
        {
          Gap *gap = g_new0 (Gap, 1);
          TactEvent *first = sync_room->timeline->len > 0 ? g_ptr_array_index (sync_room->timeline, 0) : NULL;

          gap->room = g_object_ref (room);
          gap->from = g_strdup (sync_room->prev_batch);
          gap->anchor = first ? g_strdup (first->event_id) : NULL;
          gap->stop_ts = tact_room_get_last_ts (room);
          gap->found = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_event_free);
          g_queue_push_tail (&state->gaps, gap);
        }
      for (guint j = 0; j < sync_room->timeline->len; j++)
        tact_room_add_event (room, g_ptr_array_index (sync_room->timeline, j));
      tact_room_set_unread_counts (room, sync_room->notification_count, sync_room->highlight_count);
      for (guint j = 0; j < sync_room->receipts->len; j++)
        {
          TactSyncReceipt *receipt = g_ptr_array_index (sync_room->receipts, j);
          tact_room_apply_receipt (room, receipt->user_id, receipt->event_id,
                                   receipt->receipt_type, receipt->thread_id);
        }
      /* The back-pagination token: the oldest position known. Gaps are filled above. */
      if (created || (!tact_room_get_prev_batch (room) && !tact_room_get_at_start (room)))
        tact_room_set_prev_batch (room, sync_room->prev_batch);
      if (created)
        tact_room_set_timeline_loaded (room, FALSE);
      bound_timeline (self, room);
      ensure_full_members (self, room);
      sync_room_listing (self, room);
    }

  for (guint i = 0; i < response->invited->len; i++)
    {
      TactSyncInvite *invite = g_ptr_array_index (response->invited, i);
      TactRoom *room = ensure_room (self, invite->room_id, NULL);

      for (guint j = 0; j < invite->invite_state->len; j++)
        tact_room_apply_state (room, g_ptr_array_index (invite->invite_state, j));
      tact_room_set_membership (room, "invite");
      tact_room_set_timeline_loaded (room, TRUE);
      sync_room_listing (self, room);
    }

  for (guint i = 0; i < response->left->len; i++)
    {
      TactSyncRoom *sync_room = g_ptr_array_index (response->left, i);
      TactRoom *room = ensure_room (self, sync_room->room_id, NULL);

      tact_room_set_membership (room, "leave");
      for (guint j = 0; j < sync_room->timeline->len; j++)
        tact_room_add_event (room, g_ptr_array_index (sync_room->timeline, j));
      bound_timeline (self, room);
      sync_room_listing (self, room);
    }

  apply_direct_rooms (self, response->account_data);

  /* The rows to store, in one pass after the models: what lives on (timeline messages) and
   * what goes once saved (a whole batch of serialised events) are not interleaved in the
   * heap, so freeing the rows gives the memory back instead of leaving every page partly
   * used (docs/database.md, "Measured"). Same order as before: per room, state, then timeline. */
  {
    GPtrArray *groups[] = { response->joined, response->left };

    for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
      for (guint i = 0; i < groups[g]->len; i++)
        {
          TactSyncRoom *sync_room = g_ptr_array_index (groups[g], i);
          GPtrArray *sections[] = { g == 0 ? sync_room->state : NULL, sync_room->timeline };

          for (guint k = 0; k < G_N_ELEMENTS (sections); k++)
            for (guint j = 0; sections[k] && j < sections[k]->len; j++)
              {
                TactEvent *event = g_ptr_array_index (sections[k], j);
                if (event_is_storable (event))
                  g_ptr_array_add (events, store_event_from (event));
              }
        }
  }

  /* Rooms touched by this batch are written with it. */
  {
    GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
    GPtrArray *groups[] = { response->joined, response->left };

    for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
      for (guint i = 0; i < groups[g]->len; i++)
        {
          TactSyncRoom *sync_room = g_ptr_array_index (groups[g], i);
          if (g_hash_table_add (seen, sync_room->room_id))
            g_ptr_array_add (rooms, tact_room_to_store_row (tact_session_lookup_room (self, sync_room->room_id)));
        }
    for (guint i = 0; i < response->invited->len; i++)
      {
        TactSyncInvite *invite = g_ptr_array_index (response->invited, i);
        if (g_hash_table_add (seen, invite->room_id))
          g_ptr_array_add (rooms, tact_room_to_store_row (tact_session_lookup_room (self, invite->room_id)));
      }
    g_hash_table_unref (seen);
  }

  state->session = g_object_ref (self);
  state->next_batch = g_strdup (response->next_batch);
  state->rooms = g_steal_pointer (&rooms);
  state->events = g_steal_pointer (&events);
  state->done = done;
  fill_next_gap (state);
}

void
tact_session_process_sync_async (TactSession *self, TactSyncResponse *response,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (TACT_IS_SESSION (self));
  g_return_if_fail (response != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tact_session_process_sync_async);
  process_sync (self, response, task);
}

gboolean
tact_session_process_sync_finish (TactSession *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sync_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) response = NULL;

  response = tact_matrix_client_sync_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (!response)
    {
      self->sync_in_flight = FALSE;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cancellable == NULL)
        return;
      if (error->domain == TACT_MATRIX_ERROR
          && (error->code == TACT_MATRIX_ERROR_UNKNOWN_TOKEN || error->code == TACT_MATRIX_ERROR_MISSING_TOKEN))
        {
          logged_out (self, error);
          return;
        }
      if (!tact_matrix_error_is_transient (error) && tact_matrix_error_get_http_status (error) >= 400
          && tact_matrix_error_get_http_status (error) < 500)
        {
          sync_refused (self, error);
          return;
        }
      g_message ("Sync failed: %s", error->message);
      sync_failed (self);
      return;
    }

  if (response->n_skipped > 0)
    g_message ("Skipped %u malformed events in a sync response", response->n_skipped);
  process_sync (self, response, NULL);
}

static void upload_filter (TactSession *self);

/* A 4xx other than 429 and the token errors: asking again will not help. A cached filter id
 * the server no longer knows (M_NOT_FOUND, 400 M_INVALID_PARAM) is uploaded again, once; any
 * other refusal stops the loop in the ERROR state with the server's reason. */
static void
sync_refused (TactSession *self, const GError *error)
{
  if (self->filter_id && !self->filter_refreshed)
    {
      g_message ("The server refused to sync (%s, HTTP %u); uploading the filter again",
                 tact_matrix_error_get_errcode (error), tact_matrix_error_get_http_status (error));
      self->filter_refreshed = TRUE;
      g_clear_pointer (&self->filter_id, g_free);
      upload_filter (self);
      return;
    }
  g_message ("The server refuses to sync (%s, HTTP %u): stopped",
             tact_matrix_error_get_errcode (error), tact_matrix_error_get_http_status (error));
  g_clear_error (&self->sync_error);
  self->sync_error = g_error_copy (error);
  set_state (self, TACT_SYNC_STATE_ERROR);
}

static void
sync_once (TactSession *self)
{
  if (self->cancellable == NULL || self->sync_in_flight || self->state == TACT_SYNC_STATE_LOGGED_OUT
      || self->state == TACT_SYNC_STATE_ERROR)
    return;
  if (self->since == NULL)
    set_state (self, TACT_SYNC_STATE_INITIAL_SYNC);
  self->sync_in_flight = TRUE;
  /* Long-poll only when all is well: the first sync, and the first after a failure, return at
   * once so the state (ready / offline) is known without waiting out a quiet long-poll. */
  tact_matrix_client_sync_async (self->client, self->since, self->filter_id,
                                 (self->since && self->caught_up && self->state == TACT_SYNC_STATE_READY)
                                 ? SYNC_TIMEOUT_MS : 0,
                                 self->cancellable, sync_done_cb, g_object_ref (self));
}

static void
network_changed_cb (GNetworkMonitor *monitor, gboolean available, gpointer user_data)
{
  TactSession *self = user_data;

  /* Back online: retry now rather than at the end of the backoff. */
  if (available && self->state == TACT_SYNC_STATE_OFFLINE && self->sync_retry_source != 0)
    schedule_sync (self, 0);
}

/* ---- Start-up: store -> models -> outbox -> filter -> sync ----------------------- */

static void
filter_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_set_meta_finish (TACT_STORE (source), result, &error))
    log_store_error ("Could not save account settings", error);
}

static void
filter_uploaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *filter_id = NULL;

  filter_id = tact_matrix_client_upload_filter_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (filter_id)
    {
      g_free (self->filter_id);
      self->filter_id = g_strdup (filter_id);
      tact_store_set_meta_async (self->store, "filter_id", filter_id, NULL, filter_saved_cb, NULL);
    }
  else
    g_message ("Could not upload the sync filter (%s); syncing without it", error->message);
  sync_once (self);
}

static JsonObject *
build_filter (void)
{
  g_autoptr(JsonNode) node = json_from_string (
    "{\"room\": {\"state\": {\"lazy_load_members\": true},"
    "            \"timeline\": {\"limit\": 30, \"lazy_load_members\": true}},"
    " \"presence\": {\"not_types\": [\"*\"]}}", NULL);
  return json_object_ref (json_node_get_object (node));
}

static void
filter_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *filter_id = NULL;

  filter_id = tact_store_get_meta_finish (TACT_STORE (source), result, &error);
  if (self->cancellable == NULL)
    return;
  if (filter_id)
    {
      self->filter_id = g_steal_pointer (&filter_id);
      sync_once (self);
      return;
    }
  upload_filter (self);
}

static void
upload_filter (TactSession *self)
{
  g_autoptr(JsonObject) filter = build_filter ();

  tact_matrix_client_upload_filter_async (self->client, filter, self->cancellable,
                                          filter_uploaded_cb, g_object_ref (self));
}

static void
outbox_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  entries = tact_store_outbox_list_finish (TACT_STORE (source), result, &error);
  if (self->cancellable == NULL)
    return;
  if (!entries)
    log_store_error ("Could not read the outbox", error);

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
        else if (entry->state == TACT_SEND_STATE_FAILED)
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
  self->outbox_resumed = TRUE;
  {
    GHashTableIter iter;
    RoomQueue *queue;
    g_hash_table_iter_init (&iter, self->queues);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue))
      pump_queue (self, queue);
  }
  notify_idle_waiters (self);

  tact_store_get_meta_async (self->store, "filter_id", self->cancellable, filter_loaded_cb,
                             g_object_ref (self));
}

static void
token_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;

  self->since = tact_store_get_sync_token_finish (TACT_STORE (source), result, &error);
  if (error)
    log_store_error ("Could not read the sync token", error);
  if (self->cancellable == NULL)
    return;
  /* A saved position: the stored rooms and history are usable now, so the state is READY (the
   * first sync still returns at once, catching up, before any long-poll) rather than the
   * "connecting" of a first sign-in. */
  if (self->since && self->state == TACT_SYNC_STATE_INITIAL_SYNC)
    set_state (self, TACT_SYNC_STATE_READY);
  tact_store_outbox_list_async (self->store, self->cancellable, outbox_loaded_cb, g_object_ref (self));
}

static void
rooms_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  rows = tact_store_list_rooms_finish (TACT_STORE (source), result, &error);
  if (self->cancellable == NULL)
    return;
  if (!rows)
    log_store_error ("Could not read the room list", error);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      TactStoreRoom *row = g_ptr_array_index (rows, i);
      TactRoom *room = ensure_room (self, row->room_id, NULL);
      tact_room_apply_store_row (room, row);
      sync_room_listing (self, room);
      ensure_full_members (self, room);
      load_gap (self, row->room_id);
    }
  tact_store_get_sync_token_async (self->store, self->cancellable, token_loaded_cb, g_object_ref (self));
}

void
tact_session_start (TactSession *self)
{
  g_return_if_fail (TACT_IS_SESSION (self));

  if (self->cancellable)
    return;
  self->cancellable = g_cancellable_new ();
  g_clear_error (&self->sync_error);
  self->filter_refreshed = FALSE;
  self->caught_up = FALSE;
  self->network_handler = g_signal_connect_object (g_network_monitor_get_default (), "network-changed",
                                                   G_CALLBACK (network_changed_cb), self, 0);
  set_state (self, TACT_SYNC_STATE_INITIAL_SYNC);
  remove_orphaned_staged ();
  /* The store names the sender of local echoes it reads back from the outbox with this. */
  tact_store_set_meta_async (self->store, "user_id", tact_session_get_user_id (self), NULL,
                             filter_saved_cb, NULL);
  tact_store_list_rooms_async (self->store, self->cancellable, rooms_loaded_cb, g_object_ref (self));
}

void
tact_session_stop (TactSession *self)
{
  GHashTableIter iter;
  RoomQueue *queue;

  if (!self->cancellable)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_signal_handler (&self->network_handler, g_network_monitor_get_default ());
  g_clear_handle_id (&self->sync_retry_source, g_source_remove);
  self->sync_in_flight = FALSE;
  if (self->members_pending)
    g_hash_table_remove_all (self->members_pending);   /* cancelled: asked again at start */
  if (self->queues)
    {
      g_hash_table_iter_init (&iter, self->queues);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue))
        {
          g_clear_handle_id (&queue->retry_source, g_source_remove);
          queue->busy = FALSE;
        }
      /* The outbox lives in the store: the next start resumes from there, same txnIds. */
      g_hash_table_remove_all (self->queues);
      self->outbox_resumed = FALSE;
    }
  if (self->state != TACT_SYNC_STATE_LOGGED_OUT)
    set_state (self, TACT_SYNC_STATE_STOPPED);
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
      save_room_row (state->session, state->room);
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
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *invitees = json_array_new ();

  g_task_set_source_tag (task, tact_session_create_room_async);
  if (name)
    json_object_set_string_member (body, "name", name);
  json_object_set_string_member (body, "preset", "private_chat");
  for (guint i = 0; invite && invite[i]; i++)
    json_array_add_string_element (invitees, invite[i]);
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
    log_store_error ("Could not keep a draft", error);
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
