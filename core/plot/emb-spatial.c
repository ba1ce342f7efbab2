/* emb-spatial.c: a uniform grid over the 2-D layout, and label placement.
 *
 * The grid has square cells sized for a handful of points each on average.
 * Its extent is the central 99% of the points on each axis rather than the
 * full bounding box: a layout with a few far outliers would otherwise put
 * nearly every point in one cell.  Points beyond that extent are clamped
 * into the edge cells, which are therefore open towards the outside; the
 * queries below account for that.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/emb-render.h"

/* Average points per cell the grid is sized for. */
#define TARGET_OCCUPANCY 6.0
/* Fraction of points left outside the grid's extent at each end of an axis. */
#define TAIL_FRACTION 0.005
/* Labels: side of an occupancy cell in pixels. */
#define LABEL_CELL 4

struct _EmbSpatialIndex
{
  gsize    n;           /* points given */
  double   x0, y0;      /* grid origin (data units) */
  double   cell;        /* cell side (data units) */
  double   inv_cell;
  int      cols, rows;
  guint32 *cell_start;  /* cols * rows + 1 offsets into ids / px / py */
  guint32 *ids;         /* indexed points, cell by cell, ids ascending in a cell */
  float   *px, *py;     /* their coordinates in the same order */
};

/* ---------------------------------------------------------------------- */
/* auxiliary functions                                                     */

/* The k-th smallest of v[0..n) (0-based), by quickselect; reorders v. */
static float
select_kth (float *v, gsize n, gsize k)
{
  gsize lo = 0, hi = n - 1;

  while (lo < hi)
    {
      float pivot = v[lo + (hi - lo) / 2];
      gsize i = lo, j = hi;

      while (i <= j)
        {
          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
          if (i <= j)
            {
              float t = v[i];

              v[i] = v[j];
              v[j] = t;
              i++;
              if (j == 0)
                break;
              j--;
            }
        }
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        break;
    }
  return v[k];
}

/* The TAIL_FRACTION and 1 - TAIL_FRACTION quantiles of the finite values of
 * v[0..n) in *lo and *hi; FALSE if none is finite. */
static gboolean
axis_extent (const float *v, gsize n, double *lo, double *hi)
{
  g_autofree float *tmp = g_new (float, MAX (n, 1));
  gsize m = 0, cut;

  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      tmp[m++] = v[i];
  if (m == 0)
    return FALSE;

  cut = (gsize) (m * TAIL_FRACTION);
  *lo = select_kth (tmp, m, cut);
  *hi = select_kth (tmp, m, m - 1 - cut);
  return TRUE;
}

/* The column of data coordinate x, clamped to the grid. */
static inline int
cell_col (const EmbSpatialIndex *index, double x)
{
  double c = floor ((x - index->x0) * index->inv_cell);

  /* Also maps NaN to 0. */
  if (!(c > 0))
    return 0;
  return c >= index->cols ? index->cols - 1 : (int) c;
}

/* The row of data coordinate y, clamped to the grid. */
static inline int
cell_row (const EmbSpatialIndex *index, double y)
{
  double c = floor ((y - index->y0) * index->inv_cell);

  if (!(c > 0))
    return 0;
  return c >= index->rows ? index->rows - 1 : (int) c;
}

/* Nearest-point search in one cell: updates *best / *best_d2 with any
 * visible point within r2 (squared radius) that is closer, or as close
 * with a lower id. */
static inline void
nearest_in_cell (const EmbSpatialIndex *index,
                 int                    col,
                 int                    row,
                 double                 x,
                 double                 y,
                 double                 r2,
                 const guint8          *visible,
                 gssize                *best,
                 double                *best_d2)
{
  gsize c = (gsize) row * index->cols + col;

  for (guint32 j = index->cell_start[c]; j < index->cell_start[c + 1]; j++)
    {
      double dx = index->px[j] - x;
      double dy = index->py[j] - y;
      double d2 = dx * dx + dy * dy;
      guint32 id = index->ids[j];

      if (d2 > r2 || d2 > *best_d2)
        continue;
      if (d2 == *best_d2 && *best >= 0 && (gssize) id > *best)
        continue;
      if (visible != NULL && !visible[id])
        continue;
      *best = id;
      *best_d2 = d2;
    }
}

