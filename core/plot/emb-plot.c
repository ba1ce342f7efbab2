/* emb-plot.c: the finished figure, drawn with cairo and pango.
 *
 * A figure is laid out once per size (Figure): margins, the title, the
 * axis titles, tick labels and the legend take what they need and the plot
 * frame gets the rest.  Every length is a multiple of one text unit that
 * grows with the figure, so a 400 x 300 thumbnail and a 3200 x 2400 poster
 * look the same apart from their resolution.
 *
 * Text is laid out with unhinted metrics and unrounded glyph positions, so
 * that a layout does not depend on the surface it is drawn on: the PNG,
 * the PDF and the SVG of one figure put every label in the same place, and
 * emb_plot_layout () can answer without a surface.  In PDF, cairo embeds
 * the text as text (with a ToUnicode map).  cairo's SVG surface can only
 * write glyph outlines, so for SVG the text is written by us instead as
 * <text> elements appended to cairo's document: selectable, searchable and
 * editable in Inkscape or Illustrator.
 *
 * Files are rendered completely into memory and then written by
 * emb_file_write_atomically (): never half a file.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <pango/pangocairo.h>

#include "plot/emb-csv.h"
#include "base/emb-error.h"
#include "base/emb-file.h"
#include "plot/emb-plot.h"
#include "analysis/emb-scene.h"

#define FONT_FAMILY "Sans"

/* The same highlight colours as the screen (ui/emb-plot-view.h). */
#define SELECTION_COLOR 0xe5243b
#define NEIGHBOR_COLOR  0xf28c28

/* Opacity of an isolated point, as on screen. */
#define POINT_OPACITY 0.75

#define MAX_SIDE 32767
#define MIN_EXPORT_SCALE 0.25
#define MAX_EXPORT_SCALE 8.0

/* Legend rows before "+N more". */
#define MAX_LEGEND_ROWS 20

/* The points raster embedded in SVG/PDF is this many pixels per unit, so
 * it stays sharp when the page is zoomed or printed; its size is capped. */
#define VECTOR_RASTER_FACTOR 2.0
#define MAX_RASTER_PIXELS (48 * 1024 * 1024)

/* Token labels longer than this are cut with an ellipsis. */
#define MAX_LABEL_CHARS 32
/* Candidate token labels measured at most (each costs a text layout). */
#define MAX_LABEL_CANDIDATES 6000

typedef enum
{
  FONT_TITLE,
  FONT_AXIS_TITLE,
  FONT_TICK,
  FONT_LEGEND,
  FONT_TOKEN,
  FONT_TOKEN_BOLD,
  FONT_CLUSTER,
  N_FONTS
} FontRole;

typedef enum
{
  ANCHOR_START,
  ANCHOR_MIDDLE,
  ANCHOR_END,
} Anchor;

typedef struct
{
  guint32  background;
  gboolean opaque;
  guint32  foreground;
  guint32  halo;         /* behind labels over the points */
} Colors;

/* Every length of the figure, in output units. */
typedef struct
{
  double unit;           /* the base text size */
  double margin;
  double font_size[N_FONTS];
  double line_height[N_FONTS];
  double title_gap;      /* title to frame */
  double axis_title_gap; /* tick labels to axis title */
  double tick_length;
  double tick_gap;       /* tick to its label */
  double line_width;     /* frame and ticks */
  double legend_gap;     /* frame to legend */
  double legend_dot;     /* radius */
  double legend_dot_gap;
  double legend_row;
  double point_radius;
  double selection_radius;
  double neighbor_radius;
} Metrics;

typedef struct
{
  double x, y, width, height;
} Box;

typedef struct
{
  const EmbPlot        *plot;
  int                   width;
  int                   height;
  Colors                colors;
  Metrics               m;
  PangoContext         *pango;
  PangoFontDescription *fonts[N_FONTS];

  /* point colours: the plot's palette or the default colour */
  const guint32        *palette;
  guint                 n_palette;
  guint32               default_color;

  EmbPlotLayout         layout;
  double                x_step;
  double                y_step;

  /* legend */
  double                legend_x;
  double                legend_text_width;
  guint                 legend_rows;      /* names shown */

  /* while drawing */
  cairo_t              *cr;
  gboolean              pixel_target;     /* an image surface: snap lines */
  double                device_scale;
  GString              *svg;              /* text goes here, not to cr */
  char                 *svg_family;
} Figure;

/* ---------------------------------------------------------------------- */
/* auxiliary functions                                                     */

static void
set_source_rgb (cairo_t *cr, guint32 rgb, double alpha)
{
  cairo_set_source_rgba (cr, ((rgb >> 16) & 0xff) / 255.0,
                         ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0, alpha);
}

static void
theme_colors (EmbTheme theme, Colors *c)
{
  switch (theme)
    {
    case EMB_THEME_DARK:
      c->background = 0x1e1e1e;
      c->opaque = TRUE;
      c->foreground = 0xeeeeee;
      c->halo = 0x1e1e1e;
      break;

    case EMB_THEME_TRANSPARENT:
      /* The light theme's colours without its background: the usual case
       * is a figure placed on a white page or slide. */
      c->background = 0xffffff;
      c->opaque = FALSE;
      c->foreground = 0x1c1c1c;
      c->halo = 0xffffff;
      break;

    case EMB_THEME_LIGHT:
    default:
      c->background = 0xffffff;
      c->opaque = TRUE;
      c->foreground = 0x1c1c1c;
      c->halo = 0xffffff;
      break;
    }
}

static guint32
legend_color (const Figure *f, guint i)
{
  if (f->plot->palette != NULL && f->plot->n_palette > 0)
    return f->plot->palette[i % f->plot->n_palette];
  return emb_palette_color (i);
}

static gboolean
point_visible (const EmbPlot *plot, gsize i)
{
  return (plot->visible == NULL || plot->visible[i]) &&
         isfinite (plot->xs[i]) && isfinite (plot->ys[i]);
}

/* Data (x, y) to figure units. */
static inline void
data_to_figure (const Figure *f, double x, double y, double *fx, double *fy)
{
  emb_view_to_pixel (&f->layout.view, x, y, fx, fy);
  *fx += f->layout.x;
  *fy += f->layout.y;
}

/* A copy of text fit for a one-line label: line breaks and tabs become
 * spaces, other control characters (not allowed in XML, invisible
 * anyway) U+FFFD, and at most max_chars characters are kept (0: all). */
