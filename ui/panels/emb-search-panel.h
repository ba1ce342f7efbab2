/* emb-search-panel.h: the tokens matching the search text. */
#pragma once

#include <gtk/gtk.h>

#include "analysis/emb-scene.h"

G_BEGIN_DECLS

#define EMB_TYPE_SEARCH_PANEL (emb_search_panel_get_type ())
G_DECLARE_FINAL_TYPE (EmbSearchPanel, emb_search_panel, EMB, SEARCH_PANEL, GtkBox)

/* A new scene clears the results; the next search runs even on the same
 * text. */
void         emb_search_panel_set_scene   (EmbSearchPanel *self,
                                           EmbScene       *scene);
EmbScene    *emb_search_panel_get_scene   (EmbSearchPanel *self);

/* Searches text (a GRegex pattern with regex) in a worker thread and lists
 * the matches; with activate, the best one is then "token-activated".
 * A search for the text and mode the last one ran on is skipped unless
 * activate.  Empty text clears the list. */
void         emb_search_panel_search      (EmbSearchPanel *self,
                                           const char     *text,
                                           gboolean        regex,
                                           gboolean        activate);

/* The matches listed now, best first (every one, not only those shown). */
const gsize *emb_search_panel_get_matches (EmbSearchPanel *self,
                                           gsize          *n);
/* Why the last search failed (a bad pattern), or NULL. */
const char  *emb_search_panel_get_error   (EmbSearchPanel *self);
gboolean     emb_search_panel_is_busy     (EmbSearchPanel *self);

G_END_DECLS
