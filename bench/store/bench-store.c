/* bench-store.c: figures for the history database (issue 4, Benchmarks).
 *
 *   1. insert rate through tact_store_save_sync_async (1000 events per transaction, a large
 *      sync's worth), encrypted and unencrypted (same code path, TACT_STORE_OPEN_UNENCRYPTED);
 *   2. search latency p50/p99 for two-character Chinese words and Latin words over 1M stored
 *      events (half Chinese), encrypted and unencrypted;
 *   3. time to process a 20 MB /sync response (json-glib generated, 500 rooms): parse with
 *      tact_sync_response_parse_bytes, convert to store rows, save;
 *   4. RSS with 500 rooms loaded (list_rooms + 50 events each), in a fresh child process.
 *
 * Every figure is printed with its goal and MET/MISSED. The 1M-event databases are generated
 * deterministically once and reused from $TACT_BENCH_CACHE (keyed by DATA_VERSION).
 * TACT_BENCH_STORE_EVENTS overrides the event count (for quick runs).
 * TACT_BENCH_STORE_ONLY=insert stops after the insert-rate figures.
 */
#include "store/tact-store-private.h"
#include "matrix/tact-matrix.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#define DATA_VERSION   "store-bench-v1"
#define N_ROOMS        500
#define BATCH          1000    /* events per save_sync transaction */
#define IN_FLIGHT      4       /* batches queued on the worker at once */
#define INSERT_SAMPLE  100000  /* events inserted into a fresh database for the rate */
#define SEARCH_LIMIT   50      /* one page of results */
#define SEARCH_RUNS    10      /* per query word */
#define SYNC_BYTES     (20 * 1024 * 1024)

#define GOAL_SEARCH_MS 50.0
#define GOAL_RATIO     1.3
#define GOAL_RSS_MB    120.0
#define GOAL_SYNC_S    3.0     /* not in the issue: a reference (parse alone is ~0.3-0.45 s) */

/* ---- Deterministic text -------------------------------------------------------------- */

static const char *const zh_words[] = {
  "我们", "今天", "明天", "会议", "项目", "客户", "合同", "预算", "报告", "季度", "市场", "数据",
  "机密", "文件", "需要", "已经", "可以", "下午", "上午", "讨论", "方案", "团队", "经理", "公司",
  "产品", "价格", "销售", "计划", "时间", "问题", "解决", "确认", "发送", "邮件", "附件", "系统",
  "测试", "版本", "发布", "用户", "反馈", "服务", "部门", "同事", "安排", "调整", "目标", "结果",
  "分析", "风险", "质量", "进度", "审核", "批准", "签字", "财务", "投资", "利润", "成本", "供应",
  "采购", "库存", "物流", "运输", "仓库", "订单", "支付", "发票", "税务", "法律", "律师", "条款",
  "谈判", "合作", "伙伴", "战略", "规划", "会计", "审计", "内部", "外部", "保密", "信息", "安全",
  "网络", "服务器", "数据库", "密码", "账号", "权限", "登录", "设备", "电脑", "手机", "打印",
  "会议室", "预订", "出差", "酒店", "机票", "报销", "申请", "流程", "培训", "招聘", "面试", "员工",
  "工资", "奖金", "假期", "周末", "晚上", "中午", "早上", "北京", "上海", "深圳", "广州", "香港",
  "研发", "设计", "开发", "代码", "文档", "需求", "功能", "界面", "性能", "优化", "部署", "监控",
  "故障", "修复", "更新", "升级", "备份", "恢复", "迁移", "配置", "接口", "平台", "工具", "模块",
  "的", "了", "在", "是", "和", "有", "也", "就", "都", "要", "把", "给", "请", "吗", "吧", "很",
};

