/* tact-classifier.c: features, the model file and scoring (tact-classifier.h,
 * docs/classifier.md).
 *
 * Features are computed on the normaliser's output, read as a sequence of
 * "feature characters": ASCII digits fold to 0 (amounts and dates generalise:
 * 38k and 45k are the same feature), traditional Han folds to simplified
 * (tact-hanfold-table.c, from Unihan), and every run of spaces and
 * punctuation becomes one space; the text is framed by a space on each side.
 * From that sequence: every character n-gram of length 1–3 that is not only
 * spaces, every Latin word (a run of ASCII letters and digits) and every pair
 * of consecutive Latin words. Each is hashed (FNV-1a over code points with a
 * kind seed, then a finaliser) into TACT_CLASSIFIER_BUCKETS buckets; a
 * message's vector has 1/sqrt(n) in each of its n distinct buckets.
 *
 * The model file (little-endian):
 *   "TACTCLF2"                       magic and format (1 had int16 weights)
 *   u32 buckets_log2, u32 n_classes
 *   n_classes × (u8 length, name, u8 flags)   class names, ASCII [a-z0-9_]; flags bit 0:
 *                                    harmless (its corpus lines expect "allow")
 *   n_classes × (f32 scale, f32 bias)
 *   u32 n_rows; n_rows × (u32 bucket, n_classes × i8)    rows with a weight ≠ 0,
 *                                                          buckets increasing
 * Weight = i8 × scale. int8 gave the same figures on the dev split as int16 and halves
 * the table a check reads scattered rows from (5 MB for 20 classes). Every field is
 * checked while reading; a file that does not parse exactly is refused.
 */
#include "tact-classifier.h"
#include "tact-policy-private.h"

#include <gio/gio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAGIC "TACTCLF2"  /* 2: int8 weights */
#define MAX_NAME 32

struct _TactClassifier {
  gatomicrefcount ref;
  guint           n_classes;
  char          **names;     /* n_classes + 1, NULL-terminated */
  guint8         *flags;     /* n_classes: TACT_CLASS_* */
  float          *scale;     /* n_classes */
  float          *bias;      /* n_classes */
  gint8          *weights;   /* TACT_CLASSIFIER_BUCKETS rows of `stride` bytes, the first
                              * n_classes of each used, the rest 0 */
  guint           stride;    /* ROW_CHUNK or 2 × ROW_CHUNK */
  char            id[17];
};

/* A row of the weight table is padded to whole chunks of 32 bytes, aligned: one cache
 * line per row (rows of 20 bytes straddled two for a third of the buckets), and the
 * scores add whole vectors of 32 weights instead of one weight at a time. */
#define ROW_CHUNK 32
typedef gint8  RowChunk __attribute__ ((vector_size (ROW_CHUNK)));
typedef gint16 RowSum16 __attribute__ ((vector_size (ROW_CHUNK * 2)));
typedef gint32 RowSum32 __attribute__ ((vector_size (ROW_CHUNK * 4)));
G_STATIC_ASSERT (TACT_CLASSIFIER_MAX_CLASSES <= 2 * ROW_CHUNK);
/* int16 partial sums hold this many rows of int8 (×127) without overflow. */
#define ROWS_PER_PARTIAL 256

/* ------------------------------------------------------------------------- */
/* Features                                                                  */
/* ------------------------------------------------------------------------- */

typedef struct {
  gunichar c;
  guint32  from;   /* normalised byte span of the character */
  guint32  to;
} FeatChar;

static gboolean
is_separator_slow (gunichar c)
{
  if (g_unichar_isspace (c))
    return TRUE;
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONNECT_PUNCTUATION:
    case G_UNICODE_DASH_PUNCTUATION:
    case G_UNICODE_CLOSE_PUNCTUATION:
    case G_UNICODE_FINAL_PUNCTUATION:
    case G_UNICODE_INITIAL_PUNCTUATION:
    case G_UNICODE_OTHER_PUNCTUATION:
    case G_UNICODE_OPEN_PUNCTUATION:
      return TRUE;
    default:
      return FALSE;
    }
}

