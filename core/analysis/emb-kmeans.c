/* emb-kmeans.c: k-means++ and Lloyd on a sample, then passes over every row.
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

#include <float.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "base/emb-error.h"
#include "analysis/emb-kmeans.h"

#define KMEANS_DEFAULT_MAX_ITER   100
/* Lloyd runs on up to 2048 rows a cluster: on GloVe 341k x 100, k = 20,
 * that matches a full-data k-means's inertia (256 a cluster left it ~1%
 * worse) in a third of a second.  k-means++ seeds on at most 256 a
 * cluster of those, where more rows only cost time. */
#define KMEANS_DEFAULT_PER_CLUSTER 2048
#define KMEANS_SEED_PER_CLUSTER    256

/* Centroid updates on every row after the sample has converged.  One is
 * what the design asks; more would lower the inertia a little and cost a
 * pass over the matrix each. */
#define KMEANS_FULL_UPDATES 1

/* Passes over every row allowed beyond those, only to refill a cluster
 * that the full data left empty. */
#define KMEANS_EXTRA_PASSES 3

/* A block of rows is scored by one sgemm and then walked again for the
 * exact distance and the centroid sums, so it should stay in L2 between
 * the two: at most about 512 KB of rows.  Fewer rows when our threads run
 * blocks side by side (KMEANS_BLAS_SERIAL_MNK); the dot products of a
 * block (rows x k floats) stay within KMEANS_BLOCK_MAX_DOTS. */
#define KMEANS_BLOCK_TARGET_BYTES (512u << 10)
#define KMEANS_BLOCK_MIN_ROWS     32
#define KMEANS_BLOCK_MAX_ROWS     8192
#define KMEANS_BLOCK_MAX_DOTS     (1u << 20)

/* OpenBLAS (0.3.21, interface/gemm.c) runs an sgemm of m n k <= 65536 *
 * GEMM_MULTITHREAD_THRESHOLD (4) on the calling thread and takes no lock
 * for it; a bigger one goes to its thread pool, one call at a time.  For
 * k = 20 centroids of GloVe's 100 columns that allows 131 rows per block:
 * blocks that small run at the same speed as big ones here (sgemm with 20
 * columns gains nothing from OpenBLAS's threads, measured), so our own
 * threads can share the pass and its exact distances and sums as well. */
#define KMEANS_BLAS_SERIAL_MNK    262144

/* Rows of a pass are cut into at most KMEANS_MAX_CHUNKS chunks of at least
 * KMEANS_CHUNK_MIN_ROWS rows, each with its own k x d sums (at most
 * KMEANS_CHUNK_SUMS_MAX_BYTES in all), run on up to KMEANS_MAX_THREADS
 * threads.  12 chunks share out evenly over 2, 3 or 4 threads. */
#define KMEANS_CHUNK_MIN_ROWS       4096
#define KMEANS_MAX_CHUNKS           12
#define KMEANS_CHUNK_SUMS_MAX_BYTES (64u << 20)
#define KMEANS_MAX_THREADS          4

/* Rows per sgemv call in the seeding. */
#define KMEANS_SEED_SLICE ((gsize) 1 << 24)

/* How much of the progress the seeding and the sample's Lloyd take; the
 * passes over every row have the rest. */
#define KMEANS_PROGRESS_SEED   0.05
#define KMEANS_PROGRESS_SAMPLE 0.20

#if defined(__x86_64__) && defined(__ELF__) && (defined(__clang__) || __GNUC__ >= 12)
# define EMB_SIMD_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
# define EMB_SIMD_CLONES
#endif

typedef float v4sf __attribute__ ((vector_size (16)));
typedef float v8sf __attribute__ ((vector_size (32)));
typedef gint32 v8si __attribute__ ((vector_size (32)));
typedef double v4df __attribute__ ((vector_size (32)));

/* A pseudo-random generator of our own (xoshiro256**, seeded by
 * splitmix64): a seed picks the same sample and seeds whatever the GLib
 * version or the platform's libc. */
typedef struct
{
  guint64 s[4];
} KmRng;

/* Contiguous rows with their squared norms: the matrix itself, or the
 * gathered sample. */
typedef struct
{
  const float *data;
  gsize        n;
  gsize        d;
  double      *sq;       /* n: |x_i|^2 summed in double */
} KmRows;

