/* tact-practice-account.c: the built-in sandbox homeserver as an account to practise with.
 *
 * The only place above src/sandbox that knows it: the session links the sandbox library for
 * this object alone, so the ui layer stays ui -> session. */
#include <glib/gi18n-lib.h>

#include "sandbox/tact-sandbox.h"
#include "tact-account.h"
#include "tact-practice-account.h"

struct _TactPracticeAccount
{
  GObject parent_instance;

  /* owned */
  TactSandboxServer *server;
  char              *url;          /* "http://127.0.0.1:PORT" */
  char              *user_id;      /* "@me:corp.test" */
  GError            *state_error;  /* why the saved world was not loaded, or NULL */
  gboolean           stopped;
};

G_DEFINE_FINAL_TYPE (TactPracticeAccount, tact_practice_account, G_TYPE_OBJECT)

static void
tact_practice_account_dispose (GObject *object)
{
  TactPracticeAccount *self = TACT_PRACTICE_ACCOUNT (object);

  if (self->server)
    tact_practice_account_stop (self);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (tact_practice_account_parent_class)->dispose (object);
}

static void
tact_practice_account_finalize (GObject *object)
{
  TactPracticeAccount *self = TACT_PRACTICE_ACCOUNT (object);

  g_free (self->url);
  g_free (self->user_id);
  g_clear_error (&self->state_error);
  G_OBJECT_CLASS (tact_practice_account_parent_class)->finalize (object);
}

static void
tact_practice_account_class_init (TactPracticeAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tact_practice_account_dispose;
  object_class->finalize = tact_practice_account_finalize;
}

static void
tact_practice_account_init (TactPracticeAccount *self)
{
}

TactPracticeAccount *
tact_practice_account_start (guint16 port, GError **error)
{
  g_autoptr(TactPracticeAccount) self = g_object_new (TACT_TYPE_PRACTICE_ACCOUNT, NULL);
  g_autofree char *state_file = g_build_filename (g_get_user_data_dir (), "tact",
                                                  "sandbox-state.json", NULL);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->server = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  /* A damaged practice world is not worth refusing to start over: a fresh one starts, and the
   * caller may say so. */
  tact_sandbox_server_set_state_file (self->server, state_file, &self->state_error);
  tact_sandbox_server_seed_demo (self->server);
  /* The practice company's supervision room, announced as a company's homeserver would
   * (.well-known): the audit trail and the tutorial's result go there. */
  {
    g_autofree char *supervision = g_strdup_printf ("#%s:%s", TACT_SANDBOX_SUPERVISION_ALIAS,
                                                    TACT_SANDBOX_SERVER_NAME);

    tact_sandbox_server_set_company_rooms (self->server, NULL, supervision);
  }
  if (!tact_sandbox_server_listen (self->server, port, error))
    return NULL;
  self->url = tact_sandbox_server_dup_base_url (self->server);
  self->user_id = g_strdup_printf ("@%s:%s", TACT_SANDBOX_USER, TACT_SANDBOX_SERVER_NAME);
  return g_steal_pointer (&self);
}

const char *
tact_practice_account_get_url (TactPracticeAccount *self)
{
  g_return_val_if_fail (TACT_IS_PRACTICE_ACCOUNT (self), NULL);
  return self->url;
}

const char *
tact_practice_account_get_user_name (TactPracticeAccount *self)
{
  g_return_val_if_fail (TACT_IS_PRACTICE_ACCOUNT (self), NULL);
  return TACT_SANDBOX_USER;
}

const char *
tact_practice_account_get_password (TactPracticeAccount *self)
{
  g_return_val_if_fail (TACT_IS_PRACTICE_ACCOUNT (self), NULL);
  return TACT_SANDBOX_PASSWORD;
}

const char *
tact_practice_account_get_user_id (TactPracticeAccount *self)
{
  g_return_val_if_fail (TACT_IS_PRACTICE_ACCOUNT (self), NULL);
  return self->user_id;
}

const GError *
tact_practice_account_get_state_error (TactPracticeAccount *self)
{
  g_return_val_if_fail (TACT_IS_PRACTICE_ACCOUNT (self), NULL);
  return self->state_error;
}

void
tact_practice_account_stop (TactPracticeAccount *self)
{
  g_return_if_fail (TACT_IS_PRACTICE_ACCOUNT (self));

  if (self->stopped || !self->server)
    return;
  self->stopped = TRUE;
  tact_sandbox_server_stop (self->server);
}

static void
practice_logged_in_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  TactSession *session = tact_account_login_finish (result, &error);

  if (session)
    g_task_return_pointer (task, session, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
tact_practice_account_login_async (TactPracticeAccount *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TACT_IS_PRACTICE_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_practice_account_login_async);
  if (self->stopped)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("The practice server has stopped."));
      return;
    }
  tact_account_login_async (self->url, TACT_SANDBOX_USER, TACT_SANDBOX_PASSWORD, TRUE, cancellable,
                            practice_logged_in_cb, g_steal_pointer (&task));
}

TactSession *
tact_practice_account_login_finish (TactPracticeAccount *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_practice_account_login_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
tact_practice_account_say (TactPracticeAccount *self, const char *actor, const char *room_name,
                           const char *text)
{
  g_return_val_if_fail (TACT_IS_PRACTICE_ACCOUNT (self), FALSE);
  return self->server != NULL && tact_sandbox_server_say (self->server, actor, room_name, text);
}
