/* test-policy.c: the compliance engine and its CLI (the tutorial model: test-tutorial.c).
 *
 * Clause ids in test names and comments trace each case to the policy digest.
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "policy/tact-policy.h"
#include "tact-test-attachment.h"
#include "tact-test-profile.h"
#include "policy/tact-policy-private.h"

/* A fresh default profile per test: loading is part of what is tested. */
static TactProfile *
load_default (void)
{
  g_autoptr(GError) error = NULL;
  TactProfile *profile = tact_profile_new_default (&error);

  g_assert_no_error (error);
  g_assert_nonnull (profile);
  return profile;
}

static TactVerdict *
check_text (TactProfile *profile,
            const char  *text,
            guint        external)
{
  TactOutgoing outgoing = {
    .text = text,
    .external_count = external,
    .member_count = external + 2,
    .room_kind = TACT_ROOM_KIND_GROUP,
  };
  return tact_profile_check (profile, &outgoing);
}

static guint
count_rule (const TactVerdict *verdict,
            const char        *rule_id)
{
  guint n = 0;

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      n += g_str_equal (finding->rule_id, rule_id);
    }
  return n;
}


/* ------------------------------------------------------------------------- */

static void
test_default_loads (void)
{
  g_autoptr(TactProfile) profile = load_default ();

  g_assert_cmpstr (tact_profile_get_id (profile), ==, "tact-default");
  g_assert_cmpstr (tact_profile_get_version (profile), ==, "6");
  g_assert_cmpuint (tact_profile_get_n_rules (profile), >=, 19);

  /* Every rule traces to the digest. */
  for (guint i = 0; i < tact_profile_get_n_rules (profile); i++)
    {
      const TactRule *rule = tact_profile_get_rule (profile, i);
      g_assert_nonnull (tact_rule_get_clauses (rule)[0]);
      g_assert_nonnull (tact_rule_get_title (rule));
      g_assert_nonnull (tact_rule_get_explanation (rule));
    }
}

/* ------------------------------------------------------------------------- */

static const struct {
  const char *input;
  const char *expected;
} normalize_cases[] = {
  { "ＣＯＮＦＩＤＥＮＴＩＡＬ", "confidential" },              /* full-width */
  { "Ｔｒａｄｅ　Ｓｅｃｒｅｔ", "trade secret" },              /* ideographic space */
  { "Trade   SECRET\t", "trade secret" },                    /* case, space runs */
  { "ÀÉÎ Straße", "àéî straße" },                            /* non-ASCII case */
  { "con\u00ADfi\u200Bden\u200Dtial\uFEFF", "confidential" }, /* soft hyphen, zero-width */
  { "机 密", "机密" },
  { "机·密", "机密" },
  { "机_密", "机密" },
  { "机　＿　密", "机密" },                                  /* full-width separators */
  { "机\u2060密", "机密" },                                  /* word joiner */
  { "机🔥\uFE0F密", "机密" },                                /* emoji + variation selector */
  { "手机，密码", "手机,密码" },    /* clause punctuation is kept: no false 机密 */
  { "手机。密码", "手机。密码" },
  { "机\n密", "机 密" },            /* line breaks are not gaps */
  { "a 机 b", "a 机 b" },           /* spaces next to Latin are kept */
  { "  leading and trailing  ", "leading and trailing" },
  { "", "" },
};

static void
test_normalize_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (normalize_cases); i++)
    {
      g_autoptr(TactNormalized) norm = tact_normalized_new (normalize_cases[i].input, -1);
      g_autofree char *plain = tact_normalize_string (normalize_cases[i].input);

      g_test_message ("case %u", i);
      g_assert_cmpstr (norm->text->str, ==, normalize_cases[i].expected);
      g_assert_cmpstr (plain, ==, normalize_cases[i].expected);
      g_assert_cmpuint (norm->offsets->len, ==, norm->text->len);
    }
}

static const struct {
  const char *input;
  const char *needle;   /* in normalised text */
  glong       start;    /* original character offsets */
  glong       end;
} offset_cases[] = {
  { "😀测试：机 密", "机密", 4, 7 },
  { "ÀÉÎ ＣＯＮＦＩＤＥＮＴＩＡＬ", "confidential", 4, 16 },
  { "é\u200Bcon\u200Bfidential", "confidential", 2, 15 },
  { "机密", "机密", 0, 2 },
};

static void
test_normalize_offsets (void)
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

/* The same mapping seen through a finding: offsets and matched text are the user's. */
static void
test_check_offsets (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = check_text (profile, "😀测试：机 密", 0);
  const TactFinding *finding = tact_test_find_rule (verdict, "pub1-secrets");

  g_assert_nonnull (finding);
  g_assert_cmpint (finding->start, ==, 4);
  g_assert_cmpint (finding->end, ==, 7);
  g_assert_cmpstr (finding->matched, ==, "机 密");
  g_assert_cmpstr (finding->detector, ==, "terms");
  g_assert_true (g_strv_contains ((const char * const *) finding->clauses, "PUB-1"));
}

/* ------------------------------------------------------------------------- */

/* PUB-1: terms are written simplified; traditional text must match too. */
static const struct {
  const char *text;
  const char *matched;
} traditional_cases[] = {
  { "這是機密", "機密" },
  /* "請勿外傳客戶名單" alone now reads as talk about the rule (docs/classifier.md). */
  { "附上客戶名單，請核對", "客戶名單" },
  { "這份財務報表", "財務報表" },
  { "机密", "机密" },
};

static void
test_check_traditional (void)
{
  g_autoptr(TactProfile) profile = load_default ();

  for (guint i = 0; i < G_N_ELEMENTS (traditional_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, traditional_cases[i].text, 0);
      const TactFinding *finding = tact_test_find_rule (verdict, "pub1-secrets");

      g_test_message ("case %u", i);
      g_assert_nonnull (finding);
      g_assert_cmpstr (finding->matched, ==, traditional_cases[i].matched);
    }
}

/* Latin terms match whole words only: "confidentiality" is a different word
 * (the concept, not a marking), so it does not match "confidential". */
static const struct {
  const char *text;
  gboolean    matches;
} latin_cases[] = {
  { "This is confidential.", TRUE },
  { "CONFIDENTIAL", TRUE },
  { "(confidential)", TRUE },
  { "这是confidential的文件", TRUE },    /* CJK neighbours are boundaries */
  { "Ｃｏｎｆｉｄｅｎｔｉａｌ", TRUE },
  { "con\u200Bfidential", TRUE },
  { "confidentiality matters", FALSE },
  { "unconfidential", FALSE },
  { "confidential2", FALSE },
  { "non-confidential", FALSE },          /* allow term */
  { "the Trade  Secrets", TRUE },         /* multi-word, space run, plural term */
};

static void
test_check_latin_words (void)
{
  g_autoptr(TactProfile) profile = load_default ();

  for (guint i = 0; i < G_N_ELEMENTS (latin_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, latin_cases[i].text, 0);

      g_test_message ("case %u: %s", i, latin_cases[i].text);
      g_assert_cmpuint (count_rule (verdict, "pub1-secrets") > 0, ==, latin_cases[i].matches);
    }
}

/* Every match is kept, in text order. */
static void
test_check_multiple (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = check_text (profile, "机密和机密，还有报价单", 0);
  static const glong starts[] = { 0, 3, 8 };

  g_assert_cmpuint (verdict->findings->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      g_assert_cmpstr (finding->rule_id, ==, "pub1-secrets");
      g_assert_cmpint (finding->start, ==, starts[i]);
    }
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_JUSTIFY);
}

/* A long text with many findings (each span cut through one character-offset
 * map, not by walking from the start per finding): every finding's matched
 * text is the user's characters [start, end), astral, combining and
 * zero-width characters before and between them included. The words-only profile: made
 * of policy words alone, the text reads as talk about the policy, whose words the
 * shipped profile's context section lowers. */
static void
test_check_many_findings (void)
{
  static const char * const pieces[] = {
    "机密", "😀", "機 密", "e\u0301", "\u200B", "报价单", "，", "Ｃｏｎｆｉｄｅｎｔｉａｌ", " ",
    "客戶名單", "文本", "confidential", "。",
  };
  g_autoptr(TactProfile) profile = tact_test_profile_words_only ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(TactVerdict) verdict = NULL;
  guint n_terms = 0;

  for (guint i = 0; i < 400; i++)
    g_string_append (text, pieces[(i * 7) % G_N_ELEMENTS (pieces)]);
  verdict = check_text (profile, text->str, 0);

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      g_autofree char *expected = g_utf8_substring (text->str, finding->start, finding->end);

      g_assert_cmpint (finding->start, <, finding->end);
      g_assert_cmpstr (finding->matched, ==, expected);
      n_terms += g_str_equal (finding->detector, "terms");
    }
  g_assert_cmpuint (n_terms, >=, 150);
}

/* 商业秘密 contains 秘密: one occurrence, one finding for the rule. */
static void
test_check_nested (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = check_text (profile, "这是商业秘密", 0);
  const TactFinding *finding = tact_test_find_rule (verdict, "pub1-secrets");

  g_assert_cmpuint (count_rule (verdict, "pub1-secrets"), ==, 1);
  g_assert_cmpstr (finding->matched, ==, "商业秘密");
}

/* PUB-1 justify, stricter with externals; EXT-1 only with externals. */
static const struct {
  const char *text;
  guint       external;
  TactAction  verdict;
  const char *rule;
  TactAction  rule_action;
  gboolean    ext1;
} external_cases[] = {
  { "这是机密", 0, TACT_ACTION_JUSTIFY, "pub1-secrets", TACT_ACTION_JUSTIFY, FALSE },
  { "这是机密", 1, TACT_ACTION_BLOCK, "pub1-secrets", TACT_ACTION_BLOCK, TRUE },
  { "我们保证准时交付", 0, TACT_ACTION_WARN, "pub10-promises", TACT_ACTION_WARN, FALSE },
  { "我们保证准时交付", 3, TACT_ACTION_JUSTIFY, "pub10-promises", TACT_ACTION_JUSTIFY, FALSE },
  { "你真是个白痴", 2, TACT_ACTION_JUSTIFY, "pub6-civility", TACT_ACTION_JUSTIFY, FALSE },
  { "听说公司下个月要裁员", 0, TACT_ACTION_WARN, "pub5-rumours", TACT_ACTION_WARN, FALSE },
  { "服务器密码：hunter2", 0, TACT_ACTION_BLOCK, "pub1-credentials", TACT_ACTION_BLOCK, FALSE },
  { "password = hunter2", 0, TACT_ACTION_BLOCK, "pub1-credentials", TACT_ACTION_BLOCK, FALSE },
  { "明天下午三点开会", 1, TACT_ACTION_ALLOW, NULL, TACT_ACTION_ALLOW, FALSE },
};

static void
test_check_external (void)
{
  g_autoptr(TactProfile) profile = load_default ();

  for (guint i = 0; i < G_N_ELEMENTS (external_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, external_cases[i].text,
                                                   external_cases[i].external);

      g_test_message ("case %u", i);
      g_assert_cmpint (verdict->action, ==, external_cases[i].verdict);
      if (external_cases[i].rule != NULL)
        {
          const TactFinding *finding = tact_test_find_rule (verdict, external_cases[i].rule);
          g_assert_nonnull (finding);
          g_assert_cmpint (finding->action, ==, external_cases[i].rule_action);
          if (finding->action == TACT_ACTION_BLOCK)
            g_assert_nonnull (finding->alternative);
        }
      else
        g_assert_cmpuint (verdict->findings->len, ==, 0);
      g_assert_cmpuint (count_rule (verdict, "ext1-confidential-external") > 0, ==,
                        external_cases[i].ext1);
    }
}

/* Security regression: sentence punctuation must not glue words into a term
 * (手机，密码 is "phone, password", not 机密), and line breaks neither. */
static void
test_check_no_false_join (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  const char *texts[] = { "我的手机，密码忘了", "换了新手机\n密码还没改", "飞机。密切关注" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, texts[i], 0);
      g_test_message ("case %u", i);
      g_assert_cmpuint (count_rule (verdict, "pub1-secrets"), ==, 0);
    }
}

/* allow_terms suppress the findings of terms and regexes whose span overlaps
 * one of their occurrences (not only those inside it: 非机密 clears 机密文件 in
 * 非机密文件), and nothing else in the text. Words only: "non-confidential, but
 * confidential" reads as talk about labels, and the context section would lower it. */
static const struct {
  const char *text;
  const char *rule;
  guint       expected;
} allow_cases[] = {
  { "我们不保证结果", "pub10-promises", 0 },
  { "请先交保证金", "pub10-promises", 0 },
  { "我们保证结果", "pub10-promises", 1 },
  { "我们不保证A，但保证B", "pub10-promises", 1 },
  { "这是非机密资料", "pub1-secrets", 0 },
  { "这是開源代碼", "pub1-secrets", 0 },    /* allow terms get OpenCC variants too */
  { "non-confidential, but confidential", "pub1-secrets", 1 },
  /* Overlap (used to be flagged through 机密文件, which 非机密 only overlaps). */
  { "非机密文件", "file1-classified-text", 0 },
  { "非机密文件", "pub1-secrets", 0 },
  { "这是非机密文件，请查收", "file1-classified-text", 0 },
  { "这份机密文件", "file1-classified-text", 1 },
  { "非机密文件和绝密合同", "pub1-secrets", 1 },         /* 绝密 is clear of 非机密 */
  { "非机密的报价单", "pub1-secrets", 1 },               /* so is 报价单 */
  { "机密文件非机密", "file1-classified-text", 1 },      /* 机密文件 ends before 非机密 */
};

static void
test_check_allow_terms (void)
{
  g_autoptr(TactProfile) profile = tact_test_profile_words_only ();

  for (guint i = 0; i < G_N_ELEMENTS (allow_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, allow_cases[i].text, 0);
      g_test_message ("case %u", i);
      g_assert_cmpuint (count_rule (verdict, allow_cases[i].rule), ==, allow_cases[i].expected);
    }
}

/* ------------------------------------------------------------------------- */

/* A minimal valid profile; error cases edit it with one string replacement. */
#define RULE \
  "{\"id\":\"r1\",\"title\":{\"en\":\"T\",\"zh_CN\":\"T\",\"zh_TW\":\"T\"}," \
  "\"explanation\":{\"en\":\"E\",\"zh_CN\":\"E\",\"zh_TW\":\"E\"}," \
  "\"clauses\":[\"PUB-1\"],\"detectors\":[{\"type\":\"terms\",\"terms\":[\"机密\"]}]," \
  "\"action\":\"warn\"}"
#define PROFILE(rules) \
  "{\"format\":1,\"id\":\"t\",\"version\":\"1\"," \
  "\"name\":{\"en\":\"N\",\"zh_CN\":\"N\",\"zh_TW\":\"N\"},\"rules\":[" rules "]}"

static char *
replace (const char *text,
         const char *from,
         const char *to)
{
  g_autoptr(GString) s = g_string_new (text);

  g_assert_nonnull (strstr (text, from));
  g_string_replace (s, from, to, 1);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static TactProfile *
profile_from_string (const char *json,
                     GError    **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
  return tact_profile_new_from_bytes (bytes, error);
}

/* Allow-term overlap on a profile of its own: which spans survive. */
static void
test_check_allow_overlap (void)
{
  static const struct {
    const char *text;
    glong       starts[3];   /* of the findings, -1 terminated */
  } cases[] = {
    { "非机密文件", { 3, -1 } },              /* 机密文件 cleared; 文件 clear of 非机密 stays */
    { "机密文件", { 0, -1 } },                /* 文件 nested in 机密文件: one finding */
    { "非机密", { -1 } },
    { "这是非机密，那是机密文件", { 8, -1 } },
  };
  g_autofree char *json = replace (PROFILE (RULE), "\"terms\":[\"机密\"]",
                                   "\"terms\":[\"机密文件\",\"机密\",\"文件\"]");
  g_autofree char *with_allow = replace (json, "\"rules\":[", "\"allow_terms\":[\"非机密\"],\"rules\":[");
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = profile_from_string (with_allow, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, cases[i].text, 0);
      guint n = 0;

      g_test_message ("case %u: %s", i, cases[i].text);
      for (; cases[i].starts[n] >= 0; n++)
        {
          const TactFinding *finding;

          g_assert_cmpuint (n, <, verdict->findings->len);
          finding = g_ptr_array_index (verdict->findings, n);
          g_assert_cmpint (finding->start, ==, cases[i].starts[n]);
        }
      g_assert_cmpuint (verdict->findings->len, ==, n);
    }
}

