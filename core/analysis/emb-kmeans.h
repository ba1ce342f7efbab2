/* emb-kmeans.h: k-means clusters of the rows, in the original space.
 *
 * Euclidean k-means minimises sum_i |x_i - c_{a(i)}|^2; with the cosine
 * metric the rows are first scaled to unit length (spherical k-means on
 * the normalised rows, centroids renormalised after each update).
 * Initialisation is k-means++ on a sample of at most 256*k rows, Lloyd
 * iterations run on a larger sample (2048*k rows by default; assignment via
 * |x|^2 - 2 x.c + |c|^2 in blocks with sgemm), an empty cluster is
 * re-seeded with the sample row farthest from its centroid, and a final
 * full pass assigns every row and recomputes the centroids.  The same seed
 * gives the same result.
 *
 * The returned assignment is every row's nearest returned centroid (the
 * nearest in double precision, ties to the lower id): after the centroids
 * are recomputed from all rows, one more pass assigns the rows to them and
 * sums the inertia.  A cluster is left empty (size 0) only when the rows
 * hold fewer than k distinct points.
 */
#pragma once

#include <gio/gio.h>

#include "io/emb-dataset.h"
#include "analysis/emb-knn.h"
#include "model/emb-matrix.h"

G_BEGIN_DECLS

typedef struct
{
  gsize      k;
  EmbMetric  metric;      /* EMB_METRIC_COSINE or EMB_METRIC_EUCLIDEAN */
  guint64    seed;
  guint      max_iter;    /* 0: a default (e.g. 100) */
  gsize      sample_per_cluster; /* Lloyd's sample per cluster; 0: 2048 */
} EmbKmeansOptions;

typedef struct
{
  gsize      k;
  gsize      n_rows;
  gsize      n_dims;
  EmbMetric  metric;
  float     *centroids;    /* k x n_dims (unit rows for cosine) */
  guint32   *assignment;   /* n_rows cluster ids */
  gsize     *sizes;        /* k */
  double     inertia;      /* sum of squared distances to the centroid,
                              on unit rows for cosine, over every row */
  guint      n_iter;       /* Lloyd iterations run (centroid updates on
                              the sample, then on every row) */
} EmbKmeans;

/* Fails (EMB_ERROR_INVALID) when k is 0 or more than the rows. */
EmbKmeans *emb_kmeans_run   (const EmbMatrix        *matrix,
                             const EmbKmeansOptions *options,
                             GCancellable           *cancellable,
                             EmbProgressFunc         progress,
                             gpointer                progress_data,
                             GError                **error);
void       emb_kmeans_free  (EmbKmeans *km);

/* The n rows of cluster c nearest its centroid (in the clustering's
 * metric), nearest first, into out; returns how many (<= cluster size). */
gsize      emb_kmeans_nearest (const EmbKmeans *km,
                               const EmbMatrix *matrix,
                               gsize            c,
                               gsize            n,
                               gsize           *out);

/* A default k for n rows: about sqrt(n/50), within 12..20 for big sets. */
gsize      emb_kmeans_default_k (gsize n_rows);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbKmeans, emb_kmeans_free)

G_END_DECLS
