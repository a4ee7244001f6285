/* bench-classifier.c: what the message classifier costs (issue 10; docs/classifier.md).
 *
 *   - loading the shipped model: time and RSS growth;
 *   - p50/p99 of tact_profile_check() of 200-byte and 2 KB messages, wall and thread CPU
 *     time, with and without the classifier's rules: for the shipped profile, and for the
 *     100k-term synthetic profile of bench-policy with the shipped classifier rules added;
 *   - the classifier alone (normalise and score) on the same messages.
 *
 * Messages are made of corpus lines (data/corpus, via TACT_SOURCE_ROOT) joined up to the
 * size, drawn with a fixed seed. Goal (issue 10): a full check of 2 KB with the 100k-term
 * profile and the classifier, p99 < 200 µs thread CPU; the model ≤ 10 MB.
 * TACT_BENCH_CLASSIFIER_ROUNDS overrides the rounds (default 6); TACT_BENCH_CLASSIFIER_ONLY
 * runs only the checks whose label contains it ("100k terms, classifier"), for a profiler.
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/tact-classifier.h"
#include "policy/tact-policy.h"
#include "policy/tact-policy-private.h"

#include "bench-profile.h"
#include "bench-util.h"
#include "tact-test-profile.h"

#define CLASSIFIER_SEED 20261207





/* The text of every corpus line. */
static GPtrArray *
corpus_texts (void)
{
  const char *root = g_getenv ("TACT_SOURCE_ROOT");
  g_autofree char *dir_path = g_build_filename (root != NULL ? root : ".", "data", "corpus", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".jsonl"))
      g_ptr_array_add (names, g_build_filename (dir_path, name, NULL));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint f = 0; f < names->len; f++)
    {
      g_autofree char *contents = NULL;
      g_auto(GStrv) lines = NULL;

      g_assert_true (g_file_get_contents (g_ptr_array_index (names, f), &contents, NULL, NULL));
      lines = g_strsplit (contents, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0' && json_parser_load_from_data (parser, lines[i], -1, NULL))
          g_ptr_array_add (texts, g_strdup (json_object_get_string_member (
            json_node_get_object (json_parser_get_root (parser)), "text")));
    }
  return texts;
}

/* @n messages of about @size bytes, each corpus lines joined by a space. */
static GPtrArray *
make_messages (GPtrArray *texts,
               gsize      size,
               guint      n)
{
  GRand *rand = g_rand_new_with_seed (CLASSIFIER_SEED + size);
  GPtrArray *messages = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    {
      GString *s = g_string_new (NULL);

      do
        {
          const char *line = g_ptr_array_index (texts, g_rand_int_range (rand, 0, texts->len));
          if (s->len > 0 && s->len + strlen (line) + 1 > size)
            break;
          if (s->len > 0)
            g_string_append_c (s, ' ');
          g_string_append (s, line);
        }
      while (s->len < size);
      g_ptr_array_add (messages, g_string_free (s, FALSE));
    }
  g_rand_free (rand);
  return messages;
}

/* The classifier rules of the shipped profile (element-type JsonNode, owned by @parser). */
static JsonArray *
shipped_rules (JsonParser *parser)
{
  const char *root = g_getenv ("TACT_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root != NULL ? root : ".", "data", "profiles",
                                            "default.json", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  return json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "rules");
}

static TactProfile *
profile_from_node (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  char *json;
  TactProfile *profile;

  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, &len);
  bytes = g_bytes_new_take (json, len);
  profile = tact_profile_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return profile;
}

/* The synthetic profile at @path (bench-profile.h), with the shipped classifier rules added
 * when @classifier. */
static TactProfile *
synthetic_profile (const char *path,
                   gboolean    classifier)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) shipped = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *rules, *meaning;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  rules = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "rules");
  meaning = shipped_rules (shipped);
  for (guint r = 0; classifier && r < json_array_get_length (meaning); r++)
    if (tact_test_is_classifier_rule (json_array_get_object_element (meaning, r)))
      json_array_add_object_element (rules, json_object_ref (json_array_get_object_element (meaning, r)));
  return profile_from_node (json_parser_get_root (parser));
}

static void
time_checks (const char  *label,
             TactProfile *profile,
             GPtrArray   *messages,
             gsize        size,
             guint        rounds,
             double       goal_us)
{
  g_autofree double *times = g_new (double, messages->len * rounds);
  g_autofree double *cpu = g_new (double, messages->len * rounds);
  guint n = 0, flagged = 0;
  char what[96], goal[32];
  const char *only = g_getenv ("TACT_BENCH_CLASSIFIER_ONLY");

  if (only != NULL && strstr (label, only) == NULL)
    return;
  for (guint round = 0; round < rounds; round++)
    for (guint i = 0; i < messages->len; i++)
      {
        TactOutgoing outgoing = { g_ptr_array_index (messages, i), 0, 5, TACT_ROOM_KIND_GROUP,
                                  NULL, 0 };
        double c0 = cpu_s ();
        double t0 = now_s ();
        TactVerdict *verdict = tact_profile_check (profile, &outgoing);

        times[n] = (now_s () - t0) * 1e6;
        cpu[n++] = (cpu_s () - c0) * 1e6;
        flagged += round == 0 && verdict->action != TACT_ACTION_ALLOW;
        tact_verdict_free (verdict);
      }
  qsort (times, n, sizeof (double), bench_compare_double);
  qsort (cpu, n, sizeof (double), bench_compare_double);
  g_snprintf (what, sizeof what, "check %4zu B, %s: CPU p50", size, label);
  bench_report (what, cpu[n / 2], "µs", NULL, TRUE);
  g_snprintf (what, sizeof what, "check %4zu B, %s: CPU p99", size, label);
  g_snprintf (goal, sizeof goal, "p99 < %.0f µs", goal_us);
  bench_report (what, cpu[n * 99 / 100], "µs", goal_us > 0 ? goal : NULL,
                goal_us <= 0 || cpu[n * 99 / 100] < goal_us);
  printf ("  (%u of %u messages flagged; wall p50 %.0f µs, p99 %.0f µs)\n", flagged,
          messages->len, times[n / 2], times[n * 99 / 100]);
}

