/* fuzz-policy-common.h: shared set-up of the src/policy fuzz targets
 * (fuzz-profile.c, fuzz-scan.c, fuzz-attachment.c). Header-only: each target
 * is one translation unit built by tests/fuzz/smoke-policy.sh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "policy/tact-policy-private.h"

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

/* $TACT_FUZZ_PROFILE, else the shipped profile of the source tree. Aborts
 * when it does not load: a fuzz run against no rules would test nothing. */
static inline TactProfile *
tact_fuzz_load_profile (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  const char *root = g_getenv ("TACT_SOURCE_ROOT");
  TactProfile *profile;

  if (g_getenv ("TACT_FUZZ_PROFILE") != NULL)
    path = g_strdup (g_getenv ("TACT_FUZZ_PROFILE"));
  else
    path = g_build_filename (root != NULL ? root : ".", "data", "profiles", "default.json", NULL);
  profile = tact_profile_new_from_file (path, &error);
  if (profile == NULL)
    g_error ("fuzz: cannot load %s: %s", path, error->message);
  return profile;
}
