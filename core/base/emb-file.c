/* emb-file.c: the atomic writer.
 *
 * g_file_set_contents_full () with G_FILE_SET_CONTENTS_CONSISTENT writes a
 * temporary file beside the target, syncs it and renames it over; the
 * folder is checked first so the error says what is wrong with it rather
 * than naming the temporary file.  (g_file_replace () would write in place
 * and leave a half-written file behind on failure.)
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "base/emb-error.h"
#include "base/emb-file.h"

gboolean
emb_file_write_atomically (const char  *path,
                           const void  *data,
                           gsize        len,
                           GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *dir_name = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dir = g_path_get_dirname (path);
  dir_name = emb_quote_name (dir, -1);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      emb_set_error_file (error, EMB_ERROR_IO, path, "cannot write: folder “%s” does not exist", dir_name);
      return FALSE;
    }
  if (g_access (dir, W_OK) != 0)
    {
      int saved = errno;

      emb_set_error_file (error, EMB_ERROR_IO, path, "cannot write into folder “%s”: %s",
                          dir_name, g_strerror (saved));
      return FALSE;
    }
  if (!g_file_set_contents_full (path, data ? data : "", len, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0666, &local))
    {
      emb_set_error_file (error, EMB_ERROR_IO, path, "cannot write: %s", local->message);
      return FALSE;
    }
  return TRUE;
}
