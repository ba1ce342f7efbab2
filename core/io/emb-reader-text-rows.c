/* emb-reader-text-rows.c: the rows of a text embedding file, parsed on
 * every core.
 *
 * The body is cut at line boundaries into one chunk per thread and each
 * chunk's newlines are counted first (in parallel), which gives every
 * chunk the file line and matrix row it starts at and bounds the rows, so
 * the matrix is allocated once.  Each thread then parses straight into its
 * own rows and notes where each token lies in the file; the tokens go into
 * the vocabulary afterwards, in order, on the calling thread, since an
 * EmbVocab has a single writer.  Blank lines leave gaps at the end of a
 * chunk's rows, closed once all chunks are done.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "io/emb-reader-text-private.h"
#include "io/emb-parse.h"
#include "base/emb-alloc.h"
#include "base/emb-error.h"

/* Below this many bytes per chunk a thread costs more than it saves. */
#define MIN_CHUNK_BYTES (2u << 20)
#define MAX_CHUNKS 8
/* How often a chunk looks for cancellation and reports progress. */
#define POLL_BYTES (4u << 20)

typedef struct
{
  gsize offset;   /* from the start of the file */
  gsize len;
} TokenSpan;

typedef struct _TextJob TextJob;

typedef struct
{
  TextJob    *job;
  gint        index;
  const char *start;       /* at the start of a line */
  const char *end;         /* just after a newline, or the end of the file */
  const char *released;    /* the file's pages before this are given back */
  gsize       n_lines;     /* lines in the chunk */
  gsize       max_rows;    /* a bound on its rows */
  gsize       first_line;  /* file line number of start, from 1 */
  gsize       first_row;   /* matrix row of the chunk's first row */
  gsize       n_rows;      /* rows parsed */
  GError     *error;
} TextChunk;

struct _TextJob
{
  const EmbSource *src;
  gboolean    keep_nonfinite;
  const char *data;
  gsize       n_cols;
  float      *values;
  TokenSpan  *spans;
  gint        failed_chunk;  /* lowest index of a chunk with an error */
  guint       n_chunks;
  TextChunk   chunks[MAX_CHUNKS];
};

/* auxiliary functions */

/* The number of newlines in [p, end). */
static gsize
count_newlines (const char *p,
                const char *end)
{
  gsize n = 0;

  while (p < end && (p = memchr (p, '\n', end - p)) != NULL)
    {
      n++;
      p++;
    }
  return n;
}

/* Records that chunk index failed, keeping the lowest failed index; later
 * chunks stop at their next poll. */
static void
note_failure (TextJob *job,
              gint     index)
{
  gint current;

  do
    {
      current = g_atomic_int_get (&job->failed_chunk);
      if (current <= index)
        return;
    }
  while (!g_atomic_int_compare_and_exchange (&job->failed_chunk, current, index));
}

/* "expected N values, found M" at line. */
static void
set_count_error (TextChunk *c,
                 gsize      line,
                 gsize      found)
{
  emb_set_error_line (&c->error, EMB_ERROR_SHAPE, c->job->src->name, line,
                      "expected %" G_GSIZE_FORMAT " values, found %" G_GSIZE_FORMAT,
                      c->job->n_cols, found);
}

/* The field at vs is not a number, or not a finite one (the value is
 * already parsed into *value then). */
static void
set_value_error (TextChunk   *c,
                 gsize        line,
                 const char  *ls,
                 const char  *vs,
                 gsize        index,
                 const float *value)
{
  const char *fe = field_end (vs, c->end);
  g_autofree char *text = emb_parse_preview (vs, fe - vs);
  const EmbSource *src = c->job->src;
  gsize column = 1;

  /* Columns count characters, as editors do: UTF-8 continuation bytes
   * are not counted. */
  for (const char *q = ls; q < vs; q++)
    column += ((guchar) *q & 0xc0) != 0x80;

  if (value == NULL)
    {
      emb_set_error_line (&c->error, EMB_ERROR_PARSE, src->name, line,
                          "value %" G_GSIZE_FORMAT " (column %" G_GSIZE_FORMAT "): '%s' is not a number",
                          index + 1, column, text);
      return;
    }

  /* A finite decimal can still overflow a float; say which it was. */
  if (*vs == '-' || *vs == '+')
    vs++;
  emb_set_error_line (&c->error, EMB_ERROR_NON_FINITE, src->name, line,
                      "value %" G_GSIZE_FORMAT " (column %" G_GSIZE_FORMAT "): '%s' is %s",
                      index + 1, column, text,
                      g_ascii_isalpha (*vs) ? "not a finite number"
                                            : "outside the float range");
}

