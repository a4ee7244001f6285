/* test-limits.c: the profile loader's bounds (issue 8, item 9; docs/profile.md, "Limits").
 *
 * Every case is a named security regression under /policy/security/limits/: a profile
 * generated in memory either goes over one limit, and must fail with
 * TACT_POLICY_ERROR_LIMIT, the limit and its JSON path, quickly and without a crash;
 * or stays just under it, and must not fail on that limit (it loads, or, for the limits
 * of the pre-scan that no valid profile can reach alone, fails on something else).
 *
 * Before these limits, a 200,000-deep document crashed the loader (SIGSEGV: json-glib's
 * parser recurses once per level) and a 1,000,000-term profile took 58-148 s and
 * 2.9-4.9 GB to load.
 */
#include <string.h>

#include "policy/tact-policy.h"
#include "policy/tact-policy-private.h"

/* A failure must come at once, far under the 5 s: measured on the 2-core
 * machine, the slowest case (1,000,000 terms: json-glib parses 16 MB, then the count
 * is checked) takes 0.6 s and 136 MB; the others take under 0.1 s. */
#define MAX_FAIL_SECONDS 5.0

#define LOC "{\"en\":\"T\",\"zh_CN\":\"T\",\"zh_TW\":\"T\"}"

/* A rule "r@index" of @detectors (a JSON array's content). */
static void
append_rule (GString    *json,
             guint       index,
             const char *detectors)
{
  g_string_append_printf (json, "%s{\"id\":\"r%u\",\"title\":" LOC ",\"explanation\":" LOC ","
                          "\"clauses\":[\"PUB-1\"],\"action\":\"warn\",\"detectors\":[%s]}",
                          index > 0 ? "," : "", index, detectors);
}

static void
append_profile_start (GString *json)
{
  g_string_append (json, "{\"format\":1,\"id\":\"t\",\"version\":\"1\",\"name\":" LOC ",");
}

/* A terms detector's content: @n terms "t0", "t1", … */
static char *
terms_detector (guint n)
{
  GString *s = g_string_new ("{\"type\":\"terms\",\"terms\":[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s\"t%u\"", i > 0 ? "," : "", i);
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

/* A profile of one rule with one terms detector of @n terms. */
static GString *
gen_terms (guint n)
{
  GString *json = g_string_new (NULL);
  g_autofree char *detector = terms_detector (n);

  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, detector);
  g_string_append (json, "]}");
  return json;
}

/* Two detectors of @n terms each, in one rule. */
static GString *
gen_terms_split (guint n)
{
  GString *json = g_string_new (NULL);
  g_autofree char *detector = terms_detector (n);
  g_autofree char *two = g_strdup_printf ("%s,%s", detector, detector);

  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, two);
  g_string_append (json, "]}");
  return json;
}

/* 200,000 nested arrays, or as many as asked, alone. */
static GString *
gen_deep_arrays (guint n)
{
  GString *json = g_string_sized_new (2 * n);

  for (guint i = 0; i < n; i++)
    g_string_append_c (json, '[');
  for (guint i = 0; i < n; i++)
    g_string_append_c (json, ']');
  return json;
}

static GString *
gen_deep_objects (guint n)
{
  GString *json = g_string_sized_new (6 * n);

  for (guint i = 0; i < n; i++)
    g_string_append (json, "{\"a\":");
  g_string_append_c (json, '1');
  for (guint i = 0; i < n; i++)
    g_string_append_c (json, '}');
  return json;
}

/* Deep arrays where a term of the second rule's first detector should be: the path is
 * tracked through keys and indices. */
static GString *
gen_deep_in_profile (guint n)
{
  GString *json = g_string_new (NULL);
  g_autoptr(GString) deep = gen_deep_arrays (n);
  g_autofree char *detector = g_strdup_printf ("{\"type\":\"terms\",\"terms\":[\"a\",%s]}",
                                               deep->str);

  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, "{\"type\":\"terms\",\"terms\":[\"机密\"]}");
  append_rule (json, 1, detector);
  g_string_append (json, "]}");
  return json;
}

/* The same under a key that is not a plain word. */
static GString *
gen_deep_odd_key (guint n)
{
  GString *json = g_string_new ("{\"a b\":");
  g_autoptr(GString) deep = gen_deep_arrays (n);

  g_string_append (json, deep->str);
  g_string_append_c (json, '}');
  return json;
}

/* A valid profile padded with spaces to @n bytes in all. */
static GString *
gen_size (guint n)
{
  GString *json = gen_terms (1);
  gsize len = json->len;

  g_assert_cmpuint (n, >=, len);
  g_string_set_size (json, n);
  memset (json->str + len - 1, ' ', n - len);
  json->str[n - 1] = '}';
  return json;
}

