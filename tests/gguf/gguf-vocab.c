/* gguf-vocab.c: the vocabularies a GGUF file carries
 * (tokenizer.ggml.tokens, their types and models), and vocabulary-only
 * files. */
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "gguf-test.h"

static EmbDataset *
load_with_tokens (const char         *name,
                  const char * const *tokens,
                  guint               n,
                  const gint32       *types,
                  const char         *model)
{
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) b = gguf_new (3, 1, 1 + (types != NULL) + (model != NULL));

  put_tokenizer (b, tokens, n, types, model);
  put_tensor (b, "token_embd.weight", 2, (guint64[]) { 4, 3 }, G_F32, 0);
  pad_to (b, 32);
  g_byte_array_append (b, d->data, d->len);
  return load_ok (b, name);
}

static void
test_tokens_gpt2 (void)
{
  static const char * const tokens[] = { "\xc4\xa0the", "\xc4\x8a", "<|endoftext|>" };
  static const gint32 types[] = { 1, 1, 3 };
  g_autoptr(EmbDataset) ds = load_with_tokens ("gpt2.gguf", tokens, 3, types, "gpt2");

  g_assert_cmpstr (ds->vocab_source, ==, "tokenizer.ggml.tokens");
  g_assert_cmpuint (emb_vocab_size (ds->vocab), ==, 3);
  for (guint i = 0; i < 3; i++)
    assert_raw (ds->vocab, i, tokens[i]);
  g_assert_cmpint (emb_vocab_get_decoder (ds->vocab), ==, EMB_DECODER_BYTE_LEVEL);
  g_assert_cmpint (emb_vocab_get_token_type (ds->vocab, 0), ==, EMB_TOKEN_NORMAL);
  g_assert_cmpint (emb_vocab_get_token_type (ds->vocab, 2), ==, EMB_TOKEN_CONTROL);
}

/* Every token type llama.cpp writes; 0 (undefined) counts as normal. */
static void
test_tokens_llama (void)
{
  static const char * const tokens[] = {
    "<unk>", "<s>", "<0x0A>", "\xe2\x96\x81the", "<extra>", "<pad>", "x",
  };
  static const gint32 types[] = { 2, 3, 6, 1, 4, 5, 0 };
  static const EmbTokenType expected[] = {
    EMB_TOKEN_UNKNOWN, EMB_TOKEN_CONTROL, EMB_TOKEN_BYTE, EMB_TOKEN_NORMAL,
    EMB_TOKEN_USER, EMB_TOKEN_UNUSED, EMB_TOKEN_NORMAL,
  };
  g_autoptr(EmbDataset) ds = load_with_tokens ("llama.gguf", tokens, 7, types, "llama");

  /* 7 tokens for 3 rows: the loader fits them and says so. */
  g_assert_cmpuint (emb_vocab_size (ds->vocab), ==, 3);
  g_assert_nonnull (ds->note);
  g_assert_cmpint (emb_vocab_get_decoder (ds->vocab), ==, EMB_DECODER_SENTENCEPIECE);
  for (guint i = 0; i < 3; i++)
    {
      assert_raw (ds->vocab, i, tokens[i]);
      g_assert_cmpint (emb_vocab_get_token_type (ds->vocab, i), ==, expected[i]);
    }
}

static void
test_tokens_bert (void)
{
  static const char * const tokens[] = { "[PAD]", "the", "##s" };
  g_autoptr(EmbDataset) ds = load_with_tokens ("bert.gguf", tokens, 3, NULL, "bert");

  g_assert_cmpint (emb_vocab_get_decoder (ds->vocab), ==, EMB_DECODER_NONE);
  assert_raw (ds->vocab, 2, "##s");
  g_assert_cmpint (emb_vocab_get_token_type (ds->vocab, 0), ==, EMB_TOKEN_NORMAL);
}

/* The full set of token types through emb_vocab_read_gguf, without the
 * loader fitting the vocabulary to a matrix. */
static void
test_vocab_token_types (void)
{
  static const char * const tokens[] = {
    "<unk>", "<s>", "<0x0A>", "\xe2\x96\x81the", "<extra>", "<pad>", "x",
  };
  static const gint32 types[] = { 2, 3, 6, 1, 4, 5, 0 };
  static const EmbTokenType expected[] = {
    EMB_TOKEN_UNKNOWN, EMB_TOKEN_CONTROL, EMB_TOKEN_BYTE, EMB_TOKEN_NORMAL,
    EMB_TOKEN_USER, EMB_TOKEN_UNUSED, EMB_TOKEN_NORMAL,
  };
  g_autoptr(GByteArray) b = gguf_new (3, 0, 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbVocab) v = NULL;

  put_tokenizer (b, tokens, 7, types, "llama");
  v = emb_vocab_read_gguf ("types.gguf", b->data, b->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (emb_vocab_size (v), ==, 7);
  for (guint i = 0; i < 7; i++)
    {
      assert_raw (v, i, tokens[i]);
      g_assert_cmpint (emb_vocab_get_token_type (v, i), ==, expected[i]);
    }
}

/* A vocabulary-only GGUF, as llama.cpp ships them: --vocab for a matrix
 * without tokens, and a clear error when opened as a matrix. */
static void
test_vocab_only (void)
{
  static const char * const tokens[] = { "x", "\xe2\x96\x81y", "z" };
  g_autoptr(GByteArray) v = gguf_new (3, 0, 2);
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) m = matrix_file (3, G_F32, 3, 4, d->data, d->len, NULL);
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  EmbLoadOptions options = { .format = "gguf" };
  const char *vocab_path;

  put_tokenizer (v, tokens, 3, NULL, "llama");
  vocab_path = emb_test_write ("tokens-only.gguf", v->data, v->len);

  options.vocab_path = vocab_path;
  ds = emb_test_load_ok (emb_test_write ("no-tokens.gguf", m->data, m->len), &options);
  g_assert_cmpstr (ds->vocab_source, ==, vocab_path);
  g_assert_cmpuint (emb_vocab_size (ds->vocab), ==, 3);
  for (guint i = 0; i < 3; i++)
    assert_raw (ds->vocab, i, tokens[i]);
  g_assert_cmpint (emb_vocab_get_decoder (ds->vocab), ==, EMB_DECODER_SENTENCEPIECE);

  message = load_error (v, "vocab-as-matrix.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (message, "no tensors");
  emb_test_assert_contains (message, "--vocab");

  /* A GGUF without tokens is no vocabulary. */
  g_assert_null (emb_vocab_read_gguf ("no-tokens.gguf", m->data, m->len, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_FORMAT);
  emb_test_assert_contains (error->message, "no-tokens.gguf");
  emb_test_assert_contains (error->message, "tokenizer.ggml.tokens");
}

void
gguf_add_vocab_tests (void)
{
  g_test_add_func ("/gguf/tokens/gpt2", test_tokens_gpt2);
  g_test_add_func ("/gguf/tokens/llama", test_tokens_llama);
  g_test_add_func ("/gguf/tokens/bert", test_tokens_bert);
  g_test_add_func ("/gguf/tokens/types", test_vocab_token_types);
  g_test_add_func ("/gguf/vocab-only", test_vocab_only);
}
