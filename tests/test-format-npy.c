/* test-format-npy.c: the NumPy .npy reader and one-token-per-line vocabularies.
 *
 * Most files are built here byte by byte, so every header, dtype and value
 * is known on paper; the real files in ../shared/fixtures were written by
 * numpy itself (through gensim and candle).
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"
#include "emb-test-util.h"

/* auxiliary functions */

static void
put_u16 (GByteArray *a,
         guint16     v,
         gboolean    big)
{
  v = big ? GUINT16_TO_BE (v) : GUINT16_TO_LE (v);
  g_byte_array_append (a, (const guint8 *) &v, 2);
}

static void
put_u32 (GByteArray *a,
         guint32     v,
         gboolean    big)
{
  v = big ? GUINT32_TO_BE (v) : GUINT32_TO_LE (v);
  g_byte_array_append (a, (const guint8 *) &v, 4);
}

static void
put_f32 (GByteArray *a,
         float       f,
         gboolean    big)
{
  guint32 u;

  memcpy (&u, &f, 4);
  put_u32 (a, u, big);
}

static void
put_f64 (GByteArray *a,
         double      x,
         gboolean    big)
{
  guint64 u;

  memcpy (&u, &x, 8);
  u = big ? GUINT64_TO_BE (u) : GUINT64_TO_LE (u);
  g_byte_array_append (a, (const guint8 *) &u, 8);
}

/* The smallest data offset >= what the header needs that is a multiple
 * of align, as numpy pads (16 bytes before numpy 1.14, 64 since). */
static gsize
aligned_offset (guint       major,
                const char *dict,
                gsize       align)
{
  gsize need = (major == 1 ? 10 : 12) + strlen (dict) + 1;

  return (need + align - 1) / align * align;
}

/* A .npy header for dict: magic, version, header length, the dict padded
 * with spaces and a newline so that the data starts at data_offset. */
static GByteArray *
npy_header (guint       major,
            const char *dict,
            gsize       data_offset)
{
  GByteArray *a = g_byte_array_new ();
  gsize prefix = major == 1 ? 10 : 12;
  gsize header_len = data_offset - prefix;
  guint8 version[2] = { major, 0 };

  g_assert_cmpuint (data_offset, >=, prefix + strlen (dict) + 1);
  g_byte_array_append (a, (const guint8 *) "\x93NUMPY", 6);
  g_byte_array_append (a, version, 2);
  if (major == 1)
    put_u16 (a, header_len, FALSE);
  else
    put_u32 (a, header_len, FALSE);
  g_byte_array_append (a, (const guint8 *) dict, strlen (dict));
  while (a->len < data_offset - 1)
    g_byte_array_append (a, (const guint8 *) " ", 1);
  g_byte_array_append (a, (const guint8 *) "\n", 1);
  return a;
}

static GByteArray *
npy_header_aligned (guint       major,
                    const char *dict,
                    gsize       align)
{
  return npy_header (major, dict, aligned_offset (major, dict, align));
}

static const char *
write_array (const char *name,
             GByteArray *a)
{
  return emb_test_write (name, a->data, a->len);
}

/* The 2 x 3 float32 matrix most tests use: row i, column j holds 10 i + j + 0.5. */
static float
cell (gsize i,
      gsize j)
{
  return 10.0f * i + j + 0.5f;
}

static void
put_cells_f32 (GByteArray *a,
               gsize       rows,
               gsize       cols,
               gboolean    big)
{
  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < cols; j++)
      put_f32 (a, cell (i, j), big);
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

/* tests: files written here */

