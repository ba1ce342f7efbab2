/* test-malformed.c: what every reader says about a broken file.
 *
 * A table of malformed files, several per format and per vocabulary
 * reader, each built here byte by byte: empty, header only, cut short,
 * wrong counts, bad numbers, invalid UTF-8, sizes no file can hold, rows
 * of mixed lengths.  For each case the test knows, from how it built the
 * file, the error code the load must give and the line or byte its
 * message must name ("the second line", "the byte where the data should
 * end"), never from the program's own output.  Every message must start
 * with the file, name the place in the documented form
 * ("FILE:LINE: cause", "FILE: byte OFFSET: cause" or "FILE: cause"),
 * contain a phrase saying the cause, be valid UTF-8 on one line, and come
 * back at once: sizes a file only declares are never allocated.
 *
 * The exact messages are printed as a table ("format | case | message"),
 * one line per case (shown with --verbose, or as TAP comments), so a test
 * run documents what a user sees.
 *
 * Each case is loaded with its reader named, and again with the format
 * detected where detection picks the same reader (the message must be
 * the same); nan and inf cases must load once they are read as 0.
 *
 * Then, for every reader and every vocabulary file: an empty file, a
 * folder, a missing file, a named pipe and an unreadable file (skipped as
 * root).  Tokens that are not valid UTF-8 are not an error: they load,
 * keep their bytes and show with U+FFFD.  Last, each small valid file is
 * cut at every byte: every cut must fail cleanly, or, where the cut
 * happens to leave a valid shorter file, load with fewer rows.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "io/emb-parse.h"
#include "base/emb-error.h"
#include "emb-test-util.h"

/* Each load should take well under a millisecond; a load that takes
 * seconds did work in proportion to a size the file only declares.  The
 * bound is loose so that a busy machine does not fail the test. */
#define MAX_LOAD_USEC (5 * G_USEC_PER_SEC)

/* The peak resident size of the whole run: no case may allocate what a
 * file merely declares. */
#define MAX_RSS_KB (1024 * 1024)

/* The bytes before a version 1.0 .npy header: magic, version, u16 length. */
#define NPY_PREFIX 10

/* GGUF metadata value types and ggml tensor types, as the format numbers them. */
enum
{
  GV_U8 = 0,
  GV_U32 = 4,
  GV_BOOL = 7,
  GV_STRING = 8,
  GV_ARRAY = 9,
};

enum
{
  GT_F32 = 0,
  GT_Q8_0 = 8,
  GT_Q4_K = 12,
};

/* What a message names after the file. */
typedef enum
{
  AT_FILE,   /* "FILE: cause" */
  AT_LINE,   /* "FILE:LINE: cause" */
  AT_BYTE,   /* "FILE: byte OFFSET: cause" */
} Place;

static const char * const place_names[] = { "the file", "a line", "a byte" };

/* Which line or byte is right. */
typedef enum
{
  POS_EXACT,    /* at[0] */
  POS_EITHER,   /* at[0] or at[1] */
  POS_UPTO,     /* at most at[0] */
  POS_ANY,
} PosRule;

typedef struct
{
  gint        code;       /* an EmbErrorCode, or -1: any */
  gboolean    any_place;  /* else the message names place */
  Place       place;
  PosRule     pos;
  guint64     at[2];
  const char *phrase;     /* the message contains it; NULL: no phrase asked */
} Expect;

static const char *
code_name (gint code)
{
  static const char * const names[] = {
    "IO", "FORMAT", "PARSE", "TRUNCATED", "NON_FINITE", "UNSUPPORTED",
    "TOO_LARGE", "SHAPE", "NOT_FOUND", "INVALID",
  };

  return code >= 0 && code < (gint) G_N_ELEMENTS (names) ? names[code] : "?";
}

/* auxiliary functions: building files */

static void
put (GByteArray *b,
     const void *data,
     gsize       len)
{
  g_byte_array_append (b, data, len);
}

static void
put_str (GByteArray *b,
         const char *s)
{
  put (b, s, strlen (s));
}

static void
put_floats (GByteArray  *b,
            const float *values,
            gsize        n)
{
  for (gsize i = 0; i < n; i++)
    emb_test_put_f32 (b, values[i]);
}

static void
put_zeros (GByteArray *b,
           gsize       n)
{
  for (gsize i = 0; i < n; i++)
    emb_test_put_u8 (b, 0);
}

/* A 2 x 3 matrix whose float32 bytes hold no space, tab or newline. */
static const float six[6] = { 1, 2, 3, 4, 5, 6 };

/* The 1-based line of text holding the first occurrence of mark. */
static guint64
line_of (const char *text,
         const char *mark)
{
  const char *at = strstr (text, mark);
  guint64 line = 1;

  g_assert_nonnull (at);
  for (const char *p = text; p < at; p++)
    line += *p == '\n';
  return line;
}

/* The byte of text where mark first occurs. */
static guint64
offset_of (const char *text,
           const char *mark)
{
  const char *at = strstr (text, mark);

  g_assert_nonnull (at);
  return at - text;
}

/* The byte where the n-th (from 1) occurrence of c is. */
static guint64
nth_char (const char *text,
          char        c,
          guint       n)
{
  for (const char *p = text; *p != '\0'; p++)
    if (*p == c && --n == 0)
      return p - text;
  g_assert_not_reached ();
  return 0;
}

/* A version 1.0 .npy header holding dict, padded with spaces and a
 * newline so that the data starts at a multiple of 64 bytes, as numpy
 * writes it.  Returns where the data starts. */
static gsize
npy_header (GByteArray *b,
            const char *dict)
{
  gsize len = strlen (dict);
  gsize pad = (64 - (NPY_PREFIX + len + 1) % 64) % 64;

  put (b, "\x93NUMPY\x01\x00", 8);
  emb_test_put_u16 (b, len + pad + 1);
  put_str (b, dict);
  for (gsize i = 0; i < pad; i++)
    emb_test_put_u8 (b, ' ');
  emb_test_put_u8 (b, '\n');
  return b->len;
}

/* The file byte of mark inside the header dict of npy_header (). */
static guint64
npy_at (const char *dict,
        const char *mark)
{
  return NPY_PREFIX + offset_of (dict, mark);
}

#define NPY_2X3 "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"

/* A valid 2 x 3 float32 .npy; returns where the data starts. */
static gsize
npy_valid (GByteArray *b)
{
  gsize start = npy_header (b, NPY_2X3);

  put_floats (b, six, 6);
  return start;
}

/* The u64 header length and the JSON header of a safetensors file;
 * returns where the data starts. */
static gsize
st_header (GByteArray *b,
           const char *json)
{
  emb_test_put_u64 (b, strlen (json));
  put_str (b, json);
  return b->len;
}

/* The file byte of mark inside the JSON of st_header (). */
static guint64
st_at (const char *json,
       const char *mark)
{
  return 8 + offset_of (json, mark);
}

#define ST_W "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}"

static void
gguf_head (GByteArray *b,
           guint32     version,
           guint64     n_tensors,
           guint64     n_kv)
{
  put_str (b, "GGUF");
  emb_test_put_u32 (b, version);
  emb_test_put_u64 (b, n_tensors);
  emb_test_put_u64 (b, n_kv);
}

static void
gguf_string (GByteArray *b,
             const char *s)
{
  emb_test_put_u64 (b, strlen (s));
  put_str (b, s);
}

static void
gguf_key (GByteArray *b,
          const char *key,
          guint32     type)
{
  gguf_string (b, key);
  emb_test_put_u32 (b, type);
}

static void
gguf_tokens (GByteArray        *b,
             const char * const *tokens,
             guint               n)
{
  gguf_key (b, "tokenizer.ggml.tokens", GV_ARRAY);
  emb_test_put_u32 (b, GV_STRING);
  emb_test_put_u64 (b, n);
  for (guint i = 0; i < n; i++)
    gguf_string (b, tokens[i]);
}

/* A 2-D tensor info: rows of cols values (ggml lists ne = [cols, rows]).
 * Returns where its offset field is. */
static gsize
gguf_tensor (GByteArray *b,
             const char *name,
             guint64     cols,
             guint64     rows,
             guint32     type,
             guint64     offset)
{
  gsize at;

  gguf_string (b, name);
  emb_test_put_u32 (b, 2);
  emb_test_put_u64 (b, cols);
  emb_test_put_u64 (b, rows);
  emb_test_put_u32 (b, type);
  at = b->len;
  emb_test_put_u64 (b, offset);
  return at;
}

/* Zero padding to the default alignment of 32; returns the data start. */
static gsize
gguf_align (GByteArray *b)
{
  while (b->len % 32 != 0)
    emb_test_put_u8 (b, 0);
  return b->len;
}

/* A valid file: version 3, general.alignment 32, the two tokens, and
 * token_embd.weight, F32, 2 rows of 3 values.  *infos_end (may be NULL)
 * is where the tensor infos end; returns where the data starts. */
static gsize
gguf_valid (GByteArray         *b,
            const char * const *tokens,
            const float        *values,
            gsize              *infos_end)
{
  gsize start;

  gguf_head (b, 3, 1, 2);
  gguf_key (b, "general.alignment", GV_U32);
  emb_test_put_u32 (b, 32);
  gguf_tokens (b, tokens, 2);
  gguf_tensor (b, "token_embd.weight", 3, 2, GT_F32, 0);
  if (infos_end != NULL)
    *infos_end = b->len;
  start = gguf_align (b);
  put_floats (b, values, 6);
  return start;
}

static const char * const two_tokens[2] = { "a", "b" };

/* auxiliary functions: the cases */

typedef struct
{
  const char *prefix;      /* unique to the case: names its files */
  GByteArray *data;        /* the file */
  guint64     at;          /* the line or byte the message must name */
  char       *named;       /* the file the message starts with; NULL: the case's own */
  gsize       shape_rows;  /* options.shape_rows and shape_cols */
  gsize       shape_cols;
} Built;

typedef void (*BuildFunc) (Built *b);

enum
{
  DETECT = 1 << 0,  /* detection picks the same reader: also load with format NULL */
  VOCAB = 1 << 1,   /* the file is options.vocab_path for a valid 2 x 3 .npy */
};

typedef struct
{
  const char  *format;  /* the reader, or with VOCAB the kind of vocabulary */
  const char  *what;
  const char  *ext;     /* how the file's name ends */
  const char  *text;    /* the file, when it is text, ... */
  const char  *mark;    /* ... and where in it the message points */
  BuildFunc    build;   /* else: builds the file */
  EmbErrorCode code;
  Place        place;
  const char  *phrase;
  guint        flags;
} MalformedCase;

/* Writes a file beside the case's file, named PREFIX-suffix; returns that
 * name (to free), which is what a config or index refers to it by. */
static char *
companion (Built      *b,
           const char *suffix,
           const void *data,
           gssize      len)
{
  char *name = g_strdup_printf ("%s-%s", b->prefix, suffix);

  emb_test_write (name, data, len);
  return name;
}

/* The message names a companion file by its full path. */
static void
name_companion (Built      *b,
                const char *name)
{
  g_free (b->named);
  b->named = g_build_filename (emb_test_tmpdir (), name, NULL);
}

