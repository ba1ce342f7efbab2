/* gguf-valid.c: the GGUF reader on valid files built byte by byte:
 * every value type, every tensor type (half floats and quantised blocks
 * known on paper), alignment and the choice of tensor. */
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "gguf-test.h"

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
  put_key (b, "t.string", T_STRING); emb_test_put_gguf_str (b, "caf\xc3\xa9");
  put_key (b, "t.empty_string", T_STRING); emb_test_put_gguf_str (b, "");
  put_key (b, "t.u64", T_U64); emb_test_put_u64 (b, G_MAXUINT64);
  put_key (b, "t.i64", T_I64); emb_test_put_u64 (b, (guint64) -7);
  put_key (b, "t.f64", T_F64); emb_test_put_f64 (b, -2.5);
  put_array (b, "t.array_u8", T_U8, 3); emb_test_put_u8 (b, 1); emb_test_put_u8 (b, 2);
  emb_test_put_u8 (b, 3);
  put_array (b, "t.array_f64", T_F64, 2); emb_test_put_f64 (b, 1.0); emb_test_put_f64 (b, 2.0);
  put_array (b, "t.array_bool", T_BOOL, 2); emb_test_put_u8 (b, 0); emb_test_put_u8 (b, 1);
  put_array (b, "t.array_string", T_STRING, 3); emb_test_put_gguf_str (b, "a"); emb_test_put_gguf_str (b, ""); emb_test_put_gguf_str (b, "bc");
  put_array (b, "t.array_empty", T_I32, 0);
  /* [[1, 2], [], [["x"]]]: arrays of arrays, as the format allows. */
  put_array (b, "t.array_array", T_ARRAY, 3);
  emb_test_put_u32 (b, T_I32); emb_test_put_u64 (b, 2); emb_test_put_u32 (b, 1);
  emb_test_put_u32 (b, 2);
  emb_test_put_u32 (b, T_U16); emb_test_put_u64 (b, 0);
  emb_test_put_u32 (b, T_ARRAY); emb_test_put_u64 (b, 1); emb_test_put_u32 (b, T_STRING);
  emb_test_put_u64 (b, 1); emb_test_put_gguf_str (b, "x");
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
  emb_test_assert_row (ds->matrix, 0, expected[0]);
  emb_test_assert_row (ds->matrix, 1, expected[1]);
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
  emb_test_assert_row (ds->matrix, 0, expected);
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
  emb_test_assert_row (ds->matrix, 0, expected[0]);
  emb_test_assert_row (ds->matrix, 1, expected[1]);
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
  emb_test_assert_row (ds->matrix, 0, expected);
  g_assert_cmpuint (ds->tensors->len, ==, 3);

  ds2 = load_ok (b, "pick2.gguf");
  g_assert_cmpstr (ds2->tensor, ==, "token_embd.weight");
}

void
gguf_add_valid_tests (void)
{
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
}
