/* tact-canonical-json.c: Matrix canonical JSON, for the hashes approval requests carry.
 *
 * json-glib's generator keeps members in insertion order (and escapes DEL as \u007f), so
 * the bytes are written here by hand. The rules are the spec's (appendix "Canonical JSON"):
 * the shortest UTF-8 encoding, member names sorted by code point, integers only.
 * Sorting names with strcmp() is code point order because UTF-8 byte order is code point
 * order (unlike UTF-16 order, which puts U+10000 and above before U+E000–U+FFFF).
 *
 * The depth limit also stops a JsonNode graph that contains itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tact-canonical-json.h"

/* [-(2^53)+1, 2^53-1]: the integers an IEEE double holds exactly. */
#define CANONICAL_INT_MAX G_GINT64_CONSTANT (9007199254740991)
#define CANONICAL_INT_MIN (-CANONICAL_INT_MAX)

static gboolean append_node (GString   *out,
                             JsonNode  *node,
                             guint      depth,
                             GError   **error);

static gboolean
append_string (GString     *out,
               const char  *str,
               GError     **error)
{
  if (!g_utf8_validate (str, -1, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Canonical JSON: a string is not valid UTF-8"));
      return FALSE;
    }

  g_string_append_c (out, '"');
  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);   /* everything else raw, UTF-8 included */
          break;
        }
    }
  g_string_append_c (out, '"');
  return TRUE;
}

static gboolean
append_integer (GString  *out,
                gint64    value,
                GError  **error)
{
  if (value < CANONICAL_INT_MIN || value > CANONICAL_INT_MAX)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Canonical JSON: an integer is outside -(2^53)+1 … 2^53-1"));
      return FALSE;
    }

  g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
  return TRUE;
}

/* A double is allowed only when it is an integer in range: the spec's own example turns
 * `-0` and `1e10` into `0` and `10000000000`. Fractions, NaN and infinities are errors. */
static gboolean
append_double (GString  *out,
               double    value,
               GError  **error)
{
  gint64 integer;

  /* NaN fails both comparisons. */
  if (!(value >= (double) CANONICAL_INT_MIN && value <= (double) CANONICAL_INT_MAX))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Canonical JSON: a number is outside -(2^53)+1 … 2^53-1 or not a number"));
      return FALSE;
    }

  integer = (gint64) value;
  if ((double) integer != value)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Canonical JSON: floating-point numbers are not allowed"));
      return FALSE;
    }

  return append_integer (out, integer, error);   /* -0.0 becomes 0 */
}

static gboolean
append_value (GString   *out,
              JsonNode  *node,
              GError   **error)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_INT64)
    return append_integer (out, json_node_get_int (node), error);
  if (type == G_TYPE_DOUBLE)
    return append_double (out, json_node_get_double (node), error);
  if (type == G_TYPE_BOOLEAN)
    {
      g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
      return TRUE;
    }
  if (type == G_TYPE_STRING)
    return append_string (out, json_node_get_string (node), error);

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Canonical JSON: a value of an unsupported type"));
  return FALSE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (a, b);   /* byte-wise: code point order for UTF-8 */
}

static gboolean
append_object (GString     *out,
               JsonObject  *object,
               guint        depth,
               GError     **error)
{
  /* The list is ours; the names are the object's. */
  GList *names = g_list_sort (json_object_get_members (object), compare_names);
  gboolean ok = TRUE;

  g_string_append_c (out, '{');
  for (GList *l = names; l != NULL && ok; l = l->next)
    {
      if (l != names)
        g_string_append_c (out, ',');
      ok = append_string (out, l->data, error);
      if (ok)
        {
          g_string_append_c (out, ':');
          ok = append_node (out, json_object_get_member (object, l->data), depth, error);
        }
    }
  g_string_append_c (out, '}');

  g_list_free (names);
  return ok;
}

static gboolean
append_array (GString    *out,
              JsonArray  *array,
              guint       depth,
              GError    **error)
{
  guint n = json_array_get_length (array);

  g_string_append_c (out, '[');
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      if (!append_node (out, json_array_get_element (array, i), depth, error))
        return FALSE;
    }
  g_string_append_c (out, ']');
  return TRUE;
}

/* @depth: how many containers enclose @node. */
static gboolean
append_node (GString   *out,
             JsonNode  *node,
             guint      depth,
             GError   **error)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      return TRUE;

    case JSON_NODE_VALUE:
      return append_value (out, node, error);

    case JSON_NODE_OBJECT:
    case JSON_NODE_ARRAY:
      if (depth + 1 > TACT_CANONICAL_JSON_MAX_DEPTH)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       /* Translators: %d is a number of levels */
                       _("Canonical JSON: nested deeper than %d levels"),
                       TACT_CANONICAL_JSON_MAX_DEPTH);
          return FALSE;
        }
      if (JSON_NODE_HOLDS_OBJECT (node))
        return append_object (out, json_node_get_object (node), depth + 1, error);
      return append_array (out, json_node_get_array (node), depth + 1, error);

    default:
      break;
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Canonical JSON: a value of an unsupported type"));
  return FALSE;
}

char *
tact_canonical_json (JsonNode  *node,
                     GError   **error)
{
  g_autoptr(GString) out = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_string_new (NULL);
  if (!append_node (out, node, 0, error))
    return NULL;

  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
tact_canonical_json_sha256 (JsonNode  *node,
                            GError   **error)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  canonical = tact_canonical_json (node, error);
  if (canonical == NULL)
    return NULL;

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical, -1);
}
