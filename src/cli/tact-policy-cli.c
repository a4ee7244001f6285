/* tact-policy-cli.c: the tact-policy command-line tool.
 *
 *   tact-policy validate PROFILE
 *   tact-policy check   [--profile P] [--external N] [--members N]
 *                       [--room-kind dm|group|announcement] [--attach FILE]...
 *                       [--json] [TEXT | -]
 *   tact-policy explain [same options as check] [TEXT | -]
 *   tact-policy hash    --salt HEX [VALUE… | -]
 *   tact-policy eval    [--profile P] [--json] [--min-recall R] [--max-fp-rate R] CORPUS.jsonl
 *
 * Exit status: 0 when the command ran (whatever the verdict), 2 on usage
 * errors and invalid profiles. Matched text is never printed in full: the
 * output shows masked excerpts, so it can be pasted into a ticket.
 *
 * Text comes in as UTF-8 whatever the locale: arguments and standard input
 * are taken as raw bytes (GOption would convert TEXT from the locale's
 * charset, and fail on 机密 under LANG=C), used as they are when they are
 * UTF-8, converted from the locale's charset otherwise, and refused with a
 * clear error when neither works. --json output is always UTF-8.
 */
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy/tact-policy.h"
#include "tact-cli-json.h"
#include "policy/tact-classifier.h"
#include "policy/tact-policy-private.h"
#include "tact-corpus.h"
#include "tact-policy-eval.h"
#include "tact-policy-train.h"
#include "tutorial/tact-quiz.h"

#define EXIT_USAGE 2

/* Options shared by check and explain. */
typedef struct {
  char     *profile;    /* owned, may be NULL: the default profile */
  int       external;
  int       members;
  char     *room_kind;  /* owned, may be NULL */
  gboolean  json;
  GStrv     rest;       /* owned: positional arguments */
  GStrv           attach;       /* owned: --attach FILE… */
  char           *caption;      /* owned, may be NULL: --caption, raw bytes */
  GStrv           names;        /* owned: each attachment's base name in UTF-8 */
  char           *caption_utf8; /* owned, may be NULL: the caption in UTF-8 */
  TactAttachment *attachments;  /* owned array, one per attach; strings borrowed from above */
} CheckOptions;

static void
check_options_clear (CheckOptions *opts)
{
  g_clear_pointer (&opts->profile, g_free);
  g_clear_pointer (&opts->room_kind, g_free);
  g_clear_pointer (&opts->rest, g_strfreev);
  g_clear_pointer (&opts->attach, g_strfreev);
  g_clear_pointer (&opts->caption, g_free);
  g_clear_pointer (&opts->names, g_strfreev);
  g_clear_pointer (&opts->caption_utf8, g_free);
  g_clear_pointer (&opts->attachments, g_free);
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

/* @len bytes of user input (an argument or standard input) as UTF-8: as they
 * are when valid, else converted from the locale's charset when that is not
 * UTF-8. @what names the input in the error ("TEXT", "standard input"). */
static char *
input_to_utf8 (const char  *bytes,
               gssize       len,
               const char  *what,
               GError     **error)
{
  const char *end = NULL;
  const char *charset = NULL;

  if (len < 0)
    len = strlen (bytes);
  if (g_utf8_validate (bytes, len, &end))
    return g_strndup (bytes, len);
  if (!g_get_charset (&charset))
    {
      g_autofree char *converted = g_convert (bytes, len, "UTF-8", charset, NULL, NULL, NULL);

      if (converted != NULL)
        return g_steal_pointer (&converted);
    }
  g_set_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE,
               /* Translators: %s is TEXT, VALUE or "standard input"; %ld is a byte offset. */
               _("%s is not valid UTF-8 (invalid byte at offset %ld)"), what,
               (long) (end - bytes));
  return NULL;
}

