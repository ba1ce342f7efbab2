/* emb-map-panel.c: the projection chooser and the runs of t-SNE and UMAP.
 *
 * A run goes through emb_projection_compute_async, its frames through an
 * EmbMapControl: the worker hands over its newest layout every few
 * iterations, the panel takes it in the main loop and says "map-changed",
 * so the plot animates while the UI stays free.  Pause holds the worker
 * inside its frame call; Stop cancels the run (which wakes a paused
 * worker) and brings back the map shown before it.  A finished map is
 * stored in the cache (map/emb-projection-cache.h) and found there the
 * next time the same file is shown with the same options.
 */
#include "config.h"

#include <string.h>

#include "emb-map-panel.h"
#include "emb-panel-util.h"
#include "map/emb-map-control.h"
#include "map/emb-projection-cache.h"

/* Frames a run shows: one every this many iterations. */
#define MAP_FRAME_EVERY 5
#define MAP_PROGRESS_MS 100

struct _EmbMapPanel
{
  GtkBox          parent_instance;

  /* template widgets */
  GtkDropDown    *method_drop;
  GtkWidget      *perplexity_label;
  GtkSpinButton  *perplexity_spin;
  GtkWidget      *neighbors_label;
  GtkSpinButton  *neighbors_spin;
  GtkWidget      *min_dist_label;
  GtkSpinButton  *min_dist_spin;
  GtkSpinButton  *iterations_spin;
  GtkSpinButton  *seed_spin;
  GtkWidget      *run_button;
  GtkToggleButton *pause_button;
  GtkWidget      *stop_button;
  GtkProgressBar *map_progress;
  GtkLabel       *map_status;

  /* owned */
  EmbScene       *scene;
  float          *map;          /* shown: n_rows x dims, or NULL for PCA */
  guint           dims;
  float          *before;       /* shown before the run, for Stop */
  guint           before_dims;
  GCancellable   *cancellable;
  EmbMapControl  *control;      /* of the run in flight, or NULL */
  gint            progress;     /* per mille, written by the worker */
  guint           progress_timeout;
  gint64          started;
  gboolean        fit_next;     /* the next frame is the run's first */
  gboolean        quiet;        /* setting the drop-down from code */
  gboolean        running;      /* as last notified */
  guint           busy;
};

/* A run on its way. */
typedef struct
{
  EmbPanelCall   call;
  EmbMapControl *control;
  char          *cache_key;     /* or NULL */
} Run;

enum
{
  PROP_0,
  PROP_SCENE,
  PROP_RUNNING,
  N_PROPS
};

