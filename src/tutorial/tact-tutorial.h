/* tact-tutorial.h: the policy tutorial model, built from a TactProfile.
 *
 * One TactLesson per rule (lower tiers of a classifier reading and shadow rules excepted),
 * grouped by theme, in profile order within a theme; the quiz is tact-quiz.h. Model only:
 * the widgets that present it live in src/ui and never change it. */
#pragma once

#include "policy/tact-policy.h"
#include "tutorial/tact-lesson.h"

G_BEGIN_DECLS

#define TACT_TYPE_TUTORIAL (tact_tutorial_get_type ())
G_DECLARE_FINAL_TYPE (TactTutorial, tact_tutorial, TACT, TUTORIAL, GObject)

TactTutorial *tact_tutorial_new         (TactProfile  *profile);
TactProfile  *tact_tutorial_get_profile (TactTutorial *self);
/* element-type TactLesson; owned by the tutorial */
GListModel   *tact_tutorial_get_lessons (TactTutorial *self);
/* Whether @lesson's rule is one the profile's role module @module_id (TRN-3) stresses. */
gboolean      tact_tutorial_lesson_in_module (TactTutorial *self,
                                              TactLesson   *lesson,
                                              const char   *module_id);

G_END_DECLS
