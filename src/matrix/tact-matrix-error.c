/* tact-matrix-error.c: the TACT_MATRIX_ERROR domain and its extras.
 *
 * TACT_MATRIX_ERROR is a registered *extended* error domain (G_DEFINE_EXTENDED_ERROR),
 * so the errcode, retry delay and soft-logout flag travel inside the GError itself:
 * through GTask, g_error_copy() and g_propagate_error() alike.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tact-matrix-private.h"

typedef struct {
  char     *errcode;          /* owned; the server's errcode, or NULL */
  gint64    retry_after_ms;   /* -1 when unknown */
  guint     http_status;      /* 0 when no HTTP response was involved */
  gboolean  soft_logout;
  gboolean  transient;        /* 5xx, 429 or network: worth retrying unchanged */
} TactMatrixErrorPrivate;

static void
tact_matrix_error_private_init (TactMatrixErrorPrivate *priv)
{
  priv->errcode = NULL;
  priv->retry_after_ms = -1;
  priv->http_status = 0;
  priv->soft_logout = FALSE;
  priv->transient = FALSE;
}

static void
tact_matrix_error_private_copy (const TactMatrixErrorPrivate *src,
                                TactMatrixErrorPrivate       *dest)
{
  dest->errcode = g_strdup (src->errcode);
  dest->retry_after_ms = src->retry_after_ms;
  dest->http_status = src->http_status;
  dest->soft_logout = src->soft_logout;
  dest->transient = src->transient;
}

static void
tact_matrix_error_private_clear (TactMatrixErrorPrivate *priv)
{
  g_clear_pointer (&priv->errcode, g_free);
}

/* Defines tact_matrix_error_quark() and tact_matrix_error_get_private(). */
G_DEFINE_EXTENDED_ERROR (TactMatrixError, tact_matrix_error)

