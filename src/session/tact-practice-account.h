/* tact-practice-account.h: the practice account: Tact's built-in sandbox homeserver, run in
 * this process with its seeded world, and the demo user a newcomer signs in as.
 *
 * The views (and the tutorial) reach the sandbox only through this API: they start a practice
 * account, show its URL and demo user, and sign in with TactAccount or
 * tact_practice_account_login_async. */
#pragma once

#include <gio/gio.h>
#include "tact-session.h"

G_BEGIN_DECLS

#define TACT_TYPE_PRACTICE_ACCOUNT (tact_practice_account_get_type ())
G_DECLARE_FINAL_TYPE (TactPracticeAccount, tact_practice_account, TACT, PRACTICE_ACCOUNT, GObject)

/* Starts the sandbox homeserver on 127.0.0.1:port (0 picks a free port). Its world is kept in
 * $XDG_DATA_HOME/tact/sandbox-state.json and seeded with the demo world when new. A saved world
 * that cannot be read is not fatal: a fresh one starts, and get_state_error says why. Returns
 * NULL with error when the server cannot listen. Stops (saving its world) when the last
 * reference goes, or with tact_practice_account_stop. */
TactPracticeAccount *tact_practice_account_start          (guint16 port, GError **error);

/* "http://127.0.0.1:PORT": the homeserver to sign in to (tact_account_login_async with
 * is_sandbox TRUE) and to pass to tact_account_restore_async. */
const char          *tact_practice_account_get_url        (TactPracticeAccount *self);
/* The demo user's login name ("me") and password, as a newcomer types them. */
const char          *tact_practice_account_get_user_name  (TactPracticeAccount *self);
const char          *tact_practice_account_get_password   (TactPracticeAccount *self);
/* The demo user's Matrix id ("@me:corp.test"). */
const char          *tact_practice_account_get_user_id    (TactPracticeAccount *self);
/* Why the saved practice world was not loaded (a fresh one was started), or NULL. */
const GError        *tact_practice_account_get_state_error (TactPracticeAccount *self);

/* A scripted colleague or customer (@actor, e.g. TACT_SANDBOX_CUSTOMER) says @text in the room
 * named @room_name: the tutorial's practice scenarios start this way. FALSE when the room or
 * the actor is not there (a practice world saved before the scenario's room existed). */
gboolean             tact_practice_account_say            (TactPracticeAccount *self,
                                                           const char          *actor,
                                                           const char          *room_name,
                                                           const char          *text);

/* Saves the world and stops listening. Safe to call more than once. */
void                 tact_practice_account_stop           (TactPracticeAccount *self);

/* Signs in as the demo user, as tact_account_login_async does (the token goes to the keyring,
 * stored with the sandbox marker). The session is not yet started. */
void                 tact_practice_account_login_async    (TactPracticeAccount *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
TactSession         *tact_practice_account_login_finish   (TactPracticeAccount *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

G_END_DECLS
