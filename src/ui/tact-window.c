/* tact-window.c: the main window. A view: it shows session models and calls session
 * workflows; it never touches the network or the database itself. Its actions are in
 * tact-window-actions.c, the composer's widgets in tact-composer.c; both share
 * tact-window-private.h. */
#include <glib/gi18n-lib.h>

#include "session/tact-account.h"
#include "session/tact-approvals.h"
#include "session/tact-training.h"
#include "tact-guard-dialog.h"
#include "tact-message-row.h"
#include "tact-window-private.h"

G_DEFINE_FINAL_TYPE (TactWindow, tact_window, ADW_TYPE_APPLICATION_WINDOW)

static void select_room (TactWindow *self, TactRoom *room);
static void cancel_attach (TactWindow *self);

/* ---- Timeline rows ------------------------------------------------------------ */

static void
timeline_setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, tact_message_row_new ());
  gtk_list_item_set_activatable (item, FALSE);
}

static void
timeline_bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tact_message_row_set_message (TACT_MESSAGE_ROW (gtk_list_item_get_child (item)),
                                gtk_list_item_get_item (item));
}

static void
timeline_unbind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  tact_message_row_set_message (TACT_MESSAGE_ROW (gtk_list_item_get_child (item)), NULL);
}

/* ---- Room list ---------------------------------------------------------------- */

/* The unread count beside a room's name: hidden at 0, accented when a message mentions us. */
static void
update_unread_label (GtkLabel *label, GParamSpec *pspec, TactRoom *room)
{
  guint unread = tact_room_get_notification_count (room);
  g_autofree char *text = g_strdup_printf ("%u", unread);
  g_autofree char *tooltip = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u unread message",
                                                           "%u unread messages", unread), unread);

  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), tooltip);
  gtk_widget_set_visible (GTK_WIDGET (label), unread > 0);
  if (tact_room_get_highlight_count (room) > 0)
    gtk_widget_add_css_class (GTK_WIDGET (label), "accent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (label), "accent");
}

static GtkWidget *
create_room_row (gpointer item, gpointer user_data)
{
  TactRoom *room = item;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *external = gtk_image_new_from_icon_name ("network-workgroup-symbolic");
  GtkWidget *invite = gtk_image_new_from_icon_name ("mail-unread-symbolic");
  GtkWidget *unread = gtk_label_new (NULL);

  g_object_bind_property (room, "display-name", label, "label", G_BINDING_SYNC_CREATE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_tooltip_text (external, _("People from outside the company are in this room"));
  gtk_widget_set_visible (external, tact_room_get_external_count (room) > 0);
  gtk_widget_set_tooltip_text (invite, _("Invitation"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (invite), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Invitation"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (external), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("People from outside the company are in this room"), -1);
  gtk_widget_set_visible (invite, g_strcmp0 (tact_room_get_membership (room), "invite") == 0);
  gtk_widget_add_css_class (unread, "caption");
  gtk_widget_add_css_class (unread, "numeric");
  update_unread_label (GTK_LABEL (unread), NULL, room);
  g_signal_connect_object (room, "notify::notification-count", G_CALLBACK (update_unread_label),
                           unread, G_CONNECT_SWAPPED);
  g_signal_connect_object (room, "notify::highlight-count", G_CALLBACK (update_unread_label),
                           unread, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), unread);
  gtk_box_append (GTK_BOX (box), external);
  gtk_box_append (GTK_BOX (box), invite);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  tact_room_get_display_name (room), -1);
  return row;
}

static void
on_room_selected (TactWindow *self, GtkListBoxRow *row)
{
  g_autoptr(TactRoom) room = NULL;

  /* Rows are bound to the session's room model: the row's index is the room's position. */
  if (row && self->session)
    room = g_list_model_get_item (tact_session_get_rooms (self->session), gtk_list_box_row_get_index (row));
  select_room (self, room);
  if (room)
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_back (TactWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
update_room_header (TactWindow *self)
{
  guint external;
  g_autofree char *subtitle = NULL;
  g_autofree char *banner = NULL;

  if (!self->room)
    {
      adw_window_title_set_title (self->room_title, "");
      adw_window_title_set_subtitle (self->room_title, "");
      gtk_revealer_set_reveal_child (self->external_banner, FALSE);
      return;
    }
  external = tact_room_get_external_count (self->room);
  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u member", "%u members",
                                           tact_room_get_member_count (self->room)),
                              tact_room_get_member_count (self->room));
  adw_window_title_set_title (self->room_title, tact_room_get_display_name (self->room));
  adw_window_title_set_subtitle (self->room_title, subtitle);
  if (external > 0)
    {
      banner = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "%u person from outside the company is in this room. Share nothing confidential (EXT-1).",
                                             "%u people from outside the company are in this room. Share nothing confidential (EXT-1).",
                                             external), external);
      gtk_label_set_text (self->external_label, banner);
    }
  gtk_revealer_set_reveal_child (self->external_banner, external > 0);
}

static void
room_changed_cb (TactWindow *self)
{
  update_room_header (self);
}

static void schedule_hint (TactWindow *self);

/* The room's audience changed (its whole member list arrived, someone joined or left): the
 * header, and the hint for what is in the composer, which may now say something else. */
static void
audience_changed_cb (TactWindow *self)
{
  update_room_header (self);
  schedule_hint (self);
}

static void
scroll_to_end (TactWindow *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->timeline_scroll);

  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
}

/* ---- Read receipts: the open room's newest message is read while the window is active ---- */

