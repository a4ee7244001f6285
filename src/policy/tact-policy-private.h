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
/* Replaces the content of @out with the normalisation of @len bytes of
 * valid UTF-8 at @text, without the offset map; reuses @out's allocation
 * (bulk scanning, tact-scan.c). */
void     tact_normalize_into   (GString    *out,
                                const char *text,
                                gsize       len);

/* Han, Kana, Hangul, Bopomofo: scripts written without spaces between words. */
gboolean tact_unichar_is_cjk   (gunichar c);
/* A letter or digit of a script that separates words with spaces: Latin
 * terms only match when not preceded or followed by one. */
gboolean tact_unichar_is_word  (gunichar c);

/* The normalised simplified/traditional variants of @term (including @term
 * itself), without duplicates. OpenCC is used when available. */
GPtrArray *tact_term_variants (const char *term);
/* tact_term_variants() of each of @n_terms @terms (element-type GPtrArray,
 * in the same order), with one OpenCC call per configuration for all of them
 * instead of one per term: a 100k-term profile spent seconds in per-call
 * overhead. */
GPtrArray *tact_term_variants_many (const char * const *terms,
                                    guint               n_terms);

/* Pinyin spellings of an all-Han @term (normalised), for matching typed pinyin
 * (tact-pinyin.c); empty for other terms. Element-type utf8. */
#define TACT_PINYIN_MAX_CHARS  8
#define TACT_PINYIN_MAX_COMBOS 4
/* Han and pinyin mixed inside a term (ke户名单): terms of up to this many characters,
 * 2^n − 2 forms each. */
#define TACT_PINYIN_MAX_MIXED  4
/* At most this many pinyin literals per profile (start time and memory of a
 * 100k-term profile); terms past it get none, the first ones in profile order do. */
#define TACT_PINYIN_BUDGET     60000
GPtrArray *tact_pinyin_forms (const char *term);

/* @len bytes of normalised @text with each leetspeak word (letters mixed with
 * 0 1 3 4 5 7 @ $: s3cr3t, p@ssw0rd) folded to letters, byte for byte, or NULL
 * when there is none. Scanned for terms besides the text (tact-matcher.c). */
char *tact_leet_view (const char *text, gsize len);

/* The simplified form of traditional Han character @c (Unihan kSimplifiedVariant,
 * tact-hanfold-table.c), or @c (classifier features). */
gunichar tact_han_simplify (gunichar c);

/* ------------------------------------------------------------------------- */
/* Rules (tact-profile-loader.c)                                             */
/* ------------------------------------------------------------------------- */

typedef enum {
  TACT_DETECTOR_TERMS,
  TACT_DETECTOR_REGEX,
  TACT_DETECTOR_IDENTIFIER,  /* validated identifiers (tact-identifiers.c) */
  TACT_DETECTOR_EXACT,       /* salted SHA-256 exact data match (tact-exact.c) */
  TACT_DETECTOR_CLASSIFIER,  /* a class of the message classifier (tact-classifier.c);
                              * items is an empty array */
  TACT_DETECTOR_NEARBY,      /* groups of words and shapes within a window (tact-nearby.c);
                              * items is an empty array */
  /* Attachment detectors (tact-attachment.c): items is an empty array, so the
   * matcher has nothing to compile for them. */
  TACT_DETECTOR_CLASSIFICATION,  /* a label or marking of one of the levels */
  TACT_DETECTOR_FILE_TYPE,       /* executables and scripts, content/extension mismatch */
  TACT_DETECTOR_UNINSPECTABLE,   /* encrypted, too deep, too large, zip bombs */
} TactDetectorType;

const char *tact_detector_type_to_string (TactDetectorType type);

/* Kinds of the "identifier" detector. */
typedef enum {
  TACT_ID_PRC_ID,       /* PRC resident id, GB 11643 */
  TACT_ID_USCC,         /* Unified Social Credit Code, GB 32100 */
  TACT_ID_BANK_CARD,    /* Luhn */
  TACT_ID_CN_MOBILE,
  TACT_ID_EMAIL,
  TACT_ID_IBAN,         /* ISO 13616, mod 97 */
  TACT_ID_HK_ID,
  TACT_ID_TW_ID,
  TACT_ID_PRIVATE_KEY,  /* PEM private key blocks */
  TACT_ID_API_TOKEN,    /* AWS, GitHub, Slack, sk-…, JWT */
  TACT_ID_PASSWORD,     /* 密码：…, password=… */
  TACT_ID_URL,          /* links; hosts in known_hosts are not reported */
  TACT_N_ID_KINDS
} TactIdKind;