static void
test_npy_versions (void)
{
  static const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  /* Version 3 allows UTF-8 in the header; numpy ignores nothing, we ignore
   * keys we do not know. */
  static const char *dict3 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'note': 'caf\xc3\xa9', }";

  for (guint major = 1; major <= 3; major++)
    {
      g_autoptr(GByteArray) a = npy_header_aligned (major, major == 3 ? dict3 : dict, 64);
      g_autofree char *name = g_strdup_printf ("version%u.npy", major);
      g_autoptr(EmbDataset) ds = NULL;

      put_cells_f32 (a, 2, 3, FALSE);
      ds = emb_test_load_ok (write_array (name, a), NULL);
      assert_cells (ds, 2, 3);
      g_assert_cmpstr (ds->format, ==, "npy");
      g_assert_cmpstr (ds->dtype, ==, "float32");
      g_assert_true (emb_matrix_is_view (ds->matrix));
    }
}

/* numpy < 1.14 padded the header to 16 bytes, later versions to 64. */
static void
test_npy_alignment (void)
{
  static const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  gsize aligns[] = { 16, 64 };

  for (guint k = 0; k < G_N_ELEMENTS (aligns); k++)
    {
      g_autoptr(GByteArray) a = npy_header_aligned (1, dict, aligns[k]);
      g_autofree char *name = g_strdup_printf ("align%" G_GSIZE_FORMAT ".npy", aligns[k]);
      g_autoptr(EmbDataset) ds = NULL;

      g_assert_cmpuint (a->len % aligns[k], ==, 0);
      put_cells_f32 (a, 2, 3, FALSE);
      ds = emb_test_load_ok (write_array (name, a), NULL);
      assert_cells (ds, 2, 3);
      g_assert_true (emb_matrix_is_view (ds->matrix));
    }
}

/* A data offset that is not a multiple of 4 cannot be viewed as floats:
 * the reader copies instead. */
static void
test_npy_misaligned_copy (void)
{
  static const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  g_autoptr(GByteArray) a = npy_header (1, dict, 78);
  g_autoptr(EmbDataset) ds = NULL;

  put_cells_f32 (a, 2, 3, FALSE);
  /* Bytes after the data are allowed. */
  g_byte_array_append (a, (const guint8 *) "junk", 4);
  ds = emb_test_load_ok (write_array ("misaligned.npy", a), NULL);
  assert_cells (ds, 2, 3);
  g_assert_false (emb_matrix_is_view (ds->matrix));
  g_assert_cmpstr (ds->dtype, ==, "float32");
}

/* The header is a Python literal: any key order, optional spaces, trailing
 * commas, either quote, Python 2 long sizes. */
static void
test_npy_header_syntax (void)
{
  static const char *dicts[] = {
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
    "{'shape':(2,3),'fortran_order':False,'descr':'<f4'}",
    "{ 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , 'descr' : '<f4' , }",
    "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
    "{'descr': '=f4', 'fortran_order': False, 'shape': [2, 3]}",
    "{'descr':'<f4','fortran_order':False,'shape':(2,3),'extra':{'a':[1,(2,),None,True]}}",
  };

  for (guint k = 0; k < G_N_ELEMENTS (dicts); k++)
    {
      g_autoptr(GByteArray) a = npy_header_aligned (1, dicts[k], 64);
      g_autofree char *name = g_strdup_printf ("syntax%u.npy", k);
      g_autoptr(EmbDataset) ds = NULL;

      put_cells_f32 (a, 2, 3, FALSE);
      ds = emb_test_load_ok (write_array (name, a), NULL);
      assert_cells (ds, 2, 3);
    }
}

/* float16 bit patterns whose values are known on paper. */
static const struct { guint16 bits; float value; } halves[] = {
  { 0x3c00, 1.0f },
  { 0xc000, -2.0f },
  { 0x7bff, 65504.0f },
  { 0x0001, 0x1p-24f },          /* the smallest subnormal */
  { 0x03ff, 1023 * 0x1p-24f },   /* the largest subnormal */
  { 0x0400, 0x1p-14f },          /* the smallest normal */
  { 0x3555, 0x1.554p-2f },       /* 0.333251953125 */
  { 0x8000, -0.0f },
};