/* qsort order of guint32 values. */
static int
compare_guint32 (const void *a, const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* ---------------------------------------------------------------------- */
/* public API                                                              */

/* Builds the grid: extent from the axis quantiles, square cells for about
 * TARGET_OCCUPANCY points each, then a stable counting sort of the points
 * by cell (so a cell lists its ids in ascending order). */
EmbSpatialIndex *
emb_spatial_index_new (const float *xs,
                       const float *ys,
                       gsize        n)
{
  EmbSpatialIndex *index;
  double xlo = 0, xhi = 0, ylo = 0, yhi = 0, w, h, cells, side;
  gsize n_cells, n_indexed = 0;
  g_autofree guint32 *cell_of = NULL;

  g_return_val_if_fail (n == 0 || (xs != NULL && ys != NULL), NULL);
  g_return_val_if_fail (n < G_MAXUINT32, NULL);

  index = g_new0 (EmbSpatialIndex, 1);
  index->n = n;

  if (!axis_extent (xs, n, &xlo, &xhi) || !axis_extent (ys, n, &ylo, &yhi))
    xlo = xhi = ylo = yhi = 0;
  w = xhi - xlo;
  h = yhi - ylo;
  cells = MAX (n / TARGET_OCCUPANCY, 1.0);
  if (w > 0 && h > 0)
    side = sqrt (w * h / cells);
  else if (w > 0 || h > 0)
    side = MAX (w, h) / cells;    /* the points lie on a line */
  else
    side = 1.0;
  /* Keep the cell count near the target whatever the rounding. */
  side = MAX (side, MAX (w, h) / cells);

  index->x0 = xlo;
  index->y0 = ylo;
  index->cell = side;
  index->inv_cell = 1.0 / side;
  index->cols = (int) MIN (floor (w / side) + 1, cells + 1);
  index->rows = (int) MIN (floor (h / side) + 1, cells + 1);
  n_cells = (gsize) index->cols * index->rows;

  /* Counting sort by cell; points with a non-finite coordinate are left
   * out of the index altogether. */
  index->cell_start = g_new0 (guint32, n_cells + 1);
  cell_of = g_new (guint32, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (xs[i]) || !isfinite (ys[i]))
        {
          cell_of[i] = G_MAXUINT32;
          continue;
        }
      cell_of[i] = (guint32) ((gsize) cell_row (index, ys[i]) * index->cols +
                              cell_col (index, xs[i]));
      index->cell_start[cell_of[i] + 1]++;
      n_indexed++;
    }
  for (gsize c = 0; c < n_cells; c++)
    index->cell_start[c + 1] += index->cell_start[c];

  index->ids = g_new (guint32, MAX (n_indexed, 1));
  index->px = g_new (float, MAX (n_indexed, 1));
  index->py = g_new (float, MAX (n_indexed, 1));
  {
    g_autofree guint32 *cursor = g_memdup2 (index->cell_start,
                                            n_cells * sizeof (guint32));

    for (gsize i = 0; i < n; i++)
      {
        guint32 j;

        if (cell_of[i] == G_MAXUINT32)
          continue;
        j = cursor[cell_of[i]]++;
        index->ids[j] = (guint32) i;
        index->px[j] = xs[i];
        index->py[j] = ys[i];
      }
  }
  return index;
}

/* Frees the index and its arrays; NULL is allowed. */
void
emb_spatial_index_free (EmbSpatialIndex *index)
{
  if (index == NULL)
    return;
  g_free (index->cell_start);
  g_free (index->ids);
  g_free (index->px);
  g_free (index->py);
  g_free (index);
}

/* Nearest point by rings of cells around the query's cell.  Ring k are the
 * cells at Chebyshev distance k; every point outside the block of rings
 * 0 .. k-1 is at least as far from the query as the nearest of that
 * block's sides that is not at the grid's edge (edge cells are open
 * outwards), so the search stops once that bound exceeds the best distance
 * or the radius.  Only cells overlapping the radius' square are visited. */