/* An array of @n values: arrays or numbers. */
static GString *
gen_values (guint n,
            gboolean containers)
{
  GString *json = g_string_sized_new (3 * n);

  g_string_append_c (json, '[');
  for (guint i = 1; i < n; i++)
    g_string_append (json, i > 1 ? (containers ? ",[]" : ",1") : (containers ? "[]" : "1"));
  g_string_append_c (json, ']');
  return json;
}

static GString *
gen_many_values (guint n)
{
  return gen_values (n, FALSE);
}

static GString *
gen_many_containers (guint n)
{
  return gen_values (n, TRUE);
}

/* The profile's name with @n keys. */
static GString *
gen_members (guint n)
{
  GString *json = g_string_new ("{\"format\":1,\"id\":\"t\",\"version\":\"1\",\"name\":{");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, "%s\"k%u\":\"x\"", i > 0 ? "," : "", i);
  g_string_append (json, "},\"rules\":[]}");
  return json;
}

/* A term of @n characters (ideographs: characters, not bytes, are counted) after "机密". */
static GString *
gen_long_term (guint n)
{
  GString *json = g_string_new (NULL);
  GString *detector = g_string_new ("{\"type\":\"terms\",\"terms\":[\"机密\",\"");

  for (guint i = 0; i < n; i++)
    g_string_append (detector, "密");
  g_string_append (detector, "\"]}");
  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, detector->str);
  g_string_append (json, "]}");
  g_string_free (detector, TRUE);
  return json;
}

static GString *
gen_rules (guint n)
{
  GString *json = g_string_new (NULL);

  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  for (guint i = 0; i < n; i++)
    append_rule (json, i, "{\"type\":\"terms\",\"terms\":[\"机密\"]}");
  g_string_append (json, "]}");
  return json;
}

static GString *
gen_detectors (guint n)
{
  GString *json = g_string_new (NULL);
  GString *detectors = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (detectors, "%s{\"type\":\"terms\",\"terms\":[\"机密%u\"]}",
                            i > 0 ? "," : "", i);
  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, detectors->str);
  g_string_append (json, "]}");
  g_string_free (detectors, TRUE);
  return json;
}

/* @n patterns "a0", "a1", … in one regex detector. */
static GString *
gen_patterns (guint n)
{
  GString *json = g_string_new (NULL);
  GString *detector = g_string_new ("{\"type\":\"regex\",\"patterns\":[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (detector, "%s\"a%u\"", i > 0 ? "," : "", i);
  g_string_append (detector, "]}");
  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, detector->str);
  g_string_append (json, "]}");
  g_string_free (detector, TRUE);
  return json;
}

/* A pattern of @n characters: "a" then n - 1 "b"s. */
static GString *
gen_long_pattern (guint n)
{
  GString *json = g_string_new (NULL);
  GString *detector = g_string_new ("{\"type\":\"regex\",\"patterns\":[\"a");

  for (guint i = 1; i < n; i++)
    g_string_append_c (detector, 'b');
  g_string_append (detector, "\"]}");
  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, detector->str);
  g_string_append (json, "]}");
  g_string_free (detector, TRUE);
  return json;
}

static GString *
gen_allow_terms (guint n)
{
  GString *json = g_string_new (NULL);

  append_profile_start (json);
  g_string_append (json, "\"allow_terms\":[");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, "%s\"非机密%u\"", i > 0 ? "," : "", i);
  g_string_append (json, "],\"rules\":[");
  append_rule (json, 0, "{\"type\":\"terms\",\"terms\":[\"机密\"]}");
  g_string_append (json, "]}");
  return json;
}

static GString *
gen_keywords (guint n)
{
  GString *json = g_string_new (NULL);
  GString *detector = g_string_new ("{\"type\":\"terms\",\"terms\":[\"机密\"],"
                                    "\"support\":{\"keywords\":[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (detector, "%s\"k%u\"", i > 0 ? "," : "", i);
  g_string_append (detector, "]}}");
  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, detector->str);
  g_string_append (json, "]}");
  g_string_free (detector, TRUE);
  return json;
}

static GString *
gen_hashes (guint n)
{
  GString *json = g_string_new (NULL);
  GString *detector = g_string_new ("{\"type\":\"exact\",\"salt\":\"00112233445566778899\","
                                    "\"token_kinds\":[\"name\"],\"hashes\":[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (detector, "%s\"%064x\"", i > 0 ? "," : "", i);
  g_string_append (detector, "]}");
  append_profile_start (json);
  g_string_append (json, "\"rules\":[");
  append_rule (json, 0, detector->str);
  g_string_append (json, "]}");
  g_string_free (detector, TRUE);
  return json;
}

