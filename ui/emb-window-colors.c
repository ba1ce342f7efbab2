/* emb-window-colors.c: what the points are coloured by, and the legend.
 *
 * Choices: one colour, k-means clusters (computed in a worker thread, each
 * labelled by its most central tokens), the vector norm on a sequential
 * map, or any metadata column.  A choice only has to give each row a
 * palette index; the plot view does the rest.
 */
#include "config.h"

#include "emb-window-private.h"

#define NORM_BINS          64
#define MAX_LEGEND_ENTRIES 20
#define CLUSTER_LABEL_TOKENS 3

enum
{
  COLOR_NONE,
  COLOR_CLUSTERS,
  COLOR_NORM,
  COLOR_TOKEN_ID,
  COLOR_LEADING_SPACE,
  COLOR_KIND,
  COLOR_DIGITS,
  COLOR_SCRIPT,
  COLOR_FIRST_COLUMN,
};

/* The token features behind COLOR_LEADING_SPACE .. COLOR_SCRIPT. */
static const EmbTokenFeature features[] = {
  EMB_TOKEN_FEATURE_LEADING_SPACE,
  EMB_TOKEN_FEATURE_KIND,
  EMB_TOKEN_FEATURE_DIGITS,
  EMB_TOKEN_FEATURE_SCRIPT,
};

/* Clusters or a ramp on their way: the window is kept and the
 * application held until the callback. */
typedef struct
{
  EmbWindow    *self;
  GApplication *app;
  GCancellable *cancellable;
  EmbScene     *scene;
  guint         choice;
} ColorCall;

/* auxiliary functions */

static ColorCall *
color_call_new (EmbWindow    *self,
                GCancellable *cancellable,
                guint         choice)
{
  ColorCall *call = g_new0 (ColorCall, 1);

  call->self = g_object_ref (self);
  call->app = _emb_window_hold_app (self);
  call->cancellable = g_object_ref (cancellable);
  call->scene = emb_scene_ref (self->scene);
  call->choice = choice;
  return call;
}

static void
color_call_free (ColorCall *call)
{
  _emb_window_release_app (call->app);
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  emb_scene_unref (call->scene);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ColorCall, color_call_free)

static void
clear_legend (EmbWindow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->legend_box))) != NULL)
    gtk_box_remove (self->legend_box, child);
}

static GtkWidget *
swatch_new (guint32 rgb)
{
  GtkWidget *swatch = gtk_drawing_area_new ();
  g_autofree char *css = g_strdup_printf ("* { background: #%06x; }", rgb);
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_data (provider, css, -1);
  gtk_style_context_add_provider (gtk_widget_get_style_context (swatch),
                                  GTK_STYLE_PROVIDER (provider),
                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_widget_set_size_request (swatch, 10, 10);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (swatch, "swatch");
  return swatch;
}

static GtkWidget *
legend_entry (guint32 rgb, const char *name, int max_chars)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *label = gtk_label_new (name[0] ? name : "(empty)");

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), max_chars);
  gtk_box_append (GTK_BOX (box), swatch_new (rgb));
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

static void
legend_more (EmbWindow *self, guint shown, guint total)
{
  g_autofree char *more = NULL;
  GtkWidget *label;

  if (total <= shown)
    return;
  more = g_strdup_printf ("+%u more", total - shown);
  label = gtk_label_new (more);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (self->legend_box, label);
}

/* Greys every category but the isolated one, so it stands out. */
static guint32 *
palette_for (EmbWindow *self, guint n)
{
  guint32 *palette = g_new (guint32, n);
  GdkRGBA fg;
  gboolean dark;

  /* Dark when the theme's text is light (see is_dark in emb-plot-view.c). */
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  dark = 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5;
  for (guint i = 0; i < n; i++)
    palette[i] = self->isolated < 0 || (guint) self->isolated == i ? emb_palette_color (i)
                 : dark ? 0x4a4a4a : 0xd4d4d4;
  return palette;
}

static void
cluster_button_clicked_cb (GtkButton *button,
                           EmbWindow *self)
{
  int c = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "cluster"));

  self->isolated = self->isolated == c ? -1 : c;
  _emb_window_apply_colors (self);
}

