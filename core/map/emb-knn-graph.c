/* emb-knn-graph.c: the exact neighbour graph, and what the approximate
 * one (emb-knn-graph-ivf.c) shares with it.
 *
 * Every row block of GRAPH_QUERY_BLOCK queries is scored against every
 * block of GRAPH_CAND_BLOCK rows with one sgemm, and each query keeps its k
 * best in a heap while the block's scores are in cache.  Threads take row
 * blocks t, t + T, ..., so a query's list is built by one thread in a fixed
 * order and the graph is the same for any thread count.  Big sgemm calls
 * queue on OpenBLAS's lock and use its threads; the selection of one
 * thread's block overlaps the product of the other's.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "base/emb-rng.h"
#include "map/emb-knn-graph-private.h"

/* Values whose squares float cannot hold: the rows are scaled by a power
 * of two first (distances scale with them, and are scaled back). */
#define GRAPH_SAFE_EXP 40

gboolean
graph_rows_init (GraphRows       *rows,
                 const EmbMatrix *matrix,
                 EmbMetric        metric,
                 GError         **error)
{
  gsize n = matrix->n_rows, d = matrix->n_cols;
  float amax = 0.0f;
  int e = 0;

  memset (rows, 0, sizeof *rows);
  rows->n = n;
  rows->d = d;
  rows->metric = metric;
  rows->scale = 1.0;
  rows->x = matrix->data;

  if (metric == EMB_METRIC_COSINE)
    {
      g_autofree double *sq = emb_try_new (double, n, "the graph's row norms", error);

      if (sq == NULL)
        return FALSE;
      rows->own = emb_try_alloc (n, d * sizeof (float), "the graph's unit rows", error);
      if (rows->own == NULL)
        return FALSE;
      emb_rows_unit (matrix->data, n, d, sq, rows->own);
      rows->x = rows->own;
      return TRUE;
    }

  for (gsize i = 0; i < n * d; i++)
    amax = MAX (amax, fabsf (matrix->data[i]));
  if (amax > 0.0f && (amax > ldexpf (1.0f, GRAPH_SAFE_EXP) || amax < ldexpf (1.0f, -GRAPH_SAFE_EXP)))
    {
      (void) frexpf (amax, &e);
      rows->own = emb_try_alloc (n, d * sizeof (float), "the graph's scaled rows", error);
      if (rows->own == NULL)
        return FALSE;
      for (gsize i = 0; i < n * d; i++)
        rows->own[i] = ldexpf (matrix->data[i], -e);
      rows->x = rows->own;
      rows->scale = ldexp (1.0, e);
    }
  {
    g_autofree double *sq = emb_try_new (double, n, "the graph's row norms", error);

    if (sq == NULL)
      return FALSE;
    rows->sq = emb_try_new (float, n, "the graph's row norms", error);
    if (rows->sq == NULL)
      return FALSE;
    emb_rows_sq_norms (rows->x, n, d, sq);
    for (gsize i = 0; i < n; i++)
      rows->sq[i] = (float) sq[i];
  }
  return TRUE;
}

void
graph_rows_clear (GraphRows *rows)
{
  g_clear_pointer (&rows->own, g_free);
  g_clear_pointer (&rows->sq, g_free);
}

gboolean
graph_heaps_init (GraphHeaps *heaps,
                  gsize       n_q,
                  guint       k,
                  GError    **error)
{
  memset (heaps, 0, sizeof *heaps);
  heaps->k = k;
  heaps->key = emb_try_alloc (n_q, k * sizeof (float), "the graph's candidate lists", error);
  heaps->id = heaps->key ? emb_try_alloc (n_q, k * sizeof (guint32), "the graph's candidate lists", error) : NULL;
  heaps->size = heaps->id ? emb_try_new0 (guint, n_q, "the graph's candidate lists", error) : NULL;
  if (heaps->size == NULL)
    {
      graph_heaps_clear (heaps);
      return FALSE;
    }
  return TRUE;
}

void
graph_heaps_clear (GraphHeaps *heaps)
{
  g_clear_pointer (&heaps->key, g_free);
  g_clear_pointer (&heaps->id, g_free);
  g_clear_pointer (&heaps->size, g_free);
}

