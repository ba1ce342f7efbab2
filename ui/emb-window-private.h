/* emb-window-private.h: EmbWindow's insides, shared by its files. */
#pragma once

#include "emb-plot-view.h"
#include "panels/emb-analogy-panel.h"
#include "panels/emb-color-panel.h"
#include "panels/emb-map-panel.h"
#include "panels/emb-neighbors-panel.h"
#include "panels/emb-search-panel.h"
#include "emb-ui.h"
#include "emb-window.h"

G_BEGIN_DECLS

struct _EmbWindow
{
  GtkApplicationWindow parent_instance;

  /* template widgets */
  GtkLabel          *title_label;
  GtkLabel          *subtitle_label;
  GtkSearchBar      *search_bar;
  GtkSearchEntry    *search_entry;
  GtkToggleButton   *regex_button;
  EmbPlotView       *plot;
  GtkRevealer       *loading_revealer;
  GtkWidget         *empty_state;
  GtkLabel          *loading_label;
  GtkProgressBar    *loading_progress;
  GtkDropDown       *x_axis;
  GtkDropDown       *y_axis;
  GtkAdjustment     *label_adjustment;
  GtkLabel          *status_label;
  GtkStack          *side_stack;
  EmbNeighborsPanel *neighbors_panel;
  EmbSearchPanel    *search_panel;
  EmbAnalogyPanel   *analogy_panel;
  EmbMapPanel       *map_panel;
  EmbColorPanel     *color_panel;
  GMenu             *recent_section;
  GtkInfoBar        *changed_bar;
  GtkLabel          *changed_label;

  /* owned */
  GSettings         *settings;       /* NULL when the schema is not installed */
  EmbScene          *scene;
  GCancellable      *load_cancellable;
  char              *load_path;
  gint               load_progress;  /* per mille, written by the loader thread */
  guint              progress_timeout;
  guint              busy;
  GArray            *neighbors;      /* EmbNeighbor: the panel's, for the export */
  GArray            *history;        /* gssize */
  guint              history_pos;
  guint              status_timeout;
  GFileMonitor      *monitor;        /* on the file shown, if it is one */
  gint64             watched_size;   /* its size and time when shown */
  gint64             watched_mtime;
  gboolean           disposed;       /* closed: late task results are dropped */
};

/* emb-window.c */
void _emb_window_start_progress   (EmbWindow  *self,
                                   const char *title,
                                   const char *stage);
void _emb_window_stop_progress    (EmbWindow  *self);
/* The path of an entry of the recent-files setting (a path or a file:// URI). */
char *_emb_window_recent_path     (const char *entry);
void _emb_window_show_error       (EmbWindow  *self,
                                   const char *primary,
                                   const char *secondary);
void _emb_window_flash_status     (EmbWindow  *self,
                                   const char *text);

/* emb-window-view.c */
void _emb_window_set_status       (EmbWindow *self);
void _emb_window_fill_axes        (EmbWindow *self);
void _emb_window_refresh_colors   (EmbWindow *self);
void _emb_window_map_changed      (EmbWindow *self,
                                   gboolean   fit);

/* emb-window-actions.c */
void _emb_window_class_add_actions (GtkWidgetClass *widget_class);

/* emb-window-export.c */
void     _emb_window_export              (EmbWindow *self);
void     _emb_window_export_to           (EmbWindow  *self,
                                          const char *path);
void     _emb_window_export_neighbors    (EmbWindow *self);
gboolean _emb_window_write_neighbors_csv (EmbWindow   *self,
                                          const char  *path,
                                          GError     **error);

/* emb-window-watch.c */
void _emb_window_watch_class_init (GtkWidgetClass *widget_class);
void _emb_window_watch            (EmbWindow  *self,
                                   const char *path);
void _emb_window_unwatch          (EmbWindow  *self);
void _emb_window_check_file       (EmbWindow  *self);

/* emb-window-sidebar.c */
void _emb_window_sidebar_init     (EmbWindow *self);
void _emb_window_sidebar_reset    (EmbWindow *self);
void _emb_window_show_selection   (EmbWindow *self,
                                   gssize     id,
                                   gboolean   add_to_history);
void _emb_window_history_move     (EmbWindow *self,
                                   int        delta);
void _emb_window_search_changed   (EmbWindow *self);
void _emb_window_search_activate  (EmbWindow *self);
void _emb_window_update_actions   (EmbWindow *self);

G_END_DECLS
