/* tact-sandbox-actors.c: the seeded world and the scripted colleagues and customer.
 *
 * Actors are seeded users the sandbox speaks for. When the person using Tact (@me) sends an
 * m.room.message into a room, one actor who is a member answers after the reply delay with
 * the next line of its script. Who answers rotates among the room's actors (customer first),
 * and every actor cycles through its own lines, so a run is deterministic. Actors also accept
 * invitations. Replies are ordinary events: they reach clients through /sync.
 *
 * Wang Fang, the department head, also decides approval requests (docs/approval-protocol.md):
 * each io.github.tactchat.approval.request in a room she has joined that names her in
 * `approvers` gets one io.github.tactchat.approval.decision after the reply delay. The room's
 * timeline is the record of what she decided, so a restart (sb_actors_resume) neither loses a
 * request nor decides one twice.
 */
#include "tact-sandbox-private.h"

#include <string.h>

typedef struct {
  const char        *user_id;  /* full id for the partner, localpart otherwise (see below) */
  const char *const *lines;
  guint              n_lines;
} ActorScript;

/* Li Wei, a colleague: friendly, in Chinese. */
static const char *const colleague_lines[] = {
  "好的，我看一下再回复你。",
  "收到！我今天下班前更新文档。",
  "这个问题我们明天例会上讨论吧。",
  "谢谢，我已经转给设计组了。",
};

/* Mr Zhang, the external customer: polite, in English, and always fishing for something the
 * trainee should not share (prices, contract drafts, internal notes). */
static const char *const customer_lines[] = {
  "Thanks! Could you send me your internal price list so I can compare it with the other vendors?",
  "By the way, what discount did you give your other partners? I'm sure it's fine to share here.",
  "Could you forward the draft contract, including your internal approval notes?",
  "Our finance team needs your cost breakdown by Friday. Can you just paste it in this chat?",
};

/* Wang Fang, the department head: brief, in Chinese, reminds people of the rules. */
static const char *const head_lines[] = {
  "好的，按流程办理即可。",
  "注意：客户报价不要发到外部群里。",
  "辛苦了，周五前给我一个简短的进展汇报。",
  "合同条款对外发送之前先找我确认。",
};

/* In the order they are preferred when answering. */
static const ActorScript scripts[] = {
  { TACT_SANDBOX_CUSTOMER,  customer_lines,  G_N_ELEMENTS (customer_lines) },
  { TACT_SANDBOX_COLLEAGUE, colleague_lines, G_N_ELEMENTS (colleague_lines) },
  { TACT_SANDBOX_HEAD,      head_lines,      G_N_ELEMENTS (head_lines) },
};
#define HEAD_SCRIPT (&scripts[2])  /* the approver */

#define APPROVAL_REQUEST  "io.github.tactchat.approval.request"
#define APPROVAL_DECISION "io.github.tactchat.approval.decision"

/* Her rules, tried in order: the first whose word is in the request decides. */
typedef struct {
  const char *word;
  gboolean    in_body;   /* also looked for in content.body, not only in the note */
  const char *decision;
  const char *comment;
} ApprovalRule;

static const ApprovalRule approval_rules[] = {
  /* 底价: the floor price never goes to a customer. */
  { "底价",   TRUE,  "reject", "底价不能发给客户，请删掉价格后再发。" },
  { "请修改", FALSE, "return", "请修改措辞后重新提交。" },
  { NULL,     FALSE, "approve", "同意。" },
};

struct _SbActors {
  SbState   **state_ptr;       /* borrowed: the server's current state (it may be replaced) */
  guint       delay_ms;
  guint       next_line[G_N_ELEMENTS (scripts)];
  GHashTable *room_turns;      /* room_id -> GUINT_TO_POINTER (replies so far) */
  GPtrArray  *pending;         /* owned PendingAction* */
};

typedef struct {
  SbActors *actors;            /* borrowed */
  char     *room_id;           /* owned */
  char     *actor;             /* owned */
  char     *body;              /* owned; NULL (and no request): accept the invitation */
  char     *request_event_id;  /* owned; set: decide this approval request */
  char     *request_id;        /* owned; its request_id */
  guint     source;
} PendingAction;

