/* tact-account.c: the sign-in and restore chains.
 *
 *   login:   discover -> /login -> keyring (token, never the password) -> db key -> open db
 *            -> profile -> TactSession
 *   restore: keyring lookup -> db key -> open db -> profile -> TactSession
 */
#include <glib/gi18n-lib.h>

#include "tact-account.h"

#include <string.h>

typedef struct {
  char             *server;
  char             *user;
  char             *password;    /* wiped and freed as soon as the login request is made */
  char             *sandbox_url;
  gboolean          is_sandbox;
  TactMatrixClient *client;
  TactStore        *store;
  char             *db_path;
} AccountState;

static void
account_state_free (AccountState *state)
{
  g_free (state->server);
  g_free (state->user);
  if (state->password)
    {
      memset (state->password, 0, strlen (state->password));
      g_free (state->password);
    }
  g_free (state->sandbox_url);
  g_clear_object (&state->client);
  g_clear_object (&state->store);
  g_free (state->db_path);
  g_free (state);
}

char *
tact_account_dup_db_path (const char *user_id)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, user_id, -1);

  digest[16] = '\0';   /* the directory name does not reveal the user id */
  return g_build_filename (g_get_user_data_dir (), "tact", digest, "history.db", NULL);
}

/* ---- Common tail: db key -> open -> profile -> session ---------------------------- */

static void
profile_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  TactProfile *profile = tact_profile_new_default (&error);

  if (profile)
    g_task_return_pointer (task, profile, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
dead_token_cleared_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactSession) session = user_data;
  g_autoptr(GError) error = NULL;

  if (!tact_secrets_clear_account_finish (result, &error))
    g_warning ("Could not remove the ended sign-in from the keyring: %s", error->message);
  g_signal_emit_by_name (session, "account-cleared");
}

/* A hard logout: the token is dead for good, so the keyring must not offer it at the next
 * start. The history, its key and the outbox stay; the user signs in again from scratch. */
static void
session_logged_out_cb (TactSession *session, gboolean soft, gpointer user_data)
{
  if (soft)
    return;
  tact_secrets_clear_account_async (tact_session_get_user_id (session), NULL, dead_token_cleared_cb,
                                    g_object_ref (session));
}

static void
company_configured_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *room = tact_session_configure_from_server_finish (TACT_SESSION (source), result, &error);

  if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Could not read the homeserver's company configuration: %s", error->message);
}

char *
tact_account_dup_fleet_setting (const char *key)
{
  GSettingsSchemaSource *source;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *value = NULL;

  g_return_val_if_fail (key != NULL, NULL);

  /* Run from a build tree without GSETTINGS_SCHEMA_DIR (or by a test that installs no
   * schema), g_settings_new() would abort: no schema means no administrator's setting. */
  source = g_settings_schema_source_get_default ();
  if (source)
    schema = g_settings_schema_source_lookup (source, TACT_APP_ID, TRUE);
  if (!schema || !g_settings_schema_has_key (schema, key))
    return NULL;
  settings = g_settings_new_full (schema, NULL, NULL);
  value = g_strstrip (g_settings_get_string (settings, key));
  return *value ? g_steal_pointer (&value) : NULL;
}

/* Which policy room the session follows (docs/profile-distribution.md, "Fleet bootstrap"):
 *
 *   1. the policy-room setting (an administrator's vendor override or dconf lock: a setting
 *      the administrator made wins over what the homeserver says);
 *   2. the room the homeserver announces in /.well-known/matrix/client (read at every sign-in
 *      and restore; remembered in the store);
 *   3. the room remembered from an earlier sign-in (the session reads it at start only when
 *      neither of the above named a room).
 *
 * With a room from the setting the .well-known is not asked for one: its answer would replace
 * the administrator's room (it names no other key the session uses yet). */
static TactSession *
account_session_new (AccountState *state, TactProfile *profile)
{
  TactSession *session = tact_session_new (state->client, state->store, profile);
  g_autofree char *policy_room = tact_account_dup_fleet_setting ("policy-room");
  g_autofree char *supervision_room = tact_account_dup_fleet_setting ("supervision-room");

  g_signal_connect (session, "logged-out", G_CALLBACK (session_logged_out_cb), NULL);
  if (supervision_room)
    tact_session_set_supervision_room (session, supervision_room);
  if (policy_room)
    tact_session_set_policy_room (session, policy_room);
  else   /* Fleet bootstrap: the homeserver may announce the company's policy room. */
    tact_session_configure_from_server_async (session, NULL, company_configured_cb, NULL);
  return session;
}

static void
profile_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AccountState *state = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(TactProfile) profile = g_task_propagate_pointer (G_TASK (result), &error);

  if (!profile)
    {
      g_prefix_error (&error, _("The company policy profile could not be loaded: "));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, account_session_new (state, profile), g_object_unref);
}

