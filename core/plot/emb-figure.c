/* emb-figure.c: the finished figure: its layout and the drawing order.
 *
 * A figure is laid out once per size (Figure): margins, the title, the
 * axis titles, tick labels and the legend take what they need and the plot
 * frame gets the rest.  Every length is a multiple of one text unit that
 * grows with the figure, so a 400 x 300 thumbnail and a 3200 x 2400 poster
 * look the same apart from their resolution.  The layers are drawn by the
 * files named after them: points, highlights and labels, axes and titles,
 * legend.
 */
#include "config.h"

#include <string.h>

#include "base/emb-error.h"
#include "analysis/emb-scene.h"
#include "plot/emb-figure-private.h"

static void
compute_metrics (Figure *f)
{
  static const double size_of[N_FONTS] = {
    [FONT_TITLE] = 1.3,
    [FONT_AXIS_TITLE] = 0.95,
    [FONT_TICK] = 0.8,
    [FONT_LEGEND] = 0.85,
    [FONT_TOKEN] = 0.78,
    [FONT_TOKEN_BOLD] = 0.78,
    [FONT_CLUSTER] = 0.95,
  };
  Metrics *m = &f->m;
  double u = CLAMP (sqrt ((double) f->width * f->height) / 64.0, 9.0, 64.0);

  m->unit = u;
  m->margin = round (u * 0.9);
  m->title_gap = u * 0.7;
  m->axis_title_gap = u * 0.45;
  m->tick_length = u * 0.32;
  m->tick_gap = u * 0.22;
  m->line_width = MAX (u * 0.055, 0.6);
  m->legend_gap = u * 1.1;

  for (int i = 0; i < N_FONTS; i++)
    {
      PangoFontDescription *desc = pango_font_description_new ();
      g_autoptr(PangoLayout) layout = NULL;
      PangoRectangle logical;

      m->font_size[i] = u * size_of[i];
      pango_font_description_set_family (desc, FONT_FAMILY);
      pango_font_description_set_absolute_size (desc, m->font_size[i] * PANGO_SCALE);
      if (i == FONT_TITLE || i == FONT_TOKEN_BOLD || i == FONT_CLUSTER)
        pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
      f->fonts[i] = desc;

      layout = _emb_figure_text_layout (f, i, "0");
      pango_layout_get_extents (layout, NULL, &logical);
      m->line_height[i] = logical.height / (double) PANGO_SCALE;
    }

  m->legend_dot = m->font_size[FONT_LEGEND] * 0.36;
  m->legend_dot_gap = m->font_size[FONT_LEGEND] * 0.5;
  m->legend_row = m->line_height[FONT_LEGEND] * 1.2;

  m->point_radius = f->plot->point_radius > 0
                    ? f->plot->point_radius
                    : CLAMP (MIN (f->width, f->height) / 750.0, 1.0, 6.0);
  /* The overlay at the size it has on screen for a 1600 x 1200 figure,
   * growing with the text, and always well over a point. */
  m->overlay_scale = MAX (u * 0.32, m->point_radius * 3.5) / 6.9;
  m->selection_radius = EMB_OVERLAY_SELECTION_RADIUS * m->overlay_scale;
  m->neighbor_radius = EMB_OVERLAY_MARK_RADIUS * m->overlay_scale;
}

/* The plot's view over the frame: its own, or one that fits every
 * visible point. */
static void
frame_view (const Figure *f, int fw, int fh, EmbView *view)
{
  const EmbPlot *plot = f->plot;

  if (plot->view.scale > 0 && isfinite (plot->view.scale))
    {
      /* The region the view covers over the whole figure, shrunk to the
       * frame: "what is on screen" stays in the picture. */
      *view = plot->view;
      view->width = fw;
      view->height = fh;
      view->scale *= MIN (fw / (double) f->width, fh / (double) f->height);
      return;
    }
  else
    {
      float bx[2] = { INFINITY, -INFINITY }, by[2] = { INFINITY, -INFINITY };
      gsize n = 0;

      for (gsize i = 0; i < plot->n; i++)
        {
          if (!_emb_plot_point_visible (plot, i))
            continue;
          bx[0] = MIN (bx[0], plot->xs[i]);
          bx[1] = MAX (bx[1], plot->xs[i]);
          by[0] = MIN (by[0], plot->ys[i]);
          by[1] = MAX (by[1], plot->ys[i]);
          n = 2;
        }
      emb_view_fit (view, bx, by, n, fw, fh, 0.04);
    }
}

