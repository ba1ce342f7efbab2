/* emb-umap-spectral.c: UMAP's start, the spectral embedding of the fuzzy
 * set.
 *
 * With W the symmetric weights and D their row sums, the eigenvectors of
 * the smallest eigenvalues of the normalised Laplacian L = I - N,
 * N = D^-1/2 W D^-1/2, place strongly connected rows together.  The
 * smallest, 0, belongs to D^1/2 1 and says nothing; the next dims are the
 * coordinates.  Up to dense_max rows L is built whole and LAPACKE_dsyevr
 * finds them; beyond, a Chebyshev-filtered subspace iteration on N
 * (Zhou and Saad, 2007) does: a block of vectors kept orthogonal to
 * D^1/2 1 is multiplied by the Chebyshev polynomial that is small on
 * [-1, theta] (theta the block's smallest Ritz value, so the unwanted
 * part of the spectrum) and large above, then re-orthonormalised, and a
 * Rayleigh-Ritz step on the small projected matrix gives the Ritz pairs,
 * until the wanted pairs' residuals |N v - theta v| are below 1e-6 or
 * the iterations run out; then a residual still above 1e-3 is a failure
 * (and the caller falls back).  The start block comes from the seed, so
 * the result is the same for the same graph and seed.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "map/emb-umap-private.h"

#define DENSE_MAX_DEFAULT  1000
#define GUARD_VECTORS      20
#define MAX_BLOCK          (3 + 1 + GUARD_VECTORS)
#define FILTER_DEGREE      16
#define APPLY_MAX_THREADS  8
/* Rows per thread of the products, below which one thread does all. */
#define APPLY_ROWS         4096
#define MAX_OUTER          40
#define RESIDUAL_TOL       1e-6
/* What a start needs at the end of the iterations: vectors this close to
 * invariant are smooth over the graph even where nearly equal eigenvalues
 * (clusters barely joined) keep them from converging one by one. */
#define ACCEPT_TOL         1e-3
/* An eigenvalue of L this close to 0 besides the first: not connected. */
#define NULL_EIGENVALUE    1e-10

static gsize dense_max = DENSE_MAX_DEFAULT;

typedef struct
{
  gsize          n;
  guint          b;
  const gsize   *row;
  const guint32 *col;
  double        *nv;   /* w_ij / sqrt (d_i d_j) */
  double        *u0;   /* D^1/2 1, unit */
  guint          n_threads;
} SpectralOp;


/* auxiliary functions */

