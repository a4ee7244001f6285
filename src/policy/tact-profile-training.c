/* tact-profile-training.c: a profile's "training" section (format 2; issue 9, TRN-1…TRN-4)
 * and its getters: the tutorial's pass mark, when a completion stops counting, what waits
 * for the tutorial to be passed, and the company's own cases and role modules.
 *
 *   "training": {
 *     "pass_mark": 80,                 percent of the quiz, 1–100 (default 80)
 *     "interval_days": 365,            a completion counts this long (TRN-2; default: for ever)
 *     "since_version": "5",            completions of older versions of this profile do not
 *                                      count (TRN-2: "retrain when the rules change")
 *     "gate": "external",              none | external | all (TRN-1; default none)
 *     "cases": [ { "title": {…}, "text": {…}, "rule": "pub1-secrets" } ],       TRN-4
 *     "modules": [ { "id": "sales", "title": {…}, "text": {…},
 *                    "rules": ["pub10-promises", "pub11-marketing-claims"] } ]  TRN-3
 *   }
 *
 * Texts are {"en", "zh_CN", "zh_TW"} objects like a rule's title. docs/profile.md has the
 * schema; parsed after the rules, whose ids cases and modules name. */
#define _GNU_SOURCE  /* strverscmp */
#include "tact-policy-private.h"
#include "tact-profile-loader-private.h"
#include "tact-profile-object.h"

#include <string.h>

#define MAX_TRAINING_CASES   200
#define MAX_TRAINING_MODULES 50

struct _TactTrainingCase {
  TactLocalized title;
  TactLocalized text;
  char         *rule_id;   /* owned, may be NULL */
};

struct _TactTrainingModule {
  char         *id;
  TactLocalized title;
  TactLocalized text;
  GStrv         rule_ids;  /* owned, never NULL */
};

void
tact_training_case_free (TactTrainingCase *training_case)
{
  tact_localized_clear (&training_case->title);
  tact_localized_clear (&training_case->text);
  g_free (training_case->rule_id);
  g_free (training_case);
}

void
tact_training_module_free (TactTrainingModule *module)
{
  g_free (module->id);
  tact_localized_clear (&module->title);
  tact_localized_clear (&module->text);
  g_strfreev (module->rule_ids);
  g_free (module);
}

static gboolean
has_rule (TactProfileData *data,
          const char      *id)
{
  for (guint r = 0; r < data->rules->len; r++)
    if (g_strcmp0 (((const TactRule *) g_ptr_array_index (data->rules, r))->id, id) == 0)
      return TRUE;
  return FALSE;
}

/* A rule id of the profile, or NULL (with an error). */
static char *
parse_rule_ref (Ctx             *ctx,
                const char      *path,
                JsonNode        *node,
                TactProfileData *data)
{
  g_autofree char *id = tact_loader_parse_string (ctx, path, node);

  if (id != NULL && !has_rule (data, id))
    {
      g_autofree char *shown = tact_loader_error_line (id);

      tact_loader_error (ctx, path, "no rule has the id \"%s\"", shown);
      return NULL;
    }
  return g_steal_pointer (&id);
}

static void
parse_case (Ctx             *ctx,
            const char      *path,
            JsonNode        *node,
            TactProfileData *data)
{
  static const char * const keys[] = { "title", "text", "rule", NULL };
  TactTrainingCase *training_case;
  JsonObject *object;
  JsonNode *member;
  g_autofree char *sub_title = g_strdup_printf ("%s.title", path);
  g_autofree char *sub_text = g_strdup_printf ("%s.text", path);
  g_autofree char *sub_rule = g_strdup_printf ("%s.rule", path);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, path, "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, path, object, keys);
  training_case = g_new0 (TactTrainingCase, 1);
  g_ptr_array_add (data->training_cases, training_case);
  if ((member = tact_loader_get_member (ctx, path, object, "title", TRUE)) != NULL)
    tact_loader_parse_localized (ctx, sub_title, member, &training_case->title);
  if ((member = tact_loader_get_member (ctx, path, object, "text", TRUE)) != NULL)
    tact_loader_parse_localized (ctx, sub_text, member, &training_case->text);
  if ((member = tact_loader_get_member (ctx, path, object, "rule", FALSE)) != NULL)
    training_case->rule_id = parse_rule_ref (ctx, sub_rule, member, data);
}

