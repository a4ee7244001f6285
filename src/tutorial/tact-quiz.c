/* tact-quiz.c: the policy tutorial's quiz, generated from the lessons (tact-quiz.h).
 *
 * Candidates are built in lesson order — a "What happens?" question for each example of
 * each lesson (the flagged one and its contrasts), and a "Which one?" question for each
 * lesson whose flagged example Tact holds or stops, with three examples of other lessons
 * that go out as written in the same room as distractors (each checked in that room) —
 * then shuffled with the seed and cut to the size asked, "Which one?" questions first in
 * the mix so that a short quiz has both kinds. */
#include "tutorial/tact-quiz.h"

#include <glib/gi18n-lib.h>

struct _TactQuiz
{
  GObject    parent_instance;

  GPtrArray *items;   /* element-type TactQuizItem, owned */
};

G_DEFINE_FINAL_TYPE (TactQuiz, tact_quiz, G_TYPE_OBJECT)

#define WHICH_ONE_OPTIONS 4

static void
item_free (TactQuizItem *item)
{
  g_free (item->question);
  g_free (item->message);
  g_strfreev (item->options);
  g_free (item->explanation);
  g_free (item->rule_id);
  g_free (item);
}

static void
tact_quiz_finalize (GObject *object)
{
  TactQuiz *self = TACT_QUIZ (object);

  g_ptr_array_unref (self->items);
  G_OBJECT_CLASS (tact_quiz_parent_class)->finalize (object);
}

static void
tact_quiz_class_init (TactQuizClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tact_quiz_finalize;
}

static void
tact_quiz_init (TactQuiz *self)
{
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
}

const char *
tact_quiz_action_answer (TactAction action)
{
  switch (action)
    {
    case TACT_ACTION_ALLOW:   return _("It is sent as written");
    case TACT_ACTION_WARN:    return _("Tact warns first; you may still send it");
    case TACT_ACTION_JUSTIFY: return _("It is sent only with a written reason");
    case TACT_ACTION_APPROVE: return _("It waits for the department head’s approval");
    case TACT_ACTION_BLOCK:   return _("Tact does not send it");
    default:                  g_return_val_if_reached (NULL);
    }
}

/* The finding whose action is the verdict's (the first of the strictest), or NULL when the
 * message goes out as written. */
static const TactFinding *
strictest_finding (const TactVerdict *verdict)
{
  const TactFinding *top = NULL;

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (top == NULL || finding->action > top->action)
        top = finding;
    }
  return verdict->action != TACT_ACTION_ALLOW ? top : NULL;
}

/* Why @verdict is what it is: the strictest finding's rule, explained, and what to do
 * instead; or that nothing in the message breaks a rule for this audience. */
static char *
explain_verdict (const TactVerdict *verdict)
{
  const TactFinding *top = strictest_finding (verdict);

  if (top == NULL)
    return g_strdup (_("Nothing in it breaks a rule for this audience, so it goes out as written."));
  if (top->alternative != NULL)
    /* Translators: the rule's title, its explanation, then what to do instead. */
    return g_strdup_printf (_("%s: %s Instead: %s"), top->title, top->explanation, top->alternative);
  /* Translators: the rule's title, then its explanation. */
  return g_strdup_printf (_("%s: %s"), top->title, top->explanation);
}

static TactVerdict *
check_in (TactProfile        *profile,
          const char         *text,
          const TactOutgoing *room)
{
  TactOutgoing outgoing = *room;

  outgoing.text = text;
  return tact_profile_check (profile, &outgoing);
}

static TactQuizItem *
what_happens (TactProfile       *profile,
              const TactExample *example)
{
  g_autoptr(TactVerdict) verdict = check_in (profile, example->text, &example->outgoing);
  const TactFinding *top = strictest_finding (verdict);
  g_autofree char *audience = tact_outgoing_describe_audience (&example->outgoing);
  TactQuizItem *item = g_new0 (TactQuizItem, 1);
  GStrvBuilder *options = g_strv_builder_new ();

  item->kind = TACT_QUIZ_WHAT_HAPPENS;
  /* Translators: %s is an audience: "to a customer outside the company", "in a group of
   * 30 colleagues"… */
  item->question = g_strdup_printf (_("You send this message %s. What happens?"), audience);
  item->message = g_strdup (example->text);
  for (TactAction action = TACT_ACTION_ALLOW; action <= TACT_ACTION_BLOCK; action++)
    g_strv_builder_add (options, tact_quiz_action_answer (action));
  item->options = g_strv_builder_end (options);
  g_strv_builder_unref (options);
  item->correct = verdict->action;
  item->explanation = explain_verdict (verdict);
  item->rule_id = g_strdup (top != NULL ? top->rule_id : NULL);
  item->answer = -1;
  return item;
}

/* "Which one?" for @flagged, with distractors from @pool (examples of other lessons) that
 * go out as written in its room; NULL when there are not enough of them. */
