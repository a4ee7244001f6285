/* tact-admin.c: the tact-admin command-line tool: the admin side of the policy room
 * (docs/profile-distribution.md, "Admin commands").
 *
 *   tact-admin [--homeserver URL] [--user NAME] [--json] COMMAND [OPTION…]
 *     init-room [--name NAME] [--invite @user:server]…
 *     push      --room ROOM [--version N] PROFILE.json
 *     pull      --room ROOM [--profile ID] [-o FILE]
 *     diff      --room ROOM [--profile ID] [--lines] PROFILE.json
 *     history   --room ROOM [--profile ID] [--limit N]
 *     stats     --room SUPERVISION_ROOM [--limit N]
 *
 * The global options may come before or after the command. The homeserver and the user can
 * also come from TACT_HOMESERVER and TACT_USER; the password comes from TACT_PASSWORD or a
 * prompt on the terminal (without echo). Each run logs in with m.login.password as a new device
 * named "tact-admin" and logs out at the end. The access token is never printed or logged.
 *
 * Exit status: 0 done, 1 refused or failed (the reason on standard error), 2 usage.
 *
 * Built on the matrix layer and the policy library (to validate a profile before it is
 * pushed); the network stays out of tact-policy.
 */
#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "matrix/tact-matrix.h"
#include "policy/tact-policy.h"
#include "tact-admin-diff.h"

#define EXIT_FAILED 1
#define EXIT_USAGE  2

/* The contract's event types (docs/profile-distribution.md, docs/audit.md). The session layer
 * has the same names; tact-admin does not link it. */
#define PROFILE_TYPE "io.github.tactchat.policy.profile"
#define ERROR_TYPE   "io.github.tactchat.policy.error"
#define AUDIT_TYPE   "io.github.tactchat.audit"

/* Clients refuse a profile over 64 MiB; so does push. */
#define MAX_PROFILE_SIZE (64 * 1024 * 1024)
/* The line diff's table bound, in cells (4 bytes each). */
#define MAX_DIFF_CELLS (4 * 1024 * 1024)

/* ---- Options ---------------------------------------------------------------- */

typedef struct {
  /* Global, owned */
  char      *homeserver;
  char      *user;
  gboolean   json;
  /* Per command, owned */
  char      *room;
  char      *profile_id;
  char      *output;
  char      *name;
  GStrv      invite;
  gint64     version;     /* 0: not given */
  gint       limit;       /* events read at most by history and stats */
  gboolean   lines;
  GStrv      rest;        /* positional arguments */
} Options;

static void
options_clear (Options *opts)
{
  g_clear_pointer (&opts->homeserver, g_free);
  g_clear_pointer (&opts->user, g_free);
  g_clear_pointer (&opts->room, g_free);
  g_clear_pointer (&opts->profile_id, g_free);
  g_clear_pointer (&opts->output, g_free);
  g_clear_pointer (&opts->name, g_free);
  g_clear_pointer (&opts->invite, g_strfreev);
  g_clear_pointer (&opts->rest, g_strfreev);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* ---- The connection ---------------------------------------------------------- */

typedef struct {
  TactMatrixClient *client;     /* owned; NULL until connected */
  gboolean          logged_in;
} Admin;

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      slot)
{
  *(GAsyncResult **) slot = g_object_ref (result);
}

/* Runs the default main context until *slot holds the call's result; returns it (owned by the
 * slot: clear it with g_clear_object after the finish call). */
static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* "message (M_ERRCODE)" for a Matrix error; the server's message otherwise. */
static char *
describe_error (const GError *error)
{
  const char *errcode = error->domain == TACT_MATRIX_ERROR ? tact_matrix_error_get_errcode (error) : NULL;

  if (errcode != NULL)
    return g_strdup_printf ("%s (%s)", error->message, errcode);
  return g_strdup (error->message);
}

static void
print_failure (const char   *what,
               const GError *error)
{
  g_autofree char *reason = describe_error (error);

  g_printerr ("tact-admin: %s: %s\n", what, reason);
}

/* The password: TACT_PASSWORD, else read from the terminal without echo. */
static char *
read_password (const char  *user,
               GError     **error)
{
  const char *env = g_getenv ("TACT_PASSWORD");
  struct termios saved, quiet;
  g_autoptr(GString) line = g_string_new (NULL);
  int c;

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (!isatty (STDIN_FILENO))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("No password: set TACT_PASSWORD, or run tact-admin on a terminal to "
                             "be asked for it"));
      return NULL;
    }
  if (tcgetattr (STDIN_FILENO, &saved) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot read the password from the terminal: %s"), g_strerror (saved_errno));
      return NULL;
    }
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  /* Translators: %s is a Matrix user name. */
  g_printerr (_("Password for %s: "), user);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (line, (char) c);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
  if (c == EOF && line->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("No password given"));
      return NULL;
    }
  return g_strndup (line->str, line->len);
}

/* Finds the client API behind --homeserver and logs in as --user, a new "tact-admin" device. */
static gboolean
admin_connect (Admin    *admin,
               Options  *opts)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *password = NULL;
  GAsyncResult *result = NULL;
  gboolean ok;

  password = read_password (opts->user, &error);
  if (password == NULL)
    {
      g_printerr ("tact-admin: %s\n", error->message);
      return FALSE;
    }

  tact_matrix_discover_async (opts->homeserver, NULL, store_result_cb, &result);
  base_url = tact_matrix_discover_finish (wait_result (&result), &error);
  g_clear_object (&result);
  if (base_url == NULL)
    {
      /* Translators: %s is the homeserver address given with --homeserver. */
      g_autofree char *what = g_strdup_printf (_("Cannot reach the homeserver %s"), opts->homeserver);
      print_failure (what, error);
      memset (password, 0, strlen (password));
      return FALSE;
    }

  admin->client = tact_matrix_client_new (base_url);
  tact_matrix_client_login_async (admin->client, opts->user, password, NULL, "tact-admin",
                                  NULL, store_result_cb, &result);
  ok = tact_matrix_client_login_finish (admin->client, wait_result (&result), &error);
  g_clear_object (&result);
  memset (password, 0, strlen (password));
  if (!ok)
    {
      print_failure (_("Login failed"), error);
      return FALSE;
    }
  admin->logged_in = TRUE;
  g_debug ("Logged in as %s, device %s", tact_matrix_client_get_user_id (admin->client),
           tact_matrix_client_get_device_id (admin->client));
  return TRUE;
}

