/* bench-core.c: the core stages on the real GloVe set, with the peer.
 *
 * Usage: bench-core DATADIR [RUNS]
 * DATADIR holds glove-100d.{txt,npy,vocab.txt} from
 * ../shared/datasets/make-glove.py.  Prints medians over RUNS (default 5)
 * runs, the peak RSS of a whole text load + PCA + query in a child
 * process, and, when /usr/bin/python3 has numpy and scikit-learn, the same
 * stages in Python run here and the ratio peer / ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#include "io/emb-dataset.h"
#include "analysis/emb-knn.h"
#include "analysis/emb-pca.h"

typedef struct
{
  const char *key;
  const char *label;
  const char *target;
  double      ours;
  double      peer;
} Stage;

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

static EmbDataset *
load_or_die (const char *path, const EmbLoadOptions *opts)
{
  g_autoptr(GError) error = NULL;
  EmbDataset *ds = emb_dataset_load (path, opts, NULL, NULL, NULL, &error);
  if (ds == NULL)
    {
      g_printerr ("bench: %s\n", error->message);
      exit (1);
    }
  return ds;
}

/* Peak RSS in MB of a child that loads the text, runs PCA and a query. */
static double
pipeline_peak_rss (const char *txt)
{
  pid_t pid = fork ();
  int status;
  struct rusage ru;

  if (pid == 0)
    {
      EmbDataset *ds = load_or_die (txt, NULL);
      EmbPca *pca = emb_pca_compute (ds->matrix, 10, NULL, NULL);
      float *coords = g_new (float, ds->matrix->n_rows * 2);
      EmbKnnIndex *index = emb_knn_index_new (ds->matrix);
      EmbNeighbor nb[10];
      emb_pca_project (pca, ds->matrix, 2, coords);
      emb_knn_query_row (index, 0, EMB_METRIC_COSINE, 10, nb);
      _exit (0);
    }
  if (wait4 (pid, &status, 0, &ru) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return -1;
  return ru.ru_maxrss / 1024.0;
}

static gboolean
run_peer (const char *txt, const char *npy, const char *vocab, int runs, Stage *stages, guint n_stages)
{
  g_autofree char *script = g_build_filename (g_getenv ("EMB_SOURCE_DIR") ? g_getenv ("EMB_SOURCE_DIR") : ".",
                                              "tests", "bench", "peer.py", NULL);
  g_autofree char *runs_s = g_strdup_printf ("%d", runs);
  const char *argv[] = { "/usr/bin/python3", script, txt, npy, vocab, runs_s, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  int status;

  if (system ("/usr/bin/python3 -c 'import numpy, sklearn' 2>/dev/null") != 0)
    {
      printf ("(peer skipped: /usr/bin/python3 lacks numpy or scikit-learn)\n");
      return FALSE;
    }
  printf ("running the numpy/scikit-learn peer on the same files...\n");
  fflush (stdout);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, &err, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL) ||
      !json_parser_load_from_data (parser, out, -1, NULL))
    {
      printf ("(peer failed: %s)\n", err ? err : "");
      return FALSE;
    }
  obj = json_node_get_object (json_parser_get_root (parser));
  for (guint i = 0; i < n_stages; i++)
    if (json_object_has_member (obj, stages[i].key))
      stages[i].peer = json_object_get_double_member (obj, stages[i].key);
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *txt = NULL, *npy = NULL, *vocab = NULL;
  int runs = argc > 2 ? atoi (argv[2]) : 5;
  Stage stages[] = {
    { "parse_text", "parse GloVe text (296 MB)", "<= 0.8 s", 0, 0 },
    { "open_npy", "open .npy (mmap, to data)", "<= 0.05 s", 0, 0 },
    { "pca", "exact PCA, all rows, 10 comps", "<= 0.15 s", 0, 0 },
    { "project", "project all rows to 2-D", "", 0, 0 },
    { "query", "one cosine top-10 query", "<= 8 ms", 0, 0 },
    { "analogy", "analogy king - man + woman", "", 0, 0 },
  };
  double t[64];
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbPca) pca = NULL;
  g_autoptr(EmbKnnIndex) index = NULL;
  EmbNeighbor nb[10];
  gsize king, man, woman;
  double rss;
  EmbLoadOptions npy_opts = { 0 };

  if (argc < 2)
    {
      g_printerr ("usage: bench-core DATADIR [RUNS]\n");
      return 2;
    }
  runs = CLAMP (runs, 1, 64);
  txt = g_build_filename (argv[1], "glove-100d.txt", NULL);
  npy = g_build_filename (argv[1], "glove-100d.npy", NULL);
  vocab = g_build_filename (argv[1], "glove-100d.vocab.txt", NULL);
  if (!g_file_test (txt, G_FILE_TEST_EXISTS))
    {
      printf ("SKIP: %s is missing (make bench builds it with ../shared/datasets/make-glove.py)\n", txt);
      return 77;
    }
  npy_opts.vocab_path = vocab;

  for (int r = 0; r < runs; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(EmbDataset) d = load_or_die (txt, NULL);
      t[r] = (g_get_monotonic_time () - t0) / 1e6;
    }
  stages[0].ours = median (t, runs);

  for (int r = 0; r < runs; r++)
    {
      /* To data: the vocabulary is loaded separately below. */
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(EmbDataset) d = load_or_die (npy, NULL);
      t[r] = (g_get_monotonic_time () - t0) / 1e6;
    }
  stages[1].ours = median (t, runs);

  ds = load_or_die (npy, &npy_opts);
  for (int r = 0; r < runs; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_clear_pointer (&pca, emb_pca_free);
      pca = emb_pca_compute (ds->matrix, 10, NULL, NULL);
      t[r] = (g_get_monotonic_time () - t0) / 1e6;
    }
  stages[2].ours = median (t, runs);

  {
    g_autofree float *coords = g_new (float, ds->matrix->n_rows * 2);
    for (int r = 0; r < runs; r++)
      {
        gint64 t0 = g_get_monotonic_time ();
        emb_pca_project (pca, ds->matrix, 2, coords);
        t[r] = (g_get_monotonic_time () - t0) / 1e6;
      }
    stages[3].ours = median (t, runs);
  }

  if (!emb_vocab_lookup (ds->vocab, "king", &king) ||
      !emb_vocab_lookup (ds->vocab, "man", &man) ||
      !emb_vocab_lookup (ds->vocab, "woman", &woman))
    {
      g_printerr ("bench: king/man/woman not in %s\n", vocab);
      return 1;
    }
  index = emb_knn_index_new (ds->matrix);
  for (int r = 0; r < runs * 4 && r < 64; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      emb_knn_query_row (index, king, EMB_METRIC_COSINE, 10, nb);
      t[r] = (g_get_monotonic_time () - t0) / 1e6;
    }
  stages[4].ours = median (t, MIN (runs * 4, 64));
  printf ("king ->");
  for (int i = 0; i < 5; i++)
    printf (" %s", emb_vocab_display (ds->vocab, nb[i].id));
  printf ("\n");

  for (int r = 0; r < runs; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      emb_knn_analogy (index, king, man, woman, 10, nb);
      t[r] = (g_get_monotonic_time () - t0) / 1e6;
    }
  stages[5].ours = median (t, runs);
  printf ("king - man + woman -> %s\n", emb_vocab_display (ds->vocab, nb[0].id));

  rss = pipeline_peak_rss (txt);

  run_peer (txt, npy, vocab, runs, stages, G_N_ELEMENTS (stages));

  printf ("\n%-32s %12s %12s %9s  %s\n", "stage (341,479 x 100)", "embedlens", "peer", "ratio", "target");
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    {
      char peer[32] = "-", ratio[32] = "-";
      if (stages[i].peer > 0)
        {
          g_snprintf (peer, sizeof peer, "%.4f s", stages[i].peer);
          g_snprintf (ratio, sizeof ratio, "%.1fx", stages[i].peer / stages[i].ours);
        }
      printf ("%-32s %10.4f s %12s %9s  %s\n", stages[i].label, stages[i].ours, peer, ratio, stages[i].target);
    }
  printf ("%-32s %10.0f MB %12s %9s  <= %.0f MB (1.5 x matrix)\n", "peak RSS: text load+PCA+query", rss, "", "",
          1.5 * emb_matrix_bytes_for (ds->matrix->n_rows, ds->matrix->n_cols) / 1e6);
  printf ("(medians of %d runs; query over %d runs; ratio = peer / embedlens)\n", runs, MIN (runs * 4, 64));
  return 0;
}