/* A companion file of float32 values. */
static char *
companion_floats (Built       *b,
                  const char  *suffix,
                  const float *values,
                  gsize        n)
{
  g_autoptr(GByteArray) f = g_byte_array_new ();

  put_floats (f, values, n);
  return companion (b, suffix, f->data, f->len);
}

/* builders: word2vec binary */

static void
build_w2v_bin_short_vector (Built *b)
{
  put_str (b->data, "2 2\n");
  put_str (b->data, "alphabetical ");
  put_floats (b->data, six, 2);
  put_str (b->data, "\nb ");
  b->at = b->data->len;                 /* where record 2's vector starts */
  put_floats (b->data, six + 2, 1);     /* half of it */
}

static void
build_w2v_bin_short_vector_utf8 (Built *b)
{
  put_str (b->data, "2 2\n");
  put_str (b->data, "alphabetical ");
  put_floats (b->data, six, 2);
  put_str (b->data, "\nb\xff\xfe ");
  b->at = b->data->len;
  put_floats (b->data, six + 2, 1);
}

static void
build_w2v_bin_no_space (Built *b)
{
  put_str (b->data, "2 2\n");
  put_str (b->data, "alphabetical ");
  put_floats (b->data, six, 2);
  put_str (b->data, "\n");
  b->at = b->data->len;                 /* where record 2's token starts */
  put_str (b->data, "tailtoken");
}

static void
build_w2v_bin_trailing (Built *b)
{
  put_str (b->data, "1 2\n");
  put_str (b->data, "a ");
  put_floats (b->data, six, 2);
  put_str (b->data, "\n");
  b->at = b->data->len;
  put_str (b->data, "junk");
}

static void
build_w2v_bin_nan (Built *b)
{
  put_str (b->data, "1 3\n");
  put_str (b->data, "a ");
  emb_test_put_f32 (b->data, 1);
  b->at = b->data->len;                 /* value 2 */
  emb_test_put_f32 (b->data, NAN);
  emb_test_put_f32 (b->data, 2);
  put_str (b->data, "\n");
}

static void
build_w2v_bin_inf (Built *b)
{
  put_str (b->data, "2 2\n");
  put_str (b->data, "a ");
  put_floats (b->data, six, 2);
  put_str (b->data, "\nb ");
  emb_test_put_f32 (b->data, 1);
  b->at = b->data->len;
  emb_test_put_f32 (b->data, -INFINITY);
  put_str (b->data, "\n");
}

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
  put_str (b->data, "{'descr': '<f4', ");
  b->at = b->data->len;                 /* the file ends */
}

static void
build_npy_header_4gib (Built *b)
{
  put (b->data, "\x93NUMPY\x02\x00", 8);
  emb_test_put_u32 (b->data, G_MAXUINT32);
  put_str (b->data, NPY_2X3);
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

/* builders: safetensors */

static void
build_st_short_length (Built *b)
{
  put (b->data, "\x10\x00\x00", 3);
  b->at = b->data->len;
}

static void
build_st_header_over_limit (Built *b)
{
  emb_test_put_u64 (b->data, 200000000);
  put_str (b->data, ST_W);
  put_floats (b->data, six, 6);
  b->at = 0;
}

static void
build_st_header_2_64 (Built *b)
{
  emb_test_put_u64 (b->data, G_MAXUINT64);
  put_str (b->data, ST_W);
  put_floats (b->data, six, 6);
  b->at = 0;
}

static void
build_st_header_past_end (Built *b)
{
  emb_test_put_u64 (b->data, 1000);
  put_str (b->data, ST_W);
  put_floats (b->data, six, 6);
  b->at = b->data->len;
}

static void
build_st_not_object (Built *b)
{
  st_header (b->data, "[1]");
  b->at = 8;
}

/* A 2 x 3 F32 file whose header is json; b->at is where mark is. */
static void
st_with (Built      *b,
         const char *json,
         const char *mark)
{
  st_header (b->data, json);
  put_floats (b->data, six, 6);
  if (mark != NULL)
    b->at = st_at (json, mark);
}

static void
build_st_bad_utf8 (Built *b)
{
  st_with (b, "{\"w\xff\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", "\xff");
}

static void
build_st_control_char (Built *b)
{
  st_with (b, "{\"w\x01\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", "\x01");
}

static void
build_st_leading_zero (Built *b)
{
  st_with (b, "{\"w\":{\"dtype\":\"F32\",\"shape\":[02,3],\"data_offsets\":[0,24]}}", "02");
}

static void
build_st_past_63_bits (Built *b)
{
  st_with (b, "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999,3],"
              "\"data_offsets\":[0,24]}}", "9999");
}

static void
build_st_unclosed (Built *b)
{
  const char *json = "{\"w\": {";

  st_header (b->data, json);
  b->at = 8 + strlen (json);            /* the end of the header */
}

static void
build_st_huge_shape (Built *b)
{
  /* 2^40 x 2^40 elements: more than 64 bits can count. */
  st_with (b, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],"
              "\"data_offsets\":[0,24]}}", "\"w\"");
}

static void
build_st_offsets_mismatch (Built *b)
{
  st_header (b->data, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}");
  put_floats (b->data, six, 5);
  b->at = 8 + 1;                        /* the key "w" */
}

static void
build_st_data_short (Built *b)
{
  st_header (b->data, ST_W);
  put_floats (b->data, six, 5);
  b->at = b->data->len;                 /* the file ends */
}

static void
build_st_extra_bytes (Built *b)
{
  gsize start = st_header (b->data, ST_W);

  put_floats (b->data, six, 6);
  emb_test_put_f32 (b->data, 7);
  b->at = start + 24;                   /* where the tensor data ends */
}

static void
build_st_gap (Built *b)
{
  const char *json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[4,28]}}";

  st_header (b->data, json);
  emb_test_put_f32 (b->data, 0);
  put_floats (b->data, six, 6);
  b->at = st_at (json, "\"w\"");
}

static void
build_st_overlap (Built *b)
{
  const char *json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                     "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}}";

  st_header (b->data, json);
  put_floats (b->data, six, 6);
  put_floats (b->data, six, 2);
  b->at = st_at (json, "\"b\"");
}

static void
build_st_named_twice (Built *b)
{
  const char *json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                     "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";

  st_header (b->data, json);
  put_floats (b->data, six, 6);
  b->at = 8 + 2 + offset_of (json + 2, "\"w\"");   /* the second "w" */
}

static void
build_st_no_dtype (Built *b)
{
  st_with (b, "{\"w\":{\"shape\":[2,3],\"data_offsets\":[0,24]}}", "\"w\"");
}

static void
build_st_entry_not_object (Built *b)
{
  st_with (b, "{\"w\":5}", "\"w\"");
}

static void
build_st_only_integers (Built *b)
{
  st_header (b->data, "{\"w\":{\"dtype\":\"I32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}");
  for (guint i = 0; i < 6; i++)
    emb_test_put_u32 (b->data, i);
}

static void
build_st_nan (Built *b)
{
  gsize start = st_header (b->data, ST_W);

  emb_test_put_f32 (b->data, 1);
  emb_test_put_f32 (b->data, NAN);               /* row 0, column 1 */
  put_floats (b->data, six + 2, 4);
  b->at = start + 4;
}

/* An array nested 100 deep; the message points at the bracket that
 * opens level EMB_JSON_MAX_DEPTH + 1 (the outer object is level 1). */
static void
build_st_deep (Built *b)
{
  g_autoptr(GString) json = g_string_new ("{\"w\":");

  for (guint i = 0; i < 100; i++)
    g_string_append_c (json, '[');
  st_header (b->data, json->str);
  b->at = 8 + nth_char (json->str, '[', EMB_JSON_MAX_DEPTH);
}

/* builders: safetensors index */

static void
build_index_unclosed (Built *b)
{
  put_str (b->data, "{\"weight_map\": {\"w\": \"a.safetensors\"");
  b->at = b->data->len;                 /* the end of the file */
}

static void
build_index_deep (Built *b)
{
  g_autoptr(GString) json = g_string_new ("{\"weight_map\": {}, \"x\": ");

  for (guint i = 0; i < 100; i++)
    g_string_append_c (json, '[');
  put_str (b->data, json->str);
  b->at = nth_char (json->str, '[', EMB_JSON_MAX_DEPTH);
}

static void
build_index_cut_shard (Built *b)
{
  g_autoptr(GByteArray) shard = g_byte_array_new ();
  g_autofree char *name = NULL;
  g_autofree char *json = NULL;

  st_header (shard, ST_W);
  put_floats (shard, six, 5);
  name = companion (b, "shard.safetensors", shard->data, shard->len);
  json = g_strdup_printf ("{\"weight_map\": {\"w\": \"%s\"}}", name);
  put_str (b->data, json);
}

static void
build_index_wrong_tensor (Built *b)
{
  g_autoptr(GByteArray) shard = g_byte_array_new ();
  g_autofree char *name = NULL;
  g_autofree char *json = NULL;

  st_header (shard, ST_W);
  put_floats (shard, six, 6);
  name = companion (b, "shard.safetensors", shard->data, shard->len);
  json = g_strdup_printf ("{\"weight_map\": {\"v\": \"%s\"}}", name);
  put_str (b->data, json);
  b->at = offset_of (json, "\"weight_map\"");
}

/* builders: projector config */

static void
build_config_no_shape (Built *b)
{
  g_autofree char *tensor = companion_floats (b, "t.bytes", six, 6);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\"}]}", tensor);

  put_str (b->data, json);
}

static void
build_config_negative_shape (Built *b)
{
  g_autofree char *tensor = companion_floats (b, "t.bytes", six, 6);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\", \"tensorShape\": [-2, 3]}]}",
                                           tensor);

  put_str (b->data, json);
}

static void
build_config_shape_mismatch (Built *b)
{
  g_autofree char *tensor = companion_floats (b, "t.bytes", six, 6);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\", \"tensorShape\": [2, 4]}]}",
                                           tensor);

  put_str (b->data, json);
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

  put_str (b->data, json);
  name_companion (b, tensor);
}

static void
build_config_tsv_other_shape (Built *b)
{
  g_autofree char *tensor = companion (b, "t.tsv", "0.1\t0.2\n0.3\t0.4\n", -1);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\", \"tensorShape\": [3, 2]}]}",
                                           tensor);

  put_str (b->data, json);
}

static void
build_config_tsv_bad_row (Built *b)
{
  const char *tsv = "0.1\t0.2\n0.3\n";
  g_autofree char *tensor = companion (b, "t.tsv", tsv, -1);
  g_autofree char *json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", "
                                           "\"tensorPath\": \"%s\"}]}", tensor);

  put_str (b->data, json);
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

  put_str (b->data, json);
  name_companion (b, meta);
}

