/* emb-tsne.c: t-SNE's checks, its init and its gradient descent.
 *
 * Each iteration: the gradient g = exaggeration attr - rep / Z
 * (emb-tsne-forces.c, emb-tsne-fft.c); per coordinate, the gain grows by
 * 0.2 when the gradient opposes the last update and shrinks by 0.8
 * otherwise (never below 0.01); update = momentum update - eta gain g,
 * clipped to norm 5 per point; y += update; then the layout is
 * re-centred.  Exaggeration and momentum 0.5 for the first
 * exaggeration_iterations, then none and 0.8.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "map/emb-tsne-private.h"

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "base/emb-rng.h"

#define TSNE_INIT_STD      1e-4
#define TSNE_MIN_GAIN      0.01
#define TSNE_MAX_STEP_NORM 5.0

void
emb_tsne_options_init (EmbTsneOptions *options)
{
  *options = (EmbTsneOptions) {
    .dims = 2,
    .perplexity = 30,
    .n_iterations = 750,
    .exaggeration_iterations = 250,
    .exaggeration = 12,
    .learning_rate = 0,
    .seed = 0,
    .n_threads = 0,
    .frame_every = 0,
  };
}

static gboolean
check_arguments (const EmbKnnGraph    *graph,
                 const EmbTsneOptions *o,
                 GError              **error)
{
  if (o->dims != 2 && o->dims != 3)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "t-SNE maps to 2 or 3 dimensions, not %u", o->dims);
      return FALSE;
    }
  if (!isfinite (o->perplexity) || o->perplexity < 1)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "the t-SNE perplexity must be at least 1, not %g", o->perplexity);
      return FALSE;
    }
  if (!isfinite (o->exaggeration) || o->exaggeration <= 0 || !isfinite (o->learning_rate))
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "the t-SNE exaggeration (%g) must be positive and the learning rate (%g) finite",
                   o->exaggeration, o->learning_rate);
      return FALSE;
    }
  if ((double) graph->n <= 3 * o->perplexity)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "t-SNE with perplexity %g needs more than %g rows (3 x perplexity), "
                   "but there are %" G_GSIZE_FORMAT "; a perplexity of at most %g fits",
                   o->perplexity, floor (3 * o->perplexity), graph->n,
                   floor ((double) (graph->n - (graph->n > 0)) / 3 * 100) / 100);
      return FALSE;
    }
  if ((double) graph->k < o->perplexity || !graph->idx || !graph->dist)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "t-SNE with perplexity %g needs a neighbour graph of at least %g "
                   "neighbours a row (%g is best), but it has %u",
                   o->perplexity, ceil (o->perplexity), floor (3 * o->perplexity), graph->k);
      return FALSE;
    }
  if (graph->metric != EMB_METRIC_EUCLIDEAN && graph->metric != EMB_METRIC_COSINE)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "t-SNE takes a Euclidean or cosine neighbour graph");
      return FALSE;
    }
  for (gsize e = 0; e < graph->n * (gsize) graph->k; e++)
    if (graph->idx[e] >= graph->n || graph->idx[e] == e / graph->k
        || !isfinite (graph->dist[e]) || graph->dist[e] < 0)
      {
        g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                     "neighbour %" G_GSIZE_FORMAT " of row %" G_GSIZE_FORMAT
                     " of the t-SNE graph is not another row at a finite distance",
                     e % graph->k, e / graph->k);
        return FALSE;
      }
  return TRUE;
}

static void
random_init (double *y,
             gsize   count,
             guint64 seed)
{
  EmbRng rng;

  emb_rng_init (&rng, seed);
  for (gsize c = 0; c < count; c++)
    y[c] = TSNE_INIT_STD * emb_rng_gaussian (&rng);
}

static void
recentre (double *y,
          gsize   n,
          guint   dims)
{
  double mean[3] = { 0, 0, 0 };

  for (gsize i = 0; i < n; i++)
    for (guint d = 0; d < dims; d++)
      mean[d] += y[i * dims + d];
  for (guint d = 0; d < dims; d++)
    mean[d] /= (double) n;
  for (gsize i = 0; i < n; i++)
    for (guint d = 0; d < dims; d++)
      y[i * dims + d] -= mean[d];
}

/* The given init centred and scaled so its column 0 has std 1e-4 (the
 * widest column's std when column 0 is constant), or random. */
