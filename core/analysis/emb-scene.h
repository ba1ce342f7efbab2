/* emb-scene.h: what the app shows for one loaded file.
 *
 * A scene is computed once per file, off the UI thread: the dataset, its
 * exact PCA (up to EMB_SCENE_COMPONENTS components), every row's coordinates
 * on those components, and the neighbour index.  Read-only afterwards, so
 * any thread may use it.
 */
#pragma once

#include "io/emb-dataset.h"
#include "analysis/emb-categories.h"
#include "analysis/emb-kmeans.h"
#include "analysis/emb-knn.h"
#include "analysis/emb-pca.h"

G_BEGIN_DECLS

#define EMB_SCENE_COMPONENTS 10

#define EMB_TYPE_SCENE (emb_scene_get_type ())

typedef struct
{
  EmbDataset  *dataset;
  EmbPca      *pca;
  gsize        n_components;
  float       *coords;        /* n_rows x n_components, row-major */
  float       *norms;         /* n_rows euclidean norms */
  EmbKnnIndex *knn;

  /*< private >*/
  gint         ref_count;
} EmbScene;

/* A boxed type over emb_scene_ref/unref, for properties and signals. */
GType     emb_scene_get_type (void) G_GNUC_CONST;

EmbScene *emb_scene_new    (EmbDataset      *dataset,
                            GCancellable    *cancellable,
                            GError         **error);
EmbScene *emb_scene_ref    (EmbScene *self);
void      emb_scene_unref  (EmbScene *self);

gsize     emb_scene_n_rows (const EmbScene *self);

/* Copies component c (0-based) of every row into out (n_rows floats). */
void      emb_scene_axis   (const EmbScene *self,
                            guint           c,
                            float          *out);

/* Token search over display and raw text.  Returns the matching ids, best
 * first: exact matches, then prefix matches, then the rest, each group in id
 * order (frequency order in most vocabularies).  With regex, query is a
 * GRegex pattern (a bad one is an EMB_ERROR_INVALID error).  Case folds
 * unless the query has an upper-case letter. */
GArray   *emb_search_tokens (EmbVocab      *vocab,
                             const char    *query,
                             gboolean       regex,
                             GCancellable  *cancellable,
                             GError       **error);

/* _async/_finish pairs (emb-scene-async.c): each runs the call above in a
 * worker thread, with its inputs copied or ref'd into the task.  progress
 * (may be NULL) is called from the worker thread; progress_data must stay
 * valid until the callback has run.  A cancelled call finishes with
 * G_IO_ERROR_CANCELLED. */

/* Loads path (emb_dataset_load_async) and computes its scene
 * (emb_scene_new); progress goes 0 .. 1 over both. */
void      emb_scene_load_async     (const char           *path,
                                    const EmbLoadOptions *options,
                                    GCancellable         *cancellable,
                                    EmbProgressFunc       progress,
                                    gpointer              progress_data,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
EmbScene *emb_scene_load_finish    (GAsyncResult  *result,
                                    GError       **error);

void      emb_scene_new_async      (EmbDataset          *dataset,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
EmbScene *emb_scene_new_finish     (GAsyncResult  *result,
                                    GError       **error);

/* The k nearest rows of row (emb_knn_query_row), as a GArray of
 * EmbNeighbor, best first; k is cut to the rows there are. */
void      emb_scene_neighbors_async  (EmbScene            *scene,
                                      gsize                row,
                                      EmbMetric            metric,
                                      gsize                k,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GArray   *emb_scene_neighbors_finish (GAsyncResult  *result,
                                      GError       **error);

/* a - b + c (emb_knn_analogy), as a GArray of EmbNeighbor. */
void      emb_scene_analogy_async    (EmbScene            *scene,
                                      gsize                a,
                                      gsize                b,
                                      gsize                c,
                                      gsize                k,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GArray   *emb_scene_analogy_finish   (GAsyncResult  *result,
                                      GError       **error);

/* emb_search_tokens: a GArray of gsize ids. */
void      emb_search_tokens_async    (EmbVocab            *vocab,
                                      const char          *query,
                                      gboolean             regex,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GArray   *emb_search_tokens_finish   (GAsyncResult  *result,
                                      GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbScene, emb_scene_unref)

G_END_DECLS
