/* tact-matrix-client.c: TactMatrixClient, the HTTP layer and the client-server endpoints.
 *
 * One SoupSession per client. Every request is a Request (method, path of escaped
 * segments, query, body, auth flag, timeout) sent by send_request(), which:
 *  - adds "Authorization: Bearer" (the token never appears in a URL or a log line);
 *  - runs its own timeout (the session's socket timeout is off, so /sync can long-poll
 *    longer than any fixed I/O timeout), and reports it as TACT_MATRIX_ERROR_NETWORK;
 *  - maps transport failures to TACT_MATRIX_ERROR_NETWORK and keeps cancellation as
 *    G_IO_ERROR_CANCELLED.
 * Endpoints that return one small JSON value go through call_json() with a ResultSpec
 * that extracts the result; /sync parses its (possibly large) body in a worker thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tact-matrix-private.h"
#include "tact-media-cache.h"

#define CLIENT_API          "/_matrix/client/v3"
#define DEFAULT_TIMEOUT_S   60u
#define MEDIA_TIMEOUT_S     300u
#define SYNC_GRACE_S        30u    /* on top of the long-poll timeout */
#define READ_CHUNK          (64 * 1024)

struct _TactMatrixClient
{
  GObject      parent_instance;

  /* all owned */
  SoupSession *session;
  char        *homeserver;     /* client API base URL, no trailing slash */
  char        *user_id;
  char        *device_id;
  char        *access_token;   /* never logged */
  char        *server_name;    /* derived from user_id */
  GStrv        versions;       /* cached /versions, or NULL */
  TactMediaCache *media_cache; /* or NULL */
  /* settings */
  guint        request_timeout_ms;   /* ordinary requests; 0: DEFAULT_TIMEOUT_S */
};

G_DEFINE_FINAL_TYPE (TactMatrixClient, tact_matrix_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOMESERVER,
  PROP_USER_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- Helpers -------------------------------------------------------------------- */

char *
tact_matrix_escape_path_segment (const char *segment)
{
  g_return_val_if_fail (segment != NULL, NULL);

  /* No reserved characters allowed: everything but ALPHA DIGIT - . _ ~ is escaped,
   * including ! # : @ $ / ? and non-ASCII bytes. */
  return g_uri_escape_string (segment, NULL, FALSE);
}

static char *
strip_trailing_slashes (const char *url)
{
  char *copy = g_strstrip (g_strdup (url));
  gsize len = strlen (copy);

  while (len > 0 && copy[len - 1] == '/')
    copy[--len] = '\0';

  return copy;
}

static void
append_query (GString    *query,
              const char *key,
              const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL)
    return;

  escaped = g_uri_escape_string (value, NULL, FALSE);
  g_string_append_printf (query, "%s%s=%s", query->len > 0 ? "&" : "", key, escaped);
}

static JsonNode *
node_from_object (JsonObject *obj)
{
  return json_node_init_object (json_node_alloc (), obj);
}

/* Parses "vMAJOR.MINOR"; r0.x and anything else give FALSE. */
static gboolean
parse_version (const char *version,
               guint64    *major,
               guint64    *minor)
{
  g_auto(GStrv) parts = NULL;

  if (version == NULL || version[0] != 'v')
    return FALSE;

  parts = g_strsplit (version + 1, ".", 3);
  if (g_strv_length (parts) != 2)
    return FALSE;

  return g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT32, major, NULL) &&
         g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT32, minor, NULL);
}

static gboolean
versions_support (const char * const *versions,
                  const char         *wanted)
{
  guint64 want_major, want_minor;

  if (versions == NULL || !parse_version (wanted, &want_major, &want_minor))
    return FALSE;

  for (gsize i = 0; versions[i] != NULL; i++)
    {
      guint64 major, minor;

      if (!parse_version (versions[i], &major, &minor))
        continue;
      if (major > want_major || (major == want_major && minor >= want_minor))
        return TRUE;
    }

  return FALSE;
}

static GError *
bad_response (const char *what)
{
  return g_error_new (TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                      /* Translators: %s is a JSON field name such as "event_id" */
                      _("The server’s response has no valid “%s”"), what);
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
tact_matrix_client_finalize (GObject *object)
{
  TactMatrixClient *self = TACT_MATRIX_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->homeserver, g_free);
  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->access_token, g_free);
  g_clear_pointer (&self->server_name, g_free);
  g_clear_pointer (&self->versions, g_strfreev);
  g_clear_object (&self->media_cache);

  G_OBJECT_CLASS (tact_matrix_client_parent_class)->finalize (object);
}

static void
tact_matrix_client_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  TactMatrixClient *self = TACT_MATRIX_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOMESERVER:
      g_value_set_string (value, self->homeserver);
      break;
    case PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_matrix_client_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  TactMatrixClient *self = TACT_MATRIX_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOMESERVER:
      g_free (self->homeserver);
      self->homeserver = strip_trailing_slashes (g_value_get_string (value) ?: "");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_matrix_client_class_init (TactMatrixClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tact_matrix_client_finalize;
  object_class->get_property = tact_matrix_client_get_property;
  object_class->set_property = tact_matrix_client_set_property;

  properties[PROP_HOMESERVER] =
    g_param_spec_string ("homeserver", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_matrix_client_init (TactMatrixClient *self)
{
  /* timeout 0: no socket I/O timeout; send_async() runs a per-request timer instead,
   * so a /sync long-poll can outlast it. */
  self->session = soup_session_new_with_options ("timeout", 0,
                                                 "user-agent", "Tact/" TACT_VERSION,
                                                 NULL);
}

TactMatrixClient *
tact_matrix_client_new (const char *homeserver_url)
{
  g_return_val_if_fail (homeserver_url != NULL, NULL);

  return g_object_new (TACT_TYPE_MATRIX_CLIENT, "homeserver", homeserver_url, NULL);
}

const char *
tact_matrix_client_get_homeserver (TactMatrixClient *self)
{
  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (self), NULL);
  return self->homeserver;
}

const char *
tact_matrix_client_get_user_id (TactMatrixClient *self)
{
  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (self), NULL);
  return self->user_id;
}

const char *
tact_matrix_client_get_device_id (TactMatrixClient *self)
{
  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (self), NULL);
  return self->device_id;
}

const char *
tact_matrix_client_get_access_token (TactMatrixClient *self)
{
  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (self), NULL);
  return self->access_token;
}

const char *
tact_matrix_client_get_server_name (TactMatrixClient *self)
{
  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (self), NULL);
  return self->server_name;
}

SoupSession *
tact_matrix_client_get_session (TactMatrixClient *self)
{
  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (self), NULL);
  return self->session;
}

const char * const *
tact_matrix_client_get_versions (TactMatrixClient *self)
{
  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (self), NULL);
  return (const char * const *) self->versions;
}

gboolean
tact_matrix_client_supports_version (TactMatrixClient *self,
                                     const char       *version)
{
  g_return_val_if_fail (TACT_IS_MATRIX_CLIENT (self), FALSE);
  return versions_support ((const char * const *) self->versions, version);
}

