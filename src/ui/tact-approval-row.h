/* tact-approval-row.h: one approval request, on the Approvals page (incoming: with Approve,
 * Reject… and Return for Edit…) or in the Held list (our own: with its state). */
#pragma once

#include <gtk/gtk.h>
#include "session/tact-approvals.h"

G_BEGIN_DECLS

#define TACT_TYPE_APPROVAL_ROW (tact_approval_row_get_type ())
G_DECLARE_FINAL_TYPE (TactApprovalRow, tact_approval_row, TACT, APPROVAL_ROW, GtkWidget)

GtkWidget *tact_approval_row_new         (void);
/* approvals (borrowed, may be NULL) gives display names; request may be NULL (unbound). The
 * decision buttons act through the approvals.approve / approvals.reject / approvals.return
 * actions with the request id as their target. */
void       tact_approval_row_set_request (TactApprovalRow *self, TactApprovals *approvals,
                                          TactApprovalRequest *request);

G_END_DECLS