static const struct {
  const char *from;
  const char *to;
  int         code;
  const char *message;  /* must appear in the error */
} error_cases[] = {
  { "\"version\":\"1\",", "\"version\":\"1\",\"colour\":1,", TACT_POLICY_ERROR_INVALID,
    "$: unknown key \"colour\"" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"severity\":3", TACT_POLICY_ERROR_INVALID,
    "$.rules[0]: unknown key \"severity\"" },
  { "\"type\":\"terms\",", "\"type\":\"terms\",\"fuzzy\":true,", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].detectors[0]: unknown key \"fuzzy\"" },
  { "\"terms\":[\"机密\"]", "\"terms\":\"机密\"", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].detectors[0].terms: expected an array of strings, got a string" },
  { "\"terms\":[\"机密\"]", "\"terms\":[\"机密\",3]", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].detectors[0].terms[1]: expected a string, got an integer" },
  { "\"terms\":[\"机密\"]", "\"terms\":[]", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].detectors[0].terms: expected a non-empty array" },
  { "\"terms\":[\"机密\"]", "\"terms\":[\" · \"]", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].detectors[0].terms[0]: expected a term" },
  { "\"id\":\"r1\",", "", TACT_POLICY_ERROR_INVALID,
    "$.rules[0]: missing required key \"id\"" },
  { "\"id\":\"t\",", "", TACT_POLICY_ERROR_INVALID,
    "$: missing required key \"id\"" },
  { "\"id\":\"r1\"", "\"id\":\"r 1\"", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].id: expected an identifier" },
  { "\"action\":\"warn\"", "\"action\":\"explode\"", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].action: expected one of allow, warn, justify, approve, block, got \"explode\"" },
  { "\"action\":\"warn\"", "\"action\":1", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].action: expected a string, got an integer" },
  { "\"PUB-1\"", "\"pub-1\"", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].clauses[0]: expected a policy clause id" },
  { "\"PUB-1\"", "\"PUB1\"", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].clauses[0]: expected a policy clause id" },
  { "\"PUB-1\"", "\"PUBLIC-1\"", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].clauses[0]: expected a policy clause id" },
  { "\"type\":\"terms\"", "\"type\":\"ml\"", TACT_POLICY_ERROR_INVALID,
    "$.rules[0].detectors[0].type: unknown detector type \"ml\" (expected one of: terms, regex, "
    "identifier, exact, classifier, nearby, classification, file_type, uninspectable)" },
  { "\"detectors\":[{\"type\":\"terms\",\"terms\":[\"机密\"]}]", "\"detectors\":[]",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].detectors: expected a non-empty array" },
  { "\"type\":\"terms\",\"terms\":[\"机密\"]", "\"type\":\"regex\",\"patterns\":[\"(ab\"]",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].detectors[0].patterns[0]: invalid regular expression" },
  { "\"type\":\"terms\",\"terms\":[\"机密\"]", "\"type\":\"regex\",\"patterns\":[\"a*\"]",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].detectors[0].patterns[0]: invalid regular expression" },
  { "\"title\":{\"en\":\"T\",\"zh_CN\":\"T\",\"zh_TW\":\"T\"}", "\"title\":{\"en\":\"T\",\"zh_CN\":\"T\"}",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].title: missing required key \"zh_TW\"" },
  { "\"title\":{\"en\":\"T\",", "\"title\":{\"en\":\"T\",\"fr\":\"T\",",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].title: unknown key \"fr\"" },
  { "\"action\":\"warn\"", "\"action\":\"block\"", TACT_POLICY_ERROR_INVALID,
    "$.rules[0]: missing required key \"alternative\"" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"action_if_external\":\"allow\"",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].action_if_external: expected an action stricter" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"conditions\":{\"room_kinds\":[\"dm\",\"channel\"]}",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].conditions.room_kinds[1]: expected one of dm, group, announcement" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"conditions\":{\"min_external\":-1}",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].conditions.min_external: expected a non-negative integer" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"conditions\":{\"min_members\":\"5\"}",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].conditions.min_members: expected a non-negative integer, got a string" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"conditions\":{\"max_members\":5}",
    TACT_POLICY_ERROR_INVALID, "$.rules[0].conditions: unknown key \"max_members\"" },
  { "\"rules\":[", "\"rules\":[" RULE ",", TACT_POLICY_ERROR_INVALID,
    "$.rules[1].id: duplicate rule id \"r1\"" },
  { "\"rules\":[" RULE "]", "\"rules\":{}", TACT_POLICY_ERROR_INVALID,
    "$.rules: expected an array of rules, got an object" },
  { "\"rules\":[", "\"allow_terms\":[1],\"rules\":[", TACT_POLICY_ERROR_INVALID,
    "$.allow_terms[0]: expected a string, got an integer" },
  { "\"format\":1", "\"format\":3", TACT_POLICY_ERROR_VERSION,
    "$.format: This profile uses format 3; this version of Tact reads formats 1 and 2. "
    "Update Tact or ask your administrator for a format 2 profile." },
  { "\"format\":1", "\"format\":0", TACT_POLICY_ERROR_VERSION, "This profile uses format 0;" },
  { "\"format\":1", "\"format\":-1", TACT_POLICY_ERROR_VERSION, "This profile uses format -1;" },
  { "\"format\":1", "\"format\":\"1\"", TACT_POLICY_ERROR_VERSION,
    "$.format: This profile's format is a string, not a format number; this version of Tact "
    "reads formats 1 and 2" },
  { "\"format\":1", "\"format\":2.0", TACT_POLICY_ERROR_VERSION, "format is a number, not a format number" },
  /* Format 1 does not know the format 2 keys. */
  { "\"rules\":[", "\"roles\":{},\"rules\":[", TACT_POLICY_ERROR_INVALID, "$: unknown key \"roles\"" },
  { "\"format\":1,", "", TACT_POLICY_ERROR_INVALID, "$: missing required key \"format\"" },
  { "{\"format\"", "[{\"format\"", TACT_POLICY_ERROR_PARSE, "$: not valid JSON" },
};

static void
test_profile_valid_base (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = profile_from_string (PROFILE (RULE), &error);

  g_assert_no_error (error);
  g_assert_cmpuint (tact_profile_get_n_rules (profile), ==, 1);
}

static void
test_profile_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *json = replace (PROFILE (RULE), error_cases[i].from, error_cases[i].to);
      g_autoptr(GError) error = NULL;
      g_autoptr(TactProfile) profile = profile_from_string (json, &error);

      g_test_message ("case %u: %s", i, json);
      g_assert_null (profile);
      g_assert_error (error, TACT_POLICY_ERROR, error_cases[i].code);
      if (strstr (error->message, error_cases[i].message) == NULL)
        g_error ("case %u: “%s” does not contain “%s”", i, error->message, error_cases[i].message);
    }
}

/* validate lists every problem, not just the first. */
static void
test_profile_errors_all_listed (void)
{
  g_autofree char *a = replace (PROFILE (RULE), "\"action\":\"warn\"", "\"action\":\"loud\"");
  g_autofree char *b = replace (a, "\"PUB-1\"", "\"x\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = profile_from_string (b, &error);

  g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "$.rules[0].action:"));
  g_assert_nonnull (strstr (error->message, "$.rules[0].clauses[0]:"));
  g_assert_nonnull (strchr (error->message, '\n'));
}

/* ------------------------------------------------------------------------- */

/* conditions: min_external, min_members, room_kinds. */
static const struct {
  guint        external;
  guint        members;
  TactRoomKind kind;
  gboolean     fires;
} condition_cases[] = {
  { 0, 10, TACT_ROOM_KIND_ANNOUNCEMENT, FALSE },  /* needs an external */
  { 1, 4, TACT_ROOM_KIND_ANNOUNCEMENT, FALSE },   /* needs 5 members */
  { 1, 5, TACT_ROOM_KIND_ANNOUNCEMENT, TRUE },
  { 1, 5, TACT_ROOM_KIND_GROUP, TRUE },
  { 1, 5, TACT_ROOM_KIND_DM, FALSE },             /* room kind not listed */
};

static void
test_check_conditions (void)
{
  g_autofree char *json = replace (PROFILE (RULE), "\"action\":\"warn\"",
                                   "\"action\":\"approve\",\"approver\":{\"role\":\"department_head\"},"
                                   "\"conditions\":{\"min_external\":1,"
                                   "\"min_members\":5,\"room_kinds\":[\"group\",\"announcement\"]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = profile_from_string (json, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (condition_cases); i++)
    {
      TactOutgoing outgoing = { "公司机密", condition_cases[i].external,
                                condition_cases[i].members, condition_cases[i].kind };
      g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);

      g_test_message ("case %u", i);
      g_assert_cmpuint (verdict->findings->len, ==, condition_cases[i].fires ? 1 : 0);
      g_assert_cmpint (verdict->action, ==,
                       condition_cases[i].fires ? TACT_ACTION_APPROVE : TACT_ACTION_ALLOW);
    }
}

/* Localised strings follow the user's language; offsets do not depend on it. */
static const struct {
  const char *language;
  const char *title;
} language_cases[] = {
  { "zh_TW", "商業秘密或技術秘密" },
  { "zh_HK", "商業秘密或技術秘密" },
  { "zh_CN", "商业秘密或技术秘密" },
  { "zh", "商业秘密或技术秘密" },
  { "fr:zh_TW", "商業秘密或技術秘密" },
  { "de", "Trade or technical secret" },
  { "en_GB", "Trade or technical secret" },
};

static void
test_check_localized (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));

  for (guint i = 0; i < G_N_ELEMENTS (language_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = NULL;

      g_setenv ("LANGUAGE", language_cases[i].language, TRUE);
      verdict = check_text (profile, "机密", 1);
      g_test_message ("case %u", i);
      g_assert_cmpstr (tact_test_find_rule (verdict, "pub1-secrets")->title, ==, language_cases[i].title);
      g_assert_cmpstr (tact_rule_get_title (tact_profile_get_rule (profile, 0)), ==,
                       language_cases[i].title);
    }

  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");
}

static guint expected_thread_findings;

static gpointer
check_in_thread (gpointer data)
{
  TactProfile *profile = data;

  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, "附件：机密、報價單和 trade secret，卡号 6225880123456783", 1);

      if (verdict->findings->len != expected_thread_findings || verdict->action != TACT_ACTION_BLOCK)
        return GINT_TO_POINTER (FALSE);
    }
  return GINT_TO_POINTER (TRUE);
}

/* tact_profile_check may be called from any thread. The text hands something over (附件, a
 * sending cue): a list of policy words alone reads as talk about the policy, whose words the
 * context section lowers, which is not what this test is about. */
static void
test_check_threads (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) reference =
    check_text (profile, "附件：机密、報價單和 trade secret，卡号 6225880123456783", 1);
  GThread *threads[4];

  guint words = 0;

  /* pub1-secrets ×3, ext1 (机密), ext2 (報價), the card number; and the classifier's
   * reading (the words that weighed most), which every thread must find alike too. */
  expected_thread_findings = reference->findings->len;
  for (guint i = 0; i < reference->findings->len; i++)
    words += !g_str_has_prefix (((TactFinding *) g_ptr_array_index (reference->findings, i))->detector,
                                "classifier:");
  g_assert_cmpuint (words, ==, 6);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("check", check_in_thread, profile);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
}

static void
test_check_empty (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  TactOutgoing outgoing = { NULL, 0, 2, TACT_ROOM_KIND_DM };
  g_autoptr(TactVerdict) a = tact_profile_check (profile, &outgoing);
  g_autoptr(TactVerdict) b = check_text (profile, "", 0);

  g_assert_cmpint (a->action, ==, TACT_ACTION_ALLOW);
  g_assert_cmpuint (a->findings->len, ==, 0);
  g_assert_cmpuint (b->findings->len, ==, 0);
  /* Invalid UTF-8 is a guard error: /policy/security/guard-error/invalid-utf8-text. */
}

/* ------------------------------------------------------------------------- */

typedef struct {
  int   status;
  char *out;
  char *err;
} CliResult;

static void
cli_result_clear (CliResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliResult, cli_result_clear)

/* Runs the CLI with @args; with @envp set, in exactly that environment
 * (NULL: the test's own), and with @input (may be NULL) on standard input. */
