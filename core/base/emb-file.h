/* emb-file.h: writing a whole file atomically.
 *
 * Every file EmbedLens writes (figures, CSV, projections) is assembled in
 * memory and handed here: it is written to a temporary file beside the
 * target and renamed over it when complete, so the target is never half
 * written and is left as it was on failure.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes len bytes of data to path, atomically (see above).  Errors are
 * EMB_ERROR_IO and name the path: a missing or read-only folder is said
 * as such. */
gboolean emb_file_write_atomically (const char  *path,
                                    const void  *data,
                                    gsize        len,
                                    GError     **error);

G_END_DECLS
