/* emb-knn-graph-ivf.c: the approximate neighbour graph of a big table.
 *
 * k-means cuts the rows into cells of about IVF_ROWS_PER_CELL rows.  Every
 * row (as a query) is scored exactly against the rows of the P cells whose
 * centres are nearest it, so it misses a true neighbour only when that
 * neighbour lies in a cell it does not search.  That makes the recall of a
 * given P known before the search: for a sample of rows with exact lists,
 * it is the fraction of their neighbours whose cell is among the P nearest
 * of the query.  P is the smallest reaching EMB_KNN_GRAPH_TARGET_RECALL.
 *
 * The search goes cell by cell: the queries that search a cell are
 * gathered and scored against its rows with one sgemm (blocked, as the
 * exact graph), their heaps kept in the graph's own arrays.  Thread t takes
 * the queries whose id is t modulo the threads, so each query's list is
 * built by one thread, in cell order: the graph does not depend on the
 * thread count.
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
  GraphRows       rows;
  gsize           n_cells;
  float          *centres;   /* n_cells x d, in the graph's metric's form */
  float          *centre_sq; /* n_cells squared norms (euclidean) */
  guint32        *cell_of;   /* n: each row's cell */
  guint32        *perm;      /* n: the rows in cell order */
  gsize          *start;     /* n_cells + 1: cell c is perm[start[c] .. start[c+1]) */
  gsize           n_probe;   /* cells each query searches */
  guint16        *probes;    /* n x n_probe: each query's cells (IVF_MAX_CELLS fits) */
  gsize          *inv_start; /* n_cells + 1 */
  guint32        *inv;       /* the queries searching each cell, ascending */
  guint           k;
  EmbKnnGraph    *graph;
  GraphHeaps      heaps;     /* over the graph's arrays */
  guint           n_threads;
  GCancellable   *cancellable;
  EmbProgressFunc progress;
  gpointer        progress_data;
  gint            failed;      /* atomic */
  gsize           cells_done;  /* atomic */
} Ivf;

/* Cells by k-means and the rows sorted by cell. */
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
  g_autofree gsize *fill = NULL;
  g_autofree double *sq = NULL;

  opts.k = CLAMP (n / IVF_ROWS_PER_CELL, 1, IVF_MAX_CELLS);
  km = emb_kmeans_run (matrix, &opts, ivf->cancellable, NULL, NULL, error);
  if (km == NULL)
    return FALSE;
  nc = ivf->n_cells = km->k;
  ivf->cell_of = g_steal_pointer (&km->assignment);
  ivf->centres = g_steal_pointer (&km->centroids);
  ivf->perm = emb_try_new (guint32, n, "the graph's cells", error);
  ivf->start = ivf->perm ? emb_try_new0 (gsize, nc + 1, "the graph's cells", error) : NULL;
  fill = ivf->start ? emb_try_new (gsize, nc, "the graph's cells", error) : NULL;
  ivf->centre_sq = fill ? emb_try_new (float, nc, "the graph's cells", error) : NULL;
  sq = ivf->centre_sq ? emb_try_new (double, nc, "the graph's cells", error) : NULL;
  if (sq == NULL)
    return FALSE;

  /* Euclidean centres in the rows' scale (the rows may have been scaled
   * by a power of two for float). */
  if (ivf->rows.scale != 1.0)
    for (gsize i = 0; i < nc * d; i++)
      ivf->centres[i] = (float) (ivf->centres[i] / ivf->rows.scale);
  emb_rows_sq_norms (ivf->centres, nc, d, sq);
  for (gsize c = 0; c < nc; c++)
    ivf->centre_sq[c] = (float) sq[c];

  for (gsize i = 0; i < n; i++)
    ivf->start[ivf->cell_of[i] + 1]++;
  for (gsize c = 0; c < nc; c++)
    ivf->start[c + 1] += ivf->start[c];
  memcpy (fill, ivf->start, nc * sizeof (gsize));
  for (gsize i = 0; i < n; i++)
    ivf->perm[fill[ivf->cell_of[i]]++] = (guint32) i;
  return TRUE;
}

