/* tact-canonical-json.h: Matrix canonical JSON (spec appendix "Canonical JSON"), the
 * byte-exact form that approval requests are hashed over.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deepest nesting of arrays and objects that is encoded; one level deeper is an error.
 * The top-level container is level 1. Approval requests are a few levels deep. */
#define TACT_CANONICAL_JSON_MAX_DEPTH 64

/* The canonical JSON text of @node: object members sorted by the bytes of their UTF-8
 * names, no whitespace, strings escaped minimally (only `"`, `\` and U+0000–U+001F, with
 * \b \f \n \r \t where they exist, else \u00xx in lowercase hex), non-ASCII written as
 * raw UTF-8. Numbers must be integers in [-(2^53)+1, 2^53-1]; a double whose value is
 * such an integer (json-glib parses `1e10` and `-0.0` as doubles) is written as that
 * integer, any other double (a fraction, NaN, infinity, out of range) is an error.
 *
 * Returns NULL with G_IO_ERROR_INVALID_DATA on a number that is not allowed, a string or
 * member name that is not valid UTF-8, or nesting deeper than
 * TACT_CANONICAL_JSON_MAX_DEPTH. The message never quotes the content. */
char *tact_canonical_json        (JsonNode  *node,
                                  GError   **error);

/* Lowercase hex SHA-256 (64 characters) of tact_canonical_json (@node)'s bytes, or NULL
 * with the same errors. */
char *tact_canonical_json_sha256 (JsonNode  *node,
                                  GError   **error);

G_END_DECLS
