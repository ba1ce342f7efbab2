/* test-labels.c: token label placement and cluster names: boxes that do
 * not intersect, stay in the view and are as wide as pango measures
 * their text, one name per crowded place, and drawing them. */
#include <cairo.h>

#include "plot/emb-cluster-labels.h"
#include "plot/emb-labels.h"

static gboolean
boxes_intersect (double ax, double ay, double aw, double ah,
                 double bx, double by, double bw, double bh)
{
  return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

/* The width pango gives text laid out here in font. */
static double
pango_width (PangoContext *pango, const PangoFontDescription *font, const char *text)
{
  g_autoptr(PangoLayout) layout = pango_layout_new (pango);
  PangoRectangle logical;

  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_extents (layout, NULL, &logical);
  return logical.width / (double) PANGO_SCALE;
}

/* Labels for a few hundred points, a quarter of them Chinese: no two
 * placed boxes intersect, each lies in the view, and each is as wide as
 * pango measures its token's text laid out here, independently. */
static void
test_labels_place (void)
{
  static const char *const chinese[] = { "数据", "硬件", "太原", "贵阳", "数据库", "硬件加速" };
  const gsize n = 400;
  g_autoptr(EmbVocab) vocab = emb_vocab_new ();
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autofree float *xs = g_new (float, n);
  g_autofree float *ys = g_new (float, n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  PangoContext *pango = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  g_autoptr(EmbSpatialIndex) index = NULL;
  g_autoptr(EmbLabelCache) cache = emb_label_cache_new ();
  g_autoptr(GArray) labels = NULL;
  PangoFontDescription *font = pango_font_description_from_string ("Sans 11");
  PangoFontDescription *bold = pango_font_description_from_string ("Sans Bold 11");
  const gsize neighbors[] = { 5, 7, 9 };
  EmbOverlay overlay = { .selected = 3, .neighbors = neighbors, .n_neighbors = 3 };
  EmbOverlayTarget target = { 0 };
  EmbLabelSpec spec;
  gboolean saw_chinese = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      char *token = i % 4 == 0
        ? g_strdup_printf ("%s%" G_GSIZE_FORMAT, chinese[(i / 4) % G_N_ELEMENTS (chinese)], i)
        : g_strdup_printf ("word%" G_GSIZE_FORMAT, i);

      emb_vocab_add (vocab, token, -1);
      g_ptr_array_add (tokens, token);
      xs[i] = g_rand_double_range (rand, -1, 1);
      ys[i] = g_rand_double_range (rand, -1, 1);
    }
  index = emb_spatial_index_new (xs, ys, n);
  target.xs = xs;
  target.ys = ys;
  target.n = n;
  target.scale = 1.0;
  emb_view_fit (&target.view, xs, ys, n, 800, 600, 0.05);
  spec = (EmbLabelSpec) {
    .overlay = &overlay, .target = &target, .vocab = vocab, .index = index,
    .n_labels = 300, .pango = pango, .font = font, .bold_font = bold,
    .gap = 4, .selected_gap = 6, .highlight_gap = 2,
  };
  labels = emb_labels_place (&spec, cache);

  g_assert_cmpuint (labels->len, >, 20);
  /* 300 wanted in 800 x 600: not all fit, and those left out are left out. */
  g_assert_cmpuint (labels->len, <, 300);
  g_assert_cmpuint (g_array_index (labels, EmbLabel, 0).id, ==, 3);
  g_assert_true (g_array_index (labels, EmbLabel, 0).selected);

  for (guint i = 0; i < labels->len; i++)
    {
      const EmbLabel *a = &g_array_index (labels, EmbLabel, i);

      g_assert_cmpstr (a->text, ==, g_ptr_array_index (tokens, a->id));
      g_assert_cmpfloat (a->width, ==, pango_width (pango, a->selected ? bold : font,
                                                    g_ptr_array_index (tokens, a->id)));
      g_assert_cmpfloat (a->width, >, 0);
      g_assert_cmpfloat (a->x, >=, 0);
      g_assert_cmpfloat (a->y, >=, 0);
      g_assert_cmpfloat (a->x + a->width, <=, 800);
      g_assert_cmpfloat (a->y + a->height, <=, 600);
      if (a->id % 4 == 0)
        saw_chinese = TRUE;

      for (guint j = i + 1; j < labels->len; j++)
        {
          const EmbLabel *b = &g_array_index (labels, EmbLabel, j);

          if (boxes_intersect (a->x, a->y, a->width, a->height, b->x, b->y, b->width, b->height))
            g_error ("labels %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT " overlap", a->id, b->id);
        }
    }
  g_assert_true (saw_chinese);

  /* The same labels from a warm cache, and drawn without complaint. */
  {
    g_autoptr(GArray) again = emb_labels_place (&spec, cache);
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 600);
    cairo_t *cr = cairo_create (surface);

    g_assert_cmpuint (again->len, ==, labels->len);
    for (guint i = 0; i < labels->len; i++)
      {
        g_assert_cmpuint (g_array_index (again, EmbLabel, i).id, ==, g_array_index (labels, EmbLabel, i).id);
        g_assert_cmpfloat (g_array_index (again, EmbLabel, i).x, ==, g_array_index (labels, EmbLabel, i).x);
      }
    emb_labels_draw (labels, &spec, cache, cr, 0x202020, 0xffffff, 3, 0.85);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }

  pango_font_description_free (font);
  pango_font_description_free (bold);
  g_object_unref (pango);
}

/* 20 cluster names, six of them at one point and four at another, the
 * rest crowded around, placed first and then 300 token labels: no two
 * boxes of either kind intersect, each is as wide as pango measures its
 * text here, and each crowded point shows exactly one name. */
static void
test_cluster_labels_place (void)
{
  const gsize n = 300, n_clusters = 20;
  g_autoptr(EmbVocab) vocab = emb_vocab_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree float *xs = g_new (float, n);
  g_autofree float *ys = g_new (float, n);
  float cxy[2 * 20];
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  PangoContext *pango = pango_font_map_create_context (pango_cairo_font_map_get_default ());
  PangoFontDescription *font = pango_font_description_from_string ("Sans 10");
  PangoFontDescription *cfont = pango_font_description_from_string ("Sans Bold 12");
  g_autoptr(GArray) clusters = NULL;
  g_autoptr(GArray) labels = NULL;
  g_autoptr(GArray) boxes = g_array_new (FALSE, FALSE, sizeof (double));
  EmbOverlay overlay = { .selected = -1 };
  EmbOverlayTarget target = { 0 };
  EmbClusterLabelSpec cspec;
  EmbLabelSpec spec;
  const double spots[2][2] = { { 0.0, 0.0 }, { 0.5, -0.5 } };
  guint at_spot[2] = { 0, 0 };

  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *token = g_strdup_printf ("tok%" G_GSIZE_FORMAT, i);

      emb_vocab_add (vocab, token, -1);
      xs[i] = g_rand_double_range (rand, -1, 1);
      ys[i] = g_rand_double_range (rand, -1, 1);
    }
  for (gsize c = 0; c < n_clusters; c++)
    {
      g_ptr_array_add (names, g_strdup_printf ("cluster %" G_GSIZE_FORMAT " · name%s", c,
                                               c % 3 == 0 ? " · 数据" : ""));
      if (c < 6)
        cxy[2 * c] = spots[0][0], cxy[2 * c + 1] = spots[0][1];
      else if (c < 10)
        cxy[2 * c] = spots[1][0], cxy[2 * c + 1] = spots[1][1];
      else
        cxy[2 * c] = g_rand_double_range (rand, -0.3, 0.3), cxy[2 * c + 1] = g_rand_double_range (rand, -0.3, 0.3);
    }
  target = (EmbOverlayTarget) { .xs = xs, .ys = ys, .n = n, .scale = 1.0 };
  emb_view_fit (&target.view, xs, ys, n, 800, 600, 0.05);

  cspec = (EmbClusterLabelSpec) {
    .names = (const char * const *) names->pdata, .xy = cxy, .n = n_clusters,
    .view = &target.view, .pango = pango, .font = cfont, .margin = 2,
  };
  clusters = emb_cluster_labels_place (&cspec);
  spec = (EmbLabelSpec) {
    .overlay = &overlay, .target = &target, .vocab = vocab, .n_labels = 300,
    .pango = pango, .font = font, .gap = 4, .selected_gap = 6, .clusters = clusters,
  };
  labels = emb_labels_place (&spec, NULL);
  g_assert_cmpuint (clusters->len, >, 2);
  g_assert_cmpuint (clusters->len, <, n_clusters);
  g_assert_cmpuint (labels->len, >, 20);

  for (guint i = 0; i < clusters->len; i++)
    {
      const EmbClusterLabel *c = &g_array_index (clusters, EmbClusterLabel, i);
      double box[4] = { c->x, c->y, c->width, c->height };

      g_assert_cmpstr (c->text, ==, g_ptr_array_index (names, c->cluster));
      g_assert_cmpfloat (c->width, ==, pango_width (pango, cfont, c->text));
      g_assert_cmpfloat (c->width, >, 0);
      for (guint s = 0; s < 2; s++)
        {
          double px, py;

          emb_view_to_pixel (&target.view, spots[s][0], spots[s][1], &px, &py);
          /* Placed from spot s's group: over the spot, and the only one. */
          if (s == 0 ? c->cluster < 6 : c->cluster >= 6 && c->cluster < 10)
            {
              g_assert_true (c->x <= px && px <= c->x + c->width && c->y <= py && py <= c->y + c->height);
              at_spot[s]++;
            }
        }
      g_array_append_vals (boxes, box, 4);
    }
  g_assert_cmpuint (at_spot[0], ==, 1);
  g_assert_cmpuint (at_spot[1], ==, 1);
  for (guint i = 0; i < labels->len; i++)
    {
      const EmbLabel *l = &g_array_index (labels, EmbLabel, i);
      double box[4] = { l->x, l->y, l->width, l->height };

      g_assert_cmpfloat (l->width, ==, pango_width (pango, font, l->text));
      g_array_append_vals (boxes, box, 4);
    }
  for (guint i = 0; i < boxes->len / 4; i++)
    for (guint j = i + 1; j < boxes->len / 4; j++)
      {
        const double *a = &g_array_index (boxes, double, 4 * i);
        const double *b = &g_array_index (boxes, double, 4 * j);

        if (boxes_intersect (a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]))
          g_error ("boxes %u and %u intersect (%u cluster names first)", i, j, clusters->len);
      }

  {
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 600);
    cairo_t *cr = cairo_create (surface);

    emb_cluster_labels_draw (clusters, &cspec, cr, 0x202020, 0xffffff, 3);
    g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }
  pango_font_description_free (font);
  pango_font_description_free (cfont);
  g_object_unref (pango);
}


int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/labels/place", test_labels_place);
  g_test_add_func ("/plot/labels/clusters", test_cluster_labels_place);

  return g_test_run ();
}
