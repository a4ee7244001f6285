/* test-attachments.c: attachment inspection (FILE-1..4, EXT-4).
 *
 * Every fixture is generated here, at test time, into a temporary directory:
 * Office and OpenDocument files and archives with libarchive's writer, a PDF
 * by hand, an ELF program copied from /bin/true.
 */
#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <string.h>

#include "policy/tact-attachment.h"
#include "tact-test-attachment.h"
#include "tact-test-util.h"

static char *tmp_dir;

/* ------------------------------------------------------------------------- */
/* Fixture writers                                                           */
/* ------------------------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *data;   /* NUL-terminated, unless len is set */
  gsize       len;
} Entry;

static void
add_entry (struct archive *a,
           const char     *name,
           const void     *data,
           gsize           len)
{
  struct archive_entry *entry = archive_entry_new ();

  archive_entry_set_pathname (entry, name);
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0644);
  archive_entry_set_size (entry, len);
  g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
  if (len > 0)
    g_assert_cmpint (archive_write_data (a, data, len), ==, (la_ssize_t) len);
  archive_entry_free (entry);
}

/* A zip (or, with @format "tar.gz", a gzipped tar; "7z" a 7-Zip archive) in
 * memory. Returns NULL when @options are not supported by this libarchive. */
static GBytes *
make_archive (const Entry *entries,
              guint        n,
              const char  *format,
              const char  *options)
{
  struct archive *a = archive_write_new ();
  gsize size = 16 * 1024 * 1024, used = 0;
  guint8 *buf = g_malloc (size);

  if (g_strcmp0 (format, "tar.gz") == 0)
    {
      archive_write_set_format_pax_restricted (a);
      archive_write_add_filter_gzip (a);
    }
  else if (g_strcmp0 (format, "7z") == 0)
    archive_write_set_format_7zip (a);
  else
    archive_write_set_format_zip (a);
  if (options != NULL && archive_write_set_options (a, options) != ARCHIVE_OK)
    {
      archive_write_free (a);
      g_free (buf);
      return NULL;
    }
  if (options != NULL)
    archive_write_set_passphrase (a, "tact-test-passphrase");
  g_assert_cmpint (archive_write_open_memory (a, buf, size, &used), ==, ARCHIVE_OK);
  for (guint i = 0; i < n; i++)
    add_entry (a, entries[i].name, entries[i].data,
               entries[i].len ? entries[i].len : strlen (entries[i].data));
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
  return g_bytes_new_take (g_realloc (buf, MAX (used, 1)), used);
}


#define CT_DOCX "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"
#define W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""

static GBytes *
make_docx (const char *body,
           const char *custom_xml,
           const char *header_text)
{
  g_autofree char *document = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document " W_NS "><w:body>"
    "<w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>", body);
  g_autofree char *header = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:hdr " W_NS ">"
    "<w:p><w:r><w:t>%s</w:t></w:r></w:p></w:hdr>", header_text ? header_text : "");
  Entry entries[5];
  guint n = 0;

  entries[n++] = (Entry) { "[Content_Types].xml", CT_DOCX, 0 };
  entries[n++] = (Entry) { "word/document.xml", document, 0 };
  if (custom_xml != NULL)
    entries[n++] = (Entry) { "docProps/custom.xml", custom_xml, 0 };
  if (header_text != NULL)
    entries[n++] = (Entry) { "word/header1.xml", header, 0 };
  return make_archive (entries, n, NULL, NULL);
}

/* docProps/custom.xml with a sensitivity label named @label (OOXML). */
#define CUSTOM_LABEL(label) \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" \
  "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" " \
  "xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">" \
  "<property fmtid=\"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}\" pid=\"2\" " \
  "name=\"MSIP_Label_0f1e2d3c-aaaa-bbbb-cccc-1234567890ab_Name\"><vt:lpwstr>" label \
  "</vt:lpwstr></property></Properties>"


static TactAttachmentReport *
inspect_bytes (GBytes     *bytes,
               const char *name)
{
  TactAttachment attachment = { name, NULL, bytes };
  return tact_attachment_inspect (&attachment, NULL, NULL);
}




static gboolean
has_label (const TactAttachmentReport *report,
           const char                 *text,
           const char                 *where_prefix)
{
  for (guint i = 0; i < report->labels->len; i++)
    {
      const TactAttachmentLabel *label = g_ptr_array_index (report->labels, i);
      if (g_str_equal (label->text, text) && g_str_has_prefix (label->where, where_prefix))
        return TRUE;
    }
  return FALSE;
}

/* Depth first: any report in the tree uninspectable. */
static const TactAttachmentReport *
find_uninspectable (const TactAttachmentReport *report)
{
  if (report->uninspectable != NULL)
    return report;
  for (guint i = 0; i < report->children->len; i++)
    {
      const TactAttachmentReport *found = find_uninspectable (g_ptr_array_index (report->children, i));
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Office and OpenDocument                                                   */
/* ------------------------------------------------------------------------- */

static void
test_docx_msip_label (void)
{
  const char *custom =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" "
    "xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
    "<property fmtid=\"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}\" pid=\"2\" "
    "name=\"MSIP_Label_0f1e2d3c-aaaa-bbbb-cccc-1234567890ab_Enabled\"><vt:lpwstr>true</vt:lpwstr></property>"
    "<property fmtid=\"{D5CDD505-2E9C-101B-9397-08002B2CF9AE}\" pid=\"3\" "
    "name=\"MSIP_Label_0f1e2d3c-aaaa-bbbb-cccc-1234567890ab_Name\"><vt:lpwstr>Confidential</vt:lpwstr></property>"
    "</Properties>";
  g_autoptr(GBytes) bytes = make_docx ("Quarterly plan", custom, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "plan.docx", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "plan.docx");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "plan.docx", 0);
  const TactFinding *finding;

  g_assert_null (report->uninspectable);
  g_assert_false (report->mismatch);
  g_assert_false (report->executable);
  g_assert_true (g_str_has_suffix (report->content_type, "wordprocessingml.document"));
  g_assert_true (has_label (report, "Confidential", "docProps/custom.xml"));
  g_assert_nonnull (strstr (report->text->str, "Quarterly plan"));

  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
  finding = tact_test_find_rule (verdict, "file1-classified-attachment");
  g_assert_nonnull (finding);
  g_assert_cmpstr (finding->attachment, ==, "plan.docx");
  g_assert_cmpint (finding->start, ==, -1);
  g_assert_cmpint (finding->end, ==, -1);
  g_assert_cmpstr (finding->detector, ==, "classification");
  g_assert_nonnull (finding->alternative);
  g_assert_true (g_strv_contains ((const char * const *) finding->clauses, "FILE-1"));
}

static void
test_docx_header_marking (void)
{
  g_autoptr(GBytes) bytes = make_docx ("会议纪要", NULL, "机密 ★ 内部使用");
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "minutes.docx", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "minutes.docx");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "minutes.docx", 0);

  g_assert_null (report->uninspectable);
  g_assert_true (has_label (report, "机密", "word/header1.xml"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
  g_assert_nonnull (tact_test_find_rule (verdict, "file1-classified-attachment"));
}

static void
test_docx_clean (void)
{
  g_autoptr(GBytes) bytes = make_docx ("Lunch menu for Friday", NULL, "Page header");
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "menu.docx", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "menu.docx");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "menu.docx", 0);

  g_assert_null (report->uninspectable);
  g_assert_cmpuint (report->labels->len, ==, 0);
  g_assert_false (report->mismatch);
  g_assert_false (report->executable);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_ALLOW);
  g_assert_cmpuint (verdict->findings->len, ==, 0);
}

