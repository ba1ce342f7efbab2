/* emb-pca.c: exact PCA over every row.
 *
 * Two passes over the matrix: the column means in double (and the largest
 * magnitude), then the covariance of the centred rows, one block of rows at
 * a time (centred into a float workspace, ssyrk into a float d x d, summed
 * into a double d x d).  The top k eigenpairs of the covariance come from
 * LAPACKE_ssyevr with range 'I'; their eigenvalues are then refined as
 * Rayleigh quotients on the double covariance.  With fewer rows than
 * columns the second pass builds the n x n Gram matrix instead
 * (emb-pca-gram.c).  Projection is one fused, vectorised pass over the rows
 * (emb-pca-project.c).
 *
 * Values beyond 2^40 or below 2^-40 in magnitude would overflow or
 * underflow the float products: then every centred value is scaled by a
 * power of two (exact) before the float arithmetic, and the results scaled
 * back in double.  A matrix whose projections cannot be floats (beyond
 * FLT_MAX / 2) is refused, naming the row.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "base/emb-simd.h"
#include "analysis/emb-pca-private.h"

/* Workspace of the centred block: enough rows that ssyrk runs at full
 * speed and that adding its float result into the double accumulator
 * (O(d^2) per block) is small beside the block's O(rows d^2) flops; for
 * small d about 1 MB, so the block stays in L2 between the centring and
 * ssyrk (measured on GloVe 341k x 100: 2048-2600 rows beat 4096-8192 by a
 * little), and fewer rows per float sum mean less rounding in it. */
#define PCA_BLOCK_TARGET_BYTES (1u << 20)
#define PCA_BLOCK_MAX_BYTES    (64u << 20)
#define PCA_BLOCK_MIN_ROWS     2048
#define PCA_BLOCK_MAX_ROWS     8192

/* The passes over the rows are bound by memory bandwidth and run on up to
 * PCA_MAX_THREADS threads, each given at least this many floats. */
#define PCA_FLOATS_PER_THREAD (1u << 20)
#define PCA_MAX_THREADS       4

/* ssyrk of a block is split over our own threads only up to this many
 * columns: below it OpenBLAS (0.3.21, measured) runs ssyrk on one thread,
 * above it OpenBLAS threads it itself and concurrent callers only contend. */
#define PCA_SPLIT_MAX_DIMS 160

/* Magnitudes within [2^-PCA_SAFE_EXP, 2^PCA_SAFE_EXP] need no scaling;
 * others are scaled to about 2^PCA_SCALED_EXP, the scale's exponent kept
 * within float's normal range. */
#define PCA_SAFE_EXP   40
#define PCA_SCALED_EXP 10


/* auxiliary functions */

/* Rows per covariance block for rows of d floats (see above). */
static gsize
pca_block_rows (gsize n_dims)
{
  gsize row_bytes = n_dims * sizeof (float);
  gsize rows = PCA_BLOCK_TARGET_BYTES / row_bytes;

  rows = CLAMP (rows, PCA_BLOCK_MIN_ROWS, PCA_BLOCK_MAX_ROWS);
  if (rows * row_bytes > PCA_BLOCK_MAX_BYTES)
    rows = MAX (PCA_BLOCK_MAX_BYTES / row_bytes, 64);
  return rows;
}

/* sum[j] += x_ij over rows i in [begin, end), in double; *max_abs =
 * the largest |x_ij| seen.  The maximum is taken over the bits with the
 * sign cleared, which order like the magnitudes and, unlike a float
 * maximum, vectorise without -ffast-math. */
EMB_SIMD_CLONES static void
pca_sum_rows (const float *data,
              gsize        n_dims,
              gsize        begin,
              gsize        end,
              double      *sum,
              float       *max_abs)
{
  guint32 m;

  memcpy (&m, max_abs, sizeof m);
  for (gsize i = begin; i < end; i++)
    {
      const float *x = data + i * n_dims;

      for (gsize j = 0; j < n_dims; j++)
        {
          guint32 bits;

          memcpy (&bits, x + j, sizeof bits);
          bits &= 0x7fffffffu;
          sum[j] += (double) x[j];
          m = bits > m ? bits : m;
        }
    }
  memcpy (max_abs, &m, sizeof m);
}

