/* emb-legend.c: the legend of a figure: one dot and name a palette
 * colour, at the right of the frame, "+N more" when not every name fits.
 */
#include "config.h"

#include "analysis/emb-scene.h"
#include "plot/emb-figure-private.h"

/* Legend rows before "+N more". */
#define MAX_LEGEND_ROWS 20

/* Room for the legend at the right of the figure, between top and
 * bottom: its names are kept to a fifth of the figure's width, and right
 * moves left by what it takes. */
void
_emb_figure_layout_legend (Figure *f,
                           double  top,
                           double  bottom,
                           double *right)
{
  const EmbPlot *plot = f->plot;
  const Metrics *m = &f->m;

  f->legend_rows = 0;
  f->legend_text_width = 0;
  if (plot->legend != NULL && plot->n_legend > 0)
    {
      double max_text = MAX (f->width * 0.2, m->unit * 4);
      double rows_fit = floor ((bottom - top) / m->legend_row);
      guint rows = MIN (plot->n_legend, MAX_LEGEND_ROWS);

      /* Room for the "+N more" row too when not every name fits. */
      if (rows < plot->n_legend || rows > rows_fit)
        rows = (guint) CLAMP (MIN ((double) rows, rows_fit - 1), 0, rows);
      f->legend_rows = rows;
      for (guint i = 0; i < rows; i++)
        {
          g_autofree char *name = _emb_clean_text (plot->legend[i], 0);

          f->legend_text_width = MAX (f->legend_text_width,
                                      MIN (_emb_figure_text_width (f, FONT_LEGEND, name), max_text));
        }
      if (rows < plot->n_legend)
        {
          g_autofree char *more = g_strdup_printf ("+%u more", plot->n_legend - rows);

          f->legend_text_width = MAX (f->legend_text_width, _emb_figure_text_width (f, FONT_LEGEND, more));
        }
      f->legend_x = *right - f->legend_text_width - m->legend_dot_gap - 2 * m->legend_dot;
      *right = f->legend_x - m->legend_gap;
    }
}

guint32
_emb_figure_legend_color (const Figure *f, guint i)
{
  if (f->plot->palette != NULL && f->plot->n_palette > 0)
    return f->plot->palette[i % f->plot->n_palette];
  return emb_palette_color (i);
}

void
_emb_figure_draw_legend (Figure *f)
{
  const EmbPlot *plot = f->plot;
  const Metrics *m = &f->m;
  cairo_t *cr = f->cr;
  double y = f->layout.y + m->legend_row / 2;
  double text_x = f->legend_x + 2 * m->legend_dot + m->legend_dot_gap;

  if (plot->legend == NULL || plot->n_legend == 0)
    return;
  for (guint i = 0; i < f->legend_rows; i++, y += m->legend_row)
    {
      g_autofree char *clean = _emb_clean_text (plot->legend[i], 0);
      g_autofree char *text = _emb_figure_fit_text (f, FONT_LEGEND, clean, f->legend_text_width + 0.5);

      cairo_new_path (cr);
      cairo_arc (cr, f->legend_x + m->legend_dot, y, m->legend_dot, 0, 2 * G_PI);
      emb_set_source_rgb (cr, _emb_figure_legend_color (f, i), 1.0);
      cairo_fill (cr);
      _emb_figure_draw_text (f, FONT_LEGEND, text, text_x, y, ANCHOR_START, TRUE, FALSE,
                 f->colors.foreground, 1.0, 0);
    }
  if (f->legend_rows < plot->n_legend)
    {
      g_autofree char *more = g_strdup_printf ("+%u more", plot->n_legend - f->legend_rows);

      _emb_figure_draw_text (f, FONT_LEGEND, more, text_x, y, ANCHOR_START, TRUE, FALSE,
                 f->colors.foreground, 0.6, 0);
    }
}