static char *
clean_text (const char *text, guint max_chars)
{
  GString *s = g_string_new (NULL);
  const char *p = text;
  guint count = 0;

  while (p != NULL && *p != '\0')
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (max_chars > 0 && count == max_chars)
        {
          g_string_append (s, "\xe2\x80\xa6");
          break;
        }
      count++;
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Invalid UTF-8 from a caller: one replacement per bad byte. */
          g_string_append (s, "\xef\xbf\xbd");
          p++;
          continue;
        }
      if (c == '\t' || c == '\n' || c == '\r')
        g_string_append_c (s, ' ');
      else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0xfffe || c == 0xffff)
        g_string_append (s, "\xef\xbf\xbd");
      else
        g_string_append_unichar (s, c);
      p = g_utf8_next_char (p);
    }
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------------- */
/* text                                                                    */

static PangoLayout *
text_layout (const Figure *f, FontRole role, const char *text)
{
  PangoLayout *layout = pango_layout_new (f->pango);

  pango_layout_set_font_description (layout, f->fonts[role]);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static double
text_width (const Figure *f, FontRole role, const char *text)
{
  g_autoptr(PangoLayout) layout = text_layout (f, role, text);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  return logical.width / (double) PANGO_SCALE;
}

/* text, cut with an ellipsis to fit max_width. */
static char *
fit_text (const Figure *f, FontRole role, const char *text, double max_width)
{
  glong n = g_utf8_strlen (text, -1), lo = 0, hi = n;
  char *best = NULL;

  if (text_width (f, role, text) <= max_width)
    return g_strdup (text);
  /* The longest prefix that fits with the ellipsis, by bisection. */
  while (lo < hi)
    {
      glong mid = (lo + hi + 1) / 2;
      const char *end = g_utf8_offset_to_pointer (text, mid);
      g_autofree char *candidate = g_strdup_printf ("%.*s\xe2\x80\xa6", (int) (end - text), text);

      if (text_width (f, role, candidate) <= max_width)
        lo = mid;
      else
        hi = mid - 1;
    }
  best = g_strdup_printf ("%.*s\xe2\x80\xa6",
                          (int) (g_utf8_offset_to_pointer (text, lo) - text), text);
  return best;
}

static void
svg_number (GString *s, const char *name, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, " %s=\"%s\"", name,
                          g_ascii_formatd (buf, sizeof buf, "%.2f", v));
}

static void
svg_color (GString *s, const char *name, guint32 rgb, double alpha)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, " %s=\"#%06x\"", name, rgb & 0xffffff);
  if (alpha < 1.0)
    g_string_append_printf (s, " %s-opacity=\"%s\"", name,
                            g_ascii_formatd (buf, sizeof buf, "%.3f", alpha));
}

/* One <text> element; with halo > 0 it is preceded by a copy stroked in
 * the halo colour (a separate element rather than paint-order, which
 * older SVG viewers ignore). */
static void
svg_text (Figure     *f,
          FontRole    role,
          const char *text,
          double      x,
          double      y,
          Anchor      anchor,
          gboolean    rotate,
          double      rx,
          double      ry,
          guint32     rgb,
          double      alpha,
          double      halo)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  for (int pass = halo > 0 ? 0 : 1; pass < 2; pass++)
    {
      GString *s = f->svg;

      g_string_append (s, "<text");
      svg_number (s, "x", x);
      svg_number (s, "y", y);
      svg_number (s, "font-size", f->m.font_size[role]);
      if (role == FONT_TITLE || role == FONT_TOKEN_BOLD || role == FONT_CLUSTER)
        g_string_append (s, " font-weight=\"bold\"");
      if (anchor == ANCHOR_MIDDLE)
        g_string_append (s, " text-anchor=\"middle\"");
      else if (anchor == ANCHOR_END)
        g_string_append (s, " text-anchor=\"end\"");
      if (rotate)
        {
          char bx[G_ASCII_DTOSTR_BUF_SIZE], by[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_printf (s, " transform=\"rotate(-90 %s %s)\"",
                                  g_ascii_formatd (bx, sizeof bx, "%.2f", rx),
                                  g_ascii_formatd (by, sizeof by, "%.2f", ry));
        }
      if (pass == 0)
        {
          g_string_append (s, " fill=\"none\"");
          svg_color (s, "stroke", f->colors.halo, 0.85);
          svg_number (s, "stroke-width", halo);
          g_string_append (s, " stroke-linejoin=\"round\" aria-hidden=\"true\"");
        }
      else
        svg_color (s, "fill", rgb, alpha);
      g_string_append_printf (s, ">%s</text>\n", escaped);
    }
}

/* Draws text with its anchor point at (x, y): horizontally as anchor says,
 * vertically its top there, or its middle with vcenter.  rotate turns it
 * a quarter counter-clockwise about (x, y), to read upwards.  halo > 0
 * outlines the glyphs first with a band that wide in the halo colour. */
