/* emb-render.c: points splatted into an ARGB32 buffer.
 *
 * The image is cut into bands of rows, small enough that one band's float
 * accumulation buffer (16 bytes a pixel) stays in a core's L2 cache.  A
 * render runs in four stages, every thread taking part in each, with a
 * short serial step by thread 0 between some of them:
 *
 *   1 count: each thread transforms its share of the points and counts,
 *     per band, the discs that touch the band (then, serially, prefix sums);
 *   2 scatter: the same walk again, writing a small record per (point,
 *     band) into the band's slice of one array (a counting sort), so each
 *     band's points are contiguous and in point order;
 *   3 splat: bands are handed out one at a time; a thread adds each disc's
 *     coverage kernel times (1, r, g, b) into its band buffer, then folds
 *     the band into the output as "coverage code + mean colour" and
 *     histograms the codes (then, serially, the opacity table);
 *   4 composite: codes become opacity through that 256-entry table and are
 *     composited over the background, in place.
 *
 * Splitting the image rather than the points means no per-thread
 * full-image buffers to clear and merge: on 341k points into 1600 x 1200 a
 * single full-image float buffer was 15% slower than the bands even before
 * any merge, and a fresh 30 MB buffer costs ~10 ms in page faults alone.
 * Only the band buffers (one per thread) and the records are allocated per
 * call; the full-image state between stages 3 and 4 lives in the output.
 * The result does not depend on the number of threads.
 */
#include "config.h"

#include <math.h>

#include "plot/emb-render.h"

/* Sub-pixel positions are quantised to PHASES x PHASES offsets, each with
 * its own precomputed coverage kernel. */
#define PHASES 4
/* Coverage of a kernel pixel is estimated from SUPERSAMPLE^2 samples. */
#define SUPERSAMPLE 8
/* Largest disc radius, in pixels. */
#define MAX_RADIUS 32.0
/* Pixel coordinates are stored biased so they fit an unsigned 16 bits;
 * more than any disc's reach (MAX_RADIUS + 2). */
#define COORD_BIAS 64
/* cairo's own limit for image surfaces. */
#define MAX_SIDE 32767
/* Float accumulation bytes per band, for every thread: fits L2. */
#define BAND_BYTES (512 * 1024)
/* How often, in points, the cancellable is polled. */
#define POLL_POINTS 65536

/* Coverage codes stored in the top byte of an output pixel between the
 * splat and the composite: 0 is empty; 1..LINEAR_CODES is coverage c in
 * (0, 1] in steps of 1 / LINEAR_CODES (the anti-aliased rim of an isolated
 * disc); above that, log2 (c) in steps of 1 / CODES_PER_OCTAVE, read
 * straight off the float's exponent and top mantissa bits. */
#define LINEAR_CODES 64
#define CODES_PER_OCTAVE_LOG2 3
#define CODES_PER_OCTAVE (1 << CODES_PER_OCTAVE_LOG2)

/* The coverage that maps to full opacity is the COVERAGE_PERCENTILE of the
 * non-empty pixels, but never below MIN_CMAX so that a sparse plot where a
 * handful of discs touch does not already saturate. */
#define COVERAGE_PERCENTILE 0.995
#define MIN_CMAX 16.0

typedef float v4sf __attribute__ ((vector_size (16)));

typedef struct
{
  int dx0, dy0;        /* top-left of the kernel relative to the point's pixel */
  int w, h;
  const float *weights; /* h rows of w */
} Kernel;

/* One disc touching one band: its pixel (biased) and how to draw it. */
typedef struct
{
  guint16 x;
  guint16 y;
  guint16 colour;
  guint8  phase;
  guint8  pad;
} Record;

typedef struct
{
  GMutex mutex;
  GCond  cond;
  guint  n_threads;
  guint  waiting;
  guint  generation;
} Barrier;

typedef struct
{
  /* inputs */
  const EmbPointStyle *style;
  const EmbView       *view;
  guint8              *out;
  int                  stride;
  GCancellable        *cancellable;
  guint                n_threads;

  /* derived once */
  Kernel   kernels[PHASES * PHASES];
  float   *kernel_weights;
  v4sf    *colours;         /* (1, r, g, b) per palette entry, 0..255 */
  guint    n_colours;
  int      reach;           /* rows a disc may extend either side of its pixel */
  int      band_shift;      /* bands are 1 << band_shift rows */
  int      band_rows;
  int      n_bands;

  /* stages 1 and 2 */
  guint   *counts;          /* n_threads x n_bands, then scatter cursors */
  guint   *band_start;      /* n_bands + 1 */
  Record  *records;

  /* stages 3 and 4 */
  gint     next_band;
  gint     next_final;
  guint64 *histograms;      /* n_threads x 256 */
  guint32  alpha_lut[256];  /* opacity per code, 0 .. 65536 */

  gint     cancelled;
  Barrier  barrier;
} RenderJob;

