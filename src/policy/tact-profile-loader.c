/* tact-profile-loader.c: parsing and validating profile JSON (formats 1 and 2).
 *
 * Validation is strict (unknown keys are errors: a typo in a policy must not
 * silently disable a rule) and exhaustive: the loader keeps going after an
 * error so `tact-policy validate` can list every problem at once, each with
 * the JSON path it concerns. See docs/profile.md for the format.
 *
 * Bounded (docs/profile.md, "Limits"): a byte-level pre-scan refuses a
 * document too big, too deeply nested or of too many values before json-glib
 * parses it (its parser recurses once per nesting level: 200,000 levels
 * overflow the stack), and the parsed tree's counts and lengths are checked
 * before anything is validated, normalised, converted or compiled. Each limit
 * is a TACT_POLICY_ERROR_LIMIT naming the limit and its JSON path. Both
 * live in tact-profile-bounds.c.
 */
#include "tact-policy-private.h"
#include "tact-profile-loader-private.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* The formats this version reads; format 2 adds roles, approvals, audit and
 * announcement (docs/profile.md, "Format 2"). */
#define TACT_PROFILE_FORMAT_MIN 1
#define TACT_PROFILE_FORMAT_MAX 2
#define TACT_APPROVAL_EXPIRY_DEFAULT 72
#define MAX_ERRORS 50


/* @text as one line of valid UTF-8: control characters (a key or value may
 * hold "\n" escapes, json-glib quotes tokens as they are) become \uXXXX, so
 * that every error stays one line that starts with its path (fuzz-profile). */
char *
tact_loader_error_line (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *line = g_string_sized_new (strlen (valid));

  for (const char *c = valid; *c != '\0'; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      g_string_append_printf (line, "\\u%04x", (guchar) *c);
    else
      g_string_append_c (line, *c);
  return g_string_free (line, FALSE);
}

void
tact_loader_error (Ctx        *ctx,
                   const char *path,
                   const char *format,
                   ...)
{
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  va_list args;

  if (ctx->errors->len >= MAX_ERRORS)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  line = g_strdup_printf ("%s: %s", path, message);
  g_ptr_array_add (ctx->errors, tact_loader_error_line (line));
}

/* A word for the node's JSON type, for "expected X, got Y" messages. */
const char *
tact_loader_node_kind (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY:  return "an array";
    case JSON_NODE_NULL:   return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:  return "a string";
    case G_TYPE_BOOLEAN: return "a boolean";
    case G_TYPE_INT64:   return "an integer";
    case G_TYPE_DOUBLE:  return "a number";
    default:             return "a value";
    }
}

/* Rejects keys not in @allowed (NULL-terminated). */
void
tact_loader_check_keys (Ctx                *ctx,
            const char         *path,
            JsonObject         *object,
            const char * const *allowed)
{
  JsonObjectIter iter;
  const char *key;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, NULL))
    {
      if (!g_strv_contains (allowed, key))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) allowed);
          tact_loader_error (ctx, path, "unknown key \"%s\" (expected one of: %s)", key, list);
        }
    }
}

/* Returns the member, or NULL (with an error if @required). */
JsonNode *
tact_loader_get_member (Ctx        *ctx,
            const char *path,
            JsonObject *object,
            const char *key,
            gboolean    required)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL && required)
    tact_loader_error (ctx, path, "missing required key \"%s\"", key);
  return node;
}

/* A non-empty string. */
char *
tact_loader_parse_string (Ctx        *ctx,
                          const char *path,
                          JsonNode   *node)
{
  const char *str;

  if (!node_is_string (node))
    {
      tact_loader_error (ctx, path, "expected a string, got %s", tact_loader_node_kind (node));
      return NULL;
    }
  str = json_node_get_string (node);
  if (str == NULL || str[0] == '\0')
    {
      tact_loader_error (ctx, path, "expected a non-empty string");
      return NULL;
    }
  return g_strdup (str);
}

/* An identifier: [A-Za-z0-9._-]+ */
char *
tact_loader_parse_identifier (Ctx        *ctx,
                              const char *path,
                              JsonNode   *node)
{
  g_autofree char *str = tact_loader_parse_string (ctx, path, node);

  if (str == NULL)
    return NULL;
  for (const char *p = str; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      {
        tact_loader_error (ctx, path, "expected an identifier of letters, digits, '.', '_' or '-'");
        return NULL;
      }
  return g_steal_pointer (&str);
}

void
tact_loader_parse_localized (Ctx           *ctx,
                             const char    *path,
                             JsonNode      *node,
                             TactLocalized *out)
{
  JsonObject *object;
  gboolean ok = TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, path, "expected an object with keys en, zh_CN, zh_TW, got %s",
                 tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, path, object, tact_lang_keys);

  for (guint i = 0; i < TACT_N_LANGS; i++)
    {
      g_autofree char *sub = g_strdup_printf ("%s.%s", path, tact_lang_keys[i]);
      JsonNode *member = tact_loader_get_member (ctx, path, object, tact_lang_keys[i], TRUE);

      if (member == NULL || (out->text[i] = tact_loader_parse_string (ctx, sub, member)) == NULL)
        ok = FALSE;
    }

  /* All or nothing, so tact_localized_get() never returns NULL for a set field. */
  if (!ok)
    tact_localized_clear (out);
}


/* A non-empty array of non-empty strings, each checked by @validate. */
GStrv
tact_loader_parse_string_array (Ctx           *ctx,
                    const char    *path,
                    JsonNode      *node,
                    gboolean       allow_empty,
                    ItemValidator  validate)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonArray *array;
  guint n;
  gboolean ok = TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      tact_loader_error (ctx, path, "expected an array of strings, got %s", tact_loader_node_kind (node));
      return NULL;
    }
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0 && !allow_empty)
    {
      tact_loader_error (ctx, path, "expected a non-empty array of strings");
      return NULL;
    }

  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sub = g_strdup_printf ("%s[%u]", path, i);
      g_autofree char *item = tact_loader_parse_string (ctx, sub, json_array_get_element (array, i));

      if (item == NULL || (validate != NULL && !validate (ctx, sub, item)))
        {
          ok = FALSE;
          continue;
        }
      g_strv_builder_add (builder, item);
    }

  return ok ? g_strv_builder_end (builder) : NULL;
}