/* What a character becomes, for ASCII and the Han blocks from a table built once (a
 * check's features were a third glib calls and the Han fold's binary search): 0 for
 * a separator, else the feature character. */
#define HAN_FIRST 0x3400
#define HAN_LAST  0x9FFF
static gunichar ascii_map[128];
static gunichar *han_map;

static gpointer
build_maps (gpointer data)
{
  for (gunichar c = 0; c < 128; c++)
    ascii_map[c] = c >= '0' && c <= '9' ? '0' : is_separator_slow (c) ? 0 : c;
  han_map = g_new (gunichar, HAN_LAST - HAN_FIRST + 1);
  for (gunichar c = HAN_FIRST; c <= HAN_LAST; c++)
    han_map[c - HAN_FIRST] = is_separator_slow (c) ? 0 : tact_han_simplify (c);
  return NULL;
}

static inline gunichar
feature_char (gunichar c)
{
  if (c < 128)
    return ascii_map[c];
  if (c >= HAN_FIRST && c <= HAN_LAST)
    return han_map[c - HAN_FIRST];
  if (is_separator_slow (c))
    return 0;
  return c > HAN_LAST ? tact_han_simplify (c) : c;
}

/* A Latin word of at least ID_MIN_CHARS mixing letters and digits — an order number, a
 * hash, a ticket, a token — becomes one feature character, ID_CHAR: its letters are
 * arbitrary, and their n-grams swung readings ("…见附件 APPROVAL-7778219c" read as a trade
 * secret for some ids and not others). What is around it still counts. */
#define ID_MIN_CHARS 5
#define ID_CHAR      0xE000  /* a private-use code point: never in normalised text's features */

static guint
collapse_ids (FeatChar *s,
              guint     n)
{
  guint w = 0;

  for (guint i = 0; i < n;)
    {
      guint j = i;
      gboolean letter = FALSE, digit = FALSE;

      while (j < n && s[j].c < 128 && g_ascii_isalnum (s[j].c))
        {
          digit = digit || s[j].c == '0';
          letter = letter || g_ascii_isalpha (s[j].c);
          j++;
        }
      if (j - i >= ID_MIN_CHARS && letter && digit)
        {
          s[w++] = (FeatChar) { ID_CHAR, s[i].from, s[j - 1].to };
          i = j;
        }
      else if (j > i)
        {
          memmove (s + w, s + i, (j - i) * sizeof (FeatChar));
          w += j - i;
          i = j;
        }
      else
        s[w++] = s[i++];
    }
  return w;
}

/* The feature characters of @norm, framed by a space on each side, in a buffer of the
 * calling thread's that is reused (a check allocated and faulted in tens of KB each time). */
static GPrivate seq_key = G_PRIVATE_INIT ((GDestroyNotify) g_array_unref);

static GArray *
feature_chars (const char *norm,
               gsize       len)
{
  static GOnce once = G_ONCE_INIT;
  GArray *seq = g_private_get (&seq_key);
  FeatChar *out;
  const char *p = norm;
  const char *end = norm + len;
  guint n = 0;

  g_once (&once, build_maps, NULL);
  if (seq == NULL)
    {
      seq = g_array_new (FALSE, FALSE, sizeof (FeatChar));
      g_private_set (&seq_key, seq);
    }
  g_array_set_size (seq, len + 2);
  out = (FeatChar *) seq->data;
  out[n++] = (FeatChar) { ' ', 0, 0 };
  while (p < end)
    {
      const char *next = g_utf8_next_char (p);
      gunichar c = (guchar) *p < 0x80 ? (gunichar) *p : g_utf8_get_char (p);
      gunichar f = feature_char (c);

      if (f == 0 && out[n - 1].c == ' ')
        out[n - 1].to = next - norm;
      else
        out[n++] = (FeatChar) { f != 0 ? f : ' ', p - norm, next - norm };
      p = next;
    }
  if (out[n - 1].c != ' ')
    out[n++] = (FeatChar) { ' ', len, len };
  n = collapse_ids (out, n);
  g_array_set_size (seq, n);
  return seq;
}

