/* test-render.c: the point renderer, the view, the spatial index and label
 * placement, against answers worked out by hand or by brute force. */
#include <math.h>
#include <string.h>

#include "plot/emb-render.h"
#include "emb-test-util.h"

#define W 100
#define H 80

/* A W x H image with a stride wider than a row, to catch stride mistakes. */
typedef struct
{
  guint32 pixels[H][W + 3];
} Image;

#define STRIDE ((int) sizeof (guint32) * (W + 3))

/* The view used by most tests: origin at the image centre, 8 px a unit, so
 * data (x, y) lands at pixel (50 + 8x, 40 - 8y). */
static const EmbView test_view = { 0.0, 0.0, 8.0, W, H };

static const guint32 test_palette[] = { 0xff0000, 0x0000ff, 0x00ff00 };

static EmbPointStyle
test_style (const float *xs, const float *ys, gsize n)
{
  EmbPointStyle s = {
    .xs = xs, .ys = ys, .n = n,
    .palette = test_palette, .n_palette = G_N_ELEMENTS (test_palette),
    .radius = 2.0, .opacity = 0.5, .background = 0xffffffff,
  };
  return s;
}

static Image *
render (const EmbPointStyle *style, const EmbView *view, guint n_threads)
{
  Image *img = g_new (Image, 1);

  memset (img, 0xa5, sizeof *img);
  g_assert_true (emb_render_points (style, view, (guint8 *) img, STRIDE, n_threads, NULL));
  return img;
}

#define ALPHA(p) ((p) >> 24)
#define RED(p)   (((p) >> 16) & 0xff)
#define GREEN(p) (((p) >> 8) & 0xff)
#define BLUE(p)  ((p) & 0xff)

/* ---------------------------------------------------------------------- */

/* One point at (3.0625, -1.9375) lands at pixel (74.5, 55.5) exactly: its
 * own pixel is fully covered (red at 50% over white = (255, 128, 128)),
 * and nothing beyond the disc's reach is touched. */
static void
test_single_point (void)
{
  float xs[] = { 3.0625f }, ys[] = { -1.9375f };
  EmbPointStyle style = test_style (xs, ys, 1);
  g_autofree Image *img = render (&style, &test_view, 1);
  double sx = 0, sy = 0, sw = 0;

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint32 p = img->pixels[y][x];
        double d = hypot (x + 0.5 - 74.5, y + 0.5 - 55.5);
        /* How far white is pulled towards red: 0 .. 127. */
        double wgt = 255 - GREEN (p);

        g_assert_cmpuint (ALPHA (p), ==, 255);
        g_assert_cmpuint (RED (p), ==, 255);
        g_assert_cmpuint (GREEN (p), ==, BLUE (p));
        if (d > 3.5)
          g_assert_cmphex (p, ==, 0xffffffff);
        if (d <= 1.0)
          emb_test_assert_near (GREEN (p), 128, 1);
        sx += wgt * (x + 0.5);
        sy += wgt * (y + 0.5);
        sw += wgt;
      }
  /* The disc is centred on the point to within the sub-pixel phase. */
  g_assert_cmpfloat (sw, >, 0);
  g_assert_cmpfloat (fabs (sx / sw - 74.5), <=, 0.2);
  g_assert_cmpfloat (fabs (sy / sw - 55.5), <=, 0.2);
}

/* Over a transparent background: premultiplied red at alpha 0.5 on the
 * point, alpha 0 everywhere else. */
static void
test_transparent (void)
{
  float xs[] = { 3.0625f }, ys[] = { -1.9375f };
  EmbPointStyle style = test_style (xs, ys, 1);
  g_autofree Image *img = NULL;

  style.background = 0x00000000;
  img = render (&style, &test_view, 1);
  emb_test_assert_near (ALPHA (img->pixels[55][74]), 128, 1);
  emb_test_assert_near (RED (img->pixels[55][74]), 128, 1);
  g_assert_cmpuint (GREEN (img->pixels[55][74]), ==, 0);
  g_assert_cmpuint (BLUE (img->pixels[55][74]), ==, 0);
  g_assert_cmphex (img->pixels[55][80], ==, 0);
  g_assert_cmphex (img->pixels[0][0], ==, 0);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint32 p = img->pixels[y][x];

        /* premultiplied: no channel above alpha */
        g_assert_cmpuint (RED (p), <=, ALPHA (p));
        if (hypot (x + 0.5 - 74.5, y + 0.5 - 55.5) > 3.5)
          g_assert_cmphex (p, ==, 0);
      }
}

