/* tact-tutorial.c: the policy tutorial model — one lesson per profile rule, grouped by theme
 * (tact-clauses.h) and in profile order within a theme. A lower tier of a classifier reading
 * ("meaning-pay-hr-maybe") gets no lesson of its own: the rule it is a tier of has one. */
#include "tutorial/tact-tutorial.h"
#include "tutorial/tact-lesson-private.h"

struct _TactTutorial
{
  GObject      parent_instance;

  /* owned */
  TactProfile *profile;
  GListStore  *lessons;  /* element-type TactLesson */
};

G_DEFINE_FINAL_TYPE (TactTutorial, tact_tutorial, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_LESSONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tact_tutorial_build (TactTutorial *self)
{
  guint n = tact_profile_get_n_rules (self->profile);
  g_autoptr(GPtrArray) built = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      const TactRule *rule = tact_profile_get_rule (self->profile, i);

      if (!tact_rule_is_lower_tier (rule) && !tact_rule_is_shadow (rule))
        g_ptr_array_add (built, tact_lesson_new_for_rule (self->profile, rule));
    }
  for (guint theme = 0; theme < TACT_N_THEMES; theme++)
    for (guint i = 0; i < built->len; i++)
      if (tact_lesson_get_theme (g_ptr_array_index (built, i)) == theme)
        g_list_store_append (self->lessons, g_ptr_array_index (built, i));
}

static void
tact_tutorial_constructed (GObject *object)
{
  TactTutorial *self = TACT_TUTORIAL (object);

  G_OBJECT_CLASS (tact_tutorial_parent_class)->constructed (object);

  g_return_if_fail (TACT_IS_PROFILE (self->profile));
  tact_tutorial_build (self);
}

static void
tact_tutorial_dispose (GObject *object)
{
  TactTutorial *self = TACT_TUTORIAL (object);

  g_clear_object (&self->lessons);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (tact_tutorial_parent_class)->dispose (object);
}

static void
tact_tutorial_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TactTutorial *self = TACT_TUTORIAL (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_LESSONS:
      g_value_set_object (value, self->lessons);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_tutorial_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TactTutorial *self = TACT_TUTORIAL (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_set_object (&self->profile, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_tutorial_class_init (TactTutorialClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tact_tutorial_constructed;
  object_class->dispose = tact_tutorial_dispose;
  object_class->get_property = tact_tutorial_get_property;
  object_class->set_property = tact_tutorial_set_property;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, TACT_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LESSONS] =
    g_param_spec_object ("lessons", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_tutorial_init (TactTutorial *self)
{
  self->lessons = g_list_store_new (TACT_TYPE_LESSON);
}

TactTutorial *
tact_tutorial_new (TactProfile *profile)
{
  g_return_val_if_fail (TACT_IS_PROFILE (profile), NULL);

  return g_object_new (TACT_TYPE_TUTORIAL, "profile", profile, NULL);
}

TactProfile *
tact_tutorial_get_profile (TactTutorial *self)
{
  g_return_val_if_fail (TACT_IS_TUTORIAL (self), NULL);
  return self->profile;
}

GListModel *
tact_tutorial_get_lessons (TactTutorial *self)
{
  g_return_val_if_fail (TACT_IS_TUTORIAL (self), NULL);
  return G_LIST_MODEL (self->lessons);
}

gboolean
tact_tutorial_lesson_in_module (TactTutorial *self,
                                TactLesson   *lesson,
                                const char   *module_id)
{
  g_return_val_if_fail (TACT_IS_TUTORIAL (self), FALSE);
  g_return_val_if_fail (TACT_IS_LESSON (lesson), FALSE);

  for (guint m = 0; module_id != NULL && m < tact_profile_get_n_training_modules (self->profile); m++)
    {
      const TactTrainingModule *module = tact_profile_get_training_module (self->profile, m);

      if (g_strcmp0 (tact_training_module_get_id (module), module_id) == 0)
        return g_strv_contains (tact_training_module_get_rule_ids (module),
                                tact_lesson_get_rule_id (lesson));
    }
  return FALSE;
}