/* The float mean differs from the double one by a constant shift of about
 * one ulp, which changes the covariance only by that shift squared. */
EMB_SIMD_CLONES void
pca_centre_block (const float *data,
                  gsize        n_dims,
                  gsize        begin,
                  gsize        rows,
                  gsize        col,
                  gsize        width,
                  const float *smean,
                  float        scale,
                  float       *w,
                  gsize        stride)
{
  const float *x = data + begin * n_dims + col;
  const float *m = smean + col;

  for (gsize i = 0; i < rows; i++, x += n_dims, w += stride)
    for (gsize j = 0; j < width; j++)
      w[j] = x[j] * scale - m[j];
}

/* The power of two e (as 2^e) that brings a largest magnitude max_abs to
 * about 2^PCA_SCALED_EXP, or 0 when it is within the safe range. */
static int
pca_scale_exp (float max_abs)
{
  int e;

  if (max_abs == 0.0f ||
      (max_abs <= ldexpf (1.0f, PCA_SAFE_EXP) && max_abs >= ldexpf (1.0f, -PCA_SAFE_EXP)))
    return 0;
  frexpf (max_abs, &e);
  return CLAMP (PCA_SCALED_EXP - e, FLT_MIN_EXP, FLT_MAX_EXP - 2);
}

/* acc += c on the upper triangle (j >= i) of two row-major d x d matrices. */
EMB_SIMD_CLONES static void
pca_accumulate_upper (const float *c,
                      gsize        n_dims,
                      double      *acc)
{
  for (gsize i = 0; i < n_dims; i++)
    for (gsize j = i; j < n_dims; j++)
      acc[i * n_dims + j] += (double) c[i * n_dims + j];
}

/* Flips v (length d) so that its largest-magnitude coordinate (the first
 * such) is positive. */
static void
pca_fix_sign (float *v,
              gsize  n_dims)
{
  gsize arg = 0;

  for (gsize j = 1; j < n_dims; j++)
    if (fabsf (v[j]) > fabsf (v[arg]))
      arg = j;
  if (v[arg] < 0.0f)
    for (gsize j = 0; j < n_dims; j++)
      v[j] = -v[j];
}

/* covariance workers */

/* A contiguous range of rows, summed (pass 1) then multiplied out (pass 2)
 * by one thread into its own accumulators. */
typedef struct
{
  const EmbMatrix *matrix;
  gsize            begin, end;
  gsize            block_rows;
  GCancellable    *cancellable;
  const float     *smean;    /* pass 2 input: d floats, the mean times scale */
  float            scale;    /* pass 2 input: a power of two */
  double          *sum;      /* pass 1 output: d */
  float            max_abs;  /* pass 1 output: the largest |x_ij| */
  double          *acc;      /* pass 2 output: d x d, upper triangle */
  float           *cov;      /* d x d ssyrk result */
  float           *work;     /* block_rows x d centred rows */
} PcaSlice;

/* sum_j = sum of x_ij over the slice's rows. */
static gpointer
pca_slice_sum (gpointer data)
{
  PcaSlice *slice = data;
  gsize d = slice->matrix->n_cols;

  memset (slice->sum, 0, d * sizeof (double));
  for (gsize begin = slice->begin; begin < slice->end; begin += slice->block_rows)
    {
      if (g_cancellable_is_cancelled (slice->cancellable))
        break;
      pca_sum_rows (slice->matrix->data, d, begin,
                    MIN (begin + slice->block_rows, slice->end), slice->sum, &slice->max_abs);
    }
  return NULL;
}

/* acc = sum over the slice's blocks B of B^T B, B the block's rows minus
 * the mean: each block's product by ssyrk in float, their sum in double. */
