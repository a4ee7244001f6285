/* test-canonical-json.c: tact_canonical_json() against the Matrix spec's examples and
 * grammar, and the inputs it must refuse.
 *
 * The spec cases are the appendix's "Canonical JSON" examples, input and output as the
 * spec writes them. The SHA-256 vector was computed outside Tact, with Python (the
 * spec's reference encoder):
 *   json.dumps(v, ensure_ascii=False, separators=(',',':'), sort_keys=True).encode()
 * then hashlib.sha256(...).hexdigest().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "tact-matrix.h"

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
canonical_of_text (const char *text)
{
  g_autoptr(JsonNode) node = parse (text);
  g_autoptr(GError) error = NULL;
  char *out = tact_canonical_json (node, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

/* Asserts that @node is refused with G_IO_ERROR_INVALID_DATA by both entry points. */
static void
assert_refused (JsonNode *node)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) hash_error = NULL;
  g_autofree char *out = tact_canonical_json (node, &error);
  g_autofree char *hash = tact_canonical_json_sha256 (node, &hash_error);

  g_assert_null (out);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_null (hash);
  g_assert_error (hash_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

/* ---- The spec's examples ------------------------------------------------------------ */

typedef struct {
  const char *name;
  const char *input;
  const char *expected;
} SpecCase;

static const SpecCase spec_cases[] = {
  { "empty", "{}", "{}" },
  { "one-two",
    "{\n"
    "    \"one\": 1,\n"
    "    \"two\": \"Two\"\n"
    "}",
    "{\"one\":1,\"two\":\"Two\"}" },
  { "b-a-pretty",
    "{\n"
    "    \"b\": \"2\",\n"
    "    \"a\": \"1\"\n"
    "}",
    "{\"a\":\"1\",\"b\":\"2\"}" },
  { "b-a-compact", "{\"b\":\"2\",\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"2\"}" },
  { "auth",
    "{\n"
    "    \"auth\": {\n"
    "        \"success\": true,\n"
    "        \"mxid\": \"@john.doe:example.com\",\n"
    "        \"profile\": {\n"
    "            \"display_name\": \"John Doe\",\n"
    "            \"three_pids\": [\n"
    "                {\n"
    "                    \"medium\": \"email\",\n"
    "                    \"address\": \"john.doe@example.org\"\n"
    "                },\n"
    "                {\n"
    "                    \"medium\": \"msisdn\",\n"
    "                    \"address\": \"123456789\"\n"
    "                }\n"
    "            ]\n"
    "        }\n"
    "    }\n"
    "}",
    "{\"auth\":{\"mxid\":\"@john.doe:example.com\",\"profile\":{\"display_name\":\"John Doe\","
    "\"three_pids\":[{\"address\":\"john.doe@example.org\",\"medium\":\"email\"},"
    "{\"address\":\"123456789\",\"medium\":\"msisdn\"}]},\"success\":true}}" },
  { "utf8-value",
    "{\n"
    "    \"a\": \"日本語\"\n"
    "}",
    "{\"a\":\"日本語\"}" },
  { "utf8-keys",
    "{\n"
    "    \"本\": 2,\n"
    "    \"日\": 1\n"
    "}",
    "{\"日\":1,\"本\":2}" },
  { "u-escape-to-raw",
    "{\n"
    "    \"a\": \"\\u65E5\"\n"
    "}",
    "{\"a\":\"日\"}" },
  { "null",
    "{\n"
    "    \"a\": null\n"
    "}",
    "{\"a\":null}" },
  /* json-glib reads -0 as the integer 0 and 1e10 as a double: the double is written as
   * the integer it is. */
  { "minus-zero-exponent",
    "{\n"
    "    \"a\": -0,\n"
    "    \"b\": 1e10\n"
    "}",
    "{\"a\":0,\"b\":10000000000}" },
};

static void
test_spec_example (gconstpointer data)
{
  const SpecCase *c = data;
  g_autofree char *out = canonical_of_text (c->input);

  g_assert_cmpstr (out, ==, c->expected);
}

/* ---- Escaping (the spec's grammar: `escaped`) ---------------------------------------- */

/* U+0001 … U+001F, written out rather than computed. U+0000 cannot reach us: json-glib
 * strings are C strings and its parser cuts a string at \u0000. */
static const char * const control_escapes[0x20] = {
  NULL,     "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
  "\\b",    "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
  "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
  "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
};

static void
test_escape_controls (void)
{
  for (guint c = 1; c < 0x20; c++)
    {
      char str[] = { 'x', (char) c, 'y', '\0' };
      g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), str);
      g_autoptr(GError) error = NULL;
      g_autofree char *out = tact_canonical_json (node, &error);
      g_autofree char *expected = g_strdup_printf ("\"x%sy\"", control_escapes[c]);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, expected);
    }
}

