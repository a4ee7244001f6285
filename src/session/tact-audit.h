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
/* Every record about a message, as it is made (the practice scenarios judge by them):
 *
 *   void recorded (TactAudit *audit, const char *kind, const char *room_id, gpointer data)
 *
 * room_id may be NULL. */
/* Records what happened. room, txn_id, verdict, content, justification and comment may be NULL.
 * content is hashed (SHA-256) for the record; it is posted to the supervision room only when the
 * profile's audit.include_content is set, and never logged. */
void       tact_audit_record (TactAudit *self, const char *kind, TactRoom *room, const char *txn_id,
                              const TactVerdict *verdict, const char *content,
                              const char *justification, const char *comment);
/* Sends a record the store has already written locally (a warned or justified send, written
 * with its outbox row; a review hold) to the supervision room only. */
void       tact_audit_publish (TactAudit *self, const char *kind, TactRoom *room, const char *txn_id,
                               const TactVerdict *verdict, const char *content,
                               const char *justification);
/* A policy tutorial result (issue 9): a local record ("tutorial-passed" or "tutorial-failed",
 * clauses TRN-1 and TRN-5) and an event in the supervision room with the profile, the score,
 * the pass mark, the lessons read and the role module. */
void       tact_audit_record_training (TactAudit *self, const TactStoreTraining *result);
/* The newest records of this device, newest first (element-type TactStoreAuditRecord). */
void       tact_audit_list_async  (TactAudit *self, guint limit, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_audit_list_finish (TactAudit *self, GAsyncResult *result, GError **error);
/* Supervisors: the supervision room's records (everyone's), newest first, those matching the
 * filters (NULL: any): sender, a rule id, an action (element-type TactStoreAuditRecord, with
 * sender set). Read from the history kept in the encrypted store; G_IO_ERROR_NOT_FOUND when
 * the profile names no supervision room or we are not in it. */
void       tact_audit_list_supervision_async  (TactAudit *self, const char *sender,
                                               const char *rule_id, const char *action,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_audit_list_supervision_finish (TactAudit *self, GAsyncResult *result, GError **error);
/* One rule's counts over the supervision room's records (tact_audit_stats_async()), counted as
 * `tact-admin stats` counts them (docs/audit.md, "Counting per rule"): a record counts once for
 * each rule id it names. */
typedef struct {
  char   *rule_id;
  char   *title;            /* the rule's title in the profile in force; NULL when it has no
                             * rule of that id (a retired rule, another profile's) */
  guint   hits;             /* warning-shown, justification-asked, approval-needed, blocked */
  guint   overrides;        /* warned-send, justified-send */
  guint   false_positives;  /* false-positive */
  guint   shadow_hits;      /* shadow-hit: the rule is on trial, nothing was shown */
  gint64  last_ts;          /* ms: the newest record that names the rule, of any kind */
} TactAuditRuleStats;

TactAuditRuleStats *tact_audit_rule_stats_copy (const TactAuditRuleStats *stats);
void                tact_audit_rule_stats_free (TactAuditRuleStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactAuditRuleStats, tact_audit_rule_stats_free)

/* Supervisors: per-rule counts from the supervision room's records (the same reading as
 * tact_audit_list_supervision_async(): the newest 2000 kept in the encrypted store), one row for
 * every rule id a record names, most hits first (then by rule id). Element-type
 * TactAuditRuleStats. G_IO_ERROR_NOT_FOUND as for the list. */
void       tact_audit_stats_async  (TactAudit *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_audit_stats_finish (TactAudit *self, GAsyncResult *result, GError **error);
/* Whether this account may read the supervision room: a member with at least moderator power. */
gboolean   tact_audit_is_supervisor (TactAudit *self);

/* The fleet's supervision room (administrator settings, the homeserver's .well-known): used when
 * the profile in force names none. */
void       tact_audit_set_fallback_room (TactAudit *self, const char *room_id_or_alias);
/* The supervision room's id once joined, else NULL. */
const char *tact_audit_get_supervision_room (TactAudit *self);

G_END_DECLS
