/* tact-audit-item.h: one audit record (a plain struct from the store) as a list item, for the
 * list models of My Audit Log and the Supervision page. */
#pragma once

#include <gio/gio.h>
#include "store/tact-store.h"

G_BEGIN_DECLS

#define TACT_TYPE_AUDIT_ITEM (tact_audit_item_get_type ())
G_DECLARE_FINAL_TYPE (TactAuditItem, tact_audit_item, TACT, AUDIT_ITEM, GObject)

/* Keeps a copy of record. */
TactAuditItem              *tact_audit_item_new        (const TactStoreAuditRecord *record);
const TactStoreAuditRecord *tact_audit_item_get_record (TactAuditItem *self);

G_END_DECLS
