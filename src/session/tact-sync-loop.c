/* tact-sync-loop.c: the /sync loop.
 *
 *   /sync -> TactSyncResponse -> rooms and timelines updated (limited gaps filled by /messages
 *   first) -> store.save_sync (events and the next_batch token in one transaction) -> next /sync
 *   with that token. Offline: backoff 1, 5, 10, 20, 30 s, and at once when the network returns.
 */
#include <glib/gi18n-lib.h>

#include "tact-sync-loop.h"
#include "tact-session-util.h"

#define SYNC_TIMEOUT_MS 30000
/* A limited sync's gap is filled with at most this many /messages pages of GAP_PAGE events. */
#define GAP_PAGES 5
#define GAP_PAGE 50

/* Backoff of the sync loop when offline, in seconds (issue 4). */
static const guint sync_backoff_s[] = { 1, 5, 10, 20, 30 };

struct _TactSyncLoop
{
  GObject parent_instance;

  /* owned */
  TactMatrixClient *client;
  TactStore        *store;
  TactRoomList     *rooms;
  TactHistory      *history;         /* records the holes a sync could not fill */
  GCancellable     *cancellable;     /* between start and stop */
  GHashTable       *members_pending; /* room ids whose full member list is being fetched */
  char             *since;
  char             *filter_id;
  GError           *error;           /* why the server refuses to sync (state ERROR) */

  TactSyncState state;
  double   retry_scale;      /* 1.0; tests shorten the backoff delays */
  gboolean filter_refreshed; /* the filter was uploaded again after a refusal; reset by a good sync */
  guint    sync_failures;
  guint    retry_delay_s;    /* the offline backoff's current delay ("retry-delay"), 0 when none */
  gboolean caught_up;        /* a sync has been saved since start: long-polls may begin */
  guint    retry_source;
  gulong   network_handler;
  gboolean sync_in_flight;
};

G_DEFINE_FINAL_TYPE (TactSyncLoop, tact_sync_loop, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_RETRY_DELAY,
  N_PROPS
};

