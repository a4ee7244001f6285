/* tact-composer.h: the message composer: the text entry, Attach and Send, what the guard will
 * do with the text (a hint under the entry) and a file being checked.
 *
 * A view: it shows and asks. Enter and the Send button emit ::send-requested; every change of
 * the text emits ::changed (and hides the hint, which described the text as it was). The
 * window owns the workflow: it asks the session for a TactSendCheck and hands the decision back.
 * The Attach button activates composer.attach, an action of the window. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TACT_TYPE_COMPOSER (tact_composer_get_type ())
G_DECLARE_FINAL_TYPE (TactComposer, tact_composer, TACT, COMPOSER, GtkWidget)

GtkWidget  *tact_composer_new           (void);

const char *tact_composer_get_text      (TactComposer *self);
/* Replaces the text and puts the cursor at its end (emits ::changed). */
void        tact_composer_set_text      (TactComposer *self, const char *text);
/* Selects characters start..end (character offsets, as gtk_editable_select_region). */
void        tact_composer_select_region (TactComposer *self, int start, int end);
/* What the guard will do with the text ("Will be blocked: …"); NULL or "" hides the line. */
void        tact_composer_set_hint      (TactComposer *self, const char *hint);
const char *tact_composer_get_hint      (TactComposer *self);
/* name: the file being checked ("Checking “name”…" with a spinner), or NULL when none. */
void        tact_composer_set_checking  (TactComposer *self, const char *name);

G_END_DECLS
