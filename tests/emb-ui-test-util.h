/* emb-ui-test-util.h: what the UI tests share: running the main loop
 * until a condition holds, a window opened on a file and idle, the
 * template children of the window and its panels, list rows, and the plot
 * rendered to pixels. */
#pragma once

#include <gtk/gtk.h>

#include "emb-window.h"

G_BEGIN_DECLS

/* Runs the main loop until done (data) is TRUE (asserting it is within a
 * minute), then lets pending redraws and idle work run. */
void        emb_ui_iterate_until       (gboolean   (*done) (gpointer),
                                        gpointer     data);
/* Conditions for it: the window (data) is not loading; nor busy, and its
 * plot is mapped, sized and not rendering; a message dialog is shown
 * (stored in *(GtkWidget **) data when data is not NULL). */
gboolean    emb_ui_loaded              (gpointer     data);
gboolean    emb_ui_idle_window         (gpointer     data);
gboolean    emb_ui_dialog_shown        (gpointer     data);

/* A presented 1100 x 720 window that has loaded path and is idle. */
EmbWindow  *emb_ui_new_window_on       (const char  *path);

/* The template child `name` of widget or of any widget inside it (each
 * panel has its own template); emb_ui_child asserts it exists. */
GObject    *emb_ui_find_template_child (GtkWidget   *widget,
                                        const char  *name);
GtkWidget  *emb_ui_child               (gpointer     win,
                                        const char  *name);

/* The text of the label named `name` inside a list row; rows of a list. */
const char *emb_ui_row_label           (GtkWidget   *row,
                                        const char  *name);
guint       emb_ui_count_rows          (gpointer     list);

/* Waits for two fresh frames of widget. */
void        emb_ui_wait_for_frames     (GtkWidget   *widget);
/* The window's plot rendered to ARGB32 pixels (g_free them), also saved
 * as test-ui-plot.png in the build dir; and one pixel's RGB. */
guchar     *emb_ui_render_plot         (EmbWindow   *win,
                                        int         *w,
                                        int         *h,
                                        gsize       *stride);
guint32     emb_ui_pixel_rgb           (const guchar *pixels,
                                        gsize        stride,
                                        int          x,
                                        int          y);

G_END_DECLS
