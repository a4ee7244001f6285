/* tact-test-profile.h: profiles for tests that exercise something other than the guard's
 * judgement (the outbox, sync, approvals' plumbing). */
#pragma once

#include <json-glib/json-glib.h>

#include "policy/tact-policy.h"

G_BEGIN_DECLS

/* The shipped profile without its classifier rules and its context section: its words,
 * identifiers and attachment rules only. The classifier's readings change with every
 * corpus batch, and a session test's made-up bodies ("fault 0 msg 01") are not chat; its
 * judgement is tested in tests/policy and by the UI tests, which use the shipped profile
 * as it is. */
TactProfile *tact_test_profile_words_only  (void);
/* Whether a profile rule (JSON) has a classifier detector. */
gboolean     tact_test_is_classifier_rule (JsonObject *rule);

G_END_DECLS