static void
marked_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tact_session_mark_read_finish (TACT_SESSION (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("Could not send a read receipt: %s", error->message);
}

static gboolean
mark_read_cb (gpointer user_data)
{
  TactWindow *self = user_data;

  self->read_source = 0;
  if (self->session && self->room && gtk_window_is_active (GTK_WINDOW (self))
      && g_strcmp0 (tact_room_get_membership (self->room), "join") == 0)
    tact_session_mark_read_async (self->session, self->room, NULL, self->cancellable,
                                  marked_read_cb, NULL);
  return G_SOURCE_REMOVE;
}

/* Coalesced: a timeline load adds its rows one by one, and one receipt is enough. */
static void
schedule_mark_read (TactWindow *self)
{
  if (self->read_source == 0)
    self->read_source = g_timeout_add (300, mark_read_cb, self);
}

/* Back to the window: what arrived meanwhile in the open room is read now. */
static void
window_active_cb (TactWindow *self, GParamSpec *pspec, gpointer user_data)
{
  if (gtk_window_is_active (GTK_WINDOW (self)))
    schedule_mark_read (self);
}

static void
timeline_items_changed_cb (GListModel *model, guint position, guint removed, guint added, TactWindow *self)
{
  if (added > 0)
    {
      scroll_to_end (self);
      schedule_mark_read (self);
    }
}

/* ---- Drafts: what is in the composer survives a crash or a restart ------------------ */

static void
flush_draft (TactWindow *self)
{
  if (self->draft_source == 0)
    return;
  g_clear_handle_id (&self->draft_source, g_source_remove);
  if (self->session && self->room)
    tact_session_save_draft (self->session, self->room, tact_composer_get_text (self->composer));
}

static gboolean
draft_timeout_cb (gpointer user_data)
{
  TactWindow *self = user_data;

  self->draft_source = 0;
  if (self->session && self->room)
    tact_session_save_draft (self->session, self->room, tact_composer_get_text (self->composer));
  return G_SOURCE_REMOVE;
}

static void
draft_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *draft = tact_session_load_draft_finish (TACT_SESSION (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error)
    g_warning ("Could not read a draft: %s", error->message);
  else if (draft && *tact_composer_get_text (self->composer) == '\0')
    {
      tact_composer_set_text (self->composer, draft);   /* the cursor goes to its end */
      g_clear_handle_id (&self->draft_source, g_source_remove);   /* nothing new to save */
    }
}

static void
select_room (TactWindow *self, TactRoom *room)
{
  GListModel *timeline;
  GtkNoSelection *selection;

  if (self->room == room)
    return;
  flush_draft (self);
  g_clear_handle_id (&self->read_source, g_source_remove);
  g_clear_handle_id (&self->hint_source, g_source_remove);
  g_cancellable_cancel (self->draft_cancellable);
  g_clear_object (&self->draft_cancellable);
  cancel_attach (self);   /* a file checked for one room is not sent to another */
  if (self->room)
    g_signal_handlers_disconnect_by_func (tact_room_get_timeline (self->room), timeline_items_changed_cb, self);
  g_set_object (&self->room, room);
  if (self->session)
    tact_session_set_open_room (self->session, room);   /* the others keep a bounded timeline */
  if (room)
    {
      g_clear_pointer (&self->restore_room_id, g_free);   /* a room is open: nothing to reopen */
      /* Reopened at the next start (last-room-id), if the session still has it then. */
      if (self->settings && g_settings_is_writable (self->settings, "last-room-id"))
        g_settings_set_string (self->settings, "last-room-id", tact_room_get_id (room));
    }
  g_signal_group_set_target (self->room_signals, room);
  update_room_header (self);
  tact_composer_set_hint (self->composer, NULL);

  if (!room)
    {
      gtk_stack_set_visible_child_name (self->room_stack, "empty");
      gtk_list_view_set_model (self->timeline_view, NULL);
      return;
    }
  if (g_strcmp0 (tact_room_get_membership (room), "invite") == 0)
    {
      adw_status_page_set_description (self->invite_page, tact_room_get_display_name (room));
      gtk_stack_set_visible_child_name (self->room_stack, "invite");
      return;
    }

  tact_session_load_timeline (self->session, room);
  timeline = tact_room_get_timeline (room);
  selection = gtk_no_selection_new (g_object_ref (timeline));
  gtk_list_view_set_model (self->timeline_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
  g_signal_connect_object (timeline, "items-changed", G_CALLBACK (timeline_items_changed_cb), self, 0);
  schedule_mark_read (self);
  gtk_stack_set_visible_child_name (self->room_stack, "room");
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));

  /* The composer belongs to the room: show its draft, if any. */
  tact_composer_set_text (self->composer, "");
  g_clear_handle_id (&self->draft_source, g_source_remove);
  self->draft_cancellable = g_cancellable_new ();
  tact_session_load_draft_async (self->session, room, self->draft_cancellable, draft_loaded_cb,
                                 g_object_ref (self));
}

/* ---- Composer and guard: the session checks, the window shows and asks -------------- */

/* What the guard will do, in a line under the composer: "Will be blocked: …". members_loading:
 * the room's whole member list is not known yet, so the guard counted an outsider it cannot
 * name (docs/guard.md); the hint says so rather than "1 person from outside the company". */
static char *
hint_for_check (TactSendCheck *check, gboolean members_loading)
{
  const TactVerdict *verdict = tact_send_check_get_verdict (check);
  const TactFinding *first = g_ptr_array_index (verdict->findings, 0);
  guint external = tact_send_check_get_external_count (check);
  g_autofree char *outsiders = NULL;
  const char *what;

  switch (verdict->action)
    {
    case TACT_ACTION_BLOCK: what = _("Will be blocked"); break;
    case TACT_ACTION_APPROVE: what = _("Needs approval"); break;
    case TACT_ACTION_JUSTIFY: what = _("Needs a reason"); break;
    case TACT_ACTION_WARN:
    case TACT_ACTION_ALLOW:
    default: what = _("Will ask you to confirm"); break;
    }
  if (members_loading)
    /* Translators: in the guard's hint, instead of “1 person from outside the company is
     * here”: until the room's member list has arrived, the guard assumes an outsider */
    outsiders = g_strdup (_("the member list is still loading"));
  else if (external > 0)
    outsiders = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%u person from outside the company is here",
                                              "%u people from outside the company are here",
                                              external), external);
  /* Translators: the guard's hint under the composer: "<what will happen>: <the rule's title>",
   * then, when outsiders are in the room, "(<n people from outside the company are here>)". */
  return outsiders ? g_strdup_printf (_("%s: %s (%s)"), what, first->title, outsiders)
                   : g_strdup_printf (_("%s: %s"), what, first->title);
}

/* The guard counts an outsider it has not seen while a joined room's member list is loading;
 * the room itself knows of none. */
static gboolean
members_loading (TactRoom *room)
{
  return !tact_room_get_members_complete (room)
         && g_strcmp0 (tact_room_get_membership (room), "join") == 0
         && tact_room_get_external_count (room) == 0;
}