static void
run_cli_full (const char * const *args,
              const char * const *envp,
              GBytes             *input,
              CliResult          *result)
{
  const char *cli = g_getenv ("TACT_POLICY_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GBytes) no_input = NULL;
  g_autoptr(GError) error = NULL;

  if (cli == NULL)
    {
      g_test_skip ("TACT_POLICY_CLI not set");
      return;
    }

  g_ptr_array_add (argv, (char *) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (envp != NULL)
    g_subprocess_launcher_set_environ (launcher, (char **) envp);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  if (input == NULL)
    input = no_input = g_bytes_new_static ("", 0);
  g_subprocess_communicate (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);
  /* Empty GBytes have no data pointer; result->out == NULL means skipped. */
  result->out = g_strndup (g_bytes_get_size (out) > 0 ? g_bytes_get_data (out, NULL) : "",
                           g_bytes_get_size (out));
  result->err = g_strndup (g_bytes_get_size (err) > 0 ? g_bytes_get_data (err, NULL) : "",
                           g_bytes_get_size (err));
}

static void
run_cli (const char * const *args,
         CliResult          *result)
{
  run_cli_full (args, NULL, NULL, result);
}

static void
test_cli_validate (void)
{
  g_autofree char *source = g_build_filename (g_getenv ("TACT_SOURCE_ROOT"),
                                              "data", "profiles", "default.json", NULL);
  g_autofree char *bad_json = replace (PROFILE (RULE), "\"action\":\"warn\"", "\"action\":\"loud\"");
  g_autofree char *bad_path = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) ok = { 0 };
  g_auto(CliResult) bad = { 0 };
  g_auto(CliResult) usage = { 0 };
  int fd;

  run_cli ((const char *[]) { "validate", source, NULL }, &ok);
  if (ok.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (ok.status, ==, 0);
  g_assert_nonnull (strstr (ok.out, "tact-default"));

  fd = g_file_open_tmp ("tact-policy-XXXXXX.json", &bad_path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (bad_path, bad_json, -1, &error);
  g_assert_no_error (error);
  run_cli ((const char *[]) { "validate", bad_path, NULL }, &bad);
  g_unlink (bad_path);
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_nonnull (strstr (bad.err, "$.rules[0].action:"));

  run_cli ((const char *[]) { "validate", NULL }, &usage);
  g_assert_cmpint (usage.status, ==, 2);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Writes @contents to a new temporary file named after @tmpl; returns its path. */
static char *
write_tmp (const char *tmpl,
           const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp (tmpl, &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* tact-policy eval (issue 10, item 6): every count of a small corpus against
 * a one-rule profile (机密 → warn), checked by hand; thresholds; a malformed
 * line named by its number. */
static void
test_cli_eval (void)
{
  g_autofree char *profile = write_tmp ("tact-eval-XXXXXX.json", PROFILE (RULE));
  g_autofree char *corpus = write_tmp ("tact-eval-XXXXXX.jsonl",
    /* caught for both audiences; exact only internally */
    "{\"text\":\"这是机密\",\"category\":\"classified\",\"lang\":\"zh-Hans\","
    "\"expect\":{\"internal\":\"warn\",\"external\":\"block\"}}\n"
    /* missed for both: the rule has no pinyin */
    "{\"text\":\"jimi 文件\",\"category\":\"classified\",\"lang\":\"mixed\",\"evasion\":\"pinyin\","
    "\"expect\":{\"internal\":\"warn\",\"external\":\"warn\"}}\n"
    "\n"
    /* a false positive for both */
    "{\"text\":\"请勿外传机密\",\"category\":\"policy_talk\",\"lang\":\"zh-Hans\","
    "\"expect\":{\"internal\":\"allow\",\"external\":\"allow\"}}\n"
    /* harmless and allowed; no lang */
    "{\"text\":\"hello\",\"category\":\"none\",\"expect\":{\"internal\":\"allow\",\"external\":\"allow\"}}\n");
  g_autofree char *broken = write_tmp ("tact-eval-XXXXXX.jsonl",
    "{\"text\":\"hello\",\"category\":\"none\",\"expect\":{\"internal\":\"allow\",\"external\":\"allow\"}}\n"
    "{\"text\":\"hello\",\"category\":\"none\",\"expect\":{\"internal\":\"maybe\",\"external\":\"allow\"}}\n");
  g_auto(CliResult) json = { 0 };
  g_auto(CliResult) text = { 0 };
  g_auto(CliResult) strict = { 0 };
  g_auto(CliResult) lenient = { 0 };
  g_auto(CliResult) bad = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonObject *overall, *by_evasion, *by_category, *by_lang;

  run_cli ((const char *[]) { "eval", "--json", "--profile", profile, corpus, NULL }, &json);
  if (json.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (json.status, ==, 0);
  root = parse_object (json.out);
  g_assert_cmpint (json_object_get_int_member (root, "messages"), ==, 4);
  overall = json_object_get_object_member (root, "overall");
  g_assert_cmpint (json_object_get_int_member (overall, "violations"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (overall, "caught"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (overall, "harmless"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (overall, "false_positives"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (overall, "checks"), ==, 8);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (overall, "recall"), 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (overall, "exact"), 3.0 / 8, 1e-9);
  by_evasion = json_object_get_object_member (root, "by_evasion");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (by_evasion, "pinyin"),
                                               "caught"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (by_evasion, "none"),
                                               "caught"), ==, 2);
  by_category = json_object_get_object_member (root, "by_category");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (
      json_object_get_object_member (by_category, "policy_talk"), "fp_rate"), 1.0, 1e-9);
  /* No violations in "none": recall is null, not 0. */
  g_assert_true (json_object_get_null_member (json_object_get_object_member (by_category, "none"),
                                              "recall"));
  by_lang = json_object_get_object_member (root, "by_lang");
  g_assert_true (json_object_has_member (by_lang, "?"));
  g_assert_cmpint (json_object_get_size (by_lang), ==, 3);

  run_cli ((const char *[]) { "eval", "--profile", profile, corpus, NULL }, &text);
  g_assert_cmpint (text.status, ==, 0);
  g_assert_nonnull (strstr (text.out, "pinyin"));
  g_assert_nonnull (strstr (text.out, "0.500"));

  run_cli ((const char *[]) { "eval", "--profile", profile, "--min-recall", "0.6", corpus, NULL },
           &strict);
  g_assert_cmpint (strict.status, ==, 1);
  run_cli ((const char *[]) { "eval", "--profile", profile, "--min-recall", "0.5",
                              "--max-fp-rate", "0.5", corpus, NULL }, &lenient);
  g_assert_cmpint (lenient.status, ==, 0);

  run_cli ((const char *[]) { "eval", "--profile", profile, broken, NULL }, &bad);
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_nonnull (strstr (bad.err, "line 2:"));
  g_assert_nonnull (strstr (bad.err, "expect.internal"));

  g_unlink (profile);
  g_unlink (corpus);
  g_unlink (broken);
}

static void
test_cli_check_json (void)
{
  g_auto(CliResult) result = { 0 };
  g_auto(CliResult) clean = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonArray *findings;
  JsonObject *first;
  JsonObject *profile;

  run_cli ((const char *[]) { "check", "--external", "1", "--json", "这是机密", NULL }, &result);
  if (result.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (result.status, ==, 0);

  /* Security regression: the CLI never prints matched sensitive text. */
  g_assert_null (strstr (result.out, "机密"));

  root = parse_object (result.out);
  g_assert_cmpstr (json_object_get_string_member (root, "action"), ==, "block");
  findings = json_object_get_array_member (root, "findings");
  g_assert_cmpuint (json_array_get_length (findings), ==, 2);  /* PUB-1 and EXT-1 */

  first = json_array_get_object_element (findings, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "rule"), ==, "pub1-secrets");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (first, "clauses"), 0),
                   ==, "PUB-1");
  g_assert_cmpstr (json_object_get_string_member (first, "action"), ==, "block");
  g_assert_cmpstr (json_object_get_string_member (first, "detector"), ==, "terms");
  g_assert_cmpstr (json_object_get_string_member (first, "confidence"), ==, "medium");
  g_assert_cmpint (json_object_get_int_member (first, "start"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (first, "end"), ==, 4);
  g_assert_true (json_object_get_null_member (first, "attachment"));
  g_assert_cmpstr (json_object_get_string_member (first, "excerpt"), ==, "机•••");

  profile = json_object_get_object_member (root, "profile");
  g_assert_cmpstr (json_object_get_string_member (profile, "id"), ==, "tact-default");
  g_assert_cmpstr (json_object_get_string_member (profile, "version"), ==, "6");

  /* Exit 0 whatever the verdict. */
  run_cli ((const char *[]) { "check", "明天开会", NULL }, &clean);
  g_assert_cmpint (clean.status, ==, 0);
  g_assert_cmpstr (clean.out, ==, "allow\n");
}

static const struct {
  const char *args[6];
} cli_usage_cases[] = {
  { { NULL } },
  { { "frobnicate", NULL } },
  { { "check", "--room-kind", "channel", "x", NULL } },
  { { "check", "--external", "-1", "x", NULL } },
  { { "check", "--bogus", "x", NULL } },
  { { "check", "--profile", "/nonexistent/profile.json", "x", NULL } },
};

static void
test_cli_usage_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cli_usage_cases); i++)
    {
      g_auto(CliResult) result = { 0 };

      run_cli (cli_usage_cases[i].args, &result);
      if (result.out == NULL)
        return;  /* skipped */
      g_test_message ("case %u", i);
      g_assert_cmpint (result.status, ==, 2);
    }
}

static void
test_cli_explain (void)
{
  g_auto(CliResult) result = { 0 };

  run_cli ((const char *[]) { "explain", "--external", "1", "这是机密", NULL }, &result);
  if (result.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "PUB-1"));
  g_assert_nonnull (strstr (result.out, "tact-default"));
  g_assert_null (strstr (result.out, "机密"));
}

/* ------------------------------------------------------------------------- */

/* ------------------------------------------------------------------------- */
/* §3 Identifiers                                                            */
/* ------------------------------------------------------------------------- */

#define ALL_ID_KINDS ((1u << TACT_N_ID_KINDS) - 1)
#define NONE (-1)

/* Each identifier: valid, invalid check digit, near misses. @count is the
 * number of candidates of @kind; @confidence that of the first (NONE: any). */
static const struct {
  const char *text;
  TactIdKind  kind;
  guint       count;
  int         confidence;
} identifier_cases[] = {
  /* PRC resident id (GB 11643) */
  { "身份证 11010519491231002X", TACT_ID_PRC_ID, 1, TACT_CONFIDENCE_HIGH },
  { "身份证 11010519491231002x", TACT_ID_PRC_ID, 1, TACT_CONFIDENCE_HIGH },     /* lower-case X */
  { "身份证 １１０１０５１９４９１２３１００２Ｘ", TACT_ID_PRC_ID, 1, NONE },       /* full-width */
  { "身份证 110105194912310021", TACT_ID_PRC_ID, 0, NONE },                     /* bad check digit */
  { "身份证 110105194913310021", TACT_ID_PRC_ID, 0, NONE },                     /* month 13, check ok */
  { "身份证 440304200102291233", TACT_ID_PRC_ID, 0, NONE },                     /* 29 Feb 2001, check ok */
  { "身份证 990105194912310023", TACT_ID_PRC_ID, 0, NONE },                     /* region 99, check ok */
  { "编号 911010519491231002X", TACT_ID_PRC_ID, 0, NONE },                      /* 19 characters */
  { "a11010519491231002X", TACT_ID_PRC_ID, 0, NONE },                           /* glued to a letter */
  /* USCC (GB 32100): shape low, valid check high */
  { "信用代码 91350100M000100Y43", TACT_ID_USCC, 1, TACT_CONFIDENCE_HIGH },
  { "信用代码 91350100M000100Y44", TACT_ID_USCC, 1, TACT_CONFIDENCE_LOW },
  { "代码 91440300708461136T", TACT_ID_USCC, 1, TACT_CONFIDENCE_HIGH },
  { "代码 91350100I000100Y43", TACT_ID_USCC, 0, NONE },                         /* I is not in the alphabet */
  /* Bank cards (Luhn, brand, test numbers) */
  { "卡号 6225880123456783", TACT_ID_BANK_CARD, 1, TACT_CONFIDENCE_HIGH },       /* UnionPay 62 */
  { "卡号 6225 8801 2345 6783", TACT_ID_BANK_CARD, 1, TACT_CONFIDENCE_HIGH },    /* grouped */
  { "卡号 6225-8801-2345-6783", TACT_ID_BANK_CARD, 1, TACT_CONFIDENCE_HIGH },
  { "card 4539578763621486", TACT_ID_BANK_CARD, 1, TACT_CONFIDENCE_MEDIUM },     /* Visa */
  { "no 9999123456789019", TACT_ID_BANK_CARD, 1, TACT_CONFIDENCE_LOW },          /* unknown IIN */
  { "卡号 6225880123456784", TACT_ID_BANK_CARD, 0, NONE },                       /* Luhn fails */
  { "test 4111111111111111", TACT_ID_BANK_CARD, 0, NONE },
  { "test 4242 4242 4242 4242", TACT_ID_BANK_CARD, 0, NONE },
  { "test 5555555555554444", TACT_ID_BANK_CARD, 0, NONE },
  { "test 6222021234567890", TACT_ID_BANK_CARD, 0, NONE },
  { "pi 3.14159265358979323", TACT_ID_BANK_CARD, 0, NONE },                      /* decimals */
  /* CN mobile */
  { "电话13800138000", TACT_ID_CN_MOBILE, 1, TACT_CONFIDENCE_MEDIUM },
  { "call +86 138-0013-8000", TACT_ID_CN_MOBILE, 1, NONE },
  { "call 0086 13800138000", TACT_ID_CN_MOBILE, 1, NONE },
  { "13800138000 13912345678", TACT_ID_CN_MOBILE, 2, NONE },                     /* two, space-separated */
  { "电话 12800138000", TACT_ID_CN_MOBILE, 0, NONE },                            /* 12x is not mobile */
  { "订单 138001380001", TACT_ID_CN_MOBILE, 0, NONE },                           /* 12 digits */
  /* E-mail */
  { "邮箱zhang.san@example.com。", TACT_ID_EMAIL, 1, TACT_CONFIDENCE_MEDIUM },
  { "ping @alice:matrix.org", TACT_ID_EMAIL, 0, NONE },                          /* Matrix id */
  { "a@b", TACT_ID_EMAIL, 0, NONE },
  /* IBAN */
  { "IBAN GB82 WEST 1234 5698 7654 32", TACT_ID_IBAN, 1, TACT_CONFIDENCE_HIGH },
  { "iban DE89370400440532013000", TACT_ID_IBAN, 1, TACT_CONFIDENCE_HIGH },
  { "IBAN GB82 WEST 1234 5698 7654 33", TACT_ID_IBAN, 0, NONE },                 /* mod 97 fails */
  { "IBAN DE8937040044053201300", TACT_ID_IBAN, 0, NONE },                       /* too short for DE */
  /* Hong Kong id */
  { "身份證 A123456(3)", TACT_ID_HK_ID, 1, TACT_CONFIDENCE_MEDIUM },
  { "身份證 A123456（3）", TACT_ID_HK_ID, 1, NONE },                              /* full-width brackets */
  { "身份證 A123456(4)", TACT_ID_HK_ID, 0, NONE },
  /* Taiwan id */
  { "身分證 A123456789", TACT_ID_TW_ID, 1, TACT_CONFIDENCE_MEDIUM },
  { "身分證 A123456788", TACT_ID_TW_ID, 0, NONE },
  { "身分證 A323456789", TACT_ID_TW_ID, 0, NONE },                               /* second digit 3 */
  /* Private keys and tokens */
  { "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", TACT_ID_PRIVATE_KEY, 1, TACT_CONFIDENCE_HIGH },
  { "-----BEGIN OPENSSH PRIVATE KEY-----", TACT_ID_PRIVATE_KEY, 1, NONE },
  { "-----BEGIN PUBLIC KEY-----", TACT_ID_PRIVATE_KEY, 0, NONE },
  { "key AKIAIOSFODNN7EXAMPLE", TACT_ID_API_TOKEN, 1, TACT_CONFIDENCE_HIGH },
  { "key AKIAIOSFODNN7EXAMPL", TACT_ID_API_TOKEN, 0, NONE },                     /* 19 characters */
  { "ghp_0123456789abcdefghijABCDEFGHIJ012345", TACT_ID_API_TOKEN, 1, TACT_CONFIDENCE_HIGH },
  { "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", TACT_ID_API_TOKEN, 1, NONE },
  { "xoxb-123456789012-abcdefghijkl", TACT_ID_API_TOKEN, 1, TACT_CONFIDENCE_HIGH },
  { "sk-proj-abc123def456ghi789jkl012", TACT_ID_API_TOKEN, 1, TACT_CONFIDENCE_MEDIUM },
  { "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", TACT_ID_API_TOKEN, 1, TACT_CONFIDENCE_HIGH },
  { "ghp_short", TACT_ID_API_TOKEN, 0, NONE },
  { "task-list-of-things-to-do-today", TACT_ID_API_TOKEN, 0, NONE },
  /* Passwords written out */
  { "服务器密码：Abc12345", TACT_ID_PASSWORD, 1, TACT_CONFIDENCE_HIGH },
  { "密码是 hunter2", TACT_ID_PASSWORD, 1, NONE },
  { "口令:Xy9!pq", TACT_ID_PASSWORD, 1, NONE },
  { "password=hunter2", TACT_ID_PASSWORD, 1, NONE },
  { "PWD=s3cret!", TACT_ID_PASSWORD, 1, NONE },
  { "password: Tr0ub4dor&3", TACT_ID_PASSWORD, 1, TACT_CONFIDENCE_HIGH },
  { "密码：abc12345", TACT_ID_PASSWORD, 1, NONE },
  { "密码：123456", TACT_ID_PASSWORD, 1, NONE },
  { "my password is Tr0ub4dor&3", TACT_ID_PASSWORD, 1, NONE },
  { "Password: changeme", TACT_ID_PASSWORD, 1, NONE },
  { "链接 https://pan.baidu.com/s/1abc?pwd=x7k2", TACT_ID_PASSWORD, 1, NONE },
  /* Only a space before a strong value; short words need a strong value (issue 10) */
  { "VPN 密码 Lx!8812", TACT_ID_PASSWORD, 1, NONE },
  { "口令 Zw@123456", TACT_ID_PASSWORD, 1, NONE },
  { "pw Bluebird#77", TACT_ID_PASSWORD, 1, NONE },
  { "pass 是 happy2026!!", TACT_ID_PASSWORD, 1, NONE },
  { "passphrase: otter-lam", TACT_ID_PASSWORD, 1, NONE },
  { "DB_PASS=Example!Pass42", TACT_ID_PASSWORD, 1, NONE },
  { "SECRET_KEY=example-not-real-123", TACT_ID_PASSWORD, 1, NONE },
  { "mysql://admin:P4ssw0rd!@10.0.3.15:3306/erp", TACT_ID_PASSWORD, 1, TACT_CONFIDENCE_HIGH },
  { "mi ma shi Tact2026qaz", TACT_ID_PASSWORD, 1, NONE },                        /* 密码是, in pinyin */
  { "mima: Cw2026!!", TACT_ID_PASSWORD, 1, NONE },
  { "mima shi 123456", TACT_ID_PASSWORD, 0, NONE },
  { "th3 p4ss 1s Hunt3r2! f0r th3 r0ut3r", TACT_ID_PASSWORD, 1, NONE },           /* leetspeak */
  { "p@$$w0rd 是 Adm1n!2026", TACT_ID_PASSWORD, 1, NONE },
  { "password: Tr0ub4dor&3 again", TACT_ID_PASSWORD, 1, NONE },                  /* found once, not twice */
  { "密码 123456", TACT_ID_PASSWORD, 0, NONE },                                  /* digits after a space only */
  { "密码 reset 了", TACT_ID_PASSWORD, 0, NONE },
  { "pass: tomorrow", TACT_ID_PASSWORD, 0, NONE },                                /* a word after "pass" */
  { "a pass to the 2026 show", TACT_ID_PASSWORD, 0, NONE },
  { "pw: 1234", TACT_ID_PASSWORD, 0, NONE },
  { "secret: launch", TACT_ID_PASSWORD, 0, NONE },                                /* "secret" only as secret= */
  { "the token is valid", TACT_ID_PASSWORD, 0, NONE },
  { "http://10.0.0.50:8080/admin", TACT_ID_PASSWORD, 0, NONE },                   /* a port, not a password */
  { "https://alice@example.net/x", TACT_ID_PASSWORD, 0, NONE },
  /* Talk about passwords, not passwords (were block/high) */
  { "the password is weak", TACT_ID_PASSWORD, 0, NONE },
  { "my password is too short", TACT_ID_PASSWORD, 0, NONE },
  { "Password is required", TACT_ID_PASSWORD, 0, NONE },
  { "pwd: /home/alice", TACT_ID_PASSWORD, 0, NONE },
  { "PWD: s3cret!", TACT_ID_PASSWORD, 0, NONE },                                  /* pwd only as pwd= */
  { "Password: required", TACT_ID_PASSWORD, 0, NONE },
  { "the password is 8 characters long", TACT_ID_PASSWORD, 0, NONE },
  { "password is hunter", TACT_ID_PASSWORD, 0, NONE },                            /* a word after "is" */
  { "密码是什么", TACT_ID_PASSWORD, 0, NONE },
  { "密码是 1234", TACT_ID_PASSWORD, 0, NONE },                                   /* short digits after 是 */
  { "password: ~/.ssh/id_rsa", TACT_ID_PASSWORD, 0, NONE },
  { "密码：******", TACT_ID_PASSWORD, 0, NONE },                                 /* masked */
  { "密码：忘了怎么办", TACT_ID_PASSWORD, 0, NONE },                               /* no value */
  { "我的手机，密码忘了", TACT_ID_PASSWORD, 0, NONE },
  { "passwords are stored hashed", TACT_ID_PASSWORD, 0, NONE },
  /* URLs */
  { "see https://files.example.net/a.zip", TACT_ID_URL, 1, NONE },
  { "see www.example.net", TACT_ID_URL, 1, NONE },
};

static void
test_identifier_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (identifier_cases); i++)
    {
      g_autoptr(TactNormalized) norm = tact_normalized_new (identifier_cases[i].text, -1);
      g_autofree char *leet = tact_leet_view (norm->text->str, norm->text->len);
      g_autoptr(GArray) found = tact_identifiers_scan (norm->text->str, norm->text->len, leet,
                                                       ALL_ID_KINDS);
      const TactCandidate *first = NULL;
      guint count = 0;

      for (guint k = 0; k < found->len; k++)
        {
          const TactCandidate *c = &g_array_index (found, TactCandidate, k);
          if (c->kind == identifier_cases[i].kind)
            {
              count++;
              first = first != NULL ? first : c;
            }
        }
      g_test_message ("case %u (%s)", i, tact_id_kind_to_string (identifier_cases[i].kind));
      g_assert_cmpuint (count, ==, identifier_cases[i].count);
      if (identifier_cases[i].confidence != NONE)
        g_assert_cmpint (first->confidence, ==, identifier_cases[i].confidence);
    }
}

