/* test-normalize.c: the normaliser (tact-normalize.c): every fold class, the
 * offset map (table cases and a property test over random mixed text), and
 * evasions seen through a full profile check. */
#include <string.h>

#include "policy/tact-policy.h"
#include "policy/tact-policy-private.h"

/* ------------------------------------------------------------------------- */
/* Fold classes                                                              */
/* ------------------------------------------------------------------------- */

static const struct {
  const char *name;
  const char *input;
  const char *expected;
} fold_cases[] = {
  /* NFKC: width */
  { "full-width letters", "ＣＯＮＦＩＤＥＮＴＩＡＬ", "confidential" },
  { "full-width digits", "１３８００１３８０００", "13800138000" },
  { "half-width katakana", "ｶﾀｶﾅ", "カタカナ" },
  { "half-width dakuten composes", "ｶﾞｲﾄﾞ", "ガイド" },
  { "ideographic space", "Ｔｒａｄｅ\u3000Ｓｅｃｒｅｔ", "trade secret" },
  { "no-break and en spaces", "trade\u00A0\u2002secret", "trade secret" },
  /* NFKC: enclosed, super/subscripts, ligatures, fractions */
  { "circled digits", "①③⑧⓪⓪①③⑧⓪⓪⓪", "13800138000" },
  { "circled letters", "ⒸⓄⓃⒻⒾⒹⒺⓃⓉⒾⒶⓁ", "confidential" },
  { "parenthesised digits", "⑴⑵", "(1)(2)" },
  { "parenthesised letters", "⒜⒝", "(a)(b)" },
  { "parenthesised ideograph", "㈱", "(株)" },
  { "enclosed alphanumeric supplement", "🄰🄱", "ab" },
  { "superscripts and subscripts", "x²₃ⁿ", "x23n" },
  { "ligatures", "ﬁnal ﬂow ﬀ ﬃ", "final flow ff ffi" },
  { "fraction and fraction slash", "½ 3\u20444", "1/2 3/4" },
  { "roman numeral", "Ⅻ", "xii" },
  { "mathematical alphanumerics", "𝐬𝐞𝐜𝐫𝐞𝐭 𝓈𝑒𝒸𝓇𝑒𝓉 𝟏𝟐", "secret secret 12" },
  /* CJK compatibility */
  { "CJK compatibility ideograph", "\uF9B2密", "零密" },       /* U+F9B2 → 零 */
  { "CJK compatibility ideograph 2", "\uFA0C", "兀" },
  { "Kangxi and supplementary radicals", "\u2F00\u2E9F", "一母" },
  { "CJK compatibility supplement", "\U0002F800", "丽" },
  { "squared Latin abbreviation", "㎏", "kg" },
  /* case */
  { "case", "Trade   SECRET\t", "trade secret" },
  { "non-ASCII case", "ÀÉÎ Straße", "àéî straße" },
  { "Kelvin and Ohm signs", "\u212A\u2126", "kω" },
  /* composition */
  { "combining acute composes", "cafe\u0301", "café" },
  /* ignorables */
  { "zero-width", "con\u00ADfi\u200Bden\u200Dtial\uFEFF", "confidential" },
  { "bidi controls", "se\u202Ecr\u202Cet\u2066\u2069", "secret" },
  { "variation selectors", "机\uFE0F密\U000E0100", "机密" },
  { "tag characters", "sec\U000E0041\U000E007Fret", "secret" },
  { "Cf category", "sec\u2061ret\u0600", "secret" },
  /* CJK gaps (unchanged rules) */
  { "space between CJK", "机 密", "机密" },
  { "middle dot", "机·密", "机密" },
  { "underscore", "机_密", "机密" },
  { "full-width gap", "机　＿　密", "机密" },
  { "emoji gap", "机🔥\uFE0F密", "机密" },
  { "clause comma kept", "手机，密码", "手机,密码" },
  { "full stop kept", "手机。密码", "手机。密码" },
  { "line break kept", "机\n密", "机 密" },
  { "Latin spaces kept", "a 机 b", "a 机 b" },
  { "trim", "  leading and trailing  ", "leading and trailing" },
  /* homoglyphs */
  { "Cyrillic look-alikes", "ѕесrеt", "secret" },
  { "Cyrillic in a Latin word", "cоnfidential", "confidential" },
  { "Greek in a Latin word", "cοnfidεntiαl", "confidential" },
  { "upper-case look-alikes", "ΒΑΝΚ СОРУ", "bank copy" },
  { "Cyrillic р, с, у, х", "рrоху", "proxy" },
  { "Russian prose untouched", "секрет", "секрет" },
  { "Russian sentence untouched", "Это секретно", "это секретно" },
  { "Greek prose untouched", "Καλημέρα κόσμε", "καλημέρα κόσμε" },
  { "per word", "секрет sеcret", "секрет secret" },
  { "look-alike with zero-width", "s\u200Bеcrеt", "secret" },
  { "math Greek capital", "\U0001D6A8\U0001D6A9", "ab" },  /* 𝚨𝚩 */
  /* spelled out letter by letter (step 5) */
  { "spelled with spaces", "c o n f i d e n t i a l", "confidential" },
  { "spelled with dots", "S.E.C.R.E.T.", "secret." },
  { "spelled with hyphens in a sentence", "my p-a-s-s-w-o-r-d is", "my password is" },
  { "spelled with two separators", "s. e. c. r. e. t", "secret" },
  { "spelled mixed separators", "s_e*c-r e.t", "secret" },
  { "spelled run ends at a word", "s e c r e t plan", "secret plan" },
  { "three letters stay apart", "a b c", "a b c" },
  { "initials stay", "U.S. office", "u.s. office" },
  { "three separators stay apart", "s   .e", "s .e" },
  { "letters with digits stay", "a 1 b 2 c 3 d", "a 1 b 2 c 3 d" },
  { "a word before the run", "the s e c r e t", "the secret" },
  { "two spaces end a spelled word", "c u s t o m e r  l i s t", "customer list" },
  { "empty", "", "" },
};