enum
{
  MAP_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (EmbMapPanel, emb_map_panel, GTK_TYPE_BOX)

/* auxiliary functions */

static void
run_free (gpointer data)
{
  Run *run = data;

  emb_map_control_unref (run->control);
  g_free (run->cache_key);
  emb_panel_call_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static const char *
method_name (EmbProjectionMethod method)
{
  return method == EMB_PROJECTION_TSNE ? "t-SNE" : method == EMB_PROJECTION_UMAP ? "UMAP" : "PCA";
}

/* The map shown becomes coords (taken; NULL: PCA). */
static void
show_map (EmbMapPanel *self,
          float       *coords,
          guint        dims,
          gboolean     fit)
{
  g_free (self->map);
  self->map = coords;
  self->dims = coords != NULL ? dims : 0;
  g_signal_emit (self, signals[MAP_CHANGED], 0, fit);
}

static void
update_buttons (EmbMapPanel *self)
{
  gboolean running = self->control != NULL;
  gboolean map = gtk_drop_down_get_selected (self->method_drop) != EMB_PROJECTION_PCA;

  gtk_widget_set_sensitive (self->run_button, self->scene != NULL && map && !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pause_button), running);
  gtk_widget_set_sensitive (self->stop_button, running);
  gtk_widget_set_visible (GTK_WIDGET (self->map_progress), running);
  if (running != self->running)
    {
      self->running = running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }
  if (!running)
    {
      self->quiet = TRUE;
      gtk_toggle_button_set_active (self->pause_button, FALSE);
      self->quiet = FALSE;
    }
}

static void
update_rows (EmbMapPanel *self)
{
  guint method = gtk_drop_down_get_selected (self->method_drop);
  gboolean tsne = method == EMB_PROJECTION_TSNE, umap = method == EMB_PROJECTION_UMAP;

  gtk_widget_set_visible (self->perplexity_label, tsne);
  gtk_widget_set_visible (GTK_WIDGET (self->perplexity_spin), tsne);
  gtk_widget_set_visible (self->neighbors_label, umap);
  gtk_widget_set_visible (GTK_WIDGET (self->neighbors_spin), umap);
  gtk_widget_set_visible (self->min_dist_label, umap);
  gtk_widget_set_visible (GTK_WIDGET (self->min_dist_spin), umap);
}

static void
read_options (EmbMapPanel          *self,
              EmbProjectionOptions *o)
{
  emb_projection_options_init (o);
  o->method = gtk_drop_down_get_selected (self->method_drop);
  o->perplexity = gtk_spin_button_get_value (self->perplexity_spin);
  o->n_neighbors = (guint) gtk_spin_button_get_value_as_int (self->neighbors_spin);
  o->min_dist = gtk_spin_button_get_value (self->min_dist_spin);
  o->n_iterations = (guint) gtk_spin_button_get_value_as_int (self->iterations_spin);
  o->seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  o->frame_every = MAP_FRAME_EVERY;
}

static void
stop_progress (EmbMapPanel *self)
{
  g_clear_handle_id (&self->progress_timeout, g_source_remove);
  g_clear_pointer (&self->control, emb_map_control_unref);
  update_buttons (self);
}

static char *
summary (const EmbProjection *p,
         const char          *how)
{
  g_autofree char *graph = NULL;

  if (p->graph_exact)
    graph = g_strdup_printf ("exact %u-neighbour graph", p->graph_k);
  else
    graph = g_strdup_printf ("%u-neighbour graph, recall %.3f", p->graph_k, p->graph_recall);
  return g_strdup_printf ("%s of %zu rows %s · %s on %zu columns", method_name (p->options.method),
                          p->n, how, graph, p->graph_dims);
}

/* In the main loop, when the worker has a frame. */
static gboolean
frame_ready (gpointer user_data)
{
  EmbMapPanel *self = user_data;
  gsize n;
  guint dims, it, n_it;
  float *frame;
  g_autofree char *status = NULL;

  if (self->control == NULL)
    return G_SOURCE_REMOVE;
  frame = emb_map_control_take_frame (self->control, &n, &dims, &it, &n_it);
  if (frame == NULL || self->scene == NULL || n != emb_scene_n_rows (self->scene))
    {
      g_free (frame);
      return G_SOURCE_REMOVE;
    }
  show_map (self, frame, dims, self->fit_next);
  self->fit_next = FALSE;
  status = g_strdup_printf ("%s %u of %u · %.1f s",
                            emb_map_control_is_paused (self->control) ? "Paused at iteration" : "Iteration",
                            it, n_it, (g_get_monotonic_time () - self->started) / 1e6);
  gtk_label_set_text (self->map_status, status);
  return G_SOURCE_REMOVE;
}

static gboolean
progress_tick (gpointer user_data)
{
  EmbMapPanel *self = user_data;

  gtk_progress_bar_set_fraction (self->map_progress, g_atomic_int_get (&self->progress) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
progress_cb (double   fraction,
             gpointer user_data)
{
  g_atomic_int_set ((gint *) user_data, (gint) (fraction * 1000.0));
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Run) run = user_data;
  EmbMapPanel *self = EMB_MAP_PANEL (run->call.panel);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbProjection) p = emb_projection_compute_finish (result, &error);
  g_autofree char *status = NULL, *how = NULL;

  (void) source;
  /* Stopped or superseded: whoever did that has set the panel. */
  if (g_cancellable_is_cancelled (run->call.cancellable) || run->call.scene != self->scene)
    return;
  stop_progress (self);
  if (p == NULL)
    {
      g_autofree float *before = g_steal_pointer (&self->before);

      gtk_label_set_text (self->map_status, error->message);
      show_map (self, g_steal_pointer (&before), self->before_dims, TRUE);
      return;
    }
  if (run->cache_key != NULL)
    {
      g_autoptr(GError) cache_error = NULL;

      if (!emb_projection_cache_save (run->cache_key, p, &cache_error))
        g_warning ("The map is not cached: %s", cache_error->message);
    }
  g_clear_pointer (&self->before, g_free);
  how = g_strdup_printf ("in %.1f s", (g_get_monotonic_time () - self->started) / 1e6);
  status = summary (p, how);
  gtk_label_set_text (self->map_status, status);
  show_map (self, g_steal_pointer (&p->coords), p->options.dims, FALSE);
}

/* The cached map for the options, shown; FALSE when there is none. */
static gboolean
show_cached (EmbMapPanel                *self,
             const EmbProjectionOptions *o,
             const char                 *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbProjection) p = NULL;
  g_autofree char *status = NULL;

  if (key == NULL)
    return FALSE;
  p = emb_projection_cache_load (key, emb_scene_n_rows (self->scene), &error);
  if (p == NULL)
    {
      if (error != NULL)
        g_warning ("%s", error->message);
      return FALSE;
    }
  (void) o;
  status = summary (p, "from the cache");
  gtk_label_set_text (self->map_status, status);
  show_map (self, g_steal_pointer (&p->coords), p->options.dims, TRUE);
  return TRUE;
}

