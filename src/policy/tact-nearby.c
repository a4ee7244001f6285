/* tact-nearby.c: the "nearby" detector (issue 10, item 4; docs/profile.md): words and
 * shapes that mean something only together — a person's name or level next to an amount
 * and a pay word ("王磊 P7 月薪 38k"), a financial metric with a figure and a
 * not-yet-published marker ("Q3 毛利率 23.4%，下周五才对外").
 *
 *   {"type": "nearby", "window": 30,
 *    "groups": [["工资", "月薪", "salary"], ["#money"], ["#level", "#name"]]}
 *
 * It fires for every stretch of at most `window` characters of the normalised text that
 * holds one occurrence of each group. A group lists words (normalised, with their
 * simplified and traditional variants; Latin words match whole words) and built-in
 * shapes:
 *
 *   #figure  a number with at least two digits, a decimal point, a percent sign or a
 *            unit (23.4%, 1,200, 3.8万, 38k, 1.2亿, 41m)
 *   #money   a #figure with a unit of money or size after it (元 块 万 千 亿 k w m bn)
 *            or a currency before it (¥ $ rmb usd hkd sgd nt$ rm s$ €)
 *   #level   a job level: p/m/t/l/d followed by one or two digits (p7, m2, t3-2)
 *   #name    a Chinese name: one of the common surnames followed by one or two Han
 *            characters, or 小/老 and a surname (王磊, 小周, 老陈)
 *
 * The shapes read the normaliser's output, which is lower case.
 */
#define _GNU_SOURCE  /* memmem */
#include "tact-policy-private.h"
#include "tact-profile-loader-private.h"

#include <string.h>

#define NEARBY_MAX_GROUPS  6
#define NEARBY_MAX_WORDS   500
#define NEARBY_WINDOW_MAX  500

enum {
  SHAPE_FIGURE = 1 << 0,
  SHAPE_MONEY  = 1 << 1,
  SHAPE_LEVEL  = 1 << 2,
  SHAPE_NAME   = 1 << 3,
};

static const struct {
  const char *name;
  guint       shape;
} shapes[] = {
  { "#figure", SHAPE_FIGURE },
  { "#money", SHAPE_MONEY },
  { "#level", SHAPE_LEVEL },
  { "#name", SHAPE_NAME },
};

struct _TactNearbyGroup {
  GPtrArray *words;   /* owned, normalised variants */
  guint      shapes;  /* SHAPE_* */
};

/* Every word of every group, by its first character, for one pass over the text (a
 * memmem per word and variant was most of a shipped-profile check). */
typedef struct {
  char  *word;   /* normalised, owned */
  gsize  len;
  guint  group;
} NearbyWord;

struct _TactNearbyIndex {
  GHashTable *by_first;        /* gunichar → GPtrArray of NearbyWord* */
  GPtrArray  *words;           /* owned NearbyWord* */
  guint8      bits[65536 / 8]; /* first characters, by their low 16 bits */
};

static void
nearby_word_free (NearbyWord *word)
{
  g_free (word->word);
  g_free (word);
}

void
tact_nearby_index_free (TactNearbyIndex *index)
{
  g_hash_table_unref (index->by_first);
  g_ptr_array_unref (index->words);
  g_free (index);
}

static TactNearbyIndex *
index_new (GPtrArray *groups)
{
  TactNearbyIndex *index = g_new0 (TactNearbyIndex, 1);

  index->by_first = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref);
  index->words = g_ptr_array_new_with_free_func ((GDestroyNotify) nearby_word_free);
  for (guint g = 0; g < groups->len; g++)
    {
      const TactNearbyGroup *group = g_ptr_array_index (groups, g);

      for (guint w = 0; w < group->words->len; w++)
        {
          NearbyWord *word = g_new0 (NearbyWord, 1);
          gunichar first;
          GPtrArray *list;

          word->word = g_strdup (g_ptr_array_index (group->words, w));
          word->len = strlen (word->word);
          word->group = g;
          g_ptr_array_add (index->words, word);
          first = g_utf8_get_char (word->word);
          list = g_hash_table_lookup (index->by_first, GUINT_TO_POINTER (first));
          if (list == NULL)
            {
              list = g_ptr_array_new ();
              g_hash_table_insert (index->by_first, GUINT_TO_POINTER (first), list);
            }
          g_ptr_array_add (list, word);
          index->bits[(first & 0xFFFF) / 8] |= 1 << (first % 8);
        }
    }
  return index;
}

