/* tact-room.c: room state folded from events, and the room's timeline model. */
#include "tact-room.h"
#include "tact-member.h"

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
  GHashTable *members; /* user id -> TactMember (ref; the same objects as member_list) */
  GListStore *member_list; /* TactMember, in the order they were first seen */
  GHashTable *event_ids; /* set of event ids in the timeline */
  GHashTable *pending_edits; /* replaced event id -> owned Edit*: edits whose original is not
                              * in the timeline yet (an older page still to load) */
  GListStore *timeline;  /* TactMessage */
  JsonObject *power_users; /* m.room.power_levels "users", or NULL */
  GStrv typing;          /* user ids typing now (never NULL) */
  GHashTable *receipts;  /* other user id -> event id read up to (m.read) */
  char *own_read;        /* the event our own receipt names, or NULL */
  char *history_visibility; /* m.room.history_visibility, NULL until known ("shared" then) */

  gint64 users_default;  /* m.room.power_levels users_default */
  gint64 post_level;     /* the power level m.room.message needs (events, else events_default) */
  JsonObject *power_events; /* m.room.power_levels "events", or NULL */
  TactRoomExternalFunc external_func; /* who is from outside (the profile's company), or NULL */
  gpointer external_data;   /* borrowed: outlives the room (its room list) */
  gint64 state_default;  /* m.room.power_levels state_default (50 without the event) */
  gboolean at_start;     /* the timeline model holds the room's very first event */

  gboolean is_direct;
  gboolean timeline_loaded;
  gint joined_count;    /* from the sync summary, -1 when unknown */
  gint invited_count;   /* from the sync summary, -1 when unknown */
  /* The counts saved by an earlier run. They hold until the full member list has been
   * loaded: lazy-loaded syncs only bring the members who speak, so the member table alone
   * would undercount (and an outsider who is silent would be forgotten by the guard). */
  guint stored_member_count;
  guint stored_external_count;
  gboolean members_complete; /* the full member list (GET /state) has been applied */
  gint64 last_ts;
  guint notification_count;  /* unread_notifications, as last known */
  guint highlight_count;
};

G_DEFINE_FINAL_TYPE (TactRoom, tact_room, G_TYPE_OBJECT)

/* An edit (m.replace) waiting for the message it replaces. */
typedef struct {
  char *sender;   /* owned: only the original sender's edit applies */
  char *body;     /* owned: m.new_content.body */
  gint64 ts;      /* the edit's origin_server_ts: the newest edit wins */
} Edit;

static void
edit_free (Edit *edit)
{
  g_free (edit->sender);
  g_free (edit->body);
  g_free (edit);
}

/* An edit (spec: event replacements, rel_type m.replace): the id of the event it replaces, with
 * the new body in *new_body (NULL when it has none); NULL when content is not an edit. Edits
 * are never timeline entries of their own (Synapse also serves the original with the new
 * content, and keeps the "* …" edit event in the timeline). */
static const char *
edit_target (JsonObject *content, const char **new_body)
{
  JsonObject *relation = tact_json_get_object (content, "m.relates_to");

  if (g_strcmp0 (tact_json_get_string (relation, "rel_type"), "m.replace") != 0)
    return NULL;
  *new_body = tact_json_get_string (tact_json_get_object (content, "m.new_content"), "body");
  return tact_json_get_string (relation, "event_id");
}

enum {
  PROP_0,
  PROP_DISPLAY_NAME,
  PROP_MEMBERSHIP,
  PROP_MEMBER_COUNT,
  PROP_EXTERNAL_COUNT,
  PROP_LAST_TS,
  PROP_TYPING,
  PROP_AT_START,
  PROP_NOTIFICATION_COUNT,
  PROP_HIGHLIGHT_COUNT,
  N_PROPS
};

