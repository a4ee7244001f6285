/* test-secrets.c: the keyring items (src/store/tact-secrets.c) against a real Secret Service.
 *
 * Run through with-keyring.sh, which gives every run a private D-Bus session and HOME:
 *   with-keyring.sh test-secrets                 an unlocked gnome-keyring (the normal case)
 *   with-keyring.sh --no-keyring test-secrets    no Secret Service at all; the script sets
 *                                                TACT_TEST_SECRETS_MODE=no-keyring
 */
#include "store/tact-store.h"
#include "store/tact-store-private.h"
#include "tact-test-util.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <string.h>

typedef struct {
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = tact_test_tmpdir_new ("tact-secrets-XXXXXX");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  tact_test_tmpdir_remove (f->dir);
  g_free (f->dir);
}

static gboolean
store_account (const TactAccountSecret *secret, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_secrets_store_account_async (secret, NULL, tact_test_store_result_cb, &result);
  return tact_secrets_store_account_finish (tact_test_wait_result (&result, "store account"), error);
}

static TactAccountSecret *
lookup_account (GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_secrets_lookup_account_async (NULL, tact_test_store_result_cb, &result);
  return tact_secrets_lookup_account_finish (tact_test_wait_result (&result, "lookup account"), error);
}

static gboolean
clear_account (const char *user_id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_secrets_clear_account_async (user_id, NULL, tact_test_store_result_cb, &result);
  return tact_secrets_clear_account_finish (tact_test_wait_result (&result, "clear account"), error);
}

static GBytes *
get_db_key (const char *path, gboolean create, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tact_secrets_get_db_key_async (path, create, NULL, tact_test_store_result_cb, &result);
  return tact_secrets_get_db_key_finish (tact_test_wait_result (&result, "get db key"), error);
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

/* The schema as another profile's Tact (or an older Tact, without data-dir) writes it. */
static const SecretSchema raw_schema = {
  "io.github.tactchat.Tact.Account", SECRET_SCHEMA_NONE,
  {
    { "schema-version", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "user-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "homeserver", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "data-dir", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static void
store_raw_account (const char *user_id, const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf ("{\"homeserver\":\"https://corp.example\",\"user_id\":\"%s\","
                                           "\"device_id\":\"DEV\",\"access_token\":\"tok-%s\"}",
                                           user_id, user_id);

  if (data_dir)
    secret_password_store_sync (&raw_schema, SECRET_COLLECTION_DEFAULT, "test", json, NULL, &error,
                                "schema-version", "1", "kind", "account", "user-id", user_id,
                                "homeserver", "https://corp.example", "data-dir", data_dir, NULL);
  else
    secret_password_store_sync (&raw_schema, SECRET_COLLECTION_DEFAULT, "test", json, NULL, &error,
                                "schema-version", "1", "kind", "account", "user-id", user_id,
                                "homeserver", "https://corp.example", NULL);
  g_assert_no_error (error);
}

/* Two data directories (profiles) keep their own accounts; an item from before data-dir is
 * adopted by the first profile that finds it alone, and stamped with its data directory. */
static void
test_account_per_data_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactAccountSecret) found = NULL;
  g_autofree char *ours = g_canonicalize_filename (g_get_user_data_dir (), NULL);
  g_autofree char *raw = NULL;
  TactAccountSecret secret = {
    .homeserver = "https://corp.example", .user_id = "@me:corp.example",
    .device_id = "DEVME", .access_token = "syt_mine",
  };

  secret_password_clear_sync (&raw_schema, NULL, NULL, "kind", "account", NULL);
  g_assert_true (store_account (&secret, &error));
  g_assert_no_error (error);
  /* Another profile signs in later (its item is newer): ours is still ours. */
  store_raw_account ("@wang.fang:corp.example", "/elsewhere/profile-b");
  found = lookup_account (&error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->user_id, ==, "@me:corp.example");
  g_clear_pointer (&found, tact_account_secret_free);

  /* Signing out here leaves the other profile's sign-in alone. */
  g_assert_true (clear_account ("@me:corp.example", &error));
  found = lookup_account (&error);
  g_assert_no_error (error);
  g_assert_null (found);
  raw = secret_password_lookup_sync (&raw_schema, NULL, &error, "kind", "account",
                                     "data-dir", "/elsewhere/profile-b", NULL);
  g_assert_nonnull (raw);
  g_clear_pointer (&raw, g_free);

  /* One item from before data-dir: found, and from then on this profile's. */
  store_raw_account ("@old:corp.example", NULL);
  found = lookup_account (&error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->user_id, ==, "@old:corp.example");
  g_assert_cmpstr (found->access_token, ==, "tok-@old:corp.example");
  g_clear_pointer (&found, tact_account_secret_free);
  raw = secret_password_lookup_sync (&raw_schema, NULL, &error, "kind", "account",
                                     "user-id", "@old:corp.example", "data-dir", ours, NULL);
  g_assert_no_error (error);
  g_assert_nonnull (raw);
  g_clear_pointer (&raw, g_free);
  found = lookup_account (&error);   /* again: now by its data directory */
  g_assert_cmpstr (found->user_id, ==, "@old:corp.example");
  g_clear_pointer (&found, tact_account_secret_free);

  /* Two old items: which one is ours cannot be told, so neither is taken. */
  secret_password_clear_sync (&raw_schema, NULL, NULL, "kind", "account", NULL);
  store_raw_account ("@a:corp.example", NULL);
  store_raw_account ("@b:corp.example", NULL);
  found = lookup_account (&error);
  g_assert_no_error (error);
  g_assert_null (found);
  secret_password_clear_sync (&raw_schema, NULL, NULL, "kind", "account", NULL);
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
  /* ...and what to do about it. */
  g_assert_nonnull (strstr (error->message, "Start a keyring"));
  g_assert_nonnull (strstr (error->message, "not changed"));
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

/* Item 9: each keyring failure becomes an error whose message says what to do. */
static void
test_error_messages (void)
{
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  const struct {
    GQuark domain;
    int code;
    gboolean cancel;
    GQuark expected_domain;
    int expected_code;
    const char *advice;
  } cases[] = {
    { SECRET_ERROR, SECRET_ERROR_IS_LOCKED, FALSE,
      TACT_STORE_ERROR, TACT_STORE_ERROR_KEYRING_LOCKED, "Unlock the keyring" },
    /* The unlock prompt dismissed: a cancellation nobody asked for. */
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, FALSE,
      TACT_STORE_ERROR, TACT_STORE_ERROR_KEYRING_LOCKED, "Unlock the keyring" },
    /* The caller's own cancellation stays one. */
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, TRUE, G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL },
    { G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN, FALSE,
      TACT_STORE_ERROR, TACT_STORE_ERROR_NO_KEYRING, "Start a keyring" },
    { G_IO_ERROR, G_IO_ERROR_NOT_FOUND, FALSE,
      TACT_STORE_ERROR, TACT_STORE_ERROR_NO_KEYRING, "Start a keyring" },
  };

  g_cancellable_cancel (cancelled);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      tact_secrets_test_map_error (&error, g_error_new_literal (cases[i].domain, cases[i].code,
                                                                "from the service"),
                                   cases[i].cancel ? cancelled : NULL);
      g_assert_error (error, cases[i].expected_domain, cases[i].expected_code);
      if (cases[i].advice != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].advice));
      if (cases[i].expected_code == TACT_STORE_ERROR_KEYRING_LOCKED)
        g_assert_nonnull (strstr (error->message, "Nothing was changed or deleted"));
    }
}

