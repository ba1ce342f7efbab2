/* test-format-binary.c: the word2vec binary reader.
 *
 * Files the tests build byte by byte (the C tool's layout with a newline
 * after each vector, gensim's without, and every way to be cut short or
 * lie in the header), and the real files in ../shared/fixtures.
 */
#include <math.h>
#include <string.h>

#include "emb-test-util.h"

/* auxiliary functions */

static void
append_float_le (GString *s,
                 float    v)
{
  guint32 bits;

  memcpy (&bits, &v, sizeof bits);
  bits = GUINT32_TO_LE (bits);
  g_string_append_len (s, (const char *) &bits, sizeof bits);
}

/* A word2vec binary file of n rows of d values: token i, a space, the
 * values, and a newline after each vector when newlines is set. */
static GString *
build (guint         n,
       guint         d,
       const char  **tokens,
       const float  *values,
       gboolean      newlines)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%u %u\n", n, d);
  for (guint i = 0; i < n; i++)
    {
      g_string_append (s, tokens[i]);
      g_string_append_c (s, ' ');
      for (guint j = 0; j < d; j++)
        append_float_le (s, values[i * d + j]);
      if (newlines)
        g_string_append_c (s, '\n');
    }
  return s;
}

/* Loads path as word2vec binary, asserts the error code and that the
 * message starts "PATH: byte OFFSET: ", and returns the message. */
static char *
expect_offset_error (const char *path,
                     gint        code,
                     guint64     offset)
{
  EmbLoadOptions options = { .format = "word2vec-binary" };
  GError *error = NULL;
  EmbDataset *ds = emb_dataset_load (path, &options, NULL, NULL, NULL, &error);
  g_autofree char *prefix = g_strdup_printf ("%s: byte %" G_GUINT64_FORMAT ": ", path, offset);
  char *message;

  g_assert_null (ds);
  g_assert_error (error, EMB_ERROR, code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_test_message ("%s", error->message);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("'%s' does not start with '%s'", error->message, prefix);
  message = g_strdup (error->message);
  g_error_free (error);
  return message;
}

static void
assert_token (EmbDataset *ds,
              gsize       row,
              const char *raw)
{
  gsize len;
  const char *got = emb_vocab_raw (ds->vocab, row, &len);

  g_assert_cmpmem (got, len, raw, strlen (raw));
}

static const char *small_tokens[] = { "the", "caf\xc3", "\xd0\xb8", "a.b" };
static const float small_values[] = {
  0.5f, -1.25f, 3e-7f,
  -0.0f, 1e30f, 1.17549435e-38f,
  1.4e-45f, -3.4028235e38f, 0.1f,
  42.0f, -42.0f, 0.333333343f,
};

/* test cases */

static void
test_layouts (void)
{
  for (guint k = 0; k < 2; k++)
    {
      g_autoptr(GString) s = build (4, 3, small_tokens, small_values, k == 0);
      const char *path = emb_test_write (k == 0 ? "c-tool.bin" : "gensim.bin", s->str, s->len);
      g_autoptr(EmbDataset) ds = emb_test_load_as (path, "word2vec-binary");
      g_autoptr(EmbDataset) detected = emb_test_load_ok (path, NULL);
      gsize id;

      g_assert_cmpuint (ds->matrix->n_rows, ==, 4);
      g_assert_cmpuint (ds->matrix->n_cols, ==, 3);
      g_assert_cmpstr (ds->dtype, ==, "float32");
      g_assert_cmpmem (ds->matrix->data, sizeof small_values, small_values, sizeof small_values);
      g_assert_true (signbit (emb_matrix_row (ds->matrix, 1)[0]));
      for (guint i = 0; i < 4; i++)
        assert_token (ds, i, small_tokens[i]);
      g_assert_true (emb_vocab_display_differs (ds->vocab, 1));
      g_assert_true (emb_vocab_lookup (ds->vocab, "и", &id));
      g_assert_cmpuint (id, ==, 2);

      g_assert_cmpstr (detected->format, ==, "word2vec-binary");
      g_assert_cmpmem (detected->matrix->data, sizeof small_values, small_values, sizeof small_values);
    }
}

static void
test_header_variants (void)
{
  /* Blanks and a CR in the header; and a file without the .bin name is
   * still told apart from text by its bytes. */
  g_autoptr(GString) s = build (4, 3, small_tokens, small_values, TRUE);
  g_autoptr(GString) crlf = g_string_new ("4  3 \r\n");
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;

  g_string_append_len (crlf, s->str + 4, s->len - 4);
  path = emb_test_write ("crlf-header.bin", crlf->str, crlf->len);
  ds = emb_test_load_as (path, "word2vec-binary");
  g_assert_cmpmem (ds->matrix->data, sizeof small_values, small_values, sizeof small_values);
  assert_token (ds, 3, "a.b");

  path = emb_test_write ("vectors.model", s->str, s->len);
  g_clear_pointer (&ds, emb_dataset_unref);
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "word2vec-binary");
}

