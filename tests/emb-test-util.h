/* emb-test-util.h: helpers shared by the tests: temporary files and
 * folders, loads that must succeed or fail, little-endian writers, and
 * small matrices and callbacks. */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "io/emb-dataset.h"
#include "base/emb-error.h"

/* A fresh temporary directory, removed with everything in it at exit
 * (kept, and named on stderr, when EMB_KEEP_TEST_FILES is set). */
const char *emb_test_tmpdir (void);

/* The path of name inside emb_test_tmpdir () (free it). */
char *emb_test_tmp_path (const char *name);

/* Writes len bytes (len < 0: a NUL-terminated string) to name inside
 * emb_test_tmpdir () and returns the full path (owned by the helper). */
const char *emb_test_write (const char *name,
                            const void *data,
                            gssize      len);

/* A private folder "embedlens-NAME-XXXXXX" in the temporary folder, for
 * files the loader looks for by name beside a matrix; free it. */
char *emb_test_make_folder (const char *name);

/* Writes len bytes (len < 0: a NUL-terminated string) to dir/name,
 * making the folders name has; returns the path (free it). */
char *emb_test_folder_write (const char *dir,
                             const char *name,
                             const void *data,
                             gssize      len);

/* Removes dir and everything in it. */
void  emb_test_folder_remove (const char *dir);

/* The real-file fixtures folder (../shared/fixtures), or NULL after
 * g_test_skip () when it is absent. */
const char *emb_test_fixtures (void);

/* The file real/name in the fixtures folder (free it), or NULL after
 * g_test_skip () when the folder is absent. */
char *emb_test_real_fixture (const char *name);

/* Loads path with options (may be NULL) and asserts success. */
EmbDataset *emb_test_load_ok (const char           *path,
                              const EmbLoadOptions *options);

/* Loads path as format (NULL: detected) and asserts success. */
EmbDataset *emb_test_load_as (const char *path,
                              const char *format);

/* Loads path, asserts failure with domain EMB_ERROR and returns the message
 * (owned by the helper until the next call). */
const char *emb_test_load_fail (const char           *path,
                                const EmbLoadOptions *options);

/* Fails the test, quoting both, unless text contains part. */
void emb_test_assert_contains (const char *text,
                               const char *part);

/* Loads path with options (may be NULL), asserts that it fails with code
 * in EMB_ERROR and that the message names the file; returns the message
 * (free it). */
char *emb_test_load_error (const char           *path,
                           const EmbLoadOptions *options,
                           EmbErrorCode          code);

/* Asserts that row i of m holds exactly the values of expected. */
void emb_test_assert_row (const EmbMatrix *m,
                          gsize            i,
                          const float     *expected);

/* Little-endian writers for files built byte by byte. */
void emb_test_put_u8  (GByteArray *b, guint8  v);
void emb_test_put_u16 (GByteArray *b, guint16 v);
/* A version 1.0 .npy header for rows x cols little-endian float32, padded
 * as numpy pads it (the data starts at a multiple of 64 bytes). */
void emb_test_put_npy_f32_header (GByteArray *b, gsize rows, gsize cols);
void emb_test_put_u32 (GByteArray *b, guint32 v);
void emb_test_put_u64 (GByteArray *b, guint64 v);
void emb_test_put_f32 (GByteArray *b, float   f);
void emb_test_put_f64 (GByteArray *b, double  x);

/* A GGUF string: its u64 length, then its bytes. */
void emb_test_put_gguf_str (GByteArray *b, const char *s);

/* The bytes of s, without its NUL. */
void emb_test_put_str (GByteArray *b, const char *s);

/* emb_matrix_new (), asserting that it succeeds. */
EmbMatrix *emb_test_matrix_new (gsize n_rows,
                                gsize n_cols);

/* A standard normal value (Box-Muller). */
double emb_test_gaussian (GRand *rand);

/* Pixel (x, y) of an image surface as cairo stores it: 0xAARRGGBB,
 * premultiplied, native endian. */
guint32 emb_test_pixel (cairo_surface_t *surface,
                        int              x,
                        int              y);

/* Fails the test unless value is within tolerance of expected. */
void emb_test_assert_near (int value,
                           int expected,
                           int tolerance);

/* A GAsyncReadyCallback that stores a reference to the result in
 * *(GAsyncResult **) user_data. */
void emb_test_store_result (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data);

/* Runs the main context until emb_test_store_result has filled *slot;
 * returns it. */
GAsyncResult *emb_test_wait_result (GAsyncResult **slot);