static void
test_npy_float16 (void)
{
  for (guint big = 0; big <= 1; big++)
    {
      g_autofree char *dict = g_strdup_printf ("{'descr': '%cf2', 'fortran_order': False, 'shape': (4, 2), }",
                                               big ? '>' : '<');
      g_autoptr(GByteArray) a = npy_header_aligned (1, dict, 64);
      g_autoptr(EmbDataset) ds = NULL;

      for (guint k = 0; k < G_N_ELEMENTS (halves); k++)
        put_u16 (a, halves[k].bits, big);
      ds = emb_test_load_ok (write_array (big ? "f16-be.npy" : "f16-le.npy", a), NULL);
      g_assert_cmpstr (ds->dtype, ==, big ? "big-endian float16" : "float16");
      g_assert_false (emb_matrix_is_view (ds->matrix));
      g_assert_cmpuint (ds->matrix->n_rows, ==, 4);
      g_assert_cmpuint (ds->matrix->n_cols, ==, 2);
      for (guint k = 0; k < G_N_ELEMENTS (halves); k++)
        {
          float got = ds->matrix->data[k];

          g_assert_cmpfloat (got, ==, halves[k].value);
          g_assert_cmpint (signbit (got) != 0, ==, signbit (halves[k].value) != 0);
        }
    }
}

static void
test_npy_float64_and_big_endian (void)
{
  /* 0.1 is not a float: the reader rounds to nearest like a C cast. */
  static const double values[] = { 1.5, -2.25, 0.1, 1e-30, -65536.0, 3.0 };

  for (guint big = 0; big <= 1; big++)
    {
      g_autofree char *dict = g_strdup_printf ("{'descr': '%cf8', 'fortran_order': False, 'shape': (3, 2), }",
                                               big ? '>' : '<');
      g_autoptr(GByteArray) a = npy_header_aligned (1, dict, 64);
      g_autoptr(EmbDataset) ds = NULL;

      for (guint k = 0; k < G_N_ELEMENTS (values); k++)
        put_f64 (a, values[k], big);
      ds = emb_test_load_ok (write_array (big ? "f64-be.npy" : "f64-le.npy", a), NULL);
      g_assert_cmpstr (ds->dtype, ==, big ? "big-endian float64" : "float64");
      g_assert_false (emb_matrix_is_view (ds->matrix));
      for (guint k = 0; k < G_N_ELEMENTS (values); k++)
        g_assert_cmpfloat (ds->matrix->data[k], ==, (float) values[k]);
    }

  {
    static const char *dict = "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }";
    g_autoptr(GByteArray) a = npy_header_aligned (1, dict, 64);
    g_autoptr(EmbDataset) ds = NULL;

    put_cells_f32 (a, 2, 3, TRUE);
    ds = emb_test_load_ok (write_array ("f32-be.npy", a), NULL);
    assert_cells (ds, 2, 3);
    g_assert_cmpstr (ds->dtype, ==, "big-endian float32");
    g_assert_false (emb_matrix_is_view (ds->matrix));
  }
}

/* Fortran order stores column after column: element [i][j] is the
 * (j * rows + i)-th value.  70 rows cross the reader's 64-row tiles. */
