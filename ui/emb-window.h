/* emb-window.h: the main window: plot, search, neighbours, analogies. */
#pragma once

#include <gtk/gtk.h>

#include "analysis/emb-knn.h"
#include "analysis/emb-scene.h"

G_BEGIN_DECLS

#define EMB_TYPE_WINDOW (emb_window_get_type ())
G_DECLARE_FINAL_TYPE (EmbWindow, emb_window, EMB, WINDOW, GtkApplicationWindow)

EmbWindow *emb_window_new            (GtkApplication *app);

/* Opens a file (or EMB_SAMPLE_NAME) in a worker thread; the current data
 * stays shown until the new file is ready, and stays if it fails. */
void       emb_window_open           (EmbWindow  *self,
                                      const char *path);

EmbScene  *emb_window_get_scene      (EmbWindow *self);
gboolean   emb_window_is_loading     (EmbWindow *self);

/* How far the last load has gone, 0 .. 1: its reader thread reports 1 only
 * once the file is read and projected, and never after a cancel. */
double     emb_window_get_load_progress (EmbWindow *self);

/* Selects a row: lists its neighbours and highlights it. */
void       emb_window_select         (EmbWindow *self,
                                      gssize     id);

/* The neighbours listed now (for the selection), best first. */
const EmbNeighbor *emb_window_get_neighbors (EmbWindow *self,
                                             gsize     *n);

/* TRUE while a query, a clustering or an export is running. */
gboolean   emb_window_is_busy        (EmbWindow *self);

G_END_DECLS
