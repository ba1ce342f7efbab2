/* test-format-text.c: the GloVe and word2vec/fastText text readers.
 *
 * Files the tests write themselves (every layout, every error, one big
 * enough to be parsed by several threads) and the real files in
 * ../shared/fixtures.  Expected values are what the test wrote or what the
 * fixture's text says, never the reader's own output.
 */
#include <string.h>

#include "io/emb-reader.h"
#include "base/emb-error.h"
#include "emb-test-util.h"

/* Big enough that the reader cuts it into several chunks. */
#define BIG_ROWS 16000
#define BIG_COLS 50

/* auxiliary functions */

/* Loads path, asserts it fails with domain/code and returns the message. */
static char *
load_error (const char *path,
            const char *format,
            GQuark      domain,
            gint        code)
{
  EmbLoadOptions options = { .format = format };
  GError *error = NULL;
  EmbDataset *ds = emb_dataset_load (path, &options, NULL, NULL, NULL, &error);
  char *message;

  g_assert_null (ds);
  g_assert_error (error, domain, code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_test_message ("%s", error->message);
  message = g_strdup (error->message);
  g_error_free (error);
  return message;
}

/* Writes contents as name and expects an EMB_ERROR code at line. */
static char *
expect_line_error (const char *name,
                   const char *contents,
                   const char *format,
                   gint        code,
                   gsize       line)
{
  const char *path = emb_test_write (name, contents, -1);
  char *message = load_error (path, format, EMB_ERROR, code);
  g_autofree char *prefix = g_strdup_printf ("%s:%" G_GSIZE_FORMAT ": ", path, line);

  if (!g_str_has_prefix (message, prefix))
    g_error ("'%s' does not start with '%s'", message, prefix);
  return message;
}

static void
assert_token (EmbDataset *ds,
              gsize       row,
              const char *raw,
              gsize       raw_len)
{
  gsize len;
  const char *got = emb_vocab_raw (ds->vocab, row, &len);

  g_assert_cmpmem (got, len, raw, raw_len);
}

static void
assert_row (EmbDataset  *ds,
            gsize        row,
            const char  *token,
            const float *values)
{
  const float *got = emb_matrix_row (ds->matrix, row);

  assert_token (ds, row, token, strlen (token));
  for (gsize j = 0; j < ds->matrix->n_cols; j++)
    if (got[j] != values[j])
      g_error ("row %" G_GSIZE_FORMAT " value %" G_GSIZE_FORMAT ": expected %.9g, got %.9g",
               row, j, values[j], got[j]);
}

static void
assert_shape (EmbDataset *ds,
              gsize       rows,
              gsize       cols)
{
  g_assert_cmpuint (ds->matrix->n_rows, ==, rows);
  g_assert_cmpuint (ds->matrix->n_cols, ==, cols);
  g_assert_cmpuint (emb_vocab_size (ds->vocab), ==, rows);
}

/* A GloVe file of BIG_ROWS x BIG_COLS random values printed with 9 digits
 * (which give the same float back), in every allowed layout: tabs, CRLF,
 * trailing blanks, blank lines, UTF-8 and invalid UTF-8 tokens.  Returns
 * the values and tokens written. */
static GString *
make_big (float      **values_out,
          GPtrArray  **tokens_out)
{
  GString *s = g_string_new (NULL);
  float *values = g_new (float, BIG_ROWS * BIG_COLS);
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < BIG_ROWS; i++)
    {
      char *token;

      if (i % 7 == 3)
        token = g_strdup_printf ("слово%u", i);
      else if (i % 11 == 5)
        token = g_strdup_printf ("bad\xff%u\xc3", i);
      else
        token = g_strdup_printf ("w%u", i);
      g_string_append (s, token);
      g_ptr_array_add (tokens, token);

      for (guint j = 0; j < BIG_COLS; j++)
        {
          float v = (float) g_test_rand_double_range (-3, 3);
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          if (j % 13 == 0)
            v *= 1e-4f;
          values[i * BIG_COLS + j] = v;
          g_string_append_c (s, (i + j) % 17 == 0 ? '\t' : ' ');
          g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
        }
      if (i % 5 == 0)
        g_string_append (s, " \t ");
      g_string_append (s, i % 3 == 0 ? "\r\n" : "\n");
      if (i % 101 == 0)
        g_string_append (s, i % 2 ? "\n" : "  \t\r\n");
    }

  *values_out = values;
  *tokens_out = tokens;
  return s;
}

