/* gguf-broken.c: what the GGUF reader says about broken files:
 * truncation, wrong magic and versions, sizes past the end or past 64
 * bits, bad tensor infos, alignment, metadata and non-finite values. */
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "gguf-test.h"

/* A small valid file touching every part of the format: metadata of
 * several kinds, a tokenizer, two tensors of two types, padding. */
static GByteArray *
small_valid_file (gsize *metadata_end)
{
  static const char * const tokens[] = { "a", "bc", "" };
  static const gint32 types[] = { 1, 1, 3 };
  GByteArray *b = gguf_new (3, 2, 5);

  put_key (b, "general.architecture", T_STRING);
  emb_test_put_gguf_str (b, "llama");
  put_array (b, "general.scores", T_F32, 2);
  emb_test_put_f32 (b, 0.5f);
  emb_test_put_f32 (b, 1.5f);
  put_tokenizer (b, tokens, 3, types, "gpt2");
  *metadata_end = b->len;
  put_tensor (b, "token_embd.weight", 2, (guint64[]) { 4, 3 }, G_F16, 0);
  put_tensor (b, "output_norm.weight", 1, (guint64[]) { 4 }, G_F32, 32);
  pad_to (b, 32);
  for (guint i = 0; i < 12; i++)
    emb_test_put_u16 (b, 0x3c00 + i);
  pad_to (b, 32);
  for (guint i = 0; i < 4; i++)
    emb_test_put_f32 (b, 1.0f);
  return b;
}

/* Cut a valid file at every byte: each prefix is a clean truncation error
 * naming the file, for the matrix and (up to the end of the metadata) for
 * the vocabulary; never a crash or a read past the end. */
static void
test_truncated_everywhere (void)
{
  gsize metadata_end;
  g_autoptr(GByteArray) b = small_valid_file (&metadata_end);
  g_autoptr(EmbDataset) full = load_ok (b, "whole.gguf");

  g_assert_cmpuint (full->matrix->n_rows, ==, 3);
  g_assert_cmpfloat (emb_matrix_row (full->matrix, 0)[0], ==, 1.0f);
  g_assert_cmpuint (emb_vocab_size (full->vocab), ==, 3);

  for (gsize cut = 1; cut < b->len; cut++)
    {
      g_autoptr(GByteArray) part = g_byte_array_sized_new (cut);
      g_autoptr(GError) error = NULL;
      g_autoptr(EmbVocab) vocab = NULL;
      g_autofree char *message = NULL;
      guint8 *copy;

      g_byte_array_append (part, b->data, cut);
      message = load_error (part, "cut.gguf", EMB_ERROR_TRUNCATED);

      /* An exact-size heap copy: a sanitizer catches any overread. */
      copy = g_memdup2 (b->data, cut);
      vocab = emb_vocab_read_gguf ("cut.gguf", copy, cut, &error);
      if (cut < metadata_end)
        {
          g_assert_null (vocab);
          g_assert_error (error, EMB_ERROR, EMB_ERROR_TRUNCATED);
          emb_test_assert_contains (error->message, "cut.gguf: byte ");
        }
      else
        {
          g_assert_no_error (error);
          g_assert_cmpuint (emb_vocab_size (vocab), ==, 3);
        }
      g_free (copy);
    }
}

static void
test_not_gguf (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autofree char *message = NULL;

  g_byte_array_append (b, (const guint8 *) "GGML-not-gguf-at-all-0123456789", 31);
  message = load_error (b, "notgguf.gguf", EMB_ERROR_FORMAT);
  emb_test_assert_contains (message, "not a GGUF file");
}