/* Logs the "tact-admin" device out (its token stops working), and drops the client. */
static void
admin_disconnect (Admin *admin)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;

  if (admin->logged_in)
    {
      tact_matrix_client_logout_async (admin->client, NULL, store_result_cb, &result);
      if (!tact_matrix_client_logout_finish (admin->client, wait_result (&result), &error))
        print_failure (_("Logout failed"), error);
      g_clear_object (&result);
      admin->logged_in = FALSE;
    }
  g_clear_object (&admin->client);
}

/* The room id of --room: as given when it is an id, joined (which resolves it) when an alias. */
static char *
resolve_room (Admin      *admin,
              const char *room)
{
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  char *room_id;

  if (room[0] != '#')
    return g_strdup (room);
  tact_matrix_client_join_async (admin->client, room, NULL, store_result_cb, &result);
  room_id = tact_matrix_client_join_finish (admin->client, wait_result (&result), &error);
  g_clear_object (&result);
  if (room_id == NULL)
    {
      /* Translators: %s is a room alias. */
      g_autofree char *what = g_strdup_printf (_("Cannot open the room %s"), room);
      print_failure (what, error);
    }
  return room_id;
}

/* ---- Announcements ----------------------------------------------------------- */

/* One io.github.tactchat.policy.profile state event. */
typedef struct {
  char   *profile_id;   /* the state key */
  char   *url;
  char   *sha256;
  gint64  size;
  gint64  version;
  gint64  format;
  char   *sender;
  char   *event_id;
  gint64  ts;
} Announcement;

static void
announcement_free (Announcement *a)
{
  g_free (a->profile_id);
  g_free (a->url);
  g_free (a->sha256);
  g_free (a->sender);
  g_free (a->event_id);
  g_free (a);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Announcement, announcement_free)

/* The announcement in @event, or NULL when it has no url (an emptied state event) or lacks a
 * field. */
static Announcement *
announcement_from_event (const TactEvent *event)
{
  g_autoptr(Announcement) a = g_new0 (Announcement, 1);
  const char *url = tact_json_get_string (event->content, "url");
  const char *sha256 = tact_json_get_string (event->content, "sha256");

  if (event->state_key == NULL || url == NULL || sha256 == NULL ||
      !tact_json_get_int (event->content, "size", &a->size) ||
      !tact_json_get_int (event->content, "version", &a->version))
    return NULL;
  if (!tact_json_get_int (event->content, "format", &a->format))
    a->format = 0;
  a->profile_id = g_strdup (event->state_key);
  a->url = g_strdup (url);
  a->sha256 = g_ascii_strdown (sha256, -1);
  a->sender = g_strdup (event->sender);
  a->event_id = g_strdup (event->event_id);
  a->ts = event->origin_server_ts;
  return g_steal_pointer (&a);
}

/* The room's current announcements (GET /state), in the server's order. NULL on failure
 * (reported). */
static GPtrArray *
current_announcements (Admin      *admin,
                       const char *room_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) state = NULL;
  GPtrArray *out;
  GAsyncResult *result = NULL;

  tact_matrix_client_get_state_async (admin->client, room_id, NULL, store_result_cb, &result);
  state = tact_matrix_client_get_state_finish (admin->client, wait_result (&result), &error);
  g_clear_object (&result);
  if (state == NULL)
    {
      /* Translators: %s is a room id. */
      g_autofree char *what = g_strdup_printf (_("Cannot read the state of %s"), room_id);
      print_failure (what, error);
      return NULL;
    }
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) announcement_free);
  for (guint i = 0; i < state->len; i++)
    {
      const TactEvent *event = g_ptr_array_index (state, i);
      Announcement *a;

      if (g_strcmp0 (event->type, PROFILE_TYPE) == 0 && (a = announcement_from_event (event)))
        g_ptr_array_add (out, a);
    }
  return out;
}

/* The announcement for @profile_id (NULL: the room's only one) out of @all; NULL and *failed
 * FALSE when there is none for an id given, NULL and *failed TRUE (reported) when the choice is
 * not clear. */
static Announcement *
pick_announcement (GPtrArray  *all,
                   const char *profile_id,
                   const char *room_id,
                   gboolean   *failed)
{
  *failed = FALSE;
  if (profile_id != NULL)
    {
      for (guint i = 0; i < all->len; i++)
        {
          Announcement *a = g_ptr_array_index (all, i);

          if (g_str_equal (a->profile_id, profile_id))
            return g_ptr_array_steal_index (all, i);
        }
      return NULL;
    }
  if (all->len == 1)
    return g_ptr_array_steal_index (all, 0);

  *failed = TRUE;
  if (all->len == 0)
    /* Translators: %s is a room id. */
    g_printerr (_("tact-admin: %s announces no profile\n"), room_id);
  else
    {
      g_autoptr(GString) ids = g_string_new (NULL);

      for (guint i = 0; i < all->len; i++)
        g_string_append_printf (ids, "%s%s", i ? ", " : "",
                                ((Announcement *) g_ptr_array_index (all, i))->profile_id);
      /* Translators: %s is a list of profile ids. */
      g_printerr (_("tact-admin: the room announces several profiles (%s): choose one with "
                    "--profile\n"), ids->str);
    }
  return NULL;
}

