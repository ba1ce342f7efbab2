/* emb-pca.c: exact PCA over every row.
 *
 * Two passes over the matrix: the column means in double, then the
 * covariance of the centred rows, one block of rows at a time (centred into
 * a float workspace, ssyrk into a float d x d, summed into a double d x d).
 * The top k eigenpairs of the covariance come from LAPACKE_ssyevr with
 * range 'I'; their eigenvalues are then refined as Rayleigh quotients on the
 * double covariance.  Projection is one fused, vectorised pass over the rows.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "base/emb-error.h"
#include "base/emb-simd.h"
#include "analysis/emb-pca.h"

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

/* Below this many floats a projection runs on the calling thread alone. */
#define PROJECT_FLOATS_PER_THREAD (1u << 20)
#define PROJECT_MAX_THREADS       4

/* Components handled together in the projection kernel: for two rows,
 * 2 x 4 accumulators of 8 lanes plus the rows' and a component's chunk fit
 * the 16 vector registers. */
#define PROJECT_GROUP 4

/* How far ahead of the pair being projected its rows are prefetched. */
#define PROJECT_PREFETCH_ROWS 16


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

/* sum[j] += x_ij over rows i in [begin, end), in double. */
EMB_SIMD_CLONES static void
pca_sum_rows (const float *data,
              gsize        n_dims,
              gsize        begin,
              gsize        end,
              double      *sum)
{
  for (gsize i = begin; i < end; i++)
    {
      const float *x = data + i * n_dims;

      for (gsize j = 0; j < n_dims; j++)
        sum[j] += (double) x[j];
    }
}

/* w (rows x d) = x_i - m for rows i in [begin, begin + rows).  The float
 * mean differs from the double one by a constant shift of about one ulp,
 * which changes the covariance only by that shift squared. */
EMB_SIMD_CLONES static void
pca_centre_rows (const float *data,
                 gsize        n_dims,
                 gsize        begin,
                 gsize        rows,
                 const float *mean,
                 float       *w)
{
  const float *x = data + begin * n_dims;

  for (gsize i = 0; i < rows * n_dims; i += n_dims)
    for (gsize j = 0; j < n_dims; j++)
      w[i + j] = x[i + j] - mean[j];
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

/* count * size bytes, or NULL with EMB_ERROR_TOO_LARGE when the product
 * overflows or the memory is not there (a d x d workspace can be large). */
static void *
pca_try_alloc (gsize    count,
               gsize    size,
               GError **error)
{
  gsize bytes;
  void *p;

  if (!emb_size_mul (count, size, &bytes))
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                           "PCA needs more workspace than can be addressed");
      return NULL;
    }
  p = g_try_malloc (MAX (bytes, 1));
  if (p == NULL)
    {
      g_autofree char *text = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "PCA needs %s of workspace, which is not available", text);
    }
  return p;
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
  const float     *mean;     /* pass 2 input: d floats */
  double          *sum;      /* pass 1 output: d */
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
                    MIN (begin + slice->block_rows, slice->end), slice->sum);
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
      pca_centre_rows (slice->matrix->data, d, begin, rows, slice->mean, slice->work);
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

/* projection workers */

typedef struct
{
  const float *data;     /* the matrix rows */
  gsize        n_dims;
  gsize        padded;   /* n_dims rounded up to 8 */
  const float *mean;     /* n_dims floats */
  const float *comps;    /* n_out x padded, zero past n_dims */
  const float *shift;    /* n_out rounded up to PROJECT_GROUP: (m_f - m) . v_c */
  gsize        n_out;
  float       *out;      /* n_rows x n_out */
  gsize        begin, end;
} ProjectJob;

/* The lane sums of a[0..3], as the four lanes of one vector: halves added,
 * then a 4 x 4 transpose-and-add. */