static void
start_run (EmbMapPanel *self)
{
  EmbProjectionOptions o;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  Run *run;

  read_options (self, &o);
  if (self->scene == NULL || o.method == EMB_PROJECTION_PCA)
    return;
  emb_map_panel_stop (self);
  if (!emb_projection_options_check (&o, emb_scene_n_rows (self->scene), &error))
    {
      gtk_label_set_text (self->map_status, error->message);
      return;
    }
  key = emb_projection_cache_key (self->scene->dataset, &o);
  if (show_cached (self, &o, key))
    return;

  g_free (self->before);
  self->before = self->map != NULL ? g_memdup2 (self->map, emb_scene_n_rows (self->scene) * self->dims * sizeof (float)) : NULL;
  self->before_dims = self->dims;
  emb_panel_renew_cancellable (&self->cancellable);
  self->control = emb_map_control_new (self->cancellable, NULL, frame_ready, self);
  run = emb_panel_call_new (sizeof (Run), GTK_WIDGET (self), &self->busy, self->cancellable, self->scene);
  run->control = emb_map_control_ref (self->control);
  run->cache_key = g_steal_pointer (&key);
  self->started = g_get_monotonic_time ();
  self->fit_next = TRUE;
  g_atomic_int_set (&self->progress, 0);
  self->progress_timeout = g_timeout_add (MAP_PROGRESS_MS, progress_tick, self);
  gtk_progress_bar_set_fraction (self->map_progress, 0.0);
  gtk_label_set_text (self->map_status, "Finding every row's neighbours…");
  update_buttons (self);
  emb_projection_compute_async (self->scene->dataset->matrix, &o,
                                emb_map_control_frame, run->control,
                                progress_cb, &self->progress,
                                self->cancellable, run_done, run);
}

static void
method_changed_cb (EmbMapPanel *self)
{
  update_rows (self);
  if (self->quiet)
    return;
  if (gtk_drop_down_get_selected (self->method_drop) == EMB_PROJECTION_PCA)
    {
      emb_map_panel_stop (self);
      g_clear_pointer (&self->before, g_free);
      gtk_label_set_text (self->map_status, "");
      show_map (self, NULL, 0, TRUE);
      update_buttons (self);
      return;
    }
  start_run (self);
  update_buttons (self);
}

static void
run_cb (EmbMapPanel *self)
{
  start_run (self);
}

static void
pause_cb (EmbMapPanel *self)
{
  if (!self->quiet)
    emb_map_panel_set_paused (self, gtk_toggle_button_get_active (self->pause_button));
}

static void
stop_cb (EmbMapPanel *self)
{
  emb_map_panel_stop (self);
}

/* GObject implementation */

