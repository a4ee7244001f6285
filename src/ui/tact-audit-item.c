/* tact-audit-item.c: an audit record as a GObject, so a GListStore can hold it. */
#include "tact-audit-item.h"

struct _TactAuditItem
{
  GObject parent_instance;
  TactStoreAuditRecord *record;   /* owned */
};

G_DEFINE_FINAL_TYPE (TactAuditItem, tact_audit_item, G_TYPE_OBJECT)

static void
tact_audit_item_finalize (GObject *object)
{
  g_clear_pointer (&TACT_AUDIT_ITEM (object)->record, tact_store_audit_record_free);
  G_OBJECT_CLASS (tact_audit_item_parent_class)->finalize (object);
}

static void
tact_audit_item_class_init (TactAuditItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tact_audit_item_finalize;
}

static void
tact_audit_item_init (TactAuditItem *self)
{
}

TactAuditItem *
tact_audit_item_new (const TactStoreAuditRecord *record)
{
  TactAuditItem *self;

  g_return_val_if_fail (record != NULL, NULL);
  self = g_object_new (TACT_TYPE_AUDIT_ITEM, NULL);
  self->record = tact_store_audit_record_copy (record);
  return self;
}

const TactStoreAuditRecord *
tact_audit_item_get_record (TactAuditItem *self)
{
  g_return_val_if_fail (TACT_IS_AUDIT_ITEM (self), NULL);
  return self->record;
}
