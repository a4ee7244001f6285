/* tact-policy-private.h: API shared between the files of src/policy (and its tests).
 *
 * Nothing here is stable: the session and UI layers use tact-policy.h only.
 * This header deliberately does not include <hs.h> or <opencc.h>, so tests can
 * use it without those include paths.
 */
#pragma once

#include "tact-policy.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------- */
/* Languages of the localised strings in a profile                           */
/* ------------------------------------------------------------------------- */

typedef enum {
  TACT_LANG_EN,
  TACT_LANG_ZH_CN,
  TACT_LANG_ZH_TW,
  TACT_N_LANGS
} TactLang;

/* The JSON keys of a localised object, indexed by TactLang. */
extern const char * const tact_lang_keys[TACT_N_LANGS];

/* The user's language, from g_get_language_names(): zh_TW/zh_HK/zh_MO/zh-Hant
 * → TACT_LANG_ZH_TW, other zh* → TACT_LANG_ZH_CN, anything else → TACT_LANG_EN. */
TactLang tact_lang_current (void);

typedef struct {
  char *text[TACT_N_LANGS];  /* owned; all set, or all NULL when absent */
} TactLocalized;

const char *tact_localized_get   (const TactLocalized *loc, TactLang lang);
void        tact_localized_clear (TactLocalized *loc);

/* ------------------------------------------------------------------------- */
/* Normalisation (tact-normalize.c)                                          */
/* ------------------------------------------------------------------------- */

/* A normalised copy of a text plus, for every byte of it, the character
 * offset in the original text that produced it. */
typedef struct {
  GString *text;     /* owned: normalised UTF-8 */
  GArray  *offsets;  /* owned: glong per byte of text, original character offset */
  glong    n_chars;  /* number of characters in the original text */
} TactNormalized;

/* @text must be valid UTF-8. */
TactNormalized *tact_normalized_new  (const char *text, gssize len);
void            tact_normalized_free (TactNormalized *norm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactNormalized, tact_normalized_free)

/* Maps the normalised byte span [byte_start, byte_end) back to the original
 * character span [*start, *end). */
void tact_normalized_map_span (const TactNormalized *norm,
                               gsize                 byte_start,
                               gsize                 byte_end,
                               glong                *start,
                               glong                *end);

/* Normalises a term (or any short string) without the offset map. */
char    *tact_normalize_string (const char *text);

/* Han, Kana, Hangul, Bopomofo: scripts written without spaces between words. */
gboolean tact_unichar_is_cjk   (gunichar c);
/* A letter or digit of a script that separates words with spaces: Latin
 * terms only match when not preceded or followed by one. */
gboolean tact_unichar_is_word  (gunichar c);

/* The normalised simplified/traditional variants of @term (including @term
 * itself), without duplicates. OpenCC is used when available. */
GPtrArray *tact_term_variants (const char *term);

/* ------------------------------------------------------------------------- */
/* Rules (tact-profile-loader.c)                                             */
/* ------------------------------------------------------------------------- */

typedef enum {
  TACT_DETECTOR_TERMS,
  TACT_DETECTOR_REGEX,
} TactDetectorType;

const char *tact_detector_type_to_string (TactDetectorType type);

typedef struct {
  TactDetectorType  type;
  GStrv             items;  /* owned: terms (as written) or regex patterns */
} TactDetector;

struct _TactRule {
  char          *id;                  /* owned */
  TactLocalized  title;
  TactLocalized  explanation;
  TactLocalized  alternative;         /* all NULL unless given */
  GStrv          clauses;             /* owned, policy-digest ids */
  GPtrArray     *detectors;           /* owned, element-type TactDetector */
  /* conditions */
  guint          min_external;
  guint          min_members;
  guint          room_kinds;          /* bit mask of 1 << TactRoomKind */
  TactAction     action;
  TactAction     action_if_external;  /* == action when not given */
  char          *example;             /* owned, may be NULL */
};

void tact_rule_free (TactRule *rule);

/* The parsed content of a profile, before compilation. */
typedef struct {
  char          *id;
  char          *version;
  TactLocalized  name;
  GPtrArray     *rules;        /* element-type TactRule */
  GStrv          allow_terms;
} TactProfileData;

void              tact_profile_data_free (TactProfileData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactProfileData, tact_profile_data_free)

/* Parses and validates a profile. On error every problem found is listed, one
 * per line, each starting with its JSON path ("$.rules[3].action: …"). */
TactProfileData *tact_profile_data_parse (GBytes  *json,
                                          GError **error);

/* ------------------------------------------------------------------------- */
/* Matching (tact-matcher.c)                                                 */
/* ------------------------------------------------------------------------- */

typedef struct _TactMatcher TactMatcher;

/* One match in normalised text, after word-boundary checks, allow-term
 * suppression and merging of nested matches of the same rule. */
typedef struct {
  guint rule;        /* index in the rules array */
  guint detector;    /* index in that rule's detectors */
  gsize from;        /* normalised byte offsets, [from, to) */
  gsize to;
} TactHit;

TactMatcher *tact_matcher_new  (GPtrArray          *rules,
                                const char * const *allow_terms,
                                GError            **error);
void         tact_matcher_free (TactMatcher *matcher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactMatcher, tact_matcher_free)

/* Thread-safe. Returns element-type TactHit, sorted by rule then start. */
GArray      *tact_matcher_scan (TactMatcher *matcher,
                                const char  *norm_text,
                                gsize        len);

/* Checks a single regex pattern's syntax; sets a message on failure. */
gboolean     tact_regex_check  (const char  *pattern,
                                char       **message);

G_END_DECLS
