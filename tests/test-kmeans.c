/* test-kmeans.c: k-means against known clusters and naive recomputations.
 *
 * Well-separated blobs must come back exactly (adjusted Rand index 1), the
 * returned assignment must be every row's nearest centroid and the inertia
 * the sum of those distances, both recomputed here in double; then the
 * edge cases: k = 1, k = n, fewer distinct rows than k, bad arguments,
 * cancellation, and the rows nearest a centroid.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "base/emb-error.h"
#include "analysis/emb-kmeans.h"
#include "emb-test-util.h"

/* auxiliary functions */

static const EmbMetric both_metrics[] = { EMB_METRIC_EUCLIDEAN, EMB_METRIC_COSINE };

static EmbKmeans *
run_ok (const EmbMatrix *m,
        gsize            k,
        EmbMetric        metric,
        guint64          seed,
        gsize            per_cluster)
{
  g_autoptr(GError) error = NULL;
  EmbKmeansOptions opts = { .k = k, .metric = metric, .seed = seed,
                            .sample_per_cluster = per_cluster };
  EmbKmeans *km = emb_kmeans_run (m, &opts, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (km);
  return km;
}

/* n_blobs blobs of n / n_blobs rows in d dimensions, rows shuffled, the
 * true blob of each row in labels.  Euclidean: centres 100 apart on
 * average, noise 0.1 per coordinate.  Cosine: random directions (nearly
 * orthogonal in 20-D) times a length between 0.5 and 5, so only the angle
 * tells the blobs apart, with angular noise of about 0.002 per coordinate. */
static EmbMatrix *
make_blobs (gsize      n,
            gsize      d,
            gsize      n_blobs,
            EmbMetric  metric,
            guint32    seed,
            guint32   *labels)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree double *centres = g_new (double, n_blobs * d);
  EmbMatrix *m = emb_test_matrix_new (n, d);

  for (gsize b = 0; b < n_blobs; b++)
    {
      double norm = 0.0;

      for (gsize j = 0; j < d; j++)
        {
          centres[b * d + j] = emb_test_gaussian (rand);
          norm += centres[b * d + j] * centres[b * d + j];
        }
      for (gsize j = 0; j < d; j++)
        centres[b * d + j] *= (metric == EMB_METRIC_COSINE ? 1.0 : 70.0) / sqrt (norm);
    }
  for (gsize i = 0; i < n; i++)
    labels[i] = (guint32) (i % n_blobs);
  for (gsize i = n - 1; i > 0; i--)
    {
      gsize r = g_rand_int_range (rand, 0, (gint32) i + 1);
      guint32 t = labels[i];

      labels[i] = labels[r];
      labels[r] = t;
    }
  for (gsize i = 0; i < n; i++)
    {
      float *x = m->data + i * d;
      const double *c = centres + labels[i] * d;

      if (metric == EMB_METRIC_COSINE)
        {
          double len = g_rand_double_range (rand, 0.5, 5.0);

          for (gsize j = 0; j < d; j++)
            x[j] = (float) (len * (c[j] + 0.002 * emb_test_gaussian (rand)));
        }
      else
        for (gsize j = 0; j < d; j++)
          x[j] = (float) (c[j] + 0.1 * emb_test_gaussian (rand));
    }
  return m;
}

static double
choose2 (double x)
{
  return x * (x - 1.0) / 2.0;
}

/* The adjusted Rand index of two labellings from their contingency table
 * n_ij (rows of a in class i and of b in class j), row sums a_i, column
 * sums b_j:
 *   ARI = (sum C(n_ij,2) - E) / (max - E),
 *   E = sum C(a_i,2) sum C(b_j,2) / C(n,2),  max = (sum C(a_i,2) + sum C(b_j,2)) / 2.
 * Every term is an integer held exactly in a double, so identical
 * partitions give exactly 1. */
