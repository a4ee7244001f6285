/* tact-approvals-window.h: the Approvals page: requests addressed to us, to decide. */
#pragma once

#include <adwaita.h>
#include "session/tact-approvals.h"

G_BEGIN_DECLS

#define TACT_TYPE_APPROVALS_WINDOW (tact_approvals_window_get_type ())
G_DECLARE_FINAL_TYPE (TactApprovalsWindow, tact_approvals_window, TACT, APPROVALS_WINDOW, AdwWindow)

/* approvals may be NULL (nothing to show). */
GtkWidget *tact_approvals_window_new (GtkWindow *parent, TactApprovals *approvals);

G_END_DECLS