gssize
emb_spatial_index_nearest (const EmbSpatialIndex *index,
                           double                 x,
                           double                 y,
                           double                 radius,
                           const guint8          *visible)
{
  gssize best = -1;
  double best_d2 = INFINITY, r2, reach;
  int cx, cy, lx, hx, ly, hy;

  g_return_val_if_fail (index != NULL, -1);

  if (!(radius >= 0) || !isfinite (x) || !isfinite (y) || index->n == 0)
    return -1;
  r2 = radius * radius;
  /* The cells to visit, widened by the same slack as below. */
  reach = radius + index->cell * 1e-6;

  cx = cell_col (index, x);
  cy = cell_row (index, y);
  lx = cell_col (index, x - reach);
  hx = cell_col (index, x + reach);
  ly = cell_row (index, y - reach);
  hy = cell_row (index, y + reach);

  for (int k = 0; ; k++)
    {
      int row0 = cy - k, row1 = cy + k, col0 = cx - k, col1 = cx + k;

      if (k > 0)
        {
          /* The block of rings < k spans cells cx-k+1 .. cx+k-1. */
          double bound = INFINITY;

          if (cx - k + 1 > 0)
            bound = MIN (bound, x - (index->x0 + (cx - k + 1) * index->cell));
          if (cx + k - 1 < index->cols - 1)
            bound = MIN (bound, index->x0 + (cx + k) * index->cell - x);
          if (cy - k + 1 > 0)
            bound = MIN (bound, y - (index->y0 + (cy - k + 1) * index->cell));
          if (cy + k - 1 < index->rows - 1)
            bound = MIN (bound, index->y0 + (cy + k) * index->cell - y);
          if (bound == INFINITY)
            break;                /* the block is the whole grid */
          /* Slack for points that rounding put across a cell boundary. */
          bound = MAX (bound - index->cell * 1e-6, 0.0);
          if (bound * bound > r2 || bound * bound > best_d2)
            break;
        }
      if (row0 < ly && row1 > hy && col0 < lx && col1 > hx)
        break;                    /* the ring is past the radius' square */

      for (int row = MAX (row0, ly); row <= MIN (row1, hy); row++)
        {
          if (row == row0 || row == row1)
            {
              for (int col = MAX (col0, lx); col <= MIN (col1, hx); col++)
                nearest_in_cell (index, col, row, x, y, r2, visible, &best, &best_d2);
            }
          else
            {
              if (col0 >= lx)
                nearest_in_cell (index, col0, row, x, y, r2, visible, &best, &best_d2);
              if (col1 <= hx && col1 != col0)
                nearest_in_cell (index, col1, row, x, y, r2, visible, &best, &best_d2);
            }
        }
    }
  return best;
}

/* Points with x0 <= x <= x1 and y0 <= y <= y1 (corners in either order).
 * They are gathered from the overlapping cells, then put in id order: by
 * sorting when they are few, by a bitmap over all ids when they are many. */
void
emb_spatial_index_query_rect (const EmbSpatialIndex *index,
                              double x0, double y0,
                              double x1, double y1,
                              EmbPointFunc func,
                              gpointer user_data)
{
  g_autoptr(GArray) found = NULL;
  int c0, c1, r0, r1;

  g_return_if_fail (index != NULL);
  g_return_if_fail (func != NULL);

  if (x0 > x1)
    {
      double t = x0;
      x0 = x1;
      x1 = t;
    }
  if (y0 > y1)
    {
      double t = y0;
      y0 = y1;
      y1 = t;
    }
  if (!(x0 <= x1 && y0 <= y1) || index->n == 0)
    return;                       /* NaN */

  c0 = cell_col (index, x0);
  c1 = cell_col (index, x1);
  r0 = cell_row (index, y0);
  r1 = cell_row (index, y1);

  found = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (int row = r0; row <= r1; row++)
    {
      gsize c = (gsize) row * index->cols;

      for (guint32 j = index->cell_start[c + c0]; j < index->cell_start[c + c1 + 1]; j++)
        {
          /* Cells c0 .. c1 of a row are contiguous in the arrays. */
          double px = index->px[j], py = index->py[j];

          if (px >= x0 && px <= x1 && py >= y0 && py <= y1)
            g_array_append_val (found, index->ids[j]);
        }
    }

  if (found->len < index->n / 64)
    {
      guint32 *ids = (guint32 *) found->data;

      /* An empty array has no data pointer, and qsort (NULL, 0) is
       * undefined. */
      if (found->len > 1)
        qsort (ids, found->len, sizeof (guint32), compare_guint32);
      for (guint i = 0; i < found->len; i++)
        func (ids[i], user_data);
    }
  else
    {
      gsize n_words = (index->n + 63) / 64;
      g_autofree guint64 *bits = g_new0 (guint64, n_words);

      for (guint i = 0; i < found->len; i++)
        {
          guint32 id = g_array_index (found, guint32, i);

          bits[id / 64] |= G_GUINT64_CONSTANT (1) << (id % 64);
        }
      for (gsize w = 0; w < n_words; w++)
        for (guint64 word = bits[w]; word != 0; word &= word - 1)
          func (w * 64 + __builtin_ctzll (word), user_data);
    }
}

