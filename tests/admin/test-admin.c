/* test-admin.c: the tact-admin tool (docs/profile-distribution.md, "Admin commands") run as a
 * real process against the in-process sandbox homeserver, or unchanged against the homeserver
 * TACT_TEST_HOMESERVER names (the case that needs the sandbox's fault injection says so).
 *
 * The tool logs in with TACT_PASSWORD; every run is checked for an access token ("syt_", the
 * prefix of every token the sandbox and Synapse issue) or the password in its output, with
 * debug logging on.
 *
 * /admin/diff/…: the profile comparison library, without a server.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "matrix/tact-matrix.h"
#include "sandbox/tact-sandbox.h"
#include "tact-admin-diff.h"
#include "tact-test-util.h"

#define PASSWORD     "correct horse battery staple"
#define PROFILE_TYPE "io.github.tactchat.policy.profile"
#define AUDIT_TYPE   "io.github.tactchat.audit"

typedef struct {
  TactSandboxServer *sandbox;     /* owned; NULL against TACT_TEST_HOMESERVER */
  char              *homeserver;  /* owned */
  char              *tmpdir;      /* owned */
  TactMatrixClient  *admin;       /* owned: the policy room's admin */
  TactMatrixClient  *member;      /* owned: an ordinary user */
} Fixture;

