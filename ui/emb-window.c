/* emb-window.c: construction, opening files, the view bar and settings,
 * and the wiring of the panels' signals.  The actions are in
 * emb-window-actions.c, the sidebar's wiring in emb-window-sidebar.c; the
 * colouring is the colour panel's, pushed onto the plot here.
 */
#include "config.h"

#include "base/emb-error.h"
#include "emb-window-private.h"
#include "panels/emb-panel-util.h"

#define MAX_RECENT 8

G_DEFINE_FINAL_TYPE (EmbWindow, emb_window, GTK_TYPE_APPLICATION_WINDOW)

/* A load on its way: the window is kept (its progress field is written by
 * the loader thread) and the application held until the callback. */
typedef struct
{
  EmbWindow    *self;
  GApplication *app;
  GCancellable *cancellable;
  char         *path;
} LoadCall;

/* The choices a file with nan or inf values offers. */
enum
{
  RESPONSE_NAN_ZERO = 1,
  RESPONSE_NAN_DROP = 2,
};

static void open_with_policy (EmbWindow    *self,
                              const char   *path,
                              EmbNanPolicy  nan_policy);
static void load_call_free   (LoadCall     *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadCall, load_call_free)

/* auxiliary functions */

static void
load_call_free (LoadCall *call)
{
  emb_panel_release_app (call->app);
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  g_free (call->path);
  g_free (call);
}

static char *
display_name (const char *path)
{
  if (g_str_equal (path, EMB_SAMPLE_NAME))
    return g_strdup ("Sample: 20,000 GloVe words");
  return g_filename_display_basename (path);
}

void
_emb_window_show_error (EmbWindow  *self,
                        const char *primary,
                        const char *secondary)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                              "%s", primary);

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
  gtk_widget_add_css_class (dialog, "error-dialog");
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
update_recent_menu (EmbWindow *self)
{
  g_auto(GStrv) recent = NULL;

  g_menu_remove_all (self->recent_section);
  if (self->settings == NULL)
    return;
  recent = g_settings_get_strv (self->settings, "recent-files");
  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autofree char *path = _emb_window_recent_path (recent[i]);
      g_autofree char *label = g_filename_display_basename (path);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s", recent[i]);
      g_menu_append_item (self->recent_section, item);
    }
}

static void
add_recent (EmbWindow  *self,
            const char *path)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) recent = NULL;
  g_auto(GStrv) updated = NULL;
  g_autofree char *abs = NULL;
  guint n = 1;

  if (self->settings == NULL || g_str_equal (path, EMB_SAMPLE_NAME))
    return;
  abs = g_canonicalize_filename (path, NULL);
  if (!g_utf8_validate (abs, -1, NULL))
    {
      char *uri = g_filename_to_uri (abs, NULL, NULL);

      if (uri == NULL)
        return;
      g_free (abs);
      abs = uri;
    }
  recent = g_settings_get_strv (self->settings, "recent-files");
  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, abs);
  for (guint i = 0; recent[i] != NULL && n < MAX_RECENT; i++)
    if (!g_str_equal (recent[i], abs))
      {
        g_strv_builder_add (builder, recent[i]);
        n++;
      }
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-files", (const char * const *) updated);
}

static void
set_scene (EmbWindow *self,
           EmbScene  *scene)
{
  g_autofree char *name = NULL;

  g_clear_pointer (&self->scene, emb_scene_unref);
  self->scene = emb_scene_ref (scene);

  name = display_name (scene->dataset->path);
  gtk_label_set_text (self->title_label, name);
  gtk_window_set_title (GTK_WINDOW (self), name);
  {
    g_autofree char *sub = g_str_equal (scene->dataset->path, EMB_SAMPLE_NAME)
                           ? g_strdup ("bundled with EmbedLens")
                           : g_filename_display_name (scene->dataset->path);
    gtk_label_set_text (self->subtitle_label, sub);
    gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), TRUE);
  }

  _emb_window_watch (self, scene->dataset->path);
  emb_plot_view_set_scene (self->plot, scene);
  _emb_window_fill_axes (self);
  emb_color_panel_set_scene (self->color_panel, scene);
  _emb_window_sidebar_reset (self);
  _emb_window_set_status (self);
  _emb_window_update_actions (self);
}

