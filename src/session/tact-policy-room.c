/* tact-policy-room.c: profiles pushed by admins through a Matrix room. */
#include <glib/gi18n-lib.h>

#include "tact-policy-room.h"
#include "tact-session-util.h"

#include <string.h>

/* The largest profile downloaded (the loader has its own limits on what is inside). */
#define MAX_PROFILE_SIZE (G_GINT64_CONSTANT (64) * 1024 * 1024)
#define META_ACTIVE "policy:active"   /* {"version", "sha256", "profile_id", "room_id"} */

struct _TactPolicyRoom
{
  GObject parent_instance;

  /* owned */
  TactMatrixClient *client;
  TactStore        *store;
  TactRoomList     *rooms;
  TactGuard        *guard;
  TactOutbox       *outbox;
  GCancellable     *cancellable;
  char             *room_ref;     /* as configured: an id or an alias */
  char             *room_id;      /* resolved */
  char             *sha256;       /* of the profile in force (the merged one when several) */
  GHashTable       *announced;    /* profile id -> TactEvent*: the room's announcements */
  JsonObject       *assignment;   /* the room's assignment, or NULL: every profile applies */
  GHashTable       *applied;      /* profile id -> "version\x1fsha256" of what is in force */
  gint64            version;      /* the highest version in force, 0 when none */
  gboolean          busy;         /* a download or a load is running */
  gboolean          dirty;        /* the room changed while busy: reconcile again */
};

G_DEFINE_FINAL_TYPE (TactPolicyRoom, tact_policy_room, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_VERSION,
  N_PROPS
};

enum {
  SIGNAL_NOTICE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void reconcile (TactPolicyRoom *self);

static void
tact_policy_room_dispose (GObject *object)
{
  TactPolicyRoom *self = TACT_POLICY_ROOM (object);

  tact_policy_room_stop (self);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->rooms);
  g_clear_object (&self->guard);
  g_clear_object (&self->outbox);
  G_OBJECT_CLASS (tact_policy_room_parent_class)->dispose (object);
}

static void
tact_policy_room_finalize (GObject *object)
{
  TactPolicyRoom *self = TACT_POLICY_ROOM (object);

  g_free (self->room_ref);
  g_free (self->room_id);
  g_free (self->sha256);
  g_clear_pointer (&self->announced, g_hash_table_unref);
  g_clear_pointer (&self->assignment, json_object_unref);
  g_clear_pointer (&self->applied, g_hash_table_unref);
  G_OBJECT_CLASS (tact_policy_room_parent_class)->finalize (object);
}

