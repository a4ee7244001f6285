/* tact-tutorial-window.c: the Policy Tutorial window. A sidebar (welcome, the lessons under
 * their themes, the company's cases, the quiz) and one page per entry, built from the models
 * in src/tutorial: every example and every quiz answer is what the engine does. A finished
 * quiz goes to the session's TactTraining, which records it; this view only shows and asks. */
#include <glib/gi18n-lib.h>

#include "session/tact-practice.h"
#include "tact-tutorial-window.h"
#include "tutorial/tact-quiz.h"

#define QUIZ_ITEMS 10

struct _TactTutorialWindow
{
  AdwWindow parent_instance;

  /* owned */
  TactProfile  *profile;
  TactTraining *training;     /* may be NULL */
  TactTutorial *tutorial;
  TactQuiz     *quiz;
  GHashTable   *read;         /* rule ids of the lessons opened */
  char         *module;       /* the role module chosen, or NULL */
  guint         quiz_index;
  guint         attempts;

  /* borrowed */
  AdwLeaflet   *leaflet;
  GtkListBox   *sidebar;
  GtkStack     *stack;
  GtkWidget    *status_label;     /* welcome: passed, or why the tutorial is asked for */
  GtkWidget    *module_label;     /* welcome: the module's text */
  GtkWidget    *quiz_progress;
  GtkWidget    *quiz_question;
  GtkWidget    *quiz_message;
  GtkWidget    *quiz_options;     /* a box of grouped GtkToggleButton */
  GtkWidget    *quiz_feedback;
  GtkWidget    *quiz_button;      /* Check Answer / Next Question / See Result */
  GtkWidget    *result_title;
  GtkWidget    *result_detail;
  GtkWidget    *result_record;    /* what became of the record */
};

G_DEFINE_FINAL_TYPE (TactTutorialWindow, tact_tutorial_window, ADW_TYPE_WINDOW)

