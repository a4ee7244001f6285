/* tact-member.h: one member of a room (a model object; no GTK). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TACT_TYPE_MEMBER (tact_member_get_type ())
G_DECLARE_FINAL_TYPE (TactMember, tact_member, TACT, MEMBER, GObject)

TactMember *tact_member_new              (const char *user_id);
const char *tact_member_get_user_id      (TactMember *self);
/* The m.room.member displayname, or NULL. */
const char *tact_member_get_display_name (TactMember *self);
/* "join", "invite", "leave", "ban", "knock", or NULL when unknown. */
const char *tact_member_get_membership   (TactMember *self);
/* From m.room.power_levels: users[user_id], else users_default (0 without the event). */
gint64      tact_member_get_power_level  (TactMember *self);

/* Session-internal updates; each notifies its property when the value changes. */
void        tact_member_set_display_name (TactMember *self, const char *display_name);
void        tact_member_set_membership   (TactMember *self, const char *membership);
void        tact_member_set_power_level  (TactMember *self, gint64 level);

G_END_DECLS