static void
draw_text (Figure     *f,
           FontRole    role,
           const char *text,
           double      x,
           double      y,
           Anchor      anchor,
           gboolean    vcenter,
           gboolean    rotate,
           guint32     rgb,
           double      alpha,
           double      halo)
{
  g_autoptr(PangoLayout) layout = NULL;
  PangoRectangle logical;
  double w, h, left, top, baseline;

  if (text == NULL || *text == '\0')
    return;
  layout = text_layout (f, role, text);
  pango_layout_get_extents (layout, NULL, &logical);
  w = logical.width / (double) PANGO_SCALE;
  h = logical.height / (double) PANGO_SCALE;
  baseline = pango_layout_get_baseline (layout) / (double) PANGO_SCALE;
  left = anchor == ANCHOR_START ? 0 : anchor == ANCHOR_MIDDLE ? -w / 2 : -w;
  top = vcenter ? -h / 2 : 0;

  if (f->svg != NULL)
    {
      /* SVG anchors the text itself, so a viewer that substitutes a font
       * of other widths still centres or right-aligns it. */
      svg_text (f, role, text, x, y + top + baseline, anchor, rotate, x, y,
                rgb, alpha, halo);
      return;
    }

  cairo_save (f->cr);
  cairo_translate (f->cr, x, y);
  if (rotate)
    cairo_rotate (f->cr, -G_PI / 2);
  if (halo > 0)
    {
      cairo_move_to (f->cr, left - logical.x / (double) PANGO_SCALE, top);
      pango_cairo_layout_path (f->cr, layout);
      set_source_rgb (f->cr, f->colors.halo, 0.85);
      cairo_set_line_width (f->cr, halo);
      cairo_set_line_join (f->cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke (f->cr);
    }
  cairo_move_to (f->cr, left - logical.x / (double) PANGO_SCALE, top);
  set_source_rgb (f->cr, rgb, alpha);
  pango_cairo_show_layout (f->cr, layout);
  cairo_restore (f->cr);
}

/* ---------------------------------------------------------------------- */
/* ticks                                                                   */

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
static double
widest_tick (const Figure *f, double lo, double hi, double step)
{
  double widest = 0;
  int count = 0;

  for (double v = first_tick (lo, step); v <= hi + step * 1e-9 && count < 200;
       v = first_tick (lo, step) + (++count) * step)
    {
      char buf[64];

      format_tick (v, step, buf, sizeof buf);
      widest = MAX (widest, text_width (f, FONT_TICK, buf));
    }
  return widest;
}

/* A round step for ticks between lo and hi over length units, at least
 * min_gap units apart; for x (horizontal) labels also no closer than their
 * own width plus a gap. */
static double
choose_step (const Figure *f, double lo, double hi, double length,
             double min_gap, gboolean horizontal)
{
  double per_unit = length / MAX (hi - lo, 1e-300);
  double step = nice_step (min_gap / per_unit);

  if (horizontal)
    for (int i = 0; i < 8; i++)
      {
        double need = widest_tick (f, lo, hi, step) + f->m.unit * 1.2;

        if (step * per_unit >= need)
          break;
        step = nice_step (step * 1.0001 * MAX (need / (step * per_unit), 1.0));
      }
  return step;
}

/* ---------------------------------------------------------------------- */
/* layout                                                                  */

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

      layout = text_layout (f, i, "0");
      pango_layout_get_extents (layout, NULL, &logical);
      m->line_height[i] = logical.height / (double) PANGO_SCALE;
    }

  m->legend_dot = m->font_size[FONT_LEGEND] * 0.36;
  m->legend_dot_gap = m->font_size[FONT_LEGEND] * 0.5;
  m->legend_row = m->line_height[FONT_LEGEND] * 1.2;

  m->point_radius = f->plot->point_radius > 0
                    ? f->plot->point_radius
                    : CLAMP (MIN (f->width, f->height) / 750.0, 1.0, 6.0);
  m->selection_radius = MAX (m->point_radius * 3.5, u * 0.32);
  m->neighbor_radius = m->selection_radius * 0.62;
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
          if (!point_visible (plot, i))
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

  /* The legend keeps its names to a fifth of the figure's width. */
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
          g_autofree char *name = clean_text (plot->legend[i], 0);

          f->legend_text_width = MAX (f->legend_text_width,
                                      MIN (text_width (f, FONT_LEGEND, name), max_text));
        }
      if (rows < plot->n_legend)
        {
          g_autofree char *more = g_strdup_printf ("+%u more", plot->n_legend - rows);

          f->legend_text_width = MAX (f->legend_text_width, text_width (f, FONT_LEGEND, more));
        }
      f->legend_x = right - f->legend_text_width - m->legend_dot_gap - 2 * m->legend_dot;
      right = f->legend_x - m->legend_gap;
    }

  /* The y tick labels' width depends on the ticks, which depend on the
   * frame (and, when fitted, on the scale): start from the narrowest label
   * and widen the reserve until the labels fit.  It only grows, so this
   * ends, and the labels sit right against their ticks. */
  reserve = text_width (f, FONT_TICK, "0");
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
      f->y_step = choose_step (f, y0, y1, l->height,
                              MAX (m->line_height[FONT_TICK] * 3, m->unit * 3.5), FALSE);
      f->x_step = choose_step (f, x0, x1, l->width, m->unit * 4.5, TRUE);
      widest = widest_tick (f, y0, y1, f->y_step);
      if (widest <= reserve + 0.5)
        break;
      reserve = widest;
    }
}

static void
figure_init (Figure *f, const EmbPlot *plot, int width, int height)
{
  cairo_font_options_t *options;

  memset (f, 0, sizeof *f);
  f->plot = plot;
  f->width = width;
  f->height = height;
  f->device_scale = 1.0;
  theme_colors (plot->theme, &f->colors);

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

static void
figure_clear (Figure *f)
{
  for (int i = 0; i < N_FONTS; i++)
    g_clear_pointer (&f->fonts[i], pango_font_description_free);
  g_clear_object (&f->pango);
  g_clear_pointer (&f->svg_family, g_free);
}

/* ---------------------------------------------------------------------- */
/* drawing                                                                 */

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

static void
draw_background (Figure *f)
{
  if (!f->colors.opaque)
    return;
  set_source_rgb (f->cr, f->colors.background, 1.0);
  cairo_paint (f->cr);
}

/* The points through core's renderer, into an image painted over the
 * frame at factor pixels per unit. */
static gboolean
draw_points_raster (Figure *f, double factor, GCancellable *cancellable)
{
  const EmbPlot *plot = f->plot;
  const EmbPlotLayout *l = &f->layout;
  cairo_surface_t *image;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  EmbPointStyle style = { 0 };
  EmbView view;
  int rw, rh;
  gboolean ok;

  /* Keep the raster within cairo's and memory's limits. */
  factor = MIN (factor, MAX_SIDE / (double) MAX (l->width, l->height));
  factor = MIN (factor, sqrt (MAX_RASTER_PIXELS / ((double) l->width * l->height)));
  rw = MAX ((int) ceil (l->width * factor - 1e-6), 1);
  rh = MAX ((int) ceil (l->height * factor - 1e-6), 1);

  /* Pixel px of the raster is frame unit px / factor: the centre moves by
   * the rounding of the raster's size. */
  view.scale = l->view.scale * factor;
  view.width = rw;
  view.height = rh;
  view.center_x = l->view.center_x + (rw / (2 * factor) - l->width / 2.0) / l->view.scale;
  view.center_y = l->view.center_y - (rh / (2 * factor) - l->height / 2.0) / l->view.scale;

  style.xs = plot->xs;
  style.ys = plot->ys;
  style.n = plot->n;
  style.category = plot->category;
  style.palette = f->palette;
  style.n_palette = f->n_palette;
  style.visible = plot->visible;
  style.radius = CLAMP (f->m.point_radius * factor, 0.5, 32.0);
  style.opacity = POINT_OPACITY;
  style.background = 0;

  image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, rw, rh);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return TRUE;   /* the caller sees cairo's error state */
    }
  cairo_surface_flush (image);
  ok = emb_render_points (&style, &view, cairo_image_surface_get_data (image),
                          cairo_image_surface_get_stride (image), 0, cancellable);
  cairo_surface_mark_dirty (image);

  if (ok)
    {
      pattern = cairo_pattern_create_for_surface (image);
      cairo_matrix_init_scale (&matrix, factor, factor);
      cairo_matrix_translate (&matrix, -l->x, -l->y);
      cairo_pattern_set_matrix (pattern, &matrix);
      cairo_pattern_set_filter (pattern, CAIRO_FILTER_GOOD);
      cairo_save (f->cr);
      cairo_rectangle (f->cr, l->x, l->y, l->width, l->height);
      cairo_clip (f->cr);
      cairo_set_source (f->cr, pattern);
      cairo_paint (f->cr);
      cairo_restore (f->cr);
      cairo_pattern_destroy (pattern);
    }
  cairo_surface_destroy (image);
  return ok;
}

