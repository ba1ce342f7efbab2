/* emb-umap.c: UMAP's options and run: the checks, the fuzzy set, the
 * start (spectral, or the fallback) and the epochs. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "map/emb-umap-private.h"

/* umap-learn's scale of the start and of the noise added to it. */
#define INIT_EXTENT  10.0
#define INIT_NOISE   1e-4


/* auxiliary functions */

static gboolean
check_options (const EmbKnnGraph    *graph,
               const EmbUmapOptions *o,
               guint                *n_neighbors,
               GError              **error)
{
  if (o->dims != 2 && o->dims != 3)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "UMAP makes maps of 2 or 3 dimensions, not %u", o->dims);
      return FALSE;
    }
  if (o->n_neighbors < 2)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "UMAP needs n_neighbors of at least 2, not %u", o->n_neighbors);
      return FALSE;
    }
  if (!(o->spread > 0.0) || !(o->min_dist >= 0.0) || o->min_dist > o->spread ||
      !isfinite (o->spread))
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "UMAP needs 0 <= min_dist <= spread with spread > 0 (min_dist %g, spread %g)",
                   o->min_dist, o->spread);
      return FALSE;
    }
  if (!(o->learning_rate > 0.0) || !isfinite (o->learning_rate))
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "UMAP needs a positive learning rate, not %g", o->learning_rate);
      return FALSE;
    }
  if (graph->n < 3)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "UMAP needs at least 3 rows, not %" G_GSIZE_FORMAT, graph->n);
      return FALSE;
    }
  /* as umap-learn: with n <= n_neighbors, n_neighbors becomes n - 1 */
  *n_neighbors = (guint) MIN ((gsize) o->n_neighbors, graph->n - 1);
  if (graph->k < *n_neighbors - 1)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "UMAP with %u neighbours needs a graph of at least %u neighbours per row, "
                   "not %u", *n_neighbors, *n_neighbors - 1, graph->k);
      return FALSE;
    }
  return TRUE;
}

/* layout = the fallback start scaled to [-10, 10] (all columns by one
 * factor), or uniform in [-10, 10] from the seed without one. */
static gboolean
fallback_start (const float *fallback,
                gsize        n,
                guint        dims,
                guint64      seed,
                double      *layout,
                GError     **error)
{
  double max = 0.0;
  EmbRng rng;

  if (fallback == NULL)
    {
      emb_rng_init_stream (&rng, seed, 0xfa11bac, 0);
      for (gsize c = 0; c < n * dims; c++)
        layout[c] = INIT_EXTENT * (2.0 * emb_rng_double (&rng) - 1.0);
      return TRUE;
    }
  for (gsize c = 0; c < n * dims; c++)
    {
      if (!isfinite (fallback[c]))
        {
          g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                       "UMAP's fallback start has a value that is not finite (row %" G_GSIZE_FORMAT ")",
                       c / dims);
          return FALSE;
        }
      max = MAX (max, fabs (fallback[c]));
    }
  for (gsize c = 0; c < n * dims; c++)
    layout[c] = max > 0.0 ? INIT_EXTENT * fallback[c] / max : 0.0;
  return TRUE;
}

/* The start as umap-learn makes it: the spectral embedding scaled to a
 * largest magnitude of 10 plus normal noise of deviation 1e-4, then every
 * column moved and scaled onto [0, 10].  The fallback takes the spectral
 * embedding's place when the graph is not connected, when the eigensolver
 * does not converge, and when its work does not fit in memory. */
