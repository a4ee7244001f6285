/* tact-send-check.h: one outgoing action, judged by the guard.
 *
 * A TactSendCheck holds what is to leave (a text, or a file with its name), the room and audience
 * and the profile it was judged against, and the guard's verdict. Views get one from the session
 * (tact_session_check_text(), tact_session_check_file_async(), tact_session_check_held()), show
 * its verdict, and hand it back with the person's decision (tact_session_send()); only the
 * session sends, and only while the check still holds (same room, audience and profile, once).
 * Reference counted and immutable for its users.
 */
#pragma once

#include <gio/gio.h>
#include "policy/tact-policy.h"

G_BEGIN_DECLS

typedef enum {
  TACT_SEND_KIND_TEXT,   /* a new text message */
  TACT_SEND_KIND_FILE,   /* a file (m.file / m.image), its name the body */
  TACT_SEND_KIND_HELD,   /* a message held in the outbox for review, judged again as it is now */
  TACT_SEND_KIND_REPLY,       /* a reply: its text and the quoted fallback of the original */
  TACT_SEND_KIND_EDIT,        /* an edit (m.replace) of our own message: judged like a new one */
  TACT_SEND_KIND_FORWARD,     /* a message forwarded to another room, for that room's audience */
  TACT_SEND_KIND_REACTION,    /* a reaction: its key is text */
  TACT_SEND_KIND_TOPIC,       /* the room's topic (a state event) */
  TACT_SEND_KIND_ROOM_NAME,   /* the room's name (a state event) */
  TACT_SEND_KIND_INVITE,      /* an invitation: the audience grows by the invitee */
  TACT_SEND_KIND_CREATE_ROOM, /* a new group: its name, purpose and members (GRP-1) */
} TactSendKind;

typedef struct _TactSendCheck TactSendCheck;

#define TACT_TYPE_SEND_CHECK (tact_send_check_get_type ())
GType              tact_send_check_get_type       (void) G_GNUC_CONST;
TactSendCheck     *tact_send_check_ref            (TactSendCheck *check);
void               tact_send_check_unref          (TactSendCheck *check);
TactSendKind       tact_send_check_get_kind       (TactSendCheck *check);
const char        *tact_send_check_get_room_id    (TactSendCheck *check);
/* Never NULL. A missing or broken profile gives a block verdict that says why. */
const TactVerdict *tact_send_check_get_verdict    (TactSendCheck *check);
/* The text (TEXT, HELD text), else NULL. */
const char        *tact_send_check_get_text       (TactSendCheck *check);
/* FILE (and HELD files): the name the recipients see, its type and content; else NULL. */
const char        *tact_send_check_get_file_name  (TactSendCheck *check);
const char        *tact_send_check_get_mime_type  (TactSendCheck *check);
GBytes            *tact_send_check_get_bytes      (TactSendCheck *check);
/* FORWARD of someone else's message: the person must confirm its author agreed (PUB-8) before
 * tact_session_send() accepts it (else TACT_SESSION_ERROR_NEEDS_CONSENT). */
gboolean           tact_send_check_needs_consent  (TactSendCheck *check);
void               tact_send_check_set_consent    (TactSendCheck *check, gboolean agreed);
/* The audience it was judged for. */
guint              tact_send_check_get_external_count (TactSendCheck *check);
guint              tact_send_check_get_member_count   (TactSendCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactSendCheck, tact_send_check_unref)

G_END_DECLS
