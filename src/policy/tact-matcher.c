/* tact-matcher.c: all detectors of a profile compiled into vectorscan databases.
 *
 * One literal database holds every term of every rule (with its OpenCC
 * simplified/traditional variants) and the profile's allow terms, all
 * normalised like the text will be; one regex database holds the regex
 * detectors. Both are compiled once at profile load and scanned in block
 * mode over the normalised text of each message.
 *
 * Scratch space: hs_scan() needs one scratch per concurrent caller. The
 * matcher keeps a small pool behind a mutex, so tact_profile_check() can run
 * on any thread and the common case (one caller) never allocates.
 */
#include "tact-policy-private.h"

#include <hs.h>
#include <string.h>

/* What a vectorscan pattern id stands for. */
typedef struct {
  int   rule;          /* index in rules, or -1 for an allow term */
  guint detector;      /* index in the rule's detectors */
  guint item;          /* index in the detector's items (for error paths) */
  guint length;        /* literal: its length in bytes (it starts there before its end);
                        * regex: 0 (vectorscan reports the leftmost start) */
  guint check_left  : 1;  /* Latin term: must start at a word boundary */
  guint check_right : 1;  /* Latin term: must end at a word boundary */
} PatternInfo;

struct _TactMatcher {
  /* owned */
  hs_database_t *literal_db;   /* NULL when the profile has no terms */
  hs_database_t *regex_db;     /* NULL when the profile has no regexes */
  GArray        *patterns;     /* element-type PatternInfo, indexed by pattern id */
  TactLoadTimings timings;     /* variants and compile (benchmarks) */

  /* scratch pool, protected by lock */
  GMutex         lock;
  hs_scratch_t  *prototype;    /* owned: sized for both databases, cloned on demand */
  GPtrArray     *idle;         /* owned, element-type hs_scratch_t* not in use */
};

typedef struct {
  guint id;
  gsize from;
  gsize to;
} RawMatch;

gboolean
tact_regex_check (const char  *pattern,
                  char       **message)
{
  hs_expr_info_t *info = NULL;
  hs_compile_error_t *compile_error = NULL;
  hs_database_t *db = NULL;
  unsigned flags = HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST;

  /* Compiling alone also catches patterns too complex for leftmost start
   * reporting, which hs_expression_info() does not. */
  if (hs_compile (pattern, flags, HS_MODE_BLOCK, NULL, &db, &compile_error) != HS_SUCCESS)
    {
      if (message != NULL)
        *message = g_strdup (compile_error->message);
      hs_free_compile_error (compile_error);
      return FALSE;
    }
  hs_free_database (db);

  if (hs_expression_info (pattern, flags, &info, &compile_error) == HS_SUCCESS)
    {
      gboolean empty = info->min_width == 0;

      free (info);
      if (empty)
        {
          if (message != NULL)
            *message = g_strdup ("the pattern can match an empty string");
          return FALSE;
        }
    }
  else
    hs_free_compile_error (compile_error);

  return TRUE;
}

/* TRUE if the first/last character of @term needs a word boundary. */
static void
term_boundaries (const char *term,
                 PatternInfo *info)
{
  const char *last = g_utf8_find_prev_char (term, term + strlen (term));

  info->check_left = tact_unichar_is_word (g_utf8_get_char (term));
  info->check_right = last != NULL && tact_unichar_is_word (g_utf8_get_char (last));
}

static void
set_compile_error (GError             **error,
                   hs_compile_error_t  *compile_error,
                   const char          *path)
{
  g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID,
               "%s: cannot compile: %s", path, compile_error->message);
}

