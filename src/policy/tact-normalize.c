/* tact-normalize.c: one-pass text normalisation with an offset map.
 *
 * Every message is normalised before matching, so this is the hot path
 * (see perf-notes: chaining g_utf8_normalize + g_utf8_casefold costs several
 * times more than the matcher). One pass over the UTF-8 text:
 *
 *   1. fold each character with a table built once per process (fold_table):
 *      NFKC compatibility forms (full/half width, circled and parenthesised
 *      letters and digits, super/subscripts, ligatures, CJK compatibility
 *      ideographs and Kangxi radicals → unified ideographs, fraction slash),
 *      then lower case; zero-width and format characters (Cf), variation
 *      selectors and tag characters are dropped; a half-width dakuten or a
 *      combining mark composes with the character before it;
 *   2. Latin look-alikes from Cyrillic and Greek (а е о р с …, ο ν ρ α …) fold
 *      to Latin letters inside words that are mixed-script or made only of
 *      look-alikes (see homoglyph_word_folds), so Russian or Greek prose is
 *      left alone;
 *   3. collapse whitespace runs to one space;
 *   4. drop spaces and "joiner" punctuation (· _ - * / emoji …) between two
 *      CJK characters, so 机 密, 机·密 and 机_密 all read 机密;
 *   5. join a Latin word spelled out letter by letter: a run of at least
 *      SPELLED_MIN single ASCII letters, each separated by one or two of
 *      space . - _ * (c o n f i d e n t i a l, s.e.c.r.e.t, p-a-s-s-w-o-r-d),
 *      reads as one word (issue 10: Latin terms split by spaces or
 *      punctuation; two spaces end a word, so c u s t o m e r  l i s t reads
 *      "customer list"). Shorter runs (a b, U.S.) are left alone.
 *
 * Clause punctuation (，。、；：！？ and brackets) and line breaks are kept
 * even between CJK characters: they separate words in ordinary text, and
 * "手机，密码" must not read "手机密码" (which contains 机密).
 *
 * While emitting, the original character offset of every output byte is
 * recorded, so a match in the normalised text maps back to the user's text:
 * every byte of an expansion (ﬁ → fi, ⑴ → (1)) maps to its source character;
 * a composed character (ｶﾞ → ガ) maps its last byte to the combining mark, so
 * a span ending on it covers both source characters.
 *
 * Unified Han ideographs and ASCII, almost all of the text in practice, never
 * touch the table: ASCII goes through a 128-entry table and Han is copied.
 *
 * The profile's terms go through the same function (tact_normalize_string),
 * and OpenCC variants of the terms are produced here at compile time
 * (tact_term_variants), never per message: converting the text itself with
 * OpenCC runs at ~6.5 MB/s (perf-notes).
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

/* Flags of a folded character. */
enum {
  FOLD_CJK       = 1 << 0,  /* the (single) folded character is CJK */
  FOLD_WORD      = 1 << 1,  /* a letter or digit of a spaced script */
  FOLD_LATIN     = 1 << 2,  /* a Latin letter (ASCII or not), not a look-alike */
  FOLD_COMBINING = 1 << 3,  /* a combining mark: composes with the previous char */
};

/* The longest NFKC expansion of one code point is 18 (U+FDFA). */
#define FOLD_BUF 20

/* One character's fold: @n characters at @chars (0 when dropped). */
typedef struct {
  const gunichar *chars;
  guint8          n;
  guint8          cls;    /* TactCharClass */
  guint8          flags;
  guint8          alt;    /* ASCII look-alike, or 0 */
} Fold;

/* A table entry: the fold itself when n == 1, else an index into the pool. */
typedef struct {
  guint32 fold;
  guint8  n;
  guint8  cls;
  guint8  flags;
  guint8  alt;
} FoldEntry;

typedef struct {
  FoldEntry ascii[0x80];
  FoldEntry bmp[0x10000];   /* U+0080–FFFF; Han and Hangul syllables never looked up */
  gunichar *pool;           /* expansions */
} FoldTable;