static void
test_identifier_validators (void)
{
  g_assert_true (tact_prc_id_is_valid ("11010519491231002X"));
  g_assert_false (tact_prc_id_is_valid ("110105194912310021"));
  g_assert_false (tact_prc_id_is_valid ("11010519491231002"));
  g_assert_true (tact_uscc_is_valid ("91350100M000100Y43"));
  g_assert_false (tact_uscc_is_valid ("91350100M000100Y44"));
  g_assert_true (tact_luhn_is_valid ("6225880123456783"));
  g_assert_false (tact_luhn_is_valid ("6225880123456784"));
  g_assert_true (tact_bank_card_is_test_number ("4111111111111111"));
  g_assert_true (tact_iban_is_valid ("GB82WEST12345698765432"));
  g_assert_true (tact_iban_is_valid ("NL91ABNA0417164300"));
  g_assert_false (tact_iban_is_valid ("NL91ABNA0417164301"));
  g_assert_false (tact_iban_is_valid ("XX91ABNA0417164300"));     /* unknown country */
  g_assert_true (tact_hk_id_is_valid ("A123456(3)"));
  g_assert_false (tact_hk_id_is_valid ("A123456(4)"));
  g_assert_true (tact_tw_id_is_valid ("A123456789"));
  g_assert_false (tact_tw_id_is_valid ("A123456780"));
  g_assert_true (tact_host_matches ("docs.github.com", "github.com"));
  g_assert_false (tact_host_matches ("evilgithub.com", "github.com"));
}

/* Offsets of identifier findings are in the original text, like terms. */
static void
test_identifier_offsets (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = check_text (profile, "😀卡号：６２２５ ８８０１ ２３４５ ６７８３。", 0);
  const TactFinding *finding = tact_test_find_rule (verdict, "pub1-financial-accounts");

  g_assert_nonnull (finding);
  g_assert_cmpint (finding->start, ==, 4);
  g_assert_cmpint (finding->end, ==, 23);
  g_assert_cmpstr (finding->matched, ==, "６２２５ ８８０１ ２３４５ ６７８３");
  g_assert_cmpstr (finding->detector, ==, "identifier:bank_card");
}

/* ------------------------------------------------------------------------- */
/* §4 Confidence                                                             */
/* ------------------------------------------------------------------------- */

#define CARD_RULE(extra) \
  "{\"id\":\"cards\",\"title\":{\"en\":\"T\",\"zh_CN\":\"T\",\"zh_TW\":\"T\"}," \
  "\"explanation\":{\"en\":\"E\",\"zh_CN\":\"E\",\"zh_TW\":\"E\"},\"clauses\":[\"PUB-1\"]," \
  "\"detectors\":[{\"type\":\"identifier\",\"kinds\":[\"bank_card\",\"cn_mobile\"]," \
  "\"support\":{\"keywords\":[\"卡号\",\"card\"],\"window\":20}}]" extra ",\"action\":\"warn\"}"

static const struct {
  const char *text;
  int         confidence;   /* NONE: no finding */
} proximity_cases[] = {
  { "4539578763621486", TACT_CONFIDENCE_MEDIUM },
  { "卡号 4539578763621486", TACT_CONFIDENCE_HIGH },                   /* keyword before */
  { "4539578763621486 is my card", TACT_CONFIDENCE_HIGH },             /* keyword after */
  { "卡號 4539578763621486", TACT_CONFIDENCE_HIGH },                   /* traditional keyword */
  { "卡号 ........................ 4539578763621486", TACT_CONFIDENCE_MEDIUM },  /* outside the window */
  { "cardboard 4539578763621486", TACT_CONFIDENCE_MEDIUM },            /* not the word card */
  { "9999123456789019", TACT_CONFIDENCE_LOW },
  { "card 9999123456789019", TACT_CONFIDENCE_MEDIUM },
};

static void
test_confidence_proximity (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = profile_from_string (PROFILE (CARD_RULE ("")), &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (proximity_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, proximity_cases[i].text, 0);

      g_test_message ("case %u", i);
      g_assert_cmpuint (verdict->findings->len, ==, 1);
      g_assert_cmpint (((TactFinding *) verdict->findings->pdata[0])->confidence, ==,
                       proximity_cases[i].confidence);
    }
}

static void
test_confidence_minimum (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile =
    profile_from_string (PROFILE (CARD_RULE (",\"min_confidence\":\"high\"")), &error);
  g_autoptr(TactVerdict) plain = NULL;
  g_autoptr(TactVerdict) supported = NULL;

  g_assert_no_error (error);
  plain = check_text (profile, "4539578763621486", 0);
  supported = check_text (profile, "card 4539578763621486", 0);
  g_assert_cmpuint (plain->findings->len, ==, 0);
  g_assert_cmpint (plain->action, ==, TACT_ACTION_ALLOW);
  g_assert_cmpuint (supported->findings->len, ==, 1);
  g_assert_cmpint (supported->action, ==, TACT_ACTION_WARN);
}

/* min_instances counts distinct values: the same number twice is one. */
static const struct {
  const char *text;
  guint       findings;
} instance_cases[] = {
  { "13800138000", 0 },
  { "13800138000 and again 13800138000", 0 },
  { "13800138000 and 13912345678", 2 },
  { "13800138000, +86 139-1234-5678, 13700001111", 3 },
};

static void
test_confidence_min_instances (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile =
    profile_from_string (PROFILE (CARD_RULE (",\"min_instances\":2")), &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (instance_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, instance_cases[i].text, 0);

      g_test_message ("case %u", i);
      g_assert_cmpuint (verdict->findings->len, ==, instance_cases[i].findings);
    }
}

/* ------------------------------------------------------------------------- */
/* §5 Exact data match                                                       */
/* ------------------------------------------------------------------------- */

#define SALT "00112233445566778899aabbccddeeff"

static TactProfile *
exact_profile (void)
{
  g_autoptr(GBytes) salt = tact_policy_hex_decode (SALT);
  const char *values[] = { "张三", "+86 138-0013-8000", "John Smith", "11010519491231002X" };
  g_autoptr(GString) hashes = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *rule = NULL;
  g_autofree char *json = NULL;
  TactProfile *profile;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *hash = tact_policy_hash_value (salt, values[i]);
      g_string_append_printf (hashes, "%s\"%s\"", i > 0 ? "," : "", hash);
    }
  rule = replace (RULE, "{\"type\":\"terms\",\"terms\":[\"机密\"]}", "@");
  {
    g_autofree char *detector = g_strdup_printf (
      "{\"type\":\"exact\",\"salt\":\"" SALT "\",\"hashes\":[%s],"
      "\"token_kinds\":[\"name\",\"phone\",\"id\"]}", hashes->str);
    g_autofree char *with_detector = replace (rule, "@", detector);
    g_autofree char *wrapped = g_strdup_printf ("{\"format\":1,\"id\":\"t\",\"version\":\"1\","
                                                "\"name\":{\"en\":\"N\",\"zh_CN\":\"N\",\"zh_TW\":\"N\"},"
                                                "\"rules\":[%s]}", with_detector);
    json = g_steal_pointer (&wrapped);
  }
  profile = profile_from_string (json, &error);
  g_assert_no_error (error);
  return profile;
}

static const struct {
  const char *text;
  guint       findings;
  const char *matched;   /* of the first finding */
} exact_cases[] = {
  { "请联系张三", 1, "张三" },
  { "请联系張三", 0, NULL },                              /* the hash is of the simplified name */
  { "请联系张 三", 1, "张 三" },                            /* normalised like terms */
  { "张四和李三", 0, NULL },
  { "电话 13800138000", 1, "13800138000" },                /* +86 in the list, not in the text */
  { "电话 138 0013 8000", 1, "138 0013 8000" },
  { "电话 13800138001", 0, NULL },
  { "电话 +86 13800138000", 1, "86 13800138000" },
  { "Dear JOHN  SMITH,", 1, "JOHN  SMITH" },
  { "Dear John Smithson", 0, NULL },
  { "证件 11010519491231002x", 1, "11010519491231002x" },
};

static void
test_exact_match (void)
{
  g_autoptr(TactProfile) profile = exact_profile ();

  for (guint i = 0; i < G_N_ELEMENTS (exact_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, exact_cases[i].text, 0);

      g_test_message ("case %u", i);
      g_assert_cmpuint (verdict->findings->len, ==, exact_cases[i].findings);
      if (exact_cases[i].matched != NULL)
        {
          const TactFinding *finding = g_ptr_array_index (verdict->findings, 0);
          g_assert_cmpstr (finding->matched, ==, exact_cases[i].matched);
          g_assert_cmpstr (finding->detector, ==, "exact");
          g_assert_cmpint (finding->confidence, ==, TACT_CONFIDENCE_HIGH);
        }
    }
}

static void
test_exact_canonical (void)
{
  g_autoptr(GBytes) salt = tact_policy_hex_decode (SALT);
  g_autofree char *a = tact_policy_hash_value (salt, "138-0013-8000");
  g_autofree char *b = tact_policy_hash_value (salt, " 13800138000 ");
  g_autofree char *c = tact_policy_hash_value (salt, "张三");
  g_autoptr(GBytes) other_salt = tact_policy_hex_decode ("ffeeddccbbaa99887766");
  g_autofree char *d = tact_policy_hash_value (other_salt, "张三");
  g_autofree char *canonical = tact_exact_canonical ("ＪＯＨＮ　Smith");

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpuint (strlen (c), ==, 64);
  g_assert_cmpstr (c, !=, d);   /* salted */
  g_assert_cmpstr (canonical, ==, "john smith");
  g_assert_null (tact_policy_hex_decode ("abc"));
  g_assert_null (tact_policy_hex_decode ("zz"));
}

/* ------------------------------------------------------------------------- */
/* Security regressions                                                      */
/* ------------------------------------------------------------------------- */

/* When vectorscan cannot scan, the verdict blocks and says why. */
static void
test_security_fail_closed (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = NULL;
  const TactFinding *finding;

  tact_profile_set_scan_failure_for_testing (profile, TRUE);
  g_test_expect_message ("Tact-Policy", G_LOG_LEVEL_MESSAGE, "Policy check failed closed*");
  verdict = check_text (profile, "明天开会", 0);
  g_test_assert_expected_messages ();
  tact_profile_set_scan_failure_for_testing (profile, FALSE);

  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
  finding = tact_test_find_rule (verdict, TACT_GUARD_ERROR_RULE);
  g_assert_nonnull (finding);
  g_assert_cmpint (finding->action, ==, TACT_ACTION_BLOCK);
  g_assert_cmpint (finding->start, ==, -1);
  g_assert_nonnull (finding->explanation);
  g_assert_nonnull (finding->alternative);
}

/* Excerpts never contain an identifier: first and last two characters only. */
static const struct {
  const char *text;
  const char *rule;
  const char *secret;     /* must not appear in the excerpt */
  const char *excerpt;
} excerpt_cases[] = {
  { "身份证 11010519491231002X", "pub1-personal-ids", "0105194912310", "11•••2X" },
  { "卡号 6225880123456783", "pub1-financial-accounts", "58801234567", "62•••83" },
  { "服务器密码：Abc12345", "pub1-credentials", "Abc123", "密码•••45" },
};

static void
test_security_masked_excerpts (void)
{
  g_autoptr(TactProfile) profile = load_default ();

  for (guint i = 0; i < G_N_ELEMENTS (excerpt_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, excerpt_cases[i].text, 0);
      const TactFinding *finding = tact_test_find_rule (verdict, excerpt_cases[i].rule);
      g_autofree char *excerpt = NULL;

      g_test_message ("case %u", i);
      g_assert_nonnull (finding);
      excerpt = tact_finding_dup_excerpt (finding);
      g_assert_null (strstr (excerpt, excerpt_cases[i].secret));
      g_assert_cmpstr (excerpt, ==, excerpt_cases[i].excerpt);
    }
}

