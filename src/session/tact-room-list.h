/* tact-room-list.h: the account's rooms, as one model, and their rows in the store.
 *
 * A TactRoomList knows every room the session has seen (joined, invited and left), lists the
 * joined and invited ones in a GListModel, bounds the timelines of rooms that are not open, and
 * writes room rows. It makes no requests: the sync loop and the history loader fill it.
 */
#pragma once

#include <gio/gio.h>
#include "store/tact-store.h"
#include "tact-room.h"

G_BEGIN_DECLS

/* A room that is not open keeps only its newest messages in memory (the store has the rest). */
#define TACT_ROOM_LIST_TIMELINE_WINDOW 100

#define TACT_TYPE_ROOM_LIST (tact_room_list_get_type ())
G_DECLARE_FINAL_TYPE (TactRoomList, tact_room_list, TACT, ROOM_LIST, GObject)

TactRoomList *tact_room_list_new        (TactStore *store, const char *own_user_id);
const char   *tact_room_list_get_user_id (TactRoomList *self);
/* Element type TactRoom: joined and invited rooms. */
GListModel   *tact_room_list_get_model  (TactRoomList *self);
TactRoom     *tact_room_list_lookup     (TactRoomList *self, const char *room_id);
/* The room with this id, made (and indexed, not yet listed) if it is new. */
TactRoom     *tact_room_list_ensure     (TactRoomList *self, const char *room_id, gboolean *created);
/* Lists or unlists the room after a membership change: joined and invited rooms are listed. */
void          tact_room_list_update_listing (TactRoomList *self, TactRoom *room);

/* The room the user is looking at (NULL: none); every other room is bounded to its newest
 * TACT_ROOM_LIST_TIMELINE_WINDOW messages. */
void          tact_room_list_set_open   (TactRoomList *self, TactRoom *room);
TactRoom     *tact_room_list_get_open   (TactRoomList *self);
/* Bounds the room's timeline unless it is the open room. */
void          tact_room_list_bound      (TactRoomList *self, TactRoom *room);

/* The profile whose definition of "from outside the company" every room uses (NULL: another
 * server than ours). */
void          tact_room_list_set_company (TactRoomList *self, TactProfile *profile);

/* Marks the rooms m.direct account data names as direct. */
void          tact_room_list_apply_direct (TactRoomList *self, GPtrArray *account_data /* TactEvent */);

/* Reads the stored rooms into the list. Finish returns the rows' room ids (NULL-terminated). */
void          tact_room_list_load_async  (TactRoomList *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
GStrv         tact_room_list_load_finish (TactRoomList *self, GAsyncResult *result, GError **error);
/* Writes the room's row (counts, tokens) without touching the sync token. */
void          tact_room_list_save        (TactRoomList *self, TactRoom *room);

G_END_DECLS
