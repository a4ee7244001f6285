/* tact-profile-bounds.c: the profile loader's bounds (docs/profile.md,
 * "Limits"): a byte-level pre-scan that refuses a document too big, too
 * deeply nested or of too many values before json-glib parses it (its parser
 * recurses once per nesting level: 200,000 levels overflow the stack), then
 * the parsed tree's counts and lengths, checked before anything is validated,
 * normalised, converted or compiled. Split from tact-profile-loader.c. */
#include "tact-policy-private.h"
#include "tact-profile-loader-private.h"

#include <string.h>

/* ------------------------------------------------------------------------- */
/* Bounds: the pre-scan of the bytes, then the counts of the parsed tree     */
/* ------------------------------------------------------------------------- */

#define PATH_KEY_MAX 64  /* bytes of an object key shown in a path */

/* An open array or object in the pre-scan. */
typedef struct {
  gboolean    array;
  guint       index;     /* array: the element being scanned; object: keys seen */
  const char *key;       /* object: the member being scanned, raw as in the input
                          * (escapes not decoded), or NULL; borrowed */
  gsize       key_len;
} ScanFrame;

static void
append_key (GString    *path,
            const char *key,
            gsize       key_len)
{
  gboolean plain = key_len > 0;
  gsize shown = MIN (key_len, PATH_KEY_MAX);

  for (gsize i = 0; i < key_len && plain; i++)
    plain = g_ascii_isalnum (key[i]) || key[i] == '_';
  if (plain)
    g_string_append_c (path, '.');
  else
    g_string_append (path, "[\"");
  g_string_append_len (path, key, shown);
  if (shown < key_len)
    g_string_append (path, "…");
  if (!plain)
    g_string_append (path, "\"]");
}

/* The JSON path of the value being scanned inside @frames[0 .. @depth - 1]. */
static char *
scan_path (const ScanFrame *frames,
           guint            depth)
{
  GString *path = g_string_new ("$");

  for (guint i = 0; i < depth; i++)
    {
      if (frames[i].array)
        g_string_append_printf (path, "[%u]", frames[i].index);
      else if (frames[i].key != NULL)
        append_key (path, frames[i].key, frames[i].key_len);
    }
  return g_string_free (path, FALSE);
}

G_GNUC_PRINTF (5, 6)
static gboolean
scan_fail (GError          **error,
           const ScanFrame  *frames,
           guint             depth,
           gsize             offset,
           const char       *format,
           ...)
{
  g_autofree char *path = scan_path (frames, depth);
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  g_autofree char *clean = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  line = g_strdup_printf ("%s: %s (at byte %" G_GSIZE_FORMAT ")", path, message, offset);
  clean = tact_loader_error_line (line);
  g_set_error_literal (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_LIMIT, clean);
  return FALSE;
}

/* A byte-level tokenizer over valid UTF-8: it tracks nesting, keys and
 * indices outside strings and counts values, in constant memory and one pass.
 * It does not validate: whatever it lets through, json-glib judges. */
gboolean
tact_profile_prescan (const char  *bytes,
         gsize        len,
         GError     **error)
{
  ScanFrame frames[TACT_PROFILE_MAX_DEPTH];
  guint depth = 0;
  gsize values = 0;
  gsize containers = 0;
  gboolean expect_key = FALSE;  /* in an object, where a key comes next */

  for (gsize i = 0; i < len; i++)
    {
      char c = bytes[i];
      gsize start = i;

      switch (c)
        {
        case ' ': case '\t': case '\n': case '\r': case ':':
          continue;

        case ',':
          if (depth > 0 && frames[depth - 1].array)
            frames[depth - 1].index++;
          else if (depth > 0)
            {
              frames[depth - 1].key = NULL;
              expect_key = TRUE;
            }
          continue;

        case ']': case '}':
          if (depth > 0)
            depth--;
          expect_key = FALSE;
          continue;

        case '"':
          for (i++; i < len && bytes[i] != '"'; i++)
            if (bytes[i] == '\\')
              i++;
          if (i >= len)
            return TRUE;  /* unterminated: json-glib says so */
          if (expect_key && depth > 0)
            {
              if (++frames[depth - 1].index > TACT_PROFILE_MAX_MEMBERS)
                return scan_fail (error, frames, depth - 1, start, "more than the %d keys an object "
                                  "may have", TACT_PROFILE_MAX_MEMBERS);
              frames[depth - 1].key = bytes + start + 1;
              frames[depth - 1].key_len = i - start - 1;
              expect_key = FALSE;
              continue;
            }
          break;

        case '[': case '{':
          if (++containers > TACT_PROFILE_MAX_CONTAINERS)
            return scan_fail (error, frames, depth, start, "array or object number %"
                              G_GSIZE_FORMAT ", more than the %d a profile may have",
                              containers, TACT_PROFILE_MAX_CONTAINERS);
          if (depth == TACT_PROFILE_MAX_DEPTH)
            return scan_fail (error, frames, depth, start, "nested %u levels deep, more "
                              "than the %d a profile may have", depth + 1,
                              TACT_PROFILE_MAX_DEPTH);
          break;

        default:
          /* A number, true, false, null or garbage: up to the next delimiter. */
          while (i + 1 < len && strchr (" \t\n\r,:[]{}\"", bytes[i + 1]) == NULL)
            i++;
          break;
        }

      /* A value starts at @start. */
      if (++values > TACT_PROFILE_MAX_VALUES)
        return scan_fail (error, frames, depth, start, "JSON value number %" G_GSIZE_FORMAT
                          ", more than the %d a profile may have", values,
                          TACT_PROFILE_MAX_VALUES);
      if (c == '[' || c == '{')
        {
          frames[depth] = (ScanFrame) { .array = c == '[' };
          depth++;
          expect_key = c == '{';
        }
    }
  return TRUE;
}