static void
test_versions (void)
{
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) b = matrix_file (3, G_F32, 3, 4, d->data, d->len, NULL);
  g_autofree char *v1 = NULL, *v4 = NULL, *big = NULL, *big2 = NULL;

  b->data[4] = 1;
  v1 = load_error (b, "v1.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (v1, "byte 4");
  emb_test_assert_contains (v1, "version 1");

  b->data[4] = 4;
  v4 = load_error (b, "v4.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (v4, "version 4");

  /* A big-endian file: the version's bytes in the other order. */
  memcpy (b->data + 4, "\0\0\0\3", 4);
  big = load_error (b, "big.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (big, "big-endian");
  memcpy (b->data + 4, "\0\0\0\2", 4);
  big2 = load_error (b, "big2.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (big2, "big-endian");
}

/* A key whose length runs past the end of the file, at byte 24. */
static void
test_string_past_eof (void)
{
  g_autoptr(GByteArray) b = gguf_new (3, 0, 1);
  g_autofree char *message = NULL, *value = NULL;
  g_autoptr(GByteArray) c = gguf_new (3, 0, 1);

  emb_test_put_u64 (b, 1000);
  g_byte_array_append (b, (const guint8 *) "only twenty bytes...", 20);
  message = load_error (b, "longkey.gguf", EMB_ERROR_TRUNCATED);
  emb_test_assert_contains (message, "byte 24:");
  emb_test_assert_contains (message, "1000 bytes");

  /* The same in a string value: its length is at 24 + 8 + 3 + 4 = 39. */
  put_key (c, "a.b", T_STRING);
  emb_test_put_u64 (c, G_MAXUINT64);
  emb_test_put_u32 (c, 0);
  value = load_error (c, "longvalue.gguf", EMB_ERROR_TRUNCATED);
  emb_test_assert_contains (value, "byte 39:");
  emb_test_assert_contains (value, "'a.b'");
}

/* Counts that no file of this size can hold fail at once, before any loop
 * or allocation: 2^62 strings would take 2^65 bytes. */
static void
test_count_overflow (void)
{
  g_autoptr(GByteArray) b = gguf_new (3, 0, 1);
  g_autoptr(GByteArray) c = gguf_new (3, 0, 1);
  g_autoptr(GByteArray) e = gguf_new (3, 0, 1);
  g_autoptr(GByteArray) t = gguf_new (3, G_GUINT64_CONSTANT (1) << 62, 0);
  g_autoptr(GByteArray) k = gguf_new (3, 1, G_GUINT64_CONSTANT (1) << 62);
  g_autoptr(GError) error = NULL;
  g_autofree char *strings = NULL, *bytes = NULL, *arrays = NULL, *tensors = NULL, *pairs = NULL;

  /* Key at 24 (8 + 21 bytes), type at 53, element type at 57, count at 61. */
  put_array (b, "tokenizer.ggml.tokens", T_STRING, G_GUINT64_CONSTANT (1) << 62);
  emb_test_put_gguf_str (b, "a");
  strings = load_error (b, "strings.gguf", EMB_ERROR_TOO_LARGE);
  emb_test_assert_contains (strings, "byte 69:");
  emb_test_assert_contains (strings, "4611686018427387904 strings");
  g_assert_null (emb_vocab_read_gguf ("strings.gguf", b->data, b->len, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE);

  /* 2^62 one-byte values fit in 64 bits, but not in the file. */
  put_array (c, "x.y", T_U8, G_GUINT64_CONSTANT (1) << 62);
  emb_test_put_u8 (c, 1);
  bytes = load_error (c, "bytes.gguf", EMB_ERROR_TRUNCATED);
  emb_test_assert_contains (bytes, "4611686018427387904 values");

  put_array (e, "x.y", T_ARRAY, G_GUINT64_CONSTANT (1) << 62);
  arrays = load_error (e, "arrays.gguf", EMB_ERROR_TOO_LARGE);
  emb_test_assert_contains (arrays, "arrays");

  tensors = load_error (t, "tensors.gguf", EMB_ERROR_TOO_LARGE);
  emb_test_assert_contains (tensors, "byte 24:");
  pairs = load_error (k, "pairs.gguf", EMB_ERROR_TOO_LARGE);
  emb_test_assert_contains (pairs, "byte 24:");
}

/* A file with one tensor info as given, after a 24-byte header; the info
 * starts at byte 24, and enough data follows for a 2 x 4 float32. */
static GByteArray *
one_tensor_file (guint32        n_dims,
                 const guint64 *ne,
                 guint32        type,
                 guint64        offset)
{
  GByteArray *b = gguf_new (3, 1, 0);

  put_tensor (b, "token_embd.weight", n_dims, ne, type, offset);
  pad_to (b, 32);
  for (guint i = 0; i < 8; i++)
    emb_test_put_f32 (b, i);
  return b;
}

static void
test_bad_tensor_infos (void)
{
  /* Name at 24 (8 + 17 bytes), n_dims at 49, ne from 53. */
  g_autoptr(GByteArray) dims = one_tensor_file (5, (guint64[]) { 1, 1, 1, 1, 8 }, G_F32, 0);
  g_autoptr(GByteArray) product = one_tensor_file (2, (guint64[]) { G_GUINT64_CONSTANT (1) << 32,
                                                                    G_GUINT64_CONSTANT (1) << 32 },
                                                   G_F32, 0);
  g_autoptr(GByteArray) huge = one_tensor_file (1, (guint64[]) { G_GUINT64_CONSTANT (1) << 63 }, G_F32, 0);
  g_autoptr(GByteArray) unaligned = one_tensor_file (2, (guint64[]) { 4, 2 }, G_F32, 8);
  g_autoptr(GByteArray) past = one_tensor_file (2, (guint64[]) { 4, 2 }, G_F32, 1024);
  g_autoptr(GByteArray) bytes = one_tensor_file (2, (guint64[]) { 4, 3 }, G_F32, 0);
  g_autoptr(GByteArray) far = one_tensor_file (2, (guint64[]) { 4, 2 }, G_F32, G_MAXUINT64 - 31);
  g_autoptr(GByteArray) blocks = one_tensor_file (2, (guint64[]) { 33, 1 }, G_Q4_0, 0);
  g_autofree char *m_dims = NULL, *m_product = NULL, *m_huge = NULL, *m_unaligned = NULL;
  g_autofree char *m_past = NULL, *m_bytes = NULL, *m_far = NULL, *m_blocks = NULL;

  m_dims = load_error (dims, "dims.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (m_dims, "byte 49:");
  emb_test_assert_contains (m_dims, "5 dimensions");

  m_product = load_error (product, "product.gguf", EMB_ERROR_TOO_LARGE);
  emb_test_assert_contains (m_product, "byte 61:");
  m_huge = load_error (huge, "huge.gguf", EMB_ERROR_TOO_LARGE);
  emb_test_assert_contains (m_huge, "byte 53:");

  /* The offset field is at 53 + 16 + 4 = 73. */
  m_unaligned = load_error (unaligned, "unaligned.gguf", EMB_ERROR_PARSE);
  emb_test_assert_contains (m_unaligned, "byte 73:");
  emb_test_assert_contains (m_unaligned, "alignment 32");

  /* Data from 96 + 1024 to 1152 in a 128-byte file. */
  m_past = load_error (past, "past.gguf", EMB_ERROR_TRUNCATED);
  emb_test_assert_contains (m_past, "byte 1152:");
  /* 3 x 4 floats from 96 need 48 bytes; 32 are there. */
  m_bytes = load_error (bytes, "bytes.gguf", EMB_ERROR_TRUNCATED);
  emb_test_assert_contains (m_bytes, "byte 144:");
  m_far = load_error (far, "far.gguf", EMB_ERROR_TOO_LARGE);
  emb_test_assert_contains (m_far, "byte 73:");

  m_blocks = load_error (blocks, "blocks.gguf", EMB_ERROR_SHAPE);
  emb_test_assert_contains (m_blocks, "Q4_0");
}

static void
test_bad_alignment (void)
{
  static const guint32 values[] = { 48, 0, 3 };
  g_autoptr(GByteArray) s = gguf_new (3, 1, 1);
  g_autofree char *m_string = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GByteArray) b = gguf_new (3, 1, 1);
      g_autofree char *message = NULL;
      g_autofree char *expected = g_strdup_printf ("alignment is %u, not a power of two", values[i]);

      /* Key at 24 (8 + 17 bytes), type at 49, value at 53. */
      put_key (b, "general.alignment", T_U32);
      emb_test_put_u32 (b, values[i]);
      put_tensor (b, "token_embd.weight", 2, (guint64[]) { 1, 1 }, G_F32, 0);
      emb_test_put_f32 (b, 1.0f);
      message = load_error (b, "badalign.gguf", EMB_ERROR_PARSE);
      emb_test_assert_contains (message, "byte 53:");
      emb_test_assert_contains (message, expected);
    }

  put_key (s, "general.alignment", T_STRING);
  emb_test_put_gguf_str (s, "32");
  m_string = load_error (s, "stringalign.gguf", EMB_ERROR_PARSE);
  emb_test_assert_contains (m_string, "general.alignment is a string value");
}

/* The chosen tensor in a type this reader does not convert, or that ggml
 * does not know: an error naming the type, not another tensor instead. */
static void
test_unreadable_type (void)
{
  g_autoptr(GByteArray) unknown = one_tensor_file (2, (guint64[]) { 4, 2 }, 99, 0);
  g_autoptr(GByteArray) q4k = gguf_new (3, 2, 0);
  g_autofree char *m_unknown = NULL, *m_q4k = NULL, *m_asked = NULL;
  EmbLoadOptions asked = { .format = "gguf", .tensor = "token_embd.weight" };

  m_unknown = load_error (unknown, "type99.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (m_unknown, "byte 24:");
  emb_test_assert_contains (m_unknown, "ggml type 99");

  /* A Q4_K token table beside an F32 matrix that could be read instead. */
  put_tensor (q4k, "token_embd.weight", 2, (guint64[]) { 256, 1 }, G_Q4_K, 0);
  put_tensor (q4k, "other.weight", 2, (guint64[]) { 2, 2 }, G_F32, 160);
  pad_to (q4k, 32);
  for (guint i = 0; i < 144; i++)
    emb_test_put_u8 (q4k, 0);
  pad_to (q4k, 32);
  for (guint i = 0; i < 4; i++)
    emb_test_put_f32 (q4k, 1.0f);
  m_q4k = load_error (q4k, "q4k.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (m_q4k, "Q4_K");
  emb_test_assert_contains (m_q4k, "token_embd.weight");
  m_asked = load_error_with (q4k, "q4k.gguf", &asked, EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (m_asked, "Q4_K");
}

static void
test_bad_metadata (void)
{
  g_autoptr(GByteArray) type = gguf_new (3, 0, 1);
  g_autoptr(GByteArray) elem = gguf_new (3, 0, 1);
  g_autoptr(GByteArray) bools = gguf_new (3, 0, 1);
  g_autoptr(GByteArray) tokens = gguf_new (3, 0, 1);
  g_autoptr(GByteArray) deep = gguf_new (3, 0, 1);
  g_autofree char *m_type = NULL, *m_elem = NULL, *m_bools = NULL, *m_tokens = NULL, *m_deep = NULL;

  /* Key at 24 (8 + 3 bytes), type at 35. */
  put_key (type, "a.b", 13);
  emb_test_put_u64 (type, 0);
  m_type = load_error (type, "valuetype.gguf", EMB_ERROR_PARSE);
  emb_test_assert_contains (m_type, "byte 35:");
  emb_test_assert_contains (m_type, "unknown value type 13");

  put_array (elem, "a.b", 77, 1);
  m_elem = load_error (elem, "elemtype.gguf", EMB_ERROR_PARSE);
  emb_test_assert_contains (m_elem, "byte 39:");

  put_array (bools, "a.b", T_BOOL, 3);
  emb_test_put_u8 (bools, 0); emb_test_put_u8 (bools, 1); emb_test_put_u8 (bools, 2);
  m_bools = load_error (bools, "bools.gguf", EMB_ERROR_PARSE);
  emb_test_assert_contains (m_bools, "byte 53:");

  put_array (tokens, "tokenizer.ggml.tokens", T_I32, 1);
  emb_test_put_u32 (tokens, 5);
  m_tokens = load_error (tokens, "tokens.gguf", EMB_ERROR_PARSE);
  emb_test_assert_contains (m_tokens, "not an array of strings");

  /* Arrays nested 20 deep. */
  put_key (deep, "a.b", T_ARRAY);
  for (guint i = 0; i < 20; i++)
    {
      emb_test_put_u32 (deep, T_ARRAY);
      emb_test_put_u64 (deep, 1);
    }
  emb_test_put_u32 (deep, T_U8);
  emb_test_put_u64 (deep, 0);
  m_deep = load_error (deep, "deep.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (m_deep, "nest");
}

static void
test_duplicate_tensor (void)
{
  g_autoptr(GByteArray) b = gguf_new (3, 2, 0);
  g_autofree char *message = NULL;

  put_tensor (b, "token_embd.weight", 2, (guint64[]) { 1, 1 }, G_F32, 0);
  put_tensor (b, "token_embd.weight", 2, (guint64[]) { 1, 1 }, G_F32, 0);
  pad_to (b, 32);
  emb_test_put_f32 (b, 1.0f);
  message = load_error (b, "twice.gguf", EMB_ERROR_PARSE);
  emb_test_assert_contains (message, "listed twice");
}

static void
test_no_tensors (void)
{
  g_autoptr(GByteArray) b = gguf_new (3, 0, 1);
  g_autofree char *message = NULL;

  put_key (b, "general.architecture", T_STRING);
  emb_test_put_gguf_str (b, "llama");
  message = load_error (b, "empty.gguf", EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (message, "has no tensors");
}

/* nan and inf are refused with their row, column and byte. */
static void
test_non_finite (void)
{
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) b = NULL;
  g_autoptr(GByteArray) h = NULL;
  g_autoptr(GByteArray) q = NULL;
  g_autoptr(GByteArray) x = NULL;
  g_autofree char *m_nan = NULL, *m_half = NULL, *m_q8 = NULL, *m_f64 = NULL;
  g_autofree char *at = NULL;
  gsize start;
  float nan_value = NAN;

  memcpy (d->data + (1 * 4 + 2) * 4, &nan_value, 4);
  b = matrix_file (3, G_F32, 3, 4, d->data, d->len, &start);
  m_nan = load_error (b, "nan.gguf", EMB_ERROR_NON_FINITE);
  at = g_strdup_printf ("byte %" G_GSIZE_FORMAT ":", start + (1 * 4 + 2) * 4);
  emb_test_assert_contains (m_nan, at);
  emb_test_assert_contains (m_nan, "row 1, column 2 is nan");

  /* f16 0xfc00 is -inf. */
  h = matrix_file (3, G_F16, 1, 2, (const guint8[]) { 0x00, 0x3c, 0x00, 0xfc }, 4, NULL);
  m_half = load_error (h, "inf16.gguf", EMB_ERROR_NON_FINITE);
  emb_test_assert_contains (m_half, "row 0, column 1 is -inf");

  /* A Q8_0 block whose scale is inf (0x7c00): q = 1 gives inf. */
  {
    guint8 block[34] = { 0x00, 0x7c };

    for (guint j = 0; j < 32; j++)
      block[2 + j] = 1;
    q = matrix_file (3, G_Q8_0, 1, 32, block, sizeof block, NULL);
    m_q8 = load_error (q, "infq8.gguf", EMB_ERROR_NON_FINITE);
    emb_test_assert_contains (m_q8, "row 0, column 0 is inf");
  }

  /* A float64 beyond float32's range. */
  {
    g_autoptr(GByteArray) v = g_byte_array_new ();

    emb_test_put_f64 (v, 1.0);
    emb_test_put_f64 (v, 1e300);
    x = matrix_file (3, G_F64, 1, 2, v->data, v->len, NULL);
    m_f64 = load_error (x, "big64.gguf", EMB_ERROR_NON_FINITE);
    emb_test_assert_contains (m_f64, "too large for float32");
  }
}

void
gguf_add_broken_tests (void)
{
  g_test_add_func ("/gguf/bad/truncated-everywhere", test_truncated_everywhere);
  g_test_add_func ("/gguf/bad/not-gguf", test_not_gguf);
  g_test_add_func ("/gguf/bad/versions", test_versions);
  g_test_add_func ("/gguf/bad/string-past-eof", test_string_past_eof);
  g_test_add_func ("/gguf/bad/count-overflow", test_count_overflow);
  g_test_add_func ("/gguf/bad/tensor-infos", test_bad_tensor_infos);
  g_test_add_func ("/gguf/bad/alignment", test_bad_alignment);
  g_test_add_func ("/gguf/bad/unreadable-type", test_unreadable_type);
  g_test_add_func ("/gguf/bad/metadata", test_bad_metadata);
  g_test_add_func ("/gguf/bad/duplicate-tensor", test_duplicate_tensor);
  g_test_add_func ("/gguf/bad/no-tensors", test_no_tensors);
  g_test_add_func ("/gguf/bad/non-finite", test_non_finite);
}
