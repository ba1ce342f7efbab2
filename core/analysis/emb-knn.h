/* emb-knn.h: exact nearest neighbours in the original space.
 *
 * cosine:    score = x.q / (|x| |q|), higher is nearer (a zero row scores 0)
 * euclidean: score = |x - q|, lower is nearer
 * dot:       score = x.q, higher is nearer
 * Every row is scored (sgemv over the matrix) and a size-k heap keeps the
 * best; ties (equal scores in double) go to the lower id.  The index keeps per-row norms only, so it
 * costs n floats on top of the matrix, not a normalised copy.
 */
#pragma once

#include <gio/gio.h>

#include "model/emb-matrix.h"

G_BEGIN_DECLS

typedef enum
{
  EMB_METRIC_COSINE,
  EMB_METRIC_EUCLIDEAN,
  EMB_METRIC_DOT,
} EmbMetric;

/* score is computed in double, so it is finite for any finite rows (a dot
 * product of rows near FLT_MAX is beyond float). */
typedef struct
{
  gsize  id;
  double score;
} EmbNeighbor;

typedef struct _EmbKnnIndex EmbKnnIndex;

const char  *emb_metric_to_string  (EmbMetric metric);
gboolean     emb_metric_from_string (const char *text,
                                     EmbMetric  *metric);

EmbKnnIndex *emb_knn_index_new     (EmbMatrix *matrix);
void         emb_knn_index_free    (EmbKnnIndex *index);
EmbMatrix   *emb_knn_index_get_matrix (EmbKnnIndex *index);

/* The k best rows for the vector q (n_cols floats), skipping the ids in
 * exclude.  Writes up to k results to out, best first; returns how many. */
gsize        emb_knn_query_vector  (EmbKnnIndex       *index,
                                    const float       *q,
                                    EmbMetric          metric,
                                    gsize              k,
                                    const gsize       *exclude,
                                    gsize              n_exclude,
                                    EmbNeighbor       *out);

/* The k best rows for row `row`, itself excluded. */
gsize        emb_knn_query_row     (EmbKnnIndex       *index,
                                    gsize              row,
                                    EmbMetric          metric,
                                    gsize              k,
                                    EmbNeighbor       *out);

/* 3CosAdd analogy a - b + c: the rows x maximising x^.(a^ - b^ + c^) over
 * unit vectors, a, b and c excluded; score is the cosine of x and
 * a^ - b^ + c^.  So king - man + woman gives queen. */
gsize        emb_knn_analogy       (EmbKnnIndex       *index,
                                    gsize              a,
                                    gsize              b,
                                    gsize              c,
                                    gsize              k,
                                    EmbNeighbor       *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbKnnIndex, emb_knn_index_free)

G_END_DECLS
