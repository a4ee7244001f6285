/* tact-session.h: an account's live state and workflows, GIO only (no GTK).
 *
 * A TactSession ties the Matrix client, the encrypted store and the policy profile together:
 * it runs the sync loop, keeps rooms and timelines as GListModels, and owns the outbox, the
 * only path by which a message leaves: guard verdict -> outbox row (with its txnId) -> PUT.
 * Views ask for a TactSendCheck, show its verdict, and hand it back with the person's decision
 * (tact_session_send()); the session sends.
 */
#pragma once

#include <gio/gio.h>
#include "matrix/tact-matrix.h"
#include "policy/tact-policy.h"
#include "store/tact-store.h"
#include "tact-message.h"
#include "tact-room.h"
#include "tact-send-check.h"

G_BEGIN_DECLS

#define TACT_SESSION_ERROR (tact_session_error_quark ())
GQuark tact_session_error_quark (void);

typedef enum {
  TACT_SESSION_ERROR_BLOCKED,              /* the guard blocks this message */
  TACT_SESSION_ERROR_NEEDS_JUSTIFICATION,  /* the guard wants a written reason */
  TACT_SESSION_ERROR_NEEDS_APPROVAL,       /* the guard wants the department head's approval */
  TACT_SESSION_ERROR_NOT_JOINED,           /* the room is not joined */
  TACT_SESSION_ERROR_EMPTY,                /* nothing to send */
  /* Appended: */
  TACT_SESSION_ERROR_STALE,                /* a checked file's room, audience or policy changed
                                            * since the check, or it was already sent: check again */
  TACT_SESSION_ERROR_TOO_LARGE,            /* a file over TACT_SESSION_MAX_FILE_SIZE */
  TACT_SESSION_ERROR_NO_MEDIA,             /* a message without a file to download */
  TACT_SESSION_ERROR_NEEDS_CONSENT,        /* forwarding someone else's message: confirm its
                                            * author agreed first (PUB-8) */
} TactSessionError;

/* The largest file Tact loads, inspects and sends (it is read into memory whole). */
#define TACT_SESSION_MAX_FILE_SIZE (G_GINT64_CONSTANT (100) * 1024 * 1024)

typedef enum {
  TACT_SYNC_STATE_STOPPED,
  TACT_SYNC_STATE_INITIAL_SYNC,
  TACT_SYNC_STATE_READY,
  TACT_SYNC_STATE_OFFLINE,
  TACT_SYNC_STATE_LOGGED_OUT,
  /* Appended: the server refuses to sync for a reason other than the token (a 4xx that is not
   * 429): the loop stops instead of spinning; tact_session_get_sync_error() says why. */
  TACT_SYNC_STATE_ERROR,
} TactSyncState;

#define TACT_TYPE_SESSION (tact_session_get_type ())
G_DECLARE_FINAL_TYPE (TactSession, tact_session, TACT, SESSION, GObject)

/* profile may be NULL (none could be loaded): the session then blocks every send. */
TactSession      *tact_session_new            (TactMatrixClient *client,
                                               TactStore        *store,
                                               TactProfile      *profile);
/* Loads rooms and the outbox from the store, resumes unfinished sends, starts syncing. */
void              tact_session_start          (TactSession *self);
/* Stops syncing and sending (nothing is lost: the outbox is in the store). */
void              tact_session_stop           (TactSession *self);

TactMatrixClient *tact_session_get_client     (TactSession *self);
TactStore        *tact_session_get_store      (TactSession *self);
/* The profile in force ("profile" property), or NULL when none is usable: fail closed. */
TactProfile      *tact_session_get_profile    (TactSession *self);
void              tact_session_set_profile    (TactSession *self, TactProfile *profile);
const char       *tact_session_get_user_id    (TactSession *self);
TactSyncState     tact_session_get_sync_state (TactSession *self);
/* In TACT_SYNC_STATE_ERROR: the server's refusal (a TACT_MATRIX_ERROR), else NULL. */
const GError     *tact_session_get_sync_error (TactSession *self);
/* Element type TactRoom: joined and invited rooms. */
GListModel       *tact_session_get_rooms      (TactSession *self);
TactRoom         *tact_session_lookup_room    (TactSession *self, const char *room_id);
/* The room the user is looking at (NULL: none). Every other room keeps only its newest 100
 * messages in its timeline model (the store has all of them; back-pagination reads older ones
 * back from it first); the open room keeps what it is given and scrolled back into, until
 * another room is opened. */
