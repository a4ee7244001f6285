/* tact-policy.c: TactProfile, verdicts and the small enums of the public API.
 *
 * A profile is parsed and validated (tact-profile-loader.c), then all its
 * detectors are compiled into vectorscan databases (tact-matcher.c). Checking
 * a message normalises it once (tact-normalize.c), scans it, and turns the
 * hits of the rules whose conditions hold into findings with offsets in the
 * user's original text.
 *
 * Nothing here logs message text or matched text.
 */
#define _GNU_SOURCE  /* memmem */
#include "tact-policy-private.h"
#include "tact-classifier.h"
#include "tact-profile-object.h"
#include "tact-attachment.h"

#include <string.h>

G_DEFINE_QUARK (tact-policy-error-quark, tact_policy_error)

/* ------------------------------------------------------------------------- */
/* Enums                                                                     */
/* ------------------------------------------------------------------------- */

static const char * const action_names[] = {
  [TACT_ACTION_ALLOW]   = "allow",
  [TACT_ACTION_WARN]    = "warn",
  [TACT_ACTION_JUSTIFY] = "justify",
  [TACT_ACTION_APPROVE] = "approve",
  [TACT_ACTION_BLOCK]   = "block",
};

static const char * const room_kind_names[] = {
  [TACT_ROOM_KIND_DM]           = "dm",
  [TACT_ROOM_KIND_GROUP]        = "group",
  [TACT_ROOM_KIND_ANNOUNCEMENT] = "announcement",
};

const char *
tact_action_to_string (TactAction action)
{
  g_return_val_if_fail (action <= TACT_ACTION_BLOCK, NULL);
  return action_names[action];
}

gboolean
tact_action_from_string (const char *str,
                         TactAction *out)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (action_names); i++)
    if (g_str_equal (str, action_names[i]))
      {
        if (out != NULL)
          *out = (TactAction) i;
        return TRUE;
      }
  return FALSE;
}

const char *
tact_room_kind_to_string (TactRoomKind kind)
{
  g_return_val_if_fail (kind <= TACT_ROOM_KIND_ANNOUNCEMENT, NULL);
  return room_kind_names[kind];
}

gboolean
tact_room_kind_from_string (const char   *str,
                            TactRoomKind *out)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (room_kind_names); i++)
    if (g_str_equal (str, room_kind_names[i]))
      {
        if (out != NULL)
          *out = (TactRoomKind) i;
        return TRUE;
      }
  return FALSE;
}

G_DEFINE_ENUM_TYPE (TactAction, tact_action,
  G_DEFINE_ENUM_VALUE (TACT_ACTION_ALLOW, "allow"),
  G_DEFINE_ENUM_VALUE (TACT_ACTION_WARN, "warn"),
  G_DEFINE_ENUM_VALUE (TACT_ACTION_JUSTIFY, "justify"),
  G_DEFINE_ENUM_VALUE (TACT_ACTION_APPROVE, "approve"),
  G_DEFINE_ENUM_VALUE (TACT_ACTION_BLOCK, "block"))

G_DEFINE_ENUM_TYPE (TactRoomKind, tact_room_kind,
  G_DEFINE_ENUM_VALUE (TACT_ROOM_KIND_DM, "dm"),
  G_DEFINE_ENUM_VALUE (TACT_ROOM_KIND_GROUP, "group"),
  G_DEFINE_ENUM_VALUE (TACT_ROOM_KIND_ANNOUNCEMENT, "announcement"))

const char *
tact_detector_type_to_string (TactDetectorType type)
{
  switch (type)
    {
    case TACT_DETECTOR_TERMS: return "terms";
    case TACT_DETECTOR_REGEX: return "regex";
    case TACT_DETECTOR_IDENTIFIER: return "identifier";
    case TACT_DETECTOR_EXACT: return "exact";
    case TACT_DETECTOR_CLASSIFIER: return "classifier";
    case TACT_DETECTOR_NEARBY: return "nearby";
    case TACT_DETECTOR_CLASSIFICATION: return "classification";
    case TACT_DETECTOR_FILE_TYPE:      return "file_type";
    case TACT_DETECTOR_UNINSPECTABLE:  return "uninspectable";
    default:                  return "unknown";
    }
}

/* ------------------------------------------------------------------------- */
/* Languages                                                                 */
/* ------------------------------------------------------------------------- */

const char * const tact_lang_keys[TACT_N_LANGS] = { "en", "zh_CN", "zh_TW" };

TactLang
tact_lang_current (void)
{
  const char * const *names = g_get_language_names ();

  /* The list is in order of preference: take the first language we have. */
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *name = names[i];

      if (g_str_has_prefix (name, "zh"))
        {
          if (strstr (name, "TW") != NULL || strstr (name, "HK") != NULL ||
              strstr (name, "MO") != NULL || strstr (name, "Hant") != NULL)
            return TACT_LANG_ZH_TW;
          return TACT_LANG_ZH_CN;
        }
      if (g_str_has_prefix (name, "en"))
        return TACT_LANG_EN;
    }

  return TACT_LANG_EN;
}

const char *
tact_localized_get (const TactLocalized *loc,
                    TactLang             lang)
{
  g_return_val_if_fail (lang < TACT_N_LANGS, NULL);
  return loc->text[lang] != NULL ? loc->text[lang] : loc->text[TACT_LANG_EN];
}

