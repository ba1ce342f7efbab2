/* emb-tsne-affinity.c: t-SNE's input affinities.
 *
 * Row i's conditional distribution over its neighbours j is
 *   p_{j|i} = exp (-beta_i d_ij) / sum_l exp (-beta_i d_il)
 * with beta_i chosen so that its entropy H = -sum p log p equals
 * log (perplexity); d is the squared distance for the Euclidean metric
 * and the distance for the cosine one.  Then P = (P_cond + P_cond^T) / 2n,
 * symmetric and summing to 1.  Everything is in double, per row, so the
 * result does not depend on the thread count.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "map/emb-tsne-private.h"

#include "base/emb-alloc.h"

#define CALIBRATE_TOLERANCE 1e-5
#define CALIBRATE_MAX_STEPS 100

/* H (beta) with the distances shifted by their minimum, so the largest
 * term is 1 and the sum never underflows: the shift cancels in p. */
static double
row_entropy (const double *d,
             guint         k,
             double        beta,
             double       *sum_out)
{
  double sum = 0, sum_dp = 0;

  for (guint j = 0; j < k; j++)
    {
      double e = exp (-beta * d[j]);

      sum += e;
      sum_dp += e * d[j];
    }
  *sum_out = sum;
  return log (sum) + beta * sum_dp / sum;
}

double
_emb_tsne_calibrate_row (const float *dist,
                         guint        k,
                         gboolean     square,
                         double       perplexity,
                         double      *p)
{
  double target = log (perplexity);
  double beta = 1, lo = 0, hi = INFINITY, dmin = INFINITY, sum;
  gboolean have_lo = FALSE;

  if (k == 0)
    return 0;
  for (guint j = 0; j < k; j++)
    {
      double dj = dist[j];

      p[j] = square ? dj * dj : dj;
      dmin = MIN (dmin, p[j]);
    }
  /* p holds the shifted distances until the end. */
  for (guint j = 0; j < k; j++)
    p[j] -= dmin;

  for (guint step = 0; step < CALIBRATE_MAX_STEPS; step++)
    {
      double h = row_entropy (p, k, beta, &sum);

      if (fabs (h - target) < CALIBRATE_TOLERANCE)
        break;
      if (h > target)
        {
          /* Too flat: sharpen. */
          lo = beta;
          have_lo = TRUE;
          beta = isinf (hi) ? beta * 2 : (beta + hi) / 2;
        }
      else
        {
          hi = beta;
          beta = have_lo ? (beta + lo) / 2 : beta / 2;
        }
    }

  sum = 0;
  for (guint j = 0; j < k; j++)
    {
      p[j] = exp (-beta * p[j]);
      sum += p[j];
    }
  for (guint j = 0; j < k; j++)
    p[j] /= sum;
  return beta;
}

typedef struct
{
  const EmbKnnGraph *graph;
  guint              k_use;
  double             perplexity;
  double            *p_cond;   /* n x k_use */
} CalibrateJob;

static void
calibrate_range (gsize    begin,
                 gsize    end,
                 gpointer data)
{
  CalibrateJob *job = data;
  gboolean square = job->graph->metric == EMB_METRIC_EUCLIDEAN;

  for (gsize i = begin; i < end; i++)
    _emb_tsne_calibrate_row (job->graph->dist + i * job->graph->k, job->k_use,
                             square, job->perplexity,
                             job->p_cond + i * job->k_use);
}

typedef struct
{
  guint32 col;
  float   val;
} Entry;

static int
entry_compare (const void *a,
               const void *b)
{
  const Entry *x = a, *y = b;

  if (x->col != y->col)
    return x->col < y->col ? -1 : 1;
  /* Equal columns: by value, so the merged sum is the same whatever
   * order the sort leaves them in. */
  return (x->val > y->val) - (x->val < y->val);
}

/* Symmetrises n x k_use conditional probabilities into p (CSR): each edge
 * i -> j goes to rows i and j, then each row is sorted by column and
 * equal columns merged. */
static gboolean
symmetrise (const EmbKnnGraph *graph,
            guint              k_use,
            const double      *p_cond,
            EmbTsneAffinities *p,
            GError           **error)
{
  gsize n = graph->n, nnz = 2 * n * (gsize) k_use, out = 0;
  g_autofree gsize *fill = NULL;
  g_autofree Entry *entries = NULL;
  double scale = 1.0 / (2.0 * (double) n);

  fill = emb_try_new0 (gsize, n + 1, "the t-SNE affinities' row counts", error);
  entries = fill ? emb_try_new (Entry, nnz, "the t-SNE affinities", error) : NULL;
  if (!entries)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    for (guint t = 0; t < k_use; t++)
      {
        fill[i + 1]++;
        fill[graph->idx[i * graph->k + t] + 1]++;
      }
  for (gsize i = 0; i < n; i++)
    fill[i + 1] += fill[i];
  p->row_ptr = emb_try_new (gsize, n + 1, "the t-SNE affinities' rows", error);
  if (!p->row_ptr)
    return FALSE;
  memcpy (p->row_ptr, fill, (n + 1) * sizeof (gsize));
  for (gsize i = 0; i < n; i++)
    for (guint t = 0; t < k_use; t++)
      {
        guint32 j = graph->idx[i * graph->k + t];
        float v = (float) (p_cond[i * k_use + t] * scale);

        entries[fill[i]++] = (Entry) { j, v };
        entries[fill[j]++] = (Entry) { (guint32) i, v };
      }

  p->col = emb_try_new (guint32, nnz, "the t-SNE affinities' columns", error);
  p->val = p->col ? emb_try_new (float, nnz, "the t-SNE affinities' values", error) : NULL;
  if (!p->val)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      gsize begin = p->row_ptr[i], end = p->row_ptr[i + 1];

      qsort (entries + begin, end - begin, sizeof (Entry), entry_compare);
      p->row_ptr[i] = out;
      for (gsize e = begin; e < end; e++)
        {
          if (out > p->row_ptr[i] && p->col[out - 1] == entries[e].col)
            p->val[out - 1] += entries[e].val;
          else
            {
              p->col[out] = entries[e].col;
              p->val[out] = entries[e].val;
              out++;
            }
        }
    }
  p->row_ptr[n] = out;
  return TRUE;
}

EmbTsneAffinities *
_emb_tsne_affinities_new (const EmbKnnGraph *graph,
                          double             perplexity,
                          guint              n_threads,
                          GError           **error)
{
  g_autofree double *p_cond = NULL;
  EmbTsneAffinities *p;
  CalibrateJob job;
  guint k_use = (guint) MIN ((double) graph->k, floor (3 * perplexity));

  k_use = MAX (k_use, 1);
  p_cond = emb_try_new (double, graph->n * (gsize) k_use,
                        "the t-SNE conditional affinities", error);
  if (!p_cond)
    return NULL;
  job = (CalibrateJob) { graph, k_use, perplexity, p_cond };
  _emb_tsne_parallel (n_threads, graph->n, 256, calibrate_range, &job);

  p = g_new0 (EmbTsneAffinities, 1);
  p->n = graph->n;
  if (!symmetrise (graph, k_use, p_cond, p, error))
    {
      _emb_tsne_affinities_free (p);
      return NULL;
    }
  return p;
}

void
_emb_tsne_affinities_free (EmbTsneAffinities *p)
{
  if (!p)
    return;
  g_free (p->row_ptr);
  g_free (p->col);
  g_free (p->val);
  g_free (p);
}
