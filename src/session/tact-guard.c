/* tact-guard.c: the one check every outgoing action passes; it fails closed. */
#include <glib/gi18n-lib.h>

#include "tact-guard.h"
#include "tact-send-check-private.h"
#include "tact-session.h"
#include "tact-session-util.h"

#include <string.h>

struct _TactGuard
{
  GObject parent_instance;

  /* owned */
  TactRoomList *rooms;
  TactProfile  *profile;        /* NULL: nothing may leave */
  char         *profile_error;  /* why there is no usable profile, or NULL */
  GPtrArray    *passed;         /* element-type TactStoreTraining: the tutorial passes on
                                 * record; replaced whole, so a judging thread's reference
                                 * stays valid (under lock) */
  GMutex        lock;
};

G_DEFINE_FINAL_TYPE (TactGuard, tact_guard, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tact_guard_dispose (GObject *object)
{
  TactGuard *self = TACT_GUARD (object);

  g_clear_object (&self->rooms);
  g_clear_object (&self->profile);
  G_OBJECT_CLASS (tact_guard_parent_class)->dispose (object);
}

static void
tact_guard_finalize (GObject *object)
{
  TactGuard *self = TACT_GUARD (object);

  g_free (self->profile_error);
  g_clear_pointer (&self->passed, g_ptr_array_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (tact_guard_parent_class)->finalize (object);
}

static void
tact_guard_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_PROFILE: g_value_set_object (value, TACT_GUARD (object)->profile); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_guard_class_init (TactGuardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tact_guard_dispose;
  object_class->finalize = tact_guard_finalize;
  object_class->get_property = tact_guard_get_property;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, TACT_TYPE_PROFILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_guard_init (TactGuard *self)
{
  g_mutex_init (&self->lock);
}

TactGuard *
tact_guard_new (TactRoomList *rooms)
{
  TactGuard *self = g_object_new (TACT_TYPE_GUARD, NULL);

  self->rooms = g_object_ref (rooms);
  return self;
}

TactProfile *tact_guard_get_profile (TactGuard *self) { return self->profile; }

void
tact_guard_set_profile (TactGuard *self, TactProfile *profile)
{
  g_return_if_fail (TACT_IS_GUARD (self));
  g_return_if_fail (profile == NULL || TACT_IS_PROFILE (profile));

  if (profile)
    g_clear_pointer (&self->profile_error, g_free);
  /* Who is from outside follows the profile (its company's homeservers); without one, the last
   * definition stays: nothing can be sent anyway. */
  if (profile)
    tact_room_list_set_company (self->rooms, profile);
  if (g_set_object (&self->profile, profile))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

void
tact_guard_set_profile_error (TactGuard *self, const GError *error)
{
  g_return_if_fail (TACT_IS_GUARD (self));

  g_free (self->profile_error);
  self->profile_error = error ? g_strdup (error->message) : NULL;
  tact_guard_set_profile (self, NULL);
}

/* ---- Verdicts ---------------------------------------------------------------------- */

/* Without a usable profile: block, saying what is wrong and who can fix it. */
static TactVerdict *
fail_closed_verdict (const char *why)
{
  g_autofree char *explanation = why
    ? g_strdup_printf (_("Tact cannot check messages against your company’s policy, so nothing can be sent: %s"), why)
    : g_strdup (_("Tact has no company policy profile to check messages against, so nothing can be sent."));

  return tact_verdict_new_block (TACT_GUARD_RULE_NO_PROFILE, _("No company policy is in force"),
                                 explanation,
                                 _("Ask your IT or compliance administrator to install a valid policy profile, then try again. Your message is kept."));
}

/* ACC-1: a profile that pins the company's homeservers refuses an account elsewhere (a personal
 * account): nothing is sent from it. */
static TactVerdict *
pinned_verdict (TactGuard *self, TactProfile *profile)
{
  const char *own = tact_room_list_get_user_id (self->rooms);
  const char *server = own && strchr (own, ':') ? strchr (own, ':') + 1 : NULL;
  TactVerdict *verdict;
  TactFinding *finding;
  g_autofree char *servers = NULL;

  if (!tact_profile_get_company_pinned (profile)
      || (server && g_strv_contains (tact_profile_get_company_homeservers (profile), server)))
    return NULL;
  servers = g_strjoinv (", ", (char **) tact_profile_get_company_homeservers (profile));
  verdict = tact_verdict_new_block (TACT_GUARD_RULE_PINNED, _("Not a company account"),
                                    _("Company policy allows work chat only through your company account."),
                                    NULL);
  finding = g_ptr_array_index (verdict->findings, 0);
  g_strfreev (finding->clauses);
  finding->clauses = g_strsplit ("ACC-1", ",", -1);
  /* Translators: %s: the company's homeservers, comma-separated. */
  finding->alternative = g_strdup_printf (_("Sign in with your company account (on %s) instead."), servers);
  return verdict;
}

void
tact_guard_set_training (TactGuard *self, GPtrArray *results)
{
  GPtrArray *passed = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_training_free);
  GPtrArray *old;

  g_return_if_fail (TACT_IS_GUARD (self));
  for (guint i = 0; results != NULL && i < results->len; i++)
    {
      const TactStoreTraining *result = g_ptr_array_index (results, i);

      if (result->passed)
        g_ptr_array_add (passed, tact_store_training_copy (result));
    }
  g_mutex_lock (&self->lock);
  old = self->passed;
  self->passed = passed;
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&old, g_ptr_array_unref);
}

gboolean
tact_guard_training_passed (TactGuard *self, TactProfile *profile)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GPtrArray) passed = NULL;

  g_return_val_if_fail (TACT_IS_GUARD (self), FALSE);
  if (profile == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  passed = self->passed ? g_ptr_array_ref (self->passed) : NULL;
  g_mutex_unlock (&self->lock);
  for (guint i = 0; passed != NULL && i < passed->len; i++)
    {
      const TactStoreTraining *result = g_ptr_array_index (passed, i);
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (result->ts / 1000);

      if (when != NULL &&
          tact_profile_training_counts (profile, result->profile_id, result->profile_version, when, now))
        return TRUE;
    }
  return FALSE;
}

/* TRN-1: until the policy tutorial is passed, the profile's gate holds every message, or
 * every message to someone from outside; the finding says why and how to pass. */
static TactVerdict *
training_verdict (TactGuard *self, TactProfile *profile, const TactOutgoing *outgoing)
{
  TactTrainingGate gate = tact_profile_get_training_gate (profile);
  TactVerdict *verdict;
  TactFinding *finding;

  if (gate == TACT_TRAINING_GATE_NONE ||
      (gate == TACT_TRAINING_GATE_EXTERNAL && (outgoing == NULL || outgoing->external_count == 0)) ||
      tact_guard_training_passed (self, profile))
    return NULL;
  verdict = tact_verdict_new_block (TACT_GUARD_RULE_TRAINING, _("Policy tutorial not passed yet"),
                                    gate == TACT_TRAINING_GATE_ALL
                                    ? _("Your company asks every employee to pass the policy tutorial before sending messages.")
                                    : _("Your company asks every employee to pass the policy tutorial before sending messages to people outside the company."),
                                    _("Open the Policy Tutorial from the main menu, read the lessons and pass the quiz; then send again. Your message is kept."));
  finding = g_ptr_array_index (verdict->findings, 0);
  g_strfreev (finding->clauses);
  finding->clauses = g_strsplit ("TRN-1", ",", -1);
  return verdict;
}

TactVerdict *
tact_guard_judge (TactGuard *self, TactProfile *profile, const TactOutgoing *outgoing)
{
  TactVerdict *pinned, *training;

  if (profile == NULL)
    return fail_closed_verdict (self->profile_error);
  if ((pinned = pinned_verdict (self, profile)) != NULL)
    return pinned;
  if ((training = training_verdict (self, profile, outgoing)) != NULL)
    return training;
  return tact_profile_check (profile, outgoing);
}

void
tact_guard_describe_audience (TactGuard *self, TactRoom *room, TactOutgoing *outgoing)
{
  tact_room_describe_audience (room, outgoing);
  /* Until the whole member list is known, someone from outside may be there unseen. */
  if (!tact_room_get_members_complete (room) && g_strcmp0 (tact_room_get_membership (room), "join") == 0)
    outgoing->external_count = MAX (outgoing->external_count, 1);
}

gboolean
tact_guard_verdict_allows (const TactVerdict *verdict, const char *reason, GError **error)
{
  switch (verdict->action)
    {
    case TACT_ACTION_BLOCK:
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED,
                           _("Company policy does not allow this message to be sent here."));
      return FALSE;
    case TACT_ACTION_APPROVE:
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_APPROVAL,
                           _("This message needs your department head's approval before it can be sent."));
      return FALSE;
    case TACT_ACTION_JUSTIFY:
      if (!reason || *reason == '\0')
        {
          g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_JUSTIFICATION,
                               _("Company policy asks for a reason before this message is sent."));
          return FALSE;
        }
      return TRUE;
    case TACT_ACTION_WARN:
    case TACT_ACTION_ALLOW:
    default:
      return TRUE;
    }
}

