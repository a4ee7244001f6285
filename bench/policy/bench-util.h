/* bench-util.h: what the policy benchmarks share: resident memory, and one printed line per
 * figure with its goal (a missed goal says MISSED). Header-only; each program has its own
 * tally of missed goals. */
#pragma once

#include <glib.h>
#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

static gboolean bench_all_met = TRUE;

/* Resident memory in MB, after giving freed memory back (what is kept, not what a parser
 * freed). */
static inline double
bench_rss_mb (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  malloc_trim (0);
  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return 0;
  return resident * (double) sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static inline int
bench_compare_double (gconstpointer a,
                      gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static inline void
bench_report (const char *what,
              double      value,
              const char *unit,
              const char *goal,
              gboolean    met)
{
  if (!met)
    bench_all_met = FALSE;
  printf ("%-48s %10.3f %-5s goal: %-16s %s\n", what, value, unit,
          goal != NULL ? goal : "-", goal == NULL ? "" : met ? "ok" : "MISSED");
  fflush (stdout);
}
