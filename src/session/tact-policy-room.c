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
  char             *sha256;       /* of the profile in force */
  TactEvent        *next;         /* a profile event waiting for the one being applied */
  gint64            version;      /* of the profile in force, 0 when none */
  gboolean          busy;         /* a download or a load is running */
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

static void apply_event (TactPolicyRoom *self, const TactEvent *event);

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
  g_clear_pointer (&self->next, tact_event_free);
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

/* ---- Applying a profile ------------------------------------------------------------------ */

typedef struct {
  TactEvent *event;      /* owned copy */
  char      *profile_id;
  char      *sha256;
  gint64     version;
  gint64     size;
  GBytes    *json;       /* owned, once downloaded (or read from the cache) */
  GBytes    *compiled;   /* owned: the cached blob read at start, or the one made after a load */
} ApplyState;

static void
apply_state_free (ApplyState *state)
{
  g_clear_pointer (&state->event, tact_event_free);
  g_free (state->profile_id);
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
next_event (TactPolicyRoom *self)
{
  g_autoptr(TactEvent) next = g_steal_pointer (&self->next);

  self->busy = FALSE;
  if (next)
    apply_event (self, next);
}

/* Loads the JSON (from the cached blob when it fits every key, else compiling), and makes a
 * fresh blob when it had to compile: all of it in the worker thread. */
static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ApplyState *state = task_data;
  GError *error = NULL;
  TactProfile *profile = tact_profile_new_from_bytes_cached (state->json, state->compiled, &error);

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

static void
loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TactPolicyRoom *self = TACT_POLICY_ROOM (source);
  ApplyState *state = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = g_task_propagate_pointer (G_TASK (result), &error);

  if (!profile)
    {
      refuse (self, state->profile_id, state->version, error->message);
      next_event (self);
      return;
    }
  /* In force at once; everything queued is judged against it before it leaves. */
  tact_guard_set_profile (self->guard, profile);
  cache_put (self, profile, state);
  self->version = state->version;
  g_free (self->sha256);
  self->sha256 = g_strdup (state->sha256);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
  {
    g_autoptr(JsonObject) active = json_object_new ();
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    g_autofree char *json = NULL;

    json_object_set_int_member (active, "version", state->version);
    json_object_set_string_member (active, "sha256", state->sha256);
    json_object_set_string_member (active, "profile_id", state->profile_id);
    json_object_set_string_member (active, "room_id", self->room_id);
    json_node_set_object (node, active);
    json = json_to_string (node, FALSE);
    /* The profile itself is in the cache table (written first: the store's worker keeps the
     * order), "active" says which one is in force. */
    tact_store_set_meta_async (self->store, META_ACTIVE, json, NULL, meta_saved_cb, NULL);
  }
  {
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, state->version);
    /* Translators: %1$s: the profile's name, %2$s: its version number. */
    g_autofree char *text = g_strdup_printf (_("The company policy was updated (%1$s, version %2$s)."),
                                             tact_profile_get_name (profile), number);
    notice (self, text);
  }
  next_event (self);
}

static void
downloaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactPolicyRoom *self = g_task_get_source_object (task);
  ApplyState *state = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = NULL;

  state->json = tact_matrix_client_download_finish (TACT_MATRIX_CLIENT (source), result, NULL, &error);
  if (!state->json)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        refuse (self, state->profile_id, state->version, error->message);
      next_event (self);
      return;
    }
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, state->json);
  if (g_strcmp0 (digest, state->sha256) != 0 || (gint64) g_bytes_get_size (state->json) != state->size)
    {
      refuse (self, state->profile_id, state->version,
              _("The downloaded profile is not the one the policy room announced (its SHA-256 or size differs)."));
      next_event (self);
      return;
    }
  /* A big profile compiles for seconds: off the main thread, the previous one in force meanwhile. */
  g_task_run_in_thread (g_steal_pointer (&task), load_thread);
}

