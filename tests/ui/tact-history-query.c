/* tact-history-query: reads the app's encrypted history the way the app does, for UI tests.
 *
 *   tact-history-query DB_PATH SQL [PARAM…]
 *
 * Looks the database key up in the keyring (tact_secrets_get_db_key, never creating one), opens
 * DB_PATH read-only with it, runs SQL with the PARAMs bound as text (?1, ?2, …) and prints each
 * row's columns separated by '|', one row a line. Exit 0 on success, 1 on any error (printed). A
 * test uses it to prove that a message is in the database, not merely absent from its bytes. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/tact-store.h"

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GBytes *
lookup_key (const char *db_path, GError **error)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  GBytes *key;

  tact_secrets_get_db_key_async (db_path, FALSE, NULL, done_cb, &wait);
  g_main_loop_run (wait.loop);
  key = tact_secrets_get_db_key_finish (wait.result, error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  if (key == NULL && error != NULL && *error == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no key in the keyring for %s", db_path);
  return key;
}

static gboolean
key_database (sqlite3 *db, GBytes *key)
{
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (key, &len);
  g_autoptr(GString) pragma = g_string_new ("PRAGMA key = \"x'");
  int rc;

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (pragma, "%02x", bytes[i]);
  g_string_append (pragma, "'\"; PRAGMA cipher_page_size = 4096;");
  rc = sqlite3_exec (db, pragma->str, NULL, NULL, NULL);
  memset (pragma->str, 0, pragma->len);
  return rc == SQLITE_OK;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (argc < 3)
    {
      fprintf (stderr, "usage: %s DB_PATH SQL [PARAM…]\n", argv[0]);
      return 1;
    }
  key = lookup_key (argv[1], &error);
  if (key == NULL)
    {
      fprintf (stderr, "tact-history-query: %s\n", error->message);
      return 1;
    }
  if (sqlite3_open_v2 (argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
      || !key_database (db, key)
      || sqlite3_prepare_v2 (db, argv[2], -1, &stmt, NULL) != SQLITE_OK)
    {
      fprintf (stderr, "tact-history-query: %s\n", sqlite3_errmsg (db));
      sqlite3_close (db);
      return 1;
    }
  for (int i = 3; i < argc; i++)
    sqlite3_bind_text (stmt, i - 2, argv[i], -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        {
          const unsigned char *text = sqlite3_column_text (stmt, c);
          printf ("%s%s", c > 0 ? "|" : "", text != NULL ? (const char *) text : "");
        }
      putchar ('\n');
    }
  if (rc != SQLITE_DONE)
    fprintf (stderr, "tact-history-query: %s\n", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return rc == SQLITE_DONE ? 0 : 1;
}
