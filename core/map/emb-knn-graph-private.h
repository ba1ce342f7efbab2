/* emb-knn-graph-private.h: what the exact and the approximate graph share.
 *
 * Both score a block of query rows against a block of candidate rows with
 * one sgemm and keep each query's k best in a bounded heap ordered by a
 * float key (lower is nearer, ties to the lower id):
 *   euclidean: |c|^2 - 2 q.c   (|q|^2 is the same for every candidate)
 *   cosine:    -q^.c^          (rows scaled to unit length first)
 * The k kept are then measured again in double and sorted, so the
 * distances and their order do not depend on float rounding.
 */
#pragma once

#include "map/emb-knn-graph.h"

G_BEGIN_DECLS

/* Query rows scored by one sgemm, and candidate rows per sgemm. */
#define GRAPH_QUERY_BLOCK 256
#define GRAPH_CAND_BLOCK  4096
#define GRAPH_MAX_THREADS 4

/* The rows a graph is built on: unit rows for cosine (a zero row stays
 * zero), or the rows themselves (scaled by a power of two when their
 * values are so big or so small that float squares would overflow or
 * vanish) with their squared norms for euclidean. */
typedef struct
{
  const float *x;       /* n x d */
  float       *own;     /* x when it is a copy, else NULL */
  float       *sq;      /* euclidean: n squared norms of x, else NULL */
  gsize        n;
  gsize        d;
  EmbMetric    metric;
  double       scale;   /* true distance = scale * distance between x rows */
} GraphRows;

gboolean graph_rows_init  (GraphRows       *rows,
                           const EmbMatrix *matrix,
                           EmbMetric        metric,
                           GError         **error);
void     graph_rows_clear (GraphRows *rows);

/* Bounded heaps, k slots for each of n_q queries. */
typedef struct
{
  guint    k;
  float   *key;    /* n_q * k */
  guint32 *id;     /* n_q * k */
  guint   *size;   /* n_q */
} GraphHeaps;

gboolean graph_heaps_init  (GraphHeaps *heaps,
                            gsize       n_q,
                            guint       k,
                            GError    **error);
void     graph_heaps_clear (GraphHeaps *heaps);

/* Offers the candidates' scores (s: n_q x n_c, row stride ld, from sgemm of
 * the queries against the candidates) to the queries' heaps: query i's is
 * heap hids[i], or h0 + i when hids is NULL.  Candidate j is row cand_ids[j], or cand_first + j when
 * cand_ids is NULL; a query never takes its own row (qids[i], or q_first
 * + i). */
void     graph_offer       (const GraphRows *rows,
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
                            gsize            cand_first);

/* Heap h's rows measured again in double, sorted nearest first (ties to
 * the lower id), written to idx/dist (k each). */
void     graph_finish_row  (const GraphRows  *rows,
                            const GraphHeaps *heaps,
                            gsize             h,
                            gsize             qid,
                            guint32          *idx,
                            float            *dist);

/* The exact lists of the queries qids[0 .. n_q) (every row when qids is
 * NULL) into idx/dist (n_q * k each), on up to GRAPH_MAX_THREADS threads.
 * progress covers p0 .. p1. */
gboolean graph_exact_lists (const GraphRows *rows,
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
                            GError         **error);

/* The rows a recall is measured on: n_sample ids spread evenly over n. */
guint32 *graph_sample_ids  (gsize            n,
                            gsize            n_sample,
                            GError         **error);

/* How many of the k ids in want are among the k in have. */
gsize        graph_count_hits (const guint32 *have,
                               const guint32 *want,
                               guint          k);

/* A graph of n rows and k neighbours, its lists uninitialised. */
EmbKnnGraph *graph_new     (gsize            n,
                            guint            k,
                            EmbMetric        metric,
                            GError         **error);

G_END_DECLS
