/* tact-audit.c: the audit trail: the encrypted table, and the supervision room. */
#include <glib/gi18n-lib.h>

#include "tact-audit.h"
#include "tact-session-util.h"

struct _TactAudit
{
  GObject parent_instance;

  /* owned */
  TactMatrixClient *client;
  TactStore        *store;
  TactRoomList     *rooms;
  TactGuard        *guard;
  TactOutbox       *outbox;
  char             *room_id;     /* the supervision room, once resolved and joined */
  char             *fallback;    /* the fleet's supervision room (settings, .well-known), used
                                  * when the profile names none */
  char             *joining;     /* the id or alias being joined, or NULL */
  GPtrArray        *waiting;     /* JsonObject*: events waiting for the room */
};

G_DEFINE_FINAL_TYPE (TactAudit, tact_audit, G_TYPE_OBJECT)

enum {
  SIGNAL_RECORDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
tact_audit_dispose (GObject *object)
{
  TactAudit *self = TACT_AUDIT (object);

  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->rooms);
  g_clear_object (&self->guard);
  g_clear_object (&self->outbox);
  G_OBJECT_CLASS (tact_audit_parent_class)->dispose (object);
}

static void
tact_audit_finalize (GObject *object)
{
  TactAudit *self = TACT_AUDIT (object);

  g_free (self->room_id);
  g_free (self->fallback);
  g_free (self->joining);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  G_OBJECT_CLASS (tact_audit_parent_class)->finalize (object);
}

static void
tact_audit_class_init (TactAuditClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tact_audit_dispose;
  G_OBJECT_CLASS (klass)->finalize = tact_audit_finalize;
  /* See tact-audit.h. */
  signals[SIGNAL_RECORDED] =
    g_signal_new ("recorded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
tact_audit_init (TactAudit *self)
{
  self->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
}

TactAudit *
tact_audit_new (TactMatrixClient *client, TactStore *store, TactRoomList *rooms, TactGuard *guard,
                TactOutbox *outbox)
{
  TactAudit *self = g_object_new (TACT_TYPE_AUDIT, NULL);

  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->rooms = g_object_ref (rooms);
  self->guard = g_object_ref (guard);
  self->outbox = g_object_ref (outbox);
  return self;
}

const char *tact_audit_get_supervision_room (TactAudit *self) { return self->room_id; }

void
tact_audit_set_fallback_room (TactAudit *self, const char *room_id_or_alias)
{
  g_free (self->fallback);
  self->fallback = room_id_or_alias && *room_id_or_alias ? g_strdup (room_id_or_alias) : NULL;
}

/* The verdict's rules and clauses, each once, comma-separated (NULL when none). */
static char *
verdict_clauses (const TactVerdict *verdict)
{
  g_autoptr(GPtrArray) clauses = g_ptr_array_new ();

  for (guint i = 0; verdict && i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      for (guint j = 0; finding->clauses && finding->clauses[j]; j++)
        if (!g_ptr_array_find_with_equal_func (clauses, finding->clauses[j], g_str_equal, NULL))
          g_ptr_array_add (clauses, finding->clauses[j]);
    }
  if (clauses->len == 0)
    return NULL;
  g_ptr_array_add (clauses, NULL);
  return g_strjoinv (",", (char **) clauses->pdata);
}

static JsonArray *
split_array (const char *comma_separated)
{
  g_auto(GStrv) parts = g_strsplit (comma_separated ? comma_separated : "", ",", -1);
  JsonArray *array = json_array_new ();

  for (guint i = 0; parts[i]; i++)
    if (*parts[i])
      json_array_add_string_element (array, parts[i]);
  return array;
}

static void
post_waiting (TactAudit *self)
{
  for (guint i = 0; self->room_id && i < self->waiting->len; i++)
    tact_outbox_add_protocol (self->outbox, self->room_id, TACT_AUDIT_EVENT_TYPE,
                              g_ptr_array_index (self->waiting, i));
  if (self->room_id)
    g_ptr_array_set_size (self->waiting, 0);
}

static void
supervision_joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactAudit) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *room_id = tact_matrix_client_join_finish (TACT_MATRIX_CLIENT (source), result, &error);

  g_clear_pointer (&self->joining, g_free);
  if (!room_id)
    {
      /* Kept locally; tried again with the next record. */
      g_message ("Could not join the supervision room: %s", error->message);
      return;
    }
  g_free (self->room_id);
  self->room_id = g_steal_pointer (&room_id);
  post_waiting (self);
}

