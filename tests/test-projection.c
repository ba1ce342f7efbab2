/* test-projection.c: t-SNE and UMAP of every row, end to end.
 *
 * Well-separated blobs must come out as blobs: a 5-nearest-neighbour
 * classifier on the map (leave-one-out, computed here) finds each row's
 * blob, and the map is trustworthy.  The same seed gives the same bytes;
 * bad options, cancels, the cache and the frame control are checked too.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "base/emb-error.h"
#include "io/emb-dataset.h"
#include "map/emb-map-control.h"
#include "map/emb-projection.h"
#include "map/emb-projection-cache.h"
#include "map/emb-trust.h"
#include "emb-test-util.h"

#define BLOBS    10

/* BLOBS x per_blob rows in d dimensions, row i in blob i % BLOBS. */
static EmbMatrix *
blobs (gsize   per_blob,
       gsize   d,
       guint32 seed)
{
  gsize n = BLOBS * per_blob;
  EmbMatrix *m = emb_test_matrix_new (n, d);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree double *c = g_new (double, BLOBS * d);

  for (gsize i = 0; i < BLOBS * d; i++)
    c[i] = 10.0 * emb_test_gaussian (rand);
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < d; j++)
      m->data[i * d + j] = (float) (c[(i % BLOBS) * d + j] + emb_test_gaussian (rand));
  return m;
}

/* Leave-one-out 5-NN accuracy of the blob labels on the map. */
static double
knn_accuracy (const float *y,
              gsize        n,
              guint        dims)
{
  gsize right = 0;

  for (gsize i = 0; i < n; i++)
    {
      double best[5];
      gsize who[5], votes[BLOBS] = { 0 }, top = 0;

      for (int a = 0; a < 5; a++)
        best[a] = INFINITY;
      for (gsize j = 0; j < n; j++)
        {
          double s = 0;
          int p;

          if (j == i)
            continue;
          for (guint c = 0; c < dims; c++)
            s += ((double) y[i * dims + c] - y[j * dims + c]) * ((double) y[i * dims + c] - y[j * dims + c]);
          if (s >= best[4])
            continue;
          for (p = 4; p > 0 && best[p - 1] > s; p--)
            {
              best[p] = best[p - 1];
              who[p] = who[p - 1];
            }
          best[p] = s;
          who[p] = j;
        }
      for (int a = 0; a < 5; a++)
        votes[who[a] % BLOBS]++;
      for (gsize b = 1; b < BLOBS; b++)
        if (votes[b] > votes[top])
          top = b;
      right += top == i % BLOBS;
    }
  return (double) right / (double) n;
}

static void
check_blobs (EmbProjectionMethod method,
             guint               dims,
             gsize               per_blob,
             gsize               d)
{
  g_autoptr(EmbMatrix) m = blobs (per_blob, d, 7);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbProjection) p = NULL;
  EmbProjectionOptions o;
  double acc, trust = 0;

  emb_projection_options_init (&o);
  o.method = method;
  o.dims = dims;
  p = emb_projection_compute (m, &o, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p);
  g_assert_cmpuint (p->n, ==, m->n_rows);
  for (gsize i = 0; i < m->n_rows * dims; i++)
    g_assert_true (isfinite (p->coords[i]));
  acc = knn_accuracy (p->coords, m->n_rows, dims);
  g_assert_true (emb_trustworthiness (m, o.metric, p->coords, dims, 10, 2000, &trust, NULL, &error));
  g_test_message ("%s %uD of %zu x %zu: 5-NN accuracy %.4f, trustworthiness@10 %.4f, graph on %zu "
                  "columns, recall against all columns %.3f, %.2f s",
                  emb_projection_method_to_string (method), dims, m->n_rows, d, acc, trust,
                  p->graph_dims, p->reduction_recall,
                  p->seconds_prepare + p->seconds_graph + p->seconds_optimise);
  g_assert_cmpfloat (acc, >=, 0.95);
  g_assert_cmpfloat (trust, >=, 0.9);
  g_assert_cmpuint (p->graph_dims, ==, MIN (d, 50));
}

static void
test_tsne_blobs (void)
{
  check_blobs (EMB_PROJECTION_TSNE, 2, 300, 60);
}

static void
test_umap_blobs (void)
{
  check_blobs (EMB_PROJECTION_UMAP, 2, 300, 60);
}

static void
test_3d (void)
{
  check_blobs (EMB_PROJECTION_TSNE, 3, 60, 20);
  check_blobs (EMB_PROJECTION_UMAP, 3, 60, 20);
}

