/* tact-policy-scan.c: the checks of one text against a profile's rules (split from
 * tact-policy.c): vectorscan hits, identifiers, exact matches and the classifier become
 * matches per rule; supporting keywords raise them, a harmless reading lowers words
 * (docs/classifier.md), and what is left becomes findings with offsets in the user's text.
 *
 * Nothing here logs message text or matched text.
 */
#define _GNU_SOURCE  /* memmem */
#include "tact-policy-private.h"
#include "tact-classifier.h"
#include "tact-profile-object.h"

#include <string.h>

/* The byte offset of every character of @text (valid UTF-8, @n_chars
 * characters), and of its end at [n_chars]: findings cut their matched text
 * in O(1) instead of walking from the start each time (g_utf8_substring()),
 * which made a long text with many findings quadratic. */
static gsize *
char_byte_offsets (const char *text,
                   glong       n_chars)
{
  gsize *offsets = g_new (gsize, n_chars + 1);
  const char *p = text;

  for (glong i = 0; i < n_chars; i++)
    {
      offsets[i] = p - text;
      p = g_utf8_next_char (p);
    }
  offsets[n_chars] = p - text;
  return offsets;
}

/* A match lowered below low by policy talk (only in RuleMatch, never in a finding). */
#define TACT_CONFIDENCE_DROPPED ((TactConfidence) -1)

/* A candidate match of one rule, before confidence and instance filtering. */
typedef struct {
  guint          detector;    /* index in the rule's detectors */
  const char    *kind;        /* identifier or token kind, or NULL */
  gsize          from;        /* normalised bytes */
  gsize          to;
  TactConfidence confidence;
  char          *value;       /* owned: for distinct-instance counting */
  double         score;       /* classifier matches: the class's probability, else 0 */
} RuleMatch;

static void
rule_match_clear (RuleMatch *match)
{
  g_clear_pointer (&match->value, g_free);
}

static gboolean
keyword_at_boundaries (const char *text,
                       gsize       len,
                       gsize       from,
                       gsize       to,
                       const char *keyword)
{
  const char *last = g_utf8_find_prev_char (keyword, keyword + strlen (keyword));

  if (tact_unichar_is_word (g_utf8_get_char (keyword)) && from > 0)
    {
      const char *prev = g_utf8_find_prev_char (text, text + from);
      if (prev != NULL && tact_unichar_is_word (g_utf8_get_char (prev)))
        return FALSE;
    }
  if (last != NULL && tact_unichar_is_word (g_utf8_get_char (last)) && to < len &&
      tact_unichar_is_word (g_utf8_get_char (text + to)))
    return FALSE;
  return TRUE;
}

/* Whether one of @keywords (normalised) occurs in @text at word boundaries. */
static gboolean
has_cue (const GPtrArray *keywords,
         const char      *text,
         gsize            len)
{
  for (guint k = 0; keywords != NULL && k < keywords->len; k++)
    {
      const char *keyword = g_ptr_array_index (keywords, k);
      gsize klen = strlen (keyword);

      /* memmem, not g_strstr_len: glib's compares at every position. */
      for (const char *p = memmem (text, len, keyword, klen); p != NULL;
           p = memmem (p + 1, text + len - (p + 1), keyword, klen))
        if (keyword_at_boundaries (text, len, p - text, p - text + klen, keyword))
          return TRUE;
    }
  return FALSE;
}

/* TRUE if one of @detector's support keywords is within its window (in
 * characters of the normalised text) of [from, to). */
