/* bench-export.c: a whole figure of 341,479 points (GloVe's vocabulary
 * size) written as a 1600 x 1200 PNG, SVG and PDF: median time of 5 runs
 * and file size of each.  With Debian's python3 and matplotlib present, the
 * same points go through matplotlib's scatter () and savefig () to a PNG
 * of the same size (figsize 16 x 12 at 100 dpi), median of 3, for a ratio.
 *
 * The layout is synthetic with a fixed seed, so no data files are needed:
 * a mixture of elongated Gaussian clusters whose members are scaled by a
 * Student-t factor (a dense core, a sparse halo, a few far outliers, as
 * PCA layouts of embeddings look); categories are the clusters.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <glib/gstdio.h>

#include "plot/emb-plot.h"
#include "analysis/emb-scene.h"

#define N_POINTS 341479
#define WIDTH 1600
#define HEIGHT 1200
#define RUNS 5
#define PEER_RUNS 3
#define N_CLUSTERS 20

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

/* Student-t with 8 degrees of freedom as a normal's scale: sqrt (8 / chi2_8). */
static double
t_scale (GRand *rand)
{
  double chi2 = 0;

  for (int k = 0; k < 8; k++)
    {
      double z = gauss (rand);

      chi2 += z * z;
    }
  return sqrt (8.0 / MAX (chi2, 1e-9));
}

static void
make_layout (float *xs, float *ys, guint16 *cats, float *centres, gsize n)
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
      weight[k] = g_rand_double_range (rand, 0.2, 1.0);
      total += weight[k];
      centres[2 * k] = cx[k];
      centres[2 * k + 1] = cy[k];
    }
  for (gsize i = 0; i < n; i++)
    {
      double pick = g_rand_double (rand) * total, a, b, t;
      int k = 0;

      while (k < N_CLUSTERS - 1 && pick > weight[k])
        pick -= weight[k++];
      t = t_scale (rand);
      a = gauss (rand) * sa[k] * t;
      b = gauss (rand) * sb[k] * t;
      xs[i] = (float) (cx[k] + a * ca[k] - b * sn[k]);
      ys[i] = (float) (cy[k] + a * sn[k] + b * ca[k]);
      cats[i] = k;
    }
}

static gsize
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gsize) st.st_size : 0;
}

/* The peer: matplotlib's scatter of the same points to a PNG of the same
 * size; prints the median of its own timed runs (import excluded). */
static const char peer_script[] =
  "import sys, time\n"
  "import numpy as np\n"
  "import matplotlib\n"
  "matplotlib.use('Agg')\n"
  "import matplotlib.pyplot as plt\n"
  "path, n, runs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]\n"
  "raw = np.fromfile(path, dtype=np.float32)\n"
  "xs, ys = raw[:n], raw[n:2 * n]\n"
  "cats = np.fromfile(path, dtype=np.uint16, offset=8 * n)[:n]\n"
  "times = []\n"
  "for _ in range(runs):\n"
  "    t = time.perf_counter()\n"
  "    fig, ax = plt.subplots(figsize=(16, 12), dpi=100)\n"
  "    ax.scatter(xs, ys, c=cats, cmap='tab20', s=4, alpha=0.75, linewidths=0)\n"
  "    ax.set_title('Synthetic layout')\n"
  "    ax.set_xlabel('PC1'); ax.set_ylabel('PC2')\n"
  "    fig.savefig(out, dpi=100)\n"
  "    plt.close(fig)\n"
  "    times.append(time.perf_counter() - t)\n"
  "print(sorted(times)[len(times) // 2])\n";

static double
run_peer (const char *dir, const float *xs, const float *ys, const guint16 *cats, gsize n)
{
  g_autofree char *data = g_build_filename (dir, "points.raw", NULL);
  g_autofree char *out = g_build_filename (dir, "peer.png", NULL);
  g_autofree char *n_arg = g_strdup_printf ("%" G_GSIZE_FORMAT, n);
  g_autofree char *runs_arg = g_strdup_printf ("%d", PEER_RUNS);
  g_autofree char *stdout_text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) raw = g_string_sized_new (n * 10);
  const char *python = "/usr/bin/python3";
  const char *check[] = { python, "-c", "import matplotlib, numpy", NULL };
  const char *argv[] = { python, "-c", peer_script, data, n_arg, runs_arg, out, NULL };
  int status;
  double t;

  if (!g_file_test (python, G_FILE_TEST_IS_EXECUTABLE) ||
      !g_spawn_sync (NULL, (char **) check, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return -1;

  /* xs, ys as float32, then the categories as uint16. */
  g_string_append_len (raw, (const char *) xs, n * sizeof (float));
  g_string_append_len (raw, (const char *) ys, n * sizeof (float));
  g_string_append_len (raw, (const char *) cats, n * sizeof (guint16));
  if (!g_file_set_contents (data, raw->str, raw->len, &error))
    return -1;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &stdout_text, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_unlink (data);
      return -1;
    }
  t = g_ascii_strtod (stdout_text, NULL);
  g_unlink (data);
  g_unlink (out);
  return t > 0 ? t : -1;
}