static inline guint32
hash_start (guint32 kind)
{
  return (2166136261u ^ kind) * 16777619u;
}

static inline guint32
hash_step (guint32  h,
           gunichar c)
{
  return (h ^ c) * 16777619u;
}

static inline guint32
hash_finish (guint32 h)
{
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h & (TACT_CLASSIFIER_BUCKETS - 1);
}

static inline gboolean
is_latin_word_char (gunichar c)
{
  return c < 128 && g_ascii_isalnum (c);
}

/* Distinct buckets without sorting: a thread's bitmap of the buckets seen, cleared again
 * for exactly those afterwards. Sorting the ~6,000 raw features of a 2 KB message with
 * qsort took most of the time of a check. */
static __thread guint64 seen_bits[TACT_CLASSIFIER_BUCKETS / 64];

/* Where features go: arrays sized for the most a text can have, written directly. */
typedef struct {
  guint32        *buckets;
  guint           n_buckets;
  TactFeatureHit *hits;      /* NULL when not wanted */
  guint           n_hits;
} Out;

static inline void
add_hit (Out     *out,
         guint32  bucket,
         guint32  from,
         guint32  to)
{
  guint64 bit = G_GUINT64_CONSTANT (1) << (bucket & 63);

  if (!(seen_bits[bucket >> 6] & bit))
    {
      seen_bits[bucket >> 6] |= bit;
      out->buckets[out->n_buckets++] = bucket;
    }
  if (out->hits != NULL)
    out->hits[out->n_hits++] = (TactFeatureHit) { bucket, from, to };
}

void
tact_classifier_features (const char *norm,
                          gsize       len,
                          GArray     *buckets,
                          GArray     *hits)
{
  GArray *seq = feature_chars (norm, len);   /* the thread's buffer: not freed */
  const FeatChar *s = (const FeatChar *) seq->data;
  guint32 prev_word = 0;
  gboolean have_prev_word = FALSE;
  guint n = seq->len;
  /* At most 3 n-grams per character, and a word and a pair per word. */
  guint most = 3 * n + 2 * (n / 2 + 1);
  Out out = { 0 };

  g_array_set_size (buckets, most);
  out.buckets = (guint32 *) buckets->data;
  if (hits != NULL)
    {
      g_array_set_size (hits, most);
      out.hits = (TactFeatureHit *) hits->data;
    }

  /* Character n-grams 1–3. */
  for (guint i = 0; i < n; i++)
    {
      guint32 h = hash_start ('c');
      gboolean only_space = TRUE;

      for (guint k = 0; k < 3 && i + k < n; k++)
        {
          h = hash_step (h, s[i + k].c);
          only_space = only_space && s[i + k].c == ' ';
          if (!only_space)
            add_hit (&out, hash_finish (h), s[i].from, s[i + k].to);
        }
    }

  /* Latin words and pairs of consecutive words (across one separator). */
  for (guint i = 0; i < n;)
    {
      guint j = i;
      guint32 h;

      if (!is_latin_word_char (s[i].c))
        {
          /* A separator keeps the pair going; anything else (Han) ends it. */
          if (s[i].c != ' ')
            have_prev_word = FALSE;
          i++;
          continue;
        }
      h = hash_start ('w');
      while (j < n && is_latin_word_char (s[j].c))
        h = hash_step (h, s[j++].c);
      add_hit (&out, hash_finish (h), s[i].from, s[j - 1].to);
      if (have_prev_word)
        add_hit (&out, hash_finish (hash_step (h, prev_word) ^ 0x9e3779b9u),
                 s[i].from, s[j - 1].to);
      prev_word = h;
      have_prev_word = TRUE;
      i = j;
    }

  for (guint i = 0; i < out.n_buckets; i++)
    seen_bits[out.buckets[i] >> 6] = 0;
  g_array_set_size (buckets, out.n_buckets);
  if (hits != NULL)
    g_array_set_size (hits, out.n_hits);
}

