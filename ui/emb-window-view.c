/* emb-window-view.c: what the plot shows and the line under it: the
 * axes (PCA components, or a t-SNE or UMAP map from the map panel), the
 * colours and cluster names, and the status line. */
#include "config.h"

#include "base/emb-error.h"
#include "emb-window-private.h"

/* internal API */

void
_emb_window_set_status (EmbWindow *self)
{
  EmbDataset *ds;
  g_autofree char *text = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *vocab = NULL;
  guint ax, ay;
  double shown;

  if (self->scene == NULL)
    {
      gtk_label_set_text (self->status_label, "");
      return;
    }
  ds = self->scene->dataset;
  ax = gtk_drop_down_get_selected (self->x_axis);
  ay = gtk_drop_down_get_selected (self->y_axis);
  shown = self->scene->pca->explained_variance_ratio[MIN (ax, self->scene->n_components - 1)];
  if (ay != ax)
    shown += self->scene->pca->explained_variance_ratio[MIN (ay, self->scene->n_components - 1)];
  rows = g_strdup_printf ("%'" G_GSIZE_FORMAT, ds->matrix->n_rows);
  /* A vocabulary's path need not be UTF-8; labels must be. */
  vocab = emb_quote_name (ds->vocab_source, -1);
  if (emb_plot_view_has_map (self->plot))
    text = g_strdup_printf ("%s rows × %" G_GSIZE_FORMAT " dims  ·  %s, %s  ·  tokens: %s  ·  "
                            "a %s map of every row",
                            rows, ds->matrix->n_cols, ds->format, ds->dtype, vocab,
                            emb_map_panel_get_method (self->map_panel) == EMB_PROJECTION_UMAP ? "UMAP" : "t-SNE");
  else
    text = g_strdup_printf ("%s rows × %" G_GSIZE_FORMAT " dims  ·  %s, %s  ·  tokens: %s  ·  "
                            "PC%u × PC%u show %.1f%% of the variance",
                            rows, ds->matrix->n_cols, ds->format, ds->dtype, vocab,
                            ax + 1, ay + 1, 100.0 * shown);
  /* What the loader changed or fitted (rows left out, a padded
   * vocabulary) stays in view. */
  if (ds->note != NULL)
    {
      g_autofree char *note = emb_quote_name (ds->note, -1);
      char *with_note = g_strconcat (text, "  ·  ", note, NULL);

      g_free (text);
      text = with_note;
    }
  gtk_label_set_text (self->status_label, text);
  /* The line is cut to the window's width; the whole of it on hover. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->status_label), text);
}

void
_emb_window_fill_axes (EmbWindow *self)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  if (self->scene != NULL)
    for (gsize j = 0; j < self->scene->n_components; j++)
      {
        g_autofree char *item = g_strdup_printf ("PC%" G_GSIZE_FORMAT "  %.1f%%", j + 1,
                                                 100.0 * self->scene->pca->explained_variance_ratio[j]);
        gtk_string_list_append (model, item);
      }
  gtk_drop_down_set_model (self->x_axis, G_LIST_MODEL (model));
  gtk_drop_down_set_model (self->y_axis, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->x_axis, 0);
  gtk_drop_down_set_selected (self->y_axis, self->scene != NULL && self->scene->n_components > 1 ? 1 : 0);
}


void
_emb_window_refresh_colors (EmbWindow *self)
{
  const guint32 *palette;
  const char * const *labels;
  const float *xs, *ys;
  guint n_palette, n_clusters;
  const guint16 *category = emb_color_panel_get_colors (self->color_panel, &palette, &n_palette);
  g_autofree float *xy = NULL;

  emb_plot_view_set_colors (self->plot, category, palette, n_palette);
  emb_plot_view_set_visible (self->plot, emb_color_panel_get_visible (self->color_panel));
  if (emb_plot_view_get_points (self->plot, &xs, &ys) &&
      emb_color_panel_get_clusters (self->color_panel, NULL, NULL, NULL, &labels, &n_clusters) != NULL)
    {
      xy = g_new (float, 2 * n_clusters);
      emb_color_panel_get_clusters (self->color_panel, xs, ys, xy, &labels, &n_clusters);
      emb_plot_view_set_cluster_labels (self->plot, labels, xy, n_clusters);
    }
  else
    emb_plot_view_set_cluster_labels (self->plot, NULL, NULL, 0);
}


/* The map panel's "map-changed": its map (or the PCA axes) on the plot,
 * the cluster names moved to where their rows now are. */
void
_emb_window_map_changed (EmbWindow *self,
                         gboolean   fit)
{
  guint dims = 0;
  const float *map = emb_map_panel_get_map (self->map_panel, &dims);
  gboolean had = emb_plot_view_has_map (self->plot);

  emb_plot_view_set_map (self->plot, map, dims, fit);
  /* The axis choices are the PCA's. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->x_axis), map == NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->y_axis), map == NULL);
  if (map == NULL && had)
    emb_plot_view_set_axes (self->plot, gtk_drop_down_get_selected (self->x_axis),
                            gtk_drop_down_get_selected (self->y_axis));
  _emb_window_refresh_colors (self);
  _emb_window_set_status (self);
}