enum {
  SIGNAL_PRACTICE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
tact_tutorial_window_dispose (GObject *object)
{
  TactTutorialWindow *self = TACT_TUTORIAL_WINDOW (object);

  if (self->training != NULL)
    g_signal_handlers_disconnect_by_data (self->training, self);
  g_clear_object (&self->profile);
  g_clear_object (&self->training);
  g_clear_object (&self->tutorial);
  g_clear_object (&self->quiz);
  g_clear_pointer (&self->read, g_hash_table_unref);
  g_clear_pointer (&self->module, g_free);
  G_OBJECT_CLASS (tact_tutorial_window_parent_class)->dispose (object);
}

static void
tact_tutorial_window_class_init (TactTutorialWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tact_tutorial_window_dispose;
  /* See tact-tutorial-window.h. */
  signals[SIGNAL_PRACTICE] =
    g_signal_new ("practice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
tact_tutorial_window_init (TactTutorialWindow *self)
{
  self->read = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- Small widgets -------------------------------------------------------------------- */

static GtkWidget *
label_new (const char *text, const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

/* A scrolled, clamped column for a page's content. */
static GtkWidget *
page_new (GtkWidget **column)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();

  *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (*column, 24);
  gtk_widget_set_margin_bottom (*column, 24);
  gtk_widget_set_margin_start (*column, 12);
  gtk_widget_set_margin_end (*column, 12);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
  adw_clamp_set_child (ADW_CLAMP (clamp), *column);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  return scrolled;
}

/* @example's text with the rule's findings highlighted (Pango markup). */
static char *
example_markup (const TactExample *example)
{
  GString *markup = g_string_new (NULL);
  glong at = 0, length = g_utf8_strlen (example->text, -1);

  for (guint i = 0; i < example->spans->len; i++)
    {
      const TactSpan *span = &g_array_index (example->spans, TactSpan, i);
      g_autofree char *before = NULL, *found = NULL;
      g_autofree char *before_escaped = NULL, *found_escaped = NULL;

      if (span->start < at || span->end > length)
        continue;
      before = g_utf8_substring (example->text, at, span->start);
      found = g_utf8_substring (example->text, span->start, span->end);
      before_escaped = g_markup_escape_text (before, -1);
      found_escaped = g_markup_escape_text (found, -1);
      g_string_append_printf (markup, "%s<span background=\"#f8e45c\" foreground=\"#000000\"><b>%s</b></span>",
                              before_escaped, found_escaped);
      at = span->end;
    }
  {
    g_autofree char *rest = g_utf8_substring (example->text, at, length);
    g_autofree char *escaped = g_markup_escape_text (rest, -1);

    g_string_append (markup, escaped);
  }
  return g_string_free (markup, FALSE);
}

/* ---- Pages ------------------------------------------------------------------------------ */

static void select_page (TactTutorialWindow *self, const char *name);

static void
next_clicked_cb (GtkButton *button, TactTutorialWindow *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->sidebar);
  int index = row != NULL ? gtk_list_box_row_get_index (row) : -1;
  GtkListBoxRow *next;

  /* The next selectable row (theme headings are not). */
  while ((next = gtk_list_box_get_row_at_index (self->sidebar, ++index)) != NULL &&
         !gtk_list_box_row_get_selectable (next))
    ;
  if (next != NULL)
    gtk_list_box_select_row (self->sidebar, next);
}

static GtkWidget *
next_button_new (TactTutorialWindow *self, const char *label)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_halign (button, GTK_ALIGN_END);
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_add_css_class (button, "pill");
  g_signal_connect (button, "clicked", G_CALLBACK (next_clicked_cb), self);
  return button;
}

static GtkWidget *
lesson_page_new (TactTutorialWindow *self, TactLesson *lesson)
{
  GtkWidget *column;
  GtkWidget *page = page_new (&column);
  const char *alternative = tact_lesson_get_alternative (lesson);

  gtk_box_append (GTK_BOX (column), label_new (tact_lesson_get_title (lesson), "title-2"));
  gtk_box_append (GTK_BOX (column), label_new (tact_lesson_get_explanation (lesson), NULL));

  /* The policy's clauses, in the person's words, and why they exist. */
  gtk_box_append (GTK_BOX (column), label_new (_("What the policy says"), "heading"));
  for (const char * const *id = tact_lesson_get_clauses (lesson); *id != NULL; id++)
    {
      const TactClause *clause = tact_clause_lookup (*id);
      g_autofree char *text = NULL;

      if (clause == NULL)
        continue;
      /* Translators: a policy clause id ("PUB-1") and its text. */
      text = g_strdup_printf (_("%s · %s"), *id, tact_clause_get_text (clause));
      gtk_box_append (GTK_BOX (column), label_new (text, NULL));
      {
        /* Translators: why a clause of the policy exists. */
        g_autofree char *why = g_strdup_printf (_("Why: %s"), tact_clause_get_why (clause));
        gtk_box_append (GTK_BOX (column), label_new (why, "dim-label"));
      }
    }

  /* Examples: what Tact flags, next to what it lets through. */
  if (tact_lesson_get_n_examples (lesson) > 0)
    gtk_box_append (GTK_BOX (column), label_new (_("Examples"), "heading"));
  else
    gtk_box_append (GTK_BOX (column),
                    label_new (_("This rule looks at files and rooms rather than words, so there is no example message."),
                               "dim-label"));
  for (guint e = 0; e < tact_lesson_get_n_examples (lesson); e++)
    {
      const TactExample *example = tact_lesson_get_nth_example (lesson, e);
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *text = label_new (NULL, NULL);
      g_autofree char *markup = example_markup (example);
      g_autofree char *audience = tact_outgoing_describe_audience (&example->outgoing);
      g_autofree char *verdict = NULL;

      gtk_widget_add_css_class (card, "card");
      gtk_widget_set_margin_bottom (card, 6);
      gtk_label_set_markup (GTK_LABEL (text), markup);
      gtk_widget_set_margin_top (text, 12);
      gtk_widget_set_margin_start (text, 12);
      gtk_widget_set_margin_end (text, 12);
      gtk_box_append (GTK_BOX (card), text);
      /* Translators: an audience ("to a colleague") and what happens ("It is sent as written"). */
      verdict = g_strdup_printf (_("Sent %s: %s."), audience, tact_quiz_action_answer (example->action));
      text = label_new (verdict, example->flagged ? "warning" : "success");
      gtk_widget_set_margin_bottom (text, 12);
      gtk_widget_set_margin_start (text, 12);
      gtk_widget_set_margin_end (text, 12);
      gtk_box_append (GTK_BOX (card), text);
      gtk_box_append (GTK_BOX (column), card);
    }

  if (alternative != NULL)
    {
      gtk_box_append (GTK_BOX (column), label_new (_("What to do instead"), "heading"));
      gtk_box_append (GTK_BOX (column), label_new (alternative, NULL));
    }
  gtk_box_append (GTK_BOX (column), next_button_new (self, _("_Next")));
  return page;
}

static void
module_selected_cb (GtkDropDown *dropdown, GParamSpec *pspec, TactTutorialWindow *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);
  const TactTrainingModule *module = selected > 0 && selected != GTK_INVALID_LIST_POSITION
                                     ? tact_profile_get_training_module (self->profile, selected - 1) : NULL;

  g_free (self->module);
  self->module = module != NULL ? g_strdup (tact_training_module_get_id (module)) : NULL;
  gtk_label_set_text (GTK_LABEL (self->module_label),
                      module != NULL ? tact_training_module_get_text (module) : "");
  gtk_widget_set_visible (self->module_label, module != NULL);
}

static void
update_status (TactTutorialWindow *self)
{
  g_autofree char *text = NULL;
  const TactStoreTraining *last = self->training ? tact_training_get_last (self->training) : NULL;

  if (self->training == NULL)
    text = g_strdup (_("You are not signed in, so your quiz result cannot be recorded. The lessons and the quiz work all the same."));
  else if (tact_training_get_passed (self->training) && last != NULL)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (last->ts / 1000);
      g_autofree char *date = g_date_time_format (when, "%x");

      /* Translators: the date, then the score in percent. */
      text = g_strdup_printf (_("You passed on %s with %u%%. You can go through it again at any time."),
                              date, last->score);
    }
  else if ((text = tact_training_dup_reason (self->training)) == NULL)
    text = g_strdup (_("Go through the lessons, then take the quiz."));
  gtk_label_set_text (GTK_LABEL (self->status_label), text);
}