static void
show_clusters (EmbWindow *self)
{
  EmbKmeans *km = self->clusters->kmeans;
  g_autofree guint16 *cats = emb_clusters_categories (self->clusters);
  g_autofree guint32 *palette = palette_for (self, km->k);
  g_autofree float *xy = g_new (float, 2 * km->k);
  const float *xs, *ys;
  guint shown = MIN (km->k, MAX_LEGEND_ENTRIES);

  emb_plot_view_set_colors (self->plot, cats, palette, km->k);
  if (emb_plot_view_get_points (self->plot, &xs, &ys))
    {
      emb_cluster_positions (km, xs, ys, xy);
      emb_plot_view_set_cluster_labels (self->plot, (const char * const *) self->clusters->labels,
                                        xy, km->k);
    }

  for (guint c = 0; c < shown; c++)
    {
      GtkWidget *button = gtk_button_new ();
      const char *name = self->clusters->labels[c];
      g_autofree char *tip = g_strdup_printf ("Cluster %u: %" G_GSIZE_FORMAT " tokens, nearest the centre: %s\n"
                                              "Click to isolate it; again to show all",
                                              c, km->sizes[c], name);
      gtk_button_set_child (GTK_BUTTON (button), legend_entry (emb_palette_color (c), name, 12));
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_add_css_class (button, "legend-entry");
      if (self->isolated == (int) c)
        gtk_widget_add_css_class (button, "isolated");
      gtk_widget_set_tooltip_text (button, tip);
      g_object_set_data (G_OBJECT (button), "cluster", GINT_TO_POINTER (c));
      g_signal_connect (button, "clicked", G_CALLBACK (cluster_button_clicked_cb), self);
      gtk_flow_box_append (self->legend_flow, button);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->legend_flow), TRUE);
  legend_more (self, shown, km->k);
}

/* The norm, or the token id, per row. */
static float *
ramp_values (EmbWindow *self, guint choice)
{
  gsize n = emb_scene_n_rows (self->scene);
  float *values = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    values[i] = choice == COLOR_NORM ? self->scene->norms[i] : (float) i;
  return values;
}

static void
ramp_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ColorCall) call = user_data;
  EmbWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbRamp) ramp = emb_ramp_new_finish (result, &error);
  g_autofree guint32 *palette = NULL;
  guint choice = call->choice;
  char text[64];

  self->busy--;
  if (self->disposed || call->cancellable != self->ramp_cancellable)
    return;
  g_clear_object (&self->ramp_cancellable);
  if (ramp == NULL || call->scene != self->scene)
    return;

  palette = emb_ramp_palette (NORM_BINS);
  emb_plot_view_set_colors (self->plot, ramp->category, palette, NORM_BINS);
  g_snprintf (text, sizeof text, choice == COLOR_NORM ? "norm %.3g" : "id %.0f", ramp->lo);
  gtk_box_append (self->legend_box, legend_entry (palette[0], text, 14));
  gtk_box_append (self->legend_box, swatch_new (palette[NORM_BINS / 4]));
  gtk_box_append (self->legend_box, swatch_new (palette[NORM_BINS / 2]));
  gtk_box_append (self->legend_box, swatch_new (palette[3 * NORM_BINS / 4]));
  g_snprintf (text, sizeof text, choice == COLOR_NORM ? "%.3g" : "%.0f", ramp->hi);
  gtk_box_append (self->legend_box, legend_entry (palette[NORM_BINS - 1], text, 10));
}

/* The norm or the token id binned on the ramp, in a worker thread. */
static void
show_ramp (EmbWindow *self, guint choice)
{
  g_autofree float *values = ramp_values (self, choice);

  if (self->ramp_cancellable != NULL)
    g_cancellable_cancel (self->ramp_cancellable);
  g_clear_object (&self->ramp_cancellable);
  self->ramp_cancellable = g_cancellable_new ();
  self->busy++;
  emb_ramp_new_async (values, emb_scene_n_rows (self->scene), NORM_BINS, self->ramp_cancellable,
                      ramp_done, color_call_new (self, self->ramp_cancellable, choice));
}

/* Category indices per row for a categorical choice (a token feature or
 * a metadata column), with their names. */
static guint16 *
choice_categories (EmbWindow *self, guint choice, guint *n_values, char ***names)
{
  EmbVocab *vocab = self->scene->dataset->vocab;

  if (choice >= COLOR_LEADING_SPACE && choice < COLOR_FIRST_COLUMN)
    return emb_token_categories (vocab, features[choice - COLOR_LEADING_SPACE], n_values, names);
  return emb_column_categories (vocab, choice - COLOR_FIRST_COLUMN, n_values, names);
}