/* Reads the text from the last positional argument, or stdin for "-" or none. */
static char *
read_text (GStrv     rest,
           GError  **error)
{
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *bytes = NULL;
  char *text;
  gsize len = 0;

  if (rest != NULL && rest[0] != NULL && !g_str_equal (rest[0], "-"))
    return input_to_utf8 (rest[0], -1, "TEXT", error);

  channel = g_io_channel_unix_new (0);
  if (g_io_channel_set_encoding (channel, NULL, error) != G_IO_STATUS_NORMAL ||
      g_io_channel_read_to_end (channel, &bytes, &len, error) != G_IO_STATUS_NORMAL)
    return NULL;
  if (bytes == NULL)
    return g_strdup ("");

  /* A NUL would end the C string and hide what follows it from the check
   * (printf 'a\0机密' was allowed): each one becomes a space, a separator that
   * keeps every character offset (and 机\0密 still reads as 机 密). */
  for (char *nul = memchr (bytes, '\0', len); nul != NULL;
       nul = memchr (nul + 1, '\0', len - (nul + 1 - bytes)))
    *nul = ' ';

  /* Drop one trailing newline, as `echo text | tact-policy check -` adds it. */
  if (len >= 1 && bytes[len - 1] == '\n')
    len--;
  text = input_to_utf8 (bytes, len, _("standard input"), error);
  return text;
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
    { "attach", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &opts->attach,
      N_("File sent with the message (repeatable)"), N_("FILE") },
    /* Raw bytes like TEXT, for the same reason. */
    { "caption", 'c', 0, G_OPTION_ARG_FILENAME, &opts->caption,
      N_("Caption sent with each attached file"), N_("TEXT") },
    /* Raw bytes, not STRING_ARRAY: see input_to_utf8(). */
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts->rest,
      NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (parameter);
  g_autoptr(GError) error = NULL;
  guint n_attach;

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
  if (opts->caption != NULL && opts->attach == NULL)
    {
      usage_error (context, _("--caption needs --attach"));
      return FALSE;
    }
  if (opts->caption != NULL &&
      (opts->caption_utf8 = input_to_utf8 (opts->caption, -1, "--caption", &error)) == NULL)
    {
      usage_error (context, error->message);
      return FALSE;
    }
  /* --attach: each file is sent under its base name (in UTF-8, as the
   * recipient sees it and the guard scans it) with the caption. */
  n_attach = opts->attach != NULL ? g_strv_length (opts->attach) : 0;
  opts->attachments = g_new0 (TactAttachment, n_attach);
  opts->names = g_new0 (char *, n_attach + 1);
  for (guint i = 0; i < n_attach; i++)
    {
      const char *slash = strrchr (opts->attach[i], '/');

      if (!g_file_test (opts->attach[i], G_FILE_TEST_IS_REGULAR))
        {
          usage_error (context, _("--attach expects a regular file"));
          return FALSE;
        }
      opts->names[i] = input_to_utf8 (slash != NULL ? slash + 1 : opts->attach[i], -1,
                                      "FILE", &error);
      if (opts->names[i] == NULL)
        {
          usage_error (context, error->message);
          return FALSE;
        }
      opts->attachments[i].path = opts->attach[i];
      opts->attachments[i].name = opts->names[i];
      opts->attachments[i].caption = opts->caption_utf8;
    }
  return TRUE;
}

static void
fill_outgoing (const CheckOptions *opts,
               const char         *text,
               TactOutgoing       *outgoing)
{
  outgoing->text = text;
  outgoing->attachments = opts->attachments;
  outgoing->n_attachments = opts->attach != NULL ? g_strv_length (opts->attach) : 0;
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

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "action");
  json_builder_add_string_value (builder, tact_action_to_string (verdict->action));

  json_builder_set_member_name (builder, "findings");
  json_builder_begin_array (builder);
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      g_autofree char *excerpt = tact_finding_dup_excerpt (finding);

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
      json_builder_set_member_name (builder, "confidence");
      json_builder_add_string_value (builder, tact_confidence_to_string (finding->confidence));
      /* No span (attachments, a check that could not run): null. */
      json_builder_set_member_name (builder, "start");
      if (finding->start >= 0)
        json_builder_add_int_value (builder, finding->start);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "end");
      if (finding->end >= 0)
        json_builder_add_int_value (builder, finding->end);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "attachment");
      if (finding->attachment != NULL)
        json_builder_add_string_value (builder, finding->attachment);
      else
        json_builder_add_null_value (builder);
      /* In a file: "name", "caption" or "content"; in the message (or a
       * guard error): null. */
      json_builder_set_member_name (builder, "where");
      if (finding->where != NULL)
        json_builder_add_string_value (builder, finding->where);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "excerpt");
      json_builder_add_string_value (builder, excerpt);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  tact_cli_add_profile (builder, profile);
  json_builder_end_object (builder);
  tact_cli_print_json (builder);
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

