/* tact-identifiers.c: the "identifier" detector: candidates found by a cheap
 * scanner over normalised text, then validated in C (check digits, dates,
 * lengths, known test numbers).
 *
 * The normalised text is lower-case, with full-width ASCII folded and
 * whitespace runs collapsed, so the scanner only deals with ASCII shapes.
 * Nothing here logs text or values.
 */
#define _GNU_SOURCE  /* memmem */
#include "tact-policy-private.h"

#include <string.h>

static const char * const id_kind_names[TACT_N_ID_KINDS] = {
  [TACT_ID_PRC_ID]      = "prc_id",
  [TACT_ID_USCC]        = "uscc",
  [TACT_ID_BANK_CARD]   = "bank_card",
  [TACT_ID_CN_MOBILE]   = "cn_mobile",
  [TACT_ID_EMAIL]       = "email",
  [TACT_ID_IBAN]        = "iban",
  [TACT_ID_HK_ID]       = "hk_id",
  [TACT_ID_TW_ID]       = "tw_id",
  [TACT_ID_PRIVATE_KEY] = "private_key",
  [TACT_ID_API_TOKEN]   = "api_token",
  [TACT_ID_PASSWORD]    = "password",
  [TACT_ID_URL]         = "url",
};

const char *
tact_id_kind_to_string (TactIdKind kind)
{
  g_return_val_if_fail (kind < TACT_N_ID_KINDS, NULL);
  return id_kind_names[kind];
}

gboolean
tact_id_kind_from_string (const char *str,
                          TactIdKind *out)
{
  for (guint i = 0; str != NULL && i < TACT_N_ID_KINDS; i++)
    if (g_str_equal (str, id_kind_names[i]))
      {
        if (out != NULL)
          *out = (TactIdKind) i;
        return TRUE;
      }
  return FALSE;
}

void
tact_candidate_clear (TactCandidate *candidate)
{
  g_clear_pointer (&candidate->value, g_free);
}

/* ------------------------------------------------------------------------- */
/* Validators                                                                */
/* ------------------------------------------------------------------------- */

static gboolean
all_digits (const char *s,
            gsize       n)
{
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* First two digits of a PRC resident id: province-level region codes. */
static gboolean
prc_region_is_plausible (int code)
{
  static const guint8 regions[] = {
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
    45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
  };

  for (guint i = 0; i < G_N_ELEMENTS (regions); i++)
    if (regions[i] == code)
      return TRUE;
  return FALSE;
}

gboolean
tact_prc_id_is_valid (const char *id)
{
  static const int weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
  static const char checks[] = "10X98765432";
  g_autoptr(GDateTime) now = NULL;
  int sum = 0, year, month, day;
  char check;

  if (id == NULL || strlen (id) != 18 || !all_digits (id, 17))
    return FALSE;

  check = g_ascii_toupper (id[17]);
  for (int i = 0; i < 17; i++)
    sum += (id[i] - '0') * weights[i];
  if (checks[sum % 11] != check)
    return FALSE;

  if (!prc_region_is_plausible ((id[0] - '0') * 10 + (id[1] - '0')))
    return FALSE;

  year = (id[6] - '0') * 1000 + (id[7] - '0') * 100 + (id[8] - '0') * 10 + (id[9] - '0');
  month = (id[10] - '0') * 10 + (id[11] - '0');
  day = (id[12] - '0') * 10 + (id[13] - '0');
  now = g_date_time_new_now_utc ();
  if (year < 1900 || year > g_date_time_get_year (now))
    return FALSE;
  if (!g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    return FALSE;
  if (year == g_date_time_get_year (now) &&
      (month > g_date_time_get_month (now) ||
       (month == g_date_time_get_month (now) && day > g_date_time_get_day_of_month (now))))
    return FALSE;  /* born in the future */

  return TRUE;
}

/* GB 32100: 31 characters, no I, O, S, V, Z. */
static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int
uscc_value (char c)
{
  const char *p;

  c = g_ascii_toupper (c);
  if (c == '\0')
    return -1;
  p = strchr (uscc_chars, c);
  return p != NULL ? (int) (p - uscc_chars) : -1;
}

/* The shape of a USCC: 18 characters of the code's alphabet, the 6-digit
 * region code in positions 3–8. */
static gboolean
uscc_has_shape (const char *code)
{
  for (int i = 0; i < 18; i++)
    if (uscc_value (code[i]) < 0)
      return FALSE;
  return all_digits (code + 2, 6) && code[1] != '0';
}

gboolean
tact_uscc_is_valid (const char *code)
{
  static const int weights[17] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
  };
  int sum = 0, check;

  if (code == NULL || strlen (code) != 18 || !uscc_has_shape (code))
    return FALSE;
  for (int i = 0; i < 17; i++)
    sum += uscc_value (code[i]) * weights[i];
  check = (31 - sum % 31) % 31;
  return uscc_value (code[17]) == check;
}

gboolean
tact_luhn_is_valid (const char *digits)
{
  gsize n = digits != NULL ? strlen (digits) : 0;
  int sum = 0;

  if (n < 2 || !all_digits (digits, n))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      int d = digits[n - 1 - i] - '0';

      if (i % 2 == 1)
        {
          d *= 2;
          if (d > 9)
            d -= 9;
        }
      sum += d;
    }
  return sum % 10 == 0;
}

