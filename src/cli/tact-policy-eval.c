/* tact-policy-eval.c: `tact-policy eval CORPUS.jsonl` — how well a profile
 * catches a labelled corpus (issue 10, item 6; docs/corpus.md).
 *
 * Each line of the corpus is one message:
 *
 *   {"text": "…", "category": "customer_data", "lang": "zh-Hans",
 *    "evasion": "pinyin", "expect": {"internal": "allow", "external": "block"}}
 *
 * "category" names what the message carries ("none" for a harmless one, or
 * the kind of hard negative it is: "policy_talk", "title", …); "lang" and
 * "evasion" are optional. Every message is checked twice, as a direct
 * message to a colleague ("internal") and to a person from outside
 * ("external"). For each audience, a message whose expected verdict is not
 * "allow" is a violation; the guard caught it when its verdict is not
 * "allow" either (a warning is a flag: the person sees it). A harmless
 * message the guard flags is a false positive. Recall and the false-positive
 * rate are printed overall and per category, language and evasion kind.
 *
 * Exit status: 0 when the figures meet --min-recall and --max-fp-rate (when
 * given), 1 when they do not, 2 on usage errors, an invalid profile or a
 * malformed corpus line (named by its number).
 */
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "policy/tact-policy.h"
#include "tact-cli-json.h"
#include "tact-corpus.h"
#include "tact-policy-eval.h"

#define EXIT_USAGE 2


typedef struct {
  guint violations;       /* expected verdict is not "allow" */
  guint caught;           /* … and the guard flagged it */
  guint harmless;         /* expected "allow" */
  guint false_positives;  /* … and the guard flagged it */
  guint exact;            /* the verdict is the expected one */
  guint checks;
} Tally;

typedef struct {
  Tally       total;
  GHashTable *by_category; /* char* → Tally* */
  GHashTable *by_lang;
  GHashTable *by_evasion;
  Tally       by_audience[TACT_N_AUDIENCES];
} Results;

static void
results_init (Results *results)
{
  memset (results, 0, sizeof *results);
  results->by_category = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  results->by_lang = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  results->by_evasion = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
results_clear (Results *results)
{
  g_clear_pointer (&results->by_category, g_hash_table_unref);
  g_clear_pointer (&results->by_lang, g_hash_table_unref);
  g_clear_pointer (&results->by_evasion, g_hash_table_unref);
}

static Tally *
tally_for (GHashTable *table,
           const char *key)
{
  Tally *tally = g_hash_table_lookup (table, key);

  if (tally == NULL)
    {
      tally = g_new0 (Tally, 1);
      g_hash_table_insert (table, g_strdup (key), tally);
    }
  return tally;
}

static void
tally_add (Tally      *tally,
           TactAction  expected,
           TactAction  actual)
{
  gboolean flagged = actual != TACT_ACTION_ALLOW;

  tally->checks++;
  if (expected == actual)
    tally->exact++;
  if (expected != TACT_ACTION_ALLOW)
    {
      tally->violations++;
      if (flagged)
        tally->caught++;
    }
  else
    {
      tally->harmless++;
      if (flagged)
        tally->false_positives++;
    }
}

/* A ratio, or -1 when there is nothing to divide by (printed as "–"). */
static double
ratio (guint part,
       guint whole)
{
  return whole > 0 ? (double) part / whole : -1.0;
}

static void
record (Results          *results,
        const TactSample *sample,
        TactAudience      audience,
        TactAction        actual)
{
  TactAction expected = sample->expect[audience];

  tally_add (&results->total, expected, actual);
  tally_add (&results->by_audience[audience], expected, actual);
  tally_add (tally_for (results->by_category, sample->category), expected, actual);
  tally_add (tally_for (results->by_lang, sample->lang != NULL ? sample->lang : "?"),
             expected, actual);
  tally_add (tally_for (results->by_evasion, sample->evasion != NULL ? sample->evasion : "none"),
             expected, actual);
}

static void
print_ratio (double value)
{
  if (value < 0)
    g_print ("  %7s", "–");
  else
    g_print ("  %7.3f", value);
}

static void
print_tally_line (const char  *name,
                  const Tally *tally)
{
  g_print ("  %-22s %6u %6u", name, tally->violations, tally->harmless);
  print_ratio (ratio (tally->caught, tally->violations));
  print_ratio (ratio (tally->false_positives, tally->harmless));
  print_ratio (ratio (tally->exact, tally->checks));
  g_print ("\n");
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
sorted_keys (GHashTable *table)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_keys);
  return keys;
}

