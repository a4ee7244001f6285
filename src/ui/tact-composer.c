/* tact-composer.c: the message composer. The widgets are in tact-composer.ui; gtk_widget_grab_focus
 * on the composer focuses its entry. */
#include <glib/gi18n-lib.h>

#include "tact-composer.h"

struct _TactComposer
{
  GtkWidget parent_instance;

  /* template children (borrowed) */
  GtkEntry   *entry;
  GtkButton  *send_button;
  GtkWidget  *attach_status;
  GtkSpinner *attach_spinner;
  GtkLabel   *attach_label;
  GtkLabel   *guard_hint;
};

G_DEFINE_FINAL_TYPE (TactComposer, tact_composer, GTK_TYPE_WIDGET)

enum {
  SIGNAL_SEND_REQUESTED,
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_send (TactComposer *self)
{
  g_signal_emit (self, signals[SIGNAL_SEND_REQUESTED], 0);
}

static void
on_changed (TactComposer *self)
{
  /* The hint described the text as it was. */
  tact_composer_set_hint (self, NULL);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static gboolean
tact_composer_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (TACT_COMPOSER (widget)->entry));
}

static void
tact_composer_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), TACT_TYPE_COMPOSER);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tact_composer_parent_class)->dispose (object);
}

static void
tact_composer_class_init (TactComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_composer_dispose;
  widget_class->grab_focus = tact_composer_grab_focus;

  /* Enter in the entry, or the Send button: the window checks and sends the text. */
  signals[SIGNAL_SEND_REQUESTED] =
    g_signal_new ("send-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The text changed (typing, or set_text). */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-composer.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, TactComposer, entry);
  gtk_widget_class_bind_template_child (widget_class, TactComposer, send_button);
  gtk_widget_class_bind_template_child (widget_class, TactComposer, attach_status);
  gtk_widget_class_bind_template_child (widget_class, TactComposer, attach_spinner);
  gtk_widget_class_bind_template_child (widget_class, TactComposer, attach_label);
  gtk_widget_class_bind_template_child (widget_class, TactComposer, guard_hint);
  gtk_widget_class_bind_template_callback (widget_class, on_send);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
}

static void
tact_composer_init (TactComposer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
}

GtkWidget *
tact_composer_new (void)
{
  return g_object_new (TACT_TYPE_COMPOSER, NULL);
}

const char *
tact_composer_get_text (TactComposer *self)
{
  g_return_val_if_fail (TACT_IS_COMPOSER (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->entry));
}

void
tact_composer_set_text (TactComposer *self, const char *text)
{
  g_return_if_fail (TACT_IS_COMPOSER (self));
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text ? text : "");
  gtk_editable_set_position (GTK_EDITABLE (self->entry), -1);
}

void
tact_composer_select_region (TactComposer *self, int start, int end)
{
  g_return_if_fail (TACT_IS_COMPOSER (self));
  gtk_editable_select_region (GTK_EDITABLE (self->entry), start, end);
}

void
tact_composer_set_hint (TactComposer *self, const char *hint)
{
  g_return_if_fail (TACT_IS_COMPOSER (self));
  gtk_label_set_text (self->guard_hint, hint ? hint : "");
  gtk_widget_set_visible (GTK_WIDGET (self->guard_hint), hint && *hint);
}

const char *
tact_composer_get_hint (TactComposer *self)
{
  g_return_val_if_fail (TACT_IS_COMPOSER (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->guard_hint)) ? gtk_label_get_text (self->guard_hint) : NULL;
}

void
tact_composer_set_checking (TactComposer *self, const char *name)
{
  g_autofree char *text = NULL;

  g_return_if_fail (TACT_IS_COMPOSER (self));
  if (name)
    text = g_strdup_printf (_("Checking “%s”…"), name);
  gtk_label_set_text (self->attach_label, text ? text : "");
  gtk_spinner_set_spinning (self->attach_spinner, name != NULL);
  gtk_widget_set_visible (self->attach_status, name != NULL);
}
