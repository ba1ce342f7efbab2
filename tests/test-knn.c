/* test-knn.c: exact neighbours against a naive double-precision scan, the
 * tie rule, exclusions and analogies known on paper. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "analysis/emb-knn.h"
#include "model/emb-matrix.h"
#include "emb-test-util.h"

/* auxiliary functions */

static const EmbMetric all_metrics[] = {
  EMB_METRIC_COSINE, EMB_METRIC_EUCLIDEAN, EMB_METRIC_DOT,
};

typedef struct
{
  gsize  id;
  double key;    /* the score made "higher is nearer" */
  double score;
} Scored;

static int
scored_compare (const void *pa,
                const void *pb)
{
  const Scored *a = pa, *b = pb;

  if (a->key != b->key)
    return a->key > b->key ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* The k best rows for q by the textbook formulas in double, skipping
 * exclude; best first by the score in double (what is returned), equal
 * ones by lower id.  Returns how many. */
static gsize
naive_knn (const EmbMatrix *m,
           const double    *q,
           EmbMetric        metric,
           gsize            k,
           const gsize     *exclude,
           gsize            n_exclude,
           Scored          *out)
{
  gsize n = m->n_rows, d = m->n_cols, len = 0;
  g_autofree Scored *all = g_new (Scored, n);
  double qq = 0.0;

  for (gsize j = 0; j < d; j++)
    qq += q[j] * q[j];
  for (gsize i = 0; i < n; i++)
    {
      const float *x = emb_matrix_row (m, i);
      double xq = 0.0, xx = 0.0, dd = 0.0;
      gboolean skip = FALSE;

      for (gsize e = 0; e < n_exclude; e++)
        skip |= exclude[e] == i;
      if (skip)
        continue;
      for (gsize j = 0; j < d; j++)
        {
          xq += x[j] * q[j];
          xx += (double) x[j] * x[j];
          dd += (x[j] - q[j]) * (x[j] - q[j]);
        }
      all[len].id = i;
      switch (metric)
        {
        case EMB_METRIC_COSINE:
          all[len].score = xx > 0.0 && qq > 0.0 ? xq / sqrt (xx * qq) : 0.0;
          all[len].key = all[len].score;
          break;
        case EMB_METRIC_EUCLIDEAN:
          all[len].score = sqrt (dd);
          all[len].key = -all[len].score;
          break;
        case EMB_METRIC_DOT:
        default:
          all[len].score = xq;
          all[len].key = xq;
          break;
        }
      len++;
    }
  qsort (all, len, sizeof (Scored), scored_compare);
  len = MIN (len, k);
  memcpy (out, all, len * sizeof (Scored));
  return len;
}

/* Asserts that got (n_got) is the naive answer: the same ids in the same
 * order and the same scores to float precision. */
static void
assert_same (const EmbNeighbor *got,
             gsize              n_got,
             const Scored      *want,
             gsize              n_want)
{
  g_assert_cmpuint (n_got, ==, n_want);
  for (gsize i = 0; i < n_got; i++)
    {
      g_assert_cmpuint (got[i].id, ==, want[i].id);
      g_assert_cmpfloat_with_epsilon (got[i].score, want[i].score,
                                      2e-6 * MAX (1.0, fabs (want[i].score)));
    }
}

/* n x d gaussian rows with planted duplicates and a zero row:
 * rows 50 and 120 copy row 10, rows 200..239 copy row 7, row 77 is zero. */
static EmbMatrix *
test_matrix (gsize   n,
             gsize   d,
             guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  EmbMatrix *m = emb_test_matrix_new (n, d);

  g_assert_cmpuint (n, >, 240);
  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) emb_test_gaussian (rand);
  memcpy (m->data + 50 * d, m->data + 10 * d, d * sizeof (float));
  memcpy (m->data + 120 * d, m->data + 10 * d, d * sizeof (float));
  for (gsize i = 200; i < 240; i++)
    memcpy (m->data + i * d, m->data + 7 * d, d * sizeof (float));
  memset (m->data + 77 * d, 0, d * sizeof (float));
  return m;
}

/* tests */

