/* test-format-projector.c: TensorBoard Embedding Projector files: vectors
 * TSV, metadata TSV, raw .bytes and the JSON config. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"
#include "emb-test-util.h"

/* auxiliary functions */

static EmbVocab *
metadata (const char *text,
          gsize       n_rows,
          GError    **error)
{
  return emb_projector_read_metadata ("meta.tsv", (const guint8 *) text, strlen (text),
                                      n_rows, error);
}

/* tests: vectors TSV */

static void
test_tsv_plain (void)
{
  static const float r0[] = { 1, 2.5f, -3 }, r1[] = { 4e-3f, 5, 6 };
  g_autoptr(EmbDataset) ds = emb_test_load_ok (emb_test_write ("plain.tsv", "1\t2.5\t-3\n4e-3\t5\t6\n", -1), NULL);

  g_assert_cmpstr (ds->format, ==, "projector-tsv");
  g_assert_cmpstr (ds->dtype, ==, "text");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 2);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 3);
  emb_test_assert_row (ds->matrix, 0, r0);
  emb_test_assert_row (ds->matrix, 1, r1);
  g_assert_cmpstr (ds->vocab_source, ==, "row ids");
}

/* A first field that is not a number makes a label column; CRLF, blank
 * lines and spaces around numbers are fine. */
static void
test_tsv_labels (void)
{
  static const float r0[] = { 1, 2 }, r1[] = { 3, 4 }, r2[] = { 0.5f, -0.25f };
  static const char text[] = "apple\t1\t2\r\n\r\nbanana split\t 3\t4 \r\n  \n42\t.5\t-.25";
  g_autoptr(EmbDataset) ds = emb_test_load_ok (emb_test_write ("labels.tsv", text, -1), NULL);
  gsize id;

  g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 2);
  emb_test_assert_row (ds->matrix, 0, r0);
  emb_test_assert_row (ds->matrix, 1, r1);
  emb_test_assert_row (ds->matrix, 2, r2);
  g_assert_cmpstr (ds->vocab_source, ==, "file");
  g_assert_cmpstr (emb_vocab_raw (ds->vocab, 1, NULL), ==, "banana split");
  /* Once there is a label column, a number there is a label too. */
  g_assert_true (emb_vocab_lookup (ds->vocab, "42", &id));
  g_assert_cmpuint (id, ==, 2);
}

static void
test_tsv_errors (void)
{
  static const struct { const char *text; EmbErrorCode code; const char *expect; } cases[] = {
    { "1\t2\t3\n4\t5\n", EMB_ERROR_SHAPE, ":2: 2 values, expected 3 (as on line 1)" },
    { "0.5\t2\n\n3\t4\t5\n", EMB_ERROR_SHAPE, ":3: 3 values, expected 2" },
    { "w\t1\t2\nv\t1\n", EMB_ERROR_SHAPE, ":2: 1 value, expected 2" },
    { "w\t1\t2\nv\n", EMB_ERROR_SHAPE, ":2: 0 values, expected 2" },
    { "0.5\t2\n3\tx\n", EMB_ERROR_PARSE, ":2: column 2: 'x' is not a number" },
    { "0.5\t2\n3\t4x\n", EMB_ERROR_PARSE, ":2: column 2: '4x' is not a number" },
    { "0.5\t2\n3\t\n", EMB_ERROR_PARSE, ":2: column 2: '' is not a number" },
    { "0.5\t2\n3\tnan\n", EMB_ERROR_NON_FINITE, ":2: column 2 is nan" },
    { "w\t1\t2\nv\t-inf\t2\n", EMB_ERROR_NON_FINITE, ":2: column 2 is -inf" },
    { "word\n", EMB_ERROR_PARSE, ":1: a label but no values" },
    { "\n \n", EMB_ERROR_FORMAT, "blank" },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *name = g_strdup_printf ("bad%u.tsv", k);
      g_autofree char *msg = emb_test_load_error (emb_test_write (name, cases[k].text, -1), NULL,
                                         cases[k].code);

      emb_test_assert_contains (msg, cases[k].expect);
    }
}

