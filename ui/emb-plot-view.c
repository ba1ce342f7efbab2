/* emb-plot-view.c
 *
 * The points are rasterised by core's renderer in a worker thread into a
 * texture that is cached with the view it was drawn for.  Each frame draws
 * that texture (moved and scaled to the current view while a fresh one is
 * being rendered, so panning never waits) and then the overlay: core's
 * emb-overlay (search rings, neighbour lines, analogy arrows, the
 * selection; the same code draws them into exported files), labels, and
 * the hovered point.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "emb-plot-view.h"
#include "plot/emb-overlay.h"
#include "plot/emb-render.h"
#include "plot/emb-theme.h"

#define HIT_RADIUS_PX    8.0
#define MIN_SCALE_FACTOR 0.2    /* of the fitted scale */
#define MAX_SCALE_FACTOR 20000.0
#define FLY_DURATION_US  350000
#define LABEL_CACHE_MAX  4096
#define SELECTED_LABEL_SHIFT 6.0

/* The point layout for one pair of axes: shared with render threads. */
typedef struct
{
  gint             ref_count;
  gsize            n;
  float           *xs;
  float           *ys;
  guint16         *category;   /* NULL: palette[0] */
  guint32         *palette;
  guint            n_palette;
  guint8          *visible;    /* NULL: all */
  EmbSpatialIndex *index;
} Layout;

typedef struct
{
  Layout  *layout;
  EmbView  view;          /* in device pixels */
  guint32  background;
} RenderJob;

struct _EmbPlotView
{
  GtkWidget     parent_instance;

  /* owned */
  EmbScene     *scene;
  Layout       *layout;
  guint         x_component;
  guint         y_component;
  guint16      *category;
  guint32      *palette;
  guint         n_palette;
  guint8       *visible;

  EmbView       view;             /* logical pixels; scale 0 = not fitted yet */
  double        fitted_scale;

  GdkTexture   *texture;
  EmbView       texture_view;     /* logical view the texture was drawn at */
  int           texture_scale;    /* device scale it was drawn at */
  GCancellable *render_cancellable;
  gboolean      render_running;
  gboolean      render_dirty;

  gssize        selection;
  GArray       *neighbors;        /* gsize */
  GArray       *matches;          /* gsize */
  GArray       *analogy;          /* gsize: a, b, c, results... */
  GPtrArray    *cluster_labels;   /* PangoLayout, shown at cluster_xy */
  GPtrArray    *cluster_names;    /* char*, their text */
  GArray       *cluster_xy;       /* float, 2 per label */
  gssize        hover;
  double        label_density;
  GHashTable   *label_layouts;    /* id -> PangoLayout */
  double        char_width;
  double        line_height;

  /* gestures */
  double        drag_center_x;
  double        drag_center_y;
  double        zoom_start_scale;
  gboolean      dragged;
  double        pointer_x;        /* last pointer position, -1 when outside */
  double        pointer_y;

  /* fly-to animation */
  guint         fly_tick;
  gint64        fly_start;
  EmbView       fly_from;
  EmbView       fly_to;
};

G_DEFINE_FINAL_TYPE (EmbPlotView, emb_plot_view, GTK_TYPE_WIDGET)