/* The centroids and what the screening needs of them. */
typedef struct
{
  gsize   k;
  gsize   d;
  float  *c;        /* k x d */
  double *norm2;    /* k: |c_j|^2 in double */
  float  *norm2f;   /* k: the same, rounded for the float screening */
  double *cd;       /* k x d: c in double, for the exact distances */
  double  max_norm; /* max_j |c_j| */
} KmCentroids;

/* What one pass over a set of rows produces. */
typedef struct
{
  guint32 *assignment;  /* in: the previous one (or G_MAXUINT32); out: the new */
  float   *dist;        /* the squared distance to the assigned centroid
                           (exact, or a lower bound: see km_assign_block) */
  double  *sums;        /* k x d: sum of x~ over each cluster's rows */
  gsize   *counts;      /* k */
  double   inertia;
  gsize    n_changed;
} KmPass;

/* A range of rows of a pass, with its own sums so threads never share. */
typedef struct
{
  gsize    begin, end;
  double  *sums;        /* k x d */
  gsize   *counts;      /* k */
  double   inertia;
  gsize    n_changed;
} KmChunk;

/* Progress: a monotone fraction reported to the caller. */
typedef struct
{
  EmbProgressFunc func;
  gpointer        data;
  double          last;
} KmProgress;

/* auxiliary functions */

/* splitmix64: x += 0x9e3779b97f4a7c15, then two xor-shift-multiply rounds;
 * used only to spread the 64-bit seed over the generator's 256-bit state. */
static guint64
km_splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
km_rng_init (KmRng   *rng,
             guint64  seed)
{
  for (guint i = 0; i < 4; i++)
    rng->s[i] = km_splitmix64 (&seed);
}

static inline guint64
km_rotl (guint64 x,
         int     r)
{
  return (x << r) | (x >> (64 - r));
}

/* xoshiro256**: output rotl (5 s1, 7) * 9, then the linear state update. */
static guint64
km_rng_next (KmRng *rng)
{
  guint64 *s = rng->s;
  guint64 out = km_rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = km_rotl (s[3], 45);
  return out;
}

