/* tact-sandbox-server.c: TactSandboxServer, a Matrix homeserver on SoupServer.
 *
 * One catch-all SoupServer handler splits the (still percent-encoded) path into segments,
 * decodes each one and matches it against the route table below. Anything that matches no
 * route, including a known path with the wrong method, gets Synapse's 400 M_UNRECOGNIZED.
 *
 * Long-polling /sync pauses its SoupServerMessage and keeps it in pending_syncs; every change
 * to the model schedules one idle pass that answers the pending syncs that now have something.
 */
#include "tact-sandbox-private.h"

#include <string.h>
#include <sys/socket.h>

#define MEDIA_UPLOAD_SIZE   104857600
#define MAX_SYNC_TIMEOUT_MS (5 * 60 * 1000)
#define SAVE_DELAY_MS       250

struct _TactSandboxServer
{
  GObject parent_instance;

  /* owned */
  SoupServer *soup;
  SbState    *state;
  SbActors   *actors;
  char       *state_file;
  GStrv       versions;
  GPtrArray  *pending_syncs;   /* owned PendingSync* */
  GPtrArray  *delayed;         /* owned Delayed*: requests held by a fault */

  guint       save_source;
  guint       wake_source;
  gboolean    dirty;
  guint16     port;

  /* Fault injection */
  GPtrArray       *fault_rules;    /* owned FaultRule*, tried in order */
  guint            fault_ms;
  guint            faults_injected;
  gboolean         retry_after_header;

  /* The rc_message limiter: off while rate_per_second <= 0. */
  double           rate_per_second;
  double           rate_burst;
  GHashTable      *buckets;        /* user id (owned) -> owned Bucket* */

  gboolean         authenticated_media;
  gboolean         ignore_power;   /* tests: accept events from senders below the level */
  char            *policy_room;    /* announced in .well-known (io.github.tactchat), or NULL */
  char            *supervision_room;

  /* Tokens expired by tact_sandbox_server_expire_tokens (soft): answered with soft_logout true. */
  GHashTable      *soft_expired;   /* set of owned token strings */
};

G_DEFINE_FINAL_TYPE (TactSandboxServer, tact_sandbox_server, G_TYPE_OBJECT)

static const char *const synapse_versions[] = {
  "r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1",
  "v1.1", "v1.2", NULL,
};

/* ---- Requests ---------------------------------------------------------------------------- */

typedef struct _Req Req;

typedef enum {
  ROUTE_AUTH      = 1 << 0,  /* needs an access token */
  ROUTE_FAULTABLE = 1 << 1,  /* the target of tact_sandbox_server_set_fault() */
  ROUTE_V1_MEDIA  = 1 << 2,  /* exists only with authenticated media */
} RouteFlags;

typedef struct {
  const char *method;
  const char *pattern;   /* path without the leading '/', '*' matches one segment */
  RouteFlags  flags;
  void      (*handler) (Req *req);
} Route;

struct _Req {
  TactSandboxServer *self;     /* borrowed */
  SoupServerMessage *msg;      /* owned ref */
  const Route       *route;    /* borrowed, static */
  GPtrArray         *args;     /* owned: the decoded segments matched by '*' */
  char              *path;     /* owned: the path with each segment decoded */
  GHashTable        *query;    /* owned ref, or NULL */
  JsonNode          *body;     /* owned, parsed on demand */
  /* Set by authentication; valid only during the handler. */
  SbToken           *token;    /* borrowed */
  SbUser            *user;     /* borrowed */
  gboolean           fault_done;
};

static void
req_free (Req *req)
{
  g_clear_object (&req->msg);
  g_clear_pointer (&req->args, g_ptr_array_unref);
  g_free (req->path);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_pointer (&req->body, json_node_unref);
  g_free (req);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Req, req_free)

static const char *
req_arg (Req *req, guint i)
{
  return g_ptr_array_index (req->args, i);
}

static const char *
req_query (Req *req, const char *name)
{
  return req->query != NULL ? g_hash_table_lookup (req->query, name) : NULL;
}

/* ---- Responses --------------------------------------------------------------------------- */

static void
add_common_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "Cache-Control", "no-cache, no-store, must-revalidate");
  soup_message_headers_replace (h, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (h, "Access-Control-Allow-Methods",
                                "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  soup_message_headers_replace (h, "Access-Control-Allow-Headers",
                                "X-Requested-With, Content-Type, Authorization, Date");
}

/* Sends node (consumed) as the JSON response. */
static void
respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  char *data = sb_json_to_string (node, FALSE);

  add_common_headers (msg);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data,
                                    strlen (data));
  json_node_unref (node);
}

static void
respond_empty (SoupServerMessage *msg)
{
  respond_json (msg, SOUP_STATUS_OK, sb_json_object_new ());
}

static JsonNode *
error_node (const char *errcode, const char *error)
{
  JsonNode *node = sb_json_object_new ();
  JsonObject *o = json_node_get_object (node);

  json_object_set_string_member (o, "errcode", errcode);
  json_object_set_string_member (o, "error", error);
  return node;
}

static void G_GNUC_PRINTF (4, 5)
respond_error (SoupServerMessage *msg, guint status, const char *errcode, const char *format, ...)
{
  g_autofree char *error = NULL;
  va_list args;

  va_start (args, format);
  error = g_strdup_vprintf (format, args);
  va_end (args);
  respond_json (msg, status, error_node (errcode, error));
}

static void
respond_unrecognized (SoupServerMessage *msg)
{
  respond_error (msg, 400, "M_UNRECOGNIZED", "Unrecognized request");
}

static void
respond_not_in_room (Req *req, const char *room_id)
{
  respond_error (req->msg, 403, "M_FORBIDDEN",
                 "User %s not in room %s, and room previews are disabled",
                 req->user->user_id, room_id);
}

/* The request body as a JSON object; an empty body counts as {}. On failure responds with
 * Synapse's error (M_NOT_JSON / M_BAD_JSON) and returns NULL. */
static JsonObject *req_body_object (Req *req);

/* For endpoints whose body is the event content: an empty body is not JSON (Synapse answers
 * 400 M_NOT_JSON), unlike /join or /logout where an empty body stands for {}. */
static JsonObject *
req_body_object_required (Req *req)
{
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);

  if (req->body == NULL && g_bytes_get_size (bytes) == 0)
    {
      respond_error (req->msg, 400, "M_NOT_JSON", "Content not JSON.");
      return NULL;
    }
  return req_body_object (req);
}

static JsonObject *
req_body_object (Req *req)
{
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  if (req->body == NULL)
    {
      if (len == 0)
        req->body = sb_json_object_new ();
      else if (!g_utf8_validate (data, (gssize) len, NULL) ||
               (req->body = sb_json_parse (data, len, NULL)) == NULL)
        {
          respond_error (req->msg, 400, "M_NOT_JSON", "Content not JSON.");
          return NULL;
        }
    }
  if (!JSON_NODE_HOLDS_OBJECT (req->body))
    {
      respond_error (req->msg, 400, "M_BAD_JSON", "Content must be a JSON object.");
      return NULL;
    }
  return json_node_get_object (req->body);
}

/* A string member, or NULL when absent; *bad is set if present but not a string. */
static const char *
body_string (JsonObject *o, const char *name, gboolean *bad)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      *bad = TRUE;
      return NULL;
    }
  return json_node_get_string (n);
}

