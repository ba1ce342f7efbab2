/* emb-analogy-panel.h: A − B + C and the tokens nearest it. */
#pragma once

#include <gtk/gtk.h>

#include "analysis/emb-scene.h"

G_BEGIN_DECLS

#define EMB_TYPE_ANALOGY_PANEL (emb_analogy_panel_get_type ())
G_DECLARE_FINAL_TYPE (EmbAnalogyPanel, emb_analogy_panel, EMB, ANALOGY_PANEL, GtkBox)

/* A new scene clears the answer. */
void               emb_analogy_panel_set_scene  (EmbAnalogyPanel *self,
                                                 EmbScene        *scene);
EmbScene          *emb_analogy_panel_get_scene  (EmbAnalogyPanel *self);

/* Runs the analogy in the entries (empty ones: their placeholder) in a
 * worker thread; "analogy-changed" when it is listed. */
void               emb_analogy_panel_run        (EmbAnalogyPanel *self);
/* Puts the keyboard focus in the first entry. */
void               emb_analogy_panel_focus      (EmbAnalogyPanel *self);

/* The last answer: the a, b, c rows asked and the tokens found. */
const EmbNeighbor *emb_analogy_panel_get_result (EmbAnalogyPanel *self,
                                                 gsize            abc[3],
                                                 gsize           *n);
gboolean           emb_analogy_panel_is_busy    (EmbAnalogyPanel *self);

G_END_DECLS
