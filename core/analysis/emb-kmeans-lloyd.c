/* emb-kmeans-lloyd.c: Lloyd's steps: assign rows to their nearest centroid
 * (sgemm screening, exact distances in double), pass over the rows in
 * threads, refill empty clusters, move the centroids to their means. */
#include "config.h"

#include <cblas.h>

#include "base/emb-alloc.h"
#include "analysis/emb-kmeans-private.h"

/* The exact squared distance sum_j (s x_j - c_j)^2 in double, from the
 * differences, four lanes at a time.  The distances that decide between
 * centroids all come from here (or from the same sum in km_assign_block),
 * so they round the same way. */
EMB_SIMD_CLONES double
km_dist (const float *x,
         double       s,
         const float *c,
         gsize        d)
{
  v4df acc = { 0 }, sv = { s, s, s, s };
  double r;
  gsize j;

  for (j = 0; j + 4 <= d; j += 4)
    {
      v4sf xf, cf;
      v4df diff;

      memcpy (&xf, x + j, sizeof xf);
      memcpy (&cf, c + j, sizeof cf);
      diff = __builtin_convertvector (xf, v4df) * sv - __builtin_convertvector (cf, v4df);
      acc += diff * diff;
    }
  r = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; j < d; j++)
    {
      double diff = s * x[j] - c[j];

      r += diff * diff;
    }
  return r;
}

/* min_j f[j], eight lanes at a time (a scan with a scalar minimum would
 * wait on each comparison in turn). */
static inline float
km_min (const float *f,
        gsize        k)
{
  v8sf m;
  float r;
  gsize j;

  for (int t = 0; t < 8; t++)
    m[t] = G_MAXFLOAT;
  for (j = 0; j + 8 <= k; j += 8)
    {
      v8sf v;
      v8si lt;

      memcpy (&v, f + j, sizeof v);
      lt = v < m;
      m = (v8sf) (((v8si) v & lt) | ((v8si) m & ~lt));
    }
  r = m[0];
  for (int t = 1; t < 8; t++)
    r = MIN (r, m[t]);
  for (; j < k; j++)
    r = MIN (r, f[j]);
  return r;
}

/* For the rows of one block, given their dot products with every centroid
 * (rows x k, from sgemm) in dots, overwritten: the nearest centroid
 * a(i) = argmin_j |x~_i - c_j|^2 (exact in double when the float values
 * cannot decide, ties to the lower j), and the row added to the sum and
 * count of its cluster.  dist[i] gets the exact squared distance to it,
 * summed into the inertia, when exact; otherwise only a lower bound (the
 * float value less its error bound), enough to find the farthest rows. */
EMB_SIMD_CLONES static void
km_assign_block (const KmRows      *rows,
                 EmbMetric          metric,
                 const KmCentroids *cents,
                 gboolean           exact,
                 gsize              begin,
                 gsize              end,
                 float             *dots,
                 double            *xd,
                 guint32           *assignment,
                 float             *dist,
                 KmChunk           *chunk)
{
  gsize k = cents->k, d = rows->d;
  const float *cn2 = cents->norm2f;

  for (gsize i = begin; i < end; i++)
    {
      const float *x = rows->data + i * d;
      float *restrict f = dots + (i - begin) * k;
      double *restrict sum;
      double s, q;
      float sf, qf, best_f, bound, limit;
      gsize best = 0, n_cand = 0;
      gboolean screened;

      km_row_scale (metric, rows->sq[i], &s, &q);
      sf = (float) (2.0 * s);
      qf = (float) q;
      for (gsize j = 0; j < k; j++)
        f[j] = qf - sf * f[j] + cn2[j];
      best_f = km_min (f, k);
      while (best < k && f[best] != best_f)
        best++;

      /* Any centroid within twice the bound of the best could be the true
       * nearest: decide between those in double.  When the float values
       * overflowed (rows or centroids beyond sqrt (FLT_MAX)) the screening
       * says nothing, and every centroid is measured in double, where
       * the distances of finite floats are finite. */
      bound = km_screen_bound (d, s, q, cents->max_norm);
      limit = best_f + 2.0f * bound;
      screened = best < k && isfinite (limit);
      for (gsize j = 0; j < k; j++)
        {
          n_cand += f[j] <= limit;
          screened &= isfinite (f[j]);
        }
      if (!screened)
        {
          best = 0;
          n_cand = k;
          limit = INFINITY;
        }
      if (n_cand > 1)
        {
          double best_e = G_MAXDOUBLE;

          for (gsize j = 0; j < k; j++)
            if (!screened || f[j] <= limit)
              {
                double e = km_dist (x, s, cents->c + j * d, d);

                if (e < best_e)
                  {
                    best_e = e;
                    best = j;
                  }
              }
        }

      /* x~ in double, added to the cluster's sum; then, for the inertia,
       * sum_j (x~_j - c_j)^2 from the differences, four lanes at a time. */
      sum = chunk->sums + best * d;
      for (gsize j = 0; j < d; j++)
        {
          xd[j] = s * x[j];
          sum[j] += xd[j];
        }
      if (exact)
        {
          const double *c = cents->cd + best * d;
          v4df acc = { 0 };
          double e;
          gsize j;

          for (j = 0; j + 4 <= d; j += 4)
            {
              v4df a, b;

              memcpy (&a, xd + j, sizeof a);
              memcpy (&b, c + j, sizeof b);
              a -= b;
              acc += a * a;
            }
          e = (acc[0] + acc[1]) + (acc[2] + acc[3]);
          for (; j < d; j++)
            e += (xd[j] - c[j]) * (xd[j] - c[j]);
          chunk->inertia += e;
          dist[i] = (float) e;
        }
      else
        dist[i] = screened ? MAX (best_f - bound, 0.0f) : (float) km_dist (x, s, cents->c + best * d, d);

      chunk->counts[best]++;
      if (assignment[i] != best)
        {
          assignment[i] = (guint32) best;
          chunk->n_changed++;
        }
    }
}

