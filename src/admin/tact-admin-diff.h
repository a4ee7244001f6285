/* tact-admin-diff.h: comparing two policy profiles for `tact-admin diff`: a rule-level summary
 * (rules added, removed and changed by id, other top-level fields changed) and a bounded
 * line-based unified diff (GLib has none). Pure: GLib and json-glib only, no network.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  GPtrArray *added;           /* char*, rule ids only in the new profile, in its order */
  GPtrArray *removed;         /* char*, rule ids only in the old profile, in its order */
  GPtrArray *changed;         /* char*, rule ids in both whose rule differs, new order */
  GPtrArray *fields_changed;  /* char*, top-level members other than "rules" that differ */
} TactAdminRuleDiff;

void tact_admin_rule_diff_free (TactAdminRuleDiff *diff);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactAdminRuleDiff, tact_admin_rule_diff_free)

/* Compares two profiles (JSON objects with a "rules" array of objects with an "id"). Rules are
 * matched by id; a rule without a string id is an error (G_IO_ERROR_INVALID_DATA), as is a
 * profile that is not an object. Member order does not matter (json_node_equal). */
TactAdminRuleDiff *tact_admin_rule_diff (JsonNode  *old_profile,
                                         JsonNode  *new_profile,
                                         GError   **error);

/* TRUE when nothing differs. */
gboolean tact_admin_rule_diff_is_empty (const TactAdminRuleDiff *diff);

/* A unified diff ("--- old_label", "+++ new_label", "@@ -a,b +c,d @@" hunks with @context
 * lines around each change) between two texts, line by line (a longest common subsequence after
 * the common prefix and suffix are set aside). "" when the texts have the same lines. NULL when
 * the differing middle needs more than @max_cells table cells (n × m): too different to diff
 * within the bound. */
char *tact_admin_line_diff (const char *old_text,
                            const char *new_text,
                            const char *old_label,
                            const char *new_label,
                            guint       context,
                            gsize       max_cells);

G_END_DECLS