static GtkWidget *
welcome_page_new (TactTutorialWindow *self)
{
  GtkWidget *column;
  GtkWidget *page = page_new (&column);
  g_autofree char *intro = NULL;
  guint n_lessons = g_list_model_get_n_items (tact_tutorial_get_lessons (self->tutorial));

  gtk_box_append (GTK_BOX (column), label_new (_("Welcome to the Policy Tutorial"), "title-1"));
  /* Translators: the profile's name, its version, and how many lessons there are. */
  intro = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "These lessons come from your company’s messaging policy (%s, version %s): %u lesson, each with examples Tact really flags and similar ones it lets through. A quiz follows; you need %u%% to pass.",
                                        "These lessons come from your company’s messaging policy (%s, version %s): %u lessons, each with examples Tact really flags and similar ones it lets through. A quiz follows; you need %u%% to pass.",
                                        n_lessons),
                           tact_profile_get_name (self->profile), tact_profile_get_version (self->profile),
                           n_lessons, tact_profile_get_training_pass_mark (self->profile));
  gtk_box_append (GTK_BOX (column), label_new (intro, NULL));
  self->status_label = label_new (NULL, "accent");
  gtk_box_append (GTK_BOX (column), self->status_label);
  update_status (self);

  /* TRN-3: the role modules the company wrote. */
  if (tact_profile_get_n_training_modules (self->profile) > 0)
    {
      GtkStringList *names = gtk_string_list_new (NULL);
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *label = label_new (_("Your _role:"), NULL);
      GtkWidget *dropdown;

      gtk_string_list_append (names, _("No particular role"));
      for (guint m = 0; m < tact_profile_get_n_training_modules (self->profile); m++)
        gtk_string_list_append (names, tact_training_module_get_title (tact_profile_get_training_module (self->profile, m)));
      dropdown = gtk_drop_down_new (G_LIST_MODEL (names), NULL);
      gtk_label_set_use_underline (GTK_LABEL (label), TRUE);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), dropdown);
      gtk_widget_set_hexpand (label, FALSE);
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (GTK_BOX (row), dropdown);
      gtk_box_append (GTK_BOX (column), row);
      self->module_label = label_new (NULL, "dim-label");
      gtk_widget_set_visible (self->module_label, FALSE);
      gtk_box_append (GTK_BOX (column), self->module_label);
      g_signal_connect (dropdown, "notify::selected", G_CALLBACK (module_selected_cb), self);
    }
  gtk_box_append (GTK_BOX (column), next_button_new (self, _("_Start")));
  return page;
}

