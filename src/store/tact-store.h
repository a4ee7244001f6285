/* tact-store.h: the encrypted history (SQLCipher) and the keyring (libsecret).
 *
 * The database belongs to one worker thread: every call below is queued to it and
 * completes on the caller's thread-default main context. No GTK, no Matrix types:
 * the session layer converts. Schema: docs/database.md.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TACT_STORE_ERROR (tact_store_error_quark ())
GQuark tact_store_error_quark (void);

typedef enum {
  TACT_STORE_ERROR_WRONG_KEY,       /* the file exists but the key does not open it */
  TACT_STORE_ERROR_CORRUPT,         /* not a database, or damaged */
  TACT_STORE_ERROR_MIGRATION,       /* a migration step failed (rolled back) */
  TACT_STORE_ERROR_TOO_NEW,         /* user_version newer than this build knows */
  TACT_STORE_ERROR_SQL,             /* any other SQLite error */
  TACT_STORE_ERROR_CLOSED,          /* the store was closed */
  TACT_STORE_ERROR_NO_KEYRING,      /* no Secret Service on the session bus */
  TACT_STORE_ERROR_KEYRING_LOCKED,  /* the keyring is locked and unlocking was cancelled */
  TACT_STORE_ERROR_KEY_MISSING,     /* a database exists but its key is not in the keyring */
} TactStoreError;

/* ---- Rows ------------------------------------------------------------------ */

typedef enum {
  TACT_SEND_STATE_SENT,      /* came from the server (or was confirmed by it) */
  TACT_SEND_STATE_PENDING,   /* in the outbox, not yet confirmed */
  TACT_SEND_STATE_FAILED,    /* the server refused it; the user may retry or discard */
  /* Appended (schema version 6): */
  TACT_SEND_STATE_HELD,      /* checked again before a transmission, the guard's verdict had
                              * become stricter than what the person decided: it waits for them
                              * to decide again (outbox.error says why), never sent silently */
  TACT_SEND_STATE_AWAITING_APPROVAL, /* held until an approver decides (outbox.error: whom it
                                      * waits for, or the decision) */
} TactSendState;

typedef struct {
  char   *room_id;
  char   *name;            /* may be NULL */
  char   *topic;           /* may be NULL */
  char   *membership;      /* "join", "invite", "leave" */
  gboolean is_direct;
  guint   member_count;
  guint   external_count;  /* members from other servers */
  char   *prev_batch;      /* for back-pagination, may be NULL */
  gint64  last_ts;         /* ms of the newest event, 0 if none */
  /* Appended later (schema version 4): the sync's unread_notifications, as last known. */
  guint   notification_count;
  guint   highlight_count;
} TactStoreRoom;

typedef struct {
  char          *room_id;
  char          *event_id;     /* NULL for a pending local echo */
  char          *txn_id;       /* set for our own sends, else NULL */
  char          *sender;
  char          *type;
  char          *state_key;    /* NULL for non-state events */
  gint64         ts;           /* origin_server_ts, or local time for local echoes */
  char          *body;         /* content.body if any (indexed for search), else NULL */
  char          *json;         /* the whole event, serialised */
  TactSendState  send_state;
  /* Appended later: */
  char          *redacts;      /* m.room.redaction: the event it removes (save_sync strips that
                                * event's body, content and search tokens), else NULL */
  char          *error;        /* a FAILED local echo: the server's reason (outbox.error) */
} TactStoreEvent;

typedef struct {
  char          *txn_id;         /* chosen once, kept for ever */
  char          *room_id;
  char          *type;           /* event type, e.g. "m.room.message" */
  char          *content_json;
  char          *justification;  /* the user's reason when the guard asked for one, else NULL */
  char          *verdict;        /* the guard's action ("allow", "justify", …) */
  char          *rule_ids;       /* the rules the person decided on, comma-separated, or NULL
                                  * (kept in the outbox row since schema version 6, and in the
                                  * audit record) */
  TactSendState  state;
  char          *event_id;       /* once sent */
  char          *error;          /* the server's reason when FAILED */
  gint64         created;        /* ms, local clock */
  guint          attempts;
} TactOutboxEntry;

