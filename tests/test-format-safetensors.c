/* test-format-safetensors.c: safetensors files and sharded checkpoints.
 *
 * Most files are built here byte by byte (header length, JSON, data), so
 * every offset, dtype and value is known on paper; the real files in
 * ../shared/fixtures were written by the official safetensors writer.
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "emb-test-util.h"

/* auxiliary functions: building files */

/* A file: the header length n (as given, even when it lies), the header
 * text and the data. */
static GByteArray *
raw_file (guint64     n,
          const char *header,
          gsize       header_len,
          const void *data,
          gsize       data_len)
{
  GByteArray *a = g_byte_array_new ();
  guint64 le = GUINT64_TO_LE (n);

  g_byte_array_append (a, (const guint8 *) &le, 8);
  g_byte_array_append (a, (const guint8 *) header, header_len);
  if (data_len > 0)
    g_byte_array_append (a, data, data_len);
  return a;
}

/* A well-formed file from a header: padded with spaces, as the official
 * writer does, so that the data starts at a multiple of 8. */
static GByteArray *
st_file (const char *header,
         const void *data,
         gsize       data_len)
{
  g_autoptr(GString) h = g_string_new (header);

  while ((8 + h->len) % 8 != 0)
    g_string_append_c (h, ' ');
  return raw_file (h->len, h->str, h->len, data, data_len);
}

/* Builds a file tensor by tensor, data_offsets following each other. */
typedef struct
{
  GString    *header;
  GByteArray *data;
} StBuilder;

static StBuilder *
st_builder_new (const char *metadata)
{
  StBuilder *b = g_new0 (StBuilder, 1);

  b->header = g_string_new ("{");
  if (metadata != NULL)
    g_string_append_printf (b->header, "\"__metadata__\":%s", metadata);
  b->data = g_byte_array_new ();
  return b;
}

/* Appends a tensor with its bytes; shape is the JSON array text. */
static void
st_add (StBuilder  *b,
        const char *name,
        const char *dtype,
        const char *shape,
        GByteArray *bytes)
{
  if (b->header->len > 1)
    g_string_append_c (b->header, ',');
  g_string_append_printf (b->header,
                          "\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%u,%u]}",
                          name, dtype, shape, b->data->len, b->data->len + bytes->len);
  g_byte_array_append (b->data, bytes->data, bytes->len);
  g_byte_array_unref (bytes);
}

/* Writes the file and frees the builder. */
static const char *
st_write (StBuilder  *b,
          const char *file)
{
  g_autoptr(GByteArray) a = NULL;
  const char *path;

  g_string_append_c (b->header, '}');
  a = st_file (b->header->str, b->data->data, b->data->len);
  path = emb_test_write (file, a->data, a->len);
  g_string_free (b->header, TRUE);
  g_byte_array_unref (b->data);
  g_free (b);
  return path;
}

static const char *
write_array (const char *name,
             GByteArray *a)
{
  const char *path = emb_test_write (name, a->data, a->len);

  g_byte_array_unref (a);
  return path;
}

/* The rows x cols float32 matrix most tests use: 10 i + j + 0.5. */
static float
cell (gsize i,
      gsize j)
{
  return 10.0f * i + j + 0.5f;
}

static GByteArray *
cells_f32 (gsize rows,
           gsize cols)
{
  GByteArray *a = g_byte_array_new ();

  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < cols; j++)
      emb_test_put_f32 (a, cell (i, j));
  return a;
}

static GByteArray *
zeros (gsize len)
{
  GByteArray *a = g_byte_array_sized_new (len);

  g_byte_array_set_size (a, len);
  if (len > 0)
    memset (a->data, 0, len);
  return a;
}

static void
assert_cells (EmbDataset *ds,
              gsize       rows,
              gsize       cols)
{
  g_assert_cmpuint (ds->matrix->n_rows, ==, rows);
  g_assert_cmpuint (ds->matrix->n_cols, ==, cols);
  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < cols; j++)
      g_assert_cmpfloat (emb_matrix_row (ds->matrix, i)[j], ==, cell (i, j));
}

