/* emb-render-splat.c: stages 3 and 4 of the point renderer: kernels added
 * into a band buffer, folded into coverage codes and mean colours, the
 * opacity table, and the composite over the background.
 */
#include "config.h"

#include "plot/emb-render-private.h"

/* One disc's kernel rows [j0, j1) added into acc.  With kw_const > 0 (the
 * kernel's width, as a constant) the disc lies inside the columns and the
 * inner loop is unrolled; with 0 it is clipped to [0, width). */
G_ALWAYS_INLINE static inline void
splat_one (v4sf *acc, int width, int y0, const Kernel *k, v4sf colour,
           int kx, int ky, int j0, int j1, int kw_const)
{
  int w = kw_const > 0 ? kw_const : k->w;

  if (kw_const > 0)
    {
      for (int j = j0; j < j1; j++)
        {
          const float *kw = k->weights + (j - ky) * w;
          v4sf *row = acc + (gsize) (j - y0) * width + kx;

          for (int i = 0; i < w; i++)
            row[i] += kw[i] * colour;
        }
      return;
    }
  for (int j = j0; j < j1; j++)
    {
      const float *kw = k->weights + (j - ky) * w - kx;
      v4sf *row = acc + (gsize) (j - y0) * width;
      int i1 = MIN (kx + w, width);

      for (int i = MAX (kx, 0); i < i1; i++)
        row[i] += kw[i] * colour;
    }
}

/* Adds the discs of one band into acc, which holds the band's rows
 * [y0, y1) of the image, full width. */
void
_emb_render_splat_band (RenderJob *job, const Record *recs, guint n_recs,
            v4sf *acc, int y0, int y1)
{
  int width = job->view->width;

  for (guint r = 0; r < n_recs; r++)
    {
      const Record *rec = &recs[r];
      const Kernel *k = &job->kernels[rec->phase];
      v4sf colour = job->colours[rec->colour];
      int kx = rec->x - COORD_BIAS + k->dx0;
      int ky = rec->y - COORD_BIAS + k->dy0;
      int j0 = MAX (ky, y0), j1 = MIN (ky + k->h, y1);

      if ((r & (POLL_POINTS - 1)) == POLL_POINTS - 1 && check_cancelled (job))
        return;

      /* Fixed-width loops are about 15% faster than one loop for all. */
      if (kx < 0 || kx + k->w > width)
        splat_one (acc, width, y0, k, colour, kx, ky, j0, j1, 0);
      else
        switch (k->w)
          {
          case 3: splat_one (acc, width, y0, k, colour, kx, ky, j0, j1, 3); break;
          case 4: splat_one (acc, width, y0, k, colour, kx, ky, j0, j1, 4); break;
          case 5: splat_one (acc, width, y0, k, colour, kx, ky, j0, j1, 5); break;
          case 6: splat_one (acc, width, y0, k, colour, kx, ky, j0, j1, 6); break;
          case 7: splat_one (acc, width, y0, k, colour, kx, ky, j0, j1, 7); break;
          case 8: splat_one (acc, width, y0, k, colour, kx, ky, j0, j1, 8); break;
          default: splat_one (acc, width, y0, k, colour, kx, ky, j0, j1, 0); break;
          }
    }
}

/* The code of coverage c > 0 (see LINEAR_CODES). */
static inline guint32
coverage_code (float c)
{
  union { float f; guint32 u; } bits;
  guint32 code;

  if (c <= 1.0f)
    return MAX ((guint32) (c * LINEAR_CODES + 0.5f), 1);
  /* For c > 1 the float's bits minus those of 1.0 are
   * log2 (c) * 2^23 with the mantissa as linear interpolation. */
  bits.f = c;
  code = LINEAR_CODES + 1 +
         ((bits.u - 0x3f800000u) >> (23 - CODES_PER_OCTAVE_LOG2));
  return MIN (code, 255);
}

/* The coverage a code stands for (the middle, in log scale, of the range
 * of a log code). */
static double
code_coverage (guint code)
{
  if (code <= LINEAR_CODES)
    return (double) code / LINEAR_CODES;
  return exp2 ((code - LINEAR_CODES - 0.5) / CODES_PER_OCTAVE);
}

/* Folds acc (rows [y0, y1)) into the output as code << 24 | mean colour,
 * counts the codes into hist, and clears acc for the next band. */
