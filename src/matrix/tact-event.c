/* tact-event.c: events, /sync and /messages parsing, and guarded JSON access.
 *
 * Everything here reads untrusted server JSON. The rules:
 *  - never call a json-glib getter before checking the node's type (they g_critical
 *    or return garbage on the wrong type);
 *  - a malformed event is skipped and counted, never fatal, and its content is never
 *    logged (message bodies are sensitive);
 *  - only a body that is not an object, or a /sync without a string next_batch, fails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tact-matrix-private.h"

/* ---- Guarded JSON access ---------------------------------------------------------- */

static JsonNode *
get_value_member (JsonObject *obj,
                  const char *member,
                  GType       type)
{
  JsonNode *node;

  if (obj == NULL)
    return NULL;

  node = json_object_get_member (obj, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;

  return node;
}

const char *
tact_json_get_string (JsonObject *obj,
                      const char *member)
{
  JsonNode *node = get_value_member (obj, member, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

gboolean
tact_json_member_is_not_string (JsonObject *obj,
                                const char *member)
{
  return obj != NULL &&
         json_object_has_member (obj, member) &&
         get_value_member (obj, member, G_TYPE_STRING) == NULL;
}

JsonObject *
tact_json_get_object (JsonObject *obj,
                      const char *member)
{
  JsonNode *node;

  if (obj == NULL)
    return NULL;

  node = json_object_get_member (obj, member);
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
tact_json_get_array (JsonObject *obj,
                     const char *member)
{
  JsonNode *node;

  if (obj == NULL)
    return NULL;

  node = json_object_get_member (obj, member);
  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

gboolean
tact_json_get_int (JsonObject *obj,
                   const char *member,
                   gint64     *out)
{
  JsonNode *node = get_value_member (obj, member, G_TYPE_INT64);

  if (node == NULL)
    return FALSE;

  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
tact_json_get_bool (JsonObject *obj,
                    const char *member,
                    gboolean   *out)
{
  JsonNode *node = get_value_member (obj, member, G_TYPE_BOOLEAN);

  if (node == NULL)
    return FALSE;

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
tact_matrix_json_too_deep (const char *data,
                           gsize       len,
                           guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;                /* skip the escaped character */
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            return TRUE;
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }

  return FALSE;
}

JsonNode *
tact_matrix_json_parse_bytes (GBytes   *body,
                              gboolean  want_object,
                              GError  **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize len = 0;
  JsonNode *root;

  g_return_val_if_fail (body != NULL, NULL);

  data = g_bytes_get_data (body, &len);
  if (len == 0)
    {
      g_set_error_literal (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                           _("The server sent an empty response"));
      return NULL;
    }

  if (tact_matrix_json_too_deep (data, len, TACT_MATRIX_MAX_JSON_DEPTH))
    {
      g_set_error_literal (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                           _("The server sent JSON that is nested too deeply"));
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      /* The parser's message may quote the body; keep it out of the GError. */
      g_debug ("Response is not JSON (%zu bytes)", len);
      g_set_error_literal (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                           _("The server sent a response that is not JSON"));
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || (want_object && !JSON_NODE_HOLDS_OBJECT (root)))
    {
      g_set_error_literal (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                           _("The server sent JSON of an unexpected shape"));
      return NULL;
    }

  return json_node_ref (root);
}

/* ---- TactEvent -------------------------------------------------------------------- */

static gboolean
bad_event (GError    **error,
           const char *what)
{
  g_set_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
               /* Translators: %s is a JSON field name such as "type" */
               _("Malformed event: bad “%s”"), what);
  return FALSE;
}

TactEvent *
tact_event_new_from_json (JsonObject  *obj,
                          const char  *room_id,
                          GError     **error)
{
  g_autoptr(TactEvent) event = NULL;
  static const char * const string_fields[] = {
    "event_id", "room_id", "sender", "state_key", "redacts",
  };
  JsonObject *content;
  JsonObject *unsigned_obj;
  const char *type;

  if (obj == NULL)
    {
      bad_event (error, "event");
      return NULL;
    }

  type = tact_json_get_string (obj, "type");
  if (type == NULL || *type == '\0')
    {
      bad_event (error, "type");
      return NULL;
    }

  /* Optional fields may be absent, but never of the wrong type. */
  for (gsize i = 0; i < G_N_ELEMENTS (string_fields); i++)
    if (tact_json_member_is_not_string (obj, string_fields[i]))
      {
        bad_event (error, string_fields[i]);
        return NULL;
      }

  if (json_object_has_member (obj, "content") && tact_json_get_object (obj, "content") == NULL)
    {
      bad_event (error, "content");
      return NULL;
    }

  event = g_new0 (TactEvent, 1);
  event->type = g_strdup (type);
  event->event_id = g_strdup (tact_json_get_string (obj, "event_id"));
  event->sender = g_strdup (tact_json_get_string (obj, "sender"));
  event->state_key = g_strdup (tact_json_get_string (obj, "state_key"));

  /* Events from /messages etc. carry room_id; /sync events take it from the room key. */
  event->room_id = g_strdup (tact_json_get_string (obj, "room_id"));
  if (event->room_id == NULL)
    event->room_id = g_strdup (room_id);

  if (!tact_json_get_int (obj, "origin_server_ts", &event->origin_server_ts))
    event->origin_server_ts = 0;

  content = tact_json_get_object (obj, "content");
  event->content = content != NULL ? json_object_ref (content) : json_object_new ();

  unsigned_obj = tact_json_get_object (obj, "unsigned");
  event->transaction_id = g_strdup (tact_json_get_string (unsigned_obj, "transaction_id"));

  /* Top-level redacts (room versions ≤ 10), else content.redacts (v11). */
  event->redacts = g_strdup (tact_json_get_string (obj, "redacts"));
  if (event->redacts == NULL && g_strcmp0 (type, "m.room.redaction") == 0)
    event->redacts = g_strdup (tact_json_get_string (event->content, "redacts"));

  return g_steal_pointer (&event);
}

TactEvent *
tact_event_copy (const TactEvent *event)
{
  TactEvent *copy;

  g_return_val_if_fail (event != NULL, NULL);

  copy = g_new0 (TactEvent, 1);
  copy->event_id = g_strdup (event->event_id);
  copy->room_id = g_strdup (event->room_id);
  copy->sender = g_strdup (event->sender);
  copy->type = g_strdup (event->type);
  copy->state_key = g_strdup (event->state_key);
  copy->origin_server_ts = event->origin_server_ts;
  copy->content = event->content != NULL ? json_object_ref (event->content) : json_object_new ();
  copy->transaction_id = g_strdup (event->transaction_id);
  copy->redacts = g_strdup (event->redacts);
  return copy;
}

void
tact_event_free (TactEvent *event)
{
  if (event == NULL)
    return;

  g_free (event->event_id);
  g_free (event->room_id);
  g_free (event->sender);
  g_free (event->type);
  g_free (event->state_key);
  g_clear_pointer (&event->content, json_object_unref);
  g_free (event->transaction_id);
  g_free (event->redacts);
  g_free (event);
}

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

char *
tact_event_to_json (const TactEvent *event)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) content = NULL;

  g_return_val_if_fail (event != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "type", event->type);
  add_string (builder, "event_id", event->event_id);
  add_string (builder, "room_id", event->room_id);
  add_string (builder, "sender", event->sender);
  add_string (builder, "state_key", event->state_key);
  add_string (builder, "redacts", event->redacts);
  json_builder_set_member_name (builder, "origin_server_ts");
  json_builder_add_int_value (builder, event->origin_server_ts);

  content = json_node_init_object (json_node_alloc (), event->content);
  json_builder_set_member_name (builder, "content");
  json_builder_add_value (builder, g_steal_pointer (&content));

  if (event->transaction_id != NULL)
    {
      json_builder_set_member_name (builder, "unsigned");
      json_builder_begin_object (builder);
      add_string (builder, "transaction_id", event->transaction_id);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

const char *
tact_event_get_body (const TactEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);

  return tact_json_get_string (event->content, "body");
}

/* ---- Event arrays ------------------------------------------------------------------ */

GPtrArray *
tact_matrix_parse_event_array (JsonArray  *array,
                               const char *room_id,
                               gboolean    require_id,
                               gboolean    require_state_key,
                               guint      *n_skipped)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_event_free);
  guint len = array != NULL ? json_array_get_length (array) : 0;

  for (guint i = 0; i < len; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(GError) error = NULL;
      TactEvent *event = NULL;

      if (JSON_NODE_HOLDS_OBJECT (node))
        event = tact_event_new_from_json (json_node_get_object (node), room_id, &error);

      if (event != NULL &&
          ((require_id && (event->event_id == NULL || event->sender == NULL)) ||
           (require_state_key && event->state_key == NULL)))
        g_clear_pointer (&event, tact_event_free);

      if (event == NULL)
        {
          /* Field names only: never the event's content. */
          g_debug ("Skipping malformed event #%u: %s", i,
                   error != NULL ? error->message
                                 : JSON_NODE_HOLDS_OBJECT (node) ? "missing event_id, sender or state_key"
                                                                 : "not an object");
          (*n_skipped)++;
          continue;
        }

      g_ptr_array_add (events, event);
    }

  return events;
}

/* Reads obj[section].events, counting a wrongly typed section as one skip. */
static JsonArray *
get_events_section (JsonObject *obj,
                    const char *section,
                    guint      *n_skipped)
{
  JsonObject *sect;
  JsonArray *events;

  if (obj == NULL || !json_object_has_member (obj, section))
    return NULL;

  sect = tact_json_get_object (obj, section);
  events = tact_json_get_array (sect, "events");
  if (events == NULL && (sect == NULL || json_object_has_member (sect, "events")))
    {
      g_debug ("Skipping malformed “%s” section", section);
      (*n_skipped)++;
    }

  return events;
}

/* ---- /sync ------------------------------------------------------------------------- */

static void
tact_sync_room_free (TactSyncRoom *room)
{
  if (room == NULL)
    return;

  g_free (room->room_id);
  g_clear_pointer (&room->state, g_ptr_array_unref);
  g_clear_pointer (&room->timeline, g_ptr_array_unref);
  g_free (room->prev_batch);
  g_clear_pointer (&room->heroes, g_ptr_array_unref);
  g_clear_pointer (&room->typing, g_ptr_array_unref);
  g_clear_pointer (&room->account_data, g_ptr_array_unref);
  g_clear_pointer (&room->receipts, g_ptr_array_unref);
  g_free (room);
}

static void
tact_sync_receipt_free (TactSyncReceipt *receipt)
{
  if (receipt == NULL)
    return;

  g_free (receipt->event_id);
  g_free (receipt->user_id);
  g_free (receipt->receipt_type);
  g_free (receipt->thread_id);
  g_free (receipt);
}

static void
tact_sync_invite_free (TactSyncInvite *invite)
{
  if (invite == NULL)
    return;

  g_free (invite->room_id);
  g_clear_pointer (&invite->invite_state, g_ptr_array_unref);
  g_free (invite);
}

void
tact_sync_response_free (TactSyncResponse *response)
{
  if (response == NULL)
    return;

  g_free (response->next_batch);
  g_clear_pointer (&response->joined, g_ptr_array_unref);
  g_clear_pointer (&response->invited, g_ptr_array_unref);
  g_clear_pointer (&response->left, g_ptr_array_unref);
  g_clear_pointer (&response->account_data, g_ptr_array_unref);
  g_free (response);
}

/* Appends the string elements of @array to @out; other elements are counted as skipped. */
static void
collect_strings (JsonArray *array,
                 GPtrArray *out,
                 guint     *n_skipped)
{
  guint len = array != NULL ? json_array_get_length (array) : 0;

  for (guint i = 0; i < len; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_ptr_array_add (out, g_strdup (json_node_get_string (node)));
      else
        (*n_skipped)++;
    }
}

static void
parse_summary (TactSyncRoom *room,
               JsonObject   *summary)
{
  gint64 value;

  if (tact_json_get_int (summary, "m.joined_member_count", &value) && value >= 0 && value <= G_MAXINT)
    room->joined_member_count = (gint) value;
  if (tact_json_get_int (summary, "m.invited_member_count", &value) && value >= 0 && value <= G_MAXINT)
    room->invited_member_count = (gint) value;
}

/* m.receipt content: {event_id: {receipt_type: {user_id: {ts, thread_id?}}}}.
 * Every level is checked; a wrongly typed entry is skipped and counted. */
static void
parse_receipt_content (TactSyncRoom *room,
                       JsonObject   *content,
                       guint        *n_skipped)
{
  JsonObjectIter event_iter;
  const char *event_id;
  JsonNode *by_type_node;

  json_object_iter_init (&event_iter, content);
  while (json_object_iter_next (&event_iter, &event_id, &by_type_node))
    {
      JsonObjectIter type_iter;
      const char *receipt_type;
      JsonNode *by_user_node;

      if (*event_id == '\0' || !JSON_NODE_HOLDS_OBJECT (by_type_node))
        {
          (*n_skipped)++;
          continue;
        }

      json_object_iter_init (&type_iter, json_node_get_object (by_type_node));
      while (json_object_iter_next (&type_iter, &receipt_type, &by_user_node))
        {
          JsonObjectIter user_iter;
          const char *user_id;
          JsonNode *info_node;

          if (*receipt_type == '\0' || !JSON_NODE_HOLDS_OBJECT (by_user_node))
            {
              (*n_skipped)++;
              continue;
            }

          json_object_iter_init (&user_iter, json_node_get_object (by_user_node));
          while (json_object_iter_next (&user_iter, &user_id, &info_node))
            {
              TactSyncReceipt *receipt;
              JsonObject *info;
              gint64 ts = 0;

              if (*user_id == '\0' || !JSON_NODE_HOLDS_OBJECT (info_node))
                {
                  (*n_skipped)++;
                  continue;
                }

              info = json_node_get_object (info_node);
              receipt = g_new0 (TactSyncReceipt, 1);
              receipt->event_id = g_strdup (event_id);
              receipt->user_id = g_strdup (user_id);
              receipt->receipt_type = g_strdup (receipt_type);
              receipt->thread_id = g_strdup (tact_json_get_string (info, "thread_id"));
              if (tact_json_get_int (info, "ts", &ts) && ts >= 0)
                receipt->ts = ts;
              g_ptr_array_add (room->receipts, receipt);
            }
        }
    }
}

static void
parse_unread (TactSyncRoom *room,
              JsonObject   *room_obj)
{
  JsonObject *unread = tact_json_get_object (room_obj, "unread_notifications");
  gint64 value;

  if (tact_json_get_int (unread, "notification_count", &value) && value >= 0 && value <= G_MAXINT)
    room->notification_count = (gint) value;
  if (tact_json_get_int (unread, "highlight_count", &value) && value >= 0 && value <= G_MAXINT)
    room->highlight_count = (gint) value;
}

static void
parse_ephemeral (TactSyncRoom *room,
                 JsonObject   *room_obj,
                 guint        *n_skipped)
{
  JsonArray *events = get_events_section (room_obj, "ephemeral", n_skipped);
  guint len = events != NULL ? json_array_get_length (events) : 0;

  for (guint i = 0; i < len; i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      JsonObject *obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonArray *user_ids;

      if (obj == NULL || tact_json_get_string (obj, "type") == NULL)
        {
          (*n_skipped)++;
          continue;
        }

      if (g_str_equal (tact_json_get_string (obj, "type"), "m.receipt"))
        {
          JsonObject *content = tact_json_get_object (obj, "content");

          if (content == NULL)
            (*n_skipped)++;
          else
            parse_receipt_content (room, content, n_skipped);
          continue;
        }

      /* Other ephemeral types are not part of TactSyncRoom. */
      if (!g_str_equal (tact_json_get_string (obj, "type"), "m.typing"))
        continue;

      user_ids = tact_json_get_array (tact_json_get_object (obj, "content"), "user_ids");
      if (user_ids == NULL)
        {
          (*n_skipped)++;
          continue;
        }

      /* The last m.typing wins. */
      g_clear_pointer (&room->typing, g_ptr_array_unref);
      room->typing = g_ptr_array_new_with_free_func (g_free);
      collect_strings (user_ids, room->typing, n_skipped);
    }
}

/* rooms.join.<id> and rooms.leave.<id> share this shape. */
static TactSyncRoom *
parse_room (const char *room_id,
            JsonObject *room_obj,
            guint      *n_skipped)
{
  TactSyncRoom *room = g_new0 (TactSyncRoom, 1);
  JsonObject *timeline;
  JsonObject *summary;
  gboolean limited = FALSE;

  room->room_id = g_strdup (room_id);
  room->joined_member_count = -1;
  room->invited_member_count = -1;
  room->heroes = g_ptr_array_new_with_free_func (g_free);
  room->receipts = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_sync_receipt_free);
  room->notification_count = -1;
  room->highlight_count = -1;

  room->state = tact_matrix_parse_event_array (get_events_section (room_obj, "state", n_skipped),
                                               room_id, TRUE, TRUE, n_skipped);
  room->timeline = tact_matrix_parse_event_array (get_events_section (room_obj, "timeline", n_skipped),
                                                  room_id, TRUE, FALSE, n_skipped);
  room->account_data = tact_matrix_parse_event_array (get_events_section (room_obj, "account_data", n_skipped),
                                                      room_id, FALSE, FALSE, n_skipped);

  timeline = tact_json_get_object (room_obj, "timeline");
  room->prev_batch = g_strdup (tact_json_get_string (timeline, "prev_batch"));
  if (tact_json_get_bool (timeline, "limited", &limited))
    room->limited = limited;

  summary = tact_json_get_object (room_obj, "summary");
  if (summary != NULL)
    {
      parse_summary (room, summary);
      collect_strings (tact_json_get_array (summary, "m.heroes"), room->heroes, n_skipped);
    }

  parse_ephemeral (room, room_obj, n_skipped);
  parse_unread (room, room_obj);

  return room;
}

static TactSyncInvite *
parse_invite (const char *room_id,
              JsonObject *invite_obj,
              guint      *n_skipped)
{
  TactSyncInvite *invite = g_new0 (TactSyncInvite, 1);

  invite->room_id = g_strdup (room_id);
  /* Stripped state: no event_id required, but a state_key is. */
  invite->invite_state =
    tact_matrix_parse_event_array (get_events_section (invite_obj, "invite_state", n_skipped),
                                   room_id, FALSE, TRUE, n_skipped);
  return invite;
}

typedef gpointer (*RoomParser) (const char *room_id, JsonObject *obj, guint *n_skipped);

/* Iterates rooms[section]: {room_id: {...}}, skipping rooms that are not objects. */
static void
parse_room_map (JsonObject *rooms,
                const char *section,
                RoomParser  parser,
                GPtrArray  *out,
                guint      *n_skipped)
{
  JsonObject *map;
  JsonObjectIter iter;
  const char *room_id;
  JsonNode *node;

  if (rooms == NULL || !json_object_has_member (rooms, section))
    return;

  map = tact_json_get_object (rooms, section);
  if (map == NULL)
    {
      g_debug ("Skipping malformed rooms.%s", section);
      (*n_skipped)++;
      return;
    }

  json_object_iter_init (&iter, map);
  while (json_object_iter_next (&iter, &room_id, &node))
    {
      if (*room_id == '\0' || !JSON_NODE_HOLDS_OBJECT (node))
        {
          g_debug ("Skipping malformed room in rooms.%s", section);
          (*n_skipped)++;
          continue;
        }

      g_ptr_array_add (out, parser (room_id, json_node_get_object (node), n_skipped));
    }
}

TactSyncResponse *
tact_sync_response_parse (JsonNode  *root,
                          GError   **error)
{
  g_autoptr(TactSyncResponse) response = NULL;
  JsonObject *obj;
  JsonObject *rooms = NULL;
  const char *next_batch;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                           _("The sync response is not a JSON object"));
      return NULL;
    }

  obj = json_node_get_object (root);
  next_batch = tact_json_get_string (obj, "next_batch");
  if (next_batch == NULL)
    {
      g_set_error_literal (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                           _("The sync response has no next_batch token"));
      return NULL;
    }

  response = g_new0 (TactSyncResponse, 1);
  response->next_batch = g_strdup (next_batch);
  response->joined = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_sync_room_free);
  response->invited = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_sync_invite_free);
  response->left = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_sync_room_free);

  if (json_object_has_member (obj, "rooms"))
    {
      rooms = tact_json_get_object (obj, "rooms");
      if (rooms == NULL)
        {
          g_debug ("Skipping malformed “rooms”");
          response->n_skipped++;
        }
    }

  parse_room_map (rooms, "join", (RoomParser) parse_room, response->joined, &response->n_skipped);
  parse_room_map (rooms, "invite", (RoomParser) parse_invite, response->invited, &response->n_skipped);
  parse_room_map (rooms, "leave", (RoomParser) parse_room, response->left, &response->n_skipped);

  response->account_data =
    tact_matrix_parse_event_array (get_events_section (obj, "account_data", &response->n_skipped),
                                   NULL, FALSE, FALSE, &response->n_skipped);

  if (response->n_skipped > 0)
    g_message ("Sync response: skipped %u malformed items", response->n_skipped);

  return g_steal_pointer (&response);
}

