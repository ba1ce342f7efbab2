/* emb-error.c: the error domain and the helpers that word messages
 * naming the file and the line or byte offset. */
#include "base/emb-error.h"

G_DEFINE_QUARK (emb-error-quark, emb_error)

void
emb_set_error_line (GError     **error,
                    EmbErrorCode code,
                    const char  *file,
                    gsize        line,
                    const char  *format,
                    ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EMB_ERROR, code, "%s:%" G_GSIZE_FORMAT ": %s", file, line, msg);
}

void
emb_set_error_offset (GError     **error,
                      EmbErrorCode code,
                      const char  *file,
                      guint64      offset,
                      const char  *format,
                      ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EMB_ERROR, code, "%s: byte %" G_GUINT64_FORMAT ": %s", file, offset, msg);
}

void
emb_set_error_file (GError     **error,
                    EmbErrorCode code,
                    const char  *file,
                    const char  *format,
                    ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EMB_ERROR, code, "%s: %s", file, msg);
}
