/* tact-message-row.c: a timeline row that follows its message's send state; a file shows its
 * name and size, with Save… (the window's room.save-file) and the download's progress. */
#include <glib/gi18n-lib.h>

#include "tact-message-row.h"

struct _TactMessageRow
{
  GtkWidget parent_instance;

  /* template children (borrowed) */
  GtkWidget *box;
  GtkLabel  *sender_label;
  GtkLabel  *time_label;
  GtkLabel  *body_label;
  GtkLabel  *status_label;
  GtkProgressBar *upload_bar;
  GtkWidget *file_box;
  GtkImage  *file_icon;
  GtkLabel  *file_name_label;
  GtkLabel  *file_size_label;
  GtkWidget *save_button;
  GtkProgressBar *download_bar;
  GtkWidget *retry_button;
  GtkWidget *discard_button;
  GtkWidget *review_button;     /* held: room.review-message */
  GtkWidget *withdraw_button;   /* awaiting approval: room.discard-message */

  /* owned */
  TactMessage  *message;
  GSignalGroup *message_signals;
};

G_DEFINE_FINAL_TYPE (TactMessageRow, tact_message_row, GTK_TYPE_WIDGET)

static const char *
send_state_label (TactMessage *message)
{
  switch (tact_message_get_send_state (message))
    {
    case TACT_SEND_STATE_PENDING:
      return _("Sending…");
    case TACT_SEND_STATE_FAILED:
      return _("Not sent");
    case TACT_SEND_STATE_HELD:
      /* Translators: a message the guard stopped before it left; the reason follows */
      return _("Held for review");
    case TACT_SEND_STATE_AWAITING_APPROVAL:
      return _("Awaiting approval");
    case TACT_SEND_STATE_SENT:
    default:
      return tact_message_is_own (message) ? _("Sent") : "";
    }
}

/* Sets or clears a row button's room.* action with the message's txnId as its target. */
static void
set_button_action (GtkWidget *button, const char *action, GVariant *target)
{
  /* The action name goes with its target: a name without one ("s" expected) makes GTK warn
   * on every row, and a row that does not show the button needs neither. */
  if (action)
    gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_set_visible (button, action != NULL);
}

/* A failed send offers Retry (same txnId) and Discard; a held one Review… and Discard; one
 * awaiting approval Withdraw (discard). The window's room.* actions do the work. */
static void
update_actions (TactMessageRow *self)
{
  TactSendState state = tact_message_get_send_state (self->message);
  const char *txn_id = tact_message_get_txn_id (self->message);
  gboolean failed = state == TACT_SEND_STATE_FAILED && txn_id;
  gboolean held = state == TACT_SEND_STATE_HELD && txn_id;
  gboolean awaiting = state == TACT_SEND_STATE_AWAITING_APPROVAL && txn_id;
  GVariant *target = txn_id ? g_variant_ref_sink (g_variant_new_string (txn_id)) : NULL;

  set_button_action (self->retry_button, failed ? "room.retry-message" : NULL, target);
  set_button_action (self->review_button, held ? "room.review-message" : NULL, target);
  set_button_action (self->discard_button, failed || held ? "room.discard-message" : NULL, target);
  set_button_action (self->withdraw_button, awaiting ? "room.discard-message" : NULL, target);
  if (target)
    g_variant_unref (target);
}

/* The text, the time, and whether it was edited or deleted: all follow the message. */
static void
update_body (TactMessageRow *self)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *time = NULL;

  if (!self->message)
    return;
  when = g_date_time_new_from_unix_local (tact_message_get_timestamp (self->message) / 1000);
  time = when ? g_date_time_format (when, "%H:%M") : g_strdup ("");
  if (tact_message_is_edited (self->message) && !tact_message_is_redacted (self->message))
    {
      /* Translators: the time a message was sent, for a message its sender edited later */
      g_autofree char *edited = g_strdup_printf (_("%s (edited)"), time);
      gtk_label_set_text (self->time_label, edited);
    }
  else
    gtk_label_set_text (self->time_label, time);
  if (tact_message_is_redacted (self->message))
    {
      gtk_label_set_text (self->body_label, _("This message was deleted."));
      gtk_widget_add_css_class (GTK_WIDGET (self->body_label), "dim-label");
    }
  else
    {
      gtk_label_set_text (self->body_label, tact_message_get_body (self->message));
      gtk_widget_remove_css_class (GTK_WIDGET (self->body_label), "dim-label");
    }
}

static void
update_status (TactMessageRow *self)
{
  const char *error;
  g_autofree char *text = NULL;

  if (!self->message)
    return;
  error = tact_message_get_error (self->message);
  if (tact_message_get_send_state (self->message) == TACT_SEND_STATE_AWAITING_APPROVAL && error && *error)
    text = g_strdup (error);   /* "Awaiting approval from 王芳", or the decision */
  else if ((tact_message_get_send_state (self->message) == TACT_SEND_STATE_FAILED
            || tact_message_get_send_state (self->message) == TACT_SEND_STATE_HELD) && error && *error)
    /* Translators: a message's send state, then why (e.g. Held for review: …) */
    text = g_strdup_printf (_("%s: %s"), send_state_label (self->message), error);
  else
    text = g_strdup (send_state_label (self->message));
  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), *text != '\0');
  update_actions (self);
}