typedef struct
{
  float   key;
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

/* Every cell of query q by the distance of its centre (s: q's dot
 * products with the centres), nearest first, into order (n_cells). */
static void
rank_cells (const Ivf   *ivf,
            const float *s,
            KeyId       *keys,
            guint32     *order)
{
  gsize nc = ivf->n_cells;

  for (gsize c = 0; c < nc; c++)
    keys[c] = (KeyId) { ivf->rows.metric == EMB_METRIC_EUCLIDEAN ? ivf->centre_sq[c] - 2.0f * s[c] : -s[c],
                        (guint32) c };
  qsort (keys, nc, sizeof (KeyId), key_id_cmp);
  for (gsize c = 0; c < nc; c++)
    order[c] = keys[c].id;
}

/* The n_order cells of query q with the nearest centres (s: q's dot
 * products with the centres), nearest first (ties to the lower cell), by
 * insertion into a short sorted list. */
static void
top_cells (const Ivf   *ivf,
           const float *s,
           KeyId       *best,
           guint16     *out,
           gsize        n_order)
{
  gsize have = 0;

  for (gsize c = 0; c < ivf->n_cells; c++)
    {
      KeyId v = { ivf->rows.metric == EMB_METRIC_EUCLIDEAN ? ivf->centre_sq[c] - 2.0f * s[c] : -s[c],
                  (guint32) c };
      gsize p;

      if (have == n_order && key_id_cmp (&v, &best[n_order - 1]) >= 0)
        continue;
      p = have < n_order ? have++ : n_order - 1;
      for (; p > 0 && key_id_cmp (&best[p - 1], &v) > 0; p--)
        best[p] = best[p - 1];
      best[p] = v;
    }
  for (gsize c = 0; c < n_order; c++)
    out[c] = (guint16) best[c].id;
}

/* The queries' dot products with every centre, a block at a time. */
static void
centre_dots (const Ivf     *ivf,
             const guint32 *qids,
             gsize          q0,
             gsize          nq,
             float         *q,
             float         *s)
{
  gsize d = ivf->rows.d;

  for (gsize i = 0; i < nq; i++)
    memcpy (q + i * d, ivf->rows.x + (gsize) (qids ? qids[q0 + i] : q0 + i) * d, d * sizeof (float));
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nq, (int) ivf->n_cells, (int) d,
               1.0f, q, (int) d, ivf->centres, (int) d, 0.0f, s, (int) ivf->n_cells);
}

/* P from the sample's exact lists (m x k in want): the fewest cells that
 * hold EMB_KNN_GRAPH_TARGET_RECALL of the sample's true neighbours. */
static gboolean
ivf_choose_probes (Ivf           *ivf,
                   const guint32 *sample,
                   gsize          m,
                   const guint32 *want,
                   GError       **error)
{
  gsize nc = ivf->n_cells, k = ivf->k, d = ivf->rows.d, total = 0, p;
  g_autofree guint32 *order = emb_try_new (guint32, nc, "the graph's cells", error);
  g_autofree guint32 *rank = order ? emb_try_new (guint32, nc, "the graph's cells", error) : NULL;
  g_autofree gsize *hist = rank ? emb_try_new0 (gsize, nc + 1, "the graph's cells", error) : NULL;
  g_autofree KeyId *keys = hist ? emb_try_new (KeyId, nc, "the graph's cells", error) : NULL;
  g_autofree float *q = keys ? emb_try_new (float, GRAPH_QUERY_BLOCK * d, "the graph's cells", error) : NULL;
  g_autofree float *s = q ? emb_try_alloc (GRAPH_QUERY_BLOCK, nc * sizeof (float), "the graph's cells", error) : NULL;

  if (s == NULL)
    return FALSE;
  for (gsize q0 = 0; q0 < m; q0 += GRAPH_QUERY_BLOCK)
    {
      gsize nq = MIN (GRAPH_QUERY_BLOCK, m - q0);

      centre_dots (ivf, sample, q0, nq, q, s);
      for (gsize i = 0; i < nq; i++)
        {
          rank_cells (ivf, s + i * nc, keys, order);
          for (gsize r = 0; r < nc; r++)
            rank[order[r]] = (guint32) r;
          for (gsize a = 0; a < k; a++)
            hist[rank[ivf->cell_of[want[(q0 + i) * k + a]]]]++;
        }
    }
  for (p = 0; p < nc; p++)
    {
      total += hist[p];
      if ((double) total >= EMB_KNN_GRAPH_TARGET_RECALL * (double) (m * k))
        break;
    }
  /* And enough cells that every query has k candidates besides itself. */
  ivf->n_probe = MIN (MAX (p + 1, (k + 1 + IVF_ROWS_PER_CELL - 1) / IVF_ROWS_PER_CELL * 4), nc);
  return TRUE;
}

