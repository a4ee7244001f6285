/* test-secrets.c: the keyring items (src/store/tact-secrets.c) against a real Secret Service.
 *
 * Run through with-keyring.sh, which gives every run a private D-Bus session and HOME:
 *   with-keyring.sh test-secrets                 an unlocked gnome-keyring (the normal case)
 *   with-keyring.sh --no-keyring test-secrets    no Secret Service at all; the script sets
 *                                                TACT_TEST_SECRETS_MODE=no-keyring
 */
#include "store/tact-store.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <string.h>

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("tact-secrets-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (f->dir, name, NULL);
      g_remove (child);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;
  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
store_account (const TactAccountSecret *secret, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_secrets_store_account_async (secret, NULL, store_result, &result);
  return tact_secrets_store_account_finish (wait_for (&result), error);
}

static TactAccountSecret *
lookup_account (GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_secrets_lookup_account_async (NULL, store_result, &result);
  return tact_secrets_lookup_account_finish (wait_for (&result), error);
}

static gboolean
clear_account (const char *user_id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_secrets_clear_account_async (user_id, NULL, store_result, &result);
  return tact_secrets_clear_account_finish (wait_for (&result), error);
}

static GBytes *
get_db_key (const char *path, gboolean create, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_secrets_get_db_key_async (path, create, NULL, store_result, &result);
  return tact_secrets_get_db_key_finish (wait_for (&result), error);
}

/* ---- With a keyring ------------------------------------------------------------- */

static void
test_account_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactAccountSecret) found = NULL;
  TactAccountSecret secret = {
    .homeserver = "https://matrix.example.org",
    .user_id = "@alice:example.org",
    .device_id = "DEVICEA",
    .access_token = "syt_first_token",
  };

  found = lookup_account (&error);
  g_assert_no_error (error);
  g_assert_null (found);

  g_assert_true (store_account (&secret, &error));
  g_assert_no_error (error);
  found = lookup_account (&error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->homeserver, ==, secret.homeserver);
  g_assert_cmpstr (found->user_id, ==, secret.user_id);
  g_assert_cmpstr (found->device_id, ==, secret.device_id);
  g_assert_cmpstr (found->access_token, ==, secret.access_token);
  g_clear_pointer (&found, tact_account_secret_free);

  /* Storing again replaces the item (same user and homeserver). */
  secret.access_token = "syt_second_token";
  g_assert_true (store_account (&secret, &error));
  g_assert_no_error (error);
  found = lookup_account (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->access_token, ==, "syt_second_token");
  g_clear_pointer (&found, tact_account_secret_free);

  /* The item is findable by its versioned attributes, and holds no password. */
  {
    /* The contract as other programs (or a later Tact) see it, written out independently. */
    static const SecretSchema schema = {
      "io.github.tactchat.Tact.Account", SECRET_SCHEMA_NONE,
      {
        { "schema-version", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "user-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
      }
    };
    g_autofree char *raw = secret_password_lookup_sync (
        &schema, NULL, &error,
        "schema-version", "1", "kind", "account", "user-id", "@alice:example.org", NULL);
    g_assert_no_error (error);
    g_assert_nonnull (raw);
    g_assert_nonnull (strstr (raw, "syt_second_token"));
    g_assert_null (strstr (raw, "password"));
  }

  g_assert_true (clear_account ("@alice:example.org", &error));
  g_assert_no_error (error);
  found = lookup_account (&error);
  g_assert_no_error (error);
  g_assert_null (found);

  /* Clearing nothing is not an error. */
  g_assert_true (clear_account ("@alice:example.org", &error));
  g_assert_no_error (error);
}

static void
test_db_key_stable (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GBytes) lookup_only = NULL;
  g_autoptr(GBytes) other_spelling = NULL;
  g_autoptr(GBytes) other_db = NULL;
  g_autofree char *path = g_build_filename (f->dir, "history.db", NULL);
  g_autofree char *dotted = g_build_filename (f->dir, ".", "history.db", NULL);
  g_autofree char *other_path = g_build_filename (f->dir, "other.db", NULL);

  /* No key and no file, without create: nothing, and no error. */
  key = get_db_key (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (key);

  key = get_db_key (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (key);
  g_assert_cmpuint (g_bytes_get_size (key), ==, 32);

  again = get_db_key (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (key, again));

  /* Once the database exists, the same key comes back. */
  g_assert_true (g_file_set_contents (path, "db", -1, NULL));
  lookup_only = get_db_key (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (key, lookup_only));
  other_spelling = get_db_key (dotted, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (key, other_spelling));

  /* Another database, another random key. */
  other_db = get_db_key (other_path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (key, other_db));
}

static void
test_db_key_missing (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree char *path = g_build_filename (f->dir, "orphan.db", NULL);
  g_autofree char *contents = NULL;

  g_assert_true (g_file_set_contents (path, "precious history", -1, NULL));

  key = get_db_key (path, TRUE, &error);
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_KEY_MISSING);
  g_assert_nonnull (strstr (error->message, "Nothing was deleted"));
  g_assert_null (key);
  g_clear_error (&error);

  /* Not created behind the user's back, and the file is untouched. */
  key = get_db_key (path, FALSE, &error);
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_KEY_MISSING);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "precious history");
}

/* ---- Without a keyring ---------------------------------------------------------- */

static void
assert_no_keyring (GError *error)
{
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_NO_KEYRING);
  g_assert_nonnull (strstr (error->message, "No keyring (Secret Service) is available"));
}

static void
test_no_keyring (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactAccountSecret) found = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree char *path = g_build_filename (f->dir, "history.db", NULL);
  TactAccountSecret secret = {
    .homeserver = "https://matrix.example.org",
    .user_id = "@alice:example.org",
    .device_id = "DEVICEA",
    .access_token = "syt_token",
  };

  found = lookup_account (&error);
  assert_no_keyring (error);
  g_assert_null (found);
  g_clear_error (&error);

  g_assert_false (store_account (&secret, &error));
  assert_no_keyring (error);
  g_clear_error (&error);

  g_assert_false (clear_account (NULL, &error));
  assert_no_keyring (error);
  g_clear_error (&error);

  key = get_db_key (path, TRUE, &error);
  assert_no_keyring (error);
  g_assert_null (key);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  gboolean no_keyring = g_strcmp0 (g_getenv ("TACT_TEST_SECRETS_MODE"), "no-keyring") == 0;

  g_test_init (&argc, &argv, NULL);

  if (no_keyring)
    {
      g_test_add ("/secrets/no-keyring", Fixture, NULL, fixture_setup, test_no_keyring,
                  fixture_teardown);
    }
  else
    {
      g_test_add_func ("/secrets/account/round-trip", test_account_round_trip);
      g_test_add ("/secrets/db-key/create-stable", Fixture, NULL, fixture_setup,
                  test_db_key_stable, fixture_teardown);
      g_test_add ("/secrets/db-key/missing", Fixture, NULL, fixture_setup,
                  test_db_key_missing, fixture_teardown);
    }

  return g_test_run ();
}
