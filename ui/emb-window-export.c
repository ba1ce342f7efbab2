/* emb-window-export.c: the plot to PNG/SVG/PDF/CSV, the neighbour list to
 * CSV.  The plot's file is built from the plot view's state by core's
 * builder and written by core's exporter in its thread, atomically (a
 * temporary file renamed into place).
 */
#include "config.h"

#include "base/emb-error.h"
#include "base/emb-file.h"
#include "plot/emb-csv.h"
#include "plot/emb-plot.h"
#include "plot/emb-plot-spec.h"
#include "emb-window-private.h"

typedef struct
{
  EmbWindow      *window;       /* owned: its result is shown there */
  GApplication   *app;          /* held until the file is written */
  GCancellable   *cancellable;
  char           *path;
} ExportRun;

/* auxiliary functions */

/* FALSE, with an error naming it, when path is a file the window's data
 * was read from: nothing may write over the user's input. */
static gboolean
check_not_input (EmbWindow  *self,
                 const char *path,
                 GError    **error)
{
  const char *input = self->scene != NULL ? emb_dataset_find_input (self->scene->dataset, path) : NULL;
  g_autofree char *name = NULL;

  if (input == NULL)
    return TRUE;
  name = emb_quote_name (input, -1);
  emb_set_error_file (error, EMB_ERROR_IO, path,
                      "is a file this window shows (%s): choose another name", name);
  return FALSE;
}

static void
export_run_free (ExportRun *run)
{
  if (run->app != NULL)
    {
      g_application_release (run->app);
      g_object_unref (run->app);
    }
  g_object_unref (run->window);
  g_object_unref (run->cancellable);
  g_free (run->path);
  g_free (run);
}

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ExportRun *run = user_data;
  EmbWindow *self = run->window;
  g_autoptr(GError) error = NULL;

  self->busy--;
  if (!emb_plot_export_finish (result, &error))
    {
      /* The window is gone: say it where the user started the app. */
      if (self->disposed)
        g_printerr ("Could not export the plot: %s\n", error->message);
      else
        _emb_window_show_error (self, "Could not export the plot", error->message);
    }
  else if (!self->disposed)
    {
      g_autofree char *name = g_filename_display_basename (run->path);
      g_autofree char *text = g_strdup_printf ("Exported %s", name);

      _emb_window_flash_status (self, text);
    }
  export_run_free (run);
}

static const char *
choice (GtkFileChooser *chooser, const char *id, const char *fallback)
{
  const char *value = gtk_file_chooser_get_choice (chooser, id);
  return value != NULL ? value : fallback;
}

/* size: "WxH" or "window"; area: "view" or "all"; theme: light, dark or
 * transparent.  The figure is what the plot view shows (its state, through
 * core's builder) with the window's title and legend; core writes it in a
 * thread.  The application is held until the file is written, so an
 * export asked for finishes even when the window is closed at once. */
static void
start_export (EmbWindow  *self,
              const char *path,
              const char *size,
              const char *area,
              const char *theme)
{
  g_autoptr(EmbPlotSpec) spec = NULL;
  const char * const *cluster_labels;
  guint n_clusters;
  g_autofree gsize *neighbors = NULL;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  EmbExportFormat format = EMB_EXPORT_CSV;
  EmbPlotState state;
  ExportRun *run;
  g_autoptr(GError) error = NULL;
  int width = 1600, height = 1200;

  emb_plot_view_get_state (self->plot, &state);
  if (state.xs == NULL)
    return;

  run = g_new0 (ExportRun, 1);
  run->window = g_object_ref (self);
  run->cancellable = g_cancellable_new ();
  run->path = g_strdup (path);
  if (!(g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV")) &&
      !emb_export_format_from_path (path, &format))
    {
      /* No known extension: PNG, and say so in the name. */
      g_free (run->path);
      run->path = g_strconcat (path, ".png", NULL);
      format = EMB_EXPORT_PNG;
    }
  if (!check_not_input (self, run->path, &error))
    {
      _emb_window_show_error (self, "Could not export the plot", error->message);
      export_run_free (run);
      return;
    }
  if (g_str_equal (size, "window"))
    {
      width = MAX (state.view.width, 64);
      height = MAX (state.view.height, 64);
    }
  else
    sscanf (size, "%dx%d", &width, &height);

  /* The legend's names are the colour panel's; the neighbours it lists are the
   * ones the view draws lines to. */
  state.legend = emb_color_panel_get_legend (self->color_panel, &state.n_legend);
  state.cluster = emb_color_panel_get_clusters (self->color_panel, NULL, NULL, NULL,
                                                &cluster_labels, &n_clusters);
  if (state.selected >= 0)
    {
      neighbors = g_new (gsize, MAX (self->neighbors->len, 1));
      for (guint i = 0; i < self->neighbors->len; i++)
        neighbors[i] = g_array_index (self->neighbors, EmbNeighbor, i).id;
      state.neighbors = neighbors;
      state.n_neighbors = self->neighbors->len;
    }
  state.title = gtk_window_get_title (GTK_WINDOW (self));
  state.theme = g_str_equal (theme, "dark") ? EMB_THEME_DARK
                : g_str_equal (theme, "transparent") ? EMB_THEME_TRANSPARENT : EMB_THEME_LIGHT;
  if (!g_str_equal (area, "view"))
    state.view.scale = 0;
  spec = emb_plot_spec_new (&state, width, height);

  if (app != NULL)
    {
      run->app = G_APPLICATION (g_object_ref (app));
      g_application_hold (run->app);
    }
  self->busy++;
  emb_plot_export_async (spec, run->path, format, width, height, 1.0, run->cancellable,
                         export_done, run);
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    EmbWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->scene != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);
      if (path != NULL)
        start_export (self, path, choice (chooser, "size", "1600x1200"),
                      choice (chooser, "area", "view"), choice (chooser, "theme", "light"));
    }
  g_object_unref (dialog);
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (chooser, filter);
}

