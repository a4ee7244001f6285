/* tact-sandbox-standalone.c: `tact --sandbox-server PORT`, the sandbox as its own process. */
#include "tact-sandbox.h"

#include <glib-unix.h>
#include <stdio.h>

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
tact_sandbox_run_standalone (guint16 port, const char *state_file)
{
  g_autoptr(TactSandboxServer) server = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint sigint, sigterm;

  if (state_file != NULL && !tact_sandbox_server_set_state_file (server, state_file, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  tact_sandbox_server_seed_demo (server);  /* a no-op when the state file had users */
  if (!tact_sandbox_server_listen (server, port, &error))
    {
      g_printerr ("Cannot listen on 127.0.0.1:%u: %s\n", port, error->message);
      return 1;
    }

  url = tact_sandbox_server_dup_base_url (server);
  g_print ("Sandbox homeserver listening on %s\n", url);
  g_print ("Sign in as @%s:%s with password %s\n", TACT_SANDBOX_USER, TACT_SANDBOX_SERVER_NAME,
           TACT_SANDBOX_PASSWORD);
  fflush (stdout);

  sigint = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm = g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  tact_sandbox_server_stop (server);  /* saves the state file synchronously */
  return 0;
}
