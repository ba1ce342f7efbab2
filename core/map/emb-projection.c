/* emb-projection.c: PCA, t-SNE or UMAP of every row, from options to
 * coordinates (see emb-projection.h). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "base/emb-task.h"
#include "analysis/emb-pca.h"
#include "map/emb-knn-graph.h"
#include "map/emb-map-private.h"
#include "map/emb-projection.h"
#include "map/emb-tsne.h"
#include "map/emb-umap.h"

/* Perplexities and neighbour counts a user may ask for. */
#define PROJECTION_MAX_PERPLEXITY 100.0
#define PROJECTION_MAX_NEIGHBORS  200
#define PROJECTION_MAX_ITERATIONS 100000

static const char *const method_names[] = { "pca", "tsne", "umap" };

const char *
emb_projection_method_to_string (EmbProjectionMethod method)
{
  return (guint) method < G_N_ELEMENTS (method_names) ? method_names[method] : NULL;
}

gboolean
emb_projection_method_from_string (const char          *text,
                                   EmbProjectionMethod *method)
{
  for (guint i = 0; i < G_N_ELEMENTS (method_names); i++)
    if (g_ascii_strcasecmp (text, method_names[i]) == 0 ||
        (i == EMB_PROJECTION_TSNE && g_ascii_strcasecmp (text, "t-sne") == 0))
      {
        *method = (EmbProjectionMethod) i;
        return TRUE;
      }
  return FALSE;
}

void
emb_projection_options_init (EmbProjectionOptions *options)
{
  *options = (EmbProjectionOptions) {
    .method = EMB_PROJECTION_PCA, .dims = 2, .metric = EMB_METRIC_COSINE,
    .perplexity = 30.0, .n_neighbors = 15, .min_dist = 0.1, .seed = 1,
  };
}

static gboolean
invalid (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (EMB_ERROR, EMB_ERROR_INVALID, format, args));
  va_end (args);
  return FALSE;
}

gboolean
emb_projection_options_check (const EmbProjectionOptions *o,
                              gsize                       n_rows,
                              GError                    **error)
{
  if (o->dims != 2 && o->dims != 3)
    return invalid (error, "A projection has 2 or 3 dimensions, not %u", o->dims);
  if (o->method == EMB_PROJECTION_PCA)
    return n_rows >= 2 || invalid (error, "PCA needs at least 2 rows; the table has %zu", n_rows);
  if (o->metric != EMB_METRIC_COSINE && o->metric != EMB_METRIC_EUCLIDEAN)
    return invalid (error, "t-SNE and UMAP measure neighbours by cosine or euclidean distance, not %s",
                    emb_metric_to_string (o->metric));
  if (o->n_iterations > PROJECTION_MAX_ITERATIONS)
    return invalid (error, "At most %d iterations, not %u", PROJECTION_MAX_ITERATIONS, o->n_iterations);
  if (o->method == EMB_PROJECTION_TSNE)
    {
      if (!(o->perplexity >= 1.0 && o->perplexity <= PROJECTION_MAX_PERPLEXITY))
        return invalid (error, "The perplexity is from 1 to %g, not %g",
                        PROJECTION_MAX_PERPLEXITY, o->perplexity);
      if ((double) n_rows <= 3.0 * o->perplexity + 1.0)
        return invalid (error, "t-SNE with perplexity %g needs more than %.0f rows; the table has %zu "
                        "(a perplexity below %.1f fits it)", o->perplexity,
                        floor (3.0 * o->perplexity) + 1.0, n_rows, MAX ((double) n_rows - 2.0, 0.0) / 3.0);
      return TRUE;
    }
  if (o->n_neighbors < 2 || o->n_neighbors > PROJECTION_MAX_NEIGHBORS)
    return invalid (error, "UMAP takes from 2 to %d neighbours, not %u", PROJECTION_MAX_NEIGHBORS, o->n_neighbors);
  if (o->n_neighbors > n_rows)
    return invalid (error, "UMAP with %u neighbours needs at least %u rows; the table has %zu",
                    o->n_neighbors, o->n_neighbors, n_rows);
  if (!(o->min_dist >= 0.0 && o->min_dist <= 10.0))
    return invalid (error, "min_dist is from 0 to 10, not %g", o->min_dist);
  return TRUE;
}

