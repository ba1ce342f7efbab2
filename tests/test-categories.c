/* test-categories.c: colourings against values worked out by hand.
 *
 * The ramp's percentiles and bins, a metadata column numbered by
 * frequency, token features, the palettes' fixed colours, and clusters of
 * two obvious groups named by their central tokens (also through the
 * _async/_finish pair).
 */
#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "base/emb-error.h"
#include "analysis/emb-categories.h"
#include "emb-test-util.h"

/* Values 0 .. 100 in 64 bins: lo = sorted[floor (0.01 * 100)] = 1 and
 * hi = sorted[floor (0.99 * 100)] = 99; v lands in round ((v - 1) / 98 * 63). */
static void
test_ramp (void)
{
  g_autoptr(GError) error = NULL;
  float values[101];
  g_autoptr(EmbRamp) ramp = NULL;

  /* Given in reverse, so the percentiles have to come from sorting. */
  for (int i = 0; i <= 100; i++)
    values[i] = 100 - i;
  ramp = emb_ramp_new (values, 101, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ramp->lo, ==, 1.0);
  g_assert_cmpfloat (ramp->hi, ==, 99.0);
  g_assert_cmpuint (ramp->category[100 - 0], ==, 0);    /* below lo: clamped */
  g_assert_cmpuint (ramp->category[100 - 1], ==, 0);
  g_assert_cmpuint (ramp->category[100 - 25], ==, 15);  /* 24/98*63 = 15.43 */
  g_assert_cmpuint (ramp->category[100 - 50], ==, 32);  /* 31.5 rounds up */
  g_assert_cmpuint (ramp->category[100 - 99], ==, 63);
  g_assert_cmpuint (ramp->category[100 - 100], ==, 63); /* above hi: clamped */

  /* All equal: a range of 1e-6 above the value, every row in bin 0. */
  {
    float same[3] = { 2, 2, 2 };
    g_autoptr(EmbRamp) flat = emb_ramp_new (same, 3, 8, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat_with_epsilon (flat->hi - flat->lo, 1e-6, 1e-9);
    for (int i = 0; i < 3; i++)
      g_assert_cmpuint (flat->category[i], ==, 0);
  }

  g_assert_null (emb_ramp_new (values, 0, 64, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (emb_ramp_new (values, 3, 1, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
}

static void
test_palettes (void)
{
  g_autofree guint32 *ramp = emb_ramp_palette (3);

  /* viridis' ends and middle stop. */
  g_assert_cmphex (emb_sequential_color (0.0), ==, 0x440154);
  g_assert_cmphex (emb_sequential_color (0.5), ==, 0x21918c);
  g_assert_cmphex (emb_sequential_color (1.0), ==, 0xfde725);
  g_assert_cmphex (emb_sequential_color (NAN), ==, 0x440154);
  g_assert_cmphex (ramp[0], ==, 0x440154);
  g_assert_cmphex (ramp[1], ==, 0x21918c);
  g_assert_cmphex (ramp[2], ==, 0xfde725);
  /* Okabe–Ito first, then distinct generated hues. */
  g_assert_cmphex (emb_palette_color (0), ==, 0x0072b2);
  g_assert_cmphex (emb_palette_color (7), ==, 0x5f6b7a);
  g_assert_cmphex (emb_palette_color (8), !=, emb_palette_color (9));
}

static EmbVocab *
vocab_of (const char * const *tokens)
{
  EmbVocab *vocab = emb_vocab_new ();

  for (guint i = 0; tokens[i] != NULL; i++)
    emb_vocab_add (vocab, tokens[i], -1);
  return vocab;
}

/* "b" three times, "a" twice, "c" once: b = 0, a = 1, c = 2. */
static void
test_column (void)
{
  static const char * const tokens[] = { "t0", "t1", "t2", "t3", "t4", "t5", NULL };
  static const char * const pos[] = { "a", "b", "b", "c", "a", "b" };
  g_autoptr(EmbVocab) vocab = vocab_of (tokens);
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  g_autofree guint16 *cats = NULL;
  g_auto(GStrv) names = NULL;
  guint n_values = 0;
  const guint16 expect[] = { 1, 0, 0, 2, 1, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (pos); i++)
    g_ptr_array_add (values, g_strdup (pos[i]));
  emb_vocab_add_column (vocab, "pos", values);
  cats = emb_column_categories (vocab, 0, &n_values, &names);
  g_assert_cmpuint (n_values, ==, 3);
  g_assert_cmpstr (names[0], ==, "b");
  g_assert_cmpstr (names[1], ==, "a");
  g_assert_cmpstr (names[2], ==, "c");
  g_assert_null (names[3]);
  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    g_assert_cmpuint (cats[i], ==, expect[i]);
}

static void
test_token_features (void)
{
  static const char * const tokens[] = { " the", "42", "a1", "Привет", "東京", "!!", NULL };
  g_autoptr(EmbVocab) vocab = vocab_of (tokens);
  g_autofree guint16 *space = NULL, *digits = NULL, *script = NULL;
  g_auto(GStrv) names = NULL;
  guint n = 0;

  space = emb_token_categories (vocab, EMB_TOKEN_FEATURE_LEADING_SPACE, &n, &names);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (names[0], ==, "leading space");
  g_assert_cmpuint (space[0], ==, 0);
  g_assert_cmpuint (space[1], ==, 1);

  digits = emb_token_categories (vocab, EMB_TOKEN_FEATURE_DIGITS, NULL, NULL);
  g_assert_cmpuint (digits[1], ==, 0);  /* digits only */
  g_assert_cmpuint (digits[2], ==, 1);  /* some */
  g_assert_cmpuint (digits[0], ==, 2);  /* none */

  script = emb_token_categories (vocab, EMB_TOKEN_FEATURE_SCRIPT, NULL, NULL);
  g_assert_cmpuint (script[0], ==, 0);  /* Latin */
  g_assert_cmpuint (script[3], ==, 2);  /* Cyrillic */
  g_assert_cmpuint (script[4], ==, 1);  /* CJK */
  g_assert_cmpuint (script[5], ==, 4);  /* no letters */

  /* A plain vocabulary has no special tokens to hide. */
  g_assert_null (emb_visible_without_special (vocab));
}

/* Two groups on the x axis (around 0 and around 10) in 2-D. */
static const float points[] = {
  0.0f, 0.0f,   0.5f, 0.0f,   -0.5f, 0.0f,
  10.0f, 0.0f,  10.4f, 0.0f,  9.0f, 0.0f,
};
static const char * const point_tokens[] = { "a0", "a1", "a2", "b0", "b1", "b2", NULL };

static EmbMatrix *
points_matrix (void)
{
  EmbMatrix *m = emb_matrix_new (6, 2, NULL);

  memcpy (m->data, points, sizeof points);
  return m;
}

static void
check_clusters (const EmbClusters *cl)
{
  const EmbKmeans *km = cl->kmeans;
  guint32 a = km->assignment[0], b = km->assignment[3];
  g_autofree guint16 *cats = emb_clusters_categories (cl);
  const float xs[] = { 0, 1, 2, 3, 4, 5 }, ys[] = { 6, 6, 6, 0, 0, 3 };
  float xy[4];

  g_assert_cmpuint (km->k, ==, 2);
  g_assert_cmpuint (a, !=, b);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpuint (km->assignment[i], ==, a);
      g_assert_cmpuint (km->assignment[3 + i], ==, b);
      g_assert_cmpuint (cats[i], ==, a);
      g_assert_cmpuint (cats[3 + i], ==, b);
    }
  /* Centroids 0 and 9.8: a0 is nearest the first, b0 the second (0.2 off),
   * then b1 (0.6), then b2 (0.8). */
  g_assert_cmpstr (cl->labels[a], ==, "a0 · a1");
  g_assert_cmpstr (cl->labels[b], ==, "b0 · b1");
  g_assert_null (cl->labels[2]);

  /* Positions: the mean of each group's plot coordinates. */
  emb_cluster_positions (km, xs, ys, xy);
  g_assert_cmpfloat_with_epsilon (xy[2 * a], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (xy[2 * a + 1], 6.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (xy[2 * b], 4.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (xy[2 * b + 1], 1.0, 1e-6);
}

static void
test_clusters (void)
{
  g_autoptr(EmbMatrix) m = points_matrix ();
  g_autoptr(EmbVocab) vocab = vocab_of (point_tokens);
  g_autoptr(GError) error = NULL;
  EmbKmeansOptions opts = { .k = 2, .metric = EMB_METRIC_EUCLIDEAN, .seed = 1 };
  g_autoptr(EmbClusters) cl = emb_clusters_compute (m, vocab, &opts, 2, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  check_clusters (cl);

  opts.k = 7;
  g_assert_null (emb_clusters_compute (m, vocab, &opts, 2, NULL, NULL, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
}

static void
count_progress (double fraction, gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

static void
test_async (void)
{
  g_autoptr(EmbMatrix) m = points_matrix ();
  g_autoptr(EmbVocab) vocab = vocab_of (point_tokens);
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  EmbKmeansOptions opts = { .k = 2, .metric = EMB_METRIC_EUCLIDEAN, .seed = 1 };
  GAsyncResult *result = NULL;
  gint reports = 0;

  emb_clusters_compute_async (m, vocab, &opts, 2, NULL, count_progress, &reports, emb_test_store_result, &result);
  {
    g_autoptr(EmbClusters) cl = emb_clusters_compute_finish (emb_test_wait_result (&result), &error);
    g_assert_no_error (error);
    check_clusters (cl);
    g_assert_cmpint (g_atomic_int_get (&reports), >, 0);
  }
  g_clear_object (&result);

  g_cancellable_cancel (cancelled);
  emb_clusters_compute_async (m, vocab, &opts, 2, cancelled, NULL, NULL, emb_test_store_result, &result);
  g_assert_null (emb_clusters_compute_finish (emb_test_wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);

  {
    const float values[] = { 3, 1, 2 };
    emb_ramp_new_async (values, 3, 3, NULL, emb_test_store_result, &result);
    g_autoptr(EmbRamp) ramp = emb_ramp_new_finish (emb_test_wait_result (&result), &error);
    g_assert_no_error (error);
    /* lo = sorted[0] = 1, hi = sorted[floor (1.98)] = 2. */
    g_assert_cmpfloat (ramp->lo, ==, 1.0);
    g_assert_cmpfloat (ramp->hi, ==, 2.0);
    g_assert_cmpuint (ramp->category[0], ==, 2);
    g_assert_cmpuint (ramp->category[1], ==, 0);
    g_assert_cmpuint (ramp->category[2], ==, 2);
  }
  g_clear_object (&result);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/categories/ramp", test_ramp);
  g_test_add_func ("/categories/palettes", test_palettes);
  g_test_add_func ("/categories/column", test_column);
  g_test_add_func ("/categories/token-features", test_token_features);
  g_test_add_func ("/categories/clusters", test_clusters);
  g_test_add_func ("/categories/async", test_async);
  return g_test_run ();
}
