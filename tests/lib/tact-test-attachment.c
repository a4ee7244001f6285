/* tact-test-attachment.c: helpers of the attachment tests (tact-test-attachment.h). */
#include "tact-test-attachment.h"

char *
tact_test_write_fixture (const char *dir,
                         const char *name,
                         GBytes     *bytes)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return path;
}

TactAttachmentReport *
tact_test_inspect_path (const char *path,
                        const char *name)
{
  TactAttachment attachment = { name, path, NULL };
  return tact_attachment_inspect (&attachment, NULL, NULL);
}

TactProfile *
tact_test_load_default_profile (void)
{
  g_autoptr(GError) error = NULL;
  const char *root = g_getenv ("TACT_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root ? root : ".", "data", "profiles", "default.json", NULL);
  TactProfile *profile = tact_profile_new_from_file (path, &error);

  g_assert_no_error (error);
  return profile;
}

TactVerdict *
tact_test_check_attachment (const char *path,
                            const char *name,
                            guint       external)
{
  g_autoptr(TactProfile) profile = tact_test_load_default_profile ();
  TactAttachment attachment = { name, path, NULL };
  TactOutgoing outgoing = { NULL, external, external + 1, TACT_ROOM_KIND_DM, &attachment, 1 };

  return tact_profile_check (profile, &outgoing);
}

const TactFinding *
tact_test_find_rule (const TactVerdict *verdict,
                     const char        *rule_id)
{
  for (guint i = 0; i < verdict->findings->len; i++)
    {
      const TactFinding *finding = g_ptr_array_index (verdict->findings, i);
      if (g_str_equal (finding->rule_id, rule_id))
        return finding;
    }
  return NULL;
}
