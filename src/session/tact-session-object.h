/* tact-session-object.h: the TactSession instance, shared by the files that make up the session
 * (tact-session.c, tact-session-audit.c). Private to src/session. */
#pragma once

#include "matrix/tact-matrix.h"
#include "store/tact-store.h"
#include "tact-approvals.h"
#include "tact-audit.h"
#include "tact-guard.h"
#include "tact-history.h"
#include "tact-outbox.h"
#include "tact-policy-room.h"
#include "tact-practice.h"
#include "tact-room-list.h"
#include "tact-sync-loop.h"
#include "tact-training.h"

G_BEGIN_DECLS

struct _TactSession
{
  GObject parent_instance;

  /* owned */
  TactMatrixClient *client;
  TactStore        *store;
  TactRoomList     *rooms;
  TactHistory      *history;
  TactSyncLoop     *sync;
  TactGuard        *guard;
  TactOutbox       *outbox;
  TactAudit        *audit;
  TactApprovals    *approvals;
  TactTraining     *training;
  TactPractice     *practice;   /* the tutorial's practice scenarios, made on first use */
  TactPolicyRoom   *policy_room;
  GCancellable     *cancellable;  /* between start and stop */
  gboolean          logged_out;   /* a refused token has been reported since start */
};

/* What a check is about, for the audit record's hash: its text, or its file's name. */
const char *_tact_session_check_content (TactSendCheck *check);
/* The shadow rules' hits of a check that was shown or sent, audited (tact-session.c). */
void        _tact_session_record_shadow (TactSession *self, TactRoom *room, TactSendCheck *check,
                                         const char *txn_id);

G_END_DECLS