enum {
  SIGNAL_TOKEN_REJECTED,
  SIGNAL_PROTOCOL_EVENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void sync_once (TactSyncLoop *self);

static void
set_state (TactSyncLoop *self, TactSyncState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
tact_sync_loop_dispose (GObject *object)
{
  TactSyncLoop *self = TACT_SYNC_LOOP (object);

  tact_sync_loop_stop (self);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->rooms);
  g_clear_object (&self->history);
  G_OBJECT_CLASS (tact_sync_loop_parent_class)->dispose (object);
}

static void
tact_sync_loop_finalize (GObject *object)
{
  TactSyncLoop *self = TACT_SYNC_LOOP (object);

  g_clear_pointer (&self->members_pending, g_hash_table_unref);
  g_free (self->since);
  g_free (self->filter_id);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (tact_sync_loop_parent_class)->finalize (object);
}

static void
tact_sync_loop_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactSyncLoop *self = TACT_SYNC_LOOP (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_int (value, self->state); break;
    case PROP_RETRY_DELAY: g_value_set_uint (value, self->retry_delay_s); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_sync_loop_class_init (TactSyncLoopClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tact_sync_loop_dispose;
  object_class->finalize = tact_sync_loop_finalize;
  object_class->get_property = tact_sync_loop_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, TACT_SYNC_STATE_STOPPED, TACT_SYNC_STATE_ERROR,
                      TACT_SYNC_STATE_STOPPED,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Offline: the seconds until the next sync attempt (1, 5, 10, 20, then 30), 0 otherwise.
   * Notified each time an attempt is scheduled, so a view can say "retrying in …". */
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TactSyncLoop::token-rejected:
   * @error: the server's refusal (M_UNKNOWN_TOKEN or M_MISSING_TOKEN, soft_logout in it)
   *
   * The access token is no longer accepted. The loop stops asking until it is told what to do
   * (tact_sync_loop_set_logged_out() or a new start).
   */
  signals[SIGNAL_TOKEN_REJECTED] =
    g_signal_new ("token-rejected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * TactSyncLoop::protocol-event:
   * @room: the room it came in
   * @event: (type gpointer): the TactEvent, borrowed for the emission
   *
   * A Tact protocol event (type io.github.tactchat.*: approval requests and decisions, audit
   * records) came in a joined room's timeline. Emitted after the room's models are updated.
   */
  signals[SIGNAL_PROTOCOL_EVENT] =
    g_signal_new ("protocol-event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, TACT_TYPE_ROOM, G_TYPE_POINTER);
}

static void
tact_sync_loop_init (TactSyncLoop *self)
{
  self->members_pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->retry_scale = 1.0;
}

TactSyncLoop *
tact_sync_loop_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms,
                    TactHistory *history)
{
  TactSyncLoop *self = g_object_new (TACT_TYPE_SYNC_LOOP, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->rooms = g_object_ref (rooms);
  self->history = g_object_ref (history);
  return self;
}

void
tact_sync_loop_set_retry_scale (TactSyncLoop *self, double scale)
{
  self->retry_scale = scale > 0 ? scale : 1.0;
}

TactSyncState tact_sync_loop_get_state (TactSyncLoop *self) { return self->state; }
const GError *tact_sync_loop_get_error (TactSyncLoop *self) { return self->error; }
guint tact_sync_loop_get_retry_delay (TactSyncLoop *self) { return self->retry_delay_s; }

/* ---- Members: the whole audience, for the guard --------------------------------- */

typedef struct {
  TactSyncLoop *loop;   /* owned ref */
  TactRoom     *room;   /* owned ref */
} MembersOp;

static void
members_op_free (MembersOp *op)
{
  g_clear_object (&op->loop);
  g_clear_object (&op->room);
  g_free (op);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MembersOp, members_op_free)

static MembersOp *
members_op_new (TactSyncLoop *self, TactRoom *room)
{
  MembersOp *op = g_new0 (MembersOp, 1);
  op->loop = g_object_ref (self);
  op->room = g_object_ref (room);
  return op;
}

static void
full_state_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(MembersOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) state = NULL;

  state = tact_matrix_client_get_state_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_hash_table_remove (op->loop->members_pending, tact_room_get_id (op->room));
  if (!state)
    {
      /* The stored counts stay; the next sync of this room asks again. */
      g_message ("Could not load a room's members: %s", error->message);
      return;
    }
  tact_room_apply_full_state (op->room, state);
  tact_room_list_save (op->loop->rooms, op->room);
}

/* Lazy loading shows only the members who spoke: the guard needs the whole audience (are
 * outsiders present?), so a joined room's full member list is fetched once per run: rooms read
 * from the store, rooms first seen, rooms joined from an invite. */
void
tact_sync_loop_ensure_members (TactSyncLoop *self, TactRoom *room)
{
  if (tact_room_get_members_complete (room) || g_strcmp0 (tact_room_get_membership (room), "join") != 0
      || !g_hash_table_add (self->members_pending, g_strdup (tact_room_get_id (room))))
    return;
  tact_matrix_client_get_state_async (self->client, tact_room_get_id (room), self->cancellable,
                                      full_state_cb, members_op_new (self, room));
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
  TactSyncLoop *loop;     /* owned ref */
  char        *next_batch;
  GPtrArray   *rooms;     /* TactStoreRoom, owned */
  GPtrArray   *events;    /* TactStoreEvent, owned */
  GQueue       gaps;      /* Gap*, owned: filled before the batch is saved */
  guint        n_gap_events; /* gap events written at the front of events so far */
  GTask       *done;      /* owned, may be NULL: tact_sync_loop_process_async's task */
} SaveState;

static void
save_state_free (SaveState *state)
{
  if (state->done)
    g_task_return_new_error (state->done, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "The batch was not saved");
  g_clear_object (&state->done);
  g_clear_object (&state->loop);
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
  TactSyncLoop *self = user_data;

  self->retry_source = 0;
  sync_once (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_sync (TactSyncLoop *self, guint delay_s)
{
  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (delay_s == 0)
    self->retry_source = g_idle_add (retry_sync_cb, self);
  else
    self->retry_source = g_timeout_add (tact_session_scale_ms (self->retry_scale, delay_s * 1000),
                                        retry_sync_cb, self);
}

static void
set_retry_delay (TactSyncLoop *self, guint delay_s)
{
  self->retry_delay_s = delay_s;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_DELAY]);
}

static void
sync_failed (TactSyncLoop *self)
{
  /* Not MIN (failures++, …): the macro evaluates its argument twice (the bug this had: 5, 20, 30). */
  guint delay_s = sync_backoff_s[MIN (self->sync_failures, G_N_ELEMENTS (sync_backoff_s) - 1)];

  self->sync_failures++;

  set_state (self, TACT_SYNC_STATE_OFFLINE);
  set_retry_delay (self, delay_s);
  schedule_sync (self, delay_s);
}

static void sync_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void sync_refused (TactSyncLoop *self, const GError *error);
static void fill_next_gap (SaveState *state);
static void gap_overflow (TactSyncLoop *self, Gap *gap);
static void gap_finish (SaveState *state, Gap *gap);

static void
gap_page_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveState *state = user_data;
  TactSyncLoop *self = state->loop;
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
gap_overflow (TactSyncLoop *self, Gap *gap)
{
  TactEvent *oldest = gap->found->len > 0 ? g_ptr_array_index (gap->found, gap->found->len - 1) : NULL;

  tact_history_record_gap (self->history, gap->room, gap->from, oldest ? oldest->event_id : gap->anchor, gap->stop_ts);
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
        {
          TactStoreEvent *row = tact_room_event_to_store_row (event);
          if (row)
            g_ptr_array_insert (state->events, (gint) state->n_gap_events++, row);
        }
      }
    tact_room_insert_events (gap->room, gap->anchor, ordered);
    tact_room_list_bound (state->loop->rooms, gap->room);
  }
  gap_free (g_queue_pop_head (&state->gaps));
  fill_next_gap (state);
}

/* Fills the gaps one room at a time, then saves the batch (events, gap events, token) at once. */
static void
fill_next_gap (SaveState *state)
{
  TactSyncLoop *self = state->loop;
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
  TactSyncLoop *self = state->loop;
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
      tact_session_log_store_error ("Could not save the latest messages", error);
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
process_sync (TactSyncLoop *self, TactSyncResponse *response, GTask *done)
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
      TactRoom *room = tact_room_list_ensure (self->rooms, sync_room->room_id, &created);

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
      tact_room_list_bound (self->rooms, room);
      tact_sync_loop_ensure_members (self, room);
      tact_room_list_update_listing (self->rooms, room);
    }