static const struct {
  const char      *errcode;
  TactMatrixError  code;
} errcode_table[] = {
  { "M_UNKNOWN",                  TACT_MATRIX_ERROR_UNKNOWN },
  { "M_FORBIDDEN",                TACT_MATRIX_ERROR_FORBIDDEN },
  { "M_UNKNOWN_TOKEN",            TACT_MATRIX_ERROR_UNKNOWN_TOKEN },
  { "M_MISSING_TOKEN",            TACT_MATRIX_ERROR_MISSING_TOKEN },
  { "M_BAD_JSON",                 TACT_MATRIX_ERROR_BAD_JSON },
  { "M_NOT_JSON",                 TACT_MATRIX_ERROR_NOT_JSON },
  { "M_NOT_FOUND",                TACT_MATRIX_ERROR_NOT_FOUND },
  { "M_LIMIT_EXCEEDED",           TACT_MATRIX_ERROR_LIMIT_EXCEEDED },
  { "M_UNRECOGNIZED",             TACT_MATRIX_ERROR_UNRECOGNIZED },
  { "M_USER_IN_USE",              TACT_MATRIX_ERROR_USER_IN_USE },
  { "M_INVALID_USERNAME",         TACT_MATRIX_ERROR_INVALID_USERNAME },
  { "M_ROOM_IN_USE",              TACT_MATRIX_ERROR_ROOM_IN_USE },
  { "M_UNSUPPORTED_ROOM_VERSION", TACT_MATRIX_ERROR_UNSUPPORTED_ROOM_VERSION },
  { "M_INVALID_PARAM",            TACT_MATRIX_ERROR_INVALID_PARAM },
  { "M_TOO_LARGE",                TACT_MATRIX_ERROR_TOO_LARGE },
  { "M_USER_DEACTIVATED",         TACT_MATRIX_ERROR_USER_DEACTIVATED },
  { "M_GUEST_ACCESS_FORBIDDEN",   TACT_MATRIX_ERROR_GUEST_ACCESS_FORBIDDEN },
  { "M_UNAUTHORIZED",             TACT_MATRIX_ERROR_UNAUTHORIZED },
  { "M_USER_LOCKED",              TACT_MATRIX_ERROR_USER_LOCKED },
  { "M_USER_SUSPENDED",           TACT_MATRIX_ERROR_USER_SUSPENDED },
  { "M_BAD_STATE",                TACT_MATRIX_ERROR_BAD_STATE },
  { "M_INVALID_ROOM_STATE",       TACT_MATRIX_ERROR_INVALID_ROOM_STATE },
  { "M_THREEPID_IN_USE",          TACT_MATRIX_ERROR_THREEPID_IN_USE },
  { "M_THREEPID_NOT_FOUND",       TACT_MATRIX_ERROR_THREEPID_NOT_FOUND },
  { "M_THREEPID_AUTH_FAILED",     TACT_MATRIX_ERROR_THREEPID_AUTH_FAILED },
  { "M_THREEPID_DENIED",          TACT_MATRIX_ERROR_THREEPID_DENIED },
  { "M_THREEPID_MEDIUM_NOT_SUPPORTED", TACT_MATRIX_ERROR_THREEPID_MEDIUM_NOT_SUPPORTED },
  { "M_SERVER_NOT_TRUSTED",       TACT_MATRIX_ERROR_SERVER_NOT_TRUSTED },
  { "M_INCOMPATIBLE_ROOM_VERSION", TACT_MATRIX_ERROR_INCOMPATIBLE_ROOM_VERSION },
  { "M_BAD_PAGINATION",           TACT_MATRIX_ERROR_BAD_PAGINATION },
  { "M_EXCLUSIVE",                TACT_MATRIX_ERROR_EXCLUSIVE },
  { "M_RESOURCE_LIMIT_EXCEEDED",  TACT_MATRIX_ERROR_RESOURCE_LIMIT_EXCEEDED },
  { "M_CANNOT_LEAVE_SERVER_NOTICE_ROOM", TACT_MATRIX_ERROR_CANNOT_LEAVE_SERVER_NOTICE_ROOM },
  { "M_WEAK_PASSWORD",            TACT_MATRIX_ERROR_WEAK_PASSWORD },
  { "M_CAPTCHA_NEEDED",           TACT_MATRIX_ERROR_CAPTCHA_NEEDED },
  { "M_CAPTCHA_INVALID",          TACT_MATRIX_ERROR_CAPTCHA_INVALID },
  { "M_MISSING_PARAM",            TACT_MATRIX_ERROR_MISSING_PARAM },
  { "M_NOT_YET_UPLOADED",         TACT_MATRIX_ERROR_NOT_YET_UPLOADED },
  { "M_CANNOT_OVERWRITE_MEDIA",   TACT_MATRIX_ERROR_CANNOT_OVERWRITE_MEDIA },
  { "M_CONSENT_NOT_GIVEN",        TACT_MATRIX_ERROR_CONSENT_NOT_GIVEN },
  { "M_DUPLICATE_ANNOTATION",     TACT_MATRIX_ERROR_DUPLICATE_ANNOTATION },
  { "M_WRONG_ROOM_KEYS_VERSION",  TACT_MATRIX_ERROR_WRONG_ROOM_KEYS_VERSION },
  { "M_UNACTIONABLE",             TACT_MATRIX_ERROR_UNACTIONABLE },
  { "M_UNABLE_TO_AUTHORISE_JOIN", TACT_MATRIX_ERROR_UNABLE_TO_AUTHORISE_JOIN },
  { "M_UNABLE_TO_GRANT_JOIN", TACT_MATRIX_ERROR_UNABLE_TO_GRANT_JOIN },
  { "M_BAD_ALIAS", TACT_MATRIX_ERROR_BAD_ALIAS },
  { "M_URL_NOT_SET", TACT_MATRIX_ERROR_URL_NOT_SET },
  { "M_UNKNOWN_POS", TACT_MATRIX_ERROR_UNKNOWN_POS },
};

TactMatrixError
tact_matrix_error_code_from_errcode (const char *errcode)
{
  if (errcode == NULL)
    return TACT_MATRIX_ERROR_UNKNOWN;

  for (gsize i = 0; i < G_N_ELEMENTS (errcode_table); i++)
    if (g_str_equal (errcode, errcode_table[i].errcode))
      return errcode_table[i].code;

  return TACT_MATRIX_ERROR_UNKNOWN;
}

static TactMatrixErrorPrivate *
get_private (const GError *error)
{
  if (error == NULL || error->domain != TACT_MATRIX_ERROR)
    return NULL;

  return tact_matrix_error_get_private (error);
}

