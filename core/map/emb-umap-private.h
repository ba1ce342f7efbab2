/* emb-umap-private.h: the parts of UMAP (emb-umap*.c) shared between its
 * files and open to the tests: the fuzzy graph, the curve fit, the
 * spectral start, the epochs, and the seeded random streams. */
#pragma once

#include <gio/gio.h>

#include "base/emb-rng.h"
#include "map/emb-umap.h"

G_BEGIN_DECLS

/* A symmetric sparse graph in compressed rows: row i's neighbours are
 * col[row[i] .. row[i+1]), ascending, with weights w (all > 0). */
typedef struct
{
  gsize    n;
  gsize   *row;   /* n + 1 */
  guint32 *col;   /* row[n] */
  float   *w;     /* row[n] */
} UmapGraph;

/* A graph of n rows with room for nnz entries (row[] zeroed), or NULL. */
UmapGraph *umap_graph_new  (gsize    n,
                            gsize    nnz,
                            GError **error);
void       umap_graph_free (UmapGraph *graph);

/* For one row's count distances to its neighbours (ascending, itself not
 * among them) and k = n_neighbors: rho, the first nonzero distance (0 if
 * none), and sigma, found by bisection so that
 *   sum_j exp (-max (0, d_j - rho) / sigma) = log2 (k),
 * floored at 1e-3 times the row's mean distance (mean_dist, the graph's,
 * when rho is 0), as umap-learn. */
void   umap_smooth_row  (const float *dist,
                         guint        count,
                         guint        k,
                         double       mean_dist,
                         double      *rho,
                         double      *sigma);

/* exp (-max (0, d - rho) / sigma); 1 when sigma is 0. */
double umap_membership  (double d,
                         double rho,
                         double sigma);

/* The fuzzy union of two memberships: a + b - a b. */
static inline double
umap_fuzzy_union (double a,
                  double b)
{
  return a + b - a * b;
}

/* The symmetric fuzzy simplicial set of graph's first n_neighbors - 1
 * neighbours per row. */
UmapGraph *umap_fuzzy_graph (const EmbKnnGraph *graph,
                             guint              n_neighbors,
                             GError           **error);

/* Drops the entries below max (w) / n_epochs, in place. */
void   umap_graph_prune (UmapGraph *graph,
                         guint      n_epochs);

/* a and b of 1 / (1 + a x^2b) fitted by least squares (Levenberg-
 * Marquardt) to 1 for x < min_dist and exp (-(x - min_dist) / spread)
 * beyond, on 300 points of [0, 3 spread]. */
void   umap_fit_ab      (double  spread,
                         double  min_dist,
                         double *a,
                         double *b);

/* The number of connected components of graph in *n_components. */
gboolean umap_graph_components (const UmapGraph *graph,
                                gsize           *n_components,
                                GError         **error);

typedef enum
{
  UMAP_SPECTRAL_OK,
  UMAP_SPECTRAL_FAILED,  /* no embedding (no convergence, too few rows) */
  UMAP_SPECTRAL_ERROR,   /* error set (memory, cancelled) */
} UmapSpectralResult;

/* out (n x dims, row-major) = the unit eigenvectors of the eigenvalues
 * 2 .. dims + 1 (ascending) of I - D^-1/2 W D^-1/2 for a connected graph:
 * dense (LAPACKE_dsyevr) up to umap_spectral_dense_max () rows, else a
 * Chebyshev-filtered subspace iteration. */
UmapSpectralResult umap_spectral (const UmapGraph *graph,
                                  guint            dims,
                                  guint64          seed,
                                  GCancellable    *cancellable,
                                  double          *out,
                                  GError         **error);

/* The largest n for the dense eigensolver (for the tests). */
gsize  umap_spectral_dense_max     (void);
void   umap_spectral_set_dense_max (gsize n);

/* What the epochs need besides the graph and the layout. */
typedef struct
{
  guint            dims;
  guint            n_epochs;
  double           a;
  double           b;
  double           learning_rate;
  guint            negative_sample_rate;
  guint64          seed;
  guint            n_threads;        /* >= 1 */
  guint            frame_every;
  EmbMapFrameFunc  frame;
  gpointer         frame_data;
  EmbProgressFunc  progress;
  gpointer         progress_data;
  GCancellable    *cancellable;
} UmapSgdParams;

/* Runs the epochs on layout (n x dims) in place. */
gboolean umap_sgd (const UmapGraph     *graph,
                   float               *layout,
                   const UmapSgdParams *params,
                   GError             **error);

/* Random streams: base/emb-rng.h, one per (seed, epoch, thread). */

G_END_DECLS