static GtkWidget *
cases_page_new (TactTutorialWindow *self)
{
  GtkWidget *column;
  GtkWidget *page = page_new (&column);

  gtk_box_append (GTK_BOX (column), label_new (_("Real Cases"), "title-2"));
  gtk_box_append (GTK_BOX (column), label_new (_("What happened at companies like yours, and how to avoid it."), "dim-label"));
  for (guint i = 0; i < tact_profile_get_n_training_cases (self->profile); i++)
    {
      const TactTrainingCase *training_case = tact_profile_get_training_case (self->profile, i);

      gtk_box_append (GTK_BOX (column), label_new (tact_training_case_get_title (training_case), "heading"));
      gtk_box_append (GTK_BOX (column), label_new (tact_training_case_get_text (training_case), NULL));
    }
  gtk_box_append (GTK_BOX (column), next_button_new (self, _("_Next")));
  return page;
}

/* ---- Practice ---------------------------------------------------------------------------- */

static void
practice_clicked_cb (GtkButton *button, TactTutorialWindow *self)
{
  g_signal_emit (self, signals[SIGNAL_PRACTICE], 0,
                 GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "scenario")));
}

static GtkWidget *
practice_page_new (TactTutorialWindow *self, guint index)
{
  const TactPracticeScenario *scenario = tact_practice_get_scenario (index);
  GtkWidget *column;
  GtkWidget *page = page_new (&column);
  GtkWidget *start = gtk_button_new_with_mnemonic (_("Start _Practice"));

  gtk_box_append (GTK_BOX (column), label_new (tact_practice_scenario_get_title (scenario), "title-2"));
  gtk_box_append (GTK_BOX (column), label_new (tact_practice_scenario_get_task (scenario), NULL));
  gtk_box_append (GTK_BOX (column),
                  label_new (_("It happens in the main window, in the practice world: the guard answers as it always does, and nothing reaches your company’s server. When you have answered, Tact says whether that was what the policy asks."),
                             "dim-label"));
  g_object_set_data (G_OBJECT (start), "scenario", GUINT_TO_POINTER (index));
  gtk_widget_set_halign (start, GTK_ALIGN_END);
  gtk_widget_add_css_class (start, "suggested-action");
  gtk_widget_add_css_class (start, "pill");
  g_signal_connect (start, "clicked", G_CALLBACK (practice_clicked_cb), self);
  gtk_box_append (GTK_BOX (column), start);
  return page;
}

/* ---- The quiz --------------------------------------------------------------------------- */

static void show_question (TactTutorialWindow *self);

static int
chosen_option (TactTutorialWindow *self)
{
  int index = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (self->quiz_options); child != NULL;
       child = gtk_widget_get_next_sibling (child), index++)
    if (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (child)))
      return index;
  return -1;
}

static void
recorded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactTutorialWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->result_record == NULL)
    return;
  if (!tact_training_record_finish (TACT_TRAINING (source), result, &error))
    gtk_label_set_text (GTK_LABEL (self->result_record), error->message);
  else
    gtk_label_set_text (GTK_LABEL (self->result_record),
                        _("Your result is kept in your encrypted history and was reported to your company’s supervision room."));
  update_status (self);
}

static void
show_result (TactTutorialWindow *self)
{
  guint score = tact_quiz_get_score (self->quiz);
  guint pass_mark = tact_profile_get_training_pass_mark (self->profile);
  g_autofree char *detail = NULL;

  gtk_label_set_text (GTK_LABEL (self->result_title),
                      score >= pass_mark ? _("Passed") : _("Not Passed Yet"));
  /* Translators: the score and the pass mark, in percent. */
  detail = g_strdup_printf (_("You answered %u%% of the questions right; the pass mark is %u%%."), score, pass_mark);
  gtk_label_set_text (GTK_LABEL (self->result_detail), detail);
  gtk_stack_set_visible_child_name (self->stack, "result");
  if (self->training != NULL)
    {
      gtk_label_set_text (GTK_LABEL (self->result_record), _("Recording your result…"));
      tact_training_record_async (self->training, score, g_hash_table_size (self->read),
                                  g_list_model_get_n_items (tact_tutorial_get_lessons (self->tutorial)),
                                  self->module, NULL, recorded_cb, g_object_ref (self));
    }
  else
    gtk_label_set_text (GTK_LABEL (self->result_record),
                        _("You are not signed in, so this result was not recorded."));
}

