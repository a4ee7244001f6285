/* tact-policy-train.c: `tact-policy train` — fits the message classifier on a
 * labelled corpus with liblinear and writes the model file (issue 10;
 * docs/classifier.md).
 *
 * Each corpus line becomes one example of its category. A category whose lines all
 * expect "allow" (none, policy_talk, training, title, department, …) is marked
 * harmless in the model: the guard sums those to tell how likely a message breaks
 * no rule, and lowers word findings in messages that read as harmless
 * (docs/classifier.md). Keeping each kind of harmless message a class of its own
 * (rather than one "none") gave the better recall at the same false-positive rate
 * on the dev split.
 *
 * The model is one-vs-rest L2-regularised logistic regression (liblinear's
 * L2R_LR, a trust-region Newton method with no random steps), so the same
 * corpus and options always give the same bytes: meson builds the shipped
 * model from data/corpus at build time and the test "classifier-reproducible"
 * checks it.
 */
#include <glib/gi18n.h>
#include <linear.h>
#include <math.h>
#include <string.h>

#include "policy/tact-classifier.h"
#include "policy/tact-policy-private.h"
#include "tact-corpus.h"
#include "tact-policy-train.h"

#define EXIT_USAGE 2

typedef struct {
  GPtrArray  *classes;    /* element-type utf8: class names in order of first sight */
  GArray     *labels;     /* double per example: index into classes */
  GPtrArray  *examples;   /* element-type struct feature_node *, owned */
  GArray     *buckets;    /* scratch */
  GHashTable *seen;       /* text → NULL: duplicates are skipped */
  GHashTable *flagged;    /* class names with a line that does not expect "allow" */
  guint       duplicates;
} Training;


