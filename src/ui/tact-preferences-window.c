/* tact-preferences-window.c: Preferences. Every row is bound to a GSettings key (style.md: settings
 * live in GSettings, never in the database); a key the administrator locked (dconf lockdown:
 * g_settings_is_writable() is FALSE) shows its row insensitive with a lock marker that says so.
 * The fleet keys an administrator sets (docs/profile-distribution.md, "Fleet bootstrap") are shown
 * here; the code that acts on them is elsewhere (tact-window.c, session/tact-account.c). */
#include <glib/gi18n-lib.h>

#include "tact-preferences-window.h"

struct _TactPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  /* template children (borrowed) */
  AdwActionRow *guard_row;
  GtkSwitch    *guard_switch;
  AdwActionRow *sandbox_row;
  GtkSwitch    *sandbox_switch;
  AdwEntryRow  *homeserver_row;
  AdwActionRow *policy_room_row;
  AdwActionRow *supervision_room_row;

  /* owned */
  GSettings    *settings;
  GPtrArray    *locks;     /* the lock markers (borrowed widgets), in the order of keyed_rows */
};

G_DEFINE_FINAL_TYPE (TactPreferencesWindow, tact_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Each row that shows a key, and so can be locked. */
static const struct {
  const char *key;
  gsize       row_offset;
} keyed_rows[] = {
  { "guard-on-keystroke", G_STRUCT_OFFSET (TactPreferencesWindow, guard_row) },
  { "use-sandbox",        G_STRUCT_OFFSET (TactPreferencesWindow, sandbox_row) },
  { "homeserver-url",     G_STRUCT_OFFSET (TactPreferencesWindow, homeserver_row) },
  { "policy-room",        G_STRUCT_OFFSET (TactPreferencesWindow, policy_room_row) },
  { "supervision-room",   G_STRUCT_OFFSET (TactPreferencesWindow, supervision_room_row) },
};

static GtkWidget *
keyed_row (TactPreferencesWindow *self, guint i)
{
  return *(GtkWidget **) G_STRUCT_MEMBER_P (self, keyed_rows[i].row_offset);
}

/* A lock icon at the end of the row, named "lock-<key>" (for the tests), hidden until the key is
 * locked. Its accessible label says who decided, for screen readers. */
static GtkWidget *
add_lock_marker (GtkWidget *row, const char *key)
{
  GtkWidget *lock = gtk_image_new_from_icon_name ("changes-prevent-symbolic");
  g_autofree char *name = g_strconcat ("lock-", key, NULL);

  gtk_widget_set_name (lock, name);
  gtk_widget_set_valign (lock, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (lock, FALSE);
  gtk_widget_add_css_class (lock, "dim-label");
  gtk_widget_set_tooltip_text (lock, _("Set by your administrator"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (lock),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Set by your administrator"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Your administrator locked this setting. It cannot be changed here."),
                                  -1);
  if (ADW_IS_ENTRY_ROW (row))
    adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), lock);
  else
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), lock);
  return lock;
}

/* A locked key: its row is insensitive and shows the marker. */
static void
update_locks (TactPreferencesWindow *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (keyed_rows); i++)
    {
      gboolean writable = g_settings_is_writable (self->settings, keyed_rows[i].key);

      gtk_widget_set_sensitive (keyed_row (self, i), writable);
      gtk_widget_set_visible (g_ptr_array_index (self->locks, i), !writable);
    }
}

/* A room the administrator set, or what applies when none is set. */
static void
update_room_row (AdwActionRow *row, GSettings *settings, const char *key)
{
  g_autofree char *value = g_strstrip (g_settings_get_string (settings, key));

  adw_action_row_set_subtitle (row, *value ? value
                                           : _("Not set: the room your company’s homeserver announces is used"));
}

static void
update_rooms (TactPreferencesWindow *self)
{
  update_room_row (self->policy_room_row, self->settings, "policy-room");
  update_room_row (self->supervision_room_row, self->settings, "supervision-room");
}

static void
tact_preferences_window_constructed (GObject *object)
{
  TactPreferencesWindow *self = TACT_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (tact_preferences_window_parent_class)->constructed (object);

  g_return_if_fail (G_IS_SETTINGS (self->settings));
  /* Sensitivity follows the lock (update_locks) for every row alike, not per widget. */
  g_settings_bind (self->settings, "guard-on-keystroke", self->guard_switch, "active",
                   G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);
  g_settings_bind (self->settings, "use-sandbox", self->sandbox_switch, "active",
                   G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);
  g_settings_bind (self->settings, "homeserver-url", self->homeserver_row, "text",
                   G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);
  g_signal_connect_object (self->settings, "writable-changed", G_CALLBACK (update_locks), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::policy-room", G_CALLBACK (update_rooms), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::supervision-room", G_CALLBACK (update_rooms), self,
                           G_CONNECT_SWAPPED);
  update_locks (self);
  update_rooms (self);
}

static void
tact_preferences_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TactPreferencesWindow *self = TACT_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_set_object (&self->settings, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_preferences_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactPreferencesWindow *self = TACT_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_preferences_window_dispose (GObject *object)
{
  TactPreferencesWindow *self = TACT_PREFERENCES_WINDOW (object);

  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->locks, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), TACT_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (tact_preferences_window_parent_class)->dispose (object);
}

static void
tact_preferences_window_class_init (TactPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tact_preferences_window_constructed;
  object_class->set_property = tact_preferences_window_set_property;
  object_class->get_property = tact_preferences_window_get_property;
  object_class->dispose = tact_preferences_window_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS
                         | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tactchat/Tact/tact-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TactPreferencesWindow, guard_row);
  gtk_widget_class_bind_template_child (widget_class, TactPreferencesWindow, guard_switch);
  gtk_widget_class_bind_template_child (widget_class, TactPreferencesWindow, sandbox_row);
  gtk_widget_class_bind_template_child (widget_class, TactPreferencesWindow, sandbox_switch);
  gtk_widget_class_bind_template_child (widget_class, TactPreferencesWindow, homeserver_row);
  gtk_widget_class_bind_template_child (widget_class, TactPreferencesWindow, policy_room_row);
  gtk_widget_class_bind_template_child (widget_class, TactPreferencesWindow, supervision_room_row);
}

static void
tact_preferences_window_init (TactPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->locks = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (keyed_rows); i++)
    g_ptr_array_add (self->locks, add_lock_marker (keyed_row (self, i), keyed_rows[i].key));
}

GtkWidget *
tact_preferences_window_new (GtkWindow *parent, GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (TACT_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "settings", settings,
                       NULL);
}
