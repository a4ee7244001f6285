/* tact-attachment-private.h: what tact-attachment.c and
 * tact-attachment-ooxml.c share. Not for use outside the attachment
 * inspector.
 */
#pragma once

#include "tact-attachment.h"

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

#define TACT_ATTACHMENT_MAX_PART_SIZE (32 * 1024 * 1024)

/* The state of one inspection, across nested archives and documents. */
typedef struct {
  const TactAttachmentLimits *limits;   /* borrowed */
  GCancellable               *cancellable;  /* borrowed, may be NULL */
  guint    entries;     /* archive entries seen, all archives */
  guint64  expanded;    /* bytes decompressed, all archives and documents */
  guint64  top_size;    /* size of the attachment itself */
  gsize    text_left;   /* extracted text budget */
  char    *stop;        /* owned: a limit that ends the whole inspection, or NULL */
} Ctx;

typedef enum {
  ZIP_PLAIN,
  ZIP_OOXML,
  ZIP_ODF,
} ZipKind;

/* tact-attachment.c */
gboolean              tact_attachment_ctx_stopped            (Ctx                  *ctx);
void                  tact_attachment_report_uninspectable   (TactAttachmentReport *report,
                                                              const char           *format,
                                                              ...) G_GNUC_PRINTF (2, 3);
void                  tact_attachment_text_append            (Ctx                  *ctx,
                                                              TactAttachmentReport *report,
                                                              const char           *text,
                                                              gssize                len);
void                  tact_attachment_add_label              (TactAttachmentReport *report,
                                                              const char           *text,
                                                              const char           *where);
void                  tact_attachment_find_markings          (TactAttachmentReport *report,
                                                              const char           *text,
                                                              const char           *where);
gboolean              tact_attachment_is_classification_name (const char           *name);
struct archive       *tact_attachment_archive_open           (const guint8         *data,
                                                              gsize                 len,
                                                              gboolean              zip_only);
gboolean              tact_attachment_read_entry             (Ctx                  *ctx,
                                                              struct archive       *a,
                                                              TactAttachmentReport *report,
                                                              gsize                 keep_max,
                                                              GByteArray           *out);
gboolean              tact_attachment_entry_encrypted        (struct archive       *a,
                                                              struct archive_entry *entry);
TactAttachmentReport *tact_attachment_inspect_data           (Ctx                  *ctx,
                                                              const char           *path,
                                                              const guint8         *data,
                                                              gsize                 len,
                                                              guint                 depth);

/* tact-attachment-ooxml.c */
xmlDoc               *tact_attachment_xml_parse              (const GByteArray     *bytes,
                                                              const char           *name);
void                  tact_attachment_xml_scan_metadata      (Ctx                  *ctx,
                                                              TactAttachmentReport *report,
                                                              const xmlNode        *node,
                                                              const char           *where);
ZipKind               tact_attachment_zip_kind               (Ctx                  *ctx,
                                                              const guint8         *data,
                                                              gsize                 len,
                                                              char                **doc_type);
void                  tact_attachment_inspect_document       (Ctx                  *ctx,
                                                              TactAttachmentReport *report,
                                                              ZipKind               kind,
                                                              const guint8         *data,
                                                              gsize                 len,
                                                              guint                 depth);

G_END_DECLS