static gpointer
pca_slice_cov (gpointer data)
{
  PcaSlice *slice = data;
  gsize d = slice->matrix->n_cols;

  memset (slice->acc, 0, d * d * sizeof (double));
  for (gsize begin = slice->begin; begin < slice->end; begin += slice->block_rows)
    {
      gsize rows = MIN (slice->block_rows, slice->end - begin);

      if (g_cancellable_is_cancelled (slice->cancellable))
        break;
      pca_centre_block (slice->matrix->data, d, begin, rows, 0, d,
                        slice->smean, slice->scale, slice->work, d);
      cblas_ssyrk (CblasRowMajor, CblasUpper, CblasTrans,
                   (blasint) d, (blasint) rows, 1.0f, slice->work, (blasint) d,
                   0.0f, slice->cov, (blasint) d);
      pca_accumulate_upper (slice->cov, d, slice->acc);
    }
  return NULL;
}

/* Runs func on slices[0..n) at once, slice 0 on the calling thread. */
static void
pca_run_slices (PcaSlice   *slices,
                gsize       n_slices,
                GThreadFunc func)
{
  GThread *threads[PCA_MAX_THREADS];

  for (gsize t = 1; t < n_slices; t++)
    threads[t] = g_thread_new ("emb-pca", func, &slices[t]);
  func (&slices[0]);
  for (gsize t = 1; t < n_slices; t++)
    g_thread_join (threads[t]);
}

/* Frees every buffer of the slices. */
static void
pca_slices_clear (PcaSlice *slices,
                  gsize     n_slices)
{
  for (gsize t = 0; t < n_slices; t++)
    {
      g_clear_pointer (&slices[t].sum, g_free);
      g_clear_pointer (&slices[t].acc, g_free);
      g_clear_pointer (&slices[t].cov, g_free);
      g_clear_pointer (&slices[t].work, g_free);
    }
}

/* The threads for a pass over the n x d matrix in blocks of block_rows. */
static gsize
pca_n_slices (gsize n,
              gsize d,
              gsize block_rows)
{
  gsize cells, n_slices;

  n_slices = emb_size_mul (n, d, &cells) ? cells / PCA_FLOATS_PER_THREAD : PCA_MAX_THREADS;
  n_slices = CLAMP (n_slices, 1, MIN ((gsize) g_get_num_processors (), PCA_MAX_THREADS));
  return MIN (n_slices, (n + block_rows - 1) / block_rows);
}

/* Pass 1 over the n x d matrix X: *mean_out (d) = the column means in
 * double, *max_abs = max |x_ij|.  FALSE with error set when cancelled or
 * out of memory. */
static gboolean
pca_moments (const EmbMatrix *matrix,
             GCancellable    *cancellable,
             double         **mean_out,
             float           *max_abs,
             GError         **error)
{
  PcaSlice slices[PCA_MAX_THREADS] = { { 0 } };
  g_autofree double *mean = NULL;
  gsize n = matrix->n_rows, d = matrix->n_cols;
  gsize block_rows = MIN (pca_block_rows (d), n);
  gsize n_slices = pca_n_slices (n, d, block_rows);
  gboolean ok = TRUE;

  for (gsize t = 0; t < n_slices && ok; t++)
    {
      PcaSlice *slice = &slices[t];

      slice->matrix = matrix;
      slice->begin = n * t / n_slices;
      slice->end = n * (t + 1) / n_slices;
      slice->block_rows = block_rows;
      slice->cancellable = cancellable;
      ok = (slice->sum = emb_try_new (double, d, "the PCA's column sums", error)) != NULL;
    }
  if (ok)
    ok = (mean = emb_try_new0 (double, d, "the PCA's mean", error)) != NULL;
  if (ok)
    {
      pca_run_slices (slices, n_slices, pca_slice_sum);
      ok = !g_cancellable_set_error_if_cancelled (cancellable, error);
    }
  if (ok)
    {
      *max_abs = 0.0f;
      for (gsize t = 0; t < n_slices; t++)
        *max_abs = MAX (*max_abs, slices[t].max_abs);
      for (gsize j = 0; j < d; j++)
        {
          for (gsize t = 0; t < n_slices; t++)
            mean[j] += slices[t].sum[j];
          mean[j] /= (double) n;
        }
      *mean_out = g_steal_pointer (&mean);
    }
  pca_slices_clear (slices, n_slices);
  return ok;
}

