/* test-plot.c: the exported figure, checked from the files themselves:
 * PNG pixels read back with cairo, SVG parsed as XML, the PDF's page box
 * and (with poppler's pdftotext) its text, CSV parsed field by field, and
 * the atomic writes.  The overlay in a file is in test-overlay.c, the
 * builder and the async export in test-plot-spec.c, labels in
 * test-labels.c. */
#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>

#include "base/emb-error.h"
#include "plot/emb-plot.h"
#include "emb-test-util.h"

#define W 400
#define H 300

static const guint32 palette[] = { 0xd62728, 0x1f77b4, 0x2ca02c };
static const char * const legend[] = { "animals", "cities & towns", "numbers", NULL };
static const char * const cluster_names[] = { "fauna", "places", NULL };

/* Three groups of points and one point of the third colour on its own, at
 * a place chosen in pixels (see place_isolated). */
typedef struct
{
  float    xs[64];
  float    ys[64];
  guint16  cat[64];
  float    cluster_xy[4];
  gsize    neighbors[3];
  EmbPlot  plot;
  EmbVocab *vocab;
  double   iso_px;       /* the isolated point's pixel centre */
  double   iso_py;
} Fixture;

#define N_POINTS 61
#define ISOLATED 60

static void
fixture_init (Fixture *fx, EmbTheme theme)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  memset (fx, 0, sizeof *fx);
  fx->vocab = emb_vocab_new ();
  for (int i = 0; i < N_POINTS; i++)
    {
      int group = i < ISOLATED ? i % 3 : 2;
      double cx = group == 0 ? -2.0 : group == 1 ? 2.0 : 0.0;
      double cy = group == 2 ? -1.5 : 1.0;
      char token[32];

      fx->xs[i] = cx + g_rand_double_range (rand, -0.6, 0.6);
      fx->ys[i] = cy + g_rand_double_range (rand, -0.6, 0.6);
      fx->cat[i] = group;
      g_snprintf (token, sizeof token, "tok%d", i);
      emb_vocab_add (fx->vocab, token, -1);
    }
  fx->cluster_xy[0] = -2.0f;
  fx->cluster_xy[1] = 1.0f;
  fx->cluster_xy[2] = 2.0f;
  fx->cluster_xy[3] = 1.0f;
  fx->neighbors[0] = 3;
  fx->neighbors[1] = 6;
  fx->neighbors[2] = 9;

  fx->plot.xs = fx->xs;
  fx->plot.ys = fx->ys;
  fx->plot.n = N_POINTS;
  fx->plot.category = fx->cat;
  fx->plot.palette = palette;
  fx->plot.n_palette = G_N_ELEMENTS (palette);
  fx->plot.vocab = fx->vocab;
  /* An explicit view: 40 units per data unit over the whole figure. */
  fx->plot.view.center_x = 0.0;
  fx->plot.view.center_y = 0.0;
  fx->plot.view.scale = 40.0;
  fx->plot.title = "Word map";
  fx->plot.x_title = "PC1 (4.9% of variance)";
  fx->plot.y_title = "PC2 (3.1% of variance)";
  fx->plot.legend = legend;
  fx->plot.n_legend = 3;
  fx->plot.cluster_labels = cluster_names;
  fx->plot.cluster_xy = fx->cluster_xy;
  fx->plot.n_cluster_labels = 2;
  fx->plot.selected = 0;
  fx->plot.neighbors = fx->neighbors;
  fx->plot.n_neighbors = 3;
  fx->plot.n_token_labels = 5;
  fx->plot.theme = theme;
  fx->plot.point_radius = 2.0;
}

/* Puts the isolated point at the centre of a pixel three quarters of the
 * way across and a fifth down the frame, by inverting the layout's own
 * mapping (which the view set above determines: checked here too). */