/* The byte offset where line (from 1) starts in s. */
static gsize
line_offset (const GString *s,
             gsize          line)
{
  gsize offset = 0;

  for (gsize l = 1; l < line; l++)
    offset = (const char *) memchr (s->str + offset, '\n', s->len - offset) - s->str + 1;
  return offset;
}

/* s with line (from 1) replaced by text. */
static GString *
replace_line (const GString *s,
              gsize          line,
              const char    *text)
{
  gsize start = line_offset (s, line);
  gsize end = line_offset (s, line + 1);
  GString *out = g_string_new_len (s->str, start);

  g_string_append (out, text);
  g_string_append_len (out, s->str + end, s->len - end);
  return out;
}

/* test cases: layouts */

static void
test_glove_basic (void)
{
  const char *path = emb_test_write ("basic.txt", "the 0.1 -0.25 3e2\nof -1 2.5E-1 .5\n", -1);
  g_autoptr(EmbDataset) ds = emb_test_load_as (path, "glove");
  g_autoptr(EmbDataset) detected = emb_test_load_ok (path, NULL);
  static const float row0[] = { 0.1f, -0.25f, 300.0f };
  static const float row1[] = { -1.0f, 0.25f, 0.5f };

  assert_shape (ds, 2, 3);
  assert_row (ds, 0, "the", row0);
  assert_row (ds, 1, "of", row1);
  g_assert_cmpstr (ds->format, ==, "glove");
  g_assert_cmpstr (ds->dtype, ==, "text");

  g_assert_cmpstr (detected->format, ==, "glove");
  assert_row (detected, 1, "of", row1);
}

static void
test_vec_basic (void)
{
  const char *path = emb_test_write ("basic.vec", "2 3\nthe 0.1 -0.25 3e2\nof -1 2.5E-1 .5\n", -1);
  g_autoptr(EmbDataset) ds = emb_test_load_as (path, "word2vec-text");
  g_autoptr(EmbDataset) detected = emb_test_load_ok (path, NULL);
  static const float row0[] = { 0.1f, -0.25f, 300.0f };
  static const float row1[] = { -1.0f, 0.25f, 0.5f };

  assert_shape (ds, 2, 3);
  assert_row (ds, 0, "the", row0);
  assert_row (ds, 1, "of", row1);
  g_assert_cmpstr (ds->dtype, ==, "text");
  g_assert_cmpstr (detected->format, ==, "word2vec-text");
  assert_row (detected, 0, "the", row0);

  /* A header in a .txt file is word2vec text too (gensim writes them). */
  path = emb_test_write ("header.txt", "2 3\nthe 0.1 -0.25 3e2\nof -1 2.5E-1 .5\n", -1);
  g_clear_pointer (&detected, emb_dataset_unref);
  detected = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (detected->format, ==, "word2vec-text");
  assert_shape (detected, 2, 3);
}