static void
tact_policy_room_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_VERSION: g_value_set_int64 (value, TACT_POLICY_ROOM (object)->version); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_policy_room_class_init (TactPolicyRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tact_policy_room_dispose;
  object_class->finalize = tact_policy_room_finalize;
  object_class->get_property = tact_policy_room_get_property;
  properties[PROP_VERSION] =
    g_param_spec_int64 ("version", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TactPolicyRoom::notice:
   * @message: what happened, for the person (translated)
   *
   * A profile from the policy room was applied, or refused (the last good one stays).
   */
  signals[SIGNAL_NOTICE] =
    g_signal_new ("notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
tact_policy_room_init (TactPolicyRoom *self)
{
  self->announced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) tact_event_free);
  self->applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

TactPolicyRoom *
tact_policy_room_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms,
                      TactGuard *guard, TactOutbox *outbox)
{
  TactPolicyRoom *self = g_object_new (TACT_TYPE_POLICY_ROOM, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->rooms = g_object_ref (rooms);
  self->guard = g_object_ref (guard);
  self->outbox = g_object_ref (outbox);
  return self;
}

gint64 tact_policy_room_get_version (TactPolicyRoom *self) { return self->version; }
const char *tact_policy_room_get_room_id (TactPolicyRoom *self) { return self->room_id; }
const char *tact_policy_room_get_room_ref (TactPolicyRoom *self) { return self->room_ref; }

void
tact_policy_room_set_room (TactPolicyRoom *self, const char *room_id_or_alias)
{
  g_return_if_fail (TACT_IS_POLICY_ROOM (self));

  g_free (self->room_ref);
  self->room_ref = g_strdup (room_id_or_alias);
  g_clear_pointer (&self->room_id, g_free);
  if (room_id_or_alias && room_id_or_alias[0] == '!')
    self->room_id = g_strdup (room_id_or_alias);
}

static void
notice (TactPolicyRoom *self, const char *message)
{
  g_message ("Policy room: %s", message);
  g_signal_emit (self, signals[SIGNAL_NOTICE], 0, message);
}

/* Refused: the last good profile stays, the person is told, the room gets an error event (its
 * power levels let members post it; the admins read it). */
static void
refuse (TactPolicyRoom *self, const char *profile_id, gint64 version, const char *why)
{
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, version);
  /* Translators: %1$s: the profile's id, %2$s: its version number, %3$s: why it was refused. */
  g_autofree char *text = g_strdup_printf (_("The company policy profile “%1$s” (version %2$s) was refused: %3$s The previous profile stays in force."),
                                           profile_id ? profile_id : "?", number, why);
  JsonObject *error = json_object_new ();

  notice (self, text);
  json_object_set_string_member (error, "profile_id", profile_id ? profile_id : "");
  json_object_set_int_member (error, "version", version);
  json_object_set_string_member (error, "error", why);
  if (self->room_id)
    tact_outbox_add_protocol (self->outbox, self->room_id, TACT_POLICY_ERROR_TYPE, error);
  json_object_unref (error);
}

/* ---- Applying the profiles that apply to us ----------------------------------------------- */

/* One announcement being fetched: its fields, then its bytes. */
typedef struct {
  char   *profile_id;
  char   *url;
  char   *sha256;
  gint64  version;
  gint64  size;
  GBytes *json;          /* owned, once downloaded and verified */
} Wanted;

static void
wanted_free (Wanted *wanted)
{
  g_free (wanted->profile_id);
  g_free (wanted->url);
  g_free (wanted->sha256);
  g_clear_pointer (&wanted->json, g_bytes_unref);
  g_free (wanted);
}

typedef struct {
  GPtrArray *wanted;     /* Wanted*, the profiles that apply, in id order */
  guint      next;       /* the next to download */
  char      *sha256;     /* of the profile loaded (the merged JSON when several) */
  GBytes    *json;       /* owned: what is loaded (merged when several) */
  GBytes    *compiled;   /* owned: the cached blob read at start, or the one made after a load */
  gint64     version;    /* stored start: the version in force */
} ApplyState;

static void
apply_state_free (ApplyState *state)
{
  g_clear_pointer (&state->wanted, g_ptr_array_unref);
  g_free (state->sha256);
  g_clear_pointer (&state->json, g_bytes_unref);
  g_clear_pointer (&state->compiled, g_bytes_unref);
  g_free (state);
}

static void
meta_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_set_meta_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not keep the company policy profile", error);
}

static void
done (TactPolicyRoom *self)
{
  self->busy = FALSE;
  if (self->dirty)
    {
      self->dirty = FALSE;
      reconcile (self);
    }
}

/* Merges what applies (most restrictive rule by rule), loads it (from the cached blob when it
 * fits every key, else compiling) and makes a fresh blob when it had to compile: all of it in
 * the worker thread. */
static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ApplyState *state = task_data;
  GError *error = NULL;
  TactProfile *profile;

  if (state->wanted && state->wanted->len > 1)
    {
      g_autoptr(GPtrArray) jsons = g_ptr_array_new ();

      for (guint i = 0; i < state->wanted->len; i++)
        g_ptr_array_add (jsons, ((Wanted *) g_ptr_array_index (state->wanted, i))->json);
      g_clear_pointer (&state->json, g_bytes_unref);
      state->json = tact_profile_merge_json ((GBytes * const *) jsons->pdata, jsons->len, &error);
      if (!state->json)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  else if (state->wanted && state->wanted->len == 1)
    state->json = g_bytes_ref (((Wanted *) g_ptr_array_index (state->wanted, 0))->json);

  profile = tact_profile_new_from_bytes_cached (state->json, state->compiled, &error);
  if (!profile)
    {
      g_task_return_error (task, error);
      return;
    }
  if (tact_profile_get_cache_status (profile) != TACT_PROFILE_CACHE_HIT)
    {
      g_autoptr(GError) cache_error = NULL;

      g_clear_pointer (&state->compiled, g_bytes_unref);
      state->compiled = tact_profile_dup_compiled (profile, &cache_error);
      if (!state->compiled)
        g_message ("The compiled profile could not be cached: %s", cache_error->message);
    }
  else
    g_clear_pointer (&state->compiled, g_bytes_unref);   /* already stored as it is */
  g_task_return_pointer (task, profile, g_object_unref);
}