static gboolean
parse_uint (Ctx        *ctx,
            const char *path,
            JsonNode   *node,
            guint      *out)
{
  gint64 value;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      tact_loader_error (ctx, path, "expected a non-negative integer, got %s", tact_loader_node_kind (node));
      return FALSE;
    }
  value = json_node_get_int (node);
  if (value < 0 || value > G_MAXINT)
    {
      tact_loader_error (ctx, path, "expected a non-negative integer, got %" G_GINT64_FORMAT, value);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
parse_action (Ctx        *ctx,
              const char *path,
              JsonNode   *node,
              TactAction *out)
{
  g_autofree char *str = tact_loader_parse_string (ctx, path, node);

  if (str == NULL)
    return FALSE;
  if (!tact_action_from_string (str, out))
    {
      tact_loader_error (ctx, path, "expected one of allow, warn, justify, approve, block, got \"%s\"", str);
      return FALSE;
    }
  return TRUE;
}

/* A positive integer (> 0, <= G_MAXINT). */
gboolean
tact_loader_parse_positive (Ctx        *ctx,
                            const char *path,
                            JsonNode   *node,
                            guint      *out)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) <= 0 || json_node_get_int (node) > G_MAXINT)
    {
      tact_loader_error (ctx, path, "expected a positive integer, got %s",
                 JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
                 ? "a number below 1 or too large" : tact_loader_node_kind (node));
      return FALSE;
    }
  *out = (guint) json_node_get_int (node);
  return TRUE;
}

/* A Matrix user id: ^@[^:]+:.+$ */
static gboolean
validate_user_id (Ctx        *ctx,
                  const char *path,
                  const char *item)
{
  const char *colon = strchr (item, ':');

  if (item[0] != '@' || colon == NULL || colon == item + 1 || colon[1] == '\0')
    {
      tact_loader_error (ctx, path, "expected a Matrix user id like \"@alice:example.com\", got \"%s\"",
                 item);
      return FALSE;
    }
  return TRUE;
}

/* A room id or alias: ^[!#][^:]+:.+$ */
static char *
parse_room (Ctx        *ctx,
            const char *path,
            JsonNode   *node)
{
  g_autofree char *room = tact_loader_parse_string (ctx, path, node);
  const char *colon;

  if (room == NULL)
    return NULL;
  colon = strchr (room, ':');
  if ((room[0] != '!' && room[0] != '#') || colon == NULL || colon == room + 1 ||
      colon[1] == '\0')
    {
      tact_loader_error (ctx, path, "expected a Matrix room id or alias like \"!abc:example.com\" "
                 "or \"#approvals:example.com\", got \"%s\"", room);
      return NULL;
    }
  return g_steal_pointer (&room);
}

static gboolean
parse_bool (Ctx        *ctx,
            const char *path,
            JsonNode   *node,
            gboolean   *out)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      tact_loader_error (ctx, path, "expected true or false, got %s", tact_loader_node_kind (node));
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* Policy-digest clause id: ^[A-Z]{3,4}-[0-9]+$. The brief said {3}, but the
 * digest has FILE-1 (four letters), so four-letter prefixes are accepted. */
static gboolean
validate_clause (Ctx        *ctx,
                 const char *path,
                 const char *item)
{
  const char *p = item;
  gsize letters = 0, digits = 0;

  for (; g_ascii_isupper (*p); p++)
    letters++;
  if (*p == '-')
    for (p++; g_ascii_isdigit (*p); p++)
      digits++;

  if (letters < 3 || letters > 4 || digits == 0 || *p != '\0')
    {
      tact_loader_error (ctx, path, "expected a policy clause id like \"PUB-1\" (^[A-Z]{3,4}-[0-9]+$), got \"%s\"", item);
      return FALSE;
    }
  return TRUE;
}

/* A term must still say something once normalised ("  ·  " does not). */
static gboolean
validate_term (Ctx        *ctx,
               const char *path,
               const char *item)
{
  g_autofree char *norm = tact_normalize_string (item);
  gboolean has_word = FALSE;

  for (const char *p = norm; *p && !has_word; p = g_utf8_next_char (p))
    has_word = g_unichar_isalnum (g_utf8_get_char (p));

  if (!has_word)
    {
      tact_loader_error (ctx, path, "expected a term with at least one letter, digit or ideograph");
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_regex (Ctx        *ctx,
                const char *path,
                const char *item)
{
  g_autofree char *message = NULL;

  if (!tact_regex_check (item, &message))
    {
      tact_loader_error (ctx, path, "invalid regular expression: %s", message);
      return FALSE;
    }
  return TRUE;
}

static void
tact_detector_free (TactDetector *detector)
{
  g_strfreev (detector->items);
  g_strfreev (detector->known_hosts);
  g_clear_pointer (&detector->salt, g_bytes_unref);
  g_clear_pointer (&detector->hashes, g_hash_table_unref);
  g_strfreev (detector->support);
  g_clear_pointer (&detector->support_norm, g_ptr_array_unref);
  g_strfreev (detector->levels);
  g_free (detector->category);
  g_clear_pointer (&detector->groups, g_ptr_array_unref);
  g_clear_pointer (&detector->nearby_index, tact_nearby_index_free);
  g_free (detector);
}

static gboolean
validate_id_kind (Ctx        *ctx,
                  const char *path,
                  const char *item)
{
  if (tact_id_kind_from_string (item, NULL))
    return TRUE;
  tact_loader_error (ctx, path, "expected one of prc_id, uscc, bank_card, cn_mobile, email, iban, "
             "hk_id, tw_id, private_key, api_token, password, url, got \"%s\"", item);
  return FALSE;
}

static gboolean
validate_token_kind (Ctx        *ctx,
                     const char *path,
                     const char *item)
{
  if (tact_token_kind_from_string (item, NULL))
    return TRUE;
  tact_loader_error (ctx, path, "expected one of name, phone, id, email, got \"%s\"", item);
  return FALSE;
}

static gboolean
validate_hash (Ctx        *ctx,
               const char *path,
               const char *item)
{
  gboolean ok = strlen (item) == 64;

  for (const char *p = item; ok && *p; p++)
    ok = g_ascii_isxdigit (*p);
  if (!ok)
    tact_loader_error (ctx, path, "expected a SHA-256 hash of 64 hexadecimal digits");
  return ok;
}

static gboolean
validate_host (Ctx        *ctx,
               const char *path,
               const char *item)
{
  gboolean ok = strchr (item, '.') != NULL && item[0] != '.';

  for (const char *p = item; ok && *p; p++)
    ok = g_ascii_isalnum (*p) || *p == '.' || *p == '-';
  if (!ok)
    tact_loader_error (ctx, path, "expected a host name like \"example.com\", got \"%s\"", item);
  return ok;
}

/* "support": {"keywords": [...], "window": N} */
/* The normalised simplified and traditional variants of @words, without duplicates
 * (support keywords, context cues). */
GPtrArray *
tact_loader_normalised_variants (GStrv words)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) variants = tact_term_variants (words[i]);

      /* @seen holds the copies in @out: @variants is freed after each word (found
       * by fuzz-scan under ASan). */
      for (guint v = 0; v < variants->len; v++)
        {
          const char *variant = g_ptr_array_index (variants, v);
          char *copy;

          if (g_hash_table_contains (seen, variant))
            continue;
          copy = g_strdup (variant);
          g_ptr_array_add (out, copy);
          g_hash_table_add (seen, copy);
        }
    }
  return out;
}

