/* emb-reader-projector-tsv.c: the TensorBoard Embedding Projector's TSV
 * files.
 *
 * vectors.tsv     one row per line, tab-separated numbers, optionally after
 *                 a label column;
 * metadata.tsv    one row of labels per matrix row, with a header row iff
 *                 the first line has a tab (TensorBoard's own rule).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "io/emb-reader.h"
#include "io/emb-reader-vocab.h"
#include "io/emb-parse.h"
#include "io/emb-text-encoding.h"
#include "base/emb-alloc.h"
#include "base/emb-error.h"

/* Bytes of text parsed between two polls (4 MB). */
#define POLL_BYTES (4u << 20)

/* auxiliary functions: lines */

typedef struct
{
  const char *p;
  const char *end;
  gsize       line_no;   /* of the line last returned, from 1 */
} LineIter;

/* Starts at the first line of data, after any byte order mark (body
 * from emb_text_check_start). */
static void
line_iter_init (LineIter     *it,
                const guint8 *data,
                gsize         size,
                gsize         body)
{
  it->p = (const char *) data;
  /* An empty file's data may be NULL, where even NULL + 0 is undefined. */
  it->end = size > 0 ? it->p + size : it->p;
  it->line_no = 0;
  if (body > 0)
    it->p += body;
}

/* The next line without its LF or CRLF; FALSE at the end of the data. */
static gboolean
line_iter_next (LineIter    *it,
                const char **line,
                const char **line_end)
{
  const char *nl, *stop;

  if (it->p >= it->end)
    return FALSE;
  nl = memchr (it->p, '\n', it->end - it->p);
  stop = nl != NULL ? nl : it->end;
  *line = it->p;
  *line_end = stop > it->p && stop[-1] == '\r' ? stop - 1 : stop;
  it->p = nl != NULL ? nl + 1 : it->end;
  it->line_no++;
  return TRUE;
}

/* TensorBoard trims lines and skips the empty ones. */
static gboolean
is_blank (const char *p,
          const char *end)
{
  for (; p < end; p++)
    if (*p != ' ' && *p != '\t' && *p != '\r')
      return FALSE;
  return TRUE;
}

/* Tab-separated fields on a line: tabs + 1, empty fields included. */
static gsize
count_fields (const char *p,
              const char *end)
{
  gsize n = 1;

  for (; p < end; p++)
    n += *p == '\t';
  return n;
}

/* A field quoted for a message: valid UTF-8, cut when long. */
static char *
quote_field (const char *p,
             const char *end)
{
  gsize len = MIN ((gsize) (end - p), 40);
  g_autofree char *valid = g_utf8_make_valid (p, len);

  return g_strdup_printf ("'%s%s'", valid, (gsize) (end - p) > len ? "..." : "");
}

/* Does the whole field [p, end) read as one number? */
static gboolean
field_is_number (const char *p,
                 const char *end)
{
  float v;

  while (p < end && *p == ' ')
    p++;
  if (!emb_parse_float (&p, end, &v))
    return FALSE;
  while (p < end && *p == ' ')
    p++;
  return p == end;
}

/* A metadata value: the field's bytes, made valid UTF-8 for display. */
static char *
field_text (const char *p,
            const char *end)
{
  if (g_utf8_validate_len (p, end - p, NULL) && memchr (p, '\0', end - p) == NULL)
    return g_strndup (p, end - p);
  return g_utf8_make_valid (p, end - p);
}

/* The error for a line that does not parse: a wrong number of values
 * when the count differs from the first line's, else the field at bad. */
static void
set_row_error (const EmbSource *src,
               gsize        line_no,
               const char  *line,
               const char  *line_end,
               const char  *bad,
               gsize        column,
               gboolean     has_label,
               gsize        n_cols,
               gsize        first_line,
               GError     **error)
{
  gsize n_values = count_fields (line, line_end) - (has_label ? 1 : 0);

  if (n_values != n_cols)
    emb_set_error_line (error, EMB_ERROR_SHAPE, src->name, line_no,
                        "%" G_GSIZE_FORMAT " value%s, expected %" G_GSIZE_FORMAT
                        " (as on line %" G_GSIZE_FORMAT ")",
                        n_values, n_values == 1 ? "" : "s", n_cols, first_line);
  else
    {
      const char *tab = memchr (bad, '\t', line_end - bad);
      g_autofree char *field = quote_field (bad, tab != NULL ? tab : line_end);

      emb_set_error_line (error, EMB_ERROR_PARSE, src->name, line_no,
                          "column %" G_GSIZE_FORMAT ": %s is not a number", column, field);
    }
}

/* The first pass over a vectors.tsv: its non-blank rows, and of the
 * first one its line, fields and whether it starts with a label. */
static gsize
count_rows (const EmbSource *src,
            gsize            body,
            gsize           *n_fields,
            gsize           *first_line,
            gboolean        *has_label)
{
  const char *line, *le;
  gsize n_rows = 0;
  LineIter it;

  line_iter_init (&it, src->data, src->size, body);
  while (line_iter_next (&it, &line, &le))
    {
      if (is_blank (line, le))
        continue;
      if (n_rows == 0)
        {
          const char *tab = memchr (line, '\t', le - line);

          *first_line = it.line_no;
          *n_fields = count_fields (line, le);
          *has_label = !field_is_number (line, tab != NULL ? tab : le);
        }
      n_rows++;
    }
  return n_rows;
}

