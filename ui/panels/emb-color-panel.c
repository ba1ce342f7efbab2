/* emb-color-panel.c: what the points are coloured by, and the legend.
 *
 * Choices: one colour, k-means clusters (computed in a worker thread
 * through emb_clusters_compute_async, each labelled by its most central
 * tokens), the vector norm or the token id on a sequential map (binned by
 * emb_ramp_new_async), a token feature or any metadata column.  A choice
 * only has to give each row a palette index; the panel keeps it with the
 * palette and the legend's names and emits "colors-changed", and the
 * window hands them to the plot view and the export.
 */
#include "config.h"

#include "emb-color-panel.h"
#include "emb-panel-util.h"
#include "analysis/emb-categories.h"

#define NORM_BINS            64
#define MAX_LEGEND_ENTRIES   20
#define CLUSTER_LABEL_TOKENS 3

struct _EmbColorPanel
{
  GtkBox          parent_instance;

  /* template widgets */
  GtkDropDown    *color_by;
  GtkBox         *cluster_box;
  GtkSpinButton  *cluster_k;
  GtkBox         *extra_box;      /* children given in the window's .ui */
  GtkCheckButton *hide_special;
  GtkBox         *legend_box;

  /* borrowed */
  EmbColorLegend *legend;

  /* owned */
  EmbScene       *scene;
  EmbClusters    *clusters;
  GCancellable   *cluster_cancellable;
  GCancellable   *ramp_cancellable;
  gint            progress;       /* per mille, written by the k-means thread */
  guint           busy;
  int             isolated;       /* the legend entry shown alone, or -1 */
  guint8         *special_mask;   /* rows that are not special tokens, or NULL */
  guint16        *category;       /* what the plot shows now, or NULL */
  guint32        *palette;
  guint           n_palette;
  GPtrArray      *names;          /* the legend's, NULL-terminated */
};

enum
{
  PROP_0,
  PROP_SCENE,
  PROP_LEGEND,
  PROP_COLOR_BY,
  PROP_CLUSTER_K,
  PROP_ISOLATED,
  PROP_HIDE_SPECIAL,
  PROP_CLUSTERING,
  N_PROPS
};

enum
{
  COLORS_CHANGED,
  FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The token features behind EMB_COLOR_BY_LEADING_SPACE .. _SCRIPT. */
static const EmbTokenFeature features[] = {
  EMB_TOKEN_FEATURE_LEADING_SPACE,
  EMB_TOKEN_FEATURE_KIND,
  EMB_TOKEN_FEATURE_DIGITS,
  EMB_TOKEN_FEATURE_SCRIPT,
};

/* Clusters or a ramp on their way, for the colouring chosen. */
typedef struct
{
  EmbPanelCall call;
  guint        choice;
} ColorCall;

static void emb_color_panel_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (EmbColorPanel, emb_color_panel, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE, emb_color_panel_buildable_init))

static GtkBuildableIface *parent_buildable_iface;

static void apply_colors (EmbColorPanel *self);

/* auxiliary functions */

static ColorCall *
color_call_new (EmbColorPanel *self,
                GCancellable  *cancellable,
                guint          choice)
{
  ColorCall *call = emb_panel_call_new (sizeof (ColorCall), GTK_WIDGET (self), &self->busy,
                                        cancellable, self->scene);

  call->choice = choice;
  return call;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ColorCall, emb_panel_call_free)

static void
cancel_and_clear (GCancellable **cancellable)
{
  if (*cancellable != NULL)
    g_cancellable_cancel (*cancellable);
  g_clear_object (cancellable);
}

static guint
choice_of (EmbColorPanel *self)
{
  guint choice = gtk_drop_down_get_selected (self->color_by);

  return self->scene == NULL || choice == GTK_INVALID_LIST_POSITION ? EMB_COLOR_BY_NONE : choice;
}

