/* emb-cluster-labels.h: cluster names, placed and drawn once for the
 * screen and for every export.
 *
 * Each name is measured by laying out its real text with pango, centred
 * on its cluster's position or moved up or down by a line or two, and
 * kept inside the view; a name whose position an earlier name already
 * covers is left out (one name per place).  Names are placed before any token label (they
 * matter most), in the order given; no two boxes overlap, and a name that
 * finds no room is left out.  emb_labels_place () then keeps token labels
 * clear of the placed names (EmbLabelSpec.clusters).
 */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "plot/emb-render.h"

G_BEGIN_DECLS

/* One placed name: its text box in the target's units (top-left corner),
 * as wide and high as pango's logical extents of text. */
typedef struct
{
  guint   cluster;   /* index into the spec's names */
  char   *text;      /* one line, cleaned */
  double  x;
  double  y;
  double  width;
  double  height;
} EmbClusterLabel;

typedef struct
{
  const char * const         *names;     /* n of them; NULL or "" skipped */
  const float                *xy;        /* 2 * n data coordinates; NaN skipped */
  gsize                       n;
  const EmbView              *view;      /* data to the target's units */
  PangoContext               *pango;
  const PangoFontDescription *font;      /* NULL: pango's, bold */
  double                      margin;    /* kept from the view's edges */
  /* A disc the names keep clear of (the selection's marker), in the
   * target's units; radius <= 0: none. */
  double                      avoid_x;
  double                      avoid_y;
  double                      avoid_radius;
} EmbClusterLabelSpec;

/* The names that fit, in the order given, as an array of EmbClusterLabel
 * that frees their texts. */
GArray   *emb_cluster_labels_place (const EmbClusterLabelSpec *spec);

/* Whether the box (x, y, width, height) intersects a placed name. */
gboolean  emb_cluster_labels_hit   (const GArray *labels,
                                    double        x,
                                    double        y,
                                    double        width,
                                    double        height);

/* Draws the names at their boxes into cr: outlined with a halo band
 * halo_width wide (0: none), then filled in rgb. */
void      emb_cluster_labels_draw  (const GArray              *labels,
                                    const EmbClusterLabelSpec *spec,
                                    cairo_t                   *cr,
                                    guint32                    rgb,
                                    guint32                    halo_rgb,
                                    double                     halo_width);

G_END_DECLS