/* Progress of one step as a part p0 .. p1 of the whole. */
typedef struct
{
  EmbProgressFunc func;
  gpointer        data;
  double          p0, p1;
} Stage;

static void
stage_progress (double   fraction,
                gpointer user_data)
{
  Stage *s = user_data;

  if (s->func != NULL)
    s->func (s->p0 + (s->p1 - s->p0) * CLAMP (fraction, 0.0, 1.0), s->data);
}

static double
seconds_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1e6;
}

static float *
pca_coords (const EmbMatrix *matrix,
            guint            dims,
            GCancellable    *cancellable,
            GError         **error)
{
  g_autoptr (EmbPca) pca = emb_pca_compute (matrix, dims, cancellable, error);
  g_autofree float *coords = NULL;
  float *out;

  if (pca == NULL)
    return NULL;
  coords = emb_try_alloc (matrix->n_rows, pca->n_components * sizeof (float), "the coordinates", error);
  out = coords ? emb_try_alloc0 (matrix->n_rows, dims * sizeof (float), "the coordinates", error) : NULL;
  if (out == NULL)
    return NULL;
  emb_pca_project (pca, matrix, pca->n_components, coords);
  for (gsize i = 0; i < matrix->n_rows; i++)
    for (gsize c = 0; c < pca->n_components; c++)
      out[i * dims + c] = coords[i * pca->n_components + c];
  return out;
}

/* The layout of t-SNE or UMAP from the graph; fills the iterations. */
static float *
optimise (EmbProjectionOptions *o,
          const EmbKnnGraph    *graph,
          const float          *init,
          EmbMapFrameFunc       frame,
          gpointer              frame_data,
          Stage                *stage,
          GCancellable         *cancellable,
          GError              **error)
{
  if (o->method == EMB_PROJECTION_TSNE)
    {
      EmbTsneOptions t;

      emb_tsne_options_init (&t);
      t.dims = o->dims;
      t.perplexity = o->perplexity;
      t.seed = o->seed;
      t.frame_every = o->frame_every;
      if (o->n_iterations > 0)
        {
          t.n_iterations = o->n_iterations;
          t.exaggeration_iterations = MIN (t.exaggeration_iterations, o->n_iterations / 3);
        }
      o->n_iterations = t.n_iterations;
      return emb_tsne_run (graph, init, &t, frame, frame_data, stage_progress, stage,
                           cancellable, error);
    }
  else
    {
      EmbUmapOptions u;

      emb_umap_options_init (&u);
      u.dims = o->dims;
      u.n_neighbors = o->n_neighbors;
      u.min_dist = o->min_dist;
      u.seed = o->seed;
      u.frame_every = o->frame_every;
      u.n_epochs = o->n_iterations;
      if (u.n_epochs == 0)
        u.n_epochs = graph->n > 10000 ? 200 : 500;
      o->n_iterations = u.n_epochs;
      return emb_umap_run (graph, init, &u, frame, frame_data, stage_progress, stage,
                           cancellable, error);
    }
}

