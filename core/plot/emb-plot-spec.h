/* emb-plot-spec.h: from the app's state to the figure.
 *
 * EmbPlotState is what the app shows, borrowed from wherever it lives
 * (the window's plot view, or the CLI's options and results): the points,
 * the axes, colours and legend, what is hidden, the selection and its
 * neighbours, search matches, the analogy, cluster names, how many labels,
 * the part of the plane in view, the theme.  emb_plot_spec_new () turns it
 * into the EmbPlot a figure of a given size needs (highlights included),
 * copying everything, so that the spec can go to another thread and the
 * state can change meanwhile.  The window's export and `embedlens export`
 * both build their figure here.
 */
#pragma once

#include <glib.h>

#include "model/emb-vocab.h"
#include "plot/emb-plot.h"

G_BEGIN_DECLS

typedef struct
{
  /* the points, already projected onto the two axes */
  const float   *xs;
  const float   *ys;
  gsize          n;
  EmbVocab      *vocab;            /* or NULL */

  /* the axes: component numbers (0-based) and each component's share of
   * the variance, for the axis titles; NULL: no axis titles */
  guint          x_component;
  guint          y_component;
  const double  *explained;        /* indexed by component */
  const char    *title;            /* or NULL */

  /* colours: per point palette index, the palette, the legend's names */
  const guint16 *category;         /* or NULL */
  const guint32 *palette;          /* or NULL */
  guint          n_palette;
  const char * const *legend;      /* n_legend names, or NULL */
  guint          n_legend;
  const char * const *cluster_labels;  /* drawn at cluster_xy (2 each) */
  const float   *cluster_xy;
  guint          n_cluster_labels;
  const guint32 *cluster;          /* per point cluster, for CSV; or NULL */

  const guint8  *visible;          /* per point 0/1, or NULL: all */

  /* highlights */
  gssize         selected;         /* -1: none */
  const gsize   *neighbors;
  gsize          n_neighbors;
  const gsize   *matches;
  gsize          n_matches;
  const gsize   *analogy;          /* a, b, c, result; or NULL */
  gsize          n_analogy;        /* 4 or 0 */

  gsize          n_token_labels;   /* e.g. emb_label_budget (density) */

  /* the part of the plane: view.scale 0 fits the whole plot; else this
   * view (of view.width x view.height pixels) is shown, scaled to fit the
   * figure */
  EmbView        view;
  EmbTheme       theme;
} EmbPlotState;

/* The figure of width x height for state, with copies of all its data. */
EmbPlotSpec   *emb_plot_spec_new         (const EmbPlotState *state,
                                          int                 width,
                                          int                 height);
EmbPlotSpec   *emb_plot_spec_ref         (EmbPlotSpec        *spec);
void           emb_plot_spec_unref       (EmbPlotSpec        *spec);

/* The plot to draw: valid as long as the spec. */
const EmbPlot *emb_plot_spec_get_plot    (const EmbPlotSpec  *spec);
/* The per point cluster for CSV, or NULL. */
const guint32 *emb_plot_spec_get_cluster (const EmbPlotSpec  *spec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbPlotSpec, emb_plot_spec_unref)

G_END_DECLS