static void
build_config_deep (Built *b)
{
  g_autoptr(GString) json = g_string_new ("{\"embeddings\": ");

  for (guint i = 0; i < 100; i++)
    g_string_append_c (json, '[');
  put_str (b->data, json->str);
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

/* builders: GGUF */

static void
build_gguf_bad_magic (Built *b)
{
  put_str (b->data, "GGUX");
  emb_test_put_u32 (b->data, 3);
  emb_test_put_u64 (b->data, 0);
  emb_test_put_u64 (b->data, 0);
}

static void
build_gguf_cut_magic (Built *b)
{
  put_str (b->data, "GG");
  b->at = b->data->len;
}

static void
build_gguf_version_1 (Built *b)
{
  gguf_head (b->data, 1, 1, 0);
  b->at = 4;
}

static void
build_gguf_version_7 (Built *b)
{
  gguf_head (b->data, 7, 1, 0);
  b->at = 4;
}

static void
build_gguf_big_endian (Built *b)
{
  put_str (b->data, "GGUF");
  b->at = b->data->len;
  put (b->data, "\x00\x00\x00\x03", 4);
  put (b->data, "\x00\x00\x00\x00\x00\x00\x00\x01", 8);
  emb_test_put_u64 (b->data, 0);
}

static void
build_gguf_header_only (Built *b)
{
  gguf_head (b->data, 3, 1, 2);
  b->at = b->data->len;                 /* where the metadata should start */
}

static void
build_gguf_many_pairs (Built *b)
{
  gguf_head (b->data, 3, 1, G_GUINT64_CONSTANT (1) << 62);
  b->at = b->data->len;
  put_zeros (b->data, 64);
}

static void
build_gguf_many_tensors (Built *b)
{
  gguf_head (b->data, 3, G_GUINT64_CONSTANT (1) << 62, 0);
  b->at = b->data->len;
  put_zeros (b->data, 64);
}

static void
build_gguf_huge_u8_array (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_key (b->data, "big", GV_ARRAY);
  emb_test_put_u32 (b->data, GV_U8);
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 62);
  b->at = b->data->len;                 /* where its values would start */
  put_zeros (b->data, 64);
}

static void
build_gguf_huge_string_array (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_key (b->data, "big", GV_ARRAY);
  emb_test_put_u32 (b->data, GV_STRING);
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 62);
  b->at = b->data->len;
  put_zeros (b->data, 64);
}

static void
build_gguf_huge_key (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  b->at = b->data->len;                 /* the key's length */
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 63);
  put_str (b->data, "general.name");
  put_zeros (b->data, 16);
}

static void
build_gguf_unknown_type (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_string (b->data, "k");
  b->at = b->data->len;
  emb_test_put_u32 (b->data, 99);
  put_zeros (b->data, 16);
}

static void
build_gguf_unknown_type_utf8 (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_string (b->data, "bad\xff\xfekey");
  b->at = b->data->len;
  emb_test_put_u32 (b->data, 99);
  put_zeros (b->data, 16);
}

static void
build_gguf_bool_7 (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_key (b->data, "flag", GV_BOOL);
  b->at = b->data->len;
  emb_test_put_u8 (b->data, 7);
  put_zeros (b->data, 16);
}

static void
build_gguf_alignment_3 (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_key (b->data, "general.alignment", GV_U32);
  b->at = b->data->len;
  emb_test_put_u32 (b->data, 3);
  put_zeros (b->data, 16);
}

static void
build_gguf_tokens_not_strings (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_string (b->data, "tokenizer.ggml.tokens");
  b->at = b->data->len;                 /* its value type */
  emb_test_put_u32 (b->data, GV_U32);
  emb_test_put_u32 (b->data, 5);
  put_zeros (b->data, 16);
}

static void
build_gguf_ne_overflow (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  gguf_string (b->data, "token_embd.weight");
  emb_test_put_u32 (b->data, 2);
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 32);
  b->at = b->data->len;                 /* 2^32 x 2^32 overflows here */
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 32);
  emb_test_put_u32 (b->data, GT_F32);
  emb_test_put_u64 (b->data, 0);
  gguf_align (b->data);
  put_floats (b->data, six, 6);
}

static void
build_gguf_ne_past_int64 (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  gguf_string (b->data, "token_embd.weight");
  emb_test_put_u32 (b->data, 2);
  b->at = b->data->len;
  emb_test_put_u64 (b->data, G_MAXUINT64);
  emb_test_put_u64 (b->data, 2);
  emb_test_put_u32 (b->data, GT_F32);
  emb_test_put_u64 (b->data, 0);
  gguf_align (b->data);
  put_floats (b->data, six, 6);
}

static void
build_gguf_five_dims (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  gguf_string (b->data, "token_embd.weight");
  b->at = b->data->len;
  emb_test_put_u32 (b->data, 5);
  for (guint i = 0; i < 5; i++)
    emb_test_put_u64 (b->data, 1);
  emb_test_put_u32 (b->data, GT_F32);
  emb_test_put_u64 (b->data, 0);
  gguf_align (b->data);
  put_floats (b->data, six, 1);
}

static void
build_gguf_partial_block (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  gguf_string (b->data, "token_embd.weight");
  emb_test_put_u32 (b->data, 2);
  emb_test_put_u64 (b->data, 10);
  emb_test_put_u64 (b->data, 2);
  b->at = b->data->len;                 /* the type */
  emb_test_put_u32 (b->data, GT_Q8_0);
  emb_test_put_u64 (b->data, 0);
  gguf_align (b->data);
  put_zeros (b->data, 68);
}

static void
build_gguf_unaligned (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  b->at = gguf_tensor (b->data, "token_embd.weight", 3, 2, GT_F32, 4);
  gguf_align (b->data);
  put_zeros (b->data, 4);
  put_floats (b->data, six, 6);
}

static void
build_gguf_offset_past_2_64 (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  b->at = gguf_tensor (b->data, "token_embd.weight", 3, 2, GT_F32,
                       G_MAXUINT64 - 31);   /* aligned, but start + size wraps */
  gguf_align (b->data);
  put_floats (b->data, six, 6);
}

static void
build_gguf_data_short (Built *b)
{
  gsize start = gguf_valid (b->data, two_tokens, six, NULL);

  g_byte_array_set_size (b->data, b->data->len - 4);
  b->at = start + 6 * 4;                /* where the data should end */
}

static void
build_gguf_listed_twice (Built *b)
{
  gguf_head (b->data, 3, 2, 0);
  gguf_tensor (b->data, "token_embd.weight", 3, 2, GT_F32, 0);
  b->at = b->data->len;                 /* the second info */
  gguf_tensor (b->data, "token_embd.weight", 3, 2, GT_F32, 32);
  gguf_align (b->data);
  put_floats (b->data, six, 6);
  put_zeros (b->data, 8);
  put_floats (b->data, six, 6);
}

static void
build_gguf_listed_twice_utf8 (Built *b)
{
  gguf_head (b->data, 3, 2, 0);
  gguf_tensor (b->data, "t\xff", 3, 2, GT_F32, 0);
  b->at = b->data->len;
  gguf_tensor (b->data, "t\xff", 3, 2, GT_F32, 32);
  gguf_align (b->data);
  put_floats (b->data, six, 6);
  put_zeros (b->data, 8);
  put_floats (b->data, six, 6);
}

static void
build_gguf_vocab_only (Built *b)
{
  gguf_head (b->data, 3, 0, 1);
  gguf_tokens (b->data, two_tokens, 2);
}

static void
build_gguf_q4_k (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  b->at = b->data->len;                 /* the tensor's info */
  gguf_tensor (b->data, "token_embd.weight", 256, 2, GT_Q4_K, 0);
  gguf_align (b->data);
  put_zeros (b->data, 2 * 144);
}

static void
build_gguf_nan (Built *b)
{
  const float values[6] = { 1, 2, 3, NAN, 5, 6 };   /* row 1, column 0 */
  gsize start = gguf_valid (b->data, two_tokens, values, NULL);

  b->at = start + 3 * 4;
}

/* builders: vocabularies (the matrix is a valid 2 x 3 .npy) */

static void
build_vocab_gguf_no_tokens (Built *b)
{
  gguf_head (b->data, 3, 0, 1);
  gguf_key (b->data, "general.alignment", GV_U32);
  emb_test_put_u32 (b->data, 32);
}

static void
build_vocab_gguf_many_tokens (Built *b)
{
  gguf_head (b->data, 3, 0, 1);
  gguf_key (b->data, "tokenizer.ggml.tokens", GV_ARRAY);
  emb_test_put_u32 (b->data, GV_STRING);
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 62);
  b->at = b->data->len;
  gguf_string (b->data, "a");
  gguf_string (b->data, "b");
}

static void
build_vocab_gguf_token_past_end (Built *b)
{
  gguf_head (b->data, 3, 0, 1);
  gguf_key (b->data, "tokenizer.ggml.tokens", GV_ARRAY);
  emb_test_put_u32 (b->data, GV_STRING);
  emb_test_put_u64 (b->data, 2);
  gguf_string (b->data, "a");
  b->at = b->data->len;                 /* the second token's length */
  emb_test_put_u64 (b->data, 100);
  put_str (b->data, "b");
}

static void
build_vocab_json_deep (Built *b)
{
  g_autoptr(GString) json = g_string_new (NULL);

  for (guint i = 0; i < 100; i++)
    g_string_append_c (json, '[');
  put_str (b->data, json->str);
  /* The bracket that opens level 65. */
  b->at = nth_char (json->str, '[', EMB_JSON_MAX_DEPTH + 1);
}

static void
build_empty (Built *b)
{
}

