/* emb-scene-async.c: the scene's work in worker threads.
 *
 * Loading a file and computing its scene, a neighbour query, an analogy
 * and a token search, each as an _async/_finish pair over GTask: the
 * inputs are ref'd or copied into the task data, so the caller may change
 * or drop its own while the thread runs.  Loading is io's one load job
 * (emb_dataset_load_async) followed by the scene in a worker thread, both
 * steps under the caller's one task and cancellable.
 */
#include "config.h"

#include "base/emb-error.h"
#include "base/emb-task.h"
#include "io/emb-dataset-async.h"
#include "analysis/emb-scene.h"

typedef struct
{
  EmbDataset      *dataset;
  EmbProgressFunc  progress;        /* NULL, or the load's: 0 .. 1 over both steps */
  gpointer         progress_data;
} SceneJob;

/* Loading is most of the time on big text files; the rest is PCA. */
#define LOAD_SHARE 0.85

typedef enum
{
  QUERY_NEIGHBORS,
  QUERY_ANALOGY,
} QueryKind;

typedef struct
{
  QueryKind  kind;
  EmbScene  *scene;
  EmbMetric  metric;
  gsize      k;
  gsize      ids[3];
} QueryJob;

typedef struct
{
  EmbVocab *vocab;
  char     *query;
  gboolean  regex;
} SearchJob;

/* auxiliary functions */

static void
scene_job_free (SceneJob *job)
{
  g_clear_pointer (&job->dataset, emb_dataset_unref);
  g_free (job);
}

static void
query_job_free (QueryJob *job)
{
  emb_scene_unref (job->scene);
  g_free (job);
}

static void
search_job_free (SearchJob *job)
{
  emb_vocab_unref (job->vocab);
  g_free (job->query);
  g_free (job);
}

static void
scene_new_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  SceneJob *job = task_data;
  GError *error = NULL;
  EmbScene *scene;

  if (job->progress != NULL)
    job->progress (LOAD_SHARE, job->progress_data);
  scene = emb_scene_new (job->dataset, cancellable, &error);
  /* The PCA read every row again: a file cut short meanwhile shows here. */
  if (scene != NULL && !emb_dataset_check_unchanged (job->dataset, &error))
    g_clear_pointer (&scene, emb_scene_unref);
  if (scene != NULL && job->progress != NULL)
    job->progress (1.0, job->progress_data);
  emb_task_return (task, scene, (GDestroyNotify) emb_scene_unref, error);
}

static void
scene_load_progress (double   fraction,
                     gpointer user_data)
{
  SceneJob *job = user_data;

  job->progress (fraction * LOAD_SHARE, job->progress_data);
}

/* The dataset is loaded: compute its scene in a worker thread. */
static void
scene_load_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SceneJob *job = g_task_get_task_data (task);
  GError *error = NULL;

  job->dataset = emb_dataset_load_finish (result, &error);
  if (job->dataset == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, scene_new_thread);
}

/* Neighbour queries read the whole matrix but cannot stop half-way; a
 * query cancelled before it starts does not run. */
static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  QueryJob *job = task_data;
  GArray *out;
  gsize n;

  if (g_task_return_error_if_cancelled (task))
    return;
  out = g_array_sized_new (FALSE, FALSE, sizeof (EmbNeighbor), MAX (job->k, 1));
  g_array_set_size (out, job->k);
  if (job->kind == QUERY_NEIGHBORS)
    n = emb_knn_query_row (job->scene->knn, job->ids[0], job->metric, job->k,
                           (EmbNeighbor *) out->data);
  else
    n = emb_knn_analogy (job->scene->knn, job->ids[0], job->ids[1], job->ids[2], job->k,
                         (EmbNeighbor *) out->data);
  g_array_set_size (out, n);
  g_task_return_pointer (task, out, (GDestroyNotify) g_array_unref);
}

