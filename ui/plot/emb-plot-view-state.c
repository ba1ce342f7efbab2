/* emb-plot-view-state.c: EmbPlotView's public setters and getters: the
 * scene, axes, colours, highlights and the state the figure is built from.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "emb-plot-view-private.h"

/* public API */

void
emb_plot_view_set_scene (EmbPlotView *self,
                         EmbScene    *scene)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  if (scene == self->scene)
    return;
  _emb_plot_view_stop_fly (self);
  g_clear_pointer (&self->scene, emb_scene_unref);
  self->scene = scene != NULL ? emb_scene_ref (scene) : NULL;
  g_clear_pointer (&self->category, g_free);
  g_clear_pointer (&self->palette, g_free);
  g_clear_pointer (&self->visible, g_free);
  g_clear_pointer (&self->map, g_free);
  self->map_dims = 0;
  self->x_component = 0;
  self->y_component = scene != NULL && scene->n_components > 1 ? 1 : 0;
  self->selection = -1;
  self->hover = -1;
  g_array_set_size (self->neighbors, 0);
  g_array_set_size (self->matches, 0);
  g_array_set_size (self->analogy, 0);
  g_ptr_array_set_size (self->cluster_names, 0);
  g_array_set_size (self->cluster_xy, 0);
  _emb_plot_view_clear_label_cache (self);
  _emb_plot_view_drop_texture (self);
  _emb_plot_view_rebuild_layout (self);
  self->view.scale = 0;
  emb_plot_view_reset_view (self);
  _emb_plot_view_start_render (self);
}

void
emb_plot_view_set_axes (EmbPlotView *self,
                        guint        x_component,
                        guint        y_component)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  if (self->scene == NULL)
    return;
  x_component = MIN (x_component, (self->map ? self->map_dims : self->scene->n_components) - 1);
  y_component = MIN (y_component, (self->map ? self->map_dims : self->scene->n_components) - 1);
  if (x_component == self->x_component && y_component == self->y_component)
    return;
  self->x_component = x_component;
  self->y_component = y_component;
  _emb_plot_view_drop_texture (self);
  _emb_plot_view_rebuild_layout (self);
  emb_plot_view_reset_view (self);
  _emb_plot_view_start_render (self);
}

void
emb_plot_view_set_map (EmbPlotView *self,
                       const float *coords,
                       guint        dims,
                       gboolean     fit)
{
  gboolean was_map;

  g_return_if_fail (EMB_IS_PLOT_VIEW (self));
  g_return_if_fail (coords == NULL || dims == 2 || dims == 3);

  if (self->scene == NULL)
    return;
  was_map = self->map != NULL;
  g_clear_pointer (&self->map, g_free);
  self->map_dims = 0;
  if (coords != NULL)
    {
      self->map = g_memdup2 (coords, emb_scene_n_rows (self->scene) * dims * sizeof (float));
      self->map_dims = dims;
    }
  if (!was_map || coords == NULL)
    {
      self->x_component = 0;
      self->y_component = 1;
    }
  _emb_plot_view_clear_label_cache (self);
  /* Another map, or back to PCA: the old picture is not of these points. */
  if (fit || was_map != (coords != NULL))
    _emb_plot_view_drop_texture (self);
  _emb_plot_view_rebuild_layout (self);
  /* A map being optimised grows: the view follows it until the user
   * moves it. */
  if (fit || was_map != (coords != NULL) || !self->view_moved)
    emb_plot_view_reset_view (self);
  _emb_plot_view_start_render (self);
}

gboolean
emb_plot_view_has_map (EmbPlotView *self)
{
  g_return_val_if_fail (EMB_IS_PLOT_VIEW (self), FALSE);
  return self->map != NULL;
}

void
emb_plot_view_set_colors (EmbPlotView   *self,
                          const guint16 *category,
                          const guint32 *palette,
                          guint          n_palette)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  g_clear_pointer (&self->category, g_free);
  g_clear_pointer (&self->palette, g_free);
  self->n_palette = 0;
  if (self->scene != NULL && category != NULL)
    self->category = g_memdup2 (category, emb_scene_n_rows (self->scene) * sizeof (guint16));
  if (palette != NULL && n_palette > 0)
    {
      self->palette = g_memdup2 (palette, n_palette * sizeof (guint32));
      self->n_palette = n_palette;
    }
  _emb_plot_view_rebuild_layout (self);
  _emb_plot_view_start_render (self);
}

void
emb_plot_view_set_selection (EmbPlotView *self,
                             gssize       id,
                             const gsize *neighbors,
                             gsize        n_neighbors)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  if (self->scene == NULL || id >= (gssize) emb_scene_n_rows (self->scene))
    id = -1;
  self->selection = id;
  g_array_set_size (self->neighbors, 0);
  if (id >= 0 && neighbors != NULL)
    g_array_append_vals (self->neighbors, neighbors, n_neighbors);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gssize
