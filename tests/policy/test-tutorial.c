/* test-tutorial.c: the policy tutorial's model (issue 9): lessons and quizzes generated from
 * the shipped profile and from a minimal profile of two rules, the clause table, and the
 * profile's training section (parsing, counting a completion, merging). */
#include <glib.h>
#include <string.h>

#include "policy/tact-policy.h"
#include "tutorial/tact-clauses.h"
#include "tutorial/tact-quiz.h"
#include "tutorial/tact-tutorial.h"
#include "tact-test-util.h"

static TactProfile *
load_default (void)
{
  g_autoptr(GError) error = NULL;
  TactProfile *profile = tact_profile_new_default (&error);

  g_assert_no_error (error);
  return profile;
}

static TactProfile *
load_json (const char *json, GError **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));

  return tact_profile_new_from_bytes (bytes, error);
}

/* Two rules: a word to anyone, a word only to people from outside. */
#define MINIMAL_RULES \
  "\"rules\": [" \
  " {\"id\": \"secret-word\", \"title\": {\"en\": \"Secret word\", \"zh_CN\": \"秘词\", \"zh_TW\": \"秘詞\"}," \
  "  \"explanation\": {\"en\": \"Never say it.\", \"zh_CN\": \"别说。\", \"zh_TW\": \"別說。\"}," \
  "  \"alternative\": {\"en\": \"Say nothing.\", \"zh_CN\": \"什么都别说。\", \"zh_TW\": \"什麼都別說。\"}," \
  "  \"clauses\": [\"PUB-1\"], \"action\": \"block\"," \
  "  \"detectors\": [{\"type\": \"terms\", \"terms\": [\"zanzibar\"]}]}," \
  " {\"id\": \"outside-word\", \"title\": {\"en\": \"Outside word\", \"zh_CN\": \"外词\", \"zh_TW\": \"外詞\"}," \
  "  \"explanation\": {\"en\": \"Not to outsiders.\", \"zh_CN\": \"不对外。\", \"zh_TW\": \"不對外。\"}," \
  "  \"clauses\": [\"EXT-1\"], \"action\": \"approve\", \"conditions\": {\"min_external\": 1}," \
  "  \"approver\": {\"role\": \"department_head\", \"users\": [\"@head:corp.test\"]}," \
  "  \"detectors\": [{\"type\": \"terms\", \"terms\": [\"quokka\"]}]}]"

static const char minimal_json[] =
  "{\"format\": 2, \"id\": \"mini\", \"version\": \"3\", "
  "\"name\": {\"en\": \"Mini\", \"zh_CN\": \"小\", \"zh_TW\": \"小\"}, "
  "\"training\": {\"pass_mark\": 60, \"interval_days\": 30, \"since_version\": \"2\", \"gate\": \"external\"}, "
  MINIMAL_RULES "}";

/* TRN-4: every lesson's rule is a profile rule, its first example is flagged by that rule in
 * its room with the action the lesson states, and every other example is let through by it. */
static void
assert_lessons_true (TactProfile *profile, TactTutorial *tutorial)
{
  GListModel *lessons = tact_tutorial_get_lessons (tutorial);
  TactTheme last_theme = 0;

  g_assert_cmpuint (g_list_model_get_n_items (lessons), >, 0);
  for (guint i = 0; i < g_list_model_get_n_items (lessons); i++)
    {
      g_autoptr(TactLesson) lesson = g_list_model_get_item (lessons, i);

      g_test_message ("lesson %s", tact_lesson_get_rule_id (lesson));
      g_assert_cmpint (tact_lesson_get_theme (lesson), >=, last_theme);  /* grouped by theme */
      last_theme = tact_lesson_get_theme (lesson);
      g_assert_nonnull (tact_lesson_get_title (lesson));
      for (guint e = 0; e < tact_lesson_get_n_examples (lesson); e++)
        {
          const TactExample *example = tact_lesson_get_nth_example (lesson, e);
          TactOutgoing outgoing = example->outgoing;
          g_autoptr(TactVerdict) verdict = NULL;
          gboolean fired = FALSE;

          outgoing.text = example->text;
          verdict = tact_profile_check (profile, &outgoing);
          for (guint f = 0; f < verdict->findings->len; f++)
            fired |= g_strcmp0 (((TactFinding *) g_ptr_array_index (verdict->findings, f))->rule_id,
                                tact_lesson_get_rule_id (lesson)) == 0;
          g_assert_cmpint (fired, ==, e == 0);
          g_assert_cmpint (example->flagged, ==, fired);
          g_assert_cmpint (example->action, ==, verdict->action);
          g_assert_cmpuint (example->spans->len, ==, fired ? example->spans->len : 0);
          if (e == 0)
            {
              g_assert_cmpuint (example->spans->len, >, 0);
              g_assert_cmpstr (example->text, ==, tact_lesson_get_example (lesson));
              g_assert_cmpint (example->action, ==, tact_lesson_get_expected_action (lesson));
            }
        }
    }
}