/* g_set_str() is GLib 2.76; we target 2.74. */
static void
set_str (char **field, const char *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

static gboolean
is_valid_user_id (const char *id)
{
  const char *colon;

  if (id == NULL || id[0] != '@')
    return FALSE;
  colon = strchr (id, ':');
  return colon != NULL && colon > id + 1 && colon[1] != '\0';
}

/* ---- Persistence and change notification -------------------------------------------------- */

gboolean
tact_sandbox_server_save (TactSandboxServer *self, GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), FALSE);

  g_clear_handle_id (&self->save_source, g_source_remove);
  if (self->state_file == NULL)
    return TRUE;
  root = sb_state_to_json (self->state);
  data = sb_json_to_string (root, TRUE);
  dir = g_path_get_dirname (self->state_file);
  g_mkdir_with_parents (dir, 0700);
  /* 0600: the file holds the sandbox's access tokens. */
  if (!g_file_set_contents_full (self->state_file, data, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error))
    return FALSE;
  self->dirty = FALSE;
  return TRUE;
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  TactSandboxServer *self = user_data;
  g_autoptr(GError) error = NULL;

  self->save_source = 0;
  if (!tact_sandbox_server_save (self, &error))
    g_warning ("Cannot save the sandbox state: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void wake_pending_syncs (TactSandboxServer *self);

static gboolean
wake_idle_cb (gpointer user_data)
{
  TactSandboxServer *self = user_data;

  self->wake_source = 0;
  wake_pending_syncs (self);
  return G_SOURCE_REMOVE;
}

static void
state_changed_cb (SbState *state, SbEvent *event, gpointer user_data)
{
  TactSandboxServer *self = user_data;

  self->dirty = TRUE;
  if (self->state_file != NULL && self->save_source == 0)
    self->save_source = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
  if (self->wake_source == 0 && self->pending_syncs->len > 0)
    self->wake_source = g_idle_add (wake_idle_cb, self);
  if (event != NULL)
    sb_actors_observe (self->actors, event);
}

static void
set_state (TactSandboxServer *self, SbState *state)
{
  g_clear_pointer (&self->state, sb_state_free);
  self->state = state;
  state->changed_func = state_changed_cb;
  state->changed_data = self;
}

/* ---- /sync long-polling ------------------------------------------------------------------- */

typedef struct {
  TactSandboxServer *self;     /* borrowed */
  SoupServerMessage *msg;      /* owned ref; paused */
  char              *token;    /* owned */
  guint64            since;
  SbSyncFilter       filter;
  guint              timeout_source;
  gulong             finished_id;
  GSource           *hangup;   /* owned: watches the socket, which libsoup does not read while
                                * the message is paused, for a client that gave up */
} PendingSync;

static void
pending_sync_free (PendingSync *p)
{
  if (p->hangup != NULL)
    g_source_destroy (p->hangup);
  g_clear_pointer (&p->hangup, g_source_unref);
  g_clear_handle_id (&p->timeout_source, g_source_remove);
  g_clear_signal_handler (&p->finished_id, p->msg);
  g_clear_object (&p->msg);
  g_free (p->token);
  g_free (p);
}

/* Answers a pending sync (always, even if empty) and forgets it. */
static void
pending_sync_finish (PendingSync *p, JsonNode *response)
{
  TactSandboxServer *self = p->self;
  SoupServerMessage *msg = g_object_ref (p->msg);

  g_ptr_array_remove (self->pending_syncs, p);  /* frees p */
  respond_json (msg, SOUP_STATUS_OK, response);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

/* Builds the response for p, or NULL while there is still nothing new. */
static JsonNode *
pending_sync_build (PendingSync *p, SbUser *user)
{
  gboolean has_content = FALSE;
  JsonNode *response = sb_sync_build (p->self->state, user, p->token, TRUE, p->since,
                                      &p->filter, &has_content);

  if (!has_content)
    g_clear_pointer (&response, json_node_unref);
  return response;
}

static void
wake_pending_syncs (TactSandboxServer *self)
{
  /* A borrowed copy (finishing removes entries); g_ptr_array_copy() would keep the free func. */
  g_autoptr(GPtrArray) copy = g_ptr_array_new ();

  g_ptr_array_extend (copy, self->pending_syncs, NULL, NULL);

  for (guint i = 0; i < copy->len; i++)
    {
      PendingSync *p = g_ptr_array_index (copy, i);
      SbToken *token = sb_state_lookup_token (self->state, p->token);
      SbUser *user = token != NULL ? sb_state_lookup_user (self->state, token->user_id) : NULL;
      JsonNode *response;

      if (user == NULL)
        {
          /* Logged out while waiting. */
          SoupServerMessage *msg = g_object_ref (p->msg);
          JsonNode *node = error_node ("M_UNKNOWN_TOKEN", "Invalid access token passed.");

          json_object_set_boolean_member (json_node_get_object (node), "soft_logout",
                                          g_hash_table_contains (self->soft_expired, p->token));
          g_ptr_array_remove (self->pending_syncs, p);
          respond_json (msg, 401, node);
          soup_server_message_unpause (msg);
          g_object_unref (msg);
          continue;
        }
      response = pending_sync_build (p, user);
      if (response != NULL)
        pending_sync_finish (p, response);
    }
}

static gboolean
pending_sync_timeout_cb (gpointer user_data)
{
  PendingSync *p = user_data;
  SbToken *token = sb_state_lookup_token (p->self->state, p->token);
  SbUser *user;
  gboolean has_content = FALSE;

  p->timeout_source = 0;
  user = token != NULL ? sb_state_lookup_user (p->self->state, token->user_id) : NULL;
  if (user == NULL)
    {
      wake_pending_syncs (p->self);  /* answers it with M_UNKNOWN_TOKEN */
      return G_SOURCE_REMOVE;
    }
  pending_sync_finish (p, sb_sync_build (p->self->state, user, p->token, TRUE, p->since,
                                         &p->filter, &has_content));
  return G_SOURCE_REMOVE;
}

/* The socket under a held long-poll became readable: the client closed it (a stopped session,
 * a timed-out request) and the poll is forgotten, as Synapse forgets a disconnected client's
 * /sync; or it sent more (pipelining), which is left to libsoup. */
static gboolean
pending_sync_hangup_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  PendingSync *p = user_data;
  g_autoptr(SoupServerMessage) msg = g_object_ref (p->msg);
  g_autoptr(GIOStream) stream = NULL;
  char byte;

  if ((condition & (G_IO_HUP | G_IO_ERR)) == 0 &&
      recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
    {
      g_clear_pointer (&p->hangup, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&p->hangup, g_source_unref);   /* this source is being dispatched */
  g_ptr_array_remove (p->self->pending_syncs, p);  /* frees p */
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* The client went away while we held its request. */
static void
pending_sync_finished_cb (SoupServerMessage *msg, gpointer user_data)
{
  PendingSync *p = user_data;

  p->finished_id = 0;
  g_ptr_array_remove (p->self->pending_syncs, p);
}

/* ---- Rate limiting ------------------------------------------------------------------------ */

/* Synapse's Ratelimiter entry for one user: action_count actions counted from time_start. */
typedef struct {
  double action_count;
  double time_start;           /* seconds, monotonic */
} Bucket;

/* 429 M_LIMIT_EXCEEDED with the body Synapse sends (fixtures 69–71). */
static void
respond_limit_exceeded (Req *req, gint64 retry_after_ms)
{
  JsonNode *node = error_node ("M_LIMIT_EXCEEDED", "Too Many Requests");

  json_object_set_int_member (json_node_get_object (node), "retry_after_ms", retry_after_ms);
  if (req->self->retry_after_header)
    {
      g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                  (retry_after_ms + 999) / 1000);
      soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                    "Retry-After", seconds);
    }
  respond_json (req->msg, 429, node);
}

/* Synapse 1.67's Ratelimiter.ratelimit() with rc_message, keyed by the user: TRUE if the
 * action is allowed (and counted, when update); otherwise answers 429 with the time until
 * the next action would be allowed. */
static gboolean
ratelimit (Req *req, gboolean update)
{
  TactSandboxServer *self = req->self;
  double rate = self->rate_per_second, burst = self->rate_burst;
  double now = g_get_monotonic_time () / (double) G_USEC_PER_SEC;
  double action_count = 0, time_start = now, performed, time_allowed;
  Bucket *bucket;
  gboolean allowed;

  if (rate <= 0)
    return TRUE;
  bucket = g_hash_table_lookup (self->buckets, req->user->user_id);
  if (bucket != NULL)
    {
      action_count = bucket->action_count;
      time_start = bucket->time_start;
    }
  performed = action_count - (now - time_start) * rate;
  if (performed < 0)
    {
      /* Forgive every earlier action. */
      performed = 0;
      action_count = 0;
      time_start = now;
    }
  allowed = !(performed > burst - 1);
  if (allowed)
    action_count += 1;
  if (update)
    {
      if (bucket == NULL)
        {
          bucket = g_new0 (Bucket, 1);
          g_hash_table_insert (self->buckets, g_strdup (req->user->user_id), bucket);
        }
      bucket->action_count = action_count;
      bucket->time_start = time_start;
    }
  if (allowed)
    return TRUE;
  time_allowed = MAX (time_start + (action_count - burst + 1) / rate, now);
  respond_limit_exceeded (req, (gint64) (1000 * (time_allowed - now)));
  return FALSE;
}

/* ---- Fault injection ---------------------------------------------------------------------- */

typedef struct {
  char            *method;       /* owned, or NULL: any method */
  char            *path_prefix;  /* owned, or NULL: any path */
  gboolean         faultable;    /* set_fault's rule: only ROUTE_FAULTABLE routes */
  TactSandboxFault kind;
  guint            every;        /* faultable: every every-th matching request, 0 = none */
  guint            counter;      /* faultable: matching requests so far */
  guint            remaining;    /* otherwise: how many more, 0 = unlimited */
} FaultRule;

static void
fault_rule_free (FaultRule *rule)
{
  g_free (rule->method);
  g_free (rule->path_prefix);
  g_free (rule);
}

/* A request held by a fault: until its timer fires, or until the client goes away. */
typedef struct {
  TactSandboxServer *self;     /* borrowed */
  Req               *req;      /* owned */
  guint              source;
  GSource           *hangup;   /* owned: watches the socket while libsoup does not read it */
  gulong             finished_id;
} Delayed;

static void
delayed_free (Delayed *d)
{
  g_clear_handle_id (&d->source, g_source_remove);
  if (d->hangup != NULL)
    g_source_destroy (d->hangup);
  g_clear_pointer (&d->hangup, g_source_unref);
  if (d->req != NULL)
    g_clear_signal_handler (&d->finished_id, d->req->msg);
  g_clear_pointer (&d->req, req_free);
  g_free (d);
}

static void run_route (Req *req);

/* Closes the connection under the held request: the client sees no response at all. */
static gboolean
drop_cb (gpointer user_data)
{
  Delayed *d = user_data;
  TactSandboxServer *self = d->self;
  g_autoptr(SoupServerMessage) msg = g_object_ref (d->req->msg);
  g_autoptr(GIOStream) stream = NULL;

  d->source = 0;
  g_ptr_array_remove (self->delayed, d);  /* frees d */
  /* A long-poll the handler held (LOST_RESPONSE on /sync): stealing emits no "finished". */
  for (guint i = self->pending_syncs->len; i > 0; i--)
    if (((PendingSync *) g_ptr_array_index (self->pending_syncs, i - 1))->msg == msg)
      g_ptr_array_remove_index (self->pending_syncs, i - 1);
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
delay_cb (gpointer user_data)
{
  Delayed *d = user_data;
  g_autoptr(Req) req = g_steal_pointer (&d->req);

  d->source = 0;
  g_clear_signal_handler (&d->finished_id, req->msg);
  g_ptr_array_remove (d->self->delayed, d);
  /* Unpause first: a handler that holds the request itself (a /sync long-poll) pauses again. */
  soup_server_message_unpause (req->msg);
  run_route (req);
  return G_SOURCE_REMOVE;
}

/* The socket under a held request became readable: the client closed it (a paused message is
 * not read, so libsoup would not notice), or it sent more, which we leave to libsoup. */
static gboolean
hangup_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  Delayed *d = user_data;
  char byte;

  if ((condition & (G_IO_HUP | G_IO_ERR)) == 0 &&
      recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
    {
      g_clear_pointer (&d->hangup, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  g_clear_handle_id (&d->source, g_source_remove);
  drop_cb (d);
  return G_SOURCE_REMOVE;
}

static void
delayed_finished_cb (SoupServerMessage *msg, gpointer user_data)
{
  Delayed *d = user_data;

  d->finished_id = 0;
  g_ptr_array_remove (d->self->delayed, d);
}

/* Pauses the request and calls func (drop_cb or delay_cb) after ms, 0 = from an idle, once
 * the SoupServer callback has returned. */
static void
hold_request (Req *req, guint ms, GSourceFunc func)
{
  TactSandboxServer *self = req->self;
  Delayed *d = g_new0 (Delayed, 1);

  d->self = self;
  d->req = g_new0 (Req, 1);
  *d->req = *req;
  d->req->msg = g_object_ref (req->msg);
  d->req->args = g_ptr_array_ref (req->args);
  d->req->path = g_strdup (req->path);
  d->req->query = req->query != NULL ? g_hash_table_ref (req->query) : NULL;
  d->req->body = req->body != NULL ? json_node_ref (req->body) : NULL;
  d->req->fault_done = TRUE;
  soup_server_message_pause (req->msg);
  d->finished_id = g_signal_connect (req->msg, "finished", G_CALLBACK (delayed_finished_cb), d);
  d->source = ms > 0 ? g_timeout_add (ms, func, d) : g_idle_add (func, d);
  if (ms > 0 && soup_server_message_get_socket (req->msg) != NULL)
    {
      d->hangup = g_socket_create_source (soup_server_message_get_socket (req->msg),
                                          G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (d->hangup, G_SOURCE_FUNC (hangup_cb), d, NULL);
      g_source_attach (d->hangup, g_main_context_get_thread_default ());
    }
  g_ptr_array_add (self->delayed, d);
}

static gboolean
fault_rule_matches (FaultRule *rule, Req *req)
{
  if (rule->faultable)
    return (req->route->flags & ROUTE_FAULTABLE) != 0;
  return (rule->method == NULL ||
          g_str_equal (rule->method, soup_server_message_get_method (req->msg))) &&
         (rule->path_prefix == NULL || g_str_has_prefix (req->path, rule->path_prefix));
}

/* The fault the first firing rule gives this request, or NONE. Counts and uses up rules. */
static TactSandboxFault
take_fault (TactSandboxServer *self, Req *req)
{
  for (guint i = 0; i < self->fault_rules->len; i++)
    {
      FaultRule *rule = g_ptr_array_index (self->fault_rules, i);
      TactSandboxFault kind = rule->kind;

      if (!fault_rule_matches (rule, req))
        continue;
      if (rule->faultable)
        {
          if (rule->every == 0 || ++rule->counter % rule->every != 0)
            continue;
        }
      else if (rule->remaining > 0 && --rule->remaining == 0)
        g_ptr_array_remove_index (self->fault_rules, i);  /* frees rule */
      return kind;
    }
  return TACT_SANDBOX_FAULT_NONE;
}

/* Returns TRUE if a fault was injected (the request is answered or held). */
static gboolean
maybe_inject_fault (Req *req)
{
  TactSandboxServer *self = req->self;
  TactSandboxFault kind = take_fault (self, req);

  if (kind == TACT_SANDBOX_FAULT_NONE)
    return FALSE;
  self->faults_injected++;

  switch (kind)
    {
    case TACT_SANDBOX_FAULT_RATE_LIMIT:
      respond_limit_exceeded (req, self->fault_ms);
      break;
    case TACT_SANDBOX_FAULT_SERVER_ERROR:
      respond_error (req->msg, 500, "M_UNKNOWN", "Internal server error");
      break;
    case TACT_SANDBOX_FAULT_FORBIDDEN:
      respond_error (req->msg, 403, "M_FORBIDDEN", "You don't have permission to do that");
      break;
    case TACT_SANDBOX_FAULT_DROP:
      hold_request (req, 0, drop_cb);
      break;
    case TACT_SANDBOX_FAULT_DELAY:
      hold_request (req, self->fault_ms, delay_cb);
      break;
    case TACT_SANDBOX_FAULT_LOST_RESPONSE:
      /* Applied, then the answer is lost: what txnId idempotency is for. */
      req->route->handler (req);
      hold_request (req, 0, drop_cb);
      break;
    case TACT_SANDBOX_FAULT_TIMEOUT:
      /* Never answered; closed after fault_ms unless the client gave up first. */
      hold_request (req, MAX (self->fault_ms, 1), drop_cb);
      break;
    case TACT_SANDBOX_FAULT_NONE:
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

/* ---- Handlers: discovery and accounts ------------------------------------------------------ */

static void
h_versions (Req *req)
{
  JsonNode *node = sb_json_object_new ();
  JsonObject *o = json_node_get_object (node);
  JsonArray *versions = json_array_new ();

  for (guint i = 0; req->self->versions[i] != NULL; i++)
    json_array_add_string_element (versions, req->self->versions[i]);
  if (req->self->authenticated_media &&
      !g_strv_contains ((const char *const *) req->self->versions, "v1.11"))
    json_array_add_string_element (versions, "v1.11");
  json_object_set_array_member (o, "versions", versions);
  json_object_set_object_member (o, "unstable_features", json_object_new ());
  respond_json (req->msg, SOUP_STATUS_OK, node);
}

static JsonObject *
well_known_object (TactSandboxServer *self)
{
  JsonObject *o = json_object_new ();
  JsonObject *hs = json_object_new ();
  g_autofree char *base = tact_sandbox_server_dup_base_url (self);
  g_autofree char *slash = g_strconcat (base, "/", NULL);

  json_object_set_string_member (hs, "base_url", slash);
  json_object_set_object_member (o, "m.homeserver", hs);
  if (self->policy_room || self->supervision_room)
    {
      JsonObject *tact = json_object_new ();

      if (self->policy_room)
        json_object_set_string_member (tact, "policy_room", self->policy_room);
      if (self->supervision_room)
        json_object_set_string_member (tact, "supervision_room", self->supervision_room);
      json_object_set_object_member (o, "io.github.tactchat", tact);
    }
  return o;
}

static void
h_well_known (Req *req)
{
  respond_json (req->msg, SOUP_STATUS_OK,
                sb_json_take_object (well_known_object (req->self)));
}

static void
h_login_flows (Req *req)
{
  JsonNode *node = NULL;

  node = sb_json_parse ("{\"flows\":[{\"type\":\"m.login.password\"},"
                        "{\"type\":\"m.login.application_service\"}]}", -1, NULL);
  respond_json (req->msg, SOUP_STATUS_OK, node);
}

static void
h_capabilities (Req *req)
{
  respond_json (req->msg, SOUP_STATUS_OK,
                sb_json_parse ("{\"capabilities\":{\"m.room_versions\":{\"default\":\"9\","
                               "\"available\":{\"9\":\"stable\"}},"
                               "\"m.change_password\":{\"enabled\":false}}}", -1, NULL));
}

/* A user id from "@local:server" or a bare localpart on this server. */
static char *
qualify_user (TactSandboxServer *self, const char *user)
{
  if (user == NULL)
    return NULL;
  if (user[0] == '@')
    return g_strdup (user);
  return g_strdup_printf ("@%s:%s", user, self->state->server_name);
}

static void
h_login (Req *req)
{
  TactSandboxServer *self = req->self;
  JsonObject *body = req_body_object (req);
  JsonObject *identifier, *response;
  const char *type, *user, *password, *device_id;
  g_autofree char *user_id = NULL;
  gboolean bad = FALSE;
  SbUser *account;
  SbToken *token;

  if (body == NULL)
    return;
  type = body_string (body, "type", &bad);
  if (g_strcmp0 (type, "m.login.password") != 0)
    {
      respond_error (req->msg, 400, "M_UNKNOWN", "Unknown login type %s", type ? type : "");
      return;
    }
  identifier = sb_json_get_object (body, "identifier");
  if (identifier != NULL)
    {
      if (g_strcmp0 (body_string (identifier, "type", &bad), "m.id.user") != 0)
        {
          respond_error (req->msg, 400, "M_UNKNOWN", "Unknown login identifier type");
          return;
        }
      user = body_string (identifier, "user", &bad);
    }
  else
    user = body_string (body, "user", &bad);  /* legacy */
  password = body_string (body, "password", &bad);
  device_id = body_string (body, "device_id", &bad);
  if (bad || user == NULL || password == NULL)
    {
      respond_error (req->msg, 400, "M_BAD_JSON", "Missing or invalid login parameters");
      return;
    }

  user_id = qualify_user (self, user);
  account = sb_state_lookup_user (self->state, user_id);
  if (!sb_user_check_password (account, password))
    {
      respond_error (req->msg, 403, "M_FORBIDDEN", "Invalid username or password");
      return;
    }

  /* A given device_id is reused; either way the token is new. */
  token = sb_state_new_token (self->state, user_id, device_id);
  sb_state_changed (self->state, NULL);
  response = json_object_new ();
  json_object_set_string_member (response, "user_id", user_id);
  json_object_set_string_member (response, "access_token", token->token);
  json_object_set_string_member (response, "home_server", self->state->server_name);
  json_object_set_string_member (response, "device_id", token->device_id);
  json_object_set_object_member (response, "well_known", well_known_object (self));
  respond_json (req->msg, SOUP_STATUS_OK, sb_json_take_object (response));
}

static gboolean
is_valid_localpart (const char *local)
{
  if (local == NULL || *local == '\0' || strlen (local) > 200)
    return FALSE;
  for (const char *p = local; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || strchr ("=_-./", *p) != NULL))
      return FALSE;
  return TRUE;
}

static void
h_register (Req *req)
{
  TactSandboxServer *self = req->self;
  JsonObject *body = req_body_object (req);
  JsonObject *auth, *response;
  const char *username, *password, *device_id, *session;
  g_autofree char *generated = NULL;
  g_autofree char *user_id = NULL;
  gboolean bad = FALSE;
  SbUser *user;

  if (body == NULL)
    return;
  username = body_string (body, "username", &bad);
  password = body_string (body, "password", &bad);
  device_id = body_string (body, "device_id", &bad);
  if (bad)
    {
      respond_error (req->msg, 400, "M_INVALID_PARAM", "Invalid registration parameters");
      return;
    }

  /* Synapse checks the username before user-interactive auth. */
  if (username != NULL)
    {
      if (!is_valid_localpart (username))
        {
          respond_error (req->msg, 400, "M_INVALID_USERNAME",
                         "User ID can only contain characters a-z, 0-9, or '=_-./'");
          return;
        }
      user_id = g_strdup_printf ("@%s:%s", username, self->state->server_name);
      if (sb_state_lookup_user (self->state, user_id) != NULL)
        {
          respond_error (req->msg, 400, "M_USER_IN_USE", "User ID already taken.");
          return;
        }
    }

  auth = sb_json_get_object (body, "auth");
  session = auth != NULL ? body_string (auth, "session", &bad) : NULL;
  if (auth == NULL || g_strcmp0 (body_string (auth, "type", &bad), "m.login.dummy") != 0 ||
      session == NULL || !g_hash_table_contains (self->state->uia_sessions, session))
    {
      /* Fixture 04: {session, flows, params}, no errcode and no completed. */
      g_autofree char *new_session = sb_random_string (24, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "abcdefghijklmnopqrstuvwxyz");
      JsonNode *node = sb_json_parse ("{\"flows\":[{\"stages\":[\"m.login.dummy\"]}],"
                                      "\"params\":{}}", -1, NULL);
      JsonObject *o = json_node_get_object (node);
      JsonNode *session_node = json_node_init_string (json_node_alloc (), new_session);
      g_autoptr(GList) members = json_object_get_members (o);
      JsonObject *ordered = json_object_new ();

      /* Keep Synapse's key order: session first. */
      json_object_set_member (ordered, "session", session_node);
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (ordered, l->data,
                                json_node_copy (json_object_get_member (o, l->data)));
      json_node_unref (node);
      g_hash_table_add (self->state->uia_sessions, g_steal_pointer (&new_session));
      respond_json (req->msg, 401, sb_json_take_object (ordered));
      return;
    }

  if (password == NULL)
    {
      respond_error (req->msg, 400, "M_MISSING_PARAM", "Missing param: password");
      return;
    }
  g_hash_table_remove (self->state->uia_sessions, session);
  if (user_id == NULL)
    {
      /* Synapse generates numeric localparts. */
      for (guint n = 1;; n++)
        {
          g_free (user_id);
          user_id = g_strdup_printf ("@%u:%s", n, self->state->server_name);
          if (sb_state_lookup_user (self->state, user_id) == NULL)
            break;
        }
    }
  {
    const char *colon = strchr (user_id, ':');
    generated = g_strndup (user_id + 1, (gsize) (colon - user_id - 1));
  }
  user = sb_state_add_user (self->state, user_id, password, generated);

  response = json_object_new ();
  json_object_set_string_member (response, "user_id", user->user_id);
  json_object_set_string_member (response, "home_server", self->state->server_name);
  if (!json_object_get_boolean_member_with_default (body, "inhibit_login", FALSE))
    {
      SbToken *token = sb_state_new_token (self->state, user->user_id, device_id);
      json_object_set_string_member (response, "access_token", token->token);
      json_object_set_string_member (response, "device_id", token->device_id);
    }
  sb_state_changed (self->state, NULL);
  respond_json (req->msg, SOUP_STATUS_OK, sb_json_take_object (response));
}

static void
h_whoami (Req *req)
{
  JsonNode *node = sb_json_object_new ();
  JsonObject *o = json_node_get_object (node);

  json_object_set_string_member (o, "user_id", req->user->user_id);
  json_object_set_boolean_member (o, "is_guest", FALSE);
  json_object_set_string_member (o, "device_id", req->token->device_id);
  respond_json (req->msg, SOUP_STATUS_OK, node);
}

static void
h_logout (Req *req)
{
  sb_state_remove_token (req->self->state, req->token->token);
  req->token = NULL;
  sb_state_changed (req->self->state, NULL);
  respond_empty (req->msg);
}

static void
h_logout_all (Req *req)
{
  GHashTableIter iter;
  gpointer value;
  g_autofree char *user_id = g_strdup (req->user->user_id);

  g_hash_table_iter_init (&iter, req->self->state->tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_str_equal (((SbToken *) value)->user_id, user_id))
      g_hash_table_iter_remove (&iter);
  req->token = NULL;
  sb_state_changed (req->self->state, NULL);
  respond_empty (req->msg);
}

/* ---- Handlers: filters, account data, profile --------------------------------------------- */

static gboolean
check_own_user (Req *req, const char *user_id, const char *what)
{
  if (g_strcmp0 (user_id, req->user->user_id) != 0)
    {
      respond_error (req->msg, 403, "M_FORBIDDEN", "Cannot %s for other users", what);
      return FALSE;
    }
  return TRUE;
}

static void
h_filter_create (Req *req)
{
  JsonObject *body;
  JsonNode *node;
  g_autofree char *id = NULL;

  if (!check_own_user (req, req_arg (req, 0), "create filters"))
    return;
  if ((body = req_body_object (req)) == NULL)
    return;
  g_ptr_array_add (req->user->filters, json_node_copy (req->body));
  id = g_strdup_printf ("%u", req->user->filters->len - 1);
  sb_state_changed (req->self->state, NULL);
  node = sb_json_object_new ();
  json_object_set_string_member (json_node_get_object (node), "filter_id", id);
  respond_json (req->msg, SOUP_STATUS_OK, node);
}

/* The filter id (a decimal index) of user, or NULL. */
static JsonNode *
lookup_filter (SbUser *user, const char *id)
{
  char *end = NULL;
  guint64 index;

  if (id == NULL || !g_ascii_isdigit (id[0]))
    return NULL;
  index = g_ascii_strtoull (id, &end, 10);
  if (*end != '\0' || index >= user->filters->len)
    return NULL;
  return g_ptr_array_index (user->filters, index);
}

static void
h_filter_get (Req *req)
{
  JsonNode *filter;

  if (!check_own_user (req, req_arg (req, 0), "get filters"))
    return;
  filter = lookup_filter (req->user, req_arg (req, 1));
  if (filter == NULL)
    {
      respond_error (req->msg, 404, "M_NOT_FOUND", "No such filter");
      return;
    }
  respond_json (req->msg, SOUP_STATUS_OK, json_node_copy (filter));
}

static void
h_account_data_put (Req *req)
{
  if (!check_own_user (req, req_arg (req, 0), "add account data"))
    return;
  if (req_body_object (req) == NULL)
    return;
  sb_state_set_account_data (req->self->state, req->user, req_arg (req, 1),
                             json_node_copy (req->body));
  respond_empty (req->msg);
}

static void
h_account_data_get (Req *req)
{
  SbAccountData *ad;

  if (!check_own_user (req, req_arg (req, 0), "get account data"))
    return;
  ad = g_hash_table_lookup (req->user->account_data, req_arg (req, 1));
  if (ad == NULL)
    {
      respond_error (req->msg, 404, "M_NOT_FOUND", "Account data not found");
      return;
    }
  respond_json (req->msg, SOUP_STATUS_OK, json_node_copy (ad->content));
}

static void
h_profile (Req *req)
{
  SbUser *user = sb_state_lookup_user (req->self->state, req_arg (req, 0));
  JsonNode *node;
  const char *field = req->args->len > 1 ? req_arg (req, 1) : NULL;

  if (user == NULL)
    {
      respond_error (req->msg, 404, "M_NOT_FOUND", "Profile was not found");
      return;
    }
  node = sb_json_object_new ();
  /* Absent values are left out, as Synapse does for a remote profile (fixture 75). */
  if (user->displayname != NULL && (field == NULL || g_str_equal (field, "displayname")))
    json_object_set_string_member (json_node_get_object (node), "displayname", user->displayname);
  if (user->avatar_url != NULL && (field == NULL || g_str_equal (field, "avatar_url")))
    json_object_set_string_member (json_node_get_object (node), "avatar_url", user->avatar_url);
  respond_json (req->msg, SOUP_STATUS_OK, node);
}

static void
h_profile_put (Req *req)
{
  SbState *state = req->self->state;
  JsonObject *body;
  const char *field = req_arg (req, 1);
  const char *value;
  gboolean bad = FALSE;

  if (!check_own_user (req, req_arg (req, 0), "set the profile"))
    return;
  if ((body = req_body_object (req)) == NULL)
    return;
  value = body_string (body, field, &bad);
  if (bad || (!g_str_equal (field, "displayname") && !g_str_equal (field, "avatar_url")))
    {
      respond_error (req->msg, 400, "M_UNKNOWN", "Unable to parse %s", field);
      return;
    }
  /* Synapse counts the update of the member events once (_update_join_states). */
  if (!ratelimit (req, TRUE))
    return;
  if (g_str_equal (field, "displayname"))
    set_str (&req->user->displayname, value);
  else
    set_str (&req->user->avatar_url, value);
  /* Like Synapse, update the member event in every joined room. */
  for (guint i = 0; i < state->room_order->len; i++)
    {
      SbRoom *room = g_ptr_array_index (state->room_order, i);
      if (g_strcmp0 (sb_room_membership (room, req->user->user_id), "join") == 0)
        sb_state_set_membership (state, room, req->user->user_id, req->user->user_id, "join",
                                 FALSE);
    }
  sb_state_changed (state, NULL);
  respond_empty (req->msg);
}

/* ---- Handlers: sync --------------------------------------------------------------------- */

static void
h_sync (Req *req)
{
  TactSandboxServer *self = req->self;
  const char *since_str = req_query (req, "since");
  const char *filter_str = req_query (req, "filter");
  const char *timeout_str = req_query (req, "timeout");
  SbSyncFilter filter;
  guint64 since = 0;
  gint64 timeout = timeout_str != NULL ? g_ascii_strtoll (timeout_str, NULL, 10) : 0;
  gboolean has_content = FALSE;
  JsonNode *response;

  sb_sync_filter_from_json (&filter, NULL);
  if (filter_str != NULL)
    {
      g_autoptr(JsonNode) inline_filter = NULL;
      JsonNode *stored = NULL;

      if (filter_str[0] == '{')
        {
          inline_filter = sb_json_parse (filter_str, strlen (filter_str), NULL);
          if (inline_filter == NULL || !JSON_NODE_HOLDS_OBJECT (inline_filter))
            {
              respond_error (req->msg, 400, "M_NOT_JSON", "Invalid filter JSON");
              return;
            }
          stored = inline_filter;
        }
      else if ((stored = lookup_filter (req->user, filter_str)) == NULL)
        {
          respond_error (req->msg, 400, "M_INVALID_PARAM", "Invalid filter ID");
          return;
        }
      sb_sync_filter_from_json (&filter, json_node_get_object (stored));
    }
  if (since_str != NULL)
    {
      if (!sb_parse_stream_token (since_str, &since))
        {
          respond_error (req->msg, 400, "M_INVALID_PARAM", "Invalid stream token");
          return;
        }
      since = MIN (since, self->state->stream);
    }

  response = sb_sync_build (self->state, req->user, req->token->token, since_str != NULL, since,
                            &filter, &has_content);
  if (since_str == NULL || has_content || timeout <= 0)
    {
      respond_json (req->msg, SOUP_STATUS_OK, response);
      return;
    }
  json_node_unref (response);

  /* Nothing new: hold the request until something happens or the timeout passes. */
  {
    PendingSync *p = g_new0 (PendingSync, 1);

    p->self = self;
    p->msg = g_object_ref (req->msg);
    p->token = g_strdup (req->token->token);
    p->since = since;
    p->filter = filter;
    p->timeout_source = g_timeout_add ((guint) MIN (timeout, MAX_SYNC_TIMEOUT_MS),
                                       pending_sync_timeout_cb, p);
    p->finished_id = g_signal_connect (req->msg, "finished",
                                       G_CALLBACK (pending_sync_finished_cb), p);
    if (soup_server_message_get_socket (req->msg) != NULL)
      {
        p->hangup = g_socket_create_source (soup_server_message_get_socket (req->msg),
                                            G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
        g_source_set_callback (p->hangup, G_SOURCE_FUNC (pending_sync_hangup_cb), p, NULL);
        g_source_attach (p->hangup, g_main_context_get_thread_default ());
      }
    soup_server_message_pause (req->msg);
    g_ptr_array_add (self->pending_syncs, p);
  }
}

/* ---- Handlers: rooms ---------------------------------------------------------------------- */

static void
h_create_room (Req *req)
{
  SbState *state = req->self->state;
  JsonObject *body = req_body_object (req);
  JsonNode *n;
  SbCreateRoom options = { 0 };
  g_autoptr(GPtrArray) invites = g_ptr_array_new ();
  g_autofree char *alias = NULL;
  gboolean bad = FALSE;
  SbRoom *room;
  JsonNode *response;

  /* rc_message is checked once for the request here, and again for the creator's join. */
  if (body == NULL || !ratelimit (req, TRUE))
    return;

  /* Type checks in Synapse 1.67's order and with its (mixed) error codes: fixtures 60–65. */
  n = json_object_get_member (body, "preset");
  if (n != NULL)
    {
      const char *preset = JSON_NODE_HOLDS_VALUE (n) &&
                           json_node_get_value_type (n) == G_TYPE_STRING
                             ? json_node_get_string (n) : NULL;
      if (g_strcmp0 (preset, "private_chat") != 0 && g_strcmp0 (preset, "public_chat") != 0 &&
          g_strcmp0 (preset, "trusted_private_chat") != 0)
        {
          g_autofree char *repr = preset != NULL ? g_strdup (preset) : sb_json_to_string (n, FALSE);
          respond_error (req->msg, 400, "M_BAD_JSON", "'%s' is not a valid preset", repr);
          return;
        }
      options.preset = preset;
    }
  else if (g_strcmp0 (body_string (body, "visibility", &bad), "public") == 0)
    options.preset = "public_chat";

  n = json_object_get_member (body, "room_version");
  if (n != NULL && (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING ||
                    !g_str_equal (json_node_get_string (n), "9")))
    {
      respond_error (req->msg, 400, "M_UNSUPPORTED_ROOM_VERSION",
                     "Your homeserver does not support the features required to interact with "
                     "this room");
      return;
    }

  n = json_object_get_member (body, "invite");
  if (n != NULL)
    {
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        {
          /* Synapse iterates the string's characters and rejects the first. */
          const char *s = json_node_get_string (n);
          respond_error (req->msg, 400, "M_UNKNOWN", "Invalid user_id: %.1s", s);
          return;
        }
      if (!JSON_NODE_HOLDS_ARRAY (n))
        {
          respond_error (req->msg, 400, "M_UNKNOWN", "Invalid user_id");
          return;
        }
      for (guint i = 0; i < json_array_get_length (json_node_get_array (n)); i++)
        {
          JsonNode *e = json_array_get_element (json_node_get_array (n), i);
          const char *id = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING
                             ? json_node_get_string (e) : NULL;
          if (!is_valid_user_id (id))
            {
              respond_error (req->msg, 400, "M_UNKNOWN", "Invalid user_id: %s", id ? id : "");
              return;
            }
          g_ptr_array_add (invites, (gpointer) id);
        }
    }
  g_ptr_array_add (invites, NULL);

  options.name = body_string (body, "name", &bad);
  if (bad)
    {
      respond_error (req->msg, 400, "M_UNKNOWN", "'name' not a string type");
      return;
    }
  options.topic = body_string (body, "topic", &bad);
  if (bad)
    {
      respond_error (req->msg, 400, "M_UNKNOWN", "'topic' not a string type");
      return;
    }

  n = json_object_get_member (body, "power_level_content_override");
  if (n != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          respond_error (req->msg, 500, "M_UNKNOWN", "Internal server error");
          return;
        }
      options.power_level_content_override = json_node_get_object (n);
    }

  /* Synapse 1.67 assigns room_version into creation_content: anything but an object is an
   * internal error there (from its source; not captured). */
  n = json_object_get_member (body, "creation_content");
  if (n != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          respond_error (req->msg, 500, "M_UNKNOWN", "Internal server error");
          return;
        }
      options.creation_content = json_node_get_object (n);
    }

  {
    const char *alias_name = body_string (body, "room_alias_name", &bad);
    if (alias_name != NULL)
      {
        alias = g_strdup_printf ("#%s:%s", alias_name, state->server_name);
        if (sb_state_lookup_room (state, alias) != NULL)
          {
            respond_error (req->msg, 400, "M_ROOM_IN_USE", "Room alias already taken");
            return;
          }
        options.alias = alias;
      }
  }

  /* The creator's join (fixture 71). Synapse has stored m.room.create by then; the sandbox
   * creates nothing. */
  if (!ratelimit (req, TRUE))
    return;
  options.creator = req->user->user_id;
  options.invite = (const char *const *) invites->pdata;
  options.is_direct = json_object_get_boolean_member_with_default (body, "is_direct", FALSE);
  /* initial_state: entries that are not {type, content} objects are skipped. */
  n = json_object_get_member (body, "initial_state");
  options.initial_state = n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  room = sb_state_create_room (state, &options);

  response = sb_json_object_new ();
  json_object_set_string_member (json_node_get_object (response), "room_id", room->room_id);
  respond_json (req->msg, SOUP_STATUS_OK, response);
}

static void
h_join (Req *req)
{
  SbState *state = req->self->state;
  SbRoom *room = sb_state_lookup_room (state, req_arg (req, 0));
  const char *membership;
  SbEvent *rules;
  JsonNode *response;

  if (req_body_object (req) == NULL)
    return;
  if (room == NULL)
    {
      respond_error (req->msg, 404, "M_NOT_FOUND", "No known servers");
      return;
    }
  membership = sb_room_membership (room, req->user->user_id);
  rules = sb_room_get_state (room, "m.room.join_rules", "");
  if (g_strcmp0 (membership, "ban") == 0)
    {
      respond_error (req->msg, 403, "M_FORBIDDEN", "You are banned from this room");
      return;
    }
  if (g_strcmp0 (membership, "join") != 0)
    {
      gboolean is_public = rules != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (
                         json_node_get_object (rules->content), "join_rule", NULL), "public") == 0;
      if (g_strcmp0 (membership, "invite") != 0 && !is_public)
        {
          respond_error (req->msg, 403, "M_FORBIDDEN", "You are not invited to this room.");
          return;
        }
      if (!ratelimit (req, TRUE))
        return;
      sb_state_set_membership (state, room, req->user->user_id, req->user->user_id, "join", FALSE);
    }
  response = sb_json_object_new ();
  json_object_set_string_member (json_node_get_object (response), "room_id", room->room_id);
  respond_json (req->msg, SOUP_STATUS_OK, response);
}

/* The room for a /rooms/{roomId}/… request the user has joined, or NULL after a 403. */
static SbRoom *
req_joined_room (Req *req)
{
  SbRoom *room = sb_state_lookup_room (req->self->state, req_arg (req, 0));

  if (room == NULL || g_strcmp0 (sb_room_membership (room, req->user->user_id), "join") != 0)
    {
      respond_not_in_room (req, req_arg (req, 0));
      return NULL;
    }
  return room;
}

static void
h_invite (Req *req)
{
  SbState *state = req->self->state;
  JsonObject *body = req_body_object (req);
  SbRoom *room;
  const char *target, *current;
  gboolean bad = FALSE;
  gint64 level, needed;

  if (body == NULL || (room = req_joined_room (req)) == NULL)
    return;
  target = body_string (body, "user_id", &bad);
  if (bad || !is_valid_user_id (target))
    {
      respond_error (req->msg, 400, "M_BAD_JSON", "Missing or invalid user_id");
      return;
    }
  level = sb_room_user_level (room, req->user->user_id);
  {
    SbEvent *pl = sb_room_get_state (room, "m.room.power_levels", "");
    needed = pl != NULL ? sb_json_get_int (json_node_get_object (pl->content), "invite", 0) : 0;
  }
  if (level < needed)
    {
      respond_error (req->msg, 403, "M_FORBIDDEN",
                     "You don't have permission to invite users to this room.");
      return;
    }
  current = sb_room_membership (room, target);
  if (g_strcmp0 (current, "join") == 0)
    {
      respond_error (req->msg, 403, "M_FORBIDDEN", "%s is already in the room.", target);
      return;
    }
  if (g_strcmp0 (current, "ban") == 0)
    {
      respond_error (req->msg, 403, "M_FORBIDDEN", "%s is banned from the room", target);
      return;
    }
  if (g_strcmp0 (current, "invite") != 0)
    {
      if (!ratelimit (req, TRUE))
        return;
      sb_state_set_membership (state, room, req->user->user_id, target, "invite", FALSE);
    }
  respond_empty (req->msg);
}

static void
h_leave (Req *req)
{
  SbState *state = req->self->state;
  SbRoom *room = sb_state_lookup_room (state, req_arg (req, 0));
  const char *membership;

  if (req_body_object (req) == NULL)
    return;
  membership = room != NULL ? sb_room_membership (room, req->user->user_id) : NULL;
  if (membership == NULL)
    {
      respond_not_in_room (req, req_arg (req, 0));
      return;
    }
  if (g_str_equal (membership, "join") || g_str_equal (membership, "invite"))
    {
      if (!ratelimit (req, TRUE))
        return;
      sb_state_set_membership (state, room, req->user->user_id, req->user->user_id, "leave",
                               FALSE);
    }
  respond_empty (req->msg);
}

static gboolean
check_power (Req *req, SbRoom *room, const char *type, gboolean is_state)
{
  gint64 level = sb_room_user_level (room, req->user->user_id);
  gint64 needed = sb_room_required_level (room, type, is_state);

  if (level < needed && !req->self->ignore_power)
    {
      respond_error (req->msg, 403, "M_FORBIDDEN",
                     "You don't have permission to post that to the room. "
                     "user_level (%" G_GINT64_FORMAT ") < send_level (%" G_GINT64_FORMAT ")",
                     level, needed);
      return FALSE;
    }
  return TRUE;
}

static void
respond_event_id (Req *req, const char *event_id)
{
  JsonNode *node = sb_json_object_new ();

  json_object_set_string_member (json_node_get_object (node), "event_id", event_id);
  respond_json (req->msg, SOUP_STATUS_OK, node);
}

static void
h_send (Req *req)
{
  SbState *state = req->self->state;
  const char *type = req_arg (req, 1);
  const char *txn_id = req_arg (req, 2);
  g_autofree char *txn_key = sb_txn_key (req->user->user_id, req->token->device_id, txn_id);
  const char *existing = g_hash_table_lookup (state->txns, txn_key);
  SbRoom *room;
  SbEvent *ev;

  /* A repeated transaction returns the first event, whatever the body (fixtures 32/33). */
  if (existing != NULL)
    {
      respond_event_id (req, existing);
      return;
    }
  /* Synapse looks at the limiter before the checks and counts the event after them. */
  if (!ratelimit (req, FALSE))
    return;
  if (req_body_object_required (req) == NULL || (room = req_joined_room (req)) == NULL)
    return;
  if (!check_power (req, room, type, FALSE) || !ratelimit (req, TRUE))
    return;

  /* Append without notifying first, so the transaction id is set when observers look. */
  ev = sb_room_append (state, room, type, req->user->user_id, NULL, json_node_copy (req->body));
  ev->txn_id = g_strdup (txn_id);
  ev->txn_device = g_strdup (req->token->device_id);
  g_hash_table_replace (state->txns, g_steal_pointer (&txn_key), g_strdup (ev->event_id));
  sb_state_changed (state, ev);
  respond_event_id (req, ev->event_id);
}

static void
h_state_put (Req *req)
{
  SbState *state = req->self->state;
  const char *type = req_arg (req, 1);
  const char *state_key = req->args->len > 2 ? req_arg (req, 2) : "";
  SbRoom *room;
  SbEvent *current, *ev;

  if (req_body_object (req) == NULL || (room = req_joined_room (req)) == NULL)
    return;
  if (g_str_equal (type, "m.room.member") && !g_str_equal (state_key, req->user->user_id))
    {
      respond_error (req->msg, 403, "M_FORBIDDEN", "Use the membership endpoints for others");
      return;
    }
  if (!ratelimit (req, FALSE) || !check_power (req, room, type, TRUE))
    return;
  /* Synapse does not send an identical state event again. */
  current = sb_room_get_state (room, type, state_key);
  if (current != NULL && g_str_equal (current->sender, req->user->user_id) &&
      json_node_equal (current->content, req->body))
    {
      respond_event_id (req, current->event_id);
      return;
    }
  if (!ratelimit (req, TRUE))
    return;
  ev = sb_state_emit (state, room, type, req->user->user_id, state_key, json_node_copy (req->body));
  respond_event_id (req, ev->event_id);
}

static gint
compare_stream (gconstpointer a, gconstpointer b)
{
  const SbEvent *ea = *(SbEvent *const *) a;
  const SbEvent *eb = *(SbEvent *const *) b;

  return ea->stream < eb->stream ? -1 : ea->stream > eb->stream;
}

static void
h_state_get_all (Req *req)
{
  SbRoom *room = req_joined_room (req);
  g_autoptr(GPtrArray) events = NULL;
  JsonArray *array;

  if (room == NULL)
    return;
  events = g_ptr_array_new ();
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, room->state);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_add (events, value);
  }
  g_ptr_array_sort (events, compare_stream);
  array = json_array_new ();
  for (guint i = 0; i < events->len; i++)
    json_array_add_element (array, sb_event_to_json (req->self->state,
                                                     g_ptr_array_index (events, i),
                                                     SB_EVENT_CLIENT, NULL));
  respond_json (req->msg, SOUP_STATUS_OK, sb_json_take_array (array));
}

static void
h_state_get (Req *req)
{
  SbRoom *room = req_joined_room (req);
  SbEvent *ev;

  if (room == NULL)
    return;
  ev = sb_room_get_state (room, req_arg (req, 1), req->args->len > 2 ? req_arg (req, 2) : "");
  if (ev == NULL)
    {
      respond_error (req->msg, 404, "M_NOT_FOUND", "Event not found.");
      return;
    }
  /* Content only (fixtures 47, 51). */
  respond_json (req->msg, SOUP_STATUS_OK, json_node_copy (ev->content));
}

static gboolean
event_matches_filter (SbEvent *ev, JsonObject *filter)
{
  JsonArray *types, *not_types;

  if (filter == NULL)
    return TRUE;
  types = sb_json_get_array (filter, "types");
  not_types = sb_json_get_array (filter, "not_types");
  for (guint i = 0; not_types != NULL && i < json_array_get_length (not_types); i++)
    if (g_strcmp0 (json_array_get_string_element (not_types, i), ev->type) == 0)
      return FALSE;
  if (types == NULL)
    return TRUE;
  for (guint i = 0; i < json_array_get_length (types); i++)
    if (g_strcmp0 (json_array_get_string_element (types, i), ev->type) == 0)
      return TRUE;
  return FALSE;
}

static void
h_messages (Req *req)
{
  SbState *state = req->self->state;
  SbRoom *room = req_joined_room (req);
  const char *dir = req_query (req, "dir");
  const char *from = req_query (req, "from");
  const char *to = req_query (req, "to");
  const char *limit_str = req_query (req, "limit");
  const char *filter_str = req_query (req, "filter");
  g_autoptr(JsonNode) filter = NULL;
  g_autofree char *start = NULL;
  g_autofree gboolean *visible = NULL;  /* history visibility, per event of the room */
  guint64 from_pos = state->stream, to_pos = 0;
  gboolean has_to = FALSE, backwards;
  gint64 limit = limit_str != NULL ? g_ascii_strtoll (limit_str, NULL, 10) : 10;
  JsonArray *chunk;
  SbEvent *last = NULL;
  JsonObject *out;

  if (room == NULL)
    return;
  if (dir == NULL)
    dir = "f";  /* Synapse 1.67's default */
  if (!g_str_equal (dir, "b") && !g_str_equal (dir, "f"))
    {
      respond_error (req->msg, 400, "M_INVALID_PARAM", "Query parameter \"dir\" must be one of [f, b]");
      return;
    }
  backwards = g_str_equal (dir, "b");
  if ((from != NULL && !sb_parse_stream_token (from, &from_pos)) ||
      (to != NULL && !(has_to = sb_parse_stream_token (to, &to_pos))))
    {
      respond_error (req->msg, 400, "M_INVALID_PARAM", "Invalid pagination token");
      return;
    }
  if (filter_str != NULL)
    {
      filter = sb_json_parse (filter_str, strlen (filter_str), NULL);
      if (filter == NULL || !JSON_NODE_HOLDS_OBJECT (filter))
        {
          respond_error (req->msg, 400, "M_NOT_JSON", "Invalid filter JSON");
          return;
        }
    }
  limit = CLAMP (limit, 0, 1000);
  start = from != NULL ? g_strdup (from) : g_strdup_printf ("t%" G_GUINT64_FORMAT, from_pos);

  visible = sb_room_visibility (room, req->user->user_id);
  chunk = json_array_new ();
  if (backwards)
    {
      for (guint i = room->events->len; i > 0 && json_array_get_length (chunk) < (guint) limit; i--)
        {
          SbEvent *ev = g_ptr_array_index (room->events, i - 1);

          if (ev->stream > from_pos)
            continue;
          if (has_to && ev->stream <= to_pos)
            break;
          last = ev;
          if (visible[i - 1] &&
              event_matches_filter (ev, filter ? json_node_get_object (filter) : NULL))
            json_array_add_element (chunk, sb_event_to_json (state, ev, SB_EVENT_CLIENT, NULL));
        }
    }
  else
    {
      for (guint i = 0; i < room->events->len && json_array_get_length (chunk) < (guint) limit; i++)
        {
          SbEvent *ev = g_ptr_array_index (room->events, i);

          if (ev->stream <= from_pos)
            continue;
          if (has_to && ev->stream > to_pos)
            break;
          last = ev;
          if (visible[i] &&
              event_matches_filter (ev, filter ? json_node_get_object (filter) : NULL))
            json_array_add_element (chunk, sb_event_to_json (state, ev, SB_EVENT_CLIENT, NULL));
        }
    }

  out = json_object_new ();
  json_object_set_array_member (out, "chunk", chunk);
  json_object_set_string_member (out, "start", start);
  /* No end once nothing is left in that direction (fixtures 42, 45). */
  if (last != NULL)
    {
      g_autofree char *end = g_strdup_printf ("t%" G_GUINT64_FORMAT,
                                              backwards ? last->stream - 1 : last->stream);
      json_object_set_string_member (out, "end", end);
    }
  respond_json (req->msg, SOUP_STATUS_OK, sb_json_take_object (out));
}

static void
h_joined_members (Req *req)
{
  SbRoom *room = req_joined_room (req);
  g_autoptr(GPtrArray) joined = NULL;
  JsonObject *map, *out;

  if (room == NULL)
    return;
  joined = sb_room_members (room, "join");
  map = json_object_new ();
  for (guint i = 0; i < joined->len; i++)
    {
      const char *uid = g_ptr_array_index (joined, i);
      SbEvent *ev = sb_room_get_state (room, "m.room.member", uid);
      JsonObject *content = json_node_get_object (ev->content);
      JsonObject *entry = json_object_new ();
      const char *avatar = json_object_get_string_member_with_default (content, "avatar_url", NULL);
      const char *name = json_object_get_string_member_with_default (content, "displayname", NULL);

      if (avatar != NULL)
        json_object_set_string_member (entry, "avatar_url", avatar);
      else
        json_object_set_null_member (entry, "avatar_url");
      if (name != NULL)
        json_object_set_string_member (entry, "display_name", name);
      else
        json_object_set_null_member (entry, "display_name");
      json_object_set_object_member (map, uid, entry);
    }
  out = json_object_new ();
  json_object_set_object_member (out, "joined", map);
  respond_json (req->msg, SOUP_STATUS_OK, sb_json_take_object (out));
}

static void
h_members (Req *req)
{
  SbRoom *room = req_joined_room (req);
  g_autoptr(GPtrArray) events = NULL;
  JsonArray *chunk;
  JsonObject *out;

  if (room == NULL)
    return;
  events = g_ptr_array_new ();
  for (guint i = 0; i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);
      if (g_str_equal (ev->type, "m.room.member") &&
          sb_room_get_state (room, "m.room.member", ev->state_key) == ev)
        g_ptr_array_add (events, ev);
    }
  chunk = json_array_new ();
  for (guint i = 0; i < events->len; i++)
    json_array_add_element (chunk, sb_event_to_json (req->self->state,
                                                     g_ptr_array_index (events, i),
                                                     SB_EVENT_CLIENT, NULL));
  out = json_object_new ();
  json_object_set_array_member (out, "chunk", chunk);
  respond_json (req->msg, SOUP_STATUS_OK, sb_json_take_object (out));
}

static gboolean
event_visible (SbRoom *room, SbEvent *ev, const char *user_id)
{
  g_autofree gboolean *visible = sb_room_visibility (room, user_id);

  for (guint i = 0; i < room->events->len; i++)
    if (g_ptr_array_index (room->events, i) == ev)
      return visible[i];
  return FALSE;
}

static void
h_event_get (Req *req)
{
  SbRoom *room = req_joined_room (req);
  SbEvent *ev;

  if (room == NULL)
    return;
  ev = g_hash_table_lookup (req->self->state->events, req_arg (req, 1));
  /* An event history visibility hides is not found, as in Synapse. */
  if (ev == NULL || !g_str_equal (ev->room_id, room->room_id) ||
      !event_visible (room, ev, req->user->user_id))
    {
      respond_error (req->msg, 404, "M_NOT_FOUND", "Could not find event %s", req_arg (req, 1));
      return;
    }
  /* Never with transaction_id (fixture 38). */
  respond_json (req->msg, SOUP_STATUS_OK,
                sb_event_to_json (req->self->state, ev, SB_EVENT_CLIENT, NULL));
}

static void
set_receipt (Req *req, SbRoom *room, const char *event_id)
{
  SbReceipt *r = g_new0 (SbReceipt, 1);

  r->event_id = g_strdup (event_id);
  r->ts = g_get_real_time () / 1000;
  r->stream = sb_state_next_stream (req->self->state);
  g_hash_table_replace (room->receipts, g_strdup (req->user->user_id), r);
  sb_state_changed (req->self->state, NULL);
}

static void
h_receipt (Req *req)
{
  SbRoom *room;

  if (req_body_object (req) == NULL || (room = req_joined_room (req)) == NULL)
    return;
  if (!g_hash_table_contains (req->self->state->events, req_arg (req, 2)))
    {
      respond_error (req->msg, 404, "M_NOT_FOUND", "Could not find event %s", req_arg (req, 2));
      return;
    }
  if (g_str_equal (req_arg (req, 1), "m.read"))
    set_receipt (req, room, req_arg (req, 2));
  respond_empty (req->msg);
}

static void
h_read_markers (Req *req)
{
  JsonObject *body;
  SbRoom *room;
  const char *read;
  gboolean bad = FALSE;

  if ((body = req_body_object (req)) == NULL || (room = req_joined_room (req)) == NULL)
    return;
  read = body_string (body, "m.read", &bad);
  if (read != NULL && g_hash_table_contains (req->self->state->events, read))
    set_receipt (req, room, read);
  respond_empty (req->msg);
}

static void
h_typing (Req *req)
{
  JsonObject *body;
  SbRoom *room;
  JsonNode *typing;
  gboolean changed;

  if ((body = req_body_object (req)) == NULL || (room = req_joined_room (req)) == NULL)
    return;
  if (!check_own_user (req, req_arg (req, 1), "set typing for"))
    return;
  typing = json_object_get_member (body, "typing");
  if (typing == NULL || !JSON_NODE_HOLDS_VALUE (typing)
      || json_node_get_value_type (typing) != G_TYPE_BOOLEAN)
    {
      respond_error (req->msg, 400, "M_BAD_JSON", "typing must be a boolean");
      return;
    }
  /* The set is kept until the user stops typing; the timeout is not modelled. */
  if (json_node_get_boolean (typing))
    changed = g_hash_table_add (room->typing, g_strdup (req->user->user_id));
  else
    changed = g_hash_table_remove (room->typing, req->user->user_id);
  if (changed)
    {
      room->typing_stream = sb_state_next_stream (req->self->state);
      sb_state_changed (req->self->state, NULL);
    }
  respond_empty (req->msg);
}

/* ---- Handlers: media ---------------------------------------------------------------------- */

static void
h_media_config (Req *req)
{
  JsonNode *node = sb_json_object_new ();

  json_object_set_int_member (json_node_get_object (node), "m.upload.size", MEDIA_UPLOAD_SIZE);
  respond_json (req->msg, SOUP_STATUS_OK, node);
}

static void
h_media_upload (Req *req)
{
  SbState *state = req->self->state;
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  const char *ctype = soup_message_headers_get_one (
      soup_server_message_get_request_headers (req->msg), "Content-Type");
  SbMedia *media;
  JsonNode *node;
  g_autofree char *uri = NULL;

  if (g_bytes_get_size (bytes) > MEDIA_UPLOAD_SIZE)
    {
      respond_error (req->msg, 413, "M_TOO_LARGE", "Upload request body is too large");
      return;
    }
  media = sb_state_add_media (state, ctype, req_query (req, "filename"), bytes);
  sb_state_changed (state, NULL);
  uri = g_strdup_printf ("mxc://%s/%s", state->server_name, media->media_id);
  node = sb_json_object_new ();
  json_object_set_string_member (json_node_get_object (node), "content_uri", uri);
  respond_json (req->msg, SOUP_STATUS_OK, node);
}

static void
h_media_download (Req *req)
{
  SbState *state = req->self->state;
  SbMedia *media = g_str_equal (req_arg (req, 0), state->server_name)
                     ? g_hash_table_lookup (state->media, req_arg (req, 1)) : NULL;
  const char *filename = req->args->len > 2 ? req_arg (req, 2) : NULL;
  SoupMessageHeaders *h;
  gsize len = 0;
  gconstpointer data;

  /* With authenticated media, the unauthenticated routes serve nothing (Synapse with
   * enable_authenticated_media, for media uploaded after it was enabled). */
  if (media == NULL || (req->self->authenticated_media && !(req->route->flags & ROUTE_AUTH)))
    {
      respond_error (req->msg, 404, "M_NOT_FOUND", "Not found");
      return;
    }
  if (filename == NULL)
    filename = media->filename;
  h = soup_server_message_get_response_headers (req->msg);
  add_common_headers (req->msg);
  if (filename != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (filename, NULL, FALSE);
      g_autofree char *disposition =
          g_str_equal (escaped, filename) ? g_strdup_printf ("inline; filename=%s", filename)
                                          : g_strdup_printf ("inline; filename*=utf-8''%s", escaped);
      soup_message_headers_replace (h, "Content-Disposition", disposition);
    }
  data = g_bytes_get_data (media->data, &len);
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (req->msg, media->content_type, SOUP_MEMORY_COPY, data, len);
}

/* ---- Routing ------------------------------------------------------------------------------ */

#define C "_matrix/client/v3/"
#define M "_matrix/media/v3/"
#define V "_matrix/client/v1/media/"

static const Route routes[] = {
  { "GET",  "_matrix/client/versions",        0, h_versions },
  { "GET",  ".well-known/matrix/client",      0, h_well_known },
  { "GET",  C "login",                        0, h_login_flows },
  { "POST", C "login",                        0, h_login },
  { "POST", C "register",                     0, h_register },
  { "GET",  C "capabilities",                 ROUTE_AUTH, h_capabilities },
  { "GET",  C "account/whoami",               ROUTE_AUTH, h_whoami },
  { "POST", C "logout",                       ROUTE_AUTH, h_logout },
  { "POST", C "logout/all",                   ROUTE_AUTH, h_logout_all },
  { "POST", C "user/*/filter",                ROUTE_AUTH, h_filter_create },
  { "GET",  C "user/*/filter/*",              ROUTE_AUTH, h_filter_get },
  { "PUT",  C "user/*/account_data/*",        ROUTE_AUTH, h_account_data_put },
  { "GET",  C "user/*/account_data/*",        ROUTE_AUTH, h_account_data_get },
  { "GET",  C "profile/*",                    ROUTE_AUTH, h_profile },
  { "GET",  C "profile/*/*",                  ROUTE_AUTH, h_profile },
  { "PUT",  C "profile/*/*",                  ROUTE_AUTH, h_profile_put },
  { "GET",  C "sync",                         ROUTE_AUTH, h_sync },
  { "POST", C "createRoom",                   ROUTE_AUTH, h_create_room },
  { "POST", C "join/*",                       ROUTE_AUTH, h_join },
  { "POST", C "rooms/*/join",                 ROUTE_AUTH, h_join },
  { "POST", C "rooms/*/invite",               ROUTE_AUTH, h_invite },
  { "POST", C "rooms/*/leave",                ROUTE_AUTH, h_leave },
  { "PUT",  C "rooms/*/send/*/*",             ROUTE_AUTH | ROUTE_FAULTABLE, h_send },
  { "PUT",  C "rooms/*/state/*",              ROUTE_AUTH, h_state_put },
  { "PUT",  C "rooms/*/state/*/*",            ROUTE_AUTH, h_state_put },
  { "GET",  C "rooms/*/state",                ROUTE_AUTH, h_state_get_all },
  { "GET",  C "rooms/*/state/*",              ROUTE_AUTH, h_state_get },
  { "GET",  C "rooms/*/state/*/*",            ROUTE_AUTH, h_state_get },
  { "GET",  C "rooms/*/messages",             ROUTE_AUTH, h_messages },
  { "GET",  C "rooms/*/joined_members",       ROUTE_AUTH, h_joined_members },
  { "GET",  C "rooms/*/members",              ROUTE_AUTH, h_members },
  { "GET",  C "rooms/*/event/*",              ROUTE_AUTH, h_event_get },
  { "POST", C "rooms/*/receipt/*/*",          ROUTE_AUTH, h_receipt },
  { "POST", C "rooms/*/read_markers",         ROUTE_AUTH, h_read_markers },
  { "PUT",  C "rooms/*/typing/*",             ROUTE_AUTH, h_typing },
  { "GET",  M "config",                       ROUTE_AUTH, h_media_config },
  { "POST", M "upload",                       ROUTE_AUTH | ROUTE_FAULTABLE, h_media_upload },
  { "GET",  M "download/*/*",                 0, h_media_download },
  { "GET",  M "download/*/*/*",               0, h_media_download },
  { "GET",  M "thumbnail/*/*",                0, h_media_download },
  { "GET",  V "config",                       ROUTE_AUTH | ROUTE_V1_MEDIA, h_media_config },
  { "GET",  V "download/*/*",                 ROUTE_AUTH | ROUTE_V1_MEDIA, h_media_download },
  { "GET",  V "download/*/*/*",               ROUTE_AUTH | ROUTE_V1_MEDIA, h_media_download },
  { "GET",  V "thumbnail/*/*",                ROUTE_AUTH | ROUTE_V1_MEDIA, h_media_download },
};

#undef C
#undef M
#undef V

/* Matches decoded path segments against a pattern; collects the '*' segments into args. */
static gboolean
route_match (const char *pattern, char **segs, GPtrArray *args)
{
  g_auto(GStrv) parts = g_strsplit (pattern, "/", -1);
  guint n = g_strv_length (parts);

  if (n != g_strv_length (segs))
    return FALSE;
  g_ptr_array_set_size (args, 0);
  for (guint i = 0; i < n; i++)
    {
      if (g_str_equal (parts[i], "*"))
        g_ptr_array_add (args, segs[i]);
      else if (!g_str_equal (parts[i], segs[i]))
        return FALSE;
    }
  return TRUE;
}

/* Authenticates (if the route needs it), injects faults, runs the handler. */
static void
run_route (Req *req)
{
  TactSandboxServer *self = req->self;

  if (req->route->flags & ROUTE_AUTH)
    {
      const char *auth = soup_message_headers_get_one (
          soup_server_message_get_request_headers (req->msg), "Authorization");
      const char *token = NULL;

      if (auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
        token = auth + 7;
      else
        token = req_query (req, "access_token");  /* spec-compliant, the client never uses it */
      if (token == NULL)
        {
          respond_error (req->msg, 401, "M_MISSING_TOKEN", "Missing access token");
          return;
        }
      req->token = sb_state_lookup_token (self->state, token);
      req->user = req->token != NULL ? sb_state_lookup_user (self->state, req->token->user_id)
                                     : NULL;
      if (req->user == NULL)
        {
          JsonNode *node = error_node ("M_UNKNOWN_TOKEN", "Invalid access token passed.");
          json_object_set_boolean_member (json_node_get_object (node), "soft_logout",
                                          g_hash_table_contains (self->soft_expired, token));
          respond_json (req->msg, 401, node);
          return;
        }
    }
  if (!req->fault_done && maybe_inject_fault (req))
    return;
  req->route->handler (req);
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  TactSandboxServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *raw_path = g_uri_get_path (soup_server_message_get_uri (msg));
  g_auto(GStrv) segs = NULL;
  g_autoptr(Req) req = NULL;

  if (g_str_equal (method, "OPTIONS"))
    {
      respond_empty (msg);  /* CORS preflight */
      return;
    }

  /* Split the encoded path, then decode each segment: ids contain '!', '@', ':' and '/'-free
   * escapes, and a state key may be empty (a trailing slash). */
  segs = g_strsplit (raw_path[0] == '/' ? raw_path + 1 : raw_path, "/", -1);
  for (guint i = 0; segs[i] != NULL; i++)
    {
      char *decoded = g_uri_unescape_string (segs[i], NULL);
      if (decoded == NULL)
        {
          respond_unrecognized (msg);
          return;
        }
      g_free (segs[i]);
      segs[i] = decoded;
    }

  req = g_new0 (Req, 1);
  req->self = self;
  req->msg = g_object_ref (msg);
  req->args = g_ptr_array_new_with_free_func (g_free);
  {
    g_autofree char *joined = g_strjoinv ("/", segs);
    req->path = g_strconcat ("/", joined, NULL);
  }
  req->query = query != NULL ? g_hash_table_ref (query) : NULL;

  for (guint r = 0; r < G_N_ELEMENTS (routes); r++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();

      if (!g_str_equal (routes[r].method, method) && !(g_str_equal (method, "HEAD") &&
                                                       g_str_equal (routes[r].method, "GET")))
        continue;
      if ((routes[r].flags & ROUTE_V1_MEDIA) && !self->authenticated_media)
        continue;
      if (!route_match (routes[r].pattern, segs, args))
        continue;
      for (guint i = 0; i < args->len; i++)
        g_ptr_array_add (req->args, g_strdup (g_ptr_array_index (args, i)));
      req->route = &routes[r];
      run_route (req);
      return;
    }
  /* Unknown endpoint or wrong method: both 400 M_UNRECOGNIZED (fixtures 66, 67). */
  respond_unrecognized (msg);
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
tact_sandbox_server_dispose (GObject *object)
{
  TactSandboxServer *self = TACT_SANDBOX_SERVER (object);

  tact_sandbox_server_stop (self);
  g_clear_pointer (&self->actors, sb_actors_free);

  G_OBJECT_CLASS (tact_sandbox_server_parent_class)->dispose (object);
}

static void
tact_sandbox_server_finalize (GObject *object)
{
  TactSandboxServer *self = TACT_SANDBOX_SERVER (object);

  g_clear_pointer (&self->pending_syncs, g_ptr_array_unref);
  g_clear_pointer (&self->delayed, g_ptr_array_unref);
  g_clear_pointer (&self->state, sb_state_free);
  g_clear_pointer (&self->state_file, g_free);
  g_clear_pointer (&self->policy_room, g_free);
  g_clear_pointer (&self->supervision_room, g_free);
  g_clear_pointer (&self->versions, g_strfreev);
  g_clear_pointer (&self->soft_expired, g_hash_table_unref);
  g_clear_pointer (&self->fault_rules, g_ptr_array_unref);
  g_clear_pointer (&self->buckets, g_hash_table_unref);

  G_OBJECT_CLASS (tact_sandbox_server_parent_class)->finalize (object);
}

static void
tact_sandbox_server_class_init (TactSandboxServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tact_sandbox_server_dispose;
  object_class->finalize = tact_sandbox_server_finalize;
}

static void
tact_sandbox_server_init (TactSandboxServer *self)
{
  self->pending_syncs = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_sync_free);
  self->delayed = g_ptr_array_new_with_free_func ((GDestroyNotify) delayed_free);
  self->versions = g_strdupv ((char **) synapse_versions);
  self->fault_ms = 1000;
  self->fault_rules = g_ptr_array_new_with_free_func ((GDestroyNotify) fault_rule_free);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->soft_expired = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->actors = sb_actors_new (&self->state);
}

/* ---- Public API --------------------------------------------------------------------------- */

TactSandboxServer *
tact_sandbox_server_new (const char *server_name)
{
  TactSandboxServer *self = g_object_new (TACT_TYPE_SANDBOX_SERVER, NULL);

  set_state (self, sb_state_new (server_name != NULL ? server_name : TACT_SANDBOX_SERVER_NAME));
  return self;
}

void
tact_sandbox_server_seed_demo (TactSandboxServer *self)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));

  if (g_hash_table_size (self->state->users) > 0)
    return;
  sb_actors_seed_demo (self->state);
  sb_state_changed (self->state, NULL);
}