static void
cache_put_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_profile_cache_put_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not cache the compiled profile", error);
}

/* Keeps the profile and its compiled form in the encrypted store (only there: a cache the user
 * could replace would be a way around the guard). */
static void
cache_put (TactPolicyRoom *self, TactProfile *profile, ApplyState *state)
{
  TactStoreProfileCache entry = { 0 };

  if (!state->compiled)
    return;
  entry.sha256 = (char *) tact_profile_get_sha256 (profile);
  entry.hs_version = (char *) tact_policy_get_engine_version ();
  entry.platform = (char *) tact_policy_get_engine_platform ();
  entry.compiled = state->compiled;
  entry.json = state->json;
  tact_store_profile_cache_put_async (self->store, &entry, NULL, cache_put_cb, NULL);
}

static char *
applied_value (gint64 version, const char *sha256)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT "\x1f%s", version, sha256);
}

static gint64
applied_version (TactPolicyRoom *self, const char *profile_id, const char **sha256)
{
  const char *value = g_hash_table_lookup (self->applied, profile_id);
  const char *sep = value ? strchr (value, '\x1f') : NULL;

  if (sha256)
    *sha256 = sep ? sep + 1 : NULL;
  return value ? g_ascii_strtoll (value, NULL, 10) : 0;
}

static void
persist_active (TactPolicyRoom *self)
{
  g_autoptr(JsonObject) active = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *profiles = json_object_new ();
  g_autofree char *json = NULL;
  GHashTableIter iter;
  const char *id;

  g_hash_table_iter_init (&iter, self->applied);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    {
      JsonObject *one = json_object_new ();
      const char *sha;

      json_object_set_int_member (one, "version", applied_version (self, id, &sha));
      json_object_set_string_member (one, "sha256", sha);
      json_object_set_object_member (profiles, id, one);
    }
  json_object_set_object_member (active, "profiles", profiles);
  json_object_set_int_member (active, "version", self->version);
  json_object_set_string_member (active, "sha256", self->sha256);
  json_object_set_string_member (active, "room_id", self->room_id);
  json_node_set_object (node, active);
  json = json_to_string (node, FALSE);
  tact_store_set_meta_async (self->store, META_ACTIVE, json, NULL, meta_saved_cb, NULL);
}

static void
loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TactPolicyRoom *self = TACT_POLICY_ROOM (source);
  ApplyState *state = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = g_task_propagate_pointer (G_TASK (result), &error);
  Wanted *first = g_ptr_array_index (state->wanted, 0);

  if (!profile)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        refuse (self, first->profile_id, first->version, error->message);
      done (self);
      return;
    }
  /* In force at once; everything queued is judged against it before it leaves. */
  tact_guard_set_profile (self->guard, profile);
  cache_put (self, profile, state);
  g_hash_table_remove_all (self->applied);
  self->version = 0;
  for (guint i = 0; i < state->wanted->len; i++)
    {
      Wanted *wanted = g_ptr_array_index (state->wanted, i);

      g_hash_table_insert (self->applied, g_strdup (wanted->profile_id),
                           applied_value (wanted->version, wanted->sha256));
      self->version = MAX (self->version, wanted->version);
    }
  g_free (self->sha256);
  self->sha256 = g_strdup (tact_profile_get_sha256 (profile));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
  persist_active (self);
  {
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, self->version);
    /* Translators: %1$s: the profile's name, %2$s: its version number. */
    g_autofree char *text = g_strdup_printf (_("The company policy was updated (%1$s, version %2$s)."),
                                             tact_profile_get_name (profile), number);
    notice (self, text);
  }
  done (self);
}

static void fetch_next (TactPolicyRoom *self, GTask *task);

static void
downloaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactPolicyRoom *self = g_task_get_source_object (task);
  ApplyState *state = g_task_get_task_data (task);
  Wanted *wanted = g_ptr_array_index (state->wanted, state->next);
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = NULL;

  wanted->json = tact_matrix_client_download_finish (TACT_MATRIX_CLIENT (source), result, NULL, &error);
  if (!wanted->json)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        refuse (self, wanted->profile_id, wanted->version, error->message);
      done (self);
      return;
    }
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, wanted->json);
  if (g_strcmp0 (digest, wanted->sha256) != 0 || (gint64) g_bytes_get_size (wanted->json) != wanted->size)
    {
      refuse (self, wanted->profile_id, wanted->version,
              _("The downloaded profile is not the one the policy room announced (its SHA-256 or size differs)."));
      done (self);
      return;
    }
  state->next++;
  fetch_next (self, g_steal_pointer (&task));
}

