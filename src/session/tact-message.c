/* tact-message.c: a timeline entry: a received event, or a local echo of our own send. */
#include "tact-message.h"

struct _TactMessage
{
  GObject parent_instance;

  /* owned */
  char *event_id;     /* NULL until the server has it */
  char *txn_id;       /* our own sends only */
  char *sender;
  char *sender_name;
  char *body;
  char *error;        /* the server's reason when FAILED */
  char *msgtype;      /* content.msgtype ("m.text", "m.file", …), NULL when unknown */
  char *media_url;    /* a file's mxc:// URI, NULL for text and for files not uploaded yet */
  char *media_mime;   /* a file's info.mimetype, or NULL */

  gint64 timestamp;
  double progress;    /* a file's upload, 0..1 */
  double download_progress;   /* a file's download, 0..1 (0 when none is running) */
  gint64 media_size;  /* a file's info.size in bytes, -1 when unknown */
  TactSendState send_state;
  gboolean own;
  gboolean redacted;
  gboolean edited;    /* an m.replace from the sender changed the body */
};

G_DEFINE_FINAL_TYPE (TactMessage, tact_message, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_EVENT_ID,
  PROP_SENDER,
  PROP_SENDER_NAME,
  PROP_BODY,
  PROP_TIMESTAMP,
  PROP_SEND_STATE,
  PROP_ERROR,
  PROP_REDACTED,
  PROP_EDITED,
  PROP_PROGRESS,
  PROP_MEDIA_URL,
  PROP_DOWNLOAD_PROGRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tact_message_finalize (GObject *object)
{
  TactMessage *self = TACT_MESSAGE (object);

  g_free (self->event_id);
  g_free (self->txn_id);
  g_free (self->sender);
  g_free (self->sender_name);
  g_free (self->body);
  g_free (self->error);
  g_free (self->msgtype);
  g_free (self->media_url);
  g_free (self->media_mime);

  G_OBJECT_CLASS (tact_message_parent_class)->finalize (object);
}

static void
tact_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactMessage *self = TACT_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_EVENT_ID: g_value_set_string (value, self->event_id); break;
    case PROP_SENDER: g_value_set_string (value, self->sender); break;
    case PROP_SENDER_NAME: g_value_set_string (value, self->sender_name); break;
    case PROP_BODY: g_value_set_string (value, self->body); break;
    case PROP_TIMESTAMP: g_value_set_int64 (value, self->timestamp); break;
    case PROP_SEND_STATE: g_value_set_int (value, self->send_state); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_REDACTED: g_value_set_boolean (value, self->redacted); break;
    case PROP_EDITED: g_value_set_boolean (value, self->edited); break;
    case PROP_PROGRESS: g_value_set_double (value, self->progress); break;
    case PROP_MEDIA_URL: g_value_set_string (value, self->media_url); break;
    case PROP_DOWNLOAD_PROGRESS: g_value_set_double (value, self->download_progress); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_message_class_init (TactMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tact_message_finalize;
  object_class->get_property = tact_message_get_property;

  properties[PROP_EVENT_ID] = g_param_spec_string ("event-id", NULL, NULL, NULL, flags);
  properties[PROP_SENDER] = g_param_spec_string ("sender", NULL, NULL, NULL, flags);
  properties[PROP_SENDER_NAME] = g_param_spec_string ("sender-name", NULL, NULL, NULL, flags);
  properties[PROP_BODY] = g_param_spec_string ("body", NULL, NULL, NULL, flags);
  properties[PROP_TIMESTAMP] = g_param_spec_int64 ("timestamp", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SEND_STATE] = g_param_spec_int ("send-state", NULL, NULL,
                                                  TACT_SEND_STATE_SENT, TACT_SEND_STATE_AWAITING_APPROVAL,
                                                  TACT_SEND_STATE_SENT, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  /* The message was redacted: its text is gone (body ""). */
  properties[PROP_REDACTED] = g_param_spec_boolean ("redacted", NULL, NULL, FALSE, flags);
  /* The sender edited it (m.replace): the body is the newest version. */
  properties[PROP_EDITED] = g_param_spec_boolean ("edited", NULL, NULL, FALSE, flags);
  /* A file being sent: how much of it is uploaded (0 to 1). */
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0, flags);
  /* A file: its mxc:// URI once the server has it (an echo gets it after its upload). */
  properties[PROP_MEDIA_URL] = g_param_spec_string ("media-url", NULL, NULL, NULL, flags);
  /* A file being downloaded: how much of it has arrived (0 to 1). */
  properties[PROP_DOWNLOAD_PROGRESS] = g_param_spec_double ("download-progress", NULL, NULL,
                                                            0.0, 1.0, 0.0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_message_init (TactMessage *self)
{
  self->media_size = -1;
}

TactMessage *
tact_message_new (const char *event_id, const char *txn_id, const char *sender,
                  const char *sender_name, const char *body, gint64 timestamp_ms,
                  TactSendState send_state)
{
  TactMessage *self = g_object_new (TACT_TYPE_MESSAGE, NULL);

  self->event_id = g_strdup (event_id);
  self->txn_id = g_strdup (txn_id);
  self->sender = g_strdup (sender);
  self->sender_name = g_strdup (sender_name ? sender_name : sender);
  self->body = g_strdup (body ? body : "");
  self->timestamp = timestamp_ms;
  self->send_state = send_state;
  return self;
}

const char *tact_message_get_event_id (TactMessage *self) { return self->event_id; }
const char *tact_message_get_txn_id (TactMessage *self) { return self->txn_id; }
const char *tact_message_get_sender (TactMessage *self) { return self->sender; }
const char *tact_message_get_sender_name (TactMessage *self) { return self->sender_name; }
const char *tact_message_get_body (TactMessage *self) { return self->body; }
gint64 tact_message_get_timestamp (TactMessage *self) { return self->timestamp; }
TactSendState tact_message_get_send_state (TactMessage *self) { return self->send_state; }
const char *tact_message_get_error (TactMessage *self) { return self->error; }
gboolean tact_message_is_own (TactMessage *self) { return self->own; }
double tact_message_get_progress (TactMessage *self) { return self->progress; }
const char *tact_message_get_msgtype (TactMessage *self) { return self->msgtype; }
const char *tact_message_get_media_url (TactMessage *self) { return self->media_url; }
const char *tact_message_get_media_mime_type (TactMessage *self) { return self->media_mime; }
gint64 tact_message_get_media_size (TactMessage *self) { return self->media_size; }
double tact_message_get_download_progress (TactMessage *self) { return self->download_progress; }

gboolean
tact_message_is_file (TactMessage *self)
{
  return g_strcmp0 (self->msgtype, "m.file") == 0 || g_strcmp0 (self->msgtype, "m.image") == 0
         || g_strcmp0 (self->msgtype, "m.video") == 0 || g_strcmp0 (self->msgtype, "m.audio") == 0;
}

void
tact_message_set_media (TactMessage *self, const char *msgtype, const char *url,
                        const char *mime_type, gint64 size)
{
  g_free (self->msgtype);
  self->msgtype = g_strdup (msgtype);
  g_free (self->media_mime);
  self->media_mime = g_strdup (mime_type);
  self->media_size = size >= 0 ? size : -1;
  tact_message_set_media_url (self, url);
}

void
tact_message_set_media_url (TactMessage *self, const char *url)
{
  if (g_strcmp0 (self->media_url, url) == 0)
    return;
  g_free (self->media_url);
  self->media_url = g_strdup (url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEDIA_URL]);
}

void
tact_message_set_download_progress (TactMessage *self, double progress)
{
  progress = CLAMP (progress, 0.0, 1.0);
  if (self->download_progress == progress)
    return;
  self->download_progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_PROGRESS]);
}