void
tact_matrix_error_set_extras (GError     *error,
                              const char *errcode,
                              gint64      retry_after_ms,
                              gboolean    soft_logout,
                              guint       http_status,
                              gboolean    transient)
{
  TactMatrixErrorPrivate *priv = get_private (error);

  g_return_if_fail (priv != NULL);

  g_free (priv->errcode);
  priv->errcode = g_strdup (errcode);
  priv->retry_after_ms = retry_after_ms;
  priv->soft_logout = soft_logout;
  priv->http_status = http_status;
  priv->transient = transient;
}

const char *
tact_matrix_error_get_errcode (const GError *error)
{
  TactMatrixErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->errcode : NULL;
}

gint64
tact_matrix_error_get_retry_after_ms (const GError *error)
{
  TactMatrixErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->retry_after_ms : -1;
}

gboolean
tact_matrix_error_is_soft_logout (const GError *error)
{
  TactMatrixErrorPrivate *priv = get_private (error);

  return priv != NULL && priv->soft_logout;
}

guint
tact_matrix_error_get_http_status (const GError *error)
{
  TactMatrixErrorPrivate *priv = get_private (error);

  return priv != NULL ? priv->http_status : 0;
}

gboolean
tact_matrix_error_is_transient (const GError *error)
{
  TactMatrixErrorPrivate *priv = get_private (error);

  if (priv == NULL)
    return FALSE;

  return priv->transient ||
         error->code == TACT_MATRIX_ERROR_NETWORK ||
         error->code == TACT_MATRIX_ERROR_LIMIT_EXCEEDED ||
         priv->http_status == 429 ||
         priv->http_status >= 500;
}

gint64
tact_matrix_parse_retry_after (const char *value)
{
  guint64 seconds = 0;

  if (value == NULL)
    return -1;

  value += strspn (value, " \t");

  /* delta-seconds */
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT32, &seconds, NULL))
    return (gint64) seconds * 1000;

  /* HTTP-date */
  {
    g_autoptr(GDateTime) when = soup_date_time_new_from_http_string (value);
    g_autoptr(GDateTime) now = NULL;
    GTimeSpan diff;

    if (when == NULL)
      return -1;

    now = g_date_time_new_now_utc ();
    diff = g_date_time_difference (when, now);
    return diff > 0 ? diff / 1000 : 0;
  }
}

GError *
tact_matrix_error_new_from_response (guint               status,
                                     SoupMessageHeaders *headers,
                                     GBytes             *body)
{
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  JsonObject *obj = NULL;
  const char *errcode = NULL;
  const char *message = NULL;
  gint64 retry_after_ms = -1;
  gboolean soft_logout = FALSE;

  if (body != NULL && g_bytes_get_size (body) > 0)
    root = tact_matrix_json_parse_bytes (body, TRUE, NULL);
  if (root != NULL)
    obj = json_node_get_object (root);
  if (obj != NULL)
    errcode = tact_json_get_string (obj, "errcode");

  if (obj != NULL && errcode != NULL)
    {
      gint64 value;

      message = tact_json_get_string (obj, "error");
      if (tact_json_get_int (obj, "retry_after_ms", &value) && value >= 0)
        retry_after_ms = value;
      tact_json_get_bool (obj, "soft_logout", &soft_logout);
    }

  if (retry_after_ms < 0 && headers != NULL)
    retry_after_ms = tact_matrix_parse_retry_after (
        soup_message_headers_get_one (headers, "Retry-After"));

  if (errcode != NULL)
    {
      error = g_error_new_literal (TACT_MATRIX_ERROR,
                                   tact_matrix_error_code_from_errcode (errcode),
                                   message != NULL ? message : errcode);
    }
  else
    {
      const char *phrase = soup_status_get_phrase (status);

      error = g_error_new (TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_HTTP,
                           /* Translators: %u is an HTTP status code, %s its English name */
                           _("The server answered with HTTP error %u (%s)"),
                           status, phrase != NULL ? phrase : "");
    }

  tact_matrix_error_set_extras (error, errcode, retry_after_ms,
                                errcode != NULL && soft_logout,
                                status,
                                status >= 500 || status == 429);
  return error;
}

GError *
tact_matrix_error_new_network (GError *cause)
{
  GError *error;

  error = g_error_new (TACT_MATRIX_ERROR, TACT_MATRIX_ERROR_NETWORK,
                       /* Translators: %s is a system error message */
                       _("Could not reach the server: %s"),
                       cause != NULL ? cause->message : _("unknown error"));
  tact_matrix_error_set_extras (error, NULL, -1, FALSE, 0, TRUE);
  g_clear_error (&cause);
  return error;
}