static void
test_fold_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fold_cases); i++)
    {
      g_autoptr(TactNormalized) norm = tact_normalized_new (fold_cases[i].input, -1);
      g_autofree char *plain = tact_normalize_string (fold_cases[i].input);
      g_autoptr(GString) into = g_string_new ("stale");

      tact_normalize_into (into, fold_cases[i].input, strlen (fold_cases[i].input));
      g_test_message ("case %u: %s", i, fold_cases[i].name);
      g_assert_cmpstr (norm->text->str, ==, fold_cases[i].expected);
      g_assert_cmpstr (plain, ==, fold_cases[i].expected);
      g_assert_cmpstr (into->str, ==, fold_cases[i].expected);
      g_assert_cmpuint (norm->offsets->len, ==, norm->text->len);
      g_assert_cmpint (norm->n_chars, ==, g_utf8_strlen (fold_cases[i].input, -1));
    }
}

/* ------------------------------------------------------------------------- */
/* Offsets                                                                   */
/* ------------------------------------------------------------------------- */

static const struct {
  const char *input;
  const char *needle;   /* in normalised text */
  glong       start;    /* original character offsets */
  glong       end;
} offset_cases[] = {
  { "😀测试：机 密", "机密", 4, 7 },
  { "ÀÉÎ ＣＯＮＦＩＤＥＮＴＩＡＬ", "confidential", 4, 16 },
  { "é\u200Bcon\u200Bfidential", "confidential", 2, 15 },
  { "the ﬁle", "file", 4, 7 },           /* ligature: f and i both map to ﬁ */
  { "the ﬁle", "ile", 4, 7 },            /* a span starting inside an expansion */
  { "tel ①③⑧", "138", 4, 7 },
  { "x ⑴ y", "(1)", 2, 3 },
  { "ｶﾞｲﾄﾞ", "ガイド", 0, 5 },            /* composed: spans cover the marks */
  { "cafe\u0301!", "café", 0, 5 },
  { "ѕесrеt", "secret", 0, 6 },
  { "a 𝐬𝐞𝐜𝐫𝐞𝐭 b", "secret", 2, 8 },     /* astral characters count as one */
  { "\uF9B2密", "零密", 0, 2 },
  { "my c o n f i d e n t i a l!", "confidential", 3, 26 },  /* spelled: covers the gaps */
};