static void
test_has_header (void)
{
  static const struct
  {
    const char *text;
    gboolean    header;
  } cases[] = {
    { "2 3\n", TRUE },
    { "2 3", TRUE },
    { "2 3 \r\n", TRUE },
    { "  400000\t300  \n", TRUE },
    { "\xef\xbb\xbf" "2 3\n", TRUE },
    { "99999999999 99999999999\n", TRUE },
    { "99999999999999999999999999 5\n", TRUE },
    { "0 3\n", FALSE },
    { "2 0\n", FALSE },
    { "2\n", FALSE },
    { "2 3 4\n", FALSE },
    { "the 0.1 0.2\n", FALSE },
    { "2 0.5\n", FALSE },
    { "-2 3\n", FALSE },
    { "2x3\n", FALSE },
    { "", FALSE },
    { "\n2 3\n", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (emb_text_has_header ((const guint8 *) cases[i].text,
                                                 strlen (cases[i].text)),
                     ==, cases[i].header);
}

static void
test_layouts (void)
{
  static const float row0[] = { 1.0f, 2.0f };
  static const float row1[] = { -3.5f, 4.25f };
  static const struct
  {
    const char *name;
    const char *text;
  } cases[] = {
    { "crlf.txt", "a 1 2\r\nb -3.5 4.25\r\n" },
    { "trailing.txt", "a 1 2 \t \nb\t-3.5\t4.25\t\n" },
    { "blank.txt", "\n  \n\na 1 2\n\n \t\r\n\nb -3.5 4.25\n\n\n" },
    { "no-final-newline.txt", "a 1 2\nb -3.5 4.25" },
    { "no-final-newline-crlf.txt", "a 1 2\r\nb -3.5 4.25 \r" },
    { "bom.txt", "\xef\xbb\xbf" "a 1 2\nb -3.5 4.25\n" },
    { "crlf.vec", "2 2\r\na 1 2\r\nb -3.5 4.25\r\n" },
    { "trailing.vec", "2 2 \na 1 2 \nb -3.5 4.25 \n" },
    { "blank.vec", "2 2\n\na 1 2\n   \nb -3.5 4.25\n\n" },
    { "no-final-newline.vec", "2 2\na 1 2\nb -3.5 4.25" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *path = emb_test_write (cases[i].name, cases[i].text, -1);
      g_autoptr(EmbDataset) ds = emb_test_load_ok (path, NULL);

      g_test_message ("%s: %s", cases[i].name, ds->format);
      g_assert_cmpstr (ds->format, ==, g_str_has_suffix (cases[i].name, ".vec")
                                       ? "word2vec-text" : "glove");
      assert_shape (ds, 2, 2);
      assert_row (ds, 0, "a", row0);
      assert_row (ds, 1, "b", row1);
    }
}

static void
test_empty_token (void)
{
  /* A row that starts with a blank has an empty token, as in the file. */
  const char *path = emb_test_write ("empty-token.vec", "2 2\n 1 2\nb 3 4\n", -1);
  g_autoptr(EmbDataset) ds = emb_test_load_as (path, "word2vec-text");
  static const float row0[] = { 1, 2 };

  assert_shape (ds, 2, 2);
  assert_row (ds, 0, "", row0);
}

static void
test_invalid_utf8_tokens (void)
{
  static const char text[] = "caf\xc3 1 2\n\xff\xfe 3 4\nok 5 6\n";
  const char *path = emb_test_write ("bad-utf8.txt", text, sizeof text - 1);
  g_autoptr(EmbDataset) ds = emb_test_load_as (path, "glove");
  gsize id = 99;

  assert_shape (ds, 3, 2);
  assert_token (ds, 0, "caf\xc3", 4);
  assert_token (ds, 1, "\xff\xfe", 2);
  g_assert_true (emb_vocab_display_differs (ds->vocab, 0));
  g_assert_true (g_utf8_validate (emb_vocab_display (ds->vocab, 0), -1, NULL));
  g_assert_nonnull (strstr (emb_vocab_display (ds->vocab, 1), "\xef\xbf\xbd"));
  g_assert_true (emb_vocab_lookup (ds->vocab, "\xff\xfe", &id));
  g_assert_cmpuint (id, ==, 1);
  g_assert_cmpfloat (emb_matrix_row (ds->matrix, 1)[1], ==, 4.0f);
}

static void
test_token_spaces (void)
{
  /* GloVe 840B style: some tokens hold spaces; the last d fields are the
   * values.  Even the first line may be such a row. */
  static const char text[] =
    "new york 0.5 0.25\n"
    "the 1 2\n"
    "at & t 3 4\n"
    ". . . 5 6\n";
  const char *path = emb_test_write ("spaces.txt", text, -1);
  g_autoptr(EmbDataset) ds = emb_test_load_as (path, "glove");
  static const float r0[] = { 0.5f, 0.25f }, r1[] = { 1, 2 }, r2[] = { 3, 4 }, r3[] = { 5, 6 };
  gsize id;

  assert_shape (ds, 4, 2);
  assert_row (ds, 0, "new york", r0);
  assert_row (ds, 1, "the", r1);
  assert_row (ds, 2, "at & t", r2);
  assert_row (ds, 3, ". . .", r3);
  g_assert_true (emb_vocab_lookup (ds->vocab, "at & t", &id));
  g_assert_cmpuint (id, ==, 2);

  /* The same in a file with a header. */
  path = emb_test_write ("spaces.vec", "2 2\nthe 1 2\nat & t 3 4\n", -1);
  g_clear_pointer (&ds, emb_dataset_unref);
  ds = emb_test_load_as (path, "word2vec-text");
  assert_row (ds, 1, "at & t", r2);
}

static void
test_big (void)
{
  g_autofree float *values = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GString) s = make_big (&values, &tokens);
  g_autoptr(GString) vec = g_string_new (NULL);
  const char *path;

  g_assert_cmpuint (s->len, >, 8 << 20);
  path = emb_test_write ("big.txt", s->str, s->len);

  g_string_printf (vec, "%u %u\n", BIG_ROWS, BIG_COLS);
  g_string_append_len (vec, s->str, s->len);

  for (guint k = 0; k < 2; k++)
    {
      g_autoptr(EmbDataset) ds = NULL;

      if (k == 1)
        path = emb_test_write ("big.vec", vec->str, vec->len);
      ds = emb_test_load_ok (path, NULL);
      g_assert_cmpstr (ds->format, ==, k == 0 ? "glove" : "word2vec-text");
      assert_shape (ds, BIG_ROWS, BIG_COLS);
      for (guint i = 0; i < BIG_ROWS; i++)
        {
          const char *token = g_ptr_array_index (tokens, i);

          assert_token (ds, i, token, strlen (token));
          g_assert_cmpmem (emb_matrix_row (ds->matrix, i), BIG_COLS * sizeof (float),
                           values + i * BIG_COLS, BIG_COLS * sizeof (float));
        }
    }
}

static void
test_big_errors (void)
{
  g_autofree float *values = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GString) s = make_big (&values, &tokens);
  gsize n_lines = 0, late, early = 5;
  g_autofree char *bad_row = NULL;
  g_autoptr(GString) one = NULL;
  g_autoptr(GString) both = NULL;
  g_autoptr(GString) short_row = NULL;
  g_autoptr(GString) nan_row = NULL;
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL;
  GString *row = g_string_new ("late");

  for (gsize i = 0; i < s->len; i++)
    n_lines += s->str[i] == '\n';
  /* A line in the last tenth is in the last chunk however many there are. */
  late = n_lines - n_lines / 20;
  g_assert_cmpuint (line_offset (s, late), >, s->len * 9 / 10);

  for (guint j = 0; j < BIG_COLS; j++)
    g_string_append (row, j == 7 ? " 0.5x" : " 0.5");
  g_string_append_c (row, '\n');
  bad_row = g_string_free (row, FALSE);

  one = replace_line (s, late, bad_row);
  m1 = expect_line_error ("big-late.txt", one->str, NULL, EMB_ERROR_PARSE, late);
  emb_test_assert_contains (m1, "0.5x");
  emb_test_assert_contains (m1, "value 8");

  /* Errors in two chunks: the first line is the one reported. */
  both = replace_line (one, early, bad_row);
  m2 = expect_line_error ("big-both.txt", both->str, NULL, EMB_ERROR_PARSE, early);

  short_row = replace_line (s, late, "late 1 2 3\n");
  m3 = expect_line_error ("big-short.txt", short_row->str, NULL, EMB_ERROR_SHAPE, late);
  emb_test_assert_contains (m3, "expected 50 values, found 3");

  nan_row = replace_line (s, late + 1, "late nan 2 3\n");
  m4 = expect_line_error ("big-nan.txt", nan_row->str, NULL, EMB_ERROR_NON_FINITE, late + 1);
  emb_test_assert_contains (m4, "value 1");
}

static void
cancel_on_progress (double   fraction,
                    gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  if (fraction > 0.0 && fraction < 1.0)
    g_cancellable_cancel (cancellable);
}

static void
test_cancel (void)
{
  g_autofree float *values = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GString) s = make_big (&values, &tokens);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  const char *path;
  EmbDataset *ds;

  /* Twice the big file, so the reader polls more than once. */
  g_string_append_len (s, s->str, s->len);
  path = emb_test_write ("cancel.txt", s->str, s->len);
  ds = emb_dataset_load (path, NULL, cancellable, cancel_on_progress, cancellable, &error);
  g_assert_null (ds);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* test cases: errors */

static void
test_wrong_counts (void)
{
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL;

  m1 = expect_line_error ("fewer.txt", "a 1 2 3\nb 1 2\n", "glove", EMB_ERROR_SHAPE, 2);
  emb_test_assert_contains (m1, "expected 3 values, found 2");
  m2 = expect_line_error ("more.txt", "a 1 2 3\n\nb 1 2 3 4\n", "glove", EMB_ERROR_SHAPE, 3);
  emb_test_assert_contains (m2, "expected 3 values, found 4");
  m3 = expect_line_error ("token-only.txt", "a 1 2\nb\n", "glove", EMB_ERROR_SHAPE, 2);
  emb_test_assert_contains (m3, "expected 2 values, found 0");
  m4 = expect_line_error ("header-width.vec", "2 3\nalpha 1 2\nbravo 1 2\n", "word2vec-text",
                          EMB_ERROR_SHAPE, 2);
  emb_test_assert_contains (m4, "expected 3 values, found 2");
  m5 = expect_line_error ("no-values.txt", "hello\n", "glove", EMB_ERROR_FORMAT, 1);
  emb_test_assert_contains (m5, "hello");
}

static void
test_bad_numbers (void)
{
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL;
  g_autoptr(GString) long_field = g_string_new ("a 1 2\nb 1 ");

  m1 = expect_line_error ("bad.txt", "a 1 2\nb 1 x2y\n", "glove", EMB_ERROR_PARSE, 2);
  emb_test_assert_contains (m1, "'x2y'");
  emb_test_assert_contains (m1, "value 2");
  m2 = expect_line_error ("junk.txt", "a 1 2\nb 1.5.3 2\n", "glove", EMB_ERROR_PARSE, 2);
  emb_test_assert_contains (m2, "'1.5.3'");
  emb_test_assert_contains (m2, "value 1");
  m3 = expect_line_error ("comma.txt", "a 1 2\nb 1,5 2\n", "glove", EMB_ERROR_PARSE, 2);
  emb_test_assert_contains (m3, "'1,5'");

  /* A long field is quoted in part, and the message stays valid UTF-8. */
  for (guint i = 0; i < 200; i++)
    g_string_append (long_field, "z");
  g_string_append_c (long_field, '\n');
  m4 = expect_line_error ("long.txt", long_field->str, "glove", EMB_ERROR_PARSE, 2);
  emb_test_assert_contains (m4, "zzzzzzzzzzzzzzzzzzzz");
  g_assert_null (strstr (m4, "zzzzzzzzzzzzzzzzzzzzzzzzzz"));
  m5 = expect_line_error ("utf8.txt", "a 1 2\nb 1 \xff\xfe\xd0\n", "glove", EMB_ERROR_PARSE, 2);
}

static void
test_non_finite (void)
{
  static const char *cases[] = { "nan", "-nan", "inf", "-Infinity", "NaN", "1e39", "-1e40" };
  g_autofree char *column = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("a 1 2 3\nb 0.5 %s 1\n", cases[i]);
      g_autofree char *vec = g_strdup_printf ("2 3\na 1 2 3\nb 0.5 %s 1\n", cases[i]);
      g_autofree char *m1 = expect_line_error ("nonfinite.txt", text, "glove",
                                               EMB_ERROR_NON_FINITE, 2);
      g_autofree char *m2 = expect_line_error ("nonfinite.vec", vec, "word2vec-text",
                                               EMB_ERROR_NON_FINITE, 3);

      emb_test_assert_contains (m1, "value 2");
      emb_test_assert_contains (m1, "column 7");
      emb_test_assert_contains (m1, cases[i]);
      emb_test_assert_contains (m2, "value 2");
    }

  /* Columns count characters, not bytes. */
  column = expect_line_error ("column.txt", "и 1 2\nслово 1 nan\n", "glove",
                              EMB_ERROR_NON_FINITE, 2);
  emb_test_assert_contains (column, "column 9");
}