static void
fetch_next (TactPolicyRoom *self, GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  ApplyState *state = g_task_get_task_data (task);

  if (state->next < state->wanted->len)
    {
      Wanted *wanted = g_ptr_array_index (state->wanted, state->next);
      tact_matrix_client_download_async (self->client, wanted->url, self->cancellable, downloaded_cb,
                                         g_steal_pointer (&task));
      return;
    }
  /* A big profile compiles for seconds: off the main thread, the previous one in force meanwhile. */
  g_task_run_in_thread (g_steal_pointer (&task), load_thread);
}

/* The profile ids the room's assignment gives us (its users, our server, its default: all that
 * apply), or every announced one when there is no assignment. */
static GPtrArray *
applicable_ids (TactPolicyRoom *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  const char *own = tact_room_list_get_user_id (self->rooms);
  const char *server = own && strchr (own, ':') ? strchr (own, ':') + 1 : NULL;

  if (!self->assignment)
    {
      GHashTableIter iter;
      const char *id;

      g_hash_table_iter_init (&iter, self->announced);
      while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
        g_ptr_array_add (ids, g_strdup (id));
    }
  else
    {
      JsonObject *groups[] = { tact_json_get_object (self->assignment, "users"),
                               tact_json_get_object (self->assignment, "servers") };
      const char *keys[] = { own, server };

      for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
        {
          JsonNode *node = groups[g] && keys[g] && json_object_has_member (groups[g], keys[g])
                           ? json_object_get_member (groups[g], keys[g]) : NULL;
          JsonArray *list = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

          if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            g_ptr_array_add (ids, g_strdup (json_node_get_string (node)));
          for (guint i = 0; list && i < json_array_get_length (list); i++)
            {
              JsonNode *item = json_array_get_element (list, i);
              if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
                g_ptr_array_add (ids, g_strdup (json_node_get_string (item)));
            }
        }
      if (tact_json_get_string (self->assignment, "default"))
        g_ptr_array_add (ids, g_strdup (tact_json_get_string (self->assignment, "default")));
    }
  /* Each once, in a stable order (the merge keeps the first profile's fields). */
  g_ptr_array_sort (ids, (GCompareFunc) g_strcmp0);
  for (guint i = ids->len; i > 1; i--)
    if (g_strcmp0 (g_ptr_array_index (ids, i - 1), g_ptr_array_index (ids, i - 2)) == 0)
      g_ptr_array_remove_index (ids, i - 1);
  return g_steal_pointer (&ids);
}

/* Brings what is in force in line with the room: the profiles that apply to us, each announced
 * with a good version, all fetched and merged; anything wrong keeps the last good profile. */
static void
reconcile (TactPolicyRoom *self)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GTask) task = NULL;
  ApplyState *state;
  gboolean changed = FALSE;

  if (self->busy)
    {
      self->dirty = TRUE;
      return;
    }
  ids = applicable_ids (self);
  state = g_new0 (ApplyState, 1);
  state->wanted = g_ptr_array_new_with_free_func ((GDestroyNotify) wanted_free);
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      TactEvent *event = g_hash_table_lookup (self->announced, id);
      const char *url = event ? tact_json_get_string (event->content, "url") : NULL;
      const char *sha = event ? tact_json_get_string (event->content, "sha256") : NULL;
      const char *applied_sha = NULL;
      gint64 version = 0, size = -1, format = 2, in_force;
      Wanted *wanted;

      if (!event)
        continue;   /* assigned but not announced (yet) */
      tact_json_get_int (event->content, "version", &version);
      tact_json_get_int (event->content, "size", &size);
      tact_json_get_int (event->content, "format", &format);
      in_force = applied_version (self, id, &applied_sha);
      if (!url || !sha || size < 0 || version <= 0)
        {
          refuse (self, id, version, _("The announcement lacks the profile’s address, hash, size or version."));
          apply_state_free (state);
          return;
        }
      if (version < in_force || (version == in_force && g_strcmp0 (sha, applied_sha) != 0))
        {
          refuse (self, id, version,
                  _("Its version is not higher than the one in force (a rollback is published as a new version)."));
          apply_state_free (state);
          return;
        }
      if (format != 1 && format != 2)
        {
          g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, format);
          g_autofree char *why = g_strdup_printf (_("It uses profile format %s; this version of Tact reads formats 1 and 2. Update Tact."), number);
          refuse (self, id, version, why);
          apply_state_free (state);
          return;
        }
      if (size > MAX_PROFILE_SIZE)
        {
          refuse (self, id, version, _("It is larger than a profile may be."));
          apply_state_free (state);
          return;
        }
      changed |= version != in_force;
      wanted = g_new0 (Wanted, 1);
      wanted->profile_id = g_strdup (id);
      wanted->url = g_strdup (url);
      wanted->sha256 = g_strdup (sha);
      wanted->version = version;
      wanted->size = size;
      g_ptr_array_add (state->wanted, wanted);
    }
  /* Nothing new (or a profile no longer assigned to us while others stay the same). */
  changed |= state->wanted->len != g_hash_table_size (self->applied);
  if (state->wanted->len == 0 || !changed)
    {
      apply_state_free (state);
      return;
    }
  self->busy = TRUE;
  task = g_task_new (self, self->cancellable, loaded_cb, NULL);
  g_task_set_source_tag (task, reconcile);
  g_task_set_task_data (task, state, (GDestroyNotify) apply_state_free);
  fetch_next (self, g_steal_pointer (&task));
}

