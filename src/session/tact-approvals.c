/* tact-approvals.c: approval routing, both sides (docs/approval-protocol.md). */
#include <glib/gi18n-lib.h>

#include "tact-approvals.h"
#include "tact-send-check-private.h"
#include "tact-session.h"
#include "tact-session-util.h"

#include <glib/gstdio.h>

/* How often pending requests are checked for expiry, in seconds. */
#define EXPIRY_CHECK_S 30

/* ---- TactApprovalRequest ------------------------------------------------------------- */

struct _TactApprovalRequest
{
  GObject parent_instance;

  /* owned */
  char    *id;
  char    *requester;
  char    *text;
  char    *note;
  char    *target_name;
  char    *findings;
  char    *state;
  char    *comment;
  char    *sha256;
  char    *file_name;     /* a file's, or NULL */
  char    *file_url;      /* the copy the approver may open */
  char    *file_sha256;
  gint64   file_size;
  gint64   expires_ts;
  guint    target_members;
  guint    target_external;
  gboolean incoming;
  gboolean hash_ok;
};

G_DEFINE_FINAL_TYPE (TactApprovalRequest, tact_approval_request, G_TYPE_OBJECT)

enum {
  REQ_PROP_0,
  REQ_PROP_STATE,
  REQ_PROP_COMMENT,
  REQ_N_PROPS
};

static GParamSpec *request_properties[REQ_N_PROPS];

static void
tact_approval_request_finalize (GObject *object)
{
  TactApprovalRequest *self = TACT_APPROVAL_REQUEST (object);

  g_free (self->id);
  g_free (self->requester);
  g_free (self->text);
  g_free (self->note);
  g_free (self->target_name);
  g_free (self->findings);
  g_free (self->state);
  g_free (self->comment);
  g_free (self->sha256);
  g_free (self->file_name);
  g_free (self->file_url);
  g_free (self->file_sha256);
  G_OBJECT_CLASS (tact_approval_request_parent_class)->finalize (object);
}

static void
tact_approval_request_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactApprovalRequest *self = TACT_APPROVAL_REQUEST (object);

  switch (prop_id)
    {
    case REQ_PROP_STATE: g_value_set_string (value, self->state); break;
    case REQ_PROP_COMMENT: g_value_set_string (value, self->comment); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_approval_request_class_init (TactApprovalRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tact_approval_request_finalize;
  object_class->get_property = tact_approval_request_get_property;
  request_properties[REQ_PROP_STATE] =
    g_param_spec_string ("state", NULL, NULL, "pending",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  request_properties[REQ_PROP_COMMENT] =
    g_param_spec_string ("comment", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, REQ_N_PROPS, request_properties);
}

static void
tact_approval_request_init (TactApprovalRequest *self)
{
}

const char *tact_approval_request_get_id (TactApprovalRequest *self) { return self->id; }
gboolean tact_approval_request_is_incoming (TactApprovalRequest *self) { return self->incoming; }
const char *tact_approval_request_get_requester (TactApprovalRequest *self) { return self->requester; }
const char *tact_approval_request_get_text (TactApprovalRequest *self) { return self->text; }
const char *tact_approval_request_get_note (TactApprovalRequest *self) { return self->note; }
const char *tact_approval_request_get_target_name (TactApprovalRequest *self) { return self->target_name; }
guint tact_approval_request_get_target_members (TactApprovalRequest *self) { return self->target_members; }
guint tact_approval_request_get_target_external (TactApprovalRequest *self) { return self->target_external; }
const char *tact_approval_request_get_findings (TactApprovalRequest *self) { return self->findings; }
gint64 tact_approval_request_get_expires_ts (TactApprovalRequest *self) { return self->expires_ts; }
const char *tact_approval_request_get_state (TactApprovalRequest *self) { return self->state; }
const char *tact_approval_request_get_comment (TactApprovalRequest *self) { return self->comment; }
gboolean tact_approval_request_get_hash_ok (TactApprovalRequest *self) { return self->hash_ok; }
const char *tact_approval_request_get_sha256 (TactApprovalRequest *self) { return self->sha256; }
const char *tact_approval_request_get_file_name (TactApprovalRequest *self) { return self->file_name; }
gint64 tact_approval_request_get_file_size (TactApprovalRequest *self) { return self->file_size; }

static void
request_set_decision (TactApprovalRequest *self, const char *state, const char *comment)
{
  if (g_strcmp0 (self->state, state) != 0)
    {
      g_free (self->state);
      self->state = g_strdup (state);
      g_object_notify_by_pspec (G_OBJECT (self), request_properties[REQ_PROP_STATE]);
    }
  if (g_strcmp0 (self->comment, comment) != 0)
    {
      g_free (self->comment);
      self->comment = g_strdup (comment);
      g_object_notify_by_pspec (G_OBJECT (self), request_properties[REQ_PROP_COMMENT]);
    }
}

static gint64
json_int (JsonObject *obj, const char *member, gint64 fallback)
{
  gint64 value;

  return tact_json_get_int (obj, member, &value) ? value : fallback;
}

/* The model item for a stored row (its request JSON gives what the page shows). */
static TactApprovalRequest *
request_from_row (const TactStoreApproval *row, gboolean hash_ok)
{
  TactApprovalRequest *self = g_object_new (TACT_TYPE_APPROVAL_REQUEST, NULL);
  g_autoptr(JsonNode) node = row->request_json ? json_from_string (row->request_json, NULL) : NULL;
  JsonObject *request = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  g_autoptr(GString) findings = g_string_new (NULL);

  self->id = g_strdup (row->request_id);
  self->incoming = row->incoming;
  self->requester = g_strdup (row->requester);
  self->note = g_strdup (row->note);
  self->state = g_strdup (row->state ? row->state : "pending");
  self->comment = g_strdup (row->comment);
  self->expires_ts = row->expires_ts;
  self->sha256 = g_strdup (row->sha256);
  self->hash_ok = hash_ok;
  if (request)
    {
      JsonObject *content = tact_json_get_object (request, "content");
      JsonObject *target = tact_json_get_object (request, "target");
      JsonArray *list = tact_json_get_array (request, "findings");

      self->text = g_strdup (content ? tact_json_get_string (content, "body") : NULL);
      if (target)
        {
          self->target_name = g_strdup (tact_json_get_string (target, "name"));
          self->target_members = (guint) MAX (0, json_int (target, "member_count", 0));
          self->target_external = (guint) MAX (0, json_int (target, "external_count", 0));
        }
      {
        JsonArray *attachments = tact_json_get_array (request, "attachments");
        JsonArray *files = tact_json_get_array (request, "files");
        JsonNode *a = attachments && json_array_get_length (attachments) > 0 ? json_array_get_element (attachments, 0) : NULL;
        JsonNode *f = files && json_array_get_length (files) > 0 ? json_array_get_element (files, 0) : NULL;

        if (a && JSON_NODE_HOLDS_OBJECT (a))
          {
            JsonObject *attachment = json_node_get_object (a);
            self->file_name = g_strdup (tact_json_get_string (attachment, "name"));
            self->file_sha256 = g_strdup (tact_json_get_string (attachment, "sha256"));
            self->file_size = json_int (attachment, "size", -1);
            if (!self->text)
              self->text = g_strdup (self->file_name);
          }
        if (f && JSON_NODE_HOLDS_OBJECT (f)
            && g_strcmp0 (tact_json_get_string (json_node_get_object (f), "sha256"), self->file_sha256) == 0)
          self->file_url = g_strdup (tact_json_get_string (json_node_get_object (f), "url"));
      }
      for (guint i = 0; list && i < json_array_get_length (list); i++)
        {
          JsonNode *item = json_array_get_element (list, i);
          JsonObject *finding = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
          const char *title = finding ? tact_json_get_string (finding, "title") : NULL;

          if (title)
            g_string_append_printf (findings, "%s%s", findings->len ? "\n" : "", title);
        }
    }
  self->findings = g_string_free (g_steal_pointer (&findings), FALSE);
  return self;
}

/* ---- TactApprovals --------------------------------------------------------------------- */

struct _TactApprovals
{
  GObject parent_instance;

  /* owned */
  TactMatrixClient *client;
  TactStore        *store;
  TactRoomList     *rooms;
  TactGuard        *guard;
  TactOutbox       *outbox;
  TactAudit        *audit;
  GListStore       *incoming;    /* TactApprovalRequest */
  GListStore       *outgoing;    /* TactApprovalRequest */
  GHashTable       *rows;        /* request id -> TactStoreApproval */
  GHashTable       *items;       /* request id -> TactApprovalRequest (borrowed from the stores) */
  GCancellable     *cancellable;
  guint             expiry_source;
};

G_DEFINE_FINAL_TYPE (TactApprovals, tact_approvals, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PENDING_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tact_approvals_dispose (GObject *object)
{
  TactApprovals *self = TACT_APPROVALS (object);

  tact_approvals_stop (self);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->rooms);
  g_clear_object (&self->guard);
  g_clear_object (&self->outbox);
  g_clear_object (&self->audit);
  g_clear_object (&self->incoming);
  g_clear_object (&self->outgoing);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->items, g_hash_table_unref);
  G_OBJECT_CLASS (tact_approvals_parent_class)->dispose (object);
}

static void
tact_approvals_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_PENDING_COUNT: g_value_set_uint (value, tact_approvals_get_pending_count (TACT_APPROVALS (object))); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_approvals_class_init (TactApprovalsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tact_approvals_dispose;
  object_class->get_property = tact_approvals_get_property;
  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_approvals_init (TactApprovals *self)
{
  self->incoming = g_list_store_new (TACT_TYPE_APPROVAL_REQUEST);
  self->outgoing = g_list_store_new (TACT_TYPE_APPROVAL_REQUEST);
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) tact_store_approval_free);
  self->items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TactApprovals *
tact_approvals_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms, TactGuard *guard,
                    TactOutbox *outbox, TactAudit *audit)
{
  TactApprovals *self = g_object_new (TACT_TYPE_APPROVALS, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->rooms = g_object_ref (rooms);
  self->guard = g_object_ref (guard);
  self->outbox = g_object_ref (outbox);
  self->audit = g_object_ref (audit);
  return self;
}

GListModel *tact_approvals_get_incoming (TactApprovals *self) { return G_LIST_MODEL (self->incoming); }
GListModel *tact_approvals_get_outgoing (TactApprovals *self) { return G_LIST_MODEL (self->outgoing); }

guint
tact_approvals_get_pending_count (TactApprovals *self)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->incoming)); i++)
    {
      g_autoptr(TactApprovalRequest) item = g_list_model_get_item (G_LIST_MODEL (self->incoming), i);
      n += g_strcmp0 (item->state, "pending") == 0;
    }
  return n;
}

