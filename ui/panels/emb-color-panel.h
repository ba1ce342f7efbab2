/* emb-color-panel.h: what the points are coloured by, the clusters' k,
 * hiding special tokens, and the legend's contents. */
#pragma once

#include <gtk/gtk.h>

#include "analysis/emb-scene.h"
#include "emb-color-legend.h"

G_BEGIN_DECLS

#define EMB_TYPE_COLOR_PANEL (emb_color_panel_get_type ())
G_DECLARE_FINAL_TYPE (EmbColorPanel, emb_color_panel, EMB, COLOR_PANEL, GtkBox)

/* The colour choices, as the "color-by" property numbers them; metadata
 * columns follow EMB_COLOR_BY_FIRST_COLUMN. */
typedef enum
{
  EMB_COLOR_BY_NONE,
  EMB_COLOR_BY_CLUSTERS,
  EMB_COLOR_BY_NORM,
  EMB_COLOR_BY_TOKEN_ID,
  EMB_COLOR_BY_LEADING_SPACE,
  EMB_COLOR_BY_KIND,
  EMB_COLOR_BY_DIGITS,
  EMB_COLOR_BY_SCRIPT,
  EMB_COLOR_BY_FIRST_COLUMN,
} EmbColorBy;

/* A new scene lists its metadata columns, sets k to its default and
 * colours by nothing. */
void                emb_color_panel_set_scene      (EmbColorPanel *self,
                                                    EmbScene      *scene);
EmbScene           *emb_color_panel_get_scene      (EmbColorPanel *self);

/* The legend the panel fills with the categories (may be NULL). */
void                emb_color_panel_set_legend     (EmbColorPanel  *self,
                                                    EmbColorLegend *legend);

void                emb_color_panel_set_color_by   (EmbColorPanel *self,
                                                    guint          choice);
guint               emb_color_panel_get_color_by   (EmbColorPanel *self);
void                emb_color_panel_set_cluster_k  (EmbColorPanel *self,
                                                    guint          k);
guint               emb_color_panel_get_cluster_k  (EmbColorPanel *self);
/* The legend entry shown in colour while the others are grey, or -1. */
void                emb_color_panel_set_isolated   (EmbColorPanel *self,
                                                    int            entry);
int                 emb_color_panel_get_isolated   (EmbColorPanel *self);

/* Clusters again (choosing cluster colouring), in a worker thread. */
void                emb_color_panel_recluster      (EmbColorPanel *self);
/* Stops a clustering under way. */
void                emb_color_panel_cancel         (EmbColorPanel *self);

/* What "colors-changed" announces.  Per-row palette index (NULL: one
 * colour) and the palette; borrowed, valid until the next change. */
const guint16      *emb_color_panel_get_colors     (EmbColorPanel *self,
                                                    const guint32 **palette,
                                                    guint          *n_palette);
/* The legend's names (n of them; none for a ramp). */
const char * const *emb_color_panel_get_legend     (EmbColorPanel *self,
                                                    guint         *n);
/* The clusters shown now: per-row cluster, or NULL when the colours are
 * not clusters; with their names and, given the plotted xs/ys, each
 * cluster's position (out_xy: 2 per cluster, may be NULL). */
const guint32      *emb_color_panel_get_clusters   (EmbColorPanel       *self,
                                                    const float         *xs,
                                                    const float         *ys,
                                                    float               *out_xy,
                                                    const char * const **labels,
                                                    guint               *n_clusters);
/* The rows to draw (1) and hide (0), or NULL for all. */
const guint8       *emb_color_panel_get_visible    (EmbColorPanel *self);

/* TRUE while clusters are computed (with the fraction done) or a ramp
 * binned. */
gboolean            emb_color_panel_is_clustering  (EmbColorPanel *self);
double              emb_color_panel_get_progress   (EmbColorPanel *self);
gboolean            emb_color_panel_is_busy        (EmbColorPanel *self);

G_END_DECLS
