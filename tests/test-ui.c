/* test-ui.c: the real window under Xvfb, driven through its actions.
 *
 * The neighbour list is checked against core's kNN run separately on the
 * same file, the plot is rendered to a PNG and its pixels inspected, and a
 * bad file must leave the app alive with its old data and an error dialog,
 * as must a file cut short on disk while the window shows it.
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "emb-window.h"
#include "emb-test-util.h"
#include "emb-plot-view.h"
#include "analysis/emb-categories.h"
#include "panels/emb-color-panel.h"

#define TIMEOUT_US (60 * G_USEC_PER_SEC)

static void
iterate_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_US;

  while (!done (data))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  /* Let pending redraws and idle work run. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
painted_twice (gpointer data);

static gboolean
loaded (gpointer data)
{
  return !emb_window_is_loading (data);
}

static gboolean
idle_window (gpointer data)
{
  EmbWindow *win = data;
  EmbPlotView *plot = EMB_PLOT_VIEW (gtk_widget_get_template_child (GTK_WIDGET (win), EMB_TYPE_WINDOW, "plot"));
  /* Mapped and sized too: without a window manager, mapping takes a while. */
  return !emb_window_is_loading (win) && !emb_window_is_busy (win) &&
         gtk_widget_get_mapped (GTK_WIDGET (plot)) && gtk_widget_get_width (GTK_WIDGET (plot)) > 0 &&
         !emb_plot_view_is_rendering (plot);
}

static EmbWindow *
new_window_on (const char *path)
{
  EmbWindow *win = emb_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (win), 1100, 720);
  gtk_window_present (GTK_WINDOW (win));
  emb_window_open (win, path);
  iterate_until (loaded, win);
  g_assert_nonnull (emb_window_get_scene (win));
  iterate_until (idle_window, win);
  return win;
}

/* The template child `name` of the window or of one of its panels (each
 * panel is a widget with its own template). */
static GObject *
find_template_child (GtkWidget *widget, const char *name)
{
  GObject *found = gtk_widget_get_template_child (widget, G_OBJECT_TYPE (widget), name);

  for (GtkWidget *w = gtk_widget_get_first_child (widget); found == NULL && w; w = gtk_widget_get_next_sibling (w))
    found = find_template_child (w, name);
  return found;
}

static GtkWidget *
child (EmbWindow *win, const char *name)
{
  GObject *found = find_template_child (GTK_WIDGET (win), name);

  g_assert_nonnull (found);
  return GTK_WIDGET (found);
}

/* The text of the label named `name` inside a list row. */
static const char *
row_label (GtkWidget *row, const char *name)
{
  GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));

  for (GtkWidget *w = gtk_widget_get_first_child (box); w; w = gtk_widget_get_next_sibling (w))
    if (g_str_equal (gtk_widget_get_name (w), name))
      return gtk_label_get_text (GTK_LABEL (w));
  return NULL;
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;
  while (gtk_list_box_get_row_at_index (list, n) != NULL)
    n++;
  return n;
}

typedef struct
{
  GtkWidget *widget;
  int        count;
} Frames;

/* Counts painted frames, asking for another until there have been two. */
static void
after_paint_cb (GdkFrameClock *clock, Frames *frames)
{
  if (++frames->count < 2)
    gtk_widget_queue_draw (frames->widget);
}

static gboolean
painted_twice (gpointer data)
{
  return ((Frames *) data)->count >= 2;
}

/* The widget paintable shows what was last drawn: wait for fresh frames. */
static void
wait_for_frames (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  Frames frames = { widget, 0 };
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &frames);

  gtk_widget_queue_draw (widget);
  iterate_until (painted_twice, &frames);
  g_signal_handler_disconnect (clock, id);
}

/* Renders the plot widget to a texture and downloads it (ARGB32). */
static guchar *
render_plot (EmbWindow *win, int *w, int *h, gsize *stride)
{
  GtkWidget *plot = child (win, "plot");
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (plot);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (plot));
  g_autofree char *png = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : g_get_tmp_dir (),
                                           "test-ui-plot.png", NULL);
  guchar *pixels;

  wait_for_frames (plot);
  *w = gtk_widget_get_width (plot);
  *h = gtk_widget_get_height (plot);
  gdk_paintable_snapshot (paintable, snapshot, *w, *h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, *w, *h));
  g_assert_true (gdk_texture_save_to_png (texture, png));
  g_test_message ("plot saved to %s", png);
  *w = gdk_texture_get_width (texture);
  *h = gdk_texture_get_height (texture);
  *stride = *w * 4;
  pixels = g_malloc (*stride * *h);
  gdk_texture_download (texture, pixels, *stride);
  return pixels;
}