gboolean
tact_unichar_is_cjk (gunichar c)
{
  /* Fast path for ASCII, the most common case in mixed text. */
  if (c < 0x80)
    return FALSE;
  if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF))
    return TRUE;

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
         c == 0x034F ||                    /* combining grapheme joiner */
         (c >= 0xFE00 && c <= 0xFE0F) ||   /* variation selectors */
         (c >= 0xE0100 && c <= 0xE01EF) ||
         (c >= 0xE0000 && c <= 0xE007F) || /* tag characters */
         (c >= 0x202A && c <= 0x202E) ||   /* bidi embeddings and overrides */
         (c >= 0x2066 && c <= 0x2069) ||   /* bidi isolates */
         (c >= 0x180B && c <= 0x180F) ||   /* Mongolian variation selectors, vowel separator */
         c == 0x115F || c == 0x1160 ||     /* Hangul fillers */
         c == 0x3164 || c == 0xFFA0;
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

/* Cyrillic and Greek letters that look like a Latin letter, keyed on the
 * NFKC form before lower-casing: upper-case Η looks like H, lower-case η
 * does not. */
static const struct {
  gunichar from;
  char     to;
} homoglyphs[] = {
  /* Cyrillic lower case */
  { 0x0430, 'a' }, { 0x0435, 'e' }, { 0x043E, 'o' }, { 0x0440, 'p' }, { 0x0441, 'c' },
  { 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0456, 'i' }, { 0x0455, 's' }, { 0x0458, 'j' },
  { 0x0501, 'd' }, { 0x04BB, 'h' }, { 0x051B, 'q' }, { 0x051D, 'w' }, { 0x04CF, 'l' },
  /* Cyrillic upper case */
  { 0x0410, 'a' }, { 0x0412, 'b' }, { 0x0415, 'e' }, { 0x041A, 'k' }, { 0x041C, 'm' },
  { 0x041D, 'h' }, { 0x041E, 'o' }, { 0x0420, 'p' }, { 0x0421, 'c' }, { 0x0422, 't' },
  { 0x0425, 'x' }, { 0x0423, 'y' }, { 0x0406, 'i' }, { 0x0405, 's' }, { 0x0408, 'j' },
  /* Greek lower case */
  { 0x03BF, 'o' }, { 0x03BD, 'v' }, { 0x03C1, 'p' }, { 0x03B1, 'a' }, { 0x03B5, 'e' },
  { 0x03BA, 'k' }, { 0x03C4, 't' },
  /* Greek upper case */
  { 0x0399, 'i' }, { 0x0391, 'a' }, { 0x0392, 'b' }, { 0x0395, 'e' }, { 0x0397, 'h' },
  { 0x039A, 'k' }, { 0x039C, 'm' }, { 0x039D, 'n' }, { 0x039F, 'o' }, { 0x03A1, 'p' },
  { 0x03A4, 't' }, { 0x03A7, 'x' }, { 0x03A5, 'y' }, { 0x0396, 'z' },
};

static char
homoglyph_of (gunichar c)
{
  if (c < 0x0391 || c > 0x051D)
    return 0;
  for (guint i = 0; i < G_N_ELEMENTS (homoglyphs); i++)
    if (homoglyphs[i].from == c)
      return homoglyphs[i].to;
  return 0;
}

static guint8
classify (gunichar c)
{
  if (c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
      c == 0x2028 || c == 0x2029 || c == 0x0085)
    return TACT_CHAR_BREAK;
  if (c == ' ' || c == '\t' || (c >= 0x80 && g_unichar_isspace (c)))
    return TACT_CHAR_SPACE;
  if (is_joiner (c))
    return TACT_CHAR_JOINER;
  return TACT_CHAR_TEXT;
}

static guint8
flags_of (gunichar c)
{
  guint8 flags = 0;

  if (tact_unichar_is_cjk (c))
    return FOLD_CJK;
  if (tact_unichar_is_word (c) && c != '_')
    flags |= FOLD_WORD;
  if (c < 0x80 ? g_ascii_isalpha (c)
               : g_unichar_isalpha (c) && g_unichar_get_script (c) == G_UNICODE_SCRIPT_LATIN)
    flags |= FOLD_LATIN;
  if (c >= 0x300 && g_unichar_combining_class (c) > 0 &&
      g_unichar_type (c) == G_UNICODE_NON_SPACING_MARK)
    flags |= FOLD_COMBINING;
  return flags;
}

