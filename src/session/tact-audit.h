/* tact-audit.h: the audit trail (docs/audit.md).
 *
 * Every warning shown, warned send, justification, block, cancel, false-positive report,
 * review hold, approval request and decision is recorded in the encrypted audit table and, when
 * the profile names a supervision room, posted there as an io.github.tactchat.audit event (rule
 * ids, clauses, action, room, content hash, time; the content only when the profile says so).
 */
#pragma once

#include <gio/gio.h>
#include "matrix/tact-matrix.h"
#include "store/tact-store.h"
#include "tact-guard.h"
#include "tact-outbox.h"
#include "tact-room-list.h"

G_BEGIN_DECLS

#define TACT_AUDIT_EVENT_TYPE "io.github.tactchat.audit"

#define TACT_TYPE_AUDIT (tact_audit_get_type ())
G_DECLARE_FINAL_TYPE (TactAudit, tact_audit, TACT, AUDIT, GObject)

TactAudit *tact_audit_new    (TactMatrixClient *client, TactStore *store, TactRoomList *rooms,
                              TactGuard *guard, TactOutbox *outbox);
/* Records what happened. room, txn_id, verdict, content, justification and comment may be NULL.
 * content is hashed (SHA-256) for the record; it is posted to the supervision room only when the
 * profile's audit.include_content is set, and never logged. */
void       tact_audit_record (TactAudit *self, const char *kind, TactRoom *room, const char *txn_id,
                              const TactVerdict *verdict, const char *content,
                              const char *justification, const char *comment);
/* The newest records of this device, newest first (element-type TactStoreAuditRecord). */
void       tact_audit_list_async  (TactAudit *self, guint limit, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_audit_list_finish (TactAudit *self, GAsyncResult *result, GError **error);
/* The supervision room's id once joined, else NULL. */
const char *tact_audit_get_supervision_room (TactAudit *self);

G_END_DECLS
