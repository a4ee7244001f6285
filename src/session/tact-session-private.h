/* tact-session-private.h: session internals shared with tests and tact-account.c. */
#pragma once

#include "tact-session.h"

G_BEGIN_DECLS

/* Multiplies every retry delay (send backoff, Retry-After, sync backoff); tests use < 1. */
void  tact_session_set_retry_scale        (TactSession *self, double scale);
/* The wait before a transiently failed send is tried again (unscaled), in ms: a 429's
 * retry_after_ms or Retry-After (seconds or HTTP date) up to one hour, else the backoff
 * 1, 2, 5, 10, 30 s by the number of attempts so far. */
guint tact_session_send_retry_delay_ms    (const GError *error, guint attempts);
/* $XDG_DATA_HOME/tact/outbox-media/<txnId>: the copy of a file waiting in the outbox. */
char *tact_session_dup_outbox_media_path  (const char *txn_id);

/* Benchmarks: what the sync loop does with one parsed /sync response (rooms and timelines
 * updated, then the batch saved with one save_sync), without the network loop. Returns once
 * the models are updated and the save is queued; completes when the batch is saved. For a
 * session that is not started; rooms new to the session still ask the server for their
 * state, as in the loop. */
void     tact_session_process_sync_async  (TactSession *self, TactSyncResponse *response,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_session_process_sync_finish (TactSession *self, GAsyncResult *result,
                                           GError **error);

/* The session's guard (tests judge an audience no room has). */
typedef struct _TactGuard TactGuard;
TactGuard *tact_session_get_guard (TactSession *self);

G_END_DECLS
