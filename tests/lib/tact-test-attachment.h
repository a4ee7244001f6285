/* tact-test-attachment.h: helpers of the attachment tests (tests/policy/test-attachments*.c). */
#pragma once

#include "policy/tact-attachment.h"
#include "policy/tact-policy.h"

G_BEGIN_DECLS

/* Writes @bytes to @dir/@name; the path, to free. */
char                 *tact_test_write_fixture         (const char *dir,
                                                       const char *name,
                                                       GBytes     *bytes);
/* The inspector's report for the file at @path, sent as @name. */
TactAttachmentReport *tact_test_inspect_path          (const char *path,
                                                       const char *name);
/* The shipped profile, from the source tree ($TACT_SOURCE_ROOT). */
TactProfile          *tact_test_load_default_profile  (void);
/* The shipped profile's verdict for one attachment (and no text) in a DM, with @external
 * people from outside. */
TactVerdict          *tact_test_check_attachment      (const char *path,
                                                       const char *name,
                                                       guint       external);
/* The first finding of rule @rule_id, or NULL. */
const TactFinding    *tact_test_find_rule             (const TactVerdict *verdict,
                                                       const char        *rule_id);

G_END_DECLS
