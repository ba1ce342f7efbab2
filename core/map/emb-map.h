/* emb-map.h: what the non-linear maps (t-SNE, UMAP) share.
 *
 * A map optimises n points in 2 or 3 dimensions from a neighbour graph
 * (map/emb-knn-graph.h).  While it runs it shows its layout through a
 * frame callback every few iterations, so the app can animate it; the
 * callback runs in the working thread, gets the current layout (valid
 * only during the call) and may block there (to pause the run).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*EmbMapFrameFunc) (const float *layout,        /* n x dims */
                                 gsize        n,
                                 guint        dims,
                                 guint        iteration,     /* done, from 1 */
                                 guint        n_iterations,
                                 gpointer     user_data);

G_END_DECLS