const char *tact_id_kind_to_string   (TactIdKind kind);
gboolean    tact_id_kind_from_string (const char *str, TactIdKind *out);

/* Token kinds of the "exact" detector. */
typedef enum {
  TACT_TOKEN_NAME,   /* CJK runs of 2–4 characters, Latin words and word pairs */
  TACT_TOKEN_PHONE,  /* digit runs (separators dropped) */
  TACT_TOKEN_ID,     /* digit runs with an optional final x, letter+digit tokens */
  TACT_TOKEN_EMAIL,
  TACT_N_TOKEN_KINDS
} TactTokenKind;

const char *tact_token_kind_to_string   (TactTokenKind kind);
gboolean    tact_token_kind_from_string (const char *str, TactTokenKind *out);

#define TACT_SUPPORT_WINDOW_DEFAULT 300

typedef struct {
  TactDetectorType  type;
  GStrv             items;          /* owned: terms (as written) or regex patterns; NULL for
                                     * identifier and exact detectors */
  /* identifier */
  guint             kinds;          /* bit mask of 1 << TactIdKind */
  GStrv             known_hosts;    /* owned, may be NULL: url hosts not reported */
  /* exact */
  GBytes           *salt;           /* owned */
  GHashTable       *hashes;         /* owned: set of lower-case hex SHA-256 strings */
  guint             token_kinds;    /* bit mask of 1 << TactTokenKind */
  /* support: keywords near a finding raise its confidence one level */
  GStrv             support;        /* owned, may be NULL: keywords as written */
  GPtrArray        *support_norm;   /* owned, may be NULL: normalised keywords and variants */
  guint             support_window; /* characters on each side */
  /* attachments (tact-attachment.c) */
  GStrv             levels;         /* owned, classification: normalised levels, else NULL */
  gboolean          executable;     /* file_type: executables and scripts */
  gboolean          mismatch;       /* file_type: content type differs from the extension's */
  /* classifier */
  char             *category;       /* owned: the class */
  double            min_score;      /* the violation probability must reach this; default 0.5 */
  double            max_score;      /* … and stay below this (unless 1); default 1 */
  int               class_index;    /* in the model, set when the profile is compiled */
  /* nearby */
  GPtrArray        *groups;         /* owned, element-type TactNearbyGroup */
  guint             window;         /* characters */
  struct _TactNearbyIndex *nearby_index;  /* owned: the groups' words by first character */
} TactDetector;

/* The "nearby" detector (tact-nearby.c). */
typedef struct _TactNearbyGroup TactNearbyGroup;
typedef struct {
  gsize from;  /* normalised bytes */
  gsize to;
} TactNearbySpan;

typedef struct _TactNearbyIndex TactNearbyIndex;
void    tact_nearby_group_free (TactNearbyGroup *group);
void    tact_nearby_index_free (TactNearbyIndex *index);
/* Every stretch of @detector->window characters of @text (normalised) that holds one
 * occurrence of each group, overlapping stretches merged (element-type TactNearbySpan). */
GArray *tact_nearby_scan       (const TactDetector *detector,
                                const char         *text,
                                gsize               len);

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
  TactConfidence min_confidence;      /* findings below are dropped; default low */
  guint          min_instances;       /* distinct matched values needed; default 1 */
  char          *approver_role;       /* owned; set iff the rule can approve */
  GStrv          approver_users;      /* owned, may be NULL: Matrix ids */
  GStrv          approvers;           /* owned, never NULL after parsing: approver_users
                                       * then the users of approver_role in the profile's
                                       * roles, de-duplicated */
  gboolean       shadow;              /* format 2: findings recorded, never shown or acted on */
  gboolean       lowered_in_context;  /* listed in "context.rules": its words are lowered in
                                       * a message the classifier reads as harmless */
  char          *unless_category;     /* format 2 "unless": owned, a harmless class, or NULL */
  double         unless_min_score;    /* its probability at which the rule's words drop */
  int            unless_class;        /* in the model, set when the profile is compiled */
  GPtrArray     *unless_cues;         /* owned, may be NULL: one must occur, normalised */
};

void tact_rule_free (TactRule *rule);

