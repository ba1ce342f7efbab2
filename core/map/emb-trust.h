/* emb-trust.h: how faithful a map is to its table's neighbourhoods.
 *
 * Trustworthiness (Venna and Kaski 2001) at k of a map Y of rows X:
 *
 *   T(k) = 1 - 2 / (m k (2m - 3k - 1)) * sum_i sum_{j in U_k(i)} (r(i, j) - k)
 *
 * over m rows, where U_k(i) are the rows among i's k nearest in the map
 * but not among its k nearest in the table, and r(i, j) is j's rank among
 * i's neighbours in the table (the nearest is 1).  1 is a map that brings
 * no stranger near; scikit-learn's sklearn.manifold.trustworthiness
 * computes the same.  Distances in the table are the given metric's, in
 * the map euclidean.
 */
#pragma once

#include <gio/gio.h>

#include "analysis/emb-knn.h"
#include "model/emb-matrix.h"

G_BEGIN_DECLS

#define EMB_TRUST_SAMPLE 5000

/* T(k) of the map (n x dims) of matrix, on the m = min (n_sample, n) rows
 * spread over the table (all of them when n_sample >= n): neighbours are
 * sought among those m rows only, as sklearn run on the sample would.
 * Needs k < m / 2. */
gboolean emb_trustworthiness (const EmbMatrix *matrix,
                              EmbMetric        metric,
                              const float     *map,
                              guint            dims,
                              guint            k,
                              gsize            n_sample,
                              double          *trust,
                              GCancellable    *cancellable,
                              GError         **error);

G_END_DECLS