static void
search_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SearchJob *job = task_data;
  GError *error = NULL;
  GArray *ids = emb_search_tokens (job->vocab, job->query, job->regex, cancellable, &error);

  emb_task_return (task, ids, (GDestroyNotify) g_array_unref, error);
}

/* public API */

void
emb_scene_load_async (const char           *path,
                      const EmbLoadOptions *options,
                      GCancellable         *cancellable,
                      EmbProgressFunc       progress,
                      gpointer              progress_data,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  SceneJob *job = g_new0 (SceneJob, 1);
  GTask *task;

  g_return_if_fail (path != NULL);

  job->progress = progress;
  job->progress_data = progress_data;
  task = emb_task_new (emb_scene_load_async, job, (GDestroyNotify) scene_job_free,
                       cancellable, callback, user_data);
  /* The job outlives the load: the task holds it, and the load holds the task. */
  emb_dataset_load_async (path, options, cancellable,
                          progress != NULL ? scene_load_progress : NULL, job,
                          scene_load_loaded, task);
}

EmbScene *
emb_scene_load_finish (GAsyncResult  *result,
                       GError       **error)
{
  return emb_task_finish_pointer (result, emb_scene_load_async, error);
}

void
emb_scene_new_async (EmbDataset          *dataset,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  SceneJob *job = g_new0 (SceneJob, 1);

  job->dataset = emb_dataset_ref (dataset);
  emb_task_run (emb_scene_new_async, job, (GDestroyNotify) scene_job_free, scene_new_thread,
                cancellable, callback, user_data);
}

EmbScene *
emb_scene_new_finish (GAsyncResult  *result,
                      GError       **error)
{
  return emb_task_finish_pointer (result, emb_scene_new_async, error);
}

void
emb_scene_neighbors_async (EmbScene            *scene,
                           gsize                row,
                           EmbMetric            metric,
                           gsize                k,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  QueryJob *job = g_new0 (QueryJob, 1);
  gsize n = emb_scene_n_rows (scene);

  job->kind = QUERY_NEIGHBORS;
  job->scene = emb_scene_ref (scene);
  job->metric = metric;
  job->k = MIN (k, n > 0 ? n - 1 : 0);
  job->ids[0] = row;
  emb_task_run (emb_scene_neighbors_async, job, (GDestroyNotify) query_job_free, query_thread,
                cancellable, callback, user_data);
}

GArray *
emb_scene_neighbors_finish (GAsyncResult  *result,
                            GError       **error)
{
  return emb_task_finish_pointer (result, emb_scene_neighbors_async, error);
}

void
emb_scene_analogy_async (EmbScene            *scene,
                         gsize                a,
                         gsize                b,
                         gsize                c,
                         gsize                k,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  QueryJob *job = g_new0 (QueryJob, 1);
  gsize n = emb_scene_n_rows (scene);

  job->kind = QUERY_ANALOGY;
  job->scene = emb_scene_ref (scene);
  job->k = MIN (k, n > 3 ? n - 3 : 0);
  job->ids[0] = a;
  job->ids[1] = b;
  job->ids[2] = c;
  emb_task_run (emb_scene_analogy_async, job, (GDestroyNotify) query_job_free, query_thread,
                cancellable, callback, user_data);
}

GArray *
emb_scene_analogy_finish (GAsyncResult  *result,
                          GError       **error)
{
  return emb_task_finish_pointer (result, emb_scene_analogy_async, error);
}

void
emb_search_tokens_async (EmbVocab            *vocab,
                         const char          *query,
                         gboolean             regex,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  SearchJob *job = g_new0 (SearchJob, 1);

  job->vocab = emb_vocab_ref (vocab);
  job->query = g_strdup (query);
  job->regex = regex;
  emb_task_run (emb_search_tokens_async, job, (GDestroyNotify) search_job_free, search_thread,
                cancellable, callback, user_data);
}

GArray *
emb_search_tokens_finish (GAsyncResult  *result,
                          GError       **error)
{
  return emb_task_finish_pointer (result, emb_search_tokens_async, error);
}
