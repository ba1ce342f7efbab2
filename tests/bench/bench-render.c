/* bench-render.c: the point renderer and the spatial index on a layout the
 * size of GloVe's vocabulary (341,479 points), 1600 x 1200 pixels.
 *
 * The layout is synthetic, with a fixed seed, so the benchmark needs no
 * data files: a mixture of elongated Gaussian clusters whose members are
 * scaled by a Student-t factor with 8 degrees of freedom (heavy tails: a
 * dense core, a sparse halo and a few far outliers, as PCA layouts of
 * embeddings look).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "plot/emb-render.h"

#define N_POINTS 341479
#define WIDTH 1600
#define HEIGHT 1200
#define RUNS 11
#define N_CLUSTERS 40
#define N_QUERIES 20001

static const guint32 palette[] = {
  0x1c71d8, 0xe66100, 0x2ec27e, 0xc01c28, 0x813d9c,
  0x865e3c, 0xe01b24, 0x3584e4, 0xf5c211, 0x26a269,
};

/* Monotonic time in seconds, to the nanosecond. */
static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *v, gsize n)
{
  qsort (v, n, sizeof (double), compare_double);
  return v[n / 2];
}

/* A standard normal deviate (Box-Muller). */
static double
gauss (GRand *rand)
{
  double u = 1.0 - g_rand_double (rand), v = g_rand_double (rand);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* The synthetic layout described at the top; categories are clusters. */
static void
make_layout (float *xs, float *ys, guint16 *cats, gsize n)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  double cx[N_CLUSTERS], cy[N_CLUSTERS], sa[N_CLUSTERS], sb[N_CLUSTERS];
  double ca[N_CLUSTERS], sn[N_CLUSTERS], weight[N_CLUSTERS], total = 0;

  for (int k = 0; k < N_CLUSTERS; k++)
    {
      double angle = g_rand_double_range (rand, 0, G_PI);

      cx[k] = gauss (rand) * 2.5;
      cy[k] = gauss (rand) * 1.8;
      sa[k] = g_rand_double_range (rand, 0.1, 1.2);
      sb[k] = sa[k] * g_rand_double_range (rand, 0.2, 1.0);
      ca[k] = cos (angle);
      sn[k] = sin (angle);
      /* A few big clusters and many small ones. */
      weight[k] = pow (g_rand_double_range (rand, 0.05, 1.0), 3);
      total += weight[k];
    }

  for (gsize i = 0; i < n; i++)
    {
      double pick = g_rand_double (rand) * total, a, b, chi2 = 0, t;
      int k = 0;

      while (k < N_CLUSTERS - 1 && pick > weight[k])
        pick -= weight[k++];
      /* Student-t with 8 degrees of freedom: normal / sqrt (chi2_8 / 8). */
      for (int d = 0; d < 8; d++)
        {
          double g = gauss (rand);

          chi2 += g * g;
        }
      t = 1.0 / sqrt (chi2 / 8.0 + 1e-12);
      a = gauss (rand) * sa[k] * t;
      b = gauss (rand) * sb[k] * t;
      xs[i] = cx[k] + ca[k] * a - sn[k] * b;
      ys[i] = cy[k] + sn[k] * a + ca[k] * b;
      cats[i] = k % G_N_ELEMENTS (palette);
    }
}

/* Median wall time of RUNS renders with n_threads threads. */
static double
time_render (const EmbPointStyle *style, const EmbView *view, guint8 *out,
             guint n_threads)
{
  double t[RUNS];

  emb_render_points (style, view, out, WIDTH * 4, n_threads, NULL);
  for (int r = 0; r < RUNS; r++)
    {
      double t0 = now ();

      emb_render_points (style, view, out, WIDTH * 4, n_threads, NULL);
      t[r] = now () - t0;
    }
  return median (t, RUNS);
}

int
main (int argc, char *argv[])
{
  g_autofree float *xs = g_new (float, N_POINTS);
  g_autofree float *ys = g_new (float, N_POINTS);
  g_autofree guint16 *cats = g_new (guint16, N_POINTS);
  g_autofree guint8 *out = g_malloc ((gsize) WIDTH * HEIGHT * 4);
  g_autofree double *q = g_new (double, N_QUERIES);
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  EmbView view;
  EmbPointStyle style = {
    .n = N_POINTS, .palette = palette, .n_palette = G_N_ELEMENTS (palette),
    .radius = 2.0, .opacity = 0.6, .background = 0xffffffff,
  };
  double build[RUNS], radius;
  gssize hits = 0;

  make_layout (xs, ys, cats, N_POINTS);
  style.xs = xs;
  style.ys = ys;
  style.category = cats;
  emb_view_fit (&view, xs, ys, N_POINTS, WIDTH, HEIGHT, 0.05);

  printf ("render %d points into %dx%d (median of %d):\n",
          N_POINTS, WIDTH, HEIGHT, RUNS);
  printf ("  1 thread:  %7.2f ms\n", time_render (&style, &view, out, 1) * 1e3);
  printf ("  2 threads: %7.2f ms\n", time_render (&style, &view, out, 2) * 1e3);
  printf ("  all cores: %7.2f ms (%u)\n",
          time_render (&style, &view, out, 0) * 1e3, g_get_num_processors ());

  for (int r = 0; r < RUNS; r++)
    {
      double t0 = now ();
      EmbSpatialIndex *index = emb_spatial_index_new (xs, ys, N_POINTS);

      build[r] = now () - t0;
      emb_spatial_index_free (index);
    }
  printf ("spatial index build: %7.2f ms\n", median (build, RUNS) * 1e3);

  {
    g_autoptr(EmbSpatialIndex) index = emb_spatial_index_new (xs, ys, N_POINTS);

    /* Hover queries: near a random point, within 8 pixels. */
    radius = 8.0 / view.scale;
    for (int i = 0; i < N_QUERIES; i++)
      {
        gsize j = g_rand_int_range (rand, 0, N_POINTS);
        double x = xs[j] + g_rand_double_range (rand, -radius, radius);
        double y = ys[j] + g_rand_double_range (rand, -radius, radius);
        double t0 = now ();

        hits += emb_spatial_index_nearest (index, x, y, radius, NULL) >= 0;
        q[i] = now () - t0;
      }
    printf ("nearest within 8 px: %7.3f us median (%" G_GSSIZE_FORMAT " of %d found)\n",
            median (q, N_QUERIES) * 1e6, hits, N_QUERIES);
  }
  return 0;
}