/* The points as vector dots, one path per colour: a zero-length segment
 * with round caps is a filled disc in cairo, PDF and SVG alike, and costs a
 * few bytes where a circle costs four Béziers.  Colours are drawn from
 * the most points to the fewest, so that small groups stay on top. */
static void
draw_points_vector (Figure *f, const guint32 *ids, gsize n_ids)
{
  const EmbPlot *plot = f->plot;
  guint n_colors = f->n_palette;
  g_autofree gsize *count = g_new0 (gsize, n_colors + 1);
  g_autofree gsize *start = g_new0 (gsize, n_colors + 1);
  g_autofree guint *order = g_new (guint, n_colors);
  g_autofree guint32 *sorted = g_new (guint32, MAX (n_ids, 1));

  for (gsize k = 0; k < n_ids; k++)
    {
      guint c = plot->category != NULL ? plot->category[ids[k]] % n_colors : 0;

      count[c]++;
    }
  for (guint c = 0; c < n_colors; c++)
    start[c + 1] = start[c] + count[c];
  for (gsize k = 0; k < n_ids; k++)
    {
      guint c = plot->category != NULL ? plot->category[ids[k]] % n_colors : 0;

      sorted[start[c]++] = ids[k];
    }
  for (guint c = 0; c < n_colors; c++)
    {
      start[c] -= count[c];
      order[c] = c;
    }
  /* Insertion sort by count, descending; stable, so ties keep the
   * palette order.  Palettes are short. */
  for (guint i = 1; i < n_colors; i++)
    {
      guint v = order[i], j = i;

      while (j > 0 && count[order[j - 1]] < count[v])
        {
          order[j] = order[j - 1];
          j--;
        }
      order[j] = v;
    }

  cairo_save (f->cr);
  cairo_rectangle (f->cr, f->layout.x, f->layout.y, f->layout.width, f->layout.height);
  cairo_clip (f->cr);
  cairo_set_line_cap (f->cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width (f->cr, 2 * f->m.point_radius);
  for (guint o = 0; o < n_colors; o++)
    {
      guint c = order[o];

      if (count[c] == 0)
        break;
      cairo_new_path (f->cr);
      for (gsize k = start[c]; k < start[c] + count[c]; k++)
        {
          double px, py;

          data_to_figure (f, plot->xs[sorted[k]], plot->ys[sorted[k]], &px, &py);
          cairo_move_to (f->cr, px, py);
          cairo_line_to (f->cr, px, py);
        }
      set_source_rgb (f->cr, f->palette[c], POINT_OPACITY);
      cairo_stroke (f->cr);
    }
  cairo_restore (f->cr);
}

/* Vector dots when asked and the frame shows at most the budget, else the
 * raster: at the device resolution on image surfaces, finer on vector
 * ones. */
static gboolean
draw_points (Figure *f, gboolean vector, GCancellable *cancellable)
{
  const EmbPlot *plot = f->plot;
  g_autoptr(GArray) ids = NULL;
  double reach = f->m.point_radius;
  double factor;

  if (plot->n == 0 || plot->xs == NULL || plot->ys == NULL)
    return TRUE;

  if (vector)
    {
      ids = g_array_new (FALSE, FALSE, sizeof (guint32));
      for (gsize i = 0; i < plot->n; i++)
        {
          double px, py;
          guint32 id = (guint32) i;

          if (!point_visible (plot, i))
            continue;
          emb_view_to_pixel (&f->layout.view, plot->xs[i], plot->ys[i], &px, &py);
          if (px < -reach || py < -reach ||
              px > f->layout.width + reach || py > f->layout.height + reach)
            continue;
          if (ids->len == EMB_PLOT_VECTOR_BUDGET || i > G_MAXUINT32)
            {
              g_clear_pointer (&ids, g_array_unref);
              break;
            }
          g_array_append_val (ids, id);
        }
      if (ids != NULL)
        {
          draw_points_vector (f, (const guint32 *) ids->data, ids->len);
          return TRUE;
        }
    }

  factor = f->device_scale;
  if (!f->pixel_target)
    factor *= VECTOR_RASTER_FACTOR;
  return draw_points_raster (f, factor, cancellable);
}

static gboolean
valid_id (const EmbPlot *plot, gssize id)
{
  return id >= 0 && (gsize) id < plot->n && point_visible (plot, id);
}

/* Lines from the selection to its neighbours, the neighbours as discs,
 * the selection as a larger disc with a white rim: as on screen. */
static void
draw_highlights (Figure *f)
{
  const EmbPlot *plot = f->plot;
  const Metrics *m = &f->m;
  cairo_t *cr = f->cr;
  double sx, sy;

  if (!valid_id (plot, plot->selected))
    return;
  data_to_figure (f, plot->xs[plot->selected], plot->ys[plot->selected], &sx, &sy);

  cairo_save (cr);
  cairo_rectangle (cr, f->layout.x, f->layout.y, f->layout.width, f->layout.height);
  cairo_clip (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  if (plot->neighbors != NULL)
    {
      cairo_set_line_width (cr, MAX (m->unit * 0.08, 0.75));
      for (gsize i = 0; i < plot->n_neighbors; i++)
        {
          double px, py;

          if (!valid_id (plot, plot->neighbors[i]))
            continue;
          data_to_figure (f, plot->xs[plot->neighbors[i]], plot->ys[plot->neighbors[i]], &px, &py);
          cairo_move_to (cr, sx, sy);
          cairo_line_to (cr, px, py);
        }
      set_source_rgb (cr, NEIGHBOR_COLOR, 0.7);
      cairo_stroke (cr);

      for (gsize i = 0; i < plot->n_neighbors; i++)
        {
          double px, py;

          if (!valid_id (plot, plot->neighbors[i]))
            continue;
          data_to_figure (f, plot->xs[plot->neighbors[i]], plot->ys[plot->neighbors[i]], &px, &py);
          cairo_new_sub_path (cr);
          cairo_arc (cr, px, py, m->neighbor_radius, 0, 2 * G_PI);
        }
      set_source_rgb (cr, 0xffffff, 1.0);
      cairo_set_line_width (cr, m->neighbor_radius * 0.4);
      cairo_stroke_preserve (cr);
      set_source_rgb (cr, NEIGHBOR_COLOR, 1.0);
      cairo_fill (cr);
    }

  cairo_new_sub_path (cr);
  cairo_arc (cr, sx, sy, m->selection_radius, 0, 2 * G_PI);
  set_source_rgb (cr, 0xffffff, 1.0);
  cairo_set_line_width (cr, m->selection_radius * 0.45);
  cairo_stroke_preserve (cr);
  set_source_rgb (cr, SELECTION_COLOR, 1.0);
  cairo_fill (cr);
  cairo_restore (cr);
}

static gboolean
boxes_overlap (const Box *a, const Box *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width &&
         a->y < b->y + b->height && b->y < a->y + a->height;
}

static gboolean
overlaps_any (const Box *b, GArray *boxes)
{
  for (guint i = 0; i < boxes->len; i++)
    if (boxes_overlap (b, &g_array_index (boxes, Box, i)))
      return TRUE;
  return FALSE;
}

/* Cluster labels in the order given, each centred on its position or, if
 * that box is taken (by an obstacle or an earlier cluster label), moved
 * up or down by a line or two; one that finds no room is left out: a
 * readable subset beats a pile.  Returns the boxes (also appended to
 * obstacles), with the texts in texts. */
static GArray *
place_cluster_labels (Figure *f, GArray *obstacles, GPtrArray *texts)
{
  static const double shifts[] = { 0, -1.05, 1.05, -2.1, 2.1 };
  const EmbPlot *plot = f->plot;
  const EmbPlotLayout *l = &f->layout;
  GArray *boxes = g_array_new (FALSE, FALSE, sizeof (Box));

  if (plot->cluster_labels == NULL || plot->cluster_xy == NULL)
    return boxes;
  for (guint i = 0; i < plot->n_cluster_labels; i++)
    {
      g_autofree char *text = clean_text (plot->cluster_labels[i], MAX_LABEL_CHARS);
      double cx, cy, w, h;

      if (*text == '\0' || !isfinite (plot->cluster_xy[2 * i]) || !isfinite (plot->cluster_xy[2 * i + 1]))
        continue;
      data_to_figure (f, plot->cluster_xy[2 * i], plot->cluster_xy[2 * i + 1], &cx, &cy);
      if (cx < l->x || cx > l->x + l->width || cy < l->y || cy > l->y + l->height)
        continue;
      w = text_width (f, FONT_CLUSTER, text);
      h = f->m.line_height[FONT_CLUSTER];
      for (guint k = 0; k < G_N_ELEMENTS (shifts); k++)
        {
          Box b;

          /* Kept inside the frame: SVG text is not clipped. */
          b.width = w;
          b.height = h;
          b.x = CLAMP (cx - w / 2, l->x + 2, MAX (l->x + l->width - w - 2, l->x + 2));
          b.y = cy - h / 2 + shifts[k] * h;
          if (b.y < l->y + 2 || b.y + h > l->y + l->height - 2)
            continue;
          if (overlaps_any (&b, obstacles))
            continue;
          g_array_append_val (boxes, b);
          g_array_append_val (obstacles, b);
          g_ptr_array_add (texts, g_steal_pointer (&text));
          break;
        }
    }
  return boxes;
}

typedef struct
{
  GArray    *candidates;   /* EmbLabelCandidate */
  GPtrArray *texts;        /* per candidate */
  GArray    *shift;        /* double per candidate: how far right of the gap */
} LabelPool;

static void
pool_add (Figure *f, LabelPool *pool, gsize id, double shift)
{
  g_autofree char *text = clean_text (emb_vocab_display (f->plot->vocab, id), MAX_LABEL_CHARS);
  gboolean bold = (gssize) id == f->plot->selected;
  EmbLabelCandidate c;

  if (*text == '\0')
    return;
  c.id = id;
  c.width = text_width (f, bold ? FONT_TOKEN_BOLD : FONT_TOKEN, text) + shift + 1;
  c.height = f->m.line_height[FONT_TOKEN];
  g_array_append_val (pool->candidates, c);
  g_array_append_val (pool->shift, shift);
  g_ptr_array_add (pool->texts, g_steal_pointer (&text));
}

/* Token labels: the selection and its neighbours always (they are what
 * the figure points at), then up to n_token_labels others by ascending id,
 * placed greedily without overlaps; cluster labels around the first and
 * over the others. */
static void
draw_labels (Figure *f)
{
  const EmbPlot *plot = f->plot;
  const EmbPlotLayout *l = &f->layout;
  const Metrics *m = &f->m;
  g_autoptr(GPtrArray) cluster_texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) clusters = NULL;
  g_autoptr(GArray) obstacles = g_array_new (FALSE, FALSE, sizeof (Box));
  g_autoptr(GArray) token_boxes = g_array_new (FALSE, FALSE, sizeof (Box));
  g_autoptr(GArray) token_index = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) taken = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) index_of = NULL;
  LabelPool pool;
  gsize n_vocab = plot->vocab != NULL ? emb_vocab_size (plot->vocab) : 0;
  gsize n_highlight = 0, next_id = 0, want, n_kept = 0;
  g_autofree gsize *kept = NULL;
  g_autofree float *kept_xy = NULL;
  double gap = m->point_radius + m->unit * 0.15;

  pool.candidates = g_array_new (FALSE, FALSE, sizeof (EmbLabelCandidate));
  pool.texts = g_ptr_array_new_with_free_func (g_free);
  pool.shift = g_array_new (FALSE, FALSE, sizeof (double));

  if (n_vocab > 0 && valid_id (plot, plot->selected) && (gsize) plot->selected < n_vocab)
    {
      pool_add (f, &pool, plot->selected, m->selection_radius * 1.2 - m->point_radius);
      g_hash_table_add (taken, GSIZE_TO_POINTER (plot->selected + 1));
      for (gsize i = 0; plot->neighbors != NULL && i < plot->n_neighbors; i++)
        {
          gsize id = plot->neighbors[i];

          if (!valid_id (plot, id) || id >= n_vocab ||
              g_hash_table_contains (taken, GSIZE_TO_POINTER (id + 1)))
            continue;
          g_hash_table_add (taken, GSIZE_TO_POINTER (id + 1));
          pool_add (f, &pool, id, m->neighbor_radius * 1.2 - m->point_radius);
        }
    }
  n_highlight = pool.candidates->len;
  want = n_vocab > 0 ? MIN (plot->n_token_labels, n_vocab) : 0;

  /* Measuring a label costs a text layout, so the pool of ordinary
   * candidates grows in steps until enough of them are placed; greedy
   * placement over a longer list keeps every earlier choice. */
  kept = g_new (gsize, n_highlight + want + 1);
  kept_xy = g_new (float, 2 * (n_highlight + want + 1));
  for (gsize target = want * 3 + 16; ; target *= 4)
    {
      gboolean exhausted = FALSE;

      target = MIN (target, (gsize) MAX_LABEL_CANDIDATES);
      while (want > 0 && pool.candidates->len - n_highlight < target)
        {
          double px, py;
          gsize id = next_id++;

          if (id >= MIN (n_vocab, plot->n))
            {
              exhausted = TRUE;
              break;
            }
          if (!point_visible (plot, id) || g_hash_table_contains (taken, GSIZE_TO_POINTER (id + 1)))
            continue;
          emb_view_to_pixel (&l->view, plot->xs[id], plot->ys[id], &px, &py);
          if (px < 0 || py < 0 || px >= l->width || py >= l->height)
            continue;
          pool_add (f, &pool, id, 0);
        }
      n_kept = emb_place_labels ((const EmbLabelCandidate *) pool.candidates->data,
                                 pool.candidates->len, plot->xs, plot->ys, &l->view,
                                 gap, n_highlight + want, kept, kept_xy);
      if (want == 0 || exhausted || n_kept >= n_highlight + want ||
          target >= MAX_LABEL_CANDIDATES)
        break;
    }

  /* kept[] are ids; find each one's candidate again (ids are unique). */
  index_of = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < pool.candidates->len; i++)
    g_hash_table_insert (index_of,
                         GSIZE_TO_POINTER (g_array_index (pool.candidates, EmbLabelCandidate, i).id + 1),
                         GUINT_TO_POINTER (i));
  for (gsize k = 0; k < n_kept; k++)
    {
      guint i = GPOINTER_TO_UINT (g_hash_table_lookup (index_of, GSIZE_TO_POINTER (kept[k] + 1)));
      const EmbLabelCandidate *c = &g_array_index (pool.candidates, EmbLabelCandidate, i);
      double shift = g_array_index (pool.shift, double, i);
      Box b = { l->x + kept_xy[2 * k] + shift, l->y + kept_xy[2 * k + 1], c->width - shift, c->height };

      g_array_append_val (token_boxes, b);
      g_array_append_val (token_index, i);
    }

  /* Cluster labels keep clear of the selection's marker and of the
   * selection's and neighbours' labels; ordinary token labels give way to
   * them. */
  if (valid_id (plot, plot->selected))
    {
      double sx, sy, r = m->selection_radius * 1.25;
      Box b;

      data_to_figure (f, plot->xs[plot->selected], plot->ys[plot->selected], &sx, &sy);
      b = (Box) { sx - r, sy - r, 2 * r, 2 * r };
      g_array_append_val (obstacles, b);
    }
  for (guint k = 0; k < token_boxes->len; k++)
    if (g_array_index (token_index, guint, k) < n_highlight)
      g_array_append_val (obstacles, g_array_index (token_boxes, Box, k));
  clusters = place_cluster_labels (f, obstacles, cluster_texts);

  for (guint k = 0; k < token_boxes->len; k++)
    {
      guint i = g_array_index (token_index, guint, k);
      const Box *b = &g_array_index (token_boxes, Box, k);
      gboolean highlight = i < n_highlight;
      gboolean bold = (gssize) g_array_index (pool.candidates, EmbLabelCandidate, i).id == plot->selected;

      if (!highlight && overlaps_any (b, clusters))
        continue;
      draw_text (f, bold ? FONT_TOKEN_BOLD : FONT_TOKEN, g_ptr_array_index (pool.texts, i),
                 b->x, b->y, ANCHOR_START, FALSE, FALSE,
                 f->colors.foreground, highlight ? 1.0 : 0.85,
                 m->font_size[FONT_TOKEN] * 0.3);
    }

  for (guint j = 0; j < clusters->len; j++)
    {
      const Box *b = &g_array_index (clusters, Box, j);

      draw_text (f, FONT_CLUSTER, g_ptr_array_index (cluster_texts, j),
                 b->x + b->width / 2, b->y, ANCHOR_MIDDLE, FALSE, FALSE,
                 f->colors.foreground, 1.0, m->font_size[FONT_CLUSTER] * 0.3);
    }

  g_array_unref (pool.candidates);
  g_ptr_array_unref (pool.texts);
  g_array_unref (pool.shift);
}

