/* malformed-npy.c: the malformed-input cases of the .npy reader and
 * the builders of its files. */
#include <math.h>
#include <string.h>

#include "io/emb-parse.h"
#include "malformed.h"

/* builders: .npy */

static void
build_npy_bad_magic (Built *b)
{
  put (b->data, "\x93NUMPX\x01\x00", 8);
  emb_test_put_u16 (b->data, 54);
  for (guint i = 0; i < 54; i++)
    emb_test_put_u8 (b->data, ' ');
}

static void
build_npy_cut_magic (Built *b)
{
  put (b->data, "\x93NUM", 4);
  b->at = b->data->len;
}

static void
build_npy_version (Built *b)
{
  put (b->data, "\x93NUMPY", 6);
  b->at = b->data->len;
  put (b->data, "\x09\x00", 2);
  emb_test_put_u16 (b->data, 54);
  for (guint i = 0; i < 54; i++)
    emb_test_put_u8 (b->data, ' ');
}

static void
build_npy_header_past_end (Built *b)
{
  put (b->data, "\x93NUMPY\x01\x00", 8);
  emb_test_put_u16 (b->data, 1000);
  emb_test_put_str (b->data, "{'descr': '<f4', ");
  b->at = b->data->len;                 /* the file ends */
}

static void
build_npy_header_4gib (Built *b)
{
  put (b->data, "\x93NUMPY\x02\x00", 8);
  emb_test_put_u32 (b->data, G_MAXUINT32);
  emb_test_put_str (b->data, NPY_2X3);
  b->at = b->data->len;
}

static void
build_npy_not_dict (Built *b)
{
  npy_header (b->data, "[2, 3]");
  put_floats (b->data, six, 6);
  b->at = NPY_PREFIX;
}

static void
build_npy_no_shape (Built *b)
{
  npy_header (b->data, "{'descr': '<f4', 'fortran_order': False, }");
  put_floats (b->data, six, 6);
  b->at = NPY_PREFIX;
}

static void
build_npy_shape_not_tuple (Built *b)
{
  const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': 6, }";

  npy_header (b->data, dict);
  put_floats (b->data, six, 6);
  b->at = npy_at (dict, "6, }");
}

static void
build_npy_fortran_not_bool (Built *b)
{
  const char *dict = "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }";

  npy_header (b->data, dict);
  put_floats (b->data, six, 6);
  b->at = npy_at (dict, "0, 'shape'");
}

static void
build_npy_open_string (Built *b)
{
  /* The padding and the final newline follow the open quote. */
  gsize start = npy_header (b->data, "{'descr': '<f4");

  put_floats (b->data, six, 6);
  b->at = start - 1;                    /* the header's newline */
}

static void
build_npy_int32 (Built *b)
{
  npy_header (b->data, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }");
  put_floats (b->data, six, 6);
}

static void
build_npy_3d (Built *b)
{
  npy_header (b->data, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }");
  for (guint i = 0; i < 4; i++)
    put_floats (b->data, six, 6);
}

static void
build_npy_non_ascii_dtype (Built *b)
{
  npy_header (b->data, "{'descr': '<f\xff', 'fortran_order': False, 'shape': (2, 3), }");
  put_floats (b->data, six, 6);
}

static void
build_npy_huge (Built *b)
{
  const char *dict = "{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (1000000000000000, 1000000000000000), }";

  npy_header (b->data, dict);
  put_floats (b->data, six, 6);
  b->at = npy_at (dict, "(1000");
}

static void
build_npy_past_64_bits (Built *b)
{
  const char *dict = "{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (99999999999999999999, 2), }";

  npy_header (b->data, dict);
  put_floats (b->data, six, 6);
  b->at = npy_at (dict, "(9999");
}

static void
build_npy_million_squared (Built *b)
{
  gsize start = npy_header (b->data, "{'descr': '<f4', 'fortran_order': False, "
                                     "'shape': (1000000, 1000000), }");

  put_floats (b->data, six, 6);
  b->at = start + (guint64) 1000000 * 1000000 * 4;   /* where the data should end */
}

static void
build_npy_one_value_short (Built *b)
{
  gsize start = npy_header (b->data, NPY_2X3);

  put_floats (b->data, six, 5);
  b->at = start + 6 * 4;
}

static void
build_npy_empty_matrix (Built *b)
{
  npy_header (b->data, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }");
}

static void
build_npy_negative (Built *b)
{
  const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }";

  npy_header (b->data, dict);
  put_floats (b->data, six, 6);
  b->at = npy_at (dict, "(-2");
}

static void
build_npy_nan (Built *b)
{
  gsize start = npy_header (b->data, NPY_2X3);

  put_floats (b->data, six, 5);
  emb_test_put_f32 (b->data, NAN);               /* row 1, column 2 */
  b->at = start + 5 * 4;
}

