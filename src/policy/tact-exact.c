/* tact-exact.c: the "exact" detector: exact data match against salted hashes.
 *
 * A profile carries SHA-256(salt || canonical value) of customer names, phone
 * numbers and ids, never the values. For each message the engine hashes its
 * candidate tokens (CJK runs of 2–4 characters, Latin words and word pairs,
 * digit runs, e-mail addresses) and reports those whose hash is listed.
 * `tact-policy hash` computes the list with tact_exact_canonical() and
 * tact_exact_hash(), so both sides agree on the canonical form.
 */
#include "tact-policy-private.h"

#include <string.h>

static const char * const token_kind_names[TACT_N_TOKEN_KINDS] = {
  [TACT_TOKEN_NAME]  = "name",
  [TACT_TOKEN_PHONE] = "phone",
  [TACT_TOKEN_ID]    = "id",
  [TACT_TOKEN_EMAIL] = "email",
};

const char *
tact_token_kind_to_string (TactTokenKind kind)
{
  g_return_val_if_fail (kind < TACT_N_TOKEN_KINDS, NULL);
  return token_kind_names[kind];
}

gboolean
tact_token_kind_from_string (const char    *str,
                             TactTokenKind *out)
{
  for (guint i = 0; str != NULL && i < TACT_N_TOKEN_KINDS; i++)
    if (g_str_equal (str, token_kind_names[i]))
      {
        if (out != NULL)
          *out = (TactTokenKind) i;
        return TRUE;
      }
  return FALSE;
}

GBytes *
tact_hex_decode (const char *hex)
{
  gsize n = hex != NULL ? strlen (hex) : 0;
  g_autofree guint8 *bytes = NULL;

  if (n == 0 || n % 2 != 0)
    return NULL;
  bytes = g_malloc (n / 2);
  for (gsize i = 0; i < n; i += 2)
    {
      int hi = g_ascii_xdigit_value (hex[i]);
      int lo = g_ascii_xdigit_value (hex[i + 1]);

      if (hi < 0 || lo < 0)
        return NULL;
      bytes[i / 2] = (guint8) (hi << 4 | lo);
    }
  return g_bytes_new_take (g_steal_pointer (&bytes), n / 2);
}

/* +86 / 0086 in front of a CN mobile number is dropped, so a list entry and a
 * message match whether or not either writes the country code. */
static const char *
strip_country_code (const char *digits)
{
  gsize n = strlen (digits);

  if (n == 13 && g_str_has_prefix (digits, "861") && digits[3] >= '3')
    return digits + 2;
  if (n == 15 && g_str_has_prefix (digits, "00861") && digits[5] >= '3')
    return digits + 4;
  return digits;
}

char *
tact_exact_canonical (const char *value)
{
  g_autofree char *norm = tact_normalize_string (value);
  g_autoptr(GString) digits = g_string_new (NULL);
  gboolean numeric = TRUE;

  g_strstrip (norm);
  for (const char *p = norm; *p != '\0' && numeric; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p == 'x' && p[1] == '\0' && digits->len > 0)
        g_string_append_c (digits, 'x');
      else
        numeric = strchr (" -+().", *p) != NULL;
    }

  if (numeric && digits->len > 0)
    return g_strdup (strip_country_code (digits->str));
  return g_steal_pointer (&norm);
}

char *
tact_exact_hash (GBytes     *salt,
                 const char *canonical)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize salt_len = 0;
  const guchar *salt_data = g_bytes_get_data (salt, &salt_len);

  g_checksum_update (checksum, salt_data, salt_len);
  g_checksum_update (checksum, (const guchar *) canonical, strlen (canonical));
  return g_strdup (g_checksum_get_string (checksum));
}

typedef struct {
  const TactDetector *detector;
  const char         *t;
  gsize               len;
  GArray             *out;   /* borrowed */
} Exact;

static void
try_token (Exact         *e,
           TactTokenKind  kind,
           gsize          from,
           gsize          to,
           const char    *canonical)
{
  g_autofree char *hash = NULL;
  TactCandidate c;

  if (canonical[0] == '\0')
    return;
  hash = tact_exact_hash (e->detector->salt, canonical);
  if (!g_hash_table_contains (e->detector->hashes, hash))
    return;

  c.kind = kind;
  c.from = from;
  c.to = to;
  c.confidence = TACT_CONFIDENCE_HIGH;
  c.value = g_strdup (canonical);
  g_array_append_val (e->out, c);
}

/* CJK runs: every substring of 2–4 characters. */
static void
scan_cjk_names (Exact *e)
{
  const char *p = e->t, *end = e->t + e->len;

  while (p < end)
    {
      const char *starts[5];
      guint n = 0;

      if (!tact_unichar_is_cjk (g_utf8_get_char (p)))
        {
          p = g_utf8_next_char (p);
          continue;
        }

      /* A sliding window of the last 4 character starts. */
      while (p < end && tact_unichar_is_cjk (g_utf8_get_char (p)))
        {
          const char *next = g_utf8_next_char (p);

          if (n == 4)
            {
              memmove (starts, starts + 1, 3 * sizeof (char *));
              n = 3;
            }
          starts[n++] = p;
          for (guint k = 2; k <= n; k++)
            {
              const char *from = starts[n - k];
              g_autofree char *token = g_strndup (from, next - from);

              try_token (e, TACT_TOKEN_NAME, from - e->t, next - e->t, token);
            }
          p = next;
        }
    }
}

static gboolean
is_latin_letter_at (const Exact *e,
                    gsize        i)
{
  return i < e->len && ((guchar) e->t[i] >= 0x80
                        ? tact_unichar_is_word (g_utf8_get_char (e->t + i)) &&
                          !tact_unichar_is_cjk (g_utf8_get_char (e->t + i))
                        : g_ascii_isalpha (e->t[i]));
}