gboolean
tact_sandbox_server_set_state_file (TactSandboxServer *self, const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_autoptr(JsonNode) root = sb_json_parse (contents, length, &local_error);
      SbState *loaded = root != NULL ? sb_state_from_json (root, &local_error) : NULL;

      if (loaded == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Cannot load the sandbox state from %s: %s", path, local_error->message);
          return FALSE;
        }
      set_state (self, loaded);
      self->dirty = FALSE;
      /* A running server's actors pick up what the loaded state owes them. */
      if (self->soup != NULL)
        sb_actors_resume (self->actors);
    }
  else if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Cannot read the sandbox state: ");
      return FALSE;
    }
  else
    self->dirty = TRUE;

  set_str (&self->state_file, path);
  if (self->dirty)
    return tact_sandbox_server_save (self, error);
  return TRUE;
}

gboolean
tact_sandbox_server_listen (TactSandboxServer *self, guint16 port, GError **error)
{
  GSList *uris;

  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), FALSE);
  g_return_val_if_fail (self->soup == NULL, FALSE);

  self->soup = soup_server_new ("server-header", "TactSandbox/" TACT_VERSION " ", NULL);
  soup_server_add_handler (self->soup, NULL, server_callback, self, NULL);
  if (!soup_server_listen_local (self->soup, port, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    {
      g_clear_object (&self->soup);
      return FALSE;
    }
  uris = soup_server_get_uris (self->soup);
  self->port = uris != NULL ? (guint16) g_uri_get_port (uris->data) : port;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  /* The actors come online with the server: invitations and approval requests that arrived
   * while it was stopped (or that a restart interrupted) are handled now. */
  sb_actors_resume (self->actors);
  return TRUE;
}

guint16
tact_sandbox_server_get_port (TactSandboxServer *self)
{
  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), 0);
  return self->port;
}

