/* bench-umap.c: UMAP's stages on synthetic blobs.
 *
 * Usage: bench-umap [N [EPOCHS]]  (default 20000 rows, 200 epochs)
 * N rows in 20 overlapping blobs of 20 dimensions (one component); the exact 14-neighbour graph by a
 * plain search here (not timed); then the time of the fuzzy set, of the
 * spectral start (iterative beyond the dense limit), and of whole runs
 * with 1 and 2 threads with their epochs per second.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "map/emb-umap-private.h"

#define BENCH_D      20
#define BENCH_BLOBS  20
#define BENCH_K      14

static float *
make_rows (gsize n)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  g_autofree float *centres = g_new (float, BENCH_BLOBS * BENCH_D);
  float *x = g_new (float, n * BENCH_D);

  for (gsize c = 0; c < BENCH_BLOBS * BENCH_D; c++)
    centres[c] = (float) g_rand_double_range (rand, -2.0, 2.0);
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < BENCH_D; j++)
      x[i * BENCH_D + j] = centres[(i % BENCH_BLOBS) * BENCH_D + j] +
                           (float) g_rand_double_range (rand, -1.5, 1.5);
  return x;
}

/* The exact graph: every pair, the k best kept sorted by insertion. */
static EmbKnnGraph *
make_graph (const float *x,
            gsize        n)
{
  EmbKnnGraph *g = g_new0 (EmbKnnGraph, 1);

  g->n = n;
  g->k = BENCH_K;
  g->idx = g_new (guint32, n * BENCH_K);
  g->dist = g_new (float, n * BENCH_K);
  for (gsize i = 0; i < n; i++)
    {
      float *bd = g->dist + i * BENCH_K;
      guint32 *bi = g->idx + i * BENCH_K;

      for (guint t = 0; t < BENCH_K; t++)
        bd[t] = INFINITY, bi[t] = 0;
      for (gsize j = 0; j < n; j++)
        {
          float s = 0.0f;
          int t;

          if (j == i)
            continue;
          for (gsize c = 0; c < BENCH_D; c++)
            s += (x[i * BENCH_D + c] - x[j * BENCH_D + c]) * (x[i * BENCH_D + c] - x[j * BENCH_D + c]);
          if (s >= bd[BENCH_K - 1])
            continue;
          for (t = BENCH_K - 1; t > 0 && bd[t - 1] > s; t--)
            bd[t] = bd[t - 1], bi[t] = bi[t - 1];
          bd[t] = s, bi[t] = (guint32) j;
        }
      for (guint t = 0; t < BENCH_K; t++)
        bd[t] = sqrtf (bd[t]);
    }
  return g;
}

typedef struct
{
  gint64 first;
  gint64 last;
} Clock;

/* Times the epochs: the first progress call ends epoch 1. */
static void
on_progress (double   fraction,
             gpointer user_data)
{
  Clock *clock = user_data;

  (void) fraction;
  clock->last = g_get_monotonic_time ();
  if (clock->first == 0)
    clock->first = clock->last;
}

int
main (int argc, char **argv)
{
  gsize n = argc > 1 ? strtoul (argv[1], NULL, 10) : 20000;
  guint epochs = argc > 2 ? (guint) strtoul (argv[2], NULL, 10) : 200;
  g_autofree float *x = make_rows (n);
  g_autoptr(GError) error = NULL;
  EmbKnnGraph *g;
  UmapGraph *fz;
  g_autofree double *start = g_new (double, n * 2);
  UmapSpectralResult res;
  gsize components = 0;
  gint64 t0;

  g = make_graph (x, n);
  t0 = g_get_monotonic_time ();
  fz = umap_fuzzy_graph (g, BENCH_K + 1, &error);
  g_assert_no_error (error);
  umap_graph_prune (fz, epochs);
  printf ("rows %zu, edges %zu: fuzzy set %.3f s\n", n, fz->row[n],
          (g_get_monotonic_time () - t0) / 1e6);
  umap_graph_components (fz, &components, &error);
  printf ("%zu component(s)\n", components);
  t0 = g_get_monotonic_time ();
  res = umap_spectral (fz, 2, 1, NULL, start, &error);
  g_assert_no_error (error);
  printf ("spectral start (%s): %.3f s, %s\n", n > umap_spectral_dense_max () ? "iterative" : "dense",
          (g_get_monotonic_time () - t0) / 1e6, res == UMAP_SPECTRAL_OK ? "converged" : "FAILED");
  for (guint threads = 1; threads <= 2; threads++)
    {
      EmbUmapOptions o;
      g_autofree float *y = NULL;
      Clock clock = { 0 };

      emb_umap_options_init (&o);
      o.n_epochs = epochs;
      o.n_threads = threads;
      t0 = g_get_monotonic_time ();
      y = emb_umap_run (g, NULL, &o, NULL, NULL, on_progress, &clock, NULL, &error);
      g_assert_no_error (error);
      printf ("%u thread(s): the whole run %.3f s, its %u epochs %.1f epochs/s\n", threads,
              (g_get_monotonic_time () - t0) / 1e6, epochs,
              (epochs - 1) / ((clock.last - clock.first) / 1e6));
    }
  umap_graph_free (fz);
  g_free (g->idx);
  g_free (g->dist);
  g_free (g);
  return 0;
}