/* Takes the colours shown from now on and says so. */
static void
set_colors (EmbColorPanel *self,
            guint16       *category,
            guint32       *palette,
            guint          n_palette,
            char         **names)
{
  g_free (self->category);
  g_free (self->palette);
  self->category = category;
  self->palette = palette;
  self->n_palette = category != NULL ? n_palette : 0;
  g_ptr_array_set_size (self->names, 0);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    g_ptr_array_add (self->names, g_strdup (names[i]));
  g_signal_emit (self, signals[COLORS_CHANGED], 0);
}

static void
clear_legend (EmbColorPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->legend_box))) != NULL)
    gtk_box_remove (self->legend_box, child);
  if (self->legend != NULL)
    emb_color_legend_clear (self->legend);
}

static void
legend_more (EmbColorPanel *self, guint shown, guint total)
{
  if (total > shown)
    gtk_box_append (self->legend_box, emb_color_more_new (total - shown));
}

/* Greys every category but the isolated one, so it stands out. */
static guint32 *
palette_for (EmbColorPanel *self, guint n)
{
  guint32 *palette = g_new (guint32, MAX (n, 1));
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
show_clusters (EmbColorPanel *self)
{
  EmbKmeans *km = self->clusters->kmeans;
  guint shown = MIN (km->k, MAX_LEGEND_ENTRIES);

  for (guint c = 0; c < shown && self->legend != NULL; c++)
    {
      const char *name = self->clusters->labels[c];
      g_autofree char *tip = g_strdup_printf ("Cluster %u: %" G_GSIZE_FORMAT " tokens, nearest the centre: %s\n"
                                              "Click to isolate it; again to show all",
                                              c, km->sizes[c], name);
      emb_color_legend_append (self->legend, emb_palette_color (c), name, 12, tip,
                               self->isolated == (int) c);
    }
  legend_more (self, shown, km->k);
  set_colors (self, emb_clusters_categories (self->clusters), palette_for (self, km->k),
              km->k, self->clusters->labels);
}

/* The norm, or the token id, per row. */
static float *
ramp_values (EmbColorPanel *self, guint choice)
{
  gsize n = emb_scene_n_rows (self->scene);
  float *values = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    values[i] = choice == EMB_COLOR_BY_NORM ? self->scene->norms[i] : (float) i;
  return values;
}

static void
ramp_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ColorCall) call = user_data;
  EmbColorPanel *self = EMB_COLOR_PANEL (call->call.panel);
  g_autoptr(EmbRamp) ramp = emb_ramp_new_finish (result, NULL);
  guint32 *palette;
  gboolean norm = call->choice == EMB_COLOR_BY_NORM;
  char lo[64], hi[64];

  if (call->call.cancellable != self->ramp_cancellable)
    return;
  g_clear_object (&self->ramp_cancellable);
  if (ramp == NULL || call->call.scene != self->scene)
    return;

  palette = emb_ramp_palette (NORM_BINS);
  g_snprintf (lo, sizeof lo, norm ? "norm %.3g" : "id %.0f", ramp->lo);
  g_snprintf (hi, sizeof hi, norm ? "%.3g" : "%.0f", ramp->hi);
  emb_color_ramp_fill (self->legend_box, palette, NORM_BINS, lo, hi);
  /* A 64-step ramp makes no legend list. */
  set_colors (self, g_steal_pointer (&ramp->category), palette, NORM_BINS, NULL);
}

/* The norm or the token id binned on the ramp, in a worker thread. */
static void
show_ramp (EmbColorPanel *self, guint choice)
{
  g_autofree float *values = ramp_values (self, choice);

  emb_panel_renew_cancellable (&self->ramp_cancellable);
  emb_ramp_new_async (values, emb_scene_n_rows (self->scene), NORM_BINS, self->ramp_cancellable,
                      ramp_done, color_call_new (self, self->ramp_cancellable, choice));
}

