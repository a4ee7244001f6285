/* tact-media-cache.h: an on-disk cache of downloaded Matrix media, with a size cap.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TACT_TYPE_MEDIA_CACHE (tact_media_cache_get_type ())
G_DECLARE_FINAL_TYPE (TactMediaCache, tact_media_cache, TACT, MEDIA_CACHE, GObject)

#define TACT_MEDIA_CACHE_DEFAULT_MAX_SIZE (G_GUINT64_CONSTANT (512) * 1024 * 1024)

/* @directory: NULL for $XDG_CACHE_HOME/tact/media. @max_size: the cap in bytes
 * (0: TACT_MEDIA_CACHE_DEFAULT_MAX_SIZE). The directory is created on first store. */
TactMediaCache *tact_media_cache_new           (const char     *directory,
                                                guint64         max_size);
const char     *tact_media_cache_get_directory (TactMediaCache *self);
guint64         tact_media_cache_get_max_size  (TactMediaCache *self);

/* All of these do file I/O: call them from a worker thread (they are thread-safe).
 *
 * Returns the cached bytes of @mxc_uri, or NULL on a miss. An entry that fails its
 * size or checksum check (truncated, corrupted) is deleted and reported as a miss.
 * A hit marks the entry as recently used. */
GBytes   *tact_media_cache_lookup     (TactMediaCache  *self,
                                       const char      *mxc_uri,
                                       char           **content_type);
/* Stores @data atomically (temporary file + rename), then evicts the least recently
 * used entries until the cache is within its cap. Data larger than the cap is not stored. */
gboolean  tact_media_cache_store      (TactMediaCache  *self,
                                       const char      *mxc_uri,
                                       const char      *content_type,
                                       GBytes          *data,
                                       GError         **error);
/* Total size of the entries on disk, in bytes. */
guint64   tact_media_cache_get_size   (TactMediaCache  *self);
/* The file an entry of @mxc_uri lives in (whether or not it exists). For tests. */
char     *tact_media_cache_get_entry_path (TactMediaCache *self,
                                           const char     *mxc_uri);

G_END_DECLS