static void
show_categories (EmbWindow *self, guint choice)
{
  g_autofree guint16 *cats = NULL;
  g_autofree guint32 *palette = NULL;
  g_auto(GStrv) names = NULL;
  guint n_values = 0, shown;

  cats = choice_categories (self, choice, &n_values, &names);
  palette = palette_for (self, n_values);
  emb_plot_view_set_colors (self->plot, cats, palette, n_values);
  shown = MIN (n_values, MAX_LEGEND_ENTRIES);
  for (guint i = 0; i < shown; i++)
    {
      GtkWidget *button = gtk_button_new ();
      gtk_button_set_child (GTK_BUTTON (button), legend_entry (emb_palette_color (i), names[i], 14));
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_add_css_class (button, "legend-entry");
      if (self->isolated == (int) i)
        gtk_widget_add_css_class (button, "isolated");
      g_object_set_data (G_OBJECT (button), "cluster", GINT_TO_POINTER (i));
      g_signal_connect (button, "clicked", G_CALLBACK (cluster_button_clicked_cb), self);
      gtk_flow_box_append (self->legend_flow, button);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->legend_flow), shown > 0);
  legend_more (self, shown, n_values);
}

/* Called from the k-means thread. */
static void
cluster_progress_cb (double fraction, gpointer user_data)
{
  EmbWindow *self = user_data;

  g_atomic_int_set (&self->load_progress, (int) (fraction * 1000));
}

static void
set_clusters (EmbWindow   *self,
              EmbClusters *clusters)
{
  g_clear_pointer (&self->clusters, emb_clusters_free);
  self->clusters = clusters;
  /* Borrowed, for the export. */
  self->kmeans = clusters != NULL ? clusters->kmeans : NULL;
}

static void
cluster_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ColorCall) call = user_data;
  EmbWindow *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbClusters) clusters = emb_clusters_compute_finish (result, &error);

  if (self->disposed || call->cancellable != self->cluster_cancellable)
    return;
  g_clear_object (&self->cluster_cancellable);
  _emb_window_stop_progress (self);
  if (clusters == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _emb_window_show_error (self, "Could not cluster the tokens", error->message);
      return;
    }
  if (call->scene != self->scene)
    return;
  set_clusters (self, g_steal_pointer (&clusters));
  self->isolated = -1;
  _emb_window_apply_colors (self);
}

static void
start_clustering (EmbWindow *self, gsize k)
{
  EmbKmeansOptions options = { .metric = EMB_METRIC_COSINE, .seed = 1 };
  EmbDataset *ds = self->scene->dataset;

  if (self->cluster_cancellable != NULL)
    g_cancellable_cancel (self->cluster_cancellable);
  g_clear_object (&self->cluster_cancellable);
  self->cluster_cancellable = g_cancellable_new ();

  options.k = MIN (k, emb_scene_n_rows (self->scene));
  _emb_window_start_progress (self, "Finding clusters", "Clustering…");
  emb_clusters_compute_async (ds->matrix, ds->vocab, &options, CLUSTER_LABEL_TOKENS,
                              self->cluster_cancellable, cluster_progress_cb, self,
                              cluster_done, color_call_new (self, self->cluster_cancellable, COLOR_CLUSTERS));
}

/* internal API */

/* Colour choices: one colour, clusters, norm, then each metadata column. */
void
_emb_window_fill_color_model (EmbWindow *self)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  gtk_string_list_append (model, "One colour");
  gtk_string_list_append (model, "Clusters");
  gtk_string_list_append (model, "Vector norm");
  gtk_string_list_append (model, "Token id");
  gtk_string_list_append (model, "Leading space");
  gtk_string_list_append (model, "Token kind");
  gtk_string_list_append (model, "Digits");
  gtk_string_list_append (model, "Script");
  if (self->scene != NULL)
    for (guint c = 0; c < emb_vocab_n_columns (self->scene->dataset->vocab); c++)
      gtk_string_list_append (model, emb_vocab_column_name (self->scene->dataset->vocab, c));
  gtk_drop_down_set_model (self->color_by, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->color_by, 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->color_by), self->scene != NULL);
}

void
_emb_window_reset_clusters (EmbWindow *self)
{
  if (self->cluster_cancellable != NULL)
    g_cancellable_cancel (self->cluster_cancellable);
  g_clear_object (&self->cluster_cancellable);
  set_clusters (self, NULL);
  self->isolated = -1;
  if (self->scene != NULL)
    gtk_spin_button_set_value (self->cluster_k, emb_kmeans_default_k (emb_scene_n_rows (self->scene)));
}

