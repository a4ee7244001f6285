/* tact-admin-diff.c: rule-level and line-level comparison of two policy profiles
 * (tact-admin-diff.h).
 */
#include "tact-admin-diff.h"

#include <gio/gio.h>
#include <string.h>

void
tact_admin_rule_diff_free (TactAdminRuleDiff *diff)
{
  if (diff == NULL)
    return;
  g_clear_pointer (&diff->added, g_ptr_array_unref);
  g_clear_pointer (&diff->removed, g_ptr_array_unref);
  g_clear_pointer (&diff->changed, g_ptr_array_unref);
  g_clear_pointer (&diff->fields_changed, g_ptr_array_unref);
  g_free (diff);
}

gboolean
tact_admin_rule_diff_is_empty (const TactAdminRuleDiff *diff)
{
  return diff->added->len == 0 && diff->removed->len == 0 && diff->changed->len == 0 &&
         diff->fields_changed->len == 0;
}

/* The rules of @profile by id (borrowed nodes), and their ids in profile order. */
static gboolean
index_rules (JsonObject  *profile,
             const char  *which,
             GHashTable  *by_id,
             GPtrArray   *order,
             GError     **error)
{
  JsonNode *rules = json_object_get_member (profile, "rules");
  JsonArray *array;

  if (rules == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (rules))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the %s profile's \"rules\" is not an array", which);
      return FALSE;
    }
  array = json_node_get_array (rules);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *rule = json_array_get_element (array, i);
      JsonNode *id = JSON_NODE_HOLDS_OBJECT (rule)
                     ? json_object_get_member (json_node_get_object (rule), "id") : NULL;

      if (id == NULL || !JSON_NODE_HOLDS_VALUE (id) ||
          json_node_get_value_type (id) != G_TYPE_STRING)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "rule %u of the %s profile has no string \"id\"", i, which);
          return FALSE;
        }
      if (g_hash_table_contains (by_id, json_node_get_string (id)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "the %s profile has two rules with the id \"%s\"", which,
                       json_node_get_string (id));
          return FALSE;
        }
      g_hash_table_insert (by_id, (gpointer) json_node_get_string (id), rule);
      g_ptr_array_add (order, (gpointer) json_node_get_string (id));
    }
  return TRUE;
}

TactAdminRuleDiff *
tact_admin_rule_diff (JsonNode  *old_profile,
                      JsonNode  *new_profile,
                      GError   **error)
{
  g_autoptr(TactAdminRuleDiff) diff = g_new0 (TactAdminRuleDiff, 1);
  g_autoptr(GHashTable) old_rules = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) new_rules = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) old_order = g_ptr_array_new ();
  g_autoptr(GPtrArray) new_order = g_ptr_array_new ();
  g_autoptr(GList) old_members = NULL;
  g_autoptr(GList) new_members = NULL;
  JsonObject *old_obj, *new_obj;

  if (old_profile == NULL || !JSON_NODE_HOLDS_OBJECT (old_profile) ||
      new_profile == NULL || !JSON_NODE_HOLDS_OBJECT (new_profile))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "a profile is not a JSON object");
      return NULL;
    }
  old_obj = json_node_get_object (old_profile);
  new_obj = json_node_get_object (new_profile);
  if (!index_rules (old_obj, "old", old_rules, old_order, error) ||
      !index_rules (new_obj, "new", new_rules, new_order, error))
    return NULL;

  diff->added = g_ptr_array_new_with_free_func (g_free);
  diff->removed = g_ptr_array_new_with_free_func (g_free);
  diff->changed = g_ptr_array_new_with_free_func (g_free);
  diff->fields_changed = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < new_order->len; i++)
    {
      const char *id = g_ptr_array_index (new_order, i);
      JsonNode *old_rule = g_hash_table_lookup (old_rules, id);

      if (old_rule == NULL)
        g_ptr_array_add (diff->added, g_strdup (id));
      else if (!json_node_equal (old_rule, g_hash_table_lookup (new_rules, id)))
        g_ptr_array_add (diff->changed, g_strdup (id));
    }
  for (guint i = 0; i < old_order->len; i++)
    {
      const char *id = g_ptr_array_index (old_order, i);

      if (!g_hash_table_contains (new_rules, id))
        g_ptr_array_add (diff->removed, g_strdup (id));
    }

  /* Other top-level members: those of the new profile in its order, then those only the old
   * one has. */
  new_members = json_object_get_members (new_obj);
  for (GList *l = new_members; l != NULL; l = l->next)
    {
      JsonNode *old_value = json_object_get_member (old_obj, l->data);

      if (g_str_equal (l->data, "rules"))
        continue;
      if (old_value == NULL || !json_node_equal (old_value, json_object_get_member (new_obj, l->data)))
        g_ptr_array_add (diff->fields_changed, g_strdup (l->data));
    }
  old_members = json_object_get_members (old_obj);
  for (GList *l = old_members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "rules") && !json_object_has_member (new_obj, l->data))
      g_ptr_array_add (diff->fields_changed, g_strdup (l->data));

  return g_steal_pointer (&diff);
}