void
_emb_window_stop_progress (EmbWindow *self)
{
  g_clear_handle_id (&self->progress_timeout, g_source_remove);
  gtk_revealer_set_reveal_child (self->loading_revealer, FALSE);
}

static gboolean
progress_timeout_cb (gpointer user_data)
{
  EmbWindow *self = user_data;
  /* Clustering reports to the colour panel, a load to the window. */
  int permille = emb_color_panel_is_clustering (self->color_panel)
                 ? (int) (emb_color_panel_get_progress (self->color_panel) * 1000)
                 : g_atomic_int_get (&self->load_progress);
  const char *stage = g_object_get_data (G_OBJECT (self->loading_progress), "stage");
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->loading_revealer), TRUE);
  gtk_revealer_set_reveal_child (self->loading_revealer, TRUE);
  gtk_progress_bar_set_fraction (self->loading_progress, permille / 1000.0);
  /* A load reads, then computes; other work names itself. */
  if (stage == NULL)
    stage = permille < 850 ? "Reading…" : "Computing exact PCA…";
  text = g_strdup_printf ("%s %d%%", stage, permille / 10);
  gtk_progress_bar_set_text (self->loading_progress, text);
  gtk_progress_bar_set_show_text (self->loading_progress, TRUE);
  return G_SOURCE_CONTINUE;
}

/* Shows the progress card (after a moment, so quick work never flashes
 * it) with a title and the stage shown before the percentage (NULL: the
 * stages of loading a file). */
void
_emb_window_start_progress (EmbWindow  *self,
                            const char *title,
                            const char *stage)
{
  gtk_label_set_text (self->loading_label, title);
  g_object_set_data_full (G_OBJECT (self->loading_progress), "stage", g_strdup (stage), g_free);
  g_atomic_int_set (&self->load_progress, 0);
  gtk_progress_bar_set_fraction (self->loading_progress, 0);
  g_clear_handle_id (&self->progress_timeout, g_source_remove);
  self->progress_timeout = g_timeout_add (150, progress_timeout_cb, self);
  _emb_window_update_actions (self);
}

static gboolean
status_timeout_cb (gpointer user_data)
{
  EmbWindow *self = user_data;

  self->status_timeout = 0;
  _emb_window_set_status (self);
  return G_SOURCE_REMOVE;
}

/* A short message in the status line, then back to the usual text. */
void
_emb_window_flash_status (EmbWindow  *self,
                          const char *text)
{
  gtk_label_set_text (self->status_label, text);
  g_clear_handle_id (&self->status_timeout, g_source_remove);
  self->status_timeout = g_timeout_add_seconds (4, status_timeout_cb, self);
}

/* Called from the loader thread. */
static void
load_progress_cb (double   fraction,
                  gpointer user_data)
{
  EmbWindow *self = user_data;

  g_atomic_int_set (&self->load_progress, (int) (fraction * 1000));
}