static inline v4sf
hsum8x4 (const v8sf *a)
{
  v4sf s0 = __builtin_shufflevector (a[0], a[0], 0, 1, 2, 3) + __builtin_shufflevector (a[0], a[0], 4, 5, 6, 7);
  v4sf s1 = __builtin_shufflevector (a[1], a[1], 0, 1, 2, 3) + __builtin_shufflevector (a[1], a[1], 4, 5, 6, 7);
  v4sf s2 = __builtin_shufflevector (a[2], a[2], 0, 1, 2, 3) + __builtin_shufflevector (a[2], a[2], 4, 5, 6, 7);
  v4sf s3 = __builtin_shufflevector (a[3], a[3], 0, 1, 2, 3) + __builtin_shufflevector (a[3], a[3], 4, 5, 6, 7);
  v4sf u0 = __builtin_shufflevector (s0, s1, 0, 4, 1, 5) + __builtin_shufflevector (s0, s1, 2, 6, 3, 7);
  v4sf u1 = __builtin_shufflevector (s2, s3, 0, 4, 1, 5) + __builtin_shufflevector (s2, s3, 2, 6, 3, 7);

  return __builtin_shufflevector (u0, u1, 0, 1, 4, 5) + __builtin_shufflevector (u0, u1, 2, 3, 6, 7);
}

/* r0[c] = y0 . v_c and r1[c] = y1 . v_c for the n_group (<= PROJECT_GROUP)
 * components at comps, y0 and y1 two centred rows zero padded to `padded`.
 * Two rows share each load of a component chunk, so the loop is bound by
 * the FMAs rather than the loads. */
static inline __attribute__ ((always_inline)) void
project_pair (const float *y0,
              const float *y1,
              const float *comps,
              gsize        padded,
              int          n_group,
              v4sf        *r0,
              v4sf        *r1)
{
  v8sf a0[PROJECT_GROUP] = { { 0 } };
  v8sf a1[PROJECT_GROUP] = { { 0 } };

  for (gsize j = 0; j < padded; j += 8)
    {
      v8sf u = EMB_LOAD8 (y0 + j), w = EMB_LOAD8 (y1 + j);

      for (int c = 0; c < n_group; c++)
        {
          v8sf v = EMB_LOAD8 (comps + c * padded + j);

          a0[c] += u * v;
          a1[c] += w * v;
        }
    }
  *r0 = hsum8x4 (a0);
  *r1 = hsum8x4 (a1);
}

/* out_ic = (x_i - m_f) . v_c + shift_c for the job's rows and every
 * component c: two rows at a time are centred into an L1 buffer, then
 * multiplied by the components PROJECT_GROUP at a time. */
EMB_SIMD_CLONES static void
project_rows (const ProjectJob *job)
{
  gsize d = job->n_dims, padded = job->padded, n_out = job->n_out;
  g_autofree float *y = g_new0 (float, 2 * padded);
  float *y0 = y, *y1 = y + padded;

  for (gsize i = job->begin; i < job->end; i += 2)
    {
      const float *x0 = job->data + i * d;
      gboolean pair = i + 1 < job->end;

      /* The hardware prefetcher alone leaves this loop waiting on memory
       * (the row loads come in short bursts between long stretches of
       * FMAs): ask for the rows a few pairs ahead. */
      if (i + PROJECT_PREFETCH_ROWS + 2 <= job->end)
        for (gsize j = 0; j < 2 * d; j += 16)
          __builtin_prefetch (x0 + PROJECT_PREFETCH_ROWS * d + j);
      for (gsize j = 0; j < d; j++)
        y0[j] = x0[j] - job->mean[j];
      /* An odd last row is paired with the zero row, its result dropped. */
      if (pair)
        for (gsize j = 0; j < d; j++)
          y1[j] = x0[d + j] - job->mean[j];
      else
        memset (y1, 0, d * sizeof (float));

      for (gsize c = 0; c < n_out; c += PROJECT_GROUP)
        {
          const float *comps = job->comps + c * padded;
          gsize n_group = MIN (PROJECT_GROUP, n_out - c);
          v4sf r0, r1, shift;

          switch (n_group)
            {
            case 4:
              project_pair (y0, y1, comps, padded, 4, &r0, &r1);
              break;
            case 3:
              project_pair (y0, y1, comps, padded, 3, &r0, &r1);
              break;
            case 2:
              project_pair (y0, y1, comps, padded, 2, &r0, &r1);
              break;
            default:
              project_pair (y0, y1, comps, padded, 1, &r0, &r1);
              break;
            }
          shift = EMB_LOAD4 (job->shift + c);
          r0 += shift;
          r1 += shift;
          memcpy (job->out + i * n_out + c, &r0, n_group * sizeof (float));
          if (pair)
            memcpy (job->out + (i + 1) * n_out + c, &r1, n_group * sizeof (float));
        }
    }
}

