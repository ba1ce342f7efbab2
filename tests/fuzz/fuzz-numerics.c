/* fuzz-numerics.c: the "numerics" fuzz harness.
 *
 * The input's bytes are decoded into a small matrix: its shape, a pattern
 * (values from the bytes, constant, all zero, rank 1, wide, mixed
 * magnitudes, duplicated rows, raw float bits) and a power-of-two scale from
 * 2^-149 to 2^127, so every value is finite but may be huge, denormal or
 * tiny.  The matrix then goes through PCA and its projection, kNN in every
 * metric (by row, by vector, analogies), k-means in both metrics and the
 * renderer (view fit, points, hit-testing).  A finding is a crash, a
 * sanitizer report, a GLib critical, an error outside our domain or
 * without a message, or an output that is not finite or breaks its
 * contract (ids in range, scores ordered, ties by id, sizes that add up).
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "base/emb-error.h"
#include "analysis/emb-kmeans.h"
#include "analysis/emb-knn.h"
#include "analysis/emb-pca.h"
#include "plot/emb-render.h"
#include "fuzz-numerics.h"

enum
{
  PATTERN_BYTES,
  PATTERN_CONSTANT,
  PATTERN_ZERO,
  PATTERN_RANK1,
  PATTERN_WIDE,
  PATTERN_MIXED,
  PATTERN_DUPLICATES,
  PATTERN_FLOAT_BITS,
  N_PATTERNS
};

#define MAX_ROWS   48
#define MAX_DIMS   48
#define MAX_WIDE   3000

static volatile double sink;

/* auxiliary functions */

/* A failure must be ours and say what went wrong. */
static void
check_error (GError *error)
{
  g_assert (error != NULL);
  g_assert (error->domain == EMB_ERROR);
  g_assert (error->message != NULL && error->message[0] != '\0');
}

/* The value at byte offset `at` of the input, as a 16-bit fraction in
 * [-1, 1); zero past the end. */
static double
fraction_at (const guint8 *data,
             gsize         size,
             gsize         at)
{
  gint16 v;

  if (size < 2 || at + 2 > size)
    return 0.0;
  v = (gint16) (data[at] | (data[at + 1] << 8));
  return v / 32768.0;
}

/* A finite float from four input bytes: nan and inf become +-FLT_MAX. */
static float
float_bits_at (const guint8 *data,
               gsize         size,
               gsize         at)
{
  float f;

  if (at + 4 > size)
    return 0.0f;
  memcpy (&f, data + at, 4);
  if (isnan (f))
    return FLT_MAX;
  if (isinf (f))
    return f > 0 ? FLT_MAX : -FLT_MAX;
  return f;
}

/* The matrix the input describes (see the top of the file). */
static EmbMatrix *
decode_matrix (const guint8 *data,
               gsize         size)
{
  const guint8 *body = data + 4;
  gsize body_size = size - 4, n, d, at = 0;
  int pattern, e;
  double scale;
  EmbMatrix *m;

  n = 2 + data[0] % (MAX_ROWS - 1);
  pattern = data[2] % N_PATTERNS;
  d = pattern == PATTERN_WIDE ? n + 1 + (gsize) (data[1] * 12) % MAX_WIDE
                              : 1 + (gsize) data[1] % MAX_DIMS;
  e = CLAMP ((int) (gint8) data[3], -149, 127);
  scale = ldexp (1.0, e);
  m = emb_matrix_new (n, d, NULL);
  g_assert (m != NULL);

  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < d; j++)
      {
        double u = 0.0;
        float *x = m->data + i * d + j;

        switch (pattern)
          {
          case PATTERN_CONSTANT:
            u = fraction_at (body, body_size, 2 * j);
            break;
          case PATTERN_ZERO:
            u = 0.0;
            break;
          case PATTERN_RANK1:
            u = fraction_at (body, body_size, 2 * i) * fraction_at (body, body_size, 2 * (n + j));
            break;
          case PATTERN_MIXED:
            /* Rows of very different magnitudes in one matrix. */
            u = fraction_at (body, body_size, at) * ldexp (1.0, (int) (i % 3) * 60 - 60);
            break;
          case PATTERN_DUPLICATES:
            u = fraction_at (body, body_size, 2 * ((i % 3) * d + j));
            break;
          case PATTERN_FLOAT_BITS:
            *x = float_bits_at (body, body_size, 4 * (i * d + j));
            continue;
          default:
            u = body_size > 1 ? fraction_at (body, body_size, at % (body_size - 1)) : 0.0;
            break;
          }
        at += 2;
        *x = (float) CLAMP (u * scale, -(double) FLT_MAX, (double) FLT_MAX);
      }
  return m;
}