typedef struct
{
  RenderJob *job;
  guint      index;
} Worker;

/* ---------------------------------------------------------------------- */
/* auxiliary functions                                                     */

/* Blocks until all n_threads threads have called it. */
static void
barrier_wait (Barrier *b)
{
  guint generation;

  g_mutex_lock (&b->mutex);
  generation = b->generation;
  if (++b->waiting == b->n_threads)
    {
      b->waiting = 0;
      b->generation++;
      g_cond_broadcast (&b->cond);
    }
  else
    {
      while (generation == b->generation)
        g_cond_wait (&b->cond, &b->mutex);
    }
  g_mutex_unlock (&b->mutex);
}

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
static void
build_kernels (RenderJob *job, double radius)
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
static void
build_colours (RenderJob *job)
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

/* The per-call constants of locate_point, copied into a local by each
 * loop: the project builds with -fno-strict-aliasing, so reading them
 * through the job pointer would reload them after every store. */
typedef struct
{
  const float   *xs, *ys;
  const guint16 *category;
  const guint8  *visible;
  double         center_x, center_y;
  double         scale, half_w, half_h;  /* all times PHASES */
  double         lo, hi_x, hi_y;         /* cull bounds, the same units */
  int            reach, height, band_shift;
  guint          n_colours;
} Locator;

/* Fills l from the job. */
static void
locator_init (Locator *l, const RenderJob *job)
{
  const EmbPointStyle *s = job->style;
  const EmbView *v = job->view;

  l->xs = s->xs;
  l->ys = s->ys;
  l->category = s->category;
  l->visible = s->visible;
  l->center_x = v->center_x;
  l->center_y = v->center_y;
  /* Positions are computed in 1 / PHASES pixels, so that one truncation
   * gives both the pixel and the sub-pixel phase; scaling by a power of two
   * changes no rounding, so this is emb_view_to_pixel () exactly.  The
   * bias keeps every kept position positive, so truncation is floor. */
  l->scale = v->scale * PHASES;
  l->half_w = (v->width * 0.5 + COORD_BIAS) * PHASES;
  l->half_h = (v->height * 0.5 + COORD_BIAS) * PHASES;
  l->lo = (COORD_BIAS - job->reach - 1) * PHASES;
  l->hi_x = (COORD_BIAS + v->width + job->reach + 1) * PHASES;
  l->hi_y = (COORD_BIAS + v->height + job->reach + 1) * PHASES;
  l->reach = job->reach;
  l->height = v->height;
  l->band_shift = job->band_shift;
  l->n_colours = job->n_colours;
}

/* Point i's position in 1 / PHASES pixels plus the bias, or FALSE if it is
 * hidden, not finite or too far outside the image to touch it. */
static inline gboolean
locate_point (const Locator *l, gsize i, int *qx, int *qy)
{
  double px, py;

  if (l->visible != NULL && !l->visible[i])
    return FALSE;
  px = (l->xs[i] - l->center_x) * l->scale + l->half_w;
  py = l->half_h - (l->ys[i] - l->center_y) * l->scale;
  /* Written so that NaN fails too. */
  if (!(px >= l->lo && px < l->hi_x && py >= l->lo && py < l->hi_y))
    return FALSE;
  *qx = (int) px;
  *qy = (int) py;
  return TRUE;
}

/* The bands a disc on (biased) row by may touch: [*band0, *band1]. */
static inline gboolean
point_bands (const Locator *l, int by, int *band0, int *band1)
{
  int iy = by - COORD_BIAS;

  *band0 = MAX (iy - l->reach, 0) >> l->band_shift;
  *band1 = MIN (iy + l->reach, l->height - 1) >> l->band_shift;
  return *band0 <= *band1;
}

/* Polls the cancellable; TRUE once the render has been cancelled by any
 * thread. */
static gboolean
check_cancelled (RenderJob *job)
{
  if (g_atomic_int_get (&job->cancelled))
    return TRUE;
  if (g_cancellable_is_cancelled (job->cancellable))
    {
      g_atomic_int_set (&job->cancelled, 1);
      return TRUE;
    }
  return FALSE;
}