enum {
  POINT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* auxiliary functions */

static Layout *
layout_ref (Layout *layout)
{
  g_atomic_int_inc (&layout->ref_count);
  return layout;
}

static void
layout_unref (Layout *layout)
{
  if (!g_atomic_int_dec_and_test (&layout->ref_count))
    return;
  g_free (layout->xs);
  g_free (layout->ys);
  g_free (layout->category);
  g_free (layout->palette);
  g_free (layout->visible);
  g_clear_pointer (&layout->index, emb_spatial_index_free);
  g_free (layout);
}

static void
render_job_free (RenderJob *job)
{
  layout_unref (job->layout);
  g_free (job);
}

/* Dark when the theme's text is light, however the dark style was chosen
 * (the desktop's preference, a dark theme, GTK_THEME=...:dark). */
static gboolean
is_dark (EmbPlotView *self)
{
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  return 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5;
}

static void
rgb_to_gdk (guint32 rgb, double alpha, GdkRGBA *out)
{
  out->red = ((rgb >> 16) & 0xff) / 255.0;
  out->green = ((rgb >> 8) & 0xff) / 255.0;
  out->blue = (rgb & 0xff) / 255.0;
  out->alpha = alpha;
}

static void
background_color (EmbPlotView *self, GdkRGBA *out)
{
  EmbThemeColors c;

  emb_theme_colors (is_dark (self) ? EMB_THEME_DARK : EMB_THEME_LIGHT, &c);
  rgb_to_gdk (c.background, 1.0, out);
}

static void
foreground_color (EmbPlotView *self, GdkRGBA *out)
{
  EmbThemeColors c;

  emb_theme_colors (is_dark (self) ? EMB_THEME_DARK : EMB_THEME_LIGHT, &c);
  rgb_to_gdk (c.foreground, 1.0, out);
}

/* The view's highlights and where they go, for core's overlay. */
static void
get_overlay (EmbPlotView *self, EmbOverlay *overlay, EmbOverlayTarget *target)
{
  *overlay = (EmbOverlay) {
    .selected = self->selection,
    .neighbors = (const gsize *) self->neighbors->data,
    .n_neighbors = self->neighbors->len,
    .matches = (const gsize *) self->matches->data,
    .n_matches = self->matches->len,
    .analogy = (const gsize *) self->analogy->data,
    .n_analogy = self->analogy->len >= 4 ? 4 : 0,
  };
  *target = (EmbOverlayTarget) {
    .xs = self->layout->xs,
    .ys = self->layout->ys,
    .n = self->layout->n,
    .visible = self->layout->visible,
    .view = self->view,
    .scale = 1.0,
  };
}

static void
drop_texture (EmbPlotView *self)
{
  g_clear_object (&self->texture);
}

static void
clear_label_cache (EmbPlotView *self)
{
  g_hash_table_remove_all (self->label_layouts);
}

/* Rebuilds the layout after the scene, axes or colours changed. */
static void
rebuild_layout (EmbPlotView *self)
{
  Layout *layout;
  gsize n;

  g_clear_pointer (&self->layout, layout_unref);
  if (self->scene == NULL)
    return;

  n = emb_scene_n_rows (self->scene);
  layout = g_new0 (Layout, 1);
  layout->ref_count = 1;
  layout->n = n;
  layout->xs = g_new (float, n);
  layout->ys = g_new (float, n);
  emb_scene_axis (self->scene, self->x_component, layout->xs);
  emb_scene_axis (self->scene, self->y_component, layout->ys);
  if (self->category != NULL)
    layout->category = g_memdup2 (self->category, n * sizeof (guint16));
  if (self->palette != NULL)
    {
      layout->palette = g_memdup2 (self->palette, self->n_palette * sizeof (guint32));
      layout->n_palette = self->n_palette;
    }
  else
    {
      layout->palette = g_new (guint32, 1);
      layout->palette[0] = emb_palette_color (0);
      layout->n_palette = 1;
    }
  if (self->visible != NULL)
    layout->visible = g_memdup2 (self->visible, n);
  layout->index = emb_spatial_index_new (layout->xs, layout->ys, n);
  self->layout = layout;
}

static void
fit_view (EmbPlotView *self, EmbView *out)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->layout == NULL || w <= 0 || h <= 0)
    return;
  emb_view_fit (out, self->layout->xs, self->layout->ys, self->layout->n, w, h, 0.05);
}

static void start_render (EmbPlotView *self);

static void
render_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RenderJob *job = task_data;
  Layout *layout = job->layout;
  int stride = job->view.width * 4;
  gsize size = (gsize) stride * job->view.height;
  guint8 *pixels = g_malloc (size);
  EmbPointStyle style = {
    .xs = layout->xs,
    .ys = layout->ys,
    .n = layout->n,
    .category = layout->category,
    .palette = layout->palette,
    .n_palette = layout->n_palette,
    .visible = layout->visible,
    .radius = 1.6,
    .opacity = EMB_POINT_OPACITY,
    .background = job->background,
  };

  if (!emb_render_points (&style, &job->view, pixels, stride, 0, cancellable))
    {
      g_free (pixels);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return;
    }
  g_task_return_pointer (task, gdk_memory_texture_new (job->view.width, job->view.height,
                                                       GDK_MEMORY_DEFAULT,
                                                       g_bytes_new_take (pixels, size), stride),
                         g_object_unref);
}

static void
render_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  EmbPlotView *self = EMB_PLOT_VIEW (source);
  GTask *task = G_TASK (result);
  g_autoptr(GError) error = NULL;
  GdkTexture *texture = g_task_propagate_pointer (task, &error);
  EmbView *logical = g_object_get_data (G_OBJECT (task), "logical-view");

  self->render_running = FALSE;
  if (texture != NULL)
    {
      g_clear_object (&self->texture);
      self->texture = texture;
      self->texture_view = *logical;
      self->texture_scale = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "device-scale"));
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  if (self->render_dirty)
    start_render (self);
}

/* Starts a render of the current view unless one is running, in which case
 * the view is rendered again when that one ends. */
static void
start_render (EmbPlotView *self)
{
  g_autoptr(GTask) task = NULL;
  RenderJob *job;
  EmbView *logical;
  int sf;

  self->render_dirty = FALSE;
  if (self->layout == NULL || self->view.scale <= 0 || self->view.width <= 0 || self->view.height <= 0)
    return;
  if (self->render_running)
    {
      self->render_dirty = TRUE;
      return;
    }

  sf = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  job = g_new0 (RenderJob, 1);
  job->layout = layout_ref (self->layout);
  job->view = self->view;
  job->view.width *= sf;
  job->view.height *= sf;
  job->view.scale *= sf;
  job->background = 0;   /* transparent: the widget draws the background */

  logical = g_new (EmbView, 1);
  *logical = self->view;

  task = g_task_new (self, self->render_cancellable, render_done, NULL);
  g_task_set_source_tag (task, start_render);
  g_task_set_task_data (task, job, (GDestroyNotify) render_job_free);
  g_object_set_data_full (G_OBJECT (task), "logical-view", logical, g_free);
  g_object_set_data (G_OBJECT (task), "device-scale", GINT_TO_POINTER (sf));
  self->render_running = TRUE;
  g_task_run_in_thread (task, render_thread);
}

