/* tact-session-util.h: small helpers the session's workflow objects share. Session-internal. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Logs a store error as a warning, unless it is a cancellation (a stopped session). */
void  tact_session_log_store_error (const char *what, const GError *error);
/* ms scaled by a test's retry scale (1.0 in use), at least 1. */
guint tact_session_scale_ms        (double scale, guint ms);
/* A new transaction id: "tact-<uuid>". */
char *tact_session_new_txn_id      (void);
/* TRUE for errors that mean the access token is no longer accepted. */
gboolean tact_session_error_is_token (const GError *error);

G_END_DECLS
