/* emb-render-private.h: what the files of the point renderer share.
 *
 * emb-render.c runs the stages (see its top comment) on its threads;
 * emb-render-kernels.c builds the per-call disc kernels and colours,
 * emb-render-scatter.c sorts the points into bands (stages 1 and 2) and
 * emb-render-splat.c splats, encodes and composites them (stages 3, 4).
 */
#pragma once

#include <math.h>

#include "plot/emb-render.h"

G_BEGIN_DECLS

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

/* Polls the cancellable; TRUE once the render has been cancelled by any
 * thread. */
static inline gboolean
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

/* Rows [*y0, *y1) of band b. */
static inline void
band_rows (const RenderJob *job, int b, int *y0, int *y1)
{
  *y0 = b * job->band_rows;
  *y1 = MIN (*y0 + job->band_rows, job->view->height);
}

/* emb-render-kernels.c */
void _emb_render_build_kernels  (RenderJob *job,
                                 double     radius);
void _emb_render_build_colours  (RenderJob *job);

/* emb-render-scatter.c */
void _emb_render_count_points   (RenderJob *job,
                                 guint      t);
void _emb_render_prefix_counts  (RenderJob *job);
void _emb_render_scatter_points (RenderJob *job,
                                 guint      t);

/* emb-render-splat.c */
void _emb_render_splat_band     (RenderJob    *job,
                                 const Record *recs,
                                 guint         n_recs,
                                 v4sf         *acc,
                                 int           y0,
                                 int           y1);
void _emb_render_encode_band    (RenderJob *job,
                                 v4sf      *acc,
                                 int        y0,
                                 int        y1,
                                 guint64   *hist);
void _emb_render_build_alpha_lut (RenderJob *job);
void _emb_render_composite_band (RenderJob *job,
                                 int        y0,
                                 int        y1);

G_END_DECLS