/* The points of thread t's share: [*first, *last). */
static void
point_share (const RenderJob *job, guint t, gsize *first, gsize *last)
{
  gsize n = job->style->n;

  *first = (gsize) ((guint64) n * t / job->n_threads);
  *last = (gsize) ((guint64) n * (t + 1) / job->n_threads);
}

/* Stage 1: counts[t][band] = how many discs of thread t's share touch each
 * band. */
static void
count_points (RenderJob *job, guint t)
{
  guint *counts = job->counts + (gsize) t * job->n_bands;
  Locator l;
  gsize first, last;

  locator_init (&l, job);
  point_share (job, t, &first, &last);
  for (gsize i = first; i < last; i++)
    {
      int qx, qy, b0, b1;

      if ((i - first) % POLL_POINTS == 0 && check_cancelled (job))
        return;
      if (!locate_point (&l, i, &qx, &qy) ||
          !point_bands (&l, qy / PHASES, &b0, &b1))
        continue;
      /* A disc touches one band or two (see band_shift), about as often:
       * branchless. */
      counts[b0]++;
      counts[b1] += b1 != b0;
    }
}

/* Serial, after stage 1: band_start from the counts, and each thread's
 * counts turned into its write cursor inside every band, so that records
 * of a band are in point order. */
static void
prefix_counts (RenderJob *job)
{
  guint pos = 0;

  for (int b = 0; b < job->n_bands; b++)
    {
      job->band_start[b] = pos;
      for (guint t = 0; t < job->n_threads; t++)
        {
          guint *c = &job->counts[(gsize) t * job->n_bands + b];
          guint k = *c;

          *c = pos;
          pos += k;
        }
    }
  job->band_start[job->n_bands] = pos;
  job->records = g_new (Record, MAX (pos, 1));
}