/* Lays the figure out: frame, view, ticks, legend. */
static void
compute_layout (Figure *f)
{
  const EmbPlot *plot = f->plot;
  Metrics *m = &f->m;
  double top = m->margin, bottom = f->height - m->margin;
  double left = m->margin, right = f->width - m->margin;
  double reserve;

  if (plot->title != NULL && *plot->title != '\0')
    top += m->line_height[FONT_TITLE] + m->title_gap;
  if (plot->x_title != NULL && *plot->x_title != '\0')
    bottom -= m->line_height[FONT_AXIS_TITLE] + m->axis_title_gap;
  bottom -= m->tick_length + m->tick_gap + m->line_height[FONT_TICK];
  if (plot->y_title != NULL && *plot->y_title != '\0')
    left += m->line_height[FONT_AXIS_TITLE] + m->axis_title_gap;
  left += m->tick_length + m->tick_gap;

  _emb_figure_layout_legend (f, top, bottom, &right);

  /* The y tick labels' width depends on the ticks, which depend on the
   * frame (and, when fitted, on the scale): start from the narrowest label
   * and widen the reserve until the labels fit.  It only grows, so this
   * ends, and the labels sit right against their ticks. */
  reserve = _emb_figure_text_width (f, FONT_TICK, "0");
  for (int iter = 0; iter < 4; iter++)
    {
      EmbPlotLayout *l = &f->layout;
      double x0, y0, x1, y1, widest;

      l->x = (int) ceil (left + reserve);
      l->y = (int) ceil (top);
      l->width = MAX ((int) floor (right) - l->x, 1);
      l->height = MAX ((int) floor (bottom) - l->y, 1);
      frame_view (f, l->width, l->height, &l->view);

      emb_view_to_data (&l->view, 0, l->height, &x0, &y0);
      emb_view_to_data (&l->view, l->width, 0, &x1, &y1);
      f->y_step = _emb_figure_choose_step (f, y0, y1, l->height,
                              MAX (m->line_height[FONT_TICK] * 3, m->unit * 3.5), FALSE);
      f->x_step = _emb_figure_choose_step (f, x0, x1, l->width, m->unit * 4.5, TRUE);
      widest = _emb_figure_widest_tick (f, y0, y1, f->y_step);
      if (widest <= reserve + 0.5)
        break;
      reserve = widest;
    }
}

void
_emb_figure_init (Figure *f, const EmbPlot *plot, int width, int height)
{
  cairo_font_options_t *options;

  memset (f, 0, sizeof *f);
  f->plot = plot;
  f->width = width;
  f->height = height;
  f->device_scale = 1.0;
  emb_theme_colors (plot->theme, &f->colors);

  f->default_color = emb_palette_color (0);
  if (plot->palette != NULL && plot->n_palette > 0)
    {
      f->palette = plot->palette;
      f->n_palette = plot->n_palette;
    }
  else
    {
      f->palette = &f->default_color;
      f->n_palette = 1;
    }

  /* Unhinted metrics and unrounded positions: the same layout on every
   * surface and at every scale. */
  f->pango = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  options = cairo_font_options_create ();
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options (f->pango, options);
  cairo_font_options_destroy (options);
  pango_context_set_round_glyph_positions (f->pango, FALSE);

  compute_metrics (f);
  compute_layout (f);
}

void
_emb_figure_clear (Figure *f)
{
  for (int i = 0; i < N_FONTS; i++)
    g_clear_pointer (&f->fonts[i], pango_font_description_free);
  g_clear_object (&f->pango);
  g_clear_pointer (&f->svg_family, g_free);
}

static void
_emb_figure_draw_background (Figure *f)
{
  if (!f->colors.opaque)
    return;
  emb_set_source_rgb (f->cr, f->colors.background, 1.0);
  cairo_paint (f->cr);
}

/* Draws the whole figure onto cr; FALSE if cancelled. */
gboolean
_emb_figure_draw (Figure       *f,
             cairo_t      *cr,
             gboolean      vector,
             GCancellable *cancellable)
{
  cairo_surface_t *target = cairo_get_target (cr);
  double dx = 1, dy = 0;

  f->cr = cr;
  f->pixel_target = cairo_surface_get_type (target) == CAIRO_SURFACE_TYPE_IMAGE;
  cairo_user_to_device_distance (cr, &dx, &dy);
  f->device_scale = MAX (hypot (dx, dy), 1e-3);
  if (f->pixel_target)
    {
      /* Slight hinting sharpens text on pixels and, with metrics still
       * unhinted, moves no glyph: the layout stays the one measured. */
      cairo_font_options_t *options =
        cairo_font_options_copy (pango_cairo_context_get_font_options (f->pango));

      cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_SLIGHT);
      pango_cairo_context_set_font_options (f->pango, options);
      cairo_font_options_destroy (options);
    }

  cairo_save (cr);
  _emb_figure_draw_background (f);
  if (!_emb_figure_draw_points (f, vector, cancellable))
    {
      cairo_restore (cr);
      return FALSE;
    }
  _emb_figure_draw_highlights (f);
  _emb_figure_draw_labels (f);
  _emb_figure_draw_axes (f);
  _emb_figure_draw_titles (f);
  _emb_figure_draw_legend (f);
  cairo_restore (cr);
  return !g_cancellable_is_cancelled (cancellable);
}

/* The frame and view of the figure; the same computation as drawing. */
void
emb_plot_layout (const EmbPlot *plot,
                 int            width,
                 int            height,
                 EmbPlotLayout *layout)
{
  Figure f;

  g_return_if_fail (plot != NULL);
  g_return_if_fail (layout != NULL);

  _emb_figure_init (&f, plot, MAX (width, 1), MAX (height, 1));
  *layout = f.layout;
  _emb_figure_clear (&f);
}

/* internal API */

gboolean
_emb_plot_valid (const EmbPlot *plot, const char *path, GError **error)
{
  if (plot == NULL || (plot->n > 0 && (plot->xs == NULL || plot->ys == NULL)))
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, path, "no points to draw");
      return FALSE;
    }
  return TRUE;
}
