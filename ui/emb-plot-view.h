/* emb-plot-view.h: every point of a scene, pan/zoom, hover and highlights. */
#pragma once

#include <gtk/gtk.h>

#include "plot/emb-plot-spec.h"
#include "plot/emb-render.h"
#include "plot/emb-theme.h"
#include "analysis/emb-scene.h"

G_BEGIN_DECLS

#define EMB_TYPE_PLOT_VIEW (emb_plot_view_get_type ())
G_DECLARE_FINAL_TYPE (EmbPlotView, emb_plot_view, EMB, PLOT_VIEW, GtkWidget)

void       emb_plot_view_set_scene      (EmbPlotView *self,
                                         EmbScene    *scene);

/* Which principal components are the x and y axes (0-based). */
void       emb_plot_view_set_axes       (EmbPlotView *self,
                                         guint        x_component,
                                         guint        y_component);

/* A t-SNE or UMAP layout (n_rows x dims, copied) shown instead of the
 * PCA axes; NULL goes back to them.  With fit (or when switching between
 * PCA and a map) the view fits the points.  Else it fits them too unless
 * the user has panned or zoomed since the last fit: a map that is being
 * optimised is followed as it grows, or watched where the user put it. */
void       emb_plot_view_set_map        (EmbPlotView *self,
                                         const float *coords,
                                         guint        dims,
                                         gboolean     fit);
gboolean   emb_plot_view_has_map        (EmbPlotView *self);

/* Per-point palette indices (n_rows, copied; NULL: one colour) and the
 * palette (0xRRGGBB, copied). */
void       emb_plot_view_set_colors     (EmbPlotView   *self,
                                         const guint16 *category,
                                         const guint32 *palette,
                                         guint          n_palette);

/* Which rows are drawn and can be hovered (n_rows 0/1 values, copied;
 * NULL: all). */
void       emb_plot_view_set_visible    (EmbPlotView  *self,
                                         const guint8 *visible);

/* The selected row (-1: none) and its neighbours (drawn with lines). */
void       emb_plot_view_set_selection  (EmbPlotView *self,
                                         gssize       id,
                                         const gsize *neighbors,
                                         gsize        n_neighbors);
gssize     emb_plot_view_get_selection  (EmbPlotView *self);

/* Search matches, ringed on the plot. */
void       emb_plot_view_set_matches    (EmbPlotView *self,
                                         const gsize *ids,
                                         gsize        n_ids);

/* An analogy a - b + c = results[0..]: drawn as arrows b -> a and
 * c -> results[0]; pass n_results 0 to clear. */
void       emb_plot_view_set_analogy    (EmbPlotView *self,
                                         gsize        a,
                                         gsize        b,
                                         gsize        c,
                                         const gsize *results,
                                         gsize        n_results);

/* Cluster names drawn at data positions xy (2 per label; copied). */
void       emb_plot_view_set_cluster_labels (EmbPlotView        *self,
                                             const char * const *labels,
                                             const float        *xy,
                                             guint               n);

/* The current layout, for exports: the coordinates shown (n_rows each,
 * owned by the view) and the visible part of the plane. */
gboolean   emb_plot_view_get_points     (EmbPlotView   *self,
                                         const float  **xs,
                                         const float  **ys);
void       emb_plot_view_get_view       (EmbPlotView *self,
                                         EmbView     *view);
guint      emb_plot_view_get_x_component (EmbPlotView *self);
guint      emb_plot_view_get_y_component (EmbPlotView *self);

/* What the view shows, for a figure of it (emb_plot_spec_new ()): every
 * pointer borrowed from the view, valid until it changes.  The theme is
 * the screen's; the title and legend are not the view's to know. */
void       emb_plot_view_get_state      (EmbPlotView  *self,
                                         EmbPlotState *state);

/* 0: no labels .. 1: as many as fit. */
void       emb_plot_view_set_label_density (EmbPlotView *self,
                                            double       density);

void       emb_plot_view_reset_view     (EmbPlotView *self);
void       emb_plot_view_zoom           (EmbPlotView *self,
                                         double       factor);
/* Animates the view to show these rows. */
void       emb_plot_view_fly_to         (EmbPlotView *self,
                                         const gsize *ids,
                                         gsize        n_ids);

/* Where row id is drawn now, in widget pixels; FALSE without a scene. */
gboolean   emb_plot_view_get_point_position (EmbPlotView *self,
                                             gsize        id,
                                             double      *x,
                                             double      *y);

/* TRUE while the points are being rasterised for the current view. */
gboolean   emb_plot_view_is_rendering   (EmbPlotView *self);

G_END_DECLS