/* The frame, ticks outside it on the left and bottom, and their labels. */
static void
draw_axes (Figure *f)
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
  set_source_rgb (cr, f->colors.foreground, 0.85);
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
      draw_text (f, FONT_TICK, buf, px, fy1 + lw + m->tick_length + m->tick_gap,
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
      draw_text (f, FONT_TICK, buf, fx0 - lw - m->tick_length - m->tick_gap, py,
                 ANCHOR_END, TRUE, FALSE, f->colors.foreground, 0.9, 0);
    }
  set_source_rgb (cr, f->colors.foreground, 0.85);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_titles (Figure *f)
{
  const EmbPlot *plot = f->plot;
  const EmbPlotLayout *l = &f->layout;
  const Metrics *m = &f->m;
  double cx = l->x + l->width / 2.0, cy = l->y + l->height / 2.0;
  double width_for_title = f->width - 2 * m->margin;

  if (plot->title != NULL && *plot->title != '\0')
    {
      g_autofree char *clean = clean_text (plot->title, 0);
      g_autofree char *text = fit_text (f, FONT_TITLE, clean, width_for_title);
      double w = text_width (f, FONT_TITLE, text);
      /* Centred over the frame, as long as it stays on the figure. */
      double x = CLAMP (cx, m->margin + w / 2, f->width - m->margin - w / 2);

      draw_text (f, FONT_TITLE, text, x, m->margin, ANCHOR_MIDDLE, FALSE, FALSE,
                 f->colors.foreground, 1.0, 0);
    }
  if (plot->x_title != NULL && *plot->x_title != '\0')
    {
      g_autofree char *clean = clean_text (plot->x_title, 0);
      g_autofree char *text = fit_text (f, FONT_AXIS_TITLE, clean, l->width);

      draw_text (f, FONT_AXIS_TITLE, text, cx,
                 f->height - m->margin - m->line_height[FONT_AXIS_TITLE],
                 ANCHOR_MIDDLE, FALSE, FALSE, f->colors.foreground, 1.0, 0);
    }
  if (plot->y_title != NULL && *plot->y_title != '\0')
    {
      g_autofree char *clean = clean_text (plot->y_title, 0);
      g_autofree char *text = fit_text (f, FONT_AXIS_TITLE, clean, l->height);

      draw_text (f, FONT_AXIS_TITLE, text, m->margin, cy, ANCHOR_MIDDLE, FALSE, TRUE,
                 f->colors.foreground, 1.0, 0);
    }
}