static void
nan_choice_cb (GtkDialog *dialog,
               int        response,
               EmbWindow *self)
{
  g_autofree char *path = g_strdup (g_object_get_data (G_OBJECT (dialog), "path"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == RESPONSE_NAN_ZERO)
    open_with_policy (self, path, EMB_NAN_ZERO);
  else if (response == RESPONSE_NAN_DROP)
    open_with_policy (self, path, EMB_NAN_DROP);
}

/* nan or inf in the file: say where, and offer to read them as 0 or to
 * leave their rows out (the command line's --nan=zero and --nan=drop). */
static void
show_nan_choice (EmbWindow  *self,
                 const char *path,
                 const char *primary,
                 const char *message)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_NONE,
                                              "%s", primary);

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            "%s\n\nThe file holds values that are not numbers "
                                            "(nan) or are infinite. They can be read as 0, or "
                                            "the rows that hold them can be left out.",
                                            message);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog),
                          "_Cancel", GTK_RESPONSE_CANCEL,
                          "Read as _Zero", RESPONSE_NAN_ZERO,
                          "_Leave Rows Out", RESPONSE_NAN_DROP,
                          NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  gtk_widget_add_css_class (dialog, "error-dialog");
  g_object_set_data_full (G_OBJECT (dialog), "path", g_strdup (path), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (nan_choice_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(LoadCall) call = user_data;
  EmbWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbScene) scene = emb_scene_load_finish (result, &error);

  /* A newer load replaced this one: it owns the progress card now; or the
   * window was closed. */
  if (self->disposed || call->cancellable != self->load_cancellable)
    return;
  _emb_window_stop_progress (self);
  g_clear_object (&self->load_cancellable);
  _emb_window_update_actions (self);

  if (scene == NULL)
    {
      g_autofree char *name = display_name (call->path);
      g_autofree char *primary = g_strdup_printf ("Could not open “%s”", name);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_message ("%s", error->message);
      if (g_error_matches (error, EMB_ERROR, EMB_ERROR_NON_FINITE))
        show_nan_choice (self, call->path, primary, error->message);
      else
        _emb_window_show_error (self, primary, error->message);
      return;
    }
  add_recent (self, call->path);
  set_scene (self, scene);
}

/* callbacks */

/* The colour panel's colours, clusters and hidden rows, onto the plot. */
static void
clustering_changed_cb (EmbWindow *self)
{
  if (emb_color_panel_is_clustering (self->color_panel))
    _emb_window_start_progress (self, "Finding clusters", "Clustering…");
  else
    {
      _emb_window_stop_progress (self);
      _emb_window_update_actions (self);
    }
}

static void
axes_changed_cb (EmbWindow *self)
{
  guint ax = gtk_drop_down_get_selected (self->x_axis);
  guint ay = gtk_drop_down_get_selected (self->y_axis);

  if (self->scene == NULL || ax == GTK_INVALID_LIST_POSITION || ay == GTK_INVALID_LIST_POSITION)
    return;
  emb_plot_view_set_axes (self->plot, ax, ay);
  /* Cluster labels move to the new centroids. */
  _emb_window_refresh_colors (self);
  _emb_window_set_status (self);
}

static void
label_density_cb (EmbWindow *self)
{
  double v = gtk_adjustment_get_value (self->label_adjustment);

  emb_plot_view_set_label_density (self->plot, v);
  if (self->settings != NULL)
    g_settings_set_double (self->settings, "label-density", v);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         EmbWindow     *self)
{
  GSList *files;
  g_autofree char *path = NULL;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL)
    return FALSE;
  path = g_file_get_path (files->data);
  if (path == NULL)
    return FALSE;
  emb_window_open (self, path);
  return TRUE;
}

static void
search_changed_cb (EmbWindow *self)
{
  _emb_window_search_changed (self);
}

static void
search_activate_cb (EmbWindow *self)
{
  _emb_window_search_activate (self);
}

static void
search_stop_cb (EmbWindow *self)
{
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->plot));
}

static void
point_activated_cb (EmbWindow *self,
                    guint64    id)
{
  emb_window_select (self, (gssize) id);
}

static void
neighbor_row_activated_cb (EmbWindow     *self,
                           GtkListBoxRow *row)
{
  gsize id;

  if (emb_token_row_get_id (row, &id))
    emb_window_select (self, id);
}

static void
token_activated_cb (EmbWindow *self,
                    guint64    id)
{
  emb_window_select (self, (gssize) id);
}

/* The panel listed the selection's neighbours: ring them on the plot. */
static void
neighbors_changed_cb (EmbWindow *self)
{
  gint64 sel = emb_neighbors_panel_get_selected (self->neighbors_panel);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gsize));
  const EmbNeighbor *nb;
  gsize n;

  /* A query that read a changed file says so: the bar too. */
  _emb_window_check_file (self);
  if (sel < 0 || sel != emb_plot_view_get_selection (self->plot))
    return;
  nb = emb_neighbors_panel_get_neighbors (self->neighbors_panel, &n);
  g_array_set_size (self->neighbors, 0);
  g_array_append_vals (self->neighbors, nb, n);
  for (gsize i = 0; i < n; i++)
    g_array_append_val (ids, nb[i].id);
  emb_plot_view_set_selection (self->plot, sel, (gsize *) ids->data, ids->len);
}

