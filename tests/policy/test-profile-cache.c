/* test-profile-cache.c: the compiled cache of a profile (tact_profile_dup_compiled,
 * tact_profile_new_from_bytes_cached; docs/profile.md, "The compiled cache").
 *
 * A cached load must judge exactly as a compiled one; a blob made for anything else (another
 * profile, vectorscan version, platform, format) is rebuilt; a damaged blob is a miss, never a
 * crash and never a weaker guard.
 */
#include <string.h>

#include "policy/tact-policy.h"
#include "policy/tact-policy-private.h"

static GBytes *
load_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static GBytes *
default_json (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("TACT_SOURCE_ROOT"), "data", "profiles",
                                            "default.json", NULL);
  return load_file (path);
}

/* Every field of every finding, one per line: two verdicts are the same iff these are. */
static char *
verdict_to_string (const TactVerdict *verdict)
{
  GString *s = g_string_new (tact_action_to_string (verdict->action));

  g_string_append_c (s, '\n');
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *f = g_ptr_array_index (verdict->findings, i);
      g_autofree char *clauses = f->clauses ? g_strjoinv (",", f->clauses) : g_strdup ("-");

      g_string_append_printf (s, "%s|%s|%s|%s|%s|%s|%s|%ld|%ld|%s|%s|%s|%s|%s|%s\n",
                              f->rule_id, f->title, f->explanation, clauses,
                              tact_action_to_string (f->action), f->detector, f->matched,
                              f->start, f->end, f->alternative ? f->alternative : "-",
                              tact_confidence_to_string (f->confidence),
                              f->attachment ? f->attachment : "-",
                              f->approver ? f->approver : "-", f->where ? f->where : "-",
                              "");
    }
  return g_string_free (s, FALSE);
}

static char *
check_to_string (TactProfile *profile,
                 const char  *text,
                 guint        external)
{
  TactOutgoing outgoing = {
    .text = text,
    .external_count = external,
    .member_count = external + 3,
    .room_kind = TACT_ROOM_KIND_GROUP,
  };
  g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);

  return verdict_to_string (verdict);
}

/* Asserts that @a and @b judge each of @texts (inside and outside the company) alike, byte
 * for byte; returns how many findings the texts had, so a test can tell it compared something. */
static guint
assert_same_verdicts (TactProfile *a,
                      TactProfile *b,
                      GPtrArray   *texts)
{
  guint n_findings = 0;

  for (guint i = 0; i < texts->len; i++)
    for (guint external = 0; external <= 1; external++)
      {
        const char *text = g_ptr_array_index (texts, i);
        g_autofree char *va = check_to_string (a, text, external);
        g_autofree char *vb = check_to_string (b, text, external);

        g_assert_cmpstr (va, ==, vb);
        for (const char *p = va; (p = strchr (p, '\n')) != NULL; p++)
          n_findings += p[1] != '\0';
      }
  return n_findings;
}

static TactProfile *
load_cached (GBytes                 *json,
             GBytes                 *compiled,
             TactProfileCacheStatus  expected)
{
  g_autoptr(GError) error = NULL;
  TactProfile *profile = tact_profile_new_from_bytes_cached (json, compiled, &error);

  g_assert_no_error (error);
  g_assert_nonnull (profile);
  g_assert_cmpint (tact_profile_get_cache_status (profile), ==, expected);
  return profile;
}

/* The texts of the shipped profile: every rule's example, with a traditional and a
 * full-width spelling of some, allow terms, identifiers and clean text. */
static GPtrArray *
default_texts (TactProfile *profile)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  static const char * const extra[] = {
    "这份合同是商业秘密，请勿外传", "這份合同是商業秘密，請勿外傳", "非机密文件和绝密合同",
    "ＣＯＮＦＩＤＥＮＴＩＡＬ draft attached", "机 密", "身份证 11010519491231002X",
    "card 4111 1111 1111 1111 and 6222 0202 0000 1234 560", "call 13800138000",
    "password: hunter2", "https://example.com/x", "周末一起吃饭吧", "", "a",
  };

  for (guint r = 0; r < tact_profile_get_n_rules (profile); r++)
    {
      const TactRule *rule = tact_profile_get_rule (profile, r);
      g_auto(GStrv) terms = tact_rule_dup_terms (rule);

      if (tact_rule_get_example (rule) != NULL)
        g_ptr_array_add (texts, g_strdup (tact_rule_get_example (rule)));
      for (guint t = 0; terms[t] != NULL; t++)
        g_ptr_array_add (texts, g_strdup_printf ("前文 %s 后文, and %s.", terms[t], terms[t]));
    }
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    g_ptr_array_add (texts, g_strdup (extra[i]));
  return texts;
}