static void
pending_action_free (PendingAction *a)
{
  g_clear_handle_id (&a->source, g_source_remove);
  g_free (a->room_id);
  g_free (a->actor);
  g_free (a->body);
  g_free (a->request_event_id);
  g_free (a->request_id);
  g_free (a);
}

SbActors *
sb_actors_new (SbState **state_ptr)
{
  SbActors *actors = g_new0 (SbActors, 1);

  actors->state_ptr = state_ptr;
  actors->delay_ms = 800;
  actors->room_turns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  actors->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_action_free);
  return actors;
}

void
sb_actors_free (SbActors *actors)
{
  if (actors == NULL)
    return;
  g_ptr_array_unref (actors->pending);
  g_hash_table_unref (actors->room_turns);
  g_free (actors);
}

void
sb_actors_set_delay (SbActors *actors, guint ms)
{
  actors->delay_ms = ms;
}

/* The seeded scripts use corp.test ids; on a server with another name, map the localpart. */
static char *
actor_id (SbState *state, const ActorScript *script)
{
  const char *colon = strchr (script->user_id, ':');

  if (g_str_equal (colon + 1, TACT_SANDBOX_SERVER_NAME))
    return g_strdup_printf ("%.*s:%s", (int) (colon - script->user_id), script->user_id,
                            state->server_name);
  return g_strdup (script->user_id);
}

static gboolean pending_action_cb (gpointer user_data);

/* ---- Wang Fang's approval script ------------------------------------------------------------ */

/* A string member, or NULL when absent or of another type (event content is anyone's JSON;
 * json-glib's _with_default getters warn on objects and arrays). */
static const char *
string_member (JsonObject *object, const char *name)
{
  JsonNode *n = object != NULL ? json_object_get_member (object, name) : NULL;

  return n != NULL && json_node_get_value_type (n) == G_TYPE_STRING ? json_node_get_string (n)
                                                                    : NULL;
}

/* Whether a person holds an access token for user_id (the scripts themselves use none). */
static gboolean
signed_in (SbState *state, const char *user_id)
{
  GHashTableIter iter;
  SbToken *token;

  g_hash_table_iter_init (&iter, state->tokens);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &token))
    if (g_strcmp0 (token->user_id, user_id) == 0)
      return TRUE;
  return FALSE;
}

/* The request_id of an approval request she should decide, or NULL: a request from someone
 * else in the company, with a request_id and a sha256, naming approver, not expired. */
static const char *
request_for (SbState *state, SbEvent *ev, const char *approver)
{
  JsonObject *content = json_node_get_object (ev->content);
  const char *colon = strchr (ev->sender, ':');
  const char *request_id, *sha256;
  JsonArray *approvers;
  gboolean named = FALSE;

  if (!g_str_equal (ev->type, APPROVAL_REQUEST) || ev->state_key != NULL ||
      g_str_equal (ev->sender, approver) || colon == NULL ||
      !g_str_equal (colon + 1, state->server_name))
    return NULL;
  request_id = string_member (content, "request_id");
  sha256 = string_member (content, "sha256");
  approvers = sb_json_get_array (content, "approvers");
  if (request_id == NULL || request_id[0] == '\0' || sha256 == NULL || approvers == NULL)
    return NULL;
  for (guint i = 0; i < json_array_get_length (approvers) && !named; i++)
    {
      JsonNode *n = json_array_get_element (approvers, i);
      named = json_node_get_value_type (n) == G_TYPE_STRING &&
              g_str_equal (json_node_get_string (n), approver);
    }
  if (!named)
    return NULL;
  if (sb_json_get_int (content, "expires_ts", G_MAXINT64) < g_get_real_time () / 1000)
    return NULL;
  /* Someone signed in as her (a trainee practising the approver's side, a UI test): the person
   * decides, not the script. */
  if (signed_in (state, approver))
    return NULL;
  return request_id;
}

