/* emb-kmeans-seed.c: k-means's randomness (base/emb-rng.h): the row
 * sample and k-means++ seeding. */
#include "config.h"

#include <cblas.h>

#include "base/emb-alloc.h"
#include "analysis/emb-kmeans-private.h"

/* Writes x~ = s x of row i, rounded to float, as centroid c. */
static void
km_set_centroid (KmCentroids  *cents,
                 gsize         c,
                 const KmRows *rows,
                 EmbMetric     metric,
                 gsize         i)
{
  const float *x = rows->data + i * rows->d;
  double s, q;

  km_row_scale (metric, rows->sq[i], &s, &q);
  for (gsize j = 0; j < rows->d; j++)
    cents->c[c * rows->d + j] = (float) (s * x[j]);
}

/* k-means++ seeding: the first centroid a uniform row, each next one row i
 * drawn with probability D(i)^2 / sum D^2, D(i) the distance of x~_i to
 * its nearest centroid so far (exact in double; sgemv screens which rows
 * the new centroid could bring nearer).  When every row sits on a centroid
 * (fewer distinct rows than k), the next one is drawn uniformly. */
gboolean
km_seed (const KmRows  *rows,
         EmbMetric      metric,
         KmCentroids   *cents,
         EmbRng         *rng,
         GCancellable  *cancellable,
         KmProgress    *progress,
         GError       **error)
{
  gsize n = rows->n, d = rows->d, k = cents->k;
  g_autofree double *d2 = emb_try_new (double, n, "k-means seeding distances", error);
  g_autofree float *dots = d2 != NULL ? emb_try_new (float, n, "k-means seeding dots", error) : NULL;
  gsize pick;

  if (dots == NULL)
    return FALSE;
  pick = emb_rng_below (rng, n);

  for (gsize i = 0; i < n; i++)
    d2[i] = G_MAXDOUBLE;

  for (gsize c = 0; ; c++)
    {
      const float *cv = cents->c + c * d;
      double cn2, cnorm, total = 0.0;
      float cn2f;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      km_set_centroid (cents, c, rows, metric, pick);
      if (c + 1 == k)
        break;

      emb_rows_sq_norms (cv, 1, d, &cn2);
      cn2f = (float) cn2;
      cnorm = sqrt (cn2);
      /* In slices, as BLAS counts rows in an int. */
      for (gsize begin = 0; begin < n; begin += KMEANS_SEED_SLICE)
        cblas_sgemv (CblasRowMajor, CblasNoTrans, (int) MIN (n - begin, KMEANS_SEED_SLICE), (int) d,
                     1.0f, rows->data + begin * d, (int) d, cv, 1, 0.0f, dots + begin, 1);
      for (gsize i = 0; i < n; i++)
        {
          double s, q;
          float f, bound;

          km_row_scale (metric, rows->sq[i], &s, &q);
          f = (float) q - (float) (2.0 * s) * dots[i] + cn2f;
          bound = km_screen_bound (d, s, q, cnorm);
          /* Also when the float values overflowed (nan or inf). */
          if (!(isfinite (f - bound) && f - bound >= d2[i]))
            d2[i] = MIN (d2[i], km_dist (rows->data + i * d, s, cv, d));
          total += d2[i];
        }

      if (total > 0.0)
        {
          double u = emb_rng_double (rng) * total, cum = 0.0;

          pick = G_MAXSIZE;
          for (gsize i = 0; i < n; i++)
            {
              if (d2[i] > 0.0)
                pick = i;
              cum += d2[i];
              if (u < cum)
                break;
            }
        }
      else
        pick = emb_rng_below (rng, n);
      km_progress (progress, KMEANS_PROGRESS_SEED * (c + 1) / k);
    }
  km_centroids_norms (cents);
  return TRUE;
}

/* Indices of m of the n rows, uniformly without replacement and in
 * increasing order (selection sampling: row i is taken with probability
 * (m - taken) / (n - i)). */
gsize *
km_sample_indices (gsize  n,
                   gsize  m,
                   EmbRng *rng)
{
  gsize *idx = g_new (gsize, m);
  gsize taken = 0;

  for (gsize i = 0; i < n && taken < m; i++)
    if (emb_rng_below (rng, n - i) < m - taken)
      idx[taken++] = i;
  return idx;
}