static gboolean
hint_timeout_cb (gpointer user_data)
{
  TactWindow *self = user_data;
  const char *text = tact_composer_get_text (self->composer);
  g_autoptr(TactSendCheck) check = NULL;
  g_autofree char *hint = NULL;

  self->hint_source = 0;
  if (!self->session || !self->room || !text || !*text)
    return G_SOURCE_REMOVE;
  check = tact_session_check_text (self->session, self->room, text);
  if (tact_send_check_get_verdict (check)->findings->len > 0)
    hint = hint_for_check (check, members_loading (self->room)
                                  && tact_send_check_get_external_count (check) > 0);
  tact_composer_set_hint (self->composer, hint);   /* none: a hint shown before goes */
  return G_SOURCE_REMOVE;
}

static gboolean
guard_on_keystroke (TactWindow *self)
{
  return self->settings == NULL || g_settings_get_boolean (self->settings, "guard-on-keystroke");
}

/* The hint again, shortly (coalesced): after a pause in typing, or when the room's members
 * change (its member list arrived, someone joined or left). */
static void
schedule_hint (TactWindow *self)
{
  const char *text = tact_composer_get_text (self->composer);

  g_clear_handle_id (&self->hint_source, g_source_remove);
  if (self->session && self->room && text && *text && guard_on_keystroke (self))
    self->hint_source = g_timeout_add (150, hint_timeout_cb, self);
}

/* The composer hides its hint on every change; a new one follows a pause in typing. */
static void
on_composer_changed (TactWindow *self)
{
  if (self->session && self->room)
    {
      /* Saved shortly after typing pauses, and at once when the room changes. */
      g_clear_handle_id (&self->draft_source, g_source_remove);
      self->draft_source = g_timeout_add (400, draft_timeout_cb, self);
    }
  /* The hint follows a pause in typing, never a keystroke: typing is never delayed. */
  schedule_hint (self);
}

static void
show_send_error (TactWindow *self, const GError *error)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                         _("Message Not Sent"),
                                                                         error->message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void ask_about_text (TactWindow *self, TactSendCheck *check);

/* Hands the check back with the person's decision; the session sends. */
static void
send_text_check (TactWindow *self, TactSendCheck *check, const char *justification)
{
  g_autoptr(GError) error = NULL;

  if (tact_session_send (self->session, self->room, check, justification, &error))
    {
      tact_composer_set_text (self->composer, "");
      flush_draft (self);   /* the draft goes now: after a crash it must not come back as unsent */
      gtk_widget_grab_focus (GTK_WIDGET (self->composer));
      return;
    }
  if (g_error_matches (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE))
    {
      /* The room's members or the policy changed while the dialog was open: judge it again. */
      g_autoptr(TactSendCheck) again = tact_session_check_text (self->session, self->room,
                                                                tact_send_check_get_text (check));
      ask_about_text (self, again);
      return;
    }
  show_send_error (self, error);
}

typedef struct {
  TactWindow    *window;  /* owned ref */
  TactRoom      *room;    /* owned ref: the room the check is for */
  TactSendCheck *check;   /* owned */
  TactMessage   *message; /* owned ref: a held message under review, else NULL */
} GuardState;

static GuardState *
guard_state_new (TactWindow *self, TactRoom *room, TactSendCheck *check)
{
  GuardState *state = g_new0 (GuardState, 1);

  state->window = g_object_ref (self);
  state->room = g_object_ref (room);
  state->check = tact_send_check_ref (check);
  return state;
}

static void
guard_state_free (GuardState *state)
{
  g_clear_object (&state->window);
  g_clear_object (&state->room);
  g_clear_pointer (&state->check, tact_send_check_unref);
  g_clear_object (&state->message);
  g_free (state);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GuardState, guard_state_free)

static void
guard_state_closure_free (gpointer data, GClosure *closure)
{
  guard_state_free (data);
}

/* "Report False Positive": recorded with the rules of the check the dialog shows. */
static void
guard_report_cb (TactGuardDialog *dialog, const char *comment, GuardState *state)
{
  if (state->window->session)
    tact_session_report_false_positive (state->window->session, state->room, state->check, comment);
  adw_toast_overlay_add_toast (state->window->chat_toasts,
                               adw_toast_new (_("False positive reported. Thank you.")));
}

/* Everything a guard dialog needs from the session before it is shown: the report, the audit
 * record that it was shown, and for an approve verdict who can approve (or why nobody can). A
 * check that cannot be sent for approval (a file, a held message) says so instead. */
static void
prepare_guard_dialog (TactWindow *self, TactGuardDialog *dialog, TactRoom *room, TactSendCheck *check)
{
  const TactVerdict *verdict = tact_send_check_get_verdict (check);

  g_signal_connect_data (dialog, "report-false-positive", G_CALLBACK (guard_report_cb),
                         guard_state_new (self, room, check), guard_state_closure_free, 0);
  tact_session_record_shown (self->session, room, check);
  _tact_window_offer_lesson (self, dialog, verdict);
  if (verdict->action != TACT_ACTION_APPROVE)
    return;
  if (tact_send_check_get_kind (check) == TACT_SEND_KIND_TEXT)
    {
      TactApprovals *approvals = tact_session_get_approvals (self->session);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) approvers = tact_approvals_dup_approvers (approvals, verdict, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

      if (!approvers)
        {
          tact_guard_dialog_set_approval_unavailable (dialog, error->message);
          return;
        }
      for (guint i = 0; approvers[i]; i++)
        {
          const char *one[] = { approvers[i], NULL };
          g_ptr_array_add (names, tact_approvals_dup_names (approvals, one));
        }
      g_ptr_array_add (names, NULL);
      tact_guard_dialog_set_approvers (dialog, (const char * const *) names->pdata);
    }
  else if (tact_send_check_get_kind (check) == TACT_SEND_KIND_FILE)
    tact_guard_dialog_set_approval_unavailable (dialog, _("Approval requests for files are not available yet. Send the file another way the policy allows, or ask your department head."));
  else
    tact_guard_dialog_set_approval_unavailable (dialog, _("A held message cannot be sent for approval. Discard it and write it again to request approval."));
}

static void
approval_requested_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GuardState) state = user_data;
  TactWindow *self = state->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactMessage) echo = tact_session_request_approval_finish (TACT_SESSION (source), result, &error);

  if (!echo)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _tact_window_show_error (self, _("Approval Not Requested"), error->message);
      return;
    }
  /* Like a send: the message waits in the outbox now, so the composer lets it go (unless the
   * person wrote something else meanwhile). */
  if (self->room == state->room
      && g_strcmp0 (tact_composer_get_text (self->composer), tact_send_check_get_text (state->check)) == 0)
    {
      tact_composer_set_text (self->composer, "");
      flush_draft (self);
    }
}