void
tact_localized_clear (TactLocalized *loc)
{
  for (guint i = 0; i < TACT_N_LANGS; i++)
    g_clear_pointer (&loc->text[i], g_free);
}

/* ------------------------------------------------------------------------- */
/* Verdicts                                                                  */
/* ------------------------------------------------------------------------- */

static void
tact_finding_free (TactFinding *finding)
{
  g_free (finding->rule_id);
  g_free (finding->title);
  g_free (finding->explanation);
  g_strfreev (finding->clauses);
  g_free (finding->detector);
  g_free (finding->matched);
  g_free (finding->alternative);
  g_free (finding->attachment);
  g_free (finding->approver);
  g_free (finding->where);
  g_free (finding);
}

TactVerdict *
tact_verdict_new_block (const char *rule_id, const char *title, const char *explanation,
                        const char *alternative)
{
  TactVerdict *verdict = g_new0 (TactVerdict, 1);
  TactFinding *finding = g_new0 (TactFinding, 1);

  verdict->action = TACT_ACTION_BLOCK;
  verdict->findings = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_finding_free);
  finding->rule_id = g_strdup (rule_id);
  finding->title = g_strdup (title);
  finding->explanation = g_strdup (explanation);
  finding->clauses = g_new0 (char *, 1);
  finding->action = TACT_ACTION_BLOCK;
  finding->detector = g_strdup (TACT_GUARD_ERROR_DETECTOR);
  finding->matched = g_strdup ("");
  finding->start = -1;
  finding->end = -1;
  finding->alternative = g_strdup (alternative);
  finding->confidence = TACT_CONFIDENCE_HIGH;
  g_ptr_array_add (verdict->findings, finding);
  return verdict;
}

gboolean
tact_confidence_from_string (const char     *str,
                             TactConfidence *out)
{
  static const char * const names[] = { "low", "medium", "high" };

  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (str, names[i]))
      {
        if (out != NULL)
          *out = (TactConfidence) i;
        return TRUE;
      }
  return FALSE;
}

char *
tact_finding_dup_excerpt (const TactFinding *finding)
{
  const char *matched;
  glong n;

  g_return_val_if_fail (finding != NULL, NULL);

  matched = finding->matched != NULL ? finding->matched : "";
  n = g_utf8_strlen (matched, -1);
  if (n == 0)
    return g_strdup ("");

  if (finding->detector != NULL &&
      (g_str_equal (finding->detector, "terms") || g_str_equal (finding->detector, "regex")))
    {
      /* The first character followed by •••: enough to recognise, not to leak. */
      const char *second = g_utf8_next_char (matched);
      return g_strdup_printf ("%.*s•••", (int) (second - matched), matched);
    }

  if (finding->detector != NULL &&
      (g_str_has_prefix (finding->detector, "identifier") ||
       g_str_has_prefix (finding->detector, "exact")) && n >= 8)
    {
      /* An identifier: its first and last two characters, never the rest. */
      const char *head_end = g_utf8_offset_to_pointer (matched, 2);
      const char *tail = g_utf8_offset_to_pointer (matched, n - 2);
      return g_strdup_printf ("%.*s•••%s", (int) (head_end - matched), matched, tail);
    }

  /* Attachment detectors: what they matched is a classification label
   * ("机密", "Confidential"), a content type or the reason a file could not
   * be inspected ("compression ratio 1029:1 exceeds 100:1"), never file
   * content or something the user wrote: shown as it is (docs/attachments.md). */
  if (finding->attachment != NULL && finding->detector != NULL &&
      (g_str_equal (finding->detector, "classification") ||
       g_str_equal (finding->detector, "file_type") ||
       g_str_equal (finding->detector, "uninspectable")))
    return g_strdup (matched);

  return g_strdup ("•••");
}

const char *
tact_confidence_to_string (TactConfidence confidence)
{
  switch (confidence)
    {
    case TACT_CONFIDENCE_LOW: return "low";
    case TACT_CONFIDENCE_HIGH: return "high";
    case TACT_CONFIDENCE_MEDIUM:
    default: return "medium";
    }
}

void
tact_verdict_free (TactVerdict *verdict)
{
  if (verdict == NULL)
    return;
  g_clear_pointer (&verdict->findings, g_ptr_array_unref);
  g_clear_pointer (&verdict->shadow_findings, g_ptr_array_unref);
  g_free (verdict);
}

/* ------------------------------------------------------------------------- */
/* Rules                                                                     */
/* ------------------------------------------------------------------------- */

const char *
tact_rule_get_id (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return rule->id;
}

const char *
tact_rule_get_title (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return tact_localized_get (&rule->title, tact_lang_current ());
}

const char *
tact_rule_get_explanation (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return tact_localized_get (&rule->explanation, tact_lang_current ());
}

const char *
tact_rule_get_alternative (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return tact_localized_get (&rule->alternative, tact_lang_current ());
}

const char *
tact_rule_get_approver_role (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return rule->approver_role;
}

const char * const *
tact_rule_get_clauses (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return (const char * const *) rule->clauses;
}

TactAction
tact_rule_get_action (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, TACT_ACTION_ALLOW);
  return rule->action;
}