static gboolean
initial_layout (const float          *init,
                gsize                 n,
                const EmbTsneOptions *o,
                double               *y,
                GError              **error)
{
  guint dims = o->dims;
  double sd[3] = { 0, 0, 0 }, scale_sd;

  if (!init)
    {
      random_init (y, n * dims, o->seed);
      recentre (y, n, dims);
      return TRUE;
    }
  for (gsize c = 0; c < n * dims; c++)
    {
      if (!isfinite (init[c]))
        {
          g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                       "the t-SNE init has a non-finite value in row %" G_GSIZE_FORMAT,
                       c / dims);
          return FALSE;
        }
      y[c] = init[c];
    }
  recentre (y, n, dims);
  for (gsize i = 0; i < n; i++)
    for (guint d = 0; d < dims; d++)
      sd[d] += y[i * dims + d] * y[i * dims + d];
  scale_sd = sqrt (sd[0] / (double) n);
  if (!(scale_sd > 0))
    scale_sd = sqrt (MAX (MAX (sd[1], sd[2]), 0) / (double) n);
  if (!(scale_sd > 0) || !isfinite (scale_sd))
    {
      random_init (y, n * dims, o->seed);
      recentre (y, n, dims);
      return TRUE;
    }
  for (gsize c = 0; c < n * dims; c++)
    y[c] *= TSNE_INIT_STD / scale_sd;
  return TRUE;
}

typedef struct
{
  gsize               n;
  guint               dims;
  guint               n_threads;
  EmbTsneAffinities  *p;
  EmbTsneFft         *fft;      /* NULL: exact repulsion */
  double             *y, *update, *gains, *attr, *rep;
} TsneState;

/* The widest of the layout's sides. */
static double
extent (const double *y,
        gsize         n,
        guint         dims)
{
  double lo[3] = { INFINITY, INFINITY, INFINITY }, hi[3] = { -INFINITY, -INFINITY, -INFINITY };
  double e = 0;

  for (gsize i = 0; i < n; i++)
    for (guint d = 0; d < dims; d++)
      {
        lo[d] = MIN (lo[d], y[i * dims + d]);
        hi[d] = MAX (hi[d], y[i * dims + d]);
      }
  for (guint d = 0; d < dims; d++)
    e = MAX (e, hi[d] - lo[d]);
  return e;
}

/* One step of the descent; FALSE with error when the FFT grid cannot be
 * had. */
static gboolean
tsne_step (TsneState *s,
           double     exaggeration,
           double     momentum,
           double     eta,
           GError   **error)
{
  gsize n = s->n;
  guint dims = s->dims;
  double z;

  _emb_tsne_attraction (s->p, s->y, dims, exaggeration, s->attr, s->n_threads);
  if (s->fft && dims == 3 && extent (s->y, n, dims) > EMB_TSNE_FFT_3D_MAX_EXTENT)
    {
      if (!_emb_tsne_repulsion_bh (s->y, n, dims, s->rep, &z, s->n_threads, error))
        return FALSE;
    }
  else if (s->fft)
    {
      if (!_emb_tsne_repulsion_fft (s->fft, s->y, s->rep, &z, s->n_threads, error))
        return FALSE;
    }
  else
    z = _emb_tsne_repulsion_exact (s->y, n, dims, s->rep, s->n_threads);
  z = MAX (z, G_MINDOUBLE);

  for (gsize i = 0; i < n; i++)
    {
      double norm2 = 0;

      for (guint d = 0; d < dims; d++)
        {
          gsize c = i * dims + d;
          double g = s->attr[c] - s->rep[c] / z;

          if (g * s->update[c] < 0)
            s->gains[c] += 0.2;
          else
            s->gains[c] *= 0.8;
          s->gains[c] = MAX (s->gains[c], TSNE_MIN_GAIN);
          s->update[c] = momentum * s->update[c] - eta * s->gains[c] * g;
          norm2 += s->update[c] * s->update[c];
        }
      if (norm2 > TSNE_MAX_STEP_NORM * TSNE_MAX_STEP_NORM)
        for (guint d = 0; d < dims; d++)
          s->update[i * dims + d] *= TSNE_MAX_STEP_NORM / sqrt (norm2);
      for (guint d = 0; d < dims; d++)
        s->y[i * dims + d] += s->update[i * dims + d];
    }
  recentre (s->y, n, dims);
  return TRUE;
}

