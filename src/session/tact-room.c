/* tact-room.c: room state folded from events, and the room's timeline model. */
#include "tact-room.h"

#include <string.h>

struct _TactRoom
{
  GObject parent_instance;

  /* owned */
  char *room_id;
  char *own_user_id;
  char *own_server;
  char *name;          /* m.room.name, may be NULL */
  char *topic;
  char *membership;
  char *prev_batch;
  char *display_name;  /* computed */
  GHashTable *members; /* user id -> TactMember */
  GHashTable *event_ids; /* set of event ids in the timeline */
  GListStore *timeline;  /* TactMessage */

  gboolean is_direct;
  gboolean timeline_loaded;
  gint joined_count;    /* from the sync summary, -1 when unknown */
  guint stored_member_count;
  guint stored_external_count;
  gint64 last_ts;
};

typedef struct {
  char *display_name;
  char *membership;
} TactMember;

static void
tact_member_free (TactMember *member)
{
  g_free (member->display_name);
  g_free (member->membership);
  g_free (member);
}

G_DEFINE_FINAL_TYPE (TactRoom, tact_room, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DISPLAY_NAME,
  PROP_MEMBERSHIP,
  PROP_MEMBER_COUNT,
  PROP_EXTERNAL_COUNT,
  PROP_LAST_TS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
server_of (const char *user_id)
{
  const char *colon = user_id ? strchr (user_id, ':') : NULL;
  return colon ? colon + 1 : "";
}

static void
tact_room_finalize (GObject *object)
{
  TactRoom *self = TACT_ROOM (object);

  g_free (self->room_id);
  g_free (self->own_user_id);
  g_free (self->own_server);
  g_free (self->name);
  g_free (self->topic);
  g_free (self->membership);
  g_free (self->prev_batch);
  g_free (self->display_name);
  g_clear_pointer (&self->members, g_hash_table_unref);
  g_clear_pointer (&self->event_ids, g_hash_table_unref);
  g_clear_object (&self->timeline);

  G_OBJECT_CLASS (tact_room_parent_class)->finalize (object);
}

static void
tact_room_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactRoom *self = TACT_ROOM (object);

  switch (prop_id)
    {
    case PROP_DISPLAY_NAME: g_value_set_string (value, tact_room_get_display_name (self)); break;
    case PROP_MEMBERSHIP: g_value_set_string (value, self->membership); break;
    case PROP_MEMBER_COUNT: g_value_set_uint (value, tact_room_get_member_count (self)); break;
    case PROP_EXTERNAL_COUNT: g_value_set_uint (value, tact_room_get_external_count (self)); break;
    case PROP_LAST_TS: g_value_set_int64 (value, self->last_ts); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_room_class_init (TactRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tact_room_finalize;
  object_class->get_property = tact_room_get_property;

  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_MEMBERSHIP] = g_param_spec_string ("membership", NULL, NULL, NULL, flags);
  properties[PROP_MEMBER_COUNT] = g_param_spec_uint ("member-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_EXTERNAL_COUNT] = g_param_spec_uint ("external-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_LAST_TS] = g_param_spec_int64 ("last-ts", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_room_init (TactRoom *self)
{
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) tact_member_free);
  self->event_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->timeline = g_list_store_new (TACT_TYPE_MESSAGE);
  self->membership = g_strdup ("join");
  self->joined_count = -1;
}

TactRoom *
tact_room_new (const char *room_id, const char *own_user_id)
{
  TactRoom *self = g_object_new (TACT_TYPE_ROOM, NULL);

  self->room_id = g_strdup (room_id);
  self->own_user_id = g_strdup (own_user_id);
  self->own_server = g_strdup (server_of (own_user_id));
  return self;
}

const char *tact_room_get_id (TactRoom *self) { return self->room_id; }
const char *tact_room_get_topic (TactRoom *self) { return self->topic; }
const char *tact_room_get_membership (TactRoom *self) { return self->membership; }
gboolean tact_room_is_direct (TactRoom *self) { return self->is_direct; }
gint64 tact_room_get_last_ts (TactRoom *self) { return self->last_ts; }
GListModel *tact_room_get_timeline (TactRoom *self) { return G_LIST_MODEL (self->timeline); }
void tact_room_set_timeline_loaded (TactRoom *self, gboolean loaded) { self->timeline_loaded = loaded; }
gboolean tact_room_get_timeline_loaded (TactRoom *self) { return self->timeline_loaded; }

static gboolean
member_is_present (const TactMember *member)
{
  return g_strcmp0 (member->membership, "join") == 0 || g_strcmp0 (member->membership, "invite") == 0;
}

guint
tact_room_get_member_count (TactRoom *self)
{
  GHashTableIter iter;
  TactMember *member;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &member))
    n += member_is_present (member);
  /* Lazy loading hides members who have not spoken: trust the larger figure. */
  n = MAX (n, (guint) MAX (self->joined_count, 0));
  return MAX (n, self->stored_member_count);
}

