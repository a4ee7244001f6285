/* tact-sync-loop.h: the /sync loop. It fills the room list from each response (gaps filled by
 * /messages first), saves each batch with its next_batch token in one transaction, backs off when
 * offline, and says so through its "state" and "retry-delay" properties. A token the server no
 * longer accepts is reported by the "token-rejected" signal; the loop then waits.
 */
#pragma once

#include <gio/gio.h>
#include "matrix/tact-matrix.h"
#include "store/tact-store.h"
#include "tact-history.h"
#include "tact-room-list.h"
#include "tact-session.h"

G_BEGIN_DECLS

#define TACT_TYPE_SYNC_LOOP (tact_sync_loop_get_type ())
G_DECLARE_FINAL_TYPE (TactSyncLoop, tact_sync_loop, TACT, SYNC_LOOP, GObject)

TactSyncLoop *tact_sync_loop_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms,
                                  TactHistory *history);
void          tact_sync_loop_set_retry_scale (TactSyncLoop *self, double scale);

TactSyncState tact_sync_loop_get_state       (TactSyncLoop *self);
/* In TACT_SYNC_STATE_ERROR: the server's refusal (a TACT_MATRIX_ERROR), else NULL. */
const GError *tact_sync_loop_get_error       (TactSyncLoop *self);
/* Offline: the seconds until the next attempt, else 0. */
guint         tact_sync_loop_get_retry_delay (TactSyncLoop *self);

/* Starts: reads the saved position (state READY when there is one, else INITIAL_SYNC) and
 * completes; tact_sync_loop_run() then begins syncing (the filter first). */
void          tact_sync_loop_start_async     (TactSyncLoop *self, GAsyncReadyCallback callback,
                                              gpointer user_data);
gboolean      tact_sync_loop_start_finish    (TactSyncLoop *self, GAsyncResult *result, GError **error);
void          tact_sync_loop_run             (TactSyncLoop *self);
/* Stops every request; the state becomes STOPPED unless it is LOGGED_OUT. */
void          tact_sync_loop_stop            (TactSyncLoop *self);
/* The token is no longer accepted: no more requests, state LOGGED_OUT (until a new start). */
void          tact_sync_loop_set_logged_out  (TactSyncLoop *self);

/* Lazy loading shows only the members who spoke: the guard needs the whole audience, so a
 * joined room's full member list is fetched once per run. */
void          tact_sync_loop_ensure_members  (TactSyncLoop *self, TactRoom *room);

/* What the loop does with one parsed response, without the network (benchmarks, tests). */
void          tact_sync_loop_process_async   (TactSyncLoop *self, TactSyncResponse *response,
                                              GAsyncReadyCallback callback, gpointer user_data);
gboolean      tact_sync_loop_process_finish  (TactSyncLoop *self, GAsyncResult *result, GError **error);

G_END_DECLS
