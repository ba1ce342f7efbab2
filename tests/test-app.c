/* test-app.c: the whole application under Xvfb, as `embedlens FILE` runs.
 *
 * A person opens a big file (a 200 MB .npy, mapped) and closes the window
 * while it is still loading (the test checks the reader had not finished):
 * g_application_run () must return 0 promptly, and only after the loading
 * thread has let go of the window (the window is finalized), so the
 * process never exits with a reader still running.  The same goes for the
 * app's Quit (Ctrl+Q), and for closing while an export is being written:
 * the export finishes and leaves the whole file behind.  And a whole
 * session (open, search, select, export, close), which the sanitizer build
 * runs under AddressSanitizer and LeakSanitizer.
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "emb-application.h"
#include "emb-plot-view.h"
#include "emb-window.h"
#include "emb-test-util.h"
#include "emb-ui-test-util.h"

#define WATCHDOG_SECONDS 60

typedef enum { CLOSE_WINDOW, QUIT_ACTION, EXPORT_THEN_CLOSE } HowToClose;

typedef struct
{
  GApplication *app;
  HowToClose    how;
  const char   *export_path;
  GtkWindow    *window;          /* weak pointer */
  gboolean      closed_while_busy;    /* loading, or exporting */
  gboolean      watchdog_fired;
  gboolean      window_seen;
  gint64        closed_at;
  double        progress_at_close;   /* of the load, just after the close */
  guint         poll_id;
} Run;

/* A float32 .npy big enough that reading and projecting it takes a while
 * after the window is up: 400,000 rows of 128 values, about 200 MB, read
 * in place from its mapping like any .npy the app opens. */
static char *
write_big_npy (const char *dir)
{
  const gsize rows = 400000, cols = 128;
  char *path = g_build_filename (dir, "big.npy", NULL);
  g_autoptr(GByteArray) header = g_byte_array_new ();
  g_autofree float *row = g_new (float, cols);
  FILE *f;

  emb_test_put_npy_f32_header (header, rows, cols);
  f = fopen (path, "wb");
  g_assert_nonnull (f);
  fwrite (header->data, 1, header->len, f);
  for (gsize i = 0; i < rows; i++)
    {
      for (gsize j = 0; j < cols; j++)
        row[j] = (float) ((i * 7 + j * 13) % 9) - 4.0f + (float) ((i * 31 + j) % 10000) * 1e-4f;
      g_assert_cmpuint (fwrite (row, sizeof (float), cols, f), ==, cols);
    }
  g_assert_cmpint (fclose (f), ==, 0);
  return path;
}

static gboolean
watchdog_cb (gpointer data)
{
  Run *run = data;

  run->watchdog_fired = TRUE;
  g_application_quit (run->app);
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer data)
{
  Run *run = data;
  EmbWindow *win;

  if (run->window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (run->window)))
    return G_SOURCE_CONTINUE;
  win = EMB_WINDOW (run->window);

  if (run->how == EXPORT_THEN_CLOSE)
    {
      /* The sample on screen: export it and close the window at once. */
      if (emb_window_is_loading (win) || emb_window_get_scene (win) == NULL)
        return G_SOURCE_CONTINUE;
      gtk_widget_activate_action (GTK_WIDGET (win), "win.export-file", "s", run->export_path);
      run->closed_while_busy = emb_window_is_busy (win);
    }
  else
    {
      /* Wait until the reader has started; then close at once. */
      if (!emb_window_is_loading (win))
        return G_SOURCE_CONTINUE;
      run->closed_while_busy = TRUE;
    }

  run->closed_at = g_get_monotonic_time ();
  run->poll_id = 0;
  g_object_ref (win);
  if (run->how == QUIT_ACTION)
    g_action_group_activate_action (G_ACTION_GROUP (run->app), "quit", NULL);
  else
    /* What the window manager's close button does. */
    gtk_window_close (run->window);
  /* The reader reports 1 only when it is done (and nothing after a
   * cancel): below 1 now, it was still running when the window closed. */
  run->progress_at_close = emb_window_get_load_progress (win);
  g_object_unref (win);
  return G_SOURCE_REMOVE;
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 Run            *run)
{
  g_assert_null (run->window);
  run->window_seen = TRUE;
  run->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &run->window);
}

