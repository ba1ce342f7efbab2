/* malformed-word2vec-binary.c: the malformed-input cases of the word2vec binary
 * reader and the builders of its binary files. */
#include <math.h>
#include <string.h>

#include "io/emb-parse.h"
#include "malformed.h"

/* builders: word2vec binary */

static void
build_w2v_bin_short_vector (Built *b)
{
  emb_test_put_str (b->data, "2 2\n");
  emb_test_put_str (b->data, "alphabetical ");
  put_floats (b->data, six, 2);
  emb_test_put_str (b->data, "\nb ");
  b->at = b->data->len;                 /* where record 2's vector starts */
  put_floats (b->data, six + 2, 1);     /* half of it */
}

static void
build_w2v_bin_short_vector_utf8 (Built *b)
{
  emb_test_put_str (b->data, "2 2\n");
  emb_test_put_str (b->data, "alphabetical ");
  put_floats (b->data, six, 2);
  emb_test_put_str (b->data, "\nb\xff\xfe ");
  b->at = b->data->len;
  put_floats (b->data, six + 2, 1);
}

static void
build_w2v_bin_no_space (Built *b)
{
  emb_test_put_str (b->data, "2 2\n");
  emb_test_put_str (b->data, "alphabetical ");
  put_floats (b->data, six, 2);
  emb_test_put_str (b->data, "\n");
  b->at = b->data->len;                 /* where record 2's token starts */
  emb_test_put_str (b->data, "tailtoken");
}

static void
build_w2v_bin_trailing (Built *b)
{
  emb_test_put_str (b->data, "1 2\n");
  emb_test_put_str (b->data, "a ");
  put_floats (b->data, six, 2);
  emb_test_put_str (b->data, "\n");
  b->at = b->data->len;
  emb_test_put_str (b->data, "junk");
}

static void
build_w2v_bin_nan (Built *b)
{
  emb_test_put_str (b->data, "1 3\n");
  emb_test_put_str (b->data, "a ");
  emb_test_put_f32 (b->data, 1);
  b->at = b->data->len;                 /* value 2 */
  emb_test_put_f32 (b->data, NAN);
  emb_test_put_f32 (b->data, 2);
  emb_test_put_str (b->data, "\n");
}

static void
build_w2v_bin_inf (Built *b)
{
  emb_test_put_str (b->data, "2 2\n");
  emb_test_put_str (b->data, "a ");
  put_floats (b->data, six, 2);
  emb_test_put_str (b->data, "\nb ");
  emb_test_put_f32 (b->data, 1);
  b->at = b->data->len;
  emb_test_put_f32 (b->data, -INFINITY);
  emb_test_put_str (b->data, "\n");
}

static const MalformedCase cases[] = {
  /* word2vec binary: "N D\n", then token, space, D float32. */
  TEXT ("word2vec-binary", "header only", ".bin", "2 3\n", "2 3",
        TRUNCATED, AT_BYTE, "but the file has 0 after the header", DETECT),
  TEXT ("word2vec-binary", "header not two numbers", ".bin", "2 x\n", "x",
        PARSE, AT_BYTE, "expected a header line 'ROWS COLUMNS'", 0),
  TEXT ("word2vec-binary", "header says 0 rows", ".bin", "0 3\n", "0 3",
        FORMAT, AT_BYTE, "no vectors found: header says 0 x 3", 0),
  TEXT ("word2vec-binary", "header 10^15 x 10^15", ".bin",
        "1000000000000000 1000000000000000\na \n", "1000",
        TOO_LARGE, AT_BYTE, "far more than any file holds", DETECT),
  TEXT ("word2vec-binary", "header 10^15 rows of 2", ".bin",
        "1000000000000000 2\na \n", "1000",
        TRUNCATED, AT_BYTE, "which needs at least 9000000000000000 bytes", DETECT),
  TEXT ("word2vec-binary", "header numbers past 64 bits", ".bin",
        "99999999999999999999999 2\n", "9999",
        TOO_LARGE, AT_BYTE, "the header's sizes are too large", DETECT),
  BUILT ("word2vec-binary", "the last vector cut short", ".bin", build_w2v_bin_short_vector,
         TRUNCATED, AT_BYTE, "record 2 ('b'): the vector needs 8 bytes, the file has 4 left", DETECT),
  BUILT ("word2vec-binary", "invalid UTF-8 in a cut record's token", ".bin",
         build_w2v_bin_short_vector_utf8,
         TRUNCATED, AT_BYTE, "the vector needs 8 bytes", DETECT),
  BUILT ("word2vec-binary", "the last token has no space", ".bin", build_w2v_bin_no_space,
         TRUNCATED, AT_BYTE, "record 2 of 2: the token has no space after it", DETECT),
  BUILT ("word2vec-binary", "data after the declared records", ".bin", build_w2v_bin_trailing,
         SHAPE, AT_BYTE, "data after the 1 records the header declares", DETECT),
  BUILT ("word2vec-binary", "nan", ".bin", build_w2v_bin_nan,
         NON_FINITE, AT_BYTE, "record 1 ('a'): value 2 is nan", DETECT),
  BUILT ("word2vec-binary", "-inf", ".bin", build_w2v_bin_inf,
         NON_FINITE, AT_BYTE, "record 2 ('b'): value 2 is infinite", DETECT),

};

const MalformedTable malformed_word2vec_binary_cases = { cases, G_N_ELEMENTS (cases) };
