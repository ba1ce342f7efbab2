/* emb-dataset-async.h: emb_dataset_load in a worker thread.
 *
 * The options are copied into the task, so the caller's may go at once.
 * progress (may be NULL) is called from the worker thread, as
 * emb_dataset_load calls it; progress_data must stay valid until the
 * callback has run.  Cancel with cancellable: the load stops at its next
 * report and finishes with G_IO_ERROR_CANCELLED.
 */
#pragma once

#include "io/emb-dataset.h"

G_BEGIN_DECLS

/* A deep copy of options (NULL gives the defaults), and its free. */
EmbLoadOptions *emb_load_options_copy   (const EmbLoadOptions *options);
void            emb_load_options_free   (EmbLoadOptions *options);

void            emb_dataset_load_async  (const char           *path,
                                         const EmbLoadOptions *options,
                                         GCancellable         *cancellable,
                                         EmbProgressFunc       progress,
                                         gpointer              progress_data,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
EmbDataset     *emb_dataset_load_finish (GAsyncResult  *result,
                                         GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbLoadOptions, emb_load_options_free)

G_END_DECLS