static void
test_cache_default_same_verdicts (void)
{
  g_autoptr(GBytes) json = default_json ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) compiled = load_cached (json, NULL, TACT_PROFILE_CACHE_NONE);
  g_autoptr(GBytes) blob = tact_profile_dup_compiled (compiled, &error);
  g_autoptr(TactProfile) cached = NULL;
  g_autoptr(GBytes) blob2 = NULL;
  g_autoptr(GPtrArray) texts = NULL;
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, json);

  g_assert_no_error (error);
  g_assert_nonnull (blob);
  g_assert_cmpstr (tact_profile_get_sha256 (compiled), ==, sha);

  cached = load_cached (json, blob, TACT_PROFILE_CACHE_HIT);
  g_assert_cmpstr (tact_profile_get_sha256 (cached), ==, sha);
  g_assert_cmpfloat (tact_profile_get_load_timings (cached)->compile, ==, 0);
  g_assert_cmpuint (tact_profile_get_load_timings (cached)->n_literals, ==,
                    tact_profile_get_load_timings (compiled)->n_literals);

  texts = default_texts (compiled);
  g_assert_cmpuint (assert_same_verdicts (compiled, cached, texts), >, 50);

  /* A cached profile can be cached again, and that blob serves as well. */
  blob2 = tact_profile_dup_compiled (cached, &error);
  g_assert_no_error (error);
  {
    g_autoptr(TactProfile) again = load_cached (json, blob2, TACT_PROFILE_CACHE_HIT);
    assert_same_verdicts (compiled, again, texts);
  }
}

/* A generated profile: many terms (CJK and Latin, some in traditional characters), two
 * rules sharing terms, a regex detector and allow terms. */
static GBytes *
generated_json (guint       n_terms,
                GPtrArray **terms_out)
{
  static const char han[] = "机密合同客户财务报价薪资员工源代码开发测试项目計劃資料銀行帳號";
  g_autofree gunichar *chars = NULL;
  glong n_chars = 0;
  GRand *rand = g_rand_new_with_seed (20261206);
  GString *json = g_string_new (NULL);
  GPtrArray *terms = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  chars = g_utf8_to_ucs4_fast (han, -1, &n_chars);
  while (terms->len < n_terms)
    {
      GString *term = g_string_new (NULL);
      guint len = g_rand_int_range (rand, 2, 5);

      for (guint i = 0; i < len; i++)
        {
          if (g_rand_int_range (rand, 0, 4) == 0)
            g_string_append_c (term, 'a' + g_rand_int_range (rand, 0, 26));
          else
            g_string_append_unichar (term, chars[g_rand_int_range (rand, 0, n_chars)]);
        }
      if (g_hash_table_contains (seen, term->str))
        {
          g_string_free (term, TRUE);
          continue;
        }
      g_hash_table_add (seen, term->str);
      g_ptr_array_add (terms, g_string_free (term, FALSE));
    }
  g_rand_free (rand);

  g_string_append (json,
    "{\"format\": 1, \"id\": \"gen\", \"version\": \"1\","
    " \"name\": {\"en\": \"g\", \"zh_CN\": \"g\", \"zh_TW\": \"g\"},"
    " \"allow_terms\": [\"非机密\", \"公开报价\"],"
    " \"rules\": [");
  for (guint r = 0; r < 2; r++)
    {
      g_string_append_printf (json,
        "%s{\"id\": \"r%u\","
        " \"title\": {\"en\": \"t\", \"zh_CN\": \"t\", \"zh_TW\": \"t\"},"
        " \"explanation\": {\"en\": \"e\", \"zh_CN\": \"e\", \"zh_TW\": \"e\"},"
        " \"alternative\": {\"en\": \"a\", \"zh_CN\": \"a\", \"zh_TW\": \"a\"},"
        " \"clauses\": [\"PUB-1\"], \"action\": \"%s\","
        " \"detectors\": [{\"type\": \"terms\", \"terms\": [",
        r ? "," : "", r, r ? "block" : "warn");
      /* Rule 1 gets every third term of rule 0's, so terms are shared between rules. */
      for (guint i = 0, n = 0; i < terms->len; i += r ? 3 : 1, n++)
        g_string_append_printf (json, "%s\"%s\"", n ? "," : "", (char *) terms->pdata[i]);
      g_string_append (json, "]}");
      if (r == 1)
        g_string_append (json, ", {\"type\": \"regex\", \"patterns\": [\"proj-[0-9]{3,}\"]}");
      g_string_append (json, "]}");
    }
  g_string_append (json, "]}");

  *terms_out = terms;
  return g_string_free_to_bytes (json);
}