enum {
  SIGNAL_RECEIPTS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

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
  g_clear_object (&self->member_list);
  g_clear_pointer (&self->power_users, json_object_unref);
  g_clear_pointer (&self->power_events, json_object_unref);
  g_clear_pointer (&self->typing, g_strfreev);
  g_clear_pointer (&self->receipts, g_hash_table_unref);
  g_free (self->own_read);
  g_free (self->history_visibility);
  g_clear_pointer (&self->event_ids, g_hash_table_unref);
  g_clear_pointer (&self->pending_edits, g_hash_table_unref);
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
    case PROP_TYPING: g_value_set_boxed (value, self->typing); break;
    case PROP_AT_START: g_value_set_boolean (value, self->at_start); break;
    case PROP_NOTIFICATION_COUNT: g_value_set_uint (value, self->notification_count); break;
    case PROP_HIGHLIGHT_COUNT: g_value_set_uint (value, self->highlight_count); break;
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
  /* The other members typing now (m.typing), never including ourselves. */
  properties[PROP_TYPING] = g_param_spec_boxed ("typing", NULL, NULL, G_TYPE_STRV, flags);
  /* TRUE once the timeline holds the room's first event: nothing older to load. */
  properties[PROP_AT_START] = g_param_spec_boolean ("at-start", NULL, NULL, FALSE, flags);
  /* unread_notifications: messages that notify since our read receipt, and those of them
   * that highlight (mention us). */
  properties[PROP_NOTIFICATION_COUNT] = g_param_spec_uint ("notification-count", NULL, NULL,
                                                           0, G_MAXUINT, 0, flags);
  properties[PROP_HIGHLIGHT_COUNT] = g_param_spec_uint ("highlight-count", NULL, NULL,
                                                        0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TactRoom::receipts-changed:
   *
   * Another member's read receipt moved (tact_room_get_read_receipts()).
   */
  signals[SIGNAL_RECEIPTS_CHANGED] =
    g_signal_new ("receipts-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
tact_room_init (TactRoom *self)
{
  self->state_default = 50;   /* the spec's default without m.room.power_levels */
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->member_list = g_list_store_new (TACT_TYPE_MEMBER);
  self->typing = g_new0 (char *, 1);
  self->receipts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->event_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending_edits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) edit_free);
  self->timeline = g_list_store_new (TACT_TYPE_MESSAGE);
  self->membership = g_strdup ("join");
  self->joined_count = -1;
  self->invited_count = -1;
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
member_is_present (TactMember *member)
{
  const char *membership = tact_member_get_membership (member);
  return g_strcmp0 (membership, "join") == 0 || g_strcmp0 (membership, "invite") == 0;
}

GListModel *tact_room_get_members (TactRoom *self) { return G_LIST_MODEL (self->member_list); }
const char * const *tact_room_get_typing (TactRoom *self) { return (const char * const *) self->typing; }
gboolean tact_room_get_at_start (TactRoom *self) { return self->at_start; }
const char *tact_room_get_prev_batch (TactRoom *self) { return self->prev_batch; }

gint64
tact_room_get_power_level (TactRoom *self, const char *user_id)
{
  JsonNode *node = (self->power_users && user_id) ? json_object_get_member (self->power_users, user_id) : NULL;

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return self->users_default;
}

TactMember *
tact_room_lookup_member (TactRoom *self, const char *user_id)
{
  return user_id ? g_hash_table_lookup (self->members, user_id) : NULL;
}

void
tact_room_set_at_start (TactRoom *self, gboolean at_start)
{
  if (self->at_start == !!at_start)
    return;
  self->at_start = !!at_start;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AT_START]);
}

void
tact_room_clear_prev_batch (TactRoom *self)
{
  g_clear_pointer (&self->prev_batch, g_free);
}

void
tact_room_set_typing (TactRoom *self, const char * const *user_ids)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) typing = NULL;

  for (guint i = 0; user_ids && user_ids[i]; i++)
    if (g_strcmp0 (user_ids[i], self->own_user_id) != 0)
      g_strv_builder_add (builder, user_ids[i]);
  typing = g_strv_builder_end (builder);
  if (g_strv_equal ((const char * const *) typing, (const char * const *) self->typing))
    return;
  g_strfreev (self->typing);
  self->typing = g_steal_pointer (&typing);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TYPING]);
}

guint tact_room_get_notification_count (TactRoom *self) { return self->notification_count; }
guint tact_room_get_highlight_count (TactRoom *self) { return self->highlight_count; }
GHashTable *tact_room_get_read_receipts (TactRoom *self) { return self->receipts; }
const char *tact_room_get_own_read_event (TactRoom *self) { return self->own_read; }