static void
test_empty (void)
{
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL;
  const char *path;

  path = emb_test_write ("empty.txt", "", 0);
  m1 = load_error (path, "glove", EMB_ERROR, EMB_ERROR_FORMAT);
  emb_test_assert_contains (m1, path);

  path = emb_test_write ("blank-only.txt", "\n \n\t\r\n", -1);
  m2 = load_error (path, "glove", EMB_ERROR, EMB_ERROR_FORMAT);
  emb_test_assert_contains (m2, path);
  emb_test_assert_contains (m2, "no vectors");

  path = emb_test_write ("zero-rows.vec", "0 3\n", -1);
  m3 = load_error (path, "word2vec-text", EMB_ERROR, EMB_ERROR_FORMAT);
  emb_test_assert_contains (m3, path);
}

static void
test_header_counts (void)
{
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL;
  g_autofree char *m6 = NULL, *m7 = NULL, *m8 = NULL;

  /* Fewer rows than the header says. */
  m1 = expect_line_error ("fewer-rows.vec", "3 2\nalpha 1.5 2.5\nbeta 3.5 4.5\n", NULL,
                          EMB_ERROR_TRUNCATED, 1);
  emb_test_assert_contains (m1, "header says 3 rows, file has 2");

  /* More: the first row too many is named. */
  m2 = expect_line_error ("more-rows.vec", "1 2\na 1 2\n\nb 3 4\nc 5 6\n", NULL,
                          EMB_ERROR_SHAPE, 4);
  emb_test_assert_contains (m2, "header says 1 row, file has more");

  /* Header only. */
  m3 = expect_line_error ("header-only.vec", "3 5\n", NULL, EMB_ERROR_TRUNCATED, 1);
  emb_test_assert_contains (m3, "3 rows");

  /* Headers the file cannot hold are refused before anything is allocated. */
  m4 = expect_line_error ("huge.vec", "99999999999 99999999999\na 1 2\n", NULL,
                          EMB_ERROR_TOO_LARGE, 1);
  m5 = expect_line_error ("tall.vec", "99999999 9\na 1 2 3 4 5 6 7 8 9\n", NULL,
                          EMB_ERROR_TRUNCATED, 1);
  emb_test_assert_contains (m5, "99999999 rows");
  m6 = expect_line_error ("overflow.vec", "99999999999999999999999 5\na 1 2 3 4 5\n", NULL,
                          EMB_ERROR_TOO_LARGE, 1);
  m7 = expect_line_error ("wide.vec", "1 4611686018427387904\na 1\n", NULL,
                          EMB_ERROR_TOO_LARGE, 1);

  /* No header where one is required. */
  m8 = expect_line_error ("no-header.vec", "a 1 2\n", "word2vec-text", EMB_ERROR_PARSE, 1);
}