TactAction
tact_rule_get_action_if_external (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, TACT_ACTION_ALLOW);
  return rule->action_if_external;
}

GStrv
tact_rule_dup_terms (const TactRule *rule)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (rule != NULL, NULL);

  for (guint d = 0; d < rule->detectors->len; d++)
    {
      const TactDetector *detector = g_ptr_array_index (rule->detectors, d);

      if (detector->type == TACT_DETECTOR_TERMS)
        g_strv_builder_addv (builder, (const char **) detector->items);
    }
  return g_strv_builder_end (builder);
}

GStrv
tact_rule_dup_approvers (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return rule->approvers != NULL ? g_strdupv (rule->approvers) : g_new0 (char *, 1);
}

const char *
tact_rule_get_example (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return rule->example;
}

gboolean
tact_rule_is_lower_tier (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, FALSE);
  for (guint d = 0; d < rule->detectors->len; d++)
    {
      const TactDetector *detector = g_ptr_array_index (rule->detectors, d);

      if (detector->type != TACT_DETECTOR_CLASSIFIER || detector->max_score >= 1.0)
        return FALSE;
    }
  return rule->detectors->len > 0;
}

gboolean
tact_rule_applies (const TactRule     *rule,
                   const TactOutgoing *outgoing)
{
  g_return_val_if_fail (rule != NULL && outgoing != NULL, FALSE);

  return outgoing->external_count >= rule->min_external &&
         outgoing->member_count >= rule->min_members &&
         (rule->room_kinds & (1u << outgoing->room_kind)) != 0;
}

void
tact_rule_get_sample_outgoing (const TactRule *rule,
                               TactOutgoing   *outgoing)
{
  g_return_if_fail (rule != NULL && outgoing != NULL);

  /* Just enough people: the externals required, plus the sender; at least two. */
  outgoing->external_count = rule->min_external;
  outgoing->member_count = MAX (MAX (rule->min_members, rule->min_external + 1), 2);

  /* A DM if the rule allows it and two people suffice, else a group, else
   * whatever kind the rule lists. */
  if ((rule->room_kinds & (1u << TACT_ROOM_KIND_DM)) && outgoing->member_count == 2)
    outgoing->room_kind = TACT_ROOM_KIND_DM;
  else if (rule->room_kinds & (1u << TACT_ROOM_KIND_GROUP))
    outgoing->room_kind = TACT_ROOM_KIND_GROUP;
  else if (rule->room_kinds & (1u << TACT_ROOM_KIND_ANNOUNCEMENT))
    outgoing->room_kind = TACT_ROOM_KIND_ANNOUNCEMENT;
  else
    outgoing->room_kind = TACT_ROOM_KIND_DM;
}

gboolean
tact_profile_rule_applies (TactProfile        *self,
                           const TactRule     *rule,
                           const TactOutgoing *outgoing)
{
  guint threshold = tact_profile_get_announcement_min_members (self);

  if (tact_rule_applies (rule, outgoing))
    return TRUE;
  /* Format 2 "announcement": a room this large is also an announcement room. */
  if (threshold > 0 && outgoing->member_count >= threshold &&
      (rule->room_kinds & (1u << TACT_ROOM_KIND_ANNOUNCEMENT)))
    {
      TactOutgoing as_announcement = *outgoing;

      as_announcement.room_kind = TACT_ROOM_KIND_ANNOUNCEMENT;
      return tact_rule_applies (rule, &as_announcement);
    }
  return FALSE;
}

static TactAction
rule_effective_action (const TactRule     *rule,
                       const TactOutgoing *outgoing)
{
  if (outgoing->external_count > 0)
    return MAX (rule->action, rule->action_if_external);
  return rule->action;
}

/* ------------------------------------------------------------------------- */
/* TactProfile                                                               */
/* ------------------------------------------------------------------------- */


G_DEFINE_FINAL_TYPE (TactProfile, tact_profile, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_VERSION,
  PROP_N_RULES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tact_profile_finalize (GObject *object)
{
  TactProfile *self = TACT_PROFILE (object);

  g_clear_pointer (&self->matcher, tact_matcher_free);
  g_clear_pointer (&self->data, tact_profile_data_free);
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->classifier, tact_classifier_unref);

  G_OBJECT_CLASS (tact_profile_parent_class)->finalize (object);
}