static void
test_npy_fortran (void)
{
  static const struct { const char *descr; gsize rows, cols; } cases[] = {
    { "<f4", 2, 3 },
    { "<f4", 70, 5 },
    { ">f4", 70, 5 },
    { "<f8", 3, 2 },
    { "<f2", 3, 2 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *dict = g_strdup_printf ("{'descr': '%s', 'fortran_order': True, 'shape': (%"
                                               G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "), }",
                                               cases[c].descr, cases[c].rows, cases[c].cols);
      g_autofree char *name = g_strdup_printf ("fortran%u.npy", c);
      g_autoptr(GByteArray) a = npy_header_aligned (1, dict, 64);
      gboolean big = cases[c].descr[0] == '>';
      g_autoptr(EmbDataset) ds = NULL;

      /* cell () values are exact in float16 for these small sizes. */
      for (gsize j = 0; j < cases[c].cols; j++)
        for (gsize i = 0; i < cases[c].rows; i++)
          {
            if (cases[c].descr[2] == '4')
              put_f32 (a, cell (i, j), big);
            else if (cases[c].descr[2] == '8')
              put_f64 (a, cell (i, j), big);
            else
              {
                /* 10 i + j + 0.5 for i < 3, j < 2: 0.5, 1.5, 10.5, 11.5, 20.5, 21.5 */
                static const guint16 h[3][2] = {
                  { 0x3800, 0x3e00 }, { 0x4940, 0x49c0 }, { 0x4d20, 0x4d60 } };
                put_u16 (a, h[i][j], FALSE);
              }
          }
      ds = emb_test_load_ok (write_array (name, a), NULL);
      assert_cells (ds, cases[c].rows, cases[c].cols);
      g_assert_false (emb_matrix_is_view (ds->matrix));
    }
}

/* A Fortran-order single column is laid out as in C order: still a view. */
static void
test_npy_fortran_single_column (void)
{
  static const char *dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (4, 1), }";
  g_autoptr(GByteArray) a = npy_header_aligned (1, dict, 64);
  g_autoptr(EmbDataset) ds = NULL;

  put_cells_f32 (a, 4, 1, FALSE);
  ds = emb_test_load_ok (write_array ("fortran-column.npy", a), NULL);
  assert_cells (ds, 4, 1);
  g_assert_true (emb_matrix_is_view (ds->matrix));
}

static void
test_npy_vocab_sources (void)
{
  static const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  g_autoptr(GByteArray) a = npy_header_aligned (1, dict, 64);
  const char *path;
  gsize id;

  put_cells_f32 (a, 2, 3, FALSE);

  /* No vocabulary anywhere: row ids. */
  {
    g_autoptr(EmbDataset) ds = emb_test_load_ok (write_array ("lonely.npy", a), NULL);

    g_assert_cmpstr (ds->vocab_source, ==, "row ids");
    g_assert_cmpstr (emb_vocab_raw (ds->vocab, 1, NULL), ==, "1");
  }

  /* --vocab, CRLF and no final newline. */
  {
    EmbLoadOptions options = { 0 };
    g_autoptr(EmbDataset) ds = NULL;

    options.vocab_path = emb_test_write ("given-vocab.txt", "king\r\nqueen", -1);
    ds = emb_test_load_ok (write_array ("given.npy", a), &options);
    g_assert_cmpstr (ds->vocab_source, ==, options.vocab_path);
    g_assert_cmpstr (emb_vocab_raw (ds->vocab, 0, NULL), ==, "king");
    g_assert_true (emb_vocab_lookup (ds->vocab, "queen", &id));
    g_assert_cmpuint (id, ==, 1);
  }

  /* NAME.vocab.txt beside NAME.npy. */
  {
    g_autoptr(EmbDataset) ds = NULL;
    const char *vocab = emb_test_write ("sibling.vocab.txt", "alpha\nbeta\n", -1);

    path = write_array ("sibling.npy", a);
    ds = emb_test_load_ok (path, NULL);
    g_assert_cmpstr (ds->vocab_source, ==, vocab);
    g_assert_cmpstr (emb_vocab_raw (ds->vocab, 1, NULL), ==, "beta");
  }

  /* vocab.txt in the same folder. */
  {
    g_autofree char *dir = emb_test_make_folder ("npy");
    g_autofree char *npy = emb_test_folder_write (dir, "matrix.npy", a->data, a->len);
    g_autofree char *vocab = emb_test_folder_write (dir, "vocab.txt", "[PAD]\n[UNK]\n", -1);
    g_autoptr(EmbDataset) ds = emb_test_load_ok (npy, NULL);

    g_assert_cmpstr (ds->vocab_source, ==, vocab);
    g_assert_cmpstr (emb_vocab_raw (ds->vocab, 0, NULL), ==, "[PAD]");
    emb_test_folder_remove (dir);
  }

  /* A --vocab with the wrong number of tokens names both counts. */
  {
    EmbLoadOptions options = { 0 };
    g_autofree char *msg = NULL;

    options.vocab_path = emb_test_write ("three-vocab.txt", "a\nb\nc\n", -1);
    msg = emb_test_load_error (write_array ("mismatch.npy", a), &options, EMB_ERROR_SHAPE);
    emb_test_assert_contains (msg, "3");
    emb_test_assert_contains (msg, "2");
  }
}