static GPtrArray *
generated_texts (GPtrArray *terms)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  GRand *rand = g_rand_new_with_seed (7);

  for (guint i = 0; i < 300; i++)
    {
      GString *s = g_string_new (NULL);

      for (guint k = 0; k < 6; k++)
        {
          const char *term = terms->pdata[g_rand_int_range (rand, 0, terms->len)];

          switch (g_rand_int_range (rand, 0, 5))
            {
            case 0: g_string_append_printf (s, "非机密%s，", term); break;
            case 1: g_string_append_printf (s, " x%s ", term); break;        /* Latin boundary */
            case 2: g_string_append (s, "proj-12345 "); break;
            default: g_string_append_printf (s, "文%s字 ", term); break;
            }
        }
      g_ptr_array_add (texts, g_string_free (s, FALSE));
    }
  g_rand_free (rand);
  return texts;
}

static void
test_cache_generated_same_verdicts (void)
{
  g_autoptr(GPtrArray) terms = NULL;
  g_autoptr(GBytes) json = generated_json (3000, &terms);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) compiled = load_cached (json, NULL, TACT_PROFILE_CACHE_NONE);
  g_autoptr(GBytes) blob = tact_profile_dup_compiled (compiled, &error);
  g_autoptr(TactProfile) cached = NULL;
  g_autoptr(GPtrArray) texts = generated_texts (terms);

  g_assert_no_error (error);
  cached = load_cached (json, blob, TACT_PROFILE_CACHE_HIT);
  g_assert_cmpuint (assert_same_verdicts (compiled, cached, texts), >, 1000);
}

/* The offset of the header's strings: magic (8), format (4), Tact version (4 + n). */
static gsize
skip_string (const guint8 *data,
             gsize         at)
{
  guint32 len = data[at] | data[at + 1] << 8 | data[at + 2] << 16 | (guint32) data[at + 3] << 24;
  return at + 4 + len;
}

typedef struct {
  gsize hs_version;  /* offset of the hs_version string's first byte */
  gsize platform;    /* offset of the platform string's first byte */
  gsize digest;      /* offset of the body's SHA-256 */
  gsize body;        /* offset of the body */
} Layout;

static Layout
blob_layout (GBytes *blob)
{
  const guint8 *data = g_bytes_get_data (blob, NULL);
  Layout layout;
  gsize at = skip_string (data, 8 + 4) + 32;   /* after the Tact version and profile hash */

  layout.hs_version = at + 4;
  at = skip_string (data, at);
  layout.platform = at + 4;
  at = skip_string (data, at);
  layout.digest = at + 8;
  layout.body = at + 8 + 32;
  return layout;
}

/* A writable copy (one byte longer, so it is never empty). */
static guint8 *
blob_copy (GBytes *blob)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (blob, &size);
  guint8 *copy = g_malloc (size + 1);

  memcpy (copy, data, size);
  return copy;
}

static GBytes *
blob_with_byte (GBytes *blob,
                gsize   offset,
                guint8  value)
{
  gsize size = g_bytes_get_size (blob);
  guint8 *copy = blob_copy (blob);

  g_assert_cmpuint (offset, <, size);
  copy[offset] = value;
  return g_bytes_new_take (copy, size);
}

/* Every key of the header is checked: a blob of another profile, another vectorscan version
 * (issue 8: "a cache from another vectorscan version is rebuilt"), another CPU or format is
 * stale, and the profile is compiled instead — with the same verdicts. */