static void
tact_profile_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TactProfile *self = TACT_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, tact_profile_get_id (self));
      break;
    case PROP_VERSION:
      g_value_set_string (value, tact_profile_get_version (self));
      break;
    case PROP_N_RULES:
      g_value_set_uint (value, tact_profile_get_n_rules (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_profile_class_init (TactProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tact_profile_finalize;
  object_class->get_property = tact_profile_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_RULES] =
    g_param_spec_uint ("n-rules", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_profile_init (TactProfile *self)
{
}

/* ------------------------------------------------------------------------- */
/* The compiled cache (docs/profile.md, "The compiled cache")                */
/* ------------------------------------------------------------------------- */

/* Layout, little-endian:
 *
 *   8 bytes  magic "TACTPCB\0"
 *   u32      CACHE_FORMAT
 *   u32 n, n bytes  TACT_VERSION (the normaliser and variants are Tact's own code)
 *   32 bytes the profile's SHA-256 (of its JSON)
 *   u32 n, n bytes  hs_version()
 *   u32 n, n bytes  the platform (tact_matcher_engine_platform)
 *   u64      size of the body
 *   32 bytes SHA-256 of the body
 *   body:    u32 rules, u32 allow terms, then the matcher's part (tact_matcher_serialize)
 *
 * Bump CACHE_FORMAT whenever the body's layout, the normaliser, the variants or the
 * pattern table's meaning change without a new TACT_VERSION (development builds). */
#define CACHE_MAGIC      "TACTPCB"   /* 8 bytes with its NUL */
#define CACHE_FORMAT     5  /* 2: spelled-out Latin words joined, pinyin forms of terms; 3: two spaces end a spelled word; 4: Han and pinyin mixed in a term; 5: … of traditional variants too */
#define CACHE_MAX_STRING 256

static const char *
cache_status_reason (TactProfileCacheStatus status)
{
  switch (status)
    {
    case TACT_PROFILE_CACHE_NONE: return "no cache given";
    case TACT_PROFILE_CACHE_HIT: return "cache used";
    case TACT_PROFILE_CACHE_STALE: return "cache made for another profile, Tact, vectorscan or CPU";
    case TACT_PROFILE_CACHE_CORRUPT: return "cache damaged or inconsistent";
    default: g_assert_not_reached ();
    }
}

static void
append_string (GByteArray *out,
               const char *str)
{
  gsize len = strlen (str);

  tact_blob_append_u32 (out, len);
  g_byte_array_append (out, (const guint8 *) str, len);
}

/* TRUE if the next string of @reader is @expected. */
static gboolean
read_string_equal (TactBlobReader *reader,
                   const char     *expected)
{
  guint32 len = tact_blob_read_u32 (reader);
  const guint8 *bytes;

  if (!reader->ok || len > CACHE_MAX_STRING || (bytes = tact_blob_read (reader, len)) == NULL)
    return FALSE;
  return len == strlen (expected) && memcmp (bytes, expected, len) == 0;
}

static void
sha256_raw (const guint8 *data,
            gsize         len,
            guint8        digest[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize digest_len = 32;

  g_checksum_update (checksum, data, len);
  g_checksum_get_digest (checksum, digest, &digest_len);
}

GBytes *
tact_profile_dup_compiled (TactProfile *self,
                           GError     **error)
{
  g_autoptr(GByteArray) out = NULL;
  g_autoptr(GBytes) hash = NULL;
  guint8 digest[32];
  gsize body_at, digest_at;

  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_byte_array_new ();
  g_byte_array_append (out, (const guint8 *) CACHE_MAGIC, sizeof CACHE_MAGIC);
  tact_blob_append_u32 (out, CACHE_FORMAT);
  append_string (out, TACT_VERSION);
  hash = tact_policy_hex_decode (self->sha256);
  g_byte_array_append (out, g_bytes_get_data (hash, NULL), 32);
  append_string (out, tact_matcher_engine_version ());
  append_string (out, tact_matcher_engine_platform ());
  tact_blob_append_u64 (out, 0);              /* the body's size, set below */
  digest_at = out->len;
  g_byte_array_append (out, digest, 32);      /* its digest, set below */
  body_at = out->len;

  tact_blob_append_u32 (out, self->data->rules->len);
  tact_blob_append_u32 (out, self->data->allow_terms != NULL ?
                             g_strv_length (self->data->allow_terms) : 0);
  if (!tact_matcher_serialize (self->matcher, out, error))
    return NULL;

  {
    guint64 size = out->len - body_at;

    for (guint i = 0; i < 8; i++)
      out->data[digest_at - 8 + i] = (guint8) (size >> (8 * i));
  }
  sha256_raw (out->data + body_at, out->len - body_at, digest);
  memcpy (out->data + digest_at, digest, 32);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* The matcher of @data from @compiled, or NULL with *@status saying why not (STALE: a key
 * differs; CORRUPT: the blob is damaged or does not fit the profile). Reads are bounded by
 * the blob's size; nothing in it is used before its keys and its digest check out. */
static TactMatcher *
matcher_from_cache (TactProfileData        *data,
                    const char             *sha256,
                    GBytes                 *compiled,
                    TactProfileCacheStatus *status)
{
  gsize size = 0;
  const guint8 *bytes = g_bytes_get_data (compiled, &size);
  TactBlobReader reader = { bytes, size, TRUE };
  g_autoptr(GBytes) hash = tact_policy_hex_decode (sha256);
  const guint8 *magic, *profile_hash, *digest;
  guint8 actual[32];
  guint64 body_size;
  const char *why = NULL;
  TactMatcher *matcher;

  *status = TACT_PROFILE_CACHE_CORRUPT;
  if ((magic = tact_blob_read (&reader, sizeof CACHE_MAGIC)) == NULL ||
      memcmp (magic, CACHE_MAGIC, sizeof CACHE_MAGIC) != 0)
    return NULL;

  /* The keys: any mismatch is a stale cache, rebuilt without a word to the person. */
  *status = TACT_PROFILE_CACHE_STALE;
  if (tact_blob_read_u32 (&reader) != CACHE_FORMAT ||
      !read_string_equal (&reader, TACT_VERSION) ||
      (profile_hash = tact_blob_read (&reader, 32)) == NULL ||
      memcmp (profile_hash, g_bytes_get_data (hash, NULL), 32) != 0 ||
      !read_string_equal (&reader, tact_matcher_engine_version ()) ||
      !read_string_equal (&reader, tact_matcher_engine_platform ()))
    {
      if (!reader.ok)
        *status = TACT_PROFILE_CACHE_CORRUPT;
      return NULL;
    }

  *status = TACT_PROFILE_CACHE_CORRUPT;
  body_size = tact_blob_read_u64 (&reader);
  digest = tact_blob_read (&reader, 32);
  if (digest == NULL || body_size != reader.left)
    return NULL;
  sha256_raw (reader.p, reader.left, actual);
  if (memcmp (actual, digest, 32) != 0)
    return NULL;

  if (tact_blob_read_u32 (&reader) != data->rules->len ||
      tact_blob_read_u32 (&reader) != (data->allow_terms != NULL ?
                                       g_strv_length (data->allow_terms) : 0) ||
      !reader.ok)
    return NULL;

  matcher = tact_matcher_new_from_serialized (data->rules,
                                              (const char * const *) data->allow_terms,
                                              &reader, &why);
  if (matcher == NULL)
    {
      g_debug ("Profile cache not used: %s", why != NULL ? why : "unknown");
      return NULL;
    }
  *status = TACT_PROFILE_CACHE_HIT;
  return matcher;
}

/* Loads the shipped classifier when a rule or the "context" section uses it and
 * resolves each classifier detector's class; a profile that names a class the model
 * does not know (or a harmless one), or needs a model that cannot be loaded, is refused
 * (fail closed). */
static gboolean
bind_classifier (TactProfileData  *data,
                 TactClassifier  **out,
                 GError          **error)
{
  g_autoptr(TactClassifier) classifier = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  gboolean needed = data->harmless_min_score > 0;

  for (guint r = 0; r < data->rules->len; r++)
    {
      TactRule *rule = g_ptr_array_index (data->rules, r);

      rule->unless_class = -1;
      needed = needed || rule->unless_category != NULL;
    }

  for (guint r = 0; r < data->rules->len && !needed; r++)
    {
      const TactRule *rule = g_ptr_array_index (data->rules, r);

      for (guint d = 0; d < rule->detectors->len && !needed; d++)
        needed = ((TactDetector *) g_ptr_array_index (rule->detectors, d))->type ==
                 TACT_DETECTOR_CLASSIFIER;
    }
  if (!needed)
    return TRUE;

  classifier = tact_classifier_load_default (error);
  if (classifier == NULL)
    return FALSE;
  for (guint r = 0; r < data->rules->len; r++)
    {
      const TactRule *rule = g_ptr_array_index (data->rules, r);

      for (guint d = 0; d < rule->detectors->len; d++)
        {
          TactDetector *detector = g_ptr_array_index (rule->detectors, d);

          if (detector->type != TACT_DETECTOR_CLASSIFIER)
            continue;
          detector->class_index = tact_classifier_find_class (classifier, detector->category);
          if (detector->class_index < 0 ||
              tact_classifier_is_harmless (classifier, detector->class_index))
            g_string_append_printf (problems, "%s$.rules[%u].detectors[%u].category: the classifier "
                                    "has no category \"%s\" of messages that break a rule",
                                    problems->len ? "\n" : "", r, d, detector->category);
        }
    }
  for (guint r = 0; r < data->rules->len; r++)
    {
      TactRule *rule = g_ptr_array_index (data->rules, r);

      if (rule->unless_category == NULL)
        continue;
      rule->unless_class = tact_classifier_find_class (classifier, rule->unless_category);
      if (rule->unless_class < 0 || !tact_classifier_is_harmless (classifier, rule->unless_class))
        g_string_append_printf (problems, "%s$.rules[%u].unless.category: the classifier has no "
                                "harmless category \"%s\"", problems->len ? "\n" : "", r,
                                rule->unless_category);
    }
  if (problems->len > 0)
    {
      GString *known = g_string_new (NULL);

      for (guint c = 0; c < tact_classifier_get_n_classes (classifier); c++)
        g_string_append_printf (known, "%s%s", c ? ", " : "",
                                tact_classifier_get_class_name (classifier, c));
      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID,
                   "%s\n(the classifier knows: %s)", problems->str, known->str);
      g_string_free (known, TRUE);
      return FALSE;
    }
  *out = g_steal_pointer (&classifier);
  return TRUE;
}

static TactProfile *
profile_new (GBytes  *json,
             GBytes  *compiled,
             GError **error)
{
  g_autoptr(TactProfile) self = NULL;
  g_autoptr(TactProfileData) data = NULL;
  g_autofree char *sha256 = NULL;
  TactProfileCacheStatus status = TACT_PROFILE_CACHE_NONE;
  TactMatcher *matcher = NULL;
  g_autoptr(TactClassifier) classifier = NULL;
  gint64 t0;
  double parse_s;

  t0 = g_get_monotonic_time ();
  data = tact_profile_data_parse (json, error);
  if (data == NULL)
    return NULL;
  if (!bind_classifier (data, &classifier, error))
    return NULL;
  sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, json);
  parse_s = (g_get_monotonic_time () - t0) / 1e6;

  if (compiled != NULL)
    {
      matcher = matcher_from_cache (data, sha256, compiled, &status);
      if (matcher == NULL)
        g_debug ("Profile %s: %s; compiling it", data->id, cache_status_reason (status));
    }
  if (matcher == NULL)
    matcher = tact_matcher_new (data->rules, (const char * const *) data->allow_terms, error);
  if (matcher == NULL)
    return NULL;

  self = g_object_new (TACT_TYPE_PROFILE, NULL);
  self->data = g_steal_pointer (&data);
  self->matcher = matcher;
  self->sha256 = g_steal_pointer (&sha256);
  self->classifier = g_steal_pointer (&classifier);
  self->cache_status = status;
  self->timings = *tact_matcher_get_timings (matcher);
  self->timings.parse = parse_s;

  for (guint r = 0; r < self->data->rules->len; r++)
    {
      const TactRule *rule = g_ptr_array_index (self->data->rules, r);

      for (guint d = 0; d < rule->detectors->len; d++)
        {
          const TactDetector *detector = g_ptr_array_index (rule->detectors, d);

          if (detector->type == TACT_DETECTOR_IDENTIFIER)
            self->id_kinds |= detector->kinds;
        }
    }

  g_debug ("Loaded profile %s version %s: %u rules (%s)",
           self->data->id, self->data->version, self->data->rules->len,
           cache_status_reason (status));

  return g_steal_pointer (&self);
}

TactProfile *
tact_profile_new_from_bytes (GBytes  *json,
                             GError **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return profile_new (json, NULL, error);
}

TactProfile *
tact_profile_new_from_bytes_cached (GBytes  *json,
                                    GBytes  *compiled,
                                    GError **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return profile_new (json, compiled, error);
}

const char *
tact_profile_get_sha256 (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return self->sha256;
}

TactProfileCacheStatus
tact_profile_get_cache_status (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), TACT_PROFILE_CACHE_NONE);
  return self->cache_status;
}

const char *
tact_policy_get_engine_version (void)
{
  return tact_matcher_engine_version ();
}

const char *
tact_policy_get_engine_platform (void)
{
  return tact_matcher_engine_platform ();
}

TactProfile *
tact_profile_new_from_file (const char  *path,
                            GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_file_new_for_path (path);
  bytes = g_file_load_bytes (file, NULL, NULL, error);
  if (bytes == NULL)
    return NULL;

  return tact_profile_new_from_bytes (bytes, error);
}

TactProfile *
tact_profile_new_default (GError **error)
{
  const char *installed = TACT_PKGDATADIR "/profiles/default.json";
  const char *source = TACT_SOURCE_DATADIR "/profiles/default.json";

  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return tact_profile_new_from_file (installed, error);
  return tact_profile_new_from_file (source, error);
}

const char *
tact_profile_get_id (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return self->data->id;
}

const char *
tact_profile_get_version (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return self->data->version;
}

const char *
tact_profile_get_name (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return tact_localized_get (&self->data->name, tact_lang_current ());
}

guint
tact_profile_get_n_rules (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), 0);
  return self->data->rules->len;
}