static void
guard_response_cb (AdwMessageDialog *dialog, const char *response, GuardState *state)
{
  TactWindow *self = state->window;
  const TactVerdict *verdict = tact_send_check_get_verdict (state->check);

  if (!self->session || self->room != state->room)
    return;   /* signed out or another room opened meanwhile: nothing is sent */
  if (g_strcmp0 (response, TACT_GUARD_RESPONSE_JUSTIFY) == 0)
    {
      g_autofree char *reason = tact_guard_dialog_dup_justification (TACT_GUARD_DIALOG (dialog));
      if (reason)
        send_text_check (self, state->check, reason);
    }
  else if (g_strcmp0 (response, TACT_GUARD_RESPONSE_SEND) == 0)
    send_text_check (self, state->check, NULL);
  else if (g_strcmp0 (response, TACT_GUARD_RESPONSE_APPROVE) == 0)
    {
      g_autofree char *note = tact_guard_dialog_dup_note (TACT_GUARD_DIALOG (dialog));

      tact_session_request_approval_async (self->session, state->room, state->check, note,
                                           self->cancellable, approval_requested_cb,
                                           guard_state_new (self, state->room, state->check));
    }
  else if (g_strcmp0 (response, TACT_GUARD_RESPONSE_EDIT) == 0)
    {
      tact_session_record_cancelled (self->session, state->room, state->check);
      if (verdict->findings->len > 0)
        {
          /* Put the cursor on what matched so it can be rewritten. */
          const TactFinding *first = g_ptr_array_index (verdict->findings, 0);
          gtk_widget_grab_focus (GTK_WIDGET (self->composer));
          if (first->start >= 0)
            tact_composer_select_region (self->composer, (int) first->start, (int) first->end);
        }
    }
  else   /* cancel: the text stays in the composer, nothing is sent */
    tact_session_record_cancelled (self->session, state->room, state->check);
}

/* Shows the guard's verdict on check and asks what to do (sends at once when it allows). */
static void
ask_about_text (TactWindow *self, TactSendCheck *check)
{
  GtkWidget *dialog;

  if (tact_send_check_get_verdict (check)->action == TACT_ACTION_ALLOW)
    {
      send_text_check (self, check, NULL);
      return;
    }
  dialog = tact_guard_dialog_new (GTK_WINDOW (self), tact_send_check_get_verdict (check));
  prepare_guard_dialog (self, TACT_GUARD_DIALOG (dialog), self->room, check);
  g_signal_connect_data (dialog, "response", G_CALLBACK (guard_response_cb),
                         guard_state_new (self, self->room, check), guard_state_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- A held message, reviewed: judged again as it is now, decided again or kept held ---- */

static void review_message (TactWindow *self, TactRoom *room, TactMessage *message);

static void
held_response_cb (AdwMessageDialog *dialog, const char *response, GuardState *state)
{
  TactWindow *self = state->window;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  TactMessage *message = state->message;

  if (!self->session)
    return;
  if (g_strcmp0 (response, TACT_GUARD_RESPONSE_SEND) != 0 && g_strcmp0 (response, TACT_GUARD_RESPONSE_JUSTIFY) != 0)
    {
      /* Cancel (or Edit) keeps it held: nothing is sent, nothing is dropped. */
      tact_session_record_cancelled (self->session, state->room, state->check);
      return;
    }
  if (g_strcmp0 (response, TACT_GUARD_RESPONSE_JUSTIFY) == 0
      && !(reason = tact_guard_dialog_dup_justification (TACT_GUARD_DIALOG (dialog))))
    return;
  if (tact_session_send (self->session, state->room, state->check, reason, &error))
    return;
  if (g_error_matches (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE)
      && tact_message_get_send_state (message) == TACT_SEND_STATE_HELD)
    review_message (self, state->room, message);   /* the room or policy changed: judge it again */
  else
    show_send_error (self, error);
}

static void
reviewed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GuardState) state = user_data;   /* window, room and message; no check yet */
  TactWindow *self = state->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSendCheck) check = tact_session_review_finish (TACT_SESSION (source), result, &error);
  const TactVerdict *verdict;
  TactRoom *room = state->room;
  GtkWidget *dialog;

  if (!check)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _tact_window_show_error (self, _("Could Not Review the Message"), error->message);
      return;
    }
  if (!self->session)
    return;
  verdict = tact_send_check_get_verdict (check);
  dialog = tact_send_check_get_file_name (check)
           ? tact_guard_dialog_new_for_file (GTK_WINDOW (self), verdict, tact_send_check_get_file_name (check))
           : tact_guard_dialog_new_for_held (GTK_WINDOW (self), verdict);
  prepare_guard_dialog (self, TACT_GUARD_DIALOG (dialog), room, check);
  state->check = g_steal_pointer (&check);
  g_signal_connect_data (dialog, "response", G_CALLBACK (held_response_cb),
                         g_steal_pointer (&state), guard_state_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
review_message (TactWindow *self, TactRoom *room, TactMessage *message)
{
  GuardState *state = g_new0 (GuardState, 1);

  state->window = g_object_ref (self);
  state->room = g_object_ref (room);
  state->message = g_object_ref (message);
  tact_session_review_async (self->session, room, message, self->cancellable, reviewed_cb, state);
}

void
_tact_window_review_message (TactWindow *self, TactMessage *message)
{
  if (self->session && self->room)
    review_message (self, self->room, message);
}

static void
on_send (TactWindow *self)
{
  const char *text = tact_composer_get_text (self->composer);
  g_autoptr(TactSendCheck) check = NULL;

  if (!self->session || !self->room || !text || !*text)
    return;
  /* One verdict per send: the session's, shown as it is and handed back with the decision. */
  check = tact_session_check_text (self->session, self->room, text);
  ask_about_text (self, check);
}

/* ---- Attachments: pick -> checked by the session off the main thread -> guard -> send ---- */

typedef struct {
  TactWindow      *window;   /* owned ref */
  TactRoom        *room;     /* owned ref: the room the file is for */
  GFile           *file;     /* owned: to check again if the room changed meanwhile */
  TactSendCheck   *checked;  /* owned, NULL until checked */
  gboolean         rechecked;
} AttachState;

static void
attach_state_free (AttachState *state)
{
  g_clear_object (&state->window);
  g_clear_object (&state->room);
  g_clear_object (&state->file);
  g_clear_pointer (&state->checked, tact_send_check_unref);
  g_free (state);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AttachState, attach_state_free)

static void
attach_state_closure_free (gpointer data, GClosure *closure)
{
  attach_state_free (data);
}

void
_tact_window_show_error (TactWindow *self, const char *heading, const char *message)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, message));

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* One file at a time: Attach is off while a file is being checked. */
static void
set_checking (TactWindow *self, const char *name)
{
  tact_composer_set_checking (self->composer, name);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.attach", name == NULL);
}