static gboolean
has_support (const TactDetector *detector,
             const char         *text,
             gsize               len,
             gsize               from,
             gsize               to)
{
  const char *start = text + from;
  const char *end = text + to;

  if (detector->support_norm == NULL || detector->support_norm->len == 0)
    return FALSE;

  for (guint i = 0; i < detector->support_window && start > text; i++)
    start = g_utf8_find_prev_char (text, start);
  for (guint i = 0; i < detector->support_window && end < text + len; i++)
    end = g_utf8_next_char (end);
  if (start == NULL)
    start = text;
  if (end > text + len)
    end = text + len;

  for (guint k = 0; k < detector->support_norm->len; k++)
    {
      const char *keyword = g_ptr_array_index (detector->support_norm, k);
      gsize klen = strlen (keyword);

      for (const char *p = memmem (start, end - start, keyword, klen); p != NULL;
           p = memmem (p + 1, end - (p + 1), keyword, klen))
        {
          gsize kfrom = p - text;

          /* The keyword must not be the finding itself. */
          if (kfrom < to && kfrom + klen > from)
            continue;
          if (keyword_at_boundaries (text, len, kfrom, kfrom + klen, keyword))
            return TRUE;
        }
    }
  return FALSE;
}

static int
compare_rule_matches (gconstpointer a,
                      gconstpointer b)
{
  const RuleMatch *ma = a, *mb = b;

  if (ma->from != mb->from)
    return ma->from < mb->from ? -1 : 1;
  if (ma->to != mb->to)
    return ma->to > mb->to ? -1 : 1;
  return ma->confidence > mb->confidence ? -1 : ma->confidence < mb->confidence;
}

/* Too little text to read a meaning from ("ok", "msg 001", a code alone): the classifier
 * is not asked, as its reading of a word or two is mostly its bias. Identifiers and
 * terms still see such a message. */
#define TACT_CLASSIFIER_MIN_LETTERS 4
/* Nor is a reading of fewer letters than this trusted to lower words without a cue: "密级：
 * 秘密级" read as a title. */
#define TACT_CONTEXT_WITHOUT_CUE_MIN_LETTERS 12
#define TACT_CLASSIFIER_MAX_FILE_BYTES (16 * 1024)

/* The letters of @text, counted up to @most. */
static guint
count_letters (const char *text,
               gsize       len,
               guint       most)
{
  guint n = 0;

  for (const char *p = text; p < text + len && n < most;
       p = g_utf8_next_char (p))
    n += g_unichar_isalpha (g_utf8_get_char (p));
  return n;
}

/* A classifier detector's matches: when its class is the rule the message most likely
 * breaks and the probability that it breaks one reaches min_score (tact_classifier_violation),
 * one match per span of the words that weighed most for the class (tact_classifier_explain),
 * so the dialog can quote them. */
static void
collect_classifier_matches (TactProfile        *self,
                            guint               d,
                            const TactDetector *detector,
                            const char         *norm,
                            gsize               len,
                            const TactReading  *reading,
                            GArray             *matches)
{
  guint top;
  double score = tact_reading_get_violation (reading, &top);
  TactConfidence confidence = score >= 0.9 ? TACT_CONFIDENCE_HIGH
                              : score >= 0.7 ? TACT_CONFIDENCE_MEDIUM : TACT_CONFIDENCE_LOW;
  g_autoptr(GArray) spans = NULL;

  if ((guint) detector->class_index != top || score < detector->min_score ||
      (detector->max_score < 1.0 && score >= detector->max_score))
    return;
  spans = tact_classifier_explain_reading (self->classifier, reading, norm, detector->class_index, 3);
  if (spans->len == 0)
    {
      TactFeatureHit whole = { 0, 0, len };
      g_array_append_val (spans, whole);
    }
  for (guint i = 0; i < spans->len; i++)
    {
      const TactFeatureHit *span = &g_array_index (spans, TactFeatureHit, i);
      RuleMatch match = { d, detector->category, span->from, span->to, confidence,
                          g_strdup (detector->category), score };

      g_array_append_val (matches, match);
    }
}

/* Collects the matches of rule @r: term/regex hits (from the vectorscan scan),
 * identifiers (from one shared C scan), exact-match tokens and classifier classes
 * (@scores, NULL when the profile has no classifier or the text is an attachment's). */
