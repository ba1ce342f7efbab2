/* emb-map-input.c: a table made ready for a map: unit rows for cosine,
 * the PCA reduction of wide tables, and the PCA start of the layout. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "map/emb-map-private.h"

/* matrix with every row scaled to unit length (emb_rows_unit). */
static EmbMatrix *
unit_rows (const EmbMatrix *matrix,
           GError         **error)
{
  gsize n = matrix->n_rows;
  g_autoptr (EmbMatrix) out = emb_matrix_new (n, matrix->n_cols, error);
  g_autofree double *sq = out ? emb_try_new (double, n, "the map's row norms", error) : NULL;

  if (sq == NULL)
    return NULL;
  emb_rows_unit (matrix->data, n, matrix->n_cols, sq, out->data);
  return g_steal_pointer (&out);
}

gboolean
emb_map_input_prepare (const EmbMatrix *matrix,
                       EmbMetric        metric,
                       guint            init_dims,
                       EmbMapInput     *input,
                       GCancellable    *cancellable,
                       GError         **error)
{
  gsize n = matrix->n_rows, d = matrix->n_cols, k;
  g_autoptr (EmbMatrix) base = NULL;
  g_autoptr (EmbMatrix) reduced = NULL;
  g_autoptr (EmbPca) pca = NULL;
  g_autofree float *init = NULL;

  memset (input, 0, sizeof *input);
  if (n < 3)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "A map needs at least 3 rows; the table has %zu", n);
      return FALSE;
    }
  base = metric == EMB_METRIC_COSINE ? unit_rows (matrix, error) : emb_matrix_ref ((EmbMatrix *) matrix);
  if (base == NULL)
    return FALSE;
  k = d > EMB_MAP_REDUCED_DIMS ? EMB_MAP_REDUCED_DIMS : MAX (init_dims, MIN (d, 3));
  pca = emb_pca_compute (base, k, cancellable, error);
  if (pca == NULL)
    return FALSE;
  k = pca->n_components;

  if (d > EMB_MAP_REDUCED_DIMS)
    {
      reduced = emb_matrix_new (n, k, error);
      if (reduced == NULL)
        return FALSE;
      emb_pca_project (pca, base, k, reduced->data);
    }
  init = emb_try_alloc (n, init_dims * sizeof (float), "the map's start", error);
  if (init == NULL)
    return FALSE;
  if (reduced != NULL)
    {
      for (gsize i = 0; i < n; i++)
        for (guint c = 0; c < init_dims; c++)
          init[i * init_dims + c] = c < k ? reduced->data[i * k + c] : 0.0f;
    }
  else
    {
      g_autofree float *coords = emb_try_alloc (n, k * sizeof (float), "the map's start", error);

      if (coords == NULL)
        return FALSE;
      emb_pca_project (pca, base, k, coords);
      for (gsize i = 0; i < n; i++)
        for (guint c = 0; c < init_dims; c++)
          init[i * init_dims + c] = c < k ? coords[i * k + c] : 0.0f;
    }

  /* For cosine, the mean's part back: reduced rows x^ V^T. */
  if (reduced != NULL && metric == EMB_METRIC_COSINE)
    for (gsize c = 0; c < k; c++)
      {
        double t = 0.0;

        for (gsize j = 0; j < d; j++)
          t += pca->mean[j] * pca->components[c * d + j];
        for (gsize i = 0; i < n; i++)
          reduced->data[i * k + c] += (float) t;
      }

  input->reduced = reduced != NULL;
  input->rows = reduced != NULL ? g_steal_pointer (&reduced) : emb_matrix_ref ((EmbMatrix *) matrix);
  input->init = g_steal_pointer (&init);
  input->init_dims = init_dims;
  return TRUE;
}

void
emb_map_input_clear (EmbMapInput *input)
{
  g_clear_pointer (&input->rows, emb_matrix_unref);
  g_clear_pointer (&input->init, g_free);
}