/* ------------------------------------------------------------------------- */
/* The model file                                                            */
/* ------------------------------------------------------------------------- */

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  guint32 le = GUINT32_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &le, 4);
}

static void
put_f32 (GByteArray *out,
         float       f)
{
  guint32 bits;
  memcpy (&bits, &f, 4);
  put_u32 (out, bits);
}

GBytes *
tact_classifier_serialize (guint               n_classes,
                           const char * const *names,
                           const guint8       *flags,
                           const double       *w)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree float *scale = g_new0 (float, n_classes);
  g_autoptr(GByteArray) rows = g_byte_array_new ();
  guint32 n_rows = 0;

  g_return_val_if_fail (n_classes >= 2 && n_classes <= TACT_CLASSIFIER_MAX_CLASSES, NULL);

  g_byte_array_append (out, (const guint8 *) MAGIC, 8);
  put_u32 (out, TACT_CLASSIFIER_BUCKETS_LOG2);
  put_u32 (out, n_classes);
  for (guint c = 0; c < n_classes; c++)
    {
      guint8 len = strlen (names[c]);
      g_byte_array_append (out, &len, 1);
      g_byte_array_append (out, (const guint8 *) names[c], len);
      g_byte_array_append (out, &flags[c], 1);
    }

  for (guint c = 0; c < n_classes; c++)
    {
      double max = 0;
      for (guint b = 0; b < TACT_CLASSIFIER_BUCKETS; b++)
        max = MAX (max, fabs (w[(gsize) b * n_classes + c]));
      scale[c] = max > 0 ? (float) (max / 127.0) : 1.0f;
      put_f32 (out, scale[c]);
      put_f32 (out, (float) w[(gsize) TACT_CLASSIFIER_BUCKETS * n_classes + c]);
    }

  for (guint b = 0; b < TACT_CLASSIFIER_BUCKETS; b++)
    {
      gint8 q[TACT_CLASSIFIER_MAX_CLASSES];
      gboolean any = FALSE;

      for (guint c = 0; c < n_classes; c++)
        {
          double v = round (w[(gsize) b * n_classes + c] / scale[c]);
          q[c] = (gint8) CLAMP (v, -127, 127);
          any = any || q[c] != 0;
        }
      if (!any)
        continue;
      n_rows++;
      put_u32 (rows, b);
      g_byte_array_append (rows, (const guint8 *) q, n_classes);
    }
  put_u32 (out, n_rows);
  g_byte_array_append (out, rows->data, rows->len);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static gboolean
read_u32 (TactBlobReader *reader,
          guint32        *v)
{
  const guint8 *p = tact_blob_read (reader, 4);

  if (p == NULL)
    return FALSE;
  memcpy (v, p, 4);
  *v = GUINT32_FROM_LE (*v);
  return TRUE;
}

static gboolean
read_f32 (TactBlobReader *reader,
          float          *f)
{
  guint32 bits;

  if (!read_u32 (reader, &bits))
    return FALSE;
  memcpy (f, &bits, 4);
  return isfinite (*f);
}

static gboolean
valid_class_name (const guint8 *p,
                  guint         len)
{
  if (len == 0 || len > MAX_NAME)
    return FALSE;
  for (guint i = 0; i < len; i++)
    if (!(g_ascii_islower (p[i]) || g_ascii_isdigit (p[i]) || p[i] == '_'))
      return FALSE;
  return TRUE;
}

/* The weight table, zeroed, in huge pages where the kernel gives them: a check reads a
 * couple of thousand rows scattered over 10 MB, and with 4 KiB pages nearly every one was
 * a TLB miss as well as a cache miss. */