/* Stage 2: each disc's record written into every band it touches. */
static void
scatter_points (RenderJob *job, guint t)
{
  guint *cursor = job->counts + (gsize) t * job->n_bands;
  Record *records = job->records;
  Record scratch;
  Locator l;
  gsize first, last;

  locator_init (&l, job);
  point_share (job, t, &first, &last);
  for (gsize i = first; i < last; i++)
    {
      int qx, qy, b0, b1;
      guint colour;
      Record rec;

      if ((i - first) % POLL_POINTS == 0 && check_cancelled (job))
        return;
      if (!locate_point (&l, i, &qx, &qy) ||
          !point_bands (&l, qy / PHASES, &b0, &b1))
        continue;

      colour = l.category != NULL ? l.category[i] : 0;
      if (G_UNLIKELY (colour >= l.n_colours))
        colour %= l.n_colours;
      rec.x = (guint16) (qx / PHASES);
      rec.y = (guint16) (qy / PHASES);
      rec.colour = (guint16) colour;
      rec.phase = (guint8) (qy % PHASES * PHASES + qx % PHASES);
      rec.pad = 0;
      records[cursor[b0]++] = rec;
      /* The second band's copy goes to a scratch record when there is
       * none, rather than branching. */
      *(b1 != b0 ? &records[cursor[b1]] : &scratch) = rec;
      cursor[b1] += b1 != b0;
    }
}

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
static void
splat_band (RenderJob *job, const Record *recs, guint n_recs,
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
static void
encode_band (RenderJob *job, v4sf *acc, int y0, int y1, guint64 *hist)
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
static void
build_alpha_lut (RenderJob *job)
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
static void
composite_band (RenderJob *job, int y0, int y1)
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

/* Rows [*y0, *y1) of band b. */
static void
band_rows (const RenderJob *job, int b, int *y0, int *y1)
{
  *y0 = b * job->band_rows;
  *y1 = MIN (*y0 + job->band_rows, job->view->height);
}

/* Everything one thread does, phase after phase; thread 0 also does the
 * serial steps between them. */
static gpointer
render_worker (gpointer data)
{
  Worker *w = data;
  RenderJob *job = w->job;
  guint t = w->index;
  int width = job->view->width;
  g_autofree v4sf *acc = NULL;
  guint64 *hist = job->histograms + (gsize) t * 256;
  int b;

  count_points (job, t);
  barrier_wait (&job->barrier);
  if (t == 0 && !g_atomic_int_get (&job->cancelled))
    prefix_counts (job);
  barrier_wait (&job->barrier);

  if (!g_atomic_int_get (&job->cancelled))
    scatter_points (job, t);
  barrier_wait (&job->barrier);

  if (!g_atomic_int_get (&job->cancelled))
    {
      /* Zeroed once; encode_band leaves it zeroed for the next band. */
      acc = g_malloc0_n ((gsize) MIN (job->band_rows, job->view->height) * width,
                         sizeof (v4sf));
      while ((b = g_atomic_int_add (&job->next_band, 1)) < job->n_bands)
        {
          int y0, y1;

          band_rows (job, b, &y0, &y1);
          splat_band (job, job->records + job->band_start[b],
                      job->band_start[b + 1] - job->band_start[b],
                      acc, y0, y1);
          if (check_cancelled (job))
            break;
          encode_band (job, acc, y0, y1, hist);
        }
    }
  barrier_wait (&job->barrier);
  if (t == 0 && !g_atomic_int_get (&job->cancelled))
    build_alpha_lut (job);
  barrier_wait (&job->barrier);

  if (!g_atomic_int_get (&job->cancelled))
    while ((b = g_atomic_int_add (&job->next_final, 1)) < job->n_bands)
      {
        int y0, y1;

        band_rows (job, b, &y0, &y1);
        composite_band (job, y0, y1);
      }
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* public API                                                              */

/* Sets up the kernels, colours and bands, then runs render_worker on the
 * calling thread and n_threads - 1 others. */
gboolean
emb_render_points (const EmbPointStyle *style,
                   const EmbView       *view,
                   guint8              *out,
                   int                  stride,
                   guint                n_threads,
                   GCancellable        *cancellable)
{
  RenderJob job = { 0 };
  g_autofree Worker *workers = NULL;
  g_autofree GThread **threads = NULL;
  double radius;
  int band_rows;

  g_return_val_if_fail (style != NULL, FALSE);
  g_return_val_if_fail (view != NULL, FALSE);
  g_return_val_if_fail (view->width > 0 && view->width <= MAX_SIDE, FALSE);
  g_return_val_if_fail (view->height > 0 && view->height <= MAX_SIDE, FALSE);
  g_return_val_if_fail (view->scale > 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (stride >= view->width * 4, FALSE);
  g_return_val_if_fail (style->n == 0 || (style->xs != NULL && style->ys != NULL), FALSE);
  /* Record counts are 32-bit. */
  g_return_val_if_fail (style->n < G_MAXUINT32 / 4, FALSE);

  if (g_cancellable_is_cancelled (cancellable))
    return FALSE;

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  /* A thread is worth starting for a few tens of thousands of points. */
  n_threads = CLAMP (MIN (n_threads, style->n / 32768 + 1), 1, 64);

  job.style = style;
  job.view = view;
  job.out = out;
  job.stride = stride;
  job.cancellable = cancellable;
  job.n_threads = n_threads;

  radius = isfinite (style->radius) ? CLAMP (style->radius, 0.5, MAX_RADIUS) : 2.0;
  build_kernels (&job, radius);
  build_colours (&job);

  /* The largest power of two of rows that fits BAND_BYTES, but tall
   * enough that a disc spans at most two bands. */
  band_rows = BAND_BYTES / (view->width * (int) sizeof (v4sf));
  while ((2 << job.band_shift) <= MIN (band_rows, view->height))
    job.band_shift++;
  while ((1 << job.band_shift) < 2 * job.reach + 1)
    job.band_shift++;
  job.band_rows = 1 << job.band_shift;
  job.n_bands = (view->height + job.band_rows - 1) / job.band_rows;
  job.counts = g_new0 (guint, (gsize) n_threads * job.n_bands);
  job.band_start = g_new (guint, job.n_bands + 1);
  job.histograms = g_new0 (guint64, (gsize) n_threads * 256);

  g_mutex_init (&job.barrier.mutex);
  g_cond_init (&job.barrier.cond);
  job.barrier.n_threads = n_threads;

  workers = g_new (Worker, n_threads);
  threads = g_new0 (GThread *, n_threads);
  for (guint t = 0; t < n_threads; t++)
    {
      workers[t].job = &job;
      workers[t].index = t;
    }
  for (guint t = 1; t < n_threads; t++)
    threads[t] = g_thread_new ("emb-render", render_worker, &workers[t]);
  render_worker (&workers[0]);
  for (guint t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);

  g_mutex_clear (&job.barrier.mutex);
  g_cond_clear (&job.barrier.cond);
  g_free (job.kernel_weights);
  g_free (job.colours);
  g_free (job.counts);
  g_free (job.band_start);
  g_free (job.records);
  g_free (job.histograms);

  return !job.cancelled;
}