/* Downloads what @a announces and checks its size and SHA-256. NULL on failure (reported). */
static GBytes *
download_profile (Admin              *admin,
                  const Announcement *a)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *digest = NULL;
  GAsyncResult *result = NULL;

  tact_matrix_client_download_async (admin->client, a->url, NULL, store_result_cb, &result);
  bytes = tact_matrix_client_download_finish (admin->client, wait_result (&result), NULL, &error);
  g_clear_object (&result);
  if (bytes == NULL)
    {
      /* Translators: %s is an mxc:// URI. */
      g_autofree char *what = g_strdup_printf (_("Cannot download %s"), a->url);
      print_failure (what, error);
      return NULL;
    }
  if ((gint64) g_bytes_get_size (bytes) != a->size)
    {
      g_autofree char *got = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (bytes));
      g_autofree char *said = g_strdup_printf ("%" G_GINT64_FORMAT, a->size);

      /* Translators: both %s are numbers of bytes. */
      g_printerr (_("tact-admin: the downloaded profile has %s bytes, the announcement says %s\n"),
                  got, said);
      return NULL;
    }
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  if (!g_str_equal (digest, a->sha256))
    {
      g_printerr (_("tact-admin: the downloaded profile's SHA-256 is %s, the announcement says %s\n"),
                  digest, a->sha256);
      return NULL;
    }
  return g_steal_pointer (&bytes);
}

/* ---- Output ------------------------------------------------------------------ */

static void
print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* "2025-12-06T20:13:20Z" for a time in ms since the epoch. */
static char *
format_time (gint64 ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (ms / 1000);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("?");
}

static void
add_announcement_members (JsonBuilder        *builder,
                          const Announcement *a)
{
  g_autofree char *time = format_time (a->ts);

  json_builder_set_member_name (builder, "profile_id");
  json_builder_add_string_value (builder, a->profile_id);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, a->version);
  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, a->format);
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, a->sha256);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, a->size);
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, a->url);
  json_builder_set_member_name (builder, "sender");
  json_builder_add_string_value (builder, a->sender);
  json_builder_set_member_name (builder, "event_id");
  json_builder_add_string_value (builder, a->event_id);
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, a->ts);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, time);
}

/* ---- Reading a room's history ------------------------------------------------ */

typedef gboolean (*EventFunc) (const TactEvent *event, gpointer user_data);

/* Walks @room_id's timeline backwards from the newest event, calling @func for each event of
 * @type, until the start of the room, @max_events read, or @func returns FALSE. Returns FALSE
 * on failure (reported). *truncated is set when @max_events stopped the walk. */
static gboolean
walk_backwards (Admin      *admin,
                const char *room_id,
                const char *type,
                guint       max_events,
                EventFunc   func,
                gpointer    user_data,
                gboolean   *truncated)
{
  g_autofree char *from = NULL;
  guint read = 0;

  *truncated = FALSE;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TactMessagesPage) page = NULL;
      GAsyncResult *result = NULL;

      tact_matrix_client_get_messages_async (admin->client, room_id, from, 'b', 100, NULL,
                                             store_result_cb, &result);
      page = tact_matrix_client_get_messages_finish (admin->client, wait_result (&result), &error);
      g_clear_object (&result);
      if (page == NULL)
        {
          /* Translators: %s is a room id. */
          g_autofree char *what = g_strdup_printf (_("Cannot read the history of %s"), room_id);
          print_failure (what, error);
          return FALSE;
        }
      for (guint i = 0; i < page->chunk->len; i++)
        {
          const TactEvent *event = g_ptr_array_index (page->chunk, i);

          if (read++ >= max_events)
            {
              *truncated = TRUE;
              return TRUE;
            }
          if (g_strcmp0 (event->type, type) == 0 && !func (event, user_data))
            return TRUE;
        }
      if (page->chunk->len == 0 || page->end == NULL || g_strcmp0 (page->end, from) == 0)
        return TRUE;
      g_free (from);
      from = g_strdup (page->end);
    }
}

/* ---- Commands ---------------------------------------------------------------- */

static int
cmd_init_room (Admin   *admin,
               Options *opts)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *room_id = NULL;
  const char *me = tact_matrix_client_get_user_id (admin->client);
  GAsyncResult *result = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, opts->name != NULL ? opts->name : "Tact policy");
  json_builder_set_member_name (builder, "topic");
  json_builder_add_string_value (builder, "Company policy profiles for Tact "
                                          "(docs/profile-distribution.md)");
  json_builder_set_member_name (builder, "preset");
  json_builder_add_string_value (builder, "private_chat");
  json_builder_set_member_name (builder, "invite");
  json_builder_begin_array (builder);
  for (guint i = 0; opts->invite != NULL && opts->invite[i] != NULL; i++)
    json_builder_add_string_value (builder, opts->invite[i]);
  json_builder_end_array (builder);
  /* The server enforces who sets the rules: only power 100 sets state or posts, members may
   * post error events. */
  json_builder_set_member_name (builder, "power_level_content_override");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "state_default");
  json_builder_add_int_value (builder, 100);
  json_builder_set_member_name (builder, "events_default");
  json_builder_add_int_value (builder, 100);
  json_builder_set_member_name (builder, "invite");
  json_builder_add_int_value (builder, 100);
  json_builder_set_member_name (builder, "events");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, ERROR_TYPE);
  json_builder_add_int_value (builder, 0);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "users");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, me);
  json_builder_add_int_value (builder, 100);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "initial_state");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "m.room.history_visibility");
  json_builder_set_member_name (builder, "state_key");
  json_builder_add_string_value (builder, "");
  json_builder_set_member_name (builder, "content");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "history_visibility");
  json_builder_add_string_value (builder, "shared");
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  tact_matrix_client_create_room_async (admin->client, json_node_get_object (body), NULL,
                                        store_result_cb, &result);
  room_id = tact_matrix_client_create_room_finish (admin->client, wait_result (&result), &error);
  g_clear_object (&result);
  if (room_id == NULL)
    {
      print_failure (_("Cannot create the policy room"), error);
      return EXIT_FAILED;
    }

  if (opts->json)
    {
      g_autoptr(JsonBuilder) out = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (out);
      json_builder_set_member_name (out, "room_id");
      json_builder_add_string_value (out, room_id);
      json_builder_set_member_name (out, "admin");
      json_builder_add_string_value (out, me);
      json_builder_set_member_name (out, "invited");
      json_builder_begin_array (out);
      for (guint i = 0; opts->invite != NULL && opts->invite[i] != NULL; i++)
        json_builder_add_string_value (out, opts->invite[i]);
      json_builder_end_array (out);
      json_builder_end_object (out);
      root = json_builder_get_root (out);
      print_json (root);
    }
  else
    g_print ("%s\n", room_id);
  return EXIT_SUCCESS;
}

