/* emb-knn-graph.h: the k nearest neighbours of every row, for the maps.
 *
 * Row i's neighbours are idx[i*k .. i*k+k), nearest first, itself never
 * among them; dist holds the metric's distance for each:
 *   EMB_METRIC_EUCLIDEAN: |x_i - x_j|
 *   EMB_METRIC_COSINE:    1 - cos (x_i, x_j)   (0 .. 2; a zero row is at
 *                         distance 1 from every row)
 * Ties (equal distances) go to the lower id, so a graph is the same for
 * any thread count.  `exact` says whether every list is the true one; an
 * approximate graph carries its recall@k measured against exact lists on
 * a sample of rows.
 */
#pragma once

#include <gio/gio.h>

#include "analysis/emb-knn.h"
#include "base/emb-progress.h"
#include "model/emb-matrix.h"

G_BEGIN_DECLS

typedef struct
{
  gsize      n;
  guint      k;
  EmbMetric  metric;       /* EMB_METRIC_COSINE or EMB_METRIC_EUCLIDEAN */
  guint32   *idx;          /* n * k */
  float     *dist;         /* n * k, ascending within a row */
  gboolean   exact;
  double     recall;       /* recall@k against exact lists (1 when exact) */
  gsize      recall_rows;  /* how many rows the recall was measured on */
} EmbKnnGraph;

/* The exact graph of every row of matrix: blocked sgemm of row blocks
 * against column blocks, a size-k selection per row.  k must be below
 * n_rows.  Cancellable between blocks; progress 0 .. 1. */
EmbKnnGraph *emb_knn_graph_exact (const EmbMatrix *matrix,
                                  guint            k,
                                  EmbMetric        metric,
                                  EmbProgressFunc  progress,
                                  gpointer         progress_data,
                                  GCancellable    *cancellable,
                                  GError         **error);

/* An approximate graph for tables too big for the exact one: the rows are
 * cut into about n / 256 k-means cells, and every row is scored exactly
 * against the rows of the cells whose centres are nearest it.  How many
 * cells are searched is chosen on a sample of rows
 * whose exact lists are computed first: the fewest for which the sample's
 * recall@k reaches EMB_KNN_GRAPH_TARGET_RECALL.  The graph's recall is
 * that sample's. */
#define EMB_KNN_GRAPH_TARGET_RECALL 0.96
#define EMB_KNN_GRAPH_RECALL_ROWS   1000
EmbKnnGraph *emb_knn_graph_approx (const EmbMatrix *matrix,
                                   guint            k,
                                   EmbMetric        metric,
                                   guint64          seed,
                                   EmbProgressFunc  progress,
                                   gpointer         progress_data,
                                   GCancellable    *cancellable,
                                   GError         **error);

/* The exact graph up to EMB_KNN_GRAPH_EXACT_MAX rows, else the
 * approximate one. */
#define EMB_KNN_GRAPH_EXACT_MAX 60000
EmbKnnGraph *emb_knn_graph_build  (const EmbMatrix *matrix,
                                   guint            k,
                                   EmbMetric        metric,
                                   guint64          seed,
                                   EmbProgressFunc  progress,
                                   gpointer         progress_data,
                                   GCancellable    *cancellable,
                                   GError         **error);

/* The recall@k of graph's lists against the exact neighbours in matrix
 * (the same rows, maybe in more dimensions than the graph was built on) on
 * n_sample rows spread over the table: the fraction of the exact
 * neighbours the graph holds. */
gboolean     emb_knn_graph_recall (const EmbKnnGraph *graph,
                                   const EmbMatrix   *matrix,
                                   gsize              n_sample,
                                   double            *recall,
                                   gsize             *n_measured,
                                   GCancellable      *cancellable,
                                   GError           **error);

#define EMB_KNN_GRAPH_MAX_K 1024

/* FALSE with EMB_ERROR_INVALID unless k < n_rows, k <= EMB_KNN_GRAPH_MAX_K and the metric is cosine
 * or euclidean. */
gboolean     emb_knn_graph_check_args (const EmbMatrix *matrix,
                                       guint            k,
                                       EmbMetric        metric,
                                       GError         **error);

void         emb_knn_graph_free  (EmbKnnGraph *graph);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbKnnGraph, emb_knn_graph_free)

G_END_DECLS