static void
test_metric_strings (void)
{
  EmbMetric metric = EMB_METRIC_DOT;

  for (gsize i = 0; i < G_N_ELEMENTS (all_metrics); i++)
    {
      g_assert_true (emb_metric_from_string (emb_metric_to_string (all_metrics[i]), &metric));
      g_assert_cmpint (metric, ==, all_metrics[i]);
    }
  g_assert_cmpstr (emb_metric_to_string (EMB_METRIC_COSINE), ==, "cosine");
  g_assert_cmpstr (emb_metric_to_string (EMB_METRIC_EUCLIDEAN), ==, "euclidean");
  g_assert_cmpstr (emb_metric_to_string (EMB_METRIC_DOT), ==, "dot");
  g_assert_true (emb_metric_from_string ("Cosine", &metric));
  g_assert_cmpint (metric, ==, EMB_METRIC_COSINE);
  g_assert_false (emb_metric_from_string ("manhattan", &metric));
  g_assert_false (emb_metric_from_string ("", &metric));
  g_assert_false (emb_metric_from_string (NULL, &metric));
  g_assert_cmpint (metric, ==, EMB_METRIC_COSINE);
}

/* Every metric, several seeds, k from 1 to past the row count, queries by
 * row and by vector, with exclusions (repeated and out of range ones too). */
static void
test_against_naive (void)
{
  enum { N = 300, D = 24 };
  static const gsize ks[] = { 1, 5, 10, N - 1, N + 3 };
  static const gsize rows[] = { 0, 7, 10, 50, 77, 203, N - 1 };
  static const gsize exclude[] = { 3, 5, 5, 1000, 11 };
  g_autofree EmbNeighbor *got = g_new (EmbNeighbor, N + 3);
  g_autofree Scored *want = g_new (Scored, N + 3);
  double q[D];
  float qf[D];

  for (guint32 seed = 1; seed <= 4; seed++)
    {
      g_autoptr(EmbMatrix) m = test_matrix (N, D, seed);
      g_autoptr(EmbKnnIndex) index = emb_knn_index_new (m);
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed + 100);

      g_assert_true (emb_knn_index_get_matrix (index) == m);
      for (gsize mi = 0; mi < G_N_ELEMENTS (all_metrics); mi++)
        for (gsize ki = 0; ki < G_N_ELEMENTS (ks); ki++)
          {
            EmbMetric metric = all_metrics[mi];
            gsize k = ks[ki], n_got, n_want;

            for (gsize ri = 0; ri < G_N_ELEMENTS (rows); ri++)
              {
                gsize row = rows[ri];

                for (gsize j = 0; j < D; j++)
                  q[j] = m->data[row * D + j];
                n_got = emb_knn_query_row (index, row, metric, k, got);
                n_want = naive_knn (m, q, metric, k, &row, 1, want);
                assert_same (got, n_got, want, n_want);
                g_assert_cmpuint (n_got, ==, MIN (k, N - 1));
              }

            for (int trial = 0; trial < 3; trial++)
              {
                for (gsize j = 0; j < D; j++)
                  {
                    qf[j] = (float) emb_test_gaussian (rand);
                    q[j] = qf[j];
                  }
                n_got = emb_knn_query_vector (index, qf, metric, k,
                                              exclude, G_N_ELEMENTS (exclude), got);
                n_want = naive_knn (m, q, metric, k, exclude, G_N_ELEMENTS (exclude), want);
                assert_same (got, n_got, want, n_want);
                g_assert_cmpuint (n_got, ==, MIN (k, N - 3));
              }
          }
    }
}

/* Equal scores go to the lower id: duplicates of the query come first in id
 * order, and 40 copies of one row (more than the candidates kept past k)
 * still give the lowest ids.  Under dot a row is not its own best match,
 * so there the copies are checked to follow each other in id order. */