char *
tact_sandbox_server_dup_base_url (TactSandboxServer *self)
{
  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), NULL);
  return g_strdup_printf ("http://127.0.0.1:%u", self->port);
}

void
tact_sandbox_server_stop (TactSandboxServer *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));

  /* Forget held requests first: disconnecting emits "finished" on them. */
  if (self->pending_syncs != NULL)
    g_ptr_array_set_size (self->pending_syncs, 0);
  if (self->delayed != NULL)
    g_ptr_array_set_size (self->delayed, 0);
  g_clear_handle_id (&self->wake_source, g_source_remove);
  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  if (self->dirty && self->state_file != NULL && !tact_sandbox_server_save (self, &error))
    g_warning ("Cannot save the sandbox state: %s", error->message);
  g_clear_handle_id (&self->save_source, g_source_remove);
}

void
tact_sandbox_server_set_reply_delay (TactSandboxServer *self, guint ms)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));
  sb_actors_set_delay (self->actors, ms);
}

guint
tact_sandbox_server_count_events (TactSandboxServer *self, const char *room_id,
                                  const char *sender, const char *type)
{
  SbRoom *room;
  guint count = 0;

  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), 0);
  room = sb_state_lookup_room (self->state, room_id);
  for (guint i = 0; room != NULL && i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);
      if ((sender == NULL || g_str_equal (ev->sender, sender)) &&
          (type == NULL || g_str_equal (ev->type, type)))
        count++;
    }
  return count;
}