static double
adjusted_rand_index (const guint32 *a,
                     gsize          ka,
                     const guint32 *b,
                     gsize          kb,
                     gsize          n)
{
  g_autofree gsize *table = g_new0 (gsize, ka * kb);
  g_autofree gsize *rows = g_new0 (gsize, ka);
  g_autofree gsize *cols = g_new0 (gsize, kb);
  double index = 0.0, sum_a = 0.0, sum_b = 0.0, expected, max;

  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpuint (a[i], <, ka);
      g_assert_cmpuint (b[i], <, kb);
      table[a[i] * kb + b[i]]++;
      rows[a[i]]++;
      cols[b[i]]++;
    }
  for (gsize i = 0; i < ka * kb; i++)
    index += choose2 ((double) table[i]);
  for (gsize i = 0; i < ka; i++)
    sum_a += choose2 ((double) rows[i]);
  for (gsize j = 0; j < kb; j++)
    sum_b += choose2 ((double) cols[j]);
  expected = sum_a * sum_b / choose2 ((double) n);
  max = 0.5 * (sum_a + sum_b);
  if (max == expected)
    return 1.0;
  return (index - expected) / (max - expected);
}

/* |x~ - c|^2 in double by the textbook formula: x~ = x for euclidean,
 * x / |x| for cosine (a zero row stays zero). */
static double
naive_dist (const float *x,
            const float *c,
            gsize        d,
            EmbMetric    metric)
{
  double scale = 1.0, r = 0.0;

  if (metric == EMB_METRIC_COSINE)
    {
      double n2 = 0.0;

      for (gsize j = 0; j < d; j++)
        n2 += (double) x[j] * x[j];
      scale = n2 > 0.0 ? 1.0 / sqrt (n2) : 0.0;
    }
  for (gsize j = 0; j < d; j++)
    {
      double diff = scale * x[j] - c[j];

      r += diff * diff;
    }
  return r;
}

/* What every result must satisfy: sizes that count the assignment and sum
 * to n, every row assigned to its nearest centroid (within rounding), the
 * inertia equal to the sum of those distances, unit centroids for cosine. */
static void
check_result (const EmbKmeans *km,
              const EmbMatrix *m,
              EmbMetric        metric)
{
  gsize n = m->n_rows, d = m->n_cols, k = km->k;
  g_autofree gsize *counts = g_new0 (gsize, k);
  double inertia = 0.0;
  gsize total = 0;

  g_assert_cmpuint (km->n_rows, ==, n);
  g_assert_cmpuint (km->n_dims, ==, d);
  g_assert_cmpint (km->metric, ==, metric);
  for (gsize i = 0; i < n; i++)
    {
      const float *x = emb_matrix_row (m, i);
      double own, best = G_MAXDOUBLE;

      g_assert_cmpuint (km->assignment[i], <, k);
      counts[km->assignment[i]]++;
      own = naive_dist (x, km->centroids + km->assignment[i] * d, d, metric);
      for (gsize c = 0; c < k; c++)
        best = MIN (best, naive_dist (x, km->centroids + c * d, d, metric));
      /* The same double sums in another order: equal up to rounding. */
      g_assert_cmpfloat (own, <=, best + 1e-12 * (1.0 + best));
      inertia += own;
    }
  for (gsize c = 0; c < k; c++)
    {
      g_assert_cmpuint (km->sizes[c], ==, counts[c]);
      total += km->sizes[c];
      if (metric == EMB_METRIC_COSINE && km->sizes[c] > 0)
        {
          double n2 = 0.0;

          for (gsize j = 0; j < d; j++)
            n2 += (double) km->centroids[c * d + j] * km->centroids[c * d + j];
          g_assert_cmpfloat_with_epsilon (n2, 1.0, 1e-5);
        }
    }
  g_assert_cmpuint (total, ==, n);
  g_assert_cmpfloat (fabs (km->inertia - inertia), <=, 1e-10 * (1.0 + inertia));
}

/* tests */

