/* tact-sandbox-state.c: the sandbox homeserver's in-memory model and its JSON persistence.
 *
 * See tact-sandbox-private.h for the stream-ordering convention.
 */
#include "tact-sandbox-private.h"

#include <string.h>

#define ID_ALPHABET    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#define EVENT_ALPHABET ID_ALPHABET "0123456789-_"
#define STATE_FORMAT_VERSION 1

/* ---- Small helpers ---------------------------------------------------------------------- */

char *
sb_random_string (guint length, const char *alphabet)
{
  gsize n = strlen (alphabet);
  GString *s = g_string_sized_new (length);

  for (guint i = 0; i < length; i++)
    g_string_append_c (s, alphabet[g_random_int_range (0, (gint32) n)]);
  return g_string_free (s, FALSE);
}

JsonNode *
sb_json_parse (const char *data, gsize length, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (!json_parser_load_from_data (parser, data, (gssize) length, error))
    return NULL;
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "Empty document");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

char *
sb_json_to_string (JsonNode *node, gboolean pretty)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, pretty);
  return json_generator_to_data (gen, NULL);
}

JsonNode *
sb_json_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

JsonNode *
sb_json_take_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

JsonNode *
sb_json_object_new (void)
{
  return sb_json_take_object (json_object_new ());
}

JsonObject *
sb_json_get_object (JsonObject *object, const char *name)
{
  JsonNode *n = object != NULL ? json_object_get_member (object, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
sb_json_get_array (JsonObject *object, const char *name)
{
  JsonNode *n = object != NULL ? json_object_get_member (object, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static char *
state_map_key (const char *type, const char *state_key)
{
  return g_strconcat (type, "\x1f", state_key, NULL);
}

/* ---- Frees ------------------------------------------------------------------------------ */

static void
sb_event_free (SbEvent *ev)
{
  g_free (ev->event_id);
  g_free (ev->room_id);
  g_free (ev->type);
  g_free (ev->sender);
  g_free (ev->state_key);
  g_clear_pointer (&ev->content, json_node_unref);
  g_free (ev->txn_id);
  g_free (ev->txn_device);
  g_free (ev->replaces_state);
  g_clear_pointer (&ev->prev_content, json_node_unref);
  g_free (ev->prev_sender);
  g_free (ev);
}

static void
sb_receipt_free (SbReceipt *r)
{
  g_free (r->event_id);
  g_free (r);
}

static void
sb_room_free (SbRoom *room)
{
  g_free (room->room_id);
  g_hash_table_unref (room->state);
  g_hash_table_unref (room->receipts);
  g_hash_table_unref (room->typing);
  g_ptr_array_unref (room->events);
  g_free (room);
}

static void
sb_account_data_free (SbAccountData *ad)
{
  g_clear_pointer (&ad->content, json_node_unref);
  g_free (ad);
}

static void
sb_user_free (SbUser *user)
{
  g_free (user->user_id);
  g_free (user->password_hash);
  g_free (user->displayname);
  g_free (user->avatar_url);
  g_hash_table_unref (user->account_data);
  g_ptr_array_unref (user->filters);
  g_free (user);
}

static void
sb_token_free (SbToken *t)
{
  g_free (t->token);
  g_free (t->user_id);
  g_free (t->device_id);
  g_free (t);
}

static void
sb_media_free (SbMedia *m)
{
  g_free (m->media_id);
  g_free (m->content_type);
  g_free (m->filename);
  g_bytes_unref (m->data);
  g_free (m);
}

/* ---- State ------------------------------------------------------------------------------ */

SbState *
sb_state_new (const char *server_name)
{
  SbState *state = g_new0 (SbState, 1);

  state->server_name = g_strdup (server_name);
  state->users = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) sb_user_free);
  state->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) sb_token_free);
  state->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) sb_room_free);
  state->room_order = g_ptr_array_new ();
  state->events = g_hash_table_new (g_str_hash, g_str_equal);
  state->txns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state->media = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) sb_media_free);
  state->uia_sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return state;
}

void
sb_state_free (SbState *state)
{
  if (state == NULL)
    return;
  g_hash_table_unref (state->events);
  g_ptr_array_unref (state->room_order);
  g_hash_table_unref (state->rooms);
  g_hash_table_unref (state->users);
  g_hash_table_unref (state->tokens);
  g_hash_table_unref (state->txns);
  g_hash_table_unref (state->media);
  g_hash_table_unref (state->uia_sessions);
  g_free (state->server_name);
  g_free (state);
}

guint64
sb_state_next_stream (SbState *state)
{
  return ++state->stream;
}

void
sb_state_changed (SbState *state, SbEvent *event)
{
  if (state->changed_func != NULL)
    state->changed_func (state, event, state->changed_data);
}

/* ---- Users and tokens ------------------------------------------------------------------- */

static char *
hash_password (const char *salt, const char *password)
{
  g_autofree char *salted = g_strconcat (salt, password, NULL);
  g_autofree char *hex = g_compute_checksum_for_string (G_CHECKSUM_SHA256, salted, -1);

  return g_strconcat (salt, "$", hex, NULL);
}

static SbUser *
user_new (const char *user_id)
{
  SbUser *user = g_new0 (SbUser, 1);

  user->user_id = g_strdup (user_id);
  user->account_data = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) sb_account_data_free);
  user->filters = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  return user;
}

SbUser *
sb_state_add_user (SbState *state, const char *user_id, const char *password,
                   const char *displayname)
{
  SbUser *user = user_new (user_id);

  if (password != NULL)
    {
      g_autofree char *salt = sb_random_string (16, ID_ALPHABET);
      user->password_hash = hash_password (salt, password);
    }
  user->displayname = g_strdup (displayname);
  g_hash_table_replace (state->users, user->user_id, user);
  return user;
}

