/* test-knn-graph.c: the neighbour graph against a naive one.
 *
 * The naive graph measures every pair in double and sorts; the graph under
 * test must hold the same lists (up to rows at equal distance, where the
 * lower id goes first) and the same distances.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-error.h"
#include "map/emb-knn-graph.h"
#include "emb-test-util.h"

typedef struct
{
  double  d;
  guint32 id;
} Pair;

static int
pair_cmp (const void *a,
          const void *b)
{
  const Pair *x = a, *y = b;

  if (x->d != y->d)
    return x->d < y->d ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static double
naive_distance (const EmbMatrix *m,
                gsize            a,
                gsize            b,
                EmbMetric        metric)
{
  const float *x = emb_matrix_row (m, a), *y = emb_matrix_row (m, b);
  double s = 0, nx = 0, ny = 0;

  for (gsize j = 0; j < m->n_cols; j++)
    {
      if (metric == EMB_METRIC_EUCLIDEAN)
        s += ((double) x[j] - y[j]) * ((double) x[j] - y[j]);
      else
        {
          s += (double) x[j] * y[j];
          nx += (double) x[j] * x[j];
          ny += (double) y[j] * y[j];
        }
    }
  if (metric == EMB_METRIC_EUCLIDEAN)
    return sqrt (s);
  return nx == 0 || ny == 0 ? 1.0 : 1.0 - s / sqrt (nx * ny);
}

/* Row a's k nearest in double, nearest first (ties to the lower id). */
static void
naive_row (const EmbMatrix *m,
           gsize            a,
           guint            k,
           EmbMetric        metric,
           Pair            *all,
           Pair            *out)
{
  gsize n = 0;

  for (gsize b = 0; b < m->n_rows; b++)
    if (b != a)
      all[n++] = (Pair) { naive_distance (m, a, b, metric), (guint32) b };
  qsort (all, n, sizeof (Pair), pair_cmp);
  memcpy (out, all, k * sizeof (Pair));
}

/* The graph's row a against the naive list: the same distances, and the
 * same ids wherever the distance is not tied with a neighbour's. */
static void
assert_row_matches (const EmbKnnGraph *g,
                    gsize              a,
                    const Pair        *want)
{
  for (guint j = 0; j < g->k; j++)
    {
      double have = g->dist[a * g->k + j], tol = 1e-5 * MAX (1.0, fabs (want[j].d));
      gboolean tied = (j > 0 && fabs (want[j].d - want[j - 1].d) <= tol) ||
                      (j + 1 < g->k && fabs (want[j + 1].d - want[j].d) <= tol);

      g_assert_cmpfloat_with_epsilon (have, want[j].d, tol);
      if (!tied)
        g_assert_cmpuint (g->idx[a * g->k + j], ==, want[j].id);
      g_assert_cmpuint (g->idx[a * g->k + j], !=, a);
    }
}

/* n rows in d dimensions: Gaussian blobs around `centres` centres, with
 * the last few rows copies of earlier ones (distance 0). */
static EmbMatrix *
blobs (gsize   n,
       gsize   d,
       guint   centres,
       guint32 seed)
{
  EmbMatrix *m = emb_test_matrix_new (n, d);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree double *c = g_new (double, centres * d);

  for (gsize i = 0; i < centres * d; i++)
    c[i] = 4.0 * emb_test_gaussian (rand);
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < d; j++)
      m->data[i * d + j] = (float) (c[(i % centres) * d + j] + emb_test_gaussian (rand));
  for (gsize i = n - 5; i < n; i++)
    memcpy (m->data + i * d, m->data + (i - n / 2) * d, d * sizeof (float));
  return m;
}

static void
check_exact (EmbMetric metric)
{
  g_autoptr (EmbMatrix) m = blobs (1300, 20, 7, 11);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmbKnnGraph) g = NULL;
  g_autofree Pair *all = g_new (Pair, m->n_rows), *want = g_new (Pair, 16);

  /* A zero row: at cosine distance 1 from every row. */
  memset (m->data + 3 * m->n_cols, 0, m->n_cols * sizeof (float));
  g = emb_knn_graph_exact (m, 16, metric, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g->exact);
  g_assert_cmpfloat (g->recall, ==, 1.0);
  for (gsize a = 0; a < m->n_rows; a++)
    {
      naive_row (m, a, 16, metric, all, want);
      assert_row_matches (g, a, want);
    }
  if (metric == EMB_METRIC_COSINE)
    for (guint j = 0; j < 16; j++)
      g_assert_cmpfloat_with_epsilon (g->dist[3 * 16 + j], 1.0, 1e-9);
  /* A duplicate row is its twin's nearest, at distance 0. */
  g_assert_cmpuint (g->idx[(m->n_rows - 1) * 16], ==, m->n_rows - 1 - m->n_rows / 2);
  g_assert_cmpfloat_with_epsilon (g->dist[(m->n_rows - 1) * 16], 0.0, 1e-6);
}

static void
test_exact_cosine (void)
{
  check_exact (EMB_METRIC_COSINE);
}

static void
test_exact_euclidean (void)
{
  check_exact (EMB_METRIC_EUCLIDEAN);
}

