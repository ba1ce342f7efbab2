/* emb-projection-cache.h: maps kept on disk, so a file opened again shows
 * its t-SNE or UMAP at once.
 *
 * A map is stored under $XDG_CACHE_HOME/embedlens/maps/ in a file named
 * by the SHA-256 of its key: every file the table was read from (path,
 * size, modification time, inode), the tensor, the rows and columns, the
 * options, and the cache's version.  A file that changes gets a new key,
 * so a stale map is never shown; nothing is ever written beside the
 * user's files.
 */
#pragma once

#include "io/emb-dataset.h"
#include "map/emb-projection.h"

G_BEGIN_DECLS

/* The key of ds's map with options, or NULL when ds has no file on disk
 * to name it by. */
char          *emb_projection_cache_key  (const EmbDataset           *ds,
                                          const EmbProjectionOptions *options);

/* The map stored under key for n rows, or NULL: with no error when there
 * is none, with an error when the stored one cannot be read. */
EmbProjection *emb_projection_cache_load (const char *key,
                                          gsize       n,
                                          GError    **error);

gboolean       emb_projection_cache_save (const char          *key,
                                          const EmbProjection *projection,
                                          GError             **error);

G_END_DECLS
