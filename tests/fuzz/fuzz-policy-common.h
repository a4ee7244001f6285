/* fuzz-policy-common.h: shared set-up of the src/policy fuzz targets
 * (fuzz-profile.c, fuzz-scan.c, fuzz-attachment.c). Header-only: each target
 * is one translation unit built by tests/fuzz/smoke-policy.sh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "fuzz-common.h"
#include "policy/tact-policy-private.h"

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
