/* emb-window-watch.c: noticing that the file on screen changed on disk.
 *
 * A matrix is read in place from its mapped file (core's base/emb-mapped),
 * so a training script that saves over the file while the window shows it
 * changes the data under the window; if it cuts the file short, core turns
 * the fault into zeros and every query that read them reports an error.
 * The window watches the file: when it changes, a bar says so and offers to
 * reload, and the plot keeps what it shows until the person chooses.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "emb-window-private.h"

/* auxiliary functions */

/* The file's size and modification time in microseconds; -1 when gone. */
static void
file_stamp (const char *path,
            gint64     *size,
            gint64     *mtime)
{
  GStatBuf st;

  *size = *mtime = -1;
  if (g_stat (path, &st) != 0)
    return;
  *size = st.st_size;
  *mtime = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
}

/* Whether the file differs from the one shown: a matrix read in place
 * knows exactly; for a copied one, the size and time tell.  Late events
 * of a save the window has since reloaded find nothing changed. */
static gboolean
file_changed (EmbWindow *self)
{
  gint64 size, mtime;

  if (!emb_dataset_check_unchanged (self->scene->dataset, NULL))
    return TRUE;
  file_stamp (self->scene->dataset->path, &size, &mtime);
  return size != self->watched_size || mtime != self->watched_mtime;
}

/* callbacks */

static void
monitor_changed_cb (GFileMonitor      *monitor,
                    GFile             *file,
                    GFile             *other,
                    GFileMonitorEvent  event,
                    EmbWindow         *self)
{
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    case G_FILE_MONITOR_EVENT_RENAMED:
      _emb_window_check_file (self);
      break;
    default:
      break;
    }
}

static void
reload_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  EmbWindow *self = EMB_WINDOW (widget);

  /* The bar stays until the new file is shown (it may fail to open). */
  if (self->scene == NULL)
    return;
  emb_window_open (self, self->scene->dataset->path);
}

/* the window's */

void
_emb_window_watch_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, changed_bar);
  gtk_widget_class_bind_template_child (widget_class, EmbWindow, changed_label);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_cb);
}

/* Watches path (the file now shown) instead of the one before; nothing for
 * the bundled sample.  The bar of the old file goes. */
void
_emb_window_watch (EmbWindow  *self,
                   const char *path)
{
  g_autoptr(GFile) file = NULL;

  gtk_info_bar_set_revealed (self->changed_bar, FALSE);
  _emb_window_unwatch (self);
  /* -1 for the sample and resources, which no one changes. */
  file_stamp (path, &self->watched_size, &self->watched_mtime);
  if (g_str_equal (path, EMB_SAMPLE_NAME) || g_str_has_prefix (path, "resource://"))
    return;
  file = g_file_new_for_path (path);
  self->monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_HARD_LINKS, NULL, NULL);
  if (self->monitor != NULL)
    g_signal_connect (self->monitor, "changed", G_CALLBACK (monitor_changed_cb), self);
}

/* Stops watching (the window closes, or shows another file). */
void
_emb_window_unwatch (EmbWindow *self)
{
  if (self->monitor == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_file_monitor_cancel (self->monitor);
  g_clear_object (&self->monitor);
}

/* When the file differs from the one shown, the bar: the file changed,
 * what is shown is what was read, reload. */
void
_emb_window_check_file (EmbWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  if (self->scene == NULL || self->disposed || !file_changed (self))
    return;
  name = g_filename_display_basename (self->scene->dataset->path);
  text = g_strdup_printf (_("“%s” changed on disk. The plot shows it as it was read; "
                            "reload it to see the new contents."), name);
  gtk_label_set_text (self->changed_label, text);
  gtk_info_bar_set_revealed (self->changed_bar, TRUE);
}
