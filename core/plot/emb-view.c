/* emb-view.c: the view transform: which part of the plane fills the
 * pixels (EmbView, emb-render.h), fitted to the points. */
#include "config.h"

#include <math.h>

#include "plot/emb-render.h"

/* The view centred on the bounding box of the finite points, at the largest
 * scale that keeps it margin * the smaller side away from every edge. */
void
emb_view_fit (EmbView     *view,
              const float *xs,
              const float *ys,
              gsize        n,
              int          width,
              int          height,
              double       margin)
{
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  double pad, avail_w, avail_h, span_x, span_y, sx, sy;

  g_return_if_fail (view != NULL);
  g_return_if_fail (n == 0 || (xs != NULL && ys != NULL));

  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (xs[i]) || !isfinite (ys[i]))
        continue;
      x0 = MIN (x0, xs[i]);
      x1 = MAX (x1, xs[i]);
      y0 = MIN (y0, ys[i]);
      y1 = MAX (y1, ys[i]);
    }
  if (x0 > x1)
    {
      /* No finite point: the unit square around the origin. */
      x0 = y0 = -0.5;
      x1 = y1 = 0.5;
    }

  view->width = width;
  view->height = height;
  view->center_x = (x0 + x1) * 0.5;
  view->center_y = (y0 + y1) * 0.5;

  pad = CLAMP (margin, 0.0, 0.49) * MIN (width, height);
  avail_w = MAX (width - 2.0 * pad, 1.0);
  avail_h = MAX (height - 2.0 * pad, 1.0);
  span_x = x1 - x0;
  span_y = y1 - y0;
  /* A flat layout is scaled by its one extent; a single point gets a unit
   * span so that it still has a usable zoom. */
  if (span_x <= 0 && span_y <= 0)
    span_x = span_y = 1.0;
  sx = span_x > 0 ? avail_w / span_x : INFINITY;
  sy = span_y > 0 ? avail_h / span_y : INFINITY;
  view->scale = MIN (sx, sy);
}
