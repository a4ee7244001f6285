/* tact-corpus.c: reading a labelled corpus (tact-corpus.h, docs/corpus.md). */
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "tact-corpus.h"

/* A line longer than this is refused, not read into memory. */
#define MAX_LINE_BYTES (1024 * 1024)

const char *const tact_audience_names[TACT_N_AUDIENCES] = { "internal", "external" };

/* The string member @name of @object, or NULL; FALSE when present but not a string. */
static gboolean
optional_string (JsonObject  *object,
                 const char  *name,
                 const char **value)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  *value = json_node_get_string (node);
  return TRUE;
}

/* Reads one corpus line into @sample (strings borrowed from @parser's tree). */
static gboolean
parse_sample (JsonParser  *parser,
              const char  *line,
              TactSample  *sample,
              GError     **error)
{
  JsonNode *root;
  JsonObject *object;
  JsonNode *expect_node;
  JsonObject *expect;

  if (!json_parser_load_from_data (parser, line, -1, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("expected a JSON object"));
      return FALSE;
    }
  object = json_node_get_object (root);
  if (!optional_string (object, "text", &sample->text) || sample->text == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“text” must be a string"));
      return FALSE;
    }
  if (!optional_string (object, "category", &sample->category) || sample->category == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("“category” must be a string (“none” for a harmless message)"));
      return FALSE;
    }
  if (!optional_string (object, "lang", &sample->lang) ||
      !optional_string (object, "evasion", &sample->evasion))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("“lang” and “evasion” must be strings when present"));
      return FALSE;
    }
  expect_node = json_object_get_member (object, "expect");
  if (expect_node == NULL || !JSON_NODE_HOLDS_OBJECT (expect_node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("“expect” must be an object with “internal” and “external” verdicts"));
      return FALSE;
    }
  expect = json_node_get_object (expect_node);
  for (guint a = 0; a < TACT_N_AUDIENCES; a++)
    {
      const char *verdict = NULL;

      if (!optional_string (expect, tact_audience_names[a], &verdict) || verdict == NULL ||
          !tact_action_from_string (verdict, &sample->expect[a]))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       /* Translators: %s is "internal" or "external", not translated. */
                       _("“expect.%s” must be allow, warn, justify, approve or block"),
                       tact_audience_names[a]);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
tact_corpus_foreach (const char     *path,
                     TactSampleFunc  func,
                     gpointer        user_data,
                     guint          *n_samples,
                     GError        **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, error);
  g_autoptr(GDataInputStream) data = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  guint line_number = 0;

  if (stream == NULL)
    return FALSE;
  data = g_data_input_stream_new (G_INPUT_STREAM (stream));
  g_data_input_stream_set_newline_type (data, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  *n_samples = 0;
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize length = 0;
      g_autofree char *line = g_data_input_stream_read_line (data, &length, NULL, &local_error);
      TactSample sample = { 0 };

      if (line == NULL)
        {
          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          return TRUE;
        }
      line_number++;
      if (length > MAX_LINE_BYTES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("line %u: longer than %d bytes"), line_number, MAX_LINE_BYTES);
          return FALSE;
        }
      g_strstrip (line);
      if (line[0] == '\0')
        continue;
      if (!g_utf8_validate (line, -1, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("line %u: not valid UTF-8"), line_number);
          return FALSE;
        }
      if (!parse_sample (parser, line, &sample, &local_error))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       /* Translators: %u is a line number, %s the reason. */
                       _("line %u: %s"), line_number, local_error->message);
          return FALSE;
        }
      func (&sample, user_data);
      (*n_samples)++;
    }
}

