/* emb-map-panel.h: the projection of the plot: PCA, or a t-SNE or UMAP
 * map of every row, run, watched, paused and stopped. */
#pragma once

#include <gtk/gtk.h>

#include "analysis/emb-scene.h"
#include "map/emb-projection.h"

G_BEGIN_DECLS

#define EMB_TYPE_MAP_PANEL (emb_map_panel_get_type ())
G_DECLARE_FINAL_TYPE (EmbMapPanel, emb_map_panel, EMB, MAP_PANEL, GtkBox)

/* A new scene stops a run and shows PCA, or the map of the chosen method
 * at once when one is cached for the file and the options. */
void         emb_map_panel_set_scene   (EmbMapPanel *self,
                                        EmbScene    *scene);
EmbScene    *emb_map_panel_get_scene   (EmbMapPanel *self);

/* Chooses the method: PCA shows at once; t-SNE and UMAP show their cached
 * map or start a run. */
void         emb_map_panel_set_method  (EmbMapPanel         *self,
                                        EmbProjectionMethod  method);
EmbProjectionMethod emb_map_panel_get_method (EmbMapPanel *self);

/* Runs the chosen method with the options in the panel (the cache is
 * used when it has the map); "map-changed" at every frame shown. */
void         emb_map_panel_run         (EmbMapPanel *self);
/* Pauses or resumes a run. */
void         emb_map_panel_set_paused  (EmbMapPanel *self,
                                        gboolean     paused);
void         emb_map_panel_toggle_pause (EmbMapPanel *self);
/* Stops a run: the map shown before it comes back. */
void         emb_map_panel_stop        (EmbMapPanel *self);
gboolean     emb_map_panel_is_running  (EmbMapPanel *self);

/* What to show: the map (n_rows x dims, owned by the panel) or NULL for
 * the PCA axes. */
const float *emb_map_panel_get_map     (EmbMapPanel *self,
                                        guint       *dims);

G_END_DECLS
