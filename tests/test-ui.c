/* test-ui.c: the real window under Xvfb, driven through its actions.
 *
 * The neighbour list is checked against core's kNN run separately on the
 * same file, search and analogies against the vocabulary, and the plot is
 * rendered to a PNG and its pixels inspected: clusters, colours, the legend
 * and an export that matches the command line's.  The window's handling of
 * files (bad, empty, nan, cut short, byte names) is in test-ui-files.c.
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "emb-window.h"
#include "emb-test-util.h"
#include "emb-ui-test-util.h"
#include "emb-plot-view.h"
#include "analysis/emb-categories.h"
#include "panels/emb-color-panel.h"

static void
test_neighbors_and_plot (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  EmbScene *scene = emb_window_get_scene (win);
  GtkListBox *list = GTK_LIST_BOX (emb_ui_child (win, "neighbor_list"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbKnnIndex) index = NULL;
  EmbNeighbor expect[20];
  const EmbNeighbor *got;
  gsize king, n_got, n_expect;
  g_autofree guchar *pixels = NULL;
  int w, h;
  gsize stride;
  double px, py;
  guint32 rgb, background;
  g_autoptr(GHashTable) colors = g_hash_table_new (NULL, NULL);

  g_assert_cmpuint (emb_scene_n_rows (scene), ==, 20000);

  /* The reference: core's kNN on a separate load of the same file. */
  ds = emb_dataset_load ("@sample", NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (emb_vocab_lookup (ds->vocab, "king", &king));
  index = emb_knn_index_new (ds->matrix);
  n_expect = emb_knn_query_row (index, king, EMB_METRIC_COSINE, 20, expect);
  g_assert_cmpuint (n_expect, ==, 20);

  gtk_widget_activate_action (GTK_WIDGET (win), "win.select-token", "s", "king");
  emb_ui_iterate_until (emb_ui_idle_window, win);

  got = emb_window_get_neighbors (win, &n_got);
  g_assert_cmpuint (n_got, ==, n_expect);
  g_assert_cmpuint (emb_ui_count_rows (list), ==, n_expect);
  for (gsize i = 0; i < n_expect; i++)
    {
      GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (list, i));
      g_assert_cmpuint (got[i].id, ==, expect[i].id);
      g_assert_cmpfloat_with_epsilon (got[i].score, expect[i].score, 1e-6);
      g_assert_cmpstr (emb_ui_row_label (row, "token"), ==, emb_vocab_display (ds->vocab, expect[i].id));
    }
  g_assert_cmpstr (emb_vocab_display (ds->vocab, got[0].id), ==, "prince");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (emb_ui_child (win, "selected_label"))), ==, "king");

  /* Clicking a neighbour row selects it; Back returns to king. */
  g_signal_emit_by_name (list, "row-activated", gtk_list_box_get_row_at_index (list, 1));
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (emb_ui_child (win, "plot"))), ==, (gssize) expect[1].id);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.back", NULL);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (emb_ui_child (win, "plot"))), ==, (gssize) king);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (emb_ui_child (win, "plot"))), ==, (gssize) expect[1].id);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.select-token", "s", "king");
  emb_ui_iterate_until (emb_ui_idle_window, win);

  /* The picture: not blank, and king's pixel in the selection colour. */
  pixels = emb_ui_render_plot (win, &w, &h, &stride);
  g_assert_cmpint (w, >, 300);
  g_assert_cmpint (h, >, 200);
  background = emb_ui_pixel_rgb (pixels, stride, 1, 1);
  for (int y = 0; y < h; y += 3)
    for (int x = 0; x < w; x += 3)
      g_hash_table_add (colors, GUINT_TO_POINTER (emb_ui_pixel_rgb (pixels, stride, x, y) + 1));
  g_assert_cmpuint (g_hash_table_size (colors), >, 20);
  {
    guint drawn = 0;
    for (int y = 0; y < h; y += 2)
      for (int x = 0; x < w; x += 2)
        drawn += emb_ui_pixel_rgb (pixels, stride, x, y) != background;
    g_assert_cmpuint (drawn, >, (guint) (w * h / 4 / 50));
  }
  g_assert_true (emb_plot_view_get_point_position (EMB_PLOT_VIEW (emb_ui_child (win, "plot")), king, &px, &py));
  g_assert_cmpfloat (px, >=, 0);
  g_assert_cmpfloat (py, >=, 0);
  rgb = emb_ui_pixel_rgb (pixels, stride, (int) px, (int) py);
  g_assert_cmphex (rgb, ==, EMB_COLOR_SELECTION);

  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_search (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  GtkListBox *list = GTK_LIST_BOX (emb_ui_child (win, "search_list"));
  EmbVocab *vocab = emb_window_get_scene (win)->dataset->vocab;
  guint n;

  gtk_widget_activate_action (GTK_WIDGET (win), "win.search-text", "s", "queen");
  emb_ui_iterate_until (emb_ui_idle_window, win);
  n = emb_ui_count_rows (list);
  g_assert_cmpuint (n, >, 1);
  /* The exact match first, every listed token contains the text. */
  g_assert_cmpstr (emb_ui_row_label (GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0)), "token"), ==, "queen");
  for (guint i = 0; i < n; i++)
    g_assert_nonnull (strstr (emb_ui_row_label (GTK_WIDGET (gtk_list_box_get_row_at_index (list, i)), "token"), "queen"));
  /* Cross-check the count against a plain scan of the vocabulary. */
  {
    guint expect = 0;
    for (gsize i = 0; i < emb_vocab_size (vocab); i++)
      expect += strstr (emb_vocab_display (vocab, i), "queen") != NULL;
    g_assert_cmpuint (n, ==, expect);
  }

  /* Enter selects the best match. */
  g_signal_emit_by_name (emb_ui_child (win, "search_entry"), "activate");
  emb_ui_iterate_until (emb_ui_idle_window, win);
  {
    gsize queen;
    g_assert_true (emb_vocab_lookup (vocab, "queen", &queen));
    g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (emb_ui_child (win, "plot"))), ==, (gssize) queen);
  }

  /* A regular expression. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (emb_ui_child (win, "regex_button")), TRUE);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.search-text", "s", "^kin.$");
  emb_ui_iterate_until (emb_ui_idle_window, win);
  n = emb_ui_count_rows (list);
  g_assert_cmpuint (n, >=, 2);  /* king, kind, ... */
  for (guint i = 0; i < n; i++)
    {
      const char *t = emb_ui_row_label (GTK_WIDGET (gtk_list_box_get_row_at_index (list, i)), "token");
      g_assert_cmpuint (strlen (t), ==, 4);
      g_assert_true (g_str_has_prefix (t, "kin"));
    }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* king − man + woman: the entries' placeholders, run by Enter. */