static gboolean
views_equal (const EmbView *a, const EmbView *b)
{
  return a->center_x == b->center_x && a->center_y == b->center_y &&
         a->scale == b->scale && a->width == b->width && a->height == b->height;
}

static void
set_view (EmbPlotView *self, const EmbView *view)
{
  double lo = self->fitted_scale * MIN_SCALE_FACTOR, hi = self->fitted_scale * MAX_SCALE_FACTOR;
  EmbView v = *view;

  if (self->fitted_scale > 0)
    v.scale = CLAMP (v.scale, lo, hi);
  if (views_equal (&v, &self->view))
    return;
  self->view = v;
  start_render (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
point_pixel (EmbPlotView *self, gsize id, double *px, double *py)
{
  emb_view_to_pixel (&self->view, self->layout->xs[id], self->layout->ys[id], px, py);
}

static gssize
hit_test (EmbPlotView *self, double px, double py)
{
  double x, y;

  if (self->layout == NULL || self->view.scale <= 0)
    return -1;
  emb_view_to_data (&self->view, px, py, &x, &y);
  return emb_spatial_index_nearest (self->layout->index, x, y,
                                    HIT_RADIUS_PX / self->view.scale, self->layout->visible);
}

static void
zoom_around (EmbPlotView *self, double factor, double px, double py)
{
  EmbView v = self->view;
  double x, y, lo, hi;

  if (v.scale <= 0)
    return;
  lo = self->fitted_scale * MIN_SCALE_FACTOR;
  hi = self->fitted_scale * MAX_SCALE_FACTOR;
  emb_view_to_data (&v, px, py, &x, &y);
  v.scale = CLAMP (v.scale * factor, lo, hi);
  /* Keep the data point under the pointer where it is. */
  v.center_x = x - (px - v.width * 0.5) / v.scale;
  v.center_y = y + (py - v.height * 0.5) / v.scale;
  set_view (self, &v);
}

/* labels */

static PangoLayout *
label_layout (EmbPlotView *self, gsize id)
{
  PangoLayout *layout = g_hash_table_lookup (self->label_layouts, GSIZE_TO_POINTER (id));

  if (layout == NULL)
    {
      const char *text = emb_vocab_display (self->scene->dataset->vocab, id);
      g_autofree char *shown = NULL;

      /* Newlines and tabs inside tokens would break the one-line label. */
      if (strpbrk (text, "\n\r\t") != NULL)
        {
          shown = g_strdup (text);
          g_strdelimit (shown, "\n\r\t", ' ');
          text = shown;
        }
      if (g_hash_table_size (self->label_layouts) > LABEL_CACHE_MAX)
        clear_label_cache (self);
      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
      g_hash_table_insert (self->label_layouts, GSIZE_TO_POINTER (id), layout);
    }
  return layout;
}

typedef struct
{
  GArray       *ids;
  gsize         cap;
  const guint8 *visible;
} Collect;

static void
collect_cb (gsize id, gpointer user_data)
{
  Collect *c = user_data;
  if (c->ids->len < c->cap && (c->visible == NULL || c->visible[id]))
    g_array_append_val (c->ids, id);
}

static void
measure_font (EmbPlotView *self)
{
  PangoContext *ctx = gtk_widget_get_pango_context (GTK_WIDGET (self));
  PangoFontMetrics *metrics = pango_context_get_metrics (ctx, NULL, NULL);

  self->char_width = pango_font_metrics_get_approximate_char_width (metrics) / (double) PANGO_SCALE;
  self->line_height = (pango_font_metrics_get_ascent (metrics) + pango_font_metrics_get_descent (metrics))
                      / (double) PANGO_SCALE;
  pango_font_metrics_unref (metrics);
}

static void
add_candidate (GArray *cands, GHashTable *seen, EmbPlotView *self, gsize id)
{
  EmbLabelCandidate c;
  const char *text;

  if (g_hash_table_contains (seen, GSIZE_TO_POINTER (id + 1)))
    return;
  g_hash_table_add (seen, GSIZE_TO_POINTER (id + 1));
  text = emb_vocab_display (self->scene->dataset->vocab, id);
  c.id = id;
  c.width = MAX (1, g_utf8_strlen (text, 64)) * self->char_width + 2;
  /* The selection's marker is bigger: its label starts further out. */
  if ((gssize) id == self->selection)
    c.width += SELECTED_LABEL_SHIFT;
  c.height = self->line_height;
  g_array_append_val (cands, c);
}

/* Labels go first to the selection, neighbours, analogy and search
 * matches, then to the rows in the view by id (frequency order in most
 * vocabularies); the density decides how many are tried. */
static void
snapshot_labels (EmbPlotView *self, GtkSnapshot *snapshot)
{
  g_autoptr(GArray) cands = g_array_new (FALSE, FALSE, sizeof (EmbLabelCandidate));
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) inview = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autofree gsize *kept = NULL;
  g_autofree float *kept_xy = NULL;
  g_autofree gsize *first = NULL;
  gsize n_kept, budget, n_first;
  double x0, y0, x1, y1;
  GdkRGBA fg, halo;
  Collect collect;
  EmbOverlay overlay;
  EmbOverlayTarget target;

  if (self->label_density <= 0 && self->selection < 0)
    return;
  if (self->char_width <= 0)
    measure_font (self);

  budget = emb_label_budget (self->label_density);
  get_overlay (self, &overlay, &target);
  first = g_new (gsize, 1 + overlay.n_neighbors + overlay.n_analogy + overlay.n_matches);
  n_first = emb_overlay_label_ids (&overlay, &target, first,
                                   1 + overlay.n_neighbors + overlay.n_analogy + overlay.n_matches);
  for (gsize i = 0; i < n_first; i++)
    add_candidate (cands, seen, self, first[i]);

  if (budget > 0)
    {
      emb_view_to_data (&self->view, 0, self->view.height, &x0, &y0);
      emb_view_to_data (&self->view, self->view.width, 0, &x1, &y1);
      collect.ids = inview;
      collect.cap = budget * 4;
      collect.visible = self->layout->visible;
      emb_spatial_index_query_rect (self->layout->index, x0, y0, x1, y1, collect_cb, &collect);
      for (guint i = 0; i < inview->len; i++)
        add_candidate (cands, seen, self, g_array_index (inview, gsize, i));
    }

  kept = g_new (gsize, cands->len + 1);
  kept_xy = g_new (float, 2 * cands->len + 2);
  n_kept = emb_place_labels ((EmbLabelCandidate *) cands->data, cands->len,
                             self->layout->xs, self->layout->ys, &self->view, 4.0,
                             cands->len, kept, kept_xy);

  foreground_color (self, &fg);
  background_color (self, &halo);
  halo.alpha = 0.7;
  for (gsize i = 0; i < n_kept; i++)
    {
      PangoLayout *layout = label_layout (self, kept[i]);
      int w, h;
      gboolean strong = (gssize) kept[i] == self->selection;
      GdkRGBA color = fg;

      pango_layout_get_pixel_size (layout, &w, &h);
      color.alpha = strong ? 1.0 : 0.85;
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (kept_xy[2 * i] + (strong ? SELECTED_LABEL_SHIFT : 0),
                                                              kept_xy[2 * i + 1]));
      /* A soft backing keeps labels readable over dense areas. */
      gtk_snapshot_append_color (snapshot, &halo, &GRAPHENE_RECT_INIT (-1, 0, w + 2, h));
      gtk_snapshot_append_layout (snapshot, layout, &color);
      gtk_snapshot_restore (snapshot);
    }
}