/* The same, for a malformed file: the message also names the byte. */
static char *
load_error_at (const char           *path,
               const EmbLoadOptions *options,
               EmbErrorCode          code,
               guint64               offset)
{
  char *msg = emb_test_load_error (path, options, code);
  g_autofree char *where = g_strdup_printf (": byte %" G_GUINT64_FORMAT ": ", offset);

  emb_test_assert_contains (msg, where);
  return msg;
}

static const EmbLoadOptions st_options = { .format = "safetensors" };

static void
write_in (const char *dir,
          const char *name,
          GByteArray *a)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;

  g_file_set_contents (path, (const char *) a->data, a->len, &error);
  g_assert_no_error (error);
  g_byte_array_unref (a);
}

/* IEEE binary16 by its definition, for comparing with the reader. */
static float
half_reference (guint16 h)
{
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v = e == 0 ? ldexp (m, -24) : ldexp (1024 + m, e - 25);

  return (float) ((h & 0x8000) ? -v : v);
}

/* tests: well-formed files */

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

/* tests: errors */

static const char *
write_header (const char *name,
              const char *header,
              gsize       data_len)
{
  g_autoptr(GByteArray) data = zeros (data_len);
  GByteArray *a = st_file (header, data->data, data->len);

  return write_array (name, a);
}

static void
test_bad_preamble (void)
{
  guint64 big = GUINT64_TO_LE (G_MAXUINT64);
  GByteArray *a;
  const char *path;

  path = emb_test_write ("short.safetensors", "\x10\0\0", 3);
  g_free (load_error_at (path, &st_options, EMB_ERROR_TRUNCATED, 3));

  /* Header length past the end of the file. */
  a = raw_file (1000, "{\"a\":1}", 7, NULL, 0);
  path = write_array ("past-eof.safetensors", a);
  g_free (load_error_at (path, &st_options, EMB_ERROR_TRUNCATED, 15));

  /* More than the format's 100,000,000 bytes. */
  a = raw_file (100000001, "{}", 2, NULL, 0);
  path = write_array ("huge-header.safetensors", a);
  g_free (load_error_at (path, &st_options, EMB_ERROR_TOO_LARGE, 0));
  path = emb_test_write ("max-header.safetensors", &big, 8);
  g_free (load_error_at (path, &st_options, EMB_ERROR_TOO_LARGE, 0));
}