/* Reads and validates a profile file: its bytes (what is uploaded and hashed are what was
 * validated) and the loaded profile. Reports and returns NULL when it is not a valid profile. */
static GBytes *
read_profile (const char   *path,
              TactProfile **profile_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(TactProfile) profile = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      g_printerr ("tact-admin: %s\n", error->message);
      return NULL;
    }
  if (len > MAX_PROFILE_SIZE)
    {
      /* Translators: %s is a file name. */
      g_printerr (_("tact-admin: %s is larger than 64 MiB, which clients refuse\n"), path);
      return NULL;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  profile = tact_profile_new_from_bytes (bytes, &error);
  if (profile == NULL)
    {
      /* Translators: %s is a file name; the loader's reason follows on the next line. */
      g_printerr (_("tact-admin: %s is not a valid profile:\n"), path);
      g_printerr ("%s\n", error->message);
      return NULL;
    }
  *profile_out = g_steal_pointer (&profile);
  return g_steal_pointer (&bytes);
}

static int
cmd_push (Admin       *admin,
          Options     *opts,
          const char  *path,
          GBytes      *bytes,
          TactProfile *profile)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(Announcement) current = NULL;
  g_autoptr(JsonObject) content = json_object_new ();
  g_autofree char *room_id = NULL;
  g_autofree char *digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_autofree char *filename = NULL;
  g_autofree char *mxc = NULL;
  g_autofree char *event_id = NULL;
  const char *profile_id = tact_profile_get_id (profile);
  gint64 version;
  gboolean failed;
  GAsyncResult *result = NULL;

  room_id = resolve_room (admin, opts->room);
  if (room_id == NULL)
    return EXIT_FAILED;
  all = current_announcements (admin, room_id);
  if (all == NULL)
    return EXIT_FAILED;
  current = pick_announcement (all, profile_id, room_id, &failed);

  version = current != NULL ? current->version + 1 : 1;
  if (opts->version != 0)
    {
      if (current != NULL && opts->version <= current->version)
        {
          g_autofree char *asked = g_strdup_printf ("%" G_GINT64_FORMAT, opts->version);
          g_autofree char *in_force = g_strdup_printf ("%" G_GINT64_FORMAT, current->version);

          /* Translators: the first %s is a version number, the second a profile id, the third
           * the version the room announces now. */
          g_printerr (_("tact-admin: version %s is not higher than the announced version of "
                        "%s (%s); clients would refuse it. A rollback is a new version with the "
                        "old content.\n"), asked, profile_id, in_force);
          return EXIT_FAILED;
        }
      version = opts->version;
    }

  filename = g_strdup_printf ("%s.json", profile_id);
  tact_matrix_client_upload_async (admin->client, bytes, "application/json", filename, NULL,
                                   store_result_cb, &result);
  mxc = tact_matrix_client_upload_finish (admin->client, wait_result (&result), &error);
  g_clear_object (&result);
  if (mxc == NULL)
    {
      print_failure (_("Cannot upload the profile"), error);
      return EXIT_FAILED;
    }

  json_object_set_string_member (content, "url", mxc);
  json_object_set_string_member (content, "sha256", digest);
  json_object_set_int_member (content, "size", (gint64) g_bytes_get_size (bytes));
  json_object_set_int_member (content, "version", version);
  json_object_set_int_member (content, "format", tact_profile_get_format (profile));
  tact_matrix_client_set_state_async (admin->client, room_id, PROFILE_TYPE, profile_id, content,
                                      NULL, store_result_cb, &result);
  event_id = tact_matrix_client_set_state_finish (admin->client, wait_result (&result), &error);
  g_clear_object (&result);
  if (event_id == NULL)
    {
      print_failure (_("The server refused the announcement"), error);
      return EXIT_FAILED;
    }

  if (opts->json)
    {
      g_autoptr(JsonBuilder) out = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (out);
      json_builder_set_member_name (out, "room_id");
      json_builder_add_string_value (out, room_id);
      json_builder_set_member_name (out, "profile_id");
      json_builder_add_string_value (out, profile_id);
      json_builder_set_member_name (out, "version");
      json_builder_add_int_value (out, version);
      json_builder_set_member_name (out, "previous_version");
      if (current != NULL)
        json_builder_add_int_value (out, current->version);
      else
        json_builder_add_null_value (out);
      json_builder_set_member_name (out, "format");
      json_builder_add_int_value (out, tact_profile_get_format (profile));
      json_builder_set_member_name (out, "sha256");
      json_builder_add_string_value (out, digest);
      json_builder_set_member_name (out, "size");
      json_builder_add_int_value (out, (gint64) g_bytes_get_size (bytes));
      json_builder_set_member_name (out, "url");
      json_builder_add_string_value (out, mxc);
      json_builder_set_member_name (out, "event_id");
      json_builder_add_string_value (out, event_id);
      json_builder_end_object (out);
      root = json_builder_get_root (out);
      print_json (root);
    }
  else
    {
      g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, version);
      g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (bytes));

      /* Translators: "Pushed PATH as profile ID version N to ROOM". */
      g_print (_("Pushed %s as profile %s version %s to %s\n"), path, profile_id, v, room_id);
      g_print ("  url     %s\n  sha256  %s\n  size    %s\n  event   %s\n", mxc, digest, size,
               event_id);
    }
  return EXIT_SUCCESS;
}

/* The announcement --profile (or the only one) names in --room, its room id and its downloaded,
 * checked bytes. FALSE on failure (reported). */