static void
test_analogy (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  GtkListBox *list = GTK_LIST_BOX (emb_ui_child (win, "analogy_list"));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.analogy", NULL);
  g_signal_emit_by_name (emb_ui_child (win, "analogy_a"), "activate");
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_cmpuint (emb_ui_count_rows (list), ==, 20);
  g_assert_cmpstr (emb_ui_row_label (GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0)), "token"), ==, "queen");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (emb_ui_child (win, "analogy_status"))), ==, "king − man + woman ≈ queen");

  /* A row selects its token. */
  g_signal_emit_by_name (list, "row-activated", gtk_list_box_get_row_at_index (list, 0));
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (emb_ui_child (win, "selected_label"))), ==, "queen");
  gtk_window_destroy (GTK_WINDOW (win));
}

static guint
count_flow_children (GtkFlowBox *flow)
{
  guint n = 0;
  while (gtk_flow_box_get_child_at_index (flow, n) != NULL)
    n++;
  return n;
}

/* Fraction of sampled plot pixels that are neither background nor grey. */
static double
colourful_fraction (EmbWindow *win)
{
  int w, h;
  gsize stride, colourful = 0, drawn = 0;
  g_autofree guchar *pixels = emb_ui_render_plot (win, &w, &h, &stride);
  guint32 bg = emb_ui_pixel_rgb (pixels, stride, 1, 1);

  for (int y = 0; y < h; y += 2)
    for (int x = 0; x < w; x += 2)
      {
        guint32 p = emb_ui_pixel_rgb (pixels, stride, x, y);
        int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
        if (p == bg)
          continue;
        drawn++;
        colourful += MAX (MAX (r, g), b) - MIN (MIN (r, g), b) > 40;
      }
  return drawn ? colourful / (double) drawn : 0;
}