static void
test_bad_json (void)
{
  static const struct { const char *header; guint64 at; const char *why; } cases[] = {
    { "{nope}", 9, "'nope'" },
    { "[1, 2]", 8, "not a JSON object" },
    { "{\"a\":1} x", 16, "'x'" },
    { "{\"a\": /* c */ 1}", 14, "'/'" },
    { "{\"a\":{\"dtype\":\"F32\",\"shape\":[0x10],\"data_offsets\":[0,64]}}", 37, "'0x10'" },
    { "{\"a\":{\"dtype\":\"F32\",\"shape\":[010],\"data_offsets\":[0,32]}}", 37, "'010'" },
    { "{'a':1}", 9, "'''" },
    { "{\"a\":\"x\ty\"}", 15, "control character" },
    { "{\"a\":\"\\q\"}", 14, "escape" },
    { "{\"a\":[1,2", 24, "ends inside an unclosed '['" },
    { "{\"a\":1 \"b\":2}", 13, "not valid JSON" },
    { "{\"a\":\"\xff\"}", 14, "UTF-8" },
    { "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"
      "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", 76, "nests" },
    { "{\"a\":{\"dtype\":\"F32\",\"shape\":[18446744073709551617,1],\"data_offsets\":[0,4]}}", 37, "63 bits" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("json-%u.safetensors", i);
      const char *path = write_header (name, cases[i].header, 0);
      g_autofree char *msg = emb_test_load_error (path, &st_options,
                                         strstr (cases[i].why, "63") ? EMB_ERROR_TOO_LARGE
                                                                     : EMB_ERROR_PARSE);
      g_autofree char *where = g_strdup_printf (": byte %" G_GUINT64_FORMAT ": ", cases[i].at);

      emb_test_assert_contains (msg, where);
      emb_test_assert_contains (msg, cases[i].why);
    }
}

static void
test_bad_entries (void)
{
#define T(dtype, shape, offsets) "{\"t\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":" offsets "}}"
  static const struct { const char *header; gsize data; EmbErrorCode code; const char *why; } cases[] = {
    { T ("F32", "[-1, 3]", "[0, 12]"), 12, EMB_ERROR_PARSE, "shape entry 0 is -1" },
    { T ("F32", "[2.5, 3]", "[0, 12]"), 12, EMB_ERROR_PARSE, "shape entry 0 is 2.5" },
    { T ("F32", "[2, \"3\"]", "[0, 24]"), 24, EMB_ERROR_PARSE, "shape entry 1 is the string" },
    { T ("F32", "3", "[0, 12]"), 12, EMB_ERROR_PARSE, "not an array" },
    { T ("F32", "[1099511627776, 1099511627776]", "[0, 4]"), 4, EMB_ERROR_TOO_LARGE, "too many elements" },
    { T ("F64", "[4611686018427387904]", "[0, 8]"), 8, EMB_ERROR_TOO_LARGE, "too large" },
    { T ("F32", "[2, 3]", "[0, 20]"), 20, EMB_ERROR_PARSE, "takes 24 bytes, but data_offsets [0, 20] hold 20" },
    { T ("F4", "[3]", "[0, 2]"), 2, EMB_ERROR_PARSE, "12 bits, not a whole number of bytes" },
    { T ("F32", "[2, 3]", "[24, 0]"), 24, EMB_ERROR_PARSE, "end before they begin" },
    { T ("F32", "[2, 3]", "[0]"), 24, EMB_ERROR_PARSE, "pair of sizes" },
    { T ("F32", "[2, 3]", "[0, -24]"), 24, EMB_ERROR_PARSE, "pair of sizes" },
    { "{\"t\":{\"dtype\":\"F32\",\"shape\":[2,3]}}", 0, EMB_ERROR_PARSE, "no \"data_offsets\"" },
    { "{\"t\":{\"dtype\":32,\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24, EMB_ERROR_PARSE, "not a string" },
    { "{\"t\":[1]}", 0, EMB_ERROR_PARSE, "not an object" },
    { "{\"__metadata__\":{\"n\":1}}", 0, EMB_ERROR_PARSE, "\"__metadata__\"" },
    { "{\"__metadata__\":[]}", 0, EMB_ERROR_PARSE, "\"__metadata__\"" },
  };
#undef T

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("entry-%u.safetensors", i);
      const char *path = write_header (name, cases[i].header, cases[i].data);
      g_autofree char *msg = load_error_at (path, &st_options, cases[i].code, 9);

      emb_test_assert_contains (msg, cases[i].why);
    }
}

/* The layout: offsets that overlap, leave a gap, or do not end at the end
 * of the file; duplicate names. */
static void
test_bad_layout (void)
{
#define AB(b, e) "{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}," \
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[" b "," e "]}}"
  const char *overlap = AB ("16", "40");
  const char *gap = AB ("28", "52");
  const char *ok = AB ("24", "48");
