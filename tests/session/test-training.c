/* test-training.c: the policy tutorial's record in the session (issue 9, items 4 and TRN-1/2):
 * a result is kept in the encrypted store, audited and posted to the supervision room; the
 * profile's gate holds messages until a pass that counts; a new profile version that asks for
 * retraining closes the gate again. */
#include <string.h>

#include "session/tact-guard.h"
#include "session/tact-training.h"
#include "tact-test-sandbox.h"

/* A profile with one warning word, a supervision room, and a training section. */
static TactProfile *
training_profile (const char *version, const char *gate, const char *supervision_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf (
    "{\"format\": 2, \"id\": \"test-training\", \"version\": \"%s\","
    " \"audit\": {\"supervision_room\": \"%s\"},"
    " \"training\": {\"pass_mark\": 80, \"since_version\": \"%s\", \"gate\": \"%s\"},"
    " \"name\": {\"en\": \"T\", \"zh_CN\": \"T\", \"zh_TW\": \"T\"},"
    " \"rules\": [{\"id\": \"w\", \"title\": {\"en\": \"W\", \"zh_CN\": \"W\", \"zh_TW\": \"W\"},"
    "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"}, \"clauses\": [\"PUB-5\"],"
    "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"提醒词\"]}], \"action\": \"warn\"}]}",
    version, supervision_id, version, gate);
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
  TactProfile *profile = tact_profile_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  return profile;
}

static gboolean
training_loaded (gpointer data)
{
  return tact_training_get_loaded (data);
}

static void
record (TactTraining *training, guint score)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tact_training_record_async (training, score, 12, 30, "sales", NULL, tact_test_store_result_cb, &result);
  g_assert_true (tact_training_record_finish (training, tact_test_wait_result (&result, "recorded"), &error));
  g_assert_no_error (error);
}

static TactAction
verdict_for (Fixture *f, TactRoom *room, const char **rule_id)
{
  g_autoptr(TactSendCheck) check = tact_session_check_text (f->session, room, "明天开会");
  const TactVerdict *verdict = tact_send_check_get_verdict (check);
  const TactFinding *first = verdict->findings->len > 0 ? g_ptr_array_index (verdict->findings, 0) : NULL;

  *rule_id = first ? g_intern_string (first->rule_id) : NULL;
  return verdict->action;
}

typedef struct { TactSession *session; const char *kind; } KindWait;

static gboolean
supervision_has_kind (gpointer d)
{
  KindWait *w = d;

  return supervision_count (w->session, NULL, NULL, NULL, w->kind) > 0;
}

static void
test_training_gate_and_record (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autofree char *supervision_id = NULL;
  g_autoptr(TactProfile) v1 = NULL;
  g_autoptr(TactProfile) v2 = NULL;
  g_autoptr(TactStore) bob_store = NULL;
  g_autoptr(TactSession) bob_session = NULL;
  TactTraining *training = tact_session_get_training (f->session);
  g_autofree char *reason = NULL;
  const char *rule_id = NULL;
  TactRoom *room;
  KindWait kw;

  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"Supervision\",\"preset\":\"private_chat\",\"invite\":[\"%s\"]}",
                                             tact_matrix_client_get_user_id (f->alice));
    supervision_id = create_room (f->bob, json);
    join (f->alice, supervision_id);
  }
  v1 = training_profile ("1", "all", supervision_id);
  tact_session_set_profile (f->session, v1);
  room = start_in_room (f, &room_id);
  tact_test_wait_until (training_loaded, training, "the tutorial results loaded");

  /* TRN-1: nothing leaves before a pass; the finding says why and what to do. */
  g_assert_false (tact_training_get_passed (training));
  g_assert_cmpint (verdict_for (f, room, &rule_id), ==, TACT_ACTION_BLOCK);
  g_assert_cmpstr (rule_id, ==, TACT_GUARD_RULE_TRAINING);
  reason = tact_training_dup_reason (training);
  g_assert_nonnull (reason);
  g_clear_pointer (&reason, g_free);

  /* A score under the pass mark is recorded, and does not open the gate. */
  record (training, 50);
  g_assert_false (tact_training_get_passed (training));
  g_assert_false (tact_training_get_last (training)->passed);
  g_assert_cmpint (verdict_for (f, room, &rule_id), ==, TACT_ACTION_BLOCK);

  /* A pass does: the message is judged by the rules again. */
  record (training, 90);
  g_assert_true (tact_training_get_passed (training));
  g_assert_cmpuint (tact_training_get_last (training)->score, ==, 90);
  g_assert_cmpstr (tact_training_get_last (training)->profile_version, ==, "1");
  g_assert_cmpint (verdict_for (f, room, &rule_id), ==, TACT_ACTION_ALLOW);
  g_assert_null (tact_training_dup_reason (training));

  /* Both results reached the supervision room, where a supervisor reads them. */
  bob_session = bob_session_start (f, v1, &bob_store);
  kw = (KindWait) { bob_session, "tutorial-passed" };
  tact_test_wait_until (supervision_has_kind, &kw, "the pass in the supervision room");
  kw = (KindWait) { bob_session, "tutorial-failed" };
  g_assert_true (supervision_has_kind (&kw));
  tact_session_stop (bob_session);
  tact_store_close (bob_store);

  /* Kept across a restart (the encrypted store). */
  restart_session (f);
  tact_session_set_profile (f->session, v1);
  training = tact_session_get_training (f->session);
  tact_test_wait_until (training_loaded, training, "the tutorial results loaded again");
  g_assert_true (tact_training_get_passed (training));

  /* TRN-2: version 2 asks for the tutorial again (since_version 2): the gate closes. */
  v2 = training_profile ("2", "all", supervision_id);
  tact_session_set_profile (f->session, v2);
  g_assert_false (tact_training_get_passed (training));
  reason = tact_training_dup_reason (training);
  g_assert_nonnull (strstr (reason, "2"));

}

/* A gate for people from outside only: a room of colleagues is not held. */
static void
test_training_gate_external (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = NULL;
  g_autoptr(TactProfile) profile = training_profile ("1", "external", "!none:localhost");
  const char *rule_id = NULL;
  TactRoom *room;
  TactOutgoing outgoing = { "hello", 1, 3, TACT_ROOM_KIND_GROUP, NULL, 0 };
  g_autoptr(TactVerdict) verdict = NULL;
  RoomWait wait;

  tact_session_set_profile (f->session, profile);
  room = start_in_room (f, &room_id);
  wait = (RoomWait) { f->session, room_id };
  tact_test_wait_until (members_known, &wait, "the room's members");
  g_assert_cmpint (verdict_for (f, room, &rule_id), ==, TACT_ACTION_ALLOW);

  /* With someone from outside in the audience, the same message is held. */
  verdict = tact_guard_judge (tact_session_get_guard (f->session), profile, &outgoing);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
  g_assert_cmpstr (((TactFinding *) g_ptr_array_index (verdict->findings, 0))->rule_id, ==,
                   TACT_GUARD_RULE_TRAINING);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/session/training/gate-and-record", Fixture, EXTERNAL_OK, fixture_setup,
              test_training_gate_and_record, fixture_teardown);
  g_test_add ("/session/training/gate-external", Fixture, NULL, fixture_setup,
              test_training_gate_external, fixture_teardown);
  return g_test_run ();
}