/* Greedy placement over an occupancy bitmap of LABEL_CELL-pixel cells, one
 * row of 64-bit words per cell row.  A box [l, l+w) x [t, t+h) claims every
 * cell it touches, so two kept boxes never overlap (boxes closer than a
 * cell may be refused, which is the price of linear time). */
gsize
emb_place_labels (const EmbLabelCandidate *candidates,
                  gsize                    n_candidates,
                  const float             *xs,
                  const float             *ys,
                  const EmbView           *view,
                  double                   gap,
                  gsize                    max_out,
                  gsize                   *out,
                  float                   *out_xy)
{
  int grid_w, grid_h;
  gsize words_per_row, n_out = 0;
  g_autofree guint64 *occupied = NULL;

  g_return_val_if_fail (view != NULL, 0);
  g_return_val_if_fail (n_candidates == 0 || (candidates != NULL && xs != NULL && ys != NULL), 0);
  g_return_val_if_fail (max_out == 0 || (out != NULL && out_xy != NULL), 0);

  if (view->width <= 0 || view->height <= 0 || max_out == 0)
    return 0;

  grid_w = (view->width + LABEL_CELL - 1) / LABEL_CELL;
  grid_h = (view->height + LABEL_CELL - 1) / LABEL_CELL;
  words_per_row = (grid_w + 63) / 64;
  occupied = g_new0 (guint64, words_per_row * grid_h);

  for (gsize i = 0; i < n_candidates && n_out < max_out; i++)
    {
      const EmbLabelCandidate *cand = &candidates[i];
      double px, py, left, top, right, bottom;
      int cx0, cx1, cy0, cy1;
      gboolean free_cells = TRUE;

      emb_view_to_pixel (view, xs[cand->id], ys[cand->id], &px, &py);
      left = px + gap;
      top = py - cand->height * 0.5;
      right = left + MAX (cand->width, 0.0f);
      bottom = top + MAX (cand->height, 0.0f);
      /* Written so that NaN fails too. */
      if (!(left >= 0 && top >= 0 && right <= view->width && bottom <= view->height))
        continue;

      cx0 = (int) (left / LABEL_CELL);
      cy0 = (int) (top / LABEL_CELL);
      cx1 = MAX ((int) ceil (right / LABEL_CELL) - 1, cx0);
      cy1 = MAX ((int) ceil (bottom / LABEL_CELL) - 1, cy0);
      cx1 = MIN (cx1, grid_w - 1);
      cy1 = MIN (cy1, grid_h - 1);

      for (int row = cy0; row <= cy1 && free_cells; row++)
        {
          guint64 *words = occupied + (gsize) row * words_per_row;

          for (int c = cx0; c <= cx1 && free_cells; c++)
            {
              /* Whole words at once where the span allows. */
              if (c % 64 == 0 && c + 63 <= cx1)
                {
                  free_cells = words[c / 64] == 0;
                  c += 63;
                }
              else
                free_cells = !(words[c / 64] & (G_GUINT64_CONSTANT (1) << (c % 64)));
            }
        }
      if (!free_cells)
        continue;

      for (int row = cy0; row <= cy1; row++)
        {
          guint64 *words = occupied + (gsize) row * words_per_row;

          for (int c = cx0; c <= cx1; c++)
            words[c / 64] |= G_GUINT64_CONSTANT (1) << (c % 64);
        }

      out[n_out] = cand->id;
      out_xy[2 * n_out] = (float) left;
      out_xy[2 * n_out + 1] = (float) top;
      n_out++;
    }
  return n_out;
}