static const char *
own_id (TactApprovals *self)
{
  return tact_room_list_get_user_id (self->rooms);
}

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
log_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_approval_save_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not save an approval request", error);
}

/* Keeps row (taken) as the request's state, in memory, in the store and in the models. */
static void
remember (TactApprovals *self, TactStoreApproval *row, gboolean hash_ok)
{
  TactApprovalRequest *item = g_hash_table_lookup (self->items, row->request_id);

  tact_store_approval_save_async (self->store, row, NULL, log_saved_cb, NULL);
  if (item)
    request_set_decision (item, row->state, row->comment);
  else
    {
      g_autoptr(TactApprovalRequest) created = request_from_row (row, hash_ok);

      g_list_store_append (row->incoming ? self->incoming : self->outgoing, created);
      g_hash_table_insert (self->items, g_strdup (row->request_id), created);
    }
  g_hash_table_replace (self->rows, g_strdup (row->request_id), row);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
}

/* ---- Hashes, approvers, names ---------------------------------------------------------- */

char *
tact_approvals_compute_sha256 (JsonObject *content, const char *event_type,
                               const char *target_room_id, JsonArray *attachments)
{
  g_autoptr(JsonObject) covered = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  if (!content || !event_type || !target_room_id)
    return NULL;
  json_object_set_array_member (covered, "attachments",
                                attachments ? json_array_ref (attachments) : json_array_new ());
  json_object_set_object_member (covered, "content", json_object_ref (content));
  json_object_set_string_member (covered, "event_type", event_type);
  json_object_set_string_member (covered, "target_room_id", target_room_id);
  json_node_set_object (node, covered);
  return tact_canonical_json_sha256 (node, NULL);
}

static const TactRule *
find_rule (TactProfile *profile, const char *rule_id)
{
  for (guint i = 0; profile && i < tact_profile_get_n_rules (profile); i++)
    if (g_strcmp0 (tact_rule_get_id (tact_profile_get_rule (profile, i)), rule_id) == 0)
      return tact_profile_get_rule (profile, i);
  return NULL;
}

/* The approvers of every rule in rule_ids (comma-separated) under profile: their intersection. */
static GStrv
approvers_of_rules (TactProfile *profile, const char *rule_ids)
{
  g_auto(GStrv) ids = g_strsplit (rule_ids ? rule_ids : "", ",", -1);
  g_autoptr(GStrvBuilder) result = g_strv_builder_new ();
  g_auto(GStrv) common = NULL;
  gboolean first = TRUE;

  for (guint i = 0; ids[i]; i++)
    {
      const TactRule *rule = *ids[i] ? find_rule (profile, ids[i]) : NULL;
      g_auto(GStrv) approvers = NULL;
      g_autoptr(GStrvBuilder) kept = NULL;

      if (!*ids[i])
        continue;
      if (!rule)
        return g_new0 (char *, 1);   /* a rule the profile no longer has: nobody */
      approvers = tact_rule_dup_approvers (rule);
      if (first)
        {
          common = g_strdupv (approvers);
          first = FALSE;
          continue;
        }
      kept = g_strv_builder_new ();
      for (guint j = 0; common[j]; j++)
        if (g_strv_contains ((const char * const *) approvers, common[j]))
          g_strv_builder_add (kept, common[j]);
      g_strfreev (common);
      common = g_strv_builder_end (kept);
    }
  for (guint j = 0; common && common[j]; j++)
    g_strv_builder_add (result, common[j]);
  return g_strv_builder_end (result);
}

