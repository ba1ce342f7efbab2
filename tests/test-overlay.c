/* test-overlay.c: the one overlay (search rings, neighbour and analogy
 * arrows, hidden tokens) drawn into an exported PNG, checked at pixels
 * worked out from the figure's layout. */
#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>

#include "plot/emb-plot.h"
#include "emb-test-util.h"

/* The overlay in a file, as on screen: a search match's ring, the
 * analogy's arrows and a hidden token, checked at pixels worked out from
 * the layout: the arrows' midpoints in their colours at 0.9 over white,
 * a ring around the match and none around a hidden match, and the hidden
 * token's pixel left white. */
typedef struct
{
  float   xs[8];
  float   ys[8];
  guint8  visible[8];
  gsize   analogy[4];
  gsize   matches[2];
  EmbPlot plot;
} OverlayFixture;

static void
overlay_fixture_init (OverlayFixture *fx)
{
  static const float xs[] = { -3, -3, 3, 3, 0, 1.5f, -1.5f };
  static const float ys[] = { 2, -2, -2, 2, 0, 0.5f, -0.5f };

  memset (fx, 0, sizeof *fx);
  memcpy (fx->xs, xs, sizeof xs);
  memcpy (fx->ys, ys, sizeof ys);
  memset (fx->visible, 1, sizeof fx->visible);
  fx->visible[5] = 0;      /* a hidden special token */
  fx->visible[6] = 0;      /* a hidden match */
  fx->analogy[0] = 0;      /* a */
  fx->analogy[1] = 1;      /* b */
  fx->analogy[2] = 2;      /* c */
  fx->analogy[3] = 3;      /* result */
  fx->matches[0] = 4;
  fx->matches[1] = 6;
  fx->plot.xs = fx->xs;
  fx->plot.ys = fx->ys;
  fx->plot.n = 7;
  fx->plot.visible = fx->visible;
  fx->plot.selected = -1;
  fx->plot.analogy = fx->analogy;
  fx->plot.n_analogy = 4;
  fx->plot.matches = fx->matches;
  fx->plot.n_matches = 2;
  fx->plot.view.scale = 60.0;
  fx->plot.point_radius = 2.0;
  fx->plot.theme = EMB_THEME_LIGHT;
}

static void
figure_pixel (const EmbPlotLayout *l, double x, double y, int *px, int *py)
{
  *px = (int) floor (l->x + (x - l->view.center_x) * l->view.scale + l->width / 2.0);
  *py = (int) floor (l->y + l->height / 2.0 - (y - l->view.center_y) * l->view.scale);
}

static void
assert_blend (guint32 got, guint32 rgb, double alpha)
{
  for (int shift = 0; shift <= 16; shift += 8)
    emb_test_assert_near ((got >> shift) & 0xff,
                 (int) round (((rgb >> shift) & 0xff) * alpha + 255 * (1 - alpha)), 3);
}

/* Whether a pixel within 2 to 9 pixels of (px, py) is the match colour
 * (at 0.9 over white). */
static gboolean
ring_around (cairo_surface_t *s, int px, int py)
{
  for (int dy = -9; dy <= 9; dy++)
    for (int dx = -9; dx <= 9; dx++)
      {
        guint32 c = emb_test_pixel (s, px + dx, py + dy);
        int r = (c >> 16) & 0xff, g = (c >> 8) & 0xff, b = c & 0xff;

        if (dx * dx + dy * dy < 4 || dx * dx + dy * dy > 81)
          continue;
        if (ABS (r - 0x9c) <= 12 && ABS (g - 0x51) <= 12 && ABS (b - 0xb4) <= 12)
          return TRUE;
      }
  return FALSE;
}

static void
test_overlay_png (void)
{
  g_autofree char *path = emb_test_tmp_path ("overlay.png");
  g_autoptr(GError) error = NULL;
  OverlayFixture fx;
  EmbPlotLayout l;
  cairo_surface_t *s;
  int px, py;

  overlay_fixture_init (&fx);
  emb_plot_layout (&fx.plot, 800, 600, &l);
  g_assert_true (emb_plot_export (&fx.plot, path, EMB_EXPORT_PNG, 800, 600, 1.0, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);

  /* b -> a in the match colour, c -> result in the selection colour. */
  figure_pixel (&l, -3, 0, &px, &py);
  assert_blend (emb_test_pixel (s, px, py), 0x9141ac, 0.9);
  figure_pixel (&l, 3, 0, &px, &py);
  assert_blend (emb_test_pixel (s, px, py), 0xe5243b, 0.9);
  /* A ring around the match, none around the hidden one. */
  figure_pixel (&l, 0, 0, &px, &py);
  g_assert_true (ring_around (s, px, py));
  figure_pixel (&l, -1.5, -0.5, &px, &py);
  g_assert_false (ring_around (s, px, py));
  /* The hidden token is left out. */
  figure_pixel (&l, 1.5, 0.5, &px, &py);
  g_assert_cmphex (emb_test_pixel (s, px, py) & 0xffffff, ==, 0xffffff);
  cairo_surface_destroy (s);

  /* Shown, the same token is drawn there: the check above means it. */
  fx.visible[5] = 1;
  g_assert_true (emb_plot_export (&fx.plot, path, EMB_EXPORT_PNG, 800, 600, 1.0, NULL, &error));
  s = cairo_image_surface_create_from_png (path);
  figure_pixel (&l, 1.5, 0.5, &px, &py);
  g_assert_cmphex (emb_test_pixel (s, px, py) & 0xffffff, !=, 0xffffff);
  cairo_surface_destroy (s);
  g_unlink (path);
}


int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/overlay/png", test_overlay_png);

  return g_test_run ();
}