static void
quiz_button_clicked_cb (GtkButton *button, TactTutorialWindow *self)
{
  const TactQuizItem *item = tact_quiz_get_item (self->quiz, self->quiz_index);
  int choice = chosen_option (self);

  if (item->answer < 0)
    {
      g_autofree char *feedback = NULL;

      if (choice < 0)
        {
          gtk_label_set_text (GTK_LABEL (self->quiz_feedback), _("Choose an answer first."));
          gtk_widget_set_visible (self->quiz_feedback, TRUE);
          return;
        }
      if (tact_quiz_answer (self->quiz, self->quiz_index, (guint) choice))
        /* Translators: the answer was right; then why. */
        feedback = g_strdup_printf (_("Right. %s"), item->explanation);
      else
        /* Translators: the right answer, then why. */
        feedback = g_strdup_printf (_("Not quite: the answer is “%s”. %s"),
                                    item->options[item->correct], item->explanation);
      gtk_label_set_text (GTK_LABEL (self->quiz_feedback), feedback);
      gtk_widget_set_visible (self->quiz_feedback, TRUE);
      gtk_widget_set_sensitive (self->quiz_options, FALSE);
      gtk_button_set_label (button, self->quiz_index + 1 < tact_quiz_get_n_items (self->quiz)
                                    ? _("_Next Question") : _("_See Result"));
      return;
    }
  self->quiz_index++;
  if (self->quiz_index < tact_quiz_get_n_items (self->quiz))
    show_question (self);
  else
    show_result (self);
}

static void
show_question (TactTutorialWindow *self)
{
  const TactQuizItem *item = tact_quiz_get_item (self->quiz, self->quiz_index);
  GtkWidget *child, *group = NULL;
  g_autofree char *progress = NULL;

  /* Translators: question number and number of questions. */
  progress = g_strdup_printf (_("Question %u of %u"), self->quiz_index + 1, tact_quiz_get_n_items (self->quiz));
  gtk_label_set_text (GTK_LABEL (self->quiz_progress), progress);
  gtk_label_set_text (GTK_LABEL (self->quiz_question), item->question);
  gtk_label_set_text (GTK_LABEL (self->quiz_message), item->message ? item->message : "");
  gtk_widget_set_visible (self->quiz_message, item->message != NULL);
  while ((child = gtk_widget_get_first_child (self->quiz_options)) != NULL)
    gtk_box_remove (GTK_BOX (self->quiz_options), child);
  /* Toggle buttons in one group (one answer at a time): GTK 4.8's check buttons offer
   * assistive technologies no action to choose them with. */
  for (guint i = 0; item->options[i] != NULL; i++)
    {
      GtkWidget *option = gtk_toggle_button_new ();
      GtkWidget *label = gtk_label_new (item->options[i]);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_button_set_child (GTK_BUTTON (option), label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (option), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      item->options[i], -1);
      if (group != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (option), GTK_TOGGLE_BUTTON (group));
      else
        group = option;
      gtk_box_append (GTK_BOX (self->quiz_options), option);
    }
  gtk_widget_set_sensitive (self->quiz_options, TRUE);
  gtk_widget_set_visible (self->quiz_feedback, FALSE);
  gtk_button_set_label (GTK_BUTTON (self->quiz_button), _("_Check Answer"));
  gtk_stack_set_visible_child_name (self->stack, "quiz");
}

static void
start_quiz (TactTutorialWindow *self)
{
  g_clear_object (&self->quiz);
  /* A retake gets other questions; the first attempt is the same for everyone. */
  self->quiz = tact_quiz_new (self->tutorial, QUIZ_ITEMS, 1 + self->attempts++ * 7919);
  self->quiz_index = 0;
  if (tact_quiz_get_n_items (self->quiz) == 0)
    {
      gtk_label_set_text (GTK_LABEL (self->quiz_question),
                          _("This policy has no examples to ask about, so there is no quiz."));
      gtk_widget_set_visible (self->quiz_button, FALSE);
      gtk_stack_set_visible_child_name (self->stack, "quiz");
      return;
    }
  show_question (self);
}

static void
retake_clicked_cb (GtkButton *button, TactTutorialWindow *self)
{
  start_quiz (self);
}

