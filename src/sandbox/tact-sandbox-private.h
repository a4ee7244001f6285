/* tact-sandbox-private.h: the sandbox homeserver's internal model and helpers.
 *
 * The model (SbState) is plain structs, no GObject: users, access tokens, rooms with their
 * event lists, media and filters. Every change takes the next position of one global stream
 * ordering; /sync tokens ("s<N>") and /messages tokens ("t<N>") are positions on it.
 * A token N stands *after* the event at position N: /messages dir=b from N returns events
 * with stream <= N, dir=f returns events with stream > N.
 *
 * Everything runs on the thread-default main context of the server's owner; nothing locks.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tact-sandbox.h"

G_BEGIN_DECLS

/* ---- Model ------------------------------------------------------------------------------ */

typedef struct {
  char     *event_id;          /* owned */
  char     *room_id;           /* owned */
  char     *type;              /* owned */
  char     *sender;            /* owned */
  char     *state_key;         /* owned; NULL for a non-state event */
  JsonNode *content;           /* owned; a JSON object */
  gint64    origin_server_ts;  /* ms since the epoch */
  guint64   stream;            /* position on the global stream */
  /* Set for events sent through PUT /send/{type}/{txnId}. */
  char     *txn_id;            /* owned, or NULL */
  char     *txn_device;        /* owned: the sender's device that sent it, or NULL */
  /* For state events that replaced an earlier one (unsigned.replaces_state etc.). */
  char     *replaces_state;    /* owned, or NULL */
  JsonNode *prev_content;      /* owned, or NULL */
  char     *prev_sender;       /* owned, or NULL */
} SbEvent;

typedef struct {
  char       *event_id;        /* owned */
  gint64      ts;
  guint64     stream;
} SbReceipt;

typedef struct {
  char       *room_id;         /* owned */
  GPtrArray  *events;          /* owned, of owned SbEvent*, in stream order */
  GHashTable *state;           /* "type\x1fstate_key" -> SbEvent* (borrowed from events) */
  GHashTable *receipts;        /* user_id -> owned SbReceipt* (m.read) */
  GHashTable *typing;          /* set of owned user ids typing now (not persisted) */
  guint64     typing_stream;   /* when the typing set last changed, 0 = never */
} SbRoom;

typedef struct {
  JsonNode   *content;         /* owned; a JSON object */
  guint64     stream;          /* when it last changed */
} SbAccountData;

typedef struct {
  char       *user_id;         /* owned */
  char       *password_hash;   /* owned: "salt$sha256hex"; NULL: cannot log in */
  char       *displayname;     /* owned, or NULL */
  char       *avatar_url;      /* owned, or NULL */
  GHashTable *account_data;    /* type -> owned SbAccountData* */
  GPtrArray  *filters;         /* owned JsonNode* objects; the filter id is the index */
} SbUser;

typedef struct {
  char *token;                 /* owned */
  char *user_id;               /* owned */
  char *device_id;             /* owned */
} SbToken;

typedef struct {
  char   *media_id;            /* owned */
  char   *content_type;        /* owned */
  char   *filename;            /* owned, or NULL */
  GBytes *data;                /* owned */
} SbMedia;

typedef struct _SbState SbState;

/* Called after every change to the model; event is the new event, or NULL. */
typedef void (*SbChangedFunc) (SbState *state, SbEvent *event, gpointer user_data);

struct _SbState {
  char       *server_name;     /* owned */
  guint64     stream;          /* the newest position handed out */
  GHashTable *users;           /* user_id -> owned SbUser* */
  GHashTable *tokens;          /* access token -> owned SbToken* */
  GHashTable *rooms;           /* room_id -> owned SbRoom* */
  GPtrArray  *room_order;      /* borrowed SbRoom*, in creation order */
  GHashTable *events;          /* event_id -> SbEvent* (borrowed from the rooms) */
  GHashTable *txns;            /* "token\x1ftxnId" -> event_id (owned) */
  GHashTable *media;           /* media_id -> owned SbMedia* */
  GHashTable *uia_sessions;    /* session id -> NULL (set) */
  /* Notification of changes (the server: saves, wakes syncs, runs actors). */
  SbChangedFunc changed_func;
  gpointer      changed_data;
};

