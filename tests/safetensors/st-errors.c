/* st-errors.c: what the safetensors reader says about broken
 * files: the preamble, the JSON, its entries, the data layout, dtypes it
 * does not read, non-finite values, and a cancelled load. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "st-test.h"

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
    { "{\"a\":1 \"b\":2}", 15, "not valid JSON: expected ',' or '}', not '\"'" },
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

void
st_add_errors_tests (void)
{
  g_test_add_func ("/safetensors/bad-preamble", test_bad_preamble);
  g_test_add_func ("/safetensors/bad-json", test_bad_json);
  g_test_add_func ("/safetensors/bad-entries", test_bad_entries);
  g_test_add_func ("/safetensors/bad-layout", test_bad_layout);
  g_test_add_func ("/safetensors/unsupported", test_unsupported);
  g_test_add_func ("/safetensors/non-finite", test_non_finite);
  g_test_add_func ("/safetensors/cancelled", test_cancelled);
}