GPtrArray *
tact_sandbox_server_dup_bodies (TactSandboxServer *self, const char *room_id)
{
  GPtrArray *bodies = g_ptr_array_new_with_free_func (g_free);
  SbRoom *room;

  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), bodies);
  room = sb_state_lookup_room (self->state, room_id);
  for (guint i = 0; room != NULL && i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);
      const char *body;

      if (!g_str_equal (ev->type, "m.room.message"))
        continue;
      body = json_object_get_string_member_with_default (json_node_get_object (ev->content),
                                                         "body", NULL);
      if (body != NULL)
        g_ptr_array_add (bodies, g_strdup (body));
    }
  return bodies;
}

gboolean
tact_sandbox_server_say (TactSandboxServer *self, const char *sender, const char *room_name,
                         const char *body)
{
  g_autofree char *room_id = NULL;

  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), FALSE);
  room_id = tact_sandbox_server_dup_room_id (self, room_name);
  return room_id != NULL && sb_actors_say (self->state, sender, room_id, body);
}

char *
tact_sandbox_server_dup_room_id (TactSandboxServer *self, const char *room_name)
{
  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), NULL);

  for (guint i = 0; i < self->state->room_order->len; i++)
    {
      SbRoom *room = g_ptr_array_index (self->state->room_order, i);
      if (g_strcmp0 (sb_room_name (room), room_name) == 0)
        return g_strdup (room->room_id);
    }
  return NULL;
}