typedef enum {
  LOADS,         /* compiles: tact_profile_new_from_bytes() succeeds */
  PARSES,        /* tact_profile_data_parse() succeeds (compiling it would be slow) */
  NOT_LIMIT,     /* fails, but not on a limit: the pre-scan let it through to json-glib */
  FAILS,         /* TACT_POLICY_ERROR_LIMIT with message */
} Expect;

typedef struct {
  const char *name;
  GString *(*generate) (guint n);
  guint       n;
  Expect      expect;
  const char *message;  /* FAILS: the whole first line, or its start when it ends in "…" */
} LimitCase;

/* n times "[0]": the path of the first element of nested arrays. */
#define Z1 "[0]"
#define Z8 Z1 Z1 Z1 Z1 Z1 Z1 Z1 Z1
#define Z56 Z8 Z8 Z8 Z8 Z8 Z8 Z8

static const LimitCase cases[] = {
  /* Nesting: 200,000 levels crashed json-glib. */
  { "depth/arrays-200000", gen_deep_arrays, 200000, FAILS,
    "$" Z56 Z8 ": nested 65 levels deep, more than the 64 a profile may have "
    "(at byte 64)" },
  { "depth/objects-200000", gen_deep_objects, 200000, FAILS,
    "$.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"
    ".a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a: nested 65 levels deep, "
    "more than the 64 a profile may have (at byte 320)" },
  { "depth/in-profile-200000", gen_deep_in_profile, 200000, FAILS,
    /* $ is the 1st level, terms the 6th, terms[1] the 7th: 58 more make 65 */
    "$.rules[1].detectors[0].terms[1]" Z56 Z1 Z1 ": nested 65 levels deep, more than the 64 "
    "a profile may have (at byte 515)" },
  { "depth/odd-key", gen_deep_odd_key, 100, FAILS,
    "$[\"a b\"]" Z56 Z1 Z1 Z1 Z1 Z1 Z1 Z1 ": nested 65 levels deep, more than the 64 a profile "
    "may have (at byte 70)" },
  { "depth/just-under", gen_deep_arrays, TACT_PROFILE_MAX_DEPTH, NOT_LIMIT, NULL },

  /* Size: checked before anything else reads the bytes. */
  { "size/over", gen_size, TACT_PROFILE_MAX_BYTES + 1, FAILS,
    "$: 67108865 bytes, more than the 67108864 (64 MiB) a profile may have" },
  { "size/just-under", gen_size, TACT_PROFILE_MAX_BYTES, LOADS, NULL },

  /* Values, containers and keys of one object: what json-glib's tree costs. */
  { "values/over", gen_many_values, TACT_PROFILE_MAX_VALUES + 1, FAILS,
    "$[1499999]: JSON value number 1500001, more than the 1500000 a profile may have "
    "(at byte 2999999)" },
  { "values/just-under", gen_many_values, TACT_PROFILE_MAX_VALUES, NOT_LIMIT, NULL },
  { "containers/over", gen_many_containers, TACT_PROFILE_MAX_CONTAINERS + 1, FAILS,
    "$[99999]: array or object number 100001, more than the 100000 a profile may have…" },
  { "containers/just-under", gen_many_containers, TACT_PROFILE_MAX_CONTAINERS, NOT_LIMIT, NULL },
  { "members/over", gen_members, TACT_PROFILE_MAX_MEMBERS + 1, FAILS,
    "$.name: more than the 256 keys an object may have…" },
  { "members/just-under", gen_members, TACT_PROFILE_MAX_MEMBERS, NOT_LIMIT, NULL },

  /* Terms: 1,000,000 took 58-148 s and 2.9-4.9 GB before. */
  { "terms/1000000", gen_terms, 1000000, FAILS,
    "$.rules[0].detectors[0].terms: 1000000 terms, more than the 500000 a profile may have" },
  { "terms/over", gen_terms, TACT_PROFILE_MAX_TERMS + 1, FAILS,
    "$.rules[0].detectors[0].terms: 500001 terms, more than the 500000 a profile may have" },
  { "terms/just-under", gen_terms, TACT_PROFILE_MAX_TERMS, PARSES, NULL },
  { "terms/split-over", gen_terms_split, 300000, FAILS,
    "$.rules[0].detectors[1].terms: 300000 terms, which bring the profile to 600000, more "
    "than the 500000 a profile may have" },
  { "terms/split-just-under", gen_terms_split, TACT_PROFILE_MAX_TERMS / 2, PARSES, NULL },
  { "term-length/over", gen_long_term, TACT_PROFILE_MAX_TERM_CHARS + 1, FAILS,
    "$.rules[0].detectors[0].terms[1]: a term of 257 characters, longer than the 256 "
    "characters one may have" },
  { "term-length/just-under", gen_long_term, TACT_PROFILE_MAX_TERM_CHARS, LOADS, NULL },

  { "rules/over", gen_rules, TACT_PROFILE_MAX_RULES + 1, FAILS,
    "$.rules: 1001 rules, more than the 1000 a profile may have" },
  { "rules/just-under", gen_rules, TACT_PROFILE_MAX_RULES, LOADS, NULL },
  { "detectors/over", gen_detectors, TACT_PROFILE_MAX_DETECTORS + 1, FAILS,
    "$.rules[0].detectors: 101 detectors, more than the 100 a rule may have" },
  { "detectors/just-under", gen_detectors, TACT_PROFILE_MAX_DETECTORS, LOADS, NULL },

  { "patterns/over", gen_patterns, TACT_PROFILE_MAX_PATTERNS + 1, FAILS,
    "$.rules[0].detectors[0].patterns: 257 regular expressions, more than the 256 a profile "
    "may have" },
  { "patterns/just-under", gen_patterns, TACT_PROFILE_MAX_PATTERNS, LOADS, NULL },
  { "pattern-length/over", gen_long_pattern, TACT_PROFILE_MAX_PATTERN_CHARS + 1, FAILS,
    "$.rules[0].detectors[0].patterns[0]: a regular expression of 1025 characters, longer "
    "than the 1024 characters one may have" },
  { "pattern-length/just-under", gen_long_pattern, TACT_PROFILE_MAX_PATTERN_CHARS, LOADS, NULL },

  { "allow-terms/over", gen_allow_terms, TACT_PROFILE_MAX_ALLOW_TERMS + 1, FAILS,
    "$.allow_terms: 50001 allow terms, more than the 50000 a profile may have" },
  { "allow-terms/just-under", gen_allow_terms, TACT_PROFILE_MAX_ALLOW_TERMS, PARSES, NULL },
  { "keywords/over", gen_keywords, TACT_PROFILE_MAX_KEYWORDS + 1, FAILS,
    "$.rules[0].detectors[0].support.keywords: 10001 support keywords, more than the 10000 a "
    "profile may have" },
  { "keywords/just-under", gen_keywords, TACT_PROFILE_MAX_KEYWORDS, PARSES, NULL },
  { "hashes/over", gen_hashes, TACT_PROFILE_MAX_HASHES + 1, FAILS,
    "$.rules[0].detectors[0].hashes: 500001 hashes, more than the 500000 a profile may have" },
  { "hashes/just-under", gen_hashes, TACT_PROFILE_MAX_HASHES, PARSES, NULL },
};