/* Resolves the profile's supervision room (an id or an alias) and joins it once. */
static gboolean
ensure_supervision_room (TactAudit *self)
{
  TactProfile *profile = tact_guard_get_profile (self->guard);
  const char *wanted = profile ? tact_profile_get_supervision_room (profile) : NULL;
  TactRoom *room;

  if (!wanted)
    wanted = self->fallback;
  if (!wanted)
    return FALSE;
  room = wanted[0] == '!' ? tact_room_list_lookup (self->rooms, wanted) : NULL;
  if (room && g_strcmp0 (tact_room_get_membership (room), "join") == 0)
    {
      if (g_strcmp0 (self->room_id, wanted) != 0)
        {
          g_free (self->room_id);
          self->room_id = g_strdup (wanted);
        }
      return TRUE;
    }
  if (self->room_id && (wanted[0] != '!' || g_strcmp0 (self->room_id, wanted) == 0))
    return TRUE;   /* joined through its alias */
  if (!self->joining)
    {
      self->joining = g_strdup (wanted);
      tact_matrix_client_join_async (self->client, wanted, NULL, supervision_joined_cb, g_object_ref (self));
    }
  return TRUE;
}

static void
audit_added_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_store_audit_add_finish (TACT_STORE (source), result, &error))
    tact_session_log_store_error ("Could not write an audit record", error);
}

static void record_full (TactAudit *self, gboolean local, const char *kind, TactRoom *room,
                         const char *txn_id, const TactVerdict *verdict, const char *content,
                         const char *justification, const char *comment);

void
tact_audit_record (TactAudit *self, const char *kind, TactRoom *room, const char *txn_id,
                   const TactVerdict *verdict, const char *content, const char *justification,
                   const char *comment)
{
  record_full (self, TRUE, kind, room, txn_id, verdict, content, justification, comment);
}

void
tact_audit_publish (TactAudit *self, const char *kind, TactRoom *room, const char *txn_id,
                    const TactVerdict *verdict, const char *content, const char *justification)
{
  record_full (self, FALSE, kind, room, txn_id, verdict, content, justification, NULL);
}

/* An event for the supervision room: its kind, time, rule ids and clauses (comma-separated,
 * may be NULL), the rest for the caller to add. */
static JsonObject *
event_new (const char *kind, gint64 ts, const char *rule_ids, const char *clauses)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "kind", kind);
  json_object_set_int_member (event, "ts", ts);
  json_object_set_array_member (event, "rule_ids", split_array (rule_ids));
  json_object_set_array_member (event, "clauses", split_array (clauses));
  return event;
}

/* Posts @event (taken) once the supervision room is joined. */
static void
queue_event (TactAudit *self, JsonObject *event)
{
  g_ptr_array_add (self->waiting, event);
  post_waiting (self);
}

void
tact_audit_record_training (TactAudit *self, const TactStoreTraining *result)
{
  TactStoreAuditRecord record = { 0 };
  const char *kind = result->passed ? "tutorial-passed" : "tutorial-failed";
  g_autofree char *comment = g_strdup_printf ("profile %s %s: score %u%% (pass mark %u%%), %u of %u lessons%s%s",
                                              result->profile_id, result->profile_version,
                                              result->score, result->pass_mark,
                                              result->lessons_done, result->lessons_total,
                                              result->module ? ", module " : "",
                                              result->module ? result->module : "");

  g_return_if_fail (TACT_IS_AUDIT (self));
  g_return_if_fail (result != NULL);

  record.ts = result->ts != 0 ? result->ts : g_get_real_time () / 1000;
  record.kind = (char *) kind;
  record.clauses = (char *) "TRN-1,TRN-5";
  record.comment = comment;
  tact_store_audit_add_async (self->store, &record, NULL, audit_added_cb, NULL);

  if (ensure_supervision_room (self))
    {
      JsonObject *event = event_new (kind, record.ts, NULL, record.clauses);

      json_object_set_string_member (event, "profile_id", result->profile_id);
      json_object_set_string_member (event, "profile_version", result->profile_version);
      json_object_set_int_member (event, "score", result->score);
      json_object_set_int_member (event, "pass_mark", result->pass_mark);
      json_object_set_boolean_member (event, "passed", result->passed);
      json_object_set_int_member (event, "lessons_done", result->lessons_done);
      json_object_set_int_member (event, "lessons_total", result->lessons_total);
      if (result->module != NULL)
        json_object_set_string_member (event, "module", result->module);
      json_object_set_string_member (event, "comment", comment);
      queue_event (self, event);
    }
}