const char *
tact_room_get_read_receipt (TactRoom *self, const char *user_id)
{
  return user_id ? g_hash_table_lookup (self->receipts, user_id) : NULL;
}

char **
tact_room_dup_read_by (TactRoom *self, const char *event_id)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  const char *user_id, *read;

  g_hash_table_iter_init (&iter, self->receipts);
  while (g_hash_table_iter_next (&iter, (gpointer *) &user_id, (gpointer *) &read))
    if (g_strcmp0 (read, event_id) == 0)
      g_strv_builder_add (builder, user_id);
  return g_strv_builder_end (builder);
}

const char *
tact_room_get_newest_event_id (TactRoom *self)
{
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->timeline)); i > 0; i--)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (G_LIST_MODEL (self->timeline), i - 1);
      /* The model holds a reference: the string outlives this one. */
      if (tact_message_get_event_id (message))
        return tact_message_get_event_id (message);
    }
  return NULL;
}

static void
set_count (TactRoom *self, guint *field, gint value, GParamSpec *pspec)
{
  if (value < 0 || *field == (guint) value)
    return;
  *field = (guint) value;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

void
tact_room_set_unread_counts (TactRoom *self, gint notifications, gint highlights)
{
  set_count (self, &self->notification_count, notifications, properties[PROP_NOTIFICATION_COUNT]);
  set_count (self, &self->highlight_count, highlights, properties[PROP_HIGHLIGHT_COUNT]);
}

void
tact_room_apply_receipt (TactRoom *self, const char *user_id, const char *event_id,
                         const char *receipt_type, const char *thread_id)
{
  if (!user_id || !event_id || (thread_id && g_strcmp0 (thread_id, "main") != 0))
    return;
  if (g_strcmp0 (receipt_type, "m.read") != 0 && g_strcmp0 (receipt_type, "m.read.private") != 0)
    return;
  if (g_strcmp0 (user_id, self->own_user_id) == 0)
    {
      g_free (self->own_read);
      self->own_read = g_strdup (event_id);
      return;
    }
  if (g_strcmp0 (receipt_type, "m.read") != 0
      || g_strcmp0 (g_hash_table_lookup (self->receipts, user_id), event_id) == 0)
    return;
  g_hash_table_replace (self->receipts, g_strdup (user_id), g_strdup (event_id));
  g_signal_emit (self, signals[SIGNAL_RECEIPTS_CHANGED], 0);
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
  if (self->members_complete)
    return n;
  /* Lazy loading hides members who have not spoken: trust the larger figure. */
  n = MAX (n, (guint) (MAX (self->joined_count, 0) + MAX (self->invited_count, 0)));
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
    if (member_is_present (member) && tact_room_user_is_external (self, user_id))
      n++;
  return self->members_complete ? n : MAX (n, self->stored_external_count);
}

/* An announcement room: only members with more power than the default may post (PUB-3). The
 * profile's member threshold (announcement.min_members) is applied by the policy engine. */
TactRoomKind
tact_room_get_kind (TactRoom *self)
{
  if (self->is_direct)
    return TACT_ROOM_KIND_DM;
  return self->post_level > self->users_default ? TACT_ROOM_KIND_ANNOUNCEMENT : TACT_ROOM_KIND_GROUP;
}

gint64
tact_room_get_required_state_level (TactRoom *self, const char *type)
{
  gint64 level;

  if (tact_json_get_int (self->power_events, type, &level))
    return level;
  return self->state_default;
}

const char *
tact_room_get_history_visibility (TactRoom *self)
{
  return self->history_visibility ? self->history_visibility : "shared";
}

const char *
tact_room_get_own_server (TactRoom *self)
{
  return self->own_server;
}

static void notify_audience (TactRoom *self);

gboolean
tact_room_user_is_external (TactRoom *self, const char *user_id)
{
  if (self->external_func)
    return self->external_func (user_id, self->own_server, self->external_data);
  return g_strcmp0 (server_of (user_id), self->own_server) != 0;
}

void
tact_room_set_external_func (TactRoom *self, TactRoomExternalFunc func, gpointer data)
{
  self->external_func = func;
  self->external_data = data;
  notify_audience (self);
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

  const char *name = member ? tact_member_get_display_name (member) : NULL;

  if (name && *name)
    return name;
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
      g_string_append (names, tact_room_get_member_name (self, user_id));
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
  tact_room_set_unread_counts (self, (gint) row->notification_count, (gint) row->highlight_count);
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
  row->notification_count = self->notification_count;
  row->highlight_count = self->highlight_count;
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
tact_room_set_summary_counts (TactRoom *self, gint joined, gint invited)
{
  gboolean changed = FALSE;

  /* Absent (-1) keeps what is known: incremental syncs carry an empty summary. */
  if (joined >= 0 && joined != self->joined_count)
    {
      self->joined_count = joined;
      changed = TRUE;
    }
  if (invited >= 0 && invited != self->invited_count)
    {
      self->invited_count = invited;
      changed = TRUE;
    }
  if (changed)
    notify_audience (self);
}

gboolean tact_room_get_members_complete (TactRoom *self) { return self->members_complete; }

void
tact_room_apply_full_state (TactRoom *self, GPtrArray *events)
{
  for (guint i = 0; i < events->len; i++)
    tact_room_apply_state (self, g_ptr_array_index (events, i));
  /* From now on the member table is the whole truth, kept current by the member events that
   * every sync carries for membership changes. */
  self->members_complete = TRUE;
  self->stored_member_count = 0;
  self->stored_external_count = 0;
  notify_audience (self);
}

static const char *
content_string (const TactEvent *event, const char *key)
{
  return tact_json_get_string (event->content, key);
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
  else if (g_str_equal (event->type, "m.room.history_visibility"))
    {
      g_free (self->history_visibility);
      self->history_visibility = g_strdup (content_string (event, "history_visibility"));
    }
  else if (g_str_equal (event->type, "m.room.power_levels"))
    {
      JsonNode *users = event->content ? json_object_get_member (event->content, "users") : NULL;
      JsonNode *fallback = event->content ? json_object_get_member (event->content, "users_default") : NULL;
      GHashTableIter iter;
      gpointer member;

      g_clear_pointer (&self->power_users, json_object_unref);
      if (users && JSON_NODE_HOLDS_OBJECT (users))
        self->power_users = json_object_ref (json_node_get_object (users));
      self->users_default = (fallback && JSON_NODE_HOLDS_VALUE (fallback)
                             && json_node_get_value_type (fallback) == G_TYPE_INT64)
                            ? json_node_get_int (fallback) : 0;
      {
        JsonObject *events = tact_json_get_object (event->content, "events");
        gint64 level = 0;

        /* The spec's defaults: events_default 0 when absent. */
        if (!tact_json_get_int (events, "m.room.message", &level)
            && !tact_json_get_int (event->content, "events_default", &level))
          level = 0;
        self->post_level = level;
        g_clear_pointer (&self->power_events, json_object_unref);
        if (events)
          self->power_events = json_object_ref (events);
        if (!tact_json_get_int (event->content, "state_default", &self->state_default))
          self->state_default = 50;
      }
      g_hash_table_iter_init (&iter, self->members);
      while (g_hash_table_iter_next (&iter, NULL, &member))
        tact_member_set_power_level (member, tact_room_get_power_level (self, tact_member_get_user_id (member)));
    }
  else if (g_str_equal (event->type, "m.room.member") && event->state_key[0] == '@')
    {
      TactMember *member = g_hash_table_lookup (self->members, event->state_key);
      JsonNode *direct = event->content ? json_object_get_member (event->content, "is_direct") : NULL;
      const char *membership = content_string (event, "membership");

      if (!member)
        {
          member = tact_member_new (event->state_key);
          g_hash_table_insert (self->members, g_strdup (event->state_key), member);
          g_list_store_append (self->member_list, member);
        }
      tact_member_set_display_name (member, content_string (event, "displayname"));
      tact_member_set_membership (member, membership);
      tact_member_set_power_level (member, tact_room_get_power_level (self, event->state_key));

      if (direct && JSON_NODE_HOLDS_VALUE (direct) && json_node_get_value_type (direct) == G_TYPE_BOOLEAN
          && json_node_get_boolean (direct))
        self->is_direct = TRUE;
      if (g_strcmp0 (event->state_key, self->own_user_id) == 0 && membership)
        tact_room_set_membership (self, g_str_equal (membership, "join") ? "join"
                                        : g_str_equal (membership, "invite") ? "invite" : "leave");
      /* The stored counts stay until the full member list is in (tact_room_apply_full_state):
       * one lazy-loaded member event must not make the others, outsiders included, vanish. */
      notify_audience (self);
    }
}

static gboolean
is_own_txn (TactMessage *message, const char *txn_id)
{
  return tact_message_is_own (message) && g_strcmp0 (tact_message_get_txn_id (message), txn_id) == 0;
}

static gboolean
has_event_id (TactMessage *message, const char *event_id)
{
  return g_strcmp0 (tact_message_get_event_id (message), event_id) == 0;
}

/* The newest timeline entry that matches id (pending echoes sit at the end: search backwards). */
static TactMessage *
find_newest (TactRoom *self, gboolean (*matches) (TactMessage *message, const char *id), const char *id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->timeline));

  if (!id)
    return NULL;
  for (guint i = n; i > 0; i--)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (G_LIST_MODEL (self->timeline), i - 1);
      if (matches (message, id))
        return message;   /* the timeline keeps its reference */
    }
  return NULL;
}

