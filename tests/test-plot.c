/* test-plot.c: the exported figure, checked from the files themselves:
 * PNG pixels read back with cairo, SVG parsed as XML, the PDF's page box
 * and (with poppler's pdftotext) its text, CSV parsed field by field. */
#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>

#include "base/emb-error.h"
#include "plot/emb-cluster-labels.h"
#include "plot/emb-labels.h"
#include "plot/emb-plot.h"
#include "plot/emb-plot-spec.h"

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

static char *tmp_dir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

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

static guint32
pixel_at (cairo_surface_t *s, int x, int y)
{
  const guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);

  return ((const guint32 *) (data + (gsize) y * stride))[x];
}

static void
assert_near (int value, int expected, int tolerance)
{
  if (ABS (value - expected) > tolerance)
    g_error ("%d is not within %d of %d", value, tolerance, expected);
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
  g_autoptr(GDir) dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (!g_strv_contains (names, name))
      g_error ("unexpected file %s in %s", name, tmp_dir);
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
  g_autofree char *path = tmp_path ("light.png");
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

  bg = pixel_at (s, 0, 0) & 0xffffff;
  g_assert_cmphex (bg, ==, 0xffffff);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      non_bg += (pixel_at (s, x, y) & 0xffffff) != bg;
  /* Points, text, frame: thousands of pixels, far from all of them. */
  g_assert_cmpuint (non_bg, >, 2000);
  g_assert_cmpuint (non_bg, <, W * H / 2);

  /* The isolated point: its palette colour at 75% over white. */
  p = pixel_at (s, (int) fx.iso_px, (int) fx.iso_py);
  assert_near ((p >> 16) & 0xff, (int) round (0x2c * 0.75 + 255 * 0.25), 10);
  assert_near ((p >> 8) & 0xff, (int) round (0xa0 * 0.75 + 255 * 0.25), 10);
  assert_near (p & 0xff, (int) round (0x2c * 0.75 + 255 * 0.25), 10);
  /* A few pixels away, background again. */
  g_assert_cmphex (pixel_at (s, (int) fx.iso_px + 5, (int) fx.iso_py) & 0xffffff, ==, bg);

  cairo_surface_destroy (s);
  fixture_clear (&fx);
}