guint
tact_profile_get_format (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), 0);
  return self->data->format;
}

GStrv
tact_profile_dup_role_users (TactProfile *self,
                             const char  *role)
{
  const char * const *users;

  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  g_return_val_if_fail (role != NULL, NULL);

  users = g_hash_table_lookup (self->data->roles, role);
  return users != NULL ? g_strdupv ((char **) users) : g_new0 (char *, 1);
}

const char *
tact_profile_get_approvals_room (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return self->data->approvals_room;
}

guint
tact_profile_get_approval_expiry_hours (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), 0);
  return self->data->approval_expiry_hours;
}

const char *
tact_profile_get_supervision_room (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return self->data->supervision_room;
}

gboolean
tact_profile_get_audit_include_content (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), FALSE);
  return self->data->audit_include_content;
}

const char * const *
tact_profile_get_company_homeservers (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return (const char * const *) self->data->company_homeservers;
}

void
tact_profile_get_retention (TactProfile *self, guint *keep_days, guint *findings_days,
                            gboolean *delete_expired)
{
  g_return_if_fail (TACT_IS_PROFILE (self));
  if (keep_days)
    *keep_days = self->data->retention_keep_days;
  if (findings_days)
    *findings_days = self->data->retention_findings_days;
  if (delete_expired)
    *delete_expired = self->data->retention_delete_expired;
}

