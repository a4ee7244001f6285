/* tact-guard.h: the one check every outgoing action passes.
 *
 * A TactGuard judges what is about to leave against the profile in force and the room's audience
 * at that moment, and fails closed: without a usable profile every verdict is block, with a
 * finding that says why and who can fix it. It computes TactSendChecks for the views (through the
 * session) and confirms them before the session sends; the outbox asks it again before every
 * transmission.
 */
#pragma once

#include <gio/gio.h>
#include "policy/tact-policy.h"
#include "store/tact-store.h"
#include "tact-room-list.h"
#include "tact-send-check.h"

G_BEGIN_DECLS

/* The rule id of the finding that blocks everything while no usable profile is in force. */
#define TACT_GUARD_RULE_NO_PROFILE "tact.no-profile"
/* The rule id of the finding that blocks an account outside the company's pinned homeservers
 * (ACC-1). */
#define TACT_GUARD_RULE_PINNED "tact.pinned-homeserver"
/* The rule id of the finding that holds messages until the policy tutorial is passed, when
 * the profile's training section says so (TRN-1). */
#define TACT_GUARD_RULE_TRAINING "tact.training-required"

#define TACT_TYPE_GUARD (tact_guard_get_type ())
G_DECLARE_FINAL_TYPE (TactGuard, tact_guard, TACT, GUARD, GObject)

TactGuard     *tact_guard_new           (TactRoomList *rooms);
/* The profile in force ("profile" property), or NULL: then nothing may leave. */
TactProfile   *tact_guard_get_profile   (TactGuard *self);
void           tact_guard_set_profile   (TactGuard *self, TactProfile *profile);
/* No usable profile, and why (the loader's error): shown in every blocked verdict. */
void           tact_guard_set_profile_error (TactGuard *self, const GError *error);

/* The tutorial results on record (element-type TactStoreTraining; the passed ones are kept,
 * copied). Whether one of them counts for a profile now: tact_profile_training_counts(). */
void           tact_guard_set_training    (TactGuard *self, GPtrArray *results);
gboolean       tact_guard_training_passed (TactGuard *self, TactProfile *profile);

/* The verdict for outgoing under profile (NULL: the fail-closed verdict). Thread-safe for a
 * profile reference the caller holds. */
TactVerdict   *tact_guard_judge         (TactGuard *self, TactProfile *profile,
                                         const TactOutgoing *outgoing);
/* The audience the guard assumes for room now. */
void           tact_guard_describe_audience (TactGuard *self, TactRoom *room, TactOutgoing *outgoing);

TactSendCheck *tact_guard_check_text    (TactGuard *self, TactRoom *room, const char *text);
/* Reads, inspects and judges a file in a worker thread (see tact_session_check_file_async()). */
void           tact_guard_check_file_async  (TactGuard *self, TactRoom *room, GFile *file,
                                             const char *name, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
TactSendCheck *tact_guard_check_file_finish (TactGuard *self, GAsyncResult *result, GError **error);

/* How many of a room's newest messages an invitee's check reads when history is shared. */
#define TACT_GUARD_INVITE_HISTORY 50

/* The other ways out (see TactSendKind). A reply judges its text with the quoted fallback; an
 * edit its new text for today's audience; a forward the message for the target room's audience
 * (and needs the author's consent when it is someone else's, PUB-8); a reaction its key; a topic
 * or name for the room; an invitation the room's recent history (when shared with later members)
 * for the audience grown by the invitee; a new room its name and purpose for its invitees. */
TactSendCheck *tact_guard_check_reply        (TactGuard *self, TactRoom *room, TactMessage *original,
                                              const char *text);
TactSendCheck *tact_guard_check_edit         (TactGuard *self, TactRoom *room, TactMessage *original,
                                              const char *text);
TactSendCheck *tact_guard_check_forward      (TactGuard *self, TactMessage *message, TactRoom *target,
                                              const char *own_user_id);
TactSendCheck *tact_guard_check_reaction     (TactGuard *self, TactRoom *room, TactMessage *target,
                                              const char *key);
TactSendCheck *tact_guard_check_room_text    (TactGuard *self, TactRoom *room, TactSendKind kind,
                                              const char *text);
TactSendCheck *tact_guard_check_invite       (TactGuard *self, TactRoom *room, const char *user_id);
TactSendCheck *tact_guard_check_create_room  (TactGuard *self, const char *name, const char *topic,
                                              const char * const *invitees);

/* Checks a held outbox entry again for room as it is now: text (its body), or a file (its private
 * copy at path, the name its recipients see) read and judged in a worker thread. The check's kind
 * is HELD and its txnId the entry's. */
TactSendCheck *tact_guard_check_held_text       (TactGuard *self, TactRoom *room, const char *txn_id,
                                                 const char *text);
void           tact_guard_check_held_file_async (TactGuard *self, TactRoom *room, const char *txn_id,
                                                 GFile *file, const char *name,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
/* Judges bytes (already read) as file name for room, in a worker thread: the outbox's check
 * before an upload. Finish with tact_guard_check_file_finish(). */
void           tact_guard_check_bytes_async     (TactGuard *self, TactRoom *room, GBytes *bytes,
                                                 const char *name, GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);

/* TRUE while check's verdict still holds for room: the same room, audience and profile. */
gboolean       tact_guard_check_holds   (TactGuard *self, TactRoom *room, TactSendCheck *check);

/* Whether a verdict computed now is covered by what the person decided when the message was
 * written (decided_action: "allow", "warn", "justify", or "approve" once an approver approved;
 * decided_rule_ids: comma-separated): not when it is block, stricter than decided, or names a
 * rule (warn or stricter) the person (or the approver) did not see. why (if not NULL) gets what
 * changed, for the person. */
gboolean       tact_guard_decision_covers (const TactVerdict *now, const char *decided_action,
                                           const char *decided_rule_ids, char **why);
/* The rules a verdict found, each once, comma-separated (for outbox and audit rows), or NULL. */
char          *tact_guard_dup_rule_ids  (const TactVerdict *verdict);

/* TRUE when check may be sent to room now with reason: it was judged for this room, its current
 * audience and the profile in force, and not sent yet (else TACT_SESSION_ERROR_STALE), and its
 * verdict allows it (else BLOCKED, NEEDS_APPROVAL or NEEDS_JUSTIFICATION). */
gboolean       tact_guard_confirm       (TactGuard *self, TactRoom *room, TactSendCheck *check,
                                         const char *reason, GError **error);
/* Whether a verdict lets a message go with this reason (NULL or ""), with the error saying why not. */
gboolean       tact_guard_verdict_allows (const TactVerdict *verdict, const char *reason,
                                          GError **error);

G_END_DECLS