#undef AB
  g_autoptr(GByteArray) filler = zeros (52);
  const char *b_key;
  const char *path;
  char *msg;
  GByteArray *a;
  gsize b_at, data_start;

  b_key = strstr (overlap, "\"b\"");
  b_at = 8 + (b_key - overlap);

  path = write_header ("overlap.safetensors", overlap, 40);
  msg = load_error_at (path, &st_options, EMB_ERROR_PARSE, b_at);
  emb_test_assert_contains (msg, "tensor 'b': data_offsets [16, 40] overlap the previous tensor's ('a'), which ends at 24");
  g_free (msg);

  path = write_header ("gap.safetensors", gap, 52);
  msg = load_error_at (path, &st_options, EMB_ERROR_PARSE, b_at);
  emb_test_assert_contains (msg, "gap");
  g_free (msg);

  /* The first tensor must start at 0. */
  path = write_header ("gap0.safetensors",
                       "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
  msg = load_error_at (path, &st_options, EMB_ERROR_PARSE, 9);
  emb_test_assert_contains (msg, "must begin at 0");
  g_free (msg);

  /* Bytes after the last tensor's data. */
  a = st_file (ok, NULL, 0);
  data_start = a->len;
  g_byte_array_append (a, filler->data, 52);
  path = write_array ("extra.safetensors", a);
  msg = load_error_at (path, &st_options, EMB_ERROR_PARSE, data_start + 48);
  emb_test_assert_contains (msg, "4 more bytes");
  g_free (msg);

  /* Data cut short: the file ends before the last tensor's end. */
  a = st_file (ok, NULL, 0);
  data_start = a->len;
  g_byte_array_append (a, filler->data, 40);
  path = write_array ("truncated.safetensors", a);
  msg = load_error_at (path, &st_options, EMB_ERROR_TRUNCATED, data_start + 40);
  g_free (msg);

  path = write_header ("dup.safetensors",
                       "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                       "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
  msg = load_error_at (path, &st_options, EMB_ERROR_PARSE, 62);
  emb_test_assert_contains (msg, "'a' twice");
  g_free (msg);
}

static void
test_unsupported (void)
{
  EmbLoadOptions options = st_options;
  StBuilder *b = st_builder_new (NULL);
  const char *path;
  char *msg;

  st_add (b, "ints", "I8", "[2, 3]", zeros (6));
  st_add (b, "q", "Q7", "[2, 3]", zeros (3));
  path = st_write (b, "unsupported.safetensors");

  options.tensor = "ints";
  msg = load_error_at (path, &options, EMB_ERROR_UNSUPPORTED, 9);
  emb_test_assert_contains (msg, "dtype I8");
  g_free (msg);

  /* A dtype the format does not define: its size is unknown, but the
   * offsets still have to tile. */
  options.tensor = "q";
  msg = emb_test_load_error (path, &options, EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (msg, "dtype Q7");
  emb_test_assert_contains (msg, ": byte ");
  g_free (msg);

  /* Nothing readable at all. */
  msg = emb_test_load_error (path, &st_options, EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (msg, "I8");
  g_free (msg);
}

/* Where a written file's data starts: after its (padded) header. */
static gsize
data_start_of (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;
  guint64 n;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >=, 8);
  memcpy (&n, contents, 8);
  return 8 + GUINT64_FROM_LE (n);
}

static void
test_non_finite (void)
{
  static const struct { const char *dtype; guint16 bits; const char *what; } halves[] = {
    { "F16", 0x7c00, "is inf" },
    { "F16", 0xfc00, "is -inf" },
    { "F16", 0x7e01, "is nan" },
    { "BF16", 0xff80, "is -inf" },
    { "BF16", 0x7fc0, "is nan" },
  };
  g_autoptr(GByteArray) cells = cells_f32 (2, 3);
  const float nan_value = NAN;
  StBuilder *b;
  const char *path;
  char *msg;

  /* F32 at row 1, column 2: checked in the view too. */
  memcpy (cells->data + 20, &nan_value, 4);
  b = st_builder_new (NULL);
  st_add (b, "w", "F32", "[2, 3]", g_byte_array_ref (cells));
  path = st_write (b, "nan-f32.safetensors");
  msg = emb_test_load_error (path, &st_options, EMB_ERROR_NON_FINITE);
  emb_test_assert_contains (msg, "row 1, column 2 is nan");
  emb_test_assert_contains (msg, ": byte ");
  g_free (msg);

  for (guint i = 0; i < G_N_ELEMENTS (halves); i++)
    {
      g_autofree char *name = g_strdup_printf ("nonfinite-%u.safetensors", i);
      GByteArray *a = g_byte_array_new ();
      g_autoptr(GByteArray) file = NULL;
      gsize data_start;

      for (guint k = 0; k < 6; k++)
        emb_test_put_u16 (a, k == 4 ? halves[i].bits : 0x3c00);
      b = st_builder_new (NULL);
      st_add (b, "w", halves[i].dtype, "[3, 2]", a);
      path = st_write (b, name);
      data_start = data_start_of (path);
      msg = load_error_at (path, &st_options, EMB_ERROR_NON_FINITE, data_start + 8);
      emb_test_assert_contains (msg, "row 2, column 0");
      emb_test_assert_contains (msg, halves[i].what);
      g_free (msg);
    }

  /* F64 too large for float32, and an F64 inf. */
  {
    GByteArray *a = g_byte_array_new ();

    emb_test_put_f64 (a, 1.0);
    emb_test_put_f64 (a, 1e300);
    b = st_builder_new (NULL);
    st_add (b, "w", "F64", "[1, 2]", a);
    path = st_write (b, "big-f64.safetensors");
    msg = emb_test_load_error (path, &st_options, EMB_ERROR_NON_FINITE);
    emb_test_assert_contains (msg, "row 0, column 1: 1e+300 is too large for float32");
    g_free (msg);

    a = g_byte_array_new ();
    emb_test_put_f64 (a, -INFINITY);
    emb_test_put_f64 (a, 1.0);
    b = st_builder_new (NULL);
    st_add (b, "w", "F64", "[2, 1]", a);
    path = st_write (b, "inf-f64.safetensors");
    msg = emb_test_load_error (path, &st_options, EMB_ERROR_NON_FINITE);
    emb_test_assert_contains (msg, "row 0, column 0 is -inf");
    g_free (msg);
  }
}

static void
test_cancelled (void)
{
  StBuilder *b = st_builder_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;

  st_add (b, "w", "F16", "[2, 2]", zeros (8));
  path = st_write (b, "cancel.safetensors");
  g_cancellable_cancel (cancellable);
  ds = emb_dataset_load (path, &st_options, cancellable, NULL, NULL, &error);
  g_assert_null (ds);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* tests: sharded checkpoints */

static GByteArray *
shard_bytes (StBuilder *b)
{
  GByteArray *a;

  g_string_append_c (b->header, '}');
  a = st_file (b->header->str, b->data->data, b->data->len);
  g_string_free (b->header, TRUE);
  g_byte_array_unref (b->data);
  g_free (b);
  return a;
}

static const char *index_json =
  "{\n  \"metadata\": {\"total_size\": 112},\n  \"weight_map\": {\n"
  "    \"lm_head.weight\": \"model-00001-of-00002.safetensors\",\n"
  "    \"model.embed_tokens.weight\": \"model-00002-of-00002.safetensors\",\n"
  "    \"model.norm.weight\": \"model-00001-of-00002.safetensors\"\n  }\n}\n";

/* A two-shard checkpoint with the embedding in shard 2. */
static char *
write_checkpoint (void)
{
  char *dir = emb_test_make_folder ("safetensors");
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  StBuilder *b;
  GByteArray *emb = g_byte_array_new ();

  b = st_builder_new ("{\"format\":\"pt\"}");
  st_add (b, "lm_head.weight", "F32", "[8, 3]", cells_f32 (8, 3));
  st_add (b, "model.norm.weight", "F32", "[3]", cells_f32 (1, 3));
  write_in (dir, "model-00001-of-00002.safetensors", shard_bytes (b));

  for (guint k = 0; k < 6; k++)
    emb_test_put_u16 (emb, k == 5 ? 0xc000 : 0x3f80);
  b = st_builder_new ("{\"format\":\"pt\"}");
  st_add (b, "model.embed_tokens.weight", "BF16", "[3, 2]", emb);
  write_in (dir, "model-00002-of-00002.safetensors", shard_bytes (b));

  g_assert_true (g_file_set_contents (index, index_json, -1, NULL));
  return dir;
}

static void
test_index (void)
{
  g_autofree char *dir = write_checkpoint ();
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  EmbLoadOptions options = { .format = "safetensors-index" };
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbDataset) ds2 = NULL;
  g_autoptr(EmbDataset) ds3 = NULL;

  ds = emb_test_load_ok (index, &options);
  g_assert_cmpstr (ds->format, ==, "safetensors-index");
  g_assert_cmpstr (ds->tensor, ==, "model.embed_tokens.weight");
  g_assert_cmpstr (ds->dtype, ==, "bfloat16");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 2);
  for (guint k = 0; k < 6; k++)
    g_assert_cmpfloat (ds->matrix->data[k], ==, k == 5 ? -2.0f : 1.0f);
  g_assert_cmpuint (ds->tensors->len, ==, 3);

  /* Found from the name and content alone. */
  ds2 = emb_test_load_ok (index, NULL);
  g_assert_cmpstr (ds2->format, ==, "safetensors-index");
  g_assert_cmpstr (ds2->tensor, ==, "model.embed_tokens.weight");

  options.tensor = "lm_head.weight";
  ds3 = emb_test_load_ok (index, &options);
  g_assert_cmpstr (ds3->tensor, ==, "lm_head.weight");
  assert_cells (ds3, 8, 3);
  g_assert_true (emb_matrix_is_view (ds3->matrix));

  emb_test_folder_remove (dir);
}

static void
test_index_errors (void)
{
  g_autofree char *dir = write_checkpoint ();
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  g_autofree char *shard2 = g_build_filename (dir, "model-00002-of-00002.safetensors", NULL);
  EmbLoadOptions options = { .format = "safetensors-index" };
  g_autofree char *text = NULL;
  char *msg;

  /* A shard that is not there. */
  g_assert_cmpint (g_unlink (shard2), ==, 0);
  msg = emb_test_load_error (index, &options, EMB_ERROR_IO);
  emb_test_assert_contains (msg, "model.safetensors.index.json");
  emb_test_assert_contains (msg, "model-00002-of-00002.safetensors");
  g_free (msg);

  /* A shard that is not a valid file: the message names both. */
  g_assert_true (g_file_set_contents (shard2, "\x07\0\0\0\0\0\0\0{\"a\":1}", 15, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_PARSE);
  emb_test_assert_contains (msg, "model-00002-of-00002.safetensors: byte ");
  g_free (msg);

  /* A tensor the shard does not have. */
  write_in (dir, "model-00002-of-00002.safetensors", st_file ("{}", NULL, 0));
  msg = emb_test_load_error (index, &options, EMB_ERROR_FORMAT);
  emb_test_assert_contains (msg, "model.embed_tokens.weight");
  g_free (msg);

  /* Shards outside the index's folder, and a broken index. */
  text = g_strdup ("{\"weight_map\": {\"a\": \"../secret.safetensors\"}}");
  g_assert_true (g_file_set_contents (index, text, -1, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_PARSE);
  emb_test_assert_contains (msg, "../secret.safetensors");
  g_free (msg);

  g_assert_true (g_file_set_contents (index, "{\"weight_map\": {\"a\": 1}}", -1, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_PARSE);
  g_free (msg);

  g_assert_true (g_file_set_contents (index, "{\"weight_map\": [1, 2", -1, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_PARSE);
  emb_test_assert_contains (msg, ": byte ");
  g_free (msg);

  g_assert_true (g_file_set_contents (index, "{\"metadata\": {}}", -1, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_FORMAT);
  emb_test_assert_contains (msg, "weight_map");
  g_free (msg);

  emb_test_folder_remove (dir);
}

/* tests: real files */

static EmbDataset *
load_reference (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "llm", "stories260k-embed.npy", NULL);

  return emb_test_load_ok (path, NULL);
}

static void
check_stories (const char *file,
               float       tolerance,
               const char *dtype)
{
  static const gsize top5[] = { 403, 291, 385, 321, 342 };
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autoptr(EmbDataset) ref = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbKnnIndex) index = NULL;
  EmbNeighbor got[5];
  float worst = 0;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "llm", file, NULL);
  ref = load_reference (dir);
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "safetensors");
  g_assert_cmpstr (ds->tensor, ==, "model.embed_tokens.weight");
  g_assert_cmpstr (ds->dtype, ==, dtype);
  g_assert_cmpuint (ds->matrix->n_rows, ==, 512);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 64);
  g_assert_cmpuint (ds->tensors->len, ==, 2);
  for (gsize k = 0; k < 512 * 64; k++)
    worst = MAX (worst, fabsf (ds->matrix->data[k] - ref->matrix->data[k]));
  g_test_message ("%s: largest difference from the reference %g", file, worst);
  g_assert_cmpfloat (worst, <=, tolerance);

  index = emb_knn_index_new (ds->matrix);
  g_assert_cmpuint (emb_knn_query_row (index, 1, EMB_METRIC_COSINE, 5, got), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < 5; j++)
        found |= got[i].id == top5[j];
      if (!found)
        g_error ("%s: row 1's neighbour %" G_GSIZE_FORMAT " is not in the reference top 5",
                 file, got[i].id);
    }
}

