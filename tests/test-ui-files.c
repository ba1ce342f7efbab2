/* test-ui-files.c: the real window under Xvfb, given files that go wrong.
 *
 * A bad file must leave the app alive with its old data and an error
 * dialog, as must a file cut short on disk while the window shows it; a
 * file named by bytes that are not UTF-8 opens, and an export over an
 * input file is refused; a file with nan rows, the empty window, and a
 * load cancelled or closed midway.
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "emb-window.h"
#include "emb-test-util.h"
#include "emb-ui-test-util.h"
#include "emb-plot-view.h"
#include "analysis/emb-categories.h"
#include "panels/emb-color-panel.h"

static void
test_bad_file (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  EmbScene *before = emb_window_get_scene (win);
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "broken.vec", NULL);
  GtkWidget *dialog = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (bad, "2 4\nthe 1 2 3 4\nof 1 2 x3 4\n", -1, NULL));
  emb_window_open (win, bad);
  emb_ui_iterate_until (emb_ui_loaded, win);
  emb_ui_iterate_until (emb_ui_dialog_shown, &dialog);

  /* The old data is still there, and the message names file and line. */
  g_assert_true (emb_window_get_scene (win) == before);
  g_object_get (dialog, "secondary-text", &text, NULL);
  g_test_message ("dialog: %s", text);
  g_assert_nonnull (strstr (text, "broken.vec:3"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Still usable afterwards. */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.select-token", "s", "queen");
  emb_ui_iterate_until (emb_ui_idle_window, win);
  {
    gsize n;
    emb_window_get_neighbors (win, &n);
    g_assert_cmpuint (n, >, 0);
  }
  g_unlink (bad);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A file whose name is not UTF-8 opens; an export whose name is a link to
 * it is refused with a dialog naming both, and the file stays as it was. */
static void
test_byte_name_and_inputs (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "vec\xff.txt", NULL);
  g_autofree char *link = g_build_filename (dir, "plot.png", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *after = NULL;
  g_autofree char *secondary = NULL;
  GtkWidget *dialog = NULL;
  EmbWindow *win;
  gsize n_after;

  for (int i = 0; i < 50; i++)
    g_string_append_printf (text, "w%d %d %d %d\n", i, i % 7 + 1, (i * 3) % 11, (i * 5) % 13);
  g_assert_true (g_file_set_contents (path, text->str, text->len, NULL));
  g_assert_cmpint (symlink ("vec\xff.txt", link), ==, 0);

  win = emb_ui_new_window_on (path);
  g_assert_cmpuint (emb_window_get_scene (win)->dataset->matrix->n_rows, ==, 50);
  /* Remembered as a file:// URI that gives the path back. */
  {
    g_autoptr(GSettings) settings = g_settings_new ("io.github.embedlens.EmbedLens");
    g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-files");
    g_autofree char *back = NULL;

    g_assert_nonnull (recent[0]);
    back = g_filename_from_uri (recent[0], NULL, NULL);
    g_assert_cmpstr (back, ==, path);
  }
  gtk_widget_activate_action (GTK_WIDGET (win), "win.export-file", "s", link);
  emb_ui_iterate_until (emb_ui_dialog_shown, &dialog);
  g_object_get (dialog, "secondary-text", &secondary, NULL);
  g_test_message ("dialog: %s", secondary);
  g_assert_nonnull (strstr (secondary, "plot.png"));
  g_assert_nonnull (strstr (secondary, "vec\\xff.txt"));
  gtk_window_destroy (GTK_WINDOW (dialog));
  emb_ui_iterate_until (emb_ui_idle_window, win);

  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (g_file_get_contents (path, &after, &n_after, NULL));
  g_assert_cmpmem (after, n_after, text->str, text->len);
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (link);
  g_unlink (path);
  g_rmdir (dir);
}

/* A window whose first file fails shows how to open one; the sample
 * button opens the sample and the hint goes. */
static void
test_empty_state (void)
{
  EmbWindow *win = emb_window_new (NULL);
  GtkWidget *empty = emb_ui_child (win, "empty_state");
  GtkWidget *dialog = NULL;

  gtk_window_present (GTK_WINDOW (win));
  emb_window_open (win, "/nonexistent/vectors.vec");
  g_assert_false (gtk_widget_get_visible (empty));
  emb_ui_iterate_until (emb_ui_loaded, win);
  emb_ui_iterate_until (emb_ui_dialog_shown, &dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (emb_window_get_scene (win));
  g_assert_true (gtk_widget_get_visible (empty));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.open-sample", NULL);
  emb_ui_iterate_until (emb_ui_loaded, win);
  g_assert_nonnull (emb_window_get_scene (win));
  g_assert_false (gtk_widget_get_visible (empty));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A file with nan: the dialog says where and offers to read the values
 * as 0 or to leave their rows out; each choice loads the file that way. */
static void
test_nan_file (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  EmbScene *before = emb_window_get_scene (win);
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "holes.vec", NULL);
  const char *text =
    "6 3\n"
    "a 1 0 0\n"
    "b 0 1 0\n"
    "c 0 0 1\n"
    "d 1 nan 1\n"
    "e 1 1 0\n"
    "f 0 1 1\n";
  const int responses[] = { GTK_RESPONSE_CANCEL, 1 /* read as zero */, 2 /* leave rows out */ };
  const gsize rows[] = { 0, 6, 5 };

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  for (guint k = 0; k < G_N_ELEMENTS (responses); k++)
    {
      GtkWidget *dialog = NULL;
      g_autofree char *message = NULL;
      EmbScene *scene;

      emb_window_open (win, path);
      emb_ui_iterate_until (emb_ui_loaded, win);
      emb_ui_iterate_until (emb_ui_dialog_shown, &dialog);
      g_object_get (dialog, "secondary-text", &message, NULL);
      /* Line 5 of the file, its second value. */
      g_assert_nonnull (strstr (message, "holes.vec:5"));
      g_assert_nonnull (strstr (message, "value 2"));
      g_assert_true (emb_window_get_scene (win) == before);

      gtk_dialog_response (GTK_DIALOG (dialog), responses[k]);
      emb_ui_iterate_until (emb_ui_loaded, win);
      g_assert_false (emb_ui_dialog_shown (NULL));
      scene = emb_window_get_scene (win);
      if (rows[k] == 0)
        {
          g_assert_true (scene == before);
          continue;
        }
      emb_ui_iterate_until (emb_ui_idle_window, win);
      g_assert_cmpuint (scene->dataset->matrix->n_rows, ==, rows[k]);
      if (rows[k] == 6)
        {
          /* d's row as written, its nan read as 0. */
          g_assert_cmpfloat (scene->dataset->matrix->data[3 * 3 + 0], ==, 1.0f);
          g_assert_cmpfloat (scene->dataset->matrix->data[3 * 3 + 1], ==, 0.0f);
          g_assert_cmpfloat (scene->dataset->matrix->data[3 * 3 + 2], ==, 1.0f);
        }
      else
        {
          /* d is gone; e moved up to its row. */
          gsize id;
          g_assert_false (emb_vocab_lookup (scene->dataset->vocab, "d", &id));
          g_assert_true (emb_vocab_lookup (scene->dataset->vocab, "e", &id));
          g_assert_cmpuint (id, ==, 3);
        }
      before = scene;
    }
  g_unlink (path);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_cancel_and_close (void)
{
  EmbWindow *win = emb_ui_new_window_on ("@sample");
  EmbScene *before = emb_window_get_scene (win);

  /* Cancel right away: the previous data stays. */
  emb_window_open (win, "@sample");
  gtk_widget_activate_action (GTK_WIDGET (win), "win.cancel-load", NULL);
  emb_ui_iterate_until (emb_ui_loaded, win);
  g_assert_true (emb_window_get_scene (win) == before);
  g_assert_false (emb_ui_dialog_shown (NULL));

  /* Close the window while a load runs: no crash, nothing left behind. */
  emb_window_open (win, "@sample");
  gtk_window_destroy (GTK_WINDOW (win));
  for (int i = 0; i < 200; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

/* A float32 .npy of rows x cols (read in place from its mapping), rewritten
 * in place: value (i * 7 + j * 3) % 11 - 5 at (i, j), so rows repeat every
 * 11 and a row's best neighbours are the rows 11 apart. */
static void
write_npy (const char *path, gsize rows, gsize cols)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autofree float *values = g_new (float, rows * cols);
  FILE *f;

  emb_test_put_npy_f32_header (b, rows, cols);
  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < cols; j++)
      values[i * cols + j] = (float) ((i * 7 + j * 3) % 11) - 5.0f + (float) (j % 2) * 0.5f;
  f = fopen (path, "wb");
  g_assert_nonnull (f);
  fwrite (b->data, 1, b->len, f);
  g_assert_cmpuint (fwrite (values, sizeof (float), rows * cols, f), ==, rows * cols);
  g_assert_cmpint (fclose (f), ==, 0);
}

static gboolean
bar_revealed (gpointer data)
{
  return gtk_info_bar_get_revealed (data);
}

/* The file on screen is cut short (a training script saving over it): the
 * window says it changed on disk and keeps its plot; a query then says the
 * file changed instead of crashing or answering from zeros; Reload reads
 * the file again once it is back, and the bar goes. */
static void
test_file_cut_short (void)
{
  g_autofree char *dir = g_dir_make_tmp ("embedlens-ui-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cut.npy", NULL);
  EmbWindow *win;
  EmbScene *before;
  GtkInfoBar *bar;
  const EmbNeighbor *nb;
  const char *text;
  gsize n;

  write_npy (path, 22000, 64);
  win = emb_ui_new_window_on (path);
  before = emb_window_get_scene (win);
  bar = GTK_INFO_BAR (emb_ui_child (win, "changed_bar"));
  g_assert_false (gtk_info_bar_get_revealed (bar));
  emb_window_select (win, 0);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  nb = emb_window_get_neighbors (win, &n);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (nb[0].id % 11, ==, 0);

  g_assert_cmpint (truncate (path, 0), ==, 0);
  emb_ui_iterate_until (bar_revealed, bar);
  text = gtk_label_get_text (GTK_LABEL (emb_ui_child (win, "changed_label")));
  g_test_message ("bar: %s", text);
  g_assert_nonnull (strstr (text, "cut.npy"));
  g_assert_nonnull (strstr (text, "changed on disk"));
  g_assert_true (emb_window_get_scene (win) == before);

  /* Row 1's values now fault into zeros: the query must say so. */
  emb_window_select (win, 1);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  emb_window_get_neighbors (win, &n);
  g_assert_cmpuint (n, ==, 0);
  text = gtk_label_get_text (GTK_LABEL (emb_ui_child (win, "selected_info")));
  g_test_message ("neighbours: %s", text);
  g_assert_nonnull (strstr (text, "changed on disk"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win)));

  /* The file back; Reload shows it and the bar goes. */
  write_npy (path, 22000, 64);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.reload", NULL);
  emb_ui_iterate_until (emb_ui_loaded, win);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  g_assert_true (emb_window_get_scene (win) != before);
  g_assert_false (gtk_info_bar_get_revealed (bar));
  emb_window_select (win, 1);
  emb_ui_iterate_until (emb_ui_idle_window, win);
  nb = emb_window_get_neighbors (win, &n);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (nb[0].id % 11, ==, 1);
  g_assert_false (gtk_info_bar_get_revealed (bar));

  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/bad-file", test_bad_file);
  g_test_add_func ("/ui/byte-name-and-inputs", test_byte_name_and_inputs);
  g_test_add_func ("/ui/empty-state", test_empty_state);
  g_test_add_func ("/ui/nan-file", test_nan_file);
  g_test_add_func ("/ui/cancel-and-close", test_cancel_and_close);
  g_test_add_func ("/ui/file-cut-short", test_file_cut_short);
  return g_test_run ();
}