/* What one run of tact-admin left. */
typedef struct {
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static TactMatrixClient *
register_user (Fixture    *f,
               const char *prefix)
{
  g_autoptr(TactMatrixClient) client = tact_matrix_client_new (f->homeserver);
  g_autofree char *username = g_strdup_printf ("%s%08x", prefix, g_random_int ());
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  tact_matrix_client_register_async (client, username, PASSWORD, NULL,
                                     tact_test_store_result_cb, &result);
  tact_matrix_client_register_finish (client, tact_test_wait_result (&result, "register"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return g_steal_pointer (&client);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *external = g_getenv ("TACT_TEST_HOMESERVER");

  f->tmpdir = tact_test_tmpdir_new ("tact-admin-XXXXXX");
  if (external != NULL && external[0] != '\0')
    f->homeserver = g_strdup (external);
  else
    {
      f->sandbox = tact_sandbox_server_new (TACT_SANDBOX_SERVER_NAME);
      g_assert_true (tact_sandbox_server_listen (f->sandbox, 0, &error));
      g_assert_no_error (error);
      f->homeserver = tact_sandbox_server_dup_base_url (f->sandbox);
    }
  f->admin = register_user (f, "boss");
  f->member = register_user (f, "alice");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->admin);
  g_clear_object (&f->member);
  if (f->sandbox != NULL)
    tact_sandbox_server_stop (f->sandbox);
  g_clear_object (&f->sandbox);
  g_clear_pointer (&f->homeserver, g_free);
  tact_test_tmpdir_remove (f->tmpdir);
  g_clear_pointer (&f->tmpdir, g_free);
}

/* Runs tact-admin --homeserver … --user <who> ARGS… (NULL-terminated) with TACT_PASSWORD set
 * (unless with_password is FALSE) and standard input a pipe, while this process's main context
 * serves the sandbox. Fills run; fails the test if the output holds a token or the password. */
static void
run_tool_v (Fixture           *f,
            TactMatrixClient  *who,
            gboolean           with_password,
            Run               *run,
            va_list            args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("TACT_ADMIN");
  GAsyncResult *result = NULL;
  const char *arg;

  g_assert_nonnull (binary);
  g_ptr_array_add (argv, (gpointer) binary);
  g_ptr_array_add (argv, (gpointer) "--homeserver");
  g_ptr_array_add (argv, f->homeserver);
  g_ptr_array_add (argv, (gpointer) "--user");
  g_ptr_array_add (argv, (gpointer) tact_matrix_client_get_user_id (who));
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (with_password)
    g_subprocess_launcher_setenv (launcher, "TACT_PASSWORD", PASSWORD, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "TACT_PASSWORD");
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, tact_test_store_result_cb, &result);
  g_subprocess_communicate_utf8_finish (process, tact_test_wait_result (&result, "tact-admin"),
                                        &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("tact-admin %s → %d\nstdout: %s\nstderr: %s", (char *) argv->pdata[5],
                  run->status, run->out, run->err);

  /* The token (and the password) never leave the tool. */
  g_assert_null (strstr (run->out, "syt_"));
  g_assert_null (strstr (run->err, "syt_"));
  g_assert_null (strstr (run->out, PASSWORD));
  g_assert_null (strstr (run->err, PASSWORD));
}

static int
run_tool (Fixture *f, TactMatrixClient *who, Run *run, ...)
{
  va_list args;

  run_clear (run);
  va_start (args, run);
  run_tool_v (f, who, TRUE, run, args);
  va_end (args);
  return run->status;
}

static int
run_tool_without_password (Fixture *f, TactMatrixClient *who, Run *run, ...)
{
  va_list args;

  run_clear (run);
  va_start (args, run);
  run_tool_v (f, who, FALSE, run, args);
  va_end (args);
  return run->status;
}

/* stdout of a --json run, parsed; fails the test if it is not a JSON object. */
static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* A valid format 2 profile "company" with the rules named (each blocks its own word), written
 * to the fixture's folder as name; returns its path. */
static char *
write_profile (Fixture    *f,
               const char *name,
               const char *const *rule_ids)
{
  g_autoptr(GString) json = g_string_new (
    "{\"format\": 2, \"id\": \"company\", \"version\": \"1\",\n"
    " \"name\": {\"en\": \"Company\", \"zh_CN\": \"公司\", \"zh_TW\": \"公司\"},\n"
    " \"rules\": [\n");
  g_autofree char *path = g_build_filename (f->tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; rule_ids[i] != NULL; i++)
    g_string_append_printf (json,
      "  {\"id\": \"%s\",\n"
      "   \"title\": {\"en\": \"Words\", \"zh_CN\": \"词\", \"zh_TW\": \"詞\"},\n"
      "   \"explanation\": {\"en\": \"x\", \"zh_CN\": \"x\", \"zh_TW\": \"x\"},\n"
      "   \"clauses\": [\"PUB-1\"],\n"
      "   \"detectors\": [{\"type\": \"terms\", \"terms\": [\"词%s\"]}],\n"
      "   \"action\": \"block\",\n"
      "   \"alternative\": {\"en\": \"y\", \"zh_CN\": \"y\", \"zh_TW\": \"y\"}}%s\n",
      rule_ids[i], rule_ids[i], rule_ids[i + 1] != NULL ? "," : "");
  g_string_append (json, " ]}\n");
  g_file_set_contents (path, json->str, json->len, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static const char *const ONE_RULE[] = { "words", NULL };
static const char *const TWO_RULES[] = { "words", "links", NULL };

/* A policy room made by the tool, as the fixture's admin; the member invited. */
static char *
init_room (Fixture *f)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonObject) out = NULL;

  g_assert_cmpint (run_tool (f, f->admin, &run, "--json", "init-room", "--name", "Policy",
                             "--invite", tact_matrix_client_get_user_id (f->member), NULL), ==, 0);
  out = parse_object (run.out);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (out, "room_id"), "!"));
  return g_strdup (json_object_get_string_member (out, "room_id"));
}