static void
test_xlsx_customer_list (void)
{
  const Entry entries[] = {
    { "[Content_Types].xml", CT_DOCX, 0 },
    { "xl/workbook.xml", "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>", 0 },
    { "xl/sharedStrings.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      "<si><t>客户名单</t></si><si><t>张三</t></si><si><t>13800138000</t></si></sst>", 0 },
    { "xl/worksheets/sheet1.xml",
      "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      "<sheetData/></worksheet>", 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "customers.xlsx", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "customers.xlsx");
  g_autoptr(TactVerdict) internal = tact_test_check_attachment (path, "customers.xlsx", 0);
  g_autoptr(TactVerdict) external = tact_test_check_attachment (path, "customers.xlsx", 1);
  const TactFinding *finding;

  g_assert_null (report->uninspectable);
  g_assert_true (g_str_has_suffix (report->content_type, "spreadsheetml.sheet"));
  g_assert_nonnull (strstr (report->text->str, "客户名单"));
  g_assert_false (report->mismatch);

  /* The text rules apply to the file's text, tagged with its name. */
  finding = tact_test_find_rule (internal, "pub1-secrets");
  g_assert_nonnull (finding);
  g_assert_cmpstr (finding->attachment, ==, "customers.xlsx");
  g_assert_cmpint (finding->start, ==, -1);
  g_assert_cmpint (internal->action, ==, TACT_ACTION_JUSTIFY);
  g_assert_cmpint (external->action, ==, TACT_ACTION_BLOCK);
}

static void
test_odt_user_defined (void)
{
  const Entry entries[] = {
    { "mimetype", "application/vnd.oasis.opendocument.text", 0 },
    { "meta.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
      "xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\"><office:meta>"
      "<meta:user-defined meta:name=\"密级\">秘密</meta:user-defined>"
      "</office:meta></office:document-meta>", 0 },
    { "content.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
      "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>"
      "<text:p>项目进度</text:p></office:text></office:body></office:document-content>", 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "进度.odt", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "进度.odt");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "进度.odt", 0);

  g_assert_null (report->uninspectable);
  g_assert_cmpstr (report->content_type, ==, "application/vnd.oasis.opendocument.text");
  g_assert_true (has_label (report, "秘密", "meta.xml 密级"));
  g_assert_nonnull (strstr (report->text->str, "项目进度"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
}

static void
test_encrypted_package (void)
{
  /* An OLE2 container as Office writes for a password-protected .docx. */
  static const char cfb[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" "\0\0\0\0"
                            "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
  g_autoptr(GBytes) bytes = g_bytes_new_static (cfb, sizeof cfb);
  g_autoptr(TactAttachmentReport) report = inspect_bytes (bytes, "salaries.xlsx");

  g_assert_nonnull (report->uninspectable);
  g_assert_false (report->mismatch);
}

/* ------------------------------------------------------------------------- */
/* PDF                                                                       */
/* ------------------------------------------------------------------------- */

static void
test_pdf_info_classification (void)
{
  const char *pdf =
    "%PDF-1.4\n"
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    "3 0 obj << /Title (Budget 2025) /Classification (Confidential) >> endobj\n"
    "trailer << /Root 1 0 R /Info 3 0 R >>\n%%EOF\n";
  const char *encrypted =
    "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    "trailer << /Root 1 0 R /Encrypt 5 0 R >>\n%%EOF\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (pdf, strlen (pdf));
  g_autoptr(GBytes) enc_bytes = g_bytes_new_static (encrypted, strlen (encrypted));
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "budget.pdf", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "budget.pdf");
  g_autoptr(TactAttachmentReport) enc_report = inspect_bytes (enc_bytes, "locked.pdf");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "budget.pdf", 0);

  g_assert_cmpstr (report->content_type, ==, "application/pdf");
  g_assert_null (report->uninspectable);
  g_assert_false (report->mismatch);
  g_assert_true (has_label (report, "Confidential", "PDF Info /Classification"));
  g_assert_nonnull (strstr (report->text->str, "Budget 2025"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);

  g_assert_nonnull (enc_report->uninspectable);
}

/* ------------------------------------------------------------------------- */
/* Archives                                                                  */
/* ------------------------------------------------------------------------- */

static void
test_encrypted_zip (void)
{
  const Entry entries[] = { { "secret.txt", "nothing to see", 0 } };
  g_autoptr(GBytes) bytes = make_archive (entries, 1, NULL, "zip:encryption=zipcrypt");
  g_autofree char *path = NULL;
  g_autoptr(TactAttachmentReport) report = NULL;
  g_autoptr(TactVerdict) verdict = NULL;

  if (bytes == NULL)
    {
      g_test_skip ("libarchive was built without zip encryption");
      return;
    }
  path = tact_test_write_fixture (tmp_dir, "locked.zip", bytes);
  report = tact_test_inspect_path (path, "locked.zip");
  verdict = tact_test_check_attachment (path, "locked.zip", 0);

  g_assert_nonnull (report->uninspectable);
  g_assert_nonnull (strstr (report->uninspectable, "encrypted"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_JUSTIFY);
  g_assert_nonnull (tact_test_find_rule (verdict, "file2-uninspectable-attachment"));
}

static void
test_nested_zip_too_deep (void)
{
  g_autoptr(GBytes) level = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TactAttachmentReport) report = NULL;
  g_autoptr(TactVerdict) verdict = NULL;
  const TactAttachmentReport *deep;

  /* d.zip ⊂ c.zip ⊂ b.zip ⊂ a.zip: four archives deep, one more than allowed. */
  {
    const Entry inner[] = { { "note.txt", "hello", 0 } };
    level = make_archive (inner, 1, NULL, NULL);
  }
  for (guint i = 0; i < 3; i++)
    {
      const char *names[] = { "d.zip", "c.zip", "b.zip" };
      Entry e = { names[i], g_bytes_get_data (level, NULL), g_bytes_get_size (level) };
      GBytes *outer = make_archive (&e, 1, NULL, NULL);

      g_bytes_unref (level);
      level = outer;
    }
  path = tact_test_write_fixture (tmp_dir, "a.zip", level);
  report = tact_test_inspect_path (path, "a.zip");
  verdict = tact_test_check_attachment (path, "a.zip", 0);

  deep = find_uninspectable (report);
  g_assert_nonnull (deep);
  g_assert_cmpstr (deep->path, ==, "a.zip/b.zip/c.zip/d.zip");
  g_assert_nonnull (strstr (deep->uninspectable, "nested"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_JUSTIFY);
}

static void
test_tar_gz_nested_label (void)
{
  g_autoptr(GBytes) docx = make_docx ("x", NULL, "TOP SECRET");
  const Entry entries[] = {
    { "docs/report.docx", g_bytes_get_data (docx, NULL), g_bytes_get_size (docx) },
    { "readme.txt", "see report", 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), "tar.gz", NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "bundle.tar.gz", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "bundle.tar.gz");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "bundle.tar.gz", 0);
  const TactAttachmentReport *child;
  const TactFinding *finding;

  g_assert_null (report->uninspectable);
  g_assert_false (report->mismatch);
  g_assert_cmpuint (report->children->len, ==, 2);
  child = g_ptr_array_index (report->children, 0);
  g_assert_cmpstr (child->path, ==, "bundle.tar.gz/docs/report.docx");
  g_assert_true (has_label (child, "top secret", "word/header1.xml"));

  finding = tact_test_find_rule (verdict, "file1-classified-attachment");
  g_assert_nonnull (finding);
  g_assert_cmpstr (finding->attachment, ==, "bundle.tar.gz/docs/report.docx");
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
}

static gsize
peak_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmHWM:")) == NULL)
    return 0;
  return g_ascii_strtoull (line + 6, NULL, 10);
}

static void
reset_peak_rss (void)
{
  /* "5" resets VmHWM to the current RSS (Linux ≥ 4.0); harmless elsewhere. */
  g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

static void
test_zip_bomb_one_entry (void)
{
  struct archive *a = archive_write_new ();
  struct archive_entry *entry = archive_entry_new ();
  g_autofree char *path = g_build_filename (tmp_dir, "zeros.zip", NULL);
  g_autofree guint8 *zeros = g_malloc0 (1024 * 1024);
  g_autoptr(TactAttachmentReport) report = NULL;
  g_autoptr(TactVerdict) verdict = NULL;
  gint64 start;
  gsize rss_before, rss_after;
  double seconds;

  /* 200 MB of zeros in one deflated entry (about 200 KB on disk). */
  archive_write_set_format_zip (a);
  g_assert_cmpint (archive_write_open_filename (a, path), ==, ARCHIVE_OK);
  archive_entry_set_pathname (entry, "zeros.bin");
  archive_entry_set_filetype (entry, AE_IFREG);
  archive_entry_set_perm (entry, 0644);
  archive_entry_set_size (entry, 200 * 1024 * 1024);
  g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
  for (guint i = 0; i < 200; i++)
    g_assert_cmpint (archive_write_data (a, zeros, 1024 * 1024), ==, 1024 * 1024);
  archive_entry_free (entry);
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
  g_clear_pointer (&zeros, g_free);

  reset_peak_rss ();
  rss_before = peak_rss_kb ();
  start = g_get_monotonic_time ();
  report = tact_test_inspect_path (path, "zeros.zip");
  seconds = (g_get_monotonic_time () - start) / 1e6;
  rss_after = peak_rss_kb ();
  g_test_message ("zip bomb (200 MB zeros, one entry): %.3f s, peak RSS %" G_GSIZE_FORMAT
                  " kB (+%" G_GSIZE_FORMAT " kB)", seconds, rss_after,
                  rss_after - MIN (rss_before, rss_after));

  g_assert_nonnull (report->uninspectable);
  g_assert_cmpfloat (seconds, <, 5.0);
  if (rss_before > 0)
    g_assert_cmpuint (rss_after - MIN (rss_before, rss_after), <, 64 * 1024);

  verdict = tact_test_check_attachment (path, "zeros.zip", 0);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_JUSTIFY);
}

static void
test_zip_bomb_many_entries (void)
{
  struct archive *a = archive_write_new ();
  g_autofree char *path = g_build_filename (tmp_dir, "many.zip", NULL);
  g_autoptr(TactAttachmentReport) report = NULL;
  gint64 start;
  double seconds;

  archive_write_set_format_zip (a);
  g_assert_cmpint (archive_write_open_filename (a, path), ==, ARCHIVE_OK);
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%05u.txt", i);
      add_entry (a, name, "x", 1);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);

  start = g_get_monotonic_time ();
  report = tact_test_inspect_path (path, "many.zip");
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("10,000 entries: %.3f s", seconds);

  g_assert_nonnull (report->uninspectable);
  g_assert_nonnull (strstr (report->uninspectable, "entries"));
  g_assert_cmpuint (report->children->len, <=, TACT_ATTACHMENT_DEFAULT_MAX_ENTRIES);
  g_assert_cmpfloat (seconds, <, 5.0);
}

/* ------------------------------------------------------------------------- */
/* Programs, scripts, text                                                   */
/* ------------------------------------------------------------------------- */

static void
test_elf_renamed_pdf (void)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TactAttachmentReport) report = NULL;
  g_autoptr(TactVerdict) internal = NULL;
  g_autoptr(TactVerdict) external = NULL;
  const TactFinding *finding;

  if (!g_file_get_contents ("/bin/true", &data, &len, NULL))
    {
      g_test_skip ("no /bin/true");
      return;
    }
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  path = tact_test_write_fixture (tmp_dir, "invoice.pdf", bytes);
  report = tact_test_inspect_path (path, "invoice.pdf");
  internal = tact_test_check_attachment (path, "invoice.pdf", 0);
  external = tact_test_check_attachment (path, "invoice.pdf", 2);

  g_assert_true (report->executable);
  g_assert_true (report->mismatch);
  g_assert_cmpstr (report->extension_type, ==, "application/pdf");
  g_assert_cmpstr (report->content_type, !=, "application/pdf");

  g_assert_nonnull (tact_test_find_rule (internal, "file4-type-mismatch"));
  finding = tact_test_find_rule (internal, "ext4-executable-attachment");
  g_assert_nonnull (finding);
  g_assert_cmpint (finding->action, ==, TACT_ACTION_WARN);
  g_assert_cmpint (internal->action, ==, TACT_ACTION_WARN);
  g_assert_cmpint (external->action, ==, TACT_ACTION_BLOCK);
}

static void
test_shell_script (void)
{
  const char *script = "#!/bin/sh\necho hello\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (script, strlen (script));
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "setup.sh", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "setup.sh");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "setup.sh", 0);

  g_assert_true (report->executable);
  g_assert_false (report->mismatch);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_WARN);
  g_assert_nonnull (tact_test_find_rule (verdict, "ext4-executable-attachment"));
}



