/* emb-knn-graph-ivf.c: the approximate neighbour graph of a big table.
 *
 * k-means cuts the rows into cells of about IVF_ROWS_PER_CELL rows.  The
 * queries of a cell are scored exactly (sgemm and the shared heaps of
 * emb-knn-graph.c) against every row of the P cells whose centres are
 * nearest its own centre, so a query misses a true neighbour only when
 * that neighbour lies in a cell that is not searched.  That makes the
 * recall of a given P known before the search: for a sample of rows with
 * exact lists, it is the fraction of their neighbours whose cell is among
 * the P nearest of the query's cell.  P is the smallest reaching the
 * target; a cell searches more when P cells hold fewer than k + 1 rows.
 * Threads take cells t, t + T, ..., each query's list is built by one
 * thread in a fixed order, so the graph does not depend on the thread
 * count.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "analysis/emb-kmeans.h"
#include "map/emb-knn-graph-private.h"

#define IVF_ROWS_PER_CELL 256
#define IVF_MAX_CELLS     4096
#define IVF_KMEANS_ITER   10
#define IVF_KMEANS_SAMPLE 64   /* k-means rows per cell */

typedef struct
{
  GraphRows      rows;
  gsize          n_cells;
  guint32       *cell_of;  /* n: each row's cell */
  guint32       *perm;     /* n: the rows in cell order */
  gsize         *start;    /* n_cells + 1: cell c is perm[start[c] .. start[c+1]) */
  guint32       *order;    /* n_cells x n_cells: cells by centre distance */
  gsize         *n_probe;  /* n_cells: cells searched from each cell */
  guint          k;
  EmbKnnGraph   *graph;
  guint          n_threads;
  GCancellable  *cancellable;
  EmbProgressFunc progress;
  gpointer       progress_data;
  gint           failed;      /* atomic */
  gsize          cells_done;  /* atomic */
} Ivf;

typedef struct
{
  double  key;
  guint32 id;
} KeyId;