static const char *
confidence_label (TactConfidence confidence)
{
  switch (confidence)
    {
    /* Translators: how sure the policy check is about a finding. */
    case TACT_CONFIDENCE_LOW:    return _("low");
    case TACT_CONFIDENCE_MEDIUM: return _("medium");
    case TACT_CONFIDENCE_HIGH:   return _("high");
    default:                     return "?";
    }
}

/* Well-known approver roles in the user's language; others as written. */
static const char *
approver_label (const char *role)
{
  if (g_str_equal (role, "department_head"))
    return _("your department head");
  if (g_str_equal (role, "marketing"))
    return _("the marketing department");
  if (g_str_equal (role, "legal"))
    return _("the legal department");
  if (g_str_equal (role, "security"))
    return _("the information security team");
  return role;
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
      g_autofree char *excerpt = tact_finding_dup_excerpt (finding);

      g_print ("\n%u. %s — %s\n", i + 1, finding->title, action_label (finding->action));
      if (finding->attachment != NULL && g_strcmp0 (finding->where, "name") == 0)
        /* Translators: %s is a masked excerpt, then a file name. */
        g_print (_("   Found: “%s” in the name of the attachment “%s”\n"), excerpt,
                 finding->attachment);
      else if (finding->attachment != NULL && g_strcmp0 (finding->where, "caption") == 0)
        /* Translators: %s is a masked excerpt, then a file name. */
        g_print (_("   Found: “%s” in the caption of the attachment “%s”\n"), excerpt,
                 finding->attachment);
      else if (finding->attachment != NULL)
        /* Translators: %s is a masked excerpt, then a file name. */
        g_print (_("   Found: “%s” in the attachment “%s”\n"), excerpt, finding->attachment);
      else if (finding->start >= 0)
        /* Translators: %s is a masked excerpt, then character offsets. */
        g_print (_("   Found: “%s” at characters %ld–%ld\n"), excerpt, finding->start, finding->end);
      /* Translators: %s is how sure the check is: low, medium or high. */
      g_print (_("   Confidence: %s\n"), confidence_label (finding->confidence));
      if (finding->clauses[0] != NULL)
        g_print (_("   Policy: %s\n"), clauses);
      g_print ("   %s\n", finding->explanation);
      if (finding->approver != NULL)
        /* Translators: %s is an approver role such as department_head. */
        g_print (_("   Approved by: %s\n"), approver_label (finding->approver));
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

/* tact-policy hash --salt HEX VALUE…: the hashes for an "exact" detector,
 * one a line, in the order of the values (standard input: one value a line). */
static int
cmd_hash (int    argc,
          char **argv)
{
  g_autofree char *salt_hex = NULL;
  g_auto(GStrv) values = NULL;
  GOptionEntry entries[] = {
    { "salt", 's', 0, G_OPTION_ARG_STRING, &salt_hex,
      N_("The profile's salt, in hexadecimal (at least 16 digits)"), N_("HEX") },
    /* Raw bytes, not STRING_ARRAY: see input_to_utf8(). */
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &values, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("[VALUE… | -] — hash values for an exact-match list"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) salt = NULL;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Prints SHA-256(salt || normalised value) for each VALUE (or each line of standard "
      "input), for the \"hashes\" of an \"exact\" detector. The values are never stored."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      usage_error (context, error->message);
      return EXIT_USAGE;
    }
  salt = salt_hex != NULL ? tact_policy_hex_decode (salt_hex) : NULL;
  if (salt == NULL || g_bytes_get_size (salt) < 8)
    {
      usage_error (context, _("--salt must be at least 16 hexadecimal digits"));
      return EXIT_USAGE;
    }

  if (values == NULL || (values[0] != NULL && g_str_equal (values[0], "-") && values[1] == NULL))
    {
      g_autoptr(GIOChannel) channel = g_io_channel_unix_new (0);
      char *line = NULL;
      gsize terminator = 0;

      while (g_io_channel_read_line (channel, &line, NULL, &terminator, &error) == G_IO_STATUS_NORMAL)
        {
          g_autofree char *raw = line;

          raw[terminator] = '\0';
          g_strstrip (raw);
          if (raw[0] == '\0')
            continue;
          if ((line = input_to_utf8 (raw, -1, _("standard input"), &error)) == NULL)
            break;
          g_ptr_array_add (inputs, line);
        }
      if (error != NULL)
        {
          g_printerr ("tact-policy: %s\n", error->message);
          return EXIT_USAGE;
        }
    }
  else
    for (guint i = 0; values[i] != NULL; i++)
      {
        char *value = input_to_utf8 (values[i], -1, "VALUE", &error);

        if (value == NULL)
          {
            g_printerr ("tact-policy: %s\n", error->message);
            return EXIT_USAGE;
          }
        g_ptr_array_add (inputs, value);
      }

  for (guint i = 0; i < inputs->len; i++)
    {
      g_autofree char *hash = tact_policy_hash_value (salt, g_ptr_array_index (inputs, i));
      g_print ("%s\n", hash);
    }
  return 0;
}

/* One JSON line per corpus line: its category and the probability of every class. */
static void
print_sample_scores (const TactSample *sample,
                     gpointer          user_data)
{
  TactClassifier *classifier = user_data;
  g_autofree char *norm = tact_normalize_string (sample->text);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;
  double scores[TACT_CLASSIFIER_MAX_CLASSES];

  tact_classifier_score (classifier, norm, strlen (norm), scores);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, sample->category);
  json_builder_set_member_name (builder, "scores");
  json_builder_begin_object (builder);
  for (guint c = 0; c < tact_classifier_get_n_classes (classifier); c++)
    {
      json_builder_set_member_name (builder, tact_classifier_get_class_name (classifier, c));
      json_builder_add_double_value (builder, round (scores[c] * 1e4) / 1e4);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  g_print ("%s\n", line);
}

/* tact-policy classify [TEXT | -]: the classifier's probability for every category, most
 * likely first, and the words that weighed most for the first (tuning min_score).
 * With --corpus, one JSON line of scores per corpus line instead. */
static int
cmd_classify (int    argc,
              char **argv)
{
  g_autofree char *corpus = NULL;
  GOptionEntry entries[] = {
    { "corpus", 0, 0, G_OPTION_ARG_FILENAME, &corpus,
      N_("Print the scores of every line of a corpus, one JSON object a line"), N_("CORPUS.jsonl") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("[TEXT | -] — what the classifier reads"));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactClassifier) classifier = NULL;
  g_autofree char *text = NULL;
  g_autofree char *norm = NULL;
  g_autofree guint *order = NULL;
  g_autoptr(GArray) spans = NULL;
  double scores[TACT_CLASSIFIER_MAX_CLASSES];
  guint n;

  g_option_context_set_summary (context,
    _("Prints the probability the shipped classifier gives each category for TEXT (or "
      "standard input), most likely first, and the words that weighed most for the most "
      "likely one. Rules use these categories with “min_score”; see docs/classifier.md."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 2)
    {
      usage_error (context, error != NULL ? error->message : _("expected at most one TEXT"));
      return EXIT_USAGE;
    }
  if (corpus != NULL)
    {
      guint n = 0;

      if ((classifier = tact_classifier_load_default (&error)) == NULL ||
          !tact_corpus_foreach (corpus, print_sample_scores, classifier, &n, &error))
        {
          g_printerr ("tact-policy: %s\n", error->message);
          return EXIT_USAGE;
        }
      return 0;
    }
  text = read_text (argc > 1 ? argv + 1 : NULL, &error);
  if (text == NULL || (classifier = tact_classifier_load_default (&error)) == NULL)
    {
      g_printerr ("tact-policy: %s\n", error->message);
      return EXIT_USAGE;
    }

  norm = tact_normalize_string (text);
  tact_classifier_score (classifier, norm, strlen (norm), scores);
  n = tact_classifier_get_n_classes (classifier);
  order = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    order[i] = i;
  for (guint i = 1; i < n; i++)
    for (guint k = i; k > 0 && scores[order[k]] > scores[order[k - 1]]; k--)
      {
        guint tmp = order[k];
        order[k] = order[k - 1];
        order[k - 1] = tmp;
      }
  for (guint i = 0; i < n; i++)
    g_print ("%-24s %.3f\n", tact_classifier_get_class_name (classifier, order[i]), scores[order[i]]);

  spans = tact_classifier_explain (classifier, norm, strlen (norm), order[0], 3);
  /* Translators: followed by quoted words of the normalised text */
  g_print ("%s", _("Weighed most:"));
  for (guint i = 0; i < spans->len; i++)
    {
      const TactFeatureHit *span = &g_array_index (spans, TactFeatureHit, i);
      g_autofree char *word = g_strndup (norm + span->from, span->to - span->from);

      g_print (" “%s”", word);
    }
  g_print ("\n%s %s\n", _("Model:"), tact_classifier_get_id (classifier));
  return 0;
}

/* tact-policy quiz [--profile P] [--seed N] [--items N] [--json]: the policy tutorial's quiz
 * as the app generates it (TRN-5), with the answers and their explanations: an administrator
 * previews what a profile teaches; the UI test uses it to answer. Seed 1 is the first attempt
 * in the app. */
static int
cmd_quiz (int    argc,
          char **argv)
{
  g_autofree char *profile_path = NULL;
  gint64 seed = 1, items = 10;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path, N_("Profile to use (default: the shipped profile)"), N_("FILE") },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, N_("Which quiz: 1 is the first attempt in the app"), N_("N") },
    { "items", 'n', 0, G_OPTION_ARG_INT64, &items, N_("How many questions at most (default 10)"), N_("N") },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, N_("Print the quiz as JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("— the policy tutorial's quiz, with its answers"));
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfile) profile = NULL;
  g_autoptr(TactTutorial) tutorial = NULL;
  g_autoptr(TactQuiz) quiz = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc > 1 ||
      seed < 0 || seed > G_MAXUINT32 || items < 1 || items > 1000)
    {
      usage_error (context, error != NULL ? error->message : _("expected no argument, a seed from 0 and 1 to 1000 questions"));
      return EXIT_USAGE;
    }
  if ((profile = load_profile (profile_path)) == NULL)
    return EXIT_USAGE;
  tutorial = tact_tutorial_new (profile);
  quiz = tact_quiz_new (tutorial, (guint) items, (guint32) seed);

  json_builder_begin_array (builder);
  for (guint i = 0; i < tact_quiz_get_n_items (quiz); i++)
    {
      const TactQuizItem *item = tact_quiz_get_item (quiz, i);

      if (!json)
        {
          g_print ("%u. %s\n", i + 1, item->question);
          if (item->message != NULL)
            g_print ("   “%s”\n", item->message);
          for (guint k = 0; item->options[k] != NULL; k++)
            g_print ("   %c %s\n", k == item->correct ? '*' : '-', item->options[k]);
          g_print ("   %s\n\n", item->explanation);
          continue;
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, item->kind == TACT_QUIZ_WHAT_HAPPENS ? "what-happens" : "which-one");
      json_builder_set_member_name (builder, "question");
      json_builder_add_string_value (builder, item->question);
      json_builder_set_member_name (builder, "message");
      if (item->message != NULL)
        json_builder_add_string_value (builder, item->message);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "options");
      json_builder_begin_array (builder);
      for (guint k = 0; item->options[k] != NULL; k++)
        json_builder_add_string_value (builder, item->options[k]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "correct");
      json_builder_add_int_value (builder, item->correct);
      json_builder_set_member_name (builder, "rule");
      if (item->rule_id != NULL)
        json_builder_add_string_value (builder, item->rule_id);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "explanation");
      json_builder_add_string_value (builder, item->explanation);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  if (json)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      g_autofree char *text = NULL;

      json_generator_set_pretty (generator, TRUE);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
    }
  return 0;
}

