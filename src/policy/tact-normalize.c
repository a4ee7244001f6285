/* tact-normalize.c: one-pass text normalisation with an offset map.
 *
 * Every message is normalised before matching, so this is the hot path
 * (see perf-notes: chaining g_utf8_normalize + g_utf8_casefold costs several
 * times more than the matcher). One pass over the UTF-8 text:
 *
 *   1. fold each character (tact_fold_char): full-width ASCII → ASCII,
 *      ideographic space → space, case → lower; zero-width and format
 *      characters are dropped;
 *   2. collapse whitespace runs to one space;
 *   3. drop spaces and "joiner" punctuation (· _ - * / emoji …) between two
 *      CJK characters, so 机 密, 机·密 and 机_密 all read 机密.
 *
 * Clause punctuation (，。、；：！？ and brackets) and line breaks are kept
 * even between CJK characters: they separate words in ordinary text, and
 * "手机，密码" must not read "手机密码" (which contains 机密).
 *
 * While emitting, the original character offset of every output byte is
 * recorded, so a match in the normalised text maps back to the user's text.
 *
 * The profile's terms go through the same function (tact_normalize_string),
 * and OpenCC variants of the terms are produced here at compile time
 * (tact_term_variants), never per message.
 */
#include "tact-policy-private.h"

#include <opencc.h>
#include <string.h>

/* How a character takes part in the text once folded. */
typedef enum {
  TACT_CHAR_TEXT,       /* emitted */
  TACT_CHAR_IGNORABLE,  /* dropped: zero-width, format, variation selectors */
  TACT_CHAR_SPACE,      /* whitespace: collapsed; removed between CJK */
  TACT_CHAR_BREAK,      /* line break: collapsed to a space; never removed */
  TACT_CHAR_JOINER,     /* punctuation that may split a word: removed between CJK */
} TactCharClass;

/* The most characters one input character may fold to. 1 today; NFKC
 * compatibility decompositions (e.g. ㈱ → (株)) and full case folding
 * (ß → ss) will need more. */
#define TACT_FOLD_MAX 4