/* tests: metadata TSV */

static void
test_metadata_header (void)
{
  GError *error = NULL;
  g_autoptr(EmbVocab) vocab = metadata ("count\tWord\tpos\n10\tthe\tDET\n\n5\tof\tADP\n", 2, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (emb_vocab_size (vocab), ==, 2);
  /* The column called word (any case) gives the tokens. */
  g_assert_cmpstr (emb_vocab_raw (vocab, 0, NULL), ==, "the");
  g_assert_cmpstr (emb_vocab_raw (vocab, 1, NULL), ==, "of");
  g_assert_cmpuint (emb_vocab_n_columns (vocab), ==, 3);
  g_assert_cmpstr (emb_vocab_column_name (vocab, 0), ==, "count");
  g_assert_cmpstr (emb_vocab_column_name (vocab, 2), ==, "pos");
  g_assert_cmpstr (emb_vocab_column_value (vocab, 2, 1), ==, "ADP");
  g_assert_cmpstr (emb_vocab_column_value (vocab, 0, 0), ==, "10");
}

static void
test_metadata_first_column (void)
{
  GError *error = NULL;
  g_autoptr(EmbVocab) vocab = metadata ("id\tclass\r\na1\tx\r\na2\t\r\n", 2, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (emb_vocab_raw (vocab, 1, NULL), ==, "a2");
  g_assert_cmpstr (emb_vocab_column_value (vocab, 1, 1), ==, "");
}

/* Without a tab on the first line there is no header: every line labels a row. */
static void
test_metadata_no_header (void)
{
  GError *error = NULL;
  g_autoptr(EmbVocab) vocab = metadata ("word\nthe\nof\n", 3, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (emb_vocab_size (vocab), ==, 3);
  g_assert_cmpstr (emb_vocab_raw (vocab, 0, NULL), ==, "word");
  g_assert_cmpuint (emb_vocab_n_columns (vocab), ==, 1);
  g_assert_cmpstr (emb_vocab_column_name (vocab, 0), ==, "label");
  g_assert_cmpstr (emb_vocab_column_value (vocab, 0, 2), ==, "of");
}

static void
test_metadata_errors (void)
{
  GError *error = NULL;
  EmbVocab *vocab;

  /* A single column never has a header: one row too many. */
  vocab = metadata ("word\nthe\nof\n", 2, &error);
  g_assert_null (vocab);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_SHAPE);
  emb_test_assert_contains (error->message, "meta.tsv: 3 rows of metadata, but the matrix has 2 rows");
  emb_test_assert_contains (error->message, "no header");
  g_clear_error (&error);

  vocab = metadata ("a\tb\n1\t2\n", 2, &error);
  g_assert_null (vocab);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_SHAPE);
  emb_test_assert_contains (error->message, "1 rows of metadata below the header, but the matrix has 2 rows");
  g_clear_error (&error);

  vocab = metadata ("a\tb\n1\t2\n3\t4\t5\n", 2, &error);
  g_assert_null (vocab);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_PARSE);
  emb_test_assert_contains (error->message, "meta.tsv:3: 3 fields, expected 2");
  g_clear_error (&error);
}

/* A metadata file given as --vocab, or found beside the vectors. */
static void
test_metadata_attached (void)
{
  EmbLoadOptions options = { 0 };
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbDataset) ds2 = NULL;
  const char *vectors = emb_test_write ("attached.tsv", "0.5\t2\n3\t4\n", -1);
  const char *sibling = emb_test_write ("attached.metadata.tsv", "king\nqueen\n", -1);

  options.vocab_path = emb_test_write ("given-meta.tsv", "name\tgender\nking\tm\nqueen\tf\n", -1);
  ds = emb_test_load_ok (vectors, &options);
  g_assert_cmpstr (emb_vocab_raw (ds->vocab, 1, NULL), ==, "queen");
  g_assert_cmpuint (emb_vocab_n_columns (ds->vocab), ==, 2);
  g_assert_cmpstr (emb_vocab_column_value (ds->vocab, 1, 0), ==, "m");

  ds2 = emb_test_load_ok (vectors, NULL);
  g_assert_cmpstr (ds2->vocab_source, ==, sibling);
  g_assert_cmpstr (emb_vocab_raw (ds2->vocab, 0, NULL), ==, "king");
}