static GPtrArray *
get_state (TactMatrixClient *who,
           const char       *room_id)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GPtrArray *state;

  tact_matrix_client_get_state_async (who, room_id, NULL, tact_test_store_result_cb, &result);
  state = tact_matrix_client_get_state_finish (who, tact_test_wait_result (&result, "state"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  return state;
}

static JsonObject *
state_content (GPtrArray  *state,
               const char *type,
               const char *state_key)
{
  for (guint i = 0; i < state->len; i++)
    {
      TactEvent *event = g_ptr_array_index (state, i);

      if (g_str_equal (event->type, type) && g_strcmp0 (event->state_key, state_key) == 0)
        return event->content;
    }
  return NULL;
}

static void
join (TactMatrixClient *who,
      const char       *room_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *joined = NULL;
  GAsyncResult *result = NULL;

  tact_matrix_client_join_async (who, room_id, NULL, tact_test_store_result_cb, &result);
  joined = tact_matrix_client_join_finish (who, tact_test_wait_result (&result, "join"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
}

static char *
file_sha256 (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
}

/* ---- Cases ------------------------------------------------------------------- */

/* init-room: the server enforces the room: only the admin (100) sets state, posts and invites;
 * members may post error events; history is shared; the member is invited. */
static void
test_init_room (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = init_room (f);
  g_autoptr(GPtrArray) state = get_state (f->admin, room_id);
  JsonObject *pl = state_content (state, "m.room.power_levels", "");
  JsonObject *hv = state_content (state, "m.room.history_visibility", "");
  JsonObject *invite = state_content (state, "m.room.member",
                                      tact_matrix_client_get_user_id (f->member));
  gint64 value = -1;

  g_assert_nonnull (pl);
  g_assert_true (tact_json_get_int (pl, "state_default", &value));
  g_assert_cmpint (value, ==, 100);
  g_assert_true (tact_json_get_int (pl, "events_default", &value));
  g_assert_cmpint (value, ==, 100);
  g_assert_true (tact_json_get_int (pl, "invite", &value));
  g_assert_cmpint (value, ==, 100);
  g_assert_true (tact_json_get_int (tact_json_get_object (pl, "events"),
                                    "io.github.tactchat.policy.error", &value));
  g_assert_cmpint (value, ==, 0);
  g_assert_true (tact_json_get_int (tact_json_get_object (pl, "users"),
                                    tact_matrix_client_get_user_id (f->admin), &value));
  g_assert_cmpint (value, ==, 100);
  g_assert_false (tact_json_get_int (tact_json_get_object (pl, "users"),
                                     tact_matrix_client_get_user_id (f->member), &value));
  g_assert_nonnull (hv);
  g_assert_cmpstr (tact_json_get_string (hv, "history_visibility"), ==, "shared");
  g_assert_nonnull (invite);
  g_assert_cmpstr (tact_json_get_string (invite, "membership"), ==, "invite");
}

/* push then pull: byte-identical, to a file and to standard output; the announcement carries
 * the file's hash, size, version 1 and format. */
static void
test_push_pull (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = init_room (f);
  g_autofree char *path = write_profile (f, "v1.json", ONE_RULE);
  g_autofree char *pulled = g_build_filename (f->tmpdir, "pulled.json", NULL);
  g_autofree char *original = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *digest = file_sha256 (path);
  g_autoptr(GPtrArray) state = NULL;
  g_autoptr(JsonObject) out = NULL;
  g_auto(Run) run = { 0 };
  JsonObject *announced;
  gsize original_len, copy_len;
  gint64 value = 0;

  g_assert_cmpint (run_tool (f, f->admin, &run, "--json", "push", "--room", room_id, path, NULL), ==, 0);
  out = parse_object (run.out);
  g_assert_cmpint (json_object_get_int_member (out, "version"), ==, 1);
  g_assert_true (json_object_get_null_member (out, "previous_version"));
  g_assert_cmpstr (json_object_get_string_member (out, "sha256"), ==, digest);

  state = get_state (f->admin, room_id);
  announced = state_content (state, PROFILE_TYPE, "company");
  g_assert_nonnull (announced);
  g_assert_cmpstr (tact_json_get_string (announced, "sha256"), ==, digest);
  g_assert_true (g_str_has_prefix (tact_json_get_string (announced, "url"), "mxc://"));
  g_assert_true (tact_json_get_int (announced, "version", &value));
  g_assert_cmpint (value, ==, 1);
  g_assert_true (tact_json_get_int (announced, "format", &value));
  g_assert_cmpint (value, ==, 2);
  g_assert_true (g_file_get_contents (path, &original, &original_len, NULL));
  g_assert_true (tact_json_get_int (announced, "size", &value));
  g_assert_cmpint (value, ==, original_len);

  /* To a file, then to standard output. */
  g_assert_cmpint (run_tool (f, f->admin, &run, "pull", "--room", room_id, "-o", pulled, NULL), ==, 0);
  g_assert_nonnull (strstr (run.out, "version 1"));
  g_assert_true (g_file_get_contents (pulled, &copy, &copy_len, NULL));
  g_assert_cmpmem (copy, copy_len, original, original_len);
  g_assert_cmpint (run_tool (f, f->member, &run, "pull", "--room", room_id, NULL), !=, 0);  /* not joined */
  join (f->member, room_id);
  g_assert_cmpint (run_tool (f, f->member, &run, "pull", "--room", room_id, "--profile", "company", NULL), ==, 0);
  g_assert_cmpmem (run.out, strlen (run.out), original, original_len);

  /* --json needs -o; an unknown profile id is a failure. */
  g_assert_cmpint (run_tool (f, f->admin, &run, "--json", "pull", "--room", room_id, NULL), ==, 2);
  g_assert_cmpint (run_tool (f, f->admin, &run, "pull", "--room", room_id, "--profile", "other", NULL), ==, 1);
  g_assert_nonnull (strstr (run.err, "other"));
}

/* push: a version not higher than the announced one is refused (nothing changes); the default
 * is the announced one + 1; a higher --version is taken. */
static void
test_push_versions (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = init_room (f);
  g_autofree char *path = write_profile (f, "v1.json", ONE_RULE);
  g_autoptr(GPtrArray) state = NULL;
  g_autoptr(JsonObject) out = NULL;
  g_auto(Run) run = { 0 };
  gint64 version = 0;

  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, "--version", "3", path, NULL), ==, 0);
  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, "--version", "2", path, NULL), ==, 1);
  g_assert_nonnull (strstr (run.err, "not higher"));
  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, "--version", "3", path, NULL), ==, 1);
  g_assert_nonnull (strstr (run.err, "not higher"));
  state = get_state (f->admin, room_id);
  g_assert_true (tact_json_get_int (state_content (state, PROFILE_TYPE, "company"), "version", &version));
  g_assert_cmpint (version, ==, 3);

  g_assert_cmpint (run_tool (f, f->admin, &run, "--json", "push", "--room", room_id, path, NULL), ==, 0);
  out = parse_object (run.out);
  g_assert_cmpint (json_object_get_int_member (out, "version"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (out, "previous_version"), ==, 3);
}

