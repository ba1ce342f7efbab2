/* test-format-gguf.c: the GGUF reader.
 *
 * Most files are built here byte by byte, so every header field, tensor
 * and value is known on paper (half floats and quantised blocks included);
 * the real files in ../shared/fixtures were written by llama.cpp.
 */
#include <math.h>
#include <string.h>

#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"
#include "analysis/emb-knn.h"
#include "emb-test-util.h"

/* GGUF metadata value types and ggml tensor types, as the format numbers them. */
enum
{
  T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL,
  T_STRING, T_ARRAY, T_U64, T_I64, T_F64,
};

enum
{
  G_F32 = 0, G_F16 = 1, G_Q4_0 = 2, G_Q8_0 = 8, G_Q4_K = 12, G_F64 = 28, G_BF16 = 30,
};

/* auxiliary functions: building files */

static void
put_str (GByteArray *b,
         const char *s)
{
  emb_test_put_u64 (b, strlen (s));
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

static void
put_key (GByteArray *b,
         const char *key,
         guint32     type)
{
  put_str (b, key);
  emb_test_put_u32 (b, type);
}

/* An array header: element type and count. */
static void
put_array (GByteArray *b,
           const char *key,
           guint32     elem,
           guint64     count)
{
  put_key (b, key, T_ARRAY);
  emb_test_put_u32 (b, elem);
  emb_test_put_u64 (b, count);
}

static GByteArray *
gguf_new (guint32 version,
          guint64 n_tensors,
          guint64 n_kv)
{
  GByteArray *b = g_byte_array_new ();

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  emb_test_put_u32 (b, version);
  emb_test_put_u64 (b, n_tensors);
  emb_test_put_u64 (b, n_kv);
  return b;
}

/* A tensor info; ne fastest first, as ggml lists it. */
static void
put_tensor (GByteArray    *b,
            const char    *name,
            guint32        n_dims,
            const guint64 *ne,
            guint32        type,
            guint64        offset)
{
  put_str (b, name);
  emb_test_put_u32 (b, n_dims);
  for (guint k = 0; k < n_dims; k++)
    emb_test_put_u64 (b, ne[k]);
  emb_test_put_u32 (b, type);
  emb_test_put_u64 (b, offset);
}

static void
pad_to (GByteArray *b,
        guint       alignment)
{
  while (b->len % alignment != 0)
    emb_test_put_u8 (b, 0);
}

/* A file holding one tensor, token_embd.weight, of rows x cols values of
 * type, stored as the len bytes at data; *data_start (if not NULL) says
 * where they begin. */
static GByteArray *
matrix_file (guint32     version,
             guint32     type,
             guint64     rows,
             guint64     cols,
             const void *data,
             gsize       len,
             gsize      *data_start)
{
  GByteArray *b = gguf_new (version, 1, 1);

  put_key (b, "general.architecture", T_STRING);
  put_str (b, "llama");
  put_tensor (b, "token_embd.weight", 2, (guint64[]) { cols, rows }, type, 0);
  pad_to (b, 32);
  if (data_start != NULL)
    *data_start = b->len;
  g_byte_array_append (b, data, len);
  return b;
}

/* 3 x 4 float32 values r * 10 + c + 0.5, row-major. */
static GByteArray *
f32_3x4_data (void)
{
  GByteArray *d = g_byte_array_new ();

  for (guint r = 0; r < 3; r++)
    for (guint c = 0; c < 4; c++)
      emb_test_put_f32 (d, r * 10 + c + 0.5f);
  return d;
}

static const EmbLoadOptions gguf_options = { .format = "gguf" };

static EmbDataset *
load_ok (GByteArray *b,
         const char *name)
{
  return emb_test_load_ok (emb_test_write (name, b->data, b->len), &gguf_options);
}

/* Loads b from a file, and from an exact-size heap copy (so that a
 * sanitizer sees any read past the end, which a page-rounded mapping would
 * hide), expecting the same error both times; returns the file's message. */
static char *
load_error_with (GByteArray           *b,
                 const char           *name,
                 const EmbLoadOptions *options,
                 EmbErrorCode          code)
{
  const char *path = emb_test_write (name, b->data, b->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) heap_error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (b->data, b->len);
  gint expected = code;   /* GError codes are gint */
  EmbDataset *ds;

  ds = emb_dataset_load (path, options, NULL, NULL, NULL, &error);
  g_assert_null (ds);
  g_assert_error (error, EMB_ERROR, expected);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);

  ds = emb_dataset_load_bytes (bytes, name, options, NULL, NULL, NULL, &heap_error);
  g_assert_null (ds);
  g_assert_error (heap_error, EMB_ERROR, expected);
  g_assert_nonnull (strstr (heap_error->message, name));
  return g_strdup (error->message);
}

