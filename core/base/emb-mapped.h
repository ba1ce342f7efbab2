/* emb-mapped.h: read-only file mappings that survive the file shrinking.
 *
 * Reading a page of a mapping that lies past the end of its file (another
 * program truncated it, as np.save does before it writes) raises SIGBUS,
 * which would kill the process.  A guarded mapping is registered with a
 * process-wide SIGBUS handler: a fault inside it puts zero pages in place
 * of the whole mapping, marks it damaged and lets the read go on.  Whoever
 * reads a guarded mapping asks emb_mapped_is_intact () after reading and
 * treats FALSE as "the file changed while it was read".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Maps size bytes of fd (size > 0) read-only and private, guarded; keeps a
 * duplicate of fd to notice later changes (the caller closes its own).
 * NULL with errno set when the mapping fails, or with errno EMFILE when
 * every guard slot is taken (then read the file instead). */
GBytes   *emb_mapped_new       (int     fd,
                                gsize   size);

/* FALSE when bytes lie inside a guarded mapping that took a fault, or whose
 * file has since changed size or modification time (its pages may then
 * hold other data than was first read); TRUE for every other GBytes. */
gboolean  emb_mapped_is_intact (GBytes *bytes);

G_END_DECLS
