/* emb-figure-private.h: what the files that draw a figure share.
 *
 * A Figure is one EmbPlot laid out for one size: the metrics (every length
 * a multiple of one text unit), the fonts, the frame and view, the ticks
 * and the legend's room; and while drawing, the cairo context and, for
 * SVG, the text written as <text> elements.  emb-figure.c lays it out and
 * draws it in layers, each layer in the file its name says.
 */
#pragma once

#include <math.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "plot/emb-overlay.h"
#include "plot/emb-plot.h"
#include "plot/emb-theme.h"

G_BEGIN_DECLS

#define FONT_FAMILY "Sans"

#define MAX_SIDE 32767

/* Token labels longer than this are cut with an ellipsis. */
#define MAX_LABEL_CHARS 32

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
  double overlay_scale;    /* the overlay's sizes: 1 is the screen's */
  double selection_radius; /* the overlay's markers at that scale */
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
  EmbThemeColors        colors;
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

static inline gboolean
_emb_plot_point_visible (const EmbPlot *plot, gsize i)
{
  return (plot->visible == NULL || plot->visible[i]) &&
         isfinite (plot->xs[i]) && isfinite (plot->ys[i]);
}

static inline gboolean
_emb_plot_valid_id (const EmbPlot *plot, gssize id)
{
  return id >= 0 && (gsize) id < plot->n && _emb_plot_point_visible (plot, id);
}

/* Data (x, y) to figure units. */
static inline void
data_to_figure (const Figure *f, double x, double y, double *fx, double *fy)
{
  emb_view_to_pixel (&f->layout.view, x, y, fx, fy);
  *fx += f->layout.x;
  *fy += f->layout.y;
}

/* emb-figure.c: layout and the drawing order */
void     _emb_figure_init     (Figure        *f,
                               const EmbPlot *plot,
                               int            width,
                               int            height);
void     _emb_figure_clear    (Figure        *f);
gboolean _emb_figure_draw     (Figure        *f,
                               cairo_t       *cr,
                               gboolean       vector,
                               GCancellable  *cancellable);

/* emb-export.c: FALSE with an error naming path when plot has no points
 * to draw. */
gboolean _emb_plot_valid (const EmbPlot  *plot,
                          const char     *path,
                          GError        **error);

/* emb-figure-text.c */
char        *_emb_clean_text          (const char   *text,
                                       guint         max_chars);
PangoLayout *_emb_figure_text_layout  (const Figure *f,
                                       FontRole      role,
                                       const char   *text);
double       _emb_figure_text_width   (const Figure *f,
                                       FontRole      role,
                                       const char   *text);
char        *_emb_figure_fit_text     (const Figure *f,
                                       FontRole      role,
                                       const char   *text,
                                       double        max_width);
void         _emb_figure_draw_text    (Figure       *f,
                                       FontRole      role,
                                       const char   *text,
                                       double        x,
                                       double        y,
                                       Anchor        anchor,
                                       gboolean      vcenter,
                                       gboolean      rotate,
                                       guint32       rgb,
                                       double        alpha,
                                       double        halo);

/* emb-figure-axes.c */
double   _emb_figure_widest_tick  (const Figure *f,
                                   double        lo,
                                   double        hi,
                                   double        step);
double   _emb_figure_choose_step  (const Figure *f,
                                   double        lo,
                                   double        hi,
                                   double        length,
                                   double        min_gap,
                                   gboolean      horizontal);
void     _emb_figure_draw_axes    (Figure       *f);
void     _emb_figure_draw_titles  (Figure       *f);

/* emb-figure-points.c */
gboolean _emb_figure_draw_points  (Figure       *f,
                                   gboolean      vector,
                                   GCancellable *cancellable);

/* emb-legend.c */
guint32  _emb_figure_legend_color  (const Figure *f,
                                    guint         i);
void     _emb_figure_layout_legend (Figure      *f,
                                    double       top,
                                    double       bottom,
                                    double      *right);
void     _emb_figure_draw_legend  (Figure       *f);

/* emb-figure-labels.c */
void     _emb_figure_overlay      (const Figure     *f,
                                   EmbOverlay       *overlay,
                                   EmbOverlayTarget *target);
void     _emb_figure_draw_highlights (Figure    *f);
void     _emb_figure_draw_labels  (Figure       *f);

G_END_DECLS
