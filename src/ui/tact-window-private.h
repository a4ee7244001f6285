/* tact-window-private.h: what tact-window.c and tact-window-actions.c share: the window's
 * fields and the workflows its actions start. Only those two files include it. */
#pragma once

#include "session/tact-practice-account.h"
#include "tact-composer.h"
#include "tact-guard-dialog.h"
#include "tact-window.h"

G_BEGIN_DECLS

struct _TactWindow
{
  AdwApplicationWindow parent_instance;

  /* template children (borrowed) */
  GtkStack       *stack;
  AdwToastOverlay *login_toasts;
  GtkSwitch      *sandbox_switch;
  AdwEntryRow    *server_row;
  GtkWidget      *server_lock;     /* shown when the administrator locked homeserver-url */
  AdwEntryRow    *user_row;
  AdwEntryRow    *password_row;
  GtkLabel       *sandbox_hint;
  GtkButton      *sign_in_button;
  AdwLeaflet     *leaflet;
  AdwWindowTitle *account_title;
  GtkLabel       *sync_label;
  GtkListBox     *room_list;
  AdwWindowTitle *room_title;
  GtkRevealer    *tutorial_banner;    /* the first-run welcome (show-tutorial-on-start) */
  GtkRevealer    *practice_banner;    /* "Practice: …" while a scenario runs, then its judgment */
  GtkLabel       *practice_label;
  GtkButton      *practice_end;
  gboolean        tutorial_dismissed; /* "Not Now" for this run */
  GSignalGroup   *training_signals;   /* follows the session's TactTraining */
  GtkRevealer    *external_banner;
  GtkLabel       *external_label;
  GtkStack       *room_stack;
  AdwStatusPage  *invite_page;
  GtkListView    *timeline_view;
  GtkScrolledWindow *timeline_scroll;
  TactComposer   *composer;
  GtkWidget      *room_page;
  AdwToastOverlay *chat_toasts;
  GtkWidget      *approvals_button;
  GtkLabel       *approvals_badge;
  GtkMenuButton  *menu_button;

  /* owned */
  TactSession    *session;
  TactRoom       *room;          /* the selected room */
  TactPracticeAccount *practice; /* the built-in sandbox, or NULL */
  GCancellable   *cancellable;
  GSignalGroup   *room_signals;  /* follows the selected room */
  gulong          state_handler;
  gulong          logout_handler;
  guint           draft_source;   /* a pending draft save for `room` */
  guint           read_source;    /* a pending "mark read" for `room` */
  guint           hint_source;    /* the guard hint, after a pause in typing */
  GSettings      *settings;       /* NULL when the schema is not installed */
  GCancellable   *draft_cancellable;  /* the selected room's draft load */
  GCancellable   *attach_cancellable; /* the file being checked for `room`, or NULL */
  guint           test_attach_count;  /* TACT_TEST_ATTACH_PATH: files attached so far */
  GSignalGroup   *approvals_signals;  /* follows the session's TactApprovals (the badge) */
  GSignalGroup   *incoming_signals;   /* follows its incoming requests (the button) */
  GtkWidget      *approvals_window;   /* the Approvals page while open (weak pointer) */
  GtkWidget      *tutorial_window;    /* the Policy Tutorial while open (weak pointer) */
  GtkWidget      *records_window;     /* Held, My Audit Log, Supervision while open (weak pointer) */
  GtkWidget      *preferences_window; /* Preferences while open (weak pointer) */
  GSignalGroup   *session_signals;    /* follows the session: policy notices, a new profile */
  char           *restore_room_id;    /* last-room-id, to open once the session has it; or NULL */
};

/* tact-window-actions.c: installs the win.*, room.* and composer.* actions and their shortcuts. */
void _tact_window_class_actions_init (GtkWidgetClass *widget_class);

/* tact-window.c */
/* Checks file for the open room (off the main thread) and sends it as the guard allows. */
void _tact_window_attach_file        (TactWindow *self, GFile *file);
/* room.review-message: judges a held message of the open room again and asks what to do. */
void _tact_window_review_message     (TactWindow *self, TactMessage *message);
/* The badge and the Approvals button follow the session's approvals. */
void _tact_window_update_approvals   (TactWindow *self);

/* tact-window-tutorial.c: the first-run banner, the micro-lesson, the practice banner. */
void _tact_window_update_tutorial_banner (TactWindow *self);
void _tact_window_on_tutorial_later      (TactWindow *self);
void _tact_window_on_tutorial_never      (TactWindow *self);
void _tact_window_on_practice_end        (TactWindow *self);
void _tact_window_offer_lesson           (TactWindow *self, TactGuardDialog *dialog,
                                          const TactVerdict *verdict);

/* tact-window-actions.c */
/* win.show-supervision is enabled for supervisors only. */
void _tact_window_update_supervision (TactWindow *self);
void _tact_window_show_error         (TactWindow *self, const char *heading, const char *message);

G_END_DECLS