static void
test_clusters_and_export (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  GtkFlowBox *legend = GTK_FLOW_BOX (emb_ui_child (win, "legend_flow"));
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "plot.png", NULL);
  g_autofree char *csv = g_build_filename (dir, "plot.csv", NULL);
  g_autofree char *text = NULL;
  cairo_surface_t *surface;
  double before, isolated;
  gsize len;
  guint rows = 0;

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (emb_ui_child (win, "cluster_k")), 6);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (emb_ui_child (win, "color_by")), 1);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (legend)));
  g_assert_cmpuint (count_flow_children (legend), ==, 6);

  /* Clicking a legend entry greys every other cluster. */
  before = colourful_fraction (win);
  g_signal_emit_by_name (gtk_flow_box_child_get_child (gtk_flow_box_get_child_at_index (legend, 0)), "clicked");
  emb_ui_iterate_until (emb_ui_idle_window, win);
  isolated = colourful_fraction (win);
  g_test_message ("colourful pixels: %.2f, with one cluster isolated %.2f", before, isolated);
  /* Labels and their backings are grey too: compare, do not guess. */
  g_assert_cmpfloat (before, >, 0.3);
  g_assert_cmpfloat (isolated, <, before * 0.5);

  /* Export through the window: a real PNG of the asked size, a CSV with
   * a row per token and the cluster of each. */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.export-file", "s", png);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  surface = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, 1600);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, 1200);
  cairo_surface_destroy (surface);

  gtk_widget_activate_action (GTK_WIDGET (win), "win.export-file", "s", csv);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_true (g_file_get_contents (csv, &text, &len, NULL));
  g_assert_true (g_str_has_prefix (text, "id,token,x,y,cluster"));
  for (gsize i = 0; i < len; i++)
    rows += text[i] == '\n';
  g_assert_cmpuint (rows, ==, 20001);

  g_unlink (png);
  g_unlink (csv);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The window's figure and the CLI's are one: the plot view's state through
 * core's builder and `embedlens export` with the same title, size and
 * labels give the same picture (pixels compared, within rounding of the
 * projections, which the two compute separately). */