#define TEXT(format, what, ext, text, mark, code, place, phrase, flags) \
  { format, what, ext, text, mark, NULL, EMB_ERROR_##code, place, phrase, flags }
#define BUILT(format, what, ext, build, code, place, phrase, flags) \
  { format, what, ext, NULL, NULL, build, EMB_ERROR_##code, place, phrase, flags }

/* Grouped by format: each group is one test. */
static const MalformedCase cases[] = {
  /* GloVe: "token v1 .. vd", no header. */
  TEXT ("glove", "only blank lines", ".txt", "\n  \n\t\n", NULL,
        FORMAT, AT_FILE, "no vectors found", DETECT),
  TEXT ("glove", "a token with no values, after blank lines", ".txt",
        "\n\nhello\nworld 1 2\n", "hello",
        FORMAT, AT_LINE, "'hello' has no values after it", DETECT),
  TEXT ("glove", "a row with a value missing", ".txt",
        "a 1 2 3\nb 4 5\nc 6 7 8\n", "b 4 5",
        SHAPE, AT_LINE, "expected 3 values, found 2", DETECT),
  TEXT ("glove", "a row with a value too many", ".txt",
        "a 1 2\nb 3 4 5\n", "b 3",
        SHAPE, AT_LINE, "expected 2 values, found 3", DETECT),
  TEXT ("glove", "a CRLF row with a value missing", ".txt",
        "a 1 2\r\nb 3\r\nc 4 5\r\n", "b 3",
        SHAPE, AT_LINE, "expected 2 values, found 1", DETECT),
  TEXT ("glove", "a bad number", ".txt",
        "a 1 2\nb 3 x4\n", "b 3",
        PARSE, AT_LINE, "'x4' is not a number", DETECT),
  /* 'x' is the 3rd character of its line. */
  TEXT ("glove", "a bad first value", ".txt",
        "a 1 2\nb x 2\n", "b x",
        PARSE, AT_LINE, "value 1 (column 3): 'x' is not a number", DETECT),
  TEXT ("glove", "invalid UTF-8 in a bad value", ".txt",
        "a 1 2\nb 3 \xff\xfe\n", "b 3",
        PARSE, AT_LINE, "is not a number", DETECT),
  TEXT ("glove", "a long bad value", ".txt",
        "a 1 2\nb 3 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", "b 3",
        PARSE, AT_LINE, "…' is not a number", DETECT),
  TEXT ("glove", "nan", ".txt",
        "a 1 2\nb nan 3\n", "b nan",
        NON_FINITE, AT_LINE, "'nan' is not a finite number", DETECT),
  TEXT ("glove", "a value past the float range", ".txt",
        "a 1 2\nb 1e99 3\n", "b 1e99",
        NON_FINITE, AT_LINE, "'1e99' is outside the float range", DETECT),

  /* word2vec / fastText text: a "ROWS COLUMNS" header line. */
  TEXT ("word2vec-text", "header only", ".vec", "2 3\n", "2 3",
        TRUNCATED, AT_LINE, "but the file has 0 after the header", DETECT),
  TEXT ("word2vec-text", "header not two numbers", ".vec", "2 x\na 1 2\nb 3 4\n", "2 x",
        PARSE, AT_LINE, "expected a header line 'ROWS COLUMNS'", 0),
  TEXT ("word2vec-text", "header says 0 columns", ".vec", "2 0\na\nb\n", "2 0",
        PARSE, AT_LINE, "header says rows have 0 values", 0),
  TEXT ("word2vec-text", "fewer rows than the header says", ".vec",
        "3 2\na 1.0 2.0\nb 3.0 4.0\n", "3 2",
        TRUNCATED, AT_LINE, "header says 3 rows, file has 2", DETECT),
  TEXT ("word2vec-text", "a header then blank lines only", ".vec",
        "2 2\n\n\n\n\n\n\n\n\n\n\n", "2 2",
        TRUNCATED, AT_LINE, "header says 2 rows, file has 0", DETECT),
  TEXT ("word2vec-text", "more rows than the header says", ".vec",
        "1 2\na 1 2\nb 3 4\n", "b 3 4",
        SHAPE, AT_LINE, "header says 1 row, file has more", DETECT),
  TEXT ("word2vec-text", "a row with a value missing", ".vec",
        "2 3\na 1 2 3\nb 1 2\n", "b 1 2",
        SHAPE, AT_LINE, "expected 3 values, found 2", DETECT),
  TEXT ("word2vec-text", "a bad number", ".vec",
        "2 2\na 1 2\nb 1 zz\n", "b 1",
        PARSE, AT_LINE, "'zz' is not a number", DETECT),
  TEXT ("word2vec-text", "header 10^15 x 10^15", ".vec",
        "1000000000000000 1000000000000000\na 1\n", "1000",
        TOO_LARGE, AT_LINE, "which does not fit in memory", DETECT),
  TEXT ("word2vec-text", "header 10^15 rows of 3", ".vec",
        "1000000000000000 3\na 1 2 3\n", "1000",
        TRUNCATED, AT_LINE, "which need at least 6999999999999999 bytes", DETECT),
  TEXT ("word2vec-text", "header numbers past 64 bits", ".vec",
        "99999999999999999999999 2\na 1 2\n", "9999",
        TOO_LARGE, AT_LINE, "the header's sizes are too large", DETECT),

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

  /* safetensors */
  BUILT ("safetensors", "shorter than the length field", ".safetensors", build_st_short_length,
         TRUNCATED, AT_BYTE, "the file ends inside the 8-byte header length", DETECT),
  BUILT ("safetensors", "header length of 200 MB", ".safetensors", build_st_header_over_limit,
         TOO_LARGE, AT_BYTE, "the header length 200000000 is more than the 100000000 bytes", DETECT),
  BUILT ("safetensors", "header length 2^64 - 1", ".safetensors", build_st_header_2_64,
         TOO_LARGE, AT_BYTE, "the header length 18446744073709551615 is more than", DETECT),
  BUILT ("safetensors", "header length past the end", ".safetensors", build_st_header_past_end,
         TRUNCATED, AT_BYTE, "the file ends inside the header, which should end at byte 1008", DETECT),
  BUILT ("safetensors", "header not an object", ".safetensors", build_st_not_object,
         PARSE, AT_BYTE, "the header is not a JSON object", DETECT),
  BUILT ("safetensors", "invalid UTF-8 in a name", ".safetensors", build_st_bad_utf8,
         PARSE, AT_BYTE, "the JSON is not valid UTF-8", DETECT),
  BUILT ("safetensors", "a control character in a name", ".safetensors", build_st_control_char,
         PARSE, AT_BYTE, "a control character (0x01) inside a JSON string", DETECT),
  BUILT ("safetensors", "a number with a leading zero", ".safetensors", build_st_leading_zero,
         PARSE, AT_BYTE, "'02' is not a JSON number", DETECT),
  BUILT ("safetensors", "a size past 63 bits", ".safetensors", build_st_past_63_bits,
         TOO_LARGE, AT_BYTE, "does not fit in 63 bits", DETECT),
  BUILT ("safetensors", "the JSON ends inside an object", ".safetensors", build_st_unclosed,
         PARSE, AT_BYTE, "the JSON ends inside an unclosed '{'", DETECT),
  BUILT ("safetensors", "nesting 100 deep", ".safetensors", build_st_deep,
         PARSE, AT_BYTE, "the JSON nests more than 64 levels deep", DETECT),
  BUILT ("safetensors", "shape [2^40, 2^40]", ".safetensors", build_st_huge_shape,
         TOO_LARGE, AT_BYTE, "has too many elements to be real", DETECT),
  BUILT ("safetensors", "data_offsets that do not fit the shape", ".safetensors",
         build_st_offsets_mismatch,
         PARSE, AT_BYTE, "takes 24 bytes, but data_offsets [0, 20] hold 20", DETECT),
  BUILT ("safetensors", "data one value short", ".safetensors", build_st_data_short,
         TRUNCATED, AT_BYTE, "the file ends here, but its tensor data runs to byte", DETECT),
  BUILT ("safetensors", "4 bytes no tensor claims", ".safetensors", build_st_extra_bytes,
         PARSE, AT_BYTE, "4 more bytes that no tensor claims", DETECT),
  BUILT ("safetensors", "data that does not start at 0", ".safetensors", build_st_gap,
         PARSE, AT_BYTE, "the first tensor's data must begin at 0", DETECT),
  BUILT ("safetensors", "two tensors overlap", ".safetensors", build_st_overlap,
         PARSE, AT_BYTE, "overlap the previous tensor's ('a')", DETECT),
  BUILT ("safetensors", "a tensor named twice", ".safetensors", build_st_named_twice,
         PARSE, AT_BYTE, "the header names 'w' twice", DETECT),
  BUILT ("safetensors", "a tensor with no dtype", ".safetensors", build_st_no_dtype,
         PARSE, AT_BYTE, "tensor 'w' has no \"dtype\"", DETECT),
  BUILT ("safetensors", "a tensor entry that is a number", ".safetensors",
         build_st_entry_not_object,
         PARSE, AT_BYTE, "tensor 'w': its entry is not an object", DETECT),
  BUILT ("safetensors", "only an int32 tensor", ".safetensors", build_st_only_integers,
         UNSUPPORTED, AT_FILE, "no floating-point 2-D tensor to read", DETECT),
  BUILT ("safetensors", "nan", ".safetensors", build_st_nan,
         NON_FINITE, AT_BYTE, "tensor 'w', row 0, column 1 is nan", DETECT),

  /* sharded safetensors: model.safetensors.index.json */
  BUILT ("safetensors-index", "not JSON", "-model.safetensors.index.json", build_index_unclosed,
         PARSE, AT_BYTE, "the JSON ends inside an unclosed '{'", DETECT),
  TEXT ("safetensors-index", "no \"weight_map\"", "-model.safetensors.index.json",
        "{\"metadata\": {}}", NULL,
        FORMAT, AT_BYTE, "not a safetensors index: no \"weight_map\" object", 0),
  TEXT ("safetensors-index", "\"weight_map\" is a list", "-model.safetensors.index.json",
        "{\"weight_map\": []}", "\"weight_map\"",
        FORMAT, AT_BYTE, "\"weight_map\" is not an object", DETECT),
  TEXT ("safetensors-index", "a shard that is a number", "-model.safetensors.index.json",
        "{\"weight_map\": {\"w\": 5}}", "\"weight_map\"",
        PARSE, AT_BYTE, "the shard of tensor 'w' is not a file name", DETECT),
  TEXT ("safetensors-index", "a shard outside the folder", "-model.safetensors.index.json",
        "{\"weight_map\": {\"w\": \"../w.safetensors\"}}", "\"weight_map\"",
        PARSE, AT_BYTE, "is not a file name in the index's folder", DETECT),
  TEXT ("safetensors-index", "a missing shard", "-model.safetensors.index.json",
        "{\"weight_map\": {\"w\": \"nowhere.safetensors\"}}", NULL,
        IO, AT_FILE, "shard 'nowhere.safetensors' (holding tensor 'w') cannot be opened", DETECT),
  TEXT ("safetensors-index", "invalid UTF-8 in a name", "-model.safetensors.index.json",
        "{\"weight_map\": {\"w\xff\": \"a.safetensors\"}}", "\xff",
        PARSE, AT_BYTE, "the JSON is not valid UTF-8", DETECT),
  BUILT ("safetensors-index", "nesting 100 deep", "-model.safetensors.index.json",
         build_index_deep,
         PARSE, AT_BYTE, "the JSON nests more than 64 levels deep", DETECT),
  BUILT ("safetensors-index", "a shard cut short", "-model.safetensors.index.json",
         build_index_cut_shard,
         TRUNCATED, AT_FILE, "-shard.safetensors': ", DETECT),
  BUILT ("safetensors-index", "a tensor its shard does not hold", "-model.safetensors.index.json",
         build_index_wrong_tensor,
         FORMAT, AT_BYTE, "which has no such tensor", DETECT),

  /* GGUF */
  BUILT ("gguf", "not the GGUF magic", ".gguf", build_gguf_bad_magic,
         FORMAT, AT_FILE, "not a GGUF file", DETECT),
  BUILT ("gguf", "cut inside the magic", ".gguf", build_gguf_cut_magic,
         TRUNCATED, AT_BYTE, "the file ends inside the GGUF magic", DETECT),
  BUILT ("gguf", "version 1", ".gguf", build_gguf_version_1,
         UNSUPPORTED, AT_BYTE, "GGUF version 1 (32-bit counts", DETECT),
  BUILT ("gguf", "version 7", ".gguf", build_gguf_version_7,
         UNSUPPORTED, AT_BYTE, "GGUF version 7 (known: 2, 3)", DETECT),
  BUILT ("gguf", "big-endian", ".gguf", build_gguf_big_endian,
         UNSUPPORTED, AT_BYTE, "a big-endian GGUF file (version 3 stored byte-swapped)", DETECT),
  BUILT ("gguf", "header only", ".gguf", build_gguf_header_only,
         TRUNCATED, AT_BYTE, "the file ends inside the metadata: 2 metadata pairs need", DETECT),
  BUILT ("gguf", "2^62 metadata pairs", ".gguf", build_gguf_many_pairs,
         TOO_LARGE, AT_BYTE, "4611686018427387904 metadata pairs declared, too many to be real",
         DETECT),
  BUILT ("gguf", "2^62 tensors", ".gguf", build_gguf_many_tensors,
         TOO_LARGE, AT_BYTE, "4611686018427387904 tensors declared, too many to be real", DETECT),
  BUILT ("gguf", "an array of 2^62 u8", ".gguf", build_gguf_huge_u8_array,
         TRUNCATED, AT_BYTE, "metadata 'big': 4611686018427387904 values need at least", DETECT),
  BUILT ("gguf", "an array of 2^62 strings", ".gguf", build_gguf_huge_string_array,
         TOO_LARGE, AT_BYTE, "metadata 'big': 4611686018427387904 strings declared", DETECT),
  BUILT ("gguf", "a key of 2^63 bytes", ".gguf", build_gguf_huge_key,
         TRUNCATED, AT_BYTE, "a string of 9223372036854775808 bytes in the key of metadata pair 0 "
         "runs past the end of the file", DETECT),
  BUILT ("gguf", "an unknown value type", ".gguf", build_gguf_unknown_type,
         PARSE, AT_BYTE, "unknown value type 99 in metadata 'k'", DETECT),
  BUILT ("gguf", "an unknown value type, invalid UTF-8 key", ".gguf",
         build_gguf_unknown_type_utf8,
         PARSE, AT_BYTE, "unknown value type 99 in metadata 'bad", DETECT),
  BUILT ("gguf", "a bool that is 7", ".gguf", build_gguf_bool_7,
         PARSE, AT_BYTE, "a bool in metadata 'flag' is 7, not 0 or 1", DETECT),
  BUILT ("gguf", "general.alignment 3", ".gguf", build_gguf_alignment_3,
         PARSE, AT_BYTE, "general.alignment is 3, not a power of two", DETECT),
  BUILT ("gguf", "tokens that are a number", ".gguf", build_gguf_tokens_not_strings,
         PARSE, AT_BYTE, "tokenizer.ggml.tokens is a u32 value, not an array of strings", DETECT),
  BUILT ("gguf", "ne [2^32, 2^32]", ".gguf", build_gguf_ne_overflow,
         TOO_LARGE, AT_BYTE, "dimension 1 (4294967296) makes it too large to be real", DETECT),
  BUILT ("gguf", "ne[0] = 2^64 - 1", ".gguf", build_gguf_ne_past_int64,
         TOO_LARGE, AT_BYTE, "dimension 0 (18446744073709551615) makes it too large", DETECT),
  BUILT ("gguf", "five dimensions", ".gguf", build_gguf_five_dims,
         UNSUPPORTED, AT_BYTE, "has 5 dimensions (at most 4)", DETECT),
  BUILT ("gguf", "Q8_0 rows of 10 values", ".gguf", build_gguf_partial_block,
         SHAPE, AT_BYTE, "its rows of 10 values are not whole Q8_0 blocks of 32", DETECT),
  BUILT ("gguf", "an unaligned data offset", ".gguf", build_gguf_unaligned,
         PARSE, AT_BYTE, "data offset 4 is not a multiple of the alignment 32", DETECT),
  BUILT ("gguf", "a data offset that wraps past 2^64", ".gguf", build_gguf_offset_past_2_64,
         TOO_LARGE, AT_BYTE, "is too large to be real", DETECT),
  BUILT ("gguf", "data one value short", ".gguf", build_gguf_data_short,
         TRUNCATED, AT_BYTE, "(F32, 24 bytes from byte", DETECT),
  BUILT ("gguf", "a tensor listed twice", ".gguf", build_gguf_listed_twice,
         PARSE, AT_BYTE, "tensor 'token_embd.weight' is listed twice", DETECT),
  BUILT ("gguf", "an invalid UTF-8 name listed twice", ".gguf", build_gguf_listed_twice_utf8,
         PARSE, AT_BYTE, "is listed twice", DETECT),
  BUILT ("gguf", "tokens but no tensors", ".gguf", build_gguf_vocab_only,
         UNSUPPORTED, AT_FILE, "has no tensors, only a vocabulary of 2 tokens", DETECT),
  BUILT ("gguf", "the token table in Q4_K", ".gguf", build_gguf_q4_k,
         UNSUPPORTED, AT_BYTE, "tensor 'token_embd.weight' is Q4_K, which is not read", DETECT),
  BUILT ("gguf", "nan", ".gguf", build_gguf_nan,
         NON_FINITE, AT_BYTE, "tensor 'token_embd.weight', row 1, column 0 is nan", DETECT),

  /* Vocabularies given with options.vocab_path, for a 2 x 3 .npy. */
  TEXT ("vocab-lines", "three tokens for two rows", "-vocab.txt", "a\nb\nc\n", NULL,
        SHAPE, AT_FILE, "has 3 tokens but", VOCAB | DETECT),
  BUILT ("vocab-lines", "empty file", "-vocab.txt", build_empty,
         SHAPE, AT_FILE, "has 0 tokens but", VOCAB | DETECT),
  TEXT ("vocab-tsv", "three rows for two", "-meta.tsv", "a\nb\nc\n", NULL,
        SHAPE, AT_FILE, "3 rows of metadata, but the matrix has 2 rows", VOCAB | DETECT),
  TEXT ("vocab-tsv", "a header and three rows", "-meta.tsv",
        "word\tcount\na\t1\nb\t2\nc\t3\n", NULL,
        SHAPE, AT_FILE, "3 rows of metadata below the header, but the matrix has 2 rows",
        VOCAB | DETECT),
  TEXT ("vocab-tsv", "a row with a field missing", "-meta.tsv",
        "word\tcount\na\t1\nb\n", "b\n",
        PARSE, AT_LINE, "1 fields, expected 2 as in the header", VOCAB | DETECT),
  BUILT ("vocab-tsv", "empty file", "-meta.tsv", build_empty,
         SHAPE, AT_FILE, "0 rows of metadata, but the matrix has 2 rows", VOCAB | DETECT),
  BUILT ("tokenizer.json", "empty file", "-tokenizer.json", build_empty,
         PARSE, AT_FILE, "the file is empty, not a JSON vocabulary", VOCAB | DETECT),
  TEXT ("tokenizer.json", "not JSON", "-tokenizer.json",
        "{\n  \"model\": {\n    \"vocab\": {\"a\": 0,\n      \"b\": x}\n  }\n}\n", "\"b\": x",
        PARSE, AT_LINE, "not JSON", VOCAB | DETECT),
  TEXT ("tokenizer.json", "invalid UTF-8 in a token", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\xff\": 0, \"b\": 1}}}", NULL,
        PARSE, AT_FILE, "UTF-8", VOCAB | DETECT),
  TEXT ("tokenizer.json", "an id past the vocabulary", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 99}}}", NULL,
        PARSE, AT_FILE, "token \"b\" has the id 99, impossible for a vocabulary of 2 tokens",
        VOCAB | DETECT),
  TEXT ("tokenizer.json", "an id of 10^15", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1000000000000000}}}", NULL,
        PARSE, AT_FILE, "has the id 1000000000000000, impossible", VOCAB | DETECT),
  TEXT ("tokenizer.json", "a negative id", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": -1}}}", NULL,
        PARSE, AT_FILE, "has the id -1, impossible", VOCAB | DETECT),
  TEXT ("tokenizer.json", "an id given twice", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 0}}}", NULL,
        PARSE, AT_FILE, "the id 0 is given to both \"a\" and \"b\"", VOCAB | DETECT),
  TEXT ("tokenizer.json", "an id that is a string", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": \"0\", \"b\": 1}}}", NULL,
        PARSE, AT_FILE, "the id of \"a\" is not an integer", VOCAB | DETECT),
  TEXT ("tokenizer.json", "no model.vocab", "-tokenizer.json",
        "{\"model\": {\"type\": \"BPE\"}}", NULL,
        PARSE, AT_FILE, "model.vocab is missing", VOCAB | DETECT),
  TEXT ("tokenizer.json", "added_tokens is a number", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1}}, \"added_tokens\": 5}", NULL,
        PARSE, AT_FILE, "\"added_tokens\" is not an array", VOCAB | DETECT),
  BUILT ("tokenizer.json", "nesting 100 deep", "-tokenizer.json", build_vocab_json_deep,
         PARSE, AT_BYTE, "the JSON nests more than 64 levels deep", VOCAB | DETECT),
  TEXT ("encoder.json", "a list, not an object", "-encoder.json", "[\"a\", \"b\"]", NULL,
        PARSE, AT_FILE, "the JSON is not an object of tokens", VOCAB | DETECT),
  TEXT ("encoder.json", "no tokens", "-encoder.json", "{}", NULL,
        PARSE, AT_FILE, "the vocabulary has no tokens", VOCAB | DETECT),
  TEXT ("encoder.json", "invalid UTF-8 in a token", "-encoder.json",
        "{\"a\xff\": 0, \"b\": 1}", NULL,
        PARSE, AT_FILE, "UTF-8", VOCAB | DETECT),
  BUILT ("vocab-gguf", "not GGUF", "-vocab.gguf", build_gguf_bad_magic,
         FORMAT, AT_FILE, "not a GGUF file", VOCAB | DETECT),
  BUILT ("vocab-gguf", "empty file", "-vocab.gguf", build_empty,
         TRUNCATED, AT_BYTE, "the file ends inside the GGUF magic", VOCAB | DETECT),
  BUILT ("vocab-gguf", "no tokenizer.ggml.tokens", "-vocab.gguf", build_vocab_gguf_no_tokens,
         FORMAT, AT_FILE, "has no tokenizer.ggml.tokens: not a vocabulary", VOCAB | DETECT),
  BUILT ("vocab-gguf", "2^62 tokens", "-vocab.gguf", build_vocab_gguf_many_tokens,
         TOO_LARGE, AT_BYTE, "4611686018427387904 strings declared, too many to be real",
         VOCAB | DETECT),
  BUILT ("vocab-gguf", "a token running past the end", "-vocab.gguf",
         build_vocab_gguf_token_past_end,
         TRUNCATED, AT_BYTE, "a string of 100 bytes in metadata 'tokenizer.ggml.tokens' "
         "runs past the end", VOCAB | DETECT),
};

