/* test-ui-map.c: t-SNE and UMAP in the window under Xvfb.
 *
 * A run animates (several frames reach the plot), gives the same map as
 * the command line with the same options, can be paused (no frame comes
 * while paused) and stopped (the map from before comes back), and a
 * finished map comes back from the cache at once.
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "emb-window.h"
#include "emb-test-util.h"
#include "emb-ui-test-util.h"
#include "emb-plot-view.h"
#include "panels/emb-map-panel.h"

#define N_ROWS 2000
#define N_COLS 12

static char *blobs_path;

/* Seeded blobs written as .npy. */
static void
write_blobs (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  double c[8][N_COLS];

  for (int k = 0; k < 8; k++)
    for (int j = 0; j < N_COLS; j++)
      c[k][j] = 8.0 * emb_test_gaussian (rand);
  emb_test_put_npy_f32_header (b, N_ROWS, N_COLS);
  for (int i = 0; i < N_ROWS; i++)
    for (int j = 0; j < N_COLS; j++)
      emb_test_put_f32 (b, (float) (c[i % 8][j] + emb_test_gaussian (rand)));
  blobs_path = g_strdup (emb_test_write ("map-blobs.npy", (const char *) b->data, b->len));
}

typedef struct
{
  EmbMapPanel *panel;
  guint        frames;
} Watch;

static void
map_changed_cb (EmbMapPanel *panel,
                gboolean     fit,
                gpointer     data)
{
  ((Watch *) data)->frames++;
}

static gboolean
run_done (gpointer data)
{
  return !emb_map_panel_is_running (EMB_MAP_PANEL (data));
}

static gboolean
got_frame (gpointer data)
{
  return ((Watch *) data)->frames > 0;
}

static gboolean
got_five_frames (gpointer data)
{
  return ((Watch *) data)->frames >= 5;
}

static float *
copy_map (EmbMapPanel *panel)
{
  guint dims = 0;
  const float *map = emb_map_panel_get_map (panel, &dims);

  g_assert_nonnull (map);
  g_assert_cmpuint (dims, ==, 2);
  return g_memdup2 (map, N_ROWS * 2 * sizeof (float));
}

/* The command line's map for the same options, from its CSV. */
static float *
cli_map (const char *method)
{
  const char *cli = g_getenv ("EMB_CLI");
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { cli, "project", blobs_path, "--method", method, "-o", "-", NULL };
  float *map = g_new (float, N_ROWS * 2);
  int status = 0;

  g_assert_nonnull (cli);
  /* The same BLAS kernels as this process, for the same bits (the command
   * line would otherwise pick the processor's best). */
  g_setenv ("OPENBLAS_CORETYPE", openblas_get_corename (), TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "id,token,x,y");
  for (int i = 0; i < N_ROWS; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i + 1], ",", -1);

      g_assert_cmpuint (g_strv_length (f), ==, 4);
      map[i * 2] = strtof (f[2], NULL);
      map[i * 2 + 1] = strtof (f[3], NULL);
    }
  return map;
}