/* Cluster names: bold, on a rounded backing in the cluster's colour. */
static void
snapshot_cluster_labels (EmbPlotView *self, GtkSnapshot *snapshot)
{
  GdkRGBA fg, back;

  foreground_color (self, &fg);
  background_color (self, &back);
  back.alpha = 0.82;
  for (guint i = 0; i < self->cluster_labels->len; i++)
    {
      PangoLayout *layout = g_ptr_array_index (self->cluster_labels, i);
      float x = g_array_index (self->cluster_xy, float, 2 * i);
      float y = g_array_index (self->cluster_xy, float, 2 * i + 1);
      double px, py;
      int w, h;
      GskRoundedRect rr;
      GdkRGBA edge;
      guint32 rgb = self->palette != NULL && i < self->n_palette ? self->palette[i] : emb_palette_color (i);

      if (isnan (x) || isnan (y))
        continue;
      emb_view_to_pixel (&self->view, x, y, &px, &py);
      pango_layout_get_pixel_size (layout, &w, &h);
      px -= w / 2.0;
      py -= h / 2.0;
      if (px + w < 0 || py + h < 0 || px > self->view.width || py > self->view.height)
        continue;
      rgb_to_gdk (rgb, 1.0, &edge);
      gsk_rounded_rect_init_from_rect (&rr, &GRAPHENE_RECT_INIT (px - 6, py - 2, w + 12, h + 4), 6);
      gtk_snapshot_push_rounded_clip (snapshot, &rr);
      gtk_snapshot_append_color (snapshot, &back, &rr.bounds);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_append_border (snapshot, &rr, (float[4]) { 1.5, 1.5, 1.5, 1.5 },
                                  (GdkRGBA[4]) { edge, edge, edge, edge });
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (px, py));
      gtk_snapshot_append_layout (snapshot, layout, &fg);
      gtk_snapshot_restore (snapshot);
    }
}

/* overlay */

static void
snapshot_overlay (EmbPlotView *self, GtkSnapshot *snapshot, int w, int h)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  EmbOverlay overlay;
  EmbOverlayTarget target;

  get_overlay (self, &overlay, &target);
  emb_overlay_draw_marks (&overlay, &target, cr);
  cairo_destroy (cr);
}