static const char *const en_words[] = {
  "the", "a", "we", "you", "they", "is", "are", "will", "can", "should", "need", "please",
  "meeting", "project", "client", "contract", "budget", "report", "quarter", "market", "data",
  "confidential", "file", "today", "tomorrow", "afternoon", "morning", "discuss", "plan", "team",
  "manager", "company", "product", "price", "sales", "schedule", "time", "issue", "resolve",
  "confirm", "send", "email", "attachment", "system", "test", "version", "release", "user",
  "feedback", "service", "department", "colleague", "arrange", "adjust", "goal", "result",
  "analysis", "risk", "quality", "progress", "review", "approve", "sign", "finance", "invest",
  "profit", "cost", "supply", "purchase", "stock", "shipping", "warehouse", "order", "payment",
  "invoice", "tax", "legal", "lawyer", "clause", "negotiate", "partner", "strategy", "audit",
  "internal", "external", "secret", "security", "network", "server", "database", "password",
  "account", "access", "login", "device", "laptop", "phone", "print", "room", "booking", "trip",
  "hotel", "flight", "expense", "request", "process", "training", "hiring", "interview", "staff",
  "salary", "bonus", "holiday", "weekend", "evening", "noon", "early", "late", "design",
  "develop", "code", "docs", "feature", "interface", "performance", "deploy", "monitor",
  "incident", "fix", "update", "upgrade", "backup", "restore", "migrate", "config", "platform",
  "tool", "module", "and", "or", "but", "with", "for", "to", "of", "in", "on", "at", "by", "from",
};

/* Query words: two-character Chinese words and Latin words, all from the lists above. */
static const char *const zh_queries[] = {
  "预算", "会议", "项目", "客户", "合同", "机密", "报告", "季度", "市场", "审计",
};
static const char *const en_queries[] = {
  "budget", "meeting", "project", "client", "contract", "confidential", "report", "quarter",
  "market", "audit",
};

/* splitmix64: fast and deterministic across platforms. */
static guint64
rng_next (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static guint
rng_below (guint64 *state, guint n)
{
  return (guint) (rng_next (state) % n);
}

/* A Chinese sentence (6-15 words, a comma, a full stop) or an English one (6-17 words). */
static void
make_body (GString *out, guint64 *rng, gboolean chinese)
{
  g_string_truncate (out, 0);
  if (chinese)
    {
      guint n = 6 + rng_below (rng, 10);
      guint comma = n / 2;

      for (guint i = 0; i < n; i++)
        {
          g_string_append (out, zh_words[rng_below (rng, G_N_ELEMENTS (zh_words))]);
          if (i == comma)
            g_string_append (out, "，");
        }
      g_string_append (out, rng_below (rng, 4) == 0 ? "？" : "。");
    }
  else
    {
      guint n = 6 + rng_below (rng, 12);

      for (guint i = 0; i < n; i++)
        {
          const char *word = en_words[rng_below (rng, G_N_ELEMENTS (en_words))];

          if (i > 0)
            g_string_append_c (out, ' ');
          if (i == 0)
            {
              g_string_append_c (out, g_ascii_toupper (word[0]));
              g_string_append (out, word + 1);
            }
          else
            g_string_append (out, word);
        }
      g_string_append_c (out, rng_below (rng, 4) == 0 ? '?' : '.');
    }
}

#define BASE_TS G_GINT64_CONSTANT (1700000000000)

static char *
room_id_for (guint room)
{
  return g_strdup_printf ("!room%03u:bench.example", room);
}

/* Event number @n of the synthetic history: round-robin over the rooms, one second apart,
 * alternately Chinese and English (so exactly half are Chinese). */
static TactStoreEvent *
make_event (guint n, guint64 *rng, GString *body)
{
  TactStoreEvent *event = g_new0 (TactStoreEvent, 1);

  make_body (body, rng, n % 2 == 0);
  event->room_id = room_id_for (n % N_ROOMS);
  event->event_id = g_strdup_printf ("$ev%08u:bench.example", n);
  event->sender = g_strdup_printf ("@user%02u:bench.example", (guint) rng_below (rng, 40));
  event->type = g_strdup ("m.room.message");
  event->ts = BASE_TS + (gint64) n * 1000;
  event->body = g_strdup (body->str);
  /* Bodies contain no '"' or '\\': no escaping needed. */
  event->json = g_strdup_printf ("{\"type\":\"m.room.message\",\"event_id\":\"%s\","
                                 "\"room_id\":\"%s\",\"sender\":\"%s\","
                                 "\"origin_server_ts\":%" G_GINT64_FORMAT ","
                                 "\"content\":{\"msgtype\":\"m.text\",\"body\":\"%s\"},"
                                 "\"unsigned\":{\"age\":1234}}",
                                 event->event_id, event->room_id, event->sender, event->ts,
                                 body->str);
  event->send_state = TACT_SEND_STATE_SENT;
  return event;
}

static GPtrArray *
make_rooms (void)
{
  GPtrArray *rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);

  for (guint i = 0; i < N_ROOMS; i++)
    {
      TactStoreRoom *room = g_new0 (TactStoreRoom, 1);

      room->room_id = room_id_for (i);
      room->name = g_strdup_printf (i % 2 ? "Project room %u" : "项目群 %u", i);
      room->membership = g_strdup ("join");
      room->member_count = 2 + i % 40;
      g_ptr_array_add (rooms, room);
    }
  return rooms;
}