static void
parse_module (Ctx             *ctx,
              const char      *path,
              JsonNode        *node,
              TactProfileData *data)
{
  static const char * const keys[] = { "id", "title", "text", "rules", NULL };
  TactTrainingModule *module;
  JsonObject *object;
  JsonNode *member;
  g_autofree char *sub_id = g_strdup_printf ("%s.id", path);
  g_autofree char *sub_title = g_strdup_printf ("%s.title", path);
  g_autofree char *sub_text = g_strdup_printf ("%s.text", path);
  g_autofree char *sub_rules = g_strdup_printf ("%s.rules", path);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, path, "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, path, object, keys);
  module = g_new0 (TactTrainingModule, 1);
  g_ptr_array_add (data->training_modules, module);
  if ((member = tact_loader_get_member (ctx, path, object, "id", TRUE)) != NULL &&
      (module->id = tact_loader_parse_identifier (ctx, sub_id, member)) != NULL)
    for (guint m = 0; m + 1 < data->training_modules->len; m++)
      if (g_strcmp0 (((TactTrainingModule *) g_ptr_array_index (data->training_modules, m))->id,
                     module->id) == 0)
        tact_loader_error (ctx, sub_id, "another module has the id \"%s\"", module->id);
  if ((member = tact_loader_get_member (ctx, path, object, "title", TRUE)) != NULL)
    tact_loader_parse_localized (ctx, sub_title, member, &module->title);
  if ((member = tact_loader_get_member (ctx, path, object, "text", TRUE)) != NULL)
    tact_loader_parse_localized (ctx, sub_text, member, &module->text);
  if ((member = tact_loader_get_member (ctx, path, object, "rules", TRUE)) != NULL)
    {
      module->rule_ids = tact_loader_parse_string_array (ctx, sub_rules, member, FALSE, NULL);
      for (guint i = 0; module->rule_ids != NULL && module->rule_ids[i] != NULL; i++)
        if (!has_rule (data, module->rule_ids[i]))
          {
            g_autofree char *shown = tact_loader_error_line (module->rule_ids[i]);

            tact_loader_error (ctx, sub_rules, "no rule has the id \"%s\"", shown);
          }
    }
  if (module->rule_ids == NULL)
    module->rule_ids = g_new0 (char *, 1);
}

/* Parses an array of at most @max objects at @key of @object with @parse. */
static void
parse_list (Ctx             *ctx,
            JsonObject      *object,
            const char      *key,
            guint            max,
            void           (*parse) (Ctx *, const char *, JsonNode *, TactProfileData *),
            TactProfileData *data)
{
  g_autofree char *path = g_strdup_printf ("$.training.%s", key);
  JsonNode *member = tact_loader_get_member (ctx, "$.training", object, key, FALSE);
  JsonArray *array;

  if (member == NULL)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (member))
    {
      tact_loader_error (ctx, path, "expected an array, got %s", tact_loader_node_kind (member));
      return;
    }
  array = json_node_get_array (member);
  if (json_array_get_length (array) > max)
    {
      tact_loader_error (ctx, path, "at most %u items, got %u", max, json_array_get_length (array));
      return;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *sub = g_strdup_printf ("%s[%u]", path, i);

      parse (ctx, sub, json_array_get_element (array, i), data);
    }
}

void
tact_profile_parse_training (Ctx             *ctx,
                             JsonNode        *node,
                             TactProfileData *data)
{
  static const char * const keys[] = {
    "pass_mark", "interval_days", "since_version", "gate", "cases", "modules", NULL
  };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, "$.training", "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, "$.training", object, keys);

  if ((member = tact_loader_get_member (ctx, "$.training", object, "pass_mark", FALSE)) != NULL &&
      tact_loader_parse_positive (ctx, "$.training.pass_mark", member, &data->training_pass_mark) &&
      data->training_pass_mark > 100)
    tact_loader_error (ctx, "$.training.pass_mark", "expected a percentage from 1 to 100, got %u",
                       data->training_pass_mark);
  if ((member = tact_loader_get_member (ctx, "$.training", object, "interval_days", FALSE)) != NULL)
    tact_loader_parse_positive (ctx, "$.training.interval_days", member, &data->training_interval_days);
  if ((member = tact_loader_get_member (ctx, "$.training", object, "since_version", FALSE)) != NULL)
    data->training_since_version = tact_loader_parse_string (ctx, "$.training.since_version", member);
  if ((member = tact_loader_get_member (ctx, "$.training", object, "gate", FALSE)) != NULL)
    {
      g_autofree char *gate = tact_loader_parse_string (ctx, "$.training.gate", member);

      if (g_strcmp0 (gate, "none") == 0)
        data->training_gate = TACT_TRAINING_GATE_NONE;
      else if (g_strcmp0 (gate, "external") == 0)
        data->training_gate = TACT_TRAINING_GATE_EXTERNAL;
      else if (g_strcmp0 (gate, "all") == 0)
        data->training_gate = TACT_TRAINING_GATE_ALL;
      else if (gate != NULL)
        {
          g_autofree char *shown = tact_loader_error_line (gate);

          tact_loader_error (ctx, "$.training.gate", "expected none, external or all, got \"%s\"", shown);
        }
    }
  parse_list (ctx, object, "cases", MAX_TRAINING_CASES, parse_case, data);
  parse_list (ctx, object, "modules", MAX_TRAINING_MODULES, parse_module, data);
}