static GtkWidget *
quiz_page_new (TactTutorialWindow *self)
{
  GtkWidget *column;
  GtkWidget *page = page_new (&column);

  self->quiz_progress = label_new (NULL, "dim-label");
  self->quiz_question = label_new (NULL, "title-3");
  self->quiz_message = label_new (NULL, "card");
  gtk_widget_add_css_class (self->quiz_message, "monospace");
  self->quiz_options = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->quiz_feedback = label_new (NULL, NULL);
  self->quiz_button = gtk_button_new_with_mnemonic (_("_Check Answer"));
  gtk_widget_set_halign (self->quiz_button, GTK_ALIGN_END);
  gtk_widget_add_css_class (self->quiz_button, "suggested-action");
  gtk_widget_add_css_class (self->quiz_button, "pill");
  g_signal_connect (self->quiz_button, "clicked", G_CALLBACK (quiz_button_clicked_cb), self);
  gtk_box_append (GTK_BOX (column), self->quiz_progress);
  gtk_box_append (GTK_BOX (column), self->quiz_question);
  gtk_box_append (GTK_BOX (column), self->quiz_message);
  gtk_box_append (GTK_BOX (column), self->quiz_options);
  gtk_box_append (GTK_BOX (column), self->quiz_feedback);
  gtk_box_append (GTK_BOX (column), self->quiz_button);
  return page;
}

static GtkWidget *
result_page_new (TactTutorialWindow *self)
{
  GtkWidget *column;
  GtkWidget *page = page_new (&column);
  GtkWidget *retake = gtk_button_new_with_mnemonic (_("_Retake the Quiz"));

  self->result_title = label_new (NULL, "title-1");
  self->result_detail = label_new (NULL, NULL);
  self->result_record = label_new (NULL, "dim-label");
  gtk_widget_set_halign (retake, GTK_ALIGN_END);
  gtk_widget_add_css_class (retake, "pill");
  g_signal_connect (retake, "clicked", G_CALLBACK (retake_clicked_cb), self);
  gtk_box_append (GTK_BOX (column), self->result_title);
  gtk_box_append (GTK_BOX (column), self->result_detail);
  gtk_box_append (GTK_BOX (column), self->result_record);
  gtk_box_append (GTK_BOX (column), retake);
  return page;
}

/* ---- The sidebar ------------------------------------------------------------------------ */

static void
add_entry (TactTutorialWindow *self, const char *name, const char *title, GtkWidget *page)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_top (label, 8);
  gtk_widget_set_margin_bottom (label, 8);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_widget_set_name (row, name);
  gtk_list_box_append (self->sidebar, row);
  if (page != NULL)
    gtk_stack_add_named (self->stack, page, name);
}

static void
add_heading (TactTutorialWindow *self, const char *title)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_start (label, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_append (self->sidebar, row);
}

static void
row_selected_cb (GtkListBox *box, GtkListBoxRow *row, TactTutorialWindow *self)
{
  const char *name;

  if (row == NULL)
    return;
  name = gtk_widget_get_name (GTK_WIDGET (row));
  if (g_str_has_prefix (name, "lesson:"))
    g_hash_table_add (self->read, g_strdup (name + strlen ("lesson:")));
  if (g_str_equal (name, "quiz"))
    start_quiz (self);
  else
    gtk_stack_set_visible_child_name (self->stack, name);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
select_page (TactTutorialWindow *self, const char *name)
{
  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->sidebar, i);

      if (row == NULL)
        return;
      if (g_strcmp0 (gtk_widget_get_name (GTK_WIDGET (row)), name) == 0)
        {
          gtk_list_box_select_row (self->sidebar, row);
          return;
        }
    }
}