typedef enum
{
  VALUES_OK,
  VALUES_FIRST_BAD,
  VALUES_ERROR,
} ValuesResult;

/* Parses the n_cols values of the row whose line starts at ls, from *pp (at
 * a delimiter after the token) through the end of the line, into values
 * (NULL: only checks them).
 * On success *pp is at the newline or the end.  A first value that is not a
 * number is left to the caller, which may find a token with spaces. */
static inline ValuesResult
parse_values (TextChunk   *c,
              const char  *ls,
              gsize        line,
              const char **pp,
              float       *values)
{
  const char *p = *pp;
  const char *end = c->end;
  const gsize n_cols = c->job->n_cols;

  for (gsize j = 0; j < n_cols; j++)
    {
      const char *vs;
      float scratch;
      float *v = values != NULL ? &values[j] : &scratch;

      p = skip_blanks (p, end);
      vs = p;
      if (p == end || *p == '\n')
        {
          set_count_error (c, line, j);
          return VALUES_ERROR;
        }
      if (G_UNLIKELY (!emb_parse_float (&p, end, v) ||
                      (p < end && !is_delim (*p))))
        {
          if (j == 0)
            return VALUES_FIRST_BAD;
          set_value_error (c, line, ls, vs, j, NULL);
          return VALUES_ERROR;
        }
      if (G_UNLIKELY (!isfinite (*v)) && !c->job->keep_nonfinite)
        {
          set_value_error (c, line, ls, vs, j, v);
          return VALUES_ERROR;
        }
    }

  p = skip_blanks (p, end);
  if (p < end && *p != '\n')
    {
      set_count_error (c, line, n_cols + _emb_text_count_fields (p, line_end (p, end)));
      return VALUES_ERROR;
    }
  *pp = p;
  return VALUES_OK;
}

/* The row at ls whose first value is not a number.  GloVe 840B-style files
 * have tokens with spaces in them, so when the line has more fields than a
 * row needs, the last n_cols fields are the values and all before them is
 * the token.  Else the first value is simply bad. */
static gboolean
parse_spaced_row (TextChunk   *c,
                  const char  *ls,
                  gsize        line,
                  gsize        row,
                  const char **pp)
{
  TextJob *job = c->job;
  const char *le = line_end (ls, c->end);
  const char *tok_end = field_end (ls, le);
  gsize n_values = _emb_text_count_fields (tok_end, le);
  const char *p;

  if (n_values <= job->n_cols)
    {
      if (n_values == job->n_cols)
        set_value_error (c, line, ls, skip_blanks (tok_end, le), 0, NULL);
      else
        set_count_error (c, line, n_values);
      return FALSE;
    }

  for (gsize i = 0; i < n_values - job->n_cols; i++)
    tok_end = field_end (skip_blanks (tok_end, le), le);
  p = tok_end;

  switch (parse_values (c, ls, line, &p, job->values + row * job->n_cols))
    {
    case VALUES_OK:
      break;
    case VALUES_FIRST_BAD:
      set_value_error (c, line, ls, skip_blanks (tok_end, le), 0, NULL);
      return FALSE;
    case VALUES_ERROR:
    default:
      return FALSE;
    }

  job->spans[row].offset = ls - job->data;
  job->spans[row].len = tok_end - ls;
  *pp = p;
  return TRUE;
}

/* Stops a chunk when the reader is cancelled or an earlier chunk failed
 * (whose error is the one reported); chunk 0 runs in the caller's thread
 * and reports progress for all, as the chunks are the same size. */
