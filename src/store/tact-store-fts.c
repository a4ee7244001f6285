/* tact-store-fts.c: tokenisation for the FTS4 index (events_fts).
 *
 * SQLite 3.15 (SQLCipher 3.4) ships FTS4 with the "simple" tokenizer only: it splits on ASCII
 * non-alphanumerics and treats every byte >= 0x80 as part of a word. Chinese has no spaces, so
 * a whole sentence would become one token and a word inside it could never be found. We
 * therefore tokenise in C and store a ready-made token string, separated by spaces, that the
 * simple tokenizer splits exactly at our spaces:
 *
 *   - text is NFKC-normalised (full-width Latin → ASCII, compatibility forms) and case-folded;
 *   - a run of CJK characters (Han, Hiragana, Katakana, Hangul, Bopomofo) becomes its
 *     overlapping bigrams, followed by its last character alone:
 *       "这是一个机密文件" → "这是 是一 一个 个机 机密 密文 文件 件"
 *     (a one-character run becomes just that character);
 *   - any other run of letters, digits and marks becomes one word.
 *
 * A query is tokenised the same way: a CJK run becomes a phrase of its bigrams (adjacent
 * positions, so "机密文件" matches only that exact sequence), a single CJK character becomes
 * a prefix term ("机*" matches every bigram starting with it, and the trailing unigram covers
 * the last character of a run), and words must all occur.
 */
#include "tact-store-private.h"

#include <string.h>

static gboolean
is_cjk (gunichar c)
{
  switch (g_unichar_get_script (c))
    {
    case G_UNICODE_SCRIPT_HAN:
    case G_UNICODE_SCRIPT_HIRAGANA:
    case G_UNICODE_SCRIPT_KATAKANA:
    case G_UNICODE_SCRIPT_HANGUL:
    case G_UNICODE_SCRIPT_BOPOMOFO:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

typedef enum {
  SEGMENT_WORD,
  SEGMENT_CJK,
} SegmentKind;

/* Called once per segment: a case-folded word, or a CJK run as an array of characters. */
typedef void (*SegmentFunc) (SegmentKind kind, const char *word,
                             const gunichar *chars, gsize n_chars, gpointer user_data);

static void
segment_text (const char *text, SegmentFunc func, gpointer user_data)
{
  g_autofree char *normalized = NULL;
  g_autoptr(GArray) cjk = g_array_new (FALSE, FALSE, sizeof (gunichar));
  const char *p;
  const char *word_start = NULL;

  if (text == NULL)
    return;
  normalized = g_utf8_normalize (text, -1, G_NORMALIZE_NFKC);
  if (normalized == NULL)  /* not valid UTF-8: index nothing rather than garbage */
    return;

  for (p = normalized; ; p = g_utf8_next_char (p))
    {
      gunichar c = *p ? g_utf8_get_char (p) : 0;
      gboolean c_cjk = c != 0 && is_cjk (c);
      gboolean c_word = c != 0 && !c_cjk && is_word_char (c);

      /* Close a word that ends here. */
      if (word_start != NULL && !c_word)
        {
          g_autofree char *folded = g_utf8_casefold (word_start, p - word_start);
          func (SEGMENT_WORD, folded, NULL, 0, user_data);
          word_start = NULL;
        }
      /* Close a CJK run that ends here. */
      if (cjk->len > 0 && !c_cjk)
        {
          func (SEGMENT_CJK, NULL, (const gunichar *) cjk->data, cjk->len, user_data);
          g_array_set_size (cjk, 0);
        }

      if (c == 0)
        break;
      if (c_cjk)
        g_array_append_val (cjk, c);
      else if (c_word && word_start == NULL)
        word_start = p;
    }
}

static void
append_chars (GString *out, const gunichar *chars, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_string_append_unichar (out, chars[i]);
}

static void
append_separator (GString *out)
{
  if (out->len > 0)
    g_string_append_c (out, ' ');
}

static void
index_segment (SegmentKind kind, const char *word, const gunichar *chars, gsize n,
               gpointer user_data)
{
  GString *out = user_data;

  if (kind == SEGMENT_WORD)
    {
      append_separator (out);
      g_string_append (out, word);
      return;
    }

  for (gsize i = 0; i + 1 < n; i++)
    {
      append_separator (out);
      append_chars (out, chars + i, 2);
    }
  /* The last character alone: makes a one-character query ("X*") find it too. */
  append_separator (out);
  append_chars (out, chars + n - 1, 1);
}

char *
tact_store_fts_tokens (const char *text)
{
  GString *out = g_string_new (NULL);

  segment_text (text, index_segment, out);
  return g_string_free (out, FALSE);
}

static void
query_segment (SegmentKind kind, const char *word, const gunichar *chars, gsize n,
               gpointer user_data)
{
  GString *out = user_data;

  append_separator (out);
  if (kind == SEGMENT_WORD)
    {
      /* Words contain no ASCII punctuation (so no '"' or '*'): quoting is safe and keeps
       * anything from being read as an operator. */
      g_string_append_printf (out, "\"%s\"", word);
      return;
    }

  if (n == 1)
    {
      append_chars (out, chars, 1);
      g_string_append_c (out, '*');
      return;
    }

  g_string_append_c (out, '"');
  for (gsize i = 0; i + 1 < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      append_chars (out, chars + i, 2);
    }
  g_string_append_c (out, '"');
}

char *
tact_store_fts_query (const char *query)
{
  GString *out = g_string_new (NULL);

  segment_text (query, query_segment, out);
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static void
fts_tokens_sql (sqlite3_context *context, int argc, sqlite3_value **argv)
{
  const char *text = (const char *) sqlite3_value_text (argv[0]);
  char *tokens;

  if (text == NULL)
    {
      sqlite3_result_null (context);
      return;
    }
  tokens = tact_store_fts_tokens (text);
  sqlite3_result_text (context, tokens, -1, g_free);
}

gboolean
tact_store_fts_register (sqlite3 *db, GError **error)
{
  int rc = sqlite3_create_function (db, "tact_fts_tokens", 1,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                    NULL, fts_tokens_sql, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      tact_store_set_sql_error (error, db, "Could not register the search tokenizer");
      return FALSE;
    }
  return TRUE;
}