static void
test_blobs (gconstpointer data)
{
  EmbMetric metric = GPOINTER_TO_INT (data);
  const gsize n = 3000, d = 20, n_blobs = 6;
  g_autofree guint32 *labels = g_new (guint32, n);
  g_autoptr(EmbMatrix) m = make_blobs (n, d, n_blobs, metric, 42, labels);

  for (guint64 seed = 0; seed < 4; seed++)
    {
      g_autoptr(EmbKmeans) km = run_ok (m, n_blobs, metric, seed, 0);

      check_result (km, m, metric);
      g_assert_cmpfloat (adjusted_rand_index (labels, n_blobs, km->assignment, km->k, n), ==, 1.0);
    }

  /* A sample smaller than the rows, so the passes over every row matter. */
  {
    g_autoptr(EmbKmeans) km = run_ok (m, n_blobs, metric, 5, 64);

    check_result (km, m, metric);
    g_assert_cmpfloat (adjusted_rand_index (labels, n_blobs, km->assignment, km->k, n), ==, 1.0);
  }
}

/* The blobs scaled to values near 2e19 (whose squares overflow float),
 * near FLT_MAX, and into the denormals: both metrics still find them, with
 * every row at its nearest centroid and finite centroids and inertia. */
static void
test_extreme (void)
{
  static const double scales[] = { 3e17, 4e36, 1e-40 };
  const gsize n = 600, d = 20, n_blobs = 4;
  g_autofree guint32 *labels = g_new (guint32, n);

  for (gsize mi = 0; mi < G_N_ELEMENTS (both_metrics); mi++)
    for (gsize si = 0; si < G_N_ELEMENTS (scales); si++)
      {
        EmbMetric metric = both_metrics[mi];
        g_autoptr(EmbMatrix) m = make_blobs (n, d, n_blobs, metric, 9, labels);
        g_autoptr(EmbKmeans) km = NULL;

        for (gsize i = 0; i < n * d; i++)
          m->data[i] = (float) (m->data[i] * scales[si]);
        km = run_ok (m, n_blobs, metric, 1, 64);
        g_assert_true (isfinite (km->inertia));
        for (gsize i = 0; i < n_blobs * d; i++)
          g_assert_true (isfinite (km->centroids[i]));
        check_result (km, m, metric);
        g_assert_cmpfloat (adjusted_rand_index (labels, n_blobs, km->assignment, km->k, n), ==, 1.0);
      }
}

static void
test_blobs_other_metric (void)
{
  const gsize n = 3000, d = 20, n_blobs = 6;
  g_autofree guint32 *labels = g_new (guint32, n);
  g_autoptr(EmbMatrix) m = make_blobs (n, d, n_blobs, EMB_METRIC_COSINE, 42, labels);
  g_autoptr(EmbKmeans) km = run_ok (m, n_blobs, EMB_METRIC_EUCLIDEAN, 0, 0);

  /* The angular blobs differ in length by 10x: not what euclidean sees. */
  check_result (km, m, EMB_METRIC_EUCLIDEAN);
  g_assert_cmpfloat (adjusted_rand_index (labels, n_blobs, km->assignment, km->k, n), <, 0.9);
}

static void
test_determinism (void)
{
  const gsize n = 3000, d = 20, n_blobs = 6;
  g_autofree guint32 *labels = g_new (guint32, n);

  for (gsize t = 0; t < G_N_ELEMENTS (both_metrics); t++)
    {
      EmbMetric metric = both_metrics[t];
      g_autoptr(EmbMatrix) m = make_blobs (n, d, n_blobs, metric, 7, labels);
      g_autoptr(EmbKmeans) a = run_ok (m, 9, metric, 1234, 64);
      g_autoptr(EmbKmeans) b = run_ok (m, 9, metric, 1234, 64);
      g_autoptr(EmbKmeans) c = run_ok (m, n_blobs, metric, 99, 0);
      g_autoptr(EmbKmeans) e = run_ok (m, n_blobs, metric, 100, 0);

      /* Same seed, same everything (k = 9 on 6 blobs: a split depends on
       * the seed, so this is not true by construction). */
      g_assert_cmpmem (a->assignment, n * sizeof (guint32), b->assignment, n * sizeof (guint32));
      g_assert_cmpmem (a->centroids, 9 * d * sizeof (float), b->centroids, 9 * d * sizeof (float));
      g_assert_cmpmem (a->sizes, 9 * sizeof (gsize), b->sizes, 9 * sizeof (gsize));
      g_assert_cmpfloat (a->inertia, ==, b->inertia);
      g_assert_cmpuint (a->n_iter, ==, b->n_iter);

      /* Other seeds may number the clusters differently, never wrongly. */
      g_assert_cmpfloat (adjusted_rand_index (labels, n_blobs, c->assignment, n_blobs, n), ==, 1.0);
      g_assert_cmpfloat (adjusted_rand_index (labels, n_blobs, e->assignment, n_blobs, n), ==, 1.0);
      g_assert_cmpfloat (adjusted_rand_index (c->assignment, n_blobs, e->assignment, n_blobs, n), ==, 1.0);
    }
}