TactMatcher *
tact_matcher_new (GPtrArray          *rules,
                  const char * const *allow_terms,
                  GError            **error)
{
  g_autoptr(TactMatcher) self = g_new0 (TactMatcher, 1);
  /* Literal patterns: normalised strings, owned */
  g_autoptr(GPtrArray) literals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) literal_ids = g_array_new (FALSE, FALSE, sizeof (unsigned));
  /* Regex patterns: borrowed from the rules */
  g_autoptr(GPtrArray) regexes = g_ptr_array_new ();
  g_autoptr(GArray) regex_ids = g_array_new (FALSE, FALSE, sizeof (unsigned));
  /* "rule\x1fterm" already added, so a term and its variants are added once per rule */
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Every term (rules' terms, then allow terms; borrowed) and its variants,
   * converted in one batch, used in that order below. */
  g_autoptr(GPtrArray) all_terms = g_ptr_array_new ();
  g_autoptr(GPtrArray) all_variants = NULL;
  guint next_term = 0;
  guint n_pinyin = 0;
  hs_compile_error_t *compile_error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  g_mutex_init (&self->lock);
  self->patterns = g_array_new (FALSE, TRUE, sizeof (PatternInfo));
  self->idle = g_ptr_array_new ();

  for (guint r = 0; r < rules->len; r++)
    {
      const TactRule *rule = g_ptr_array_index (rules, r);

      for (guint d = 0; d < rule->detectors->len; d++)
        {
          const TactDetector *detector = g_ptr_array_index (rule->detectors, d);

          if (detector->type != TACT_DETECTOR_TERMS)
            continue;
          for (guint k = 0; detector->items[k] != NULL; k++)
            g_ptr_array_add (all_terms, detector->items[k]);
        }
    }
  for (guint k = 0; allow_terms != NULL && allow_terms[k] != NULL; k++)
    g_ptr_array_add (all_terms, (gpointer) allow_terms[k]);
  all_variants = tact_term_variants_many ((const char * const *) all_terms->pdata, all_terms->len);

  for (guint r = 0; r < rules->len; r++)
    {
      const TactRule *rule = g_ptr_array_index (rules, r);

      for (guint d = 0; d < rule->detectors->len; d++)
        {
          const TactDetector *detector = g_ptr_array_index (rule->detectors, d);

          /* Identifier and exact detectors are scanned in C (tact-identifiers.c, tact-exact.c). */
          if (detector->type != TACT_DETECTOR_TERMS && detector->type != TACT_DETECTOR_REGEX)
            continue;

          for (guint k = 0; detector->items[k] != NULL; k++)
            {
              PatternInfo info = { (int) r, d, k, 0, 0, 0 };
              unsigned id;

              if (detector->type == TACT_DETECTOR_REGEX)
                {
                  id = self->patterns->len;
                  g_array_append_val (self->patterns, info);
                  g_ptr_array_add (regexes, detector->items[k]);
                  g_array_append_val (regex_ids, id);
                  continue;
                }

              GPtrArray *variants = g_ptr_array_index (all_variants, next_term++);

              /* Pinyin spellings of a Chinese term (tact-pinyin.c), within the budget: all of
               * the first (simplified) variant's, and the Han-and-pinyin mixes of the other
               * (traditional) variants, ke戶名單 as well as ke户名单. */
              for (guint v = 0, n_variants = variants->len;
                   v < n_variants && n_pinyin < TACT_PINYIN_BUDGET; v++)
                {
                  g_autoptr(GPtrArray) forms = tact_pinyin_forms (g_ptr_array_index (variants, v));

                  for (guint f = 0; f < forms->len && n_pinyin < TACT_PINYIN_BUDGET; f++)
                    {
                      const char *form = g_ptr_array_index (forms, f);

                      if (v > 0 && g_str_is_ascii (form))
                        continue;  /* the same as the first variant's */
                      g_ptr_array_add (variants, g_strdup (form));
                      n_pinyin++;
                    }
                }

              for (guint v = 0; v < variants->len; v++)
                {
                  const char *variant = g_ptr_array_index (variants, v);
                  char *key = g_strdup_printf ("%u\x1f%s", r, variant);

                  if (!g_hash_table_add (seen, key))
                    continue;
                  term_boundaries (variant, &info);
                  info.length = strlen (variant);
                  id = self->patterns->len;
                  g_array_append_val (self->patterns, info);
                  g_ptr_array_add (literals, g_strdup (variant));
                  g_array_append_val (literal_ids, id);
                }
            }
        }
    }

  for (guint k = 0; allow_terms != NULL && allow_terms[k] != NULL; k++)
    {
      GPtrArray *variants = g_ptr_array_index (all_variants, next_term++);

      for (guint v = 0; v < variants->len; v++)
        {
          const char *variant = g_ptr_array_index (variants, v);
          PatternInfo info = { -1, 0, k, strlen (variant), 0, 0 };
          unsigned id = self->patterns->len;
          char *key = g_strdup_printf ("-\x1f%s", variant);

          if (!g_hash_table_add (seen, key))
            continue;
          g_array_append_val (self->patterns, info);
          g_ptr_array_add (literals, g_strdup (g_ptr_array_index (variants, v)));
          g_array_append_val (literal_ids, id);
        }
    }

  g_assert (next_term == all_terms->len);
  self->timings.variants = (g_get_monotonic_time () - t0) / 1e6;
  self->timings.n_literals = literals->len;
  t0 = g_get_monotonic_time ();

  if (literals->len > 0)
    {
      g_autofree unsigned *flags = g_new (unsigned, literals->len);
      g_autofree size_t *lens = g_new (size_t, literals->len);

      for (guint i = 0; i < literals->len; i++)
        {
          /* The text is already case-folded: no HS_FLAG_CASELESS needed. A
           * literal starts its length before its end, so no
           * HS_FLAG_SOM_LEFTMOST either: start-of-match tracking made a
           * 160k-literal database 24 MB instead of 18 MB and its scans of a
           * 2 KB text ~30 % slower (compile time about the same). */
          flags[i] = 0;
          lens[i] = strlen (g_ptr_array_index (literals, i));
        }

      if (hs_compile_lit_multi ((const char * const *) literals->pdata, flags,
                                (const unsigned *) literal_ids->data, lens, literals->len,
                                HS_MODE_BLOCK, NULL, &self->literal_db,
                                &compile_error) != HS_SUCCESS)
        {
          set_compile_error (error, compile_error, "$.rules");
          hs_free_compile_error (compile_error);
          return NULL;
        }
    }

  if (regexes->len > 0)
    {
      g_autofree unsigned *flags = g_new (unsigned, regexes->len);

      for (guint i = 0; i < regexes->len; i++)
        flags[i] = HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST;

      if (hs_compile_multi ((const char * const *) regexes->pdata, flags,
                            (const unsigned *) regex_ids->data, regexes->len,
                            HS_MODE_BLOCK, NULL, &self->regex_db,
                            &compile_error) != HS_SUCCESS)
        {
          g_autofree char *path = NULL;

          if (compile_error->expression >= 0 && (guint) compile_error->expression < regexes->len)
            {
              unsigned id = g_array_index (regex_ids, unsigned, compile_error->expression);
              const PatternInfo *info = &g_array_index (self->patterns, PatternInfo, id);

              path = g_strdup_printf ("$.rules[%d].detectors[%u].patterns[%u]",
                                      info->rule, info->detector, info->item);
            }
          set_compile_error (error, compile_error, path != NULL ? path : "$.rules");
          hs_free_compile_error (compile_error);
          return NULL;
        }
    }

  self->timings.compile = (g_get_monotonic_time () - t0) / 1e6;

  /* One scratch serves both databases. */
  if ((self->literal_db != NULL &&
       hs_alloc_scratch (self->literal_db, &self->prototype) != HS_SUCCESS) ||
      (self->regex_db != NULL &&
       hs_alloc_scratch (self->regex_db, &self->prototype) != HS_SUCCESS))
    {
      g_set_error_literal (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID,
                           "$: cannot allocate matcher scratch space");
      return NULL;
    }

  return g_steal_pointer (&self);
}

