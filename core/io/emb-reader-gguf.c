/* emb-reader-gguf.c: GGUF files, as llama.cpp writes them: the tensor
 * table and the embedding tensor (header: emb-reader-gguf-header.c,
 * vocabulary: emb-reader-gguf-vocab.c).
 *
 * Layout (little-endian, versions 2 and 3):
 *   "GGUF", u32 version, u64 tensor_count, u64 metadata_kv_count,
 *   metadata_kv_count pairs of (string key, u32 value type, value),
 *   tensor_count infos of (string name, u32 n_dims, u64 ne[n_dims],
 *   u32 ggml type, u64 offset),
 *   zero padding up to general.alignment (default 32), then the tensor data;
 *   each tensor's offset counts from there and is a multiple of the
 *   alignment.  A string is a u64 length and that many bytes, an array a
 *   u32 element type, a u64 count and the elements.
 *
 * ggml lists dimensions fastest first: token_embd.weight has ne = [n_embd,
 * n_vocab], i.e. n_vocab rows of n_embd values, and shapes are reported
 * the other way round, rows first, as numpy and safetensors do.
 *
 * Every count and length comes from the file, so each is checked against
 * the bytes left, in 64-bit arithmetic that cannot overflow, before it is
 * used to read, loop or allocate.
 */
#include "config.h"

#include <string.h>

#include "io/emb-reader-gguf-private.h"
#include "io/emb-tensors.h"
#include "io/emb-tensor-read.h"
#include "base/emb-alloc.h"
#include "base/emb-error.h"

/* auxiliary functions: ggml types */

enum
{
  GGML_F32 = 0,
  GGML_F16 = 1,
  GGML_Q4_0 = 2,
  GGML_Q8_0 = 8,
  GGML_F64 = 28,
  GGML_BF16 = 30,
};

/* ggml tensor types: name, values per block, bytes per block.  The sizes
 * of the types this reader cannot convert are still needed to check that
 * every tensor lies inside the file.  Ids missing here were removed from
 * ggml or are newer than this table: such tensors are listed, not read. */
typedef struct
{
  const char *name;
  guint32     block;
  guint32     bytes;
} GgmlType;

static const GgmlType ggml_types[] = {
  [0]  = { "F32", 1, 4 },
  [1]  = { "F16", 1, 2 },
  [2]  = { "Q4_0", 32, 18 },
  [3]  = { "Q4_1", 32, 20 },
  [6]  = { "Q5_0", 32, 22 },
  [7]  = { "Q5_1", 32, 24 },
  [8]  = { "Q8_0", 32, 34 },
  [9]  = { "Q8_1", 32, 36 },
  [10] = { "Q2_K", 256, 84 },
  [11] = { "Q3_K", 256, 110 },
  [12] = { "Q4_K", 256, 144 },
  [13] = { "Q5_K", 256, 176 },
  [14] = { "Q6_K", 256, 210 },
  [15] = { "Q8_K", 256, 292 },
  [16] = { "IQ2_XXS", 256, 66 },
  [17] = { "IQ2_XS", 256, 74 },
  [18] = { "IQ3_XXS", 256, 98 },
  [19] = { "IQ1_S", 256, 50 },
  [20] = { "IQ4_NL", 32, 18 },
  [21] = { "IQ3_S", 256, 110 },
  [22] = { "IQ2_S", 256, 82 },
  [23] = { "IQ4_XS", 256, 136 },
  [24] = { "I8", 1, 1 },
  [25] = { "I16", 1, 2 },
  [26] = { "I32", 1, 4 },
  [27] = { "I64", 1, 8 },
  [28] = { "F64", 1, 8 },
  [29] = { "IQ1_M", 256, 56 },
  [30] = { "BF16", 1, 2 },
  [34] = { "TQ1_0", 256, 54 },
  [35] = { "TQ2_0", 256, 66 },
  [39] = { "MXFP4", 32, 17 },
};

static const GgmlType *
ggml_type_lookup (guint32 type)
{
  if (type < G_N_ELEMENTS (ggml_types) && ggml_types[type].name != NULL)
    return &ggml_types[type];
  return NULL;
}

