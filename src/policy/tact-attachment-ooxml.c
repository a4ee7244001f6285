/* tact-attachment-ooxml.c: Office Open XML and OpenDocument files, and the
 * XML reading they share with PDF's XMP packets (FILE-1, FILE-3).
 *
 * A document is a zip: its parts are read through libarchive within the
 * inspection's limits, XML without network access or entity substitution.
 * Labels come from metadata (custom and core properties, meta.xml),
 * markings from headers and footers (Excel's codes stripped first); the
 * text of the body, notes, comments and slides is kept for the text
 * detectors, and embedded documents become child reports. See
 * docs/attachments.md.
 *
 * Nothing here logs file contents, labels or names of parts.
 */
#include "tact-attachment-private.h"

#include <string.h>

/* ------------------------------------------------------------------------- */
/* XML                                                                       */
/* ------------------------------------------------------------------------- */

xmlDoc *
tact_attachment_xml_parse (const GByteArray *bytes,
                           const char       *name)
{
  if (bytes->len == 0 || bytes->len > G_MAXINT)
    return NULL;
  /* No network, no entity substitution, no error output. */
  return xmlReadMemory ((const char *) bytes->data, (int) bytes->len, name, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                        XML_PARSE_NOCDATA);
}

static gboolean
local_name_is (const xmlNode *node,
               const char    *name)
{
  return node->type == XML_ELEMENT_NODE && g_str_equal ((const char *) node->name, name);
}

/* Text of the elements named @text_name (or of every text node when NULL),
 * with a line break after paragraphs, into @out. */
static void
xml_collect_text (const xmlNode *node,
                  const char    *text_name,
                  gboolean       inside,
                  GString       *out,
                  gsize          max)
{
  for (; node != NULL && out->len < max; node = node->next)
    {
      gboolean in = inside || (text_name != NULL && local_name_is (node, text_name));

      if (node->type == XML_TEXT_NODE && (text_name == NULL || inside) && node->content != NULL)
        g_string_append (out, (const char *) node->content);
      else if (node->type == XML_ELEMENT_NODE)
        {
          if (local_name_is (node, "tab") || local_name_is (node, "s"))
            g_string_append_c (out, ' ');
          xml_collect_text (node->children, text_name, in, out, max);
          if (local_name_is (node, "p") || local_name_is (node, "h") ||
              local_name_is (node, "si") || local_name_is (node, "br"))
            g_string_append_c (out, '\n');
          else if (local_name_is (node, "tc") || local_name_is (node, "c") ||
                   local_name_is (node, "table-cell"))
            g_string_append_c (out, '\t');
        }
    }
}

static char *
node_text (const xmlNode *node)
{
  xmlChar *content = xmlNodeGetContent ((xmlNode *) node);
  char *text = g_strdup ((const char *) content);

  xmlFree (content);
  return text;
}

static const char *
node_attr (const xmlNode *node,
           const char    *name)
{
  for (const xmlAttr *attr = node->properties; attr != NULL; attr = attr->next)
    if (g_str_equal ((const char *) attr->name, name) && attr->children != NULL)
      return (const char *) attr->children->content;
  return NULL;
}

/* Walks metadata XML (custom.xml, core.xml, meta.xml, XMP): properties named
 * like a classification become labels; title/subject/keywords-like elements
 * are checked for marking words and added to the text. */
