/* test-umap.c: UMAP against answers worked out independently: the curve
 * fit against umap-learn's published a and b, the memberships against
 * their defining sum, the spectral start against the known eigenvectors
 * of a cycle, and the maps of well-separated blobs against a
 * leave-one-out nearest-neighbour classifier computed here; then the
 * fallback, determinism, cancellation, degenerate rows and errors.  The
 * neighbour graphs come from a naive O(n^2) search written here.
 */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "base/emb-error.h"
#include "map/emb-umap.h"
#include "map/emb-umap-private.h"
#include "emb-test-util.h"

/* auxiliary functions */

/* n_blobs blobs of per rows in d dimensions: centres uniform in
 * [-sep, sep]^d, unit normal spread; labels[i] the blob of row i. */
static float *
make_blobs (guint   n_blobs,
            gsize   per,
            gsize   d,
            double  sep,
            guint32 seed,
            guint  *labels)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree double *centres = g_new (double, n_blobs * d);
  float *x = g_new (float, n_blobs * per * d);

  for (gsize c = 0; c < n_blobs * d; c++)
    centres[c] = g_rand_double_range (rand, -sep, sep);
  for (gsize i = 0; i < n_blobs * per; i++)
    {
      guint blob = (guint) (i % n_blobs);

      labels[i] = blob;
      for (gsize j = 0; j < d; j++)
        x[i * d + j] = (float) (centres[blob * d + j] + emb_test_gaussian (rand));
    }
  return x;
}

/* The exact Euclidean k nearest neighbours of every row, by comparing
 * every pair; ties to the lower id. */
static EmbKnnGraph *
naive_knn (const float *x,
           gsize        n,
           gsize        d,
           guint        k)
{
  EmbKnnGraph *g = g_new0 (EmbKnnGraph, 1);
  g_autofree double *dist = g_new (double, n);

  g->n = n;
  g->k = k;
  g->metric = EMB_METRIC_EUCLIDEAN;
  g->idx = g_new (guint32, n * k);
  g->dist = g_new (float, n * k);
  g->exact = TRUE;
  g->recall = 1.0;
  for (gsize i = 0; i < n; i++)
    {
      for (gsize j = 0; j < n; j++)
        {
          double s = 0.0;

          for (gsize c = 0; c < d; c++)
            s += ((double) x[i * d + c] - x[j * d + c]) * ((double) x[i * d + c] - x[j * d + c]);
          dist[j] = sqrt (s);
        }
      /* selection: k times the nearest not yet taken */
      for (guint t = 0; t < k; t++)
        {
          gsize best = G_MAXSIZE;

          for (gsize j = 0; j < n; j++)
            if (j != i && dist[j] >= 0.0 && (best == G_MAXSIZE || dist[j] < dist[best]))
              best = j;
          g->idx[i * k + t] = (guint32) best;
          g->dist[i * k + t] = (float) dist[best];
          dist[best] = -1.0;
        }
    }
  return g;
}

static void
graph_free (EmbKnnGraph *g)
{
  g_free (g->idx);
  g_free (g->dist);
  g_free (g);
}

/* The leave-one-out accuracy of the k-nearest-neighbour vote on y. */
static double
knn_accuracy (const float *y,
              gsize        n,
              guint        dims,
              const guint *labels,
              guint        n_labels,
              guint        k)
{
  EmbKnnGraph *g = naive_knn (y, n, dims, k);
  gsize right = 0;

  for (gsize i = 0; i < n; i++)
    {
      g_autofree guint *votes = g_new0 (guint, n_labels);
      guint best = 0;

      for (guint t = 0; t < k; t++)
        votes[labels[g->idx[i * k + t]]]++;
      for (guint l = 1; l < n_labels; l++)
        if (votes[l] > votes[best])
          best = l;
      right += best == labels[i];
    }
  graph_free (g);
  return (double) right / n;
}

static void
assert_finite (const float *y,
               gsize        cells)
{
  for (gsize c = 0; c < cells; c++)
    g_assert_true (isfinite (y[c]));
}