/* ------------------------------------------------------------------------- */
/* Getters                                                                   */
/* ------------------------------------------------------------------------- */

guint
tact_profile_get_training_pass_mark (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), TACT_TRAINING_DEFAULT_PASS_MARK);
  return self->data->training_pass_mark;
}

guint
tact_profile_get_training_interval_days (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), 0);
  return self->data->training_interval_days;
}

const char *
tact_profile_get_training_since_version (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  return self->data->training_since_version;
}

TactTrainingGate
tact_profile_get_training_gate (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), TACT_TRAINING_GATE_NONE);
  return self->data->training_gate;
}

guint
tact_profile_get_n_training_cases (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), 0);
  return self->data->training_cases->len;
}

const TactTrainingCase *
tact_profile_get_training_case (TactProfile *self,
                                guint        i)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  g_return_val_if_fail (i < self->data->training_cases->len, NULL);
  return g_ptr_array_index (self->data->training_cases, i);
}

const char *
tact_training_case_get_title (const TactTrainingCase *training_case)
{
  return tact_localized_get (&training_case->title, tact_lang_current ());
}

const char *
tact_training_case_get_text (const TactTrainingCase *training_case)
{
  return tact_localized_get (&training_case->text, tact_lang_current ());
}

const char *
tact_training_case_get_rule_id (const TactTrainingCase *training_case)
{
  return training_case->rule_id;
}

guint
tact_profile_get_n_training_modules (TactProfile *self)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), 0);
  return self->data->training_modules->len;
}

const TactTrainingModule *
tact_profile_get_training_module (TactProfile *self,
                                  guint        i)
{
  g_return_val_if_fail (TACT_IS_PROFILE (self), NULL);
  g_return_val_if_fail (i < self->data->training_modules->len, NULL);
  return g_ptr_array_index (self->data->training_modules, i);
}

const char *
tact_training_module_get_id (const TactTrainingModule *module)
{
  return module->id;
}

const char *
tact_training_module_get_title (const TactTrainingModule *module)
{
  return tact_localized_get (&module->title, tact_lang_current ());
}

const char *
tact_training_module_get_text (const TactTrainingModule *module)
{
  return tact_localized_get (&module->text, tact_lang_current ());
}

const char * const *
tact_training_module_get_rule_ids (const TactTrainingModule *module)
{
  return (const char * const *) module->rule_ids;
}

gboolean
tact_profile_training_counts (TactProfile *self,
                              const char  *profile_id,
                              const char  *version,
                              GDateTime   *completed,
                              GDateTime   *now)
{
  const TactProfileData *data;

  g_return_val_if_fail (TACT_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (completed != NULL && now != NULL, FALSE);
  data = self->data;

  if (g_strcmp0 (profile_id, data->id) != 0 || version == NULL)
    return FALSE;
  /* Versions compare as version numbers do (strverscmp): "10" after "9", "4.10" after
   * "4.2". */
  if (data->training_since_version != NULL && strverscmp (version, data->training_since_version) < 0)
    return FALSE;
  if (data->training_interval_days > 0 &&
      g_date_time_difference (now, completed) >= (GTimeSpan) data->training_interval_days * G_TIME_SPAN_DAY)
    return FALSE;
  /* A completion dated in the future (a clock set back) counts: the person did pass. */
  return TRUE;
}