static char *
suggested_name (EmbWindow *self, const char *suffix)
{
  g_autofree char *base = NULL;
  char *dot;

  if (self->scene == NULL || g_str_equal (self->scene->dataset->path, EMB_SAMPLE_NAME))
    base = g_strdup ("embedlens-sample");
  else
    base = g_path_get_basename (self->scene->dataset->path);
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_strconcat (base, suffix, NULL);
}

static void
neighbors_response_cb (GtkNativeDialog *dialog,
                       int              response,
                       EmbWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->scene != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(GError) error = NULL;

      if (path != NULL && !_emb_window_write_neighbors_csv (self, path, &error))
        _emb_window_show_error (self, "Could not export the neighbours", error->message);
      else if (path != NULL)
        {
          g_autofree char *name = g_filename_display_basename (path);
          g_autofree char *text = g_strdup_printf ("Exported %s", name);
          _emb_window_flash_status (self, text);
        }
    }
  g_object_unref (dialog);
}

/* internal API */

void
_emb_window_export (EmbWindow *self)
{
  GtkFileChooserNative *dialog;
  GtkFileChooser *chooser;
  g_autofree char *name = suggested_name (self, ".png");

  if (self->scene == NULL)
    return;
  dialog = gtk_file_chooser_native_new ("Export the Plot", GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
  chooser = GTK_FILE_CHOOSER (dialog);
  gtk_file_chooser_set_current_name (chooser, name);
  add_filter (chooser, "PNG image (*.png)", "*.png");
  add_filter (chooser, "SVG drawing (*.svg)", "*.svg");
  add_filter (chooser, "PDF document (*.pdf)", "*.pdf");
  add_filter (chooser, "Points as CSV (*.csv)", "*.csv");
  gtk_file_chooser_add_choice (chooser, "area", "Area",
                               (const char *[]) { "view", "all", NULL },
                               (const char *[]) { "Current view", "Whole plot", NULL });
  gtk_file_chooser_set_choice (chooser, "area", "view");
  gtk_file_chooser_add_choice (chooser, "size", "Size",
                               (const char *[]) { "1600x1200", "2400x1800", "3200x2400", "1200x1200", "window", NULL },
                               (const char *[]) { "1600 × 1200", "2400 × 1800", "3200 × 2400", "1200 × 1200", "As the window", NULL });
  gtk_file_chooser_set_choice (chooser, "size", "1600x1200");
  gtk_file_chooser_add_choice (chooser, "theme", "Background",
                               (const char *[]) { "light", "dark", "transparent", NULL },
                               (const char *[]) { "White", "Dark", "Transparent", NULL });
  gtk_file_chooser_set_choice (chooser, "theme", "light");
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Exports to path with the dialog's defaults, for scripts and tests. */
void
_emb_window_export_to (EmbWindow  *self,
                       const char *path)
{
  if (self->scene != NULL)
    start_export (self, path, "1600x1200", "view", "light");
}

void
_emb_window_export_neighbors (EmbWindow *self)
{
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;
  gssize sel = emb_plot_view_get_selection (self->plot);

  if (self->scene == NULL || sel < 0)
    return;
  name = g_strdup_printf ("neighbors-%s.csv", emb_vocab_display (self->scene->dataset->vocab, sel));
  g_strdelimit (name, "/\\:", '_');
  dialog = gtk_file_chooser_native_new ("Export the Neighbours", GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  add_filter (GTK_FILE_CHOOSER (dialog), "CSV (*.csv)", "*.csv");
  g_signal_connect (dialog, "response", G_CALLBACK (neighbors_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* rank,id,token,score of the listed neighbours (RFC 4180), atomically;
 * refused when path is a file the window shows. */
gboolean
_emb_window_write_neighbors_csv (EmbWindow   *self,
                                 const char  *path,
                                 GError     **error)
{
  g_autoptr(GString) out = g_string_new ("rank,id,token,score\n");

  if (!check_not_input (self, path, error))
    return FALSE;
  for (guint i = 0; i < self->neighbors->len; i++)
    {
      const EmbNeighbor *nb = &g_array_index (self->neighbors, EmbNeighbor, i);

      g_string_append_printf (out, "%u,%" G_GSIZE_FORMAT ",", i + 1, nb->id);
      emb_csv_append_token (out, self->scene->dataset->vocab, nb->id);
      g_string_append_c (out, ',');
      emb_csv_append_float (out, nb->score);
      g_string_append_c (out, '\n');
    }
  return emb_file_write_atomically (path, out->str, out->len, error);
}
