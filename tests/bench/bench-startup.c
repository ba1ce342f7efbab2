/* bench-startup.c: time from launch to the sample's plot on screen.
 *
 * Opens the window on the bundled sample as `embedlens` does and stops the
 * clock when the points have been rasterised and a frame painted.  Run
 * under a display (make bench uses xvfb-run).  Prints the median of RUNS
 * launches, each a fresh process.
 */
#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emb-plot-view.h"
#include "emb-window.h"

static gboolean painted;

static void
after_paint_cb (GdkFrameClock *clock, gpointer data)
{
  EmbWindow *win = data;
  EmbPlotView *plot = EMB_PLOT_VIEW (gtk_widget_get_template_child (GTK_WIDGET (win), EMB_TYPE_WINDOW, "plot"));

  if (emb_window_get_scene (win) != NULL && !emb_plot_view_is_rendering (plot))
    painted = TRUE;
}

static double
one_launch (void)
{
  gint64 t0 = g_get_monotonic_time ();
  EmbWindow *win;

  gtk_init ();
  win = emb_window_new (NULL);
  gtk_window_present (GTK_WINDOW (win));
  emb_window_open (win, "@sample");
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (win)), "after-paint",
                    G_CALLBACK (after_paint_cb), win);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  int runs = argc > 1 ? atoi (argv[1]) : 5;
  double t[32];
  int fds[2];

  runs = CLAMP (runs, 1, 32);
  for (int r = 0; r < runs; r++)
    {
      pid_t pid;
      if (pipe (fds) != 0)
        return 1;
      pid = fork ();
      if (pid == 0)
        {
          double s = one_launch ();
          if (write (fds[1], &s, sizeof s) != sizeof s)
            _exit (1);
          _exit (0);
        }
      close (fds[1]);
      if (read (fds[0], &t[r], sizeof t[r]) != sizeof t[r])
        return 1;
      close (fds[0]);
      waitpid (pid, NULL, 0);
    }
  qsort (t, runs, sizeof *t, cmp);
  printf ("launch to the sample's plot (20,000 points, exact PCA): median %.3f s over %d launches "
          "(min %.3f, max %.3f; target < 1 s)\n", t[runs / 2], runs, t[0], t[runs - 1]);
  return 0;
}