emb_plot_view_get_selection (EmbPlotView *self)
{
  return self->selection;
}

void
emb_plot_view_set_matches (EmbPlotView *self,
                           const gsize *ids,
                           gsize        n_ids)
{
  g_array_set_size (self->matches, 0);
  if (ids != NULL)
    g_array_append_vals (self->matches, ids, n_ids);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
emb_plot_view_set_analogy (EmbPlotView *self,
                           gsize        a,
                           gsize        b,
                           gsize        c,
                           const gsize *results,
                           gsize        n_results)
{
  g_array_set_size (self->analogy, 0);
  if (n_results > 0)
    {
      g_array_append_val (self->analogy, a);
      g_array_append_val (self->analogy, b);
      g_array_append_val (self->analogy, c);
      g_array_append_vals (self->analogy, results, MIN (n_results, 1));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
emb_plot_view_set_label_density (EmbPlotView *self,
                                 double       density)
{
  self->label_density = CLAMP (density, 0.0, 1.0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
emb_plot_view_is_rendering (EmbPlotView *self)
{
  return self->render_cancellable != NULL || self->render_dirty ||
         (self->layout != NULL && self->view.scale > 0 &&
          (self->texture == NULL || !_emb_plot_view_views_equal (&self->texture_view, &self->view)));
}

void
emb_plot_view_set_cluster_labels (EmbPlotView        *self,
                                  const char * const *labels,
                                  const float        *xy,
                                  guint               n)
{
  g_ptr_array_set_size (self->cluster_names, 0);
  g_array_set_size (self->cluster_xy, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->cluster_names, g_strdup (labels[i]));
  if (n > 0)
    g_array_append_vals (self->cluster_xy, xy, 2 * n);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
emb_plot_view_get_points (EmbPlotView   *self,
                          const float  **xs,
                          const float  **ys)
{
  if (self->layout == NULL)
    return FALSE;
  *xs = self->layout->xs;
  *ys = self->layout->ys;
  return TRUE;
}

void
emb_plot_view_get_view (EmbPlotView *self,
                        EmbView     *view)
{
  *view = self->view;
}

guint
emb_plot_view_get_x_component (EmbPlotView *self)
{
  return self->x_component;
}

guint
emb_plot_view_get_y_component (EmbPlotView *self)
{
  return self->y_component;
}

void
emb_plot_view_set_visible (EmbPlotView  *self,
                           const guint8 *visible)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));

  g_clear_pointer (&self->visible, g_free);
  if (self->scene != NULL && visible != NULL)
    self->visible = g_memdup2 (visible, emb_scene_n_rows (self->scene));
  if (self->hover >= 0 && self->visible != NULL && !self->visible[self->hover])
    self->hover = -1;
  _emb_plot_view_rebuild_layout (self);
  _emb_plot_view_start_render (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
emb_plot_view_get_state (EmbPlotView  *self,
                         EmbPlotState *state)
{
  g_return_if_fail (EMB_IS_PLOT_VIEW (self));
  g_return_if_fail (state != NULL);

  *state = (EmbPlotState) { .selected = -1 };
  state->theme = _emb_plot_view_is_dark (self) ? EMB_THEME_DARK : EMB_THEME_LIGHT;
  state->n_token_labels = emb_label_budget (self->label_density);
  if (self->layout == NULL || self->scene == NULL)
    return;

  state->xs = self->layout->xs;
  state->ys = self->layout->ys;
  state->n = self->layout->n;
  state->vocab = self->scene->dataset->vocab;
  state->x_component = self->x_component;
  state->y_component = self->y_component;
  /* A map's axes have no variance to name. */
  state->explained = self->map != NULL ? NULL : self->scene->pca->explained_variance_ratio;
  state->category = self->category;
  state->palette = self->palette;
  state->n_palette = self->n_palette;
  if (self->cluster_names->len > 0)
    {
      state->cluster_labels = (const char * const *) self->cluster_names->pdata;
      state->cluster_xy = (const float *) self->cluster_xy->data;
      state->n_cluster_labels = self->cluster_names->len;
    }
  state->visible = self->visible;
  state->selected = self->selection;
  state->neighbors = (const gsize *) self->neighbors->data;
  state->n_neighbors = self->neighbors->len;
  state->matches = (const gsize *) self->matches->data;
  state->n_matches = self->matches->len;
  if (self->analogy->len >= 4)
    {
      state->analogy = (const gsize *) self->analogy->data;
      state->n_analogy = 4;
    }
  state->view = self->view;
}
