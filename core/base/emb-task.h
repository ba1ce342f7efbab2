/* emb-task.h: the one shape of core's _async/_finish pairs.
 *
 * Every long piece of core work (loading, PCA, queries, clustering,
 * exports) runs as a GTask in a worker thread: the _async function copies
 * or refs its inputs into a job, emb_task_run () starts the thread, the
 * thread hands its result to emb_task_return (), and the _finish function
 * is emb_task_finish_pointer () or emb_task_finish_boolean () checked
 * against the _async function as source tag.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs func in a worker thread with job as task data (freed with
 * free_job when the task goes); callback runs in the caller's main
 * context.  source_tag is the _async function. */
void     emb_task_run            (gpointer             source_tag,
                                  gpointer             job,
                                  GDestroyNotify       free_job,
                                  GTaskThreadFunc      func,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);

/* The task emb_task_run () starts, for work in more than one step (say an
 * _async call of a lower layer first, then g_task_run_in_thread ()). */
GTask   *emb_task_new            (gpointer             source_tag,
                                  gpointer             job,
                                  GDestroyNotify       free_job,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);

/* From the thread: result (freed with free_result if never finished), or
 * error (taken) when result is NULL. */
void     emb_task_return         (GTask               *task,
                                  gpointer             result,
                                  GDestroyNotify       free_result,
                                  GError              *error);

/* The result of a task started with source_tag, or NULL with error. */
gpointer emb_task_finish_pointer (GAsyncResult        *result,
                                  gpointer             source_tag,
                                  GError             **error);

gboolean emb_task_finish_boolean (GAsyncResult        *result,
                                  gpointer             source_tag,
                                  GError             **error);

G_END_DECLS