SbUser *
sb_state_lookup_user (SbState *state, const char *user_id)
{
  return user_id != NULL ? g_hash_table_lookup (state->users, user_id) : NULL;
}

gboolean
sb_user_check_password (SbUser *user, const char *password)
{
  const char *dollar;
  g_autofree char *salt = NULL;
  g_autofree char *expected = NULL;

  if (user == NULL || user->password_hash == NULL || password == NULL)
    return FALSE;
  dollar = strchr (user->password_hash, '$');
  if (dollar == NULL)
    return FALSE;
  salt = g_strndup (user->password_hash, (gsize) (dollar - user->password_hash));
  expected = hash_password (salt, password);
  return g_str_equal (expected, user->password_hash);
}

SbToken *
sb_state_new_token (SbState *state, const char *user_id, const char *device_id)
{
  SbToken *t = g_new0 (SbToken, 1);
  g_autofree char *rand = sb_random_string (32, ID_ALPHABET "0123456789");

  t->token = g_strconcat ("syt_sandbox_", rand, NULL);
  t->user_id = g_strdup (user_id);
  t->device_id = device_id != NULL ? g_strdup (device_id)
                                   : sb_random_string (10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  g_hash_table_replace (state->tokens, t->token, t);
  return t;
}

SbToken *
sb_state_lookup_token (SbState *state, const char *token)
{
  return token != NULL ? g_hash_table_lookup (state->tokens, token) : NULL;
}

void
sb_state_remove_token (SbState *state, const char *token)
{
  g_hash_table_remove (state->tokens, token);
}

void
sb_state_set_account_data (SbState *state, SbUser *user, const char *type, JsonNode *content)
{
  SbAccountData *ad = g_new0 (SbAccountData, 1);

  ad->content = content;
  ad->stream = sb_state_next_stream (state);
  g_hash_table_replace (user->account_data, g_strdup (type), ad);
  sb_state_changed (state, NULL);
}

/* ---- Rooms ------------------------------------------------------------------------------ */

static SbRoom *
room_new (const char *room_id)
{
  SbRoom *room = g_new0 (SbRoom, 1);

  room->room_id = g_strdup (room_id);
  room->events = g_ptr_array_new_with_free_func ((GDestroyNotify) sb_event_free);
  room->state = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  room->receipts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) sb_receipt_free);
  room->typing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return room;
}

static void
state_insert_room (SbState *state, SbRoom *room)
{
  g_hash_table_replace (state->rooms, room->room_id, room);
  g_ptr_array_add (state->room_order, room);
}

SbRoom *
sb_state_new_room (SbState *state)
{
  g_autofree char *local = sb_random_string (18, ID_ALPHABET);
  g_autofree char *room_id = g_strdup_printf ("!%s:%s", local, state->server_name);
  SbRoom *room = room_new (room_id);

  state_insert_room (state, room);
  return room;
}

SbRoom *
sb_state_lookup_room (SbState *state, const char *id_or_alias)
{
  if (id_or_alias == NULL)
    return NULL;
  if (id_or_alias[0] != '#')
    return g_hash_table_lookup (state->rooms, id_or_alias);

  for (guint i = 0; i < state->room_order->len; i++)
    {
      SbRoom *room = g_ptr_array_index (state->room_order, i);
      SbEvent *ev = sb_room_get_state (room, "m.room.canonical_alias", "");
      const char *alias;

      if (ev == NULL)
        continue;
      alias = json_object_get_string_member_with_default (json_node_get_object (ev->content),
                                                          "alias", NULL);
      if (g_strcmp0 (alias, id_or_alias) == 0)
        return room;
    }
  return NULL;
}

SbEvent *
sb_room_get_state (SbRoom *room, const char *type, const char *state_key)
{
  g_autofree char *key = state_map_key (type, state_key);

  return g_hash_table_lookup (room->state, key);
}

/* Puts an event into the room's list and, for state events, its current state. */
static void
room_insert_event (SbState *state, SbRoom *room, SbEvent *ev)
{
  g_ptr_array_add (room->events, ev);
  g_hash_table_replace (state->events, ev->event_id, ev);
  if (ev->state_key != NULL)
    g_hash_table_replace (room->state, state_map_key (ev->type, ev->state_key), ev);
  if (ev->txn_id != NULL && ev->txn_device != NULL)
    g_hash_table_replace (state->txns, sb_txn_key (ev->sender, ev->txn_device, ev->txn_id),
                          g_strdup (ev->event_id));
}

SbEvent *
sb_room_append (SbState *state, SbRoom *room, const char *type, const char *sender,
                const char *state_key, JsonNode *content)
{
  SbEvent *ev = g_new0 (SbEvent, 1);
  g_autofree char *local = sb_random_string (43, EVENT_ALPHABET);

  ev->event_id = g_strconcat ("$", local, NULL);
  ev->room_id = g_strdup (room->room_id);
  ev->type = g_strdup (type);
  ev->sender = g_strdup (sender);
  ev->state_key = g_strdup (state_key);
  ev->content = content != NULL ? content : sb_json_object_new ();
  ev->origin_server_ts = g_get_real_time () / 1000;
  ev->stream = sb_state_next_stream (state);

  if (state_key != NULL)
    {
      SbEvent *prev = sb_room_get_state (room, type, state_key);
      if (prev != NULL)
        {
          ev->replaces_state = g_strdup (prev->event_id);
          ev->prev_content = json_node_copy (prev->content);
          ev->prev_sender = g_strdup (prev->sender);
        }
    }
  room_insert_event (state, room, ev);
  return ev;
}

const char *
sb_room_membership (SbRoom *room, const char *user_id)
{
  SbEvent *ev = sb_room_get_state (room, "m.room.member", user_id);

  if (ev == NULL)
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (ev->content),
                                                     "membership", NULL);
}