  for (guint i = 0; i < response->invited->len; i++)
    {
      TactSyncInvite *invite = g_ptr_array_index (response->invited, i);
      TactRoom *room = tact_room_list_ensure (self->rooms, invite->room_id, NULL);

      for (guint j = 0; j < invite->invite_state->len; j++)
        tact_room_apply_state (room, g_ptr_array_index (invite->invite_state, j));
      tact_room_set_membership (room, "invite");
      tact_room_set_timeline_loaded (room, TRUE);
      tact_room_list_update_listing (self->rooms, room);
    }

  for (guint i = 0; i < response->left->len; i++)
    {
      TactSyncRoom *sync_room = g_ptr_array_index (response->left, i);
      TactRoom *room = tact_room_list_ensure (self->rooms, sync_room->room_id, NULL);

      tact_room_set_membership (room, "leave");
      for (guint j = 0; j < sync_room->timeline->len; j++)
        tact_room_add_event (room, g_ptr_array_index (sync_room->timeline, j));
      tact_room_list_bound (self->rooms, room);
      tact_room_list_update_listing (self->rooms, room);
    }

  tact_room_list_apply_direct (self->rooms, response->account_data);

  /* Protocol events, once the rooms are up to date (the approvals room's members included). */
  for (guint i = 0; i < response->joined->len; i++)
    {
      TactSyncRoom *sync_room = g_ptr_array_index (response->joined, i);
      TactRoom *room = tact_room_list_lookup (self->rooms, sync_room->room_id);

      GPtrArray *sections[] = { sync_room->state, sync_room->timeline };

      for (guint k = 0; room && k < G_N_ELEMENTS (sections); k++)
        for (guint j = 0; j < sections[k]->len; j++)
          {
            TactEvent *event = g_ptr_array_index (sections[k], j);
            if (event->type && g_str_has_prefix (event->type, "io.github.tactchat."))
              g_signal_emit (self, signals[SIGNAL_PROTOCOL_EVENT], 0, room, event);
          }
    }

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
                TactStoreEvent *row = tact_room_event_to_store_row (g_ptr_array_index (sections[k], j));
                if (row)
                  g_ptr_array_add (events, row);
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
            g_ptr_array_add (rooms, tact_room_to_store_row (tact_room_list_lookup (self->rooms, sync_room->room_id)));
        }
    for (guint i = 0; i < response->invited->len; i++)
      {
        TactSyncInvite *invite = g_ptr_array_index (response->invited, i);
        if (g_hash_table_add (seen, invite->room_id))
          g_ptr_array_add (rooms, tact_room_to_store_row (tact_room_list_lookup (self->rooms, invite->room_id)));
      }
    g_hash_table_unref (seen);
  }

  state->loop = g_object_ref (self);
  state->next_batch = g_strdup (response->next_batch);
  state->rooms = g_steal_pointer (&rooms);
  state->events = g_steal_pointer (&events);
  state->done = done;
  fill_next_gap (state);
}

