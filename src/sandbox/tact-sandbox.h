/* tact-sandbox.h: the built-in sandbox homeserver.
 *
 * A small Matrix homeserver (SoupServer on 127.0.0.1) that follows the client-server spec
 * closely enough for Tact and its tests: the facts it mirrors are those in
 * ../shared/matrix-fixtures/README.md (captured from Synapse 1.67). Seeded with a newcomer's
 * world and scripted colleagues so a trainee has someone to talk to.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The seeded world (tact_sandbox_server_seed_demo). */
#define TACT_SANDBOX_SERVER_NAME  "corp.test"
#define TACT_SANDBOX_PARTNER_NAME "partner.test"
#define TACT_SANDBOX_USER         "me"            /* @me:corp.test, the person using Tact */
#define TACT_SANDBOX_PASSWORD     "tact-sandbox"  /* every seeded account's password */
#define TACT_SANDBOX_COLLEAGUE    "@li.wei:corp.test"
#define TACT_SANDBOX_HEAD         "@wang.fang:corp.test"   /* department head */
#define TACT_SANDBOX_CUSTOMER     "@zhang:partner.test"    /* external customer */
#define TACT_SANDBOX_SUPERVISION_ALIAS "supervision"       /* #supervision:corp.test, 王芳's */

#define TACT_TYPE_SANDBOX_SERVER (tact_sandbox_server_get_type ())
G_DECLARE_FINAL_TYPE (TactSandboxServer, tact_sandbox_server, TACT, SANDBOX_SERVER, GObject)

/* @sender, a member of the room named @room_name, says @body there now (the tutorial's
 * practice scenarios). FALSE when there is no such room or @sender is not in it. */
gboolean           tact_sandbox_server_say (TactSandboxServer *self, const char *sender,
                                            const char *room_name, const char *body);

/* server_name: the homeserver's name (user ids are @local:server_name). */
TactSandboxServer *tact_sandbox_server_new (const char *server_name);

/* Seeds users, rooms and scripted actors (see docs/sandbox.md). Only on an empty server. */
void      tact_sandbox_server_seed_demo   (TactSandboxServer *self);
/* Persists the server's state as JSON in path: loads it if present, saves after changes. */
gboolean  tact_sandbox_server_set_state_file (TactSandboxServer *self, const char *path,
                                              GError **error);
/* Listens on 127.0.0.1:port (0 picks a free port). */
gboolean  tact_sandbox_server_listen      (TactSandboxServer *self, guint16 port, GError **error);
guint16   tact_sandbox_server_get_port    (TactSandboxServer *self);
/* "http://127.0.0.1:PORT" */
char     *tact_sandbox_server_dup_base_url (TactSandboxServer *self);
void      tact_sandbox_server_stop        (TactSandboxServer *self);

/* Scripted actors answer after this many ms (default 800; tests set 0). */
void      tact_sandbox_server_set_reply_delay (TactSandboxServer *self, guint ms);

/* For tests: how many events of type were sent into room_id by sender (NULL = anyone). */
guint     tact_sandbox_server_count_events (TactSandboxServer *self, const char *room_id,
                                            const char *sender, const char *type);
/* For tests and fault injection: the bodies of m.room.message events in a room, in order. */
GPtrArray *tact_sandbox_server_dup_bodies  (TactSandboxServer *self, const char *room_id);
/* For tests: how many /sync requests are being held (long-polling) right now. */
guint      tact_sandbox_server_get_pending_syncs (TactSandboxServer *self);
/* Room id of a seeded room by its name, or NULL. */
char      *tact_sandbox_server_dup_room_id (TactSandboxServer *self, const char *room_name);

/* Which versions GET /_matrix/client/versions advertises (NULL-terminated). The default is
 * Synapse 1.67's list, r0.0.1 … r0.6.1, v1.1, v1.2, so the client meets an old server. */
void      tact_sandbox_server_set_versions (TactSandboxServer *self,
                                            const char *const *versions);

/* Fault injection, for reliability tests (see docs/sandbox.md). Faults are checked after
 * authentication and before the handler. */
typedef enum {
  TACT_SANDBOX_FAULT_NONE,
  TACT_SANDBOX_FAULT_RATE_LIMIT,   /* 429 M_LIMIT_EXCEEDED with retry_after_ms = fault_ms */
  TACT_SANDBOX_FAULT_SERVER_ERROR, /* 500 M_UNKNOWN "Internal server error" */
  TACT_SANDBOX_FAULT_DROP,         /* the connection is closed without any response; the
                                    * handler does not run */
  TACT_SANDBOX_FAULT_DELAY,        /* the request is answered normally after fault_ms */
  TACT_SANDBOX_FAULT_LOST_RESPONSE,/* the handler runs (the change is applied), then the
                                    * connection is closed without the response */
  TACT_SANDBOX_FAULT_TIMEOUT,      /* the request is held unanswered (the handler does not
                                    * run) until the client gives up, or fault_ms passes and
                                    * the connection is closed */
  TACT_SANDBOX_FAULT_FORBIDDEN,    /* 403 M_FORBIDDEN, a refusal that retrying will not fix
                                    * (e.g. history the user may not see) */
} TactSandboxFault;

