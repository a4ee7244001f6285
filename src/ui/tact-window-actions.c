/* tact-window-actions.c: the window's actions (win.*, room.*, composer.*) and their shortcuts.
 * Each handler starts a workflow and shows its outcome; the session does the work. */
#include <glib/gi18n-lib.h>

#include "session/tact-account.h"
#include "tact-approvals-window.h"
#include "tact-preferences-window.h"
#include "tact-records-window.h"
#include "tact-tutorial-window.h"
#include "tact-window-private.h"

/* ---- composer.attach: a file chooser (or the tests' list) -> the window's attach workflow ---- */

static void
attach_chooser_response_cb (GtkNativeDialog *chooser, int response, TactWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (file)
        _tact_window_attach_file (self, file);
    }
  g_object_unref (chooser);
}

static void
attach_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);
  GtkFileChooserNative *chooser;
  const char *test_path = g_getenv ("TACT_TEST_ATTACH_PATH");

  if (!self->session || !self->room)
    return;
  /* TEST ONLY: the UI tests (tests/ui/test-attach.py) name the files here, separated by ':',
   * one per use of the action (the last one again once they run out), instead of driving a
   * file chooser, which under Xvfb without a portal is a GtkFileChooserDialog that AT-SPI
   * drives poorly. Everything after the choice is the same path a person takes. */
  if (test_path && *test_path)
    {
      g_auto(GStrv) paths = g_strsplit (test_path, ":", -1);
      guint n = g_strv_length (paths);
      g_autoptr(GFile) file = g_file_new_for_path (paths[MIN (self->test_attach_count, n - 1)]);

      self->test_attach_count++;
      _tact_window_attach_file (self, file);
      return;
    }
  chooser = gtk_file_chooser_native_new (_("Attach a File"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (attach_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- Saving a file message: chooser -> session download -> written asynchronously ------- */

typedef struct {
  TactWindow  *window;   /* owned ref */
  TactMessage *message;  /* owned ref */
  GFile       *target;   /* owned */
} SaveState;

static void
save_state_free (SaveState *state)
{
  g_clear_object (&state->window);
  g_clear_object (&state->message);
  g_clear_object (&state->target);
  g_free (state);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveState, save_state_free)

static void
file_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaveState) state = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _tact_window_show_error (state->window, _("Could Not Save the File"), error->message);
      return;
    }
  name = g_file_get_basename (state->target);
  text = g_strdup_printf (_("Saved “%s”"), name);
  adw_toast_overlay_add_toast (state->window->chat_toasts, adw_toast_new (text));
}

static void
file_downloaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(SaveState) state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = tact_session_download_finish (TACT_SESSION (source), result, NULL, &error);

  if (!bytes)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _tact_window_show_error (state->window, _("Could Not Download the File"), error->message);
      return;
    }
  g_file_replace_contents_bytes_async (state->target, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       state->window->cancellable, file_written_cb, state);
  g_steal_pointer (&state);
}

static void
save_to (TactWindow *self, TactMessage *message, GFile *target)
{
  SaveState *state;

  if (!self->session)
    return;
  state = g_new0 (SaveState, 1);
  state->window = g_object_ref (self);
  state->message = g_object_ref (message);
  state->target = g_object_ref (target);
  tact_session_download_async (self->session, message, self->cancellable, file_downloaded_cb, state);
}

static void
save_chooser_response_cb (GtkNativeDialog *chooser, int response, SaveState *pending)
{
  g_autoptr(SaveState) state = pending;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) target = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (target)
        save_to (state->window, state->message, target);
    }
  g_object_unref (chooser);
}

/* The file name a received file is saved under by default: its own, without any folder part. */
static char *
suggested_name (TactMessage *message)
{
  g_autofree char *base = g_path_get_basename (tact_message_get_body (message));

  if (!*base || g_str_equal (base, ".") || g_str_equal (base, "..") || g_str_equal (base, G_DIR_SEPARATOR_S))
    return g_strdup (_("file"));
  return g_steal_pointer (&base);
}

