/* tact-member.c: a room member: user id, display name, membership and power level. */
#include "tact-member.h"

struct _TactMember
{
  GObject parent_instance;

  /* owned */
  char *user_id;
  char *display_name;
  char *membership;

  gint64 power_level;
};

G_DEFINE_FINAL_TYPE (TactMember, tact_member, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_USER_ID,
  PROP_DISPLAY_NAME,
  PROP_MEMBERSHIP,
  PROP_POWER_LEVEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tact_member_finalize (GObject *object)
{
  TactMember *self = TACT_MEMBER (object);

  g_free (self->user_id);
  g_free (self->display_name);
  g_free (self->membership);

  G_OBJECT_CLASS (tact_member_parent_class)->finalize (object);
}

static void
tact_member_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TactMember *self = TACT_MEMBER (object);

  switch (prop_id)
    {
    case PROP_USER_ID: g_value_set_string (value, self->user_id); break;
    case PROP_DISPLAY_NAME: g_value_set_string (value, self->display_name); break;
    case PROP_MEMBERSHIP: g_value_set_string (value, self->membership); break;
    case PROP_POWER_LEVEL: g_value_set_int64 (value, self->power_level); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tact_member_class_init (TactMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = tact_member_finalize;
  object_class->get_property = tact_member_get_property;

  properties[PROP_USER_ID] = g_param_spec_string ("user-id", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_MEMBERSHIP] = g_param_spec_string ("membership", NULL, NULL, NULL, flags);
  properties[PROP_POWER_LEVEL] = g_param_spec_int64 ("power-level", NULL, NULL,
                                                     G_MININT64, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tact_member_init (TactMember *self)
{
}

TactMember *
tact_member_new (const char *user_id)
{
  TactMember *self = g_object_new (TACT_TYPE_MEMBER, NULL);

  self->user_id = g_strdup (user_id);
  return self;
}

const char *tact_member_get_user_id (TactMember *self) { return self->user_id; }
const char *tact_member_get_display_name (TactMember *self) { return self->display_name; }
const char *tact_member_get_membership (TactMember *self) { return self->membership; }
gint64 tact_member_get_power_level (TactMember *self) { return self->power_level; }

void
tact_member_set_display_name (TactMember *self, const char *display_name)
{
  if (g_strcmp0 (self->display_name, display_name) == 0)
    return;
  g_free (self->display_name);
  self->display_name = g_strdup (display_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

void
tact_member_set_membership (TactMember *self, const char *membership)
{
  if (g_strcmp0 (self->membership, membership) == 0)
    return;
  g_free (self->membership);
  self->membership = g_strdup (membership);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBERSHIP]);
}

void
tact_member_set_power_level (TactMember *self, gint64 level)
{
  if (self->power_level == level)
    return;
  self->power_level = level;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POWER_LEVEL]);
}
