/* fuzz-sync.c: libFuzzer target for the /sync parser (tact_sync_response_parse_bytes).
 *
 * Build: meson setup -Dfuzzing=true with CC=clang, or tests/fuzz/smoke.sh.
 * Run:   fuzz-sync CORPUS_DIR   (seed corpus: tests/fuzz/make-corpus.py)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-common.h"
#include "tact-matrix.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  tact_fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(TactSyncResponse) response = NULL;

  response = tact_sync_response_parse_bytes (body, &error);
  if (response == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }

  /* Walk what came out, so bad pointers show up under ASan. */
  g_assert (response->next_batch != NULL);
  for (guint i = 0; i < response->joined->len; i++)
    {
      TactSyncRoom *room = g_ptr_array_index (response->joined, i);

      g_assert (room->room_id != NULL && room->receipts != NULL);
      for (guint j = 0; j < room->timeline->len; j++)
        {
          TactEvent *event = g_ptr_array_index (room->timeline, j);
          g_autofree char *json = tact_event_to_json (event);

          g_assert (event->type != NULL && event->content != NULL && json != NULL);
          (void) tact_event_get_body (event);
        }
      for (guint j = 0; j < room->receipts->len; j++)
        {
          TactSyncReceipt *receipt = g_ptr_array_index (room->receipts, j);
          g_assert (receipt->event_id != NULL && receipt->user_id != NULL);
        }
    }

  return 0;
}
