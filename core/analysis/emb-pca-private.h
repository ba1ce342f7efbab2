/* emb-pca-private.h: what the two PCA files share.
 *
 * emb-pca.c holds the passes over the rows, the d x d covariance path (for
 * matrices with at least as many rows as columns) and the projection;
 * emb-pca-gram.c the n x n Gram path for wide matrices (fewer rows than
 * columns), where the covariance would be far bigger than the matrix.
 */
#pragma once

#include "analysis/emb-pca.h"

G_BEGIN_DECLS

/* w (rows x width, row stride `stride`) = x_ij * scale - smean_j for rows
 * i in [begin, begin + rows) and columns j in [col, col + width) of the
 * row-major data (rows of n_dims floats).  scale is a power of two, so the
 * product is exact; with scale 1 this is x - m_f. */
G_GNUC_INTERNAL void     pca_centre_block (const float *data,
                                           gsize        n_dims,
                                           gsize        begin,
                                           gsize        rows,
                                           gsize        col,
                                           gsize        width,
                                           const float *smean,
                                           float        scale,
                                           float       *w,
                                           gsize        stride);

/* Row c of vd (unit rows of d doubles) minus its projections on the c
 * rows before it, twice (once is not enough when it is nearly in their
 * span); returns its remaining norm. */
G_GNUC_INTERNAL double   pca_orthogonalise (double *vd,
                                            gsize   c,
                                            gsize   d);

/* Row c of vd: the first basis vector e_j (j from *next, cyclically) with
 * the largest part orthogonal to rows 0..c-1 (the first with more than
 * half), made a unit vector orthogonal to them; *next moves past it. */
G_GNUC_INTERNAL void     pca_fill_null     (double *vd,
                                            gsize   c,
                                            gsize   d,
                                            gsize  *next);

/* The Gram path for an n x d matrix with n < d: G = Y Y^T (n x n) of the
 * centred, scaled rows Y = (X - m) scale, built from float ssyrk blocks of
 * columns summed in double, its top eigenpairs G u = lambda u by dsyevr in
 * double, and the principal directions v = Y^T u / |Y^T u| (the right
 * singular vectors of Y).  vd gets k unit rows of d doubles (descending
 * eigenvalue), evals the eigenvalues of C = G / (n - 1) in scaled units,
 * *trace the trace of C.  Directions beyond the rank of Y (zero variance)
 * are unit vectors orthogonal to the others.  FALSE with error set when
 * cancelled or out of memory. */
G_GNUC_INTERNAL gboolean pca_gram         (const EmbMatrix *matrix,
                                           const double    *mean,
                                           const float     *smean,
                                           float            scale,
                                           gsize            k,
                                           GCancellable    *cancellable,
                                           double          *vd,
                                           double          *evals,
                                           double          *trace,
                                           GError         **error);

G_END_DECLS