/* GThreadFunc running project_rows () on a ProjectJob. */
static gpointer
project_thread (gpointer data)
{
  project_rows (data);
  return NULL;
}

/* The two passes over the n x d matrix X: *mean_out (d) = the column means
 * in double; *acc_out (d x d, upper triangle) = (n - 1) C = sum over blocks
 * B of B^T B, B a block of centred rows, each block by ssyrk in float and
 * their sum in double; *cov_out a d x d float workspace.  FALSE with error
 * set when cancelled or out of memory. */
static gboolean
pca_covariance (const EmbMatrix *matrix,
                GCancellable    *cancellable,
                double         **mean_out,
                double         **acc_out,
                float          **cov_out,
                GError         **error)
{
  PcaSlice slices[PCA_MAX_THREADS] = { { 0 } };
  g_autofree double *mean = NULL;
  g_autofree float *mean_f = NULL;
  gsize n = matrix->n_rows, d = matrix->n_cols;
  gsize block_rows, cells, n_slices, n_cov_slices;

  block_rows = MIN (pca_block_rows (d), n);

  /* Threads for the passes over the rows; the covariance pass splits only
   * where BLAS does not thread ssyrk itself (and the per-thread d x d
   * accumulators are small). */
  n_slices = emb_size_mul (n, d, &cells) ? cells / PCA_FLOATS_PER_THREAD : PCA_MAX_THREADS;
  n_slices = CLAMP (n_slices, 1, MIN ((gsize) g_get_num_processors (), PCA_MAX_THREADS));
  n_slices = MIN (n_slices, (n + block_rows - 1) / block_rows);
  n_cov_slices = d <= PCA_SPLIT_MAX_DIMS ? n_slices : 1;

  for (gsize t = 0; t < n_slices; t++)
    {
      PcaSlice *slice = &slices[t];

      slice->matrix = matrix;
      slice->begin = n * t / n_slices;
      slice->end = n * (t + 1) / n_slices;
      slice->block_rows = block_rows;
      slice->cancellable = cancellable;
      slice->sum = g_new (double, d);
    }

  /* Pass 1: the column means, in double. */
  pca_run_slices (slices, n_slices, pca_slice_sum);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      pca_slices_clear (slices, n_slices);
      return FALSE;
    }
  mean = g_new0 (double, d);
  mean_f = g_new (float, d);
  for (gsize j = 0; j < d; j++)
    {
      for (gsize t = 0; t < n_slices; t++)
        mean[j] += slices[t].sum[j];
      mean[j] /= (double) n;
      mean_f[j] = (float) mean[j];
    }

  /* Pass 2: the centred products, the rows split again for its slices. */
  if (!emb_size_mul (d, d, &cells))
    cells = G_MAXSIZE;
  for (gsize t = 0; t < n_cov_slices; t++)
    {
      PcaSlice *slice = &slices[t];

      slice->begin = n * t / n_cov_slices;
      slice->end = n * (t + 1) / n_cov_slices;
      slice->mean = mean_f;
      if ((slice->acc = pca_try_alloc (cells, sizeof (double), error)) == NULL ||
          (slice->cov = pca_try_alloc (cells, sizeof (float), error)) == NULL ||
          (slice->work = pca_try_alloc (block_rows * d, sizeof (float), error)) == NULL)
        {
          pca_slices_clear (slices, n_slices);
          return FALSE;
        }
    }
  pca_run_slices (slices, n_cov_slices, pca_slice_cov);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      pca_slices_clear (slices, n_slices);
      return FALSE;
    }
  for (gsize t = 1; t < n_cov_slices; t++)
    for (gsize i = 0; i < d; i++)
      for (gsize j = i; j < d; j++)
        slices[0].acc[i * d + j] += slices[t].acc[i * d + j];

  *mean_out = g_steal_pointer (&mean);
  *acc_out = g_steal_pointer (&slices[0].acc);
  *cov_out = g_steal_pointer (&slices[0].cov);
  pca_slices_clear (slices, n_slices);
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
  if (d > (gsize) G_MAXINT32 / 2)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "PCA of %" G_GSIZE_FORMAT " columns is beyond LAPACK's sizes", d);
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
  for (gsize c = 0; c < k; c++)
    {
      const float *z = evecs + (k - 1 - c) * d;
      double norm2 = 0.0, inv;

      for (gsize j = 0; j < d; j++)
        norm2 += (double) z[j] * (double) z[j];
      inv = norm2 > 0.0 ? 1.0 / sqrt (norm2) : 0.0;
      for (gsize j = 0; j < d; j++)
        vd[c * d + j] = (double) z[j] * inv;
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

/* public API */

/* The PCA of the n x d matrix X: mean m_j = sum_i x_ij / n (double);
 * C = sum_i (x_i - m)(x_i - m)^T / (n - 1), accumulated in double from
 * float ssyrk blocks; the top k eigenpairs of C from ssyevr.  Results go to
 * a new EmbPca: components (k x d, unit rows, descending eigenvalue, largest
 * coordinate positive), mean, eigenvalues, their ratios to trace (C).
 * Errors: EMB_ERROR_SHAPE (n < 2 or d < 1), EMB_ERROR_INVALID (k = 0),
 * EMB_ERROR_TOO_LARGE (workspace), EMB_ERROR_NON_FINITE, G_IO_ERROR_CANCELLED. */
EmbPca *
emb_pca_compute (const EmbMatrix *matrix,
                 gsize            k,
                 GCancellable    *cancellable,
                 GError         **error)
{
  g_autofree double *mean = NULL;
  g_autofree double *acc = NULL;      /* d x d, upper triangle: (n - 1) C */
  g_autofree float *cov = NULL;       /* d x d: C in float for ssyevr */
  g_autofree float *evecs = NULL;     /* d x k, column-major: one eigenvector per column */
  g_autofree double *vd = NULL;       /* k x d eigenvectors in double */
  g_autofree double *rayleigh = NULL;
  g_autofree gsize *order = NULL;
  EmbPca *pca;
  gsize n, d;
  double inv_nm1, trace = 0.0;

  g_return_val_if_fail (matrix != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = matrix->n_rows;
  d = matrix->n_cols;
  if (!pca_check_shape (n, d, k, error))
    return NULL;
  k = MIN (k, MIN (d, EMB_PCA_MAX_COMPONENTS));

  if (!pca_covariance (matrix, cancellable, &mean, &acc, &cov, error))
    return NULL;

  /* C in float for ssyevr.  The row-major upper triangle is the
   * column-major lower one, so LAPACK reads it in place without the
   * transposed copy LAPACKE makes for row-major input. */
  inv_nm1 = 1.0 / (double) (n - 1);
  for (gsize i = 0; i < d; i++)
    {
      trace += acc[i * d + i] * inv_nm1;
      for (gsize j = i; j < d; j++)
        cov[i * d + j] = (float) (acc[i * d + j] * inv_nm1);
    }
  if (!isfinite (trace) || trace > (double) G_MAXFLOAT)
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_NON_FINITE,
                           "the covariance is not finite: the matrix holds nan, inf "
                           "or values too large for float arithmetic");
      return NULL;
    }

  evecs = g_new (float, d * k);
  if (!pca_top_eigenvectors (cov, d, k, evecs, error))
    return NULL;
  g_clear_pointer (&cov, g_free);

  vd = g_new (double, k * d);
  rayleigh = g_new (double, k);
  order = g_new (gsize, k);
  pca_refine (acc, inv_nm1, evecs, d, k, vd, rayleigh, order);

  pca = g_new0 (EmbPca, 1);
  pca->n_rows = n;
  pca->n_dims = d;
  pca->n_components = k;
  pca->components = g_new (float, k * d);
  pca->mean = g_steal_pointer (&mean);
  pca->explained_variance = g_new (double, k);
  pca->explained_variance_ratio = g_new (double, k);
  pca->total_variance = trace;
  for (gsize c = 0; c < k; c++)
    {
      const double *v = vd + order[c] * d;
      float *comp = pca->components + c * d;

      for (gsize j = 0; j < d; j++)
        comp[j] = (float) v[j];
      pca_fix_sign (comp, d);
      pca->explained_variance[c] = rayleigh[order[c]];
      pca->explained_variance_ratio[c] = trace > 0.0 ? rayleigh[order[c]] / trace : 0.0;
    }
  return pca;
}