/* tests: bad files */

static void
test_npy_bad_preamble (void)
{
  g_autofree char *msg = NULL;
  EmbLoadOptions options = { 0 };

  /* Cut inside the header length. */
  msg = emb_test_load_error (emb_test_write ("cut.npy", "\x93NUMPY\x01\x00\x46", 9), NULL,
                    EMB_ERROR_TRUNCATED);
  emb_test_assert_contains (msg, "byte 9");
  g_clear_pointer (&msg, g_free);

  /* A header length past the end of the file. */
  {
    g_autoptr(GByteArray) a = npy_header (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", 128);
    const char *path;

    g_byte_array_set_size (a, 100);
    path = write_array ("header-past-eof.npy", a);
    msg = emb_test_load_error (path, NULL, EMB_ERROR_TRUNCATED);
    emb_test_assert_contains (msg, "byte 100");
    emb_test_assert_contains (msg, "128");
    g_clear_pointer (&msg, g_free);
  }

  /* An unknown version. */
  {
    g_autoptr(GByteArray) a = npy_header_aligned (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", 64);

    a->data[6] = 4;
    put_f32 (a, 1.0f, FALSE);
    msg = emb_test_load_error (write_array ("version4.npy", a), NULL, EMB_ERROR_UNSUPPORTED);
    emb_test_assert_contains (msg, "4.0");
    g_clear_pointer (&msg, g_free);
  }

  /* Not a .npy at all, forced with --format. */
  options.format = "npy";
  msg = emb_test_load_error (emb_test_write ("not-npy.dat", "hello world\n", -1), &options,
                    EMB_ERROR_FORMAT);
  emb_test_assert_contains (msg, "NUMPY");
}

static void
test_npy_bad_header (void)
{
  static const struct { const char *dict; const char *offset; } cases[] = {
    /* missing comma: the error points at the second key (10 + 16) */
    { "{'descr': '<f4' 'fortran_order': False, 'shape': (1, 1)}", "byte 26" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)", "byte" },
    { "['descr', '<f4']", "byte 10" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)} junk", "byte 68" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5, 1)}", "byte" },
    { "{'descr': '<f4', 'fortran_order': false, 'shape': (1, 1)}", "byte" },
    { "{'descr': '<f4', 'fortran_order': 0, 'shape': (1, 1)}", "byte 44" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 1)}", "byte" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': 4}", "byte" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", "byte" },
    { "{'descr': '<f4', 'fortran_order': False}", "shape" },
    { "{'descr': '<f4, 'fortran_order': False, 'shape': (1, 1)}", "byte" },
    { "{'descr': '<f4', 'fortran_order': False, 'shape': ((((((((((((((((((((((((((((((((((((((1,),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),),)}", "deeply" },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(GByteArray) a = npy_header_aligned (1, cases[k].dict, 64);
      g_autofree char *name = g_strdup_printf ("bad-header%u.npy", k);
      g_autofree char *msg = NULL;

      put_f32 (a, 1.0f, FALSE);
      msg = emb_test_load_error (write_array (name, a), NULL, EMB_ERROR_PARSE);
      emb_test_assert_contains (msg, cases[k].offset);
    }
}

