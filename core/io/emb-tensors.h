/* emb-tensors.h: the tensors of a checkpoint (safetensors, GGUF), and the
 * one rule that picks the embedding table among them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char    *name;
  char    *dtype;        /* as the file names it: "F16", "BF16", "Q8_0", ... */
  guint    n_dims;
  guint64  shape[4];     /* rows first: [n_vocab, n_embd] for a token table */
  gboolean readable;     /* a floating type this reader converts */
} EmbTensorInfo;

void       emb_tensor_info_clear     (EmbTensorInfo *info);

/* Which tensor to read: the one named `wanted` (an error naming the
 * choices when absent or not a readable 2-D tensor), else the first
 * readable 2-D tensor with a known token-embedding name (token_embd.weight,
 * wte.weight, transformer.wte.weight, model.embed_tokens.weight,
 * [*.]embeddings.word_embeddings.weight, gpt_neox.embed_in.weight,
 * transformer.word_embeddings.weight, word_embeddings.weight,
 * shared.weight, tok_embeddings.weight, backbone.embeddings.weight,
 * transformer.embd.wte.weight), else the largest readable 2-D tensor.
 * Returns its index, or -1 with an error naming file (no readable 2-D
 * floating tensor). */
gssize     emb_pick_embedding_tensor (const char          *file,
                                      const EmbTensorInfo *tensors,
                                      gsize                n,
                                      const char          *wanted,
                                      GError             **error);

/* "name  dtype  [a, b]" lines for `info --tensors`. */
GPtrArray *emb_tensor_list_describe  (const EmbTensorInfo *tensors,
                                      gsize                n);

G_END_DECLS