static void
test_profile_errors (void)
{
  static const struct {
    const char *detector;
    const char *error;   /* NULL: valid */
  } cases[] = {
    { "{\"type\": \"classification\", \"levels\": [\"机密\"]}", NULL },
    { "{\"type\": \"classification\"}", "levels" },
    { "{\"type\": \"classification\", \"levels\": []}", "levels" },
    { "{\"type\": \"file_type\", \"executable\": true}", NULL },
    { "{\"type\": \"file_type\"}", "executable" },
    { "{\"type\": \"file_type\", \"mismatch\": \"yes\"}", "mismatch" },
    { "{\"type\": \"uninspectable\"}", NULL },
    { "{\"type\": \"uninspectable\", \"levels\": [\"x\"]}", "levels" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf (
        "{\"format\": 1, \"id\": \"t\", \"version\": \"1\","
        " \"name\": {\"en\": \"t\", \"zh_CN\": \"t\", \"zh_TW\": \"t\"},"
        " \"rules\": [{\"id\": \"r\", \"clauses\": [\"FILE-1\"],"
        " \"title\": {\"en\": \"t\", \"zh_CN\": \"t\", \"zh_TW\": \"t\"},"
        " \"explanation\": {\"en\": \"t\", \"zh_CN\": \"t\", \"zh_TW\": \"t\"},"
        " \"detectors\": [%s], \"action\": \"warn\"}]}", cases[i].detector);
      g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
      g_autoptr(GError) error = NULL;
      g_autoptr(TactProfile) profile = tact_profile_new_from_bytes (bytes, &error);

      if (cases[i].error == NULL)
        {
          g_assert_no_error (error);
          g_assert_nonnull (profile);
        }
      else
        {
          g_assert_null (profile);
          g_assert_nonnull (error);
          g_assert_nonnull (strstr (error->message, "detectors[0]"));
          g_assert_nonnull (strstr (error->message, cases[i].error));
        }
    }
}

/* Attachment detectors never fire on message text. */
static void
test_text_unaffected (void)
{
  g_autoptr(TactProfile) profile = tact_test_load_default_profile ();
  TactOutgoing outgoing = { "This file is confidential.exe", 0, 2, TACT_ROOM_KIND_DM, NULL, 0 };
  g_autoptr(TactVerdict) verdict = tact_profile_check (profile, &outgoing);

  g_assert_null (tact_test_find_rule (verdict, "file1-classified-attachment"));
  g_assert_null (tact_test_find_rule (verdict, "ext4-executable-attachment"));
  g_assert_null (tact_test_find_rule (verdict, "file2-uninspectable-attachment"));
}

/* ------------------------------------------------------------------------- */
/* More kinds: nested within the limits, renamed, 7z, pptx, ods, XMP          */
/* ------------------------------------------------------------------------- */

/* outer.zip ⊃ inner.zip ⊃ report.docx (labelled): within the depth limit, the
 * label is found and reported under the full path. */
static void
test_nested_zip_label (void)
{
  g_autoptr(GBytes) docx = make_docx ("Roadmap 2026", CUSTOM_LABEL ("Highly Confidential"), NULL);
  const Entry inner_entries[] = {
    { "report.docx", g_bytes_get_data (docx, NULL), g_bytes_get_size (docx) },
  };
  g_autoptr(GBytes) inner = make_archive (inner_entries, 1, NULL, NULL);
  const Entry outer_entries[] = {
    { "readme.txt", "see inside", 0 },
    { "inner.zip", g_bytes_get_data (inner, NULL), g_bytes_get_size (inner) },
  };
  g_autoptr(GBytes) outer = make_archive (outer_entries, G_N_ELEMENTS (outer_entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "outer.zip", outer);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "outer.zip");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "outer.zip", 0);
  const TactAttachmentReport *inner_report, *doc;
  const TactFinding *finding;
  g_autofree char *excerpt = NULL;

  g_assert_null (find_uninspectable (report));
  g_assert_cmpuint (report->children->len, ==, 2);
  inner_report = g_ptr_array_index (report->children, 1);
  g_assert_cmpstr (inner_report->path, ==, "outer.zip/inner.zip");
  g_assert_cmpuint (inner_report->children->len, ==, 1);
  doc = g_ptr_array_index (inner_report->children, 0);
  g_assert_cmpstr (doc->path, ==, "outer.zip/inner.zip/report.docx");
  g_assert_true (has_label (doc, "Highly Confidential", "docProps/custom.xml"));
  g_assert_nonnull (strstr (doc->text->str, "Roadmap 2026"));

  finding = tact_test_find_rule (verdict, "file1-classified-attachment");
  g_assert_nonnull (finding);
  g_assert_cmpstr (finding->attachment, ==, "outer.zip/inner.zip/report.docx");
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
  /* The label is shown, not masked (it is no sensitive text). */
  excerpt = tact_finding_dup_excerpt (finding);
  g_assert_cmpstr (excerpt, ==, "Highly Confidential");
}