/* tests: raw .bytes */

static void
test_bytes (void)
{
  static const float values[] = { 1, 2, 3, 4, 5, 6 };
  const char *path = emb_test_write ("raw.bytes", values, sizeof values);
  EmbLoadOptions options = { 0 };
  g_autofree char *msg = NULL;

  options.shape_rows = 3;
  options.shape_cols = 2;
  {
    g_autoptr(EmbDataset) ds = emb_test_load_ok (path, &options);

    g_assert_cmpstr (ds->format, ==, "projector-bytes");
    g_assert_cmpstr (ds->dtype, ==, "float32");
    g_assert_true (emb_matrix_is_view (ds->matrix));
    g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
    emb_test_assert_row (ds->matrix, 2, values + 4);
  }

  options.shape_rows = 2;
  msg = emb_test_load_error (path, &options, EMB_ERROR_SHAPE);
  emb_test_assert_contains (msg, "2x2 float32 (--shape) needs 16 bytes");
  emb_test_assert_contains (msg, "has 24 bytes");
  g_clear_pointer (&msg, g_free);

  options.shape_rows = G_MAXSIZE / 2;
  msg = emb_test_load_error (path, &options, EMB_ERROR_SHAPE);
  g_clear_pointer (&msg, g_free);

  msg = emb_test_load_error (path, NULL, EMB_ERROR_INVALID);
  emb_test_assert_contains (msg, "raw .bytes needs --shape NxD");
  g_clear_pointer (&msg, g_free);

  {
    float bad[] = { 1, 2, 3, INFINITY };

    options.shape_rows = 2;
    msg = emb_test_load_error (emb_test_write ("inf.bytes", bad, sizeof bad), &options,
                      EMB_ERROR_NON_FINITE);
    emb_test_assert_contains (msg, "byte 12: row 1, column 1 is inf");
  }
}

/* tests: config JSON */

