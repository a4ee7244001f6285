/* tact-sandbox-sync.c: building /sync responses from the model.
 *
 * The shapes follow Synapse 1.67 (fixtures 28, 30, 31, 34–37): empty top-level sections are
 * omitted, joined rooms carry timeline/state/account_data/ephemeral/unread_notifications/
 * summary, invites carry stripped invite_state plus the full invite event, and a room left
 * since the token appears under rooms.leave. Timelines hold only the events history
 * visibility lets the user see (sb_room_visibility). Presence, to-device and device lists are
 * not modelled.
 */
#include "tact-sandbox-private.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMELINE_LIMIT 10

gboolean
sb_parse_stream_token (const char *token, guint64 *pos)
{
  char *end = NULL;
  guint64 value;

  if (token == NULL || (token[0] != 's' && token[0] != 't') || !g_ascii_isdigit (token[1]))
    return FALSE;
  value = g_ascii_strtoull (token + 1, &end, 10);
  /* Accept Synapse-looking suffixes ("s12_0_0…", "t3-12_0…") but read only the first number. */
  if (end == NULL || (*end != '\0' && *end != '_' && *end != '-'))
    return FALSE;
  *pos = value;
  return TRUE;
}

void
sb_sync_filter_from_json (SbSyncFilter *filter, JsonObject *definition)
{
  JsonObject *room, *timeline, *state;

  filter->timeline_limit = DEFAULT_TIMELINE_LIMIT;
  filter->lazy_load_members = FALSE;
  if (definition == NULL)
    return;
  room = sb_json_get_object (definition, "room");
  if (room == NULL)
    return;
  timeline = sb_json_get_object (room, "timeline");
  if (timeline != NULL)
    {
      gint64 limit = sb_json_get_int (timeline, "limit", DEFAULT_TIMELINE_LIMIT);
      filter->timeline_limit = (guint) CLAMP (limit, 1, 1000);
    }
  state = sb_json_get_object (room, "state");
  if (state != NULL)
    filter->lazy_load_members =
        json_object_get_boolean_member_with_default (state, "lazy_load_members", FALSE);
}

static char *
stream_token (guint64 pos)
{
  return g_strdup_printf ("s%" G_GUINT64_FORMAT, pos);
}

static JsonNode *
events_wrapper (JsonArray *events)
{
  JsonNode *node = sb_json_object_new ();

  json_object_set_array_member (json_node_get_object (node), "events", events);
  return node;
}

guint
sb_room_unread_count (SbRoom *room, const char *user_id)
{
  SbReceipt *receipt = g_hash_table_lookup (room->receipts, user_id);
  g_autofree gboolean *visible = sb_room_visibility (room, user_id);
  guint count = 0;

  /* Walk forwards; the counter restarts at the read receipt and at each own event. Events
   * history visibility hides from the user do not count. */
  for (guint i = 0; i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);

      if (!visible[i])
        continue;
      if (g_str_equal (ev->sender, user_id))
        {
          count = 0;
          continue;
        }
      if (receipt != NULL && g_str_equal (ev->event_id, receipt->event_id))
        {
          count = 0;
          continue;
        }
      if (g_str_equal (ev->type, "m.room.message") || g_str_equal (ev->type, "m.room.encrypted"))
        count++;
    }
  return count;
}

/* The m.receipt ephemeral event for receipts newer than since (all when !has_since). */
static JsonArray *
ephemeral_events (SbRoom *room, gboolean has_since, guint64 since)
{
  JsonArray *events = json_array_new ();
  JsonObject *content = json_object_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, room->receipts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SbReceipt *r = value;
      JsonObject *per_event, *read, *ts;

      if (has_since && r->stream <= since)
        continue;
      per_event = sb_json_get_object (content, r->event_id);
      if (per_event == NULL)
        {
          per_event = json_object_new ();
          json_object_set_object_member (per_event, "m.read", json_object_new ());
          json_object_set_object_member (content, r->event_id, per_event);
        }
      read = json_object_get_object_member (per_event, "m.read");
      ts = json_object_new ();
      json_object_set_int_member (ts, "ts", r->ts);
      json_object_set_object_member (read, key, ts);
    }
  if (json_object_get_size (content) > 0)
    {
      JsonObject *ev = json_object_new ();

      json_object_set_string_member (ev, "type", "m.receipt");
      json_object_set_object_member (ev, "content", content);
      json_array_add_object_element (events, ev);
    }
  else
    json_object_unref (content);

  /* m.typing carries the whole current set whenever it changed since the token. */
  if (room->typing_stream > 0 && (!has_since || room->typing_stream > since))
    {
      JsonObject *ev = json_object_new ();
      JsonObject *typing = json_object_new ();
      JsonArray *user_ids = json_array_new ();
      GHashTableIter t_iter;
      gpointer user_id;

      g_hash_table_iter_init (&t_iter, room->typing);
      while (g_hash_table_iter_next (&t_iter, &user_id, NULL))
        json_array_add_string_element (user_ids, user_id);
      json_object_set_array_member (typing, "user_ids", user_ids);
      json_object_set_string_member (ev, "type", "m.typing");
      json_object_set_object_member (ev, "content", typing);
      json_array_add_object_element (events, ev);
    }
  return events;
}

