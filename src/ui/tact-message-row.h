/* tact-message-row.h: one timeline entry: sender, time, text and (for our own sends) its state. */
#pragma once

#include <gtk/gtk.h>
#include "session/tact-message.h"

G_BEGIN_DECLS

#define TACT_TYPE_MESSAGE_ROW (tact_message_row_get_type ())
G_DECLARE_FINAL_TYPE (TactMessageRow, tact_message_row, TACT, MESSAGE_ROW, GtkWidget)

GtkWidget *tact_message_row_new         (void);
/* Shows message (NULL to clear), following its send state. */
void       tact_message_row_set_message (TactMessageRow *self, TactMessage *message);

G_END_DECLS