void
tact_nearby_group_free (TactNearbyGroup *group)
{
  g_clear_pointer (&group->words, g_ptr_array_unref);
  g_free (group);
}

/* ------------------------------------------------------------------------- */
/* Parsing                                                                   */
/* ------------------------------------------------------------------------- */

gboolean
tact_nearby_parse (Ctx          *ctx,
                   const char   *path,
                   JsonObject   *object,
                   TactDetector *detector)
{
  static const char * const keys[] = { "type", "groups", "window", NULL };
  JsonNode *member;
  JsonArray *groups;
  guint n_words = 0;

  tact_loader_check_keys (ctx, path, object, keys);
  detector->type = TACT_DETECTOR_NEARBY;
  detector->items = g_new0 (char *, 1);
  detector->window = 30;
  detector->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_nearby_group_free);

  if ((member = tact_loader_get_member (ctx, path, object, "window", FALSE)) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64 ||
          json_node_get_int (member) < 2 || json_node_get_int (member) > NEARBY_WINDOW_MAX)
        tact_loader_error (ctx, path, "window: expected 2 to %d characters", NEARBY_WINDOW_MAX);
      else
        detector->window = json_node_get_int (member);
    }

  if ((member = tact_loader_get_member (ctx, path, object, "groups", TRUE)) == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (member) ||
      json_array_get_length (groups = json_node_get_array (member)) < 2 ||
      json_array_get_length (groups) > NEARBY_MAX_GROUPS)
    {
      tact_loader_error (ctx, path, "groups: expected an array of 2 to %d groups", NEARBY_MAX_GROUPS);
      return FALSE;
    }

  for (guint g = 0; g < json_array_get_length (groups); g++)
    {
      g_autofree char *sub = g_strdup_printf ("%s.groups[%u]", path, g);
      g_auto(GStrv) items = tact_loader_parse_string_array (ctx, sub, json_array_get_element (groups, g),
                                                           FALSE, NULL);
      g_autoptr(GStrvBuilder) words = g_strv_builder_new ();
      g_auto(GStrv) word_list = NULL;
      TactNearbyGroup *group;

      if (items == NULL)
        return FALSE;
      group = g_new0 (TactNearbyGroup, 1);
      for (guint i = 0; items[i] != NULL; i++)
        {
          gboolean shape = FALSE;
          g_autofree char *norm = NULL;

          for (guint s = 0; s < G_N_ELEMENTS (shapes) && !shape; s++)
            if (g_str_equal (items[i], shapes[s].name))
              {
                group->shapes |= shapes[s].shape;
                shape = TRUE;
              }
          if (shape)
            continue;
          if (items[i][0] == '#')
            {
              tact_loader_error (ctx, sub, "unknown shape \"%s\" (expected #figure, #money, #level "
                                 "or #name)", items[i]);
              continue;
            }
          norm = tact_normalize_string (items[i]);
          g_strstrip (norm);
          if (norm[0] == '\0')
            {
              tact_loader_error (ctx, sub, "expected a word with a letter, digit or ideograph");
              continue;
            }
          g_strv_builder_add (words, items[i]);
          n_words++;
        }
      word_list = g_strv_builder_end (words);
      group->words = tact_loader_normalised_variants (word_list);
      g_ptr_array_add (detector->groups, group);
    }
  if (n_words > NEARBY_MAX_WORDS)
    tact_loader_error (ctx, path, "more than %d words in its groups", NEARBY_MAX_WORDS);
  detector->nearby_index = index_new (detector->groups);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Shapes                                                                    */