static void
test_ties (void)
{
  enum { N = 300, D = 16 };
  g_autoptr(EmbMatrix) m = test_matrix (N, D, 42);
  g_autoptr(EmbKnnIndex) index = emb_knn_index_new (m);
  g_autofree EmbNeighbor *all = g_new (EmbNeighbor, N);
  EmbNeighbor got[8];
  gsize n_got;

  for (gsize mi = 0; mi < G_N_ELEMENTS (all_metrics); mi++)
    {
      EmbMetric metric = all_metrics[mi];

      /* Everywhere in a full answer, equal scores are in id order. */
      n_got = emb_knn_query_vector (index, emb_matrix_row (m, 7), metric, N, NULL, 0, all);
      g_assert_cmpuint (n_got, ==, N);
      for (gsize i = 0; i + 1 < n_got; i++)
        if (all[i].score == all[i + 1].score)
          g_assert_cmpuint (all[i].id, <, all[i + 1].id);
        else if (metric == EMB_METRIC_EUCLIDEAN)
          g_assert_cmpfloat (all[i].score, <, all[i + 1].score);
        else
          g_assert_cmpfloat (all[i].score, >, all[i + 1].score);
      for (gsize i = 0; i < n_got; i++)
        if (all[i].id == 7)
          for (gsize c = 0; c < 40; c++)
            g_assert_cmpuint (all[i + 1 + c].id, ==, 200 + c);

      if (metric == EMB_METRIC_DOT)
        continue;

      n_got = emb_knn_query_row (index, 10, metric, 2, got);
      g_assert_cmpuint (n_got, ==, 2);
      g_assert_cmpuint (got[0].id, ==, 50);
      g_assert_cmpuint (got[1].id, ==, 120);
      g_assert_cmpfloat (got[0].score, ==, got[1].score);

      n_got = emb_knn_query_row (index, 120, metric, 2, got);
      g_assert_cmpuint (got[0].id, ==, 10);
      g_assert_cmpuint (got[1].id, ==, 50);

      /* Row 7 and its 40 copies: the query is row 7's vector, unexcluded. */
      n_got = emb_knn_query_vector (index, emb_matrix_row (m, 7), metric, 8, NULL, 0, got);
      g_assert_cmpuint (n_got, ==, 8);
      g_assert_cmpuint (got[0].id, ==, 7);
      for (gsize i = 1; i < 8; i++)
        {
          g_assert_cmpuint (got[i].id, ==, 200 + i - 1);
          g_assert_cmpfloat (got[i].score, ==, got[0].score);
        }
      if (metric == EMB_METRIC_EUCLIDEAN)
        g_assert_cmpfloat (got[0].score, ==, 0.0f);
    }
}

/* A zero row scores 0 under cosine; a zero query scores every row 0, so
 * the answer is the lowest ids. */
static void
test_zero (void)
{
  enum { N = 300, D = 8 };
  g_autoptr(EmbMatrix) m = test_matrix (N, D, 5);
  g_autoptr(EmbKnnIndex) index = emb_knn_index_new (m);
  g_autofree EmbNeighbor *got = g_new (EmbNeighbor, N);
  float zero[D] = { 0 };
  const gsize exclude[] = { 1 };
  gsize n_got;
  gboolean seen = FALSE;

  n_got = emb_knn_query_row (index, 77, EMB_METRIC_COSINE, 4, got);
  g_assert_cmpuint (n_got, ==, 4);
  for (gsize i = 0; i < 4; i++)
    {
      g_assert_cmpuint (got[i].id, ==, i);
      g_assert_cmpfloat (got[i].score, ==, 0.0f);
    }

  n_got = emb_knn_query_vector (index, zero, EMB_METRIC_COSINE, 3, exclude, 1, got);
  g_assert_cmpuint (n_got, ==, 3);
  g_assert_cmpuint (got[0].id, ==, 0);
  g_assert_cmpuint (got[1].id, ==, 2);
  g_assert_cmpuint (got[2].id, ==, 3);

  /* Row 77 against a random row: it scores 0 and sits among the others. */
  n_got = emb_knn_query_row (index, 3, EMB_METRIC_COSINE, N, got);
  g_assert_cmpuint (n_got, ==, N - 1);
  for (gsize i = 0; i < n_got; i++)
    if (got[i].id == 77)
      {
        seen = TRUE;
        g_assert_cmpfloat (got[i].score, ==, 0.0f);
      }
  g_assert_true (seen);

  /* The zero row is the nearest to the zero vector by euclidean distance. */
  n_got = emb_knn_query_vector (index, zero, EMB_METRIC_EUCLIDEAN, 1, NULL, 0, got);
  g_assert_cmpuint (got[0].id, ==, 77);
  g_assert_cmpfloat (got[0].score, ==, 0.0f);
}