/* The rules of verdict's approve findings, each once, comma-separated. */
static char *
approve_rule_ids (const TactVerdict *verdict)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (finding->action == TACT_ACTION_APPROVE
          && !g_ptr_array_find_with_equal_func (ids, finding->rule_id, g_str_equal, NULL))
        g_ptr_array_add (ids, finding->rule_id);
    }
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (",", (char **) ids->pdata);
}

GStrv
tact_approvals_dup_approvers (TactApprovals *self, const TactVerdict *verdict, GError **error)
{
  g_autofree char *rules = approve_rule_ids (verdict);
  g_auto(GStrv) approvers = NULL;
  g_autoptr(GStrvBuilder) others = g_strv_builder_new ();

  if (!*rules)
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                           _("This message does not need approval."));
      return NULL;
    }
  approvers = approvers_of_rules (tact_guard_get_profile (self->guard), rules);
  /* The requester cannot approve their own message. */
  for (guint i = 0; approvers[i]; i++)
    if (g_strcmp0 (approvers[i], own_id (self)) != 0)
      g_strv_builder_add (others, approvers[i]);
  g_strfreev (g_steal_pointer (&approvers));
  approvers = g_strv_builder_end (others);
  if (approvers[0] == NULL)
    {
      g_set_error (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_APPROVAL,
                   _("Nobody can approve this message: the company policy names no approver for all of its rules (%s). Ask your compliance administrator."),
                   rules);
      return NULL;
    }
  return g_steal_pointer (&approvers);
}

char *
tact_approvals_dup_names (TactApprovals *self, const char * const *user_ids)
{
  GListModel *rooms = tact_room_list_get_model (self->rooms);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; user_ids && user_ids[i]; i++)
    {
      const char *name = user_ids[i];

      for (guint r = 0; r < g_list_model_get_n_items (rooms); r++)
        {
          g_autoptr(TactRoom) room = g_list_model_get_item (rooms, r);
          TactMember *member = tact_room_lookup_member (room, user_ids[i]);
          const char *display = member ? tact_member_get_display_name (member) : NULL;

          if (display && *display)
            {
              name = display;
              break;
            }
        }
      g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_add (names, NULL);
  /* Translators: the separator between approvers' names in "Awaiting approval from A、B". */
  return g_strjoinv (_("、"), (char **) names->pdata);
}

/* ---- Start, stop, expiry ------------------------------------------------------------- */

/* The message awaiting approval for an outgoing row, if its room's timeline shows it. */
static TactMessage *
held_message (TactApprovals *self, const TactStoreApproval *row)
{
  TactRoom *room = tact_room_list_lookup (self->rooms, row->target_room_id);

  return room && row->txn_id ? tact_room_find_by_txn (room, row->txn_id) : NULL;
}

static void
expire_pending (TactApprovals *self, gint64 now)
{
  g_autoptr(GList) rows = g_hash_table_get_values (self->rows);

  for (GList *l = rows; l; l = l->next)
    {
      TactStoreApproval *row = l->data;
      TactStoreApproval *expired;

      if (g_strcmp0 (row->state, "pending") != 0 || row->expires_ts > now)
        continue;
      expired = tact_store_approval_copy (row);
      g_free (expired->state);
      expired->state = g_strdup ("expired");
      if (!expired->incoming)
        {
          tact_outbox_set_note (self->outbox, held_message (self, expired), expired->txn_id,
                                _("Not sent: the approval request expired. Request it again or discard the message."));
          tact_audit_record (self->audit, "approval-expired",
                             tact_room_list_lookup (self->rooms, expired->target_room_id),
                             expired->txn_id, NULL, NULL, NULL, expired->request_id);
        }
      remember (self, expired, TRUE);
    }
}

/* For tests: expiry as if the clock said now (ms). */
void
tact_approvals_check_expiry_at (TactApprovals *self, gint64 now)
{
  expire_pending (self, now);
}

static gboolean
expiry_cb (gpointer user_data)
{
  expire_pending (TACT_APPROVALS (user_data), now_ms ());
  return G_SOURCE_CONTINUE;
}

static gboolean
row_hash_ok (const TactStoreApproval *row)
{
  g_autoptr(JsonNode) node = row->request_json ? json_from_string (row->request_json, NULL) : NULL;
  JsonObject *request = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonObject *target = request ? tact_json_get_object (request, "target") : NULL;
  g_autofree char *sha = NULL;

  if (!request)
    return !row->incoming;   /* our own rows are checked against the outbox copy instead */
  sha = tact_approvals_compute_sha256 (tact_json_get_object (request, "content"),
                                       tact_json_get_string (request, "event_type"),
                                       target ? tact_json_get_string (target, "room_id") : NULL,
                                       tact_json_get_array (request, "attachments"));
  return sha && g_strcmp0 (sha, row->sha256) == 0;
}

static void
approvals_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactApprovals) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tact_store_approval_list_finish (TACT_STORE (source), result, &error);

  if (!rows)
    {
      tact_session_log_store_error ("Could not read the approval requests", error);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      TactStoreApproval *row = g_ptr_array_index (rows, i);
      g_autoptr(TactApprovalRequest) item = NULL;

      if (g_hash_table_contains (self->rows, row->request_id))
        continue;   /* came from a sync meanwhile */
      item = request_from_row (row, row_hash_ok (row));
      g_list_store_append (row->incoming ? self->incoming : self->outgoing, item);
      g_hash_table_insert (self->items, g_strdup (row->request_id), item);
      g_hash_table_insert (self->rows, g_strdup (row->request_id), tact_store_approval_copy (row));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
  expire_pending (self, now_ms ());
}

void
tact_approvals_start (TactApprovals *self)
{
  if (self->cancellable)
    return;
  self->cancellable = g_cancellable_new ();
  tact_store_approval_list_async (self->store, self->cancellable, approvals_listed_cb, g_object_ref (self));
  self->expiry_source = g_timeout_add_seconds (EXPIRY_CHECK_S, expiry_cb, self);
}

void
tact_approvals_stop (TactApprovals *self)
{
  g_clear_handle_id (&self->expiry_source, g_source_remove);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

/* ---- The requester: a request ---------------------------------------------------------- */

typedef struct {
  TactRoom      *room;        /* owned ref: the target room */
  TactSendCheck *check;       /* owned */
  char          *note;
  GStrv          approvers;
  char          *rule_ids;    /* the approve-rules */
} RequestState;

static void
request_state_free (RequestState *state)
{
  g_clear_object (&state->room);
  g_clear_pointer (&state->check, tact_send_check_unref);
  g_free (state->note);
  g_strfreev (state->approvers);
  g_free (state->rule_ids);
  g_free (state);
}

static char *
approval_room_key (const char * const *approvers)
{
  g_auto(GStrv) sorted = g_strdupv ((char **) approvers);
  g_autofree char *joined = NULL;

  qsort (sorted, g_strv_length (sorted), sizeof (char *), (GCompareFunc) g_strcmp0);
  joined = g_strjoinv (",", sorted);
  return g_strconcat ("approval-room:", joined, NULL);
}

static JsonArray *
strv_to_array (const char * const *strv)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strv && strv[i]; i++)
    json_array_add_string_element (array, strv[i]);
  return array;
}

