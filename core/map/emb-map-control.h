/* emb-map-control.h: watching, pausing and stopping a map while it runs.
 *
 * A map runs in a worker thread and calls its frame function every few
 * iterations (map/emb-map.h).  With emb_map_control_frame as that
 * function and a control as its data, the newest layout is kept (the
 * older ones a slow screen did not take are dropped), the owner's notify
 * function runs in the owner's main context when there is one to take,
 * and the worker waits inside the call while the control is paused.
 * Cancelling the run's cancellable wakes a paused worker, so a paused run
 * can always be stopped.  Thread-safe; refcounted.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _EmbMapControl EmbMapControl;

/* notify (may be NULL) runs in context (NULL: the thread-default one of
 * the caller) with data, at most once for any number of frames since the
 * last take. */
EmbMapControl *emb_map_control_new       (GCancellable  *cancellable,
                                          GMainContext  *context,
                                          GSourceFunc    notify,
                                          gpointer       data);
EmbMapControl *emb_map_control_ref       (EmbMapControl *self);
void           emb_map_control_unref     (EmbMapControl *self);

/* No more notify calls, from any thread, once this returns (for an owner
 * that goes away before the run ends). */
void           emb_map_control_detach    (EmbMapControl *self);

void           emb_map_control_set_paused (EmbMapControl *self,
                                           gboolean       paused);
gboolean       emb_map_control_is_paused  (EmbMapControl *self);

/* The newest frame (n x dims, g_free) since the last take, or NULL. */
float         *emb_map_control_take_frame (EmbMapControl *self,
                                           gsize         *n,
                                           guint         *dims,
                                           guint         *iteration,
                                           guint         *n_iterations);

/* An EmbMapFrameFunc: user_data is the control. */
void           emb_map_control_frame     (const float *layout,
                                          gsize        n,
                                          guint        dims,
                                          guint        iteration,
                                          guint        n_iterations,
                                          gpointer     user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbMapControl, emb_map_control_unref)

G_END_DECLS
