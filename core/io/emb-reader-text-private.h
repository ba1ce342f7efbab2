/* emb-reader-text-private.h: what the text readers' two files share: the
 * character classes and field scanning (inline: they are the parser's
 * inner loop) and the parallel row parser (emb-reader-text-rows.c) that
 * the GloVe and word2vec front ends (emb-reader-text.c) hand the body to.
 */
#pragma once

#include <string.h>

#include "io/emb-reader.h"

G_BEGIN_DECLS

/* header_rows when there is no header. */
#define NO_HEADER G_MAXSIZE

enum
{
  CHAR_TOKEN = 0,
  CHAR_BLANK,
  CHAR_NEWLINE,
};

/* CR counts as a blank so CRLF files need no special case. */
static const guint8 char_class[256] = {
  [' '] = CHAR_BLANK,
  ['\t'] = CHAR_BLANK,
  ['\r'] = CHAR_BLANK,
  ['\n'] = CHAR_NEWLINE,
};

/* Spaces, tabs and CRs separate fields. */
static inline gboolean
is_blank (char c)
{
  return char_class[(guchar) c] == CHAR_BLANK;
}

/* A blank or a newline: what ends a token or a number. */
static inline gboolean
is_delim (char c)
{
  return char_class[(guchar) c] != CHAR_TOKEN;
}

/* An ASCII digit, whatever the locale. */
static inline gboolean
is_digit (char c)
{
  return (guchar) (c - '0') < 10;
}

/* The first byte at or after p that is not a blank. */
static inline const char *
skip_blanks (const char *p,
             const char *end)
{
  while (p < end && is_blank (*p))
    p++;
  return p;
}

/* Where the field starting at p ends. */
static inline const char *
field_end (const char *p,
           const char *end)
{
  while (p < end && !is_delim (*p))
    p++;
  return p;
}

/* The newline ending the line that p is in, or end. */
static inline const char *
line_end (const char *p,
          const char *end)
{
  const char *nl = memchr (p, '\n', end - p);

  return nl != NULL ? nl : end;
}

/* The number of blank-separated fields in [p, end), which holds no newline. */
gsize          _emb_text_count_fields (const char *p,
                                       const char *end);

/* Reads the rows of n_cols values from body_offset (file line first_line)
 * to the end.  header_rows is what a header declared, or NO_HEADER. */
EmbReadResult *_emb_text_read_rows    (const EmbSource      *src,
                                       const EmbReadOptions *options,
                                       gsize                 body_offset,
                                       gsize                 first_line,
                                       gsize                 n_cols,
                                       gsize                 header_rows,
                                       GError              **error);

G_END_DECLS