/* test cases: real files */

static void
test_real_pre_kv_c (void)
{
  g_autofree char *path = emb_test_real_fixture ("gensim-word2vec_pre_kv_c");
  g_autoptr(EmbDataset) ds = NULL;
  static const float the[] = {
    -0.561106f, -1.975698f, 1.663955f, -1.232246f, 0.754751f,
    0.985764f, 2.261441f, -0.598290f, -0.474331f, -1.416105f,
  };

  if (path == NULL)
    return;
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "word2vec-text");
  assert_shape (ds, 1750, 10);
  assert_row (ds, 0, "the", the);
  assert_token (ds, 1749, "indonesian", 10);
  g_assert_cmpfloat (emb_matrix_row (ds->matrix, 1749)[9], ==, -0.132753f);
}

static void
test_real_fasttext (void)
{
  g_autofree char *lee = emb_test_real_fixture ("gensim-lee_fasttext.vec");
  g_autofree char *crime = emb_test_real_fixture ("gensim-crime-and-punishment.vec");
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbDataset) ru = NULL;
  static const float the[] = {
    -0.65992f, 0.20966f, 0.47362f, -0.87461f, 0.062743f,
    -0.74622f, -0.34091f, 0.4419f, 0.013037f, 0.099763f,
  };
  static const float i_ru[] = { -0.11189f, 0.12135f, -0.11379f, 0.024496f, -0.022506f };
  static const float last_ru[] = { -0.045495f, 0.0038485f, 0.057892f, 0.082304f, 0.054772f };
  gsize id;

  if (lee == NULL)
    return;
  ds = emb_test_load_ok (lee, NULL);
  g_assert_cmpstr (ds->format, ==, "word2vec-text");
  assert_shape (ds, 1762, 10);
  assert_row (ds, 0, "the", the);
  assert_token (ds, 1761, "hundred", 7);
  g_assert_cmpfloat (emb_matrix_row (ds->matrix, 1761)[9], ==, 0.060007f);

  ru = emb_test_load_as (crime, "word2vec-text");
  assert_shape (ru, 291, 5);
  assert_row (ru, 0, "и", i_ru);
  assert_row (ru, 290, "напротив;", last_ru);
  g_assert_true (emb_vocab_lookup (ru->vocab, "напротив;", &id));
  g_assert_cmpuint (id, ==, 290);
}

