/* emb-figure-text.c: text in a figure, laid out with pango.
 *
 * Text is laid out with unhinted metrics and unrounded glyph positions, so
 * that a layout does not depend on the surface it is drawn on: the PNG,
 * the PDF and the SVG of one figure put every label in the same place, and
 * emb_plot_layout () can answer without a surface.  In PDF, cairo embeds
 * the text as text (with a ToUnicode map).  cairo's SVG surface can only
 * write glyph outlines, so for SVG the text is written by us instead as
 * <text> elements appended to cairo's document: selectable, searchable and
 * editable in Inkscape or Illustrator.
 */
#include "config.h"

#include "plot/emb-figure-private.h"

/* A copy of text fit for a one-line label: line breaks and tabs become
 * spaces, other control characters (not allowed in XML, invisible
 * anyway) U+FFFD, and at most max_chars characters are kept (0: all). */
char *
_emb_clean_text (const char *text, guint max_chars)
{
  GString *s = g_string_new (NULL);
  const char *p = text;
  guint count = 0;

  while (p != NULL && *p != '\0')
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (max_chars > 0 && count == max_chars)
        {
          g_string_append (s, "\xe2\x80\xa6");
          break;
        }
      count++;
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Invalid UTF-8 from a caller: one replacement per bad byte. */
          g_string_append (s, "\xef\xbf\xbd");
          p++;
          continue;
        }
      if (c == '\t' || c == '\n' || c == '\r')
        g_string_append_c (s, ' ');
      else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0xfffe || c == 0xffff)
        g_string_append (s, "\xef\xbf\xbd");
      else
        g_string_append_unichar (s, c);
      p = g_utf8_next_char (p);
    }
  return g_string_free (s, FALSE);
}

PangoLayout *
_emb_figure_text_layout (const Figure *f, FontRole role, const char *text)
{
  PangoLayout *layout = pango_layout_new (f->pango);

  pango_layout_set_font_description (layout, f->fonts[role]);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

double
_emb_figure_text_width (const Figure *f, FontRole role, const char *text)
{
  g_autoptr(PangoLayout) layout = _emb_figure_text_layout (f, role, text);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  return logical.width / (double) PANGO_SCALE;
}

/* text, cut with an ellipsis to fit max_width. */
char *
_emb_figure_fit_text (const Figure *f, FontRole role, const char *text, double max_width)
{
  glong n = g_utf8_strlen (text, -1), lo = 0, hi = n;
  char *best = NULL;

  if (_emb_figure_text_width (f, role, text) <= max_width)
    return g_strdup (text);
  /* The longest prefix that fits with the ellipsis, by bisection. */
  while (lo < hi)
    {
      glong mid = (lo + hi + 1) / 2;
      const char *end = g_utf8_offset_to_pointer (text, mid);
      g_autofree char *candidate = g_strdup_printf ("%.*s\xe2\x80\xa6", (int) (end - text), text);

      if (_emb_figure_text_width (f, role, candidate) <= max_width)
        lo = mid;
      else
        hi = mid - 1;
    }
  best = g_strdup_printf ("%.*s\xe2\x80\xa6",
                          (int) (g_utf8_offset_to_pointer (text, lo) - text), text);
  return best;
}

static void
svg_number (GString *s, const char *name, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, " %s=\"%s\"", name,
                          g_ascii_formatd (buf, sizeof buf, "%.2f", v));
}

static void
svg_color (GString *s, const char *name, guint32 rgb, double alpha)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, " %s=\"#%06x\"", name, rgb & 0xffffff);
  if (alpha < 1.0)
    g_string_append_printf (s, " %s-opacity=\"%s\"", name,
                            g_ascii_formatd (buf, sizeof buf, "%.3f", alpha));
}

/* One <text> element; with halo > 0 it is preceded by a copy stroked in
 * the halo colour (a separate element rather than paint-order, which
 * older SVG viewers ignore). */