/* Two categories side by side, fully opaque over black: each centre pixel
 * is exactly its palette colour; a category past the palette wraps. */
static void
test_categories (void)
{
  float xs[] = { -2.0625f, 2.0625f, 0.0625f };
  float ys[] = { 0.0625f, 0.0625f, 3.0625f };
  guint16 cats[] = { 0, 1, 5 };      /* 5 wraps to 5 % 3 = 2: green */
  EmbPointStyle style = test_style (xs, ys, 3);
  g_autofree Image *img = NULL;

  style.category = cats;
  style.opacity = 1.0;
  style.background = 0xff000000;
  img = render (&style, &test_view, 2);

  /* (-2.0625, 0.0625) -> (33.5, 39.5); (2.0625, ...) -> (66.5, 39.5);
   * (0.0625, 3.0625) -> (50.5, 15.5) */
  g_assert_cmphex (img->pixels[39][33], ==, 0xffff0000);
  g_assert_cmphex (img->pixels[39][66], ==, 0xff0000ff);
  g_assert_cmphex (img->pixels[15][50], ==, 0xff00ff00);
  g_assert_cmphex (img->pixels[39][50], ==, 0xff000000);
}

/* A thousand points on one pixel are more opaque than one. */
static void
test_overlap (void)
{
  g_autofree float *xs = g_new (float, 1000);
  g_autofree float *ys = g_new (float, 1000);
  EmbPointStyle style;
  g_autofree Image *one = NULL;
  g_autofree Image *many = NULL;

  for (int i = 0; i < 1000; i++)
    {
      xs[i] = 3.0625f;
      ys[i] = -1.9375f;
    }
  style = test_style (xs, ys, 1);
  style.background = 0;
  one = render (&style, &test_view, 1);
  style.n = 1000;
  many = render (&style, &test_view, 1);

  emb_test_assert_near (ALPHA (one->pixels[55][74]), 128, 1);
  g_assert_cmpuint (ALPHA (many->pixels[55][74]), >, ALPHA (one->pixels[55][74]));
  g_assert_cmpuint (ALPHA (many->pixels[55][74]), ==, 255);
  g_assert_cmphex (many->pixels[55][74], ==, 0xffff0000);
}

/* Coverage maps to opacity on a log scale: among many overlap levels,
 * opacity grows with the overlap and the densest are not all alike. */
static void
test_log_density (void)
{
  /* Ten spots with 1, 2, 4, ... 512 points each. */
  g_autoptr(GArray) xs = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) ys = g_array_new (FALSE, FALSE, sizeof (float));
  EmbPointStyle style;
  g_autofree Image *img = NULL;
  guint prev = 0;

  for (int s = 0; s < 10; s++)
    for (int k = 0; k < (1 << s); k++)
      {
        float x = -5.0f + s + 0.0625f, y = 0.0625f;

        g_array_append_val (xs, x);
        g_array_append_val (ys, y);
      }
  style = test_style ((float *) xs->data, (float *) ys->data, xs->len);
  style.background = 0;
  img = render (&style, &test_view, 1);
  for (int s = 0; s < 10; s++)
    {
      /* spot s at pixel (10 + 8 s, 39) */
      guint a = ALPHA (img->pixels[39][10 + 8 * s]);

      if (s > 0)
        g_assert_cmpuint (a, >, prev);
      prev = a;
    }
  g_assert_cmpuint (ALPHA (img->pixels[39][10 + 8 * 5]), <, 250);
}