static void
test_big (void)
{
  guint n = 30000, d = 40;
  g_autofree float *values = g_new (float, n * d);
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) s = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;

  for (guint i = 0; i < n * d; i++)
    values[i] = (float) g_test_rand_double_range (-1, 1);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (tokens, g_strdup_printf ("tok%u", i));
  s = build (n, d, (const char **) tokens->pdata, values, FALSE);
  path = emb_test_write ("big.bin", s->str, s->len);
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpuint (ds->matrix->n_rows, ==, n);
  g_assert_cmpmem (ds->matrix->data, n * d * sizeof (float), values, n * d * sizeof (float));
  for (guint i = 0; i < n; i += 997)
    assert_token (ds, i, g_ptr_array_index (tokens, i));
}

static void
test_truncated (void)
{
  static const char *tokens[] = { "alpha", "bravo_long_token" };
  static const float values[] = { 1, 2, 3, 4 };
  g_autoptr(GString) s = build (2, 2, tokens, values, TRUE);
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL;
  gsize header = strlen ("2 2\n");
  gsize second = header + strlen ("alpha ") + 8 + 1;
  const char *path;

  /* Cut inside the second vector: named by where that vector starts. */
  path = emb_test_write ("mid-vector.bin", s->str, s->len - 1 - 3);
  m1 = expect_offset_error (path, EMB_ERROR_TRUNCATED, second + strlen ("bravo_long_token "));
  emb_test_assert_contains (m1, "record 2");
  emb_test_assert_contains (m1, "bravo_long_token");

  /* Cut inside the second token: no space before the end. */
  path = emb_test_write ("mid-token.bin", s->str, second + 10);
  m2 = expect_offset_error (path, EMB_ERROR_TRUNCATED, second);
  emb_test_assert_contains (m2, "record 2");

  /* Cut right after the first record: too short for the header's two,
   * which is found before reading any. */
  path = emb_test_write ("one-record.bin", s->str, second);
  m3 = expect_offset_error (path, EMB_ERROR_TRUNCATED, 0);

  /* Header only. */
  path = emb_test_write ("header-only.bin", "2 2\n", -1);
  m4 = expect_offset_error (path, EMB_ERROR_TRUNCATED, 0);
  emb_test_assert_contains (m4, "2 x 2");
}

static void
test_header_errors (void)
{
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL, *m6 = NULL;
  g_autofree char *m7 = NULL;
  const char *path;

  /* N * D * 4 overflows a gsize. */
  path = emb_test_write ("overflow.bin", "4611686018427387904 8\nthe \x01\x02\x03\x04", -1);
  m1 = expect_offset_error (path, EMB_ERROR_TOO_LARGE, 0);
  path = emb_test_write ("overflow2.bin", "3 4611686018427387904\nthe \x01\x02\x03\x04", -1);
  m2 = expect_offset_error (path, EMB_ERROR_TOO_LARGE, 0);
  /* Numbers past a gsize. */
  path = emb_test_write ("digits.bin", "99999999999999999999999 5\nthe \x01", -1);
  m3 = expect_offset_error (path, EMB_ERROR_TOO_LARGE, 0);
  /* More than the file can hold. */
  path = emb_test_write ("tall.bin", "1000 100\nthe \x01\x02\x03\x04", -1);
  m4 = expect_offset_error (path, EMB_ERROR_TRUNCATED, 0);
  emb_test_assert_contains (m4, "1000 x 100");
  /* Not a header. */
  path = emb_test_write ("text.bin", "hello world\n", -1);
  m5 = expect_offset_error (path, EMB_ERROR_PARSE, 0);
  path = emb_test_write ("one-number.bin", "12\n\x01\x02", -1);
  m6 = expect_offset_error (path, EMB_ERROR_PARSE, 2);
  path = emb_test_write ("zero.bin", "0 5\n", -1);
  m7 = expect_offset_error (path, EMB_ERROR_FORMAT, 0);
}

static void
test_non_finite (void)
{
  static const char *tokens[] = { "ok", "bad" };
  float values[] = { 1, 2, 3, 4, 5, 6 };

  for (guint k = 0; k < 3; k++)
    {
      g_autoptr(GString) s = NULL;
      g_autofree char *message = NULL;
      const char *path;

      values[4] = k == 0 ? NAN : k == 1 ? INFINITY : -INFINITY;
      s = build (2, 3, tokens, values, TRUE);
      path = emb_test_write ("nonfinite.bin", s->str, s->len);
      /* Record 2's second value, after "2 3\n", "ok " + 12 + "\n", "bad ". */
      message = expect_offset_error (path, EMB_ERROR_NON_FINITE, 4 + 3 + 12 + 1 + 4 + 4);
      emb_test_assert_contains (message, "record 2");
      emb_test_assert_contains (message, "value 2");
      emb_test_assert_contains (message, "bad");
    }
}