/* Values near 1e30 square beyond float; the distances must still be the
 * double ones. */
static void
test_extreme (void)
{
  g_autoptr (EmbMatrix) m = blobs (300, 8, 3, 5);
  g_autoptr (GError) error = NULL;
  g_autofree Pair *all = g_new (Pair, m->n_rows), *want = g_new (Pair, 5);

  for (gsize i = 0; i < m->n_rows * m->n_cols; i++)
    m->data[i] *= 1e30f;
  for (int metric = 0; metric < 2; metric++)
    {
      EmbMetric mt = metric ? EMB_METRIC_EUCLIDEAN : EMB_METRIC_COSINE;
      g_autoptr (EmbKnnGraph) g = emb_knn_graph_exact (m, 5, mt, NULL, NULL, NULL, &error);

      g_assert_no_error (error);
      for (gsize a = 0; a < m->n_rows; a += 7)
        {
          naive_row (m, a, 5, mt, all, want);
          assert_row_matches (g, a, want);
        }
    }
}

/* The approximate graph reaches the recall it reports, measured here on
 * other rows with the naive lists. */
static void
test_approx_recall (void)
{
  g_autoptr (EmbMatrix) m = blobs (20000, 16, 40, 3);
  g_autoptr (GError) error = NULL;
  g_autofree Pair *all = g_new (Pair, m->n_rows), *want = g_new (Pair, 30);
  gsize hits = 0, rows = 0;

  for (int metric = 0; metric < 2; metric++)
    {
      EmbMetric mt = metric ? EMB_METRIC_EUCLIDEAN : EMB_METRIC_COSINE;
      g_autoptr (EmbKnnGraph) g = emb_knn_graph_approx (m, 30, mt, 1, NULL, NULL, NULL, &error);
      double recall = 0;

      g_assert_no_error (error);
      g_assert_false (g->exact);
      g_assert_cmpuint (g->recall_rows, ==, EMB_KNN_GRAPH_RECALL_ROWS);
      g_assert_cmpfloat (g->recall, >=, 0.95);
      hits = rows = 0;
      for (gsize a = 7; a < m->n_rows; a += 97, rows++)
        {
          naive_row (m, a, 30, mt, all, want);
          for (guint i = 0; i < 30; i++)
            for (guint j = 0; j < 30; j++)
              if (g->idx[a * 30 + j] == want[i].id)
                {
                  hits++;
                  break;
                }
          /* Every list is sorted and its distances are true ones. */
          for (guint j = 0; j < 30; j++)
            {
              guint32 b = g->idx[a * 30 + j];

              g_assert_cmpfloat_with_epsilon (g->dist[a * 30 + j], naive_distance (m, a, b, mt), 1e-5);
              if (j > 0)
                g_assert_cmpfloat (g->dist[a * 30 + j], >=, g->dist[a * 30 + j - 1]);
            }
        }
      recall = (double) hits / (double) (rows * 30);
      g_test_message ("%s: recall %.4f reported, %.4f on %zu other rows",
                      emb_metric_to_string (mt), g->recall, recall, rows);
      g_assert_cmpfloat (recall, >=, 0.95);
      g_assert_cmpfloat (fabs (recall - g->recall), <=, 0.03);

      /* emb_knn_graph_recall agrees with the naive measure. */
      g_assert_true (emb_knn_graph_recall (g, m, 300, &recall, &rows, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (rows, ==, 300);
      g_assert_cmpfloat (recall, >=, 0.95);
    }
}

static void
test_bad_arguments (void)
{
  g_autoptr (EmbMatrix) m = blobs (10, 3, 2, 1);
  g_autoptr (GError) error = NULL;
  EmbKnnGraph *g;

  g = emb_knn_graph_exact (m, 10, EMB_METRIC_COSINE, NULL, NULL, NULL, &error);
  g_assert_null (g);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  emb_test_assert_contains (error->message, "the table has 10");
  g_clear_error (&error);
  g = emb_knn_graph_exact (m, 3, EMB_METRIC_DOT, NULL, NULL, NULL, &error);
  g_assert_null (g);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_clear_error (&error);
  g = emb_knn_graph_approx (m, 0, EMB_METRIC_COSINE, 1, NULL, NULL, NULL, &error);
  g_assert_null (g);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
}

static void
cancel_at_once (double   fraction,
                gpointer data)
{
  (void) fraction;
  g_cancellable_cancel (data);
}

static void
test_cancel (void)
{
  g_autoptr (EmbMatrix) m = blobs (6000, 16, 10, 2);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  EmbKnnGraph *g;

  g = emb_knn_graph_exact (m, 10, EMB_METRIC_COSINE, cancel_at_once, cancellable, cancellable, &error);
  g_assert_null (g);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/knn-graph/exact-cosine", test_exact_cosine);
  g_test_add_func ("/knn-graph/exact-euclidean", test_exact_euclidean);
  g_test_add_func ("/knn-graph/extreme", test_extreme);
  g_test_add_func ("/knn-graph/approx-recall", test_approx_recall);
  g_test_add_func ("/knn-graph/bad-arguments", test_bad_arguments);
  g_test_add_func ("/knn-graph/cancel", test_cancel);
  return g_test_run ();
}