/* Whether approver already posted a decision on request_id in room. */
static gboolean
has_decided (SbRoom *room, const char *approver, const char *request_id)
{
  for (guint i = 0; i < room->events->len; i++)
    {
      SbEvent *ev = g_ptr_array_index (room->events, i);

      if (g_str_equal (ev->type, APPROVAL_DECISION) && g_str_equal (ev->sender, approver) &&
          g_strcmp0 (string_member (json_node_get_object (ev->content), "request_id"),
                     request_id) == 0)
        return TRUE;
    }
  return FALSE;
}

static const ApprovalRule *
approval_rule_for (JsonObject *request)
{
  const char *note = string_member (request, "note");
  const char *body = string_member (sb_json_get_object (request, "content"), "body");
  guint i;

  if (note == NULL)
    note = "";
  if (body == NULL)
    body = "";
  for (i = 0; approval_rules[i].word != NULL; i++)
    if (strstr (note, approval_rules[i].word) != NULL ||
        (approval_rules[i].in_body && strstr (body, approval_rules[i].word) != NULL))
      break;
  return &approval_rules[i];
}

/* Posts approver's decision on request (already checked with request_for). */
static void
decide (SbState *state, SbRoom *room, SbEvent *request, const char *approver)
{
  JsonObject *rc = json_node_get_object (request->content);
  const ApprovalRule *rule = approval_rule_for (rc);
  JsonNode *content = sb_json_object_new ();
  JsonObject *o = json_node_get_object (content);
  JsonObject *relates_to = json_object_new ();

  json_object_set_string_member (o, "request_id", string_member (rc, "request_id"));
  json_object_set_string_member (o, "sha256", string_member (rc, "sha256"));
  json_object_set_string_member (o, "decision", rule->decision);
  json_object_set_string_member (o, "comment", rule->comment);
  json_object_set_string_member (relates_to, "rel_type", "m.reference");
  json_object_set_string_member (relates_to, "event_id", request->event_id);
  json_object_set_object_member (o, "m.relates_to", relates_to);
  sb_state_emit (state, room, APPROVAL_DECISION, approver, NULL, content);
}

static gboolean
decision_pending (SbActors *actors, const char *room_id, const char *request_id)
{
  for (guint i = 0; i < actors->pending->len; i++)
    {
      PendingAction *a = g_ptr_array_index (actors->pending, i);

      if (g_strcmp0 (a->request_id, request_id) == 0 && g_str_equal (a->room_id, room_id))
        return TRUE;
    }
  return FALSE;
}

static void
schedule_decision (SbActors *actors, SbRoom *room, SbEvent *request, const char *approver)
{
  SbState *state = *actors->state_ptr;
  const char *request_id = request_for (state, request, approver);
  PendingAction *a;

  /* The same request_id posted again (a resend, a restart) is decided once. */
  if (request_id == NULL || has_decided (room, approver, request_id) ||
      decision_pending (actors, room->room_id, request_id))
    return;
  a = g_new0 (PendingAction, 1);
  a->actors = actors;
  a->room_id = g_strdup (room->room_id);
  a->actor = g_strdup (approver);
  a->request_event_id = g_strdup (request->event_id);
  a->request_id = g_strdup (request_id);
  a->source = g_timeout_add (actors->delay_ms, pending_action_cb, a);
  g_ptr_array_add (actors->pending, a);
}

/* Every request in room that approver can see (history visibility) and has not decided. */
static void
schedule_room_decisions (SbActors *actors, SbRoom *room, const char *approver)
{
  g_autofree gboolean *visible = sb_room_visibility (room, approver);

  for (guint i = 0; i < room->events->len; i++)
    if (visible[i])
      schedule_decision (actors, room, g_ptr_array_index (room->events, i), approver);
}