/* Pass 2 over the n x d matrix X: *acc_out (d x d, upper triangle) =
 * (n - 1) C = sum over blocks B of B^T B, B a block of centred rows times
 * scale (x_ij scale - smean_j), each block by ssyrk in float and their sum
 * in double; *cov_out a d x d float workspace.  FALSE with error set when
 * cancelled or out of memory. */
static gboolean
pca_covariance (const EmbMatrix *matrix,
                const float     *smean,
                float            scale,
                GCancellable    *cancellable,
                double         **acc_out,
                float          **cov_out,
                GError         **error)
{
  PcaSlice slices[PCA_MAX_THREADS] = { { 0 } };
  gsize n = matrix->n_rows, d = matrix->n_cols;
  gsize block_rows, cells, n_slices;

  block_rows = MIN (pca_block_rows (d), n);
  /* The pass splits only where BLAS does not thread ssyrk itself (and the
   * per-thread d x d accumulators are small). */
  n_slices = d <= PCA_SPLIT_MAX_DIMS ? pca_n_slices (n, d, block_rows) : 1;
  if (!emb_size_mul (d, d, &cells))
    cells = G_MAXSIZE;
  for (gsize t = 0; t < n_slices; t++)
    {
      PcaSlice *slice = &slices[t];

      slice->matrix = matrix;
      slice->begin = n * t / n_slices;
      slice->end = n * (t + 1) / n_slices;
      slice->block_rows = block_rows;
      slice->cancellable = cancellable;
      slice->smean = smean;
      slice->scale = scale;
      if ((slice->acc = emb_try_new (double, cells, "the PCA's covariance", error)) == NULL ||
          (slice->cov = emb_try_new (float, cells, "the PCA's covariance in float", error)) == NULL ||
          (slice->work = emb_try_new (float, block_rows * d, "the PCA's block of centred rows",
                                      error)) == NULL)
        {
          pca_slices_clear (slices, n_slices);
          return FALSE;
        }
    }
  pca_run_slices (slices, n_slices, pca_slice_cov);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      pca_slices_clear (slices, n_slices);
      return FALSE;
    }
  for (gsize t = 1; t < n_slices; t++)
    for (gsize i = 0; i < d; i++)
      for (gsize j = i; j < d; j++)
        slices[0].acc[i * d + j] += slices[t].acc[i * d + j];

  *acc_out = g_steal_pointer (&slices[0].acc);
  *cov_out = g_steal_pointer (&slices[0].cov);
  pca_slices_clear (slices, n_slices);
  return TRUE;
}

/* When the values are so large that a projection might not fit a float:
 * FALSE with EMB_ERROR_NON_FINITE naming the first row whose projection
 * p = (x_i - m) . v_c on one of the pca's components, in double, is not
 * clearly within float: |p| + (d + 8) 2^-23 |x_i - m| (a bound on the
 * float pass's rounding) must stay below FLT_MAX (1 - 2^-20). */