/* A labelled docx renamed .pdf: the mismatch is reported and the label still
 * found (the content decides how it is read, not the name). */
static void
test_docx_renamed_pdf (void)
{
  g_autoptr(GBytes) bytes = make_docx ("Salaries", CUSTOM_LABEL ("Confidential"), NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "salaries.pdf", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "salaries.pdf");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "salaries.pdf", 0);
  const TactFinding *mismatch;

  g_assert_true (report->mismatch);
  g_assert_cmpstr (report->extension_type, ==, "application/pdf");
  g_assert_true (g_str_has_suffix (report->content_type, "wordprocessingml.document"));
  g_assert_true (has_label (report, "Confidential", "docProps/custom.xml"));
  g_assert_nonnull (tact_test_find_rule (verdict, "file1-classified-attachment"));
  mismatch = tact_test_find_rule (verdict, "file4-type-mismatch");
  g_assert_nonnull (mismatch);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
}

/* A 7z archive (libarchive writes it) with a marked text file inside. */
static void
test_7z_archive (void)
{
  g_autoptr(GBytes) docx = make_docx ("x", NULL, "绝密");
  const Entry entries[] = {
    { "plan/notes.txt", "这份机密报价单请勿外传\n", 0 },
    { "plan/spec.docx", g_bytes_get_data (docx, NULL), g_bytes_get_size (docx) },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), "7z", NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "plan.7z", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "plan.7z");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "plan.7z", 0);
  const TactAttachmentReport *notes, *spec;
  const TactFinding *finding;

  g_assert_null (find_uninspectable (report));
  g_assert_false (report->mismatch);
  g_assert_cmpuint (report->children->len, ==, 2);
  notes = g_ptr_array_index (report->children, 0);
  spec = g_ptr_array_index (report->children, 1);
  g_assert_cmpstr (notes->path, ==, "plan.7z/plan/notes.txt");
  g_assert_nonnull (strstr (notes->text->str, "机密报价单"));
  g_assert_true (has_label (spec, "绝密", "word/header1.xml"));
  finding = tact_test_find_rule (verdict, "pub1-secrets");
  g_assert_nonnull (finding);
  g_assert_cmpstr (finding->attachment, ==, "plan.7z/plan/notes.txt");
  finding = tact_test_find_rule (verdict, "file1-classified-attachment");
  g_assert_nonnull (finding);
  g_assert_cmpstr (finding->attachment, ==, "plan.7z/plan/spec.docx");
}

