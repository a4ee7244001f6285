/* bench-classifier.c: what the message classifier costs (issue 10; docs/classifier.md).
 *
 *   - loading the shipped model: time and RSS growth;
 *   - p50/p99 of tact_profile_check() of 200-byte and 2 KB messages with the shipped
 *     profile, and beside it the same profile without its classifier rules and context;
 *   - the classifier alone (normalise and score) on the same messages.
 *
 * Messages are made of corpus lines (data/corpus, via TACT_SOURCE_ROOT) joined up to the
 * size, drawn with a fixed seed. Goal (issue 10): what the classifier adds to a check of 2 KB
 * (normalise and score), p99 < 200 µs; the whole checks with and without it are printed side
 * by side. TACT_BENCH_CLASSIFIER_ROUNDS overrides the rounds (default 6).
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/tact-classifier.h"
#include "policy/tact-policy.h"
#include "policy/tact-policy-private.h"

#include "bench-util.h"

#define SEED 20261207

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}





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
  GRand *rand = g_rand_new_with_seed (SEED + size);
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

/* The shipped profile without its classifier rules and its context section. */
static TactProfile *
profile_without_classifier (void)
{
  const char *root = g_getenv ("TACT_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root != NULL ? root : ".", "data", "profiles",
                                            "default.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  JsonObject *top;
  JsonArray *rules;
  JsonArray *kept = json_array_new ();
  char *json;
  gsize len;
  TactProfile *profile;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  top = json_node_get_object (json_parser_get_root (parser));
  json_object_remove_member (top, "context");
  rules = json_object_get_array_member (top, "rules");
  for (guint r = 0; r < json_array_get_length (rules); r++)
    {
      JsonObject *rule = json_array_get_object_element (rules, r);
      JsonArray *detectors = json_object_get_array_member (rule, "detectors");
      gboolean classifier = FALSE;

      for (guint d = 0; d < json_array_get_length (detectors); d++)
        classifier |= g_strcmp0 (json_object_get_string_member (
          json_array_get_object_element (detectors, d), "type"), "classifier") == 0;
      if (!classifier)
        json_array_add_object_element (kept, json_object_ref (rule));
    }
  json_object_set_array_member (top, "rules", kept);
  json_generator_set_root (generator, json_parser_get_root (parser));
  json = json_generator_to_data (generator, &len);
  bytes = g_bytes_new_take (json, len);
  profile = tact_profile_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return profile;
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
  guint n = 0, flagged = 0;
  char what[96], goal[32];

  for (guint round = 0; round < rounds; round++)
    for (guint i = 0; i < messages->len; i++)
      {
        TactOutgoing outgoing = { g_ptr_array_index (messages, i), 0, 5, TACT_ROOM_KIND_GROUP,
                                  NULL, 0 };
        double t0 = now_s ();
        TactVerdict *verdict = tact_profile_check (profile, &outgoing);

        times[n++] = (now_s () - t0) * 1e6;
        flagged += round == 0 && verdict->action != TACT_ACTION_ALLOW;
        tact_verdict_free (verdict);
      }
  qsort (times, n, sizeof (double), bench_compare_double);
  g_snprintf (what, sizeof what, "check %4zu B, %s: p50", size, label);
  bench_report (what, times[n / 2], "µs", NULL, TRUE);
  g_snprintf (what, sizeof what, "check %4zu B, %s: p99", size, label);
  g_snprintf (goal, sizeof goal, "p99 < %.0f µs", goal_us);
  bench_report (what, times[n * 99 / 100], "µs", goal_us > 0 ? goal : NULL,
          goal_us <= 0 || times[n * 99 / 100] < goal_us);
  printf ("  (%u of %u messages flagged)\n", flagged, messages->len);
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
  double rss0, t0;

  printf ("# Tact classifier benchmarks (seed %d)\n", SEED);
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

  with = tact_profile_new_default (&error);
  g_assert_no_error (error);
  without = profile_without_classifier ();

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(GPtrArray) messages = make_messages (texts, sizes[s], 500);

      time_checks ("shipped, no classifier ", without, messages, sizes[s], rounds, 0);
      time_checks ("shipped, with classifier", with, messages, sizes[s], rounds, 0);
      time_classifier (classifier, messages, sizes[s], rounds, sizes[s] == 2048 ? 200 : 0);
    }

  printf ("# %s\n", bench_all_met ? "all goals met" : "some goals MISSED");
  return 0;
}