int
main (int argc, char **argv)
{
  static const struct { EmbExportFormat format; const char *name; } formats[] = {
    { EMB_EXPORT_PNG, "png" },
    { EMB_EXPORT_SVG, "svg" },
    { EMB_EXPORT_PDF, "pdf" },
  };
  g_autofree float *xs = g_new (float, N_POINTS);
  g_autofree float *ys = g_new (float, N_POINTS);
  g_autofree guint16 *cats = g_new (guint16, N_POINTS);
  float centres[2 * N_CLUSTERS];
  guint32 palette[N_CLUSTERS];
  char *names[N_CLUSTERS + 1];
  gsize neighbors[10];
  g_autoptr(EmbVocab) vocab = emb_vocab_new_row_ids (N_POINTS);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-export-XXXXXX", &error);
  EmbPlot plot = { 0 };
  double png_median = 0, peer;

  g_assert_no_error (error);
  make_layout (xs, ys, cats, centres, N_POINTS);
  for (guint k = 0; k < N_CLUSTERS; k++)
    {
      palette[k] = emb_palette_color (k);
      names[k] = g_strdup_printf ("cluster %u", k + 1);
    }
  names[N_CLUSTERS] = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (neighbors); i++)
    neighbors[i] = 100 + 37 * i;

  /* A figure as the app exports it: everything on. */
  plot.xs = xs;
  plot.ys = ys;
  plot.n = N_POINTS;
  plot.category = cats;
  plot.palette = palette;
  plot.n_palette = N_CLUSTERS;
  plot.vocab = vocab;
  plot.title = "341,479 points (synthetic)";
  plot.x_title = "PC1 (4.9% of variance)";
  plot.y_title = "PC2 (3.1% of variance)";
  plot.legend = (const char * const *) names;
  plot.n_legend = N_CLUSTERS;
  plot.cluster_labels = (const char * const *) names;
  plot.cluster_xy = centres;
  plot.n_cluster_labels = N_CLUSTERS;
  plot.selected = 7;
  plot.neighbors = neighbors;
  plot.n_neighbors = G_N_ELEMENTS (neighbors);
  plot.n_token_labels = 150;
  plot.theme = EMB_THEME_LIGHT;

  printf ("export %d points, %d x %d, median of %d\n", N_POINTS, WIDTH, HEIGHT, RUNS);
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *path = g_strdup_printf ("%s/figure.%s", dir, formats[f].name);
      double t[RUNS];

      for (int r = 0; r < RUNS; r++)
        {
          double t0 = now ();

          if (!emb_plot_export (&plot, path, formats[f].format, WIDTH, HEIGHT, 1.0, NULL, &error))
            {
              fprintf (stderr, "%s\n", error->message);
              return 1;
            }
          t[r] = now () - t0;
        }
      printf ("  %-4s %8.3f s  %9.2f MB%s\n", formats[f].name, median (t, RUNS),
              file_size (path) / 1e6,
              formats[f].format == EMB_EXPORT_PNG ? "   (target <= 0.3 s)" : "   (target < 10 MB)");
      if (formats[f].format == EMB_EXPORT_PNG)
        png_median = median (t, RUNS);
      if (g_getenv ("EMB_BENCH_KEEP") == NULL)
        g_unlink (path);
      else
        printf ("       kept %s\n", path);
    }

  peer = run_peer (dir, xs, ys, cats, N_POINTS);
  if (peer > 0)
    printf ("  peer matplotlib scatter + savefig PNG: %.3f s (median of %d); EmbedLens is %.1fx faster\n",
            peer, PEER_RUNS, peer / png_median);
  else
    printf ("  peer: /usr/bin/python3 with matplotlib not available, skipped\n");

  if (g_getenv ("EMB_BENCH_KEEP") == NULL)
    g_rmdir (dir);
  for (guint k = 0; k < N_CLUSTERS; k++)
    g_free (names[k]);
  return 0;
}
