/* emb-knn.c: exact top-k neighbours by a full scan.
 *
 * A query scores every row in float, a block of rows at a time (sgemv, then
 * the metric from the stored row norms), and keeps the k + a few best in a
 * heap while the block's scores are still in cache.  Those candidates are
 * then scored again in double from the rows and sorted, so the answer's
 * order and scores do not depend on float rounding; a bound on the float
 * scores' error proves that no row outside the candidates could enter the
 * top k, or the scan is repeated with more candidates.
 *
 * The float scan is only used where its error bound holds: every nonzero
 * row norm and the query norm within [2^-40, 2^40], so that no product,
 * norm or squared distance overflows or underflows in float.  Outside that
 * range (values near FLT_MAX, or denormals) every row is scored exactly in
 * double, where sums of squares of any finite floats are finite; scores are
 * returned in double, so a dot product or distance of huge rows is a finite
 * number rather than inf.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "base/emb-error.h"
#include "base/emb-simd.h"
#include "analysis/emb-knn.h"

/* Rows scored per sgemv call: the block's scores (64 KB) stay in L2 for the
 * selection that follows, and the call is still long enough for BLAS to
 * spread it over its threads. */
#define KNN_BLOCK_ROWS 16384

/* Candidates kept beyond k for the exact re-ranking, and the factor they
 * grow by when the error bound cannot rule out a row left outside. */
#define KNN_EXTRA        16
#define KNN_EXTRA_GROWTH 16

/* The float scan's range: norms within [2^-KNN_SAFE_EXP, 2^KNN_SAFE_EXP]
 * (or zero) keep products and squared distances far from float's limits. */
#define KNN_SAFE_EXP 40


struct _EmbKnnIndex
{
  /* owned */
  EmbMatrix *matrix;
  float     *norms;      /* n_rows: |x_i|, summed in double */
  double     max_norm;
  double     min_norm;   /* the smallest nonzero norm; G_MAXDOUBLE if none */
};

/* A candidate: key is the score made "higher is nearer".  In the float
 * scan, minus the squared distance for euclidean; once scored in double,
 * minus the distance (the score returned, negated). */
typedef struct
{
  double key;
  gsize  id;
} Candidate;

typedef Candidate Ranked;

/* auxiliary functions */

/* Turns the dot products s_i = x_i.q of one block into keys in place:
 * cosine s_i / (|x_i| |q|) (0 for a zero row or query), euclidean
 * -max (|x_i|^2 - 2 s_i + |q|^2, 0), dot s_i. */
EMB_SIMD_CLONES static void
knn_block_keys (float       *s,
                const float *norms,
                gsize        rows,
                EmbMetric    metric,
                float        q_norm,
                float        q_norm2)
{
  switch (metric)
    {
    case EMB_METRIC_COSINE:
      {
        float inv_q = q_norm > 0.0f ? 1.0f / q_norm : 0.0f;

        /* A zero row has s_i = 0 exactly, so dividing it by 1 gives 0. */
        for (gsize i = 0; i < rows; i++)
          s[i] = s[i] / (norms[i] > 0.0f ? norms[i] : 1.0f) * inv_q;
      }
      break;

    case EMB_METRIC_EUCLIDEAN:
      for (gsize i = 0; i < rows; i++)
        {
          float d2 = norms[i] * norms[i] - 2.0f * s[i] + q_norm2;

          s[i] = -(d2 > 0.0f ? d2 : 0.0f);
        }
      break;

    case EMB_METRIC_DOT:
    default:
      break;
    }
}

/* The exact key of row x for the query q (double, with q.q = q_norm2):
 * the dot products in double, where each float product is exact. */
static double
knn_exact_key (const float  *x,
               const double *q,
               double        q_norm2,
               gsize         n_dims,
               EmbMetric     metric)
{
  double xq = 0.0, xx = 0.0, dd = 0.0;

  switch (metric)
    {
    case EMB_METRIC_COSINE:
      for (gsize j = 0; j < n_dims; j++)
        {
          xq += (double) x[j] * q[j];
          xx += (double) x[j] * (double) x[j];
        }
      if (xx == 0.0 || q_norm2 == 0.0)
        return 0.0;
      /* Rounding can take parallel rows a hair past 1. */
      return CLAMP (xq / (sqrt (xx) * sqrt (q_norm2)), -1.0, 1.0);

    case EMB_METRIC_EUCLIDEAN:
      for (gsize j = 0; j < n_dims; j++)
        {
          double t = (double) x[j] - q[j];
          dd += t * t;
        }
      return -dd;

    case EMB_METRIC_DOT:
    default:
      for (gsize j = 0; j < n_dims; j++)
        xq += (double) x[j] * q[j];
      return xq;
    }
}

