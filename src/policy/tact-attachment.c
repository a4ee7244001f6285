/* tact-attachment.c: inspecting attachments (FILE-1..4, EXT-4).
 *
 * Everything is read from memory (a file is mapped, not read), archive
 * entries in bounded chunks while counting what they expand to, so a zip
 * bomb ends as "uninspectable" after a few megabytes rather than filling
 * memory. XML parts are parsed without network access or entity
 * substitution. Office and OpenDocument files are read in
 * tact-attachment-ooxml.c. See docs/attachments.md.
 *
 * Nothing here logs file contents, labels or names of entries.
 */
#define _GNU_SOURCE   /* memmem, memrchr */
#include "tact-attachment-private.h"

#include <string.h>

#define CHUNK_SIZE      (64 * 1024)
#define RATIO_MIN_BYTES (1024 * 1024)   /* ratios are only judged past this size */
#define MAX_LABEL_CHARS 200

void
tact_attachment_limits_init (TactAttachmentLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->max_depth = TACT_ATTACHMENT_DEFAULT_MAX_DEPTH;
  limits->max_entries = TACT_ATTACHMENT_DEFAULT_MAX_ENTRIES;
  limits->max_total_size = TACT_ATTACHMENT_DEFAULT_MAX_TOTAL;
  limits->max_ratio = TACT_ATTACHMENT_DEFAULT_MAX_RATIO;
  limits->max_text = TACT_ATTACHMENT_DEFAULT_MAX_TEXT;
}

static void
label_free (TactAttachmentLabel *label)
{
  g_free (label->text);
  g_free (label->where);
  g_free (label);
}

void
tact_attachment_report_free (TactAttachmentReport *report)
{
  if (report == NULL)
    return;
  g_free (report->path);
  g_free (report->entry_name);
  g_free (report->content_type);
  g_free (report->extension_type);
  g_clear_pointer (&report->labels, g_ptr_array_unref);
  if (report->text != NULL)
    g_string_free (report->text, TRUE);
  g_free (report->uninspectable);
  g_clear_pointer (&report->children, g_ptr_array_unref);
  g_free (report);
}

static TactAttachmentReport *
report_new (const char *path)
{
  TactAttachmentReport *report = g_new0 (TactAttachmentReport, 1);

  /* Names come from the sender's file system or an archive's headers, in any
   * encoding; the path ends up in findings, JSON and the UI, so it is UTF-8
   * (invalid bytes as U+FFFD; found by fuzz-attachment). */
  report->path = g_utf8_make_valid (path, -1);
  report->labels = g_ptr_array_new_with_free_func ((GDestroyNotify) label_free);
  report->text = g_string_new (NULL);
  report->children = g_ptr_array_new_with_free_func ((GDestroyNotify) tact_attachment_report_free);
  return report;
}

void
tact_attachment_report_uninspectable (TactAttachmentReport *report,
                                      const char           *format,
                                      ...)
{
  va_list args;

  if (report->uninspectable != NULL)
    return;  /* the first reason is the one that stopped us */
  va_start (args, format);
  report->uninspectable = g_strdup_vprintf (format, args);
  va_end (args);
}

/* ------------------------------------------------------------------------- */
/* Inspection state                                                          */
/* ------------------------------------------------------------------------- */

/* Ctx: tact-attachment-private.h */

gboolean
tact_attachment_ctx_stopped (Ctx *ctx)
{
  if (ctx->stop == NULL && g_cancellable_is_cancelled (ctx->cancellable))
    ctx->stop = g_strdup ("inspection cancelled");
  return ctx->stop != NULL;
}

/* Appends at most the remaining budget, cut at a character boundary. */
void
tact_attachment_text_append (Ctx                  *ctx,
                             TactAttachmentReport *report,
                             const char           *text,
                             gssize                len)
{
  gsize n;

  if (text == NULL)
    return;
  if (len < 0)
    len = strlen (text);
  n = MIN ((gsize) len, ctx->text_left);
  if (n < (gsize) len)
    {
      const char *end;

      report->text_truncated = TRUE;
      g_utf8_validate (text, n, &end);
      n = end - text;
    }
  g_string_append_len (report->text, text, n);
  ctx->text_left -= n;
}

void
tact_attachment_add_label (TactAttachmentReport *report,
                           const char           *text,
                           const char           *where)
{
  TactAttachmentLabel *label;
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *stripped = g_strstrip (g_steal_pointer (&valid));

  if (stripped[0] == '\0')
    return;
  for (guint i = 0; i < report->labels->len; i++)
    {
      TactAttachmentLabel *old = g_ptr_array_index (report->labels, i);
      if (g_str_equal (old->text, stripped) && g_str_equal (old->where, where))
        return;
    }
  label = g_new0 (TactAttachmentLabel, 1);
  label->text = g_utf8_substring (stripped, 0, MIN (g_utf8_strlen (stripped, -1), MAX_LABEL_CHARS));
  label->where = g_strdup (where);
  g_ptr_array_add (report->labels, label);
}

/* ------------------------------------------------------------------------- */
/* Markings and classification property names                                */
/* ------------------------------------------------------------------------- */

/* Most specific first: "top secret" hides the "secret" inside it. */
static const char * const markings[] = {
  "绝密", "絕密", "top secret", "机密", "機密", "秘密", "confidential",
  "secret", "internal only", "内部", "內部", NULL
};

/* TRUE if @needle occurs in @haystack (both normalised) other than negated
 * ("非机密", "non-confidential", "not secret") or inside a longer marking. */