/* A member (power 0) cannot announce: the server refuses the state event; exit 1 with the
 * server's reason. */
static void
test_push_non_admin (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = init_room (f);
  g_autofree char *path = write_profile (f, "v1.json", ONE_RULE);
  g_autoptr(GPtrArray) state = NULL;
  g_auto(Run) run = { 0 };

  join (f->member, room_id);
  g_assert_cmpint (run_tool (f, f->member, &run, "push", "--room", room_id, path, NULL), ==, 1);
  g_assert_nonnull (strstr (run.err, "refused"));
  g_assert_nonnull (strstr (run.err, "M_FORBIDDEN"));
  state = get_state (f->admin, room_id);
  g_assert_null (state_content (state, PROFILE_TYPE, "company"));
}

/* An invalid profile is refused with the loader's message before anything is uploaded (the
 * sandbox would fail any upload, and counts it). */
static void
test_push_invalid (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = init_room (f);
  g_autofree char *path = g_build_filename (f->tmpdir, "bad.json", NULL);
  g_autoptr(GPtrArray) state = NULL;
  g_auto(Run) run = { 0 };

  g_assert_true (g_file_set_contents (path, "{\"format\": 2, \"id\": \"company\"}", -1, NULL));
  if (f->sandbox != NULL)
    tact_sandbox_server_inject_fault (f->sandbox, "POST", "/_matrix/media/v3/upload",
                                      TACT_SANDBOX_FAULT_SERVER_ERROR, 0);
  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, path, NULL), ==, 1);
  g_assert_nonnull (strstr (run.err, "not a valid profile"));
  g_assert_nonnull (strstr (run.err, "\"rules\""));   /* the loader's reason: a missing key */
  if (f->sandbox != NULL)
    {
      g_assert_cmpuint (tact_sandbox_server_get_faults_injected (f->sandbox), ==, 0);
      tact_sandbox_server_clear_faults (f->sandbox);
    }
  state = get_state (f->admin, room_id);
  g_assert_null (state_content (state, PROFILE_TYPE, "company"));

  /* Not JSON at all, and a missing file. */
  g_assert_true (g_file_set_contents (path, "not json", -1, NULL));
  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, path, NULL), ==, 1);
  g_assert_nonnull (strstr (run.err, "not a valid profile"));
  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, "/nonexistent/p.json", NULL), ==, 1);
}

