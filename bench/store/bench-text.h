/* bench-text.h: the deterministic message text of the store benchmarks (bench-store.c,
 * bench-pagesize.c): word lists, query words, splitmix64 and make_body(). Included by one
 * source file each (static definitions). */
#pragma once

#include <glib.h>

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