static void
test_same_seed (void)
{
  g_autoptr(EmbMatrix) m = blobs (100, 16, 3);

  for (int method = EMB_PROJECTION_TSNE; method <= EMB_PROJECTION_UMAP; method++)
    {
      g_autoptr(EmbProjection) a = NULL, b = NULL, c = NULL;
      EmbProjectionOptions o;

      emb_projection_options_init (&o);
      o.method = method;
      o.n_iterations = 100;
      o.seed = 42;
      a = emb_projection_compute (m, &o, NULL, NULL, NULL, NULL, NULL, NULL);
      b = emb_projection_compute (m, &o, NULL, NULL, NULL, NULL, NULL, NULL);
      g_assert_nonnull (a);
      g_assert_nonnull (b);
      g_assert_cmpmem (a->coords, m->n_rows * 2 * sizeof (float), b->coords, m->n_rows * 2 * sizeof (float));
      if (method == EMB_PROJECTION_UMAP)
        {
          /* UMAP's sampling follows the seed. */
          o.seed = 43;
          c = emb_projection_compute (m, &o, NULL, NULL, NULL, NULL, NULL, NULL);
          g_assert_nonnull (c);
          g_assert_true (memcmp (a->coords, c->coords, m->n_rows * 2 * sizeof (float)) != 0);
        }
    }
}

