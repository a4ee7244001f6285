/* tact-application.h: the Tact application: starts the sandbox, restores the account, opens the window. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TACT_TYPE_APPLICATION (tact_application_get_type ())
G_DECLARE_FINAL_TYPE (TactApplication, tact_application, TACT, APPLICATION, AdwApplication)

TactApplication *tact_application_new (void);

G_END_DECLS