static void
place_isolated (Fixture *fx)
{
  EmbPlotLayout l;
  double x, y, expected_scale;

  emb_plot_layout (&fx->plot, W, H, &l);
  g_assert_cmpint (l.x, >, 0);
  g_assert_cmpint (l.y, >, 0);
  g_assert_cmpint (l.x + l.width, <, W);
  g_assert_cmpint (l.y + l.height, <, H);
  g_assert_cmpint (l.view.width, ==, l.width);
  g_assert_cmpint (l.view.height, ==, l.height);
  g_assert_cmpfloat (l.view.center_x, ==, 0.0);
  g_assert_cmpfloat (l.view.center_y, ==, 0.0);
  expected_scale = 40.0 * MIN (l.width / (double) W, l.height / (double) H);
  g_assert_cmpfloat_with_epsilon (l.view.scale, expected_scale, 1e-9);

  fx->iso_px = l.x + floor (l.width * 0.75) + 0.5;
  fx->iso_py = l.y + floor (l.height * 0.2) + 0.5;
  /* px = l.x + (x - cx) * scale + width / 2, py = l.y + height / 2 - (y - cy) * scale */
  x = (fx->iso_px - l.x - l.width / 2.0) / l.view.scale;
  y = (l.height / 2.0 - (fx->iso_py - l.y)) / l.view.scale;
  fx->xs[ISOLATED] = (float) x;
  fx->ys[ISOLATED] = (float) y;
  /* Exactly representable enough that the pixel does not move. */
  g_assert_cmpfloat (fabs (fx->xs[ISOLATED] - x) * l.view.scale, <, 0.01);
}

static void
fixture_clear (Fixture *fx)
{
  g_clear_pointer (&fx->vocab, emb_vocab_unref);
}

static char *
read_file (const char *path, gsize *len)
{
  char *data = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, &error));
  g_assert_no_error (error);
  return data;
}

/* Whether needle is in data, which may hold NUL bytes (a PDF). */
static gboolean
contains_bytes (const char *data, gsize len, const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* No file other than the ones named is in the test folder: no temporary
 * file was left behind. */
static void
assert_dir_holds (const char * const *names)
{
  g_autoptr(GDir) dir = g_dir_open (emb_test_tmpdir (), 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (!g_strv_contains (names, name))
      g_error ("unexpected file %s in %s", name, emb_test_tmpdir ());
}

/* ---------------------------------------------------------------------- */

static void
test_format_from_path (void)
{
  EmbExportFormat f;

  g_assert_true (emb_export_format_from_path ("a/b.png", &f));
  g_assert_cmpint (f, ==, EMB_EXPORT_PNG);
  g_assert_true (emb_export_format_from_path ("FIG.SVG", &f));
  g_assert_cmpint (f, ==, EMB_EXPORT_SVG);
  g_assert_true (emb_export_format_from_path ("x.Pdf", &f));
  g_assert_cmpint (f, ==, EMB_EXPORT_PDF);
  g_assert_false (emb_export_format_from_path ("x.csv", &f));
  g_assert_false (emb_export_format_from_path ("png", &f));
  g_assert_false (emb_export_format_from_path (".png.gz", &f));
}

static void
test_png_light (void)
{
  g_autofree char *path = emb_test_tmp_path ("light.png");
  g_autoptr(GError) error = NULL;
  cairo_surface_t *s;
  Fixture fx;
  guint32 p, bg;
  gsize non_bg = 0;

  fixture_init (&fx, EMB_THEME_LIGHT);
  place_isolated (&fx);
  g_assert_true (emb_plot_export (&fx.plot, path, EMB_EXPORT_PNG, W, H, 1.0, NULL, &error));
  g_assert_no_error (error);

  s = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, W);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, H);

  bg = emb_test_pixel (s, 0, 0) & 0xffffff;
  g_assert_cmphex (bg, ==, 0xffffff);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      non_bg += (emb_test_pixel (s, x, y) & 0xffffff) != bg;
  /* Points, text, frame: thousands of pixels, far from all of them. */
  g_assert_cmpuint (non_bg, >, 2000);
  g_assert_cmpuint (non_bg, <, W * H / 2);

  /* The isolated point: its palette colour at 75% over white. */
  p = emb_test_pixel (s, (int) fx.iso_px, (int) fx.iso_py);
  emb_test_assert_near ((p >> 16) & 0xff, (int) round (0x2c * 0.75 + 255 * 0.25), 10);
  emb_test_assert_near ((p >> 8) & 0xff, (int) round (0xa0 * 0.75 + 255 * 0.25), 10);
  emb_test_assert_near (p & 0xff, (int) round (0x2c * 0.75 + 255 * 0.25), 10);
  /* A few pixels away, background again. */
  g_assert_cmphex (emb_test_pixel (s, (int) fx.iso_px + 5, (int) fx.iso_py) & 0xffffff, ==, bg);

  cairo_surface_destroy (s);
  fixture_clear (&fx);
}

