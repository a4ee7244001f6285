/* tact-guard-dialog.h: explains a guard verdict before a message is sent. */
#pragma once

#include <adwaita.h>
#include "policy/tact-policy.h"

G_BEGIN_DECLS

/* Response ids. A response closes the dialog (a click, or Enter in the reason field). */
#define TACT_GUARD_RESPONSE_CANCEL  "cancel"    /* also the close response (Escape) */
#define TACT_GUARD_RESPONSE_EDIT    "edit"      /* messages only */
#define TACT_GUARD_RESPONSE_SEND    "send"      /* warn: send anyway */
#define TACT_GUARD_RESPONSE_JUSTIFY "justify"   /* justify: send with the written reason */
#define TACT_GUARD_RESPONSE_APPROVE "approve"   /* approve: request approval, with an optional
                                                 * note; only after tact_guard_dialog_set_approvers() */

#define TACT_TYPE_GUARD_DIALOG (tact_guard_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TactGuardDialog, tact_guard_dialog, TACT, GUARD_DIALOG, AdwMessageDialog)

/* The findings are shown one row per rule, with all of that rule's matches. */
GtkWidget  *tact_guard_dialog_new               (GtkWindow *parent, const TactVerdict *verdict);
/* For a file about to be sent: names it; no Edit response. */
GtkWidget  *tact_guard_dialog_new_for_file      (GtkWindow *parent, const TactVerdict *verdict,
                                                 const char *file_name);
/* For a message held in the outbox and judged again (Review…): no Edit response. */
GtkWidget  *tact_guard_dialog_new_for_held      (GtkWindow *parent, const TactVerdict *verdict);
/* The reason typed by the user (justify), stripped; NULL when empty. Still valid in a
 * "response" handler and after the dialog closed. */
char       *tact_guard_dialog_dup_justification (TactGuardDialog *self);

/* Approve verdicts: names who can approve (display names, e.g. "王芳"; NULL-terminated). With
 * at least one name the body names them and the dialog offers TACT_GUARD_RESPONSE_APPROVE
 * ("Request Approval") and a note field; without this call, or with no names, there is no
 * approval response. Does nothing for other verdicts. */
void        tact_guard_dialog_set_approvers     (TactGuardDialog    *self,
                                                 const char * const *names);
/* Approve verdicts that cannot be sent for approval: the body says so, with reason (e.g. the
 * session's "Nobody can approve this message: …"). No approval response is offered. */
void        tact_guard_dialog_set_approval_unavailable (TactGuardDialog *self,
                                                        const char      *reason);
/* The note for the approver, stripped; NULL when empty or not offered. */
char       *tact_guard_dialog_dup_note          (TactGuardDialog *self);

/* "Report False Positive" is offered on every guard dialog: a toggle reveals an optional
 * comment and a Report button. Reporting neither sends nor cancels: the dialog stays open,
 * says "Reported, thank you", and emits
 *
 *   void report_false_positive (TactGuardDialog *dialog, const char *comment, gpointer data)
 *
 * ("report-false-positive") once; @comment is the stripped comment or NULL. The verdict's
 * rule ids are the caller's to record (it holds the verdict). */
char       *tact_guard_dialog_dup_report_comment (TactGuardDialog *self);   /* NULL when empty */
/* TRUE once the report was made (it can be made once per dialog). */
gboolean    tact_guard_dialog_get_reported       (TactGuardDialog *self);

/* The micro-lesson (issue 9, item 5): offers "Learn About “title”"; a click emits
 *
 *   void learn (TactGuardDialog *dialog, const char *rule_id, gpointer data)
 *
 * and leaves the dialog open (the caller opens the lesson beside it). */
void        tact_guard_dialog_offer_lesson       (TactGuardDialog *self,
                                                  const char      *rule_id,
                                                  const char      *title);

G_END_DECLS