static void
time_classifier (TactClassifier *classifier,
                 GPtrArray      *messages,
                 gsize           size,
                 guint           rounds,
                 double          goal_us)
{
  char goal[32];
  g_autofree double *times = g_new (double, messages->len * rounds);
  double scores[TACT_CLASSIFIER_MAX_CLASSES];
  guint n = 0;
  char what[96];

  for (guint round = 0; round < rounds; round++)
    for (guint i = 0; i < messages->len; i++)
      {
        const char *text = g_ptr_array_index (messages, i);
        double t0 = now_s ();
        g_autofree char *norm = tact_normalize_string (text);

        tact_classifier_score (classifier, norm, strlen (norm), scores);
        times[n++] = (now_s () - t0) * 1e6;
      }
  qsort (times, n, sizeof (double), bench_compare_double);
  g_snprintf (what, sizeof what, "normalise+classify %4zu B: p50", size);
  bench_report (what, times[n / 2], "µs", NULL, TRUE);
  g_snprintf (what, sizeof what, "normalise+classify %4zu B: p99", size);
  g_snprintf (goal, sizeof goal, "p99 < %.0f µs", goal_us);
  bench_report (what, times[n * 99 / 100], "µs", goal_us > 0 ? goal : NULL,
          goal_us <= 0 || times[n * 99 / 100] < goal_us);
}

int
main (int   argc,
      char *argv[])
{
  const char *rounds_env = g_getenv ("TACT_BENCH_CLASSIFIER_ROUNDS");
  guint rounds = rounds_env != NULL ? MAX (1, atoi (rounds_env)) : 6;
  static const gsize sizes[] = { 200, 2048 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(TactClassifier) classifier = NULL;
  g_autoptr(TactProfile) with = NULL;
  g_autoptr(TactProfile) without = NULL;
  g_autoptr(TactProfile) big_with = NULL;
  g_autoptr(TactProfile) big_without = NULL;
  double rss0, t0, model_mb;

  printf ("# Tact classifier benchmarks (seed %d)\n", CLASSIFIER_SEED);
  g_free (tact_normalize_string ("warm-up ＡＢＣ"));
  g_ptr_array_unref (tact_term_variants ("机密"));
  texts = corpus_texts ();

  rss0 = bench_rss_mb ();
  t0 = now_s ();
  classifier = tact_classifier_load_default (&error);
  g_assert_no_error (error);
  bench_report ("load the shipped model", now_s () - t0, "s", NULL, TRUE);
  bench_report ("RSS growth of the model", bench_rss_mb () - rss0, "MB", NULL, TRUE);
  printf ("  (%u classes, model %s)\n", tact_classifier_get_n_classes (classifier),
          tact_classifier_get_id (classifier));
  {
    GStatBuf st;
    const char *model = g_getenv ("TACT_CLASSIFIER_MODEL");

    model_mb = model != NULL && g_stat (model, &st) == 0 ? st.st_size / (1024.0 * 1024.0) : -1;
  }

  with = tact_profile_new_default (&error);
  g_assert_no_error (error);
  without = tact_test_profile_words_only ();

  {
    g_autofree char *dir = g_dir_make_tmp ("tact-bench-classifier-XXXXXX", &error);
    g_autoptr(GPtrArray) terms = NULL;
    g_autofree char *path = NULL;

    g_assert_no_error (error);
    terms = make_terms (100000);
    path = write_profile (dir, terms);
    t0 = now_s ();
    big_without = synthetic_profile (path, FALSE);
    big_with = synthetic_profile (path, TRUE);
    printf ("  (two 100k-term profiles loaded in %.1f s)\n", now_s () - t0);
    g_unlink (path);
    g_rmdir (dir);
  }
  bench_report ("model file", model_mb, "MB", "≤ 10 MB", model_mb <= 10);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(GPtrArray) messages = make_messages (texts, sizes[s], 500);

      time_checks ("shipped, no classifier  ", without, messages, sizes[s], rounds, 0);
      time_checks ("shipped, classifier     ", with, messages, sizes[s], rounds, 0);
      time_checks ("100k terms, no classifier", big_without, messages, sizes[s], rounds, 0);
      time_checks ("100k terms, classifier  ", big_with, messages, sizes[s], rounds,
                   sizes[s] == 2048 ? 200 : 0);
      time_classifier (classifier, messages, sizes[s], rounds, 0);
    }

  printf ("# %s\n", bench_all_met ? "all goals met" : "some goals MISSED");
  return 0;
}