static gboolean
fetch_announced (Admin         *admin,
                 Options       *opts,
                 const char    *profile_id,
                 char         **room_id_out,
                 Announcement **announcement_out,
                 GBytes       **bytes_out)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(Announcement) a = NULL;
  g_autofree char *room_id = NULL;
  gboolean failed;

  room_id = resolve_room (admin, opts->room);
  if (room_id == NULL)
    return FALSE;
  all = current_announcements (admin, room_id);
  if (all == NULL)
    return FALSE;
  a = pick_announcement (all, profile_id, room_id, &failed);
  if (a == NULL)
    {
      if (!failed)
        /* Translators: the first %s is a room id, the second a profile id. */
        g_printerr (_("tact-admin: %s announces no profile %s\n"), room_id, profile_id);
      return FALSE;
    }
  *bytes_out = download_profile (admin, a);
  if (*bytes_out == NULL)
    return FALSE;
  *room_id_out = g_steal_pointer (&room_id);
  *announcement_out = g_steal_pointer (&a);
  return TRUE;
}

static int
cmd_pull (Admin   *admin,
          Options *opts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Announcement) a = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *room_id = NULL;
  gsize len;
  const char *data;

  if (!fetch_announced (admin, opts, opts->profile_id, &room_id, &a, &bytes))
    return EXIT_FAILED;
  data = g_bytes_get_data (bytes, &len);

  if (opts->output == NULL || g_str_equal (opts->output, "-"))
    {
      if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
        {
          g_printerr (_("tact-admin: cannot write to standard output\n"));
          return EXIT_FAILED;
        }
      return EXIT_SUCCESS;
    }
  if (!g_file_set_contents (opts->output, data, len, &error))
    {
      g_printerr ("tact-admin: %s\n", error->message);
      return EXIT_FAILED;
    }

  if (opts->json)
    {
      g_autoptr(JsonBuilder) out = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (out);
      json_builder_set_member_name (out, "room_id");
      json_builder_add_string_value (out, room_id);
      add_announcement_members (out, a);
      json_builder_set_member_name (out, "file");
      json_builder_add_string_value (out, opts->output);
      json_builder_end_object (out);
      root = json_builder_get_root (out);
      print_json (root);
    }
  else
    {
      g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, a->version);

      /* Translators: "Wrote profile ID version N (sha256 HEX) to FILE". */
      g_print (_("Wrote profile %s version %s (sha256 %s) to %s\n"), a->profile_id, v, a->sha256,
               opts->output);
    }
  return EXIT_SUCCESS;
}

static void
add_string_array (JsonBuilder *builder,
                  const char  *name,
                  GPtrArray   *strings)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < strings->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (strings, i));
  json_builder_end_array (builder);
}

static void
print_id_list (const char *label,
               char        sign,
               GPtrArray  *ids)
{
  if (ids->len == 0)
    return;
  g_print ("%s\n", label);
  for (guint i = 0; i < ids->len; i++)
    g_print ("  %c %s\n", sign, (const char *) g_ptr_array_index (ids, i));
}

static int
cmd_diff (Admin       *admin,
          Options     *opts,
          const char  *path,
          GBytes      *local,
          TactProfile *profile)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Announcement) a = NULL;
  g_autoptr(GBytes) announced = NULL;
  g_autoptr(JsonParser) old_parser = json_parser_new ();
  g_autoptr(JsonParser) new_parser = json_parser_new ();
  g_autoptr(TactAdminRuleDiff) diff = NULL;
  g_autofree char *room_id = NULL;
  g_autofree char *old_text = NULL;
  g_autofree char *new_text = NULL;
  g_autofree char *old_label = NULL;
  g_autofree char *lines = NULL;
  const char *profile_id = opts->profile_id != NULL ? opts->profile_id : tact_profile_get_id (profile);
  gsize len;
  const char *data;

  if (!fetch_announced (admin, opts, profile_id, &room_id, &a, &announced))
    return EXIT_FAILED;

  data = g_bytes_get_data (announced, &len);
  old_text = g_strndup (data, len);
  data = g_bytes_get_data (local, &len);
  new_text = g_strndup (data, len);
  if (!json_parser_load_from_data (old_parser, old_text, -1, &error) ||
      !json_parser_load_from_data (new_parser, new_text, -1, &error) ||
      (diff = tact_admin_rule_diff (json_parser_get_root (old_parser),
                                    json_parser_get_root (new_parser), &error)) == NULL)
    {
      print_failure (_("Cannot compare the profiles"), error);
      return EXIT_FAILED;
    }

  if (opts->lines)
    {
      old_label = g_strdup_printf ("%s v%" G_GINT64_FORMAT " (%s)", a->profile_id, a->version,
                                   room_id);
      lines = tact_admin_line_diff (old_text, new_text, old_label, path, 3, MAX_DIFF_CELLS);
    }

  if (opts->json)
    {
      g_autoptr(JsonBuilder) out = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (out);
      json_builder_set_member_name (out, "room_id");
      json_builder_add_string_value (out, room_id);
      json_builder_set_member_name (out, "announced");
      json_builder_begin_object (out);
      add_announcement_members (out, a);
      json_builder_end_object (out);
      json_builder_set_member_name (out, "file");
      json_builder_add_string_value (out, path);
      json_builder_set_member_name (out, "identical");
      json_builder_add_boolean_value (out, tact_admin_rule_diff_is_empty (diff));
      json_builder_set_member_name (out, "rules");
      json_builder_begin_object (out);
      add_string_array (out, "added", diff->added);
      add_string_array (out, "removed", diff->removed);
      add_string_array (out, "changed", diff->changed);
      json_builder_end_object (out);
      add_string_array (out, "fields_changed", diff->fields_changed);
      if (opts->lines)
        {
          json_builder_set_member_name (out, "line_diff");
          if (lines != NULL)
            json_builder_add_string_value (out, lines);
          else
            json_builder_add_null_value (out);
        }
      json_builder_end_object (out);
      root = json_builder_get_root (out);
      print_json (root);
      return EXIT_SUCCESS;
    }

  {
    g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, a->version);

    /* Translators: "Announced: profile ID version N; file: PATH". */
    g_print (_("Announced: profile %s version %s; file: %s\n"), a->profile_id, v, path);
  }
  if (tact_admin_rule_diff_is_empty (diff))
    g_print (_("No rule or setting differs.\n"));
  print_id_list (_("Rules added:"), '+', diff->added);
  print_id_list (_("Rules removed:"), '-', diff->removed);
  print_id_list (_("Rules changed:"), '~', diff->changed);
  print_id_list (_("Other fields changed:"), '~', diff->fields_changed);
  if (opts->lines)
    {
      if (lines == NULL)
        g_print (_("The files differ too much for a line diff.\n"));
      else if (lines[0] != '\0')
        g_print ("\n%s", lines);
    }
  return EXIT_SUCCESS;
}