const TactLoadTimings *
tact_matcher_get_timings (TactMatcher *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->timings;
}

void
tact_matcher_free (TactMatcher *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->literal_db, hs_free_database);
  g_clear_pointer (&self->regex_db, hs_free_database);
  g_clear_pointer (&self->patterns, g_array_unref);
  if (self->idle != NULL)
    {
      for (guint i = 0; i < self->idle->len; i++)
        hs_free_scratch (g_ptr_array_index (self->idle, i));
      g_ptr_array_unref (self->idle);
    }
  g_clear_pointer (&self->prototype, hs_free_scratch);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static hs_scratch_t *
acquire_scratch (TactMatcher *self)
{
  hs_scratch_t *scratch = NULL;

  g_mutex_lock (&self->lock);
  if (self->idle->len > 0)
    scratch = g_ptr_array_steal_index_fast (self->idle, self->idle->len - 1);
  else if (hs_clone_scratch (self->prototype, &scratch) != HS_SUCCESS)
    scratch = NULL;
  g_mutex_unlock (&self->lock);

  return scratch;
}

static void
release_scratch (TactMatcher  *self,
                 hs_scratch_t *scratch)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->idle, scratch);
  g_mutex_unlock (&self->lock);
}

static int
on_match (unsigned int       id,
          unsigned long long from,
          unsigned long long to,
          unsigned int       flags,
          void              *user_data)
{
  GArray *raw = user_data;
  RawMatch match = { id, (gsize) from, (gsize) to };

  g_array_append_val (raw, match);
  return 0;  /* keep scanning: every match counts */
}