static gboolean
chunk_poll (TextChunk  *c,
            const char *p)
{
  TextJob *job = c->job;

  if (g_atomic_int_get (&job->failed_chunk) < c->index)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (job->src->cancellable, &c->error))
    return FALSE;
  if (c->index == 0)
    emb_source_progress (job->src, (double) (p - c->start) / (double) (c->end - c->start));
  if (c->released == NULL)
    c->released = c->start;
  emb_source_release (job->src, c->released - (const char *) job->src->data,
                      p - (const char *) job->src->data);
  c->released = p;
  return TRUE;
}

/* Parses the rows of chunk c into its rows of the matrix and token spans. */
static gboolean
parse_chunk (TextChunk *c)
{
  TextJob *job = c->job;
  const char *p = c->start;
  const char *end = c->end;
  const char *poll_at = p + POLL_BYTES;
  gsize line = c->first_line;
  gsize row = c->first_row;
  const gsize row_limit = c->first_row + c->max_rows;

  while (p < end)
    {
      const char *ls = p;
      const char *tok_end;

      if (G_UNLIKELY (p >= poll_at))
        {
          if (!chunk_poll (c, p))
            return FALSE;
          poll_at = p + POLL_BYTES;
        }

      tok_end = p = field_end (p, end);
      p = skip_blanks (p, end);
      if (p == end || *p == '\n')
        {
          if (tok_end != ls)
            {
              set_count_error (c, line, 0);
              return FALSE;
            }
          /* A blank line. */
          line++;
          if (p < end)
            p++;
          continue;
        }

      /* Rows were bounded by lines and bytes before allocating: a row
       * takes 2 * n_cols + 1 bytes, so once row_limit rows have parsed,
       * what is left of the chunk is too short for another.  This line is
       * then malformed (too few values, or a bad one); it has no room in
       * the matrix, so it is only checked, for the error it gets. */
      if (G_UNLIKELY (row >= row_limit))
        {
          const char *le = line_end (ls, end);
          gsize n_values = _emb_text_count_fields (tok_end, le);

          p = tok_end;
          switch (parse_values (c, ls, line, &p, NULL))
            {
            case VALUES_ERROR:
              break;
            case VALUES_FIRST_BAD:
              if (n_values == job->n_cols)
                set_value_error (c, line, ls, skip_blanks (tok_end, le), 0, NULL);
              else
                set_count_error (c, line, n_values);
              break;
            case VALUES_OK:
            default:
              /* Cannot happen (see above); refuse rather than overflow. */
              set_count_error (c, line, n_values);
              break;
            }
          return FALSE;
        }

      p = tok_end;
      switch (parse_values (c, ls, line, &p, job->values + row * job->n_cols))
        {
        case VALUES_OK:
          job->spans[row].offset = ls - job->data;
          job->spans[row].len = tok_end - ls;
          break;
        case VALUES_FIRST_BAD:
          if (!parse_spaced_row (c, ls, line, row, &p))
            return FALSE;
          break;
        case VALUES_ERROR:
        default:
          return FALSE;
        }

      row++;
      line++;
      if (p < end)
        p++;
    }

  c->n_rows = row - c->first_row;
  return TRUE;
}

/* Thread body: parses one chunk and notes its failure. */
static gpointer
parse_chunk_thread (gpointer data)
{
  TextChunk *c = data;

  if (!parse_chunk (c) && c->error != NULL)
    note_failure (c->job, c->index);
  return NULL;
}

/* Thread body: counts the lines of one chunk, a final one without a
 * newline included. */
static gpointer
count_chunk_thread (gpointer data)
{
  TextChunk *c = data;
  const char *base = (const char *) c->job->src->data;

  /* In pieces, giving each back: the parse maps it again from the page
   * cache, so a big file never sits in memory whole. */
  c->n_lines = 0;
  for (const char *p = c->start; p < c->end; p += POLL_BYTES)
    {
      const char *e = MIN (p + POLL_BYTES, c->end);
      c->n_lines += count_newlines (p, e);
      emb_source_release (c->job->src, p - base, e - base);
    }
  if (c->end > c->start && c->end[-1] != '\n')
    c->n_lines++;
  return NULL;
}

/* Runs func on every chunk: chunk 0 in this thread, the others each in a
 * thread of their own (or here too, after, when no thread can be made). */