static int
key_id_cmp (const void *a,
            const void *b)
{
  const KeyId *x = a, *y = b;

  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Cells by k-means, the rows sorted by cell, and each cell's list of
 * cells nearest first (in the graph's metric, on the centres). */
static gboolean
ivf_cells (Ivf             *ivf,
           const EmbMatrix *matrix,
           guint64          seed,
           GError         **error)
{
  gsize n = matrix->n_rows, d = matrix->n_cols, nc;
  EmbKmeansOptions opts = {
    .metric = ivf->rows.metric, .seed = seed, .max_iter = IVF_KMEANS_ITER,
    .sample_per_cluster = IVF_KMEANS_SAMPLE,
  };
  g_autoptr (EmbKmeans) km = NULL;
  g_autofree KeyId *keys = NULL;

  opts.k = CLAMP (n / IVF_ROWS_PER_CELL, 1, IVF_MAX_CELLS);
  km = emb_kmeans_run (matrix, &opts, ivf->cancellable, NULL, NULL, error);
  if (km == NULL)
    return FALSE;
  nc = ivf->n_cells = km->k;
  ivf->cell_of = g_steal_pointer (&km->assignment);
  ivf->perm = emb_try_new (guint32, n, "the graph's cells", error);
  ivf->start = ivf->perm ? emb_try_new0 (gsize, nc + 1, "the graph's cells", error) : NULL;
  ivf->order = ivf->start ? emb_try_alloc (nc, nc * sizeof (guint32), "the graph's cells", error) : NULL;
  ivf->n_probe = ivf->order ? emb_try_new (gsize, nc, "the graph's cells", error) : NULL;
  keys = ivf->n_probe ? emb_try_new (KeyId, nc, "the graph's cells", error) : NULL;
  if (keys == NULL)
    return FALSE;

  for (gsize i = 0; i < n; i++)
    ivf->start[ivf->cell_of[i] + 1]++;
  for (gsize c = 0; c < nc; c++)
    ivf->start[c + 1] += ivf->start[c];
  {
    g_autofree gsize *fill = g_memdup2 (ivf->start, nc * sizeof (gsize));

    for (gsize i = 0; i < n; i++)
      ivf->perm[fill[ivf->cell_of[i]]++] = (guint32) i;
  }

  for (gsize a = 0; a < nc; a++)
    {
      const float *ca = km->centroids + a * d;

      for (gsize b = 0; b < nc; b++)
        {
          const float *cb = km->centroids + b * d;
          double s = 0.0;

          for (gsize j = 0; j < d; j++)
            s += opts.metric == EMB_METRIC_COSINE ? -(double) ca[j] * cb[j]
                 : ((double) ca[j] - cb[j]) * ((double) ca[j] - cb[j]);
          keys[b] = (KeyId) { b == a ? -INFINITY : s, (guint32) b };
        }
      qsort (keys, nc, sizeof (KeyId), key_id_cmp);
      for (gsize b = 0; b < nc; b++)
        ivf->order[a * nc + b] = keys[b].id;
    }
  return TRUE;
}

/* P from the sample's exact lists (m x k in want), then each cell's probe
 * count: at least P, and enough cells to hold k + 1 rows. */
static gboolean
ivf_choose_probes (Ivf           *ivf,
                   const guint32 *sample,
                   gsize          m,
                   const guint32 *want,
                   GError       **error)
{
  gsize nc = ivf->n_cells, k = ivf->k, total = 0, p;
  g_autofree guint32 *rank = emb_try_new (guint32, nc, "the graph's cells", error);
  g_autofree gsize *hist = rank ? emb_try_new0 (gsize, nc + 1, "the graph's cells", error) : NULL;

  if (hist == NULL)
    return FALSE;
  for (gsize i = 0; i < m; i++)
    {
      guint32 c = ivf->cell_of[sample[i]];

      for (gsize r = 0; r < nc; r++)
        rank[ivf->order[c * nc + r]] = (guint32) r;
      for (gsize a = 0; a < k; a++)
        hist[rank[ivf->cell_of[want[i * k + a]]]]++;
    }
  for (p = 0; p < nc; p++)
    {
      total += hist[p];
      if ((double) total >= EMB_KNN_GRAPH_TARGET_RECALL * (double) (m * k))
        break;
    }
  p = MIN (p + 1, nc);
  for (gsize c = 0; c < nc; c++)
    {
      gsize rows = 0, q = 0;

      for (; q < nc && (q < p || rows <= k); q++)
        {
          guint32 o = ivf->order[c * nc + q];
          rows += ivf->start[o + 1] - ivf->start[o];
        }
      ivf->n_probe[c] = q;
    }
  return TRUE;
}

/* A thread's buffers: the candidates' ids and rows, a query block, the
 * scores and the heaps. */
typedef struct
{
  guint32   *cid;
  float     *cx;
  gsize      cap;
  float     *q;
  float     *s;
  GraphHeaps heaps;
} IvfBuffers;

static gboolean
ivf_gather (const Ivf  *ivf,
            gsize       c,
            IvfBuffers *buf,
            gsize      *n_cand)
{
  gsize nc = ivf->n_cells, d = ivf->rows.d, m = 0;

  for (gsize q = 0; q < ivf->n_probe[c]; q++)
    {
      guint32 o = ivf->order[c * nc + q];
      m += ivf->start[o + 1] - ivf->start[o];
    }
  if (m > buf->cap)
    {
      g_free (buf->cid);
      g_free (buf->cx);
      buf->cid = g_try_new (guint32, m);
      buf->cx = g_try_new (float, m * d);
      buf->cap = buf->cid && buf->cx ? m : 0;
      if (buf->cap == 0)
        return FALSE;
    }
  m = 0;
  for (gsize q = 0; q < ivf->n_probe[c]; q++)
    {
      guint32 o = ivf->order[c * nc + q];

      for (gsize r = ivf->start[o]; r < ivf->start[o + 1]; r++, m++)
        {
          buf->cid[m] = ivf->perm[r];
          memcpy (buf->cx + m * d, ivf->rows.x + (gsize) ivf->perm[r] * d, d * sizeof (float));
        }
    }
  *n_cand = m;
  return TRUE;
}

static gboolean
ivf_cell (Ivf        *ivf,
          gsize       c,
          IvfBuffers *buf)
{
  const GraphRows *rows = &ivf->rows;
  gsize d = rows->d, k = ivf->k, n_cand;
  const guint32 *qids = ivf->perm + ivf->start[c];
  gsize n_q = ivf->start[c + 1] - ivf->start[c];

  if (n_q == 0)
    return TRUE;
  if (!ivf_gather (ivf, c, buf, &n_cand))
    return FALSE;
  for (gsize q0 = 0; q0 < n_q; q0 += GRAPH_QUERY_BLOCK)
    {
      gsize nq = MIN (GRAPH_QUERY_BLOCK, n_q - q0);

      for (gsize i = 0; i < nq; i++)
        memcpy (buf->q + i * d, rows->x + (gsize) qids[q0 + i] * d, d * sizeof (float));
      memset (buf->heaps.size, 0, nq * sizeof (guint));
      for (gsize c0 = 0; c0 < n_cand; c0 += GRAPH_CAND_BLOCK)
        {
          gsize ncb = MIN (GRAPH_CAND_BLOCK, n_cand - c0);

          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nq, (int) ncb, (int) d,
                       1.0f, buf->q, (int) d, buf->cx + c0 * d, (int) d, 0.0f, buf->s, (int) ncb);
          graph_offer (rows, &buf->heaps, 0, nq, qids + q0, 0, buf->s, ncb, ncb, buf->cid + c0, 0);
        }
      for (gsize i = 0; i < nq; i++)
        graph_finish_row (rows, &buf->heaps, i, qids[q0 + i],
                          ivf->graph->idx + (gsize) qids[q0 + i] * k,
                          ivf->graph->dist + (gsize) qids[q0 + i] * k);
    }
  return TRUE;
}

typedef struct
{
  Ivf  *ivf;
  guint t;
} IvfWorker;

static gpointer
ivf_worker (gpointer data)
{
  IvfWorker *w = data;
  Ivf *ivf = w->ivf;
  IvfBuffers buf = { 0 };

  buf.q = g_try_new (float, GRAPH_QUERY_BLOCK * ivf->rows.d);
  buf.s = g_try_new (float, (gsize) GRAPH_QUERY_BLOCK * GRAPH_CAND_BLOCK);
  if (buf.q == NULL || buf.s == NULL || !graph_heaps_init (&buf.heaps, GRAPH_QUERY_BLOCK, ivf->k, NULL))
    g_atomic_int_set (&ivf->failed, TRUE);
  for (gsize c = w->t; c < ivf->n_cells && !g_atomic_int_get (&ivf->failed); c += ivf->n_threads)
    {
      gsize done;

      if (g_cancellable_is_cancelled (ivf->cancellable) || !ivf_cell (ivf, c, &buf))
        {
          g_atomic_int_set (&ivf->failed, TRUE);
          break;
        }
      done = g_atomic_pointer_add (&ivf->cells_done, 1) + 1;
      if (w->t == 0 && ivf->progress != NULL)
        ivf->progress (0.25 + 0.75 * done / ivf->n_cells, ivf->progress_data);
    }
  graph_heaps_clear (&buf.heaps);
  g_free (buf.q);
  g_free (buf.s);
  g_free (buf.cid);
  g_free (buf.cx);
  return NULL;
}

static gboolean
ivf_search (Ivf     *ivf,
            GError **error)
{
  GThread *threads[GRAPH_MAX_THREADS];
  IvfWorker workers[GRAPH_MAX_THREADS];

  ivf->n_threads = (guint) CLAMP (MIN ((gsize) g_get_num_processors (), ivf->n_cells), 1, GRAPH_MAX_THREADS);
  for (guint t = 0; t < ivf->n_threads; t++)
    {
      workers[t] = (IvfWorker) { ivf, t };
      threads[t] = t == 0 ? NULL : g_thread_new ("emb-knn-graph", ivf_worker, &workers[t]);
    }
  ivf_worker (&workers[0]);
  for (guint t = 1; t < ivf->n_threads; t++)
    g_thread_join (threads[t]);
  if (g_cancellable_set_error_if_cancelled (ivf->cancellable, error))
    return FALSE;
  if (ivf->failed)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "The neighbour graph's candidate buffers could not be allocated");
      return FALSE;
    }
  return TRUE;
}

