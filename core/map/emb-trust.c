/* emb-trust.c: trustworthiness of a map on a sample of its rows.
 *
 * The sample's table distances come a block of rows at a time from one
 * sgemm (on the unit or safely scaled rows of the neighbour graph); for
 * each row, its k nearest in the map are found by a scan in double, and
 * each one's rank in the table is the count of rows nearer to it there.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "map/emb-knn-graph-private.h"
#include "map/emb-trust.h"

#define TRUST_BLOCK 256

/* Row i's k nearest among the m map points (excluding i), into near. */
static void
map_nearest (const double *y,
             guint         dims,
             gsize         m,
             gsize         i,
             guint         k,
             gsize        *near,
             double       *near_d)
{
  guint have = 0;

  for (gsize j = 0; j < m; j++)
    {
      double s = 0.0;
      guint p;

      if (j == i)
        continue;
      for (guint c = 0; c < dims; c++)
        s += (y[i * dims + c] - y[j * dims + c]) * (y[i * dims + c] - y[j * dims + c]);
      if (have == k && s >= near_d[k - 1])
        continue;
      p = have < k ? have++ : k - 1;
      for (; p > 0 && near_d[p - 1] > s; p--)
        {
          near_d[p] = near_d[p - 1];
          near[p] = near[p - 1];
        }
      near_d[p] = s;
      near[p] = j;
    }
}

/* The table distances of row i (of the sample) to every sample row, from
 * its row of dot products g. */
static void
table_distances (const GraphRows *rows,
                 const float     *sq,
                 const float     *g,
                 gsize            m,
                 gsize            i,
                 float           *out)
{
  for (gsize j = 0; j < m; j++)
    out[j] = rows->metric == EMB_METRIC_EUCLIDEAN ? sq[i] + sq[j] - 2.0f * g[j]
             /* unit rows (a zero row has g = 0): 1 - cos */
             : 1.0f - g[j];
}

gboolean
emb_trustworthiness (const EmbMatrix *matrix,
                     EmbMetric        metric,
                     const float     *map,
                     guint            dims,
                     guint            k,
                     gsize            n_sample,
                     double          *trust,
                     GCancellable    *cancellable,
                     GError         **error)
{
  gsize n = matrix->n_rows, d = matrix->n_cols, m = MIN (n_sample, n);
  g_autofree guint32 *ids = NULL;
  g_autofree float *x = NULL, *sq = NULL, *g = NULL, *dist = NULL;
  g_autofree double *y = NULL, *near_d = NULL;
  g_autofree gsize *near = NULL;
  GraphRows rows;
  double penalty = 0.0;

  if ((double) k >= m / 2.0 || k == 0)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "Trustworthiness at %u neighbours needs more than %u rows; there are %zu",
                   k, 2 * k, m);
      return FALSE;
    }
  ids = graph_sample_ids (n, m, error);
  x = ids ? emb_try_alloc (m, d * sizeof (float), "the trustworthiness sample", error) : NULL;
  sq = x ? emb_try_new (float, m, "the trustworthiness sample", error) : NULL;
  g = sq ? emb_try_alloc (TRUST_BLOCK, m * sizeof (float), "the trustworthiness sample", error) : NULL;
  dist = g ? emb_try_new (float, m, "the trustworthiness sample", error) : NULL;
  y = dist ? emb_try_alloc (m, dims * sizeof (double), "the trustworthiness sample", error) : NULL;
  near = y ? g_new (gsize, k) : NULL;
  near_d = near ? g_new (double, k) : NULL;
  if (near_d == NULL || !graph_rows_init (&rows, matrix, metric, error))
    return FALSE;
  for (gsize i = 0; i < m; i++)
    {
      memcpy (x + i * d, rows.x + (gsize) ids[i] * d, d * sizeof (float));
      sq[i] = rows.sq ? rows.sq[ids[i]] : 0.0f;
      for (guint c = 0; c < dims; c++)
        y[i * dims + c] = map[(gsize) ids[i] * dims + c];
    }

  for (gsize b0 = 0; b0 < m; b0 += TRUST_BLOCK)
    {
      gsize nb = MIN (TRUST_BLOCK, m - b0);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          graph_rows_clear (&rows);
          return FALSE;
        }
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nb, (int) m, (int) d,
                   1.0f, x + b0 * d, (int) d, x, (int) d, 0.0f, g, (int) m);
      for (gsize bi = 0; bi < nb; bi++)
        {
          gsize i = b0 + bi;

          table_distances (&rows, sq, g + bi * m, m, i, dist);
          map_nearest (y, dims, m, i, k, near, near_d);
          for (guint a = 0; a < k; a++)
            {
              gsize j = near[a], rank = 1;
              float dj = dist[j];

              for (gsize l = 0; l < m; l++)
                rank += l != i && l != j && dist[l] < dj;
              if (rank > k)
                penalty += (double) (rank - k);
            }
        }
    }
  graph_rows_clear (&rows);
  *trust = 1.0 - 2.0 / ((double) m * k * (2.0 * m - 3.0 * k - 1.0)) * penalty;
  return TRUE;
}