static void
test_escape_minimal (void)
{
  /* Parsed from escapes that canonical JSON does not use (\/, \u00e9, \u2028, \u007f,
   * a surrogate pair): only " and \ stay escaped; the rest comes out raw. */
  g_autofree char *out = canonical_of_text (
      "[\"q\\\"b\\\\s\\/e\\u00e9l\\u2028d\\u007fp\\ud83d\\ude00\"]");

  g_assert_cmpstr (out, ==, "[\"q\\\"b\\\\s/eél\xe2\x80\xa8" "d\x7f" "p😀\"]");

  /* Member names are escaped the same way. */
  g_clear_pointer (&out, g_free);
  out = canonical_of_text ("{\"k\\n\\\"\\u0001\":1}");
  g_assert_cmpstr (out, ==, "{\"k\\n\\\"\\u0001\":1}");
}

/* ---- Order ------------------------------------------------------------------------- */

static void
test_key_order_independent (void)
{
  const char *keys[] = { "delta", "alpha", "charlie", "bravo" };
  const char *expected =
      "{\"alpha\":{\"x\":1,\"y\":[1,2]},\"bravo\":{\"x\":1,\"y\":[1,2]},"
      "\"charlie\":{\"x\":1,\"y\":[1,2]},\"delta\":{\"x\":1,\"y\":[1,2]}}";
  guint n_orders = 0;

  /* Every insertion order of the four keys (24), and of the nested pair (2). */
  for (guint a = 0; a < 4; a++)
    for (guint b = 0; b < 4; b++)
      for (guint c = 0; c < 4; c++)
        {
          guint d = 6 - a - b - c;
          guint order[4] = { a, b, c, d };
          g_autoptr(JsonObject) obj = NULL;
          g_autoptr(JsonNode) node = NULL;
          g_autofree char *out = NULL;
          g_autoptr(GError) error = NULL;

          if (a == b || a == c || b == c)
            continue;

          obj = json_object_new ();
          for (guint i = 0; i < 4; i++)
            {
              JsonObject *inner = json_object_new ();
              JsonArray *array = json_array_new ();

              json_array_add_int_element (array, 1);
              json_array_add_int_element (array, 2);
              if ((n_orders + i) % 2 == 0)
                {
                  json_object_set_int_member (inner, "x", 1);
                  json_object_set_array_member (inner, "y", array);
                }
              else
                {
                  json_object_set_array_member (inner, "y", array);
                  json_object_set_int_member (inner, "x", 1);
                }
              json_object_set_object_member (obj, keys[order[i]], inner);
            }
          node = json_node_init_object (json_node_alloc (), obj);

          out = tact_canonical_json (node, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (out, ==, expected);
          n_orders++;
        }
  g_assert_cmpuint (n_orders, ==, 24);
}

/* Byte order of the UTF-8 names, which is code point order: "B" before "a", a prefix
 * before its extensions, U+FB01 before U+1F600 (UTF-16 order would swap those two). */
static void
test_key_order_code_points (void)
{
  g_autofree char *out = canonical_of_text (
      "{\"😀\":7,\"ﬁ\":6,\"é\":5,\"aa\":4,\"a\":3,\"B\":2,\"\":1}");

  g_assert_cmpstr (out, ==, "{\"\":1,\"B\":2,\"a\":3,\"aa\":4,\"é\":5,\"ﬁ\":6,\"😀\":7}");
}

/* ---- Numbers ----------------------------------------------------------------------- */

static void
test_integers_in_range (void)
{
  g_autofree char *out = canonical_of_text (
      "[0,-1,9007199254740991,-9007199254740991]");

  g_assert_cmpstr (out, ==, "[0,-1,9007199254740991,-9007199254740991]");
}

static void
test_integers_out_of_range (void)
{
  const gint64 values[] = {
    G_GINT64_CONSTANT (9007199254740992),
    G_GINT64_CONSTANT (-9007199254740992),
    G_MAXINT64,
    G_MININT64,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_int (json_node_alloc (), values[i]);

      assert_refused (node);
    }

  /* Deep inside a tree, the whole encoding fails. */
  {
    g_autoptr(JsonNode) node = parse ("{\"a\":[1,{\"b\":9007199254740992}]}");

    assert_refused (node);
  }
}

static void
test_doubles_integral (void)
{
  const struct { double value; const char *expected; } cases[] = {
    { 1e10, "10000000000" },
    { 1.0, "1" },
    { -0.0, "0" },
    { -42.0, "-42" },
    { 9007199254740991.0, "9007199254740991" },
    { -9007199254740991.0, "-9007199254740991" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), cases[i].value);
      g_autoptr(GError) error = NULL;
      g_autofree char *out = tact_canonical_json (node, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, cases[i].expected);
    }
}

