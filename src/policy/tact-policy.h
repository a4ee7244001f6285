/* tact-policy.h: the compliance engine's public API.
 *
 * Pure C on GLib/GIO: no GTK, no network, no database. A TactProfile is loaded
 * once (JSON, see docs/profile.md) and evaluated against every outgoing action.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TACT_POLICY_ERROR (tact_policy_error_quark ())
GQuark tact_policy_error_quark (void);

typedef enum {
  TACT_POLICY_ERROR_PARSE,     /* not JSON at all */
  TACT_POLICY_ERROR_INVALID,   /* JSON, but not a valid profile: message names the JSON path */
  TACT_POLICY_ERROR_VERSION,   /* unsupported format version */
  TACT_POLICY_ERROR_LIMIT,     /* added: over one of the loader's limits (size, nesting, counts,
                                * lengths; docs/profile.md, "Limits"): message names the limit
                                * and the JSON path */
} TactPolicyError;

/* Ordered from least to most restrictive: a verdict is the maximum of its findings. */
typedef enum {
  TACT_ACTION_ALLOW,
  TACT_ACTION_WARN,
  TACT_ACTION_JUSTIFY,
  TACT_ACTION_APPROVE,
  TACT_ACTION_BLOCK,
} TactAction;

typedef enum {
  TACT_ROOM_KIND_DM,
  TACT_ROOM_KIND_GROUP,
  TACT_ROOM_KIND_ANNOUNCEMENT,
} TactRoomKind;

const char *tact_action_to_string   (TactAction action);   /* "allow", "warn", … */
gboolean    tact_action_from_string (const char *str, TactAction *out);
const char *tact_room_kind_to_string (TactRoomKind kind);   /* "dm", "group", "announcement" */
/* Added: the inverse of tact_room_kind_to_string(). */
gboolean    tact_room_kind_from_string (const char *str, TactRoomKind *out);

/* Added: GTypes of the enums, for GObject properties (e.g. TactLesson). */
#define TACT_TYPE_ACTION    (tact_action_get_type ())
#define TACT_TYPE_ROOM_KIND (tact_room_kind_get_type ())
GType tact_action_get_type    (void) G_GNUC_CONST;
GType tact_room_kind_get_type (void) G_GNUC_CONST;

typedef enum {
  TACT_CONFIDENCE_LOW,
  TACT_CONFIDENCE_MEDIUM,
  TACT_CONFIDENCE_HIGH,
} TactConfidence;

const char *tact_confidence_to_string   (TactConfidence confidence);   /* "low", "medium", "high" */
/* Added: the inverse of tact_confidence_to_string(). */
gboolean    tact_confidence_from_string (const char *str, TactConfidence *out);

/* A file about to be sent. At least one of path and data is set; when both
 * are, they must hold the same bytes (else the check fails closed). The name
 * and the caption are scanned as text, like a message (docs/attachments.md). */
typedef struct {
  const char *name;     /* the name the recipient will see (its extension is checked);
                         * UTF-8 */
  const char *path;     /* a local file, or NULL */
  GBytes     *data;     /* the content, or NULL */
  const char *caption;  /* added: text sent with the file (UTF-8), or NULL */
} TactAttachment;

/* What is about to leave the device. */
typedef struct {
  const char           *text;              /* UTF-8, may be NULL */
  guint                 external_count;    /* members whose server is not the company's */
  guint                 member_count;
  TactRoomKind          room_kind;
  const TactAttachment *attachments;       /* may be NULL */
  guint                 n_attachments;
} TactOutgoing;

/* One thing that matched. Offsets are in characters (not bytes) of the original text. */
typedef struct {
  char       *rule_id;
  char       *title;        /* in the user's language (en, zh_CN, zh_TW) */
  char       *explanation;  /* in the user's language */
  char      **clauses;      /* policy-digest ids, e.g. "PUB-1" */
  TactAction  action;
  char       *detector;     /* e.g. "terms" */
  char       *matched;      /* the matched text, as written by the user */
  glong       start;        /* character offset, inclusive */
  glong       end;          /* character offset, exclusive */
  char       *alternative;  /* what to do instead, in the user's language; may be NULL */
  TactConfidence confidence;
  char       *attachment;   /* the attachment's name when the finding is in a file, else NULL
                             * (then start and end are -1) */
  char       *approver;     /* added: the approver role ("department_head", …) when action
                             * is approve, else NULL */
  char       *where;        /* added: where in the attachment the finding is: "name" (its file
                             * name), "caption" or "content"; NULL when attachment is NULL
                             * (and for a guard error) */
  double      score;        /* added: for a "classifier:<category>" finding, the probability the
                             * classifier gave the category (matched quotes the words that weighed
                             * most for it); 0 for other detectors */
} TactFinding;