/* (ka, ia) is farther than (kb, ib): a bigger key, or the same key and a
 * bigger id. */
static inline gboolean
farther (float   ka,
         guint32 ia,
         float   kb,
         guint32 ib)
{
  return ka > kb || (ka == kb && ia > ib);
}

/* A max-heap of the k nearest: the root is the farthest kept. */
static void
heap_offer (float   *key,
            guint32 *id,
            guint   *size,
            guint    k,
            float    kv,
            guint32  iv)
{
  guint i;

  if (*size < k)
    {
      for (i = (*size)++; i > 0; )
        {
          guint p = (i - 1) / 2;

          if (!farther (kv, iv, key[p], id[p]))
            break;
          key[i] = key[p];
          id[i] = id[p];
          i = p;
        }
      key[i] = kv;
      id[i] = iv;
      return;
    }
  if (!farther (key[0], id[0], kv, iv))
    return;
  for (i = 0; ; )
    {
      guint l = 2 * i + 1, r = l + 1, m;

      if (l >= k)
        break;
      m = r < k && farther (key[r], id[r], key[l], id[l]) ? r : l;
      if (!farther (key[m], id[m], kv, iv))
        break;
      key[i] = key[m];
      id[i] = id[m];
      i = m;
    }
  key[i] = kv;
  id[i] = iv;
}

/* Candidate j of a block, offered to one query's heap. */
static inline void
offer_one (float         *key,
           guint32       *id,
           guint         *size,
           guint          k,
           float          kv,
           guint32        cid,
           guint32        qid,
           float         *worst)
{
  if (kv > *worst || cid == qid)
    return;
  heap_offer (key, id, size, k, kv, cid);
  if (*size == k)
    *worst = key[0];
}

#define OFFER_LANES 16

void
graph_offer (const GraphRows *rows,
             GraphHeaps      *heaps,
             const guint32   *hids,
             gsize            h0,
             gsize            n_q,
             const guint32   *qids,
             gsize            q_first,
             const float     *s,
             gsize            ld,
             gsize            n_c,
             const guint32   *cand_ids,
             gsize            cand_first)
{
  guint k = heaps->k;
  gboolean euclid = rows->metric == EMB_METRIC_EUCLIDEAN;
  float csq[OFFER_LANES];

  for (gsize i = 0; i < n_q; i++)
    {
      gsize h = hids ? hids[i] : h0 + i;
      guint32 qid = (guint32) (qids ? qids[i] : q_first + i);
      float *key = heaps->key + h * k;
      guint32 *id = heaps->id + h * k;
      guint *size = &heaps->size[h];
      const float *si = s + i * ld;
      float worst = *size == k ? key[0] : INFINITY;

      /* Lanes of candidates are tested at once (a compare each, which the
       * compiler vectorises); the rare lane with one that beats the
       * farthest kept takes the slow path. */
      for (gsize j0 = 0; j0 < n_c; j0 += OFFER_LANES)
        {
          gsize nl = MIN (OFFER_LANES, n_c - j0);
          int any = 0;

          if (euclid)
            {
              for (gsize t = 0; t < nl; t++)
                csq[t] = rows->sq[cand_ids ? cand_ids[j0 + t] : cand_first + j0 + t];
              for (gsize t = 0; t < nl; t++)
                any |= csq[t] - 2.0f * si[j0 + t] <= worst;
            }
          else
            for (gsize t = 0; t < nl; t++)
              any |= -si[j0 + t] <= worst;
          if (G_LIKELY (!any))
            continue;
          for (gsize t = 0; t < nl; t++)
            offer_one (key, id, size, k, euclid ? csq[t] - 2.0f * si[j0 + t] : -si[j0 + t],
                       (guint32) (cand_ids ? cand_ids[j0 + t] : cand_first + j0 + t), qid, &worst);
        }
    }
}

