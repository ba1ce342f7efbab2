/* emb-theme.c: the themes' colours (see emb-theme.h). */
#include "config.h"

#include "plot/emb-theme.h"

void
emb_set_source_rgb (cairo_t *cr, guint32 rgb, double alpha)
{
  cairo_set_source_rgba (cr, ((rgb >> 16) & 0xff) / 255.0,
                         ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0, alpha);
}

void
emb_theme_colors (EmbTheme theme, EmbThemeColors *c)
{
  switch (theme)
    {
    case EMB_THEME_DARK:
      c->background = 0x1e1e1e;
      c->opaque = TRUE;
      c->foreground = 0xeeeeee;
      c->halo = 0x1e1e1e;
      break;

    case EMB_THEME_TRANSPARENT:
      /* The light theme's colours without its background: the usual case
       * is a figure placed on a white page or slide. */
      c->background = 0xffffff;
      c->opaque = FALSE;
      c->foreground = 0x1c1c1c;
      c->halo = 0xffffff;
      break;

    case EMB_THEME_LIGHT:
    default:
      c->background = 0xffffff;
      c->opaque = TRUE;
      c->foreground = 0x1c1c1c;
      c->halo = 0xffffff;
      break;
    }
}