static void
test_npy_unsupported (void)
{
  static const struct { const char *descr, *shape, *expect; } cases[] = {
    { "'<f4'", "(10,)", "not a 2-D float matrix (dtype '<f4', shape (10,)): it has 1 dimension" },
    { "'<f4'", "(2, 2, 2)", "shape (2, 2, 2)): it has 3 dimensions" },
    { "'<f4'", "()", "shape ())" },
    { "'<i8'", "(2, 2)", "not a 2-D float matrix (dtype '<i8', shape (2, 2))" },
    { "'|O'", "(2, 2)", "dtype '|O'" },
    { "'|f4'", "(2, 2)", "dtype '|f4'" },
    { "'<c8'", "(2, 2)", "dtype '<c8'" },
    { "[('a', '<f4'), ('b', '<f4')]", "(2,)", "dtype [('a', '<f4'), ('b', '<f4')]" },
    { "'<f4'", "(0, 5)", "empty" },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *dict = g_strdup_printf ("{'descr': %s, 'fortran_order': False, 'shape': %s, }",
                                               cases[k].descr, cases[k].shape);
      g_autoptr(GByteArray) a = npy_header_aligned (1, dict, 64);
      g_autofree char *name = g_strdup_printf ("unsupported%u.npy", k);
      g_autofree char *msg = NULL;

      for (guint i = 0; i < 8; i++)
        put_f64 (a, 1.0, FALSE);
      msg = emb_test_load_error (write_array (name, a), NULL, EMB_ERROR_UNSUPPORTED);
      emb_test_assert_contains (msg, cases[k].expect);
    }
}

static void
test_npy_bad_sizes (void)
{
  g_autofree char *msg = NULL;

  /* 2^62 x 4 floats: the byte count overflows 64 bits. */
  {
    g_autoptr(GByteArray) a = npy_header_aligned (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 64);

    put_f32 (a, 1.0f, FALSE);
    msg = emb_test_load_error (write_array ("overflow.npy", a), NULL, EMB_ERROR_TOO_LARGE);
    emb_test_assert_contains (msg, "4611686018427387904");
    g_clear_pointer (&msg, g_free);
  }

  /* A size past 2^64 in the header itself. */
  {
    g_autoptr(GByteArray) a = npy_header_aligned (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 4), }", 64);

    put_f32 (a, 1.0f, FALSE);
    msg = emb_test_load_error (write_array ("overflow-literal.npy", a), NULL, EMB_ERROR_TOO_LARGE);
    g_clear_pointer (&msg, g_free);
  }

  /* Large but representable: the file is simply too short. */
  {
    g_autoptr(GByteArray) a = npy_header_aligned (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000), }", 64);

    g_autofree char *end = g_strdup_printf ("byte %u:", a->len + 4000000000u);
    g_autofree char *size = g_strdup_printf ("%u bytes", a->len + 4);

    put_f32 (a, 1.0f, FALSE);
    msg = emb_test_load_error (write_array ("huge.npy", a), NULL, EMB_ERROR_TRUNCATED);
    emb_test_assert_contains (msg, end);
    emb_test_assert_contains (msg, size);
    g_clear_pointer (&msg, g_free);
  }

  /* Data short by one byte: the message says where the data should end
   * (128 + 2 * 3 * 4 = 152) and how big the file is. */
  {
    g_autoptr(GByteArray) a = npy_header_aligned (1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 64);

    g_assert_cmpuint (a->len, ==, 128);
    put_cells_f32 (a, 2, 3, FALSE);
    g_byte_array_set_size (a, a->len - 1);
    msg = emb_test_load_error (write_array ("short.npy", a), NULL, EMB_ERROR_TRUNCATED);
    emb_test_assert_contains (msg, "byte 152:");
    emb_test_assert_contains (msg, "151 bytes");
  }
}