/* A categorical choice: a token feature or a metadata column. */
static void
show_categories (EmbColorPanel *self, guint choice)
{
  EmbVocab *vocab = self->scene->dataset->vocab;
  g_autofree guint16 *cats = NULL;
  g_auto(GStrv) names = NULL;
  guint n_values = 0, shown;

  if (choice < EMB_COLOR_BY_FIRST_COLUMN)
    cats = emb_token_categories (vocab, features[choice - EMB_COLOR_BY_LEADING_SPACE], &n_values, &names);
  else
    cats = emb_column_categories (vocab, choice - EMB_COLOR_BY_FIRST_COLUMN, &n_values, &names);
  shown = MIN (n_values, MAX_LEGEND_ENTRIES);
  for (guint i = 0; i < shown && self->legend != NULL; i++)
    emb_color_legend_append (self->legend, emb_palette_color (i), names[i], 14, NULL,
                             self->isolated == (int) i);
  legend_more (self, shown, n_values);
  set_colors (self, g_steal_pointer (&cats), palette_for (self, n_values), n_values, names);
}

/* Called from the k-means thread. */
static void
cluster_progress_cb (double fraction, gpointer user_data)
{
  EmbColorPanel *self = user_data;

  g_atomic_int_set (&self->progress, (int) (fraction * 1000));
}

/* No entry isolated any more: the categories are new. */
static void
clear_isolated (EmbColorPanel *self)
{
  if (self->isolated == -1)
    return;
  self->isolated = -1;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ISOLATED]);
}

static void
cluster_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ColorCall) call = user_data;
  EmbColorPanel *self = EMB_COLOR_PANEL (call->call.panel);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbClusters) clusters = emb_clusters_compute_finish (result, &error);

  if (call->call.cancellable != self->cluster_cancellable)
    return;
  g_clear_object (&self->cluster_cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLUSTERING]);
  /* The file changed under k-means: its clusters are not the file's. */
  if (clusters != NULL && !emb_dataset_check_unchanged (call->call.scene->dataset, &error))
    g_clear_pointer (&clusters, emb_clusters_free);
  if (clusters == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, signals[FAILED], 0, "Could not cluster the tokens", error->message);
      return;
    }
  if (call->call.scene != self->scene)
    return;
  g_clear_pointer (&self->clusters, emb_clusters_free);
  self->clusters = g_steal_pointer (&clusters);
  clear_isolated (self);
  apply_colors (self);
}

static void
start_clustering (EmbColorPanel *self)
{
  EmbKmeansOptions options = { .metric = EMB_METRIC_COSINE, .seed = 1 };
  EmbDataset *ds = self->scene->dataset;
  gsize k = gtk_spin_button_get_value_as_int (self->cluster_k);

  emb_panel_renew_cancellable (&self->cluster_cancellable);
  g_atomic_int_set (&self->progress, 0);

  options.k = MIN (k, emb_scene_n_rows (self->scene));
  emb_clusters_compute_async (ds->matrix, ds->vocab, &options, CLUSTER_LABEL_TOKENS,
                              self->cluster_cancellable, cluster_progress_cb, self, cluster_done,
                              color_call_new (self, self->cluster_cancellable, EMB_COLOR_BY_CLUSTERS));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLUSTERING]);
}

/* Shows the current choice: at once, or once its worker is done. */
static void
apply_colors (EmbColorPanel *self)
{
  guint choice = choice_of (self);

  /* A ramp still being binned is for an older choice. */
  cancel_and_clear (&self->ramp_cancellable);
  clear_legend (self);
  gtk_widget_set_visible (GTK_WIDGET (self->cluster_box), choice == EMB_COLOR_BY_CLUSTERS);

  if (choice == EMB_COLOR_BY_NONE)
    set_colors (self, NULL, NULL, 0, NULL);
  else if (choice == EMB_COLOR_BY_CLUSTERS)
    {
      gsize k = gtk_spin_button_get_value_as_int (self->cluster_k);

      if (self->clusters != NULL && self->clusters->kmeans->k == MIN (k, emb_scene_n_rows (self->scene)))
        show_clusters (self);
      else if (self->cluster_cancellable == NULL)
        start_clustering (self);
    }
  else if (choice == EMB_COLOR_BY_NORM || choice == EMB_COLOR_BY_TOKEN_ID)
    show_ramp (self, choice);
  else
    show_categories (self, choice);
}

