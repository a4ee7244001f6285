/* tact-matrix.h: the Matrix client-server API (spec v1.1+, /_matrix/client/v3).
 * GIO, libsoup 3 and json-glib only: no GTK, no database.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tact-canonical-json.h"

G_BEGIN_DECLS

#define TACT_MATRIX_ERROR (tact_matrix_error_quark ())
GQuark tact_matrix_error_quark (void);

/* Every Matrix errcode maps to one of these; the GError message is the server's "error". */
typedef enum {
  TACT_MATRIX_ERROR_UNKNOWN,                 /* M_UNKNOWN and any errcode not listed */
  TACT_MATRIX_ERROR_FORBIDDEN,               /* M_FORBIDDEN */
  TACT_MATRIX_ERROR_UNKNOWN_TOKEN,           /* M_UNKNOWN_TOKEN */
  TACT_MATRIX_ERROR_MISSING_TOKEN,           /* M_MISSING_TOKEN */
  TACT_MATRIX_ERROR_BAD_JSON,                /* M_BAD_JSON */
  TACT_MATRIX_ERROR_NOT_JSON,                /* M_NOT_JSON */
  TACT_MATRIX_ERROR_NOT_FOUND,               /* M_NOT_FOUND */
  TACT_MATRIX_ERROR_LIMIT_EXCEEDED,          /* M_LIMIT_EXCEEDED */
  TACT_MATRIX_ERROR_UNRECOGNIZED,            /* M_UNRECOGNIZED */
  TACT_MATRIX_ERROR_USER_IN_USE,             /* M_USER_IN_USE */
  TACT_MATRIX_ERROR_INVALID_USERNAME,        /* M_INVALID_USERNAME */
  TACT_MATRIX_ERROR_ROOM_IN_USE,             /* M_ROOM_IN_USE */
  TACT_MATRIX_ERROR_UNSUPPORTED_ROOM_VERSION,/* M_UNSUPPORTED_ROOM_VERSION */
  TACT_MATRIX_ERROR_INVALID_PARAM,           /* M_INVALID_PARAM */
  TACT_MATRIX_ERROR_TOO_LARGE,               /* M_TOO_LARGE */
  TACT_MATRIX_ERROR_USER_DEACTIVATED,        /* M_USER_DEACTIVATED */
  TACT_MATRIX_ERROR_GUEST_ACCESS_FORBIDDEN,  /* M_GUEST_ACCESS_FORBIDDEN */
  /* Client-side conditions */
  TACT_MATRIX_ERROR_UNSUPPORTED_SERVER,      /* /versions has no v1.1 or later */
  TACT_MATRIX_ERROR_BAD_RESPONSE,            /* malformed or unexpected JSON from the server */
  TACT_MATRIX_ERROR_HTTP,                    /* HTTP error without a Matrix body */
  TACT_MATRIX_ERROR_NETWORK,                 /* could not reach the server */
  TACT_MATRIX_ERROR_NOT_LOGGED_IN,           /* a call that needs a token was made without one */
  /* Appended later: the rest of the spec's error codes. Only append; never reorder. */
  TACT_MATRIX_ERROR_UNAUTHORIZED,            /* M_UNAUTHORIZED */
  TACT_MATRIX_ERROR_USER_LOCKED,             /* M_USER_LOCKED */
  TACT_MATRIX_ERROR_USER_SUSPENDED,          /* M_USER_SUSPENDED */
  TACT_MATRIX_ERROR_BAD_STATE,               /* M_BAD_STATE */
  TACT_MATRIX_ERROR_INVALID_ROOM_STATE,      /* M_INVALID_ROOM_STATE */
  TACT_MATRIX_ERROR_THREEPID_IN_USE,         /* M_THREEPID_IN_USE */
  TACT_MATRIX_ERROR_THREEPID_NOT_FOUND,      /* M_THREEPID_NOT_FOUND */
  TACT_MATRIX_ERROR_THREEPID_AUTH_FAILED,    /* M_THREEPID_AUTH_FAILED */
  TACT_MATRIX_ERROR_THREEPID_DENIED,         /* M_THREEPID_DENIED */
  TACT_MATRIX_ERROR_THREEPID_MEDIUM_NOT_SUPPORTED, /* M_THREEPID_MEDIUM_NOT_SUPPORTED */
  TACT_MATRIX_ERROR_SERVER_NOT_TRUSTED,      /* M_SERVER_NOT_TRUSTED */
  TACT_MATRIX_ERROR_INCOMPATIBLE_ROOM_VERSION, /* M_INCOMPATIBLE_ROOM_VERSION */
  TACT_MATRIX_ERROR_BAD_PAGINATION,          /* M_BAD_PAGINATION */
  TACT_MATRIX_ERROR_EXCLUSIVE,               /* M_EXCLUSIVE */
  TACT_MATRIX_ERROR_RESOURCE_LIMIT_EXCEEDED, /* M_RESOURCE_LIMIT_EXCEEDED */
  TACT_MATRIX_ERROR_CANNOT_LEAVE_SERVER_NOTICE_ROOM, /* M_CANNOT_LEAVE_SERVER_NOTICE_ROOM */
  TACT_MATRIX_ERROR_WEAK_PASSWORD,           /* M_WEAK_PASSWORD */
  TACT_MATRIX_ERROR_CAPTCHA_NEEDED,          /* M_CAPTCHA_NEEDED */
  TACT_MATRIX_ERROR_CAPTCHA_INVALID,         /* M_CAPTCHA_INVALID */
  TACT_MATRIX_ERROR_MISSING_PARAM,           /* M_MISSING_PARAM */
  TACT_MATRIX_ERROR_NOT_YET_UPLOADED,        /* M_NOT_YET_UPLOADED */
  TACT_MATRIX_ERROR_CANNOT_OVERWRITE_MEDIA,  /* M_CANNOT_OVERWRITE_MEDIA */
  TACT_MATRIX_ERROR_CONSENT_NOT_GIVEN,       /* M_CONSENT_NOT_GIVEN (Synapse) */
  TACT_MATRIX_ERROR_DUPLICATE_ANNOTATION,    /* M_DUPLICATE_ANNOTATION */
  TACT_MATRIX_ERROR_WRONG_ROOM_KEYS_VERSION, /* M_WRONG_ROOM_KEYS_VERSION */
  TACT_MATRIX_ERROR_UNACTIONABLE,            /* M_UNACTIONABLE */
  TACT_MATRIX_ERROR_UNABLE_TO_AUTHORISE_JOIN, /* M_UNABLE_TO_AUTHORISE_JOIN */
  TACT_MATRIX_ERROR_UNABLE_TO_GRANT_JOIN, /* M_UNABLE_TO_GRANT_JOIN */
  TACT_MATRIX_ERROR_BAD_ALIAS, /* M_BAD_ALIAS */
  TACT_MATRIX_ERROR_URL_NOT_SET, /* M_URL_NOT_SET */
  TACT_MATRIX_ERROR_UNKNOWN_POS, /* M_UNKNOWN_POS */
} TactMatrixError;

