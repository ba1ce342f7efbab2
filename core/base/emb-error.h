/* emb-error.h: the one GError domain of EmbedLens.
 *
 * Messages name the place: "FILE:LINE: cause" for text formats and
 * "FILE: byte OFFSET: cause" for binary ones, so a person can find it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EMB_ERROR (emb_error_quark ())

typedef enum
{
  EMB_ERROR_IO,            /* cannot open, read or write */
  EMB_ERROR_FORMAT,        /* not a known format, or not the one asked for */
  EMB_ERROR_PARSE,         /* a malformed number, field or header */
  EMB_ERROR_TRUNCATED,     /* the file ends before what it declares */
  EMB_ERROR_NON_FINITE,    /* a nan or inf value */
  EMB_ERROR_UNSUPPORTED,   /* a valid file holding something we do not read */
  EMB_ERROR_TOO_LARGE,     /* a declared size that cannot be right or cannot fit */
  EMB_ERROR_SHAPE,         /* sizes that disagree with each other */
  EMB_ERROR_NOT_FOUND,     /* a token or row that is not there */
  EMB_ERROR_INVALID,       /* a bad argument from the caller */
  EMB_ERROR_CHANGED,       /* the file changed on disk while it was mapped */
} EmbErrorCode;

GQuark emb_error_quark (void);

/* "FILE:LINE: message" (LINE counts from 1). */
void emb_set_error_line (GError     **error,
                         EmbErrorCode code,
                         const char  *file,
                         gsize        line,
                         const char  *format,
                         ...) G_GNUC_PRINTF (5, 6);

/* "FILE: byte OFFSET: message". */
void emb_set_error_offset (GError     **error,
                           EmbErrorCode code,
                           const char  *file,
                           guint64      offset,
                           const char  *format,
                           ...) G_GNUC_PRINTF (5, 6);

/* "FILE: message". */
void emb_set_error_file (GError     **error,
                         EmbErrorCode code,
                         const char  *file,
                         const char  *format,
                         ...) G_GNUC_PRINTF (4, 5);

/* A file name or token for a message or a terminal: valid UTF-8 is kept,
 * and each byte that is not part of a valid UTF-8 character, or that is a
 * control character (C0, DEL, and the C1 range as its two bytes), is
 * written \xNN.  So the message is text on one line and still tells the
 * bytes apart ("x\xff.txt").  len < 0: NUL-terminated; a NUL inside len
 * is written \x00.  Free with g_free(). */
char *emb_quote_name (const char *name,
                      gssize      len);

/* The character at p (p < end): its code point in *c and its length in
 * bytes; for a byte that starts no valid UTF-8 character, *c is
 * EMB_UTF8_BAD and the length 1.  A NUL is the character 0. */
#define EMB_UTF8_BAD ((gunichar) -1)
gsize emb_utf8_next  (const char *p,
                      const char *end,
                      gunichar   *c);

/* Prefixes an error set elsewhere with "FILE: " (FILE quoted as above). */
void emb_prefix_error_file (GError    **error,
                            const char *file);

/* Overflow-checked a * b; FALSE when it does not fit in a gsize. */
static inline gboolean
emb_size_mul (gsize a, gsize b, gsize *out)
{
  return !__builtin_mul_overflow (a, b, out);
}

static inline gboolean
emb_size_add (gsize a, gsize b, gsize *out)
{
  return !__builtin_add_overflow (a, b, out);
}

G_END_DECLS