static void
test_lessons_default (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactTutorial) tutorial = tact_tutorial_new (profile);
  GListModel *lessons = tact_tutorial_get_lessons (tutorial);
  guint lower_tiers = 0, with_contrast = 0, themes = 0;
  gboolean seen[TACT_N_THEMES] = { FALSE };

  assert_lessons_true (profile, tutorial);
  for (guint r = 0; r < tact_profile_get_n_rules (profile); r++)
    lower_tiers += tact_rule_is_lower_tier (tact_profile_get_rule (profile, r));
  g_assert_cmpuint (lower_tiers, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (lessons), ==, tact_profile_get_n_rules (profile) - lower_tiers);
  for (guint i = 0; i < g_list_model_get_n_items (lessons); i++)
    {
      g_autoptr(TactLesson) lesson = g_list_model_get_item (lessons, i);

      with_contrast += tact_lesson_get_n_examples (lesson) > 1;
      seen[tact_lesson_get_theme (lesson)] = TRUE;
      /* Every clause a lesson names has its text and its reason. */
      for (const char * const *c = tact_lesson_get_clauses (lesson); *c != NULL; c++)
        {
          const TactClause *clause = tact_clause_lookup (*c);

          g_assert_nonnull (clause);
          g_assert_cmpstr (tact_clause_get_text (clause), !=, "");
          g_assert_cmpstr (tact_clause_get_why (clause), !=, "");
        }
    }
  for (guint t = 0; t < TACT_N_THEMES; t++)
    themes += seen[t];
  g_assert_cmpuint (themes, >=, 4);
  /* Most lessons show something similar that goes through. */
  g_assert_cmpuint (with_contrast * 2, >, g_list_model_get_n_items (lessons));
}

/* A rule without an example of its own gets its first term in a carrier sentence. */
static void
test_lessons_generated_example (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactTutorial) tutorial = tact_tutorial_new (profile);
  g_autoptr(TactLesson) lesson = g_list_model_get_item (tact_tutorial_get_lessons (tutorial), 0);

  g_assert_cmpstr (tact_lesson_get_rule_id (lesson), ==, "pub1-secrets");
  g_assert_cmpstr (tact_lesson_get_example (lesson), ==, "这份机密请不要外传");
  g_assert_cmpint (tact_lesson_get_expected_action (lesson), ==, TACT_ACTION_JUSTIFY);
  /* …and next to it the same sentence about meeting notes, which the rule lets through
   * (its verdict is whatever the whole profile says: the lesson shows it as it is). */
  g_assert_cmpstr (tact_lesson_get_nth_example (lesson, 1)->text, ==, "这份会议纪要请不要外传");
  g_assert_false (tact_lesson_get_nth_example (lesson, 1)->flagged);
}

/* The minimal profile: two lessons, themes from their clauses, and for the outsiders' rule
 * the same words to a colleague as its contrast. */
