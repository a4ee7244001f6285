/* tact-pinyin.c: pinyin spellings of a profile's Chinese terms (issue 10,
 * item 3), so "kehu mingdan" is seen as 客户名单.
 *
 * Made at compile time, never per message: each all-Han term of two to
 * TACT_PINYIN_MAX_CHARS characters gets its toneless readings from Unihan's
 * kMandarin (the generated tact-pinyin-table.c; ü is typed v), in at most
 * TACT_PINYIN_MAX_COMBOS combinations of the characters that have a second
 * reading, each written three ways, as people type pinyin in chat:
 *
 *   joined     kehumingdan      (only when it has at least 5 letters: "jimi"
 *                                alone is too often something else)
 *   syllables  ke hu ming dan
 *   words      kehu mingdan     (two syllables a word, as most Chinese words go;
 *                                terms of three or more characters)
 *   mixed      ke户名单, 客hu名单, kehu名单 … (Han and pinyin mixed inside the term, an
 *                                evasion of its own; every mix of first readings, for
 *                                terms of two to TACT_PINYIN_MAX_MIXED characters)
 *
 * The forms are Latin literals, so they match whole words only (tact-matcher.c),
 * and the normaliser has folded case and spacing already.
 */
#include "tact-policy-private.h"
#include "tact-pinyin-table.h"

#include <string.h>

static guint16
first_reading (gunichar c)
{
  if (c < TACT_PINYIN_FIRST || c > TACT_PINYIN_LAST)
    return 0;
  return tact_pinyin_first[c - TACT_PINYIN_FIRST];
}

static guint16
second_reading (gunichar c)
{
  guint lo = 0, hi = tact_pinyin_n_second;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (tact_pinyin_second[mid].code == c)
        return tact_pinyin_second[mid].syllable;
      if (tact_pinyin_second[mid].code < c)
        lo = mid + 1;
      else
        hi = mid;
    }
  return 0;
}

static void
add_form (GPtrArray  *forms,
          GString    *form)
{
  for (guint i = 0; i < forms->len; i++)
    if (g_str_equal (g_ptr_array_index (forms, i), form->str))
      return;
  g_ptr_array_add (forms, g_strdup (form->str));
}

/* The three spellings of one combination of @n syllables. */
static void
add_spellings (GPtrArray         *forms,
               const char *const *syllables,
               guint              n)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autoptr(GString) spaced = g_string_new (NULL);
  g_autoptr(GString) words = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_string_append (joined, syllables[i]);
      if (i > 0)
        g_string_append_c (spaced, ' ');
      g_string_append (spaced, syllables[i]);
      if (i > 0 && i % 2 == 0)
        g_string_append_c (words, ' ');
      g_string_append (words, syllables[i]);
    }
  if (joined->len >= 5)
    add_form (forms, joined);
  add_form (forms, spaced);
  if (n >= 3)
    add_form (forms, words);
}

GPtrArray *
tact_pinyin_forms (const char *term)
{
  GPtrArray *forms = g_ptr_array_new_with_free_func (g_free);
  guint16 first[TACT_PINYIN_MAX_CHARS], second[TACT_PINYIN_MAX_CHARS];
  const char *syllables[TACT_PINYIN_MAX_CHARS];
  const char *chars[TACT_PINYIN_MAX_CHARS + 1];
  guint n = 0, n_polyphonic = 0;

  for (const char *p = term; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n == TACT_PINYIN_MAX_CHARS || (first[n] = first_reading (c)) == 0)
        return forms;  /* not all Han with a reading, or too long: no forms */
      second[n] = second_reading (c);
      n_polyphonic += second[n] != 0;
      chars[n++] = p;
    }
  chars[n] = term + strlen (term);
  if (n < 2)
    return forms;

  /* Combination bit i picks the second reading of the i-th polyphonic
   * character; the first TACT_PINYIN_MAX_COMBOS combinations only. */
  for (guint combo = 0; combo < (1u << MIN (n_polyphonic, 8)) &&
                        combo < TACT_PINYIN_MAX_COMBOS; combo++)
    {
      guint k = 0;  /* polyphonic characters so far */

      for (guint i = 0; i < n; i++)
        {
          gboolean use_second = FALSE;

          if (second[i] != 0)
            use_second = (combo >> k++) & 1;
          syllables[i] = tact_pinyin_syllables[use_second ? second[i] : first[i]];
        }
      add_spellings (forms, syllables, n);
    }

  /* Han and pinyin mixed: bit i of the mask spells the i-th character in pinyin; not
   * all Han, not all pinyin. */
  if (n <= TACT_PINYIN_MAX_MIXED)
    for (guint mask = 1; mask + 1 < (1u << n); mask++)
      {
        g_autoptr(GString) mixed = g_string_new (NULL);

        for (guint i = 0; i < n; i++)
          {
            if (mask & (1u << i))
              g_string_append (mixed, tact_pinyin_syllables[first[i]]);
            else
              g_string_append_len (mixed, chars[i], chars[i + 1] - chars[i]);
          }
        add_form (forms, mixed);
      }
  return forms;
}