static gint8 *
weights_new (gsize n)
{
  gsize bytes = n;
  gsize huge = 2 * 1024 * 1024;
  void *p = NULL;

  bytes = (bytes + huge - 1) / huge * huge;
  if (posix_memalign (&p, huge, bytes) != 0)
    g_error ("cannot allocate %zu bytes for the classifier", bytes);
#ifdef MADV_HUGEPAGE
  madvise (p, bytes, MADV_HUGEPAGE);
#endif
  memset (p, 0, bytes);
  return p;
}

gboolean
tact_classifier_name_is_valid (const char *name)
{
  return valid_class_name ((const guint8 *) name, strlen (name));
}

static void
classifier_free (TactClassifier *self)
{
  g_strfreev (self->names);
  g_free (self->flags);
  g_free (self->scale);
  g_free (self->bias);
  free (self->weights);
  g_free (self);
}

TactClassifier *
tact_classifier_new_from_bytes (GBytes  *bytes,
                                GError **error)
{
  TactClassifier *self = g_new0 (TactClassifier, 1);
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  TactBlobReader reader = { data, size, TRUE };
  guint32 log2 = 0, n_classes = 0, n_rows = 0, last = 0;
  g_autofree char *sha = NULL;
  const guint8 *magic;

  g_atomic_ref_count_init (&self->ref);
  magic = tact_blob_read (&reader, 8);
  if (magic == NULL || memcmp (magic, MAGIC, 8) != 0)
    goto invalid;
  if (!read_u32 (&reader, &log2) || log2 != TACT_CLASSIFIER_BUCKETS_LOG2 ||
      !read_u32 (&reader, &n_classes) || n_classes < 2 || n_classes > TACT_CLASSIFIER_MAX_CLASSES)
    goto invalid;

  self->n_classes = n_classes;
  self->names = g_new0 (char *, n_classes + 1);
  self->flags = g_new0 (guint8, n_classes);
  for (guint c = 0; c < n_classes; c++)
    {
      const guint8 *len = tact_blob_read (&reader, 1);
      const guint8 *name = len != NULL ? tact_blob_read (&reader, *len) : NULL;
      const guint8 *flags = name != NULL ? tact_blob_read (&reader, 1) : NULL;

      if (flags == NULL || !valid_class_name (name, *len) || (*flags & ~TACT_CLASS_HARMLESS) != 0)
        goto invalid;
      self->flags[c] = *flags;
      self->names[c] = g_strndup ((const char *) name, *len);
      for (guint k = 0; k < c; k++)
        if (g_str_equal (self->names[k], self->names[c]))
          goto invalid;
    }
  self->scale = g_new (float, n_classes);
  self->bias = g_new (float, n_classes);
  for (guint c = 0; c < n_classes; c++)
    if (!read_f32 (&reader, &self->scale[c]) || !read_f32 (&reader, &self->bias[c]) ||
        self->scale[c] <= 0)
      goto invalid;

  if (!read_u32 (&reader, &n_rows) || n_rows > TACT_CLASSIFIER_BUCKETS ||
      (guint64) n_rows * (4 + n_classes) != reader.left)
    goto invalid;
  self->stride = n_classes <= ROW_CHUNK ? ROW_CHUNK : 2 * ROW_CHUNK;
  self->weights = weights_new ((gsize) TACT_CLASSIFIER_BUCKETS * self->stride);
  for (guint32 r = 0; r < n_rows; r++)
    {
      guint32 bucket;
      const guint8 *row;

      if (!read_u32 (&reader, &bucket) || bucket >= TACT_CLASSIFIER_BUCKETS ||
          (r > 0 && bucket <= last))
        goto invalid;
      last = bucket;
      row = tact_blob_read (&reader, n_classes);
      if (row == NULL)
        goto invalid;
      memcpy (self->weights + (gsize) bucket * self->stride, row, n_classes);
    }

  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  memcpy (self->id, sha, 16);
  self->id[16] = '\0';
  return self;

invalid:
  classifier_free (self);
  g_set_error_literal (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID,
                       "not a Tact classifier model, or a damaged one");
  return NULL;
}