/* auxiliary functions: checking */

/* Records a failure without stopping the test, and logs it, so that one
 * run lists every case that is wrong. */
static void fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
fail (const char *format,
      ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("FAILED: %s", text);
  g_test_fail_printf ("%s", text);
}

/* The place a message names right after path: FALSE when it does not
 * start with path followed by one of the three forms. */
static gboolean
parse_place (const char *message,
             const char *path,
             Place      *place,
             guint64    *at)
{
  const char *rest;
  char *end;

  if (!g_str_has_prefix (message, path))
    return FALSE;
  rest = message + strlen (path);
  *at = 0;
  if (rest[0] == ':' && g_ascii_isdigit (rest[1]))
    {
      *at = g_ascii_strtoull (rest + 1, &end, 10);
      *place = AT_LINE;
      return end[0] == ':' && end[1] == ' ';
    }
  if (g_str_has_prefix (rest, ": byte ") && g_ascii_isdigit (rest[7]))
    {
      *at = g_ascii_strtoull (rest + 7, &end, 10);
      *place = AT_BYTE;
      return end[0] == ':' && end[1] == ' ';
    }
  *place = AT_FILE;
  return g_str_has_prefix (rest, ": ");
}

/* Checks a load that must have failed as e says; failures are recorded
 * (not fatal) so that one run lists every case that is wrong.  Returns
 * whether all held. */
