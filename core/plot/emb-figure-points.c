/* emb-figure-points.c: the points layer of a figure: core's point
 * renderer (emb-render) rasterised at the output resolution, or, on
 * SVG/PDF within the point budget, one vector dot a point.
 */
#include "config.h"

#include "plot/emb-figure-private.h"

/* The points raster embedded in SVG/PDF is this many pixels per unit, so
 * it stays sharp when the page is zoomed or printed; its size is capped. */
#define VECTOR_RASTER_FACTOR 2.0
#define MAX_RASTER_PIXELS (48 * 1024 * 1024)

/* The points through core's renderer, into an image painted over the
 * frame at factor pixels per unit. */
static gboolean
draw_points_raster (Figure *f, double factor, GCancellable *cancellable)
{
  const EmbPlot *plot = f->plot;
  const EmbPlotLayout *l = &f->layout;
  cairo_surface_t *image;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  EmbPointStyle style = { 0 };
  EmbView view;
  int rw, rh;
  gboolean ok;

  /* Keep the raster within cairo's and memory's limits. */
  factor = MIN (factor, MAX_SIDE / (double) MAX (l->width, l->height));
  factor = MIN (factor, sqrt (MAX_RASTER_PIXELS / ((double) l->width * l->height)));
  rw = MAX ((int) ceil (l->width * factor - 1e-6), 1);
  rh = MAX ((int) ceil (l->height * factor - 1e-6), 1);

  /* Pixel px of the raster is frame unit px / factor: the centre moves by
   * the rounding of the raster's size. */
  view.scale = l->view.scale * factor;
  view.width = rw;
  view.height = rh;
  view.center_x = l->view.center_x + (rw / (2 * factor) - l->width / 2.0) / l->view.scale;
  view.center_y = l->view.center_y - (rh / (2 * factor) - l->height / 2.0) / l->view.scale;

  style.xs = plot->xs;
  style.ys = plot->ys;
  style.n = plot->n;
  style.category = plot->category;
  style.palette = f->palette;
  style.n_palette = f->n_palette;
  style.visible = plot->visible;
  style.radius = CLAMP (f->m.point_radius * factor, 0.5, 32.0);
  style.opacity = EMB_POINT_OPACITY;
  style.background = 0;

  image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, rw, rh);
  if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (image);
      return TRUE;   /* the caller sees cairo's error state */
    }
  cairo_surface_flush (image);
  ok = emb_render_points (&style, &view, cairo_image_surface_get_data (image),
                          cairo_image_surface_get_stride (image), 0, cancellable);
  cairo_surface_mark_dirty (image);

  if (ok)
    {
      pattern = cairo_pattern_create_for_surface (image);
      cairo_matrix_init_scale (&matrix, factor, factor);
      cairo_matrix_translate (&matrix, -l->x, -l->y);
      cairo_pattern_set_matrix (pattern, &matrix);
      cairo_pattern_set_filter (pattern, CAIRO_FILTER_GOOD);
      cairo_save (f->cr);
      cairo_rectangle (f->cr, l->x, l->y, l->width, l->height);
      cairo_clip (f->cr);
      cairo_set_source (f->cr, pattern);
      cairo_paint (f->cr);
      cairo_restore (f->cr);
      cairo_pattern_destroy (pattern);
    }
  cairo_surface_destroy (image);
  return ok;
}

/* The points as vector dots, one path per colour: a zero-length segment
 * with round caps is a filled disc in cairo, PDF and SVG alike, and costs a
 * few bytes where a circle costs four Béziers.  Colours are drawn from
 * the most points to the fewest, so that small groups stay on top. */
static void
draw_points_vector (Figure *f, const guint32 *ids, gsize n_ids)
{
  const EmbPlot *plot = f->plot;
  guint n_colors = f->n_palette;
  g_autofree gsize *count = g_new0 (gsize, n_colors + 1);
  g_autofree gsize *start = g_new0 (gsize, n_colors + 1);
  g_autofree guint *order = g_new (guint, n_colors);
  g_autofree guint32 *sorted = g_new (guint32, MAX (n_ids, 1));

  for (gsize k = 0; k < n_ids; k++)
    {
      guint c = plot->category != NULL ? plot->category[ids[k]] % n_colors : 0;

      count[c]++;
    }
  for (guint c = 0; c < n_colors; c++)
    start[c + 1] = start[c] + count[c];
  for (gsize k = 0; k < n_ids; k++)
    {
      guint c = plot->category != NULL ? plot->category[ids[k]] % n_colors : 0;

      sorted[start[c]++] = ids[k];
    }
  for (guint c = 0; c < n_colors; c++)
    {
      start[c] -= count[c];
      order[c] = c;
    }
  /* Insertion sort by count, descending; stable, so ties keep the
   * palette order.  Palettes are short. */
  for (guint i = 1; i < n_colors; i++)
    {
      guint v = order[i], j = i;

      while (j > 0 && count[order[j - 1]] < count[v])
        {
          order[j] = order[j - 1];
          j--;
        }
      order[j] = v;
    }

  cairo_save (f->cr);
  cairo_rectangle (f->cr, f->layout.x, f->layout.y, f->layout.width, f->layout.height);
  cairo_clip (f->cr);
  cairo_set_line_cap (f->cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width (f->cr, 2 * f->m.point_radius);
  for (guint o = 0; o < n_colors; o++)
    {
      guint c = order[o];

      if (count[c] == 0)
        break;
      cairo_new_path (f->cr);
      for (gsize k = start[c]; k < start[c] + count[c]; k++)
        {
          double px, py;

          data_to_figure (f, plot->xs[sorted[k]], plot->ys[sorted[k]], &px, &py);
          cairo_move_to (f->cr, px, py);
          cairo_line_to (f->cr, px, py);
        }
      emb_set_source_rgb (f->cr, f->palette[c], EMB_POINT_OPACITY);
      cairo_stroke (f->cr);
    }
  cairo_restore (f->cr);
}

/* Vector dots when asked and the frame shows at most the budget, else the
 * raster: at the device resolution on image surfaces, finer on vector
 * ones. */
gboolean
_emb_figure_draw_points (Figure *f, gboolean vector, GCancellable *cancellable)
{
  const EmbPlot *plot = f->plot;
  g_autoptr(GArray) ids = NULL;
  double reach = f->m.point_radius;
  double factor;

  if (plot->n == 0 || plot->xs == NULL || plot->ys == NULL)
    return TRUE;

  if (vector)
    {
      ids = g_array_new (FALSE, FALSE, sizeof (guint32));
      for (gsize i = 0; i < plot->n; i++)
        {
          double px, py;
          guint32 id = (guint32) i;

          if (!_emb_plot_point_visible (plot, i))
            continue;
          emb_view_to_pixel (&f->layout.view, plot->xs[i], plot->ys[i], &px, &py);
          if (px < -reach || py < -reach ||
              px > f->layout.width + reach || py > f->layout.height + reach)
            continue;
          if (ids->len == EMB_PLOT_VECTOR_BUDGET || i > G_MAXUINT32)
            {
              g_clear_pointer (&ids, g_array_unref);
              break;
            }
          g_array_append_val (ids, id);
        }
      if (ids != NULL)
        {
          draw_points_vector (f, (const guint32 *) ids->data, ids->len);
          return TRUE;
        }
    }

  factor = f->device_scale;
  if (!f->pixel_target)
    factor *= VECTOR_RASTER_FACTOR;
  return draw_points_raster (f, factor, cancellable);
}