static gboolean
contains_level (const char *haystack,
                const char *needle)
{
  gsize nlen = strlen (needle);

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    {
      gboolean negated = FALSE;
      gsize before = p - haystack;

      if (before >= 3 && (memcmp (p - 3, "非", 3) == 0 || memcmp (p - 3, "不", 3) == 0))
        negated = TRUE;
      else if (before >= 4 && g_ascii_strncasecmp (p - 4, "non-", 4) == 0)
        negated = TRUE;
      else if (before >= 3 && g_ascii_strncasecmp (p - 3, "non", 3) == 0)
        negated = TRUE;
      else if (before >= 4 && g_ascii_strncasecmp (p - 4, "not ", 4) == 0)
        negated = TRUE;
      else if (before >= 4 && g_ascii_strncasecmp (p - 4, "top ", 4) == 0 &&
               g_str_equal (needle, "secret"))
        negated = TRUE;  /* counted as "top secret" */
      /* Latin words only at word boundaries. */
      else if (g_ascii_isalpha (needle[0]) &&
               ((before > 0 && g_ascii_isalnum (p[-1])) || g_ascii_isalnum (p[nlen])))
        negated = TRUE;

      if (!negated)
        return TRUE;
    }
  return FALSE;
}

/* Records a label for every marking word in @text (not @text itself). */
void
tact_attachment_find_markings (TactAttachmentReport *report,
                               const char           *text,
                               const char           *where)
{
  g_autofree char *norm = NULL;

  if (text == NULL || text[0] == '\0')
    return;
  norm = tact_normalize_string (text);
  for (guint i = 0; markings[i] != NULL; i++)
    if (contains_level (norm, markings[i]))
      tact_attachment_add_label (report, markings[i], where);
}