guint
tact_room_get_external_count (TactRoom *self)
{
  GHashTableIter iter;
  const char *user_id;
  TactMember *member;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &user_id, (gpointer *) &member))
    if (member_is_present (member) && g_strcmp0 (server_of (user_id), self->own_server) != 0)
      n++;
  return MAX (n, self->stored_external_count);
}

TactRoomKind
tact_room_get_kind (TactRoom *self)
{
  return self->is_direct ? TACT_ROOM_KIND_DM : TACT_ROOM_KIND_GROUP;
}

void
tact_room_describe_audience (TactRoom *self, TactOutgoing *outgoing)
{
  outgoing->external_count = tact_room_get_external_count (self);
  outgoing->member_count = tact_room_get_member_count (self);
  outgoing->room_kind = tact_room_get_kind (self);
}

const char *
tact_room_get_member_name (TactRoom *self, const char *user_id)
{
  TactMember *member = user_id ? g_hash_table_lookup (self->members, user_id) : NULL;

  if (member && member->display_name && *member->display_name)
    return member->display_name;
  return user_id;
}

const char *
tact_room_get_display_name (TactRoom *self)
{
  g_autoptr(GString) names = NULL;
  GHashTableIter iter;
  const char *user_id;
  TactMember *member;

  if (self->name && *self->name)
    return self->name;

  names = g_string_new (NULL);
  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &user_id, (gpointer *) &member))
    {
      if (!member_is_present (member) || g_strcmp0 (user_id, self->own_user_id) == 0)
        continue;
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, member->display_name && *member->display_name ? member->display_name : user_id);
    }

  g_free (self->display_name);
  self->display_name = names->len > 0 ? g_string_free (g_steal_pointer (&names), FALSE)
                                      : g_strdup (self->room_id);
  return self->display_name;
}

static void
notify_audience (TactRoom *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBER_COUNT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXTERNAL_COUNT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

void
tact_room_apply_store_row (TactRoom *self, const TactStoreRoom *row)
{
  g_free (self->name);
  self->name = g_strdup (row->name);
  g_free (self->topic);
  self->topic = g_strdup (row->topic);
  tact_room_set_membership (self, row->membership);
  g_free (self->prev_batch);
  self->prev_batch = g_strdup (row->prev_batch);
  self->is_direct = row->is_direct;
  self->stored_member_count = row->member_count;
  self->stored_external_count = row->external_count;
  self->last_ts = row->last_ts;
  notify_audience (self);
}

TactStoreRoom *
tact_room_to_store_row (TactRoom *self)
{
  TactStoreRoom *row = g_new0 (TactStoreRoom, 1);

  row->room_id = g_strdup (self->room_id);
  row->name = g_strdup (self->name ? self->name : tact_room_get_display_name (self));
  row->topic = g_strdup (self->topic);
  row->membership = g_strdup (self->membership);
  row->is_direct = self->is_direct;
  row->member_count = tact_room_get_member_count (self);
  row->external_count = tact_room_get_external_count (self);
  row->prev_batch = g_strdup (self->prev_batch);
  row->last_ts = self->last_ts;
  return row;
}

void
tact_room_set_membership (TactRoom *self, const char *membership)
{
  if (!membership || g_strcmp0 (self->membership, membership) == 0)
    return;
  g_free (self->membership);
  self->membership = g_strdup (membership);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBERSHIP]);
}

void
tact_room_set_direct (TactRoom *self, gboolean is_direct)
{
  self->is_direct = !!is_direct;
}

void
tact_room_set_prev_batch (TactRoom *self, const char *prev_batch)
{
  if (prev_batch)
    {
      g_free (self->prev_batch);
      self->prev_batch = g_strdup (prev_batch);
    }
}

void
tact_room_set_joined_count (TactRoom *self, gint joined)
{
  if (joined >= 0 && joined != self->joined_count)
    {
      self->joined_count = joined;
      notify_audience (self);
    }
}