static void
emb_map_panel_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  EmbMapPanel *self = EMB_MAP_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: g_value_set_boxed (value, self->scene); break;
    case PROP_RUNNING: g_value_set_boolean (value, self->running); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_map_panel_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  EmbMapPanel *self = EMB_MAP_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: emb_map_panel_set_scene (self, g_value_get_boxed (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_map_panel_dispose (GObject *object)
{
  EmbMapPanel *self = EMB_MAP_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  if (self->control != NULL)
    emb_map_control_detach (self->control);
  g_clear_handle_id (&self->progress_timeout, g_source_remove);
  g_clear_pointer (&self->control, emb_map_control_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), EMB_TYPE_MAP_PANEL);
  G_OBJECT_CLASS (emb_map_panel_parent_class)->dispose (object);
}

static void
emb_map_panel_finalize (GObject *object)
{
  EmbMapPanel *self = EMB_MAP_PANEL (object);

  g_clear_pointer (&self->scene, emb_scene_unref);
  g_clear_object (&self->cancellable);
  g_free (self->map);
  g_free (self->before);
  G_OBJECT_CLASS (emb_map_panel_parent_class)->finalize (object);
}

static void
emb_map_panel_class_init (EmbMapPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = emb_map_panel_get_property;
  object_class->set_property = emb_map_panel_set_property;
  object_class->dispose = emb_map_panel_dispose;
  object_class->finalize = emb_map_panel_finalize;

  properties[PROP_SCENE] = emb_panel_scene_param ();
  /* A map is being computed (and can be paused or stopped). */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The map to show changed (emb_map_panel_get_map); fit: the view should
   * fit it (a new map), not stay where it is (a frame of a run). */
  signals[MAP_CHANGED] =
    g_signal_new ("map-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/emb-map-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, method_drop);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, perplexity_label);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, perplexity_spin);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, neighbors_label);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, neighbors_spin);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, min_dist_label);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, min_dist_spin);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, iterations_spin);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, run_button);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, pause_button);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, stop_button);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, map_progress);
  gtk_widget_class_bind_template_child (widget_class, EmbMapPanel, map_status);
  gtk_widget_class_bind_template_callback (widget_class, method_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, run_cb);
  gtk_widget_class_bind_template_callback (widget_class, pause_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_cb);
}

static void
emb_map_panel_init (EmbMapPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  update_rows (self);
  update_buttons (self);
}

/* public API */

void
emb_map_panel_set_scene (EmbMapPanel *self,
                         EmbScene    *scene)
{
  EmbProjectionOptions o;
  g_autofree char *key = NULL;

  g_return_if_fail (EMB_IS_MAP_PANEL (self));

  if (self->scene == scene)
    return;
  emb_map_panel_stop (self);
  g_clear_pointer (&self->before, g_free);
  g_clear_pointer (&self->map, g_free);
  self->dims = 0;
  g_clear_pointer (&self->scene, emb_scene_unref);
  self->scene = scene != NULL ? emb_scene_ref (scene) : NULL;
  gtk_label_set_text (self->map_status, "");
  read_options (self, &o);
  if (self->scene != NULL && o.method != EMB_PROJECTION_PCA &&
      emb_projection_options_check (&o, emb_scene_n_rows (self->scene), NULL))
    key = emb_projection_cache_key (self->scene->dataset, &o);
  /* The chosen map when it is cached; else back to PCA, as a run on a big
   * table is the user's to start. */
  if (self->scene == NULL || !show_cached (self, &o, key))
    {
      self->quiet = TRUE;
      gtk_drop_down_set_selected (self->method_drop, EMB_PROJECTION_PCA);
      self->quiet = FALSE;
    }
  update_rows (self);
  update_buttons (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCENE]);
}

EmbScene *
emb_map_panel_get_scene (EmbMapPanel *self)
{
  g_return_val_if_fail (EMB_IS_MAP_PANEL (self), NULL);
  return self->scene;
}

void
emb_map_panel_set_method (EmbMapPanel         *self,
                          EmbProjectionMethod  method)
{
  g_return_if_fail (EMB_IS_MAP_PANEL (self));
  g_return_if_fail (method <= EMB_PROJECTION_UMAP);

  if (gtk_drop_down_get_selected (self->method_drop) == method)
    {
      if (method != EMB_PROJECTION_PCA && self->map == NULL && self->control == NULL)
        start_run (self);
      return;
    }
  gtk_drop_down_set_selected (self->method_drop, method);
}

EmbProjectionMethod
emb_map_panel_get_method (EmbMapPanel *self)
{
  g_return_val_if_fail (EMB_IS_MAP_PANEL (self), EMB_PROJECTION_PCA);
  return gtk_drop_down_get_selected (self->method_drop);
}

void
emb_map_panel_run (EmbMapPanel *self)
{
  g_return_if_fail (EMB_IS_MAP_PANEL (self));
  start_run (self);
}

void
emb_map_panel_set_paused (EmbMapPanel *self,
                          gboolean     paused)
{
  g_return_if_fail (EMB_IS_MAP_PANEL (self));

  if (self->control == NULL)
    return;
  emb_map_control_set_paused (self->control, paused);
  self->quiet = TRUE;
  gtk_toggle_button_set_active (self->pause_button, paused);
  gtk_button_set_label (GTK_BUTTON (self->pause_button), paused ? "Resume" : "Pause");
  self->quiet = FALSE;
  gtk_label_set_text (self->map_status, paused ? "Paused" : "Resumed");
}

void
emb_map_panel_toggle_pause (EmbMapPanel *self)
{
  g_return_if_fail (EMB_IS_MAP_PANEL (self));

  if (self->control != NULL)
    emb_map_panel_set_paused (self, !emb_map_control_is_paused (self->control));
}

void
emb_map_panel_stop (EmbMapPanel *self)
{
  g_return_if_fail (EMB_IS_MAP_PANEL (self));

  if (self->control == NULL)
    return;
  emb_map_control_detach (self->control);
  g_cancellable_cancel (self->cancellable);
  stop_progress (self);
  gtk_button_set_label (GTK_BUTTON (self->pause_button), "Pause");
  gtk_label_set_text (self->map_status, "Stopped: the map from before is shown");
  show_map (self, g_steal_pointer (&self->before), self->before_dims, TRUE);
}

gboolean
emb_map_panel_is_running (EmbMapPanel *self)
{
  g_return_val_if_fail (EMB_IS_MAP_PANEL (self), FALSE);
  return self->control != NULL || self->busy > 0;
}

const float *
emb_map_panel_get_map (EmbMapPanel *self,
                       guint       *dims)
{
  g_return_val_if_fail (EMB_IS_MAP_PANEL (self), NULL);

  if (dims != NULL)
    *dims = self->dims;
  return self->map;
}