static gboolean
open_and_write (const char *path, GBytes *key, const char *body, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) saved = NULL;
  g_autoptr(TactStore) store = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_event_free);
  TactStoreEvent event = {
    .room_id = "!r:x", .event_id = "$e", .sender = "@a:x", .type = "m.room.message",
    .ts = 1, .body = (char *) body, .json = "{}",
  };
  gboolean ok;

  tact_store_open_async (path, key, NULL, tact_test_store_result_cb, &result);
  store = tact_store_open_finish (tact_test_wait_result (&result, "open"), error);
  if (store == NULL)
    return FALSE;
  g_ptr_array_add (events, tact_store_event_copy (&event));
  tact_store_save_sync_async (store, "s1", NULL, events, NULL, tact_test_store_result_cb, &saved);
  ok = tact_store_save_sync_finish (store, tact_test_wait_result (&saved, "save sync"), error);
  tact_store_close (store);
  return ok;
}

static char *
sha256_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize size = 0;

  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, size);
}

/* Item 9: the key disappears from the keyring → KEY_MISSING, nothing deleted → the user agrees
 * to start again → the old file is moved aside byte for byte → a fresh key → a new history. */
static void
test_db_key_missing_move_aside (Fixture *f, gconstpointer data)
{
  static const SecretSchema schema = {
    "io.github.tactchat.Tact.Account", SECRET_SCHEMA_NONE,
    { { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GBytes) new_key = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autofree char *path = g_build_filename (f->dir, "history.db", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *aside = NULL;

  key = get_db_key (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (open_and_write (path, key, "old history", &error));
  g_assert_no_error (error);
  before = sha256_of (path);

  /* The key item is lost (another tool, a new keyring). */
  g_assert_true (secret_password_clear_sync (&schema, NULL, &error, "kind", "db-key", NULL));
  g_assert_no_error (error);

  again = get_db_key (path, TRUE, &error);
  g_assert_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_KEY_MISSING);
  g_assert_nonnull (strstr (error->message, "Nothing was deleted"));
  g_assert_nonnull (strstr (error->message, "start a new history"));
  g_assert_nonnull (strstr (error->message, "moved aside"));
  g_assert_null (again);
  g_clear_error (&error);

  /* The way forward, once the user agreed. */
  aside = tact_store_move_aside (path, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  new_key = get_db_key (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (new_key);
  g_assert_false (g_bytes_equal (key, new_key));
  g_assert_true (open_and_write (path, new_key, "new history", &error));
  g_assert_no_error (error);

  /* The old history is still there, untouched; the old key still opens it. */
  after = sha256_of (aside);
  g_assert_cmpstr (before, ==, after);
  g_assert_true (open_and_write (aside, key, "old history", &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  gboolean no_keyring = g_strcmp0 (g_getenv ("TACT_TEST_SECRETS_MODE"), "no-keyring") == 0;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secrets/errors/advice", test_error_messages);

  if (no_keyring)
    {
      g_test_add ("/secrets/no-keyring", Fixture, NULL, fixture_setup, test_no_keyring,
                  fixture_teardown);
    }
  else
    {
      g_test_add_func ("/secrets/account/round-trip", test_account_round_trip);
      g_test_add_func ("/secrets/account/per-data-dir", test_account_per_data_dir);
      g_test_add ("/secrets/db-key/create-stable", Fixture, NULL, fixture_setup,
                  test_db_key_stable, fixture_teardown);
      g_test_add ("/secrets/db-key/missing", Fixture, NULL, fixture_setup,
                  test_db_key_missing, fixture_teardown);
      g_test_add ("/secrets/db-key/missing-move-aside", Fixture, NULL, fixture_setup,
                  test_db_key_missing_move_aside, fixture_teardown);
    }

  return g_test_run ();
}