/* Well-known test card numbers are not findings (they are not leaks). */
static void
test_security_test_cards (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = check_text (profile, "测试卡号 4111111111111111 和 4242424242424242", 1);

  g_assert_null (tact_test_find_rule (verdict, "pub1-financial-accounts"));
}

/* ------------------------------------------------------------------------- */
/* Profile format: new keys                                                  */
/* ------------------------------------------------------------------------- */

static const struct {
  const char *from;
  const char *to;
  const char *message;
} new_key_errors[] = {
  { "{\"type\":\"terms\",\"terms\":[\"机密\"]}", "{\"type\":\"identifier\",\"kinds\":[\"ssn\"]}",
    "$.rules[0].detectors[0].kinds[0]: expected one of prc_id" },
  { "{\"type\":\"terms\",\"terms\":[\"机密\"]}", "{\"type\":\"identifier\"}",
    "$.rules[0].detectors[0]: missing required key \"kinds\"" },
  { "{\"type\":\"terms\",\"terms\":[\"机密\"]}",
    "{\"type\":\"identifier\",\"kinds\":[\"email\"],\"known_hosts\":[\"a.com\"]}",
    "$.rules[0].detectors[0].known_hosts: known_hosts only applies" },
  { "{\"type\":\"terms\",\"terms\":[\"机密\"]}",
    "{\"type\":\"terms\",\"terms\":[\"机密\"],\"support\":{\"keywords\":[\"x\"],\"window\":0}}",
    "$.rules[0].detectors[0].support.window: expected a window" },
  { "{\"type\":\"terms\",\"terms\":[\"机密\"]}",
    "{\"type\":\"terms\",\"terms\":[\"机密\"],\"support\":{\"words\":[\"x\"]}}",
    "$.rules[0].detectors[0].support: unknown key \"words\"" },
  { "{\"type\":\"terms\",\"terms\":[\"机密\"]}",
    "{\"type\":\"exact\",\"salt\":\"00\",\"hashes\":[\"ab\"],\"token_kinds\":[\"name\"]}",
    "$.rules[0].detectors[0].salt: expected at least 16" },
  { "{\"type\":\"terms\",\"terms\":[\"机密\"]}",
    "{\"type\":\"exact\",\"salt\":\"0011223344556677\",\"hashes\":[\"ab\"],\"token_kinds\":[\"name\"]}",
    "$.rules[0].detectors[0].hashes[0]: expected a SHA-256 hash" },
  { "{\"type\":\"terms\",\"terms\":[\"机密\"]}",
    "{\"type\":\"exact\",\"salt\":\"0011223344556677\",\"hashes\":[\"" \
    "0000000000000000000000000000000000000000000000000000000000000000\"],\"token_kinds\":[\"dna\"]}",
    "$.rules[0].detectors[0].token_kinds[0]: expected one of name" },
  { "\"action\":\"warn\"", "\"action\":\"approve\"",
    "$.rules[0]: missing required key \"approver\"" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"action_if_external\":\"approve\"",
    "$.rules[0]: missing required key \"approver\"" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"approver\":{\"role\":\"department_head\"}",
    "$.rules[0].approver: an approver is only used" },
  { "\"action\":\"warn\"", "\"action\":\"approve\",\"approver\":{}",
    "$.rules[0].approver: missing required key \"role\"" },
  { "\"action\":\"warn\"", "\"action\":\"approve\",\"approver\":{\"role\":\"x\",\"users\":[\"bob\"]}",
    "$.rules[0].approver.users[0]: expected a Matrix user id" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"min_confidence\":\"certain\"",
    "$.rules[0].min_confidence: expected one of low, medium, high" },
  { "\"action\":\"warn\"", "\"action\":\"warn\",\"min_instances\":0",
    "$.rules[0].min_instances: expected a positive integer" },
};

static void
test_profile_new_key_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (new_key_errors); i++)
    {
      g_autofree char *json = replace (PROFILE (RULE), new_key_errors[i].from, new_key_errors[i].to);
      g_autoptr(GError) error = NULL;
      g_autoptr(TactProfile) profile = profile_from_string (json, &error);

      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(no error)");
      g_assert_null (profile);
      g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, new_key_errors[i].message));
    }
}

static void
test_profile_approver (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = NULL;
  TactOutgoing outgoing = { "通知：即日起新品发布会延期", 0, 30, TACT_ROOM_KIND_ANNOUNCEMENT };
  const TactFinding *finding;

  verdict = tact_profile_check (profile, &outgoing);
  finding = tact_test_find_rule (verdict, "pub3-business-release");
  g_assert_nonnull (finding);
  g_assert_cmpint (finding->action, ==, TACT_ACTION_APPROVE);
  g_assert_cmpstr (finding->approver, ==, "department_head");
}

/* ------------------------------------------------------------------------- */
/* The default profile: each clause it claims, without and with externals    */
/* ------------------------------------------------------------------------- */

static const struct {
  const char  *clause;
  const char  *rule;
  const char  *text;
  TactRoomKind kind;
  guint        members;
  TactAction   internal;   /* ALLOW: the rule does not fire */
  TactAction   external;
} clause_cases[] = {
  { "PUB-1", "pub1-secrets", "这份报价单不要外传", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_JUSTIFY, TACT_ACTION_BLOCK },
  { "PUB-1", "pub1-credentials", "服务器密码：Abc12345", TACT_ROOM_KIND_DM, 2, TACT_ACTION_BLOCK, TACT_ACTION_BLOCK },
  { "PUB-1", "pub1-credentials", "token ghp_0123456789abcdefghijABCDEFGHIJ012345", TACT_ROOM_KIND_DM, 2, TACT_ACTION_BLOCK, TACT_ACTION_BLOCK },
  { "PUB-2", "pub1-personal-ids", "身份证 11010519491231002X", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_JUSTIFY, TACT_ACTION_BLOCK },
  { "PUB-2", "pub1-financial-accounts", "银行卡号 6225880123456783", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_JUSTIFY, TACT_ACTION_BLOCK },
  { "PUB-3", "pub3-business-release", "通知：即日起新品发布会延期", TACT_ROOM_KIND_ANNOUNCEMENT, 30, TACT_ACTION_APPROVE, TACT_ACTION_APPROVE },
  { "PUB-4", "pub4-important-group", "重要通知：明天全员开会", TACT_ROOM_KIND_GROUP, 25, TACT_ACTION_APPROVE, TACT_ACTION_APPROVE },
  { "PUB-4", "pub4-important-group", "重要通知：明天全员开会", TACT_ROOM_KIND_GROUP, 5, TACT_ACTION_ALLOW, TACT_ACTION_ALLOW },
  { "PUB-5", "pub5-rumours", "听说公司要裁员了", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_WARN, TACT_ACTION_JUSTIFY },
  { "PUB-6", "pub6-civility", "你真是个白痴", TACT_ROOM_KIND_DM, 2, TACT_ACTION_WARN, TACT_ACTION_JUSTIFY },
  { "PUB-7", "pub7-off-topic", "帮忙砍一刀，谢谢", TACT_ROOM_KIND_GROUP, 5, TACT_ACTION_WARN, TACT_ACTION_WARN },
  { "PUB-7", "pub7-off-topic", "帮忙砍一刀，谢谢", TACT_ROOM_KIND_DM, 2, TACT_ACTION_ALLOW, TACT_ACTION_ALLOW },
  { "PUB-8", "pub8-contact-list", "13800138000、13912345678、13700001111", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_WARN, TACT_ACTION_BLOCK },
  { "PUB-8", "pub8-forwarded-records", "我把他的聊天记录发你", TACT_ROOM_KIND_DM, 2, TACT_ACTION_WARN, TACT_ACTION_JUSTIFY },
  { "PUB-10", "pub10-promises", "我们保证准时交付", TACT_ROOM_KIND_DM, 2, TACT_ACTION_WARN, TACT_ACTION_JUSTIFY },
  { "PUB-11", "pub11-marketing-claims", "我们的产品全网最低价", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_WARN, TACT_ACTION_APPROVE },
  { "EXT-1", "ext1-confidential-external", "这是机密", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_ALLOW, TACT_ACTION_BLOCK },
  { "EXT-2", "ext2-important-external", "这是我们的报价，请查收", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_ALLOW, TACT_ACTION_APPROVE },
  { "EXT-3", "ext3-customer-contacts", "客户王总的电话是 13912345678", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_ALLOW, TACT_ACTION_BLOCK },
  { "EXT-3", "ext3-customer-contacts", "我的电话是 13912345678", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_ALLOW, TACT_ACTION_ALLOW },
  { "EXT-4", "ext4-unknown-links", "资料在这里 http://files.unknown-share.net/x.zip", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_ALLOW, TACT_ACTION_WARN },
  { "EXT-4", "ext4-unknown-links", "代码在 https://github.com/tact/tact", TACT_ROOM_KIND_GROUP, 3, TACT_ACTION_ALLOW, TACT_ACTION_ALLOW },
  { "FILE-1", "file1-classified-text", "这份机密文件我发你", TACT_ROOM_KIND_DM, 2, TACT_ACTION_JUSTIFY, TACT_ACTION_BLOCK },
  { "FILE-2", "file2-archive-password", "解压密码稍后单独发你", TACT_ROOM_KIND_DM, 2, TACT_ACTION_WARN, TACT_ACTION_JUSTIFY },
  { "FILE-3", "file1-classified-text", "密级：秘密级", TACT_ROOM_KIND_DM, 2, TACT_ACTION_JUSTIFY, TACT_ACTION_BLOCK },
};

static void
test_default_clauses (void)
{
  g_autoptr(TactProfile) profile = load_default ();

  for (guint i = 0; i < G_N_ELEMENTS (clause_cases); i++)
    for (guint external = 0; external <= 1; external++)
      {
        TactOutgoing outgoing = {
          .text = clause_cases[i].text,
          .external_count = external,
          .member_count = MAX (clause_cases[i].members, external + 2),
          .room_kind = clause_cases[i].kind,
        };
        g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);
        const TactFinding *finding = tact_test_find_rule (verdict, clause_cases[i].rule);
        TactAction expected = external ? clause_cases[i].external : clause_cases[i].internal;

        g_test_message ("case %u (%s), external %u", i, clause_cases[i].clause, external);
        if (expected == TACT_ACTION_ALLOW)
          {
            g_assert_null (finding);
            continue;
          }
        g_assert_nonnull (finding);
        g_assert_true (g_strv_contains ((const char * const *) finding->clauses, clause_cases[i].clause));
        g_assert_cmpint (finding->action, ==, expected);
        g_assert_cmpint (verdict->action, >=, expected);
        if (expected == TACT_ACTION_BLOCK)
          g_assert_nonnull (finding->alternative);
        if (expected == TACT_ACTION_APPROVE)
          g_assert_nonnull (finding->approver);
      }
}

/* Every PUB, EXT and FILE clause a detector can serve is claimed by a rule,
 * and the list below names every such clause the profile claims (so neither
 * can drift). PUB-9 (posting frequency) is served by no detector: a profile
 * judges one outgoing action, not a rate (docs/profile.md, clause coverage).
 * Every rule speaks the three languages. */
static void
test_default_clause_coverage (void)
{
  static const char * const clauses[] = {
    "PUB-1", "PUB-2", "PUB-3", "PUB-4", "PUB-5", "PUB-6", "PUB-7", "PUB-8", "PUB-10", "PUB-11",
    "EXT-1", "EXT-2", "EXT-3", "EXT-4", "FILE-1", "FILE-2", "FILE-3", "FILE-4",
  };
  static const char * const unserved[] = { "PUB-9" };
  g_autoptr(TactProfile) profile = load_default ();

  for (guint c = 0; c < G_N_ELEMENTS (clauses); c++)
    {
      gboolean claimed = FALSE;

      for (guint r = 0; r < tact_profile_get_n_rules (profile) && !claimed; r++)
        claimed = g_strv_contains (tact_rule_get_clauses (tact_profile_get_rule (profile, r)),
                                   clauses[c]);
      g_test_message ("%s", clauses[c]);
      g_assert_true (claimed);
    }

  for (guint r = 0; r < tact_profile_get_n_rules (profile); r++)
    {
      const TactRule *rule = tact_profile_get_rule (profile, r);
      const char * const *claimed = tact_rule_get_clauses (rule);

      g_test_message ("rule %s", tact_rule_get_id (rule));
      for (guint c = 0; claimed[c] != NULL; c++)
        {
          if (g_str_has_prefix (claimed[c], "PUB-") || g_str_has_prefix (claimed[c], "EXT-") ||
              g_str_has_prefix (claimed[c], "FILE-"))
            g_assert_true (g_strv_contains (clauses, claimed[c]));
          g_assert_false (g_strv_contains (unserved, claimed[c]));
        }
      for (guint l = 0; l < TACT_N_LANGS; l++)
        {
          g_assert_nonnull (rule->title.text[l]);
          g_assert_nonnull (rule->explanation.text[l]);
        }
      /* Really translated: the Chinese texts are not the English one. */
      g_assert_cmpstr (rule->title.text[TACT_LANG_ZH_CN], !=, rule->title.text[TACT_LANG_EN]);
      g_assert_cmpstr (rule->title.text[TACT_LANG_ZH_TW], !=, rule->title.text[TACT_LANG_EN]);
      g_assert_cmpstr (rule->explanation.text[TACT_LANG_ZH_CN], !=, rule->explanation.text[TACT_LANG_EN]);
      g_assert_cmpstr (rule->explanation.text[TACT_LANG_ZH_TW], !=, rule->explanation.text[TACT_LANG_EN]);
    }
}

/* ------------------------------------------------------------------------- */
/* CLI                                                                       */
/* ------------------------------------------------------------------------- */

/* The --json object has exactly the keys of the issue, with real values. */
static void
test_cli_json_shape (void)
{
  static const char * const keys[] = {
    "rule", "clauses", "action", "detector", "confidence", "start", "end", "attachment", "where",
    "excerpt"
  };
  g_auto(CliResult) result = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonArray *findings;
  JsonObject *finding;

  run_cli ((const char *[]) { "check", "--json", "卡号 6225880123456783", NULL }, &result);
  if (result.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (result.status, ==, 0);
  /* Security regression: no identifier in the output. */
  g_assert_null (strstr (result.out, "6225880123456783"));
  g_assert_null (strstr (result.out, "58801234"));

  root = parse_object (result.out);
  g_assert_cmpuint (json_object_get_size (root), ==, 3);
  /* justify from the account rule; the classifier may add a stricter reading. */
  g_assert_true (g_str_equal (json_object_get_string_member (root, "action"), "justify") ||
                 g_str_equal (json_object_get_string_member (root, "action"), "block"));
  findings = json_object_get_array_member (root, "findings");
  finding = NULL;
  for (guint i = 0; i < json_array_get_length (findings); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (findings, i),
                                                    "rule"), "pub1-financial-accounts"))
      finding = json_array_get_object_element (findings, i);
  g_assert_nonnull (finding);
  g_assert_cmpuint (json_object_get_size (finding), ==, G_N_ELEMENTS (keys));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (finding, keys[i]));
  g_assert_cmpstr (json_object_get_string_member (finding, "rule"), ==, "pub1-financial-accounts");
  g_assert_cmpstr (json_object_get_string_member (finding, "detector"), ==, "identifier:bank_card");
  g_assert_cmpstr (json_object_get_string_member (finding, "confidence"), ==, "high");
  g_assert_cmpint (json_object_get_int_member (finding, "start"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (finding, "end"), ==, 19);
  g_assert_true (json_object_get_null_member (finding, "attachment"));
  g_assert_true (json_object_get_null_member (finding, "where"));
  g_assert_cmpstr (json_object_get_string_member (finding, "excerpt"), ==, "62•••83");
}

