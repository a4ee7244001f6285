/* test-nearby.c: the "nearby" detector (issue 10, item 4; tact-nearby.c) — its shapes, its
 * window, its errors — and the shipped profile's two structural rules; and a rule's
 * "unless" (an ordinary list-price quote does not need approval).
 */
#include <string.h>

#include "policy/tact-policy-private.h"

#define L(x) "{\"en\": \"" x "\", \"zh_CN\": \"" x "\", \"zh_TW\": \"" x "\"}"

static TactProfile *
nearby_profile (const char  *groups,
                guint        window,
                GError     **error)
{
  g_autofree char *json = g_strdup_printf (
    "{\"format\": 2, \"id\": \"n\", \"version\": \"1\", \"name\": " L("n") ","
    " \"rules\": [{\"id\": \"near\", \"clauses\": [\"PUB-1\"], \"title\": " L("Near") ","
    " \"explanation\": " L("x") ", \"action\": \"warn\","
    " \"detectors\": [{\"type\": \"nearby\", \"window\": %u, \"groups\": %s}]}]}", window, groups);
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));

  return tact_profile_new_from_bytes (bytes, error);
}

/* The matched text of the first finding of rule @rule, or NULL. */
static char *
check_matched (TactProfile *profile,
               const char  *rule,
               const char  *text)
{
  TactOutgoing outgoing = { text, 0, 2, TACT_ROOM_KIND_DM, NULL, 0 };
  g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      if (g_str_equal (finding->rule_id, rule))
        return g_strdup (finding->matched);
    }
  return NULL;
}