/* Uniform in [0, 1): the top 53 bits times 2^-53. */
static double
km_rng_double (KmRng *rng)
{
  return (km_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, bound) without modulo bias: the high word of a 64 x 64
 * product, rejecting the few low words that would favour small results. */
static guint64
km_rng_below (KmRng   *rng,
              guint64  bound)
{
  unsigned __int128 m = (unsigned __int128) km_rng_next (rng) * bound;
  guint64 low = (guint64) m;

  if (low < bound)
    {
      guint64 threshold = -bound % bound;

      while (low < threshold)
        {
          m = (unsigned __int128) km_rng_next (rng) * bound;
          low = (guint64) m;
        }
    }
  return (guint64) (m >> 64);
}

static void
km_progress (KmProgress *p,
             double      fraction)
{
  fraction = CLAMP (fraction, 0.0, 1.0);
  if (p->func == NULL || fraction < p->last)
    return;
  p->last = fraction;
  p->func (fraction, p->data);
}

/* s and |x~|^2 of a row from |x|^2: (1, |x|^2) for euclidean, (1/|x|, 1)
 * for cosine, and (0, 0) for a zero row under cosine. */
static inline void
km_row_scale (EmbMetric  metric,
              double     sq,
              double    *s,
              double    *q)
{
  if (metric == EMB_METRIC_COSINE)
    {
      *s = sq > 0.0 ? 1.0 / sqrt (sq) : 0.0;
      *q = sq > 0.0 ? 1.0 : 0.0;
    }
  else
    {
      *s = 1.0;
      *q = sq;
    }
}

/* The exact squared distance sum_j (s x_j - c_j)^2 in double, from the
 * differences, four lanes at a time.  The distances that decide between
 * centroids all come from here (or from the same sum in km_assign_block),
 * so they round the same way. */
EMB_SIMD_CLONES static double
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

/* A bound on the error of the float screening value q - 2 s (x.c) + |c|^2
 * against its exact value, for any c: the dot product of d terms from
 * sgemm errs by at most gamma_d |x| |c| <= d u |x| |c| (in any order of
 * summation, u = FLT_EPSILON / 2), scaled by 2 s, plus a few roundings of
 * the sum, each below u (|x~| + |c|)^2.  (d + 8) FLT_EPSILON (|x~| + cmax)^2
 * covers both with room. */
static inline float
km_screen_bound (gsize  d,
                 double q,
                 double max_norm)
{
  double r = sqrt (q) + max_norm;

  return (float) ((d + 8) * FLT_EPSILON * r * r);
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

      km_row_scale (metric, rows->sq[i], &s, &q);
      sf = (float) (2.0 * s);
      qf = (float) q;
      for (gsize j = 0; j < k; j++)
        f[j] = qf - sf * f[j] + cn2[j];
      best_f = km_min (f, k);
      while (f[best] != best_f)
        best++;

      /* Any centroid within twice the bound of the best could be the true
       * nearest: decide between those in double. */
      bound = km_screen_bound (d, q, cents->max_norm);
      limit = best_f + 2.0f * bound;
      for (gsize j = 0; j < k; j++)
        n_cand += f[j] <= limit;
      if (n_cand > 1)
        {
          double best_e = G_MAXDOUBLE;

          for (gsize j = 0; j < k; j++)
            if (f[j] <= limit)
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
        dist[i] = MAX (best_f - bound, 0.0f);

      chunk->counts[best]++;
      if (assignment[i] != best)
        {
          assignment[i] = (guint32) best;
          chunk->n_changed++;
        }
    }
}

/* Refreshes |c_j|^2 (in double) and max_j |c_j| after the centroids moved. */
static void
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
 * goes from p0 to p1; FALSE when cancelled. */
static gboolean
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
      partial = g_new0 (double, (n_chunks - 1) * k * d);
      partial_counts = g_new0 (gsize, (n_chunks - 1) * k);
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
static gsize
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
static void
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

/* Writes x~ = s x of row i, rounded to float, as centroid c. */
static void
km_set_centroid (KmCentroids  *cents,
                 gsize         c,
                 const KmRows *rows,
                 EmbMetric     metric,
                 gsize         i)
{
  const float *x = rows->data + i * rows->d;
  double s, q;

  km_row_scale (metric, rows->sq[i], &s, &q);
  for (gsize j = 0; j < rows->d; j++)
    cents->c[c * rows->d + j] = (float) (s * x[j]);
}

/* k-means++ seeding: the first centroid a uniform row, each next one row i
 * drawn with probability D(i)^2 / sum D^2, D(i) the distance of x~_i to
 * its nearest centroid so far (exact in double; sgemv screens which rows
 * the new centroid could bring nearer).  When every row sits on a centroid
 * (fewer distinct rows than k), the next one is drawn uniformly. */
static gboolean
km_seed (const KmRows  *rows,
         EmbMetric      metric,
         KmCentroids   *cents,
         KmRng         *rng,
         GCancellable  *cancellable,
         KmProgress    *progress,
         GError       **error)
{
  gsize n = rows->n, d = rows->d, k = cents->k;
  g_autofree double *d2 = g_new (double, n);
  g_autofree float *dots = g_new (float, n);
  gsize pick = km_rng_below (rng, n);

  for (gsize i = 0; i < n; i++)
    d2[i] = G_MAXDOUBLE;

  for (gsize c = 0; ; c++)
    {
      const float *cv = cents->c + c * d;
      double cn2, cnorm, total = 0.0;
      float cn2f;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      km_set_centroid (cents, c, rows, metric, pick);
      if (c + 1 == k)
        break;

      emb_rows_sq_norms (cv, 1, d, &cn2);
      cn2f = (float) cn2;
      cnorm = sqrt (cn2);
      /* In slices, as BLAS counts rows in an int. */
      for (gsize begin = 0; begin < n; begin += KMEANS_SEED_SLICE)
        cblas_sgemv (CblasRowMajor, CblasNoTrans, (int) MIN (n - begin, KMEANS_SEED_SLICE), (int) d,
                     1.0f, rows->data + begin * d, (int) d, cv, 1, 0.0f, dots + begin, 1);
      for (gsize i = 0; i < n; i++)
        {
          double s, q;
          float f, bound;

          km_row_scale (metric, rows->sq[i], &s, &q);
          f = (float) q - (float) (2.0 * s) * dots[i] + cn2f;
          bound = km_screen_bound (d, q, cnorm);
          if (f - bound < d2[i])
            d2[i] = MIN (d2[i], km_dist (rows->data + i * d, s, cv, d));
          total += d2[i];
        }

      if (total > 0.0)
        {
          double u = km_rng_double (rng) * total, cum = 0.0;

          pick = G_MAXSIZE;
          for (gsize i = 0; i < n; i++)
            {
              if (d2[i] > 0.0)
                pick = i;
              cum += d2[i];
              if (u < cum)
                break;
            }
        }
      else
        pick = km_rng_below (rng, n);
      km_progress (progress, KMEANS_PROGRESS_SEED * (c + 1) / k);
    }
  km_centroids_norms (cents);
  return TRUE;
}

/* Indices of m of the n rows, uniformly without replacement and in
 * increasing order (selection sampling: row i is taken with probability
 * (m - taken) / (n - i)). */
static gsize *
km_sample_indices (gsize  n,
                   gsize  m,
                   KmRng *rng)
{
  gsize *idx = g_new (gsize, m);
  gsize taken = 0;

  for (gsize i = 0; i < n && taken < m; i++)
    if (km_rng_below (rng, n - i) < m - taken)
      idx[taken++] = i;
  return idx;
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
  g_autoptr(EmbKmeans) km = NULL;
  KmProgress prog = { progress, progress_data, 0.0 };
  gsize n, d, k, m, per_cluster;
  guint max_iter;
  EmbMetric metric;
  KmRng rng;
  KmRows full, sample;
  KmCentroids cents;
  KmPass pass;
  gboolean fixed = FALSE;
  g_autofree double *full_sq = NULL, *sample_sq = NULL, *norm2 = NULL, *sums = NULL, *cd = NULL;
  g_autofree float *norm2f = NULL, *sample_data = NULL, *dist = NULL, *sample_dist = NULL;
  g_autofree float *seed_data = NULL;
  g_autofree double *seed_sq = NULL;
  g_autofree guint32 *sample_assign = NULL;
  g_autofree gsize *counts = NULL, *idx = NULL;

  g_return_val_if_fail (matrix != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = matrix->n_rows;
  d = matrix->n_cols;
  k = options->k;
  metric = options->metric;
  if (metric != EMB_METRIC_COSINE && metric != EMB_METRIC_EUCLIDEAN)
    {
      const char *name = emb_metric_to_string (metric);

      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "k-means supports the cosine and euclidean metrics, not %s",
                   name != NULL ? name : "an unknown one");
      return NULL;
    }
  if (k == 0)
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_INVALID,
                           "k-means needs at least one cluster (k = 0)");
      return NULL;
    }
  if (k > n)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "k-means needs k at most the number of rows: k = %"
                   G_GSIZE_FORMAT " is more than the %" G_GSIZE_FORMAT " rows",
                   k, n);
      return NULL;
    }
  if (d == 0)
    {
      g_set_error_literal (error, EMB_ERROR, EMB_ERROR_INVALID,
                           "k-means needs rows with at least one column");
      return NULL;
    }
  /* Cluster ids are 32-bit, and BLAS takes int sizes. */
  if (k > G_MAXUINT32 || d > G_MAXINT || k > G_MAXINT)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "k-means cannot make %" G_GSIZE_FORMAT " clusters of %"
                   G_GSIZE_FORMAT "-dimensional rows", k, d);
      return NULL;
    }

  max_iter = options->max_iter != 0 ? options->max_iter : KMEANS_DEFAULT_MAX_ITER;
  per_cluster = options->sample_per_cluster != 0 ? options->sample_per_cluster
                                                 : KMEANS_DEFAULT_PER_CLUSTER;
  if (!emb_size_mul (k, per_cluster, &m) || m > n)
    m = n;
  km_rng_init (&rng, options->seed);

  km = g_new0 (EmbKmeans, 1);
  km->k = k;
  km->n_rows = n;
  km->n_dims = d;
  km->metric = metric;
  km->centroids = g_new (float, k * d);
  km->assignment = g_new (guint32, n);
  km->sizes = g_new0 (gsize, k);

  cents.k = k;
  cents.d = d;
  cents.c = km->centroids;
  cents.norm2 = norm2 = g_new (double, k);
  cents.norm2f = norm2f = g_new (float, k);
  cents.cd = cd = g_new (double, k * d);
  cents.max_norm = 0.0;
  sums = g_new (double, k * d);
  counts = g_new (gsize, k);
  dist = g_new (float, n);

  full.data = matrix->data;
  full.n = n;
  full.d = d;
  full.sq = full_sq = g_new (double, n);

  /* The sample: the matrix itself when it is small enough, else a copy of
   * the chosen rows, in row order. */
  if (m == n)
    {
      emb_rows_sq_norms (matrix->data, n, d, full_sq);
      sample = full;
      sample_assign = NULL;
    }
  else
    {
      idx = km_sample_indices (n, m, &rng);
      sample_data = g_new (float, m * d);
      for (gsize i = 0; i < m; i++)
        memcpy (sample_data + i * d, emb_matrix_row (matrix, idx[i]), d * sizeof (float));
      sample.data = sample_data;
      sample.n = m;
      sample.d = d;
      sample.sq = sample_sq = g_new (double, m);
      emb_rows_sq_norms (sample_data, m, d, sample_sq);
    }

  /* Seed on every stride-th sample row: the sample is random, so an even
   * stride through it is too (its first rows would favour low ids). */
  {
    gsize m_seed = MIN (m, k * KMEANS_SEED_PER_CLUSTER);
    KmRows seed_rows = sample;

    if (m_seed < m)
      {
        seed_data = g_new (float, m_seed * d);
        seed_sq = g_new (double, m_seed);
        for (gsize i = 0; i < m_seed; i++)
          {
            gsize src = i * m / m_seed;
            memcpy (seed_data + i * d, sample.data + src * d, d * sizeof (float));
            seed_sq[i] = sample.sq[src];
          }
        seed_rows.data = seed_data;
        seed_rows.n = m_seed;
        seed_rows.sq = seed_sq;
      }
    if (!km_seed (&seed_rows, metric, &cents, &rng, cancellable, &prog, error))
      return NULL;
    g_clear_pointer (&seed_data, g_free);
    g_clear_pointer (&seed_sq, g_free);
  }

  /* Lloyd on the sample until no assignment changes. */
  pass.assignment = m == n ? km->assignment : (sample_assign = g_new (guint32, m));
  pass.dist = m == n ? dist : (sample_dist = g_new (float, m));
  pass.sums = sums;
  pass.counts = counts;
  for (gsize i = 0; i < m; i++)
    pass.assignment[i] = G_MAXUINT32;
  for (guint it = 0; it < max_iter; it++)
    {
      double p = KMEANS_PROGRESS_SEED + (KMEANS_PROGRESS_SAMPLE - KMEANS_PROGRESS_SEED) * it / max_iter;
      gsize moved;

      if (!km_pass (&sample, metric, &cents, FALSE, FALSE, &pass, cancellable, &prog, p, p, error))
        return NULL;
      moved = km_reseed_empty (&sample, metric, &pass, k);
      if (pass.n_changed == 0 && moved == 0)
        break;
      km_update_centroids (&cents, metric, &pass);
      km->n_iter++;
    }
  km_progress (&prog, KMEANS_PROGRESS_SAMPLE);

  /* Passes over every row: the first few move the centroids to the means
   * of all their rows, the last only assigns and sums the inertia.  The
   * exact distances, which only the inertia needs, are computed in a pass
   * that may be the last: after the planned updates, when the sample was
   * every row (its assignment carries over, and a converged one needs one
   * pass), or once a pass changed nothing. */
  pass.assignment = km->assignment;
  pass.dist = dist;
  if (m != n)
    for (gsize i = 0; i < n; i++)
      pass.assignment[i] = G_MAXUINT32;
  for (guint p = 0; ; p++)
    {
      guint planned = KMEANS_FULL_UPDATES + 1;
      double p0 = KMEANS_PROGRESS_SAMPLE + (1.0 - KMEANS_PROGRESS_SAMPLE) * MIN (p, planned - 1) / planned;
      double p1 = KMEANS_PROGRESS_SAMPLE + (1.0 - KMEANS_PROGRESS_SAMPLE) * MIN (p + 1, planned) / planned;
      gboolean exact = p >= KMEANS_FULL_UPDATES || m == n || fixed;
      gsize n_empty = 0;

      if (!km_pass (&full, metric, &cents, p == 0 && m != n, exact, &pass,
                    cancellable, &prog, p0, p1, error))
        return NULL;
      for (gsize c = 0; c < k; c++)
        n_empty += counts[c] == 0;
      fixed = pass.n_changed == 0 && n_empty == 0;
      if (!fixed && p >= KMEANS_FULL_UPDATES &&
          (n_empty == 0 || p >= KMEANS_FULL_UPDATES + KMEANS_EXTRA_PASSES))
        break;
      /* Empty clusters that no row can fill leave a fixed point too. */
      if (!fixed)
        fixed = km_reseed_empty (&full, metric, &pass, k) == 0 && pass.n_changed == 0;
      if (fixed && exact)
        break;
      if (!fixed)
        {
          km_update_centroids (&cents, metric, &pass);
          km->n_iter++;
        }
    }

  memcpy (km->sizes, counts, k * sizeof (gsize));
  km->inertia = pass.inertia;
  km_progress (&prog, 1.0);
  return g_steal_pointer (&km);
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
