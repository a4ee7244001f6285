/* tact-secrets.c: what Tact keeps in the keyring (Secret Service, through libsecret).
 *
 * Two kinds of items, one versioned schema "io.github.tactchat.Tact.Account":
 *   kind=account  user-id, homeserver,  secret: {"homeserver","user_id","device_id",
 *                 data-dir                        "access_token"} as JSON
 *   kind=db-key   db-path               secret: the 32-byte database key, hex-encoded
 * Every item also has schema-version=1, so a later layout can live next to this one.
 * The account password is never stored anywhere.
 *
 * An account belongs to one data directory (data-dir: $XDG_DATA_HOME, canonical), so two
 * profiles (two data directories, e.g. a requester and an approver on one desktop) keep their
 * own sign-ins. An item from before data-dir existed still matches when it is the only such
 * item; it is then stamped with this data directory (migrated) and belongs to it from then on.
 *
 * The libsecret calls are synchronous and D-Bus bound, so each operation runs in a GTask
 * thread; results come back on the caller's context. Errors are mapped to TACT_STORE_ERROR:
 * no session bus or no Secret Service → NO_KEYRING; a locked keyring whose unlock prompt was
 * dismissed → KEYRING_LOCKED. Secrets are never logged.
 */
#include "tact-store-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>
#include <string.h>
#include <sys/random.h>

#define SCHEMA_VERSION "1"
#define KIND_ACCOUNT   "account"
#define KIND_DB_KEY    "db-key"
#define DB_KEY_LENGTH  32

/* What the user can do about each keyring problem (docs/database.md, "Keyring"). */
#define LOCKED_MESSAGE \
  _("The keyring is locked and was not unlocked, so Tact cannot read your session or the key " \
    "of your history. Unlock the keyring (for example in Passwords and Keys, or by logging out " \
    "and in again) and try again. Nothing was changed or deleted.")

static const SecretSchema *
tact_secrets_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.tactchat.Tact.Account", SECRET_SCHEMA_NONE,
    {
      { "schema-version", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "homeserver", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "db-path", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "data-dir", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

void
tact_account_secret_free (TactAccountSecret *secret)
{
  if (secret == NULL)
    return;
  g_free (secret->homeserver);
  g_free (secret->user_id);
  g_free (secret->device_id);
  if (secret->access_token != NULL)
    explicit_bzero (secret->access_token, strlen (secret->access_token));
  g_free (secret->access_token);
  g_free (secret);
}

static void
wipe_free (char *s)
{
  if (s != NULL)
    explicit_bzero (s, strlen (s));
  g_free (s);
}

/* Attributes with schema-version and kind set; more are added by the caller. */
static GHashTable *
attributes_new (const char *kind)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, "schema-version", g_strdup (SCHEMA_VERSION));
  g_hash_table_insert (attributes, "kind", g_strdup (kind));
  return attributes;
}

/* The data directory an account item belongs to. */
static char *
dup_data_dir (void)
{
  return g_canonicalize_filename (g_get_user_data_dir (), NULL);
}

/* Maps a libsecret / D-Bus failure to a TACT_STORE_ERROR the UI can explain. A cancellation
 * the caller asked for stays G_IO_ERROR_CANCELLED; one the caller did not ask for is the
 * unlock prompt being dismissed. */
