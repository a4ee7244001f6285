/* tact-matrix-private.h: intra-module API of src/matrix (not for other layers).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "tact-matrix.h"

G_BEGIN_DECLS

/* Deepest JSON nesting accepted from the network. json-glib recurses while parsing and
 * crashes on ~100k levels, so bodies are pre-scanned before they reach it. Legitimate
 * Matrix events are nowhere near this. */
#define TACT_MATRIX_MAX_JSON_DEPTH 256

/* ---- The client (tact-matrix-client.c) -------------------------------------------- */

/* The client's one SoupSession (borrowed). For tests, which watch ::request-queued to see
 * the exact URL that goes on the wire. */
SoupSession *tact_matrix_client_get_session (TactMatrixClient *self);

/* ---- Errors (tact-matrix-error.c) ------------------------------------------------ */

/* Builds the GError for a non-2xx response: a Matrix error when the body is a JSON
 * object with an "errcode", else TACT_MATRIX_ERROR_HTTP. Never returns NULL. */
GError  *tact_matrix_error_new_from_response (guint               status,
                                              SoupMessageHeaders *headers,
                                              GBytes             *body);
/* Maps an errcode string ("M_FORBIDDEN") to the enum; unknown ones give UNKNOWN. */
TactMatrixError tact_matrix_error_code_from_errcode (const char *errcode);
/* Sets the extras carried by a TACT_MATRIX_ERROR GError. */
void     tact_matrix_error_set_extras (GError     *error,
                                       const char *errcode,
                                       gint64      retry_after_ms,
                                       gboolean    soft_logout,
                                       guint       http_status,
                                       gboolean    transient);
/* Turns a transport error (GIOError, GResolverError, GTlsError, SoupSessionError) into
 * TACT_MATRIX_ERROR_NETWORK, transient. Takes ownership of @error. */
GError  *tact_matrix_error_new_network (GError *error);
/* Retry-After header value (delta seconds or HTTP date) in ms, or -1. */
gint64   tact_matrix_parse_retry_after (const char *value);

/* ---- JSON helpers (tact-event.c) ------------------------------------------------- */

/* The typed member getters (tact_json_get_string …) are public: tact-matrix.h. */
/* TRUE when @member exists but is not a string (a malformed optional field). */
gboolean    tact_json_member_is_not_string (JsonObject *obj, const char *member);

/* Parses a network body: depth-limited, must be a JSON object when @want_object.
 * Errors are TACT_MATRIX_ERROR_BAD_RESPONSE. */
JsonNode   *tact_matrix_json_parse_bytes (GBytes *body, gboolean want_object, GError **error);
/* Returns TRUE when the JSON text nests deeper than @max_depth (strings are skipped). */
gboolean    tact_matrix_json_too_deep (const char *data, gsize len, guint max_depth);

/* Parses an array of events, skipping malformed ones (counted in *n_skipped).
 * @require_id: event_id and sender are required (timeline, state, /messages).
 * @require_state_key: state_key is required (state sections, stripped state). */
GPtrArray  *tact_matrix_parse_event_array (JsonArray  *array,
                                           const char *room_id,
                                           gboolean    require_id,
                                           gboolean    require_state_key,
                                           guint      *n_skipped);

G_END_DECLS
