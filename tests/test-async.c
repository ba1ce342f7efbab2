/* test-async.c: core's _async/_finish pairs give what the plain calls give.
 *
 * A small GloVe file written here is loaded through emb_dataset_load_async,
 * turned into a scene by emb_scene_new_async and emb_scene_load_async, then
 * queried (neighbours, analogy, search) against the synchronous answers;
 * a cancelled call finishes with G_IO_ERROR_CANCELLED.  The scene load's
 * two steps: its progress, and the errors of either step.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "base/emb-error.h"
#include "io/emb-dataset-async.h"
#include "analysis/emb-scene.h"
#include "emb-test-util.h"

static const char glove[] =
  "king 0.9 0.8 0.1\n"
  "queen 0.9 0.1 0.8\n"
  "man 0.1 0.9 0.1\n"
  "woman 0.1 0.1 0.9\n"
  "kingdom 0.8 0.7 0.2\n"
  "apple -0.5 0.2 0.1\n";

static void
clear_result (GAsyncResult **slot)
{
  g_clear_object (slot);
}

static void
progress_max (double fraction, gpointer user_data)
{
  /* Reports come from the worker thread, one at a time. */
  double *max = user_data;
  if (fraction > *max)
    *max = fraction;
}

static void
test_async (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embedlens-async-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "small.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbScene) scene = NULL, loaded = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  EmbLoadOptions options = { .format = "glove" };
  GAsyncResult *result = NULL;
  double progress = 0;
  EmbNeighbor expect[5];
  gsize n_expect, king, man, woman;

  g_assert_true (g_file_set_contents (path, glove, -1, NULL));

  emb_dataset_load_async (path, &options, NULL, progress_max, &progress, emb_test_store_result, &result);
  ds = emb_dataset_load_finish (emb_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->matrix->n_rows, ==, 6);
  g_assert_cmpstr (ds->format, ==, "glove");
  clear_result (&result);

  emb_scene_new_async (ds, NULL, emb_test_store_result, &result);
  scene = emb_scene_new_finish (emb_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (scene->dataset == ds);
  clear_result (&result);

  progress = 0;
  emb_scene_load_async (path, NULL, NULL, progress_max, &progress, emb_test_store_result, &result);
  loaded = emb_scene_load_finish (emb_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (progress, ==, 1.0);
  g_assert_cmpfloat (loaded->norms[0], ==, scene->norms[0]);
  clear_result (&result);

  /* Neighbours: what the index says directly; k is cut to n - 1. */
  g_assert_true (emb_vocab_lookup (ds->vocab, "king", &king));
  g_assert_true (emb_vocab_lookup (ds->vocab, "man", &man));
  g_assert_true (emb_vocab_lookup (ds->vocab, "woman", &woman));
  n_expect = emb_knn_query_row (scene->knn, king, EMB_METRIC_COSINE, 5, expect);
  emb_scene_neighbors_async (scene, king, EMB_METRIC_COSINE, 50, NULL, emb_test_store_result, &result);
  {
    g_autoptr(GArray) got = emb_scene_neighbors_finish (emb_test_wait_result (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, n_expect);
    for (gsize i = 0; i < n_expect; i++)
      {
        g_assert_cmpuint (g_array_index (got, EmbNeighbor, i).id, ==, expect[i].id);
        g_assert_cmpfloat (g_array_index (got, EmbNeighbor, i).score, ==, expect[i].score);
      }
    g_assert_cmpstr (emb_vocab_display (ds->vocab, g_array_index (got, EmbNeighbor, 0).id), ==, "kingdom");
  }
  clear_result (&result);

  emb_scene_analogy_async (scene, king, man, woman, 2, NULL, emb_test_store_result, &result);
  {
    g_autoptr(GArray) got = emb_scene_analogy_finish (emb_test_wait_result (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, 2);
    g_assert_cmpstr (emb_vocab_display (ds->vocab, g_array_index (got, EmbNeighbor, 0).id), ==, "queen");
  }
  clear_result (&result);

  emb_search_tokens_async (ds->vocab, "king", FALSE, NULL, emb_test_store_result, &result);
  {
    g_autoptr(GArray) got = emb_search_tokens_finish (emb_test_wait_result (&result), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (got->len, ==, 2);
    g_assert_cmpuint (g_array_index (got, gsize, 0), ==, king);
  }
  clear_result (&result);

  /* A bad pattern is the search's error. */
  emb_search_tokens_async (ds->vocab, "(", TRUE, NULL, emb_test_store_result, &result);
  g_assert_null (emb_search_tokens_finish (emb_test_wait_result (&result), &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_clear_error (&error);
  clear_result (&result);

  /* Cancelled before they run. */
  g_cancellable_cancel (cancelled);
  emb_dataset_load_async (path, NULL, cancelled, NULL, NULL, emb_test_store_result, &result);
  g_assert_null (emb_dataset_load_finish (emb_test_wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  clear_result (&result);
  emb_scene_neighbors_async (scene, king, EMB_METRIC_COSINE, 3, cancelled, emb_test_store_result, &result);
  g_assert_null (emb_scene_neighbors_finish (emb_test_wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  clear_result (&result);

  /* The options are copied: a deep copy frees cleanly. */
  {
    EmbLoadOptions src = { .format = "glove", .vocab_path = "v.txt", .tensor = "t", .shape_rows = 3 };
    g_autoptr(EmbLoadOptions) copy = emb_load_options_copy (&src);
    g_assert_cmpstr (copy->vocab_path, ==, "v.txt");
    g_assert_true (copy->vocab_path != src.vocab_path);
    g_assert_cmpuint (copy->shape_rows, ==, 3);
  }

  g_unlink (path);
  g_rmdir (dir);
}

/* Every report, in order; reports come from worker threads. */
typedef struct
{
  GMutex  lock;
  GArray *values;
} Reports;

static void
progress_record (double fraction, gpointer user_data)
{
  Reports *r = user_data;

  g_mutex_lock (&r->lock);
  g_array_append_val (r->values, fraction);
  g_mutex_unlock (&r->lock);
}

/* The scene load is the dataset load and then the scene: its progress
 * rises to 0.85 (the load's share) over the load, then to 1; the options
 * may go as soon as the call returns; the dataset's and the scene's
 * errors and a cancel come back as they are. */
static void
test_scene_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embedlens-async-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "small.txt", NULL);
  g_autofree char *one = g_build_filename (dir, "one.txt", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.txt", NULL);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbScene) scene = NULL;
  EmbLoadOptions *options = g_new0 (EmbLoadOptions, 1);
  Reports reports = { .values = g_array_new (FALSE, FALSE, sizeof (double)) };
  GAsyncResult *result = NULL;
  gboolean saw_split = FALSE;

  g_mutex_init (&reports.lock);
  g_assert_true (g_file_set_contents (path, glove, -1, NULL));
  g_assert_true (g_file_set_contents (one, "solo 1 2 3\n", -1, NULL));
  g_assert_true (g_file_set_contents (bad, "a 1 2 3\nb 1 x 3\n", -1, NULL));

  options->format = g_strdup ("glove");
  emb_scene_load_async (path, options, NULL, progress_record, &reports, emb_test_store_result, &result);
  g_free ((char *) options->format);
  options->format = NULL;
  scene = emb_scene_load_finish (emb_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (emb_scene_n_rows (scene), ==, 6);
  g_assert_cmpstr (scene->dataset->format, ==, "glove");
  clear_result (&result);
  g_assert_cmpuint (reports.values->len, >=, 2);
  for (guint i = 0; i < reports.values->len; i++)
    {
      double v = g_array_index (reports.values, double, i);

      g_assert_cmpfloat (v, >=, 0.0);
      if (i > 0)
        g_assert_cmpfloat (v, >=, g_array_index (reports.values, double, i - 1));
      if (!saw_split)
        g_assert_cmpfloat (v, <=, 0.85);
      saw_split |= v == 0.85;
    }
  g_assert_true (saw_split);
  g_assert_cmpfloat (g_array_index (reports.values, double, reports.values->len - 1), ==, 1.0);

  /* The dataset's error, naming the file and line. */
  emb_scene_load_async (bad, NULL, NULL, NULL, NULL, emb_test_store_result, &result);
  g_assert_null (emb_scene_load_finish (emb_test_wait_result (&result), &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_PARSE);
  {
    g_autofree char *at = g_strdup_printf ("%s:2:", bad);

    emb_test_assert_contains (error->message, at);
  }
  g_clear_error (&error);
  clear_result (&result);

  /* The scene's: one row is no plot. */
  emb_scene_load_async (one, options, NULL, NULL, NULL, emb_test_store_result, &result);
  g_assert_null (emb_scene_load_finish (emb_test_wait_result (&result), &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_SHAPE);
  g_clear_error (&error);
  clear_result (&result);

  /* Cancelled: no scene, and the progress never reaches the end. */
  g_array_set_size (reports.values, 0);
  g_cancellable_cancel (cancelled);
  emb_scene_load_async (path, options, cancelled, progress_record, &reports, emb_test_store_result, &result);
  g_assert_null (emb_scene_load_finish (emb_test_wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  clear_result (&result);
  for (guint i = 0; i < reports.values->len; i++)
    g_assert_cmpfloat (g_array_index (reports.values, double, i), <, 1.0);

  g_array_unref (reports.values);
  g_mutex_clear (&reports.lock);
  emb_load_options_free (options);
  g_unlink (path);
  g_unlink (one);
  g_unlink (bad);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/async/scene", test_async);
  g_test_add_func ("/async/scene-load", test_scene_load);
  return g_test_run ();
}