TactMessage *
tact_room_find_by_txn (TactRoom *self, const char *txn_id)
{
  return find_newest (self, is_own_txn, txn_id);
}

TactMessage *
tact_room_find_by_event (TactRoom *self, const char *event_id)
{
  return find_newest (self, has_event_id, event_id);
}

/* The local echo of our send txn_id, but only for an event that we sent: another user's event
 * carrying the same transaction id (ids are only unique per sender) is not ours. */
static TactMessage *
find_own_echo (TactRoom *self, const char *sender, const char *txn_id)
{
  if (!txn_id || g_strcmp0 (sender, self->own_user_id) != 0)
    return NULL;
  return tact_room_find_by_txn (self, txn_id);
}

void
tact_room_confirm_sent (TactRoom *self, const char *txn_id, const char *event_id)
{
  TactMessage *echo = tact_room_find_by_txn (self, txn_id);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->timeline));

  if (!event_id)
    return;
  /* The server's copy may have come first (without unsigned.transaction_id: another token,
   * /messages): the echo takes its place, so the message is shown once. */
  for (guint i = n; echo && i > 0; i--)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (G_LIST_MODEL (self->timeline), i - 1);
      if (message != echo && g_strcmp0 (tact_message_get_event_id (message), event_id) == 0)
        {
          g_list_store_remove (self->timeline, i - 1);
          break;
        }
    }
  g_hash_table_add (self->event_ids, g_strdup (event_id));
  if (echo)
    tact_message_mark_sent (echo, event_id);
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