static void
cancel_attach (TactWindow *self)
{
  if (!self->attach_cancellable)
    return;
  g_cancellable_cancel (self->attach_cancellable);
  g_clear_object (&self->attach_cancellable);
  set_checking (self, NULL);
}

static void check_attachment (TactWindow *self, AttachState *state);

/* Sends what the session checked, with the user's reason if one was asked for. Takes state. */
static void
send_checked (AttachState *state_in, const char *justification)
{
  g_autoptr(AttachState) state = state_in;
  TactWindow *self = state->window;
  g_autoptr(GError) error = NULL;

  if (!self->session || self->room != state->room)
    return;   /* signed out or another room opened meanwhile: nothing is sent */
  if (tact_session_send (self->session, state->room, state->checked, justification, &error))
    return;
  if (g_error_matches (error, TACT_SESSION_ERROR, TACT_SESSION_ERROR_STALE) && !state->rechecked)
    {
      /* The room's members or the policy changed while the dialog was open: judge it again. */
      state->rechecked = TRUE;
      g_clear_pointer (&state->checked, tact_send_check_unref);
      check_attachment (self, g_steal_pointer (&state));
      return;
    }
  _tact_window_show_error (self, _("File Not Sent"), error->message);
}

static void
file_guard_response_cb (AdwMessageDialog *dialog, const char *response, AttachState *state)
{
  AttachState *sending = NULL;

  /* The dialog owns state (freed with the handler): sending takes the parts it needs. */
  if (g_strcmp0 (response, TACT_GUARD_RESPONSE_JUSTIFY) == 0 || g_strcmp0 (response, TACT_GUARD_RESPONSE_SEND) == 0)
    {
      g_autofree char *reason = g_strcmp0 (response, TACT_GUARD_RESPONSE_JUSTIFY) == 0
        ? tact_guard_dialog_dup_justification (TACT_GUARD_DIALOG (dialog)) : NULL;

      if (g_strcmp0 (response, TACT_GUARD_RESPONSE_JUSTIFY) == 0 && !reason)
        return;
      sending = g_new0 (AttachState, 1);
      sending->window = g_object_ref (state->window);
      sending->room = g_object_ref (state->room);
      sending->file = g_object_ref (state->file);
      sending->checked = tact_send_check_ref (state->checked);
      sending->rechecked = state->rechecked;
      send_checked (sending, reason);
    }
  else if (state->window->session)
    /* cancel: nothing is sent; the staged copy goes with the checked file */
    tact_session_record_cancelled (state->window->session, state->room, state->checked);
}

static void
file_checked_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(AttachState) state = user_data;
  TactWindow *self = state->window;
  g_autoptr(GError) error = NULL;
  const TactVerdict *verdict;
  GtkWidget *dialog;

  state->checked = tact_session_check_file_finish (TACT_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->attach_cancellable);
  set_checking (self, NULL);
  if (!state->checked)
    {
      _tact_window_show_error (self, _("Could Not Attach the File"), error->message);
      return;
    }

  verdict = tact_send_check_get_verdict (state->checked);
  if (verdict->action == TACT_ACTION_ALLOW)
    {
      send_checked (g_steal_pointer (&state), NULL);
      return;
    }
  dialog = tact_guard_dialog_new_for_file (GTK_WINDOW (self), verdict,
                                           tact_send_check_get_file_name (state->checked));
  prepare_guard_dialog (self, TACT_GUARD_DIALOG (dialog), state->room, state->checked);
  g_signal_connect_data (dialog, "response", G_CALLBACK (file_guard_response_cb),
                         g_steal_pointer (&state), attach_state_closure_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Takes state. */
static void
check_attachment (TactWindow *self, AttachState *state)
{
  g_autofree char *name = g_file_get_basename (state->file);

  cancel_attach (self);
  self->attach_cancellable = g_cancellable_new ();
  set_checking (self, name);
  tact_session_check_file_async (self->session, state->room, state->file, NULL,
                                 self->attach_cancellable, file_checked_cb, state);
}

void
_tact_window_attach_file (TactWindow *self, GFile *file)
{
  AttachState *state;

  if (!self->session || !self->room || g_strcmp0 (tact_room_get_membership (self->room), "join") != 0)
    return;
  state = g_new0 (AttachState, 1);
  state->window = g_object_ref (self);
  state->room = g_object_ref (self->room);
  state->file = g_object_ref (file);
  check_attachment (self, state);
}

/* A file dropped on the room: the same path as Attach (one file at a time). */
static gboolean
drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, TactWindow *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (!files)
    return FALSE;
  if (files->next)
    adw_toast_overlay_add_toast (self->chat_toasts,
                                 adw_toast_new (_("Drop one file at a time; the first one is being checked.")));
  _tact_window_attach_file (self, files->data);
  g_slist_free (files);
  return TRUE;
}

/* ---- Invites ------------------------------------------------------------------ */

static void
joined_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tact_session_join_room_finish (TACT_SESSION (source), result, &error))
    show_send_error (self, error);
}

static void
on_join (TactWindow *self)
{
  if (self->session && self->room)
    tact_session_join_room_async (self->session, tact_room_get_id (self->room), self->cancellable,
                                  joined_cb, g_object_ref (self));
}

/* ---- Sign-in ------------------------------------------------------------------ */

static void
set_login_busy (TactWindow *self, gboolean busy)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), !busy);
  gtk_button_set_label (self->sign_in_button, busy ? _("Signing In…") : _("_Sign In"));
}

/* The sandbox is on by default until an account on a real homeserver has been signed in to
 * (use-sandbox), whose address the sign-in page offers next time (homeserver-url). A setting
 * the administrator locked is left as it is. */
