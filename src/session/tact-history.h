/* tact-history.h: a room's history: stored timelines loaded into the models, back-pagination
 * (the store first, then /messages until the room's start), and the holes a sync could not fill.
 */
#pragma once

#include <gio/gio.h>
#include "matrix/tact-matrix.h"
#include "store/tact-store.h"
#include "tact-room-list.h"

G_BEGIN_DECLS

#define TACT_TYPE_HISTORY (tact_history_get_type ())
G_DECLARE_FINAL_TYPE (TactHistory, tact_history, TACT, HISTORY, GObject)

TactHistory *tact_history_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms);

/* Loads a room's stored history into its timeline once (async; the model fills in). */
void   tact_history_load_timeline   (TactHistory *self, TactRoom *room);
/* See tact_session_load_older_async(). */
void   tact_history_load_older_async  (TactHistory *self, TactRoom *room, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gssize tact_history_load_older_finish (TactHistory *self, GAsyncResult *result, GError **error);

/* A hole in a room's history: a limited sync's gap larger than the fill budget, or one whose
 * /messages request the server refused. Back-pagination fills it before anything older, from
 * /messages at from, until an event older than stop_ts (or already shown). A room keeps one: a
 * second hole merges with the first. Kept in the store's meta table as "gap:<room id>". */
void   tact_history_record_gap      (TactHistory *self, TactRoom *room, const char *from,
                                     const char *anchor, gint64 stop_ts);
/* Reads a room's recorded hole back from the store (at start). */
void   tact_history_restore_gap     (TactHistory *self, const char *room_id);

G_END_DECLS