/* The guard fails closed: when a check cannot run as it should (no profile,
 * invalid input, an attachment it cannot read, a scanner error), the verdict
 * is BLOCK with exactly one finding, of this rule id and detector, no clauses
 * and no span, explaining that nothing was sent and who can fix it. */
#define TACT_GUARD_ERROR_RULE     "guard-error"
#define TACT_GUARD_ERROR_DETECTOR "guard"

/* Added: a masked excerpt of finding->matched that is safe to print or log:
 * terms show their first character, identifiers (detector "identifier:…" or
 * "exact") their first and last two characters; the findings of attachment
 * detectors (classification, file_type, uninspectable) show the label, type
 * or reason in full, as they hold no sensitive text; everything else "•••". */
char        *tact_finding_dup_excerpt (const TactFinding *finding);

typedef struct {
  TactAction  action;    /* the most restrictive finding's action, ALLOW when none */
  GPtrArray  *findings;  /* element-type TactFinding, owned */
  /* Added (format 2 "shadow" rules): findings of rules in shadow mode, owned, never NULL in a
   * verdict from tact_profile_check; they change neither action nor findings and are only to be
   * recorded (the audit's "shadow-hit"), so an admin can try a rule without disturbing anyone. */
  GPtrArray  *shadow_findings;
} TactVerdict;

void         tact_verdict_free (TactVerdict *verdict);
/* Added: a verdict that blocks, with one finding the engine did not make (the session's "no
 * usable profile"): detector "guard", no clauses, no span; the texts as given (already in the
 * user's language). */
TactVerdict *tact_verdict_new_block (const char *rule_id, const char *title,
                                     const char *explanation, const char *alternative);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactVerdict, tact_verdict_free)

#define TACT_TYPE_PROFILE (tact_profile_get_type ())
G_DECLARE_FINAL_TYPE (TactProfile, tact_profile, TACT, PROFILE, GObject)

TactProfile *tact_profile_new_from_file  (const char  *path,
                                          GError     **error);
TactProfile *tact_profile_new_from_bytes (GBytes      *json,
                                          GError     **error);
/* Added: the compiled cache (docs/profile.md, "The compiled cache"). Everything a profile
 * derives from its JSON at some cost — the serialized vectorscan databases
 * (hs_serialize_database), whose literals are the terms' normalised simplified and traditional
 * variants, and the table mapping each pattern to its rule, detector and item — as one
 * versioned blob. Its header holds the blob format, Tact's version, the profile's SHA-256,
 * hs_version() and the CPU platform the databases were built for. Keep it only where the
 * person cannot replace it (the encrypted database): it decides what the guard matches. */
GBytes      *tact_profile_dup_compiled   (TactProfile *self,
                                          GError     **error);

typedef enum {
  TACT_PROFILE_CACHE_NONE,     /* no blob given: compiled */
  TACT_PROFILE_CACHE_HIT,      /* the derived data came from the blob */
  TACT_PROFILE_CACHE_STALE,    /* the blob's keys differ (another profile, Tact version, blob
                                * format, vectorscan version or CPU): compiled */
  TACT_PROFILE_CACHE_CORRUPT,  /* the blob is damaged, cut short or does not fit the profile:
                                * compiled */
} TactProfileCacheStatus;

/* Like tact_profile_new_from_bytes() — @json is parsed and validated in full, and its errors
 * are the same — but the derived data is taken from @compiled (a tact_profile_dup_compiled()
 * blob, may be NULL) when every key of its header matches this build, this CPU and @json's
 * SHA-256 and its digest checks out. Otherwise it is compiled as usual (a cache miss is not an
 * error); tact_profile_get_cache_status() says which. Checks give the same verdicts either
 * way. Safe to call off the main thread. */
TactProfile *tact_profile_new_from_bytes_cached (GBytes  *json,
                                                 GBytes  *compiled,
                                                 GError **error);
TactProfileCacheStatus tact_profile_get_cache_status (TactProfile *self);
/* Lower-case hex SHA-256 of the JSON bytes the profile was loaded from (the cache's key and
 * the hash a distributed profile is announced with). */
const char  *tact_profile_get_sha256     (TactProfile *self);
/* The other keys of the cache, for the store's columns: hs_version(), and the platform a
 * database compiled here targets ("tune=N cpu_features=0xN", from hs_populate_platform). */
