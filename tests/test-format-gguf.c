/* test-format-gguf.c: the GGUF reader.
 *
 * Most files are built here byte by byte, so every header field, tensor
 * and value is known on paper (half floats and quantised blocks included);
 * the real files in ../shared/fixtures were written by llama.cpp.
 *
 * The built files are in gguf/: valid ones (gguf-valid.c), vocabularies
 * (gguf-vocab.c) and broken ones (gguf-broken.c), with their builders in
 * gguf-build.c; this file holds the real files and main ().
 */
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "gguf/gguf-test.h"

/* tests: real files */

static EmbDataset *
load_fixture (const char *dir,
              const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return emb_test_load_ok (path, NULL);
}

static void
check_stories (const char *file,
               const char *dtype,
               float       tolerance,
               gboolean    check_neighbours)
{
  const char *dir = emb_test_fixtures ();
  g_autoptr(EmbDataset) ref = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  float worst = 0.0f;

  if (dir == NULL)
    return;
  ref = load_fixture (dir, "llm/stories260k-embed.npy");
  ds = load_fixture (dir, file);

  g_assert_cmpstr (ds->format, ==, "gguf");
  g_assert_cmpstr (ds->dtype, ==, dtype);
  g_assert_cmpstr (ds->tensor, ==, "token_embd.weight");
  g_assert_cmpuint (ds->tensors->len, ==, 2);
  g_assert_cmpuint (ds->matrix->n_rows, ==, 512);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 64);
  g_assert_cmpuint (ref->matrix->n_rows, ==, 512);
  g_assert_cmpuint (ref->matrix->n_cols, ==, 64);
  for (gsize k = 0; k < 512 * 64; k++)
    worst = MAX (worst, fabsf (ds->matrix->data[k] - ref->matrix->data[k]));
  g_test_message ("%s: largest difference from the reference %g", file, worst);
  g_assert_cmpfloat (worst, <=, tolerance);

  if (check_neighbours)
    {
      static const gsize expected[5] = { 403, 291, 385, 321, 342 };
      g_autoptr(EmbKnnIndex) index = emb_knn_index_new (ds->matrix);
      EmbNeighbor out[5];
      gsize n = emb_knn_query_row (index, 1, EMB_METRIC_COSINE, 5, out);

      g_assert_cmpuint (n, ==, 5);
      for (guint i = 0; i < 5; i++)
        {
          gboolean found = FALSE;

          for (guint j = 0; j < 5; j++)
            found |= out[j].id == expected[i];
          g_assert_true (found);
        }
    }
}

static void
test_real_f32 (void)
{
  const char *dir = emb_test_fixtures ();
  g_autoptr(EmbDataset) ds = NULL;

  check_stories ("llm/stories260k-f32.gguf", "float32", 0.0f, TRUE);
  if (dir == NULL)
    return;
  ds = load_fixture (dir, "llm/stories260k-f32.gguf");
  g_assert_true (emb_matrix_is_view (ds->matrix));
  g_assert_cmpstr (ds->vocab_source, ==, "row ids");
}

static void
test_real_f16 (void)
{
  check_stories ("llm/stories260k-f16.gguf", "float16", 5e-4f, TRUE);
}

static void
test_real_bf16 (void)
{
  check_stories ("llm/stories260k-bf16.gguf", "bfloat16", 4e-3f, TRUE);
}

static void
test_real_q8_0 (void)
{
  check_stories ("llm/stories260k-q8_0.gguf", "q8_0", 5e-3f, TRUE);
}

static void
test_real_q4_0 (void)
{
  check_stories ("llm/stories260k-q4_0.gguf", "q4_0", 0.11f, FALSE);
}

static EmbVocab *
read_vocab_fixture (const char *dir,
                    const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  EmbVocab *vocab;

  g_file_get_contents (path, &data, &size, &error);
  g_assert_no_error (error);
  vocab = emb_vocab_read_gguf (path, (const guint8 *) data, size, &error);
  g_assert_no_error (error);
  g_assert_nonnull (vocab);
  return vocab;
}

