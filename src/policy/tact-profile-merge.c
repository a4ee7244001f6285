/* tact-profile-merge.c: several profiles that apply to one person, merged so that the most
 * restrictive wins rule by rule (issue 8; docs/profile-distribution.md, "Assignments").
 *
 * The merge works on the JSON documents (each already a valid profile) and the result is loaded
 * like any profile, so it is validated, limited and compiled the same way:
 *   rules        by id: a rule in one profile only is kept; a rule in several takes the stricter
 *                definition (its action, then its action for rooms with outsiders, then the
 *                first profile's);
 *   allow_terms  only the phrases every profile allows (an exemption must be agreed by all);
 *   roles        the union of the users of each role;
 *   approvals, audit   the first profile's that has them;
 *   announcement the lowest threshold;
 *   company      the homeservers all profiles count as the company's, the outsider patterns of
 *                any of them;
 *   training     the highest pass mark, the shortest interval, the strictest gate, every
 *                case and module (a module id taken once, the first's); when any asks for
 *                retraining from a version, the merged one does from the merged version;
 *   format       the highest; ids joined with ".", versions with "+".
 */
#include "tact-policy.h"

#include <json-glib/json-glib.h>
#include <string.h>

static JsonNode *
parse (GBytes *json, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size;
  const char *data = g_bytes_get_data (json, &size);

  if (!json_parser_load_from_data (parser, data, (gssize) size, error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID, "$: expected an object");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

static TactAction
action_of (JsonObject *rule, const char *member)
{
  TactAction action = TACT_ACTION_ALLOW;
  const char *text = json_object_has_member (rule, member)
                     ? json_object_get_string_member_with_default (rule, member, NULL) : NULL;

  if (!text && g_strcmp0 (member, "action_if_external") == 0)
    return action_of (rule, "action");
  if (text)
    tact_action_from_string (text, &action);
  return action;
}

/* TRUE when candidate is stricter than current (same rule id). */
static gboolean
stricter (JsonObject *candidate, JsonObject *current)
{
  TactAction a = action_of (candidate, "action"), b = action_of (current, "action");

  if (a != b)
    return a > b;
  return action_of (candidate, "action_if_external") > action_of (current, "action_if_external");
}

static JsonObject *
member_object (JsonObject *object, const char *member)
{
  JsonNode *node = json_object_has_member (object, member) ? json_object_get_member (object, member) : NULL;
  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object, const char *member)
{
  JsonNode *node = object && json_object_has_member (object, member) ? json_object_get_member (object, member) : NULL;
  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
array_has_string (JsonArray *array, const char *text)
{
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_VALUE (node) && g_strcmp0 (json_node_get_string (node), text) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Strings of a that are in b too (a NULL b keeps a). */
static JsonArray *
intersect (JsonArray *a, JsonArray *b)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; a && i < json_array_get_length (a); i++)
    {
      const char *text = json_array_get_string_element (a, i);
      if (!b || array_has_string (b, text))
        json_array_add_string_element (out, text);
    }
  return out;
}

/* Strings of a, then those of b not in a. */
static JsonArray *
unite (JsonArray *a, JsonArray *b)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; a && i < json_array_get_length (a); i++)
    json_array_add_string_element (out, json_array_get_string_element (a, i));
  for (guint i = 0; b && i < json_array_get_length (b); i++)
    if (!array_has_string (out, json_array_get_string_element (b, i)))
      json_array_add_string_element (out, json_array_get_string_element (b, i));
  return out;
}

static int
gate_rank (JsonObject *training)
{
  const char *gate = json_object_get_string_member_with_default (training, "gate", "none");

  return g_str_equal (gate, "all") ? 2 : g_str_equal (gate, "external") ? 1 : 0;
}

/* "training": the stricter of each setting, and both profiles' cases and modules. */
static void
merge_training (JsonObject *merged, JsonObject *other)
{
  JsonObject *a = member_object (merged, "training");
  JsonObject *b = member_object (other, "training");
  static const char * const lists[] = { "cases", "modules" };

  if (b == NULL)
    return;
  if (a == NULL)
    {
      json_object_set_member (merged, "training", json_node_copy (json_object_get_member (other, "training")));
      return;
    }
  if (json_object_has_member (b, "pass_mark") &&
      json_object_get_int_member (b, "pass_mark") >
      json_object_get_int_member_with_default (a, "pass_mark", TACT_TRAINING_DEFAULT_PASS_MARK))
    json_object_set_int_member (a, "pass_mark", json_object_get_int_member (b, "pass_mark"));
  if (json_object_has_member (b, "interval_days") &&
      json_object_get_int_member (b, "interval_days") <
      json_object_get_int_member_with_default (a, "interval_days", G_MAXINT))
    json_object_set_int_member (a, "interval_days", json_object_get_int_member (b, "interval_days"));
  if (gate_rank (b) > gate_rank (a))
    json_object_set_string_member (a, "gate", json_object_get_string_member (b, "gate"));
  if (json_object_has_member (b, "since_version"))
    json_object_set_string_member (a, "since_version", json_object_get_string_member (b, "since_version"));
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      JsonArray *to = member_array (a, lists[l]);
      JsonArray *from = member_array (b, lists[l]);

      if (from == NULL)
        continue;
      if (to == NULL)
        {
          to = json_array_new ();
          json_object_set_array_member (a, lists[l], to);
        }
      for (guint i = 0; i < json_array_get_length (from); i++)
        {
          JsonObject *item = json_array_get_object_element (from, i);
          gboolean taken = FALSE;

          for (guint k = 0; g_str_equal (lists[l], "modules") && k < json_array_get_length (to); k++)
            taken |= g_strcmp0 (json_object_get_string_member (json_array_get_object_element (to, k), "id"),
                                json_object_get_string_member (item, "id")) == 0;
          if (!taken)
            json_array_add_object_element (to, json_object_ref (item));
        }
    }
}

