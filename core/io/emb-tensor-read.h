/* emb-tensor-read.h: reading a stored 2-D tensor as a float32 matrix.
 *
 * The one loop every binary reader (.npy, safetensors, GGUF, projector
 * .bytes) reads its tensor with: a view of the mapped file when the
 * values are this host's float32, else a converted copy; a chunk at a
 * time, polling the cancellable, handing converted pages back, refusing
 * nan and inf unless asked to keep them, and reporting progress.
 */
#pragma once

#include "io/emb-source.h"
#include "model/emb-matrix.h"

G_BEGIN_DECLS

/* How values are stored.  Q8_0 and Q4_0 are ggml's blocks of 32 values:
 * an f16 scale d, then 32 int8 q (x = d * q), or 16 bytes whose low
 * nibbles are values 0..15 and high nibbles 16..31 (x = d * (q - 8)). */
typedef enum
{
  EMB_STORED_F32,
  EMB_STORED_F16,
  EMB_STORED_BF16,
  EMB_STORED_F64,
  EMB_STORED_Q8_0,
  EMB_STORED_Q4_0,
} EmbStoredType;

typedef struct
{
  const char   *tensor;      /* named in messages ("tensor 'NAME', row ..."), or NULL */
  EmbStoredType type;
  gboolean      big_endian;  /* stored big-endian (a '>' .npy), else little-endian */
  gsize         offset;      /* file byte of the first value */
  gsize         n_rows;      /* the values are n_rows x n_cols, row-major */
  gsize         n_cols;
} EmbTensorLayout;

/* Converts count values (whole blocks) stored at in to float32. */
void       emb_stored_convert             (EmbStoredType type,
                                           gboolean      big_endian,
                                           const guint8 *in,
                                           float        *out,
                                           gsize         count);

/* Reads the tensor: the caller has checked that its bytes are inside the
 * source.  NULL with an error naming the file on a cancel, a nan or inf
 * (unless keep_nonfinite), or too little memory. */
EmbMatrix *emb_tensor_read                (const EmbSource       *src,
                                           const EmbTensorLayout *layout,
                                           gboolean               keep_nonfinite,
                                           GError               **error);

/* The error for the non-finite value at row, column of the result, the
 * index-th value stored: "FILE: byte B: [tensor 'T', ]row R, column C is
 * nan" (or a float64 "too large for float32"; a block type says the byte
 * is its block's). */
void       emb_tensor_set_non_finite_error (const EmbSource       *src,
                                            const EmbTensorLayout *layout,
                                            gsize                  index,
                                            gsize                  row,
                                            gsize                  column,
                                            float                  value,
                                            GError               **error);

G_END_DECLS