/* ---- Line diff ------------------------------------------------------------ */

/* One step of the edit script: ' ' (both), '-' (old only) or '+' (new only). ai and bi are the
 * 0-based positions in the old and new lines where the step is. */
typedef struct {
  char  kind;
  guint ai;
  guint bi;
} Op;

/* Lines of @text; a final newline does not make an empty last line. */
static GStrv
split_lines (const char *text,
             guint      *n_out)
{
  GStrv lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);

  if (n > 0 && lines[n - 1][0] == '\0')
    {
      g_free (lines[n - 1]);
      lines[--n] = NULL;
    }
  *n_out = n;
  return lines;
}

static void
add_op (GArray *ops, char kind, guint ai, guint bi)
{
  Op op = { kind, ai, bi };

  g_array_append_val (ops, op);
}

char *
tact_admin_line_diff (const char *old_text,
                      const char *new_text,
                      const char *old_label,
                      const char *new_label,
                      guint       context,
                      gsize       max_cells)
{
  guint na, nb, prefix = 0, suffix = 0, n, m;
  g_auto(GStrv) a = split_lines (old_text, &na);
  g_auto(GStrv) b = split_lines (new_text, &nb);
  g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (Op));
  g_autofree guint32 *table = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  guint i, j, k;

  while (prefix < na && prefix < nb && g_str_equal (a[prefix], b[prefix]))
    prefix++;
  while (suffix < na - prefix && suffix < nb - prefix &&
         g_str_equal (a[na - 1 - suffix], b[nb - 1 - suffix]))
    suffix++;
  n = na - prefix - suffix;
  m = nb - prefix - suffix;
  if (n == 0 && m == 0)
    return g_strdup ("");
  if ((gsize) (n + 1) > max_cells / (gsize) (m + 1))
    return NULL;

  /* table[i][j]: the LCS length of a[prefix+i…] and b[prefix+j…] within the middle. */
  table = g_new0 (guint32, (gsize) (n + 1) * (m + 1));
#define T(i, j) table[(gsize) (i) * (m + 1) + (j)]
  for (i = n; i-- > 0;)
    for (j = m; j-- > 0;)
      T (i, j) = g_str_equal (a[prefix + i], b[prefix + j])
                 ? T (i + 1, j + 1) + 1 : MAX (T (i + 1, j), T (i, j + 1));

  for (k = 0; k < prefix; k++)
    add_op (ops, ' ', k, k);
  for (i = 0, j = 0; i < n || j < m;)
    {
      if (i < n && j < m && g_str_equal (a[prefix + i], b[prefix + j]))
        {
          add_op (ops, ' ', prefix + i, prefix + j);
          i++, j++;
        }
      else if (i < n && (j == m || T (i + 1, j) >= T (i, j + 1)))
        {
          /* Removals before additions, as diff(1) writes them. */
          add_op (ops, '-', prefix + i, prefix + j);
          i++;
        }
      else
        {
          add_op (ops, '+', prefix + i, prefix + j);
          j++;
        }
    }
#undef T
  for (k = 0; k < suffix; k++)
    add_op (ops, ' ', prefix + n + k, prefix + m + k);

  g_string_append_printf (out, "--- %s\n+++ %s\n", old_label, new_label);
  for (guint pos = 0; pos < ops->len;)
    {
      guint first, last, start, end, a_count = 0, b_count = 0;
      const Op *op;

      /* The next change, and the last change within 2 × context equal lines of the one before. */
      while (pos < ops->len && g_array_index (ops, Op, pos).kind == ' ')
        pos++;
      if (pos == ops->len)
        break;
      first = last = pos;
      for (guint q = pos + 1; q < ops->len && q - last <= 2 * context + 1; q++)
        if (g_array_index (ops, Op, q).kind != ' ')
          last = q;
      start = first > context ? first - context : 0;
      end = MIN (last + context + 1, ops->len);

      for (guint q = start; q < end; q++)
        {
          char kind = g_array_index (ops, Op, q).kind;

          a_count += kind != '+';
          b_count += kind != '-';
        }
      op = &g_array_index (ops, Op, start);
      g_string_append_printf (out, "@@ -%u,%u +%u,%u @@\n",
                              a_count > 0 ? op->ai + 1 : op->ai, a_count,
                              b_count > 0 ? op->bi + 1 : op->bi, b_count);
      for (guint q = start; q < end; q++)
        {
          op = &g_array_index (ops, Op, q);
          g_string_append_c (out, op->kind);
          g_string_append (out, op->kind == '+' ? b[op->bi] : a[op->ai]);
          g_string_append_c (out, '\n');
        }
      pos = end;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
