/* test-classifier.c: the message classifier (issue 10; docs/classifier.md) — features,
 * the model file (written, read back, damaged copies refused), scores and explanations,
 * the "classifier" detector and the "context" section of a profile, all with a small
 * model made here whose weights are known; and the shipped model on policy-sounding
 * prefixes (adversarial: a real secret after "按规定不得外传：" still flags).
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "policy/tact-classifier.h"
#include "policy/tact-policy-private.h"
#include "tact-test-util.h"

/* The small model: "none" (harmless), "pay_hr" and "credentials"; the Latin word
 * "salary" weighs for pay_hr, "hunter2" for credentials, "reminder" for none (and each
 * against the other classes), and a bias makes any other text harmless. */
enum { C_CREDENTIALS, C_NONE, C_PAY_HR, N_CLASSES };
static const char *const class_names[] = { "credentials", "none", "pay_hr", NULL };
static const guint8 class_flags[] = { 0, TACT_CLASS_HARMLESS, 0 };

/* The bucket of the Latin word @word (its word feature spans the whole word). */
static guint32
word_bucket (const char *word)
{
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (TactFeatureHit));
  gsize len = strlen (word);

  tact_classifier_features (word, len, buckets, hits);
  for (guint i = hits->len; i > 0; i--)
    {
      const TactFeatureHit *hit = &g_array_index (hits, TactFeatureHit, i - 1);
      if (hit->from == 0 && hit->to == len && len > 3)
        return hit->bucket;
    }
  g_assert_not_reached ();
}

static GBytes *
small_model (void)
{
  gsize n = (gsize) (TACT_CLASSIFIER_BUCKETS + 1) * N_CLASSES;
  g_autofree double *w = g_new0 (double, n);

  const char *words[] = { "salary", "hunter2", "reminder" };
  guint weighs_for[] = { C_PAY_HR, C_CREDENTIALS, C_NONE };

  /* Each word: +60 for its class, −60 for the others (one-vs-rest heads). */
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    for (guint c = 0; c < N_CLASSES; c++)
      w[(gsize) word_bucket (words[i]) * N_CLASSES + c] = c == weighs_for[i] ? 60 : -60;
  w[(gsize) TACT_CLASSIFIER_BUCKETS * N_CLASSES + C_NONE] = 1;
  w[(gsize) TACT_CLASSIFIER_BUCKETS * N_CLASSES + C_PAY_HR] = -4;
  w[(gsize) TACT_CLASSIFIER_BUCKETS * N_CLASSES + C_CREDENTIALS] = -4;
  return tact_classifier_serialize (N_CLASSES, class_names, class_flags, w);
}

static TactClassifier *
load_small (void)
{
  g_autoptr(GBytes) bytes = small_model ();
  g_autoptr(GError) error = NULL;
  TactClassifier *classifier = tact_classifier_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  return classifier;
}

static void
score_text (TactClassifier *classifier,
            const char     *text,
            double         *scores)
{
  g_autofree char *norm = tact_normalize_string (text);
  tact_classifier_score (classifier, norm, strlen (norm), scores);
}

static int
compare_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

/* The features of @text, sorted (tact_classifier_features gives them in order of
 * first occurrence). */
static void
features_of (const char *text, GArray *out)
{
  g_autofree char *norm = tact_normalize_string (text);

  tact_classifier_features (norm, strlen (norm), out, NULL);
  g_array_sort (out, compare_u32);
}

