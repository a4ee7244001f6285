/* tact-lesson.h: one lesson of the policy tutorial — a rule, explained, with
 * an example sentence that the policy engine really flags. */
#pragma once

#include "policy/tact-policy.h"

G_BEGIN_DECLS

#define TACT_TYPE_LESSON (tact_lesson_get_type ())
G_DECLARE_FINAL_TYPE (TactLesson, tact_lesson, TACT, LESSON, GObject)

const char         *tact_lesson_get_rule_id         (TactLesson *self);
const char         *tact_lesson_get_title           (TactLesson *self);
const char         *tact_lesson_get_explanation     (TactLesson *self);
const char * const *tact_lesson_get_clauses         (TactLesson *self);
/* A sentence that triggers the rule; NULL if none could be made. */
const char         *tact_lesson_get_example         (TactLesson *self);
/* The room the example is checked in (text field NULL). */
const TactOutgoing *tact_lesson_get_example_outgoing (TactLesson *self);
/* The verdict tact_profile_check() gave the example (ALLOW if no example). */
TactAction          tact_lesson_get_expected_action (TactLesson *self);

G_END_DECLS
