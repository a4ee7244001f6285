/* tact-records-window.h: "Held" (our approval requests and their state) and "My Audit Log"
 * (this device's audit records), two pages of one window. */
#pragma once

#include <adwaita.h>
#include "session/tact-session.h"

G_BEGIN_DECLS

#define TACT_TYPE_RECORDS_WINDOW (tact_records_window_get_type ())
G_DECLARE_FINAL_TYPE (TactRecordsWindow, tact_records_window, TACT, RECORDS_WINDOW, AdwWindow)

/* session may be NULL (nothing to show). */
GtkWidget *tact_records_window_new       (GtkWindow *parent, TactSession *session);
/* page: "held" or "audit" (the audit log is read again each time it is shown). */
void       tact_records_window_show_page (TactRecordsWindow *self, const char *page);

G_END_DECLS