static gboolean
pca_check_projections (const EmbMatrix *matrix,
                       const EmbPca    *pca,
                       float            max_abs,
                       GError         **error)
{
  gsize n = matrix->n_rows, d = matrix->n_cols, k = pca->n_components;
  double limit = (double) G_MAXFLOAT * (1.0 - ldexp (1.0, -20));
  double slack = (double) (d + 8) * ldexp (1.0, -23);

  /* |(x_i - m) . v| <= |x_i - m| <= 2 max_abs sqrt (d). */
  if (2.0 * (double) max_abs * sqrt ((double) d) * (1.0 + slack) <= limit)
    return TRUE;
  for (gsize i = 0; i < n; i++)
    {
      const float *x = matrix->data + i * d;
      double r2 = 0.0;

      for (gsize j = 0; j < d; j++)
        r2 += ((double) x[j] - pca->mean[j]) * ((double) x[j] - pca->mean[j]);
      for (gsize c = 0; c < k; c++)
        {
          const float *v = pca->components + c * d;
          double p = 0.0;

          for (gsize j = 0; j < d; j++)
            p += ((double) x[j] - pca->mean[j]) * (double) v[j];
          if (!(fabs (p) + slack * sqrt (r2) < limit))
            {
              g_set_error (error, EMB_ERROR, EMB_ERROR_NON_FINITE,
                           "row %" G_GSIZE_FORMAT " projects to %.3g on component %"
                           G_GSIZE_FORMAT ", beyond what a float holds (%.3g)",
                           i, p, c + 1, (double) G_MAXFLOAT);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* Whether an n x d matrix has a PCA of k components; an error if not. */
static gboolean
pca_check_shape (gsize    n,
                 gsize    d,
                 gsize    k,
                 GError **error)
{
  if (n < 2)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_SHAPE,
                   "PCA needs at least 2 rows, the matrix has %" G_GSIZE_FORMAT, n);
      return FALSE;
    }
  if (d < 1)
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_SHAPE,
                           "PCA needs at least 1 column, the matrix has none");
      return FALSE;
    }
  if (k < 1)
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_INVALID,
                           "PCA needs at least 1 component, 0 were asked for");
      return FALSE;
    }
  /* The eigen problem is min (n, d) wide. */
  if (MIN (n, d) > (gsize) G_MAXINT32 / 2)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "PCA of %" G_GSIZE_FORMAT " rows and %" G_GSIZE_FORMAT
                   " columns is beyond LAPACK's sizes", n, d);
      return FALSE;
    }
  return TRUE;
}

/* The eigenvectors of the k largest eigenvalues of the symmetric d x d
 * cov (column-major lower triangle; destroyed) into evecs (d x k,
 * column-major, ascending eigenvalue), by ssyevr. */
static gboolean
pca_top_eigenvectors (float   *cov,
                      gsize    d,
                      gsize    k,
                      float   *evecs,
                      GError **error)
{
  g_autofree float *evals = g_new (float, d);
  g_autofree lapack_int *support = g_new (lapack_int, 2 * k);
  lapack_int n_found = 0, info;

  info = LAPACKE_ssyevr (LAPACK_COL_MAJOR, 'V', 'I', 'L', (lapack_int) d,
                         cov, (lapack_int) d, 0.0f, 0.0f,
                         (lapack_int) (d - k + 1), (lapack_int) d,
                         LAPACKE_slamch ('S'), &n_found, evals,
                         evecs, (lapack_int) d, support);
  if (info != 0 || (gsize) n_found != k)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_UNSUPPORTED,
                   "the eigen decomposition of the %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " covariance failed (LAPACK ssyevr info %d)", d, d, (int) info);
      return FALSE;
    }
  return TRUE;
}

/* From ssyevr's float eigenvectors (evecs, ascending) to vd (k x d unit
 * rows in double, largest first), each eigenvalue refined as the Rayleigh
 * quotient v^T C v with C = inv_nm1 * acc (upper triangle, double), and
 * order[] listing the rows by descending refined eigenvalue. */
static void
pca_refine (const double *acc,
            double        inv_nm1,
            const float  *evecs,
            gsize         d,
            gsize         k,
            double       *vd,
            double       *rayleigh,
            gsize        *order)
{
  g_autofree double *cv = g_new (double, k * d);       /* k x d: V C */

  /* ssyevr lists eigenvalues ascending: take them largest first, as unit
   * vectors in double, and refine each eigenvalue as the Rayleigh quotient
   * v^T C v on the double covariance, which is accurate to the square of the
   * float eigenvector's error. */
  for (gsize c = 0, next = 0; c < k; c++)
    {
      const float *z = evecs + (k - 1 - c) * d;
      double norm;

      /* When one eigenvalue dwarfs the others, the float eigenvectors of
       * the small ones carry a part of the large one's (up to float
       * rounding times their ratio), which its Rayleigh quotient would
       * count: orthogonalise against the larger ones first, in double. */
      for (gsize j = 0; j < d; j++)
        vd[c * d + j] = (double) z[j];
      norm = pca_orthogonalise (vd, c, d);
      if (norm > 0.0)
        for (gsize j = 0; j < d; j++)
          vd[c * d + j] /= norm;
      else
        pca_fill_null (vd, c, d, &next);
    }
  cblas_dsymm (CblasRowMajor, CblasRight, CblasUpper, (blasint) k, (blasint) d,
               inv_nm1, acc, (blasint) d, vd, (blasint) d, 0.0, cv, (blasint) d);
  for (gsize c = 0; c < k; c++)
    {
      double q = 0.0;

      for (gsize j = 0; j < d; j++)
        q += vd[c * d + j] * cv[c * d + j];
      /* C is positive semi-definite; a tiny negative is rounding. */
      rayleigh[c] = MAX (q, 0.0);
      order[c] = c;
    }
  /* Refinement can swap near-equal neighbours: keep the list descending
   * (insertion sort, stable, k <= 50). */
  for (gsize c = 1; c < k; c++)
    {
      gsize o = order[c], p = c;

      while (p > 0 && rayleigh[order[p - 1]] < rayleigh[o])
        {
          order[p] = order[p - 1];
          p--;
        }
      order[p] = o;
    }
}

