/* tact-approvals.h: approval routing (docs/approval-protocol.md).
 *
 * The requester's side: a message whose verdict is approve waits in the outbox (awaiting
 * approval) while a request goes to the approvers the profile names for its rules; a decision is
 * acted on only when it passes every check of the protocol (sender, request id, hash, expiry,
 * once). The approver's side: requests addressed to us, as a model for the Approvals page, and
 * our decisions.
 */
#pragma once

#include <gio/gio.h>
#include "matrix/tact-matrix.h"
#include "store/tact-store.h"
#include "tact-audit.h"
#include "tact-guard.h"
#include "tact-outbox.h"
#include "tact-room-list.h"

G_BEGIN_DECLS

#define TACT_APPROVAL_REQUEST_TYPE  "io.github.tactchat.approval.request"
#define TACT_APPROVAL_DECISION_TYPE "io.github.tactchat.approval.decision"
#define TACT_APPROVAL_ROOM_TYPE     "io.github.tactchat.approval.room"

/* ---- One request, for the Approvals page and the Held list ---------------------------- */

#define TACT_TYPE_APPROVAL_REQUEST (tact_approval_request_get_type ())
G_DECLARE_FINAL_TYPE (TactApprovalRequest, tact_approval_request, TACT, APPROVAL_REQUEST, GObject)

const char *tact_approval_request_get_id          (TactApprovalRequest *self);
gboolean    tact_approval_request_is_incoming     (TactApprovalRequest *self);
const char *tact_approval_request_get_requester   (TactApprovalRequest *self);
/* The message as it will be sent (its body), the note, the target room's name and audience. */
const char *tact_approval_request_get_text        (TactApprovalRequest *self);
const char *tact_approval_request_get_note        (TactApprovalRequest *self);
const char *tact_approval_request_get_target_name (TactApprovalRequest *self);
guint       tact_approval_request_get_target_members  (TactApprovalRequest *self);
guint       tact_approval_request_get_target_external (TactApprovalRequest *self);
/* One line per finding: "title (clauses): excerpts". */
const char *tact_approval_request_get_findings    (TactApprovalRequest *self);
gint64      tact_approval_request_get_expires_ts  (TactApprovalRequest *self);
/* "pending", "approved", "rejected", "returned", "expired", "cancelled" ("state" property). */
const char *tact_approval_request_get_state       (TactApprovalRequest *self);
const char *tact_approval_request_get_comment     (TactApprovalRequest *self);
/* Incoming: whether the content shown hashes to the request's sha256 (else it was tampered
 * with, and cannot be approved). */
gboolean    tact_approval_request_get_hash_ok     (TactApprovalRequest *self);
/* A file request: the file's name and size (else NULL, -1); its bytes with
 * tact_approvals_download_file_async(). */
const char *tact_approval_request_get_file_name   (TactApprovalRequest *self);
gint64      tact_approval_request_get_file_size   (TactApprovalRequest *self);
/* The request's sha256 (what a decision must name). */
const char *tact_approval_request_get_sha256      (TactApprovalRequest *self);

/* ---- The approvals workflow ------------------------------------------------------------ */

#define TACT_TYPE_APPROVALS (tact_approvals_get_type ())
G_DECLARE_FINAL_TYPE (TactApprovals, tact_approvals, TACT, APPROVALS, GObject)

TactApprovals *tact_approvals_new   (TactMatrixClient *client, TactStore *store, TactRoomList *rooms,
                                     TactGuard *guard, TactOutbox *outbox, TactAudit *audit);
/* Reads the stored requests back (models, expiry). */
void           tact_approvals_start (TactApprovals *self);
void           tact_approvals_stop  (TactApprovals *self);

/* Element type TactApprovalRequest: requests addressed to us, newest last. */
GListModel    *tact_approvals_get_incoming (TactApprovals *self);
/* Element type TactApprovalRequest: our own requests. */
GListModel    *tact_approvals_get_outgoing (TactApprovals *self);
/* Incoming requests still waiting for our decision ("pending-count" property: the badge). */
guint          tact_approvals_get_pending_count (TactApprovals *self);

/* The users whose approval counts for verdict under the profile in force: the approvers of
 * every approve-rule (their intersection). NULL with an error saying why when there is none. */
GStrv          tact_approvals_dup_approvers (TactApprovals *self, const TactVerdict *verdict,
                                             GError **error);
/* Display names for user ids, as the rooms know them (else the ids), joined with "、". */
char          *tact_approvals_dup_names     (TactApprovals *self, const char * const *user_ids);

/* Sends an approval request for check (verdict approve) with an optional note: the message
 * waits in the outbox as awaiting approval (the echo, returned, says from whom) and the request
 * goes to the approvals room (created on first use). Errors: TACT_SESSION_ERROR_STALE (the check
 * no longer holds), TACT_SESSION_ERROR_NEEDS_APPROVAL (no approver), G_IO_ERROR (the room). */
void           tact_approvals_request_async  (TactApprovals *self, TactRoom *room,
                                              TactSendCheck *check, const char *note,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
TactMessage   *tact_approvals_request_finish (TactApprovals *self, GAsyncResult *result,
                                              GError **error);

/* The approver decides: decision "approve", "reject" or "return" (a comment is kept with it).
 * Refuses to approve a request whose content does not match its hash. */
gboolean       tact_approvals_decide (TactApprovals *self, TactApprovalRequest *request,
                                      const char *decision, const char *comment, GError **error);

/* The approver opens a file request's file: downloaded and checked against the hash the request
 * covers (TACT_SESSION_ERROR_BLOCKED when it differs). */
void           tact_approvals_download_file_async  (TactApprovals *self, TactApprovalRequest *request,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
GBytes        *tact_approvals_download_file_finish (TactApprovals *self, GAsyncResult *result,
                                                    GError **error);

/* Our own request for the held message txn_id is withdrawn (the message was discarded). */
void           tact_approvals_cancel (TactApprovals *self, const char *txn_id);

/* A protocol event from the sync loop (requests, decisions). */
void           tact_approvals_handle_event (TactApprovals *self, TactRoom *room,
                                            const TactEvent *event);

/* The hash a request carries: SHA-256 of the canonical JSON of {"attachments", "content",
 * "event_type", "target_room_id"}. NULL on error (content that cannot be canonical JSON). */
char          *tact_approvals_compute_sha256 (JsonObject *content, const char *event_type,
                                              const char *target_room_id, JsonArray *attachments);

/* For tests: expires pending requests as if the clock said now (ms since the epoch). */
void           tact_approvals_check_expiry_at (TactApprovals *self, gint64 now);

G_END_DECLS