static void
test_doubles_refused (void)
{
  const double values[] = {
    1.5, 0.1, -2.5, 1e-300, 9007199254740992.0, -9007199254740992.0, 1e300,
    NAN, INFINITY, -INFINITY,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), values[i]);

      assert_refused (node);
    }

  /* And from parsed text, as a member. */
  {
    g_autoptr(JsonNode) node = parse ("{\"amount\":12.5}");

    assert_refused (node);
  }
}

/* ---- Strings that are not UTF-8 ----------------------------------------------------- */

static void
test_invalid_utf8 (void)
{
  const char *bad[] = {
    "secret\xff",            /* never a UTF-8 byte */
    "secret\xc3",            /* truncated sequence */
    "secret\xc0\xaf",        /* overlong "/" */
    "secret\xed\xa0\x80",    /* a UTF-16 surrogate (U+D800) */
    "secret\xf4\x90\x80\x80", /* above U+10FFFF */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) value = json_node_init_string (json_node_alloc (), bad[i]);
      g_autoptr(JsonObject) obj = json_object_new ();
      g_autoptr(JsonNode) as_name = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL;

      assert_refused (value);

      /* The message never quotes the content. */
      out = tact_canonical_json (value, &error);
      g_assert_nonnull (error);
      g_assert_null (strstr (error->message, "secret"));

      /* As a member name. */
      json_object_set_int_member (obj, bad[i], 1);
      as_name = json_node_init_object (json_node_alloc (), obj);
      assert_refused (as_name);
    }
}

/* ---- Depth ------------------------------------------------------------------------- */

/* @depth nested containers, arrays or objects: [[…[]…]] or {"a":{"a":…{}…}}. */
static JsonNode *
nested (guint    depth,
        gboolean objects)
{
  JsonNode *node = objects ? json_node_new (JSON_NODE_OBJECT) : json_node_new (JSON_NODE_ARRAY);

  if (objects)
    json_node_take_object (node, json_object_new ());
  else
    json_node_take_array (node, json_array_new ());

  for (guint i = 1; i < depth; i++)
    {
      JsonNode *outer;

      if (objects)
        {
          JsonObject *obj = json_object_new ();

          json_object_set_member (obj, "a", node);
          outer = json_node_init_object (json_node_alloc (), obj);
          json_object_unref (obj);
        }
      else
        {
          JsonArray *array = json_array_new ();

          json_array_add_element (array, node);
          outer = json_node_init_array (json_node_alloc (), array);
          json_array_unref (array);
        }
      node = outer;
    }
  return node;
}

static void
test_depth_limit (void)
{
  for (int objects = 0; objects <= 1; objects++)
    {
      g_autoptr(JsonNode) at_limit = nested (TACT_CANONICAL_JSON_MAX_DEPTH, objects);
      g_autoptr(JsonNode) over = nested (TACT_CANONICAL_JSON_MAX_DEPTH + 1, objects);
      g_autoptr(GError) error = NULL;
      g_autofree char *out = tact_canonical_json (at_limit, &error);
      g_autoptr(GString) expected = g_string_new (NULL);

      g_assert_no_error (error);
      for (guint i = 0; i < TACT_CANONICAL_JSON_MAX_DEPTH; i++)
        g_string_append (expected, objects ? (i + 1 < TACT_CANONICAL_JSON_MAX_DEPTH ? "{\"a\":" : "{")
                                           : "[");
      for (guint i = 0; i < TACT_CANONICAL_JSON_MAX_DEPTH; i++)
        g_string_append_c (expected, objects ? '}' : ']');
      g_assert_cmpstr (out, ==, expected->str);

      assert_refused (over);
    }
  g_assert_cmpint (TACT_CANONICAL_JSON_MAX_DEPTH, ==, 64);
}