static void
to_float (const double *y,
          gsize         count,
          float        *out)
{
  for (gsize c = 0; c < count; c++)
    out[c] = (float) y[c];
}

static void
tsne_state_clear (TsneState *s)
{
  _emb_tsne_affinities_free (s->p);
  _emb_tsne_fft_free (s->fft);
  g_free (s->y);
  g_free (s->update);
  g_free (s->gains);
  g_free (s->attr);
  g_free (s->rep);
}

static gboolean
tsne_state_init (TsneState            *s,
                 const EmbKnnGraph    *graph,
                 const float          *init,
                 const EmbTsneOptions *o,
                 GError              **error)
{
  gsize count = graph->n * o->dims;

  s->n = graph->n;
  s->dims = o->dims;
  s->n_threads = o->n_threads ? o->n_threads : g_get_num_processors ();
  if (!(s->y = emb_try_new (double, count, "the t-SNE layout", error))
      || !(s->update = emb_try_new0 (double, count, "the t-SNE updates", error))
      || !(s->gains = emb_try_new (double, count, "the t-SNE gains", error))
      || !(s->attr = emb_try_new (double, count, "the t-SNE attraction", error))
      || !(s->rep = emb_try_new (double, count, "the t-SNE repulsion", error)))
    return FALSE;
  for (gsize c = 0; c < count; c++)
    s->gains[c] = 1;
  if (!initial_layout (init, s->n, o, s->y, error))
    return FALSE;
  if (!(s->p = _emb_tsne_affinities_new (graph, o->perplexity, s->n_threads, error)))
    return FALSE;
  if (s->n > _emb_tsne_get_exact_max_rows ()
      && !(s->fft = _emb_tsne_fft_new (s->n, s->dims, error)))
    return FALSE;
  return TRUE;
}

float *
emb_tsne_run (const EmbKnnGraph    *graph,
              const float          *init,
              const EmbTsneOptions *options,
              EmbMapFrameFunc       frame,
              gpointer              frame_data,
              EmbProgressFunc       progress,
              gpointer              progress_data,
              GCancellable         *cancellable,
              GError              **error)
{
  EmbTsneOptions defaults;
  TsneState s = { 0 };
  float *out = NULL;
  double eta;

  g_return_val_if_fail (graph != NULL, NULL);
  if (!options)
    {
      emb_tsne_options_init (&defaults);
      options = &defaults;
    }
  if (!check_arguments (graph, options, error))
    return NULL;
  eta = options->learning_rate > 0 ? options->learning_rate
                                   : MAX (200.0, (double) graph->n / 12.0);
  if (!tsne_state_init (&s, graph, init, options, error)
      || !(out = emb_try_new (float, graph->n * options->dims, "the t-SNE map", error)))
    goto fail;

  for (guint it = 0; it < options->n_iterations; it++)
    {
      gboolean early = it < options->exaggeration_iterations;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      if (!tsne_step (&s, early ? options->exaggeration : 1, early ? 0.5 : 0.8, eta, error))
        goto fail;
      if (progress)
        progress ((double) (it + 1) / options->n_iterations, progress_data);
      if (frame && options->frame_every && (it + 1) % options->frame_every == 0)
        {
          to_float (s.y, s.n * s.dims, out);
          frame (out, s.n, s.dims, it + 1, options->n_iterations, frame_data);
        }
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail;
  to_float (s.y, s.n * s.dims, out);
  tsne_state_clear (&s);
  return out;

fail:
  g_free (out);
  tsne_state_clear (&s);
  return NULL;
}
