/* tact-scan.c: bulk scanning of a text stream (files, exports, benchmarks).
 *
 * The same normalise-and-match path as a message (tact_normalize_into, then
 * tact_matcher_scan_checked), applied to a stream in chunks of about 1 MB.
 * A chunk ends after its last line break, so a character is never split and
 * only a match spanning a line break at a chunk boundary can be missed
 * (matches never span clause punctuation, and a line break is a clause
 * boundary for CJK terms anyway). Nothing here logs text.
 */
#include "tact-policy-private.h"

#include <string.h>

#define SCAN_CHUNK (1024 * 1024)

static gboolean
scan_chunk (TactMatcher  *matcher,
            GString      *norm,
            const char   *text,
            gsize         len,
            guint64      *n_hits,
            GError      **error)
{
  g_autofree char *valid = NULL;
  g_autofree char *leet = NULL;
  GArray *hits;

  if (len == 0)
    return TRUE;
  if (!g_utf8_validate (text, len, NULL))
    {
      valid = g_utf8_make_valid (text, len);
      text = valid;
      len = strlen (valid);
    }

  tact_normalize_into (norm, text, len);
  leet = tact_leet_view (norm->str, norm->len);
  hits = tact_matcher_scan_checked (matcher, norm->str, norm->len, leet, error);
  if (hits == NULL)
    return FALSE;
  *n_hits += hits->len;
  g_array_unref (hits);
  return TRUE;
}

gboolean
tact_matcher_scan_stream (TactMatcher   *matcher,
                          GInputStream  *stream,
                          guint64       *n_hits,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autofree char *buf = g_malloc (2 * SCAN_CHUNK);
  g_autoptr(GString) norm = g_string_sized_new (2 * SCAN_CHUNK);
  gsize carry = 0;  /* bytes after the last line break, kept for the next chunk */

  g_return_val_if_fail (matcher != NULL, FALSE);
  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (n_hits != NULL, FALSE);

  *n_hits = 0;

  for (;;)
    {
      gsize got = 0;
      gsize avail, cut;

      if (!g_input_stream_read_all (stream, buf + carry, SCAN_CHUNK, &got,
                                    cancellable, error))
        return FALSE;
      avail = carry + got;

      if (got == 0)  /* end of stream: the rest */
        return scan_chunk (matcher, norm, buf, avail, n_hits, error);

      /* Cut after the last line break; a line longer than a chunk is cut
       * before the last (possibly incomplete) UTF-8 character. */
      cut = avail;
      while (cut > 0 && buf[cut - 1] != '\n')
        cut--;
      if (cut == 0)
        {
          const char *last = g_utf8_find_prev_char (buf, buf + avail);
          cut = last != NULL ? (gsize) (last - buf) : avail;
        }

      if (!scan_chunk (matcher, norm, buf, cut, n_hits, error))
        return FALSE;

      carry = avail - cut;
      memmove (buf, buf + cut, carry);
      if (carry > SCAN_CHUNK)  /* cannot happen: a chunk always ends in one */
        carry = 0;
    }
}