static void
test_real_vocab_gpt2 (void)
{
  const char *dir = emb_test_fixtures ();
  g_autoptr(EmbVocab) v = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  EmbDataset *ds;

  if (dir == NULL)
    return;
  v = read_vocab_fixture (dir, "real/llamacpp-ggml-vocab-gpt-2.gguf");
  g_assert_cmpuint (emb_vocab_size (v), ==, 50257);
  assert_raw (v, 0, "!");
  assert_raw (v, 198, "\xc4\x8a");          /* Ċ: a newline */
  assert_raw (v, 262, "\xc4\xa0the");       /* Ġthe */
  assert_raw (v, 50256, "<|endoftext|>");
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_BYTE_LEVEL);
  g_assert_cmpint (emb_vocab_get_token_type (v, 50256), ==, EMB_TOKEN_CONTROL);
  g_assert_cmpint (emb_vocab_get_token_type (v, 262), ==, EMB_TOKEN_NORMAL);
  g_assert_cmpstr (emb_vocab_display (v, 262), ==, " the");
  g_assert_cmpstr (emb_vocab_display (v, 198), ==, "\xe2\x8f\x8e");   /* ⏎ */

  /* As a matrix: no tensors, and the way to use it instead. */
  path = g_build_filename (dir, "real/llamacpp-ggml-vocab-gpt-2.gguf", NULL);
  ds = emb_dataset_load (path, NULL, NULL, NULL, NULL, &error);
  g_assert_null (ds);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (error->message, path);
  emb_test_assert_contains (error->message, "no tensors");
  emb_test_assert_contains (error->message, "50257 tokens");
  emb_test_assert_contains (error->message, "--vocab");
}

static void
test_real_vocab_bert (void)
{
  const char *dir = emb_test_fixtures ();
  g_autoptr(EmbVocab) v = NULL;

  if (dir == NULL)
    return;
  v = read_vocab_fixture (dir, "real/llamacpp-ggml-vocab-bert-bge.gguf");
  g_assert_cmpuint (emb_vocab_size (v), ==, 30522);
  assert_raw (v, 0, "[PAD]");
  assert_raw (v, 101, "[CLS]");
  g_assert_cmpint (emb_vocab_get_token_type (v, 101), ==, EMB_TOKEN_CONTROL);
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_NONE);
}

static void
test_real_vocab_llama (void)
{
  const char *dir = emb_test_fixtures ();
  g_autoptr(EmbVocab) v = NULL;

  if (dir == NULL)
    return;
  v = read_vocab_fixture (dir, "real/llamacpp-ggml-vocab-llama-spm.gguf");
  g_assert_cmpuint (emb_vocab_size (v), ==, 32000);
  assert_raw (v, 0, "<unk>");
  assert_raw (v, 13, "<0x0A>");
  assert_raw (v, 278, "\xe2\x96\x81the");   /* ▁the */
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_SENTENCEPIECE);
  g_assert_cmpint (emb_vocab_get_token_type (v, 0), ==, EMB_TOKEN_UNKNOWN);
  g_assert_cmpint (emb_vocab_get_token_type (v, 1), ==, EMB_TOKEN_CONTROL);
  g_assert_cmpint (emb_vocab_get_token_type (v, 13), ==, EMB_TOKEN_BYTE);
  g_assert_cmpstr (emb_vocab_display (v, 278), ==, " the");
}

/* A real model's table with a real vocabulary-only file as --vocab. */
static void
test_real_vocab_option (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *model = NULL, *vocab = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  EmbLoadOptions options = { 0 };

  if (dir == NULL)
    return;
  model = g_build_filename (dir, "llm/stories260k-q8_0.gguf", NULL);
  vocab = g_build_filename (dir, "real/llamacpp-ggml-vocab-llama-spm.gguf", NULL);
  options.vocab_path = vocab;
  ds = emb_test_load_ok (model, &options);
  g_assert_cmpuint (emb_vocab_size (ds->vocab), ==, 512);
  assert_raw (ds->vocab, 1, "<s>");
  g_assert_cmpstr (ds->vocab_source, ==, vocab);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  gguf_add_valid_tests ();
  gguf_add_vocab_tests ();
  gguf_add_broken_tests ();
  g_test_add_func ("/gguf/real/f32", test_real_f32);
  g_test_add_func ("/gguf/real/f16", test_real_f16);
  g_test_add_func ("/gguf/real/bf16", test_real_bf16);
  g_test_add_func ("/gguf/real/q8_0", test_real_q8_0);
  g_test_add_func ("/gguf/real/q4_0", test_real_q4_0);
  g_test_add_func ("/gguf/real/vocab-gpt2", test_real_vocab_gpt2);
  g_test_add_func ("/gguf/real/vocab-bert", test_real_vocab_bert);
  g_test_add_func ("/gguf/real/vocab-llama", test_real_vocab_llama);
  g_test_add_func ("/gguf/real/vocab-option", test_real_vocab_option);

  return g_test_run ();
}