static guint32
pixel_rgb (const guchar *pixels, gsize stride, int x, int y)
{
  guint32 p = *(const guint32 *) (pixels + y * stride + x * 4);
  return p & 0xffffff;
}

static void
test_neighbors_and_plot (void)
{
  EmbWindow *win = new_window_on ("@sample");
  EmbScene *scene = emb_window_get_scene (win);
  GtkListBox *list = GTK_LIST_BOX (child (win, "neighbor_list"));
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
  iterate_until (idle_window, win);

  got = emb_window_get_neighbors (win, &n_got);
  g_assert_cmpuint (n_got, ==, n_expect);
  g_assert_cmpuint (count_rows (list), ==, n_expect);
  for (gsize i = 0; i < n_expect; i++)
    {
      GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (list, i));
      g_assert_cmpuint (got[i].id, ==, expect[i].id);
      g_assert_cmpfloat_with_epsilon (got[i].score, expect[i].score, 1e-6);
      g_assert_cmpstr (row_label (row, "token"), ==, emb_vocab_display (ds->vocab, expect[i].id));
    }
  g_assert_cmpstr (emb_vocab_display (ds->vocab, got[0].id), ==, "prince");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, "selected_label"))), ==, "king");

  /* Clicking a neighbour row selects it; Back returns to king. */
  g_signal_emit_by_name (list, "row-activated", gtk_list_box_get_row_at_index (list, 1));
  iterate_until (idle_window, win);
  g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (child (win, "plot"))), ==, (gssize) expect[1].id);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.back", NULL);
  iterate_until (idle_window, win);
  g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (child (win, "plot"))), ==, (gssize) king);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL);
  iterate_until (idle_window, win);
  g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (child (win, "plot"))), ==, (gssize) expect[1].id);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.select-token", "s", "king");
  iterate_until (idle_window, win);

  /* The picture: not blank, and king's pixel in the selection colour. */
  pixels = render_plot (win, &w, &h, &stride);
  g_assert_cmpint (w, >, 300);
  g_assert_cmpint (h, >, 200);
  background = pixel_rgb (pixels, stride, 1, 1);
  for (int y = 0; y < h; y += 3)
    for (int x = 0; x < w; x += 3)
      g_hash_table_add (colors, GUINT_TO_POINTER (pixel_rgb (pixels, stride, x, y) + 1));
  g_assert_cmpuint (g_hash_table_size (colors), >, 20);
  {
    guint drawn = 0;
    for (int y = 0; y < h; y += 2)
      for (int x = 0; x < w; x += 2)
        drawn += pixel_rgb (pixels, stride, x, y) != background;
    g_assert_cmpuint (drawn, >, (guint) (w * h / 4 / 50));
  }
  g_assert_true (emb_plot_view_get_point_position (EMB_PLOT_VIEW (child (win, "plot")), king, &px, &py));
  g_assert_cmpfloat (px, >=, 0);
  g_assert_cmpfloat (py, >=, 0);
  rgb = pixel_rgb (pixels, stride, (int) px, (int) py);
  g_assert_cmphex (rgb, ==, EMB_COLOR_SELECTION);

  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_search (void)
{
  EmbWindow *win = new_window_on ("@sample");
  GtkListBox *list = GTK_LIST_BOX (child (win, "search_list"));
  EmbVocab *vocab = emb_window_get_scene (win)->dataset->vocab;
  guint n;

  gtk_widget_activate_action (GTK_WIDGET (win), "win.search-text", "s", "queen");
  iterate_until (idle_window, win);
  n = count_rows (list);
  g_assert_cmpuint (n, >, 1);
  /* The exact match first, every listed token contains the text. */
  g_assert_cmpstr (row_label (GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0)), "token"), ==, "queen");
  for (guint i = 0; i < n; i++)
    g_assert_nonnull (strstr (row_label (GTK_WIDGET (gtk_list_box_get_row_at_index (list, i)), "token"), "queen"));
  /* Cross-check the count against a plain scan of the vocabulary. */
  {
    guint expect = 0;
    for (gsize i = 0; i < emb_vocab_size (vocab); i++)
      expect += strstr (emb_vocab_display (vocab, i), "queen") != NULL;
    g_assert_cmpuint (n, ==, expect);
  }

  /* Enter selects the best match. */
  g_signal_emit_by_name (child (win, "search_entry"), "activate");
  iterate_until (idle_window, win);
  {
    gsize queen;
    g_assert_true (emb_vocab_lookup (vocab, "queen", &queen));
    g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (child (win, "plot"))), ==, (gssize) queen);
  }

  /* A regular expression. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (win, "regex_button")), TRUE);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.search-text", "s", "^kin.$");
  iterate_until (idle_window, win);
  n = count_rows (list);
  g_assert_cmpuint (n, >=, 2);  /* king, kind, ... */
  for (guint i = 0; i < n; i++)
    {
      const char *t = row_label (GTK_WIDGET (gtk_list_box_get_row_at_index (list, i)), "token");
      g_assert_cmpuint (strlen (t), ==, 4);
      g_assert_true (g_str_has_prefix (t, "kin"));
    }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* king − man + woman: the entries' placeholders, run by Enter. */