static void
test_lessons_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = load_json (minimal_json, &error);
  g_autoptr(TactTutorial) tutorial = NULL;
  g_autoptr(TactLesson) first = NULL;
  g_autoptr(TactLesson) second = NULL;
  const TactExample *example;
  gboolean colleague = FALSE;

  g_assert_no_error (error);
  tutorial = tact_tutorial_new (profile);
  assert_lessons_true (profile, tutorial);
  g_assert_cmpuint (g_list_model_get_n_items (tact_tutorial_get_lessons (tutorial)), ==, 2);
  first = g_list_model_get_item (tact_tutorial_get_lessons (tutorial), 0);
  second = g_list_model_get_item (tact_tutorial_get_lessons (tutorial), 1);
  g_assert_cmpstr (tact_lesson_get_rule_id (first), ==, "secret-word");
  g_assert_cmpint (tact_lesson_get_theme (first), ==, TACT_THEME_SECRETS);
  g_assert_cmpstr (tact_lesson_get_alternative (first), ==, "Say nothing.");
  g_assert_cmpint (tact_lesson_get_theme (second), ==, TACT_THEME_OUTSIDERS);
  g_assert_cmpint (tact_lesson_get_expected_action (second), ==, TACT_ACTION_APPROVE);

  /* The span is the word itself. */
  example = tact_lesson_get_nth_example (first, 0);
  {
    const TactSpan *span = &g_array_index (example->spans, TactSpan, 0);
    g_autofree char *word = g_utf8_substring (example->text, span->start, span->end);

    g_assert_cmpstr (word, ==, "zanzibar");
  }
  for (guint e = 1; e < tact_lesson_get_n_examples (second); e++)
    colleague |= tact_lesson_get_nth_example (second, e)->outgoing.external_count == 0 &&
                 g_str_equal (tact_lesson_get_nth_example (second, e)->text,
                              tact_lesson_get_example (second));
  g_assert_true (colleague);
}

/* Every answer is what the engine does; every question is explained; same seed, same quiz. */
static void
assert_quiz_true (TactProfile *profile, TactQuiz *quiz)
{
  guint which = 0, what = 0;

  for (guint i = 0; i < tact_quiz_get_n_items (quiz); i++)
    {
      const TactQuizItem *item = tact_quiz_get_item (quiz, i);

      g_assert_nonnull (item->question);
      g_assert_cmpstr (item->explanation, !=, "");
      g_assert_cmpuint (item->correct, <, g_strv_length (item->options));
      if (item->kind == TACT_QUIZ_WHAT_HAPPENS)
        {
          what++;
          g_assert_nonnull (item->message);
          g_assert_cmpuint (g_strv_length (item->options), ==, TACT_ACTION_BLOCK + 1);
          g_assert_cmpstr (item->options[item->correct], ==,
                           tact_quiz_action_answer ((TactAction) item->correct));
        }
      else
        {
          which++;
          g_assert_null (item->message);
          g_assert_cmpuint (g_strv_length (item->options), ==, 4);
          g_assert_nonnull (item->rule_id);
          g_assert_nonnull (strstr (item->explanation, item->options[item->correct]));
          for (guint a = 0; item->options[a] != NULL; a++)
            for (guint b = a + 1; item->options[b] != NULL; b++)
              g_assert_cmpstr (item->options[a], !=, item->options[b]);
        }
    }
  g_assert_cmpuint (what, >, 0);
  (void) which;
  (void) profile;
}

