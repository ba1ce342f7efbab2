/* emb-analogy-panel.c: three entries, A − B + C, and the nearest tokens.
 *
 * The query runs through emb_scene_analogy_async; a newer one cancels the
 * older.  "analogy-changed" tells the window to draw it on the plot;
 * "token-activated" gives a row activated.
 */
#include "config.h"

#include <string.h>

#include "emb-analogy-panel.h"
#include "emb-panel-util.h"

#define ANALOGY_K 20

struct _EmbAnalogyPanel
{
  GtkBox        parent_instance;

  /* template widgets */
  GtkEntry     *analogy_a;
  GtkEntry     *analogy_b;
  GtkEntry     *analogy_c;
  GtkLabel     *analogy_status;
  GtkListBox   *analogy_list;

  /* owned */
  EmbScene     *scene;
  gsize         abc[3];
  GArray       *result;         /* EmbNeighbor */
  GCancellable *cancellable;
  guint         busy;
};

/* A query on its way, for the three rows it asks about. */
typedef struct
{
  EmbPanelCall call;
  gsize        abc[3];
} Query;

enum
{
  PROP_0,
  PROP_SCENE,
  N_PROPS
};

enum
{
  TOKEN_ACTIVATED,
  ANALOGY_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (EmbAnalogyPanel, emb_analogy_panel, GTK_TYPE_BOX)

/* auxiliary functions */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Query, emb_panel_call_free)

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Query) query = user_data;
  EmbAnalogyPanel *self = EMB_ANALOGY_PANEL (query->call.panel);
  g_autoptr(GArray) out = emb_scene_analogy_finish (result, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  EmbVocab *vocab;

  if (out == NULL || g_cancellable_is_cancelled (query->call.cancellable) ||
      query->call.scene != self->scene)
    return;
  if (!emb_dataset_check_unchanged (self->scene->dataset, &error))
    {
      g_array_set_size (self->result, 0);
      emb_token_list_clear (self->analogy_list);
      gtk_label_set_text (self->analogy_status, error->message);
      g_signal_emit (self, signals[ANALOGY_CHANGED], 0);
      return;
    }
  vocab = self->scene->dataset->vocab;
  memcpy (self->abc, query->abc, sizeof self->abc);
  g_array_set_size (self->result, 0);
  g_array_append_vals (self->result, out->data, out->len);
  emb_token_list_show_neighbors (self->analogy_list, vocab, (EmbNeighbor *) out->data, out->len);
  if (out->len > 0)
    status = g_strdup_printf ("%s − %s + %s ≈ %s",
                              emb_vocab_display (vocab, query->abc[0]),
                              emb_vocab_display (vocab, query->abc[1]),
                              emb_vocab_display (vocab, query->abc[2]),
                              emb_vocab_display (vocab, g_array_index (out, EmbNeighbor, 0).id));
  gtk_label_set_text (self->analogy_status, status != NULL ? status : "");
  g_signal_emit (self, signals[ANALOGY_CHANGED], 0);
}

/* The row of an entry's token (its placeholder when empty); else the
 * entry turns red and the status says so. */
static gboolean
resolve_entry (EmbAnalogyPanel *self,
               GtkEntry        *entry,
               gsize           *id)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *msg = NULL;

  if (text[0] == '\0')
    text = gtk_entry_get_placeholder_text (entry);
  if (emb_vocab_lookup (self->scene->dataset->vocab, text, id))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
      return TRUE;
    }
  gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
  msg = g_strdup_printf ("“%s” is not in the vocabulary.", text);
  gtk_label_set_text (self->analogy_status, msg);
  return FALSE;
}

/* callbacks */

static void
run_cb (EmbAnalogyPanel *self)
{
  emb_analogy_panel_run (self);
}

/* GObject overrides */

