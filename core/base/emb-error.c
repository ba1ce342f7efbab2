/* emb-error.c: the error domain and the helpers that word messages
 * naming the file and the line or byte offset. */
#include "base/emb-error.h"

G_DEFINE_QUARK (emb-error-quark, emb_error)

/* Sets "PREFIX: message"; takes prefix. */
static void
set_error_va (GError      **error,
              EmbErrorCode  code,
              char         *prefix,
              const char   *format,
              va_list       args)
{
  g_autofree char *msg = g_strdup_vprintf (format, args);

  g_set_error (error, EMB_ERROR, code, "%s: %s", prefix, msg);
  g_free (prefix);
}

void
emb_set_error_line (GError     **error,
                    EmbErrorCode code,
                    const char  *file,
                    gsize        line,
                    const char  *format,
                    ...)
{
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  set_error_va (error, code, g_strdup_printf ("%s:%" G_GSIZE_FORMAT, file, line), format, args);
  va_end (args);
}

void
emb_set_error_offset (GError     **error,
                      EmbErrorCode code,
                      const char  *file,
                      guint64      offset,
                      const char  *format,
                      ...)
{
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  set_error_va (error, code, g_strdup_printf ("%s: byte %" G_GUINT64_FORMAT, file, offset),
                format, args);
  va_end (args);
}

void
emb_set_error_file (GError     **error,
                    EmbErrorCode code,
                    const char  *file,
                    const char  *format,
                    ...)
{
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  set_error_va (error, code, g_strdup (file), format, args);
  va_end (args);
}