static void
draw_legend (Figure *f)
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
      g_autofree char *clean = clean_text (plot->legend[i], 0);
      g_autofree char *text = fit_text (f, FONT_LEGEND, clean, f->legend_text_width + 0.5);

      cairo_new_path (cr);
      cairo_arc (cr, f->legend_x + m->legend_dot, y, m->legend_dot, 0, 2 * G_PI);
      set_source_rgb (cr, legend_color (f, i), 1.0);
      cairo_fill (cr);
      draw_text (f, FONT_LEGEND, text, text_x, y, ANCHOR_START, TRUE, FALSE,
                 f->colors.foreground, 1.0, 0);
    }
  if (f->legend_rows < plot->n_legend)
    {
      g_autofree char *more = g_strdup_printf ("+%u more", plot->n_legend - f->legend_rows);

      draw_text (f, FONT_LEGEND, more, text_x, y, ANCHOR_START, TRUE, FALSE,
                 f->colors.foreground, 0.6, 0);
    }
}

/* Draws the whole figure onto cr; FALSE if cancelled. */
static gboolean
figure_draw (Figure       *f,
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
  draw_background (f);
  if (!draw_points (f, vector, cancellable))
    {
      cairo_restore (cr);
      return FALSE;
    }
  draw_highlights (f);
  draw_labels (f);
  draw_axes (f);
  draw_titles (f);
  draw_legend (f);
  cairo_restore (cr);
  return !g_cancellable_is_cancelled (cancellable);
}

