/* fuzz-scan.c: libFuzzer target for the text scanner: arbitrary bytes as a
 * message, normalised and checked against the default profile.
 *
 * The input is taken as it comes: invalid UTF-8 is a handled input (the engine
 * replaces it, as it does for anything a peer could paste), and a NUL splits the
 * input into a message and its attachment-text part, so that both paths of
 * tact_profile_scan_text() are fuzzed. The first byte picks the audience.
 *
 * Build: tests/fuzz/smoke-policy.sh scan (clang, outside the gcc build).
 * Run:   fuzz-scan CORPUS_DIR   (TACT_FUZZ_PROFILE: another profile than
 *        $TACT_SOURCE_ROOT/data/profiles/default.json)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz-policy-common.h"

static TactProfile *profile;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tact_fuzz_init_logging ();
  profile = tact_fuzz_load_profile ();
  return 0;
}

/* Every finding must point inside the text it came from. */
static void
check_verdict (const TactVerdict *verdict,
               glong              n_chars)
{
  TactAction worst = TACT_ACTION_ALLOW;

  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      g_autofree char *excerpt = tact_finding_dup_excerpt (finding);

      g_assert (finding->rule_id != NULL && finding->detector != NULL && excerpt != NULL);
      g_assert (g_utf8_validate (excerpt, -1, NULL));
      if (finding->attachment == NULL && finding->start >= 0)
        g_assert (finding->start <= finding->end && finding->end <= n_chars);
      worst = MAX (worst, finding->action);
    }
  g_assert (verdict->action == worst);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *valid = NULL;
  g_autoptr(TactNormalized) norm = NULL;
  g_autoptr(TactVerdict) verdict = NULL;
  TactOutgoing outgoing = { 0 };
  const char *nul;
  guint8 audience;

  if (size == 0)
    return 0;
  audience = data[0];
  text = g_strndup ((const char *) data + 1, size - 1);  /* stops at the first NUL */
  nul = memchr (data + 1, '\0', size - 1);

  /* The normaliser's offset map, on the text made valid. */
  valid = g_utf8_make_valid (text, -1);
  norm = tact_normalized_new (valid, -1);
  g_assert (norm->n_chars == g_utf8_strlen (valid, -1));
  g_assert (norm->offsets->len == norm->text->len);
  g_assert (g_utf8_validate (norm->text->str, norm->text->len, NULL));
  for (gsize b = 0; b < norm->text->len; b++)
    {
      glong offset = g_array_index (norm->offsets, glong, b);
      g_assert (offset >= 0 && offset < norm->n_chars);
    }
  for (gsize b = 0; b + 1 < norm->text->len; b += 7)
    {
      glong start, end;

      tact_normalized_map_span (norm, b, norm->text->len, &start, &end);
      g_assert (0 <= start && start <= end && end <= norm->n_chars);
    }

  /* The whole check, on the raw bytes (invalid UTF-8 included). */
  outgoing.text = text;
  outgoing.external_count = audience & 0x3;
  outgoing.member_count = 2 + ((audience >> 2) & 0x1f);
  outgoing.room_kind = (TactRoomKind) ((audience >> 6) % 3);
  verdict = tact_profile_check (profile, &outgoing);
  check_verdict (verdict, norm->n_chars);

  /* What follows a NUL, as text extracted from an attachment. */
  if (nul != NULL)
    {
      g_autofree char *rest = g_strndup (nul + 1, size - (nul + 1 - (const char *) data));

      tact_profile_scan_text (profile, &outgoing, rest, "fuzz.txt", verdict);
      check_verdict (verdict, norm->n_chars);
    }

  return 0;
}