static const char *
default_model_path (void)
{
  const char *env = g_getenv ("TACT_CLASSIFIER_MODEL");
  static const char *const candidates[] = {
    TACT_PKGDATADIR "/" TACT_CLASSIFIER_DEFAULT_NAME,
    TACT_BUILD_DATADIR "/" TACT_CLASSIFIER_DEFAULT_NAME,
  };

  if (env != NULL && env[0] != '\0')
    return env;
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR))
      return candidates[i];
  return candidates[G_N_ELEMENTS (candidates) - 1];
}

TactClassifier *
tact_classifier_load_default (GError **error)
{
  static GMutex lock;
  static TactClassifier *shared;
  static char *shared_path;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  const char *path = default_model_path ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFile) file = NULL;
  TactClassifier *loaded;

  if (shared != NULL && g_strcmp0 (shared_path, path) == 0)
    return tact_classifier_ref (shared);

  file = g_file_new_for_path (path);
  bytes = g_file_load_bytes (file, NULL, NULL, &local_error);
  if (bytes == NULL)
    {
      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID,
                   "the classifier model %s cannot be read: %s", path, local_error->message);
      return NULL;
    }
  loaded = tact_classifier_new_from_bytes (bytes, &local_error);
  if (loaded == NULL)
    {
      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID,
                   "%s: %s", path, local_error->message);
      return NULL;
    }
  g_clear_pointer (&shared, tact_classifier_unref);
  g_free (shared_path);
  shared = loaded;
  shared_path = g_strdup (path);
  return tact_classifier_ref (shared);
}

