/* emb-tsne.h: t-SNE of a neighbour graph, in 2 or 3 dimensions.
 *
 * As openTSNE and FIt-SNE do it: perplexity-calibrated affinities on the
 * graph's neighbours (the first min (k, 3 x perplexity) of each row),
 * symmetrised; a scaled init; gradient descent with early exaggeration,
 * momentum and per-coordinate gains.  The repulsion is exact up to 2000
 * rows; above, it is interpolated on a grid and convolved by FFT
 * (Linderman et al. 2019), except for 3-D layouts wider than the 3-D
 * grid resolves (extent above 20), which get Barnes-Hut (van der Maaten
 * 2014, theta 0.5).  Results depend only on the graph, the init and the
 * options (never on the thread count or timing).
 *
 * Conventions:
 * - Gradient without sklearn's factor 4 (as bhtsne, FIt-SNE, openTSNE):
 *   dC/dy_i = sum_j (p_ij - q_ij) w_ij (y_i - y_j), w = 1 / (1 + d^2).
 *   The default learning rate max (200, n / 12) is FIt-SNE's in that
 *   convention (sklearn's "auto", n / 12 / 4, with its factor 4, is the
 *   same step).  Steps are clipped to norm 5 per point (FIt-SNE,
 *   openTSNE).
 * - The Gaussian of the affinities takes the squared distance for
 *   EMB_METRIC_EUCLIDEAN and the distance itself for EMB_METRIC_COSINE
 *   (as sklearn does).
 * - The perplexity is not clamped: n must exceed 3 x perplexity and the
 *   graph's k must be at least the perplexity (3 x perplexity is best),
 *   else EMB_ERROR_INVALID says what the perplexity needs.
 */
#pragma once

#include <gio/gio.h>

#include "base/emb-progress.h"
#include "map/emb-knn-graph.h"
#include "map/emb-map.h"

G_BEGIN_DECLS

typedef struct
{
  guint   dims;                    /* 2 or 3 */
  double  perplexity;              /* 30 */
  guint   n_iterations;            /* 750, early exaggeration included */
  guint   exaggeration_iterations; /* 250 */
  double  exaggeration;            /* 12 */
  double  learning_rate;           /* <= 0: max (200, n / 12) */
  guint64 seed;                    /* for the random init (init == NULL) */
  guint   n_threads;               /* 0: g_get_num_processors () */
  guint   frame_every;             /* call frame every this many iterations (0: never) */
} EmbTsneOptions;

/* The defaults above. */
void   emb_tsne_options_init (EmbTsneOptions *options);

/* The n x dims layout of graph's rows (free with g_free), or NULL with
 * error (EMB_ERROR_INVALID for bad arguments, G_IO_ERROR_CANCELLED when
 * cancelled).  init (n x dims, say the first dims PCA coordinates) is
 * centred and scaled so its column 0 has standard deviation 1e-4 (every
 * column by the same factor); NULL, or an init whose columns are all
 * constant, starts from Gaussian noise of that standard deviation drawn
 * from options->seed.  frame gets the layout every frame_every
 * iterations, progress the fraction of iterations done; both run in the
 * calling thread. */
float *emb_tsne_run (const EmbKnnGraph    *graph,
                     const float          *init,
                     const EmbTsneOptions *options,
                     EmbMapFrameFunc       frame,
                     gpointer              frame_data,
                     EmbProgressFunc       progress,
                     gpointer              progress_data,
                     GCancellable         *cancellable,
                     GError              **error);

G_END_DECLS
