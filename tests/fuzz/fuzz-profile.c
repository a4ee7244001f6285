/* fuzz-profile.c: libFuzzer target for the profile loader
 * (tact_profile_data_parse, then tact_profile_new_from_bytes).
 *
 * Every input must either load or fail with TACT_POLICY_ERROR and a message
 * whose every line names a JSON path ("$…: …"). Small profiles that parse are
 * also compiled (vectorscan) and run on a fixed message, so that what the
 * loader accepts is something the matcher can take.
 *
 * Build: tests/fuzz/smoke-policy.sh profile (clang, outside the gcc build).
 * Run:   fuzz-profile CORPUS_DIR   (seeds: data/profiles and
 *        tests/fuzz/make-policy-corpus.py profile)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-policy-common.h"

/* Compiling is the slow part (vectorscan); the shipped profile is ~40 KB. */
#define MAX_COMPILED_SIZE (64 * 1024)

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tact_fuzz_init_logging ();
  return 0;
}

static void
check_error (const GError *error)
{
  g_auto(GStrv) lines = NULL;

  g_assert (error != NULL && error->domain == TACT_POLICY_ERROR);
  g_assert (error->message != NULL && error->message[0] != '\0');
  g_assert (g_utf8_validate (error->message, -1, NULL));
  lines = g_strsplit (error->message, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert (lines[i][0] == '$');
}

static void
check_data (const TactProfileData *data)
{
  g_assert (data->id != NULL && data->version != NULL && data->rules != NULL);
  for (guint r = 0; r < data->rules->len; r++)
    {
      const TactRule *rule = g_ptr_array_index (data->rules, r);

      g_assert (rule->id != NULL && rule->clauses != NULL && rule->detectors->len > 0);
      for (guint l = 0; l < TACT_N_LANGS; l++)
        g_assert (rule->title.text[l] != NULL && rule->explanation.text[l] != NULL);
      g_assert (rule->action <= TACT_ACTION_BLOCK);
      g_assert (rule->action_if_external >= rule->action);
      if (MAX (rule->action, rule->action_if_external) == TACT_ACTION_BLOCK)
        g_assert (rule->alternative.text[TACT_LANG_EN] != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) json = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactProfileData) parsed = NULL;
  g_autoptr(TactProfile) profile = NULL;
  g_autoptr(TactVerdict) verdict = NULL;
  TactOutgoing outgoing = {
    .text = "这份机密报价单 password=hunter2 13912345678 https://unknown.example.net/x",
    .external_count = 1,
    .member_count = 3,
    .room_kind = TACT_ROOM_KIND_GROUP,
  };

  parsed = tact_profile_data_parse (json, &error);
  if (parsed == NULL)
    {
      check_error (error);
      return 0;
    }
  g_assert (error == NULL);
  check_data (parsed);

  if (size > MAX_COMPILED_SIZE)
    return 0;
  profile = tact_profile_new_from_bytes (json, &error);
  if (profile == NULL)
    {
      /* Parsed but not compiled: only a pattern vectorscan rejects may do that. */
      g_assert (error != NULL);
      return 0;
    }
  g_assert (tact_profile_get_n_rules (profile) == parsed->rules->len);
  verdict = tact_profile_check (profile, &outgoing);
  g_assert (verdict != NULL && verdict->findings != NULL);
  return 0;
}
