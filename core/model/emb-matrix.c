/* emb-matrix.c: the matrix type (owned or a view) and its row norms. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "base/emb-mapped.h"
#include "base/emb-simd.h"
#include "model/emb-matrix.h"

G_DEFINE_BOXED_TYPE (EmbMatrix, emb_matrix, emb_matrix_ref, emb_matrix_unref)

#define EMB_MATRIX_ALIGN 64

/* The row norms (one pass over the rows, bound by memory bandwidth) run on
 * up to NORMS_MAX_THREADS threads of at least this many floats each. */
#define NORMS_FLOATS_PER_THREAD (1u << 20)
#define NORMS_MAX_THREADS       4


/* The norms of rows [begin, end), for one thread. */
typedef struct
{
  const EmbMatrix *matrix;
  float           *norms;
  gsize            begin, end;
} NormsJob;

gsize
emb_matrix_bytes_for (gsize n_rows,
                      gsize n_cols)
{
  gsize cells, bytes;

  if (!emb_size_mul (n_rows, n_cols, &cells) ||
      !emb_size_mul (cells, sizeof (float), &bytes) ||
      bytes > G_MAXSIZE - EMB_MATRIX_ALIGN)
    return 0;
  return bytes;
}

EmbMatrix *
emb_matrix_new (gsize    n_rows,
                gsize    n_cols,
                GError **error)
{
  EmbMatrix *self;
  g_autofree char *what = NULL;
  gsize cells;
  void *data;

  if (!emb_size_mul (n_rows, n_cols, &cells))
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "a %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " matrix does not fit in memory",
                   n_rows, n_cols);
      return NULL;
    }
  what = g_strdup_printf ("a %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " matrix",
                          n_rows, n_cols);
  data = emb_try_alloc_aligned (EMB_MATRIX_ALIGN, cells, sizeof (float), what, error);
  if (data == NULL)
    return NULL;

  self = g_new0 (EmbMatrix, 1);
  self->ref_count = 1;
  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->data = data;
  return self;
}

EmbMatrix *
emb_matrix_new_view (GBytes *bytes,
                     gsize   offset,
                     gsize   n_rows,
                     gsize   n_cols)
{
  EmbMatrix *self;
  gsize size = 0, need, end;
  const guint8 *base;

  g_return_val_if_fail (bytes != NULL, NULL);

  base = g_bytes_get_data (bytes, &size);
  need = emb_matrix_bytes_for (n_rows, n_cols);
  if ((need == 0 && n_rows != 0 && n_cols != 0) ||
      !emb_size_add (offset, need, &end) || end > size)
    return NULL;
  if (need > 0 && ((guintptr) (base + offset)) % G_ALIGNOF (float) != 0)
    return NULL;

  self = g_new0 (EmbMatrix, 1);
  self->ref_count = 1;
  self->n_rows = n_rows;
  self->n_cols = n_cols;
  self->data = (float *) (base + offset);
  self->backing = g_bytes_ref (bytes);
  return self;
}

EmbMatrix *
emb_matrix_ref (EmbMatrix *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
emb_matrix_unref (EmbMatrix *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  if (self->backing != NULL)
    g_bytes_unref (self->backing);
  else
    free (self->data);
  g_free (self);
}

gboolean
emb_matrix_is_view (const EmbMatrix *self)
{
  return self->backing != NULL;
}

gboolean
emb_matrix_is_intact (const EmbMatrix *self)
{
  return self->backing == NULL || emb_mapped_is_intact (self->backing);
}

void
emb_rows_unit (const float *x,
               gsize        rows,
               gsize        d,
               double      *sq,
               float       *out)
{
  emb_rows_sq_norms (x, rows, d, sq);
  for (gsize i = 0; i < rows; i++)
    {
      double inv = sq[i] > 0.0 ? 1.0 / sqrt (sq[i]) : 0.0;

      for (gsize j = 0; j < d; j++)
        out[i * d + j] = (float) (x[i * d + j] * inv);
    }
}

EMB_SIMD_CLONES void
emb_rows_sq_norms (const float *x,
                   gsize        rows,
                   gsize        d,
                   double      *sq)
{
  for (gsize i = 0; i < rows; i++, x += d)
    {
      v4df acc = { 0 };
      double s;
      gsize j;

      for (j = 0; j + 4 <= d; j += 4)
        {
          v4sf xf;
          v4df xd;

          memcpy (&xf, x + j, sizeof xf);
          xd = __builtin_convertvector (xf, v4df);
          acc += xd * xd;
        }
      s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      for (; j < d; j++)
        s += (double) x[j] * (double) x[j];
      sq[i] = s;
    }
}

static gpointer
norms_thread (gpointer data)
{
  NormsJob *job = data;
  gsize d = job->matrix->n_cols;
  double sq[256];

  /* A few hundred rows at a time through a small double buffer. */
  for (gsize i = job->begin; i < job->end; i += G_N_ELEMENTS (sq))
    {
      gsize rows = MIN (G_N_ELEMENTS (sq), job->end - i);

      emb_rows_sq_norms (job->matrix->data + i * d, rows, d, sq);
      for (gsize r = 0; r < rows; r++)
        job->norms[i + r] = (float) sqrt (sq[r]);
    }
  return NULL;
}

void
emb_matrix_row_norms (const EmbMatrix *self,
                      float           *norms)
{
  GThread *threads[NORMS_MAX_THREADS];
  NormsJob jobs[NORMS_MAX_THREADS];
  gsize n, cells, n_threads;

  g_return_if_fail (self != NULL);

  n = self->n_rows;
  n_threads = emb_size_mul (n, self->n_cols, &cells) ? cells / NORMS_FLOATS_PER_THREAD : NORMS_MAX_THREADS;
  n_threads = CLAMP (n_threads, 1, MIN ((gsize) g_get_num_processors (), NORMS_MAX_THREADS));
  for (gsize t = 0; t < n_threads; t++)
    jobs[t] = (NormsJob) { self, norms, n * t / n_threads, n * (t + 1) / n_threads };
  for (gsize t = 1; t < n_threads; t++)
    threads[t] = g_thread_new ("emb-row-norms", norms_thread, &jobs[t]);
  norms_thread (&jobs[0]);
  for (gsize t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
}
