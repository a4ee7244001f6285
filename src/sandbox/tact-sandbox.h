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
/* Room id of a seeded room by its name, or NULL. */
char      *tact_sandbox_server_dup_room_id (TactSandboxServer *self, const char *room_name);

G_END_DECLS