static gboolean
at_word_boundary_left (const char *text,
                       gsize       from)
{
  const char *prev;

  if (from == 0)
    return TRUE;
  prev = g_utf8_find_prev_char (text, text + from);
  return prev == NULL || !tact_unichar_is_word (g_utf8_get_char (prev));
}

static gboolean
at_word_boundary_right (const char *text,
                        gsize       len,
                        gsize       to)
{
  return to >= len || !tact_unichar_is_word (g_utf8_get_char (text + to));
}

static int
compare_hits (gconstpointer a,
              gconstpointer b)
{
  const TactHit *ha = a, *hb = b;

  if (ha->rule != hb->rule)
    return ha->rule < hb->rule ? -1 : 1;
  if (ha->from != hb->from)
    return ha->from < hb->from ? -1 : 1;
  /* Longest first, so nested matches follow the match containing them. */
  if (ha->to != hb->to)
    return ha->to > hb->to ? -1 : 1;
  return 0;
}

/* Resolves the ids of @raw matches in @text: allow-term matches go to
 * @allowed, rule matches that pass the word-boundary checks to @hits. FALSE
 * (and @error) when an id is outside the table: a broken cache. */
static gboolean
resolve_matches (TactMatcher  *self,
                 const char   *text,
                 gsize         len,
                 GArray       *raw,
                 GArray       *allowed,
                 GArray       *hits,
                 GError      **error)
{
  /* Resolve ids; keep allow matches apart; apply word boundaries. */
  for (guint i = 0; i < raw->len; i++)
    {
      RawMatch *m = &g_array_index (raw, RawMatch, i);
      const PatternInfo *info;
      TactHit hit;

      /* A database and its table come from the same build or the same checked cache blob;
       * an id outside the table would be a broken cache: fail closed, never read past it. */
      if (m->id >= self->patterns->len)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "vectorscan reported pattern %u of %u", m->id, self->patterns->len);
          return FALSE;
        }
      info = &g_array_index (self->patterns, PatternInfo, m->id);

      if (info->length > 0)
        m->from = m->to >= info->length ? m->to - info->length : 0;

      if (m->from >= m->to)
        continue;
      if (info->check_left && !at_word_boundary_left (text, m->from))
        continue;
      if (info->check_right && !at_word_boundary_right (text, len, m->to))
        continue;
      if (info->rule < 0)
        {
          g_array_append_val (allowed, *m);
          continue;
        }

      hit.rule = (guint) info->rule;
      hit.detector = info->detector;
      hit.from = m->from;
      hit.to = m->to;
      g_array_append_val (hits, hit);
    }
  return TRUE;
}