void
tact_sandbox_server_set_versions (TactSandboxServer *self, const char *const *versions)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));

  g_strfreev (self->versions);
  self->versions = g_strdupv ((char **) (versions != NULL ? versions : synapse_versions));
}

void
tact_sandbox_server_set_fault (TactSandboxServer *self, TactSandboxFault kind, guint every_n)
{
  FaultRule *rule;

  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));

  for (guint i = self->fault_rules->len; i > 0; i--)
    if (((FaultRule *) g_ptr_array_index (self->fault_rules, i - 1))->faultable)
      g_ptr_array_remove_index (self->fault_rules, i - 1);
  self->faults_injected = 0;
  if (kind == TACT_SANDBOX_FAULT_NONE || every_n == 0)
    return;
  rule = g_new0 (FaultRule, 1);
  rule->faultable = TRUE;
  rule->kind = kind;
  rule->every = every_n;
  g_ptr_array_add (self->fault_rules, rule);
}

void
tact_sandbox_server_inject_fault (TactSandboxServer *self, const char *method,
                                  const char *path_prefix, TactSandboxFault kind, guint count)
{
  FaultRule *rule;

  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));

  if (kind == TACT_SANDBOX_FAULT_NONE)
    return;
  rule = g_new0 (FaultRule, 1);
  rule->method = g_strdup (method);
  rule->path_prefix = g_strdup (path_prefix);
  rule->kind = kind;
  rule->remaining = count;
  g_ptr_array_add (self->fault_rules, rule);
}