static void
propagate_keyring_error (GError **error, GError *source, GCancellable *cancellable)
{
  if (g_error_matches (source, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (g_cancellable_is_cancelled (cancellable))
        g_propagate_error (error, source);
      else
        {
          g_set_error_literal (error, TACT_STORE_ERROR, TACT_STORE_ERROR_KEYRING_LOCKED,
                               LOCKED_MESSAGE);
          g_error_free (source);
        }
      return;
    }

  if (g_error_matches (source, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    {
      g_set_error_literal (error, TACT_STORE_ERROR, TACT_STORE_ERROR_KEYRING_LOCKED,
                           LOCKED_MESSAGE);
      g_error_free (source);
      return;
    }

  if (source->domain == G_DBUS_ERROR ||
      g_error_matches (source, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (source, G_IO_ERROR, G_IO_ERROR_FAILED) ||
      g_error_matches (source, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      g_error_matches (source, G_IO_ERROR, G_IO_ERROR_CLOSED))
    {
      g_set_error (error, TACT_STORE_ERROR, TACT_STORE_ERROR_NO_KEYRING,
                   _("No keyring (Secret Service) is available, so Tact cannot keep your "
                     "session and the key of its history database. Start a keyring (install "
                     "GNOME Keyring, or enable the Secret Service integration of KeePassXC) "
                     "and try again; your history was not changed. (%s)"), source->message);
      g_error_free (source);
      return;
    }

  g_propagate_prefixed_error (error, source, "Keyring error: ");
}

void
tact_secrets_test_map_error (GError **error, GError *source, GCancellable *cancellable)
{
  propagate_keyring_error (error, source, cancellable);
}

static SecretService *
get_service (GCancellable *cancellable, GError **error)
{
  GError *local_error = NULL;
  SecretService *service;

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION | SECRET_SERVICE_LOAD_COLLECTIONS,
                                     cancellable, &local_error);
  if (service == NULL)
    propagate_keyring_error (error, local_error, cancellable);
  return service;
}

/* Finds items of this schema matching @attributes, unlocking them (which may prompt) and
 * loading their secrets. Returns the newest unlocked item's secret, NULL with no error when
 * there is no item, or KEYRING_LOCKED when items exist but stay locked. @item_attributes
 * receives the item's attributes if not NULL. */
static SecretValue *
lookup_secret (SecretService *service, GHashTable *attributes, GHashTable **item_attributes,
               GCancellable *cancellable, GError **error)
{
  GError *local_error = NULL;
  GList *items;
  SecretItem *best = NULL;
  gboolean saw_locked = FALSE;
  SecretValue *value = NULL;

  items = secret_service_search_sync (service, tact_secrets_get_schema (), attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK |
                                      SECRET_SEARCH_LOAD_SECRETS,
                                      cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_keyring_error (error, local_error, cancellable);
      return NULL;
    }

  for (GList *l = items; l != NULL; l = l->next)
    {
      SecretItem *item = l->data;

      if (secret_item_get_locked (item) || secret_item_get_secret (item) == NULL)
        {
          saw_locked = TRUE;
          continue;
        }
      if (best == NULL || secret_item_get_modified (item) > secret_item_get_modified (best))
        best = item;
    }

  if (best != NULL)
    {
      value = secret_item_get_secret (best);
      if (item_attributes != NULL)
        *item_attributes = secret_item_get_attributes (best);
    }
  else if (saw_locked)
    g_set_error_literal (error, TACT_STORE_ERROR, TACT_STORE_ERROR_KEYRING_LOCKED,
                         LOCKED_MESSAGE);

  g_list_free_full (items, g_object_unref);
  return value;
}

static gboolean
store_secret (SecretService *service, GHashTable *attributes, const char *label,
              const char *secret, const char *content_type,
              GCancellable *cancellable, GError **error)
{
  g_autoptr(SecretValue) value = secret_value_new (secret, -1, content_type);
  GError *local_error = NULL;

  if (!secret_service_store_sync (service, tact_secrets_get_schema (), attributes,
                                  SECRET_COLLECTION_DEFAULT, label, value,
                                  cancellable, &local_error))
    {
      propagate_keyring_error (error, local_error, cancellable);
      return FALSE;
    }
  return TRUE;
}

/* ---- Account ------------------------------------------------------------------- */

static void
store_account_thread (GTask *task, gpointer source, gpointer task_data,
                      GCancellable *cancellable)
{
  const TactAccountSecret *secret = task_data;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = attributes_new (KIND_ACCOUNT);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *label = NULL;
  char *json;
  GError *error = NULL;
  gboolean ok;

  service = get_service (cancellable, &error);
  if (service == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_hash_table_insert (attributes, "user-id", g_strdup (secret->user_id));
  g_hash_table_insert (attributes, "homeserver", g_strdup (secret->homeserver));
  g_hash_table_insert (attributes, "data-dir", dup_data_dir ());

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "homeserver");
  json_builder_add_string_value (builder, secret->homeserver);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, secret->user_id);
  json_builder_set_member_name (builder, "device_id");
  json_builder_add_string_value (builder, secret->device_id);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, secret->access_token);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);

  /* Translators: the label of the keyring item; %s is a Matrix user id. */
  label = g_strdup_printf (_("Tact account %s"), secret->user_id);
  ok = store_secret (service, attributes, label, json, "application/json",
                     cancellable, &error);
  wipe_free (json);
  /* The builder's tree holds a copy of the token: wipe it before it is freed. */
  {
    JsonObject *object = json_node_get_object (root);
    JsonNode *token = json_object_get_member (object, "access_token");
    const char *s = json_node_get_string (token);
    if (s != NULL)
      explicit_bzero ((char *) s, strlen (s));
  }

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
account_data_free (TactAccountSecret *secret)
{
  tact_account_secret_free (secret);
}

void
tact_secrets_store_account_async (const TactAccountSecret *secret, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  TactAccountSecret *copy;

  g_return_if_fail (secret != NULL);
  g_return_if_fail (secret->user_id != NULL && secret->homeserver != NULL);
  g_return_if_fail (secret->access_token != NULL && secret->device_id != NULL);

  copy = g_new0 (TactAccountSecret, 1);
  copy->homeserver = g_strdup (secret->homeserver);
  copy->user_id = g_strdup (secret->user_id);
  copy->device_id = g_strdup (secret->device_id);
  copy->access_token = g_strdup (secret->access_token);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_secrets_store_account_async);
  g_task_set_task_data (task, copy, (GDestroyNotify) account_data_free);
  g_task_run_in_thread (task, store_account_thread);
}

gboolean
tact_secrets_store_account_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_secrets_store_account_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static const char *
json_string_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* An account item from before data-dir (any data directory's): used when it is the only one,
 * and stamped with this data directory so that it is this profile's from now on (a copy with
 * data-dir is stored, then the old item deleted; a failed migration still returns it). */
static SecretValue *
adopt_legacy_account (SecretService *service, GHashTable **item_attributes,
                      GCancellable *cancellable, GError **error)
{
  g_autoptr(GHashTable) attributes = attributes_new (KIND_ACCOUNT);
  GError *local_error = NULL;
  GList *items;
  SecretItem *legacy = NULL;
  guint n_legacy = 0;
  SecretValue *value = NULL;

  items = secret_service_search_sync (service, tact_secrets_get_schema (), attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK |
                                      SECRET_SEARCH_LOAD_SECRETS,
                                      cancellable, &local_error);
  if (local_error != NULL)
    {
      propagate_keyring_error (error, local_error, cancellable);
      return NULL;
    }
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) item_attrs = secret_item_get_attributes (l->data);

      if (!g_hash_table_contains (item_attrs, "data-dir"))
        {
          legacy = l->data;
          n_legacy++;
        }
    }
  if (n_legacy == 1 && !secret_item_get_locked (legacy))
    value = secret_item_get_secret (legacy);
  if (value != NULL)
    {
      g_autoptr(GHashTable) stamped = secret_item_get_attributes (legacy);
      GError *migrate_error = NULL;

      *item_attributes = g_hash_table_ref (stamped);
      g_hash_table_insert (stamped, g_strdup ("data-dir"), dup_data_dir ());
      if (secret_service_store_sync (service, tact_secrets_get_schema (), stamped,
                                     SECRET_COLLECTION_DEFAULT, secret_item_get_label (legacy),
                                     value, cancellable, &migrate_error)
          && secret_item_delete_sync (legacy, cancellable, &migrate_error))
        g_debug ("An account item from before data directories now belongs to this one");
      if (migrate_error != NULL)
        {
          g_warning ("Could not stamp the account item with its data directory: %s",
                     migrate_error->message);
          g_error_free (migrate_error);
        }
    }
  else if (n_legacy == 1)
    g_set_error_literal (error, TACT_STORE_ERROR, TACT_STORE_ERROR_KEYRING_LOCKED,
                         LOCKED_MESSAGE);
  g_list_free_full (items, g_object_unref);
  return value;
}