/* The selection and the hovered point go on top of everything. */
static void
snapshot_markers (EmbPlotView *self, GtkSnapshot *snapshot, int w, int h)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  EmbOverlay overlay;
  EmbOverlayTarget target;
  double px, py;
  GdkRGBA fg;

  get_overlay (self, &overlay, &target);
  emb_overlay_draw_selection (&overlay, &target, cr);
  if (self->hover >= 0)
    {
      foreground_color (self, &fg);
      point_pixel (self, self->hover, &px, &py);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_set_line_width (cr, 1.5);
      cairo_new_sub_path (cr);
      cairo_arc (cr, px, py, 7.0, 0, 2 * G_PI);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

/* callbacks */

static gboolean
fly_tick_cb (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  EmbPlotView *self = EMB_PLOT_VIEW (widget);
  double t = (gdk_frame_clock_get_frame_time (clock) - self->fly_start) / (double) FLY_DURATION_US;
  double e, ls0, ls1;
  EmbView v = self->fly_to;

  t = CLAMP (t, 0.0, 1.0);
  e = t < 0.5 ? 4 * t * t * t : 1 - pow (-2 * t + 2, 3) / 2;   /* ease in-out cubic */
  /* Interpolate the zoom in log space so it feels uniform. */
  ls0 = log (self->fly_from.scale);
  ls1 = log (self->fly_to.scale);
  v.scale = exp (ls0 + (ls1 - ls0) * e);
  v.center_x = self->fly_from.center_x + (self->fly_to.center_x - self->fly_from.center_x) * e;
  v.center_y = self->fly_from.center_y + (self->fly_to.center_y - self->fly_from.center_y) * e;
  set_view (self, &v);
  if (t >= 1.0)
    {
      self->fly_tick = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
stop_fly (EmbPlotView *self)
{
  if (self->fly_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->fly_tick);
      self->fly_tick = 0;
    }
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               EmbPlotView    *self)
{
  stop_fly (self);
  self->drag_center_x = self->view.center_x;
  self->drag_center_y = self->view.center_y;
  self->dragged = FALSE;
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                EmbPlotView    *self)
{
  EmbView v = self->view;

  if (v.scale <= 0)
    return;
  if (!self->dragged && hypot (dx, dy) < 3)
    return;
  self->dragged = TRUE;
  v.center_x = self->drag_center_x - dx / v.scale;
  v.center_y = self->drag_center_y + dy / v.scale;
  set_view (self, &v);
}

static void
click_released_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   EmbPlotView     *self)
{
  gssize id;

  if (self->dragged)
    return;
  id = hit_test (self, x, y);
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (id >= 0)
    g_signal_emit (self, signals[POINT_ACTIVATED], 0, (guint64) id);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           EmbPlotView              *self)
{
  /* Zoom around the pointer (known from motion), else the centre. */
  double px = self->pointer_x >= 0 ? self->pointer_x : self->view.width * 0.5;
  double py = self->pointer_y >= 0 ? self->pointer_y : self->view.height * 0.5;

  stop_fly (self);
  zoom_around (self, pow (1.15, -dy), px, py);
  return TRUE;
}

static void
zoom_begin_cb (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               EmbPlotView      *self)
{
  stop_fly (self);
  self->zoom_start_scale = self->view.scale;
}

static void
zoom_scale_changed_cb (GtkGestureZoom *gesture,
                       double          scale,
                       EmbPlotView    *self)
{
  double cx, cy;

  if (self->zoom_start_scale <= 0 || self->view.scale <= 0)
    return;
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    {
      cx = self->view.width * 0.5;
      cy = self->view.height * 0.5;
    }
  zoom_around (self, self->zoom_start_scale * scale / self->view.scale, cx, cy);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           EmbPlotView              *self)
{
  gssize id = hit_test (self, x, y);

  self->pointer_x = x;
  self->pointer_y = y;
  if (id != self->hover)
    {
      self->hover = id;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
leave_cb (GtkEventControllerMotion *controller,
          EmbPlotView              *self)
{
  self->pointer_x = self->pointer_y = -1;
  if (self->hover >= 0)
    {
      self->hover = -1;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  gpointer    user_data)
{
  EmbPlotView *self = EMB_PLOT_VIEW (widget);
  gssize id = keyboard ? self->selection : hit_test (self, x, y);
  g_autofree char *markup = NULL;
  g_autofree char *escaped = NULL;
  double px, py;

  if (id < 0)
    return FALSE;
  escaped = g_markup_escape_text (emb_vocab_display (self->scene->dataset->vocab, id), -1);
  markup = g_strdup_printf ("<b>%s</b>\n<small>#%" G_GSSIZE_FORMAT "  (%.3g, %.3g)</small>",
                            escaped, id, self->layout->xs[id], self->layout->ys[id]);
  gtk_tooltip_set_markup (tooltip, markup);
  point_pixel (self, id, &px, &py);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) px - 6, (int) py - 6, 12, 12 });
  return TRUE;
}

static void
settings_changed_cb (EmbPlotView *self)
{
  clear_label_cache (self);
  self->char_width = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
zoom_in_action (GtkWidget *widget, const char *name, GVariant *param)
{
  emb_plot_view_zoom (EMB_PLOT_VIEW (widget), 1.5);
}

static void
zoom_out_action (GtkWidget *widget, const char *name, GVariant *param)
{
  emb_plot_view_zoom (EMB_PLOT_VIEW (widget), 1 / 1.5);
}

static void
reset_action (GtkWidget *widget, const char *name, GVariant *param)
{
  emb_plot_view_reset_view (EMB_PLOT_VIEW (widget));
}

/* GObject overrides */

static void
emb_plot_view_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  EmbPlotView *self = EMB_PLOT_VIEW (widget);
  EmbView v = self->view;

  if (self->layout == NULL)
    return;
  if (v.scale <= 0)
    {
      fit_view (self, &v);
      self->fitted_scale = v.scale;
    }
  else
    {
      /* Keep the centre and zoom; the fitted scale follows the size. */
      EmbView fit = v;
      fit_view (self, &fit);
      self->fitted_scale = fit.scale;
      v.width = width;
      v.height = height;
    }
  set_view (self, &v);
}

static void
emb_plot_view_css_changed (GtkWidget         *widget,
                           GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (emb_plot_view_parent_class)->css_changed (widget, change);
  settings_changed_cb (EMB_PLOT_VIEW (widget));
}

static void
emb_plot_view_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  EmbPlotView *self = EMB_PLOT_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GdkRGBA bg;

  background_color (self, &bg);
  gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (self->layout == NULL || self->view.scale <= 0)
    return;

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (self->texture != NULL)
    {
      const EmbView *t = &self->texture_view;
      double k = self->view.scale / t->scale;
      /* Where the texture's top-left corner lands in the current view. */
      double ox = (t->center_x - self->view.center_x) * self->view.scale + w * 0.5 - t->width * 0.5 * k;
      double oy = h * 0.5 - (t->center_y - self->view.center_y) * self->view.scale - t->height * 0.5 * k;

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (ox, oy));
      gtk_snapshot_scale (snapshot, k, k);
      gtk_snapshot_append_texture (snapshot, self->texture,
                                   &GRAPHENE_RECT_INIT (0, 0, t->width, t->height));
      gtk_snapshot_restore (snapshot);
    }
  snapshot_overlay (self, snapshot, w, h);
  snapshot_labels (self, snapshot);
  snapshot_cluster_labels (self, snapshot);
  snapshot_markers (self, snapshot, w, h);
  gtk_snapshot_pop (snapshot);
}