/* Latin words and pairs of words separated by one space. */
static void
scan_latin_names (Exact *e)
{
  gsize prev_from = G_MAXSIZE, prev_to = 0;
  gsize i = 0;

  while (i < e->len)
    {
      gsize from, to;

      if (!is_latin_letter_at (e, i) || (i > 0 && is_latin_letter_at (e, i - 1)))
        {
          i = g_utf8_next_char (e->t + i) - e->t;
          continue;
        }
      from = i;
      to = i;
      while (is_latin_letter_at (e, to))
        to = g_utf8_next_char (e->t + to) - e->t;
      {
        g_autofree char *word = g_strndup (e->t + from, to - from);
        try_token (e, TACT_TOKEN_NAME, from, to, word);
      }
      if (prev_from != G_MAXSIZE && prev_to + 1 == from && e->t[prev_to] == ' ')
        {
          g_autofree char *pair = g_strndup (e->t + prev_from, to - prev_from);
          try_token (e, TACT_TOKEN_NAME, prev_from, to, pair);
        }
      prev_from = from;
      prev_to = to;
      i = to;
    }
}

/* Digit runs with single space/dash separators, an optional final x. */
static void
scan_numbers (Exact   *e,
              gboolean phone,
              gboolean id)
{
  gsize i = 0;

  while (i < e->len)
    {
      g_autoptr(GString) digits = NULL;
      gsize from, j;

      if (!g_ascii_isdigit (e->t[i]) || (i > 0 && g_ascii_isalnum (e->t[i - 1])))
        {
          i++;
          continue;
        }
      from = i;
      j = i;
      digits = g_string_new (NULL);
      while (j < e->len)
        {
          if (g_ascii_isdigit (e->t[j]))
            g_string_append_c (digits, e->t[j++]);
          else if ((e->t[j] == ' ' || e->t[j] == '-') && j + 1 < e->len &&
                   g_ascii_isdigit (e->t[j + 1]))
            j++;
          else
            break;
        }
      if (id && j < e->len && e->t[j] == 'x' && !(j + 1 < e->len && g_ascii_isalnum (e->t[j + 1])))
        {
          g_autofree char *with_x = g_strdup_printf ("%sx", digits->str);
          try_token (e, TACT_TOKEN_ID, from, j + 1, with_x);
        }
      if (j < e->len && g_ascii_isalpha (e->t[j]))
        {
          i = j;
          continue;
        }
      if (digits->len >= 5)
        {
          if (phone)
            {
              try_token (e, TACT_TOKEN_PHONE, from, j, strip_country_code (digits->str));
            }
          if (id)
            try_token (e, TACT_TOKEN_ID, from, j, digits->str);
        }
      i = j;
    }
}

/* Letter+digit tokens of 6 or more characters (passport, HK/TW ids). */
static void
scan_alnum_ids (Exact *e)
{
  gsize i = 0;

  while (i < e->len)
    {
      gsize j = i;
      gboolean letter = FALSE, digit = FALSE;

      if (!g_ascii_isalnum (e->t[i]) || (i > 0 && g_ascii_isalnum (e->t[i - 1])))
        {
          i++;
          continue;
        }
      while (j < e->len && (g_ascii_isalnum (e->t[j]) || e->t[j] == '(' || e->t[j] == ')'))
        {
          letter = letter || g_ascii_isalpha (e->t[j]);
          digit = digit || g_ascii_isdigit (e->t[j]);
          j++;
        }
      if (letter && digit && j - i >= 6)
        {
          g_autofree char *token = g_strndup (e->t + i, j - i);
          try_token (e, TACT_TOKEN_ID, i, j, token);
        }
      i = j;
    }
}

GArray *
tact_exact_scan (const TactDetector *detector,
                 const char         *text,
                 gsize               len)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (TactCandidate));
  Exact e = { detector, text, len, out };
  guint kinds = detector->token_kinds;

  g_array_set_clear_func (out, (GDestroyNotify) tact_candidate_clear);
  if (len == 0 || detector->hashes == NULL || g_hash_table_size (detector->hashes) == 0)
    return out;

  if (kinds & (1u << TACT_TOKEN_NAME))
    {
      scan_cjk_names (&e);
      scan_latin_names (&e);
    }
  if (kinds & ((1u << TACT_TOKEN_PHONE) | (1u << TACT_TOKEN_ID)))
    scan_numbers (&e, (kinds & (1u << TACT_TOKEN_PHONE)) != 0, (kinds & (1u << TACT_TOKEN_ID)) != 0);
  if (kinds & (1u << TACT_TOKEN_ID))
    scan_alnum_ids (&e);
  if (kinds & (1u << TACT_TOKEN_EMAIL))
    {
      g_autoptr(GArray) emails = tact_identifiers_scan (text, len, NULL, 1u << TACT_ID_EMAIL);

      for (guint i = 0; i < emails->len; i++)
        {
          const TactCandidate *c = &g_array_index (emails, TactCandidate, i);
          try_token (&e, TACT_TOKEN_EMAIL, c->from, c->to, c->value);
        }
    }

  return out;
}

GBytes *
tact_policy_hex_decode (const char *hex)
{
  g_return_val_if_fail (hex != NULL, NULL);
  return tact_hex_decode (hex);
}

char *
tact_policy_hash_value (GBytes     *salt,
                        const char *value)
{
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (salt != NULL && value != NULL, NULL);
  canonical = tact_exact_canonical (value);
  return tact_exact_hash (salt, canonical);
}