/* ---- Text ---------------------------------------------------------------------------- */

TactSendCheck *
tact_guard_check_text (TactGuard *self, TactRoom *room, const char *text)
{
  TactSendCheck *check;
  TactOutgoing outgoing;

  g_return_val_if_fail (TACT_IS_GUARD (self), NULL);
  g_return_val_if_fail (TACT_IS_ROOM (room), NULL);

  check = tact_send_check_new (TACT_SEND_KIND_TEXT, tact_room_get_id (room));
  check->text = g_strdup (text ? text : "");
  check->profile = self->profile ? g_object_ref (self->profile) : NULL;
  tact_guard_describe_audience (self, room, &check->audience);
  outgoing = check->audience;
  outgoing.text = check->text;
  check->verdict = tact_guard_judge (self, check->profile, &outgoing);
  return check;
}

/* The audience check judges for: the room's, grown by an invitee. */
static void
audience_for (TactGuard *self, TactRoom *room, TactSendKind kind, const char * const *invitees,
              TactOutgoing *outgoing)
{
  tact_guard_describe_audience (self, room, outgoing);
  for (guint i = 0; kind == TACT_SEND_KIND_INVITE && invitees && invitees[i]; i++)
    {
      outgoing->member_count++;
      if (tact_room_user_is_external (room, invitees[i]))
        outgoing->external_count++;
    }
}