/* Numbers from payment providers' documentation and tutorials: pasting one is
 * not a leak, and flagging them would teach people to ignore findings. */
gboolean
tact_bank_card_is_test_number (const char *digits)
{
  static const char * const test_numbers[] = {
    "4111111111111111", "4242424242424242", "5555555555554444", "6222021234567890",
    "4012888888881881", "5105105105105100", "378282246310005", "371449635398431",
    "6011111111111117", "3530111333300000", "4000056655665556", "5200828282828210",
    "6200000000000005", "4000000000000002", "4000000000000077",
  };
  gboolean same = TRUE;

  for (gsize i = 1; digits[i] != '\0'; i++)
    same = same && digits[i] == digits[0];
  if (same)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (test_numbers); i++)
    if (g_str_equal (digits, test_numbers[i]))
      return TRUE;
  return FALSE;
}

/* IBAN lengths of common countries (SWIFT IBAN registry). */
static int
iban_length (const char *country)
{
  static const struct { char cc[3]; guint8 len; } lengths[] = {
    { "AD", 24 }, { "AE", 23 }, { "AT", 20 }, { "BE", 16 }, { "BG", 22 }, { "BH", 22 },
    { "BR", 29 }, { "CH", 21 }, { "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DK", 18 },
    { "EE", 20 }, { "ES", 24 }, { "FI", 18 }, { "FR", 27 }, { "GB", 22 }, { "GR", 27 },
    { "HR", 21 }, { "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IS", 26 }, { "IT", 27 },
    { "KW", 30 }, { "KZ", 20 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
    { "MC", 27 }, { "MT", 31 }, { "NL", 18 }, { "NO", 15 }, { "PK", 24 }, { "PL", 28 },
    { "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "SA", 24 }, { "SE", 24 }, { "SI", 19 },
    { "SK", 24 }, { "SM", 27 }, { "TR", 26 }, { "UA", 29 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    if (g_ascii_toupper (country[0]) == lengths[i].cc[0] &&
        g_ascii_toupper (country[1]) == lengths[i].cc[1])
      return lengths[i].len;
  return 0;
}

gboolean
tact_iban_is_valid (const char *iban)
{
  gsize n = iban != NULL ? strlen (iban) : 0;
  int remainder = 0;

  if (n < 15 || n > 34 || !g_ascii_isalpha (iban[0]) || !g_ascii_isalpha (iban[1]) ||
      !g_ascii_isdigit (iban[2]) || !g_ascii_isdigit (iban[3]))
    return FALSE;
  if (iban_length (iban) != (int) n)
    return FALSE;

  /* Rearranged (BBAN then country and check digits), letters as 10–35,
   * reduced mod 97 digit by digit. */
  for (gsize k = 0; k < n; k++)
    {
      char c = g_ascii_toupper (iban[(k + 4) % n]);

      if (g_ascii_isdigit (c))
        remainder = (remainder * 10 + (c - '0')) % 97;
      else if (c >= 'A' && c <= 'Z')
        remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
      else
        return FALSE;
    }
  return remainder == 1;
}

gboolean
tact_hk_id_is_valid (const char *id)
{
  char buf[12];
  gsize n = 0, letters = 0;
  int sum, check;

  for (const char *p = id; p != NULL && *p != '\0' && n < sizeof buf - 1; p++)
    if (*p != '(' && *p != ')')
      buf[n++] = g_ascii_toupper (*p);
  buf[n] = '\0';

  while (letters < n && g_ascii_isalpha (buf[letters]))
    letters++;
  if ((letters != 1 && letters != 2) || n != letters + 7 || !all_digits (buf + letters, 6))
    return FALSE;

  /* A one-letter id counts as if preceded by a space (value 36). */
  sum = letters == 1 ? 36 * 9 + (buf[0] - 'A' + 10) * 8
                     : (buf[0] - 'A' + 10) * 9 + (buf[1] - 'A' + 10) * 8;
  for (int i = 0; i < 6; i++)
    sum += (buf[letters + i] - '0') * (7 - i);
  check = (11 - sum % 11) % 11;

  return buf[n - 1] == (check == 10 ? 'A' : '0' + check);
}

gboolean
tact_tw_id_is_valid (const char *id)
{
  /* Letter codes A=10 … Z=33, in the order of the ROC's allocation. */
  static const guint8 codes[26] = {
    10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27,
    28, 29, 32, 30, 31, 33
  };
  int code, sum;

  if (id == NULL || strlen (id) != 10 || !g_ascii_isalpha (id[0]) || !all_digits (id + 1, 9) ||
      (id[1] != '1' && id[1] != '2'))
    return FALSE;

  code = codes[g_ascii_toupper (id[0]) - 'A'];
  sum = code / 10 + (code % 10) * 9;
  for (int i = 1; i <= 8; i++)
    sum += (id[i] - '0') * (9 - i);
  sum += id[9] - '0';
  return sum % 10 == 0;
}

gboolean
tact_host_matches (const char *host,
                   const char *known)
{
  gsize hn = strlen (host), kn = strlen (known);

  if (hn < kn || g_ascii_strcasecmp (host + hn - kn, known) != 0)
    return FALSE;
  return hn == kn || host[hn - kn - 1] == '.';
}

/* ------------------------------------------------------------------------- */
/* Scanner                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct {
  const char *t;
  gsize       len;
  guint       kinds;
  GArray     *out;    /* borrowed, element-type TactCandidate */
} Scan;

#define WANT(scan, kind) (((scan)->kinds & (1u << (kind))) != 0)

static inline gboolean
is_alnum_at (const Scan *s,
             gsize       i)
{
  return i < s->len && g_ascii_isalnum (s->t[i]);
}

/* A token may start at @i: not glued to a preceding ASCII letter or digit. */
static inline gboolean
left_boundary (const Scan *s,
               gsize       i)
{
  return i == 0 || !g_ascii_isalnum (s->t[i - 1]);
}

static void
add (Scan          *s,
     TactIdKind     kind,
     gsize          from,
     gsize          to,
     TactConfidence confidence,
     char          *value)   /* transfer full */
{
  TactCandidate c = { kind, from, to, confidence, value };

  g_array_append_val (s->out, c);
}

/* Known card brands by IIN: UnionPay (62) high, other major brands medium,
 * unknown prefixes low. */
static TactConfidence
card_confidence (const char *d)
{
  int two = (d[0] - '0') * 10 + (d[1] - '0');
  int four = two * 100 + (d[2] - '0') * 10 + (d[3] - '0');

  if (two == 62)
    return TACT_CONFIDENCE_HIGH;
  if (d[0] == '4' || (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720) ||
      two == 34 || two == 37 || two == 35 || four == 6011 || two == 65 ||
      two == 36 || two == 30 || two == 60 || two == 81)
    return TACT_CONFIDENCE_MEDIUM;
  return TACT_CONFIDENCE_LOW;
}

static gboolean
is_cn_mobile (const char *d,
              gsize       n)
{
  return n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/* Classifies the digits @d (with byte offset @pos[i] of each digit in the
 * text, and @end just after the last character) as one identifier. */
static gboolean
classify_number (Scan        *s,
                 const char  *d,
                 const gsize *pos,
                 gsize        n,
                 gsize        end)
{
  gsize from = pos[0];

  if (n == 18 && WANT (s, TACT_ID_PRC_ID) && tact_prc_id_is_valid (d))
    {
      add (s, TACT_ID_PRC_ID, from, end, TACT_CONFIDENCE_HIGH, g_ascii_strup (d, -1));
      return TRUE;
    }
  if (d[n - 1] == 'x')
    return FALSE;  /* only an id ends with x */

  if (n == 18 && WANT (s, TACT_ID_USCC) && tact_uscc_is_valid (d))
    {
      add (s, TACT_ID_USCC, from, end, TACT_CONFIDENCE_HIGH, g_strdup (d));
      return TRUE;
    }

  if (WANT (s, TACT_ID_CN_MOBILE))
    {
      gsize skip = 0;

      if (n == 13 && d[0] == '8' && d[1] == '6')
        skip = 2;
      else if (n == 15 && strncmp (d, "0086", 4) == 0)
        skip = 4;
      if (is_cn_mobile (d + skip, n - skip))
        {
          if (skip == 2 && from > 0 && s->t[from - 1] == '+')
            from--;
          add (s, TACT_ID_CN_MOBILE, from, end, TACT_CONFIDENCE_MEDIUM, g_strdup (d + skip));
          return TRUE;
        }
    }

  if (n >= 13 && n <= 19 && WANT (s, TACT_ID_BANK_CARD) && tact_luhn_is_valid (d))
    {
      if (!tact_bank_card_is_test_number (d))
        add (s, TACT_ID_BANK_CARD, from, end, card_confidence (d), g_strdup (d));
      return TRUE;  /* a test number is still a card number: not split further */
    }

  return FALSE;
}

/* A number at @i: digit groups separated by single spaces or dashes
 * ("6222 0212 3456 7890", "138-0013-8000"), a final x allowed for ids.
 * Returns the index after it. */
static gsize
scan_number (Scan  *s,
             gsize  i)
{
  g_autoptr(GString) d = g_string_new (NULL);
  g_autoptr(GArray) pos = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GArray) groups = g_array_new (FALSE, FALSE, sizeof (gsize));  /* start index in d */
  g_autoptr(GArray) group_ends = g_array_new (FALSE, FALSE, sizeof (gsize));  /* byte end */
  gsize j = i, end;

  for (;;)
    {
      gsize k = j, start_len = d->len;

      while (k < s->len && g_ascii_isdigit (s->t[k]))
        {
          g_string_append_c (d, s->t[k]);
          g_array_append_val (pos, k);
          k++;
        }
      if (k < s->len && (s->t[k] == 'x') && !is_alnum_at (s, k + 1))
        {
          g_string_append_c (d, 'x');
          g_array_append_val (pos, k);
          k++;
        }
      else if (is_alnum_at (s, k))
        {
          /* Glued to letters: not a number; keep the groups before it. */
          g_string_truncate (d, start_len);
          g_array_set_size (pos, start_len);
          if (groups->len == 0)
            {
              while (is_alnum_at (s, k))
                k++;
              return k;
            }
          break;
        }
      g_array_append_val (groups, start_len);
      g_array_append_val (group_ends, k);
      j = k;
      if (d->str[d->len - 1] != 'x' && j + 1 < s->len &&
          (s->t[j] == ' ' || s->t[j] == '-') && g_ascii_isdigit (s->t[j + 1]))
        {
          j++;
          continue;
        }
      break;
    }

  end = g_array_index (group_ends, gsize, group_ends->len - 1);

  /* A decimal fraction (3.14159…) or a version is not an identifier. */
  if (i >= 2 && s->t[i - 1] == '.' && g_ascii_isdigit (s->t[i - 2]))
    return end;

  /* Groups of one or two digits after the first are not how ids, cards or phones are
   * written ("6222 0212 3456 7890", "138 0013 8000"): more likely a number next to another
   * (a table's row number after a line break, which the normaliser turned into a space),
   * whose digits together can pass a checksum by chance. */
  for (guint g = 1; g < groups->len; g++)
    {
      gsize from = g_array_index (groups, gsize, g);
      gsize to = g + 1 < groups->len ? g_array_index (groups, gsize, g + 1) : d->len;

      if (to - from < 3)
        {
          /* The groups before it, as one number; the scan goes on after them. */
          gsize prefix_end = g_array_index (group_ends, gsize, g - 1);

          g_string_truncate (d, from);
          classify_number (s, d->str, (gsize *) pos->data, from, prefix_end);
          return prefix_end;
        }
    }

  if (classify_number (s, d->str, (gsize *) pos->data, d->len, end))
    return end;

  /* Not one identifier: maybe several (two phone numbers separated by a space). */
  if (groups->len > 1)
    for (guint g = 0; g < groups->len; g++)
      {
        gsize a = g_array_index (groups, gsize, g);
        gsize b = g + 1 < groups->len ? g_array_index (groups, gsize, g + 1) : d->len;
        g_autofree char *part = g_strndup (d->str + a, b - a);

        classify_number (s, part, &g_array_index (pos, gsize, a), b - a,
                         g_array_index (group_ends, gsize, g));
      }
  return end;
}

/* IBAN: country, check digits, then alphanumeric groups of up to 4
 * separated by single spaces; the length comes from the country table. */
static gboolean
scan_iban (Scan  *s,
           gsize  i)
{
  char buf[40];
  gsize n = 0, j = i, end = i;
  int want;

  if (!(g_ascii_isalpha (s->t[i]) && i + 3 < s->len && g_ascii_isalpha (s->t[i + 1]) &&
        g_ascii_isdigit (s->t[i + 2]) && g_ascii_isdigit (s->t[i + 3])))
    return FALSE;
  want = iban_length (s->t + i);
  if (want == 0)
    return FALSE;

  while (j < s->len && n < (gsize) want)
    {
      if (g_ascii_isalnum (s->t[j]))
        {
          buf[n++] = s->t[j++];
          end = j;
        }
      else if (s->t[j] == ' ' && is_alnum_at (s, j + 1) && n % 4 == 0)
        j++;
      else
        break;
    }
  buf[n] = '\0';
  if ((int) n != want || is_alnum_at (s, end) || !tact_iban_is_valid (buf))
    return FALSE;

  add (s, TACT_ID_IBAN, i, end, TACT_CONFIDENCE_HIGH, g_ascii_strup (buf, -1));
  return TRUE;
}

/* A token of letters and digits at @i, [i, j). */
static void
scan_alnum_token (Scan  *s,
                  gsize  i,
                  gsize  j)
{
  gsize n = j - i;
  g_autofree char *tok = g_strndup (s->t + i, n);
  gsize letters = 0;

  while (letters < n && g_ascii_isalpha (tok[letters]))
    letters++;

  /* Hong Kong: A123456(3), AB123456(A) */
  if (WANT (s, TACT_ID_HK_ID) && (letters == 1 || letters == 2) && n == letters + 6 &&
      all_digits (tok + letters, 6) && j + 2 < s->len && s->t[j] == '(' &&
      g_ascii_isalnum (s->t[j + 1]) && s->t[j + 2] == ')')
    {
      g_autofree char *id = g_strndup (s->t + i, n + 3);

      if (tact_hk_id_is_valid (id))
        add (s, TACT_ID_HK_ID, i, j + 3, TACT_CONFIDENCE_MEDIUM, g_ascii_strup (id, -1));
      return;
    }

  /* Taiwan: A123456789 */
  if (WANT (s, TACT_ID_TW_ID) && n == 10 && letters == 1 && tact_tw_id_is_valid (tok))
    {
      add (s, TACT_ID_TW_ID, i, j, TACT_CONFIDENCE_MEDIUM, g_ascii_strup (tok, -1));
      return;
    }

  /* USCC with letters: shape alone is low confidence, a valid check high. */
  if (WANT (s, TACT_ID_USCC) && n == 18 && letters < n && uscc_has_shape (tok))
    {
      add (s, TACT_ID_USCC, i, j,
           tact_uscc_is_valid (tok) ? TACT_CONFIDENCE_HIGH : TACT_CONFIDENCE_LOW,
           g_ascii_strup (tok, -1));
      return;
    }

  /* AWS access key id: AKIA/ASIA + 16 */
  if (WANT (s, TACT_ID_API_TOKEN) && n == 20 &&
      (g_str_has_prefix (tok, "akia") || g_str_has_prefix (tok, "asia")))
    {
      add (s, TACT_ID_API_TOKEN, i, j, TACT_CONFIDENCE_HIGH, g_strdup (tok));
      return;
    }
}

static gsize
span_while (const Scan *s,
            gsize       i,
            const char *extra)  /* ASCII alnum plus these */
{
  while (i < s->len && (g_ascii_isalnum (s->t[i]) || (s->t[i] != '\0' && strchr (extra, s->t[i]))))
    i++;
  return i;
}

static gboolean
has_prefix_at (const Scan *s,
               gsize       i,
               const char *prefix)
{
  gsize n = strlen (prefix);

  return i + n <= s->len && memcmp (s->t + i, prefix, n) == 0;
}

/* Token shapes with a distinctive prefix. Returns the end, or 0. */
static gsize
scan_prefixed_token (Scan  *s,
                     gsize  i)
{
  static const char * const github[] = { "ghp_", "gho_", "ghu_", "ghs_", "ghr_" };
  static const char * const slack[] = { "xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-" };
  gsize j;

  /* Every prefix below starts with one of these: most words end here. */
  if (s->t[i] != 'g' && s->t[i] != 'x' && s->t[i] != 's' && s->t[i] != 'e')
    return 0;
  for (guint k = 0; k < G_N_ELEMENTS (github); k++)
    if (has_prefix_at (s, i, github[k]) && (j = span_while (s, i + 4, "")) - (i + 4) >= 36)
      {
        add (s, TACT_ID_API_TOKEN, i, j, TACT_CONFIDENCE_HIGH, g_strndup (s->t + i, j - i));
        return j;
      }
  if (has_prefix_at (s, i, "github_pat_") && (j = span_while (s, i + 11, "_")) - (i + 11) >= 22)
    {
      add (s, TACT_ID_API_TOKEN, i, j, TACT_CONFIDENCE_HIGH, g_strndup (s->t + i, j - i));
      return j;
    }
  for (guint k = 0; k < G_N_ELEMENTS (slack); k++)
    if (has_prefix_at (s, i, slack[k]) && (j = span_while (s, i + 5, "-")) - (i + 5) >= 10)
      {
        add (s, TACT_ID_API_TOKEN, i, j, TACT_CONFIDENCE_HIGH, g_strndup (s->t + i, j - i));
        return j;
      }
  if (has_prefix_at (s, i, "sk-") && (j = span_while (s, i + 3, "_-")) - (i + 3) >= 20)
    {
      gboolean digit = FALSE, alpha = FALSE;

      for (gsize k = i + 3; k < j; k++)
        {
          digit = digit || g_ascii_isdigit (s->t[k]);
          alpha = alpha || g_ascii_isalpha (s->t[k]);
        }
      if (digit && alpha)
        {
          add (s, TACT_ID_API_TOKEN, i, j, TACT_CONFIDENCE_MEDIUM, g_strndup (s->t + i, j - i));
          return j;
        }
    }
  /* JWT: header.payload.signature, both JSON parts starting {" = eyJ */
  if (has_prefix_at (s, i, "eyj"))
    {
      gsize a = span_while (s, i, "_-");
      if (a - i >= 10 && a < s->len && s->t[a] == '.' && has_prefix_at (s, a + 1, "eyj"))
        {
          gsize b = span_while (s, a + 1, "_-");
          if (b - (a + 1) >= 10 && b < s->len && s->t[b] == '.')
            {
              gsize c = span_while (s, b + 1, "_-");
              if (c - (b + 1) >= 10)
                {
                  add (s, TACT_ID_API_TOKEN, i, c, TACT_CONFIDENCE_HIGH,
                       g_strndup (s->t + i, c - i));
                  return c;
                }
            }
        }
    }
  return 0;
}

static const char *
find_in (const Scan *s,
         gsize       from,
         const char *needle)
{
  if (from >= s->len)
    return NULL;
  /* memmem, not g_strstr_len: glib's compares at every position (a third of a check). */
  return memmem (s->t + from, s->len - from, needle, strlen (needle));
}

static void
scan_private_keys (Scan *s)
{
  for (const char *p = find_in (s, 0, "-----begin "); p != NULL;
       p = find_in (s, p - s->t + 1, "-----begin "))
    {
      gsize i = p - s->t;
      const char *close = find_in (s, i + 11, "-----");
      const char *end_marker;
      gsize end;

      if (close == NULL || close - p > 64)
        continue;
      {
        g_autofree char *label = g_strndup (p + 11, close - (p + 11));
        if (strstr (label, "private key") == NULL)
          continue;
      }
      end = close - s->t + 5;
      end_marker = find_in (s, end, "-----end ");
      if (end_marker != NULL)
        {
          const char *end_close = find_in (s, end_marker - s->t + 9, "-----");
          if (end_close != NULL && end_close - end_marker < 64)
            end = end_close - s->t + 5;
        }
      add (s, TACT_ID_PRIVATE_KEY, i, end, TACT_CONFIDENCE_HIGH,
           g_strndup (s->t + i, MIN (end - i, 256)));
    }
}

static gboolean
is_email_local (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("._%+-", c) != NULL);
}

static void
scan_emails (Scan *s)
{
  for (const char *p = memchr (s->t, '@', s->len); p != NULL;
       p = memchr (p + 1, '@', s->len - (p + 1 - s->t)))
    {
      gsize at = p - s->t, from = at, end = at + 1, last_dot = 0;

      while (from > 0 && is_email_local (s->t[from - 1]))
        from--;
      while (from < at && !g_ascii_isalnum (s->t[from]))
        from++;
      if (from == at)
        continue;
      while (end < s->len && (g_ascii_isalnum (s->t[end]) || s->t[end] == '-' ||
                              (s->t[end] == '.' && is_alnum_at (s, end + 1))))
        {
          if (s->t[end] == '.')
            last_dot = end;
          end++;
        }
      if (last_dot == 0 || end - last_dot - 1 < 2 || !g_ascii_isalpha (s->t[end - 1]))
        continue;
      add (s, TACT_ID_EMAIL, from, end, TACT_CONFIDENCE_MEDIUM, g_strndup (s->t + from, end - from));
    }
}

static void
scan_urls (Scan *s)
{
  static const char * const schemes[] = { "https://", "http://", "www." };

  for (guint k = 0; k < G_N_ELEMENTS (schemes); k++)
    for (const char *p = find_in (s, 0, schemes[k]); p != NULL;
         p = find_in (s, p - s->t + 1, schemes[k]))
      {
        gsize i = p - s->t, host = i + (k < 2 ? strlen (schemes[k]) : 0), host_end, end;

        if (!left_boundary (s, i) || (k == 2 && i > 0 && s->t[i - 1] == '/'))
          continue;
        host_end = span_while (s, host, ".-");
        if (host_end == host || memchr (s->t + host, '.', host_end - host) == NULL)
          continue;
        end = host_end;
        while (end < s->len && (guchar) s->t[end] > ' ' && (guchar) s->t[end] < 0x80 &&
               strchr ("\"'<>()[]{}", s->t[end]) == NULL)
          end++;
        while (end > host_end && strchr (".,;:!?", s->t[end - 1]) != NULL)
          end--;
        add (s, TACT_ID_URL, i, end, TACT_CONFIDENCE_MEDIUM,
             g_strndup (s->t + host, host_end - host));
      }
}

/* Words that follow "password:" or "password is" in talk about passwords,
 * not in a password ("Password: required", "the password is weak"). The text
 * is normalised, so lower case. */
static const char * const password_words[] = {
  "above", "attached", "below", "blank", "changed", "correct", "default", "empty",
  "enclosed", "expired", "forgot", "forgotten", "here", "hidden", "incorrect", "invalid",
  "mandatory", "missing", "needed", "none", "null", "optional", "pending", "please",
  "protected", "required", "reset", "same", "sent", "short", "strong", "there", "too",
  "unchanged", "unknown", "updated", "weak", "wrong", "password", "xxx", "xxxx", "xxxxxx",
  "<password>", NULL
};

/* Which classes of ASCII characters the @len bytes at @v contain. */
static void
char_classes (const char *v,
              gsize       len,
              gboolean   *alpha,
              gboolean   *digit,
              gboolean   *other)
{
  *alpha = *digit = *other = FALSE;
  for (gsize c = 0; c < len; c++)
    {
      *alpha = *alpha || g_ascii_isalpha (v[c]);
      *digit = *digit || g_ascii_isdigit (v[c]);
      *other = *other || !g_ascii_isalnum (v[c]);
    }
}

/* TRUE if @len bytes at @v read as a secret rather than as words about one.
 * After "password:"/"password=" (@copula FALSE) a digit run of 4 or more, any
 * token mixing letters, digits and symbols, or a letters-only token of 6 or
 * more that is not a common word; after "password is"/"密码是" (@copula TRUE)
 * only a token mixing classes or a digit run of 6 or more: "is" is followed by
 * English far more often than by a password. Never a path or a URL. */
static gboolean
looks_like_secret (const char *v,
                   gsize       len,
                   gboolean    copula)
{
  g_autofree char *value = NULL;
  gboolean alpha, digit, other, masked = TRUE;
  guint classes;

  if (len < 4)
    return FALSE;
  char_classes (v, len, &alpha, &digit, &other);
  for (gsize c = 0; c < len; c++)
    masked = masked && (v[c] == '*' || v[c] == '.');
  if (masked || v[0] == '/' || v[0] == '~' || g_strstr_len (v, len, "://") != NULL)
    return FALSE;
  value = g_strndup (v, len);
  if (g_strv_contains (password_words, value))
    return FALSE;

  classes = alpha + digit + other;
  if (classes >= 2)
    return TRUE;
  if (digit)
    return len >= (copula ? 6 : 4);
  return !copula && alpha && len >= 6;
}

/* TRUE if @len bytes at @v look like a chosen password, not a word or a
 * number: six or more characters mixing letters with digits or symbols. */
static gboolean
looks_strong (const char *v,
              gsize       len)
{
  gboolean alpha, digit, other;

  if (len < 6)
    return FALSE;
  char_classes (v, len, &alpha, &digit, &other);
  return alpha && (digit || other);
}

/* A password inside a URL: scheme://user:password@host. */
static void
scan_url_passwords (Scan *s)
{
  for (const char *p = find_in (s, 0, "://"); p != NULL; p = find_in (s, p - s->t + 3, "://"))
    {
      gsize user = p - s->t + 3, colon, at;

      for (colon = user; colon < s->len && g_ascii_isgraph (s->t[colon]) &&
                         strchr (":/@", s->t[colon]) == NULL; colon++)
        ;
      if (colon == user || colon >= s->len || s->t[colon] != ':')
        continue;
      /* The last @ before the host ends: a password may contain @. */
      at = 0;
      for (gsize c = colon + 1; c < s->len && g_ascii_isgraph (s->t[c]) && s->t[c] != '/'; c++)
        if (s->t[c] == '@')
          at = c;
      if (at == 0 || !looks_like_secret (s->t + colon + 1, at - colon - 1, FALSE))
        continue;
      add (s, TACT_ID_PASSWORD, user, at, TACT_CONFIDENCE_HIGH,
           g_strndup (s->t + colon + 1, at - colon - 1));
    }
}

/* Passwords written out: a keyword, a separator (or 是/为/is), and a value that
 * looks like a secret. "pwd" only as "pwd=" (share links): "pwd: /home/alice"
 * is a shell's working directory. */
static void
scan_passwords (Scan *s)
{
  /* strong_only: a short or common word ("pass", "pw"), so only a value that
   * mixes letters with digits or symbols counts, whatever the separator. */
  static const struct {
    const char *word; gboolean latin; gboolean equals_only; gboolean strong_only;
  } keywords[] = {
    { "登录密码", FALSE, FALSE, FALSE }, { "密码", FALSE, FALSE, FALSE },
    { "密碼", FALSE, FALSE, FALSE }, { "口令", FALSE, FALSE, FALSE },
    { "password", TRUE, FALSE, FALSE }, { "passwd", TRUE, FALSE, FALSE },
    { "passcode", TRUE, FALSE, FALSE }, { "pwd", TRUE, TRUE, FALSE },
    { "passphrase", TRUE, FALSE, TRUE }, { "pass", TRUE, FALSE, TRUE },
    { "pw", TRUE, FALSE, TRUE },
    /* 密码 typed in pinyin */
    { "mima", TRUE, FALSE, TRUE }, { "mi ma", TRUE, FALSE, TRUE },
    /* settings files and connection strings: SECRET_KEY=…, token=… */
    { "secret", TRUE, TRUE, FALSE }, { "secret_key", TRUE, TRUE, FALSE },
    { "token", TRUE, TRUE, FALSE },
  };
  static const char * const copulas[] = { "是", "为", "為", "is", "shi" };

  for (guint k = 0; k < G_N_ELEMENTS (keywords); k++)
    for (const char *p = find_in (s, 0, keywords[k].word); p != NULL;
         p = find_in (s, p - s->t + 1, keywords[k].word))
      {
        gsize i = p - s->t, j = i + strlen (keywords[k].word), v, end;
        gboolean separated = FALSE;
        gboolean copula = FALSE;
        gboolean spaced;

        if (keywords[k].latin && (!left_boundary (s, i) || is_alnum_at (s, j)))
          continue;
        /* 登录密码 also contains 密码: report once. */
        if (k == 1 && i >= 6 && memcmp (s->t + i - 6, "登录", 6) == 0)
          continue;

        spaced = j < s->len && s->t[j] == ' ';
        while (j < s->len && s->t[j] == ' ')
          j++;
        for (guint c = 0; c < G_N_ELEMENTS (copulas) && !keywords[k].equals_only; c++)
          if (has_prefix_at (s, j, copulas[c]) &&
              (g_ascii_isalpha (copulas[c][0]) ? !is_alnum_at (s, j + strlen (copulas[c])) : TRUE))
            {
              j += strlen (copulas[c]);
              separated = copula = TRUE;
              break;
            }
        while (j < s->len && s->t[j] == ' ')
          j++;
        if (j < s->len && (s->t[j] == '=' || (s->t[j] == ':' && !keywords[k].equals_only)))
          {
            separated = TRUE;
            copula = FALSE;  /* "密码是：x" reads as a separator */
            j++;
          }
        /* Only a space ("密码 Lx!8812"): a strong value only. */
        if (!separated && !(spaced && !keywords[k].equals_only))
          continue;
        while (j < s->len && (s->t[j] == ' ' || s->t[j] == '"' || s->t[j] == '\'' || s->t[j] == '`'))
          j++;

        v = j;
        end = v;
        while (end < s->len && (guchar) s->t[end] > ' ' && (guchar) s->t[end] < 0x7f)
          end++;
        while (end > v && strchr (".,;!?)\"'`", s->t[end - 1]) != NULL)
          end--;
        if (!looks_like_secret (s->t + v, end - v, copula) ||
            ((!separated || keywords[k].strong_only) && !looks_strong (s->t + v, end - v)))
          continue;
        add (s, TACT_ID_PASSWORD, i, end, TACT_CONFIDENCE_HIGH, g_strndup (s->t + v, end - v));
      }

  scan_url_passwords (s);
}

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const TactCandidate *ca = a, *cb = b;

  if (ca->from != cb->from)
    return ca->from < cb->from ? -1 : 1;
  return ca->to > cb->to ? -1 : ca->to < cb->to;
}

GArray *
tact_identifiers_scan (const char *text,
                       gsize       len,
                       const char *leet,
                       guint       kinds)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (TactCandidate));
  Scan s = { text, len, kinds, out };
  const guint token_kinds = (1u << TACT_ID_PRC_ID) | (1u << TACT_ID_USCC) |
                            (1u << TACT_ID_BANK_CARD) | (1u << TACT_ID_CN_MOBILE) |
                            (1u << TACT_ID_IBAN) | (1u << TACT_ID_HK_ID) |
                            (1u << TACT_ID_TW_ID) | (1u << TACT_ID_API_TOKEN);

  g_array_set_clear_func (out, (GDestroyNotify) tact_candidate_clear);
  if (len == 0 || kinds == 0)
    return out;

  if (kinds & token_kinds)
    {
      gsize i = 0;

      while (i < len)
        {
          gsize j;

          if (!g_ascii_isalnum (text[i]) || !left_boundary (&s, i))
            {
              i++;
              continue;
            }
          if (WANT (&s, TACT_ID_API_TOKEN) && (j = scan_prefixed_token (&s, i)) > 0)
            {
              i = j;
              continue;
            }
          j = i;
          while (j < len && g_ascii_isdigit (text[j]))
            j++;
          /* Digits only (an id may end with x): a number, maybe in groups. */
          if (j > i && (!is_alnum_at (&s, j) || (text[j] == 'x' && !is_alnum_at (&s, j + 1))))
            {
              i = scan_number (&s, i);
              continue;
            }
          if (WANT (&s, TACT_ID_IBAN) && scan_iban (&s, i))
            {
              i = g_array_index (out, TactCandidate, out->len - 1).to;
              continue;
            }
          while (j < len && g_ascii_isalnum (text[j]))
            j++;
          scan_alnum_token (&s, i, j);
          i = j;
        }
    }

  if (WANT (&s, TACT_ID_PRIVATE_KEY))
    scan_private_keys (&s);
  if (WANT (&s, TACT_ID_EMAIL))
    scan_emails (&s);
  if (WANT (&s, TACT_ID_URL))
    scan_urls (&s);
  if (WANT (&s, TACT_ID_PASSWORD))
    {
      scan_passwords (&s);
      /* Leetspeak keywords (p4ss 1s …, p@$$w0rd 是 …): the same scan over the
       * folded view, whose offsets are the text's; a span found twice counts once. */
      if (leet != NULL)
        {
          Scan folded = { leet, len, s.kinds, out };
          guint before = out->len;

          scan_passwords (&folded);
          for (guint k = out->len; k > before; k--)
            {
              const TactCandidate *c = &g_array_index (out, TactCandidate, k - 1);
              gboolean seen = FALSE;

              for (guint e = 0; e < before && !seen; e++)
                {
                  const TactCandidate *d = &g_array_index (out, TactCandidate, e);
                  seen = d->kind == c->kind && d->from == c->from && d->to == c->to;
                }
              if (seen)
                g_array_remove_index (out, k - 1);
            }
        }
    }

  g_array_sort (out, compare_candidates);
  return out;
}
