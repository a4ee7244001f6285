/* tact-application.c: start-up: the practice account's built-in sandbox homeserver (unless
 * disabled), then the stored account (keyring) or the sign-in page. */
#include <glib/gi18n-lib.h>

#include "session/tact-account.h"
#include "session/tact-practice-account.h"
#include "tact-application.h"
#include "tact-window.h"

struct _TactApplication
{
  AdwApplication parent_instance;

  /* owned */
  TactPracticeAccount *practice;   /* the built-in sandbox; NULL when disabled or it failed to start */
  gboolean             tutorial_pending;  /* app.tutorial before the window had a page */
};

G_DEFINE_FINAL_TYPE (TactApplication, tact_application, ADW_TYPE_APPLICATION)

static void
start_practice (TactApplication *self)
{
  g_autoptr(GError) error = NULL;
  const char *port_env = g_getenv ("TACT_SANDBOX_PORT");
  guint64 port = 0;

  if (g_strcmp0 (g_getenv ("TACT_NO_SANDBOX"), "1") == 0)
    return;
  if (port_env && !g_ascii_string_to_unsigned (port_env, 10, 0, G_MAXUINT16, &port, &error))
    {
      g_printerr (_("Ignoring TACT_SANDBOX_PORT: %s\n"), error->message);
      g_clear_error (&error);
      port = 0;
    }

  self->practice = tact_practice_account_start ((guint16) port, &error);
  if (!self->practice)
    {
      g_printerr (_("The built-in sandbox could not start: %s\n"), error->message);
      return;
    }
  /* A damaged practice world is not worth refusing to start over: it started fresh; say so. */
  if (tact_practice_account_get_state_error (self->practice))
    g_printerr (_("The sandbox’s saved state could not be read (%s); starting a fresh sandbox.\n"),
                tact_practice_account_get_state_error (self->practice)->message);
}

static void restore (TactApplication *self, TactWindow *window);
static void restored_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
moved_aside_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactWindow) window = user_data;
  TactApplication *self = TACT_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));
  g_autoptr(GError) error = NULL;
  g_autofree char *moved = tact_account_move_history_aside_finish (result, &error);

  if (!moved)
    {
      tact_window_show_login (window, self ? self->practice : NULL, error->message);
      return;
    }
  g_message ("The unreadable history was kept as %s", moved);
  restore (self, window);
}

static void
keyring_response_cb (AdwMessageDialog *dialog, const char *response, TactWindow *window)
{
  TactApplication *self = TACT_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));

  if (g_strcmp0 (response, "retry") == 0)
    restore (self, window);
  else if (g_strcmp0 (response, "new-history") == 0)
    tact_account_move_history_aside_async (NULL, moved_aside_cb, g_object_ref (window));
  else
    tact_window_show_login (window, self ? self->practice : NULL, NULL);
}

/* Keyring trouble gets a way forward, and nothing is deleted without consent. */
static void
show_restore_error (TactApplication *self, TactWindow *window, const GError *error)
{
  AdwMessageDialog *dialog;

  if (error->domain != TACT_STORE_ERROR
      || (error->code != TACT_STORE_ERROR_NO_KEYRING && error->code != TACT_STORE_ERROR_KEYRING_LOCKED
          && error->code != TACT_STORE_ERROR_KEY_MISSING && error->code != TACT_STORE_ERROR_WRONG_KEY))
    {
      tact_window_show_login (window, self->practice, error->message);
      return;
    }

  tact_window_show_login (window, self->practice, NULL);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (window),
                                                       error->code == TACT_STORE_ERROR_NO_KEYRING
                                                       || error->code == TACT_STORE_ERROR_KEYRING_LOCKED
                                                       ? _("The Keyring Is Not Available")
                                                       : _("Your History Could Not Be Opened"),
                                                       error->message));
  adw_message_dialog_add_response (dialog, "later", _("_Not Now"));
  if (error->code == TACT_STORE_ERROR_KEY_MISSING || error->code == TACT_STORE_ERROR_WRONG_KEY)
    {
      adw_message_dialog_add_response (dialog, "new-history", _("Start a _New History"));
      adw_message_dialog_set_response_appearance (dialog, "new-history", ADW_RESPONSE_DESTRUCTIVE);
    }
  adw_message_dialog_add_response (dialog, "retry", _("_Try Again"));
  adw_message_dialog_set_response_appearance (dialog, "retry", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "retry");
  adw_message_dialog_set_close_response (dialog, "later");
  g_signal_connect_object (dialog, "response", G_CALLBACK (keyring_response_cb), window, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
restored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactWindow) window = user_data;
  TactApplication *self = TACT_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSession) session = tact_account_restore_finish (result, &error);

  if (session)
    tact_window_set_session (window, session);
  else if (error && self)
    show_restore_error (self, window, error);
  else
    tact_window_show_login (window, self ? self->practice : NULL, NULL);
  if (self && self->tutorial_pending)
    {
      self->tutorial_pending = FALSE;
      tact_window_show_tutorial (window, NULL);
    }
}

static void
restore (TactApplication *self, TactWindow *window)
{
  tact_window_show_loading (window);
  tact_account_restore_async (self->practice ? tact_practice_account_get_url (self->practice) : NULL,
                              NULL, restored_cb, g_object_ref (window));
}