/* Refreshes |c_j|^2 (in double) and max_j |c_j| after the centroids moved. */
void
km_centroids_norms (KmCentroids *cents)
{
  cents->max_norm = 0.0;
  for (gsize j = 0; j < cents->k; j++)
    {
      emb_rows_sq_norms (cents->c + j * cents->d, 1, cents->d, cents->norm2 + j);
      cents->norm2f[j] = (float) cents->norm2[j];
      for (gsize t = 0; t < cents->d; t++)
        cents->cd[j * cents->d + t] = cents->c[j * cents->d + t];
      cents->max_norm = MAX (cents->max_norm, sqrt (cents->norm2[j]));
    }
}

/* The partition of n rows into chunks for a pass: it depends only on n, k
 * and d, never on the number of threads, and the chunks' sums are added in
 * chunk order, so a seed gives the same bits on any machine's core count. */
static gsize
km_n_chunks (gsize n,
             gsize k,
             gsize d)
{
  gsize chunks = CLAMP (n / KMEANS_CHUNK_MIN_ROWS, 1, KMEANS_MAX_CHUNKS);

  while (chunks > 1 && chunks * k * d * sizeof (double) > KMEANS_CHUNK_SUMS_MAX_BYTES)
    chunks--;
  return chunks;
}

/* Rows per block, and whether our own threads may run blocks side by side:
 * only when a block's sgemm is small enough that OpenBLAS runs it on the
 * calling thread (else concurrent calls queue on its lock).  Otherwise one
 * thread, with blocks of about KMEANS_BLOCK_TARGET_BYTES that OpenBLAS
 * threads itself. */
static gsize
km_block_rows (gsize     d,
               gsize     k,
               gboolean *parallel)
{
  gsize rows = KMEANS_BLOCK_TARGET_BYTES / (d * sizeof (float));
  gsize serial = KMEANS_BLAS_SERIAL_MNK / (k * d);

  rows = CLAMP (rows, KMEANS_BLOCK_MIN_ROWS, KMEANS_BLOCK_MAX_ROWS);
  *parallel = serial >= KMEANS_BLOCK_MIN_ROWS;
  if (*parallel)
    rows = MIN (rows, serial);
  /* With very many centroids, fewer rows: the block's dot products
   * (rows x k floats) stay a few MB. */
  return MAX (MIN (rows, KMEANS_BLOCK_MAX_DOTS / k), 1);
}

/* One pass over the rows shared by its threads; each thread takes chunks
 * t, t + n_threads, ..., and only the calling thread (t = 0) reports
 * progress. */
