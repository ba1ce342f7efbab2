/* emb-plot-view-input.c: pan, zoom (wheel, pinch, keys), hover, click,
 * tooltips and the fly-to animation of EmbPlotView.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "emb-plot-view-private.h"

/* auxiliary functions */

void
_emb_plot_view_point_pixel (EmbPlotView *self, gsize id, double *px, double *py)
{
  emb_view_to_pixel (&self->view, self->layout->xs[id], self->layout->ys[id], px, py);
}

gssize
_emb_plot_view_hit_test (EmbPlotView *self, double px, double py)
{
  double x, y;

  if (self->layout == NULL || self->view.scale <= 0)
    return -1;
  emb_view_to_data (&self->view, px, py, &x, &y);
  return emb_spatial_index_nearest (self->layout->index, x, y,
                                    HIT_RADIUS_PX / self->view.scale, self->layout->visible);
}

void
_emb_plot_view_zoom_around (EmbPlotView *self, double factor, double px, double py)
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
  self->view_moved = TRUE;
  _emb_plot_view_set_view (self, &v);
}

/* labels */

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
  _emb_plot_view_set_view (self, &v);
  if (t >= 1.0)
    {
      self->fly_tick = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

void
_emb_plot_view_stop_fly (EmbPlotView *self)
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
  _emb_plot_view_stop_fly (self);
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
  self->view_moved = TRUE;
  _emb_plot_view_set_view (self, &v);
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
  id = _emb_plot_view_hit_test (self, x, y);
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (id >= 0)
    _emb_plot_view_point_activated (self, id);
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

  _emb_plot_view_stop_fly (self);
  _emb_plot_view_zoom_around (self, pow (1.15, -dy), px, py);
  return TRUE;
}

static void
zoom_begin_cb (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               EmbPlotView      *self)
{
  _emb_plot_view_stop_fly (self);
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
  _emb_plot_view_zoom_around (self, self->zoom_start_scale * scale / self->view.scale, cx, cy);
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           EmbPlotView              *self)
{
  gssize id = _emb_plot_view_hit_test (self, x, y);

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
  gssize id = keyboard ? self->selection : _emb_plot_view_hit_test (self, x, y);
  g_autofree char *markup = NULL;
  g_autofree char *escaped = NULL;
  double px, py;

  if (id < 0)
    return FALSE;
  escaped = g_markup_escape_text (emb_vocab_display (self->scene->dataset->vocab, id), -1);
  markup = g_strdup_printf ("<b>%s</b>\n<small>#%" G_GSSIZE_FORMAT "  (%.3g, %.3g)</small>",
                            escaped, id, self->layout->xs[id], self->layout->ys[id]);
  gtk_tooltip_set_markup (tooltip, markup);
  _emb_plot_view_point_pixel (self, id, &px, &py);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) px - 6, (int) py - 6, 12, 12 });
  return TRUE;
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

/* wiring, called from class_init and init */

void
_emb_plot_view_class_init_input (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "plot.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "plot.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "plot.reset", NULL, reset_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "plot.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "plot.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "plot.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "plot.reset", NULL);
}

void
_emb_plot_view_init_input (EmbPlotView *self)
{
  GtkGesture *drag, *click, *zoom;
  GtkEventController *scroll, *motion;

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
}

/* public API */


void
emb_plot_view_reset_view (EmbPlotView *self)
{
  EmbView v = self->view;

  _emb_plot_view_stop_fly (self);
  if (self->layout == NULL || gtk_widget_get_width (GTK_WIDGET (self)) <= 0)
    return;
  _emb_plot_view_fit_view (self, &v);
  self->fitted_scale = v.scale;
  self->view_moved = FALSE;
  _emb_plot_view_set_view (self, &v);
}

void
emb_plot_view_zoom (EmbPlotView *self,
                    double       factor)
{
  _emb_plot_view_stop_fly (self);
  _emb_plot_view_zoom_around (self, factor, self->view.width * 0.5, self->view.height * 0.5);
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

  _emb_plot_view_stop_fly (self);
  self->view_moved = TRUE;
  self->fly_from = self->view;
  self->fly_to = target;
  self->fly_start = g_get_monotonic_time ();
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && gtk_widget_get_frame_clock (GTK_WIDGET (self)) != NULL)
    {
      self->fly_start = gdk_frame_clock_get_frame_time (gtk_widget_get_frame_clock (GTK_WIDGET (self)));
      self->fly_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), fly_tick_cb, NULL, NULL);
    }
  else
    _emb_plot_view_set_view (self, &target);
}

gboolean
emb_plot_view_get_point_position (EmbPlotView *self,
                                  gsize        id,
                                  double      *x,
                                  double      *y)
{
  if (self->layout == NULL || id >= self->layout->n || self->view.scale <= 0)
    return FALSE;
  _emb_plot_view_point_pixel (self, id, x, y);
  return TRUE;
}
