/* st-valid.c: the safetensors reader on well-formed files built
 * byte by byte: float32 in place or copied, half floats, bfloat16,
 * float64, the choice of tensor and offsets out of order. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "st-test.h"

static void
test_f32_view (void)
{
  StBuilder *b = st_builder_new ("{\"format\":\"pt\"}");
  const char *path;
  g_autoptr(EmbDataset) ds = NULL;

  st_add (b, "weight", "F32", "[2, 3]", cells_f32 (2, 3));
  path = st_write (b, "f32.safetensors");
  ds = emb_test_load_ok (path, &st_options);
  assert_cells (ds, 2, 3);
  g_assert_true (emb_matrix_is_view (ds->matrix));
  g_assert_cmpstr (ds->format, ==, "safetensors");
  g_assert_cmpstr (ds->dtype, ==, "float32");
  g_assert_cmpstr (ds->tensor, ==, "weight");
  g_assert_nonnull (ds->tensors);
  g_assert_cmpuint (ds->tensors->len, ==, 1);
  g_assert_null (ds->note);
}

/* Found by the magic with no option, whatever the name; and by the name. */
static void
test_detection (void)
{
  StBuilder *b = st_builder_new (NULL);
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbDataset) ds2 = NULL;
  g_autoptr(GByteArray) a = NULL;
  const char *path;

  st_add (b, "weight", "F32", "[2, 3]", cells_f32 (2, 3));
  path = st_write (b, "detect.bin");
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "safetensors");
  assert_cells (ds, 2, 3);

  /* A header that does not start with '{' has no magic: the extension
   * still sends it here, for a clear error. */
  a = st_file (" {}", NULL, 0);
  path = emb_test_write ("detect-space.safetensors", a->data, a->len);
  g_free (load_error_at (path, NULL, EMB_ERROR_PARSE, 8));
}

/* Data that does not start at a multiple of 4 is copied, not viewed. */
static void
test_f32_misaligned (void)
{
  const char *header = "{\"m\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";
  g_autoptr(GByteArray) cells = cells_f32 (2, 3);
  g_autoptr(EmbDataset) ds = NULL;
  GByteArray *a;
  const char *path;

  g_assert_cmpuint ((8 + strlen (header)) % 4, !=, 0);
  a = raw_file (strlen (header), header, strlen (header), cells->data, cells->len);
  path = write_array ("misaligned.safetensors", a);
  ds = emb_test_load_ok (path, &st_options);
  assert_cells (ds, 2, 3);
  g_assert_false (emb_matrix_is_view (ds->matrix));
}

/* Every finite half, laid out as a [62, 1024] tensor: the positive ones,
 * then the negative ones, compared with the definition.  Covers zero,
 * subnormals, the smallest normal and 65504. */
static void
test_f16 (void)
{
  StBuilder *b = st_builder_new (NULL);
  GByteArray *a = g_byte_array_new ();
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;

  for (guint h = 0; h < 0x7c00; h++)
    emb_test_put_u16 (a, h);
  for (guint h = 0x8000; h < 0xfc00; h++)
    emb_test_put_u16 (a, h);
  st_add (b, "halves", "F16", "[62, 1024]", a);
  path = st_write (b, "f16.safetensors");
  ds = emb_test_load_ok (path, &st_options);
  g_assert_cmpuint (ds->matrix->n_rows, ==, 62);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 1024);
  g_assert_false (emb_matrix_is_view (ds->matrix));
  g_assert_cmpstr (ds->dtype, ==, "float16");
  for (guint k = 0; k < 62 * 1024; k++)
    {
      guint16 h = k < 0x7c00 ? k : 0x8000 + (k - 0x7c00);
      float got = ds->matrix->data[k];
      float want = half_reference (h);

      if (memcmp (&got, &want, 4) != 0)
        g_error ("half 0x%04x: got %a, want %a", h, got, want);
    }
  g_assert_cmpfloat (ds->matrix->data[0x3c00], ==, 1.0f);
  g_assert_cmpfloat (ds->matrix->data[0x7c00 + 0x4000], ==, -2.0f);
  g_assert_cmpfloat (ds->matrix->data[0x7bff], ==, 65504.0f);
  g_assert_cmpfloat (ds->matrix->data[1], ==, 0x1p-24f);
  g_assert_cmpfloat (ds->matrix->data[0x3ff], ==, 0x3ffp-24f);
  g_assert_cmpfloat (ds->matrix->data[0x400], ==, 0x1p-14f);
  g_assert_true (signbit (ds->matrix->data[0x7c00]));
}

static void
test_bf16 (void)
{
  static const guint16 in[] = { 0x3f80, 0xc000, 0x4049, 0x0001, 0x7f7f, 0x8000 };
  static const float want[] = { 1.0f, -2.0f, 3.140625f, 0x1p-133f, 0x1.fep127f, -0.0f };
  StBuilder *b = st_builder_new (NULL);
  GByteArray *a = g_byte_array_new ();
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;

  for (guint k = 0; k < G_N_ELEMENTS (in); k++)
    emb_test_put_u16 (a, in[k]);
  st_add (b, "w", "BF16", "[3, 2]", a);
  path = st_write (b, "bf16.safetensors");
  ds = emb_test_load_ok (path, &st_options);
  g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 2);
  g_assert_cmpstr (ds->dtype, ==, "bfloat16");
  for (guint k = 0; k < G_N_ELEMENTS (in); k++)
    g_assert_cmpmem (&ds->matrix->data[k], 4, &want[k], 4);
}

