/* tact-message.h: one message in a room's timeline (a model object; no GTK). */
#pragma once

#include <gio/gio.h>
#include "store/tact-store.h"

G_BEGIN_DECLS

#define TACT_TYPE_MESSAGE (tact_message_get_type ())
G_DECLARE_FINAL_TYPE (TactMessage, tact_message, TACT, MESSAGE, GObject)

TactMessage  *tact_message_new            (const char *event_id, const char *txn_id,
                                           const char *sender, const char *sender_name,
                                           const char *body, gint64 timestamp_ms,
                                           TactSendState send_state);
const char   *tact_message_get_event_id   (TactMessage *self);
const char   *tact_message_get_txn_id     (TactMessage *self);
const char   *tact_message_get_sender     (TactMessage *self);
const char   *tact_message_get_sender_name (TactMessage *self);
const char   *tact_message_get_body       (TactMessage *self);
gint64        tact_message_get_timestamp  (TactMessage *self);
TactSendState tact_message_get_send_state (TactMessage *self);
const char   *tact_message_get_error      (TactMessage *self);
gboolean      tact_message_is_own         (TactMessage *self);
/* A file being sent: the fraction of it uploaded, 0 until the upload starts, 1 once it is on
 * the server ("progress" property, notified on the main thread). 0 for text messages. */
double        tact_message_get_progress   (TactMessage *self);
/* Files (m.file, m.image, m.video, m.audio): the body is the file name; the content's mxc:// URI
 * ("media-url", NULL until an echo's upload is done), info.mimetype (may be NULL) and info.size
 * (-1 when unknown). The msgtype is NULL when not known (an echo of text). */
const char   *tact_message_get_msgtype    (TactMessage *self);
gboolean      tact_message_is_file        (TactMessage *self);
const char   *tact_message_get_media_url  (TactMessage *self);
const char   *tact_message_get_media_mime_type (TactMessage *self);
gint64        tact_message_get_media_size (TactMessage *self);
/* A file being downloaded by tact_session_download_async(): 0 to 1 ("download-progress",
 * notified on the main thread), back to 0 when the download is over. */
double        tact_message_get_download_progress (TactMessage *self);

/* Session-internal updates; each notifies its property. */
void tact_message_set_own        (TactMessage *self, gboolean own);
void tact_message_mark_sent      (TactMessage *self, const char *event_id);
void tact_message_mark_failed    (TactMessage *self, const char *error_message);
void tact_message_mark_pending   (TactMessage *self);
/* Held for review: checked again before a transmission, the guard's verdict had become
 * stricter; reason (the "error") says what applies now. */
void tact_message_mark_held      (TactMessage *self, const char *reason);
/* Held until an approver decides; note ("error") says whom it waits for, or what was decided. */
void tact_message_mark_awaiting  (TactMessage *self, const char *note);
void tact_message_set_progress   (TactMessage *self, double progress);
void tact_message_set_media      (TactMessage *self, const char *msgtype, const char *url,
                                  const char *mime_type, gint64 size);
void tact_message_set_media_url  (TactMessage *self, const char *url);
void tact_message_set_download_progress (TactMessage *self, double progress);
/* The sender or a moderator redacted it: the body becomes "" and "redacted" turns TRUE. */
void tact_message_mark_redacted  (TactMessage *self);
gboolean tact_message_is_redacted (TactMessage *self);
/* An edit (m.replace) by the original sender: the body becomes the new version and "edited"
 * turns TRUE. Ignored for a redacted message. */
void     tact_message_apply_edit  (TactMessage *self, const char *body);
gboolean tact_message_is_edited   (TactMessage *self);

G_END_DECLS
