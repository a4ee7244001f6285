/* tact-training.c: the person's policy tutorial record (tact-training.h). */
#include <glib/gi18n-lib.h>

#include "tact-training.h"
#include "tact-session.h"

struct _TactTraining
{
  GObject parent_instance;

  /* owned */
  TactStore *store;
  TactGuard *guard;
  TactAudit *audit;
  GPtrArray *results;  /* element-type TactStoreTraining, newest first */
  gboolean   loaded;
  gboolean   passed;   /* as last computed (for notify) */
};

G_DEFINE_FINAL_TYPE (TactTraining, tact_training, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOADED,
  PROP_PASSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* At most this many results are read: enough to find a pass among retakes. */
#define RESULTS_KEPT 200

static void
tact_training_dispose (GObject *object)
{
  TactTraining *self = TACT_TRAINING (object);

  if (self->guard != NULL)
    g_signal_handlers_disconnect_by_data (self->guard, self);
  g_clear_object (&self->store);
  g_clear_object (&self->guard);
  g_clear_object (&self->audit);
  g_clear_pointer (&self->results, g_ptr_array_unref);
  G_OBJECT_CLASS (tact_training_parent_class)->dispose (object);
}

static void
tact_training_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactTraining *self = TACT_TRAINING (object);

  switch (prop_id)
    {
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_PASSED:
      g_value_set_boolean (value, tact_training_get_passed (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_training_class_init (TactTrainingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tact_training_dispose;
  object_class->get_property = tact_training_get_property;
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PASSED] = g_param_spec_boolean ("passed", NULL, NULL, FALSE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_training_init (TactTraining *self)
{
  self->results = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_store_training_free);
}

/* Notifies "passed" when it changed (the results or the profile in force did). */
static void
notify_passed (TactTraining *self)
{
  gboolean passed = tact_training_get_passed (self);

  if (passed != self->passed)
    {
      self->passed = passed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PASSED]);
    }
}

/* The results changed: the guard gets them, and "passed" may change. */
static void
update (TactTraining *self)
{
  tact_guard_set_training (self->guard, self->results);
  notify_passed (self);
}

/* A new profile: the guard already has the results; only whether they count changed. */
static void
profile_changed_cb (TactGuard *guard, GParamSpec *pspec, TactTraining *self)
{
  notify_passed (self);
}

TactTraining *
tact_training_new (TactStore *store, TactGuard *guard, TactAudit *audit)
{
  TactTraining *self;

  g_return_val_if_fail (TACT_IS_STORE (store), NULL);
  g_return_val_if_fail (TACT_IS_GUARD (guard), NULL);
  g_return_val_if_fail (TACT_IS_AUDIT (audit), NULL);

  self = g_object_new (TACT_TYPE_TRAINING, NULL);
  self->store = g_object_ref (store);
  self->guard = g_object_ref (guard);
  self->audit = g_object_ref (audit);
  g_signal_connect (guard, "notify::profile", G_CALLBACK (profile_changed_cb), self);
  return self;
}

static void
listed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactTraining) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tact_store_training_list_finish (TACT_STORE (source), result, &error);

  if (self->store == NULL)  /* disposed meanwhile */
    return;
  if (rows == NULL)
    /* Nothing counts as passed: the gate, if any, stays closed (fail closed). */
    g_warning ("The tutorial results could not be read: %s", error->message);
  else
    {
      g_ptr_array_unref (self->results);
      self->results = g_steal_pointer (&rows);
    }
  self->loaded = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
  update (self);
}

void
tact_training_load (TactTraining *self)
{
  g_return_if_fail (TACT_IS_TRAINING (self));
  tact_store_training_list_async (self->store, RESULTS_KEPT, NULL, listed_cb, g_object_ref (self));
}

gboolean
tact_training_get_loaded (TactTraining *self)
{
  g_return_val_if_fail (TACT_IS_TRAINING (self), FALSE);
  return self->loaded;
}

gboolean
tact_training_get_passed (TactTraining *self)
{
  g_return_val_if_fail (TACT_IS_TRAINING (self), FALSE);
  return tact_guard_training_passed (self->guard, tact_guard_get_profile (self->guard));
}

const TactStoreTraining *
tact_training_get_last (TactTraining *self)
{
  g_return_val_if_fail (TACT_IS_TRAINING (self), NULL);
  return self->results->len > 0 ? g_ptr_array_index (self->results, 0) : NULL;
}

char *
tact_training_dup_reason (TactTraining *self)
{
  TactProfile *profile;
  const TactStoreTraining *last_pass = NULL;

  g_return_val_if_fail (TACT_IS_TRAINING (self), NULL);
  profile = tact_guard_get_profile (self->guard);
  if (profile == NULL || tact_training_get_passed (self))
    return NULL;
  for (guint i = 0; i < self->results->len && last_pass == NULL; i++)
    if (((TactStoreTraining *) g_ptr_array_index (self->results, i))->passed)
      last_pass = g_ptr_array_index (self->results, i);
  if (last_pass == NULL)
    return g_strdup (_("Your company asks every employee to take the policy tutorial."));
  if (g_strcmp0 (last_pass->profile_id, tact_profile_get_id (profile)) == 0 &&
      g_strcmp0 (last_pass->profile_version, tact_profile_get_version (profile)) != 0 &&
      tact_profile_get_training_since_version (profile) != NULL)
    /* Translators: %s is the policy profile's version. */
    return g_strdup_printf (_("Your company updated its messaging policy (version %s): please take the tutorial again."),
                            tact_profile_get_version (profile));
  if (g_strcmp0 (last_pass->profile_id, tact_profile_get_id (profile)) == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Your company asks for the policy tutorial again every %u day.",
                                         "Your company asks for the policy tutorial again every %u days.",
                                         tact_profile_get_training_interval_days (profile)),
                            tact_profile_get_training_interval_days (profile));
  return g_strdup (_("Your company’s messaging policy changed: please take the tutorial for the new policy."));
}

static void
added_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TactTraining *self = g_task_get_source_object (task);
  TactStoreTraining *row = g_task_get_task_data (task);
  GError *error = NULL;

  if (!tact_store_training_add_finish (TACT_STORE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (self->store == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_insert (self->results, 0, tact_store_training_copy (row));
  tact_audit_record_training (self->audit, row);
  update (self);
  g_task_return_boolean (task, TRUE);
}

void
tact_training_record_async (TactTraining *self, guint score, guint lessons_done,
                            guint lessons_total, const char *module,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  TactProfile *profile = tact_guard_get_profile (self->guard);
  TactStoreTraining *row;

  g_task_set_source_tag (task, tact_training_record_async);
  if (profile == NULL)
    {
      g_task_return_new_error (task, TACT_SESSION_ERROR, TACT_SESSION_ERROR_BLOCKED,
                               _("No company policy is in force, so there is nothing to record the tutorial against."));
      return;
    }
  row = g_new0 (TactStoreTraining, 1);
  row->ts = g_get_real_time () / 1000;
  row->profile_id = g_strdup (tact_profile_get_id (profile));
  row->profile_version = g_strdup (tact_profile_get_version (profile));
  row->score = MIN (score, 100);
  row->pass_mark = tact_profile_get_training_pass_mark (profile);
  row->passed = row->score >= row->pass_mark;
  row->lessons_done = lessons_done;
  row->lessons_total = lessons_total;
  row->module = g_strdup (module);
  g_task_set_task_data (task, row, (GDestroyNotify) tact_store_training_free);
  tact_store_training_add_async (self->store, row, cancellable, added_cb, g_steal_pointer (&task));
}

gboolean
tact_training_record_finish (TactTraining *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