/* A state event of the policy room: counted only from senders with the power to set it. */
static void
take_event (TactPolicyRoom *self, TactRoom *room, const TactEvent *event)
{
  if (room && tact_room_get_power_level (room, event->sender)
              < tact_room_get_required_state_level (room, event->type))
    {
      g_message ("Ignored a policy room event from a sender without the power to set it");
      return;
    }
  if (g_strcmp0 (event->type, TACT_POLICY_PROFILE_TYPE) == 0 && event->state_key && *event->state_key)
    g_hash_table_replace (self->announced, g_strdup (event->state_key), tact_event_copy (event));
  else if (g_strcmp0 (event->type, TACT_POLICY_ASSIGNMENT_TYPE) == 0)
    {
      g_clear_pointer (&self->assignment, json_object_unref);
      if (event->content && json_object_get_size (event->content) > 0)
        self->assignment = json_object_ref (event->content);
    }
}

void
tact_policy_room_handle_event (TactPolicyRoom *self, TactRoom *room, const TactEvent *event)
{
  if (!self->room_id || g_strcmp0 (tact_room_get_id (room), self->room_id) != 0 || !event->state_key
      || (g_strcmp0 (event->type, TACT_POLICY_PROFILE_TYPE) != 0
          && g_strcmp0 (event->type, TACT_POLICY_ASSIGNMENT_TYPE) != 0))
    return;
  take_event (self, room, event);
  reconcile (self);
}

/* ---- Start: the stored profile, then the room's current state ---------------------------- */

static void
room_state_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactPolicyRoom) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = tact_matrix_client_get_state_finish (TACT_MATRIX_CLIENT (source), result, &error);
  TactRoom *room;

  if (!events)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Could not read the policy room: %s", error->message);
      return;
    }
  room = tact_room_list_ensure (self->rooms, self->room_id, NULL);
  /* Its power levels first: they decide whose profile events count. */
  for (guint i = 0; i < events->len; i++)
    {
      TactEvent *event = g_ptr_array_index (events, i);
      if (g_strcmp0 (event->type, "m.room.power_levels") == 0)
        tact_room_apply_state (room, event);
    }
  for (guint i = 0; i < events->len; i++)
    {
      TactEvent *event = g_ptr_array_index (events, i);
      if (g_strcmp0 (event->type, TACT_POLICY_PROFILE_TYPE) == 0
          || g_strcmp0 (event->type, TACT_POLICY_ASSIGNMENT_TYPE) == 0)
        take_event (self, room, event);
    }
  reconcile (self);
}

static void
room_joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactPolicyRoom) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *room_id = tact_matrix_client_join_finish (TACT_MATRIX_CLIENT (source), result, &error);

  if (!room_id)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Could not join the policy room: %s", error->message);
      return;
    }
  g_free (self->room_id);
  self->room_id = g_steal_pointer (&room_id);
  tact_matrix_client_get_state_async (self->client, self->room_id, self->cancellable, room_state_cb,
                                      g_object_ref (self));
}