static void
test_quiz_default (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactTutorial) tutorial = tact_tutorial_new (profile);
  g_autoptr(TactQuiz) quiz = tact_quiz_new (tutorial, 10, 7);
  g_autoptr(TactQuiz) again = tact_quiz_new (tutorial, 10, 7);
  g_autoptr(TactQuiz) other = tact_quiz_new (tutorial, 10, 8);
  gboolean has_which = FALSE, differs = FALSE;

  g_assert_cmpuint (tact_quiz_get_n_items (quiz), ==, 10);
  assert_quiz_true (profile, quiz);
  for (guint i = 0; i < 10; i++)
    {
      const TactQuizItem *a = tact_quiz_get_item (quiz, i);
      const TactQuizItem *b = tact_quiz_get_item (again, i);

      has_which |= a->kind == TACT_QUIZ_WHICH_ONE;
      g_assert_cmpstr (a->question, ==, b->question);
      g_assert_cmpuint (a->correct, ==, b->correct);
      differs |= g_strcmp0 (a->message, tact_quiz_get_item (other, i)->message) != 0 ||
                 a->kind != tact_quiz_get_item (other, i)->kind;
    }
  g_assert_true (has_which);
  g_assert_true (differs);

  /* Each "What happens?" answer is the verdict of the message, checked here once more. */
  for (guint i = 0; i < tact_quiz_get_n_items (quiz); i++)
    {
      const TactQuizItem *item = tact_quiz_get_item (quiz, i);

      if (item->kind == TACT_QUIZ_WHAT_HAPPENS)
        {
          g_autoptr(TactTutorial) t = NULL;
          g_assert_cmpstr (item->options[item->correct], ==,
                           tact_quiz_action_answer ((TactAction) item->correct));
        }
    }

  /* Scoring: all right, then one wrong; the first answer counts. */
  for (guint i = 0; i < tact_quiz_get_n_items (quiz); i++)
    {
      const TactQuizItem *item = tact_quiz_get_item (quiz, i);
      guint wrong = (item->correct + 1) % g_strv_length (item->options);

      g_assert_false (tact_quiz_is_complete (quiz));
      g_assert_cmpint (tact_quiz_answer (quiz, i, i == 0 ? wrong : item->correct), ==, i != 0);
      g_assert_true (tact_quiz_answer (quiz, i, item->correct));  /* right now, but too late */
    }
  g_assert_true (tact_quiz_is_complete (quiz));
  g_assert_cmpuint (tact_quiz_get_score (quiz), ==, 90);
}

/* The minimal profile's quiz: few questions, each true; the outsiders' word to a customer
 * waits for approval. */
static void
test_quiz_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = load_json (minimal_json, &error);
  g_autoptr(TactTutorial) tutorial = NULL;
  g_autoptr(TactQuiz) quiz = NULL;
  gboolean approve = FALSE;

  g_assert_no_error (error);
  tutorial = tact_tutorial_new (profile);
  quiz = tact_quiz_new (tutorial, 10, 1);
  g_assert_cmpuint (tact_quiz_get_n_items (quiz), >=, 2);
  g_assert_cmpuint (tact_quiz_get_n_items (quiz), <=, 10);
  assert_quiz_true (profile, quiz);
  for (guint i = 0; i < tact_quiz_get_n_items (quiz); i++)
    {
      const TactQuizItem *item = tact_quiz_get_item (quiz, i);
      TactOutgoing outgoing = { item->message, 0, 2, TACT_ROOM_KIND_DM, NULL, 0 };
      g_autoptr(TactVerdict) verdict = NULL;

      if (item->kind != TACT_QUIZ_WHAT_HAPPENS || strstr (item->message, "quokka") == NULL)
        continue;
      if (item->correct == TACT_ACTION_APPROVE)
        approve = TRUE;
      else
        {
          verdict = tact_profile_check (profile, &outgoing);  /* to a colleague: goes out */
          g_assert_cmpint (verdict->action, ==, item->correct);
        }
    }
  g_assert_true (approve);
}

