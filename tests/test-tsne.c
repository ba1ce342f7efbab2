/* test-tsne.c: t-SNE against independent answers: entropies and a
 * distribution worked out by hand, the interpolated repulsion against
 * the exact sum, separated blobs classified on the map, determinism,
 * cancellation, degenerate rows and the argument checks.  The neighbour
 * graphs come from a naive kNN written here. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "map/emb-tsne-private.h"

#include "emb-test-util.h"

/* A graph of the rows of x (n x d) by brute force: squared distances in
 * double, each row's k nearest kept by insertion, ties to the lower id
 * (candidates come in id order, so an equal one never displaces). */
static EmbKnnGraph *
naive_graph (const float *x,
             gsize        n,
             gsize        d,
             guint        k)
{
  EmbKnnGraph *g = g_new0 (EmbKnnGraph, 1);
  double *best = g_new (double, k);
  guint32 *best_id = g_new (guint32, k);

  g->n = n;
  g->k = k;
  g->metric = EMB_METRIC_EUCLIDEAN;
  g->idx = g_new (guint32, n * k);
  g->dist = g_new (float, n * k);
  g->exact = TRUE;
  g->recall = 1;
  for (gsize i = 0; i < n; i++)
    {
      guint have = 0;

      for (gsize j = 0; j < n; j++)
        {
          double s = 0;
          guint r;

          if (j == i)
            continue;
          for (gsize t = 0; t < d; t++)
            {
              double diff = (double) x[i * d + t] - x[j * d + t];

              s += diff * diff;
            }
          if (have == k && s >= best[k - 1])
            continue;
          r = have < k ? have++ : k - 1;
          while (r > 0 && best[r - 1] > s)
            {
              best[r] = best[r - 1];
              best_id[r] = best_id[r - 1];
              r--;
            }
          best[r] = s;
          best_id[r] = (guint32) j;
        }
      for (guint r = 0; r < k; r++)
        {
          g->idx[i * k + r] = best_id[r];
          g->dist[i * k + r] = (float) sqrt (best[r]);
        }
    }
  g_free (best);
  g_free (best_id);
  return g;
}

static void
graph_free (EmbKnnGraph *g)
{
  g_free (g->idx);
  g_free (g->dist);
  g_free (g);
}

/* n_clusters x per rows in d dimensions: Gaussians of std 1 around
 * centres drawn with std 10 (well apart in 50-d). */
static float *
blobs (guint    n_clusters,
       gsize    per,
       gsize    d,
       guint32  seed,
       guint  **labels)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  float *x = g_new (float, n_clusters * per * d);
  double *centres = g_new (double, n_clusters * d);

  *labels = g_new (guint, n_clusters * per);
  for (gsize c = 0; c < n_clusters * d; c++)
    centres[c] = 10 * emb_test_gaussian (rand);
  for (gsize i = 0; i < n_clusters * per; i++)
    {
      guint c = (guint) (i % n_clusters);

      (*labels)[i] = c;
      for (gsize t = 0; t < d; t++)
        x[i * d + t] = (float) (centres[c * d + t] + emb_test_gaussian (rand));
    }
  g_free (centres);
  return x;
}

/* Leave-one-out accuracy of the 5-NN majority vote on the map. */
static double
knn_accuracy (const float *y,
              gsize        n,
              guint        dims,
              const guint *labels,
              guint        n_labels)
{
  gsize right = 0;

  for (gsize i = 0; i < n; i++)
    {
      double best[5];
      gsize best_id[5];
      guint votes[64] = { 0 }, winner = 0;

      for (int r = 0; r < 5; r++)
        best[r] = INFINITY, best_id[r] = 0;
      for (gsize j = 0; j < n; j++)
        {
          double s = 0;

          if (j == i)
            continue;
          for (guint t = 0; t < dims; t++)
            s += ((double) y[i * dims + t] - y[j * dims + t])
                 * ((double) y[i * dims + t] - y[j * dims + t]);
          if (s < best[4])
            {
              int r = 4;

              while (r > 0 && best[r - 1] > s)
                {
                  best[r] = best[r - 1];
                  best_id[r] = best_id[r - 1];
                  r--;
                }
              best[r] = s;
              best_id[r] = j;
            }
        }
      for (int r = 0; r < 5; r++)
        votes[labels[best_id[r]]]++;
      for (guint c = 1; c < n_labels; c++)
        if (votes[c] > votes[winner])
          winner = c;
      right += winner == labels[i];
    }
  return (double) right / (double) n;
}

