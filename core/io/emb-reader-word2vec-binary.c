/* emb-reader-word2vec-binary.c: the word2vec binary format.
 *
 * An ASCII header "N D\n", then N records: the token's bytes up to a space,
 * then D little-endian float32.  The original C tool writes a newline after
 * each vector and gensim writes none, so newlines before a token are
 * skipped.  Records are not aligned and tokens interleave the vectors, so
 * the values are copied into an owned matrix rather than mapped.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "io/emb-parse.h"
#include "io/emb-reader.h"
#include "io/emb-tensor-read.h"
#include "base/emb-error.h"
#include "base/emb-finite.h"

/* How often the reader looks for cancellation and reports progress. */
#define POLL_BYTES (4u << 20)
/* A header longer than this is not one. */
#define MAX_HEADER_BYTES 64

/* auxiliary functions */

/* Reads an unsigned decimal at *p; FALSE when there is none or it does not
 * fit in a gsize (*overflow set). */
static gboolean
parse_size (const guint8 **p,
            const guint8  *end,
            gsize         *value,
            gboolean      *overflow)
{
  const guint8 *q = *p;
  gsize v = 0;

  while (q < end && g_ascii_isdigit (*q))
    {
      guint digit = *q - '0';

      if (v > (G_MAXSIZE - digit) / 10)
        *overflow = TRUE;
      else
        v = v * 10 + digit;
      q++;
    }
  if (q == *p)
    return FALSE;
  *value = v;
  *p = q;
  return TRUE;
}

/* The first byte at or after p that is not a space, tab or CR. */
static const guint8 *
skip_blanks (const guint8 *p,
             const guint8 *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
    p++;
  return p;
}

/* Parses the "N D\n" header; returns where the first record starts. */
static const guint8 *
parse_header (const EmbSource *src,
              gsize           *rows,
              gsize           *cols,
              GError         **error)
{
  const guint8 *p = src->data;
  const guint8 *end = src->data + MIN (src->size, MAX_HEADER_BYTES);
  gboolean overflow = FALSE;

  p = skip_blanks (p, end);
  if (!parse_size (&p, end, rows, &overflow) || p == end || (*p != ' ' && *p != '\t'))
    goto bad;
  p = skip_blanks (p, end);
  if (!parse_size (&p, end, cols, &overflow))
    goto bad;
  p = skip_blanks (p, end);
  if (p == end || *p != '\n')
    goto bad;
  if (overflow)
    {
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, src->name, 0,
                            "the header's sizes are too large");
      return NULL;
    }
  return p + 1;

bad:
  emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, p - src->data,
                        "expected a header line 'ROWS COLUMNS'");
  return NULL;
}

/* Every record needs its vector and at least the space after its token;
 * checked before allocating, as the header may be anything.  have is
 * the bytes after the header. */
static gboolean
check_sizes (const EmbSource *src,
             gsize            rows,
             gsize            cols,
             gsize            have,
             gsize           *row_bytes_out,
             gsize           *vector_bytes_out,
             GError         **error)
{
  gsize row_bytes, vector_bytes, min_bytes;

  if (!emb_size_mul (cols, sizeof (float), &row_bytes) ||
      !emb_size_mul (rows, row_bytes, &vector_bytes) ||
      !emb_size_add (vector_bytes, rows, &min_bytes))
    {
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, src->name, 0,
                            "header says %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                            ", far more than any file holds", rows, cols);
      return FALSE;
    }
  if (min_bytes > have)
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, src->name, 0,
                            "header says %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                            ", which needs at least %" G_GSIZE_FORMAT
                            " bytes, but the file has %" G_GSIZE_FORMAT " after the header",
                            rows, cols, min_bytes, have);
      return FALSE;
    }
  *row_bytes_out = row_bytes;
  *vector_bytes_out = vector_bytes;
  return TRUE;
}

/* public API */