void
tact_matrix_client_set_media_cache (TactMatrixClient *self,
                                    TactMediaCache   *cache)
{
  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (cache == NULL || TACT_IS_MEDIA_CACHE (cache));

  g_set_object (&self->media_cache, cache);
}

void
tact_matrix_client_set_request_timeout (TactMatrixClient *self,
                                        guint             timeout_ms)
{
  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));

  self->request_timeout_ms = timeout_ms;
}

void
tact_matrix_client_set_credentials (TactMatrixClient *self,
                                    const char       *user_id,
                                    const char       *device_id,
                                    const char       *access_token)
{
  const char *colon;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));

  g_free (self->device_id);
  self->device_id = g_strdup (device_id);
  g_free (self->access_token);
  self->access_token = g_strdup (access_token);

  if (g_strcmp0 (self->user_id, user_id) != 0)
    {
      g_free (self->user_id);
      self->user_id = g_strdup (user_id);

      /* The server name is everything after the first ':' ("@me:corp.test:8448"). */
      colon = user_id != NULL ? strchr (user_id, ':') : NULL;
      g_free (self->server_name);
      self->server_name = colon != NULL ? g_strdup (colon + 1) : NULL;

      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_ID]);
    }
}

/* ---- The HTTP layer ---------------------------------------------------------------- */

/* A transfer's progress reporting. */
typedef struct {
  /* owned */
  TactMatrixProgressFunc func;
  gpointer               data;      /* released with @destroy */
  GDestroyNotify         destroy;
  /* state */
  goffset                done;
  goffset                total;     /* -1: unknown */
} Progress;

static Progress *
progress_new (TactMatrixProgressFunc func,
              gpointer               data,
              GDestroyNotify         destroy)
{
  Progress *progress;

  if (func == NULL)
    {
      if (destroy != NULL)
        destroy (data);
      return NULL;
    }

  progress = g_new0 (Progress, 1);
  progress->func = func;
  progress->data = data;
  progress->destroy = destroy;
  progress->total = -1;
  return progress;
}

static void
progress_free (Progress *progress)
{
  if (progress == NULL)
    return;
  if (progress->destroy != NULL)
    progress->destroy (progress->data);
  g_free (progress);
}

static void
progress_report (Progress *progress,
                 gsize     n_bytes)
{
  progress->done += n_bytes;
  progress->func (progress->done, progress->total, progress->data);
}

static void
progress_closure_notify (gpointer  data,
                         GClosure *closure)
{
  progress_free (data);
}

/* SoupMessage::wrote-body-data, emitted on the session's (the caller's) context. */
static void
upload_wrote_body_data_cb (SoupMessage *msg,
                           guint        chunk_size,
                           Progress    *progress)
{
  progress_report (progress, chunk_size);
}

/* One request to the homeserver. Written with designated initialisers; what is left out
 * is zero: no query, no body, no token, DEFAULT_TIMEOUT_S. */
typedef struct {
  /* all borrowed */
  const char *method;
  const char *path;          /* starts with "/_matrix/" (segments escaped, see build_path) */
  const char *query;         /* already encoded, or NULL */
  JsonObject *json;          /* body sent as application/json, or NULL */
  GBytes     *bytes;         /* raw body when there is no @json, or NULL */
  const char *content_type;  /* of @bytes; NULL means application/octet-stream */
  /* flags */
  gboolean    auth;          /* send the token; fails with NOT_LOGGED_IN when there is none */
  guint       timeout_s;     /* 0 means the client's request timeout */
  /* owned: taken by send_request() (even when it fails), or NULL */
  Progress   *upload_progress;
  Progress   *download_progress;
} Request;

/* Expands @template, where each "%s" stands for the next (const char *) argument escaped
 * as one path segment, so an id holding "/" or "?" cannot change the URL's shape. */
static char *
build_path (const char *template,
            ...)
{
  GString *path = g_string_new (NULL);
  va_list args;

  va_start (args, template);
  for (const char *p = template; *p != '\0'; p++)
    {
      if (p[0] == '%' && p[1] == 's')
        {
          g_autofree char *segment = tact_matrix_escape_path_segment (va_arg (args, const char *));

          g_string_append (path, segment);
          p++;
        }
      else
        g_string_append_c (path, *p);
    }
  va_end (args);

  return g_string_free (path, FALSE);
}

static GError *
not_logged_in_error (void)
{
  return g_error_new_literal (TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NOT_LOGGED_IN,
                              _("Not logged in"));
}


/* A request body that survives libsoup restarting the message. libsoup 3.2 re-sends an
 * idempotent request (PUT) by itself when a kept-alive connection closes under it, but the
 * body stream it made from our bytes has been read by then, so the second attempt went out
 * EMPTY: a send arrived as an event with no content. Setting the body again on "restarted"
 * makes every attempt carry the same bytes. */
typedef struct {
  char   *content_type;
  GBytes *bytes;
} RequestBody;

static void
request_body_free (gpointer data, GClosure *closure)
{
  RequestBody *body = data;

  g_free (body->content_type);
  g_bytes_unref (body->bytes);
  g_free (body);
}

static void
request_restarted_cb (SoupMessage *msg, RequestBody *body)
{
  soup_message_set_request_body_from_bytes (msg, body->content_type, body->bytes);
}

static void
set_request_body (SoupMessage *msg, const char *content_type, GBytes *bytes)
{
  RequestBody *body = g_new0 (RequestBody, 1);

  body->content_type = g_strdup (content_type);
  body->bytes = g_bytes_ref (bytes);
  soup_message_set_request_body_from_bytes (msg, content_type, bytes);
  g_signal_connect_data (msg, "restarted", G_CALLBACK (request_restarted_cb), body,
                         request_body_free, 0);
}

static SoupMessage *
build_message (TactMatrixClient  *self,
               const Request     *req,
               GError           **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;

  if (req->auth && self->access_token == NULL)
    {
      g_propagate_error (error, not_logged_in_error ());
      return NULL;
    }

  url = g_strconcat (self->homeserver, req->path,
                     req->query != NULL && *req->query != '\0' ? "?" : "",
                     req->query != NULL ? req->query : "", NULL);
  msg = soup_message_new (req->method, url);
  if (msg == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid homeserver address"), self->homeserver);
      return NULL;
    }

  if (req->auth)
    {
      g_autofree char *value = g_strconcat ("Bearer ", self->access_token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg),
                                    "Authorization", value);
    }

  if (req->json != NULL)
    {
      g_autoptr(JsonNode) node = node_from_object (req->json);
      char *text = json_to_string (node, FALSE);
      gsize len = strlen (text);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, len);

      set_request_body (msg, "application/json", bytes);
    }
  else if (req->bytes != NULL)
    {
      set_request_body (msg, req->content_type != NULL ? req->content_type : "application/octet-stream",
                        req->bytes);
    }

  return g_steal_pointer (&msg);
}