typedef struct {
  const char *profile_id;   /* borrowed; NULL: every profile */
  GPtrArray  *found;        /* Announcement, owned */
} HistoryWalk;

static gboolean
history_event (const TactEvent *event,
               gpointer         user_data)
{
  HistoryWalk *walk = user_data;
  Announcement *a;

  if (event->state_key == NULL ||
      (walk->profile_id != NULL && !g_str_equal (event->state_key, walk->profile_id)))
    return TRUE;
  a = announcement_from_event (event);
  if (a != NULL)
    g_ptr_array_add (walk->found, a);
  return TRUE;
}

static int
cmd_history (Admin   *admin,
             Options *opts)
{
  g_autofree char *room_id = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) announcement_free);
  HistoryWalk walk = { opts->profile_id, found };
  gboolean truncated;

  room_id = resolve_room (admin, opts->room);
  if (room_id == NULL)
    return EXIT_FAILED;
  if (!walk_backwards (admin, room_id, PROFILE_TYPE, (guint) opts->limit, history_event, &walk,
                       &truncated))
    return EXIT_FAILED;

  if (opts->json)
    {
      g_autoptr(JsonBuilder) out = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (out);
      json_builder_set_member_name (out, "room_id");
      json_builder_add_string_value (out, room_id);
      json_builder_set_member_name (out, "truncated");
      json_builder_add_boolean_value (out, truncated);
      json_builder_set_member_name (out, "announcements");
      json_builder_begin_array (out);
      for (guint i = 0; i < found->len; i++)
        {
          json_builder_begin_object (out);
          add_announcement_members (out, g_ptr_array_index (found, i));
          json_builder_end_object (out);
        }
      json_builder_end_array (out);
      json_builder_end_object (out);
      root = json_builder_get_root (out);
      print_json (root);
      return EXIT_SUCCESS;
    }

  if (found->len == 0)
    g_print (_("No announcements.\n"));
  for (guint i = 0; i < found->len; i++)
    {
      const Announcement *a = g_ptr_array_index (found, i);
      g_autofree char *time = format_time (a->ts);

      g_print ("%s  %s  v%" G_GINT64_FORMAT "  %s  %" G_GINT64_FORMAT " B  sha256 %s  %s\n",
               time, a->profile_id, a->version, a->sender, a->size, a->sha256, a->event_id);
    }
  if (truncated)
    {
      g_autofree char *n = g_strdup_printf ("%d", opts->limit);

      /* Translators: %s is a number of events. */
      g_print (_("(stopped after %s events; use --limit to read further)\n"), n);
    }
  return EXIT_SUCCESS;
}

/* Counts per rule id, from the supervision room's audit events. */
typedef struct {
  char       *rule_id;
  guint       hits;             /* warning-shown, justification-asked, approval-needed, blocked */
  guint       overrides;        /* warned-send, justified-send */
  guint       false_positives;  /* false-positive */
  GHashTable *kinds;            /* kind → count (GUINT_TO_POINTER), every kind seen */
} RuleStats;

static void
rule_stats_free (RuleStats *stats)
{
  g_free (stats->rule_id);
  g_hash_table_unref (stats->kinds);
  g_free (stats);
}

typedef struct {
  GHashTable *rules;     /* rule id → RuleStats, owned */
  guint       events;    /* audit events read */
} StatsWalk;

static gboolean
stats_event (const TactEvent *event,
             gpointer         user_data)
{
  static const char *const hits[] = {
    "warning-shown", "justification-asked", "approval-needed", "blocked", NULL };
  static const char *const overrides[] = { "warned-send", "justified-send", NULL };
  StatsWalk *walk = user_data;
  const char *kind = tact_json_get_string (event->content, "kind");
  JsonArray *rule_ids = tact_json_get_array (event->content, "rule_ids");

  walk->events++;
  if (kind == NULL || rule_ids == NULL)
    return TRUE;
  for (guint i = 0; i < json_array_get_length (rule_ids); i++)
    {
      JsonNode *node = json_array_get_element (rule_ids, i);
      RuleStats *stats;
      const char *id;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      id = json_node_get_string (node);
      stats = g_hash_table_lookup (walk->rules, id);
      if (stats == NULL)
        {
          stats = g_new0 (RuleStats, 1);
          stats->rule_id = g_strdup (id);
          stats->kinds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_hash_table_insert (walk->rules, stats->rule_id, stats);
        }
      if (g_strv_contains (hits, kind))
        stats->hits++;
      else if (g_strv_contains (overrides, kind))
        stats->overrides++;
      else if (g_str_equal (kind, "false-positive"))
        stats->false_positives++;
      g_hash_table_insert (stats->kinds, g_strdup (kind),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (stats->kinds, kind)) + 1));
    }
  return TRUE;
}

static int
compare_rule_stats (gconstpointer a,
                    gconstpointer b)
{
  const RuleStats *x = *(RuleStats **) a, *y = *(RuleStats **) b;

  return g_strcmp0 (x->rule_id, y->rule_id);
}

