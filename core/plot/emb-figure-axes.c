/* emb-figure-axes.c: the frame, round tick steps and their labels, and
 * the figure's title and axis titles.
 */
#include "config.h"

#include "plot/emb-figure-private.h"

/* The smallest of 1, 2, 5 x 10^k that is >= raw. */
static double
nice_step (double raw)
{
  double mag, r;

  if (!(raw > 0) || !isfinite (raw))
    return 1.0;
  mag = pow (10.0, floor (log10 (raw)));
  r = raw / mag;
  if (r <= 1.0 + 1e-9)
    return mag;
  if (r <= 2.0 + 1e-9)
    return 2 * mag;
  if (r <= 5.0 + 1e-9)
    return 5 * mag;
  return 10 * mag;
}

/* The tick label of v on a grid of step: as many decimals as the step
 * needs, a true minus sign, and never "-0". */
static void
format_tick (double v, double step, char *buf, gsize size)
{
  int decimals = (int) MAX (0.0, -floor (log10 (step) + 1e-9));
  char fmt[16];
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  if (fabs (v) < step * 1e-6)
    v = 0;
  decimals = MIN (decimals, 12);
  g_snprintf (fmt, sizeof fmt, "%%.%df", decimals);
  g_ascii_formatd (num, sizeof num, fmt, v);
  if (num[0] == '-')
    g_snprintf (buf, size, "\xe2\x88\x92%s", num + 1);
  else
    g_strlcpy (buf, num, size);
}

/* The first tick >= lo on the grid of step. */
static double
first_tick (double lo, double step)
{
  return ceil (lo / step - 1e-9) * step;
}

/* The widest tick label between lo and hi. */
double
_emb_figure_widest_tick (const Figure *f, double lo, double hi, double step)
{
  double widest = 0;
  int count = 0;

  for (double v = first_tick (lo, step); v <= hi + step * 1e-9 && count < 200;
       v = first_tick (lo, step) + (++count) * step)
    {
      char buf[64];

      format_tick (v, step, buf, sizeof buf);
      widest = MAX (widest, _emb_figure_text_width (f, FONT_TICK, buf));
    }
  return widest;
}

/* A round step for ticks between lo and hi over length units, at least
 * min_gap units apart; for x (horizontal) labels also no closer than their
 * own width plus a gap. */
double
_emb_figure_choose_step (const Figure *f, double lo, double hi, double length,
             double min_gap, gboolean horizontal)
{
  double per_unit = length / MAX (hi - lo, 1e-300);
  double step = nice_step (min_gap / per_unit);

  if (horizontal)
    for (int i = 0; i < 8; i++)
      {
        double need = _emb_figure_widest_tick (f, lo, hi, step) + f->m.unit * 1.2;

        if (step * per_unit >= need)
          break;
        step = nice_step (step * 1.0001 * MAX (need / (step * per_unit), 1.0));
      }
  return step;
}

/* A coordinate for a line of width lw moved to the device pixel grid, so
 * that one-pixel lines in a PNG are crisp rather than two grey pixels. */
static double
snap (const Figure *f, double v, double lw)
{
  double d, w;

  if (!f->pixel_target)
    return v;
  d = v * f->device_scale;
  w = round (lw * f->device_scale);
  d = ((long) w % 2 == 1) ? floor (d) + 0.5 : round (d);
  return d / f->device_scale;
}

/* A line width rounded to whole device pixels on image surfaces. */
static double
snap_width (const Figure *f, double lw)
{
  if (!f->pixel_target)
    return lw;
  return MAX (1.0, round (lw * f->device_scale)) / f->device_scale;
}