/* The distance of rows a and b in double: |a - b|, or 1 - cos. */
static double
row_distance (const GraphRows *rows,
              gsize            a,
              gsize            b)
{
  const float *xa = rows->x + a * rows->d, *xb = rows->x + b * rows->d;
  double s = 0.0, na = 0.0, nb = 0.0;

  if (rows->metric == EMB_METRIC_EUCLIDEAN)
    {
      for (gsize j = 0; j < rows->d; j++)
        {
          double t = (double) xa[j] - xb[j];
          s += t * t;
        }
      return sqrt (s) * rows->scale;
    }
  for (gsize j = 0; j < rows->d; j++)
    {
      s += (double) xa[j] * xb[j];
      na += (double) xa[j] * xa[j];
      nb += (double) xb[j] * xb[j];
    }
  if (na == 0.0 || nb == 0.0)
    return 1.0;
  return CLAMP (1.0 - s / sqrt (na * nb), 0.0, 2.0);
}

void
graph_finish_row (const GraphRows  *rows,
                  const GraphHeaps *heaps,
                  gsize             h,
                  gsize             qid,
                  guint32          *idx,
                  float            *dist)
{
  guint k = heaps->k, m = heaps->size[h];
  const guint32 *id = heaps->id + h * k;
  double dd[m > 0 ? m : 1];
  guint32 ii[m > 0 ? m : 1];

  /* Insertion sort on (distance, id): k is small. */
  for (guint a = 0; a < m; a++)
    {
      double v = row_distance (rows, qid, id[a]);
      guint32 w = id[a];
      guint b = a;

      for (; b > 0 && (dd[b - 1] > v || (dd[b - 1] == v && ii[b - 1] > w)); b--)
        {
          dd[b] = dd[b - 1];
          ii[b] = ii[b - 1];
        }
      dd[b] = v;
      ii[b] = w;
    }
  for (guint a = 0; a < m; a++)
    {
      idx[a] = ii[a];
      dist[a] = (float) dd[a];
    }
}

/* The exact pass, shared by its threads. */
typedef struct
{
  const GraphRows *rows;
  const guint32   *qids;
  gsize            n_q;
  guint            k;
  guint32         *idx;
  float           *dist;
  guint            n_threads;
  GCancellable    *cancellable;
  EmbProgressFunc  progress;
  gpointer         progress_data;
  double           p0, p1;
  gint             failed;       /* atomic: cancelled or out of memory */
  gsize            blocks_done;  /* atomic */
} ExactJob;

typedef struct
{
  ExactJob *job;
  guint     t;
} ExactWorker;

static gboolean
exact_block (ExactJob   *job,
             gsize       q0,
             gsize       nq,
             float      *q,
             float      *s,
             GraphHeaps *heaps)
{
  const GraphRows *rows = job->rows;
  gsize d = rows->d;
  const float *qx = rows->x + q0 * d;

  if (job->qids != NULL)
    {
      for (gsize i = 0; i < nq; i++)
        memcpy (q + i * d, rows->x + (gsize) job->qids[q0 + i] * d, d * sizeof (float));
      qx = q;
    }
  memset (heaps->size, 0, nq * sizeof (guint));
  for (gsize c0 = 0; c0 < rows->n; c0 += GRAPH_CAND_BLOCK)
    {
      gsize nc = MIN (GRAPH_CAND_BLOCK, rows->n - c0);

      if (g_atomic_int_get (&job->failed) || g_cancellable_is_cancelled (job->cancellable))
        return FALSE;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nq, (int) nc, (int) d,
                   1.0f, qx, (int) d, rows->x + c0 * d, (int) d, 0.0f, s, (int) nc);
      graph_offer (rows, heaps, NULL, 0, nq, job->qids ? job->qids + q0 : NULL, q0,
                   s, nc, nc, NULL, c0);
    }
  for (gsize i = 0; i < nq; i++)
    graph_finish_row (rows, heaps, i, job->qids ? job->qids[q0 + i] : q0 + i,
                      job->idx + (q0 + i) * job->k, job->dist + (q0 + i) * job->k);
  return TRUE;
}