static void
test_f64 (void)
{
  static const double in[] = { 0.1, -2.5, 1e-300, 3e38, -1.0 / 3, 0.0 };
  StBuilder *b = st_builder_new (NULL);
  GByteArray *a = g_byte_array_new ();
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;

  for (guint k = 0; k < G_N_ELEMENTS (in); k++)
    emb_test_put_f64 (a, in[k]);
  st_add (b, "w", "F64", "[2, 3]", a);
  path = st_write (b, "f64.safetensors");
  ds = emb_test_load_ok (path, &st_options);
  g_assert_cmpstr (ds->dtype, ==, "float64");
  for (guint k = 0; k < G_N_ELEMENTS (in); k++)
    g_assert_cmpfloat (ds->matrix->data[k], ==, (float) in[k]);
}

/* Several tensors: the embedding by its name over a larger tensor, others
 * by option, and the largest 2-D float tensor when no name is known. */
static void
test_pick (void)
{
  StBuilder *b = st_builder_new ("{\"format\":\"pt\",\"note\":\"x\"}");
  GByteArray *emb = g_byte_array_new ();
  EmbLoadOptions options = st_options;
  const char *path;
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbDataset) ds2 = NULL;
  g_autoptr(EmbDataset) ds3 = NULL;
  g_autofree char *msg = NULL;

  for (guint k = 0; k < 8; k++)
    emb_test_put_u16 (emb, k % 2 ? 0xc000 : 0x3c00);
  st_add (b, "model.norm.weight", "F32", "[4]", cells_f32 (1, 4));
  st_add (b, "empty", "F32", "[0, 4]", g_byte_array_new ());
  st_add (b, "scalar", "F32", "[]", cells_f32 (1, 1));
  st_add (b, "lm_head.weight", "F32", "[8, 6]", cells_f32 (8, 6));
  st_add (b, "model.embed_tokens.weight", "F16", "[4, 2]", emb);
  st_add (b, "conv", "F32", "[1, 2, 1, 1, 2]", cells_f32 (1, 4));
  st_add (b, "counts", "I64", "[2, 3]", zeros (48));
  path = st_write (b, "pick.safetensors");

  ds = emb_test_load_ok (path, &st_options);
  g_assert_cmpstr (ds->tensor, ==, "model.embed_tokens.weight");
  g_assert_cmpstr (ds->dtype, ==, "float16");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 4);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 2);
  for (guint k = 0; k < 8; k++)
    g_assert_cmpfloat (ds->matrix->data[k], ==, k % 2 ? -2.0f : 1.0f);
  g_assert_cmpuint (ds->tensors->len, ==, 7);

  options.tensor = "lm_head.weight";
  ds2 = emb_test_load_ok (path, &options);
  g_assert_cmpstr (ds2->tensor, ==, "lm_head.weight");
  g_assert_cmpstr (ds2->dtype, ==, "float32");
  assert_cells (ds2, 8, 6);

  options.tensor = "model.norm.weight";
  msg = emb_test_load_error (path, &options, EMB_ERROR_SHAPE);
  emb_test_assert_contains (msg, "model.norm.weight");
  g_clear_pointer (&msg, g_free);

  options.tensor = "nope";
  msg = emb_test_load_error (path, &options, EMB_ERROR_NOT_FOUND);
  emb_test_assert_contains (msg, "nope");
  g_clear_pointer (&msg, g_free);

  /* No known name: the largest readable 2-D tensor, F64 [3, 3] here. */
  b = st_builder_new (NULL);
  st_add (b, "a", "F32", "[2, 3]", cells_f32 (2, 3));
  st_add (b, "big_ints", "I32", "[10, 10]", zeros (400));
  st_add (b, "b", "F64", "[3, 3]", zeros (72));
  st_add (b, "c", "F32", "[8]", cells_f32 (1, 8));
  path = st_write (b, "largest.safetensors");
  ds3 = emb_test_load_ok (path, &st_options);
  g_assert_cmpstr (ds3->tensor, ==, "b");
  g_assert_cmpuint (ds3->matrix->n_rows, ==, 3);
}

/* Tensors whose data_offsets are not in header order still tile. */
static void
test_offsets_out_of_order (void)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GByteArray) cells = cells_f32 (2, 3);
  g_autoptr(GByteArray) a = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;

  emb_test_put_f32 (data, 7.0f);
  g_byte_array_append (data, cells->data, cells->len);
  a = st_file ("{\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
               "\"m\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[4,28]},"
               "\"s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
               data->data, data->len);
  path = emb_test_write ("order.safetensors", a->data, a->len);
  ds = emb_test_load_ok (path, &st_options);
  assert_cells (ds, 2, 3);
  g_assert_cmpstr (ds->tensor, ==, "m");
}

void
st_add_valid_tests (void)
{
  g_test_add_func ("/safetensors/f32-view", test_f32_view);
  g_test_add_func ("/safetensors/detection", test_detection);
  g_test_add_func ("/safetensors/f32-misaligned", test_f32_misaligned);
  g_test_add_func ("/safetensors/f16", test_f16);
  g_test_add_func ("/safetensors/bf16", test_bf16);
  g_test_add_func ("/safetensors/f64", test_f64);
  g_test_add_func ("/safetensors/pick", test_pick);
  g_test_add_func ("/safetensors/offsets-out-of-order", test_offsets_out_of_order);
}
