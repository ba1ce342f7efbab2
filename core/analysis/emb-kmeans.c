/* emb-kmeans.c: k-means++ and Lloyd on a sample, then passes over every row.
 *
 * This file runs the stages and answers the queries on a result; the
 * seeding is in emb-kmeans-seed.c, the passes in emb-kmeans-lloyd.c.
 *
 * Every row is seen through its "clustering vector" x~ = s x: s = 1 for the
 * euclidean metric, s = 1/|x| for cosine (0 for a zero row), so spherical
 * k-means needs no normalised copy of the matrix, only the row norms.  The
 * squared distance to a centroid c is
 *
 *   |x~ - c|^2 = |x~|^2 - 2 s (x.c) + |c|^2,
 *
 * with x.c for a block of rows against all k centroids in one sgemm.  That
 * float value only screens: a bound on its error says which centroids could
 * be the nearest, and when more than one could, they are compared on the
 * distance summed in double from the differences.  So every assignment is
 * the nearest centroid in double precision, ties to the lower id, whatever
 * the rounding of sgemm, and the distance kept for the inertia is the
 * double one (no cancellation in |x|^2 - 2 x.c + |c|^2).
 *
 * The sample (at most sample_per_cluster * k rows, chosen without
 * replacement by selection sampling so it is in row order) is gathered into
 * a small copy; k-means++ seeds on an evenly strided part of it (at most
 * 256 * k rows) and Lloyd runs on all of it to convergence.
 * Then the passes over all rows: assign every row to the sample's centroids
 * and move each centroid to the mean of its rows (in double), then assign
 * every row again to those centroids and sum the inertia.  The returned
 * assignment is therefore each row's nearest returned centroid.
 *
 * A pass cuts the rows into chunks fixed by the shape alone, each with its
 * own sums, spread over a few threads and added up in chunk order: the
 * result does not depend on the number of cores.  Memory on top of the
 * matrix: 16 bytes a row (assignment, a distance, the row's norm) and the
 * sample.
 */
#include "config.h"

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "analysis/emb-kmeans-private.h"

/* One run: its shape, the rows seen (all and the sample), the centroids
 * and the pass buffers.  Owned buffers go in km_run_clear. */
typedef struct
{
  gsize         n, d, k, m;
  EmbMetric     metric;
  guint         max_iter;
  EmbRng        rng;
  KmProgress    prog;
  GCancellable *cancellable;
  EmbKmeans    *km;
  KmRows        full, sample;
  KmCentroids   cents;
  KmPass        pass;
  float        *dist;           /* n */
  gsize        *counts;         /* k */
  float        *sample_data;    /* m x d, or NULL when the sample is every row */
  guint32      *sample_assign;
  float        *sample_dist;
} KmRun;

/* auxiliary functions */

static void
km_run_clear (KmRun *run)
{
  g_free (run->full.sq);
  g_free (run->sample_data);
  if (run->sample.sq != run->full.sq)
    g_free (run->sample.sq);
  g_free (run->cents.norm2);
  g_free (run->cents.norm2f);
  g_free (run->cents.cd);
  g_free (run->pass.sums);
  g_free (run->counts);
  g_free (run->dist);
  g_free (run->sample_assign);
  g_free (run->sample_dist);
}

/* The arguments k-means cannot work with, as EMB_ERROR_INVALID (or
 * EMB_ERROR_TOO_LARGE for sizes past the 32-bit ids and BLAS's ints). */
static gboolean
km_check (gsize       n,
          gsize       d,
          gsize       k,
          EmbMetric   metric,
          GError    **error)
{
  if (metric != EMB_METRIC_COSINE && metric != EMB_METRIC_EUCLIDEAN)
    {
      const char *name = emb_metric_to_string (metric);

      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "k-means supports the cosine and euclidean metrics, not %s",
                   name != NULL ? name : "an unknown one");
      return FALSE;
    }
  if (k == 0)
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_INVALID,
                           "k-means needs at least one cluster (k = 0)");
      return FALSE;
    }
  if (k > n)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "k-means needs k at most the number of rows: k = %"
                   G_GSIZE_FORMAT " is more than the %" G_GSIZE_FORMAT " rows",
                   k, n);
      return FALSE;
    }
  if (d == 0)
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_INVALID,
                           "k-means needs rows with at least one column");
      return FALSE;
    }
  /* Cluster ids are 32-bit, and BLAS takes int sizes. */
  if (k > G_MAXUINT32 || d > G_MAXINT || k > G_MAXINT)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "k-means cannot make %" G_GSIZE_FORMAT " clusters of %"
                   G_GSIZE_FORMAT "-dimensional rows", k, d);
      return FALSE;
    }
  return TRUE;
}

