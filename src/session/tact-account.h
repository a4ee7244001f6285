/* tact-account.h: signing in, restoring a signed-in account at start-up, signing out.
 * Each workflow ends with a ready TactSession (not yet started) or a GError that says what to do. */
#pragma once

#include <gio/gio.h>
#include "tact-session.h"

G_BEGIN_DECLS

/* Stored in the keyring instead of a URL for the built-in sandbox, whose port changes per run. */
#define TACT_ACCOUNT_SANDBOX_HOMESERVER "tact-sandbox:"

/* A fleet key of the app's GSettings schema ("policy-room", "supervision-room",
 * "homeserver-url": what an administrator sets through a vendor override or dconf), stripped;
 * NULL when it is empty or the schema is not installed. The policy room from it takes
 * precedence over the one the homeserver's .well-known announces (see tact-account.c). */
char        *tact_account_dup_fleet_setting (const char *key);

/* $XDG_DATA_HOME/tact/<hash of the user id>/history.db */
char        *tact_account_dup_db_path (const char *user_id);

/* server: a server name ("corp.example"), a URL, or the sandbox's URL with is_sandbox TRUE.
 * Discovers, logs in with the password (which is never stored), stores the access token in the
 * keyring, creates or fetches the database key, opens the database and loads the policy profile. */
void         tact_account_login_async    (const char *server, const char *user, const char *password,
                                          gboolean is_sandbox, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
TactSession *tact_account_login_finish   (GAsyncResult *result, GError **error);

/* Restores the account stored in the keyring. Returns NULL without an error when there is none.
 * sandbox_url replaces the stored sandbox marker (NULL when no sandbox runs). */
void         tact_account_restore_async  (const char *sandbox_url, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
TactSession *tact_account_restore_finish (GAsyncResult *result, GError **error);

/* Logs the device out on the server (best effort) and forgets the access token. The history
 * database and its key are kept. */
void         tact_account_logout_async   (TactSession *session, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean     tact_account_logout_finish  (GAsyncResult *result, GError **error);

/* After a soft logout (TactSession::logged-out with soft TRUE): logs in again with the password
 * and the same device id, keeps the new token in the keyring and restarts the session; the local
 * history and the outbox are kept, and unfinished sends resume with their txnIds. */
void         tact_account_relogin_async  (TactSession *session, const char *password,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean     tact_account_relogin_finish (GAsyncResult *result, GError **error);

/* When the stored account's database cannot be opened because its key is gone
 * (TACT_STORE_ERROR_KEY_MISSING): moves the old database aside (renamed, never deleted) so the
 * next restore starts a new history. Returns the old database's new path. */
void         tact_account_move_history_aside_async  (GCancellable *cancellable,
                                                     GAsyncReadyCallback callback, gpointer user_data);
char        *tact_account_move_history_aside_finish (GAsyncResult *result, GError **error);

G_END_DECLS
