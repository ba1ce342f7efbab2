/* emb-alloc.c: checked allocations for sizes that come from input. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"

/* A "Key:   N kB" field of /proc/meminfo in bytes, 0 when absent. */
static guint64
meminfo_field (const char *text,
               const char *key)
{
  const char *p = strstr (text, key);

  if (p == NULL)
    return 0;
  return g_ascii_strtoull (p + strlen (key), NULL, 10) * 1024;
}

/* What RLIMIT_AS leaves of the address space, G_MAXUINT64 when unlimited. */
static guint64
address_space_left (void)
{
  struct rlimit limit;
  g_autofree char *statm = NULL;
  guint64 pages, used;

  if (getrlimit (RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return G_MAXUINT64;
  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    return G_MAXUINT64;
  pages = g_ascii_strtoull (statm, NULL, 10);
  used = pages * (guint64) sysconf (_SC_PAGESIZE);
  return used < limit.rlim_cur ? limit.rlim_cur - used : 0;
}

guint64
emb_memory_available (void)
{
  g_autofree char *text = NULL;
  guint64 avail = G_MAXUINT64;

  if (g_file_get_contents ("/proc/meminfo", &text, NULL, NULL))
    {
      guint64 mem = meminfo_field (text, "MemAvailable:");
      if (mem > 0)
        avail = mem + meminfo_field (text, "SwapFree:");
    }
  return MIN (avail, address_space_left ());
}

static void
set_too_large (GError    **error,
               guint64     bytes,
               guint64     avail,
               const char *what)
{
  g_autofree char *need = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);

  if (avail == G_MAXUINT64)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "%s needs %s of memory, which is not available", what, need);
    }
  else
    {
      g_autofree char *have = g_format_size_full (avail, G_FORMAT_SIZE_IEC_UNITS);
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "%s needs %s of memory; %s is available", what, need, have);
    }
}

gboolean
emb_memory_check (guint64      bytes,
                  const char  *what,
                  GError     **error)
{
  guint64 avail = emb_memory_available ();

  if (bytes <= avail)
    return TRUE;
  set_too_large (error, bytes, avail, what);
  return FALSE;
}

/* n * size, checked for overflow and against the memory available. */
static gboolean
checked_size (gsize        n,
              gsize        size,
              const char  *what,
              gsize       *bytes,
              GError     **error)
{
  if (!emb_size_mul (n, size, bytes))
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "%s needs %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " bytes, more than the address space", what, n, size);
      return FALSE;
    }
  return emb_memory_check (*bytes, what, error);
}

static gpointer
try_alloc (gsize        n,
           gsize        size,
           gboolean     zero,
           const char  *what,
           GError     **error)
{
  gsize bytes;
  gpointer p;

  if (!checked_size (n, size, what, &bytes, error))
    return NULL;
  p = zero ? g_try_malloc0 (MAX (bytes, 1)) : g_try_malloc (MAX (bytes, 1));
  if (p == NULL)
    set_too_large (error, bytes, G_MAXUINT64, what);
  return p;
}

gpointer
emb_try_alloc (gsize        n,
               gsize        size,
               const char  *what,
               GError     **error)
{
  return try_alloc (n, size, FALSE, what, error);
}

gpointer
emb_try_alloc0 (gsize        n,
                gsize        size,
                const char  *what,
                GError     **error)
{
  return try_alloc (n, size, TRUE, what, error);
}

gpointer
emb_try_alloc_aligned (gsize        align,
                       gsize        n,
                       gsize        size,
                       const char  *what,
                       GError     **error)
{
  gsize bytes;
  gpointer p;

  g_return_val_if_fail (align > 0 && (align & (align - 1)) == 0, NULL);

  if (!checked_size (n, size, what, &bytes, error))
    return NULL;
  /* aligned_alloc wants a non-zero multiple of the alignment. */
  if (bytes > G_MAXSIZE - align)
    {
      set_too_large (error, bytes, G_MAXUINT64, what);
      return NULL;
    }
  bytes = MAX ((bytes + align - 1) / align * align, align);
  p = aligned_alloc (align, bytes);
  if (p == NULL)
    set_too_large (error, bytes, G_MAXUINT64, what);
  return p;
}