/* Every line of a loader error names a JSON path first. */
static void
assert_lines_have_paths (const char *message)
{
  g_auto(GStrv) lines = g_strsplit (message, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '$')
      g_error ("line %u has no JSON path: “%s”", i, lines[i]);
}

static void
test_limit (gconstpointer data)
{
  const LimitCase *c = data;
  g_autoptr(GString) json = c->generate (c->n);
  g_autoptr(GBytes) bytes = g_bytes_new_static (json->str, json->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();

  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes", c->name, json->len);

  switch (c->expect)
    {
    case LOADS:
      {
        g_autoptr(TactProfile) profile = tact_profile_new_from_bytes (bytes, &error);

        g_assert_no_error (error);
        g_assert_nonnull (profile);
        break;
      }

    case PARSES:
      {
        g_autoptr(TactProfileData) parsed = tact_profile_data_parse (bytes, &error);

        g_assert_no_error (error);
        g_assert_nonnull (parsed);
        break;
      }

    case NOT_LIMIT:
      {
        g_autoptr(TactProfileData) parsed = tact_profile_data_parse (bytes, &error);

        g_assert_null (parsed);
        g_assert_nonnull (error);
        g_test_message ("%.*s", (int) strcspn (error->message, "\n"), error->message);
        g_assert_true (error->domain == TACT_POLICY_ERROR);
        g_assert_cmpint (error->code, !=, TACT_POLICY_ERROR_LIMIT);
        break;
      }

    case FAILS:
      {
        g_autoptr(TactProfile) profile = tact_profile_new_from_bytes (bytes, &error);
        g_autofree char *first = NULL;
        gsize len = strlen (c->message);
        double seconds = g_timer_elapsed (timer, NULL);

        g_assert_null (profile);
        g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_LIMIT);
        assert_lines_have_paths (error->message);
        first = g_strndup (error->message, strcspn (error->message, "\n"));
        g_test_message ("%.2f s: %s", seconds, first);
        if (g_str_has_suffix (c->message, "…"))
          {
            len -= strlen ("…");
            if (strncmp (first, c->message, len) != 0)
              g_error ("“%s” does not start with “%.*s”", first, (int) len, c->message);
          }
        else
          g_assert_cmpstr (first, ==, c->message);
        g_assert_cmpfloat (seconds, <, MAX_FAIL_SECONDS);
        break;
      }

    default:
      g_assert_not_reached ();
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/policy/security/limits/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_limit);
    }
  return g_test_run ();
}