static void
build_npy_f16_nan (Built *b)
{
  gsize start = npy_header (b->data, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }");
  const guint16 halves[6] = { 0x3c00, 0x7e00, 0x4000, 0x4200, 0x4400, 0x4500 };

  for (guint i = 0; i < 6; i++)
    emb_test_put_u16 (b->data, halves[i]);
  b->at = start + 1 * 2;                /* row 0, column 1 */
}

static void
build_npy_big_endian_inf (Built *b)
{
  gsize start = npy_header (b->data, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }");

  for (guint i = 0; i < 6; i++)
    {
      float f = i == 3 ? INFINITY : six[i];  /* row 1, column 0 */
      guint32 u;

      memcpy (&u, &f, 4);
      u = GUINT32_TO_BE (u);
      put (b->data, &u, 4);
    }
  b->at = start + 3 * 4;
}

static const MalformedCase cases[] = {
  /* NumPy .npy */
  BUILT ("npy", "not the .npy magic", ".npy", build_npy_bad_magic,
         FORMAT, AT_FILE, "not a NumPy .npy file", DETECT),
  BUILT ("npy", "cut inside the magic", ".npy", build_npy_cut_magic,
         TRUNCATED, AT_BYTE, "the file ends inside the .npy magic", DETECT),
  BUILT ("npy", "version 9.0", ".npy", build_npy_version,
         UNSUPPORTED, AT_BYTE, ".npy format version 9.0", DETECT),
  BUILT ("npy", "header length past the end", ".npy", build_npy_header_past_end,
         TRUNCATED, AT_BYTE, "the file ends inside the .npy header, which should end at byte 1010",
         DETECT),
  BUILT ("npy", "version 2 header length of 4 GiB", ".npy", build_npy_header_4gib,
         TRUNCATED, AT_BYTE, "which should end at byte 4294967307", DETECT),
  BUILT ("npy", "header not a dict", ".npy", build_npy_not_dict,
         PARSE, AT_BYTE, "bad .npy header: the header is not a dict", DETECT),
  BUILT ("npy", "header lacks 'shape'", ".npy", build_npy_no_shape,
         PARSE, AT_BYTE, "the header lacks 'shape'", DETECT),
  BUILT ("npy", "'shape' is a number", ".npy", build_npy_shape_not_tuple,
         PARSE, AT_BYTE, "'shape' is not a tuple of sizes", DETECT),
  BUILT ("npy", "negative size", ".npy", build_npy_negative,
         PARSE, AT_BYTE, "'shape' is not a tuple of sizes", DETECT),
  BUILT ("npy", "'fortran_order' is 0", ".npy", build_npy_fortran_not_bool,
         PARSE, AT_BYTE, "'fortran_order' is not True or False", DETECT),
  BUILT ("npy", "a string runs into the header's newline", ".npy", build_npy_open_string,
         PARSE, AT_BYTE, "a string runs past the end of the line", DETECT),
  BUILT ("npy", "int32 data", ".npy", build_npy_int32,
         UNSUPPORTED, AT_FILE, "not a 2-D float matrix (dtype '<i4', shape (2, 3))", DETECT),
  BUILT ("npy", "three dimensions", ".npy", build_npy_3d,
         UNSUPPORTED, AT_FILE, "it has 3 dimensions", DETECT),
  BUILT ("npy", "a non-ASCII byte in the dtype", ".npy", build_npy_non_ascii_dtype,
         UNSUPPORTED, AT_FILE, "not a 2-D float matrix", DETECT),
  BUILT ("npy", "shape (10^15, 10^15)", ".npy", build_npy_huge,
         TOO_LARGE, AT_BYTE, "is too large to be real", DETECT),
  BUILT ("npy", "a size past 64 bits", ".npy", build_npy_past_64_bits,
         TOO_LARGE, AT_BYTE, "is too large to be real", DETECT),
  BUILT ("npy", "shape (10^6, 10^6) in a small file", ".npy", build_npy_million_squared,
         TRUNCATED, AT_BYTE, "data of shape (1000000, 1000000) should end here", DETECT),
  BUILT ("npy", "data one value short", ".npy", build_npy_one_value_short,
         TRUNCATED, AT_BYTE, "should end here, but the file has only", DETECT),
  BUILT ("npy", "shape (0, 3)", ".npy", build_npy_empty_matrix,
         UNSUPPORTED, AT_FILE, "the matrix is empty", DETECT),
  BUILT ("npy", "nan", ".npy", build_npy_nan,
         NON_FINITE, AT_BYTE, "row 1, column 2 is nan", DETECT),
  BUILT ("npy", "float16 nan", ".npy", build_npy_f16_nan,
         NON_FINITE, AT_BYTE, "row 0, column 1 is nan", DETECT),
  BUILT ("npy", "big-endian inf", ".npy", build_npy_big_endian_inf,
         NON_FINITE, AT_BYTE, "row 1, column 0 is inf", DETECT),

};

const MalformedTable malformed_npy_cases = { cases, G_N_ELEMENTS (cases) };