void
tact_sync_loop_process_async (TactSyncLoop *self, TactSyncResponse *response,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (TACT_IS_SYNC_LOOP (self));
  g_return_if_fail (response != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tact_sync_loop_process_async);
  process_sync (self, response, task);
}

gboolean
tact_sync_loop_process_finish (TactSyncLoop *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sync_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSyncLoop) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) response = NULL;

  response = tact_matrix_client_sync_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (!response)
    {
      self->sync_in_flight = FALSE;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->cancellable == NULL)
        return;
      if (tact_session_error_is_token (error))
        {
          /* The owner decides what a refused token means (a soft logout waits for a new one). */
          g_signal_emit (self, signals[SIGNAL_TOKEN_REJECTED], 0, error);
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

static void upload_filter (TactSyncLoop *self);

/* A 4xx other than 429 and the token errors: asking again will not help. A cached filter id
 * the server no longer knows (M_NOT_FOUND, 400 M_INVALID_PARAM) is uploaded again, once; any
 * other refusal stops the loop in the ERROR state with the server's reason. */
static void
sync_refused (TactSyncLoop *self, const GError *error)
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
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  set_state (self, TACT_SYNC_STATE_ERROR);
}

static void
sync_once (TactSyncLoop *self)
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
  TactSyncLoop *self = user_data;

  /* Back online: retry now rather than at the end of the backoff. */
  if (available && self->state == TACT_SYNC_STATE_OFFLINE && self->retry_source != 0)
    schedule_sync (self, 0);
}


/* ---- The filter ------------------------------------------------------------------ */

static void
filter_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_set_meta_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not save account settings", error);
}

static void
filter_uploaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSyncLoop) self = user_data;
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
  g_autoptr(TactSyncLoop) self = user_data;
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
upload_filter (TactSyncLoop *self)
{
  g_autoptr(JsonObject) filter = build_filter ();

  tact_matrix_client_upload_filter_async (self->client, filter, self->cancellable,
                                          filter_uploaded_cb, g_object_ref (self));
}


/* ---- Start and stop ------------------------------------------------------------- */

static void
token_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactSyncLoop *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  g_free (self->since);
  self->since = tact_store_get_sync_token_finish (TACT_STORE (source), result, &error);
  if (error)
    tact_session_log_store_error ("Could not read the sync token", error);
  /* A saved position: the stored rooms and history are usable now, so the state is READY (the
   * first sync still returns at once, catching up, before any long-poll) rather than the
   * "connecting" of a first sign-in. */
  if (self->since && self->state == TACT_SYNC_STATE_INITIAL_SYNC)
    set_state (self, TACT_SYNC_STATE_READY);
  g_task_return_boolean (task, TRUE);
}

void
tact_sync_loop_start_async (TactSyncLoop *self, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_SYNC_LOOP (self));
  g_return_if_fail (self->cancellable == NULL);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_sync_loop_start_async);
  g_clear_error (&self->error);
  self->filter_refreshed = FALSE;
  self->caught_up = FALSE;
  self->network_handler = g_signal_connect_object (g_network_monitor_get_default (), "network-changed",
                                                   G_CALLBACK (network_changed_cb), self, 0);
  set_state (self, TACT_SYNC_STATE_INITIAL_SYNC);
  tact_store_get_sync_token_async (self->store, self->cancellable, token_loaded_cb,
                                   g_steal_pointer (&task));
}

gboolean
tact_sync_loop_start_finish (TactSyncLoop *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
tact_sync_loop_run (TactSyncLoop *self)
{
  if (self->cancellable == NULL)
    return;
  tact_store_get_meta_async (self->store, "filter_id", self->cancellable, filter_loaded_cb,
                             g_object_ref (self));
}

void
tact_sync_loop_stop (TactSyncLoop *self)
{
  if (!self->cancellable)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_signal_handler (&self->network_handler, g_network_monitor_get_default ());
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->sync_in_flight = FALSE;
  g_hash_table_remove_all (self->members_pending);   /* cancelled: asked again at start */
  if (self->state != TACT_SYNC_STATE_LOGGED_OUT)
    set_state (self, TACT_SYNC_STATE_STOPPED);
}

void
tact_sync_loop_set_logged_out (TactSyncLoop *self)
{
  g_clear_handle_id (&self->retry_source, g_source_remove);
  set_state (self, TACT_SYNC_STATE_LOGGED_OUT);
}
