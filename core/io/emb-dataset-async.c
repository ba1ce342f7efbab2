/* emb-dataset-async.c: the _async/_finish pair over emb_dataset_load. */
#include "config.h"

#include "io/emb-dataset-async.h"

typedef struct
{
  char            *path;
  EmbLoadOptions  *options;
  EmbProgressFunc  progress;
  gpointer         progress_data;
} LoadJob;

/* auxiliary functions */

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  emb_load_options_free (job->options);
  g_free (job);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  GError *error = NULL;
  EmbDataset *ds = emb_dataset_load (job->path, job->options, cancellable,
                                     job->progress, job->progress_data, &error);

  if (ds == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ds, (GDestroyNotify) emb_dataset_unref);
}

/* public API */

EmbLoadOptions *
emb_load_options_copy (const EmbLoadOptions *options)
{
  EmbLoadOptions *copy = g_new0 (EmbLoadOptions, 1);

  if (options == NULL)
    return copy;
  *copy = *options;
  copy->format = g_strdup (options->format);
  copy->vocab_path = g_strdup (options->vocab_path);
  copy->tensor = g_strdup (options->tensor);
  return copy;
}

void
emb_load_options_free (EmbLoadOptions *options)
{
  if (options == NULL)
    return;
  g_free ((char *) options->format);
  g_free ((char *) options->vocab_path);
  g_free ((char *) options->tensor);
  g_free (options);
}

void
emb_dataset_load_async (const char           *path,
                        const EmbLoadOptions *options,
                        GCancellable         *cancellable,
                        EmbProgressFunc       progress,
                        gpointer              progress_data,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job;

  g_return_if_fail (path != NULL);

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (path);
  job->options = emb_load_options_copy (options);
  job->progress = progress;
  job->progress_data = progress_data;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, emb_dataset_load_async);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, load_thread);
}

EmbDataset *
emb_dataset_load_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == emb_dataset_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