static void
remember_sign_in (TactWindow *self)
{
  const char *server = gtk_editable_get_text (GTK_EDITABLE (self->server_row));

  if (!self->settings || (gtk_switch_get_active (self->sandbox_switch) && self->practice))
    return;
  if (g_settings_is_writable (self->settings, "use-sandbox"))
    g_settings_set_boolean (self->settings, "use-sandbox", FALSE);
  if (g_settings_is_writable (self->settings, "homeserver-url") && server && *server)
    g_settings_set_string (self->settings, "homeserver-url", server);
}

static void
logged_in_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSession) session = tact_account_login_finish (result, &error);

  set_login_busy (self, FALSE);
  if (!session)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_toast_overlay_add_toast (self->login_toasts, adw_toast_new (error->message));
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  remember_sign_in (self);
  tact_window_set_session (self, session);
}

static void
on_sign_in (TactWindow *self)
{
  gboolean sandbox = gtk_switch_get_active (self->sandbox_switch) && self->practice;
  const char *server = sandbox ? tact_practice_account_get_url (self->practice)
                               : gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (!server || !*server || !*user || !*password)
    {
      adw_toast_overlay_add_toast (self->login_toasts,
                                   adw_toast_new (_("Enter the homeserver, your username and your password.")));
      return;
    }
  set_login_busy (self, TRUE);
  tact_account_login_async (server, user, password, sandbox, self->cancellable, logged_in_cb,
                            g_object_ref (self));
}

/* ---- Session ------------------------------------------------------------------ */

/* The room open when Tact was last closed (last-room-id) opens again once the session has it
 * (from the store at start, or from the first sync), unless another room was opened first. */
static void
restore_last_room (TactWindow *self)
{
  GListModel *rooms;

  if (!self->session || !self->restore_room_id || self->room)
    return;
  rooms = tact_session_get_rooms (self->session);
  for (guint i = 0; i < g_list_model_get_n_items (rooms); i++)
    {
      g_autoptr(TactRoom) room = g_list_model_get_item (rooms, i);
      GtkListBoxRow *row;

      if (g_strcmp0 (tact_room_get_id (room), self->restore_room_id) != 0)
        continue;
      g_clear_pointer (&self->restore_room_id, g_free);
      row = gtk_list_box_get_row_at_index (self->room_list, (int) i);
      if (row)
        gtk_list_box_select_row (self->room_list, row);   /* opens it, as a click does */
      return;
    }
}

/* TactSession::policy-notice: a profile from the policy room was applied or refused. */
static void
policy_notice_cb (TactWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->chat_toasts, toast);
}

/* A new profile is in force: what is in the composer is judged again against it. */
static void
profile_changed_cb (TactWindow *self)
{
  schedule_hint (self);
}

static void
sync_state_cb (TactWindow *self)
{
  const char *text = NULL;
  g_autofree char *refused = NULL;

  switch (tact_session_get_sync_state (self->session))
    {
    case TACT_SYNC_STATE_ERROR:
      /* Translators: %s is the server's own reason, in its language */
      refused = g_strdup_printf (_("The server refuses to sync, so no new messages arrive: %s"),
                                 tact_session_get_sync_error (self->session)->message);
      text = refused;
      break;
    case TACT_SYNC_STATE_INITIAL_SYNC:
      text = _("Connecting…");
      break;
    case TACT_SYNC_STATE_OFFLINE:
      text = _("Offline — messages wait in the outbox and are sent when the connection is back");
      break;
    case TACT_SYNC_STATE_LOGGED_OUT:
      text = _("Signed out by the server");
      break;
    case TACT_SYNC_STATE_READY:
    case TACT_SYNC_STATE_STOPPED:
    default:
      break;
    }
  _tact_window_update_supervision (self);   /* after the first sync the rooms are known */
  if (tact_session_get_sync_state (self->session) == TACT_SYNC_STATE_READY)
    {
      restore_last_room (self);
      g_clear_pointer (&self->restore_room_id, g_free);   /* gone meanwhile: the room was left */
    }
  gtk_label_set_text (self->sync_label, text ? text : "");
  gtk_label_set_wrap (self->sync_label, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->sync_label), text != NULL);
}

static void relogin_response_cb (AdwMessageDialog *dialog, const char *response, TactWindow *self);

static void
relogged_in_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tact_account_relogin_finish (result, &error))
    {
      AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                             _("Sign-In Failed"),
                                                                             error->message));
      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      /* Ask again: the session and its unsent messages are still here. */
      if (self->session && tact_session_get_sync_state (self->session) == TACT_SYNC_STATE_LOGGED_OUT)
        g_signal_emit_by_name (self->session, "logged-out", TRUE);
    }
}

static void
relogin_response_cb (AdwMessageDialog *dialog, const char *response, TactWindow *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));

  if (g_strcmp0 (response, "sign-in") == 0 && self->session)
    tact_account_relogin_async (self->session, gtk_editable_get_text (entry), self->cancellable,
                                relogged_in_cb, g_object_ref (self));
  else if (g_strcmp0 (response, "sign-out") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.sign-out", NULL);
  gtk_editable_set_text (entry, "");
}