EmbProjection *
emb_projection_compute (const EmbMatrix            *matrix,
                        const EmbProjectionOptions *options,
                        EmbMapFrameFunc             frame,
                        gpointer                    frame_data,
                        EmbProgressFunc             progress,
                        gpointer                    progress_data,
                        GCancellable               *cancellable,
                        GError                    **error)
{
  g_autoptr (EmbProjection) p = g_new0 (EmbProjection, 1);
  g_autoptr (EmbKnnGraph) graph = NULL;
  EmbMapInput input;
  Stage stage = { progress, progress_data, 0.0, 0.05 };
  gint64 t0 = g_get_monotonic_time ();
  guint k;

  if (!emb_projection_options_check (options, matrix->n_rows, error))
    return NULL;
  p->options = *options;
  p->n = matrix->n_rows;
  p->graph_dims = matrix->n_cols;
  p->graph_recall = p->reduction_recall = 1.0;
  if (options->method == EMB_PROJECTION_PCA)
    {
      p->coords = pca_coords (matrix, options->dims, cancellable, error);
      p->seconds_optimise = seconds_since (t0);
      return p->coords ? g_steal_pointer (&p) : NULL;
    }

  if (!emb_map_input_prepare (matrix, options->metric, options->dims, &input, cancellable, error))
    return NULL;
  p->seconds_prepare = seconds_since (t0);
  p->graph_dims = input.rows->n_cols;
  k = options->method == EMB_PROJECTION_TSNE ? (guint) floor (3.0 * options->perplexity)
                                             : options->n_neighbors - 1;
  k = (guint) MIN ((gsize) k, matrix->n_rows - 1);
  stage_progress (1.0, &stage);
  stage = (Stage) { progress, progress_data, 0.05, 0.25 };
  t0 = g_get_monotonic_time ();
  graph = emb_knn_graph_build (input.rows, k, options->metric, options->seed,
                               stage_progress, &stage, cancellable, error);
  if (graph != NULL && input.reduced)
    {
      if (!emb_knn_graph_recall (graph, matrix, EMB_KNN_GRAPH_RECALL_ROWS, &p->reduction_recall,
                                 &p->recall_rows, cancellable, error))
        g_clear_pointer (&graph, emb_knn_graph_free);
    }
  p->seconds_graph = seconds_since (t0);
  if (graph == NULL)
    {
      emb_map_input_clear (&input);
      return NULL;
    }
  p->graph_k = graph->k;
  p->graph_exact = graph->exact;
  p->graph_recall = graph->recall;
  if (!input.reduced)
    {
      p->reduction_recall = graph->recall;
      p->recall_rows = graph->recall_rows;
    }

  /* The reduced rows are not needed while the layout is optimised. */
  g_clear_pointer (&input.rows, emb_matrix_unref);
  stage = (Stage) { progress, progress_data, 0.25, 1.0 };
  t0 = g_get_monotonic_time ();
  p->coords = optimise (&p->options, graph, input.init, frame, frame_data, &stage, cancellable, error);
  p->seconds_optimise = seconds_since (t0);
  emb_map_input_clear (&input);
  return p->coords ? g_steal_pointer (&p) : NULL;
}

void
emb_projection_free (EmbProjection *projection)
{
  if (projection == NULL)
    return;
  g_free (projection->coords);
  g_free (projection);
}

typedef struct
{
  EmbMatrix            *matrix;
  EmbProjectionOptions  options;
  EmbMapFrameFunc       frame;
  gpointer              frame_data;
  EmbProgressFunc       progress;
  gpointer              progress_data;
} ProjectionJob;

static void
projection_job_free (ProjectionJob *job)
{
  emb_matrix_unref (job->matrix);
  g_free (job);
}

static void
projection_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  ProjectionJob *job = task_data;
  GError *error = NULL;
  EmbProjection *p;

  (void) source_object;
  p = emb_projection_compute (job->matrix, &job->options, job->frame, job->frame_data,
                              job->progress, job->progress_data, cancellable, &error);
  emb_task_return (task, p, (GDestroyNotify) emb_projection_free, error);
}

void
emb_projection_compute_async (EmbMatrix                  *matrix,
                              const EmbProjectionOptions *options,
                              EmbMapFrameFunc             frame,
                              gpointer                    frame_data,
                              EmbProgressFunc             progress,
                              gpointer                    progress_data,
                              GCancellable               *cancellable,
                              GAsyncReadyCallback         callback,
                              gpointer                    user_data)
{
  ProjectionJob *job = g_new0 (ProjectionJob, 1);

  job->matrix = emb_matrix_ref (matrix);
  job->options = *options;
  job->frame = frame;
  job->frame_data = frame_data;
  job->progress = progress;
  job->progress_data = progress_data;
  emb_task_run (emb_projection_compute_async, job, (GDestroyNotify) projection_job_free,
                projection_thread, cancellable, callback, user_data);
}

EmbProjection *
emb_projection_compute_finish (GAsyncResult  *result,
                               GError       **error)
{
  return emb_task_finish_pointer (result, emb_projection_compute_async, error);
}