/* ------------------------------------------------------------------------- */

typedef struct {
  gsize from;   /* normalised bytes */
  gsize to;
  guint group;
} Occurrence;

static inline gboolean
is_ascii_alnum (char c)
{
  return g_ascii_isalnum (c);
}

static gboolean
has_prefix_at (const char *text, gsize len, gsize at, const char *prefix)
{
  gsize n = strlen (prefix);
  return at + n <= len && memcmp (text + at, prefix, n) == 0;
}

static gboolean
has_suffix_at (const char *text, gsize at, const char *suffix)
{
  gsize n = strlen (suffix);
  return at >= n && memcmp (text + at - n, suffix, n) == 0;
}

/* A currency sign or code just before @at (spaces allowed between). */
static gboolean
currency_before (const char *text, gsize at)
{
  static const char * const signs[] = { "¥", "￥", "$", "€", "£", "rmb", "usd", "hkd", "sgd", "nt$",
                                        "rm", "s$", "cny", "eur" };
  while (at > 0 && text[at - 1] == ' ')
    at--;
  for (guint i = 0; i < G_N_ELEMENTS (signs); i++)
    if (has_suffix_at (text, at, signs[i]) &&
        (at == strlen (signs[i]) || !g_ascii_isalpha (text[at - strlen (signs[i]) - 1]) ||
         !g_ascii_isalpha (signs[i][0])))
      return TRUE;
  return FALSE;
}

/* The units after a number: how many bytes, and whether it is money or size. */
static gsize
unit_after (const char *text, gsize len, gsize at, gboolean *money)
{
  static const struct { const char *unit; gboolean money; gboolean word; } units[] = {
    { "元", TRUE, FALSE }, { "块", TRUE, FALSE }, { "塊", TRUE, FALSE }, { "万", TRUE, FALSE },
    { "萬", TRUE, FALSE }, { "千", TRUE, FALSE }, { "亿", TRUE, FALSE }, { "億", TRUE, FALSE },
    { "k", TRUE, TRUE }, { "w", TRUE, TRUE }, { "m", TRUE, TRUE }, { "bn", TRUE, TRUE },
    { "mn", TRUE, TRUE }, { "%", FALSE, FALSE },
  };
  gsize p = at;

  while (p < len && text[p] == ' ')
    p++;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (has_prefix_at (text, len, p, units[i].unit))
      {
        gsize end = p + strlen (units[i].unit);

        /* "38k", not "38 kids". */
        if (units[i].word && (p != at || (end < len && g_ascii_isalpha (text[end]))))
          continue;
        *money = units[i].money;
        return end - at;
      }
  *money = FALSE;
  return 0;
}

static void
add (GArray *out, gsize from, gsize to, guint group)
{
  Occurrence o = { from, to, group };
  g_array_append_val (out, o);
}

static void
scan_figures (const char *text, gsize len, guint wanted, guint group, GArray *out)
{
  for (gsize i = 0; i < len;)
    {
      gsize start = i, end, digits = 0;
      gboolean point = FALSE, money = FALSE;
      gsize unit;

      if (!g_ascii_isdigit (text[i]) || (i > 0 && g_ascii_isalpha (text[i - 1])))
        {
          i++;
          continue;
        }
      while (i < len && (g_ascii_isdigit (text[i]) ||
                         ((text[i] == '.' || text[i] == ',') && i + 1 < len &&
                          g_ascii_isdigit (text[i + 1]))))
        {
          digits += g_ascii_isdigit (text[i]);
          point |= text[i] == '.';
          i++;
        }
      end = i;
      unit = unit_after (text, len, end, &money);
      money = money || currency_before (text, start);
      if ((wanted & SHAPE_MONEY) && money)
        add (out, start, end + unit, group);
      else if ((wanted & SHAPE_FIGURE) && (digits >= 2 || point || unit > 0))
        add (out, start, end + unit, group);
    }
}