TactSyncResponse *
tact_sync_response_parse_bytes (GBytes  *body,
                                GError **error)
{
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (body != NULL, NULL);

  root = tact_matrix_json_parse_bytes (body, TRUE, error);
  if (root == NULL)
    return NULL;

  return tact_sync_response_parse (root, error);
}

/* ---- /messages --------------------------------------------------------------------- */

void
tact_messages_page_free (TactMessagesPage *page)
{
  if (page == NULL)
    return;

  g_clear_pointer (&page->chunk, g_ptr_array_unref);
  g_clear_pointer (&page->state, g_ptr_array_unref);
  g_free (page->start);
  g_free (page->end);
  g_free (page);
}

TactMessagesPage *
tact_messages_page_parse (JsonNode  *root,
                          GError   **error)
{
  TactMessagesPage *page;
  JsonObject *obj;
  JsonArray *chunk;
  guint n_skipped = 0;

  obj = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  chunk = tact_json_get_array (obj, "chunk");
  if (chunk == NULL)
    {
      g_set_error_literal (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                           _("The message history response has no chunk"));
      return NULL;
    }

  page = g_new0 (TactMessagesPage, 1);
  page->chunk = tact_matrix_parse_event_array (chunk, NULL, TRUE, FALSE, &n_skipped);
  page->state = tact_matrix_parse_event_array (tact_json_get_array (obj, "state"),
                                               NULL, TRUE, TRUE, &n_skipped);
  page->start = g_strdup (tact_json_get_string (obj, "start"));
  page->end = g_strdup (tact_json_get_string (obj, "end"));

  if (n_skipped > 0)
    g_message ("Message history: skipped %u malformed events", n_skipped);

  return page;
}