static void
test_cache_stale_keys (void)
{
  g_autoptr(GBytes) json = default_json ();
  g_autoptr(GPtrArray) terms = NULL;
  g_autoptr(GBytes) other_json = generated_json (50, &terms);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) compiled = load_cached (json, NULL, TACT_PROFILE_CACHE_NONE);
  g_autoptr(TactProfile) other = load_cached (other_json, NULL, TACT_PROFILE_CACHE_NONE);
  g_autoptr(GBytes) blob = tact_profile_dup_compiled (compiled, &error);
  g_autoptr(GBytes) other_blob = tact_profile_dup_compiled (other, &error);
  g_autoptr(GPtrArray) texts = default_texts (compiled);
  const guint8 *data = g_bytes_get_data (blob, NULL);
  Layout layout = blob_layout (blob);
  struct {
    const char *what;
    gsize       offset;
  } keys[] = {
    { "format", 8 },
    { "Tact version", 8 + 4 + 4 },
    { "profile hash", skip_string (data, 12) },
    { "hs_version", layout.hs_version },
    { "platform", layout.platform },
  };

  g_assert_no_error (error);
  g_assert_cmpmem (data + layout.hs_version, strlen (tact_policy_get_engine_version ()),
                   tact_policy_get_engine_version (), strlen (tact_policy_get_engine_version ()));
  g_assert_cmpmem (data + layout.platform, strlen (tact_policy_get_engine_platform ()),
                   tact_policy_get_engine_platform (), strlen (tact_policy_get_engine_platform ()));

  /* Another profile's blob (its own keys all valid) */
  {
    g_autoptr(TactProfile) p = load_cached (json, other_blob, TACT_PROFILE_CACHE_STALE);
    assert_same_verdicts (compiled, p, texts);
  }

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GBytes) changed = blob_with_byte (blob, keys[i].offset,
                                                  data[keys[i].offset] ^ 0x01);
      g_autoptr(TactProfile) p = NULL;

      g_test_message ("key: %s", keys[i].what);
      p = load_cached (json, changed, TACT_PROFILE_CACHE_STALE);
      assert_same_verdicts (compiled, p, texts);
    }
}

/* Fuzz-ish: truncated and garbled blobs are misses (the profile is compiled and judges as
 * usual), never a crash or an out-of-bounds read (run under ASan/valgrind in the fuzz suite's
 * builds). A small profile keeps each rebuild cheap. */
#define N_BODY_GARBLED 250

static void
test_cache_corrupt_blobs (void)
{
  g_autoptr(GPtrArray) terms = NULL;
  g_autoptr(GBytes) json = generated_json (40, &terms);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) compiled = load_cached (json, NULL, TACT_PROFILE_CACHE_NONE);
  g_autoptr(GBytes) blob = tact_profile_dup_compiled (compiled, &error);
  g_autoptr(GPtrArray) texts = generated_texts (terms);
  gsize size = g_bytes_get_size (blob);
  const guint8 *data = g_bytes_get_data (blob, NULL);
  Layout layout = blob_layout (blob);
  GRand *rand = g_rand_new_with_seed (4242);
  guint n_body_hits = 0;

  g_assert_no_error (error);
  g_ptr_array_set_size (texts, 20);

  /* Cut short anywhere: every length up to past the header, then a stride. */
  for (gsize len = 0; len < size; len += len < layout.body + 16 ? 1 : MAX (1, size / 50))
    {
      g_autoptr(GBytes) cut = g_bytes_new_from_bytes (blob, 0, len);
      g_autoptr(TactProfile) p = tact_profile_new_from_bytes_cached (json, cut, &error);

      g_assert_no_error (error);
      g_assert_cmpint (tact_profile_get_cache_status (p), !=, TACT_PROFILE_CACHE_HIT);
      if (len % 17 == 0)
        assert_same_verdicts (compiled, p, texts);
    }

  /* Trailing bytes, and the empty blob. */
  {
    g_autoptr(GByteArray) longer = g_byte_array_new ();
    g_autoptr(GBytes) longer_bytes = NULL;
    g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
    g_autoptr(TactProfile) p1 = NULL;
    g_autoptr(TactProfile) p2 = NULL;

    g_byte_array_append (longer, data, size);
    g_byte_array_append (longer, (const guint8 *) "x", 1);
    longer_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&longer));
    p1 = load_cached (json, longer_bytes, TACT_PROFILE_CACHE_CORRUPT);
    p2 = load_cached (json, empty, TACT_PROFILE_CACHE_CORRUPT);
  }

  /* One garbled byte anywhere: the magic or the digest catches it, a key makes it stale. */
  for (guint i = 0; i < 150; i++)
    {
      gsize at = g_rand_int_range (rand, 0, size);
      g_autoptr(GBytes) bad = blob_with_byte (blob, at, data[at] ^ (1 + g_rand_int_range (rand, 0, 255)));
      g_autoptr(TactProfile) p = tact_profile_new_from_bytes_cached (json, bad, &error);

      g_assert_no_error (error);
      g_assert_cmpint (tact_profile_get_cache_status (p), !=, TACT_PROFILE_CACHE_HIT);
      if (i % 25 == 0)
        assert_same_verdicts (compiled, p, texts);
    }

  /* Garbled inside the body with the digest made to match (as if the writer had a bug):
   * the body's own checks — counts, table entries against the profile, vectorscan's
   * deserialisation — must still hold the reads in bounds. Whatever loads must not crash
   * when it checks. */
  for (guint i = 0; i < N_BODY_GARBLED; i++)
    {
      gsize at = layout.body + g_rand_int_range (rand, 0, size - layout.body);
      gsize len = 0;
      guint8 *copy = blob_copy (blob);
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      g_autoptr(GBytes) bad = NULL;
      g_autoptr(TactProfile) p = NULL;

      copy[at] ^= 1 + g_rand_int_range (rand, 0, 255);
      g_checksum_update (checksum, copy + layout.body, size - layout.body);
      len = 32;
      g_checksum_get_digest (checksum, copy + layout.digest, &len);
      bad = g_bytes_new_take (copy, size);

      p = tact_profile_new_from_bytes_cached (json, bad, &error);
      g_assert_no_error (error);
      if (tact_profile_get_cache_status (p) == TACT_PROFILE_CACHE_HIT)
        {
          n_body_hits++;
          g_free (check_to_string (p, texts->pdata[i % texts->len], 1));
        }
    }
  g_test_message ("%u of %u body-garbled blobs with a matching digest still loaded", n_body_hits,
                  N_BODY_GARBLED);
  g_rand_free (rand);
}