/* ---- Async plumbing ----------------------------------------------------------------- */

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;
  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static GBytes *
bench_key (void)
{
  static const guint8 key[32] = {
    0x54, 0x61, 0x63, 0x74, 0x2d, 0x62, 0x65, 0x6e, 0x63, 0x68, 0x2d, 0x6b, 0x65, 0x79, 0x00, 0x01,
    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
  };
  return g_bytes_new_static (key, sizeof key);
}

static TactStore *
open_store (const char *path, gboolean encrypted)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) key = encrypted ? bench_key () : NULL;
  g_autoptr(GError) error = NULL;
  TactStore *store;

  tact_store_open_full_async (path, key,
                              encrypted ? TACT_STORE_OPEN_DEFAULT : TACT_STORE_OPEN_UNENCRYPTED,
                              NULL, store_result, &result);
  store = tact_store_open_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return store;
}

/* Completion counter for pipelined save_sync calls. */
typedef struct {
  guint pending;
  GError *error;
} Pipeline;

static void
saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pipeline *pipeline = user_data;
  GError *error = NULL;

  if (!tact_store_save_sync_finish (TACT_STORE (source), result, &error) && pipeline->error == NULL)
    pipeline->error = error;
  else
    g_clear_error (&error);
  pipeline->pending--;
}

/* Inserts events [first, first + count) in BATCH-sized save_sync transactions, IN_FLIGHT at a
 * time; the first batch also writes the rooms. Returns the elapsed seconds. */
static double
insert_events (TactStore *store, guint first, guint count)
{
  Pipeline pipeline = { 0, NULL };
  g_autoptr(GString) body = g_string_new (NULL);
  guint64 rng = 0x5eed0000ULL + first;
  gint64 start = g_get_monotonic_time ();

  for (guint done = 0; done < count; done += BATCH)
    {
      g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
      g_autoptr(GPtrArray) rooms = done == 0 ? make_rooms () : NULL;
      g_autofree char *token = g_strdup_printf ("s%u", first + done);

      for (guint i = done; i < count && i < done + BATCH; i++)
        g_ptr_array_add (events, make_event (first + i, &rng, body));

      while (pipeline.pending >= IN_FLIGHT)
        g_main_context_iteration (NULL, TRUE);
      pipeline.pending++;
      tact_store_save_sync_async (store, token, rooms, events, NULL, saved_cb, &pipeline);
    }
  while (pipeline.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (pipeline.error);
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
close_store (TactStore *store)
{
  tact_store_close (store);
  g_object_unref (store);
}

static void
remove_db (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);
      g_remove (file);
    }
}

static const char *
verdict (gboolean met)
{
  return met ? "MET" : "MISSED";
}

/* ---- Settings read back from a connection ----------------------------------------------- */

/* The comparison is only fair if both connections run with identical settings besides the
 * key: read them back from the worker's connection and print them. */
static gboolean
read_settings (sqlite3 *db, gpointer func_data, GError **error)
{
  static const char *const pragmas[] = {
    "page_size", "cache_size", "journal_mode", "synchronous", "secure_delete",
    "wal_autocheckpoint", "temp_store", "cipher_page_size",
  };
  GString *out = func_data;

  for (guint i = 0; i < G_N_ELEMENTS (pragmas); i++)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA %s", pragmas[i]);
      sqlite3_stmt *stmt = NULL;

      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
          sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (out, " %s=%s", pragmas[i],
                                (const char *) sqlite3_column_text (stmt, 0));
      else
        g_string_append_printf (out, " %s=-", pragmas[i]);
      sqlite3_finalize (stmt);
    }
  return TRUE;
}