static void
test_config (void)
{
  static const float values[] = { 1, 2, 3, 4, 5, 6 };
  static const char config[] =
    "{\"embeddings\": [\n"
    "  {\"tensorName\": \"first\", \"tensorShape\": [3, 2],\n"
    "   \"tensorPath\": \"data/first.bytes\", \"metadataPath\": \"data/first-meta.tsv\"},\n"
    "  {\"tensorName\": \"second\", \"tensorShape\": [2, 2],\n"
    "   \"tensorPath\": \"second.tsv\"},\n"
    "  {\"tensorName\": \"missing\", \"tensorShape\": [2, 2],\n"
    "   \"tensorPath\": \"nowhere/missing.bytes\"},\n"
    "  {\"tensorName\": \"remote\", \"tensorShape\": [2, 2],\n"
    "   \"tensorPath\": \"https://example.org/remote.bytes\"},\n"
    "  {\"tensorName\": \"badshape\", \"tensorShape\": [4, 2],\n"
    "   \"tensorPath\": \"data/first.bytes\"}\n"
    "]}\n";
  g_autofree char *dir = emb_test_make_folder ("projector");
  g_autofree char *path = emb_test_folder_write (dir, "projector_config.json", config, -1);
  g_autofree char *bytes = emb_test_folder_write (dir, "data/first.bytes", values, sizeof values);
  g_autofree char *meta = emb_test_folder_write (dir, "data/first-meta.tsv", "word\tn\na\t1\nb\t2\nc\t3\n", -1);
  g_autofree char *tsv = emb_test_folder_write (dir, "second.tsv", "x\t1\t2\ny\t3\t4\n", -1);
  EmbLoadOptions options = { 0 };

  {
    g_autoptr(EmbDataset) ds = emb_test_load_ok (path, NULL);

    g_assert_cmpstr (ds->format, ==, "projector-config");
    g_assert_cmpstr (ds->tensor, ==, "first");
    g_assert_cmpstr (ds->dtype, ==, "float32");
    g_assert_cmpstr (ds->vocab_source, ==, meta);
    g_assert_true (emb_matrix_is_view (ds->matrix));
    emb_test_assert_row (ds->matrix, 1, values + 2);
    g_assert_cmpstr (emb_vocab_raw (ds->vocab, 2, NULL), ==, "c");
    g_assert_cmpuint (emb_vocab_n_columns (ds->vocab), ==, 2);
  }

  {
    g_autoptr(EmbDataset) ds = NULL;

    options.tensor = "second";
    ds = emb_test_load_ok (path, &options);
    g_assert_cmpstr (ds->tensor, ==, "second");
    g_assert_cmpstr (ds->dtype, ==, "text");
    g_assert_cmpstr (emb_vocab_raw (ds->vocab, 1, NULL), ==, "y");
  }

  {
    g_autofree char *msg = NULL;

    options.tensor = "missing";
    msg = emb_test_load_error (path, &options, EMB_ERROR_IO);
    emb_test_assert_contains (msg, "embedding 'missing': tensorPath 'nowhere/missing.bytes'");
    g_clear_pointer (&msg, g_free);

    options.tensor = "remote";
    msg = emb_test_load_error (path, &options, EMB_ERROR_UNSUPPORTED);
    emb_test_assert_contains (msg, "https://example.org/remote.bytes");
    g_clear_pointer (&msg, g_free);

    options.tensor = "badshape";
    msg = emb_test_load_error (path, &options, EMB_ERROR_SHAPE);
    emb_test_assert_contains (msg, "tensorShape");
    emb_test_assert_contains (msg, "first.bytes");
    g_clear_pointer (&msg, g_free);

    options.tensor = "nosuch";
    msg = emb_test_load_error (path, &options, EMB_ERROR_NOT_FOUND);
    emb_test_assert_contains (msg, "'first', 'second'");
  }

  {
    g_autofree char *bad = emb_test_folder_write (dir, "bad.json", "{\"embeddings\": [", -1);
    g_autofree char *other = emb_test_folder_write (dir, "other.json", "{\"name\": 1}", -1);
    g_autofree char *msg = emb_test_load_error (bad, NULL, EMB_ERROR_PARSE);
    g_autofree char *msg2 = emb_test_load_error (other, NULL, EMB_ERROR_FORMAT);

    emb_test_assert_contains (msg2, "\"embeddings\"");
  }

  emb_test_folder_remove (dir);
}

/* A config with one embedding of 2 x 3 float32 whose tensorPath and
 * metadataPath are given (metadata may be NULL), written to dir. */
static char *
write_config (const char *dir,
              const char *tensor,
              const char *metadata)
{
  g_autofree char *meta = metadata != NULL
                          ? g_strdup_printf (", \"metadataPath\": \"%s\"", metadata)
                          : g_strdup ("");
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorShape\": [2, 3], \"tensorPath\": \"%s\"%s}]}",
                                           tensor, meta);

  return emb_test_folder_write (dir, "projector_config.json", json, -1);
}

/* Paths a config names stay in its folder: an absolute path, a file://
 * URI or a ".." is refused with the config and the member named, even
 * when the file is there and readable; a file beside the config or below
 * it is read, and --vocab replaces the metadata without reading it. */