static void
logged_out_cb (TactWindow *self, gboolean soft)
{
  AdwMessageDialog *dialog;
  GtkWidget *password;

  if (!soft)
    {
      /* A hard logout: this device's session is over on the server. The session has stopped
       * and the keyring forgets the dead sign-in; history and unsent messages stay on disk. */
      tact_window_set_session (self, NULL);
      tact_window_show_login (self, self->practice,
                              _("The server ended this session. Sign in again; unsent messages are kept."));
      return;
    }

  /* A soft logout: the same device signs in again and keeps its history and outbox. */
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Sign In Again"),
                                                       _("The server asks you to sign in again. Your history and unsent messages are kept on this computer.")));
  password = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (password), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (password), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Password"), -1);
  adw_message_dialog_set_extra_child (dialog, password);
  adw_message_dialog_add_response (dialog, "sign-out", _("Sign _Out"));
  adw_message_dialog_add_response (dialog, "sign-in", _("_Sign In"));
  adw_message_dialog_set_response_appearance (dialog, "sign-in", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "sign-in");
  adw_message_dialog_set_close_response (dialog, "sign-out");
  g_signal_connect_object (dialog, "response", G_CALLBACK (relogin_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
tact_window_set_session (TactWindow *self, TactSession *session)
{
  if (self->session)
    {
      g_clear_signal_handler (&self->state_handler, self->session);
      g_clear_signal_handler (&self->logout_handler, self->session);
      tact_session_stop (self->session);
      g_signal_handlers_disconnect_by_func (tact_session_get_rooms (self->session), restore_last_room, self);
    }
  select_room (self, NULL);
  g_clear_pointer (&self->restore_room_id, g_free);
  g_set_object (&self->session, session);
  g_signal_group_set_target (self->session_signals, session);
  g_signal_group_set_target (self->training_signals, session ? tact_session_get_training (session) : NULL);
  _tact_window_update_tutorial_banner (self);
  g_signal_group_set_target (self->approvals_signals, session ? tact_session_get_approvals (session) : NULL);
  g_signal_group_set_target (self->incoming_signals,
                             session ? tact_approvals_get_incoming (tact_session_get_approvals (session)) : NULL);
  if (self->approvals_window)
    gtk_window_destroy (GTK_WINDOW (self->approvals_window));
  if (self->tutorial_window)
    gtk_window_destroy (GTK_WINDOW (self->tutorial_window));
  if (self->records_window)
    gtk_window_destroy (GTK_WINDOW (self->records_window));
  _tact_window_update_approvals (self);
  _tact_window_update_supervision (self);
  if (!session)
    return;

  adw_window_title_set_title (self->account_title, tact_session_get_user_id (session));
  gtk_list_box_bind_model (self->room_list, tact_session_get_rooms (session), create_room_row, self, NULL);
  if (self->settings)
    {
      g_autofree char *last = g_settings_get_string (self->settings, "last-room-id");
      if (*last)
        self->restore_room_id = g_steal_pointer (&last);
    }
  /* After the list box's own handler (bound above), so the room's row exists. */
  g_signal_connect_object (tact_session_get_rooms (session), "items-changed",
                           G_CALLBACK (restore_last_room), self, G_CONNECT_SWAPPED);
  self->state_handler = g_signal_connect_swapped (session, "notify::sync-state", G_CALLBACK (sync_state_cb), self);
  self->logout_handler = g_signal_connect_swapped (session, "logged-out", G_CALLBACK (logged_out_cb), self);
  tact_session_start (session);
  sync_state_cb (self);
  gtk_stack_set_visible_child_name (self->stack, "chat");
  restore_last_room (self);
}

TactSession *
tact_window_get_session (TactWindow *self)
{
  return self->session;
}

/* The Approvals button shows once a request has come to us; its badge counts those waiting
 * for our decision (hidden at 0). */
void
_tact_window_update_approvals (TactWindow *self)
{
  TactApprovals *approvals = self->session ? tact_session_get_approvals (self->session) : NULL;
  guint pending = approvals ? tact_approvals_get_pending_count (approvals) : 0;
  guint requests = approvals ? g_list_model_get_n_items (tact_approvals_get_incoming (approvals)) : 0;
  g_autofree char *count = g_strdup_printf ("%u", pending);
  g_autofree char *label = NULL;

  gtk_label_set_text (self->approvals_badge, count);
  gtk_widget_set_visible (GTK_WIDGET (self->approvals_badge), pending > 0);
  gtk_widget_set_visible (self->approvals_button, requests > 0);
  if (pending > 0)
    /* Translators: the Approvals button's accessible name with its badge */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Approvals, %u waiting", "Approvals, %u waiting",
                                          pending), pending);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->approvals_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label ? label : _("Approvals"), -1);
  gtk_widget_set_tooltip_text (self->approvals_button, label ? label : _("Approvals"));
}

void
tact_window_show_loading (TactWindow *self)
{
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

/* Whether the sign-in page starts in the sandbox: never without one; not when the administrator
 * set the company's homeserver (locked, or given as the default while the person has not chosen);
 * otherwise use-sandbox (false once a real account was signed in to). */
static gboolean
sandbox_by_default (TactWindow *self)
{
  g_autoptr(GVariant) chosen = NULL;
  g_autofree char *server = NULL;

  if (!self->practice)
    return FALSE;
  if (!self->settings)
    return TRUE;
  server = g_strstrip (g_settings_get_string (self->settings, "homeserver-url"));
  if (*server && !g_settings_is_writable (self->settings, "homeserver-url"))
    return FALSE;
  chosen = g_settings_get_user_value (self->settings, "use-sandbox");
  if (chosen && g_settings_is_writable (self->settings, "use-sandbox"))
    return g_variant_get_boolean (chosen);
  return g_settings_get_boolean (self->settings, "use-sandbox") && !*server;
}

/* use-sandbox is the sandbox switch's default: a change (in Preferences) shows on the sign-in
 * page at once; flipping the switch there is for this sign-in only. */
static gboolean
sandbox_switch_mapping (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_boolean (value, sandbox_by_default (TACT_WINDOW (user_data)));
  return TRUE;
}

void
tact_window_show_login (TactWindow *self, TactPracticeAccount *practice, const char *message)
{
  g_return_if_fail (TACT_IS_WINDOW (self));
  g_return_if_fail (practice == NULL || TACT_IS_PRACTICE_ACCOUNT (practice));

  g_set_object (&self->practice, practice);
  gtk_widget_set_visible (gtk_widget_get_parent (gtk_widget_get_parent (GTK_WIDGET (self->sandbox_switch))),
                          practice != NULL);
  if (self->settings)
    {
      /* The company's homeserver: offered (homeserver-url), and fixed when the administrator
       * locked it. */
      g_autofree char *server = g_strstrip (g_settings_get_string (self->settings, "homeserver-url"));
      gboolean locked = *server && !g_settings_is_writable (self->settings, "homeserver-url");

      if (*server && (locked || !*gtk_editable_get_text (GTK_EDITABLE (self->server_row))))
        gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
      gtk_editable_set_editable (GTK_EDITABLE (self->server_row), !locked);
      gtk_widget_set_visible (self->server_lock, locked);
    }
  gtk_switch_set_active (self->sandbox_switch, sandbox_by_default (self));
  if (practice)
    {
      g_autofree char *hint = g_strdup_printf (_("In the sandbox, sign in as “%s” with the password “%s”."),
                                               tact_practice_account_get_user_name (practice),
                                               tact_practice_account_get_password (practice));
      gtk_label_set_text (self->sandbox_hint, hint);
      if (!*gtk_editable_get_text (GTK_EDITABLE (self->user_row)))
        gtk_editable_set_text (GTK_EDITABLE (self->user_row), tact_practice_account_get_user_name (practice));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->sandbox_hint), practice != NULL);
  if (message)
    adw_toast_overlay_add_toast (self->login_toasts, adw_toast_new (message));
  gtk_stack_set_visible_child_name (self->stack, "login");
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

/* The main menu is about to open: its Supervision item shows for supervisors only. */
static void
menu_popup_cb (GtkMenuButton *button, gpointer user_data)
{
  _tact_window_update_supervision (TACT_WINDOW (user_data));
}

/* ---- GObject ------------------------------------------------------------------ */

static void
tact_window_dispose (GObject *object)
{
  TactWindow *self = TACT_WINDOW (object);

  flush_draft (self);
  g_clear_handle_id (&self->read_source, g_source_remove);
  g_clear_handle_id (&self->hint_source, g_source_remove);
  g_clear_pointer (&self->restore_room_id, g_free);
  g_clear_object (&self->settings);
  g_cancellable_cancel (self->draft_cancellable);
  g_clear_object (&self->draft_cancellable);
  g_cancellable_cancel (self->attach_cancellable);
  g_clear_object (&self->attach_cancellable);
  g_cancellable_cancel (self->cancellable);
  if (self->session)
    {
      g_clear_signal_handler (&self->state_handler, self->session);
      g_clear_signal_handler (&self->logout_handler, self->session);
      g_signal_handlers_disconnect_by_func (tact_session_get_rooms (self->session), restore_last_room, self);
      tact_session_stop (self->session);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->training_signals);
  g_clear_object (&self->room);
  g_clear_object (&self->room_signals);
  g_clear_object (&self->approvals_signals);
  g_clear_object (&self->incoming_signals);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->practice);
  gtk_widget_dispose_template (GTK_WIDGET (self), TACT_TYPE_WINDOW);

  G_OBJECT_CLASS (tact_window_parent_class)->dispose (object);
}

