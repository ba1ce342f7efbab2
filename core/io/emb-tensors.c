/* emb-tensors.c: which tensor of a checkpoint is the token embedding. */
#include "config.h"

#include <string.h>

#include "io/emb-tensors.h"
#include "base/emb-error.h"

/* Names models give their token-embedding table (exact matches). */
static const char * const known_names[] = {
  "token_embd.weight",                   /* llama.cpp GGUF */
  "wte.weight",
  "transformer.wte.weight",              /* GPT-2 */
  "model.embed_tokens.weight",           /* Llama, Mistral, Qwen, ... */
  "gpt_neox.embed_in.weight",            /* Pythia, GPT-NeoX */
  "transformer.word_embeddings.weight",  /* BLOOM */
  "word_embeddings.weight",
  "shared.weight",                       /* T5 */
  "tok_embeddings.weight",               /* original Llama */
  "backbone.embeddings.weight",          /* Mamba */
  "transformer.embd.wte.weight",         /* Phi */
};

/* BERT-style names carry a model prefix: bert., roberta., model., ... */
#define WORDPIECE_SUFFIX "embeddings.word_embeddings.weight"

static gboolean
is_known_name (const char *name)
{
  gsize len = strlen (name), slen = strlen (WORDPIECE_SUFFIX);

  for (guint i = 0; i < G_N_ELEMENTS (known_names); i++)
    if (g_str_equal (name, known_names[i]))
      return TRUE;
  return len >= slen && g_str_equal (name + len - slen, WORDPIECE_SUFFIX) &&
         (len == slen || name[len - slen - 1] == '.');
}

static gboolean
is_usable (const EmbTensorInfo *t)
{
  return t->readable && t->n_dims == 2 && t->shape[0] > 0 && t->shape[1] > 0;
}

static char *
describe (const EmbTensorInfo *t)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s %s [", t->name, t->dtype);
  for (guint d = 0; d < t->n_dims; d++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, d ? ", " : "", t->shape[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Up to a few tensors, for messages. */
static char *
list_some (const EmbTensorInfo *tensors,
           gsize                n)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n && i < 8; i++)
    {
      g_autofree char *one = describe (&tensors[i]);
      g_string_append_printf (s, "%s%s", i ? ", " : "", one);
    }
  if (n > 8)
    g_string_append_printf (s, " and %" G_GSIZE_FORMAT " more", n - 8);
  return g_string_free (s, FALSE);
}

void
emb_tensor_info_clear (EmbTensorInfo *info)
{
  g_clear_pointer (&info->name, g_free);
  g_clear_pointer (&info->dtype, g_free);
}

gssize
emb_pick_embedding_tensor (const char          *file,
                           const EmbTensorInfo *tensors,
                           gsize                n,
                           const char          *wanted,
                           GError             **error)
{
  gssize best = -1;
  guint64 best_size = 0;

  if (wanted != NULL)
    {
      for (gsize i = 0; i < n; i++)
        {
          if (!g_str_equal (tensors[i].name, wanted))
            continue;
          if (!is_usable (&tensors[i]))
            {
              g_autofree char *what = describe (&tensors[i]);
              emb_set_error_file (error, tensors[i].readable ? EMB_ERROR_SHAPE : EMB_ERROR_UNSUPPORTED, file,
                                  "tensor %s is not a 2-D floating-point matrix", what);
              return -1;
            }
          return i;
        }
      {
        g_autofree char *some = list_some (tensors, n);
        emb_set_error_file (error, EMB_ERROR_NOT_FOUND, file, "no tensor '%s' (it has %s)", wanted,
                            n > 0 ? some : "no tensors");
      }
      return -1;
    }

  for (gsize i = 0; i < n; i++)
    if (is_usable (&tensors[i]) && is_known_name (tensors[i].name))
      return i;

  /* The token table is there but stored in a type we cannot read: showing
   * some other matrix instead would mislead, so say so. */
  for (gsize i = 0; i < n; i++)
    if (!tensors[i].readable && tensors[i].n_dims == 2 && is_known_name (tensors[i].name))
      {
        g_autofree char *what = describe (&tensors[i]);
        emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, file,
                            "the token embedding %s is stored in a type EmbedLens does not read "
                            "(it reads F32, F16, BF16, F64, Q8_0 and Q4_0); --tensor picks another tensor",
                            what);
        return -1;
      }

  for (gsize i = 0; i < n; i++)
    if (is_usable (&tensors[i]) && tensors[i].shape[0] * tensors[i].shape[1] > best_size)
      {
        best = i;
        best_size = tensors[i].shape[0] * tensors[i].shape[1];
      }
  if (best < 0)
    {
      g_autofree char *some = list_some (tensors, n);
      emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, file,
                          "no floating-point 2-D tensor to read (it has %s)", n > 0 ? some : "no tensors");
    }
  return best;
}

GPtrArray *
emb_tensor_list_describe (const EmbTensorInfo *tensors,
                          gsize                n)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (lines, describe (&tensors[i]));
  return lines;
}