static void
test_cli_hash (void)
{
  g_auto(CliResult) result = { 0 };
  g_auto(CliResult) bad = { 0 };
  g_autoptr(GBytes) salt = tact_policy_hex_decode (SALT);
  g_autofree char *a = tact_policy_hash_value (salt, "张三");
  g_autofree char *b = tact_policy_hash_value (salt, "13800138000");
  g_autofree char *expected = g_strdup_printf ("%s\n%s\n", a, b);

  run_cli ((const char *[]) { "hash", "--salt", SALT, "张三", "138 0013 8000", NULL }, &result);
  if (result.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (result.status, ==, 0);
  g_assert_cmpstr (result.out, ==, expected);

  run_cli ((const char *[]) { "hash", "--salt", "xyz", "张三", NULL }, &bad);
  g_assert_cmpint (bad.status, ==, 2);
}

static void
test_cli_explain_identifier (void)
{
  g_auto(CliResult) result = { 0 };

  run_cli ((const char *[]) { "explain", "--external", "1", "身份证 11010519491231002X", NULL }, &result);
  if (result.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "PUB-1"));
  g_assert_nonnull (strstr (result.out, "11•••2X"));
  g_assert_null (strstr (result.out, "0105194912310"));
}

/* Regressions found by fuzz-profile: an empty profile (json-glib was handed a
 * NULL pointer: a critical), and json-glib messages quoting a token cut inside
 * a character or spanning lines (the error must be UTF-8, one line per error). */
static void
test_profile_fuzz_regressions (void)
{
  static const char * const inputs[] = {
    "",
    "{\"a\": \"身分證字號等證件號碼屬於客戶和同事的個人資料  \"b\": 1}",
    "{\"forma{\n  \"format\": 1}",
  };
  /* Keys and values with control characters are quoted escaped. */
  g_autofree char *control = replace (PROFILE (RULE), "\"action\":\"warn\"",
                                      "\"action\":\"warn\",\"mi\\n_x\":1,\"approver\":{\"role\":\"a\","
                                      "\"users\":[\"\\u000b@a:example.com\"]}");
  g_autoptr(GError) control_error = NULL;
  g_autoptr(TactProfile) control_profile = profile_from_string (control, &control_error);
  g_auto(GStrv) lines = NULL;

  g_assert_null (control_profile);
  g_assert_error (control_error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID);
  lines = g_strsplit (control_error->message, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 2);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_true (g_str_has_prefix (lines[i], "$"));
  g_assert_nonnull (strstr (control_error->message, "unknown key \"mi\\u000a_x\""));

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TactProfile) profile = profile_from_string (inputs[i], &error);

      g_test_message ("case %u", i);
      g_assert_null (profile);
      g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_PARSE);
      g_assert_true (g_str_has_prefix (error->message, "$: not valid JSON"));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_null (strchr (error->message, '\n'));
    }
}

/* Found by fuzz-scan under ASan: support keywords were de-duplicated through
 * pointers into a freed array (use after free). Each keyword's variants must be
 * kept once, all of them. */
static void
test_profile_support_keywords (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(TactProfileData) data = NULL;
  g_autofree char *text = replace (PROFILE (RULE), "\"terms\":[\"机密\"]",
    "\"terms\":[\"机密\"],\"support\":{\"keywords\":[\"身份证\",\"身份證\",\"卡号\","
    "\"卡號\",\"card\",\"CARD\",\"账户\"]}");
  const TactDetector *detector;
  const char *expected[] = { "身份证", "卡号", "card", "账户" };

  json = g_bytes_new (text, strlen (text));
  data = tact_profile_data_parse (json, &error);
  g_assert_no_error (error);
  detector = g_ptr_array_index (((TactRule *) g_ptr_array_index (data->rules, 0))->detectors, 0);
  g_assert_nonnull (detector->support_norm);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      guint n = 0;

      for (guint k = 0; k < detector->support_norm->len; k++)
        n += g_str_equal (g_ptr_array_index (detector->support_norm, k), expected[i]);
      g_test_message ("%s", expected[i]);
      g_assert_cmpuint (n, ==, 1);
    }
  for (guint a = 0; a < detector->support_norm->len; a++)
    for (guint b = a + 1; b < detector->support_norm->len; b++)
      g_assert_cmpstr (g_ptr_array_index (detector->support_norm, a), !=,
                       g_ptr_array_index (detector->support_norm, b));
}

/* The CLI takes its text as UTF-8 whatever the locale: under LANG=C,
 * LC_ALL=C or an empty environment GOption used to convert TEXT from ASCII
 * and fail with "Invalid byte sequence in conversion input", exit 2. */
static void
test_cli_c_locale (void)
{
  static const char * const no_env[] = { NULL };
  static const char * const lang_c[] = { "LANG=C", NULL };
  static const char * const lc_all_c[] = { "LC_ALL=C", NULL };
  const char * const *envs[] = { no_env, lang_c, lc_all_c };
  g_autoptr(GBytes) salt = tact_policy_hex_decode (SALT);
  g_autofree char *hash = tact_policy_hash_value (salt, "张三");
  g_autofree char *hash_line = g_strdup_printf ("%s\n", hash);

  for (guint i = 0; i < G_N_ELEMENTS (envs); i++)
    {
      g_auto(CliResult) plain = { 0 };
      g_auto(CliResult) json = { 0 };
      g_auto(CliResult) hashed = { 0 };
      g_autoptr(JsonObject) root = NULL;
      JsonObject *first;

      g_test_message ("environment %u", i);
      run_cli_full ((const char *[]) { "check", "这份机密报价单", NULL }, envs[i], NULL, &plain);
      if (plain.out == NULL)
        return;  /* skipped */
      g_assert_cmpstr (plain.err, ==, "");
      g_assert_cmpint (plain.status, ==, 0);
      g_assert_cmpstr (plain.out, !=, "allow\n");

      /* JSON is UTF-8 even when the locale is ASCII (no "?" for 这). */
      run_cli_full ((const char *[]) { "check", "--json", "这份机密报价单", NULL }, envs[i], NULL, &json);
      g_assert_cmpint (json.status, ==, 0);
      root = parse_object (json.out);
      g_assert_cmpstr (json_object_get_string_member (root, "action"), !=, "allow");
      /* The term finding (a classifier finding may come first). */
      first = NULL;
      for (guint k = 0; k < json_array_get_length (json_object_get_array_member (root, "findings")); k++)
        {
          JsonObject *f = json_array_get_object_element (json_object_get_array_member (root, "findings"), k);
          if (first == NULL && g_str_equal (json_object_get_string_member (f, "rule"), "pub1-secrets"))
            first = f;
        }
      g_assert_nonnull (first);
      g_assert_true (g_str_has_prefix (json_object_get_string_member (first, "excerpt"), "机"));

      run_cli_full ((const char *[]) { "hash", "--salt", SALT, "张三", NULL }, envs[i], NULL, &hashed);
      g_assert_cmpint (hashed.status, ==, 0);
      g_assert_cmpstr (hashed.out, ==, hash_line);
    }
}

/* Bytes that are not UTF-8 (in a UTF-8 locale) are refused with a clear error. */
static void
test_cli_invalid_utf8 (void)
{
  g_auto(CliResult) arg = { 0 };
  g_auto(CliResult) in = { 0 };
  g_autoptr(GBytes) input = g_bytes_new_static ("\xff\xfe 机密", 9);

  run_cli ((const char *[]) { "check", "bad \xff 机密", NULL }, &arg);
  if (arg.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (arg.status, ==, 2);
  g_assert_nonnull (strstr (arg.err, "TEXT is not valid UTF-8"));

  run_cli_full ((const char *[]) { "check", "-", NULL }, NULL, input, &in);
  g_assert_cmpint (in.status, ==, 2);
  g_assert_nonnull (strstr (in.err, "not valid UTF-8"));
}

/* Security regression: a NUL on standard input used to end the text, so
 * `printf 'a\0机密' | tact-policy check -` was allowed. */
static void
test_cli_stdin_nul (void)
{
  static const struct {
    const char *bytes;
    gsize       len;
    glong       start;   /* of the pub1-secrets finding */
  } cases[] = {
    { "a\0机密", 8, 2 },
    { "\0\0这是机密\n", 16, 4 },
    { "机\0密", 7, 0 },     /* a NUL inside the word is a separator like a space */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) input = g_bytes_new_static (cases[i].bytes, cases[i].len);
      g_auto(CliResult) result = { 0 };
      g_autoptr(JsonObject) root = NULL;
      JsonArray *findings;
      gboolean found = FALSE;

      g_test_message ("case %u", i);
      run_cli_full ((const char *[]) { "check", "--json", "-", NULL }, NULL, input, &result);
      if (result.out == NULL)
        return;  /* skipped */
      g_assert_cmpint (result.status, ==, 0);
      root = parse_object (result.out);
      g_assert_cmpstr (json_object_get_string_member (root, "action"), !=, "allow");
      findings = json_object_get_array_member (root, "findings");
      for (guint f = 0; f < json_array_get_length (findings); f++)
        {
          JsonObject *finding = json_array_get_object_element (findings, f);

          if (g_str_equal (json_object_get_string_member (finding, "rule"), "pub1-secrets"))
            {
              found = TRUE;
              g_assert_cmpint (json_object_get_int_member (finding, "start"), ==, cases[i].start);
            }
        }
      g_assert_true (found);
    }
}

/* The usage text lists every option of check, --attach included. */
static void
test_cli_usage_text (void)
{
  g_auto(CliResult) usage = { 0 };
  g_auto(CliResult) help = { 0 };

  run_cli ((const char *[]) { NULL }, &usage);
  if (usage.out == NULL)
    return;  /* skipped */
  g_assert_cmpint (usage.status, ==, 2);
  g_assert_nonnull (strstr (usage.err, "[--attach FILE]..."));
  run_cli ((const char *[]) { "check", "--help", NULL }, &help);
  g_assert_cmpint (help.status, ==, 0);
  g_assert_nonnull (strstr (help.out, "--attach"));
}

/* ------------------------------------------------------------------------- */
/* Profile format 2: roles, approvals, audit, announcement (issue 7)          */
/* ------------------------------------------------------------------------- */

#define APPROVE_RULE \
  "{\"id\":\"r2\",\"title\":{\"en\":\"T\",\"zh_CN\":\"T\",\"zh_TW\":\"T\"}," \
  "\"explanation\":{\"en\":\"E\",\"zh_CN\":\"E\",\"zh_TW\":\"E\"}," \
  "\"clauses\":[\"PUB-3\"],\"detectors\":[{\"type\":\"terms\",\"terms\":[\"通知\"]}]," \
  "\"conditions\":{\"room_kinds\":[\"announcement\"]}," \
  "\"action\":\"approve\",\"approver\":{\"role\":\"department_head\"," \
  "\"users\":[\"@li.wei:corp.test\",\"@wang.fang:corp.test\"]}}"
#define PROFILE2(extra) \
  "{\"format\":2,\"id\":\"t\",\"version\":\"1\"," \
  "\"name\":{\"en\":\"N\",\"zh_CN\":\"N\",\"zh_TW\":\"N\"}," extra \
  "\"rules\":[" RULE "," APPROVE_RULE "]}"
#define FULL2 \
  PROFILE2 ("\"roles\":{\"department_head\":[\"@wang.fang:corp.test\",\"@boss:corp.test\"]," \
            "\"marketing\":[\"@mei:corp.test\"]}," \
            "\"approvals\":{\"room\":\"#approvals:corp.test\",\"expiry_hours\":24}," \
            "\"audit\":{\"supervision_room\":\"!sup:corp.test\",\"include_content\":true}," \
            "\"announcement\":{\"min_members\":50}," \
            "\"company\":{\"homeservers\":[\"corp.test\",\"corp-sh.test\"]," \
            "\"outsiders\":[\"@ext-*:corp.test\"],\"pinned\":true}," \
            "\"retention\":{\"keep_days\":365,\"findings_days\":1825,\"delete_expired\":true},")

static void
test_profile_format2 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) full = profile_from_string (FULL2, &error);
  g_autoptr(TactProfile) bare = NULL;
  g_autoptr(TactProfile) one = NULL;
  g_auto(GStrv) heads = NULL;
  g_auto(GStrv) nobody = NULL;
  g_auto(GStrv) approvers = NULL;
  g_auto(GStrv) none = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (tact_profile_get_format (full), ==, 2);
  heads = tact_profile_dup_role_users (full, "department_head");
  g_assert_cmpstrv (heads, ((const char *[]) { "@wang.fang:corp.test", "@boss:corp.test", NULL }));
  nobody = tact_profile_dup_role_users (full, "legal");
  g_assert_nonnull (nobody);
  g_assert_null (nobody[0]);
  g_assert_cmpstr (tact_profile_get_approvals_room (full), ==, "#approvals:corp.test");
  g_assert_cmpuint (tact_profile_get_approval_expiry_hours (full), ==, 24);
  g_assert_cmpstr (tact_profile_get_supervision_room (full), ==, "!sup:corp.test");
  g_assert_true (tact_profile_get_audit_include_content (full));
  g_assert_cmpuint (tact_profile_get_announcement_min_members (full), ==, 50);
  /* The company's servers are internal, an outsider's account on them is not (issue 8). */
  g_assert_cmpstrv (tact_profile_get_company_homeservers (full),
                    ((const char *[]) { "corp.test", "corp-sh.test", NULL }));
  g_assert_false (tact_profile_is_external (full, "@li.wei:corp-sh.test", "corp.test"));
  g_assert_false (tact_profile_is_external (full, "@li.wei:corp.test", "corp.test"));
  g_assert_true (tact_profile_is_external (full, "@ext-zhang:corp.test", "corp.test"));
  g_assert_true (tact_profile_is_external (full, "@zhang:partner.test", "corp.test"));
  g_assert_true (tact_profile_is_external (full, "not-a-user-id", "corp.test"));
  g_assert_true (tact_profile_get_company_pinned (full));
  {
    guint keep = 0, findings = 0;
    gboolean delete_expired = FALSE;
    tact_profile_get_retention (full, &keep, &findings, &delete_expired);
    g_assert_cmpuint (keep, ==, 365);
    g_assert_cmpuint (findings, ==, 1825);
    g_assert_true (delete_expired);
  }

  /* The rule's own users, then its role's, each once. */
  approvers = tact_rule_dup_approvers (tact_profile_get_rule (full, 1));
  g_assert_cmpstrv (approvers, ((const char *[]) { "@li.wei:corp.test", "@wang.fang:corp.test",
                                                   "@boss:corp.test", NULL }));
  none = tact_rule_dup_approvers (tact_profile_get_rule (full, 0));
  g_assert_nonnull (none);
  g_assert_null (none[0]);

  /* Format 2 without any of the new keys: the defaults. */
  bare = profile_from_string (PROFILE2 (""), &error);
  g_assert_no_error (error);
  g_assert_null (tact_profile_get_approvals_room (bare));
  g_assert_cmpuint (tact_profile_get_approval_expiry_hours (bare), ==, 72);
  g_assert_null (tact_profile_get_supervision_room (bare));
  g_assert_false (tact_profile_get_audit_include_content (bare));
  g_assert_cmpuint (tact_profile_get_announcement_min_members (bare), ==, 0);
  /* Without "company": only our own server is the company's. */
  g_assert_null (tact_profile_get_company_homeservers (bare));
  g_assert_false (tact_profile_get_company_pinned (bare));
  g_assert_false (tact_profile_is_external (bare, "@a:corp.test", "corp.test"));
  g_assert_true (tact_profile_is_external (bare, "@a:corp-sh.test", "corp.test"));

  /* Format 1 still loads, with the same defaults. */
  one = profile_from_string (PROFILE (RULE), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tact_profile_get_format (one), ==, 1);
  g_assert_cmpuint (tact_profile_get_approval_expiry_hours (one), ==, 72);
  g_assert_cmpuint (tact_profile_get_announcement_min_members (one), ==, 0);
}

