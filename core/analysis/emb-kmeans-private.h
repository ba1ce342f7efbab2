/* emb-kmeans-private.h: what the k-means files share.
 *
 * emb-kmeans.c runs the stages (checks, sample, seeding, Lloyd on the
 * sample, passes over every row); emb-kmeans-seed.c holds the generator,
 * the sampling and k-means++; emb-kmeans-lloyd.c the assignment passes and
 * centroid updates.  See emb-kmeans.c for the method.
 */
#pragma once

#include <float.h>
#include <math.h>
#include <string.h>

#include "base/emb-rng.h"
#include "analysis/emb-kmeans.h"

#include "base/emb-simd.h"

G_BEGIN_DECLS

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

static inline void
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

/* A bound on the error of the float screening value q - 2 s (x.c) + |c|^2
 * against its exact value, for any c: the dot product of d terms from
 * sgemm errs by at most gamma_d |x| |c| <= d u |x| |c| (in any order of
 * summation, u = FLT_EPSILON / 2), scaled by 2 s, plus a few roundings of
 * the sum, each below u (|x~| + |c|)^2.  (d + 8) FLT_EPSILON (|x~| + cmax)^2
 * covers both with room.  Results in float's subnormal range err by up to
 * 2^-150 each whatever their size: (d + 8) 2^-147 (2 s + 1) covers those of
 * the dot product (scaled by 2 s) and of the terms and sums.  The bound is
 * inf when the values overflow float; the caller then measures in double. */
static inline float
km_screen_bound (gsize  d,
                 double s,
                 double q,
                 double max_norm)
{
  double r = sqrt (q) + max_norm;

  return (float) ((d + 8) * (FLT_EPSILON * r * r + ldexp (2.0 * s + 1.0, -147)));
}

/* emb-kmeans-seed.c */
G_GNUC_INTERNAL gsize   *km_sample_indices   (gsize          n,
                                              gsize          m,
                                              EmbRng        *rng);
G_GNUC_INTERNAL gboolean km_seed             (const KmRows  *rows,
                                              EmbMetric      metric,
                                              KmCentroids   *cents,
                                              EmbRng        *rng,
                                              GCancellable  *cancellable,
                                              KmProgress    *progress,
                                              GError       **error);

/* emb-kmeans-lloyd.c */
G_GNUC_INTERNAL double   km_dist             (const float   *x,
                                              double         s,
                                              const float   *c,
                                              gsize          d);
G_GNUC_INTERNAL void     km_centroids_norms  (KmCentroids   *cents);
G_GNUC_INTERNAL gboolean km_pass             (const KmRows      *rows,
                                              EmbMetric          metric,
                                              const KmCentroids *cents,
                                              gboolean           fill_sq,
                                              gboolean           exact,
                                              KmPass            *pass,
                                              GCancellable      *cancellable,
                                              KmProgress        *progress,
                                              double             p0,
                                              double             p1,
                                              GError           **error);
G_GNUC_INTERNAL gsize    km_reseed_empty     (const KmRows  *rows,
                                              EmbMetric      metric,
                                              KmPass        *pass,
                                              gsize          k);
G_GNUC_INTERNAL void     km_update_centroids (KmCentroids   *cents,
                                              EmbMetric      metric,
                                              const KmPass  *pass);

G_END_DECLS