static void
print_usage (void)
{
  g_printerr ("%s\n  tact-policy validate PROFILE\n"
              "  tact-policy check [--profile P] [--external N] [--members N] "
              "[--room-kind dm|group|announcement] [--attach FILE]... [--json] [TEXT | -]\n"
              "  tact-policy explain [same options as check] [TEXT | -]\n"
              "  tact-policy hash --salt HEX [VALUE... | -]\n"
              "  tact-policy eval [--profile P] [--json] [--min-recall R] [--max-fp-rate R] CORPUS.jsonl\n"
              "  tact-policy train --output MODEL [--cost C] CORPUS.jsonl...\n"
              "  tact-policy classify [TEXT | -]\n"
              "  tact-policy quiz [--profile P] [--seed N] [--items N] [--json]\n"
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
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TACT_LOCALEDIR") ? g_getenv ("TACT_LOCALEDIR") : LOCALEDIR);
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
  if (g_str_equal (command, "hash"))
    return cmd_hash (argc - 1, argv + 1);
  if (g_str_equal (command, "eval"))
    return tact_policy_cmd_eval (argc - 1, argv + 1);
  if (g_str_equal (command, "classify"))
    return cmd_classify (argc - 1, argv + 1);
  if (g_str_equal (command, "train"))
    return tact_policy_cmd_train (argc - 1, argv + 1);
  if (g_str_equal (command, "quiz"))
    return cmd_quiz (argc - 1, argv + 1);
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