static void
tact_application_activate (GApplication *app)
{
  TactApplication *self = TACT_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window)
    {
      gtk_window_present (window);
      return;
    }
  window = GTK_WINDOW (tact_window_new (GTK_APPLICATION (app)));
  tact_window_set_practice_account (TACT_WINDOW (window), self->practice);
  gtk_window_present (window);
  restore (self, TACT_WINDOW (window));
}

static void
about_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The Tact developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Tact"),
                         "application-icon", TACT_APP_ID,
                         "version", TACT_VERSION,
                         "developers", developers,
                         "comments", _("Chat at work with the company’s messaging policy checked on your computer."),
                         "website", "https://github.com/tactchat/tact",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

/* Where yelp is not installed, gtk_show_uri() fails with "Operation not supported" and
 * nothing happens: say so, and where the pages are. */
static void
help_shown_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GtkWindow *parent = GTK_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  if (gtk_show_uri_full_finish (parent, result, &error))
    return;
  where = g_build_filename (g_get_system_data_dirs ()[0], "help", "C", "tact", NULL);
  /* Translators: %s: the error; %s: a folder. */
  body = g_strdup_printf (_("No help viewer could open it (%s). Install the GNOME help viewer, Yelp (on Debian: sudo apt install yelp), then press F1 again. The pages are also in %s and on the project’s website."),
                          error->message, where);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Help Could Not Be Shown"), body));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
help_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = user_data;
  GtkWindow *parent = gtk_application_get_active_window (app);

  if (parent != NULL)
    gtk_show_uri_full (parent, "help:tact", GDK_CURRENT_TIME, NULL, help_shown_cb, NULL);
  else
    gtk_show_uri (NULL, "help:tact", GDK_CURRENT_TIME);
}

/* app.tutorial (tact --tutorial, also to a running Tact): the Policy Tutorial in the window,
 * once it shows a page (start-up restores the account first). */
static void
tutorial_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  TactApplication *self = TACT_APPLICATION (user_data);
  TactWindow *window = NULL;

  /* The main window (the tutorial's own window belongs to the application too). */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL && window == NULL; l = l->next)
    if (TACT_IS_WINDOW (l->data))
      window = l->data;
  if (window == NULL || !gtk_widget_get_visible (GTK_WIDGET (window)))
    self->tutorial_pending = TRUE;
  else
    tact_window_show_tutorial (window, NULL);
}

static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
tact_application_startup (GApplication *app)
{
  static const GActionEntry entries[] = {
    { "about", about_action },
    { "help", help_action },
    { "tutorial", tutorial_action },
    { "quit", quit_action },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *help_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (tact_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.help", help_accels);
  start_practice (TACT_APPLICATION (app));
}

static void
tact_application_shutdown (GApplication *app)
{
  TactApplication *self = TACT_APPLICATION (app);

  if (self->practice)
    tact_practice_account_stop (self->practice);
  g_settings_sync ();   /* the window's size and the last room reach dconf before we exit */
  G_APPLICATION_CLASS (tact_application_parent_class)->shutdown (app);
}

static void
tact_application_finalize (GObject *object)
{
  TactApplication *self = TACT_APPLICATION (object);

  g_clear_object (&self->practice);
  G_OBJECT_CLASS (tact_application_parent_class)->finalize (object);
}

/* --new-instance: a second Tact beside a running one, for another profile (its own
 * XDG_DATA_HOME, so its own history and sign-in): not handed over to the running instance.
 * --tutorial: app.tutorial, in this instance or the running one. (--sandbox-server is
 * handled by main() before the application starts; it is listed here for --help.) */
static int
tact_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (options, "new-instance"))
    g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
  if (g_variant_dict_contains (options, "tutorial"))
    {
      if (!g_application_register (app, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      g_action_group_activate_action (G_ACTION_GROUP (app), "tutorial", NULL);
    }
  return -1;   /* go on */
}

static void
tact_application_class_init (TactApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tact_application_finalize;
  app_class->activate = tact_application_activate;
  app_class->startup = tact_application_startup;
  app_class->shutdown = tact_application_shutdown;
  app_class->handle_local_options = tact_application_handle_local_options;
}

static void
tact_application_init (TactApplication *self)
{
  g_application_add_main_option (G_APPLICATION (self), "new-instance", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _("Run a separate instance beside a running one (for another profile: set XDG_DATA_HOME)"),
                                 NULL);
  g_application_add_main_option (G_APPLICATION (self), "tutorial", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _("Open the Policy Tutorial: lessons from your company’s messaging policy and a quiz"),
                                 NULL);
  g_application_add_main_option (G_APPLICATION (self), "sandbox-server", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_STRING,
                                 _("Run only the built-in sandbox homeserver on PORT, keeping its world in STATE-FILE (must be the first option)"),
                                 _("PORT [STATE-FILE]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Chat at work with the company’s messaging policy checked on your computer."));
}

TactApplication *
tact_application_new (void)
{
  return g_object_new (TACT_TYPE_APPLICATION,
                       "application-id", TACT_APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/tactchat/Tact",
                       NULL);
}
