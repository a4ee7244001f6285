/* tact-profile-object.h: the TactProfile instance, shared by the files that build it
 * (tact-policy.c) and that check text against it (tact-policy-scan.c). Private to
 * src/policy. */
#pragma once

#include "tact-policy-private.h"
#include "tact-classifier.h"

G_BEGIN_DECLS

struct _TactProfile
{
  GObject          parent_instance;

  /* owned */
  TactProfileData *data;     /* parsed content: id, version, name, rules, allow terms */
  TactMatcher     *matcher;  /* compiled detectors; thread-safe */

  char            *sha256;         /* owned: lower-case hex SHA-256 of the JSON loaded */
  TactProfileCacheStatus cache_status;  /* whether the derived data came from a blob */
  guint            id_kinds;       /* union of all identifier detectors' kinds */
  TactLoadTimings  timings;        /* where the load spent its time (benchmarks) */
  gboolean         fail_scan;      /* tests only: every vectorscan scan fails */
  TactClassifier  *classifier;     /* owned, NULL unless a rule or "context" uses it */
};

/* tact_verdict_add_finding() with the texts in @lang (a check looks the language up once). */
TactFinding *tact_verdict_add_finding_in (TactVerdict        *verdict,
                                          const TactRule     *rule,
                                          const TactOutgoing *outgoing,
                                          const char         *detector,
                                          glong               start,
                                          glong               end,
                                          const char         *matched,
                                          TactConfidence      confidence,
                                          const char         *attachment,
                                          TactLang            lang);

G_END_DECLS
