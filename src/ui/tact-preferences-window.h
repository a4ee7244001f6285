/* tact-preferences-window.h: Preferences (win.show-preferences, Ctrl+,): the person's own
 * settings (check while typing, the sandbox by default, the homeserver), bound to GSettings,
 * and the company's fleet configuration (homeserver, policy room, supervision room) with a
 * "Set by your administrator" marker on every setting the administrator locked. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TACT_TYPE_PREFERENCES_WINDOW (tact_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TactPreferencesWindow, tact_preferences_window, TACT, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* settings: the app's settings (schema io.github.tactchat.Tact), on any backend. */
GtkWidget *tact_preferences_window_new (GtkWindow *parent, GSettings *settings);

G_END_DECLS
