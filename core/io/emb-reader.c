/* emb-reader.c: the result a matrix reader returns. */
#include "config.h"

#include "io/emb-reader.h"

EmbReadResult *
emb_read_result_new (EmbMatrix  *matrix,
                     const char *dtype)
{
  EmbReadResult *result = g_new0 (EmbReadResult, 1);

  result->matrix = matrix;
  result->dtype = g_strdup (dtype);
  return result;
}

void
emb_read_result_free (EmbReadResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->matrix, emb_matrix_unref);
  g_clear_pointer (&result->vocab, emb_vocab_unref);
  g_free (result->vocab_source);
  g_free (result->dtype);
  g_free (result->tensor);
  g_clear_pointer (&result->tensors, g_ptr_array_unref);
  g_clear_pointer (&result->inputs, g_ptr_array_unref);
  g_free (result);
}

void
emb_read_result_add_input (EmbReadResult *result,
                           const char    *path)
{
  if (result->inputs == NULL)
    result->inputs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (result->inputs, g_strdup (path));
}