/* The parsed content of a profile, before compilation. */
typedef struct {
  char          *id;
  char          *version;
  TactLocalized  name;
  GPtrArray     *rules;        /* element-type TactRule */
  GStrv          allow_terms;
  /* format 2 (defaults in format 1) */
  guint          format;                    /* 1 or 2 */
  GHashTable    *roles;                     /* owned: role → GStrv of Matrix user ids */
  char          *approvals_room;            /* owned, may be NULL: room id or alias */
  guint          approval_expiry_hours;     /* default 72 */
  char          *supervision_room;          /* owned, may be NULL: room id or alias */
  gboolean       audit_include_content;     /* default FALSE */
  guint          announcement_min_members;  /* 0: no threshold */
  GStrv          company_homeservers;       /* owned, may be NULL: the company's servers */
  GStrv          company_outsiders;         /* owned, may be NULL: user id patterns (glob) of
                                             * outsiders with accounts on those servers */
  gboolean       company_pinned;            /* ACC-1: work only through accounts on those servers */
  guint          retention_keep_days;       /* REC-1/REC-5: history kept this long; 0: unset */
  guint          retention_findings_days;   /* messages with findings kept this long; 0: unset */
  gboolean       retention_delete_expired;  /* REC-5: expired history deleted irrecoverably */
  double         harmless_min_score;        /* "context": 0 when unset (docs/classifier.md) */
  GPtrArray     *context_cues;              /* owned, may be NULL: normalised cue variants */
  double         without_cue_min_score;     /* "context": harmless enough without a cue; 0: never */
  GPtrArray     *context_sending_cues;      /* owned, may be NULL: words of handing something
                                             * over (这份, 附件, attached): no lowering */
  /* "training" (tact-profile-training.c) */
  guint          training_pass_mark;        /* percent; TACT_TRAINING_DEFAULT_PASS_MARK */
  guint          training_interval_days;    /* 0: a completion counts for ever */
  char          *training_since_version;    /* owned, may be NULL */
  TactTrainingGate training_gate;
  GPtrArray     *training_cases;            /* owned, element-type TactTrainingCase */
  GPtrArray     *training_modules;          /* owned, element-type TactTrainingModule */
} TactProfileData;

void tact_training_case_free   (TactTrainingCase   *training_case);
void tact_training_module_free (TactTrainingModule *module);

void              tact_profile_data_free (TactProfileData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactProfileData, tact_profile_data_free)

/* The loader's bounds (docs/profile.md, "Limits"): over any of them the load
 * fails with TACT_POLICY_ERROR_LIMIT before any expensive work. The first
 * five are checked on the bytes, before json-glib sees them (its parser
 * recurses per nesting level and costs ~0.5 µs and ~100 bytes per value);
 * the others on the parsed tree, before validation, variants and compiling. */
#define TACT_PROFILE_MAX_BYTES         (64 * 1024 * 1024)  /* the document */
#define TACT_PROFILE_MAX_DEPTH         64       /* nested arrays and objects */
#define TACT_PROFILE_MAX_VALUES        1500000  /* JSON values of any kind */
#define TACT_PROFILE_MAX_CONTAINERS    100000   /* arrays and objects */
#define TACT_PROFILE_MAX_MEMBERS       256      /* keys of one object (json-glib looks a
                                                 * repeated key up in a list: quadratic) */
#define TACT_PROFILE_MAX_RULES         1000
#define TACT_PROFILE_MAX_DETECTORS     100      /* per rule */
#define TACT_PROFILE_MAX_TERMS         500000   /* all "terms" detectors together */
#define TACT_PROFILE_MAX_TERM_CHARS    256      /* a term, allow term or keyword */
#define TACT_PROFILE_MAX_ALLOW_TERMS   50000
#define TACT_PROFILE_MAX_KEYWORDS      10000    /* all "support" keywords together */
#define TACT_PROFILE_MAX_PATTERNS      256      /* all "regex" patterns together */
#define TACT_PROFILE_MAX_PATTERN_CHARS 1024
#define TACT_PROFILE_MAX_HASHES        500000   /* all "exact" hashes together */

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

/* Where loading a profile spent its time, in seconds (benchmarks). */
typedef struct {
  double parse;       /* JSON parsing and validation (tact_profile_data_parse) */
  double variants;    /* normalised terms and their OpenCC variants */
  double compile;     /* hs_compile_lit_multi and hs_compile_multi */
  guint  n_literals;  /* literal patterns compiled (terms, variants, allow terms) */
  double cached;      /* added: the derived data read from a cache blob instead (checks,
                       * hs_deserialize_database, scratch); then variants and compile are 0 */
} TactLoadTimings;

