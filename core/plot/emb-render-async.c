/* emb-render-async.c: emb_render_points () in a worker thread, for a
 * caller (the plot view) that must not block while the points are drawn.
 *
 * The style's arrays are borrowed, not copied: the caller passes an owner
 * that keeps them alive, and its destroy notify runs once, when the task
 * lets go of its job (after the result was taken, or on cancel).
 */
#include "plot/emb-render.h"

#include "base/emb-error.h"
#include "base/emb-task.h"

typedef struct
{
  EmbPointStyle  style;
  EmbView        view;
  guint          n_threads;
  gpointer       owner;
  GDestroyNotify owner_destroy;
} RenderAsyncJob;

typedef struct
{
  GBytes *pixels;
  int     stride;
} RenderAsyncResult;

static void
render_async_job_free (RenderAsyncJob *job)
{
  if (job->owner_destroy != NULL)
    job->owner_destroy (job->owner);
  g_free (job);
}

static void
render_async_result_free (RenderAsyncResult *result)
{
  g_bytes_unref (result->pixels);
  g_free (result);
}

static void
render_async_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  RenderAsyncJob *job = task_data;
  int stride = job->view.width * 4;
  gsize size = (gsize) stride * job->view.height;
  g_autofree guint8 *pixels = g_malloc (size);
  RenderAsyncResult *result;
  GError *error = NULL;

  if (!emb_render_points (&job->style, &job->view, pixels, stride, job->n_threads, cancellable))
    {
      if (!g_cancellable_set_error_if_cancelled (cancellable, &error))
        g_set_error (&error, EMB_ERROR, EMB_ERROR_INVALID, "the points could not be drawn");
      emb_task_return (task, NULL, NULL, error);
      return;
    }
  result = g_new (RenderAsyncResult, 1);
  result->pixels = g_bytes_new_take (g_steal_pointer (&pixels), size);
  result->stride = stride;
  emb_task_return (task, result, (GDestroyNotify) render_async_result_free, NULL);
}

void
emb_render_points_async (const EmbPointStyle *style,
                         const EmbView       *view,
                         guint                n_threads,
                         gpointer             owner,
                         GDestroyNotify       owner_destroy,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  RenderAsyncJob *job;

  g_return_if_fail (style != NULL);
  g_return_if_fail (view != NULL && view->width > 0 && view->height > 0);

  job = g_new0 (RenderAsyncJob, 1);
  job->style = *style;
  job->view = *view;
  job->n_threads = n_threads;
  job->owner = owner;
  job->owner_destroy = owner_destroy;
  emb_task_run (emb_render_points_async, job, (GDestroyNotify) render_async_job_free,
                render_async_thread, cancellable, callback, user_data);
}

GBytes *
emb_render_points_finish (GAsyncResult  *result,
                          int           *stride,
                          GError       **error)
{
  RenderAsyncResult *r = emb_task_finish_pointer (result, emb_render_points_async, error);
  GBytes *pixels;

  if (r == NULL)
    return NULL;
  pixels = g_bytes_ref (r->pixels);
  if (stride != NULL)
    *stride = r->stride;
  render_async_result_free (r);
  return pixels;
}