/* The frame, ticks outside it on the left and bottom, and their labels. */
void
_emb_figure_draw_axes (Figure *f)
{
  const EmbPlotLayout *l = &f->layout;
  const Metrics *m = &f->m;
  cairo_t *cr = f->cr;
  double lw = snap_width (f, m->line_width);
  double x0, y0, x1, y1;
  double fx0 = l->x, fy0 = l->y, fy1 = l->y + l->height;
  int count;

  cairo_save (cr);
  cairo_set_line_width (cr, lw);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_SQUARE);
  emb_set_source_rgb (cr, f->colors.foreground, 0.85);
  /* The frame just outside the points area. */
  cairo_rectangle (cr, fx0 - lw / 2, fy0 - lw / 2, l->width + lw, l->height + lw);
  cairo_stroke (cr);

  emb_view_to_data (&l->view, 0, l->height, &x0, &y0);
  emb_view_to_data (&l->view, l->width, 0, &x1, &y1);

  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  count = 0;
  for (double v = first_tick (x0, f->x_step); v <= x1 + f->x_step * 1e-9 && count < 200;
       v = first_tick (x0, f->x_step) + (++count) * f->x_step)
    {
      double px, py;
      char buf[64];

      data_to_figure (f, v, 0, &px, &py);
      px = snap (f, px, lw);
      cairo_move_to (cr, px, fy1 + lw);
      cairo_line_to (cr, px, fy1 + lw + m->tick_length);
      format_tick (v, f->x_step, buf, sizeof buf);
      _emb_figure_draw_text (f, FONT_TICK, buf, px, fy1 + lw + m->tick_length + m->tick_gap,
                 ANCHOR_MIDDLE, FALSE, FALSE, f->colors.foreground, 0.9, 0);
    }
  count = 0;
  for (double v = first_tick (y0, f->y_step); v <= y1 + f->y_step * 1e-9 && count < 200;
       v = first_tick (y0, f->y_step) + (++count) * f->y_step)
    {
      double px, py;
      char buf[64];

      data_to_figure (f, 0, v, &px, &py);
      py = snap (f, py, lw);
      cairo_move_to (cr, fx0 - lw, py);
      cairo_line_to (cr, fx0 - lw - m->tick_length, py);
      format_tick (v, f->y_step, buf, sizeof buf);
      _emb_figure_draw_text (f, FONT_TICK, buf, fx0 - lw - m->tick_length - m->tick_gap, py,
                 ANCHOR_END, TRUE, FALSE, f->colors.foreground, 0.9, 0);
    }
  emb_set_source_rgb (cr, f->colors.foreground, 0.85);
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
_emb_figure_draw_titles (Figure *f)
{
  const EmbPlot *plot = f->plot;
  const EmbPlotLayout *l = &f->layout;
  const Metrics *m = &f->m;
  double cx = l->x + l->width / 2.0, cy = l->y + l->height / 2.0;
  double width_for_title = f->width - 2 * m->margin;

  if (plot->title != NULL && *plot->title != '\0')
    {
      g_autofree char *clean = _emb_clean_text (plot->title, 0);
      g_autofree char *text = _emb_figure_fit_text (f, FONT_TITLE, clean, width_for_title);
      double w = _emb_figure_text_width (f, FONT_TITLE, text);
      /* Centred over the frame, as long as it stays on the figure. */
      double x = CLAMP (cx, m->margin + w / 2, f->width - m->margin - w / 2);

      _emb_figure_draw_text (f, FONT_TITLE, text, x, m->margin, ANCHOR_MIDDLE, FALSE, FALSE,
                 f->colors.foreground, 1.0, 0);
    }
  if (plot->x_title != NULL && *plot->x_title != '\0')
    {
      g_autofree char *clean = _emb_clean_text (plot->x_title, 0);
      g_autofree char *text = _emb_figure_fit_text (f, FONT_AXIS_TITLE, clean, l->width);

      _emb_figure_draw_text (f, FONT_AXIS_TITLE, text, cx,
                 f->height - m->margin - m->line_height[FONT_AXIS_TITLE],
                 ANCHOR_MIDDLE, FALSE, FALSE, f->colors.foreground, 1.0, 0);
    }
  if (plot->y_title != NULL && *plot->y_title != '\0')
    {
      g_autofree char *clean = _emb_clean_text (plot->y_title, 0);
      g_autofree char *text = _emb_figure_fit_text (f, FONT_AXIS_TITLE, clean, l->height);

      _emb_figure_draw_text (f, FONT_AXIS_TITLE, text, m->margin, cy, ANCHOR_MIDDLE, FALSE, TRUE,
                 f->colors.foreground, 1.0, 0);
    }
}