static void
test_export_matches_cli (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *from_window = g_build_filename (dir, "window.png", NULL);
  g_autofree char *from_cli = g_build_filename (dir, "cli.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbPlotSpec) spec = NULL;
  g_autofree char *labels = NULL;
  const char *cli = g_getenv ("EMB_CLI");
  EmbPlotState state;
  cairo_surface_t *a, *b;
  int status, differ = 0;

  if (cli == NULL)
    {
      g_test_skip ("EMB_CLI is not set");
      gtk_window_destroy (GTK_WINDOW (win));
      return;
    }
  emb_plot_view_get_state (EMB_PLOT_VIEW (emb_ui_child (win, "plot")), &state);
  g_assert_nonnull (state.xs);
  state.title = "Same figure";
  state.theme = EMB_THEME_LIGHT;
  state.view.scale = 0;                /* the whole plot, as the CLI draws */
  spec = emb_plot_spec_new (&state, 800, 600);
  g_assert_true (emb_plot_export (emb_plot_spec_get_plot (spec), from_window, EMB_EXPORT_PNG,
                                  800, 600, 1.0, NULL, &error));
  g_assert_no_error (error);

  labels = g_strdup_printf ("%" G_GSIZE_FORMAT, state.n_token_labels);
  g_assert_true (g_spawn_sync (NULL, (char *[]) { (char *) cli, "export", "@sample", "-o", from_cli,
                                                  "--size", "800x600", "--title", "Same figure",
                                                  "--labels", labels, NULL },
                               NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  a = cairo_image_surface_create_from_png (from_window);
  b = cairo_image_surface_create_from_png (from_cli);
  g_assert_cmpint (cairo_surface_status (a), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_surface_status (b), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (a), ==, cairo_image_surface_get_width (b));
  g_assert_cmpint (cairo_image_surface_get_height (a), ==, cairo_image_surface_get_height (b));
  for (int y = 0; y < 600; y++)
    for (int x = 0; x < 800; x++)
      {
        guint32 pa = emb_ui_pixel_rgb (cairo_image_surface_get_data (a), cairo_image_surface_get_stride (a), x, y);
        guint32 pb = emb_ui_pixel_rgb (cairo_image_surface_get_data (b), cairo_image_surface_get_stride (b), x, y);

        for (int shift = 0; shift <= 16; shift += 8)
          if (ABS ((int) ((pa >> shift) & 0xff) - (int) ((pb >> shift) & 0xff)) > 24)
            {
              differ++;
              break;
            }
      }
  g_test_message ("%d of 480000 pixels differ", differ);
  g_assert_cmpint (differ, <, 480000 / 200);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);

  g_unlink (from_window);
  g_unlink (from_cli);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The colour panel: cluster colouring with k = 5 gives 5 legend entries
 * and the plot the clusters core's k-means finds on the same data (same
 * options: cosine, seed 1); isolating an entry leaves only its points in
 * colour. */
static void
test_color_panel (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  EmbColorPanel *panel = EMB_COLOR_PANEL (emb_ui_child (win, "color_panel"));
  g_autoptr(EmbColorLegend) legend = NULL;
  GtkFlowBox *flow = GTK_FLOW_BOX (emb_ui_child (win, "legend_flow"));
  EmbPlotView *plot = EMB_PLOT_VIEW (emb_ui_child (win, "plot"));
  EmbScene *scene = emb_window_get_scene (win);
  EmbKmeansOptions options = { .k = 5, .metric = EMB_METRIC_COSINE, .seed = 1 };
  g_autoptr(EmbClusters) expect = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *names;
  EmbPlotState state;
  gsize n = emb_scene_n_rows (scene), in_isolated = 0;
  guint n_names;

  g_object_get (panel, "legend", &legend, NULL);
  g_assert_true (EMB_IS_COLOR_LEGEND (legend));
  emb_plot_view_get_state (plot, &state);
  g_assert_null (state.category);

  emb_color_panel_set_cluster_k (panel, 5);
  emb_color_panel_set_color_by (panel, EMB_COLOR_BY_CLUSTERS);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_cmpuint (emb_color_legend_n_entries (legend), ==, 5);
  g_assert_cmpuint (count_flow_children (flow), ==, 5);
  names = emb_color_panel_get_legend (panel, &n_names);
  g_assert_cmpuint (n_names, ==, 5);

  expect = emb_clusters_compute (scene->dataset->matrix, scene->dataset->vocab, &options, 3,
                                 NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < 5; c++)
    g_assert_cmpstr (names[c], ==, expect->labels[c]);

  /* The plot's colours are the clusters'. */
  emb_plot_view_get_state (plot, &state);
  g_assert_nonnull (state.category);
  g_assert_cmpuint (state.n_palette, ==, 5);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint (state.category[i], ==, expect->kmeans->assignment[i]);
  for (guint c = 0; c < 5; c++)
    g_assert_cmphex (state.palette[c], ==, emb_palette_color (c));

  /* Clicking entry 2 leaves only cluster 2's points in colour; again shows all. */
  g_signal_emit_by_name (gtk_flow_box_child_get_child (gtk_flow_box_get_child_at_index (flow, 2)), "clicked");
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_cmpint (emb_color_panel_get_isolated (panel), ==, 2);
  emb_plot_view_get_state (plot, &state);
  for (gsize i = 0; i < n; i++)
    {
      gboolean own = expect->kmeans->assignment[i] == 2;
      guint32 rgb = state.palette[state.category[i]];
      in_isolated += own;
      if (own)
        g_assert_cmphex (rgb, ==, emb_palette_color (2));
      else
        g_assert_cmphex (rgb, !=, emb_palette_color (state.category[i]));
    }
  g_assert_cmpuint (in_isolated, >, 0);
  g_assert_cmpuint (in_isolated, <, n);

  g_signal_emit_by_name (gtk_flow_box_child_get_child (gtk_flow_box_get_child_at_index (flow, 2)), "clicked");
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_cmpint (emb_color_panel_get_isolated (panel), ==, -1);
  emb_plot_view_get_state (plot, &state);
  for (guint c = 0; c < 5; c++)
    g_assert_cmphex (state.palette[c], ==, emb_palette_color (c));

  /* The norm on the 64-step ramp: every point binned, no legend list. */
  emb_color_panel_set_color_by (panel, EMB_COLOR_BY_NORM);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  emb_plot_view_get_state (plot, &state);
  g_assert_nonnull (state.category);
  g_assert_cmpuint (state.n_palette, ==, 64);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpuint (state.category[i], <, 64);
  g_assert_null (state.cluster_labels);
  g_assert_cmpuint (emb_color_legend_n_entries (legend), ==, 0);
  emb_color_panel_get_legend (panel, &n_names);
  g_assert_cmpuint (n_names, ==, 0);

  /* One colour again: no categories, no legend. */
  emb_color_panel_set_color_by (panel, EMB_COLOR_BY_NONE);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  emb_plot_view_get_state (plot, &state);
  g_assert_null (state.category);
  g_assert_null (state.cluster_labels);
  g_assert_cmpuint (emb_color_legend_n_entries (legend), ==, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (flow)));
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/neighbors-and-plot", test_neighbors_and_plot);
  g_test_add_func ("/ui/search", test_search);
  g_test_add_func ("/ui/analogy", test_analogy);
  g_test_add_func ("/ui/clusters-and-export", test_clusters_and_export);
  g_test_add_func ("/ui/color-panel", test_color_panel);
  g_test_add_func ("/ui/export-matches-cli", test_export_matches_cli);
  return g_test_run ();
}
