/* emb-umap-graph.c: UMAP's fuzzy simplicial set and its curve.
 *
 * Each row's distances to its neighbours become memberships
 * exp (-(d - rho) / sigma): rho, the distance to the nearest neighbour at
 * a nonzero distance, makes every point fully connected to at least one
 * other (local connectivity 1), and sigma makes the memberships of a row
 * sum to log2 (k).  The directed memberships w are then made symmetric by
 * the fuzzy union w + w^T - w * w^T.  The curve 1 / (1 + a x^2b) of the
 * embedding's similarities is fitted to the offset exponential that
 * min_dist and spread describe.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "map/emb-umap-private.h"

#define SMOOTH_ITERATIONS  64
#define SMOOTH_TOLERANCE   1e-5
#define MIN_K_DIST_SCALE   1e-3
#define FIT_POINTS         300
#define FIT_ITERATIONS     200

typedef struct
{
  guint32 col;
  float   w;
} Entry;


/* auxiliary functions */

static int
entry_compare (const void *pa,
               const void *pb)
{
  const Entry *a = pa, *b = pb;

  return (a->col > b->col) - (a->col < b->col);
}

/* The mean of every distance the fuzzy set uses. */
static double
mean_distance (const EmbKnnGraph *graph,
               guint              count)
{
  double sum = 0.0;

  for (gsize i = 0; i < graph->n; i++)
    for (guint t = 0; t < count; t++)
      sum += graph->dist[i * graph->k + t];
  return graph->n > 0 && count > 0 ? sum / ((double) graph->n * count) : 0.0;
}

/* a's rows (count entries each, sorted by column with duplicates merged)
 * from the directed memberships; FALSE on an index out of range. */
static gboolean
directed_rows (const EmbKnnGraph *graph,
               guint              count,
               Entry             *a,
               guint             *len,
               GError           **error)
{
  double mean = mean_distance (graph, count);

  for (gsize i = 0; i < graph->n; i++)
    {
      const float *dist = graph->dist + i * graph->k;
      const guint32 *idx = graph->idx + i * graph->k;
      Entry *row = a + i * count;
      double rho, sigma;
      guint m = 0;

      umap_smooth_row (dist, count, count + 1, mean, &rho, &sigma);
      for (guint t = 0; t < count; t++)
        {
          if (idx[t] >= graph->n)
            {
              g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                           "the neighbour graph names row %u of %" G_GSIZE_FORMAT,
                           idx[t], graph->n);
              return FALSE;
            }
          if (idx[t] == i)
            continue;
          row[m].col = idx[t];
          row[m].w = (float) umap_membership (dist[t], rho, sigma);
          m++;
        }
      qsort (row, m, sizeof (Entry), entry_compare);
      /* a neighbour listed twice keeps its larger membership */
      len[i] = 0;
      for (guint t = 0; t < m; t++)
        {
          if (len[i] > 0 && row[len[i] - 1].col == row[t].col)
            row[len[i] - 1].w = MAX (row[len[i] - 1].w, row[t].w);
          else
            row[len[i]++] = row[t];
        }
    }
  return TRUE;
}

/* The transpose of the directed rows, in compressed rows (tr_row, tr):
 * filled in ascending row order, so each of its rows is sorted. */
static void
transpose_rows (gsize        n,
                guint        count,
                const Entry *a,
                const guint *len,
                gsize       *tr_row,
                Entry       *tr)
{
  memset (tr_row, 0, (n + 1) * sizeof (gsize));
  for (gsize i = 0; i < n; i++)
    for (guint t = 0; t < len[i]; t++)
      tr_row[a[i * count + t].col + 1]++;
  for (gsize i = 0; i < n; i++)
    tr_row[i + 1] += tr_row[i];
  for (gsize i = 0; i < n; i++)
    for (guint t = 0; t < len[i]; t++)
      {
        const Entry *e = a + i * count + t;
        gsize at = tr_row[e->col]++;

        tr[at].col = (guint32) i;
        tr[at].w = e->w;
      }
  /* tr_row[j] now holds the end of row j: shift back */
  memmove (tr_row + 1, tr_row, n * sizeof (gsize));
  tr_row[0] = 0;
}

/* out's row i = the fuzzy union of a's row i and tr's row i, by merging
 * the two sorted rows; zero memberships are left out. */
