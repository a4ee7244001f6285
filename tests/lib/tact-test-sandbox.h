/* tact-test-sandbox.h: the session tests' shared fixture and helpers: a sandbox homeserver on
 * loopback, alice (the session's user) and bob, an encrypted store, the shipped profile, and
 * the client calls the tests share. Waits, results and keys are tact-test-util.h's. Used by
 * tests/session and tests/integration style tests. */
#pragma once

#include <libsoup/soup.h>

#include "matrix/tact-matrix-private.h"
#include "sandbox/tact-sandbox.h"
#include "session/tact-session.h"
#include "session/tact-session-private.h"
#include "tact-test-util.h"

G_BEGIN_DECLS

typedef struct {
  TactSandboxServer *sandbox;
  char              *homeserver;
  char              *tmpdir;
  TactMatrixClient  *alice, *bob;
  TactStore         *store;
  GBytes            *key;
  char              *db_path;
  TactProfile       *profile;
  TactSession       *session;
} Fixture;

/* Fixture data: a sandbox seeded with the demo world (alice is @me, in Project Falcon with the
 * external @zhang:partner.test). NULL: an empty sandbox. */
extern const char SEEDED[];
/* Fixture data: an empty sandbox, or the homeserver TACT_TEST_HOMESERVER names (then
 * f->sandbox is NULL: the test uses only what any homeserver offers). */
extern const char EXTERNAL_OK[];

typedef struct { TactSession *session; const char *room_id; } RoomWait;

TactMatrixClient *register_user   (Fixture *f, const char *prefix);
TactMatrixClient *login_user      (Fixture *f, const char *user);
TactStore        *open_store      (const char *path, GBytes *key);
void              fixture_setup   (Fixture *f, gconstpointer data);
void              fixture_teardown (Fixture *f, gconstpointer data);
/* A raw client-server request, for the few calls the client library does not offer. */
guint             raw_request     (Fixture *f, TactMatrixClient *who, const char *method,
                                   const char *path, const char *body);
gboolean          room_joined     (gpointer data /* RoomWait */);
/* The room's whole member list is known (the guard no longer assumes an outsider). */
gboolean          members_known   (gpointer data /* RoomWait */);
char             *create_room     (TactMatrixClient *client, const char *json);
void              join            (TactMatrixClient *client, const char *room_id);
void              client_send     (TactMatrixClient *client, const char *room_id, const char *text);
/* Alice's session, started, in a room she created (bob invited and joined). */
TactRoom         *start_in_room   (Fixture *f, char **room_id_out);
/* How many events of type room_id holds: the sandbox's count, or on another homeserver what
 * reader (a member) reads through /messages (the newest 1,000). */
guint             count_room_events (Fixture *f, TactMatrixClient *reader, const char *room_id,
                                     const char *type);
/* How many of the supervision room's records @session reads match the filters (NULL: any):
 * sender, a rule id, an action, a kind. 0 when it cannot read the room. */
guint             supervision_count (TactSession *session, const char *sender, const char *rule_id,
                                     const char *action, const char *kind);
/* Bob's own session (a supervisor, say) under @profile, on a new encrypted store in f->tmpdir,
 * started; *store_out is the store, to close at the end. */
TactSession      *bob_session_start (Fixture *f, TactProfile *profile, TactStore **store_out);
/* A new session on the same store file and user (f->profile), not started. */
void              restart_session (Fixture *f);

G_END_DECLS