static void
merge_into (JsonObject *merged, JsonObject *other)
{
  JsonArray *rules = member_array (merged, "rules");
  JsonArray *other_rules = member_array (other, "rules");

  /* Rules, by id. */
  for (guint i = 0; other_rules && i < json_array_get_length (other_rules); i++)
    {
      JsonObject *rule = json_array_get_object_element (other_rules, i);
      const char *id = json_object_get_string_member_with_default (rule, "id", NULL);
      gboolean found = FALSE;

      for (guint j = 0; rules && j < json_array_get_length (rules) && !found; j++)
        {
          JsonObject *current = json_array_get_object_element (rules, j);
          if (g_strcmp0 (json_object_get_string_member_with_default (current, "id", NULL), id) != 0)
            continue;
          found = TRUE;
          if (stricter (rule, current))
            {
              json_array_remove_element (rules, j);
              json_array_add_element (rules, json_node_copy (json_array_get_element (other_rules, i)));
            }
        }
      if (!found && rules)
        json_array_add_element (rules, json_node_copy (json_array_get_element (other_rules, i)));
    }

  /* Exemptions only where every profile agrees. */
  if (json_object_has_member (merged, "allow_terms") || json_object_has_member (other, "allow_terms"))
    json_object_set_array_member (merged, "allow_terms",
                                  intersect (member_array (merged, "allow_terms"),
                                             member_array (other, "allow_terms") ? member_array (other, "allow_terms")
                                                                                 : json_array_new ()));

  /* Roles: everyone who may approve in any of them. */
  {
    JsonObject *roles = member_object (merged, "roles");
    JsonObject *other_roles = member_object (other, "roles");
    g_autoptr(GList) names = other_roles ? json_object_get_members (other_roles) : NULL;

    if (other_roles && !roles)
      {
        roles = json_object_new ();
        json_object_set_object_member (merged, "roles", roles);
      }
    for (GList *l = names; l; l = l->next)
      json_object_set_array_member (roles, l->data,
                                    unite (member_array (roles, l->data), member_array (other_roles, l->data)));
  }

  /* The first profile's rooms, else the other's. */
  if (!json_object_has_member (merged, "approvals") && json_object_has_member (other, "approvals"))
    json_object_set_member (merged, "approvals", json_node_copy (json_object_get_member (other, "approvals")));
  if (!json_object_has_member (merged, "audit") && json_object_has_member (other, "audit"))
    json_object_set_member (merged, "audit", json_node_copy (json_object_get_member (other, "audit")));

  /* The lowest announcement threshold. */
  {
    JsonObject *a = member_object (merged, "announcement");
    JsonObject *b = member_object (other, "announcement");

    if (b && (!a || json_object_get_int_member_with_default (b, "min_members", G_MAXINT)
                    < json_object_get_int_member_with_default (a, "min_members", G_MAXINT)))
      json_object_set_member (merged, "announcement", json_node_copy (json_object_get_member (other, "announcement")));
  }

  /* The company: servers all agree are the company's; anyone any calls an outsider. */
  {
    JsonObject *a = member_object (merged, "company");
    JsonObject *b = member_object (other, "company");

    if (a && b)
      {
        json_object_set_array_member (a, "homeservers",
                                      intersect (member_array (a, "homeservers"), member_array (b, "homeservers")));
        json_object_set_array_member (a, "outsiders",
                                      unite (member_array (a, "outsiders"), member_array (b, "outsiders")));
      }
    else if (b)
      json_object_set_member (merged, "company", json_node_copy (json_object_get_member (other, "company")));
  }

  merge_training (merged, other);

  /* Identity. */
  json_object_set_int_member (merged, "format",
                              MAX (json_object_get_int_member_with_default (merged, "format", 1),
                                   json_object_get_int_member_with_default (other, "format", 1)));
  {
    g_autofree char *id = g_strdup_printf ("%s.%s", json_object_get_string_member_with_default (merged, "id", ""),
                                           json_object_get_string_member_with_default (other, "id", ""));
    g_autofree char *version = g_strdup_printf ("%s+%s", json_object_get_string_member_with_default (merged, "version", ""),
                                                json_object_get_string_member_with_default (other, "version", ""));
    json_object_set_string_member (merged, "id", id);
    json_object_set_string_member (merged, "version", version);
  }
}

GBytes *
tact_profile_merge_json (GBytes * const *jsons, guint n, GError **error)
{
  g_autoptr(JsonNode) merged = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length;
  char *text;

  g_return_val_if_fail (n > 0, NULL);

  /* Each must be a valid profile on its own: merging never makes a bad one acceptable. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TactProfile) alone = tact_profile_new_from_bytes (jsons[i], error);
      if (!alone)
        return NULL;
    }
  if (n == 1)
    return g_bytes_ref (jsons[0]);
  merged = parse (jsons[0], error);
  if (!merged)
    return NULL;
  for (guint i = 1; i < n; i++)
    {
      g_autoptr(JsonNode) other = parse (jsons[i], error);
      if (!other)
        return NULL;
      merge_into (json_node_get_object (merged), json_node_get_object (other));
    }
  /* A completion is of the merged profile: "retrain from version 5" of one input means
   * from this combination. */
  {
    JsonObject *training = member_object (json_node_get_object (merged), "training");

    if (training != NULL && json_object_has_member (training, "since_version"))
      json_object_set_string_member (training, "since_version",
                                     json_object_get_string_member (json_node_get_object (merged), "version"));
  }
  json_generator_set_root (generator, merged);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}
