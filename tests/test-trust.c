/* test-trust.c: trustworthiness against paper and a naive version. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-error.h"
#include "map/emb-trust.h"
#include "emb-test-util.h"

/* Four points on a line, two of them swapped in the map: worked out by
 * hand, every row's nearest in the map is its second nearest in the
 * table, so T(1) = 1 - 2 / (4 * 1 * (8 - 3 - 1)) * 4 = 0.5. */
static void
test_by_hand (void)
{
  g_autoptr (EmbMatrix) m = emb_test_matrix_new (4, 1);
  const float x[] = { 0, 1, 3, 7 }, y[] = { 0, 0, 3, 0, 1, 0, 7, 0 };
  g_autoptr (GError) error = NULL;
  double t = 0;

  memcpy (m->data, x, sizeof x);
  g_assert_true (emb_trustworthiness (m, EMB_METRIC_EUCLIDEAN, y, 2, 1, 100, &t, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (t, 0.5, 1e-12);

  /* The table itself as the map: nothing strange comes near. */
  const float same[] = { 0, 0, 1, 0, 3, 0, 7, 0 };
  g_assert_true (emb_trustworthiness (m, EMB_METRIC_EUCLIDEAN, same, 2, 1, 100, &t, NULL, &error));
  g_assert_cmpfloat (t, ==, 1.0);
}

/* The definition read literally: full rankings by sorting. */
static double
naive_trust (const EmbMatrix *m,
             const float     *y,
             guint            k)
{
  gsize n = m->n_rows, d = m->n_cols;
  double penalty = 0;

  for (gsize i = 0; i < n; i++)
    {
      g_autofree double *dt = g_new (double, n), *dy = g_new (double, n);
      g_autofree gsize *rank = g_new0 (gsize, n);

      for (gsize j = 0; j < n; j++)
        {
          dt[j] = dy[j] = 0;
          for (gsize c = 0; c < d; c++)
            dt[j] += pow ((double) m->data[i * d + c] - m->data[j * d + c], 2);
          for (gsize c = 0; c < 2; c++)
            dy[j] += pow ((double) y[i * 2 + c] - y[j * 2 + c], 2);
        }
      for (gsize j = 0; j < n; j++)
        for (gsize l = 0; l < n; l++)
          if (l != i && l != j && dt[l] < dt[j])
            rank[j]++;
      for (gsize j = 0; j < n; j++)
        {
          gsize closer = 0;

          if (j == i)
            continue;
          for (gsize l = 0; l < n; l++)
            closer += l != i && l != j && dy[l] < dy[j];
          if (closer < k && rank[j] + 1 > k)
            penalty += (double) (rank[j] + 1 - k);
        }
    }
  return 1.0 - 2.0 / ((double) n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty;
}

static void
test_naive (void)
{
  g_autoptr (EmbMatrix) m = emb_test_matrix_new (300, 6);
  g_autoptr (GRand) rand = g_rand_new_with_seed (9);
  g_autofree float *y = g_new (float, 600);
  g_autoptr (GError) error = NULL;
  double t = 0, want;

  for (gsize i = 0; i < 300 * 6; i++)
    m->data[i] = (float) emb_test_gaussian (rand);
  /* A map that keeps two of the six coordinates, with noise. */
  for (gsize i = 0; i < 300; i++)
    for (gsize c = 0; c < 2; c++)
      y[i * 2 + c] = m->data[i * 6 + c] + 0.3f * (float) emb_test_gaussian (rand);
  want = naive_trust (m, y, 10);
  g_assert_true (emb_trustworthiness (m, EMB_METRIC_EUCLIDEAN, y, 2, 10, 5000, &t, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("T(10) = %.6f, naive %.6f", t, want);
  g_assert_cmpfloat_with_epsilon (t, want, 1e-9);
  g_assert_cmpfloat (t, <, 0.99);
  g_assert_cmpfloat (t, >, 0.5);
}

static void
test_too_few (void)
{
  g_autoptr (EmbMatrix) m = emb_test_matrix_new (10, 2);
  g_autoptr (GError) error = NULL;
  float y[20] = { 0 };
  double t;

  memset (m->data, 0, 20 * sizeof (float));
  g_assert_false (emb_trustworthiness (m, EMB_METRIC_COSINE, y, 2, 5, 100, &t, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trust/by-hand", test_by_hand);
  g_test_add_func ("/trust/naive", test_naive);
  g_test_add_func ("/trust/too-few", test_too_few);
  return g_test_run ();
}