static void
tact_window_class_init (TactWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_window_dispose;

  g_type_ensure (TACT_TYPE_COMPOSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TactWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, login_toasts);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, sandbox_switch);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, server_lock);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, user_row);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, sandbox_hint);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, account_title);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, sync_label);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, room_list);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, room_title);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, external_banner);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, tutorial_banner);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, practice_banner);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, practice_label);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, practice_end);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, external_label);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, room_stack);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, invite_page);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, timeline_view);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, timeline_scroll);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, composer);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, room_page);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, chat_toasts);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, approvals_button);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, approvals_badge);
  gtk_widget_class_bind_template_child (widget_class, TactWindow, menu_button);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_in);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_tutorial_later", G_CALLBACK (_tact_window_on_tutorial_later));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_practice_end", G_CALLBACK (_tact_window_on_practice_end));
  gtk_widget_class_bind_template_callback_full (widget_class, "on_tutorial_never", G_CALLBACK (_tact_window_on_tutorial_never));
  gtk_widget_class_bind_template_callback (widget_class, on_room_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_back);
  gtk_widget_class_bind_template_callback (widget_class, on_send);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_join);

  _tact_window_class_actions_init (widget_class);
}

static void
tact_window_init (TactWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  {
    /* Run from an uninstalled tree without GSETTINGS_SCHEMA_DIR, the defaults apply. */
    GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
    g_autoptr(GSettingsSchema) schema = source ? g_settings_schema_source_lookup (source, TACT_APP_ID, TRUE) : NULL;
    if (schema)
      self->settings = g_settings_new (TACT_APP_ID);
  }
  if (self->settings)
    {
      /* The window's size and state, restored at start and kept as they change (GTK keeps the
       * unmaximized size in default-width/-height). */
      g_settings_bind (self->settings, "window-width", self, "default-width",
                       G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);
      g_settings_bind (self->settings, "window-height", self, "default-height",
                       G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);
      g_settings_bind (self->settings, "window-maximized", self, "maximized",
                       G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY);
      g_settings_bind_with_mapping (self->settings, "use-sandbox", self->sandbox_switch, "active",
                                    G_SETTINGS_BIND_GET | G_SETTINGS_BIND_NO_SENSITIVITY,
                                    sandbox_switch_mapping, NULL, self, NULL);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-preferences", self->settings != NULL);
  self->session_signals = g_signal_group_new (TACT_TYPE_SESSION);
  g_signal_group_connect_swapped (self->session_signals, "policy-notice", G_CALLBACK (policy_notice_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::profile", G_CALLBACK (profile_changed_cb), self);
  self->training_signals = g_signal_group_new (TACT_TYPE_TRAINING);
  g_signal_group_connect_swapped (self->training_signals, "notify::loaded", G_CALLBACK (_tact_window_update_tutorial_banner), self);
  g_signal_group_connect_swapped (self->training_signals, "notify::passed", G_CALLBACK (_tact_window_update_tutorial_banner), self);
  gtk_menu_button_set_create_popup_func (self->menu_button, menu_popup_cb, self, NULL);
  _tact_window_update_supervision (self);
  self->room_signals = g_signal_group_new (TACT_TYPE_ROOM);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (window_active_cb), NULL);
  g_signal_group_connect_swapped (self->room_signals, "notify::display-name", G_CALLBACK (room_changed_cb), self);
  g_signal_group_connect_swapped (self->room_signals, "notify::member-count", G_CALLBACK (audience_changed_cb), self);
  g_signal_group_connect_swapped (self->room_signals, "notify::external-count", G_CALLBACK (audience_changed_cb), self);
  self->approvals_signals = g_signal_group_new (TACT_TYPE_APPROVALS);
  g_signal_group_connect_swapped (self->approvals_signals, "notify::pending-count",
                                  G_CALLBACK (_tact_window_update_approvals), self);
  self->incoming_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_swapped (self->incoming_signals, "items-changed",
                                  G_CALLBACK (_tact_window_update_approvals), self);

  g_signal_connect (factory, "setup", G_CALLBACK (timeline_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (timeline_bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (timeline_unbind_cb), self);
  gtk_list_view_set_factory (self->timeline_view, factory);

  {
    GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
    g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
    gtk_widget_add_controller (self->room_page, GTK_EVENT_CONTROLLER (drop));
  }
}

TactWindow *
tact_window_new (GtkApplication *application)
{
  return g_object_new (TACT_TYPE_WINDOW, "application", application, NULL);
}