/* pptx: slide text (a:t) scanned, a label in custom.xml found. */
static void
test_pptx_slides (void)
{
  const Entry entries[] = {
    { "[Content_Types].xml", CT_DOCX, 0 },
    { "ppt/presentation.xml", "<?xml version=\"1.0\"?><p:presentation "
      "xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"/>", 0 },
    { "ppt/slides/slide1.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
      "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><p:cSld><p:spTree>"
      "<p:sp><p:txBody><a:p><a:r><a:t>新品路线图：报价单见附录</a:t></a:r></a:p></p:txBody></p:sp>"
      "</p:spTree></p:cSld></p:sld>", 0 },
    { "docProps/custom.xml", CUSTOM_LABEL ("内部"), 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "roadmap.pptx", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "roadmap.pptx");
  g_autoptr(TactVerdict) internal = tact_test_check_attachment (path, "roadmap.pptx", 0);
  g_autoptr(TactVerdict) external = tact_test_check_attachment (path, "roadmap.pptx", 1);
  const TactFinding *finding;
  g_autofree char *excerpt = NULL;

  g_assert_null (report->uninspectable);
  g_assert_false (report->mismatch);
  g_assert_true (g_str_has_suffix (report->content_type, "presentationml.presentation"));
  g_assert_nonnull (strstr (report->text->str, "新品路线图"));
  g_assert_true (has_label (report, "内部", "docProps/custom.xml"));
  g_assert_nonnull (tact_test_find_rule (internal, "pub1-secrets"));

  /* FILE-3: an internal file is fine among colleagues, justify with externals. */
  g_assert_null (tact_test_find_rule (internal, "file3-internal-attachment-external"));
  g_assert_null (tact_test_find_rule (internal, "file1-classified-attachment"));
  finding = tact_test_find_rule (external, "file3-internal-attachment-external");
  g_assert_nonnull (finding);
  g_assert_cmpint (finding->action, ==, TACT_ACTION_JUSTIFY);
  g_assert_true (g_strv_contains ((const char * const *) finding->clauses, "FILE-3"));
  excerpt = tact_finding_dup_excerpt (finding);
  g_assert_cmpstr (excerpt, ==, "内部");
}

/* ods: content.xml text, a meta.xml classification, an INTERNAL ONLY footer. */
static void
test_ods_spreadsheet (void)
{
  const Entry entries[] = {
    { "mimetype", "application/vnd.oasis.opendocument.spreadsheet", 0 },
    { "meta.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
      "xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\"><office:meta>"
      "<meta:user-defined meta:name=\"Classification\">Secret</meta:user-defined>"
      "</office:meta></office:document-meta>", 0 },
    { "content.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
      "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
      "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:spreadsheet>"
      "<table:table table:name=\"Q3\"><table:table-row><table:table-cell><text:p>季度营收</text:p>"
      "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
      "</office:document-content>", 0 },
    { "styles.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<office:document-styles xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
      "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" "
      "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:master-styles>"
      "<style:master-page><style:footer><text:p>INTERNAL ONLY</text:p></style:footer>"
      "</style:master-page></office:master-styles></office:document-styles>", 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "q3.ods", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "q3.ods");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "q3.ods", 1);

  g_assert_null (report->uninspectable);
  g_assert_false (report->mismatch);
  g_assert_cmpstr (report->content_type, ==, "application/vnd.oasis.opendocument.spreadsheet");
  g_assert_nonnull (strstr (report->text->str, "季度营收"));
  g_assert_true (has_label (report, "Secret", "meta.xml Classification"));
  g_assert_true (has_label (report, "internal only", "styles.xml"));
  g_assert_nonnull (tact_test_find_rule (verdict, "file1-classified-attachment"));
  g_assert_nonnull (tact_test_find_rule (verdict, "file3-internal-attachment-external"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
}

/* PDF with its classification only in the XMP packet (element and attribute
 * forms), none in the Info dictionary. */
static void
test_pdf_xmp_classification (void)
{
  const char *pdf =
    "%PDF-1.7\n"
    "1 0 obj << /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    "4 0 obj << /Type /Metadata /Subtype /XML /Length 400 >> stream\n"
    "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
    "<rdf:Description rdf:about=\"\" xmlns:pdfx=\"http://ns.adobe.com/pdfx/1.3/\" "
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" pdfx:Classification=\"机密\">"
    "<pdfx:SecurityClassification>Top Secret</pdfx:SecurityClassification>"
    "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>\n"
    "endstream endobj\n"
    "trailer << /Root 1 0 R >>\n%%EOF\n";
  g_autoptr(GBytes) bytes = g_bytes_new_static (pdf, strlen (pdf));
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "board.pdf", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "board.pdf");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "board.pdf", 0);

  g_assert_cmpstr (report->content_type, ==, "application/pdf");
  g_assert_null (report->uninspectable);
  g_assert_false (report->mismatch);
  g_assert_true (has_label (report, "机密", "PDF XMP"));
  g_assert_true (has_label (report, "Top Secret", "PDF XMP"));
  g_assert_nonnull (tact_test_find_rule (verdict, "file1-classified-attachment"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
}

/* With external people present the attachment rules are stricter
 * (action_if_external): uninspectable needs approval, a mismatch a reason.
 * Their excerpts show the reason and the content type, unmasked. */
static void
test_stricter_with_externals (void)
{
  const Entry entries[] = { { "secret.txt", "nothing to see", 0 } };
  g_autoptr(GBytes) locked = make_archive (entries, 1, NULL, "zip:encryption=zipcrypt");
  g_autoptr(GBytes) renamed = make_docx ("x", NULL, NULL);
  g_autofree char *renamed_path = tact_test_write_fixture (tmp_dir, "photo.png", renamed);
  g_autoptr(TactVerdict) renamed_internal = tact_test_check_attachment (renamed_path, "photo.png", 0);
  g_autoptr(TactVerdict) renamed_external = tact_test_check_attachment (renamed_path, "photo.png", 1);
  const TactFinding *finding;
  g_autofree char *excerpt = NULL;

  finding = tact_test_find_rule (renamed_internal, "file4-type-mismatch");
  g_assert_nonnull (finding);
  g_assert_cmpint (finding->action, ==, TACT_ACTION_WARN);
  finding = tact_test_find_rule (renamed_external, "file4-type-mismatch");
  g_assert_nonnull (finding);
  g_assert_cmpint (finding->action, ==, TACT_ACTION_JUSTIFY);
  excerpt = tact_finding_dup_excerpt (finding);
  g_assert_true (g_str_has_suffix (excerpt, "wordprocessingml.document"));

  if (locked == NULL)
    {
      g_test_skip ("libarchive was built without zip encryption");
      return;
    }
  {
    g_autofree char *path = tact_test_write_fixture (tmp_dir, "locked-ext.zip", locked);
    g_autoptr(TactVerdict) internal = tact_test_check_attachment (path, "locked-ext.zip", 0);
    g_autoptr(TactVerdict) external = tact_test_check_attachment (path, "locked-ext.zip", 1);
    g_autofree char *reason = NULL;

    finding = tact_test_find_rule (internal, "file2-uninspectable-attachment");
    g_assert_nonnull (finding);
    g_assert_cmpint (finding->action, ==, TACT_ACTION_JUSTIFY);
    reason = tact_finding_dup_excerpt (finding);
    g_assert_nonnull (strstr (reason, "encrypted"));
    g_assert_null (strstr (reason, "•••"));
    finding = tact_test_find_rule (external, "file2-uninspectable-attachment");
    g_assert_nonnull (finding);
    g_assert_cmpint (finding->action, ==, TACT_ACTION_APPROVE);
    g_assert_cmpstr (finding->approver, ==, "department_head");
  }
}

/* Found by fuzz-attachment: an archive entry (or a file) named in another
 * encoding gave a report path, and so a finding's attachment, that was not
 * UTF-8. Since issue 7 the name is scanned as text, and a name the guard
 * cannot read as text blocks the check (a guard error) rather than hide
 * "报价" from it. */
static void
test_name_not_utf8 (void)
{
  const char *text = "这份机密报价单";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(TactAttachmentReport) report = inspect_bytes (bytes, "\xb1\xa8\xbc\xdb.txt");  /* 报价 in GBK */
  g_autoptr(TactProfile) profile = tact_test_load_default_profile ();
  TactAttachment attachment = { "\xb1\xa8\xbc\xdb.txt", NULL, bytes };
  TactOutgoing outgoing = { NULL, 0, 2, TACT_ROOM_KIND_DM, &attachment, 1 };
  g_autoptr(TactVerdict) verdict = NULL;
  const TactFinding *finding;

  g_test_expect_message ("Tact-Policy", G_LOG_LEVEL_MESSAGE, "Policy check failed closed*");
  verdict = tact_profile_check (profile, &outgoing);
  g_test_assert_expected_messages ();
  finding = tact_test_find_rule (verdict, TACT_GUARD_ERROR_RULE);

  g_assert_true (g_utf8_validate (report->path, -1, NULL));
  g_assert_true (g_str_has_suffix (report->path, ".txt"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_BLOCK);
  g_assert_nonnull (finding);
  g_assert_null (finding->attachment);
}

/* Excel's header/footer codes stripped before markings are looked for. */
static void
test_header_codes (void)
{
  static const struct {
    const char *in;
    const char *out;
  } cases[] = {
    { "&CCONFIDENTIAL", "\nCONFIDENTIAL" },
    { "&L&\"Arial,Bold\"&K FF0000机密", "\n机密" },
    { "&L&\"Arial,Bold\"&KFF0000机密", "\n机密" },
    { "&R&K01+000&12绝密&B", "\n绝密" },
    { "&LPage &P of &N&R&D &T", "\nPage   of  \n   " },
    { "&P+1", " " },
    { "CON&BFIDEN&I&UTIAL", "CONFIDENTIAL" },
    { "R&&D &E&S&X&Y&O&H&A&F&G&Z", "R&D     " },
    { "AT&T", "AT " },
    { "50% & more &", "50% & more &" },
    { "&\"", "" },
    { "&K12", "12" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = tact_attachment_strip_header_codes (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static GBytes *
make_xlsx (const char *sheet_extra,
           const char *shared)
{
  g_autofree char *sheet = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<sheetData/>%s</worksheet>", sheet_extra);
  g_autofree char *strings = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<si><t>%s</t></si></sst>", shared);
  const Entry entries[] = {
    { "[Content_Types].xml", CT_DOCX, 0 },
    { "xl/workbook.xml", "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>", 0 },
    { "xl/sharedStrings.xml", strings, 0 },
    { "xl/worksheets/sheet1.xml", sheet, 0 },
  };

  return make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
}

/* Missed before: the marking sat straight behind Excel's codes. */
static void
test_xlsx_header_codes (void)
{
  static const char * const headers[] = {
    "<headerFooter><oddHeader>&amp;CCONFIDENTIAL</oddHeader></headerFooter>",
    "<headerFooter><oddFooter>&amp;L&amp;\"Arial,Bold\"&amp;KFF0000机密&amp;RPage &amp;P</oddFooter></headerFooter>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autoptr(GBytes) bytes = make_xlsx (headers[i], "Q3 figures");
      g_autofree char *path = tact_test_write_fixture (tmp_dir, "q3.xlsx", bytes);
      g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "q3.xlsx");
      g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "q3.xlsx", 0);

      g_assert_null (report->uninspectable);
      g_assert_true (has_label (report, i == 0 ? "confidential" : "机密", "xl/worksheets/sheet1.xml"));
      g_assert_nonnull (tact_test_find_rule (verdict, "file1-classified-attachment"));
    }
}

/* Wrongly flagged must not follow: codes alone are no marking. */
static void
test_xlsx_header_codes_clean (void)
{
  g_autoptr(GBytes) bytes = make_xlsx (
    "<headerFooter><oddHeader>&amp;L&amp;\"Arial,Bold\"Canteen menu&amp;RPage &amp;P of &amp;N</oddHeader>"
    "<oddFooter>&amp;C&amp;D &amp;T</oddFooter></headerFooter>", "Monday: noodles");
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "menu.xlsx", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "menu.xlsx");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "menu.xlsx", 0);

  g_assert_null (report->uninspectable);
  g_assert_cmpuint (report->labels->len, ==, 0);
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_ALLOW);
}

/* Missed before: review comments (word/comments.xml) were not read. */
static void
test_docx_comments (void)
{
  static const char comments[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:comments " W_NS ">"
    "<w:comment w:id=\"0\" w:author=\"Wang\"><w:p><w:r><w:t>底价 8.5 折，这是机密资料，别给经销商看</w:t></w:r></w:p></w:comment>"
    "</w:comments>";
  const Entry entries[] = {
    { "[Content_Types].xml", CT_DOCX, 0 },
    { "word/document.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document " W_NS "><w:body>"
      "<w:p><w:r><w:t>Price list draft</w:t></w:r></w:p></w:body></w:document>", 0 },
    { "word/comments.xml", comments, 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "draft.docx", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "draft.docx");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "draft.docx", 0);

  g_assert_null (report->uninspectable);
  g_assert_nonnull (strstr (report->text->str, "机密资料"));
  g_assert_nonnull (tact_test_find_rule (verdict, "pub1-secrets"));
}



/* Missed before: entries whose names are the secret, contents harmless. */
static void
test_zip_entry_names (void)
{
  static const char * const names[] = {
    "客户名单_2026.xlsx",
    "export/Customer List 2026.csv",
    "客户资料/readme.txt",
    "customer_list_2026.csv",                /* "_" and "-" between letters read as spaces */
    "old/customer-list.csv",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const Entry entries[] = {
        { "menu.txt", "Friday: noodles", 0 },
        { names[i], "hello", 0 },
      };
      g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
      g_autofree char *path = tact_test_write_fixture (tmp_dir, "bundle.zip", bytes);
      g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "bundle.zip", 0);
      const TactFinding *finding = tact_test_find_rule (verdict, "pub1-secrets");
      g_autofree char *expected = g_strdup_printf ("bundle.zip/%s", names[i]);

      g_test_message ("%s", names[i]);
      g_assert_nonnull (finding);
      g_assert_cmpstr (finding->attachment, ==, expected);
      g_assert_cmpstr (finding->where, ==, "name");
    }
}

/* Wrongly flagged must not follow: ordinary entry names pass. */
static void
test_zip_entry_names_clean (void)
{
  const Entry entries[] = {
    { "menu.txt", "Friday: noodles", 0 },
    { "photos/team_outing_2026.txt", "hello", 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "outing.zip", bytes);
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "outing.zip", 0);

  g_assert_cmpint (verdict->action, ==, TACT_ACTION_ALLOW);
  g_assert_cmpuint (verdict->findings->len, ==, 0);
}

/* A docx with @inner embedded as word/embeddings/@name. */
static GBytes *
make_docx_embedding (const char *body,
                     const char *name,
                     GBytes     *inner)
{
  g_autofree char *document = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document " W_NS "><w:body>"
    "<w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>", body);
  g_autofree char *entry_name = g_strdup_printf ("word/embeddings/%s", name);
  gsize len = 0;
  const char *data = g_bytes_get_data (inner, &len);
  const Entry entries[] = {
    { "[Content_Types].xml", CT_DOCX, 0 },
    { "word/document.xml", document, 0 },
    { entry_name, data, len },
  };

  return make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
}

/* Missed before: a marked document embedded in a harmless one. */
static void
test_docx_embedded (void)
{
  g_autoptr(GBytes) sheet = make_xlsx ("<headerFooter><oddHeader>&amp;CCONFIDENTIAL</oddHeader></headerFooter>",
                                       "Q3 margin");
  g_autoptr(GBytes) doc = make_docx ("会议纪要", NULL, "机密");
  g_autoptr(GBytes) with_sheet = make_docx_embedding ("See the table below", "Microsoft_Excel_Worksheet.xlsx", sheet);
  g_autoptr(GBytes) with_doc = make_docx_embedding ("See the attached minutes", "Microsoft_Word_Document.docx", doc);
  GBytes *outer[] = { with_sheet, with_doc };

  for (guint i = 0; i < G_N_ELEMENTS (outer); i++)
    {
      g_autofree char *path = tact_test_write_fixture (tmp_dir, "cover.docx", outer[i]);
      g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "cover.docx");
      g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "cover.docx", 0);
      const TactFinding *finding = tact_test_find_rule (verdict, "file1-classified-attachment");

      g_assert_null (find_uninspectable (report));
      g_assert_cmpuint (report->children->len, ==, 1);
      g_assert_nonnull (finding);
      g_assert_true (g_str_has_prefix (finding->attachment, "cover.docx/word/embeddings/"));
    }
}

/* Wrongly flagged must not follow: a clean embedding passes; nesting past
 * the depth limit is uninspectable, not ignored. */
static void
test_docx_embedded_clean_and_deep (void)
{
  g_autoptr(GBytes) inner = make_docx ("Lunch menu", NULL, "Page header");
  g_autoptr(GBytes) outer = make_docx_embedding ("Agenda", "Microsoft_Word_Document.docx", inner);
  g_autoptr(GBytes) outer2 = make_docx_embedding ("Agenda", "Microsoft_Word_Document.docx", outer);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "agenda.docx", outer);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "agenda.docx");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "agenda.docx", 0);
  TactAttachmentLimits limits;
  TactAttachment attachment = { "agenda2.docx", NULL, outer2 };
  g_autoptr(TactAttachmentReport) deep = NULL;

  g_assert_null (find_uninspectable (report));
  g_assert_cmpuint (report->children->len, ==, 1);
  g_assert_nonnull (strstr (((TactAttachmentReport *) g_ptr_array_index (report->children, 0))->text->str,
                            "Lunch menu"));
  g_assert_cmpint (verdict->action, ==, TACT_ACTION_ALLOW);

  tact_attachment_limits_init (&limits);
  limits.max_depth = 1;
  deep = tact_attachment_inspect (&attachment, &limits, NULL);
  g_assert_nonnull (find_uninspectable (deep));
}


