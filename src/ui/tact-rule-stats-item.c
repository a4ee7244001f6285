/* tact-rule-stats-item.c: a rule's counts as a GObject, so a GListStore can hold them. */
#include "tact-rule-stats-item.h"

struct _TactRuleStatsItem
{
  GObject parent_instance;
  TactAuditRuleStats *stats;   /* owned */
};

G_DEFINE_FINAL_TYPE (TactRuleStatsItem, tact_rule_stats_item, G_TYPE_OBJECT)

static void
tact_rule_stats_item_finalize (GObject *object)
{
  g_clear_pointer (&TACT_RULE_STATS_ITEM (object)->stats, tact_audit_rule_stats_free);
  G_OBJECT_CLASS (tact_rule_stats_item_parent_class)->finalize (object);
}

static void
tact_rule_stats_item_class_init (TactRuleStatsItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tact_rule_stats_item_finalize;
}

static void
tact_rule_stats_item_init (TactRuleStatsItem *self)
{
}

TactRuleStatsItem *
tact_rule_stats_item_new (const TactAuditRuleStats *stats)
{
  TactRuleStatsItem *self;

  g_return_val_if_fail (stats != NULL, NULL);
  self = g_object_new (TACT_TYPE_RULE_STATS_ITEM, NULL);
  self->stats = tact_audit_rule_stats_copy (stats);
  return self;
}

const TactAuditRuleStats *
tact_rule_stats_item_get_stats (TactRuleStatsItem *self)
{
  g_return_val_if_fail (TACT_IS_RULE_STATS_ITEM (self), NULL);
  return self->stats;
}
