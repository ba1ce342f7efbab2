/* emb-map-control.c: the newest frame of a running map, pause and wake
 * (see emb-map-control.h). */
#include "config.h"

#include <string.h>

#include "map/emb-map-control.h"

struct _EmbMapControl
{
  gint          ref_count;
  GMutex        lock;
  GCond         wake;
  GCancellable *cancellable;
  gulong        cancelled_id;
  GMainContext *context;
  GSourceFunc   notify;       /* NULL once detached */
  gpointer      data;
  gboolean      paused;
  gboolean      notify_pending;
  float        *frame;        /* the newest frame not taken, or NULL */
  gsize         n;
  guint         dims;
  guint         iteration;
  guint         n_iterations;
};

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  EmbMapControl *self = user_data;

  (void) cancellable;
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->wake);
  g_mutex_unlock (&self->lock);
}

EmbMapControl *
emb_map_control_new (GCancellable *cancellable,
                     GMainContext *context,
                     GSourceFunc   notify,
                     gpointer      data)
{
  EmbMapControl *self = g_new0 (EmbMapControl, 1);

  self->ref_count = 1;
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  self->context = context != NULL ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->notify = notify;
  self->data = data;
  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      /* The handler holds no ref: it is disconnected before the free. */
      self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), self, NULL);
    }
  return self;
}

EmbMapControl *
emb_map_control_ref (EmbMapControl *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
emb_map_control_unref (EmbMapControl *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  if (self->cancellable != NULL)
    {
      g_cancellable_disconnect (self->cancellable, self->cancelled_id);
      g_object_unref (self->cancellable);
    }
  g_main_context_unref (self->context);
  g_free (self->frame);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  g_free (self);
}

void
emb_map_control_detach (EmbMapControl *self)
{
  g_mutex_lock (&self->lock);
  self->notify = NULL;
  g_mutex_unlock (&self->lock);
}

void
emb_map_control_set_paused (EmbMapControl *self,
                            gboolean       paused)
{
  g_mutex_lock (&self->lock);
  self->paused = paused;
  g_cond_broadcast (&self->wake);
  g_mutex_unlock (&self->lock);
}

gboolean
emb_map_control_is_paused (EmbMapControl *self)
{
  gboolean paused;

  g_mutex_lock (&self->lock);
  paused = self->paused;
  g_mutex_unlock (&self->lock);
  return paused;
}

float *
emb_map_control_take_frame (EmbMapControl *self,
                            gsize         *n,
                            guint         *dims,
                            guint         *iteration,
                            guint         *n_iterations)
{
  float *frame;

  g_mutex_lock (&self->lock);
  frame = g_steal_pointer (&self->frame);
  *n = self->n;
  *dims = self->dims;
  *iteration = self->iteration;
  *n_iterations = self->n_iterations;
  self->notify_pending = FALSE;
  g_mutex_unlock (&self->lock);
  return frame;
}

/* In the owner's context: its notify, unless detached meanwhile. */
static gboolean
notify_idle (gpointer user_data)
{
  EmbMapControl *self = user_data;
  GSourceFunc notify;
  gpointer data;

  g_mutex_lock (&self->lock);
  notify = self->notify;
  data = self->data;
  g_mutex_unlock (&self->lock);
  if (notify != NULL)
    notify (data);
  return G_SOURCE_REMOVE;
}

void
emb_map_control_frame (const float *layout,
                       gsize        n,
                       guint        dims,
                       guint        iteration,
                       guint        n_iterations,
                       gpointer     user_data)
{
  EmbMapControl *self = user_data;
  gsize bytes = n * dims * sizeof (float);
  float *copy = g_try_malloc (MAX (bytes, 1));
  gboolean schedule;

  if (copy != NULL)
    memcpy (copy, layout, bytes);
  g_mutex_lock (&self->lock);
  if (copy != NULL)
    {
      g_free (self->frame);
      self->frame = copy;
      self->n = n;
      self->dims = dims;
      self->iteration = iteration;
      self->n_iterations = n_iterations;
    }
  schedule = copy != NULL && self->notify != NULL && !self->notify_pending;
  if (schedule)
    self->notify_pending = TRUE;
  g_mutex_unlock (&self->lock);

  if (schedule)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (source, notify_idle, emb_map_control_ref (self),
                             (GDestroyNotify) emb_map_control_unref);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }

  /* Paused: wait here until resumed or cancelled. */
  g_mutex_lock (&self->lock);
  while (self->paused && !g_cancellable_is_cancelled (self->cancellable))
    g_cond_wait (&self->wake, &self->lock);
  g_mutex_unlock (&self->lock);
}
