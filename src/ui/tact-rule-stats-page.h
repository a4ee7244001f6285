/* tact-rule-stats-page.h: the Rule Statistics page of the records window, for supervisors: per
 * rule, how often the guard hit, how often people sent past it, how often they reported a false
 * positive, and shadow hits of rules on trial (tact_session_supervision_stats_async()). */
#pragma once

#include <adwaita.h>
#include "session/tact-session.h"

G_BEGIN_DECLS

#define TACT_TYPE_RULE_STATS_PAGE (tact_rule_stats_page_get_type ())
G_DECLARE_FINAL_TYPE (TactRuleStatsPage, tact_rule_stats_page, TACT, RULE_STATS_PAGE, AdwBin)

GtkWidget *tact_rule_stats_page_new         (void);
/* session may be NULL (nothing to show). */
void       tact_rule_stats_page_set_session (TactRuleStatsPage *self, TactSession *session);
/* Counts again from the supervision room (the page's Refresh button). */
void       tact_rule_stats_page_reload      (TactRuleStatsPage *self);
/* Shows rows (element-type TactAuditRuleStats, in the session's order), or the empty state. */
void       tact_rule_stats_page_show_stats  (TactRuleStatsPage *self, GPtrArray *rows);

G_END_DECLS
