/* tact-quiz.h: the policy tutorial's quiz (issue 9, item 3; TRN-5), generated from the
 * tutorial's lessons: every question's answer is what tact_profile_check() does, never a
 * value written by hand, and every answer is explained.
 *
 * Two kinds of question:
 *   - "What happens?": a message and an audience; the answers are the five verdicts, from
 *     "It is sent as written" to "Tact does not send it".
 *   - "Which one?": four messages for one audience; one of them Tact stops or holds, the
 *     other three it lets through as written.
 * The same tutorial and seed give the same quiz; another seed shuffles it (a retake). */
#pragma once

#include "tutorial/tact-tutorial.h"

G_BEGIN_DECLS

typedef enum {
  TACT_QUIZ_WHAT_HAPPENS,
  TACT_QUIZ_WHICH_ONE,
} TactQuizKind;

/* One question, owned by its quiz. */
typedef struct {
  TactQuizKind kind;
  char        *question;     /* translated */
  char        *message;      /* WHAT_HAPPENS: the message asked about; NULL for WHICH_ONE */
  GStrv        options;      /* the answers offered, in order */
  guint        correct;      /* index in options */
  char        *explanation;  /* translated: why, naming the rule and what to do instead */
  char        *rule_id;      /* the rule the question is about; NULL when nothing fires */
  int          answer;       /* the option chosen, -1 until answered */
} TactQuizItem;

#define TACT_TYPE_QUIZ (tact_quiz_get_type ())
G_DECLARE_FINAL_TYPE (TactQuiz, tact_quiz, TACT, QUIZ, GObject)

/* At most @n_items questions (fewer when the lessons give fewer). */
TactQuiz           *tact_quiz_new             (TactTutorial *tutorial,
                                               guint         n_items,
                                               guint32       seed);
guint               tact_quiz_get_n_items     (TactQuiz     *self);
const TactQuizItem *tact_quiz_get_item        (TactQuiz     *self,
                                               guint         i);
/* Records @choice for question @i (the first answer counts) and returns whether it is right. */
gboolean            tact_quiz_answer          (TactQuiz     *self,
                                               guint         i,
                                               guint         choice);
gboolean            tact_quiz_is_complete     (TactQuiz     *self);
/* Right answers, in percent of all questions (rounded down). */
guint               tact_quiz_get_score       (TactQuiz     *self);
/* The five answers of a "What happens?" question, indexed by TactAction. */
const char         *tact_quiz_action_answer   (TactAction    action);

G_END_DECLS
