/* tact-lesson.c: one lesson of the policy tutorial.
 *
 * The example sentence is not written by hand for every rule: it comes from
 * the rule's "example" key or, failing that, from one of its terms put in a
 * carrier sentence ("这份{term}请不要外传"). Either way it is run through
 * tact_profile_check() in a room the rule applies to, and kept only if the
 * rule really fires — the lesson never teaches something the engine does
 * not do. Its expected action is the verdict the engine gave.
 *
 * Next to it, similar messages the rule lets through, each checked too: the
 * words the rule found replaced by harmless ones ("这份会议纪要请不要外传"), and,
 * for a rule about people from outside, the same message to a colleague.
 */
#include "tutorial/tact-lesson-private.h"

#include <glib/gi18n-lib.h>

struct _TactLesson
{
  GObject       parent_instance;

  /* owned */
  char         *rule_id;
  char         *title;
  char         *explanation;
  GStrv         clauses;
  char         *alternative;      /* NULL when the rule has none */
  TactTheme     theme;
  char         *example;          /* NULL if no sentence triggers the rule */
  TactOutgoing  outgoing;         /* text is NULL; see tact_lesson_get_example_outgoing */
  TactAction    expected_action;
  GPtrArray    *examples;         /* element-type TactExample, owned: flagged first */
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
  g_free (self->alternative);
  g_free (self->example);
  g_ptr_array_unref (self->examples);

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
example_free (TactExample *example)
{
  g_free (example->text);
  g_array_unref (example->spans);
  g_free (example);
}

static void
tact_lesson_init (TactLesson *self)
{
  self->expected_action = TACT_ACTION_ALLOW;
  self->examples = g_ptr_array_new_with_free_func ((GDestroyNotify) example_free);
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

/* Checks @text in @outgoing's room; the example, with the spans of @rule's findings. */
static TactExample *
check_example (TactProfile        *profile,
               const TactRule     *rule,
               const char         *text,
               const TactOutgoing *outgoing)
{
  g_autoptr(TactVerdict) verdict = NULL;
  TactExample *example = g_new0 (TactExample, 1);

  example->text = g_strdup (text);
  example->outgoing = *outgoing;
  example->spans = g_array_new (FALSE, FALSE, sizeof (TactSpan));
  example->outgoing.text = text;
  verdict = tact_profile_check (profile, &example->outgoing);
  example->outgoing.text = NULL;   /* the example keeps its own copy of the text */
  example->action = verdict->action;
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (g_strcmp0 (finding->rule_id, tact_rule_get_id (rule)) == 0)
        {
          TactSpan span = { finding->start, finding->end };

          example->flagged = TRUE;
          if (span.start >= 0 && span.end > span.start)
            g_array_append_val (example->spans, span);
        }
    }
  return example;
}

/* If @text makes @rule fire, records it as the lesson's example and returns TRUE. */
static gboolean
try_example (TactLesson     *self,
             TactProfile    *profile,
             const TactRule *rule,
             const char     *text)
{
  TactExample *example = check_example (profile, rule, text, &self->outgoing);

  if (!example->flagged)
    {
      example_free (example);
      return FALSE;
    }
  self->example = g_strdup (text);
  self->expected_action = example->action;
  g_ptr_array_add (self->examples, example);
  return TRUE;
}

/* Keeps @example as a contrast when the rule lets it through; frees it otherwise. */
static void
add_contrast (TactLesson  *self,
              TactExample *example)
{
  for (guint i = 0; i < self->examples->len; i++)
    {
      const TactExample *other = g_ptr_array_index (self->examples, i);

      if (g_str_equal (other->text, example->text) &&
          other->outgoing.external_count == example->outgoing.external_count &&
          other->outgoing.room_kind == example->outgoing.room_kind)
        example->flagged = TRUE;  /* a duplicate: dropped below */
    }
  if (example->flagged)
    example_free (example);
  else
    g_ptr_array_add (self->examples, example);
}

/* Similar messages the rule does not flag: the found words replaced by harmless ones, and
 * the same message among colleagues when the rule is about people from outside. */
static void
add_contrasts (TactLesson     *self,
               TactProfile    *profile,
               const TactRule *rule)
{
  const TactExample *flagged = g_ptr_array_index (self->examples, 0);
  TactOutgoing colleague = { NULL, 0, 2, TACT_ROOM_KIND_DM, NULL, 0 };

  if (flagged->spans->len > 0)
    {
      const TactSpan *span = &g_array_index (flagged->spans, TactSpan, 0);
      const char *start = g_utf8_offset_to_pointer (flagged->text, span->start);
      const char *end = g_utf8_offset_to_pointer (flagged->text, span->end);
      g_autofree char *found = g_strndup (start, end - start);
      g_autofree char *text = g_strdup_printf ("%.*s%s%s", (int) (start - flagged->text),
                                               flagged->text,
                                               is_cjk_text (flagged->text) ? "会议纪要" : "meeting notes",
                                               end);

      add_contrast (self, check_example (profile, rule, text, &self->outgoing));
    }
  if (self->outgoing.external_count > 0)
    add_contrast (self, check_example (profile, rule, flagged->text, &colleague));
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
  self->alternative = g_strdup (tact_rule_get_alternative (rule));
  self->theme = tact_theme_for_clauses (tact_rule_get_clauses (rule));
  tact_rule_get_sample_outgoing (rule, &self->outgoing);
  self->outgoing.text = NULL;

  if (tact_rule_get_example (rule) == NULL ||
      !try_example (self, profile, rule, tact_rule_get_example (rule)))
    {
      terms = tact_rule_dup_terms (rule);
      for (guint i = 0; terms[i] != NULL && i < MAX_TERMS_TRIED && self->example == NULL; i++)
        {
          g_autofree char *example = example_for_term (terms[i]);

          try_example (self, profile, rule, example);
        }
    }

  if (self->example != NULL)
    add_contrasts (self, profile, rule);
  else  /* No example: the lesson still explains the rule. Log the id only. */
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

const char *
tact_lesson_get_alternative (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  return self->alternative;
}

const char * const *
tact_lesson_get_clauses (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  return (const char * const *) self->clauses;
}

TactTheme
tact_lesson_get_theme (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), TACT_THEME_SECRETS);
  return self->theme;
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

guint
tact_lesson_get_n_examples (TactLesson *self)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), 0);
  return self->examples->len;
}

const TactExample *
tact_lesson_get_nth_example (TactLesson *self,
                             guint       i)
{
  g_return_val_if_fail (TACT_IS_LESSON (self), NULL);
  g_return_val_if_fail (i < self->examples->len, NULL);
  return g_ptr_array_index (self->examples, i);
}

char *
tact_outgoing_describe_audience (const TactOutgoing *outgoing)
{
  g_return_val_if_fail (outgoing != NULL, NULL);

  if (outgoing->room_kind == TACT_ROOM_KIND_DM)
    return g_strdup (outgoing->external_count > 0 ? _("to a customer outside the company")
                                                  : _("to a colleague"));
  if (outgoing->room_kind == TACT_ROOM_KIND_ANNOUNCEMENT)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "in an announcement room of %u person",
                                         "in an announcement room of %u people",
                                         outgoing->member_count),
                            outgoing->member_count);
  if (outgoing->external_count > 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "in a group of %u, with someone from outside",
                                         "in a group of %u, with people from outside",
                                         outgoing->external_count),
                            outgoing->member_count);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "in a group of %u colleague",
                                       "in a group of %u colleagues", outgoing->member_count),
                          outgoing->member_count);
}
