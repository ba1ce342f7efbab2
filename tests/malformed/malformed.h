/* malformed.h: what the malformed-input cases share: the case table's
 * types, the per-format tables and the helpers that build their files. */
#pragma once

#include <glib.h>

#include "base/emb-error.h"
#include "emb-test-util.h"

/* The bytes before a version 1.0 .npy header: magic, version, u16 length. */
#define NPY_PREFIX 10

/* The header dict of a valid 2 x 3 float32 .npy. */
#define NPY_2X3 "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"

/* The header of a valid safetensors file: one 2 x 3 float32 tensor "w". */
#define ST_W "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}"

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


#define TEXT(format, what, ext, text, mark, code, place, phrase, flags) \
  { format, what, ext, text, mark, NULL, EMB_ERROR_##code, place, phrase, flags }
#define BUILT(format, what, ext, build, code, place, phrase, flags) \
  { format, what, ext, NULL, NULL, build, EMB_ERROR_##code, place, phrase, flags }

/* The cases of one family of formats, in the order they run, grouped by
 * format: each group is one test. */
typedef struct
{
  const MalformedCase *cases;
  gsize                n;
} MalformedTable;

extern const MalformedTable malformed_text_cases;
extern const MalformedTable malformed_word2vec_binary_cases;
extern const MalformedTable malformed_npy_cases;
extern const MalformedTable malformed_projector_cases;
extern const MalformedTable malformed_safetensors_cases;
extern const MalformedTable malformed_gguf_cases;
extern const MalformedTable malformed_vocab_cases;

/* malformed-build.c: writing files */

/* Raw bytes, zero bytes and float32 values. */
void put (GByteArray *b, const void *data, gsize len);
void put_floats (GByteArray *b, const float *values, gsize n);
void put_zeros (GByteArray *b, gsize n);

/* The 1-based line of text holding the first occurrence of mark. */
guint64 line_of (const char *text, const char *mark);

/* The byte of text where mark first occurs. */
guint64 offset_of (const char *text, const char *mark);

/* The byte where the n-th (from 1) occurrence of c is. */
guint64 nth_char (const char *text, char c, guint n);

/* A version 1.0 .npy header holding dict, padded with spaces and a
 * newline so that the data starts at a multiple of 64 bytes, as numpy
 * writes it.  Returns where the data starts. */
gsize npy_header (GByteArray *b, const char *dict);

/* The file byte of mark inside the header dict of npy_header (). */
guint64 npy_at (const char *dict, const char *mark);

/* A valid 2 x 3 float32 .npy; returns where the data starts. */
gsize npy_valid (GByteArray *b);

/* The u64 header length and the JSON header of a safetensors file;
 * returns where the data starts. */
gsize st_header (GByteArray *b, const char *json);

/* The file byte of mark inside the JSON of st_header (). */
guint64 st_at (const char *json, const char *mark);

/* A GGUF header, a metadata key with its type, and the key
 * tokenizer.ggml.tokens with n tokens. */
void gguf_head (GByteArray *b, guint32 version, guint64 n_tensors,
                guint64 n_kv);
void gguf_key (GByteArray *b, const char *key, guint32 type);
void gguf_tokens (GByteArray *b, const char * const *tokens, guint n);

/* A 2-D tensor info: rows of cols values (ggml lists ne = [cols, rows]).
 * Returns where its offset field is. */
gsize gguf_tensor (GByteArray *b, const char *name, guint64 cols, guint64 rows,
                   guint32 type, guint64 offset);

/* Zero padding to the default alignment of 32; returns the data start. */
gsize gguf_align (GByteArray *b);

/* A valid file: version 3, general.alignment 32, the two tokens, and
 * token_embd.weight, F32, 2 rows of 3 values.  *infos_end (may be NULL)
 * is where the tensor infos end; returns where the data starts. */
gsize gguf_valid (GByteArray *b, const char * const *tokens,
                  const float *values, gsize *infos_end);

/* Writes a file beside the case's file, named PREFIX-suffix; returns that
 * name (to free), which is what a config or index refers to it by. */
char *companion (Built *b, const char *suffix, const void *data, gssize len);

/* The message names a companion file by its full path. */
void name_companion (Built *b, const char *name);

/* A companion file of float32 values. */
char *companion_floats (Built *b, const char *suffix, const float *values,
                        gsize n);

/* A 2 x 3 matrix whose float32 bytes hold no space, tab or newline. */
extern const float six[6];

/* The tokens of the valid files. */
extern const char * const two_tokens[2];

/* A file that is not GGUF (also a vocabulary case). */
void build_gguf_bad_magic (Built *b);

/* malformed-runner.c: checking */

/* Records a failure without stopping the test, and logs it, so that one
 * run lists every case that is wrong. */
void fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Checks a load that must have failed as e says; failures are recorded
 * (not fatal) so that one run lists every case that is wrong.  Returns
 * whether all held. */
gboolean check_failure (const char *what, const char *named, EmbDataset *ds,
                        const GError *error, const Expect *e);

/* Loads path, failing the test when it takes too long. */
EmbDataset *timed_load (const char *what, const char *path,
                        const EmbLoadOptions *options, GError **error);

/* Loads path as what, failing the test unless it loads in time. */
EmbDataset *load_ok (const char *what, const char *path,
                     const EmbLoadOptions *options);

/* The 2 x 3 .npy that vocabulary cases attach their file to. */
const char *write_matrix (const char *prefix);

/* malformed-files.c and malformed-cuts.c: the tests after the table */
void malformed_add_file_tests (void);
void malformed_add_cut_tests (void);
