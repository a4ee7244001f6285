/* tact-room.h: a room the account is in or invited to; its timeline is a GListModel of TactMessage. */
#pragma once

#include <gio/gio.h>
#include "matrix/tact-matrix.h"
#include "policy/tact-policy.h"
#include "store/tact-store.h"
#include "tact-member.h"
#include "tact-message.h"

G_BEGIN_DECLS

#define TACT_TYPE_ROOM (tact_room_get_type ())
G_DECLARE_FINAL_TYPE (TactRoom, tact_room, TACT, ROOM, GObject)

TactRoom     *tact_room_new               (const char *room_id, const char *own_user_id);
const char   *tact_room_get_id            (TactRoom *self);
/* The name to show: m.room.name, else the other members' names, else the id. */
const char   *tact_room_get_display_name  (TactRoom *self);
const char   *tact_room_get_topic         (TactRoom *self);
const char   *tact_room_get_membership    (TactRoom *self);   /* "join", "invite", "leave" */
gboolean      tact_room_is_direct         (TactRoom *self);
guint         tact_room_get_member_count  (TactRoom *self);
/* Joined or invited members whose server differs from ours. */
guint         tact_room_get_external_count (TactRoom *self);
gint64        tact_room_get_last_ts       (TactRoom *self);
TactRoomKind  tact_room_get_kind          (TactRoom *self);
/* Element type TactMessage, oldest first. */
GListModel   *tact_room_get_timeline      (TactRoom *self);
/* A display name for a member (falls back to the user id). */
const char   *tact_room_get_member_name   (TactRoom *self, const char *user_id);
/* Element type TactMember: everyone with a known m.room.member event (any membership). With
 * lazy-loaded members this fills in as people speak and when the full state is fetched. */
GListModel   *tact_room_get_members       (TactRoom *self);
TactMember   *tact_room_lookup_member     (TactRoom *self, const char *user_id);
/* The power a state event of type needs: power_levels events[type], else state_default. */
gint64        tact_room_get_required_state_level (TactRoom *self, const char *type);
/* m.room.power_levels: users[user_id], else users_default (0 without the event). */
gint64        tact_room_get_power_level   (TactRoom *self, const char *user_id);
/* The other members typing now ("typing" property); never NULL. */
const char * const *tact_room_get_typing  (TactRoom *self);
/* TRUE once the timeline model holds the room's first event ("at-start" property). */
gboolean      tact_room_get_at_start      (TactRoom *self);
/* The sync's unread_notifications ("notification-count", "highlight-count" properties), kept
 * in the store; 0 once we have read the newest message (tact_session_mark_read_async). */
guint         tact_room_get_notification_count (TactRoom *self);
guint         tact_room_get_highlight_count    (TactRoom *self);
/* Read receipts (m.read, unthreaded or "main") of the other members: user id -> the event id
 * each has read up to. Borrowed; changes emit TactRoom::receipts-changed. In memory only: a
 * run learns them from its syncs. */
GHashTable   *tact_room_get_read_receipts      (TactRoom *self);
const char   *tact_room_get_read_receipt       (TactRoom *self, const char *user_id);
/* The other members whose receipt is at event_id (NULL-terminated; free with g_strfreev). */
char        **tact_room_dup_read_by            (TactRoom *self, const char *event_id);
/* The event our own receipt points at, or NULL. */
const char   *tact_room_get_own_read_event     (TactRoom *self);
/* The newest message in the timeline that has an event id (what "mark read" names), or NULL. */
const char   *tact_room_get_newest_event_id    (TactRoom *self);
/* Whether user_id is from outside the company: by default on another server than ours; the
 * session sets the profile's definition (its company's homeservers and outsider patterns). */
gboolean      tact_room_user_is_external  (TactRoom *self, const char *user_id);
typedef gboolean (*TactRoomExternalFunc) (const char *user_id, const char *own_server, gpointer data);
void          tact_room_set_external_func (TactRoom *self, TactRoomExternalFunc func, gpointer data);
const char   *tact_room_get_own_server    (TactRoom *self);
/* m.room.history_visibility ("shared" until the room's state says otherwise, as the spec's
 * default): with "shared" or "world_readable" someone invited later reads the history. */
const char   *tact_room_get_history_visibility (TactRoom *self);
/* What the guard needs to know about the audience of this room. */
void          tact_room_describe_audience (TactRoom *self, TactOutgoing *outgoing);

