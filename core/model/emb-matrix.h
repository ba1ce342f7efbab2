/* emb-matrix.h: an n x d matrix of float32 rows.
 *
 * Row-major and contiguous: row i starts at data + i * n_cols.  Either owned
 * (64-byte aligned heap memory) or a zero-copy view into a GBytes, such as a
 * memory-mapped file that already holds little-endian float32 rows.  The
 * fields are read-only for everyone but the constructor's caller, who fills
 * an owned matrix before sharing it.  Refcounted; thread-safe to share.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EMB_TYPE_MATRIX (emb_matrix_get_type ())

typedef struct _EmbMatrix EmbMatrix;

struct _EmbMatrix
{
  gsize  n_rows;
  gsize  n_cols;
  float *data;

  /*< private >*/
  gint    ref_count;
  GBytes *backing;   /* the view's storage, or NULL when owned */
};

GType      emb_matrix_get_type (void) G_GNUC_CONST;

/* A new owned matrix, uninitialised.  Fails with EMB_ERROR_TOO_LARGE (naming
 * the bytes needed) when n_rows * n_cols * 4 overflows or cannot be allocated. */
EmbMatrix *emb_matrix_new       (gsize    n_rows,
                                 gsize    n_cols,
                                 GError **error);

/* A view of n_rows * n_cols floats at offset in bytes.  Returns NULL when
 * the range is not inside bytes or is not 4-byte aligned (copy instead). */
EmbMatrix *emb_matrix_new_view  (GBytes  *bytes,
                                 gsize    offset,
                                 gsize    n_rows,
                                 gsize    n_cols);

EmbMatrix *emb_matrix_ref       (EmbMatrix *self);
void       emb_matrix_unref     (EmbMatrix *self);

gboolean   emb_matrix_is_view   (const EmbMatrix *self);

/* FALSE when the matrix is a view of a mapped file that has changed since
 * it was mapped (base/emb-mapped.h): its values may then be zeros or other
 * data, and nothing computed from them should be shown. */
gboolean   emb_matrix_is_intact (const EmbMatrix *self);

/* Bytes needed for an owned n x d matrix, or 0 on overflow. */
gsize      emb_matrix_bytes_for (gsize n_rows,
                                 gsize n_cols);

/* sq[i] = sum_j x_ij^2 for `rows` contiguous rows of d floats at x,
 * summed in double four lanes at a time.  The one row-norm kernel: the
 * neighbour index, the scene and k-means all call it. */
void       emb_rows_sq_norms    (const float *x,
                                 gsize        rows,
                                 gsize        d,
                                 double      *sq);

/* out (rows x d) = each row of x scaled to unit length, its norm taken in
 * double (so rows near FLT_MAX have a finite unit form); a zero row stays
 * zero.  sq is scratch for rows doubles.  out may be x. */
void       emb_rows_unit        (const float *x,
                                 gsize        rows,
                                 gsize        d,
                                 double      *sq,
                                 float       *out);

/* norms[i] = |x_i| for every row (the double sum of emb_rows_sq_norms,
 * square-rooted and rounded to float); big matrices on up to 4 threads. */
void       emb_matrix_row_norms (const EmbMatrix *self,
                                 float           *norms);

static inline const float *
emb_matrix_row (const EmbMatrix *self,
                gsize            i)
{
  return self->data + i * self->n_cols;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbMatrix, emb_matrix_unref)

G_END_DECLS