/* The room is known and holds anyone but the requester and the approvers, or an outsider. */
static gboolean
room_audience_is_wrong (TactApprovals *self, const char *room_id, const char * const *approvers)
{
  TactRoom *room = tact_room_list_lookup (self->rooms, room_id);
  GListModel *members = room ? tact_room_get_members (room) : NULL;

  if (!room)
    return FALSE;   /* just created with exactly these invites */
  if (tact_room_get_external_count (room) > 0)
    return TRUE;
  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr(TactMember) member = g_list_model_get_item (members, i);
      const char *membership = tact_member_get_membership (member);
      const char *user_id = tact_member_get_user_id (member);

      if ((g_strcmp0 (membership, "join") == 0 || g_strcmp0 (membership, "invite") == 0)
          && g_strcmp0 (user_id, own_id (self)) != 0 && !g_strv_contains (approvers, user_id))
        return TRUE;
    }
  return FALSE;
}

/* The request event's findings: per rule, its title, clauses, action and masked excerpts. */
static JsonArray *
findings_array (const TactVerdict *verdict)
{
  JsonArray *array = json_array_new ();
  g_autoptr(GHashTable) by_rule = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      JsonObject *entry = g_hash_table_lookup (by_rule, finding->rule_id);
      g_autofree char *excerpt = tact_finding_dup_excerpt (finding);

      if (!entry)
        {
          entry = json_object_new ();
          json_object_set_string_member (entry, "rule_id", finding->rule_id);
          json_object_set_string_member (entry, "title", finding->title);
          json_object_set_array_member (entry, "clauses", strv_to_array ((const char * const *) finding->clauses));
          json_object_set_string_member (entry, "action", tact_action_to_string (finding->action));
          json_object_set_array_member (entry, "excerpts", json_array_new ());
          json_array_add_object_element (array, entry);
          g_hash_table_insert (by_rule, finding->rule_id, entry);
        }
      json_array_add_string_element (json_object_get_array_member (entry, "excerpts"), excerpt);
    }
  return array;
}

static void compose_request (TactApprovals *self, GTask *task, const char *approvals_room,
                             const char *preview_url);

typedef struct {
  GTask *task;              /* owned */
  char  *approvals_room;
} PreviewState;

static void
preview_uploaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PreviewState *preview = user_data;
  g_autoptr(GTask) task = preview->task;
  g_autofree char *room = preview->approvals_room;
  GError *error = NULL;
  g_autofree char *mxc = tact_matrix_client_upload_finish (TACT_MATRIX_CLIENT (source), result, &error);

  g_free (preview);
  if (!mxc)
    {
      g_prefix_error (&error, _("The file could not be shown to the approver: "));
      g_task_return_error (task, error);
      return;
    }
  {
    TactApprovals *self = g_task_get_source_object (task);   /* before the task is handed over */
    compose_request (self, g_steal_pointer (&task), room, mxc);
  }
}

static void
post_request (TactApprovals *self, GTask *task_in, const char *approvals_room)
{
  g_autoptr(GTask) task = task_in;
  RequestState *state = g_task_get_task_data (task);
  TactSendCheck *check = state->check;
  g_autoptr(GError) error = NULL;

  if (room_audience_is_wrong (self, approvals_room, (const char * const *) state->approvers))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               _("The approvals room has members other than you and your approvers, so the request was not posted. Ask your administrator to check the approvals room."));
      return;
    }
  if (!tact_guard_confirm (self->guard, state->room, check, NULL, &error)
      && !g_error_matches (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NEEDS_APPROVAL))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (check->kind == TACT_SEND_KIND_FILE)
    {
      /* The approver must see the file: a copy goes to the company's media repository (only the
       * request's members learn its URI); its hash is what the request covers. */
      PreviewState *preview = g_new0 (PreviewState, 1);

      preview->task = g_steal_pointer (&task);
      preview->approvals_room = g_strdup (approvals_room);
      tact_matrix_client_upload_async (self->client, check->bytes, check->mime_type, check->file_name,
                                       g_task_get_cancellable (preview->task), preview_uploaded_cb,
                                       preview);
      return;
    }
  compose_request (self, g_steal_pointer (&task), approvals_room, NULL);
}

