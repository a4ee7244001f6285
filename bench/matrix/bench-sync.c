/* bench-sync.c: time tact_sync_response_parse_bytes on a generated ~20 MB /sync body
 * (500 joined rooms, realistic events, half of the messages in Chinese).
 * Prints MB/s, ms and the peak RSS growth of the parse.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/resource.h>

#include "tact-matrix.h"

#define N_ROOMS     500
#define TARGET_SIZE (20 * 1024 * 1024)

static const char * const zh_lines[] = {
  "今天下午三点在三楼会议室讨论猎鹰项目的进度，请大家准时参加。",
  "合同的第二版已经发给法务部审核，预计周五之前会有反馈。",
  "请注意：客户资料属于机密信息，不要转发到外部群组。",
  "我把设计评审的记录上传到共享文件夹了，有问题随时联系我。",
};
static const char * const en_lines[] = {
  "Status update: the Falcon build is green again after the flaky test fix.",
  "Can someone review the partner contract draft before Friday?",
  "Reminder: the quarterly compliance training is due next week.",
  "Uploaded the design review notes to the shared folder.",
};

static void
append_event (GString    *out,
              guint       room,
              guint       n,
              const char *body)
{
  g_string_append_printf (out,
    "{\"type\":\"m.room.message\",\"event_id\":\"$ev%u_%u_AbCdEfGhIjKlMnOpQrStUvWxYz\","
    "\"sender\":\"@user%u:corp.test\",\"origin_server_ts\":%" G_GINT64_FORMAT ","
    "\"content\":{\"msgtype\":\"m.text\",\"body\":\"%s\",\"format\":\"org.matrix.custom.html\","
    "\"formatted_body\":\"<p>%s</p>\"},\"unsigned\":{\"age\":%u}}",
    room, n, n % 17, G_GINT64_CONSTANT (1795331181468) + n, body, body, n * 13);
}

static GBytes *
generate_body (void)
{
  GString *out = g_string_sized_new (TARGET_SIZE + 1024 * 1024);
  gsize per_room = TARGET_SIZE / N_ROOMS;

  g_string_append (out, "{\"next_batch\":\"s123456_7890_12_345_67_8_9_10_11\",\"rooms\":{\"join\":{");
  for (guint r = 0; r < N_ROOMS; r++)
    {
      gsize room_start = out->len;
      guint n = 0;

      g_string_append_printf (out, "%s\"!room%u_AbCdEfGhIjKl:corp.test\":{", r ? "," : "", r);
      g_string_append_printf (out,
        "\"summary\":{\"m.heroes\":[\"@user1:corp.test\"],\"m.joined_member_count\":%u},"
        "\"unread_notifications\":{\"notification_count\":%u,\"highlight_count\":%u},"
        "\"state\":{\"events\":[{\"type\":\"m.room.create\",\"state_key\":\"\",\"event_id\":\"$c%u\","
        "\"sender\":\"@admin:corp.test\",\"origin_server_ts\":1,\"content\":{\"creator\":\"@admin:corp.test\","
        "\"room_version\":\"9\"}},{\"type\":\"m.room.name\",\"state_key\":\"\",\"event_id\":\"$n%u\","
        "\"sender\":\"@admin:corp.test\",\"origin_server_ts\":2,\"content\":{\"name\":\"项目 Falcon %u\"}}]},"
        "\"timeline\":{\"limited\":true,\"prev_batch\":\"t%u-1234_5678\",\"events\":[",
        2 + r % 40, r % 7, r % 2, r, r, r, r);
      while (out->len - room_start < per_room - 600)
        {
          const char *body = n % 2 ? zh_lines[n % 4] : en_lines[n % 4];

          if (n > 0)
            g_string_append_c (out, ',');
          append_event (out, r, n, body);
          n++;
        }
      g_string_append_printf (out,
        "]},\"ephemeral\":{\"events\":[{\"type\":\"m.typing\",\"content\":{\"user_ids\":[]}},"
        "{\"type\":\"m.receipt\",\"content\":{\"$ev%u_%u_AbCdEfGhIjKlMnOpQrStUvWxYz\":{\"m.read\":"
        "{\"@user1:corp.test\":{\"ts\":1795331181468}}}}}]},"
        "\"account_data\":{\"events\":[]}}", r, n - 1);
    }
  g_string_append (out, "}},\"account_data\":{\"events\":[{\"type\":\"m.direct\",\"content\":{}}]}}");

  return g_string_free_to_bytes (out);
}

static glong
peak_rss_kb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GBytes) body = generate_body ();
  gsize size = g_bytes_get_size (body);
  double best_ms = G_MAXDOUBLE, total_ms = 0;
  const guint runs = 5;
  glong rss_before = peak_rss_kb ();
  glong rss_after;
  guint n_events = 0;

  for (guint i = 0; i < runs; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TactSyncResponse) sync = NULL;
      gint64 start = g_get_monotonic_time ();
      double ms;

      sync = tact_sync_response_parse_bytes (body, &error);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      if (sync == NULL)
        g_error ("parse failed: %s", error->message);
      g_assert (sync->joined->len == N_ROOMS);
      n_events = 0;
      for (guint r = 0; r < sync->joined->len; r++)
        n_events += ((TactSyncRoom *) g_ptr_array_index (sync->joined, r))->timeline->len;
      best_ms = MIN (best_ms, ms);
      total_ms += ms;
    }
  rss_after = peak_rss_kb ();

  g_print ("sync body: %.1f MB, %u rooms, %u timeline events\n",
           size / 1048576.0, N_ROOMS, n_events);
  g_print ("parse: best %.0f ms, mean %.0f ms over %u runs, %.1f MB/s (best)\n",
           best_ms, total_ms / runs, runs, (size / 1048576.0) / (best_ms / 1000.0));
  g_print ("peak RSS growth during parse: %.1f MB (body itself: %.1f MB)\n",
           (rss_after - rss_before) / 1024.0, size / 1048576.0);
  return 0;
}
