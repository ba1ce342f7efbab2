/* emb-theme.h: the colours of the picture, for the screen and for files.
 *
 * One place for every fixed colour: the themes' background, text and
 * label halo, and the overlay's highlight colours (selection, neighbours,
 * search matches), so that the window and an export can only agree.
 * Point colours come from the palette (emb_palette_color ()).
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  EMB_THEME_LIGHT,
  EMB_THEME_DARK,
  EMB_THEME_TRANSPARENT,   /* light colours for text, no background */
} EmbTheme;

typedef struct
{
  guint32  background;   /* 0xRRGGBB */
  gboolean opaque;       /* FALSE: no background is painted */
  guint32  foreground;   /* text, frame, ticks */
  guint32  halo;         /* behind labels over the points */
} EmbThemeColors;

/* The highlight colours, 0xRRGGBB. */
#define EMB_COLOR_SELECTION 0xe5243bu
#define EMB_COLOR_NEIGHBOR  0xf28c28u
#define EMB_COLOR_MATCH     0x9141acu
#define EMB_COLOR_RIM       0xffffffu   /* the rim around solid markers */

/* Opacity of an isolated point, on screen and in files. */
#define EMB_POINT_OPACITY 0.75

void emb_theme_colors   (EmbTheme        theme,
                         EmbThemeColors *colors);

/* cairo_set_source_rgba () from 0xRRGGBB. */
void emb_set_source_rgb (cairo_t *cr,
                         guint32  rgb,
                         double   alpha);

G_END_DECLS