/* ---- Session-internal ---- */
void          tact_room_set_timeline_loaded (TactRoom *self, gboolean loaded);
gboolean      tact_room_get_timeline_loaded (TactRoom *self);
void          tact_room_apply_store_row   (TactRoom *self, const TactStoreRoom *row);
TactStoreRoom *tact_room_to_store_row     (TactRoom *self);
void          tact_room_set_membership    (TactRoom *self, const char *membership);
void          tact_room_set_direct        (TactRoom *self, gboolean is_direct);
void          tact_room_set_prev_batch    (TactRoom *self, const char *prev_batch);
/* m.joined_member_count / m.invited_member_count from the sync summary (-1: absent, kept). */
void          tact_room_set_summary_counts (TactRoom *self, gint joined, gint invited);
/* Applies the room's whole current state (GET /state): every member, so the counts come from
 * the member table alone from now on. */
void          tact_room_apply_full_state  (TactRoom *self, GPtrArray *events /* TactEvent */);
gboolean      tact_room_get_members_complete (TactRoom *self);
/* Folds a state event (m.room.name, m.room.topic, m.room.member) into the room. */
void          tact_room_apply_state       (TactRoom *self, const TactEvent *event);
/* Adds a timeline event: state is folded in, messages are appended (de-duplicated by event id,
 * and reconciled with a pending local echo by transaction id). Returns TRUE if the timeline changed. */
gboolean      tact_room_add_event         (TactRoom *self, const TactEvent *event);
/* The event an m.room.redaction removes: top-level "redacts", or content.redacts (room
 * version 11); NULL for any other event. */
const char   *tact_room_event_redacts     (const TactEvent *event);
/* The store's row for a timeline or state event (sent), or NULL when the event lacks an id, a
 * room, a sender or a type (it cannot be stored). */
TactStoreEvent *tact_room_event_to_store_row (const TactEvent *event);
/* Adds a stored row (history or an outbox echo) to the end of the timeline. */
void          tact_room_add_stored        (TactRoom *self, const TactStoreEvent *row);
void          tact_room_append_message    (TactRoom *self, TactMessage *message);
TactMessage  *tact_room_find_by_txn       (TactRoom *self, const char *txn_id);
/* The timeline entry with this event id (searching from the newest), or NULL. */
TactMessage  *tact_room_find_by_event     (TactRoom *self, const char *event_id);
/* Our send txn_id was confirmed as event_id: the echo (if shown) is marked sent and the event id
 * is known from then on, so the server's copy is never shown a second time (it comes without
 * unsigned.transaction_id through /messages, or to another access token). */
void          tact_room_confirm_sent      (TactRoom *self, const char *txn_id, const char *event_id);
const char   *tact_room_get_prev_batch    (TactRoom *self);
void          tact_room_clear_prev_batch  (TactRoom *self);
/* Bounds the timeline model to its newest @keep messages: older ones that the server has (SENT)
 * are dropped, with their event ids (the store keeps them; back-pagination reads them back
 * from it first). Pending and failed echoes always stay. Returns how many were dropped. */
guint         tact_room_trim_timeline     (TactRoom *self, guint keep);
/* Empties the timeline model and forgets which event ids it held (before a reload). */
void          tact_room_reset_timeline    (TactRoom *self);
void          tact_room_set_at_start      (TactRoom *self, gboolean at_start);
void          tact_room_set_typing        (TactRoom *self, const char * const *user_ids);
/* unread_notifications from a sync (-1: absent, kept). */
void          tact_room_set_unread_counts (TactRoom *self, gint notifications, gint highlights);
/* A receipt from an m.receipt event: only m.read / m.read.private, unthreaded or "main". */
void          tact_room_apply_receipt     (TactRoom *self, const char *user_id, const char *event_id,
                                           const char *receipt_type, const char *thread_id);
gboolean      tact_room_has_event         (TactRoom *self, const char *event_id);
gint64        tact_room_get_oldest_ts     (TactRoom *self);
/* Inserts events (oldest first) before the message with before_event_id (at the end if NULL or
 * absent); messages only, de-duplicated. Returns how many entries were added. */
guint         tact_room_insert_events     (TactRoom *self, const char *before_event_id, GPtrArray *events);
/* Prepends events / stored rows (oldest first) to the timeline. Returns how many were added. */
guint         tact_room_prepend_events    (TactRoom *self, GPtrArray *events /* TactEvent */);
guint         tact_room_prepend_stored    (TactRoom *self, GPtrArray *rows /* TactStoreEvent */);

G_END_DECLS
