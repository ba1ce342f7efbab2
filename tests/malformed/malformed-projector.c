/* malformed-projector.c: the malformed-input cases of the TensorBoard
 * projector readers (vectors.tsv, raw .bytes, the config .json) and the
 * builders of their files. */
#include <math.h>
#include <string.h>

#include "io/emb-parse.h"
#include "malformed.h"

/* builders: projector config */

static void
build_config_no_shape (Built *b)
{
  g_autofree char *tensor = companion_floats (b, "t.bytes", six, 6);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\"}]}", tensor);

  emb_test_put_str (b->data, json);
}

static void
build_config_negative_shape (Built *b)
{
  g_autofree char *tensor = companion_floats (b, "t.bytes", six, 6);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\", \"tensorShape\": [-2, 3]}]}",
                                           tensor);

  emb_test_put_str (b->data, json);
}

static void
build_config_shape_mismatch (Built *b)
{
  g_autofree char *tensor = companion_floats (b, "t.bytes", six, 6);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\", \"tensorShape\": [2, 4]}]}",
                                           tensor);

  emb_test_put_str (b->data, json);
  name_companion (b, tensor);
}

static void
build_config_huge_shape (Built *b)
{
  g_autofree char *tensor = companion_floats (b, "t.bytes", six, 6);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\", "
                                           "\"tensorShape\": [1000000000000000, 1000000000000000]}]}",
                                           tensor);

  emb_test_put_str (b->data, json);
  name_companion (b, tensor);
}

static void
build_config_tsv_other_shape (Built *b)
{
  g_autofree char *tensor = companion (b, "t.tsv", "0.1\t0.2\n0.3\t0.4\n", -1);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\", \"tensorShape\": [3, 2]}]}",
                                           tensor);

  emb_test_put_str (b->data, json);
}

static void
build_config_tsv_bad_row (Built *b)
{
  const char *tsv = "0.1\t0.2\n0.3\n";
  g_autofree char *tensor = companion (b, "t.tsv", tsv, -1);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\"}]}", tensor);

  emb_test_put_str (b->data, json);
  name_companion (b, tensor);
  b->at = line_of (tsv, "0.3\n");
}

static void
build_config_metadata_rows (Built *b)
{
  g_autofree char *tensor = companion_floats (b, "t.bytes", six, 6);
  g_autofree char *meta = companion (b, "meta.tsv", "a\nb\nc\n", -1);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\", \"tensorShape\": [2, 3], "
                                           "\"metadataPath\": \"%s\"}]}", tensor, meta);

  emb_test_put_str (b->data, json);
  name_companion (b, meta);
}

static void
build_config_deep (Built *b)
{
  g_autoptr(GString) json = g_string_new ("{\"embeddings\": ");

  for (guint i = 0; i < 100; i++)
    g_string_append_c (json, '[');
  emb_test_put_str (b->data, json->str);
  /* The outer object is level 1: the 64th '[' opens level 65. */
  b->at = nth_char (json->str, '[', EMB_JSON_MAX_DEPTH);
}

/* builders: projector bytes */

static void
build_bytes_no_shape (Built *b)
{
  put_floats (b->data, six, 6);
}

static void
build_bytes_short (Built *b)
{
  put_floats (b->data, six, 5);
  b->shape_rows = 2;
  b->shape_cols = 3;
}

static void
build_bytes_long (Built *b)
{
  put_floats (b->data, six, 6);
  emb_test_put_f32 (b->data, 7);
  b->shape_rows = 2;
  b->shape_cols = 3;
}

static void
build_bytes_huge (Built *b)
{
  put_floats (b->data, six, 6);
  b->shape_rows = 1000000000000000;
  b->shape_cols = 1000000000000000;
}

static void
build_bytes_wide (Built *b)
{
  put_floats (b->data, six, 6);
  b->shape_rows = 1000000000000000;
  b->shape_cols = 2;
}

static void
build_bytes_nan (Built *b)
{
  put_floats (b->data, six, 4);
  emb_test_put_f32 (b->data, NAN);               /* row 1, column 1 */
  emb_test_put_f32 (b->data, 6);
  b->at = 4 * 4;
  b->shape_rows = 2;
  b->shape_cols = 3;
}