/* Random data with no cluster structure: the naive checks of
 * check_result, with a sample smaller than the rows, odd d (the vector
 * loops' tails) and, for cosine, a zero row. */
static void
test_random (void)
{
  const gsize n = 2500, d = 17;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);

  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) (emb_test_gaussian (rand) + (i % d == 0 ? 3.0 : 0.0));
  memset (m->data + 17 * d, 0, d * sizeof (float));

  for (gsize t = 0; t < G_N_ELEMENTS (both_metrics); t++)
    for (gsize per = 0; per <= 64; per += 32)
      {
        g_autoptr(EmbKmeans) km = run_ok (m, 7, both_metrics[t], 11, per);

        check_result (km, m, both_metrics[t]);
        g_assert_cmpuint (km->n_iter, >=, 1);
        for (gsize c = 0; c < km->k; c++)
          g_assert_cmpuint (km->sizes[c], >, 0);
      }
}

/* Rows far from the origin (1000 + noise): |x|^2 - 2 x.c + |c|^2 in float
 * loses about 0.1 to cancellation, more than the gaps between the nearest
 * centroids, so only the exact comparison in double gets every row right. */
static void
test_offset (void)
{
  const gsize n = 3000, d = 16;
  g_autoptr(GRand) rand = g_rand_new_with_seed (12);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);

  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) (1000.0 + emb_test_gaussian (rand));

  for (gsize t = 0; t < G_N_ELEMENTS (both_metrics); t++)
    for (gsize per = 0; per <= 64; per += 64)
      {
        g_autoptr(EmbKmeans) km = run_ok (m, 6, both_metrics[t], 3, per);

        check_result (km, m, both_metrics[t]);
      }
}

/* Enough rows that a pass is cut into chunks run on several threads: the
 * same checks, and two runs agree to the bit. */
static void
test_threaded (void)
{
  const gsize n = 30000, d = 10;
  g_autoptr(GRand) rand = g_rand_new_with_seed (8);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);

  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) (emb_test_gaussian (rand) + (i % d < 2 ? 2.0 * (double) (i / d % 3) : 0.0));

  for (gsize t = 0; t < G_N_ELEMENTS (both_metrics); t++)
    {
      g_autoptr(EmbKmeans) a = run_ok (m, 8, both_metrics[t], 5, 0);
      g_autoptr(EmbKmeans) b = run_ok (m, 8, both_metrics[t], 5, 0);

      check_result (a, m, both_metrics[t]);
      g_assert_cmpmem (a->assignment, n * sizeof (guint32), b->assignment, n * sizeof (guint32));
      g_assert_cmpmem (a->centroids, 8 * d * sizeof (float), b->centroids, 8 * d * sizeof (float));
      g_assert_cmpfloat (a->inertia, ==, b->inertia);
    }
}

/* Fewer distinct rows than k: 3 points repeated 100 times each, k = 5.
 * Documented behaviour: no crash, the sizes still sum to n, each distinct
 * point is one cluster and the two clusters left over stay empty (there is
 * no row at a positive distance to give them), with zero inertia. */