static void
save_file_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  TactMessage *message = NULL;
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;
  SaveState *pending;
  const char *test_dir = g_getenv ("TACT_TEST_SAVE_DIR");

  if (self->room)
    message = tact_room_find_by_event (self->room, id);
  if (!message && self->room)
    message = tact_room_find_by_txn (self->room, id);
  if (!message || !tact_message_is_file (message))
    return;
  name = suggested_name (message);
  /* TEST ONLY, like TACT_TEST_ATTACH_PATH: the UI tests save into this folder instead of
   * driving a file chooser; the download and the asynchronous write are the same. */
  if (test_dir && *test_dir)
    {
      g_autoptr(GFile) target = g_file_new_build_filename (test_dir, name, NULL);
      save_to (self, message, target);
      return;
    }
  chooser = gtk_file_chooser_native_new (_("Save File"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  pending = g_new0 (SaveState, 1);
  pending->window = g_object_ref (self);
  pending->message = g_object_ref (message);
  g_signal_connect (chooser, "response", G_CALLBACK (save_chooser_response_cb), pending);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- win.sign-out ------------------------------------------------------------- */

static void
signed_out_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tact_account_logout_finish (result, &error))
    g_warning ("Sign-out did not complete: %s", error->message);
  tact_window_set_session (self, NULL);
  tact_window_show_login (self, self->practice, NULL);
}

static void
sign_out_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);

  if (self->session)
    tact_account_logout_async (self->session, NULL, signed_out_cb, g_object_ref (self));
}

static TactMessage *
find_pending_message (TactWindow *self, GVariant *parameter)
{
  const char *txn_id = g_variant_get_string (parameter, NULL);

  return self->room ? tact_room_find_by_txn (self->room, txn_id) : NULL;
}

static void
retry_message_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);
  TactMessage *message = find_pending_message (self, parameter);

  if (message)
    tact_session_retry_message (self->session, self->room, message);
}

static void
discard_message_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);
  TactMessage *message = find_pending_message (self, parameter);

  if (message)
    tact_session_discard_message (self->session, self->room, message);
}

static void
review_message_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);
  TactMessage *message = find_pending_message (self, parameter);

  if (message && tact_message_get_send_state (message) == TACT_SEND_STATE_HELD)
    _tact_window_review_message (self, message);
}

static void
focus_composer_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);

  if (self->room)
    gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

/* ---- win.show-tutorial, win.show-lesson ---- */

/* The Policy Tutorial for the profile in force (the shipped one when no session has one: then
 * the result cannot be recorded, and the window says so); @rule_id: open at its lesson. */
void
tact_window_show_tutorial (TactWindow *self, const char *rule_id)
{
  TactProfile *profile = self->session ? tact_session_get_profile (self->session) : NULL;
  TactTraining *training = profile != NULL ? tact_session_get_training (self->session) : NULL;
  g_autoptr(TactProfile) shipped = NULL;
  g_autoptr(GError) error = NULL;

  if (profile == NULL && (profile = shipped = tact_profile_new_default (&error)) == NULL)
    {
      AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                             _("The Tutorial Cannot Open"),
                                                                             error->message));
      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  if (!self->tutorial_window)
    {
      self->tutorial_window = tact_tutorial_window_new (GTK_WINDOW (self), profile, training);
      /* The application's accelerators (F1 for help, Ctrl+Q) work in it too; it goes with
       * the main window. */
      gtk_window_set_application (GTK_WINDOW (self->tutorial_window),
                                  gtk_window_get_application (GTK_WINDOW (self)));
      gtk_window_set_destroy_with_parent (GTK_WINDOW (self->tutorial_window), TRUE);
      g_object_add_weak_pointer (G_OBJECT (self->tutorial_window), (gpointer *) &self->tutorial_window);
      g_signal_connect_object (self->tutorial_window, "practice", G_CALLBACK (tact_window_start_practice),
                               self, G_CONNECT_SWAPPED);
    }
  if (rule_id != NULL)
    tact_tutorial_window_show_lesson (TACT_TUTORIAL_WINDOW (self->tutorial_window), rule_id);
  gtk_window_present (GTK_WINDOW (self->tutorial_window));
}

static void
show_tutorial_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  tact_window_show_tutorial (TACT_WINDOW (widget), NULL);
}

static void
show_lesson_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  tact_window_show_tutorial (TACT_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* ---- win.show-approvals, win.show-held, win.show-audit-log, win.show-supervision,
 *      win.show-rule-stats ---- */

static void
show_approvals_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);

  if (!self->session)
    return;
  if (!self->approvals_window)
    {
      self->approvals_window = tact_approvals_window_new (GTK_WINDOW (self),
                                                          tact_session_get_approvals (self->session));
      g_object_add_weak_pointer (G_OBJECT (self->approvals_window), (gpointer *) &self->approvals_window);
    }
  gtk_window_present (GTK_WINDOW (self->approvals_window));
}

