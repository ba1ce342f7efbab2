/* emb-render.c: points splatted into an ARGB32 buffer.
 *
 * The image is cut into bands of rows, small enough that one band's float
 * accumulation buffer (16 bytes a pixel) stays in a core's L2 cache.  A
 * render runs in four stages, every thread taking part in each, with a
 * short serial step by thread 0 between some of them:
 *
 *   1 count: each thread transforms its share of the points and counts,
 *     per band, the discs that touch the band (then, serially, prefix sums);
 *   2 scatter: the same walk again, writing a small record per (point,
 *     band) into the band's slice of one array (a counting sort), so each
 *     band's points are contiguous and in point order;
 *   3 splat: bands are handed out one at a time; a thread adds each disc's
 *     coverage kernel times (1, r, g, b) into its band buffer, then folds
 *     the band into the output as "coverage code + mean colour" and
 *     histograms the codes (then, serially, the opacity table);
 *   4 composite: codes become opacity through that 256-entry table and are
 *     composited over the background, in place.
 *
 * Splitting the image rather than the points means no per-thread
 * full-image buffers to clear and merge: on 341k points into 1600 x 1200 a
 * single full-image float buffer was 15% slower than the bands even before
 * any merge, and a fresh 30 MB buffer costs ~10 ms in page faults alone.
 * Only the band buffers (one per thread) and the records are allocated per
 * call; the full-image state between stages 3 and 4 lives in the output.
 * The result does not depend on the number of threads.
 *
 * The stages live in emb-render-scatter.c (1, 2) and emb-render-splat.c
 * (3, 4), the kernels in emb-render-kernels.c; this file runs them.
 */
#include "config.h"

#include "plot/emb-render-private.h"

/* ---------------------------------------------------------------------- */
/* auxiliary functions                                                     */

/* Blocks until all n_threads threads have called it. */
static void
barrier_wait (Barrier *b)
{
  guint generation;

  g_mutex_lock (&b->mutex);
  generation = b->generation;
  if (++b->waiting == b->n_threads)
    {
      b->waiting = 0;
      b->generation++;
      g_cond_broadcast (&b->cond);
    }
  else
    {
      while (generation == b->generation)
        g_cond_wait (&b->cond, &b->mutex);
    }
  g_mutex_unlock (&b->mutex);
}

/* Everything one thread does, phase after phase; thread 0 also does the
 * serial steps between them. */
static gpointer
render_worker (gpointer data)
{
  Worker *w = data;
  RenderJob *job = w->job;
  guint t = w->index;
  int width = job->view->width;
  g_autofree v4sf *acc = NULL;
  guint64 *hist = job->histograms + (gsize) t * 256;
  int b;

  _emb_render_count_points (job, t);
  barrier_wait (&job->barrier);
  if (t == 0 && !g_atomic_int_get (&job->cancelled))
    _emb_render_prefix_counts (job);
  barrier_wait (&job->barrier);

  if (!g_atomic_int_get (&job->cancelled))
    _emb_render_scatter_points (job, t);
  barrier_wait (&job->barrier);

  if (!g_atomic_int_get (&job->cancelled))
    {
      /* Zeroed once; encode_band leaves it zeroed for the next band. */
      acc = g_malloc0_n ((gsize) MIN (job->band_rows, job->view->height) * width,
                         sizeof (v4sf));
      while ((b = g_atomic_int_add (&job->next_band, 1)) < job->n_bands)
        {
          int y0, y1;

          band_rows (job, b, &y0, &y1);
          _emb_render_splat_band (job, job->records + job->band_start[b],
                      job->band_start[b + 1] - job->band_start[b],
                      acc, y0, y1);
          if (check_cancelled (job))
            break;
          _emb_render_encode_band (job, acc, y0, y1, hist);
        }
    }
  barrier_wait (&job->barrier);
  if (t == 0 && !g_atomic_int_get (&job->cancelled))
    _emb_render_build_alpha_lut (job);
  barrier_wait (&job->barrier);

  if (!g_atomic_int_get (&job->cancelled))
    while ((b = g_atomic_int_add (&job->next_final, 1)) < job->n_bands)
      {
        int y0, y1;

        band_rows (job, b, &y0, &y1);
        _emb_render_composite_band (job, y0, y1);
      }
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* public API                                                              */

/* Sets up the kernels, colours and bands, then runs render_worker on the
 * calling thread and n_threads - 1 others. */
gboolean
emb_render_points (const EmbPointStyle *style,
                   const EmbView       *view,
                   guint8              *out,
                   int                  stride,
                   guint                n_threads,
                   GCancellable        *cancellable)
{
  RenderJob job = { 0 };
  g_autofree Worker *workers = NULL;
  g_autofree GThread **threads = NULL;
  double radius;
  int band_rows;

  g_return_val_if_fail (style != NULL, FALSE);
  g_return_val_if_fail (view != NULL, FALSE);
  g_return_val_if_fail (view->width > 0 && view->width <= MAX_SIDE, FALSE);
  g_return_val_if_fail (view->height > 0 && view->height <= MAX_SIDE, FALSE);
  g_return_val_if_fail (view->scale > 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (stride >= view->width * 4, FALSE);
  g_return_val_if_fail (style->n == 0 || (style->xs != NULL && style->ys != NULL), FALSE);
  /* Record counts are 32-bit. */
  g_return_val_if_fail (style->n < G_MAXUINT32 / 4, FALSE);

  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  /* A thread is worth starting for a few tens of thousands of points. */
  n_threads = CLAMP (MIN (n_threads, style->n / 32768 + 1), 1, 64);

  job.style = style;
  job.view = view;
  job.out = out;
  job.stride = stride;
  job.cancellable = cancellable;
  job.n_threads = n_threads;

  radius = isfinite (style->radius) ? CLAMP (style->radius, 0.5, MAX_RADIUS) : 2.0;
  _emb_render_build_kernels (&job, radius);
  _emb_render_build_colours (&job);

  /* The largest power of two of rows that fits BAND_BYTES, but tall
   * enough that a disc spans at most two bands. */
  band_rows = BAND_BYTES / (view->width * (int) sizeof (v4sf));
  while ((2 << job.band_shift) <= MIN (band_rows, view->height))
    job.band_shift++;
  while ((1 << job.band_shift) < 2 * job.reach + 1)
    job.band_shift++;
  job.band_rows = 1 << job.band_shift;
  job.n_bands = (view->height + job.band_rows - 1) / job.band_rows;
  job.counts = g_new0 (guint, (gsize) n_threads * job.n_bands);
  job.band_start = g_new (guint, job.n_bands + 1);
  job.histograms = g_new0 (guint64, (gsize) n_threads * 256);

  g_mutex_init (&job.barrier.mutex);
  g_cond_init (&job.barrier.cond);
  job.barrier.n_threads = n_threads;

  workers = g_new (Worker, n_threads);
  threads = g_new0 (GThread *, n_threads);
  for (guint t = 0; t < n_threads; t++)
    {
      workers[t].job = &job;
      workers[t].index = t;
    }
  for (guint t = 1; t < n_threads; t++)
    threads[t] = g_thread_new ("emb-render", render_worker, &workers[t]);
  render_worker (&workers[0]);
  for (guint t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);

  g_mutex_clear (&job.barrier.mutex);
  g_cond_clear (&job.barrier.cond);
  g_free (job.kernel_weights);
  g_free (job.colours);
  g_free (job.counts);
  g_free (job.band_start);
  g_free (job.records);
  g_free (job.histograms);

  return !job.cancelled;
}