/* A search finished (searched) or its list was cleared: mark the matches
 * on the plot, the entry red for a bad pattern. */
static void
search_matches_changed_cb (EmbWindow *self,
                           gboolean   searched)
{
  gsize n;
  const gsize *ids = emb_search_panel_get_matches (self->search_panel, &n);

  if (emb_search_panel_get_error (self->search_panel) != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->search_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->search_entry), "error");
  emb_plot_view_set_matches (self->plot, n > 0 ? ids : NULL, n);
  if (searched)
    gtk_stack_set_visible_child_name (self->side_stack, "search");
}

/* The panel found an analogy: draw it on the plot. */
static void
analogy_changed_cb (EmbWindow *self)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gsize));
  const EmbNeighbor *nb;
  gsize abc[3], n;

  _emb_window_check_file (self);
  nb = emb_analogy_panel_get_result (self->analogy_panel, abc, &n);
  for (gsize i = 0; i < n; i++)
    g_array_append_val (ids, nb[i].id);
  emb_plot_view_set_analogy (self->plot, abc[0], abc[1], abc[2], (gsize *) ids->data, ids->len);
}

/* GObject overrides */

static gboolean
emb_window_close_request (GtkWindow *window)
{
  EmbWindow *self = EMB_WINDOW (window);

  if (self->settings != NULL)
    {
      int w, h;
      gtk_window_get_default_size (window, &w, &h);
      g_settings_set_int (self->settings, "window-width", w);
      g_settings_set_int (self->settings, "window-height", h);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
    }
  /* A load still running ends quietly: its result is dropped. */
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  return GTK_WINDOW_CLASS (emb_window_parent_class)->close_request (window);
}

static void
emb_window_dispose (GObject *object)
{
  EmbWindow *self = EMB_WINDOW (object);

  self->disposed = TRUE;
  g_clear_handle_id (&self->progress_timeout, g_source_remove);
  g_clear_handle_id (&self->status_timeout, g_source_remove);
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  _emb_window_unwatch (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), EMB_TYPE_WINDOW);
  G_OBJECT_CLASS (emb_window_parent_class)->dispose (object);
}

static void
emb_window_finalize (GObject *object)
{
  EmbWindow *self = EMB_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->scene, emb_scene_unref);
  g_clear_object (&self->load_cancellable);
  g_free (self->load_path);
  g_array_unref (self->neighbors);
  g_array_unref (self->history);
  G_OBJECT_CLASS (emb_window_parent_class)->finalize (object);
}

static void
emb_window_class_init (EmbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = emb_window_dispose;
  object_class->finalize = emb_window_finalize;
  window_class->close_request = emb_window_close_request;

  emb_ui_ensure_resources ();
  g_type_ensure (EMB_TYPE_PLOT_VIEW);
  g_type_ensure (EMB_TYPE_NEIGHBORS_PANEL);
  g_type_ensure (EMB_TYPE_SEARCH_PANEL);
  g_type_ensure (EMB_TYPE_ANALOGY_PANEL);
  g_type_ensure (EMB_TYPE_COLOR_PANEL);
  g_type_ensure (EMB_TYPE_COLOR_LEGEND);
  g_type_ensure (EMB_TYPE_MAP_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/emb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, regex_button);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, plot);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, loading_revealer);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, empty_state);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, loading_progress);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, x_axis);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, y_axis);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, label_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, neighbors_panel);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, search_panel);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, analogy_panel);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, map_panel);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, color_panel);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, recent_section);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, point_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, neighbor_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, token_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, neighbors_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_matches_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, analogy_changed_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "colors_changed_cb",
                                                G_CALLBACK (_emb_window_refresh_colors));
  gtk_widget_class_bind_template_callback_full (widget_class, "map_changed_cb",
                                                G_CALLBACK (_emb_window_map_changed));
  gtk_widget_class_bind_template_callback_full (widget_class, "map_running_cb",
                                                G_CALLBACK (_emb_window_update_actions));
  gtk_widget_class_bind_template_callback (widget_class, clustering_changed_cb);
  /* The panel's "failed" (headline, details) is an error dialog. */
  gtk_widget_class_bind_template_callback_full (widget_class, "color_failed_cb", G_CALLBACK (_emb_window_show_error));

  _emb_window_watch_class_init (widget_class);
  _emb_window_class_add_actions (widget_class);
}