static void
compose_request (TactApprovals *self, GTask *task_in, const char *approvals_room,
                 const char *preview_url)
{
  g_autoptr(GTask) task = task_in;
  RequestState *state = g_task_get_task_data (task);
  TactSendCheck *check = state->check;
  TactProfile *profile = tact_guard_get_profile (self->guard);
  g_autoptr(JsonNode) content = NULL;
  g_autoptr(JsonObject) hashed_content = NULL;
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonArray) attachments = json_array_new ();
  JsonObject *target = json_object_new ();
  g_autofree char *request_id = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *names = NULL;
  g_autofree char *note_text = NULL;
  g_autofree char *approvers_csv = NULL;
  g_autofree char *txn_id = NULL;
  JsonArray *files = NULL;
  TactStoreApproval *row;
  TactOutboxEntry *entry;
  TactMessage *echo;
  gint64 expires;

  if (check->kind == TACT_SEND_KIND_FILE)
    {
      g_autofree char *copy = tact_send_dup_outbox_media_path (check->txn_id);
      g_autofree char *digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, check->bytes);
      JsonObject *attachment = json_object_new ();
      JsonObject *file = json_object_new ();

      /* The staged copy becomes the held one (what the decision releases). */
      if (!check->staged_path || g_rename (check->staged_path, copy) != 0)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                   _("Could not keep a copy of the file to send."));
          return;
        }
      g_clear_pointer (&check->staged_path, g_free);
      txn_id = g_strdup (check->txn_id);
      content = tact_send_content_file (check->file_name, check->mime_type,
                                        g_bytes_get_size (check->bytes), copy);
      json_object_set_string_member (attachment, "name", check->file_name);
      json_object_set_string_member (attachment, "mimetype", check->mime_type);
      json_object_set_int_member (attachment, "size", (gint64) g_bytes_get_size (check->bytes));
      json_object_set_string_member (attachment, "sha256", digest);
      json_array_add_object_element (attachments, attachment);
      files = json_array_new ();
      json_object_set_string_member (file, "sha256", digest);
      json_object_set_string_member (file, "url", preview_url);
      json_array_add_object_element (files, file);
    }
  else
    {
      txn_id = tact_session_new_txn_id ();
      content = tact_send_content_text (check->text);
    }
  /* What is hashed and shown: the content as it will be sent, without the private local path. */
  {
    /* A deep copy (json_node_copy shares the object): the held content keeps its local path. */
    g_autofree char *json = json_to_string (content, FALSE);
    g_autoptr(JsonNode) copy = json_from_string (json, NULL);

    hashed_content = json_object_ref (json_node_get_object (copy));
    json_object_remove_member (hashed_content, TACT_SEND_LOCAL_PATH_KEY);
  }
  sha = tact_approvals_compute_sha256 (hashed_content, "m.room.message", check->room_id, attachments);
  if (!sha)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("This message cannot be sent for approval (its content cannot be hashed)."));
      return;
    }
  {
    g_autofree char *uuid = g_uuid_string_random ();
    request_id = g_strconcat ("tact-approval-", uuid, NULL);
  }
  expires = now_ms () + (gint64) (profile ? tact_profile_get_approval_expiry_hours (profile) : 72) * 3600 * 1000;
  names = tact_approvals_dup_names (self, (const char * const *) state->approvers);
  /* Translators: shown with a message held for approval; %s: the approvers' names. */
  note_text = g_strdup_printf (_("Awaiting approval from %s"), names);

  /* The message waits in the outbox; the decision releases it. */
  entry = g_new0 (TactOutboxEntry, 1);
  entry->txn_id = g_steal_pointer (&txn_id);
  entry->state = TACT_SEND_STATE_AWAITING_APPROVAL;
  entry->error = g_strdup (note_text);
  echo = tact_outbox_add (self->outbox, state->room, entry, content, NULL, check->verdict,
                          check->kind == TACT_SEND_KIND_FILE ? check->file_name : check->text);
  if (check->kind == TACT_SEND_KIND_FILE)
    tact_message_set_media (echo, tact_send_file_msgtype (check->mime_type), NULL, check->mime_type,
                            (gint64) g_bytes_get_size (check->bytes));
  check->sent = TRUE;

  json_object_set_string_member (target, "room_id", check->room_id);
  json_object_set_string_member (target, "name", tact_room_get_display_name (state->room));
  json_object_set_int_member (target, "member_count", check->audience.member_count);
  json_object_set_int_member (target, "external_count", check->audience.external_count);
  json_object_set_string_member (target, "kind", tact_room_kind_to_string (check->audience.room_kind));
  json_object_set_string_member (request, "request_id", request_id);
  json_object_set_string_member (request, "txn_id", tact_message_get_txn_id (echo));
  json_object_set_object_member (request, "target", target);
  json_object_set_string_member (request, "event_type", "m.room.message");
  json_object_set_object_member (request, "content", json_object_ref (hashed_content));
  json_object_set_array_member (request, "attachments", json_array_ref (attachments));
  if (files)
    json_object_set_array_member (request, "files", files);
  json_object_set_array_member (request, "findings", findings_array (check->verdict));
  json_object_set_array_member (request, "approvers", strv_to_array ((const char * const *) state->approvers));
  json_object_set_string_member (request, "note", state->note ? state->note : "");
  json_object_set_int_member (request, "expires_ts", expires);
  if (profile)
    {
      JsonObject *profile_info = json_object_new ();
      json_object_set_string_member (profile_info, "id", tact_profile_get_id (profile));
      json_object_set_string_member (profile_info, "version", tact_profile_get_version (profile));
      json_object_set_object_member (request, "profile", profile_info);
    }
  json_object_set_string_member (request, "sha256", sha);

  approvers_csv = g_strjoinv (",", state->approvers);
  row = g_new0 (TactStoreApproval, 1);
  row->request_id = g_strdup (request_id);
  row->txn_id = g_strdup (tact_message_get_txn_id (echo));
  row->room_id = g_strdup (approvals_room);
  row->target_room_id = g_strdup (check->room_id);
  row->sha256 = g_strdup (sha);
  row->approvers = g_strdup (approvers_csv);
  row->rule_ids = g_strdup (state->rule_ids);
  row->requester = g_strdup (own_id (self));
  row->note = g_strdup (state->note);
  {
    g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
    json_node_set_object (node, request);
    row->request_json = json_to_string (node, FALSE);
  }
  row->expires_ts = expires;
  row->state = g_strdup ("pending");
  row->created = now_ms ();
  remember (self, row, TRUE);

  tact_outbox_add_protocol (self->outbox, approvals_room, TACT_APPROVAL_REQUEST_TYPE, request);
  tact_audit_record (self->audit, "approval-requested", state->room, tact_message_get_txn_id (echo),
                     check->verdict, check->kind == TACT_SEND_KIND_FILE ? check->file_name : check->text,
                     NULL, state->note);
  g_task_return_pointer (task, g_object_ref (echo), g_object_unref);
}

static void
request_room_created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactApprovals *self = g_task_get_source_object (task);
  RequestState *state = g_task_get_task_data (task);
  GError *error = NULL;
  g_autofree char *room_id = tact_matrix_client_create_room_finish (TACT_MATRIX_CLIENT (source), result, &error);
  g_autofree char *key = NULL;

  if (!room_id)
    {
      g_task_return_error (task, error);
      return;
    }
  key = approval_room_key ((const char * const *) state->approvers);
  tact_store_set_meta_async (self->store, key, room_id, NULL, NULL, NULL);
  post_request (self, g_steal_pointer (&task), room_id);
}

static void
create_approvals_room (TactApprovals *self, GTask *task)
{
  RequestState *state = g_task_get_task_data (task);
  g_autoptr(JsonObject) body = json_object_new ();
  JsonObject *creation = json_object_new ();
  JsonArray *initial = json_array_new ();
  JsonObject *visibility = json_object_new ();
  JsonObject *visibility_content = json_object_new ();
  JsonObject *marker = json_object_new ();
  JsonObject *marker_content = json_object_new ();

  json_object_set_string_member (body, "preset", "private_chat");
  /* Translators: the name of the room where approval requests go. */
  json_object_set_string_member (body, "name", _("Approval requests"));
  json_object_set_array_member (body, "invite", strv_to_array ((const char * const *) state->approvers));
  json_object_set_boolean_member (creation, "m.federate", FALSE);
  json_object_set_object_member (body, "creation_content", creation);
  json_object_set_string_member (visibility_content, "history_visibility", "invited");
  json_object_set_string_member (visibility, "type", "m.room.history_visibility");
  json_object_set_string_member (visibility, "state_key", "");
  json_object_set_object_member (visibility, "content", visibility_content);
  json_array_add_object_element (initial, visibility);
  json_object_set_string_member (marker_content, "requester", own_id (self));
  json_object_set_array_member (marker_content, "approvers", strv_to_array ((const char * const *) state->approvers));
  json_object_set_string_member (marker, "type", TACT_APPROVAL_ROOM_TYPE);
  json_object_set_string_member (marker, "state_key", "");
  json_object_set_object_member (marker, "content", marker_content);
  json_array_add_object_element (initial, marker);
  json_object_set_array_member (body, "initial_state", initial);
  tact_matrix_client_create_room_async (self->client, body, g_task_get_cancellable (task),
                                        request_room_created_cb, task);
}

