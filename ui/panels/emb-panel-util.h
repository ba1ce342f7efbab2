/* emb-panel-util.h: what the sidebar panels share: token list rows and
 * holding the application while their work runs. */
#pragma once

#include <gtk/gtk.h>

#include "analysis/emb-knn.h"
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

/* Holds the application of widget's window, if any, until the matching
 * emb_panel_release_app: a window closed while a query runs lets the app
 * quit only once the worker thread is done.  Returns it (a ref) or NULL. */
GApplication *emb_panel_hold_app             (GtkWidget *widget);
void          emb_panel_release_app          (GApplication *app);

G_END_DECLS