static void
lookup_account_thread (GTask *task, gpointer source, gpointer task_data,
                       GCancellable *cancellable)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = attributes_new (KIND_ACCOUNT);
  g_autoptr(GHashTable) item_attributes = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TactAccountSecret) secret = NULL;
  GError *error = NULL;
  JsonNode *root;
  JsonObject *object;
  const char *text;

  service = get_service (cancellable, &error);
  if (service == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_hash_table_insert (attributes, "data-dir", dup_data_dir ());
  value = lookup_secret (service, attributes, &item_attributes, cancellable, &error);
  if (error == NULL && value == NULL)
    value = adopt_legacy_account (service, &item_attributes, cancellable, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (value == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  text = secret_value_get_text (value);
  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (root = json_parser_get_root (parser)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("The account item in the keyring is not readable"));
      return;
    }
  object = json_node_get_object (root);

  secret = g_new0 (TactAccountSecret, 1);
  secret->homeserver = g_strdup (json_string_member (object, "homeserver"));
  secret->user_id = g_strdup (json_string_member (object, "user_id"));
  secret->device_id = g_strdup (json_string_member (object, "device_id"));
  secret->access_token = g_strdup (json_string_member (object, "access_token"));
  /* The attributes are authoritative for the identity if the JSON lacks it. */
  if (secret->homeserver == NULL)
    secret->homeserver = g_strdup (g_hash_table_lookup (item_attributes, "homeserver"));
  if (secret->user_id == NULL)
    secret->user_id = g_strdup (g_hash_table_lookup (item_attributes, "user-id"));

  /* Wipe the parsed copy of the token held by the parser's tree. */
  {
    const char *token = json_string_member (object, "access_token");
    if (token != NULL)
      explicit_bzero ((char *) token, strlen (token));
  }

  if (secret->access_token == NULL || secret->user_id == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("The account item in the keyring is incomplete"));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&secret),
                         (GDestroyNotify) tact_account_secret_free);
}

