/* tact-policy-cli.c: the tact-policy command-line tool.
 *
 *   tact-policy validate PROFILE
 *   tact-policy check   [--profile P] [--external N] [--members N]
 *                       [--room-kind dm|group|announcement] [--json] [TEXT | -]
 *   tact-policy explain [same options as check] [TEXT | -]
 *
 * Exit status: 0 when the command ran (whatever the verdict), 2 on usage
 * errors and invalid profiles. Matched text is never printed in full: the
 * output shows masked excerpts, so it can be pasted into a ticket.
 */
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>

#include "policy/tact-policy.h"

#define EXIT_USAGE 2

/* Options shared by check and explain. */
typedef struct {
  char     *profile;    /* owned, may be NULL: the default profile */
  int       external;
  int       members;
  char     *room_kind;  /* owned, may be NULL */
  gboolean  json;
  GStrv     rest;       /* owned: positional arguments */
} CheckOptions;

static void
check_options_clear (CheckOptions *opts)
{
  g_clear_pointer (&opts->profile, g_free);
  g_clear_pointer (&opts->room_kind, g_free);
  g_clear_pointer (&opts->rest, g_strfreev);
}

static void
usage_error (GOptionContext *context,
             const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("tact-policy: %s\n\n%s", message, help);
}

static TactProfile *
load_profile (const char *path)
{
  g_autoptr(GError) error = NULL;
  TactProfile *profile;

  if (path != NULL)
    profile = tact_profile_new_from_file (path, &error);
  else
    profile = tact_profile_new_default (&error);

  if (profile == NULL)
    g_printerr ("%s:\n%s\n", path != NULL ? path : "default profile", error->message);
  return profile;
}

/* The first character followed by •••: enough to recognise, not to leak. */
static char *
mask_excerpt (const char *matched)
{
  const char *second = g_utf8_next_char (matched);

  return g_strdup_printf ("%.*s•••", (int) (second - matched), matched);
}

/* Reads the text from the last positional argument, or stdin for "-" or none. */
static char *
read_text (GStrv     rest,
           GError  **error)
{
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  if (rest != NULL && rest[0] != NULL && !g_str_equal (rest[0], "-"))
    return g_strdup (rest[0]);

  channel = g_io_channel_unix_new (0);
  if (g_io_channel_set_encoding (channel, NULL, error) != G_IO_STATUS_NORMAL ||
      g_io_channel_read_to_end (channel, &text, &len, error) != G_IO_STATUS_NORMAL)
    return NULL;
  if (text == NULL)
    return g_strdup ("");

  /* Drop one trailing newline, as `echo text | tact-policy check -` adds it. */
  if (len >= 1 && text[len - 1] == '\n')
    text[len - 1] = '\0';
  return g_steal_pointer (&text);
}

static int
cmd_validate (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("PROFILE — check a policy profile"));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = NULL;

  g_option_context_set_summary (context,
    _("Loads a profile and reports every error with its JSON path."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      usage_error (context, error->message);
      return EXIT_USAGE;
    }
  if (argc != 2)
    {
      usage_error (context, _("expected exactly one PROFILE"));
      return EXIT_USAGE;
    }

  profile = tact_profile_new_from_file (argv[1], &error);
  if (profile == NULL)
    {
      g_printerr ("%s:\n%s\n", argv[1], error->message);
      return EXIT_USAGE;
    }

  /* Translators: %s is a profile id, then its version and number of rules. */
  g_print (_("%s: valid (profile %s, version %s, %u rules)\n"), argv[1],
           tact_profile_get_id (profile), tact_profile_get_version (profile),
           tact_profile_get_n_rules (profile));
  return 0;
}