static char *
describe_settings (TactStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GString *out = g_string_new (NULL);

  tact_store_call_async (store, read_settings, out, NULL, store_result, &result);
  g_assert_true (tact_store_call_finish (store, wait_for (&result), &error));
  g_assert_no_error (error);
  return g_string_free (out, FALSE);
}

/* Bytes this process handed to write()/pwrite() so far (all threads), or 0. */
static gint64
process_write_bytes (void)
{
  g_autofree char *io = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/io", &io, NULL, NULL) ||
      (line = strstr (io, "wchar:")) == NULL)
    return 0;
  return g_ascii_strtoll (line + 6, NULL, 10);
}

/* ---- 1. Insert rate -------------------------------------------------------------------- */

static double
measure_insert_rate (const char *dir, gboolean encrypted)
{
  g_autofree char *path = g_build_filename (dir, encrypted ? "insert-enc.db" : "insert-plain.db", NULL);
  TactStore *store;
  double seconds;
  gint64 wrote;

  remove_db (path);
  store = open_store (path, encrypted);
  wrote = process_write_bytes ();
  seconds = insert_events (store, 0, INSERT_SAMPLE);
  wrote = process_write_bytes () - wrote;
  {
    g_autofree char *settings = describe_settings (store);
    g_print ("# %s connection:%s\n# %s insert: %.1f s, %.1f MB written\n",
             encrypted ? "encrypted" : "unencrypted", settings,
             encrypted ? "encrypted" : "unencrypted", seconds, wrote / (1024.0 * 1024.0));
  }
  close_store (store);
  remove_db (path);
  return INSERT_SAMPLE / seconds;
}

/* ---- 2. Search latency ------------------------------------------------------------------ */

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

typedef struct {
  double p50, p99;
  guint hits;  /* results of the last query, as a sanity check */
} Latency;

static Latency
measure_search (TactStore *store, const char *const *words, guint n_words)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  Latency latency = { 0, 0, 0 };

  /* One warm-up pass (a real search box is typed into: the index pages get cached). */
  for (guint run = 0; run < SEARCH_RUNS + 1; run++)
    for (guint w = 0; w < n_words; w++)
      {
        g_autoptr(GAsyncResult) result = NULL;
        g_autoptr(GPtrArray) rows = NULL;
        g_autoptr(GError) error = NULL;
        gint64 start = g_get_monotonic_time ();
        double ms;

        tact_store_search_async (store, words[w], SEARCH_LIMIT, NULL, store_result, &result);
        rows = tact_store_search_finish (store, wait_for (&result), &error);
        ms = (g_get_monotonic_time () - start) / 1000.0;
        g_assert_no_error (error);
        if (run > 0)
          g_array_append_val (times, ms);
        latency.hits = rows->len;
      }

  g_array_sort (times, compare_double);
  latency.p50 = g_array_index (times, double, times->len / 2);
  latency.p99 = g_array_index (times, double, MIN (times->len - 1, (times->len * 99) / 100));
  return latency;
}

/* ---- The cached 1M-event databases ----------------------------------------------------- */

static char *
ensure_history (const char *cache, guint n_events, gboolean encrypted, double *gen_rate)
{
  g_autofree char *name = g_strdup_printf ("%s-%u-%s.db", DATA_VERSION, n_events,
                                           encrypted ? "enc" : "plain");
  char *path = g_build_filename (cache, name, NULL);
  g_autofree char *done_marker = g_strconcat (path, ".complete", NULL);
  TactStore *store;
  double seconds;

  *gen_rate = 0;
  if (g_file_test (done_marker, G_FILE_TEST_EXISTS) && g_file_test (path, G_FILE_TEST_EXISTS))
    return path;

  remove_db (path);
  g_print ("# generating %u events (%s) into %s …\n", n_events,
           encrypted ? "encrypted" : "unencrypted", path);
  store = open_store (path, encrypted);
  seconds = insert_events (store, 0, n_events);
  close_store (store);
  g_assert_true (g_file_set_contents (done_marker, DATA_VERSION, -1, NULL));
  *gen_rate = n_events / seconds;
  g_print ("# generated in %.1f s (%.0f events/s)\n", seconds, *gen_rate);
  return path;
}

