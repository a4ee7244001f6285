/* tact-guard-dialog.h: explains a guard verdict before a message is sent. */
#pragma once

#include <adwaita.h>
#include "policy/tact-policy.h"

G_BEGIN_DECLS

/* Response ids */
#define TACT_GUARD_RESPONSE_CANCEL  "cancel"
#define TACT_GUARD_RESPONSE_EDIT    "edit"
#define TACT_GUARD_RESPONSE_SEND    "send"      /* warn: send anyway */
#define TACT_GUARD_RESPONSE_JUSTIFY "justify"   /* justify: send with the written reason */

#define TACT_TYPE_GUARD_DIALOG (tact_guard_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TactGuardDialog, tact_guard_dialog, TACT, GUARD_DIALOG, AdwMessageDialog)

GtkWidget  *tact_guard_dialog_new               (GtkWindow *parent, const TactVerdict *verdict);
/* For a file about to be sent: names it; no Edit response. */
GtkWidget  *tact_guard_dialog_new_for_file      (GtkWindow *parent, const TactVerdict *verdict,
                                                 const char *file_name);
/* The reason typed by the user (justify), stripped; NULL when empty. */
char       *tact_guard_dialog_dup_justification (TactGuardDialog *self);

G_END_DECLS