static gboolean
ggml_type_readable (guint32 type)
{
  return type == GGML_F32 || type == GGML_F16 || type == GGML_BF16 ||
         type == GGML_F64 || type == GGML_Q8_0 || type == GGML_Q4_0;
}

/* The dataset's dtype for a readable type. */
static const char *
ggml_type_dtype (guint32 type)
{
  switch (type)
    {
    case GGML_F32: return "float32";
    case GGML_F16: return "float16";
    case GGML_BF16: return "bfloat16";
    case GGML_F64: return "float64";
    case GGML_Q8_0: return "q8_0";
    case GGML_Q4_0: return "q4_0";
    default: g_assert_not_reached (); return NULL;
    }
}

static char *
ggml_type_describe (guint32 type)
{
  const GgmlType *t = ggml_type_lookup (type);

  return t != NULL ? g_strdup (t->name) : g_strdup_printf ("type %u", type);
}

/* auxiliary functions: tensors */

typedef struct
{
  guint32 type;
  guint   n_dims;
  guint64 ne[MAX_DIMS];
  guint64 offset;        /* from the data section as stored, then from the file start */
  guint64 offset_pos;    /* where the offset field is, for messages */
  guint64 info_pos;      /* where the tensor info starts */
  guint64 n_bytes;       /* 0 when the type is unknown */
} GgufTensor;

typedef struct
{
  EmbTensorInfo *infos;
  GgufTensor    *tensors;
  gsize          n;
} TensorTable;

static void
tensor_table_clear (TensorTable *t)
{
  for (gsize i = 0; i < t->n && t->infos != NULL; i++)
    emb_tensor_info_clear (&t->infos[i]);
  g_clear_pointer (&t->infos, g_free);
  g_clear_pointer (&t->tensors, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TensorTable, tensor_table_clear)

/* One tensor info: name, dimensions, type and offset, with its element
 * count and byte size checked for overflow. */
static gboolean
read_tensor_info (Reader        *r,
                  gsize          index,
                  GgufTensor    *t,
                  EmbTensorInfo *info,
                  GError       **error)
{
  const guint8 *name;
  guint64 name_len, count = 1;
  guint32 n_dims;
  const GgmlType *gt;
  g_autofree char *raw_name = NULL;

  t->info_pos = r->pos;
  _emb_gguf_reader_set_where (r, "the info of tensor %" G_GSIZE_FORMAT, index);
  if (!_emb_gguf_read_string (r, &name, &name_len, error))
    return FALSE;
  /* Names are ASCII in practice; keep whatever is there readable. */
  raw_name = g_strndup ((const char *) name, name_len);
  info->name = g_utf8_make_valid (raw_name, -1);
  _emb_gguf_reader_set_where (r, "the info of tensor %" G_GSIZE_FORMAT " '%s'", index, info->name);

  if (!_emb_gguf_read_u32 (r, &n_dims, error))
    return FALSE;
  if (n_dims > MAX_DIMS)
    {
      emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, r->name, r->pos - 4,
                            "tensor '%s' has %u dimensions (at most %d)",
                            info->name, n_dims, MAX_DIMS);
      return FALSE;
    }
  t->n_dims = info->n_dims = n_dims;
  for (guint k = 0; k < n_dims; k++)
    {
      if (!_emb_gguf_read_u64 (r, &t->ne[k], error))
        return FALSE;
      /* ggml holds sizes in int64, and their product must fit too. */
      if (t->ne[k] > G_MAXINT64 || __builtin_mul_overflow (count, t->ne[k], &count) ||
          count > G_MAXINT64)
        {
          emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->name, r->pos - 8,
                                "tensor '%s': dimension %u (%" G_GUINT64_FORMAT
                                ") makes it too large to be real",
                                info->name, k, t->ne[k]);
          return FALSE;
        }
      info->shape[n_dims - 1 - k] = t->ne[k];
    }

  if (!_emb_gguf_read_u32 (r, &t->type, error))
    return FALSE;
  gt = ggml_type_lookup (t->type);
  info->dtype = ggml_type_describe (t->type);
  info->readable = ggml_type_readable (t->type);
  if (gt != NULL)
    {
      /* Blocks run along the fastest dimension, never across rows. */
      if (n_dims > 0 && t->ne[0] % gt->block != 0)
        {
          emb_set_error_offset (error, EMB_ERROR_SHAPE, r->name, r->pos - 4,
                                "tensor '%s': its rows of %" G_GUINT64_FORMAT " values are not "
                                "whole %s blocks of %u", info->name, t->ne[0], gt->name, gt->block);
          return FALSE;
        }
      if (__builtin_mul_overflow (count / gt->block, (guint64) gt->bytes, &t->n_bytes))
        {
          emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->name, t->info_pos,
                                "tensor '%s' is too large to be real", info->name);
          return FALSE;
        }
    }

  t->offset_pos = r->pos;
  return _emb_gguf_read_u64 (r, &t->offset, error);
}