static void
test_real_glove (void)
{
  g_autofree char *path = emb_test_real_fixture ("gensim-test_glove.txt");
  g_autoptr(EmbDataset) ds = NULL;
  const float *row;

  if (path == NULL)
    return;
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "glove");
  assert_shape (ds, 76, 50);
  assert_token (ds, 0, "the", 3);
  row = emb_matrix_row (ds->matrix, 0);
  g_assert_cmpfloat (row[0], ==, 0.418f);
  g_assert_cmpfloat (row[8], ==, -0.00066023f);
  g_assert_cmpfloat (row[30], ==, 4.0071f);
  assert_token (ds, 75, "into", 4);
  g_assert_cmpfloat (emb_matrix_row (ds->matrix, 75)[49], ==, -1.1741f);
}

static void
test_real_high_digits (void)
{
  g_autofree char *path = emb_test_real_fixture ("gensim-EN.1-10.cbow1_wind5_hs0_neg10_size300_smpl1e-05.txt");
  g_autoptr(EmbDataset) ds = NULL;
  const float *row;

  if (path == NULL)
    return;
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "word2vec-text");
  assert_shape (ds, 20, 300);
  assert_token (ds, 0, "one", 3);
  row = emb_matrix_row (ds->matrix, 0);
  g_assert_cmpfloat (row[0], ==, -1.671300083398818970e-02f);
  g_assert_cmpfloat (row[1], ==, 7.239600270986557007e-02f);
  g_assert_cmpfloat (row[3], ==, -1.076750010251998901e-01f);
  g_assert_cmpfloat (emb_matrix_row (ds->matrix, 19)[299], ==, 2.991499900817871094e-01f);
}