static int
cmd_stats (Admin   *admin,
           Options *opts)
{
  g_autoptr(GHashTable) rules = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) rule_stats_free);
  g_autoptr(GPtrArray) sorted = NULL;
  g_autofree char *room_id = NULL;
  StatsWalk walk = { rules, 0 };
  gboolean truncated;

  room_id = resolve_room (admin, opts->room);
  if (room_id == NULL)
    return EXIT_FAILED;
  if (!walk_backwards (admin, room_id, AUDIT_TYPE, (guint) opts->limit, stats_event, &walk,
                       &truncated))
    return EXIT_FAILED;
  sorted = g_ptr_array_new ();
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, rules);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_add (sorted, value);
  }
  g_ptr_array_sort (sorted, compare_rule_stats);

  if (opts->json)
    {
      g_autoptr(JsonBuilder) out = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (out);
      json_builder_set_member_name (out, "room_id");
      json_builder_add_string_value (out, room_id);
      json_builder_set_member_name (out, "audit_events");
      json_builder_add_int_value (out, walk.events);
      json_builder_set_member_name (out, "truncated");
      json_builder_add_boolean_value (out, truncated);
      json_builder_set_member_name (out, "rules");
      json_builder_begin_array (out);
      for (guint i = 0; i < sorted->len; i++)
        {
          const RuleStats *stats = g_ptr_array_index (sorted, i);
          g_autoptr(GList) kinds = g_list_sort (g_hash_table_get_keys (stats->kinds),
                                                (GCompareFunc) g_strcmp0);

          json_builder_begin_object (out);
          json_builder_set_member_name (out, "rule_id");
          json_builder_add_string_value (out, stats->rule_id);
          json_builder_set_member_name (out, "hits");
          json_builder_add_int_value (out, stats->hits);
          json_builder_set_member_name (out, "overrides");
          json_builder_add_int_value (out, stats->overrides);
          json_builder_set_member_name (out, "false_positives");
          json_builder_add_int_value (out, stats->false_positives);
          json_builder_set_member_name (out, "kinds");
          json_builder_begin_object (out);
          for (GList *l = kinds; l != NULL; l = l->next)
            {
              json_builder_set_member_name (out, l->data);
              json_builder_add_int_value (out, GPOINTER_TO_UINT (g_hash_table_lookup (stats->kinds, l->data)));
            }
          json_builder_end_object (out);
          json_builder_end_object (out);
        }
      json_builder_end_array (out);
      json_builder_end_object (out);
      root = json_builder_get_root (out);
      print_json (root);
      return EXIT_SUCCESS;
    }

  {
    g_autofree char *n = g_strdup_printf ("%u", walk.events);

    /* Translators: the first %s is a number of events, the second a room id. */
    g_print (_("%s audit events in %s\n"), n, room_id);
  }
  if (sorted->len > 0)
    /* Translators: column headings; keep the words short. */
    g_print ("%-32s %8s %10s %15s\n", _("rule"), _("hits"), _("overrides"), _("false positives"));
  for (guint i = 0; i < sorted->len; i++)
    {
      const RuleStats *stats = g_ptr_array_index (sorted, i);

      g_print ("%-32s %8u %10u %15u\n", stats->rule_id, stats->hits, stats->overrides,
               stats->false_positives);
    }
  if (truncated)
    {
      g_autofree char *n = g_strdup_printf ("%d", opts->limit);

      g_print (_("(stopped after %s events; use --limit to read further)\n"), n);
    }
  return EXIT_SUCCESS;
}

/* ---- main -------------------------------------------------------------------- */

static const char *const commands[] = {
  "init-room", "push", "pull", "diff", "history", "stats", NULL
};

static void
print_usage (FILE *to)
{
  fprintf (to, "%s",
           _("Usage: tact-admin [--homeserver URL] [--user NAME] [--json] COMMAND [OPTION…]\n"
             "\n"
             "Commands:\n"
             "  init-room [--name NAME] [--invite USER]…        create a policy room\n"
             "  push --room ROOM [--version N] PROFILE.json      publish a profile\n"
             "  pull --room ROOM [--profile ID] [-o FILE]        download the announced profile\n"
             "  diff --room ROOM [--lines] PROFILE.json          compare it with a file\n"
             "  history --room ROOM [--profile ID] [--limit N]   announcements, newest first\n"
             "  stats --room SUPERVISION_ROOM [--limit N]        hits, overrides and reports per rule\n"
             "\n"
             "The password comes from TACT_PASSWORD or a prompt; TACT_HOMESERVER and TACT_USER\n"
             "stand in for --homeserver and --user. Run tact-admin COMMAND --help for details.\n"));
}

