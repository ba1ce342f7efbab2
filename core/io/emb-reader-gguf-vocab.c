/* emb-reader-gguf-vocab.c: the vocabulary of a GGUF file:
 * tokenizer.ggml.tokens, their types (tokenizer.ggml.token_type) and the
 * decoder that tokenizer.ggml.model implies.
 */
#include "config.h"

#include <string.h>

#include "io/emb-reader-gguf-private.h"
#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"

/* auxiliary functions: the vocabulary */

static EmbTokenType
token_type_from_gguf (gint64 value)
{
  /* llama.cpp's token types; 0 (undefined) and unknown values: normal. */
  switch (value)
    {
    case 2: return EMB_TOKEN_UNKNOWN;
    case 3: return EMB_TOKEN_CONTROL;
    case 4: return EMB_TOKEN_USER;
    case 5: return EMB_TOKEN_UNUSED;
    case 6: return EMB_TOKEN_BYTE;
    default: return EMB_TOKEN_NORMAL;
    }
}

static EmbDecoder
decoder_from_model (const guint8 *model,
                    guint64       len)
{
  if (model == NULL)
    return EMB_DECODER_NONE;
  if (_emb_gguf_key_is (model, len, "gpt2"))
    return EMB_DECODER_BYTE_LEVEL;
  /* T5's tokenizer is SentencePiece too, with the same "▁" for a space. */
  if (_emb_gguf_key_is (model, len, "llama") || _emb_gguf_key_is (model, len, "t5"))
    return EMB_DECODER_SENTENCEPIECE;
  return EMB_DECODER_NONE;
}

/* The tokens, types and decoder recorded in h.  read_header has already
 * checked every string and value against the file. */
EmbVocab *
_emb_gguf_build_vocab (Reader           *r,
                       const GgufHeader *h,
                       GError          **error)
{
  g_autoptr(EmbVocab) vocab = emb_vocab_new ();
  g_autofree char *what = g_strdup_printf ("%s: the vocabulary of %" G_GUINT64_FORMAT " tokens",
                                           r->name, h->n_tokens);
  guint64 pos = h->tokens_pos;

  if (!emb_vocab_reserve (vocab, h->n_tokens, h->tokens_bytes, what, error))
    return NULL;
  for (guint64 i = 0; i < h->n_tokens; i++)
    {
      guint64 len = _emb_gguf_load_u64 (r->data + pos);

      emb_vocab_add (vocab, (const char *) r->data + pos + 8, len);
      pos += 8 + len;
      if ((i & 0xffff) == 0xffff &&
          g_cancellable_set_error_if_cancelled (r->cancellable, error))
        return NULL;
    }

  if (h->has_types)
    {
      guint64 n = MIN (h->n_types, h->n_tokens);
      guint size = _emb_gguf_type_size (h->types_elem);

      for (guint64 i = 0; i < n; i++)
        {
          gint64 value;
          gboolean negative;

          _emb_gguf_load_integer (r->data + h->types_pos + i * size, h->types_elem, &value, &negative);
          if (token_type_from_gguf (value) != EMB_TOKEN_NORMAL)
            emb_vocab_set_token_type (vocab, i, token_type_from_gguf (value));
        }
    }

  emb_vocab_set_decoder (vocab, decoder_from_model (h->model, h->model_len));
  return g_steal_pointer (&vocab);
}

/* public API */

/* The vocabulary of a GGUF file, for --vocab: llama.cpp ships
 * vocabulary-only GGUF files, and a model file works too. */
EmbVocab *
emb_vocab_read_gguf (const char   *name,
                     const guint8 *data,
                     gsize         size,
                     GError      **error)
{
  EmbVocab *vocab = NULL;
  GgufHeader h;
  Reader r;

  _emb_gguf_reader_init (&r, name, data, size, NULL);
  if (!_emb_gguf_read_header (&r, &h, error))
    goto out;
  if (!h.has_tokens)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, name,
                          "has no tokenizer.ggml.tokens: not a vocabulary");
      goto out;
    }
  vocab = _emb_gguf_build_vocab (&r, &h, error);

out:
  _emb_gguf_reader_clear (&r);
  return vocab;
}