void
tact_attachment_xml_scan_metadata (Ctx                  *ctx,
                                   TactAttachmentReport *report,
                                   const xmlNode        *node,
                                   const char           *where)
{
  static const char * const described[] = {
    "title", "subject", "keywords", "Keywords", "description", "category",
    "contentStatus", "Title", "Subject", NULL
  };

  for (; node != NULL; node = node->next)
    {
      const char *prop_name;

      if (node->type != XML_ELEMENT_NODE)
        continue;

      /* OOXML custom property / ODF user-defined: the name is an attribute. */
      prop_name = node_attr (node, "name");
      if (prop_name != NULL && (local_name_is (node, "property") || local_name_is (node, "user-defined")))
        {
          if (tact_attachment_is_classification_name (prop_name))
            {
              g_autofree char *value = node_text (node);
              g_autofree char *label_where = g_strdup_printf ("%s %s", where, prop_name);
              tact_attachment_add_label (report, value, label_where);
            }
          continue;
        }

      /* An element (core.xml, XMP) named like a classification. */
      if (tact_attachment_is_classification_name ((const char *) node->name))
        {
          g_autofree char *value = node_text (node);
          g_autofree char *label_where = g_strdup_printf ("%s %s", where, node->name);
          tact_attachment_add_label (report, value, label_where);
          continue;
        }

      /* XMP attribute form: <rdf:Description pdfx:Classification="…">. */
      for (const xmlAttr *attr = node->properties; attr != NULL; attr = attr->next)
        if (tact_attachment_is_classification_name ((const char *) attr->name) && attr->children != NULL)
          {
            g_autofree char *label_where = g_strdup_printf ("%s %s", where, attr->name);
            tact_attachment_add_label (report, (const char *) attr->children->content, label_where);
          }

      if (g_strv_contains (described, (const char *) node->name))
        {
          g_autofree char *value = node_text (node);
          g_autofree char *label_where = g_strdup_printf ("%s %s", where, node->name);

          tact_attachment_find_markings (report, value, label_where);
          tact_attachment_text_append (ctx, report, value, -1);
          tact_attachment_text_append (ctx, report, "\n", 1);
          continue;
        }

      tact_attachment_xml_scan_metadata (ctx, report, node->children, where);
    }
}

char *
tact_attachment_strip_header_codes (const char *text)
{
  GString *out;

  g_return_val_if_fail (text != NULL, NULL);
  out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p != '\0'; )
    {
      if (*p != '&')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      p++;
      switch (*p)
        {
        case '\0':
          g_string_append_c (out, '&');
          break;
        case '&':
          g_string_append_c (out, '&');
          p++;
          break;
        case 'L': case 'C': case 'R':
          g_string_append_c (out, '\n');
          p++;
          break;
        case 'P': case 'N': case 'D': case 'T': case 'F': case 'A': case 'G': case 'Z':
          /* Fields (&Z is the file's path). &P may carry an offset: &P+1. */
          g_string_append_c (out, ' ');
          if (*p++ == 'P' && (*p == '+' || *p == '-') && g_ascii_isdigit (p[1]))
            for (p++; g_ascii_isdigit (*p); p++)
              ;
          break;
        case 'B': case 'I': case 'U': case 'E': case 'S': case 'X': case 'Y':
        case 'O': case 'H':
          p++;
          break;
        case '"':
          /* &"font,style": up to the closing quote. */
          for (p++; *p != '\0' && *p != '"'; p++)
            ;
          if (*p == '"')
            p++;
          break;
        case 'K':
          {
            const char *q = p + 1;
            guint n = 0;

            /* RRGGBB, or a theme colour TT±SSS; tolerate one space before. */
            if (*q == ' ')
              q++;
            while (n < 6 && (g_ascii_isxdigit (q[n]) || (n == 2 && (q[n] == '+' || q[n] == '-'))))
              n++;
            p = n == 6 ? q + 6 : p + 1;
          }
          break;
        default:
          if (g_ascii_isdigit (*p))
            while (g_ascii_isdigit (*p))
              p++;   /* font size */
          else
            g_string_append_c (out, '&');   /* not a code: keep it */
          break;
        }
    }
  return g_string_free (out, FALSE);
}

/* Header/footer elements inside ODF styles.xml or xlsx worksheets. */
static void
xml_scan_headers (Ctx                  *ctx,
                  TactAttachmentReport *report,
                  const xmlNode        *node,
                  const char           *where)
{
  static const char * const names[] = {
    "header", "footer", "header-left", "footer-left", "header-first", "footer-first",
    "oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter", NULL
  };

  for (; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (g_strv_contains (names, (const char *) node->name))
        {
          g_autofree char *raw = node_text (node);
          g_autofree char *value = NULL;

          /* SpreadsheetML's headers carry Excel's codes; ODF's are plain text. */
          if (raw != NULL && (g_str_has_suffix ((const char *) node->name, "Header") ||
                              g_str_has_suffix ((const char *) node->name, "Footer")))
            value = tact_attachment_strip_header_codes (raw);
          else
            value = g_steal_pointer (&raw);

          tact_attachment_find_markings (report, value, where);
          tact_attachment_text_append (ctx, report, value, -1);
          tact_attachment_text_append (ctx, report, "\n", 1);
          continue;
        }
      xml_scan_headers (ctx, report, node->children, where);
    }
}