/* All tensor infos, then where each one's data lies. */
static gboolean
read_tensor_table (Reader           *r,
                   const GgufHeader *h,
                   TensorTable      *table,
                   GError          **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *what = NULL;
  guint64 data_start;

  _emb_gguf_reader_set_where (r, "the tensor infos");
  if (!_emb_gguf_reader_need_items (r, h->n_tensors, MIN_TENSOR_INFO, "tensors", error))
    return FALSE;
  what = g_strdup_printf ("%s: the list of %" G_GUINT64_FORMAT " tensors", r->name, h->n_tensors);
  table->infos = emb_try_new0 (EmbTensorInfo, h->n_tensors, what, error);
  if (table->infos == NULL)
    return FALSE;
  table->tensors = emb_try_new0 (GgufTensor, h->n_tensors, what, error);
  if (table->tensors == NULL)
    return FALSE;
  table->n = h->n_tensors;
  for (gsize i = 0; i < table->n; i++)
    {
      if (!read_tensor_info (r, i, &table->tensors[i], &table->infos[i], error) ||
          !_emb_gguf_reader_poll (r, error))
        return FALSE;
      if (!g_hash_table_add (names, table->infos[i].name))
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, table->tensors[i].info_pos,
                                "tensor '%s' is listed twice", table->infos[i].name);
          return FALSE;
        }
    }

  /* The data section starts at the next multiple of the alignment. */
  if (__builtin_add_overflow (r->pos, h->alignment - 1, &data_start))
    data_start = G_MAXUINT64;
  data_start &= ~(h->alignment - 1);

  for (gsize i = 0; i < table->n; i++)
    {
      GgufTensor *t = &table->tensors[i];
      const char *name = table->infos[i].name;
      guint64 start, end;

      if (t->offset % h->alignment != 0)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, t->offset_pos,
                                "tensor '%s': data offset %" G_GUINT64_FORMAT " is not a multiple "
                                "of the alignment %" G_GUINT64_FORMAT,
                                name, t->offset, h->alignment);
          return FALSE;
        }
      if (__builtin_add_overflow (data_start, t->offset, &start) ||
          __builtin_add_overflow (start, t->n_bytes, &end))
        {
          emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->name, t->offset_pos,
                                "tensor '%s': data offset %" G_GUINT64_FORMAT
                                " is too large to be real", name, t->offset);
          return FALSE;
        }
      if (end > r->size)
        {
          emb_set_error_offset (error, EMB_ERROR_TRUNCATED, r->name, end,
                                "the data of tensor '%s' (%s, %" G_GUINT64_FORMAT
                                " bytes from byte %" G_GUINT64_FORMAT ") should end here, "
                                "but the file has only %" G_GUINT64_FORMAT " bytes",
                                name, table->infos[i].dtype, t->n_bytes, start, r->size);
          return FALSE;
        }
      /* From here on, offset is from the start of the file. */
      t->offset = start;
    }
  return TRUE;
}

/* A tensor the user or the file's own naming points at, but that this
 * reader cannot convert, gets an error naming its type, rather than
 * another tensor being shown in its place. */
static gboolean
check_chosen_type (const EmbSource   *src,
                   const TensorTable *table,
                   const char        *wanted,
                   GError           **error)
{
  const char *name = wanted != NULL ? wanted : "token_embd.weight";

  for (gsize i = 0; i < table->n; i++)
    {
      const EmbTensorInfo *info = &table->infos[i];

      if (!g_str_equal (info->name, name) || info->readable)
        continue;
      if (ggml_type_lookup (table->tensors[i].type) == NULL)
        emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, src->name, table->tensors[i].info_pos,
                              "tensor '%s' has ggml type %u, which is not a known type",
                              name, table->tensors[i].type);
      else
        emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, src->name, table->tensors[i].info_pos,
                              "tensor '%s' is %s, which is not read (readable: F32, F16, BF16, "
                              "F64, Q8_0, Q4_0)%s", name, info->dtype,
                              wanted == NULL ? "; pick another tensor with --tensor" : "");
      return FALSE;
    }
  return TRUE;
}