/* ---- 3. A 20 MB /sync ------------------------------------------------------------------ */

static GBytes *
make_sync_body (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  guint64 rng = 0x20202020ULL;
  guint per_room = 1;
  gsize length = 0;
  char *data;

  /* Events average ~265 bytes serialised: size the timelines for ~20 MB in all. */
  per_room = SYNC_BYTES / N_ROOMS / 265;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "next_batch");
  json_builder_add_string_value (builder, "s_bench_20mb");
  json_builder_set_member_name (builder, "rooms");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "join");
  json_builder_begin_object (builder);
  for (guint r = 0; r < N_ROOMS; r++)
    {
      g_autofree char *room_id = room_id_for (r);

      json_builder_set_member_name (builder, room_id);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "timeline");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "limited");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "prev_batch");
      json_builder_add_string_value (builder, "p_bench");
      json_builder_set_member_name (builder, "events");
      json_builder_begin_array (builder);
      for (guint e = 0; e < per_room; e++)
        {
          guint n = 5000000 + r * per_room + e;
          g_autofree char *event_id = g_strdup_printf ("$sync%08u:bench.example", n);
          g_autofree char *sender = g_strdup_printf ("@user%02u:bench.example",
                                                     (guint) rng_below (&rng, 40));

          make_body (body, &rng, n % 2 == 0);
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "type");
          json_builder_add_string_value (builder, "m.room.message");
          json_builder_set_member_name (builder, "event_id");
          json_builder_add_string_value (builder, event_id);
          json_builder_set_member_name (builder, "sender");
          json_builder_add_string_value (builder, sender);
          json_builder_set_member_name (builder, "origin_server_ts");
          json_builder_add_int_value (builder, BASE_TS + (gint64) n * 1000);
          json_builder_set_member_name (builder, "content");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "msgtype");
          json_builder_add_string_value (builder, "m.text");
          json_builder_set_member_name (builder, "body");
          json_builder_add_string_value (builder, body->str);
          json_builder_end_object (builder);
          json_builder_set_member_name (builder, "unsigned");
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "age");
          json_builder_add_int_value (builder, 1000 + e);
          json_builder_end_object (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &length);
  return g_bytes_new_take (data, length);
}

typedef struct {
  double parse_s, convert_s, save_s;
  gsize bytes;
  guint events;
} SyncFigures;

static SyncFigures
measure_sync (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "sync-enc.db", NULL);
  g_autoptr(GBytes) body = make_sync_body ();
  g_autoptr(TactSyncResponse) response = NULL;
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_room_free);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SyncFigures figures = { 0 };
  TactStore *store;
  gint64 t0, t1, t2, t3;

  remove_db (path);
  store = open_store (path, TRUE);
  figures.bytes = g_bytes_get_size (body);

  t0 = g_get_monotonic_time ();
  response = tact_sync_response_parse_bytes (body, &error);
  g_assert_no_error (error);
  t1 = g_get_monotonic_time ();

  /* As src/session does (store_event_from): rows for the rooms and their timelines. */
  for (guint i = 0; i < response->joined->len; i++)
    {
      TactSyncRoom *sync_room = g_ptr_array_index (response->joined, i);
      TactStoreRoom *room = g_new0 (TactStoreRoom, 1);

      room->room_id = g_strdup (sync_room->room_id);
      room->membership = g_strdup ("join");
      room->prev_batch = g_strdup (sync_room->prev_batch);
      g_ptr_array_add (rooms, room);
      for (guint j = 0; j < sync_room->timeline->len; j++)
        {
          const TactEvent *event = g_ptr_array_index (sync_room->timeline, j);
          TactStoreEvent *row = g_new0 (TactStoreEvent, 1);

          row->room_id = g_strdup (event->room_id);
          row->event_id = g_strdup (event->event_id);
          row->txn_id = g_strdup (event->transaction_id);
          row->sender = g_strdup (event->sender);
          row->type = g_strdup (event->type);
          row->state_key = g_strdup (event->state_key);
          row->ts = event->origin_server_ts;
          row->body = g_strdup (tact_event_get_body (event));
          row->json = tact_event_to_json (event);
          g_ptr_array_add (events, row);
        }
    }
  figures.events = events->len;
  t2 = g_get_monotonic_time ();

  tact_store_save_sync_async (store, response->next_batch, rooms, events, NULL,
                              store_result, &result);
  g_assert_true (tact_store_save_sync_finish (store, wait_for (&result), &error));
  g_assert_no_error (error);
  t3 = g_get_monotonic_time ();

  close_store (store);
  remove_db (path);
  figures.parse_s = (t1 - t0) / 1e6;
  figures.convert_s = (t2 - t1) / 1e6;
  figures.save_s = (t3 - t2) / 1e6;
  return figures;
}

