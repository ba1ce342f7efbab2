/* emb-window-sidebar.c: the sidebar: neighbours, search results, analogies.
 *
 * Each list is a panel widget of its own (panels/) that runs its query
 * through core's _async calls; this file wires them to the selection
 * history, the search bar and the window's actions.
 */
#include "config.h"

#include "emb-window-private.h"

/* auxiliary functions */

static void
start_search (EmbWindow *self,
              gboolean   activate)
{
  emb_search_panel_search (self->search_panel,
                           gtk_editable_get_text (GTK_EDITABLE (self->search_entry)),
                           gtk_toggle_button_get_active (self->regex_button),
                           activate);
}

/* internal API */

void
_emb_window_sidebar_init (EmbWindow *self)
{
  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "metric", self->neighbors_panel, "metric", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "neighbor-count", self->neighbors_panel, "k", G_SETTINGS_BIND_DEFAULT);
    }
  _emb_window_sidebar_reset (self);
}

void
_emb_window_sidebar_reset (EmbWindow *self)
{
  g_array_set_size (self->neighbors, 0);
  g_array_set_size (self->history, 0);
  self->history_pos = 0;
  emb_neighbors_panel_set_scene (self->neighbors_panel, self->scene);
  emb_analogy_panel_set_scene (self->analogy_panel, self->scene);
  emb_map_panel_set_scene (self->map_panel, self->scene);
  /* A new file: search it again for what the entry holds. */
  emb_search_panel_set_scene (self->search_panel, self->scene);
  start_search (self, FALSE);
}

void
_emb_window_update_actions (EmbWindow *self)
{
  gboolean have = self->scene != NULL;
  gboolean selected = have && emb_plot_view_get_selection (self->plot) >= 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", have && self->history_pos > 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.forward", have && self->history_pos < self->history->len);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.fly-to", selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-neighbors", selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.recluster", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-view", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-load",
                                 self->load_cancellable != NULL || emb_color_panel_is_clustering (self->color_panel) ||
                                 emb_map_panel_is_running (self->map_panel));
  /* Nothing open and nothing on its way (the first file was bad, or its
   * load was cancelled): say how to open one. */
  gtk_widget_set_visible (self->empty_state, !have && self->load_cancellable == NULL);
}

/* history holds the ids visited; history_pos is one past the current. */
void
_emb_window_show_selection (EmbWindow *self,
                            gssize     id,
                            gboolean   add_to_history)
{
  gsize n;

  if (self->scene == NULL)
    return;
  n = emb_scene_n_rows (self->scene);
  g_array_set_size (self->neighbors, 0);
  if (id < 0 || (gsize) id >= n)
    {
      emb_plot_view_set_selection (self->plot, -1, NULL, 0);
      emb_neighbors_panel_set_selected (self->neighbors_panel, -1);
      _emb_window_update_actions (self);
      return;
    }

  if (add_to_history)
    {
      g_array_set_size (self->history, self->history_pos);
      if (self->history_pos == 0 || g_array_index (self->history, gssize, self->history_pos - 1) != id)
        {
          g_array_append_val (self->history, id);
          self->history_pos = self->history->len;
        }
    }

  gtk_stack_set_visible_child_name (self->side_stack, "neighbors");
  /* Highlight now; neighbours follow when the panel's query ends. */
  emb_plot_view_set_selection (self->plot, id, NULL, 0);
  emb_neighbors_panel_set_selected (self->neighbors_panel, id);
  _emb_window_update_actions (self);
}

void
_emb_window_history_move (EmbWindow *self,
                          int        delta)
{
  gssize target = (gssize) self->history_pos + delta;

  if (target < 1 || target > (gssize) self->history->len)
    return;
  self->history_pos = target;
  _emb_window_show_selection (self, g_array_index (self->history, gssize, target - 1), FALSE);
}

void
_emb_window_search_changed (EmbWindow *self)
{
  start_search (self, FALSE);
}

void
_emb_window_search_activate (EmbWindow *self)
{
  start_search (self, TRUE);
}