/* Indices [first, last) of the room's events with since < stream <= upto. */
static void
event_range (SbRoom *room, guint64 since, guint64 upto, guint *first, guint *last)
{
  guint i = 0;

  while (i < room->events->len && ((SbEvent *) g_ptr_array_index (room->events, i))->stream <= since)
    i++;
  *first = i;
  while (i < room->events->len && ((SbEvent *) g_ptr_array_index (room->events, i))->stream <= upto)
    i++;
  *last = i;
}

static gint
compare_event_stream (gconstpointer a, gconstpointer b)
{
  const SbEvent *ea = *(SbEvent *const *) a;
  const SbEvent *eb = *(SbEvent *const *) b;

  return ea->stream < eb->stream ? -1 : ea->stream > eb->stream ? 1 : 0;
}

/* Builds {timeline, state} for the events (since, upto] of room that history visibility lets
 * user_id see (the newest filter->timeline_limit of them). full_state: the whole state before
 * the timeline (an initial sync, or a room newly joined); otherwise only state that changed
 * between since and the start of the timeline. Returns how many timeline events there are. */
static guint
add_timeline_and_state (SbState *state, JsonObject *out, SbRoom *room, const char *user_id,
                        const char *token, guint64 since, guint64 upto, gboolean full_state,
                        const SbSyncFilter *filter)
{
  g_autofree gboolean *visible = sb_room_visibility (room, user_id);
  g_autoptr(GArray) shown = g_array_new (FALSE, FALSE, sizeof (guint));
  JsonObject *timeline = json_object_new ();
  JsonArray *tl_events = json_array_new ();
  JsonArray *st_events = json_array_new ();
  g_autoptr(GHashTable) state_map = NULL;
  g_autoptr(GHashTable) senders = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) state_list = g_ptr_array_new ();
  guint first, last, start;
  guint64 timeline_start;
  GHashTableIter iter;
  gpointer value;

  event_range (room, since, upto, &first, &last);
  for (guint i = first; i < last; i++)
    if (visible[i])
      g_array_append_val (shown, i);
  start = shown->len > filter->timeline_limit ? shown->len - filter->timeline_limit : 0;
  for (guint j = start; j < shown->len; j++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, g_array_index (shown, guint, j));

      json_array_add_element (tl_events, sb_event_to_json (state, ev, SB_EVENT_SYNC, token));
      g_hash_table_add (senders, ev->sender);
    }
  timeline_start = start < shown->len
                     ? ((SbEvent *) g_ptr_array_index (room->events,
                                                       g_array_index (shown, guint, start)))->stream
                     : upto + 1;

  /* prev_batch: a token just before the first timeline event (accepted by /messages). */
  {
    g_autofree char *prev = stream_token (timeline_start - 1);
    json_object_set_array_member (timeline, "events", tl_events);
    json_object_set_string_member (timeline, "prev_batch", prev);
    json_object_set_boolean_member (timeline, "limited", start > 0);
  }

  state_map = sb_room_state_before (room, timeline_start);
  g_hash_table_iter_init (&iter, state_map);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SbEvent *ev = value;

      if (!full_state && ev->stream <= since)
        continue;
      if (full_state && filter->lazy_load_members && g_str_equal (ev->type, "m.room.member") &&
          !g_hash_table_contains (senders, ev->state_key))
        continue;
      g_ptr_array_add (state_list, ev);
    }
  /* State events history visibility hides from the timeline still count as state, when they
   * are current at its end (Synapse: the state at the start and at the end, minus the
   * timeline's own events). */
  {
    g_autoptr(GHashTable) state_end = sb_room_state_before (room, upto + 1);
    g_autoptr(GHashTable) current = g_hash_table_new (NULL, NULL);
    guint first_shown = start < shown->len ? g_array_index (shown, guint, start) : last;

    g_hash_table_iter_init (&iter, state_end);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_hash_table_add (current, value);
    for (guint i = first_shown; i < last; i++)
      {
        SbEvent *ev = g_ptr_array_index (room->events, i);

        if (visible[i] || ev->state_key == NULL || !g_hash_table_contains (current, ev))
          continue;
        if (filter->lazy_load_members && g_str_equal (ev->type, "m.room.member") &&
            !g_hash_table_contains (senders, ev->state_key))
          continue;
        g_ptr_array_add (state_list, ev);
      }
  }
  g_ptr_array_sort (state_list, compare_event_stream);
  for (guint i = 0; i < state_list->len; i++)
    json_array_add_element (st_events, sb_event_to_json (state, g_ptr_array_index (state_list, i),
                                                         SB_EVENT_SYNC, token));

  json_object_set_object_member (out, "timeline", timeline);
  json_object_set_member (out, "state", events_wrapper (st_events));
  return shown->len - start;
}

