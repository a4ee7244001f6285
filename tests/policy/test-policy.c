/* test-policy.c: the compliance engine, its CLI and the tutorial model.
 *
 * Clause ids in test names and comments trace each case to the policy digest.
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy/tact-policy.h"
#include "policy/tact-policy-private.h"
#include "tutorial/tact-tutorial.h"

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

static const TactFinding *
find_rule (const TactVerdict *verdict,
           const char        *rule_id)
{
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      if (g_str_equal (finding->rule_id, rule_id))
        return finding;
    }
  return NULL;
}

/* ------------------------------------------------------------------------- */

static void
test_default_loads (void)
{
  g_autoptr(TactProfile) profile = load_default ();

  g_assert_cmpstr (tact_profile_get_id (profile), ==, "tact-default");
  g_assert_cmpstr (tact_profile_get_version (profile), ==, "1");
  g_assert_cmpuint (tact_profile_get_n_rules (profile), ==, 6);

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
  const TactFinding *finding = find_rule (verdict, "pub1-secrets");

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
  { "請勿外傳客戶名單", "客戶名單" },
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
      const TactFinding *finding = find_rule (verdict, "pub1-secrets");

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

/* 商业秘密 contains 秘密: one occurrence, one finding for the rule. */
static void
test_check_nested (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactVerdict) verdict = check_text (profile, "这是商业秘密", 0);
  const TactFinding *finding = find_rule (verdict, "pub1-secrets");

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
  { "你真是个白痴", 2, TACT_ACTION_WARN, "pub6-civility", TACT_ACTION_WARN, FALSE },
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
          const TactFinding *finding = find_rule (verdict, external_cases[i].rule);
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

/* allow_terms suppress findings whose span lies inside them. */
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
};

static void
test_check_allow_terms (void)
{
  g_autoptr(TactProfile) profile = load_default ();

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
    "$.rules[0].detectors[0].type: unknown detector type \"ml\"" },
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
  { "\"format\":1", "\"format\":2", TACT_POLICY_ERROR_VERSION, "$.format: unsupported" },
  { "\"format\":1", "\"format\":\"1\"", TACT_POLICY_ERROR_INVALID, "$.format: expected the integer 1" },
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
                                   "\"action\":\"approve\",\"conditions\":{\"min_external\":1,"
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
      g_assert_cmpstr (find_rule (verdict, "pub1-secrets")->title, ==, language_cases[i].title);
      g_assert_cmpstr (tact_rule_get_title (tact_profile_get_rule (profile, 0)), ==,
                       language_cases[i].title);
    }

  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");
}

static gpointer
check_in_thread (gpointer data)
{
  TactProfile *profile = data;

  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(TactVerdict) verdict = check_text (profile, "机密、報價單和 trade secret", 1);

      if (verdict->findings->len != 4 || verdict->action != TACT_ACTION_BLOCK)
        return GINT_TO_POINTER (FALSE);
    }
  return GINT_TO_POINTER (TRUE);
}

/* tact_profile_check may be called from any thread. */
static void
test_check_threads (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  GThread *threads[4];

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
  g_autoptr(TactVerdict) c = check_text (profile, "bad \xff 机密", 0);  /* invalid UTF-8 */

  g_assert_cmpint (a->action, ==, TACT_ACTION_ALLOW);
  g_assert_cmpuint (a->findings->len, ==, 0);
  g_assert_cmpuint (b->findings->len, ==, 0);
  g_assert_cmpuint (count_rule (c, "pub1-secrets"), ==, 1);
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

static void
run_cli (const char * const *args,
         CliResult          *result)
{
  const char *cli = g_getenv ("TACT_POLICY_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status;

  if (cli == NULL)
    {
      g_test_skip ("TACT_POLICY_CLI not set");
      return;
    }

  g_ptr_array_add (argv, (char *) cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &result->out, &result->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  result->status = WEXITSTATUS (wait_status);
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
  g_assert_cmpstr (json_object_get_string_member (profile, "version"), ==, "1");

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

/* TRN-1/TRN-4: one lesson per rule, each with an example the engine flags. */
static void
test_tutorial_lessons (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactTutorial) tutorial = tact_tutorial_new (profile);
  GListModel *lessons = tact_tutorial_get_lessons (tutorial);

  g_assert_cmpuint (g_list_model_get_n_items (lessons), ==, tact_profile_get_n_rules (profile));
  g_assert_true (g_list_model_get_item_type (lessons) == TACT_TYPE_LESSON);

  for (guint i = 0; i < g_list_model_get_n_items (lessons); i++)
    {
      g_autoptr(TactLesson) lesson = g_list_model_get_item (lessons, i);
      const TactRule *rule = tact_profile_get_rule (profile, i);
      TactOutgoing outgoing = *tact_lesson_get_example_outgoing (lesson);
      g_autoptr(TactVerdict) verdict = NULL;

      g_test_message ("lesson %u", i);
      g_assert_cmpstr (tact_lesson_get_rule_id (lesson), ==, tact_rule_get_id (rule));
      g_assert_cmpstr (tact_lesson_get_title (lesson), ==, tact_rule_get_title (rule));
      g_assert_nonnull (tact_lesson_get_clauses (lesson)[0]);
      g_assert_nonnull (tact_lesson_get_example (lesson));

      outgoing.text = tact_lesson_get_example (lesson);
      verdict = tact_profile_check (profile, &outgoing);
      g_assert_nonnull (find_rule (verdict, tact_rule_get_id (rule)));
      g_assert_cmpint (verdict->action, ==, tact_lesson_get_expected_action (lesson));
      g_assert_cmpint (tact_lesson_get_expected_action (lesson), >=, tact_rule_get_action (rule));
    }
}

/* A generated example uses the rule's first term in a carrier sentence. */
static void
test_tutorial_generated_example (void)
{
  g_autoptr(TactProfile) profile = load_default ();
  g_autoptr(TactTutorial) tutorial = tact_tutorial_new (profile);
  g_autoptr(TactLesson) lesson = g_list_model_get_item (tact_tutorial_get_lessons (tutorial), 0);

  g_assert_cmpstr (tact_lesson_get_example (lesson), ==, "这份机密请不要外传");
  g_assert_cmpint (tact_lesson_get_expected_action (lesson), ==, TACT_ACTION_JUSTIFY);
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
  g_test_add_func ("/policy/check/external", test_check_external);
  g_test_add_func ("/policy/check/no-false-join", test_check_no_false_join);
  g_test_add_func ("/policy/check/allow-terms", test_check_allow_terms);
  g_test_add_func ("/policy/check/conditions", test_check_conditions);
  g_test_add_func ("/policy/check/localized", test_check_localized);
  g_test_add_func ("/policy/check/threads", test_check_threads);
  g_test_add_func ("/policy/check/empty", test_check_empty);
  g_test_add_func ("/policy/profile/valid-base", test_profile_valid_base);
  g_test_add_func ("/policy/profile/errors", test_profile_errors);
  g_test_add_func ("/policy/profile/errors-all-listed", test_profile_errors_all_listed);
  g_test_add_func ("/policy/cli/validate", test_cli_validate);
  g_test_add_func ("/policy/cli/check-json", test_cli_check_json);
  g_test_add_func ("/policy/cli/usage-errors", test_cli_usage_errors);
  g_test_add_func ("/policy/cli/explain", test_cli_explain);
  g_test_add_func ("/policy/tutorial/lessons", test_tutorial_lessons);
  g_test_add_func ("/policy/tutorial/generated-example", test_tutorial_generated_example);

  return g_test_run ();
}