/* Every query's probes, then the queries of each cell (inverted lists). */
static gboolean
ivf_probe_lists (Ivf     *ivf,
                 GError **error)
{
  gsize n = ivf->rows.n, nc = ivf->n_cells, np = ivf->n_probe, d = ivf->rows.d;
  g_autofree KeyId *keys = emb_try_new (KeyId, nc, "the graph's probe lists", error);
  g_autofree float *q = keys ? emb_try_new (float, GRAPH_QUERY_BLOCK * d, "the graph's probe lists", error) : NULL;
  g_autofree float *s = q ? emb_try_alloc (GRAPH_QUERY_BLOCK, nc * sizeof (float), "the graph's probe lists", error) : NULL;
  g_autofree gsize *fill = s ? emb_try_new (gsize, nc, "the graph's probe lists", error) : NULL;

  ivf->probes = fill ? emb_try_alloc (n, np * sizeof (guint16), "the graph's probe lists", error) : NULL;
  ivf->inv_start = ivf->probes ? emb_try_new0 (gsize, nc + 1, "the graph's probe lists", error) : NULL;
  ivf->inv = ivf->inv_start ? emb_try_alloc (n, np * sizeof (guint32), "the graph's probe lists", error) : NULL;
  if (ivf->inv == NULL)
    return FALSE;
  for (gsize q0 = 0; q0 < n; q0 += GRAPH_QUERY_BLOCK)
    {
      gsize nq = MIN (GRAPH_QUERY_BLOCK, n - q0);

      if (g_cancellable_set_error_if_cancelled (ivf->cancellable, error))
        return FALSE;
      centre_dots (ivf, NULL, q0, nq, q, s);
      for (gsize i = 0; i < nq; i++)
        top_cells (ivf, s + i * nc, keys, ivf->probes + (q0 + i) * np, np);
    }
  for (gsize i = 0; i < n * np; i++)
    ivf->inv_start[ivf->probes[i] + 1]++;
  for (gsize c = 0; c < nc; c++)
    ivf->inv_start[c + 1] += ivf->inv_start[c];
  memcpy (fill, ivf->inv_start, nc * sizeof (gsize));
  for (gsize i = 0; i < n; i++)
    for (gsize a = 0; a < np; a++)
      ivf->inv[fill[ivf->probes[i * np + a]]++] = (guint32) i;
  g_clear_pointer (&ivf->probes, g_free);
  return TRUE;
}

/* A thread's buffers. */
typedef struct
{
  guint32 *qids;   /* its queries of the cell */
  float   *q;      /* their rows, GRAPH_QUERY_BLOCK at a time */
  float   *cx;     /* the cell's rows */
  float   *s;      /* scores */
  gsize    cap;    /* rows cx and qids hold */
} IvfBuffers;

static gboolean
ivf_grow (IvfBuffers *buf,
          gsize       rows,
          gsize       queries,
          gsize       d)
{
  gsize need = MAX (rows, queries);

  if (need <= buf->cap)
    return TRUE;
  g_free (buf->cx);
  g_free (buf->qids);
  buf->cx = g_try_new (float, need * d);
  buf->qids = g_try_new (guint32, need);
  buf->cap = buf->cx && buf->qids ? need : 0;
  return buf->cap > 0;
}

/* Cell c's rows against the queries of thread t that search it. */
static gboolean
ivf_cell (Ivf        *ivf,
          gsize       c,
          guint       t,
          IvfBuffers *buf)
{
  const GraphRows *rows = &ivf->rows;
  gsize d = rows->d, nr = ivf->start[c + 1] - ivf->start[c], nq = 0;
  const guint32 *cell_rows = ivf->perm + ivf->start[c];

  if (nr == 0)
    return TRUE;
  if (!ivf_grow (buf, nr, ivf->inv_start[c + 1] - ivf->inv_start[c], d))
    return FALSE;
  for (gsize j = ivf->inv_start[c]; j < ivf->inv_start[c + 1]; j++)
    if (ivf->inv[j] % ivf->n_threads == t)
      buf->qids[nq++] = ivf->inv[j];
  if (nq == 0)
    return TRUE;
  for (gsize r = 0; r < nr; r++)
    memcpy (buf->cx + r * d, rows->x + (gsize) cell_rows[r] * d, d * sizeof (float));
  for (gsize q0 = 0; q0 < nq; q0 += GRAPH_QUERY_BLOCK)
    {
      gsize m = MIN (GRAPH_QUERY_BLOCK, nq - q0);

      for (gsize i = 0; i < m; i++)
        memcpy (buf->q + i * d, rows->x + (gsize) buf->qids[q0 + i] * d, d * sizeof (float));
      for (gsize c0 = 0; c0 < nr; c0 += GRAPH_CAND_BLOCK)
        {
          gsize ncb = MIN (GRAPH_CAND_BLOCK, nr - c0);

          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) ncb, (int) d,
                       1.0f, buf->q, (int) d, buf->cx + c0 * d, (int) d, 0.0f, buf->s, (int) ncb);
          graph_offer (rows, &ivf->heaps, buf->qids + q0, 0, m, buf->qids + q0, 0,
                       buf->s, ncb, ncb, cell_rows + c0, 0);
        }
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
  if (buf.q == NULL || buf.s == NULL)
    g_atomic_int_set (&ivf->failed, TRUE);
  for (gsize c = 0; c < ivf->n_cells && !g_atomic_int_get (&ivf->failed); c++)
    {
      gsize done;

      if (g_cancellable_is_cancelled (ivf->cancellable) || !ivf_cell (ivf, c, w->t, &buf))
        {
          g_atomic_int_set (&ivf->failed, TRUE);
          break;
        }
      done = g_atomic_pointer_add (&ivf->cells_done, 1) + 1;
      if (w->t == 0 && ivf->progress != NULL)
        ivf->progress (0.3 + 0.7 * done / (ivf->n_cells * ivf->n_threads), ivf->progress_data);
    }
  g_free (buf.q);
  g_free (buf.s);
  g_free (buf.cx);
  g_free (buf.qids);
  return NULL;
}