GArray *
tact_matcher_scan_checked (TactMatcher *self,
                           const char  *text,
                           gsize        len,
                           const char  *leet,
                           GError     **error)
{
  g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (RawMatch));
  g_autoptr(GArray) raw_leet = g_array_new (FALSE, FALSE, sizeof (RawMatch));
  g_autoptr(GArray) allowed = g_array_new (FALSE, FALSE, sizeof (RawMatch));
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (TactHit));
  GArray *result;
  hs_scratch_t *scratch;
  gsize max_to = 0;
  guint current_rule = G_MAXUINT;
  hs_error_t err = HS_SUCCESS;

  if (len == 0 || (self->literal_db == NULL && self->regex_db == NULL))
    return g_steal_pointer (&hits);

  scratch = acquire_scratch (self);
  if (scratch == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "cannot allocate vectorscan scratch space");
      return NULL;
    }
  if (self->literal_db == NULL)
    leet = NULL;
  if ((self->literal_db != NULL &&
       (err = hs_scan (self->literal_db, text, len, 0, scratch, on_match, raw)) != HS_SUCCESS) ||
      (self->regex_db != NULL &&
       (err = hs_scan (self->regex_db, text, len, 0, scratch, on_match, raw)) != HS_SUCCESS) ||
      (leet != NULL &&
       (err = hs_scan (self->literal_db, leet, len, 0, scratch, on_match, raw_leet)) != HS_SUCCESS))
    {
      release_scratch (self, scratch);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "vectorscan scan failed (%d)", err);
      return NULL;
    }
  release_scratch (self, scratch);

  if (!resolve_matches (self, text, len, raw, allowed, hits, error))
    return NULL;
  /* Leetspeak (s3cr3t, p@ssw0rd): the mixed words folded to letters, scanned
   * for terms only, each match checked against the folded text it was found in. */
  if (leet != NULL &&
      (!resolve_matches (self, leet, len, raw_leet, allowed, hits, error)))
    return NULL;

  g_array_sort (hits, compare_hits);

  /* Drop hits that overlap an allow-term match, then hits nested inside another
   * hit of the same rule (商业秘密 also contains 秘密: one occurrence, one
   * finding; a regex reporting several ends for one start: keep the longest).
   *
   * Overlap, not containment: the allow term 非机密 must also clear 机密文件 in
   * 非机密文件, which it only overlaps. Suppression comes first so that a hit
   * nested in a suppressed one but clear of the allow term (a term 文件 in
   * 非机密文件) is still judged on its own. Hits elsewhere in the text are
   * unaffected (非机密文件和绝密合同 still reports 绝密). */
  result = g_array_sized_new (FALSE, FALSE, sizeof (TactHit), hits->len);
  for (guint i = 0; i < hits->len; i++)
    {
      const TactHit *hit = &g_array_index (hits, TactHit, i);
      gboolean suppressed = FALSE;

      for (guint a = 0; a < allowed->len && !suppressed; a++)
        {
          const RawMatch *allow = &g_array_index (allowed, RawMatch, a);
          suppressed = allow->from < hit->to && hit->from < allow->to;
        }
      if (suppressed)
        continue;

      if (hit->rule != current_rule)
        {
          current_rule = hit->rule;
          max_to = 0;
        }
      else if (hit->to <= max_to)
        continue;  /* nested in an earlier hit (which starts at or before it) */
      max_to = MAX (max_to, hit->to);
      g_array_append_val (result, *hit);
    }

  return result;
}

/* Kept for callers that cannot fail closed (benchmarks): on failure an empty
 * array, and a warning without any text. */

/* ------------------------------------------------------------------------- */
/* The matcher's part of the profile cache (tact_profile_dup_compiled)       */
/* ------------------------------------------------------------------------- */

/* Layout, little-endian (docs/profile.md, "The compiled cache"):
 *
 *   u32 n_patterns, u32 n_literals (for the load timings)
 *   n_patterns × { i32 rule, u32 detector, u32 item, u32 length, u8 flags }
 *   u64 size, bytes: hs_serialize_database() of the literal database (size 0: none)
 *   u64 size, bytes: the same for the regex database
 *
 * The expanded variants live only inside the literal database and the table
 * (their lengths and word-boundary flags): nothing else uses them after the build. */