static void
stored_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TactPolicyRoom *self = TACT_POLICY_ROOM (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = g_task_propagate_pointer (G_TASK (result), &error);
  ApplyState *state = g_task_get_task_data (G_TASK (result));

  /* The last good profile, as an earlier run received it: in force until the room says more. */
  if (profile && self->version == 0)
    {
      tact_guard_set_profile (self->guard, profile);
      cache_put (self, profile, state);   /* a stale or damaged blob is replaced */
      self->version = state->version;
      g_free (self->sha256);
      self->sha256 = g_strdup (state->sha256);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
    }
  else if (!profile)
    {
      g_message ("The stored company policy profile could not be loaded: %s", error->message);
      g_hash_table_remove_all (self->applied);   /* the room's profiles are fetched again */
    }
  done (self);
}

static void
stored_cache_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactPolicyRoom *self = g_task_get_source_object (task);
  ApplyState *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactStoreProfileCache) row = tact_store_profile_cache_get_finish (TACT_STORE (source), result, &error);

  /* The stored copy must be the one recorded as in force (the row is keyed by its hash). */
  if (!row || !row->json)
    {
      if (error)
        tact_session_log_store_error ("Could not read the stored company profile", error);
      g_hash_table_remove_all (self->applied);
      done (self);
      return;
    }
  state->json = g_bytes_ref (row->json);
  state->compiled = row->compiled ? g_bytes_ref (row->compiled) : NULL;
  g_task_run_in_thread (g_steal_pointer (&task), load_thread);
}

/* Reads what an earlier run had in force: each profile's version and hash (so a downgrade is
 * refused after a restart too), and the loaded profile's hash in the cache. */
static void
load_stored (TactPolicyRoom *self, JsonObject *active)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, stored_loaded_cb, NULL);
  ApplyState *state = g_new0 (ApplyState, 1);
  JsonObject *profiles = tact_json_get_object (active, "profiles");
  g_autoptr(GList) ids = profiles ? json_object_get_members (profiles) : NULL;

  for (GList *l = ids; l; l = l->next)
    {
      JsonObject *one = tact_json_get_object (profiles, l->data);
      gint64 version = 0;

      if (one && tact_json_get_int (one, "version", &version) && tact_json_get_string (one, "sha256"))
        g_hash_table_insert (self->applied, g_strdup (l->data),
                             applied_value (version, tact_json_get_string (one, "sha256")));
    }
  /* The first version of this record named one profile. */
  if (!profiles && tact_json_get_string (active, "profile_id") && tact_json_get_string (active, "sha256"))
    {
      gint64 version = 0;
      tact_json_get_int (active, "version", &version);
      g_hash_table_insert (self->applied, g_strdup (tact_json_get_string (active, "profile_id")),
                           applied_value (version, tact_json_get_string (active, "sha256")));
    }
  tact_json_get_int (active, "version", &state->version);
  state->sha256 = g_strdup (tact_json_get_string (active, "sha256"));
  g_task_set_source_tag (task, load_stored);
  g_task_set_task_data (task, state, (GDestroyNotify) apply_state_free);
  self->busy = TRUE;   /* the room's events wait for the stored profile */
  tact_store_profile_cache_get_async (self->store, state->sha256, self->cancellable, stored_cache_cb,
                                      g_steal_pointer (&task));
}

static void
active_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactPolicyRoom) self = user_data;
  g_autofree char *active = tact_store_get_meta_finish (TACT_STORE (source), result, NULL);
  g_autoptr(JsonNode) node = active ? json_from_string (active, NULL) : NULL;
  JsonObject *object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  if (self->cancellable == NULL)
    return;
  if (!object)
    {
      /* Never received: fail closed with instructions, until the room's profile arrives. */
      if (self->version == 0)
        {
          g_autoptr(GError) waiting = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                   _("no company policy profile has been received from the policy room (%s) yet. It is fetched when you are online; if this lasts, ask your IT administrator to publish one."),
                                                   self->room_ref);
          tact_guard_set_profile_error (self->guard, waiting);
        }
    }
  else
    load_stored (self, object);
  tact_matrix_client_join_async (self->client, self->room_ref, self->cancellable, room_joined_cb,
                                 g_object_ref (self));
}

void
tact_policy_room_start (TactPolicyRoom *self)
{
  if (!self->room_ref || self->cancellable)
    return;
  self->cancellable = g_cancellable_new ();
  tact_store_get_meta_async (self->store, META_ACTIVE, self->cancellable, active_loaded_cb,
                             g_object_ref (self));
}

void
tact_policy_room_stop (TactPolicyRoom *self)
{
  if (!self->cancellable)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->busy = FALSE;
  self->dirty = FALSE;
}