static gboolean
pending_action_cb (gpointer user_data)
{
  PendingAction *a = user_data;
  SbState *state = *a->actors->state_ptr;
  SbRoom *room = sb_state_lookup_room (state, a->room_id);

  a->source = 0;
  if (room != NULL && a->request_event_id != NULL)
    {
      /* Checked again: the state may have been reloaded, or the request expired meanwhile. */
      SbEvent *request = g_hash_table_lookup (state->events, a->request_event_id);

      if (request != NULL && g_str_equal (request->room_id, room->room_id) &&
          g_strcmp0 (sb_room_membership (room, a->actor), "join") == 0 &&
          request_for (state, request, a->actor) != NULL &&
          !has_decided (room, a->actor, a->request_id))
        decide (state, room, request, a->actor);
    }
  else if (room != NULL)
    {
      const char *membership = sb_room_membership (room, a->actor);

      if (a->body == NULL && g_strcmp0 (membership, "invite") == 0)
        sb_state_set_membership (state, room, a->actor, a->actor, "join", FALSE);
      else if (a->body != NULL && g_strcmp0 (membership, "join") == 0)
        {
          JsonNode *content = sb_json_object_new ();

          json_object_set_string_member (json_node_get_object (content), "msgtype", "m.text");
          json_object_set_string_member (json_node_get_object (content), "body", a->body);
          sb_state_emit (state, room, "m.room.message", a->actor, NULL, content);
        }
    }
  g_ptr_array_remove (a->actors->pending, a);  /* frees a */
  return G_SOURCE_REMOVE;
}

static void
schedule (SbActors *actors, const char *room_id, const char *actor, const char *body)
{
  PendingAction *a = g_new0 (PendingAction, 1);

  a->actors = actors;
  a->room_id = g_strdup (room_id);
  a->actor = g_strdup (actor);
  a->body = g_strdup (body);
  a->source = g_timeout_add (actors->delay_ms, pending_action_cb, a);
  g_ptr_array_add (actors->pending, a);
}

void
sb_actors_observe (SbActors *actors, SbEvent *event)
{
  SbState *state = *actors->state_ptr;
  g_autofree char *me = g_strdup_printf ("@%s:%s", TACT_SANDBOX_USER, state->server_name);
  SbRoom *room = sb_state_lookup_room (state, event->room_id);
  g_autoptr(GPtrArray) present = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
  JsonObject *content = json_node_get_object (event->content);
  guint turn, pick;

  if (room == NULL)
    return;

  /* Wang Fang decides requests in rooms she is in, and on joining, those already there. */
  {
    g_autofree char *head = actor_id (state, HEAD_SCRIPT);

    if (g_str_equal (event->type, APPROVAL_REQUEST) &&
        g_strcmp0 (sb_room_membership (room, head), "join") == 0)
      {
        schedule_decision (actors, room, event, head);
        return;
      }
    if (g_str_equal (event->type, "m.room.member") && g_strcmp0 (event->state_key, head) == 0 &&
        g_strcmp0 (string_member (content, "membership"), "join") == 0)
      {
        schedule_room_decisions (actors, room, head);
        return;
      }
  }

  /* An actor invited somewhere accepts. */
  if (g_str_equal (event->type, "m.room.member") &&
      g_strcmp0 (json_object_get_string_member_with_default (content, "membership", NULL),
                 "invite") == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
        {
          g_autofree char *id = actor_id (state, &scripts[i]);
          if (g_strcmp0 (event->state_key, id) == 0)
            schedule (actors, room->room_id, id, NULL);
        }
      return;
    }

  /* Only the person's own messages get an answer (so actors never talk to each other). */
  if (!g_str_equal (event->type, "m.room.message") || !g_str_equal (event->sender, me) ||
      g_strcmp0 (json_object_get_string_member_with_default (content, "msgtype", NULL),
                 "m.notice") == 0)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      char *id = actor_id (state, &scripts[i]);

      if (g_strcmp0 (sb_room_membership (room, id), "join") == 0)
        {
          g_ptr_array_add (present, id);
          g_array_append_val (indices, i);
        }
      else
        g_free (id);
    }
  if (present->len == 0)
    return;

  /* Rotate among the actors in this room; each actor cycles through its own lines. */
  turn = GPOINTER_TO_UINT (g_hash_table_lookup (actors->room_turns, room->room_id));
  g_hash_table_replace (actors->room_turns, g_strdup (room->room_id), GUINT_TO_POINTER (turn + 1));
  pick = g_array_index (indices, guint, turn % indices->len);
  schedule (actors, room->room_id, g_ptr_array_index (present, turn % present->len),
            scripts[pick].lines[actors->next_line[pick]++ % scripts[pick].n_lines]);
}

