/* tact-sandbox-actors.c: the seeded world and the scripted colleagues and customer.
 *
 * Actors are seeded users the sandbox speaks for. When the person using Tact (@me) sends an
 * m.room.message into a room, one actor who is a member answers after the reply delay with
 * the next line of its script. Who answers rotates among the room's actors (customer first),
 * and every actor cycles through its own lines, so a run is deterministic. Actors also accept
 * invitations. Replies are ordinary events: they reach clients through /sync.
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
  char     *body;              /* owned; NULL: accept the invitation */
  guint     source;
} PendingAction;

static void
pending_action_free (PendingAction *a)
{
  g_clear_handle_id (&a->source, g_source_remove);
  g_free (a->room_id);
  g_free (a->actor);
  g_free (a->body);
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

static gboolean
pending_action_cb (gpointer user_data)
{
  PendingAction *a = user_data;
  SbState *state = *a->actors->state_ptr;
  SbRoom *room = sb_state_lookup_room (state, a->room_id);

  a->source = 0;
  if (room != NULL)
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

  /* A pending invitation from Li Wei. */
  {
    const char *const invite[] = { me, NULL };
    SbCreateRoom o = { .creator = li, .name = "Design review", .invite = invite };
    room = sb_state_create_room (state, &o);
    say (state, room, li, "Design review for the Falcon UI is on Thursday at 10:00.");
  }

  state->changed_func = saved_func;
}
