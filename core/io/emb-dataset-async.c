/* emb-dataset-async.c: the _async/_finish pair over emb_dataset_load. */
#include "config.h"

#include "base/emb-task.h"
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

  emb_task_return (task, ds, (GDestroyNotify) emb_dataset_unref, error);
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
  LoadJob *job;

  g_return_if_fail (path != NULL);

  job = g_new0 (LoadJob, 1);
  job->path = g_strdup (path);
  job->options = emb_load_options_copy (options);
  job->progress = progress;
  job->progress_data = progress_data;

  emb_task_run (emb_dataset_load_async, job, (GDestroyNotify) load_job_free, load_thread,
                cancellable, callback, user_data);
}

EmbDataset *
emb_dataset_load_finish (GAsyncResult  *result,
                         GError       **error)
{
  return emb_task_finish_pointer (result, emb_dataset_load_async, error);
}
