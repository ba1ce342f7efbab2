/* emb-search-panel.c: the search results: a count and the matching tokens.
 *
 * The search runs through emb_search_tokens_async; a newer one cancels
 * the older.  "matches-changed" tells the window to mark the matches on
 * the plot (its argument is TRUE when a search finished, FALSE when the
 * list was cleared); "token-activated" gives a row activated, or the best
 * match of a search asked to activate it.
 */
#include "config.h"

#include "emb-panel-util.h"
#include "emb-search-panel.h"

#define MAX_SEARCH_ROWS 500

struct _EmbSearchPanel
{
  GtkBox        parent_instance;

  /* template widgets */
  GtkLabel     *search_count;
  GtkListBox   *search_list;

  /* owned */
  EmbScene     *scene;
  GArray       *matches;        /* gsize */
  char         *error;
  char         *last;           /* the text the last search ran on */
  gboolean      last_regex;
  GCancellable *cancellable;
  guint         busy;
};

/* A search on its way, and whether to activate its best match. */
typedef struct
{
  EmbPanelCall call;
  gboolean     activate;
} Search;

enum
{
  PROP_0,
  PROP_SCENE,
  N_PROPS
};

enum
{
  TOKEN_ACTIVATED,
  MATCHES_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (EmbSearchPanel, emb_search_panel, GTK_TYPE_BOX)

/* auxiliary functions */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Search, emb_panel_call_free)

static void
clear (EmbSearchPanel *self)
{
  emb_token_list_clear (self->search_list);
  g_array_set_size (self->matches, 0);
  g_clear_pointer (&self->error, g_free);
  gtk_label_set_text (self->search_count, "");
}

static void
search_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Search) search = user_data;
  EmbSearchPanel *self = EMB_SEARCH_PANEL (search->call.panel);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = emb_search_tokens_finish (result, &error);
  g_autofree char *count = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || search->call.scene != self->scene)
    return;

  clear (self);
  if (ids == NULL)
    {
      self->error = g_strdup (error->message);
      gtk_label_set_text (self->search_count, error->message);
      g_signal_emit (self, signals[MATCHES_CHANGED], 0, FALSE);
      return;
    }
  g_array_append_vals (self->matches, ids->data, ids->len);
  for (guint i = 0; i < ids->len && i < MAX_SEARCH_ROWS; i++)
    gtk_list_box_append (self->search_list,
                         emb_token_row_new (self->scene->dataset->vocab, i + 1, g_array_index (ids, gsize, i), NULL));
  if (ids->len > MAX_SEARCH_ROWS)
    count = g_strdup_printf ("%'u matches (first %d listed)", ids->len, MAX_SEARCH_ROWS);
  else
    count = g_strdup_printf (ids->len == 1 ? "%'u match" : "%'u matches", ids->len);
  gtk_label_set_text (self->search_count, count);
  g_signal_emit (self, signals[MATCHES_CHANGED], 0, TRUE);

  if (search->activate && ids->len > 0)
    g_signal_emit (self, signals[TOKEN_ACTIVATED], 0, (guint64) g_array_index (ids, gsize, 0));
}

/* GObject overrides */

static void
emb_search_panel_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  EmbSearchPanel *self = EMB_SEARCH_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: g_value_set_boxed (value, self->scene); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_search_panel_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  EmbSearchPanel *self = EMB_SEARCH_PANEL (object);

  switch (prop_id)
    {
    case PROP_SCENE: emb_search_panel_set_scene (self, g_value_get_boxed (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
emb_search_panel_dispose (GObject *object)
{
  EmbSearchPanel *self = EMB_SEARCH_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EMB_TYPE_SEARCH_PANEL);
  G_OBJECT_CLASS (emb_search_panel_parent_class)->dispose (object);
}

static void
emb_search_panel_finalize (GObject *object)
{
  EmbSearchPanel *self = EMB_SEARCH_PANEL (object);

  g_clear_pointer (&self->scene, emb_scene_unref);
  g_clear_object (&self->cancellable);
  g_array_unref (self->matches);
  g_free (self->error);
  g_free (self->last);
  G_OBJECT_CLASS (emb_search_panel_parent_class)->finalize (object);
}

static void
emb_search_panel_class_init (EmbSearchPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = emb_search_panel_get_property;
  object_class->set_property = emb_search_panel_set_property;
  object_class->dispose = emb_search_panel_dispose;
  object_class->finalize = emb_search_panel_finalize;

  properties[PROP_SCENE] = emb_panel_scene_param ();
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MATCHES_CHANGED] =
    g_signal_new ("matches-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/emb-search-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EmbSearchPanel, search_count);
  gtk_widget_class_bind_template_child (widget_class, EmbSearchPanel, search_list);
  signals[TOKEN_ACTIVATED] = emb_panel_class_add_token_activated (widget_class);
}

static void
emb_search_panel_init (EmbSearchPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->matches = g_array_new (FALSE, FALSE, sizeof (gsize));
  self->cancellable = g_cancellable_new ();
  emb_token_list_set_placeholder (self->search_list, "Type in the search bar (Ctrl+F) to find tokens.");
}

/* public API */

void
emb_search_panel_set_scene (EmbSearchPanel *self,
                            EmbScene       *scene)
{
  g_return_if_fail (EMB_IS_SEARCH_PANEL (self));

  if (self->scene == scene)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->scene, emb_scene_unref);
  self->scene = scene != NULL ? emb_scene_ref (scene) : NULL;
  g_clear_pointer (&self->last, g_free);
  clear (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCENE]);
}

EmbScene *
emb_search_panel_get_scene (EmbSearchPanel *self)
{
  g_return_val_if_fail (EMB_IS_SEARCH_PANEL (self), NULL);

  return self->scene;
}

void
emb_search_panel_search (EmbSearchPanel *self,
                         const char     *text,
                         gboolean        regex,
                         gboolean        activate)
{
  Search *search;

  g_return_if_fail (EMB_IS_SEARCH_PANEL (self));

  /* The entry reports a change a moment after typing stops; when Enter
   * came first, the search it started (which selects the best match) is
   * already for this text: let it finish. */
  if (!activate && self->last != NULL && g_str_equal (self->last, text) && self->last_regex == regex)
    return;
  g_free (self->last);
  self->last = g_strdup (text);
  self->last_regex = regex;

  emb_panel_renew_cancellable (&self->cancellable);

  if (self->scene == NULL)
    return;
  if (text[0] == '\0')
    {
      clear (self);
      g_signal_emit (self, signals[MATCHES_CHANGED], 0, FALSE);
      return;
    }

  search = emb_panel_call_new (sizeof (Search), GTK_WIDGET (self), &self->busy,
                               self->cancellable, self->scene);
  search->activate = activate;
  emb_search_tokens_async (self->scene->dataset->vocab, text, regex, self->cancellable,
                           search_done, search);
}

const gsize *
emb_search_panel_get_matches (EmbSearchPanel *self,
                              gsize          *n)
{
  g_return_val_if_fail (EMB_IS_SEARCH_PANEL (self), NULL);

  *n = self->matches->len;
  return (const gsize *) self->matches->data;
}

const char *
emb_search_panel_get_error (EmbSearchPanel *self)
{
  g_return_val_if_fail (EMB_IS_SEARCH_PANEL (self), NULL);

  return self->error;
}

gboolean
emb_search_panel_is_busy (EmbSearchPanel *self)
{
  g_return_val_if_fail (EMB_IS_SEARCH_PANEL (self), FALSE);

  return self->busy > 0;
}