const char  *tact_policy_get_engine_version  (void);
const char  *tact_policy_get_engine_platform (void);

/* The profile shipped with Tact (data/profiles/default.json, installed or in the source tree). */
TactProfile *tact_profile_new_default    (GError     **error);
const char  *tact_profile_get_id         (TactProfile *self);
const char  *tact_profile_get_version    (TactProfile *self);
guint        tact_profile_get_n_rules    (TactProfile *self);

/* Added: the profile's display name in the user's language. */
const char  *tact_profile_get_name       (TactProfile *self);

/* Added: format 2 (docs/profile.md, "Format 2"); a format 1 profile answers
 * the defaults. tact_profile_get_format() is 1 or 2. */
guint        tact_profile_get_format     (TactProfile *self);
/* The Matrix user ids @role maps to in "roles" (newly allocated, empty when
 * the role is not there; never NULL). */
GStrv        tact_profile_dup_role_users (TactProfile *self,
                                          const char  *role);
/* "approvals": the room approval requests go to (a room id "!…" or alias
 * "#…"), or NULL for a room between requester and approver; and how long a
 * request stays valid, in hours (default 72). */
const char  *tact_profile_get_approvals_room        (TactProfile *self);
guint        tact_profile_get_approval_expiry_hours (TactProfile *self);
/* "audit": the supervision room audit events go to (id or alias), or NULL for
 * none; whether they carry the message content (default FALSE). */
const char  *tact_profile_get_supervision_room      (TactProfile *self);
gboolean     tact_profile_get_audit_include_content (TactProfile *self);
/* "announcement": a room with at least this many members counts as an
 * announcement room for rule conditions (tact_profile_check() applies it);
 * 0 when the profile sets no threshold. */
guint        tact_profile_get_announcement_min_members (TactProfile *self);

/* Added: read-only access to the rules, in profile order. A TactRule is owned
 * by its profile and valid as long as the profile is. Localised getters pick
 * the user's language (en, zh_CN, zh_TW) like TactFinding does. */
typedef struct _TactRule TactRule;

const TactRule     *tact_profile_get_rule          (TactProfile *self,
                                                    guint        index);
const char         *tact_rule_get_id               (const TactRule *rule);
const char         *tact_rule_get_title            (const TactRule *rule);
const char         *tact_rule_get_explanation      (const TactRule *rule);
const char         *tact_rule_get_alternative      (const TactRule *rule); /* may be NULL */
const char * const *tact_rule_get_clauses          (const TactRule *rule);
TactAction          tact_rule_get_action           (const TactRule *rule);
TactAction          tact_rule_get_action_if_external (const TactRule *rule); /* == action if unset */
/* Added: the approver role of a rule that can approve ("approver" key), or NULL. */
const char         *tact_rule_get_approver_role    (const TactRule *rule);
/* Added (format 2): TRUE for a rule in shadow mode. */
gboolean            tact_rule_is_shadow            (const TactRule *rule);
/* Added (format 2): who may approve for the rule: its approver's "users", then
 * the users its role maps to in the profile's "roles", each once. A newly
 * allocated NULL-terminated array, empty (never NULL) when none. */
GStrv               tact_rule_dup_approvers        (const TactRule *rule);
/* The terms of all "terms" detectors, as written in the profile (newly allocated). */
GStrv               tact_rule_dup_terms            (const TactRule *rule);
/* The rule's own example sentence ("example" key), or NULL. */
const char         *tact_rule_get_example          (const TactRule *rule);
/* TRUE for a lower tier of a classifier reading: every detector is a classifier detector with
 * a max_score below 1 ("meaning-pay-hr-maybe" warns below where "meaning-pay-hr" acts). The
 * tutorial teaches the rule, not each tier. */
gboolean            tact_rule_is_lower_tier        (const TactRule *rule);
/* TRUE if the rule's conditions hold for @outgoing (its text is ignored). */
gboolean            tact_rule_applies              (const TactRule     *rule,
                                                    const TactOutgoing *outgoing);
/* Fills @outgoing (except text) with the smallest room the rule applies to. */
void                tact_rule_get_sample_outgoing  (const TactRule *rule,
                                                    TactOutgoing   *outgoing);

/* Added: exact data match lists ("exact" detectors, `tact-policy hash`).
 * tact_policy_hash_value() returns the lower-case hex SHA-256 of @salt
 * followed by @value's canonical form (normalised; phone numbers and ids
 * reduced to their digits), as the engine computes it for message tokens.
 * tact_policy_hex_decode() returns NULL unless @hex is even-length hex. */