static int
compare_buckets (gconstpointer a,
                 gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

static void
add_example (const TactSample *sample,
             gpointer          user_data)
{
  Training *t = user_data;
  const char *name = sample->category;
  g_autofree char *norm = NULL;
  struct feature_node *x;
  double value;
  guint index = 0;

  if (g_hash_table_contains (t->seen, sample->text))
    {
      t->duplicates++;
      return;
    }
  g_hash_table_add (t->seen, g_strdup (sample->text));
  if (sample->expect[TACT_AUDIENCE_INTERNAL] != TACT_ACTION_ALLOW ||
      sample->expect[TACT_AUDIENCE_EXTERNAL] != TACT_ACTION_ALLOW)
    g_hash_table_add (t->flagged, g_strdup (name));

  for (; index < t->classes->len; index++)
    if (g_str_equal (g_ptr_array_index (t->classes, index), name))
      break;
  if (index == t->classes->len)
    g_ptr_array_add (t->classes, g_strdup (name));

  norm = tact_normalize_string (sample->text);
  tact_classifier_features (norm, strlen (norm), t->buckets, NULL);
  g_array_sort (t->buckets, compare_buckets);  /* liblinear wants increasing indices */
  x = g_new (struct feature_node, t->buckets->len + 2);
  value = t->buckets->len > 0 ? 1.0 / sqrt (t->buckets->len) : 0;
  for (guint i = 0; i < t->buckets->len; i++)
    {
      x[i].index = g_array_index (t->buckets, guint32, i) + 1;
      x[i].value = value;
    }
  x[t->buckets->len].index = TACT_CLASSIFIER_BUCKETS + 1;  /* the bias */
  x[t->buckets->len].value = 1;
  x[t->buckets->len + 1].index = -1;
  g_ptr_array_add (t->examples, x);
  {
    double label = index;
    g_array_append_val (t->labels, label);
  }
}

static void
quiet (const char *text)
{
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
tact_policy_cmd_train (int    argc,
                       char **argv)
{
  g_autofree char *out_path = NULL;
  double cost = 128.0;  /* chosen on the dev split (docs/classifier.md) */
  gboolean verbose = FALSE;
  g_autofree char *dump_path = NULL;
  GOptionEntry entries[] = {
    { "dump", 0, 0, G_OPTION_ARG_FILENAME, &dump_path,
      N_("Also write the examples in liblinear's text format (for its train and predict tools)"),
      N_("FILE") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, N_("Write the model to FILE"), N_("FILE") },
    { "cost", 'c', 0, G_OPTION_ARG_DOUBLE, &cost,
      N_("liblinear's C: higher fits the corpus more closely (default 128)"), N_("C") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Print liblinear's progress"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("CORPUS.jsonl… — train the message classifier"));
  g_autoptr(GError) error = NULL;
  Training t = { 0 };
  struct problem prob = { 0 };
  struct parameter param = { 0 };
  struct model *model;
  const char *problem_text;
  g_autofree double *w = NULL;
  g_autofree int *model_labels = NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree guint8 *flags = NULL;
  guint n_classes, n_samples = 0, correct = 0, n_harmless = 0;
  int status = 0;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Fits one-vs-rest logistic regression (liblinear) over hashed character and word "
      "n-grams of the normalised text and writes the model the “classifier” detector "
      "uses. The same corpus and options always give the same file. See "
      "docs/classifier.md."));
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2 || out_path == NULL ||
      !(cost > 0))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("tact-policy: %s\n\n%s",
                  error != NULL ? error->message
                  : out_path == NULL ? _("--output is required")
                  : argc < 2 ? _("expected at least one CORPUS") : _("--cost must be positive"),
                  help);
      return EXIT_USAGE;
    }

  t.classes = g_ptr_array_new_with_free_func (g_free);
  t.labels = g_array_new (FALSE, FALSE, sizeof (double));
  t.examples = g_ptr_array_new_with_free_func (g_free);
  t.buckets = g_array_new (FALSE, FALSE, sizeof (guint32));
  t.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  t.flagged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 1; i < argc; i++)
    {
      guint n = 0;

      if (!tact_corpus_foreach (argv[i], add_example, &t, &n, &error))
        {
          g_printerr ("tact-policy: %s: %s\n", argv[i], error->message);
          status = EXIT_USAGE;
          goto out;
        }
      n_samples += n;
    }
  n_classes = t.classes->len;
  for (guint c = 0; c < n_classes; c++)
    if (!tact_classifier_name_is_valid (g_ptr_array_index (t.classes, c)))
      {
        g_printerr ("tact-policy: %s: %s\n", (char *) g_ptr_array_index (t.classes, c),
                    _("a category must be 1–32 characters of a–z, 0–9 and _"));
        status = EXIT_USAGE;
        goto out;
      }
  if (n_classes < 3 || n_classes > TACT_CLASSIFIER_MAX_CLASSES)
    {
      g_printerr ("tact-policy: %s\n", _("the corpus must have between 3 and 64 classes"));
      status = EXIT_USAGE;
      goto out;
    }

  {
    guint flagged = g_hash_table_size (t.flagged);

    if (flagged == 0 || flagged == n_classes)
      {
        g_printerr ("tact-policy: %s\n",
                    _("the corpus needs both harmless categories (expecting “allow”) and others"));
        status = EXIT_USAGE;
        goto out;
      }
  }

  prob.l = t.examples->len;
  prob.n = TACT_CLASSIFIER_BUCKETS + 1;
  prob.y = (double *) t.labels->data;
  prob.x = (struct feature_node **) t.examples->pdata;
  prob.bias = 1;
  param.solver_type = L2R_LR;
  param.C = cost;
  param.eps = 0.01;
  param.p = 0.1;
  problem_text = check_parameter (&prob, &param);
  if (problem_text != NULL)
    {
      g_printerr ("tact-policy: liblinear: %s\n", problem_text);
      status = EXIT_USAGE;
      goto out;
    }
  if (dump_path != NULL)
    {
      g_autoptr(GString) dump = g_string_new (NULL);

      for (int i = 0; i < prob.l; i++)
        {
          g_string_append_printf (dump, "%d", (int) prob.y[i]);
          for (const struct feature_node *x = prob.x[i]; x->index != -1; x++)
            g_string_append_printf (dump, " %d:%.6f", x->index, x->value);
          g_string_append_c (dump, '\n');
        }
      if (!g_file_set_contents (dump_path, dump->str, dump->len, &error))
        {
          g_printerr ("tact-policy: %s\n", error->message);
          status = 1;
          goto out;
        }
    }
  if (!verbose)
    set_print_string_function (quiet);
  model = train (&prob, &param);

  /* Columns in the order of the sorted class names, so the file does not depend on
   * the order of the corpus lines. */
  model_labels = g_new (int, n_classes);
  get_labels (model, model_labels);
  sorted = g_ptr_array_new ();
  for (guint c = 0; c < n_classes; c++)
    g_ptr_array_add (sorted, g_ptr_array_index (t.classes, c));
  g_ptr_array_sort (sorted, compare_names);
  w = g_new0 (double, (gsize) (TACT_CLASSIFIER_BUCKETS + 1) * n_classes);
  for (guint k = 0; k < n_classes; k++)
    {
      const char *name = g_ptr_array_index (t.classes, model_labels[k]);
      guint col = 0;

      while (!g_str_equal (g_ptr_array_index (sorted, col), name))
        col++;
      for (guint b = 0; b <= TACT_CLASSIFIER_BUCKETS; b++)
        w[(gsize) b * n_classes + col] = model->w[(gsize) b * n_classes + k];
    }
  for (guint i = 0; i < (guint) prob.l; i++)
    if (predict (model, prob.x[i]) == prob.y[i])
      correct++;
  free_and_destroy_model (&model);

  flags = g_new0 (guint8, n_classes);
  for (guint c = 0; c < n_classes; c++)
    if (!g_hash_table_contains (t.flagged, g_ptr_array_index (sorted, c)))
      {
        flags[c] |= TACT_CLASS_HARMLESS;
        n_harmless++;
      }
  g_ptr_array_add (sorted, NULL);
  bytes = tact_classifier_serialize (n_classes, (const char * const *) sorted->pdata, flags, w);
  if (!g_file_set_contents (out_path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                            &error))
    {
      g_printerr ("tact-policy: %s\n", error->message);
      status = 1;
      goto out;
    }
  g_print (_("%u examples (%u duplicates skipped), %u classes (%u harmless), C = %g: %.1f%% "
             "of the training examples classified right; %s, %zu bytes\n"),
           prob.l, t.duplicates, n_classes, n_harmless, cost, 100.0 * correct / MAX (prob.l, 1),
           out_path, g_bytes_get_size (bytes));

out:
  g_ptr_array_unref (t.classes);
  g_array_unref (t.labels);
  g_ptr_array_unref (t.examples);
  g_array_unref (t.buckets);
  g_hash_table_unref (t.seen);
  g_hash_table_unref (t.flagged);
  return status;
}