static void
emb_plot_view_dispose (GObject *object)
{
  EmbPlotView *self = EMB_PLOT_VIEW (object);

  stop_fly (self);
  g_cancellable_cancel (self->render_cancellable);
  G_OBJECT_CLASS (emb_plot_view_parent_class)->dispose (object);
}

static void
emb_plot_view_finalize (GObject *object)
{
  EmbPlotView *self = EMB_PLOT_VIEW (object);

  g_clear_object (&self->render_cancellable);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->layout, layout_unref);
  g_clear_pointer (&self->scene, emb_scene_unref);
  g_free (self->category);
  g_free (self->palette);
  g_free (self->visible);
  g_array_unref (self->neighbors);
  g_array_unref (self->matches);
  g_array_unref (self->analogy);
  g_ptr_array_unref (self->cluster_labels);
  g_ptr_array_unref (self->cluster_names);
  g_array_unref (self->cluster_xy);
  g_hash_table_unref (self->label_layouts);
  G_OBJECT_CLASS (emb_plot_view_parent_class)->finalize (object);
}

static void
emb_plot_view_class_init (EmbPlotViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = emb_plot_view_dispose;
  object_class->finalize = emb_plot_view_finalize;
  widget_class->snapshot = emb_plot_view_snapshot;
  widget_class->css_changed = emb_plot_view_css_changed;
  widget_class->size_allocate = emb_plot_view_size_allocate;

  /**
   * EmbPlotView::point-activated:
   * @id: the row clicked
   */
  signals[POINT_ACTIVATED] =
    g_signal_new ("point-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

  gtk_widget_class_install_action (widget_class, "plot.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "plot.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "plot.reset", NULL, reset_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "plot.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "plot.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "plot.reset", NULL);

  gtk_widget_class_set_css_name (widget_class, "plotview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
emb_plot_view_init (EmbPlotView *self)
{
  GtkGesture *drag, *click, *zoom;
  GtkEventController *scroll, *motion;

  self->render_cancellable = g_cancellable_new ();
  self->selection = -1;
  self->hover = -1;
  self->pointer_x = self->pointer_y = -1;
  self->label_density = 0.5;
  self->neighbors = g_array_new (FALSE, FALSE, sizeof (gsize));
  self->matches = g_array_new (FALSE, FALSE, sizeof (gsize));
  self->analogy = g_array_new (FALSE, FALSE, sizeof (gsize));
  self->cluster_labels = g_ptr_array_new_with_free_func (g_object_unref);
  self->cluster_names = g_ptr_array_new_with_free_func (g_free);
  self->cluster_xy = g_array_new (FALSE, FALSE, sizeof (float));
  self->label_layouts = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->y_component = 1;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "begin", G_CALLBACK (zoom_begin_cb), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL |
                                            GTK_EVENT_CONTROLLER_SCROLL_DISCRETE);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  g_signal_connect_object (gtk_widget_get_settings (GTK_WIDGET (self)), "notify::gtk-application-prefer-dark-theme",
                           G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_widget_get_settings (GTK_WIDGET (self)), "notify::gtk-font-name",
                           G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
}

/* public API */

void
emb_plot_view_set_scene (EmbPlotView *self,
                         EmbScene    *scene)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  if (scene == self->scene)
    return;
  stop_fly (self);
  g_clear_pointer (&self->scene, emb_scene_unref);
  self->scene = scene != NULL ? emb_scene_ref (scene) : NULL;
  g_clear_pointer (&self->category, g_free);
  g_clear_pointer (&self->palette, g_free);
  g_clear_pointer (&self->visible, g_free);
  self->x_component = 0;
  self->y_component = scene != NULL && scene->n_components > 1 ? 1 : 0;
  self->selection = -1;
  self->hover = -1;
  g_array_set_size (self->neighbors, 0);
  g_array_set_size (self->matches, 0);
  g_array_set_size (self->analogy, 0);
  g_ptr_array_set_size (self->cluster_labels, 0);
  g_ptr_array_set_size (self->cluster_names, 0);
  g_array_set_size (self->cluster_xy, 0);
  clear_label_cache (self);
  drop_texture (self);
  rebuild_layout (self);
  self->view.scale = 0;
  emb_plot_view_reset_view (self);
}

void
emb_plot_view_set_axes (EmbPlotView *self,
                        guint        x_component,
                        guint        y_component)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  if (self->scene == NULL)
    return;
  x_component = MIN (x_component, self->scene->n_components - 1);
  y_component = MIN (y_component, self->scene->n_components - 1);
  if (x_component == self->x_component && y_component == self->y_component)
    return;
  self->x_component = x_component;
  self->y_component = y_component;
  drop_texture (self);
  rebuild_layout (self);
  emb_plot_view_reset_view (self);
}

void
emb_plot_view_set_colors (EmbPlotView   *self,
                          const guint16 *category,
                          const guint32 *palette,
                          guint          n_palette)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  g_clear_pointer (&self->category, g_free);
  g_clear_pointer (&self->palette, g_free);
  self->n_palette = 0;
  if (self->scene != NULL && category != NULL)
    self->category = g_memdup2 (category, emb_scene_n_rows (self->scene) * sizeof (guint16));
  if (palette != NULL && n_palette > 0)
    {
      self->palette = g_memdup2 (palette, n_palette * sizeof (guint32));
      self->n_palette = n_palette;
    }
  rebuild_layout (self);
  start_render (self);
}