static gpointer
exact_worker (gpointer data)
{
  ExactWorker *w = data;
  ExactJob *job = w->job;
  gsize d = job->rows->d, n_blocks = (job->n_q + GRAPH_QUERY_BLOCK - 1) / GRAPH_QUERY_BLOCK;
  g_autofree float *q = g_try_new (float, GRAPH_QUERY_BLOCK * d);
  g_autofree float *s = g_try_new (float, (gsize) GRAPH_QUERY_BLOCK * GRAPH_CAND_BLOCK);
  GraphHeaps heaps;

  if (q == NULL || s == NULL || !graph_heaps_init (&heaps, GRAPH_QUERY_BLOCK, job->k, NULL))
    {
      g_atomic_int_set (&job->failed, TRUE);
      return NULL;
    }
  for (gsize b = w->t; b < n_blocks; b += job->n_threads)
    {
      gsize q0 = b * GRAPH_QUERY_BLOCK, nq = MIN (GRAPH_QUERY_BLOCK, job->n_q - q0), done;

      if (!exact_block (job, q0, nq, q, s, &heaps))
        {
          g_atomic_int_set (&job->failed, TRUE);
          break;
        }
      done = g_atomic_pointer_add (&job->blocks_done, 1) + 1;
      if (w->t == 0 && job->progress != NULL)
        job->progress (job->p0 + (job->p1 - job->p0) * done / n_blocks, job->progress_data);
    }
  graph_heaps_clear (&heaps);
  return NULL;
}

gboolean
graph_exact_lists (const GraphRows *rows,
                   const guint32   *qids,
                   gsize            n_q,
                   guint            k,
                   guint32         *idx,
                   float           *dist,
                   EmbProgressFunc  progress,
                   gpointer         progress_data,
                   double           p0,
                   double           p1,
                   GCancellable    *cancellable,
                   GError         **error)
{
  ExactJob job = {
    .rows = rows, .qids = qids, .n_q = qids ? n_q : rows->n, .k = k,
    .idx = idx, .dist = dist, .cancellable = cancellable,
    .progress = progress, .progress_data = progress_data, .p0 = p0, .p1 = p1,
  };
  gsize n_blocks = (job.n_q + GRAPH_QUERY_BLOCK - 1) / GRAPH_QUERY_BLOCK;
  GThread *threads[GRAPH_MAX_THREADS];
  ExactWorker workers[GRAPH_MAX_THREADS];

  job.n_threads = (guint) CLAMP (MIN ((gsize) g_get_num_processors (), n_blocks), 1, GRAPH_MAX_THREADS);
  for (guint t = 0; t < job.n_threads; t++)
    {
      workers[t] = (ExactWorker) { &job, t };
      threads[t] = t == 0 ? NULL : g_thread_new ("emb-knn-graph", exact_worker, &workers[t]);
    }
  exact_worker (&workers[0]);
  for (guint t = 1; t < job.n_threads; t++)
    g_thread_join (threads[t]);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (job.failed)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "The neighbour graph's work buffers (%zu KB a thread) could not be allocated",
                   (gsize) GRAPH_QUERY_BLOCK * (GRAPH_CAND_BLOCK + rows->d) * sizeof (float) / 1024);
      return FALSE;
    }
  return TRUE;
}

gsize
graph_count_hits (const guint32 *have,
                  const guint32 *want,
                  guint          k)
{
  gsize hits = 0;

  /* Both lists are short: a quadratic match is cheaper than a set. */
  for (guint a = 0; a < k; a++)
    for (guint b = 0; b < k; b++)
      if (have[a] == want[b])
        {
          hits++;
          break;
        }
  return hits;
}

guint32 *
graph_sample_ids (gsize    n,
                  gsize    n_sample,
                  GError **error)
{
  guint32 *ids;

  n_sample = MIN (n_sample, n);
  ids = emb_try_new (guint32, MAX (n_sample, 1), "the recall sample", error);
  if (ids == NULL)
    return NULL;
  /* One row at a hashed place in each of n_sample equal strides: spread
   * over the table, and not in step with any period of its rows. */
  for (gsize i = 0; i < n_sample; i++)
    {
      guint64 lo = (guint64) i * n / n_sample, hi = (guint64) (i + 1) * n / n_sample;
      guint64 st = i, z = emb_splitmix64 (&st);

      ids[i] = (guint32) (lo + z % MAX (hi - lo, 1));
    }
  return ids;
}

EmbKnnGraph *
graph_new (gsize     n,
           guint     k,
           EmbMetric metric,
           GError  **error)
{
  g_autoptr (EmbKnnGraph) graph = g_new0 (EmbKnnGraph, 1);

  graph->n = n;
  graph->k = k;
  graph->metric = metric;
  graph->idx = emb_try_alloc (n, k * sizeof (guint32), "the neighbour graph", error);
  if (graph->idx == NULL)
    return NULL;
  graph->dist = emb_try_alloc (n, k * sizeof (float), "the neighbour graph", error);
  if (graph->dist == NULL)
    return NULL;
  return g_steal_pointer (&graph);
}