static void
test_offsets_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (offset_cases); i++)
    {
      g_autoptr(TactNormalized) norm = tact_normalized_new (offset_cases[i].input, -1);
      const char *found = strstr (norm->text->str, offset_cases[i].needle);
      glong start, end;

      g_test_message ("case %u", i);
      g_assert_nonnull (found);
      tact_normalized_map_span (norm, found - norm->text->str,
                                found - norm->text->str + strlen (offset_cases[i].needle),
                                &start, &end);
      g_assert_cmpint (start, ==, offset_cases[i].start);
      g_assert_cmpint (end, ==, offset_cases[i].end);
    }
}

/* Pieces of random text: every fold class, separators, and planted terms. */
static const char * const noise[] = {
  "a", "Z", "q", "7", " ", "  ", "\t", "\n", ",", "。", "，", "·", "_", "-", "*",
  "的", "是", "公司", "资料", "資料", "ｶ", "ﾞ", "Ａ", "５", "①", "⑴", "ﬁ", "²",
  "\u200B", "\uFE0F", "\u00AD", "\U000E0041", "🔥", "é", "e\u0301", "\uF9B2",
  "секрет", "κόσμε", "ß", "𝐱", "㈱", "Ⅻ", "!", "(", ")",
};

/* Terms as the profile writes them, and a disguised way to write each that
 * must normalise to the same text. */
static const struct {
  const char *term;
  const char *disguised;
} planted[] = {
  { "机密", "机 · 密" },
  { "機密", "機\u200B密" },
  { "secret", "ѕесrеt" },
  { "confidential", "ＣＯＮＦＩＤＥＮＴＩＡＬ" },
  { "profile", "proﬁle" },
  { "13800138000", "①③⑧⓪⓪①③⑧⓪⓪⓪" },
  { "零售", "\uF9B2售" },
};

static void
test_offsets_property (void)
{
  GRand *rand = g_rand_new_with_seed (20240501);

  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      guint n_pieces = g_rand_int_range (rand, 0, 40);
      guint which = g_rand_int_range (rand, 0, G_N_ELEMENTS (planted));
      const char *term = planted[which].term;
      g_autofree char *term_norm = tact_normalize_string (term);
      g_autoptr(TactNormalized) norm = NULL;
      glong n_chars;
      const char *found;

      for (guint k = 0; k < n_pieces; k++)
        {
          if (k == n_pieces / 2)
            {
              /* Surround the term by spaces so a Latin one stays a word. */
              g_string_append (text, " ");
              g_string_append (text, g_rand_boolean (rand) ? planted[which].disguised : term);
              g_string_append (text, " ");
            }
          g_string_append (text, noise[g_rand_int_range (rand, 0, G_N_ELEMENTS (noise))]);
        }

      norm = tact_normalized_new (text->str, text->len);
      n_chars = g_utf8_strlen (text->str, text->len);
      g_assert_cmpint (norm->n_chars, ==, n_chars);
      g_assert_cmpuint (norm->offsets->len, ==, norm->text->len);
      g_assert_true (g_utf8_validate (norm->text->str, norm->text->len, NULL));

      /* Every output byte maps to a valid source character, in order. */
      for (guint b = 0; b < norm->offsets->len; b++)
        {
          glong o = g_array_index (norm->offsets, glong, b);

          g_assert_cmpint (o, >=, 0);
          g_assert_cmpint (o, <, n_chars);
          if (b > 0)
            g_assert_cmpint (o, >=, g_array_index (norm->offsets, glong, b - 1));
        }

      /* (Not idempotent by design: a line break between CJK characters
       * becomes a space, which a second pass would remove.) */

      /* The planted term maps back to a substring that normalises to it. */
      if (n_pieces == 0)
        continue;
      found = strstr (norm->text->str, term_norm);
      g_assert_nonnull (found);
      {
        gsize from = found - norm->text->str;
        glong start, end;
        g_autofree char *original = NULL;
        g_autofree char *renorm = NULL;

        tact_normalized_map_span (norm, from, from + strlen (term_norm), &start, &end);
        g_assert_cmpint (start, <, end);
        g_assert_cmpint (end, <=, n_chars);
        original = g_utf8_substring (text->str, start, end);
        renorm = tact_normalize_string (original);
        g_assert_cmpstr (renorm, ==, term_norm);
      }
    }

  g_rand_free (rand);
}