const char *
sb_room_membership_at (SbRoom *room, const char *user_id, guint64 pos)
{
  const char *membership = NULL;

  for (guint i = 0; i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);

      if (ev->stream > pos)
        break;
      if (g_str_equal (ev->type, "m.room.member") && g_strcmp0 (ev->state_key, user_id) == 0)
        membership = json_object_get_string_member_with_default (
            json_node_get_object (ev->content), "membership", NULL);
    }
  return membership;
}

GHashTable *
sb_room_state_before (SbRoom *room, guint64 pos)
{
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);

      if (ev->stream >= pos)
        break;
      if (ev->state_key != NULL)
        g_hash_table_replace (map, state_map_key (ev->type, ev->state_key), ev);
    }
  return map;
}

/* Synapse's orders: a lower index is less restrictive, or more joined. */
static const char *const visibility_priority[] = { "world_readable", "shared", "invited", "joined" };
static const char *const membership_priority[] = { "join", "invite", "knock", "leave", "ban" };

static guint
priority_of (const char *const *order, guint n, const char *value, guint fallback)
{
  for (guint i = 0; value != NULL && i < n; i++)
    if (g_str_equal (order[i], value))
      return i;
  return fallback;
}

static const char *
content_string (JsonNode *content, const char *name)
{
  if (content == NULL || !JSON_NODE_HOLDS_OBJECT (content))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (content), name, NULL);
}

gboolean *
sb_room_visibility (SbRoom *room, const char *user_id)
{
  gboolean *visible = g_new0 (gboolean, MAX (room->events->len, 1));
  guint shared = 1, leave = 3;
  guint visibility = shared;       /* the room's, after each event; none set means shared */
  guint membership = leave;        /* user_id's, after each event; none means leave */

  for (guint i = 0; i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);
      guint effective_visibility, effective_membership;

      /* The state at an event is the state after it ... */
      if (g_str_equal (ev->type, "m.room.history_visibility") && g_strcmp0 (ev->state_key, "") == 0)
        {
          guint before = visibility;

          visibility = priority_of (visibility_priority, G_N_ELEMENTS (visibility_priority),
                                    content_string (ev->content, "history_visibility"), shared);
          /* ... but a visibility change shows with the less restrictive of old and new, */
          effective_visibility = MIN (before, visibility);
        }
      else
        effective_visibility = visibility;

      if (g_str_equal (ev->type, "m.room.member") && g_strcmp0 (ev->state_key, user_id) == 0)
        {
          guint before = membership;

          membership = priority_of (membership_priority, G_N_ELEMENTS (membership_priority),
                                    content_string (ev->content, "membership"), leave);
          /* ... the user's own leave after a join or invite is always shown, */
          if (membership == leave && before <= 1)
            {
              visible[i] = TRUE;
              continue;
            }
          /* ... and their own membership change with the more joined of old and new. */
          effective_membership = MIN (before, membership);
        }
      else
        effective_membership = membership;

      if (effective_membership == 0)                            /* joined at the time */
        visible[i] = TRUE;
      else if (effective_visibility == 3)                       /* joined */
        visible[i] = FALSE;
      else if (effective_visibility == 2)                       /* invited */
        visible[i] = effective_membership == 1;
      else                                                      /* shared, world_readable */
        visible[i] = TRUE;
    }
  return visible;
}

const char *
sb_room_name (SbRoom *room)
{
  SbEvent *ev = sb_room_get_state (room, "m.room.name", "");

  if (ev == NULL)
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (ev->content),
                                                     "name", NULL);
}

GPtrArray *
sb_room_members (SbRoom *room, const char *membership)
{
  GPtrArray *ids = g_ptr_array_new ();

  /* Walk the event list so the order is stable (join order). */
  for (guint i = 0; i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);

      if (!g_str_equal (ev->type, "m.room.member") || ev->state_key == NULL)
        continue;
      if (sb_room_get_state (room, "m.room.member", ev->state_key) != ev)
        continue;  /* superseded */
      if (g_strcmp0 (sb_room_membership (room, ev->state_key), membership) == 0)
        g_ptr_array_add (ids, ev->state_key);
    }
  return ids;
}

/* An integer member, or fallback when absent or not a number (hand-edited state is possible). */
gint64
sb_json_get_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return fallback;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n);
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (n);
  return fallback;
}

static JsonObject *
room_power_levels (SbRoom *room)
{
  SbEvent *ev = sb_room_get_state (room, "m.room.power_levels", "");

  return ev != NULL ? json_node_get_object (ev->content) : NULL;
}

gint64
sb_room_user_level (SbRoom *room, const char *user_id)
{
  JsonObject *pl = room_power_levels (room);
  JsonObject *users;

  if (pl == NULL)
    {
      /* Before power levels exist, the creator has 100 (room version 9 rules). */
      SbEvent *create = sb_room_get_state (room, "m.room.create", "");
      return create != NULL && g_str_equal (create->sender, user_id) ? 100 : 0;
    }
  users = sb_json_get_object (pl, "users");
  if (users != NULL && json_object_has_member (users, user_id))
    return sb_json_get_int (users, user_id, 0);
  return sb_json_get_int (pl, "users_default", 0);
}

gint64
sb_room_required_level (SbRoom *room, const char *type, gboolean is_state)
{
  JsonObject *pl = room_power_levels (room);
  JsonObject *events;

  if (pl == NULL)
    return 0;
  events = sb_json_get_object (pl, "events");
  if (events != NULL && json_object_has_member (events, type))
    return sb_json_get_int (events, type, 0);
  if (is_state)
    return sb_json_get_int (pl, "state_default", 50);
  return sb_json_get_int (pl, "events_default", 0);
}

/* ---- Event JSON ------------------------------------------------------------------------- */

/* The idempotency key of PUT /send/{type}/{txnId}: per user, device and txnId. */
char *
sb_txn_key (const char *user_id, const char *device_id, const char *txn_id)
{
  return g_strconcat (user_id, "\x1f", device_id, "\x1f", txn_id, NULL);
}