/* Computes the fold of @c the slow way: NFKC with g_utf8_normalize, lower
 * case, classification. Used to build the table, and at run time for the few
 * supplementary-plane blocks with compatibility forms. Returns the number of
 * characters written to @out. */
static guint
compute_fold (gunichar  c,
              gunichar  out[FOLD_BUF],
              guint8   *cls,
              guint8   *flags,
              guint8   *alt)
{
  gunichar decomposed[FOLD_BUF];
  guint n = 1;

  *cls = TACT_CHAR_TEXT;
  *flags = 0;
  *alt = 0;
  out[0] = c;

  if (is_ignorable (c) || (c >= 0x80 && g_unichar_type (c) == G_UNICODE_FORMAT))
    {
      *cls = TACT_CHAR_IGNORABLE;
      return 0;
    }

  if (c == 0x2044 || c == 0x2215)  /* fraction slash, division slash */
    out[0] = '/';
  else if (c >= 0x80 &&
           (g_unichar_fully_decompose (c, TRUE, decomposed, FOLD_BUF) != 1 ||
            decomposed[0] != c))
    {
      char utf8[8];
      g_autofree char *nfkc = NULL;
      gunichar tmp[FOLD_BUF];
      guint k = 0;
      gboolean spacing_mark = FALSE;

      utf8[g_unichar_to_utf8 (c, utf8)] = '\0';
      nfkc = g_utf8_normalize (utf8, -1, G_NORMALIZE_NFKC);
      for (const char *p = nfkc; p != NULL && *p && k < FOLD_BUF; p = g_utf8_next_char (p))
        tmp[k++] = g_utf8_get_char (p);
      /* Spacing accents (¨ → space + U+0308) would put a space inside words. */
      for (guint i = 0; i < k && k > 1; i++)
        spacing_mark |= tmp[i] == ' ';
      if (k > 0 && !spacing_mark)
        {
          memcpy (out, tmp, k * sizeof (gunichar));
          n = k;
        }
    }

  for (guint i = 0; i < n; i++)
    if (out[i] == 0x2044 || out[i] == 0x2215)  /* ½ → 1⁄2 → 1/2 */
      out[i] = '/';
  if (n == 1)
    *alt = homoglyph_of (out[0]);
  for (guint i = 0; i < n; i++)
    out[i] = out[i] < 0x80 ? (gunichar) g_ascii_tolower (out[i]) : g_unichar_tolower (out[i]);

  if (n == 1)
    {
      *cls = classify (out[0]);
      if (*cls == TACT_CHAR_SPACE || *cls == TACT_CHAR_BREAK)
        out[0] = ' ';
      *flags = flags_of (out[0]);
      if (*alt != 0)
        *flags &= ~FOLD_LATIN;
    }
  else
    {
      /* ﬁ, ⑴, ㈱: word characters, Latin when one of them is. */
      *flags = FOLD_WORD;
      for (guint i = 0; i < n; i++)
        if (out[i] < 0x80 ? g_ascii_isalpha (out[i])
                          : g_unichar_get_script (out[i]) == G_UNICODE_SCRIPT_LATIN)
          *flags |= FOLD_LATIN;
    }

  return n;
}

static gboolean
is_table_skipped (gunichar c)
{
  /* Identity and CJK: handled before any lookup. */
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xD800 && c <= 0xF8FF);
}

static FoldTable *
fold_table_build (void)
{
  FoldTable *table = g_new0 (FoldTable, 1);
  g_autoptr(GArray) pool = g_array_new (FALSE, FALSE, sizeof (gunichar));

  for (gunichar c = 0; c < 0x10000; c++)
    {
      FoldEntry *entry = c < 0x80 ? &table->ascii[c] : &table->bmp[c];
      gunichar out[FOLD_BUF];
      guint n;

      if (is_table_skipped (c))
        continue;
      n = compute_fold (c, out, &entry->cls, &entry->flags, &entry->alt);
      entry->n = n;
      if (n == 1)
        entry->fold = out[0];
      else if (n > 1)
        {
          entry->fold = pool->len;
          g_array_append_vals (pool, out, n);
        }
    }
  table->pool = (gunichar *) g_array_free (g_steal_pointer (&pool), FALSE);

  return table;
}