gboolean
tact_profile_get_company_pinned (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), FALSE);
  return self->data->company_pinned && self->data->company_homeservers != NULL;
}

gboolean
tact_profile_is_external (TactProfile *self, const char *user_id, const char *own_server)
{
  const char *colon = user_id ? strchr (user_id, ':') : NULL;
  const char *server = colon ? colon + 1 : NULL;
  gboolean company_server;

  g_return_val_if_fail (TACT_IS_PROFILE (self), TRUE);
  if (!server)
    return TRUE;   /* not a user id: assume the worst */
  company_server = self->data->company_homeservers
                   ? g_strv_contains ((const char * const *) self->data->company_homeservers, server)
                   : g_strcmp0 (server, own_server) == 0;
  if (!company_server)
    return TRUE;
  for (guint i = 0; self->data->company_outsiders && self->data->company_outsiders[i]; i++)
    if (g_pattern_match_simple (self->data->company_outsiders[i], user_id))
      return TRUE;
  return FALSE;
}

guint
tact_profile_get_announcement_min_members (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), 0);
  return self->data->announcement_min_members;
}

const TactRule *
tact_profile_get_rule (TactProfile *self,
                       guint        index)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  g_return_val_if_fail (index < self->data->rules->len, NULL);
  return g_ptr_array_index (self->data->rules, index);
}