static void
collect_rule_matches (TactProfile  *self,
                      guint         r,
                      const char   *norm,
                      gsize         len,
                      GArray       *hits,
                      guint        *hit_index,
                      GArray       *ids,
                      const TactReading *reading,
                      GArray       *matches)
{
  const TactRule *rule = g_ptr_array_index (self->data->rules, r);

  for (; *hit_index < hits->len; (*hit_index)++)
    {
      const TactHit *hit = &g_array_index (hits, TactHit, *hit_index);
      RuleMatch match = { hit->detector, NULL, hit->from, hit->to, TACT_CONFIDENCE_MEDIUM, NULL, 0 };

      if (hit->rule != r)
        break;
      match.value = g_strndup (norm + hit->from, hit->to - hit->from);
      g_array_append_val (matches, match);
    }

  for (guint d = 0; d < rule->detectors->len; d++)
    {
      const TactDetector *detector = g_ptr_array_index (rule->detectors, d);

      if (detector->type == TACT_DETECTOR_IDENTIFIER && ids != NULL)
        {
          for (guint i = 0; i < ids->len; i++)
            {
              const TactCandidate *c = &g_array_index (ids, TactCandidate, i);
              RuleMatch match = { d, tact_id_kind_to_string (c->kind), c->from, c->to,
                                  c->confidence, NULL, 0 };
              gboolean known = FALSE;

              if (!(detector->kinds & (1u << c->kind)))
                continue;
              for (guint h = 0; c->kind == TACT_ID_URL && detector->known_hosts != NULL &&
                                detector->known_hosts[h] != NULL && !known; h++)
                known = tact_host_matches (c->value, detector->known_hosts[h]);
              if (known)
                continue;
              match.value = g_strdup (c->value);
              g_array_append_val (matches, match);
            }
        }
      else if (detector->type == TACT_DETECTOR_EXACT)
        {
          g_autoptr(GArray) tokens = tact_exact_scan (detector, norm, len);

          for (guint i = 0; i < tokens->len; i++)
            {
              TactCandidate *c = &g_array_index (tokens, TactCandidate, i);
              RuleMatch match = { d, tact_token_kind_to_string (c->kind), c->from, c->to,
                                  c->confidence, g_steal_pointer (&c->value), 0 };

              g_array_append_val (matches, match);
            }
        }
      else if (detector->type == TACT_DETECTOR_CLASSIFIER && reading != NULL)
        collect_classifier_matches (self, d, detector, norm, len, reading, matches);
      else if (detector->type == TACT_DETECTOR_NEARBY)
        {
          g_autoptr(GArray) spans = tact_nearby_scan (detector, norm, len);

          for (guint i = 0; i < spans->len; i++)
            {
              const TactNearbySpan *span = &g_array_index (spans, TactNearbySpan, i);
              RuleMatch match = { d, NULL, span->from, span->to, TACT_CONFIDENCE_MEDIUM,
                                  g_strndup (norm + span->from, span->to - span->from), 0 };

              g_array_append_val (matches, match);
            }
        }
    }
}

