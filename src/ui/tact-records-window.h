/* tact-records-window.h: "Held" (our approval requests and their state), "My Audit Log"
 * (this device's audit records) and, for supervisors, "Supervision" (the supervision room's
 * records, filtered) and "Rule Statistics" (counts per rule over them): pages of one window. */
#pragma once

#include <adwaita.h>
#include "session/tact-session.h"

G_BEGIN_DECLS

#define TACT_TYPE_RECORDS_WINDOW (tact_records_window_get_type ())
G_DECLARE_FINAL_TYPE (TactRecordsWindow, tact_records_window, TACT, RECORDS_WINDOW, AdwWindow)

/* session may be NULL (nothing to show). */
GtkWidget *tact_records_window_new       (GtkWindow *parent, TactSession *session);
/* page: "held", "audit", "supervision" or "rule-stats" (the logs are read again each time they
 * are shown; "supervision" and "rule-stats" show "audit" to someone who is not a supervisor). */
void       tact_records_window_show_page (TactRecordsWindow *self, const char *page);

G_END_DECLS