static int
compare_findings (gconstpointer a,
                  gconstpointer b)
{
  const TactFinding *fa = *(const TactFinding * const *) a;
  const TactFinding *fb = *(const TactFinding * const *) b;

  if (fa->start != fb->start)
    return fa->start < fb->start ? -1 : 1;
  if (fa->end != fb->end)
    return fa->end > fb->end ? -1 : 1;
  return 0;  /* stable sort keeps profile order between rules */
}

const TactLoadTimings *
tact_profile_get_load_timings (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return &self->timings;
}

void
tact_profile_set_scan_failure_for_testing (TactProfile *self,
                                           gboolean     fail)
{
  g_return_if_fail (TACT_IS_PROFILE (self));
  self->fail_scan = fail;
}

/* tact_verdict_add_finding() in a language already looked up: a text with
 * hundreds of findings looks it up once (g_get_language_names() reads the
 * environment on every call). */
TactFinding *
tact_verdict_add_finding_in (TactVerdict        *verdict,
                        const TactRule     *rule,
                        const TactOutgoing *outgoing,
                        const char         *detector,
                        glong               start,
                        glong               end,
                        const char         *matched,
                        TactConfidence      confidence,
                        const char         *attachment,
                        TactLang            lang)
{
  TactFinding *finding = g_new0 (TactFinding, 1);

  finding->rule_id = g_strdup (rule->id);
  finding->title = g_strdup (tact_localized_get (&rule->title, lang));
  finding->explanation = g_strdup (tact_localized_get (&rule->explanation, lang));
  finding->clauses = g_strdupv (rule->clauses);
  finding->action = rule_effective_action (rule, outgoing);
  finding->detector = g_strdup (detector);
  finding->matched = g_strdup (matched != NULL ? matched : "");
  finding->start = attachment != NULL ? -1 : start;
  finding->end = attachment != NULL ? -1 : end;
  finding->alternative = g_strdup (tact_localized_get (&rule->alternative, lang));
  finding->confidence = confidence;
  finding->attachment = g_strdup (attachment);
  if (attachment != NULL)
    finding->where = g_strdup ("content");
  if (finding->action == TACT_ACTION_APPROVE)
    finding->approver = g_strdup (rule->approver_role);

  verdict->action = MAX (verdict->action, finding->action);
  g_ptr_array_add (verdict->findings, finding);
  return finding;
}

TactFinding *
tact_verdict_add_finding (TactVerdict        *verdict,
                          const TactRule     *rule,
                          const TactOutgoing *outgoing,
                          const char         *detector,
                          glong               start,
                          glong               end,
                          const char         *matched,
                          TactConfidence      confidence,
                          const char         *attachment)
{
  return tact_verdict_add_finding_in (verdict, rule, outgoing, detector, start, end, matched,
                                 confidence, attachment, tact_lang_current ());
}


/* Fail closed (docs/profile.md, "When the guard cannot check"): whenever the
 * check cannot run as it should — invalid input, an attachment it cannot
 * read, a scanner error — the message must not go out as if it had been
 * checked. The finding is recognised by its detector, "guard", which no
 * profile rule can have; tact_profile_check() then answers with it alone.
 * @reason is logged, as a message rather than a warning: invalid input is a
 * handled case (and warnings are fatal in tests and fuzzers); it never holds
 * message text or file content. */
void
tact_verdict_add_guard_error (TactVerdict *verdict,
                              const char  *attachment,
                              const char  *reason)
{
  static const TactLocalized title = { {
    "The guard could not check this message",
    "合规检查无法完成",
    "合規檢查無法完成",
  } };
  static const TactLocalized explanation = { {
    "Tact could not check this message against the company policy, so nothing was sent.",
    "Tact 无法按公司规范检查此消息，因此没有发送任何内容。",
    "Tact 無法依公司規範檢查此訊息，因此沒有傳送任何內容。",
  } };
  static const TactLocalized alternative = { {
    "Try again. If it keeps happening, contact your IT or compliance administrator: "
    "they can fix the policy profile or the guard.",
    "请重试。如果反复出现，请联系 IT 或合规管理员：他们可以修复合规配置或检查功能。",
    "請重試。如果反覆出現，請聯絡 IT 或合規管理員：他們可以修復合規設定檔或檢查功能。",
  } };
  static const char * const no_clauses[] = { NULL };
  /* Automatic, not static: C (and clang) only take constants in a static
   * initialiser, and title etc. are objects. */
  const TactRule error_rule = {
    .id = (char *) TACT_GUARD_ERROR_RULE,
    .title = title,
    .explanation = explanation,
    .alternative = alternative,
    .clauses = (GStrv) no_clauses,
    .action = TACT_ACTION_BLOCK,
    .action_if_external = TACT_ACTION_BLOCK,
  };
  static const TactOutgoing nobody = { 0 };
  TactFinding *finding;

  g_message ("Policy check failed closed: %s", reason);
  finding = tact_verdict_add_finding (verdict, &error_rule, &nobody, TACT_GUARD_ERROR_DETECTOR,
                                      -1, -1, "", TACT_CONFIDENCE_HIGH, attachment);
  g_clear_pointer (&finding->where, g_free);
}

