/* tact-training.h: the person's policy tutorial record (issue 9, TRN-1/TRN-2/TRN-5).
 *
 * Loads the results kept in the encrypted store, hands the passes to the guard (which holds
 * messages while the profile's gate requires a pass), and records a new result: in the store,
 * in the audit trail and in the supervision room. Whether a pass still counts is the profile's
 * business (its training section): a new profile version or an elapsed interval can ask for
 * the tutorial again.
 */
#pragma once

#include <gio/gio.h>
#include "store/tact-store.h"
#include "tact-audit.h"
#include "tact-guard.h"

G_BEGIN_DECLS

#define TACT_TYPE_TRAINING (tact_training_get_type ())
G_DECLARE_FINAL_TYPE (TactTraining, tact_training, TACT, TRAINING, GObject)

TactTraining *tact_training_new        (TactStore *store, TactGuard *guard, TactAudit *audit);
/* Reads the results on record (once at start; "loaded" turns TRUE, "passed" may change). */
void          tact_training_load       (TactTraining *self);
gboolean      tact_training_get_loaded (TactTraining *self);
/* Whether a pass on record counts for the profile in force now ("passed" property, notified
 * when a result is recorded or the results are loaded; the profile changing is the guard's
 * "notify::profile"). */
gboolean      tact_training_get_passed (TactTraining *self);
/* The newest result, or NULL. */
const TactStoreTraining *tact_training_get_last (TactTraining *self);
/* Why the tutorial is asked for now, in the person's language, or NULL when it is not
 * ("Your company updated its messaging policy (version 5): please take the tutorial again."). */
char         *tact_training_dup_reason (TactTraining *self);

/* Records a finished quiz under the profile in force: passed when @score reaches the profile's
 * pass mark. FALSE with an error when no profile is in force or the store fails. */
void          tact_training_record_async  (TactTraining *self, guint score, guint lessons_done,
                                           guint lessons_total, const char *module,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean      tact_training_record_finish (TactTraining *self, GAsyncResult *result, GError **error);

G_END_DECLS