static void
emb_analogy_panel_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  EmbAnalogyPanel *self = EMB_ANALOGY_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: g_value_set_boxed (value, self->scene); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_analogy_panel_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  EmbAnalogyPanel *self = EMB_ANALOGY_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: emb_analogy_panel_set_scene (self, g_value_get_boxed (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_analogy_panel_dispose (GObject *object)
{
  EmbAnalogyPanel *self = EMB_ANALOGY_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EMB_TYPE_ANALOGY_PANEL);
  G_OBJECT_CLASS (emb_analogy_panel_parent_class)->dispose (object);
}

static void
emb_analogy_panel_finalize (GObject *object)
{
  EmbAnalogyPanel *self = EMB_ANALOGY_PANEL (object);

  g_clear_pointer (&self->scene, emb_scene_unref);
  g_clear_object (&self->cancellable);
  g_array_unref (self->result);
  G_OBJECT_CLASS (emb_analogy_panel_parent_class)->finalize (object);
}

static void
emb_analogy_panel_class_init (EmbAnalogyPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = emb_analogy_panel_get_property;
  object_class->set_property = emb_analogy_panel_set_property;
  object_class->dispose = emb_analogy_panel_dispose;
  object_class->finalize = emb_analogy_panel_finalize;

  properties[PROP_SCENE] = emb_panel_scene_param ();
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ANALOGY_CHANGED] =
    g_signal_new ("analogy-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/emb-analogy-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EmbAnalogyPanel, analogy_a);
  gtk_widget_class_bind_template_child (widget_class, EmbAnalogyPanel, analogy_b);
  gtk_widget_class_bind_template_child (widget_class, EmbAnalogyPanel, analogy_c);
  gtk_widget_class_bind_template_child (widget_class, EmbAnalogyPanel, analogy_status);
  gtk_widget_class_bind_template_child (widget_class, EmbAnalogyPanel, analogy_list);
  gtk_widget_class_bind_template_callback (widget_class, run_cb);
  signals[TOKEN_ACTIVATED] = emb_panel_class_add_token_activated (widget_class);
}

static void
emb_analogy_panel_init (EmbAnalogyPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->result = g_array_new (FALSE, FALSE, sizeof (EmbNeighbor));
  self->cancellable = g_cancellable_new ();
  emb_token_list_set_placeholder (self->analogy_list, "A − B + C: which tokens are nearest?");
}

/* public API */

void
emb_analogy_panel_set_scene (EmbAnalogyPanel *self,
                             EmbScene        *scene)
{
  g_return_if_fail (EMB_IS_ANALOGY_PANEL (self));

  if (self->scene == scene)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->scene, emb_scene_unref);
  self->scene = scene != NULL ? emb_scene_ref (scene) : NULL;
  g_array_set_size (self->result, 0);
  emb_token_list_clear (self->analogy_list);
  gtk_label_set_text (self->analogy_status, "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCENE]);
}

EmbScene *
emb_analogy_panel_get_scene (EmbAnalogyPanel *self)
{
  g_return_val_if_fail (EMB_IS_ANALOGY_PANEL (self), NULL);

  return self->scene;
}

void
emb_analogy_panel_run (EmbAnalogyPanel *self)
{
  Query *query;
  gsize abc[3];

  g_return_if_fail (EMB_IS_ANALOGY_PANEL (self));

  if (self->scene == NULL)
    return;
  if (!resolve_entry (self, self->analogy_a, &abc[0]) ||
      !resolve_entry (self, self->analogy_b, &abc[1]) ||
      !resolve_entry (self, self->analogy_c, &abc[2]))
    return;
  if (emb_scene_n_rows (self->scene) <= 3)
    return;
  gtk_label_set_text (self->analogy_status, "");

  emb_panel_renew_cancellable (&self->cancellable);
  query = emb_panel_call_new (sizeof (Query), GTK_WIDGET (self), &self->busy,
                              self->cancellable, self->scene);
  memcpy (query->abc, abc, sizeof abc);
  emb_scene_analogy_async (self->scene, abc[0], abc[1], abc[2], ANALOGY_K,
                           self->cancellable, query_done, query);
}

void
emb_analogy_panel_focus (EmbAnalogyPanel *self)
{
  g_return_if_fail (EMB_IS_ANALOGY_PANEL (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->analogy_a));
}

const EmbNeighbor *
emb_analogy_panel_get_result (EmbAnalogyPanel *self,
                              gsize            abc[3],
                              gsize           *n)
{
  g_return_val_if_fail (EMB_IS_ANALOGY_PANEL (self), NULL);

  memcpy (abc, self->abc, sizeof self->abc);
  *n = self->result->len;
  return (const EmbNeighbor *) self->result->data;
}

gboolean
emb_analogy_panel_is_busy (EmbAnalogyPanel *self)
{
  g_return_val_if_fail (EMB_IS_ANALOGY_PANEL (self), FALSE);

  return self->busy > 0;
}
