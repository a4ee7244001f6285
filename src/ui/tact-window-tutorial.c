/* tact-window-tutorial.c: what the window does for the policy tutorial (issue 9; docs/tutorial.md):
 * the first-run banner that offers it, the micro-lesson a guard dialog offers the first time
 * a rule stops a message, and the practice scenarios that run in this window. Split from
 * tact-window.c (one job per file); the tutorial's own window is tact-tutorial-window.c. */
#include <glib/gi18n-lib.h>

#include "session/tact-practice.h"
#include "session/tact-training.h"
#include "tact-guard-dialog.h"
#include "tact-window-private.h"

/* ---- The micro-lesson (item 5) ---- */

static void
learn_cb (TactGuardDialog *dialog, const char *rule_id, TactWindow *self)
{
  tact_window_show_tutorial (self, rule_id);
}

/* The micro-lesson (issue 9, item 5): the first time a profile rule stops one of the person's
 * messages, the dialog offers its lesson; the rules offered are kept in "lessons-offered".
 * The guard's own findings (no profile, the tutorial gate) have no lesson. */
void
_tact_window_offer_lesson (TactWindow *self, TactGuardDialog *dialog, const TactVerdict *verdict)
{
  g_auto(GStrv) offered = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) updated = NULL;

  if (self->settings == NULL || !g_settings_is_writable (self->settings, "lessons-offered"))
    return;
  offered = g_settings_get_strv (self->settings, "lessons-offered");
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (finding->rule_id == NULL || g_str_has_prefix (finding->rule_id, "tact.") ||
          g_strv_contains ((const char * const *) offered, finding->rule_id))
        continue;
      tact_guard_dialog_offer_lesson (dialog, finding->rule_id, finding->title);
      g_signal_connect_object (dialog, "learn", G_CALLBACK (learn_cb), self, 0);
      builder = g_strv_builder_new ();
      g_strv_builder_addv (builder, (const char **) offered);
      g_strv_builder_add (builder, finding->rule_id);
      updated = g_strv_builder_end (builder);
      g_settings_set_strv (self->settings, "lessons-offered", (const char * const *) updated);
      return;
    }
}

/* ---- The first-run welcome: the tutorial offered until it is passed ---- */

void
_tact_window_update_tutorial_banner (TactWindow *self)
{
  TactTraining *training = self->session ? tact_session_get_training (self->session) : NULL;
  gboolean offer = training != NULL && tact_training_get_loaded (training) &&
                   !tact_training_get_passed (training) && !self->tutorial_dismissed &&
                   tact_session_get_profile (self->session) != NULL &&
                   (self->settings == NULL || g_settings_get_boolean (self->settings, "show-tutorial-on-start"));

  gtk_revealer_set_reveal_child (self->tutorial_banner, offer);
}

void
_tact_window_on_tutorial_later (TactWindow *self)
{
  self->tutorial_dismissed = TRUE;
  _tact_window_update_tutorial_banner (self);
}

void
_tact_window_on_tutorial_never (TactWindow *self)
{
  if (self->settings != NULL && g_settings_is_writable (self->settings, "show-tutorial-on-start"))
    g_settings_set_boolean (self->settings, "show-tutorial-on-start", FALSE);
  self->tutorial_dismissed = TRUE;
  _tact_window_update_tutorial_banner (self);
}

/* ---- Practice scenarios (issue 9, item 2): in this window, on the practice account ---- */

static void
practice_finished_cb (TactPractice *practice, guint outcome, gboolean right, const char *explanation,
                      TactWindow *self)
{
  gtk_label_set_text (self->practice_label, explanation);
  gtk_button_set_label (self->practice_end, _("_Close"));
  gtk_revealer_set_reveal_child (self->practice_banner, TRUE);
}

void
_tact_window_on_practice_end (TactWindow *self)
{
  if (self->session != NULL)
    tact_practice_stop (tact_session_get_practice (self->session));
  gtk_revealer_set_reveal_child (self->practice_banner, FALSE);
}

void
tact_window_start_practice (TactWindow *self, guint index)
{
  const TactPracticeScenario *scenario = tact_practice_get_scenario (index);
  TactPractice *practice;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  GListModel *rooms;

  if (self->session == NULL || scenario == NULL)
    return;
  practice = tact_session_get_practice (self->session);
  if (!tact_practice_start (practice, scenario, self->practice, &error))
    {
      AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
        GTK_WINDOW (self->tutorial_window ? self->tutorial_window : GTK_WIDGET (self)),
        _("Practice Cannot Start"), error->message));
      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  g_signal_handlers_disconnect_by_func (practice, practice_finished_cb, self);
  g_signal_connect_object (practice, "finished", G_CALLBACK (practice_finished_cb), self, 0);
  /* Translators: %s: what the trainee is asked to do. */
  text = g_strdup_printf (_("Practice: %s"), tact_practice_scenario_get_task (scenario));
  {
    g_autofree char *file = tact_practice_scenario_dup_file_path (scenario);

    if (file != NULL)
      {
        /* Translators: the practice text, then the path of the practice file. */
        g_autofree char *with_file = g_strdup_printf (_("%s The file: %s"), text, file);

        g_free (text);
        text = g_steal_pointer (&with_file);
      }
  }
  gtk_label_set_text (self->practice_label, text);
  gtk_button_set_label (self->practice_end, _("_End Practice"));
  gtk_revealer_set_reveal_child (self->practice_banner, TRUE);
  rooms = tact_session_get_rooms (self->session);
  for (guint i = 0; i < g_list_model_get_n_items (rooms); i++)
    {
      g_autoptr(TactRoom) room = g_list_model_get_item (rooms, i);
      GtkListBoxRow *row;

      if (g_strcmp0 (tact_room_get_display_name (room), tact_practice_scenario_get_room (scenario)) == 0 &&
          (row = gtk_list_box_get_row_at_index (self->room_list, (int) i)) != NULL)
        gtk_list_box_select_row (self->room_list, row);   /* opens it, as a click does */
    }
  gtk_window_present (GTK_WINDOW (self));
}

void
tact_window_set_practice_account (TactWindow *self, TactPracticeAccount *practice)
{
  g_return_if_fail (TACT_IS_WINDOW (self));
  g_set_object (&self->practice, practice);
}
