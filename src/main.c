/* main.c: `tact` starts the application; `tact --sandbox-server PORT [STATE-FILE]` runs only the
 * sandbox homeserver, for tests and for trying Tact with another client. */
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "sandbox/tact-sandbox.h"
#include "ui/tact-application.h"

int
main (int argc, char *argv[])
{
  g_autoptr(TactApplication) app = NULL;

#if !GLIB_CHECK_VERSION (2, 76, 0)
  /* Before GLib 2.76 GSlice keeps freed blocks in its own magazines and never returns them:
   * after a large /sync the parsed JSON tree's ~90 MB stayed with the process (measured:
   * docs/database.md, "Memory after a large sync"). Plain malloc gives them back. Set before
   * the first g_slice allocation; a G_SLICE already in the environment wins. */
  setenv ("G_SLICE", "always-malloc", 0);
#endif
  setlocale (LC_ALL, "");
  /* TACT_LOCALEDIR: the build tree's catalogues when running uninstalled (build-aux/run). */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TACT_LOCALEDIR") ? g_getenv ("TACT_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc >= 2 && g_str_equal (argv[1], "--sandbox-server"))
    {
      guint64 port = 0;
      g_autoptr(GError) error = NULL;

      if (argc < 3 || !g_ascii_string_to_unsigned (argv[2], 10, 0, G_MAXUINT16, &port, &error))
        {
          g_printerr (_("Usage: %s --sandbox-server PORT [STATE-FILE]\n"), argv[0]);
          return 2;
        }
      return tact_sandbox_run_standalone ((guint16) port, argc >= 4 ? argv[3] : NULL);
    }

  app = tact_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