/* A file being sent shows how much of it is uploaded. */
static void
update_progress (TactMessageRow *self)
{
  double progress;

  if (!self->message)
    return;
  progress = tact_message_get_progress (self->message);
  gtk_progress_bar_set_fraction (self->upload_bar, progress);
  gtk_widget_set_visible (GTK_WIDGET (self->upload_bar),
                          tact_message_get_send_state (self->message) == TACT_SEND_STATE_PENDING
                          && progress > 0.0 && progress < 1.0);
}

/* A file (m.file, m.image): its name and size, and Save… once the server has it. */
static void
update_file (TactMessageRow *self)
{
  gboolean is_file;
  const char *url;
  g_autofree char *size = NULL;
  g_autofree char *action_target = NULL;

  if (!self->message)
    return;
  is_file = tact_message_is_file (self->message) && !tact_message_is_redacted (self->message);
  gtk_widget_set_visible (self->file_box, is_file);
  gtk_widget_set_visible (GTK_WIDGET (self->body_label), !is_file);
  if (!is_file)
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->save_button), NULL);
      return;
    }
  gtk_label_set_text (self->file_name_label, tact_message_get_body (self->message));
  if (tact_message_get_media_size (self->message) >= 0)
    size = g_format_size ((guint64) tact_message_get_media_size (self->message));
  gtk_label_set_text (self->file_size_label, size ? size : "");
  gtk_widget_set_visible (GTK_WIDGET (self->file_size_label), size != NULL);
  gtk_image_set_from_icon_name (self->file_icon,
                                g_strcmp0 (tact_message_get_msgtype (self->message), "m.image") == 0
                                ? "image-x-generic-symbolic" : "text-x-generic-symbolic");

  /* The window's room.save-file finds the message by its event id (or an echo's txn id). */
  url = tact_message_get_media_url (self->message);
  if (url && (tact_message_get_event_id (self->message) || tact_message_get_txn_id (self->message)))
    {
      const char *id = tact_message_get_event_id (self->message) ? tact_message_get_event_id (self->message)
                                                                 : tact_message_get_txn_id (self->message);
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->save_button), g_variant_new_string (id));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->save_button), "room.save-file");
    }
  else
    gtk_actionable_set_action_name (GTK_ACTIONABLE (self->save_button), NULL);
  gtk_widget_set_sensitive (self->save_button, url != NULL);
}

static void
update_download (TactMessageRow *self)
{
  double progress;

  if (!self->message)
    return;
  progress = tact_message_get_download_progress (self->message);
  gtk_progress_bar_set_fraction (self->download_bar, progress);
  gtk_widget_set_visible (GTK_WIDGET (self->download_bar), progress > 0.0 && progress < 1.0);
}

void
tact_message_row_set_message (TactMessageRow *self, TactMessage *message)
{
  g_return_if_fail (TACT_IS_MESSAGE_ROW (self));

  if (!g_set_object (&self->message, message))
    return;
  g_signal_group_set_target (self->message_signals, message);
  if (!message)
    return;

  gtk_label_set_text (self->sender_label, tact_message_get_sender_name (message));
  update_body (self);
  update_status (self);
  update_progress (self);
  update_file (self);
  update_download (self);
}

static void
tact_message_row_dispose (GObject *object)
{
  TactMessageRow *self = TACT_MESSAGE_ROW (object);

  g_clear_object (&self->message_signals);
  g_clear_object (&self->message);
  gtk_widget_dispose_template (GTK_WIDGET (self), TACT_TYPE_MESSAGE_ROW);

  G_OBJECT_CLASS (tact_message_row_parent_class)->dispose (object);
}

static void
tact_message_row_class_init (TactMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_message_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, box);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, body_label);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, upload_bar);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, discard_button);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, review_button);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, withdraw_button);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, file_box);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, file_icon);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, file_name_label);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, file_size_label);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, save_button);
  gtk_widget_class_bind_template_child (widget_class, TactMessageRow, download_bar);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tact_message_row_init (TactMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->message_signals = g_signal_group_new (TACT_TYPE_MESSAGE);
  g_signal_group_connect_swapped (self->message_signals, "notify::send-state", G_CALLBACK (update_status), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::error", G_CALLBACK (update_status), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::progress", G_CALLBACK (update_progress), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::send-state", G_CALLBACK (update_progress), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::media-url", G_CALLBACK (update_file), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::event-id", G_CALLBACK (update_file), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::redacted", G_CALLBACK (update_file), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::body", G_CALLBACK (update_body), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::edited", G_CALLBACK (update_body), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::redacted", G_CALLBACK (update_body), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::download-progress", G_CALLBACK (update_download), self);
}

GtkWidget *
tact_message_row_new (void)
{
  return g_object_new (TACT_TYPE_MESSAGE_ROW, NULL);
}
