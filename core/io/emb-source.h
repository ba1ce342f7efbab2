/* emb-source.h: the bytes a reader reads, and what it tells on the way.
 *
 * A source is a whole file as bytes (memory-mapped, or a resource), the
 * names it goes by, a cancellable to poll and a progress function to
 * report to.  Readers check every size they read against size before
 * touching data, poll the cancellable every few MB and report progress
 * after each poll that finds it not cancelled (so no report follows a
 * cancel).
 */
#pragma once

#include <gio/gio.h>

#include "base/emb-progress.h"

G_BEGIN_DECLS

typedef struct
{
  const char     *path;        /* for opening siblings; may be a resource path */
  const char     *name;        /* for messages: what the user typed */
  GBytes         *bytes;
  const guint8   *data;
  gsize           size;
  GCancellable   *cancellable;
  EmbProgressFunc progress;
  gpointer        progress_data;
  gboolean        mapped;      /* data is a private read-only file mapping */
} EmbSource;

/* A source over bytes; path and name are borrowed and must outlive it. */
void      emb_source_init       (EmbSource  *src,
                                 GBytes     *bytes,
                                 const char *path,
                                 const char *name);

static inline void
emb_source_progress (const EmbSource *src,
                     double           fraction)
{
  if (src->progress != NULL)
    src->progress (CLAMP (fraction, 0.0, 1.0), src->progress_data);
}

/* Tells the kernel the reader is done with data[from, to): the pages of a
 * mapped file leave the process's memory (they stay in the page cache and
 * come back if touched again), so reading a file bigger than the matrix it
 * holds does not double the peak memory.  Only whole pages inside the
 * range are released; a no-op for data that is not a mapped file. */
void      emb_source_release    (const EmbSource *src,
                                 gsize            from,
                                 gsize            to);

/* Opens a file or resource ("resource:///...") as bytes; a clear error
 * for a folder, an unreadable or missing file. */
GBytes   *emb_source_open_bytes (const char  *path,
                                 GError     **error);

/* TRUE when bytes are not a mapped file, or the file has not changed since
 * it was mapped.  Else FALSE with an EMB_ERROR_CHANGED error naming the
 * file, which replaces any error already set (what was read from a file
 * cut short is not worth reporting): call it after reading, whether the
 * read succeeded or not. */
gboolean  emb_source_check_unchanged (GBytes      *bytes,
                                      const char  *name,
                                      GError     **error);

/* Whether path names a resource ("resource:///..."). */
gboolean  emb_source_is_resource (const char *path);

/* Whether path is a regular file or an existing resource. */
gboolean  emb_source_exists     (const char *path);

G_END_DECLS
