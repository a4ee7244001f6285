/* fuzz-common.h: what every libFuzzer target of tests/fuzz shares.
 * Header-only: each target is one translation unit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

static GLogWriterOutput
tact_fuzz_log_writer (GLogLevelFlags   log_level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  /* Criticals and warnings are bugs: print them (they are fatal) and abort so
   * the fuzzer reports the input. Debug output would only slow it down. */
  if (log_level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR))
    return g_log_writer_default (log_level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static inline void
tact_fuzz_init_logging (void)
{
  g_log_set_writer_func (tact_fuzz_log_writer, NULL, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}