static float *
make_start (const UmapGraph *graph,
            const float     *fallback,
            guint            dims,
            guint64          seed,
            GCancellable    *cancellable,
            GError         **error)
{
  gsize n = graph->n, components = 0;
  g_autofree double *start = NULL;
  float *layout;
  UmapSpectralResult spectral = UMAP_SPECTRAL_FAILED;
  EmbRng rng;

  if ((start = emb_try_new (double, n * dims, "UMAP's start", error)) == NULL ||
      !umap_graph_components (graph, &components, error))
    return NULL;
  if (components == 1)
    {
      GError *local = NULL;

      spectral = umap_spectral (graph, dims, seed, cancellable, start, &local);
      /* the eigensolver's blocks not fitting is no reason to stop */
      if (spectral == UMAP_SPECTRAL_ERROR &&
          g_error_matches (local, EMB_ERROR, EMB_ERROR_TOO_LARGE))
        {
          g_clear_error (&local);
          spectral = UMAP_SPECTRAL_FAILED;
        }
      if (spectral == UMAP_SPECTRAL_ERROR)
        {
          g_propagate_error (error, local);
          return NULL;
        }
    }
  if (spectral == UMAP_SPECTRAL_OK)
    {
      double max = 0.0;

      for (gsize c = 0; c < n * dims; c++)
        max = MAX (max, fabs (start[c]));
      for (gsize c = 0; c < n * dims; c++)
        start[c] = max > 0.0 ? start[c] * INIT_EXTENT / max : 0.0;
    }
  else if (!fallback_start (fallback, n, dims, seed, start, error))
    return NULL;

  emb_rng_init_stream (&rng, seed, 0x2015e, 0);
  for (gsize c = 0; c < n * dims; c++)
    start[c] += INIT_NOISE * emb_rng_gaussian (&rng);
  if ((layout = emb_try_new (float, n * dims, "UMAP's layout", error)) == NULL)
    return NULL;
  for (guint d = 0; d < dims; d++)
    {
      double lo = INFINITY, hi = -INFINITY;

      for (gsize i = 0; i < n; i++)
        lo = MIN (lo, start[i * dims + d]), hi = MAX (hi, start[i * dims + d]);
      for (gsize i = 0; i < n; i++)
        layout[i * dims + d] = hi > lo ? (float) (INIT_EXTENT * (start[i * dims + d] - lo) / (hi - lo))
                                       : 0.0f;
    }
  return layout;
}

/* public API */

void
emb_umap_options_init (EmbUmapOptions *options)
{
  g_return_if_fail (options != NULL);

  *options = (EmbUmapOptions) {
    .dims = 2,
    .n_neighbors = 15,
    .min_dist = 0.1,
    .spread = 1.0,
    .n_epochs = 0,
    .learning_rate = 1.0,
    .negative_sample_rate = 5,
    .seed = 0,
    .n_threads = 0,
    .frame_every = 0,
  };
}

float *
emb_umap_run (const EmbKnnGraph    *graph,
              const float          *fallback_init,
              const EmbUmapOptions *options,
              EmbMapFrameFunc       frame,
              gpointer              frame_data,
              EmbProgressFunc       progress,
              gpointer              progress_data,
              GCancellable         *cancellable,
              GError              **error)
{
  UmapGraph *fuzzy;
  UmapSgdParams params;
  float *layout;
  guint n_neighbors, n_epochs;

  g_return_val_if_fail (graph != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_options (graph, options, &n_neighbors, error))
    return NULL;
  n_epochs = options->n_epochs > 0 ? options->n_epochs : graph->n > 10000 ? 200 : 500;
  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      (fuzzy = umap_fuzzy_graph (graph, n_neighbors, error)) == NULL)
    return NULL;
  umap_graph_prune (fuzzy, n_epochs);

  params = (UmapSgdParams) {
    .dims = options->dims, .n_epochs = n_epochs,
    .learning_rate = options->learning_rate,
    .negative_sample_rate = options->negative_sample_rate,
    .seed = options->seed,
    .n_threads = options->n_threads > 0 ? options->n_threads : g_get_num_processors (),
    .frame_every = options->frame_every,
    .frame = frame, .frame_data = frame_data,
    .progress = progress, .progress_data = progress_data,
    .cancellable = cancellable,
  };
  umap_fit_ab (options->spread, options->min_dist, &params.a, &params.b);

  layout = make_start (fuzzy, fallback_init, options->dims, options->seed, cancellable, error);
  if (layout != NULL && !umap_sgd (fuzzy, layout, &params, error))
    g_clear_pointer (&layout, g_free);
  umap_graph_free (fuzzy);
  return layout;
}