/* PCA, then the projection: finite, unit components, ratios in [0, 1].
 * The coordinates (n x 2) go to coords when there are two components. */
static gboolean
check_pca (const EmbMatrix *m,
           float           *coords)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbPca) pca = emb_pca_compute (m, 3, NULL, &error);
  gsize n = m->n_rows, d = m->n_cols, k;
  g_autofree float *out = NULL;
  double sum = 0.0;

  if (pca == NULL)
    {
      check_error (error);
      return FALSE;
    }
  k = pca->n_components;
  g_assert (k >= 1 && k <= MIN (3, d));
  g_assert (isfinite (pca->total_variance) && pca->total_variance >= 0.0);
  for (gsize c = 0; c < k; c++)
    {
      double norm2 = 0.0;

      for (gsize j = 0; j < d; j++)
        {
          g_assert (isfinite (pca->components[c * d + j]));
          norm2 += (double) pca->components[c * d + j] * pca->components[c * d + j];
        }
      g_assert (fabs (norm2 - 1.0) < 1e-3);
      g_assert (isfinite (pca->explained_variance[c]) && pca->explained_variance[c] >= 0.0);
      g_assert (pca->explained_variance_ratio[c] >= 0.0);
      sum += pca->explained_variance_ratio[c];
    }
  g_assert (sum <= 1.0 + 1e-6);

  out = g_new (float, n * k);
  emb_pca_project (pca, m, k, out);
  for (gsize i = 0; i < n * k; i++)
    g_assert (isfinite (out[i]));
  if (k < 2)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      coords[2 * i] = out[i * k];
      coords[2 * i + 1] = out[i * k + 1];
    }
  return TRUE;
}

/* A neighbour list: ids in range, distinct, not excluded, finite scores in
 * order, equal scores by lower id. */
static void
check_neighbors (const EmbNeighbor *nb,
                 gsize              count,
                 gsize              n,
                 EmbMetric          metric,
                 const gsize       *exclude,
                 gsize              n_exclude)
{
  for (gsize i = 0; i < count; i++)
    {
      g_assert (nb[i].id < n);
      g_assert (isfinite (nb[i].score));
      if (metric == EMB_METRIC_COSINE)
        g_assert (fabs (nb[i].score) <= 1.0);
      if (metric == EMB_METRIC_EUCLIDEAN)
        g_assert (nb[i].score >= 0.0);
      for (gsize e = 0; e < n_exclude; e++)
        g_assert (nb[i].id != exclude[e]);
      for (gsize j = 0; j < i; j++)
        g_assert (nb[j].id != nb[i].id);
      if (i > 0)
        {
          if (metric == EMB_METRIC_EUCLIDEAN)
            g_assert (nb[i - 1].score <= nb[i].score);
          else
            g_assert (nb[i - 1].score >= nb[i].score);
          if (nb[i - 1].score == nb[i].score)
            g_assert (nb[i - 1].id < nb[i].id);
        }
    }
}

/* kNN by row and by vector in every metric, and an analogy. */
static void
check_knn (EmbMatrix *m)
{
  static const EmbMetric metrics[] = {
    EMB_METRIC_COSINE, EMB_METRIC_DOT, EMB_METRIC_EUCLIDEAN,
  };
  g_autoptr(EmbKnnIndex) index = emb_knn_index_new (m);
  gsize n = m->n_rows, count;
  EmbNeighbor nb[MAX_ROWS];

  for (gsize mi = 0; mi < G_N_ELEMENTS (metrics); mi++)
    {
      const gsize rows[2] = { 0, n - 1 };

      for (gsize r = 0; r < 2; r++)
        {
          gsize k = r == 0 ? 3 : n;

          count = emb_knn_query_row (index, rows[r], metrics[mi], k, nb);
          g_assert (count == MIN (k, n - 1));
          check_neighbors (nb, count, n, metrics[mi], &rows[r], 1);
        }
      count = emb_knn_query_vector (index, emb_matrix_row (m, n / 2), metrics[mi], 4,
                                    NULL, 0, nb);
      g_assert (count == MIN (4, n));
      check_neighbors (nb, count, n, metrics[mi], NULL, 0);
    }
  if (n >= 4)
    {
      const gsize abc[3] = { 0, 1, 2 };

      count = emb_knn_analogy (index, 0, 1, 2, 5, nb);
      g_assert (count == MIN (5, n - 3));
      check_neighbors (nb, count, n, EMB_METRIC_COSINE, abc, 3);
    }
}