static void
record_full (TactAudit *self, gboolean local, const char *kind, TactRoom *room, const char *txn_id,
             const TactVerdict *verdict, const char *content, const char *justification,
             const char *comment)
{
  TactStoreAuditRecord record = { 0 };
  g_autofree char *rule_ids = verdict ? tact_guard_dup_rule_ids (verdict) : NULL;
  g_autofree char *clauses = verdict_clauses (verdict);
  g_autofree char *sha256 = content ? g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, -1) : NULL;
  TactProfile *profile = tact_guard_get_profile (self->guard);

  g_return_if_fail (TACT_IS_AUDIT (self));
  g_return_if_fail (kind != NULL);

  record.ts = g_get_real_time () / 1000;
  record.kind = (char *) kind;
  record.room_id = room ? (char *) tact_room_get_id (room) : NULL;
  g_signal_emit (self, signals[SIGNAL_RECORDED], 0, kind, record.room_id);
  record.txn_id = (char *) txn_id;
  record.rule_ids = rule_ids;
  record.clauses = clauses;
  record.action = verdict ? (char *) tact_action_to_string (verdict->action) : NULL;
  record.justification = (char *) justification;
  record.content_sha256 = sha256;
  record.comment = (char *) comment;
  if (local)
    tact_store_audit_add_async (self->store, &record, NULL, audit_added_cb, NULL);

  if (ensure_supervision_room (self))
    {
      JsonObject *event = event_new (kind, record.ts, rule_ids, clauses);

      if (record.action)
        json_object_set_string_member (event, "action", record.action);
      if (record.room_id)
        json_object_set_string_member (event, "room_id", record.room_id);
      if (sha256)
        json_object_set_string_member (event, "content_sha256", sha256);
      if (justification)
        json_object_set_string_member (event, "justification", justification);
      if (comment)
        json_object_set_string_member (event, "comment", comment);
      if (profile)
        {
          json_object_set_string_member (event, "profile_id", tact_profile_get_id (profile));
          json_object_set_string_member (event, "profile_version", tact_profile_get_version (profile));
          if (content && tact_profile_get_audit_include_content (profile))
            json_object_set_string_member (event, "content", content);
        }
      queue_event (self, event);
    }
}

static void
audit_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *rows = tact_store_audit_list_finish (TACT_STORE (source), result, &error);

  if (rows)
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

void
tact_audit_list_async (TactAudit *self, guint limit, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tact_audit_list_async);
  tact_store_audit_list_async (self->store, limit, cancellable, audit_listed_cb, g_steal_pointer (&task));
}

GPtrArray *
tact_audit_list_finish (TactAudit *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Supervisors: the supervision room's records ------------------------------------------ */

/* The newest records read from the store, for the list and the stats alike. */
#define SUPERVISION_LIMIT 2000

typedef struct {
  char *sender;
  char *rule_id;
  char *action;
} SupervisionFilter;

static void
supervision_filter_free (SupervisionFilter *filter)
{
  g_free (filter->sender);
  g_free (filter->rule_id);
  g_free (filter->action);
  g_free (filter);
}

static char *
join_array (JsonArray *array)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_ptr_array_add (parts, (gpointer) json_node_get_string (node));
    }
  g_ptr_array_add (parts, NULL);
  return parts->len > 1 ? g_strjoinv (",", (char **) parts->pdata) : NULL;
}

/* A stored event's content; *node owns it (NULL when the event is not a JSON object). */
static JsonObject *
event_content (const TactStoreEvent *event, JsonNode **node)
{
  *node = event->json ? json_from_string (event->json, NULL) : NULL;
  return *node && JSON_NODE_HOLDS_OBJECT (*node)
         ? tact_json_get_object (json_node_get_object (*node), "content") : NULL;
}