static const char *
content_string (const TactEvent *event, const char *key)
{
  JsonNode *node = event->content ? json_object_get_member (event->content, key) : NULL;

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

void
tact_room_apply_state (TactRoom *self, const TactEvent *event)
{
  if (!event->state_key || !event->type)
    return;

  if (g_str_equal (event->type, "m.room.name"))
    {
      g_free (self->name);
      self->name = g_strdup (content_string (event, "name"));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
    }
  else if (g_str_equal (event->type, "m.room.topic"))
    {
      g_free (self->topic);
      self->topic = g_strdup (content_string (event, "topic"));
    }
  else if (g_str_equal (event->type, "m.room.member") && event->state_key[0] == '@')
    {
      TactMember *member = g_new0 (TactMember, 1);
      JsonNode *direct = event->content ? json_object_get_member (event->content, "is_direct") : NULL;

      member->display_name = g_strdup (content_string (event, "displayname"));
      member->membership = g_strdup (content_string (event, "membership"));
      g_hash_table_replace (self->members, g_strdup (event->state_key), member);

      if (direct && JSON_NODE_HOLDS_VALUE (direct) && json_node_get_value_type (direct) == G_TYPE_BOOLEAN
          && json_node_get_boolean (direct))
        self->is_direct = TRUE;
      if (g_strcmp0 (event->state_key, self->own_user_id) == 0 && member->membership)
        tact_room_set_membership (self, g_str_equal (member->membership, "join") ? "join"
                                        : g_str_equal (member->membership, "invite") ? "invite" : "leave");
      /* Counts are recomputed from the member table from now on. */
      self->stored_member_count = 0;
      self->stored_external_count = 0;
      notify_audience (self);
    }
}

TactMessage *
tact_room_find_by_txn (TactRoom *self, const char *txn_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->timeline));

  if (!txn_id)
    return NULL;
  /* Pending echoes sit at the end: search backwards. */
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (G_LIST_MODEL (self->timeline), i - 1);
      if (g_strcmp0 (tact_message_get_txn_id (message), txn_id) == 0)
        return message;
    }
  return NULL;
}

static void
touch (TactRoom *self, gint64 ts)
{
  if (ts > self->last_ts)
    {
      self->last_ts = ts;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_TS]);
    }
}

void
tact_room_append_message (TactRoom *self, TactMessage *message)
{
  const char *event_id = tact_message_get_event_id (message);

  if (event_id)
    g_hash_table_add (self->event_ids, g_strdup (event_id));
  tact_message_set_own (message, g_strcmp0 (tact_message_get_sender (message), self->own_user_id) == 0);
  g_list_store_append (self->timeline, message);
  touch (self, tact_message_get_timestamp (message));
}

gboolean
tact_room_add_event (TactRoom *self, const TactEvent *event)
{
  g_autoptr(TactMessage) message = NULL;
  TactMessage *echo;
  const char *body;

  if (event->state_key)
    tact_room_apply_state (self, event);
  if (g_strcmp0 (event->type, "m.room.message") != 0 || !event->event_id)
    return FALSE;
  if (g_hash_table_contains (self->event_ids, event->event_id))
    return FALSE;

  /* Our own send coming back: reconcile the local echo instead of adding a copy. */
  echo = tact_room_find_by_txn (self, event->transaction_id);
  if (echo)
    {
      g_hash_table_add (self->event_ids, g_strdup (event->event_id));
      tact_message_mark_sent (echo, event->event_id);
      return FALSE;
    }

  body = tact_event_get_body (event);
  message = tact_message_new (event->event_id, event->transaction_id, event->sender,
                              tact_room_get_member_name (self, event->sender),
                              body ? body : "", event->origin_server_ts, TACT_SEND_STATE_SENT);
  tact_room_append_message (self, message);
  return TRUE;
}

void
tact_room_add_stored (TactRoom *self, const TactStoreEvent *row)
{
  g_autoptr(TactMessage) message = NULL;

  if (g_strcmp0 (row->type, "m.room.message") != 0)
    return;
  if (row->event_id && g_hash_table_contains (self->event_ids, row->event_id))
    return;
  if (row->txn_id && !row->event_id && tact_room_find_by_txn (self, row->txn_id))
    return;
  message = tact_message_new (row->event_id, row->txn_id, row->sender,
                              tact_room_get_member_name (self, row->sender),
                              row->body, row->ts, row->send_state);
  tact_room_append_message (self, message);
}