static void
test_shapes (void)
{
  static const struct {
    const char *shape;
    const char *text;
    const char *matched;  /* NULL: no finding */
  } cases[] = {
    { "#money", "pay 38k", "pay 38k" },
    { "#money", "pay ¥3,500", "pay ¥3,500" },
    { "#money", "pay 3.8万", "pay 3.8万" },
    { "#money", "pay 45 万", "pay 45 万" },
    { "#money", "pay RMB 9000", "pay RMB 9000" },
    { "#money", "pay 38 kids", NULL },
    { "#money", "pay 9000", NULL },
    { "#figure", "pay 23.4%", "pay 23.4%" },
    { "#figure", "pay 1,200", "pay 1,200" },
    { "#figure", "pay 7", NULL },
    { "#figure", "pay v12", NULL },
    { "#level", "pay P7", "pay P7" },
    { "#level", "pay t3-2", "pay t3-2" },
    { "#level", "pay p700", NULL },
    { "#level", "pay top7", NULL },
    { "#name", "pay 王磊", "pay 王磊" },
    { "#name", "pay 小周", "pay 小周" },
    { "#name", "pay 陳曉燕", "pay 陳曉燕" },
    { "#name", "pay, nobody", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *groups = g_strdup_printf ("[[\"pay\"], [\"%s\"]]", cases[i].shape);
      g_autoptr(GError) error = NULL;
      g_autoptr(TactProfile) profile = nearby_profile (groups, 30, &error);
      g_autofree char *matched = NULL;

      g_test_message ("case %u: %s in %s", i, cases[i].shape, cases[i].text);
      g_assert_no_error (error);
      matched = check_matched (profile, "near", cases[i].text);
      g_assert_cmpstr (matched, ==, cases[i].matched);
    }
}

static void
test_window_and_order (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile =
    nearby_profile ("[[\"月薪\", \"salary\"], [\"#money\"], [\"#level\", \"#name\"]]", 20, &error);
  g_autofree char *near = NULL;
  g_autofree char *reversed = NULL;
  g_autofree char *far = NULL;
  g_autofree char *partial = NULL;
  g_autofree char *latin = NULL;

  g_assert_no_error (error);
  near = check_matched (profile, "near", "听说王磊月薪 38k 了");
  g_assert_cmpstr (near, ==, "王磊月薪 38k");
  /* Any order. */
  reversed = check_matched (profile, "near", "38k 是 P7 的月薪");
  g_assert_cmpstr (reversed, ==, "38k 是 P7 的月薪");
  /* Every group, but further apart than the window. */
  far = check_matched (profile, "near", "王磊说他今天下午要去客户那边开会然后顺便谈谈月薪 38k 的事情");
  g_assert_null (far);
  /* A group missing. */
  partial = check_matched (profile, "near", "月薪 38k 的岗位在招人");
  g_assert_null (partial);
  /* Latin words match whole words only. */
  latin = check_matched (profile, "near", "M2 salaryman 38k");
  g_assert_null (latin);
}

static void
test_errors (void)
{
  static const struct {
    const char *groups;
    guint       window;
    const char *message;
  } cases[] = {
    { "[[\"pay\"]]", 30, "groups: expected an array of 2 to 6 groups" },
    { "[[\"pay\"], [\"#amount\"]]", 30, "unknown shape \"#amount\"" },
    { "[[\"pay\"], []]", 30, "groups[1]" },
    { "[[\"pay\"], [\"#money\"]]", 1, "window: expected 2 to 500 characters" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TactProfile) profile = nearby_profile (cases[i].groups, cases[i].window, &error);

      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(no error)");
      g_assert_null (profile);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }
}

/* The shipped profile: pay next to a name or level, a metric with a figure before it is
 * public; ordinary talk with names and numbers passes these rules. */
static void
test_shipped (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_default (&error);
  static const struct {
    const char *rule;
    const char *text;
    gboolean    fires;
  } cases[] = {
    { "pub1-pay-figures", "王磊 P7 这次调到 38k 了，比我多了快一万", TRUE },
    { "pub1-pay-figures", "刚看到表了，陈晓燕 M2 底薪 31000 加绩效 20%", TRUE },
    { "pub1-pay-figures", "FYI the new L5 offer is 45k base plus RSUs", TRUE },
    { "pub1-pay-figures", "工资条什么时候发？王经理说月底", FALSE },
    { "pub1-unpublished-figures", "Q3 毛利率 23.4%，下周五才对外", TRUE },
    { "pub1-unpublished-figures", "Q3 revenue came in at 1.2B, not public yet", TRUE },
    { "pub1-unpublished-figures", "Q3 营收 12.3 亿已经在年报里公布了", FALSE },
    { "pub1-unpublished-figures", "明天 9 点 3 楼会议室，王经理主持", FALSE },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *matched = check_matched (profile, cases[i].rule, cases[i].text);

      g_test_message ("case %u: %s", i, cases[i].text);
      g_assert_true ((matched != NULL) == cases[i].fires);
    }
}

/* "unless": the shipped EXT-2 rule lets an ordinary list-price quote to a customer through,
 * and still asks for approval of terms that are not (docs/classifier.md). */
static void
test_unless (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = tact_profile_new_default (&error);
  TactOutgoing ordinary = { "您要的报价：基础版 99 元/月，专业版 299 元/月，官网同价", 1, 3,
                            TACT_ROOM_KIND_GROUP, NULL, 0 };
  TactOutgoing special = { "这是我们的报价，请查收", 1, 3, TACT_ROOM_KIND_GROUP, NULL, 0 };
  g_autoptr(TactVerdict) a = NULL;
  g_autoptr(TactVerdict) b = NULL;
  const char *bad = "{\"format\": 2, \"id\": \"u\", \"version\": \"1\", \"name\": " L("u") ","
                    " \"rules\": [{\"id\": \"r\", \"title\": " L("r") ", \"explanation\": " L("x") ","
                    " \"clauses\": [\"EXT-2\"], \"action\": \"warn\","
                    " \"detectors\": [{\"type\": \"terms\", \"terms\": [\"报价\"]}],"
                    " \"unless\": {\"category\": \"pay_hr\"}}]}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (bad, strlen (bad));
  g_autoptr(TactProfile) refused = NULL;
  g_autoptr(GError) refused_error = NULL;

  g_assert_no_error (error);
  a = tact_profile_check (profile, &ordinary);
  for (guint i = 0; i < a->findings->len; i++)
    g_assert_cmpstr (((TactFinding *) g_ptr_array_index (a->findings, i))->rule_id, !=,
                     "ext2-important-external");
  b = tact_profile_check (profile, &special);
  g_assert_cmpint (b->action, >=, TACT_ACTION_APPROVE);

  /* Only a harmless category can excuse a rule. */
  refused = tact_profile_new_from_bytes (bytes, &refused_error);
  g_assert_null (refused);
  g_assert_nonnull (strstr (refused_error->message, "unless.category: the classifier has no harmless "
                                                    "category \"pay_hr\""));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nearby/shapes", test_shapes);
  g_test_add_func ("/nearby/window-and-order", test_window_and_order);
  g_test_add_func ("/nearby/errors", test_errors);
  g_test_add_func ("/nearby/shipped", test_shipped);
  g_test_add_func ("/nearby/unless", test_unless);
  return g_test_run ();
}
