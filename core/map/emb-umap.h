/* emb-umap.h: UMAP, the uniform manifold approximation and projection of
 * McInnes, Healy and Melville (2018), from a neighbour graph.
 *
 * The graph's distances become a fuzzy simplicial set (each row's
 * memberships exp (-(d - rho) / sigma), sigma found so that they sum to
 * log2 (n_neighbors), then the fuzzy union w + w^T - w w^T); the layout
 * starts from the spectral embedding of that set's normalised Laplacian
 * and is optimised by stochastic gradient descent on the fuzzy set cross
 * entropy against the curve 1 / (1 + a d^2b) fitted to min_dist and
 * spread, as umap-learn does.
 *
 * Conventions:
 *  - n_neighbors counts the point itself, as umap-learn: the graph's first
 *    n_neighbors - 1 neighbours are used.  With n <= n_neighbors rows it is
 *    lowered to n - 1 (umap-learn warns and does the same).
 *  - A graph that is not connected (after the weakest edges are dropped,
 *    those below max / n_epochs, as umap-learn) has no spectral
 *    embedding: the layout starts from fallback_init scaled to [-10, 10],
 *    or, without one, uniform in [-10, 10] from the seed.  So does a
 *    graph whose iterative eigensolver does not converge (or whose work
 *    does not fit in memory).  Whatever the start, each of its columns is
 *    then moved and scaled onto [0, 10] before the epochs, as umap-learn.
 *  - Fewer than 3 rows, dims other than 2 or 3, or a graph with fewer than
 *    n_neighbors - 1 neighbours per row are EMB_ERROR_INVALID.
 *  - The result is the same for the same graph, options, seed and thread
 *    count (see emb-umap-sgd.c for how the epochs share work; the epochs
 *    use at most one thread per 256 rows).
 */
#pragma once

#include <gio/gio.h>

#include "base/emb-progress.h"
#include "map/emb-knn-graph.h"
#include "map/emb-map.h"

G_BEGIN_DECLS

typedef struct
{
  guint   dims;                 /* 2 or 3 */
  guint   n_neighbors;          /* 15, counting the point itself */
  double  min_dist;             /* 0.1 */
  double  spread;               /* 1.0 */
  guint   n_epochs;             /* 0: 200 when n > 10000, else 500 */
  double  learning_rate;        /* 1.0 */
  guint   negative_sample_rate; /* 5 */
  guint64 seed;
  guint   n_threads;            /* 0: g_get_num_processors () */
  guint   frame_every;          /* frame every this many epochs (0: never) */
} EmbUmapOptions;

/* The defaults above (seed 0). */
void   emb_umap_options_init (EmbUmapOptions *options);

/* The n x dims layout of graph's rows (free with g_free), or NULL with
 * error: EMB_ERROR_INVALID for bad options or a graph too small for them,
 * EMB_ERROR_TOO_LARGE when memory runs short, G_IO_ERROR_CANCELLED when
 * cancelled (checked every epoch).  fallback_init (n x dims, may be NULL)
 * is the start when the spectral one is impossible, typically the PCA
 * coordinates.  frame gets the layout every frame_every epochs; progress
 * goes 0 .. 1 over the epochs. */
float *emb_umap_run (const EmbKnnGraph    *graph,
                     const float          *fallback_init,
                     const EmbUmapOptions *options,
                     EmbMapFrameFunc       frame,
                     gpointer              frame_data,
                     EmbProgressFunc       progress,
                     gpointer              progress_data,
                     GCancellable         *cancellable,
                     GError              **error);

G_END_DECLS
