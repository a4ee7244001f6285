/* tact-cli-json.c: JSON output shared by tact-policy's commands. */
#include <stdio.h>

#include "tact-cli-json.h"

void
tact_cli_add_profile (JsonBuilder *builder,
                      TactProfile *profile)
{
  json_builder_set_member_name (builder, "profile");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, tact_profile_get_id (profile));
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, tact_profile_get_version (profile));
  json_builder_end_object (builder);
}

void
tact_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *output = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  output = json_generator_to_data (generator, NULL);
  /* Not g_print(): it converts to the locale's charset (CJK → "?" under LANG=C),
   * and JSON is UTF-8. */
  fputs (output, stdout);
  fputs ("\n", stdout);
}
