/* emb-window-sidebar.c: the neighbour list, search results, analogies.
 *
 * Every query runs in a worker thread (a neighbour query over a big LLM
 * table reads gigabytes); a newer query cancels the older one.
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

typedef struct
{
  QueryKind  kind;
  EmbScene  *scene;
  EmbMetric  metric;
  gsize      k;
  gsize      ids[3];
} QueryJob;

typedef struct
{
  EmbScene *scene;
  char     *text;
  gboolean  regex;
} SearchJob;

/* auxiliary functions */

static void
query_job_free (QueryJob *job)
{
  emb_scene_unref (job->scene);
  g_free (job);
}

static void
search_job_free (SearchJob *job)
{
  emb_scene_unref (job->scene);
  g_free (job->text);
  g_free (job);
}

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
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  QueryJob *job = task_data;
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (EmbNeighbor), job->k);
  gsize n;

  g_array_set_size (out, job->k);
  if (job->kind == QUERY_NEIGHBORS)
    n = emb_knn_query_row (job->scene->knn, job->ids[0], job->metric, job->k,
                           (EmbNeighbor *) out->data);
  else
    n = emb_knn_analogy (job->scene->knn, job->ids[0], job->ids[1], job->ids[2], job->k,
                         (EmbNeighbor *) out->data);
  g_array_set_size (out, n);
  g_task_return_pointer (task, out, (GDestroyNotify) g_array_unref);
}

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  EmbWindow *self = EMB_WINDOW (source);
  QueryJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GArray) out = g_task_propagate_pointer (G_TASK (result), NULL);

  self->busy--;
  /* Superseded: a newer query or file has taken over, or the window closed. */
  if (self->disposed || out == NULL || g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))) ||
      job->scene != self->scene)
    return;

  if (job->kind == QUERY_NEIGHBORS)
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gsize));

      if ((gssize) job->ids[0] != emb_plot_view_get_selection (self->plot))
        return;
      g_array_set_size (self->neighbors, 0);
      g_array_append_vals (self->neighbors, out->data, out->len);
      fill_neighbor_list (self, self->neighbor_list, (EmbNeighbor *) out->data, out->len);
      for (guint i = 0; i < out->len; i++)
        g_array_append_val (ids, g_array_index (out, EmbNeighbor, i).id);
      emb_plot_view_set_selection (self->plot, job->ids[0], (gsize *) ids->data, ids->len);
    }
  else
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gsize));
      g_autofree char *status = NULL;

      fill_neighbor_list (self, self->analogy_list, (EmbNeighbor *) out->data, out->len);
      for (guint i = 0; i < out->len; i++)
        g_array_append_val (ids, g_array_index (out, EmbNeighbor, i).id);
      emb_plot_view_set_analogy (self->plot, job->ids[0], job->ids[1], job->ids[2],
                                 (gsize *) ids->data, ids->len);
      if (out->len > 0)
        status = g_strdup_printf ("%s − %s + %s ≈ %s",
                                  emb_vocab_display (self->scene->dataset->vocab, job->ids[0]),
                                  emb_vocab_display (self->scene->dataset->vocab, job->ids[1]),
                                  emb_vocab_display (self->scene->dataset->vocab, job->ids[2]),
                                  emb_vocab_display (self->scene->dataset->vocab,
                                                     g_array_index (out, EmbNeighbor, 0).id));
      gtk_label_set_text (self->analogy_status, status != NULL ? status : "");
    }
}

static void
run_query (EmbWindow *self,
           QueryJob  *job)
{
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (self->query_cancellable);
  g_clear_object (&self->query_cancellable);
  self->query_cancellable = g_cancellable_new ();

  task = g_task_new (self, self->query_cancellable, query_done, NULL);
  g_task_set_source_tag (task, run_query);
  g_task_set_task_data (task, job, (GDestroyNotify) query_job_free);
  self->busy++;
  _emb_window_run_task (self, task, query_thread);
}

static void
search_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SearchJob *job = task_data;
  GError *error = NULL;
  GArray *ids = emb_search_tokens (job->scene->dataset->vocab, job->text, job->regex, cancellable, &error);

  if (ids == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

static void
search_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  EmbWindow *self = EMB_WINDOW (source);
  SearchJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *count = NULL;

  self->busy--;
  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      job->scene != self->scene)
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

  if (g_object_get_data (G_OBJECT (result), "activate") != NULL && ids->len > 0)
    emb_window_select (self, g_array_index (ids, gsize, 0));
}

static void
start_search (EmbWindow *self,
              gboolean   activate)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GTask) task = NULL;
  SearchJob *job;
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

  job = g_new0 (SearchJob, 1);
  job->scene = emb_scene_ref (self->scene);
  job->text = g_strdup (text);
  job->regex = regex;

  task = g_task_new (self, self->search_cancellable, search_done, NULL);
  g_task_set_source_tag (task, start_search);
  g_task_set_task_data (task, job, (GDestroyNotify) search_job_free);
  if (activate)
    g_object_set_data (G_OBJECT (task), "activate", GINT_TO_POINTER (1));
  self->busy++;
  _emb_window_run_task (self, task, search_thread);
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
  QueryJob *job;
  g_autofree char *info = NULL;
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

  job = g_new0 (QueryJob, 1);
  job->kind = QUERY_NEIGHBORS;
  job->scene = emb_scene_ref (self->scene);
  job->metric = selected_metric (self);
  job->k = MIN ((gsize) gtk_spin_button_get_value_as_int (self->k_spin), n - 1);
  job->ids[0] = id;
  run_query (self, job);
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
  QueryJob *job;
  gsize a, b, c;

  if (self->scene == NULL)
    return;
  if (!resolve_entry (self, self->analogy_a, &a) ||
      !resolve_entry (self, self->analogy_b, &b) ||
      !resolve_entry (self, self->analogy_c, &c))
    return;
  if (emb_scene_n_rows (self->scene) <= 3)
    return;
  job = g_new0 (QueryJob, 1);
  job->kind = QUERY_ANALOGY;
  job->scene = emb_scene_ref (self->scene);
  job->k = MIN (20, emb_scene_n_rows (self->scene) - 3);
  job->ids[0] = a;
  job->ids[1] = b;
  job->ids[2] = c;
  gtk_label_set_text (self->analogy_status, "");
  run_query (self, job);
}