/* Reads the supervision room's newest records from the store for the list and the stats, or
 * returns G_IO_ERROR_NOT_FOUND on task. */
static void
read_supervision (TactAudit *self, GTask *task, GAsyncReadyCallback callback)
{
  ensure_supervision_room (self);
  if (!self->room_id)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The company policy names no supervision room, or you are not in it."));
      g_object_unref (task);
      return;
    }
  tact_store_list_events_of_type_async (self->store, self->room_id, TACT_AUDIT_EVENT_TYPE,
                                        SUPERVISION_LIMIT, g_task_get_cancellable (task),
                                        callback, task);
}

static void
supervision_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  SupervisionFilter *filter = g_task_get_task_data (task);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_audit_record_free);
  GError *error = NULL;

  events = tact_store_list_events_of_type_finish (TACT_STORE (source), result, &error);
  if (!events)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < events->len; i++)
    {
      TactStoreEvent *event = g_ptr_array_index (events, i);
      g_autoptr(JsonNode) node = NULL;
      JsonObject *content = event_content (event, &node);
      g_autoptr(TactStoreAuditRecord) record = NULL;
      gint64 ts = event->ts;

      if (!content || !tact_json_get_string (content, "kind"))
        continue;
      record = g_new0 (TactStoreAuditRecord, 1);
      tact_json_get_int (content, "ts", &ts);
      record->ts = ts;
      record->sender = g_strdup (event->sender);
      record->kind = g_strdup (tact_json_get_string (content, "kind"));
      record->room_id = g_strdup (tact_json_get_string (content, "room_id"));
      record->rule_ids = join_array (tact_json_get_array (content, "rule_ids"));
      record->clauses = join_array (tact_json_get_array (content, "clauses"));
      record->action = g_strdup (tact_json_get_string (content, "action"));
      record->justification = g_strdup (tact_json_get_string (content, "justification"));
      record->content_sha256 = g_strdup (tact_json_get_string (content, "content_sha256"));
      record->comment = g_strdup (tact_json_get_string (content, "comment"));
      if (filter->sender && g_strcmp0 (filter->sender, record->sender) != 0)
        continue;
      if (filter->action && g_strcmp0 (filter->action, record->action) != 0)
        continue;
      if (filter->rule_id)
        {
          g_auto(GStrv) rules = g_strsplit (record->rule_ids ? record->rule_ids : "", ",", -1);
          if (!g_strv_contains ((const char * const *) rules, filter->rule_id))
            continue;
        }
      g_ptr_array_add (records, g_steal_pointer (&record));
    }
  g_task_return_pointer (task, g_steal_pointer (&records), (GDestroyNotify) g_ptr_array_unref);
}

gboolean
tact_audit_is_supervisor (TactAudit *self)
{
  TactProfile *profile = tact_guard_get_profile (self->guard);
  const char *wanted = profile && tact_profile_get_supervision_room (profile)
                       ? tact_profile_get_supervision_room (profile) : self->fallback;
  TactRoom *room;

  /* No side effect (no join): a room id from the profile, or the one joined through an alias. */
  room = tact_room_list_lookup (self->rooms, self->room_id ? self->room_id
                                             : wanted && wanted[0] == '!' ? wanted : NULL);
  return room && g_strcmp0 (tact_room_get_membership (room), "join") == 0
         && tact_room_get_power_level (room, tact_room_list_get_user_id (self->rooms)) >= 50;
}

void
tact_audit_list_supervision_async (TactAudit *self, const char *sender, const char *rule_id,
                                   const char *action, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  SupervisionFilter *filter = g_new0 (SupervisionFilter, 1);

  g_task_set_source_tag (task, tact_audit_list_supervision_async);
  filter->sender = g_strdup (sender);
  filter->rule_id = g_strdup (rule_id);
  filter->action = g_strdup (action);
  g_task_set_task_data (task, filter, (GDestroyNotify) supervision_filter_free);
  read_supervision (self, g_steal_pointer (&task), supervision_listed_cb);
}