static JsonObject *
joined_room (SbState *state, SbRoom *room, SbUser *user, const char *token, gboolean has_since,
             guint64 since, const SbSyncFilter *filter, gboolean *has_content)
{
  JsonObject *out = json_object_new ();
  JsonObject *unread = json_object_new ();
  JsonObject *summary = json_object_new ();
  const char *was = has_since ? sb_room_membership_at (room, user->user_id, since) : NULL;
  gboolean full = !has_since || g_strcmp0 (was, "join") != 0;
  JsonArray *ephemeral = ephemeral_events (room, has_since && !full, since);
  guint n_timeline;

  n_timeline = add_timeline_and_state (state, out, room, user->user_id, token, full ? 0 : since,
                                       state->stream, full, filter);
  *has_content = n_timeline > 0 || json_array_get_length (ephemeral) > 0;
  json_object_set_member (out, "account_data", events_wrapper (json_array_new ()));
  json_object_set_member (out, "ephemeral", events_wrapper (ephemeral));
  json_object_set_int_member (unread, "notification_count",
                              sb_room_unread_count (room, user->user_id));
  json_object_set_int_member (unread, "highlight_count", 0);
  json_object_set_object_member (out, "unread_notifications", unread);

  /* The summary is filled only with lazy loading, and only on a full room sync. */
  if (full && filter->lazy_load_members)
    {
      g_autoptr(GPtrArray) joined = sb_room_members (room, "join");
      g_autoptr(GPtrArray) invited = sb_room_members (room, "invite");

      json_object_set_int_member (summary, "m.joined_member_count", joined->len);
      json_object_set_int_member (summary, "m.invited_member_count", invited->len);
      if (sb_room_name (room) == NULL)
        {
          JsonArray *heroes = json_array_new ();
          for (guint i = 0; i < joined->len && json_array_get_length (heroes) < 5; i++)
            if (!g_str_equal (g_ptr_array_index (joined, i), user->user_id))
              json_array_add_string_element (heroes, g_ptr_array_index (joined, i));
          for (guint i = 0; i < invited->len && json_array_get_length (heroes) < 5; i++)
            if (!g_str_equal (g_ptr_array_index (invited, i), user->user_id))
              json_array_add_string_element (heroes, g_ptr_array_index (invited, i));
          json_object_set_array_member (summary, "m.heroes", heroes);
        }
    }
  json_object_set_object_member (out, "summary", summary);
  return out;
}

static JsonObject *
invited_room (SbState *state, SbRoom *room, SbUser *user)
{
  static const char *const stripped_types[] = {
    "m.room.name", "m.room.avatar", "m.room.topic", "m.room.join_rules",
    "m.room.canonical_alias", "m.room.encryption", "m.room.create",
  };
  JsonObject *out = json_object_new ();
  JsonArray *events = json_array_new ();
  SbEvent *invite = sb_room_get_state (room, "m.room.member", user->user_id);
  SbEvent *inviter;

  for (guint i = 0; i < G_N_ELEMENTS (stripped_types); i++)
    {
      SbEvent *ev = sb_room_get_state (room, stripped_types[i], "");

      if (ev != NULL)
        json_array_add_element (events, sb_event_to_json (state, ev, SB_EVENT_STRIPPED, NULL));
      /* Synapse puts the inviter's member event after the join rules. */
      if (g_str_equal (stripped_types[i], "m.room.join_rules") &&
          (inviter = sb_room_get_state (room, "m.room.member", invite->sender)) != NULL)
        json_array_add_element (events,
                                sb_event_to_json (state, inviter, SB_EVENT_STRIPPED, NULL));
    }
  json_array_add_element (events, sb_event_to_json (state, invite, SB_EVENT_SYNC, NULL));
  json_object_set_member (out, "invite_state", events_wrapper (events));
  return out;
}