/* The result and the buffers for its shape; the sample is the matrix
 * itself when it is small enough, else a copy of the chosen rows, in row
 * order.  The buffers sized by the input go through the memory check;
 * FALSE with EMB_ERROR_TOO_LARGE when one is not there. */
static gboolean
km_run_init (KmRun                  *run,
             const EmbMatrix        *matrix,
             const EmbKmeansOptions *options,
             GError                **error)
{
  gsize n = run->n, d = run->d, k = run->k, m = run->m, kd;
  EmbKmeans *km;

  emb_rng_init (&run->rng, options->seed);
  run->km = km = g_new0 (EmbKmeans, 1);
  km->k = k;
  km->n_rows = n;
  km->n_dims = d;
  km->metric = run->metric;
  run->cents.k = k;
  run->cents.d = d;
  run->cents.max_norm = 0.0;
  if (!emb_size_mul (k, d, &kd))
    kd = G_MAXSIZE;
  if ((km->centroids = emb_try_new (float, kd, "k-means centroids", error)) == NULL ||
      (km->assignment = emb_try_new (guint32, n, "k-means assignment", error)) == NULL ||
      (km->sizes = emb_try_new0 (gsize, k, "k-means cluster sizes", error)) == NULL ||
      (run->cents.norm2 = emb_try_new (double, k, "k-means centroid norms", error)) == NULL ||
      (run->cents.norm2f = emb_try_new (float, k, "k-means centroid norms", error)) == NULL ||
      (run->cents.cd = emb_try_new (double, kd, "k-means centroids in double", error)) == NULL ||
      (run->pass.sums = emb_try_new (double, kd, "k-means cluster sums", error)) == NULL ||
      (run->counts = emb_try_new (gsize, k, "k-means cluster counts", error)) == NULL ||
      (run->dist = emb_try_new (float, n, "k-means distances", error)) == NULL ||
      (run->full.sq = emb_try_new (double, n, "k-means row norms", error)) == NULL)
    return FALSE;
  run->cents.c = km->centroids;
  run->pass.counts = run->counts;

  run->full.data = matrix->data;
  run->full.n = n;
  run->full.d = d;

  if (m == n)
    {
      emb_rows_sq_norms (matrix->data, n, d, run->full.sq);
      run->sample = run->full;
      return TRUE;
    }
  /* m = k x the rows per cluster < n, so m x d fits beside the matrix. */
  if ((run->sample_data = emb_try_new (float, m * d, "the k-means sample", error)) == NULL ||
      (run->sample.sq = emb_try_new (double, m, "the k-means sample's norms", error)) == NULL)
    return FALSE;
  {
    g_autofree gsize *idx = km_sample_indices (n, m, &run->rng);

    for (gsize i = 0; i < m; i++)
      memcpy (run->sample_data + i * d, emb_matrix_row (matrix, idx[i]), d * sizeof (float));
  }
  run->sample.data = run->sample_data;
  run->sample.n = m;
  run->sample.d = d;
  emb_rows_sq_norms (run->sample_data, m, d, run->sample.sq);
  return TRUE;
}

/* Seeds on every stride-th sample row: the sample is random, so an even
 * stride through it is too (its first rows would favour low ids). */
static gboolean
km_run_seed (KmRun   *run,
             GError **error)
{
  gsize m = run->m, d = run->d;
  gsize m_seed = MIN (m, run->k * KMEANS_SEED_PER_CLUSTER);
  KmRows seed_rows = run->sample;
  g_autofree float *seed_data = NULL;
  g_autofree double *seed_sq = NULL;

  if (m_seed < m)
    {
      seed_data = g_new (float, m_seed * d);
      seed_sq = g_new (double, m_seed);
      for (gsize i = 0; i < m_seed; i++)
        {
          gsize src = i * m / m_seed;
          memcpy (seed_data + i * d, run->sample.data + src * d, d * sizeof (float));
          seed_sq[i] = run->sample.sq[src];
        }
      seed_rows.data = seed_data;
      seed_rows.n = m_seed;
      seed_rows.sq = seed_sq;
    }
  return km_seed (&seed_rows, run->metric, &run->cents, &run->rng, run->cancellable, &run->prog, error);
}