static char *
load_error (GByteArray   *b,
            const char   *name,
            EmbErrorCode  code)
{
  return load_error_with (b, name, &gguf_options, code);
}

static void
assert_row (const EmbMatrix *m,
            gsize            i,
            const float     *expected)
{
  for (gsize j = 0; j < m->n_cols; j++)
    g_assert_cmpfloat (emb_matrix_row (m, i)[j], ==, expected[j]);
}

static void
assert_raw (const EmbVocab *v,
            gsize           id,
            const char     *expected)
{
  gsize len;
  const char *raw = emb_vocab_raw (v, id, &len);

  g_assert_cmpuint (len, ==, strlen (expected));
  g_assert_cmpmem (raw, len, expected, strlen (expected));
}

/* tests: valid files */

static void
check_f32_3x4 (guint32 version)
{
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) b = matrix_file (version, G_F32, 3, 4, d->data, d->len, NULL);
  g_autoptr(EmbDataset) ds = load_ok (b, version == 2 ? "v2.gguf" : "v3.gguf");

  g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 4);
  for (guint r = 0; r < 3; r++)
    for (guint c = 0; c < 4; c++)
      g_assert_cmpfloat (emb_matrix_row (ds->matrix, r)[c], ==, r * 10 + c + 0.5f);
  /* Aligned little-endian float32 is read in place. */
  g_assert_true (emb_matrix_is_view (ds->matrix));
  g_assert_cmpstr (ds->format, ==, "gguf");
  g_assert_cmpstr (ds->dtype, ==, "float32");
  g_assert_cmpstr (ds->tensor, ==, "token_embd.weight");
  g_assert_nonnull (ds->tensors);
  g_assert_cmpuint (ds->tensors->len, ==, 1);
  g_assert_cmpstr (ds->vocab_source, ==, "row ids");
}

static void
test_f32_v3 (void)
{
  check_f32_3x4 (3);
}

static void
test_f32_v2 (void)
{
  check_f32_3x4 (2);
}

/* Found by the magic alone, without --format. */
static void
test_detect (void)
{
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) b = matrix_file (3, G_F32, 3, 4, d->data, d->len, NULL);
  g_autoptr(EmbDataset) ds = emb_test_load_ok (emb_test_write ("model.bin", b->data, b->len), NULL);

  g_assert_cmpstr (ds->format, ==, "gguf");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
}

/* Every metadata value type, arrays of scalars, strings and arrays. */
static void
test_metadata_types (void)
{
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) b = gguf_new (3, 1, 20);
  g_autoptr(EmbDataset) ds = NULL;

  put_key (b, "t.u8", T_U8); emb_test_put_u8 (b, 200);
  put_key (b, "t.i8", T_I8); emb_test_put_u8 (b, 0xfb);
  put_key (b, "t.u16", T_U16); emb_test_put_u16 (b, 60000);
  put_key (b, "t.i16", T_I16); emb_test_put_u16 (b, 0xfed4);
  put_key (b, "t.u32", T_U32); emb_test_put_u32 (b, 4000000000u);
  put_key (b, "t.i32", T_I32); emb_test_put_u32 (b, 0xffffff85);
  put_key (b, "t.f32", T_F32); emb_test_put_f32 (b, 1.25f);
  put_key (b, "t.bool", T_BOOL); emb_test_put_u8 (b, 1);
  put_key (b, "t.string", T_STRING); put_str (b, "caf\xc3\xa9");
  put_key (b, "t.empty_string", T_STRING); put_str (b, "");
  put_key (b, "t.u64", T_U64); emb_test_put_u64 (b, G_MAXUINT64);
  put_key (b, "t.i64", T_I64); emb_test_put_u64 (b, (guint64) -7);
  put_key (b, "t.f64", T_F64); emb_test_put_f64 (b, -2.5);
  put_array (b, "t.array_u8", T_U8, 3); emb_test_put_u8 (b, 1); emb_test_put_u8 (b, 2);
  emb_test_put_u8 (b, 3);
  put_array (b, "t.array_f64", T_F64, 2); emb_test_put_f64 (b, 1.0); emb_test_put_f64 (b, 2.0);
  put_array (b, "t.array_bool", T_BOOL, 2); emb_test_put_u8 (b, 0); emb_test_put_u8 (b, 1);
  put_array (b, "t.array_string", T_STRING, 3); put_str (b, "a"); put_str (b, ""); put_str (b, "bc");
  put_array (b, "t.array_empty", T_I32, 0);
  /* [[1, 2], [], [["x"]]]: arrays of arrays, as the format allows. */
  put_array (b, "t.array_array", T_ARRAY, 3);
  emb_test_put_u32 (b, T_I32); emb_test_put_u64 (b, 2); emb_test_put_u32 (b, 1);
  emb_test_put_u32 (b, 2);
  emb_test_put_u32 (b, T_U16); emb_test_put_u64 (b, 0);
  emb_test_put_u32 (b, T_ARRAY); emb_test_put_u64 (b, 1); emb_test_put_u32 (b, T_STRING);
  emb_test_put_u64 (b, 1); put_str (b, "x");
  put_key (b, "general.alignment", T_U32); emb_test_put_u32 (b, 32);
  put_tensor (b, "token_embd.weight", 2, (guint64[]) { 4, 3 }, G_F32, 0);
  pad_to (b, 32);
  g_byte_array_append (b, d->data, d->len);

  ds = load_ok (b, "metadata.gguf");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
  g_assert_cmpfloat (emb_matrix_row (ds->matrix, 2)[3], ==, 23.5f);
}