/* ---- 4. RSS (child process) ------------------------------------------------------------ */

static double
vm_rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return -1;
  return g_ascii_strtod (line + 6, NULL) / 1024.0;
}

/* Runs in a fresh process: open, list the rooms, load 50 events of each, keep them all. */
static int
rss_child (const char *path)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) rooms = NULL;
  g_autoptr(GPtrArray) timelines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GError) error = NULL;
  TactStore *store = open_store (path, TRUE);
  guint n_events = 0;

  tact_store_list_rooms_async (store, NULL, store_result, &result);
  rooms = tact_store_list_rooms_finish (store, wait_for (&result), &error);
  g_assert_no_error (error);

  for (guint i = 0; i < rooms->len; i++)
    {
      const TactStoreRoom *room = g_ptr_array_index (rooms, i);
      g_autoptr(GAsyncResult) page_result = NULL;
      GPtrArray *page;

      tact_store_load_timeline_async (store, room->room_id, 0, 50, NULL, store_result,
                                      &page_result);
      page = tact_store_load_timeline_finish (store, wait_for (&page_result), &error);
      g_assert_no_error (error);
      n_events += page->len;
      g_ptr_array_add (timelines, page);
    }

  g_print ("%u %u %.1f\n", rooms->len, n_events, vm_rss_mb ());
  close_store (store);
  return 0;
}

static gboolean
measure_rss (const char *self_exe, const char *path, guint *n_rooms, guint *n_events, double *mb)
{
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { self_exe, "--rss-child", path, NULL };
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                     &status, &error) || !g_spawn_check_wait_status (status, NULL))
    return FALSE;
  return sscanf (out, "%u %u %lf", n_rooms, n_events, mb) == 3;
}