/* Reads a word2vec binary file into an owned float32 matrix and a vocab. */
EmbReadResult *
emb_read_word2vec_binary (const EmbSource      *src,
                          const EmbReadOptions *options,
                          GError              **error)
{
  const guint8 *data = src->data;
  const guint8 *end = data + src->size;
  const guint8 *p;
  const guint8 *poll_at;
  g_autoptr(EmbMatrix) matrix = NULL;
  g_autoptr(EmbVocab) vocab = NULL;
  g_autofree char *what = NULL;
  gsize rows = 0, cols = 0, row_bytes, vector_bytes, have;
  EmbReadResult *result;

  p = parse_header (src, &rows, &cols, error);
  if (p == NULL)
    return NULL;
  if (rows == 0 || cols == 0)
    {
      emb_set_error_offset (error, EMB_ERROR_FORMAT, src->name, 0,
                            "no vectors found: header says %" G_GSIZE_FORMAT
                            " x %" G_GSIZE_FORMAT, rows, cols);
      return NULL;
    }

  have = end - p;
  if (!check_sizes (src, rows, cols, have, &row_bytes, &vector_bytes, error))
    return NULL;

  matrix = emb_matrix_new (rows, cols, error);
  if (matrix == NULL)
    return NULL;
  vocab = emb_vocab_new ();
  what = g_strdup_printf ("%s: the vocabulary of %" G_GSIZE_FORMAT " tokens", src->name, rows);
  /* Whatever is not vectors is tokens and their separators. */
  if (!emb_vocab_reserve (vocab, rows, have - vector_bytes, what, error))
    return NULL;

  poll_at = p + POLL_BYTES;
  for (gsize i = 0; i < rows; i++)
    {
      float *row = matrix->data + i * cols;
      const guint8 *token, *space;
      gsize j;

      if (G_UNLIKELY (p >= poll_at))
        {
          if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
            return NULL;
          emb_source_progress (src, (double) i / (double) rows);
          /* Records are read once, in order: give their pages back. */
          emb_source_release (src, 0, p - data);
          poll_at = p + POLL_BYTES;
        }

      while (p < end && *p == '\n')
        p++;
      token = p;
      space = p < end ? memchr (p, ' ', end - p) : NULL;
      if (space == NULL)
        {
          emb_set_error_offset (error, EMB_ERROR_TRUNCATED, src->name, token - data,
                                "record %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT ": %s",
                                i + 1, rows,
                                p == end ? "the file ends here"
                                         : "the token has no space after it before the file ends");
          return NULL;
        }
      p = space + 1;

      if ((gsize) (end - p) < row_bytes)
        {
          g_autofree char *text = emb_parse_preview ((const char *) token, space - token);

          emb_set_error_offset (error, EMB_ERROR_TRUNCATED, src->name, p - data,
                                "record %" G_GSIZE_FORMAT " ('%s'): the vector needs %"
                                G_GSIZE_FORMAT " bytes, the file has %" G_GSIZE_FORMAT " left",
                                i + 1, text, row_bytes, (gsize) (end - p));
          return NULL;
        }

      /* Records are not aligned: a converting copy. */
      emb_stored_convert (EMB_STORED_F32, FALSE, p, row, cols);
      if (G_UNLIKELY (!options->keep_nonfinite && emb_find_non_finite (row, cols, &j)))
        {
          g_autofree char *text = emb_parse_preview ((const char *) token, space - token);

          emb_set_error_offset (error, EMB_ERROR_NON_FINITE, src->name,
                                (p - data) + j * sizeof (float),
                                "record %" G_GSIZE_FORMAT " ('%s'): value %" G_GSIZE_FORMAT
                                " is %s", i + 1, text, j + 1,
                                isnan (row[j]) ? "nan" : "infinite");
          return NULL;
        }
      p += row_bytes;

      emb_vocab_add (vocab, (const char *) token, space - token);
    }

  /* Only newlines may follow the last record; more data means the header
   * undercounts, and then the rows read are likely wrong too. */
  while (p < end && (*p == '\n' || *p == '\r' || *p == ' '))
    p++;
  if (p < end)
    {
      emb_set_error_offset (error, EMB_ERROR_SHAPE, src->name, p - data,
                            "data after the %" G_GSIZE_FORMAT " records the header declares",
                            rows);
      return NULL;
    }

  result = emb_read_result_new (g_steal_pointer (&matrix), "float32");
  result->vocab = g_steal_pointer (&vocab);
  return result;
}