static void
test_png_themes (void)
{
  g_autofree char *dark = tmp_path ("dark.png");
  g_autofree char *clear = tmp_path ("transparent.png");
  g_autofree char *big = tmp_path ("scale2.png");
  g_autoptr(GError) error = NULL;
  cairo_surface_t *s;
  Fixture fx;
  guint32 p;

  fixture_init (&fx, EMB_THEME_DARK);
  place_isolated (&fx);
  g_assert_true (emb_plot_export (&fx.plot, dark, EMB_EXPORT_PNG, W, H, 1.0, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (dark);
  g_assert_cmphex (pixel_at (s, 0, 0) & 0xffffff, ==, 0x1e1e1e);
  g_assert_cmphex (pixel_at (s, W - 1, H - 1) & 0xffffff, ==, 0x1e1e1e);
  cairo_surface_destroy (s);

  fx.plot.theme = EMB_THEME_TRANSPARENT;
  g_assert_true (emb_plot_export (&fx.plot, clear, EMB_EXPORT_PNG, W, H, 1.0, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (clear);
  g_assert_cmpint (cairo_image_surface_get_format (s), ==, CAIRO_FORMAT_ARGB32);
  g_assert_cmphex (pixel_at (s, 0, 0) >> 24, ==, 0);
  g_assert_cmphex (pixel_at (s, W - 1, 0) >> 24, ==, 0);
  /* The isolated point is 75% opaque, nothing under it. */
  p = pixel_at (s, (int) fx.iso_px, (int) fx.iso_py);
  assert_near (p >> 24, 191, 10);
  cairo_surface_destroy (s);

  /* scale 2: twice the pixels, the point at twice the coordinates. */
  fx.plot.theme = EMB_THEME_LIGHT;
  g_assert_true (emb_plot_export (&fx.plot, big, EMB_EXPORT_PNG, W, H, 2.0, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (big);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 2 * W);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, 2 * H);
  p = pixel_at (s, (int) (2 * fx.iso_px), (int) (2 * fx.iso_py));
  assert_near ((p >> 8) & 0xff, (int) round (0xa0 * 0.75 + 255 * 0.25), 12);
  assert_near ((p >> 16) & 0xff, (int) round (0x2c * 0.75 + 255 * 0.25), 12);
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
  g_autofree char *path = tmp_path ("plot.svg");
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
  g_autofree char *path = tmp_path ("plot.pdf");
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
  g_autofree char *path = tmp_path ("points.csv");
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
  g_autofree char *path = tmp_path ("empty.png");
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
  g_autofree char *dir = tmp_path ("no-such-folder");
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
  g_autofree char *path = tmp_path ("keep.png");
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
  g_autofree char *svg = tmp_path ("big.svg");
  g_autofree char *pdf = tmp_path ("big.pdf");
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
    assert_near ((got >> shift) & 0xff,
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
        guint32 c = pixel_at (s, px + dx, py + dy);
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
  g_autofree char *path = tmp_path ("overlay.png");
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
  assert_blend (pixel_at (s, px, py), 0x9141ac, 0.9);
  figure_pixel (&l, 3, 0, &px, &py);
  assert_blend (pixel_at (s, px, py), 0xe5243b, 0.9);
  /* A ring around the match, none around the hidden one. */
  figure_pixel (&l, 0, 0, &px, &py);
  g_assert_true (ring_around (s, px, py));
  figure_pixel (&l, -1.5, -0.5, &px, &py);
  g_assert_false (ring_around (s, px, py));
  /* The hidden token is left out. */
  figure_pixel (&l, 1.5, 0.5, &px, &py);
  g_assert_cmphex (pixel_at (s, px, py) & 0xffffff, ==, 0xffffff);
  cairo_surface_destroy (s);

  /* Shown, the same token is drawn there: the check above means it. */
  fx.visible[5] = 1;
  g_assert_true (emb_plot_export (&fx.plot, path, EMB_EXPORT_PNG, 800, 600, 1.0, NULL, &error));
  s = cairo_image_surface_create_from_png (path);
  figure_pixel (&l, 1.5, 0.5, &px, &py);
  g_assert_cmphex (pixel_at (s, px, py) & 0xffffff, !=, 0xffffff);
  cairo_surface_destroy (s);
  g_unlink (path);
}

/* The builder: axis titles from the components' variance, the view
 * scaled from the screen's size to the figure's, and copies of the data
 * (the state may change once the spec is built). */
static void
test_spec (void)
{
  float xs[] = { 0, 1, 2 }, ys[] = { 0, 1, 4 };
  const double explained[] = { 0.25, 0.125, 0.0625 };
  gsize matches[] = { 2 };
  EmbPlotState state = { 0 };
  g_autoptr(EmbPlotSpec) spec = NULL;
  const EmbPlot *plot;

  state.xs = xs;
  state.ys = ys;
  state.n = 3;
  state.x_component = 0;
  state.y_component = 2;
  state.explained = explained;
  state.selected = 7;          /* not a row: none */
  state.matches = matches;
  state.n_matches = 1;
  state.view = (EmbView) { .center_x = 1, .center_y = 2, .scale = 10, .width = 400, .height = 300 };
  spec = emb_plot_spec_new (&state, 1600, 1500);
  xs[2] = 99;
  matches[0] = 0;

  plot = emb_plot_spec_get_plot (spec);
  g_assert_cmpstr (plot->x_title, ==, "PC1 (25.0% of variance)");
  g_assert_cmpstr (plot->y_title, ==, "PC3 (6.2% of variance)");
  g_assert_cmpint (plot->selected, ==, -1);
  g_assert_cmpfloat (plot->xs[2], ==, 2.0f);
  g_assert_cmpuint (plot->n_matches, ==, 1);
  g_assert_cmpuint (plot->matches[0], ==, 2);
  /* min (1600 / 400, 1500 / 300) = 4 */
  g_assert_cmpfloat (plot->view.scale, ==, 40.0);
  g_assert_cmpfloat (plot->view.center_x, ==, 1.0);
  g_assert_null (emb_plot_spec_get_cluster (spec));
}

static void
export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
export_async_wait (EmbPlotSpec *spec, const char *path, EmbExportFormat format,
                   GCancellable *cancellable, GError **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  emb_plot_export_async (spec, path, format, 320, 240, 1.0, cancellable, export_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ok = emb_plot_export_finish (result, error);
  g_object_unref (result);
  return ok;
}

/* The export in core's thread: a PNG and a CSV written, and a cancelled
 * one leaving nothing behind. */
static void
test_export_async (void)
{
  g_autofree char *png = tmp_path ("async.png");
  g_autofree char *csv = tmp_path ("async.csv");
  g_autofree char *never = tmp_path ("never.png");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbPlotSpec) spec = NULL;
  const float xs[] = { 0, 1, 2 }, ys[] = { 0, 1, 4 };
  const guint32 cluster[] = { 5, 6, 7 };
  EmbPlotState state = { .xs = xs, .ys = ys, .n = 3, .cluster = cluster, .selected = -1 };
  g_autofree char *text = NULL;
  cairo_surface_t *s;

  spec = emb_plot_spec_new (&state, 320, 240);
  g_assert_true (export_async_wait (spec, png, EMB_EXPORT_PNG, NULL, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 320);
  cairo_surface_destroy (s);

  g_assert_true (export_async_wait (spec, csv, EMB_EXPORT_CSV, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "id,token,x,y,cluster\r\n0,,0,0,5\r\n"));

  g_cancellable_cancel (cancellable);
  g_assert_false (export_async_wait (spec, never, EMB_EXPORT_PNG, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (never, G_FILE_TEST_EXISTS));
  g_unlink (png);
  g_unlink (csv);
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
      g_autoptr(PangoLayout) layout = pango_layout_new (pango);
      PangoRectangle logical;

      pango_layout_set_font_description (layout, a->selected ? bold : font);
      pango_layout_set_text (layout, g_ptr_array_index (tokens, a->id), -1);
      pango_layout_get_extents (layout, NULL, &logical);
      g_assert_cmpstr (a->text, ==, g_ptr_array_index (tokens, a->id));
      g_assert_cmpfloat (a->width, ==, logical.width / (double) PANGO_SCALE);
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

          if (a->x < b->x + b->width && b->x < a->x + a->width &&
              a->y < b->y + b->height && b->y < a->y + a->height)
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
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("test-plot-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/plot/format-from-path", test_format_from_path);
  g_test_add_func ("/plot/png/light", test_png_light);
  g_test_add_func ("/plot/png/themes", test_png_themes);
  g_test_add_func ("/plot/svg", test_svg);
  g_test_add_func ("/plot/pdf", test_pdf);
  g_test_add_func ("/plot/csv", test_csv);
  g_test_add_func ("/plot/large-vector", test_large_vector);
  g_test_add_func ("/plot/empty", test_empty);
  g_test_add_func ("/plot/overlay/png", test_overlay_png);
  g_test_add_func ("/plot/spec", test_spec);
  g_test_add_func ("/plot/labels/place", test_labels_place);
  g_test_add_func ("/plot/labels/clusters", test_cluster_labels_place);
  g_test_add_func ("/plot/export-async", test_export_async);
  g_test_add_func ("/plot/atomic/no-folder", test_no_folder);
  g_test_add_func ("/plot/atomic/keeps-old-file", test_keeps_old_file);
  status = g_test_run ();

  /* Keep the files for a look when asked, else clean up. */
  if (g_getenv ("EMB_KEEP_TEST_FILES") == NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (tmp_dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *p = tmp_path (name);

          g_unlink (p);
        }
      g_rmdir (tmp_dir);
    }
  else
    g_printerr ("test files kept in %s\n", tmp_dir);
  g_free (tmp_dir);
  return status;
}
