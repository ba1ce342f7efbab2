/* emb-window-sidebar.c: the neighbour list, search results, analogies.
 *
 * Every query runs in a worker thread through core's _async calls (a
 * neighbour query over a big LLM table reads gigabytes); a newer query
 * cancels the older one.
 */
#include "config.h"

#include <string.h>

#include "emb-window-private.h"

#define MAX_SEARCH_ROWS 500

typedef enum
{
  QUERY_NEIGHBORS,
  QUERY_ANALOGY,
} QueryKind;

/* A query or search on its way: the window is kept and the application
 * held until the callback; what it ran on is kept to tell a stale answer. */
typedef struct
{
  EmbWindow    *self;
  GApplication *app;
  GCancellable *cancellable;
  EmbScene     *scene;
  QueryKind     kind;
  gsize         ids[3];
  gboolean      activate;   /* a search: select the best match */
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
clear_list (GtkListBox *list)
{
  GtkListBoxRow *row;

  /* gtk_list_box_remove_all is newer than GTK 4.8; rows only, so the
   * placeholder stays. */
  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

/* A row: rank, token, score; activating it selects the token. */
static GtkWidget *
token_row (EmbWindow  *self,
           guint       rank,
           gsize       id,
           const char *score)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  g_autofree char *rank_text = g_strdup_printf ("%u", rank);
  GtkWidget *rank_label = gtk_label_new (rank_text);
  GtkWidget *token = gtk_label_new (emb_vocab_display (self->scene->dataset->vocab, id));
  g_autofree char *tip = g_strdup_printf ("#%" G_GSIZE_FORMAT, id);

  gtk_widget_add_css_class (rank_label, "dim-label");
  gtk_widget_add_css_class (rank_label, "numeric");
  gtk_label_set_width_chars (GTK_LABEL (rank_label), 3);
  gtk_label_set_xalign (GTK_LABEL (rank_label), 1);
  gtk_label_set_xalign (GTK_LABEL (token), 0);
  gtk_label_set_ellipsize (GTK_LABEL (token), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (token), TRUE);
  gtk_widget_set_hexpand (token, TRUE);
  gtk_widget_set_name (token, "token");
  gtk_box_append (GTK_BOX (box), rank_label);
  gtk_box_append (GTK_BOX (box), token);
  if (score != NULL)
    {
      GtkWidget *score_label = gtk_label_new (score);
      gtk_widget_add_css_class (score_label, "numeric");
      gtk_widget_add_css_class (score_label, "dim-label");
      gtk_widget_set_name (score_label, "score");
      gtk_box_append (GTK_BOX (box), score_label);
    }
  gtk_widget_set_tooltip_text (row, tip);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "row-id", GSIZE_TO_POINTER (id + 1));
  return row;
}

static void
fill_neighbor_list (EmbWindow   *self,
                    GtkListBox  *list,
                    const EmbNeighbor *nb,
                    gsize        n)
{
  clear_list (list);
  for (gsize i = 0; i < n; i++)
    {
      char score[32];
      g_snprintf (score, sizeof score, "%.4f", nb[i].score);
      gtk_list_box_append (list, token_row (self, i + 1, nb[i].id, score));
    }
}

static void
set_placeholder (GtkListBox *list,
                 const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "placeholder");
  gtk_list_box_set_placeholder (list, label);
}

static EmbMetric
selected_metric (EmbWindow *self)
{
  switch (gtk_drop_down_get_selected (self->metric_dropdown))
    {
    case 1: return EMB_METRIC_EUCLIDEAN;
    case 2: return EMB_METRIC_DOT;
    default: return EMB_METRIC_COSINE;
    }
}

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  EmbWindow *self = call->self;
  g_autoptr(GArray) out = NULL;

  if (call->kind == QUERY_NEIGHBORS)
    out = emb_scene_neighbors_finish (result, NULL);
  else
    out = emb_scene_analogy_finish (result, NULL);
  /* Superseded: a newer query or file has taken over, or the window closed. */
  if (self->disposed || out == NULL || g_cancellable_is_cancelled (call->cancellable) ||
      call->scene != self->scene)
    return;

  if (call->kind == QUERY_NEIGHBORS)
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gsize));

      if ((gssize) call->ids[0] != emb_plot_view_get_selection (self->plot))
        return;
      g_array_set_size (self->neighbors, 0);
      g_array_append_vals (self->neighbors, out->data, out->len);
      fill_neighbor_list (self, self->neighbor_list, (EmbNeighbor *) out->data, out->len);
      for (guint i = 0; i < out->len; i++)
        g_array_append_val (ids, g_array_index (out, EmbNeighbor, i).id);
      emb_plot_view_set_selection (self->plot, call->ids[0], (gsize *) ids->data, ids->len);
    }
  else
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gsize));
      g_autofree char *status = NULL;

      fill_neighbor_list (self, self->analogy_list, (EmbNeighbor *) out->data, out->len);
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
search_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  EmbWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = emb_search_tokens_finish (result, &error);
  g_autofree char *count = NULL;

  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      call->scene != self->scene)
    return;

  clear_list (self->search_list);
  g_array_set_size (self->matches, 0);
  if (ids == NULL)
    {
      gtk_label_set_text (self->search_count, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->search_entry), "error");
      emb_plot_view_set_matches (self->plot, NULL, 0);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
  g_array_append_vals (self->matches, ids->data, ids->len);
  for (guint i = 0; i < ids->len && i < MAX_SEARCH_ROWS; i++)
    gtk_list_box_append (self->search_list, token_row (self, i + 1, g_array_index (ids, gsize, i), NULL));
  if (ids->len > MAX_SEARCH_ROWS)
    count = g_strdup_printf ("%'u matches (first %d listed)", ids->len, MAX_SEARCH_ROWS);
  else
    count = g_strdup_printf (ids->len == 1 ? "%'u match" : "%'u matches", ids->len);
  gtk_label_set_text (self->search_count, count);
  emb_plot_view_set_matches (self->plot, (gsize *) ids->data, ids->len);
  gtk_stack_set_visible_child_name (self->side_stack, "search");

  if (call->activate && ids->len > 0)
    emb_window_select (self, g_array_index (ids, gsize, 0));
}

