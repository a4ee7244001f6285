/* fuzz-attachment.c: libFuzzer target for the attachment inspector
 * (tact_attachment_inspect and the findings of tact_attachment_check).
 *
 * The input is written to a temporary file and inspected from its path, as
 * the outbox does, under a file name whose extension the first byte picks
 * (so the extension/content checks and every reader are reached), with small
 * limits so that a bomb the fuzzer builds ends as "uninspectable" quickly.
 * The report tree is walked and its text scanned with the default profile.
 *
 * Build: tests/fuzz/smoke-policy.sh attachment (clang, outside the gcc build).
 * Run:   fuzz-attachment CORPUS_DIR   (seeds: tests/fuzz/make-policy-corpus.py)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz-policy-common.h"
#include "policy/tact-attachment.h"

static const char * const names[] = {
  "file.docx", "file.xlsx", "file.pptx", "file.odt", "file.ods", "file.odp", "file.pdf",
  "file.zip", "file.tar", "file.tar.gz", "file.7z", "file.gz", "file.txt", "file.csv",
  "file.exe", "file.sh", "file.png", "file",
};

static TactProfile *profile;
static char *tmp_path;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  int fd;

  tact_fuzz_init_logging ();
  profile = tact_fuzz_load_profile ();
  fd = g_file_open_tmp ("tact-fuzz-attachment-XXXXXX", &tmp_path, &error);
  if (fd < 0)
    g_error ("fuzz: %s", error->message);
  close (fd);
  return 0;
}

static guint
walk (const TactAttachmentReport *report,
      guint                       depth)
{
  guint n = 1;

  g_assert (report->path != NULL && g_utf8_validate (report->path, -1, NULL));
  g_assert (report->content_type != NULL);
  g_assert (report->text != NULL && g_utf8_validate (report->text->str, report->text->len, NULL));
  g_assert (report->uninspectable == NULL || g_utf8_validate (report->uninspectable, -1, NULL));
  g_assert (depth <= 2 * TACT_ATTACHMENT_DEFAULT_MAX_DEPTH + 2);
  for (guint i = 0; i < report->labels->len; i++)
    {
      const TactAttachmentLabel *label = g_ptr_array_index (report->labels, i);
      g_assert (label->text != NULL && label->where != NULL);
      g_assert (g_utf8_validate (label->text, -1, NULL));
    }
  for (guint i = 0; i < report->children->len; i++)
    n += walk (g_ptr_array_index (report->children, i), depth + 1);
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TactAttachmentReport) report = NULL;
  g_autoptr(TactVerdict) verdict = NULL;
  TactAttachmentLimits limits;
  TactAttachment attachment = { 0 };
  TactOutgoing outgoing = { .external_count = 1, .member_count = 3,
                            .room_kind = TACT_ROOM_KIND_GROUP };
  guint n_reports;

  if (size == 0)
    return 0;
  if (!g_file_set_contents (tmp_path, (const char *) data + 1, size - 1, &error))
    g_error ("fuzz: %s", error->message);

  /* Small limits: the fuzzer should reach them, not spend its time expanding. */
  tact_attachment_limits_init (&limits);
  limits.max_entries = 64;
  limits.max_total_size = 4 * 1024 * 1024;
  limits.max_text = 256 * 1024;

  attachment.name = names[data[0] % G_N_ELEMENTS (names)];
  attachment.path = tmp_path;
  report = tact_attachment_inspect (&attachment, &limits, NULL);
  g_assert (report != NULL);
  n_reports = walk (report, 0);
  g_assert (n_reports <= limits.max_entries + 1 + limits.max_entries);

  /* The whole check with the default limits (the ratio limit bounds them for
   * an input this small): the attachment detectors' findings and the text
   * detectors on the extracted text. */
  outgoing.attachments = &attachment;
  outgoing.n_attachments = 1;
  verdict = tact_profile_check (profile, &outgoing);
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      g_autofree char *excerpt = tact_finding_dup_excerpt (finding);

      g_assert (finding->attachment != NULL && finding->start == -1 && excerpt != NULL);
    }
  return 0;
}
