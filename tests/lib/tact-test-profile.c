/* tact-test-profile.c: profiles for tests (tact-test-profile.h). */
#include <json-glib/json-glib.h>

#include "tact-test-profile.h"

gboolean
tact_test_is_classifier_rule (JsonObject *rule)
{
  JsonArray *detectors = json_object_get_array_member (rule, "detectors");

  for (guint d = 0; d < json_array_get_length (detectors); d++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (detectors, d),
                                                  "type"), "classifier") == 0)
      return TRUE;
  return FALSE;
}

TactProfile *
tact_test_profile_words_only (void)
{
  const char *root = g_getenv ("TACT_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root != NULL ? root : ".", "data", "profiles",
                                            "default.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  JsonObject *top;
  JsonArray *rules;
  JsonArray *kept = json_array_new ();
  TactProfile *profile;
  gsize len;
  char *json;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  top = json_node_get_object (json_parser_get_root (parser));
  json_object_remove_member (top, "context");
  rules = json_object_get_array_member (top, "rules");
  for (guint r = 0; r < json_array_get_length (rules); r++)
    {
      JsonObject *rule = json_array_get_object_element (rules, r);

      json_object_remove_member (rule, "unless");
      if (!tact_test_is_classifier_rule (rule))
        json_array_add_object_element (kept, json_object_ref (rule));
    }
  json_object_set_array_member (top, "rules", kept);
  json_generator_set_root (generator, json_parser_get_root (parser));
  json = json_generator_to_data (generator, &len);
  bytes = g_bytes_new_take (json, len);
  profile = tact_profile_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return profile;
}
