/* emb-source.c: opening a file or resource as bytes (files as guarded
 * mappings, see base/emb-mapped.c), handing pages back to the kernel once a
 * reader is done with them, and telling when a mapped file changed. */
#include "config.h"

#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "io/emb-source.h"
#include "base/emb-error.h"
#include "base/emb-mapped.h"

/* Defined by the compiled sample resource (data/sample.gresource.xml).
 * Referencing it also keeps the resource linked into the executable. */
extern GResource *emb_sample_get_resource (void);

/* public API */

void
emb_source_init (EmbSource  *src,
                 GBytes     *bytes,
                 const char *path,
                 const char *name)
{
  memset (src, 0, sizeof *src);
  src->path = path;
  src->name = name;
  src->bytes = bytes;
  src->data = g_bytes_get_data (bytes, &src->size);
}

gboolean
emb_source_is_resource (const char *path)
{
  return g_str_has_prefix (path, "resource://");
}

gboolean
emb_source_exists (const char *path)
{
  if (emb_source_is_resource (path))
    return g_resources_get_info (path + strlen ("resource://"), 0, NULL, NULL, NULL);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

GBytes *
emb_source_open_bytes (const char  *path,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  GBytes *bytes;
  GStatBuf st;
  gsize length;
  int fd, saved;

  if (emb_source_is_resource (path))
    {
      const char *rpath = path + strlen ("resource://");
      GResource *sample = emb_sample_get_resource ();

      bytes = g_resource_lookup_data (sample, rpath, 0, NULL);
      if (bytes == NULL)
        bytes = g_resources_lookup_data (rpath, 0, &local_error);
      if (bytes == NULL)
        emb_set_error_file (error, EMB_ERROR_IO, path, "no such resource");
      return bytes;
    }

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      emb_set_error_file (error, EMB_ERROR_IO, path, "%s", g_strerror (saved));
      return NULL;
    }
  if (S_ISDIR (st.st_mode))
    {
      emb_set_error_file (error, EMB_ERROR_IO, path, "is a folder, not a file");
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      emb_set_error_file (error, EMB_ERROR_IO, path, "is not a regular file");
      return NULL;
    }

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      emb_set_error_file (error, EMB_ERROR_IO, path, "cannot open: %s", g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || st.st_size == 0)
    {
      close (fd);
      return g_bytes_new (NULL, 0);
    }
  /* Read-only private mapping: nothing we do can write to the user's file,
   * and a file cut short under it reads as zeros, never kills us. */
  bytes = emb_mapped_new (fd, (gsize) st.st_size);
  saved = errno;
  close (fd);
  if (bytes == NULL && saved == EMFILE &&
      g_file_get_contents (path, &contents, &length, &local_error))
    bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  if (bytes == NULL)
    emb_set_error_file (error, EMB_ERROR_IO, path, "cannot read: %s",
                        local_error != NULL ? local_error->message : g_strerror (saved));
  return bytes;
}

gboolean
emb_source_check_unchanged (GBytes      *bytes,
                            const char  *name,
                            GError     **error)
{
  if (emb_mapped_is_intact (bytes))
    return TRUE;
  g_clear_error (error);
  emb_set_error_file (error, EMB_ERROR_CHANGED, name,
                      "changed on disk while it was read; open it again");
  return FALSE;
}

void
emb_source_release (const EmbSource *src,
                    gsize            from,
                    gsize            to)
{
  static gsize page = 0;
  guintptr base = (guintptr) src->data, lo, hi;

  if (!src->mapped || to <= from || to > src->size)
    return;
  if (page == 0)
    page = (gsize) sysconf (_SC_PAGESIZE);
  lo = (base + from + page - 1) / page * page;
  hi = (base + to) / page * page;
  if (hi > lo)
    madvise ((void *) lo, hi - lo, MADV_DONTNEED);
}
