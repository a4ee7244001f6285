/* tact-send-check.c: one outgoing action, judged by the guard; and the event content it becomes. */
#include <glib/gi18n-lib.h>

#include "tact-send-check-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "matrix/tact-matrix.h"

G_DEFINE_BOXED_TYPE (TactSendCheck, tact_send_check, tact_send_check_ref, tact_send_check_unref)

TactSendCheck *
tact_send_check_new (TactSendKind kind, const char *room_id)
{
  TactSendCheck *check = g_new0 (TactSendCheck, 1);

  g_atomic_ref_count_init (&check->ref);
  check->kind = kind;
  check->room_id = g_strdup (room_id);
  return check;
}

TactSendCheck *
tact_send_check_ref (TactSendCheck *check)
{
  g_return_val_if_fail (check != NULL, NULL);
  g_atomic_ref_count_inc (&check->ref);
  return check;
}

void
tact_send_check_unref (TactSendCheck *check)
{
  g_return_if_fail (check != NULL);
  if (!g_atomic_ref_count_dec (&check->ref))
    return;
  if (check->staged_path)
    g_remove (check->staged_path);   /* checked but never sent */
  g_free (check->staged_path);
  g_free (check->room_id);
  g_free (check->text);
  g_free (check->file_name);
  g_free (check->mime_type);
  g_clear_pointer (&check->bytes, g_bytes_unref);
  g_clear_pointer (&check->verdict, tact_verdict_free);
  g_clear_object (&check->profile);
  g_free (check->txn_id);
  g_free (check->relates_to);
  g_free (check->quoted);
  g_free (check->quoted_sender);
  g_free (check->topic);
  g_strfreev (check->invitees);
  g_free (check);
}

TactSendKind tact_send_check_get_kind (TactSendCheck *check) { return check->kind; }
const char *tact_send_check_get_room_id (TactSendCheck *check) { return check->room_id; }
const TactVerdict *tact_send_check_get_verdict (TactSendCheck *check) { return check->verdict; }
const char *tact_send_check_get_text (TactSendCheck *check) { return check->text; }
const char *tact_send_check_get_file_name (TactSendCheck *check) { return check->file_name; }
const char *tact_send_check_get_mime_type (TactSendCheck *check) { return check->mime_type; }
GBytes *tact_send_check_get_bytes (TactSendCheck *check) { return check->bytes; }
guint tact_send_check_get_external_count (TactSendCheck *check) { return check->audience.external_count; }
gboolean tact_send_check_needs_consent (TactSendCheck *check) { return check->needs_consent; }
void tact_send_check_set_consent (TactSendCheck *check, gboolean agreed) { check->consent = agreed; }
guint tact_send_check_get_member_count (TactSendCheck *check) { return check->audience.member_count; }

/* ---- Event content --------------------------------------------------------------- */

JsonNode *
tact_send_content_text (const char *text)
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

static JsonObject *
relation (const char *rel_type, const char *event_id)
{
  JsonObject *relates = json_object_new ();

  if (rel_type)
    json_object_set_string_member (relates, "rel_type", rel_type);
  json_object_set_string_member (relates, "event_id", event_id);
  return relates;
}

JsonNode *
tact_send_check_build_content (TactSendCheck *check, const char **event_type, const char **state_key)
{
  g_autoptr(JsonObject) content = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  *event_type = "m.room.message";
  *state_key = NULL;
  switch (check->kind)
    {
    case TACT_SEND_KIND_REPLY:
      {
        JsonObject *relates = json_object_new ();
        g_autofree char *body = g_strdup_printf ("%s\n\n%s", check->quoted, check->text);

        json_object_set_string_member (content, "msgtype", "m.text");
        json_object_set_string_member (content, "body", body);
        json_object_set_object_member (relates, "m.in_reply_to", relation (NULL, check->relates_to));
        json_object_set_object_member (content, "m.relates_to", relates);
      }
      break;
    case TACT_SEND_KIND_EDIT:
      {
        JsonObject *new_content = json_object_new ();
        g_autofree char *body = g_strconcat ("* ", check->text, NULL);

        json_object_set_string_member (content, "msgtype", "m.text");
        json_object_set_string_member (content, "body", body);
        json_object_set_string_member (new_content, "msgtype", "m.text");
        json_object_set_string_member (new_content, "body", check->text);
        json_object_set_object_member (content, "m.new_content", new_content);
        json_object_set_object_member (content, "m.relates_to", relation ("m.replace", check->relates_to));
      }
      break;
    case TACT_SEND_KIND_REACTION:
      {
        JsonObject *relates = relation ("m.annotation", check->relates_to);

        json_object_set_string_member (relates, "key", check->text);
        json_object_set_object_member (content, "m.relates_to", relates);
        *event_type = "m.reaction";
      }
      break;
    case TACT_SEND_KIND_TOPIC:
      json_object_set_string_member (content, "topic", check->text);
      *event_type = "m.room.topic";
      *state_key = "";
      break;
    case TACT_SEND_KIND_ROOM_NAME:
      json_object_set_string_member (content, "name", check->text);
      *event_type = "m.room.name";
      *state_key = "";
      break;
    case TACT_SEND_KIND_TEXT:
    case TACT_SEND_KIND_FORWARD:
    default:
      json_object_set_string_member (content, "msgtype", "m.text");
      json_object_set_string_member (content, "body", check->text ? check->text : "");
      break;
    }
  json_node_set_object (node, content);
  return node;
}

const char *
tact_send_content_judged_text (const char *event_type, JsonObject *content)
{
  const char *text = NULL;

  if (g_strcmp0 (event_type, "m.reaction") == 0)
    text = tact_json_get_string (tact_json_get_object (content, "m.relates_to"), "key");
  else if (g_strcmp0 (event_type, "m.room.topic") == 0)
    text = tact_json_get_string (content, "topic");
  else if (g_strcmp0 (event_type, "m.room.name") == 0)
    text = tact_json_get_string (content, "name");
  else
    text = tact_json_get_string (content, "body");   /* an edit's "* new" body holds the new text */
  return text ? text : "";
}

const char *
tact_send_file_msgtype (const char *mime_type)
{
  return mime_type && g_str_has_prefix (mime_type, "image/") ? "m.image" : "m.file";
}

JsonNode *
tact_send_content_file (const char *name, const char *mime_type, gsize size, const char *local_path)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "msgtype");
  json_builder_add_string_value (builder, tact_send_file_msgtype (mime_type));
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "info");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mimetype");
  json_builder_add_string_value (builder, mime_type);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) size);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, TACT_SEND_LOCAL_PATH_KEY);
  json_builder_add_string_value (builder, local_path);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

char *
tact_send_dup_outbox_media_path (const char *txn_id)
{
  return g_build_filename (g_get_user_data_dir (), "tact", "outbox-media", txn_id, NULL);
}

gboolean
tact_send_write_private_copy (const char *path, GBytes *bytes, GError **error)
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
