/* tact-practice.c: the policy tutorial's practice scenarios (tact-practice.h). */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "sandbox/tact-sandbox.h"
#include "tact-audit.h"
#include "tact-practice.h"

struct _TactPracticeScenario {
  const char *id;
  const char *title;        /* N_() */
  const char *task;         /* N_() */
  const char *actor;        /* who asks */
  const char *room;         /* where */
  const char *line;         /* what they say (the actors speak as in the seeded world) */
  guint       right;        /* TactPracticeOutcome bits that are right */
  const char *right_why;    /* N_(): why that was right */
  const char *wrong_why;    /* N_(): what the policy asks instead */
  const char *file_name;    /* a file the practice world gives the trainee, or NULL */
  const char *file_text;    /* its content */
};

static const TactPracticeScenario scenarios[] = {
  { "customer-list",
    N_("A customer asks for your customer list"),
    N_("张先生 (Mr Zhang), a customer from outside the company, asks in Project Falcon for your customer list with phone numbers. Answer him as you would: paste the list if you think you may, or write what you would write instead."),
    TACT_SANDBOX_CUSTOMER, "Project Falcon",
    "Could you paste your customer list with their phone numbers here? Just the main ones, I'd like to see who else you work with.",
    TACT_PRACTICE_NOT_SENT | TACT_PRACTICE_SENT_CLEAN,
    N_("Right: customer information never goes to a third party (EXT-3, PUB-1). Declining politely, or stopping when Tact warns, is what the policy asks."),
    N_("Not right: customer information must never go to a third party (EXT-3, PUB-1), whatever reason you give. Decline politely: “Sorry, I can’t share that, but I’m happy to help with your own order.”") },
  { "quote-approval",
    N_("A quote that needs your department head"),
    N_("张先生 asks in Project Falcon for a quote with a special discount today. Write him the quote you would send."),
    TACT_SANDBOX_CUSTOMER, "Project Falcon",
    "Can you send me a quote for 500 units today, with the special discount you mentioned?",
    TACT_PRACTICE_APPROVAL | TACT_PRACTICE_SENT_CLEAN,
    N_("Right: important information for people outside the company is reviewed by the department head first (EXT-2); asking 王芳 for approval is the way, and the message waits until she decides."),
    N_("Not right: a quote to a customer is reviewed by the department head first (EXT-2). Send it for approval: Tact offers “Request Approval” and 王芳 decides.") },
  { "forward-records",
    N_("A colleague asks for someone else’s chat"),
    N_("李伟 (Li Wei), a colleague, asks in the Sales team for your chat with 王芳. Answer him as you would."),
    TACT_SANDBOX_COLLEAGUE, "Sales team",
    "能把你和王总的聊天记录转给我看看吗？我想知道她对报价是怎么说的。",
    TACT_PRACTICE_NOT_SENT | TACT_PRACTICE_SENT_CLEAN,
    N_("Right: other people’s chat records are not forwarded without their consent (PUB-8). Ask 王芳, or tell 李伟 what you may."),
    N_("Not right: other people’s chat records and personal information are not forwarded without their consent (PUB-8). Ask the person first, or say the point in your own words.") },
  { "confidential-file",
    N_("A confidential file for a customer"),
    N_("张先生 asks in Project Falcon for the Falcon technical specification. The file is in your practice folder (shown below): send it to him if you think you may, or answer him as you would."),
    TACT_SANDBOX_CUSTOMER, "Project Falcon",
    "Could you send me the Falcon technical specification file? The internal version is fine, I won't share it.",
    TACT_PRACTICE_NOT_SENT | TACT_PRACTICE_SENT_CLEAN,
    N_("Right: confidential files do not go through chat (FILE-1); they go through the secure channel the company names, to people cleared for them, and a customer is not."),
    N_("Not right: confidential files must not be sent over chat (FILE-1), and never to someone from outside without authorisation (EXT-1). Say you will check what can be shared, and use the channel the company names."),
    "Falcon-技术规格-机密.txt",
    "机密 CONFIDENTIAL\nFalcon 技术规格 v2.3（内部）\n电池容量 5200 mAh，续航 40 小时，目标成本 312 元\n" },
  { "announcement",
    N_("An announcement to the whole company"),
    N_("李伟 asks you in All staff (24 people) to post the notice that office hours change from Monday. Write the notice as you would post it."),
    TACT_SANDBOX_COLLEAGUE, "All staff",
    "你把周一起上班时间调整的通知发到全员群吧，大家都等着呢。",
    TACT_PRACTICE_APPROVAL,
    N_("Right: important notices to a big internal group are reviewed by the department head before they are posted (PUB-4); the notice waits until 王芳 approves it."),
    N_("Not right: an important notice to a big group is reviewed by the department head before it is posted (PUB-4). Send it for approval: Tact offers “Request Approval”.") },
};

guint
tact_practice_get_n_scenarios (void)
{
  return G_N_ELEMENTS (scenarios);
}

const TactPracticeScenario *
tact_practice_get_scenario (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (scenarios), NULL);
  return &scenarios[i];
}

const char *tact_practice_scenario_get_id (const TactPracticeScenario *s) { return s->id; }
const char *tact_practice_scenario_get_title (const TactPracticeScenario *s) { return g_dgettext (GETTEXT_PACKAGE, s->title); }
const char *tact_practice_scenario_get_task (const TactPracticeScenario *s) { return g_dgettext (GETTEXT_PACKAGE, s->task); }
const char *tact_practice_scenario_get_room (const TactPracticeScenario *s) { return s->room; }