/* The errcode string the server sent with this error ("M_FORBIDDEN"), or NULL. */
const char *tact_matrix_error_get_errcode (const GError *error);
/* retry_after_ms from a 429 body or Retry-After header, or -1. */
gint64      tact_matrix_error_get_retry_after_ms (const GError *error);
/* TRUE when a M_UNKNOWN_TOKEN came with soft_logout: true. */
gboolean    tact_matrix_error_is_soft_logout (const GError *error);
/* 5xx, network failures and 429: worth retrying with the same request. */
gboolean    tact_matrix_error_is_transient (const GError *error);
/* Added: the HTTP status of the response that caused the error, or 0 (network, client-side). */
guint       tact_matrix_error_get_http_status (const GError *error);

/* ---- Events ---------------------------------------------------------------- */

typedef struct {
  char       *event_id;
  char       *room_id;         /* may be NULL in /sync (filled in by the parser) */
  char       *sender;
  char       *type;
  char       *state_key;       /* NULL for non-state events */
  gint64      origin_server_ts;
  JsonObject *content;         /* owned reference; never NULL (empty object if missing) */
  char       *transaction_id;  /* unsigned.transaction_id, or NULL */
  char       *redacts;         /* for m.room.redaction, or NULL */
} TactEvent;

TactEvent *tact_event_new_from_json (JsonObject *obj, const char *room_id, GError **error);
TactEvent *tact_event_copy          (const TactEvent *event);
void       tact_event_free          (TactEvent *event);
char      *tact_event_to_json       (const TactEvent *event);   /* serialised, for storage */
/* content.body as a string, or NULL */
const char *tact_event_get_body     (const TactEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactEvent, tact_event_free)