static void
store_opened_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AccountState *state = g_task_get_task_data (task);
  g_autoptr(GTask) profile_task = NULL;
  GError *error = NULL;

  state->store = tact_store_open_finish (result, &error);
  if (!state->store)
    {
      g_task_return_error (task, error);
      return;
    }
  profile_task = g_task_new (NULL, g_task_get_cancellable (task), profile_loaded_cb, g_object_ref (task));
  g_task_set_source_tag (profile_task, profile_thread);
  g_task_run_in_thread (profile_task, profile_thread);
}

static void
db_key_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  AccountState *state = g_task_get_task_data (task);
  g_autoptr(GBytes) key = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  key = tact_secrets_get_db_key_finish (result, &error);
  if (!key)
    {
      g_task_return_error (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);   /* before the task is handed on */
  tact_store_open_async (state->db_path, key, cancellable, store_opened_cb, g_steal_pointer (&task));
}

static void
open_local_data (GTask *task)
{
  AccountState *state = g_task_get_task_data (task);

  state->db_path = tact_account_dup_db_path (tact_matrix_client_get_user_id (state->client));
  tact_secrets_get_db_key_async (state->db_path, TRUE, g_task_get_cancellable (task), db_key_cb, task);
}

/* ---- Login ---------------------------------------------------------------------- */

static void
account_stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!tact_secrets_store_account_finish (result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  open_local_data (task);
}

static void
logged_in_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  AccountState *state = g_task_get_task_data (task);
  TactAccountSecret secret = { 0 };
  GError *error = NULL;

  if (!tact_matrix_client_login_finish (state->client, result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  secret.homeserver = state->is_sandbox ? (char *) TACT_ACCOUNT_SANDBOX_HOMESERVER
                                        : (char *) tact_matrix_client_get_homeserver (state->client);
  secret.user_id = (char *) tact_matrix_client_get_user_id (state->client);
  secret.device_id = (char *) tact_matrix_client_get_device_id (state->client);
  secret.access_token = (char *) tact_matrix_client_get_access_token (state->client);
  tact_secrets_store_account_async (&secret, g_task_get_cancellable (task), account_stored_cb, task);
}

static void
start_login (GTask *task, const char *homeserver)
{
  AccountState *state = g_task_get_task_data (task);

  state->client = tact_matrix_client_new (homeserver);
  tact_matrix_client_login_async (state->client, state->user, state->password, NULL,
                                  _("Tact desktop"), g_task_get_cancellable (task), logged_in_cb, task);
  memset (state->password, 0, strlen (state->password));
  g_clear_pointer (&state->password, g_free);
}

static void
discovered_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autofree char *homeserver = tact_matrix_discover_finish (result, &error);

  if (!homeserver)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  start_login (task, homeserver);
}

void
tact_account_login_async (const char *server, const char *user, const char *password,
                          gboolean is_sandbox, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  AccountState *state = g_new0 (AccountState, 1);

  g_task_set_source_tag (task, tact_account_login_async);
  state->server = g_strstrip (g_strdup (server));
  state->user = g_strstrip (g_strdup (user));
  state->password = g_strdup (password);
  state->is_sandbox = is_sandbox;
  g_task_set_task_data (task, state, (GDestroyNotify) account_state_free);

  if (is_sandbox)
    start_login (task, state->server);
  else
    tact_matrix_discover_async (state->server, cancellable, discovered_cb, task);
}

TactSession *
tact_account_login_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Restore ---------------------------------------------------------------------- */

static void
looked_up_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  AccountState *state = g_task_get_task_data (task);
  g_autoptr(TactAccountSecret) secret = NULL;
  const char *homeserver;
  GError *error = NULL;

  secret = tact_secrets_lookup_account_finish (result, &error);
  if (error)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!secret)
    {
      g_task_return_pointer (task, NULL, NULL);
      g_object_unref (task);
      return;
    }

  homeserver = secret->homeserver;
  if (g_strcmp0 (homeserver, TACT_ACCOUNT_SANDBOX_HOMESERVER) == 0)
    {
      if (!state->sandbox_url)
        {
          g_task_return_pointer (task, NULL, NULL);   /* a sandbox account, but no sandbox now */
          g_object_unref (task);
          return;
        }
      homeserver = state->sandbox_url;
    }
  state->client = tact_matrix_client_new (homeserver);
  tact_matrix_client_set_credentials (state->client, secret->user_id, secret->device_id,
                                      secret->access_token);
  open_local_data (task);
}

void
tact_account_restore_async (const char *sandbox_url, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  AccountState *state = g_new0 (AccountState, 1);

  g_task_set_source_tag (task, tact_account_restore_async);
  state->sandbox_url = g_strdup (sandbox_url);
  g_task_set_task_data (task, state, (GDestroyNotify) account_state_free);
  tact_secrets_lookup_account_async (cancellable, looked_up_cb, task);
}

TactSession *
tact_account_restore_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Logout ----------------------------------------------------------------------- */

