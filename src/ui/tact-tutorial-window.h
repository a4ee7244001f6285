/* tact-tutorial-window.h: the Policy Tutorial (issue 9): lessons by theme generated from the
 * profile in force, the company's cases, and the quiz, whose result the session records. */
#pragma once

#include <adwaita.h>
#include "session/tact-training.h"
#include "tutorial/tact-tutorial.h"

G_BEGIN_DECLS

#define TACT_TYPE_TUTORIAL_WINDOW (tact_tutorial_window_get_type ())
G_DECLARE_FINAL_TYPE (TactTutorialWindow, tact_tutorial_window, TACT, TUTORIAL_WINDOW, AdwWindow)

/* @training may be NULL (not signed in): the tutorial works and says the result cannot be
 * recorded. */
GtkWidget *tact_tutorial_window_new        (GtkWindow    *parent,
                                            TactProfile  *profile,
                                            TactTraining *training);
/* "Start Practice" on a scenario's page:
 *
 *   void practice (TactTutorialWindow *window, guint scenario, gpointer data)
 *
 * (an index for tact_practice_get_scenario()); the main window runs it. */

/* Shows the lesson of @rule_id (the guard dialog's "Learn About This Rule"). */
void       tact_tutorial_window_show_lesson (TactTutorialWindow *self,
                                             const char         *rule_id);

G_END_DECLS