/* F16: 1, -2, 0.5, 65504 (largest), 2^-24 (smallest subnormal), -0, 0.333
 * (0x3555 = 1 + 341/1024, times 2^-2), 2^-14 (smallest normal). */
static void
test_f16 (void)
{
  static const guint16 h[8] = { 0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x3555, 0x0400 };
  const float expected[2][4] = {
    { 1.0f, -2.0f, 0.5f, 65504.0f },
    { 0x1p-24f, -0.0f, (1.0f + 341.0f / 1024.0f) / 4.0f, 0x1p-14f },
  };
  g_autoptr(GByteArray) d = g_byte_array_new ();
  g_autoptr(GByteArray) b = NULL;
  g_autoptr(EmbDataset) ds = NULL;

  for (guint i = 0; i < 8; i++)
    emb_test_put_u16 (d, h[i]);
  b = matrix_file (3, G_F16, 2, 4, d->data, d->len, NULL);
  ds = load_ok (b, "f16.gguf");
  g_assert_cmpstr (ds->dtype, ==, "float16");
  assert_row (ds->matrix, 0, expected[0]);
  assert_row (ds->matrix, 1, expected[1]);
  g_assert_true (signbit (emb_matrix_row (ds->matrix, 1)[1]));
}

/* BF16 is the top half of a float32: 0x3f80 = 1, 0xc020 = -2.5,
 * 0x4049 = 3.140625, 0x0000 = 0. */
static void
test_bf16 (void)
{
  static const guint16 h[4] = { 0x3f80, 0xc020, 0x4049, 0x0000 };
  const float expected[4] = { 1.0f, -2.5f, 3.140625f, 0.0f };
  g_autoptr(GByteArray) d = g_byte_array_new ();
  g_autoptr(GByteArray) b = NULL;
  g_autoptr(EmbDataset) ds = NULL;

  for (guint i = 0; i < 4; i++)
    emb_test_put_u16 (d, h[i]);
  b = matrix_file (3, G_BF16, 1, 4, d->data, d->len, NULL);
  ds = load_ok (b, "bf16.gguf");
  g_assert_cmpstr (ds->dtype, ==, "bfloat16");
  assert_row (ds->matrix, 0, expected);
}

static void
test_f64 (void)
{
  const float expected[2][2] = { { 1.5f, -0.25f }, { (float) 1e-3, (float) 123456.789 } };
  g_autoptr(GByteArray) d = g_byte_array_new ();
  g_autoptr(GByteArray) b = NULL;
  g_autoptr(EmbDataset) ds = NULL;

  emb_test_put_f64 (d, 1.5);
  emb_test_put_f64 (d, -0.25);
  emb_test_put_f64 (d, 1e-3);
  emb_test_put_f64 (d, 123456.789);
  b = matrix_file (3, G_F64, 2, 2, d->data, d->len, NULL);
  ds = load_ok (b, "f64.gguf");
  g_assert_cmpstr (ds->dtype, ==, "float64");
  assert_row (ds->matrix, 0, expected[0]);
  assert_row (ds->matrix, 1, expected[1]);
}

/* Q8_0, blocks of an f16 scale d and 32 int8 q, x = d * q.  Row 0:
 * d = 0.5 (0x3800), every q = -3: -1.5.  Row 1: d = 2 (0x4000),
 * q = j - 16: 2 (j - 16). */