static void
union_rows (gsize        n,
            guint        count,
            const Entry *a,
            const guint *len,
            const gsize *tr_row,
            const Entry *tr,
            UmapGraph   *out)
{
  gsize at = 0;

  for (gsize i = 0; i < n; i++)
    {
      const Entry *x = a + i * count, *y = tr + tr_row[i];
      gsize nx = len[i], ny = tr_row[i + 1] - tr_row[i], p = 0, q = 0;

      out->row[i] = at;
      while (p < nx || q < ny)
        {
          guint32 col;
          double wx = 0.0, wy = 0.0, w;

          if (q >= ny || (p < nx && x[p].col < y[q].col))
            col = x[p].col, wx = x[p++].w;
          else if (p >= nx || y[q].col < x[p].col)
            col = y[q].col, wy = y[q++].w;
          else
            col = x[p].col, wx = x[p++].w, wy = y[q++].w;
          w = umap_fuzzy_union (wx, wy);
          if (w > 0.0)
            {
              out->col[at] = col;
              out->w[at] = (float) w;
              at++;
            }
        }
    }
  out->row[n] = at;
}

/* The least-squares cost of (a, b) and, when jtj is not NULL, the normal
 * equations J^T J and J^T r of the residuals f - y. */
static double
fit_cost (const double *x,
          const double *y,
          double        a,
          double        b,
          double       *jtj,
          double       *jtr)
{
  double cost = 0.0;

  if (jtj != NULL)
    {
      memset (jtj, 0, 4 * sizeof (double));
      memset (jtr, 0, 2 * sizeof (double));
    }
  for (int i = 0; i < FIT_POINTS; i++)
    {
      double u = x[i] > 0.0 ? pow (x[i], 2.0 * b) : 0.0;
      double f = 1.0 / (1.0 + a * u), r = f - y[i];

      cost += r * r;
      if (jtj != NULL)
        {
          double g = -f * f;
          double da = g * u;
          double db = x[i] > 0.0 ? g * a * u * 2.0 * log (x[i]) : 0.0;

          jtj[0] += da * da, jtj[1] += da * db, jtj[3] += db * db;
          jtr[0] += da * r, jtr[1] += db * r;
        }
    }
  if (jtj != NULL)
    jtj[2] = jtj[1];
  return cost;
}


/* shared within UMAP (see emb-umap-private.h) */

UmapGraph *
umap_graph_new (gsize    n,
                gsize    nnz,
                GError **error)
{
  g_autofree gsize *row = NULL;
  g_autofree guint32 *col = NULL;
  g_autofree float *w = NULL;
  UmapGraph *graph;

  if ((row = emb_try_new0 (gsize, n + 1, "UMAP's graph rows", error)) == NULL ||
      (col = emb_try_new (guint32, nnz, "UMAP's graph edges", error)) == NULL ||
      (w = emb_try_new (float, nnz, "UMAP's graph weights", error)) == NULL)
    return NULL;
  graph = g_new0 (UmapGraph, 1);
  graph->n = n;
  graph->row = g_steal_pointer (&row);
  graph->col = g_steal_pointer (&col);
  graph->w = g_steal_pointer (&w);
  return graph;
}

void
umap_graph_free (UmapGraph *graph)
{
  if (graph == NULL)
    return;
  g_free (graph->row);
  g_free (graph->col);
  g_free (graph->w);
  g_free (graph);
}

/* The bisection of umap-learn's smooth_knn_dist: sigma doubles while the
 * sum is below the target, then halves the bracket. */
void
umap_smooth_row (const float *dist,
                 guint        count,
                 guint        k,
                 double       mean_dist,
                 double      *rho,
                 double      *sigma)
{
  double target = log2 ((double) k), lo = 0.0, hi = INFINITY, mid = 1.0;
  double row_mean = 0.0;

  *rho = 0.0;
  for (guint t = 0; t < count; t++)
    {
      row_mean += dist[t];
      if (*rho == 0.0 && dist[t] > 0.0f)
        *rho = dist[t];
    }
  row_mean = count > 0 ? row_mean / count : 0.0;

  for (int it = 0; it < SMOOTH_ITERATIONS; it++)
    {
      double sum = 0.0;

      for (guint t = 0; t < count; t++)
        {
          double gap = dist[t] - *rho;

          sum += gap > 0.0 ? exp (-gap / mid) : 1.0;
        }
      if (fabs (sum - target) < SMOOTH_TOLERANCE)
        break;
      if (sum > target)
        {
          hi = mid;
          mid = (lo + hi) / 2.0;
        }
      else
        {
          lo = mid;
          mid = isinf (hi) ? mid * 2.0 : (lo + hi) / 2.0;
        }
    }
  if (*rho > 0.0)
    mid = MAX (mid, MIN_K_DIST_SCALE * row_mean);
  else
    mid = MAX (mid, MIN_K_DIST_SCALE * mean_dist);
  *sigma = mid;
}