SbState   *sb_state_new            (const char *server_name);
void       sb_state_free           (SbState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbState, sb_state_free)

guint64    sb_state_next_stream    (SbState *state);
void       sb_state_changed        (SbState *state, SbEvent *event);

/* Users and tokens */
char      *sb_txn_key              (const char *user_id, const char *device_id, const char *txn_id);
SbUser    *sb_state_add_user       (SbState *state, const char *user_id, const char *password,
                                    const char *displayname);
SbUser    *sb_state_lookup_user    (SbState *state, const char *user_id);
gboolean   sb_user_check_password  (SbUser *user, const char *password);
SbToken   *sb_state_new_token      (SbState *state, const char *user_id, const char *device_id);
SbToken   *sb_state_lookup_token   (SbState *state, const char *token);
void       sb_state_remove_token   (SbState *state, const char *token);
void       sb_state_set_account_data (SbState *state, SbUser *user, const char *type,
                                      JsonNode *content);

/* Rooms and events */
SbRoom    *sb_state_lookup_room    (SbState *state, const char *room_id_or_alias);
SbRoom    *sb_state_new_room       (SbState *state);
/* Appends an event; takes ownership of content. Returns the event (owned by the room). */
SbEvent   *sb_room_append          (SbState *state, SbRoom *room, const char *type,
                                    const char *sender, const char *state_key,
                                    JsonNode *content);
SbEvent   *sb_room_get_state       (SbRoom *room, const char *type, const char *state_key);
/* "join", "invite", "leave", "ban" or NULL */
const char *sb_room_membership     (SbRoom *room, const char *user_id);
const char *sb_room_name           (SbRoom *room);
GPtrArray *sb_room_members         (SbRoom *room, const char *membership); /* borrowed ids */
/* The power level of user_id, and the level needed to send type (state or not). */
gint64     sb_room_user_level      (SbRoom *room, const char *user_id);
gint64     sb_room_required_level  (SbRoom *room, const char *type, gboolean is_state);
/* Membership of user_id in the room as of stream position pos (inclusive). */
const char *sb_room_membership_at  (SbRoom *room, const char *user_id, guint64 pos);
/* The state before position pos (events with stream < pos), "type\x1fkey" -> SbEvent*. */
GHashTable *sb_room_state_before   (SbRoom *room, guint64 pos);
/* History visibility, as Synapse 1.67's filter_events_for_client for a member (not peeking):
 * whether user_id may see each of the room's events, indexed like room->events (g_free). */
gboolean  *sb_room_visibility      (SbRoom *room, const char *user_id);

/* Appends an event and notifies (sb_state_changed): the normal way to add an event. */
SbEvent   *sb_state_emit           (SbState *state, SbRoom *room, const char *type,
                                    const char *sender, const char *state_key,
                                    JsonNode *content);
/* A member event for target with its profile's displayname; is_direct adds is_direct: true. */
SbEvent   *sb_state_set_membership (SbState *state, SbRoom *room, const char *sender,
                                    const char *target, const char *membership,
                                    gboolean is_direct);

typedef struct {
  const char        *creator;
  const char        *preset;        /* NULL: private_chat */
  const char        *name;          /* or NULL */
  const char        *topic;         /* or NULL */
  const char        *alias;         /* full #alias:server, or NULL */
  const char *const *invite;        /* NULL-terminated, or NULL */
  gboolean           is_direct;
  JsonObject        *power_level_content_override;  /* or NULL */
  JsonObject        *creation_content;  /* extra m.room.create content, or NULL */
  JsonArray         *initial_state;     /* of {type, state_key?, content} objects, or NULL */
} SbCreateRoom;
/* Creates a room with the events Synapse creates, in its order (create, creator's join, power
 * levels, alias, join rules, history visibility, guest access, each unless initial_state sets
 * it; initial_state; name; topic), and sends the invites. */
