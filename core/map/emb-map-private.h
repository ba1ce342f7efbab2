/* emb-map-private.h: the steps of a map before its optimisation. */
#pragma once

#include <gio/gio.h>

#include "analysis/emb-knn.h"
#include "analysis/emb-pca.h"
#include "model/emb-matrix.h"

G_BEGIN_DECLS

/* Tables with more columns are reduced to this many principal components
 * before their neighbour graph is built. */
#define EMB_MAP_REDUCED_DIMS 50

typedef struct
{
  EmbMatrix *rows;          /* what the graph is built on: the table, or
                               its first EMB_MAP_REDUCED_DIMS components */
  gboolean   reduced;
  float     *init;          /* n x init_dims centred PCA coordinates */
  guint      init_dims;
} EmbMapInput;

/* The PCA of the table (of its unit rows for cosine), its reduction when
 * it has more than EMB_MAP_REDUCED_DIMS columns, and the first init_dims
 * centred coordinates.  For cosine the reduced rows keep the mean's part
 * (x^ V^T, not (x^ - mean) V^T), so that their angles approximate the
 * table's. */
gboolean emb_map_input_prepare (const EmbMatrix *matrix,
                                EmbMetric        metric,
                                guint            init_dims,
                                EmbMapInput     *input,
                                GCancellable    *cancellable,
                                GError         **error);
void     emb_map_input_clear   (EmbMapInput *input);

G_END_DECLS