static gboolean
sent_from_token_device (SbState *state, SbEvent *ev, const char *access_token)
{
  SbToken *token = g_hash_table_lookup (state->tokens, access_token);

  return token != NULL && ev->txn_device != NULL && g_strcmp0 (token->user_id, ev->sender) == 0
         && g_strcmp0 (token->device_id, ev->txn_device) == 0;
}

JsonNode *
sb_event_to_json (SbState *state, SbEvent *ev, SbEventFormat format, const char *for_token)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gint64 age = MAX (0, g_get_real_time () / 1000 - ev->origin_server_ts);
  const char *colon = strchr (ev->sender, ':');
  /* Events "from federation" (another server name) carry an unsigned without age in /sync. */
  gboolean external = colon == NULL || !g_str_equal (colon + 1, state->server_name);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, ev->type);
  if (format & SB_EVENT_STRIPPED)
    {
      json_builder_set_member_name (b, "state_key");
      json_builder_add_string_value (b, ev->state_key != NULL ? ev->state_key : "");
      json_builder_set_member_name (b, "content");
      json_builder_add_value (b, json_node_copy (ev->content));
      json_builder_set_member_name (b, "sender");
      json_builder_add_string_value (b, ev->sender);
      json_builder_end_object (b);
      return json_builder_get_root (b);
    }
  if (format & SB_EVENT_CLIENT)
    {
      json_builder_set_member_name (b, "room_id");
      json_builder_add_string_value (b, ev->room_id);
    }
  json_builder_set_member_name (b, "sender");
  json_builder_add_string_value (b, ev->sender);
  json_builder_set_member_name (b, "content");
  json_builder_add_value (b, json_node_copy (ev->content));
  if (ev->state_key != NULL)
    {
      json_builder_set_member_name (b, "state_key");
      json_builder_add_string_value (b, ev->state_key);
    }
  json_builder_set_member_name (b, "origin_server_ts");
  json_builder_add_int_value (b, ev->origin_server_ts);

  json_builder_set_member_name (b, "unsigned");
  json_builder_begin_object (b);
  if (ev->replaces_state != NULL)
    {
      json_builder_set_member_name (b, "replaces_state");
      json_builder_add_string_value (b, ev->replaces_state);
      json_builder_set_member_name (b, "prev_content");
      json_builder_add_value (b, json_node_copy (ev->prev_content));
      json_builder_set_member_name (b, "prev_sender");
      json_builder_add_string_value (b, ev->prev_sender);
    }
  if (!external || (format & SB_EVENT_CLIENT))
    {
      json_builder_set_member_name (b, "age");
      json_builder_add_int_value (b, age);
    }
  /* Only /sync (fixture 38), and only for the device that sent the event: spec v1.7
   * (MSC3970) scopes transactions to the device. Synapse 1.67 scoped them to the access token
   * (fixture 36); see docs/sandbox.md. */
  if (format == SB_EVENT_SYNC && ev->txn_id != NULL && for_token != NULL &&
      sent_from_token_device (state, ev, for_token))
    {
      json_builder_set_member_name (b, "transaction_id");
      json_builder_add_string_value (b, ev->txn_id);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "event_id");
  json_builder_add_string_value (b, ev->event_id);

  if (format & SB_EVENT_CLIENT)
    {
      /* Legacy top-level fields Synapse still adds in the client format. */
      json_builder_set_member_name (b, "user_id");
      json_builder_add_string_value (b, ev->sender);
      json_builder_set_member_name (b, "age");
      json_builder_add_int_value (b, age);
      if (ev->replaces_state != NULL)
        {
          json_builder_set_member_name (b, "replaces_state");
          json_builder_add_string_value (b, ev->replaces_state);
          json_builder_set_member_name (b, "prev_content");
          json_builder_add_value (b, json_node_copy (ev->prev_content));
        }
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- Media ------------------------------------------------------------------------------ */

SbMedia *
sb_state_add_media (SbState *state, const char *content_type, const char *filename,
                    GBytes *data)
{
  SbMedia *m = g_new0 (SbMedia, 1);

  m->media_id = sb_random_string (24, ID_ALPHABET);
  m->content_type = g_strdup (content_type != NULL ? content_type : "application/octet-stream");
  m->filename = g_strdup (filename);
  m->data = g_bytes_ref (data);
  g_hash_table_replace (state->media, m->media_id, m);
  return m;
}

/* ---- Persistence ------------------------------------------------------------------------ */

static void
add_opt_string (JsonObject *o, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, name, value);
}