/* The rank key ("higher is nearer") of an exact key: the score itself for
 * cosine and dot, minus the distance for euclidean (key = -distance^2). */
static double
knn_rank_key_exact (double    key,
                    EmbMetric metric)
{
  if (metric == EMB_METRIC_EUCLIDEAN)
    return -sqrt (MAX (-key, 0.0));
  return key;
}

/* a is a worse candidate than b: lower key, or the same key and a higher id. */
static inline gboolean
candidate_worse (const Candidate *a,
                 const Candidate *b)
{
  return a->key < b->key || (a->key == b->key && a->id > b->id);
}

/* Adds c to the heap of *len candidates (worst at heap[0]); *len grows. */
static void
heap_push (Candidate *heap,
           gsize     *len,
           Candidate  c)
{
  gsize i = (*len)++;

  while (i > 0)
    {
      gsize parent = (i - 1) / 2;

      if (!candidate_worse (&c, &heap[parent]))
        break;
      heap[i] = heap[parent];
      i = parent;
    }
  heap[i] = c;
}

/* Replaces the worst candidate, heap[0], by c and sifts it down. */
static void
heap_replace_top (Candidate *heap,
                  gsize      len,
                  Candidate  c)
{
  gsize i = 0;

  for (;;)
    {
      gsize child = 2 * i + 1;

      if (child >= len)
        break;
      if (child + 1 < len && candidate_worse (&heap[child + 1], &heap[child]))
        child++;
      if (!candidate_worse (&heap[child], &c))
        break;
      heap[i] = heap[child];
      i = child;
    }
  heap[i] = c;
}