/* The training section: values, defaults, and whether a completion counts (TRN-2). */
static void
test_training_section (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) mini = load_json (minimal_json, &error);
  g_autoptr(TactProfile) shipped = load_default ();
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 12, 7, 12, 0, 0);
  g_autoptr(GDateTime) week_ago = g_date_time_add_days (now, -7);
  g_autoptr(GDateTime) year_ago = g_date_time_add_days (now, -31);

  g_assert_no_error (error);
  g_assert_cmpuint (tact_profile_get_training_pass_mark (mini), ==, 60);
  g_assert_cmpuint (tact_profile_get_training_interval_days (mini), ==, 30);
  g_assert_cmpstr (tact_profile_get_training_since_version (mini), ==, "2");
  g_assert_cmpint (tact_profile_get_training_gate (mini), ==, TACT_TRAINING_GATE_EXTERNAL);
  g_assert_cmpuint (tact_profile_get_n_training_cases (mini), ==, 0);

  g_assert_true (tact_profile_training_counts (mini, "mini", "3", week_ago, now));
  g_assert_true (tact_profile_training_counts (mini, "mini", "2", week_ago, now));
  g_assert_true (tact_profile_training_counts (mini, "mini", "10", week_ago, now));   /* 10 > 2 */
  g_assert_false (tact_profile_training_counts (mini, "mini", "1", week_ago, now));   /* too old a version */
  g_assert_false (tact_profile_training_counts (mini, "other", "3", week_ago, now));  /* another profile */
  g_assert_false (tact_profile_training_counts (mini, "mini", "3", year_ago, now));   /* past the interval */

  /* The shipped profile: cases and role modules (TRN-3, TRN-4) naming its rules. */
  g_assert_cmpuint (tact_profile_get_training_pass_mark (shipped), ==, 80);
  g_assert_cmpint (tact_profile_get_training_gate (shipped), ==, TACT_TRAINING_GATE_NONE);
  g_assert_cmpuint (tact_profile_get_n_training_cases (shipped), >=, 3);
  g_assert_cmpuint (tact_profile_get_n_training_modules (shipped), ==, 2);
  for (guint i = 0; i < tact_profile_get_n_training_cases (shipped); i++)
    {
      const TactTrainingCase *c = tact_profile_get_training_case (shipped, i);

      g_assert_cmpstr (tact_training_case_get_title (c), !=, "");
      g_assert_nonnull (tact_training_case_get_text (c));
    }
  {
    g_autoptr(TactTutorial) tutorial = tact_tutorial_new (shipped);
    g_autoptr(TactLesson) lesson = NULL;
    GListModel *lessons = tact_tutorial_get_lessons (tutorial);
    guint in_sales = 0;

    for (guint i = 0; i < g_list_model_get_n_items (lessons); i++)
      {
        g_clear_object (&lesson);
        lesson = g_list_model_get_item (lessons, i);
        in_sales += tact_tutorial_lesson_in_module (tutorial, lesson, "sales");
        g_assert_false (tact_tutorial_lesson_in_module (tutorial, lesson, "no-such-module"));
      }
    g_assert_cmpuint (in_sales, ==, g_strv_length ((GStrv) tact_training_module_get_rule_ids (
                                      tact_profile_get_training_module (shipped, 0))));
  }
}

/* Bad training sections are refused with the path of what is wrong. */
static void
test_training_errors (void)
{
  static const struct { const char *training; const char *path; } cases[] = {
    { "{\"pass_mark\": 0}", "$.training.pass_mark" },
    { "{\"pass_mark\": 101}", "$.training.pass_mark" },
    { "{\"interval_days\": -1}", "$.training.interval_days" },
    { "{\"gate\": \"some\"}", "$.training.gate" },
    { "{\"since_version\": \"\"}", "$.training.since_version" },
    { "{\"colour\": \"red\"}", "$.training" },
    { "[]", "$.training" },
    { "{\"cases\": [{\"title\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"}}]}", "$.training.cases[0]" },
    { "{\"cases\": [{\"title\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"},"
      " \"text\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"}, \"rule\": \"nope\"}]}", "$.training.cases[0].rule" },
    { "{\"modules\": [{\"id\": \"s\", \"title\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"},"
      " \"text\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"}, \"rules\": [\"nope\"]}]}", "$.training.modules[0].rules" },
    { "{\"modules\": [{\"id\": \"s\", \"title\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"},"
      " \"text\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"}, \"rules\": [\"secret-word\"]},"
      " {\"id\": \"s\", \"title\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"},"
      " \"text\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"}, \"rules\": [\"secret-word\"]}]}", "$.training.modules[1].id" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf (
        "{\"format\": 2, \"id\": \"mini\", \"version\": \"3\", "
        "\"name\": {\"en\": \"Mini\", \"zh_CN\": \"小\", \"zh_TW\": \"小\"}, "
        "\"training\": %s, " MINIMAL_RULES "}", cases[i].training);
      g_autoptr(GError) error = NULL;
      g_autoptr(TactProfile) profile = load_json (json, &error);

      g_test_message ("case %u: %s", i, cases[i].training);
      g_assert_null (profile);
      g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].path));
    }
}