/* Points masked out are not drawn. */
static void
test_invisible (void)
{
  float xs[] = { 3.0625f, -3.0f }, ys[] = { -1.9375f, 2.0f };
  guint8 visible[] = { 0, 0 };
  EmbPointStyle style = test_style (xs, ys, 2);
  g_autofree Image *img = NULL;

  style.visible = visible;
  img = render (&style, &test_view, 2);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      g_assert_cmphex (img->pixels[y][x], ==, 0xffffffff);

  visible[1] = 1;
  g_free (img);
  img = render (&style, &test_view, 2);
  g_assert_cmphex (img->pixels[55][74], ==, 0xffffffff);
  g_assert_cmphex (img->pixels[24][26], !=, 0xffffffff);
}

/* Points beyond the edges, far away or not finite: no crash, no wrapping
 * onto the other side, only the part of a disc inside the image drawn.
 * A disc of radius 2 whose centre is 1.5 px off an edge reaches ~0.6 px
 * into the image. */
static void
test_outside (void)
{
  /* (-6.4375, 2.4375) -> pixel (-1.5, 20.5); (6.4375, 0.0625) -> (101.5,
   * 39.5); (0.0625, 5.1875) -> (50.5, -1.5); the rest are far off or not
   * numbers. */
  float xs[] = { -6.4375f, 6.4375f, 0.0625f, 1e30f, -1e30f, NAN, INFINITY, 0.0f };
  float ys[] = { 2.4375f, 0.0625f, 5.1875f, 0.0f, 1e30f, 0.0f, 0.0f, -INFINITY };
  EmbPointStyle style = test_style (xs, ys, G_N_ELEMENTS (xs));
  g_autofree Image *img = NULL;

  style.opacity = 1.0;
  img = render (&style, &test_view, 1);

  /* the left one shows in column 0 only, not at the end of earlier rows */
  g_assert_cmphex (img->pixels[20][0], !=, 0xffffffff);
  g_assert_cmphex (img->pixels[20][1], ==, 0xffffffff);
  for (int y = 17; y < 24; y++)
    g_assert_cmphex (img->pixels[y][W - 1], ==, 0xffffffff);
  /* the right one in column 99 only, not at the start of later rows */
  g_assert_cmphex (img->pixels[39][W - 1], !=, 0xffffffff);
  g_assert_cmphex (img->pixels[39][W - 2], ==, 0xffffffff);
  for (int y = 36; y < 43; y++)
    g_assert_cmphex (img->pixels[y][0], ==, 0xffffffff);
  /* the top one in row 0 only, nothing in the last row */
  g_assert_cmphex (img->pixels[0][50], !=, 0xffffffff);
  g_assert_cmphex (img->pixels[1][50], ==, 0xffffffff);
  for (int x = 0; x < W; x++)
    g_assert_cmphex (img->pixels[H - 1][x], ==, 0xffffffff);
  /* nothing else drawn; the pad past each row untouched */
  g_assert_cmphex (img->pixels[40][50], ==, 0xffffffff);
  for (int y = 0; y < H; y++)
    g_assert_cmphex (img->pixels[y][W], ==, 0xa5a5a5a5);
}

/* No points: the background everywhere, premultiplied. */
static void
test_empty (void)
{
  EmbPointStyle style = test_style (NULL, NULL, 0);
  g_autofree Image *img = NULL;

  style.background = 0x80ff0000;
  img = render (&style, &test_view, 0);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      g_assert_cmphex (img->pixels[y][x], ==, 0x80800000);
}