static void
test_analogy (void)
{
  EmbWindow *win = new_window_on ("@sample");
  GtkListBox *list = GTK_LIST_BOX (child (win, "analogy_list"));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.analogy", NULL);
  g_signal_emit_by_name (child (win, "analogy_a"), "activate");
  iterate_until (idle_window, win);
  g_assert_cmpuint (count_rows (list), ==, 20);
  g_assert_cmpstr (row_label (GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0)), "token"), ==, "queen");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, "analogy_status"))), ==, "king − man + woman ≈ queen");

  /* A row selects its token. */
  g_signal_emit_by_name (list, "row-activated", gtk_list_box_get_row_at_index (list, 0));
  iterate_until (idle_window, win);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (child (win, "selected_label"))), ==, "queen");
  gtk_window_destroy (GTK_WINDOW (win));
}

static gboolean
dialog_shown (gpointer data)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);
      if (GTK_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        {
          if (data != NULL)
            *(GtkWidget **) data = GTK_WIDGET (w);
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_bad_file (void)
{
  EmbWindow *win = new_window_on ("@sample");
  EmbScene *before = emb_window_get_scene (win);
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "broken.vec", NULL);
  GtkWidget *dialog = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (bad, "2 4\nthe 1 2 3 4\nof 1 2 x3 4\n", -1, NULL));
  emb_window_open (win, bad);
  iterate_until (loaded, win);
  iterate_until (dialog_shown, &dialog);

  /* The old data is still there, and the message names file and line. */
  g_assert_true (emb_window_get_scene (win) == before);
  g_object_get (dialog, "secondary-text", &text, NULL);
  g_test_message ("dialog: %s", text);
  g_assert_nonnull (strstr (text, "broken.vec:3"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Still usable afterwards. */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.select-token", "s", "queen");
  iterate_until (idle_window, win);
  {
    gsize n;
    emb_window_get_neighbors (win, &n);
    g_assert_cmpuint (n, >, 0);
  }
  g_unlink (bad);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A file whose name is not UTF-8 opens; an export whose name is a link to
 * it is refused with a dialog naming both, and the file stays as it was. */
static void
test_byte_name_and_inputs (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "vec\xff.txt", NULL);
  g_autofree char *link = g_build_filename (dir, "plot.png", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *after = NULL;
  g_autofree char *secondary = NULL;
  GtkWidget *dialog = NULL;
  EmbWindow *win;
  gsize n_after;

  for (int i = 0; i < 50; i++)
    g_string_append_printf (text, "w%d %d %d %d\n", i, i % 7 + 1, (i * 3) % 11, (i * 5) % 13);
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));
  g_assert_cmpint (symlink ("vec\xff.txt", link), ==, 0);

  win = new_window_on (path);
  g_assert_cmpuint (emb_window_get_scene (win)->dataset->matrix->n_rows, ==, 50);
  /* Remembered as a file:// URI that gives the path back. */
  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.embedlens.EmbedLens");
    g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-files");
    g_autofree char *back = NULL;

    g_assert_nonnull (recent[0]);
    back = g_filename_from_uri (recent[0], NULL, NULL);
    g_assert_cmpstr (back, ==, path);
  }
  gtk_widget_activate_action (GTK_WIDGET (win), "win.export-file", "s", link);
  iterate_until (dialog_shown, &dialog);
  g_object_get (dialog, "secondary-text", &secondary, NULL);
  g_test_message ("dialog: %s", secondary);
  g_assert_nonnull (strstr (secondary, "plot.png"));
  g_assert_nonnull (strstr (secondary, "vec\\xff.txt"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate_until (idle_window, win);

  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_get_contents (path, &after, &n_after, NULL));
  g_assert_cmpmem (after, n_after, text->str, text->len);
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (link);
  g_unlink (path);
  g_rmdir (dir);
}

/* A window whose first file fails shows how to open one; the sample
 * button opens the sample and the hint goes. */
static void
test_empty_state (void)
{
  EmbWindow *win = emb_window_new (NULL);
  GtkWidget *empty = child (win, "empty_state");
  GtkWidget *dialog = NULL;

  gtk_window_present (GTK_WINDOW (win));
  emb_window_open (win, "/nonexistent/vectors.vec");
  g_assert_false (gtk_widget_get_visible (empty));
  iterate_until (loaded, win);
  iterate_until (dialog_shown, &dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (emb_window_get_scene (win));
  g_assert_true (gtk_widget_get_visible (empty));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.open-sample", NULL);
  iterate_until (loaded, win);
  g_assert_nonnull (emb_window_get_scene (win));
  g_assert_false (gtk_widget_get_visible (empty));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A file with nan: the dialog says where and offers to read the values
 * as 0 or to leave their rows out; each choice loads the file that way. */
static void
test_nan_file (void)
{
  EmbWindow *win = new_window_on ("@sample");
  EmbScene *before = emb_window_get_scene (win);
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "holes.vec", NULL);
  const char *text =
    "6 3\n"
    "a 1 0 0\n"
    "b 0 1 0\n"
    "c 0 0 1\n"
    "d 1 nan 1\n"
    "e 1 1 0\n"
    "f 0 1 1\n";
  const int responses[] = { GTK_RESPONSE_CANCEL, 1 /* read as zero */, 2 /* leave rows out */ };
  const gsize rows[] = { 0, 6, 5 };

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  for (guint k = 0; k < G_N_ELEMENTS (responses); k++)
    {
      GtkWidget *dialog = NULL;
      g_autofree char *message = NULL;
      EmbScene *scene;

      emb_window_open (win, path);
      iterate_until (loaded, win);
      iterate_until (dialog_shown, &dialog);
      g_object_get (dialog, "secondary-text", &message, NULL);
      /* Line 5 of the file, its second value. */
      g_assert_nonnull (strstr (message, "holes.vec:5"));
      g_assert_nonnull (strstr (message, "value 2"));
      g_assert_true (emb_window_get_scene (win) == before);

      gtk_dialog_response (GTK_DIALOG (dialog), responses[k]);
      iterate_until (loaded, win);
      g_assert_false (dialog_shown (NULL));
      scene = emb_window_get_scene (win);
      if (rows[k] == 0)
        {
          g_assert_true (scene == before);
          continue;
        }
      iterate_until (idle_window, win);
      g_assert_cmpuint (scene->dataset->matrix->n_rows, ==, rows[k]);
      if (rows[k] == 6)
        {
          /* d's row as written, its nan read as 0. */
          g_assert_cmpfloat (scene->dataset->matrix->data[3 * 3 + 0], ==, 1.0f);
          g_assert_cmpfloat (scene->dataset->matrix->data[3 * 3 + 1], ==, 0.0f);
          g_assert_cmpfloat (scene->dataset->matrix->data[3 * 3 + 2], ==, 1.0f);
        }
      else
        {
          /* d is gone; e moved up to its row. */
          gsize id;
          g_assert_false (emb_vocab_lookup (scene->dataset->vocab, "d", &id));
          g_assert_true (emb_vocab_lookup (scene->dataset->vocab, "e", &id));
          g_assert_cmpuint (id, ==, 3);
        }
      before = scene;
    }
  g_unlink (path);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_cancel_and_close (void)
{
  EmbWindow *win = new_window_on ("@sample");
  EmbScene *before = emb_window_get_scene (win);

  /* Cancel right away: the previous data stays. */
  emb_window_open (win, "@sample");
  gtk_widget_activate_action (GTK_WIDGET (win), "win.cancel-load", NULL);
  iterate_until (loaded, win);
  g_assert_true (emb_window_get_scene (win) == before);
  g_assert_false (dialog_shown (NULL));

  /* Close the window while a load runs: no crash, nothing left behind. */
  emb_window_open (win, "@sample");
  gtk_window_destroy (GTK_WINDOW (win));
  for (int i = 0; i < 200; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
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
  g_autofree guchar *pixels = render_plot (win, &w, &h, &stride);
  guint32 bg = pixel_rgb (pixels, stride, 1, 1);

  for (int y = 0; y < h; y += 2)
    for (int x = 0; x < w; x += 2)
      {
        guint32 p = pixel_rgb (pixels, stride, x, y);
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
  EmbWindow *win = new_window_on ("@sample");
  GtkFlowBox *legend = GTK_FLOW_BOX (child (win, "legend_flow"));
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "plot.png", NULL);
  g_autofree char *csv = g_build_filename (dir, "plot.csv", NULL);
  g_autofree char *text = NULL;
  cairo_surface_t *surface;
  double before, isolated;
  gsize len;
  guint rows = 0;

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (win, "cluster_k")), 6);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (win, "color_by")), 1);
  iterate_until (idle_window, win);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (legend)));
  g_assert_cmpuint (count_flow_children (legend), ==, 6);

  /* Clicking a legend entry greys every other cluster. */
  before = colourful_fraction (win);
  g_signal_emit_by_name (gtk_flow_box_child_get_child (gtk_flow_box_get_child_at_index (legend, 0)), "clicked");
  iterate_until (idle_window, win);
  isolated = colourful_fraction (win);
  g_test_message ("colourful pixels: %.2f, with one cluster isolated %.2f", before, isolated);
  /* Labels and their backings are grey too: compare, do not guess. */
  g_assert_cmpfloat (before, >, 0.3);
  g_assert_cmpfloat (isolated, <, before * 0.5);

  /* Export through the window: a real PNG of the asked size, a CSV with
   * a row per token and the cluster of each. */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.export-file", "s", png);
  iterate_until (idle_window, win);
  surface = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, 1600);
  g_assert_cmpint (cairo_image_surface_get_height (surface), ==, 1200);
  cairo_surface_destroy (surface);

  gtk_widget_activate_action (GTK_WIDGET (win), "win.export-file", "s", csv);
  iterate_until (idle_window, win);
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
  EmbWindow *win = new_window_on ("@sample");
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
  emb_plot_view_get_state (EMB_PLOT_VIEW (child (win, "plot")), &state);
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
        guint32 pa = pixel_rgb (cairo_image_surface_get_data (a), cairo_image_surface_get_stride (a), x, y);
        guint32 pb = pixel_rgb (cairo_image_surface_get_data (b), cairo_image_surface_get_stride (b), x, y);

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
  EmbWindow *win = new_window_on ("@sample");
  EmbColorPanel *panel = EMB_COLOR_PANEL (child (win, "color_panel"));
  g_autoptr(EmbColorLegend) legend = NULL;
  GtkFlowBox *flow = GTK_FLOW_BOX (child (win, "legend_flow"));
  EmbPlotView *plot = EMB_PLOT_VIEW (child (win, "plot"));
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
  iterate_until (idle_window, win);
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
  iterate_until (idle_window, win);
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
  iterate_until (idle_window, win);
  g_assert_cmpint (emb_color_panel_get_isolated (panel), ==, -1);
  emb_plot_view_get_state (plot, &state);
  for (guint c = 0; c < 5; c++)
    g_assert_cmphex (state.palette[c], ==, emb_palette_color (c));

  /* The norm on the 64-step ramp: every point binned, no legend list. */
  emb_color_panel_set_color_by (panel, EMB_COLOR_BY_NORM);
  iterate_until (idle_window, win);
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
  iterate_until (idle_window, win);
  emb_plot_view_get_state (plot, &state);
  g_assert_null (state.category);
  g_assert_null (state.cluster_labels);
  g_assert_cmpuint (emb_color_legend_n_entries (legend), ==, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (flow)));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A float32 .npy of rows x cols (read in place from its mapping), rewritten
 * in place: value (i * 7 + j * 3) % 11 - 5 at (i, j), so rows repeat every
 * 11 and a row's best neighbours are the rows 11 apart. */
