/* emb-pca-gram.c: PCA of a wide matrix through the Gram matrix.
 *
 * With n rows of d > n columns, the covariance is d x d (8 d^2 bytes in
 * double: 18.6 GiB for 500 x 50,000) while the centred rows Y span at most
 * n dimensions.  The nonzero eigenvalues of Y^T Y and of G = Y Y^T (n x n)
 * are the same, and for G u = lambda u the direction Y^T u / sqrt (lambda)
 * is the unit eigenvector of Y^T Y: so the PCA costs n^2 d flops and
 * O(n^2 + k d) memory instead of n d^2 and O(d^2).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "analysis/emb-pca-private.h"

/* Columns per ssyrk block: about 1 MB of centred floats, so that the block
 * stays in cache between the centring and ssyrk; at most 8192, so that no
 * float sum in a block runs over more terms than the covariance path's. */
#define GRAM_BLOCK_TARGET_BYTES (1u << 20)
#define GRAM_BLOCK_MIN_COLS     64
#define GRAM_BLOCK_MAX_COLS     8192

/* An eigenvalue below this fraction of the largest gives a direction made
 * mostly of rounding: it is treated as zero variance. */
#define GRAM_NULL_RATIO 1e-10


/* auxiliary functions */

/* gd (n x n, row-major upper triangle) = Y Y^T, Y the centred, scaled
 * rows, one block of columns at a time: each block's product by ssyrk in
 * float, their sum in double. */
static gboolean
gram_accumulate (const EmbMatrix *matrix,
                 const float     *smean,
                 float            scale,
                 GCancellable    *cancellable,
                 double          *gd,
                 GError         **error)
{
  gsize n = matrix->n_rows, d = matrix->n_cols;
  gsize cols = CLAMP (GRAM_BLOCK_TARGET_BYTES / (n * sizeof (float)),
                      GRAM_BLOCK_MIN_COLS, GRAM_BLOCK_MAX_COLS);
  g_autofree float *work = NULL;
  g_autofree float *gf = NULL;

  cols = MIN (cols, d);
  if ((work = emb_try_new (float, n * cols, "the PCA's block of centred columns", error)) == NULL ||
      (gf = emb_try_new (float, n * n, "the PCA's Gram matrix in float", error)) == NULL)
    return FALSE;

  memset (gd, 0, n * n * sizeof (double));
  for (gsize col = 0; col < d; col += cols)
    {
      gsize width = MIN (cols, d - col);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      pca_centre_block (matrix->data, d, 0, n, col, width, smean, scale, work, cols);
      cblas_ssyrk (CblasRowMajor, CblasUpper, CblasNoTrans,
                   (blasint) n, (blasint) width, 1.0f, work, (blasint) cols,
                   0.0f, gf, (blasint) n);
      for (gsize i = 0; i < n; i++)
        for (gsize j = i; j < n; j++)
          gd[i * n + j] += (double) gf[i * n + j];
    }
  return TRUE;
}

/* shared with emb-pca.c (see emb-pca-private.h) */

double
pca_orthogonalise (double *vd,
                   gsize   c,
                   gsize   d)
{
  double *v = vd + c * d, norm2 = 0.0;

  for (int pass = 0; pass < 2; pass++)
    for (gsize p = 0; p < c; p++)
      {
        const double *w = vd + p * d;
        double dot = 0.0;

        for (gsize j = 0; j < d; j++)
          dot += v[j] * w[j];
        for (gsize j = 0; j < d; j++)
          v[j] -= dot * w[j];
      }
  for (gsize j = 0; j < d; j++)
    norm2 += v[j] * v[j];
  return sqrt (norm2);
}

