/* tact-session-util.c: small helpers the session's workflow objects share. */
#include "tact-session-util.h"
#include "matrix/tact-matrix.h"

void
tact_session_log_store_error (const char *what, const GError *error)
{
  if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("%s: %s", what, error->message);
}

guint
tact_session_scale_ms (double scale, guint ms)
{
  return (guint) MAX (1.0, ms * scale);
}

char *
tact_session_new_txn_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  return g_strdup_printf ("tact-%s", uuid);
}

gboolean
tact_session_error_is_token (const GError *error)
{
  return error != NULL && error->domain == TACT_MATRIX_ERROR
         && (error->code == TACT_MATRIX_ERROR_UNKNOWN_TOKEN
             || error->code == TACT_MATRIX_ERROR_MISSING_TOKEN);
}