SbRoom    *sb_state_create_room    (SbState *state, const SbCreateRoom *options);

/* JSON forms of an event. */
typedef enum {
  SB_EVENT_SYNC   = 0,       /* /sync: no room_id */
  SB_EVENT_CLIENT = 1 << 0,  /* /messages, /state: room_id, user_id, age */
  SB_EVENT_STRIPPED = 1 << 1 /* invite_state: type, state_key, content, sender */
} SbEventFormat;
JsonNode  *sb_event_to_json        (SbState *state, SbEvent *event, SbEventFormat format,
                                    const char *for_token);

/* Identifiers */
char      *sb_random_string        (guint length, const char *alphabet);

/* Persistence */
JsonNode  *sb_state_to_json        (SbState *state);
SbState   *sb_state_from_json      (JsonNode *root, GError **error);

/* Media */
SbMedia   *sb_state_add_media      (SbState *state, const char *content_type,
                                    const char *filename, GBytes *data);

/* ---- /sync (tact-sandbox-sync.c) ------------------------------------------------------- */

typedef struct {
  guint    timeline_limit;     /* room.timeline.limit, default 10 */
  gboolean lazy_load_members;  /* room.state.lazy_load_members */
} SbSyncFilter;

/* Reads the parts of a filter definition the sandbox honours. */
void       sb_sync_filter_from_json (SbSyncFilter *filter, JsonObject *definition);
/* Builds a /sync response for user (token: the requesting access token). has_content is
 * FALSE when the response would be the minimal empty one (nothing new for this user). */
JsonNode  *sb_sync_build           (SbState *state, SbUser *user, const char *token,
                                    gboolean has_since, guint64 since,
                                    const SbSyncFilter *filter, gboolean *has_content);
/* Stream tokens: "s<N>" (sync) and "t<N>" (pagination); both parse to N. */
gboolean   sb_parse_stream_token   (const char *token, guint64 *pos);
/* Unread m.room.message events by others after the user's read receipt or own last event. */
guint      sb_room_unread_count    (SbRoom *room, const char *user_id);

/* ---- Actors (tact-sandbox-actors.c) --------------------------------------------------- */

typedef struct _SbActors SbActors;
SbActors  *sb_actors_new           (SbState **state_ptr);
void       sb_actors_free          (SbActors *actors);
void       sb_actors_set_delay     (SbActors *actors, guint ms);
/* Looks at a new event and schedules replies, auto-joins or approval decisions. */
void       sb_actors_observe       (SbActors *actors, SbEvent *event);
/* After a (re)start: schedules what the actors owe in the current state — invitations to
 * accept and approval requests not decided yet. Nothing already scheduled or done twice. */
void       sb_actors_resume        (SbActors *actors);
void       sb_actors_seed_demo     (SbState *state);
/* @sender (a member) says @body in @room_id now; FALSE when it is not a member. */
gboolean   sb_actors_say           (SbState *state, const char *sender, const char *room_id,
                                    const char *body);

/* ---- Small JSON helpers ----------------------------------------------------------------- */

JsonNode  *sb_json_parse           (const char *data, gsize length, GError **error);
char      *sb_json_to_string       (JsonNode *node, gboolean pretty);
JsonNode  *sb_json_object_new      (void);  /* an empty object node */
/* A node that takes over the caller's reference (json_node_init_object() adds one). */
JsonNode  *sb_json_take_object     (JsonObject *object);
JsonNode  *sb_json_take_array      (JsonArray *array);
/* json-glib 1.6 has no object/array _with_default getters: NULL if absent or mistyped. */
JsonObject *sb_json_get_object     (JsonObject *object, const char *name);
JsonArray  *sb_json_get_array      (JsonObject *object, const char *name);
/* An integer member, or fallback when absent or not a number. */
gint64      sb_json_get_int        (JsonObject *object, const char *name, gint64 fallback);

G_END_DECLS