void
pca_fill_null (double *vd,
               gsize   c,
               gsize   d,
               gsize  *next)
{
  double *v = vd + c * d, best_norm = -1.0, norm;
  gsize best = *next % d;

  for (gsize t = 0; t < d; t++)
    {
      gsize e = (*next + t) % d;

      memset (v, 0, d * sizeof (double));
      v[e] = 1.0;
      norm = pca_orthogonalise (vd, c, d);
      if (norm > best_norm)
        {
          best_norm = norm;
          best = e;
        }
      if (norm > 0.5)
        break;
    }
  memset (v, 0, d * sizeof (double));
  v[best] = 1.0;
  norm = pca_orthogonalise (vd, c, d);
  for (gsize j = 0; j < d; j++)
    v[j] /= norm;
  *next = best + 1;
}

/* public API (inside the PCA) */

gboolean
pca_gram (const EmbMatrix *matrix,
          const double    *mean,
          const float     *smean,
          float            scale,
          gsize            k,
          GCancellable    *cancellable,
          double          *vd,
          double          *evals,
          double          *trace,
          GError         **error)
{
  gsize n = matrix->n_rows, d = matrix->n_cols, kk = MIN (k, n), next = 0;
  g_autofree double *gd = NULL;      /* n x n: G, upper triangle */
  g_autofree double *w = NULL;       /* n: eigenvalues, ascending */
  g_autofree double *z = NULL;       /* n x kk, column-major: eigenvectors */
  g_autofree double *y = NULL;       /* d: one centred row in double */
  g_autofree lapack_int *support = NULL;
  lapack_int n_found = 0, info;
  double tr = 0.0, lmax;

  if ((gd = emb_try_new (double, n * n, "the PCA's Gram matrix", error)) == NULL ||
      (z = emb_try_new (double, n * kk, "the PCA's eigenvectors", error)) == NULL ||
      (y = emb_try_new (double, d, "the PCA's centred row", error)) == NULL)
    return FALSE;
  if (!gram_accumulate (matrix, smean, scale, cancellable, gd, error))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    tr += gd[i * n + i];
  *trace = tr / (double) (n - 1);

  /* The row-major upper triangle is the column-major lower one. */
  w = g_new (double, n);
  support = g_new (lapack_int, 2 * kk);
  info = LAPACKE_dsyevr (LAPACK_COL_MAJOR, 'V', 'I', 'L', (lapack_int) n,
                         gd, (lapack_int) n, 0.0, 0.0,
                         (lapack_int) (n - kk + 1), (lapack_int) n,
                         LAPACKE_dlamch ('S'), &n_found, w, z, (lapack_int) n, support);
  if (info != 0 || (gsize) n_found != kk)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_UNSUPPORTED,
                   "the eigen decomposition of the %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " Gram matrix failed (LAPACK dsyevr info %d)", n, n, (int) info);
      return FALSE;
    }

  /* v_c = Y^T u_c, one centred row at a time (eigenvector kk - 1 - c is
   * the c-th largest). */
  memset (vd, 0, k * d * sizeof (double));
  for (gsize i = 0; i < n; i++)
    {
      const float *x = matrix->data + i * d;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (gsize j = 0; j < d; j++)
        y[j] = ((double) x[j] - mean[j]) * scale;
      for (gsize c = 0; c < kk; c++)
        {
          double u = z[(kk - 1 - c) * n + i], *v = vd + c * d;

          for (gsize j = 0; j < d; j++)
            v[j] += u * y[j];
        }
    }

  /* Unit directions, reorthogonalised in double; those of (near) zero
   * variance, and those past the n eigenpairs, from the basis. */
  lmax = kk > 0 ? MAX (w[kk - 1], 0.0) : 0.0;
  for (gsize c = 0; c < k; c++)
    {
      double lambda = c < kk ? MAX (w[kk - 1 - c], 0.0) : 0.0;
      double norm = 0.0;

      if (lambda > GRAM_NULL_RATIO * lmax && lambda > 0.0)
        norm = pca_orthogonalise (vd, c, d);
      if (norm > 0.0)
        {
          for (gsize j = 0; j < d; j++)
            vd[c * d + j] /= norm;
        }
      else
        pca_fill_null (vd, c, d, &next);
      evals[c] = lambda / (double) (n - 1);
    }
  return TRUE;
}