static void
test_config_confined (void)
{
  static const float values[] = { 1, 2, 3, 4, 5, 6 };
  g_autofree char *top = emb_test_make_folder ("projector-confined");
  g_autofree char *dir = g_build_filename (top, "config", NULL);
  g_autofree char *outside = emb_test_folder_write (top, "outside.bytes", values, sizeof values);
  g_autofree char *outside_meta = emb_test_folder_write (top, "outside.tsv", "p\nq\n", -1);
  g_autofree char *sibling = emb_test_folder_write (dir, "t.bytes", values, sizeof values);
  g_autofree char *below = emb_test_folder_write (dir, "sub/t.bytes", values, sizeof values);
  g_autofree char *meta = emb_test_folder_write (dir, "meta.tsv", "a\nb\n", -1);
  g_autofree char *outside_uri = g_filename_to_uri (outside, NULL, NULL);
  const struct
  {
    const char *tensor;
    const char *metadata;
    const char *member;
    const char *value;
  } refused[] = {
    { outside, NULL, "tensorPath", outside },
    { outside_uri, NULL, "tensorPath", outside_uri },
    { "../outside.bytes", NULL, "tensorPath", "../outside.bytes" },
    { "sub/../../outside.bytes", NULL, "tensorPath", "sub/../../outside.bytes" },
    { "t.bytes", "/etc/hostname", "metadataPath", "/etc/hostname" },
    { "t.bytes", "file:///etc/hostname", "metadataPath", "file:///etc/hostname" },
    { "t.bytes", "../outside.tsv", "metadataPath", "../outside.tsv" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *path = write_config (dir, refused[i].tensor, refused[i].metadata);
      g_autofree char *msg = emb_test_load_error (path, NULL, EMB_ERROR_UNSUPPORTED);
      g_autofree char *part = g_strdup_printf ("%s: embedding 't': %s '%s' is not a file in "
                                               "the config's folder", path, refused[i].member,
                                               refused[i].value);

      g_test_message ("%s", msg);
      emb_test_assert_contains (msg, part);
    }

  {
    g_autofree char *path = write_config (dir, "t.bytes", "meta.tsv");
    g_autoptr(EmbDataset) ds = emb_test_load_ok (path, NULL);

    emb_test_assert_row (ds->matrix, 1, values + 3);
    g_assert_cmpstr (ds->vocab_source, ==, meta);
    g_assert_cmpstr (emb_vocab_raw (ds->vocab, 1, NULL), ==, "b");
  }
  {
    g_autofree char *path = write_config (dir, "sub/t.bytes", NULL);
    g_autoptr(EmbDataset) ds = emb_test_load_ok (path, NULL);

    emb_test_assert_row (ds->matrix, 0, values);
  }
  {
    /* The same file outside, given on the command line, is read. */
    g_autofree char *path = write_config (dir, "t.bytes", "/etc/hostname");
    EmbLoadOptions options = { .vocab_path = outside_meta };
    g_autoptr(EmbDataset) ds = emb_test_load_ok (path, &options);

    g_assert_cmpstr (ds->vocab_source, ==, outside_meta);
    g_assert_cmpstr (emb_vocab_raw (ds->vocab, 0, NULL), ==, "p");
  }
  emb_test_folder_remove (top);
}

/* A metadata file the config names that is wrong is reported naming the
 * config, the member as written there, and the file with the line. */
static void
test_config_bad_metadata (void)
{
  static const float values[] = { 1, 2, 3, 4, 5, 6 };
  g_autofree char *dir = emb_test_make_folder ("projector-meta");
  g_autofree char *tensor = emb_test_folder_write (dir, "t.bytes", values, sizeof values);
  g_autofree char *meta = emb_test_folder_write (dir, "meta.tsv", "word\tn\na\t1\nb\n", -1);
  g_autofree char *path = write_config (dir, "t.bytes", "meta.tsv");
  g_autofree char *msg = emb_test_load_error (path, NULL, EMB_ERROR_PARSE);
  g_autofree char *part = g_strdup_printf ("%s: embedding 't': metadataPath 'meta.tsv': %s:3: ",
                                           path, meta);

  emb_test_assert_contains (msg, part);
  emb_test_folder_remove (dir);
}

/* tests: real files from the TensorBoard projector demo */

static void
test_real_iris (void)
{
  const char *dir = emb_test_fixtures ();
  static const float first[] = { 5.1f, 3.5f, 1.4f, 0.2f }, last[] = { 5.9f, 3.0f, 5.1f, 1.8f };
  g_autofree char *labels = NULL;
  g_autofree char *tensors = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GHashTable) classes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(EmbVocab) vocab = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  EmbLoadOptions options = { 0 };
  GError *error = NULL;
  gsize size;
  guint class_column = G_MAXUINT;

  if (dir == NULL)
    return;
  labels = g_build_filename (dir, "real", "projector-iris_labels.tsv", NULL);
  tensors = g_build_filename (dir, "real", "projector-iris_tensors.bytes", NULL);

  g_file_get_contents (labels, &contents, &size, &error);
  g_assert_no_error (error);
  vocab = emb_projector_read_metadata (labels, (const guint8 *) contents, size, 150, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (emb_vocab_size (vocab), ==, 150);
  g_assert_cmpuint (emb_vocab_n_columns (vocab), ==, 5);
  for (guint c = 0; c < 5; c++)
    if (g_str_equal (emb_vocab_column_name (vocab, c), "class"))
      class_column = c;
  g_assert_cmpuint (class_column, ==, 4);
  for (gsize i = 0; i < 150; i++)
    g_hash_table_add (classes, (gpointer) emb_vocab_column_value (vocab, class_column, i));
  g_assert_cmpuint (g_hash_table_size (classes), ==, 3);
  g_assert_true (g_hash_table_contains (classes, "Iris-setosa"));
  /* No word/token/label/name column: the first column labels the rows. */
  g_assert_cmpstr (emb_vocab_raw (vocab, 0, NULL), ==, "5.1");

  options.shape_rows = 150;
  options.shape_cols = 4;
  options.vocab_path = labels;
  ds = emb_test_load_ok (tensors, &options);
  g_assert_cmpuint (ds->matrix->n_rows, ==, 150);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 4);
  emb_test_assert_row (ds->matrix, 0, first);
  emb_test_assert_row (ds->matrix, 149, last);
  g_assert_cmpuint (emb_vocab_n_columns (ds->vocab), ==, 5);
  g_assert_cmpstr (emb_vocab_column_value (ds->vocab, 4, 149), ==, "Iris-virginica");
}