static void
scan_levels (const char *text, gsize len, guint group, GArray *out)
{
  for (gsize i = 0; i + 1 < len; i++)
    {
      gsize end = i + 1;

      char c = text[i];

      if (!g_ascii_isdigit (text[end]) ||
          (c != 'p' && c != 'm' && c != 't' && c != 'l' && c != 'd') ||
          (i > 0 && is_ascii_alnum (text[i - 1])))
        continue;
      while (end < len && g_ascii_isdigit (text[end]) && end - i <= 2)
        end++;
      if (end - i > 3 || (end < len && g_ascii_isdigit (text[end])))
        continue;
      if (end + 1 < len && text[end] == '-' && g_ascii_isdigit (text[end + 1]))
        end += 2;
      if (end < len && g_ascii_isalpha (text[end]))
        continue;
      add (out, i, end, group);
    }
}

/* The most common Chinese surnames (simplified; the normaliser leaves traditional text
 * as typed, so the traditional forms that differ are listed too). */
static const char surnames[] =
  "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何林罗羅高郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧"
  "曹彭曾肖萧蕭田董袁潘于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈"
  "夏韦韋付方白邹鄒孟熊秦邱江尹薛闫閆段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯";

/* The surnames as a bitmap over U+4E00..U+9FFF, built once: scan_names asks for every
 * character of the text. */
#define SURNAME_FIRST 0x4E00
#define SURNAME_LAST  0x9FFF
static guint8 surname_bits[(SURNAME_LAST - SURNAME_FIRST + 1 + 7) / 8];

static gpointer
build_surnames (gpointer data)
{
  for (const char *p = surnames; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= SURNAME_FIRST && c <= SURNAME_LAST)
        surname_bits[(c - SURNAME_FIRST) / 8] |= 1 << ((c - SURNAME_FIRST) % 8);
    }
  return NULL;
}

static inline gboolean
is_surname (gunichar c)
{
  return c >= SURNAME_FIRST && c <= SURNAME_LAST &&
         (surname_bits[(c - SURNAME_FIRST) / 8] & (1 << ((c - SURNAME_FIRST) % 8)));
}

static void
scan_names (const char *text, gsize len, guint group, GArray *out)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, build_surnames, NULL);
  for (const char *p = text; p < text + len; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      const char *q = g_utf8_next_char (p);
      gboolean prefix = c == 0x5C0F /* 小 */ || c == 0x8001 /* 老 */;
      guint han = 0;

      if (!prefix && !is_surname (c))
        continue;
      if (prefix)
        {
          if (q < text + len && is_surname (g_utf8_get_char (q)))
            add (out, p - text, g_utf8_next_char (q) - text, group);
          continue;
        }
      while (q < text + len && han < 2 && tact_unichar_is_cjk (g_utf8_get_char (q)))
        {
          q = g_utf8_next_char (q);
          han++;
        }
      if (han >= 1)
        add (out, p - text, q - text, group);
    }
}

/* Every occurrence of the index's words in @text, in one pass; Latin words match whole
 * words. */
static void
scan_words (const TactNearbyIndex *index, const char *text, gsize len, GArray *out)
{
  for (const char *p = text; p < text + len; p = g_utf8_next_char (p))
    {
      gunichar c = (guchar) *p < 0x80 ? (gunichar) *p : g_utf8_get_char (p);
      GPtrArray *list;
      gsize from = p - text;

      /* Inside a Latin word: no word starts here (Latin words match whole words, and
       * a word that starts with a letter or digit is one). */
      if (c < 0x80 && from > 0 && is_ascii_alnum (c) && is_ascii_alnum (text[from - 1]))
        continue;
      if (!(index->bits[(c & 0xFFFF) / 8] & (1 << (c % 8))) ||
          (list = g_hash_table_lookup (index->by_first, GUINT_TO_POINTER (c))) == NULL)
        continue;
      for (guint i = 0; i < list->len; i++)
        {
          const NearbyWord *word = g_ptr_array_index (list, i);
          gsize to = from + word->len;

          if (to > len || memcmp (p, word->word, word->len) != 0)
            continue;
          if (is_ascii_alnum (word->word[0]) && from > 0 && is_ascii_alnum (text[from - 1]))
            continue;
          if (is_ascii_alnum (word->word[word->len - 1]) && to < len && is_ascii_alnum (text[to]))
            continue;
          add (out, from, to, word->group);
        }
    }
}