/* Strings of @array longer than @max_chars characters: an error each. */
static void
check_lengths (Ctx        *ctx,
               const char *path,
               JsonArray  *array,
               guint       max_chars,
               const char *what)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      glong n;

      if (!node_is_string (node))
        continue;  /* validation reports it */
      n = g_utf8_strlen (json_node_get_string (node), -1);
      if (n > max_chars)
        {
          g_autofree char *sub = g_strdup_printf ("%s[%u]", path, i);
          tact_loader_error (ctx, sub, "%s of %ld characters, longer than the %u characters one may have",
                     what, n, max_chars);
        }
    }
}

/* Adds @array's length to *@total and reports at @path when the profile's
 * total goes over @max ("what" in the plural). */
static gboolean
check_count (Ctx        *ctx,
             const char *path,
             JsonArray  *array,
             guint      *total,
             guint       max,
             const char *what)
{
  guint n = json_array_get_length (array);

  *total += MIN (n, G_MAXUINT - *total);
  if (*total <= max)
    return TRUE;
  if (*total == n)
    tact_loader_error (ctx, path, "%u %s, more than the %u a profile may have", n, what, max);
  else
    tact_loader_error (ctx, path, "%u %s, which bring the profile to %u, more than the %u a profile "
               "may have", n, what, *total, max);
  return FALSE;
}

/* The limits on the parsed tree, before anything is validated: the keys are
 * read whatever the detector's type, and anything of the wrong type is left
 * to validation. TRUE if all hold; else errors in @ctx. */
gboolean
tact_profile_check_limits (Ctx        *ctx,
              JsonObject *root)
{
  JsonArray *rules = get_array (root, "rules");
  JsonArray *array;
  guint n_allow = 0, n_terms = 0, n_keywords = 0, n_patterns = 0, n_hashes = 0;
  guint errors_before = ctx->errors->len;

  if ((array = get_array (root, "allow_terms")) != NULL &&
      check_count (ctx, "$.allow_terms", array, &n_allow, TACT_PROFILE_MAX_ALLOW_TERMS,
                   "allow terms"))
    check_lengths (ctx, "$.allow_terms", array, TACT_PROFILE_MAX_TERM_CHARS, "an allow term");

  if (rules == NULL)
    return ctx->errors->len == errors_before;
  if (json_array_get_length (rules) > TACT_PROFILE_MAX_RULES)
    {
      tact_loader_error (ctx, "$.rules", "%u rules, more than the %d a profile may have",
                 json_array_get_length (rules), TACT_PROFILE_MAX_RULES);
      return FALSE;
    }

  for (guint r = 0; r < json_array_get_length (rules); r++)
    {
      JsonArray *detectors = get_array (get_object (json_array_get_element (rules, r)),
                                        "detectors");
      g_autofree char *rule_path = g_strdup_printf ("$.rules[%u].detectors", r);

      if (detectors == NULL)
        continue;
      if (json_array_get_length (detectors) > TACT_PROFILE_MAX_DETECTORS)
        {
          tact_loader_error (ctx, rule_path, "%u detectors, more than the %d a rule may have",
                     json_array_get_length (detectors), TACT_PROFILE_MAX_DETECTORS);
          continue;
        }

      for (guint d = 0; d < json_array_get_length (detectors); d++)
        {
          JsonObject *detector = get_object (json_array_get_element (detectors, d));
          g_autofree char *path = g_strdup_printf ("%s[%u]", rule_path, d);

          if ((array = get_array (detector, "terms")) != NULL)
            {
              g_autofree char *sub = g_strdup_printf ("%s.terms", path);

              if (check_count (ctx, sub, array, &n_terms, TACT_PROFILE_MAX_TERMS, "terms"))
                check_lengths (ctx, sub, array, TACT_PROFILE_MAX_TERM_CHARS, "a term");
            }
          if ((array = get_array (detector, "patterns")) != NULL)
            {
              g_autofree char *sub = g_strdup_printf ("%s.patterns", path);

              if (check_count (ctx, sub, array, &n_patterns, TACT_PROFILE_MAX_PATTERNS,
                               "regular expressions"))
                check_lengths (ctx, sub, array, TACT_PROFILE_MAX_PATTERN_CHARS,
                               "a regular expression");
            }
          if ((array = get_array (detector, "hashes")) != NULL)
            {
              g_autofree char *sub = g_strdup_printf ("%s.hashes", path);

              check_count (ctx, sub, array, &n_hashes, TACT_PROFILE_MAX_HASHES, "hashes");
            }
          if (detector != NULL && json_object_has_member (detector, "support") &&
              (array = get_array (get_object (json_object_get_member (detector, "support")),
                                  "keywords")) != NULL)
            {
              g_autofree char *sub = g_strdup_printf ("%s.support.keywords", path);

              if (check_count (ctx, sub, array, &n_keywords, TACT_PROFILE_MAX_KEYWORDS,
                               "support keywords"))
                check_lengths (ctx, sub, array, TACT_PROFILE_MAX_TERM_CHARS, "a keyword");
            }
        }
    }
  return ctx->errors->len == errors_before;
}