typedef struct {
  /* owned */
  SoupMessage  *msg;
  GCancellable *inner;          /* cancelled by the caller's cancellable or the timer */
  GCancellable *outer;          /* the caller's, or NULL */
  GSource      *timer;
  GInputStream *stream;         /* the response body, while it is read */
  GByteArray   *buffer;         /* the body read so far */
  Progress     *progress;       /* download progress, or NULL */
  /* state */
  gulong        outer_handler;
  gboolean      timed_out;
} SendData;

static void
send_data_free (SendData *data)
{
  if (data->outer != NULL && data->outer_handler != 0)
    g_cancellable_disconnect (data->outer, data->outer_handler);
  g_clear_object (&data->outer);
  if (data->timer != NULL)
    g_source_destroy (data->timer);
  g_clear_pointer (&data->timer, g_source_unref);
  g_clear_object (&data->stream);
  g_clear_pointer (&data->buffer, g_byte_array_unref);
  g_clear_pointer (&data->progress, progress_free);
  g_clear_object (&data->inner);
  g_clear_object (&data->msg);
  g_free (data);
}

static void
send_outer_cancelled_cb (GCancellable *outer,
                         GCancellable *inner)
{
  g_cancellable_cancel (inner);
}

static gboolean
send_timeout_cb (gpointer user_data)
{
  SendData *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->inner);
  return G_SOURCE_REMOVE;
}

/* Completes @task (transfer full) with the transport failure @error. */
static void
send_fail (GTask  *task,
           GError *error)
{
  SendData *data = g_task_get_task_data (task);

  if (data->timer != NULL)
    g_source_destroy (data->timer);

  if (data->timed_out)
    {
      g_autoptr(GError) cause = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                     _("The request timed out"));
      g_task_return_error (task, tact_matrix_error_new_network (g_steal_pointer (&cause)));
      g_clear_error (&error);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, error);
  else
    g_task_return_error (task, tact_matrix_error_new_network (error));
  g_object_unref (task);
}

static void send_read_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
send_read_next (GTask *task)
{
  SendData *data = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   data->inner, send_read_cb, task);
}

static void
send_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  GError *error = NULL;
  gsize len;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      send_fail (task, error);
      return;
    }

  len = g_bytes_get_size (chunk);
  if (len > 0)
    {
      g_byte_array_append (data->buffer, g_bytes_get_data (chunk, NULL), len);
      if (data->progress != NULL)
        progress_report (data->progress, len);
      send_read_next (task);
      return;
    }

  /* End of the body. */
  if (data->timer != NULL)
    g_source_destroy (data->timer);
  g_input_stream_close (data->stream, NULL, NULL);
  g_debug ("%s → HTTP %u", soup_message_get_method (data->msg),
           soup_message_get_status (data->msg));
  g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&data->buffer)),
                         (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);
}

static void
send_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  SendData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->stream == NULL)
    {
      send_fail (task, error);
      return;
    }

  if (data->progress != NULL)
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (data->msg);

      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
        data->progress->total = soup_message_headers_get_content_length (headers);
    }

  data->buffer = g_byte_array_new ();
  send_read_next (task);
}

/* Sends @msg (transfer full) and reads the whole body, whatever the HTTP status, in
 * chunks (reporting them to @progress, transfer full, when there is one). */
static void
send_async (TactMatrixClient    *self,
            SoupMessage         *msg,
            guint                timeout_ms,
            Progress            *progress,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task;
  SendData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, send_async);

  data = g_new0 (SendData, 1);
  data->msg = msg;
  data->inner = g_cancellable_new ();
  data->progress = progress;
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  if (cancellable != NULL)
    {
      data->outer = g_object_ref (cancellable);
      data->outer_handler = g_cancellable_connect (cancellable,
                                                   G_CALLBACK (send_outer_cancelled_cb),
                                                   g_object_ref (data->inner),
                                                   g_object_unref);
    }

  data->timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (data->timer, send_timeout_cb, data, NULL);
  g_source_attach (data->timer, g_main_context_get_thread_default ());

  soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT, data->inner,
                           send_sent_cb, task);
}

/* Returns the body (maybe empty) of any HTTP response; *msg_out borrows the message. */
static GBytes *
send_finish (TactMatrixClient  *self,
             GAsyncResult      *result,
             SoupMessage      **msg_out,
             GError           **error)
{
  SendData *data = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == send_async, NULL);

  *msg_out = data->msg;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
status_ok (SoupMessage *msg)
{
  guint status = soup_message_get_status (msg);
  return status >= 200 && status < 300;
}

/* The Matrix/HTTP error for a non-2xx response. */
static GError *
error_from_response (SoupMessage *msg,
                     GBytes      *body)
{
  return tact_matrix_error_new_from_response (soup_message_get_status (msg),
                                              soup_message_get_response_headers (msg),
                                              body);
}

/* Like send_finish(), but only a 2xx body is returned; any other status gives its error. */
static GBytes *
send_finish_ok (TactMatrixClient  *self,
                GAsyncResult      *result,
                SoupMessage      **msg_out,
                GError           **error)
{
  g_autoptr(GBytes) body = send_finish (self, result, msg_out, error);

  if (body != NULL && !status_ok (*msg_out))
    {
      g_propagate_error (error, error_from_response (*msg_out, body));
      return NULL;
    }

  return g_steal_pointer (&body);
}

/* Sends @req on behalf of @task (transfer full); @callback gets send_async()'s result
 * with @task as its user data. A request that cannot be built completes @task at once. */