JsonNode *
sb_state_to_json (SbState *state)
{
  JsonObject *root = json_object_new ();
  JsonArray *users = json_array_new ();
  JsonArray *tokens = json_array_new ();
  JsonArray *rooms = json_array_new ();
  JsonArray *media = json_array_new ();
  GHashTableIter iter;
  gpointer value;

  json_object_set_int_member (root, "version", STATE_FORMAT_VERSION);
  json_object_set_string_member (root, "server_name", state->server_name);
  json_object_set_int_member (root, "stream", (gint64) state->stream);

  g_hash_table_iter_init (&iter, state->users);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SbUser *user = value;
      JsonObject *u = json_object_new ();
      JsonObject *ad = json_object_new ();
      JsonArray *filters = json_array_new ();
      GHashTableIter ad_iter;
      gpointer ad_key, ad_value;

      json_object_set_string_member (u, "user_id", user->user_id);
      add_opt_string (u, "password_hash", user->password_hash);
      add_opt_string (u, "displayname", user->displayname);
      add_opt_string (u, "avatar_url", user->avatar_url);
      g_hash_table_iter_init (&ad_iter, user->account_data);
      while (g_hash_table_iter_next (&ad_iter, &ad_key, &ad_value))
        json_object_set_member (ad, ad_key,
                                json_node_copy (((SbAccountData *) ad_value)->content));
      json_object_set_object_member (u, "account_data", ad);
      for (guint i = 0; i < user->filters->len; i++)
        json_array_add_element (filters, json_node_copy (g_ptr_array_index (user->filters, i)));
      json_object_set_array_member (u, "filters", filters);
      json_array_add_object_element (users, u);
    }
  json_object_set_array_member (root, "users", users);

  g_hash_table_iter_init (&iter, state->tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SbToken *t = value;
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "token", t->token);
      json_object_set_string_member (o, "user_id", t->user_id);
      json_object_set_string_member (o, "device_id", t->device_id);
      json_array_add_object_element (tokens, o);
    }
  json_object_set_array_member (root, "tokens", tokens);

  for (guint r = 0; r < state->room_order->len; r++)
    {
      SbRoom *room = g_ptr_array_index (state->room_order, r);
      JsonObject *ro = json_object_new ();
      JsonArray *events = json_array_new ();
      JsonObject *receipts = json_object_new ();
      GHashTableIter r_iter;
      gpointer r_key, r_value;

      json_object_set_string_member (ro, "room_id", room->room_id);
      for (guint i = 0; i < room->events->len; i++)
        {
          SbEvent *ev = g_ptr_array_index (room->events, i);
          JsonObject *eo = json_object_new ();

          json_object_set_string_member (eo, "event_id", ev->event_id);
          json_object_set_string_member (eo, "type", ev->type);
          json_object_set_string_member (eo, "sender", ev->sender);
          add_opt_string (eo, "state_key", ev->state_key);
          json_object_set_member (eo, "content", json_node_copy (ev->content));
          json_object_set_int_member (eo, "origin_server_ts", ev->origin_server_ts);
          json_object_set_int_member (eo, "stream", (gint64) ev->stream);
          add_opt_string (eo, "txn_id", ev->txn_id);
          add_opt_string (eo, "txn_device", ev->txn_device);
          add_opt_string (eo, "replaces_state", ev->replaces_state);
          if (ev->prev_content != NULL)
            json_object_set_member (eo, "prev_content", json_node_copy (ev->prev_content));
          add_opt_string (eo, "prev_sender", ev->prev_sender);
          json_array_add_object_element (events, eo);
        }
      json_object_set_array_member (ro, "events", events);
      g_hash_table_iter_init (&r_iter, room->receipts);
      while (g_hash_table_iter_next (&r_iter, &r_key, &r_value))
        {
          SbReceipt *rc = r_value;
          JsonObject *rco = json_object_new ();

          json_object_set_string_member (rco, "event_id", rc->event_id);
          json_object_set_int_member (rco, "ts", rc->ts);
          json_object_set_int_member (rco, "stream", (gint64) rc->stream);
          json_object_set_object_member (receipts, r_key, rco);
        }
      json_object_set_object_member (ro, "receipts", receipts);
      json_array_add_object_element (rooms, ro);
    }
  json_object_set_array_member (root, "rooms", rooms);

  g_hash_table_iter_init (&iter, state->media);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SbMedia *m = value;
      JsonObject *mo = json_object_new ();
      gsize len = 0;
      const guchar *data = g_bytes_get_data (m->data, &len);
      g_autofree char *b64 = g_base64_encode (data, len);

      json_object_set_string_member (mo, "media_id", m->media_id);
      json_object_set_string_member (mo, "content_type", m->content_type);
      add_opt_string (mo, "filename", m->filename);
      json_object_set_string_member (mo, "data", b64);
      json_array_add_object_element (media, mo);
    }
  json_object_set_array_member (root, "media", media);

  return sb_json_take_object (root);
}

/* Loading is defensive: a state file may have been edited by hand. Every member is checked
 * for its type; anything wrong fails the load with a message naming the member. */

#define LOAD_FAIL(...) \
  G_STMT_START { \
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Corrupt sandbox state: " __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

static const char *
get_string (JsonObject *o, const char *name, gboolean required, gboolean *ok)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    {
      if (required)
        *ok = FALSE;
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      *ok = FALSE;
      return NULL;
    }
  return json_node_get_string (n);
}

