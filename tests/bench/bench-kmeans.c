/* bench-kmeans.c: k-means with k = 20 on the real GloVe set, with the peer.
 *
 * Usage: bench-kmeans DATADIR [RUNS]
 * DATADIR holds glove-100d.npy from ../shared/datasets/make-glove.py.
 * Prints the median time over RUNS (default 5) runs and the inertia for
 * the euclidean and cosine metrics, then, when /usr/bin/python3 has
 * scikit-learn, runs peer-kmeans.py (sklearn KMeans on the same file) and
 * prints the ratio peer / ours and the relative difference of the inertias.
 * A third run (euclidean, a sample of BENCH_BIG_SAMPLE rows a cluster)
 * shows the inertia the same code reaches with a bigger sample.
 */
#include <stdio.h>
#include <stdlib.h>
#include <json-glib/json-glib.h>

#include "io/emb-dataset.h"
#include "analysis/emb-kmeans.h"

#define BENCH_K        20
#define BENCH_SEED     0
#define PEER_RUNS      3
#define PEER_MAX_ITER  50

/* The default sample (256 rows a cluster) trades a little inertia for
 * speed; a bigger one shows what the same code reaches given more time. */
#define BENCH_BIG_SAMPLE 4096

typedef struct
{
  double   seconds;   /* median */
  double   inertia;
  guint    n_iter;
  gsize    min_size, max_size;
} Result;

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static Result
bench_metric (const EmbMatrix *matrix, EmbMetric metric, gsize per_cluster, int runs)
{
  EmbKmeansOptions opts = { .k = BENCH_K, .metric = metric, .seed = BENCH_SEED,
                            .sample_per_cluster = per_cluster };
  double t[64];
  Result res = { 0 };

  for (int r = 0; r < runs; r++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EmbKmeans) km = NULL;
      gint64 t0 = g_get_monotonic_time ();

      km = emb_kmeans_run (matrix, &opts, NULL, NULL, NULL, &error);
      t[r] = (g_get_monotonic_time () - t0) / 1e6;
      if (km == NULL)
        {
          g_printerr ("bench-kmeans: %s\n", error->message);
          exit (1);
        }
      res.inertia = km->inertia;
      res.n_iter = km->n_iter;
      res.min_size = G_MAXSIZE;
      res.max_size = 0;
      for (gsize c = 0; c < km->k; c++)
        {
          res.min_size = MIN (res.min_size, km->sizes[c]);
          res.max_size = MAX (res.max_size, km->sizes[c]);
        }
    }
  res.seconds = median (t, runs);
  return res;
}

static void
print_result (const char *label, const Result *r, const char *note)
{
  printf ("  %-32s %7.3f s   inertia %.6e   %u iterations   sizes %" G_GSIZE_FORMAT
          "..%" G_GSIZE_FORMAT "   %s\n",
          label, r->seconds, r->inertia, r->n_iter, r->min_size, r->max_size, note);
}

/* Runs the sklearn peer; FALSE (with a note printed) when it cannot. */
static gboolean
run_peer (const char *npy, double *seconds, double *inertia, int *n_iter)
{
  g_autofree char *script = g_build_filename (g_getenv ("EMB_SOURCE_DIR") ? g_getenv ("EMB_SOURCE_DIR") : ".",
                                              "tests", "bench", "peer-kmeans.py", NULL);
  g_autofree char *runs_s = g_strdup_printf ("%d", PEER_RUNS);
  const char *argv[] = { "/usr/bin/python3", script, npy, runs_s, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  int status;

  if (system ("/usr/bin/python3 -c 'import sklearn' 2>/dev/null") != 0)
    {
      printf ("(peer skipped: /usr/bin/python3 lacks scikit-learn)\n");
      return FALSE;
    }
  printf ("running sklearn.cluster.KMeans (k=%d, n_init=1, max_iter=%d), median of %d...\n",
          BENCH_K, PEER_MAX_ITER, PEER_RUNS);
  fflush (stdout);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, &err, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL) ||
      !json_parser_load_from_data (parser, out, -1, NULL))
    {
      printf ("(peer failed: %s)\n", err ? err : "");
      return FALSE;
    }
  obj = json_node_get_object (json_parser_get_root (parser));
  *seconds = json_object_get_double_member (obj, "seconds");
  *inertia = json_object_get_double_member (obj, "inertia");
  *n_iter = (int) json_object_get_int_member (obj, "n_iter");
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *npy = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(GError) error = NULL;
  int runs = argc > 2 ? atoi (argv[2]) : 5;
  Result euc, cos, big;
  double peer_s, peer_inertia;
  int peer_iter;

  if (argc < 2)
    {
      g_printerr ("usage: bench-kmeans DATADIR [RUNS]\n");
      return 2;
    }
  runs = CLAMP (runs, 1, 64);
  npy = g_build_filename (argv[1], "glove-100d.npy", NULL);
  if (!g_file_test (npy, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s is missing (make bench builds it with ../shared/datasets/make-glove.py)\n", npy);
      return 77;
    }
  ds = emb_dataset_load (npy, NULL, NULL, NULL, NULL, &error);
  if (ds == NULL)
    {
      g_printerr ("bench-kmeans: %s\n", error->message);
      return 1;
    }

  printf ("k-means, k = %d, on %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " (%s), median of %d runs\n",
          BENCH_K, ds->matrix->n_rows, ds->matrix->n_cols, npy, runs);
  euc = bench_metric (ds->matrix, EMB_METRIC_EUCLIDEAN, 0, runs);
  print_result ("euclidean", &euc, "(target <= 1 s)");
  cos = bench_metric (ds->matrix, EMB_METRIC_COSINE, 0, runs);
  print_result ("cosine", &cos, "(on unit rows)");
  big = bench_metric (ds->matrix, EMB_METRIC_EUCLIDEAN, BENCH_BIG_SAMPLE, runs);
  print_result ("euclidean, sample " G_STRINGIFY (BENCH_BIG_SAMPLE) "/cluster", &big, "");
  fflush (stdout);

  if (run_peer (npy, &peer_s, &peer_inertia, &peer_iter))
    {
      printf ("  %-32s %7.3f s   inertia %.6e   %d iterations\n",
              "sklearn KMeans (euclidean)", peer_s, peer_inertia, peer_iter);
      printf ("  ratio peer / ours (euclidean): %.1fx (%.1fx with the bigger sample)\n",
              peer_s / euc.seconds, peer_s / big.seconds);
      printf ("  inertia (ours - peer) / peer: %+.3f%% (%+.3f%% with the bigger sample)\n",
              100.0 * (euc.inertia - peer_inertia) / peer_inertia,
              100.0 * (big.inertia - peer_inertia) / peer_inertia);
    }
  return 0;
}
