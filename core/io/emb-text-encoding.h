/* emb-text-encoding.h: what the start of a text file says about its
 * encoding and line ends, checked by every text reader before it parses. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How many bytes of a file the checks look at. */
#define EMB_TEXT_PROBE_BYTES 65536

/* Checks the start of the text file data (size bytes, called name in
 * messages) and sets *body to where its text starts: past a UTF-8 byte
 * order mark, else 0.  FALSE with EMB_ERROR_FORMAT naming the file when
 * it is UTF-16 (a byte order mark, or NUL in every other byte of ASCII
 * text) or ends its lines with CR alone (classic Mac OS), which the
 * readers, splitting lines at LF, would misread. */
gboolean emb_text_check_start (const char    *name,
                               const guint8  *data,
                               gsize          size,
                               gsize         *body,
                               GError       **error);

G_END_DECLS