/* diff: a rule added in the file shows as added, by id; --lines adds a unified diff. */
static void
test_diff (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = init_room (f);
  g_autofree char *v1 = write_profile (f, "v1.json", ONE_RULE);
  g_autofree char *v2 = write_profile (f, "v2.json", TWO_RULES);
  g_autoptr(JsonObject) out = NULL;
  g_auto(Run) run = { 0 };
  JsonObject *rules;

  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, v1, NULL), ==, 0);
  g_assert_cmpint (run_tool (f, f->admin, &run, "diff", "--room", room_id, v1, NULL), ==, 0);
  g_assert_nonnull (strstr (run.out, "No rule or setting differs"));

  g_assert_cmpint (run_tool (f, f->admin, &run, "diff", "--lines", "--room", room_id, v2, NULL), ==, 0);
  g_assert_nonnull (strstr (run.out, "Rules added:\n  + links\n"));
  g_assert_null (strstr (run.out, "Rules removed"));
  g_assert_null (strstr (run.out, "Rules changed"));
  g_assert_nonnull (strstr (run.out, "\n+  {\"id\": \"links\",\n"));
  g_assert_nonnull (strstr (run.out, "@@ "));

  g_assert_cmpint (run_tool (f, f->admin, &run, "--json", "diff", "--room", room_id, v2, NULL), ==, 0);
  out = parse_object (run.out);
  g_assert_false (json_object_get_boolean_member (out, "identical"));
  rules = json_object_get_object_member (out, "rules");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rules, "added")), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (rules, "added"), 0), ==, "links");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rules, "removed")), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (rules, "changed")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (out, "announced"), "version"), ==, 1);
}

