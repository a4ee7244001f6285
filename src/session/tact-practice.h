/* tact-practice.h: the policy tutorial's practice scenarios (issue 9, item 2): a scripted
 * colleague or customer of the practice world asks for something in a real room of the window,
 * the trainee answers as they would, the real guard answers, and the scenario judges what the
 * trainee did — sent, cancelled or edited, sent over a warning, or asked for approval — and
 * explains.
 *
 * Only on the practice account (the built-in sandbox): nothing reaches a real homeserver, and
 * the trainee's real account and history are untouched. The judge reads the audit trail's
 * records (TactAudit "recorded") and the session's sends (TactSession "sent") in the
 * scenario's room while the scenario runs.
 */
#pragma once

#include <gio/gio.h>
#include "tact-audit.h"
#include "tact-practice-account.h"
#include "tact-session.h"

G_BEGIN_DECLS

/* What the trainee did. */
typedef enum {
  TACT_PRACTICE_NOT_SENT     = 1 << 0,  /* cancelled at the guard's dialog */
  TACT_PRACTICE_SENT_CLEAN   = 1 << 1,  /* sent a message the guard let through as written */
  TACT_PRACTICE_SENT_OVER    = 1 << 2,  /* sent over a warning, or with a written reason */
  TACT_PRACTICE_APPROVAL     = 1 << 3,  /* asked the department head for approval */
} TactPracticeOutcome;

typedef struct _TactPracticeScenario TactPracticeScenario;

guint                       tact_practice_get_n_scenarios (void);
const TactPracticeScenario *tact_practice_get_scenario    (guint i);
const char *tact_practice_scenario_get_id    (const TactPracticeScenario *scenario);
const char *tact_practice_scenario_get_title (const TactPracticeScenario *scenario); /* translated */
/* What the trainee is asked to do, in the person's language. */
const char *tact_practice_scenario_get_task  (const TactPracticeScenario *scenario);
/* The room it happens in ("Project Falcon"). */
const char *tact_practice_scenario_get_room  (const TactPracticeScenario *scenario);
/* Where the practice world puts the scenario's file when it starts, or NULL (no file). */
char       *tact_practice_scenario_dup_file_path (const TactPracticeScenario *scenario);

#define TACT_TYPE_PRACTICE (tact_practice_get_type ())
G_DECLARE_FINAL_TYPE (TactPractice, tact_practice, TACT, PRACTICE, GObject)

/* Judges in @session's rooms (not owned: the practice ends with the session). */
TactPractice *tact_practice_new     (TactSession *session, TactAudit *audit);
/* Starts @scenario: its actor says its line in its room through @account. FALSE with an error
 * when the session is not on the practice account or the practice world lacks the room. */
gboolean      tact_practice_start   (TactPractice               *self,
                                     const TactPracticeScenario *scenario,
                                     TactPracticeAccount        *account,
                                     GError                    **error);
/* The scenario running, or NULL. */
const TactPracticeScenario *tact_practice_get_active (TactPractice *self);
/* Ends the scenario without a judgment. */
void          tact_practice_stop    (TactPractice *self);

/*
 *   void finished (TactPractice *practice, guint outcome, gboolean right,
 *                  const char *explanation, gpointer data)
 *
 * The trainee did something the scenario judges (outcome: a TactPracticeOutcome); @right says
 * whether it was what the policy asks, @explanation why (translated). The scenario has ended.
 */

G_END_DECLS
