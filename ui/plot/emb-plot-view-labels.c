/* emb-plot-view-labels.c: token and cluster labels of EmbPlotView. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "emb-plot-view-private.h"

/* Token labels as core places and draws them for every export (the
 * overlay's rows first, then the rows in the view by id, frequency order
 * in most vocabularies), measured in the widget's font; the density
 * decides how many. */
void
_emb_plot_view_snapshot_labels (EmbPlotView *self, GtkSnapshot *snapshot)
{
  g_autoptr(GArray) labels = NULL;
  EmbOverlay overlay;
  EmbOverlayTarget target;
  EmbLabelSpec spec;
  EmbThemeColors colors;
  cairo_t *cr;

  if (self->label_density <= 0 && self->selection < 0)
    return;

  _emb_plot_view_get_overlay (self, &overlay, &target);
  spec = (EmbLabelSpec) {
    .overlay = &overlay,
    .target = &target,
    .vocab = self->scene->dataset->vocab,
    .index = self->layout->index,
    .n_labels = emb_label_budget (self->label_density),
    .pango = gtk_widget_get_pango_context (GTK_WIDGET (self)),
    .gap = LABEL_GAP,
    .selected_gap = SELECTED_LABEL_SHIFT,
  };
  labels = emb_labels_place (&spec, self->label_cache);
  if (labels->len == 0)
    return;

  emb_theme_colors (_emb_plot_view_is_dark (self) ? EMB_THEME_DARK : EMB_THEME_LIGHT, &colors);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, self->view.width, self->view.height));
  /* A halo keeps labels readable over dense areas. */
  emb_labels_draw (labels, &spec, self->label_cache, cr, colors.foreground, colors.halo, 3.0, 0.85);
  cairo_destroy (cr);
}

/* Cluster names: bold, on a rounded backing in the cluster's colour. */
void
_emb_plot_view_snapshot_cluster_labels (EmbPlotView *self, GtkSnapshot *snapshot)
{
  GdkRGBA fg, back;

  _emb_plot_view_foreground_color (self, &fg);
  _emb_plot_view_background_color (self, &back);
  back.alpha = 0.82;
  for (guint i = 0; i < self->cluster_labels->len; i++)
    {
      PangoLayout *layout = g_ptr_array_index (self->cluster_labels, i);
      float x = g_array_index (self->cluster_xy, float, 2 * i);
      float y = g_array_index (self->cluster_xy, float, 2 * i + 1);
      double px, py;
      int w, h;
      GskRoundedRect rr;
      GdkRGBA edge;
      guint32 rgb = self->palette != NULL && i < self->n_palette ? self->palette[i] : emb_palette_color (i);

      if (isnan (x) || isnan (y))
        continue;
      emb_view_to_pixel (&self->view, x, y, &px, &py);
      pango_layout_get_pixel_size (layout, &w, &h);
      px -= w / 2.0;
      py -= h / 2.0;
      if (px + w < 0 || py + h < 0 || px > self->view.width || py > self->view.height)
        continue;
      _emb_plot_view_rgb_to_gdk (rgb, 1.0, &edge);
      gsk_rounded_rect_init_from_rect (&rr, &GRAPHENE_RECT_INIT (px - 6, py - 2, w + 12, h + 4), 6);
      gtk_snapshot_push_rounded_clip (snapshot, &rr);
      gtk_snapshot_append_color (snapshot, &back, &rr.bounds);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_append_border (snapshot, &rr, (float[4]) { 1.5, 1.5, 1.5, 1.5 },
                                  (GdkRGBA[4]) { edge, edge, edge, edge });
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (px, py));
      gtk_snapshot_append_layout (snapshot, layout, &fg);
      gtk_snapshot_restore (snapshot);
    }
}