static float *
run_ok (const EmbKnnGraph    *g,
        const float          *fallback,
        const EmbUmapOptions *o)
{
  g_autoptr(GError) error = NULL;
  float *y = emb_umap_run (g, fallback, o, NULL, NULL, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (y);
  assert_finite (y, g->n * o->dims);
  return y;
}

static double
fit_cost (double a,
          double b)
{
  double cost = 0.0;

  for (int i = 0; i < 300; i++)
    {
      double x = 3.0 * i / 299.0, y = x < 0.1 ? 1.0 : exp (-(x - 0.1));
      double f = 1.0 / (1.0 + a * pow (x, 2.0 * b));

      cost += (f - y) * (f - y);
    }
  return cost;
}

/* tests */

static void
test_fit_ab (void)
{
  double a, b, cost;

  umap_fit_ab (1.0, 0.1, &a, &b);
  g_assert_cmpfloat_with_epsilon (a, 1.577, 1e-2);
  g_assert_cmpfloat_with_epsilon (b, 0.895, 1e-2);
  /* a least-squares minimum: no nearby point does better */
  cost = fit_cost (a, b);
  for (int da = -1; da <= 1; da++)
    for (int db = -1; db <= 1; db++)
      g_assert_cmpfloat (fit_cost (a + 1e-4 * da, b + 1e-4 * db), >=, cost - 1e-12);
  /* and the curve has the target's shape on the grid */
  for (int i = 0; i < 300; i++)
    {
      double x = 3.0 * i / 299.0, y = x < 0.1 ? 1.0 : exp (-(x - 0.1));

      g_assert_cmpfloat (fabs (1.0 / (1.0 + a * pow (x, 2.0 * b)) - y), <, 0.06);
    }
}

static void
check_smooth_row (const float *dist,
                  guint        count)
{
  double rho, sigma, sum = 0.0, first = 0.0;

  for (guint t = 0; t < count && first == 0.0; t++)
    first = dist[t];
  umap_smooth_row (dist, count, count + 1, 1.0, &rho, &sigma);
  g_assert_cmpfloat (rho, ==, first);
  g_assert_cmpfloat (sigma, >, 0.0);
  for (guint t = 0; t < count; t++)
    sum += dist[t] > rho ? exp (-(dist[t] - rho) / sigma) : 1.0;
  g_assert_cmpfloat_with_epsilon (sum, log2 (count + 1.0), 1e-4);
  for (guint t = 0; t < count; t++)
    g_assert_cmpfloat_with_epsilon (umap_membership (dist[t], rho, sigma),
                                    dist[t] > rho ? exp (-(dist[t] - rho) / sigma) : 1.0, 1e-12);
}

static void
test_fuzzy_set (void)
{
  static const float row1[] = { 0.5f, 0.7f, 1.0f, 1.2f, 2.0f, 2.5f, 3.0f };
  static const float row2[] = { 0.0f, 0.3f, 0.9f, 1.0f, 1.5f, 4.0f, 4.5f, 5.0f };
  /* three memberships of 1 already exceed log2 (6): sigma hits its floor */
  static const float row3[] = { 0.0f, 0.0f, 0.3f, 0.9f, 1.0f };
  guint labels[400];
  g_autofree float *x = make_blobs (4, 100, 8, 4.0, 7, labels);
  EmbKnnGraph *g = naive_knn (x, 400, 8, 14);
  g_autoptr(GError) error = NULL;
  UmapGraph *fz;
  g_autofree double *rho = g_new (double, 400), *sigma = g_new (double, 400);
  double mean = 0.0, rho3, sigma3;

  check_smooth_row (row1, G_N_ELEMENTS (row1));
  check_smooth_row (row2, G_N_ELEMENTS (row2));
  umap_smooth_row (row3, 5, 6, 1.0, &rho3, &sigma3);
  g_assert_cmpfloat (rho3, ==, 0.3f);
  g_assert_cmpfloat (sigma3, >, 0.0);
  g_assert_true (isfinite (umap_membership (0.9, rho3, sigma3)));
  g_assert_cmpfloat_with_epsilon (umap_fuzzy_union (0.3, 0.6), 0.3 + 0.6 - 0.18, 1e-15);
  g_assert_cmpfloat_with_epsilon (umap_fuzzy_union (1.0, 0.25), 1.0, 1e-15);

  fz = umap_fuzzy_graph (g, 10, &error);
  g_assert_no_error (error);
  for (gsize c = 0; c < 400 * 9; c++)
    mean += g->dist[(c / 9) * 14 + c % 9];
  mean /= 400 * 9;
  for (gsize i = 0; i < 400; i++)
    umap_smooth_row (g->dist + i * 14, 9, 10, mean, &rho[i], &sigma[i]);
  for (gsize i = 0; i < 400; i++)
    for (gsize e = fz->row[i]; e < fz->row[i + 1]; e++)
      {
        gsize j = fz->col[e], f;
        double wij = 0.0, wji = 0.0;

        /* symmetric: j's row holds i with the same weight */
        for (f = fz->row[j]; f < fz->row[j + 1] && fz->col[f] != i; f++)
          ;
        g_assert_cmpuint (f, <, fz->row[j + 1]);
        g_assert_cmpfloat (fz->w[f], ==, fz->w[e]);
        if (e > fz->row[i])
          g_assert_cmpuint (fz->col[e - 1], <, j);
        /* the union of both directions' memberships, recomputed */
        for (guint t = 0; t < 9; t++)
          {
            if (g->idx[i * 14 + t] == j)
              wij = exp (-MAX (0.0, g->dist[i * 14 + t] - rho[i]) / sigma[i]);
            if (g->idx[j * 14 + t] == i)
              wji = exp (-MAX (0.0, g->dist[j * 14 + t] - rho[j]) / sigma[j]);
          }
        g_assert_true (wij > 0.0 || wji > 0.0);
        g_assert_cmpfloat_with_epsilon (fz->w[e], wij + wji - wij * wji, 1e-6);
      }
  umap_graph_free (fz);
  graph_free (g);
}

/* A cycle of m rows: its normalised Laplacian's second and third
 * eigenvectors span cos and sin of 2 pi i / m. */
static void
check_cycle (gsize m)
{
  g_autoptr(GError) error = NULL;
  UmapGraph *g = umap_graph_new (m, 2 * m, &error);
  g_autofree double *out = g_new (double, m * 2);
  g_autofree double *basis = g_new (double, m * 2);

  g_assert_no_error (error);
  for (gsize i = 0; i < m; i++)
    {
      gsize lo = (i + m - 1) % m, hi = (i + 1) % m;

      g->row[i] = 2 * i;
      g->col[2 * i] = (guint32) MIN (lo, hi);
      g->col[2 * i + 1] = (guint32) MAX (lo, hi);
      g->w[2 * i] = g->w[2 * i + 1] = 1.0f;
      basis[i * 2] = cos (2.0 * G_PI * i / m) * sqrt (2.0 / m);
      basis[i * 2 + 1] = sin (2.0 * G_PI * i / m) * sqrt (2.0 / m);
    }
  g->row[m] = 2 * m;
  g_assert_cmpint (umap_spectral (g, 2, 3, NULL, out, &error), ==, UMAP_SPECTRAL_OK);
  g_assert_no_error (error);
  for (int c = 0; c < 2; c++)
    {
      double norm = 0.0, proj = 0.0;

      for (int b = 0; b < 2; b++)
        {
          double dot = 0.0;

          for (gsize i = 0; i < m; i++)
            dot += out[i * 2 + c] * basis[i * 2 + b];
          proj += dot * dot;
        }
      for (gsize i = 0; i < m; i++)
        norm += out[i * 2 + c] * out[i * 2 + c];
      g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-6);
      g_assert_cmpfloat_with_epsilon (proj, 1.0, 1e-5);
    }
  umap_graph_free (g);
}