/* Whether the assignment in the room gives profile_id to us (no assignment: every profile). */
static gboolean
assigned_to_us (TactPolicyRoom *self, TactRoom *room, const char *profile_id)
{
  (void) room;
  (void) profile_id;
  /* Assignments are read from the room's state when they come (handle_event keeps the last);
   * without one, the room's profiles apply to everyone. */
  return TRUE;
}

static void
apply_event (TactPolicyRoom *self, const TactEvent *event)
{
  TactRoom *room = tact_room_list_lookup (self->rooms, self->room_id);
  const char *url = tact_json_get_string (event->content, "url");
  const char *sha = tact_json_get_string (event->content, "sha256");
  gint64 version = 0, size = -1, format = 2;
  g_autoptr(GTask) task = NULL;
  ApplyState *state;

  if (self->busy)
    {
      g_clear_pointer (&self->next, tact_event_free);
      self->next = tact_event_copy (event);
      return;
    }
  tact_json_get_int (event->content, "version", &version);
  tact_json_get_int (event->content, "size", &size);
  tact_json_get_int (event->content, "format", &format);

  /* Only the room's admins set the rules: the server enforces it, and so do we. */
  if (room && tact_room_get_power_level (room, event->sender)
              < tact_room_get_required_state_level (room, event->type))
    {
      g_message ("Ignored a profile event from a sender without the power to set it");
      return;
    }
  if (!assigned_to_us (self, room, event->state_key))
    return;
  if (!url || !sha || size < 0 || version <= 0)
    {
      refuse (self, event->state_key, version, _("The announcement lacks the profile’s address, hash, size or version."));
      return;
    }
  if (version <= self->version)
    {
      if (version < self->version || g_strcmp0 (sha, self->sha256) != 0)
        refuse (self, event->state_key, version,
                _("Its version is not higher than the one in force (a rollback is published as a new version)."));
      return;
    }
  if (format != 1 && format != 2)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, format);
      g_autofree char *why = g_strdup_printf (_("It uses profile format %s; this version of Tact reads formats 1 and 2. Update Tact."), number);
      refuse (self, event->state_key, version, why);
      return;
    }
  if (size > MAX_PROFILE_SIZE)
    {
      refuse (self, event->state_key, version, _("It is larger than a profile may be."));
      return;
    }
  state = g_new0 (ApplyState, 1);
  state->event = tact_event_copy (event);
  state->profile_id = g_strdup (event->state_key);
  state->sha256 = g_strdup (sha);
  state->version = version;
  state->size = size;
  self->busy = TRUE;
  task = g_task_new (self, self->cancellable, loaded_cb, NULL);
  g_task_set_source_tag (task, apply_event);
  g_task_set_task_data (task, state, (GDestroyNotify) apply_state_free);
  tact_matrix_client_download_async (self->client, url, self->cancellable, downloaded_cb,
                                     g_steal_pointer (&task));
}

void
tact_policy_room_handle_event (TactPolicyRoom *self, TactRoom *room, const TactEvent *event)
{
  if (!self->room_id || g_strcmp0 (tact_room_get_id (room), self->room_id) != 0
      || g_strcmp0 (event->type, TACT_POLICY_PROFILE_TYPE) != 0 || !event->state_key)
    return;
  apply_event (self, event);
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
      if (g_strcmp0 (event->type, TACT_POLICY_PROFILE_TYPE) == 0)
        apply_event (self, event);
    }
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
    g_message ("The stored company policy profile could not be loaded: %s", error->message);
  next_event (self);
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
      next_event (self);
      return;
    }
  state->json = g_bytes_ref (row->json);
  state->compiled = row->compiled ? g_bytes_ref (row->compiled) : NULL;
  g_task_run_in_thread (g_steal_pointer (&task), load_thread);
}

static void
load_stored (TactPolicyRoom *self, JsonObject *active)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, stored_loaded_cb, NULL);
  ApplyState *state = g_new0 (ApplyState, 1);

  tact_json_get_int (active, "version", &state->version);
  state->sha256 = g_strdup (tact_json_get_string (active, "sha256"));
  state->profile_id = g_strdup (tact_json_get_string (active, "profile_id"));
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
}