void
tact_secrets_lookup_account_async (GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_secrets_lookup_account_async);
  g_task_run_in_thread (task, lookup_account_thread);
}

TactAccountSecret *
tact_secrets_lookup_account_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_secrets_lookup_account_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_account_thread (GTask *task, gpointer source, gpointer task_data,
                      GCancellable *cancellable)
{
  const char *user_id = task_data;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = attributes_new (KIND_ACCOUNT);
  GError *error = NULL;

  service = get_service (cancellable, &error);
  if (service == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (user_id != NULL)
    g_hash_table_insert (attributes, "user-id", g_strdup (user_id));
  g_hash_table_insert (attributes, "data-dir", dup_data_dir ());   /* other profiles' stay */

  /* FALSE without an error only means there was nothing to delete. */
  if (!secret_service_clear_sync (service, tact_secrets_get_schema (), attributes,
                                  cancellable, &error) && error != NULL)
    {
      GError *mapped = NULL;
      propagate_keyring_error (&mapped, error, cancellable);
      g_task_return_error (task, mapped);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
tact_secrets_clear_account_async (const char *user_id, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_secrets_clear_account_async);
  g_task_set_task_data (task, g_strdup (user_id), g_free);
  g_task_run_in_thread (task, clear_account_thread);
}

gboolean
tact_secrets_clear_account_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_secrets_clear_account_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Database key ---------------------------------------------------------------- */

typedef struct {
  char *db_path;  /* canonical, the db-path attribute */
  gboolean create;
} DbKeyData;

static void
db_key_data_free (DbKeyData *data)
{
  g_free (data->db_path);
  g_free (data);
}

static void
wipe_key (gpointer key)
{
  explicit_bzero (key, DB_KEY_LENGTH);
  g_free (key);
}

static GBytes *
key_bytes_take (guint8 *key)
{
  return g_bytes_new_with_free_func (key, DB_KEY_LENGTH, wipe_key, key);
}

static gboolean
random_key (guint8 *key, GError **error)
{
  gsize filled = 0;

  while (filled < DB_KEY_LENGTH)
    {
      ssize_t n = getrandom (key + filled, DB_KEY_LENGTH - filled, 0);

      if (n < 0)
        {
          int saved_errno = errno;
          if (saved_errno == EINTR)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Could not make a random database key: %s", g_strerror (saved_errno));
          return FALSE;
        }
      filled += (gsize) n;
    }
  return TRUE;
}

static char *
hex_encode (const guint8 *key)
{
  static const char digits[] = "0123456789abcdef";
  char *hex = g_malloc (2 * DB_KEY_LENGTH + 1);

  for (gsize i = 0; i < DB_KEY_LENGTH; i++)
    {
      hex[2 * i] = digits[key[i] >> 4];
      hex[2 * i + 1] = digits[key[i] & 0xf];
    }
  hex[2 * DB_KEY_LENGTH] = '\0';
  return hex;
}

/* Decodes exactly 64 hex digits into a new key, or returns NULL. */
static guint8 *
hex_decode (const char *hex)
{
  guint8 *key;

  if (hex == NULL || strlen (hex) != 2 * DB_KEY_LENGTH)
    return NULL;

  key = g_malloc (DB_KEY_LENGTH);
  for (gsize i = 0; i < DB_KEY_LENGTH; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        {
          wipe_key (key);
          return NULL;
        }
      key[i] = (guint8) (hi << 4 | lo);
    }
  return key;
}

static void
get_db_key_thread (GTask *task, gpointer source, gpointer task_data,
                   GCancellable *cancellable)
{
  DbKeyData *data = task_data;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = attributes_new (KIND_DB_KEY);
  g_autoptr(SecretValue) value = NULL;
  g_autofree char *label = NULL;
  GError *error = NULL;
  guint8 *key;
  char *hex;

  service = get_service (cancellable, &error);
  if (service == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_hash_table_insert (attributes, "db-path", g_strdup (data->db_path));
  value = lookup_secret (service, attributes, NULL, cancellable, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (value != NULL)
    {
      key = hex_decode (secret_value_get_text (value));
      if (key == NULL)
        g_task_return_new_error (task, TACT_STORE_ERROR, TACT_STORE_ERROR_KEY_MISSING,
                                 _("The keyring holds a malformed key for the history "
                                   "database %s, so it cannot be opened. Nothing was deleted: "
                                   "the history is kept as it is. You may start a new history; "
                                   "the old file is then moved aside, not deleted."),
                                 data->db_path);
      else
        g_task_return_pointer (task, key_bytes_take (key), (GDestroyNotify) g_bytes_unref);
      return;
    }

  /* No key. A database without its key is unreadable, but never ours to delete. */
  if (g_file_test (data->db_path, G_FILE_TEST_EXISTS))
    {
      g_task_return_new_error (task, TACT_STORE_ERROR, TACT_STORE_ERROR_KEY_MISSING,
                               _("The history database %s exists but its key is not in the "
                                 "keyring, so it cannot be opened. Nothing was deleted: the "
                                 "history is kept as it is, and opens again if its key comes "
                                 "back (for example from a restored keyring). You may start a "
                                 "new history; the old file is then moved aside, not deleted."),
                               data->db_path);
      return;
    }
  if (!data->create)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  key = g_malloc (DB_KEY_LENGTH);
  if (!random_key (key, &error))
    {
      wipe_key (key);
      g_task_return_error (task, error);
      return;
    }
  hex = hex_encode (key);
  /* Translators: the label of the keyring item holding the database key. */
  label = g_strdup_printf (_("Tact history database key (%s)"), data->db_path);
  if (!store_secret (service, attributes, label, hex, "text/plain", cancellable, &error))
    {
      wipe_free (hex);
      wipe_key (key);
      g_task_return_error (task, error);
      return;
    }
  wipe_free (hex);
  g_task_return_pointer (task, key_bytes_take (key), (GDestroyNotify) g_bytes_unref);
}

void
tact_secrets_get_db_key_async (const char *db_path, gboolean create,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  DbKeyData *data;

  g_return_if_fail (db_path != NULL);

  data = g_new0 (DbKeyData, 1);
  /* One key per database file, whichever way its path was spelled. */
  data->db_path = g_canonicalize_filename (db_path, NULL);
  data->create = create;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_secrets_get_db_key_async);
  g_task_set_task_data (task, data, (GDestroyNotify) db_key_data_free);
  g_task_run_in_thread (task, get_db_key_thread);
}

GBytes *
tact_secrets_get_db_key_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_secrets_get_db_key_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
