/* emb-reader-safetensors.c: safetensors checkpoints: picking the embedding
 * table among the tensors and reading it.
 *
 * The header is read by emb-reader-safetensors-header.c, a sharded
 * checkpoint's index by emb-reader-safetensors-index.c.
 *
 * Little-endian F32 becomes a view of the memory-mapped file, so opening
 * costs only the nan/inf scan; F16, BF16 and F64 are converted to float32.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "io/emb-reader-safetensors-private.h"
#include "io/emb-tensors.h"
#include "io/emb-tensor-read.h"
#include "base/emb-alloc.h"
#include "base/emb-error.h"

/* The tensor list in the form the picking rule takes, its strings
 * borrowed from the headers: free it with g_free alone.  EmbTensorInfo
 * holds four dimensions; a deeper tensor is never a matrix, and is listed
 * with its first four. */
static EmbTensorInfo *
tensor_infos (const char  *file,
              GPtrArray   *tensors,
              GError     **error)
{
  g_autofree char *what = g_strdup_printf ("%s: the list of %u tensors", file, tensors->len);
  EmbTensorInfo *infos = emb_try_new0 (EmbTensorInfo, tensors->len, what, error);

  if (infos == NULL)
    return NULL;
  for (guint i = 0; i < tensors->len; i++)
    {
      const StTensor *t = g_ptr_array_index (tensors, i);

      infos[i].name = (char *) t->name;
      infos[i].dtype = (char *) t->dtype;
      infos[i].n_dims = MIN (t->n_dims, G_N_ELEMENTS (infos[i].shape));
      for (guint d = 0; d < infos[i].n_dims; d++)
        infos[i].shape[d] = t->dims[d];
      infos[i].readable = t->type != NULL && t->type->kind != ST_OTHER;
    }
  return infos;
}

/* Which of tensors to read.  A tensor asked for by name whose dtype we do
 * not convert is refused here, where the place of its entry is known. */
gssize
_emb_st_pick_tensor (const char *file,
             GPtrArray  *tensors,
             GPtrArray  *files,
             const char *wanted,
             GError    **error)
{
  g_autofree EmbTensorInfo *infos = NULL;

  if (wanted != NULL)
    for (guint i = 0; i < tensors->len; i++)
      {
        const StTensor *t = g_ptr_array_index (tensors, i);

        if (g_str_equal (t->name, wanted) && (t->type == NULL || t->type->kind == ST_OTHER))
          {
            emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, g_ptr_array_index (files, i),
                                  t->key_offset,
                                  "tensor '%s' has dtype %s%s; the floating-point types read are "
                                  "F32, F16, BF16 and F64", t->name, t->dtype,
                                  t->type == NULL ? ", which safetensors does not define" : "");
            return -1;
          }
      }

  infos = tensor_infos (file, tensors, error);
  if (infos == NULL)
    return -1;
  return emb_pick_embedding_tensor (file, infos, tensors->len, wanted, error);
}

/* auxiliary functions: the data */

/* Reads tensor t (2-D, a kind we convert) of the file in src: a view when
 * it is float32 that the host can use in place, else a converted copy. */
static EmbMatrix *
read_matrix (const EmbSource *src,
             gsize            data_start,
             const StTensor  *t,
             gboolean         keep_nonfinite,
             GError         **error)
{
  static const EmbStoredType stored[] = {
    [ST_F32] = EMB_STORED_F32,
    [ST_F16] = EMB_STORED_F16,
    [ST_BF16] = EMB_STORED_BF16,
    [ST_F64] = EMB_STORED_F64,
  };
  EmbTensorLayout layout = { 0 };

  g_assert (t->type->kind < G_N_ELEMENTS (stored));
  layout.tensor = t->name;
  layout.type = stored[t->type->kind];
  /* check_layout has put [offset, offset + count * item) inside the file. */
  layout.offset = data_start + t->begin;
  layout.n_rows = t->dims[0];
  layout.n_cols = t->dims[1];
  return emb_tensor_read (src, &layout, keep_nonfinite, error);
}

/* The chosen tensor of header h, whose file is src, with the list of
 * tensors it was picked from. */
EmbReadResult *
_emb_st_read_chosen (const EmbSource      *src,
             StHeader             *h,
             const StTensor       *t,
             GPtrArray            *tensors,
             const EmbReadOptions *options,
             GError              **error)
{
  g_autofree EmbTensorInfo *infos = NULL;
  EmbReadResult *result;
  EmbMatrix *matrix;

  /* emb_pick_embedding_tensor only returns readable 2-D tensors. */
  g_assert (t->type != NULL && t->type->kind != ST_OTHER && t->n_dims == 2);

  infos = tensor_infos (src->name, tensors, error);
  if (infos == NULL)
    return NULL;
  matrix = read_matrix (src, h->data_start, t, options->keep_nonfinite, error);
  if (matrix == NULL)
    return NULL;
  result = emb_read_result_new (matrix, t->type->stored);
  result->tensor = g_strdup (t->name);
  result->tensors = emb_tensor_list_describe (infos, tensors->len);
  return result;
}

/* public API */

/* Reads the embedding table of a safetensors file: the tensor asked for in
 * the options, else the one the picking rule finds (emb-tensors.c). */
EmbReadResult *
emb_read_safetensors (const EmbSource      *src,
                      const EmbReadOptions *options,
                      GError              **error)
{
  g_autoptr(StHeader) h = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) tensors = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autofree char *what = NULL;
  gssize chosen;

  /* The loader always gives bytes; a caller with bare data gets a copy,
   * which the view needs. */
  bytes = src->bytes != NULL ? g_bytes_ref (src->bytes) : g_bytes_new_static (src->data, src->size);
  h = _emb_st_read_header (src->name, bytes, error);
  if (h == NULL)
    return NULL;

  what = g_strdup_printf ("%s: the list of %" G_GSIZE_FORMAT " tensors", src->name, h->n_tensors);
  if (!emb_memory_check ((guint64) h->n_tensors * 2 * sizeof (gpointer), what, error))
    return NULL;
  tensors = g_ptr_array_sized_new (h->n_tensors);
  files = g_ptr_array_sized_new (h->n_tensors);
  for (gsize i = 0; i < h->n_tensors; i++)
    {
      g_ptr_array_add (tensors, &h->tensors[i]);
      g_ptr_array_add (files, h->name);
    }
  chosen = _emb_st_pick_tensor (src->name, tensors, files, options->tensor, error);
  if (chosen < 0)
    return NULL;
  return _emb_st_read_chosen (src, h, g_ptr_array_index (tensors, chosen), tensors, options, error);
}