typedef enum { VALUES_OK, VALUES_BAD, VALUES_NON_FINITE } ValuesStatus;

/* Parses the n_cols tab-separated values of one line from *q into dst.
 * VALUES_BAD leaves *q at the bad field and *column on it;
 * VALUES_NON_FINITE has set the error. */
static ValuesStatus
parse_values (const EmbSource      *src,
              const EmbReadOptions *options,
              gsize                 line_no,
              const char          **qp,
              const char           *le,
              float                *dst,
              gsize                 n_cols,
              gsize                *column,
              GError              **error)
{
  const char *q = *qp;

  for (gsize j = 0; j < n_cols; j++, (*column)++)
    {
      const char *start;
      float v;

      while (q < le && *q == ' ')
        q++;
      start = q;
      if (!emb_parse_float (&q, le, &v))
        {
          *qp = start;
          return VALUES_BAD;
        }
      while (q < le && *q == ' ')
        q++;
      if (q < le && *q != '\t')
        {
          *qp = start;
          return VALUES_BAD;
        }
      if (!isfinite (v) && !options->keep_nonfinite)
        {
          emb_set_error_line (error, EMB_ERROR_NON_FINITE, src->name, line_no,
                              "column %" G_GSIZE_FORMAT " is %s",
                              *column, isnan (v) ? "nan" : v > 0 ? "inf" : "-inf");
          return VALUES_NON_FINITE;
        }
      dst[j] = v;
      if (j + 1 < n_cols)
        {
          if (q >= le)
            {
              *qp = q;
              return VALUES_BAD;
            }
          q++;
        }
    }
  *qp = q;
  return VALUES_OK;
}

/* public API */

/* Reads a projector vectors.tsv.  Two passes over the mapped text: one to
 * count rows and fields, so the matrix is allocated once at its size, and
 * one to parse. */
EmbReadResult *
emb_read_projector_tsv (const EmbSource      *src,
                        const EmbReadOptions *options,
                        GError              **error)
{
  g_autoptr(EmbMatrix) matrix = NULL;
  g_autoptr(EmbVocab) vocab = NULL;
  LineIter it;
  const char *line, *le, *next_poll;
  gsize n_rows = 0, n_fields = 0, n_cols, first_line = 0, row = 0, body;
  gboolean has_label = FALSE;
  EmbReadResult *result;

  if (!emb_text_check_start (src->name, src->data, src->size, &body, error))
    return NULL;
  n_rows = count_rows (src, body, &n_fields, &first_line, &has_label);
  if (n_rows == 0)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, src->name, "no vectors: the file is blank");
      return NULL;
    }
  n_cols = n_fields - (has_label ? 1 : 0);
  if (n_cols == 0)
    {
      emb_set_error_line (error, EMB_ERROR_PARSE, src->name, first_line,
                          "a label but no values");
      return NULL;
    }

  matrix = emb_matrix_new (n_rows, n_cols, error);
  if (matrix == NULL)
    {
      emb_prefix_error_file (error, src->name);
      return NULL;
    }
  if (has_label)
    {
      g_autofree char *what = g_strdup_printf ("%s: the labels of %" G_GSIZE_FORMAT " rows",
                                               src->name, n_rows);

      vocab = emb_vocab_new ();
      if (!emb_vocab_reserve (vocab, n_rows, n_rows * 8, what, error))
        return NULL;
    }

  line_iter_init (&it, src->data, src->size, body);
  next_poll = it.p + POLL_BYTES;
  while (line_iter_next (&it, &line, &le))
    {
      float *dst;
      const char *q = line;
      gsize column = 1;

      if (is_blank (line, le))
        continue;
      if (line >= next_poll)
        {
          if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
            return NULL;
          emb_source_progress (src, (double) (line - (const char *) src->data) / src->size);
          next_poll = line + POLL_BYTES;
        }

      if (has_label)
        {
          const char *tab = memchr (q, '\t', le - q);

          if (tab == NULL)
            {
              set_row_error (src, it.line_no, line, le, le, column, has_label, n_cols,
                             first_line, error);
              return NULL;
            }
          emb_vocab_add (vocab, q, tab - q);
          q = tab + 1;
          column++;
        }

      dst = matrix->data + row * n_cols;
      switch (parse_values (src, options, it.line_no, &q, le, dst, n_cols, &column, error))
        {
        case VALUES_OK:
          break;
        case VALUES_BAD:
          goto bad_row;
        case VALUES_NON_FINITE:
          return NULL;
        }
      if (q < le)
        goto bad_row;
      row++;
      continue;

    bad_row:
      set_row_error (src, it.line_no, line, le, q, column, has_label, n_cols, first_line, error);
      return NULL;
    }

  result = emb_read_result_new (g_steal_pointer (&matrix), "text");
  result->vocab = g_steal_pointer (&vocab);
  return result;
}