static void
test_q8_0 (void)
{
  g_autoptr(GByteArray) d = g_byte_array_new ();
  g_autoptr(GByteArray) b = NULL;
  g_autoptr(EmbDataset) ds = NULL;

  emb_test_put_u16 (d, 0x3800);
  for (guint j = 0; j < 32; j++)
    emb_test_put_u8 (d, (guint8) -3);
  emb_test_put_u16 (d, 0x4000);
  for (gint j = 0; j < 32; j++)
    emb_test_put_u8 (d, (guint8) (j - 16));
  b = matrix_file (3, G_Q8_0, 2, 32, d->data, d->len, NULL);
  ds = load_ok (b, "q8_0.gguf");
  g_assert_cmpstr (ds->dtype, ==, "q8_0");
  g_assert_cmpuint (ds->matrix->n_cols, ==, 32);
  for (gint j = 0; j < 32; j++)
    {
      g_assert_cmpfloat (emb_matrix_row (ds->matrix, 0)[j], ==, -1.5f);
      g_assert_cmpfloat (emb_matrix_row (ds->matrix, 1)[j], ==, 2.0f * (j - 16));
    }
}

/* Q4_0, blocks of an f16 scale d and 16 bytes: byte j holds element j in
 * its low nibble and element j + 16 in its high one; x = d * (q - 8).
 * Row 0, two blocks: d = 2 (0x4000) with byte j = j | (15 - j) << 4, so
 * element j is 2 (j - 8) and element j + 16 is 2 (7 - j); then d = -1
 * (0xbc00) with every nibble 0: 8.  Row 1: d = 2, every nibble 9: 2,
 * then d = 0.5 (0x3800), every nibble 15: 3.5. */
static void
test_q4_0 (void)
{
  g_autoptr(GByteArray) d = g_byte_array_new ();
  g_autoptr(GByteArray) b = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  const float *row0, *row1;

  emb_test_put_u16 (d, 0x4000);
  for (guint j = 0; j < 16; j++)
    emb_test_put_u8 (d, j | (15 - j) << 4);
  emb_test_put_u16 (d, 0xbc00);
  for (guint j = 0; j < 16; j++)
    emb_test_put_u8 (d, 0x00);
  emb_test_put_u16 (d, 0x4000);
  for (guint j = 0; j < 16; j++)
    emb_test_put_u8 (d, 0x99);
  emb_test_put_u16 (d, 0x3800);
  for (guint j = 0; j < 16; j++)
    emb_test_put_u8 (d, 0xff);
  b = matrix_file (3, G_Q4_0, 2, 64, d->data, d->len, NULL);
  ds = load_ok (b, "q4_0.gguf");
  g_assert_cmpstr (ds->dtype, ==, "q4_0");
  row0 = emb_matrix_row (ds->matrix, 0);
  row1 = emb_matrix_row (ds->matrix, 1);
  for (gint j = 0; j < 16; j++)
    {
      g_assert_cmpfloat (row0[j], ==, 2.0f * (j - 8));
      g_assert_cmpfloat (row0[j + 16], ==, 2.0f * (7 - j));
    }
  for (gint j = 32; j < 64; j++)
    g_assert_cmpfloat (row0[j], ==, 8.0f);
  for (gint j = 0; j < 32; j++)
    g_assert_cmpfloat (row1[j], ==, 2.0f);
  for (gint j = 32; j < 64; j++)
    g_assert_cmpfloat (row1[j], ==, 3.5f);
}

/* general.alignment = 64 moves the data section and spaces the tensors;
 * the header is laid out so that 32-byte alignment would land elsewhere. */
static void
test_alignment_64 (void)
{
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) b = gguf_new (3, 2, 1);
  g_autoptr(EmbDataset) ds = NULL;

  put_key (b, "general.alignment", T_U32);
  emb_test_put_u32 (b, 64);
  put_tensor (b, "norm.weight", 1, (guint64[]) { 4 }, G_F32, 0);
  put_tensor (b, "token_embd.weight", 2, (guint64[]) { 4, 3 }, G_F32, 64);
  g_assert_cmpuint (b->len % 64, >, 0);
  g_assert_cmpuint (b->len % 64, <=, 32);
  pad_to (b, 64);
  for (guint i = 0; i < 4; i++)
    emb_test_put_f32 (b, -1.0f);
  pad_to (b, 64);
  g_byte_array_append (b, d->data, d->len);

  ds = load_ok (b, "align64.gguf");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
  for (guint r = 0; r < 3; r++)
    for (guint c = 0; c < 4; c++)
      g_assert_cmpfloat (emb_matrix_row (ds->matrix, r)[c], ==, r * 10 + c + 0.5f);
  g_assert_cmpuint (ds->tensors->len, ==, 2);
}

