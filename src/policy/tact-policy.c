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
#include "tact-policy-private.h"

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
  g_free (finding);
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

const char *
tact_rule_get_example (const TactRule *rule)
{
  g_return_val_if_fail (rule != NULL, NULL);
  return rule->example;
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

struct _TactProfile
{
  GObject          parent_instance;

  /* owned */
  TactProfileData *data;     /* parsed content: id, version, name, rules, allow terms */
  TactMatcher     *matcher;  /* compiled detectors; thread-safe */
};

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

TactProfile *
tact_profile_new_from_bytes (GBytes  *json,
                             GError **error)
{
  g_autoptr(TactProfile) self = NULL;
  g_autoptr(TactProfileData) data = NULL;
  TactMatcher *matcher;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = tact_profile_data_parse (json, error);
  if (data == NULL)
    return NULL;

  matcher = tact_matcher_new (data->rules, (const char * const *) data->allow_terms, error);
  if (matcher == NULL)
    return NULL;

  self = g_object_new (TACT_TYPE_PROFILE, NULL);
  self->data = g_steal_pointer (&data);
  self->matcher = matcher;

  g_debug ("Loaded profile %s version %s: %u rules",
           self->data->id, self->data->version, self->data->rules->len);

  return g_steal_pointer (&self);
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

TactVerdict *
tact_profile_check (TactProfile        *self,
                    const TactOutgoing *outgoing)
{
  g_autoptr(TactVerdict) verdict = g_new0 (TactVerdict, 1);
  g_autoptr(TactNormalized) norm = NULL;
  g_autoptr(GArray) hits = NULL;
  g_autofree char *valid_text = NULL;
  const char *text;
  TactLang lang;

  verdict->action = TACT_ACTION_ALLOW;
  verdict->findings = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_finding_free);

  g_return_val_if_fail (TACT_IS_PROFILE (self), g_steal_pointer (&verdict));
  g_return_val_if_fail (outgoing != NULL, g_steal_pointer (&verdict));

  text = outgoing->text;
  if (text == NULL || text[0] == '\0')
    return g_steal_pointer (&verdict);

  /* Offsets refer to the text as the user sees it; invalid bytes show as U+FFFD. */
  if (!g_utf8_validate (text, -1, NULL))
    text = valid_text = g_utf8_make_valid (text, -1);

  norm = tact_normalized_new (text, -1);
  hits = tact_matcher_scan (self->matcher, norm->text->str, norm->text->len);
  lang = tact_lang_current ();

  for (guint i = 0; i < hits->len; i++)
    {
      const TactHit *hit = &g_array_index (hits, TactHit, i);
      const TactRule *rule = g_ptr_array_index (self->data->rules, hit->rule);
      const TactDetector *detector = g_ptr_array_index (rule->detectors, hit->detector);
      TactFinding *finding;

      if (!tact_rule_applies (rule, outgoing))
        continue;

      finding = g_new0 (TactFinding, 1);
      finding->rule_id = g_strdup (rule->id);
      finding->title = g_strdup (tact_localized_get (&rule->title, lang));
      finding->explanation = g_strdup (tact_localized_get (&rule->explanation, lang));
      finding->clauses = g_strdupv (rule->clauses);
      finding->action = rule_effective_action (rule, outgoing);
      finding->detector = g_strdup (tact_detector_type_to_string (detector->type));
      tact_normalized_map_span (norm, hit->from, hit->to, &finding->start, &finding->end);
      finding->matched = g_utf8_substring (text, finding->start, finding->end);
      finding->alternative = g_strdup (tact_localized_get (&rule->alternative, lang));
      finding->confidence = TACT_CONFIDENCE_MEDIUM;

      verdict->action = MAX (verdict->action, finding->action);
      g_ptr_array_add (verdict->findings, finding);
    }

  g_ptr_array_sort (verdict->findings, compare_findings);

  return g_steal_pointer (&verdict);
}