/* Two cliques of m rows joined by one edge: the Fiedler vector (the first
 * coordinate) has one sign on each. */
static void
check_cliques (gsize m)
{
  g_autoptr(GError) error = NULL;
  gsize n = 2 * m, at = 0;
  UmapGraph *g = umap_graph_new (n, n * m, &error);
  g_autofree double *out = g_new (double, n * 2);

  for (gsize i = 0; i < n; i++)
    {
      gsize base = i < m ? 0 : m;

      g->row[i] = at;
      if (i == m)            /* the bridge m - 1 -- m, in column order */
        g->col[at] = (guint32) (m - 1), g->w[at++] = 1.0f;
      for (gsize j = base; j < base + m; j++)
        if (j != i)
          g->col[at] = (guint32) j, g->w[at++] = 1.0f;
      if (i == m - 1)
        g->col[at] = (guint32) m, g->w[at++] = 1.0f;
    }
  g->row[n] = at;
  g_assert_cmpint (umap_spectral (g, 2, 8, NULL, out, &error), ==, UMAP_SPECTRAL_OK);
  for (gsize i = 0; i < n; i++)
    g_assert_true (i < m ? out[i * 2] * out[0] > 0.0 : out[i * 2] * out[0] < 0.0);
  umap_graph_free (g);
}