/* ------------------------------------------------------------------------- */
/* Through a profile                                                         */
/* ------------------------------------------------------------------------- */

static const char profile_json[] =
  "{\"format\": 1, \"id\": \"test-normalize\", \"version\": \"1\","
  " \"name\": {\"en\": \"n\", \"zh_CN\": \"n\", \"zh_TW\": \"n\"},"
  " \"rules\": [{\"id\": \"secrets\","
  "   \"title\": {\"en\": \"t\", \"zh_CN\": \"t\", \"zh_TW\": \"t\"},"
  "   \"explanation\": {\"en\": \"e\", \"zh_CN\": \"e\", \"zh_TW\": \"e\"},"
  "   \"clauses\": [\"PUB-1\"],"
  "   \"detectors\": [{\"type\": \"terms\","
  "                    \"terms\": [\"confidential\", \"secret\", \"机密\", \"软件源代码\", \"零售价\"]}],"
  "   \"action\": \"warn\"}]}";

static TactProfile *
load_profile (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static (profile_json, sizeof profile_json - 1);
  TactProfile *profile = tact_profile_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (profile);
  return profile;
}

static const struct {
  const char *text;
  const char *matched;   /* the user's text of the single finding, or NULL for none */
} evasion_cases[] = {
  { "this is cоnfidential, ok", "cоnfidential" },          /* Cyrillic о */
  { "the ѕесrеt plan", "ѕесrеt" },
  { "ＣＯＮＦＩＤＥＮＴＩＡＬ", "ＣＯＮＦＩＤＥＮＴＩＡＬ" },
  { "ⓒⓞⓝⓕⓘⓓⓔⓝⓣⓘⓐⓛ", "ⓒⓞⓝⓕⓘⓓⓔⓝⓣⓘⓐⓛ" },
  { "𝐬𝐞𝐜𝐫𝐞𝐭!", "𝐬𝐞𝐜𝐫𝐞𝐭" },
  { "se\u200Bcr\u200Bet", "se\u200Bcr\u200Bet" },
  { "機密文件", "機密" },                                   /* traditional */
  { "軟體原始碼在這", "軟體原始碼" },                        /* Taiwan phrase variant */
  { "\uF9B2售价", "\uF9B2售价" },                          /* compatibility ideograph */
  { "секрет", NULL },                                      /* Russian: not the term */
  { "secretary", NULL },                                   /* Latin words stay whole */
  { "it is s e c r e t, ok", "s e c r e t" },              /* spelled out */
  { "c-o-n-f-i-d-e-n-t-i-a-l", "c-o-n-f-i-d-e-n-t-i-a-l" },
  { "s e c r e t a r y", NULL },                           /* a spelled word stays whole too */
  { "发我 ruanjian yuandai ma 吧", "ruanjian yuandai ma" },  /* pinyin: 软件源代码 */
  { "Lingshoujia 多少", "Lingshoujia" },                    /* 零售价, joined */
  { "是 ji mi 的", "ji mi" },                               /* 机密, syllables */
  { "jimi", NULL },                                        /* joined, under 5 letters */
  { "lingshou", NULL },                                    /* part of a term */
  { "发我 ruan件源代ma", NULL },       /* 软件源代码: 5 characters, over TACT_PINYIN_MAX_MIXED */
  { "零shou价是多少", "零shou价" },                          /* Han and pinyin mixed */
  { "把ling售jia给我", "ling售jia" },
  { "这是ji密", "ji密" },
  { "這是ji密", "ji密" },                                   /* (traditional text: 机密 = 機密) */
  { "零shou價是多少", "零shou價" },                          /* a traditional variant, mixed */
  { "shou价", NULL },                                       /* part of a term */
  { "haji密", NULL },                                       /* the Latin part is a word */
  { "lingshoujiaxx", NULL },                               /* whole words only */
  { "the s3cr3t plan", "s3cr3t" },                         /* leetspeak */
  { "C0NF1D3NT14L!", "C0NF1D3NT14L" },
  { "$ecret", "$ecret" },
  { "5ecretary", NULL },                                   /* whole words in the view too */
};