static void
svg_text (Figure     *f,
          FontRole    role,
          const char *text,
          double      x,
          double      y,
          Anchor      anchor,
          gboolean    rotate,
          double      rx,
          double      ry,
          guint32     rgb,
          double      alpha,
          double      halo)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  for (int pass = halo > 0 ? 0 : 1; pass < 2; pass++)
    {
      GString *s = f->svg;

      g_string_append (s, "<text");
      svg_number (s, "x", x);
      svg_number (s, "y", y);
      svg_number (s, "font-size", f->m.font_size[role]);
      if (role == FONT_TITLE || role == FONT_TOKEN_BOLD || role == FONT_CLUSTER)
        g_string_append (s, " font-weight=\"bold\"");
      if (anchor == ANCHOR_MIDDLE)
        g_string_append (s, " text-anchor=\"middle\"");
      else if (anchor == ANCHOR_END)
        g_string_append (s, " text-anchor=\"end\"");
      if (rotate)
        {
          char bx[G_ASCII_DTOSTR_BUF_SIZE], by[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_printf (s, " transform=\"rotate(-90 %s %s)\"",
                                  g_ascii_formatd (bx, sizeof bx, "%.2f", rx),
                                  g_ascii_formatd (by, sizeof by, "%.2f", ry));
        }
      if (pass == 0)
        {
          g_string_append (s, " fill=\"none\"");
          svg_color (s, "stroke", f->colors.halo, 0.85);
          svg_number (s, "stroke-width", halo);
          g_string_append (s, " stroke-linejoin=\"round\" aria-hidden=\"true\"");
        }
      else
        svg_color (s, "fill", rgb, alpha);
      g_string_append_printf (s, ">%s</text>\n", escaped);
    }
}

/* Draws text with its anchor point at (x, y): horizontally as anchor says,
 * vertically its top there, or its middle with vcenter.  rotate turns it
 * a quarter counter-clockwise about (x, y), to read upwards.  halo > 0
 * outlines the glyphs first with a band that wide in the halo colour. */
void
_emb_figure_draw_text (Figure     *f,
           FontRole    role,
           const char *text,
           double      x,
           double      y,
           Anchor      anchor,
           gboolean    vcenter,
           gboolean    rotate,
           guint32     rgb,
           double      alpha,
           double      halo)
{
  g_autoptr(PangoLayout) layout = NULL;
  PangoRectangle logical;
  double w, h, left, top, baseline;

  if (text == NULL || *text == '\0')
    return;
  layout = _emb_figure_text_layout (f, role, text);
  pango_layout_get_extents (layout, NULL, &logical);
  w = logical.width / (double) PANGO_SCALE;
  h = logical.height / (double) PANGO_SCALE;
  baseline = pango_layout_get_baseline (layout) / (double) PANGO_SCALE;
  left = anchor == ANCHOR_START ? 0 : anchor == ANCHOR_MIDDLE ? -w / 2 : -w;
  top = vcenter ? -h / 2 : 0;

  if (f->svg != NULL)
    {
      /* SVG anchors the text itself, so a viewer that substitutes a font
       * of other widths still centres or right-aligns it. */
      svg_text (f, role, text, x, y + top + baseline, anchor, rotate, x, y,
                rgb, alpha, halo);
      return;
    }

  cairo_save (f->cr);
  cairo_translate (f->cr, x, y);
  if (rotate)
    cairo_rotate (f->cr, -G_PI / 2);
  if (halo > 0)
    {
      cairo_move_to (f->cr, left - logical.x / (double) PANGO_SCALE, top);
      pango_cairo_layout_path (f->cr, layout);
      emb_set_source_rgb (f->cr, f->colors.halo, 0.85);
      cairo_set_line_width (f->cr, halo);
      cairo_set_line_join (f->cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke (f->cr);
    }
  cairo_move_to (f->cr, left - logical.x / (double) PANGO_SCALE, top);
  emb_set_source_rgb (f->cr, rgb, alpha);
  pango_cairo_show_layout (f->cr, layout);
  cairo_restore (f->cr);
}