static void
test_npy_non_finite (void)
{
  static const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  g_autofree char *msg = NULL;

  /* In a zero-copy view: row 1, column 2 is the 6th float, at 128 + 20. */
  {
    g_autoptr(GByteArray) a = npy_header_aligned (1, dict, 64);

    g_assert_cmpuint (a->len, ==, 128);
    put_cells_f32 (a, 2, 3, FALSE);
    memcpy (a->data + 128 + 20, &(float) { NAN }, 4);
    msg = emb_test_load_error (write_array ("nan.npy", a), NULL, EMB_ERROR_NON_FINITE);
    emb_test_assert_contains (msg, "byte 148:");
    emb_test_assert_contains (msg, "row 1, column 2 is nan");
    g_clear_pointer (&msg, g_free);
  }

  /* -inf in float16 (0xfc00), Fortran order: [0][1] is the 3rd value. */
  {
    g_autoptr(GByteArray) a = npy_header_aligned (1, "{'descr': '<f2', 'fortran_order': True, 'shape': (2, 2), }", 64);

    g_assert_cmpuint (a->len, ==, 128);
    put_u16 (a, 0x3c00, FALSE);
    put_u16 (a, 0x3c00, FALSE);
    put_u16 (a, 0xfc00, FALSE);
    put_u16 (a, 0x3c00, FALSE);
    msg = emb_test_load_error (write_array ("inf16.npy", a), NULL, EMB_ERROR_NON_FINITE);
    emb_test_assert_contains (msg, "byte 132:");
    emb_test_assert_contains (msg, "row 0, column 1 is -inf");
    g_clear_pointer (&msg, g_free);
  }

  /* A float64 too large for float32. */
  {
    g_autoptr(GByteArray) a = npy_header_aligned (1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", 64);

    put_f64 (a, 1.0, FALSE);
    put_f64 (a, 1e300, FALSE);
    msg = emb_test_load_error (write_array ("big64.npy", a), NULL, EMB_ERROR_NON_FINITE);
    emb_test_assert_contains (msg, "row 0, column 1");
    emb_test_assert_contains (msg, "1e+300");
  }
}

/* tests: vocabulary files */

static void
test_vocab_lines (void)
{
  static const struct { const char *text; gssize len; guint n; const char *tokens[4]; } cases[] = {
    { "a\nb\n", -1, 2, { "a", "b" } },
    { "a\nb", -1, 2, { "a", "b" } },
    { "a\r\n\r\nc\r\n", -1, 3, { "a", "", "c" } },
    { "\n", -1, 1, { "" } },
    { "", 0, 0, { NULL } },
    { "\xef\xbb\xbf[PAD]\n##s\n", -1, 2, { "[PAD]", "##s" } },
    { "the cat\n \n", -1, 2, { "the cat", " " } },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      GError *error = NULL;
      gsize len = cases[k].len < 0 ? strlen (cases[k].text) : (gsize) cases[k].len;
      g_autoptr(EmbVocab) vocab = emb_vocab_read_lines ("test", (const guint8 *) cases[k].text,
                                                        len, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (emb_vocab_size (vocab), ==, cases[k].n);
      for (guint i = 0; i < cases[k].n; i++)
        g_assert_cmpstr (emb_vocab_raw (vocab, i, NULL), ==, cases[k].tokens[i]);
    }

  /* Invalid UTF-8 (a token cut mid-character) is kept raw for lookup. */
  {
    static const char text[] = "caf\xc3\nok\n";
    GError *error = NULL;
    g_autoptr(EmbVocab) vocab = emb_vocab_read_lines ("test", (const guint8 *) text,
                                                      sizeof text - 1, &error);
    gsize len;

    g_assert_no_error (error);
    g_assert_cmpuint (emb_vocab_size (vocab), ==, 2);
    g_assert_cmpmem (emb_vocab_raw (vocab, 0, &len), 4, "caf\xc3", 4);
    g_assert_cmpuint (len, ==, 4);
    g_assert_true (g_utf8_validate (emb_vocab_display (vocab, 0), -1, NULL));
  }
}

/* tests: real files written by numpy */

static void
test_real_word2vec_syn0 (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  const EmbMatrix *m;
  guint32 bits;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "real", "gensim-word2vec_pre_kv_sep_py3.syn0.npy", NULL);
  ds = emb_test_load_ok (path, NULL);
  m = ds->matrix;
  g_assert_cmpuint (m->n_rows, ==, 9);
  g_assert_cmpuint (m->n_cols, ==, 2);
  g_assert_true (emb_matrix_is_view (m));
  g_assert_cmpstr (ds->dtype, ==, "float32");
  /* Values as numpy prints them (float32 repr round-trips exactly). */
  g_assert_cmpfloat (emb_matrix_row (m, 0)[0], ==, 3.8116148f);
  g_assert_cmpfloat (emb_matrix_row (m, 0)[1], ==, -3.0429382f);
  g_assert_cmpfloat (emb_matrix_row (m, 4)[0], ==, 3.3300478f);
  g_assert_cmpfloat (emb_matrix_row (m, 8)[1], ==, -1.8625181f);
  memcpy (&bits, &emb_matrix_row (m, 8)[1], 4);
  g_assert_cmpuint (bits, ==, 3220072190u);
}

static void
test_real_doc2vec_syn1neg (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  const EmbMatrix *m;
  guint32 bits;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "real", "gensim-doc2vec_old_sep.syn1neg.npy", NULL);
  ds = emb_test_load_ok (path, NULL);
  m = ds->matrix;
  g_assert_cmpuint (m->n_rows, ==, 3955);
  g_assert_cmpuint (m->n_cols, ==, 100);
  g_assert_true (emb_matrix_is_view (m));
  g_assert_cmpstr (ds->vocab_source, ==, "row ids");
  g_assert_cmpfloat (emb_matrix_row (m, 0)[0], ==, 0.09071742f);
  g_assert_cmpfloat (emb_matrix_row (m, 1)[2], ==, -0.05830366f);
  g_assert_cmpfloat (emb_matrix_row (m, 1000)[50], ==, 0.062980354f);
  g_assert_cmpfloat (emb_matrix_row (m, 3954)[99], ==, 0.00062591105f);
  memcpy (&bits, &emb_matrix_row (m, 3954)[99], 4);
  g_assert_cmpuint (bits, ==, 975442990u);
}