/* Applies an edit to the message it replaces, looked for in @pending (entries about to be
 * inserted, may be NULL) and then the timeline; kept for later when the original is not there
 * yet. Only the original sender's edits apply. Returns TRUE when a message changed. */
static gboolean
apply_edit (TactRoom *self, GPtrArray *pending, const char *target, const char *sender,
            const char *body, gint64 ts)
{
  TactMessage *message = NULL;
  Edit *edit;

  if (target == NULL || body == NULL)
    return FALSE;
  for (guint i = 0; pending != NULL && i < pending->len && message == NULL; i++)
    if (g_strcmp0 (tact_message_get_event_id (g_ptr_array_index (pending, i)), target) == 0)
      message = g_ptr_array_index (pending, i);
  if (message == NULL && g_hash_table_contains (self->event_ids, target))
    message = tact_room_find_by_event (self, target);
  if (message != NULL)
    {
      if (g_strcmp0 (tact_message_get_sender (message), sender) != 0)
        return FALSE;
      tact_message_apply_edit (message, body);
      return TRUE;
    }
  /* The newest edit wins (pages of history arrive newest first). */
  edit = g_hash_table_lookup (self->pending_edits, target);
  if (edit == NULL || edit->ts <= ts)
    {
      edit = g_new0 (Edit, 1);
      edit->ts = ts;
      edit->sender = g_strdup (sender);
      edit->body = g_strdup (body);
      g_hash_table_replace (self->pending_edits, g_strdup (target), edit);
    }
  return FALSE;
}