/* Lloyd on the sample until no assignment changes. */
static gboolean
km_run_sample (KmRun   *run,
               GError **error)
{
  KmPass *pass = &run->pass;
  gsize m = run->m;

  if (m == run->n)
    {
      pass->assignment = run->km->assignment;
      pass->dist = run->dist;
    }
  else
    {
      pass->assignment = run->sample_assign = g_new (guint32, m);
      pass->dist = run->sample_dist = g_new (float, m);
    }
  for (gsize i = 0; i < m; i++)
    pass->assignment[i] = G_MAXUINT32;
  for (guint it = 0; it < run->max_iter; it++)
    {
      double p = KMEANS_PROGRESS_SEED + (KMEANS_PROGRESS_SAMPLE - KMEANS_PROGRESS_SEED) * it / run->max_iter;
      gsize moved;

      if (!km_pass (&run->sample, run->metric, &run->cents, FALSE, FALSE, pass,
                    run->cancellable, &run->prog, p, p, error))
        return FALSE;
      moved = km_reseed_empty (&run->sample, run->metric, pass, run->k);
      if (pass->n_changed == 0 && moved == 0)
        break;
      km_update_centroids (&run->cents, run->metric, pass);
      run->km->n_iter++;
    }
  km_progress (&run->prog, KMEANS_PROGRESS_SAMPLE);
  return TRUE;
}

/* Passes over every row: the first few move the centroids to the means
 * of all their rows, the last only assigns and sums the inertia.  The
 * exact distances, which only the inertia needs, are computed in a pass
 * that may be the last: after the planned updates, when the sample was
 * every row (its assignment carries over, and a converged one needs one
 * pass), or once a pass changed nothing. */
static gboolean
km_run_full (KmRun   *run,
             GError **error)
{
  KmPass *pass = &run->pass;
  gsize n = run->n, m = run->m, k = run->k;
  gboolean fixed = FALSE;

  pass->assignment = run->km->assignment;
  pass->dist = run->dist;
  if (m != n)
    for (gsize i = 0; i < n; i++)
      pass->assignment[i] = G_MAXUINT32;
  for (guint p = 0; ; p++)
    {
      guint planned = KMEANS_FULL_UPDATES + 1;
      double p0 = KMEANS_PROGRESS_SAMPLE + (1.0 - KMEANS_PROGRESS_SAMPLE) * MIN (p, planned - 1) / planned;
      double p1 = KMEANS_PROGRESS_SAMPLE + (1.0 - KMEANS_PROGRESS_SAMPLE) * MIN (p + 1, planned) / planned;
      gboolean exact = p >= KMEANS_FULL_UPDATES || m == n || fixed;
      gsize n_empty = 0;

      if (!km_pass (&run->full, run->metric, &run->cents, p == 0 && m != n, exact, pass,
                    run->cancellable, &run->prog, p0, p1, error))
        return FALSE;
      for (gsize c = 0; c < k; c++)
        n_empty += run->counts[c] == 0;
      fixed = pass->n_changed == 0 && n_empty == 0;
      if (!fixed && p >= KMEANS_FULL_UPDATES &&
          (n_empty == 0 || p >= KMEANS_FULL_UPDATES + KMEANS_EXTRA_PASSES))
        break;
      /* Empty clusters that no row can fill leave a fixed point too. */
      if (!fixed)
        fixed = km_reseed_empty (&run->full, run->metric, pass, k) == 0 && pass->n_changed == 0;
      if (fixed && exact)
        break;
      if (!fixed)
        {
          km_update_centroids (&run->cents, run->metric, pass);
          run->km->n_iter++;
        }
    }
  memcpy (run->km->sizes, run->counts, k * sizeof (gsize));
  run->km->inertia = pass->inertia;
  return TRUE;
}

/* public API */

void
emb_kmeans_free (EmbKmeans *km)
{
  if (km == NULL)
    return;
  g_free (km->centroids);
  g_free (km->assignment);
  g_free (km->sizes);
  g_free (km);
}

/* Clusters the rows of matrix into k: see emb-kmeans.h and the top of
 * this file.  Runs in the caller's thread. */