static void
test_features (void)
{
  g_autoptr(GArray) a = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) b = g_array_new (FALSE, FALSE, sizeof (guint32));
  /* Traditional Han folds to simplified: the same features. */
  features_of ("客户资料在这里", a);
  features_of ("客戶資料在這裡", b);
  g_assert_cmpuint (a->len, >, 10);
  g_assert_cmpmem (a->data, a->len * 4, b->data, b->len * 4);

  /* Digits fold to 0: amounts generalise. */
  features_of ("调到 38k 了", a);
  features_of ("调到 45k 了", b);
  g_assert_cmpmem (a->data, a->len * 4, b->data, b->len * 4);

  /* Distinct; punctuation is a separator like a space. */
  for (guint i = 1; i < a->len; i++)
    g_assert_cmpuint (g_array_index (a, guint32, i - 1), <, g_array_index (a, guint32, i));
  features_of ("a,b", a);
  features_of ("a b", b);
  g_assert_cmpmem (a->data, a->len * 4, b->data, b->len * 4);
  /* Repeats add nothing: the vector is binary. */
  features_of ("ab ab ab", a);
  features_of ("ab ab", b);
  g_assert_cmpmem (a->data, a->len * 4, b->data, b->len * 4);

  /* Nothing to read: no features. */
  tact_classifier_features ("", 0, a, NULL);
  g_assert_cmpuint (a->len, ==, 0);
}

static void
test_model_round_trip (void)
{
  g_autoptr(TactClassifier) classifier = load_small ();
  g_autoptr(GBytes) again = small_model ();
  g_autoptr(GBytes) first = small_model ();
  double scores[N_CLASSES], sum = 0;
  guint top;

  /* The same weights always give the same bytes. */
  g_assert_true (g_bytes_equal (first, again));

  g_assert_cmpuint (tact_classifier_get_n_classes (classifier), ==, N_CLASSES);
  g_assert_cmpstr (tact_classifier_get_class_name (classifier, C_PAY_HR), ==, "pay_hr");
  g_assert_cmpint (tact_classifier_find_class (classifier, "credentials"), ==, C_CREDENTIALS);
  g_assert_cmpint (tact_classifier_find_class (classifier, "rumour"), ==, -1);
  g_assert_true (tact_classifier_is_harmless (classifier, C_NONE));
  g_assert_false (tact_classifier_is_harmless (classifier, C_PAY_HR));
  g_assert_cmpuint (strlen (tact_classifier_get_id (classifier)), ==, 16);

  score_text (classifier, "his salary went up", scores);
  for (guint c = 0; c < N_CLASSES; c++)
    sum += scores[c];
  g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-9);
  g_assert_cmpfloat (tact_classifier_violation (classifier, scores, &top), >, 0.9);
  g_assert_cmpuint (top, ==, C_PAY_HR);

  score_text (classifier, "lunch at noon", scores);
  g_assert_cmpfloat (tact_classifier_violation (classifier, scores, &top), <, 0.2);
}

static void
test_explain (void)
{
  g_autoptr(TactClassifier) classifier = load_small ();
  const char *text = "fyi the salary table is done";
  g_autofree char *norm = tact_normalize_string (text);
  g_autoptr(GArray) spans = tact_classifier_explain (classifier, norm, strlen (norm), C_PAY_HR, 3);
  const TactFeatureHit *span;

  g_assert_cmpuint (spans->len, >=, 1);
  span = &g_array_index (spans, TactFeatureHit, 0);
  g_assert_cmpuint (span->from, ==, 8);
  g_assert_cmpuint (span->to, ==, 14);

  /* Nothing weighs for credentials: nothing to quote. */
  g_clear_pointer (&spans, g_array_unref);
  spans = tact_classifier_explain (classifier, norm, strlen (norm), C_CREDENTIALS, 3);
  g_assert_cmpuint (spans->len, ==, 0);
}

