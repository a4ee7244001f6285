/* bench-profile.h: what the policy benchmarks share (bench-policy.c, bench-keystroke.c):
 * the clocks (wall and this thread's CPU time) and the synthetic profile generated from a fixed
 * seed: make_terms() and write_profile(). Included by one source file each (static
 * definitions), so both benchmarks judge the same 100k terms. */
#pragma once

#include <glib.h>
#include <time.h>

#define SEED 20240501

static inline double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This thread's CPU time: a check that took long on the wall clock but not
 * on this one was descheduled (a shared machine), not slow. */
static inline double
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Common Han characters: the first 3500 of the unified block in use are
 * rare, so draw from a list of everyday characters instead. */
static const char common_han[] =
  "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
  "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
  "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
  "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
  "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
  "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
  "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器"
  "压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安"
  "场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集"
  "温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连"
  "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精"
  "值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属"
  "圆包火住调满县局照参红细引听该铁价严龙飞密码秘客户财务报合同源代价格薪员工";

static inline gunichar
random_han (GRand *rand)
{
  static gunichar *chars;
  static glong n;

  if (chars == NULL)
    chars = g_utf8_to_ucs4_fast (common_han, -1, &n);
  return chars[g_rand_int_range (rand, 0, n)];
}

static inline void
append_han (GString *s,
            GRand   *rand,
            guint    n)
{
  for (guint i = 0; i < n; i++)
    g_string_append_unichar (s, random_han (rand));
}

static inline void
append_latin_word (GString *s,
                   GRand   *rand,
                   guint    min,
                   guint    max)
{
  guint n = g_rand_int_range (rand, min, max + 1);

  for (guint i = 0; i < n; i++)
    g_string_append_c (s, 'a' + g_rand_int_range (rand, 0, 26));
}

/* @n distinct terms: 70% CJK of 2–6 characters, 30% Latin words of 6–12
 * letters (random words: a real word list would match the text more). */
static inline GPtrArray *
make_terms (guint n)
{
  GRand *rand = g_rand_new_with_seed (SEED + n);
  GPtrArray *terms = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  while (terms->len < n)
    {
      GString *term = g_string_new (NULL);

      if (g_rand_int_range (rand, 0, 10) < 7)
        append_han (term, rand, g_rand_int_range (rand, 2, 7));
      else
        append_latin_word (term, rand, 6, 12);

      if (g_hash_table_contains (seen, term->str))
        {
          g_string_free (term, TRUE);
          continue;
        }
      g_hash_table_add (seen, term->str);
      g_ptr_array_add (terms, g_string_free (term, FALSE));
    }
  g_rand_free (rand);
  return terms;
}

static inline char *
write_profile (const char *dir,
               GPtrArray  *terms)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char *path = g_strdup_printf ("%s/profile-%u.json", dir, terms->len);

  g_string_append (json,
    "{\"format\": 1, \"id\": \"bench\", \"version\": \"1\","
    " \"name\": {\"en\": \"b\", \"zh_CN\": \"b\", \"zh_TW\": \"b\"},"
    " \"rules\": [{\"id\": \"terms\","
    "  \"title\": {\"en\": \"t\", \"zh_CN\": \"t\", \"zh_TW\": \"t\"},"
    "  \"explanation\": {\"en\": \"e\", \"zh_CN\": \"e\", \"zh_TW\": \"e\"},"
    "  \"clauses\": [\"PUB-1\"], \"action\": \"warn\","
    "  \"detectors\": [{\"type\": \"terms\", \"terms\": [");
  for (guint i = 0; i < terms->len; i++)
    g_string_append_printf (json, "%s\"%s\"", i ? "," : "", (char *) g_ptr_array_index (terms, i));
  g_string_append (json, "]}]}]}");

  if (!g_file_set_contents (path, json->str, json->len, &error))
    g_error ("Cannot write %s: %s", path, error->message);
  return path;
}