/* A big render comes out identical whatever the number of threads. */
static void
test_threads (void)
{
  gsize n = 200000;
  g_autofree float *xs = g_new (float, n);
  g_autofree float *ys = g_new (float, n);
  g_autofree guint16 *cats = g_new (guint16, n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  EmbPointStyle style;
  g_autofree Image *a = NULL;
  g_autofree Image *b = NULL;
  g_autofree Image *c = NULL;

  for (gsize i = 0; i < n; i++)
    {
      xs[i] = g_rand_double_range (rand, -7, 7) * g_rand_double (rand);
      ys[i] = g_rand_double_range (rand, -6, 6) * g_rand_double (rand);
      cats[i] = g_rand_int_range (rand, 0, 3);
    }
  style = test_style (xs, ys, n);
  style.category = cats;
  a = render (&style, &test_view, 1);
  b = render (&style, &test_view, 2);
  c = render (&style, &test_view, 3);
  g_assert_cmpmem (a, sizeof *a, b, sizeof *b);
  g_assert_cmpmem (a, sizeof *a, c, sizeof *c);
}

/* A cancelled render reports it. */
static void
test_cancelled (void)
{
  float xs[] = { 0.0f }, ys[] = { 0.0f };
  EmbPointStyle style = test_style (xs, ys, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree Image *img = g_new0 (Image, 1);

  g_cancellable_cancel (cancellable);
  g_assert_false (emb_render_points (&style, &test_view, (guint8 *) img, STRIDE, 0, cancellable));
}

/* ---------------------------------------------------------------------- */

/* Fitting puts the extreme points exactly margin pixels inside on the
 * tighter axis and inside on the other. */
static void
test_view_fit (void)
{
  float xs[] = { -3.0f, 5.0f, 1.0f, 0.5f, NAN };
  float ys[] = { 1.0f, 2.0f, -1.0f, 3.0f, 100.0f };
  EmbView v;
  double px, py;

  emb_view_fit (&v, xs, ys, G_N_ELEMENTS (xs), 200, 100, 0.1);
  g_assert_cmpint (v.width, ==, 200);
  g_assert_cmpint (v.height, ==, 100);
  /* margin = 0.1 * 100 = 10 px: x spans 8 units over 180 px (22.5 px/u),
   * y spans 4 units over 80 px (20 px/u): y is tighter. */
  g_assert_cmpfloat_with_epsilon (v.scale, 20.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v.center_x, 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (v.center_y, 1.0, 1e-9);
  for (int i = 0; i < 4; i++)
    {
      emb_view_to_pixel (&v, xs[i], ys[i], &px, &py);
      g_assert_cmpfloat (px, >=, 10 - 1e-9);
      g_assert_cmpfloat (px, <=, 190 + 1e-9);
      g_assert_cmpfloat (py, >=, 10 - 1e-9);
      g_assert_cmpfloat (py, <=, 90 + 1e-9);
    }
  emb_view_to_pixel (&v, 0.5, 3.0, &px, &py);
  g_assert_cmpfloat_with_epsilon (py, 10.0, 1e-9);

  /* one point, or none: still a usable view */
  emb_view_fit (&v, xs, ys, 1, 200, 100, 0.1);
  g_assert_cmpfloat (v.scale, >, 0);
  emb_view_to_pixel (&v, xs[0], ys[0], &px, &py);
  g_assert_cmpfloat_with_epsilon (px, 100.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (py, 50.0, 1e-9);
  emb_view_fit (&v, NULL, NULL, 0, 200, 100, 0.1);
  g_assert_cmpfloat (v.scale, >, 0);
  g_assert_true (isfinite (v.center_x) && isfinite (v.center_y));
}

/* Pixel -> data -> pixel is the identity. */
static void
test_view_round_trip (void)
{
  EmbView v = { 1.5, -2.25, 37.0, 640, 480 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  double x, y, px, py;

  emb_view_to_pixel (&v, 1.5, -2.25, &px, &py);
  g_assert_cmpfloat (px, ==, 320.0);
  g_assert_cmpfloat (py, ==, 240.0);
  emb_view_to_pixel (&v, 2.5, -1.25, &px, &py);
  g_assert_cmpfloat (px, ==, 357.0);
  g_assert_cmpfloat (py, ==, 203.0);

  for (int i = 0; i < 1000; i++)
    {
      double qx = g_rand_double_range (rand, -100, 800);
      double qy = g_rand_double_range (rand, -100, 600);

      emb_view_to_data (&v, qx, qy, &x, &y);
      emb_view_to_pixel (&v, x, y, &px, &py);
      g_assert_cmpfloat_with_epsilon (px, qx, 1e-9);
      g_assert_cmpfloat_with_epsilon (py, qy, 1e-9);
    }
}

/* ---------------------------------------------------------------------- */

/* Random points with duplicates, points on integer coordinates (equal
 * distances are common), a dense cluster and far outliers. */
static void
make_points (GRand *rand, gsize n, float *xs, float *ys)
{
  for (gsize i = 0; i < n; i++)
    {
      switch (i % 5)
        {
        case 0:
          xs[i] = g_rand_int_range (rand, -20, 21);
          ys[i] = g_rand_int_range (rand, -20, 21);
          break;
        case 1:
          xs[i] = g_rand_double_range (rand, -0.5, 0.5);
          ys[i] = g_rand_double_range (rand, -0.5, 0.5);
          break;
        case 2:
          if (i > 10)
            {
              gsize j = g_rand_int_range (rand, 0, i);

              xs[i] = xs[j];
              ys[i] = ys[j];
              break;
            }
          G_GNUC_FALLTHROUGH;
        case 3:
          xs[i] = g_rand_double_range (rand, -25, 25);
          ys[i] = g_rand_double_range (rand, -25, 25);
          break;
        default:
          xs[i] = (g_rand_double (rand) < 0.02 ? 1000 : 1) * g_rand_double_range (rand, -30, 30);
          ys[i] = g_rand_double_range (rand, -30, 30);
          break;
        }
    }
}

static gssize
naive_nearest (const float *xs, const float *ys, gsize n,
               double x, double y, double radius, const guint8 *visible)
{
  gssize best = -1;
  double best_d2 = INFINITY;

  for (gsize i = 0; i < n; i++)
    {
      double dx = xs[i] - x, dy = ys[i] - y, d2 = dx * dx + dy * dy;

      if (visible != NULL && !visible[i])
        continue;
      if (d2 <= radius * radius && d2 < best_d2)
        {
          best = i;
          best_d2 = d2;
        }
    }
  return best;
}

/* The grid's nearest point equals a linear scan's, ties to the lower id,
 * over many queries with and without a mask. */
static void
test_nearest (void)
{
  gsize n = 5000;
  g_autofree float *xs = g_new (float, n);
  g_autofree float *ys = g_new (float, n);
  g_autofree guint8 *visible = g_new (guint8, n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(EmbSpatialIndex) index = NULL;
  static const double radii[] = { 0.0, 0.3, 1.0, 2.5, 10.0, 100.0, INFINITY };
  int ties = 0;

  make_points (rand, n, xs, ys);
  for (gsize i = 0; i < n; i++)
    visible[i] = g_rand_double (rand) < 0.7;
  index = emb_spatial_index_new (xs, ys, n);

  for (int q = 0; q < 20000; q++)
    {
      double x, y, r = radii[q % G_N_ELEMENTS (radii)];
      const guint8 *mask = (q / 7) % 2 ? visible : NULL;
      gssize want, got;

      if (q % 3 == 0)
        {
          /* On a point, or on the integer lattice: exact ties. */
          gsize j = g_rand_int_range (rand, 0, n);

          x = q % 2 ? xs[j] : floor (xs[j]) + 0.5;
          y = q % 2 ? ys[j] : floor (ys[j]);
        }
      else
        {
          x = g_rand_double_range (rand, -60, 60);
          y = g_rand_double_range (rand, -60, 60);
        }
      want = naive_nearest (xs, ys, n, x, y, r, mask);
      got = emb_spatial_index_nearest (index, x, y, r, mask);
      g_assert_cmpint (got, ==, want);

      /* Count queries where a higher id was at the same distance. */
      if (want >= 0)
        {
          double d = hypot (xs[want] - x, ys[want] - y);

          for (gsize i = want + 1; i < n; i++)
            if ((mask == NULL || mask[i]) && hypot (xs[i] - x, ys[i] - y) == d)
              {
                ties++;
                break;
              }
        }
    }
  /* The duplicates and the lattice did produce ties. */
  g_assert_cmpint (ties, >, 100);

  g_assert_cmpint (emb_spatial_index_nearest (index, NAN, 0, 1, NULL), ==, -1);
  g_assert_cmpint (emb_spatial_index_nearest (index, 0, 0, -1, NULL), ==, -1);
}

/* Degenerate layouts: no point, one point, all on a line, some NaN. */
static void
test_nearest_degenerate (void)
{
  float line_x[] = { 0, 1, 2, 3, NAN, 5 }, line_y[] = { 2, 2, 2, 2, 2, 2 };
  g_autoptr(EmbSpatialIndex) empty = emb_spatial_index_new (NULL, NULL, 0);
  g_autoptr(EmbSpatialIndex) one = emb_spatial_index_new (line_x, line_y, 1);
  g_autoptr(EmbSpatialIndex) line = emb_spatial_index_new (line_x, line_y, 6);

  g_assert_cmpint (emb_spatial_index_nearest (empty, 0, 0, INFINITY, NULL), ==, -1);
  g_assert_cmpint (emb_spatial_index_nearest (one, 100, 100, INFINITY, NULL), ==, 0);
  g_assert_cmpint (emb_spatial_index_nearest (one, 100, 100, 10, NULL), ==, -1);
  g_assert_cmpint (emb_spatial_index_nearest (line, 4.0, 2.0, 5, NULL), ==, 3);
  g_assert_cmpint (emb_spatial_index_nearest (line, 4.6, 0.0, 5, NULL), ==, 5);
  g_assert_cmpint (emb_spatial_index_nearest (line, 1.5, 2.0, 0.5, NULL), ==, 1);
}

static void
collect_id (gsize id, gpointer user_data)
{
  guint32 v = id;

  g_array_append_val ((GArray *) user_data, v);
}

/* Rectangle queries equal a linear scan, in id order, small and large. */
static void
test_query_rect (void)
{
  gsize n = 4000;
  g_autofree float *xs = g_new (float, n);
  g_autofree float *ys = g_new (float, n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(EmbSpatialIndex) index = NULL;

  make_points (rand, n, xs, ys);
  index = emb_spatial_index_new (xs, ys, n);

  for (int q = 0; q < 500; q++)
    {
      g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (guint32));
      double half = q % 4 == 0 ? 40 : g_rand_double_range (rand, 0, 5);
      double cx = g_rand_double_range (rand, -30, 30);
      double cy = g_rand_double_range (rand, -30, 30);
      double x0 = cx - half, x1 = cx + half, y0 = cy - half, y1 = cy + half;

      if (q % 7 == 0)
        {
          /* Exactly on lattice points: the bounds are inclusive. */
          x0 = floor (x0);
          y1 = MAX (floor (y1), y0);
        }
      for (gsize i = 0; i < n; i++)
        if (xs[i] >= x0 && xs[i] <= x1 && ys[i] >= y0 && ys[i] <= y1)
          {
            guint32 v = i;

            g_array_append_val (want, v);
          }
      /* Corners given in either order. */
      if (q % 2)
        emb_spatial_index_query_rect (index, x0, y0, x1, y1, collect_id, got);
      else
        emb_spatial_index_query_rect (index, x1, y1, x0, y0, collect_id, got);
      g_assert_cmpmem (got->data, got->len * 4, want->data, want->len * 4);
    }
}

/* ---------------------------------------------------------------------- */

static gboolean
boxes_overlap (const float *a, const float *b, const EmbLabelCandidate *ca,
               const EmbLabelCandidate *cb)
{
  return a[0] < b[0] + cb->width && b[0] < a[0] + ca->width &&
         a[1] < b[1] + cb->height && b[1] < a[1] + ca->height;
}

/* Kept labels never overlap and lie inside the view; the first always
 * fits; a later one overlapping it is dropped. */
static void
test_labels (void)
{
  gsize n = 3000;
  g_autofree float *xs = g_new (float, n);
  g_autofree float *ys = g_new (float, n);
  g_autofree EmbLabelCandidate *cands = g_new (EmbLabelCandidate, n);
  g_autofree gsize *out = g_new (gsize, n);
  g_autofree float *out_xy = g_new (float, 2 * n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  EmbView v = { 0, 0, 10.0, 640, 480 };
  gsize kept;

  for (gsize i = 0; i < n; i++)
    {
      xs[i] = g_rand_double_range (rand, -40, 40);
      ys[i] = g_rand_double_range (rand, -30, 30);
      cands[i].id = (i * 7) % n;
      cands[i].width = g_rand_double_range (rand, 10, 90);
      cands[i].height = g_rand_double_range (rand, 8, 16);
    }
  /* The first candidate: at data (0, 0) = pixel (320, 240), so its box is
   * at (320 + 3, 240 - h / 2). */
  xs[cands[0].id] = 0;
  ys[cands[0].id] = 0;
  /* The second overlaps it: one pixel further right. */
  xs[cands[1].id] = 0.1f;
  ys[cands[1].id] = 0;

  kept = emb_place_labels (cands, n, xs, ys, &v, 3.0, n, out, out_xy);
  g_assert_cmpuint (kept, >, 20);
  g_assert_cmpuint (kept, <, n);
  g_assert_cmpuint (out[0], ==, cands[0].id);
  g_assert_cmpfloat_with_epsilon (out_xy[0], 323.0, 1e-4);
  g_assert_cmpfloat_with_epsilon (out_xy[1], 240.0 - cands[0].height / 2, 1e-4);
  g_assert_cmpuint (out[1], !=, cands[1].id);

  for (gsize i = 0; i < kept; i++)
    {
      const EmbLabelCandidate *ci = NULL;

      for (gsize k = 0; k < n; k++)
        if (cands[k].id == out[i])
          ci = &cands[k];
      g_assert_nonnull (ci);
      g_assert_cmpfloat (out_xy[2 * i], >=, 0);
      g_assert_cmpfloat (out_xy[2 * i + 1], >=, 0);
      g_assert_cmpfloat (out_xy[2 * i] + ci->width, <=, v.width);
      g_assert_cmpfloat (out_xy[2 * i + 1] + ci->height, <=, v.height);

      for (gsize j = 0; j < i; j++)
        {
          const EmbLabelCandidate *cj = NULL;

          for (gsize k = 0; k < n; k++)
            if (cands[k].id == out[j])
              cj = &cands[k];
          g_assert_false (boxes_overlap (out_xy + 2 * i, out_xy + 2 * j, ci, cj));
        }
    }

  /* A capacity of 3 keeps the first 3 of the same walk. */
  {
    gsize few[3];
    float few_xy[6];

    g_assert_cmpuint (emb_place_labels (cands, n, xs, ys, &v, 3.0, 3, few, few_xy), ==, 3);
    g_assert_cmpmem (few, sizeof few, out, sizeof few);
  }

  /* A label that would stick out of the view is dropped. */
  {
    EmbLabelCandidate edge = { cands[0].id, 400.0f, 10.0f };
    gsize id;
    float xy[2];

    g_assert_cmpuint (emb_place_labels (&edge, 1, xs, ys, &v, 3.0, 1, &id, xy), ==, 0);
    edge.width = 300.0f;
    g_assert_cmpuint (emb_place_labels (&edge, 1, xs, ys, &v, 3.0, 1, &id, xy), ==, 1);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/single-point", test_single_point);
  g_test_add_func ("/render/transparent", test_transparent);
  g_test_add_func ("/render/categories", test_categories);
  g_test_add_func ("/render/overlap", test_overlap);
  g_test_add_func ("/render/log-density", test_log_density);
  g_test_add_func ("/render/invisible", test_invisible);
  g_test_add_func ("/render/outside", test_outside);
  g_test_add_func ("/render/empty", test_empty);
  g_test_add_func ("/render/threads", test_threads);
  g_test_add_func ("/render/cancelled", test_cancelled);
  g_test_add_func ("/view/fit", test_view_fit);
  g_test_add_func ("/view/round-trip", test_view_round_trip);
  g_test_add_func ("/spatial/nearest", test_nearest);
  g_test_add_func ("/spatial/nearest-degenerate", test_nearest_degenerate);
  g_test_add_func ("/spatial/query-rect", test_query_rect);
  g_test_add_func ("/labels/place", test_labels);

  return g_test_run ();
}