static void
send_request (TactMatrixClient    *self,
              const Request       *req,
              GTask               *task,
              GAsyncReadyCallback  callback)
{
  g_autoptr(GError) error = NULL;
  SoupMessage *msg;
  guint timeout_ms;

  msg = build_message (self, req, &error);
  if (msg == NULL)
    {
      progress_free (req->upload_progress);
      progress_free (req->download_progress);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  if (req->upload_progress != NULL)
    {
      /* The handler owns the progress: released with the message. */
      req->upload_progress->total = req->bytes != NULL ? (goffset) g_bytes_get_size (req->bytes) : -1;
      g_signal_connect_data (msg, "wrote-body-data", G_CALLBACK (upload_wrote_body_data_cb),
                             req->upload_progress, progress_closure_notify, 0);
    }

  if (req->timeout_s != 0)
    timeout_ms = req->timeout_s * 1000;
  else if (self->request_timeout_ms != 0)
    timeout_ms = self->request_timeout_ms;
  else
    timeout_ms = DEFAULT_TIMEOUT_S * 1000;

  send_async (self, msg, timeout_ms, req->download_progress,
              g_task_get_cancellable (task), callback, task);
}

/* ---- Simple JSON calls ---------------------------------------------------------- */

/* Turns the parsed 2xx body into the task's result (NULL + error on failure). */
typedef gpointer (*ResultFunc) (TactMatrixClient  *self,
                                JsonNode          *root,
                                const char        *member,
                                GError           **error);

/* What an endpoint makes of its response; one static const instance per kind. */
typedef struct {
  ResultFunc      func;
  const char     *member;       /* static string for @func, or NULL */
  GDestroyNotify  result_free;
  gboolean        want_object;  /* the body must be a JSON object */
} ResultSpec;

static void
call_json_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TactMatrixClient *self = TACT_MATRIX_CLIENT (source);
  g_autoptr(GTask) task = user_data;
  const ResultSpec *spec = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg;
  gpointer value;

  body = send_finish_ok (self, result, &msg, &error);
  if (body != NULL)
    root = tact_matrix_json_parse_bytes (body, spec->want_object, &error);
  if (root == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  value = spec->func (self, root, spec->member, &error);
  if (value == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, value, spec->result_free);
}

/* Sends @req for @task (transfer full, source tag already set) and completes it with
 * what @spec makes of the 2xx JSON body. */
static void
call_json (TactMatrixClient *self,
           GTask            *task,
           const Request    *req,
           const ResultSpec *spec)
{
  /* static const: borrowed, nothing to free */
  g_task_set_task_data (task, (gpointer) spec, NULL);
  send_request (self, req, task, call_json_cb);
}

/* Result functions */

static gpointer
result_string_member (TactMatrixClient  *self,
                      JsonNode          *root,
                      const char        *member,
                      GError           **error)
{
  const char *value = tact_json_get_string (json_node_get_object (root), member);

  if (value == NULL || *value == '\0')
    {
      g_propagate_error (error, bad_response (member));
      return NULL;
    }

  return g_strdup (value);
}

#define STRING_MEMBER_RESULT(member) { result_string_member, member, g_free, TRUE }

static const ResultSpec user_id_result = STRING_MEMBER_RESULT ("user_id");
static const ResultSpec filter_id_result = STRING_MEMBER_RESULT ("filter_id");
static const ResultSpec room_id_result = STRING_MEMBER_RESULT ("room_id");
static const ResultSpec event_id_result = STRING_MEMBER_RESULT ("event_id");
static const ResultSpec content_uri_result = STRING_MEMBER_RESULT ("content_uri");

static gpointer
result_true (TactMatrixClient  *self,
             JsonNode          *root,
             const char        *member,
             GError           **error)
{
  return GINT_TO_POINTER (TRUE);
}

static const ResultSpec success_result = { result_true, NULL, NULL, TRUE };

/* For boolean operations: call_json results are non-NULL on success. */
static gboolean
propagate_success (GAsyncResult  *result,
                   GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error) != NULL;
}

static gboolean
check_result (TactMatrixClient *self,
              GAsyncResult     *result,
              gpointer          source_tag)
{
  return g_task_is_valid (result, self) &&
         g_task_get_source_tag (G_TASK (result)) == source_tag;
}

/* Stores user_id, device_id and access_token from a login or register response. */
static gboolean
take_credentials (TactMatrixClient  *self,
                  JsonObject        *obj,
                  GError           **error)
{
  static const char * const required[] = { "user_id", "access_token", "device_id" };

  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      const char *value = tact_json_get_string (obj, required[i]);

      if (value == NULL || *value == '\0')
        {
          g_propagate_error (error, bad_response (required[i]));
          return FALSE;
        }
    }

  tact_matrix_client_set_credentials (self,
                                      tact_json_get_string (obj, "user_id"),
                                      tact_json_get_string (obj, "device_id"),
                                      tact_json_get_string (obj, "access_token"));
  return TRUE;
}

/* ---- /versions ------------------------------------------------------------------- */

static gpointer
result_versions (TactMatrixClient  *self,
                 JsonNode          *root,
                 const char        *member,
                 GError           **error)
{
  JsonArray *array = tact_json_get_array (json_node_get_object (root), "versions");
  g_autoptr(GPtrArray) versions = NULL;
  guint n_skipped = 0;

  if (array == NULL)
    {
      g_propagate_error (error, bad_response ("versions"));
      return NULL;
    }

  versions = g_ptr_array_new_with_free_func (g_free);
  /* reuse the string collector's semantics: non-strings are ignored */
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_ptr_array_add (versions, g_strdup (json_node_get_string (node)));
      else
        n_skipped++;
    }
  g_ptr_array_add (versions, NULL);

  if (!versions_support ((const char * const *) versions->pdata, "v1.1"))
    {
      g_set_error (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNSUPPORTED_SERVER,
                   _("The server at %s is too old: it does not support Matrix 1.1 or later"),
                   self->homeserver);
      return NULL;
    }

  g_clear_pointer (&self->versions, g_strfreev);
  self->versions = g_strdupv ((GStrv) versions->pdata);

  return g_ptr_array_free (g_steal_pointer (&versions), FALSE);
}

static const ResultSpec versions_result = {
  result_versions, NULL, (GDestroyNotify) g_strfreev, TRUE
};

void
tact_matrix_client_versions_async (TactMatrixClient    *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_versions_async);

  call_json (self, task,
             &(Request) { .method = "GET", .path = "/_matrix/client/versions" },
             &versions_result);
}

char **
tact_matrix_client_versions_finish (TactMatrixClient  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_versions_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Login, whoami, logout ------------------------------------------------------ */

static gpointer
result_login (TactMatrixClient  *self,
              JsonNode          *root,
              const char        *member,
              GError           **error)
{
  return take_credentials (self, json_node_get_object (root), error) ? GINT_TO_POINTER (TRUE) : NULL;
}

static const ResultSpec login_result = { result_login, NULL, NULL, TRUE };

void
tact_matrix_client_login_async (TactMatrixClient    *self,
                                const char          *user,
                                const char          *password,
                                const char          *device_id,
                                const char          *device_display_name,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonObject) body = NULL;
  JsonObject *identifier;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (user != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_login_async);

  body = json_object_new ();
  identifier = json_object_new ();
  json_object_set_string_member (body, "type", "m.login.password");
  json_object_set_string_member (identifier, "type", "m.id.user");
  json_object_set_string_member (identifier, "user", user);
  json_object_set_object_member (body, "identifier", identifier);
  json_object_set_string_member (body, "password", password);
  if (device_id != NULL)
    json_object_set_string_member (body, "device_id", device_id);
  if (device_display_name != NULL)
    json_object_set_string_member (body, "initial_device_display_name", device_display_name);

  call_json (self, task,
             &(Request) { .method = "POST", .path = CLIENT_API "/login", .json = body },
             &login_result);
}

gboolean
tact_matrix_client_login_finish (TactMatrixClient  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_login_async), FALSE);
  return propagate_success (result, error);
}

void
tact_matrix_client_whoami_async (TactMatrixClient    *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_whoami_async);

  call_json (self, task,
             &(Request) { .method = "GET", .path = CLIENT_API "/account/whoami", .auth = TRUE },
             &user_id_result);
}

char *
tact_matrix_client_whoami_finish (TactMatrixClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_whoami_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
result_logout (TactMatrixClient  *self,
               JsonNode          *root,
               const char        *member,
               GError           **error)
{
  /* The token is dead on the server now; forget it (user and device stay for display). */
  g_clear_pointer (&self->access_token, g_free);
  return GINT_TO_POINTER (TRUE);
}

static const ResultSpec logout_result = { result_logout, NULL, NULL, TRUE };

void
tact_matrix_client_logout_async (TactMatrixClient    *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_logout_async);

  body = json_object_new ();
  call_json (self, task,
             &(Request) { .method = "POST", .path = CLIENT_API "/logout", .json = body, .auth = TRUE },
             &logout_result);
}

