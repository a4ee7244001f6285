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

#define TACT_TYPE_SANDBOX_SERVER (tact_sandbox_server_get_type ())
G_DECLARE_FINAL_TYPE (TactSandboxServer, tact_sandbox_server, TACT, SANDBOX_SERVER, GObject)

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

/* Fault injection, for reliability tests. Applies to PUT /rooms/{id}/send/… and
 * POST /_matrix/media/v3/upload: every every_n-th such request (1 = all, 0 = none) fails. */
typedef enum {
  TACT_SANDBOX_FAULT_NONE,
  TACT_SANDBOX_FAULT_RATE_LIMIT,   /* 429 M_LIMIT_EXCEEDED, retry_after_ms + Retry-After */
  TACT_SANDBOX_FAULT_SERVER_ERROR, /* 500 M_UNKNOWN "Internal server error" */
  TACT_SANDBOX_FAULT_DROP,         /* the connection is closed without any response */
  TACT_SANDBOX_FAULT_DELAY,        /* the request is answered normally after fault_ms */
} TactSandboxFault;

void      tact_sandbox_server_set_fault    (TactSandboxServer *self, TactSandboxFault kind,
                                            guint every_n);
/* DELAY: how long to hold the request; RATE_LIMIT: retry_after_ms. Default 1000. */
void      tact_sandbox_server_set_fault_ms (TactSandboxServer *self, guint ms);
/* How many faults have been injected since the last set_fault. */
guint     tact_sandbox_server_get_faults_injected (TactSandboxServer *self);

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