static TactQuizItem *
which_one (TactProfile       *profile,
           const TactExample *flagged,
           const char        *rule_id,
           GPtrArray         *pool,
           GRand             *rand)
{
  g_autoptr(TactVerdict) verdict = check_in (profile, flagged->text, &flagged->outgoing);
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  g_autofree char *audience = tact_outgoing_describe_audience (&flagged->outgoing);
  TactQuizItem *item;
  guint start = pool->len > 0 ? g_rand_int_range (rand, 0, pool->len) : 0;

  for (guint k = 0; k < pool->len && texts->len < WHICH_ONE_OPTIONS - 1; k++)
    {
      const char *text = g_ptr_array_index (pool, (start + k) % pool->len);
      g_autoptr(TactVerdict) other = check_in (profile, text, &flagged->outgoing);

      /* The pool has a text once per example: a lesson's message to a colleague repeats its
       * flagged one. An option is offered once. */
      if (other->action == TACT_ACTION_ALLOW && !g_str_equal (text, flagged->text) &&
          !g_ptr_array_find_with_equal_func (texts, text, g_str_equal, NULL))
        g_ptr_array_add (texts, (gpointer) text);
    }
  if (texts->len < WHICH_ONE_OPTIONS - 1)
    return NULL;

  item = g_new0 (TactQuizItem, 1);
  item->kind = TACT_QUIZ_WHICH_ONE;
  /* Translators: %s is an audience: "to a customer outside the company"… */
  item->question = g_strdup_printf (_("Which of these messages would Tact hold or stop if you sent it %s?"),
                                    audience);
  item->correct = g_rand_int_range (rand, 0, WHICH_ONE_OPTIONS);
  g_ptr_array_insert (texts, item->correct, (gpointer) flagged->text);
  g_ptr_array_add (texts, NULL);
  item->options = g_strdupv ((char **) texts->pdata);
  {
    g_autofree char *why = explain_verdict (verdict);

    /* Translators: the message Tact holds or stops, then why. */
    item->explanation = g_strdup_printf (_("“%s” — %s The others go out as written."),
                                         flagged->text, why);
  }
  item->rule_id = g_strdup (rule_id);
  item->answer = -1;
  return item;
}

TactQuiz *
tact_quiz_new (TactTutorial *tutorial,
               guint         n_items,
               guint32       seed)
{
  g_autoptr(TactQuiz) self = g_object_new (TACT_TYPE_QUIZ, NULL);
  TactProfile *profile;
  GListModel *lessons;
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) which = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  g_autoptr(GPtrArray) what = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  g_autoptr(GPtrArray) pool = g_ptr_array_new ();

  g_return_val_if_fail (TACT_IS_TUTORIAL (tutorial), NULL);
  profile = tact_tutorial_get_profile (tutorial);
  lessons = tact_tutorial_get_lessons (tutorial);

  /* Distractors: every example's text (held by the lessons, which the tutorial keeps). */
  for (guint i = 0; i < g_list_model_get_n_items (lessons); i++)
    {
      g_autoptr(TactLesson) lesson = g_list_model_get_item (lessons, i);

      for (guint e = 0; e < tact_lesson_get_n_examples (lesson); e++)
        g_ptr_array_add (pool, tact_lesson_get_nth_example (lesson, e)->text);
    }

  for (guint i = 0; i < g_list_model_get_n_items (lessons); i++)
    {
      g_autoptr(TactLesson) lesson = g_list_model_get_item (lessons, i);

      for (guint e = 0; e < tact_lesson_get_n_examples (lesson); e++)
        {
          const TactExample *example = tact_lesson_get_nth_example (lesson, e);
          TactQuizItem *item;

          g_ptr_array_add (what, what_happens (profile, example));
          if (example->flagged && example->action >= TACT_ACTION_APPROVE &&
              (item = which_one (profile, example, tact_lesson_get_rule_id (lesson), pool, rand)) != NULL)
            g_ptr_array_add (which, item);
        }
    }

  /* Shuffle each kind, then alternate them up to the size asked. */
  for (guint k = 0; k < 2; k++)
    {
      GPtrArray *list = k == 0 ? which : what;

      for (guint i = list->len; i > 1; i--)
        {
          guint j = g_rand_int_range (rand, 0, i);
          gpointer tmp = list->pdata[i - 1];

          list->pdata[i - 1] = list->pdata[j];
          list->pdata[j] = tmp;
        }
    }
  for (guint i = 0; self->items->len < n_items && (which->len > 0 || what->len > 0); i++)
    {
      GPtrArray *from = (i % 3 == 0 && which->len > 0) || what->len == 0 ? which : what;

      g_ptr_array_add (self->items, g_ptr_array_steal_index (from, from->len - 1));
    }
  return g_steal_pointer (&self);
}

guint
tact_quiz_get_n_items (TactQuiz *self)
{
  g_return_val_if_fail (TACT_IS_QUIZ (self), 0);
  return self->items->len;
}

const TactQuizItem *
tact_quiz_get_item (TactQuiz *self,
                    guint     i)
{
  g_return_val_if_fail (TACT_IS_QUIZ (self), NULL);
  g_return_val_if_fail (i < self->items->len, NULL);
  return g_ptr_array_index (self->items, i);
}

gboolean
tact_quiz_answer (TactQuiz *self,
                  guint     i,
                  guint     choice)
{
  TactQuizItem *item;

  g_return_val_if_fail (TACT_IS_QUIZ (self), FALSE);
  g_return_val_if_fail (i < self->items->len, FALSE);
  item = g_ptr_array_index (self->items, i);
  g_return_val_if_fail (choice < g_strv_length (item->options), FALSE);

  if (item->answer < 0)
    item->answer = (int) choice;
  return choice == item->correct;
}

gboolean
tact_quiz_is_complete (TactQuiz *self)
{
  g_return_val_if_fail (TACT_IS_QUIZ (self), FALSE);
  for (guint i = 0; i < self->items->len; i++)
    if (((TactQuizItem *) g_ptr_array_index (self->items, i))->answer < 0)
      return FALSE;
  return TRUE;
}

guint
tact_quiz_get_score (TactQuiz *self)
{
  guint right = 0;

  g_return_val_if_fail (TACT_IS_QUIZ (self), 0);
  if (self->items->len == 0)
    return 0;
  for (guint i = 0; i < self->items->len; i++)
    {
      const TactQuizItem *item = g_ptr_array_index (self->items, i);

      right += item->answer == (int) item->correct;
    }
  return right * 100 / self->items->len;
}