static void
test_duplicates (void)
{
  static const float points[3][4] = {
    { 1, 0, 0, 0 }, { 0, 2, 0, 0 }, { 0, 0, 0, -3 },
  };
  const gsize n = 300, d = 4, k = 5;
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);

  for (gsize i = 0; i < n; i++)
    memcpy (m->data + i * d, points[(i * 7) % 3], sizeof points[0]);

  for (gsize t = 0; t < G_N_ELEMENTS (both_metrics); t++)
    for (guint64 seed = 0; seed < 5; seed++)
      {
        g_autoptr(EmbKmeans) km = run_ok (m, k, both_metrics[t], seed, 0);
        gsize non_empty = 0;

        check_result (km, m, both_metrics[t]);
        for (gsize c = 0; c < k; c++)
          if (km->sizes[c] > 0)
            {
              g_assert_cmpuint (km->sizes[c], ==, 100);
              non_empty++;
            }
        g_assert_cmpuint (non_empty, ==, 3);
        /* An empty cluster's centroid repeats a point that a lower id
         * holds: the rows on it went to the lower id. */
        for (gsize c = 0; c < k; c++)
          if (km->sizes[c] == 0)
            {
              gboolean repeated = FALSE;

              for (gsize o = 0; o < c; o++)
                repeated |= km->sizes[o] > 0 &&
                            memcmp (km->centroids + c * d, km->centroids + o * d, d * sizeof (float)) == 0;
              g_assert_true (repeated);
            }
        g_assert_cmpfloat (km->inertia, <=, 1e-12);
        /* Rows that are equal share a cluster. */
        for (gsize i = 3; i < n; i++)
          g_assert_cmpuint (km->assignment[i], ==, km->assignment[i - 3]);
      }
}

/* k = 1: every row in cluster 0, whose centroid is the mean (euclidean) or
 * the normalised mean of the unit rows (cosine). */
static void
test_k1 (void)
{
  const gsize n = 1000, d = 13;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);

  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) (emb_test_gaussian (rand) + 0.5 * (double) (i % d));

  for (gsize t = 0; t < G_N_ELEMENTS (both_metrics); t++)
    {
      EmbMetric metric = both_metrics[t];
      g_autoptr(EmbKmeans) km = run_ok (m, 1, metric, 0, 0);
      g_autofree double *mean = g_new0 (double, d);
      double norm = 0.0;

      check_result (km, m, metric);
      g_assert_cmpuint (km->sizes[0], ==, n);
      for (gsize i = 0; i < n; i++)
        {
          const float *x = emb_matrix_row (m, i);
          double s = 1.0;

          if (metric == EMB_METRIC_COSINE)
            {
              double n2 = 0.0;

              for (gsize j = 0; j < d; j++)
                n2 += (double) x[j] * x[j];
              s = 1.0 / sqrt (n2);
            }
          for (gsize j = 0; j < d; j++)
            mean[j] += s * x[j] / n;
        }
      for (gsize j = 0; j < d; j++)
        norm += mean[j] * mean[j];
      norm = sqrt (norm);
      for (gsize j = 0; j < d; j++)
        {
          double want = metric == EMB_METRIC_COSINE ? mean[j] / norm : mean[j];

          g_assert_cmpfloat_with_epsilon (km->centroids[j], want, 1e-6 * (1.0 + fabs (want)));
        }
    }
}

/* k = n on distinct rows: one row per cluster, the row its own centroid. */
static void
test_k_equals_n (void)
{
  const gsize n = 60, d = 5;
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);

  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) emb_test_gaussian (rand);

  for (gsize t = 0; t < G_N_ELEMENTS (both_metrics); t++)
    {
      g_autoptr(EmbKmeans) km = run_ok (m, n, both_metrics[t], 1, 0);
      g_autofree gboolean *seen = g_new0 (gboolean, n);

      check_result (km, m, both_metrics[t]);
      for (gsize c = 0; c < n; c++)
        g_assert_cmpuint (km->sizes[c], ==, 1);
      for (gsize i = 0; i < n; i++)
        {
          g_assert_false (seen[km->assignment[i]]);
          seen[km->assignment[i]] = TRUE;
        }
      /* Zero up to rounding the unit rows to float. */
      g_assert_cmpfloat (km->inertia, <=, 1e-12);
    }
}