gboolean
tact_matrix_client_logout_finish (TactMatrixClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_logout_async), FALSE);
  return propagate_success (result, error);
}

/* ---- Register (UIA with m.login.dummy) ------------------------------------------ */

typedef struct {
  /* owned */
  char     *username;
  char     *password;   /* wiped on free */
  /* state */
  gboolean  sent_auth;  /* the second (authenticated) request is under way */
} RegisterData;

static void
register_data_free (RegisterData *data)
{
  g_free (data->username);
  if (data->password != NULL)
    memset (data->password, 0, strlen (data->password));
  g_free (data->password);
  g_free (data);
}

static void register_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data);

/* Sends the registration request of @task (transfer full); once data->sent_auth is set,
 * with the m.login.dummy stage for @session. */
static void
register_send (TactMatrixClient *self,
               GTask            *task,
               const char       *session)
{
  RegisterData *data = g_task_get_task_data (task);
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "username", data->username);
  json_object_set_string_member (body, "password", data->password);
  if (data->sent_auth)
    {
      JsonObject *auth = json_object_new ();

      json_object_set_string_member (auth, "type", "m.login.dummy");
      if (session != NULL)
        json_object_set_string_member (auth, "session", session);
      json_object_set_object_member (body, "auth", auth);
    }

  send_request (self,
                &(Request) { .method = "POST", .path = CLIENT_API "/register", .json = body },
                task, register_cb);
}

/* TRUE when a UIA 401 body offers a flow made of m.login.dummy alone. */
static gboolean
uia_offers_dummy (JsonObject *obj)
{
  JsonArray *flows = tact_json_get_array (obj, "flows");
  guint len = flows != NULL ? json_array_get_length (flows) : 0;

  for (guint i = 0; i < len; i++)
    {
      JsonNode *flow = json_array_get_element (flows, i);
      JsonArray *stages;

      if (!JSON_NODE_HOLDS_OBJECT (flow))
        continue;
      stages = tact_json_get_array (json_node_get_object (flow), "stages");
      if (stages != NULL && json_array_get_length (stages) == 1)
        {
          JsonNode *stage = json_array_get_element (stages, 0);

          if (JSON_NODE_HOLDS_VALUE (stage) &&
              json_node_get_value_type (stage) == G_TYPE_STRING &&
              g_str_equal (json_node_get_string (stage), "m.login.dummy"))
            return TRUE;
        }
    }

  return FALSE;
}

static void
register_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  TactMatrixClient *self = TACT_MATRIX_CLIENT (source);
  g_autoptr(GTask) task = user_data;
  RegisterData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg;
  JsonObject *obj;

  body = send_finish (self, result, &msg, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (status_ok (msg))
    {
      root = tact_matrix_json_parse_bytes (body, TRUE, &error);
      if (root == NULL || !take_credentials (self, json_node_get_object (root), &error))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
      return;
    }

  /* A UIA challenge is a 401 with "flows" and no "errcode"; anything else is an error,
   * as is a second challenge after the dummy stage. */
  if (soup_message_get_status (msg) == SOUP_STATUS_UNAUTHORIZED && !data->sent_auth)
    root = tact_matrix_json_parse_bytes (body, TRUE, NULL);
  obj = root != NULL ? json_node_get_object (root) : NULL;
  if (obj == NULL || json_object_has_member (obj, "errcode") ||
      !json_object_has_member (obj, "flows"))
    {
      g_task_return_error (task, error_from_response (msg, body));
      return;
    }

  if (!uia_offers_dummy (obj))
    {
      g_task_return_new_error (task, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_FORBIDDEN,
                               _("This server requires registration steps Tact does not support"));
      return;
    }

  data->sent_auth = TRUE;
  register_send (self, g_steal_pointer (&task), tact_json_get_string (obj, "session"));
}

void
tact_matrix_client_register_async (TactMatrixClient    *self,
                                   const char          *username,
                                   const char          *password,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  RegisterData *data;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (username != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_register_async);

  data = g_new0 (RegisterData, 1);
  data->username = g_strdup (username);
  data->password = g_strdup (password);
  g_task_set_task_data (task, data, (GDestroyNotify) register_data_free);

  /* First without auth: a server may register at once, or answer with a UIA 401. */
  register_send (self, task, NULL);
}

gboolean
tact_matrix_client_register_finish (TactMatrixClient  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_register_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Filter, rooms, sending ----------------------------------------------------- */

void
tact_matrix_client_upload_filter_async (TactMatrixClient    *self,
                                        JsonObject          *filter,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (filter != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_upload_filter_async);

  if (self->user_id == NULL)
    {
      g_task_return_error (task, not_logged_in_error ());
      g_object_unref (task);
      return;
    }

  path = build_path (CLIENT_API "/user/%s/filter", self->user_id);
  call_json (self, task,
             &(Request) { .method = "POST", .path = path, .json = filter, .auth = TRUE },
             &filter_id_result);
}

char *
tact_matrix_client_upload_filter_finish (TactMatrixClient  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_upload_filter_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tact_matrix_client_create_room_async (TactMatrixClient    *self,
                                      JsonObject          *body,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(JsonObject) empty = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_create_room_async);

  if (body == NULL)
    body = empty = json_object_new ();
  call_json (self, task,
             &(Request) { .method = "POST", .path = CLIENT_API "/createRoom", .json = body, .auth = TRUE },
             &room_id_result);
}

char *
tact_matrix_client_create_room_finish (TactMatrixClient  *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_create_room_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tact_matrix_client_join_async (TactMatrixClient    *self,
                               const char          *room_id_or_alias,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (room_id_or_alias != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_join_async);

  body = json_object_new ();
  path = build_path (CLIENT_API "/join/%s", room_id_or_alias);
  call_json (self, task,
             &(Request) { .method = "POST", .path = path, .json = body, .auth = TRUE },
             &room_id_result);
}

char *
tact_matrix_client_join_finish (TactMatrixClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_join_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tact_matrix_client_invite_async (TactMatrixClient    *self,
                                 const char          *room_id,
                                 const char          *user_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (room_id != NULL && user_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_invite_async);

  body = json_object_new ();
  json_object_set_string_member (body, "user_id", user_id);
  path = build_path (CLIENT_API "/rooms/%s/invite", room_id);
  call_json (self, task,
             &(Request) { .method = "POST", .path = path, .json = body, .auth = TRUE },
             &success_result);
}

gboolean
tact_matrix_client_invite_finish (TactMatrixClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_invite_async), FALSE);
  return propagate_success (result, error);
}

void
tact_matrix_client_send_receipt_async (TactMatrixClient    *self,
                                       const char          *room_id,
                                       const char          *receipt_type,
                                       const char          *event_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (room_id != NULL && receipt_type != NULL && event_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_send_receipt_async);

  /* The body is {} (a thread_id would go here; Tact sends unthreaded receipts). */
  body = json_object_new ();
  path = build_path (CLIENT_API "/rooms/%s/receipt/%s/%s", room_id, receipt_type, event_id);
  call_json (self, task,
             &(Request) { .method = "POST", .path = path, .json = body, .auth = TRUE },
             &success_result);
}

gboolean
tact_matrix_client_send_receipt_finish (TactMatrixClient  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_send_receipt_async), FALSE);
  return propagate_success (result, error);
}