/* An approval request, ours or addressed to us (docs/approval-protocol.md; table approvals). */
typedef struct {
  char   *request_id;
  gboolean incoming;         /* addressed to us (else: ours, for the held txn_id) */
  char   *txn_id;            /* ours: the held outbox row */
  char   *room_id;           /* the approvals room */
  char   *event_id;          /* the request event, once posted */
  char   *target_room_id;
  char   *sha256;
  char   *approvers;         /* comma-separated user ids */
  char   *rule_ids;          /* the approve-rules the request covers, comma-separated */
  char   *requester;
  char   *note;
  char   *request_json;      /* the request event's content */
  gint64  expires_ts;
  char   *state;             /* "pending", "approved", "rejected", "returned", "expired", "cancelled" */
  char   *decided_by;
  char   *decision_event_id;
  char   *comment;
  gint64  created;
} TactStoreApproval;

/* One audit record (table audit). */
typedef struct {
  gint64  id;                /* 0 until stored */
  gint64  ts;                /* ms */
  char   *kind;              /* "warning-shown", "warned-send", "justified-send", "blocked",
                              * "cancelled", "false-positive", "held-for-review",
                              * "approval-requested", "approval-approved", … */
  char   *room_id;
  char   *txn_id;
  char   *rule_ids;          /* comma-separated */
  char   *clauses;           /* comma-separated */
  char   *action;            /* the verdict's action */
  char   *justification;
  char   *content_sha256;
  char   *comment;
  char   *sender;            /* a supervision room's record: who sent it; NULL for our own */
} TactStoreAuditRecord;

/* A profile and its compiled cache (table profile_cache, schema version 8; docs/profile.md,
 * "The compiled cache"). The store keeps the rows; the policy layer decides whether a blob
 * may be used (tact_profile_new_from_bytes_cached checks its header against every key). */
typedef struct {
  char   *sha256;      /* lower-case hex SHA-256 of json (tact_profile_get_sha256): the key */
  char   *hs_version;  /* tact_policy_get_engine_version() of the build that compiled it */
  char   *platform;    /* tact_policy_get_engine_platform() of the CPU it was compiled on */
  GBytes *compiled;    /* tact_profile_dup_compiled() */
  GBytes *json;        /* the profile as received, so an offline start can load it */
  gint64  created;     /* ms; 0 on put: now */
} TactStoreProfileCache;

TactStoreProfileCache *tact_store_profile_cache_copy (const TactStoreProfileCache *entry);
void                   tact_store_profile_cache_free (TactStoreProfileCache *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactStoreProfileCache, tact_store_profile_cache_free)

/* A policy tutorial result (table training, schema version 9; issue 9). ts in ms since
 * the epoch (set by the store when 0); score and pass_mark in percent; module: the role
 * module chosen (TRN-3), or NULL. */
typedef struct {
  gint64  id;
  gint64  ts;
  char   *profile_id;
  char   *profile_version;
  guint   score;
  guint   pass_mark;
  gboolean passed;
  guint   lessons_done;
  guint   lessons_total;
  char   *module;
} TactStoreTraining;

TactStoreTraining *tact_store_training_copy (const TactStoreTraining *training);
void               tact_store_training_free (TactStoreTraining *training);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactStoreTraining, tact_store_training_free)

TactStoreApproval    *tact_store_approval_copy (const TactStoreApproval *approval);
void                  tact_store_approval_free (TactStoreApproval *approval);
TactStoreAuditRecord *tact_store_audit_record_copy (const TactStoreAuditRecord *record);
void                  tact_store_audit_record_free (TactStoreAuditRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactStoreApproval, tact_store_approval_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactStoreAuditRecord, tact_store_audit_record_free)

TactStoreRoom   *tact_store_room_copy  (const TactStoreRoom *room);
void             tact_store_room_free  (TactStoreRoom *room);
TactStoreEvent  *tact_store_event_copy (const TactStoreEvent *event);
void             tact_store_event_free (TactStoreEvent *event);
TactOutboxEntry *tact_outbox_entry_copy (const TactOutboxEntry *entry);
void             tact_outbox_entry_free (TactOutboxEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactStoreRoom, tact_store_room_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactStoreEvent, tact_store_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactOutboxEntry, tact_outbox_entry_free)

/* ---- The store -------------------------------------------------------------- */

#define TACT_TYPE_STORE (tact_store_get_type ())
G_DECLARE_FINAL_TYPE (TactStore, tact_store, TACT, STORE, GObject)

/* Opens (creating if needed), keys with the raw 32-byte key and migrates, on the worker thread.
 * A wrong key fails with TACT_STORE_ERROR_WRONG_KEY and leaves the file untouched. */