static void
assert_finite (const float *y,
               gsize        count)
{
  for (gsize c = 0; c < count; c++)
    g_assert_true (isfinite (y[c]));
}

static double
entropy (const double *p,
         guint         k)
{
  double h = 0;

  for (guint j = 0; j < k; j++)
    if (p[j] > 0)
      h -= p[j] * log (p[j]);
  return h;
}

static void
test_calibration (void)
{
  const float rows[][8] = {
    { 1, 2, 3, 4, 5, 6, 7, 8 },
    { 0.1f, 0.15f, 0.2f, 5, 5, 9, 20, 30 },
    { 100, 101, 102, 103, 150, 200, 250, 300 },
    { 0, 0.001f, 0.002f, 0.5f, 1, 1, 1, 1 },
  };
  const double perplexities[] = { 2, 3.5, 5, 7.9 };
  double p[8], p2[2], beta;
  const float two[2] = { 3, 3 }, duplicates[4] = { 0, 0, 0, 0 };

  for (gsize r = 0; r < G_N_ELEMENTS (rows); r++)
    for (gsize q = 0; q < G_N_ELEMENTS (perplexities); q++)
      for (int square = 0; square < 2; square++)
        {
          double sum = 0;

          _emb_tsne_calibrate_row (rows[r], 8, square, perplexities[q], p);
          for (guint j = 0; j < 8; j++)
            sum += p[j];
          g_assert_cmpfloat_with_epsilon (sum, 1, 1e-12);
          g_assert_cmpfloat_with_epsilon (entropy (p, 8), log (perplexities[q]), 1e-4);
        }

  /* Two neighbours at one distance: 1/2 each whatever beta. */
  _emb_tsne_calibrate_row (two, 2, TRUE, 1.5, p2);
  g_assert_cmpfloat_with_epsilon (p2[0], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (p2[1], 0.5, 1e-12);

  /* Distances 0 and 1, perplexity 1.5: H (p) = log 1.5 for p = 0.8597
   * (solving -p ln p - (1-p) ln (1-p) = 0.405465 by hand), and then
   * beta = ln (p / (1 - p)) = 1.8128. */
  {
    const float d01[2] = { 0, 1 };

    beta = _emb_tsne_calibrate_row (d01, 2, FALSE, 1.5, p2);
    g_assert_cmpfloat_with_epsilon (p2[0], 0.8597, 2e-4);
    g_assert_cmpfloat_with_epsilon (beta, 1.8128, 2e-3);
  }

  /* All at distance 0 (duplicates): uniform, finite. */
  _emb_tsne_calibrate_row (duplicates, 4, TRUE, 2, p);
  for (guint j = 0; j < 4; j++)
    g_assert_cmpfloat_with_epsilon (p[j], 0.25, 1e-12);
}

static void
test_affinities (void)
{
  g_autofree guint *labels = NULL;
  g_autofree float *x = blobs (3, 40, 5, 7, &labels);
  EmbKnnGraph *g = naive_graph (x, 120, 5, 20);
  g_autoptr (GError) error = NULL;
  EmbTsneAffinities *p = _emb_tsne_affinities_new (g, 5, 2, &error);
  double total = 0;

  g_assert_no_error (error);
  for (gsize i = 0; i < p->n; i++)
    for (gsize e = p->row_ptr[i]; e < p->row_ptr[i + 1]; e++)
      {
        guint32 j = p->col[e];
        gboolean found = FALSE;

        g_assert_cmpuint (j, !=, i);
        if (e > p->row_ptr[i])
          g_assert_cmpuint (p->col[e - 1], <, j);
        total += p->val[e];
        for (gsize f = p->row_ptr[j]; f < p->row_ptr[j + 1]; f++)
          if (p->col[f] == i)
            {
              g_assert_cmpfloat (p->val[f], ==, p->val[e]);
              found = TRUE;
            }
        g_assert_true (found);
      }
  g_assert_cmpfloat_with_epsilon (total, 1, 1e-5);
  _emb_tsne_affinities_free (p);
  graph_free (g);
}

/* Two Gaussians of std sd, 6 sd apart, n points in dims. */
static double *
spread_layout (gsize  n,
               guint  dims,
               double sd,
               guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  double *y = g_new (double, n * dims);

  for (gsize i = 0; i < n; i++)
    for (guint d = 0; d < dims; d++)
      y[i * dims + d] = sd * (emb_test_gaussian (rand) + (d == 0 && i % 2 ? 6 : 0));
  return y;
}

static void
compare_fft (guint  dims,
             gsize  n,
             double sd,
             double max_z_error,
             double max_force_error)
{
  g_autofree double *y = spread_layout (n, dims, sd, 11);
  g_autofree double *exact = g_new (double, n * dims);
  g_autofree double *approx = g_new (double, n * dims);
  g_autoptr (GError) error = NULL;
  EmbTsneFft *fft = _emb_tsne_fft_new (n, dims, &error);
  double z_exact, z_approx, diff = 0, norm = 0;

  g_assert_no_error (error);
  z_exact = _emb_tsne_repulsion_exact (y, n, dims, exact, 2);
  g_assert_true (_emb_tsne_repulsion_fft (fft, y, approx, &z_approx, 2, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    for (guint d = 0; d < dims; d++)
      {
        double e = exact[i * dims + d] / z_exact, a = approx[i * dims + d] / z_approx;

        diff += (e - a) * (e - a);
        norm += e * e;
      }
  g_test_message ("%u-D, n %" G_GSIZE_FORMAT ", %u boxes: Z relative error %.3g, "
                  "force relative error %.3g", dims, n, _emb_tsne_fft_boxes (fft),
                  fabs (z_approx - z_exact) / z_exact, sqrt (diff / norm));
  g_assert_cmpfloat (fabs (z_approx - z_exact) / z_exact, <, max_z_error);
  g_assert_cmpfloat (sqrt (diff / norm), <, max_force_error);
  _emb_tsne_fft_free (fft);
}

static void
test_fft_2d (void)
{
  /* The extent (about 65) of a 2-D map of a few thousand rows. */
  /* A box per unit, as FIt-SNE: about 2% in the forces. */
  compare_fft (2, 2500, 5, 1e-3, 3e-2);
}

static void
test_fft_3d (void)
{
  /* 3-D maps are more compact (extent about 20 here); the grid is
   * coarser, one box a unit up to 20. */
  compare_fft (3, 2000, 1.5, 1e-3, 1e-2);
}

/* The first dims coordinates of x as an init (as PCA would give, up to
 * rotation: here just columns of the blobs). */
static float *
columns_init (const float *x,
              gsize        n,
              gsize        d,
              guint        dims)
{
  float *init = g_new (float, n * dims);

  for (gsize i = 0; i < n; i++)
    for (guint t = 0; t < dims; t++)
      init[i * dims + t] = x[i * d + t];
  return init;
}

#define BLOB_CLUSTERS 10
#define BLOB_PER      300
#define BLOB_DIMS     50
#define BLOB_ROWS     (BLOB_CLUSTERS * BLOB_PER)

/* The blobs, their labels and their graph (k = 90), made once. */
static const float *
blob_data (const guint       **labels,
           const EmbKnnGraph **graph)
{
  static float *x;
  static guint *l;
  static EmbKnnGraph *g;

  if (!x)
    {
      x = blobs (BLOB_CLUSTERS, BLOB_PER, BLOB_DIMS, 3, &l);
      g = naive_graph (x, BLOB_ROWS, BLOB_DIMS, 90);
    }
  if (labels)
    *labels = l;
  if (graph)
    *graph = g;
  return x;
}

/* t-SNE of blobs (x, n rows, labels, graph) to dims: the 5-NN classifier
 * of the map finds the blobs.  n_iterations 0: the default. */
static void
run_blobs (const float       *x,
           gsize              n,
           const guint       *labels,
           const EmbKnnGraph *g,
           guint              dims,
           guint              n_iterations,
           gboolean           with_init)
{
  g_autofree float *init = with_init ? columns_init (x, n, BLOB_DIMS, dims) : NULL;
  g_autofree float *y = NULL;
  g_autoptr (GError) error = NULL;
  EmbTsneOptions o;
  double accuracy;
  gint64 t0;

  emb_tsne_options_init (&o);
  o.dims = dims;
  o.seed = 5;
  if (n_iterations)
    o.n_iterations = n_iterations;
  t0 = g_get_monotonic_time ();
  y = emb_tsne_run (g, init, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_finite (y, n * dims);
  accuracy = knn_accuracy (y, n, dims, labels, BLOB_CLUSTERS);
  g_test_message ("%u-D blobs, n %" G_GSIZE_FORMAT ", %u iterations (%s): %.3f s, "
                  "5-NN accuracy %.4f", dims, n, o.n_iterations,
                  n > _emb_tsne_get_exact_max_rows () ? "FFT" : "exact",
                  (g_get_monotonic_time () - t0) / 1e6, accuracy);
  g_assert_cmpfloat (accuracy, >=, 0.95);
}

/* 3000 rows: the FFT repulsion.  The default 750 iterations only with
 * -m slow; 350 (250 exaggerated) separate the blobs as well. */
static void
test_blobs_2d (void)
{
  const guint *labels;
  const EmbKnnGraph *g;
  const float *x = blob_data (&labels, &g);

  run_blobs (x, BLOB_ROWS, labels, g, 2, g_test_slow () ? 0 : 350, TRUE);
}

static void
test_blobs_2d_random (void)
{
  const guint *labels;
  const EmbKnnGraph *g;
  const float *x = blob_data (&labels, &g);

  run_blobs (x, BLOB_ROWS, labels, g, 2, 300, FALSE);
}

/* 3-D on 600 rows (the exact repulsion; the 3-D grid is compared with
 * it in /tsne/fft-3d), all of them with -m slow (the grid). */
static void
test_blobs_3d (void)
{
  const guint *labels;
  const EmbKnnGraph *g;
  const float *x = blob_data (&labels, &g);

  if (g_test_slow ())
    {
      run_blobs (x, BLOB_ROWS, labels, g, 3, 500, TRUE);
      return;
    }
  {
    gsize n = 600;
    EmbKnnGraph *small = naive_graph (x, n, BLOB_DIMS, 90);

    run_blobs (x, n, labels, small, 3, 400, TRUE);
    graph_free (small);
  }
}

/* Two runs, byte for byte; then one with another thread count. */
static void
check_deterministic (gboolean with_init)
{
  const EmbKnnGraph *g;
  const float *x = blob_data (NULL, &g);
  g_autofree float *init = with_init ? columns_init (x, BLOB_ROWS, BLOB_DIMS, 2) : NULL;
  float *y[3];
  EmbTsneOptions o;

  emb_tsne_options_init (&o);
  o.n_iterations = 30;
  o.exaggeration_iterations = 15;
  o.seed = 77;
  o.n_threads = 2;
  for (int r = 0; r < 3; r++)
    {
      g_autoptr (GError) error = NULL;

      o.n_threads = r < 2 ? 2 : 1;
      y[r] = emb_tsne_run (g, init, &o, NULL, NULL, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpint (memcmp (y[0], y[1], BLOB_ROWS * 2 * sizeof (float)), ==, 0);
  g_assert_cmpint (memcmp (y[0], y[2], BLOB_ROWS * 2 * sizeof (float)), ==, 0);
  for (int r = 0; r < 3; r++)
    g_free (y[r]);
}

static void
test_deterministic (void)
{
  check_deterministic (TRUE);
  check_deterministic (FALSE);
}

typedef struct
{
  GCancellable *cancellable;
  guint         frames;
  guint         last;
  double        progress;
} FrameState;

static void
cancel_at_5 (const float *layout,
             gsize        n,
             guint        dims,
             guint        iteration,
             guint        n_iterations,
             gpointer     user_data)
{
  FrameState *state = user_data;

  g_assert_cmpuint (dims, ==, 2);
  g_assert_cmpuint (iteration, ==, state->last + 1);
  state->last = iteration;
  state->frames++;
  for (gsize c = 0; c < n * dims; c++)
    g_assert_true (isfinite (layout[c]));
  if (iteration == 5)
    g_cancellable_cancel (state->cancellable);
}

static void
store_progress (double   fraction,
                gpointer user_data)
{
  ((FrameState *) user_data)->progress = fraction;
}

static void
test_cancel (void)
{
  const EmbKnnGraph *g;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  FrameState state = { cancellable, 0, 0, 0 };
  EmbTsneOptions o;
  float *y;

  blob_data (NULL, &g);
  emb_tsne_options_init (&o);
  o.frame_every = 1;
  y = emb_tsne_run (g, NULL, &o, cancel_at_5, &state, store_progress, &state,
                    cancellable, &error);
  g_assert_null (y);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (state.frames, ==, 5);
  g_assert_cmpfloat_with_epsilon (state.progress, 5.0 / 750, 1e-12);
}

/* n rows of d values, made by fill, through the whole run. */
static void
run_degenerate (gsize  n,
                gsize  d,
                float  (*fill) (gsize i, gsize t),
                guint  dims,
                guint  n_iterations)
{
  g_autofree float *x = g_new (float, n * d);
  g_autofree float *init = NULL;
  g_autoptr (GError) error = NULL;
  EmbKnnGraph *g;
  EmbTsneOptions o;

  for (gsize i = 0; i < n; i++)
    for (gsize t = 0; t < d; t++)
      x[i * d + t] = fill (i, t);
  g = naive_graph (x, n, d, 30);
  emb_tsne_options_init (&o);
  o.dims = dims;
  o.perplexity = 10;
  o.n_iterations = n_iterations;
  o.exaggeration_iterations = n_iterations / 3;
  for (int with_init = 0; with_init < 2; with_init++)
    {
      g_autofree float *y = NULL;

      /* The rows' own first columns: constant, or duplicated. */
      init = with_init ? columns_init (x, n, d, dims) : NULL;
      y = emb_tsne_run (g, init, &o, NULL, NULL, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      assert_finite (y, n * dims);
      g_clear_pointer (&init, g_free);
    }
  graph_free (g);
}

static float
fill_identical (gsize i, gsize t)
{
  return (float) t * 0.5f;
}

static float
fill_half_duplicates (gsize i, gsize t)
{
  /* Rows 2m and 2m + 1 equal; column 0 constant. */
  return t == 0 ? 3.0f : (float) sin ((double) (i / 2) * 1.7 + (double) t);
}

static void
test_degenerate (void)
{
  run_degenerate (200, 4, fill_identical, 2, 300);
  run_degenerate (200, 4, fill_half_duplicates, 2, 300);
  run_degenerate (200, 4, fill_half_duplicates, 3, 300);
  /* Above the exact limit: the grid, from a layout of one point (the
   * grid of the widening layouts costs, hence fewer iterations). */
  _emb_tsne_set_exact_max_rows (100);
  run_degenerate (200, 4, fill_identical, 2, 15);
  run_degenerate (200, 4, fill_half_duplicates, 3, 15);
  _emb_tsne_set_exact_max_rows (EMB_TSNE_EXACT_MAX_ROWS);
}

static void
expect_invalid (const EmbKnnGraph    *g,
                const EmbTsneOptions *o,
                const char           *part)
{
  g_autoptr (GError) error = NULL;
  float *y = emb_tsne_run (g, NULL, o, NULL, NULL, NULL, NULL, NULL, &error);

  g_assert_null (y);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_test_message ("%s", error->message);
  emb_test_assert_contains (error->message, part);
}

static void
test_invalid (void)
{
  g_autofree float *x = g_new (float, 50 * 3);
  EmbKnnGraph *g;
  EmbTsneOptions o;

  for (gsize c = 0; c < 50 * 3; c++)
    x[c] = (float) sin ((double) c);
  g = naive_graph (x, 50, 3, 40);
  emb_tsne_options_init (&o);
  /* Perplexity 30 needs more than 90 rows; 50 allow up to 16.33. */
  expect_invalid (g, &o, "needs more than 90 rows");
  expect_invalid (g, &o, "at most 16.33");
  o.perplexity = 16;
  o.dims = 4;
  expect_invalid (g, &o, "2 or 3 dimensions, not 4");
  o.dims = 2;
  g->k = 10;
  expect_invalid (g, &o, "at least 16 neighbours");
  g->k = 40;
  o.perplexity = 0.5;
  expect_invalid (g, &o, "at least 1");
  o.perplexity = 16;
  {
    g_autoptr (GError) error = NULL;
    g_autofree float *y = emb_tsne_run (g, NULL, &o, NULL, NULL, NULL, NULL, NULL, &error);

    g_assert_no_error (error);
    assert_finite (y, 50 * 2);
  }
  graph_free (g);
}

static void
compare_bh (guint dims)
{
  gsize n = 2000;
  g_autofree double *y = spread_layout (n, dims, 5, 13);
  g_autofree double *exact = g_new (double, n * dims);
  g_autofree double *approx = g_new (double, n * dims);
  g_autoptr (GError) error = NULL;
  double z_exact, z_approx, diff = 0, norm = 0;

  /* Duplicates too: every tenth point on its predecessor. */
  for (gsize i = 10; i < n; i += 10)
    memcpy (y + i * dims, y + (i - 1) * dims, dims * sizeof (double));
  z_exact = _emb_tsne_repulsion_exact (y, n, dims, exact, 2);
  g_assert_true (_emb_tsne_repulsion_bh (y, n, dims, approx, &z_approx, 2, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n * dims; i++)
    {
      double e = exact[i] / z_exact, a = approx[i] / z_approx;

      diff += (e - a) * (e - a);
      norm += e * e;
    }
  g_test_message ("Barnes-Hut %u-D, n %" G_GSIZE_FORMAT ", extent about 60: Z relative "
                  "error %.3g, force relative error %.3g", dims, n,
                  fabs (z_approx - z_exact) / z_exact, sqrt (diff / norm));
  /* theta 0.5: about 1% in Z, 2% in the forces. */
  g_assert_cmpfloat (fabs (z_approx - z_exact) / z_exact, <, 2e-2);
  g_assert_cmpfloat (sqrt (diff / norm), <, 4e-2);
}

static void
test_bh (void)
{
  compare_bh (2);
  compare_bh (3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tsne/calibration", test_calibration);
  g_test_add_func ("/tsne/affinities", test_affinities);
  g_test_add_func ("/tsne/fft-2d", test_fft_2d);
  g_test_add_func ("/tsne/fft-3d", test_fft_3d);
  g_test_add_func ("/tsne/barnes-hut", test_bh);
  g_test_add_func ("/tsne/deterministic", test_deterministic);
  g_test_add_func ("/tsne/cancel", test_cancel);
  g_test_add_func ("/tsne/degenerate", test_degenerate);
  g_test_add_func ("/tsne/invalid", test_invalid);
  g_test_add_func ("/tsne/blobs-2d", test_blobs_2d);
  g_test_add_func ("/tsne/blobs-2d-random", test_blobs_2d_random);
  g_test_add_func ("/tsne/blobs-3d", test_blobs_3d);
  return g_test_run ();
}