static gboolean
check_failure (const char   *what,
               const char   *named,
               EmbDataset   *ds,
               const GError *error,
               const Expect *e)
{
  const char *msg;
  Place place;
  guint64 at;
  gboolean ok = TRUE;

  if (ds != NULL)
    {
      fail ("%s: loaded (%zu x %zu), expected an error",
            what, ds->matrix->n_rows, ds->matrix->n_cols);
      emb_dataset_unref (ds);
      return FALSE;
    }
  if (error == NULL)
    {
      fail ("%s: failed without an error", what);
      return FALSE;
    }
  msg = error->message;
  if (error->domain != EMB_ERROR)
    {
      fail ("%s: error domain %s, not EMB_ERROR: %s",
            what, g_quark_to_string (error->domain), msg);
      return FALSE;
    }
  if (e->code >= 0 && error->code != e->code)
    {
      fail ("%s: code %s, expected %s: %s",
            what, code_name (error->code), code_name (e->code), msg);
      ok = FALSE;
    }
  if (!g_utf8_validate (msg, -1, NULL))
    {
      g_autofree char *shown = g_utf8_make_valid (msg, -1);
      fail ("%s: the message is not valid UTF-8: %s", what, shown);
      return FALSE;
    }
  if (strchr (msg, '\n') != NULL)
    {
      fail ("%s: the message has a newline: %s", what, msg);
      ok = FALSE;
    }
  if (!parse_place (msg, named, &place, &at))
    {
      fail ("%s: the message does not start with '%s' and a place: %s",
            what, named, msg);
      return FALSE;
    }
  if (!e->any_place && place != e->place)
    {
      fail ("%s: the message names %s, expected %s: %s",
            what, place_names[place], place_names[e->place], msg);
      ok = FALSE;
    }
  else if (place != AT_FILE)
    {
      gboolean right = TRUE;

      switch (e->pos)
        {
        case POS_EXACT:
          right = at == e->at[0];
          break;
        case POS_EITHER:
          right = at == e->at[0] || at == e->at[1];
          break;
        case POS_UPTO:
          right = at <= e->at[0];
          break;
        case POS_ANY:
        default:
          break;
        }
      if (!right)
        {
          fail ("%s: the message names %s %" G_GUINT64_FORMAT ", expected %s%"
                G_GUINT64_FORMAT "%s: %s",
                what, place == AT_LINE ? "line" : "byte", at,
                e->pos == POS_UPTO ? "at most " : "", e->at[0],
                e->pos == POS_EITHER ? " or the other line" : "", msg);
          ok = FALSE;
        }
    }
  if (e->phrase != NULL && strstr (msg, e->phrase) == NULL)
    {
      fail ("%s: the message lacks \"%s\": %s", what, e->phrase, msg);
      ok = FALSE;
    }
  return ok;
}

/* Loads path, failing the test when it takes too long. */
static EmbDataset *
timed_load (const char           *what,
            const char           *path,
            const EmbLoadOptions *options,
            GError              **error)
{
  gint64 start = g_get_monotonic_time ();
  EmbDataset *ds = emb_dataset_load (path, options, NULL, NULL, NULL, error);
  gint64 took = g_get_monotonic_time () - start;

  if (took > MAX_LOAD_USEC)
    fail ("%s: the load took %.1f s", what, took / (double) G_USEC_PER_SEC);
  return ds;
}

/* The 2 x 3 .npy that vocabulary cases attach their file to. */
static const char *
write_matrix (const char *prefix)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autofree char *name = g_strdup_printf ("%s-matrix.npy", prefix);

  npy_valid (b);
  return emb_test_write (name, b->data, b->len);
}

/* Builds, writes and loads one case: explicit format, then detection,
 * then, for nan and inf, with them read as 0. */
static void
run_case (const MalformedCase *c,
          guint                index)
{
  g_autofree char *prefix = g_strdup_printf ("%03u", index);
  g_autofree char *name = NULL;
  g_autofree char *what = g_strdup_printf ("%s | %s", c->format, c->what);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  EmbLoadOptions options = { 0 };
  Built b = { 0 };
  Expect e = { 0 };
  const char *path, *load_path, *named;
  EmbDataset *ds;

  b.prefix = prefix;
  b.data = g_byte_array_new ();
  if (c->build != NULL)
    c->build (&b);
  else
    {
      put_str (b.data, c->text);
      if (c->mark != NULL)
        b.at = c->place == AT_LINE ? line_of (c->text, c->mark) : offset_of (c->text, c->mark);
    }

  name = g_strconcat (prefix, c->ext, NULL);
  path = emb_test_write (name, b.data->data, b.data->len);
  named = b.named != NULL ? b.named : path;
  load_path = path;
  options.format = c->format;
  options.shape_rows = b.shape_rows;
  options.shape_cols = b.shape_cols;
  if (c->flags & VOCAB)
    {
      load_path = write_matrix (prefix);
      options.format = "npy";
      options.vocab_path = path;
    }

  e.code = c->code;
  e.place = c->place;
  e.pos = POS_EXACT;
  e.at[0] = b.at;
  e.phrase = c->phrase;

  ds = timed_load (what, load_path, &options, &error);
  check_failure (what, named, ds, error, &e);
  if (error != NULL)
    message = g_strdup (error->message);
  g_test_message ("%s | %s", what, message != NULL ? message : "(no error)");

  if (c->flags & DETECT)
    {
      g_autoptr(GError) detected = NULL;

      options.format = NULL;
      ds = timed_load (what, load_path, &options, &detected);
      if (ds != NULL)
        {
          fail ("%s: loaded when the format was detected", what);
          emb_dataset_unref (ds);
        }
      else if (message != NULL && g_strcmp0 (detected->message, message) != 0)
        fail ("%s: detection gives another error: %s", what, detected->message);
      options.format = (c->flags & VOCAB) ? "npy" : c->format;
    }

  if (c->code == EMB_ERROR_NON_FINITE)
    {
      g_autoptr(GError) zero_error = NULL;

      options.nan_policy = EMB_NAN_ZERO;
      ds = timed_load (what, load_path, &options, &zero_error);
      if (ds == NULL)
        fail ("%s: with nan and inf read as 0: %s", what, zero_error->message);
      else
        emb_dataset_unref (ds);
    }

  g_byte_array_unref (b.data);
  g_free (b.named);
}

/* tests: the table */

static void
test_table (gconstpointer data)
{
  const char *format = data;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (g_str_equal (cases[i].format, format))
      run_case (&cases[i], i);
}

/* tests: files that are not there or not files */

/* A file name ending for each reader that detection maps back to it. */
static const struct
{
  const char *format;
  const char *ext;
} format_exts[] = {
  { "glove", ".txt" },
  { "word2vec-text", ".vec" },
  { "word2vec-binary", ".bin" },
  { "npy", ".npy" },
  { "projector-tsv", ".tsv" },
  { "projector-bytes", ".bytes" },
  { "projector-config", "-config.json" },
  { "safetensors", ".safetensors" },
  { "safetensors-index", ".safetensors.index.json" },
  { "gguf", ".gguf" },
};

/* Vocabulary files, by the reader their name picks. */
static const struct
{
  const char *kind;
  const char *ext;
} vocab_exts[] = {
  { "vocab-lines", "-vocab.txt" },
  { "vocab-tsv", "-meta.tsv" },
  { "tokenizer.json", "-tokenizer.json" },
  { "encoder.json", "-encoder.json" },
  { "vocab-gguf", "-vocab.gguf" },
};

static void
test_every_format_listed (void)
{
  const char * const *ids = emb_dataset_formats ();
  guint n = 0;

  for (; ids[n] != NULL; n++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (format_exts); i++)
        found |= g_str_equal (format_exts[i].format, ids[n]);
      if (!found)
        fail ("format '%s' has no malformed-input cases", ids[n]);
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (format_exts));
}

/* Loads path as every format, explicitly and by detection, then as every
 * kind of vocabulary, expecting the same file-level error each time. */
static void
check_every_format (const char *label,
                    const char *(*make) (const char *ext),
                    gint        code,
                    const char *phrase,
                    gboolean    vocab_too)
{
  Expect e = { code, FALSE, AT_FILE, POS_ANY, { 0, 0 }, phrase };

  for (guint i = 0; i < G_N_ELEMENTS (format_exts); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s | %s", format_exts[i].format, label);
      const char *path = make (format_exts[i].ext);
      EmbLoadOptions options = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) detected = NULL;
      EmbDataset *ds;

      options.format = format_exts[i].format;
      options.shape_rows = 2;
      options.shape_cols = 3;
      ds = timed_load (what, path, &options, &error);
      check_failure (what, path, ds, error, &e);
      g_test_message ("%s | %s", what, error != NULL ? error->message : "(no error)");

      options.format = NULL;
      ds = timed_load (what, path, &options, &detected);
      check_failure (what, path, ds, detected, &e);
      if (error != NULL && detected != NULL && !g_str_equal (error->message, detected->message))
        fail ("%s: detection gives another error: %s", what, detected->message);
    }

  if (!vocab_too)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (vocab_exts); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s | %s", vocab_exts[i].kind, label);
      g_autofree char *prefix = g_strdup_printf ("v%u", i);
      const char *path = make (vocab_exts[i].ext);
      EmbLoadOptions options = { 0 };
      g_autoptr(GError) error = NULL;
      EmbDataset *ds;

      options.vocab_path = path;
      ds = timed_load (what, write_matrix (prefix), &options, &error);
      check_failure (what, path, ds, error, &e);
      g_test_message ("%s | %s", what, error != NULL ? error->message : "(no error)");
    }
}

static const char *
make_empty (const char *ext)
{
  g_autofree char *name = g_strconcat ("empty", ext, NULL);

  return emb_test_write (name, "", 0);
}

static void
test_empty (void)
{
  check_every_format ("empty file", make_empty, EMB_ERROR_FORMAT, "the file is empty", FALSE);
}

static GPtrArray *made_paths;

static const char *
make_dir (const char *ext)
{
  char *path = g_strconcat (emb_test_tmpdir (), G_DIR_SEPARATOR_S, "folder", ext, NULL);

  g_assert_no_errno (g_mkdir (path, 0700));
  g_ptr_array_add (made_paths, path);
  return path;
}

static void
test_directory (void)
{
  made_paths = g_ptr_array_new_with_free_func (g_free);
  check_every_format ("a folder", make_dir, EMB_ERROR_IO, "is a folder, not a file", TRUE);
  for (guint i = 0; i < made_paths->len; i++)
    g_rmdir (g_ptr_array_index (made_paths, i));
  g_clear_pointer (&made_paths, g_ptr_array_unref);
}

static GPtrArray *missing_paths;

static const char *
make_missing (const char *ext)
{
  char *path = g_strconcat (emb_test_tmpdir (), G_DIR_SEPARATOR_S, "missing", ext, NULL);

  g_ptr_array_add (missing_paths, path);
  return path;
}

static void
test_missing (void)
{
  missing_paths = g_ptr_array_new_with_free_func (g_free);
  check_every_format ("a missing file", make_missing, EMB_ERROR_IO, g_strerror (ENOENT), TRUE);
  g_clear_pointer (&missing_paths, g_ptr_array_unref);
}