/* A rule in shadow mode (format 2): its findings are set aside, the verdict is the others'. */
static void
test_profile_shadow (void)
{
  static const char shadow_rule[] =
    "{\"id\":\"trial\",\"title\":{\"en\":\"T\",\"zh_CN\":\"T\",\"zh_TW\":\"T\"},"
    "\"explanation\":{\"en\":\"E\",\"zh_CN\":\"E\",\"zh_TW\":\"E\"},"
    "\"clauses\":[\"PUB-1\"],\"detectors\":[{\"type\":\"terms\",\"terms\":[\"试验词\"]}],"
    "\"action\":\"block\",\"alternative\":{\"en\":\"A\",\"zh_CN\":\"A\",\"zh_TW\":\"A\"},"
    "\"shadow\":true}";
  g_autofree char *json2 = g_strdup_printf ("{\"format\":2,\"id\":\"t\",\"version\":\"1\","
                                            "\"name\":{\"en\":\"N\",\"zh_CN\":\"N\",\"zh_TW\":\"N\"},"
                                            "\"rules\":[" RULE ",%s]}", shadow_rule);
  g_autofree char *json1 = g_strdup_printf (PROFILE ("%s"), shadow_rule);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = profile_from_string (json2, &error);
  g_autoptr(TactProfile) refused = NULL;
  g_autoptr(TactVerdict) verdict = NULL;
  TactOutgoing outgoing = { 0 };

  g_assert_no_error (error);
  g_assert_true (tact_rule_is_shadow (tact_profile_get_rule (profile, 1)));
  g_assert_false (tact_rule_is_shadow (tact_profile_get_rule (profile, 0)));
  outgoing.member_count = 2;
  outgoing.room_kind = TACT_ROOM_KIND_GROUP;
  outgoing.text = "这是试验词和机密";
  verdict = tact_profile_check (profile, &outgoing);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_WARN);   /* the shadow rule's block is not */
  g_assert_cmpuint (verdict->findings->len, ==, 1);
  g_assert_cmpstr (((TactFinding *) verdict->findings->pdata[0])->rule_id, ==, "r1");
  g_assert_cmpuint (verdict->shadow_findings->len, ==, 1);
  g_assert_cmpstr (((TactFinding *) verdict->shadow_findings->pdata[0])->rule_id, ==, "trial");

  /* Format 1 knows no shadow mode. */
  refused = profile_from_string (json1, &error);
  g_assert_null (refused);
  g_assert_nonnull (strstr (error->message, "unknown key \"shadow\""));
}

/* Several profiles for one person: the most restrictive wins rule by rule (issue 8). */
#define MERGE_RULE(id, term, action) \
  "{\"id\":\"" id "\",\"title\":{\"en\":\"T\",\"zh_CN\":\"T\",\"zh_TW\":\"T\"}," \
  "\"explanation\":{\"en\":\"E\",\"zh_CN\":\"E\",\"zh_TW\":\"E\"},\"clauses\":[\"PUB-1\"]," \
  "\"detectors\":[{\"type\":\"terms\",\"terms\":[\"" term "\"]}],\"action\":\"" action "\"," \
  "\"alternative\":{\"en\":\"A\",\"zh_CN\":\"A\",\"zh_TW\":\"A\"}}"
#define MERGE_PROFILE(id, extra, rules) \
  "{\"format\":2,\"id\":\"" id "\",\"version\":\"1\"," \
  "\"name\":{\"en\":\"N\",\"zh_CN\":\"N\",\"zh_TW\":\"N\"}," extra "\"rules\":[" rules "]}"

static TactAction
merged_action (TactProfile *profile, const char *text, guint external)
{
  TactOutgoing outgoing = { 0 };
  g_autoptr(TactVerdict) verdict = NULL;

  outgoing.text = text;
  outgoing.member_count = 3;
  outgoing.external_count = external;
  outgoing.room_kind = TACT_ROOM_KIND_GROUP;
  verdict = tact_profile_check (profile, &outgoing);
  return verdict->action;
}

static void
test_profile_merge (void)
{
  static const char a[] = MERGE_PROFILE ("sales",
    "\"allow_terms\":[\"合同样本\",\"合同模板\"],"
    "\"company\":{\"homeservers\":[\"corp.test\",\"corp-sh.test\"]},",
    MERGE_RULE ("x", "合同", "warn") "," MERGE_RULE ("y", "底价", "block"));
  static const char b[] = MERGE_PROFILE ("finance",
    "\"allow_terms\":[\"合同模板\"],\"company\":{\"homeservers\":[\"corp.test\"],\"outsiders\":[\"@ext-*:corp.test\"]},",
    MERGE_RULE ("x", "合同", "block") "," MERGE_RULE ("z", "工资", "justify"));
  g_autoptr(GBytes) ja = g_bytes_new_static (a, sizeof a - 1);
  g_autoptr(GBytes) jb = g_bytes_new_static (b, sizeof b - 1);
  GBytes *both[] = { ja, jb };
  g_autoptr(GBytes) merged_json = NULL;
  g_autoptr(TactProfile) merged = NULL;
  g_autoptr(GError) error = NULL;

  merged_json = tact_profile_merge_json (both, 2, &error);
  g_assert_no_error (error);
  merged = tact_profile_new_from_bytes (merged_json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tact_profile_get_id (merged), ==, "sales.finance");
  g_assert_cmpuint (tact_profile_get_n_rules (merged), ==, 3);
  g_assert_cmpint (merged_action (merged, "这份合同", 0), ==, TACT_ACTION_BLOCK);   /* x: finance's */
  g_assert_cmpint (merged_action (merged, "底价是多少", 0), ==, TACT_ACTION_BLOCK);  /* y: sales only */
  g_assert_cmpint (merged_action (merged, "工资单", 0), ==, TACT_ACTION_JUSTIFY);   /* z: finance only */
  /* An exemption counts only where both agree. */
  g_assert_cmpint (merged_action (merged, "合同模板在这里", 0), ==, TACT_ACTION_ALLOW);
  g_assert_cmpint (merged_action (merged, "合同样本在这里", 0), ==, TACT_ACTION_BLOCK);
  /* The company is what both call it. */
  g_assert_true (tact_profile_is_external (merged, "@li:corp-sh.test", "corp.test"));
  g_assert_true (tact_profile_is_external (merged, "@ext-a:corp.test", "corp.test"));
  g_assert_false (tact_profile_is_external (merged, "@li:corp.test", "corp.test"));

  /* A bad input is refused, not merged away. */
  {
    g_autoptr(GBytes) bad = g_bytes_new_static ("{\"format\":2}", 12);
    GBytes *with_bad[] = { ja, bad };
    g_autoptr(GError) bad_error = NULL;
    g_assert_null (tact_profile_merge_json (with_bad, 2, &bad_error));
    g_assert_nonnull (bad_error);
  }
}

/* Each format 2 error, with its JSON path. */
static const struct {
  const char *from;
  const char *to;
  const char *message;
} format2_errors[] = {
  { "\"roles\":{\"department_head\":[", "\"roles\":{\"department_head\":[\"wang\",",
    "$.roles.department_head[0]: expected a Matrix user id" },
  { "\"roles\":{\"department_head\":[", "\"roles\":{\"x\":[],\"department_head\":[",
    "$.roles.x: expected a non-empty array" },
  { "\"roles\":{\"department_head\":[", "\"roles\":{\"bad role\":[\"@a:b\"],\"department_head\":[",
    "$.roles.bad role: expected an identifier" },
  { "\"role\":\"department_head\",\"users\":[\"@li.wei:corp.test\",\"@wang.fang:corp.test\"]",
    "\"role\":\"legal\"", "$.rules[1].approver.role: role \"legal\" is not in $.roles" },
  { "\"roles\":{", "\"roles\":[],\"x\":{", "$.roles: expected an object" },
  { "\"room\":\"#approvals:corp.test\"", "\"room\":\"approvals\"",
    "$.approvals.room: expected a Matrix room id or alias" },
  { "\"expiry_hours\":24", "\"expiry_hours\":0", "$.approvals.expiry_hours: expected a positive integer" },
  { "\"expiry_hours\":24", "\"expiry_hours\":\"24\"",
    "$.approvals.expiry_hours: expected a positive integer, got a string" },
  { "\"expiry_hours\":24", "\"expiry_hours\":24,\"quorum\":2", "$.approvals: unknown key \"quorum\"" },
  { "\"supervision_room\":\"!sup:corp.test\"", "\"supervision_room\":\"!sup\"",
    "$.audit.supervision_room: expected a Matrix room id or alias" },
  { "\"include_content\":true", "\"include_content\":\"yes\"",
    "$.audit.include_content: expected true or false, got a string" },
  { "\"min_members\":50", "\"min_members\":-3", "$.announcement.min_members: expected a positive integer" },
  { "\"announcement\":{\"min_members\":50}", "\"announcement\":{}",
    "$.announcement: missing required key \"min_members\"" },
  { "\"announcement\":{\"min_members\":50}", "\"announcement\":true", "$.announcement: expected an object" },
  { "\"corp-sh.test\"]", "\"https://corp-sh.test/\"]", "$.company.homeservers[1]: expected a server name" },
  { "\"homeservers\":[\"corp.test\",\"corp-sh.test\"]", "\"homeservers\":[]",
    "$.company.homeservers: expected a non-empty array" },
  { "\"outsiders\":[\"@ext-*:corp.test\"]", "\"outsiders\":[\"ext-*\"]",
    "$.company.outsiders[0]: expected a user id pattern" },
  { "\"company\":{", "\"company\":{\"others\":1,", "$.company: unknown key \"others\"" },
  { "\"findings_days\":1825", "\"findings_days\":30",
    "$.retention.findings_days: must not be shorter than keep_days (365)" },
  { "\"delete_expired\":true", "\"delete_expired\":1", "$.retention.delete_expired: expected true or false" },
};

static void
test_profile_format2_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (format2_errors); i++)
    {
      g_autofree char *json = replace (FULL2, format2_errors[i].from, format2_errors[i].to);
      g_autoptr(GError) error = NULL;
      g_autoptr(TactProfile) profile = profile_from_string (json, &error);

      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(no error)");
      g_assert_null (profile);
      g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID);
      if (strstr (error->message, format2_errors[i].message) == NULL)
        g_error ("case %u: “%s” does not contain “%s”", i, error->message, format2_errors[i].message);
    }
}

/* A room of at least "announcement.min_members" members counts as an
 * announcement room for rule conditions; a smaller group does not. */
static void
test_profile_format2_announcement (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = profile_from_string (FULL2, &error);
  TactOutgoing big = { "明天的通知", 0, 50, TACT_ROOM_KIND_GROUP };
  TactOutgoing small = { "明天的通知", 0, 49, TACT_ROOM_KIND_GROUP };
  g_autoptr(TactVerdict) a = NULL;
  g_autoptr(TactVerdict) b = NULL;

  g_assert_no_error (error);
  a = tact_profile_check (profile, &big);
  b = tact_profile_check (profile, &small);
  g_assert_nonnull (tact_test_find_rule (a, "r2"));
  g_assert_cmpint (a->action, ==, TACT_ACTION_APPROVE);
  g_assert_null (tact_test_find_rule (b, "r2"));
}

/* The shipped profile is format 2; its approver roles all resolve to sandbox
 * users, the department head being 王芳. */
static void
test_default_format2 (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_auto(GStrv) heads = NULL;

  g_assert_cmpuint (tact_profile_get_format (profile), ==, 2);
  heads = tact_profile_dup_role_users (profile, "department_head");
  g_assert_cmpstrv (heads, ((const char *[]) { "@wang.fang:corp.test", NULL }));
  for (guint r = 0; r < tact_profile_get_n_rules (profile); r++)
    {
      const TactRule *rule = tact_profile_get_rule (profile, r);
      g_auto(GStrv) approvers = tact_rule_dup_approvers (rule);

      g_test_message ("rule %s", tact_rule_get_id (rule));
      if (tact_rule_get_approver_role (rule) != NULL)
        g_assert_cmpuint (g_strv_length (approvers), >, 0);
      else
        g_assert_cmpuint (g_strv_length (approvers), ==, 0);
    }
  g_assert_cmpuint (tact_profile_get_announcement_min_members (profile), >, 20);
}

/* ------------------------------------------------------------------------- */
/* Security: the guard fails closed (issue 7)                                */
/* ------------------------------------------------------------------------- */

typedef enum {
  GUARD_NULL_PROFILE,
  GUARD_NULL_OUTGOING,
  GUARD_INVALID_UTF8_TEXT,
  GUARD_UNKNOWN_ROOM_KIND,
  GUARD_COUNT_WITHOUT_ATTACHMENTS,
  GUARD_NO_PATH_NO_DATA,
  GUARD_UNREADABLE_PATH,
  GUARD_PATH_DATA_DIFFER,
  GUARD_INVALID_UTF8_NAME,
  GUARD_INVALID_UTF8_CAPTION,
  GUARD_SCAN_FAILURE,
  GUARD_SCAN_FAILURE_IN_FILE,
} GuardCase;

/* Each input would be allowed (or half-checked) if the guard failed open:
 * the message carries a secret the profile blocks, so an allow is a leak. */
static const struct {
  const char *name;
  GuardCase   kind;
  const char *attachment;  /* expected finding->attachment */
} guard_cases[] = {
  { "null-profile", GUARD_NULL_PROFILE, NULL },
  { "null-outgoing", GUARD_NULL_OUTGOING, NULL },
  { "invalid-utf8-text", GUARD_INVALID_UTF8_TEXT, NULL },
  { "unknown-room-kind", GUARD_UNKNOWN_ROOM_KIND, NULL },
  { "attachment-count-without-attachments", GUARD_COUNT_WITHOUT_ATTACHMENTS, NULL },
  { "attachment-without-path-or-data", GUARD_NO_PATH_NO_DATA, "a.txt" },
  { "attachment-unreadable-path", GUARD_UNREADABLE_PATH, "a.txt" },
  { "attachment-path-and-data-differ", GUARD_PATH_DATA_DIFFER, "a.txt" },
  { "attachment-invalid-utf8-name", GUARD_INVALID_UTF8_NAME, NULL },
  { "attachment-invalid-utf8-caption", GUARD_INVALID_UTF8_CAPTION, "a.txt" },
  { "scan-failure", GUARD_SCAN_FAILURE, NULL },
  { "scan-failure-in-attachment", GUARD_SCAN_FAILURE_IN_FILE, NULL },
};

static void
assert_guard_error (const TactVerdict *verdict,
                    const char        *attachment)
{
  const TactFinding *finding;

  g_assert_nonnull (verdict);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
  g_assert_cmpuint (verdict->findings->len, ==, 1);
  finding = g_ptr_array_index (verdict->findings, 0);
  g_assert_cmpstr (finding->rule_id, ==, TACT_GUARD_ERROR_RULE);
  g_assert_cmpstr (finding->rule_id, ==, "guard-error");
  g_assert_cmpstr (finding->detector, ==, "guard");
  g_assert_cmpint (finding->action, ==, TACT_ACTION_BLOCK);
  g_assert_nonnull (finding->clauses);
  g_assert_null (finding->clauses[0]);
  g_assert_cmpint (finding->start, ==, -1);
  g_assert_cmpint (finding->end, ==, -1);
  g_assert_cmpstr (finding->attachment, ==, attachment);
  g_assert_null (finding->where);
  g_assert_null (finding->approver);
  g_assert_nonnull (strstr (finding->explanation, "nothing was sent"));
  g_assert_nonnull (strstr (finding->alternative, "administrator"));
}

