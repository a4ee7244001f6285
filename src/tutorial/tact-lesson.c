/* tact-lesson.c: one lesson of the policy tutorial.
 *
 * The example sentence is not written by hand for every rule: it comes from
 * the rule's "example" key or, failing that, from one of its terms put in a
 * carrier sentence ("这份{term}请不要外传"). Either way it is run through
 * tact_profile_check() in a room the rule applies to, and kept only if the
 * rule really fires — the lesson never teaches something the engine does
 * not do. Its expected action is the verdict the engine gave.
 */
#include "tutorial/tact-lesson-private.h"

struct _TactLesson
{
  GObject       parent_instance;

  /* owned */
  char         *rule_id;
  char         *title;
  char         *explanation;
  GStrv         clauses;
  char         *example;          /* NULL if no sentence triggers the rule */
  TactOutgoing  outgoing;         /* text is NULL; see tact_lesson_get_example_outgoing */
  TactAction    expected_action;
};

G_DEFINE_FINAL_TYPE (TactLesson, tact_lesson, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RULE_ID,
  PROP_TITLE,
  PROP_EXPLANATION,
  PROP_CLAUSES,
  PROP_EXAMPLE,
  PROP_EXPECTED_ACTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* How many of a rule's terms are tried before giving up on an example. */
#define MAX_TERMS_TRIED 8

static void
tact_lesson_finalize (GObject *object)
{
  TactLesson *self = TACT_LESSON (object);

  g_free (self->rule_id);
  g_free (self->title);
  g_free (self->explanation);
  g_strfreev (self->clauses);
  g_free (self->example);

  G_OBJECT_CLASS (tact_lesson_parent_class)->finalize (object);
}

static void
tact_lesson_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TactLesson *self = TACT_LESSON (object);

  switch (prop_id)
    {
    case PROP_RULE_ID:
      g_value_set_string (value, self->rule_id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_EXPLANATION:
      g_value_set_string (value, self->explanation);
      break;
    case PROP_CLAUSES:
      g_value_set_boxed (value, self->clauses);
      break;
    case PROP_EXAMPLE:
      g_value_set_string (value, self->example);
      break;
    case PROP_EXPECTED_ACTION:
      g_value_set_enum (value, self->expected_action);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_lesson_class_init (TactLessonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tact_lesson_finalize;
  object_class->get_property = tact_lesson_get_property;

  properties[PROP_RULE_ID] = g_param_spec_string ("rule-id", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_EXPLANATION] = g_param_spec_string ("explanation", NULL, NULL, NULL, flags);
  properties[PROP_CLAUSES] = g_param_spec_boxed ("clauses", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_EXAMPLE] = g_param_spec_string ("example", NULL, NULL, NULL, flags);
  properties[PROP_EXPECTED_ACTION] =
    g_param_spec_enum ("expected-action", NULL, NULL, TACT_TYPE_ACTION, TACT_ACTION_ALLOW, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_lesson_init (TactLesson *self)
{
  self->expected_action = TACT_ACTION_ALLOW;
}

static gboolean
is_cjk_text (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      GUnicodeScript script = g_unichar_get_script (g_utf8_get_char (p));

      if (script == G_UNICODE_SCRIPT_HAN || script == G_UNICODE_SCRIPT_HIRAGANA ||
          script == G_UNICODE_SCRIPT_KATAKANA || script == G_UNICODE_SCRIPT_HANGUL)
        return TRUE;
    }
  return FALSE;
}

/* An everyday sentence around @term. */
static char *
example_for_term (const char *term)
{
  if (is_cjk_text (term))
    return g_strdup_printf ("这份%s请不要外传", term);
  return g_strdup_printf ("Please keep this %s between us.", term);
}

/* If @example makes @rule fire, records it and returns TRUE. */
static gboolean
try_example (TactLesson     *self,
             TactProfile    *profile,
             const TactRule *rule,
             const char     *example)
{
  g_autoptr(TactVerdict) verdict = NULL;
  TactOutgoing outgoing = self->outgoing;

  outgoing.text = example;
  verdict = tact_profile_check (profile, &outgoing);

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (g_strcmp0 (finding->rule_id, tact_rule_get_id (rule)) == 0)
        {
          self->example = g_strdup (example);
          self->expected_action = verdict->action;
          return TRUE;
        }
    }
  return FALSE;
}

TactLesson *
tact_lesson_new_for_rule (TactProfile    *profile,
                          const TactRule *rule)
{
  g_autoptr(TactLesson) self = g_object_new (TACT_TYPE_LESSON, NULL);
  g_auto(GStrv) terms = NULL;

  g_return_val_if_fail (TACT_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (rule != NULL, NULL);

  self->rule_id = g_strdup (tact_rule_get_id (rule));
  self->title = g_strdup (tact_rule_get_title (rule));
  self->explanation = g_strdup (tact_rule_get_explanation (rule));
  self->clauses = g_strdupv ((GStrv) tact_rule_get_clauses (rule));
  tact_rule_get_sample_outgoing (rule, &self->outgoing);
  self->outgoing.text = NULL;

  if (tact_rule_get_example (rule) != NULL &&
      try_example (self, profile, rule, tact_rule_get_example (rule)))
    return g_steal_pointer (&self);

  terms = tact_rule_dup_terms (rule);
  for (guint i = 0; terms[i] != NULL && i < MAX_TERMS_TRIED; i++)
    {
      g_autofree char *example = example_for_term (terms[i]);

      if (try_example (self, profile, rule, example))
        return g_steal_pointer (&self);
    }

  /* No example: the lesson still explains the rule. Log the id only. */
  g_debug ("No example sentence triggers rule %s", self->rule_id);
  return g_steal_pointer (&self);
}

const char *
tact_lesson_get_rule_id (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  return self->rule_id;
}

const char *
tact_lesson_get_title (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  return self->title;
}

const char *
tact_lesson_get_explanation (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  return self->explanation;
}

const char * const *
tact_lesson_get_clauses (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  return (const char * const *) self->clauses;
}

const char *
tact_lesson_get_example (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  return self->example;
}

const TactOutgoing *
tact_lesson_get_example_outgoing (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  return &self->outgoing;
}

TactAction
tact_lesson_get_expected_action (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), TACT_ACTION_ALLOW);
  return self->expected_action;
}