static void
run_chunks (TextJob    *job,
            GThreadFunc func)
{
  GThread *threads[MAX_CHUNKS] = { NULL, };

  for (guint i = 1; i < job->n_chunks; i++)
    threads[i] = g_thread_try_new ("emb-text-reader", func, &job->chunks[i], NULL);
  func (&job->chunks[0]);
  for (guint i = 1; i < job->n_chunks; i++)
    {
      if (threads[i] != NULL)
        g_thread_join (threads[i]);
      else
        func (&job->chunks[i]);
    }
}

/* Cuts [start, end) at line boundaries into chunks of about equal size. */
static void
split_chunks (TextJob    *job,
              const char *start,
              const char *end)
{
  gsize len = end - start;
  guint max_chunks = CLAMP (g_get_num_processors (), 2, MAX_CHUNKS);
  const char *s = start;

  /* Two chunks even on one core, so every machine runs the same code. */
  job->n_chunks = CLAMP (len / MIN_CHUNK_BYTES, 1, max_chunks);
  for (guint i = 0; i < job->n_chunks; i++)
    {
      TextChunk *c = &job->chunks[i];
      const char *e = end;

      if (i + 1 < job->n_chunks)
        {
          const char *nl;

          e = MAX (s, start + len / job->n_chunks * (i + 1));
          nl = memchr (e, '\n', end - e);
          e = nl != NULL ? nl + 1 : end;
        }
      c->job = job;
      c->index = i;
      c->start = s;
      c->end = e;
      s = e;
    }
}

/* Frees the errors of chunks that are not reported. */
static void
clear_chunk_errors (TextJob *job)
{
  for (guint i = 0; i < job->n_chunks; i++)
    g_clear_error (&job->chunks[i].error);
}

/* The tokens at spans, in order, as a vocabulary. */
static EmbVocab *
tokens_to_vocab (const EmbSource *src,
                 const TokenSpan *spans,
                 gsize            n_rows,
                 GError         **error)
{
  const char *data = (const char *) src->data;
  EmbVocab *vocab = emb_vocab_new ();
  g_autofree char *what = g_strdup_printf ("%s: the tokens of %" G_GSIZE_FORMAT " rows",
                                           src->name, n_rows);
  gsize token_bytes = 0;

  for (gsize i = 0; i < n_rows; i++)
    token_bytes += spans[i].len;
  if (!emb_vocab_reserve (vocab, n_rows, token_bytes, what, error))
    {
      emb_vocab_unref (vocab);
      return NULL;
    }
  for (gsize i = 0, released = 0; i < n_rows; i++)
    {
      /* Tokens are a line apart, each a cache miss: ask for them early. */
      if (i + 16 < n_rows)
        __builtin_prefetch (data + spans[i + 16].offset);
      emb_vocab_add (vocab, data + spans[i].offset, spans[i].len);
      /* Tokens come in file order: give back the pages behind them. */
      if (spans[i].offset - released >= (4u << 20))
        {
          emb_source_release (src, released, spans[i].offset);
          released = spans[i].offset;
        }
    }
  return vocab;
}

/* Closes the gaps blank lines left at the end of each chunk's rows (of
 * matrix and of the job's spans); returns the rows read. */
static gsize
close_gaps (TextJob   *job,
            EmbMatrix *matrix)
{
  gsize n_rows = 0, n_cols = job->n_cols;

  for (guint i = 0; i < job->n_chunks; i++)
    {
      TextChunk *c = &job->chunks[i];

      if (c->first_row != n_rows && c->n_rows > 0)
        {
          memmove (matrix->data + n_rows * n_cols, matrix->data + c->first_row * n_cols,
                   c->n_rows * n_cols * sizeof (float));
          memmove (job->spans + n_rows, job->spans + c->first_row, c->n_rows * sizeof (TokenSpan));
        }
      n_rows += c->n_rows;
    }
  return n_rows;
}

/* internal API: what the front ends share with the row parser */

/* The number of blank-separated fields in [p, end), which holds no newline. */
gsize
_emb_text_count_fields (const char *p,
                        const char *end)
{
  gsize n = 0;

  for (;;)
    {
      p = skip_blanks (p, end);
      if (p >= end)
        return n;
      n++;
      p = field_end (p, end);
    }
}

