/* test-plot-spec.c: the builder from the app's state to a figure
 * (titles, scaled view, copied data) and the export in core's thread. */
#include <cairo.h>
#include <glib/gstdio.h>

#include "plot/emb-plot.h"
#include "plot/emb-plot-spec.h"
#include "emb-test-util.h"

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


static gboolean
export_async_wait (EmbPlotSpec *spec, const char *path, EmbExportFormat format,
                   GCancellable *cancellable, GError **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  emb_plot_export_async (spec, path, format, 320, 240, 1.0, cancellable, emb_test_store_result, &result);
  ok = emb_plot_export_finish (emb_test_wait_result (&result), error);
  g_object_unref (result);
  return ok;
}

/* The export in core's thread: a PNG and a CSV written, and a cancelled
 * one leaving nothing behind. */
static void
test_export_async (void)
{
  g_autofree char *png = emb_test_tmp_path ("async.png");
  g_autofree char *csv = emb_test_tmp_path ("async.csv");
  g_autofree char *never = emb_test_tmp_path ("never.png");
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


int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/spec", test_spec);
  g_test_add_func ("/plot/export-async", test_export_async);

  return g_test_run ();
}
