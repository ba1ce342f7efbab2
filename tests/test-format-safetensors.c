/* test-format-safetensors.c: safetensors files and sharded checkpoints.
 *
 * Most files are built here byte by byte (header length, JSON, data), so
 * every offset, dtype and value is known on paper; the real files in
 * ../shared/fixtures were written by the official safetensors writer.
 *
 * The built files are in safetensors/: well-formed ones (st-valid.c),
 * broken ones (st-errors.c) and sharded checkpoints (st-sharded.c), with
 * their builders in st-build.c; this file holds the real files and
 * main ().
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "safetensors/st-test.h"

static EmbDataset *
load_reference (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "llm", "stories260k-embed.npy", NULL);

  return emb_test_load_ok (path, NULL);
}

static void
check_stories (const char *file,
               float       tolerance,
               const char *dtype)
{
  static const gsize top5[] = { 403, 291, 385, 321, 342 };
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autoptr(EmbDataset) ref = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbKnnIndex) index = NULL;
  EmbNeighbor got[5];
  float worst = 0;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "llm", file, NULL);
  ref = load_reference (dir);
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->format, ==, "safetensors");
  g_assert_cmpstr (ds->tensor, ==, "model.embed_tokens.weight");
  g_assert_cmpstr (ds->dtype, ==, dtype);
  g_assert_cmpuint (ds->matrix->n_rows, ==, 512);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 64);
  g_assert_cmpuint (ds->tensors->len, ==, 2);
  for (gsize k = 0; k < 512 * 64; k++)
    worst = MAX (worst, fabsf (ds->matrix->data[k] - ref->matrix->data[k]));
  g_test_message ("%s: largest difference from the reference %g", file, worst);
  g_assert_cmpfloat (worst, <=, tolerance);

  index = emb_knn_index_new (ds->matrix);
  g_assert_cmpuint (emb_knn_query_row (index, 1, EMB_METRIC_COSINE, 5, got), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < 5; j++)
        found |= got[i].id == top5[j];
      if (!found)
        g_error ("%s: row 1's neighbour %" G_GSIZE_FORMAT " is not in the reference top 5",
                 file, got[i].id);
    }
}

static void
test_real_stories_f32 (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autoptr(EmbDataset) ds = NULL;

  check_stories ("stories260k-f32.safetensors", 0.0f, "float32");
  if (dir == NULL)
    return;
  path = g_build_filename (dir, "llm", "stories260k-f32.safetensors", NULL);
  ds = emb_test_load_ok (path, NULL);
  g_assert_true (emb_matrix_is_view (ds->matrix));
}

static void
test_real_stories_f16 (void)
{
  check_stories ("stories260k-f16.safetensors", 5e-4f, "float16");
}

static void
test_real_stories_bf16 (void)
{
  check_stories ("stories260k-bf16.safetensors", 4e-3f, "bfloat16");
}

static void
test_real_candle_mel (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autoptr(EmbDataset) ds = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "real", "candle-mel_filters.safetensors", NULL);
  ds = emb_test_load_ok (path, NULL);
  g_assert_cmpstr (ds->tensor, ==, "mel_80");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 80);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 201);
  g_assert_true (emb_matrix_is_view (ds->matrix));
}

static void
test_real_candle_codes (void)
{
  const char *dir = emb_test_fixtures ();
  g_autofree char *path = NULL;
  g_autofree char *msg = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "real", "candle-jfk-codes.safetensors", NULL);
  msg = emb_test_load_error (path, NULL, EMB_ERROR_UNSUPPORTED);
  emb_test_assert_contains (msg, "codes");
  emb_test_assert_contains (msg, "I64");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  st_add_valid_tests ();
  st_add_errors_tests ();
  st_add_sharded_tests ();
  st_add_header_tests ();
  g_test_add_func ("/safetensors/real/stories260k-f32", test_real_stories_f32);
  g_test_add_func ("/safetensors/real/stories260k-f16", test_real_stories_f16);
  g_test_add_func ("/safetensors/real/stories260k-bf16", test_real_stories_bf16);
  g_test_add_func ("/safetensors/real/candle-mel-filters", test_real_candle_mel);
  g_test_add_func ("/safetensors/real/candle-jfk-codes", test_real_candle_codes);

  return g_test_run ();
}