static gsize
find_root (gsize *parent,
           gsize  i)
{
  while (parent[i] != i)
    {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
  return i;
}

/* Rows lo .. hi of y = N x, for n x b row-major blocks. */
static void
op_apply_rows (const SpectralOp *op,
               const double     *x,
               double           *y,
               gsize             lo,
               gsize             hi)
{
  guint b = op->b;

  for (gsize i = lo; i < hi; i++)
    {
      double *yi = y + i * b;

      memset (yi, 0, b * sizeof (double));
      for (gsize e = op->row[i]; e < op->row[i + 1]; e++)
        {
          const double *xj = x + (gsize) op->col[e] * b;
          double v = op->nv[e];

          for (guint c = 0; c < b; c++)
            yi[c] += v * xj[c];
        }
    }
}

typedef struct
{
  const SpectralOp *op;
  const double     *x;
  double           *y;
  gsize             lo;
  gsize             hi;
} ApplyJob;

static gpointer
apply_thread (gpointer data)
{
  ApplyJob *job = data;

  op_apply_rows (job->op, job->x, job->y, job->lo, job->hi);
  return NULL;
}

/* y = N x, the rows shared among threads (each row is computed the same
 * whatever the split, so the result does not depend on it). */
static void
op_apply (const SpectralOp *op,
          const double     *x,
          double           *y)
{
  GThread *threads[APPLY_MAX_THREADS];
  ApplyJob jobs[APPLY_MAX_THREADS];
  guint n_threads = op->n_threads;

  for (guint t = 0; t < n_threads; t++)
    jobs[t] = (ApplyJob) { op, x, y, op->n * t / n_threads, op->n * (t + 1) / n_threads };
  for (guint t = 1; t < n_threads; t++)
    threads[t] = g_thread_new ("emb-umap-spectral", apply_thread, &jobs[t]);
  apply_thread (&jobs[0]);
  for (guint t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
}

/* x -= u0 (u0^T x): the block orthogonal to the trivial eigenvector. */
static void
op_deflate (const SpectralOp *op,
            double           *x)
{
  double coef[MAX_BLOCK];

  cblas_dgemv (CblasRowMajor, CblasTrans, (blasint) op->n, (blasint) op->b,
               1.0, x, (blasint) op->b, op->u0, 1, 0.0, coef, 1);
  cblas_dger (CblasRowMajor, (blasint) op->n, (blasint) op->b, -1.0,
              op->u0, 1, coef, 1, x, (blasint) op->b);
}

/* x orthonormal and orthogonal to u0 (twice, for the rounding). */
static gboolean
op_orthonormalise (const SpectralOp *op,
                   double           *x)
{
  double tau[MAX_BLOCK];

  for (int pass = 0; pass < 2; pass++)
    {
      op_deflate (op, x);
      if (LAPACKE_dgeqrf (LAPACK_ROW_MAJOR, (lapack_int) op->n, (lapack_int) op->b,
                          x, (lapack_int) op->b, tau) != 0 ||
          LAPACKE_dorgqr (LAPACK_ROW_MAJOR, (lapack_int) op->n, (lapack_int) op->b,
                          (lapack_int) op->b, x, (lapack_int) op->b, tau) != 0)
        return FALSE;
    }
  return TRUE;
}

/* x = p (N) x, p the Chebyshev polynomial of degree FILTER_DEGREE mapped
 * from [-1, 1] onto [lo, up]; t1 and t2 are work blocks. */
static void
op_filter (const SpectralOp *op,
           double            lo,
           double            up,
           double           *x,
           double           *t1,
           double           *t2)
{
  gsize cells = op->n * op->b;
  double e = (up - lo) / 2.0, c0 = (up + lo) / 2.0;
  double *prev = x, *cur = t1, *next = t2;

  op_apply (op, x, cur);
  for (gsize i = 0; i < cells; i++)
    cur[i] = (cur[i] - c0 * x[i]) / e;
  for (int k = 2; k <= FILTER_DEGREE; k++)
    {
      double *tmp;

      op_apply (op, cur, next);
      for (gsize i = 0; i < cells; i++)
        next[i] = 2.0 * (next[i] - c0 * cur[i]) / e - prev[i];
      tmp = prev, prev = cur, cur = next, next = tmp;
    }
  if (cur != x)
    memcpy (x, cur, cells * sizeof (double));
}

/* One Rayleigh-Ritz step: x and y = N x become the Ritz vectors and their
 * images, theta the Ritz values ascending; t is a work block.  The
 * largest residual |N v - theta v| of the dims largest in *residual. */
static gboolean
op_ritz (const SpectralOp *op,
         guint             dims,
         double           *x,
         double           *y,
         double           *t,
         double           *theta,
         double           *residual)
{
  gsize n = op->n;
  guint b = op->b;
  double h[MAX_BLOCK * MAX_BLOCK];

  op_apply (op, x, y);
  cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (blasint) b, (blasint) b, (blasint) n,
               1.0, x, (blasint) b, y, (blasint) b, 0.0, h, (blasint) b);
  for (guint r = 0; r < b; r++)
    for (guint c = r + 1; c < b; c++)
      h[r * b + c] = h[c * b + r] = (h[r * b + c] + h[c * b + r]) / 2.0;
  if (LAPACKE_dsyev (LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int) b, h, (lapack_int) b, theta) != 0)
    return FALSE;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint) n, (blasint) b, (blasint) b,
               1.0, x, (blasint) b, h, (blasint) b, 0.0, t, (blasint) b);
  memcpy (x, t, n * b * sizeof (double));
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint) n, (blasint) b, (blasint) b,
               1.0, y, (blasint) b, h, (blasint) b, 0.0, t, (blasint) b);
  memcpy (y, t, n * b * sizeof (double));

  *residual = 0.0;
  for (guint c = b - dims; c < b; c++)
    {
      double r2 = 0.0;

      for (gsize i = 0; i < n; i++)
        {
          double d = y[i * b + c] - theta[c] * x[i * b + c];

          r2 += d * d;
        }
      *residual = MAX (*residual, sqrt (r2));
    }
  return TRUE;
}

