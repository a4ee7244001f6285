/* tact-media-cache.c: TactMediaCache, downloaded media on disk with an LRU size cap.
 *
 * One file per mxc URI, named after the SHA-256 of the URI (so server names and media
 * ids never become paths). Each file is a small header and the data:
 *
 *   TACTMEDIA1\n<content type>\n<data length>\n<sha256 of data>\n<data>
 *
 * Files are written to a temporary name and renamed into place (g_file_set_contents_full),
 * so a crash leaves either the old entry, no entry, or a stray temporary file that is never
 * read. Every lookup checks the length and checksum: a truncated or corrupted entry is
 * deleted and reported as a miss. "Recently used" is the file's mtime, set on every store
 * and hit (atime is unreliable under relatime/noatime).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <string.h>

#include <utime.h>

#include <glib/gstdio.h>

#include "tact-media-cache.h"

#define MAGIC          "TACTMEDIA1\n"
#define ENTRY_NAME_LEN 64    /* hex SHA-256 */

struct _TactMediaCache
{
  GObject  parent_instance;

  /* owned */
  char    *directory;
  /* settings */
  guint64  max_size;
  /* state */
  GMutex   lock;       /* serialises stores and evictions against lookups */
};

G_DEFINE_FINAL_TYPE (TactMediaCache, tact_media_cache, G_TYPE_OBJECT)

static void
tact_media_cache_finalize (GObject *object)
{
  TactMediaCache *self = TACT_MEDIA_CACHE (object);

  g_clear_pointer (&self->directory, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tact_media_cache_parent_class)->finalize (object);
}

static void
tact_media_cache_class_init (TactMediaCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tact_media_cache_finalize;
}

static void
tact_media_cache_init (TactMediaCache *self)
{
  g_mutex_init (&self->lock);
}

TactMediaCache *
tact_media_cache_new (const char *directory,
                      guint64     max_size)
{
  TactMediaCache *self = g_object_new (TACT_TYPE_MEDIA_CACHE, NULL);

  self->directory = directory != NULL
    ? g_strdup (directory)
    : g_build_filename (g_get_user_cache_dir (), "tact", "media", NULL);
  self->max_size = max_size != 0 ? max_size : TACT_MEDIA_CACHE_DEFAULT_MAX_SIZE;
  return self;
}

const char *
tact_media_cache_get_directory (TactMediaCache *self)
{
  g_return_val_if_fail (TACT_IS_MEDIA_CACHE (self), NULL);
  return self->directory;
}

guint64
tact_media_cache_get_max_size (TactMediaCache *self)
{
  g_return_val_if_fail (TACT_IS_MEDIA_CACHE (self), 0);
  return self->max_size;
}

char *
tact_media_cache_get_entry_path (TactMediaCache *self,
                                 const char     *mxc_uri)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (TACT_IS_MEDIA_CACHE (self), NULL);
  g_return_val_if_fail (mxc_uri != NULL, NULL);

  name = g_compute_checksum_for_string (G_CHECKSUM_SHA256, mxc_uri, -1);
  return g_build_filename (self->directory, name, NULL);
}

static gboolean
is_entry_name (const char *name)
{
  if (strlen (name) != ENTRY_NAME_LEN)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

/* Reads the next "\n"-terminated header line at *pos, or NULL. */
static char *
read_line (const char *data,
           gsize       len,
           gsize      *pos)
{
  const char *start = data + *pos;
  const char *nl = memchr (start, '\n', len - *pos);

  if (nl == NULL || nl - start > 1024)
    return NULL;
  *pos += (nl - start) + 1;
  return g_strndup (start, nl - start);
}

/* Checks an entry file's contents; on success returns its data and content type. */
static GBytes *
decode_entry (GBytes  *file,
              char   **content_type)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (file, &len);
  gsize pos = strlen (MAGIC);
  g_autofree char *type = NULL;
  g_autofree char *size_str = NULL;
  g_autofree char *checksum = NULL;
  g_autofree char *actual = NULL;
  guint64 size = 0;

  if (len < pos || memcmp (data, MAGIC, pos) != 0)
    return NULL;
  if ((type = read_line (data, len, &pos)) == NULL ||
      (size_str = read_line (data, len, &pos)) == NULL ||
      (checksum = read_line (data, len, &pos)) == NULL)
    return NULL;
  if (!g_ascii_string_to_unsigned (size_str, 10, 0, G_MAXSIZE, &size, NULL) ||
      size != len - pos)
    return NULL;

  actual = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data + pos, size);
  if (!g_str_equal (actual, checksum))
    return NULL;

  if (content_type != NULL)
    *content_type = *type != '\0' ? g_steal_pointer (&type) : NULL;
  return g_bytes_new_from_bytes (file, pos, size);
}

