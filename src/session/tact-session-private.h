/* tact-session-private.h: session internals shared with tests and tact-account.c. */
#pragma once

#include "tact-session.h"

G_BEGIN_DECLS

/* Multiplies every retry delay (send backoff, Retry-After, sync backoff); tests use < 1. */
void  tact_session_set_retry_scale        (TactSession *self, double scale);
/* $XDG_DATA_HOME/tact/outbox-media/<txnId>: the copy of a file waiting in the outbox. */
char *tact_session_dup_outbox_media_path  (const char *txn_id);

G_END_DECLS
