/* emb-tensor-read.c: the chunked read of a stored tensor into a float32
 * matrix, with the conversions of every stored type. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "io/emb-tensor-read.h"
#include "base/emb-error.h"
#include "base/emb-finite.h"
#include "base/emb-half.h"

/* Values converted or scanned between two polls of the cancellable (4 MB
 * of output); a multiple of the 32-value quantisation blocks. */
#define CHUNK_VALUES (1u << 20)

/* auxiliary functions: conversion */

/* Loads in the given byte order; inlined with big_endian a constant, a
 * plain load (and a byte swap). */
static inline guint16
load_u16 (const guint8 *p,
          gboolean      big_endian)
{
  guint16 v;

  memcpy (&v, p, sizeof v);
  return big_endian ? GUINT16_FROM_BE (v) : GUINT16_FROM_LE (v);
}

static inline guint32
load_u32 (const guint8 *p,
          gboolean      big_endian)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return big_endian ? GUINT32_FROM_BE (v) : GUINT32_FROM_LE (v);
}

static inline guint64
load_u64 (const guint8 *p,
          gboolean      big_endian)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return big_endian ? GUINT64_FROM_BE (v) : GUINT64_FROM_LE (v);
}

/* One loop per type; inlined with big_endian a constant, each stays
 * simple enough to vectorise. */
