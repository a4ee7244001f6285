/* tact-outbox.h: the only path by which anything leaves: the outbox.
 *
 * An outgoing event is written to the store with its txnId before its first request, then sent
 * per room in order (files uploaded first, from their private copy), retried with the same txnId
 * on 429/5xx/network errors, resumed after a restart, and kept FAILED for the person when the
 * server refuses it. A token the server no longer accepts pauses it and is reported by
 * "token-rejected".
 */
#pragma once

#include <gio/gio.h>
#include "matrix/tact-matrix.h"
#include "store/tact-store.h"
#include "tact-guard.h"
#include "tact-room-list.h"

G_BEGIN_DECLS

#define TACT_TYPE_OUTBOX (tact_outbox_get_type ())
G_DECLARE_FINAL_TYPE (TactOutbox, tact_outbox, TACT, OUTBOX, GObject)

TactOutbox  *tact_outbox_new   (TactMatrixClient *client, TactStore *store, TactRoomList *rooms,
                                TactGuard *guard);
void         tact_outbox_set_retry_scale (TactOutbox *self, double scale);
/* The wait before a transiently failed send is tried again (unscaled), in ms: a 429's
 * retry_after_ms or Retry-After (seconds or HTTP date) up to one hour, else the backoff
 * 1, 2, 5, 10, 30 s by the number of attempts so far. */
guint        tact_outbox_retry_delay_ms (const GError *error, guint attempts);

/* Starts: what is written from now on is queued; nothing leaves until the stored outbox has
 * been read back (unfinished sends first, with their txnIds), which completes the call. */
void         tact_outbox_start_async  (TactOutbox *self, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean     tact_outbox_start_finish (TactOutbox *self, GAsyncResult *result, GError **error);
/* Stops every request (nothing is lost: the outbox is in the store). */
void         tact_outbox_stop  (TactOutbox *self);
/* Paused (a refused token): nothing is sent until unpaused or started again. */
void         tact_outbox_set_paused (TactOutbox *self, gboolean paused);

/* Writes entry (taken; txn_id set) with content to the outbox for room, shows its echo in the
 * room's timeline and sends it once stored. The verdict and reason are recorded with it. */
TactMessage *tact_outbox_add   (TactOutbox *self, TactRoom *room, TactOutboxEntry *entry,
                                JsonNode *content, const char *reason, const TactVerdict *verdict,
                                const char *echo_body);
/* A failed send: try again with the same txnId; a failed or held one: discard it. */
void         tact_outbox_retry   (TactOutbox *self, TactRoom *room, TactMessage *message);
void         tact_outbox_discard (TactOutbox *self, TactRoom *room, TactMessage *message);

/* Writes an event without an echo in the timeline (an edit, a reaction, a topic or a name: type
 * and, for a state event, state_key) to the outbox, with the decision, and sends it like a
 * message: judged again before every request. Takes nothing; content is modified. */
void         tact_outbox_add_event (TactOutbox *self, TactRoom *room, const char *type,
                                    const char *state_key, JsonNode *content, const char *reason,
                                    const TactVerdict *verdict);

/* Event types of Tact's own protocol (approval requests and decisions, audit records). */
#define TACT_OUTBOX_PROTOCOL_PREFIX "io.github.tactchat."

/* Queues a protocol event (type starting with TACT_OUTBOX_PROTOCOL_PREFIX) for room_id with the
 * same reliability as a message (stored first, one txnId, retried, resumed), without an echo.
 * Its content is not judged: the caller has checked the room's audience. */
void         tact_outbox_add_protocol (TactOutbox *self, const char *room_id, const char *type,
                                       JsonObject *content);
/* A send held for review (TACT_SEND_STATE_HELD) / awaiting an approver, or NULL. Borrowed. */
const TactOutboxEntry *tact_outbox_lookup_held     (TactOutbox *self, const char *txn_id);
const TactOutboxEntry *tact_outbox_lookup_awaiting (TactOutbox *self, const char *txn_id);
/* Replaces what an awaiting message shows (and stores it): "Rejected by 王芳: …". */
void         tact_outbox_set_note (TactOutbox *self, TactMessage *message, const char *txn_id,
                                   const char *note);
/* The person decided again on a held send (or an approver approved an awaiting one), on verdict (a check of it as it is now) with reason:
 * recorded, then sent like any entry (judged again right before the request). FALSE when the
 * message is not held. */
gboolean     tact_outbox_release (TactOutbox *self, TactRoom *room, TactMessage *message,
                                  const TactVerdict *verdict, const char *reason);

/* The same for any held or awaiting entry by txnId, with the decision as strings (action, its
 * rules comma-separated); message (the echo) may be NULL when the timeline does not show it. */
gboolean     tact_outbox_release_decided (TactOutbox *self, const char *txn_id, TactMessage *message,
                                          const char *action, const char *rule_ids,
                                          const char *reason);

/* Resolves when the outbox is empty (all sends confirmed or failed). */
void         tact_outbox_wait_idle_async  (TactOutbox *self, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean     tact_outbox_wait_idle_finish (TactOutbox *self, GAsyncResult *result, GError **error);

G_END_DECLS
