/* emb-plot-view.c: the widget: the point layout for the current axes and
 * colours, the texture rendered from it and the snapshot.
 *
 * The points are rasterised off the main thread by core's renderer
 * (emb_render_points_async) into a texture that is cached with the view
 * it was drawn for.  Each frame draws that texture (moved and scaled to
 * the current view while a fresh one is being rendered, so panning never
 * waits) and then the overlay: core's
 * emb-overlay (search rings, neighbour lines, analogy arrows, the
 * selection; the same code draws them into exported files), labels, and
 * the hovered point.  Input is in emb-plot-view-input.c, labels in
 * emb-plot-view-labels.c, the public setters in emb-plot-view-state.c.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "emb-plot-view-private.h"

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

/* Dark when the theme's text is light, however the dark style was chosen
 * (the desktop's preference, a dark theme, GTK_THEME=...:dark). */
gboolean
_emb_plot_view_is_dark (EmbPlotView *self)
{
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  return 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5;
}

void
_emb_plot_view_rgb_to_gdk (guint32 rgb, double alpha, GdkRGBA *out)
{
  out->red = ((rgb >> 16) & 0xff) / 255.0;
  out->green = ((rgb >> 8) & 0xff) / 255.0;
  out->blue = (rgb & 0xff) / 255.0;
  out->alpha = alpha;
}

void
_emb_plot_view_background_color (EmbPlotView *self, GdkRGBA *out)
{
  EmbThemeColors c;

  emb_theme_colors (_emb_plot_view_is_dark (self) ? EMB_THEME_DARK : EMB_THEME_LIGHT, &c);
  _emb_plot_view_rgb_to_gdk (c.background, 1.0, out);
}

void
_emb_plot_view_foreground_color (EmbPlotView *self, GdkRGBA *out)
{
  EmbThemeColors c;

  emb_theme_colors (_emb_plot_view_is_dark (self) ? EMB_THEME_DARK : EMB_THEME_LIGHT, &c);
  _emb_plot_view_rgb_to_gdk (c.foreground, 1.0, out);
}

/* The view's highlights and where they go, for core's overlay. */
void
_emb_plot_view_get_overlay (EmbPlotView *self, EmbOverlay *overlay, EmbOverlayTarget *target)
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

void
_emb_plot_view_drop_texture (EmbPlotView *self)
{
  g_clear_object (&self->texture);
}

void
_emb_plot_view_clear_label_cache (EmbPlotView *self)
{
  emb_label_cache_clear (self->label_cache);
}

/* Rebuilds the layout after the scene, axes or colours changed. */
void
_emb_plot_view_rebuild_layout (EmbPlotView *self)
{
  Layout *layout;
  gsize n;

  _emb_plot_view_cancel_render (self);
  g_clear_pointer (&self->layout, layout_unref);
  if (self->scene == NULL)
    return;

  n = emb_scene_n_rows (self->scene);
  layout = g_new0 (Layout, 1);
  layout->ref_count = 1;
  layout->n = n;
  layout->xs = g_new (float, n);
  layout->ys = g_new (float, n);
  if (self->map != NULL)
    for (gsize i = 0; i < n; i++)
      {
        layout->xs[i] = self->map[i * self->map_dims + self->x_component];
        layout->ys[i] = self->map[i * self->map_dims + self->y_component];
      }
  else
    {
      emb_scene_axis (self->scene, self->x_component, layout->xs);
      emb_scene_axis (self->scene, self->y_component, layout->ys);
    }
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

void
_emb_plot_view_fit_view (EmbPlotView *self, EmbView *out)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->layout == NULL || w <= 0 || h <= 0)
    return;
  emb_view_fit (out, self->layout->xs, self->layout->ys, self->layout->n, w, h, 0.05);
}

/* A render in flight: what the texture it yields is for. */
typedef struct
{
  EmbPlotView  *self;          /* ref: the widget outlives the render */
  GCancellable *cancellable;   /* ref: which render this is */
  EmbView       logical;
  EmbView       device;        /* the pixels' size */
  int           device_scale;
} RenderRequest;