/* A check of kind for room (the audience as audience_for() gives it) judging text. */
static TactSendCheck *
check_kind (TactGuard *self, TactRoom *room, TactSendKind kind, const char *stored_text,
            const char *judged_text, const char * const *invitees)
{
  TactSendCheck *check = tact_send_check_new (kind, tact_room_get_id (room));
  TactOutgoing outgoing;

  check->text = g_strdup (stored_text ? stored_text : "");
  check->invitees = invitees ? g_strdupv ((char **) invitees) : NULL;
  check->profile = self->profile ? g_object_ref (self->profile) : NULL;
  audience_for (self, room, kind, invitees, &check->audience);
  outgoing = check->audience;
  outgoing.text = judged_text ? judged_text : check->text;
  check->verdict = tact_guard_judge (self, check->profile, &outgoing);
  return check;
}

TactSendCheck *
tact_guard_check_reply (TactGuard *self, TactRoom *room, TactMessage *original, const char *text)
{
  g_autofree char *quoted = NULL;
  g_autofree char *judged = NULL;
  TactSendCheck *check;
  g_auto(GStrv) lines = g_strsplit (tact_message_get_body (original) ? tact_message_get_body (original) : "", "\n", -1);
  g_autoptr(GString) fallback = g_string_new (NULL);

  /* The spec's fallback: "> <@sender> first line", "> next line"…; it leaves with the reply. */
  for (guint i = 0; lines[i]; i++)
    {
      if (i == 0)
        g_string_append_printf (fallback, "> <%s> %s", tact_message_get_sender (original), lines[i]);
      else
        g_string_append_printf (fallback, "\n> %s", lines[i]);
    }
  quoted = g_string_free (g_steal_pointer (&fallback), FALSE);
  judged = g_strdup_printf ("%s\n\n%s", quoted, text ? text : "");
  check = check_kind (self, room, TACT_SEND_KIND_REPLY, text, judged, NULL);
  check->quoted = g_steal_pointer (&quoted);
  check->relates_to = g_strdup (tact_message_get_event_id (original));
  return check;
}

