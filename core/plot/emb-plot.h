/* emb-plot.h: a finished plot — points, axes, legend, labels, highlights —
 * drawn with cairo for PNG, SVG and PDF files.
 *
 * The highlights over the points are core's overlay (emb-overlay), the
 * same code as on screen.  The points layer is core's point renderer (emb-render) in every format:
 * rasterised at the output resolution for PNG, and for SVG/PDF drawn as
 * vector circles up to a point budget, above it embedded as the same
 * density raster, so files stay small.  Text (title, axis titles, legend,
 * cluster and token labels) is real text in every format.
 */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "plot/emb-render.h"
#include "plot/emb-theme.h"

typedef struct _EmbPlotSpec EmbPlotSpec;
#include "model/emb-vocab.h"

G_BEGIN_DECLS

typedef enum
{
  EMB_EXPORT_PNG,
  EMB_EXPORT_SVG,
  EMB_EXPORT_PDF,
  EMB_EXPORT_CSV,   /* the points as a table (emb_plot_export_csv ()) */
} EmbExportFormat;

typedef struct
{
  /* the points (borrowed) */
  const float   *xs;
  const float   *ys;
  gsize          n;
  const guint16 *category;        /* per point palette index, or NULL */
  const guint32 *palette;         /* 0xRRGGBB; NULL: one default colour */
  guint          n_palette;
  const guint8  *visible;         /* or NULL: all */
  EmbVocab      *vocab;           /* token labels; may be NULL */

  /* what part of the plane: scale 0 fits every visible point; else the
   * part this view shows at the output's size (scale in pixels before the
   * PNG scale, or points, per data unit), fitted into the plot frame */
  EmbView        view;            /* width/height ignored: the output's */

  /* text (UTF-8, may be NULL) */
  const char    *title;
  const char    *x_title;         /* e.g. "PC1 (4.9% of variance)" */
  const char    *y_title;

  /* legend: names[i] is drawn with palette[i] */
  const char * const *legend;
  guint          n_legend;

  /* cluster labels drawn at data positions (e.g. the 2-D centroids) */
  const char * const *cluster_labels;
  const float   *cluster_xy;      /* 2 per label */
  guint          n_cluster_labels;

  /* highlights, drawn by the overlay (emb-overlay.h) as on screen */
  gssize         selected;        /* -1: none */
  const gsize   *neighbors;       /* lines from the selection */
  gsize          n_neighbors;
  const gsize   *matches;         /* search matches: rings */
  gsize          n_matches;
  const gsize   *analogy;         /* a, b, c, result: arrows; or NULL */
  gsize          n_analogy;       /* 4, or 0 */

  /* token labels: at most this many, most important (lowest id) first,
   * never overlapping; 0 = none.  The overlay's rows (the selection, its
   * neighbours, the analogy, the first matches) are labelled first
   * whenever there is a vocab. */
  gsize          n_token_labels;

  EmbTheme       theme;
  double         point_radius;    /* 0: a default for the size */
} EmbPlot;

/* Above this many visible points in the frame, SVG/PDF carry the points
 * as one embedded image instead of one vector dot each. */
#define EMB_PLOT_VECTOR_BUDGET 20000

/* Where things go on a width x height figure, in output units. */
typedef struct
{
  /* the plot frame (the points area), whole units */
  int     x;
  int     y;
  int     width;
  int     height;
  /* data -> frame: emb_view_to_pixel () then add (x, y); view.width and
   * view.height are the frame's */
  EmbView view;
} EmbPlotLayout;

/* The layout emb_plot_export () uses for this size. */
void     emb_plot_layout (const EmbPlot *plot,
                          int            width,
                          int            height,
                          EmbPlotLayout *layout);

/* Which figure format a file name asks for (.png .svg .pdf, any case;
 * not .csv, which is a table rather than a figure). */
gboolean emb_export_format_from_path (const char      *path,
                                      EmbExportFormat *format);

/* Writes the plot to path in format, width x height pixels (PNG; scale
 * multiplies them for HiDPI) or points (SVG/PDF).  Atomic: written to a
 * temporary file beside path and renamed, so path is never half written
 * and never touched on failure.  Errors name the path. */
gboolean emb_plot_export (const EmbPlot   *plot,
                          const char      *path,
                          EmbExportFormat  format,
                          int              width,
                          int              height,
                          double           scale,
                          GCancellable    *cancellable,
                          GError         **error);

/* Writes id,token,x,y[,cluster][,metadata columns...] (RFC 4180 quoting)
 * for every visible point, atomically. */
gboolean emb_plot_export_csv (const EmbPlot  *plot,
                              const guint32  *cluster,   /* or NULL */
                              const char     *path,
                              GError        **error);

/* emb_plot_export () (or, for EMB_EXPORT_CSV, emb_plot_export_csv ()
 * with the spec's clusters) of spec's plot in a thread.  The spec is
 * ref'd and path copied, so the caller may change its state meanwhile;
 * cancellable stops the drawing and leaves path untouched. */
void     emb_plot_export_async  (EmbPlotSpec         *spec,
                                 const char          *path,
                                 EmbExportFormat      format,
                                 int                  width,
                                 int                  height,
                                 double               scale,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
gboolean emb_plot_export_finish (GAsyncResult        *result,
                                 GError             **error);

G_END_DECLS
