/* tact-cli-json.h: JSON output shared by tact-policy's commands. */
#pragma once

#include <json-glib/json-glib.h>

#include "policy/tact-policy.h"

/* Adds "profile": {"id": …, "version": …} to the object being built. */
void tact_cli_add_profile (JsonBuilder *builder, TactProfile *profile);

/* Prints the built document, pretty, as UTF-8 whatever the locale. */
void tact_cli_print_json (JsonBuilder *builder);