/* history: every announcement, newest first, with its version, hash, size and sender. */
static void
test_history (Fixture *f, gconstpointer data)
{
  g_autofree char *room_id = init_room (f);
  g_autofree char *v1 = write_profile (f, "v1.json", ONE_RULE);
  g_autofree char *v2 = write_profile (f, "v2.json", TWO_RULES);
  g_autofree char *sha1 = file_sha256 (v1);
  g_autofree char *sha2 = file_sha256 (v2);
  g_autoptr(JsonObject) out = NULL;
  g_auto(Run) run = { 0 };
  JsonArray *list;
  JsonObject *newest, *oldest;

  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, v1, NULL), ==, 0);
  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", room_id, v2, NULL), ==, 0);
  g_assert_cmpint (run_tool (f, f->admin, &run, "--json", "history", "--room", room_id, NULL), ==, 0);
  out = parse_object (run.out);
  list = json_object_get_array_member (out, "announcements");
  g_assert_cmpuint (json_array_get_length (list), ==, 2);
  newest = json_array_get_object_element (list, 0);
  oldest = json_array_get_object_element (list, 1);
  g_assert_cmpint (json_object_get_int_member (newest, "version"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (newest, "sha256"), ==, sha2);
  g_assert_cmpint (json_object_get_int_member (oldest, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (oldest, "sha256"), ==, sha1);
  g_assert_cmpstr (json_object_get_string_member (oldest, "sender"), ==,
                   tact_matrix_client_get_user_id (f->admin));
  g_assert_cmpint (json_object_get_int_member (newest, "size"), >,
                   json_object_get_int_member (oldest, "size"));
  g_assert_cmpint (json_object_get_int_member (newest, "ts"), >=,
                   json_object_get_int_member (oldest, "ts"));
  g_assert_false (json_object_get_boolean_member (out, "truncated"));

  /* Plain text: v2's line before v1's; another profile id has none. */
  g_assert_cmpint (run_tool (f, f->admin, &run, "history", "--room", room_id, NULL), ==, 0);
  g_assert_nonnull (strstr (run.out, " v2 "));
  g_assert_true (strstr (run.out, " v2 ") < strstr (run.out, " v1 "));
  g_assert_cmpint (run_tool (f, f->admin, &run, "history", "--room", room_id, "--profile", "other", NULL), ==, 0);
  g_assert_nonnull (strstr (run.out, "No announcements"));
}

static void
post_audit (TactMatrixClient *who,
            const char       *room_id,
            const char       *kind,
            const char *const *rule_ids)
{
  g_autoptr(JsonObject) content = json_object_new ();
  g_autoptr(JsonArray) ids = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *txn_id = g_strdup_printf ("audit-%08x", g_random_int ());
  g_autofree char *event_id = NULL;
  GAsyncResult *result = NULL;

  for (guint i = 0; rule_ids[i] != NULL; i++)
    json_array_add_string_element (ids, rule_ids[i]);
  json_object_set_string_member (content, "kind", kind);
  json_object_set_array_member (content, "rule_ids", json_array_ref (ids));
  json_object_set_string_member (content, "action", "warn");
  json_object_set_int_member (content, "ts", g_get_real_time () / 1000);
  tact_matrix_client_send_async (who, room_id, AUDIT_TYPE, txn_id, content, NULL,
                                 tact_test_store_result_cb, &result);
  event_id = tact_matrix_client_send_finish (who, tact_test_wait_result (&result, "audit"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
}

static JsonObject *
rule_stats (JsonObject *out,
            const char *rule_id)
{
  JsonArray *rules = json_object_get_array_member (out, "rules");

  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonObject *rule = json_array_get_object_element (rules, i);

      if (g_str_equal (json_object_get_string_member (rule, "rule_id"), rule_id))
        return rule;
    }
  g_assert_not_reached ();
}

/* stats: per rule, hits (warning-shown, justification-asked, approval-needed, blocked),
 * overrides (warned-send, justified-send) and false-positive reports; other kinds and other
 * events are not counted. */
static void
test_stats (Fixture *f, gconstpointer data)
{
  static const char *const r1[] = { "r1", NULL };
  static const char *const r2[] = { "r2", NULL };
  static const char *const both[] = { "r1", "r2", NULL };
  g_autofree char *room_id = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) out = NULL;
  g_autoptr(JsonArray) invite = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };
  GAsyncResult *result = NULL;
  JsonObject *stats;

  /* A supervision room: the admin's, the member posts records in it. */
  json_array_add_string_element (invite, tact_matrix_client_get_user_id (f->member));
  json_object_set_string_member (body, "preset", "private_chat");
  json_object_set_array_member (body, "invite", json_array_ref (invite));
  tact_matrix_client_create_room_async (f->admin, body, NULL, tact_test_store_result_cb, &result);
  room_id = tact_matrix_client_create_room_finish (f->admin, tact_test_wait_result (&result, "room"), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  join (f->member, room_id);

  post_audit (f->member, room_id, "warning-shown", r1);
  post_audit (f->member, room_id, "warned-send", r1);
  post_audit (f->member, room_id, "blocked", both);
  post_audit (f->member, room_id, "approval-needed", r2);
  post_audit (f->member, room_id, "justified-send", r2);
  post_audit (f->member, room_id, "false-positive", r2);
  post_audit (f->member, room_id, "cancelled", r1);
  post_audit (f->admin, room_id, "justification-asked", r1);

  g_assert_cmpint (run_tool (f, f->admin, &run, "--json", "stats", "--room", room_id, NULL), ==, 0);
  out = parse_object (run.out);
  g_assert_cmpint (json_object_get_int_member (out, "audit_events"), ==, 8);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (out, "rules")), ==, 2);
  stats = rule_stats (out, "r1");
  g_assert_cmpint (json_object_get_int_member (stats, "hits"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (stats, "overrides"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "false_positives"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (stats, "kinds"), "cancelled"), ==, 1);
  stats = rule_stats (out, "r2");
  g_assert_cmpint (json_object_get_int_member (stats, "hits"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (stats, "overrides"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "false_positives"), ==, 1);

  /* A bound on the events read, and plain text. */
  g_assert_cmpint (run_tool (f, f->admin, &run, "--json", "stats", "--room", room_id, "--limit", "3", NULL), ==, 0);
  g_clear_pointer (&out, json_object_unref);
  out = parse_object (run.out);
  g_assert_true (json_object_get_boolean_member (out, "truncated"));
  g_assert_cmpint (run_tool (f, f->admin, &run, "stats", "--room", room_id, NULL), ==, 0);
  g_assert_nonnull (strstr (run.out, "8 audit events"));
  g_assert_true (g_regex_match_simple ("^r2 +2 +1 +1$", run.out, G_REGEX_MULTILINE, 0));
}

/* No TACT_PASSWORD and standard input not a terminal: a clear error, no login. A wrong
 * password: the server's refusal. Usage errors: exit 2. */
static void
test_password_and_usage (Fixture *f, gconstpointer data)
{
  g_auto(Run) run = { 0 };

  g_assert_cmpint (run_tool_without_password (f, f->admin, &run, "init-room", NULL), ==, 1);
  g_assert_nonnull (strstr (run.err, "TACT_PASSWORD"));
  g_assert_cmpstr (run.out, ==, "");

  g_assert_cmpint (run_tool (f, f->admin, &run, "bogus", NULL), ==, 2);
  g_assert_nonnull (strstr (run.err, "unknown command"));
  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "p.json", NULL), ==, 2);
  g_assert_nonnull (strstr (run.err, "--room"));
  g_assert_cmpint (run_tool (f, f->admin, &run, "push", "--room", "!a:b", NULL), ==, 2);
  g_assert_cmpint (run_tool (f, f->admin, &run, "history", "--no-such-option", NULL), ==, 2);
  g_assert_cmpint (run_tool (f, f->admin, &run, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (run.out, "init-room"));
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GAsyncResult *result = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "TACT_PASSWORD", "wrong", TRUE);
  g_subprocess_launcher_setenv (launcher, "TACT_HOMESERVER", f->homeserver, TRUE);
  g_subprocess_launcher_setenv (launcher, "TACT_USER", tact_matrix_client_get_user_id (f->admin), TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("TACT_ADMIN"), "init-room", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, tact_test_store_result_cb, &result);
  g_subprocess_communicate_utf8_finish (process, tact_test_wait_result (&result, "tact-admin"),
                                        &out, &err, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (err, "Login failed"));
  g_assert_nonnull (strstr (err, "M_FORBIDDEN"));
}