static void
test_real_truncated (void)
{
  g_autofree char *path = emb_test_real_fixture ("gensim-pretrained.vec");
  g_autofree char *m1 = NULL, *m2 = NULL;
  g_autofree char *prefix = NULL;

  if (path == NULL)
    return;
  m1 = load_error (path, NULL, EMB_ERROR, EMB_ERROR_TRUNCATED);
  prefix = g_strdup_printf ("%s:1: ", path);
  g_assert_true (g_str_has_prefix (m1, prefix));
  emb_test_assert_contains (m1, "header says 3 rows, file has 1");
  m2 = load_error (path, "word2vec-text", EMB_ERROR, EMB_ERROR_TRUNCATED);
}

static void
test_real_cut_utf8 (void)
{
  g_autofree char *path = emb_test_real_fixture ("gensim-w2v_keyedvectors_load_test.modeldata");
  g_autoptr(EmbDataset) ds = NULL;
  /* The token bytes as in the file: whole characters, then a cut one. */
  static const char raw0[] = "\xe3\x81\x82\xe3\x82\x8a\xe3\x81\x8c\xe3\x81\xa8\xe3\x81\x86\xe3\x83";
  static const char raw1[] = "\xe3\x81\xa9\xe3\x81\x86\xe3\x81\x84\xe3\x81\x9f\xe3\x81\x97"
                             "\xe3\x81\xbe\xe3\x81\x97\xe3\x81\xa6\xe3\x83";
  static const float r0[] = { 0.6f, 0.6f, 0.6f };
  static const float r1[] = { 0.1f, 0.2f, 0.3f };
  gsize id = 99;

  if (path == NULL)
    return;
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "word2vec-text");
  assert_shape (ds, 2, 3);
  assert_row (ds, 0, raw0, r0);
  assert_row (ds, 1, raw1, r1);
  g_assert_true (emb_vocab_display_differs (ds->vocab, 0));
  g_assert_true (g_str_has_prefix (emb_vocab_display (ds->vocab, 0), "ありがとう"));
  g_assert_true (g_str_has_suffix (emb_vocab_display (ds->vocab, 0), "\xef\xbf\xbd"));
  g_assert_true (emb_vocab_lookup (ds->vocab, raw1, &id));
  g_assert_cmpuint (id, ==, 1);
  g_assert_true (emb_vocab_lookup (ds->vocab, raw0, &id));
  g_assert_cmpuint (id, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/format-text/glove", test_glove_basic);
  g_test_add_func ("/format-text/vec", test_vec_basic);
  g_test_add_func ("/format-text/has-header", test_has_header);
  g_test_add_func ("/format-text/layouts", test_layouts);
  g_test_add_func ("/format-text/empty-token", test_empty_token);
  g_test_add_func ("/format-text/invalid-utf8-tokens", test_invalid_utf8_tokens);
  g_test_add_func ("/format-text/token-spaces", test_token_spaces);
  g_test_add_func ("/format-text/big", test_big);
  g_test_add_func ("/format-text/big-errors", test_big_errors);
  g_test_add_func ("/format-text/cancel", test_cancel);
  g_test_add_func ("/format-text/error/counts", test_wrong_counts);
  g_test_add_func ("/format-text/error/numbers", test_bad_numbers);
  g_test_add_func ("/format-text/error/non-finite", test_non_finite);
  g_test_add_func ("/format-text/error/empty", test_empty);
  g_test_add_func ("/format-text/error/header", test_header_counts);
  g_test_add_func ("/format-text/real/word2vec-pre-kv-c", test_real_pre_kv_c);
  g_test_add_func ("/format-text/real/fasttext", test_real_fasttext);
  g_test_add_func ("/format-text/real/glove", test_real_glove);
  g_test_add_func ("/format-text/real/high-digits", test_real_high_digits);
  g_test_add_func ("/format-text/real/truncated", test_real_truncated);
  g_test_add_func ("/format-text/real/cut-utf8", test_real_cut_utf8);

  return g_test_run ();
}