/* The PUT /rooms/{id}/send/… and POST /_matrix/media/v3/upload requests (one counter for
 * both): every every_n-th one (1 = all, 0 = none) gets kind. Replaces the earlier set_fault
 * rule and resets the counters; rules from inject_fault stay. */
void      tact_sandbox_server_set_fault    (TactSandboxServer *self, TactSandboxFault kind,
                                            guint every_n);
/* The next count requests (0 = every one until cleared) whose method is method (NULL = any)
 * and whose path, each segment percent-decoded, starts with path_prefix (NULL = any; e.g.
 * "/_matrix/client/v3/sync" or "/_matrix/client/v3/rooms/!abc:corp.test/messages") get kind.
 * Rules are tried in the order they were added; a used-up rule is forgotten. */
void      tact_sandbox_server_inject_fault (TactSandboxServer *self, const char *method,
                                            const char *path_prefix, TactSandboxFault kind,
                                            guint count);
/* Forgets every fault rule (set_fault's too) and resets the counters. */
void      tact_sandbox_server_clear_faults (TactSandboxServer *self);
/* DELAY and TIMEOUT: how long to hold the request; RATE_LIMIT: retry_after_ms. Default 1000. */
void      tact_sandbox_server_set_fault_ms (TactSandboxServer *self, guint ms);
/* How many faults have been injected since the last set_fault or clear_faults. */
guint     tact_sandbox_server_get_faults_injected (TactSandboxServer *self);
/* For tests: how many requests a fault holds right now (DELAY, TIMEOUT, and DROP or
 * LOST_RESPONSE until their connection is closed). */
guint     tact_sandbox_server_get_held_requests (TactSandboxServer *self);

/* Synapse's rc_message limiter, per user: burst_count actions at once, refilled at
 * per_second. It counts event sends, state and membership changes, profile changes and
 * createRoom (twice: the request and the creator's join), and answers 429
 * {"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":N}.
 * per_second <= 0 turns it off (the default). Every call starts with full buckets. */
void      tact_sandbox_server_set_rate_limit (TactSandboxServer *self, double per_second,
                                              double burst_count);
/* Whether 429 answers (the limiter's and RATE_LIMIT faults) also carry a Retry-After header
 * (seconds, rounded up). Off by default: Synapse 1.67 sends none. */
void      tact_sandbox_server_set_retry_after_header (TactSandboxServer *self, gboolean enabled);

/* The company's rooms announced to clients in /.well-known/matrix/client under
 * "io.github.tactchat" (policy_room, supervision_room; NULL: not announced). */
void      tact_sandbox_server_set_company_rooms (TactSandboxServer *self, const char *policy_room,
                                                 const char *supervision_room);

/* For tests of clients: accept events and state events from senders whose power level is below
 * the room's requirement (a misbehaving server), so the client's own check can be tested. Off
 * by default: power levels are enforced as Synapse does. */
void      tact_sandbox_server_set_ignore_power_levels (TactSandboxServer *self, gboolean ignore);

/* Authenticated media (spec v1.11): /versions also lists v1.11, /_matrix/client/v1/media/
 * {config,download,thumbnail} work with an access token, and the unauthenticated
 * /_matrix/media/v3/download and thumbnail answer 404, as on a Synapse with
 * enable_authenticated_media. Off by default (Synapse 1.67: the v1 paths are 400). */
void      tact_sandbox_server_set_authenticated_media (TactSandboxServer *self,
                                                       gboolean           enabled);

/* For tests: every access token stops working (401 M_UNKNOWN_TOKEN). soft: the answers carry
 * soft_logout true, so the client may log in again with the same device id and keep its data. */
void      tact_sandbox_server_expire_tokens (TactSandboxServer *self, gboolean soft);

/* Writes the state file now (no-op without one). Also done on stop and finalize. */
gboolean  tact_sandbox_server_save         (TactSandboxServer *self, GError **error);

/* `tact --sandbox-server PORT`: seeds (or loads state_file, may be NULL), listens on
 * 127.0.0.1:port, prints "Sandbox homeserver listening on http://127.0.0.1:PORT" and runs
 * until SIGINT or SIGTERM. Returns the process exit status. */
int       tact_sandbox_run_standalone      (guint16 port, const char *state_file);

G_END_DECLS