static void
print_table (const char *title,
             GHashTable *table)
{
  g_autoptr(GPtrArray) keys = sorted_keys (table);

  g_print ("\n%s\n", title);
  for (guint i = 0; i < keys->len; i++)
    print_tally_line (g_ptr_array_index (keys, i), g_hash_table_lookup (table, g_ptr_array_index (keys, i)));
}

static void
print_text (const Results *results,
            guint          n_samples)
{
  /* Translators: column headings of `tact-policy eval`; keep them short. */
  g_print (_("%u messages, each checked for an internal and an external audience\n"), n_samples);
  g_print ("\n  %-22s %6s %6s  %7s  %7s  %7s\n", "", _("viol."), _("harml."), _("recall"),
           _("FP rate"), _("exact"));
  print_tally_line (_("overall"), &results->total);
  for (guint a = 0; a < TACT_N_AUDIENCES; a++)
    print_tally_line (tact_audience_names[a], &results->by_audience[a]);
  print_table (_("By category"), results->by_category);
  print_table (_("By language"), results->by_lang);
  print_table (_("By evasion"), results->by_evasion);
}

static void
add_tally_json (JsonBuilder *builder,
                const Tally *tally)
{
  double recall = ratio (tally->caught, tally->violations);
  double fp_rate = ratio (tally->false_positives, tally->harmless);
  double exact = ratio (tally->exact, tally->checks);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "violations");
  json_builder_add_int_value (builder, tally->violations);
  json_builder_set_member_name (builder, "caught");
  json_builder_add_int_value (builder, tally->caught);
  json_builder_set_member_name (builder, "harmless");
  json_builder_add_int_value (builder, tally->harmless);
  json_builder_set_member_name (builder, "false_positives");
  json_builder_add_int_value (builder, tally->false_positives);
  json_builder_set_member_name (builder, "checks");
  json_builder_add_int_value (builder, tally->checks);
  json_builder_set_member_name (builder, "recall");
  if (recall >= 0) json_builder_add_double_value (builder, recall);
  else json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "fp_rate");
  if (fp_rate >= 0) json_builder_add_double_value (builder, fp_rate);
  else json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "exact");
  if (exact >= 0) json_builder_add_double_value (builder, exact);
  else json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

static void
add_table_json (JsonBuilder *builder,
                const char  *name,
                GHashTable  *table)
{
  g_autoptr(GPtrArray) keys = sorted_keys (table);

  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  for (guint i = 0; i < keys->len; i++)
    {
      json_builder_set_member_name (builder, g_ptr_array_index (keys, i));
      add_tally_json (builder, g_hash_table_lookup (table, g_ptr_array_index (keys, i)));
    }
  json_builder_end_object (builder);
}

static void
print_json (TactProfile   *profile,
            const Results *results,
            guint          n_samples)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  tact_cli_add_profile (builder, profile);
  json_builder_set_member_name (builder, "messages");
  json_builder_add_int_value (builder, n_samples);
  json_builder_set_member_name (builder, "overall");
  add_tally_json (builder, &results->total);
  json_builder_set_member_name (builder, "by_audience");
  json_builder_begin_object (builder);
  for (guint a = 0; a < TACT_N_AUDIENCES; a++)
    {
      json_builder_set_member_name (builder, tact_audience_names[a]);
      add_tally_json (builder, &results->by_audience[a]);
    }
  json_builder_end_object (builder);
  add_table_json (builder, "by_category", results->by_category);
  add_table_json (builder, "by_lang", results->by_lang);
  add_table_json (builder, "by_evasion", results->by_evasion);
  json_builder_end_object (builder);
  tact_cli_print_json (builder);
}

typedef struct {
  TactProfile *profile;
  Results     *results;
  gboolean     errors;   /* --errors: print each miss and false positive */
} EvalContext;