TactSendCheck *
tact_guard_check_edit (TactGuard *self, TactRoom *room, TactMessage *original, const char *text)
{
  TactSendCheck *check = check_kind (self, room, TACT_SEND_KIND_EDIT, text, NULL, NULL);

  check->relates_to = g_strdup (tact_message_get_event_id (original));
  return check;
}

TactSendCheck *
tact_guard_check_forward (TactGuard *self, TactMessage *message, TactRoom *target, const char *own_user_id)
{
  TactSendCheck *check = check_kind (self, target, TACT_SEND_KIND_FORWARD,
                                     tact_message_get_body (message), NULL, NULL);

  /* Someone else's words to another audience: their agreement first (PUB-8). */
  check->needs_consent = g_strcmp0 (tact_message_get_sender (message), own_user_id) != 0;
  return check;
}

TactSendCheck *
tact_guard_check_reaction (TactGuard *self, TactRoom *room, TactMessage *target, const char *key)
{
  TactSendCheck *check = check_kind (self, room, TACT_SEND_KIND_REACTION, key, NULL, NULL);

  check->relates_to = g_strdup (tact_message_get_event_id (target));
  return check;
}

TactSendCheck *
tact_guard_check_room_text (TactGuard *self, TactRoom *room, TactSendKind kind, const char *text)
{
  g_return_val_if_fail (kind == TACT_SEND_KIND_TOPIC || kind == TACT_SEND_KIND_ROOM_NAME, NULL);
  return check_kind (self, room, kind, text, NULL, NULL);
}

/* The room's recent history, as someone invited now would read it (nothing unless history is
 * shared with later members). */