/* --tensor reads another tensor than the token embedding. */
static void
test_pick_tensor (void)
{
  g_autoptr(GByteArray) d = f32_3x4_data ();
  g_autoptr(GByteArray) b = gguf_new (3, 3, 0);
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbDataset) ds2 = NULL;
  EmbLoadOptions options = { .format = "gguf", .tensor = "output.weight" };
  const float expected[4] = { 1.0f, -2.0f, 0.5f, 2.0f };

  put_tensor (b, "token_embd.weight", 2, (guint64[]) { 4, 3 }, G_F32, 0);
  put_tensor (b, "output.weight", 2, (guint64[]) { 4, 1 }, G_F16, 64);
  /* A tensor of a type this reader does not know, never chosen: listed. */
  put_tensor (b, "blk.0.future", 1, (guint64[]) { 7 }, 99, 96);
  pad_to (b, 32);
  g_byte_array_append (b, d->data, d->len);
  pad_to (b, 32);
  emb_test_put_u16 (b, 0x3c00); emb_test_put_u16 (b, 0xc000); emb_test_put_u16 (b, 0x3800);
  emb_test_put_u16 (b, 0x4000);
  pad_to (b, 32);

  ds = emb_test_load_ok (emb_test_write ("pick.gguf", b->data, b->len), &options);
  g_assert_cmpstr (ds->tensor, ==, "output.weight");
  g_assert_cmpstr (ds->dtype, ==, "float16");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 1);
  assert_row (ds->matrix, 0, expected);
  g_assert_cmpuint (ds->tensors->len, ==, 3);

  ds2 = load_ok (b, "pick2.gguf");
  g_assert_cmpstr (ds2->tensor, ==, "token_embd.weight");
}

/* tests: vocabularies */

/* Writes tokenizer.ggml.tokens, .token_type (when types is not NULL) and
 * .model (when model is not NULL): 1 to 3 metadata pairs. */
static void
put_tokenizer (GByteArray         *b,
               const char * const *tokens,
               guint               n,
               const gint32       *types,
               const char         *model)
{
  if (model != NULL)
    {
      put_key (b, "tokenizer.ggml.model", T_STRING);
      put_str (b, model);
    }
  put_array (b, "tokenizer.ggml.tokens", T_STRING, n);
  for (guint i = 0; i < n; i++)
    put_str (b, tokens[i]);
  if (types != NULL)
    {
      put_array (b, "tokenizer.ggml.token_type", T_I32, n);
      for (guint i = 0; i < n; i++)
        emb_test_put_u32 (b, types[i]);
    }
}

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

/* tests: broken files */

/* A small valid file touching every part of the format: metadata of
 * several kinds, a tokenizer, two tensors of two types, padding. */
static GByteArray *
small_valid_file (gsize *metadata_end)
{
  static const char * const tokens[] = { "a", "bc", "" };
  static const gint32 types[] = { 1, 1, 3 };
  GByteArray *b = gguf_new (3, 2, 5);

  put_key (b, "general.architecture", T_STRING);
  put_str (b, "llama");
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
  put_str (b, "a");
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
  put_str (s, "32");
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
  put_str (b, "llama");
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

  g_test_add_func ("/gguf/f32/v3", test_f32_v3);
  g_test_add_func ("/gguf/f32/v2", test_f32_v2);
  g_test_add_func ("/gguf/detect", test_detect);
  g_test_add_func ("/gguf/metadata-types", test_metadata_types);
  g_test_add_func ("/gguf/f16", test_f16);
  g_test_add_func ("/gguf/bf16", test_bf16);
  g_test_add_func ("/gguf/f64", test_f64);
  g_test_add_func ("/gguf/q8_0", test_q8_0);
  g_test_add_func ("/gguf/q4_0", test_q4_0);
  g_test_add_func ("/gguf/alignment-64", test_alignment_64);
  g_test_add_func ("/gguf/pick-tensor", test_pick_tensor);
  g_test_add_func ("/gguf/tokens/gpt2", test_tokens_gpt2);
  g_test_add_func ("/gguf/tokens/llama", test_tokens_llama);
  g_test_add_func ("/gguf/tokens/bert", test_tokens_bert);
  g_test_add_func ("/gguf/tokens/types", test_vocab_token_types);
  g_test_add_func ("/gguf/vocab-only", test_vocab_only);
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