/* A blob with a pattern table that does not fit the profile (a wrong rule count, an entry
 * pointing past the rules) is refused even when its digest matches. */
static void
test_cache_table_checked (void)
{
  g_autoptr(GPtrArray) terms = NULL;
  g_autoptr(GBytes) json = generated_json (40, &terms);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) compiled = load_cached (json, NULL, TACT_PROFILE_CACHE_NONE);
  g_autoptr(GBytes) blob = tact_profile_dup_compiled (compiled, &error);
  gsize size = g_bytes_get_size (blob);
  Layout layout = blob_layout (blob);
  /* body: u32 rules, u32 allow terms, u32 patterns, u32 literals, then 17-byte entries
   * starting with the rule (i32) */
  const gsize offsets[] = { layout.body, layout.body + 4, layout.body + 8, layout.body + 16,
                            layout.body + 16 + 4 };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      guint8 *copy = blob_copy (blob);
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      g_autoptr(GBytes) bad = NULL;
      g_autoptr(TactProfile) p = NULL;
      gsize len = 32;

      copy[offsets[i]] += 7;  /* 2 rules → 9; an entry's rule 0 → 7; its detector 0 → 7 … */
      g_checksum_update (checksum, copy + layout.body, size - layout.body);
      g_checksum_get_digest (checksum, copy + layout.digest, &len);
      bad = g_bytes_new_take (copy, size);
      p = load_cached (json, bad, TACT_PROFILE_CACHE_CORRUPT);
    }
}

/* The JSON is still validated in full: an invalid profile fails with its usual error even
 * with a blob that was once made for it (not possible with a matching hash, but a caller may
 * pass any blob). */
static void
test_cache_invalid_json (void)
{
  g_autoptr(GBytes) json = default_json ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) compiled = load_cached (json, NULL, TACT_PROFILE_CACHE_NONE);
  g_autoptr(GBytes) blob = tact_profile_dup_compiled (compiled, &error);
  g_autoptr(GBytes) bad_json = g_bytes_new_static ("{\"format\": 1}", 13);
  g_autoptr(TactProfile) p = NULL;

  g_assert_no_error (error);
  p = tact_profile_new_from_bytes_cached (bad_json, blob, &error);
  g_assert_null (p);
  g_assert_error (error, TACT_POLICY_ERROR, TACT_POLICY_ERROR_INVALID);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/policy/cache/default-same-verdicts", test_cache_default_same_verdicts);
  g_test_add_func ("/policy/cache/generated-same-verdicts", test_cache_generated_same_verdicts);
  g_test_add_func ("/policy/cache/stale-keys", test_cache_stale_keys);
  g_test_add_func ("/policy/security/cache-corrupt-blobs", test_cache_corrupt_blobs);
  g_test_add_func ("/policy/security/cache-table-checked", test_cache_table_checked);
  g_test_add_func ("/policy/cache/invalid-json", test_cache_invalid_json);

  return g_test_run ();
}