static void
expect_invalid (const EmbMatrix *m,
                gsize            k,
                EmbMetric        metric,
                const char      *needle)
{
  g_autoptr(GError) error = NULL;
  EmbKmeansOptions opts = { .k = k, .metric = metric };
  g_autoptr(EmbKmeans) km = emb_kmeans_run (m, &opts, NULL, NULL, NULL, &error);

  g_assert_null (km);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
test_errors (void)
{
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (10, 3);
  g_autoptr(EmbMatrix) empty = emb_test_matrix_new (0, 3);
  g_autoptr(EmbMatrix) no_cols = emb_test_matrix_new (10, 0);

  memset (m->data, 0, 30 * sizeof (float));
  expect_invalid (m, 0, EMB_METRIC_EUCLIDEAN, "k = 0");
  expect_invalid (m, 11, EMB_METRIC_COSINE, "k = 11 is more than the 10 rows");
  expect_invalid (empty, 1, EMB_METRIC_EUCLIDEAN, "k = 1 is more than the 0 rows");
  expect_invalid (m, 2, EMB_METRIC_DOT, "not dot");
  expect_invalid (no_cols, 2, EMB_METRIC_EUCLIDEAN, "at least one column");
}

/* The rows of each cluster sorted by the naive distance, ties by id. */
typedef struct
{
  double dist;
  gsize  id;
} Ranked;

static int
ranked_compare (const void *pa,
                const void *pb)
{
  const Ranked *a = pa, *b = pb;

  if (a->dist != b->dist)
    return a->dist < b->dist ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

static void
test_nearest (void)
{
  const gsize n = 1500, d = 9, k = 4;
  g_autoptr(GRand) rand = g_rand_new_with_seed (21);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);

  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) emb_test_gaussian (rand);
  /* Exact ties: every fifth row repeats the one before it. */
  for (gsize i = 5; i < n; i += 5)
    memcpy (m->data + i * d, m->data + (i - 1) * d, d * sizeof (float));

  for (gsize t = 0; t < G_N_ELEMENTS (both_metrics); t++)
    {
      EmbMetric metric = both_metrics[t];
      g_autoptr(EmbKmeans) km = run_ok (m, k, metric, 2, 0);

      for (gsize c = 0; c < k; c++)
        {
          g_autofree Ranked *all = g_new (Ranked, n);
          g_autofree gsize *out = g_new (gsize, n + 1);
          gsize size = 0;

          for (gsize i = 0; i < n; i++)
            if (km->assignment[i] == c)
              {
                all[size].dist = naive_dist (emb_matrix_row (m, i), km->centroids + c * d, d, metric);
                all[size].id = i;
                size++;
              }
          qsort (all, size, sizeof *all, ranked_compare);
          g_assert_cmpuint (size, ==, km->sizes[c]);

          g_assert_cmpuint (emb_kmeans_nearest (km, m, c, 0, out), ==, 0);
          for (gsize want = 1; want <= size + 1; want += want < 40 ? 1 : size / 3)
            {
              gsize got = emb_kmeans_nearest (km, m, c, want, out);

              g_assert_cmpuint (got, ==, MIN (want, size));
              for (gsize r = 0; r < got; r++)
                {
                  /* Equal distances in another summation order may differ
                   * in the last bit: compare ids only when they do not. */
                  if (out[r] != all[r].id)
                    g_assert_cmpfloat (fabs (naive_dist (emb_matrix_row (m, out[r]), km->centroids + c * d, d, metric) -
                                             all[r].dist), <=, 1e-12 * (1.0 + all[r].dist));
                  g_assert_cmpuint (km->assignment[out[r]], ==, c);
                }
              if (want == size + 1)
                break;
            }
        }
    }
}

typedef struct
{
  GCancellable *cancellable;
  guint         calls;
  double        last;
  guint         cancel_at;
} ProgressState;