/* Every damaged copy is refused with an error, never read past its end. */
static void
test_damaged_models (void)
{
  g_autoptr(GBytes) good = small_model ();
  gsize size;
  const guint8 *data = g_bytes_get_data (good, &size);
  gsize name_end = 8 + 4 + 4 + (1 + 11 + 1) + (1 + 4 + 1) + (1 + 6 + 1);
  struct { const char *what; gsize offset; guint8 value; } flips[] = {
    { "magic", 0, 'X' },
    { "buckets log2", 8, 17 },
    { "class count", 12, 1 },
    { "class count too high", 12, 200 },
    { "class name", 17, 'A' },
    { "class flags", 8 + 4 + 4 + 1 + 11, 7 },
    { "scale NaN", name_end + 3, 0x7f },
  };

  for (gsize cut = 0; cut < size; cut += 1 + cut / 3)
    {
      g_autoptr(GBytes) part = g_bytes_new (data, cut);
      g_autoptr(GError) error = NULL;

      g_assert_null (tact_classifier_new_from_bytes (part, &error));
      g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID);
    }
  {
    g_autofree guint8 *longer = g_malloc (size + 1);
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GError) error = NULL;

    memcpy (longer, data, size);
    longer[size] = 0;
    bytes = g_bytes_new (longer, size + 1);
    g_assert_null (tact_classifier_new_from_bytes (bytes, &error));
  }
  for (guint i = 0; i < G_N_ELEMENTS (flips); i++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, size);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", flips[i].what);
      copy[flips[i].offset] = flips[i].value;
      if (flips[i].offset == name_end + 3)
        copy[name_end + 2] = 0xc0;  /* with 0x7f: 0x7fc0…, a NaN */
      bytes = g_bytes_new (copy, size);
      g_assert_null (tact_classifier_new_from_bytes (bytes, &error));
      g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID);
    }
}

/* Profiles use the small model through $TACT_CLASSIFIER_MODEL. */
typedef struct {
  char *dir;
  char *model;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GBytes) bytes = small_model ();
  g_autoptr(GError) error = NULL;

  fixture->dir = tact_test_tmpdir_new ("tact-classifier-XXXXXX");
  fixture->model = g_build_filename (fixture->dir, "small.model", NULL);
  g_file_set_contents (fixture->model, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                       &error);
  g_assert_no_error (error);
  g_setenv ("TACT_CLASSIFIER_MODEL", fixture->model, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_unsetenv ("TACT_CLASSIFIER_MODEL");
  tact_test_tmpdir_remove (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->model);
}

/* A localised string, the same in the three languages. */
#define L(x) "{\"en\": \"" x "\", \"zh_CN\": \"" x "\", \"zh_TW\": \"" x "\"}"

#define RULE_PAY \
  "{\"id\": \"meaning-pay\", \"clauses\": [\"PUB-1\"], \"title\": " L("Pay") ", \"explanation\": " L("x") "," \
  " \"detectors\": [{\"type\": \"classifier\", \"category\": \"pay_hr\", \"min_score\": 0.6}]," \
  " \"action\": \"justify\", \"action_if_external\": \"block\", \"alternative\": " L("y") "}"
#define RULE_WORDS \
  "{\"id\": \"words\", \"clauses\": [\"PUB-1\"], \"title\": " L("Words") ", \"explanation\": " L("x") "," \
  " \"detectors\": [{\"type\": \"terms\", \"terms\": [\"secret\"]}," \
  "                {\"type\": \"identifier\", \"kinds\": [\"prc_id\"]}], \"action\": \"warn\"}"

#define RULE_OTHER_WORDS \
  "{\"id\": \"notices\", \"clauses\": [\"PUB-4\"], \"title\": " L("Notices") ", \"explanation\": " L("x") "," \
  " \"detectors\": [{\"type\": \"terms\", \"terms\": [\"notice\"]}], \"action\": \"approve\"," \
  " \"approver\": {\"role\": \"boss\", \"users\": [\"@boss:corp.test\"]}}"

static TactProfile *
profile_with (const char  *rules,
              const char  *context,
              GError     **error)
{
  g_autofree char *json = g_strdup_printf (
    "{\"format\": 2, \"id\": \"t\", \"version\": \"1\", \"name\": " L("t") ", %s%s%s \"rules\": [%s]}",
    context != NULL ? "\"context\": " : "", context != NULL ? context : "",
    context != NULL ? "," : "", rules);
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));

  return tact_profile_new_from_bytes (bytes, error);
}

static TactVerdict *
check (TactProfile *profile,
       const char  *text,
       guint        external)
{
  TactOutgoing outgoing = { text, external, 2 + external, TACT_ROOM_KIND_DM, NULL, 0 };
  return tact_profile_check (profile, &outgoing);
}

