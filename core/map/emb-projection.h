/* emb-projection.h: every row of a table on a plane or in space, by PCA,
 * t-SNE or UMAP.
 *
 * PCA is the exact one of analysis/emb-pca.h.  t-SNE and UMAP start from
 * the table made ready by map/emb-map-private.h (unit rows for cosine,
 * reduced to EMB_MAP_REDUCED_DIMS principal components when wider), build
 * its neighbour graph (map/emb-knn-graph.h: 3 x perplexity neighbours for
 * t-SNE, n_neighbors - 1 for UMAP) and optimise a layout from the PCA
 * start (map/emb-tsne.h, map/emb-umap.h).  The result says how good the
 * graph was: its recall against exact lists, and against the neighbours
 * in the table's own columns when it was reduced.  The same options and
 * seed give the same coordinates.
 */
#pragma once

#include <gio/gio.h>

#include "analysis/emb-knn.h"
#include "base/emb-progress.h"
#include "map/emb-map.h"
#include "model/emb-matrix.h"

G_BEGIN_DECLS

typedef enum
{
  EMB_PROJECTION_PCA,
  EMB_PROJECTION_TSNE,
  EMB_PROJECTION_UMAP,
} EmbProjectionMethod;

const char *emb_projection_method_to_string   (EmbProjectionMethod method);
gboolean    emb_projection_method_from_string (const char          *text,
                                               EmbProjectionMethod *method);

typedef struct
{
  EmbProjectionMethod method;
  guint               dims;          /* 2 or 3 */
  EmbMetric           metric;        /* cosine or euclidean (t-SNE, UMAP) */
  double              perplexity;    /* t-SNE: 30 */
  guint               n_neighbors;   /* UMAP: 15, the row itself counted */
  double              min_dist;      /* UMAP: 0.1 */
  guint               n_iterations;  /* 0: the method's default */
  guint64             seed;          /* 1 */
  guint               frame_every;   /* frames every this many iterations */
} EmbProjectionOptions;

void emb_projection_options_init (EmbProjectionOptions *options);

/* FALSE with EMB_ERROR_INVALID, saying which and why, when options cannot
 * be run on n_rows rows. */
gboolean emb_projection_options_check (const EmbProjectionOptions *options,
                                       gsize                       n_rows,
                                       GError                    **error);

typedef struct
{
  EmbProjectionOptions options;    /* as run: n_iterations filled in */
  gsize                n;
  float               *coords;     /* n x options.dims */
  gsize                graph_dims; /* the columns the graph was built on */
  guint                graph_k;    /* 0 for PCA */
  gboolean             graph_exact;
  double               graph_recall;      /* against exact lists on those columns */
  double               reduction_recall;  /* against the table's own columns */
  gsize                recall_rows;
  double               seconds_prepare;
  double               seconds_graph;
  double               seconds_optimise;
} EmbProjection;

/* frame (may be NULL) sees the layout every options->frame_every
 * iterations, from this thread. */
EmbProjection *emb_projection_compute (const EmbMatrix            *matrix,
                                       const EmbProjectionOptions *options,
                                       EmbMapFrameFunc             frame,
                                       gpointer                    frame_data,
                                       EmbProgressFunc             progress,
                                       gpointer                    progress_data,
                                       GCancellable               *cancellable,
                                       GError                    **error);

void           emb_projection_free    (EmbProjection *projection);

/* emb_projection_compute in a worker thread, the matrix ref'd and the
 * options copied.  frame and progress run in that thread; their data must
 * stay valid until the callback has run.  Cancelled: G_IO_ERROR_CANCELLED,
 * and nothing of the run is kept. */
void           emb_projection_compute_async  (EmbMatrix                  *matrix,
                                              const EmbProjectionOptions *options,
                                              EmbMapFrameFunc             frame,
                                              gpointer                    frame_data,
                                              EmbProgressFunc             progress,
                                              gpointer                    progress_data,
                                              GCancellable               *cancellable,
                                              GAsyncReadyCallback         callback,
                                              gpointer                    user_data);
EmbProjection *emb_projection_compute_finish (GAsyncResult  *result,
                                              GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbProjection, emb_projection_free)

G_END_DECLS
