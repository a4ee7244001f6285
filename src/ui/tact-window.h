/* tact-window.h: the main window: sign-in, room list, timeline and composer. */
#pragma once

#include <adwaita.h>
#include "session/tact-practice-account.h"
#include "session/tact-session.h"

G_BEGIN_DECLS

#define TACT_TYPE_WINDOW (tact_window_get_type ())
G_DECLARE_FINAL_TYPE (TactWindow, tact_window, TACT, WINDOW, AdwApplicationWindow)

TactWindow  *tact_window_new          (GtkApplication *application);
void         tact_window_show_loading (TactWindow *self);
/* practice: the built-in sandbox's practice account, or NULL when it is not running.
 * message: an error to show. */
void         tact_window_show_login   (TactWindow *self, TactPracticeAccount *practice,
                                       const char *message);
void         tact_window_set_session  (TactWindow *self, TactSession *session);
/* The Policy Tutorial, at the lesson of @rule_id when not NULL (win.show-tutorial,
 * win.show-lesson, tact --tutorial). */
void         tact_window_show_tutorial (TactWindow *self, const char *rule_id);
/* Runs the tutorial's practice scenario @index (tact_practice_get_scenario) in this window:
 * on the practice account only; a banner says what to do, then whether it was right. */
void         tact_window_start_practice (TactWindow *self, guint index);
/* The built-in sandbox's practice account (also set by tact_window_show_login), or NULL. */
void         tact_window_set_practice_account (TactWindow *self, TactPracticeAccount *practice);
TactSession *tact_window_get_session  (TactWindow *self);

G_END_DECLS