static void
test_map_runs (void)
{
  EmbWindow *win = emb_ui_new_window_on (blobs_path);
  EmbMapPanel *panel = EMB_MAP_PANEL (emb_ui_child (win, "map_panel"));
  EmbPlotView *plot = EMB_PLOT_VIEW (emb_ui_child (win, "plot"));
  GtkLabel *status = GTK_LABEL (emb_ui_child (win, "map_status"));
  Watch watch = { panel, 0 };
  g_autofree float *umap = NULL, *want = NULL, *again = NULL;
  const float *xs, *ys;
  guint before;

  g_signal_connect (panel, "map-changed", G_CALLBACK (map_changed_cb), &watch);
  g_assert_false (emb_plot_view_has_map (plot));

  /* UMAP: it animates and ends with the command line's map. */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.projection", "s", "umap");
  g_assert_true (emb_map_panel_is_running (panel));
  emb_ui_iterate_until (run_done, panel);
  g_test_message ("UMAP: %u frames; %s", watch.frames, gtk_label_get_text (status));
  g_assert_cmpuint (watch.frames, >=, 2);
  g_assert_true (emb_plot_view_has_map (plot));
  emb_test_assert_contains (gtk_label_get_text (status), "UMAP of 2000 rows in");
  umap = copy_map (panel);
  want = cli_map ("umap");
  g_assert_cmpmem (umap, N_ROWS * 2 * sizeof (float), want, N_ROWS * 2 * sizeof (float));
  g_assert_true (emb_plot_view_get_points (plot, &xs, &ys));
  g_assert_cmpfloat (xs[17], ==, umap[34]);
  g_assert_cmpfloat (ys[17], ==, umap[35]);

  /* t-SNE: the map grows from 1e-4 to tens of units, and the view follows
   * it (the user has not moved it): every point stays on screen. */
  watch.frames = 0;
  gtk_widget_activate_action (GTK_WIDGET (win), "win.projection", "s", "tsne");
  emb_ui_iterate_until (got_frame, &watch);
  watch.frames = 0;
  emb_ui_iterate_until (got_five_frames, &watch);
  for (gsize i = 0; i < N_ROWS; i += 7)
    {
      double px, py;

      g_assert_true (emb_plot_view_get_point_position (plot, i, &px, &py));
      g_assert_cmpfloat (px, >=, 0);
      g_assert_cmpfloat (px, <=, gtk_widget_get_width (GTK_WIDGET (plot)));
      g_assert_cmpfloat (py, >=, 0);
      g_assert_cmpfloat (py, <=, gtk_widget_get_height (GTK_WIDGET (plot)));
    }

  /* Paused: nothing moves until resumed. */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.map-pause", NULL);
  emb_ui_wait_for_frames (GTK_WIDGET (win));
  before = watch.frames;
  for (int i = 0; i < 30; i++)
    {
      g_usleep (10000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_assert_cmpuint (watch.frames, <=, before + 1);
  g_assert_true (emb_map_panel_is_running (panel));
  emb_test_assert_contains (gtk_label_get_text (status), "Paused");

  /* Stopped while paused: the UMAP map from before is back. */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.cancel-load", NULL);
  emb_ui_iterate_until (run_done, panel);
  again = copy_map (panel);
  g_assert_cmpmem (again, N_ROWS * 2 * sizeof (float), umap, N_ROWS * 2 * sizeof (float));
  g_clear_pointer (&again, g_free);

  /* PCA, then UMAP again: from the cache, at once. */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.projection", "s", "pca");
  g_assert_false (emb_plot_view_has_map (plot));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.projection", "s", "umap");
  g_assert_false (emb_map_panel_is_running (panel));
  g_assert_true (emb_plot_view_has_map (plot));
  emb_test_assert_contains (gtk_label_get_text (status), "from the cache");
  again = copy_map (panel);
  g_assert_cmpmem (again, N_ROWS * 2 * sizeof (float), umap, N_ROWS * 2 * sizeof (float));

  /* The same file opened again shows the cached map. */
  emb_window_open (win, blobs_path);
  emb_ui_iterate_until (emb_ui_loaded, win);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_true (emb_plot_view_has_map (plot));
  g_assert_cmpint (emb_map_panel_get_method (panel), ==, EMB_PROJECTION_UMAP);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Closing the window while a map runs: the run stops, nothing crashes. */
static void
test_close_mid_run (void)
{
  EmbWindow *win = emb_ui_new_window_on (blobs_path);
  EmbMapPanel *panel = EMB_MAP_PANEL (emb_ui_child (win, "map_panel"));
  Watch watch = { panel, 0 };

  g_signal_connect (panel, "map-changed", G_CALLBACK (map_changed_cb), &watch);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.projection", "s", "tsne");
  emb_ui_iterate_until (got_frame, &watch);
  gtk_window_destroy (GTK_WINDOW (win));
  for (int i = 0; i < 50; i++)
    {
      g_usleep (10000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cache = NULL;
  int status;

  /* The maps this test caches go to a folder of its own. */
  cache = emb_test_make_folder ("cache");
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  write_blobs ();
  g_test_add_func ("/ui-map/runs", test_map_runs);
  g_test_add_func ("/ui-map/close-mid-run", test_close_mid_run);
  status = g_test_run ();
  emb_test_folder_remove (cache);
  return status;
}