static JsonObject *
get_object (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
get_array (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gboolean
get_int (JsonObject *o, const char *name, gint64 *out)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
load_users (SbState *state, JsonArray *users, GError **error)
{
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonNode *n = json_array_get_element (users, i);
      JsonObject *uo, *ad;
      JsonArray *filters;
      SbUser *user;
      gboolean ok = TRUE;
      const char *user_id, *hash, *name, *avatar;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        LOAD_FAIL ("users[%u] is not an object", i);
      uo = json_node_get_object (n);
      user_id = get_string (uo, "user_id", TRUE, &ok);
      hash = get_string (uo, "password_hash", FALSE, &ok);
      name = get_string (uo, "displayname", FALSE, &ok);
      avatar = get_string (uo, "avatar_url", FALSE, &ok);
      if (!ok || user_id[0] != '@')
        LOAD_FAIL ("users[%u] has a missing or mistyped field", i);
      user = user_new (user_id);
      user->password_hash = g_strdup (hash);
      user->displayname = g_strdup (name);
      user->avatar_url = g_strdup (avatar);
      g_hash_table_replace (state->users, user->user_id, user);

      ad = get_object (uo, "account_data");
      if (ad != NULL)
        {
          g_autoptr(GList) members = json_object_get_members (ad);
          for (GList *l = members; l != NULL; l = l->next)
            {
              JsonNode *content = json_object_get_member (ad, l->data);
              SbAccountData *entry;

              if (!JSON_NODE_HOLDS_OBJECT (content))
                LOAD_FAIL ("account data %s of %s is not an object", (char *) l->data, user_id);
              entry = g_new0 (SbAccountData, 1);
              entry->content = json_node_copy (content);
              entry->stream = 0;
              g_hash_table_replace (user->account_data, g_strdup (l->data), entry);
            }
        }
      filters = get_array (uo, "filters");
      for (guint f = 0; filters != NULL && f < json_array_get_length (filters); f++)
        g_ptr_array_add (user->filters, json_node_copy (json_array_get_element (filters, f)));
    }
  return TRUE;
}

static gboolean
load_tokens (SbState *state, JsonArray *tokens, GError **error)
{
  for (guint i = 0; tokens != NULL && i < json_array_get_length (tokens); i++)
    {
      JsonNode *n = json_array_get_element (tokens, i);
      JsonObject *to;
      gboolean ok = TRUE;
      const char *token, *user_id, *device_id;
      SbToken *t;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        LOAD_FAIL ("tokens[%u] is not an object", i);
      to = json_node_get_object (n);
      token = get_string (to, "token", TRUE, &ok);
      user_id = get_string (to, "user_id", TRUE, &ok);
      device_id = get_string (to, "device_id", TRUE, &ok);
      if (!ok)
        LOAD_FAIL ("tokens[%u] has a missing or mistyped field", i);
      t = g_new0 (SbToken, 1);
      t->token = g_strdup (token);
      t->user_id = g_strdup (user_id);
      t->device_id = g_strdup (device_id);
      g_hash_table_replace (state->tokens, t->token, t);
    }
  return TRUE;
}

static gboolean
load_event (SbState *state, SbRoom *room, JsonNode *n, guint index, GError **error)
{
  JsonObject *eo;
  JsonNode *content, *prev_content;
  gboolean ok = TRUE;
  const char *event_id, *type, *sender, *state_key, *txn_id, *txn_device, *replaces, *prev_sender;
  gint64 ts, stream;
  SbEvent *ev;

  if (!JSON_NODE_HOLDS_OBJECT (n))
    LOAD_FAIL ("event %u of %s is not an object", index, room->room_id);
  eo = json_node_get_object (n);
  event_id = get_string (eo, "event_id", TRUE, &ok);
  type = get_string (eo, "type", TRUE, &ok);
  sender = get_string (eo, "sender", TRUE, &ok);
  state_key = get_string (eo, "state_key", FALSE, &ok);
  txn_id = get_string (eo, "txn_id", FALSE, &ok);
  txn_device = get_string (eo, "txn_device", FALSE, &ok);
  replaces = get_string (eo, "replaces_state", FALSE, &ok);
  prev_sender = get_string (eo, "prev_sender", FALSE, &ok);
  content = json_object_get_member (eo, "content");
  prev_content = json_object_get_member (eo, "prev_content");
  if (!ok || !get_int (eo, "origin_server_ts", &ts) || !get_int (eo, "stream", &stream) ||
      content == NULL || !JSON_NODE_HOLDS_OBJECT (content))
    LOAD_FAIL ("event %u of %s has a missing or mistyped field", index, room->room_id);
  if (stream <= 0 || (guint64) stream > state->stream)
    LOAD_FAIL ("event %s has a stream position past the stream", event_id);
  if (room->events->len > 0 &&
      ((SbEvent *) g_ptr_array_index (room->events, room->events->len - 1))->stream >= (guint64) stream)
    LOAD_FAIL ("events of %s are out of order", room->room_id);
  if (g_hash_table_contains (state->events, event_id))
    LOAD_FAIL ("duplicate event %s", event_id);

  ev = g_new0 (SbEvent, 1);
  ev->event_id = g_strdup (event_id);
  ev->room_id = g_strdup (room->room_id);
  ev->type = g_strdup (type);
  ev->sender = g_strdup (sender);
  ev->state_key = g_strdup (state_key);
  ev->content = json_node_copy (content);
  ev->origin_server_ts = ts;
  ev->stream = (guint64) stream;
  ev->txn_id = g_strdup (txn_id);
  ev->txn_device = g_strdup (txn_device);
  ev->replaces_state = g_strdup (replaces);
  ev->prev_content = prev_content != NULL && JSON_NODE_HOLDS_OBJECT (prev_content)
                       ? json_node_copy (prev_content) : NULL;
  ev->prev_sender = g_strdup (prev_sender);
  room_insert_event (state, room, ev);
  return TRUE;
}

static gboolean
load_rooms (SbState *state, JsonArray *rooms, GError **error)
{
  for (guint i = 0; rooms != NULL && i < json_array_get_length (rooms); i++)
    {
      JsonNode *n = json_array_get_element (rooms, i);
      JsonObject *ro, *receipts;
      JsonArray *events;
      gboolean ok = TRUE;
      const char *room_id;
      SbRoom *room;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        LOAD_FAIL ("rooms[%u] is not an object", i);
      ro = json_node_get_object (n);
      room_id = get_string (ro, "room_id", TRUE, &ok);
      events = get_array (ro, "events");
      if (!ok || room_id[0] != '!' || events == NULL)
        LOAD_FAIL ("rooms[%u] has a missing or mistyped field", i);
      if (g_hash_table_contains (state->rooms, room_id))
        LOAD_FAIL ("duplicate room %s", room_id);
      room = room_new (room_id);
      state_insert_room (state, room);
      for (guint e = 0; e < json_array_get_length (events); e++)
        if (!load_event (state, room, json_array_get_element (events, e), e, error))
          return FALSE;

      receipts = get_object (ro, "receipts");
      if (receipts != NULL)
        {
          g_autoptr(GList) members = json_object_get_members (receipts);
          for (GList *l = members; l != NULL; l = l->next)
            {
              JsonObject *rco = get_object (receipts, l->data);
              SbReceipt *rc;
              const char *event_id;
              gint64 ts = 0, stream = 0;

              if (rco == NULL || (event_id = get_string (rco, "event_id", TRUE, &ok)) == NULL ||
                  !get_int (rco, "ts", &ts) || !get_int (rco, "stream", &stream))
                LOAD_FAIL ("receipt of %s in %s is malformed", (char *) l->data, room_id);
              rc = g_new0 (SbReceipt, 1);
              rc->event_id = g_strdup (event_id);
              rc->ts = ts;
              rc->stream = (guint64) stream;
              g_hash_table_replace (room->receipts, g_strdup (l->data), rc);
            }
        }
    }
  return TRUE;
}

static gboolean
load_media (SbState *state, JsonArray *media, GError **error)
{
  for (guint i = 0; media != NULL && i < json_array_get_length (media); i++)
    {
      JsonNode *n = json_array_get_element (media, i);
      JsonObject *mo;
      gboolean ok = TRUE;
      const char *id, *ctype, *filename, *data;
      SbMedia *m;
      gsize len = 0;
      guchar *raw;

      if (!JSON_NODE_HOLDS_OBJECT (n))
        LOAD_FAIL ("media[%u] is not an object", i);
      mo = json_node_get_object (n);
      id = get_string (mo, "media_id", TRUE, &ok);
      ctype = get_string (mo, "content_type", TRUE, &ok);
      filename = get_string (mo, "filename", FALSE, &ok);
      data = get_string (mo, "data", TRUE, &ok);
      if (!ok)
        LOAD_FAIL ("media[%u] has a missing or mistyped field", i);
      raw = g_base64_decode (data, &len);
      m = g_new0 (SbMedia, 1);
      m->media_id = g_strdup (id);
      m->content_type = g_strdup (ctype);
      m->filename = g_strdup (filename);
      m->data = g_bytes_new_take (raw, len);
      g_hash_table_replace (state->media, m->media_id, m);
    }
  return TRUE;
}

SbState *
sb_state_from_json (JsonNode *root, GError **error)
{
  g_autoptr(SbState) state = NULL;
  JsonObject *ro;
  gboolean ok = TRUE;
  const char *server_name;
  gint64 version = 0, stream = 0;
  JsonArray *users;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Corrupt sandbox state: the document is not a JSON object");
      return NULL;
    }
  ro = json_node_get_object (root);
  if (!get_int (ro, "version", &version) || version != STATE_FORMAT_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Corrupt sandbox state: unsupported format version (expected %d)",
                   STATE_FORMAT_VERSION);
      return NULL;
    }
  server_name = get_string (ro, "server_name", TRUE, &ok);
  users = get_array (ro, "users");
  if (!ok || !get_int (ro, "stream", &stream) || stream < 0 || users == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Corrupt sandbox state: server_name, stream or users is missing");
      return NULL;
    }

  state = sb_state_new (server_name);
  state->stream = (guint64) stream;
  if (!load_users (state, users, error) ||
      !load_tokens (state, get_array (ro, "tokens"), error) ||
      !load_rooms (state, get_array (ro, "rooms"), error) ||
      !load_media (state, get_array (ro, "media"), error))
    return NULL;
  return g_steal_pointer (&state);
}