void       tact_store_open_async  (const char *path, GBytes *key, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
TactStore *tact_store_open_finish (GAsyncResult *result, GError **error);
/* The schema version this build migrates to. */
guint      tact_store_get_schema_version (void);
const char *tact_store_get_path (TactStore *self);
/* Finishes queued work, closes the database and joins the worker. Idempotent. */
void       tact_store_close (TactStore *self);

/* Writes rooms and events and the new sync token in ONE transaction: the token is never saved
 * without the events it covers. Events are de-duplicated by event id; an event whose txn_id
 * matches an outbox entry reconciles that entry (state SENT, event_id set). An event with
 * redacts set redacts the stored event it names, in the same transaction: body NULL, content
 * {} in json (with unsigned.redacted_by), and its full-text row deleted. */
void     tact_store_save_sync_async  (TactStore *self, const char *next_batch,
                                      GPtrArray *rooms /* TactStoreRoom */,
                                      GPtrArray *events /* TactStoreEvent */,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_store_save_sync_finish (TactStore *self, GAsyncResult *result, GError **error);

/* The saved sync token, or NULL (no error) before the first sync. */
void  tact_store_get_sync_token_async  (TactStore *self, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
char *tact_store_get_sync_token_finish (TactStore *self, GAsyncResult *result, GError **error);

/* All rooms, newest activity first. element-type TactStoreRoom */
void       tact_store_list_rooms_async  (TactStore *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_store_list_rooms_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Up to limit events of a room older than before_ts (0 = newest), oldest first, including
 * pending and failed local echoes from the outbox. element-type TactStoreEvent */
void       tact_store_load_timeline_async  (TactStore *self, const char *room_id,
                                            gint64 before_ts, guint limit,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_store_load_timeline_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Adds a send to the outbox (state PENDING) before anything is sent. */
void     tact_store_outbox_add_async  (TactStore *self, const TactOutboxEntry *entry,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_store_outbox_add_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Records the outcome of an attempt: SENT with event_id, FAILED with error, or PENDING
 * (attempts incremented). */
void     tact_store_outbox_update_async  (TactStore *self, const char *txn_id,
                                          TactSendState state, const char *event_id,
                                          const char *error_message,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_store_outbox_update_finish (TactStore *self, GAsyncResult *result, GError **error);

/* The guard holds a send for review: state HELD with reason (shown with the echo), and an
 * audit record ("held-for-review") naming the rules and the action that now apply. */
void     tact_store_outbox_hold_async  (TactStore *self, const char *txn_id, const char *reason,
                                        const char *rule_ids, const char *action,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_store_outbox_hold_finish (TactStore *self, GAsyncResult *result, GError **error);

/* The person decided again on a held send: state PENDING with entry's verdict, rule_ids and
 * justification (the content and txnId stay), and an audit record like a new send's. */
void     tact_store_outbox_redecide_async  (TactStore *self, const TactOutboxEntry *entry,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_store_outbox_redecide_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Writes an approval request (insert or replace by request_id). */
void       tact_store_approval_save_async  (TactStore *self, const TactStoreApproval *approval,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean   tact_store_approval_save_finish (TactStore *self, GAsyncResult *result, GError **error);
/* Every approval request, oldest first. element-type TactStoreApproval */
void       tact_store_approval_list_async  (TactStore *self, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_store_approval_list_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Replaces the text shown with an unsent outbox row (e.g. "Rejected by 王芳: …"). */
void       tact_store_outbox_set_note_async  (TactStore *self, const char *txn_id, const char *text,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
gboolean   tact_store_outbox_set_note_finish (TactStore *self, GAsyncResult *result, GError **error);

/* The events of type in room_id, newest first, at most limit (element-type TactStoreEvent). */
void       tact_store_list_events_of_type_async  (TactStore *self, const char *room_id,
                                                  const char *type, guint limit,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_store_list_events_of_type_finish (TactStore *self, GAsyncResult *result,
                                                  GError **error);

/* Appends an audit record (its id and ts are set by the store when 0). */
void       tact_store_audit_add_async  (TactStore *self, const TactStoreAuditRecord *record,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean   tact_store_audit_add_finish (TactStore *self, GAsyncResult *result, GError **error);
/* The newest limit audit records, newest first. element-type TactStoreAuditRecord */
void       tact_store_audit_list_async  (TactStore *self, guint limit, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_store_audit_list_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Stores a profile's cache row, replacing the row of the same sha256 (and making it the
 * newest); keeps only the TACT_STORE_PROFILE_CACHE_KEEP newest rows, in one transaction. */
#define TACT_STORE_PROFILE_CACHE_KEEP 4
void     tact_store_profile_cache_put_async  (TactStore *self, const TactStoreProfileCache *entry,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
/* Records a tutorial result; the newest limit results, newest first
 * (element-type TactStoreTraining). */
void       tact_store_training_add_async   (TactStore *self, const TactStoreTraining *training,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean   tact_store_training_add_finish  (TactStore *self, GAsyncResult *result, GError **error);
void       tact_store_training_list_async  (TactStore *self, guint limit, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_store_training_list_finish (TactStore *self, GAsyncResult *result, GError **error);
gboolean tact_store_profile_cache_put_finish (TactStore *self, GAsyncResult *result,
                                              GError **error);
/* The row of @sha256, or the newest row (the last active profile: an offline start) when
 * @sha256 is NULL. _finish returns NULL without an error when there is none. */
void     tact_store_profile_cache_get_async  (TactStore *self, const char *sha256,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
TactStoreProfileCache *tact_store_profile_cache_get_finish (TactStore *self, GAsyncResult *result,
                                                            GError **error);

/* The user discards a failed or pending send. */
void     tact_store_outbox_remove_async  (TactStore *self, const char *txn_id,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_store_outbox_remove_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Entries not yet SENT, in creation order. element-type TactOutboxEntry */
void       tact_store_outbox_list_async  (TactStore *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_store_outbox_list_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Small key/value settings of the account (filter id, …); value NULL deletes. */
void     tact_store_set_meta_async  (TactStore *self, const char *key, const char *value,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_store_set_meta_finish (TactStore *self, GAsyncResult *result, GError **error);
void     tact_store_get_meta_async  (TactStore *self, const char *key,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
char    *tact_store_get_meta_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Full-text search over event bodies (Latin words and CJK substrings, see docs/database.md):
 * up to limit matching events, newest first. An empty query or one without searchable
 * characters gives an empty array. element-type TactStoreEvent */
void       tact_store_search_async  (TactStore *self, const char *query, guint limit,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *tact_store_search_finish (TactStore *self, GAsyncResult *result, GError **error);

/* Moves the database at @db_path and its companions (-wal, -shm, -journal) aside, to
 * "<db_path>.unreadable-<YYYYMMDD-HHMMSS>" (+ the same suffixes), so that a new history can
 * be started at @db_path. Nothing is deleted: this is the way forward after
 * TACT_STORE_ERROR_KEY_MISSING (or WRONG_KEY), once the user has agreed. The database must not
 * be open. Returns the new path of the main file, or NULL with an error (then nothing was
 * moved). Synchronous: a few renames in one folder. */
char *tact_store_move_aside (const char *db_path, GError **error);

/* ---- The keyring (libsecret) ------------------------------------------------- */

/* Never holds the password: only what a restored session needs. */
typedef struct {
  char *homeserver;    /* client API base URL */
  char *user_id;
  char *device_id;
  char *access_token;
} TactAccountSecret;

void tact_account_secret_free (TactAccountSecret *secret);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactAccountSecret, tact_account_secret_free)

void     tact_secrets_store_account_async  (const TactAccountSecret *secret,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_secrets_store_account_finish (GAsyncResult *result, GError **error);
/* The stored account, or NULL with no error when there is none. */
void               tact_secrets_lookup_account_async  (GCancellable *cancellable,
                                                       GAsyncReadyCallback callback, gpointer user_data);
TactAccountSecret *tact_secrets_lookup_account_finish (GAsyncResult *result, GError **error);
void     tact_secrets_clear_account_async  (const char *user_id, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean tact_secrets_clear_account_finish (GAsyncResult *result, GError **error);

/* The raw 256-bit database key for db_path. When none is stored: if create is TRUE and the
 * database file does not exist, a random key is made and stored; if the file exists, fails with
 * TACT_STORE_ERROR_KEY_MISSING (nothing is deleted). If create is FALSE and neither a key nor
 * the file exists, returns NULL without an error. */
void    tact_secrets_get_db_key_async  (const char *db_path, gboolean create,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
GBytes *tact_secrets_get_db_key_finish (GAsyncResult *result, GError **error);

G_END_DECLS