/* ---------------------------------------------------------------------- */
/* files                                                                   */

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* The family fontconfig picked for FONT_FAMILY, so that SVG viewers use
 * the same font the layout was measured with, else a generic sans. */
static char *
svg_font_family (const Figure *f)
{
  g_autoptr(PangoFont) font = pango_context_load_font (f->pango, f->fonts[FONT_TICK]);
  PangoFontDescription *desc;
  const char *family = NULL;
  char *result;

  desc = font != NULL ? pango_font_describe (font) : NULL;
  if (desc != NULL)
    family = pango_font_description_get_family (desc);
  if (family != NULL && *family != '\0' && strpbrk (family, "'\"<>&;") == NULL)
    result = g_strdup_printf ("'%s', sans-serif", family);
  else
    result = g_strdup ("sans-serif");
  if (desc != NULL)
    pango_font_description_free (desc);
  return result;
}

/* cairo's SVG document with the text elements (and a <title>) added. */
static GBytes *
svg_with_text (const Figure *f, GByteArray *svg, GString *text)
{
  g_autoptr(GString) out = g_string_sized_new (svg->len + text->len + 256);
  const char *doc, *open, *open_end, *close;

  g_byte_array_append (svg, (const guint8 *) "", 1);
  doc = (const char *) svg->data;
  open = strstr (doc, "<svg");
  open_end = open != NULL ? strchr (open, '>') : NULL;
  close = g_strrstr (doc, "</svg>");
  if (open_end == NULL || close == NULL || close < open_end)
    return NULL;

  g_string_append_len (out, doc, open_end + 1 - doc);
  if (f->plot->title != NULL && *f->plot->title != '\0')
    {
      g_autofree char *clean = clean_text (f->plot->title, 0);
      g_autofree char *escaped = g_markup_escape_text (clean, -1);

      g_string_append_printf (out, "\n<title>%s</title>", escaped);
    }
  g_string_append_len (out, open_end + 1, close - (open_end + 1));
  g_string_append_printf (out, "<g id=\"text\" font-family=\"%s\" xml:space=\"preserve\">\n",
                          f->svg_family);
  g_string_append_len (out, text->str, text->len);
  g_string_append (out, "</g>\n");
  g_string_append (out, close);
  return g_bytes_new (out->str, out->len);
}

static gboolean
check_cairo (cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  emb_set_error_file (error, status == CAIRO_STATUS_NO_MEMORY ? EMB_ERROR_TOO_LARGE : EMB_ERROR_IO,
                      path, "cannot draw the figure: %s", cairo_status_to_string (status));
  return FALSE;
}

static gboolean
plot_valid (const EmbPlot *plot, const char *path, GError **error)
{
  if (plot == NULL || (plot->n > 0 && (plot->xs == NULL || plot->ys == NULL)))
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, path, "no points to draw");
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* public API                                                              */

