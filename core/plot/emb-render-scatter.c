/* emb-render-scatter.c: stages 1 and 2 of the point renderer: points to
 * biased sub-pixel positions, counted per band, then sorted into each
 * band's slice of one record array.
 */
#include "config.h"

#include "plot/emb-render-private.h"

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
void
_emb_render_count_points (RenderJob *job, guint t)
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
void
_emb_render_prefix_counts (RenderJob *job)
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
void
_emb_render_scatter_points (RenderJob *job, guint t)
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