static void
test_extra_data (void)
{
  g_autoptr(GString) s = build (4, 3, small_tokens, small_values, TRUE);
  g_autoptr(GString) plus = build (4, 3, small_tokens, small_values, TRUE);
  g_autofree char *message = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;
  gsize end = s->len;

  /* Trailing newlines are fine, a fifth record is not. */
  g_string_append (s, "\n\n");
  path = emb_test_write ("trailing-newlines.bin", s->str, s->len);
  ds = emb_test_load_as (path, "word2vec-binary");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 4);

  g_string_append (plus, "more ");
  append_float_le (plus, 1);
  append_float_le (plus, 2);
  append_float_le (plus, 3);
  path = emb_test_write ("extra.bin", plus->str, plus->len);
  message = expect_offset_error (path, EMB_ERROR_SHAPE, end);
}

/* The real files, checked against bytes and text read from them by eye. */

static float
float_from_bits (guint32 bits)
{
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

static void
test_real_gensim (void)
{
  g_autofree char *path = emb_test_real_fixture ("gensim-euclidean_vectors.bin");
  g_autoptr(EmbDataset) ds = NULL;
  const float *row;

  if (path == NULL)
    return;
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "word2vec-binary");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 2747);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 10);
  assert_token (ds, 0, "the");
  assert_token (ds, 1, "to");
  assert_token (ds, 2, "of");
  assert_token (ds, 3, "in");
  /* The file's bytes after "2747 10\nthe ": b9 c8 d7 3e, f2 31 6f 3f, ... */
  row = emb_matrix_row (ds->matrix, 0);
  g_assert_cmpfloat (row[0], ==, float_from_bits (0x3ed7c8b9));
  g_assert_cmpfloat (row[1], ==, float_from_bits (0x3f6f31f2));
  g_assert_cmpfloat (row[9], ==, float_from_bits (0x3e7ea6fb));
  /* "to " then 06 17 86 3f. */
  g_assert_cmpfloat (emb_matrix_row (ds->matrix, 1)[0], ==, float_from_bits (0x3f861706));
}

static void
test_real_high_precision (void)
{
  g_autofree char *bin = emb_test_real_fixture ("gensim-high_precision.kv.bin");
  g_autofree char *txt = emb_test_real_fixture ("gensim-high_precision.kv.txt");
  g_autoptr(EmbDataset) b = NULL;
  g_autoptr(EmbDataset) t = NULL;
  /* The text file's digits. */
  static const float from_text[] = {
    -0.0007369244245224787f, -8.269973595356034e-05f,
    -0.0008546282343595379f, 0.0007694142576316829f,
  };
  /* The binary file's bytes (00 20 41 ba, 00 60 ad b8, 00 00 60 ba,
   * 00 c0 49 3a): the same numbers kept to half precision only, so the two
   * files agree to about 1e-3, not to float precision. */
  const float from_bytes[] = {
    float_from_bits (0xba412000), float_from_bits (0xb8ad6000),
    float_from_bits (0xba600000), float_from_bits (0x3a49c000),
  };

  if (bin == NULL)
    return;
  b = emb_test_load_ok (bin, NULL);
  t = emb_test_load_ok (txt, NULL);
  g_assert_cmpstr (b->format, ==, "word2vec-binary");
  g_assert_cmpstr (t->format, ==, "word2vec-text");
  for (guint k = 0; k < 2; k++)
    {
      EmbDataset *ds = k == 0 ? b : t;

      g_assert_cmpuint (ds->matrix->n_rows, ==, 2);
      g_assert_cmpuint (ds->matrix->n_cols, ==, 2);
      assert_token (ds, 0, "kangaroo.n.01");
      assert_token (ds, 1, "horse.n.01");
    }
  g_assert_cmpmem (b->matrix->data, sizeof from_bytes, from_bytes, sizeof from_bytes);
  g_assert_cmpmem (t->matrix->data, sizeof from_text, from_text, sizeof from_text);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (b->matrix->data[i], t->matrix->data[i],
                                    fabsf (t->matrix->data[i]) * 1e-3f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/format-binary/layouts", test_layouts);
  g_test_add_func ("/format-binary/header-variants", test_header_variants);
  g_test_add_func ("/format-binary/big", test_big);
  g_test_add_func ("/format-binary/error/truncated", test_truncated);
  g_test_add_func ("/format-binary/error/header", test_header_errors);
  g_test_add_func ("/format-binary/error/non-finite", test_non_finite);
  g_test_add_func ("/format-binary/error/extra-data", test_extra_data);
  g_test_add_func ("/format-binary/real/gensim", test_real_gensim);
  g_test_add_func ("/format-binary/real/high-precision", test_real_high_precision);

  return g_test_run ();
}
