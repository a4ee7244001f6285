/* tact-lesson.h: one lesson of the policy tutorial — a rule, explained through its clauses,
 * with examples the policy engine really flags next to similar ones it does not.
 *
 * Nothing in a lesson is written for the lesson: the title, explanation and alternative are
 * the rule's (in the user's language), the clauses' text comes from tact-clauses.c, and every
 * example was run through tact_profile_check() when the lesson was built — a lesson never
 * shows a verdict the engine would not give. */
#pragma once

#include "policy/tact-policy.h"
#include "tutorial/tact-clauses.h"

G_BEGIN_DECLS

/* A stretch of an example's text, in characters: what the rule found. */
typedef struct {
  glong start;
  glong end;
} TactSpan;

/* One example message and what Tact does with it in its room. */
typedef struct {
  char        *text;
  TactOutgoing outgoing;  /* the room it is sent to (text NULL) */
  gboolean     flagged;   /* the lesson's rule fires */
  TactAction   action;    /* the whole verdict's action */
  GArray      *spans;     /* element-type TactSpan: the rule's findings (empty when not flagged) */
} TactExample;

/* "to a customer outside the company", "in a group of 30 colleagues"… (translated). */
char *tact_outgoing_describe_audience (const TactOutgoing *outgoing);

#define TACT_TYPE_LESSON (tact_lesson_get_type ())
G_DECLARE_FINAL_TYPE (TactLesson, tact_lesson, TACT, LESSON, GObject)

const char         *tact_lesson_get_rule_id         (TactLesson *self);
const char         *tact_lesson_get_title           (TactLesson *self);
const char         *tact_lesson_get_explanation     (TactLesson *self);
/* What to do instead; NULL when the rule says nothing. */
const char         *tact_lesson_get_alternative     (TactLesson *self);
const char * const *tact_lesson_get_clauses         (TactLesson *self);
TactTheme           tact_lesson_get_theme           (TactLesson *self);
/* The first example that triggers the rule; NULL if none could be made. */
const char         *tact_lesson_get_example         (TactLesson *self);
/* The room the first example is checked in (text field NULL). */
const TactOutgoing *tact_lesson_get_example_outgoing (TactLesson *self);
/* The verdict tact_profile_check() gave the example (ALLOW if no example). */
TactAction          tact_lesson_get_expected_action (TactLesson *self);
/* Every example: the flagged one first, then the similar ones that are not (another
 * word in its place; the same words to a colleague when the rule is about outsiders). */
guint               tact_lesson_get_n_examples      (TactLesson *self);
const TactExample  *tact_lesson_get_nth_example     (TactLesson *self,
                                                     guint       i);

G_END_DECLS