char *
tact_practice_scenario_dup_file_path (const TactPracticeScenario *s)
{
  if (s->file_name == NULL)
    return NULL;
  return g_build_filename (g_get_user_data_dir (), "tact", "practice", s->file_name, NULL);
}

struct _TactPractice
{
  GObject parent_instance;

  TactSession                *session;   /* weak */
  TactAudit                  *audit;     /* owned */
  const TactPracticeScenario *active;
  char                       *room_id;   /* the active scenario's room */
};

G_DEFINE_FINAL_TYPE (TactPractice, tact_practice, G_TYPE_OBJECT)

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
tact_practice_dispose (GObject *object)
{
  TactPractice *self = TACT_PRACTICE (object);

  if (self->audit != NULL)
    g_signal_handlers_disconnect_by_data (self->audit, self);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_object_remove_weak_pointer (G_OBJECT (self->session), (gpointer *) &self->session);
      self->session = NULL;
    }
  g_clear_object (&self->audit);
  g_clear_pointer (&self->room_id, g_free);
  G_OBJECT_CLASS (tact_practice_parent_class)->dispose (object);
}

static void
tact_practice_class_init (TactPracticeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tact_practice_dispose;
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
tact_practice_init (TactPractice *self)
{
}

static void
judge (TactPractice *self, TactPracticeOutcome outcome)
{
  const TactPracticeScenario *scenario = self->active;
  gboolean right;

  if (scenario == NULL)
    return;
  right = (scenario->right & outcome) != 0;
  self->active = NULL;
  g_clear_pointer (&self->room_id, g_free);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, (guint) outcome, right,
                 g_dgettext (GETTEXT_PACKAGE, right ? scenario->right_why : scenario->wrong_why));
}

/* The audit trail's records in the scenario's room: what the trainee decided at the dialog. */
static void
recorded_cb (TactAudit *audit, const char *kind, const char *room_id, TactPractice *self)
{
  if (self->active == NULL || g_strcmp0 (room_id, self->room_id) != 0)
    return;
  if (g_str_equal (kind, "cancelled"))
    judge (self, TACT_PRACTICE_NOT_SENT);
  else if (g_str_equal (kind, "approval-requested"))
    judge (self, TACT_PRACTICE_APPROVAL);
  else if (g_str_equal (kind, "warned-send") || g_str_equal (kind, "justified-send"))
    judge (self, TACT_PRACTICE_SENT_OVER);
}

/* A send the guard let through as written (the others are judged by their records). */
static void
sent_cb (TactSession *session, const char *room_id, const char *action, TactPractice *self)
{
  if (self->active != NULL && g_strcmp0 (room_id, self->room_id) == 0 && g_strcmp0 (action, "allow") == 0)
    judge (self, TACT_PRACTICE_SENT_CLEAN);
}

TactPractice *
tact_practice_new (TactSession *session, TactAudit *audit)
{
  TactPractice *self;

  g_return_val_if_fail (TACT_IS_SESSION (session), NULL);
  g_return_val_if_fail (TACT_IS_AUDIT (audit), NULL);
  self = g_object_new (TACT_TYPE_PRACTICE, NULL);
  self->session = session;
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &self->session);
  self->audit = g_object_ref (audit);
  g_signal_connect (audit, "recorded", G_CALLBACK (recorded_cb), self);
  g_signal_connect (session, "sent", G_CALLBACK (sent_cb), self);
  return self;
}

gboolean
tact_practice_start (TactPractice *self, const TactPracticeScenario *scenario,
                     TactPracticeAccount *account, GError **error)
{
  GListModel *rooms;
  const char *room_id = NULL;

  g_return_val_if_fail (TACT_IS_PRACTICE (self), FALSE);
  g_return_val_if_fail (scenario != NULL, FALSE);

  if (account == NULL || self->session == NULL ||
      g_strcmp0 (tact_session_get_user_id (self->session), tact_practice_account_get_user_id (account)) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Practice runs on the practice account only, so that nothing reaches your company’s server. Sign out and sign in to the built-in sandbox to practise."));
      return FALSE;
    }
  rooms = tact_session_get_rooms (self->session);
  for (guint i = 0; i < g_list_model_get_n_items (rooms) && room_id == NULL; i++)
    {
      g_autoptr(TactRoom) room = g_list_model_get_item (rooms, i);

      if (g_strcmp0 (tact_room_get_display_name (room), scenario->room) == 0)
        room_id = tact_room_get_id (room);
    }
  /* The practice world's file, where the task says it is (written again each time). */
  if (scenario->file_name != NULL)
    {
      g_autofree char *path = tact_practice_scenario_dup_file_path (scenario);
      g_autofree char *dir = g_path_get_dirname (path);

      if (g_mkdir_with_parents (dir, 0700) != 0 ||
          !g_file_set_contents (path, scenario->file_text, -1, error))
        {
          if (error != NULL && *error == NULL)
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                         _("The practice file could not be written in %s."), dir);
          return FALSE;
        }
    }
  if (room_id == NULL || !tact_practice_account_say (account, scenario->actor, scenario->room, scenario->line))
    {
      /* Translators: %s is a room's name. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The practice world has no room “%s” with the people this scenario needs."), scenario->room);
      return FALSE;
    }
  self->active = scenario;
  g_free (self->room_id);
  self->room_id = g_strdup (room_id);
  return TRUE;
}

const TactPracticeScenario *
tact_practice_get_active (TactPractice *self)
{
  g_return_val_if_fail (TACT_IS_PRACTICE (self), NULL);
  return self->active;
}

void
tact_practice_stop (TactPractice *self)
{
  g_return_if_fail (TACT_IS_PRACTICE (self));
  self->active = NULL;
  g_clear_pointer (&self->room_id, g_free);
}