static void
back_clicked_cb (GtkButton *button, TactTutorialWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
build (TactTutorialWindow *self)
{
  GListModel *lessons = tact_tutorial_get_lessons (self->tutorial);
  GtkWidget *sidebar_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *content_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *sidebar_header = adw_header_bar_new ();
  GtkWidget *content_header = adw_header_bar_new ();
  GtkWidget *back = gtk_button_new_from_icon_name ("go-previous-symbolic");
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  int last_theme = -1;

  self->leaflet = ADW_LEAFLET (adw_leaflet_new ());
  self->sidebar = GTK_LIST_BOX (gtk_list_box_new ());
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_add_css_class (GTK_WIDGET (self->sidebar), "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->sidebar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Tutorial contents"), -1);
  gtk_widget_set_tooltip_text (back, _("Back to the contents"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (back), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Back"), -1);
  g_signal_connect (back, "clicked", G_CALLBACK (back_clicked_cb), self);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (sidebar_header), FALSE);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (sidebar_header), adw_window_title_new (_("Policy Tutorial"), NULL));
  adw_header_bar_pack_start (ADW_HEADER_BAR (content_header), back);
  g_object_bind_property (self->leaflet, "folded", back, "visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->leaflet, "folded", content_header, "show-start-title-buttons", G_BINDING_SYNC_CREATE);

  add_entry (self, "welcome", _("Welcome"), welcome_page_new (self));
  for (guint i = 0; i < g_list_model_get_n_items (lessons); i++)
    {
      g_autoptr(TactLesson) lesson = g_list_model_get_item (lessons, i);
      g_autofree char *name = g_strdup_printf ("lesson:%s", tact_lesson_get_rule_id (lesson));

      if ((int) tact_lesson_get_theme (lesson) != last_theme)
        {
          last_theme = tact_lesson_get_theme (lesson);
          add_heading (self, tact_theme_get_title (last_theme));
        }
      add_entry (self, name, tact_lesson_get_title (lesson), lesson_page_new (self, lesson));
    }
  if (tact_profile_get_n_training_cases (self->profile) > 0)
    {
      add_heading (self, _("From Experience"));
      add_entry (self, "cases", _("Real Cases"), cases_page_new (self));
    }
  add_heading (self, _("Practice"));
  for (guint i = 0; i < tact_practice_get_n_scenarios (); i++)
    {
      const TactPracticeScenario *scenario = tact_practice_get_scenario (i);
      g_autofree char *name = g_strdup_printf ("practice:%s", tact_practice_scenario_get_id (scenario));

      add_entry (self, name, tact_practice_scenario_get_title (scenario), practice_page_new (self, i));
    }
  add_heading (self, _("Check Yourself"));
  add_entry (self, "quiz", _("Quiz"), quiz_page_new (self));
  gtk_stack_add_named (self->stack, result_page_new (self), "result");
  g_signal_connect (self->sidebar, "row-selected", G_CALLBACK (row_selected_cb), self);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->sidebar));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_widget_set_size_request (sidebar_box, 260, -1);
  gtk_box_append (GTK_BOX (sidebar_box), sidebar_header);
  gtk_box_append (GTK_BOX (sidebar_box), scrolled);
  gtk_widget_set_hexpand (content_box, TRUE);
  gtk_box_append (GTK_BOX (content_box), content_header);
  gtk_box_append (GTK_BOX (content_box), GTK_WIDGET (self->stack));
  adw_leaflet_append (self->leaflet, sidebar_box);
  adw_leaflet_append (self->leaflet, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  adw_leaflet_append (self->leaflet, content_box);
  adw_leaflet_set_visible_child (self->leaflet, content_box);
  adw_window_set_content (ADW_WINDOW (self), GTK_WIDGET (self->leaflet));
  select_page (self, "welcome");
}

static void
training_changed_cb (GObject *training, GParamSpec *pspec, TactTutorialWindow *self)
{
  update_status (self);
}

GtkWidget *
tact_tutorial_window_new (GtkWindow *parent, TactProfile *profile, TactTraining *training)
{
  TactTutorialWindow *self;

  g_return_val_if_fail (TACT_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (training == NULL || TACT_IS_TRAINING (training), NULL);

  self = g_object_new (TACT_TYPE_TUTORIAL_WINDOW,
                       "transient-for", parent,
                       "title", _("Policy Tutorial"),
                       "default-width", 960,
                       "default-height", 680,
                       NULL);
  self->profile = g_object_ref (profile);
  self->training = training ? g_object_ref (training) : NULL;
  self->tutorial = tact_tutorial_new (profile);
  if (training != NULL)
    {
      g_signal_connect (training, "notify::passed", G_CALLBACK (training_changed_cb), self);
      g_signal_connect (training, "notify::loaded", G_CALLBACK (training_changed_cb), self);
    }
  build (self);
  return GTK_WIDGET (self);
}

void
tact_tutorial_window_show_lesson (TactTutorialWindow *self, const char *rule_id)
{
  g_autofree char *name = NULL;

  g_return_if_fail (TACT_IS_TUTORIAL_WINDOW (self));
  name = g_strdup_printf ("lesson:%s", rule_id);
  select_page (self, name);
}