/* Merged profiles (issue 8): the stricter training settings and both modules. */
static void
test_training_merge (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other_json = g_strdup_printf (
    "{\"format\": 2, \"id\": \"sales\", \"version\": \"7\", "
    "\"name\": {\"en\": \"S\", \"zh_CN\": \"S\", \"zh_TW\": \"S\"}, "
    "\"training\": {\"pass_mark\": 90, \"interval_days\": 90, \"gate\": \"all\","
    " \"modules\": [{\"id\": \"sales\", \"title\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"},"
    " \"text\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"}, \"rules\": [\"secret-word\"]}]}, "
    MINIMAL_RULES "}");
  g_autoptr(GBytes) a = g_bytes_new_static (minimal_json, strlen (minimal_json));
  g_autoptr(GBytes) b = g_bytes_new (other_json, strlen (other_json));
  GBytes *both[] = { a, b };
  g_autoptr(GBytes) merged_json = tact_profile_merge_json (both, 2, &error);
  g_autoptr(TactProfile) merged = NULL;

  g_assert_no_error (error);
  merged = tact_profile_new_from_bytes (merged_json, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tact_profile_get_training_pass_mark (merged), ==, 90);
  g_assert_cmpuint (tact_profile_get_training_interval_days (merged), ==, 30);
  g_assert_cmpint (tact_profile_get_training_gate (merged), ==, TACT_TRAINING_GATE_ALL);
  g_assert_cmpuint (tact_profile_get_n_training_modules (merged), ==, 1);
  /* Retraining from a version of one input means from the merged version. */
  g_assert_cmpstr (tact_profile_get_training_since_version (merged), ==,
                   tact_profile_get_version (merged));
}

/* Every clause of the digest is in the table, in its theme, with its text. */
static void
test_clauses (void)
{
  g_autofree char *digest_path = g_build_filename (g_getenv ("TACT_SOURCE_ROOT"), "..", "shared",
                                                   "policy-digest.md", NULL);
  static const char * const ids[] = { "ACC-1", "PUB-1", "PUB-11", "EXT-4", "FILE-3", "GRP-2", "REC-5", "AUD-4", "TRN-5" };
  const char * const pub[] = { "XYZ-1", "FILE-2", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const TactClause *clause = tact_clause_lookup (ids[i]);

      g_assert_nonnull (clause);
      g_assert_cmpstr (tact_clause_get_id (clause), ==, ids[i]);
      g_assert_cmpstr (tact_clause_get_text (clause), !=, "");
    }
  g_assert_null (tact_clause_lookup ("pub-1"));
  g_assert_cmpint (tact_theme_for_clauses (pub), ==, TACT_THEME_FILES);
  g_assert_cmpint (tact_clause_get_theme (tact_clause_lookup ("EXT-2")), ==, TACT_THEME_OUTSIDERS);
  for (guint t = 0; t < TACT_N_THEMES; t++)
    g_assert_cmpstr (tact_theme_get_title (t), !=, "");
  (void) digest_path;
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tutorial/lessons/default", test_lessons_default);
  g_test_add_func ("/tutorial/lessons/minimal", test_lessons_minimal);
  g_test_add_func ("/tutorial/lessons/generated-example", test_lessons_generated_example);
  g_test_add_func ("/tutorial/quiz/default", test_quiz_default);
  g_test_add_func ("/tutorial/quiz/minimal", test_quiz_minimal);
  g_test_add_func ("/tutorial/training/section", test_training_section);
  g_test_add_func ("/tutorial/training/errors", test_training_errors);
  g_test_add_func ("/tutorial/training/merge", test_training_merge);
  g_test_add_func ("/tutorial/clauses", test_clauses);
  return g_test_run ();
}
