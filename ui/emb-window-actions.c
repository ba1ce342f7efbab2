/* emb-window-actions.c: the window's actions (win.*) and their keyboard
 * shortcuts, installed on the class by _emb_window_class_add_actions. */
#include "config.h"

#include "emb-window-private.h"

/* auxiliary functions */

static void
open_file_response_cb (GtkNativeDialog *dialog,
                       int              response,
                       EmbWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      if (path != NULL)
        emb_window_open (self, path);
    }
  g_object_unref (dialog);
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char * const *patterns)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

/* actions */

static void
open_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  EmbWindow *self = EMB_WINDOW (widget);
  GtkFileChooserNative *dialog;
  GtkFileChooser *chooser;

  dialog = gtk_file_chooser_native_new ("Open an Embedding", GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  chooser = GTK_FILE_CHOOSER (dialog);
  add_filter (chooser, "All embedding files",
              (const char * const[]) { "*.txt", "*.vec", "*.bin", "*.npy", "*.tsv", "*.bytes", "*.json", NULL });
  add_filter (chooser, "GloVe and word2vec text (*.txt, *.vec)", (const char * const[]) { "*.txt", "*.vec", NULL });
  add_filter (chooser, "word2vec binary (*.bin)", (const char * const[]) { "*.bin", NULL });
  add_filter (chooser, "NumPy arrays (*.npy)", (const char * const[]) { "*.npy", NULL });
  add_filter (chooser, "TensorBoard projector (*.tsv, *.bytes, *.json)",
              (const char * const[]) { "*.tsv", "*.bytes", "*.json", NULL });
  add_filter (chooser, "All files", (const char * const[]) { "*", NULL });
  g_signal_connect (dialog, "response", G_CALLBACK (open_file_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Recent files are kept as paths; a path that is not UTF-8 (settings
 * strings must be) is kept as its file:// URI, which is ASCII. */
char *
_emb_window_recent_path (const char *entry)
{
  char *path = g_str_has_prefix (entry, "file://") ? g_filename_from_uri (entry, NULL, NULL) : NULL;

  return path != NULL ? path : g_strdup (entry);
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  g_autofree char *path = _emb_window_recent_path (g_variant_get_string (param, NULL));

  emb_window_open (EMB_WINDOW (widget), path);
}

static void
open_sample_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  emb_window_open (EMB_WINDOW (widget), EMB_SAMPLE_NAME);
}

static void
cancel_load_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  EmbWindow *self = EMB_WINDOW (widget);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  emb_color_panel_cancel (self->color_panel);
  emb_map_panel_stop (self->map_panel);
}

/* win.projection "pca" | "tsne" | "umap": the map panel in view, the
 * method chosen (a map runs, or comes from the cache). */
static void
projection_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *param)
{
  EmbWindow *self = EMB_WINDOW (widget);
  EmbProjectionMethod method;

  if (!emb_projection_method_from_string (g_variant_get_string (param, NULL), &method))
    return;
  gtk_stack_set_visible_child_name (self->side_stack, "map");
  emb_map_panel_set_method (self->map_panel, method);
}

static void
map_pause_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  EmbWindow *self = EMB_WINDOW (widget);

  /* Toggles: the panel's button shows which. */
  emb_map_panel_toggle_pause (self->map_panel);
}

static void
recluster_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  emb_color_panel_recluster (EMB_WINDOW (widget)->color_panel);
}

static void
export_action (GtkWidget  *widget,
               const char *name,
               GVariant   *param)
{
  _emb_window_export (EMB_WINDOW (widget));
}

static void
export_file_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  _emb_window_export_to (EMB_WINDOW (widget), g_variant_get_string (param, NULL));
}

static void
export_neighbors_action (GtkWidget  *widget,
                         const char *name,
                         GVariant   *param)
{
  _emb_window_export_neighbors (EMB_WINDOW (widget));
}

static void
search_action (GtkWidget  *widget,
               const char *name,
               GVariant   *param)
{
  EmbWindow *self = EMB_WINDOW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
search_text_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  EmbWindow *self = EMB_WINDOW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), g_variant_get_string (param, NULL));
  _emb_window_search_changed (self);
}

static void
select_token_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  EmbWindow *self = EMB_WINDOW (widget);
  gsize id;

  if (self->scene == NULL)
    return;
  if (emb_vocab_lookup (self->scene->dataset->vocab, g_variant_get_string (param, NULL), &id))
    emb_window_select (self, id);
}

static void
select_row_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *param)
{
  emb_window_select (EMB_WINDOW (widget), (gssize) g_variant_get_uint64 (param));
}

static void
back_action (GtkWidget *widget, const char *name, GVariant *param)
{
  _emb_window_history_move (EMB_WINDOW (widget), -1);
}

static void
forward_action (GtkWidget *widget, const char *name, GVariant *param)
{
  _emb_window_history_move (EMB_WINDOW (widget), 1);
}

static void
fly_to_action (GtkWidget *widget, const char *name, GVariant *param)
{
  EmbWindow *self = EMB_WINDOW (widget);
  gssize sel = emb_plot_view_get_selection (self->plot);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gsize));

  if (sel < 0)
    return;
  g_array_append_val (ids, sel);
  for (guint i = 0; i < self->neighbors->len; i++)
    g_array_append_val (ids, g_array_index (self->neighbors, EmbNeighbor, i).id);
  emb_plot_view_fly_to (self->plot, (gsize *) ids->data, ids->len);
}

static void
reset_view_action (GtkWidget *widget, const char *name, GVariant *param)
{
  emb_plot_view_reset_view (EMB_WINDOW (widget)->plot);
}

static void
analogy_action (GtkWidget *widget, const char *name, GVariant *param)
{
  EmbWindow *self = EMB_WINDOW (widget);

  gtk_stack_set_visible_child_name (self->side_stack, "analogy");
  emb_analogy_panel_focus (self->analogy_panel);
}

/* internal API */

void
_emb_window_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.open-sample", NULL, open_sample_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, cancel_load_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.search-text", "s", search_text_action);
  gtk_widget_class_install_action (widget_class, "win.select-token", "s", select_token_action);
  gtk_widget_class_install_action (widget_class, "win.select-row", "t", select_row_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "win.forward", NULL, forward_action);
  gtk_widget_class_install_action (widget_class, "win.fly-to", NULL, fly_to_action);
  gtk_widget_class_install_action (widget_class, "win.reset-view", NULL, reset_view_action);
  gtk_widget_class_install_action (widget_class, "win.analogy", NULL, analogy_action);
  gtk_widget_class_install_action (widget_class, "win.projection", "s", projection_action);
  gtk_widget_class_install_action (widget_class, "win.map-pause", NULL, map_pause_action);
  gtk_widget_class_install_action (widget_class, "win.recluster", NULL, recluster_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.export-file", "s", export_file_action);
  gtk_widget_class_install_action (widget_class, "win.export-neighbors", NULL, export_neighbors_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, GDK_ALT_MASK, "win.forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.fly-to", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.reset-view", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "win.reset-view", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.analogy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel-load", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "win.projection", "s", "pca");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK, "win.projection", "s", "tsne");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_CONTROL_MASK, "win.projection", "s", "umap");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.map-pause", NULL);
}