static const MalformedCase cases[] = {
  /* TensorBoard projector vectors.tsv */
  TEXT ("projector-tsv", "only blank lines", ".tsv", "\n \t\n\n", NULL,
        FORMAT, AT_FILE, "no vectors: the file is blank", DETECT),
  TEXT ("projector-tsv", "a row with a value missing", ".tsv",
        "0.1\t0.2\t0.3\n0.4\t0.5\n", "0.4",
        SHAPE, AT_LINE, "2 values, expected 3 (as on line 1)", DETECT),
  TEXT ("projector-tsv", "a row with a value too many", ".tsv",
        "0.1\t0.2\n0.3\t0.4\t0.5\n", "0.3",
        SHAPE, AT_LINE, "3 values, expected 2 (as on line 1)", DETECT),
  TEXT ("projector-tsv", "a short row after blank lines", ".tsv",
        "\n0.1\t0.2\n\n\n0.3\n", "0.3",
        SHAPE, AT_LINE, "1 value, expected 2 (as on line 2)", DETECT),
  TEXT ("projector-tsv", "a labelled row without its tab", ".tsv",
        "a\t0.1\t0.2\nb 0.3 0.4\n", "b 0.3",
        SHAPE, AT_LINE, "0 values, expected 2", DETECT),
  TEXT ("projector-tsv", "a bad number", ".tsv", "0.1\t0.2\n0.3\tx\n", "0.3",
        PARSE, AT_LINE, "column 2: 'x' is not a number", DETECT),
  TEXT ("projector-tsv", "an empty field", ".tsv", "0.1\t0.2\n0.3\t\n", "0.3",
        PARSE, AT_LINE, "column 2: '' is not a number", DETECT),
  TEXT ("projector-tsv", "invalid UTF-8 in a bad field", ".tsv",
        "0.1\t0.2\n0.3\t\xff\xfe\n", "0.3",
        PARSE, AT_LINE, "column 2: '", DETECT),
  TEXT ("projector-tsv", "a label and no values", ".tsv", "\n\nword\n", "word",
        PARSE, AT_LINE, "a label but no values", DETECT),
  TEXT ("projector-tsv", "nan", ".tsv", "0.1\t0.2\n0.3\tnan\n", "0.3",
        NON_FINITE, AT_LINE, "column 2 is nan", DETECT),

  /* TensorBoard projector raw .bytes, shaped by options */
  BUILT ("projector-bytes", "no shape given", ".bytes", build_bytes_no_shape,
         INVALID, AT_FILE, "raw .bytes needs --shape NxD", DETECT),
  BUILT ("projector-bytes", "4 bytes short of 2x3", ".bytes", build_bytes_short,
         SHAPE, AT_FILE, "2x3 float32 (--shape) needs 24 bytes, but the file has 20 bytes", DETECT),
  BUILT ("projector-bytes", "4 bytes more than 2x3", ".bytes", build_bytes_long,
         SHAPE, AT_FILE, "needs 24 bytes, but the file has 28 bytes", DETECT),
  BUILT ("projector-bytes", "shape 10^15 x 10^15", ".bytes", build_bytes_huge,
         SHAPE, AT_FILE, "is far larger than the file's 24 bytes", DETECT),
  BUILT ("projector-bytes", "shape 10^15 x 2", ".bytes", build_bytes_wide,
         SHAPE, AT_FILE, "needs 8000000000000000 bytes, but the file has 24 bytes", DETECT),
  BUILT ("projector-bytes", "nan", ".bytes", build_bytes_nan,
         NON_FINITE, AT_BYTE, "row 1, column 1 is nan", DETECT),

  /* TensorBoard projector config .json */
  TEXT ("projector-config", "not JSON", "-config.json", "{\"embeddings\": [", "[",
        PARSE, AT_LINE, "not a projector config", DETECT),
  TEXT ("projector-config", "no \"embeddings\"", "-config.json", "{\"tensors\": []}", NULL,
        FORMAT, AT_FILE, "no \"embeddings\" list", DETECT),
  TEXT ("projector-config", "an empty \"embeddings\" list", "-config.json",
        "{\"embeddings\": []}", NULL,
        FORMAT, AT_FILE, "the \"embeddings\" list is empty", DETECT),
  TEXT ("projector-config", "no \"tensorPath\"", "-config.json",
        "{\"embeddings\": [{\"tensorName\": \"t\", \"tensorShape\": [2, 3]}]}", NULL,
        FORMAT, AT_FILE, "embedding 't' has no \"tensorPath\"", DETECT),
  TEXT ("projector-config", "a missing tensor file", "-config.json",
        "{\"embeddings\": [{\"tensorName\": \"t\", \"tensorPath\": \"nowhere.bytes\", "
        "\"tensorShape\": [2, 3]}]}", NULL,
        IO, AT_FILE, "embedding 't': tensorPath 'nowhere.bytes': ", DETECT),
  TEXT ("projector-config", "a web address", "-config.json",
        "{\"embeddings\": [{\"tensorName\": \"t\", "
        "\"tensorPath\": \"https://example.com/t.bytes\", \"tensorShape\": [2, 3]}]}", NULL,
        UNSUPPORTED, AT_FILE, "is a web address", DETECT),
  TEXT ("projector-config", "invalid UTF-8 in a name", "-config.json",
        "{\"embeddings\": [{\"tensorName\": \"t\xff\"}]}", NULL,
        PARSE, AT_FILE, "not a projector config", DETECT),
  BUILT ("projector-config", "a .bytes tensor without tensorShape", "-config.json",
         build_config_no_shape,
         FORMAT, AT_FILE, "has no valid \"tensorShape\"", DETECT),
  BUILT ("projector-config", "a negative tensorShape", "-config.json",
         build_config_negative_shape,
         FORMAT, AT_FILE, "has no valid \"tensorShape\"", DETECT),
  BUILT ("projector-config", "tensorShape [2, 4] for 24 bytes", "-config.json",
         build_config_shape_mismatch,
         SHAPE, AT_FILE, "needs 32 bytes, but the file has 24 bytes", DETECT),
  BUILT ("projector-config", "tensorShape [10^15, 10^15]", "-config.json",
         build_config_huge_shape,
         SHAPE, AT_FILE, "is far larger than the file's 24 bytes", DETECT),
  BUILT ("projector-config", "a .tsv tensor of another shape", "-config.json",
         build_config_tsv_other_shape,
         SHAPE, AT_FILE, "tensorShape is [3, 2] but", DETECT),
  BUILT ("projector-config", "a short row in the .tsv tensor", "-config.json",
         build_config_tsv_bad_row,
         SHAPE, AT_LINE, "1 value, expected 2", DETECT),
  BUILT ("projector-config", "metadata with a row too many", "-config.json",
         build_config_metadata_rows,
         SHAPE, AT_FILE, "3 rows of metadata, but the matrix has 2 rows", DETECT),
  BUILT ("projector-config", "nesting 100 deep", "-config.json", build_config_deep,
         PARSE, AT_BYTE, "the JSON nests more than 64 levels deep", DETECT),

};

const MalformedTable malformed_projector_cases = { cases, G_N_ELEMENTS (cases) };