GBytes      *tact_policy_hex_decode      (const char *hex);
char        *tact_policy_hash_value      (GBytes     *salt,
                                          const char *value);

/* Never fails and never returns NULL: every finding is kept and the verdict's
 * action is the most restrictive; when the check cannot run (any invalid
 * argument included), the verdict is a guard error (TACT_GUARD_ERROR_RULE). */
/* Added (format 2 "company"): the company's homeservers (NULL: only own_server, as in
 * format 1), and whether user_id is someone from outside the company — on another server, or an
 * outsider's account (a "company.outsiders" pattern) on one of the company's. */
const char * const *tact_profile_get_company_homeservers (TactProfile *self);
gboolean     tact_profile_is_external    (TactProfile *self, const char *user_id,
                                          const char *own_server);
/* Added ("company": {"pinned": true}, ACC-1): work happens only through accounts on the
 * company's homeservers; an account elsewhere is refused every send. */
gboolean     tact_profile_get_company_pinned (TactProfile *self);
/* Added ("retention", format 2; REC-1/REC-5): how long history is kept (0: not set), how long
 * messages with findings are (never shorter), and whether expired history is deleted
 * irrecoverably. Carried for the retention work; nothing acts on it yet. */
void         tact_profile_get_retention  (TactProfile *self, guint *keep_days, guint *findings_days,
                                          gboolean *delete_expired);

/* Added ("training", format 2; issue 9, TRN-1…TRN-4; tact-profile-training.c): the policy
 * tutorial's pass mark (percent of the quiz), how long a completion counts (0: for ever), the
 * oldest version of this profile whose completion still counts (NULL: any), and what waits
 * until the tutorial is passed. */
typedef enum {
  TACT_TRAINING_GATE_NONE,      /* nothing waits */
  TACT_TRAINING_GATE_EXTERNAL,  /* no sending to people outside the company until passed */
  TACT_TRAINING_GATE_ALL,       /* no sending at all until passed */
} TactTrainingGate;
#define TACT_TRAINING_DEFAULT_PASS_MARK 80

guint            tact_profile_get_training_pass_mark     (TactProfile *self);
guint            tact_profile_get_training_interval_days (TactProfile *self);
const char      *tact_profile_get_training_since_version (TactProfile *self);
TactTrainingGate tact_profile_get_training_gate          (TactProfile *self);
/* Whether a completion of profile @profile_id at @version, on @completed, still counts @now:
 * the same profile id, a version not older than since_version, within interval_days. */
gboolean         tact_profile_training_counts            (TactProfile *self,
                                                          const char  *profile_id,
                                                          const char  *version,
                                                          GDateTime   *completed,
                                                          GDateTime   *now);

/* The company's own cases (TRN-4) and role modules (TRN-3), owned by the profile; texts in
 * the user's language. A case may name the rule it illustrates (NULL otherwise). */
typedef struct _TactTrainingCase   TactTrainingCase;
typedef struct _TactTrainingModule TactTrainingModule;

guint                     tact_profile_get_n_training_cases   (TactProfile *self);
const TactTrainingCase   *tact_profile_get_training_case      (TactProfile *self, guint i);
const char               *tact_training_case_get_title        (const TactTrainingCase *training_case);
const char               *tact_training_case_get_text         (const TactTrainingCase *training_case);
const char               *tact_training_case_get_rule_id      (const TactTrainingCase *training_case);
guint                     tact_profile_get_n_training_modules (TactProfile *self);
const TactTrainingModule *tact_profile_get_training_module    (TactProfile *self, guint i);
const char               *tact_training_module_get_id         (const TactTrainingModule *module);
const char               *tact_training_module_get_title      (const TactTrainingModule *module);
const char               *tact_training_module_get_text       (const TactTrainingModule *module);
const char * const       *tact_training_module_get_rule_ids   (const TactTrainingModule *module);

/* Added (issue 8): several profiles that apply to one person (an assignment names more than one),
 * merged so that the most restrictive wins rule by rule; see tact-profile-merge.c for each field.
 * Every input must be a valid profile (the error is the first one's that is not). Returns the
 * merged JSON, to be loaded with tact_profile_new_from_bytes(). */
GBytes      *tact_profile_merge_json     (GBytes * const *jsons, guint n, GError **error);

TactVerdict *tact_profile_check          (TactProfile        *self,
                                          const TactOutgoing *outgoing);

G_END_DECLS