/* The operator's weights and u0 from the graph's degrees. */
static gboolean
op_init (const UmapGraph *graph,
         guint            b,
         SpectralOp      *op,
         GError         **error)
{
  gsize n = graph->n, nnz = graph->row[n];
  g_autofree double *dinv = NULL;
  double total = 0.0;

  op->n = n;
  op->b = b;
  op->row = graph->row;
  op->col = graph->col;
  op->n_threads = (guint) CLAMP (n / APPLY_ROWS, 1, MIN (g_get_num_processors (), APPLY_MAX_THREADS));
  if ((dinv = emb_try_new (double, n, "the spectral start's degrees", error)) == NULL ||
      (op->nv = emb_try_new (double, nnz, "the spectral start's weights", error)) == NULL ||
      (op->u0 = emb_try_new (double, n, "the spectral start's trivial vector", error)) == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      double d = 0.0;

      for (gsize e = graph->row[i]; e < graph->row[i + 1]; e++)
        d += graph->w[e];
      op->u0[i] = sqrt (d);
      dinv[i] = d > 0.0 ? 1.0 / sqrt (d) : 0.0;
      total += d;
    }
  for (gsize i = 0; i < n; i++)
    {
      op->u0[i] /= sqrt (total);
      for (gsize e = graph->row[i]; e < graph->row[i + 1]; e++)
        op->nv[e] = graph->w[e] * dinv[i] * dinv[graph->col[e]];
    }
  return TRUE;
}

static UmapSpectralResult
spectral_iterative (const UmapGraph *graph,
                    guint            dims,
                    guint64          seed,
                    GCancellable    *cancellable,
                    double          *out,
                    GError         **error)
{
  gsize n = graph->n;
  guint b = (guint) MIN ((gsize) dims + GUARD_VECTORS, n - 1);
  SpectralOp op = { 0 };
  g_autofree double *x = NULL, *y = NULL, *t1 = NULL, *t2 = NULL;
  double theta[MAX_BLOCK], residual = INFINITY;
  UmapSpectralResult result = UMAP_SPECTRAL_FAILED;
  EmbRng rng;

  if (n < 2 || b < dims + 1)
    return UMAP_SPECTRAL_FAILED;
  if (!op_init (graph, b, &op, error) ||
      (x = emb_try_new (double, n * b, "the spectral start's block", error)) == NULL ||
      (y = emb_try_new (double, n * b, "the spectral start's images", error)) == NULL ||
      (t1 = emb_try_new (double, n * b, "the spectral start's work", error)) == NULL ||
      (t2 = emb_try_new (double, n * b, "the spectral start's work", error)) == NULL)
    {
      result = UMAP_SPECTRAL_ERROR;
      goto out;
    }
  emb_rng_init_stream (&rng, seed, 0x5bec7a1, 0);
  for (gsize i = 0; i < n * b; i++)
    x[i] = 2.0 * emb_rng_double (&rng) - 1.0;
  if (!op_orthonormalise (&op, x) || !op_ritz (&op, dims, x, y, t1, theta, &residual))
    goto out;

  for (int it = 0; it < MAX_OUTER && residual > RESIDUAL_TOL; it++)
    {
      double up = MAX (theta[0], -0.9);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          result = UMAP_SPECTRAL_ERROR;
          goto out;
        }
      /* nothing left to separate: the wanted values sit on the bound */
      if (up >= theta[b - dims] - 1e-14)
        break;
      op_filter (&op, -1.0, up, x, t1, t2);
      if (!op_orthonormalise (&op, x) || !op_ritz (&op, dims, x, y, t1, theta, &residual))
        goto out;
    }
  if (residual <= ACCEPT_TOL)
    {
      for (gsize i = 0; i < n; i++)
        for (guint c = 0; c < dims; c++)
          out[i * dims + c] = x[i * b + (b - 1 - c)];
      result = UMAP_SPECTRAL_OK;
    }