void
emb_plot_view_set_selection (EmbPlotView *self,
                             gssize       id,
                             const gsize *neighbors,
                             gsize        n_neighbors)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  if (self->scene == NULL || id >= (gssize) emb_scene_n_rows (self->scene))
    id = -1;
  self->selection = id;
  g_array_set_size (self->neighbors, 0);
  if (id >= 0 && neighbors != NULL)
    g_array_append_vals (self->neighbors, neighbors, n_neighbors);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gssize
emb_plot_view_get_selection (EmbPlotView *self)
{
  return self->selection;
}

void
emb_plot_view_set_matches (EmbPlotView *self,
                           const gsize *ids,
                           gsize        n_ids)
{
  g_array_set_size (self->matches, 0);
  if (ids != NULL)
    g_array_append_vals (self->matches, ids, n_ids);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
emb_plot_view_set_analogy (EmbPlotView *self,
                           gsize        a,
                           gsize        b,
                           gsize        c,
                           const gsize *results,
                           gsize        n_results)
{
  g_array_set_size (self->analogy, 0);
  if (n_results > 0)
    {
      g_array_append_val (self->analogy, a);
      g_array_append_val (self->analogy, b);
      g_array_append_val (self->analogy, c);
      g_array_append_vals (self->analogy, results, MIN (n_results, 1));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
emb_plot_view_set_label_density (EmbPlotView *self,
                                 double       density)
{
  self->label_density = CLAMP (density, 0.0, 1.0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
emb_plot_view_reset_view (EmbPlotView *self)
{
  EmbView v = self->view;

  stop_fly (self);
  if (self->layout == NULL || gtk_widget_get_width (GTK_WIDGET (self)) <= 0)
    return;
  fit_view (self, &v);
  self->fitted_scale = v.scale;
  set_view (self, &v);
}

void
emb_plot_view_zoom (EmbPlotView *self,
                    double       factor)
{
  stop_fly (self);
  zoom_around (self, factor, self->view.width * 0.5, self->view.height * 0.5);
}

void
emb_plot_view_fly_to (EmbPlotView *self,
                      const gsize *ids,
                      gsize        n_ids)
{
  g_autofree float *xs = NULL, *ys = NULL;
  EmbView target = self->view;
  double min_extent;

  if (self->layout == NULL || n_ids == 0 || self->view.scale <= 0)
    return;
  xs = g_new (float, n_ids);
  ys = g_new (float, n_ids);
  for (gsize i = 0; i < n_ids; i++)
    {
      xs[i] = self->layout->xs[ids[i]];
      ys[i] = self->layout->ys[ids[i]];
    }
  emb_view_fit (&target, xs, ys, n_ids, self->view.width, self->view.height, 0.2);
  /* Never zoom in so far that the neighbourhood loses its context. */
  min_extent = MIN (self->view.width, self->view.height) / self->fitted_scale / 25.0;
  target.scale = MIN (target.scale, MIN (self->view.width, self->view.height) / min_extent);
  target.scale = MAX (target.scale, self->fitted_scale);

  stop_fly (self);
  self->fly_from = self->view;
  self->fly_to = target;
  self->fly_start = g_get_monotonic_time ();
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && gtk_widget_get_frame_clock (GTK_WIDGET (self)) != NULL)
    {
      self->fly_start = gdk_frame_clock_get_frame_time (gtk_widget_get_frame_clock (GTK_WIDGET (self)));
      self->fly_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), fly_tick_cb, NULL, NULL);
    }
  else
    set_view (self, &target);
}

gboolean
emb_plot_view_get_point_position (EmbPlotView *self,
                                  gsize        id,
                                  double      *x,
                                  double      *y)
{
  if (self->layout == NULL || id >= self->layout->n || self->view.scale <= 0)
    return FALSE;
  point_pixel (self, id, x, y);
  return TRUE;
}

gboolean
emb_plot_view_is_rendering (EmbPlotView *self)
{
  return self->render_running || self->render_dirty ||
         (self->layout != NULL && self->view.scale > 0 &&
          (self->texture == NULL || !views_equal (&self->texture_view, &self->view)));
}

void
emb_plot_view_set_cluster_labels (EmbPlotView        *self,
                                  const char * const *labels,
                                  const float        *xy,
                                  guint               n)
{
  g_ptr_array_set_size (self->cluster_labels, 0);
  g_ptr_array_set_size (self->cluster_names, 0);
  g_array_set_size (self->cluster_xy, 0);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (self->cluster_names, g_strdup (labels[i]));
      PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), labels[i]);
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
      g_ptr_array_add (self->cluster_labels, layout);
    }
  if (n > 0)
    g_array_append_vals (self->cluster_xy, xy, 2 * n);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
