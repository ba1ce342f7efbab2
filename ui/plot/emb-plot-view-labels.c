/* emb-plot-view-labels.c: token and cluster labels of EmbPlotView. */
#include "config.h"

#include "emb-plot-view-private.h"

/* The cluster names as core places them for every export: bold in the
 * widget's font, clear of the selection's marker. */
static void
cluster_spec (EmbPlotView *self, EmbClusterLabelSpec *spec)
{
  *spec = (EmbClusterLabelSpec) {
    .names = (const char * const *) self->cluster_names->pdata,
    .xy = (const float *) self->cluster_xy->data,
    .n = MIN (self->cluster_names->len, self->cluster_xy->len / 2),
    .view = &self->view,
    .pango = gtk_widget_get_pango_context (GTK_WIDGET (self)),
    .margin = 2,
  };
  if (self->selection >= 0 && (gsize) self->selection < self->layout->n)
    {
      _emb_plot_view_point_pixel (self, self->selection, &spec->avoid_x, &spec->avoid_y);
      spec->avoid_radius = EMB_OVERLAY_SELECTION_RADIUS * 1.25;
    }
}

/* Cluster names first, then token labels around them (the overlay's rows
 * first, then the rows in the view by id, frequency order in most
 * vocabularies), all placed and drawn by core as for every export; the
 * density decides how many token labels. */
void
_emb_plot_view_snapshot_labels (EmbPlotView *self, GtkSnapshot *snapshot)
{
  g_autoptr(GArray) clusters = NULL;
  g_autoptr(GArray) labels = NULL;
  EmbClusterLabelSpec cspec;
  EmbOverlay overlay;
  EmbOverlayTarget target;
  EmbLabelSpec spec;
  EmbThemeColors colors;
  cairo_t *cr;

  if (self->layout == NULL)
    return;
  cluster_spec (self, &cspec);
  clusters = emb_cluster_labels_place (&cspec);
  if (self->label_density <= 0 && self->selection < 0 && clusters->len == 0)
    return;

  _emb_plot_view_get_overlay (self, &overlay, &target);
  spec = (EmbLabelSpec) {
    .overlay = &overlay,
    .target = &target,
    .vocab = self->scene->dataset->vocab,
    .index = self->layout->index,
    .n_labels = emb_label_budget (self->label_density),
    .pango = cspec.pango,
    .gap = LABEL_GAP,
    .selected_gap = SELECTED_LABEL_SHIFT,
    .clusters = clusters,
  };
  labels = emb_labels_place (&spec, self->label_cache);
  if (labels->len == 0 && clusters->len == 0)
    return;

  emb_theme_colors (_emb_plot_view_is_dark (self) ? EMB_THEME_DARK : EMB_THEME_LIGHT, &colors);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, self->view.width, self->view.height));
  /* A halo keeps labels readable over dense areas. */
  emb_labels_draw (labels, &spec, self->label_cache, cr, colors.foreground, colors.halo, 3.0, 0.85);
  emb_cluster_labels_draw (clusters, &cspec, cr, colors.foreground, colors.halo, 3.5);
  cairo_destroy (cr);
}
