/* tact-test-util.c: helpers every test program may use (see the header). */
#include "tact-test-util.h"

#include <glib/gstdio.h>

gboolean
tact_test_set_flag_cb (gpointer flag)
{
  *(gboolean *) flag = TRUE;
  return G_SOURCE_REMOVE;
}

void
tact_test_wait_until_s (TactTestCondition condition, gpointer data, guint seconds, const char *what)
{
  gboolean expired = FALSE;
  guint source = g_timeout_add_seconds (seconds, tact_test_set_flag_cb, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (source);
}

void
tact_test_store_result_cb (GObject *source, GAsyncResult *result, gpointer slot)
{
  *(GAsyncResult **) slot = g_object_ref (result);
}

gboolean
tact_test_result_ready (gpointer slot)
{
  return *(GAsyncResult **) slot != NULL;
}

GAsyncResult *
tact_test_wait_result (GAsyncResult **slot, const char *what)
{
  tact_test_wait_until (tact_test_result_ready, slot, what);
  return *slot;
}

GBytes *
tact_test_random_key (void)
{
  guint8 key[32];

  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) g_random_int_range (0, 256);
  return g_bytes_new (key, sizeof key);
}

char *
tact_test_tmpdir_new (const char *template)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return path;
}

void
tact_test_tmpdir_remove (const char *path)
{
  /* g_file_test follows links: a link to a folder is removed, never what it points to. */
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          tact_test_tmpdir_remove (child);
        }
    }
  g_remove (path);
}