/* ---- Main ---------------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  g_autofree char *cache = NULL;
  g_autofree char *enc_path = NULL;
  g_autofree char *plain_path = NULL;
  g_autofree char *self_exe = NULL;
  const char *events_env = g_getenv ("TACT_BENCH_STORE_EVENTS");
  guint n_events = events_env ? (guint) g_ascii_strtoull (events_env, NULL, 10) : 1000000;
  double insert_enc, insert_plain, gen_enc, gen_plain, ratio;
  Latency zh_enc, zh_plain, en_enc, en_plain;
  SyncFigures sync;
  guint rss_rooms = 0, rss_events = 0;
  double rss_mb = -1;
  TactStore *store;
  gint64 start = g_get_monotonic_time ();

  if (argc == 3 && g_strcmp0 (argv[1], "--rss-child") == 0)
    return rss_child (argv[2]);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  cache = g_strdup (g_getenv ("TACT_BENCH_CACHE"));
  if (cache == NULL)
    cache = g_build_filename (g_get_tmp_dir (), "tact-bench-cache", NULL);
  g_assert_cmpint (g_mkdir_with_parents (cache, 0700), ==, 0);

  g_print ("# bench-store: %u events (half Chinese), %u rooms, %u events per transaction\n",
           n_events, N_ROOMS, BATCH);

  /* 1. Insert rate on fresh databases. */
  insert_enc = measure_insert_rate (cache, TRUE);
  insert_plain = measure_insert_rate (cache, FALSE);
  ratio = insert_plain / insert_enc;
  g_print ("insert rate, encrypted:   %8.0f events/s  (%u events into a new database)\n",
           insert_enc, INSERT_SAMPLE);
  g_print ("insert rate, unencrypted: %8.0f events/s\n", insert_plain);
  g_print ("insert time ratio encrypted/plain: %.2f  goal <= %.1f  %s\n", ratio, GOAL_RATIO,
           verdict (ratio <= GOAL_RATIO));
  if (g_strcmp0 (g_getenv ("TACT_BENCH_STORE_ONLY"), "insert") == 0)
    return 0;

  /* 2. Search over the big histories. */
  enc_path = ensure_history (cache, n_events, TRUE, &gen_enc);
  plain_path = ensure_history (cache, n_events, FALSE, &gen_plain);
  if (gen_enc > 0)
    g_print ("insert rate while generating %u events: encrypted %.0f/s, unencrypted %.0f/s"
             " (ratio %.2f)\n", n_events, gen_enc, gen_plain, gen_plain / gen_enc);

  store = open_store (enc_path, TRUE);
  zh_enc = measure_search (store, zh_queries, G_N_ELEMENTS (zh_queries));
  en_enc = measure_search (store, en_queries, G_N_ELEMENTS (en_queries));
  close_store (store);
  store = open_store (plain_path, FALSE);
  zh_plain = measure_search (store, zh_queries, G_N_ELEMENTS (zh_queries));
  en_plain = measure_search (store, en_queries, G_N_ELEMENTS (en_queries));
  close_store (store);

  g_print ("search Chinese 2-char word, encrypted: p50 %6.2f ms  p99 %6.2f ms  (%u hits/page)"
           "  goal < %.0f ms  %s\n", zh_enc.p50, zh_enc.p99, zh_enc.hits, GOAL_SEARCH_MS,
           verdict (zh_enc.p99 < GOAL_SEARCH_MS));
  g_print ("search Latin word, encrypted:          p50 %6.2f ms  p99 %6.2f ms  (%u hits/page)"
           "  goal < %.0f ms  %s\n", en_enc.p50, en_enc.p99, en_enc.hits, GOAL_SEARCH_MS,
           verdict (en_enc.p99 < GOAL_SEARCH_MS));
  g_print ("search Chinese, unencrypted:           p50 %6.2f ms  p99 %6.2f ms\n",
           zh_plain.p50, zh_plain.p99);
  g_print ("search Latin, unencrypted:             p50 %6.2f ms  p99 %6.2f ms\n",
           en_plain.p50, en_plain.p99);
  ratio = (zh_enc.p50 + en_enc.p50) / (zh_plain.p50 + en_plain.p50);
  g_print ("search time ratio encrypted/plain (p50): %.2f  goal <= %.1f  %s\n", ratio,
           GOAL_RATIO, verdict (ratio <= GOAL_RATIO));

  /* 3. A 20 MB /sync. */
  sync = measure_sync (cache);
  g_print ("20 MB /sync (%.1f MB, %u rooms, %u events): parse %.2f s, convert %.2f s,"
           " save %.2f s, total %.2f s  goal < %.0f s (reference)  %s\n",
           sync.bytes / (1024.0 * 1024.0), N_ROOMS, sync.events, sync.parse_s,
           sync.convert_s, sync.save_s, sync.parse_s + sync.convert_s + sync.save_s,
           GOAL_SYNC_S, verdict (sync.parse_s + sync.convert_s + sync.save_s < GOAL_SYNC_S));

  /* 4. RSS with 500 rooms loaded, in a fresh process. */
  if (self_exe != NULL && measure_rss (self_exe, enc_path, &rss_rooms, &rss_events, &rss_mb))
    g_print ("RSS with %u rooms and %u events loaded: %.1f MB  goal < %.0f MB  %s\n",
             rss_rooms, rss_events, rss_mb, GOAL_RSS_MB, verdict (rss_mb < GOAL_RSS_MB));
  else
    g_print ("RSS with 500 rooms loaded: could not be measured  goal < %.0f MB  MISSED\n",
             GOAL_RSS_MB);

  g_print ("# bench-store finished in %.1f s\n", (g_get_monotonic_time () - start) / 1e6);
  return 0;
}
