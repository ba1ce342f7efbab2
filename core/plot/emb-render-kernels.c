/* emb-render-kernels.c: the per-call tables of the point renderer: one
 * coverage kernel per sub-pixel phase and one (1, r, g, b) per colour.
 */
#include "config.h"

#include "plot/emb-render-private.h"

/* Coverage of the pixel [px, px+1) x [py, py+1) by the disc of radius r
 * centred at (cx, cy), as the fraction of a grid of sample points inside. */
static float
disc_coverage (double px, double py, double cx, double cy, double r)
{
  int inside = 0;

  for (int sy = 0; sy < SUPERSAMPLE; sy++)
    for (int sx = 0; sx < SUPERSAMPLE; sx++)
      {
        double dx = px + (sx + 0.5) / SUPERSAMPLE - cx;
        double dy = py + (sy + 0.5) / SUPERSAMPLE - cy;

        inside += dx * dx + dy * dy <= r * r;
      }
  return (float) inside / (SUPERSAMPLE * SUPERSAMPLE);
}

/* Fills job->kernels: for each sub-pixel phase (the point's centre at
 * ((phase_x + 0.5) / PHASES, (phase_y + 0.5) / PHASES) inside its pixel), the
 * coverage of the pixels around by a disc of the given radius, trimmed to
 * the non-zero bounding box.  The disc is at least a pixel wide, so that an
 * isolated point always covers its own pixel fully. */
void
_emb_render_build_kernels (RenderJob *job, double radius)
{
  int span = (int) ceil (radius) + 1;
  int side = 2 * span + 1;
  float *w;

  job->kernel_weights = g_new0 (float, PHASES * PHASES * side * side);
  job->reach = span;
  w = job->kernel_weights;

  for (int phy = 0; phy < PHASES; phy++)
    for (int phx = 0; phx < PHASES; phx++)
      {
        Kernel *k = &job->kernels[phy * PHASES + phx];
        double cx = (phx + 0.5) / PHASES;
        double cy = (phy + 0.5) / PHASES;
        float full[side * side];
        int x0 = side, x1 = -1, y0 = side, y1 = -1;

        for (int j = 0; j < side; j++)
          for (int i = 0; i < side; i++)
            {
              float c = disc_coverage (i - span, j - span, cx, cy, radius);

              full[j * side + i] = c;
              if (c > 0)
                {
                  x0 = MIN (x0, i);
                  x1 = MAX (x1, i);
                  y0 = MIN (y0, j);
                  y1 = MAX (y1, j);
                }
            }
        /* The radius is at least 0.5, so the centre sample is always in. */
        g_assert (x1 >= x0 && y1 >= y0);

        k->dx0 = x0 - span;
        k->dy0 = y0 - span;
        k->w = x1 - x0 + 1;
        k->h = y1 - y0 + 1;
        k->weights = w;
        for (int j = y0; j <= y1; j++)
          for (int i = x0; i <= x1; i++)
            *w++ = full[j * side + i];
      }
}

/* Fills job->colours with (1, r, g, b) for each palette entry the category
 * indices can reach, so one multiply-add per pixel accumulates coverage and
 * coverage-weighted colour together. */
void
_emb_render_build_colours (RenderJob *job)
{
  const EmbPointStyle *s = job->style;
  static const guint32 fallback = 0x3584e4;
  const guint32 *palette = s->palette;
  guint n = s->n_palette;

  if (palette == NULL || n == 0)
    {
      palette = &fallback;
      n = 1;
    }
  /* Categories are 16-bit: entries past that can never be used. */
  n = MIN (n, (guint) G_MAXUINT16 + 1);
  job->n_colours = n;
  job->colours = g_malloc (n * sizeof (v4sf));
  for (guint i = 0; i < n; i++)
    {
      guint32 c = palette[i];
      v4sf v = { 1.0f, (c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff };

      job->colours[i] = v;
    }
}