static JsonObject *
left_room (SbState *state, SbRoom *room, SbUser *user, const char *token, guint64 since,
           const SbSyncFilter *filter)
{
  JsonObject *out = json_object_new ();
  SbEvent *leave = sb_room_get_state (room, "m.room.member", user->user_id);
  JsonArray *st_events = json_array_new ();

  add_timeline_and_state (state, out, room, user->user_id, token, since, leave->stream, FALSE,
                          filter);
  /* As in fixture 30: the leave event is in the timeline and in state. */
  json_array_add_element (st_events, sb_event_to_json (state, leave, SB_EVENT_SYNC, token));
  json_object_set_member (out, "state", events_wrapper (st_events));
  json_object_set_member (out, "account_data", events_wrapper (json_array_new ()));
  return out;
}

JsonNode *
sb_sync_build (SbState *state, SbUser *user, const char *token, gboolean has_since,
               guint64 since, const SbSyncFilter *filter, gboolean *has_content)
{
  JsonObject *root = json_object_new ();
  JsonObject *otk = json_object_new ();
  JsonObject *join = json_object_new ();
  JsonObject *invite = json_object_new ();
  JsonObject *leave = json_object_new ();
  JsonArray *account_data = json_array_new ();
  g_autofree char *next_batch = stream_token (state->stream);
  GHashTableIter iter;
  gpointer key, value;

  *has_content = FALSE;
  json_object_set_string_member (root, "next_batch", next_batch);

  /* Global account data changed since the token. */
  g_hash_table_iter_init (&iter, user->account_data);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SbAccountData *ad = value;
      JsonObject *ev;

      if (has_since && ad->stream <= since)
        continue;
      ev = json_object_new ();
      json_object_set_string_member (ev, "type", key);
      json_object_set_member (ev, "content", json_node_copy (ad->content));
      json_array_add_object_element (account_data, ev);
    }
  if (json_array_get_length (account_data) > 0)
    {
      JsonObject *section = json_object_new ();

      json_object_set_array_member (section, "events", account_data);
      json_object_set_object_member (root, "account_data", section);
      *has_content = TRUE;
    }
  else
    json_array_unref (account_data);

  json_object_set_int_member (otk, "signed_curve25519", 0);
  json_object_set_object_member (root, "device_one_time_keys_count", otk);
  json_object_set_array_member (root, "org.matrix.msc2732.device_unused_fallback_key_types",
                                json_array_new ());
  json_object_set_array_member (root, "device_unused_fallback_key_types", json_array_new ());

  for (guint i = 0; i < state->room_order->len; i++)
    {
      SbRoom *room = g_ptr_array_index (state->room_order, i);
      const char *now = sb_room_membership (room, user->user_id);
      SbEvent *member = sb_room_get_state (room, "m.room.member", user->user_id);

      if (now == NULL)
        continue;
      if (g_str_equal (now, "join"))
        {
          gboolean room_has_content = FALSE;
          JsonObject *jr = joined_room (state, room, user, token, has_since, since, filter,
                                        &room_has_content);
          if (room_has_content || !has_since)
            {
              json_object_set_object_member (join, room->room_id, jr);
              *has_content = TRUE;
            }
          else
            json_object_unref (jr);
        }
      else if (g_str_equal (now, "invite"))
        {
          if (!has_since || member->stream > since)
            {
              json_object_set_object_member (invite, room->room_id,
                                             invited_room (state, room, user));
              *has_content = TRUE;
            }
        }
      else if (has_since && member->stream > since)
        {
          /* Left (or was kicked or banned) since the token: only if it was in the room. */
          const char *was = sb_room_membership_at (room, user->user_id, since);
          if (g_strcmp0 (was, "join") == 0 || g_strcmp0 (was, "invite") == 0)
            {
              json_object_set_object_member (leave, room->room_id,
                                             left_room (state, room, user, token, since, filter));
              *has_content = TRUE;
            }
        }
    }

  if (json_object_get_size (join) + json_object_get_size (invite) +
      json_object_get_size (leave) > 0)
    {
      JsonObject *rooms = json_object_new ();

      if (json_object_get_size (join) > 0)
        json_object_set_object_member (rooms, "join", json_object_ref (join));
      if (json_object_get_size (invite) > 0)
        json_object_set_object_member (rooms, "invite", json_object_ref (invite));
      if (json_object_get_size (leave) > 0)
        json_object_set_object_member (rooms, "leave", json_object_ref (leave));
      json_object_set_object_member (root, "rooms", rooms);
    }
  json_object_unref (join);
  json_object_unref (invite);
  json_object_unref (leave);

  return sb_json_take_object (root);
}
