/* emb-umap-sgd.c: UMAP's epochs, stochastic gradient descent on the fuzzy
 * set cross entropy.
 *
 * As umap-learn: edge e of weight w_e is sampled every max (w) / w_e
 * epochs; a sample pulls its two ends together with the attractive
 * gradient -2ab d^(2(b-1)) / (1 + a d^2b) (y_i - y_j) and pushes its head
 * away from negative_sample_rate random rows (per sample, on average)
 * with the repulsive 2b / ((0.001 + d^2)(1 + a d^2b)) (y_i - y_k); each
 * coordinate's step is clipped to [-4, 4] and scaled by the learning rate,
 * which falls linearly to 0 over the epochs.
 *
 * Threads and determinism: the rows are cut into n_threads ranges (at
 * most one per 256 rows) of about equal edge counts, and each thread takes the edges whose head is
 * in its range, with its own random stream seeded from (seed, epoch,
 * thread).  A thread reads and writes the rows of its own range as it
 * goes, and reads every other row from a copy of the layout made at the
 * start of the epoch; the pulls it gives to other threads' rows are summed
 * in a buffer of its own, and the buffers are added to the layout after
 * the epoch, thread 0 first.  So no thread ever sees another's writes
 * during an epoch, and the layout depends on the seed and the thread
 * count only (umap-learn's parallel mode races instead).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "map/emb-umap-private.h"

#define MAX_THREADS       64
/* Fewer rows than this per thread is not worth a thread. */
#define ROWS_PER_THREAD   256
#define CLIP              4.0f

typedef struct
{
  const UmapGraph     *graph;
  const UmapSgdParams *params;
  float               *y;            /* the layout, n x dims */
  float               *snap;         /* the layout at the start of the epoch */
  float               *delta;        /* n_threads x n x dims */
  double              *eps;          /* epochs per sample, per edge */
  double              *next;         /* epoch of the next sample */
  double              *next_neg;     /* epoch of the next negative samples */
  guint                n_threads;
  gsize                bounds[MAX_THREADS + 1];
} Sgd;

typedef struct
{
  Sgd   *sgd;
  guint  t;
  guint  epoch;
  float  alpha;
} SgdWorker;


/* auxiliary functions */

static inline float
clip (float v)
{
  return v > CLIP ? CLIP : v < -CLIP ? -CLIP : v;
}

static inline float
dist2 (const float *p,
       const float *q,
       guint        dims)
{
  float s = 0.0f;

  for (guint d = 0; d < dims; d++)
    s += (p[d] - q[d]) * (p[d] - q[d]);
  return s;
}

/* The negative samples of head row i at cur for one edge sample. */
static void
sgd_negatives (const SgdWorker *w,
               gsize            i,
               float           *cur,
               guint            count,
               EmbRng         *rng)
{
  const Sgd *s = w->sgd;
  gsize n = s->graph->n, lo = s->bounds[w->t], hi = s->bounds[w->t + 1];
  guint dims = s->params->dims;
  float a = (float) s->params->a, b = (float) s->params->b;

  for (guint p = 0; p < count; p++)
    {
      gsize k = (gsize) emb_rng_below (rng, n);
      const float *other = (k >= lo && k < hi ? s->y : s->snap) + k * dims;
      float d2 = dist2 (cur, other, dims), coeff;

      if (d2 > 0.0f)
        coeff = 2.0f * b / ((0.001f + d2) * (a * powf (d2, b) + 1.0f));
      else if (k == i)
        continue;
      else
        coeff = 0.0f;
      if (coeff > 0.0f)
        for (guint d = 0; d < dims; d++)
          cur[d] += clip (coeff * (cur[d] - other[d])) * w->alpha;
    }
}

/* One thread's share of an epoch: the edges whose head is in its range. */
static gpointer
sgd_worker (gpointer data)
{
  const SgdWorker *w = data;
  Sgd *s = w->sgd;
  const UmapGraph *g = s->graph;
  const UmapSgdParams *prm = s->params;
  gsize lo = s->bounds[w->t], hi = s->bounds[w->t + 1], n = g->n;
  guint dims = prm->dims, rate = prm->negative_sample_rate;
  float a = (float) prm->a, b = (float) prm->b, alpha = w->alpha;
  float *delta = s->delta + (gsize) w->t * n * dims;
  double epoch = w->epoch;
  EmbRng rng;

  emb_rng_init_stream (&rng, prm->seed, w->epoch + 1, w->t + 1);
  for (gsize i = lo; i < hi; i++)
    {
      float *cur = s->y + i * dims;

      for (gsize e = g->row[i]; e < g->row[i + 1]; e++)
        {
          gsize j = g->col[e];
          gboolean own = j >= lo && j < hi;
          float *other = (own ? s->y : s->snap) + j * dims;
          float *pull = own ? s->y + j * dims : delta + j * dims;
          float d2, coeff = 0.0f;

          if (s->next[e] > epoch)
            continue;
          d2 = dist2 (cur, other, dims);
          if (d2 > 0.0f)
            {
              float pb = powf (d2, b);

              coeff = -2.0f * a * b * (pb / d2) / (a * pb + 1.0f);
            }
          for (guint d = 0; d < dims; d++)
            {
              float step = clip (coeff * (cur[d] - other[d])) * alpha;

              cur[d] += step;
              pull[d] -= step;
            }
          s->next[e] += s->eps[e];
          if (rate > 0)
            {
              double eps_neg = s->eps[e] / rate;
              double due = (epoch - s->next_neg[e]) / eps_neg;
              guint count = due > 0.0 ? (guint) due : 0;

              sgd_negatives (w, i, cur, count, &rng);
              s->next_neg[e] += count * eps_neg;
            }
        }
    }
  return NULL;
}