/* Colour choices: one colour, clusters, norm, then each metadata column. */
static void
fill_color_model (EmbColorPanel *self)
{
  static const char * const fixed[] = {
    "One colour", "Clusters", "Vector norm", "Token id",
    "Leading space", "Token kind", "Digits", "Script", NULL,
  };
  g_autoptr(GtkStringList) model = gtk_string_list_new (fixed);

  if (self->scene != NULL)
    for (guint c = 0; c < emb_vocab_n_columns (self->scene->dataset->vocab); c++)
      gtk_string_list_append (model, emb_vocab_column_name (self->scene->dataset->vocab, c));
  gtk_drop_down_set_model (self->color_by, G_LIST_MODEL (model));
  gtk_drop_down_set_selected (self->color_by, 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->color_by), self->scene != NULL);
}

/* callbacks */

static void
color_by_changed_cb (EmbColorPanel *self)
{
  apply_colors (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR_BY]);
}

static void
cluster_k_changed_cb (EmbColorPanel *self)
{
  apply_colors (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLUSTER_K]);
}

static void
hide_special_cb (EmbColorPanel *self)
{
  g_signal_emit (self, signals[COLORS_CHANGED], 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIDE_SPECIAL]);
}

static void
legend_entry_clicked_cb (EmbColorPanel *self,
                         guint          entry)
{
  emb_color_panel_set_isolated (self, self->isolated == (int) entry ? -1 : (int) entry);
}

/* GtkBuildable: children a .ui gives the panel go between the colour
 * controls and the hide toggle, so the view bar keeps its order (the label
 * density scale sits after the colour choice). */
static void
emb_color_panel_add_child (GtkBuildable *buildable,
                           GtkBuilder   *builder,
                           GObject      *child,
                           const char   *type)
{
  EmbColorPanel *self = EMB_COLOR_PANEL (buildable);

  /* While the template itself is built, extra_box is not yet bound. */
  if (self->extra_box != NULL && type == NULL && GTK_IS_WIDGET (child))
    gtk_box_append (self->extra_box, GTK_WIDGET (child));
  else
    parent_buildable_iface->add_child (buildable, builder, child, type);
}

static void
emb_color_panel_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = emb_color_panel_add_child;
}

/* GObject overrides */