/* "MISS external pay_hr [allow] text" or "FALSE title [warn: pub1-secrets] text". */
static void
print_error (const TactSample  *sample,
             TactAudience       audience,
             const TactVerdict *verdict)
{
  g_autoptr(GString) rules = g_string_new (NULL);

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (strstr (rules->str, finding->rule_id) == NULL)
        g_string_append_printf (rules, "%s%s", rules->len ? " " : ": ", finding->rule_id);
    }
  g_print ("%-5s %-8s %-22s [%s%s] %s\n",
           sample->expect[audience] != TACT_ACTION_ALLOW ? "MISS" : "FALSE",
           tact_audience_names[audience], sample->category,
           tact_action_to_string (verdict->action), rules->str, sample->text);
}

static void
check_sample (const TactSample *sample,
              gpointer          user_data)
{
  EvalContext *ctx = user_data;

  for (guint a = 0; a < TACT_N_AUDIENCES; a++)
    {
      TactOutgoing outgoing = { 0 };
      g_autoptr(TactVerdict) verdict = NULL;

      outgoing.text = sample->text;
      outgoing.room_kind = TACT_ROOM_KIND_DM;
      outgoing.member_count = 2;
      outgoing.external_count = a == TACT_AUDIENCE_EXTERNAL ? 1 : 0;
      verdict = tact_profile_check (ctx->profile, &outgoing);
      record (ctx->results, sample, a, verdict->action);
      if (ctx->errors && (sample->expect[a] != TACT_ACTION_ALLOW) != (verdict->action != TACT_ACTION_ALLOW))
        print_error (sample, a, verdict);
    }
}

int
tact_policy_cmd_eval (int    argc,
                      char **argv)
{
  g_autofree char *profile_path = NULL;
  gboolean json = FALSE;
  gboolean errors = FALSE;
  double min_recall = -1, max_fp_rate = -1;
  GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
      N_("Profile to use (default: the shipped profile)"), N_("FILE") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, N_("Print the figures as JSON"), NULL },
    { "errors", 'e', 0, G_OPTION_ARG_NONE, &errors,
      N_("Print each missed violation and false positive first, with the rules that fired"),
      NULL },
    { "min-recall", 0, 0, G_OPTION_ARG_DOUBLE, &min_recall,
      N_("Exit with status 1 when the overall recall is lower"), N_("RATIO") },
    { "max-fp-rate", 0, 0, G_OPTION_ARG_DOUBLE, &max_fp_rate,
      N_("Exit with status 1 when the overall false-positive rate is higher"), N_("RATIO") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("CORPUS.jsonl — measure a profile against a labelled corpus"));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = NULL;
  Results results;
  EvalContext ctx;
  guint n_samples = 0;
  int status = 0;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Checks every message of the corpus for an internal and an external audience and "
      "prints recall and the false-positive rate, overall and per category, language and "
      "evasion. See docs/corpus.md for the format."));
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("tact-policy: %s\n\n%s",
                  error != NULL ? error->message : _("expected exactly one CORPUS"), help);
      return EXIT_USAGE;
    }

  profile = profile_path != NULL ? tact_profile_new_from_file (profile_path, &error)
                                 : tact_profile_new_default (&error);
  if (profile == NULL)
    {
      g_printerr ("%s:\n%s\n", profile_path != NULL ? profile_path : "default profile",
                  error->message);
      return EXIT_USAGE;
    }

  results_init (&results);
  ctx.profile = profile;
  ctx.results = &results;
  ctx.errors = errors && !json;
  if (!tact_corpus_foreach (argv[1], check_sample, &ctx, &n_samples, &error))
    {
      g_printerr ("tact-policy: %s: %s\n", argv[1], error->message);
      results_clear (&results);
      return EXIT_USAGE;
    }

  if (json)
    print_json (profile, &results, n_samples);
  else
    print_text (&results, n_samples);

  if (min_recall >= 0 && ratio (results.total.caught, results.total.violations) < min_recall)
    status = 1;
  if (max_fp_rate >= 0 &&
      ratio (results.total.false_positives, results.total.harmless) > max_fp_rate)
    status = 1;
  results_clear (&results);
  return status;
}