/* ---- /sync ------------------------------------------------------------------ */

typedef struct {
  char      *room_id;
  GPtrArray *state;          /* TactEvent */
  GPtrArray *timeline;       /* TactEvent */
  char      *prev_batch;     /* may be NULL */
  gboolean   limited;
  gint       joined_member_count;   /* from summary, -1 if absent */
  gint       invited_member_count;  /* from summary, -1 if absent */
  GPtrArray *heroes;         /* char*, from summary, may be empty */
  GPtrArray *typing;         /* char* user ids, NULL when no m.typing event came */
  GPtrArray *account_data;   /* TactEvent (room_id set, no event_id) */
  /* Appended later (only append, never reorder): */
  GPtrArray *receipts;       /* TactSyncReceipt, from m.receipt; never NULL (maybe empty) */
  gint       notification_count;    /* unread_notifications, -1 if absent */
  gint       highlight_count;       /* unread_notifications, -1 if absent */
} TactSyncRoom;

/* One receipt from an m.receipt ephemeral event: @user_id has read up to @event_id. */
typedef struct {
  char   *event_id;
  char   *user_id;
  char   *receipt_type;   /* "m.read", "m.read.private", … */
  char   *thread_id;      /* "main", a thread root event id, or NULL (unthreaded) */
  gint64  ts;             /* ms since the epoch, 0 when the server gave none */
} TactSyncReceipt;

typedef struct {
  char      *room_id;
  GPtrArray *invite_state;   /* TactEvent (stripped: event_id may be NULL) */
} TactSyncInvite;

typedef struct {
  char      *next_batch;
  GPtrArray *joined;         /* TactSyncRoom */
  GPtrArray *invited;        /* TactSyncInvite */
  GPtrArray *left;           /* TactSyncRoom (timeline/state of the leave) */
  GPtrArray *account_data;   /* TactEvent (global: m.direct, …) */
  guint      n_skipped;      /* malformed events that were skipped (and logged) */
} TactSyncResponse;

/* Parses a /sync body. Malformed events are skipped and counted, not fatal;
 * only a body without next_batch is an error (TACT_MATRIX_ERROR_BAD_RESPONSE). */
TactSyncResponse *tact_sync_response_parse (JsonNode *root, GError **error);
/* Added: parses a raw /sync body (depth-limited JSON parse + tact_sync_response_parse).
 * Thread-safe; this is what tact_matrix_client_sync_async runs in a worker thread. */
TactSyncResponse *tact_sync_response_parse_bytes (GBytes *body, GError **error);
void              tact_sync_response_free  (TactSyncResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactSyncResponse, tact_sync_response_free)

/* ---- /messages -------------------------------------------------------------- */

typedef struct {
  GPtrArray *chunk;   /* TactEvent, in the order the server gave them */
  GPtrArray *state;   /* TactEvent */
  char      *start;
  char      *end;     /* NULL when there is nothing further in that direction */
} TactMessagesPage;

/* Added: parses a /messages body (chunk required; start/end optional). */
TactMessagesPage *tact_messages_page_parse (JsonNode *root, GError **error);
void tact_messages_page_free (TactMessagesPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactMessagesPage, tact_messages_page_free)

/* ---- The client ------------------------------------------------------------- */

#define TACT_TYPE_MATRIX_CLIENT (tact_matrix_client_get_type ())
G_DECLARE_FINAL_TYPE (TactMatrixClient, tact_matrix_client, TACT, MATRIX_CLIENT, GObject)

/* homeserver_url: the client API base, e.g. "https://matrix.corp.example" (no trailing slash needed). */
TactMatrixClient *tact_matrix_client_new              (const char *homeserver_url);
const char       *tact_matrix_client_get_homeserver   (TactMatrixClient *self);
const char       *tact_matrix_client_get_user_id      (TactMatrixClient *self);
const char       *tact_matrix_client_get_device_id    (TactMatrixClient *self);
/* Restores a session from stored credentials (no network). */
void              tact_matrix_client_set_credentials  (TactMatrixClient *self,
                                                       const char *user_id,
                                                       const char *device_id,
                                                       const char *access_token);