static void
emb_color_panel_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  EmbColorPanel *self = EMB_COLOR_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: g_value_set_boxed (value, self->scene); break;
    case PROP_LEGEND: g_value_set_object (value, self->legend); break;
    case PROP_COLOR_BY: g_value_set_uint (value, emb_color_panel_get_color_by (self)); break;
    case PROP_CLUSTER_K: g_value_set_uint (value, emb_color_panel_get_cluster_k (self)); break;
    case PROP_ISOLATED: g_value_set_int (value, self->isolated); break;
    case PROP_HIDE_SPECIAL: g_value_set_boolean (value, gtk_check_button_get_active (self->hide_special)); break;
    case PROP_CLUSTERING: g_value_set_boolean (value, emb_color_panel_is_clustering (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_color_panel_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  EmbColorPanel *self = EMB_COLOR_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: emb_color_panel_set_scene (self, g_value_get_boxed (value)); break;
    case PROP_LEGEND: emb_color_panel_set_legend (self, g_value_get_object (value)); break;
    case PROP_COLOR_BY: emb_color_panel_set_color_by (self, g_value_get_uint (value)); break;
    case PROP_CLUSTER_K: emb_color_panel_set_cluster_k (self, g_value_get_uint (value)); break;
    case PROP_ISOLATED: emb_color_panel_set_isolated (self, g_value_get_int (value)); break;
    case PROP_HIDE_SPECIAL: gtk_check_button_set_active (self->hide_special, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_color_panel_dispose (GObject *object)
{
  EmbColorPanel *self = EMB_COLOR_PANEL (object);

  cancel_and_clear (&self->cluster_cancellable);
  cancel_and_clear (&self->ramp_cancellable);
  emb_color_panel_set_legend (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), EMB_TYPE_COLOR_PANEL);
  G_OBJECT_CLASS (emb_color_panel_parent_class)->dispose (object);
}

static void
emb_color_panel_finalize (GObject *object)
{
  EmbColorPanel *self = EMB_COLOR_PANEL (object);

  g_clear_pointer (&self->scene, emb_scene_unref);
  g_clear_pointer (&self->clusters, emb_clusters_free);
  g_free (self->special_mask);
  g_free (self->category);
  g_free (self->palette);
  g_ptr_array_unref (self->names);
  G_OBJECT_CLASS (emb_color_panel_parent_class)->finalize (object);
}

static void
emb_color_panel_class_init (EmbColorPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = emb_color_panel_get_property;
  object_class->set_property = emb_color_panel_set_property;
  object_class->dispose = emb_color_panel_dispose;
  object_class->finalize = emb_color_panel_finalize;

  properties[PROP_SCENE] = g_param_spec_boxed ("scene", NULL, NULL, EMB_TYPE_SCENE, rw);
  properties[PROP_LEGEND] = g_param_spec_object ("legend", NULL, NULL, EMB_TYPE_COLOR_LEGEND, rw);
  properties[PROP_COLOR_BY] = g_param_spec_uint ("color-by", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_CLUSTER_K] = g_param_spec_uint ("cluster-k", NULL, NULL, 2, 200, 16, rw);
  properties[PROP_ISOLATED] = g_param_spec_int ("isolated", NULL, NULL, -1, G_MAXINT, -1, rw);
  properties[PROP_HIDE_SPECIAL] = g_param_spec_boolean ("hide-special", NULL, NULL, FALSE, rw);
  properties[PROP_CLUSTERING] =
    g_param_spec_boolean ("clustering", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The colours, legend, clusters or visible rows changed. */
  signals[COLORS_CHANGED] =
    g_signal_new ("colors-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Work failed: a headline and the details, for the window to show. */
  signals[FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/emb-color-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EmbColorPanel, color_by);
  gtk_widget_class_bind_template_child (widget_class, EmbColorPanel, cluster_box);
  gtk_widget_class_bind_template_child (widget_class, EmbColorPanel, cluster_k);
  gtk_widget_class_bind_template_child (widget_class, EmbColorPanel, extra_box);
  gtk_widget_class_bind_template_child (widget_class, EmbColorPanel, hide_special);
  gtk_widget_class_bind_template_child (widget_class, EmbColorPanel, legend_box);
}

static void
emb_color_panel_init (EmbColorPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->isolated = -1;
  self->names = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  fill_color_model (self);
  g_signal_connect_object (self->color_by, "notify::selected", G_CALLBACK (color_by_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->cluster_k, "value-changed", G_CALLBACK (cluster_k_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->hide_special, "toggled", G_CALLBACK (hide_special_cb), self, G_CONNECT_SWAPPED);
}

/* public API */

void
emb_color_panel_set_scene (EmbColorPanel *self,
                           EmbScene      *scene)
{
  g_return_if_fail (EMB_IS_COLOR_PANEL (self));

  if (scene != NULL)
    emb_scene_ref (scene);
  g_clear_pointer (&self->scene, emb_scene_unref);
  self->scene = scene;

  cancel_and_clear (&self->cluster_cancellable);
  g_clear_pointer (&self->clusters, emb_clusters_free);
  clear_isolated (self);
  g_clear_pointer (&self->special_mask, g_free);
  if (scene != NULL)
    {
      self->special_mask = emb_visible_without_special (scene->dataset->vocab);
      gtk_spin_button_set_value (self->cluster_k, emb_kmeans_default_k (emb_scene_n_rows (scene)));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->hide_special), self->special_mask != NULL);
  g_signal_handlers_block_by_func (self->color_by, color_by_changed_cb, self);
  fill_color_model (self);
  g_signal_handlers_unblock_by_func (self->color_by, color_by_changed_cb, self);
  apply_colors (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCENE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLUSTERING]);
}

EmbScene *
emb_color_panel_get_scene (EmbColorPanel *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), NULL);

  return self->scene;
}

void
emb_color_panel_set_legend (EmbColorPanel  *self,
                            EmbColorLegend *legend)
{
  g_return_if_fail (EMB_IS_COLOR_PANEL (self));

  if (self->legend == legend)
    return;
  if (self->legend != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->legend, legend_entry_clicked_cb, self);
      g_clear_object (&self->legend);
    }
  if (legend != NULL)
    {
      self->legend = g_object_ref (legend);
      g_signal_connect_swapped (legend, "entry-clicked", G_CALLBACK (legend_entry_clicked_cb), self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEGEND]);
}

void
emb_color_panel_set_color_by (EmbColorPanel *self,
                              guint          choice)
{
  g_return_if_fail (EMB_IS_COLOR_PANEL (self));

  /* The drop-down's notify::selected does the rest. */
  gtk_drop_down_set_selected (self->color_by, choice);
}

guint
emb_color_panel_get_color_by (EmbColorPanel *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), 0);

  return choice_of (self);
}