static void
start_search (EmbWindow *self,
              gboolean   activate)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  Call *call;
  gboolean regex = gtk_toggle_button_get_active (self->regex_button);

  /* The entry reports a change a moment after typing stops; when Enter
   * came first, the search it started (which selects the best match) is
   * already for this text: let it finish. */
  if (!activate && self->search_last != NULL && g_str_equal (self->search_last, text) &&
      self->search_last_regex == regex)
    return;
  g_free (self->search_last);
  self->search_last = g_strdup (text);
  self->search_last_regex = regex;

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  self->search_cancellable = g_cancellable_new ();

  if (self->scene == NULL)
    return;
  if (text[0] == '\0')
    {
      clear_list (self->search_list);
      g_array_set_size (self->matches, 0);
      gtk_label_set_text (self->search_count, "");
      gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
      emb_plot_view_set_matches (self->plot, NULL, 0);
      return;
    }

  call = call_new (self, self->search_cancellable);
  call->activate = activate;
  emb_search_tokens_async (self->scene->dataset->vocab, text, regex, self->search_cancellable,
                           search_done, call);
}

static void
metric_or_k_changed_cb (EmbWindow *self)
{
  if (self->settings != NULL)
    {
      static const char * const names[] = { "cosine", "euclidean", "dot" };
      guint m = gtk_drop_down_get_selected (self->metric_dropdown);
      g_settings_set_string (self->settings, "metric", names[MIN (m, 2u)]);
      g_settings_set_int (self->settings, "neighbor-count", gtk_spin_button_get_value_as_int (self->k_spin));
    }
  _emb_window_requery (self);
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
  set_placeholder (self->neighbor_list, "Click a point or search for a token to see its nearest neighbours.");
  set_placeholder (self->search_list, "Type in the search bar (Ctrl+F) to find tokens.");
  set_placeholder (self->analogy_list, "A − B + C: which tokens are nearest?");
  if (self->settings != NULL)
    {
      g_autofree char *metric = g_settings_get_string (self->settings, "metric");
      gtk_drop_down_set_selected (self->metric_dropdown,
                                  g_str_equal (metric, "euclidean") ? 1 : g_str_equal (metric, "dot") ? 2 : 0);
      gtk_spin_button_set_value (self->k_spin, g_settings_get_int (self->settings, "neighbor-count"));
    }
  g_signal_connect_object (self->metric_dropdown, "notify::selected",
                           G_CALLBACK (metric_or_k_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->k_spin, "value-changed",
                           G_CALLBACK (metric_or_k_changed_cb), self, G_CONNECT_SWAPPED);
  _emb_window_sidebar_reset (self);
}

void
_emb_window_sidebar_reset (EmbWindow *self)
{
  g_cancellable_cancel (self->query_cancellable);
  clear_list (self->neighbor_list);
  clear_list (self->analogy_list);
  g_array_set_size (self->neighbors, 0);
  g_array_set_size (self->history, 0);
  self->history_pos = 0;
  gtk_label_set_text (self->selected_label, "No token selected");
  gtk_label_set_text (self->selected_info, "");
  gtk_label_set_text (self->analogy_status, "");
  /* A new file: search it again for what the entry holds. */
  g_clear_pointer (&self->search_last, g_free);
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
  GCancellable *cancellable;
  g_autofree char *info = NULL;
  Call *call;
  gsize n;

  if (self->scene == NULL)
    return;
  n = emb_scene_n_rows (self->scene);
  if (id < 0 || (gsize) id >= n)
    {
      emb_plot_view_set_selection (self->plot, -1, NULL, 0);
      g_array_set_size (self->neighbors, 0);
      clear_list (self->neighbor_list);
      gtk_label_set_text (self->selected_label, "No token selected");
      gtk_label_set_text (self->selected_info, "");
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

  gtk_label_set_text (self->selected_label, emb_vocab_display (self->scene->dataset->vocab, id));
  info = g_strdup_printf ("#%" G_GSSIZE_FORMAT "  ·  PC1 %.3g, PC2 %.3g", id,
                          self->scene->coords[id * self->scene->n_components],
                          self->scene->coords[id * self->scene->n_components + (self->scene->n_components > 1)]);
  gtk_label_set_text (self->selected_info, info);
  gtk_stack_set_visible_child_name (self->side_stack, "neighbors");

  /* Highlight now; neighbours follow when the query ends. */
  emb_plot_view_set_selection (self->plot, id, NULL, 0);
  g_array_set_size (self->neighbors, 0);

  cancellable = renew_query_cancellable (self);
  call = call_new (self, cancellable);
  call->kind = QUERY_NEIGHBORS;
  call->ids[0] = id;
  emb_scene_neighbors_async (self->scene, id, selected_metric (self),
                             gtk_spin_button_get_value_as_int (self->k_spin),
                             cancellable, query_done, call);
  _emb_window_update_actions (self);
}

void
_emb_window_requery (EmbWindow *self)
{
  gssize sel = emb_plot_view_get_selection (self->plot);

  if (sel >= 0)
    _emb_window_show_selection (self, sel, FALSE);
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
  call->kind = QUERY_ANALOGY;
  call->ids[0] = a;
  call->ids[1] = b;
  call->ids[2] = c;
  emb_scene_analogy_async (self->scene, a, b, c, 20, cancellable, query_done, call);
}
