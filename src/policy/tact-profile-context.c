/* tact-profile-context.c: the classifier's keys in a profile (docs/profile.md,
 * docs/classifier.md): the "classifier" detector, the "context" section (when a message
 * read as harmless lowers the words of which rules; parsed after the rules) and a rule's
 * "unless" (its words drop when the message reads as one harmless kind). Split from
 * tact-profile-loader.c. */
#include "tact-policy-private.h"
#include "tact-profile-loader-private.h"

/* A context cue: a term, or visible punctuation such as 《 (titles). */
static gboolean
validate_cue (Ctx        *ctx,
              const char *path,
              const char *item)
{
  g_autofree char *norm = tact_normalize_string (item);

  g_strstrip (norm);
  if (norm[0] == '\0')
    {
      tact_loader_error (ctx, path, "expected a cue with at least one visible character");
      return FALSE;
    }
  return TRUE;
}

/* A classifier score: a number in (0, 1]. */
gboolean
tact_loader_parse_score (Ctx        *ctx,
                         const char *path,
                         JsonNode   *node,
                         double     *out)
{
  double value;

  if (!JSON_NODE_HOLDS_VALUE (node) || (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
                                        json_node_get_value_type (node) != G_TYPE_INT64))
    {
      tact_loader_error (ctx, path, "expected a number between 0 and 1, got %s", tact_loader_node_kind (node));
      return FALSE;
    }
  value = json_node_get_value_type (node) == G_TYPE_DOUBLE ? json_node_get_double (node)
                                                           : (double) json_node_get_int (node);
  if (!(value > 0 && value <= 1))
    {
      tact_loader_error (ctx, path, "expected a number above 0 and at most 1, got %g", value);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* {"type": "classifier", "category": "pay_hr", "min_score": 0.5, "max_score": 0.75}; the
 * model's classes are checked when the profile is compiled (tact-policy.c). */
gboolean
tact_classifier_detector_parse (Ctx          *ctx,
                                const char   *path,
                                JsonObject   *object,
                                TactDetector *detector)
{
  static const char * const keys[] = { "type", "category", "min_score", "max_score", NULL };
  g_autofree char *min_path = g_strdup_printf ("%s.min_score", path);
  g_autofree char *max_path = g_strdup_printf ("%s.max_score", path);
  JsonNode *member;

  detector->type = TACT_DETECTOR_CLASSIFIER;
  detector->items = g_new0 (char *, 1);
  detector->min_score = 0.5;
  detector->max_score = 1.0;
  tact_loader_check_keys (ctx, path, object, keys);
  if ((member = tact_loader_get_member (ctx, path, object, "category", TRUE)) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING ||
          json_node_get_string (member)[0] == '\0')
        tact_loader_error (ctx, path, "category: expected a category name, got %s",
                           tact_loader_node_kind (member));
      else
        detector->category = g_strdup (json_node_get_string (member));
    }
  if ((member = tact_loader_get_member (ctx, path, object, "min_score", FALSE)) != NULL)
    tact_loader_parse_score (ctx, min_path, member, &detector->min_score);
  if ((member = tact_loader_get_member (ctx, path, object, "max_score", FALSE)) != NULL &&
      tact_loader_parse_score (ctx, max_path, member, &detector->max_score) &&
      detector->max_score <= detector->min_score)
    tact_loader_error (ctx, max_path, "must be above min_score");
  return detector->category != NULL;
}

/* Format 2: "context": {"harmless_min_score": 0.5, "cues": ["不得", "must not", "《", …],
 * "without_cue_min_score": 0.95, "sending_cues": ["这份", "附件", "attached", …],
 * "rules": ["pub1-secrets", …]} — a message the classifier reads as harmless (talk about
 * the policy, training, a title…) and that has one of the cues, or that it reads as one
 * harmless kind at without_cue_min_score (a message, not a file), lowers the word and
 * nearby findings of those rules, unless it has a sending cue (docs/classifier.md,
 * docs/profile.md). Parsed after the rules. */
#define MAX_CONTEXT_CUES 1000

void
tact_profile_parse_context (Ctx             *ctx,
               JsonNode        *node,
               TactProfileData *data)
{
  static const char * const keys[] = {
    "harmless_min_score", "cues", "without_cue_min_score", "sending_cues", "rules", NULL
  };
  JsonObject *object;
  JsonNode *member;
  g_auto(GStrv) cues = NULL;
  g_auto(GStrv) sending = NULL;
  g_auto(GStrv) rule_ids = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, "$.context", "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, "$.context", object, keys);
  if ((member = tact_loader_get_member (ctx, "$.context", object, "harmless_min_score", TRUE)) != NULL)
    tact_loader_parse_score (ctx, "$.context.harmless_min_score", member, &data->harmless_min_score);
  if ((member = tact_loader_get_member (ctx, "$.context", object, "without_cue_min_score", FALSE)) != NULL &&
      tact_loader_parse_score (ctx, "$.context.without_cue_min_score", member, &data->without_cue_min_score) &&
      data->without_cue_min_score < data->harmless_min_score)
    tact_loader_error (ctx, "$.context.without_cue_min_score",
                       "must not be lower than harmless_min_score");
  if ((member = tact_loader_get_member (ctx, "$.context", object, "cues", TRUE)) != NULL)
    cues = tact_loader_parse_string_array (ctx, "$.context.cues", member, FALSE, validate_cue);
  if (cues != NULL && g_strv_length (cues) > MAX_CONTEXT_CUES)
    tact_loader_error (ctx, "$.context.cues", "more than %d cues", MAX_CONTEXT_CUES);
  else if (cues != NULL)
    data->context_cues = tact_loader_normalised_variants (cues);
  if ((member = tact_loader_get_member (ctx, "$.context", object, "sending_cues", FALSE)) != NULL)
    sending = tact_loader_parse_string_array (ctx, "$.context.sending_cues", member, FALSE, validate_cue);
  if (sending != NULL && g_strv_length (sending) > MAX_CONTEXT_CUES)
    tact_loader_error (ctx, "$.context.sending_cues", "more than %d cues", MAX_CONTEXT_CUES);
  else if (sending != NULL)
    data->context_sending_cues = tact_loader_normalised_variants (sending);

  /* Which rules' words may be lowered: rules about what a message says, not about its
   * form (an important notice to a big group needs approval however harmless it is). */
  if ((member = tact_loader_get_member (ctx, "$.context", object, "rules", TRUE)) != NULL)
    rule_ids = tact_loader_parse_string_array (ctx, "$.context.rules", member, FALSE, NULL);
  for (guint i = 0; rule_ids != NULL && rule_ids[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint r = 0; r < data->rules->len; r++)
        {
          TactRule *rule = g_ptr_array_index (data->rules, r);

          if (g_str_equal (rule->id, rule_ids[i]))
            found = rule->lowered_in_context = TRUE;
        }
      if (!found)
        {
          g_autofree char *sub = g_strdup_printf ("$.context.rules[%u]", i);
          tact_loader_error (ctx, sub, "no rule has the id \"%s\"", rule_ids[i]);
        }
    }
}


/* "unless": {"category": "price_quote", "min_score": 0.5, "cues": ["list price", "官网"]} —
 * the rule's words (terms and regexes) drop when the classifier gives that harmless
 * category at least min_score and, when cues are given, the message has one of them: an
 * ordinary list-price quote does not need the department head (EXT-2,
 * docs/classifier.md). The category is checked against the model when the profile is
 * compiled. */
void
tact_rule_parse_unless (Ctx        *ctx,
                        const char *path,
                        JsonNode   *node,
                        TactRule   *rule)
{
  static const char * const keys[] = { "category", "min_score", "cues", NULL };
  g_autofree char *sub = g_strconcat (path, ".unless", NULL);
  g_auto(GStrv) cues = NULL;
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, sub, "expected an object with category and min_score, got %s",
                         tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, sub, object, keys);
  rule->unless_min_score = 0.5;
  if ((member = tact_loader_get_member (ctx, sub, object, "category", TRUE)) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING ||
          json_node_get_string (member)[0] == '\0')
        tact_loader_error (ctx, sub, "category: expected a category name");
      else
        rule->unless_category = g_strdup (json_node_get_string (member));
    }
  if ((member = tact_loader_get_member (ctx, sub, object, "min_score", FALSE)) != NULL)
    {
      g_autofree char *score = g_strconcat (sub, ".min_score", NULL);
      tact_loader_parse_score (ctx, score, member, &rule->unless_min_score);
    }
  if ((member = tact_loader_get_member (ctx, sub, object, "cues", FALSE)) != NULL)
    {
      g_autofree char *cues_path = g_strconcat (sub, ".cues", NULL);

      cues = tact_loader_parse_string_array (ctx, cues_path, member, FALSE, validate_cue);
      if (cues != NULL && g_strv_length (cues) > MAX_CONTEXT_CUES)
        tact_loader_error (ctx, cues_path, "more than %d cues", MAX_CONTEXT_CUES);
      else if (cues != NULL)
        rule->unless_cues = tact_loader_normalised_variants (cues);
    }
}
