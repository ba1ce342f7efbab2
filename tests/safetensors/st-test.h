/* st-test.h: what the safetensors tests share: files built byte by byte
 * (header length, JSON, data), the matrix most tests use and the load
 * helpers. */
#pragma once

#include <glib.h>

#include "base/emb-error.h"
#include "emb-test-util.h"

/* Builds a file tensor by tensor, data_offsets following each other. */
typedef struct
{
  GString    *header;
  GByteArray *data;
} StBuilder;

/* Loads with the format named safetensors. */
extern const EmbLoadOptions st_options;

/* A file: the header length n (as given, even when it lies), the header
 * text and the data. */
GByteArray *raw_file (guint64 n, const char *header, gsize header_len,
                      const void *data, gsize data_len);

/* A well-formed file from a header: padded with spaces, as the official
 * writer does, so that the data starts at a multiple of 8. */
GByteArray *st_file (const char *header, const void *data, gsize data_len);

/* A builder whose header starts with __metadata__ (NULL: none). */
StBuilder *st_builder_new (const char *metadata);

/* Appends a tensor with its bytes; shape is the JSON array text. */
void st_add (StBuilder *b, const char *name, const char *dtype,
             const char *shape, GByteArray *bytes);

/* Writes the file and frees the builder. */
const char *st_write (StBuilder *b, const char *file);

/* Writes a to name in the temporary folder and frees it; returns the path. */
const char *write_array (const char *name, GByteArray *a);

/* The rows x cols float32 matrix most tests use: 10 i + j + 0.5. */
float cell (gsize i, gsize j);

/* That matrix as float32 bytes, and len zero bytes. */
GByteArray *cells_f32 (gsize rows, gsize cols);
GByteArray *zeros (gsize len);

/* Asserts that ds holds that matrix, rows x cols. */
void assert_cells (EmbDataset *ds, gsize rows, gsize cols);

/* emb_test_load_error (), and the message also names the byte offset. */
char *load_error_at (const char *path, const EmbLoadOptions *options,
                     EmbErrorCode code, guint64 offset);

/* Writes a to dir/name and frees it. */
void write_in (const char *dir, const char *name, GByteArray *a);

/* IEEE binary16 by its definition, for comparing with the reader. */
float half_reference (guint16 h);

/* The tests of each part, registered in the order they run. */
void st_add_valid_tests (void);
void st_add_errors_tests (void);
void st_add_sharded_tests (void);
void st_add_header_tests (void);