static void
render_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RenderRequest *req = user_data;
  EmbPlotView *self = req->self;
  g_autoptr(GError) error = NULL;
  int stride = 0;
  g_autoptr(GBytes) pixels = emb_render_points_finish (result, &stride, &error);

  /* A render cancelled for a newer layout, or after dispose, is dropped. */
  if (req->cancellable == self->render_cancellable)
    {
      g_clear_object (&self->render_cancellable);
      if (pixels != NULL)
        {
          const EmbView *d = &req->device;

          g_clear_object (&self->texture);
          self->texture = gdk_memory_texture_new (d->width, d->height, GDK_MEMORY_DEFAULT,
                                                  pixels, stride);
          self->texture_view = req->logical;
          self->texture_scale = req->device_scale;
          gtk_widget_queue_draw (GTK_WIDGET (self));
        }
      if (self->render_dirty)
        _emb_plot_view_start_render (self);
    }
  g_object_unref (req->cancellable);
  g_object_unref (req->self);
  g_free (req);
}

/* Drops the render in flight: its layout is gone or the widget is. */
void
_emb_plot_view_cancel_render (EmbPlotView *self)
{
  if (self->render_cancellable == NULL)
    return;
  g_cancellable_cancel (self->render_cancellable);
  g_clear_object (&self->render_cancellable);
}

/* Starts a render of the current view in core's renderer unless one is
 * running: then the view is rendered again when that one ends, unless it
 * is the view being rendered. */
void
_emb_plot_view_start_render (EmbPlotView *self)
{
  Layout *layout = self->layout;
  RenderRequest *req;
  EmbPointStyle style;
  EmbView device = self->view;
  int sf;

  self->render_dirty = FALSE;
  if (self->disposed || layout == NULL ||
      self->view.scale <= 0 || self->view.width <= 0 || self->view.height <= 0)
    return;
  sf = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  device.width *= sf;
  device.height *= sf;
  device.scale *= sf;
  if (self->render_cancellable != NULL)
    {
      self->render_dirty = layout != self->render_layout ||
                           !_emb_plot_view_views_equal (&device, &self->render_view);
      return;
    }

  style = (EmbPointStyle) {
    .xs = layout->xs,
    .ys = layout->ys,
    .n = layout->n,
    .category = layout->category,
    .palette = layout->palette,
    .n_palette = layout->n_palette,
    .visible = layout->visible,
    .radius = 1.6,
    .opacity = EMB_POINT_OPACITY,
    .background = 0,   /* transparent: the widget draws the background */
  };
  self->render_cancellable = g_cancellable_new ();
  self->render_view = device;
  self->render_layout = layout;
  req = g_new0 (RenderRequest, 1);
  req->self = g_object_ref (self);
  req->cancellable = g_object_ref (self->render_cancellable);
  req->logical = self->view;
  req->device = device;
  req->device_scale = sf;
  emb_render_points_async (&style, &device, 0, layout_ref (layout), (GDestroyNotify) layout_unref,
                           self->render_cancellable, render_done, req);
}

gboolean
_emb_plot_view_views_equal (const EmbView *a, const EmbView *b)
{
  return a->center_x == b->center_x && a->center_y == b->center_y &&
         a->scale == b->scale && a->width == b->width && a->height == b->height;
}