/* ------------------------------------------------------------------------- */
/* OOXML and ODF                                                             */
/* ------------------------------------------------------------------------- */

static void
set_str (char      **ptr,
         const char *str)
{
  g_free (*ptr);
  *ptr = g_strdup (str);
}

/* Which kind of zip this is, from its entry names (and ODF's mimetype). */
ZipKind
tact_attachment_zip_kind (Ctx          *ctx,
                          const guint8 *data,
                          gsize         len,
                          char        **doc_type)
{
  struct archive *a = tact_attachment_archive_open (data, len, TRUE);
  struct archive_entry *entry;
  ZipKind kind = ZIP_PLAIN;
  guint n = 0;

  if (a == NULL)
    return ZIP_PLAIN;
  while (n++ <= ctx->limits->max_entries && archive_read_next_header (a, &entry) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (entry);

      if (name == NULL)
        continue;
      if (g_str_equal (name, "[Content_Types].xml"))
        kind = ZIP_OOXML;
      else if (g_str_equal (name, "word/document.xml"))
        set_str (doc_type, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
      else if (g_str_equal (name, "xl/workbook.xml"))
        set_str (doc_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
      else if (g_str_equal (name, "ppt/presentation.xml"))
        set_str (doc_type, "application/vnd.openxmlformats-officedocument.presentationml.presentation");
      else if (g_str_equal (name, "mimetype") && !archive_entry_is_encrypted (entry))
        {
          char buf[128] = { 0 };
          la_ssize_t r = archive_read_data (a, buf, sizeof buf - 1);

          if (r > 0 && g_str_has_prefix (buf, "application/vnd.oasis.opendocument."))
            {
              buf[r] = '\0';
              g_strstrip (buf);
              set_str (doc_type, buf);
              kind = ZIP_ODF;
            }
        }
    }
  archive_read_free (a);
  if (kind == ZIP_OOXML && *doc_type == NULL)
    kind = ZIP_PLAIN;   /* an OPC package we do not know: treat as a plain zip */
  return kind;
}

static gboolean
part_matches (const char *name,
              const char *prefix,
              const char *suffix)
{
  return g_str_has_prefix (name, prefix) && g_str_has_suffix (name, suffix);
}

/* The body text of one part, appended to the report and checked for markings
 * when it is a header or footer. */
static void
document_part (Ctx                  *ctx,
               TactAttachmentReport *report,
               const char           *name,
               const GByteArray     *bytes)
{
  xmlDoc *doc = tact_attachment_xml_parse (bytes, name);
  const xmlNode *root;
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean header_footer = FALSE;

  if (doc == NULL)
    return;
  root = xmlDocGetRootElement (doc);

  if (g_str_equal (name, "docProps/custom.xml") || g_str_equal (name, "docProps/core.xml") ||
      g_str_equal (name, "meta.xml"))
    tact_attachment_xml_scan_metadata (ctx, report, root, name);
  else if (g_str_equal (name, "styles.xml"))
    xml_scan_headers (ctx, report, root, name);
  else if (g_str_equal (name, "content.xml"))
    xml_collect_text (root, NULL, FALSE, text, ctx->text_left + 1);
  else
    {
      /* Word parts: w:t; sharedStrings and sheets: t; slides: a:t */
      if (part_matches (name, "xl/worksheets/", ".xml"))
        xml_scan_headers (ctx, report, root, name);
      xml_collect_text (root, "t", FALSE, text, ctx->text_left + 1);
      header_footer = part_matches (name, "word/header", ".xml") ||
                      part_matches (name, "word/footer", ".xml");
    }

  if (header_footer)
    tact_attachment_find_markings (report, text->str, name);
  tact_attachment_text_append (ctx, report, text->str, text->len);
  if (text->len > 0)
    tact_attachment_text_append (ctx, report, "\n", 1);
  xmlFreeDoc (doc);
}

static gboolean
document_wants (ZipKind     kind,
                const char *name)
{
  if (kind == ZIP_ODF)
    return g_str_equal (name, "meta.xml") || g_str_equal (name, "content.xml") ||
           g_str_equal (name, "styles.xml");

  return g_str_equal (name, "docProps/custom.xml") || g_str_equal (name, "docProps/core.xml") ||
         g_str_equal (name, "word/document.xml") ||
         part_matches (name, "word/header", ".xml") || part_matches (name, "word/footer", ".xml") ||
         part_matches (name, "word/footnotes", ".xml") ||
         part_matches (name, "word/endnotes", ".xml") ||
         part_matches (name, "word/comments", ".xml") ||   /* review comments (w:comment) */
         g_str_equal (name, "xl/sharedStrings.xml") ||
         part_matches (name, "xl/worksheets/sheet", ".xml") ||
         part_matches (name, "ppt/slides/slide", ".xml") ||
         part_matches (name, "ppt/notesSlides/notesSlide", ".xml");
}

/* Documents embedded in an OOXML document (word/embeddings/…, xl/…, ppt/…):
 * inspected as children, one level deeper, within the same limits. */
static gboolean
is_embedding (const char *name)
{
  return g_str_has_prefix (name, "word/embeddings/") || g_str_has_prefix (name, "xl/embeddings/") ||
         g_str_has_prefix (name, "ppt/embeddings/");
}

void
tact_attachment_inspect_document (Ctx                  *ctx,
                                  TactAttachmentReport *report,
                                  ZipKind               kind,
                                  const guint8         *data,
                                  gsize                 len,
                                  guint                 depth)
{
  struct archive *a = tact_attachment_archive_open (data, len, TRUE);
  struct archive_entry *entry;
  int r;

  if (a == NULL)
    {
      tact_attachment_report_uninspectable (report, "damaged document");
      return;
    }

  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (entry);
      g_autoptr(GByteArray) bytes = NULL;

      if (ctx->entries++ >= ctx->limits->max_entries)
        {
          tact_attachment_report_uninspectable (report, "more than %u entries", ctx->limits->max_entries);
          break;
        }
      if (tact_attachment_entry_encrypted (a, entry))
        {
          tact_attachment_report_uninspectable (report, "encrypted document");
          break;
        }
      if (name != NULL && kind == ZIP_OOXML && is_embedding (name) &&
          archive_entry_filetype (entry) == AE_IFREG)
        {
          g_autofree char *child_path = NULL;

          if (depth + 1 > ctx->limits->max_depth)
            {
              tact_attachment_report_uninspectable (report, "documents nested more than %u deep",
                                    ctx->limits->max_depth);
              continue;
            }
          bytes = g_byte_array_new ();
          if (!tact_attachment_read_entry (ctx, a, report, G_MAXSIZE, bytes))
            break;
          child_path = g_strdup_printf ("%s/%s", report->path, name);
          g_ptr_array_add (report->children,
                           tact_attachment_inspect_data (ctx, child_path, bytes->data, bytes->len, depth + 1));
          if (tact_attachment_ctx_stopped (ctx))
            {
              tact_attachment_report_uninspectable (report, "%s", ctx->stop);
              break;
            }
          continue;
        }
      if (name == NULL || !document_wants (kind, name))
        continue;

      bytes = g_byte_array_new ();
      if (!tact_attachment_read_entry (ctx, a, report, TACT_ATTACHMENT_MAX_PART_SIZE, bytes))
        break;
      document_part (ctx, report, name, bytes);
    }
  if (r != ARCHIVE_OK && r != ARCHIVE_EOF)
    tact_attachment_report_uninspectable (report, "damaged document");
  archive_read_free (a);
}

