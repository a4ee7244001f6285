/* tact-tutorial.h: the policy tutorial model, built from a TactProfile.
 *
 * One TactLesson per rule, in profile order. Model only: the widgets that
 * present it live beside it and never change it. */
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

G_END_DECLS