gboolean
emb_knn_graph_check_args (const EmbMatrix *matrix,
                          guint            k,
                          EmbMetric        metric,
                          GError         **error)
{
  if (metric != EMB_METRIC_COSINE && metric != EMB_METRIC_EUCLIDEAN)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "A neighbour graph is built with the cosine or the euclidean metric, not %s",
                   emb_metric_to_string (metric));
      return FALSE;
    }
  if (k > EMB_KNN_GRAPH_MAX_K)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "A neighbour graph keeps at most %u neighbours a row, not %u",
                   EMB_KNN_GRAPH_MAX_K, k);
      return FALSE;
    }
  if (k == 0 || k >= matrix->n_rows)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "%u neighbours of every row need more than %u rows; the table has %zu",
                   k, k, matrix->n_rows);
      return FALSE;
    }
  if (matrix->n_rows > G_MAXUINT32)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "A neighbour graph holds at most %u rows; the table has %zu",
                   G_MAXUINT32, matrix->n_rows);
      return FALSE;
    }
  return TRUE;
}

EmbKnnGraph *
emb_knn_graph_exact (const EmbMatrix *matrix,
                     guint            k,
                     EmbMetric        metric,
                     EmbProgressFunc  progress,
                     gpointer         progress_data,
                     GCancellable    *cancellable,
                     GError         **error)
{
  g_autoptr (EmbKnnGraph) graph = NULL;
  GraphRows rows;
  gboolean ok;

  if (!emb_knn_graph_check_args (matrix, k, metric, error))
    return NULL;
  graph = graph_new (matrix->n_rows, k, metric, error);
  if (graph == NULL || !graph_rows_init (&rows, matrix, metric, error))
    return NULL;
  ok = graph_exact_lists (&rows, NULL, 0, k, graph->idx, graph->dist,
                          progress, progress_data, 0.0, 1.0, cancellable, error);
  graph_rows_clear (&rows);
  if (!ok)
    return NULL;
  graph->exact = TRUE;
  graph->recall = 1.0;
  graph->recall_rows = graph->n;
  return g_steal_pointer (&graph);
}

gboolean
emb_knn_graph_recall (const EmbKnnGraph *graph,
                      const EmbMatrix   *matrix,
                      gsize              n_sample,
                      double            *recall,
                      gsize             *n_measured,
                      GCancellable      *cancellable,
                      GError           **error)
{
  g_autofree guint32 *ids = NULL, *idx = NULL;
  g_autofree float *dist = NULL;
  GraphRows rows;
  gsize hits = 0, m, k = graph->k;
  gboolean ok;

  g_return_val_if_fail (matrix->n_rows == graph->n, FALSE);
  m = MIN (n_sample, graph->n);
  ids = graph_sample_ids (graph->n, m, error);
  idx = ids ? emb_try_alloc (MAX (m, 1), k * sizeof (guint32), "the recall sample", error) : NULL;
  dist = idx ? emb_try_alloc (MAX (m, 1), k * sizeof (float), "the recall sample", error) : NULL;
  if (dist == NULL || !graph_rows_init (&rows, matrix, graph->metric, error))
    return FALSE;
  ok = graph_exact_lists (&rows, ids, m, graph->k, idx, dist, NULL, NULL, 0, 0, cancellable, error);
  graph_rows_clear (&rows);
  if (!ok)
    return FALSE;
  for (gsize i = 0; i < m; i++)
    {
      const guint32 *have = graph->idx + (gsize) ids[i] * k, *want = idx + i * k;

      hits += graph_count_hits (have, want, k);
    }
  *recall = m > 0 ? (double) hits / (double) (m * k) : 1.0;
  if (n_measured != NULL)
    *n_measured = m;
  return TRUE;
}

void
emb_knn_graph_free (EmbKnnGraph *graph)
{
  if (graph == NULL)
    return;
  g_free (graph->idx);
  g_free (graph->dist);
  g_free (graph);
}