/* auxiliary functions: the data */

static EmbStoredType
ggml_type_stored (guint32 type)
{
  switch (type)
    {
    case GGML_F32: return EMB_STORED_F32;
    case GGML_F16: return EMB_STORED_F16;
    case GGML_BF16: return EMB_STORED_BF16;
    case GGML_F64: return EMB_STORED_F64;
    case GGML_Q8_0: return EMB_STORED_Q8_0;
    case GGML_Q4_0: return EMB_STORED_Q4_0;
    default: g_assert_not_reached (); return EMB_STORED_F32;
    }
}

/* The chosen tensor as an n_vocab x n_embd float32 matrix: a view of the
 * file for aligned little-endian F32, else converted in chunks; any nan or
 * inf is refused. */
static EmbMatrix *
read_matrix (const EmbSource  *src,
             const GgufTensor *t,
             const char       *tensor,
             gboolean          keep_nonfinite,
             GError          **error)
{
  gsize rows = t->ne[1], cols = t->ne[0], count;
  EmbTensorLayout layout = { 0 };

  if (rows != t->ne[1] || cols != t->ne[0] || !emb_size_mul (rows, cols, &count))
    {
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, src->name, t->info_pos,
                            "tensor '%s' is too large for this computer", tensor);
      return NULL;
    }
  layout.tensor = tensor;
  layout.type = ggml_type_stored (t->type);
  layout.offset = t->offset;
  layout.n_rows = rows;
  layout.n_cols = cols;
  return emb_tensor_read (src, &layout, keep_nonfinite, error);
}

/* public API */

/* Reads the token-embedding tensor of a GGUF file (or the one named by
 * --tensor) as float32, with the file's vocabulary when it has one. */
EmbReadResult *
emb_read_gguf (const EmbSource      *src,
               const EmbReadOptions *options,
               GError              **error)
{
  g_auto(TensorTable) table = { 0 };
  g_autoptr(EmbMatrix) matrix = NULL;
  g_autoptr(EmbVocab) vocab = NULL;
  GgufHeader h;
  Reader r;
  gssize index;
  EmbReadResult *result = NULL;

  _emb_gguf_reader_init (&r, src->name, src->data, src->size, src->cancellable);
  if (!_emb_gguf_read_header (&r, &h, error))
    goto out;

  if (h.n_tensors == 0)
    {
      if (h.has_tokens)
        emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                            "has no tensors, only a vocabulary of %" G_GUINT64_FORMAT
                            " tokens: use it as --vocab", h.n_tokens);
      else
        emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                            "has no tensors: a vocabulary-only file? use it as --vocab");
      goto out;
    }

  if (!read_tensor_table (&r, &h, &table, error) ||
      !check_chosen_type (src, &table, options->tensor, error))
    goto out;

  index = emb_pick_embedding_tensor (src->name, table.infos, table.n,
                                     options->tensor, error);
  if (index < 0)
    goto out;

  matrix = read_matrix (src, &table.tensors[index], table.infos[index].name,
                        options->keep_nonfinite, error);
  if (matrix == NULL)
    goto out;

  if (h.has_tokens)
    {
      vocab = _emb_gguf_build_vocab (&r, &h, error);
      if (vocab == NULL)
        goto out;
    }

  result = emb_read_result_new (g_steal_pointer (&matrix),
                                ggml_type_dtype (table.tensors[index].type));
  result->tensors = emb_tensor_list_describe (table.infos, table.n);
  result->tensor = g_strdup (table.infos[index].name);
  if (vocab != NULL)
    {
      result->vocab = g_steal_pointer (&vocab);
      result->vocab_source = g_strdup ("tokenizer.ggml.tokens");
    }

out:
  _emb_gguf_reader_clear (&r);
  return result;
}