/* k-means in both metrics: assignment, sizes and finite results. */
static void
check_kmeans (const EmbMatrix *m,
              guint8           byte)
{
  static const EmbMetric metrics[] = { EMB_METRIC_EUCLIDEAN, EMB_METRIC_COSINE };
  gsize n = m->n_rows, d = m->n_cols;

  for (gsize mi = 0; mi < G_N_ELEMENTS (metrics); mi++)
    {
      EmbKmeansOptions opts = {
        .k = 1 + byte % MIN (n, 5), .metric = metrics[mi], .seed = byte,
        .sample_per_cluster = 1 + byte % 7,
      };
      g_autoptr(GError) error = NULL;
      g_autoptr(EmbKmeans) km = emb_kmeans_run (m, &opts, NULL, NULL, NULL, &error);
      gsize total = 0, nearest[4];

      if (km == NULL)
        {
          check_error (error);
          continue;
        }
      g_assert (km->k == opts.k);
      g_assert (isfinite (km->inertia) && km->inertia >= 0.0);
      for (gsize i = 0; i < km->k * d; i++)
        g_assert (isfinite (km->centroids[i]));
      for (gsize c = 0; c < km->k; c++)
        total += km->sizes[c];
      g_assert (total == n);
      for (gsize i = 0; i < n; i++)
        g_assert (km->assignment[i] < km->k);
      for (gsize c = 0; c < km->k; c++)
        {
          gsize got = emb_kmeans_nearest (km, m, c, G_N_ELEMENTS (nearest), nearest);

          g_assert (got == MIN (G_N_ELEMENTS (nearest), km->sizes[c]));
          for (gsize i = 0; i < got; i++)
            g_assert (nearest[i] < n && km->assignment[nearest[i]] == c);
        }
    }
}

/* The renderer on the coordinates: a finite view with a positive scale,
 * the points drawn, and the nearest point found. */
static void
check_render (const float *xy,
              gsize        n)
{
  static const guint32 palette[] = { 0x3366cc, 0xdc3912 };
  enum { W = 48, H = 32 };
  g_autofree float *xs = g_new (float, n);
  g_autofree float *ys = g_new (float, n);
  g_autofree guint8 *pixels = g_new0 (guint8, W * H * 4);
  g_autofree guint16 *category = g_new (guint16, n);
  g_autoptr(EmbSpatialIndex) index = NULL;
  EmbPointStyle style = { 0 };
  EmbView view;
  gssize hit;

  for (gsize i = 0; i < n; i++)
    {
      xs[i] = xy[2 * i];
      ys[i] = xy[2 * i + 1];
      category[i] = (guint16) (i % 2);
    }
  emb_view_fit (&view, xs, ys, n, W, H, 0.05);
  g_assert (isfinite (view.center_x) && isfinite (view.center_y));
  g_assert (isfinite (view.scale) && view.scale > 0.0);

  style.xs = xs;
  style.ys = ys;
  style.n = n;
  style.category = category;
  style.palette = palette;
  style.n_palette = G_N_ELEMENTS (palette);
  style.radius = 2.0;
  style.opacity = 0.8;
  style.background = 0xffffffff;
  g_assert (emb_render_points (&style, &view, pixels, W * 4, 1, NULL));
  for (gsize i = 0; i < W * H * 4; i++)
    sink += pixels[i];

  index = emb_spatial_index_new (xs, ys, n);
  hit = emb_spatial_index_nearest (index, xs[0], ys[0], 1.0 / view.scale, NULL);
  g_assert (hit >= 0 && (gsize) hit < n);
}

/* public API (inside the fuzz targets) */

void
fuzz_numerics_run (const guint8 *data,
                   gsize         size)
{
  g_autoptr(EmbMatrix) m = NULL;
  g_autofree float *coords = NULL;
  gsize n;

  if (size < 4)
    return;
  m = decode_matrix (data, size);
  n = m->n_rows;
  coords = g_new (float, 2 * n);
  if (!check_pca (m, coords))
    {
      /* One column, or no PCA: draw the first columns as they are. */
      for (gsize i = 0; i < n; i++)
        {
          coords[2 * i] = m->data[i * m->n_cols];
          coords[2 * i + 1] = m->n_cols > 1 ? m->data[i * m->n_cols + 1] : 0.0f;
        }
    }
  check_render (coords, n);
  check_knn (m);
  check_kmeans (m, size > 4 ? data[4] : 0);
}
