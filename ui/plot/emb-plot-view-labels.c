/* emb-plot-view-labels.c: token and cluster labels of EmbPlotView. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "emb-plot-view-private.h"

static PangoLayout *
label_layout (EmbPlotView *self, gsize id)
{
  PangoLayout *layout = g_hash_table_lookup (self->label_layouts, GSIZE_TO_POINTER (id));

  if (layout == NULL)
    {
      const char *text = emb_vocab_display (self->scene->dataset->vocab, id);
      g_autofree char *shown = NULL;

      /* Newlines and tabs inside tokens would break the one-line label. */
      if (strpbrk (text, "\n\r\t") != NULL)
        {
          shown = g_strdup (text);
          g_strdelimit (shown, "\n\r\t", ' ');
          text = shown;
        }
      if (g_hash_table_size (self->label_layouts) > LABEL_CACHE_MAX)
        _emb_plot_view_clear_label_cache (self);
      layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
      g_hash_table_insert (self->label_layouts, GSIZE_TO_POINTER (id), layout);
    }
  return layout;
}

typedef struct
{
  GArray       *ids;
  gsize         cap;
  const guint8 *visible;
} Collect;

static void
collect_cb (gsize id, gpointer user_data)
{
  Collect *c = user_data;
  if (c->ids->len < c->cap && (c->visible == NULL || c->visible[id]))
    g_array_append_val (c->ids, id);
}

static void
measure_font (EmbPlotView *self)
{
  PangoContext *ctx = gtk_widget_get_pango_context (GTK_WIDGET (self));
  PangoFontMetrics *metrics = pango_context_get_metrics (ctx, NULL, NULL);

  self->char_width = pango_font_metrics_get_approximate_char_width (metrics) / (double) PANGO_SCALE;
  self->line_height = (pango_font_metrics_get_ascent (metrics) + pango_font_metrics_get_descent (metrics))
                      / (double) PANGO_SCALE;
  pango_font_metrics_unref (metrics);
}

static void
add_candidate (GArray *cands, GHashTable *seen, EmbPlotView *self, gsize id)
{
  EmbLabelCandidate c;
  const char *text;

  if (g_hash_table_contains (seen, GSIZE_TO_POINTER (id + 1)))
    return;
  g_hash_table_add (seen, GSIZE_TO_POINTER (id + 1));
  text = emb_vocab_display (self->scene->dataset->vocab, id);
  c.id = id;
  c.width = MAX (1, g_utf8_strlen (text, 64)) * self->char_width + 2;
  /* The selection's marker is bigger: its label starts further out. */
  if ((gssize) id == self->selection)
    c.width += SELECTED_LABEL_SHIFT;
  c.height = self->line_height;
  g_array_append_val (cands, c);
}

/* Labels go first to the selection, neighbours, analogy and search
 * matches, then to the rows in the view by id (frequency order in most
 * vocabularies); the density decides how many are tried. */
void
_emb_plot_view_snapshot_labels (EmbPlotView *self, GtkSnapshot *snapshot)
{
  g_autoptr(GArray) cands = g_array_new (FALSE, FALSE, sizeof (EmbLabelCandidate));
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) inview = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autofree gsize *kept = NULL;
  g_autofree float *kept_xy = NULL;
  g_autofree gsize *first = NULL;
  gsize n_kept, budget, n_first;
  double x0, y0, x1, y1;
  GdkRGBA fg, halo;
  Collect collect;
  EmbOverlay overlay;
  EmbOverlayTarget target;

  if (self->label_density <= 0 && self->selection < 0)
    return;
  if (self->char_width <= 0)
    measure_font (self);

  budget = emb_label_budget (self->label_density);
  _emb_plot_view_get_overlay (self, &overlay, &target);
  first = g_new (gsize, 1 + overlay.n_neighbors + overlay.n_analogy + overlay.n_matches);
  n_first = emb_overlay_label_ids (&overlay, &target, first,
                                   1 + overlay.n_neighbors + overlay.n_analogy + overlay.n_matches);
  for (gsize i = 0; i < n_first; i++)
    add_candidate (cands, seen, self, first[i]);

  if (budget > 0)
    {
      emb_view_to_data (&self->view, 0, self->view.height, &x0, &y0);
      emb_view_to_data (&self->view, self->view.width, 0, &x1, &y1);
      collect.ids = inview;
      collect.cap = budget * 4;
      collect.visible = self->layout->visible;
      emb_spatial_index_query_rect (self->layout->index, x0, y0, x1, y1, collect_cb, &collect);
      for (guint i = 0; i < inview->len; i++)
        add_candidate (cands, seen, self, g_array_index (inview, gsize, i));
    }

  kept = g_new (gsize, cands->len + 1);
  kept_xy = g_new (float, 2 * cands->len + 2);
  n_kept = emb_place_labels ((EmbLabelCandidate *) cands->data, cands->len,
                             self->layout->xs, self->layout->ys, &self->view, 4.0,
                             cands->len, kept, kept_xy);

  _emb_plot_view_foreground_color (self, &fg);
  _emb_plot_view_background_color (self, &halo);
  halo.alpha = 0.7;
  for (gsize i = 0; i < n_kept; i++)
    {
      PangoLayout *layout = label_layout (self, kept[i]);
      int w, h;
      gboolean strong = (gssize) kept[i] == self->selection;
      GdkRGBA color = fg;

      pango_layout_get_pixel_size (layout, &w, &h);
      color.alpha = strong ? 1.0 : 0.85;
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (kept_xy[2 * i] + (strong ? SELECTED_LABEL_SHIFT : 0),
                                                              kept_xy[2 * i + 1]));
      /* A soft backing keeps labels readable over dense areas. */
      gtk_snapshot_append_color (snapshot, &halo, &GRAPHENE_RECT_INIT (-1, 0, w + 2, h));
      gtk_snapshot_append_layout (snapshot, layout, &color);
      gtk_snapshot_restore (snapshot);
    }
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