static gboolean
finding_is_guard_error (const TactFinding *finding)
{
  return g_strcmp0 (finding->detector, TACT_GUARD_ERROR_DETECTOR) == 0;
}


/* The first reason @outgoing cannot be checked as it is, or NULL. Each is a
 * caller's mistake, but the guard answers it with a block, not an allow. */
static const char *
outgoing_invalid_reason (const TactOutgoing *outgoing,
                         const char        **attachment)
{
  *attachment = NULL;

  if (outgoing->room_kind > TACT_ROOM_KIND_ANNOUNCEMENT)
    return "unknown room kind";
  if (outgoing->text != NULL && !g_utf8_validate (outgoing->text, -1, NULL))
    return "message text is not valid UTF-8";
  if (outgoing->n_attachments > 0 && outgoing->attachments == NULL)
    return "attachment count without attachments";

  for (guint a = 0; a < outgoing->n_attachments; a++)
    {
      const TactAttachment *file = &outgoing->attachments[a];

      if (file->name != NULL && !g_utf8_validate (file->name, -1, NULL))
        return "attachment name is not valid UTF-8";
      *attachment = file->name;
      if (file->caption != NULL && !g_utf8_validate (file->caption, -1, NULL))
        return "attachment caption is not valid UTF-8";
      if (file->path == NULL && file->data == NULL)
        return "attachment has neither a path nor data";
    }

  *attachment = NULL;
  return NULL;
}

static gboolean
verdict_has_guard_error (const TactVerdict *verdict)
{
  for (guint i = 0; i < verdict->findings->len; i++)
    if (finding_is_guard_error (g_ptr_array_index (verdict->findings, i)))
      return TRUE;
  return FALSE;
}

/* A verdict of one guard-error finding, taken from @verdict's first. */
static TactVerdict *
guard_error_only (TactVerdict *verdict)
{
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      TactVerdict *only;

      if (!finding_is_guard_error (finding))
        continue;
      only = g_new0 (TactVerdict, 1);
      only->action = TACT_ACTION_BLOCK;
      only->findings = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_finding_free);
      g_ptr_array_add (only->findings, g_ptr_array_steal_index (verdict->findings, i));
      return only;
    }
  return NULL;
}

/* Moves the findings of rules in shadow mode aside; the action is that of the others. */
static void
separate_shadow (TactProfile *self, TactVerdict *verdict)
{
  verdict->shadow_findings = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_finding_free);
  for (guint i = verdict->findings->len; i > 0; i--)
    {
      TactFinding *finding = g_ptr_array_index (verdict->findings, i - 1);
      gboolean shadow = FALSE;

      for (guint r = 0; r < self->data->rules->len && !shadow; r++)
        {
          const TactRule *rule = g_ptr_array_index (self->data->rules, r);
          shadow = rule->shadow && g_strcmp0 (rule->id, finding->rule_id) == 0;
        }
      if (shadow)
        g_ptr_array_insert (verdict->shadow_findings, 0, g_ptr_array_steal_index (verdict->findings, i - 1));
    }
  if (verdict->shadow_findings->len == 0)
    return;
  verdict->action = TACT_ACTION_ALLOW;
  for (guint i = 0; i < verdict->findings->len; i++)
    verdict->action = MAX (verdict->action, ((TactFinding *) g_ptr_array_index (verdict->findings, i))->action);
}

gboolean
tact_rule_is_shadow (const TactRule *rule)
{
  return rule->shadow;
}

TactVerdict *
tact_profile_check (TactProfile        *self,
                    const TactOutgoing *outgoing)
{
  g_autoptr(TactVerdict) verdict = g_new0 (TactVerdict, 1);
  TactVerdict *error_verdict;
  const char *attachment = NULL;
  const char *reason = NULL;

  verdict->action = TACT_ACTION_ALLOW;
  verdict->findings = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_finding_free);

  /* Fail closed: invalid input blocks (no g_return_val_if_fail, which would
   * answer with an empty verdict, i.e. allow). */
  if (!TACT_IS_PROFILE (self))
    reason = "no policy profile";
  else if (outgoing == NULL)
    reason = "nothing to check";
  else
    reason = outgoing_invalid_reason (outgoing, &attachment);
  if (reason != NULL)
    {
      tact_verdict_add_guard_error (verdict, attachment, reason);
      return g_steal_pointer (&verdict);
    }

  tact_profile_scan_text (self, outgoing, outgoing->text, NULL, verdict);

  /* Attachments (tact-attachment*.c) append their findings here, with
   * finding->attachment set, through tact_profile_scan_text() for the text
   * they extract and tact_verdict_add_finding() for everything else. */
  if (!verdict_has_guard_error (verdict))
    tact_attachment_check (self, outgoing, verdict);

  /* A check that failed anywhere is no check: the guard error alone. */
  error_verdict = guard_error_only (verdict);
  if (error_verdict != NULL)
    return error_verdict;

  g_ptr_array_sort (verdict->findings, compare_findings);
  separate_shadow (self, verdict);

  return g_steal_pointer (&verdict);
}