/* The matcher's share of the load (parse is 0). */
const TactLoadTimings *tact_matcher_get_timings (TactMatcher *matcher);
/* The whole load of @self, parse included. */
const TactLoadTimings *tact_profile_get_load_timings (TactProfile *self);

/* Thread-safe. Returns element-type TactHit, sorted by rule then start, or NULL
 * with @error when vectorscan cannot scan (no scratch, scan error): the caller must
 * fail closed. @leet is tact_leet_view() of @norm_text, computed once by the caller
 * for this scan and the identifiers' (NULL: the text has no leetspeak word). */
GArray      *tact_matcher_scan_checked (TactMatcher *matcher,
                                        const char  *norm_text,
                                        gsize        len,
                                        const char  *leet,
                                        GError     **error);

/* Scans a UTF-8 text stream through the message path (normalise, match) in
 * chunks split at line breaks, and sets *@n_hits to the number of hits
 * (tact-scan.c). Invalid UTF-8 is replaced. FALSE with @error on a read or
 * scan failure. */
gboolean     tact_matcher_scan_stream (TactMatcher   *matcher,
                                       GInputStream  *stream,
                                       guint64       *n_hits,
                                       GCancellable  *cancellable,
                                       GError       **error);

/* The profile cache (tact_profile_dup_compiled, docs/profile.md "The compiled cache").
 * A blob is read through a bounded cursor: every read checks what is left, and once one
 * fails, ok stays FALSE and every later read returns 0 or NULL. Little-endian. */
typedef struct {
  const guint8 *p;
  gsize         left;
  gboolean      ok;
} TactBlobReader;

static inline const guint8 *
tact_blob_read (TactBlobReader *reader,
                guint64         n)
{
  const guint8 *p = reader->p;

  if (!reader->ok || n > reader->left)
    {
      reader->ok = FALSE;
      return NULL;
    }
  reader->p += n;
  reader->left -= n;
  return p;
}