out:
  g_free (op.nv);
  g_free (op.u0);
  return result;
}

static UmapSpectralResult
spectral_dense (const UmapGraph *graph,
                guint            dims,
                double          *out,
                GError         **error)
{
  gsize n = graph->n;
  g_autofree double *l = NULL, *z = NULL, *dinv = NULL, *w = NULL;
  lapack_int found = 0, isuppz[2 * (3 + 1)];

  if (n < (gsize) dims + 2)
    return UMAP_SPECTRAL_FAILED;
  if ((l = emb_try_new0 (double, n * n, "the spectral start's Laplacian", error)) == NULL ||
      (z = emb_try_new (double, n * (dims + 1), "the spectral start's eigenvectors", error)) == NULL ||
      (dinv = emb_try_new (double, n, "the spectral start's degrees", error)) == NULL ||
      (w = emb_try_new (double, n, "the spectral start's eigenvalues", error)) == NULL)
    return UMAP_SPECTRAL_ERROR;
  for (gsize i = 0; i < n; i++)
    {
      double d = 0.0;

      for (gsize e = graph->row[i]; e < graph->row[i + 1]; e++)
        d += graph->w[e];
      dinv[i] = d > 0.0 ? 1.0 / sqrt (d) : 0.0;
    }
  for (gsize i = 0; i < n; i++)
    {
      l[i * n + i] = 1.0;
      for (gsize e = graph->row[i]; e < graph->row[i + 1]; e++)
        l[i * n + graph->col[e]] -= graph->w[e] * dinv[i] * dinv[graph->col[e]];
    }
  if (LAPACKE_dsyevr (LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int) n, l, (lapack_int) n,
                      0.0, 0.0, 1, (lapack_int) dims + 1, 0.0, &found, w,
                      z, (lapack_int) dims + 1, isuppz) != 0 ||
      found != (lapack_int) dims + 1 || w[1] < NULL_EIGENVALUE)
    return UMAP_SPECTRAL_FAILED;
  for (gsize i = 0; i < n; i++)
    for (guint c = 0; c < dims; c++)
      out[i * dims + c] = z[i * (dims + 1) + c + 1];
  return UMAP_SPECTRAL_OK;
}


/* shared within UMAP (see emb-umap-private.h) */

gboolean
umap_graph_components (const UmapGraph *graph,
                       gsize           *n_components,
                       GError         **error)
{
  g_autofree gsize *parent = NULL;
  gsize count = 0;

  if ((parent = emb_try_new (gsize, graph->n, "UMAP's components", error)) == NULL)
    return FALSE;
  for (gsize i = 0; i < graph->n; i++)
    parent[i] = i;
  for (gsize i = 0; i < graph->n; i++)
    for (gsize e = graph->row[i]; e < graph->row[i + 1]; e++)
      {
        gsize ri = find_root (parent, i), rj = find_root (parent, graph->col[e]);

        if (ri != rj)
          parent[MAX (ri, rj)] = MIN (ri, rj);
      }
  for (gsize i = 0; i < graph->n; i++)
    count += parent[i] == i;
  *n_components = count;
  return TRUE;
}

UmapSpectralResult
umap_spectral (const UmapGraph *graph,
               guint            dims,
               guint64          seed,
               GCancellable    *cancellable,
               double          *out,
               GError         **error)
{
  g_return_val_if_fail (dims >= 1 && dims <= 3, UMAP_SPECTRAL_FAILED);

  if (graph->n <= dense_max)
    return spectral_dense (graph, dims, out, error);
  return spectral_iterative (graph, dims, seed, cancellable, out, error);
}

gsize
umap_spectral_dense_max (void)
{
  return dense_max;
}

void
umap_spectral_set_dense_max (gsize n)
{
  dense_max = n;
}