gboolean
tact_attachment_is_classification_name (const char *name)
{
  static const char * const names[] = {
    "classification", "securityclassification", "security classification",
    "sensitivity", "密级", "密級", "保密级别", "保密級別", "保密等级", "保密等級", NULL
  };

  if (name == NULL)
    return FALSE;
  for (guint i = 0; names[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return TRUE;
  /* Microsoft Purview (MSIP) sensitivity labels: MSIP_Label_<guid>_Name. */
  return g_str_has_prefix (name, "MSIP_Label_") && g_str_has_suffix (name, "_Name");
}

/* ------------------------------------------------------------------------- */
/* Types, magic numbers, executables                                         */
/* ------------------------------------------------------------------------- */

static gboolean
has_magic (const guint8 *data,
           gsize         len,
           gsize         offset,
           const char   *magic,
           gsize         magic_len)
{
  return len >= offset + magic_len && memcmp (data + offset, magic, magic_len) == 0;
}

#define MAGIC(data, len, off, m) has_magic (data, len, off, m, sizeof (m) - 1)

static gboolean
is_executable_magic (const guint8 *data,
                     gsize         len)
{
  static const guint32 macho[] = { 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe };

  if (MAGIC (data, len, 0, "\x7f" "ELF") || MAGIC (data, len, 0, "MZ") ||
      MAGIC (data, len, 0, "#!"))
    return TRUE;
  if (len >= 4)
    {
      guint32 be = ((guint32) data[0] << 24) | ((guint32) data[1] << 16) |
                   ((guint32) data[2] << 8) | data[3];
      for (guint i = 0; i < G_N_ELEMENTS (macho); i++)
        if (be == macho[i])
          return TRUE;
      /* Mach-O universal binary; Java classes share the magic, also code. */
      if (be == 0xcafebabe)
        return TRUE;
    }
  return FALSE;
}

static const char *
name_extension (const char *name)
{
  const char *base = strrchr (name, '/');
  const char *dot;

  base = base != NULL ? base + 1 : name;
  dot = strrchr (base, '.');
  return dot != NULL && dot != base ? dot + 1 : "";
}

static gboolean
extension_in (const char         *name,
              const char * const *list)
{
  const char *ext = name_extension (name);

  for (guint i = 0; list[i] != NULL; i++)
    if (g_ascii_strcasecmp (ext, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static const char * const executable_extensions[] = {
  "exe", "msi", "msp", "dll", "com", "scr", "pif", "cpl", "sys", "bat", "cmd", "ps1",
  "psm1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "sh", "bash", "zsh", "csh",
  "jar", "apk", "xapk", "ipa", "app", "appimage", "run", "so", "dylib", "deb", "rpm",
  "dmg", "pkg", "elf", "lnk", "reg", NULL
};

static const char * const ooxml_extensions[] = {
  "docx", "docm", "dotx", "xlsx", "xlsm", "xltx", "pptx", "pptm", "potx", NULL
};

/* Read as text whatever their content sniffs as (UTF-16 and GBK sniff as
 * binary). Keys and certificates are text too: read, so that only a
 * PRIVATE KEY block flags, and not called a type mismatch (".pub" is also
 * Microsoft Publisher's extension). */
static const char * const text_extensions[] = {
  "txt", "csv", "tsv", "log", "md", "markdown", "json", "jsonl", "ndjson", "xml", "ini",
  "conf", "cfg", "yaml", "yml", "toml", "properties", "sql", "env", "pem", "crt", "cer",
  "pub", "asc", NULL
};

/* ".env", ".env.local": dotenv files, named without an extension. */
static gboolean
is_text_name (const char *name)
{
  const char *base = strrchr (name, '/');

  base = base != NULL ? base + 1 : name;
  return extension_in (name, text_extensions) ||
         g_str_equal (base, ".env") || g_str_has_prefix (base, ".env.");
}

static gboolean
is_executable_type (const char *type)
{
  static const char * const types[] = {
    "application/x-executable", "application/x-sharedlib", "application/x-pie-executable",
    "application/x-msdownload", "application/x-ms-dos-executable", "application/x-dosexec",
    "application/x-mach-binary", "application/x-shellscript", "application/x-java-archive",
    "application/vnd.android.package-archive", "application/x-msi", "application/x-ms-shortcut",
    "application/x-desktop", NULL
  };

  for (guint i = 0; types[i] != NULL; i++)
    if (g_content_type_is_a (type, types[i]))
      return TRUE;
  return FALSE;
}

static gboolean
types_mismatch (const char *content_type,
                const char *extension_type)
{
  if (g_content_type_is_unknown (extension_type) || g_content_type_is_unknown (content_type))
    return FALSE;
  if (g_content_type_equals (content_type, extension_type) ||
      g_content_type_is_a (extension_type, content_type) ||
      g_content_type_is_a (content_type, extension_type))
    return FALSE;
  /* Plain text sniffed for a text format the name names (csv, js, sh, …). */
  if (g_content_type_is_a (content_type, "text/plain") &&
      g_content_type_is_a (extension_type, "text/plain"))
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Archives: bounded reading                                                 */
/* ------------------------------------------------------------------------- */

struct archive *
tact_attachment_archive_open (const guint8 *data,
                              gsize         len,
                              gboolean      zip_only)
{
  struct archive *a = archive_read_new ();

  if (zip_only)
    archive_read_support_format_zip (a);
  else
    {
      archive_read_support_filter_all (a);
      archive_read_support_format_all (a);
      archive_read_support_format_raw (a);   /* a lone .gz / .xz: one entry */
    }
  /* Small reads so archive_filter_bytes() follows the compressed input. */
  if (archive_read_open_memory2 (a, data, len, CHUNK_SIZE) != ARCHIVE_OK)
    {
      archive_read_free (a);
      return NULL;
    }
  return a;
}

/* Reads the current entry in chunks, counting every byte against the limits.
 * With @out NULL the data is only counted. Returns FALSE with @report marked
 * uninspectable when a limit or an error stops it. */
gboolean
tact_attachment_read_entry (Ctx                  *ctx,
                            struct archive       *a,
                            TactAttachmentReport *report,
                            gsize                 keep_max,
                            GByteArray           *out)
{
  g_autofree guint8 *buf = g_malloc (CHUNK_SIZE);
  gint64 raw_start = archive_filter_bytes (a, -1);
  guint64 entry_bytes = 0;

  for (;;)
    {
      la_ssize_t n = archive_read_data (a, buf, CHUNK_SIZE);
      gint64 raw;

      if (n == 0)
        return TRUE;
      if (n < 0)
        {
          tact_attachment_report_uninspectable (report, "unreadable archive entry (damaged, encrypted or unsupported)");
          return FALSE;
        }
      entry_bytes += n;
      ctx->expanded += n;

      if (ctx->expanded > ctx->limits->max_total_size)
        {
          g_free (ctx->stop);
          ctx->stop = g_strdup_printf ("expands to more than %" G_GUINT64_FORMAT " MB",
                                       ctx->limits->max_total_size / (1024 * 1024));
          tact_attachment_report_uninspectable (report, "%s", ctx->stop);
          return FALSE;
        }
      raw = archive_filter_bytes (a, -1) - raw_start;
      if (entry_bytes > RATIO_MIN_BYTES &&
          entry_bytes / (guint64) MAX (raw, 1) > ctx->limits->max_ratio)
        {
          g_free (ctx->stop);
          ctx->stop = g_strdup_printf ("compression ratio %" G_GUINT64_FORMAT ":1 exceeds "
                                       "%u:1 (zip bomb?)",
                                       entry_bytes / (guint64) MAX (raw, 1),
                                       ctx->limits->max_ratio);
          tact_attachment_report_uninspectable (report, "%s", ctx->stop);
          return FALSE;
        }
      if (ctx->expanded > RATIO_MIN_BYTES &&
          ctx->expanded / MAX (ctx->top_size, 1) > ctx->limits->max_ratio)
        {
          g_free (ctx->stop);
          ctx->stop = g_strdup_printf ("overall compression ratio %" G_GUINT64_FORMAT
                                       ":1 exceeds %u:1 (zip bomb?)",
                                       ctx->expanded / MAX (ctx->top_size, 1),
                                       ctx->limits->max_ratio);
          tact_attachment_report_uninspectable (report, "%s", ctx->stop);
          return FALSE;
        }
      if (tact_attachment_ctx_stopped (ctx))
        {
          tact_attachment_report_uninspectable (report, "%s", ctx->stop);
          return FALSE;
        }
      if (out != NULL && out->len < keep_max)
        g_byte_array_append (out, buf, MIN ((gsize) n, keep_max - out->len));
    }
}

/* Checks an entry header for encryption. */
gboolean
tact_attachment_entry_encrypted (struct archive       *a,
                                 struct archive_entry *entry)
{
  return archive_entry_is_encrypted (entry) || archive_read_has_encrypted_entries (a) > 0;
}

/* XML, OOXML and ODF: tact-attachment-ooxml.c */

/* ------------------------------------------------------------------------- */
/* PDF                                                                       */
/* ------------------------------------------------------------------------- */

static const guint8 *
find_bytes (const guint8 *data,
            gsize         len,
            const char   *needle,
            gsize         needle_len)
{
  return memmem (data, len, needle, needle_len);
}

/* Decodes a PDF string object at @p (literal or hex) into UTF-8. */
static char *
pdf_string (const guint8 *p,
            const guint8 *end)
{
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  char *utf8;

  if (p < end && *p == '(')
    {
      int depth = 1;

      for (p++; p < end && raw->len < 4096; p++)
        {
          guint8 c = *p;

          if (c == '\\' && p + 1 < end)
            {
              guint8 e = *++p;
              switch (e)
                {
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                case 'b': c = '\b'; break;
                case 'f': c = '\f'; break;
                case '\n': continue;
                default:
                  if (e >= '0' && e <= '7')
                    {
                      guint v = e - '0';
                      for (int k = 0; k < 2 && p + 1 < end && p[1] >= '0' && p[1] <= '7'; k++)
                        v = v * 8 + (*++p - '0');
                      c = (guint8) v;
                    }
                  else
                    c = e;
                }
              g_byte_array_append (raw, &c, 1);
              continue;
            }
          if (c == '(')
            depth++;
          else if (c == ')' && --depth == 0)
            break;
          g_byte_array_append (raw, &c, 1);
        }
    }
  else if (p < end && *p == '<')
    {
      int hi = -1;

      for (p++; p < end && *p != '>' && raw->len < 4096; p++)
        {
          int v = g_ascii_xdigit_value (*p);
          if (v < 0)
            continue;
          if (hi < 0)
            hi = v;
          else
            {
              guint8 c = (guint8) (hi * 16 + v);
              g_byte_array_append (raw, &c, 1);
              hi = -1;
            }
        }
    }

  if (raw->len >= 2 && raw->data[0] == 0xfe && raw->data[1] == 0xff)
    utf8 = g_convert ((const char *) raw->data + 2, raw->len - 2, "UTF-8", "UTF-16BE",
                      NULL, NULL, NULL);
  else if (g_utf8_validate ((const char *) raw->data, raw->len, NULL))
    utf8 = g_strndup ((const char *) raw->data, raw->len);
  else
    utf8 = g_convert ((const char *) raw->data, raw->len, "UTF-8", "ISO-8859-1",
                      NULL, NULL, NULL);
  return utf8 != NULL ? utf8 : g_strdup ("");
}

/* A PDF name with #xx escapes decoded. */
static char *
pdf_name (const guint8 *p,
          const guint8 *end,
          const guint8 **after)
{
  GString *name = g_string_new (NULL);

  for (; p < end && name->len < 128; p++)
    {
      guint8 c = *p;

      if (g_ascii_isspace (c) || strchr ("/()<>[]{}%", c) != NULL)
        break;
      if (c == '#' && p + 2 < end &&
          g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          c = (guint8) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2]));
          p += 2;
        }
      g_string_append_c (name, (char) c);
    }
  *after = p;
  return g_string_free (name, FALSE);
}

static void
inspect_pdf (Ctx                  *ctx,
             TactAttachmentReport *report,
             const guint8         *data,
             gsize                 len)
{
  static const char * const described[] = { "Title", "Subject", "Keywords", NULL };
  const guint8 *end = data + len;
  const guint8 *xmp, *xmp_end;

  if (find_bytes (data, len, "/Encrypt", 8) != NULL)
    {
      tact_attachment_report_uninspectable (report, "encrypted PDF");
      return;
    }

  /* Info dictionary keys: a byte scan for "/Name (string)" and "/Name <hex>". */
  for (const guint8 *p = memchr (data, '/', len); p != NULL && !tact_attachment_ctx_stopped (ctx);
       p = memchr (p, '/', end - p))
    {
      const guint8 *q;
      g_autofree char *name = pdf_name (p + 1, end, &q);

      while (q < end && g_ascii_isspace (*q))
        q++;
      p = q;
      if (q >= end || name[0] == '\0' ||
          !(*q == '(' || (*q == '<' && q + 1 < end && q[1] != '<')))
        continue;

      if (tact_attachment_is_classification_name (name))
        {
          g_autofree char *value = pdf_string (q, end);
          g_autofree char *where = g_strdup_printf ("PDF Info /%s", name);
          tact_attachment_add_label (report, value, where);
        }
      else if (g_strv_contains (described, name))
        {
          g_autofree char *value = pdf_string (q, end);
          g_autofree char *where = g_strdup_printf ("PDF Info /%s", name);

          tact_attachment_find_markings (report, value, where);
          tact_attachment_text_append (ctx, report, value, -1);
          tact_attachment_text_append (ctx, report, "\n", 1);
        }
    }

  /* XMP packet: parsed as XML when present (at most the part size limit). */
  xmp = find_bytes (data, len, "<x:xmpmeta", 10);
  if (xmp != NULL &&
      (xmp_end = find_bytes (xmp, end - xmp, "</x:xmpmeta>", 12)) != NULL &&
      xmp_end - xmp < TACT_ATTACHMENT_MAX_PART_SIZE)
    {
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      xmlDoc *doc;

      g_byte_array_append (bytes, xmp, (xmp_end - xmp) + 12);
      if ((doc = tact_attachment_xml_parse (bytes, "xmp")) != NULL)
        {
          tact_attachment_xml_scan_metadata (ctx, report, xmlDocGetRootElement (doc), "PDF XMP");
          xmlFreeDoc (doc);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Text                                                                      */
/* ------------------------------------------------------------------------- */

static void
inspect_text (Ctx                  *ctx,
              TactAttachmentReport *report,
              const guint8         *data,
              gsize                 len)
{
  gsize n = MIN (len, ctx->text_left);
  g_autofree char *converted = NULL;

  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    data += 3, len -= 3, n = MIN (len, ctx->text_left);

  if (g_utf8_validate ((const char *) data, len, NULL))
    {
      tact_attachment_text_append (ctx, report, (const char *) data, len);
      return;
    }
  if (len >= 2 && ((data[0] == 0xff && data[1] == 0xfe) || (data[0] == 0xfe && data[1] == 0xff)))
    {
      const char *from = data[0] == 0xff ? "UTF-16LE" : "UTF-16BE";
      converted = g_convert ((const char *) data + 2, (MIN (len, n * 2) - 2) & ~(gsize) 1,
                             "UTF-8", from, NULL, NULL, NULL);
    }
  else
    {
      /* GB18030 (a superset of GBK/GB2312). Cut at a line break, which is
       * never part of a multi-byte character, to keep the input whole. */
      if (n < len)
        {
          const guint8 *nl = memrchr (data, '\n', n);
          if (nl != NULL)
            n = nl - data + 1;
          report->text_truncated = TRUE;
        }
      converted = g_convert ((const char *) data, n, "UTF-8", "GB18030", NULL, NULL, NULL);
    }

  if (converted == NULL)
    tact_attachment_report_uninspectable (report, "text in an unrecognised encoding");
  else
    tact_attachment_text_append (ctx, report, converted, -1);
}

/* ------------------------------------------------------------------------- */
/* Dispatch                                                                  */
/* ------------------------------------------------------------------------- */

static gboolean
is_archive_magic (const guint8 *data,
                  gsize         len)
{
  return MAGIC (data, len, 0, "PK\x03\x04") || MAGIC (data, len, 0, "PK\x05\x06") ||
         MAGIC (data, len, 0, "7z\xbc\xaf\x27\x1c") || MAGIC (data, len, 0, "\x1f\x8b") ||
         MAGIC (data, len, 0, "BZh") || MAGIC (data, len, 0, "\xfd" "7zXZ") ||
         MAGIC (data, len, 0, "Rar!") || MAGIC (data, len, 257, "ustar") ||
         MAGIC (data, len, 0, "\x28\xb5\x2f\xfd") /* zstd */;
}

/* An entry's name as text to scan: zips written on Chinese Windows name
 * their entries in GBK without saying so. */
static char *
entry_name_utf8 (const char *name)
{
  char *converted;

  if (g_utf8_validate (name, -1, NULL))
    return g_strdup (name);
  converted = g_convert (name, -1, "UTF-8", "GB18030", NULL, NULL, NULL);
  return converted != NULL ? converted : g_utf8_make_valid (name, -1);
}

static void
inspect_archive (Ctx                  *ctx,
                 TactAttachmentReport *report,
                 const guint8         *data,
                 gsize                 len,
                 guint                 depth)
{
  struct archive *a;
  struct archive_entry *entry;
  int r;

  if (depth + 1 > ctx->limits->max_depth)
    {
      tact_attachment_report_uninspectable (report, "archives nested more than %u deep", ctx->limits->max_depth);
      return;
    }
  if ((a = tact_attachment_archive_open (data, len, FALSE)) == NULL)
    {
      tact_attachment_report_uninspectable (report, "damaged or unsupported archive");
      return;
    }

  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (entry);
      g_autoptr(GByteArray) bytes = NULL;
      g_autofree char *child_path = NULL;
      TactAttachmentReport *child;

      if (ctx->entries++ >= ctx->limits->max_entries)
        {
          g_free (ctx->stop);
          ctx->stop = g_strdup_printf ("more than %u archive entries", ctx->limits->max_entries);
          tact_attachment_report_uninspectable (report, "%s", ctx->stop);
          break;
        }
      if (tact_attachment_entry_encrypted (a, entry))
        {
          tact_attachment_report_uninspectable (report, "encrypted or password-protected archive");
          break;
        }
      if (archive_entry_filetype (entry) != AE_IFREG)
        continue;

      bytes = g_byte_array_new ();
      if (!tact_attachment_read_entry (ctx, a, report, G_MAXSIZE, bytes))
        break;

      child_path = g_strdup_printf ("%s/%s", report->path, name != NULL ? name : "data");
      child = tact_attachment_inspect_data (ctx, child_path, bytes->data, bytes->len, depth + 1);
      child->entry_name = entry_name_utf8 (name != NULL ? name : "data");
      g_ptr_array_add (report->children, child);
      if (tact_attachment_ctx_stopped (ctx))
        {
          tact_attachment_report_uninspectable (report, "%s", ctx->stop);
          break;
        }
    }
  if (r != ARCHIVE_OK && r != ARCHIVE_EOF && report->uninspectable == NULL)
    {
      /* libarchive reports unsupported encryption as a header error. */
      if (archive_read_has_encrypted_entries (a) > 0)
        tact_attachment_report_uninspectable (report, "encrypted or password-protected archive");
      else
        tact_attachment_report_uninspectable (report, "damaged or unsupported archive");
    }
  archive_read_free (a);
}

TactAttachmentReport *
tact_attachment_inspect_data (Ctx          *ctx,
                              const char   *path,
                              const guint8 *data,
                              gsize         len,
                              guint         depth)
{
  TactAttachmentReport *report = report_new (path);
  g_autofree char *doc_type = NULL;
  gboolean cfb, ooxml_name;
  gboolean uncertain = FALSE;
  gboolean read_as_text = FALSE;

  report->extension_type = g_content_type_guess (path, NULL, 0, NULL);
  report->content_type = g_content_type_guess (NULL, data, len, &uncertain);
  report->executable = is_executable_magic (data, len) ||
                       extension_in (path, executable_extensions) ||
                       is_executable_type (report->content_type);

  if (tact_attachment_ctx_stopped (ctx))
    {
      tact_attachment_report_uninspectable (report, "%s", ctx->stop);
      return report;
    }

  cfb = MAGIC (data, len, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1");
  ooxml_name = extension_in (path, ooxml_extensions);

  if (cfb)
    {
      /* Office "Encrypted Package": an OLE2 container holding the real file. */
      static const char encrypted_package[] =
        "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e";

      if (ooxml_name || find_bytes (data, len, encrypted_package, sizeof encrypted_package - 1))
        {
          tact_attachment_report_uninspectable (report, "encrypted Office document");
          return report;   /* not a type mismatch: Office writes these itself */
        }
    }
  else if (MAGIC (data, len, 0, "%PDF-") ||
           (len > 5 && find_bytes (data, MIN (len, 1024), "%PDF-", 5) != NULL))
    inspect_pdf (ctx, report, data, len);
  else if (MAGIC (data, len, 0, "PK\x03\x04"))
    {
      ZipKind kind = tact_attachment_zip_kind (ctx, data, len, &doc_type);

      if (kind != ZIP_PLAIN)
        {
          g_free (report->content_type);
          report->content_type = g_steal_pointer (&doc_type);
          tact_attachment_inspect_document (ctx, report, kind, data, len, depth);
        }
      else if (!extension_in (path, (const char * const []) { "jar", "apk", "xapk", "ipa", NULL }))
        inspect_archive (ctx, report, data, len, depth);
    }
  else if (is_archive_magic (data, len))
    inspect_archive (ctx, report, data, len, depth);
  else if (!is_executable_magic (data, len) &&
           (g_content_type_is_a (report->content_type, "text/plain") || is_text_name (path)))
    {
      inspect_text (ctx, report, data, len);
      /* Text named as a text format is what it says when it sniffs as text
       * or as nothing (UTF-16, GBK); a picture renamed ".txt" still differs. */
      read_as_text = is_text_name (path) && report->uninspectable == NULL &&
                     (g_content_type_is_unknown (report->content_type) ||
                      g_content_type_is_a (report->content_type, "text/plain"));
    }

  report->mismatch = !read_as_text &&
                     types_mismatch (report->content_type, report->extension_type);
  return report;
}

TactAttachmentReport *
tact_attachment_inspect (const TactAttachment       *attachment,
                         const TactAttachmentLimits *limits,
                         GCancellable               *cancellable)
{
  TactAttachmentLimits defaults;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data = NULL;
  gsize len = 0;
  const char *name;
  Ctx ctx = { 0 };
  TactAttachmentReport *report;

  g_return_val_if_fail (attachment != NULL, NULL);

  if (limits == NULL)
    {
      tact_attachment_limits_init (&defaults);
      limits = &defaults;
    }
  name = attachment->name != NULL ? attachment->name : "attachment";

  if (attachment->data != NULL)
    data = g_bytes_get_data (attachment->data, &len);
  else if (attachment->path != NULL &&
           (mapped = g_mapped_file_new (attachment->path, FALSE, &error)) != NULL)
    {
      data = (const guint8 *) g_mapped_file_get_contents (mapped);
      len = g_mapped_file_get_length (mapped);
    }
  else if (attachment->path != NULL && g_file_test (attachment->path, G_FILE_TEST_IS_REGULAR) &&
           g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_INVAL))
    ;  /* an empty file cannot be mapped on some systems: inspect it as empty */
  else
    {
      report = report_new (name);
      report->content_type = g_strdup ("application/octet-stream");
      report->extension_type = g_content_type_guess (name, NULL, 0, NULL);
      tact_attachment_report_uninspectable (report, "file could not be read");
      return report;
    }
  if (data == NULL)
    data = (const guint8 *) "";

  ctx.limits = limits;
  ctx.cancellable = cancellable;
  ctx.top_size = len;
  ctx.text_left = limits->max_text;

  report = tact_attachment_inspect_data (&ctx, name, data, len, 0);
  if (ctx.stop != NULL)
    tact_attachment_report_uninspectable (report, "%s", ctx.stop);
  g_free (ctx.stop);

  g_debug ("Inspected an attachment of %" G_GSIZE_FORMAT " bytes: %s", len,
           report->uninspectable != NULL ? "uninspectable" : "inspected");
  return report;
}

/* ------------------------------------------------------------------------- */
/* Findings                                                                  */
/* ------------------------------------------------------------------------- */

typedef gboolean (*ReportPredicate) (const TactAttachmentReport *report,
                                     const TactDetector         *detector,
                                     const char                **matched);

/* The first report of the tree (depth first) for which @predicate holds. */
static const TactAttachmentReport *
report_find (const TactAttachmentReport *report,
             ReportPredicate             predicate,
             const TactDetector         *detector,
             const char                **matched)
{
  if (predicate (report, detector, matched))
    return report;
  for (guint i = 0; i < report->children->len; i++)
    {
      const TactAttachmentReport *found =
        report_find (g_ptr_array_index (report->children, i), predicate, detector, matched);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_level (const TactAttachmentReport *report,
           const TactDetector         *detector,
           const char                **matched)
{
  for (guint i = 0; i < report->labels->len; i++)
    {
      const TactAttachmentLabel *label = g_ptr_array_index (report->labels, i);
      g_autofree char *norm = tact_normalize_string (label->text);

      for (guint k = 0; detector->levels != NULL && detector->levels[k] != NULL; k++)
        if (contains_level (norm, detector->levels[k]))
          {
            *matched = label->text;
            return TRUE;
          }
    }
  return FALSE;
}

static gboolean
has_file_type (const TactAttachmentReport *report,
               const TactDetector         *detector,
               const char                **matched)
{
  if (detector->executable && report->executable)
    {
      *matched = "executable";
      return TRUE;
    }
  if (detector->mismatch && report->mismatch)
    {
      *matched = report->content_type;
      return TRUE;
    }
  return FALSE;
}

static gboolean
is_uninspectable (const TactAttachmentReport *report,
                  const TactDetector         *detector,
                  const char                **matched)
{
  *matched = report->uninspectable;
  return report->uninspectable != NULL;
}

/* Length of the classification level at @p, or 0; its index in @which. */
static gsize
level_at (const char *p,
          guint      *which)
{
  static const char * const levels[] = {
    "公开", "公開", "内部", "內部", "秘密", "机密", "機密", "绝密", "絕密", "top secret",
    "public", "internal", "confidential", "secret", "restricted", NULL
  };

  for (guint i = 0; levels[i] != NULL; i++)
    {
      gsize n = strlen (levels[i]);

      if (g_ascii_isalpha (levels[i][0]))
        {
          if (g_ascii_strncasecmp (p, levels[i], n) == 0 && !g_ascii_isalnum (p[n]))
            return *which = i, n;
        }
      else if (strncmp (p, levels[i], n) == 0)
        return *which = i, n;
    }
  return 0;
}

/* Length of a separator between two items of a list at @p, or 0. */
static gsize
list_separator_at (const char *p)
{
  static const char * const words[] = { "、", "，", "；", "／", "和", "与", "與", "及", "或", NULL };
  const char *q = p;

  for (;;)
    {
      const char *before = q;

      while (*q == ' ' || *q == ',' || *q == ';' || *q == '/' || *q == '|' || *q == '>' ||
             *q == '<' || *q == '-')
        q++;
      for (guint i = 0; words[i] != NULL; i++)
        if (g_str_has_prefix (q, words[i]))
          q += strlen (words[i]);
      if ((g_ascii_strncasecmp (q, "and ", 4) == 0 || g_ascii_strncasecmp (q, "or ", 3) == 0) &&
          (q == p || q[-1] == ' '))
        q += q[0] == 'a' || q[0] == 'A' ? 4 : 3;
      if (q == before || q - p > 12)
        break;
    }
  return q - p <= 12 ? (gsize) (q - p) : 0;
}

guint
tact_attachment_mask_level_lists (char *text)
{
  guint lists = 0;

  g_return_val_if_fail (text != NULL, 0);
  for (char *p = text; *p != '\0'; )
    {
      guint which = 0;
      gsize n = (p == text || !g_ascii_isalnum (p[-1])) ? level_at (p, &which) : 0;
      char *end = p + n;
      guint seen = n > 0 ? 1u << which : 0;   /* levels in the list, as bits */
      guint distinct = 0;

      while (n > 0)
        {
          gsize sep = list_separator_at (end);
          gsize next = sep > 0 ? level_at (end + sep, &which) : 0;

          if (next == 0)
            break;
          end += sep + next;
          seen |= 1u << which;
        }
      for (; seen != 0; seen &= seen - 1)
        distinct++;
      /* Three different levels: "机密、机密、机密" is no scheme. */
      if (distinct >= 3)
        {
          memset (p, ' ', end - p);
          lists++;
          p = end;
        }
      else
        p = (char *) g_utf8_next_char (p);
    }
  return lists;
}

/* The text detectors, through tact_profile_scan_text() so that every kind of
 * text detector applies to attachments as it does to messages. Offsets mean
 * nothing outside the message: one finding per rule and matched text per
 * file is kept. */
static void
check_text (TactProfile                *profile,
            const TactOutgoing         *outgoing,
            const TactAttachmentReport *report,
            TactVerdict                *verdict)
{
  if (report->text->len > 0)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      guint first = verdict->findings->len;

      g_autofree char *text = g_strdup (report->text->str);

      /* A document explaining the classification scheme lists the levels. */
      tact_attachment_mask_level_lists (text);
      tact_profile_scan_text (profile, outgoing, text, report->path, verdict);
      for (guint i = first; i < verdict->findings->len; )
        {
          const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

          if (g_hash_table_add (seen, g_strdup_printf ("%s\x1f%s", finding->rule_id,
                                                       finding->matched ? finding->matched : "")))
            i++;
          else
            g_ptr_array_remove_index (verdict->findings, i);
        }
    }

  for (guint i = 0; i < report->children->len; i++)
    check_text (profile, outgoing, g_ptr_array_index (report->children, i), verdict);
}

/* The name the recipient sees as text to scan: "机密报价单-内部价格.txt" is
 * scanned as "机密报价单-内部价格". An extension is a last dot followed by 1 to
 * 8 letters or digits, not at the start (".bashrc" stays as it is). The
 * normaliser already treats "-" and "." as joiners between CJK characters
 * and as word boundaries between Latin ones, but "_" is a word character
 * there (so "confidential_report" would not match "confidential"): it
 * becomes a space, which joins CJK (客户名单_2026 reads 客户名单 2026) and
 * separates Latin words, so "customer_list" and "customer-list" (a "-"
 * between two letters) read as the term "customer list". */
static char *
name_stem (const char *name)
{
  const char *dot = strrchr (name, '.');
  char *stem = NULL;

  if (dot != NULL && dot != name && dot[1] != '\0' && strlen (dot + 1) <= 8)
    {
      stem = g_strndup (name, dot - name);
      for (const char *p = dot + 1; *p != '\0' && stem != NULL; p++)
        if (!g_ascii_isalnum (*p))
          g_clear_pointer (&stem, g_free);
    }
  if (stem == NULL)
    stem = g_strdup (name);
  g_strdelimit (stem, "_", ' ');
  for (char *p = stem; *p != '\0'; p++)
    if (*p == '-' && p > stem && g_ascii_isalpha (p[-1]) && g_ascii_isalpha (p[1]))
      *p = ' ';
  return stem;
}

/* Scans @text (the file's name or caption) with the text detectors, like a
 * message; its findings carry the file's name and @where. */
static void
check_visible_text (TactProfile        *profile,
                    const TactOutgoing *outgoing,
                    const char         *text,
                    const char         *name,
                    const char         *where,
                    TactVerdict        *verdict)
{
  guint first = verdict->findings->len;

  tact_profile_scan_text (profile, outgoing, text, name, verdict);
  for (guint i = first; i < verdict->findings->len; i++)
    {
      TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (g_strcmp0 (finding->detector, TACT_GUARD_ERROR_DETECTOR) == 0)
        continue;
      g_free (finding->where);
      finding->where = g_strdup (where);
    }
}

/* The names of archive entries, at any depth, are text leaving the device
 * like the file's own name: "客户名单_2026.xlsx" inside a zip is scanned as
 * "客户名单-2026" (folders too), its findings carrying the entry's path. */
static void
check_entry_names (TactProfile                *profile,
                   const TactOutgoing         *outgoing,
                   const TactAttachmentReport *report,
                   TactVerdict                *verdict)
{
  if (report->entry_name != NULL)
    {
      g_autofree char *stem = name_stem (report->entry_name);

      g_strdelimit (stem, "/\\", ' ');
      check_visible_text (profile, outgoing, stem, report->path, "name", verdict);
    }
  for (guint i = 0; i < report->children->len; i++)
    check_entry_names (profile, outgoing, g_ptr_array_index (report->children, i), verdict);
}

/* TRUE once the check has failed closed: nothing after it counts. */
static gboolean
has_guard_error (const TactVerdict *verdict)
{
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);

      if (g_strcmp0 (finding->detector, TACT_GUARD_ERROR_DETECTOR) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The bytes to inspect: @attachment's data, or its file read once. With both
 * set they must agree, or the check would judge other bytes than the ones
 * sent. NULL with @reason set when the check must fail closed. */
static GBytes *
attachment_bytes (const TactAttachment  *attachment,
                  const char           **reason)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) file_bytes = NULL;

  *reason = NULL;
  if (attachment->path == NULL)
    return attachment->data != NULL ? g_bytes_ref (attachment->data) : NULL;

  mapped = g_mapped_file_new (attachment->path, FALSE, &error);
  if (mapped != NULL)
    file_bytes = g_mapped_file_get_bytes (mapped);
  else if (g_file_test (attachment->path, G_FILE_TEST_IS_REGULAR) &&
           g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_INVAL))
    file_bytes = g_bytes_new_static ("", 0);  /* empty files cannot be mapped on some systems */
  else
    {
      *reason = "attachment file could not be read";
      return NULL;
    }

  if (attachment->data != NULL && !g_bytes_equal (attachment->data, file_bytes))
    {
      *reason = "attachment path and data hold different bytes";
      return NULL;
    }
  return g_steal_pointer (&file_bytes);
}

void
tact_attachment_check (TactProfile        *profile,
                       const TactOutgoing *outgoing,
                       TactVerdict        *verdict)
{
  g_return_if_fail (TACT_IS_PROFILE (profile));
  g_return_if_fail (outgoing != NULL && verdict != NULL);

  for (guint a = 0; outgoing->attachments != NULL && a < outgoing->n_attachments &&
                    !has_guard_error (verdict); a++)
    {
      const TactAttachment *file = &outgoing->attachments[a];
      const char *name = file->name != NULL ? file->name : "attachment";
      g_autoptr(TactAttachmentReport) report = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *stem = NULL;
      const char *reason = NULL;

      bytes = attachment_bytes (file, &reason);
      if (bytes == NULL)
        {
          tact_verdict_add_guard_error (verdict, name,
                                        reason != NULL ? reason : "attachment has no content");
          continue;
        }
      report = tact_attachment_inspect (&(TactAttachment) { .name = file->name, .data = bytes },
                                        NULL, NULL);

      /* What the recipient reads before opening the file. */
      if (file->name != NULL)
        {
          stem = name_stem (file->name);
          check_visible_text (profile, outgoing, stem, name, "name", verdict);
        }
      if (file->caption != NULL && !has_guard_error (verdict))
        check_visible_text (profile, outgoing, file->caption, name, "caption", verdict);
      if (has_guard_error (verdict))
        break;

      for (guint r = 0; r < tact_profile_get_n_rules (profile); r++)
        {
          const TactRule *rule = tact_profile_get_rule (profile, r);

          if (!tact_profile_rule_applies (profile, rule, outgoing))
            continue;

          for (guint d = 0; d < rule->detectors->len; d++)
            {
              const TactDetector *detector = g_ptr_array_index (rule->detectors, d);
              const TactAttachmentReport *found = NULL;
              const char *matched = NULL;
              ReportPredicate predicate;

              switch ((int) detector->type)
                {
                case TACT_DETECTOR_CLASSIFICATION: predicate = has_level; break;
                case TACT_DETECTOR_FILE_TYPE:      predicate = has_file_type; break;
                case TACT_DETECTOR_UNINSPECTABLE:  predicate = is_uninspectable; break;
                default:                           predicate = NULL; break;
                }
              if (predicate == NULL ||
                  (found = report_find (report, predicate, detector, &matched)) == NULL)
                continue;

              tact_verdict_add_finding (verdict, rule, outgoing,
                                        tact_detector_type_to_string (detector->type),
                                        -1, -1, matched, TACT_CONFIDENCE_HIGH, found->path);
              break;  /* one finding per rule and attachment */
            }
        }

      check_text (profile, outgoing, report, verdict);
      check_entry_names (profile, outgoing, report, verdict);
    }
}