/* The token, for storing in the keyring only. Never log it. */
const char       *tact_matrix_client_get_access_token (TactMatrixClient *self);
/* Added: the versions cached by the last successful versions_async (or discovery), or NULL. */
const char * const *tact_matrix_client_get_versions (TactMatrixClient *self);
/* Added: TRUE when the cached /versions lists @version ("v1.11") or a later v1.x/vN. */
gboolean          tact_matrix_client_supports_version (TactMatrixClient *self, const char *version);
/* Server name of the user id ("corp.test" for "@me:corp.test"). */
const char       *tact_matrix_client_get_server_name  (TactMatrixClient *self);

/* .well-known discovery: "corp.test", "https://corp.test" or a full client URL in;
 * the client API base URL out (validated with /versions). */
void  tact_matrix_discover_async  (const char *server, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
char *tact_matrix_discover_finish (GAsyncResult *result, GError **error);

/* GET /_matrix/client/versions; fails with UNSUPPORTED_SERVER without v1.1+. Returns the versions (strv). */
/* Tact's own key in /.well-known/matrix/client: the company's rooms for every client, whatever
 * way Tact was installed ({"policy_room": …, "supervision_room": …}). */
#define TACT_MATRIX_COMPANY_KEY "io.github.tactchat"
/* Reads the client's homeserver's /.well-known/matrix/client and returns Tact's object in it, or
 * NULL (no error) when there is none. */
void        tact_matrix_fetch_company_config_async  (TactMatrixClient *self, GCancellable *cancellable,
                                                     GAsyncReadyCallback callback, gpointer user_data);
JsonObject *tact_matrix_fetch_company_config_finish (TactMatrixClient *self, GAsyncResult *result,
                                                     GError **error);

void    tact_matrix_client_versions_async  (TactMatrixClient *self, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
char  **tact_matrix_client_versions_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* m.login.password with an m.id.user identifier; device_id NULL for a new device. */
void     tact_matrix_client_login_async  (TactMatrixClient *self, const char *user,
                                          const char *password, const char *device_id,
                                          const char *device_display_name,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_matrix_client_login_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* /register with m.login.dummy (two steps through the UIA 401). For tests and the sandbox. */
void     tact_matrix_client_register_async  (TactMatrixClient *self, const char *username,
                                             const char *password,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_matrix_client_register_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* Returns the user id. */
void  tact_matrix_client_whoami_async  (TactMatrixClient *self, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
char *tact_matrix_client_whoami_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

void     tact_matrix_client_logout_async  (TactMatrixClient *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_matrix_client_logout_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* POST /user/{userId}/filter; returns the filter id. */
void  tact_matrix_client_upload_filter_async  (TactMatrixClient *self, JsonObject *filter,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
char *tact_matrix_client_upload_filter_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* GET /sync. since and filter may be NULL; timeout_ms 0 returns at once. Parsed off the main thread. */
void              tact_matrix_client_sync_async  (TactMatrixClient *self, const char *since,
                                                  const char *filter, guint timeout_ms,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
TactSyncResponse *tact_matrix_client_sync_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* POST /createRoom with the given body (name, invite, is_direct, preset, …). Returns the room id. */
void  tact_matrix_client_create_room_async  (TactMatrixClient *self, JsonObject *body,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
char *tact_matrix_client_create_room_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* POST /join/{roomIdOrAlias}. Returns the room id. */
void  tact_matrix_client_join_async  (TactMatrixClient *self, const char *room_id_or_alias,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
char *tact_matrix_client_join_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

void     tact_matrix_client_invite_async  (TactMatrixClient *self, const char *room_id,
                                           const char *user_id, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_matrix_client_invite_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* PUT /rooms/{roomId}/send/{eventType}/{txnId}. Returns the event id. The caller owns the txnId
 * and reuses it on every retry. */
void  tact_matrix_client_send_async  (TactMatrixClient *self, const char *room_id,
                                      const char *event_type, const char *txn_id,
                                      JsonObject *content, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
char *tact_matrix_client_send_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* POST /rooms/{roomId}/receipt/{receiptType}/{eventId} with {} (receipt_type "m.read", or
 * "m.read.private", v1.4+): the user has read up to event_id. */
/* PUT /rooms/{roomId}/state/{eventType}/{stateKey} (state_key NULL: ""). Returns the event id. */
void  tact_matrix_client_set_state_async  (TactMatrixClient *self, const char *room_id,
                                           const char *event_type, const char *state_key,
                                           JsonObject *content, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
char *tact_matrix_client_set_state_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

void     tact_matrix_client_send_receipt_async  (TactMatrixClient *self, const char *room_id,
                                                 const char *receipt_type, const char *event_id,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_matrix_client_send_receipt_finish (TactMatrixClient *self, GAsyncResult *result,
                                                 GError **error);

/* GET /rooms/{roomId}/state: the room's current state events. */
void       tact_matrix_client_get_state_async  (TactMatrixClient *self, const char *room_id,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_matrix_client_get_state_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* GET /rooms/{roomId}/messages. dir is 'b' or 'f'; from may be NULL. */
void              tact_matrix_client_get_messages_async  (TactMatrixClient *self, const char *room_id,
                                                          const char *from, char dir, guint limit,
                                                          GCancellable *cancellable,
                                                          GAsyncReadyCallback callback, gpointer user_data);
TactMessagesPage *tact_matrix_client_get_messages_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* POST /_matrix/media/v3/upload. Returns the mxc:// URI. */
void  tact_matrix_client_upload_async  (TactMatrixClient *self, GBytes *data,
                                        const char *content_type, const char *filename,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
char *tact_matrix_client_upload_finish (TactMatrixClient *self, GAsyncResult *result, GError **error);

/* Downloads an mxc:// URI (authenticated v1 media when advertised, else media v3). */
void    tact_matrix_client_download_async  (TactMatrixClient *self, const char *mxc_uri,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
GBytes *tact_matrix_client_download_finish (TactMatrixClient *self, GAsyncResult *result,
                                            char **content_type, GError **error);

/* Progress of a transfer, called on the thread-default main context of the call.
 * @bytes_total is -1 when the size is unknown (a download without Content-Length). */
typedef void (*TactMatrixProgressFunc) (goffset  bytes_done,
                                        goffset  bytes_total,
                                        gpointer user_data);

/* Like tact_matrix_client_upload_async(), reporting progress as the body is written.
 * @progress_data is released with @progress_destroy once the request is over.
 * Finish with tact_matrix_client_upload_finish(). */
void tact_matrix_client_upload_with_progress_async (TactMatrixClient      *self,
                                                    GBytes                *data,
                                                    const char            *content_type,
                                                    const char            *filename,
                                                    TactMatrixProgressFunc progress,
                                                    gpointer               progress_data,
                                                    GDestroyNotify         progress_destroy,
                                                    GCancellable          *cancellable,
                                                    GAsyncReadyCallback    callback,
                                                    gpointer               user_data);

/* Like tact_matrix_client_download_async(), reporting progress as the body arrives
 * (not called for a cache hit). Finish with tact_matrix_client_download_finish(). */
void tact_matrix_client_download_with_progress_async (TactMatrixClient      *self,
                                                      const char            *mxc_uri,
                                                      TactMatrixProgressFunc progress,
                                                      gpointer               progress_data,
                                                      GDestroyNotify         progress_destroy,
                                                      GCancellable          *cancellable,
                                                      GAsyncReadyCallback    callback,
                                                      gpointer               user_data);

/* Downloads look in @cache first and store what they fetch (NULL: no cache). */
typedef struct _TactMediaCache TactMediaCache;
void tact_matrix_client_set_media_cache (TactMatrixClient *self,
                                         TactMediaCache   *cache);

/* The timeout of ordinary requests (not /sync long-polls, not media), in ms; 0 restores
 * the default (60 s). Mostly for tests of the timeout path. */
void tact_matrix_client_set_request_timeout (TactMatrixClient *self,
                                             guint             timeout_ms);

/* Percent-escapes one path segment (room ids, event ids, user ids, txn ids). */
char *tact_matrix_escape_path_segment (const char *segment);

/* Typed member getters for event content and other server JSON (tact-event.c): NULL / FALSE
 * when @obj is NULL or the member is absent *or* of another type, so hostile input never
 * reaches json-glib's type assertions. */
const char *tact_json_get_string (JsonObject *obj, const char *member);
JsonObject *tact_json_get_object (JsonObject *obj, const char *member);
JsonArray  *tact_json_get_array  (JsonObject *obj, const char *member);
gboolean    tact_json_get_int    (JsonObject *obj, const char *member, gint64 *out);
gboolean    tact_json_get_bool   (JsonObject *obj, const char *member, gboolean *out);

G_END_DECLS
