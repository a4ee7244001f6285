/* tact-rule-stats-item.h: one rule's counts (a plain struct from the session) as a list item,
 * for the Rule Statistics page's list model. */
#pragma once

#include <gio/gio.h>
#include "session/tact-audit.h"

G_BEGIN_DECLS

#define TACT_TYPE_RULE_STATS_ITEM (tact_rule_stats_item_get_type ())
G_DECLARE_FINAL_TYPE (TactRuleStatsItem, tact_rule_stats_item, TACT, RULE_STATS_ITEM, GObject)

/* Keeps a copy of stats. */
TactRuleStatsItem        *tact_rule_stats_item_new       (const TactAuditRuleStats *stats);
const TactAuditRuleStats *tact_rule_stats_item_get_stats (TactRuleStatsItem *self);

G_END_DECLS