/* |P_a b|^2 / dims for the column spaces of two n x dims orthonormal
 * blocks: 1 when they are the same subspace. */
static double
subspace_overlap (const double *a,
                  const double *b,
                  gsize         n,
                  guint         dims)
{
  double sum = 0.0;

  for (guint p = 0; p < dims; p++)
    for (guint q = 0; q < dims; q++)
      {
        double dot = 0.0;

        for (gsize i = 0; i < n; i++)
          dot += a[i * dims + p] * b[i * dims + q];
        sum += dot * dot;
      }
  return sum / dims;
}

/* The fuzzy set of one elongated cloud (distinct eigenvalues): the dense
 * and the iterative solvers find the same subspace. */
static void
check_cloud (void)
{
  gsize n = 700, saved = umap_spectral_dense_max ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  g_autofree float *x = g_new (float, n * 3);
  g_autofree double *dense = g_new (double, n * 2), *iter = g_new (double, n * 2);
  g_autoptr(GError) error = NULL;
  EmbKnnGraph *knn;
  UmapGraph *g;

  for (gsize i = 0; i < n; i++)
    {
      x[i * 3] = (float) (4.0 * emb_test_gaussian (rand));
      x[i * 3 + 1] = (float) (1.5 * emb_test_gaussian (rand));
      x[i * 3 + 2] = (float) (0.5 * emb_test_gaussian (rand));
    }
  knn = naive_knn (x, n, 3, 14);
  g = umap_fuzzy_graph (knn, 15, &error);
  g_assert_no_error (error);
  g_assert_cmpint (umap_spectral (g, 2, 1, NULL, dense, &error), ==, UMAP_SPECTRAL_OK);
  umap_spectral_set_dense_max (0);
  g_assert_cmpint (umap_spectral (g, 2, 1, NULL, iter, &error), ==, UMAP_SPECTRAL_OK);
  umap_spectral_set_dense_max (saved);
  g_assert_cmpfloat (subspace_overlap (dense, iter, n, 2), >, 1.0 - 1e-4);
  umap_graph_free (g);
  graph_free (knn);
}

static void
test_spectral (void)
{
  gsize saved = umap_spectral_dense_max ();

  check_cycle (40);
  check_cycle (300);
  check_cliques (15);
  umap_spectral_set_dense_max (0);
  check_cycle (40);
  check_cycle (300);
  check_cliques (15);
  umap_spectral_set_dense_max (saved);
  check_cloud ();
}

/* A cycle of m rows, each at distance 1 from its two neighbours: the
 * fuzzy set is the cycle with weights 1, so the start is cos and sin, a
 * circle, which umap-learn's scaling puts at (5, 5) with radius 5.  A
 * learning rate near 0 leaves it there. */
static void
test_start (void)
{
  gsize m = 90;
  EmbKnnGraph *g = g_new0 (EmbKnnGraph, 1);
  g_autofree float *y = NULL;
  EmbUmapOptions o;

  g->n = m;
  g->k = 2;
  g->idx = g_new (guint32, m * 2);
  g->dist = g_new (float, m * 2);
  for (gsize i = 0; i < m; i++)
    {
      g->idx[i * 2] = (guint32) ((i + m - 1) % m);
      g->idx[i * 2 + 1] = (guint32) ((i + 1) % m);
      g->dist[i * 2] = g->dist[i * 2 + 1] = 1.0f;
    }
  emb_umap_options_init (&o);
  o.n_neighbors = 3;
  o.n_epochs = 20;
  o.learning_rate = 1e-9;
  for (int pass = 0; pass < 2; pass++)
    {
      gsize saved = umap_spectral_dense_max ();

      /* the second time through the iterative solver */
      if (pass == 1)
        umap_spectral_set_dense_max (0);
      y = run_ok (g, NULL, &o);
      umap_spectral_set_dense_max (saved);
      for (gsize i = 0; i < m; i++)
        g_assert_cmpfloat_with_epsilon (hypot (y[i * 2] - 5.0, y[i * 2 + 1] - 5.0), 5.0, 1e-2);
      g_clear_pointer (&y, g_free);
    }
  graph_free (g);
}

