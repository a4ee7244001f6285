/* tact-clauses.h: every clause of the workplace messaging policy digest, as
 * text an employee reads in their language, grouped by theme for the
 * policy tutorial. A static table: nothing here is allocated or freed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  TACT_THEME_SECRETS,    /* Secrets and customer data */
  TACT_THEME_OUTSIDERS,  /* People from outside */
  TACT_THEME_FILES,      /* Files */
  TACT_THEME_GROUPS,     /* Groups and announcements */
  TACT_THEME_RECORDS,    /* Records and accounts */
  TACT_N_THEMES
} TactTheme;

typedef struct _TactClause TactClause;   /* opaque: a row of a static table */

/* The clause with this digest id ("PUB-1"; case-sensitive); NULL if unknown. */
const TactClause *tact_clause_lookup        (const char *id);
const char       *tact_clause_get_id        (const TactClause *clause);
TactTheme         tact_clause_get_theme     (const TactClause *clause);
/* The clause in plain words (translated). */
const char       *tact_clause_get_text      (const TactClause *clause);
/* One sentence on why the clause exists (translated). */
const char       *tact_clause_get_why       (const TactClause *clause);

/* The theme of a rule with these clause ids (NULL-terminated; may be NULL):
 * the theme of its first known clause; TACT_THEME_SECRETS when none is known. */
TactTheme         tact_theme_for_clauses    (const char * const *ids);
/* Translated, e.g. "Secrets and Customer Data". */
const char       *tact_theme_get_title      (TactTheme theme);
/* Translated, one sentence. */
const char       *tact_theme_get_summary    (TactTheme theme);

guint             tact_clauses_get_n        (void);
/* The @i-th clause in digest order (ACC-1 first, TRN-5 last). */
const TactClause *tact_clauses_get_nth      (guint i);

G_END_DECLS