void              tact_session_set_open_room  (TactSession *self, TactRoom *room);
TactRoom         *tact_session_get_open_room  (TactSession *self);
/* Loads a room's stored history into its timeline once (async; the model fills in). */
void              tact_session_load_timeline  (TactSession *self, TactRoom *room);

/* Loads older history into the room's timeline (prepended, in order): from the store first, then
 * /messages from the room's pagination token, storing what it fetches, until the room's start
 * (then the room's "at-start" turns TRUE). Returns how many messages were added (0 at the start). */
void   tact_session_load_older_async  (TactSession *self, TactRoom *room, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gssize tact_session_load_older_finish (TactSession *self, GAsyncResult *result, GError **error);

/* Sends our read receipt (m.read) for event_id, or for the room's newest message when NULL:
 * POST /rooms/{roomId}/receipt/m.read/{eventId}. Once it is accepted for the newest message,
 * the room's notification and highlight counts are 0 (and saved) until a sync brings more.
 * Nothing is sent when that event is already our receipt and nothing is unread. */
void     tact_session_mark_read_async  (TactSession *self, TactRoom *room, const char *event_id,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean tact_session_mark_read_finish (TactSession *self, GAsyncResult *result, GError **error);

/* The profile in force; NULL when none is usable (then every check blocks: fail closed). */
/* (tact_session_get_profile / set_profile above.) Records why there is no usable profile (the
 * loader's error) and takes the profile away: every check blocks, naming the problem. */
void              tact_session_set_profile_error (TactSession *self, const GError *error);

/* The guard's check of text about to be sent to room: the verdict for the room's audience and
 * the profile in force now. Cheap: a view may ask while the person types. */
TactSendCheck    *tact_session_check_text     (TactSession *self, TactRoom *room, const char *text);
/* Reads file (name: the name the recipient sees, NULL for the file's own), inspects it (content,
 * name) and judges it for room, all in a worker thread: nothing here blocks the main thread. The
 * room's audience is taken now; the profile in use now is kept (by reference) for the check.
 * Errors: G_IO_ERROR (unreadable), TACT_SESSION_ERROR_EMPTY, TACT_SESSION_ERROR_TOO_LARGE. A
 * blocked verdict is not an error: the check says why, for the view to explain. */
void             tact_session_check_file_async  (TactSession *self, TactRoom *room, GFile *file,
                                                 const char *name, GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
TactSendCheck   *tact_session_check_file_finish (TactSession *self, GAsyncResult *result,
                                                 GError **error);

/* Sends what check holds, with the person's reason when its verdict asks for one. The check's
 * own verdict decides (refused when blocked, needing approval, or needing a missing reason), and
 * only while it holds: the same room, its audience and the profile it was judged for, and one
 * send; otherwise TACT_SESSION_ERROR_STALE (check again). The outbox row (with its txnId and the
 * reason) is written before the first request. Returns the local echo. */
TactMessage      *tact_session_send           (TactSession *self, TactRoom *room,
                                               TactSendCheck *check, const char *justification,
                                               GError **error);
/* A message held for review (TACT_SEND_STATE_HELD: checked again before a transmission, the
 * verdict had become stricter than what the person decided): judges it again as it was written,
 * for the room and the profile of this moment (a file in a worker thread). Show the check's
 * verdict; tact_session_send() with it records the new decision and sends it (judged again before
 * the request, as every transmission is); tact_session_discard_message() drops it. */
void              tact_session_review_async   (TactSession *self, TactRoom *room, TactMessage *message,
                                               GCancellable *cancellable, GAsyncReadyCallback callback,
                                               gpointer user_data);
TactSendCheck    *tact_session_review_finish  (TactSession *self, GAsyncResult *result, GError **error);

/* ---- The company's policy room (docs/profile-distribution.md) ---- */

/* The room the company's admins publish profiles in (an id or an alias, from the homeserver's
 * .well-known or the administrator's settings). From then on the room's profile is the one in
 * force (the stored last good one until it arrives; none ever received: every check blocks, with
 * instructions); "policy-notice" tells what happened. */
void              tact_session_set_policy_room    (TactSession *self, const char *room_id_or_alias);
/* Fleet bootstrap: reads the homeserver's /.well-known/matrix/client for Tact's key
 * ("io.github.tactchat": {"policy_room", "supervision_room"}) and, when it names a policy room,
 * follows it (remembered in the store for the next start). Finish returns the policy room, or
 * NULL when the server announces none. Works for every way Tact is installed (a Flatpak sees
 * no dconf locks and no /etc). */
void              tact_session_configure_from_server_async  (TactSession *self, GCancellable *cancellable,
                                                             GAsyncReadyCallback callback,
                                                             gpointer user_data);
char             *tact_session_configure_from_server_finish (TactSession *self, GAsyncResult *result,
                                                             GError **error);
/* The fleet's supervision room (administrator settings, .well-known): where audit records go
 * when the profile in force names none. */
void              tact_session_set_supervision_room (TactSession *self, const char *room_id_or_alias);
/* The version of the room's profile in force, 0 when none. */
gint64            tact_session_get_policy_version (TactSession *self);

/* ---- Approvals (docs/approval-protocol.md) and the audit trail (docs/audit.md) ---- */

/* The person's policy tutorial record (tact-training.h): results, whether a pass counts now,
 * recording a new one. */
typedef struct _TactTraining TactTraining;
TactTraining     *tact_session_get_training   (TactSession *self);
/* The tutorial's practice scenarios in this session's rooms (tact-practice.h). */
typedef struct _TactPractice TactPractice;
TactPractice     *tact_session_get_practice   (TactSession *self);

/* The approvals workflow: requests addressed to us (the Approvals page), our own, decisions. */
typedef struct _TactApprovals TactApprovals;
TactApprovals    *tact_session_get_approvals  (TactSession *self);
/* A check whose verdict is approve goes to its approvers with an optional note; the message
 * waits in the outbox ("Awaiting approval from 王芳", the returned echo) until a valid decision:
 * approved, it is sent unchanged (judged again before the request); rejected or returned, it
 * says so. */
void              tact_session_request_approval_async  (TactSession *self, TactRoom *room,
                                                        TactSendCheck *check, const char *note,
                                                        GCancellable *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer user_data);
TactMessage      *tact_session_request_approval_finish (TactSession *self, GAsyncResult *result,
                                                        GError **error);
/* The view showed check's verdict to the person (warning, reason asked, approval needed,
 * blocked), or the person cancelled: audited. */
void              tact_session_record_shown   (TactSession *self, TactRoom *room, TactSendCheck *check);
void              tact_session_record_cancelled (TactSession *self, TactRoom *room, TactSendCheck *check);
/* "Report False Positive" on a guard dialog, with an optional comment: audited with the rules. */
void              tact_session_report_false_positive (TactSession *self, TactRoom *room,
                                                      TactSendCheck *check, const char *comment);
/* "My Audit Log": this device's newest audit records, newest first
 * (element-type TactStoreAuditRecord). */
void              tact_session_list_audit_async  (TactSession *self, guint limit,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
GPtrArray        *tact_session_list_audit_finish (TactSession *self, GAsyncResult *result,
                                                  GError **error);

/* ---- The other ways out: each a TactSendCheck, sent with tact_session_send() -------------- */

/* A reply (its text with the quoted fallback of original, which leaves with it). */
TactSendCheck    *tact_session_check_reply    (TactSession *self, TactRoom *room, TactMessage *original,
                                               const char *text, GError **error);
/* An edit of our own message (m.replace), judged like a new message for today's audience. */
TactSendCheck    *tact_session_check_edit     (TactSession *self, TactRoom *room, TactMessage *original,
                                               const char *text, GError **error);
/* Forwarding message to target, judged for target's audience. Someone else's message needs
 * tact_send_check_set_consent() first (PUB-8). */
TactSendCheck    *tact_session_check_forward  (TactSession *self, TactMessage *message, TactRoom *target);
/* A reaction: the key is text. */
TactSendCheck    *tact_session_check_reaction (TactSession *self, TactRoom *room, TactMessage *target,
                                               const char *key, GError **error);
/* The room's topic and name (state events). */
TactSendCheck    *tact_session_check_topic    (TactSession *self, TactRoom *room, const char *topic);
TactSendCheck    *tact_session_check_room_name (TactSession *self, TactRoom *room, const char *name);
/* Inviting user_id: the audience grows by them; with history shared with later members the
 * room's recent messages are judged for that audience. Sent with tact_session_invite_async(). */
TactSendCheck    *tact_session_check_invite   (TactSession *self, TactRoom *room, const char *user_id);
void              tact_session_invite_async   (TactSession *self, TactRoom *room, TactSendCheck *check,
                                               const char *justification, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean          tact_session_invite_finish  (TactSession *self, GAsyncResult *result, GError **error);
/* A new group (GRP-1): its name, purpose and members judged for those members. Created with
 * tact_session_create_checked_room_async() (finish: tact_session_create_room_finish). */
TactSendCheck    *tact_session_check_create_room (TactSession *self, const char *name, const char *topic,
                                                  const char * const *invitees);
void              tact_session_create_checked_room_async (TactSession *self, TactSendCheck *check,
                                                          const char *justification,
                                                          GCancellable *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer user_data);

/* Supervisors (members of the profile's supervision room with moderator power): that room's
 * records from everyone, newest first, filtered by sender, rule id and action (NULL: any);
 * element-type TactStoreAuditRecord with sender set. */
gboolean          tact_session_is_supervisor  (TactSession *self);
void              tact_session_list_supervision_async  (TactSession *self, const char *sender,
                                                        const char *rule_id, const char *action,
                                                        GCancellable *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer user_data);
GPtrArray        *tact_session_list_supervision_finish (TactSession *self, GAsyncResult *result,
                                                        GError **error);
/* Supervisors: per-rule counts of hits, overrides, false-positive reports and shadow hits over
 * the same records, most hits first (element-type TactAuditRuleStats; docs/audit.md). */
void              tact_session_supervision_stats_async  (TactSession *self,
                                                         GCancellable *cancellable,
                                                         GAsyncReadyCallback callback,
                                                         gpointer user_data);
GPtrArray        *tact_session_supervision_stats_finish (TactSession *self, GAsyncResult *result,
                                                         GError **error);

/* Checks and sends text in one call (tact_session_check_text + tact_session_send). */
TactMessage      *tact_session_send_text      (TactSession *self, TactRoom *room, const char *text,
                                               const char *justification, GError **error);
/* Sends a file (from path, or data with name) through the guard (attachment inspection, on the
 * calling thread) and the same outbox: a private copy goes to
 * $XDG_DATA_HOME/tact/outbox-media/<txnId>, the queue uploads it and then sends m.image (image/
 * types) or m.file with the mxc URI and the same txnId. Refused like tact_session_send(). Returns
 * the local echo (its body is the file name). Views use tact_session_check_file_async(). */
TactMessage      *tact_session_send_file      (TactSession *self, TactRoom *room, const char *path,
                                               GBytes *data, const char *name, const char *mime_type,
                                               const char *justification, GError **error);

/* Downloads a file message's content (its mxc:// URI, authenticated media, through the client's
 * media cache), with the message's "download-progress" following it on the main thread. Finish
 * returns the bytes and, if asked, their content type. TACT_SESSION_ERROR_NO_MEDIA when the
 * message has no file on the server (yet). */
void    tact_session_download_async  (TactSession *self, TactMessage *message,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
GBytes *tact_session_download_finish (TactSession *self, GAsyncResult *result,
                                      char **content_type, GError **error);

/* A failed send: try again with the same txnId (judged again before the request); a failed or
 * held send: discard it. */
void              tact_session_retry_message   (TactSession *self, TactRoom *room, TactMessage *message);
void              tact_session_discard_message (TactSession *self, TactRoom *room, TactMessage *message);

/* Drafts: what the user is writing in a room, kept in the encrypted store so it survives a
 * crash or a restart until it is sent or cleared. Saving "" or NULL deletes the draft. */
void  tact_session_save_draft          (TactSession *self, TactRoom *room, const char *text);
void  tact_session_load_draft_async    (TactSession *self, TactRoom *room, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
/* The draft, or NULL (no error) when there is none. */
char *tact_session_load_draft_finish   (TactSession *self, GAsyncResult *result, GError **error);

/* Creates a room (name, invitees) if the guard allows it without a reason (see
 * tact_session_check_create_room()). Returns the room id. */
void  tact_session_create_room_async  (TactSession *self, const char *name, const char * const *invite,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
char *tact_session_create_room_finish (TactSession *self, GAsyncResult *result, GError **error);
/* Accepts an invite. */
void     tact_session_join_room_async  (TactSession *self, const char *room_id, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_session_join_room_finish (TactSession *self, GAsyncResult *result, GError **error);

/* For tests: resolves when the outbox is empty (all sends confirmed or failed). */
void     tact_session_wait_outbox_idle_async  (TactSession *self, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_session_wait_outbox_idle_finish (TactSession *self, GAsyncResult *result, GError **error);

G_END_DECLS