typedef struct
{
  const KmRows      *rows;
  EmbMetric          metric;
  const KmCentroids *cents;
  gboolean           fill_sq;
  gboolean           exact;
  guint32           *assignment;
  float             *dist;
  KmChunk           *chunks;
  gsize              n_chunks;
  guint              n_threads;
  gsize              block;
  GCancellable      *cancellable;
  KmProgress        *progress;
  double             p0, p1;
  gint               cancelled;  /* atomic */
  gsize              rows_done;  /* atomic */
} KmPassJob;

typedef struct
{
  KmPassJob *job;
  guint      t;
} KmWorker;

static gpointer
km_pass_worker (gpointer data)
{
  KmWorker *w = data;
  KmPassJob *job = w->job;
  const KmRows *rows = job->rows;
  gsize k = job->cents->k, d = rows->d;
  g_autofree float *dots = g_new (float, job->block * k);
  g_autofree double *xd = g_new (double, d);

  for (gsize ci = w->t; ci < job->n_chunks; ci += job->n_threads)
    {
      KmChunk *chunk = &job->chunks[ci];

      for (gsize begin = chunk->begin; begin < chunk->end; begin += job->block)
        {
          gsize end = MIN (begin + job->block, chunk->end);
          const float *x = rows->data + begin * d;
          gsize done;

          if (g_atomic_int_get (&job->cancelled))
            return NULL;
          if (g_cancellable_is_cancelled (job->cancellable))
            {
              g_atomic_int_set (&job->cancelled, TRUE);
              return NULL;
            }
          if (job->fill_sq)
            emb_rows_sq_norms (x, end - begin, d, rows->sq + begin);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans,
                       (int) (end - begin), (int) k, (int) d,
                       1.0f, x, (int) d, job->cents->c, (int) d,
                       0.0f, dots, (int) k);
          km_assign_block (rows, job->metric, job->cents, job->exact, begin, end,
                           dots, xd, job->assignment, job->dist, chunk);
          done = g_atomic_pointer_add (&job->rows_done, end - begin) + (end - begin);
          if (w->t == 0)
            km_progress (job->progress, job->p0 + (job->p1 - job->p0) * done / rows->n);
        }
    }
  return NULL;
}

/* One pass over rows: every row assigned to its nearest centroid, with
 * the clusters' sums and counts and, when exact, the exact distances and
 * the inertia sum_i |x~_i - c_a(i)|^2.  When fill_sq, the row norms are
 * computed on the way (the block is then in cache for sgemm).  Progress
 * goes from p0 to p1; FALSE when cancelled or out of memory. */
gboolean
km_pass (const KmRows      *rows,
         EmbMetric          metric,
         const KmCentroids *cents,
         gboolean           fill_sq,
         gboolean           exact,
         KmPass            *pass,
         GCancellable      *cancellable,
         KmProgress        *progress,
         double             p0,
         double             p1,
         GError           **error)
{
  gsize k = cents->k, d = rows->d;
  gsize n_chunks = km_n_chunks (rows->n, k, d);
  g_autofree KmChunk *chunks = g_new0 (KmChunk, n_chunks);
  g_autofree double *partial = NULL;
  g_autofree gsize *partial_counts = NULL;
  g_autofree KmWorker *workers = NULL;
  g_autofree GThread **threads = NULL;
  KmPassJob job = { 0 };
  gboolean parallel;

  job.rows = rows;
  job.metric = metric;
  job.cents = cents;
  job.fill_sq = fill_sq;
  job.exact = exact;
  job.assignment = pass->assignment;
  job.dist = pass->dist;
  job.chunks = chunks;
  job.n_chunks = n_chunks;
  job.block = km_block_rows (d, k, &parallel);
  job.cancellable = cancellable;
  job.progress = progress;
  job.p0 = p0;
  job.p1 = p1;
  job.n_threads = parallel ? MIN (MIN ((guint) n_chunks, (guint) g_get_num_processors ()),
                                  KMEANS_MAX_THREADS) : 1;

  /* The first chunk sums straight into the pass's totals. */
  memset (pass->sums, 0, k * d * sizeof (double));
  memset (pass->counts, 0, k * sizeof (gsize));
  if (n_chunks > 1)
    {
      partial = emb_try_new0 (double, (n_chunks - 1) * k * d, "k-means partial sums", error);
      partial_counts = partial != NULL ? emb_try_new0 (gsize, (n_chunks - 1) * k,
                                                       "k-means partial counts", error) : NULL;
      if (partial == NULL || partial_counts == NULL)
        return FALSE;
    }
  for (gsize c = 0; c < n_chunks; c++)
    {
      chunks[c].begin = rows->n * c / n_chunks;
      chunks[c].end = rows->n * (c + 1) / n_chunks;
      chunks[c].sums = c == 0 ? pass->sums : partial + (c - 1) * k * d;
      chunks[c].counts = c == 0 ? pass->counts : partial_counts + (c - 1) * k;
    }

  workers = g_new (KmWorker, job.n_threads);
  threads = g_new0 (GThread *, job.n_threads);
  for (guint t = 0; t < job.n_threads; t++)
    {
      workers[t].job = &job;
      workers[t].t = t;
    }
  for (guint t = 1; t < job.n_threads; t++)
    threads[t] = g_thread_new ("emb-kmeans", km_pass_worker, &workers[t]);
  km_pass_worker (&workers[0]);
  for (guint t = 1; t < job.n_threads; t++)
    g_thread_join (threads[t]);

  if (g_atomic_int_get (&job.cancelled))
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return FALSE;
    }

  pass->inertia = chunks[0].inertia;
  pass->n_changed = chunks[0].n_changed;
  for (gsize c = 1; c < n_chunks; c++)
    {
      for (gsize j = 0; j < k * d; j++)
        pass->sums[j] += chunks[c].sums[j];
      for (gsize j = 0; j < k; j++)
        pass->counts[j] += chunks[c].counts[j];
      pass->inertia += chunks[c].inertia;
      pass->n_changed += chunks[c].n_changed;
    }
  return TRUE;
}