EmbKmeans *
emb_kmeans_run (const EmbMatrix        *matrix,
                const EmbKmeansOptions *options,
                GCancellable           *cancellable,
                EmbProgressFunc         progress,
                gpointer                progress_data,
                GError                **error)
{
  KmRun run = { 0 };
  gsize per_cluster;
  gboolean ok;

  g_return_val_if_fail (matrix != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!km_check (matrix->n_rows, matrix->n_cols, options->k, options->metric, error))
    return NULL;
  run.n = matrix->n_rows;
  run.d = matrix->n_cols;
  run.k = options->k;
  run.metric = options->metric;
  run.max_iter = options->max_iter != 0 ? options->max_iter : KMEANS_DEFAULT_MAX_ITER;
  run.prog = (KmProgress) { progress, progress_data, 0.0 };
  run.cancellable = cancellable;
  per_cluster = options->sample_per_cluster != 0 ? options->sample_per_cluster
                                                 : KMEANS_DEFAULT_PER_CLUSTER;
  if (!emb_size_mul (run.k, per_cluster, &run.m) || run.m > run.n)
    run.m = run.n;

  ok = km_run_init (&run, matrix, options, error) &&
       km_run_seed (&run, error) && km_run_sample (&run, error) && km_run_full (&run, error);
  km_run_clear (&run);
  if (!ok)
    {
      emb_kmeans_free (run.km);
      return NULL;
    }
  km_progress (&run.prog, 1.0);
  return run.km;
}

/* The n rows of cluster c with the smallest |x~_i - c|^2 (exact in
 * double), nearest first, ties to the lower id: a max-heap of the n best
 * so far, its root the worst of them, then sorted. */
gsize
emb_kmeans_nearest (const EmbKmeans *km,
                    const EmbMatrix *matrix,
                    gsize            c,
                    gsize            n,
                    gsize           *out)
{
  gsize d, size, cap, used = 0;
  g_autofree double *hd = NULL;
  g_autofree gsize *hi = NULL;

  g_return_val_if_fail (km != NULL, 0);
  g_return_val_if_fail (matrix != NULL, 0);
  g_return_val_if_fail (matrix->n_rows == km->n_rows && matrix->n_cols == km->n_dims, 0);
  g_return_val_if_fail (c < km->k, 0);
  g_return_val_if_fail (out != NULL || n == 0, 0);

  d = km->n_dims;
  size = km->sizes[c];
  cap = MIN (n, size);
  if (cap == 0)
    return 0;
  hd = g_new (double, cap);
  hi = g_new (gsize, cap);

#define WORSE(da, ia, db, ib) ((da) > (db) || ((da) == (db) && (ia) > (ib)))
  for (gsize i = 0; i < km->n_rows; i++)
    {
      const float *x;
      double sq, s, q, e;
      gsize pos;

      if (km->assignment[i] != c)
        continue;
      x = emb_matrix_row (matrix, i);
      emb_rows_sq_norms (x, 1, d, &sq);
      km_row_scale (km->metric, sq, &s, &q);
      e = km_dist (x, s, km->centroids + c * d, d);

      if (used < cap)
        {
          /* Sift up. */
          pos = used++;
          while (pos > 0)
            {
              gsize parent = (pos - 1) / 2;

              if (!WORSE (e, i, hd[parent], hi[parent]))
                break;
              hd[pos] = hd[parent];
              hi[pos] = hi[parent];
              pos = parent;
            }
        }
      else if (WORSE (hd[0], hi[0], e, i))
        {
          /* Replace the worst and sift down. */
          pos = 0;
          for (;;)
            {
              gsize child = 2 * pos + 1;

              if (child >= used)
                break;
              if (child + 1 < used && WORSE (hd[child + 1], hi[child + 1], hd[child], hi[child]))
                child++;
              if (!WORSE (hd[child], hi[child], e, i))
                break;
              hd[pos] = hd[child];
              hi[pos] = hi[child];
              pos = child;
            }
        }
      else
        continue;
      hd[pos] = e;
      hi[pos] = i;
    }

  /* Pop the worst to the back until the heap is empty: nearest first. */
  for (gsize end = used; end > 0; end--)
    {
      double e = hd[end - 1];
      gsize id = hi[end - 1], pos = 0;

      out[end - 1] = hi[0];
      for (;;)
        {
          gsize child = 2 * pos + 1;

          if (child >= end - 1)
            break;
          if (child + 1 < end - 1 && WORSE (hd[child + 1], hi[child + 1], hd[child], hi[child]))
            child++;
          if (!WORSE (hd[child], hi[child], e, id))
            break;
          hd[pos] = hd[child];
          hi[pos] = hi[child];
          pos = child;
        }
      hd[pos] = e;
      hi[pos] = id;
    }
#undef WORSE
  return used;
}

/* round (sqrt (n / 50)), at least 2 and at most 20, and at most n: about
 * 12..20 clusters for tens of thousands of rows and more. */
gsize
emb_kmeans_default_k (gsize n_rows)
{
  gsize k = (gsize) floor (sqrt ((double) n_rows / 50.0) + 0.5);

  k = CLAMP (k, 2, 20);
  return MIN (k, n_rows);
}
