/* emb-reader-text.c: GloVe and word2vec/fastText text readers.
 *
 * A row is one line: a token, then the values, separated by spaces or tabs;
 * trailing blanks, CRLF and blank lines are allowed.  These front ends find
 * the width (GloVe: the first row; word2vec: the "N D" header, checked
 * against the file size) and hand the body to the row parser
 * (emb-reader-text-rows.c).
 */
#include "config.h"

#include <string.h>

#include "io/emb-reader-text-private.h"
#include "io/emb-parse.h"
#include "io/emb-text-encoding.h"
#include "base/emb-error.h"

/* How much of a bad field an error message quotes. */
/* auxiliary functions */

/* Whether all of [p, end) is one number. */
static gboolean
is_number (const char *p,
           const char *end)
{
  float v;

  return emb_parse_float (&p, end, &v) && p == end;
}

/* Parses a "ROWS COLUMNS" line at p: two unsigned integers, blanks around
 * them, then a newline or the end.  Returns where the next line starts, or
 * NULL when the line is not such a header; *overflow tells a number too big
 * for a gsize. */
static const char *
parse_header (const char *p,
              const char *end,
              gsize      *rows,
              gsize      *cols,
              gboolean   *overflow)
{
  gsize values[2] = { 0, 0 };

  *overflow = FALSE;
  for (guint i = 0; i < 2; i++)
    {
      const char *digits;

      p = skip_blanks (p, end);
      digits = p;
      while (p < end && is_digit (*p))
        {
          guint digit = *p - '0';

          if (values[i] > (G_MAXSIZE - digit) / 10)
            *overflow = TRUE;
          else
            values[i] = values[i] * 10 + digit;
          p++;
        }
      if (p == digits || (p < end && !is_delim (*p)))
        return NULL;
    }
  p = skip_blanks (p, end);
  if (p < end && *p != '\n')
    return NULL;

  *rows = values[0];
  *cols = values[1];
  return p < end ? p + 1 : p;
}

/* The number of values per row of a GloVe file, from its first row at ls:
 * the fields after the token, or when the field after the first one is not
 * a number (a token with spaces), the numbers at the end of the line. */
static gsize
glove_columns (const char *ls,
               const char *le)
{
  const char *tok_end = field_end (ls, le);
  const char *first = skip_blanks (tok_end, le);
  g_autoptr(GArray) starts = NULL;
  gsize n_values = _emb_text_count_fields (tok_end, le);
  gsize n_numbers = 0;

  if (n_values == 0 || is_number (first, field_end (first, le)))
    return n_values;

  starts = g_array_new (FALSE, FALSE, sizeof (const char *));
  for (const char *p = skip_blanks (tok_end, le); p < le; p = skip_blanks (field_end (p, le), le))
    g_array_append_val (starts, p);
  for (guint i = starts->len; i > 0; i--)
    {
      const char *s = g_array_index (starts, const char *, i - 1);

      if (!is_number (s, field_end (s, le)))
        break;
      n_numbers++;
    }

  /* No numbers at all: let the row parser report the bad first value. */
  return n_numbers > 0 ? n_numbers : n_values;
}

/* public API */

/* Whether the first line of a text file is a word2vec "N D" header: exactly
 * two positive integers. */
gboolean
emb_text_has_header (const guint8 *data,
                     gsize         size)
{
  gsize body, rows = 0, cols = 0;
  gboolean overflow;
  const char *p;

  if (!emb_text_check_start (NULL, data, size, &body, NULL))
    return FALSE;
  p = (const char *) data + body;
  if (parse_header (p, (const char *) data + size, &rows, &cols, &overflow) == NULL)
    return FALSE;
  /* Numbers too big for a gsize are still a header, one to refuse. */
  return overflow || (rows > 0 && cols > 0);
}

/* Reads a GloVe text file: "token v1 .. vd" lines, no header, d set by the
 * first row. */
EmbReadResult *
emb_read_glove (const EmbSource      *src,
                const EmbReadOptions *options,
                GError              **error)
{
  const char *data = (const char *) src->data;
  const char *end = data + src->size;
  const char *ls;
  gsize body, line = 1;
  gsize n_cols;

  if (!emb_text_check_start (src->name, src->data, src->size, &body, error))
    return NULL;
  ls = data + body;

  /* The first row sets the width. */
  for (;;)
    {
      const char *p = skip_blanks (ls, end);

      if (p == end)
        {
          emb_set_error_file (error, EMB_ERROR_FORMAT, src->name, "no vectors found");
          return NULL;
        }
      if (*p != '\n')
        break;
      ls = p + 1;
      line++;
    }

  n_cols = glove_columns (ls, line_end (ls, end));
  if (n_cols == 0)
    {
      const char *tok_end = field_end (ls, end);
      g_autofree char *text = emb_parse_preview (ls, tok_end - ls);

      emb_set_error_line (error, EMB_ERROR_FORMAT, src->name, line,
                          "'%s' has no values after it: not a GloVe file", text);
      return NULL;
    }

  return _emb_text_read_rows (src, options, body, 1, n_cols, NO_HEADER, error);
}

/* Reads a word2vec / fastText text file: a "N D" header line, then N rows
 * "token v1 .. vD".  The header is checked against the file size before
 * anything is allocated, and against the rows found. */
EmbReadResult *
emb_read_word2vec_text (const EmbSource      *src,
                        const EmbReadOptions *options,
                        GError              **error)
{
  const char *data = (const char *) src->data;
  const char *end = data + src->size;
  const char *after;
  gsize body, rows = 0, cols = 0, per_row, need, have;
  gboolean overflow;

  if (!emb_text_check_start (src->name, src->data, src->size, &body, error))
    return NULL;
  after = parse_header (data + body, end, &rows, &cols, &overflow);
  if (after == NULL)
    {
      emb_set_error_line (error, EMB_ERROR_PARSE, src->name, 1,
                          "expected a header line 'ROWS COLUMNS'");
      return NULL;
    }
  if (overflow)
    {
      emb_set_error_line (error, EMB_ERROR_TOO_LARGE, src->name, 1,
                          "the header's sizes are too large");
      return NULL;
    }
  if (cols == 0)
    {
      emb_set_error_line (error, EMB_ERROR_PARSE, src->name, 1,
                          "header says rows have 0 values");
      return NULL;
    }
  if (rows > 0 && emb_matrix_bytes_for (rows, cols) == 0)
    {
      emb_set_error_line (error, EMB_ERROR_TOO_LARGE, src->name, 1,
                          "header says %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                          ", which does not fit in memory", rows, cols);
      return NULL;
    }

  /* The shortest row: an empty token and one-digit values, each after one
   * blank (2 * cols bytes), then a newline but after the last row. */
  have = end - after;
  if (!emb_size_mul (cols, 2, &per_row) || !emb_size_add (per_row, 1, &per_row) ||
      !emb_size_mul (rows, per_row, &need))
    {
      emb_set_error_line (error, EMB_ERROR_TOO_LARGE, src->name, 1,
                          "header says %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                          ", far more than any file holds", rows, cols);
      return NULL;
    }
  if (rows > 0 && need - 1 > have)
    {
      emb_set_error_line (error, EMB_ERROR_TRUNCATED, src->name, 1,
                          "header says %" G_GSIZE_FORMAT " rows of %" G_GSIZE_FORMAT
                          " values, which need at least %" G_GSIZE_FORMAT
                          " bytes, but the file has %" G_GSIZE_FORMAT " after the header",
                          rows, cols, need - 1, have);
      return NULL;
    }

  return _emb_text_read_rows (src, options, after - data, 2, cols, rows, error);
}