static void
secret_cleared_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (tact_secrets_clear_account_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
server_logout_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  TactSession *session = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* Best effort: a dead network or an already invalid token must not keep the user signed in. */
  if (!tact_matrix_client_logout_finish (TACT_MATRIX_CLIENT (source), result, &error))
    g_message ("Server-side logout failed: %s", error->message);
  tact_secrets_clear_account_async (tact_session_get_user_id (session), NULL, secret_cleared_cb, task);
}

void
tact_account_logout_async (TactSession *session, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_account_logout_async);
  g_task_set_task_data (task, g_object_ref (session), g_object_unref);
  tact_session_stop (session);
  tact_matrix_client_logout_async (tact_session_get_client (session), cancellable, server_logout_cb, task);
}

gboolean
tact_account_logout_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Re-login after a soft logout ---------------------------------------------------- */

typedef struct {
  TactSession       *session;     /* owned ref */
  char              *homeserver;  /* what the keyring holds (the sandbox marker stays), owned */
  char              *password;    /* owned; wiped and freed once the login request is made */
} ReloginState;

static void
wipe_password (char **password)
{
  if (*password)
    memset (*password, 0, strlen (*password));
  g_clear_pointer (password, g_free);
}

static void
relogin_state_free (ReloginState *state)
{
  wipe_password (&state->password);
  g_clear_object (&state->session);
  g_free (state->homeserver);
  g_free (state);
}

static void
relogin_stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ReloginState *state = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tact_secrets_store_account_finish (result, &error))
    {
      /* The new token works but is not kept: the session still resumes for this run. */
      g_prefix_error (&error, _("Signed in again, but the keyring could not keep the sign-in: "));
    }
  /* Restart: the outbox is read again from the store and resumes with the same txnIds. */
  tact_session_stop (state->session);
  tact_session_start (state->session);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
relogged_in_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ReloginState *state = g_task_get_task_data (task);
  TactMatrixClient *client = TACT_MATRIX_CLIENT (source);
  TactAccountSecret secret = { 0 };
  GCancellable *cancellable;
  GError *error = NULL;

  if (!tact_matrix_client_login_finish (client, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  secret.homeserver = state->homeserver ? state->homeserver : (char *) tact_matrix_client_get_homeserver (client);
  secret.user_id = (char *) tact_matrix_client_get_user_id (client);
  secret.device_id = (char *) tact_matrix_client_get_device_id (client);
  secret.access_token = (char *) tact_matrix_client_get_access_token (client);
  cancellable = g_task_get_cancellable (task);   /* before the task is handed on */
  tact_secrets_store_account_async (&secret, cancellable, relogin_stored_cb, g_steal_pointer (&task));
}

static void
relogin_looked_up_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  ReloginState *state = g_task_get_task_data (task);
  TactMatrixClient *client = tact_session_get_client (state->session);
  g_autoptr(TactAccountSecret) secret = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  /* Without a keyring entry the client's own URL is stored. */
  secret = tact_secrets_lookup_account_finish (result, &error);
  if (secret && g_strcmp0 (secret->user_id, tact_matrix_client_get_user_id (client)) == 0)
    state->homeserver = g_strdup (secret->homeserver);
  cancellable = g_task_get_cancellable (task);   /* before the task is handed on */
  tact_matrix_client_login_async (client, tact_matrix_client_get_user_id (client), state->password,
                                  tact_matrix_client_get_device_id (client), NULL,
                                  cancellable, relogged_in_cb, g_steal_pointer (&task));
  wipe_password (&state->password);
}

void
tact_account_relogin_async (TactSession *session, const char *password, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ReloginState *state = g_new0 (ReloginState, 1);

  g_return_if_fail (TACT_IS_SESSION (session));
  g_return_if_fail (password != NULL);
  g_task_set_source_tag (task, tact_account_relogin_async);
  state->session = g_object_ref (session);
  g_task_set_task_data (task, state, (GDestroyNotify) relogin_state_free);
  state->password = g_strdup (password);
  tact_secrets_lookup_account_async (cancellable, relogin_looked_up_cb, g_steal_pointer (&task));
}

gboolean
tact_account_relogin_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- A new history when the old one cannot be unlocked ------------------------------- */

static void
move_aside_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  char *moved = tact_store_move_aside (task_data, &error);

  if (moved)
    g_task_return_pointer (task, moved, g_free);
  else
    g_task_return_error (task, error);
}

static void
history_account_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(TactAccountSecret) secret = NULL;
  GError *error = NULL;

  secret = tact_secrets_lookup_account_finish (result, &error);
  if (!secret)
    {
      if (!error)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No account is stored."));
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, tact_account_dup_db_path (secret->user_id), g_free);
  g_task_run_in_thread (task, move_aside_thread);
}

void
tact_account_move_history_aside_async (GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_account_move_history_aside_async);
  tact_secrets_lookup_account_async (cancellable, history_account_cb, task);
}

char *
tact_account_move_history_aside_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
