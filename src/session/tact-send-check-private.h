/* tact-send-check-private.h: the fields of a TactSendCheck, for the guard, the session and the
 * outbox (session-internal). */
#pragma once

#include <json-glib/json-glib.h>
#include "tact-send-check.h"

G_BEGIN_DECLS

/* The private content key under which a media send keeps its local copy until uploaded. */
#define TACT_SEND_LOCAL_PATH_KEY "tact.local_path"

struct _TactSendCheck
{
  gatomicrefcount ref;

  /* owned; set when judged (in a worker thread for files), read-only afterwards */
  TactSendKind  kind;
  char         *room_id;
  char         *text;          /* TEXT, HELD text */
  char         *file_name;     /* FILE */
  char         *mime_type;     /* FILE */
  GBytes       *bytes;         /* FILE */
  TactVerdict  *verdict;
  TactProfile  *profile;       /* the profile the verdict comes from; NULL: there was none */
  TactOutgoing  audience;      /* the room's audience when judged (no text, no attachments) */
  char         *txn_id;        /* the send's txnId: chosen when judged (FILE), or the held one */
  /* owned; main thread only once judged */
  char         *staged_path;   /* FILE: the private copy (outbox-media/<txnId>.staged) until sent;
                                * NULL when the verdict forbids sending, and once sent */
  gboolean      sent;
  /* owned; the other ways out */
  char         *relates_to;    /* REPLY, EDIT, REACTION: the event it refers to */
  char         *quoted;        /* REPLY: the fallback quote ("> <@user> text") */
  char         *quoted_sender; /* REPLY: the original's sender */
  char         *topic;         /* CREATE_ROOM: the purpose */
  GStrv         invitees;      /* INVITE, CREATE_ROOM */
  gboolean      needs_consent; /* FORWARD of someone else's message (PUB-8) */
  gboolean      consent;
};

TactSendCheck *tact_send_check_new (TactSendKind kind, const char *room_id);

/* Event content: a plain text message, and a file message (the private local path is replaced
 * by the mxc URI on upload). */
JsonNode *tact_send_content_text (const char *text);
JsonNode *tact_send_content_file (const char *name, const char *mime_type, gsize size,
                                  const char *local_path);
/* The event type and content a check becomes (TEXT, REPLY, EDIT, FORWARD, REACTION, TOPIC,
 * ROOM_NAME); state events get their state key in *state_key (else NULL). */
JsonNode *tact_send_check_build_content (TactSendCheck *check, const char **event_type,
                                         const char **state_key);
/* The text an event carries that the guard judges: a message's body (and an edit's new body),
 * a reaction's key, a topic, a room name; "" when none. */
const char *tact_send_content_judged_text (const char *event_type, JsonObject *content);
/* The private content key under which a state event keeps its state key in the outbox. */
#define TACT_SEND_STATE_KEY_KEY "tact.state_key"

/* "m.image" for image/ types, else "m.file". */
const char *tact_send_file_msgtype (const char *mime_type);
/* $XDG_DATA_HOME/tact/outbox-media/<txnId>: the copy of a file waiting in the outbox. */
char *tact_send_dup_outbox_media_path (const char *txn_id);
/* Writes bytes to path (0600, fsynced), creating the outbox-media folder. */
gboolean tact_send_write_private_copy (const char *path, GBytes *bytes, GError **error);

G_END_DECLS