void
_emb_window_apply_colors (EmbWindow *self)
{
  guint choice = gtk_drop_down_get_selected (self->color_by);
  GtkWidget *child;

  /* A ramp still being binned is for an older choice. */
  if (self->ramp_cancellable != NULL)
    g_cancellable_cancel (self->ramp_cancellable);
  g_clear_object (&self->ramp_cancellable);
  clear_legend (self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->legend_flow))) != NULL)
    gtk_flow_box_remove (self->legend_flow, child);
  gtk_widget_set_visible (GTK_WIDGET (self->legend_flow), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->cluster_box), choice == COLOR_CLUSTERS);
  emb_plot_view_set_cluster_labels (self->plot, NULL, NULL, 0);

  if (self->scene == NULL || choice == GTK_INVALID_LIST_POSITION || choice == COLOR_NONE)
    {
      emb_plot_view_set_colors (self->plot, NULL, NULL, 0);
      return;
    }
  if (choice == COLOR_CLUSTERS)
    {
      gsize k = gtk_spin_button_get_value_as_int (self->cluster_k);
      if (self->clusters == NULL || self->clusters->kmeans->k != MIN (k, emb_scene_n_rows (self->scene)))
        {
          if (self->cluster_cancellable == NULL)
            start_clustering (self, k);
          return;
        }
      show_clusters (self);
      return;
    }
  if (choice == COLOR_NORM || choice == COLOR_TOKEN_ID)
    {
      show_ramp (self, choice);
      return;
    }
  show_categories (self, choice);
}

void
_emb_window_recluster (EmbWindow *self)
{
  if (self->scene == NULL)
    return;
  gtk_drop_down_set_selected (self->color_by, COLOR_CLUSTERS);
  start_clustering (self, gtk_spin_button_get_value_as_int (self->cluster_k));
}

/* After the axes change, cluster labels move to the new centroids. */
void
_emb_window_colors_axes_changed (EmbWindow *self)
{
  if (gtk_drop_down_get_selected (self->color_by) == COLOR_CLUSTERS && self->clusters != NULL)
    _emb_window_apply_colors (self);
}

/* The colours now shown, for exports: category per row (or NULL), the
 * palette, legend names and cluster label positions.  All new copies. */
void
_emb_window_get_colors (EmbWindow  *self,
                        guint16   **category,
                        guint32   **palette,
                        guint      *n_palette,
                        GPtrArray **legend,
                        float     **cluster_xy)
{
  guint choice = gtk_drop_down_get_selected (self->color_by);
  gsize n = self->scene != NULL ? emb_scene_n_rows (self->scene) : 0;

  *category = NULL;
  *palette = NULL;
  *n_palette = 0;
  *legend = g_ptr_array_new_with_free_func (g_free);
  *cluster_xy = NULL;
  if (self->scene == NULL || choice == COLOR_NONE || choice == GTK_INVALID_LIST_POSITION)
    return;
  if (choice == COLOR_CLUSTERS && self->clusters != NULL)
    {
      const EmbKmeans *km = self->clusters->kmeans;
      const float *xs, *ys;
      *category = emb_clusters_categories (self->clusters);
      *palette = palette_for (self, km->k);
      *n_palette = km->k;
      for (gsize c = 0; c < km->k; c++)
        g_ptr_array_add (*legend, g_strdup (self->clusters->labels[c]));
      *cluster_xy = g_new (float, 2 * km->k);
      if (emb_plot_view_get_points (self->plot, &xs, &ys))
        emb_cluster_positions (km, xs, ys, *cluster_xy);
      return;
    }
  if (choice == COLOR_NORM || choice == COLOR_TOKEN_ID)
    {
      g_autofree float *values = ramp_values (self, choice);
      EmbRamp *ramp = emb_ramp_new (values, n, NORM_BINS, NULL);
      *category = g_steal_pointer (&ramp->category);
      emb_ramp_free (ramp);
      *palette = emb_ramp_palette (NORM_BINS);
      *n_palette = NORM_BINS;
      /* A 64-step ramp makes no legend list: the exported plot has none. */
      return;
    }
  if (choice >= COLOR_LEADING_SPACE)
    {
      g_auto(GStrv) names = NULL;
      *category = choice_categories (self, choice, n_palette, &names);
      *palette = palette_for (self, *n_palette);
      for (guint i = 0; i < *n_palette; i++)
        g_ptr_array_add (*legend, g_strdup (names[i]));
    }
}