/* Converting all terms in one OpenCC call per configuration gives each term
 * exactly the variants, in the same order, that converting it alone gives:
 * phrases (软件, 信息), regional forms, Latin terms, a term with a line break
 * (converted alone) and duplicates. */
static void
test_term_variants_many (void)
{
  static const char * const terms[] = {
    "机密", "軟體", "软件", "信息", "資訊", "客户名单", "台湾", "臺灣", "confidential",
    "机\n密", "后台", "乾隆", "头发", "机密", "Trade Secrets", "发票", "裡面",
  };
  g_autoptr(GPtrArray) many = tact_term_variants_many (terms, G_N_ELEMENTS (terms));

  g_assert_cmpuint (many->len, ==, G_N_ELEMENTS (terms));
  for (guint i = 0; i < G_N_ELEMENTS (terms); i++)
    {
      g_autoptr(GPtrArray) one = tact_term_variants (terms[i]);
      GPtrArray *batched = g_ptr_array_index (many, i);

      g_test_message ("term %u", i);
      g_assert_cmpuint (batched->len, ==, one->len);
      for (guint v = 0; v < one->len; v++)
        g_assert_cmpstr (g_ptr_array_index (batched, v), ==, g_ptr_array_index (one, v));
    }
  g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (many, 1))->len, >, 1);
}

static void
test_check_evasions (void)
{
  g_autoptr(TactProfile) profile = load_profile ();

  for (guint i = 0; i < G_N_ELEMENTS (evasion_cases); i++)
    {
      TactOutgoing outgoing = {
        .text = evasion_cases[i].text,
        .member_count = 2,
        .room_kind = TACT_ROOM_KIND_GROUP,
      };
      g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);
      guint n = 0;
      const TactFinding *finding = NULL;

      g_test_message ("case %u", i);
      for (guint k = 0; k < verdict->findings->len; k++)
        {
          const TactFinding *f = g_ptr_array_index (verdict->findings, k);
          if (g_str_equal (f->rule_id, "secrets"))
            {
              finding = f;
              n++;
            }
        }
      if (evasion_cases[i].matched == NULL)
        {
          g_assert_cmpuint (n, ==, 0);
          continue;
        }
      g_assert_cmpuint (n, ==, 1);
      g_assert_cmpstr (finding->matched, ==, evasion_cases[i].matched);
    }
}

/* Pinyin forms from Unihan's readings (tact-pinyin.c): the three spellings,
 * both readings of a polyphonic character, nothing for other terms. */
