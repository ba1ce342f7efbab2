/* emb-neighbors-panel.c: the selected token, the metric and k, and the
 * list of its nearest neighbours.
 *
 * The query runs through emb_scene_neighbors_async (a query over a big
 * LLM table reads gigabytes); a newer one cancels the older.  A row
 * activated emits "token-activated"; the window decides what selecting
 * means (history, the plot).
 */
#include "config.h"

#include "emb-neighbors-panel.h"
#include "emb-panel-util.h"

struct _EmbNeighborsPanel
{
  GtkBox        parent_instance;

  /* template widgets */
  GtkLabel     *selected_label;
  GtkLabel     *selected_info;
  GtkDropDown  *metric_dropdown;
  GtkSpinButton *k_spin;
  GtkListBox   *neighbor_list;

  /* owned */
  EmbScene     *scene;
  gint64        selected;
  GArray       *neighbors;      /* EmbNeighbor */
  GCancellable *cancellable;
  guint         busy;
};

/* A query on its way, for the row it asks about. */
typedef struct
{
  EmbPanelCall call;
  gsize        id;
} Query;

enum
{
  PROP_0,
  PROP_SCENE,
  PROP_SELECTED,
  PROP_METRIC,
  PROP_K,
  N_PROPS
};

enum
{
  TOKEN_ACTIVATED,
  NEIGHBORS_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char * const metric_names[] = { "cosine", "euclidean", "dot" };
static const EmbMetric metrics[] = { EMB_METRIC_COSINE, EMB_METRIC_EUCLIDEAN, EMB_METRIC_DOT };

G_DEFINE_FINAL_TYPE (EmbNeighborsPanel, emb_neighbors_panel, GTK_TYPE_BOX)

/* auxiliary functions */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Query, emb_panel_call_free)

static void
show_none (EmbNeighborsPanel *self)
{
  g_array_set_size (self->neighbors, 0);
  emb_token_list_clear (self->neighbor_list);
  gtk_label_set_text (self->selected_label, "No token selected");
  gtk_label_set_text (self->selected_info, "");
}

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Query) query = user_data;
  EmbNeighborsPanel *self = EMB_NEIGHBORS_PANEL (query->call.panel);
  g_autoptr(GArray) out = emb_scene_neighbors_finish (result, NULL);
  g_autoptr(GError) error = NULL;

  /* Superseded: a newer query or scene has taken over. */
  if (out == NULL || g_cancellable_is_cancelled (query->call.cancellable) ||
      query->call.scene != self->scene || (gint64) query->id != self->selected)
    return;
  /* The file changed under the query: its answer is not the file's. */
  if (!emb_dataset_check_unchanged (self->scene->dataset, &error))
    {
      g_array_set_size (self->neighbors, 0);
      emb_token_list_clear (self->neighbor_list);
      gtk_label_set_text (self->selected_info, error->message);
      g_signal_emit (self, signals[NEIGHBORS_CHANGED], 0);
      return;
    }
  g_array_set_size (self->neighbors, 0);
  g_array_append_vals (self->neighbors, out->data, out->len);
  emb_token_list_show_neighbors (self->neighbor_list, self->scene->dataset->vocab,
                                 (EmbNeighbor *) out->data, out->len);
  g_signal_emit (self, signals[NEIGHBORS_CHANGED], 0);
}

static void
start_query (EmbNeighborsPanel *self)
{
  Query *query;

  emb_panel_renew_cancellable (&self->cancellable);
  g_array_set_size (self->neighbors, 0);
  if (self->scene == NULL || self->selected < 0)
    return;

  query = emb_panel_call_new (sizeof (Query), GTK_WIDGET (self), &self->busy,
                              self->cancellable, self->scene);
  query->id = (gsize) self->selected;
  emb_scene_neighbors_async (self->scene, query->id,
                             metrics[MIN (gtk_drop_down_get_selected (self->metric_dropdown), 2u)],
                             gtk_spin_button_get_value_as_int (self->k_spin),
                             self->cancellable, query_done, query);
}