void
tact_sandbox_server_clear_faults (TactSandboxServer *self)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));

  g_ptr_array_set_size (self->fault_rules, 0);
  self->faults_injected = 0;
}

void
tact_sandbox_server_set_fault_ms (TactSandboxServer *self, guint ms)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));
  self->fault_ms = ms;
}

guint
tact_sandbox_server_get_faults_injected (TactSandboxServer *self)
{
  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), 0);
  return self->faults_injected;
}

void
tact_sandbox_server_set_rate_limit (TactSandboxServer *self, double per_second,
                                    double burst_count)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));

  self->rate_per_second = per_second;
  self->rate_burst = burst_count;
  g_hash_table_remove_all (self->buckets);
}

void
tact_sandbox_server_set_retry_after_header (TactSandboxServer *self, gboolean enabled)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));
  self->retry_after_header = enabled;
}

void
tact_sandbox_server_set_company_rooms (TactSandboxServer *self, const char *policy_room,
                                       const char *supervision_room)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));
  g_free (self->policy_room);
  self->policy_room = g_strdup (policy_room);
  g_free (self->supervision_room);
  self->supervision_room = g_strdup (supervision_room);
}

void
tact_sandbox_server_set_ignore_power_levels (TactSandboxServer *self, gboolean ignore)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));
  self->ignore_power = ignore;
}

void
tact_sandbox_server_set_authenticated_media (TactSandboxServer *self, gboolean enabled)
{
  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));
  self->authenticated_media = enabled;
}

guint
tact_sandbox_server_get_held_requests (TactSandboxServer *self)
{
  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), 0);
  return self->delayed->len;
}

guint
tact_sandbox_server_get_pending_syncs (TactSandboxServer *self)
{
  g_return_val_if_fail (TACT_IS_SANDBOX_SERVER (self), 0);
  return self->pending_syncs->len;
}

void
tact_sandbox_server_expire_tokens (TactSandboxServer *self, gboolean soft)
{
  GList *tokens;

  g_return_if_fail (TACT_IS_SANDBOX_SERVER (self));
  tokens = g_hash_table_get_keys (self->state->tokens);
  for (GList *l = tokens; l != NULL; l = l->next)
    {
      g_autofree char *token = g_strdup (l->data);

      if (soft)
        g_hash_table_add (self->soft_expired, g_strdup (token));
      sb_state_remove_token (self->state, token);
    }
  g_list_free (tokens);
  sb_state_changed (self->state, NULL);   /* answers held syncs with M_UNKNOWN_TOKEN */
}
