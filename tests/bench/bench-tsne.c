/* bench-tsne.c: the time of emb_tsne_run on synthetic blobs.
 *
 * 20 Gaussian blobs (std 1, centres drawn with std 10) in 50 dimensions,
 * 1000 rows each by default (bench-tsne [ROWS [DIMS]]: DIMS 2 or 3); the
 * graph (k = 90) is the exact one within each blob, which for blobs this
 * far apart is the exact graph, and costs n^2 / 20 distances instead of
 * n^2.  Prints the run's time, iterations a second, and the time of the
 * first and last 50 iterations (from the frame callback).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "map/emb-tsne.h"

#define CLUSTERS 20
#define DIMS     50
#define K        90

static double
gaussian (guint64 *state)
{
  double u, v;

  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  u = ((*state >> 11) + 0.5) / 9007199254740992.0;
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  v = ((*state >> 11) + 0.5) / 9007199254740992.0;
  return sqrt (-2 * log (u)) * cos (2 * G_PI * v);
}

static double *sort_dist;

static int
by_distance (const void *a,
             const void *b)
{
  guint32 i = *(const guint32 *) a, j = *(const guint32 *) b;

  if (sort_dist[i] != sort_dist[j])
    return sort_dist[i] < sort_dist[j] ? -1 : 1;
  return (i > j) - (i < j);
}

/* Row i belongs to blob i % CLUSTERS; its neighbours come from its blob. */
static EmbKnnGraph *
blob_graph (const float *x,
            gsize        n)
{
  EmbKnnGraph *g = g_new0 (EmbKnnGraph, 1);
  guint32 *ids = g_new (guint32, n);

  sort_dist = g_new (double, n);
  g->n = n;
  g->k = K;
  g->metric = EMB_METRIC_EUCLIDEAN;
  g->idx = g_new (guint32, n * K);
  g->dist = g_new (float, n * K);
  g->exact = TRUE;
  g->recall = 1;
  for (gsize i = 0; i < n; i++)
    {
      gsize m = 0;

      for (gsize j = i % CLUSTERS; j < n; j += CLUSTERS)
        {
          double s = 0;

          if (j == i)
            continue;
          for (gsize t = 0; t < DIMS; t++)
            s += ((double) x[i * DIMS + t] - x[j * DIMS + t])
                 * ((double) x[i * DIMS + t] - x[j * DIMS + t]);
          sort_dist[j] = s;
          ids[m++] = (guint32) j;
        }
      qsort (ids, m, sizeof (guint32), by_distance);
      for (guint r = 0; r < K; r++)
        {
          g->idx[i * K + r] = ids[r];
          g->dist[i * K + r] = (float) sqrt (sort_dist[ids[r]]);
        }
    }
  g_free (ids);
  g_clear_pointer (&sort_dist, g_free);
  return g;
}

typedef struct
{
  gint64 start, at_50, before_last_50;
  guint  n_iterations;
} Clock;

static void
on_frame (const float *layout,
          gsize        n,
          guint        dims,
          guint        iteration,
          guint        n_iterations,
          gpointer     user_data)
{
  Clock *clock = user_data;

  if (iteration == 50)
    clock->at_50 = g_get_monotonic_time ();
  if (iteration + 50 == n_iterations)
    clock->before_last_50 = g_get_monotonic_time ();
}

int
main (int argc, char **argv)
{
  gsize n = argc > 1 ? (gsize) g_ascii_strtoull (argv[1], NULL, 10) : 20000;
  guint dims = argc > 2 ? (guint) atoi (argv[2]) : 2;
  g_autofree float *x = g_new (float, n * DIMS);
  g_autofree double *centres = g_new (double, CLUSTERS * DIMS);
  g_autofree float *init = g_new (float, n * dims);
  g_autofree float *y = NULL;
  g_autoptr (GError) error = NULL;
  guint64 state = 42;
  EmbKnnGraph *g;
  EmbTsneOptions o;
  Clock clock = { 0 };
  gint64 t0, t1;

  for (gsize c = 0; c < CLUSTERS * DIMS; c++)
    centres[c] = 10 * gaussian (&state);
  for (gsize i = 0; i < n; i++)
    for (gsize t = 0; t < DIMS; t++)
      x[i * DIMS + t] = (float) (centres[(i % CLUSTERS) * DIMS + t] + gaussian (&state));
  for (gsize i = 0; i < n; i++)
    for (guint t = 0; t < dims; t++)
      init[i * dims + t] = x[i * DIMS + t];
  t0 = g_get_monotonic_time ();
  g = blob_graph (x, n);
  t1 = g_get_monotonic_time ();
  printf ("graph of %" G_GSIZE_FORMAT " rows (k %d): %.2f s\n", n, K, (t1 - t0) / 1e6);

  emb_tsne_options_init (&o);
  o.dims = dims;
  o.frame_every = 1;
  t0 = g_get_monotonic_time ();
  y = emb_tsne_run (g, init, &o, on_frame, &clock, NULL, NULL, NULL, &error);
  t1 = g_get_monotonic_time ();
  if (!y)
    {
      fprintf (stderr, "bench-tsne: %s\n", error->message);
      return 1;
    }
  printf ("t-SNE %u-D, %u iterations: %.2f s (%.1f iterations/s; first 50 %.1f/s, "
          "last 50 %.1f/s)\n", dims, o.n_iterations, (t1 - t0) / 1e6,
          o.n_iterations / ((t1 - t0) / 1e6), 50 / ((clock.at_50 - t0) / 1e6),
          50 / ((t1 - clock.before_last_50) / 1e6));
  g_free (g->idx);
  g_free (g->dist);
  g_free (g);
  return 0;
}
