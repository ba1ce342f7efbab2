/* emb-render.h: drawing the plot.
 *
 * One renderer for the screen and for exported files.  Points are splatted
 * straight into an ARGB32 buffer (premultiplied, cairo/GdkMemoryTexture
 * layout) rather than drawn one cairo path at a time: a few ns a point
 * instead of microseconds.  Each pixel accumulates coverage and colour; the
 * final pass maps accumulated coverage to opacity on a log scale, so where
 * there are more points than pixels the picture reads as density (as
 * datashader does) instead of a solid blob, and where points are sparse each
 * is a small anti-aliased disc.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Where data coordinates land in pixels:
 *   px = (x - center_x) * scale + width / 2
 *   py = height / 2 - (y - center_y) * scale        (y grows upwards)  */
typedef struct
{
  double center_x;
  double center_y;
  double scale;      /* pixels per data unit, > 0 */
  int    width;      /* pixels */
  int    height;
} EmbView;

static inline void
emb_view_to_pixel (const EmbView *v, double x, double y, double *px, double *py)
{
  *px = (x - v->center_x) * v->scale + v->width * 0.5;
  *py = v->height * 0.5 - (y - v->center_y) * v->scale;
}

static inline void
emb_view_to_data (const EmbView *v, double px, double py, double *x, double *y)
{
  *x = (px - v->width * 0.5) / v->scale + v->center_x;
  *y = (v->height * 0.5 - py) / v->scale + v->center_y;
}

/* A view that shows every point of xs/ys with a margin (fraction of the
 * smaller side, e.g. 0.05). */
void emb_view_fit (EmbView     *view,
                   const float *xs,
                   const float *ys,
                   gsize        n,
                   int          width,
                   int          height,
                   double       margin);

typedef struct
{
  const float   *xs;          /* n x coordinates */
  const float   *ys;          /* n y coordinates */
  gsize          n;
  const guint16 *category;    /* per point palette index, or NULL: palette[0] */
  const guint32 *palette;     /* 0xRRGGBB colours */
  guint          n_palette;
  const guint8  *visible;     /* per point 0/1 mask, or NULL: all */
  double         radius;      /* disc radius in pixels (e.g. 2.0) */
  double         opacity;     /* of a single isolated point, 0 .. 1 */
  guint32        background;  /* 0xAARRGGBB, not premultiplied; alpha 0 = transparent */
} EmbPointStyle;

/* Renders the points into out (view->height rows of stride bytes, cairo
 * ARGB32 premultiplied, native endian).  Uses up to n_threads threads
 * (0 = the number of cores).  Polls cancellable; returns FALSE if it was
 * cancelled (out is then undefined). */
gboolean emb_render_points (const EmbPointStyle *style,
                            const EmbView       *view,
                            guint8              *out,
                            int                  stride,
                            guint                n_threads,
                            GCancellable        *cancellable);

/* emb_render_points () in a worker thread.  style and view are copied,
 * but the arrays style points to are borrowed: owner keeps them alive and
 * owner_destroy (may be NULL) is called on it exactly once, when the task
 * no longer needs them (on success, error or cancel alike).  Finishes with
 * the pixels (view->height rows of *stride bytes, as emb_render_points ()
 * writes them), or NULL and G_IO_ERROR_CANCELLED. */
void     emb_render_points_async  (const EmbPointStyle *style,
                                   const EmbView       *view,
                                   guint                n_threads,
                                   gpointer             owner,
                                   GDestroyNotify       owner_destroy,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
GBytes  *emb_render_points_finish (GAsyncResult        *result,
                                   int                 *stride,
                                   GError             **error);

/* A uniform grid over the points for hit-testing and label placement:
 * built once per layout (coordinates), queried in data units. */
typedef struct _EmbSpatialIndex EmbSpatialIndex;

EmbSpatialIndex *emb_spatial_index_new  (const float *xs,
                                         const float *ys,
                                         gsize        n);
void             emb_spatial_index_free (EmbSpatialIndex *index);

/* The visible point (mask may be NULL) nearest to (x, y) within radius data
 * units, or -1.  Ties: the lower id. */
gssize           emb_spatial_index_nearest (const EmbSpatialIndex *index,
                                            double                 x,
                                            double                 y,
                                            double                 radius,
                                            const guint8          *visible);

/* Calls func for every point inside the rectangle, in id order. */
typedef void (*EmbPointFunc) (gsize id, gpointer user_data);
void             emb_spatial_index_query_rect (const EmbSpatialIndex *index,
                                               double x0, double y0,
                                               double x1, double y1,
                                               EmbPointFunc func,
                                               gpointer user_data);

/* Greedy label placement: walks candidates in priority order (the caller
 * sorts them: e.g. selected first, then by frequency rank) and keeps each
 * label whose box (w x h pixels, anchored to the right of its point and
 * vertically centred on it, gap pixels away) overlaps no kept label and
 * lies inside the view.  Occupancy is tracked on a coarse pixel grid so the
 * cost is linear in the candidates.  Writes the kept ids to out (capacity
 * max_out) and their boxes' top-left pixel corners to out_xy (2 per label);
 * returns how many. */
typedef struct
{
  gsize  id;
  float  width;    /* label box in pixels */
  float  height;
} EmbLabelCandidate;

gsize emb_place_labels (const EmbLabelCandidate *candidates,
                        gsize                    n_candidates,
                        const float             *xs,
                        const float             *ys,
                        const EmbView           *view,
                        double                   gap,
                        gsize                    max_out,
                        gsize                   *out,
                        float                   *out_xy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbSpatialIndex, emb_spatial_index_free)

G_END_DECLS