/* out (n x n_out, row-major) = (X - m) V^T, V the first n_out components,
 * in one pass over X: out_ic = (x_i - m_f) . v_c + (m_f - m) . v_c with m_f
 * the float mean.  Centring each row before the products (rather than
 * subtracting m . v_c after) keeps a large mean from cancelling the result
 * away, and the second term, in double, puts back what rounding m to m_f
 * moved.  Rows are split over a few threads when the matrix is large, as
 * the pass is bound by memory bandwidth. */
void
emb_pca_project (const EmbPca    *pca,
                 const EmbMatrix *matrix,
                 gsize            n_out,
                 float           *out)
{
  g_autofree float *mean = NULL;
  g_autofree float *comps = NULL;
  g_autofree float *shift = NULL;
  GThread *threads[PROJECT_MAX_THREADS];
  ProjectJob jobs[PROJECT_MAX_THREADS];
  gsize n, d, padded, cells, n_threads;

  g_return_if_fail (pca != NULL);
  g_return_if_fail (matrix != NULL);
  g_return_if_fail (matrix->n_cols == pca->n_dims);
  g_return_if_fail (n_out <= pca->n_components);

  n = matrix->n_rows;
  d = matrix->n_cols;
  if (n == 0 || n_out == 0)
    return;
  g_return_if_fail (out != NULL);

  /* Zero padding to a multiple of 8 lets the kernel treat the last chunk
   * of every row like the others. */
  padded = (d + 7) & ~(gsize) 7;
  mean = g_new (float, d);
  comps = g_new0 (float, n_out * padded);
  for (gsize j = 0; j < d; j++)
    mean[j] = (float) pca->mean[j];
  shift = g_new0 (float, n_out + PROJECT_GROUP);
  for (gsize c = 0; c < n_out; c++)
    {
      double t = 0.0;

      memcpy (comps + c * padded, pca->components + c * d, d * sizeof (float));
      for (gsize j = 0; j < d; j++)
        t += ((double) mean[j] - pca->mean[j]) * (double) pca->components[c * d + j];
      shift[c] = (float) t;
    }

  if (!emb_size_mul (n, d, &cells))
    cells = G_MAXSIZE;
  n_threads = cells / PROJECT_FLOATS_PER_THREAD;
  n_threads = CLAMP (n_threads, 1, MIN ((gsize) g_get_num_processors (), PROJECT_MAX_THREADS));

  for (gsize t = 0; t < n_threads; t++)
    {
      jobs[t] = (ProjectJob) {
        .data = matrix->data, .n_dims = d, .padded = padded,
        .mean = mean, .comps = comps, .shift = shift, .n_out = n_out, .out = out,
        .begin = n * t / n_threads, .end = n * (t + 1) / n_threads,
      };
    }
  for (gsize t = 1; t < n_threads; t++)
    threads[t] = g_thread_new ("emb-pca-project", project_thread, &jobs[t]);
  project_rows (&jobs[0]);
  for (gsize t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
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
