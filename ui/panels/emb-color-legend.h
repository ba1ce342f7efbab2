/* emb-color-legend.h: the row of legend entries under the plot, each a
 * swatch and a name, clicked to isolate it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EMB_TYPE_COLOR_LEGEND (emb_color_legend_get_type ())
G_DECLARE_FINAL_TYPE (EmbColorLegend, emb_color_legend, EMB, COLOR_LEGEND, GtkBox)

/* Removes every entry and hides the row. */
void       emb_color_legend_clear       (EmbColorLegend *self);
/* Appends entry number n_entries (tooltip may be NULL); clicking it emits
 * "entry-clicked" with that index. */
void       emb_color_legend_append      (EmbColorLegend *self,
                                         guint32         rgb,
                                         const char     *name,
                                         int             max_chars,
                                         const char     *tooltip,
                                         gboolean        isolated);
guint      emb_color_legend_n_entries   (EmbColorLegend *self);

/* A small square of colour rgb (0xRRGGBB). */
GtkWidget *emb_color_swatch_new         (guint32     rgb);
/* A swatch and a name (ellipsized after max_chars). */
GtkWidget *emb_color_entry_new          (guint32     rgb,
                                         const char *name,
                                         int         max_chars);

/* "+n more", for the entries not shown. */
GtkWidget *emb_color_more_new           (guint       n);
/* A ramp's legend appended to box: lo's colour and name, three swatches
 * between, hi's colour and name. */
void       emb_color_ramp_fill          (GtkBox        *box,
                                         const guint32 *palette,
                                         guint          n_bins,
                                         const char    *lo,
                                         const char    *hi);

G_END_DECLS