static inline void
convert_plain (EmbStoredType type,
               gboolean      big_endian,
               const guint8 *in,
               float        *out,
               gsize         count)
{
  switch (type)
    {
    case EMB_STORED_F32:
      for (gsize k = 0; k < count; k++)
        {
          guint32 u = load_u32 (in + 4 * k, big_endian);
          memcpy (out + k, &u, 4);
        }
      break;

    case EMB_STORED_F16:
      for (gsize k = 0; k < count; k++)
        out[k] = emb_half_to_float (load_u16 (in + 2 * k, big_endian));
      break;

    case EMB_STORED_BF16:
      for (gsize k = 0; k < count; k++)
        out[k] = emb_bf16_to_float (load_u16 (in + 2 * k, big_endian));
      break;

    case EMB_STORED_F64:
      for (gsize k = 0; k < count; k++)
        {
          guint64 u = load_u64 (in + 8 * k, big_endian);
          double x;
          memcpy (&x, &u, 8);
          out[k] = (float) x;
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The stored float64 at p, for the message of one too large for float32. */
static double
load_f64 (const guint8 *p,
          gboolean      big_endian)
{
  guint64 u = load_u64 (p, big_endian);
  double x;

  memcpy (&x, &u, 8);
  return x;
}

/* Values per block and bytes per block: 1 and the value's size for the
 * plain types, 32 and 34 or 18 for Q8_0 and Q4_0. */
static gsize
values_per_block (EmbStoredType type)
{
  return type == EMB_STORED_Q8_0 || type == EMB_STORED_Q4_0 ? 32 : 1;
}

static gsize
bytes_per_block (EmbStoredType type)
{
  switch (type)
    {
    case EMB_STORED_F32: return 4;
    case EMB_STORED_F16: return 2;
    case EMB_STORED_BF16: return 2;
    case EMB_STORED_F64: return 8;
    case EMB_STORED_Q8_0: return 34;
    case EMB_STORED_Q4_0: return 18;
    default: g_assert_not_reached ();
    }
}

/* public API */

void
emb_stored_convert (EmbStoredType type,
                    gboolean      big_endian,
                    const guint8 *in,
                    float        *out,
                    gsize         count)
{
  if (type == EMB_STORED_F32 && big_endian == (G_BYTE_ORDER == G_BIG_ENDIAN))
    memcpy (out, in, count * 4);
  else if (type == EMB_STORED_Q8_0)
    for (gsize b = 0; b < count / 32; b++, in += 34, out += 32)
      {
        float d = emb_half_to_float (load_u16 (in, FALSE));
        for (guint j = 0; j < 32; j++)
          out[j] = d * (float) (gint8) in[2 + j];
      }
  else if (type == EMB_STORED_Q4_0)
    for (gsize b = 0; b < count / 32; b++, in += 18, out += 32)
      {
        float d = emb_half_to_float (load_u16 (in, FALSE));
        for (guint j = 0; j < 16; j++)
          {
            out[j] = d * (float) ((int) (in[2 + j] & 0x0f) - 8);
            out[j + 16] = d * (float) ((int) (in[2 + j] >> 4) - 8);
          }
      }
  else if (big_endian)
    convert_plain (type, TRUE, in, out, count);
  else
    convert_plain (type, FALSE, in, out, count);
}

void
emb_tensor_set_non_finite_error (const EmbSource       *src,
                                 const EmbTensorLayout *layout,
                                 gsize                  index,
                                 gsize                  row,
                                 gsize                  column,
                                 float                  value,
                                 GError               **error)
{
  gsize block = values_per_block (layout->type);
  gsize at = layout->offset + index / block * bytes_per_block (layout->type);
  g_autofree char *tensor = layout->tensor != NULL
                            ? g_strdup_printf ("tensor '%s', ", layout->tensor) : g_strdup ("");

  if (layout->type == EMB_STORED_F64)
    {
      double x = load_f64 (src->data + at, layout->big_endian);

      if (isfinite (x))
        {
          emb_set_error_offset (error, EMB_ERROR_NON_FINITE, src->name, at,
                                "%srow %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
                                ": %g is too large for float32", tensor, row, column, x);
          return;
        }
    }
  emb_set_error_offset (error, EMB_ERROR_NON_FINITE, src->name, at,
                        "%srow %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT " is %s%s",
                        tensor, row, column,
                        isnan (value) ? "nan" : value > 0 ? "inf" : "-inf",
                        block > 1 ? " (in the block starting here)" : "");
}

/* Every value is checked, a chunk at a time, with room to cancel; the
 * pages of a copied tensor are handed back as soon as they are converted. */
EmbMatrix *
emb_tensor_read (const EmbSource       *src,
                 const EmbTensorLayout *layout,
                 gboolean               keep_nonfinite,
                 GError               **error)
{
  g_autoptr(EmbMatrix) matrix = NULL;
  gsize rows = layout->n_rows, cols = layout->n_cols, count = rows * cols;
  gsize block = values_per_block (layout->type);
  gsize block_bytes = bytes_per_block (layout->type);
  gboolean native = layout->type == EMB_STORED_F32 &&
                    layout->big_endian == (G_BYTE_ORDER == G_BIG_ENDIAN);
  gboolean is_view = FALSE;

  /* The reader has put the tensor's bytes inside the file. */
  g_assert (count % block == 0);
  g_assert (layout->offset <= src->size &&
            count / block <= (src->size - layout->offset) / block_bytes);

  if (native && src->bytes != NULL)
    {
      matrix = emb_matrix_new_view (src->bytes, layout->offset, rows, cols);
      is_view = matrix != NULL;
    }
  if (matrix == NULL)
    {
      matrix = emb_matrix_new (rows, cols, error);
      if (matrix == NULL)
        {
          emb_prefix_error_file (error, src->name);
          return NULL;
        }
    }

  for (gsize start = 0; start < count; start += CHUNK_VALUES)
    {
      gsize len = MIN (CHUNK_VALUES, count - start), k;
      gsize from = layout->offset + start / block * block_bytes;
      gsize to = layout->offset + (start + len) / block * block_bytes;

      if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
        return NULL;
      if (!is_view)
        {
          emb_stored_convert (layout->type, layout->big_endian, src->data + from,
                              matrix->data + start, len);
          /* The converted bytes are not needed again: let them go. */
          emb_source_release (src, from, to);
        }
      if (!keep_nonfinite && emb_find_non_finite (matrix->data + start, len, &k))
        {
          k += start;
          emb_tensor_set_non_finite_error (src, layout, k, k / cols, k % cols,
                                           matrix->data[k], error);
          return NULL;
        }
      emb_source_progress (src, (double) (start + len) / count);
    }
  /* A shard or side file is let go after this read: check it now. */
  if (!emb_source_check_unchanged (src->bytes, src->name, error))
    return NULL;
  return g_steal_pointer (&matrix);
}