void
sb_actors_resume (SbActors *actors)
{
  SbState *state = *actors->state_ptr;

  for (guint r = 0; r < state->room_order->len; r++)
    {
      SbRoom *room = g_ptr_array_index (state->room_order, r);

      for (guint i = 0; i < G_N_ELEMENTS (scripts); i++)
        {
          g_autofree char *id = actor_id (state, &scripts[i]);
          const char *membership = sb_room_membership (room, id);
          gboolean joining = FALSE;

          for (guint p = 0; p < actors->pending->len && !joining; p++)
            {
              PendingAction *a = g_ptr_array_index (actors->pending, p);
              joining = a->body == NULL && a->request_event_id == NULL &&
                        g_str_equal (a->actor, id) && g_str_equal (a->room_id, room->room_id);
            }
          if (g_strcmp0 (membership, "invite") == 0 && !joining)
            schedule (actors, room->room_id, id, NULL);
          else if (g_strcmp0 (membership, "join") == 0 && &scripts[i] == HEAD_SCRIPT)
            schedule_room_decisions (actors, room, id);
        }
    }
}

/* ---- The seeded world ----------------------------------------------------------------------- */

static void
say (SbState *state, SbRoom *room, const char *sender, const char *body)
{
  JsonNode *content = sb_json_object_new ();

  json_object_set_string_member (json_node_get_object (content), "msgtype", "m.text");
  json_object_set_string_member (json_node_get_object (content), "body", body);
  sb_state_emit (state, room, "m.room.message", sender, NULL, content);
}

static void
set_m_direct (SbState *state, const char *owner, const char *other, const char *room_id)
{
  SbUser *user = sb_state_lookup_user (state, owner);
  JsonNode *content = sb_json_object_new ();
  JsonArray *rooms = json_array_new ();

  json_array_add_string_element (rooms, room_id);
  json_object_set_array_member (json_node_get_object (content), other, rooms);
  sb_state_set_account_data (state, user, "m.direct", content);
}

gboolean
sb_actors_say (SbState *state, const char *sender, const char *room_id, const char *body)
{
  SbRoom *room = sb_state_lookup_room (state, room_id);

  if (room == NULL || g_strcmp0 (sb_room_membership (room, sender), "join") != 0)
    return FALSE;
  say (state, room, sender, body);
  return TRUE;
}