void
tact_matrix_client_send_async (TactMatrixClient    *self,
                               const char          *room_id,
                               const char          *event_type,
                               const char          *txn_id,
                               JsonObject          *content,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (room_id != NULL && event_type != NULL && txn_id != NULL && content != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_send_async);

  path = build_path (CLIENT_API "/rooms/%s/send/%s/%s", room_id, event_type, txn_id);
  call_json (self, task,
             &(Request) { .method = "PUT", .path = path, .json = content, .auth = TRUE },
             &event_id_result);
}

char *
tact_matrix_client_send_finish (TactMatrixClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_send_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tact_matrix_client_set_state_async (TactMatrixClient    *self,
                                    const char          *room_id,
                                    const char          *event_type,
                                    const char          *state_key,
                                    JsonObject          *content,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (room_id != NULL && event_type != NULL && content != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_set_state_async);

  path = build_path (CLIENT_API "/rooms/%s/state/%s/%s", room_id, event_type,
                     state_key ? state_key : "");
  call_json (self, task,
             &(Request) { .method = "PUT", .path = path, .json = content, .auth = TRUE },
             &event_id_result);
}

char *
tact_matrix_client_set_state_finish (TactMatrixClient  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_set_state_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- State and history ---------------------------------------------------------- */

static gpointer
result_state (TactMatrixClient  *self,
              JsonNode          *root,
              const char        *member,
              GError           **error)
{
  guint n_skipped = 0;
  GPtrArray *events;

  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error_literal (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                           _("The room state response is not a list"));
      return NULL;
    }

  events = tact_matrix_parse_event_array (json_node_get_array (root), NULL, TRUE, TRUE, &n_skipped);
  if (n_skipped > 0)
    g_message ("Room state: skipped %u malformed events", n_skipped);
  return events;
}

/* The state is a JSON array, not an object. */
static const ResultSpec state_result = {
  result_state, NULL, (GDestroyNotify) g_ptr_array_unref, FALSE
};

void
tact_matrix_client_get_state_async (TactMatrixClient    *self,
                                    const char          *room_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (room_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_get_state_async);

  path = build_path (CLIENT_API "/rooms/%s/state", room_id);
  call_json (self, task,
             &(Request) { .method = "GET", .path = path, .auth = TRUE },
             &state_result);
}

GPtrArray *
tact_matrix_client_get_state_finish (TactMatrixClient  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_get_state_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gpointer
result_messages (TactMatrixClient  *self,
                 JsonNode          *root,
                 const char        *member,
                 GError           **error)
{
  return tact_messages_page_parse (root, error);
}

static const ResultSpec messages_result = {
  result_messages, NULL, (GDestroyNotify) tact_messages_page_free, TRUE
};

void
tact_matrix_client_get_messages_async (TactMatrixClient    *self,
                                       const char          *room_id,
                                       const char          *from,
                                       char                 dir,
                                       guint                limit,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GString) query = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autofree char *limit_str = NULL;
  const char dir_str[2] = { dir == 'f' ? 'f' : 'b', '\0' };
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (room_id != NULL);
  g_return_if_fail (dir == 'b' || dir == 'f');

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_get_messages_async);

  append_query (query, "dir", dir_str);
  append_query (query, "from", from);
  if (limit > 0)
    {
      limit_str = g_strdup_printf ("%u", limit);
      append_query (query, "limit", limit_str);
    }

  path = build_path (CLIENT_API "/rooms/%s/messages", room_id);
  call_json (self, task,
             &(Request) { .method = "GET", .path = path, .query = query->str, .auth = TRUE },
             &messages_result);
}

TactMessagesPage *
tact_matrix_client_get_messages_finish (TactMatrixClient  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_get_messages_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- /sync ---------------------------------------------------------------------- */

typedef struct {
  GBytes *body;   /* owned; the raw 200 body, parsed in the worker thread */
} SyncData;

static void
sync_data_free (SyncData *data)
{
  g_clear_pointer (&data->body, g_bytes_unref);
  g_free (data);
}

static void
sync_parse_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  SyncData *data = task_data;
  g_autoptr(GError) error = NULL;
  TactSyncResponse *response;

  response = tact_sync_response_parse_bytes (data->body, &error);
  /* The tree is gone; the body is not needed any more either. */
  g_clear_pointer (&data->body, g_bytes_unref);

  if (response == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, response, (GDestroyNotify) tact_sync_response_free);
}

static void
sync_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TactMatrixClient *self = TACT_MATRIX_CLIENT (source);
  g_autoptr(GTask) task = user_data;
  SyncData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg;

  body = send_finish_ok (self, result, &msg, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->body = g_steal_pointer (&body);
  g_task_run_in_thread (task, sync_parse_thread);
}

void
tact_matrix_client_sync_async (TactMatrixClient    *self,
                               const char          *since,
                               const char          *filter,
                               guint                timeout_ms,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GString) query = g_string_new (NULL);
  g_autofree char *timeout_str = g_strdup_printf ("%u", timeout_ms);
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_client_sync_async);
  g_task_set_task_data (task, g_new0 (SyncData, 1), (GDestroyNotify) sync_data_free);

  append_query (query, "filter", filter);
  append_query (query, "since", since);
  append_query (query, "timeout", timeout_str);

  /* The HTTP timeout must outlast the server's long-poll. */
  send_request (self,
                &(Request) { .method = "GET", .path = CLIENT_API "/sync", .query = query->str,
                             .auth = TRUE, .timeout_s = timeout_ms / 1000 + SYNC_GRACE_S },
                task, sync_cb);
}

