/* tact-room-list.c: the account's rooms, as one model, and their rows in the store. */
#include "tact-room-list.h"
#include "tact-session-util.h"

struct _TactRoomList
{
  GObject parent_instance;

  /* owned */
  TactStore  *store;
  char       *own_user_id;
  GListStore *rooms;       /* TactRoom, joined and invited */
  GHashTable *index;       /* room id -> TactRoom (every room seen, left ones too) */
  TactRoom   *open_room;   /* the room the user is looking at, or NULL */
  TactProfile *company;    /* owned, may be NULL: whose definition of "outside" rooms use */
};

G_DEFINE_FINAL_TYPE (TactRoomList, tact_room_list, G_TYPE_OBJECT)

static void
tact_room_list_dispose (GObject *object)
{
  TactRoomList *self = TACT_ROOM_LIST (object);

  g_clear_object (&self->open_room);
  g_clear_object (&self->rooms);
  g_clear_pointer (&self->index, g_hash_table_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->company);
  G_OBJECT_CLASS (tact_room_list_parent_class)->dispose (object);
}

static void
tact_room_list_finalize (GObject *object)
{
  g_free (TACT_ROOM_LIST (object)->own_user_id);
  G_OBJECT_CLASS (tact_room_list_parent_class)->finalize (object);
}

static void
tact_room_list_class_init (TactRoomListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tact_room_list_dispose;
  G_OBJECT_CLASS (klass)->finalize = tact_room_list_finalize;
}

static void
tact_room_list_init (TactRoomList *self)
{
  self->rooms = g_list_store_new (TACT_TYPE_ROOM);
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

TactRoomList *
tact_room_list_new (TactStore *store, const char *own_user_id)
{
  TactRoomList *self;

  g_return_val_if_fail (TACT_IS_STORE (store), NULL);

  self = g_object_new (TACT_TYPE_ROOM_LIST, NULL);
  self->store = g_object_ref (store);
  self->own_user_id = g_strdup (own_user_id);
  return self;
}

const char *tact_room_list_get_user_id (TactRoomList *self) { return self->own_user_id; }
GListModel *tact_room_list_get_model (TactRoomList *self) { return G_LIST_MODEL (self->rooms); }
TactRoom *tact_room_list_get_open (TactRoomList *self) { return self->open_room; }

TactRoom *
tact_room_list_lookup (TactRoomList *self, const char *room_id)
{
  return room_id ? g_hash_table_lookup (self->index, room_id) : NULL;
}

static gboolean
company_external (const char *user_id, const char *own_server, gpointer data)
{
  TactRoomList *self = data;

  return tact_profile_is_external (self->company, user_id, own_server);
}

TactRoom *
tact_room_list_ensure (TactRoomList *self, const char *room_id, gboolean *created)
{
  TactRoom *room = g_hash_table_lookup (self->index, room_id);

  if (created)
    *created = room == NULL;
  if (!room)
    {
      room = tact_room_new (room_id, self->own_user_id);
      g_hash_table_insert (self->index, g_strdup (room_id), room);
      if (self->company)
        tact_room_set_external_func (room, company_external, self);
    }
  return room;
}

void
tact_room_list_set_company (TactRoomList *self, TactProfile *profile)
{
  GHashTableIter iter;
  TactRoom *room;

  if (!g_set_object (&self->company, profile))
    return;
  g_hash_table_iter_init (&iter, self->index);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    tact_room_set_external_func (room, self->company ? company_external : NULL, self);
}

void
tact_room_list_update_listing (TactRoomList *self, TactRoom *room)
{
  const char *membership = tact_room_get_membership (room);
  gboolean listed = g_strcmp0 (membership, "join") == 0 || g_strcmp0 (membership, "invite") == 0;
  guint position;
  gboolean present = g_list_store_find (self->rooms, room, &position);

  if (listed && !present)
    g_list_store_append (self->rooms, room);
  else if (!listed && present)
    g_list_store_remove (self->rooms, position);
}

void
tact_room_list_bound (TactRoomList *self, TactRoom *room)
{
  if (room != self->open_room)
    tact_room_trim_timeline (room, TACT_ROOM_LIST_TIMELINE_WINDOW);
}

void
tact_room_list_set_open (TactRoomList *self, TactRoom *room)
{
  g_autoptr(TactRoom) previous = NULL;

  g_return_if_fail (TACT_IS_ROOM_LIST (self));
  g_return_if_fail (room == NULL || TACT_IS_ROOM (room));

  if (self->open_room == room)
    return;
  previous = g_steal_pointer (&self->open_room);
  self->open_room = room ? g_object_ref (room) : NULL;
  /* What was scrolled back into stays in the store: the closed room goes back to its window. */
  if (previous)
    tact_room_list_bound (self, previous);
}

void
tact_room_list_apply_direct (TactRoomList *self, GPtrArray *account_data)
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
                  && (room = tact_room_list_lookup (self, json_node_get_string (id))))
                tact_room_set_direct (room, TRUE);
            }
        }
    }
}

static void
rooms_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactRoomList *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  GError *error = NULL;

  rows = tact_store_list_rooms_finish (TACT_STORE (source), result, &error);
  if (!rows)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      TactStoreRoom *row = g_ptr_array_index (rows, i);
      TactRoom *room = tact_room_list_ensure (self, row->room_id, NULL);

      tact_room_apply_store_row (room, row);
      tact_room_list_update_listing (self, room);
      g_strv_builder_add (ids, row->room_id);
    }
  g_task_return_pointer (task, g_strv_builder_end (ids), (GDestroyNotify) g_strfreev);
}

void
tact_room_list_load_async (TactRoomList *self, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_room_list_load_async);
  tact_store_list_rooms_async (self->store, cancellable, rooms_loaded_cb, g_steal_pointer (&task));
}

GStrv
tact_room_list_load_finish (TactRoomList *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
room_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_save_sync_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not save a room", error);
}

void
tact_room_list_save (TactRoomList *self, TactRoom *room)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
  g_autoptr(GPtrArray) events = g_ptr_array_new ();

  g_ptr_array_add (rows, tact_room_to_store_row (room));
  tact_store_save_sync_async (self->store, NULL, rows, events, NULL, room_saved_cb, NULL);
}