/* A query whose cells held fewer than k other rows (small cells far from
 * the rest) gets its exact list. */
static gboolean
ivf_fill_short (Ivf     *ivf,
                GError **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree guint32 *idx = NULL;
  g_autofree float *dist = NULL;
  gsize k = ivf->k;

  for (gsize i = 0; i < ivf->rows.n; i++)
    if (ivf->heaps.size[i] < k)
      g_array_append_vals (ids, &(guint32) { (guint32) i }, 1);
  if (ids->len == 0)
    return TRUE;
  idx = emb_try_alloc (ids->len, k * sizeof (guint32), "the graph's short lists", error);
  dist = idx ? emb_try_alloc (ids->len, k * sizeof (float), "the graph's short lists", error) : NULL;
  if (dist == NULL ||
      !graph_exact_lists (&ivf->rows, (guint32 *) ids->data, ids->len, ivf->k, idx, dist,
                          NULL, NULL, 0, 0, ivf->cancellable, error))
    return FALSE;
  for (guint j = 0; j < ids->len; j++)
    {
      gsize i = g_array_index (ids, guint32, j);

      memcpy (ivf->graph->idx + i * k, idx + j * k, k * sizeof (guint32));
      memcpy (ivf->graph->dist + i * k, dist + j * k, k * sizeof (float));
    }
  return TRUE;
}

/* The search, then every list measured again in double and sorted (in
 * place: the heaps are the graph's arrays). */
static gboolean
ivf_search (Ivf     *ivf,
            GError **error)
{
  GThread *threads[GRAPH_MAX_THREADS];
  IvfWorker workers[GRAPH_MAX_THREADS];
  gsize n = ivf->rows.n;

  ivf->heaps = (GraphHeaps) { .k = ivf->k, .key = ivf->graph->dist, .id = ivf->graph->idx };
  ivf->heaps.size = emb_try_new0 (guint, n, "the graph's candidate lists", error);
  if (ivf->heaps.size == NULL)
    return FALSE;
  ivf->n_threads = (guint) CLAMP ((gsize) g_get_num_processors (), 1, GRAPH_MAX_THREADS);
  for (guint t = 0; t < ivf->n_threads; t++)
    {
      workers[t] = (IvfWorker) { ivf, t };
      threads[t] = t == 0 ? NULL : g_thread_new ("emb-knn-graph", ivf_worker, &workers[t]);
    }
  ivf_worker (&workers[0]);
  for (guint t = 1; t < ivf->n_threads; t++)
    g_thread_join (threads[t]);
  if (!g_cancellable_set_error_if_cancelled (ivf->cancellable, error) && ivf->failed)
    g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                 "The neighbour graph's candidate buffers could not be allocated");
  if (ivf->failed || g_cancellable_is_cancelled (ivf->cancellable))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    graph_finish_row (&ivf->rows, &ivf->heaps, i, i, ivf->graph->idx + i * ivf->k,
                      ivf->graph->dist + i * ivf->k);
  return ivf_fill_short (ivf, error);
}

static void
ivf_clear (Ivf *ivf)
{
  graph_rows_clear (&ivf->rows);
  g_free (ivf->centres);
  g_free (ivf->centre_sq);
  g_free (ivf->cell_of);
  g_free (ivf->perm);
  g_free (ivf->start);
  g_free (ivf->probes);
  g_free (ivf->inv_start);
  g_free (ivf->inv);
  g_free (ivf->heaps.size);
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
    progress (0.1, progress_data);
  ok = ok && graph_exact_lists (&ivf.rows, sample, m, k, want, want_dist,
                                progress, progress_data, 0.1, 0.2, cancellable, error);
  ok = ok && ivf_choose_probes (&ivf, sample, m, want, error);
  ok = ok && ivf_probe_lists (&ivf, error);
  if (ok && progress)
    progress (0.3, progress_data);
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