static void
test_disconnected (void)
{
  guint labels[200];
  g_autofree float *x = make_blobs (2, 100, 5, 100.0, 11, labels);
  EmbKnnGraph *g = naive_knn (x, 200, 5, 14);
  g_autofree float *pca = g_new (float, 200 * 2);
  g_autoptr(GError) error = NULL;
  UmapGraph *fz = umap_fuzzy_graph (g, 15, &error);
  EmbUmapOptions o;
  gsize components = 0;
  float *y;

  g_assert_no_error (error);
  g_assert_true (umap_graph_components (fz, &components, &error));
  g_assert_cmpuint (components, ==, 2);
  umap_graph_free (fz);
  for (gsize i = 0; i < 200; i++)
    pca[i * 2] = x[i * 5], pca[i * 2 + 1] = x[i * 5 + 1];

  /* the start is the fallback, each column scaled onto [0, 10] */
  emb_umap_options_init (&o);
  o.n_epochs = 1;
  o.learning_rate = 1e-9;
  y = run_ok (g, pca, &o);
  for (int c = 0; c < 2; c++)
    {
      float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;

      for (gsize i = 0; i < 200; i++)
        lo = MIN (lo, pca[i * 2 + c]), hi = MAX (hi, pca[i * 2 + c]);
      for (gsize i = 0; i < 200; i++)
        g_assert_cmpfloat_with_epsilon (y[i * 2 + c], 10.0 * (pca[i * 2 + c] - lo) / (hi - lo), 1e-2);
    }
  g_free (y);

  o.n_epochs = 100;
  o.learning_rate = 1.0;
  y = run_ok (g, pca, &o);
  g_assert_cmpfloat (knn_accuracy (y, 200, 2, labels, 2, 5), >=, 0.99);
  g_free (y);
  y = run_ok (g, NULL, &o);
  g_assert_cmpfloat (knn_accuracy (y, 200, 2, labels, 2, 5), >=, 0.99);
  g_free (y);
  graph_free (g);
}