static void
test_pinyin_forms (void)
{
  static const struct {
    const char *term;
    const char *forms;  /* joined with '|' */
  } cases[] = {
    { "客户名单", "kehumingdan|ke hu ming dan|kehu mingdan"
                  /* mixed: each mix of Han and first readings */
                  "|ke户名单|客hu名单|kehu名单|客户ming单|ke户ming单|客huming单|kehuming单"
                  "|客户名dan|ke户名dan|客hu名dan|kehu名dan|客户mingdan|ke户mingdan|客humingdan" },
    { "零售价", "lingshoujia|ling shou jia|lingshou jia"
                "|ling售价|零shou价|lingshou价|零售jia|ling售jia|零shoujia" },
    { "机密", "ji mi|ji密|机mi" },       /* "jimi": under 5 letters */
    { "地图", "de tu|di tu|de图|地tu" },  /* 地: de and dì; mixed with the first */
    { "绿色", "lv se|lv色|绿se" },       /* ü is typed v */
    { "机", "" },
    { "A股", "" },
    { "secret", "" },
    { "一二三四五六七八九", "" },        /* over TACT_PINYIN_MAX_CHARS */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) forms = tact_pinyin_forms (cases[i].term);
      g_autofree char *joined = NULL;

      g_ptr_array_add (forms, NULL);
      joined = g_strjoinv ("|", (char **) forms->pdata);
      g_test_message ("%s", cases[i].term);
      g_assert_cmpstr (joined, ==, cases[i].forms);
    }
}

/* The leetspeak view: mixed words folded byte for byte, numbers and ids left. */
static void
test_leet_view (void)
{
  static const struct {
    const char *text;
    const char *view;  /* NULL: no leetspeak word */
  } cases[] = {
    { "the s3cr3t plan", "the secret plan" },
    { "p@ssw0rd and c0nf1d3nt14l", "password and confidential" },
    { "$ecret 2026", "secret 2026" },
    { "2026 13800138000 ¥4500", NULL },           /* numbers */
    { "p4ss 1s", "pass is" },
    { "q3 38k", "qe e8k" },                       /* harmless: no term is "qe" */
    { "11010519491231002x", NULL },               /* an ID number */
    { "mp3", "mpe" },                             /* harmless: no term is "mpe" */
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *view = tact_leet_view (cases[i].text, strlen (cases[i].text));

      g_test_message ("%s", cases[i].text);
      g_assert_cmpstr (view, ==, cases[i].view);
      if (view != NULL)
        g_assert_cmpuint (strlen (view), ==, strlen (cases[i].text));
    }
}

/* The shipped profile sees the Cyrillic spelling too. */
static void
test_check_default_homoglyph (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_default (&error);
  TactOutgoing outgoing = {
    .text = "this is cоnfidential",
    .member_count = 2,
    .room_kind = TACT_ROOM_KIND_GROUP,
  };
  g_autoptr(TactVerdict) verdict = NULL;
  gboolean found = FALSE;

  g_assert_no_error (error);
  verdict = tact_profile_check (profile, &outgoing);
  for (guint k = 0; k < verdict->findings->len; k++)
    {
      const TactFinding *f = g_ptr_array_index (verdict->findings, k);
      found |= g_str_equal (f->matched, "cоnfidential") && f->start == 8 && f->end == 20;
    }
  g_assert_true (found);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/normalize/folds", test_fold_table);
  g_test_add_func ("/normalize/offsets", test_offsets_table);
  g_test_add_func ("/normalize/offsets-property", test_offsets_property);
  g_test_add_func ("/normalize/term-variants-many", test_term_variants_many);
  g_test_add_func ("/normalize/pinyin-forms", test_pinyin_forms);
  g_test_add_func ("/normalize/leet-view", test_leet_view);
  g_test_add_func ("/normalize/check/evasions", test_check_evasions);
  g_test_add_func ("/normalize/check/default-homoglyph", test_check_default_homoglyph);

  return g_test_run ();
}
