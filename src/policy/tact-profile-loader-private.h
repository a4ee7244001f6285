/* tact-profile-loader-private.h: what the profile loader's files share
 * (tact-profile-loader.c, tact-profile-bounds.c). */
#pragma once

#include <json-glib/json-glib.h>

/* A load in progress: the errors so far, each "path: message". */
typedef struct {
  GPtrArray *errors;  /* owned, element-type char*: "path: message" */
  guint      format;  /* the profile's format, once read (rules' format-2 keys) */
} Ctx;

/* Adds an error at @path (up to the loader's maximum number of errors). */
G_GNUC_PRINTF (3, 4)
void tact_loader_error (Ctx        *ctx,
                        const char *path,
                        const char *format,
                        ...);

/* @text as one line of valid UTF-8 (control characters as \uXXXX). */
char *tact_loader_error_line (const char *text);

/* Shared parsing helpers (tact-profile-loader.c); each adds its errors to @ctx. */
typedef gboolean (*ItemValidator) (Ctx *ctx, const char *path, const char *item);

/* "a string", "an array", … for error messages. */
const char *tact_loader_node_kind         (JsonNode           *node);
/* Rejects keys not in @allowed (NULL-terminated). */
void       tact_loader_check_keys         (Ctx                *ctx,
                                           const char         *path,
                                           JsonObject         *object,
                                           const char * const *allowed);
/* The member, or NULL (with an error if @required). */
JsonNode  *tact_loader_get_member         (Ctx                *ctx,
                                           const char         *path,
                                           JsonObject         *object,
                                           const char         *key,
                                           gboolean            required);
/* A non-empty array of non-empty strings (empty allowed if @allow_empty), each checked
 * by @validate (may be NULL). */
GStrv      tact_loader_parse_string_array (Ctx                *ctx,
                                           const char         *path,
                                           JsonNode           *node,
                                           gboolean            allow_empty,
                                           ItemValidator       validate);
/* A non-empty string; an identifier ([A-Za-z0-9._-]+); a positive integer. */
char      *tact_loader_parse_string       (Ctx                *ctx,
                                           const char         *path,
                                           JsonNode           *node);
char      *tact_loader_parse_identifier   (Ctx                *ctx,
                                           const char         *path,
                                           JsonNode           *node);
gboolean   tact_loader_parse_positive     (Ctx                *ctx,
                                           const char         *path,
                                           JsonNode           *node,
                                           guint              *out);
/* {"en": …, "zh_CN": …, "zh_TW": …}: all three or none. */
void       tact_loader_parse_localized    (Ctx                *ctx,
                                           const char         *path,
                                           JsonNode           *node,
                                           TactLocalized      *out);
/* A number in (0, 1]. */
gboolean   tact_loader_parse_score        (Ctx                *ctx,
                                           const char         *path,
                                           JsonNode           *node,
                                           double             *out);
/* The normalised simplified and traditional variants of @words, without duplicates. */
GPtrArray *tact_loader_normalised_variants (GStrv              words);

/* A "nearby" detector's keys (tact-nearby.c); FALSE when it cannot be used. */
gboolean   tact_nearby_parse              (Ctx                *ctx,
                                           const char         *path,
                                           JsonObject         *object,
                                           TactDetector       *detector);

/* The "classifier" detector's keys (tact-profile-context.c); FALSE when it cannot be used. */
gboolean   tact_classifier_detector_parse (Ctx                *ctx,
                                           const char         *path,
                                           JsonObject         *object,
                                           TactDetector       *detector);
/* A rule's "unless" (tact-profile-context.c): {"category": "price_quote", "min_score": 0.6}. */
void       tact_rule_parse_unless         (Ctx                *ctx,
                                           const char         *path,
                                           JsonNode           *node,
                                           TactRule           *rule);

/* The "training" section (tact-profile-training.c), after the rules are parsed. */
void       tact_profile_parse_training    (Ctx                *ctx,
                                           JsonNode           *node,
                                           TactProfileData    *data);

/* The "context" section (tact-profile-context.c), after the rules are parsed. */
void       tact_profile_parse_context     (Ctx                *ctx,
                                           JsonNode           *node,
                                           TactProfileData    *data);

static inline gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* The array at @key of @object (which may be NULL), or NULL if it is not one. */
static inline JsonArray *
get_array (JsonObject *object,
           const char *key)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static inline JsonObject *
get_object (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* tact-profile-bounds.c: the byte-level pre-scan (size, nesting, values)
 * before json-glib parses, and the parsed tree's counts and lengths before
 * anything is validated. FALSE (with TACT_POLICY_ERROR_LIMIT, or errors in
 * @ctx) when a limit is passed. */
gboolean tact_profile_prescan      (const char  *bytes,
                                    gsize        len,
                                    GError     **error);
gboolean tact_profile_check_limits (Ctx         *ctx,
                                    JsonObject  *root);