/* Wrongly flagged before: a document explaining the scheme (FILE-3) named
 * every level. A real secret behind the explanation still flags. */
static void
test_docx_scheme_explained (void)
{
  g_autoptr(GBytes) scheme = make_docx (
    "信息分级说明：本公司信息分为公开、内部、秘密、机密、绝密五级，按 FILE-3 存放。"
    " Levels: Public, Internal, Confidential and Secret.", NULL, NULL);
  g_autoptr(GBytes) secret = make_docx (
    "信息分为公开、内部、机密三级。本文件为机密资料：底价 8.5 折。", NULL, NULL);
  g_autofree char *scheme_path = tact_test_write_fixture (tmp_dir, "分级说明.docx", scheme);
  g_autofree char *secret_path = tact_test_write_fixture (tmp_dir, "note.docx", secret);
  g_autoptr(TactVerdict) allowed = tact_test_check_attachment (scheme_path, "分级说明.docx", 0);
  g_autoptr(TactVerdict) flagged = tact_test_check_attachment (secret_path, "note.docx", 0);

  g_assert_cmpint (allowed->action, ==, TACT_ACTION_ALLOW);
  g_assert_cmpuint (allowed->findings->len, ==, 0);
  g_assert_nonnull (tact_test_find_rule (flagged, "pub1-secrets"));
}