/* Whether the metadata's columns fit in memory: n_rows x n_columns
 * values, each a pointer and a copy of its text (at least a 32-byte
 * block), plus the text of the size-byte file. */
static gboolean
check_columns_memory (const char  *name,
                      gsize        size,
                      gsize        n_rows,
                      gsize        n_columns,
                      GError     **error)
{
  g_autofree char *what = g_strdup_printf ("%s: %" G_GSIZE_FORMAT " rows of %" G_GSIZE_FORMAT
                                           " metadata columns", name, n_rows, n_columns);
  gsize cells, need;

  if (!emb_size_mul (n_rows, n_columns, &cells) || !emb_size_mul (cells, 40, &need) ||
      !emb_size_add (need, size, &need))
    need = G_MAXSIZE;
  return emb_memory_check (need, what, error);
}

/* Reads a projector metadata TSV for a matrix of n_rows rows. */
EmbVocab *
emb_projector_read_metadata (const char   *name,
                             const guint8 *data,
                             gsize         size,
                             gsize         n_rows,
                             GError      **error)
{
  static const char * const token_names[] = { "word", "token", "label", "name" };
  g_autoptr(GPtrArray) column_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) columns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(EmbVocab) vocab = NULL;
  g_autofree char *what = NULL;
  LineIter it;
  const char *line, *le;
  gboolean has_header = FALSE, seen_first = FALSE, found = FALSE;
  gsize n_data = 0, header_line = 0, body;
  guint token_index = 0;

  if (!emb_text_check_start (name, data, size, &body, error))
    return NULL;
  /* First pass: the header and the row count, checked before anything
   * is copied. */
  line_iter_init (&it, data, size, body);
  while (line_iter_next (&it, &line, &le))
    {
      if (is_blank (line, le))
        continue;
      if (!seen_first)
        {
          seen_first = TRUE;
          has_header = memchr (line, '\t', le - line) != NULL;
          if (has_header)
            {
              header_line = it.line_no;
              for (const char *q = line; q <= le; )
                {
                  const char *tab = memchr (q, '\t', le - q);
                  const char *stop = tab != NULL ? tab : le;

                  g_ptr_array_add (column_names, field_text (q, stop));
                  q = stop + 1;
                }
              continue;
            }
        }
      n_data++;
    }
  if (n_data != n_rows)
    {
      emb_set_error_file (error, EMB_ERROR_SHAPE, name,
                          "%" G_GSIZE_FORMAT " rows of metadata%s, but the matrix has %"
                          G_GSIZE_FORMAT " rows%s",
                          n_data, has_header ? " below the header" : "", n_rows,
                          !has_header && n_data == n_rows + 1
                          ? " (a file with one column has no header row)" : "");
      return NULL;
    }
  if (!has_header)
    g_ptr_array_add (column_names, g_strdup ("label"));
  if (!check_columns_memory (name, size, n_rows, column_names->len, error))
    return NULL;
  for (guint c = 0; c < column_names->len; c++)
    g_ptr_array_add (columns, g_ptr_array_new_full (n_rows, g_free));

  /* The tokens: the first column with a conventional name, else the first. */
  for (guint c = 0; c < column_names->len && !found; c++)
    for (guint k = 0; k < G_N_ELEMENTS (token_names) && !found; k++)
      if (g_ascii_strcasecmp (g_ptr_array_index (column_names, c), token_names[k]) == 0)
        {
          token_index = c;
          found = TRUE;
        }

  what = g_strdup_printf ("%s: the labels of %" G_GSIZE_FORMAT " rows", name, n_rows);
  vocab = emb_vocab_new ();
  if (!emb_vocab_reserve (vocab, n_rows, n_rows * 8, what, error))
    return NULL;

  /* Second pass: the values.  Tokens keep their raw bytes, for lookup;
   * column values are display text. */
  line_iter_init (&it, data, size, body);
  while (line_iter_next (&it, &line, &le))
    {
      const char *q = line;

      if (it.line_no == header_line || is_blank (line, le))
        continue;
      if (!has_header)
        {
          emb_vocab_add (vocab, line, le - line);
          g_ptr_array_add (g_ptr_array_index (columns, 0), field_text (line, le));
          continue;
        }
      if (count_fields (line, le) != columns->len)
        {
          emb_set_error_line (error, EMB_ERROR_PARSE, name, it.line_no,
                              "%" G_GSIZE_FORMAT " fields, expected %u as in the header",
                              count_fields (line, le), columns->len);
          return NULL;
        }
      for (guint c = 0; c < columns->len; c++)
        {
          const char *tab = memchr (q, '\t', le - q);
          const char *stop = tab != NULL ? tab : le;

          if (c == token_index)
            emb_vocab_add (vocab, q, stop - q);
          g_ptr_array_add (g_ptr_array_index (columns, c), field_text (q, stop));
          q = stop + 1;
        }
    }

  for (guint c = 0; c < columns->len; c++)
    emb_vocab_add_column (vocab, g_ptr_array_index (column_names, c),
                          g_ptr_array_ref (g_ptr_array_index (columns, c)));
  return g_steal_pointer (&vocab);
}
