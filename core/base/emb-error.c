/* emb-error.c: the error domain, the helpers that word messages naming
 * the file and the line or byte offset, and the quoting of the names they
 * hold. */
#include <string.h>

#include "base/emb-error.h"

G_DEFINE_QUARK (emb-error-quark, emb_error)

/* auxiliary functions */

static void
append_escaped (GString     *out,
                const guchar *bytes,
                gsize         n)
{
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (out, "\\x%02x", bytes[i]);
}

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

/* public API */

void
emb_prefix_error_file (GError    **error,
                       const char *file)
{
  g_autofree char *quoted = NULL;

  if (error == NULL || *error == NULL)
    return;
  quoted = emb_quote_name (file, -1);
  g_prefix_error (error, "%s: ", quoted);
}

gsize
emb_utf8_next (const char *p,
               const char *end,
               gunichar   *c)
{
  /* g_utf8_get_char_validated () calls a NUL inside max_len incomplete. */
  if (*p == '\0')
    {
      *c = 0;
      return 1;
    }
  *c = g_utf8_get_char_validated (p, end - p);
  if (*c == (gunichar) -1 || *c == (gunichar) -2)
    {
      *c = EMB_UTF8_BAD;
      return 1;
    }
  return g_utf8_next_char (p) - p;
}

char *
emb_quote_name (const char *name,
                gssize      len)
{
  gsize n = len < 0 ? strlen (name) : (gsize) len;
  const char *p = name, *end = name + n;
  GString *out = g_string_sized_new (n + 8);

  while (p < end)
    {
      gunichar c;
      gsize size = emb_utf8_next (p, end, &c);

      /* Bytes that start no character and control characters escaped. */
      if (c == EMB_UTF8_BAD || c < 0x20 || (c >= 0x7f && c < 0xa0))
        append_escaped (out, (const guchar *) p, size);
      else
        g_string_append_len (out, p, size);
      p += size;
    }
  return g_string_free (out, FALSE);
}

void
emb_set_error_line (GError     **error,
                    EmbErrorCode code,
                    const char  *file,
                    gsize        line,
                    const char  *format,
                    ...)
{
  g_autofree char *quoted = NULL;
  va_list args;

  if (error == NULL)
    return;
  quoted = emb_quote_name (file, -1);
  va_start (args, format);
  set_error_va (error, code, g_strdup_printf ("%s:%" G_GSIZE_FORMAT, quoted, line), format, args);
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
  g_autofree char *quoted = NULL;
  va_list args;

  if (error == NULL)
    return;
  quoted = emb_quote_name (file, -1);
  va_start (args, format);
  set_error_va (error, code, g_strdup_printf ("%s: byte %" G_GUINT64_FORMAT, quoted, offset),
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
  g_autofree char *quoted = NULL;
  va_list args;

  if (error == NULL)
    return;
  quoted = emb_quote_name (file, -1);
  va_start (args, format);
  set_error_va (error, code, g_steal_pointer (&quoted), format, args);
  va_end (args);
}