static void
emb_window_init (EmbWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->neighbors = g_array_new (FALSE, FALSE, sizeof (EmbNeighbor));
  self->history = g_array_new (FALSE, FALSE, sizeof (gssize));

  /* Without the installed schema (a build tree run) the app still works,
   * it just remembers nothing. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema != NULL)
    {
      self->settings = g_settings_new (APP_ID);
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      gtk_adjustment_set_value (self->label_adjustment, g_settings_get_double (self->settings, "label-density"));
      g_signal_connect_object (self->settings, "changed::recent-files",
                               G_CALLBACK (update_recent_menu), self, G_CONNECT_SWAPPED);
    }
  update_recent_menu (self);
  emb_plot_view_set_label_density (self->plot, gtk_adjustment_get_value (self->label_adjustment));

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));

  g_signal_connect_object (self->x_axis, "notify::selected", G_CALLBACK (axes_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->y_axis, "notify::selected", G_CALLBACK (axes_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->label_adjustment, "value-changed", G_CALLBACK (label_density_cb), self, G_CONNECT_SWAPPED);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  _emb_window_sidebar_init (self);
  _emb_window_fill_axes (self);
  _emb_window_update_actions (self);
}

/* public API */

EmbWindow *
emb_window_new (GtkApplication *app)
{
  return g_object_new (EMB_TYPE_WINDOW, "application", app, NULL);
}

void
emb_window_open (EmbWindow  *self,
                 const char *path)
{
  g_return_if_fail (EMB_IS_WINDOW (self));

  open_with_policy (self, path, EMB_NAN_REFUSE);
}

static void
open_with_policy (EmbWindow    *self,
                  const char   *path,
                  EmbNanPolicy  nan_policy)
{
  EmbLoadOptions options = { .nan_policy = nan_policy };
  g_autofree char *name = display_name (path);
  g_autofree char *text = NULL;
  LoadCall *call;

  /* One load at a time: the newest wins. */
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  g_free (self->load_path);
  self->load_path = g_strdup (path);

  text = g_strdup_printf ("Opening %s", name);
  _emb_window_start_progress (self, text, NULL);

  call = g_new0 (LoadCall, 1);
  call->self = g_object_ref (self);
  /* The app quits only once the reader is done (see emb_panel_hold_app). */
  call->app = emb_panel_hold_app (GTK_WIDGET (self));
  call->cancellable = g_object_ref (self->load_cancellable);
  call->path = g_strdup (path);
  emb_scene_load_async (path, &options, self->load_cancellable,
                        load_progress_cb, self, load_done, call);
  _emb_window_update_actions (self);
}

EmbScene *
emb_window_get_scene (EmbWindow *self)
{
  return self->scene;
}

gboolean
emb_window_is_loading (EmbWindow *self)
{
  return self->load_cancellable != NULL;
}

double
emb_window_get_load_progress (EmbWindow *self)
{
  return g_atomic_int_get (&self->load_progress) / 1000.0;
}

void
emb_window_select (EmbWindow *self,
                   gssize     id)
{
  _emb_window_show_selection (self, id, TRUE);
}

const EmbNeighbor *
emb_window_get_neighbors (EmbWindow *self,
                          gsize     *n)
{
  *n = self->neighbors->len;
  return (const EmbNeighbor *) self->neighbors->data;
}

gboolean
emb_window_is_busy (EmbWindow *self)
{
  return self->busy > 0 || emb_color_panel_is_busy (self->color_panel) ||
         emb_neighbors_panel_is_busy (self->neighbors_panel) ||
         emb_search_panel_is_busy (self->search_panel) ||
         emb_analogy_panel_is_busy (self->analogy_panel);
}