static void
test_detector (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = profile_with (RULE_PAY, NULL, &error);
  g_autoptr(TactVerdict) verdict = NULL;
  g_autoptr(TactVerdict) outside = NULL;
  g_autoptr(TactVerdict) harmless = NULL;
  const TactFinding *finding;

  g_assert_no_error (error);
  verdict = check (profile, "FYI: Salary of Li Wei is 38k", 0);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_JUSTIFY);
  g_assert_cmpuint (verdict->findings->len, ==, 1);
  finding = g_ptr_array_index (verdict->findings, 0);
  g_assert_cmpstr (finding->rule_id, ==, "meaning-pay");
  g_assert_cmpstr (finding->detector, ==, "classifier:pay_hr");
  /* The word that weighed most, as the person wrote it, with its offsets. */
  g_assert_cmpstr (finding->matched, ==, "Salary");
  g_assert_cmpint (finding->start, ==, 5);
  g_assert_cmpint (finding->end, ==, 11);
  g_assert_cmpfloat (finding->score, >, 0.9);
  g_assert_cmpint (finding->confidence, ==, TACT_CONFIDENCE_HIGH);

  outside = check (profile, "FYI: Salary of Li Wei is 38k", 1);
  g_assert_cmpint (outside->action, ==, TACT_ACTION_BLOCK);

  /* Another class is the most likely violation: this rule does not fire. */
  harmless = check (profile, "salary hunter2 hunter2", 0);
  g_assert_cmpint (harmless->action, ==, TACT_ACTION_ALLOW);
  g_clear_pointer (&harmless, tact_verdict_free);
  harmless = check (profile, "see you at lunch", 0);
  g_assert_cmpint (harmless->action, ==, TACT_ACTION_ALLOW);
}

static void
test_profile_errors (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *unknown = "{\"id\": \"x\", \"clauses\": [\"PUB-5\"], \"title\": " L("x") ", \"explanation\": " L("x") ", \"action\": \"warn\","
                        " \"detectors\": [{\"type\": \"classifier\", \"category\": \"rumour\"}]}";
  const char *harmless = "{\"id\": \"x\", \"clauses\": [\"PUB-5\"], \"title\": " L("x") ", \"explanation\": " L("x") ", \"action\": \"warn\","
                         " \"detectors\": [{\"type\": \"classifier\", \"category\": \"none\"}]}";
  const char *score = "{\"id\": \"x\", \"clauses\": [\"PUB-5\"], \"title\": " L("x") ", \"explanation\": " L("x") ", \"action\": \"warn\","
                      " \"detectors\": [{\"type\": \"classifier\", \"category\": \"pay_hr\","
                      " \"min_score\": 1.5}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = NULL;

  profile = profile_with (unknown, NULL, &error);
  g_assert_null (profile);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "has no category \"rumour\""));
  g_assert_nonnull (strstr (error->message, "credentials, none, pay_hr"));
  g_clear_error (&error);

  profile = profile_with (harmless, NULL, &error);
  g_assert_null (profile);
  g_assert_nonnull (strstr (error->message, "has no category \"none\""));
  g_clear_error (&error);

  profile = profile_with (score, NULL, &error);
  g_assert_null (profile);
  g_assert_nonnull (strstr (error->message, "min_score: expected a number above 0 and at most 1"));
  g_clear_error (&error);

  profile = profile_with (RULE_WORDS, "{\"harmless_min_score\": 0.5}", &error);
  g_assert_null (profile);
  g_assert_nonnull (strstr (error->message, "$.context: missing required key \"cues\""));
  g_clear_error (&error);

  profile = profile_with (RULE_WORDS, "{\"harmless_min_score\": 0.5, \"cues\": [\"?\"],"
                          " \"rules\": [\"nope\"]}", &error);
  g_assert_null (profile);
  g_assert_nonnull (strstr (error->message, "$.context.rules[0]: no rule has the id \"nope\""));
  g_clear_error (&error);

  /* Fail closed: no model, no profile. */
  g_setenv ("TACT_CLASSIFIER_MODEL", "/nonexistent/tact.model", TRUE);
  profile = profile_with (RULE_PAY, NULL, &error);
  g_assert_null (profile);
  g_assert_nonnull (strstr (error->message, "cannot be read"));
  g_clear_error (&error);

  /* A profile that does not use the classifier never needs the model. */
  profile = profile_with (RULE_WORDS, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (profile);
}

