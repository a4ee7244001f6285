/* tact-test-util.h: helpers every test program may use: main-loop waits with deadlines, async
 * result capture, random keys and temporary folders. GLib and GIO only, so any test links it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a wait may take, in seconds, before the test fails. */
#define TACT_TEST_DEADLINE_S 30

typedef gboolean (*TactTestCondition) (gpointer data);

/* A GSourceFunc that sets *(gboolean *) flag and removes its source. */
gboolean      tact_test_set_flag_cb     (gpointer flag);
/* Iterates the default main context until condition holds; g_error after seconds. */
void          tact_test_wait_until_s    (TactTestCondition condition, gpointer data,
                                         guint seconds, const char *what);
#define tact_test_wait_until(condition, data, what) \
  tact_test_wait_until_s ((condition), (data), TACT_TEST_DEADLINE_S, (what))

/* A GAsyncReadyCallback that keeps a reference to the result in *(GAsyncResult **) slot. */
void          tact_test_store_result_cb (GObject *source, GAsyncResult *result, gpointer slot);
/* A TactTestCondition: *(GAsyncResult **) slot is set. */
gboolean      tact_test_result_ready    (gpointer slot);
/* Iterates until *slot is set (tact_test_store_result_cb); g_error after the deadline.
 * Returns *slot, still owned by the slot. */
GAsyncResult *tact_test_wait_result     (GAsyncResult **slot, const char *what);

/* 32 random bytes: a database key. */
GBytes       *tact_test_random_key      (void);

/* A new empty folder under the temporary folder, named from template ("tact-x-XXXXXX"). */
char         *tact_test_tmpdir_new      (const char *template);
/* Removes path and everything below it (links are removed, not followed). */
void          tact_test_tmpdir_remove   (const char *path);

G_END_DECLS
