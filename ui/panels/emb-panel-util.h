/* emb-panel-util.h: what the sidebar panels share: token list rows, the
 * "scene" property and "token-activated" signal, and the calls they have
 * on their way to core (the panel kept, the application held). */
#pragma once

#include <gtk/gtk.h>

#include "analysis/emb-scene.h"
#include "model/emb-vocab.h"

G_BEGIN_DECLS

/* Removes the rows, keeping the placeholder. */
void          emb_token_list_clear           (GtkListBox *list);
void          emb_token_list_set_placeholder (GtkListBox *list,
                                              const char *text);

/* A row: rank, token (a label named "token"), score (named "score", when
 * not NULL); its tooltip is the row id. */
GtkWidget    *emb_token_row_new              (EmbVocab   *vocab,
                                              guint       rank,
                                              gsize       id,
                                              const char *score);
/* The id a row stands for; FALSE for a row that is not a token row. */
gboolean      emb_token_row_get_id           (GtkListBoxRow *row,
                                              gsize         *id);

/* The list of neighbours with their scores, in order. */
void          emb_token_list_show_neighbors  (GtkListBox        *list,
                                              EmbVocab          *vocab,
                                              const EmbNeighbor *nb,
                                              gsize              n);

/* The "scene" property (an EmbScene, read-write, explicit notify). */
GParamSpec   *emb_panel_scene_param          (void);

/* Adds the "token-activated" signal (a guint64 row id) to a panel class
 * and binds the template callback "row_activated_cb" (swapped, on a
 * GtkListBox of token rows) to emit it; returns the signal id. */
guint         emb_panel_class_add_token_activated (GtkWidgetClass *widget_class);

/* Cancels the call in *cancellable and puts a fresh cancellable there for
 * the next one; returns it (owned by *cancellable). */
GCancellable *emb_panel_renew_cancellable    (GCancellable **cancellable);

/* Holds the application of widget's window, if any, until the matching
 * emb_panel_release_app: a window closed while a query runs lets the app
 * quit only once the worker thread is done.  Returns it (a ref) or NULL. */
GApplication *emb_panel_hold_app             (GtkWidget *widget);
void          emb_panel_release_app          (GApplication *app);

/* A call a panel has on its way to core: the panel kept, the application
 * held (emb_panel_hold_app) and the panel's busy count up, until the call
 * is freed.  A panel's own call struct starts with one, for what
 * else it needs when the result comes. */
typedef struct
{
  GtkWidget    *panel;         /* ref */
  GApplication *app;           /* held, or NULL */
  GCancellable *cancellable;   /* ref: the call is superseded once cancelled */
  EmbScene     *scene;         /* ref: the scene it runs on */
  guint        *busy;          /* the panel's count of calls on their way */
} EmbPanelCall;

/* A zeroed struct of size bytes (>= sizeof (EmbPanelCall)) starting with
 * the call; free it with emb_panel_call_free. */
gpointer      emb_panel_call_new             (gsize         size,
                                              GtkWidget    *panel,
                                              guint        *busy,
                                              GCancellable *cancellable,
                                              EmbScene     *scene);
void          emb_panel_call_free            (gpointer      call);


G_END_DECLS