static void
test_security_guard_error (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = NULL;
  g_autoptr(GBytes) harmless = g_bytes_new_static ("明天开会", strlen ("明天开会"));
  g_autoptr(GBytes) other = g_bytes_new_static ("机密", strlen ("机密"));
  g_autofree char *path = NULL;
  TactAttachment file = { .name = "a.txt", .data = harmless };
  TactOutgoing outgoing = {
    .text = "这是机密",
    .external_count = 1,
    .member_count = 3,
    .room_kind = TACT_ROOM_KIND_GROUP,
  };

  switch (guard_cases[i].kind)
    {
    case GUARD_NULL_PROFILE:
    case GUARD_NULL_OUTGOING:
    case GUARD_SCAN_FAILURE:
      break;
    case GUARD_INVALID_UTF8_TEXT:
      outgoing.text = "bad \xff 机密";
      break;
    case GUARD_UNKNOWN_ROOM_KIND:
      outgoing.room_kind = (TactRoomKind) 7;
      break;
    case GUARD_COUNT_WITHOUT_ATTACHMENTS:
      outgoing.n_attachments = 1;
      break;
    case GUARD_NO_PATH_NO_DATA:
      file.data = NULL;
      break;
    case GUARD_UNREADABLE_PATH:
      file.data = NULL;
      file.path = "/nonexistent/tact/a.txt";
      break;
    case GUARD_PATH_DATA_DIFFER:
      {
        g_autoptr(GError) error = NULL;
        int fd = g_file_open_tmp ("tact-guard-XXXXXX.txt", &path, &error);

        g_assert_no_error (error);
        close (fd);
        g_file_set_contents (path, "明天开会", -1, &error);
        g_assert_no_error (error);
        file.path = path;
        file.data = other;   /* the check must not judge the file and send the data */
      }
      break;
    case GUARD_INVALID_UTF8_NAME:
      file.name = "\xfe\xff.txt";
      break;
    case GUARD_INVALID_UTF8_CAPTION:
      file.caption = "bad \xff";
      break;
    case GUARD_SCAN_FAILURE_IN_FILE:
      outgoing.text = NULL;
      file.name = NULL;
      break;
    default:
      g_assert_not_reached ();
    }
  if (guard_cases[i].kind >= GUARD_NO_PATH_NO_DATA || guard_cases[i].kind == GUARD_COUNT_WITHOUT_ATTACHMENTS)
    {
      outgoing.attachments = guard_cases[i].kind == GUARD_COUNT_WITHOUT_ATTACHMENTS ? NULL : &file;
      outgoing.n_attachments = 1;
    }
  if (guard_cases[i].kind == GUARD_SCAN_FAILURE || guard_cases[i].kind == GUARD_SCAN_FAILURE_IN_FILE)
    tact_profile_set_scan_failure_for_testing (profile, TRUE);

  g_test_expect_message ("Tact-Policy", G_LOG_LEVEL_MESSAGE, "Policy check failed closed*");
  verdict = tact_profile_check (guard_cases[i].kind == GUARD_NULL_PROFILE ? NULL : profile,
                                guard_cases[i].kind == GUARD_NULL_OUTGOING ? NULL : &outgoing);
  g_test_assert_expected_messages ();
  if (path != NULL)
    g_unlink (path);

  assert_guard_error (verdict, guard_cases[i].kind == GUARD_SCAN_FAILURE_IN_FILE
                               ? "attachment" : guard_cases[i].attachment);
}

/* The guard error in each language, naming who can fix it. */
static const struct {
  const char *language;
  const char *title;
  const char *fixer;
} guard_language_cases[] = {
  { "zh_CN", "合规检查无法完成", "IT 或合规管理员" },
  { "zh_TW", "合規檢查無法完成", "IT 或合規管理員" },
  { "en_US", "The guard could not check this message", "IT or compliance administrator" },
};

static void
test_security_guard_error_localized (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));

  for (guint i = 0; i < G_N_ELEMENTS (guard_language_cases); i++)
    {
      g_autoptr(TactVerdict) verdict = NULL;
      const TactFinding *finding;

      g_setenv ("LANGUAGE", guard_language_cases[i].language, TRUE);
      g_test_expect_message ("Tact-Policy", G_LOG_LEVEL_MESSAGE, "Policy check failed closed*");
      verdict = tact_profile_check (NULL, NULL);
      g_test_assert_expected_messages ();
      g_test_message ("case %u", i);
      g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
      finding = g_ptr_array_index (verdict->findings, 0);
      g_assert_cmpstr (finding->title, ==, guard_language_cases[i].title);
      g_assert_nonnull (strstr (finding->alternative, guard_language_cases[i].fixer));
    }

  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");
}

/* Not guard errors: a path and data with the same bytes (what the session
 * passes), and an empty file. */
static void
test_security_guard_valid_attachments (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(GBytes) same = g_bytes_new_static ("明天开会", strlen ("明天开会"));
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *empty = NULL;
  int fd;

  fd = g_file_open_tmp ("tact-guard-XXXXXX.txt", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, "明天开会", -1, &error);
  g_assert_no_error (error);
  fd = g_file_open_tmp ("tact-empty-XXXXXX.txt", &empty, &error);
  g_assert_no_error (error);
  close (fd);

  {
    TactAttachment files[] = {
      { .name = "会议.txt", .path = path, .data = same },
      { .name = "空.txt", .path = empty },
    };
    TactOutgoing outgoing = { NULL, 1, 3, TACT_ROOM_KIND_GROUP, files, G_N_ELEMENTS (files) };
    g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);

    g_assert_null (tact_test_find_rule (verdict, TACT_GUARD_ERROR_RULE));
    g_assert_null (tact_test_find_rule (verdict, "pub1-secrets"));
    /* (An empty file is a type mismatch, application/x-zerosize, not an error.) */
    g_assert_cmpint (verdict->action, <, TACT_ACTION_BLOCK);
  }
  g_unlink (path);
  g_unlink (empty);
}

/* ------------------------------------------------------------------------- */
/* Security: the file name and caption are text (issue 7)                    */
/* ------------------------------------------------------------------------- */

static const struct {
  const char *name;        /* test name */
  const char *file;        /* the file name the recipient sees */
  const char *caption;
  guint       external;
  const char *rule;        /* expected rule, or NULL for allow */
  const char *where;
  TactAction  action;      /* at least this */
} file_name_cases[] = {
  /* The bypass of issue 7: harmless content, the secret in the name. */
  { "secret-in-name-external", "机密报价单-内部价格.txt", NULL, 1, "ext1-confidential-external", "name", TACT_ACTION_BLOCK },
  { "secret-in-name-internal", "机密报价单-内部价格.txt", NULL, 0, "pub1-secrets", "name", TACT_ACTION_JUSTIFY },
  /* Audience conditions apply as for text: EXT-1 only with an outsider. */
  { "external-rule-needs-external", "机密报价单-内部价格.txt", NULL, 0, NULL, NULL, TACT_ACTION_JUSTIFY },
  { "harmless-name", "会议纪要.txt", NULL, 1, NULL, NULL, TACT_ACTION_ALLOW },
  { "underscore-separates-words", "confidential_report.txt", NULL, 1, "ext1-confidential-external", "name", TACT_ACTION_BLOCK },
  { "traditional-name", "機密文件.docx.txt", NULL, 1, "ext1-confidential-external", "name", TACT_ACTION_BLOCK },
  { "secret-in-caption", "会议纪要.txt", "这份报价单不要外传", 0, "pub1-secrets", "caption", TACT_ACTION_JUSTIFY },
  { "harmless-caption", "会议纪要.txt", "明天的会议纪要", 1, NULL, NULL, TACT_ACTION_ALLOW },
};

static void
test_security_file_name (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(GBytes) harmless = g_bytes_new_static ("明天下午三点开会", strlen ("明天下午三点开会"));
  TactAttachment file = {
    .name = file_name_cases[i].file,
    .data = harmless,
    .caption = file_name_cases[i].caption,
  };
  TactOutgoing outgoing = {
    .external_count = file_name_cases[i].external,
    .member_count = file_name_cases[i].external + 2,
    .room_kind = TACT_ROOM_KIND_GROUP,
    .attachments = &file,
    .n_attachments = 1,
  };
  g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);

  if (file_name_cases[i].action == TACT_ACTION_ALLOW)
    g_assert_cmpint (verdict->action, ==, TACT_ACTION_ALLOW);
  else
    g_assert_cmpint (verdict->action, >=, file_name_cases[i].action);

  if (file_name_cases[i].rule != NULL)
    {
      const TactFinding *finding = tact_test_find_rule (verdict, file_name_cases[i].rule);

      g_assert_nonnull (finding);
      g_assert_cmpstr (finding->attachment, ==, file_name_cases[i].file);
      g_assert_cmpstr (finding->where, ==, file_name_cases[i].where);
      g_assert_cmpint (finding->start, ==, -1);
    }
  else if (file_name_cases[i].external == 0)
    g_assert_null (tact_test_find_rule (verdict, "ext1-confidential-external"));

  /* Nothing was found in the (harmless) content. */
  for (guint f = 0; f < verdict->findings->len; f++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, f);
      g_assert_cmpstr (finding->where, !=, "content");
    }
}

/* The acceptance case of issue 7 through the CLI, and --caption. */
static void
test_cli_attach_name (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *minutes = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) named = { 0 };
  g_auto(CliResult) plain = { 0 };
  g_auto(CliResult) captioned = { 0 };
  g_auto(CliResult) json = { 0 };
  g_auto(CliResult) orphan = { 0 };

  dir = g_dir_make_tmp ("tact-cli-XXXXXX", &error);
  g_assert_no_error (error);
  secret = g_build_filename (dir, "机密报价单-内部价格.txt", NULL);
  minutes = g_build_filename (dir, "会议纪要.txt", NULL);
  g_file_set_contents (secret, "明天下午三点开会\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (minutes, "明天下午三点开会\n", -1, &error);
  g_assert_no_error (error);

  /* No TEXT: standard input, empty here. */
  run_cli ((const char *[]) { "check", "--external", "1", "--attach", secret, NULL }, &named);
  if (named.out == NULL)
    goto out;  /* skipped */
  g_assert_cmpint (named.status, ==, 0);
  g_assert_cmpstr (named.out, !=, "allow\n");
  g_assert_cmpstr (named.out, ==, "block\n");

  run_cli ((const char *[]) { "check", "--external", "1", "--attach", minutes, NULL }, &plain);
  g_assert_cmpstr (plain.out, ==, "allow\n");

  run_cli ((const char *[]) { "check", "--external", "1", "--attach", minutes,
                              "--caption", "这是机密", NULL }, &captioned);
  g_assert_cmpstr (captioned.out, ==, "block\n");

  run_cli ((const char *[]) { "check", "--json", "--external", "1", "--attach", secret, NULL }, &json);
  g_assert_nonnull (strstr (json.out, "\"where\" : \"name\""));
  g_assert_nonnull (strstr (json.out, "\"attachment\" : \"机密报价单-内部价格.txt\""));

  run_cli ((const char *[]) { "check", "--caption", "x", "y", NULL }, &orphan);
  g_assert_cmpint (orphan.status, ==, 2);

out:
  g_unlink (secret);
  g_unlink (minutes);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/policy/default/loads", test_default_loads);
  g_test_add_func ("/policy/normalize/table", test_normalize_table);
  g_test_add_func ("/policy/normalize/offsets", test_normalize_offsets);
  g_test_add_func ("/policy/check/offsets", test_check_offsets);
  g_test_add_func ("/policy/check/traditional", test_check_traditional);
  g_test_add_func ("/policy/check/latin-words", test_check_latin_words);
  g_test_add_func ("/policy/check/multiple", test_check_multiple);
  g_test_add_func ("/policy/check/nested", test_check_nested);
  g_test_add_func ("/policy/check/many-findings", test_check_many_findings);
  g_test_add_func ("/policy/check/external", test_check_external);
  g_test_add_func ("/policy/check/no-false-join", test_check_no_false_join);
  g_test_add_func ("/policy/check/allow-terms", test_check_allow_terms);
  g_test_add_func ("/policy/check/allow-overlap", test_check_allow_overlap);
  g_test_add_func ("/policy/check/conditions", test_check_conditions);
  g_test_add_func ("/policy/check/localized", test_check_localized);
  g_test_add_func ("/policy/check/threads", test_check_threads);
  g_test_add_func ("/policy/check/empty", test_check_empty);
  g_test_add_func ("/policy/profile/valid-base", test_profile_valid_base);
  g_test_add_func ("/policy/profile/errors", test_profile_errors);
  g_test_add_func ("/policy/profile/errors-all-listed", test_profile_errors_all_listed);
  g_test_add_func ("/policy/cli/validate", test_cli_validate);
  g_test_add_func ("/policy/cli/eval", test_cli_eval);
  g_test_add_func ("/policy/cli/check-json", test_cli_check_json);
  g_test_add_func ("/policy/cli/usage-errors", test_cli_usage_errors);
  g_test_add_func ("/policy/cli/explain", test_cli_explain);

  g_test_add_func ("/policy/identifiers/table", test_identifier_table);
  g_test_add_func ("/policy/identifiers/validators", test_identifier_validators);
  g_test_add_func ("/policy/identifiers/offsets", test_identifier_offsets);
  g_test_add_func ("/policy/confidence/proximity", test_confidence_proximity);
  g_test_add_func ("/policy/confidence/minimum", test_confidence_minimum);
  g_test_add_func ("/policy/confidence/min-instances", test_confidence_min_instances);
  g_test_add_func ("/policy/exact/match", test_exact_match);
  g_test_add_func ("/policy/exact/canonical", test_exact_canonical);
  g_test_add_func ("/policy/security/fail-closed", test_security_fail_closed);
  g_test_add_func ("/policy/security/masked-excerpts", test_security_masked_excerpts);
  g_test_add_func ("/policy/security/test-cards-not-findings", test_security_test_cards);
  g_test_add_func ("/policy/profile/new-key-errors", test_profile_new_key_errors);
  g_test_add_func ("/policy/profile/approver", test_profile_approver);
  g_test_add_func ("/policy/default/clauses", test_default_clauses);
  g_test_add_func ("/policy/default/clause-coverage", test_default_clause_coverage);
  g_test_add_func ("/policy/cli/json-shape", test_cli_json_shape);
  g_test_add_func ("/policy/cli/hash", test_cli_hash);
  g_test_add_func ("/policy/cli/explain-identifier", test_cli_explain_identifier);
  g_test_add_func ("/policy/profile/fuzz-regressions", test_profile_fuzz_regressions);
  g_test_add_func ("/policy/profile/support-keywords", test_profile_support_keywords);
  g_test_add_func ("/policy/cli/c-locale", test_cli_c_locale);
  g_test_add_func ("/policy/cli/invalid-utf8", test_cli_invalid_utf8);
  g_test_add_func ("/policy/security/cli-stdin-nul", test_cli_stdin_nul);
  g_test_add_func ("/policy/cli/usage-text", test_cli_usage_text);
  g_test_add_func ("/policy/cli/attach-name", test_cli_attach_name);
  g_test_add_func ("/policy/profile/format2", test_profile_format2);
  g_test_add_func ("/policy/profile/shadow", test_profile_shadow);
  g_test_add_func ("/policy/profile/merge-most-restrictive", test_profile_merge);
  g_test_add_func ("/policy/profile/format2-errors", test_profile_format2_errors);
  g_test_add_func ("/policy/profile/format2-announcement", test_profile_format2_announcement);
  g_test_add_func ("/policy/default/format2", test_default_format2);
  for (guint i = 0; i < G_N_ELEMENTS (guard_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/policy/security/guard-error/%s", guard_cases[i].name);
      g_test_add_data_func (name, GUINT_TO_POINTER (i), test_security_guard_error);
    }
  g_test_add_func ("/policy/security/guard-error-localized", test_security_guard_error_localized);
  g_test_add_func ("/policy/security/guard-valid-attachments", test_security_guard_valid_attachments);
  for (guint i = 0; i < G_N_ELEMENTS (file_name_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/policy/security/file-name/%s", file_name_cases[i].name);
      g_test_add_data_func (name, GUINT_TO_POINTER (i), test_security_file_name);
    }

  return g_test_run ();
}
