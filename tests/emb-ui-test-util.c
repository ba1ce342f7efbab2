/* emb-ui-test-util.c: the UI tests' shared helpers (see the header). */
#include "emb-ui-test-util.h"
#include "emb-plot-view.h"

#define TIMEOUT_US (60 * G_USEC_PER_SEC)

void
emb_ui_iterate_until (gboolean (*done) (gpointer), gpointer data)
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

gboolean
emb_ui_loaded (gpointer data)
{
  return !emb_window_is_loading (data);
}

gboolean
emb_ui_idle_window (gpointer data)
{
  EmbWindow *win = data;
  EmbPlotView *plot = EMB_PLOT_VIEW (gtk_widget_get_template_child (GTK_WIDGET (win), EMB_TYPE_WINDOW, "plot"));
  /* Mapped and sized too: without a window manager, mapping takes a while. */
  return !emb_window_is_loading (win) && !emb_window_is_busy (win) &&
         gtk_widget_get_mapped (GTK_WIDGET (plot)) && gtk_widget_get_width (GTK_WIDGET (plot)) > 0 &&
         !emb_plot_view_is_rendering (plot);
}

EmbWindow *
emb_ui_new_window_on (const char *path)
{
  EmbWindow *win = emb_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (win), 1100, 720);
  gtk_window_present (GTK_WINDOW (win));
  emb_window_open (win, path);
  emb_ui_iterate_until (emb_ui_loaded, win);
  g_assert_nonnull (emb_window_get_scene (win));
  emb_ui_iterate_until (emb_ui_idle_window, win);
  return win;
}

/* The template emb_ui_child `name` of the window or of one of its panels (each
 * panel is a widget with its own template). */
GObject *
emb_ui_find_template_child (GtkWidget *widget, const char *name)
{
  GObject *found = gtk_widget_get_template_child (widget, G_OBJECT_TYPE (widget), name);

  for (GtkWidget *w = gtk_widget_get_first_child (widget); found == NULL && w; w = gtk_widget_get_next_sibling (w))
    found = emb_ui_find_template_child (w, name);
  return found;
}

GtkWidget *
emb_ui_child (gpointer win, const char *name)
{
  GObject *found = emb_ui_find_template_child (GTK_WIDGET (win), name);

  g_assert_nonnull (found);
  return GTK_WIDGET (found);
}

/* The text of the label named `name` inside a list row. */
const char *
emb_ui_row_label (GtkWidget *row, const char *name)
{
  GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));

  for (GtkWidget *w = gtk_widget_get_first_child (box); w; w = gtk_widget_get_next_sibling (w))
    if (g_str_equal (gtk_widget_get_name (w), name))
      return gtk_label_get_text (GTK_LABEL (w));
  return NULL;
}

guint
emb_ui_count_rows (gpointer list)
{
  guint n = 0;
  while (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), n) != NULL)
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
void
emb_ui_wait_for_frames (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  Frames frames = { widget, 0 };
  gulong id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &frames);

  gtk_widget_queue_draw (widget);
  emb_ui_iterate_until (painted_twice, &frames);
  g_signal_handler_disconnect (clock, id);
}

/* Renders the plot widget to a texture and downloads it (ARGB32). */
guchar *
emb_ui_render_plot (EmbWindow *win, int *w, int *h, gsize *stride)
{
  GtkWidget *plot = emb_ui_child (win, "plot");
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (plot);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (plot));
  g_autofree char *png = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : g_get_tmp_dir (),
                                           "test-ui-plot.png", NULL);
  guchar *pixels;

  emb_ui_wait_for_frames (plot);
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

guint32
emb_ui_pixel_rgb (const guchar *pixels, gsize stride, int x, int y)
{
  guint32 p = *(const guint32 *) (pixels + y * stride + x * 4);
  return p & 0xffffff;
}

gboolean
emb_ui_dialog_shown (gpointer data)
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