static inline guint32
tact_blob_read_u32 (TactBlobReader *reader)
{
  const guint8 *p = tact_blob_read (reader, 4);

  return p == NULL ? 0 : (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 |
                         (guint32) p[3] << 24;
}

static inline guint64
tact_blob_read_u64 (TactBlobReader *reader)
{
  guint64 low = tact_blob_read_u32 (reader);

  return low | (guint64) tact_blob_read_u32 (reader) << 32;
}

static inline void
tact_blob_append_u32 (GByteArray *out,
                      guint32     value)
{
  guint8 b[4] = { value, value >> 8, value >> 16, value >> 24 };

  g_byte_array_append (out, b, 4);
}

static inline void
tact_blob_append_u64 (GByteArray *out,
                      guint64     value)
{
  tact_blob_append_u32 (out, (guint32) value);
  tact_blob_append_u32 (out, (guint32) (value >> 32));
}

/* hs_version(), and the platform a database compiled here is built for (from
 * hs_populate_platform: "tune=N cpu_features=0xN"; computed once). */
const char  *tact_matcher_engine_version  (void);
const char  *tact_matcher_engine_platform (void);
/* Appends the matcher's derived data (pattern table, serialized databases) to @out. */
gboolean     tact_matcher_serialize       (TactMatcher *matcher,
                                           GByteArray  *out,
                                           GError     **error);
/* A matcher from what tact_matcher_serialize() wrote, which must be all @reader has left,
 * checked against the parsed profile's @rules and @allow_terms: every table entry must point
 * at a detector item of the right kind. NULL with a short reason (no profile content) when
 * anything is cut short, inconsistent or refused by vectorscan. */
TactMatcher *tact_matcher_new_from_serialized (GPtrArray          *rules,
                                               const char * const *allow_terms,
                                               TactBlobReader     *reader,
                                               const char        **why);

/* Checks a single regex pattern's syntax; sets a message on failure. */
gboolean     tact_regex_check  (const char  *pattern,
                                char       **message);

/* ------------------------------------------------------------------------- */
/* Identifiers and exact data match (tact-identifiers.c, tact-exact.c)       */
/* ------------------------------------------------------------------------- */

/* A candidate found in normalised text. */
typedef struct {
  guint          kind;        /* TactIdKind or TactTokenKind */
  gsize          from;        /* normalised byte offsets, [from, to) */
  gsize          to;
  TactConfidence confidence;
  char          *value;       /* owned: canonical value (distinct-instance counting);
                               * never logged */
} TactCandidate;

void    tact_candidate_clear   (TactCandidate *candidate);

/* All identifiers of the kinds in @kinds (bit mask of 1 << TactIdKind) in
 * normalised @text. Returns element-type TactCandidate (with a clear func),
 * in text order. Validation (check digits, dates, lengths) is done here.
 * @leet: tact_leet_view() of @text, for passwords keyed in leetspeak (NULL: none). */
GArray *tact_identifiers_scan  (const char *text,
                                gsize       len,
                                const char *leet,
                                guint       kinds);

/* Validators, on upper- or lower-case input without separators. */
gboolean tact_prc_id_is_valid    (const char *id);   /* 18 characters */
gboolean tact_uscc_is_valid      (const char *code); /* 18 characters */
gboolean tact_luhn_is_valid      (const char *digits);
gboolean tact_bank_card_is_test_number (const char *digits);
gboolean tact_iban_is_valid      (const char *iban); /* country length and mod 97 */
gboolean tact_hk_id_is_valid     (const char *id);   /* e.g. "A123456(3)" or "A1234563" */
gboolean tact_tw_id_is_valid     (const char *id);   /* 10 characters */
/* TRUE if @host is @known or a subdomain of it. */
gboolean tact_host_matches       (const char *host, const char *known);

/* The canonical form of a value to hash: normalised like message text; a
 * phone number or id (digits and separators) reduced to its digits (and a
 * final x). */
char    *tact_exact_canonical    (const char *value);
/* Lower-case hex SHA-256 of @salt || @canonical. */
char    *tact_exact_hash         (GBytes     *salt,
                                  const char *canonical);
/* Decodes lower- or upper-case hex; NULL if @hex is not even-length hex. */
GBytes  *tact_hex_decode         (const char *hex);
/* Candidate tokens of @detector's token kinds in normalised @text whose hash
 * is in the detector's list. Returns element-type TactCandidate. */
GArray  *tact_exact_scan         (const TactDetector *detector,
                                  const char         *text,
                                  gsize               len);

/* ------------------------------------------------------------------------- */
/* Verdict building (tact-policy.c), also used by the attachment inspector  */
/* ------------------------------------------------------------------------- */

/* Scans @text (one message, or the text extracted from an attachment) with
 * every rule of @self whose conditions hold for @outgoing and appends the
 * findings to @verdict, raising its action. With @attachment set, findings
 * carry that name and no span (start = end = -1). */
void     tact_profile_scan_text  (TactProfile        *self,
                                  const TactOutgoing *outgoing,
                                  const char         *text,
                                  const char         *attachment,
                                  TactVerdict        *verdict);

/* Appends one finding of @rule (taking its strings in the user's language and
 * the action for @outgoing) and raises the verdict's action. @matched is the
 * original text (may be NULL for ""). Returns the finding, owned by @verdict. */
TactFinding *tact_verdict_add_finding (TactVerdict        *verdict,
                                       const TactRule     *rule,
                                       const TactOutgoing *outgoing,
                                       const char         *detector,
                                       glong               start,
                                       glong               end,
                                       const char         *matched,
                                       TactConfidence      confidence,
                                       const char         *attachment);

/* Fails the check closed: appends the guard-error finding (rule
 * TACT_GUARD_ERROR_RULE, detector TACT_GUARD_ERROR_DETECTOR, action block)
 * and logs @reason, which must not hold message text or file content.
 * tact_profile_check() then returns that finding alone. */
void     tact_verdict_add_guard_error (TactVerdict *verdict,
                                       const char  *attachment,
                                       const char  *reason);

/* tact_rule_applies() with the profile's format 2 "announcement" threshold:
 * a room of at least that many members also counts as an announcement room. */
gboolean tact_profile_rule_applies (TactProfile        *self,
                                    const TactRule     *rule,
                                    const TactOutgoing *outgoing);

/* Tests only: makes every vectorscan scan of @self fail, to test that the
 * check fails closed. */
void     tact_profile_set_scan_failure_for_testing (TactProfile *self,
                                                    gboolean     fail);

G_END_DECLS