TactSyncResponse *
tact_matrix_client_sync_finish (TactMatrixClient  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_sync_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Media ---------------------------------------------------------------------- */

void
tact_matrix_client_upload_with_progress_async (TactMatrixClient      *self,
                                               GBytes                *data,
                                               const char            *content_type,
                                               const char            *filename,
                                               TactMatrixProgressFunc progress,
                                               gpointer               progress_data,
                                               GDestroyNotify         progress_destroy,
                                               GCancellable          *cancellable,
                                               GAsyncReadyCallback    callback,
                                               gpointer               user_data)
{
  g_autoptr(GString) query = g_string_new (NULL);
  GTask *task;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  /* one finish function for both flavours */
  g_task_set_source_tag (task, tact_matrix_client_upload_async);

  append_query (query, "filename", filename);
  call_json (self, task,
             &(Request) { .method = "POST", .path = "/_matrix/media/v3/upload", .query = query->str,
                          .bytes = data, .content_type = content_type, .auth = TRUE,
                          .timeout_s = MEDIA_TIMEOUT_S,
                          .upload_progress = progress_new (progress, progress_data, progress_destroy) },
             &content_uri_result);
}

void
tact_matrix_client_upload_async (TactMatrixClient    *self,
                                 GBytes              *data,
                                 const char          *content_type,
                                 const char          *filename,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  tact_matrix_client_upload_with_progress_async (self, data, content_type, filename,
                                                 NULL, NULL, NULL,
                                                 cancellable, callback, user_data);
}

char *
tact_matrix_client_upload_finish (TactMatrixClient  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (check_result (self, result, tact_matrix_client_upload_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  /* owned */
  char     *mxc_uri;        /* as given: the cache key */
  char     *server;         /* escaped server name */
  char     *media_id;       /* escaped media id */
  char     *content_type;   /* of the response (or the cache entry) */
  GBytes   *body;           /* the downloaded bytes, while they are being cached */
  Progress *progress;       /* until the request takes it, or NULL */
} DownloadData;

static void
download_data_free (DownloadData *data)
{
  g_free (data->mxc_uri);
  g_free (data->server);
  g_free (data->media_id);
  g_free (data->content_type);
  g_clear_pointer (&data->body, g_bytes_unref);
  g_clear_pointer (&data->progress, progress_free);
  g_free (data);
}

/* Cache work runs in a worker thread: a helper task whose source object is the cache. */
typedef struct {
  /* owned */
  char   *mxc_uri;
  char   *content_type;
  GBytes *body;
} CacheJob;

static void
cache_job_free (CacheJob *job)
{
  g_free (job->mxc_uri);
  g_free (job->content_type);
  g_clear_pointer (&job->body, g_bytes_unref);
  g_free (job);
}

static void
cache_lookup_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  CacheJob *job = task_data;

  job->body = tact_media_cache_lookup (TACT_MEDIA_CACHE (source_object), job->mxc_uri,
                                       &job->content_type);
  g_task_return_boolean (task, job->body != NULL);
}

static void
cache_store_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  CacheJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (!tact_media_cache_store (TACT_MEDIA_CACHE (source_object), job->mxc_uri,
                               job->content_type, job->body, &error))
    g_message ("Could not cache downloaded media: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static GTask *
cache_job_new (TactMediaCache      *cache,
               DownloadData        *data,
               GAsyncReadyCallback  callback,
               GTask               *task)
{
  GTask *job_task = g_task_new (cache, NULL, callback, task);
  CacheJob *job = g_new0 (CacheJob, 1);

  job->mxc_uri = g_strdup (data->mxc_uri);
  job->content_type = g_strdup (data->content_type);
  job->body = data->body != NULL ? g_bytes_ref (data->body) : NULL;
  g_task_set_task_data (job_task, job, (GDestroyNotify) cache_job_free);
  return job_task;
}

static void
download_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DownloadData *data = g_task_get_task_data (task);

  g_task_return_pointer (task, g_steal_pointer (&data->body), (GDestroyNotify) g_bytes_unref);
}

static void
download_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  TactMatrixClient *self = TACT_MATRIX_CLIENT (source);
  g_autoptr(GTask) task = user_data;
  DownloadData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg;

  body = send_finish_ok (self, result, &msg, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->content_type = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                               "Content-Type"));

  if (self->media_cache == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
      return;
    }

  /* Stored before the result is returned, so a second download is a hit. */
  data->body = g_steal_pointer (&body);
  {
    g_autoptr(GTask) job = cache_job_new (self->media_cache, data, download_stored_cb,
                                          g_steal_pointer (&task));
    g_task_run_in_thread (job, cache_store_thread);
  }
}

static void
download_start (TactMatrixClient *self,
                GTask            *task)
{
  DownloadData *data = g_task_get_task_data (task);
  g_autofree char *path = NULL;
  gboolean authenticated;

  /* Authenticated media (client v1, with the token) from Matrix 1.11 on; the
   * unauthenticated media v3 endpoint otherwise (Synapse 1.67 has no v1 media). */
  authenticated = versions_support ((const char * const *) self->versions, "v1.11");
  if (authenticated)
    path = g_strdup_printf ("/_matrix/client/v1/media/download/%s/%s", data->server, data->media_id);
  else
    path = g_strdup_printf ("/_matrix/media/v3/download/%s/%s", data->server, data->media_id);

  send_request (self,
                &(Request) { .method = "GET", .path = path, .auth = authenticated,
                             .timeout_s = MEDIA_TIMEOUT_S,
                             .download_progress = g_steal_pointer (&data->progress) },
                task, download_cb);
}

static void
download_versions_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  TactMatrixClient *self = TACT_MATRIX_CLIENT (source);
  GTask *task = user_data;
  g_auto(GStrv) versions = NULL;
  g_autoptr(GError) error = NULL;

  versions = tact_matrix_client_versions_finish (self, result, &error);
  if (versions == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  download_start (self, task);
}

/* Goes to the network: which endpoint depends on /versions, fetched once if not cached. */
static void
download_fetch (TactMatrixClient *self,
                GTask            *task)
{
  if (self->versions == NULL)
    tact_matrix_client_versions_async (self, g_task_get_cancellable (task),
                                       download_versions_cb, task);
  else
    download_start (self, task);
}

static void
download_looked_up_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  TactMatrixClient *self = g_task_get_source_object (task);
  DownloadData *data = g_task_get_task_data (task);
  CacheJob *job = g_task_get_task_data (G_TASK (result));

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (g_task_propagate_boolean (G_TASK (result), NULL) && job->body != NULL)
    {
      g_debug ("Media cache hit");
      g_free (data->content_type);
      data->content_type = g_steal_pointer (&job->content_type);
      g_task_return_pointer (task, g_steal_pointer (&job->body), (GDestroyNotify) g_bytes_unref);
      g_object_unref (task);
      return;
    }

  download_fetch (self, task);
}

/* Splits "mxc://server/id" into escaped segments. */
static gboolean
parse_mxc (const char  *uri,
           char       **server,
           char       **media_id)
{
  const char *rest;
  const char *slash;

  if (uri == NULL || !g_str_has_prefix (uri, "mxc://"))
    return FALSE;

  rest = uri + strlen ("mxc://");
  slash = strchr (rest, '/');
  if (slash == NULL || slash == rest || slash[1] == '\0' || strchr (slash + 1, '/') != NULL)
    return FALSE;

  {
    g_autofree char *raw_server = g_strndup (rest, slash - rest);
    *server = tact_matrix_escape_path_segment (raw_server);
    *media_id = tact_matrix_escape_path_segment (slash + 1);
  }
  return TRUE;
}