/* ---- Higher-level operations shared by the endpoints and the seeding ---------------------- */

SbEvent *
sb_state_emit (SbState *state, SbRoom *room, const char *type, const char *sender,
               const char *state_key, JsonNode *content)
{
  SbEvent *ev = sb_room_append (state, room, type, sender, state_key, content);

  sb_state_changed (state, ev);
  return ev;
}

SbEvent *
sb_state_set_membership (SbState *state, SbRoom *room, const char *sender, const char *target,
                         const char *membership, gboolean is_direct)
{
  JsonNode *content = sb_json_object_new ();
  JsonObject *o = json_node_get_object (content);
  SbUser *user = sb_state_lookup_user (state, target);

  if (is_direct)
    json_object_set_boolean_member (o, "is_direct", TRUE);
  json_object_set_string_member (o, "membership", membership);
  if (!g_str_equal (membership, "leave") && !g_str_equal (membership, "ban"))
    {
      if (user != NULL && user->displayname != NULL)
        json_object_set_string_member (o, "displayname", user->displayname);
      else if (target[0] == '@')
        {
          /* Synapse falls back to the localpart. */
          const char *colon = strchr (target, ':');
          g_autofree char *local = g_strndup (target + 1, colon ? (gsize) (colon - target - 1)
                                                                : strlen (target + 1));
          json_object_set_string_member (o, "displayname", local);
        }
      if (user != NULL && user->avatar_url != NULL)
        json_object_set_string_member (o, "avatar_url", user->avatar_url);
    }
  return sb_state_emit (state, room, "m.room.member", sender, target, content);
}

static JsonNode *
object_node_1 (const char *name, const char *value)
{
  JsonNode *node = sb_json_object_new ();

  json_object_set_string_member (json_node_get_object (node), name, value);
  return node;
}

/* The power levels Synapse 1.67 writes (fixture 47). */
static JsonNode *
default_power_levels (const SbCreateRoom *o)
{
  JsonNode *node = sb_json_object_new ();
  JsonObject *pl = json_node_get_object (node);
  JsonObject *users = json_object_new ();
  JsonObject *events = json_object_new ();
  gboolean trusted = g_strcmp0 (o->preset, "trusted_private_chat") == 0;

  json_object_set_int_member (users, o->creator, 100);
  for (guint i = 0; trusted && o->invite != NULL && o->invite[i] != NULL; i++)
    json_object_set_int_member (users, o->invite[i], 100);
  json_object_set_object_member (pl, "users", users);
  json_object_set_int_member (pl, "users_default", 0);
  json_object_set_int_member (events, "m.room.name", 50);
  json_object_set_int_member (events, "m.room.power_levels", 100);
  json_object_set_int_member (events, "m.room.history_visibility", 100);
  json_object_set_int_member (events, "m.room.canonical_alias", 50);
  json_object_set_int_member (events, "m.room.avatar", 50);
  json_object_set_int_member (events, "m.room.tombstone", 100);
  json_object_set_int_member (events, "m.room.server_acl", 100);
  json_object_set_int_member (events, "m.room.encryption", 100);
  json_object_set_object_member (pl, "events", events);
  json_object_set_int_member (pl, "events_default", 0);
  json_object_set_int_member (pl, "state_default", 50);
  json_object_set_int_member (pl, "ban", 50);
  json_object_set_int_member (pl, "kick", 50);
  json_object_set_int_member (pl, "redact", 50);
  json_object_set_int_member (pl, "invite", 0);
  json_object_set_int_member (pl, "historical", 100);

  if (o->power_level_content_override != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (o->power_level_content_override);
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (pl, l->data,
                                json_node_copy (json_object_get_member (
                                    o->power_level_content_override, l->data)));
    }
  return node;
}