/* ---- The comparison library ---------------------------------------------------- */

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
test_rule_diff (void)
{
  g_autoptr(JsonNode) old = parse ("{\"id\":\"p\",\"version\":\"1\",\"rules\":["
                                   "{\"id\":\"a\",\"action\":\"warn\"},"
                                   "{\"id\":\"b\",\"action\":\"block\",\"x\":1},"
                                   "{\"id\":\"c\"}]}");
  g_autoptr(JsonNode) new = parse ("{\"version\":\"2\",\"id\":\"p\",\"rules\":["
                                   "{\"id\":\"d\"},"
                                   "{\"x\":1,\"action\":\"block\",\"id\":\"b\"},"
                                   "{\"id\":\"a\",\"action\":\"block\"}],\"roles\":{}}");
  g_autoptr(JsonNode) dup = parse ("{\"rules\":[{\"id\":\"a\"},{\"id\":\"a\"}]}");
  g_autoptr(TactAdminRuleDiff) diff = NULL;
  g_autoptr(TactAdminRuleDiff) same = NULL;
  g_autoptr(GError) error = NULL;

  diff = tact_admin_rule_diff (old, new, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (diff->added->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (diff->added, 0), ==, "d");
  g_assert_cmpuint (diff->removed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (diff->removed, 0), ==, "c");
  g_assert_cmpuint (diff->changed->len, ==, 1);   /* b's members only moved */
  g_assert_cmpstr (g_ptr_array_index (diff->changed, 0), ==, "a");
  g_assert_cmpuint (diff->fields_changed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (diff->fields_changed, 0), ==, "version");
  g_assert_cmpstr (g_ptr_array_index (diff->fields_changed, 1), ==, "roles");
  g_assert_false (tact_admin_rule_diff_is_empty (diff));

  same = tact_admin_rule_diff (old, old, &error);
  g_assert_no_error (error);
  g_assert_true (tact_admin_rule_diff_is_empty (same));

  g_assert_null (tact_admin_rule_diff (old, dup, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_line_diff (void)
{
  g_autofree char *same = tact_admin_line_diff ("a\nb\n", "a\nb", "old", "new", 3, 1000);
  g_autofree char *one = tact_admin_line_diff ("1\n2\n3\n4\n5\n6\n7\n8\n9\n",
                                               "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", "old", "new", 1, 1000);
  g_autofree char *two = tact_admin_line_diff ("1\n2\n3\n4\n5\n6\n7\n8\n9\n",
                                               "0\n1\n2\n3\n4\n5\n6\n7\n9\n", "old", "new", 1, 1000);
  g_autofree char *insert = tact_admin_line_diff ("", "x\n", "old", "new", 3, 1000);
  g_autofree char *big = tact_admin_line_diff ("a\nb\nc\n", "d\ne\nf\n", "old", "new", 3, 10);

  g_assert_cmpstr (same, ==, "");
  g_assert_cmpstr (one, ==, "--- old\n+++ new\n@@ -4,3 +4,3 @@\n 4\n-5\n+five\n 6\n");
  g_assert_cmpstr (two, ==, "--- old\n+++ new\n@@ -1,1 +1,2 @@\n+0\n 1\n@@ -7,3 +8,2 @@\n 7\n-8\n 9\n");
  g_assert_cmpstr (insert, ==, "--- old\n+++ new\n@@ -0,0 +1,1 @@\n+x\n");
  g_assert_null (big);   /* 4 × 4 cells > 10 */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/admin/diff/rules", test_rule_diff);
  g_test_add_func ("/admin/diff/lines", test_line_diff);
#define ADD(path, func) \
  g_test_add ("/admin/tool/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("init-room", test_init_room);
  ADD ("push-pull", test_push_pull);
  ADD ("push-versions", test_push_versions);
  ADD ("push-non-admin", test_push_non_admin);
  ADD ("push-invalid", test_push_invalid);
  ADD ("diff", test_diff);
  ADD ("history", test_history);
  ADD ("stats", test_stats);
  ADD ("password-and-usage", test_password_and_usage);
  ADD ("wrong-password", test_wrong_password);
#undef ADD
  return g_test_run ();
}