void
tact_matrix_client_download_with_progress_async (TactMatrixClient      *self,
                                                 const char            *mxc_uri,
                                                 TactMatrixProgressFunc progress,
                                                 gpointer               progress_data,
                                                 GDestroyNotify         progress_destroy,
                                                 GCancellable          *cancellable,
                                                 GAsyncReadyCallback    callback,
                                                 gpointer               user_data)
{
  GTask *task;
  DownloadData *data;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  g_return_if_fail (mxc_uri != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  /* one finish function for both flavours */
  g_task_set_source_tag (task, tact_matrix_client_download_async);

  data = g_new0 (DownloadData, 1);
  data->mxc_uri = g_strdup (mxc_uri);
  data->progress = progress_new (progress, progress_data, progress_destroy);
  g_task_set_task_data (task, data, (GDestroyNotify) download_data_free);

  if (!parse_mxc (mxc_uri, &data->server, &data->media_id))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a valid mxc:// media address"), mxc_uri);
      g_object_unref (task);
      return;
    }

  if (self->media_cache != NULL)
    {
      g_autoptr(GTask) job = cache_job_new (self->media_cache, data, download_looked_up_cb, task);
      g_task_run_in_thread (job, cache_lookup_thread);
      return;
    }

  download_fetch (self, task);
}

void
tact_matrix_client_download_async (TactMatrixClient    *self,
                                   const char          *mxc_uri,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  tact_matrix_client_download_with_progress_async (self, mxc_uri, NULL, NULL, NULL,
                                                   cancellable, callback, user_data);
}

GBytes *
tact_matrix_client_download_finish (TactMatrixClient  *self,
                                    GAsyncResult      *result,
                                    char             **content_type,
                                    GError           **error)
{
  DownloadData *data;
  GBytes *bytes;

  g_return_val_if_fail (check_result (self, result, tact_matrix_client_download_async), NULL);

  data = g_task_get_task_data (G_TASK (result));
  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (content_type != NULL)
    *content_type = bytes != NULL ? g_strdup (data->content_type) : NULL;
  return bytes;
}

/* ---- Discovery ------------------------------------------------------------------ */

typedef struct {
  /* owned */
  char             *input;      /* what the user typed, for messages */
  char             *fallback;   /* the URL to use when there is no well-known */
  char             *candidate;  /* the base URL being validated */
  TactMatrixClient *probe;      /* the client doing the requests */
} DiscoverData;

static void
discover_data_free (DiscoverData *data)
{
  g_free (data->input);
  g_free (data->fallback);
  g_free (data->candidate);
  g_clear_object (&data->probe);
  g_free (data);
}

static gboolean
is_http_url (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  return g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "http") == 0;
}

static void
discover_versions_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DiscoverData *data = g_task_get_task_data (task);
  g_auto(GStrv) versions = NULL;
  g_autoptr(GError) error = NULL;

  versions = tact_matrix_client_versions_finish (TACT_MATRIX_CLIENT (source), result, &error);
  if (versions == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          !g_error_matches (error, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_UNSUPPORTED_SERVER))
        g_prefix_error (&error,
                        /* Translators: %s is a URL; a system error message follows */
                        _("No Matrix homeserver found at %s: "), data->candidate);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_strdup (data->candidate), g_free);
}

static void
discover_validate (GTask      *task,
                   const char *candidate)
{
  DiscoverData *data = g_task_get_task_data (task);

  g_free (data->candidate);
  data->candidate = strip_trailing_slashes (candidate);
  g_clear_object (&data->probe);
  data->probe = tact_matrix_client_new (data->candidate);

  tact_matrix_client_versions_async (data->probe, g_task_get_cancellable (task),
                                     discover_versions_cb, task);
}

static void
discover_well_known_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  DiscoverData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg;
  JsonObject *homeserver;
  const char *base_url;

  body = send_finish (TACT_MATRIX_CLIENT (source), result, &msg, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  /* No well-known (404, unreachable, not JSON such as an HTML page): use the input. */
  if (body != NULL && status_ok (msg))
    root = tact_matrix_json_parse_bytes (body, TRUE, NULL);
  if (root == NULL)
    {
      g_debug ("No usable .well-known/matrix/client; using the address as given");
      discover_validate (task, data->fallback);
      return;
    }

  /* A well-known that is JSON but names no usable base_url is a server mistake
   * the user should hear about (the spec's FAIL_PROMPT). */
  homeserver = tact_json_get_object (json_node_get_object (root), "m.homeserver");
  base_url = tact_json_get_string (homeserver, "base_url");
  if (base_url == NULL || !is_http_url (base_url))
    {
      g_task_return_new_error (task, TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_BAD_RESPONSE,
                               _("The server %s publishes an invalid homeserver address"),
                               data->input);
      g_object_unref (task);
      return;
    }

  discover_validate (task, base_url);
}

void
tact_matrix_discover_async (const char          *server,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *origin = NULL;
  DiscoverData *data;

  g_return_if_fail (server != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_discover_async);

  data = g_new0 (DiscoverData, 1);
  data->input = g_strstrip (g_strdup (server));
  g_task_set_task_data (task, data, (GDestroyNotify) discover_data_free);

  /* "corp.test" means https://corp.test; a URL is taken as is. */
  if (g_str_has_prefix (data->input, "http://") || g_str_has_prefix (data->input, "https://"))
    data->fallback = strip_trailing_slashes (data->input);
  else
    data->fallback = g_strconcat ("https://", data->input, NULL);

  if (*data->input == '\0' || strpbrk (data->input, " \t\n") != NULL || !is_http_url (data->fallback))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a valid server name or address"), data->input);
      return;
    }

  /* The well-known lives at the origin (scheme, host and port) of the address. */
  uri = g_uri_parse (data->fallback, SOUP_HTTP_URI_FLAGS, NULL);
  origin = g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                       g_uri_get_host (uri), g_uri_get_port (uri), "", NULL, NULL);
  data->probe = tact_matrix_client_new (origin);

  send_request (data->probe,
                &(Request) { .method = "GET", .path = "/.well-known/matrix/client",
                             .timeout_s = DEFAULT_TIMEOUT_S / 4 },
                g_steal_pointer (&task), discover_well_known_cb);
}

static void
company_config_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg;
  JsonObject *config;

  body = send_finish (TACT_MATRIX_CLIENT (source), result, &msg, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (body != NULL && status_ok (msg))
    root = tact_matrix_json_parse_bytes (body, TRUE, NULL);
  config = root && JSON_NODE_HOLDS_OBJECT (root)
           ? tact_json_get_object (json_node_get_object (root), TACT_MATRIX_COMPANY_KEY) : NULL;
  /* No well-known, or none of Tact's keys: no company configuration (not an error). */
  g_task_return_pointer (task, config ? json_object_ref (config) : NULL,
                         (GDestroyNotify) json_object_unref);
}

void
tact_matrix_fetch_company_config_async (TactMatrixClient *self, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_MATRIX_CLIENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_matrix_fetch_company_config_async);
  send_request (self,
                &(Request) { .method = "GET", .path = "/.well-known/matrix/client",
                             .timeout_s = DEFAULT_TIMEOUT_S / 4 },
                g_steal_pointer (&task), company_config_cb);
}

JsonObject *
tact_matrix_fetch_company_config_finish (TactMatrixClient *self, GAsyncResult *result,
                                         GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
tact_matrix_discover_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_matrix_discover_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