emb_plot_view_get_points (EmbPlotView   *self,
                          const float  **xs,
                          const float  **ys)
{
  if (self->layout == NULL)
    return FALSE;
  *xs = self->layout->xs;
  *ys = self->layout->ys;
  return TRUE;
}

void
emb_plot_view_get_view (EmbPlotView *self,
                        EmbView     *view)
{
  *view = self->view;
}

guint
emb_plot_view_get_x_component (EmbPlotView *self)
{
  return self->x_component;
}

guint
emb_plot_view_get_y_component (EmbPlotView *self)
{
  return self->y_component;
}

void
emb_plot_view_set_visible (EmbPlotView  *self,
                           const guint8 *visible)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  g_clear_pointer (&self->visible, g_free);
  if (self->scene != NULL && visible != NULL)
    self->visible = g_memdup2 (visible, emb_scene_n_rows (self->scene));
  if (self->hover >= 0 && self->visible != NULL && !self->visible[self->hover])
    self->hover = -1;
  rebuild_layout (self);
  start_render (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
emb_plot_view_get_state (EmbPlotView  *self,
                         EmbPlotState *state)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));
  g_return_if_fail (state != NULL);

  *state = (EmbPlotState) { .selected = -1 };
  state->theme = is_dark (self) ? EMB_THEME_DARK : EMB_THEME_LIGHT;
  state->n_token_labels = emb_label_budget (self->label_density);
  if (self->layout == NULL || self->scene == NULL)
    return;

  state->xs = self->layout->xs;
  state->ys = self->layout->ys;
  state->n = self->layout->n;
  state->vocab = self->scene->dataset->vocab;
  state->x_component = self->x_component;
  state->y_component = self->y_component;
  state->explained = self->scene->pca->explained_variance_ratio;
  state->category = self->category;
  state->palette = self->palette;
  state->n_palette = self->n_palette;
  if (self->cluster_names->len > 0)
    {
      state->cluster_labels = (const char * const *) self->cluster_names->pdata;
      state->cluster_xy = (const float *) self->cluster_xy->data;
      state->n_cluster_labels = self->cluster_names->len;
    }
  state->visible = self->visible;
  state->selected = self->selection;
  state->neighbors = (const gsize *) self->neighbors->data;
  state->n_neighbors = self->neighbors->len;
  state->matches = (const gsize *) self->matches->data;
  state->n_matches = self->matches->len;
  if (self->analogy->len >= 4)
    {
      state->analogy = (const gsize *) self->analogy->data;
      state->n_analogy = 4;
    }
  state->view = self->view;
}