gboolean
emb_export_format_from_path (const char      *path,
                             EmbExportFormat *format)
{
  static const struct { const char *ext; EmbExportFormat format; } table[] = {
    { ".png", EMB_EXPORT_PNG },
    { ".svg", EMB_EXPORT_SVG },
    { ".pdf", EMB_EXPORT_PDF },
  };
  gsize len;

  g_return_val_if_fail (path != NULL, FALSE);

  len = strlen (path);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (len > 4 && g_ascii_strcasecmp (path + len - 4, table[i].ext) == 0)
      {
        if (format != NULL)
          *format = table[i].format;
        return TRUE;
      }
  return FALSE;
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

  figure_init (&f, plot, MAX (width, 1), MAX (height, 1));
  *layout = f.layout;
  figure_clear (&f);
}

gboolean
emb_plot_export (const EmbPlot   *plot,
                 const char      *path,
                 EmbExportFormat  format,
                 int              width,
                 int              height,
                 double           scale,
                 GCancellable    *cancellable,
                 GError         **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) result = NULL;
  cairo_surface_t *surface = NULL;
  cairo_t *cr;
  cairo_status_t status;
  gboolean drawn;
  Figure f;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!plot_valid (plot, path, error))
    return FALSE;
  if (width < 1 || width > MAX_SIDE || height < 1 || height > MAX_SIDE)
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, path,
                          "a figure of %d x %d is not possible: each side must be 1 to %d",
                          width, height, MAX_SIDE);
      return FALSE;
    }
  if (!(scale >= MIN_EXPORT_SCALE && scale <= MAX_EXPORT_SCALE))
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, path,
                          "scale %g is out of range: it must be %g to %g",
                          scale, MIN_EXPORT_SCALE, MAX_EXPORT_SCALE);
      return FALSE;
    }
  if (format == EMB_EXPORT_PNG &&
      (round (width * scale) > MAX_SIDE || round (height * scale) > MAX_SIDE))
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, path,
                          "%d x %d at scale %g is more than %d pixels a side",
                          width, height, scale, MAX_SIDE);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  figure_init (&f, plot, width, height);
  switch (format)
    {
    case EMB_EXPORT_PNG:
      {
        int pw = MAX ((int) round (width * scale), 1);
        int ph = MAX ((int) round (height * scale), 1);

        /* No alpha channel unless the figure is transparent: a smaller
         * file, written faster. */
        surface = cairo_image_surface_create (f.colors.opaque ? CAIRO_FORMAT_RGB24
                                                              : CAIRO_FORMAT_ARGB32, pw, ph);
        cr = cairo_create (surface);
        cairo_scale (cr, pw / (double) width, ph / (double) height);
      }
      break;

    case EMB_EXPORT_SVG:
      surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height);
      cairo_svg_surface_restrict_to_version (surface, CAIRO_SVG_VERSION_1_1);
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PT);
      f.svg = g_string_new (NULL);
      f.svg_family = svg_font_family (&f);
      cr = cairo_create (surface);
      break;

    case EMB_EXPORT_PDF:
      surface = cairo_pdf_surface_create_for_stream (append_bytes, bytes, width, height);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "EmbedLens");
      if (plot->title != NULL && *plot->title != '\0')
        cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, plot->title);
      cr = cairo_create (surface);
      break;

    default:
      figure_clear (&f);
      emb_set_error_file (error, EMB_ERROR_INVALID, path, "unknown export format %d", format);
      return FALSE;
    }

  drawn = figure_draw (&f, cr, format != EMB_EXPORT_PNG, cancellable);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (drawn && status == CAIRO_STATUS_SUCCESS)
    {
      if (format == EMB_EXPORT_PNG)
        status = cairo_surface_write_to_png_stream (surface, append_bytes, bytes);
      else
        {
          cairo_surface_finish (surface);
          status = cairo_surface_status (surface);
        }
    }
  cairo_surface_destroy (surface);

  if (drawn && status == CAIRO_STATUS_SUCCESS && f.svg != NULL)
    {
      result = svg_with_text (&f, bytes, f.svg);
      if (result == NULL)
        status = CAIRO_STATUS_WRITE_ERROR;
    }
  else if (drawn && status == CAIRO_STATUS_SUCCESS)
    result = g_bytes_new_static (bytes->data, bytes->len);
  if (f.svg != NULL)
    g_string_free (f.svg, TRUE);
  figure_clear (&f);

  if (!drawn)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      if (error != NULL && *error == NULL)
        emb_set_error_file (error, EMB_ERROR_IO, path, "drawing was interrupted");
      return FALSE;
    }
  if (!check_cairo (status, path, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return emb_file_write_atomically (path, g_bytes_get_data (result, NULL), g_bytes_get_size (result), error);
}

gboolean
emb_plot_export_csv (const EmbPlot  *plot,
                     const guint32  *cluster,
                     const char     *path,
                     GError        **error)
{
  g_autoptr(GString) s = NULL;
  guint n_columns;
  gsize n_vocab;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!plot_valid (plot, path, error))
    return FALSE;

  n_vocab = plot->vocab != NULL ? emb_vocab_size (plot->vocab) : 0;
  n_columns = plot->vocab != NULL ? emb_vocab_n_columns (plot->vocab) : 0;
  s = g_string_sized_new (plot->n * 48 + 256);

  g_string_append (s, "id,token,x,y");
  if (cluster != NULL)
    g_string_append (s, ",cluster");
  for (guint c = 0; c < n_columns; c++)
    {
      g_autofree char *name = clean_text (emb_vocab_column_name (plot->vocab, c), 0);

      g_string_append_c (s, ',');
      emb_csv_append_field (s, name);
    }
  g_string_append (s, "\r\n");

  for (gsize i = 0; i < plot->n; i++)
    {
      if (plot->visible != NULL && !plot->visible[i])
        continue;
      g_string_append_printf (s, "%" G_GSIZE_FORMAT ",", i);
      if (i < n_vocab)
        emb_csv_append_token (s, plot->vocab, i);
      g_string_append_c (s, ',');
      emb_csv_append_float (s, plot->xs[i]);
      g_string_append_c (s, ',');
      emb_csv_append_float (s, plot->ys[i]);
      if (cluster != NULL)
        g_string_append_printf (s, ",%u", cluster[i]);
      for (guint c = 0; c < n_columns; c++)
        {
          const char *v = i < n_vocab ? emb_vocab_column_value (plot->vocab, c, i) : NULL;

          g_string_append_c (s, ',');
          emb_csv_append_field (s, v != NULL ? v : "");
        }
      g_string_append (s, "\r\n");
    }

  return emb_file_write_atomically (path, s->str, s->len, error);
}