static void
test_context_lowers_words (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile =
    profile_with (RULE_WORDS "," RULE_OTHER_WORDS,
                  "{\"harmless_min_score\": 0.8, \"cues\": [\"must not\", \"《\"],"
                  " \"sending_cues\": [\"attached\"], \"rules\": [\"words\"]}", &error);
  struct {
    const char *text;
    TactAction  action;
  } cases[] = {
    /* Harmless with a cue: the word is lowered and dropped. */
    { "reminder: a secret must not leave the team", TACT_ACTION_ALLOW },
    /* Harmless but no cue: it stands. */
    { "reminder: the secret is in the drawer", TACT_ACTION_WARN },
    /* A cue but not harmless (nothing says "reminder"): it stands. */
    { "the secret must not leave, it is hunter2 hunter2", TACT_ACTION_WARN },
    /* Identifiers are never lowered. */
    { "reminder: ids must not leave, e.g. 11010519491231002X", TACT_ACTION_WARN },
    /* Something handed over: nothing is lowered. */
    { "reminder: the secret must not leave, attached", TACT_ACTION_WARN },
    /* A rule not listed in context.rules keeps its words. */
    { "reminder: a notice must not leave the team", TACT_ACTION_APPROVE },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check (profile, cases[i].text, 0);

      g_test_message ("case %u: %s", i, cases[i].text);
      g_assert_cmpint (verdict->action, ==, cases[i].action);
    }
}

/* The shipped model and profile: talk about the rules passes, a real secret behind a
 * policy-sounding prefix does not (issue 10, item 4). */
static void
test_shipped_policy_prefix (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_default (&error);
  const char *flagged[] = {
    "按规定不得外传：华东区经销商底价 2.35 元/件，低于这个不要接",
    "按公司规定，以下内容禁止外传：王磊 P7 月薪 38k，年终六个月",
    "Per policy, do not forward: Q3 EBITDA came in at 41M, announcement is next Friday",
    "根據保密規定請勿轉發：新品 X5 定在三月十八號上市，供應商還不知道",
    "Reminder per compliance: the admin password is Hx!2026demo, do not share",
    "这份机密报价单请查收",
  };
  const char *allowed[] = {
    "提醒大家：客户名单不能在群里发，要走加密邮件",
    "Reminder: salary figures must not be shared in chat, use the HR portal",
    "请勿在聊天里发送密码，忘记了找 IT 重置",
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (flagged); i++)
    {
      g_autoptr(TactVerdict) verdict = check (profile, flagged[i], 0);

      g_test_message ("flagged %u: %s", i, flagged[i]);
      g_assert_cmpint (verdict->action, !=, TACT_ACTION_ALLOW);
    }
  for (guint i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(TactVerdict) verdict = check (profile, allowed[i], 0);

      g_test_message ("allowed %u: %s", i, allowed[i]);
      g_assert_cmpint (verdict->action, ==, TACT_ACTION_ALLOW);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("TACT_CLASSIFIER_MODEL");

  g_test_add_func ("/classifier/features", test_features);
  g_test_add_func ("/classifier/model-round-trip", test_model_round_trip);
  g_test_add_func ("/classifier/explain", test_explain);
  g_test_add_func ("/classifier/damaged-models", test_damaged_models);
  g_test_add ("/classifier/detector", Fixture, NULL, fixture_set_up, test_detector,
              fixture_tear_down);
  g_test_add ("/classifier/profile-errors", Fixture, NULL, fixture_set_up, test_profile_errors,
              fixture_tear_down);
  g_test_add ("/classifier/context-lowers-words", Fixture, NULL, fixture_set_up,
              test_context_lowers_words, fixture_tear_down);
  g_test_add_func ("/classifier/shipped/policy-prefix", test_shipped_policy_prefix);
  return g_test_run ();
}
