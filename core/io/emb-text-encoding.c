/* emb-text-encoding.c: the encoding and line-end checks at the start of a
 * text file.
 *
 * The text readers take UTF-8 (or any ASCII-compatible bytes) with LF or
 * CRLF line ends.  Two kinds of file break that silently: UTF-16, where
 * every ASCII character comes with a NUL byte (Windows' "Unicode" save),
 * and CR-only line ends (classic Mac OS), where the whole file is one
 * line.  Both are recognised from the first bytes and refused with a
 * message saying what the file is, rather than a confusing complaint
 * about its first number.  CR-only files are refused rather than read:
 * the row parsers are memchr ('\n') loops over the mapped file, and
 * reading CR as a line end would mean a converted copy of the whole file
 * for a format no current tool writes.
 */
#include "config.h"

#include <string.h>

#include "io/emb-text-encoding.h"
#include "base/emb-error.h"

/* auxiliary functions */

/* 1 for UTF-16LE, 2 for UTF-16BE, 0 when the pairs of bytes at the start
 * do not look like UTF-16 text without a byte order mark: ASCII in
 * UTF-16 has a NUL as the high byte of nearly every unit and never as the
 * low one. */
static int
utf16_by_nuls (const guint8 *data,
               gsize         size)
{
  gsize pairs = MIN (size, 512) / 2;
  gsize nul_even = 0, nul_odd = 0;

  if (pairs < 2)
    return 0;
  for (gsize i = 0; i < pairs; i++)
    {
      nul_even += data[2 * i] == 0;
      nul_odd += data[2 * i + 1] == 0;
    }
  if (nul_even == 0 && nul_odd * 4 >= pairs * 3)
    return 1;
  if (nul_odd == 0 && nul_even * 4 >= pairs * 3)
    return 2;
  return 0;
}

/* Whether the lines of the first probe end in CR alone: a CR followed by
 * something other than LF, and no LF anywhere in the probe. */
static gboolean
cr_only (const guint8 *data,
         gsize         size)
{
  gsize n = MIN (size, EMB_TEXT_PROBE_BYTES);
  const guint8 *cr;

  if (memchr (data, '\n', n) != NULL)
    return FALSE;
  cr = memchr (data, '\r', n);
  return cr != NULL && (gsize) (cr - data) + 1 < size && cr[1] != '\n';
}

/* public API */

gboolean
emb_text_check_start (const char    *name,
                      const guint8  *data,
                      gsize          size,
                      gsize         *body,
                      GError       **error)
{
  int utf16 = 0;

  *body = 0;
  /* An empty file's data may be NULL. */
  if (size == 0)
    return TRUE;
  if (size >= 2 && data[0] == 0xff && data[1] == 0xfe)
    utf16 = 1;
  else if (size >= 2 && data[0] == 0xfe && data[1] == 0xff)
    utf16 = 2;
  else
    utf16 = utf16_by_nuls (data, size);
  if (utf16 != 0)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, name,
                          "the file is UTF-16 (%s); save it as UTF-8",
                          utf16 == 1 ? "little-endian" : "big-endian");
      return FALSE;
    }

  if (size >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    *body = 3;
  if (cr_only (data + *body, size - *body))
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, name,
                          "the lines end in CR alone (classic Mac OS line ends); "
                          "save it with LF or CRLF line ends");
      return FALSE;
    }
  return TRUE;
}