static void
approvals_room_joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autofree char *room_id = tact_matrix_client_join_finish (TACT_MATRIX_CLIENT (source), result, &error);

  if (!room_id)
    {
      g_prefix_error (&error, _("The company’s approvals room could not be joined: "));
      g_task_return_error (task, error);
      return;
    }
  {
    TactApprovals *self = g_task_get_source_object (task);   /* before the task is handed over */
    post_request (self, g_steal_pointer (&task), room_id);
  }
}

static void
room_key_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactApprovals *self = g_task_get_source_object (task);
  g_autofree char *room_id = tact_store_get_meta_finish (TACT_STORE (source), result, NULL);
  TactRoom *room = room_id ? tact_room_list_lookup (self->rooms, room_id) : NULL;

  /* Reused while we are in it; otherwise a new one. */
  if (room_id && (!room || g_strcmp0 (tact_room_get_membership (room), "join") == 0))
    post_request (self, g_steal_pointer (&task), room_id);
  else
    create_approvals_room (self, g_steal_pointer (&task));
}

void
tact_approvals_request_async (TactApprovals *self, TactRoom *room, TactSendCheck *check,
                              const char *note, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  TactProfile *profile;
  RequestState *state;
  const char *shared_room;

  g_return_if_fail (TACT_IS_APPROVALS (self));
  g_return_if_fail (TACT_IS_ROOM (room));
  g_return_if_fail (check != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_approvals_request_async);
  if ((check->kind != TACT_SEND_KIND_TEXT && check->kind != TACT_SEND_KIND_FILE)
      || check->verdict->action != TACT_ACTION_APPROVE
      || check->sent || !tact_guard_check_holds (self->guard, room, check))
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                               _("This message cannot be sent for approval as it is. Check it again."));
      return;
    }
  state = g_new0 (RequestState, 1);
  state->room = g_object_ref (room);
  state->check = tact_send_check_ref (check);
  state->note = note && *note ? g_strstrip (g_strdup (note)) : NULL;
  state->rule_ids = approve_rule_ids (check->verdict);
  g_task_set_task_data (task, state, (GDestroyNotify) request_state_free);
  state->approvers = tact_approvals_dup_approvers (self, check->verdict, &error);
  if (!state->approvers)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  profile = tact_guard_get_profile (self->guard);
  shared_room = profile ? tact_profile_get_approvals_room (profile) : NULL;
  if (shared_room)
    {
      tact_matrix_client_join_async (self->client, shared_room, cancellable, approvals_room_joined_cb,
                                     g_steal_pointer (&task));
      return;
    }
  {
    g_autofree char *key = approval_room_key ((const char * const *) state->approvers);
    tact_store_get_meta_async (self->store, key, cancellable, room_key_loaded_cb, g_steal_pointer (&task));
  }
}

TactMessage *
tact_approvals_request_finish (TactApprovals *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tact_approvals_cancel (TactApprovals *self, const char *txn_id)
{
  g_autoptr(GList) rows = g_hash_table_get_values (self->rows);

  for (GList *l = rows; l; l = l->next)
    {
      TactStoreApproval *row = l->data;

      if (!row->incoming && g_strcmp0 (row->txn_id, txn_id) == 0 && g_strcmp0 (row->state, "pending") == 0)
        {
          TactStoreApproval *cancelled = tact_store_approval_copy (row);
          g_free (cancelled->state);
          cancelled->state = g_strdup ("cancelled");
          tact_audit_record (self->audit, "approval-cancelled",
                             tact_room_list_lookup (self->rooms, cancelled->target_room_id),
                             txn_id, NULL, NULL, NULL, cancelled->request_id);
          remember (self, cancelled, TRUE);
          return;
        }
    }
}

/* ---- The requester: a decision arrives --------------------------------------------------- */

/* Why a decision is not acted on, or NULL when it passes every check of the protocol. */
static const char *
decision_refusal (TactApprovals *self, TactRoom *room, const TactEvent *event,
                  const TactStoreApproval *row, const char *decision)
{
  const char *sha = tact_json_get_string (event->content, "sha256");
  g_auto(GStrv) approvers = g_strsplit (row->approvers, ",", -1);
  g_auto(GStrv) approvers_now = approvers_of_rules (tact_guard_get_profile (self->guard), row->rule_ids);
  const TactOutboxEntry *held = tact_outbox_lookup_awaiting (self->outbox, row->txn_id);

  if (g_strcmp0 (tact_room_get_id (room), row->room_id) != 0)
    return "another room";
  if (g_strcmp0 (row->state, "pending") != 0)
    return "already decided (a replay)";
  if (g_strcmp0 (sha, row->sha256) != 0)
    return "hash mismatch";
  if (!g_strv_contains ((const char * const *) approvers, event->sender)
      || !g_strv_contains ((const char * const *) approvers_now, event->sender))
    return "not an approver";
  if (event->origin_server_ts > row->expires_ts || now_ms () > row->expires_ts)
    return "expired";
  if (g_strcmp0 (decision, "approve") != 0 && g_strcmp0 (decision, "reject") != 0
      && g_strcmp0 (decision, "return") != 0)
    return "unknown decision";
  if (!held)
    return "no message is waiting";
  /* The held copy must still be what the approver saw (a file's bytes are checked too, off the
   * main thread, before it is released). */
  {
    g_autoptr(JsonNode) content = json_from_string (held->content_json, NULL);
    g_autoptr(JsonNode) request = row->request_json ? json_from_string (row->request_json, NULL) : NULL;
    JsonArray *attachments = request && JSON_NODE_HOLDS_OBJECT (request)
      ? tact_json_get_array (json_node_get_object (request), "attachments") : NULL;
    g_autofree char *now = NULL;

    if (!content || !JSON_NODE_HOLDS_OBJECT (content))
      return "the held copy changed";
    json_object_remove_member (json_node_get_object (content), TACT_SEND_LOCAL_PATH_KEY);
    now = tact_approvals_compute_sha256 (json_node_get_object (content), held->type,
                                         row->target_room_id, attachments);
    if (g_strcmp0 (now, row->sha256) != 0)
      return "the held copy changed";
  }
  return NULL;
}

/* Sent unchanged, judged again before the request: the approval covers its rules. */
static void
release_approved (TactApprovals *self, const TactStoreApproval *decided, TactMessage *message)
{
  const TactOutboxEntry *held = tact_outbox_lookup_awaiting (self->outbox, decided->txn_id);
  g_autofree char *rule_ids = held ? g_strdup (held->rule_ids) : NULL;

  if (!held)
    return;
  tact_outbox_release_decided (self->outbox, decided->txn_id, message, "approve", rule_ids, NULL);
  tact_audit_record (self->audit, "approval-approved",
                     tact_room_list_lookup (self->rooms, decided->target_room_id),
                     decided->txn_id, NULL, NULL, NULL, decided->comment);
}

typedef struct {
  TactStoreApproval *row;       /* owned copy */
  TactMessage       *message;   /* owned ref, may be NULL */
  char              *path;
  char              *expected;  /* the attachment's sha256 */
} VerifyState;

static void
verify_state_free (VerifyState *state)
{
  tact_store_approval_free (state->row);
  g_clear_object (&state->message);
  g_free (state->path);
  g_free (state->expected);
  g_free (state);
}

static void
verify_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  VerifyState *state = task_data;
  g_autoptr(GFile) file = g_file_new_for_path (state->path);
  g_autoptr(GBytes) bytes = g_file_load_bytes (file, cancellable, NULL, NULL);
  g_autofree char *digest = bytes ? g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes) : NULL;

  g_task_return_boolean (task, digest && g_strcmp0 (digest, state->expected) == 0);
}