void
_emb_plot_view_set_view (EmbPlotView *self, const EmbView *view)
{
  double lo = self->fitted_scale * MIN_SCALE_FACTOR, hi = self->fitted_scale * MAX_SCALE_FACTOR;
  EmbView v = *view;

  if (self->fitted_scale > 0)
    v.scale = CLAMP (v.scale, lo, hi);
  if (_emb_plot_view_views_equal (&v, &self->view))
    return;
  self->view = v;
  _emb_plot_view_start_render (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_emb_plot_view_point_activated (EmbPlotView *self, gsize id)
{
  g_signal_emit (self, signals[POINT_ACTIVATED], 0, (guint64) id);
}

/* overlay */

static void
snapshot_overlay (EmbPlotView *self, GtkSnapshot *snapshot, int w, int h)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  EmbOverlay overlay;
  EmbOverlayTarget target;

  _emb_plot_view_get_overlay (self, &overlay, &target);
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

  _emb_plot_view_get_overlay (self, &overlay, &target);
  emb_overlay_draw_selection (&overlay, &target, cr);
  if (self->hover >= 0)
    {
      _emb_plot_view_foreground_color (self, &fg);
      _emb_plot_view_point_pixel (self, self->hover, &px, &py);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_set_line_width (cr, 1.5);
      cairo_new_sub_path (cr);
      cairo_arc (cr, px, py, 7.0, 0, 2 * G_PI);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

/* callbacks */

static void
settings_changed_cb (EmbPlotView *self)
{
  _emb_plot_view_clear_label_cache (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
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
      _emb_plot_view_fit_view (self, &v);
      self->fitted_scale = v.scale;
    }
  else
    {
      /* Keep the centre and zoom; the fitted scale follows the size. */
      EmbView fit = v;
      _emb_plot_view_fit_view (self, &fit);
      self->fitted_scale = fit.scale;
      v.width = width;
      v.height = height;
    }
  _emb_plot_view_set_view (self, &v);
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

  _emb_plot_view_background_color (self, &bg);
  gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (self->layout == NULL || self->view.scale <= 0)
    return;

  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  /* A texture drawn for a very different zoom (a map that was replaced
   * by another of another size) is left out until the fresh one comes:
   * scaled by thousands it is mostly outside the clip, and a renderer may
   * fail to allocate it. */
  if (self->texture != NULL && self->texture_view.scale > 0 &&
      self->view.scale / self->texture_view.scale < 64.0 &&
      self->view.scale / self->texture_view.scale > 1.0 / 64.0)
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
  _emb_plot_view_snapshot_labels (self, snapshot);
  snapshot_markers (self, snapshot, w, h);
  gtk_snapshot_pop (snapshot);
}

static void
emb_plot_view_dispose (GObject *object)
{
  EmbPlotView *self = EMB_PLOT_VIEW (object);

  _emb_plot_view_stop_fly (self);
  self->disposed = TRUE;
  _emb_plot_view_cancel_render (self);
  G_OBJECT_CLASS (emb_plot_view_parent_class)->dispose (object);
}

static void
emb_plot_view_finalize (GObject *object)
{
  EmbPlotView *self = EMB_PLOT_VIEW (object);

  g_clear_object (&self->texture);
  g_clear_pointer (&self->layout, layout_unref);
  g_clear_pointer (&self->scene, emb_scene_unref);
  g_free (self->category);
  g_free (self->palette);
  g_free (self->visible);
  g_free (self->map);
  g_array_unref (self->neighbors);
  g_array_unref (self->matches);
  g_array_unref (self->analogy);
  g_ptr_array_unref (self->cluster_names);
  g_array_unref (self->cluster_xy);
  emb_label_cache_free (self->label_cache);
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

  _emb_plot_view_class_init_input (widget_class);

  gtk_widget_class_set_css_name (widget_class, "plotview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
emb_plot_view_init (EmbPlotView *self)
{
  self->selection = -1;
  self->hover = -1;
  self->pointer_x = self->pointer_y = -1;
  self->label_density = 0.5;
  self->neighbors = g_array_new (FALSE, FALSE, sizeof (gsize));
  self->matches = g_array_new (FALSE, FALSE, sizeof (gsize));
  self->analogy = g_array_new (FALSE, FALSE, sizeof (gsize));
  self->cluster_names = g_ptr_array_new_with_free_func (g_free);
  self->cluster_xy = g_array_new (FALSE, FALSE, sizeof (float));
  self->label_cache = emb_label_cache_new ();
  self->y_component = 1;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  _emb_plot_view_init_input (self);

  g_signal_connect_object (gtk_widget_get_settings (GTK_WIDGET (self)), "notify::gtk-application-prefer-dark-theme",
                           G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_widget_get_settings (GTK_WIDGET (self)), "notify::gtk-font-name",
                           G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
}