/* callbacks */

static void
metric_changed_cb (EmbNeighborsPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METRIC]);
  start_query (self);
}

static void
k_changed_cb (EmbNeighborsPanel *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_K]);
  start_query (self);
}

/* GObject overrides */

static void
emb_neighbors_panel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  EmbNeighborsPanel *self = EMB_NEIGHBORS_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: g_value_set_boxed (value, self->scene); break;
    case PROP_SELECTED: g_value_set_int64 (value, self->selected); break;
    case PROP_METRIC: g_value_set_string (value, emb_neighbors_panel_get_metric (self)); break;
    case PROP_K: g_value_set_uint (value, emb_neighbors_panel_get_k (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_neighbors_panel_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  EmbNeighborsPanel *self = EMB_NEIGHBORS_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: emb_neighbors_panel_set_scene (self, g_value_get_boxed (value)); break;
    case PROP_SELECTED: emb_neighbors_panel_set_selected (self, g_value_get_int64 (value)); break;
    case PROP_METRIC: emb_neighbors_panel_set_metric (self, g_value_get_string (value)); break;
    case PROP_K: emb_neighbors_panel_set_k (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_neighbors_panel_dispose (GObject *object)
{
  EmbNeighborsPanel *self = EMB_NEIGHBORS_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EMB_TYPE_NEIGHBORS_PANEL);
  G_OBJECT_CLASS (emb_neighbors_panel_parent_class)->dispose (object);
}

static void
emb_neighbors_panel_finalize (GObject *object)
{
  EmbNeighborsPanel *self = EMB_NEIGHBORS_PANEL (object);

  g_clear_pointer (&self->scene, emb_scene_unref);
  g_clear_object (&self->cancellable);
  g_array_unref (self->neighbors);
  G_OBJECT_CLASS (emb_neighbors_panel_parent_class)->finalize (object);
}

static void
emb_neighbors_panel_class_init (EmbNeighborsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = emb_neighbors_panel_get_property;
  object_class->set_property = emb_neighbors_panel_set_property;
  object_class->dispose = emb_neighbors_panel_dispose;
  object_class->finalize = emb_neighbors_panel_finalize;

  properties[PROP_SCENE] = emb_panel_scene_param ();
  properties[PROP_SELECTED] =
    g_param_spec_int64 ("selected", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_METRIC] =
    g_param_spec_string ("metric", NULL, NULL, "cosine",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_K] =
    g_param_spec_uint ("k", NULL, NULL, 1, 200, 20,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The neighbours of the selection are listed. */
  signals[NEIGHBORS_CHANGED] =
    g_signal_new ("neighbors-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/emb-neighbors-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EmbNeighborsPanel, selected_label);
  gtk_widget_class_bind_template_child (widget_class, EmbNeighborsPanel, selected_info);
  gtk_widget_class_bind_template_child (widget_class, EmbNeighborsPanel, metric_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EmbNeighborsPanel, k_spin);
  gtk_widget_class_bind_template_child (widget_class, EmbNeighborsPanel, neighbor_list);
  signals[TOKEN_ACTIVATED] = emb_panel_class_add_token_activated (widget_class);
}

static void
emb_neighbors_panel_init (EmbNeighborsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->selected = -1;
  self->neighbors = g_array_new (FALSE, FALSE, sizeof (EmbNeighbor));
  self->cancellable = g_cancellable_new ();
  emb_token_list_set_placeholder (self->neighbor_list,
                                  "Click a point or search for a token to see its nearest neighbours.");
  show_none (self);
  g_signal_connect_object (self->metric_dropdown, "notify::selected",
                           G_CALLBACK (metric_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->k_spin, "value-changed",
                           G_CALLBACK (k_changed_cb), self, G_CONNECT_SWAPPED);
}

/* public API */

void
emb_neighbors_panel_set_scene (EmbNeighborsPanel *self,
                               EmbScene          *scene)
{
  g_return_if_fail (EMB_IS_NEIGHBORS_PANEL (self));

  if (self->scene == scene)
    return;
  g_clear_pointer (&self->scene, emb_scene_unref);
  self->scene = scene != NULL ? emb_scene_ref (scene) : NULL;
  emb_neighbors_panel_set_selected (self, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCENE]);
}

EmbScene *
emb_neighbors_panel_get_scene (EmbNeighborsPanel *self)
{
  g_return_val_if_fail (EMB_IS_NEIGHBORS_PANEL (self), NULL);

  return self->scene;
}

void
emb_neighbors_panel_set_selected (EmbNeighborsPanel *self,
                                  gint64             id)
{
  gint64 old;
  g_autofree char *info = NULL;
  gsize nc;

  g_return_if_fail (EMB_IS_NEIGHBORS_PANEL (self));

  old = self->selected;
  if (self->scene == NULL || id < 0 || (guint64) id >= emb_scene_n_rows (self->scene))
    id = -1;
  self->selected = id;
  if (id < 0)
    {
      g_cancellable_cancel (self->cancellable);
      show_none (self);
    }
  else
    {
      nc = self->scene->n_components;
      gtk_label_set_text (self->selected_label, emb_vocab_display (self->scene->dataset->vocab, id));
      info = g_strdup_printf ("#%" G_GINT64_FORMAT "  ·  PC1 %.3g, PC2 %.3g", id,
                              self->scene->coords[id * nc],
                              self->scene->coords[id * nc + (nc > 1)]);
      gtk_label_set_text (self->selected_info, info);
      /* Asked again for the same row: query again all the same. */
      start_query (self);
    }
  if (old != id)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

gint64
emb_neighbors_panel_get_selected (EmbNeighborsPanel *self)
{
  g_return_val_if_fail (EMB_IS_NEIGHBORS_PANEL (self), -1);

  return self->selected;
}

void
emb_neighbors_panel_set_metric (EmbNeighborsPanel *self,
                                const char        *metric)
{
  g_return_if_fail (EMB_IS_NEIGHBORS_PANEL (self));

  for (guint i = 0; i < G_N_ELEMENTS (metric_names); i++)
    if (g_strcmp0 (metric, metric_names[i]) == 0)
      gtk_drop_down_set_selected (self->metric_dropdown, i);
}

const char *
emb_neighbors_panel_get_metric (EmbNeighborsPanel *self)
{
  g_return_val_if_fail (EMB_IS_NEIGHBORS_PANEL (self), NULL);

  return metric_names[MIN (gtk_drop_down_get_selected (self->metric_dropdown), 2u)];
}

void
emb_neighbors_panel_set_k (EmbNeighborsPanel *self,
                           guint              k)
{
  g_return_if_fail (EMB_IS_NEIGHBORS_PANEL (self));

  gtk_spin_button_set_value (self->k_spin, k);
}

guint
emb_neighbors_panel_get_k (EmbNeighborsPanel *self)
{
  g_return_val_if_fail (EMB_IS_NEIGHBORS_PANEL (self), 0);

  return gtk_spin_button_get_value_as_int (self->k_spin);
}

const EmbNeighbor *
emb_neighbors_panel_get_neighbors (EmbNeighborsPanel *self,
                                   gsize             *n)
{
  g_return_val_if_fail (EMB_IS_NEIGHBORS_PANEL (self), NULL);

  *n = self->neighbors->len;
  return (const EmbNeighbor *) self->neighbors->data;
}

gboolean
emb_neighbors_panel_is_busy (EmbNeighborsPanel *self)
{
  g_return_val_if_fail (EMB_IS_NEIGHBORS_PANEL (self), FALSE);

  return self->busy > 0;
}