static void
verified_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TactApprovals *self = TACT_APPROVALS (source);
  VerifyState *state = g_task_get_task_data (G_TASK (result));

  if (g_task_propagate_boolean (G_TASK (result), NULL))
    release_approved (self, state->row, state->message);
  else
    {
      g_message ("Ignored an approval decision: the held file changed");
      tact_outbox_set_note (self->outbox, state->message, state->row->txn_id,
                            _("Not sent: the file changed after it was sent for approval. Discard it and send it again."));
      tact_audit_record (self->audit, "approval-decision-ignored",
                         tact_room_list_lookup (self->rooms, state->row->target_room_id),
                         state->row->txn_id, NULL, NULL, NULL, "the held file changed");
    }
}

static void
verify_file_then_release (TactApprovals *self, const TactStoreApproval *row, TactMessage *message,
                          const char *path)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, verified_cb, NULL);
  VerifyState *state = g_new0 (VerifyState, 1);
  g_autoptr(JsonNode) request = row->request_json ? json_from_string (row->request_json, NULL) : NULL;
  JsonArray *attachments = request ? tact_json_get_array (json_node_get_object (request), "attachments") : NULL;
  JsonNode *first = attachments && json_array_get_length (attachments) > 0
                    ? json_array_get_element (attachments, 0) : NULL;

  state->row = tact_store_approval_copy (row);
  state->message = message ? g_object_ref (message) : NULL;
  state->path = g_strdup (path);
  state->expected = g_strdup (first && JSON_NODE_HOLDS_OBJECT (first)
                              ? tact_json_get_string (json_node_get_object (first), "sha256") : NULL);
  g_task_set_task_data (task, state, (GDestroyNotify) verify_state_free);
  g_task_run_in_thread (task, verify_thread);
}

static void
handle_decision (TactApprovals *self, TactRoom *room, const TactEvent *event)
{
  const char *request_id = tact_json_get_string (event->content, "request_id");
  const char *decision = tact_json_get_string (event->content, "decision");
  const char *comment = tact_json_get_string (event->content, "comment");
  TactStoreApproval *row = request_id ? g_hash_table_lookup (self->rows, request_id) : NULL;
  TactStoreApproval *decided;
  TactMessage *message;
  const char *refusal;
  g_autofree char *who = NULL;

  if (!row)
    return;   /* not ours, nor one we know */
  if (row->incoming)
    {
      /* Our own decision (from this or another device) coming back. */
      if (g_strcmp0 (event->sender, own_id (self)) == 0 && g_strcmp0 (row->state, "pending") == 0
          && g_strcmp0 (tact_json_get_string (event->content, "sha256"), row->sha256) == 0)
        {
          decided = tact_store_approval_copy (row);
          g_free (decided->state);
          decided->state = g_strdup (g_strcmp0 (decision, "approve") == 0 ? "approved"
                                     : g_strcmp0 (decision, "reject") == 0 ? "rejected" : "returned");
          g_free (decided->comment);
          decided->comment = g_strdup (comment);
          remember (self, decided, TRUE);
        }
      return;
    }
  if (g_strcmp0 (row->decision_event_id, event->event_id) == 0)
    return;   /* the same event again (a sync repeated): already acted on */
  refusal = decision_refusal (self, room, event, row, decision);
  if (refusal)
    {
      g_message ("Ignored an approval decision: %s", refusal);
      tact_audit_record (self->audit, "approval-decision-ignored",
                         tact_room_list_lookup (self->rooms, row->target_room_id), row->txn_id,
                         NULL, NULL, NULL, refusal);
      return;
    }

  decided = tact_store_approval_copy (row);
  g_free (decided->decided_by);
  decided->decided_by = g_strdup (event->sender);
  g_free (decided->decision_event_id);
  decided->decision_event_id = g_strdup (event->event_id);
  g_free (decided->comment);
  decided->comment = g_strdup (comment);
  g_free (decided->state);
  message = held_message (self, decided);
  {
    const char * const names_in[] = { event->sender, NULL };
    who = tact_approvals_dup_names (self, names_in);
  }
  if (g_strcmp0 (decision, "approve") == 0)
    {
      const TactOutboxEntry *held = tact_outbox_lookup_awaiting (self->outbox, decided->txn_id);
      g_autoptr(JsonNode) content = json_from_string (held->content_json, NULL);
      const char *local = content ? tact_json_get_string (json_node_get_object (content), TACT_SEND_LOCAL_PATH_KEY) : NULL;

      decided->state = g_strdup ("approved");
      if (local)
        {
          /* A file: its bytes must still be those the approver saw. */
          verify_file_then_release (self, decided, message, local);
          remember (self, decided, TRUE);
          return;
        }
      release_approved (self, decided, message);
    }
  else
    {
      g_autofree char *note = NULL;
      gboolean rejected = g_strcmp0 (decision, "reject") == 0;

      decided->state = g_strdup (rejected ? "rejected" : "returned");
      if (rejected)
        /* Translators: %s: the approver's name, then their comment. */
        note = g_strdup_printf (_("Not sent: rejected by %s: %s"), who, comment ? comment : "");
      else
        note = g_strdup_printf (_("Not sent: returned for edit by %s: %s"), who, comment ? comment : "");
      tact_outbox_set_note (self->outbox, message, decided->txn_id, note);
      tact_audit_record (self->audit, rejected ? "approval-rejected" : "approval-returned",
                         tact_room_list_lookup (self->rooms, decided->target_room_id),
                         decided->txn_id, NULL, NULL, NULL, comment);
    }
  remember (self, decided, TRUE);
}

/* ---- The approver: a request arrives, and our decision ------------------------------------- */

