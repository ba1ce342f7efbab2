/* emb-window-export.c: the plot to PNG/SVG/PDF/CSV, the neighbour list to
 * CSV.  The file is written in a worker thread through core's renderer,
 * atomically (a temporary file renamed into place).
 */
#include "config.h"

#include "base/emb-file.h"
#include "plot/emb-csv.h"
#include "plot/emb-plot.h"
#include "emb-window-private.h"

typedef struct
{
  EmbScene  *scene;
  char      *path;
  gboolean   csv;
  EmbExportFormat format;
  int        width;
  int        height;
  float     *xs;
  float     *ys;
  guint16   *category;
  guint32   *palette;
  guint      n_palette;
  GPtrArray *legend;
  float     *cluster_xy;
  guint32   *cluster;      /* per row, for CSV; or NULL */
  gsize     *neighbors;
  gsize      n_neighbors;
  EmbPlot    plot;
  char      *title;
  char      *x_title;
  char      *y_title;
} ExportJob;

/* auxiliary functions */

static void
export_job_free (ExportJob *job)
{
  emb_scene_unref (job->scene);
  g_free (job->path);
  g_free (job->xs);
  g_free (job->ys);
  g_free (job->category);
  g_free (job->palette);
  g_ptr_array_unref (job->legend);
  g_free (job->cluster_xy);
  g_free (job->cluster);
  g_free (job->neighbors);
  g_free (job->title);
  g_free (job->x_title);
  g_free (job->y_title);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;
  gboolean ok;

  if (job->csv)
    ok = emb_plot_export_csv (&job->plot, job->cluster, job->path, &error);
  else
    ok = emb_plot_export (&job->plot, job->path, job->format, job->width, job->height, 1.0,
                          cancellable, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
export_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  EmbWindow *self = EMB_WINDOW (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->busy--;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* The window is gone: say it where the user started the app. */
      if (self->disposed)
        {
          g_printerr ("Could not export the plot: %s\n", error->message);
          return;
        }
      _emb_window_show_error (self, "Could not export the plot", error->message);
      return;
    }
  {
    g_autofree char *name = g_filename_display_basename (job->path);
    g_autofree char *text = g_strdup_printf ("Exported %s", name);
    if (!self->disposed)
      _emb_window_flash_status (self, text);
  }
}

static const char *
choice (GtkFileChooser *chooser, const char *id, const char *fallback)
{
  const char *value = gtk_file_chooser_get_choice (chooser, id);
  return value != NULL ? value : fallback;
}

/* size: "WxH" or "window"; area: "view" or "all"; theme: light, dark or
 * transparent. */
static void
start_export (EmbWindow  *self,
              const char *path,
              const char *size,
              const char *area,
              const char *theme)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;
  const float *xs, *ys;
  gsize n = emb_scene_n_rows (self->scene);
  gssize sel = emb_plot_view_get_selection (self->plot);
  guint ax = emb_plot_view_get_x_component (self->plot);
  guint ay = emb_plot_view_get_y_component (self->plot);
  EmbView view;

  if (!emb_plot_view_get_points (self->plot, &xs, &ys))
    return;

  job = g_new0 (ExportJob, 1);
  job->scene = emb_scene_ref (self->scene);
  job->path = g_strdup (path);
  job->csv = g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV");
  if (!job->csv && !emb_export_format_from_path (path, &job->format))
    {
      /* No known extension: PNG, and say so in the name. */
      g_free (job->path);
      job->path = g_strconcat (path, ".png", NULL);
      job->format = EMB_EXPORT_PNG;
    }
  job->width = 1600;
  job->height = 1200;
  if (g_str_equal (size, "window"))
    {
      emb_plot_view_get_view (self->plot, &view);
      job->width = MAX (view.width, 64);
      job->height = MAX (view.height, 64);
    }
  else
    sscanf (size, "%dx%d", &job->width, &job->height);

  job->xs = g_memdup2 (xs, n * sizeof (float));
  job->ys = g_memdup2 (ys, n * sizeof (float));
  _emb_window_get_colors (self, &job->category, &job->palette, &job->n_palette, &job->legend, &job->cluster_xy);
  if (self->kmeans != NULL && job->cluster_xy != NULL)
    job->cluster = g_memdup2 (self->kmeans->assignment, n * sizeof (guint32));
  if (sel >= 0)
    {
      job->n_neighbors = self->neighbors->len;
      job->neighbors = g_new (gsize, MAX (job->n_neighbors, 1));
      for (gsize i = 0; i < job->n_neighbors; i++)
        job->neighbors[i] = g_array_index (self->neighbors, EmbNeighbor, i).id;
    }
  job->title = g_strdup (gtk_window_get_title (GTK_WINDOW (self)));
  job->x_title = g_strdup_printf ("PC%u (%.1f%% of variance)", ax + 1,
                                  100.0 * self->scene->pca->explained_variance_ratio[ax]);
  job->y_title = g_strdup_printf ("PC%u (%.1f%% of variance)", ay + 1,
                                  100.0 * self->scene->pca->explained_variance_ratio[ay]);

  job->plot.xs = job->xs;
  job->plot.ys = job->ys;
  job->plot.n = n;
  job->plot.category = job->category;
  job->plot.palette = job->palette;
  job->plot.n_palette = job->n_palette;
  job->plot.vocab = self->scene->dataset->vocab;
  job->plot.title = job->title;
  job->plot.x_title = job->x_title;
  job->plot.y_title = job->y_title;
  if (job->legend->len > 0)
    {
      g_ptr_array_add (job->legend, NULL);
      job->plot.legend = (const char * const *) job->legend->pdata;
      job->plot.n_legend = job->legend->len - 1;
    }
  if (job->cluster_xy != NULL)
    {
      job->plot.cluster_labels = job->plot.legend;
      job->plot.cluster_xy = job->cluster_xy;
      job->plot.n_cluster_labels = job->plot.n_legend;
    }
  job->plot.selected = sel;
  job->plot.neighbors = job->neighbors;
  job->plot.n_neighbors = job->n_neighbors;
  job->plot.n_token_labels = (gsize) (gtk_adjustment_get_value (self->label_adjustment) *
                                      gtk_adjustment_get_value (self->label_adjustment) * 600);
  job->plot.theme = g_str_equal (theme, "dark") ? EMB_THEME_DARK
                    : g_str_equal (theme, "transparent") ? EMB_THEME_TRANSPARENT : EMB_THEME_LIGHT;
  if (g_str_equal (area, "view"))
    {
      /* The same part of the plane as on screen, scaled to the file. */
      emb_plot_view_get_view (self->plot, &view);
      job->plot.view = view;
      job->plot.view.scale = view.scale * MIN (job->width / (double) view.width,
                                               job->height / (double) view.height);
    }

  task = g_task_new (self, NULL, export_done, NULL);
  g_task_set_source_tag (task, start_export);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  self->busy++;
  _emb_window_run_task (self, task, export_thread);
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

/* rank,id,token,score of the listed neighbours (RFC 4180), atomically. */
gboolean
_emb_window_write_neighbors_csv (EmbWindow   *self,
                                 const char  *path,
                                 GError     **error)
{
  g_autoptr(GString) out = g_string_new ("rank,id,token,score\n");

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