static const FoldTable *
fold_table_get (void)
{
  static gsize table = 0;

  if (g_once_init_enter (&table))
    g_once_init_leave (&table, (gsize) fold_table_build ());
  return (const FoldTable *) table;
}

static inline void
fold_from_entry (const FoldTable *table,
                 const FoldEntry *entry,
                 Fold            *fold)
{
  fold->chars = entry->n > 1 ? &table->pool[entry->fold] : &entry->fold;
  fold->n = entry->n;
  fold->cls = entry->cls;
  fold->flags = entry->flags;
  fold->alt = entry->alt;
}

/* The fold of a non-ASCII, non-Han character. @buf holds folds computed on
 * the spot. */
static void
fold_lookup (const FoldTable *table,
             gunichar         c,
             gunichar         buf[FOLD_BUF],
             Fold            *fold)
{
  if (c < 0x10000)
    {
      if (G_UNLIKELY (is_table_skipped (c)))
        {
          /* Han, Hangul syllables, private use: themselves. */
          buf[0] = c;
          fold->chars = buf;
          fold->n = 1;
          fold->cls = TACT_CHAR_TEXT;
          fold->flags = (c >= 0xE000) ? 0 : FOLD_CJK;
          fold->alt = 0;
          return;
        }
      fold_from_entry (table, &table->bmp[c], fold);
      return;
    }

  /* Supplementary planes. Ideographs (extensions B–G) are themselves; the
   * blocks with compatibility forms go the slow way. */
  if ((c >= 0x20000 && c < 0x2F800) || (c > 0x2FA1F && c <= 0x3FFFF))
    {
      buf[0] = c;
      fold->chars = buf;
      fold->n = 1;
      fold->cls = TACT_CHAR_TEXT;
      fold->flags = FOLD_CJK;
      fold->alt = 0;
      return;
    }

  fold->chars = buf;
  if ((c >= 0x1D400 && c <= 0x1D7FF) ||   /* mathematical alphanumerics */
      (c >= 0x1F100 && c <= 0x1F1FF) ||   /* enclosed alphanumeric supplement */
      (c >= 0x2F800 && c <= 0x2FA1F) ||   /* CJK compatibility ideographs supplement */
      (c >= 0x1FBF0 && c <= 0x1FBF9))     /* segmented digits */
    {
      fold->n = compute_fold (c, buf, &fold->cls, &fold->flags, &fold->alt);
      return;
    }

  /* Everything else (emoji, historic scripts): no compatibility form. */
  fold->alt = 0;
  if (is_ignorable (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
    {
      fold->n = 0;
      fold->cls = TACT_CHAR_IGNORABLE;
      fold->flags = 0;
      return;
    }
  buf[0] = g_unichar_tolower (c);
  fold->n = 1;
  fold->cls = classify (buf[0]);
  fold->flags = fold->cls == TACT_CHAR_TEXT ? flags_of (buf[0]) : 0;
}

/* ------------------------------------------------------------------------- */
/* Emitting                                                                  */
/* ------------------------------------------------------------------------- */

/* A separator seen since the last emitted text character, held back until
 * we know whether it sits between two CJK characters. */
typedef struct {
  gunichar      c;
  glong         offset;
  TactCharClass cls;
} Pending;

typedef struct {
  GString  *text;
  GArray   *offsets;     /* may be NULL: no map wanted; its length is a capacity
                          * until normalize_into() trims it to text->len */
  gboolean  last_space;  /* last emitted char was a space */
  gsize     last_start;  /* byte offset of the last emitted character */
  gunichar  last_char;
} Emitter;

/* Room for @extra more bytes in the text and the map. */
static inline void
reserve (Emitter *em,
         gsize    extra)
{
  GString *s = em->text;

  if (G_UNLIKELY (s->len + extra + 1 > s->allocated_len))
    {
      gsize len = s->len;

      g_string_set_size (s, len + extra + len / 2 + 64);
      s->len = len;
    }
  if (em->offsets != NULL && G_UNLIKELY (em->offsets->len < s->len + extra))
    g_array_set_size (em->offsets, s->len + extra + s->len / 2 + 64);
}

/* Emits @c; its bytes map to @offset, except the last, which maps to
 * @last_offset (a composed character's combining mark). */
static inline void
emit2 (Emitter  *em,
       gunichar  c,
       glong     offset,
       glong     last_offset)
{
  GString *s = em->text;
  guint n;

  reserve (em, 4);
  em->last_start = s->len;
  em->last_char = c;
  if (c < 0x80)
    {
      s->str[s->len] = (char) c;
      n = 1;
    }
  else
    n = g_unichar_to_utf8 (c, s->str + s->len);

  if (em->offsets != NULL)
    {
      glong *map = &g_array_index (em->offsets, glong, s->len);

      for (guint i = 0; i + 1 < n; i++)
        map[i] = offset;
      map[n - 1] = last_offset;
    }
  s->len += n;
  em->last_space = (c == ' ');
}

static inline void
emit (Emitter  *em,
      gunichar  c,
      glong     offset)
{
  emit2 (em, c, offset, offset);
}

/* Copies the @n bytes of one character already in its folded form. */
static inline void
emit_bytes (Emitter    *em,
            const char *bytes,
            guint       n,
            gunichar    c,
            glong       offset)
{
  GString *s = em->text;

  reserve (em, n);
  em->last_start = s->len;
  em->last_char = c;
  memcpy (s->str + s->len, bytes, n);
  if (em->offsets != NULL)
    {
      glong *map = &g_array_index (em->offsets, glong, s->len);
      for (guint i = 0; i < n; i++)
        map[i] = offset;
    }
  s->len += n;
  em->last_space = FALSE;
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

/* Decodes one character of valid UTF-8 at @p, and sets *@len. */
static inline gunichar
decode (const guchar *p,
        guint        *len)
{
  if (p[0] < 0xE0)
    {
      *len = 2;
      return ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    }
  if (p[0] < 0xF0)
    {
      *len = 3;
      return ((p[0] & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    }
  *len = 4;
  return ((p[0] & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

/* Whether the look-alikes of the word starting at @p (up to @end) fold to
 * Latin: yes when the word also has a Latin letter (cоnfidential with a
 * Cyrillic о), or when every letter of it is a look-alike (рор, ΒΑΝΚ).
 * A word with any other Cyrillic or Greek letter (секрет, κλειδί) is prose in
 * that script and left alone. Sets *@word_end to the end of the word. */
static gboolean
homoglyph_word_folds (const FoldTable  *table,
                      const guchar     *p,
                      const guchar     *end,
                      const guchar    **word_end)
{
  gboolean has_latin = FALSE, has_other = FALSE;

  while (p < end)
    {
      gunichar buf[FOLD_BUF];
      Fold fold;
      guint len = 1;

      if (*p < 0x80)
        fold_from_entry (table, &table->ascii[*p], &fold);
      else
        fold_lookup (table, decode (p, &len), buf, &fold);

      if (fold.cls != TACT_CHAR_IGNORABLE)
        {
          if (fold.cls != TACT_CHAR_TEXT ||
              !(fold.flags & (FOLD_WORD | FOLD_COMBINING)) || (fold.flags & FOLD_CJK))
            break;
          if (fold.flags & FOLD_LATIN)
            has_latin = TRUE;
          else if (fold.alt == 0 && fold.n == 1 && g_unichar_isalpha (fold.chars[0]))
            has_other = TRUE;
        }
      p += len;
    }

  *word_end = p;
  return has_latin || !has_other;
}

/* Step 5: a spelled-out word. */
#define SPELLED_MIN 4

static gboolean
is_single_ascii_letter (const guchar *p,
                        const guchar *end)
{
  return p < end && g_ascii_isalpha (*p) && (p + 1 == end || !g_ascii_isalnum (p[1]));
}

/* If a run of at least SPELLED_MIN single letters starts at @start (the
 * first letter of a word), the end of its last letter; else @start. */
static const guchar *
spelled_word_end (const guchar *start,
                  const guchar *end)
{
  const guchar *p = start;
  const guchar *last_end = start;
  guint letters = 0;

  while (is_single_ascii_letter (p, end))
    {
      const guchar *s = p + 1;
      guint n_sep = 0;

      letters++;
      last_end = p + 1;
      while (s < end && n_sep < 3 && strchr (" .-_*", *s) != NULL && *s != '\0')
        {
          s++;
          n_sep++;
        }
      /* Two spaces end the word: "c u s t o m e r  l i s t" is two words. */
      if (n_sep == 0 || n_sep > 2 || (n_sep == 2 && p[1] == ' ' && p[2] == ' '))
        break;
      p = s;
    }
  return letters >= SPELLED_MIN ? last_end : start;
}

static void
normalize_into (const char *text,
                gssize      len,
                Emitter    *em,
                glong      *n_chars_out)
{
  const FoldTable *table = fold_table_get ();
  const guchar *p = (const guchar *) text;
  const guchar *end = p + (len < 0 ? strlen (text) : (gsize) len);
  g_autoptr(GArray) pending = g_array_sized_new (FALSE, FALSE, sizeof (Pending), 16);
  gboolean pending_has_break = FALSE;
  gboolean last_text_cjk = FALSE;
  /* Look-alike folding: the current word, and the decision for it. */
  gboolean in_word = FALSE;
  const guchar *word_start = p;
  const guchar *decided_end = p;
  gboolean word_folds = FALSE;
  /* Step 5: the spelled-out word being joined, [spelled_start, spelled_end). */
  const guchar *spelled_start = p;
  const guchar *spelled_end = p;
  glong index = 0;

  while (p < end)
    {
      const guchar *start = p;
      gunichar buf[FOLD_BUF];
      Fold fold;
      guint n_bytes;

      if (*p < 0x80)
        {
          const FoldEntry *entry = &table->ascii[*p];

          /* Step 5: inside a spelled-out word, separators are dropped. */
          if (start > spelled_start && start < spelled_end)
            {
              p++;
              if (!g_ascii_isalpha (*start))
                {
                  index++;
                  continue;
                }
            }
          else
            {
              if (!in_word && start >= spelled_end && g_ascii_isalpha (*start))
                {
                  spelled_start = start;
                  spelled_end = spelled_word_end (start, end);
                }
              p++;
            }
          if (entry->cls != TACT_CHAR_TEXT)
            {
              Pending pd = { entry->fold, index, entry->cls };

              pending_has_break |= entry->cls == TACT_CHAR_BREAK;
              g_array_append_val (pending, pd);
              in_word = FALSE;
              index++;
              continue;
            }

          if (pending->len > 0)
            {
              flush_pending (em, pending);
              pending_has_break = FALSE;
            }
          if (entry->flags & FOLD_WORD)
            {
              if (!in_word)
                word_start = start;
              in_word = TRUE;
            }
          else
            in_word = FALSE;
          emit (em, entry->fold, index);
          last_text_cjk = FALSE;
          index++;
          continue;
        }

      {
        gunichar c = decode (p, &n_bytes);

        p += n_bytes;

        /* Unified ideographs: themselves. */
        if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF))
          {
            if (pending->len > 0)
              {
                if (last_text_cjk && !pending_has_break)
                  g_array_set_size (pending, 0);  /* 机 · 密 → 机密 */
                else
                  flush_pending (em, pending);
                pending_has_break = FALSE;
              }
            emit_bytes (em, (const char *) start, n_bytes, c, index);
            in_word = FALSE;
            last_text_cjk = TRUE;
            index++;
            continue;
          }

        fold_lookup (table, c, buf, &fold);
      }

      switch (fold.cls)
        {
        case TACT_CHAR_IGNORABLE:
          index++;
          continue;

        case TACT_CHAR_BREAK:
          pending_has_break = TRUE;
          G_GNUC_FALLTHROUGH;
        case TACT_CHAR_SPACE:
        case TACT_CHAR_JOINER:
          {
            Pending pd = { fold.chars[0], index, fold.cls };
            g_array_append_val (pending, pd);
          }
          in_word = FALSE;
          index++;
          continue;

        case TACT_CHAR_TEXT:
        default:
          break;
        }

      /* A combining mark (or a half-width dakuten) right after a character
       * composes with it: ｶﾞ → ガ, e + U+0301 → é. */
      if ((fold.flags & FOLD_COMBINING) && pending->len == 0 && em->text->len > 0)
        {
          gunichar composed;

          if (g_unichar_compose (em->last_char, fold.chars[0], &composed))
            {
              glong base = em->offsets != NULL
                ? g_array_index (em->offsets, glong, em->last_start) : 0;

              em->text->len = em->last_start;
              emit2 (em, composed, base, index);
              index++;
              continue;
            }
        }

      if (fold.flags & FOLD_WORD)
        {
          if (!in_word)
            word_start = start;
          in_word = TRUE;
        }
      else if (!(fold.flags & FOLD_COMBINING))
        in_word = FALSE;

      if (fold.alt != 0)
        {
          if (start >= decided_end)
            word_folds = homoglyph_word_folds (table, in_word ? word_start : start, end,
                                               &decided_end);
          if (word_folds)
            {
              buf[0] = fold.alt;
              fold.chars = buf;
              fold.flags = FOLD_WORD | FOLD_LATIN;
            }
        }

      for (guint i = 0; i < fold.n; i++)
        {
          gboolean cjk = fold.n == 1 ? (fold.flags & FOLD_CJK) != 0
                                     : tact_unichar_is_cjk (fold.chars[i]);

          if (pending->len > 0)
            {
              if (last_text_cjk && cjk && !pending_has_break)
                g_array_set_size (pending, 0);  /* 机 · 密 → 机密 */
              else
                flush_pending (em, pending);
              pending_has_break = FALSE;
            }

          emit (em, fold.chars[i], index);
          last_text_cjk = cjk;
        }
      index++;
    }

  /* Trailing separators: keep joiners (they may be part of a regex match
   * such as "password:"), drop trailing whitespace. */
  flush_pending (em, pending);
  if (em->last_space && em->text->len > 0)
    em->text->len--;
  em->text->str[em->text->len] = '\0';
  if (em->offsets != NULL)
    g_array_set_size (em->offsets, em->text->len);

  if (n_chars_out != NULL)
    *n_chars_out = index;
}

TactNormalized *
tact_normalized_new (const char *text,
                     gssize      len)
{
  TactNormalized *norm = g_new0 (TactNormalized, 1);
  gsize byte_len = len < 0 ? strlen (text) : (gsize) len;
  Emitter em = { 0, };

  norm->text = g_string_sized_new (byte_len + 16);
  norm->offsets = g_array_sized_new (FALSE, FALSE, sizeof (glong), byte_len + 16);

  g_return_val_if_fail (g_utf8_validate (text, byte_len, NULL), norm);

  g_array_set_size (norm->offsets, byte_len + 16);
  em.text = norm->text;
  em.offsets = norm->offsets;
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
  Emitter em = { 0, };

  g_return_val_if_fail (text != NULL, NULL);

  em.text = g_string_sized_new (strlen (text) + 16);
  normalize_into (text, -1, &em, NULL);

  return g_string_free (em.text, FALSE);
}

void
tact_normalize_into (GString    *out,
                     const char *text,
                     gsize       len)
{
  Emitter em = { 0, };

  g_return_if_fail (out != NULL && text != NULL);

  g_string_truncate (out, 0);
  em.text = out;
  normalize_into (text, len, &em, NULL);
}

/* ------------------------------------------------------------------------- */
/* OpenCC variants of terms                                                  */
/* ------------------------------------------------------------------------- */

/* Configurations shipped by Debian's opencc-data in /usr/share/opencc:
 * simplified → traditional (OpenCC standard, Taiwan, Hong Kong) and back.
 * OpenCC converts whole phrases (longest match), so a multi-character term
 * gets its phrase variants, not just character-by-character ones. */
static const char * const opencc_configs[] = {
  "s2t.json", "s2tw.json", "s2hk.json", "t2s.json", "tw2s.json",
  /* Phrase-level regional vocabulary (软件 ↔ 軟體, 信息 ↔ 資訊) both ways. */
  "s2twp.json", "tw2sp.json", "hk2s.json",
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

static gboolean
has_cjk (const char *term)
{
  for (const char *p = term; *p; p = g_utf8_next_char (p))
    if (tact_unichar_is_cjk (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

GPtrArray *
tact_term_variants (const char *term)
{
  GPtrArray *variants = g_ptr_array_new_with_free_func (g_free);

  add_variant (variants, term);
  if (!has_cjk (term))
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

/* Converts the terms at @batch (indices into @terms, none containing a line
 * break) with @converter in one call, joined by line breaks, and splits the
 * result; NULL if OpenCC failed or the result does not split back into as
 * many lines. No dictionary entry spans a line break, so each line is
 * converted as the term alone would be. */
static GStrv
convert_batch_locked (opencc_t            converter,
                      const char * const *terms,
                      GArray             *batch)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  char *converted;

  for (guint i = 0; i < batch->len; i++)
    {
      if (i > 0)
        g_string_append_c (joined, '\n');
      g_string_append (joined, terms[g_array_index (batch, guint, i)]);
    }
  converted = opencc_convert_utf8 (converter, joined->str, joined->len);
  if (converted == NULL)
    return NULL;
  lines = g_strsplit (converted, "\n", -1);
  opencc_convert_utf8_free (converted);
  if (g_strv_length (lines) != batch->len)
    return NULL;
  return g_steal_pointer (&lines);
}

GPtrArray *
tact_term_variants_many (const char * const *terms,
                         guint               n_terms)
{
  GPtrArray *all = g_ptr_array_new_full (n_terms, (GDestroyNotify) g_ptr_array_unref);
  /* indices of the CJK terms: those OpenCC converts */
  g_autoptr(GArray) cjk = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) batch = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < n_terms; i++)
    {
      GPtrArray *variants = g_ptr_array_new_with_free_func (g_free);

      add_variant (variants, terms[i]);
      g_ptr_array_add (all, variants);
      if (!has_cjk (terms[i]))
        continue;
      g_array_append_val (cjk, i);
      if (strchr (terms[i], '\n') == NULL)
        g_array_append_val (batch, i);
    }
  if (cjk->len == 0)
    return all;

  /* Converter by converter, as tact_term_variants() does term by term: each
   * term gets its variants in the same order. */
  g_mutex_lock (&opencc_lock);
  opencc_ensure_locked ();
  for (guint c = 0; c < G_N_ELEMENTS (opencc_configs); c++)
    {
      g_auto(GStrv) lines = NULL;
      guint b = 0;

      if (opencc_converters[c] == NULL)
        continue;
      if (batch->len > 0)
        lines = convert_batch_locked (opencc_converters[c], terms, batch);

      for (guint k = 0; k < cjk->len; k++)
        {
          guint i = g_array_index (cjk, guint, k);
          char *converted;

          if (lines != NULL && b < batch->len && g_array_index (batch, guint, b) == i)
            {
              add_variant (g_ptr_array_index (all, i), lines[b++]);
              continue;
            }
          converted = opencc_convert_utf8 (opencc_converters[c], terms[i], strlen (terms[i]));
          if (converted == NULL)
            continue;
          add_variant (g_ptr_array_index (all, i), converted);
          opencc_convert_utf8_free (converted);
        }
    }
  g_mutex_unlock (&opencc_lock);

  return all;
}

/* Leetspeak (issue 10, item 3). A digit or symbol standing for a letter, one
 * byte for one byte, so offsets in the view are offsets in the text. */
static char
leet_letter (char c)
{
  switch (c)
    {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '@': return 'a';
    case '$': return 's';
    default:  return 0;
    }
}

char *
tact_leet_view (const char *text,
                gsize       len)
{
  char *view = NULL;
  gsize i = 0;

  while (i < len)
    {
      gsize j = i;
      guint letters = 0, leet = 0;

      while (j < len && (g_ascii_isalnum (text[j]) || text[j] == '@' || text[j] == '$'))
        {
          if (g_ascii_isalpha (text[j]))
            letters++;
          else if (leet_letter (text[j]) != 0)
            leet++;
          j++;
        }
      /* A word of letters with leet characters among them (1s, p4ss, s3cr3t),
       * not a number (2026) nor an id (an ID number's 17 digits and its x). */
      if (letters >= 1 && leet >= 1 && leet <= letters + 1)
        {
          if (view == NULL)
            view = g_strndup (text, len);
          for (gsize k = i; k < j; k++)
            if (leet_letter (text[k]) != 0)
              view[k] = leet_letter (text[k]);
        }
      i = j > i ? j : i + 1;
    }
  return view;
}