static void
test_real_candle_int64 (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autofree char *msg = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "real", "candle-test.npy", NULL);
  msg = emb_test_load_error (path, NULL, EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (msg, "not a 2-D float matrix (dtype '<i8', shape (10,))");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/npy/versions", test_npy_versions);
  g_test_add_func ("/npy/alignment", test_npy_alignment);
  g_test_add_func ("/npy/misaligned-copy", test_npy_misaligned_copy);
  g_test_add_func ("/npy/header-syntax", test_npy_header_syntax);
  g_test_add_func ("/npy/float16", test_npy_float16);
  g_test_add_func ("/npy/float64-and-big-endian", test_npy_float64_and_big_endian);
  g_test_add_func ("/npy/fortran", test_npy_fortran);
  g_test_add_func ("/npy/fortran-single-column", test_npy_fortran_single_column);
  g_test_add_func ("/npy/vocab-sources", test_npy_vocab_sources);
  g_test_add_func ("/npy/bad-preamble", test_npy_bad_preamble);
  g_test_add_func ("/npy/bad-header", test_npy_bad_header);
  g_test_add_func ("/npy/unsupported", test_npy_unsupported);
  g_test_add_func ("/npy/bad-sizes", test_npy_bad_sizes);
  g_test_add_func ("/npy/non-finite", test_npy_non_finite);
  g_test_add_func ("/vocab/lines", test_vocab_lines);
  g_test_add_func ("/npy/real/word2vec-syn0", test_real_word2vec_syn0);
  g_test_add_func ("/npy/real/doc2vec-syn1neg", test_real_doc2vec_syn1neg);
  g_test_add_func ("/npy/real/candle-int64", test_real_candle_int64);

  return g_test_run ();
}