static char *
history_for_invitee (TactRoom *room)
{
  const char *visibility = tact_room_get_history_visibility (room);
  GListModel *timeline = tact_room_get_timeline (room);
  guint n = g_list_model_get_n_items (timeline);
  g_autoptr(GString) text = g_string_new (NULL);

  if (g_strcmp0 (visibility, "shared") != 0 && g_strcmp0 (visibility, "world_readable") != 0)
    return g_strdup ("");
  for (guint i = n > TACT_GUARD_INVITE_HISTORY ? n - TACT_GUARD_INVITE_HISTORY : 0; i < n; i++)
    {
      g_autoptr(TactMessage) message = g_list_model_get_item (timeline, i);
      if (tact_message_get_body (message) && !tact_message_is_redacted (message))
        g_string_append_printf (text, "%s\n", tact_message_get_body (message));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

TactSendCheck *
tact_guard_check_invite (TactGuard *self, TactRoom *room, const char *user_id)
{
  const char * const invitees[] = { user_id, NULL };
  g_autofree char *history = history_for_invitee (room);

  return check_kind (self, room, TACT_SEND_KIND_INVITE, user_id, history, invitees);
}

TactSendCheck *
tact_guard_check_create_room (TactGuard *self, const char *name, const char *topic,
                              const char * const *invitees)
{
  TactSendCheck *check = tact_send_check_new (TACT_SEND_KIND_CREATE_ROOM, NULL);
  g_autofree char *judged = g_strdup_printf ("%s\n%s", name ? name : "", topic ? topic : "");
  g_autofree char *own_server = NULL;
  const char *own = tact_room_list_get_user_id (self->rooms);
  TactOutgoing outgoing = { 0 };

  own_server = own && strchr (own, ':') ? g_strdup (strchr (own, ':') + 1) : g_strdup ("");
  check->text = g_strdup (name ? name : "");
  check->topic = g_strdup (topic);
  check->invitees = g_strdupv ((char **) invitees);
  check->profile = self->profile ? g_object_ref (self->profile) : NULL;
  check->audience.room_kind = TACT_ROOM_KIND_GROUP;
  check->audience.member_count = 1;
  for (guint i = 0; invitees && invitees[i]; i++)
    {
      const char *server = strchr (invitees[i], ':');
      gboolean external = self->profile ? tact_profile_is_external (self->profile, invitees[i], own_server)
                                        : !server || g_strcmp0 (server + 1, own_server) != 0;
      check->audience.member_count++;
      if (external)
        check->audience.external_count++;
    }
  outgoing = check->audience;
  outgoing.text = judged;
  check->verdict = tact_guard_judge (self, check->profile, &outgoing);
  return check;
}

TactSendCheck *
tact_guard_check_held_text (TactGuard *self, TactRoom *room, const char *txn_id, const char *text)
{
  TactSendCheck *check = tact_guard_check_text (self, room, text);

  check->kind = TACT_SEND_KIND_HELD;
  check->txn_id = g_strdup (txn_id);
  return check;
}

/* ---- Files: read, inspected and judged off the main thread ---------------------------- */

typedef struct {
  /* owned; the thread reads them, nothing mutates them meanwhile */
  GFile        *file;       /* NULL when bytes are given */
  GBytes       *bytes;      /* already read (the outbox's copy), or NULL */
  char         *name;       /* NULL: the file's display name */
  TactSendCheck *check;     /* room, profile and audience set on the main thread */
  char         *profile_error;
  gboolean      stage;      /* a new send: keep a private copy of what may be sent */
} CheckState;

static void
check_state_free (CheckState *state)
{
  g_clear_object (&state->file);
  g_clear_pointer (&state->bytes, g_bytes_unref);
  g_free (state->name);
  g_clear_pointer (&state->check, tact_send_check_unref);
  g_free (state->profile_error);
  g_free (state);
}

/* Reads a file to check: at most TACT_SESSION_MAX_FILE_SIZE, not a folder, not empty. The display
 * name is borrowed from info (owned by the caller). */
static GBytes *
load_checked_file (GFile *file, GCancellable *cancellable, const char **display_name,
                   GFileInfo **info, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;

  *info = g_file_query_info (file,
                             G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                             G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                             G_FILE_QUERY_INFO_NONE, cancellable, error);
  if (!*info)
    return NULL;
  *display_name = g_file_info_get_display_name (*info);
  if (g_file_info_get_file_type (*info) == G_FILE_TYPE_DIRECTORY)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                   _("“%s” is a folder. Choose a file, or put the folder in an archive."),
                   *display_name);
      return NULL;
    }
  if (g_file_info_get_size (*info) > TACT_SESSION_MAX_FILE_SIZE)
    {
      g_set_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_TOO_LARGE,
                   _("“%s” is larger than %d MB, the most Tact can check and send."),
                   *display_name, (int) (TACT_SESSION_MAX_FILE_SIZE / (1024 * 1024)));
      return NULL;
    }
  bytes = g_file_load_bytes (file, cancellable, NULL, error);
  if (!bytes)
    return NULL;
  if (g_bytes_get_size (bytes) == 0)
    {
      g_set_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_EMPTY,
                   _("“%s” is empty."), *display_name);
      return NULL;
    }
  if ((gint64) g_bytes_get_size (bytes) > TACT_SESSION_MAX_FILE_SIZE)   /* grew meanwhile */
    {
      g_set_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_TOO_LARGE,
                   _("“%s” is larger than %d MB, the most Tact can check and send."),
                   *display_name, (int) (TACT_SESSION_MAX_FILE_SIZE / (1024 * 1024)));
      return NULL;
    }

  return g_steal_pointer (&bytes);
}

/* The worker thread: read, inspect, judge, and keep a private copy of what may be sent.
 * TactProfile is immutable once loaded (its matcher hands each caller its own scratch under a
 * lock, the normaliser's tables are built once), so checking from a thread is safe. */
