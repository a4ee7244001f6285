/* tact-attachment.h: inspecting a file before it is sent (FILE-1..4, EXT-4).
 *
 * An attachment is read from its content, never trusted by its name: the
 * true type is sniffed, Office (OOXML) and OpenDocument files are opened for
 * classification labels, header/footer markings and their text, PDFs for
 * their Info dictionary and XMP metadata, text files are decoded (UTF-8 or
 * GB18030), and archives are recursed within limits. Whatever cannot be read
 * safely (encrypted, too deep, too large, a zip bomb) is reported as
 * uninspectable rather than guessed at.
 *
 * Intra-module API of src/policy: the session and UI layers see attachments
 * only through TactOutgoing and the findings of tact_profile_check().
 * Nothing here logs file contents.
 */
#pragma once

#include "tact-policy-private.h"

G_BEGIN_DECLS

typedef struct {
  guint   max_depth;        /* nested archives (an archive at top level is depth 1) */
  guint   max_entries;      /* archive entries, all archives together */
  guint64 max_total_size;   /* bytes expanded from archives and documents, all together */
  guint   max_ratio;        /* expanded:compressed, per entry and overall */
  gsize   max_text;         /* bytes of extracted text kept, all reports together */
} TactAttachmentLimits;

#define TACT_ATTACHMENT_DEFAULT_MAX_DEPTH   3
#define TACT_ATTACHMENT_DEFAULT_MAX_ENTRIES 1000
#define TACT_ATTACHMENT_DEFAULT_MAX_TOTAL   (100 * 1024 * 1024)
#define TACT_ATTACHMENT_DEFAULT_MAX_RATIO   100
#define TACT_ATTACHMENT_DEFAULT_MAX_TEXT    (4 * 1024 * 1024)

void tact_attachment_limits_init (TactAttachmentLimits *limits);

/* A classification label or marking found in a file. */
typedef struct {
  char *text;    /* owned: the label's value ("Confidential") or the marking word ("机密") */
  char *where;   /* owned: where it was found ("docProps/custom.xml", "word/header1.xml") */
} TactAttachmentLabel;

typedef struct _TactAttachmentReport TactAttachmentReport;

struct _TactAttachmentReport {
  /* all owned */
  char      *path;            /* "outer.zip/inner/doc.docx" */
  char      *entry_name;      /* "inner/doc.docx" inside its archive; NULL at top level */
  char      *content_type;    /* from the content (GIO sniffing + magic numbers) */
  char      *extension_type;  /* from the name alone */
  gboolean   mismatch;        /* the content is not what the extension says */
  gboolean   executable;      /* a program or script, by content or by extension */
  GPtrArray *labels;          /* element-type TactAttachmentLabel */
  GString   *text;            /* extracted UTF-8 text, bounded; empty when none */
  gboolean   text_truncated;  /* the text budget ran out */
  char      *uninspectable;   /* why the file could not be inspected, or NULL */
  GPtrArray *children;        /* element-type TactAttachmentReport: archive entries */
};

void tact_attachment_report_free (TactAttachmentReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TactAttachmentReport, tact_attachment_report_free)

/* The text of a spreadsheet header or footer (SpreadsheetML oddHeader …)
 * without Excel's codes: sections (&L &C &R) become line breaks, fields
 * (&P &N &D &T &F &A &G) spaces; fonts (&"name,style", &nn), colours (&K
 * with 6 hex digits or a theme code like 01+000) and toggles (&B &I &U &E
 * &S &X &Y &O &H) go; "&&" is "&". "&CCONFIDENTIAL" gives "\nCONFIDENTIAL". */
char *tact_attachment_strip_header_codes (const char *text);

/* Blanks out, in place, lists of three or more classification levels
 * ("公开、内部、秘密、机密、绝密", "Public, Internal, Confidential and Secret"):
 * a document that explains the scheme (FILE-3) names every level without
 * being marked by any. Words outside such a list are left alone. Returns
 * the number of lists blanked. */
guint tact_attachment_mask_level_lists (char *text);

/* Never fails: problems are in the report. @limits may be NULL for the defaults. */
TactAttachmentReport *tact_attachment_inspect (const TactAttachment       *attachment,
                                               const TactAttachmentLimits *limits,
                                               GCancellable               *cancellable);

/* Adds to @verdict the findings of @profile's attachment detectors
 * (classification, file_type, uninspectable) for every attachment of
 * @outgoing, and those of its text detectors in each attachment's text, in
 * its name (without the extension), in the names of the entries of its
 * archives and in its caption. Findings carry the
 * attachment's name, where they were found ("content", "name", "caption")
 * and start = end = -1. A file that cannot be read, or whose path and data
 * differ, adds a guard error (tact_verdict_add_guard_error()). */
void tact_attachment_check (TactProfile        *profile,
                            const TactOutgoing *outgoing,
                            TactVerdict        *verdict);

G_END_DECLS