/* The thread count for n rows and the row ranges of equal edge counts. */
static void
sgd_partition (Sgd   *s,
               guint  n_threads)
{
  const UmapGraph *g = s->graph;
  gsize n = g->n, nnz = g->row[n], i = 0;

  n_threads = CLAMP (n_threads, 1u, MAX_THREADS);
  n_threads = (guint) MIN ((gsize) n_threads, MAX (n / ROWS_PER_THREAD, (gsize) 1));
  s->n_threads = n_threads;
  s->bounds[0] = 0;
  for (guint t = 1; t < n_threads; t++)
    {
      gsize target = nnz * t / n_threads;

      while (i < n && g->row[i] < target)
        i++;
      s->bounds[t] = i;
    }
  s->bounds[n_threads] = n;
}

/* One epoch over every thread, then the pulls across ranges added in. */
static void
sgd_epoch (Sgd   *s,
           guint  epoch)
{
  gsize n = s->graph->n;
  guint dims = s->params->dims;
  SgdWorker workers[MAX_THREADS];
  GThread *threads[MAX_THREADS];
  float alpha = (float) (s->params->learning_rate *
                         (1.0 - (double) epoch / s->params->n_epochs));

  memcpy (s->snap, s->y, n * dims * sizeof (float));
  for (guint t = 0; t < s->n_threads; t++)
    workers[t] = (SgdWorker) { .sgd = s, .t = t, .epoch = epoch, .alpha = alpha };
  for (guint t = 1; t < s->n_threads; t++)
    threads[t] = g_thread_new ("emb-umap", sgd_worker, &workers[t]);
  sgd_worker (&workers[0]);
  for (guint t = 1; t < s->n_threads; t++)
    g_thread_join (threads[t]);

  for (guint t = 0; t < s->n_threads && s->n_threads > 1; t++)
    {
      float *delta = s->delta + (gsize) t * n * dims;

      for (gsize c = 0; c < n * dims; c++)
        s->y[c] += delta[c];
      memset (delta, 0, n * dims * sizeof (float));
    }
}


/* shared within UMAP (see emb-umap-private.h) */

gboolean
umap_sgd (const UmapGraph     *graph,
          float               *layout,
          const UmapSgdParams *params,
          GError             **error)
{
  gsize n = graph->n, nnz = graph->row[n];
  g_autofree float *snap = NULL, *delta = NULL;
  g_autofree double *eps = NULL, *next = NULL, *next_neg = NULL;
  Sgd s = { .graph = graph, .params = params, .y = layout };
  float max = 0.0f;

  g_return_val_if_fail (params->n_epochs > 0, FALSE);

  sgd_partition (&s, params->n_threads);
  if ((snap = emb_try_new (float, n * params->dims, "UMAP's layout copy", error)) == NULL ||
      (delta = emb_try_alloc0 (n * params->dims, sizeof (float) * s.n_threads,
                               "UMAP's per-thread moves", error)) == NULL ||
      (eps = emb_try_new (double, nnz, "UMAP's edge sampling", error)) == NULL ||
      (next = emb_try_new (double, nnz, "UMAP's edge sampling", error)) == NULL ||
      (next_neg = emb_try_new (double, nnz, "UMAP's negative sampling", error)) == NULL)
    return FALSE;
  s.snap = snap, s.delta = delta, s.eps = eps, s.next = next, s.next_neg = next_neg;

  for (gsize e = 0; e < nnz; e++)
    max = MAX (max, graph->w[e]);
  for (gsize e = 0; e < nnz; e++)
    {
      eps[e] = graph->w[e] > 0.0f ? (double) max / graph->w[e] : INFINITY;
      next[e] = eps[e];
      next_neg[e] = params->negative_sample_rate > 0 ? eps[e] / params->negative_sample_rate : INFINITY;
    }

  for (guint epoch = 0; epoch < params->n_epochs; epoch++)
    {
      if (g_cancellable_set_error_if_cancelled (params->cancellable, error))
        return FALSE;
      sgd_epoch (&s, epoch);
      if (params->frame != NULL && params->frame_every > 0 &&
          (epoch + 1) % params->frame_every == 0)
        params->frame (layout, n, params->dims, epoch + 1, params->n_epochs, params->frame_data);
      if (params->progress != NULL)
        params->progress ((double) (epoch + 1) / params->n_epochs, params->progress_data);
    }
  return TRUE;
}