int
main (int    argc,
      char **argv)
{
  g_auto(Options) opts = { 0 };
  g_autoptr(GOptionContext) global = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(TactProfile) profile = NULL;
  g_autofree char *prgname = NULL;
  Admin admin = { 0 };
  const char *command;
  const char *path = NULL;
  guint n_rest;
  int status;
  GOptionEntry global_entries[] = {
    { "homeserver", 0, 0, G_OPTION_ARG_STRING, &opts.homeserver,
      N_("The homeserver (a server name or the client API's URL)"), "URL" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &opts.user,
      N_("The admin's user name or Matrix id"), "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts.json, N_("Print the result as JSON"), NULL },
    { NULL }
  };
  GOptionEntry room_entry[] = {
    { "room", 0, 0, G_OPTION_ARG_STRING, &opts.room, N_("The room (id or alias)"), "ROOM" },
    { NULL }
  };
  GOptionEntry init_entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opts.name, N_("The room's name"), "NAME" },
    { "invite", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts.invite, N_("Invite a user (repeatable)"),
      "USER" },
    { NULL }
  };
  GOptionEntry push_entries[] = {
    { "version", 0, 0, G_OPTION_ARG_INT64, &opts.version,
      N_("The version to announce (default: the announced one + 1)"), "N" },
    { NULL }
  };
  GOptionEntry profile_entry[] = {
    { "profile", 0, 0, G_OPTION_ARG_STRING, &opts.profile_id,
      N_("The profile id (default: the room's only one, or the file's)"), "ID" },
    { NULL }
  };
  GOptionEntry pull_entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opts.output,
      N_("Write the profile to FILE (default: standard output)"), "FILE" },
    { NULL }
  };
  GOptionEntry diff_entries[] = {
    { "lines", 0, 0, G_OPTION_ARG_NONE, &opts.lines, N_("Add a line-by-line unified diff"), NULL },
    { NULL }
  };
  GOptionEntry limit_entry[] = {
    { "limit", 0, 0, G_OPTION_ARG_INT, &opts.limit,
      N_("Read at most N events of the room's history (default 10000)"), "N" },
    { NULL }
  };
  GOptionEntry rest_entry[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.rest, NULL, NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TACT_LOCALEDIR") ? g_getenv ("TACT_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  opts.limit = 10000;
  /* Standard output carries results (JSON, a pulled profile): every log goes to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  /* The global options up to the command (strict POSIX stops at it), then the command's own
   * options, which accept the global ones again. */
  global = g_option_context_new ("COMMAND [OPTION…]");   /* never shown: help is ours */
  g_option_context_set_help_enabled (global, FALSE);
  g_option_context_set_strict_posix (global, TRUE);
  g_option_context_set_ignore_unknown_options (global, TRUE);   /* --help, or the command's */
  g_option_context_add_main_entries (global, global_entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (global, &argc, &argv, &error))
    {
      g_printerr ("tact-admin: %s\n\n", error->message);
      print_usage (stderr);
      return EXIT_USAGE;
    }
  if (argc < 2)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }
  command = argv[1];
  if (g_str_equal (command, "--help") || g_str_equal (command, "-h") || g_str_equal (command, "help"))
    {
      print_usage (stdout);
      return EXIT_SUCCESS;
    }
  if (!g_strv_contains (commands, command))
    {
      g_printerr ("tact-admin: %s: %s\n\n", _("unknown command"), command);
      print_usage (stderr);
      return EXIT_USAGE;
    }

  prgname = g_strdup_printf ("tact-admin %s", command);
  g_set_prgname (prgname);
  context = g_option_context_new (g_str_equal (command, "push") || g_str_equal (command, "diff")
                                  ? "PROFILE.json" : NULL);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);
  if (!g_str_equal (command, "init-room"))
    g_option_context_add_main_entries (context, room_entry, GETTEXT_PACKAGE);
  if (g_str_equal (command, "init-room"))
    g_option_context_add_main_entries (context, init_entries, GETTEXT_PACKAGE);
  if (g_str_equal (command, "push"))
    g_option_context_add_main_entries (context, push_entries, GETTEXT_PACKAGE);
  if (g_str_equal (command, "pull") || g_str_equal (command, "diff") ||
      g_str_equal (command, "history"))
    g_option_context_add_main_entries (context, profile_entry, GETTEXT_PACKAGE);
  if (g_str_equal (command, "pull"))
    g_option_context_add_main_entries (context, pull_entries, GETTEXT_PACKAGE);
  if (g_str_equal (command, "diff"))
    g_option_context_add_main_entries (context, diff_entries, GETTEXT_PACKAGE);
  if (g_str_equal (command, "history") || g_str_equal (command, "stats"))
    g_option_context_add_main_entries (context, limit_entry, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, rest_entry, GETTEXT_PACKAGE);
  {
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;

    if (!g_option_context_parse (context, &sub_argc, &sub_argv, &error))
      {
        g_printerr ("tact-admin: %s\n", error->message);
        return EXIT_USAGE;
      }
  }

  if (opts.homeserver == NULL && g_getenv ("TACT_HOMESERVER") != NULL)
    opts.homeserver = g_strdup (g_getenv ("TACT_HOMESERVER"));
  if (opts.user == NULL && g_getenv ("TACT_USER") != NULL)
    opts.user = g_strdup (g_getenv ("TACT_USER"));
  n_rest = opts.rest != NULL ? g_strv_length (opts.rest) : 0;
  if (opts.homeserver == NULL || opts.user == NULL)
    {
      g_printerr (_("tact-admin: give --homeserver and --user (or TACT_HOMESERVER and TACT_USER)\n"));
      return EXIT_USAGE;
    }
  if (!g_str_equal (command, "init-room") && opts.room == NULL)
    {
      g_printerr (_("tact-admin: %s needs --room\n"), command);
      return EXIT_USAGE;
    }
  if (g_str_equal (command, "push") || g_str_equal (command, "diff"))
    {
      if (n_rest != 1)
        {
          g_printerr (_("tact-admin: %s needs one PROFILE.json\n"), command);
          return EXIT_USAGE;
        }
      path = opts.rest[0];
    }
  else if (n_rest != 0)
    {
      g_printerr (_("tact-admin: unexpected argument: %s\n"), opts.rest[0]);
      return EXIT_USAGE;
    }
  if (opts.version < 0 || opts.limit <= 0)
    {
      g_printerr (_("tact-admin: --version and --limit must be positive\n"));
      return EXIT_USAGE;
    }
  if (g_str_equal (command, "pull") && opts.json &&
      (opts.output == NULL || g_str_equal (opts.output, "-")))
    {
      g_printerr (_("tact-admin: pull --json needs -o FILE (the profile goes to the file, the "
                    "summary to standard output)\n"));
      return EXIT_USAGE;
    }

  /* A file to push or compare is read and validated before anything goes to the network. */
  if (path != NULL)
    {
      bytes = read_profile (path, &profile);
      if (bytes == NULL)
        return EXIT_FAILED;
    }

  if (!admin_connect (&admin, &opts))
    {
      admin_disconnect (&admin);
      return EXIT_FAILED;
    }
  if (g_str_equal (command, "init-room"))
    status = cmd_init_room (&admin, &opts);
  else if (g_str_equal (command, "push"))
    status = cmd_push (&admin, &opts, path, bytes, profile);
  else if (g_str_equal (command, "pull"))
    status = cmd_pull (&admin, &opts);
  else if (g_str_equal (command, "diff"))
    status = cmd_diff (&admin, &opts, path, bytes, profile);
  else if (g_str_equal (command, "history"))
    status = cmd_history (&admin, &opts);
  else
    status = cmd_stats (&admin, &opts);
  admin_disconnect (&admin);
  return status;
}
