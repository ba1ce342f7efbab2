/* emb-overlay.c: the highlights over the points (see emb-overlay.h).
 *
 * Marks off the target by more than their size are skipped, so ten
 * thousand search matches cost nothing when zoomed in; cairo clips the
 * rest.
 */
#include "config.h"

#include <math.h>

#include "plot/emb-overlay.h"
#include "plot/emb-theme.h"

/* Search matches ringed at most, and labelled first at most. */
#define MAX_RINGS         5000
#define MAX_MATCH_LABELS  50
#define LABELS_PER_DENSITY 600

/* auxiliary functions */

static void
to_target (const EmbOverlayTarget *t, gsize id, double *px, double *py)
{
  emb_view_to_pixel (&t->view, t->xs[id], t->ys[id], px, py);
}

static gboolean
near_target (const EmbOverlayTarget *t, double px, double py, double reach)
{
  return px >= -reach && py >= -reach &&
         px <= t->view.width + reach && py <= t->view.height + reach;
}

static void
disc (cairo_t *cr, double x, double y, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
}

/* A line from (x0, y0) to (x1, y1) with a filled head at its end. */
static void
arrow (cairo_t *cr, double s, double x0, double y0, double x1, double y1)
{
  double dx = x1 - x0, dy = y1 - y0, len = hypot (dx, dy), ux, uy;

  if (len < 1 * s)
    return;
  ux = dx / len;
  uy = dy / len;
  cairo_move_to (cr, x0, y0);
  cairo_line_to (cr, x1 - ux * 6 * s, y1 - uy * 6 * s);
  cairo_stroke (cr);
  cairo_move_to (cr, x1, y1);
  cairo_line_to (cr, x1 - (ux * 10 + uy * 5) * s, y1 - (uy * 10 - ux * 5) * s);
  cairo_line_to (cr, x1 - (ux * 10 - uy * 5) * s, y1 - (uy * 10 + ux * 5) * s);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
draw_matches (const EmbOverlay *o, const EmbOverlayTarget *t, cairo_t *cr)
{
  double s = t->scale;

  if (o->matches == NULL || o->n_matches == 0)
    return;
  cairo_set_line_width (cr, 1.5 * s);
  emb_set_source_rgb (cr, EMB_COLOR_MATCH, 0.9);
  for (gsize i = 0; i < o->n_matches && i < MAX_RINGS; i++)
    {
      double px, py;

      if (!emb_overlay_target_shows (t, o->matches[i]))
        continue;
      to_target (t, o->matches[i], &px, &py);
      if (near_target (t, px, py, 10 * s))
        disc (cr, px, py, 4.5 * s);
    }
  cairo_stroke (cr);
}

static void
draw_neighbors (const EmbOverlay *o, const EmbOverlayTarget *t, cairo_t *cr)
{
  double s = t->scale, sx, sy;

  if (!emb_overlay_target_shows (t, o->selected) || o->neighbors == NULL)
    return;
  to_target (t, o->selected, &sx, &sy);
  cairo_set_line_width (cr, 1.5 * s);
  emb_set_source_rgb (cr, EMB_COLOR_NEIGHBOR, 0.55);
  for (gsize i = 0; i < o->n_neighbors; i++)
    {
      double px, py;

      if (!emb_overlay_target_shows (t, o->neighbors[i]))
        continue;
      to_target (t, o->neighbors[i], &px, &py);
      cairo_move_to (cr, sx, sy);
      cairo_line_to (cr, px, py);
    }
  cairo_stroke (cr);
  emb_set_source_rgb (cr, EMB_COLOR_NEIGHBOR, 1.0);
  for (gsize i = 0; i < o->n_neighbors; i++)
    {
      double px, py;

      if (!emb_overlay_target_shows (t, o->neighbors[i]))
        continue;
      to_target (t, o->neighbors[i], &px, &py);
      disc (cr, px, py, EMB_OVERLAY_MARK_RADIUS * s);
    }
  cairo_fill (cr);
}

/* a - b + c = result: the offset b -> a in the match colour, the same
 * offset applied c -> result in the selection colour. */
static void
draw_analogy (const EmbOverlay *o, const EmbOverlayTarget *t, cairo_t *cr)
{
  double s = t->scale, x[4], y[4];

  if (o->analogy == NULL || o->n_analogy < 4)
    return;
  for (guint i = 0; i < 4; i++)
    {
      if (!emb_overlay_target_shows (t, o->analogy[i]))
        return;
      to_target (t, o->analogy[i], &x[i], &y[i]);
    }
  cairo_set_line_width (cr, 2.0 * s);
  emb_set_source_rgb (cr, EMB_COLOR_MATCH, 0.9);
  arrow (cr, s, x[1], y[1], x[0], y[0]);
  emb_set_source_rgb (cr, EMB_COLOR_SELECTION, 0.9);
  arrow (cr, s, x[2], y[2], x[3], y[3]);
  for (guint i = 0; i < 4; i++)
    disc (cr, x[i], y[i], EMB_OVERLAY_MARK_RADIUS * s);
  cairo_fill (cr);
}

/* public API */

gsize
emb_label_budget (double density)
{
  density = CLAMP (density, 0.0, 1.0);
  return (gsize) (density * density * LABELS_PER_DENSITY);
}

gboolean
emb_overlay_target_shows (const EmbOverlayTarget *target,
                          gssize                  id)
{
  return id >= 0 && (gsize) id < target->n &&
         (target->visible == NULL || target->visible[id]) &&
         isfinite (target->xs[id]) && isfinite (target->ys[id]);
}

void
emb_overlay_draw_marks (const EmbOverlay       *overlay,
                        const EmbOverlayTarget *target,
                        cairo_t                *cr)
{
  g_return_if_fail (overlay != NULL && target != NULL && cr != NULL);

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  cairo_new_path (cr);
  draw_matches (overlay, target, cr);
  draw_neighbors (overlay, target, cr);
  draw_analogy (overlay, target, cr);
  cairo_restore (cr);
}

void
emb_overlay_draw_selection (const EmbOverlay       *overlay,
                            const EmbOverlayTarget *target,
                            cairo_t                *cr)
{
  double s = target->scale, sx, sy;

  g_return_if_fail (overlay != NULL && target != NULL && cr != NULL);

  if (!emb_overlay_target_shows (target, overlay->selected))
    return;
  to_target (target, overlay->selected, &sx, &sy);
  /* A solid disc in the selection colour with a white rim. */
  cairo_save (cr);
  cairo_new_path (cr);
  emb_set_source_rgb (cr, EMB_COLOR_RIM, 1.0);
  disc (cr, sx, sy, EMB_OVERLAY_SELECTION_RADIUS * s);
  cairo_fill (cr);
  emb_set_source_rgb (cr, EMB_COLOR_SELECTION, 1.0);
  disc (cr, sx, sy, 6.5 * s);
  cairo_fill (cr);
  cairo_restore (cr);
}

gsize
emb_overlay_label_ids (const EmbOverlay       *overlay,
                       const EmbOverlayTarget *target,
                       gsize                  *out,
                       gsize                   max_out)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  const struct { const gsize *ids; gsize n; } lists[] = {
    { overlay->neighbors, emb_overlay_target_shows (target, overlay->selected) ? overlay->n_neighbors : 0 },
    { overlay->analogy, overlay->n_analogy },
    { overlay->matches, MIN (overlay->n_matches, MAX_MATCH_LABELS) },
  };
  gsize n_out = 0;

  if (emb_overlay_target_shows (target, overlay->selected) && n_out < max_out)
    {
      out[n_out++] = overlay->selected;
      g_hash_table_add (seen, GSIZE_TO_POINTER (overlay->selected + 1));
    }
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (gsize i = 0; lists[l].ids != NULL && i < lists[l].n && n_out < max_out; i++)
      {
        gsize id = lists[l].ids[i];

        if (!emb_overlay_target_shows (target, id) ||
            g_hash_table_contains (seen, GSIZE_TO_POINTER (id + 1)))
          continue;
        g_hash_table_add (seen, GSIZE_TO_POINTER (id + 1));
        out[n_out++] = id;
      }
  return n_out;
}