/* Speaker notes in a pptx are read: the slide is harmless, the notes are not. */
static void
test_pptx_speaker_notes (void)
{
  const Entry entries[] = {
    { "[Content_Types].xml", CT_DOCX, 0 },
    { "ppt/presentation.xml", "<?xml version=\"1.0\"?><p:presentation "
      "xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"/>", 0 },
    { "ppt/slides/slide1.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
      "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><p:cSld><p:spTree>"
      "<p:sp><p:txBody><a:p><a:r><a:t>Welcome</a:t></a:r></a:p></p:txBody></p:sp>"
      "</p:spTree></p:cSld></p:sld>", 0 },
    { "ppt/notesSlides/notesSlide1.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<p:notes xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
      "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><p:cSld><p:spTree>"
      "<p:sp><p:txBody><a:p><a:r><a:t>别念出来：经销商底价 8.5 折</a:t></a:r></a:p></p:txBody></p:sp>"
      "</p:spTree></p:cSld></p:notes>", 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "welcome.pptx", bytes);
  g_autoptr(TactAttachmentReport) report = tact_test_inspect_path (path, "welcome.pptx");
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "welcome.pptx", 0);

  g_assert_null (report->uninspectable);
  g_assert_nonnull (strstr (report->text->str, "经销商底价"));
  g_assert_nonnull (tact_test_find_rule (verdict, "pub1-secrets"));
}

/* Zips written on Chinese Windows name entries in GBK without saying so. */
static void
test_zip_entry_name_gbk (void)
{
  g_autofree char *gbk = g_convert ("客户名单.txt", -1, "GBK", "UTF-8", NULL, NULL, NULL);
  const Entry entries[] = {
    { gbk, "hello", 0 },
  };
  g_autoptr(GBytes) bytes = make_archive (entries, G_N_ELEMENTS (entries), NULL, NULL);
  g_autofree char *path = tact_test_write_fixture (tmp_dir, "gbk.zip", bytes);
  g_autoptr(TactVerdict) verdict = tact_test_check_attachment (path, "gbk.zip", 0);
  const TactFinding *finding = tact_test_find_rule (verdict, "pub1-secrets");

  g_assert_nonnull (finding);
  g_assert_cmpstr (finding->where, ==, "name");
}



int
main (int   argc,
      char *argv[])
{
  int ret;

  g_setenv ("LANGUAGE", "en", TRUE);
  g_test_init (&argc, &argv, NULL);

  tmp_dir = tact_test_tmpdir_new ("tact-attach-XXXXXX");

  g_test_add_func ("/attachments/docx/msip-label", test_docx_msip_label);
  g_test_add_func ("/attachments/docx/header-marking", test_docx_header_marking);
  g_test_add_func ("/attachments/docx/clean", test_docx_clean);
  g_test_add_func ("/attachments/xlsx/customer-list", test_xlsx_customer_list);
  g_test_add_func ("/attachments/odt/user-defined", test_odt_user_defined);
  g_test_add_func ("/attachments/ooxml/encrypted-package", test_encrypted_package);
  g_test_add_func ("/attachments/pdf/info-classification", test_pdf_info_classification);
  g_test_add_func ("/attachments/zip/encrypted", test_encrypted_zip);
  g_test_add_func ("/attachments/zip/nested-too-deep", test_nested_zip_too_deep);
  g_test_add_func ("/attachments/tar-gz/nested-label", test_tar_gz_nested_label);
  g_test_add_func ("/attachments/security/zip-bomb-one-entry", test_zip_bomb_one_entry);
  g_test_add_func ("/attachments/security/zip-bomb-many-entries", test_zip_bomb_many_entries);
  g_test_add_func ("/attachments/exec/elf-renamed-pdf", test_elf_renamed_pdf);
  g_test_add_func ("/attachments/exec/shell-script", test_shell_script);
  g_test_add_func ("/attachments/profile/errors", test_profile_errors);
  g_test_add_func ("/attachments/profile/text-unaffected", test_text_unaffected);
  g_test_add_func ("/attachments/zip/nested-label", test_nested_zip_label);
  g_test_add_func ("/attachments/docx/renamed-pdf", test_docx_renamed_pdf);
  g_test_add_func ("/attachments/7z/archive", test_7z_archive);
  g_test_add_func ("/attachments/pptx/slides", test_pptx_slides);
  g_test_add_func ("/attachments/ods/spreadsheet", test_ods_spreadsheet);
  g_test_add_func ("/attachments/pdf/xmp-classification", test_pdf_xmp_classification);
  g_test_add_func ("/attachments/default/stricter-with-externals", test_stricter_with_externals);
  g_test_add_func ("/attachments/security/name-not-utf8", test_name_not_utf8);

  g_test_add_func ("/attachments/xlsx/header-codes/strip", test_header_codes);
  g_test_add_func ("/attachments/xlsx/header-codes/missed", test_xlsx_header_codes);
  g_test_add_func ("/attachments/xlsx/header-codes/clean", test_xlsx_header_codes_clean);
  g_test_add_func ("/attachments/docx/comments", test_docx_comments);
  g_test_add_func ("/attachments/zip/entry-names", test_zip_entry_names);
  g_test_add_func ("/attachments/zip/entry-names-clean", test_zip_entry_names_clean);
  g_test_add_func ("/attachments/docx/embedded", test_docx_embedded);
  g_test_add_func ("/attachments/docx/embedded-clean-and-deep", test_docx_embedded_clean_and_deep);
  g_test_add_func ("/attachments/docx/scheme-explained", test_docx_scheme_explained);
  g_test_add_func ("/attachments/pptx/speaker-notes", test_pptx_speaker_notes);
  g_test_add_func ("/attachments/zip/entry-name-gbk", test_zip_entry_name_gbk);

  ret = g_test_run ();
  tact_test_tmpdir_remove (tmp_dir);
  g_free (tmp_dir);
  return ret;
}