static void
test_blobs (void)
{
  guint *labels = g_new (guint, 3000);
  g_autofree float *x = make_blobs (10, 300, 50, 10.0, 42, labels);
  EmbKnnGraph *g = naive_knn (x, 3000, 50, 15);
  EmbUmapOptions o;
  g_autofree float *y = NULL;
  gint64 t0;

  emb_umap_options_init (&o);
  o.n_epochs = 200;
  o.seed = 5;
  t0 = g_get_monotonic_time ();
  y = run_ok (g, NULL, &o);
  g_test_message ("3000 rows, 200 epochs: %.2f s", (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpfloat (knn_accuracy (y, 3000, 2, labels, 10, 5), >=, 0.95);
  graph_free (g);
  g_free (labels);
}

static void
test_deterministic (void)
{
  guint labels[600];
  g_autofree float *x = make_blobs (5, 120, 20, 6.0, 3, labels);
  EmbKnnGraph *g = naive_knn (x, 600, 20, 14);
  EmbUmapOptions o;
  g_autofree float *y1 = NULL, *y2 = NULL, *y3 = NULL;

  emb_umap_options_init (&o);
  o.n_epochs = 100;
  o.seed = 77;
  o.n_threads = 2;
  y1 = run_ok (g, NULL, &o);
  y2 = run_ok (g, NULL, &o);
  g_assert_cmpint (memcmp (y1, y2, 600 * 2 * sizeof (float)), ==, 0);
  o.n_threads = 1;
  y3 = run_ok (g, NULL, &o);
  g_free (y1);
  y1 = run_ok (g, NULL, &o);
  g_assert_cmpint (memcmp (y1, y3, 600 * 2 * sizeof (float)), ==, 0);
  graph_free (g);
}

typedef struct
{
  GCancellable *cancellable;
  guint         frames;
  guint         last;
} FrameState;

static void
on_frame (const float *layout,
          gsize        n,
          guint        dims,
          guint        iteration,
          guint        n_iterations,
          gpointer     user_data)
{
  FrameState *st = user_data;

  assert_finite (layout, n * dims);
  g_assert_cmpuint (iteration, ==, st->last + 1);
  g_assert_cmpuint (n_iterations, ==, 50);
  st->last = iteration;
  st->frames++;
  if (iteration == 5)
    g_cancellable_cancel (st->cancellable);
}

static void
test_cancel (void)
{
  guint labels[300];
  g_autofree float *x = make_blobs (3, 100, 10, 5.0, 9, labels);
  EmbKnnGraph *g = naive_knn (x, 300, 10, 14);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  FrameState st = { cancellable, 0, 0 };
  EmbUmapOptions o;
  float *y;

  emb_umap_options_init (&o);
  o.n_epochs = 50;
  o.frame_every = 1;
  y = emb_umap_run (g, NULL, &o, on_frame, &st, NULL, NULL, cancellable, &error);
  g_assert_null (y);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (st.frames, ==, 5);
  graph_free (g);
}

static void
test_degenerate (void)
{
  gsize n = 240, d = 6;
  g_autofree float *x = g_new (float, n * d);
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  EmbKnnGraph *g;
  EmbUmapOptions o;
  float *y;

  /* rows 0 .. 39 all the same; the others in fours; column 2 constant */
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < d; j++)
      x[i * d + j] = j == 2 ? 3.0f : i < 40 ? 1.0f : (float) g_rand_double (rand);
  for (gsize i = 40; i < n; i++)
    if (i % 4 != 0)
      memcpy (x + i * d, x + (i - i % 4) * d, d * sizeof (float));
  g = naive_knn (x, n, d, 20);
  emb_umap_options_init (&o);
  o.n_epochs = 100;
  y = run_ok (g, NULL, &o);
  g_free (y);
  o.dims = 3;
  y = run_ok (g, NULL, &o);
  g_free (y);
  graph_free (g);

  /* every row the same: every distance 0 */
  memset (x, 0, n * d * sizeof (float));
  g = naive_knn (x, 50, d, 20);
  o.dims = 2;
  y = run_ok (g, NULL, &o);
  g_free (y);
  graph_free (g);

  /* the fewest rows there can be, 3 and 4 */
  for (gsize r = 0; r < 4; r++)
    for (gsize j = 0; j < d; j++)
      x[(40 + r) * d + j] = (float) (r * r + 0.1 * j);
  for (gsize rows = 3; rows <= 4; rows++)
    {
      g = naive_knn (x + 40 * d, rows, d, (guint) rows - 1);
      y = run_ok (g, NULL, &o);
      g_free (y);
      graph_free (g);
    }
}

static void
test_three_dims (void)
{
  guint labels[800];
  g_autofree float *x = make_blobs (4, 200, 30, 8.0, 21, labels);
  EmbKnnGraph *g = naive_knn (x, 800, 30, 15);
  EmbUmapOptions o;
  g_autofree float *y = NULL;

  emb_umap_options_init (&o);
  o.dims = 3;
  o.n_epochs = 150;
  y = run_ok (g, NULL, &o);
  g_assert_cmpfloat (knn_accuracy (y, 800, 3, labels, 4, 5), >=, 0.95);
  graph_free (g);
}

static void
test_errors (void)
{
  guint labels[60];
  g_autofree float *x = make_blobs (2, 30, 4, 3.0, 1, labels);
  EmbKnnGraph *g = naive_knn (x, 60, 4, 10);
  g_autoptr(GError) error = NULL;
  EmbUmapOptions o;
  float *y;

  emb_umap_options_init (&o);
  o.dims = 4;
  g_assert_null (emb_umap_run (g, NULL, &o, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_clear_error (&error);

  emb_umap_options_init (&o);   /* 15 neighbours need 14 in the graph */
  g_assert_null (emb_umap_run (g, NULL, &o, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  emb_test_assert_contains (error->message, "14");
  g_clear_error (&error);

  /* fewer rows than n_neighbors: lowered to n - 1 */
  g->n = 11;
  o.n_epochs = 20;
  for (gsize i = 0; i < 11; i++)
    {
      guint t = 0;

      for (guint32 j = 0; j < 11; j++)
        if (j != i && t < 10)
          {
            g->idx[i * 10 + t] = j;
            g->dist[i * 10 + t] = 1.0f + 0.01f * t;
            t++;
          }
    }
  y = run_ok (g, NULL, &o);
  g_free (y);
  graph_free (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/umap/fit-ab", test_fit_ab);
  g_test_add_func ("/umap/fuzzy-set", test_fuzzy_set);
  g_test_add_func ("/umap/spectral", test_spectral);
  g_test_add_func ("/umap/start", test_start);
  g_test_add_func ("/umap/disconnected", test_disconnected);
  g_test_add_func ("/umap/blobs", test_blobs);
  g_test_add_func ("/umap/deterministic", test_deterministic);
  g_test_add_func ("/umap/cancel", test_cancel);
  g_test_add_func ("/umap/degenerate", test_degenerate);
  g_test_add_func ("/umap/three-dims", test_three_dims);
  g_test_add_func ("/umap/errors", test_errors);
  return g_test_run ();
}
