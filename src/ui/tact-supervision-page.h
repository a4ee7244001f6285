/* tact-supervision-page.h: the Supervision page of the records window, for supervisors: the
 * supervision room's audit records from everyone, read-only, filtered by person, rule and
 * action (tact_session_list_supervision_async()). */
#pragma once

#include <adwaita.h>
#include "session/tact-session.h"

G_BEGIN_DECLS

#define TACT_TYPE_SUPERVISION_PAGE (tact_supervision_page_get_type ())
G_DECLARE_FINAL_TYPE (TactSupervisionPage, tact_supervision_page, TACT, SUPERVISION_PAGE, AdwBin)

GtkWidget *tact_supervision_page_new         (void);
/* session may be NULL (nothing to show). */
void       tact_supervision_page_set_session (TactSupervisionPage *self, TactSession *session);
/* Reads the records again with the current filters (the page's Refresh button). */
void       tact_supervision_page_reload      (TactSupervisionPage *self);

G_END_DECLS