/* A message entering the timeline takes an edit that arrived before it. */
static void
take_pending_edit (TactRoom *self, TactMessage *message)
{
  const char *event_id = tact_message_get_event_id (message);
  Edit *edit = event_id ? g_hash_table_lookup (self->pending_edits, event_id) : NULL;

  if (edit == NULL)
    return;
  if (g_strcmp0 (edit->sender, tact_message_get_sender (message)) == 0)
    tact_message_apply_edit (message, edit->body);
  g_hash_table_remove (self->pending_edits, event_id);
}

void
tact_room_append_message (TactRoom *self, TactMessage *message)
{
  const char *event_id = tact_message_get_event_id (message);

  if (event_id)
    g_hash_table_add (self->event_ids, g_strdup (event_id));
  take_pending_edit (self, message);
  tact_message_set_own (message, g_strcmp0 (tact_message_get_sender (message), self->own_user_id) == 0);
  g_list_store_append (self->timeline, message);
  touch (self, tact_message_get_timestamp (message));
}

const char *
tact_room_event_redacts (const TactEvent *event)
{
  if (g_strcmp0 (event->type, "m.room.redaction") != 0)
    return NULL;
  return event->redacts ? event->redacts : content_string (event, "redacts");
}

/* A redaction: the message it names loses its text in the model (the store does the same). */
static gboolean
apply_redaction (TactRoom *self, const char *redacts)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->timeline));

  for (guint i = n; redacts && i > 0; i--)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (G_LIST_MODEL (self->timeline), i - 1);
      if (g_strcmp0 (tact_message_get_event_id (message), redacts) == 0)
        {
          tact_message_mark_redacted (message);
          return TRUE;
        }
    }
  return FALSE;
}

/* A file message (m.file, m.image, …) carries its URI, type and size into the timeline entry. */
static void
apply_media (TactMessage *message, JsonObject *content)
{
  JsonObject *info;
  const char *msgtype;
  const char *url;
  const char *mime = NULL;
  gint64 size = -1;

  if (!content)
    return;
  msgtype = tact_json_get_string (content, "msgtype");
  if (!msgtype || (g_strcmp0 (msgtype, "m.file") != 0 && g_strcmp0 (msgtype, "m.image") != 0
                   && g_strcmp0 (msgtype, "m.video") != 0 && g_strcmp0 (msgtype, "m.audio") != 0))
    return;
  url = tact_json_get_string (content, "url");
  if (url && !g_str_has_prefix (url, "mxc://"))
    url = NULL;
  info = tact_json_get_object (content, "info");
  if (info)
    {
      mime = tact_json_get_string (info, "mimetype");
      if (!tact_json_get_int (info, "size", &size))
        size = -1;
    }
  tact_message_set_media (message, msgtype, url, mime, size);
}

/* A stored row that is an edit: applied (to @pending or the timeline, or kept for later) and
 * TRUE, so the caller does not show it. Only rows that can be edits are parsed. */
static gboolean
row_is_edit (TactRoom *self, GPtrArray *pending, const TactStoreEvent *row)
{
  g_autoptr(JsonNode) root = NULL;
  const char *target;
  const char *new_body = NULL;

  if (!row->json || !strstr (row->json, "m.replace"))
    return FALSE;
  root = json_from_string (row->json, NULL);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  target = edit_target (tact_json_get_object (json_node_get_object (root), "content"), &new_body);
  if (target == NULL)
    return FALSE;
  apply_edit (self, pending, target, row->sender, new_body, row->ts);
  return TRUE;
}

/* The same, for a stored row: only rows that can be files are parsed. */
static void
apply_media_from_row (TactMessage *message, const TactStoreEvent *row)
{
  g_autoptr(JsonNode) root = NULL;

  if (!row->json || (!strstr (row->json, "\"m.file\"") && !strstr (row->json, "\"m.image\"")
                     && !strstr (row->json, "\"m.video\"") && !strstr (row->json, "\"m.audio\"")))
    return;
  root = json_from_string (row->json, NULL);
  if (root && JSON_NODE_HOLDS_OBJECT (root))
    apply_media (message, tact_json_get_object (json_node_get_object (root), "content"));
}

