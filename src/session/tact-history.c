/* tact-history.c: stored timelines into the models, back-pagination, and recorded holes. */
#include "tact-history.h"
#include "tact-session-util.h"

#define TIMELINE_PAGE 100
/* Back-pagination: /messages pages fetched per load_older call (until one adds a message). */
#define OLDER_PAGES 5
#define OLDER_PAGE 50

struct _TactHistory
{
  GObject parent_instance;

  /* owned */
  TactMatrixClient *client;
  TactStore        *store;
  TactRoomList     *rooms;
  GHashTable       *gaps;   /* room id -> PendingGap: holes back-pagination fills first */
};

G_DEFINE_FINAL_TYPE (TactHistory, tact_history, G_TYPE_OBJECT)

typedef struct _PendingGap PendingGap;
static void pending_gap_free (PendingGap *gap);

static void
tact_history_dispose (GObject *object)
{
  TactHistory *self = TACT_HISTORY (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->rooms);
  G_OBJECT_CLASS (tact_history_parent_class)->dispose (object);
}

static void
tact_history_finalize (GObject *object)
{
  g_clear_pointer (&TACT_HISTORY (object)->gaps, g_hash_table_unref);
  G_OBJECT_CLASS (tact_history_parent_class)->finalize (object);
}

static void
tact_history_class_init (TactHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tact_history_dispose;
  G_OBJECT_CLASS (klass)->finalize = tact_history_finalize;
}

static void
tact_history_init (TactHistory *self)
{
  self->gaps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) pending_gap_free);
}

TactHistory *
tact_history_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms)
{
  TactHistory *self = g_object_new (TACT_TYPE_HISTORY, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->rooms = g_object_ref (rooms);
  return self;
}

static void
add_row (GPtrArray *rows, const TactEvent *event)
{
  TactStoreEvent *row = tact_room_event_to_store_row (event);

  if (row)
    g_ptr_array_add (rows, row);
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
    tact_session_log_store_error ("Could not record a gap in a room's history", error);
}

/* Writes (or, gap NULL, deletes) the room's gap in the store. */
static void
persist_gap (TactHistory *self, const char *room_id, const PendingGap *gap)
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
void
tact_history_record_gap (TactHistory *self, TactRoom *room, const char *from, const char *anchor,
                         gint64 stop_ts)
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
forget_gap (TactHistory *self, TactRoom *room)
{
  if (g_hash_table_remove (self->gaps, tact_room_get_id (room)))
    persist_gap (self, tact_room_get_id (room), NULL);
}

typedef struct {
  TactHistory *history;  /* owned ref */
  char        *room_id;  /* owned */
} GapLoad;

static void
gap_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GapLoad *load = user_data;
  g_autofree char *json = tact_store_get_meta_finish (TACT_STORE (source), result, NULL);
  g_autoptr(JsonNode) node = json ? json_from_string (json, NULL) : NULL;

  if (node && JSON_NODE_HOLDS_OBJECT (node) && load->history->gaps
      && !g_hash_table_contains (load->history->gaps, load->room_id))
    {
      JsonObject *object = json_node_get_object (node);
      const char *from = json_object_get_string_member_with_default (object, "from", NULL);

      if (from)
        {
          PendingGap *gap = g_new0 (PendingGap, 1);
          gap->from = g_strdup (from);
          gap->anchor = g_strdup (json_object_get_string_member_with_default (object, "anchor", NULL));
          gap->stop_ts = json_object_get_int_member_with_default (object, "stop_ts", 0);
          g_hash_table_insert (load->history->gaps, g_strdup (load->room_id), gap);
        }
    }
  g_object_unref (load->history);
  g_free (load->room_id);
  g_free (load);
}

void
tact_history_restore_gap (TactHistory *self, const char *room_id)
{
  g_autofree char *key = gap_key (room_id);
  GapLoad *load = g_new0 (GapLoad, 1);

  load->history = g_object_ref (self);
  load->room_id = g_strdup (room_id);
  tact_store_get_meta_async (self->store, key, NULL, gap_loaded_cb, load);
}

/* ---- Timeline loading -------------------------------------------------------- */

typedef struct {
  TactHistory *history;  /* owned ref */
  TactRoom    *room;     /* owned ref */
} RoomOp;

static void
room_op_free (RoomOp *op)
{
  g_clear_object (&op->history);
  g_clear_object (&op->room);
  g_free (op);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RoomOp, room_op_free)

static RoomOp *
room_op_new (TactHistory *self, TactRoom *room)
{
  RoomOp *op = g_new0 (RoomOp, 1);
  op->history = g_object_ref (self);
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
      tact_session_log_store_error ("Could not load a room's history", error);
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
  tact_room_list_bound (op->history->rooms, op->room);
}

void
tact_history_load_timeline (TactHistory *self, TactRoom *room)
{
  if (tact_room_get_timeline_loaded (room))
    return;
  tact_room_set_timeline_loaded (room, TRUE);
  tact_store_load_timeline_async (self->store, tact_room_get_id (room), 0, TIMELINE_PAGE, NULL,
                                  timeline_loaded_cb, room_op_new (self, room));
}

/* ---- Back-pagination: the store first, then /messages until the room's start ---- */

typedef struct {
  TactHistory *history;  /* owned ref */
  TactRoom    *room;     /* owned ref */
  guint        added;
  guint        pages;
} OlderState;

static void
older_state_free (OlderState *state)
{
  g_clear_object (&state->history);
  g_clear_object (&state->room);
  g_free (state);
}

static void older_fetch (GTask *task);

static void
older_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_save_sync_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not save a room or its older messages", error);
}

static void
older_page_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OlderState *state = g_task_get_task_data (task);
  TactHistory *self = state->history;
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
      add_row (rows, event);
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
  tact_matrix_client_get_messages_async (state->history->client, tact_room_get_id (state->room), from,
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
  gap = g_hash_table_lookup (state->history->gaps, tact_room_get_id (state->room));
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
  tact_store_load_timeline_async (state->history->store, tact_room_get_id (room),
                                  tact_room_get_oldest_ts (room) > 0 ? tact_room_get_oldest_ts (room) + 1 : 0,
                                  TIMELINE_PAGE, g_task_get_cancellable (task), older_stored_cb, task);
}

/* A page of a recorded hole (newest first): inserted before the events after the hole. */
static void
older_gap_page_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OlderState *state = g_task_get_task_data (task);
  TactHistory *self = state->history;
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
      add_row (rows, event);
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
  PendingGap *gap = g_hash_table_lookup (state->history->gaps, tact_room_get_id (state->room));

  tact_matrix_client_get_messages_async (state->history->client, tact_room_get_id (state->room),
                                         gap->from, 'b', OLDER_PAGE, g_task_get_cancellable (task),
                                         older_gap_page_cb, task);
}

void
tact_history_load_older_async (TactHistory *self, TactRoom *room, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  OlderState *state = g_new0 (OlderState, 1);
  PendingGap *gap;

  g_task_set_source_tag (task, tact_history_load_older_async);
  state->history = g_object_ref (self);
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
tact_history_load_older_finish (TactHistory *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

