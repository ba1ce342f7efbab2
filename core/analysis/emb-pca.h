/* emb-pca.h: exact principal component analysis of every row.
 *
 * With mean m (computed in double) and centred rows x_i - m, the covariance
 * C = sum_i (x_i - m)(x_i - m)^T / (n - 1) is accumulated blockwise with
 * ssyrk into double; the top k eigenpairs of C come from LAPACKE_ssyevr.
 * With fewer rows than columns they come from the n x n Gram matrix of
 * the centred rows instead (dsyevr), which is the cheaper side.
 * Component j is the eigenvector of the j-th largest eigenvalue, its sign
 * chosen so that its largest-magnitude coordinate is positive (as
 * scikit-learn >= 1.5).  explained_variance[j] is that eigenvalue and
 * explained_variance_ratio[j] = eigenvalue / trace (C).
 */
#pragma once

#include <gio/gio.h>

#include "model/emb-matrix.h"

G_BEGIN_DECLS

#define EMB_PCA_MAX_COMPONENTS 50

typedef struct
{
  gsize   n_rows;
  gsize   n_dims;
  gsize   n_components;
  float  *components;               /* n_components x n_dims, unit rows */
  double *mean;                     /* n_dims */
  double *explained_variance;       /* n_components, descending */
  double *explained_variance_ratio; /* n_components */
  double  total_variance;           /* trace of C */
  int     scale_exp;                /* the rows were scaled by 2^scale_exp for
                                       float arithmetic (0 unless the values
                                       are beyond 2^40 or below 2^-40) */
} EmbPca;

/* k is clamped to min (n_dims, EMB_PCA_MAX_COMPONENTS).  Needs n_rows >= 2. */
EmbPca *emb_pca_compute (const EmbMatrix *matrix,
                         gsize            k,
                         GCancellable    *cancellable,
                         GError         **error);

/* out (n_rows x n_out, row-major) = (X - mean) * components[0..n_out)^T,
 * in one pass over X.  n_out <= pca->n_components. */
void    emb_pca_project (const EmbPca    *pca,
                         const EmbMatrix *matrix,
                         gsize            n_out,
                         float           *out);

void    emb_pca_free    (EmbPca *pca);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbPca, emb_pca_free)

G_END_DECLS
