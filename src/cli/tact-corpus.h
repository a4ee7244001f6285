/* tact-corpus.h: reading a labelled corpus (docs/corpus.md), for `tact-policy eval`
 * and `tact-policy train`. */
#pragma once

#include <gio/gio.h>

#include "policy/tact-policy.h"

G_BEGIN_DECLS

typedef enum {
  TACT_AUDIENCE_INTERNAL,
  TACT_AUDIENCE_EXTERNAL,
  TACT_N_AUDIENCES
} TactAudience;

extern const char *const tact_audience_names[TACT_N_AUDIENCES];

/* One corpus line; the strings belong to the reader and live until the callback returns. */
typedef struct {
  const char *text;
  const char *category;
  const char *lang;     /* may be NULL */
  const char *evasion;  /* may be NULL */
  TactAction  expect[TACT_N_AUDIENCES];
} TactSample;

typedef void (*TactSampleFunc) (const TactSample *sample,
                                gpointer          user_data);

/* Calls @func for every line of the corpus at @path (a file name or URI). FALSE with
 * @error naming the line on a line over 1 MiB, invalid UTF-8 or a malformed line, or
 * on a read error; blank lines are skipped. */
gboolean tact_corpus_foreach (const char     *path,
                              TactSampleFunc  func,
                              gpointer        user_data,
                              guint          *n_samples,
                              GError        **error);

G_END_DECLS