static void
run_app (HowToClose how)
{
  g_autofree char *dir = g_dir_make_tmp ("embedlens-app-XXXXXX", NULL);
  g_autofree char *big = write_big_npy (dir);
  g_autofree char *export_path = g_build_filename (dir, "sample.png", NULL);
  g_autoptr(EmbApplication) app = emb_application_new ();
  char *argv[] = { "embedlens", big, NULL };
  Run run = { .app = G_APPLICATION (app), .how = how, .export_path = export_path };
  guint watchdog;
  gint64 returned_at;
  int status;

  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), &run);
  run.poll_id = g_timeout_add (1, poll_cb, &run);
  watchdog = g_timeout_add_seconds (WATCHDOG_SECONDS, watchdog_cb, &run);

  /* The export case opens the bundled sample, as `embedlens` alone does. */
  if (how == EXPORT_THEN_CLOSE)
    argv[1] = NULL;
  status = g_application_run (G_APPLICATION (app), argv[1] ? 2 : 1, argv);
  returned_at = g_get_monotonic_time ();

  g_assert_false (run.watchdog_fired);
  g_source_remove (watchdog);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (run.window_seen);
  g_assert_true (run.closed_while_busy);
  g_test_message ("load at %.0f%% when the window closed", run.progress_at_close * 100);
  if (how != EXPORT_THEN_CLOSE)
    g_assert_cmpfloat (run.progress_at_close, <, 1.0);
  /* The loader dropped its reference before the app returned. */
  g_assert_null (run.window);
  g_test_message ("returned %.0f ms after the close", (returned_at - run.closed_at) / 1000.0);

  if (how == EXPORT_THEN_CLOSE)
    {
      /* The export asked for before the close is whole. */
      cairo_surface_t *png = cairo_image_surface_create_from_png (export_path);
      g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (png), >, 0);
      cairo_surface_destroy (png);
      g_unlink (export_path);
    }

  /* Nothing else was written next to the input. */
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name (d)) != NULL)
      g_assert_cmpstr (name, ==, "big.npy");
  }
  g_unlink (big);
  g_rmdir (dir);
}

static void
test_close_mid_load (void)
{
  run_app (CLOSE_WINDOW);
}

static void
test_quit_mid_load (void)
{
  run_app (QUIT_ACTION);
}

static void
test_export_then_close (void)
{
  run_app (EXPORT_THEN_CLOSE);
}

/* A session as a person has it: the sample opens, "queen" is searched,
 * Enter selects it, its neighbours list, the plot is exported, the window
 * is closed.  One step per poll, each once the window is idle. */
typedef struct
{
  GApplication *app;
  GtkWindow    *window;   /* weak pointer */
  const char   *png;
  int           step;
  guint         neighbours;
  int           k;
  gboolean      watchdog_fired;
} Session;

static gboolean
session_step_cb (gpointer data)
{
  Session *s = data;
  EmbWindow *win;

  if (s->window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (s->window)))
    return G_SOURCE_CONTINUE;
  win = EMB_WINDOW (s->window);
  if (emb_window_is_loading (win) || emb_window_is_busy (win) || emb_window_get_scene (win) == NULL)
    return G_SOURCE_CONTINUE;

  switch (s->step++)
    {
    case 0:
      gtk_widget_activate_action (GTK_WIDGET (win), "win.search-text", "s", "queen");
      break;
    case 1:
      g_assert_cmpuint (emb_ui_count_rows (emb_ui_child (s->window, "search_list")), >, 0);
      g_signal_emit_by_name (emb_ui_child (s->window, "search_entry"), "activate");
      break;
    case 2:
      {
        EmbVocab *vocab = emb_window_get_scene (win)->dataset->vocab;
        gsize queen;
        g_assert_true (emb_vocab_lookup (vocab, "queen", &queen));
        g_assert_cmpint (emb_plot_view_get_selection (EMB_PLOT_VIEW (emb_ui_child (s->window, "plot"))), ==, (gssize) queen);
        s->neighbours = emb_ui_count_rows (emb_ui_child (s->window, "neighbor_list"));
        s->k = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (emb_ui_child (s->window, "k_spin")));
        gtk_widget_activate_action (GTK_WIDGET (win), "win.export-file", "s", s->png);
      }
      break;
    default:
      gtk_window_close (s->window);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
session_watchdog_cb (gpointer data)
{
  Session *s = data;

  s->watchdog_fired = TRUE;
  g_application_quit (s->app);
  return G_SOURCE_REMOVE;
}

static void
session_window_added_cb (GtkApplication *app,
                         GtkWindow      *window,
                         Session        *s)
{
  s->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &s->window);
}

static void
test_session (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embedlens-app-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "plot.png", NULL);
  g_autoptr(EmbApplication) app = emb_application_new ();
  char *argv[] = { "embedlens", NULL };
  Session s = { .app = G_APPLICATION (app), .png = png };
  guint watchdog;
  cairo_surface_t *surface;

  g_signal_connect (app, "window-added", G_CALLBACK (session_window_added_cb), &s);
  g_timeout_add (5, session_step_cb, &s);
  watchdog = g_timeout_add_seconds (WATCHDOG_SECONDS, session_watchdog_cb, &s);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 1, argv), ==, 0);

  g_assert_false (s.watchdog_fired);
  g_source_remove (watchdog);
  g_assert_cmpint (s.step, ==, 4);
  g_assert_null (s.window);
  /* As many neighbours as asked for, and a real PNG. */
  g_assert_cmpint (s.k, >, 0);
  g_assert_cmpuint (s.neighbours, ==, s.k);
  surface = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  g_unlink (png);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/session", test_session);
  g_test_add_func ("/app/close-mid-load", test_close_mid_load);
  g_test_add_func ("/app/quit-mid-load", test_quit_mid_load);
  g_test_add_func ("/app/export-then-close", test_export_then_close);
  return g_test_run ();
}