static const char *
make_fifo (const char *ext)
{
  char *path = g_strconcat (emb_test_tmpdir (), G_DIR_SEPARATOR_S, "fifo", ext, NULL);

  g_assert_no_errno (mkfifo (path, 0600));
  g_ptr_array_add (made_paths, path);
  return path;
}

static void
test_fifo (void)
{
  made_paths = g_ptr_array_new_with_free_func (g_free);
  check_every_format ("a named pipe", make_fifo, EMB_ERROR_IO, "is not a regular file", TRUE);
  for (guint i = 0; i < made_paths->len; i++)
    g_unlink (g_ptr_array_index (made_paths, i));
  g_clear_pointer (&made_paths, g_ptr_array_unref);
}

static const char *
make_unreadable (const char *ext)
{
  g_autofree char *name = g_strconcat ("unreadable", ext, NULL);
  const char *path = emb_test_write (name, "0.1\t0.2\n", -1);

  g_assert_no_errno (g_chmod (path, 0));
  return path;
}

static void
test_unreadable (void)
{
  g_autofree char *phrase = NULL;
  const char *probe;
  int fd;

  if (geteuid () == 0)
    {
      g_test_skip ("running as root, which reads any file whatever its permissions");
      return;
    }
  /* Some sandboxes grant reading past permissions without root. */
  probe = make_unreadable (".probe");
  fd = g_open (probe, O_RDONLY, 0);
  if (fd >= 0)
    {
      close (fd);
      g_test_skip ("file permissions are not enforced here");
      return;
    }
  phrase = g_strdup_printf ("cannot open: %s", g_strerror (EACCES));
  check_every_format ("an unreadable file", make_unreadable, EMB_ERROR_IO, phrase, TRUE);
}

/* tests: invalid UTF-8 in tokens is kept, not refused */

#define LATIN1_CAFE "caf\xe9"

/* Token id holds raw's bytes, and shows them as valid UTF-8 with U+FFFD. */
static void
check_raw_token (const char *what,
                 EmbDataset *ds,
                 gsize       id,
                 const char *raw)
{
  const char *token, *display;
  gsize len;

  g_assert_nonnull (ds);
  g_assert_cmpuint (ds->matrix->n_rows, ==, emb_vocab_size (ds->vocab));
  token = emb_vocab_raw (ds->vocab, id, &len);
  if (len != strlen (raw) || memcmp (token, raw, len) != 0)
    fail ("%s: token %zu is not kept as its bytes", what, id);
  display = emb_vocab_display (ds->vocab, id);
  if (!g_utf8_validate (display, -1, NULL))
    fail ("%s: the display text of token %zu is not valid UTF-8", what, id);
  else if (strstr (display, "\xef\xbf\xbd") == NULL)
    fail ("%s: the display text '%s' has no U+FFFD", what, display);
  g_test_message ("%s | invalid UTF-8 token | loads: %zu x %zu, shown as '%s'",
                  what, ds->matrix->n_rows, ds->matrix->n_cols, display);
}

static EmbDataset *
load_ok (const char           *what,
         const char           *path,
         const EmbLoadOptions *options)
{
  g_autoptr(GError) error = NULL;
  EmbDataset *ds = timed_load (what, path, options, &error);

  if (ds == NULL)
    g_error ("%s: %s", what, error->message);
  return ds;
}

static void
test_invalid_utf8_tokens (void)
{
  struct
  {
    const char *format;
    const char *name;
    const char *text;
  } texts[] = {
    { "glove", "utf8.txt", LATIN1_CAFE " 1 2\nb 3 4\n" },
    { "word2vec-text", "utf8.vec", "2 2\n" LATIN1_CAFE " 1 2\nb 3 4\n" },
    { "projector-tsv", "utf8.tsv", LATIN1_CAFE "\t0.1\t0.2\nb\t0.3\t0.4\n" },
  };
  EmbLoadOptions options = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      const char *path = emb_test_write (texts[i].name, texts[i].text, -1);

      options.format = texts[i].format;
      {
        g_autoptr(EmbDataset) ds = load_ok (texts[i].format, path, &options);
        check_raw_token (texts[i].format, ds, 0, LATIN1_CAFE);
      }
      options.format = NULL;
      {
        g_autoptr(EmbDataset) ds = load_ok (texts[i].format, path, &options);
        g_assert_cmpstr (ds->format, ==, texts[i].format);
        check_raw_token (texts[i].format, ds, 0, LATIN1_CAFE);
      }
    }

  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    const char *path;

    put_str (b, "2 2\n" LATIN1_CAFE " ");
    put_floats (b, six, 2);
    put_str (b, "\nb ");
    put_floats (b, six + 2, 2);
    put_str (b, "\n");
    path = emb_test_write ("utf8.bin", b->data, b->len);
    options.format = "word2vec-binary";
    {
      g_autoptr(EmbDataset) ds = load_ok ("word2vec-binary", path, &options);
      check_raw_token ("word2vec-binary", ds, 0, LATIN1_CAFE);
    }
  }

  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    const char * const tokens[2] = { "a", LATIN1_CAFE };
    const char *path;

    gguf_valid (b, tokens, six, NULL);
    path = emb_test_write ("utf8.gguf", b->data, b->len);
    options.format = "gguf";
    {
      g_autoptr(EmbDataset) ds = load_ok ("gguf", path, &options);
      check_raw_token ("gguf", ds, 1, LATIN1_CAFE);
    }
  }

  {
    const char *matrix = write_matrix ("utf8");
    const char *vocabs[][2] = {
      { "vocab-lines", "utf8-vocab.txt" },
      { "vocab-tsv", "utf8-meta.tsv" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (vocabs); i++)
      {
        options.format = "npy";
        options.vocab_path = emb_test_write (vocabs[i][1], LATIN1_CAFE "\nb\n", -1);
        {
          g_autoptr(EmbDataset) ds = load_ok (vocabs[i][0], matrix, &options);
          check_raw_token (vocabs[i][0], ds, 0, LATIN1_CAFE);
        }
      }
  }
}

/* tests: truncation at every byte */

typedef enum
{
  CUT_FAILS,
  CUT_LOADS,
  CUT_EITHER,   /* fails, or loads `rows` rows */
} CutOutcome;

typedef struct
{
  CutOutcome outcome;
  gsize      rows;
  Expect     e;
} CutExpect;

typedef struct _CutSpec CutSpec;

/* What cutting file (len bytes) to cut bytes must do. */
typedef void (*CutRule) (const CutSpec *spec, const guint8 *file, gsize len, gsize cut,
                         CutExpect *x);

struct _CutSpec
{
  const char *format;    /* the reader, or the kind of vocabulary */
  const char *ext;
  gboolean    vocab;     /* the file is the vocab_path of a 2 x 3 .npy */
  gboolean    detect;    /* detection picks the same reader at every cut */
  gsize       shape_rows;
  gsize       shape_cols;
  CutRule     rule;
  gsize       data_start;  /* filled by the builder, for the rules */
  gsize       infos_end;
};

static gsize
count_lines_before (const guint8 *file,
                    gsize         cut)
{
  gsize n = 0;

  for (gsize i = 0; i < cut; i++)
    n += file[i] == '\n';
  return n;
}

/* Text with one row per line (no header, no blank lines), every value
 * after the first line one character: a cut at the end of a row leaves
 * the rows before it, a cut inside a later row is an error on its line,
 * and a cut inside the first row may leave a shorter valid first row. */
static void
rule_text_rows (const CutSpec *spec,
                const guint8  *file,
                gsize          len,
                gsize          cut,
                CutExpect     *x)
{
  gsize before = count_lines_before (file, cut);

  if (file[cut - 1] == '\n' || file[cut] == '\n')
    {
      x->outcome = CUT_LOADS;
      x->rows = before + (file[cut - 1] != '\n');
    }
  else if (before == 0)
    {
      x->outcome = CUT_EITHER;
      x->rows = 1;
      x->e.any_place = TRUE;
      x->e.pos = POS_ANY;
    }
  else
    {
      x->e.place = AT_LINE;
      x->e.at[0] = before + 1;
    }
}

/* A word2vec text file declares its rows: every cut but that of the final
 * newline fails, at the header (too few bytes or rows for it) or at the
 * row that was cut. */
static void
rule_word2vec_text (const CutSpec *spec,
                    const guint8  *file,
                    gsize          len,
                    gsize          cut,
                    CutExpect     *x)
{
  if (cut == len - 1 && file[cut] == '\n')
    {
      x->outcome = CUT_LOADS;
      x->rows = 3;
      return;
    }
  x->e.place = AT_LINE;
  x->e.pos = POS_EITHER;
  x->e.at[0] = 1;
  x->e.at[1] = count_lines_before (file, cut) + 1;
}

/* Binary formats that point at the place they stopped, never past the end
 * of what is left; a cut of only the final newline leaves a valid file. */
static void
rule_upto_cut (const CutSpec *spec,
               const guint8  *file,
               gsize          len,
               gsize          cut,
               CutExpect     *x)
{
  if (cut == len - 1 && file[cut] == '\n')
    {
      x->outcome = CUT_LOADS;
      x->rows = 2;
      return;
    }
  x->e.place = AT_BYTE;
  x->e.pos = POS_UPTO;
  x->e.at[0] = cut;
}

/* .npy: the end of the file inside the magic, version, header length or
 * header; past the header, the byte where the data should end. */
static void
rule_npy (const CutSpec *spec,
          const guint8  *file,
          gsize          len,
          gsize          cut,
          CutExpect     *x)
{
  x->e.code = EMB_ERROR_TRUNCATED;
  x->e.place = AT_BYTE;
  x->e.at[0] = cut < spec->data_start ? cut : len;
}

/* safetensors: always the end of the file. */
static void
rule_safetensors (const CutSpec *spec,
                  const guint8  *file,
                  gsize          len,
                  gsize          cut,
                  CutExpect     *x)
{
  x->e.code = EMB_ERROR_TRUNCATED;
  x->e.place = AT_BYTE;
  x->e.at[0] = cut;
}

/* GGUF: where reading stopped, or once the tensor infos are whole, the
 * byte where the tensor's data should end. */
static void
rule_gguf (const CutSpec *spec,
           const guint8  *file,
           gsize          len,
           gsize          cut,
           CutExpect     *x)
{
  x->e.code = EMB_ERROR_TRUNCATED;
  x->e.place = AT_BYTE;
  if (spec->infos_end == 0 || cut < spec->infos_end)
    {
      x->e.pos = POS_UPTO;
      x->e.at[0] = cut;
    }
  else
    x->e.at[0] = len;
}

/* Raw float32 with a given shape: any other size is refused. */
static void
rule_bytes (const CutSpec *spec,
            const guint8  *file,
            gsize          len,
            gsize          cut,
            CutExpect     *x)
{
  x->e.code = EMB_ERROR_SHAPE;
  x->e.place = AT_FILE;
}

/* JSON read by json-glib: a cut is never valid JSON but for the final
 * newline; the message may name a line. */
static void
rule_json (const CutSpec *spec,
           const guint8  *file,
           gsize          len,
           gsize          cut,
           CutExpect     *x)
{
  if (cut == len - 1 && file[cut] == '\n')
    {
      x->outcome = CUT_LOADS;
      x->rows = 2;
      return;
    }
  x->e.code = EMB_ERROR_PARSE;
  x->e.any_place = TRUE;
  x->e.pos = POS_ANY;
}

