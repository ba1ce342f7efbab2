/* emb-neighbors-panel.h: the selected token and its nearest neighbours. */
#pragma once

#include <gtk/gtk.h>

#include "analysis/emb-scene.h"

G_BEGIN_DECLS

#define EMB_TYPE_NEIGHBORS_PANEL (emb_neighbors_panel_get_type ())
G_DECLARE_FINAL_TYPE (EmbNeighborsPanel, emb_neighbors_panel, EMB, NEIGHBORS_PANEL, GtkBox)

/* A new scene clears the selection and the list. */
void               emb_neighbors_panel_set_scene     (EmbNeighborsPanel *self,
                                                      EmbScene          *scene);
EmbScene          *emb_neighbors_panel_get_scene     (EmbNeighborsPanel *self);

/* Shows row id (-1: none) and queries its neighbours in a worker thread;
 * "neighbors-changed" is emitted when they are listed. */
void               emb_neighbors_panel_set_selected  (EmbNeighborsPanel *self,
                                                      gint64             id);
gint64             emb_neighbors_panel_get_selected  (EmbNeighborsPanel *self);

/* "cosine", "euclidean" or "dot". */
void               emb_neighbors_panel_set_metric    (EmbNeighborsPanel *self,
                                                      const char        *metric);
const char        *emb_neighbors_panel_get_metric    (EmbNeighborsPanel *self);
void               emb_neighbors_panel_set_k         (EmbNeighborsPanel *self,
                                                      guint              k);
guint              emb_neighbors_panel_get_k         (EmbNeighborsPanel *self);

/* The neighbours listed now, best first. */
const EmbNeighbor *emb_neighbors_panel_get_neighbors (EmbNeighborsPanel *self,
                                                      gsize             *n);
/* TRUE while a query runs. */
gboolean           emb_neighbors_panel_is_busy       (EmbNeighborsPanel *self);

G_END_DECLS