double
umap_membership (double d,
                 double rho,
                 double sigma)
{
  double gap = d - rho;

  if (gap <= 0.0 || sigma <= 0.0)
    return 1.0;
  return exp (-gap / sigma);
}

UmapGraph *
umap_fuzzy_graph (const EmbKnnGraph *graph,
                  guint              n_neighbors,
                  GError           **error)
{
  gsize n = graph->n, cells;
  guint count = n_neighbors - 1;
  g_autofree Entry *a = NULL;
  g_autofree guint *len = NULL;
  g_autofree gsize *tr_row = NULL;
  g_autofree Entry *tr = NULL;
  UmapGraph *out;

  g_return_val_if_fail (n_neighbors >= 2 && n_neighbors - 1 <= graph->k, NULL);

  if (!emb_size_mul (n, count, &cells) || !emb_size_mul (cells, 2, &cells))
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "UMAP's graph of %" G_GSIZE_FORMAT " rows is too large", n);
      return NULL;
    }
  if ((a = emb_try_new (Entry, n * count, "UMAP's directed memberships", error)) == NULL ||
      (len = emb_try_new (guint, n, "UMAP's row lengths", error)) == NULL ||
      (tr_row = emb_try_new (gsize, n + 1, "UMAP's transposed rows", error)) == NULL ||
      (tr = emb_try_new (Entry, n * count, "UMAP's transposed memberships", error)) == NULL)
    return NULL;
  if (!directed_rows (graph, count, a, len, error))
    return NULL;
  transpose_rows (n, count, a, len, tr_row, tr);
  if ((out = umap_graph_new (n, cells, error)) == NULL)
    return NULL;
  union_rows (n, count, a, len, tr_row, tr, out);
  return out;
}

void
umap_graph_prune (UmapGraph *graph,
                  guint      n_epochs)
{
  float max = 0.0f, floor;
  gsize at = 0;

  for (gsize e = 0; e < graph->row[graph->n]; e++)
    max = MAX (max, graph->w[e]);
  floor = max / (float) MAX (n_epochs, 1u);
  for (gsize i = 0; i < graph->n; i++)
    {
      gsize begin = graph->row[i], end = graph->row[i + 1];

      graph->row[i] = at;
      for (gsize e = begin; e < end; e++)
        if (graph->w[e] >= floor && graph->w[e] > 0.0f)
          {
            graph->col[at] = graph->col[e];
            graph->w[at] = graph->w[e];
            at++;
          }
    }
  graph->row[graph->n] = at;
}

void
umap_fit_ab (double  spread,
             double  min_dist,
             double *a,
             double *b)
{
  double x[FIT_POINTS], y[FIT_POINTS];
  double pa = 1.0, pb = 1.0, lambda = 1e-3, cost;

  for (int i = 0; i < FIT_POINTS; i++)
    {
      x[i] = 3.0 * spread * i / (FIT_POINTS - 1);
      y[i] = x[i] < min_dist ? 1.0 : exp (-(x[i] - min_dist) / spread);
    }
  cost = fit_cost (x, y, pa, pb, NULL, NULL);
  for (int it = 0; it < FIT_ITERATIONS; it++)
    {
      double jtj[4], jtr[2], m00, m11, det, da, db, na, nb, next;

      fit_cost (x, y, pa, pb, jtj, jtr);
      m00 = jtj[0] * (1.0 + lambda);
      m11 = jtj[3] * (1.0 + lambda);
      det = m00 * m11 - jtj[1] * jtj[2];
      if (!(fabs (det) > 0.0))
        break;
      da = -(m11 * jtr[0] - jtj[1] * jtr[1]) / det;
      db = -(m00 * jtr[1] - jtj[2] * jtr[0]) / det;
      na = pa + da, nb = pb + db;
      next = na > 0.0 && nb > 0.0 ? fit_cost (x, y, na, nb, NULL, NULL) : INFINITY;
      if (next < cost)
        {
          gboolean small = fabs (da) < 1e-12 * (1.0 + fabs (pa)) &&
                           fabs (db) < 1e-12 * (1.0 + fabs (pb));

          pa = na, pb = nb, cost = next;
          lambda = MAX (lambda / 10.0, 1e-12);
          if (small)
            break;
        }
      else
        {
          lambda *= 10.0;
          if (lambda > 1e12)
            break;
        }
    }
  *a = pa;
  *b = pb;
}