/* initial_state as Synapse keeps it: an ordered map (type, state_key) -> content, where a later
 * entry for the same key replaces the content but keeps the first one's place. */
typedef struct {
  const char *type;            /* borrowed from the request */
  const char *state_key;       /* borrowed */
  JsonNode   *content;         /* borrowed */
} InitialState;

static GArray *
initial_state_map (JsonArray *list)
{
  GArray *map = g_array_new (FALSE, FALSE, sizeof (InitialState));

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonNode *e = json_array_get_element (list, i);
      JsonObject *eo = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      JsonNode *type = eo != NULL ? json_object_get_member (eo, "type") : NULL;
      JsonNode *key = eo != NULL ? json_object_get_member (eo, "state_key") : NULL;
      JsonNode *content = eo != NULL ? json_object_get_member (eo, "content") : NULL;
      InitialState entry;
      guint j;

      if (type == NULL || json_node_get_value_type (type) != G_TYPE_STRING ||
          content == NULL || !JSON_NODE_HOLDS_OBJECT (content) ||
          (key != NULL && json_node_get_value_type (key) != G_TYPE_STRING))
        continue;
      entry.type = json_node_get_string (type);
      entry.state_key = key != NULL ? json_node_get_string (key) : "";
      entry.content = content;
      for (j = 0; j < map->len; j++)
        {
          InitialState *old = &g_array_index (map, InitialState, j);
          if (g_str_equal (old->type, entry.type) && g_str_equal (old->state_key, entry.state_key))
            {
              old->content = content;
              break;
            }
        }
      if (j == map->len)
        g_array_append_val (map, entry);
    }
  return map;
}

static JsonNode *
initial_state_take (GArray *map, const char *type, gboolean remove)
{
  for (guint i = 0; i < map->len; i++)
    {
      InitialState *entry = &g_array_index (map, InitialState, i);

      if (g_str_equal (entry->type, type) && entry->state_key[0] == '\0')
        {
          JsonNode *content = entry->content;
          if (remove)
            g_array_remove_index (map, i);
          return content;
        }
    }
  return NULL;
}

SbRoom *
sb_state_create_room (SbState *state, const SbCreateRoom *o)
{
  SbRoom *room = sb_state_new_room (state);
  const char *preset = o->preset != NULL ? o->preset : "private_chat";
  gboolean is_public = g_str_equal (preset, "public_chat");
  JsonNode *create = sb_json_object_new ();
  g_autoptr(GArray) initial = initial_state_map (o->initial_state);
  JsonNode *power_levels;

  /* creation_content, then room_version and creator, which a request cannot override. */
  if (o->creation_content != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (o->creation_content);
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (json_node_get_object (create), l->data,
                                json_node_copy (json_object_get_member (o->creation_content,
                                                                        l->data)));
    }
  json_object_set_string_member (json_node_get_object (create), "room_version", "9");
  json_object_set_string_member (json_node_get_object (create), "creator", o->creator);
  sb_state_emit (state, room, "m.room.create", o->creator, "", create);
  sb_state_set_membership (state, room, o->creator, o->creator, "join", FALSE);
  /* Power levels from initial_state replace the preset's and the override. */
  power_levels = initial_state_take (initial, "m.room.power_levels", TRUE);
  sb_state_emit (state, room, "m.room.power_levels", o->creator, "",
                 power_levels != NULL ? json_node_copy (power_levels) : default_power_levels (o));
  if (o->alias != NULL && initial_state_take (initial, "m.room.canonical_alias", FALSE) == NULL)
    sb_state_emit (state, room, "m.room.canonical_alias", o->creator, "",
                   object_node_1 ("alias", o->alias));
  if (initial_state_take (initial, "m.room.join_rules", FALSE) == NULL)
    sb_state_emit (state, room, "m.room.join_rules", o->creator, "",
                   object_node_1 ("join_rule", is_public ? "public" : "invite"));
  if (initial_state_take (initial, "m.room.history_visibility", FALSE) == NULL)
    sb_state_emit (state, room, "m.room.history_visibility", o->creator, "",
                   object_node_1 ("history_visibility", "shared"));
  if (!is_public && initial_state_take (initial, "m.room.guest_access", FALSE) == NULL)
    sb_state_emit (state, room, "m.room.guest_access", o->creator, "",
                   object_node_1 ("guest_access", "can_join"));
  for (guint i = 0; i < initial->len; i++)
    {
      InitialState *entry = &g_array_index (initial, InitialState, i);
      sb_state_emit (state, room, entry->type, o->creator, entry->state_key,
                     json_node_copy (entry->content));
    }
  if (o->name != NULL)
    sb_state_emit (state, room, "m.room.name", o->creator, "", object_node_1 ("name", o->name));
  if (o->topic != NULL)
    sb_state_emit (state, room, "m.room.topic", o->creator, "",
                   object_node_1 ("topic", o->topic));
  for (guint i = 0; o->invite != NULL && o->invite[i] != NULL; i++)
    sb_state_set_membership (state, room, o->creator, o->invite[i], "invite", o->is_direct);
  return room;
}