static gboolean
parse_check_options (int           argc,
                     char        **argv,
                     const char   *parameter,
                     CheckOptions *opts)
{
  GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &opts->profile,
      N_("Profile to use (default: the shipped profile)"), N_("FILE") },
    { "external", 'e', 0, G_OPTION_ARG_INT, &opts->external,
      N_("Number of external members in the room"), "N" },
    { "members", 'm', 0, G_OPTION_ARG_INT, &opts->members,
      N_("Number of members in the room"), "N" },
    { "room-kind", 'k', 0, G_OPTION_ARG_STRING, &opts->room_kind,
      N_("Kind of room: dm, group or announcement"), N_("KIND") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &opts->json,
      N_("Print the verdict as JSON"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opts->rest,
      NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (parameter);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Checks TEXT (or standard input) against a policy profile."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      usage_error (context, error->message);
      return FALSE;
    }
  if (opts->external < 0 || opts->members < 0)
    {
      usage_error (context, _("--external and --members must not be negative"));
      return FALSE;
    }
  if (opts->room_kind != NULL && !tact_room_kind_from_string (opts->room_kind, NULL))
    {
      usage_error (context, _("--room-kind must be dm, group or announcement"));
      return FALSE;
    }
  if (opts->rest != NULL && g_strv_length (opts->rest) > 1)
    {
      usage_error (context, _("expected one TEXT argument (quote it)"));
      return FALSE;
    }
  return TRUE;
}

static void
fill_outgoing (const CheckOptions *opts,
               const char         *text,
               TactOutgoing       *outgoing)
{
  outgoing->text = text;
  outgoing->external_count = (guint) opts->external;
  outgoing->member_count = opts->members > 0 ? (guint) opts->members
                                             : MAX (2, (guint) opts->external + 1);
  outgoing->room_kind = outgoing->member_count > 2 ? TACT_ROOM_KIND_GROUP : TACT_ROOM_KIND_DM;
  if (opts->room_kind != NULL)
    tact_room_kind_from_string (opts->room_kind, &outgoing->room_kind);
}

static void
print_json (TactProfile       *profile,
            const TactVerdict *verdict)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *output = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "action");
  json_builder_add_string_value (builder, tact_action_to_string (verdict->action));

  json_builder_set_member_name (builder, "findings");
  json_builder_begin_array (builder);
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      g_autofree char *excerpt = mask_excerpt (finding->matched);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "rule");
      json_builder_add_string_value (builder, finding->rule_id);
      json_builder_set_member_name (builder, "clauses");
      json_builder_begin_array (builder);
      for (guint c = 0; finding->clauses[c] != NULL; c++)
        json_builder_add_string_value (builder, finding->clauses[c]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "action");
      json_builder_add_string_value (builder, tact_action_to_string (finding->action));
      json_builder_set_member_name (builder, "detector");
      json_builder_add_string_value (builder, finding->detector);
      /* Every current detector is a plain term or pattern match. */
      json_builder_set_member_name (builder, "confidence");
      json_builder_add_string_value (builder, "medium");
      json_builder_set_member_name (builder, "start");
      json_builder_add_int_value (builder, finding->start);
      json_builder_set_member_name (builder, "end");
      json_builder_add_int_value (builder, finding->end);
      json_builder_set_member_name (builder, "attachment");
      json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "excerpt");
      json_builder_add_string_value (builder, excerpt);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "profile");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, tact_profile_get_id (profile));
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, tact_profile_get_version (profile));
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  output = json_generator_to_data (generator, NULL);
  g_print ("%s\n", output);
}

/* A word for an action in the user's language. */
static const char *
action_label (TactAction action)
{
  switch (action)
    {
    /* Translators: verdicts of the policy check. */
    case TACT_ACTION_ALLOW:   return _("allowed");
    case TACT_ACTION_WARN:    return _("warning");
    case TACT_ACTION_JUSTIFY: return _("needs a justification");
    case TACT_ACTION_APPROVE: return _("needs approval");
    case TACT_ACTION_BLOCK:   return _("blocked");
    default:                  return "?";
    }
}