void
emb_color_panel_set_cluster_k (EmbColorPanel *self,
                               guint          k)
{
  g_return_if_fail (EMB_IS_COLOR_PANEL (self));

  gtk_spin_button_set_value (self->cluster_k, k);
}

guint
emb_color_panel_get_cluster_k (EmbColorPanel *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), 0);

  return gtk_spin_button_get_value_as_int (self->cluster_k);
}

void
emb_color_panel_set_isolated (EmbColorPanel *self,
                              int            entry)
{
  g_return_if_fail (EMB_IS_COLOR_PANEL (self));

  if (self->isolated == entry)
    return;
  self->isolated = entry;
  apply_colors (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ISOLATED]);
}

int
emb_color_panel_get_isolated (EmbColorPanel *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), -1);

  return self->isolated;
}

void
emb_color_panel_recluster (EmbColorPanel *self)
{
  g_return_if_fail (EMB_IS_COLOR_PANEL (self));

  if (self->scene == NULL)
    return;
  emb_color_panel_set_color_by (self, EMB_COLOR_BY_CLUSTERS);
  start_clustering (self);
}

void
emb_color_panel_cancel (EmbColorPanel *self)
{
  g_return_if_fail (EMB_IS_COLOR_PANEL (self));

  if (self->cluster_cancellable != NULL)
    g_cancellable_cancel (self->cluster_cancellable);
}

const guint16 *
emb_color_panel_get_colors (EmbColorPanel  *self,
                            const guint32 **palette,
                            guint          *n_palette)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), NULL);

  if (palette != NULL)
    *palette = self->palette;
  if (n_palette != NULL)
    *n_palette = self->n_palette;
  return self->category;
}

const char * const *
emb_color_panel_get_legend (EmbColorPanel *self,
                            guint         *n)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), NULL);

  *n = self->names->len;
  return (const char * const *) self->names->pdata;
}

const guint32 *
emb_color_panel_get_clusters (EmbColorPanel       *self,
                              const float         *xs,
                              const float         *ys,
                              float               *out_xy,
                              const char * const **labels,
                              guint               *n_clusters)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), NULL);

  *labels = NULL;
  *n_clusters = 0;
  if (choice_of (self) != EMB_COLOR_BY_CLUSTERS || self->clusters == NULL || self->category == NULL)
    return NULL;
  *labels = (const char * const *) self->clusters->labels;
  *n_clusters = self->clusters->kmeans->k;
  if (out_xy != NULL && xs != NULL && ys != NULL)
    emb_cluster_positions (self->clusters->kmeans, xs, ys, out_xy);
  return self->clusters->kmeans->assignment;
}

const guint8 *
emb_color_panel_get_visible (EmbColorPanel *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), NULL);

  return gtk_check_button_get_active (self->hide_special) ? self->special_mask : NULL;
}

gboolean
emb_color_panel_is_clustering (EmbColorPanel *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), FALSE);

  return self->cluster_cancellable != NULL;
}

double
emb_color_panel_get_progress (EmbColorPanel *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), 0);

  return g_atomic_int_get (&self->progress) / 1000.0;
}

gboolean
emb_color_panel_is_busy (EmbColorPanel *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_PANEL (self), FALSE);

  return self->busy > 0;
}