gboolean
tact_unichar_is_cjk (gunichar c)
{
  /* Fast path for ASCII, the most common case in mixed text. */
  if (c < 0x80)
    return FALSE;

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

gboolean
tact_unichar_is_word (gunichar c)
{
  if (c < 0x80)
    return g_ascii_isalnum (c) || c == '_';
  return g_unichar_isalnum (c) && !tact_unichar_is_cjk (c);
}

static gboolean
is_ignorable (gunichar c)
{
  return (c >= 0x200B && c <= 0x200F) ||   /* zero-width space/joiners, LRM, RLM */
         (c >= 0x2060 && c <= 0x2064) ||   /* word joiner, invisible operators */
         c == 0xFEFF ||                    /* BOM / zero-width no-break space */
         c == 0x00AD ||                    /* soft hyphen */
         (c >= 0xFE00 && c <= 0xFE0F) ||   /* variation selectors */
         (c >= 0xE0100 && c <= 0xE01EF) ||
         (c >= 0x202A && c <= 0x202E) ||   /* bidi embeddings and overrides */
         (c >= 0x2066 && c <= 0x2069) ||   /* bidi isolates */
         c == 0x180E;                      /* Mongolian vowel separator */
}

/* Punctuation and symbols that people put inside a word to dodge a filter,
 * and that carry no meaning between two CJK characters. */
static gboolean
is_joiner (gunichar c)
{
  switch (c)
    {
    case '.': case '*': case '/': case '\\': case '|': case '~': case '\'':
    case '"': case '`': case '^': case '#': case '+': case '=':
    case 0x00B7:  /* · middle dot */
    case 0x2022:  /* • bullet */
    case 0x2027:  /* ‧ hyphenation point */
    case 0x30FB:  /* ・ katakana middle dot */
    case 0xFF65:  /* ･ half-width katakana middle dot */
    case 0x2018: case 0x2019: case 0x201C: case 0x201D:  /* ‘ ’ “ ” */
      return TRUE;
    default:
      break;
    }

  if (c < 0x80)
    return c == '_' || c == '-';

  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONNECT_PUNCTUATION:  /* _ ‿ ﹍ */
    case G_UNICODE_DASH_PUNCTUATION:     /* - — ～ */
    case G_UNICODE_OTHER_SYMBOL:         /* emoji, ★ */
    case G_UNICODE_MODIFIER_SYMBOL:
    case G_UNICODE_MATH_SYMBOL:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Folds one character. Returns how many characters were written to @out
 * (0 when @c is dropped) and sets @cls.
 *
 * This is the one place to extend with NFKC compatibility forms and
 * homoglyph folding (Cyrillic а → a, …): a lookup table keyed by code point,
 * consulted before the generic case folding below. */
static guint
tact_fold_char (gunichar       c,
                gunichar       out[TACT_FOLD_MAX],
                TactCharClass *cls)
{
  /* ASCII fast path. */
  if (c < 0x80)
    {
      if (c == '\n' || c == '\r' || c == '\v' || c == '\f')
        *cls = TACT_CHAR_BREAK;
      else if (c == ' ' || c == '\t')
        *cls = TACT_CHAR_SPACE;
      else if (is_joiner (c))
        *cls = TACT_CHAR_JOINER;
      else
        *cls = TACT_CHAR_TEXT;
      out[0] = g_ascii_tolower (c);
      return 1;
    }

  if (is_ignorable (c))
    {
      *cls = TACT_CHAR_IGNORABLE;
      return 0;
    }

  /* Full-width ASCII (U+FF01–FF5E) → ASCII: classify as the ASCII char. */
  if (c >= 0xFF01 && c <= 0xFF5E)
    return tact_fold_char (c - 0xFEE0, out, cls);

  if (c == 0x3000)  /* ideographic space */
    return tact_fold_char (' ', out, cls);

  if (c == 0x2028 || c == 0x2029 || c == 0x0085)
    {
      *cls = TACT_CHAR_BREAK;
      out[0] = ' ';
      return 1;
    }

  if (g_unichar_isspace (c))
    {
      *cls = TACT_CHAR_SPACE;
      out[0] = ' ';
      return 1;
    }

  if (g_unichar_type (c) == G_UNICODE_FORMAT)
    {
      *cls = TACT_CHAR_IGNORABLE;
      return 0;
    }

  *cls = is_joiner (c) ? TACT_CHAR_JOINER : TACT_CHAR_TEXT;
  out[0] = g_unichar_tolower (c);
  return 1;
}

/* A separator seen since the last emitted text character, held back until
 * we know whether it sits between two CJK characters. */
typedef struct {
  gunichar      c;
  glong         offset;
  TactCharClass cls;
} Pending;

typedef struct {
  GString *text;
  GArray  *offsets;      /* may be NULL: no map wanted */
  gboolean last_space;   /* last emitted char was a space */
} Emitter;

static inline void
emit (Emitter  *em,
      gunichar  c,
      glong     offset)
{
  gsize before = em->text->len;

  if (c < 0x80)
    g_string_append_c (em->text, (char) c);
  else
    g_string_append_unichar (em->text, c);

  if (em->offsets != NULL)
    for (gsize i = before; i < em->text->len; i++)
      g_array_append_val (em->offsets, offset);

  em->last_space = (c == ' ');
}

static void
flush_pending (Emitter *em,
               GArray  *pending)
{
  for (guint i = 0; i < pending->len; i++)
    {
      const Pending *p = &g_array_index (pending, Pending, i);

      if (p->cls == TACT_CHAR_SPACE || p->cls == TACT_CHAR_BREAK)
        {
          /* Collapse whitespace runs; no leading space. */
          if (em->last_space || em->text->len == 0)
            continue;
          emit (em, ' ', p->offset);
        }
      else
        emit (em, p->c, p->offset);
    }
  g_array_set_size (pending, 0);
}

static void
normalize_into (const char *text,
                gssize      len,
                Emitter    *em,
                glong      *n_chars_out)
{
  const char *p = text;
  const char *end = text + (len < 0 ? strlen (text) : (gsize) len);
  g_autoptr(GArray) pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  gboolean pending_has_break = FALSE;
  gboolean last_text_cjk = FALSE;
  glong index = 0;

  for (; p < end; p = g_utf8_next_char (p), index++)
    {
      gunichar folded[TACT_FOLD_MAX];
      TactCharClass cls;
      guint n;

      /* ASCII letters and digits dominate Latin text: skip the general path. */
      if ((guchar) *p < 0x80 && g_ascii_isalnum (*p))
        {
          folded[0] = g_ascii_tolower (*p);
          cls = TACT_CHAR_TEXT;
          n = 1;
        }
      else
        n = tact_fold_char (g_utf8_get_char (p), folded, &cls);

      switch (cls)
        {
        case TACT_CHAR_IGNORABLE:
          continue;

        case TACT_CHAR_BREAK:
          pending_has_break = TRUE;
          G_GNUC_FALLTHROUGH;
        case TACT_CHAR_SPACE:
        case TACT_CHAR_JOINER:
          {
            Pending pd = { folded[0], index, cls };
            g_array_append_val (pending, pd);
          }
          continue;

        case TACT_CHAR_TEXT:
        default:
          break;
        }

      for (guint i = 0; i < n; i++)
        {
          gboolean cjk = tact_unichar_is_cjk (folded[i]);

          if (pending->len > 0)
            {
              if (last_text_cjk && cjk && !pending_has_break)
                g_array_set_size (pending, 0);  /* 机 · 密 → 机密 */
              else
                flush_pending (em, pending);
              pending_has_break = FALSE;
            }

          emit (em, folded[i], index);
          last_text_cjk = cjk;
        }
    }

  /* Trailing separators: keep joiners (they may be part of a regex match
   * such as "password:"), drop trailing whitespace. */
  flush_pending (em, pending);
  if (em->last_space && em->text->len > 0)
    {
      g_string_truncate (em->text, em->text->len - 1);
      if (em->offsets != NULL)
        g_array_set_size (em->offsets, em->offsets->len - 1);
    }

  if (n_chars_out != NULL)
    *n_chars_out = index;
}

TactNormalized *
tact_normalized_new (const char *text,
                     gssize      len)
{
  TactNormalized *norm = g_new0 (TactNormalized, 1);
  gsize byte_len = len < 0 ? strlen (text) : (gsize) len;
  Emitter em;

  g_return_val_if_fail (g_utf8_validate (text, byte_len, NULL), norm);

  norm->text = g_string_sized_new (byte_len + 1);
  norm->offsets = g_array_sized_new (FALSE, FALSE, sizeof (glong), byte_len + 1);

  em.text = norm->text;
  em.offsets = norm->offsets;
  em.last_space = FALSE;
  normalize_into (text, byte_len, &em, &norm->n_chars);

  return norm;
}

void
tact_normalized_free (TactNormalized *norm)
{
  if (norm == NULL)
    return;
  if (norm->text != NULL)
    g_string_free (norm->text, TRUE);
  if (norm->offsets != NULL)
    g_array_unref (norm->offsets);
  g_free (norm);
}

void
tact_normalized_map_span (const TactNormalized *norm,
                          gsize                 byte_start,
                          gsize                 byte_end,
                          glong                *start,
                          glong                *end)
{
  const glong *offsets = (const glong *) norm->offsets->data;

  g_return_if_fail (byte_start < byte_end && byte_end <= norm->offsets->len);

  *start = offsets[byte_start];
  /* The last byte of the span belongs to the last matched character. */
  *end = offsets[byte_end - 1] + 1;
}

char *
tact_normalize_string (const char *text)
{
  Emitter em;

  g_return_val_if_fail (text != NULL, NULL);

  em.text = g_string_new (NULL);
  em.offsets = NULL;
  em.last_space = FALSE;
  normalize_into (text, -1, &em, NULL);

  return g_string_free (em.text, FALSE);
}

/* ------------------------------------------------------------------------- */
/* OpenCC variants of terms                                                  */
/* ------------------------------------------------------------------------- */

/* Configurations shipped by Debian's opencc-data in /usr/share/opencc:
 * simplified → traditional (OpenCC standard, Taiwan, Hong Kong) and back. */
static const char * const opencc_configs[] = {
  "s2t.json", "s2tw.json", "s2hk.json", "t2s.json", "tw2s.json",
};

/* Opened once per process and kept; OpenCC converters are not documented as
 * thread-safe, so conversions are serialised (they only run at profile load). */
static GMutex   opencc_lock;
static gboolean opencc_tried;
static opencc_t opencc_converters[G_N_ELEMENTS (opencc_configs)];

static void
opencc_ensure_locked (void)
{
  if (opencc_tried)
    return;
  opencc_tried = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (opencc_configs); i++)
    {
      opencc_converters[i] = opencc_open (opencc_configs[i]);
      if (opencc_converters[i] == (opencc_t) -1)
        {
          g_warning ("OpenCC configuration %s unavailable (%s): "
                     "terms will not match their simplified/traditional variants",
                     opencc_configs[i], opencc_error ());
          opencc_converters[i] = NULL;
        }
    }
}

static void
add_variant (GPtrArray  *variants,
             const char *text)
{
  g_autofree char *norm = tact_normalize_string (text);

  if (norm[0] == '\0')
    return;
  for (guint i = 0; i < variants->len; i++)
    if (g_str_equal (g_ptr_array_index (variants, i), norm))
      return;
  g_ptr_array_add (variants, g_steal_pointer (&norm));
}

GPtrArray *
tact_term_variants (const char *term)
{
  GPtrArray *variants = g_ptr_array_new_with_free_func (g_free);
  gboolean has_cjk = FALSE;

  add_variant (variants, term);

  for (const char *p = term; *p; p = g_utf8_next_char (p))
    if (tact_unichar_is_cjk (g_utf8_get_char (p)))
      {
        has_cjk = TRUE;
        break;
      }
  if (!has_cjk)
    return variants;

  g_mutex_lock (&opencc_lock);
  opencc_ensure_locked ();
  for (guint i = 0; i < G_N_ELEMENTS (opencc_configs); i++)
    {
      char *converted;

      if (opencc_converters[i] == NULL)
        continue;
      converted = opencc_convert_utf8 (opencc_converters[i], term, strlen (term));
      if (converted == NULL)
        continue;
      add_variant (variants, converted);
      opencc_convert_utf8_free (converted);
    }
  g_mutex_unlock (&opencc_lock);

  return variants;
}
