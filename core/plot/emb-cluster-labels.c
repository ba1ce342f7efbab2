/* emb-cluster-labels.c: cluster names measured with pango, placed without
 * overlaps before the token labels and drawn with cairo; the screen and
 * every export call these.
 */
#include "config.h"

#include <math.h>

#include "plot/emb-cluster-labels.h"
#include "plot/emb-figure-private.h"

/* auxiliary functions */

static void
cluster_label_clear (gpointer data)
{
  EmbClusterLabel *label = data;

  g_clear_pointer (&label->text, g_free);
}

static PangoLayout *
name_layout (const EmbClusterLabelSpec *spec, const char *text)
{
  PangoLayout *layout = pango_layout_new (spec->pango);

  if (spec->font != NULL)
    pango_layout_set_font_description (layout, spec->font);
  else
    {
      PangoFontDescription *desc =
        pango_font_description_copy (pango_context_get_font_description (spec->pango));

      pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
      pango_layout_set_font_description (layout, desc);
      pango_font_description_free (desc);
    }
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static gboolean
box_hits_disc (const EmbClusterLabelSpec *spec, double x, double y, double w, double h)
{
  double nx, ny;

  if (!(spec->avoid_radius > 0))
    return FALSE;
  nx = CLAMP (spec->avoid_x, x, x + w);
  ny = CLAMP (spec->avoid_y, y, y + h);
  return (nx - spec->avoid_x) * (nx - spec->avoid_x) +
         (ny - spec->avoid_y) * (ny - spec->avoid_y) < spec->avoid_radius * spec->avoid_radius;
}

/* Places name i, measured w by h, centred on (cx, cy) or a line or two up
 * or down; FALSE if every spot is taken or outside the view. */
static gboolean
place_one (const EmbClusterLabelSpec *spec,
           GArray                    *placed,
           double                     cx,
           double                     cy,
           EmbClusterLabel           *label)
{
  static const double shifts[] = { 0, -1.05, 1.05, -2.1, 2.1 };
  const EmbView *v = spec->view;
  double w = label->width, h = label->height, m = spec->margin;

  /* A name already placed over this one's position labels that place:
   * names of clusters at one point yield one name there, not a stack. */
  if (w + 2 * m > v->width || emb_cluster_labels_hit (placed, cx, cy, 0, 0))
    return FALSE;
  for (guint k = 0; k < G_N_ELEMENTS (shifts); k++)
    {
      double x = CLAMP (cx - w / 2, m, v->width - w - m);
      double y = cy - h / 2 + shifts[k] * h;

      if (y < m || y + h > v->height - m)
        continue;
      if (emb_cluster_labels_hit (placed, x, y, w, h) || box_hits_disc (spec, x, y, w, h))
        continue;
      label->x = x;
      label->y = y;
      return TRUE;
    }
  return FALSE;
}

/* public API */

GArray *
emb_cluster_labels_place (const EmbClusterLabelSpec *spec)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (EmbClusterLabel));

  g_array_set_clear_func (out, cluster_label_clear);
  g_return_val_if_fail (spec != NULL && spec->view != NULL, out);
  if (spec->names == NULL || spec->xy == NULL || spec->n == 0)
    return out;
  g_return_val_if_fail (PANGO_IS_CONTEXT (spec->pango), out);

  for (gsize i = 0; i < spec->n; i++)
    {
      g_autoptr(PangoLayout) layout = NULL;
      EmbClusterLabel label = { 0 };
      PangoRectangle logical;
      double cx, cy;

      if (spec->names[i] == NULL || !isfinite (spec->xy[2 * i]) || !isfinite (spec->xy[2 * i + 1]))
        continue;
      emb_view_to_pixel (spec->view, spec->xy[2 * i], spec->xy[2 * i + 1], &cx, &cy);
      if (!(cx >= 0 && cy >= 0 && cx <= spec->view->width && cy <= spec->view->height))
        continue;
      label.text = _emb_clean_text (spec->names[i], MAX_LABEL_CHARS);
      if (*label.text == '\0')
        {
          g_free (label.text);
          continue;
        }
      layout = name_layout (spec, label.text);
      pango_layout_get_extents (layout, NULL, &logical);
      label.cluster = (guint) i;
      label.width = logical.width / (double) PANGO_SCALE;
      label.height = logical.height / (double) PANGO_SCALE;
      if (place_one (spec, out, cx, cy, &label))
        g_array_append_val (out, label);
      else
        g_free (label.text);
    }
  return out;
}

/* A box of zero size hits the names that contain its point. */
gboolean
emb_cluster_labels_hit (const GArray *labels,
                        double        x,
                        double        y,
                        double        width,
                        double        height)
{
  if (labels == NULL)
    return FALSE;
  for (guint i = 0; i < labels->len; i++)
    {
      const EmbClusterLabel *b = &g_array_index (labels, EmbClusterLabel, i);

      if (x < b->x + b->width && b->x < x + width && y < b->y + b->height && b->y < y + height)
        return TRUE;
    }
  return FALSE;
}

void
emb_cluster_labels_draw (const GArray              *labels,
                         const EmbClusterLabelSpec *spec,
                         cairo_t                   *cr,
                         guint32                    rgb,
                         guint32                    halo_rgb,
                         double                     halo_width)
{
  g_return_if_fail (labels != NULL && spec != NULL && cr != NULL);

  cairo_save (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < labels->len; i++)
    {
      const EmbClusterLabel *label = &g_array_index (labels, EmbClusterLabel, i);
      g_autoptr(PangoLayout) layout = name_layout (spec, label->text);
      PangoRectangle logical;
      double x, y;

      pango_layout_get_extents (layout, NULL, &logical);
      x = label->x - logical.x / (double) PANGO_SCALE;
      y = label->y - logical.y / (double) PANGO_SCALE;
      if (halo_width > 0)
        {
          cairo_move_to (cr, x, y);
          pango_cairo_layout_path (cr, layout);
          emb_set_source_rgb (cr, halo_rgb, 0.85);
          cairo_set_line_width (cr, halo_width);
          cairo_stroke (cr);
        }
      cairo_move_to (cr, x, y);
      emb_set_source_rgb (cr, rgb, 1.0);
      pango_cairo_show_layout (cr, layout);
    }
  cairo_restore (cr);
}