static void
parse_support (Ctx          *ctx,
               const char   *path,
               JsonNode     *node,
               TactDetector *detector)
{
  static const char * const keys[] = { "keywords", "window", NULL };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, path, "expected an object with keys keywords and window, got %s",
                 tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, path, object, keys);

  if ((member = tact_loader_get_member (ctx, path, object, "keywords", TRUE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.keywords", path);
      detector->support = tact_loader_parse_string_array (ctx, sub, member, FALSE, validate_term);
    }
  if ((member = tact_loader_get_member (ctx, path, object, "window", FALSE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.window", path);

      if (parse_uint (ctx, sub, member, &detector->support_window) &&
          (detector->support_window < 1 || detector->support_window > 10000))
        tact_loader_error (ctx, sub, "expected a window of 1 to 10000 characters, got %u",
                   detector->support_window);
    }

  if (detector->support != NULL)
    detector->support_norm = tact_loader_normalised_variants (detector->support);
}

static void
parse_exact (Ctx          *ctx,
             const char   *path,
             JsonObject   *object,
             TactDetector *detector)
{
  JsonNode *member;

  if ((member = tact_loader_get_member (ctx, path, object, "salt", TRUE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.salt", path);
      g_autofree char *salt = tact_loader_parse_string (ctx, sub, member);

      if (salt != NULL)
        {
          detector->salt = tact_hex_decode (salt);
          if (detector->salt == NULL || g_bytes_get_size (detector->salt) < 8)
            {
              tact_loader_error (ctx, sub, "expected at least 16 hexadecimal digits (8 bytes) of salt");
              g_clear_pointer (&detector->salt, g_bytes_unref);
            }
        }
    }
  if ((member = tact_loader_get_member (ctx, path, object, "hashes", TRUE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.hashes", path);
      g_auto(GStrv) hashes = tact_loader_parse_string_array (ctx, sub, member, FALSE, validate_hash);

      if (hashes != NULL)
        {
          detector->hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          for (guint i = 0; hashes[i] != NULL; i++)
            g_hash_table_add (detector->hashes, g_ascii_strdown (hashes[i], -1));
        }
    }
  if ((member = tact_loader_get_member (ctx, path, object, "token_kinds", TRUE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.token_kinds", path);
      g_auto(GStrv) kinds = tact_loader_parse_string_array (ctx, sub, member, FALSE, validate_token_kind);

      for (guint i = 0; kinds != NULL && kinds[i] != NULL; i++)
        {
          TactTokenKind kind;

          tact_token_kind_from_string (kinds[i], &kind);
          detector->token_kinds |= 1u << kind;
        }
    }
}

/* Attachment detectors (tact-attachment.c, docs/attachments.md):
 *   {"type": "classification", "levels": ["机密", "confidential", …]}
 *   {"type": "file_type", "executable": true, "mismatch": true}
 *   {"type": "uninspectable"}
 * Their items are empty: nothing of them is matched against message text. */
static gboolean
parse_attachment_detector (Ctx          *ctx,
                           const char   *path,
                           JsonObject   *object,
                           const char   *type,
                           TactDetector *detector)
{
  static const char * const classification_keys[] = { "type", "levels", NULL };
  static const char * const file_type_keys[] = { "type", "executable", "mismatch", NULL };
  static const char * const uninspectable_keys[] = { "type", NULL };
  JsonNode *member;

  detector->items = g_new0 (char *, 1);

  if (g_str_equal (type, "classification"))
    {
      g_autofree char *sub = g_strdup_printf ("%s.levels", path);

      detector->type = TACT_DETECTOR_CLASSIFICATION;
      tact_loader_check_keys (ctx, path, object, classification_keys);
      if ((member = tact_loader_get_member (ctx, path, object, "levels", TRUE)) != NULL)
        detector->levels = tact_loader_parse_string_array (ctx, sub, member, FALSE, validate_term);
      for (guint i = 0; detector->levels != NULL && detector->levels[i] != NULL; i++)
        {
          char *norm = tact_normalize_string (detector->levels[i]);
          g_free (detector->levels[i]);
          detector->levels[i] = norm;
        }
      return detector->levels != NULL;
    }

  if (g_str_equal (type, "file_type"))
    {
      static const char * const flags[] = { "executable", "mismatch" };
      gboolean *values[] = { &detector->executable, &detector->mismatch };

      detector->type = TACT_DETECTOR_FILE_TYPE;
      tact_loader_check_keys (ctx, path, object, file_type_keys);
      for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
        if ((member = tact_loader_get_member (ctx, path, object, flags[i], FALSE)) != NULL)
          {
            g_autofree char *sub = g_strdup_printf ("%s.%s", path, flags[i]);

            if (!JSON_NODE_HOLDS_VALUE (member) ||
                json_node_get_value_type (member) != G_TYPE_BOOLEAN)
              tact_loader_error (ctx, sub, "expected a boolean, got %s", tact_loader_node_kind (member));
            else
              *values[i] = json_node_get_boolean (member);
          }
      if (!detector->executable && !detector->mismatch)
        {
          tact_loader_error (ctx, path, "expected \"executable\" or \"mismatch\" to be true");
          return FALSE;
        }
      return TRUE;
    }

  detector->type = TACT_DETECTOR_UNINSPECTABLE;
  tact_loader_check_keys (ctx, path, object, uninspectable_keys);
  return TRUE;
}

static TactDetector *
parse_detector (Ctx        *ctx,
                const char *path,
                JsonNode   *node)
{
  static const char * const terms_keys[] = { "type", "terms", "support", NULL };
  static const char * const regex_keys[] = { "type", "patterns", "support", NULL };
  static const char * const identifier_keys[] = { "type", "kinds", "known_hosts", "support", NULL };
  static const char * const exact_keys[] = { "type", "salt", "hashes", "token_kinds", "support", NULL };
  g_autofree char *type = NULL;
  g_autofree char *sub = NULL;
  TactDetector *detector;
  JsonObject *object;
  JsonNode *member;
  gboolean ok = FALSE;
  guint errors_before = ctx->errors->len;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, path, "expected a detector object, got %s", tact_loader_node_kind (node));
      return NULL;
    }
  object = json_node_get_object (node);

  sub = g_strdup_printf ("%s.type", path);
  if ((member = tact_loader_get_member (ctx, path, object, "type", TRUE)) == NULL ||
      (type = tact_loader_parse_string (ctx, sub, member)) == NULL)
    return NULL;

  detector = g_new0 (TactDetector, 1);
  detector->support_window = TACT_SUPPORT_WINDOW_DEFAULT;

  if (g_str_equal (type, "terms"))
    {
      detector->type = TACT_DETECTOR_TERMS;
      tact_loader_check_keys (ctx, path, object, terms_keys);
      g_free (sub);
      sub = g_strdup_printf ("%s.terms", path);
      if ((member = tact_loader_get_member (ctx, path, object, "terms", TRUE)) != NULL)
        detector->items = tact_loader_parse_string_array (ctx, sub, member, FALSE, validate_term);
      ok = detector->items != NULL;
    }
  else if (g_str_equal (type, "regex"))
    {
      detector->type = TACT_DETECTOR_REGEX;
      tact_loader_check_keys (ctx, path, object, regex_keys);
      g_free (sub);
      sub = g_strdup_printf ("%s.patterns", path);
      if ((member = tact_loader_get_member (ctx, path, object, "patterns", TRUE)) != NULL)
        detector->items = tact_loader_parse_string_array (ctx, sub, member, FALSE, validate_regex);
      ok = detector->items != NULL;
    }
  else if (g_str_equal (type, "identifier"))
    {
      detector->type = TACT_DETECTOR_IDENTIFIER;
      tact_loader_check_keys (ctx, path, object, identifier_keys);
      g_free (sub);
      sub = g_strdup_printf ("%s.kinds", path);
      if ((member = tact_loader_get_member (ctx, path, object, "kinds", TRUE)) != NULL)
        {
          g_auto(GStrv) kinds = tact_loader_parse_string_array (ctx, sub, member, FALSE, validate_id_kind);

          for (guint i = 0; kinds != NULL && kinds[i] != NULL; i++)
            {
              TactIdKind kind;

              tact_id_kind_from_string (kinds[i], &kind);
              detector->kinds |= 1u << kind;
            }
        }
      if ((member = tact_loader_get_member (ctx, path, object, "known_hosts", FALSE)) != NULL)
        {
          g_autofree char *hosts_path = g_strdup_printf ("%s.known_hosts", path);

          detector->known_hosts = tact_loader_parse_string_array (ctx, hosts_path, member, TRUE, validate_host);
          for (guint i = 0; detector->known_hosts != NULL && detector->known_hosts[i] != NULL; i++)
            {
              char *lower = g_ascii_strdown (detector->known_hosts[i], -1);
              g_free (detector->known_hosts[i]);
              detector->known_hosts[i] = lower;
            }
          if (!(detector->kinds & (1u << TACT_ID_URL)))
            tact_loader_error (ctx, hosts_path, "known_hosts only applies to the \"url\" kind");
        }
      ok = detector->kinds != 0;
    }
  else if (g_str_equal (type, "exact"))
    {
      detector->type = TACT_DETECTOR_EXACT;
      tact_loader_check_keys (ctx, path, object, exact_keys);
      parse_exact (ctx, path, object, detector);
      ok = detector->salt != NULL && detector->hashes != NULL && detector->token_kinds != 0;
    }
  else if (g_str_equal (type, "classifier"))
    ok = tact_classifier_detector_parse (ctx, path, object, detector);
  else if (g_str_equal (type, "nearby"))
    ok = tact_nearby_parse (ctx, path, object, detector);
  else if (g_str_equal (type, "classification") || g_str_equal (type, "file_type") ||
           g_str_equal (type, "uninspectable"))
    ok = parse_attachment_detector (ctx, path, object, type, detector);
  else
    {
      tact_loader_error (ctx, sub, "unknown detector type \"%s\" (expected one of: terms, regex, "
                 "identifier, exact, classifier, nearby, classification, file_type, uninspectable)", type);
      g_clear_pointer (&detector, tact_detector_free);
      return NULL;
    }

  if ((member = tact_loader_get_member (ctx, path, object, "support", FALSE)) != NULL)
    {
      g_autofree char *support_path = g_strdup_printf ("%s.support", path);
      parse_support (ctx, support_path, member, detector);
    }

  if (!ok || ctx->errors->len > errors_before)
    g_clear_pointer (&detector, tact_detector_free);
  return detector;
}

/* "approver": {"role": "department_head", "users": ["@alice:example.com"]} */
static void
parse_approver (Ctx        *ctx,
                const char *path,
                JsonNode   *node,
                TactRule   *rule)
{
  static const char * const keys[] = { "role", "users", NULL };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, path, "expected an object with keys role and users, got %s",
                 tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, path, object, keys);

  if ((member = tact_loader_get_member (ctx, path, object, "role", TRUE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.role", path);
      rule->approver_role = tact_loader_parse_identifier (ctx, sub, member);
    }
  if ((member = tact_loader_get_member (ctx, path, object, "users", FALSE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.users", path);

      rule->approver_users = tact_loader_parse_string_array (ctx, sub, member, FALSE, validate_user_id);
    }
}

static void
parse_conditions (Ctx        *ctx,
                  const char *path,
                  JsonNode   *node,
                  TactRule   *rule)
{
  static const char * const keys[] = { "min_external", "min_members", "room_kinds", NULL };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, path, "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, path, object, keys);

  if ((member = tact_loader_get_member (ctx, path, object, "min_external", FALSE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.min_external", path);
      parse_uint (ctx, sub, member, &rule->min_external);
    }
  if ((member = tact_loader_get_member (ctx, path, object, "min_members", FALSE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.min_members", path);
      parse_uint (ctx, sub, member, &rule->min_members);
    }
  if ((member = tact_loader_get_member (ctx, path, object, "room_kinds", FALSE)) != NULL)
    {
      g_autofree char *sub = g_strdup_printf ("%s.room_kinds", path);
      g_auto(GStrv) kinds = tact_loader_parse_string_array (ctx, sub, member, FALSE, NULL);

      if (kinds != NULL)
        {
          rule->room_kinds = 0;
          for (guint i = 0; kinds[i] != NULL; i++)
            {
              TactRoomKind kind;

              if (tact_room_kind_from_string (kinds[i], &kind))
                rule->room_kinds |= 1u << kind;
              else
                {
                  g_autofree char *item = g_strdup_printf ("%s[%u]", sub, i);
                  tact_loader_error (ctx, item, "expected one of dm, group, announcement, got \"%s\"",
                             kinds[i]);
                }
            }
        }
    }
}

void
tact_rule_free (TactRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->id);
  tact_localized_clear (&rule->title);
  tact_localized_clear (&rule->explanation);
  tact_localized_clear (&rule->alternative);
  g_strfreev (rule->clauses);
  g_clear_pointer (&rule->detectors, g_ptr_array_unref);
  g_free (rule->example);
  g_free (rule->approver_role);
  g_free (rule->unless_category);
  g_clear_pointer (&rule->unless_cues, g_ptr_array_unref);
  g_strfreev (rule->approver_users);
  g_strfreev (rule->approvers);
  g_free (rule);
}

static TactRule *
parse_rule (Ctx        *ctx,
            const char *path,
            JsonNode   *node)
{
  static const char * const keys[] = {
    "id", "title", "explanation", "clauses", "detectors", "conditions",
    "action", "action_if_external", "alternative", "example",
    "min_confidence", "min_instances", "approver", NULL
  };
  static const char * const keys_2[] = {
    "id", "title", "explanation", "clauses", "detectors", "conditions",
    "action", "action_if_external", "alternative", "example",
    "min_confidence", "min_instances", "approver", "shadow", "unless", NULL
  };
  TactRule *rule;
  JsonObject *object;
  JsonNode *member;
  gboolean has_action = FALSE;
  gboolean has_if_external = FALSE;

#define SUB(key) g_autofree char *sub_##key = g_strdup_printf ("%s." #key, path)

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, path, "expected a rule object, got %s", tact_loader_node_kind (node));
      return NULL;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, path, object, ctx->format >= 2 ? keys_2 : keys);

  rule = g_new0 (TactRule, 1);
  rule->min_confidence = TACT_CONFIDENCE_LOW;
  rule->min_instances = 1;
  rule->room_kinds = (1u << TACT_ROOM_KIND_DM) | (1u << TACT_ROOM_KIND_GROUP) |
                     (1u << TACT_ROOM_KIND_ANNOUNCEMENT);

  SUB (id);
  SUB (title);
  SUB (explanation);
  SUB (clauses);
  SUB (detectors);
  SUB (conditions);
  SUB (action);
  SUB (action_if_external);
  SUB (alternative);
  SUB (example);
  SUB (min_confidence);
  SUB (min_instances);
  SUB (approver);

  if ((member = tact_loader_get_member (ctx, path, object, "id", TRUE)) != NULL)
    rule->id = tact_loader_parse_identifier (ctx, sub_id, member);
  if ((member = tact_loader_get_member (ctx, path, object, "title", TRUE)) != NULL)
    tact_loader_parse_localized (ctx, sub_title, member, &rule->title);
  if ((member = tact_loader_get_member (ctx, path, object, "explanation", TRUE)) != NULL)
    tact_loader_parse_localized (ctx, sub_explanation, member, &rule->explanation);
  if ((member = tact_loader_get_member (ctx, path, object, "clauses", TRUE)) != NULL)
    rule->clauses = tact_loader_parse_string_array (ctx, sub_clauses, member, FALSE, validate_clause);

  rule->detectors = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_detector_free);
  if ((member = tact_loader_get_member (ctx, path, object, "detectors", TRUE)) != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (member) ||
          json_array_get_length (json_node_get_array (member)) == 0)
        tact_loader_error (ctx, sub_detectors, "expected a non-empty array of detectors, got %s",
                   tact_loader_node_kind (member));
      else
        {
          JsonArray *array = json_node_get_array (member);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              g_autofree char *sub = g_strdup_printf ("%s[%u]", sub_detectors, i);
              TactDetector *detector = parse_detector (ctx, sub, json_array_get_element (array, i));

              if (detector != NULL)
                g_ptr_array_add (rule->detectors, detector);
            }
        }
    }

  if ((member = tact_loader_get_member (ctx, path, object, "conditions", FALSE)) != NULL)
    parse_conditions (ctx, sub_conditions, member, rule);

  if ((member = tact_loader_get_member (ctx, path, object, "action", TRUE)) != NULL)
    has_action = parse_action (ctx, sub_action, member, &rule->action);
  rule->action_if_external = rule->action;
  if ((member = tact_loader_get_member (ctx, path, object, "action_if_external", FALSE)) != NULL)
    {
      has_if_external = parse_action (ctx, sub_action_if_external, member,
                                      &rule->action_if_external);
      if (has_if_external && has_action && rule->action_if_external <= rule->action)
        tact_loader_error (ctx, sub_action_if_external,
                   "expected an action stricter than \"%s\", got \"%s\"",
                   tact_action_to_string (rule->action),
                   tact_action_to_string (rule->action_if_external));
    }

  if ((member = tact_loader_get_member (ctx, path, object, "alternative", FALSE)) != NULL)
    tact_loader_parse_localized (ctx, sub_alternative, member, &rule->alternative);
  else if ((has_action && rule->action == TACT_ACTION_BLOCK) ||
           (has_if_external && rule->action_if_external == TACT_ACTION_BLOCK))
    tact_loader_error (ctx, path, "missing required key \"alternative\" (a rule that can block "
               "must say what to do instead)");

  if ((member = tact_loader_get_member (ctx, path, object, "example", FALSE)) != NULL)
    rule->example = tact_loader_parse_string (ctx, sub_example, member);

  if ((member = tact_loader_get_member (ctx, path, object, "min_confidence", FALSE)) != NULL)
    {
      g_autofree char *str = tact_loader_parse_string (ctx, sub_min_confidence, member);

      if (str != NULL && !tact_confidence_from_string (str, &rule->min_confidence))
        tact_loader_error (ctx, sub_min_confidence, "expected one of low, medium, high, got \"%s\"", str);
    }
  if ((member = tact_loader_get_member (ctx, path, object, "min_instances", FALSE)) != NULL &&
      parse_uint (ctx, sub_min_instances, member, &rule->min_instances) &&
      rule->min_instances < 1)
    tact_loader_error (ctx, sub_min_instances, "expected a positive integer, got 0");

  /* Format 2: a rule in shadow mode only records its findings (issue 8). */
  if (ctx->format >= 2 && (member = tact_loader_get_member (ctx, path, object, "shadow", FALSE)) != NULL)
    {
      g_autofree char *sub = g_strconcat (path, ".shadow", NULL);
      parse_bool (ctx, sub, member, &rule->shadow);
    }
  if (ctx->format >= 2 && (member = tact_loader_get_member (ctx, path, object, "unless", FALSE)) != NULL)
    tact_rule_parse_unless (ctx, path, member, rule);

  /* An approval needs someone to approve it; an approver without one is a mistake. */
  if ((member = tact_loader_get_member (ctx, path, object, "approver", FALSE)) != NULL)
    {
      parse_approver (ctx, sub_approver, member, rule);
      if (has_action && rule->action != TACT_ACTION_APPROVE &&
          !(has_if_external && rule->action_if_external == TACT_ACTION_APPROVE))
        tact_loader_error (ctx, sub_approver, "an approver is only used when action or "
                   "action_if_external is \"approve\"");
    }
  else if ((has_action && rule->action == TACT_ACTION_APPROVE) ||
           (has_if_external && rule->action_if_external == TACT_ACTION_APPROVE))
    tact_loader_error (ctx, path, "missing required key \"approver\" (a rule that can ask for "
               "approval must say who approves)");

#undef SUB

  return rule;
}

void
tact_profile_data_free (TactProfileData *data)
{
  if (data == NULL)
    return;
  g_free (data->id);
  g_free (data->version);
  tact_localized_clear (&data->name);
  g_clear_pointer (&data->rules, g_ptr_array_unref);
  g_strfreev (data->allow_terms);
  g_clear_pointer (&data->roles, g_hash_table_unref);
  g_free (data->approvals_room);
  g_free (data->supervision_room);
  g_strfreev (data->company_homeservers);
  g_strfreev (data->company_outsiders);
  g_clear_pointer (&data->context_cues, g_ptr_array_unref);
  g_clear_pointer (&data->context_sending_cues, g_ptr_array_unref);
  g_free (data->training_since_version);
  g_clear_pointer (&data->training_cases, g_ptr_array_unref);
  g_clear_pointer (&data->training_modules, g_ptr_array_unref);
  g_free (data);
}

/* Format 2: "roles": {"department_head": ["@wang.fang:corp.test"], …} */
static void
parse_roles (Ctx             *ctx,
             JsonNode        *node,
             TactProfileData *data)
{
  JsonObjectIter iter;
  const char *role;
  JsonNode *users;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, "$.roles", "expected an object mapping roles to arrays of Matrix user "
                 "ids, got %s", tact_loader_node_kind (node));
      return;
    }
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &role, &users))
    {
      g_autofree char *path = g_strdup_printf ("$.roles.%s", role);
      g_autoptr(JsonNode) name = json_node_init_string (json_node_alloc (), role);
      g_autofree char *id = tact_loader_parse_identifier (ctx, path, name);
      GStrv list = tact_loader_parse_string_array (ctx, path, users, FALSE, validate_user_id);

      if (id != NULL && list != NULL)
        g_hash_table_insert (data->roles, g_steal_pointer (&id), list);
      else
        g_strfreev (list);
    }
}

/* Format 2: "approvals": {"room": "#approvals:corp.test", "expiry_hours": 72} */
static void
parse_approvals (Ctx             *ctx,
                 JsonNode        *node,
                 TactProfileData *data)
{
  static const char * const keys[] = { "room", "expiry_hours", NULL };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, "$.approvals", "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, "$.approvals", object, keys);
  if ((member = tact_loader_get_member (ctx, "$.approvals", object, "room", FALSE)) != NULL)
    data->approvals_room = parse_room (ctx, "$.approvals.room", member);
  if ((member = tact_loader_get_member (ctx, "$.approvals", object, "expiry_hours", FALSE)) != NULL)
    tact_loader_parse_positive (ctx, "$.approvals.expiry_hours", member, &data->approval_expiry_hours);
}

/* Format 2: "audit": {"supervision_room": "!abc:corp.test", "include_content": false} */
static void
parse_audit (Ctx             *ctx,
             JsonNode        *node,
             TactProfileData *data)
{
  static const char * const keys[] = { "supervision_room", "include_content", NULL };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, "$.audit", "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, "$.audit", object, keys);
  if ((member = tact_loader_get_member (ctx, "$.audit", object, "supervision_room", FALSE)) != NULL)
    data->supervision_room = parse_room (ctx, "$.audit.supervision_room", member);
  if ((member = tact_loader_get_member (ctx, "$.audit", object, "include_content", FALSE)) != NULL)
    parse_bool (ctx, "$.audit.include_content", member, &data->audit_include_content);
}

/* A server name: a host, optionally with a port; no scheme, no path, no spaces. */
static gboolean
validate_server_name (Ctx        *ctx,
                      const char *path,
                      const char *item)
{
  if (strpbrk (item, "/@ \t") != NULL || item[0] == ':' || strlen (item) > 255)
    {
      tact_loader_error (ctx, path, "expected a server name like \"corp.example.com\", got \"%s\"", item);
      return FALSE;
    }
  return TRUE;
}

/* A user id pattern: a user id where "*" and "?" match (g_pattern_match_simple). */
static gboolean
validate_user_pattern (Ctx        *ctx,
                       const char *path,
                       const char *item)
{
  if (item[0] != '@' || strchr (item, ':') == NULL)
    {
      tact_loader_error (ctx, path, "expected a user id pattern like \"@ext-*:corp.example.com\", got \"%s\"", item);
      return FALSE;
    }
  return TRUE;
}

/* Format 2: "company": {"homeservers": ["corp.example", "corp-sh.example"],
 *                       "outsiders": ["@ext-*:corp.example"]} */
static void
parse_company (Ctx             *ctx,
               JsonNode        *node,
               TactProfileData *data)
{
  static const char * const keys[] = { "homeservers", "outsiders", "pinned", NULL };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, "$.company", "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, "$.company", object, keys);
  if ((member = tact_loader_get_member (ctx, "$.company", object, "homeservers", TRUE)) != NULL)
    data->company_homeservers = tact_loader_parse_string_array (ctx, "$.company.homeservers", member, FALSE,
                                                    validate_server_name);
  if ((member = tact_loader_get_member (ctx, "$.company", object, "outsiders", FALSE)) != NULL)
    data->company_outsiders = tact_loader_parse_string_array (ctx, "$.company.outsiders", member, TRUE,
                                                  validate_user_pattern);
  if ((member = tact_loader_get_member (ctx, "$.company", object, "pinned", FALSE)) != NULL)
    parse_bool (ctx, "$.company.pinned", member, &data->company_pinned);
}

/* Format 2: "retention": {"keep_days": 365, "findings_days": 1825, "delete_expired": true}
 * (REC-1, REC-3, REC-5; acted on by the retention work, carried and validated now). */
static void
parse_retention (Ctx             *ctx,
                 JsonNode        *node,
                 TactProfileData *data)
{
  static const char * const keys[] = { "keep_days", "findings_days", "delete_expired", NULL };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, "$.retention", "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, "$.retention", object, keys);
  if ((member = tact_loader_get_member (ctx, "$.retention", object, "keep_days", FALSE)) != NULL)
    tact_loader_parse_positive (ctx, "$.retention.keep_days", member, &data->retention_keep_days);
  if ((member = tact_loader_get_member (ctx, "$.retention", object, "findings_days", FALSE)) != NULL)
    tact_loader_parse_positive (ctx, "$.retention.findings_days", member, &data->retention_findings_days);
  if ((member = tact_loader_get_member (ctx, "$.retention", object, "delete_expired", FALSE)) != NULL)
    parse_bool (ctx, "$.retention.delete_expired", member, &data->retention_delete_expired);
  /* REC-1: what touches secrets is kept at least as long as the rest. */
  if (data->retention_keep_days && data->retention_findings_days
      && data->retention_findings_days < data->retention_keep_days)
    tact_loader_error (ctx, "$.retention.findings_days", "must not be shorter than keep_days (%u)",
               data->retention_keep_days);
}

/* Format 2: "announcement": {"min_members": 100} */
static void
parse_announcement (Ctx             *ctx,
                    JsonNode        *node,
                    TactProfileData *data)
{
  static const char * const keys[] = { "min_members", NULL };
  JsonObject *object;
  JsonNode *member;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tact_loader_error (ctx, "$.announcement", "expected an object, got %s", tact_loader_node_kind (node));
      return;
    }
  object = json_node_get_object (node);
  tact_loader_check_keys (ctx, "$.announcement", object, keys);
  if ((member = tact_loader_get_member (ctx, "$.announcement", object, "min_members", TRUE)) != NULL)
    tact_loader_parse_positive (ctx, "$.announcement.min_members", member, &data->announcement_min_members);
}

/* Each rule's approvers: its own users, then those of its role, once each. In
 * format 2 with "roles", a role that names nobody is an error (the approval
 * request would have no one to go to). */
static void
resolve_approvers (Ctx             *ctx,
                   TactProfileData *data,
                   gboolean         has_roles)
{
  for (guint r = 0; r < data->rules->len; r++)
    {
      TactRule *rule = g_ptr_array_index (data->rules, r);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      const char * const *role_users = NULL;

      if (rule->approver_role != NULL)
        role_users = g_hash_table_lookup (data->roles, rule->approver_role);
      for (guint i = 0; rule->approver_users != NULL && rule->approver_users[i] != NULL; i++)
        if (g_hash_table_add (seen, rule->approver_users[i]))
          g_strv_builder_add (builder, rule->approver_users[i]);
      for (guint i = 0; role_users != NULL && role_users[i] != NULL; i++)
        if (g_hash_table_add (seen, (char *) role_users[i]))
          g_strv_builder_add (builder, role_users[i]);
      rule->approvers = g_strv_builder_end (builder);

      if (has_roles && rule->approver_role != NULL && rule->approvers[0] == NULL)
        {
          g_autofree char *path = g_strdup_printf ("$.rules[%u].approver.role", r);
          tact_loader_error (ctx, path, "role \"%s\" is not in $.roles and the rule names no users: "
                     "nobody could approve", rule->approver_role);
        }
    }
}

TactProfileData *
tact_profile_data_parse (GBytes  *json,
                         GError **error)
{
  static const char * const keys_1[] = {
    "format", "id", "version", "name", "rules", "allow_terms", NULL
  };
  static const char * const keys_2[] = {
    "format", "id", "version", "name", "rules", "allow_terms",
    "roles", "approvals", "audit", "announcement", "company", "retention", "context",
    "training", NULL
  };
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(TactProfileData) data = NULL;
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  Ctx ctx = { errors };
  const char *bytes;
  gsize len;
  JsonNode *root;
  JsonObject *object;
  JsonNode *member;
  gint64 format;

  bytes = g_bytes_get_data (json, &len);
  /* Empty bytes have no data pointer, which json-glib refuses (found by fuzz-profile). */
  if (len == 0)
    {
      g_set_error_literal (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_PARSE,
                           "$: not valid JSON: the profile is empty");
      return NULL;
    }
  if (len > TACT_PROFILE_MAX_BYTES)
    {
      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_LIMIT,
                   "$: %" G_GSIZE_FORMAT " bytes, more than the %d (%d MiB) a profile may have",
                   len, TACT_PROFILE_MAX_BYTES, TACT_PROFILE_MAX_BYTES / (1024 * 1024));
      return NULL;
    }
  if (!g_utf8_validate (bytes, len, NULL))
    {
      g_set_error_literal (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_PARSE,
                           "$: the profile is not valid UTF-8");
      return NULL;
    }
  if (!tact_profile_prescan (bytes, len, error))
    return NULL;
  if (!json_parser_load_from_data (parser, bytes, len, &local_error))
    {
      /* json-glib quotes the bad token as it is: cut at a byte count, which
       * can split a character, and with any newline in it (fuzz-profile). */
      g_autofree char *message = tact_loader_error_line (local_error->message);

      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_PARSE,
                   "$: not valid JSON: %s", message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID,
                   "$: expected a profile object, got %s",
                   root != NULL ? tact_loader_node_kind (root) : "nothing");
      return NULL;
    }
  object = json_node_get_object (root);

  /* The format comes first: a newer format may have other keys. Anything
   * but a format this version reads is refused as a version error, with what
   * to do about it. */
  member = json_object_get_member (object, "format");
  if (member == NULL)
    {
      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID,
                   "$: missing required key \"format\" (expected %d or %d)",
                   TACT_PROFILE_FORMAT_MIN, TACT_PROFILE_FORMAT_MAX);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64)
    {
      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_VERSION,
                   "$.format: This profile's format is %s, not a format number; this version "
                   "of Tact reads formats %d and %d. Ask your administrator for a format %d "
                   "profile.", tact_loader_node_kind (member), TACT_PROFILE_FORMAT_MIN,
                   TACT_PROFILE_FORMAT_MAX, TACT_PROFILE_FORMAT_MAX);
      return NULL;
    }
  format = json_node_get_int (member);
  if (format < TACT_PROFILE_FORMAT_MIN || format > TACT_PROFILE_FORMAT_MAX)
    {
      g_set_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_VERSION,
                   "$.format: This profile uses format %" G_GINT64_FORMAT "; this version of "
                   "Tact reads formats %d and %d. Update Tact or ask your administrator for a "
                   "format %d profile.", format, TACT_PROFILE_FORMAT_MIN,
                   TACT_PROFILE_FORMAT_MAX, TACT_PROFILE_FORMAT_MAX);
      return NULL;
    }

  /* Counts and lengths first: over a limit, nothing else is looked at. */
  if (!tact_profile_check_limits (&ctx, object))
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (errors, NULL);
      joined = g_strjoinv ("\n", (char **) errors->pdata);
      g_set_error_literal (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_LIMIT, joined);
      return NULL;
    }

  tact_loader_check_keys (&ctx, "$", object, format >= 2 ? keys_2 : keys_1);
  ctx.format = (guint) format;

  data = g_new0 (TactProfileData, 1);
  data->format = (guint) format;
  data->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_rule_free);
  data->roles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_strfreev);
  data->approval_expiry_hours = TACT_APPROVAL_EXPIRY_DEFAULT;
  data->training_pass_mark = TACT_TRAINING_DEFAULT_PASS_MARK;
  data->training_cases = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_training_case_free);
  data->training_modules = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_training_module_free);

  if ((member = tact_loader_get_member (&ctx, "$", object, "id", TRUE)) != NULL)
    data->id = tact_loader_parse_identifier (&ctx, "$.id", member);
  if ((member = tact_loader_get_member (&ctx, "$", object, "version", TRUE)) != NULL)
    data->version = tact_loader_parse_string (&ctx, "$.version", member);
  if ((member = tact_loader_get_member (&ctx, "$", object, "name", TRUE)) != NULL)
    tact_loader_parse_localized (&ctx, "$.name", member, &data->name);

  if ((member = tact_loader_get_member (&ctx, "$", object, "rules", TRUE)) != NULL)
    {
      if (!JSON_NODE_HOLDS_ARRAY (member))
        tact_loader_error (&ctx, "$.rules", "expected an array of rules, got %s", tact_loader_node_kind (member));
      else
        {
          JsonArray *array = json_node_get_array (member);
          g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              g_autofree char *path = g_strdup_printf ("$.rules[%u]", i);
              TactRule *rule = parse_rule (&ctx, path, json_array_get_element (array, i));

              if (rule == NULL)
                continue;
              if (rule->id != NULL && !g_hash_table_add (ids, rule->id))
                {
                  g_autofree char *sub = g_strdup_printf ("%s.id", path);
                  tact_loader_error (&ctx, sub, "duplicate rule id \"%s\"", rule->id);
                }
              g_ptr_array_add (data->rules, rule);
            }
        }
    }

  if ((member = tact_loader_get_member (&ctx, "$", object, "allow_terms", FALSE)) != NULL)
    data->allow_terms = tact_loader_parse_string_array (&ctx, "$.allow_terms", member, TRUE, validate_term);
  if (data->allow_terms == NULL)
    data->allow_terms = g_new0 (char *, 1);

  /* Format 2 (format 1 refused these keys above). */
  if (format >= 2)
    {
      if ((member = tact_loader_get_member (&ctx, "$", object, "roles", FALSE)) != NULL)
        parse_roles (&ctx, member, data);
      if ((member = tact_loader_get_member (&ctx, "$", object, "approvals", FALSE)) != NULL)
        parse_approvals (&ctx, member, data);
      if ((member = tact_loader_get_member (&ctx, "$", object, "audit", FALSE)) != NULL)
        parse_audit (&ctx, member, data);
      if ((member = tact_loader_get_member (&ctx, "$", object, "announcement", FALSE)) != NULL)
        parse_announcement (&ctx, member, data);
      if ((member = tact_loader_get_member (&ctx, "$", object, "company", FALSE)) != NULL)
        parse_company (&ctx, member, data);
      if ((member = tact_loader_get_member (&ctx, "$", object, "retention", FALSE)) != NULL)
        parse_retention (&ctx, member, data);
      if ((member = tact_loader_get_member (&ctx, "$", object, "context", FALSE)) != NULL)
        tact_profile_parse_context (&ctx, member, data);
      if ((member = tact_loader_get_member (&ctx, "$", object, "training", FALSE)) != NULL)
        tact_profile_parse_training (&ctx, member, data);
    }
  resolve_approvers (&ctx, data, format >= 2 && json_object_has_member (object, "roles"));

  if (errors->len > 0)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (errors, NULL);
      joined = g_strjoinv ("\n", (char **) errors->pdata);
      g_set_error_literal (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID, joined);
      return NULL;
    }

  return g_steal_pointer (&data);
}
