/* emb-tsne-private.h: what the t-SNE files share, and what the tests see.
 *
 * emb-tsne.c checks the arguments and runs the descent;
 * emb-tsne-affinity.c calibrates the perplexity and symmetrises P;
 * emb-tsne-forces.c holds the threads, the attraction and the exact
 * repulsion; emb-tsne-fft.c the interpolated (FFT) repulsion.
 */
#pragma once

#include "map/emb-tsne.h"

G_BEGIN_DECLS

/* P = (P_cond + P_cond^T) / (2n) in CSR form: row i's entries are
 * col[row_ptr[i] .. row_ptr[i + 1]), ascending; P is symmetric and its
 * entries sum to 1. */
typedef struct
{
  gsize    n;
  gsize   *row_ptr;   /* n + 1 */
  guint32 *col;
  float   *val;
} EmbTsneAffinities;

/* The conditional distribution of one row over its k neighbours:
 * p_j = exp (-beta d_j) / sum, with d_j = dist_j^2 when square, else
 * dist_j, and beta found by bisection so that the entropy (natural log)
 * is log (perplexity) within 1e-5 (100 steps at most).  Writes p (k
 * values) and returns beta.  Equal distances give the uniform p. */
double _emb_tsne_calibrate_row (const float *dist,
                                guint        k,
                                gboolean     square,
                                double       perplexity,
                                double      *p);

/* P of graph's rows for perplexity, with the first min (k, 3 x
 * perplexity) neighbours of each row; the graph is checked by the caller
 * (emb_tsne_run). */
EmbTsneAffinities *_emb_tsne_affinities_new  (const EmbKnnGraph *graph,
                                              double             perplexity,
                                              guint              n_threads,
                                              GError           **error);
void               _emb_tsne_affinities_free (EmbTsneAffinities *p);

/* Runs func on n_items split into at most n_threads contiguous ranges
 * (the first on the calling thread).  func must write only per-item
 * results, so what it computes does not depend on the split. */
typedef void (*EmbTsneRangeFunc) (gsize    begin,
                                  gsize    end,
                                  gpointer data);
void   _emb_tsne_parallel          (guint             n_threads,
                                    gsize             n_items,
                                    gsize             min_per_thread,
                                    EmbTsneRangeFunc  func,
                                    gpointer          data);

/* attr_i = scale * sum_j p_ij w_ij (y_i - y_j), w = 1 / (1 + |y_i - y_j|^2);
 * y and attr are n x dims. */
void   _emb_tsne_attraction        (const EmbTsneAffinities *p,
                                    const double            *y,
                                    guint                    dims,
                                    double                   scale,
                                    double                  *attr,
                                    guint                    n_threads);

/* The exact repulsion: rep_i = sum_{j != i} w_ij^2 (y_i - y_j) (not yet
 * divided by Z); returns Z = sum_{i != j} w_ij. */
double _emb_tsne_repulsion_exact   (const double *y,
                                    gsize         n,
                                    guint         dims,
                                    double       *rep,
                                    guint         n_threads);

/* The interpolated repulsion (FIt-SNE): the same rep and Z, from
 * Lagrange interpolation on 3 nodes per box and dimension and FFT
 * convolutions of the kernels on the nodes.  The workspace keeps its
 * buffers and plans from one call to the next. */
typedef struct _EmbTsneFft EmbTsneFft;

EmbTsneFft *_emb_tsne_fft_new       (gsize        n,
                                     guint        dims,
                                     GError     **error);
void        _emb_tsne_fft_free      (EmbTsneFft  *fft);
gboolean    _emb_tsne_repulsion_fft (EmbTsneFft  *fft,
                                     const double *y,
                                     double      *rep,
                                     double      *z,
                                     guint        n_threads,
                                     GError     **error);
/* The number of boxes per dimension of the last call. */
guint       _emb_tsne_fft_boxes     (const EmbTsneFft *fft);

/* The Barnes-Hut repulsion (theta 0.5): the same rep and Z. */
gboolean    _emb_tsne_repulsion_bh  (const double *y,
                                     gsize         n,
                                     guint         dims,
                                     double       *rep,
                                     double       *z,
                                     guint         n_threads,
                                     GError      **error);

/* 3-D layouts wider than this go to Barnes-Hut: the 3-D grid has at
 * most 20 boxes a dimension, and boxes wider than the kernel lose
 * accuracy. */
#define EMB_TSNE_FFT_3D_MAX_EXTENT 20.0

/* Rows up to which emb_tsne_run uses the exact repulsion (default
 * EMB_TSNE_EXACT_MAX_ROWS); for tests. */
#define EMB_TSNE_EXACT_MAX_ROWS 2000
void   _emb_tsne_set_exact_max_rows (gsize rows);
gsize  _emb_tsne_get_exact_max_rows (void);

G_END_DECLS