static void
write_npy (const char *path, gsize rows, gsize cols)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autofree float *values = g_new (float, rows * cols);
  FILE *f;

  emb_test_put_npy_f32_header (b, rows, cols);
  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < cols; j++)
      values[i * cols + j] = (float) ((i * 7 + j * 3) % 11) - 5.0f + (float) (j % 2) * 0.5f;
  f = fopen (path, "wb");
  g_assert_nonnull (f);
  fwrite (b->data, 1, b->len, f);
  g_assert_cmpuint (fwrite (values, sizeof (float), rows * cols, f), ==, rows * cols);
  g_assert_cmpint (fclose (f), ==, 0);
}

static gboolean
bar_revealed (gpointer data)
{
  return gtk_info_bar_get_revealed (data);
}

/* The file on screen is cut short (a training script saving over it): the
 * window says it changed on disk and keeps its plot; a query then says the
 * file changed instead of crashing or answering from zeros; Reload reads
 * the file again once it is back, and the bar goes. */
static void
test_file_cut_short (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cut.npy", NULL);
  EmbWindow *win;
  EmbScene *before;
  GtkInfoBar *bar;
  const EmbNeighbor *nb;
  const char *text;
  gsize n;

  write_npy (path, 22000, 64);
  win = new_window_on (path);
  before = emb_window_get_scene (win);
  bar = GTK_INFO_BAR (child (win, "changed_bar"));
  g_assert_false (gtk_info_bar_get_revealed (bar));
  emb_window_select (win, 0);
  iterate_until (idle_window, win);
  nb = emb_window_get_neighbors (win, &n);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (nb[0].id % 11, ==, 0);

  g_assert_cmpint (truncate (path, 0), ==, 0);
  iterate_until (bar_revealed, bar);
  text = gtk_label_get_text (GTK_LABEL (child (win, "changed_label")));
  g_test_message ("bar: %s", text);
  g_assert_nonnull (strstr (text, "cut.npy"));
  g_assert_nonnull (strstr (text, "changed on disk"));
  g_assert_true (emb_window_get_scene (win) == before);

  /* Row 1's values now fault into zeros: the query must say so. */
  emb_window_select (win, 1);
  iterate_until (idle_window, win);
  emb_window_get_neighbors (win, &n);
  g_assert_cmpuint (n, ==, 0);
  text = gtk_label_get_text (GTK_LABEL (child (win, "selected_info")));
  g_test_message ("neighbours: %s", text);
  g_assert_nonnull (strstr (text, "changed on disk"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win)));

  /* The file back; Reload shows it and the bar goes. */
  write_npy (path, 22000, 64);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.reload", NULL);
  iterate_until (loaded, win);
  iterate_until (idle_window, win);
  g_assert_true (emb_window_get_scene (win) != before);
  g_assert_false (gtk_info_bar_get_revealed (bar));
  emb_window_select (win, 1);
  iterate_until (idle_window, win);
  nb = emb_window_get_neighbors (win, &n);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (nb[0].id % 11, ==, 1);
  g_assert_false (gtk_info_bar_get_revealed (bar));

  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/neighbors-and-plot", test_neighbors_and_plot);
  g_test_add_func ("/ui/search", test_search);
  g_test_add_func ("/ui/analogy", test_analogy);
  g_test_add_func ("/ui/bad-file", test_bad_file);
  g_test_add_func ("/ui/byte-name-and-inputs", test_byte_name_and_inputs);
  g_test_add_func ("/ui/clusters-and-export", test_clusters_and_export);
  g_test_add_func ("/ui/color-panel", test_color_panel);
  g_test_add_func ("/ui/export-matches-cli", test_export_matches_cli);
  g_test_add_func ("/ui/empty-state", test_empty_state);
  g_test_add_func ("/ui/nan-file", test_nan_file);
  g_test_add_func ("/ui/cancel-and-close", test_cancel_and_close);
  g_test_add_func ("/ui/file-cut-short", test_file_cut_short);
  return g_test_run ();
}