gboolean
tact_room_add_event (TactRoom *self, const TactEvent *event)
{
  g_autoptr(TactMessage) message = NULL;
  TactMessage *echo;
  const char *body;

  if (event->state_key)
    tact_room_apply_state (self, event);
  if (tact_room_event_redacts (event))
    return apply_redaction (self, tact_room_event_redacts (event));
  if (g_strcmp0 (event->type, "m.room.message") != 0 || !event->event_id)
    return FALSE;
  if (g_hash_table_contains (self->event_ids, event->event_id))
    return FALSE;
  {
    const char *new_body = NULL;
    const char *target = edit_target (event->content, &new_body);

    if (target != NULL)
      return apply_edit (self, NULL, target, event->sender, new_body, event->origin_server_ts);
  }

  /* Our own send coming back: reconcile the local echo instead of adding a copy. */
  echo = find_own_echo (self, event->sender, event->transaction_id);
  if (echo)
    {
      tact_room_confirm_sent (self, event->transaction_id, event->event_id);
      return FALSE;
    }

  body = tact_event_get_body (event);
  message = tact_message_new (event->event_id, event->transaction_id, event->sender,
                              tact_room_get_member_name (self, event->sender),
                              body ? body : "", event->origin_server_ts, TACT_SEND_STATE_SENT);
  apply_media (message, event->content);
  tact_room_append_message (self, message);
  return TRUE;
}

/* A timeline entry for an event, or NULL when it is not shown or already shown. */
static TactMessage *
message_for_event (TactRoom *self, const TactEvent *event)
{
  TactMessage *message;
  const char *body;

  if (g_strcmp0 (event->type, "m.room.message") != 0 || !event->event_id)
    return NULL;
  if (g_hash_table_contains (self->event_ids, event->event_id))
    return NULL;
  if (find_own_echo (self, event->sender, event->transaction_id))
    return NULL;
  {
    const char *new_body = NULL;
    const char *target = edit_target (event->content, &new_body);

    if (target != NULL)
      {
        apply_edit (self, NULL, target, event->sender, new_body, event->origin_server_ts);
        return NULL;
      }
  }
  body = tact_event_get_body (event);
  message = tact_message_new (event->event_id, event->transaction_id, event->sender,
                              tact_room_get_member_name (self, event->sender),
                              body ? body : "", event->origin_server_ts, TACT_SEND_STATE_SENT);
  apply_media (message, event->content);
  return message;
}

static guint
insert_messages (TactRoom *self, guint position, GPtrArray *messages)
{
  for (guint i = 0; i < messages->len; i++)
    {
      TactMessage *message = g_ptr_array_index (messages, i);
      const char *event_id = tact_message_get_event_id (message);

      if (event_id)
        g_hash_table_add (self->event_ids, g_strdup (event_id));
      take_pending_edit (self, message);
      tact_message_set_own (message, g_strcmp0 (tact_message_get_sender (message), self->own_user_id) == 0);
      touch (self, tact_message_get_timestamp (message));
    }
  g_list_store_splice (self->timeline, position, 0, messages->pdata, messages->len);
  return messages->len;
}

guint
tact_room_insert_events (TactRoom *self, const char *before_event_id, GPtrArray *events)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->timeline));
  guint position = n;

  for (guint i = 0; i < events->len; i++)
    {
      TactMessage *message = message_for_event (self, g_ptr_array_index (events, i));
      if (message)
        g_ptr_array_add (messages, message);
    }
  for (guint i = 0; before_event_id && i < n; i++)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (G_LIST_MODEL (self->timeline), i);
      if (g_strcmp0 (tact_message_get_event_id (message), before_event_id) == 0)
        {
          position = i;
          break;
        }
    }
  return insert_messages (self, position, messages);
}

guint
tact_room_prepend_events (TactRoom *self, GPtrArray *events)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < events->len; i++)
    {
      TactMessage *message = message_for_event (self, g_ptr_array_index (events, i));
      if (message)
        g_ptr_array_add (messages, message);
    }
  return insert_messages (self, 0, messages);
}

/* A timeline entry for a stored row (history or an outbox echo); a FAILED echo carries the
 * server's reason, read back from the outbox. */
static TactMessage *
message_for_row (TactRoom *self, const TactStoreEvent *row)
{
  TactMessage *message = tact_message_new (row->event_id, row->txn_id, row->sender,
                                           tact_room_get_member_name (self, row->sender),
                                           row->body, row->ts, row->send_state);

  if (row->send_state == TACT_SEND_STATE_FAILED)
    tact_message_mark_failed (message, row->error);
  else if (row->send_state == TACT_SEND_STATE_HELD)
    tact_message_mark_held (message, row->error);
  else if (row->send_state == TACT_SEND_STATE_AWAITING_APPROVAL)
    tact_message_mark_awaiting (message, row->error);
  apply_media_from_row (message, row);
  return message;
}