GBytes *
tact_media_cache_lookup (TactMediaCache  *self,
                         const char      *mxc_uri,
                         char           **content_type)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) file = NULL;
  GBytes *data;
  gsize len = 0;

  g_return_val_if_fail (TACT_IS_MEDIA_CACHE (self), NULL);
  g_return_val_if_fail (mxc_uri != NULL, NULL);

  if (content_type != NULL)
    *content_type = NULL;

  path = tact_media_cache_get_entry_path (self, mxc_uri);

  g_mutex_lock (&self->lock);
  if (!g_file_get_contents (path, &contents, &len, NULL))
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }

  file = g_bytes_new_take (g_steal_pointer (&contents), len);
  data = decode_entry (file, content_type);
  if (data == NULL)
    {
      /* Truncated or corrupted: never served, and gone so it is fetched again. */
      g_debug ("Media cache: dropping a damaged entry (%zu bytes)", len);
      g_unlink (path);
    }
  else
    g_utime (path, NULL);   /* most recently used */
  g_mutex_unlock (&self->lock);

  return data;
}

typedef struct {
  char   *path;    /* owned */
  gint64  mtime;   /* µs */
  goffset size;
} Entry;

static void
entry_free (Entry *entry)
{
  g_free (entry->path);
  g_free (entry);
}

static gint
entry_compare_oldest_first (gconstpointer a,
                            gconstpointer b)
{
  const Entry *ea = *(const Entry * const *) a;
  const Entry *eb = *(const Entry * const *) b;

  if (ea->mtime != eb->mtime)
    return ea->mtime < eb->mtime ? -1 : 1;
  return g_strcmp0 (ea->path, eb->path);
}

/* Lists the entries (not temporary files) with their sizes; lock held. */
static GPtrArray *
list_entries (TactMediaCache *self,
              guint64        *total)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_autoptr(GDir) dir = g_dir_open (self->directory, 0, NULL);
  const char *name;

  *total = 0;
  if (dir == NULL)
    return entries;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      GStatBuf st;
      Entry *entry;
      g_autofree char *path = NULL;

      if (!is_entry_name (name))
        continue;
      path = g_build_filename (self->directory, name, NULL);
      if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;

      entry = g_new0 (Entry, 1);
      entry->path = g_steal_pointer (&path);
      entry->mtime = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
      entry->size = st.st_size;
      *total += st.st_size;
      g_ptr_array_add (entries, entry);
    }

  return entries;
}

guint64
tact_media_cache_get_size (TactMediaCache *self)
{
  g_autoptr(GPtrArray) entries = NULL;
  guint64 total;

  g_return_val_if_fail (TACT_IS_MEDIA_CACHE (self), 0);

  g_mutex_lock (&self->lock);
  entries = list_entries (self, &total);
  g_mutex_unlock (&self->lock);
  return total;
}

/* Deletes least recently used entries until the total fits the cap; lock held. */
static void
evict (TactMediaCache *self)
{
  guint64 total;
  g_autoptr(GPtrArray) entries = list_entries (self, &total);

  if (total <= self->max_size)
    return;

  g_ptr_array_sort (entries, entry_compare_oldest_first);
  for (guint i = 0; i < entries->len && total > self->max_size; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      if (g_unlink (entry->path) == 0 || errno == ENOENT)
        total -= MIN ((guint64) entry->size, total);
    }
}

gboolean
tact_media_cache_store (TactMediaCache  *self,
                        const char      *mxc_uri,
                        const char      *content_type,
                        GBytes          *data,
                        GError         **error)
{
  g_autofree char *path = NULL;
  g_autofree char *checksum = NULL;
  g_autofree char *header = NULL;
  g_autofree char *contents = NULL;
  gsize data_len = 0;
  const guchar *bytes;
  gsize header_len;
  gboolean ok;

  g_return_val_if_fail (TACT_IS_MEDIA_CACHE (self), FALSE);
  g_return_val_if_fail (mxc_uri != NULL && data != NULL, FALSE);

  bytes = g_bytes_get_data (data, &data_len);
  checksum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, data_len);
  /* A content type cannot break the header: keep it to one line. */
  header = g_strdup_printf (MAGIC "%s\n%zu\n%s\n",
                            content_type != NULL && strpbrk (content_type, "\r\n") == NULL
                              ? content_type : "",
                            data_len, checksum);
  header_len = strlen (header);

  if (header_len + data_len > self->max_size)
    return TRUE;   /* would evict everything else and itself: not cached */

  contents = g_malloc (header_len + data_len);
  memcpy (contents, header, header_len);
  if (data_len > 0)
    memcpy (contents + header_len, bytes, data_len);

  path = tact_media_cache_get_entry_path (self, mxc_uri);

  g_mutex_lock (&self->lock);
  ok = g_mkdir_with_parents (self->directory, 0700) == 0;
  if (!ok)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create the media cache directory: %s", g_strerror (saved));
    }
  else
    ok = g_file_set_contents_full (path, contents, header_len + data_len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  if (ok)
    evict (self);
  g_mutex_unlock (&self->lock);

  return ok;
}