/* public API */

/* Reads the rows of n_cols values from body_offset (file line first_line)
 * to the end, and fills out.  header_rows is what a header declared, or
 * NO_HEADER. */
EmbReadResult *
_emb_text_read_rows (const EmbSource      *src,
                     const EmbReadOptions *options,
                     gsize                 body_offset,
                     gsize                 first_line,
                     gsize                 n_cols,
                     gsize                 header_rows,
                     GError              **error)
{
  const char *data = (const char *) src->data;
  g_autoptr(EmbMatrix) matrix = NULL;
  g_autofree TokenSpan *spans = NULL;
  TextJob job = { 0, };
  gsize capacity = 0, n_rows = 0;
  EmbReadResult *result;
  EmbVocab *vocab;

  job.src = src;
  job.keep_nonfinite = options->keep_nonfinite;
  job.data = data;
  job.n_cols = n_cols;
  job.failed_chunk = G_MAXINT;

  split_chunks (&job, data + body_offset, data + src->size);
  run_chunks (&job, count_chunk_thread);
  for (guint i = 0; i < job.n_chunks; i++)
    {
      TextChunk *c = &job.chunks[i];
      /* A row takes at least 2 * n_cols + 1 bytes (a blank before each
       * value, a newline), so blank lines cannot inflate the matrix. */
      gsize max_rows = ((gsize) (c->end - c->start) + 1) / (2 * n_cols + 1);

      c->first_row = capacity;
      c->first_line = i == 0 ? first_line
                             : job.chunks[i - 1].first_line + job.chunks[i - 1].n_lines;
      c->max_rows = MIN (c->n_lines, max_rows);
      capacity += c->max_rows;
    }

  if (capacity > 0)
    {
      matrix = emb_matrix_new (capacity, n_cols, error);
      if (matrix == NULL)
        return NULL;
      g_autofree char *what = g_strdup_printf ("%s: the places of %" G_GSIZE_FORMAT " tokens",
                                               src->name, capacity);

      spans = emb_try_new (TokenSpan, capacity, what, error);
      if (spans == NULL)
        return NULL;
      job.values = matrix->data;
      job.spans = spans;
      run_chunks (&job, parse_chunk_thread);
    }

  /* Chunks are in file order, so the first error has the lowest line. */
  for (guint i = 0; i < job.n_chunks; i++)
    if (job.chunks[i].error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&job.chunks[i].error));
        clear_chunk_errors (&job);
        return NULL;
      }

  n_rows = close_gaps (&job, matrix);

  if (header_rows != NO_HEADER && n_rows < header_rows)
    {
      emb_set_error_line (error, EMB_ERROR_TRUNCATED, src->name, 1,
                          "header says %" G_GSIZE_FORMAT " rows, file has %" G_GSIZE_FORMAT,
                          header_rows, n_rows);
      return NULL;
    }
  if (header_rows != NO_HEADER && n_rows > header_rows)
    {
      /* Point at the first row too many. */
      emb_set_error_line (error, EMB_ERROR_SHAPE, src->name,
                          first_line + count_newlines (data + body_offset,
                                                       data + spans[header_rows].offset),
                          "header says %" G_GSIZE_FORMAT " %s, file has more",
                          header_rows, header_rows == 1 ? "row" : "rows");
      return NULL;
    }
  if (n_rows == 0)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, src->name, "no vectors found");
      return NULL;
    }

  matrix->n_rows = n_rows;
  if (capacity - n_rows > capacity / 16)
    {
      /* Many blank lines: give the unused rows back. */
      EmbMatrix *exact = emb_matrix_new (n_rows, n_cols, error);

      if (exact == NULL)
        return NULL;
      memcpy (exact->data, matrix->data, n_rows * n_cols * sizeof (float));
      emb_matrix_unref (matrix);
      matrix = exact;
    }

  vocab = tokens_to_vocab (src, spans, n_rows, error);
  if (vocab == NULL)
    return NULL;
  result = emb_read_result_new (g_steal_pointer (&matrix), "text");
  result->vocab = vocab;
  return result;
}