/* The covariance path: C = acc / (n - 1) from pca_covariance (in scaled
 * units), its top k eigenvectors by ssyevr, refined.  vd gets k unit rows
 * of d doubles and evals their Rayleigh quotients, both largest first;
 * *trace = trace (C).  FALSE with error set on failure. */
static gboolean
pca_tall (const EmbMatrix *matrix,
          const float     *smean,
          float            scale,
          gsize            k,
          GCancellable    *cancellable,
          double          *vd,
          double          *evals,
          double          *trace,
          GError         **error)
{
  g_autofree double *acc = NULL;      /* d x d, upper triangle: (n - 1) C */
  g_autofree float *cov = NULL;       /* d x d: C in float for ssyevr */
  g_autofree float *evecs = NULL;     /* d x k, column-major: one eigenvector per column */
  g_autofree double *rd = NULL;       /* k x d eigenvectors in double, unsorted */
  g_autofree double *rayleigh = NULL;
  g_autofree gsize *order = NULL;
  gsize n = matrix->n_rows, d = matrix->n_cols;
  double inv_nm1 = 1.0 / (double) (n - 1), tr = 0.0;

  if (!pca_covariance (matrix, smean, scale, cancellable, &acc, &cov, error))
    return FALSE;

  /* C in float for ssyevr.  The row-major upper triangle is the
   * column-major lower one, so LAPACK reads it in place without the
   * transposed copy LAPACKE makes for row-major input. */
  for (gsize i = 0; i < d; i++)
    {
      tr += acc[i * d + i] * inv_nm1;
      for (gsize j = i; j < d; j++)
        cov[i * d + j] = (float) (acc[i * d + j] * inv_nm1);
    }
  *trace = tr;
  if (!isfinite (tr) || tr > (double) G_MAXFLOAT)
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_NON_FINITE,
                           "the covariance is not finite: the matrix holds nan or inf");
      return FALSE;
    }

  if ((evecs = emb_try_new (float, d * k, "the PCA's eigenvectors", error)) == NULL ||
      (rd = emb_try_new (double, k * d, "the PCA's eigenvectors in double", error)) == NULL ||
      !pca_top_eigenvectors (cov, d, k, evecs, error))
    return FALSE;
  g_clear_pointer (&cov, g_free);

  rayleigh = g_new (double, k);
  order = g_new (gsize, k);
  pca_refine (acc, inv_nm1, evecs, d, k, rd, rayleigh, order);
  for (gsize c = 0; c < k; c++)
    {
      memcpy (vd + c * d, rd + order[c] * d, d * sizeof (double));
      evals[c] = rayleigh[order[c]];
    }
  return TRUE;
}

/* public API */