static void
ivf_clear (Ivf *ivf)
{
  graph_rows_clear (&ivf->rows);
  g_free (ivf->cell_of);
  g_free (ivf->perm);
  g_free (ivf->start);
  g_free (ivf->order);
  g_free (ivf->n_probe);
}

EmbKnnGraph *
emb_knn_graph_approx (const EmbMatrix *matrix,
                      guint            k,
                      EmbMetric        metric,
                      guint64          seed,
                      EmbProgressFunc  progress,
                      gpointer         progress_data,
                      GCancellable    *cancellable,
                      GError         **error)
{
  g_autoptr (EmbKnnGraph) graph = NULL;
  g_autofree guint32 *sample = NULL, *want = NULL;
  g_autofree float *want_dist = NULL;
  Ivf ivf = { .k = k, .cancellable = cancellable, .progress = progress, .progress_data = progress_data };
  gsize m, hits = 0;
  gboolean ok;

  if (!emb_knn_graph_check_args (matrix, k, metric, error))
    return NULL;
  m = MIN ((gsize) EMB_KNN_GRAPH_RECALL_ROWS, matrix->n_rows);
  graph = graph_new (matrix->n_rows, k, metric, error);
  sample = graph ? graph_sample_ids (matrix->n_rows, m, error) : NULL;
  want = sample ? emb_try_alloc (m, k * sizeof (guint32), "the recall sample", error) : NULL;
  want_dist = want ? emb_try_alloc (m, k * sizeof (float), "the recall sample", error) : NULL;
  if (want_dist == NULL || !graph_rows_init (&ivf.rows, matrix, metric, error))
    return NULL;
  ivf.graph = graph;

  ok = ivf_cells (&ivf, matrix, seed, error);
  if (ok && progress)
    progress (0.15, progress_data);
  ok = ok && graph_exact_lists (&ivf.rows, sample, m, k, want, want_dist,
                                progress, progress_data, 0.15, 0.25, cancellable, error);
  ok = ok && ivf_choose_probes (&ivf, sample, m, want, error);
  ok = ok && ivf_search (&ivf, error);
  ivf_clear (&ivf);
  if (!ok)
    return NULL;

  for (gsize i = 0; i < m; i++)
    hits += graph_count_hits (graph->idx + (gsize) sample[i] * k, want + i * k, k);
  graph->exact = FALSE;
  graph->recall = (double) hits / (double) (m * k);
  graph->recall_rows = m;
  return g_steal_pointer (&graph);
}

EmbKnnGraph *
emb_knn_graph_build (const EmbMatrix *matrix,
                     guint            k,
                     EmbMetric        metric,
                     guint64          seed,
                     EmbProgressFunc  progress,
                     gpointer         progress_data,
                     GCancellable    *cancellable,
                     GError         **error)
{
  if (matrix->n_rows <= EMB_KNN_GRAPH_EXACT_MAX)
    return emb_knn_graph_exact (matrix, k, metric, progress, progress_data, cancellable, error);
  return emb_knn_graph_approx (matrix, k, metric, seed, progress, progress_data, cancellable, error);
}