#define PATTERN_BLOB_SIZE 17
#define FLAG_CHECK_LEFT   0x1
#define FLAG_CHECK_RIGHT  0x2

const char *
tact_matcher_engine_version (void)
{
  return hs_version ();
}

const char *
tact_matcher_engine_platform (void)
{
  static gsize platform;

  if (g_once_init_enter (&platform))
    {
      hs_platform_info_t info = { 0 };
      char *str;

      /* What hs_compile_*() with a NULL platform targets: this CPU. */
      if (hs_populate_platform (&info) != HS_SUCCESS)
        str = g_strdup ("unknown");
      else
        str = g_strdup_printf ("tune=%u cpu_features=0x%llx", info.tune, info.cpu_features);
      g_once_init_leave (&platform, (gsize) str);
    }
  return (const char *) platform;
}

static gboolean
append_database (GByteArray     *out,
                 hs_database_t  *db,
                 GError        **error)
{
  char *bytes = NULL;
  size_t len = 0;
  hs_error_t err;

  if (db == NULL)
    {
      tact_blob_append_u64 (out, 0);
      return TRUE;
    }
  if ((err = hs_serialize_database (db, &bytes, &len)) != HS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot serialize the vectorscan database (%d)", err);
      return FALSE;
    }
  tact_blob_append_u64 (out, len);
  g_byte_array_append (out, (const guint8 *) bytes, len);
  free (bytes);
  return TRUE;
}

gboolean
tact_matcher_serialize (TactMatcher *self,
                        GByteArray  *out,
                        GError     **error)
{
  g_return_val_if_fail (self != NULL && out != NULL, FALSE);

  tact_blob_append_u32 (out, self->patterns->len);
  tact_blob_append_u32 (out, self->timings.n_literals);
  for (guint i = 0; i < self->patterns->len; i++)
    {
      const PatternInfo *info = &g_array_index (self->patterns, PatternInfo, i);
      guint8 flags = (info->check_left ? FLAG_CHECK_LEFT : 0) |
                     (info->check_right ? FLAG_CHECK_RIGHT : 0);

      tact_blob_append_u32 (out, (guint32) info->rule);
      tact_blob_append_u32 (out, info->detector);
      tact_blob_append_u32 (out, info->item);
      tact_blob_append_u32 (out, info->length);
      g_byte_array_append (out, &flags, 1);
    }
  return append_database (out, self->literal_db, error) &&
         append_database (out, self->regex_db, error);
}

/* Reads one serialized database; FALSE (with @why) when it is cut short or vectorscan refuses
 * it (another version or platform: HS_DB_VERSION_ERROR, HS_DB_PLATFORM_ERROR; damaged). */
static gboolean
read_database (TactBlobReader  *reader,
               hs_database_t  **db,
               const char     **why)
{
  guint64 len = tact_blob_read_u64 (reader);
  const guint8 *bytes;

  if (len == 0)
    return reader->ok;
  if ((bytes = tact_blob_read (reader, len)) == NULL)
    {
      *why = "a database is cut short";
      return FALSE;
    }
  if (hs_deserialize_database ((const char *) bytes, len, db) != HS_SUCCESS)
    {
      *db = NULL;
      *why = "vectorscan refused a database";
      return FALSE;
    }
  return TRUE;
}