static void
print_explanation (TactProfile       *profile,
                   const TactVerdict *verdict)
{
  /* Translators: first %s is the profile name, then its id and version. */
  g_print (_("Profile: %s (%s, version %s)\n"), tact_profile_get_name (profile),
           tact_profile_get_id (profile), tact_profile_get_version (profile));
  g_print (_("Verdict: %s\n"), action_label (verdict->action));

  if (verdict->findings->len == 0)
    {
      g_print (_("Nothing in this message goes against the policy.\n"));
      return;
    }

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      g_autofree char *clauses = g_strjoinv (", ", finding->clauses);
      g_autofree char *excerpt = mask_excerpt (finding->matched);

      g_print ("\n%u. %s — %s\n", i + 1, finding->title, action_label (finding->action));
      /* Translators: %s is a masked excerpt, then character offsets. */
      g_print (_("   Found: “%s” at characters %ld–%ld\n"), excerpt, finding->start, finding->end);
      g_print (_("   Policy: %s\n"), clauses);
      g_print ("   %s\n", finding->explanation);
      if (finding->alternative != NULL)
        g_print (_("   Instead: %s\n"), finding->alternative);
    }
}

static int
cmd_check (int      argc,
           char   **argv,
           gboolean explain)
{
  CheckOptions opts = { 0 };
  g_autoptr(TactProfile) profile = NULL;
  g_autoptr(TactVerdict) verdict = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  TactOutgoing outgoing = { 0 };
  int status = 0;

  if (!parse_check_options (argc, argv,
                            explain ? _("[TEXT | -] — explain the verdict on a message")
                                    : _("[TEXT | -] — check a message"),
                            &opts))
    {
      status = EXIT_USAGE;
      goto out;
    }

  profile = load_profile (opts.profile);
  if (profile == NULL)
    {
      status = EXIT_USAGE;
      goto out;
    }

  text = read_text (opts.rest, &error);
  if (text == NULL)
    {
      g_printerr ("tact-policy: %s\n", error->message);
      status = EXIT_USAGE;
      goto out;
    }

  fill_outgoing (&opts, text, &outgoing);
  verdict = tact_profile_check (profile, &outgoing);

  if (opts.json)
    print_json (profile, verdict);
  else if (explain)
    print_explanation (profile, verdict);
  else
    g_print ("%s\n", tact_action_to_string (verdict->action));

out:
  check_options_clear (&opts);
  return status;
}

static void
print_usage (void)
{
  g_printerr ("%s\n  tact-policy validate PROFILE\n"
              "  tact-policy check [--profile P] [--external N] [--members N] "
              "[--room-kind dm|group|announcement] [--json] [TEXT | -]\n"
              "  tact-policy explain [same options as check] [TEXT | -]\n"
              "%s\n",
              _("Usage:"),
              _("Run “tact-policy COMMAND --help” for a command's options."));
}

int
main (int    argc,
      char **argv)
{
  const char *command;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2)
    {
      print_usage ();
      return EXIT_USAGE;
    }

  command = argv[1];
  {
    /* So that --help reads "tact-policy check [OPTION…] …". */
    g_autofree char *prgname = g_strdup_printf ("tact-policy %s", command);
    g_set_prgname (prgname);
  }

  /* Each command parses its own options from argv[1] on ("validate …"). */
  if (g_str_equal (command, "validate"))
    return cmd_validate (argc - 1, argv + 1);
  if (g_str_equal (command, "check"))
    return cmd_check (argc - 1, argv + 1, FALSE);
  if (g_str_equal (command, "explain"))
    return cmd_check (argc - 1, argv + 1, TRUE);
  if (g_str_equal (command, "--help") || g_str_equal (command, "-h") ||
      g_str_equal (command, "help"))
    {
      print_usage ();
      return 0;
    }

  g_printerr ("tact-policy: %s: %s\n", _("unknown command"), command);
  print_usage ();
  return EXIT_USAGE;
}
