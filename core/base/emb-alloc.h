/* emb-alloc.h: allocations whose size comes from input, checked.
 *
 * Every buffer sized by a file or an argument goes through here, so a size
 * that overflows, exceeds the memory the kernel can give, or is refused by
 * malloc (an address-space limit) becomes an EMB_ERROR_TOO_LARGE that names
 * what was being allocated and both sizes, never an abort.  With
 * overcommit a too-big malloc succeeds and the process is killed later
 * while filling it, hence the check against what is available up front.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes this process can still get: the smaller of the kernel's
 * MemAvailable plus free swap and what the address-space limit
 * (RLIMIT_AS) leaves; G_MAXUINT64 when neither is known. */
guint64  emb_memory_available (void);

/* FALSE with EMB_ERROR_TOO_LARGE ("WHAT needs N of memory; M is
 * available") when bytes is more than emb_memory_available(). */
gboolean emb_memory_check     (guint64      bytes,
                               const char  *what,
                               GError     **error);

/* n * size bytes from g_try_malloc (uninitialised) or g_try_malloc0,
 * after the overflow and memory checks; NULL with the error set.  A zero
 * size gives a valid pointer to free with g_free. */
gpointer emb_try_alloc        (gsize        n,
                               gsize        size,
                               const char  *what,
                               GError     **error);
gpointer emb_try_alloc0       (gsize        n,
                               gsize        size,
                               const char  *what,
                               GError     **error);

/* The same for memory aligned to `align` (a power of two), freed with
 * free(). */
gpointer emb_try_alloc_aligned (gsize        align,
                                gsize        n,
                                gsize        size,
                                const char  *what,
                                GError     **error);

#define emb_try_new(type, n, what, error) \
  ((type *) emb_try_alloc ((n), sizeof (type), (what), (error)))
#define emb_try_new0(type, n, what, error) \
  ((type *) emb_try_alloc0 ((n), sizeof (type), (what), (error)))

G_END_DECLS