/* ---- Scalars at the top ------------------------------------------------------------ */

static void
test_top_level_scalars (void)
{
  const char *cases[][2] = {
    { "null", "null" },
    { "true", "true" },
    { "false", "false" },
    { "-7", "-7" },
    { "\"a\\tb\"", "\"a\\tb\"" },
    { "[ ]", "[]" },
    { "[ true , null , \"\" ]", "[true,null,\"\"]" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = canonical_of_text (cases[i][0]);

      g_assert_cmpstr (out, ==, cases[i][1]);
    }
}

/* ---- SHA-256 ----------------------------------------------------------------------- */

static void
test_sha256 (void)
{
  /* An approval-request-shaped value: reordered keys, nesting, controls, DEL, CJK, an
   * astral character, the smallest allowed integer, null and false. */
  const char *input =
      "{\"type\":\"io.github.tactchat.approval.request\",\"request_id\":\"apr-7\","
      "\"room_id\":\"!r:corp.test\",\n\"sender\":\"@alice:corp.test\",\"ts\":1719830400000,"
      "\"min\":-9007199254740991,\n\"content\":{\"msgtype\":\"m.text\",\"body\":"
      "\"Quarterly figures: \\\"draft\\\"\\n\\ttab\\\\slash\\u0001\\u001f\\u007f/ 日本語 😀\"},\n"
      "\"findings\":[{\"rule\":\"iban\",\"count\":2},{\"rule\":\"名前\",\"count\":1}],"
      "\"urgent\":false,\"note\":null,\"ﬁ\":1,\"😀\":2,\"B\":3,\"\":0}";
  const char *expected_canonical =
      "{\"\":0,\"B\":3,\"content\":{\"body\":\"Quarterly figures: \\\"draft\\\"\\n\\ttab\\\\slash"
      "\\u0001\\u001f\x7f/ 日本語 😀\",\"msgtype\":\"m.text\"},\"findings\":[{\"count\":2,"
      "\"rule\":\"iban\"},{\"count\":1,\"rule\":\"名前\"}],\"min\":-9007199254740991,"
      "\"note\":null,\"request_id\":\"apr-7\",\"room_id\":\"!r:corp.test\","
      "\"sender\":\"@alice:corp.test\",\"ts\":1719830400000,"
      "\"type\":\"io.github.tactchat.approval.request\",\"urgent\":false,\"ﬁ\":1,\"😀\":2}";
  /* From Python, see the top of this file. */
  const char *expected_sha256 =
      "d071efe5a89956af2ca31397c6401ae07c5b5b9446e1a7c7f4d25f1b1ecc60e3";
  g_autoptr(JsonNode) node = parse (input);
  g_autoptr(JsonNode) empty = parse ("{ }");
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = tact_canonical_json (node, &error);
  g_autofree char *hash = NULL;
  g_autofree char *empty_hash = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (canonical, ==, expected_canonical);

  hash = tact_canonical_json_sha256 (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hash, ==, expected_sha256);

  /* sha256("{}") */
  empty_hash = tact_canonical_json_sha256 (empty, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (empty_hash, ==,
                   "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

/* ---- main ----------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (spec_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/matrix/canonical-json/spec/%s", spec_cases[i].name);
      g_test_add_data_func (path, &spec_cases[i], test_spec_example);
    }
  g_test_add_func ("/matrix/canonical-json/escape/controls", test_escape_controls);
  g_test_add_func ("/matrix/canonical-json/escape/minimal", test_escape_minimal);
  g_test_add_func ("/matrix/canonical-json/order/insertion-independent", test_key_order_independent);
  g_test_add_func ("/matrix/canonical-json/order/code-points", test_key_order_code_points);
  g_test_add_func ("/matrix/canonical-json/number/integers-in-range", test_integers_in_range);
  g_test_add_func ("/matrix/canonical-json/number/integers-out-of-range", test_integers_out_of_range);
  g_test_add_func ("/matrix/canonical-json/number/doubles-integral", test_doubles_integral);
  g_test_add_func ("/matrix/canonical-json/number/doubles-refused", test_doubles_refused);
  g_test_add_func ("/matrix/canonical-json/string/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/matrix/canonical-json/depth-limit", test_depth_limit);
  g_test_add_func ("/matrix/canonical-json/top-level-scalars", test_top_level_scalars);
  g_test_add_func ("/matrix/canonical-json/sha256", test_sha256);

  return g_test_run ();
}
