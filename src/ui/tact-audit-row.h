/* tact-audit-row.h: one audit record in a list (My Audit Log, Supervision): its time, what
 * happened in words, the person (supervision records), rules and clauses, action, room, and the
 * reason or comment. Also the one place that puts an audit record's kind and action in words. */
#pragma once

#include <adwaita.h>
#include "store/tact-store.h"

G_BEGIN_DECLS

#define TACT_TYPE_AUDIT_ROW (tact_audit_row_get_type ())
G_DECLARE_FINAL_TYPE (TactAuditRow, tact_audit_row, TACT, AUDIT_ROW, GtkWidget)

GtkWidget  *tact_audit_row_new        (void);
/* record NULL clears the row. room_name and person (who sent a supervision record, in words)
 * may be NULL: the room id is shown, and no person line. */
void        tact_audit_row_set_record (TactAuditRow *self, const TactStoreAuditRecord *record,
                                       const char *room_name, const char *person);

/* What an audit record's kind means, in words (docs/audit.md); an unknown kind as it is. own:
 * the person reading it made the record (My Audit Log: "You approved a request"), else someone
 * else did (a supervision room's record: "Approved a request"). */
const char *tact_audit_kind_in_words   (const char *kind, gboolean own);
/* The guard's action in words ("reason required"); an unknown action as it is. */
const char *tact_audit_action_in_words (const char *action);

G_END_DECLS