guint
tact_room_prepend_stored (TactRoom *self, GPtrArray *rows)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < rows->len; i++)
    {
      const TactStoreEvent *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (row->type, "m.room.message") != 0)
        continue;
      if (row->event_id && g_hash_table_contains (self->event_ids, row->event_id))
        continue;
      if (find_own_echo (self, row->sender, row->txn_id))
        continue;
      if (row_is_edit (self, messages, row))
        continue;
      g_ptr_array_add (messages, message_for_row (self, row));
    }
  return insert_messages (self, 0, messages);
}

gboolean
tact_room_has_event (TactRoom *self, const char *event_id)
{
  return event_id && g_hash_table_contains (self->event_ids, event_id);
}

/* The timestamp of the oldest entry in the timeline model, or 0 when it is empty. */
gint64
tact_room_get_oldest_ts (TactRoom *self)
{
  g_autoptr(TactMessage) first = g_list_model_get_item (G_LIST_MODEL (self->timeline), 0);

  return first ? tact_message_get_timestamp (first) : 0;
}

void
tact_room_add_stored (TactRoom *self, const TactStoreEvent *row)
{
  g_autoptr(TactMessage) message = NULL;

  if (g_strcmp0 (row->type, "m.room.message") != 0)
    return;
  if (row->event_id && g_hash_table_contains (self->event_ids, row->event_id))
    return;
  if (!row->event_id && find_own_echo (self, row->sender, row->txn_id))
    return;
  if (row_is_edit (self, NULL, row))
    return;
  message = message_for_row (self, row);
  tact_room_append_message (self, message);
}

guint
tact_room_trim_timeline (TactRoom *self, guint keep)
{
  GListModel *timeline = G_LIST_MODEL (self->timeline);
  guint n = g_list_model_get_n_items (timeline);
  guint excess = n > keep ? n - keep : 0;
  guint position = 0, dropped = 0;

  /* From the oldest end; a run of droppable messages goes in one splice (one items-changed). */
  while (dropped < excess && position < g_list_model_get_n_items (timeline))
    {
      guint run = 0;

      for (;;)
        {
          g_autoptr(TactMessage) message = NULL;

          if (dropped + run >= excess || position + run >= g_list_model_get_n_items (timeline))
            break;
          message = g_list_model_get_item (timeline, position + run);
          if (tact_message_get_send_state (message) != TACT_SEND_STATE_SENT)
            break;
          if (tact_message_get_event_id (message))
            g_hash_table_remove (self->event_ids, tact_message_get_event_id (message));
          run++;
        }
      if (run > 0)
        {
          g_list_store_splice (self->timeline, position, run, NULL, 0);
          dropped += run;
        }
      else
        position++;   /* an echo waiting to be sent or retried: kept in place */
    }
  if (dropped > 0)
    tact_room_set_at_start (self, FALSE);
  return dropped;
}

void
tact_room_reset_timeline (TactRoom *self)
{
  g_hash_table_remove_all (self->event_ids);
  g_list_store_remove_all (self->timeline);
}

TactStoreEvent *
tact_room_event_to_store_row (const TactEvent *event)
{
  TactStoreEvent *row;

  if (event->event_id == NULL || event->room_id == NULL || event->sender == NULL || event->type == NULL)
    return NULL;
  row = g_new0 (TactStoreEvent, 1);
  row->room_id = g_strdup (event->room_id);
  row->event_id = g_strdup (event->event_id);
  row->txn_id = g_strdup (event->transaction_id);
  row->sender = g_strdup (event->sender);
  row->type = g_strdup (event->type);
  row->state_key = g_strdup (event->state_key);
  row->ts = event->origin_server_ts;
  row->body = g_strdup (tact_event_get_body (event));
  row->json = tact_event_to_json (event);
  row->send_state = TACT_SEND_STATE_SENT;
  row->redacts = g_strdup (tact_room_event_redacts (event));
  return row;
}