static void
test_real_stories_f32 (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autoptr(EmbDataset) ds = NULL;

  check_stories ("stories260k-f32.safetensors", 0.0f, "float32");
  if (dir == NULL)
    return;
  path = g_build_filename (dir, "llm", "stories260k-f32.safetensors", NULL);
  ds = emb_test_load_ok (path, NULL);
  g_assert_true (emb_matrix_is_view (ds->matrix));
}

static void
test_real_stories_f16 (void)
{
  check_stories ("stories260k-f16.safetensors", 5e-4f, "float16");
}

static void
test_real_stories_bf16 (void)
{
  check_stories ("stories260k-bf16.safetensors", 4e-3f, "bfloat16");
}

static void
test_real_candle_mel (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autoptr(EmbDataset) ds = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "real", "candle-mel_filters.safetensors", NULL);
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->tensor, ==, "mel_80");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 80);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 201);
  g_assert_true (emb_matrix_is_view (ds->matrix));
}

static void
test_real_candle_codes (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autofree char *msg = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "real", "candle-jfk-codes.safetensors", NULL);
  msg = emb_test_load_error (path, NULL, EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (msg, "codes");
  emb_test_assert_contains (msg, "I64");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/safetensors/f32-view", test_f32_view);
  g_test_add_func ("/safetensors/detection", test_detection);
  g_test_add_func ("/safetensors/f32-misaligned", test_f32_misaligned);
  g_test_add_func ("/safetensors/f16", test_f16);
  g_test_add_func ("/safetensors/bf16", test_bf16);
  g_test_add_func ("/safetensors/f64", test_f64);
  g_test_add_func ("/safetensors/pick", test_pick);
  g_test_add_func ("/safetensors/offsets-out-of-order", test_offsets_out_of_order);
  g_test_add_func ("/safetensors/bad-preamble", test_bad_preamble);
  g_test_add_func ("/safetensors/bad-json", test_bad_json);
  g_test_add_func ("/safetensors/bad-entries", test_bad_entries);
  g_test_add_func ("/safetensors/bad-layout", test_bad_layout);
  g_test_add_func ("/safetensors/unsupported", test_unsupported);
  g_test_add_func ("/safetensors/non-finite", test_non_finite);
  g_test_add_func ("/safetensors/cancelled", test_cancelled);
  g_test_add_func ("/safetensors/index", test_index);
  g_test_add_func ("/safetensors/index-errors", test_index_errors);
  g_test_add_func ("/safetensors/real/stories260k-f32", test_real_stories_f32);
  g_test_add_func ("/safetensors/real/stories260k-f16", test_real_stories_f16);
  g_test_add_func ("/safetensors/real/stories260k-bf16", test_real_stories_bf16);
  g_test_add_func ("/safetensors/real/candle-mel-filters", test_real_candle_mel);
  g_test_add_func ("/safetensors/real/candle-jfk-codes", test_real_candle_codes);

  return g_test_run ();
}