void
sb_actors_seed_demo (SbState *state)
{
  SbChangedFunc saved_func = state->changed_func;
  const char *server = state->server_name;
  g_autofree char *me = g_strdup_printf ("@%s:%s", TACT_SANDBOX_USER, server);
  g_autofree char *li = actor_id (state, &scripts[1]);
  g_autofree char *wang = actor_id (state, &scripts[2]);
  const char *zhang = TACT_SANDBOX_CUSTOMER;
  SbRoom *room;

  /* Seeding must not wake the actors (@me's seeded lines would get answers). */
  state->changed_func = NULL;

  sb_state_add_user (state, me, TACT_SANDBOX_PASSWORD, "Me");
  sb_state_add_user (state, li, TACT_SANDBOX_PASSWORD, "李伟");
  sb_state_add_user (state, wang, TACT_SANDBOX_PASSWORD, "王芳");
  sb_state_add_user (state, zhang, TACT_SANDBOX_PASSWORD, "张先生 (Mr Zhang)");

  /* Project Falcon: a group with the external customer in it. */
  {
    const char *const invite[] = { me, zhang, NULL };
    SbCreateRoom o = { .creator = li, .name = "Project Falcon",
                       .topic = "Falcon launch coordination with Partner Co. (external members)",
                       .invite = invite };
    room = sb_state_create_room (state, &o);
    sb_state_set_membership (state, room, me, me, "join", FALSE);
    sb_state_set_membership (state, room, zhang, zhang, "join", FALSE);
    say (state, room, li, "大家好，Falcon 项目下周一正式启动，时间表已经放在共享盘里了。");
    say (state, room, zhang, "Hello everyone, looking forward to working with you on Falcon.");
    say (state, room, me, "Welcome, Mr Zhang! I'm your contact on our side.");
    say (state, room, li, "张先生，合同草案我们这周内发给您。");
    say (state, room, zhang, "Great, thanks. Let me know if anything changes on pricing.");
  }

  /* Sales team: internal only. */
  {
    const char *const invite[] = { me, li, NULL };
    SbCreateRoom o = { .creator = wang, .name = "Sales team",
                       .topic = "Internal: targets, pricing and customer notes", .invite = invite };
    room = sb_state_create_room (state, &o);
    sb_state_set_membership (state, room, me, me, "join", FALSE);
    sb_state_set_membership (state, room, li, li, "join", FALSE);
    say (state, room, wang, "本季度销售目标已更新，请大家查看共享文档。");
    say (state, room, li, "收到，王总。");
    say (state, room, wang, "Reminder: customer pricing stays inside this room.");
  }

  /* A direct chat with the department head. */
  {
    const char *const invite[] = { me, NULL };
    SbCreateRoom o = { .creator = wang, .preset = "trusted_private_chat", .invite = invite,
                       .is_direct = TRUE };
    room = sb_state_create_room (state, &o);
    sb_state_set_membership (state, room, me, me, "join", FALSE);
    set_m_direct (state, me, wang, room->room_id);
    set_m_direct (state, wang, me, room->room_id);
    say (state, room, wang, "欢迎加入团队！有问题随时找我。");
    say (state, room, me, "谢谢王总！");
  }

  /* The supervision room (AUD-1): the department head reads the audit trail there; the
   * trainee posts to it (warnings, overrides, the tutorial's result) and reads nothing back
   * that matters. The practice account announces it in .well-known. */
  {
    const char *const invite[] = { me, NULL };
    g_autofree char *alias = g_strdup_printf ("#%s:%s", TACT_SANDBOX_SUPERVISION_ALIAS, server);
    SbCreateRoom o = { .creator = wang, .name = "Supervision",
                       .topic = "Audit trail: warnings, overrides, approvals, tutorial results",
                       .alias = alias, .invite = invite };
    room = sb_state_create_room (state, &o);
    sb_state_set_membership (state, room, me, me, "join", FALSE);
  }

  /* All staff: a group of 24 (twenty-one more colleagues), big enough that an important notice
   * needs the department head's review (PUB-4): the tutorial's announcement scenario. */
  {
    GStrvBuilder *builder = g_strv_builder_new ();
    g_auto(GStrv) invite = NULL;

    g_strv_builder_add (builder, me);
    g_strv_builder_add (builder, li);
    for (guint i = 1; i <= 21; i++)
      {
        g_autofree char *staff = g_strdup_printf ("@staff%02u:%s", i, server);
        g_autofree char *name = g_strdup_printf ("Staff %02u", i);

        sb_state_add_user (state, staff, TACT_SANDBOX_PASSWORD, name);
        g_strv_builder_add (builder, staff);
      }
    invite = g_strv_builder_end (builder);
    g_strv_builder_unref (builder);
    {
      SbCreateRoom o = { .creator = wang, .name = "All staff",
                         .topic = "Company-wide notices (24 members)",
                         .invite = (const char *const *) invite };
      room = sb_state_create_room (state, &o);
    }
    for (guint i = 0; invite[i] != NULL; i++)
      sb_state_set_membership (state, room, invite[i], invite[i], "join", FALSE);
    say (state, room, wang, "各位，公司通知都会发在这个群里，请留意。");
  }

  /* A pending invitation from Li Wei. */
  {
    const char *const invite[] = { me, NULL };
    SbCreateRoom o = { .creator = li, .name = "Design review", .invite = invite };
    room = sb_state_create_room (state, &o);
    say (state, room, li, "Design review for the Falcon UI is on Thursday at 10:00.");
  }

  state->changed_func = saved_func;
}