/* The demo config names files on TensorBoard's server, not beside it. */
static void
test_real_demo_config (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autofree char *msg = NULL;
  EmbLoadOptions options = { 0 };

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "real", "projector-oss_demo_projector_config.json", NULL);
  msg = emb_test_load_error (path, NULL, EMB_ERROR_IO);
  emb_test_assert_contains (msg, "embedding 'Word2Vec 10K'");
  emb_test_assert_contains (msg, "oss_data/word2vec_10000_200d_tensors.bytes");
  g_clear_pointer (&msg, g_free);

  options.tensor = "Iris";
  msg = emb_test_load_error (path, &options, EMB_ERROR_IO);
  emb_test_assert_contains (msg, "oss_data/iris_tensors.bytes");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/projector/tsv/plain", test_tsv_plain);
  g_test_add_func ("/projector/tsv/labels", test_tsv_labels);
  g_test_add_func ("/projector/tsv/errors", test_tsv_errors);
  g_test_add_func ("/projector/metadata/header", test_metadata_header);
  g_test_add_func ("/projector/metadata/first-column", test_metadata_first_column);
  g_test_add_func ("/projector/metadata/no-header", test_metadata_no_header);
  g_test_add_func ("/projector/metadata/errors", test_metadata_errors);
  g_test_add_func ("/projector/metadata/attached", test_metadata_attached);
  g_test_add_func ("/projector/bytes", test_bytes);
  g_test_add_func ("/projector/config", test_config);
  g_test_add_func ("/projector/config/confined", test_config_confined);
  g_test_add_func ("/projector/config/bad-metadata", test_config_bad_metadata);
  g_test_add_func ("/projector/real/iris", test_real_iris);
  g_test_add_func ("/projector/real/demo-config", test_real_demo_config);

  return g_test_run ();
}