static void
on_progress (double   fraction,
             gpointer user_data)
{
  ProgressState *st = user_data;

  g_assert_cmpfloat (fraction, >=, st->last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  st->last = fraction;
  if (++st->calls == st->cancel_at)
    g_cancellable_cancel (st->cancellable);
}

static void
test_cancel_progress (void)
{
  const gsize n = 20000, d = 8;
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);
  EmbKmeansOptions opts = { .k = 5, .metric = EMB_METRIC_EUCLIDEAN, .sample_per_cluster = 100 };

  for (gsize i = 0; i < n * d; i++)
    m->data[i] = (float) emb_test_gaussian (rand);

  /* Cancelled before it starts. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(EmbKmeans) km = NULL;

    g_cancellable_cancel (cancellable);
    km = emb_kmeans_run (m, &opts, cancellable, NULL, NULL, &error);
    g_assert_null (km);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }

  /* A full run: progress rises to exactly 1; remember how many reports. */
  {
    ProgressState st = { NULL, 0, 0.0, 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(EmbKmeans) km = emb_kmeans_run (m, &opts, NULL, on_progress, &st, &error);

    g_assert_no_error (error);
    g_assert_cmpfloat (st.last, ==, 1.0);
    g_assert_cmpuint (st.calls, >=, 4);

    /* Cancelled from the progress callback, in the seeding, the sample's
     * Lloyd and the passes over every row. */
    for (guint at = 1; at < st.calls; at += MAX (1, st.calls / 5))
      {
        g_autoptr(GCancellable) cancellable = g_cancellable_new ();
        ProgressState cs = { cancellable, 0, 0.0, at };
        g_autoptr(GError) cancel_error = NULL;
        g_autoptr(EmbKmeans) none = emb_kmeans_run (m, &opts, cancellable, on_progress, &cs, &cancel_error);

        g_assert_null (none);
        g_assert_error (cancel_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      }
  }
}

static void
test_default_k (void)
{
  g_assert_cmpuint (emb_kmeans_default_k (0), ==, 0);
  g_assert_cmpuint (emb_kmeans_default_k (1), ==, 1);
  g_assert_cmpuint (emb_kmeans_default_k (5), ==, 2);
  g_assert_cmpuint (emb_kmeans_default_k (5000), ==, 10);
  g_assert_cmpuint (emb_kmeans_default_k (7200), ==, 12);
  g_assert_cmpuint (emb_kmeans_default_k (20000), ==, 20);
  g_assert_cmpuint (emb_kmeans_default_k (341479), ==, 20);
  g_assert_cmpuint (emb_kmeans_default_k (128256), ==, 20);
  for (gsize n = 7200; n < 2000000; n = n * 3 / 2)
    {
      gsize k = emb_kmeans_default_k (n);

      g_assert_cmpuint (k, >=, 12);
      g_assert_cmpuint (k, <=, 20);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/kmeans/blobs/euclidean", GINT_TO_POINTER (EMB_METRIC_EUCLIDEAN), test_blobs);
  g_test_add_data_func ("/kmeans/blobs/cosine", GINT_TO_POINTER (EMB_METRIC_COSINE), test_blobs);
  g_test_add_func ("/kmeans/blobs/angular-by-euclidean", test_blobs_other_metric);
  g_test_add_func ("/kmeans/determinism", test_determinism);
  g_test_add_func ("/kmeans/extreme", test_extreme);
  g_test_add_func ("/kmeans/random", test_random);
  g_test_add_func ("/kmeans/threaded", test_threaded);
  g_test_add_func ("/kmeans/offset", test_offset);
  g_test_add_func ("/kmeans/duplicates", test_duplicates);
  g_test_add_func ("/kmeans/k1", test_k1);
  g_test_add_func ("/kmeans/k-equals-n", test_k_equals_n);
  g_test_add_func ("/kmeans/errors", test_errors);
  g_test_add_func ("/kmeans/nearest", test_nearest);
  g_test_add_func ("/kmeans/cancel-progress", test_cancel_progress);
  g_test_add_func ("/kmeans/default-k", test_default_k);

  return g_test_run ();
}