GPtrArray *
tact_audit_list_supervision_finish (TactAudit *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Supervisors: counts per rule ---------------------------------------------------------- */

/* The kinds counted, as `tact-admin stats` counts them (src/admin/tact-admin.c, stats_event;
 * docs/audit.md, "Counting per rule"): keep the two the same. */
static const char * const hit_kinds[] = {
  "warning-shown", "justification-asked", "approval-needed", "blocked", NULL };
static const char * const override_kinds[] = { "warned-send", "justified-send", NULL };

TactAuditRuleStats *
tact_audit_rule_stats_copy (const TactAuditRuleStats *stats)
{
  TactAuditRuleStats *copy = g_new (TactAuditRuleStats, 1);

  *copy = *stats;
  copy->rule_id = g_strdup (stats->rule_id);
  copy->title = g_strdup (stats->title);
  return copy;
}

void
tact_audit_rule_stats_free (TactAuditRuleStats *stats)
{
  if (!stats)
    return;
  g_free (stats->rule_id);
  g_free (stats->title);
  g_free (stats);
}

/* Most hits first; equal hits by rule id, so the order does not depend on the hash table. */
static int
compare_stats (gconstpointer a, gconstpointer b)
{
  const TactAuditRuleStats *x = *(TactAuditRuleStats * const *) a;
  const TactAuditRuleStats *y = *(TactAuditRuleStats * const *) b;

  if (x->hits != y->hits)
    return x->hits > y->hits ? -1 : 1;
  return g_strcmp0 (x->rule_id, y->rule_id);
}

static void
stats_listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactAudit *self = g_task_get_source_object (task);
  TactProfile *profile = tact_guard_get_profile (self->guard);
  g_autoptr(GHashTable) by_rule = g_hash_table_new (g_str_hash, g_str_equal);  /* → row, borrowed */
  g_autoptr(GHashTable) titles = g_hash_table_new (g_str_hash, g_str_equal);   /* id → title, borrowed */
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_audit_rule_stats_free);
  g_autoptr(GPtrArray) events = NULL;
  GError *error = NULL;

  events = tact_store_list_events_of_type_finish (TACT_STORE (source), result, &error);
  if (!events)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; profile && i < tact_profile_get_n_rules (profile); i++)
    {
      const TactRule *rule = tact_profile_get_rule (profile, i);
      g_hash_table_insert (titles, (gpointer) tact_rule_get_id (rule), (gpointer) tact_rule_get_title (rule));
    }
  for (guint i = 0; i < events->len; i++)
    {
      TactStoreEvent *event = g_ptr_array_index (events, i);
      g_autoptr(JsonNode) node = NULL;
      JsonObject *content = event_content (event, &node);
      const char *kind = content ? tact_json_get_string (content, "kind") : NULL;
      JsonArray *rule_ids = content ? tact_json_get_array (content, "rule_ids") : NULL;
      gint64 ts = event->ts;

      if (!kind || !rule_ids)
        continue;
      tact_json_get_int (content, "ts", &ts);
      for (guint j = 0; j < json_array_get_length (rule_ids); j++)
        {
          JsonNode *element = json_array_get_element (rule_ids, j);
          TactAuditRuleStats *row;
          const char *id;

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
            continue;
          id = json_node_get_string (element);
          row = g_hash_table_lookup (by_rule, id);
          if (!row)
            {
              row = g_new0 (TactAuditRuleStats, 1);
              row->rule_id = g_strdup (id);
              row->title = g_strdup (g_hash_table_lookup (titles, id));
              g_ptr_array_add (rows, row);
              g_hash_table_insert (by_rule, row->rule_id, row);
            }
          if (g_strv_contains (hit_kinds, kind))
            row->hits++;
          else if (g_strv_contains (override_kinds, kind))
            row->overrides++;
          else if (g_str_equal (kind, "false-positive"))
            row->false_positives++;
          else if (g_str_equal (kind, "shadow-hit"))
            row->shadow_hits++;
          row->last_ts = MAX (row->last_ts, ts);
        }
    }
  g_ptr_array_sort (rows, compare_stats);
  g_task_return_pointer (task, g_steal_pointer (&rows), (GDestroyNotify) g_ptr_array_unref);
}

void
tact_audit_stats_async (TactAudit *self, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;

  g_return_if_fail (TACT_IS_AUDIT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tact_audit_stats_async);
  read_supervision (self, task, stats_listed_cb);
}

GPtrArray *
tact_audit_stats_finish (TactAudit *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
