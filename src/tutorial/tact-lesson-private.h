/* tact-lesson-private.h: constructing lessons (TactTutorial only). */
#pragma once

#include "tutorial/tact-lesson.h"

G_BEGIN_DECLS

/* Builds the lesson for @rule of @profile, generating and verifying its examples. */
TactLesson *tact_lesson_new_for_rule (TactProfile    *profile,
                                      const TactRule *rule);

G_END_DECLS