static void
check_file_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CheckState *state = task_data;
  TactSendCheck *check = state->check;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_type = NULL;
  TactAttachment attachment = { 0 };
  TactOutgoing outgoing = check->audience;
  const char *display_name = state->name;

  if (state->bytes)
    bytes = g_bytes_ref (state->bytes);
  else if (!(bytes = load_checked_file (state->file, cancellable, &display_name, &info, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!check->file_name)
    check->file_name = g_strdup (state->name ? state->name : display_name);
  content_type = g_content_type_guess (check->file_name, g_bytes_get_data (bytes, NULL),
                                       g_bytes_get_size (bytes), NULL);
  check->mime_type = content_type ? g_content_type_get_mime_type (content_type) : NULL;
  if (!check->mime_type)
    check->mime_type = g_strdup ("application/octet-stream");
  check->bytes = g_bytes_ref (bytes);

  /* The guard inspects the content (type, labels, text, archives) and the name. */
  attachment.name = check->file_name;
  attachment.data = bytes;
  outgoing.attachments = &attachment;
  outgoing.n_attachments = 1;
  if (!check->profile)
    check->verdict = fail_closed_verdict (state->profile_error);
  else if (!(check->verdict = pinned_verdict (TACT_GUARD (source), check->profile)))
    check->verdict = tact_profile_check (check->profile, &outgoing);

  /* What may be sent gets its private copy now, off the main thread. */
  if (!state->stage)
    {
      g_task_return_pointer (task, tact_send_check_ref (check), (GDestroyNotify) tact_send_check_unref);
      return;
    }
  check->txn_id = tact_session_new_txn_id ();
  /* Approve too: the copy waits in the outbox for the approver's decision. */
  if (check->verdict->action != TACT_ACTION_BLOCK)
    {
      g_autofree char *copy = tact_send_dup_outbox_media_path (check->txn_id);
      g_autofree char *staged = g_strconcat (copy, ".staged", NULL);

      if (!tact_send_write_private_copy (staged, bytes, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      check->staged_path = g_steal_pointer (&staged);
    }
  g_task_return_pointer (task, tact_send_check_ref (check), (GDestroyNotify) tact_send_check_unref);
}

static void
start_file_check (TactGuard *self, TactRoom *room, TactSendKind kind, const char *txn_id,
                  GFile *file, GBytes *bytes, const char *name, gboolean stage,
                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  CheckState *state = g_new0 (CheckState, 1);

  g_task_set_source_tag (task, tact_guard_check_file_async);
  state->file = file ? g_object_ref (file) : NULL;
  state->bytes = bytes ? g_bytes_ref (bytes) : NULL;
  state->name = g_strdup (name);
  state->stage = stage;
  state->profile_error = g_strdup (self->profile_error);
  state->check = tact_send_check_new (kind, tact_room_get_id (room));
  state->check->txn_id = g_strdup (txn_id);
  /* The thread's own profile reference: set_profile may replace the guard's meanwhile. */
  state->check->profile = self->profile ? g_object_ref (self->profile) : NULL;
  tact_guard_describe_audience (self, room, &state->check->audience);   /* main thread's room */
  g_task_set_task_data (task, state, (GDestroyNotify) check_state_free);
  g_task_run_in_thread (task, check_file_thread);
}

void
tact_guard_check_file_async (TactGuard *self, TactRoom *room, GFile *file, const char *name,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (TACT_IS_GUARD (self));
  g_return_if_fail (TACT_IS_ROOM (room));
  g_return_if_fail (G_IS_FILE (file));

  start_file_check (self, room, TACT_SEND_KIND_FILE, NULL, file, NULL, name, TRUE, cancellable,
                    callback, user_data);
}

void
tact_guard_check_held_file_async (TactGuard *self, TactRoom *room, const char *txn_id, GFile *file,
                                  const char *name, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (TACT_IS_GUARD (self));
  g_return_if_fail (TACT_IS_ROOM (room));

  start_file_check (self, room, TACT_SEND_KIND_HELD, txn_id, file, NULL, name, FALSE, cancellable,
                    callback, user_data);
}

void
tact_guard_check_bytes_async (TactGuard *self, TactRoom *room, GBytes *bytes, const char *name,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (TACT_IS_GUARD (self));
  g_return_if_fail (TACT_IS_ROOM (room));
  g_return_if_fail (bytes != NULL);

  start_file_check (self, room, TACT_SEND_KIND_FILE, NULL, NULL, bytes, name, FALSE, cancellable,
                    callback, user_data);
}

TactSendCheck *
tact_guard_check_file_finish (TactGuard *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tact_guard_check_file_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Confirming a check before it is sent --------------------------------------------- */

gboolean
tact_guard_check_holds (TactGuard *self, TactRoom *room, TactSendCheck *check)
{
  TactOutgoing now = { 0 };

  if (check->kind == TACT_SEND_KIND_CREATE_ROOM)
    return check->profile == self->profile;   /* its audience is its invitees: fixed */
  audience_for (self, room, check->kind, (const char * const *) check->invitees, &now);
  return g_strcmp0 (check->room_id, tact_room_get_id (room)) == 0
         && check->profile == self->profile
         && now.external_count == check->audience.external_count
         && now.member_count == check->audience.member_count
         && now.room_kind == check->audience.room_kind;
}

gboolean
tact_guard_confirm (TactGuard *self, TactRoom *room, TactSendCheck *check, const char *reason,
                    GError **error)
{
  /* The verdict is the guard's own; it holds only for the room, the audience and the profile it
   * was computed for, and for one send. Cheap to confirm, so confirmed every time. */
  if (check->sent || !tact_guard_check_holds (self, room, check))
    {
      if (check->file_name)
        g_set_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                     _("The room or the company policy changed after “%s” was checked. Check it again before sending."),
                     check->file_name);
      else
        g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                             _("The room or the company policy changed after this message was checked. Check it again before sending."));
      return FALSE;
    }
  return tact_guard_verdict_allows (check->verdict, reason, error);
}

char *
tact_guard_dup_rule_ids (const TactVerdict *verdict)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (!g_ptr_array_find_with_equal_func (ids, finding->rule_id, g_str_equal, NULL))
        g_ptr_array_add (ids, finding->rule_id);
    }
  if (ids->len == 0)
    return NULL;
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (",", (char **) ids->pdata);
}