/* Gives each empty cluster a row: the row farthest from its centroid (ties
 * to the lower id) among rows at a positive distance whose cluster keeps
 * another row, moved with its contribution to the sums.  A cluster stays
 * empty when no such row exists: when the rows hold fewer than k distinct
 * points (or every row is within float rounding of its centroid).
 * Returns how many rows moved. */
gsize
km_reseed_empty (const KmRows *rows,
                 EmbMetric     metric,
                 KmPass       *pass,
                 gsize         k)
{
  gsize d = rows->d, moved = 0;

  for (gsize c = 0; c < k; c++)
    {
      gsize far = G_MAXSIZE, old;
      float far_dist = 0.0f;
      double s, q;
      const float *x;

      if (pass->counts[c] != 0)
        continue;
      for (gsize i = 0; i < rows->n; i++)
        if (pass->dist[i] > far_dist && pass->counts[pass->assignment[i]] > 1)
          {
            far_dist = pass->dist[i];
            far = i;
          }
      if (far == G_MAXSIZE)
        break;

      x = rows->data + far * d;
      old = pass->assignment[far];
      km_row_scale (metric, rows->sq[far], &s, &q);
      for (gsize j = 0; j < d; j++)
        {
          pass->sums[old * d + j] -= s * x[j];
          pass->sums[c * d + j] = s * x[j];
        }
      pass->counts[old]--;
      pass->counts[c] = 1;
      pass->assignment[far] = (guint32) c;
      pass->dist[far] = 0.0f;
      moved++;
    }
  return moved;
}

/* The Lloyd update: c_j = sum_j / count_j (euclidean), or sum_j / |sum_j|
 * (cosine: the mean direction of the unit rows).  A cluster with no rows,
 * or whose unit rows sum to zero, keeps its centroid. */
void
km_update_centroids (KmCentroids   *cents,
                     EmbMetric      metric,
                     const KmPass  *pass)
{
  gsize d = cents->d;

  for (gsize c = 0; c < cents->k; c++)
    {
      const double *sum = pass->sums + c * d;
      float *out = cents->c + c * d;
      double scale;

      if (pass->counts[c] == 0)
        continue;
      if (metric == EMB_METRIC_COSINE)
        {
          double n2 = 0.0;

          for (gsize j = 0; j < d; j++)
            n2 += sum[j] * sum[j];
          if (!(n2 > 0.0))
            continue;
          scale = 1.0 / sqrt (n2);
        }
      else
        scale = 1.0 / (double) pass->counts[c];
      for (gsize j = 0; j < d; j++)
        out[j] = (float) (sum[j] * scale);
    }
  km_centroids_norms (cents);
}