void
tact_profile_scan_text (TactProfile        *self,
                        const TactOutgoing *outgoing,
                        const char         *text,
                        const char         *attachment,
                        TactVerdict        *verdict)
{
  g_autoptr(TactNormalized) norm = NULL;
  g_autoptr(GArray) hits = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *valid_text = NULL;
  g_autofree char *leet = NULL;       /* the leetspeak view, for terms and passwords */
  g_autofree gsize *char_bytes = NULL;  /* built for the first finding */
  const char *ntext;
  gsize nlen;
  guint hit_index = 0;
  TactLang lang = tact_lang_current ();
  g_autoptr(TactReading) reading = NULL;
  const double *scores = NULL;
  gboolean have_scores = FALSE;
  gboolean harmless = FALSE;

  g_return_if_fail (TACT_IS_PROFILE (self));
  g_return_if_fail (outgoing != NULL && verdict != NULL);

  if (text == NULL || text[0] == '\0')
    return;

  /* Offsets refer to the text as the user sees it; invalid bytes show as U+FFFD. */
  if (!g_utf8_validate (text, -1, NULL))
    text = valid_text = g_utf8_make_valid (text, -1);

  norm = tact_normalized_new (text, -1);
  ntext = norm->text->str;
  nlen = norm->text->len;
  leet = tact_leet_view (ntext, nlen);

  if (self->fail_scan)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "scan failure injected by a test");
  else
    hits = tact_matcher_scan_checked (self->matcher, ntext, nlen, leet, &error);
  if (hits == NULL)
    {
      tact_verdict_add_guard_error (verdict, attachment, error->message);
      hits = g_array_new (FALSE, FALSE, sizeof (TactHit));
    }

  if (self->id_kinds != 0)
    ids = tact_identifiers_scan (ntext, nlen, leet, self->id_kinds);

  /* The classifier reads the message's own text; a file's text up to
   * TACT_CLASSIFIER_MAX_FILE_BYTES (a notice, notes) only for its context — a training
   * notice that mentions 机密 lowers its words as a message would — never for findings of
   * its own: it learnt from chat messages, and read "Agenda" or "Lunch menu" alone as
   * something (docs/classifier.md). */
  if (self->classifier != NULL &&
      (attachment == NULL || nlen <= TACT_CLASSIFIER_MAX_FILE_BYTES) &&
      count_letters (ntext, nlen, TACT_CLASSIFIER_MIN_LETTERS) >= TACT_CLASSIFIER_MIN_LETTERS)
    {
      guint top;
      double p_harmless, p_kind = 0;

      reading = tact_classifier_read (self->classifier, ntext, nlen);
      scores = tact_reading_get_scores (reading);
      have_scores = TRUE;
      p_harmless = 1.0 - tact_reading_get_violation (reading, &top);
      /* Without a cue, the reading must also say which harmless kind the text is: a
       * short "this is confidential" is harmless by the sum (department, policy talk,
       * title…) and sure of none of them. And it must be a message: a file's name or
       * text is not what the classifier learnt from ("confidential_report.txt" read
       * as a department), so files need a cue. */
      for (guint c = 0; c < tact_classifier_get_n_classes (self->classifier); c++)
        if (tact_classifier_is_harmless (self->classifier, c))
          p_kind = MAX (p_kind, scores[c]);
      harmless = self->data->harmless_min_score > 0 &&
                 p_harmless >= self->data->harmless_min_score &&
                 ((self->data->without_cue_min_score > 0 && attachment == NULL &&
                   p_kind >= self->data->without_cue_min_score &&
                   count_letters (ntext, nlen, TACT_CONTEXT_WITHOUT_CUE_MIN_LETTERS) >=
                   TACT_CONTEXT_WITHOUT_CUE_MIN_LETTERS) ||
                  has_cue (self->data->context_cues, ntext, nlen)) &&
                 !has_cue (self->data->context_sending_cues, ntext, nlen);
    }

  for (guint r = 0; r < self->data->rules->len; r++)
    {
      const TactRule *rule = g_ptr_array_index (self->data->rules, r);
      g_autoptr(GArray) matches = NULL;
      g_autoptr(GHashTable) values = NULL;
      gsize last_from = G_MAXSIZE, last_to = 0;
      gboolean excused;

      if (!tact_profile_rule_applies (self, rule, outgoing))
        {
          while (hit_index < hits->len && g_array_index (hits, TactHit, hit_index).rule <= r)
            hit_index++;
          continue;
        }

      matches = g_array_new (FALSE, FALSE, sizeof (RuleMatch));
      g_array_set_clear_func (matches, (GDestroyNotify) rule_match_clear);
      collect_rule_matches (self, r, ntext, nlen, hits, &hit_index, ids,
                            attachment == NULL ? reading : NULL, matches);
      if (matches->len == 0)
        continue;

      excused = have_scores && rule->unless_class >= 0 &&
                scores[rule->unless_class] >= rule->unless_min_score &&
                (rule->unless_cues == NULL || has_cue (rule->unless_cues, ntext, nlen));

      /* Confidence: supporting keywords nearby raise it one level; then drop
       * what is below the rule's minimum. */
      values = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < matches->len; i++)
        {
          RuleMatch *m = &g_array_index (matches, RuleMatch, i);
          const TactDetector *detector = g_ptr_array_index (rule->detectors, m->detector);

          if (m->confidence < TACT_CONFIDENCE_HIGH &&
              has_support (detector, ntext, nlen, m->from, m->to))
            m->confidence++;
          /* The rule's own exception: its words drop when the message reads as one
           * harmless kind ("unless": an ordinary list-price quote). */
          if (excused &&
              (detector->type == TACT_DETECTOR_TERMS || detector->type == TACT_DETECTOR_REGEX))
            {
              m->confidence = TACT_CONFIDENCE_DROPPED;
              continue;
            }
          /* A message that reads as harmless and shows why — talk about the policy
           * ("客户名单不得外传"), a training notice, a film title in 《》, a department's
           * name (the profile's context cues), or that reads clearly as one harmless
           * kind — and hands nothing over ("这份…", "附件", "attached": its sending cues)
           * lowers words and nearby shapes ("工资什么时候发？这个月15号…") one level, and
           * one left at low is dropped; identifiers, exact data and the classifier's own
           * findings stand. */
          if (harmless && rule->lowered_in_context &&
              (detector->type == TACT_DETECTOR_TERMS || detector->type == TACT_DETECTOR_REGEX ||
               detector->type == TACT_DETECTOR_NEARBY))
            {
              if (m->confidence == TACT_CONFIDENCE_LOW)
                m->confidence = TACT_CONFIDENCE_DROPPED;
              else if (--m->confidence == TACT_CONFIDENCE_LOW)
                m->confidence = TACT_CONFIDENCE_DROPPED;
            }
        }
      g_array_sort (matches, compare_rule_matches);
      for (guint i = 0; i < matches->len; i++)
        {
          RuleMatch *m = &g_array_index (matches, RuleMatch, i);

          if (m->confidence != TACT_CONFIDENCE_DROPPED && m->confidence >= rule->min_confidence)
            g_hash_table_add (values, m->value);
        }
      if (g_hash_table_size (values) < rule->min_instances)
        continue;

      for (guint i = 0; i < matches->len; i++)
        {
          const RuleMatch *m = &g_array_index (matches, RuleMatch, i);
          const TactDetector *detector = g_ptr_array_index (rule->detectors, m->detector);
          g_autofree char *identifier_name = NULL;
          g_autofree char *matched = NULL;
          const char *detector_name;
          TactFinding *finding;
          glong start, end;

          if (m->confidence == TACT_CONFIDENCE_DROPPED || m->confidence < rule->min_confidence)
            continue;
          /* One finding per span and rule (sorted: the most confident first). */
          if (m->from == last_from && m->to == last_to)
            continue;
          last_from = m->from;
          last_to = m->to;

          if (m->kind != NULL && (detector->type == TACT_DETECTOR_IDENTIFIER ||
                                  detector->type == TACT_DETECTOR_CLASSIFIER))
            detector_name = identifier_name = g_strdup_printf ("%s:%s",
                                                               tact_detector_type_to_string (detector->type),
                                                               m->kind);
          else
            detector_name = tact_detector_type_to_string (detector->type);
          tact_normalized_map_span (norm, m->from, m->to, &start, &end);
          if (char_bytes == NULL)
            char_bytes = char_byte_offsets (text, norm->n_chars);
          matched = g_strndup (text + char_bytes[start], char_bytes[end] - char_bytes[start]);
          finding = tact_verdict_add_finding_in (verdict, rule, outgoing, detector_name, start, end,
                                            matched, m->confidence, attachment, lang);
          finding->score = m->score;
        }
    }
}