static void
test_small_and_k0 (void)
{
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (3, 2);
  g_autoptr(EmbKnnIndex) index = NULL;
  const float v[6] = { 1, 0, 0, 1, 1, 1 };
  const gsize all[3] = { 0, 1, 2 };
  const float q[2] = { 1, 0.1f };
  const float bad[2] = { NAN, 0 };
  EmbNeighbor got[4];

  memcpy (m->data, v, sizeof v);
  index = emb_knn_index_new (m);
  g_assert_cmpuint (emb_knn_query_row (index, 0, EMB_METRIC_COSINE, 0, got), ==, 0);
  g_assert_cmpuint (emb_knn_query_vector (index, q, EMB_METRIC_DOT, 3, all, 3, got), ==, 0);
  g_assert_cmpuint (emb_knn_query_vector (index, bad, EMB_METRIC_DOT, 3, NULL, 0, got), ==, 0);

  /* Cosine of (1, 0.1) with rows (1,0), (0,1), (1,1). */
  g_assert_cmpuint (emb_knn_query_vector (index, q, EMB_METRIC_COSINE, 4, NULL, 0, got), ==, 3);
  g_assert_cmpuint (got[0].id, ==, 0);
  g_assert_cmpuint (got[1].id, ==, 2);
  g_assert_cmpuint (got[2].id, ==, 1);
  g_assert_cmpfloat_with_epsilon (got[0].score, 1.0 / sqrt (1.01), 1e-7);
  g_assert_cmpfloat_with_epsilon (got[1].score, 1.1 / sqrt (2.0 * 1.01), 1e-7);
  g_assert_cmpfloat_with_epsilon (got[2].score, 0.1 / sqrt (1.01), 1e-7);
}

/* Axes royalty, male, female.  q = king^ - man^ + woman^
 * = (1/sqrt 2, 1/sqrt 2 - 1, 1), |q|^2 = 3 - sqrt 2; queen^ = (1, 0, 1)/sqrt 2,
 * so cos (queen, q) = (1/2 + 1/sqrt 2) / sqrt (3 - sqrt 2) ~ 0.9585, then
 * girl (0, 0.2, 1) ~ 0.7331, crown (1, 0, 0) ~ 0.5615, prince (0.8, 1, 0.1)
 * ~ 0.2305, apple (zero) 0. */
static void
test_analogy (void)
{
  enum { MAN, WOMAN, KING, QUEEN, PRINCE, APPLE, CROWN, GIRL, N };
  static const float rows[N][3] = {
    [MAN] = { 0, 1, 0 },
    [WOMAN] = { 0, 0, 1 },
    [KING] = { 1, 1, 0 },
    [QUEEN] = { 1, 0, 1 },
    [PRINCE] = { 0.8f, 1, 0.1f },
    [APPLE] = { 0, 0, 0 },
    [CROWN] = { 1, 0, 0 },
    [GIRL] = { 0, 0.2f, 1 },
  };
  static const gsize order[] = { QUEEN, GIRL, CROWN, PRINCE, APPLE };
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (N, 3);
  g_autoptr(EmbKnnIndex) index = NULL;
  EmbNeighbor got[N];
  double q_norm = sqrt (3.0 - G_SQRT2);
  gsize n_got;

  memcpy (m->data, rows, sizeof rows);
  index = emb_knn_index_new (m);

  n_got = emb_knn_analogy (index, KING, MAN, WOMAN, 1, got);
  g_assert_cmpuint (n_got, ==, 1);
  g_assert_cmpuint (got[0].id, ==, QUEEN);
  g_assert_cmpfloat_with_epsilon (got[0].score, (0.5 + 1.0 / G_SQRT2) / q_norm, 1e-7);

  /* All of them: the inputs never appear, the rest in the order above. */
  n_got = emb_knn_analogy (index, KING, MAN, WOMAN, N, got);
  g_assert_cmpuint (n_got, ==, G_N_ELEMENTS (order));
  for (gsize i = 0; i < n_got; i++)
    g_assert_cmpuint (got[i].id, ==, order[i]);
  g_assert_cmpfloat_with_epsilon (got[1].score, (1.0 - 0.2 * (1.0 - 1.0 / G_SQRT2)) /
                                  (sqrt (1.04) * q_norm), 1e-7);
  g_assert_cmpfloat_with_epsilon (got[2].score, (1.0 / G_SQRT2) / q_norm, 1e-7);
  g_assert_cmpfloat (got[4].score, ==, 0.0f);

  /* The reverse analogy, queen - woman + man, gives king. */
  n_got = emb_knn_analogy (index, QUEEN, WOMAN, MAN, 1, got);
  g_assert_cmpuint (got[0].id, ==, KING);

  /* Inputs that repeat are excluded once and still never returned. */
  n_got = emb_knn_analogy (index, KING, KING, QUEEN, N, got);
  g_assert_cmpuint (n_got, ==, N - 2);
  for (gsize i = 0; i < n_got; i++)
    g_assert_true (got[i].id != KING && got[i].id != QUEEN);
}