TactClassifier *
tact_classifier_ref (TactClassifier *self)
{
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
tact_classifier_unref (TactClassifier *self)
{
  if (g_atomic_ref_count_dec (&self->ref))
    classifier_free (self);
}

guint
tact_classifier_get_n_classes (TactClassifier *self)
{
  return self->n_classes;
}

const char *
tact_classifier_get_class_name (TactClassifier *self,
                                guint           c)
{
  g_return_val_if_fail (c < self->n_classes, NULL);
  return self->names[c];
}

int
tact_classifier_find_class (TactClassifier *self,
                            const char     *name)
{
  for (guint c = 0; c < self->n_classes; c++)
    if (g_str_equal (self->names[c], name))
      return c;
  return -1;
}

gboolean
tact_classifier_is_harmless (TactClassifier *self,
                             guint           c)
{
  g_return_val_if_fail (c < self->n_classes, FALSE);
  return (self->flags[c] & TACT_CLASS_HARMLESS) != 0;
}

double
tact_classifier_violation (TactClassifier *self,
                           const double   *scores,
                           guint          *top)
{
  double harmless = 0, best = -1;

  *top = 0;
  for (guint c = 0; c < self->n_classes; c++)
    {
      if (self->flags[c] & TACT_CLASS_HARMLESS)
        harmless += scores[c];
      else if (scores[c] > best)
        {
          best = scores[c];
          *top = c;
        }
    }
  return CLAMP (1.0 - harmless, 0.0, 1.0);
}

const char *
tact_classifier_get_id (TactClassifier *self)
{
  return self->id;
}

/* ------------------------------------------------------------------------- */
/* Scoring                                                                   */
/* ------------------------------------------------------------------------- */

static void
score_buckets (TactClassifier *self,
               const GArray   *buckets,
               double         *scores)
{
  const guint32 *b = (const guint32 *) buckets->data;
  guint n = self->n_classes;
  guint chunks = self->stride / ROW_CHUNK;
  RowSum32 acc[2] = { { 0 } };
  double value, sum = 0;

  /* The rows are scattered over the table: ask for them a few rows ahead, so the
   * cache misses overlap instead of queueing. */
  for (guint start = 0; start < buckets->len; start += ROWS_PER_PARTIAL)
    {
      guint end = MIN (buckets->len, start + ROWS_PER_PARTIAL);
      RowSum16 part[2] = { { 0 } };

      for (guint i = start; i < end; i++)
        {
          const RowChunk *row = (const RowChunk *) (self->weights + (gsize) b[i] * self->stride);

          if (i + 8 < buckets->len)
            __builtin_prefetch (self->weights + (gsize) b[i + 8] * self->stride);
          for (guint k = 0; k < chunks; k++)
            part[k] += __builtin_convertvector (row[k], RowSum16);
        }
      for (guint k = 0; k < chunks; k++)
        acc[k] += __builtin_convertvector (part[k], RowSum32);
    }
  value = buckets->len > 0 ? 1.0 / sqrt (buckets->len) : 0;
  for (guint c = 0; c < n; c++)
    {
      double dec = acc[c / ROW_CHUNK][c % ROW_CHUNK] * (double) self->scale[c] * value + self->bias[c];
      scores[c] = 1.0 / (1.0 + exp (-dec));
      sum += scores[c];
    }
  for (guint c = 0; c < n; c++)
    scores[c] /= sum;
}

void
tact_classifier_score (TactClassifier *self,
                       const char     *norm,
                       gsize           len,
                       double         *scores)
{
  g_autoptr(GArray) buckets = g_array_new (FALSE, FALSE, sizeof (guint32));

  tact_classifier_features (norm, len, buckets, NULL);
  score_buckets (self, buckets, scores);
}

struct _TactReading {
  GArray *buckets;
  GArray *hits;
  double  scores[TACT_CLASSIFIER_MAX_CLASSES];
  double  violation;   /* tact_classifier_violation() of the scores */
  guint   top;
};

TactReading *
tact_classifier_read (TactClassifier *self,
                      const char     *norm,
                      gsize           len)
{
  TactReading *reading = g_new0 (TactReading, 1);

  reading->buckets = g_array_new (FALSE, FALSE, sizeof (guint32));
  reading->hits = g_array_new (FALSE, FALSE, sizeof (TactFeatureHit));
  tact_classifier_features (norm, len, reading->buckets, reading->hits);
  score_buckets (self, reading->buckets, reading->scores);
  reading->violation = tact_classifier_violation (self, reading->scores, &reading->top);
  return reading;
}

double
tact_reading_get_violation (const TactReading *reading,
                            guint             *top)
{
  *top = reading->top;
  return reading->violation;
}

const double *
tact_reading_get_scores (const TactReading *reading)
{
  return reading->scores;
}

void
tact_reading_free (TactReading *reading)
{
  g_array_unref (reading->buckets);
  g_array_unref (reading->hits);
  g_free (reading);
}

typedef struct {
  guint32 from, to;
  double  weight;
} Span;

static int
compare_spans_by_weight (gconstpointer a,
                         gconstpointer b)
{
  const Span *x = a, *y = b;

  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  return x->from < y->from ? -1 : x->from > y->from;
}

static int
compare_spans_by_start (gconstpointer a,
                        gconstpointer b)
{
  const Span *x = a, *y = b;

  return x->from < y->from ? -1 : x->from > y->from;
}

#define EXPLAIN_TOP 16

/* Spans are built from the strongest feature occurrences: each occurrence with
 * a positive weight for @c, strongest first, joins the span it overlaps or
 * starts a new one; a span grows to at most MAX_SPAN_BYTES. */
#define MAX_SPAN_BYTES 36

GArray *
tact_classifier_explain (TactClassifier *self,
                         const char     *norm,
                         gsize           len,
                         guint           c,
                         guint           max_spans)
{
  g_autoptr(TactReading) reading = tact_classifier_read (self, norm, len);

  return tact_classifier_explain_reading (self, reading, norm, c, max_spans);
}

GArray *
tact_classifier_explain_reading (TactClassifier    *self,
                                 const TactReading *reading,
                                 const char        *norm,
                                 guint              c,
                                 guint              max_spans)
{
  const GArray *hits = reading->hits;
  g_autoptr(GArray) cands = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  GArray *result = g_array_new (FALSE, FALSE, sizeof (TactFeatureHit));

  g_return_val_if_fail (c < self->n_classes, result);

  /* Only the strongest features matter: the EXPLAIN_TOP distinct buckets that weigh most
   * for @c (one pass over the distinct buckets, not the thousands of occurrences), then
   * their occurrences, found through a bitmap of those buckets. */
  {
    guint32 top[EXPLAIN_TOP];
    gint8 top_q[EXPLAIN_TOP];
    guint n_top = 0;
    const GArray *buckets = reading->buckets;

    for (guint i = 0; i < buckets->len; i++)
      {
        guint32 b = g_array_index (buckets, guint32, i);
        gint8 q = self->weights[(gsize) b * self->stride + c];
        guint k;

        if (q <= 0 || (n_top == EXPLAIN_TOP && q <= top_q[n_top - 1]))
          continue;
        k = n_top < EXPLAIN_TOP ? n_top++ : n_top - 1;
        while (k > 0 && top_q[k - 1] < q)
          {
            top[k] = top[k - 1];
            top_q[k] = top_q[k - 1];
            k--;
          }
        top[k] = b;
        top_q[k] = q;
      }
    for (guint k = 0; k < n_top; k++)
      seen_bits[top[k] >> 6] |= G_GUINT64_CONSTANT (1) << (top[k] & 63);
    for (guint i = 0; i < hits->len && n_top > 0; i++)
      {
        const TactFeatureHit *hit = &g_array_index (hits, TactFeatureHit, i);

        /* Skip framing spaces and features with nothing to quote. */
        if ((seen_bits[hit->bucket >> 6] & (G_GUINT64_CONSTANT (1) << (hit->bucket & 63))) &&
            hit->to > hit->from)
          {
            Span span = { hit->from, hit->to,
                          self->weights[(gsize) hit->bucket * self->stride + c] *
                          (double) self->scale[c] };
            g_array_append_val (cands, span);
          }
      }
    for (guint k = 0; k < n_top; k++)
      seen_bits[top[k] >> 6] = 0;
  }
  g_array_sort (cands, compare_spans_by_weight);

  for (guint i = 0; i < cands->len && i < 64; i++)
    {
      const Span *cand = &g_array_index (cands, Span, i);
      gboolean joined = FALSE;

      for (guint k = 0; k < spans->len && !joined; k++)
        {
          Span *s = &g_array_index (spans, Span, k);

          if (cand->from <= s->to && cand->to >= s->from)
            {
              joined = TRUE;
              if (MAX (s->to, cand->to) - MIN (s->from, cand->from) <= MAX_SPAN_BYTES)
                {
                  s->from = MIN (s->from, cand->from);
                  s->to = MAX (s->to, cand->to);
                  s->weight += cand->weight;
                }
            }
        }
      if (!joined && spans->len < max_spans)
        g_array_append_val (spans, *cand);
    }

  /* Spans that grew into each other become one. */
  g_array_sort (spans, compare_spans_by_start);
  for (guint k = 1; k < spans->len;)
    {
      Span *prev = &g_array_index (spans, Span, k - 1);
      const Span *s = &g_array_index (spans, Span, k);

      if (s->from <= prev->to)
        {
          prev->to = MAX (prev->to, s->to);
          prev->weight += s->weight;
          g_array_remove_index (spans, k);
        }
      else
        k++;
    }
  g_array_sort (spans, compare_spans_by_weight);

  for (guint k = 0; k < spans->len; k++)
    {
      const Span *s = &g_array_index (spans, Span, k);
      TactFeatureHit out = { 0, s->from, s->to };

      /* Quote whole words: trim spaces at the edges. */
      while (out.from < out.to && norm[out.from] == ' ')
        out.from++;
      while (out.to > out.from && norm[out.to - 1] == ' ')
        out.to--;
      if (out.to > out.from)
        g_array_append_val (result, out);
    }
  return result;
}