/* Best first: higher key, then lower id; nan (never expected) last. */
static int
ranked_compare (const void *pa,
                const void *pb)
{
  const Ranked *a = pa, *b = pb;
  double ka = isnan (a->key) ? -INFINITY : a->key;
  double kb = isnan (b->key) ? -INFINITY : b->key;

  if (ka != kb)
    return ka > kb ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* Ascending ids, for qsort. */
static int
gsize_compare (const void *pa,
               const void *pb)
{
  gsize a = *(const gsize *) pa, b = *(const gsize *) pb;

  return a < b ? -1 : a > b;
}

/* The float scan: keys of every row (sgemv per block, then the metric),
 * the best `cap` rows not in ex (sorted ids) kept in heap.  Returns how many
 * the heap holds; when it is full, every row outside it has a key no higher
 * than heap[0].key, since the top only rises during the scan. */
static gsize
knn_scan (const EmbKnnIndex *self,
          const float       *q,
          float              q_norm,
          float              q_norm2,
          EmbMetric          metric,
          const gsize       *ex,
          gsize              n_ex,
          Candidate         *heap,
          gsize              cap,
          float             *block)
{
  const EmbMatrix *m = self->matrix;
  gsize n = m->n_rows, d = m->n_cols, len = 0, ex_pos = 0;

  for (gsize start = 0; start < n; start += KNN_BLOCK_ROWS)
    {
      gsize rows = MIN (KNN_BLOCK_ROWS, n - start);

      cblas_sgemv (CblasRowMajor, CblasNoTrans, (blasint) rows, (blasint) d,
                   1.0f, m->data + start * d, (blasint) d, q, 1, 0.0f, block, 1);
      knn_block_keys (block, self->norms + start, rows, metric, q_norm, q_norm2);

      for (gsize i = 0; i < rows; i++)
        {
          Candidate c = { block[i], start + i };

          /* Rows come in increasing id, so a tie with the top loses. */
          if (len == cap && !(c.key > heap[0].key))
            continue;
          while (ex_pos < n_ex && ex[ex_pos] < c.id)
            ex_pos++;
          if (ex_pos < n_ex && ex[ex_pos] == c.id)
            continue;
          if (len < cap)
            heap_push (heap, &len, c);
          else
            heap_replace_top (heap, len, c);
        }
    }
  return len;
}

/* The exact scan, for matrices or queries outside the float scan's range:
 * every row not in ex (sorted ids) scored in double, the best k kept in
 * heap (room for k) and written to ranked best first; returns how many. */
static gsize
knn_scan_exact (const EmbKnnIndex *self,
                const double      *qd,
                double             q_norm2,
                EmbMetric          metric,
                const gsize       *ex,
                gsize              n_ex,
                gsize              k,
                Candidate         *heap)
{
  const EmbMatrix *m = self->matrix;
  gsize n = m->n_rows, d = m->n_cols, len = 0, ex_pos = 0;

  for (gsize id = 0; id < n; id++)
    {
      Candidate c;

      while (ex_pos < n_ex && ex[ex_pos] < id)
        ex_pos++;
      if (ex_pos < n_ex && ex[ex_pos] == id)
        continue;
      c.id = id;
      c.key = knn_rank_key_exact (knn_exact_key (m->data + id * d, qd, q_norm2, d, metric),
                                  metric);
      if (len < k)
        heap_push (heap, &len, c);
      else if (candidate_worse (&heap[0], &c))
        heap_replace_top (heap, len, c);
    }
  qsort (heap, len, sizeof (Candidate), ranked_compare);
  return len;
}

/* Whether the float scan's error bound holds for this query: the query
 * norm and every nonzero row norm in the safe range (see the top). */
static gboolean
knn_float_safe (const EmbKnnIndex *self,
                double             q_norm)
{
  double lo = ldexp (1.0, -KNN_SAFE_EXP), hi = ldexp (1.0, KNN_SAFE_EXP);

  return self->max_norm <= hi && q_norm <= hi &&
         (self->min_norm == G_MAXDOUBLE || self->min_norm >= lo) &&
         (q_norm == 0.0 || q_norm >= lo);
}

/* The k best rows for the query (qd in double, qf its float rounding),
 * skipping the ids in exclude; writes them to out best first, returns how
 * many.  Float scan for candidates, exact re-ranking in double, and a proof
 * from the float error bound that the candidates hold the true top k:
 * a row left out has a float key <= the heap's top t, so an exact key
 * <= t + bound; it cannot enter when t + bound < the k-th exact key. */
static gsize
knn_search (const EmbKnnIndex *self,
            const float       *qf,
            const double      *qd,
            EmbMetric          metric,
            gsize              k,
            const gsize       *exclude,
            gsize              n_exclude,
            EmbNeighbor       *out)
{
  const EmbMatrix *m = self->matrix;
  gsize n = m->n_rows, d = m->n_cols;
  g_autofree gsize *ex = NULL;
  g_autofree float *block = NULL;
  g_autofree Candidate *heap = NULL;
  g_autofree Ranked *ranked = NULL;
  gsize n_ex = 0, n_eligible, extra = KNN_EXTRA, len = 0;
  double q_norm2 = 0.0, q_norm, u, gamma, bound;

  /* The exclusions that are rows, sorted and unique, to walk with the scan. */
  ex = g_new (gsize, MAX (n_exclude, 1));
  for (gsize i = 0; i < n_exclude; i++)
    if (exclude[i] < n)
      ex[n_ex++] = exclude[i];
  qsort (ex, n_ex, sizeof (gsize), gsize_compare);
  if (n_ex > 1)
    {
      gsize w = 1;

      for (gsize i = 1; i < n_ex; i++)
        if (ex[i] != ex[w - 1])
          ex[w++] = ex[i];
      n_ex = w;
    }
  n_eligible = n - n_ex;
  k = MIN (k, n_eligible);
  if (k == 0)
    return 0;

  for (gsize j = 0; j < d; j++)
    q_norm2 += qd[j] * qd[j];
  q_norm = sqrt (q_norm2);

  /* A zero query scores every row 0 by cosine: the answer is the first
   * eligible ids, and no error bound could separate them, so say it here
   * rather than rescan with ever more candidates. */
  if (metric == EMB_METRIC_COSINE && q_norm2 == 0.0)
    {
      gsize ex_pos = 0, found = 0;

      for (gsize id = 0; found < k; id++)
        {
          if (ex_pos < n_ex && ex[ex_pos] == id)
            {
              ex_pos++;
              continue;
            }
          out[found].id = id;
          out[found].score = 0.0f;
          found++;
        }
      return k;
    }

  if (!knn_float_safe (self, q_norm))
    {
      heap = g_new (Candidate, k);
      len = knn_scan_exact (self, qd, q_norm2, metric, ex, n_ex, k, heap);
      for (gsize i = 0; i < len; i++)
        {
          out[i].id = heap[i].id;
          out[i].score = metric == EMB_METRIC_EUCLIDEAN ? -heap[i].key : heap[i].key;
        }
      return len;
    }

  /* |fl (x.q) - x.q| <= gamma_d |x| |q| for any summation order; the
   * stored norms, the query's rounding to float and the few operations that
   * make the key add a few units of rounding u.  Doubled for margin. */
  u = ldexp (1.0, -24);
  gamma = (double) (d + 2) * u / (1.0 - (double) (d + 2) * u);
  switch (metric)
    {
    case EMB_METRIC_COSINE:
      bound = 2.0 * (gamma + 8.0 * u);
      break;
    case EMB_METRIC_EUCLIDEAN:
      bound = 2.0 * (gamma + 8.0 * u) * (self->max_norm + q_norm) * (self->max_norm + q_norm);
      break;
    case EMB_METRIC_DOT:
    default:
      bound = 2.0 * (gamma + 8.0 * u) * self->max_norm * q_norm;
      break;
    }

  block = g_new (float, MIN (n, KNN_BLOCK_ROWS));
  for (;;)
    {
      gsize cap = extra < n_eligible - k ? k + extra : n_eligible;

      heap = g_renew (Candidate, heap, cap);
      ranked = g_renew (Ranked, ranked, cap);
      len = knn_scan (self, qf, (float) q_norm, (float) q_norm2, metric,
                      ex, n_ex, heap, cap, block);
      for (gsize i = 0; i < len; i++)
        {
          ranked[i].id = heap[i].id;
          ranked[i].key = knn_rank_key_exact (knn_exact_key (m->data + heap[i].id * d, qd, q_norm2, d, metric),
                                        metric);
        }
      qsort (ranked, len, sizeof (Ranked), ranked_compare);

      /* Every eligible row was re-ranked, or none outside can enter: its
       * rank key is at most that of t + bound, which must be below the
       * float just under the k-th key, so that it cannot even tie. */
      if (len < cap || cap == n_eligible ||
          knn_rank_key_exact ((double) heap[0].key + bound, metric) <
          nextafter (ranked[k - 1].key, -INFINITY))
        break;
      extra = extra > G_MAXSIZE / KNN_EXTRA_GROWTH ? G_MAXSIZE : extra * KNN_EXTRA_GROWTH;
    }

  k = MIN (k, len);
  for (gsize i = 0; i < k; i++)
    {
      out[i].id = ranked[i].id;
      out[i].score = metric == EMB_METRIC_EUCLIDEAN ? -ranked[i].key : ranked[i].key;
    }
  return k;
}

/* public API */

/* The metric's name, as emb_metric_from_string () reads it; NULL for a
 * value that is not a metric. */
const char *
emb_metric_to_string (EmbMetric metric)
{
  switch (metric)
    {
    case EMB_METRIC_COSINE:
      return "cosine";
    case EMB_METRIC_EUCLIDEAN:
      return "euclidean";
    case EMB_METRIC_DOT:
      return "dot";
    default:
      return NULL;
    }
}

/* Parses "cosine", "euclidean" or "dot" (any case) into *metric; FALSE, with
 * *metric untouched, for anything else. */
gboolean
emb_metric_from_string (const char *text,
                        EmbMetric  *metric)
{
  static const EmbMetric metrics[] = {
    EMB_METRIC_COSINE, EMB_METRIC_EUCLIDEAN, EMB_METRIC_DOT,
  };

  g_return_val_if_fail (metric != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (metrics); i++)
    if (g_ascii_strcasecmp (text, emb_metric_to_string (metrics[i])) == 0)
      {
        *metric = metrics[i];
        return TRUE;
      }
  return FALSE;
}

/* An index over matrix (a reference is taken): norms[i] = |x_i|, summed in
 * double and stored as float, and their maximum for the error bound. */
EmbKnnIndex *
emb_knn_index_new (EmbMatrix *matrix)
{
  EmbKnnIndex *self;
  gsize n;

  g_return_val_if_fail (matrix != NULL, NULL);

  n = matrix->n_rows;
  self = g_new0 (EmbKnnIndex, 1);
  self->matrix = emb_matrix_ref (matrix);
  self->norms = g_new (float, MAX (n, 1));

  emb_matrix_row_norms (matrix, self->norms);
  self->min_norm = G_MAXDOUBLE;
  for (gsize i = 0; i < n; i++)
    {
      /* A float norm is inf beyond FLT_MAX, which only takes the index
       * out of the float scan's range; it is never zero for a nonzero row. */
      self->max_norm = MAX (self->max_norm, (double) self->norms[i]);
      if (self->norms[i] > 0.0f)
        self->min_norm = MIN (self->min_norm, (double) self->norms[i]);
    }
  return self;
}

/* Frees the index and drops its reference on the matrix. */
void
emb_knn_index_free (EmbKnnIndex *index)
{
  if (index == NULL)
    return;
  g_clear_pointer (&index->matrix, emb_matrix_unref);
  g_free (index->norms);
  g_free (index);
}

/* The indexed matrix, borrowed: valid as long as the index. */
EmbMatrix *
emb_knn_index_get_matrix (EmbKnnIndex *index)
{
  g_return_val_if_fail (index != NULL, NULL);

  return index->matrix;
}

/* The k best rows for q (n_cols floats) by metric, skipping exclude; out
 * gets up to k neighbours, best first, ties to the lower id.  A query with
 * nan or inf values has no neighbours. */
gsize
emb_knn_query_vector (EmbKnnIndex *index,
                      const float *q,
                      EmbMetric    metric,
                      gsize        k,
                      const gsize *exclude,
                      gsize        n_exclude,
                      EmbNeighbor *out)
{
  g_autofree double *qd = NULL;
  gsize d;

  g_return_val_if_fail (index != NULL, 0);
  g_return_val_if_fail (q != NULL, 0);
  g_return_val_if_fail (exclude != NULL || n_exclude == 0, 0);
  g_return_val_if_fail (out != NULL || k == 0, 0);

  d = index->matrix->n_cols;
  qd = g_new (double, MAX (d, 1));
  for (gsize j = 0; j < d; j++)
    {
      if (!isfinite (q[j]))
        return 0;
      qd[j] = q[j];
    }
  return knn_search (index, q, qd, metric, k, exclude, n_exclude, out);
}

/* The k best rows for row `row` by metric, the row itself excluded. */
gsize
emb_knn_query_row (EmbKnnIndex *index,
                   gsize        row,
                   EmbMetric    metric,
                   gsize        k,
                   EmbNeighbor *out)
{
  g_return_val_if_fail (index != NULL, 0);
  g_return_val_if_fail (row < index->matrix->n_rows, 0);

  return emb_knn_query_vector (index, emb_matrix_row (index->matrix, row),
                               metric, k, &row, 1, out);
}

/* 3CosAdd: q = a^ - b^ + c^ (x^ = x / |x|, 0 for a zero row) in double;
 * the k rows of highest cosine with q, a, b and c excluded. */
gsize
emb_knn_analogy (EmbKnnIndex *index,
                 gsize        a,
                 gsize        b,
                 gsize        c,
                 gsize        k,
                 EmbNeighbor *out)
{
  const gsize rows[3] = { a, b, c };
  const double signs[3] = { 1.0, -1.0, 1.0 };
  g_autofree double *qd = NULL;
  g_autofree float *qf = NULL;
  const EmbMatrix *m;
  gsize d;

  g_return_val_if_fail (index != NULL, 0);
  m = index->matrix;
  g_return_val_if_fail (a < m->n_rows && b < m->n_rows && c < m->n_rows, 0);
  g_return_val_if_fail (out != NULL || k == 0, 0);

  d = m->n_cols;
  qd = g_new0 (double, MAX (d, 1));
  qf = g_new (float, MAX (d, 1));
  for (gsize r = 0; r < 3; r++)
    {
      const float *x = emb_matrix_row (m, rows[r]);
      double xx = 0.0, scale;

      for (gsize j = 0; j < d; j++)
        xx += (double) x[j] * (double) x[j];
      if (xx == 0.0)
        continue;
      scale = signs[r] / sqrt (xx);
      for (gsize j = 0; j < d; j++)
        qd[j] += (double) x[j] * scale;
    }
  for (gsize j = 0; j < d; j++)
    qf[j] = (float) qd[j];

  return knn_search (index, qf, qd, EMB_METRIC_COSINE, k, rows, 3, out);
}
