/* emb-panel-util.c: token list rows, the shared property and signal, and
 * the calls of panels (see emb-panel-util.h). */
#include "config.h"

#include <math.h>

#include "emb-panel-util.h"

void
emb_token_list_clear (GtkListBox *list)
{
  GtkListBoxRow *row;

  /* gtk_list_box_remove_all is newer than GTK 4.8; rows only, so the
   * placeholder stays. */
  while ((row = gtk_list_box_get_row_at_index (list, 0)) != NULL)
    gtk_list_box_remove (list, GTK_WIDGET (row));
}

void
emb_token_list_set_placeholder (GtkListBox *list,
                                const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "placeholder");
  gtk_list_box_set_placeholder (list, label);
}

GtkWidget *
emb_token_row_new (EmbVocab   *vocab,
                   guint       rank,
                   gsize       id,
                   const char *score)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  g_autofree char *rank_text = g_strdup_printf ("%u", rank);
  GtkWidget *rank_label = gtk_label_new (rank_text);
  GtkWidget *token = gtk_label_new (emb_vocab_display (vocab, id));
  g_autofree char *tip = g_strdup_printf ("#%" G_GSIZE_FORMAT, id);

  gtk_widget_add_css_class (rank_label, "dim-label");
  gtk_widget_add_css_class (rank_label, "numeric");
  gtk_label_set_width_chars (GTK_LABEL (rank_label), 3);
  gtk_label_set_xalign (GTK_LABEL (rank_label), 1);
  gtk_label_set_xalign (GTK_LABEL (token), 0);
  gtk_label_set_ellipsize (GTK_LABEL (token), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (token), TRUE);
  gtk_widget_set_hexpand (token, TRUE);
  gtk_widget_set_name (token, "token");
  gtk_box_append (GTK_BOX (box), rank_label);
  gtk_box_append (GTK_BOX (box), token);
  if (score != NULL)
    {
      GtkWidget *score_label = gtk_label_new (score);
      gtk_widget_add_css_class (score_label, "numeric");
      gtk_widget_add_css_class (score_label, "dim-label");
      gtk_widget_set_name (score_label, "score");
      gtk_box_append (GTK_BOX (box), score_label);
    }
  gtk_widget_set_tooltip_text (row, tip);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* id + 1, so that a row without one reads as NULL. */
  g_object_set_data (G_OBJECT (row), "row-id", GSIZE_TO_POINTER (id + 1));
  return row;
}

gboolean
emb_token_row_get_id (GtkListBoxRow *row,
                      gsize         *id)
{
  gpointer data = g_object_get_data (G_OBJECT (row), "row-id");

  if (data == NULL)
    return FALSE;
  *id = GPOINTER_TO_SIZE (data) - 1;
  return TRUE;
}

void
emb_token_list_show_neighbors (GtkListBox        *list,
                               EmbVocab          *vocab,
                               const EmbNeighbor *nb,
                               gsize              n)
{
  emb_token_list_clear (list);
  for (gsize i = 0; i < n; i++)
    {
      char score[32];
      /* Dot products of huge rows in exponent form, as the CLI prints them. */
      g_snprintf (score, sizeof score, fabs (nb[i].score) < 1e9 ? "%.4f" : "%.4g", nb[i].score);
      gtk_list_box_append (list, emb_token_row_new (vocab, i + 1, nb[i].id, score));
    }
}

GApplication *
emb_panel_hold_app (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;

  if (app == NULL)
    return NULL;
  g_application_hold (G_APPLICATION (app));
  return g_object_ref (G_APPLICATION (app));
}

void
emb_panel_release_app (GApplication *app)
{
  if (app == NULL)
    return;
  g_application_release (app);
  g_object_unref (app);
}

static void
token_row_activated_cb (GtkWidget     *panel,
                        GtkListBoxRow *row)
{
  gsize id;

  if (emb_token_row_get_id (row, &id))
    g_signal_emit_by_name (panel, "token-activated", (guint64) id);
}

GParamSpec *
emb_panel_scene_param (void)
{
  return g_param_spec_boxed ("scene", NULL, NULL, EMB_TYPE_SCENE,
                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

guint
emb_panel_class_add_token_activated (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback_full (widget_class, "row_activated_cb",
                                                G_CALLBACK (token_row_activated_cb));
  /* A listed token was activated: its row id. */
  return g_signal_new ("token-activated", G_TYPE_FROM_CLASS (widget_class), G_SIGNAL_RUN_LAST,
                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
}

GCancellable *
emb_panel_renew_cancellable (GCancellable **cancellable)
{
  g_cancellable_cancel (*cancellable);
  g_clear_object (cancellable);
  *cancellable = g_cancellable_new ();
  return *cancellable;
}

gpointer
emb_panel_call_new (gsize         size,
                    GtkWidget    *panel,
                    guint        *busy,
                    GCancellable *cancellable,
                    EmbScene     *scene)
{
  EmbPanelCall *call;

  g_return_val_if_fail (size >= sizeof (EmbPanelCall), NULL);

  call = g_malloc0 (size);
  call->panel = g_object_ref (panel);
  call->app = emb_panel_hold_app (panel);
  call->cancellable = g_object_ref (cancellable);
  call->scene = emb_scene_ref (scene);
  call->busy = busy;
  (*busy)++;
  return call;
}

void
emb_panel_call_free (gpointer data)
{
  EmbPanelCall *call = data;

  (*call->busy)--;
  emb_panel_release_app (call->app);
  g_object_unref (call->cancellable);
  emb_scene_unref (call->scene);
  /* Last: busy points into the panel. */
  g_object_unref (call->panel);
  g_free (call);
}