/* The PCA of the n x d matrix X: mean m_j = sum_i x_ij / n (double);
 * C = sum_i (x_i - m)(x_i - m)^T / (n - 1), accumulated in double from
 * float ssyrk blocks, its top k eigenpairs by ssyevr when n >= d; for
 * n < d the same eigenpairs from the n x n Gram matrix (emb-pca-gram.c).
 * Results go to a new EmbPca: components (k x d, unit rows, descending
 * eigenvalue, largest coordinate positive), mean, eigenvalues, their ratios
 * to trace (C).  Errors: EMB_ERROR_SHAPE (n < 2 or d < 1),
 * EMB_ERROR_INVALID (k = 0), EMB_ERROR_TOO_LARGE (workspace),
 * EMB_ERROR_NON_FINITE (nan, inf, or projections beyond float),
 * G_IO_ERROR_CANCELLED. */
EmbPca *
emb_pca_compute (const EmbMatrix *matrix,
                 gsize            k,
                 GCancellable    *cancellable,
                 GError         **error)
{
  g_autofree double *mean = NULL;
  g_autofree float *smean = NULL;     /* d: the mean times scale, in float */
  g_autofree double *vd = NULL;       /* k x d eigenvectors in double */
  g_autofree double *evals = NULL;    /* k, in scaled units */
  EmbPca *pca;
  gsize n, d;
  double trace = 0.0, unscale2;
  float max_abs = 0.0f, scale;
  int scale_exp;
  gboolean ok;

  g_return_val_if_fail (matrix != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = matrix->n_rows;
  d = matrix->n_cols;
  if (!pca_check_shape (n, d, k, error))
    return NULL;
  k = MIN (k, MIN (d, EMB_PCA_MAX_COMPONENTS));

  if (!pca_moments (matrix, cancellable, &mean, &max_abs, error))
    return NULL;
  scale_exp = pca_scale_exp (max_abs);
  scale = ldexpf (1.0f, scale_exp);
  if ((smean = emb_try_new (float, d, "the PCA's mean in float", error)) == NULL ||
      (vd = emb_try_new (double, k * d, "the PCA's components in double", error)) == NULL)
    return NULL;
  for (gsize j = 0; j < d; j++)
    smean[j] = (float) (mean[j] * scale);
  evals = g_new (double, k);

  if (n < d)
    ok = pca_gram (matrix, mean, smean, scale, k, cancellable, vd, evals, &trace, error);
  else
    ok = pca_tall (matrix, smean, scale, k, cancellable, vd, evals, &trace, error);
  if (!ok)
    return NULL;
  if (!isfinite (trace))
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_NON_FINITE,
                           "the covariance is not finite: the matrix holds nan or inf");
      return NULL;
    }
  /* The float blocks' rounding can leave the summed covariance a little
   * indefinite, its trace a hair below the top eigenvalues' sum: the
   * total is at least that sum, so that the ratios never add up past 1. */
  {
    double top = 0.0;

    for (gsize c = 0; c < k; c++)
      top += evals[c];
    trace = MAX (trace, top);
  }

  /* Back from scaled units: variances by scale^-2, in double. */
  unscale2 = ldexp (1.0, -2 * scale_exp);
  pca = g_new0 (EmbPca, 1);
  pca->n_rows = n;
  pca->n_dims = d;
  pca->n_components = k;
  pca->scale_exp = scale_exp;
  pca->components = g_new (float, k * d);
  pca->mean = g_steal_pointer (&mean);
  pca->explained_variance = g_new (double, k);
  pca->explained_variance_ratio = g_new (double, k);
  pca->total_variance = trace * unscale2;
  for (gsize c = 0; c < k; c++)
    {
      const double *v = vd + c * d;
      float *comp = pca->components + c * d;

      for (gsize j = 0; j < d; j++)
        comp[j] = (float) v[j];
      pca_fix_sign (comp, d);
      pca->explained_variance[c] = evals[c] * unscale2;
      pca->explained_variance_ratio[c] = trace > 0.0 ? evals[c] / trace : 0.0;
    }
  if (!pca_check_projections (matrix, pca, max_abs, error))
    g_clear_pointer (&pca, emb_pca_free);
  return pca;
}

/* Frees pca and its arrays; NULL is allowed. */
void
emb_pca_free (EmbPca *pca)
{
  if (pca == NULL)
    return;
  g_free (pca->components);
  g_free (pca->mean);
  g_free (pca->explained_variance);
  g_free (pca->explained_variance_ratio);
  g_free (pca);
}
