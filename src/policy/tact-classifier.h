/* tact-classifier.h: the message classifier (issue 10; docs/classifier.md).
 *
 * A linear model over hashed features of the normalised text: character
 * n-grams 1–3 (Chinese needs no word segmentation) and Latin word unigrams
 * and bigrams, digits folded to 0 and traditional Han folded to simplified.
 * `tact-policy train` fits it with liblinear (one-vs-rest L2 logistic
 * regression) and writes it with tact_classifier_serialize(); the engine only
 * needs the dot products, so it does not link liblinear.
 *
 * A classifier is immutable after loading and safe to share between threads.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 2^18 hashed buckets: 5 MiB of int8 weights for 20 classes. 2^16 (1.3 MiB) gave nearly the
 * same figures on the dev split, a few tenths of a point more false positives
 * (docs/classifier.md). */
#define TACT_CLASSIFIER_BUCKETS_LOG2 18
#define TACT_CLASSIFIER_BUCKETS      (1u << TACT_CLASSIFIER_BUCKETS_LOG2)
#define TACT_CLASSIFIER_MAX_CLASSES  64
/* The model shipped with Tact, built from data/corpus at build time. */
#define TACT_CLASSIFIER_DEFAULT_NAME "tact-classifier.model"
/* Flags of a class in the model file. */
#define TACT_CLASS_HARMLESS 1

/* A feature occurrence: its bucket and where it is in the normalised text. */
typedef struct {
  guint32 bucket;
  guint32 from;   /* normalised byte offsets, [from, to) */
  guint32 to;
} TactFeatureHit;

/* The distinct buckets of @norm (element-type guint32, in order of first occurrence: sort
 * them for liblinear), and when @hits is not NULL every occurrence (element-type
 * TactFeatureHit). Each feature's value is 1/sqrt(number of distinct buckets): binary and
 * L2-normalised. */
void tact_classifier_features (const char *norm,
                               gsize       len,
                               GArray     *buckets,
                               GArray     *hits);

typedef struct _TactClassifier TactClassifier;

TactClassifier *tact_classifier_new_from_bytes (GBytes  *bytes,
                                                GError **error);
/* Whether @name can be a class: 1–32 characters of a–z, 0–9 and _. */
gboolean        tact_classifier_name_is_valid  (const char *name);
/* The shipped model: $TACT_CLASSIFIER_MODEL when set, else the installed one, else the
 * build tree's; loaded once per process and shared. */
TactClassifier *tact_classifier_load_default   (GError **error);
TactClassifier *tact_classifier_ref            (TactClassifier *self);
void            tact_classifier_unref          (TactClassifier *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactClassifier, tact_classifier_unref)

guint       tact_classifier_get_n_classes   (TactClassifier *self);
const char *tact_classifier_get_class_name  (TactClassifier *self,
                                             guint           c);
/* The index of class @name, or -1. */
int         tact_classifier_find_class      (TactClassifier *self,
                                             const char     *name);
/* Whether class @c is harmless: its corpus lines expect "allow" (none, policy_talk,
 * training, title, …). */
gboolean    tact_classifier_is_harmless     (TactClassifier *self,
                                             guint           c);
/* How likely @scores (from tact_classifier_score) say the message breaks a rule at all:
 * 1 − the sum of the harmless classes; *@top is the most likely class that is not
 * harmless — the rule it most likely breaks. A classifier detector fires for its category
 * when that is *@top and this reaches its min_score (docs/classifier.md). */
double      tact_classifier_violation       (TactClassifier *self,
                                             const double   *scores,
                                             guint          *top);
/* The first 16 hex digits of the model file's SHA-256 (audit, `tact-policy info`). */
const char *tact_classifier_get_id          (TactClassifier *self);

/* Probabilities of every class for @norm (normalised text), as liblinear's
 * predict_probability gives them for a one-vs-rest logistic model: each class's
 * sigmoid, normalised to sum 1. @scores has n_classes elements. */
void tact_classifier_score (TactClassifier *self,
                            const char     *norm,
                            gsize           len,
                            double         *scores);

/* One reading of a text: its features (with where they occur) and every class's
 * probability, so a check that explains a finding does not compute the features twice. */
typedef struct _TactReading TactReading;

TactReading  *tact_classifier_read    (TactClassifier    *self,
                                       const char        *norm,
                                       gsize              len);
/* n_classes probabilities, as tact_classifier_score() gives them. */
const double *tact_reading_get_scores (const TactReading *reading);
/* tact_classifier_violation() of the reading, computed once when it was read. */
double        tact_reading_get_violation (const TactReading *reading,
                                          guint             *top);
void          tact_reading_free       (TactReading       *reading);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactReading, tact_reading_free)

/* tact_classifier_explain() of a reading of @norm. */
GArray *tact_classifier_explain_reading (TactClassifier    *self,
                                         const TactReading *reading,
                                         const char        *norm,
                                         guint              c,
                                         guint              max_spans);

/* Up to @max_spans spans of @norm (element-type TactFeatureHit, bucket unused) whose
 * features weigh most for class @c, strongest first, overlapping spans merged:
 * what the guard dialog quotes. */
GArray *tact_classifier_explain (TactClassifier *self,
                                 const char     *norm,
                                 gsize           len,
                                 guint           c,
                                 guint           max_spans);

/* The model file for @n_classes classes named @names with @flags (TACT_CLASS_*), with liblinear's weights
 * @w (row-major: w[bucket * n_classes + class], buckets then one bias row, so
 * (TACT_CLASSIFIER_BUCKETS + 1) * n_classes values). Weights are stored as int8
 * with a scale per class; the same input always gives the same bytes. */
GBytes *tact_classifier_serialize (guint               n_classes,
                                   const char * const *names,
                                   const guint8       *flags,
                                   const double       *w);

G_END_DECLS