static void
show_records (TactWindow *self, const char *page)
{
  if (!self->session)
    return;
  if (!self->records_window)
    {
      self->records_window = tact_records_window_new (GTK_WINDOW (self), self->session);
      g_object_add_weak_pointer (G_OBJECT (self->records_window), (gpointer *) &self->records_window);
    }
  tact_records_window_show_page (TACT_RECORDS_WINDOW (self->records_window), page);
  gtk_window_present (GTK_WINDOW (self->records_window));
}

static void
show_held_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  show_records (TACT_WINDOW (widget), "held");
}

static void
show_audit_log_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  show_records (TACT_WINDOW (widget), "audit");
}

/* Supervisors only: the actions are enabled while the session says we are one (asked again
 * when the main menu opens and when its shortcut is pressed). Not asked before the first sync:
 * the rooms are not known yet, and asking resolves and joins the supervision room. */
void
_tact_window_update_supervision (TactWindow *self)
{
  TactSyncState state = self->session ? tact_session_get_sync_state (self->session) : TACT_SYNC_STATE_STOPPED;
  gboolean supervisor = state != TACT_SYNC_STATE_STOPPED && state != TACT_SYNC_STATE_INITIAL_SYNC
                        && tact_session_is_supervisor (self->session);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-supervision", supervisor);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-rule-stats", supervisor);
}

static void
show_supervision_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  show_records (TACT_WINDOW (widget), "supervision");
}

static void
show_rule_stats_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  show_records (TACT_WINDOW (widget), "rule-stats");
}

/* Ctrl+Alt+S, Ctrl+Alt+R (args: the page): whether we are a supervisor may have changed since
 * the menu was last opened. */
static gboolean
show_supervision_shortcut (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  TactWindow *self = TACT_WINDOW (widget);

  _tact_window_update_supervision (self);
  if (!self->session || !tact_session_is_supervisor (self->session))
    return FALSE;
  show_records (self, g_variant_get_string (args, NULL));
  return TRUE;
}

/* ---- win.show-preferences ------------------------------------------------------ */

/* Enabled only when the schema is installed (the window has its GSettings). */
static void
show_preferences_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  TactWindow *self = TACT_WINDOW (widget);

  if (!self->settings)
    return;
  if (!self->preferences_window)
    {
      self->preferences_window = tact_preferences_window_new (GTK_WINDOW (self), self->settings);
      g_object_add_weak_pointer (G_OBJECT (self->preferences_window), (gpointer *) &self->preferences_window);
    }
  gtk_window_present (GTK_WINDOW (self->preferences_window));
}

/* ---- Installation ------------------------------------------------------------- */

void
_tact_window_class_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_action);
  gtk_widget_class_install_action (widget_class, "composer.focus", NULL, focus_composer_action);
  gtk_widget_class_install_action (widget_class, "room.retry-message", "s", retry_message_action);
  gtk_widget_class_install_action (widget_class, "room.discard-message", "s", discard_message_action);
  gtk_widget_class_install_action (widget_class, "room.review-message", "s", review_message_action);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_action);
  gtk_widget_class_install_action (widget_class, "room.save-file", "s", save_file_action);
  gtk_widget_class_install_action (widget_class, "win.show-approvals", NULL, show_approvals_action);
  gtk_widget_class_install_action (widget_class, "win.show-tutorial", NULL, show_tutorial_action);
  gtk_widget_class_install_action (widget_class, "win.show-lesson", "s", show_lesson_action);
  gtk_widget_class_install_action (widget_class, "win.show-held", NULL, show_held_action);
  gtk_widget_class_install_action (widget_class, "win.show-audit-log", NULL, show_audit_log_action);
  gtk_widget_class_install_action (widget_class, "win.show-supervision", NULL, show_supervision_action);
  gtk_widget_class_install_action (widget_class, "win.show-rule-stats", NULL, show_rule_stats_action);
  gtk_widget_class_install_action (widget_class, "win.show-preferences", NULL, show_preferences_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "composer.focus", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_A, GDK_CONTROL_MASK | GDK_ALT_MASK,
                                       "win.show-approvals", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_A, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "composer.attach", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK | GDK_ALT_MASK,
                                       "win.show-held", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK | GDK_ALT_MASK,
                                       "win.show-audit-log", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_ALT_MASK,
                                show_supervision_shortcut, "s", "supervision");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_ALT_MASK,
                                show_supervision_shortcut, "s", "rule-stats");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.show-preferences", NULL);
  /* Every shortcut above is listed in the shortcuts window too (gtk/help-overlay.ui, Ctrl+?). */
}
