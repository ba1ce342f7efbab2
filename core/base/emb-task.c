/* emb-task.c: starting, returning and finishing core's worker tasks
 * (see emb-task.h). */
#include "base/emb-task.h"

GTask *
emb_task_new (gpointer             source_tag,
              gpointer             job,
              GDestroyNotify       free_job,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, free_job);
  return task;
}

void
emb_task_run (gpointer             source_tag,
              gpointer             job,
              GDestroyNotify       free_job,
              GTaskThreadFunc      func,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GTask) task = emb_task_new (source_tag, job, free_job, cancellable, callback, user_data);

  g_task_run_in_thread (task, func);
}

void
emb_task_return (GTask          *task,
                 gpointer        result,
                 GDestroyNotify  free_result,
                 GError         *error)
{
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, free_result);
}

gpointer
emb_task_finish_pointer (GAsyncResult  *result,
                         gpointer       source_tag,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
emb_task_finish_boolean (GAsyncResult  *result,
                         gpointer       source_tag,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