TactMatcher *
tact_matcher_new_from_serialized (GPtrArray          *rules,
                                  const char * const *allow_terms,
                                  TactBlobReader     *reader,
                                  const char        **why)
{
  g_autoptr(TactMatcher) self = g_new0 (TactMatcher, 1);
  /* The number of items of each (rule, detector), to check the table against the profile */
  g_autoptr(GPtrArray) n_items = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  guint n_allow = allow_terms != NULL ? g_strv_length ((char **) allow_terms) : 0;
  guint n_regex_items = 0, n_regex = 0, n_literal = 0;
  guint32 n_patterns;
  gint64 t0 = g_get_monotonic_time ();

  g_mutex_init (&self->lock);
  self->idle = g_ptr_array_new ();

  for (guint r = 0; r < rules->len; r++)
    {
      const TactRule *rule = g_ptr_array_index (rules, r);
      GArray *counts = g_array_sized_new (FALSE, TRUE, sizeof (guint), rule->detectors->len);

      for (guint d = 0; d < rule->detectors->len; d++)
        {
          const TactDetector *detector = g_ptr_array_index (rule->detectors, d);
          guint n = detector->items != NULL ? g_strv_length (detector->items) : 0;

          g_array_append_val (counts, n);
          if (detector->type == TACT_DETECTOR_REGEX)
            n_regex_items += n;
        }
      g_ptr_array_add (n_items, counts);
    }

  n_patterns = tact_blob_read_u32 (reader);
  self->timings.n_literals = tact_blob_read_u32 (reader);
  /* Bounded before allocating: a garbled count cannot ask for more than the blob holds. */
  if (!reader->ok || n_patterns > reader->left / PATTERN_BLOB_SIZE)
    {
      *why = "the pattern table is cut short";
      return NULL;
    }
  self->patterns = g_array_sized_new (FALSE, TRUE, sizeof (PatternInfo), n_patterns);

  for (guint i = 0; i < n_patterns; i++)
    {
      PatternInfo info = { 0 };
      const guint8 *flags;
      const TactDetector *detector;
      const TactRule *rule;

      info.rule = (gint32) tact_blob_read_u32 (reader);
      info.detector = tact_blob_read_u32 (reader);
      info.item = tact_blob_read_u32 (reader);
      info.length = tact_blob_read_u32 (reader);
      if ((flags = tact_blob_read (reader, 1)) == NULL)
        {
          *why = "the pattern table is cut short";
          return NULL;
        }
      info.check_left = (*flags & FLAG_CHECK_LEFT) != 0;
      info.check_right = (*flags & FLAG_CHECK_RIGHT) != 0;

      /* Every entry must point into this profile, as the scan trusts it. */
      if (info.rule == -1)
        {
          if (info.item >= n_allow || info.length == 0 || info.detector != 0)
            {
              *why = "an allow-term entry does not fit the profile";
              return NULL;
            }
          n_literal++;
        }
      else
        {
          if (info.rule < 0 || (guint) info.rule >= rules->len)
            {
              *why = "a pattern's rule is not in the profile";
              return NULL;
            }
          rule = g_ptr_array_index (rules, info.rule);
          if (info.detector >= rule->detectors->len ||
              info.item >= g_array_index ((GArray *) g_ptr_array_index (n_items, info.rule),
                                          guint, info.detector))
            {
              *why = "a pattern's detector or item is not in the profile";
              return NULL;
            }
          detector = g_ptr_array_index (rule->detectors, info.detector);
          if (detector->type == TACT_DETECTOR_TERMS && info.length > 0)
            n_literal++;
          else if (detector->type == TACT_DETECTOR_REGEX && info.length == 0)
            n_regex++;
          else
            {
              *why = "a pattern's kind does not match its detector";
              return NULL;
            }
        }
      g_array_append_val (self->patterns, info);
    }
  if (n_regex != n_regex_items)
    {
      *why = "the regexes do not match the profile's";
      return NULL;
    }

  if (!read_database (reader, &self->literal_db, why) ||
      !read_database (reader, &self->regex_db, why))
    return NULL;
  if (!reader->ok || reader->left != 0)
    {
      *why = reader->ok ? "trailing bytes" : "cut short";
      return NULL;
    }
  if ((self->literal_db != NULL) != (n_literal > 0) || (self->regex_db != NULL) != (n_regex > 0))
    {
      *why = "a database is missing or unexpected";
      return NULL;
    }

  if ((self->literal_db != NULL &&
       hs_alloc_scratch (self->literal_db, &self->prototype) != HS_SUCCESS) ||
      (self->regex_db != NULL &&
       hs_alloc_scratch (self->regex_db, &self->prototype) != HS_SUCCESS))
    {
      *why = "cannot allocate scratch space for the databases";
      return NULL;
    }

  self->timings.cached = (g_get_monotonic_time () - t0) / 1e6;
  return g_steal_pointer (&self);
}