void
_emb_render_encode_band (RenderJob *job, v4sf *acc, int y0, int y1, guint64 *hist)
{
  int width = job->view->width;

  for (int y = y0; y < y1; y++)
    {
      v4sf *row = acc + (gsize) (y - y0) * width;
      guint32 *out = (guint32 *) (job->out + (gsize) y * job->stride);
      static const v4sf zero = { 0, 0, 0, 0 };

      for (int x = 0; x < width; x++)
        {
          v4sf a = row[x];
          float c = a[0];
          guint32 code, r, g, b;
          float inv;

          if (c <= 0.0f)
            {
              out[x] = 0;
              continue;
            }
          row[x] = zero;
          code = coverage_code (c);
          hist[code]++;
          inv = 1.0f / c;
          r = (guint32) (a[1] * inv + 0.5f);
          g = (guint32) (a[2] * inv + 0.5f);
          b = (guint32) (a[3] * inv + 0.5f);
          out[x] = code << 24 | MIN (r, 255) << 16 | MIN (g, 255) << 8 | MIN (b, 255);
        }
    }
}

/* Serial, after stage 3: cmax from the merged histogram and the opacity
 * of every code.
 *
 * Opacity of coverage c (the sum of the disc kernels over the pixel, so
 * roughly how many points overlap it):
 *   c <= 1:  opacity * c  (one disc, partly covering the pixel);
 *   c > 1:   opacity + (1 - opacity) * log (c) / log (cmax), capped at 1;
 * with cmax the COVERAGE_PERCENTILE of non-empty pixels (at least MIN_CMAX).
 * An isolated point is drawn at the style's opacity, and from there opacity
 * grows with the logarithm of the overlap, which is what keeps the inner
 * structure of clusters that are many thousands of points deep visible
 * instead of one saturated blob; only the densest half-percent of the
 * covered pixels is fully opaque. */
void
_emb_render_build_alpha_lut (RenderJob *job)
{
  guint64 hist[256] = { 0 };
  guint64 total = 0, want, seen = 0;
  double opacity = job->style->opacity;
  double cmax = MIN_CMAX, log_cmax;
  guint code;

  /* NaN counts as fully opaque. */
  opacity = opacity >= 0 ? MIN (opacity, 1.0) : (opacity < 0 ? 0.0 : 1.0);

  for (guint t = 0; t < job->n_threads; t++)
    for (guint i = 1; i < 256; i++)
      hist[i] += job->histograms[t * 256 + i];
  for (guint i = 1; i < 256; i++)
    total += hist[i];

  want = (guint64) ceil (total * COVERAGE_PERCENTILE);
  for (code = 1; code < 256; code++)
    {
      seen += hist[code];
      if (seen >= want)
        break;
    }
  if (total > 0 && code < 256)
    cmax = MAX (cmax, code_coverage (code));
  log_cmax = log (cmax);

  job->alpha_lut[0] = 0;
  for (guint i = 1; i < 256; i++)
    {
      double a;

      if (i <= LINEAR_CODES)
        a = opacity * code_coverage (i);
      else
        a = opacity + (1.0 - opacity) * MIN (log (code_coverage (i)) / log_cmax, 1.0);
      job->alpha_lut[i] = (guint32) (CLAMP (a, 0.0, 1.0) * 65536.0 + 0.5);
    }
}

/* Stage 4 on one band: every pixel's code and mean colour composited over
 * the background, premultiplied. */
void
_emb_render_composite_band (RenderJob *job, int y0, int y1)
{
  guint32 bg = job->style->background;
  guint32 ba = bg >> 24;
  /* The background premultiplied, per channel. */
  guint32 br = ((bg >> 16) & 0xff) * ba / 255;
  guint32 bgg = ((bg >> 8) & 0xff) * ba / 255;
  guint32 bb = (bg & 0xff) * ba / 255;
  guint32 bg_premul = ba << 24 | br << 16 | bgg << 8 | bb;
  int width = job->view->width;

  for (int y = y0; y < y1; y++)
    {
      guint32 *out = (guint32 *) (job->out + (gsize) y * job->stride);

      for (int x = 0; x < width; x++)
        {
          guint32 p = out[x];
          guint32 a, na, r, g, b, oa;

          if (p == 0)
            {
              out[x] = bg_premul;
              continue;
            }
          a = job->alpha_lut[p >> 24];
          na = 65536 - a;
          /* colour * a + background * (1 - a), all in 16.16 fixed point */
          r = (((p >> 16) & 0xff) * a + br * na + 32768) >> 16;
          g = (((p >> 8) & 0xff) * a + bgg * na + 32768) >> 16;
          b = ((p & 0xff) * a + bb * na + 32768) >> 16;
          oa = (255 * a + ba * na + 32768) >> 16;
          out[x] = oa << 24 | r << 16 | g << 8 | b;
        }
    }
}