static void
test_png_themes (void)
{
  g_autofree char *dark = emb_test_tmp_path ("dark.png");
  g_autofree char *clear = emb_test_tmp_path ("transparent.png");
  g_autofree char *big = emb_test_tmp_path ("scale2.png");
  g_autoptr(GError) error = NULL;
  cairo_surface_t *s;
  Fixture fx;
  guint32 p;

  fixture_init (&fx, EMB_THEME_DARK);
  place_isolated (&fx);
  g_assert_true (emb_plot_export (&fx.plot, dark, EMB_EXPORT_PNG, W, H, 1.0, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (dark);
  g_assert_cmphex (emb_test_pixel (s, 0, 0) & 0xffffff, ==, 0x1e1e1e);
  g_assert_cmphex (emb_test_pixel (s, W - 1, H - 1) & 0xffffff, ==, 0x1e1e1e);
  cairo_surface_destroy (s);

  fx.plot.theme = EMB_THEME_TRANSPARENT;
  g_assert_true (emb_plot_export (&fx.plot, clear, EMB_EXPORT_PNG, W, H, 1.0, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (clear);
  g_assert_cmpint (cairo_image_surface_get_format (s), ==, CAIRO_FORMAT_ARGB32);
  g_assert_cmphex (emb_test_pixel (s, 0, 0) >> 24, ==, 0);
  g_assert_cmphex (emb_test_pixel (s, W - 1, 0) >> 24, ==, 0);
  /* The isolated point is 75% opaque, nothing under it. */
  p = emb_test_pixel (s, (int) fx.iso_px, (int) fx.iso_py);
  emb_test_assert_near (p >> 24, 191, 10);
  cairo_surface_destroy (s);

  /* scale 2: twice the pixels, the point at twice the coordinates. */
  fx.plot.theme = EMB_THEME_LIGHT;
  g_assert_true (emb_plot_export (&fx.plot, big, EMB_EXPORT_PNG, W, H, 2.0, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (big);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 2 * W);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, 2 * H);
  p = emb_test_pixel (s, (int) (2 * fx.iso_px), (int) (2 * fx.iso_py));
  emb_test_assert_near ((p >> 8) & 0xff, (int) round (0xa0 * 0.75 + 255 * 0.25), 12);
  emb_test_assert_near ((p >> 16) & 0xff, (int) round (0x2c * 0.75 + 255 * 0.25), 12);
  cairo_surface_destroy (s);

  fixture_clear (&fx);
}

/* SVG, parsed with GMarkup: the root's size and every <text>'s content. */
typedef struct
{
  char      *width;
  char      *height;
  GString   *text;       /* all <text> contents, one a line */
  gboolean   in_text;
  guint      n_images;
  guint      n_elements;
} SvgInfo;

static void
svg_start (GMarkupParseContext  *context,
           const char           *element,
           const char          **names,
           const char          **values,
           gpointer              user_data,
           GError              **error)
{
  SvgInfo *info = user_data;

  info->n_elements++;
  if (g_str_equal (element, "svg") && info->width == NULL)
    for (guint i = 0; names[i] != NULL; i++)
      {
        if (g_str_equal (names[i], "width"))
          info->width = g_strdup (values[i]);
        else if (g_str_equal (names[i], "height"))
          info->height = g_strdup (values[i]);
      }
  if (g_str_equal (element, "text"))
    info->in_text = TRUE;
  if (g_str_equal (element, "image"))
    info->n_images++;
}

static void
svg_end (GMarkupParseContext  *context,
         const char           *element,
         gpointer              user_data,
         GError              **error)
{
  SvgInfo *info = user_data;

  if (g_str_equal (element, "text"))
    {
      info->in_text = FALSE;
      g_string_append_c (info->text, '\n');
    }
}

static void
svg_chars (GMarkupParseContext  *context,
           const char           *text,
           gsize                 len,
           gpointer              user_data,
           GError              **error)
{
  SvgInfo *info = user_data;

  if (info->in_text)
    g_string_append_len (info->text, text, len);
}

static void
parse_svg (const char *path, SvgInfo *info)
{
  static const GMarkupParser parser = { svg_start, svg_end, svg_chars, NULL, NULL };
  g_autoptr(GMarkupParseContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  memset (info, 0, sizeof *info);
  info->text = g_string_new (NULL);
  data = read_file (path, &len);
  g_assert_true (g_str_has_prefix (data, "<?xml"));
  ctx = g_markup_parse_context_new (&parser, 0, info, NULL);
  g_assert_true (g_markup_parse_context_parse (ctx, data, len, &error));
  g_assert_no_error (error);
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
}

static void
svg_info_clear (SvgInfo *info)
{
  g_free (info->width);
  g_free (info->height);
  g_string_free (info->text, TRUE);
}

/* Whether line is one of the lines of text. */
static gboolean
has_line (const char *text, const char *line)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  return g_strv_contains ((const char * const *) lines, line);
}

static void
test_svg (void)
{
  g_autofree char *path = emb_test_tmp_path ("plot.svg");
  g_autoptr(GError) error = NULL;
  SvgInfo info;
  Fixture fx;

  fixture_init (&fx, EMB_THEME_LIGHT);
  place_isolated (&fx);
  g_assert_true (emb_plot_export (&fx.plot, path, EMB_EXPORT_SVG, W, H, 1.0, NULL, &error));
  g_assert_no_error (error);

  parse_svg (path, &info);
  g_assert_cmpstr (info.width, ==, "400pt");
  g_assert_cmpstr (info.height, ==, "300pt");
  /* Real text: the title, axis titles, legend, cluster and token labels. */
  g_assert_true (has_line (info.text->str, "Word map"));
  g_assert_true (has_line (info.text->str, "PC1 (4.9% of variance)"));
  g_assert_true (has_line (info.text->str, "PC2 (3.1% of variance)"));
  for (guint i = 0; i < 3; i++)
    g_assert_true (has_line (info.text->str, legend[i]));
  g_assert_true (has_line (info.text->str, "fauna"));
  g_assert_true (has_line (info.text->str, "places"));
  g_assert_true (has_line (info.text->str, "tok0"));    /* the selection */
  g_assert_true (has_line (info.text->str, "0"));       /* a tick */
  /* 61 points are drawn as vector dots, not as an image. */
  g_assert_cmpuint (info.n_images, ==, 0);
  svg_info_clear (&info);
  fixture_clear (&fx);
}

/* The numbers of the first /MediaBox in a PDF. */
static void
pdf_media_box (const char *data, gsize len, double box[4])
{
  g_autoptr(GRegex) re =
    g_regex_new ("/MediaBox\\s*\\[\\s*([-0-9.]+)\\s+([-0-9.]+)\\s+([-0-9.]+)\\s+([-0-9.]+)\\s*\\]",
                 G_REGEX_RAW, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_true (g_regex_match_full (re, data, len, 0, 0, &match, NULL));
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *num = g_match_info_fetch (match, i + 1);

      box[i] = g_ascii_strtod (num, NULL);
    }
}

static void
test_pdf (void)
{
  g_autofree char *path = emb_test_tmp_path ("plot.pdf");
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  double box[4];
  gsize len;
  Fixture fx;

  fixture_init (&fx, EMB_THEME_LIGHT);
  place_isolated (&fx);
  g_assert_true (emb_plot_export (&fx.plot, path, EMB_EXPORT_PDF, W, H, 1.0, NULL, &error));
  g_assert_no_error (error);

  data = read_file (path, &len);
  g_assert_true (g_str_has_prefix (data, "%PDF-"));
  pdf_media_box (data, len, box);
  g_assert_cmpfloat (box[0], ==, 0);
  g_assert_cmpfloat (box[1], ==, 0);
  g_assert_cmpfloat (box[2], ==, W);
  g_assert_cmpfloat (box[3], ==, H);

  if (pdftotext == NULL)
    g_test_message ("pdftotext not found: the PDF's text is not checked");
  else
    {
      const char *argv[] = { pdftotext, "-enc", "UTF-8", path, "-", NULL };
      g_autofree char *out = NULL;
      int status;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                                   NULL, NULL, &out, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_assert_nonnull (strstr (out, "Word map"));
      g_assert_nonnull (strstr (out, "PC1 (4.9% of variance)"));
      for (guint i = 0; i < 3; i++)
        g_assert_nonnull (strstr (out, legend[i]));
      g_assert_nonnull (strstr (out, "fauna"));
      g_assert_nonnull (strstr (out, "places"));
      g_assert_nonnull (strstr (out, "tok0"));
    }
  fixture_clear (&fx);
}

/* Splits one CSV record (RFC 4180, no line breaks inside fields here). */
static GPtrArray *
csv_split (const char *line)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  const char *p = line;

  for (;;)
    {
      GString *f = g_string_new (NULL);

      if (*p == '"')
        {
          for (p++; *p != '\0'; p++)
            {
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (f, '"');
                  p++;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (f, *p);
            }
        }
      else
        while (*p != '\0' && *p != ',')
          g_string_append_c (f, *p++);
      g_ptr_array_add (fields, g_string_free (f, FALSE));
      if (*p != ',')
        break;
      p++;
    }
  return fields;
}

static void
test_csv (void)
{
  g_autofree char *path = emb_test_tmp_path ("points.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbVocab) vocab = emb_vocab_new ();
  g_autoptr(GPtrArray) pos = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;
  const float xs[] = { 0.1f, -1.0e-7f, 3.14159274f, 12345.678f, -0.0f };
  const float ys[] = { 1.0f / 3.0f, 2.5f, -7.0f, 1e20f, 0.5f };
  const guint8 visible[] = { 1, 1, 0, 1, 1 };
  const guint32 cluster[] = { 4, 0, 1, 2, 3 };
  const char *tokens[] = { "plain", "a,\"b", "hidden", " the", "x\ny" };
  EmbPlot plot = { 0 };
  gsize len, row = 0;

  for (guint i = 0; i < 5; i++)
    {
      emb_vocab_add (vocab, tokens[i], -1);
      g_ptr_array_add (pos, g_strdup (i == 1 ? "noun, proper" : "noun"));
    }
  emb_vocab_add_column (vocab, "part of speech", g_steal_pointer (&pos));

  plot.xs = xs;
  plot.ys = ys;
  plot.n = 5;
  plot.visible = visible;
  plot.vocab = vocab;
  plot.selected = -1;
  g_assert_true (emb_plot_export_csv (&plot, cluster, path, &error));
  g_assert_no_error (error);

  data = read_file (path, &len);
  g_assert_true (g_str_has_suffix (data, "\r\n"));
  data[len - 2] = '\0';
  lines = g_strsplit (data, "\r\n", -1);
  g_assert_cmpstr (lines[0], ==, "id,token,x,y,cluster,part of speech");
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 4);

  /* "x\ny" keeps its bare line feed inside quotes: records end in CRLF. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GPtrArray) f = NULL;
      const char *line;

      if (!visible[i])
        continue;
      line = lines[++row];
      f = csv_split (line);
      g_assert_cmpuint (f->len, ==, 6);
      g_assert_cmpint (g_ascii_strtoll (f->pdata[0], NULL, 10), ==, i);
      g_assert_cmpstr (f->pdata[1], ==, tokens[i]);
      g_assert_true ((float) g_ascii_strtod (f->pdata[2], NULL) == xs[i]);
      g_assert_true ((float) g_ascii_strtod (f->pdata[3], NULL) == ys[i]);
      g_assert_cmpint (g_ascii_strtoll (f->pdata[4], NULL, 10), ==, cluster[i]);
      g_assert_cmpstr (f->pdata[5], ==, i == 1 ? "noun, proper" : "noun");
    }
  /* The quoting itself, byte for byte. */
  g_assert_true (g_str_has_prefix (lines[2], "1,\"a,\"\"b\","));
}

/* No points at all, or none visible or finite: still a figure. */
static void
test_empty (void)
{
  g_autofree char *path = emb_test_tmp_path ("empty.png");
  g_autoptr(GError) error = NULL;
  const float xs[] = { NAN, 1.0f };
  const float ys[] = { 0.0f, 2.0f };
  const guint8 visible[] = { 1, 0 };
  EmbPlot plot = { 0 };
  EmbPlotLayout l;
  cairo_surface_t *s;

  plot.selected = -1;
  g_assert_true (emb_plot_export (&plot, path, EMB_EXPORT_PNG, 120, 90, 1.0, NULL, &error));
  g_assert_no_error (error);

  plot.xs = xs;
  plot.ys = ys;
  plot.n = 2;
  plot.visible = visible;
  plot.selected = 1;        /* hidden: no highlight */
  plot.n_token_labels = 10; /* no vocab: no labels */
  emb_plot_layout (&plot, 120, 90, &l);
  g_assert_true (l.view.scale > 0 && isfinite (l.view.scale));
  g_assert_true (emb_plot_export (&plot, path, EMB_EXPORT_PNG, 120, 90, 1.0, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 120);
  cairo_surface_destroy (s);
}

static void
test_no_folder (void)
{
  g_autofree char *dir = emb_test_tmp_path ("no-such-folder");
  g_autofree char *path = g_build_filename (dir, "plot.png", NULL);
  g_autofree char *csv = g_build_filename (dir, "plot.csv", NULL);
  g_autoptr(GError) error = NULL;
  Fixture fx;

  fixture_init (&fx, EMB_THEME_LIGHT);
  g_assert_false (emb_plot_export (&fx.plot, path, EMB_EXPORT_PNG, W, H, 1.0, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_assert_false (emb_plot_export_csv (&fx.plot, NULL, csv, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_IO);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  fixture_clear (&fx);
}

static void
test_keeps_old_file (void)
{
  g_autofree char *path = emb_test_tmp_path ("keep.png");
  static const char old[] = "the old contents\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autofree char *after = NULL;
  gsize len;
  Fixture fx;
  const struct { int w, h; double scale; EmbExportFormat format; } bad[] = {
    { 0, H, 1.0, EMB_EXPORT_PNG },
    { W, 0, 1.0, EMB_EXPORT_SVG },
    { 40000, H, 1.0, EMB_EXPORT_PDF },
    { W, -5, 1.0, EMB_EXPORT_PNG },
    { W, H, 0.1, EMB_EXPORT_PNG },
    { W, H, 9.0, EMB_EXPORT_PNG },
    { W, H, NAN, EMB_EXPORT_PNG },
    { 20000, H, 2.0, EMB_EXPORT_PNG },   /* 40000 pixels wide */
  };

  fixture_init (&fx, EMB_THEME_LIGHT);
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (emb_plot_export (&fx.plot, path, bad[i].format, bad[i].w, bad[i].h,
                                       bad[i].scale, NULL, &error));
      g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, path));
      g_clear_error (&error);
    }

  /* Cancelled before it starts: nothing written either. */
  g_cancellable_cancel (cancelled);
  g_assert_false (emb_plot_export (&fx.plot, path, EMB_EXPORT_PNG, W, H, 1.0, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  after = read_file (path, &len);
  g_assert_cmpmem (after, len, old, sizeof old - 1);

  /* A valid export replaces it, and leaves no temporary file behind. */
  g_assert_true (emb_plot_export (&fx.plot, path, EMB_EXPORT_PNG, W, H, 1.0, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&after, g_free);
  after = read_file (path, &len);
  g_assert_cmpmem (after, 8, "\x89PNG\r\n\x1a\n", 8);
  {
    const char * const expected[] = {
      "keep.png", "light.png", "dark.png", "transparent.png", "scale2.png",
      "plot.svg", "plot.pdf", "points.csv", "big.svg", "big.pdf", "empty.png", NULL
    };

    assert_dir_holds (expected);
  }
  fixture_clear (&fx);
}

/* 200,000 points in vector formats: one embedded image, a small file. */
static void
test_large_vector (void)
{
  const gsize n = 200000;
  g_autofree float *xs = g_new (float, n);
  g_autofree float *ys = g_new (float, n);
  g_autofree guint16 *cat = g_new (guint16, n);
  g_autofree char *svg = emb_test_tmp_path ("big.svg");
  g_autofree char *pdf = emb_test_tmp_path ("big.pdf");
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  EmbPlot plot = { 0 };
  SvgInfo info;
  GStatBuf st;
  gsize len;

  for (gsize i = 0; i < n; i++)
    {
      double r = sqrt (-2 * log (1 - g_rand_double (rand)));
      double a = 2 * G_PI * g_rand_double (rand);

      cat[i] = i % 7;
      xs[i] = (float) (r * cos (a) + (cat[i] - 3));
      ys[i] = (float) (r * sin (a) * 0.6 + (cat[i] % 3));
    }
  plot.xs = xs;
  plot.ys = ys;
  plot.n = n;
  plot.category = cat;
  plot.selected = -1;
  plot.title = "Two hundred thousand";

  g_assert_true (emb_plot_export (&plot, svg, EMB_EXPORT_SVG, 1600, 1200, 1.0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (svg, &st), ==, 0);
  g_test_message ("200k points: SVG %ld bytes", (long) st.st_size);
  g_assert_cmpint (st.st_size, <, 10 * 1000 * 1000);
  parse_svg (svg, &info);
  g_assert_cmpuint (info.n_images, ==, 1);
  g_assert_true (has_line (info.text->str, "Two hundred thousand"));
  svg_info_clear (&info);

  g_assert_true (emb_plot_export (&plot, pdf, EMB_EXPORT_PDF, 1600, 1200, 1.0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (pdf, &st), ==, 0);
  g_test_message ("200k points: PDF %ld bytes", (long) st.st_size);
  g_assert_cmpint (st.st_size, <, 10 * 1000 * 1000);
  data = read_file (pdf, &len);
  g_assert_true (contains_bytes (data, len, "/Subtype /Image"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/format-from-path", test_format_from_path);
  g_test_add_func ("/plot/png/light", test_png_light);
  g_test_add_func ("/plot/png/themes", test_png_themes);
  g_test_add_func ("/plot/svg", test_svg);
  g_test_add_func ("/plot/pdf", test_pdf);
  g_test_add_func ("/plot/csv", test_csv);
  g_test_add_func ("/plot/large-vector", test_large_vector);
  g_test_add_func ("/plot/empty", test_empty);
  g_test_add_func ("/plot/atomic/no-folder", test_no_folder);
  g_test_add_func ("/plot/atomic/keeps-old-file", test_keeps_old_file);

  return g_test_run ();
}