/* One token per line for a 2-row matrix: a cut leaving two lines (the
 * second maybe shortened) still fits; fewer do not. */
static void
rule_vocab_lines (const CutSpec *spec,
                  const guint8  *file,
                  gsize          len,
                  gsize          cut,
                  CutExpect     *x)
{
  gsize tokens = count_lines_before (file, cut) + (file[cut - 1] != '\n');

  if (tokens == 2)
    {
      x->outcome = CUT_LOADS;
      x->rows = 2;
      return;
    }
  x->e.code = EMB_ERROR_SHAPE;
  x->e.place = AT_FILE;
}

static void
cuts_glove (CutSpec *s, GByteArray *b)
{
  put_str (b, "alpha 1.5 -2\nbeta 3 4\ngamma 5 6\n");
}

static void
cuts_word2vec_text (CutSpec *s, GByteArray *b)
{
  put_str (b, "3 2\nalpha 1.5 -2\nbeta 3 4\ngamma 5 6\n");
}

static void
cuts_word2vec_binary (CutSpec *s, GByteArray *b)
{
  put_str (b, "2 2\nalpha ");
  put_floats (b, six, 2);
  put_str (b, "\nbeta ");
  put_floats (b, six + 2, 2);
  put_str (b, "\n");
}

static void
cuts_npy (CutSpec *s, GByteArray *b)
{
  s->data_start = npy_valid (b);
}

static void
cuts_projector_tsv (CutSpec *s, GByteArray *b)
{
  put_str (b, "0.5\t-1.5\n3\t4\n5\t6\n");
}

static void
cuts_projector_bytes (CutSpec *s, GByteArray *b)
{
  put_floats (b, six, 6);
}

static void
cuts_projector_config (CutSpec *s, GByteArray *b)
{
  g_autoptr(GByteArray) t = g_byte_array_new ();
  g_autofree char *json = NULL;

  put_floats (t, six, 6);
  emb_test_write ("cut-t.bytes", t->data, t->len);
  json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", \"tensorPath\": \"%s\", "
                          "\"tensorShape\": [2, 3]}]}\n", "cut-t.bytes");
  put_str (b, json);
}

static void
cuts_safetensors (CutSpec *s, GByteArray *b)
{
  s->data_start = st_header (b, ST_W);
  put_floats (b, six, 6);
}

static void
cuts_safetensors_index (CutSpec *s, GByteArray *b)
{
  g_autoptr(GByteArray) shard = g_byte_array_new ();

  st_header (shard, ST_W);
  put_floats (shard, six, 6);
  emb_test_write ("cut-shard.safetensors", shard->data, shard->len);
  put_str (b, "{\"metadata\": {\"total_size\": 24},\n"
              " \"weight_map\": {\"w\": \"cut-shard.safetensors\"}}\n");
}

static void
cuts_gguf (CutSpec *s, GByteArray *b)
{
  s->data_start = gguf_valid (b, two_tokens, six, &s->infos_end);
}

static void
cuts_vocab_lines (CutSpec *s, GByteArray *b)
{
  put_str (b, "alpha\nbeta\n");
}

static void
cuts_tokenizer (CutSpec *s, GByteArray *b)
{
  put_str (b, "{\"version\": \"1.0\",\n"
              " \"added_tokens\": [{\"id\": 1, \"content\": \"[SEP]\", \"special\": true}],\n"
              " \"model\": {\"type\": \"WordPiece\", \"vocab\": {\"alpha\": 0, \"[SEP]\": 1}}}\n");
}

static void
cuts_vocab_gguf (CutSpec *s, GByteArray *b)
{
  gguf_head (b, 3, 0, 1);
  gguf_tokens (b, two_tokens, 2);
}

typedef struct
{
  CutSpec spec;
  void  (*build) (CutSpec *s, GByteArray *b);
} CutCase;

static const CutCase cut_cases[] = {
  { { "glove", ".txt", FALSE, FALSE, 0, 0, rule_text_rows }, cuts_glove },
  { { "word2vec-text", ".vec", FALSE, FALSE, 0, 0, rule_word2vec_text }, cuts_word2vec_text },
  { { "word2vec-binary", ".bin", FALSE, FALSE, 0, 0, rule_upto_cut }, cuts_word2vec_binary },
  { { "npy", ".npy", FALSE, TRUE, 0, 0, rule_npy }, cuts_npy },
  { { "projector-tsv", ".tsv", FALSE, FALSE, 0, 0, rule_text_rows }, cuts_projector_tsv },
  { { "projector-bytes", ".bytes", FALSE, TRUE, 2, 3, rule_bytes }, cuts_projector_bytes },
  { { "projector-config", "-config.json", FALSE, TRUE, 0, 0, rule_json }, cuts_projector_config },
  { { "safetensors", ".safetensors", FALSE, TRUE, 0, 0, rule_safetensors }, cuts_safetensors },
  { { "safetensors-index", "-model.safetensors.index.json", FALSE, FALSE, 0, 0, rule_upto_cut },
    cuts_safetensors_index },
  { { "gguf", ".gguf", FALSE, TRUE, 0, 0, rule_gguf }, cuts_gguf },
  { { "vocab-lines", "-vocab.txt", TRUE, TRUE, 0, 0, rule_vocab_lines }, cuts_vocab_lines },
  { { "tokenizer.json", "-tokenizer.json", TRUE, TRUE, 0, 0, rule_json }, cuts_tokenizer },
  { { "vocab-gguf", "-vocab.gguf", TRUE, TRUE, 0, 0, rule_gguf }, cuts_vocab_gguf },
};

/* Replaces the contents of the file at path in place.  Neither a rename
 * nor a truncation to zero: on ext4 either makes the kernel flush the
 * file to disk, milliseconds per cut. */
static void
rewrite (const char   *path,
         const guint8 *data,
         gsize         len)
{
  int fd = g_open (path, O_WRONLY | O_CLOEXEC, 0);

  g_assert_no_errno (fd < 0 ? -1 : 0);
  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  g_assert_no_errno (ftruncate (fd, len));
  g_assert_no_errno (close (fd));
}

/* Cuts a small valid file at every byte (the empty file is its own
 * test) and checks each cut against the format's rule. */
static void
test_cuts (gconstpointer data)
{
  const CutCase *cc = data;
  CutSpec spec = cc->spec;
  g_autoptr(GByteArray) full = g_byte_array_new ();
  g_autofree char *name = NULL;
  const char *path, *load_path;
  EmbLoadOptions options = { 0 };
  guint n_failed = 0, n_loaded = 0;
  gsize len;

  cc->build (&spec, full);
  len = full->len;
  name = g_strdup_printf ("cut-%s%s", spec.vocab ? "v" : "", spec.ext);
  path = emb_test_write (name, full->data, len);
  load_path = path;
  options.format = spec.format;
  options.shape_rows = spec.shape_rows;
  options.shape_cols = spec.shape_cols;
  if (spec.vocab)
    {
      load_path = write_matrix ("cut");
      options.format = "npy";
      options.vocab_path = path;
    }

  /* The whole file loads. */
  {
    g_autoptr(EmbDataset) ds = load_ok (spec.format, load_path, &options);
    g_assert_cmpuint (ds->matrix->n_rows, >=, 2);
  }

  for (gsize cut = 1; cut < len; cut++)
    {
      g_autofree char *what = g_strdup_printf ("%s | cut at byte %zu of %zu", spec.format, cut, len);
      g_autoptr(GError) error = NULL;
      CutExpect x = { CUT_FAILS, 0, { -1, FALSE, AT_FILE, POS_EXACT, { 0, 0 }, NULL } };
      GError *local = NULL;
      EmbDataset *ds;

      rewrite (path, full->data, cut);
      spec.rule (&spec, full->data, len, cut, &x);
      ds = timed_load (what, load_path, &options, &local);
      error = local;

      if (ds != NULL)
        {
          n_loaded++;
          if (x.outcome == CUT_FAILS)
            fail ("%s: loaded (%zu rows), expected an error",
                  what, ds->matrix->n_rows);
          else if (ds->matrix->n_rows != x.rows ||
                   ds->matrix->n_rows != emb_vocab_size (ds->vocab))
            fail ("%s: loaded %zu rows and %zu tokens, expected %zu",
                  what, ds->matrix->n_rows, emb_vocab_size (ds->vocab), x.rows);
          emb_dataset_unref (ds);
        }
      else
        {
          n_failed++;
          if (x.outcome == CUT_LOADS)
            fail ("%s: expected %zu rows, got: %s",
                  what, x.rows, error != NULL ? error->message : "no error");
          else
            check_failure (what, path, NULL, error, &x.e);
        }

      /* A sample of the messages: inside the first bytes, a third and
       * two thirds in, and one byte short. */
      if (error != NULL && (cut == 3 || cut == len / 3 || cut == 2 * len / 3 || cut == len - 2))
        g_test_message ("%s | %s", what, error->message);

      if (spec.detect)
        {
          g_autoptr(GError) detected = NULL;
          const char *format = options.format;

          options.format = NULL;
          ds = timed_load (what, load_path, &options, &detected);
          options.format = format;
          if ((ds == NULL) != (error != NULL) ||
              (error != NULL && !g_str_equal (error->message, detected->message)))
            fail ("%s: detection gives another result: %s", what,
                  detected != NULL ? detected->message : "it loads");
          g_clear_pointer (&ds, emb_dataset_unref);
        }
    }
  g_test_message ("%s | cut at each of %zu bytes | %u refused, %u loaded",
                  spec.format, len - 1, n_failed, n_loaded);
}

/* tests: memory */

static void
test_peak_memory (void)
{
  struct rusage usage;

  g_assert_no_errno (getrusage (RUSAGE_SELF, &usage));
  g_test_message ("peak resident size after all cases: %ld MB", usage.ru_maxrss / 1024);
  g_assert_cmpint (usage.ru_maxrss, <, MAX_RSS_KB);
}

int
main (int    argc,
      char **argv)
{
  const char *previous = NULL;

  /* The messages are printed as they are, UTF-8 included (LC_ALL=C.UTF-8
   * under meson test), not converted to ASCII. */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (previous == NULL || !g_str_equal (previous, cases[i].format))
      {
        g_autofree char *test = g_strdup_printf ("/malformed/table/%s", cases[i].format);

        g_test_add_data_func (test, cases[i].format, test_table);
        previous = cases[i].format;
      }
  g_test_add_func ("/malformed/files/every-format-listed", test_every_format_listed);
  g_test_add_func ("/malformed/files/empty", test_empty);
  g_test_add_func ("/malformed/files/directory", test_directory);
  g_test_add_func ("/malformed/files/missing", test_missing);
  g_test_add_func ("/malformed/files/fifo", test_fifo);
  g_test_add_func ("/malformed/files/unreadable", test_unreadable);
  g_test_add_func ("/malformed/utf8/tokens-kept", test_invalid_utf8_tokens);
  for (guint i = 0; i < G_N_ELEMENTS (cut_cases); i++)
    {
      g_autofree char *test = g_strdup_printf ("/malformed/truncated/%s", cut_cases[i].spec.format);

      g_test_add_data_func (test, &cut_cases[i], test_cuts);
    }
  /* Last: the peak over everything above. */
  g_test_add_func ("/malformed/memory/peak", test_peak_memory);

  return g_test_run ();
}