static int
compare_occurrences (gconstpointer a, gconstpointer b)
{
  const Occurrence *x = a, *y = b;
  if (x->from != y->from)
    return x->from < y->from ? -1 : 1;
  return x->to < y->to ? -1 : x->to > y->to;
}

GArray *
tact_nearby_scan (const TactDetector *detector,
                  const char         *text,
                  gsize               len)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (Occurrence));
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (TactNearbySpan));
  g_autofree glong *chars = NULL;
  guint n_groups = detector->groups->len;

  guint counts[NEARBY_MAX_GROUPS] = { 0 };

  /* A group with nothing found means no stretch can hold them all: the words first
   * (one pass for every group), and the shapes only when no group of words only is
   * empty, group by group. */
  scan_words (detector->nearby_index, text, len, all);
  for (guint i = 0; i < all->len; i++)
    counts[g_array_index (all, Occurrence, i).group]++;
  for (guint g = 0; g < n_groups; g++)
    if (counts[g] == 0 && ((const TactNearbyGroup *) g_ptr_array_index (detector->groups, g))->shapes == 0)
      return spans;
  for (guint g = 0; g < n_groups; g++)
    {
      const TactNearbyGroup *group = g_ptr_array_index (detector->groups, g);
      guint before = all->len;

      if (group->shapes & (SHAPE_FIGURE | SHAPE_MONEY))
        scan_figures (text, len, group->shapes, g, all);
      if (group->shapes & SHAPE_LEVEL)
        scan_levels (text, len, g, all);
      if (group->shapes & SHAPE_NAME)
        scan_names (text, len, g, all);
      counts[g] += all->len - before;
      if (counts[g] == 0)
        return spans;
    }
  g_array_sort (all, compare_occurrences);

  /* Character offsets, for the window. */
  chars = g_new (glong, len + 1);
  {
    glong c = 0;
    for (gsize i = 0; i <= len; i++)
      {
        chars[i] = c;
        if (i < len && ((guchar) text[i] & 0xC0) != 0x80)
          c++;
      }
  }

  /* From each occurrence, the first stretch of at most `window` characters onwards that
   * holds every group; overlapping stretches merge into one span. */
  for (guint i = 0; i < all->len; i++)
    {
      const Occurrence *a = &g_array_index (all, Occurrence, i);
      guint seen = 0, n_seen = 0;
      gsize max_to = a->to;

      for (guint j = i; j < all->len; j++)
        {
          const Occurrence *b = &g_array_index (all, Occurrence, j);

          if (chars[b->from] - chars[a->from] > (glong) detector->window)
            break;
          if (chars[b->to] - chars[a->from] > (glong) detector->window)
            continue;
          max_to = MAX (max_to, b->to);
          if (!(seen & (1u << b->group)))
            {
              seen |= 1u << b->group;
              n_seen++;
            }
          if (n_seen == n_groups)
            {
              TactNearbySpan span = { a->from, max_to };

              if (spans->len > 0 &&
                  g_array_index (spans, TactNearbySpan, spans->len - 1).to >= span.from)
                {
                  TactNearbySpan *last = &g_array_index (spans, TactNearbySpan, spans->len - 1);
                  last->to = MAX (last->to, span.to);
                }
              else
                g_array_append_val (spans, span);
              break;
            }
        }
    }
  return spans;
}