void
tact_message_set_progress (TactMessage *self, double progress)
{
  progress = CLAMP (progress, 0.0, 1.0);
  if (self->progress == progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

void
tact_message_set_own (TactMessage *self, gboolean own)
{
  self->own = !!own;
}

static void
set_state (TactMessage *self, TactSendState state)
{
  if (self->send_state == state)
    return;
  self->send_state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEND_STATE]);
}

void
tact_message_mark_sent (TactMessage *self, const char *event_id)
{
  if (event_id && g_strcmp0 (self->event_id, event_id) != 0)
    {
      g_free (self->event_id);
      self->event_id = g_strdup (event_id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EVENT_ID]);
    }
  g_clear_pointer (&self->error, g_free);
  set_state (self, TACT_SEND_STATE_SENT);
}

void
tact_message_mark_failed (TactMessage *self, const char *error_message)
{
  g_free (self->error);
  self->error = g_strdup (error_message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  set_state (self, TACT_SEND_STATE_FAILED);
}

void
tact_message_mark_held (TactMessage *self, const char *reason)
{
  g_free (self->error);
  self->error = g_strdup (reason);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  set_state (self, TACT_SEND_STATE_HELD);
}

void
tact_message_mark_awaiting (TactMessage *self, const char *note)
{
  g_free (self->error);
  self->error = g_strdup (note);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  set_state (self, TACT_SEND_STATE_AWAITING_APPROVAL);
}

void
tact_message_mark_pending (TactMessage *self)
{
  g_clear_pointer (&self->error, g_free);
  set_state (self, TACT_SEND_STATE_PENDING);
}

gboolean tact_message_is_redacted (TactMessage *self) { return self->redacted; }

void
tact_message_mark_redacted (TactMessage *self)
{
  if (self->redacted)
    return;
  self->redacted = TRUE;
  g_free (self->body);
  self->body = g_strdup ("");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BODY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REDACTED]);
}

void
tact_message_apply_edit (TactMessage *self, const char *body)
{
  g_return_if_fail (TACT_IS_MESSAGE (self));

  if (self->redacted || body == NULL)
    return;
  if (g_strcmp0 (self->body, body) != 0)
    {
      g_free (self->body);
      self->body = g_strdup (body);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BODY]);
    }
  if (!self->edited)
    {
      self->edited = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITED]);
    }
}

gboolean
tact_message_is_edited (TactMessage *self)
{
  g_return_val_if_fail (TACT_IS_MESSAGE (self), FALSE);
  return self->edited;
}
