/* tact-policy-room.h: profiles pushed by the company's admins through a Matrix room
 * (docs/profile-distribution.md).
 *
 * The policy room is named by the account's configuration (the homeserver's .well-known, or
 * the administrator's settings). A state event io.github.tactchat.policy.profile (state key: the
 * profile id) carries the profile's mxc:// URI, SHA-256, size, format and an integer version; an
 * io.github.tactchat.policy.assignment state event says who gets which profile. The client takes
 * profile events only from senders with the power the room requires for them, refuses a download
 * whose hash or size differs, a version not above the one in force, an unknown format or an
 * invalid profile (the last good one stays; the person is told; the room gets an error event),
 * and applies a good one at once (compiled off the main thread).
 */
#pragma once

#include <gio/gio.h>
#include "matrix/tact-matrix.h"
#include "store/tact-store.h"
#include "tact-guard.h"
#include "tact-outbox.h"
#include "tact-room-list.h"

G_BEGIN_DECLS

#define TACT_POLICY_PROFILE_TYPE    "io.github.tactchat.policy.profile"
#define TACT_POLICY_ASSIGNMENT_TYPE "io.github.tactchat.policy.assignment"
#define TACT_POLICY_ERROR_TYPE      "io.github.tactchat.policy.error"

#define TACT_TYPE_POLICY_ROOM (tact_policy_room_get_type ())
G_DECLARE_FINAL_TYPE (TactPolicyRoom, tact_policy_room, TACT, POLICY_ROOM, GObject)

TactPolicyRoom *tact_policy_room_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms,
                                      TactGuard *guard, TactOutbox *outbox);
/* The policy room (an id or an alias). Until a profile from it is in force, the last good one
 * stored by an earlier run is used; with none, the guard fails closed with instructions. */
void            tact_policy_room_set_room (TactPolicyRoom *self, const char *room_id_or_alias);
const char     *tact_policy_room_get_room_id (TactPolicyRoom *self);
/* The room as configured (an id or an alias), or NULL. */
const char     *tact_policy_room_get_room_ref (TactPolicyRoom *self);
/* Reads the stored active profile back and the room's current state (at start). */
void            tact_policy_room_start (TactPolicyRoom *self);
void            tact_policy_room_stop  (TactPolicyRoom *self);
/* A protocol state event from the sync loop. */
void            tact_policy_room_handle_event (TactPolicyRoom *self, TactRoom *room,
                                               const TactEvent *event);
/* The version of the room's profile in force ("version" property), 0 when none. */
gint64          tact_policy_room_get_version (TactPolicyRoom *self);

G_END_DECLS
