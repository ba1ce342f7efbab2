/* emb-window-sidebar.c: the neighbour list, search results, analogies.
 *
 * Every query runs in a worker thread through core's _async calls (a
 * neighbour query over a big LLM table reads gigabytes); a newer query
 * cancels the older one.
 */
#include "config.h"

#include <string.h>

#include "emb-window-private.h"
#include "panels/emb-panel-util.h"


/* A query or search on its way: the window is kept and the application
 * held until the callback; what it ran on is kept to tell a stale answer. */
typedef struct
{
  EmbWindow    *self;
  GApplication *app;
  GCancellable *cancellable;
  EmbScene     *scene;
  gsize         ids[3];
} Call;

/* auxiliary functions */

static Call *
call_new (EmbWindow    *self,
          GCancellable *cancellable)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->app = _emb_window_hold_app (self);
  call->cancellable = g_object_ref (cancellable);
  call->scene = emb_scene_ref (self->scene);
  self->busy++;
  return call;
}

static void
call_free (Call *call)
{
  call->self->busy--;
  _emb_window_release_app (call->app);
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  emb_scene_unref (call->scene);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

static void
analogy_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  EmbWindow *self = call->self;
  g_autoptr(GArray) out = emb_scene_analogy_finish (result, NULL);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autofree char *status = NULL;
  /* Superseded: a newer query or file has taken over, or the window closed. */
  if (self->disposed || out == NULL || g_cancellable_is_cancelled (call->cancellable) ||
      call->scene != self->scene)
    return;


  emb_token_list_show_neighbors (self->analogy_list, self->scene->dataset->vocab, (EmbNeighbor *) out->data, out->len);
  for (guint i = 0; i < out->len; i++)
    g_array_append_val (ids, g_array_index (out, EmbNeighbor, i).id);
  emb_plot_view_set_analogy (self->plot, call->ids[0], call->ids[1], call->ids[2],
                             (gsize *) ids->data, ids->len);
  if (out->len > 0)
    status = g_strdup_printf ("%s − %s + %s ≈ %s",
                              emb_vocab_display (self->scene->dataset->vocab, call->ids[0]),
                              emb_vocab_display (self->scene->dataset->vocab, call->ids[1]),
                              emb_vocab_display (self->scene->dataset->vocab, call->ids[2]),
                              emb_vocab_display (self->scene->dataset->vocab,
                                                 g_array_index (out, EmbNeighbor, 0).id));
  gtk_label_set_text (self->analogy_status, status != NULL ? status : "");
}

/* A new query cancels the one before. */
static GCancellable *
renew_query_cancellable (EmbWindow *self)
{
  g_cancellable_cancel (self->query_cancellable);
  g_clear_object (&self->query_cancellable);
  self->query_cancellable = g_cancellable_new ();
  return self->query_cancellable;
}

static void
start_search (EmbWindow *self,
              gboolean   activate)
{
  emb_search_panel_search (self->search_panel,
                           gtk_editable_get_text (GTK_EDITABLE (self->search_entry)),
                           gtk_toggle_button_get_active (self->regex_button),
                           activate);
}

static gboolean
resolve_entry (EmbWindow *self,
               GtkEntry  *entry,
               gsize     *id)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  if (text[0] == '\0')
    text = gtk_entry_get_placeholder_text (entry);
  if (emb_vocab_lookup (self->scene->dataset->vocab, text, id))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
      return TRUE;
    }
  gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
  {
    g_autofree char *msg = g_strdup_printf ("“%s” is not in the vocabulary.", text);
    gtk_label_set_text (self->analogy_status, msg);
  }
  return FALSE;
}

/* internal API */

void
_emb_window_sidebar_init (EmbWindow *self)
{
  emb_token_list_set_placeholder (self->analogy_list, "A − B + C: which tokens are nearest?");
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
  g_cancellable_cancel (self->query_cancellable);
  emb_token_list_clear (self->analogy_list);
  g_array_set_size (self->neighbors, 0);
  g_array_set_size (self->history, 0);
  self->history_pos = 0;
  emb_neighbors_panel_set_scene (self->neighbors_panel, self->scene);
  gtk_label_set_text (self->analogy_status, "");
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
                                 self->load_cancellable != NULL || self->cluster_cancellable != NULL);
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

void
_emb_window_run_analogy (EmbWindow *self)
{
  GCancellable *cancellable;
  Call *call;
  gsize a, b, c;

  if (self->scene == NULL)
    return;
  if (!resolve_entry (self, self->analogy_a, &a) ||
      !resolve_entry (self, self->analogy_b, &b) ||
      !resolve_entry (self, self->analogy_c, &c))
    return;
  if (emb_scene_n_rows (self->scene) <= 3)
    return;
  gtk_label_set_text (self->analogy_status, "");
  cancellable = renew_query_cancellable (self);
  call = call_new (self, cancellable);
  call->ids[0] = a;
  call->ids[1] = b;
  call->ids[2] = c;
  emb_scene_analogy_async (self->scene, a, b, c, 20, cancellable, analogy_done, call);
}
