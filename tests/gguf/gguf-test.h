/* gguf-test.h: what the GGUF reader's tests share: the format's type
 * numbers, the builders of files byte by byte and the load helpers. */
#pragma once

#include <glib.h>

#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"
#include "emb-test-util.h"

/* GGUF metadata value types and ggml tensor types, as the format numbers them. */
enum
{
  T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL,
  T_STRING, T_ARRAY, T_U64, T_I64, T_F64,
};

enum
{
  G_F32 = 0, G_F16 = 1, G_Q4_0 = 2, G_Q8_0 = 8, G_Q4_K = 12, G_F64 = 28, G_BF16 = 30,
};

/* Loads with the format named gguf. */
extern const EmbLoadOptions gguf_options;

void put_key (GByteArray *b, const char *key, guint32 type);

/* An array header: element type and count. */
void put_array (GByteArray *b, const char *key, guint32 elem, guint64 count);

GByteArray *gguf_new (guint32 version, guint64 n_tensors, guint64 n_kv);

/* A tensor info; ne fastest first, as ggml lists it. */
void put_tensor (GByteArray *b, const char *name, guint32 n_dims,
                 const guint64 *ne, guint32 type, guint64 offset);

void pad_to (GByteArray *b, guint alignment);

/* A file holding one tensor, token_embd.weight, of rows x cols values of
 * type, stored as the len bytes at data; *data_start (if not NULL) says
 * where they begin. */
GByteArray *matrix_file (guint32 version, guint32 type, guint64 rows,
                         guint64 cols, const void *data, gsize len,
                         gsize *data_start);

/* 3 x 4 float32 values r * 10 + c + 0.5, row-major. */
GByteArray *f32_3x4_data (void);

EmbDataset *load_ok (GByteArray *b, const char *name);

/* Loads b from a file, and from an exact-size heap copy (so that a
 * sanitizer sees any read past the end, which a page-rounded mapping would
 * hide), expecting the same error both times; returns the file's message. */
char *load_error_with (GByteArray *b, const char *name,
                       const EmbLoadOptions *options, EmbErrorCode code);

char *load_error (GByteArray *b, const char *name, EmbErrorCode code);

void assert_raw (const EmbVocab *v, gsize id, const char *expected);

/* Writes tokenizer.ggml.tokens, .token_type (when types is not NULL) and
 * .model (when model is not NULL): 1 to 3 metadata pairs. */
void put_tokenizer (GByteArray *b, const char * const *tokens, guint n,
                    const gint32 *types, const char *model);

/* The tests of each part, registered in the order they run. */
void gguf_add_valid_tests (void);
void gguf_add_vocab_tests (void);
void gguf_add_broken_tests (void);