gboolean
tact_guard_decision_covers (const TactVerdict *now, const char *decided_action,
                            const char *decided_rule_ids, char **why)
{
  g_auto(GStrv) decided_rules = g_strsplit (decided_rule_ids ? decided_rule_ids : "", ",", -1);
  TactAction decided = TACT_ACTION_ALLOW;
  const TactFinding *unseen = NULL;

  /* An entry without a recorded decision was decided as allow: anything found now is new. */
  if (decided_action)
    tact_action_from_string (decided_action, &decided);
  for (guint i = 0; i < now->findings->len && !unseen; i++)
    {
      const TactFinding *finding = g_ptr_array_index (now->findings, i);

      if (finding->action >= TACT_ACTION_WARN && !g_strv_contains ((const char * const *) decided_rules, finding->rule_id))
        unseen = finding;
    }
  /* Block is never covered; approve only by an approval (decided "approve", its rules). */
  if (now->action != TACT_ACTION_BLOCK && now->action <= decided && !unseen)
    return TRUE;
  if (why)
    {
      const TactFinding *first = unseen ? unseen : g_ptr_array_index (now->findings, 0);

      switch (now->action)
        {
        case TACT_ACTION_BLOCK:
          /* Translators: a message held in the outbox; %s is the policy rule's title. */
          *why = g_strdup_printf (_("Not sent: checked again before sending, it is now blocked (%s)."), first->title);
          break;
        case TACT_ACTION_APPROVE:
          *why = g_strdup_printf (_("Not sent: checked again before sending, it now needs approval (%s)."), first->title);
          break;
        default:
          *why = g_strdup_printf (_("Not sent: checked again before sending, it now needs your review (%s)."), first->title);
          break;
        }
    }
  return FALSE;
}