static void
handle_request (TactApprovals *self, TactRoom *room, const TactEvent *event)
{
  const char *request_id = tact_json_get_string (event->content, "request_id");
  JsonArray *approvers = tact_json_get_array (event->content, "approvers");
  JsonObject *target = tact_json_get_object (event->content, "target");
  JsonArray *findings = tact_json_get_array (event->content, "findings");
  g_autoptr(GPtrArray) approver_ids = g_ptr_array_new ();
  g_autoptr(GPtrArray) rule_ids = g_ptr_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *computed = NULL;
  TactStoreApproval *row;
  TactStoreApproval *known = request_id ? g_hash_table_lookup (self->rows, request_id) : NULL;
  gboolean hash_ok;

  if (!request_id || !approvers)
    return;
  if (known)
    {
      /* Our own request came back: its event id is what decisions refer to. */
      if (!known->incoming && !known->event_id && g_strcmp0 (event->sender, own_id (self)) == 0)
        {
          TactStoreApproval *posted = tact_store_approval_copy (known);
          posted->event_id = g_strdup (event->event_id);
          remember (self, posted, TRUE);
        }
      return;
    }
  if (g_strcmp0 (event->sender, own_id (self)) == 0)
    return;
  for (guint i = 0; i < json_array_get_length (approvers); i++)
    {
      JsonNode *id = json_array_get_element (approvers, i);
      if (JSON_NODE_HOLDS_VALUE (id) && json_node_get_value_type (id) == G_TYPE_STRING)
        g_ptr_array_add (approver_ids, (gpointer) json_node_get_string (id));
    }
  g_ptr_array_add (approver_ids, NULL);
  if (!g_strv_contains ((const char * const *) approver_ids->pdata, own_id (self)))
    return;   /* not addressed to us */
  for (guint i = 0; findings && i < json_array_get_length (findings); i++)
    {
      JsonNode *item = json_array_get_element (findings, i);
      const char *rule = JSON_NODE_HOLDS_OBJECT (item) ? tact_json_get_string (json_node_get_object (item), "rule_id") : NULL;
      if (rule)
        g_ptr_array_add (rule_ids, (gpointer) rule);
    }
  g_ptr_array_add (rule_ids, NULL);

  computed = tact_approvals_compute_sha256 (tact_json_get_object (event->content, "content"),
                                            tact_json_get_string (event->content, "event_type"),
                                            target ? tact_json_get_string (target, "room_id") : NULL,
                                            tact_json_get_array (event->content, "attachments"));
  hash_ok = computed && g_strcmp0 (computed, tact_json_get_string (event->content, "sha256")) == 0;
  json_node_set_object (node, event->content);

  row = g_new0 (TactStoreApproval, 1);
  row->request_id = g_strdup (request_id);
  row->incoming = TRUE;
  row->room_id = g_strdup (tact_room_get_id (room));
  row->event_id = g_strdup (event->event_id);
  row->target_room_id = g_strdup (target ? tact_json_get_string (target, "room_id") : NULL);
  row->sha256 = g_strdup (tact_json_get_string (event->content, "sha256"));
  if (!row->sha256)
    row->sha256 = g_strdup ("");
  row->approvers = g_strjoinv (",", (char **) approver_ids->pdata);
  row->rule_ids = g_strjoinv (",", (char **) rule_ids->pdata);
  row->requester = g_strdup (event->sender);
  row->note = g_strdup (tact_json_get_string (event->content, "note"));
  row->request_json = json_to_string (node, FALSE);
  row->expires_ts = json_int (event->content, "expires_ts", 0);
  row->state = g_strdup (row->expires_ts > now_ms () ? "pending" : "expired");
  row->created = event->origin_server_ts;
  remember (self, row, hash_ok);
}

gboolean
tact_approvals_decide (TactApprovals *self, TactApprovalRequest *request, const char *decision,
                       const char *comment, GError **error)
{
  TactStoreApproval *row = g_hash_table_lookup (self->rows, tact_approval_request_get_id (request));
  TactStoreApproval *decided;
  g_autoptr(JsonObject) content = json_object_new ();
  JsonObject *relates = json_object_new ();
  g_autofree char *stripped = comment ? g_strstrip (g_strdup (comment)) : NULL;

  g_return_val_if_fail (TACT_IS_APPROVALS (self), FALSE);

  if (!row || !row->incoming || g_strcmp0 (row->state, "pending") != 0)
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                           _("This request is no longer waiting for a decision."));
      return FALSE;
    }
  if (row->expires_ts <= now_ms ())
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE,
                           _("This request has expired."));
      return FALSE;
    }
  if (g_strcmp0 (decision, "approve") == 0 && !request->hash_ok)
    {
      g_set_error_literal (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED,
                           _("This request’s content does not match its fingerprint: it may have been tampered with, so it cannot be approved."));
      return FALSE;
    }
  json_object_set_string_member (content, "request_id", row->request_id);
  json_object_set_string_member (content, "sha256", row->sha256);
  json_object_set_string_member (content, "decision", decision);
  json_object_set_string_member (content, "comment", stripped ? stripped : "");
  if (row->event_id)
    {
      json_object_set_string_member (relates, "rel_type", "m.reference");
      json_object_set_string_member (relates, "event_id", row->event_id);
      json_object_set_object_member (content, "m.relates_to", relates);
    }
  else
    json_object_unref (relates);
  tact_outbox_add_protocol (self->outbox, row->room_id, TACT_APPROVAL_DECISION_TYPE, content);

  decided = tact_store_approval_copy (row);
  g_free (decided->state);
  decided->state = g_strdup (g_strcmp0 (decision, "approve") == 0 ? "approved"
                             : g_strcmp0 (decision, "reject") == 0 ? "rejected" : "returned");
  g_free (decided->comment);
  decided->comment = g_strdup (stripped);
  decided->decided_by = g_strdup (own_id (self));
  tact_audit_record (self->audit, g_strcmp0 (decision, "approve") == 0 ? "approval-given"
                                  : g_strcmp0 (decision, "reject") == 0 ? "approval-refused"
                                  : "approval-returned-for-edit",
                     tact_room_list_lookup (self->rooms, row->room_id), NULL, NULL, NULL, NULL,
                     decided->request_id);
  remember (self, decided, TRUE);
  return TRUE;
}

static void
preview_downloaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactApprovalRequest *request = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) bytes = tact_matrix_client_download_finish (TACT_MATRIX_CLIENT (source), result, NULL, &error);
  g_autofree char *digest = NULL;

  if (!bytes)
    {
      g_task_return_error (task, error);
      return;
    }
  /* What the approver opens must be what the request's hash covers. */
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  if (g_strcmp0 (digest, request->file_sha256) != 0)
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED,
                               _("The file on the server is not the one this request is about: it may have been tampered with."));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

void
tact_approvals_download_file_async (TactApprovals *self, TactApprovalRequest *request,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_approvals_download_file_async);
  g_task_set_task_data (task, g_object_ref (request), g_object_unref);
  if (!request->file_url || !request->file_sha256)
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_NO_MEDIA,
                               _("This request has no file to open."));
      return;
    }
  tact_matrix_client_download_async (self->client, request->file_url, cancellable,
                                     preview_downloaded_cb, g_steal_pointer (&task));
}

GBytes *
tact_approvals_download_file_finish (TactApprovals *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tact_approvals_handle_event (TactApprovals *self, TactRoom *room, const TactEvent *event)
{
  if (g_strcmp0 (event->type, TACT_APPROVAL_REQUEST_TYPE) == 0)
    handle_request (self, room, event);
  else if (g_strcmp0 (event->type, TACT_APPROVAL_DECISION_TYPE) == 0)
    handle_decision (self, room, event);
}