/* The one row-norm kernel: |x_i| against a plain double sum, on a matrix
 * big enough to be split over threads, with a row length that is not a
 * multiple of four. */
static void
test_row_norms (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  gsize n = 40000, d = 37;
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);
  g_autofree float *norms = g_new (float, n);
  double sq[2];

  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) emb_test_gaussian (rand);
  memset (m->data, 0, d * sizeof (float));
  emb_matrix_row_norms (m, norms);
  for (gsize i = 0; i < n; i++)
    {
      double s = 0;
      for (gsize j = 0; j < d; j++)
        s += (double) m->data[i * d + j] * m->data[i * d + j];
      g_assert_cmpfloat_with_epsilon (norms[i], sqrt (s), 1e-6 * sqrt (s) + 1e-30);
    }
  g_assert_cmpfloat (norms[0], ==, 0.0f);

  /* 3^2 + 4^2 = 25, and 1 + 4 + 9 + 16 + 25 = 55. */
  {
    const float x[] = { 3, 4, 0, 0, 0, 1, 2, 3, 4, 5 };
    emb_rows_sq_norms (x, 2, 5, sq);
    g_assert_cmpfloat (sq[0], ==, 25.0);
    g_assert_cmpfloat (sq[1], ==, 55.0);
  }
}

/* Values near FLT_MAX, near sqrt (FLT_MAX) (2e19, whose squares overflow
 * float), and denormals: every metric still matches the naive scan in
 * double, with finite scores, and equal scores go to the lower id. */
static void
test_extreme (void)
{
  enum { N = 260, D = 8 };
  static const double scales[] = { 3.4e38, 2e19, 1e-30, 1e-38, 1e-43 };
  static const gsize rows[] = { 0, 7, 10, 77, 203 };
  g_autofree EmbNeighbor *got = g_new (EmbNeighbor, N);
  g_autofree Scored *want = g_new (Scored, N);
  double q[D];

  for (gsize si = 0; si < G_N_ELEMENTS (scales); si++)
    {
      g_autoptr(EmbMatrix) m = test_matrix (N, D, 7 + si);
      g_autoptr(EmbKnnIndex) index = NULL;

      /* Gaussian values squashed into (-1, 1), then scaled. */
      for (gsize i = 0; i < N * D; i++)
        m->data[i] = (float) (scales[si] * tanh (m->data[i]));
      index = emb_knn_index_new (m);
      for (gsize mi = 0; mi < G_N_ELEMENTS (all_metrics); mi++)
        for (gsize ri = 0; ri < G_N_ELEMENTS (rows); ri++)
          {
            gsize row = rows[ri], n_got, n_want;

            for (gsize j = 0; j < D; j++)
              q[j] = m->data[row * D + j];
            /* k = 3 is answered by the scan; N re-ranks every row. */
            n_got = emb_knn_query_row (index, row, all_metrics[mi], 3, got);
            n_want = naive_knn (m, q, all_metrics[mi], 3, &row, 1, want);
            assert_same (got, n_got, want, n_want);
            n_got = emb_knn_query_row (index, row, all_metrics[mi], N, got);
            n_want = naive_knn (m, q, all_metrics[mi], N, &row, 1, want);
            g_assert_cmpuint (n_got, ==, N - 1);
            for (gsize i = 0; i < n_got; i++)
              g_assert_true (isfinite (got[i].score));
            assert_same (got, n_got, want, n_want);
          }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/knn/metric-strings", test_metric_strings);
  g_test_add_func ("/knn/naive", test_against_naive);
  g_test_add_func ("/knn/ties", test_ties);
  g_test_add_func ("/knn/extreme", test_extreme);
  g_test_add_func ("/knn/zero", test_zero);
  g_test_add_func ("/knn/small", test_small_and_k0);
  g_test_add_func ("/knn/analogy", test_analogy);
  g_test_add_func ("/knn/row-norms", test_row_norms);

  return g_test_run ();
}