static void
test_bad_options (void)
{
  g_autoptr(EmbMatrix) m = blobs (10, 4, 1);
  g_autoptr(EmbMatrix) small = emb_test_matrix_new (40, 4);
  g_autoptr(GError) error = NULL;
  EmbProjectionOptions o;

  memcpy (small->data, m->data, 40 * 4 * sizeof (float));
  emb_projection_options_init (&o);
  o.method = EMB_PROJECTION_TSNE;
  g_assert_null (emb_projection_compute (small, &o, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  emb_test_assert_contains (error->message, "perplexity 30 needs more than 91 rows; the table has 40");
  g_clear_error (&error);

  o.dims = 4;
  g_assert_false (emb_projection_options_check (&o, 1000, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_clear_error (&error);

  o.dims = 2;
  o.method = EMB_PROJECTION_UMAP;
  o.n_neighbors = 1;
  g_assert_false (emb_projection_options_check (&o, 1000, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_clear_error (&error);

  o.n_neighbors = 15;
  o.metric = EMB_METRIC_DOT;
  g_assert_false (emb_projection_options_check (&o, 1000, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
}

/* Duplicate rows (zero distances) and a constant column: finite maps. */
static void
test_degenerate (void)
{
  g_autoptr(EmbMatrix) m = blobs (60, 8, 5);

  for (gsize i = 0; i < m->n_rows; i++)
    {
      m->data[i * 8 + 3] = 2.5f;
      if (i >= m->n_rows / 2)
        memcpy (m->data + i * 8, m->data + (i % 7) * 8, 8 * sizeof (float));
    }
  for (int method = EMB_PROJECTION_TSNE; method <= EMB_PROJECTION_UMAP; method++)
    for (int metric = 0; metric < 2; metric++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(EmbProjection) p = NULL;
        EmbProjectionOptions o;

        emb_projection_options_init (&o);
        o.method = method;
        o.metric = metric ? EMB_METRIC_EUCLIDEAN : EMB_METRIC_COSINE;
        o.n_iterations = 150;
        p = emb_projection_compute (m, &o, NULL, NULL, NULL, NULL, NULL, &error);
        g_assert_no_error (error);
        for (gsize i = 0; i < m->n_rows * 2; i++)
          g_assert_true (isfinite (p->coords[i]));
      }
}

typedef struct
{
  GCancellable *cancellable;
  guint         frames;
  guint         last_iteration;
} FrameCount;

static void
cancel_at_frame_3 (const float *layout,
                   gsize        n,
                   guint        dims,
                   guint        iteration,
                   guint        n_iterations,
                   gpointer     user_data)
{
  FrameCount *fc = user_data;

  (void) layout; (void) n; (void) dims; (void) n_iterations;
  fc->last_iteration = iteration;
  if (++fc->frames == 3)
    g_cancellable_cancel (fc->cancellable);
}

static void
test_cancel (void)
{
  g_autoptr(EmbMatrix) m = blobs (100, 8, 2);

  for (int method = EMB_PROJECTION_TSNE; method <= EMB_PROJECTION_UMAP; method++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      FrameCount fc = { cancellable, 0, 0 };
      EmbProjectionOptions o;

      emb_projection_options_init (&o);
      o.method = method;
      o.frame_every = 5;
      g_assert_null (emb_projection_compute (m, &o, cancel_at_frame_3, &fc, NULL, NULL, cancellable, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpuint (fc.frames, ==, 3);
      g_assert_cmpuint (fc.last_iteration, ==, 15);
    }
}

/* A map stored for a file is found for the same file and options only. */
static void
test_cache (void)
{
  g_autoptr(EmbMatrix) m = blobs (20, 3, 4);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbProjection) p = g_new0 (EmbProjection, 1), back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL, *key2 = NULL;
  const char *path;
  EmbProjectionOptions o;

  for (gsize i = 0; i < 200; i++)
    g_string_append_printf (text, "w%zu %g %g %g\n", i, m->data[i * 3], m->data[i * 3 + 1], m->data[i * 3 + 2]);
  path = emb_test_write ("cache-vectors.txt", text->str, text->len);
  ds = emb_test_load_ok (path, NULL);
  emb_projection_options_init (&o);
  o.method = EMB_PROJECTION_UMAP;
  key = emb_projection_cache_key (ds, &o);
  g_assert_nonnull (key);
  g_assert_null (emb_projection_cache_load (key, 200, &error));
  g_assert_no_error (error);

  p->options = o;
  p->n = 200;
  p->coords = g_new (float, 400);
  for (int i = 0; i < 400; i++)
    p->coords[i] = (float) i / 7.0f;
  p->graph_k = 14;
  p->graph_recall = 0.97;
  g_assert_true (emb_projection_cache_save (key, p, &error));
  g_assert_no_error (error);
  back = emb_projection_cache_load (key, 200, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpmem (back->coords, 400 * sizeof (float), p->coords, 400 * sizeof (float));
  g_assert_cmpuint (back->graph_k, ==, 14);
  g_assert_cmpfloat (back->graph_recall, ==, 0.97);
  g_assert_cmpint (back->options.method, ==, EMB_PROJECTION_UMAP);
  /* Not for another row count, nor other options. */
  g_clear_pointer (&back, emb_projection_free);
  g_assert_null (emb_projection_cache_load (key, 201, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_FORMAT);
  g_clear_error (&error);
  o.seed = 2;
  key2 = emb_projection_cache_key (ds, &o);
  g_assert_cmpstr (key, !=, key2);
  g_assert_null (emb_projection_cache_load (key2, 200, &error));
  g_assert_no_error (error);
  g_clear_pointer (&key2, g_free);
  /* A file written again has another key. */
  g_usleep (20000);
  g_string_append (text, "extra 1 2 3\n");
  emb_test_write ("cache-vectors.txt", text->str, text->len);
  o.seed = 1;
  key2 = emb_projection_cache_key (ds, &o);
  g_assert_cmpstr (key, !=, key2);
}

/* The control: frames reach the main loop, the newest one wins, a pause
 * holds the worker until resumed or cancelled. */
typedef struct
{
  EmbMapControl *control;
  gint           frames_sent;   /* atomic */
  gint           stop;          /* atomic */
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  float layout[4] = { 0 };

  for (guint it = 1; !g_atomic_int_get (&w->stop); it++)
    {
      layout[0] = (float) it;
      emb_map_control_frame (layout, 2, 2, it, 1000000, w->control);
      g_atomic_int_inc (&w->frames_sent);
      if (it == 1000000)
        break;
    }
  return NULL;
}

static gboolean
count_notify (gpointer data)
{
  (*(int *) data)++;
  return G_SOURCE_REMOVE;
}

static void
test_control (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  int notified = 0;
  Worker w = { 0 };
  GThread *thread;
  gsize n;
  guint dims, it, n_it;
  float *frame;
  gint sent;

  w.control = emb_map_control_new (cancellable, NULL, count_notify, &notified);
  emb_map_control_set_paused (w.control, TRUE);
  thread = g_thread_new ("worker", worker_thread, &w);
  /* Paused inside its first frame: it sends nothing more. */
  while (g_main_context_iteration (NULL, FALSE) || notified == 0)
    ;
  g_usleep (50000);
  sent = g_atomic_int_get (&w.frames_sent);
  g_assert_cmpint (sent, ==, 0);
  frame = emb_map_control_take_frame (w.control, &n, &dims, &it, &n_it);
  g_assert_nonnull (frame);
  g_assert_cmpfloat (frame[0], ==, 1.0f);
  g_assert_cmpuint (it, ==, 1);
  g_free (frame);
  /* Resumed: frames flow, and a take gets the newest one. */
  emb_map_control_set_paused (w.control, FALSE);
  while (g_atomic_int_get (&w.frames_sent) < 1000)
    g_usleep (1000);
  emb_map_control_set_paused (w.control, TRUE);
  g_usleep (20000);
  sent = g_atomic_int_get (&w.frames_sent);
  frame = emb_map_control_take_frame (w.control, &n, &dims, &it, &n_it);
  g_assert_nonnull (frame);
  g_assert_cmpuint (it, ==, (guint) sent + 1);
  g_assert_cmpfloat (frame[0], ==, (float) it);
  g_free (frame);
  g_assert_null (emb_map_control_take_frame (w.control, &n, &dims, &it, &n_it));
  /* Cancel wakes the paused worker. */
  g_atomic_int_set (&w.stop, TRUE);
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);
  emb_map_control_detach (w.control);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  emb_map_control_unref (w.control);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cache = emb_test_make_folder ("cache");
  int status;

  /* The cache test's maps go to a folder of its own (set before any
   * thread starts). */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/projection/tsne-blobs", test_tsne_blobs);
  g_test_add_func ("/projection/umap-blobs", test_umap_blobs);
  g_test_add_func ("/projection/3d", test_3d);
  g_test_add_func ("/projection/same-seed", test_same_seed);
  g_test_add_func ("/projection/bad-options", test_bad_options);
  g_test_add_func ("/projection/degenerate", test_degenerate);
  g_test_add_func ("/projection/cancel", test_cancel);
  g_test_add_func ("/projection/cache", test_cache);
  g_test_add_func ("/projection/control", test_control);
  status = g_test_run ();
  emb_test_folder_remove (cache);
  return status;
}
