/* emb-reader-projector.c: the TensorBoard Embedding Projector's files.
 *
 * vectors.tsv     one row per line, tab-separated numbers, optionally after
 *                 a label column;
 * NAME.bytes      raw little-endian float32, the shape given separately;
 * metadata.tsv    one row of labels per matrix row, with a header row iff
 *                 the first line has a tab (TensorBoard's own rule);
 * config .json    {"embeddings": [{"tensorName", "tensorShape",
 *                 "tensorPath", "metadataPath"}, ...]}.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "io/emb-reader.h"
#include "io/emb-reader-vocab.h"
#include "io/emb-parse.h"
#include "io/emb-tensor-read.h"
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

/* Starts at the first line of data, after any byte order mark. */
static void
line_iter_init (LineIter     *it,
                const guint8 *data,
                gsize         size)
{
  it->p = (const char *) data;
  /* An empty file's data may be NULL, where even NULL + 0 is undefined. */
  it->end = size > 0 ? it->p + size : it->p;
  it->line_no = 0;
  /* A byte order mark from a Windows editor is not part of the first value. */
  if (size >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    it->p += 3;
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

/* auxiliary functions: raw float32 */

/* Reads rows x cols little-endian float32 values filling the whole file;
 * shape_origin says where the shape came from, for messages. */
static EmbReadResult *
read_raw_float32 (const EmbSource *src,
                  gsize            rows,
                  gsize            cols,
                  const char      *shape_origin,
                  gboolean         keep_nonfinite,
                  GError         **error)
{
  EmbTensorLayout layout = { .type = EMB_STORED_F32 };
  EmbMatrix *matrix;
  gsize count, need;

  if (!emb_size_mul (rows, cols, &count) || !emb_size_mul (count, 4, &need))
    {
      emb_set_error_file (error, EMB_ERROR_SHAPE, src->name,
                          "%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT " float32 (%s)"
                          " is far larger than the file's %" G_GSIZE_FORMAT " bytes",
                          rows, cols, shape_origin, src->size);
      return NULL;
    }
  if (need != src->size)
    {
      emb_set_error_file (error, EMB_ERROR_SHAPE, src->name,
                          "%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT " float32 (%s) needs %"
                          G_GSIZE_FORMAT " bytes, but the file has %" G_GSIZE_FORMAT " bytes",
                          rows, cols, shape_origin, need, src->size);
      return NULL;
    }

  layout.n_rows = rows;
  layout.n_cols = cols;
  matrix = emb_tensor_read (src, &layout, keep_nonfinite, error);
  if (matrix == NULL)
    return NULL;
  return emb_read_result_new (matrix, "float32");
}

/* auxiliary functions: the config */

/* A member's string value, or NULL when absent or not a string. */
static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* "tensorShape": [rows, cols] with positive whole numbers. */
static gboolean
get_shape (JsonObject *object,
           gsize      *rows,
           gsize      *cols)
{
  JsonNode *node = json_object_get_member (object, "tensorShape");
  JsonArray *array;
  gsize dims[2];

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) != 2)
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *dim = json_array_get_element (array, i);
      gint64 v;

      if (!JSON_NODE_HOLDS_VALUE (dim) || json_node_get_value_type (dim) != G_TYPE_INT64)
        return FALSE;
      v = json_node_get_int (dim);
      if (v <= 0 || (guint64) v > G_MAXSIZE)
        return FALSE;
      dims[i] = (gsize) v;
    }
  *rows = dims[0];
  *cols = dims[1];
  return TRUE;
}

/* Resolves a config path against the config's folder.  NULL, with an
 * error naming the config, for a web address: nothing is downloaded. */
static char *
resolve_path (const EmbSource *src,
              const char  *embedding,
              const char  *member,
              const char  *value,
              GError     **error)
{
  g_autofree char *dir = NULL;

  if (g_str_has_prefix (value, "file://"))
    {
      char *path = g_filename_from_uri (value, NULL, NULL);
      if (path != NULL)
        return path;
    }
  if (strstr (value, "://") != NULL && !g_str_has_prefix (value, "resource://"))
    {
      emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                          "embedding '%s': %s '%s' is a web address; download it and "
                          "point %s at the local file",
                          embedding, member, value, member);
      return NULL;
    }
  if (g_path_is_absolute (value) || g_str_has_prefix (value, "resource://"))
    return g_strdup (value);
  dir = g_path_get_dirname (src->path);
  return g_build_filename (dir, value, NULL);
}

/* Maps a file named by the config, prefixing a failure with the config's
 * name and the path as written there. */
static GBytes *
open_member (const EmbSource *src,
             const char  *embedding,
             const char  *member,
             const char  *value,
             const char  *path,
             GError     **error)
{
  GError *local_error = NULL;
  GBytes *bytes = emb_source_open_bytes (path, &local_error);

  if (bytes == NULL)
    g_propagate_prefixed_error (error, local_error, "%s: embedding '%s': %s '%s': ",
                                src->name, embedding, member, value);
  return bytes;
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
  gsize n_rows = 0, n_fields = 0, n_cols, first_line = 0, row = 0;
  gboolean has_label = FALSE;
  EmbReadResult *result;

  line_iter_init (&it, src->data, src->size);
  while (line_iter_next (&it, &line, &le))
    {
      if (is_blank (line, le))
        continue;
      if (n_rows == 0)
        {
          const char *tab = memchr (line, '\t', le - line);

          first_line = it.line_no;
          n_fields = count_fields (line, le);
          has_label = !field_is_number (line, tab != NULL ? tab : le);
        }
      n_rows++;
    }
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
      g_prefix_error (error, "%s: ", src->name);
      return NULL;
    }
  if (has_label)
    {
      vocab = emb_vocab_new ();
      emb_vocab_reserve (vocab, n_rows, n_rows * 8);
    }

  line_iter_init (&it, src->data, src->size);
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
      for (gsize j = 0; j < n_cols; j++, column++)
        {
          const char *start;
          float v;

          while (q < le && *q == ' ')
            q++;
          start = q;
          if (!emb_parse_float (&q, le, &v))
            {
              q = start;
              goto bad_row;
            }
          while (q < le && *q == ' ')
            q++;
          if (q < le && *q != '\t')
            {
              q = start;
              goto bad_row;
            }
          if (!isfinite (v) && !options->keep_nonfinite)
            {
              emb_set_error_line (error, EMB_ERROR_NON_FINITE, src->name, it.line_no,
                                  "column %" G_GSIZE_FORMAT " is %s",
                                  column, isnan (v) ? "nan" : v > 0 ? "inf" : "-inf");
              return NULL;
            }
          dst[j] = v;
          if (j + 1 < n_cols)
            {
              if (q >= le)
                goto bad_row;
              q++;
            }
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

/* Reads a raw .bytes tensor, shaped by --shape. */
EmbReadResult *
emb_read_projector_bytes (const EmbSource      *src,
                          const EmbReadOptions *options,
                          GError              **error)
{
  if (options->shape_rows == 0 || options->shape_cols == 0)
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, src->name,
                          "raw .bytes needs --shape NxD (rows x columns of float32)");
      return NULL;
    }
  return read_raw_float32 (src, options->shape_rows, options->shape_cols, "--shape",
                           options->keep_nonfinite, error);
}

/* Reads the embedding a projector config names (the first, or the one
 * called options->tensor): its tensor file, then its metadata. */
EmbReadResult *
emb_read_projector_config (const EmbSource      *src,
                           const EmbReadOptions *options,
                           GError              **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) json_error = NULL;
  g_autoptr(GBytes) tensor_bytes = NULL;
  g_autoptr(GBytes) meta_bytes = NULL;
  g_autofree char *tensor_path = NULL;
  g_autofree char *shape_origin = NULL;
  g_autoptr(EmbReadResult) result = NULL;
  const char *wanted = options->tensor;
  const char *name = NULL, *tensor, *metadata;
  JsonNode *root, *list;
  JsonArray *embeddings;
  JsonObject *embedding = NULL;
  EmbSource nested;
  gsize rows = 0, cols = 0;
  gboolean has_shape;
  gsize too_deep;

  /* json-glib would recurse once per level, off the end of the stack. */
  if (!emb_json_depth_ok (src->data, src->size, EMB_JSON_MAX_DEPTH, &too_deep))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, too_deep,
                            "not a projector config: the JSON nests more than %d levels deep",
                            EMB_JSON_MAX_DEPTH);
      return NULL;
    }
  if (src->size > G_MAXSSIZE ||
      !json_parser_load_from_data (parser, (const char *) src->data, src->size, &json_error))
    {
      emb_set_json_error (error, src->name, "not a projector config", json_error);
      return NULL;
    }
  root = json_parser_get_root (parser);
  list = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
         ? json_object_get_member (json_node_get_object (root), "embeddings") : NULL;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, src->name,
                          "not a projector config: no \"embeddings\" list");
      return NULL;
    }
  embeddings = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (embeddings); i++)
    {
      JsonNode *node = json_array_get_element (embeddings, i);
      JsonObject *object;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      if (wanted == NULL || g_strcmp0 (get_string (object, "tensorName"), wanted) == 0)
        {
          embedding = object;
          break;
        }
    }
  if (embedding == NULL)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (embeddings); i++)
        {
          JsonNode *node = json_array_get_element (embeddings, i);
          const char *n = JSON_NODE_HOLDS_OBJECT (node)
                          ? get_string (json_node_get_object (node), "tensorName") : NULL;

          if (n != NULL)
            g_string_append_printf (names, "%s'%s'", names->len > 0 ? ", " : "", n);
        }
      if (wanted != NULL)
        emb_set_error_file (error, EMB_ERROR_NOT_FOUND, src->name,
                            "no embedding named '%s' (it has %s)",
                            wanted, names->len > 0 ? names->str : "none with a name");
      else
        emb_set_error_file (error, EMB_ERROR_FORMAT, src->name, "the \"embeddings\" list is empty");
      return NULL;
    }

  name = get_string (embedding, "tensorName");
  tensor = get_string (embedding, "tensorPath");
  metadata = get_string (embedding, "metadataPath");
  has_shape = get_shape (embedding, &rows, &cols);
  if (tensor == NULL)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, src->name,
                          "embedding '%s' has no \"tensorPath\"", name != NULL ? name : "");
      return NULL;
    }
  if (name == NULL)
    name = tensor;

  tensor_path = resolve_path (src, name, "tensorPath", tensor, error);
  if (tensor_path == NULL)
    return NULL;
  tensor_bytes = open_member (src, name, "tensorPath", tensor, tensor_path, error);
  if (tensor_bytes == NULL)
    return NULL;

  nested = *src;
  nested.path = tensor_path;
  nested.name = tensor_path;
  nested.bytes = tensor_bytes;
  nested.data = g_bytes_get_data (tensor_bytes, &nested.size);

  /* TensorBoard reads .tsv and .txt tensors as text, anything else as
   * raw float32. */
  if (g_str_has_suffix (tensor, ".tsv") || g_str_has_suffix (tensor, ".txt"))
    {
      result = emb_read_projector_tsv (&nested, options, error);
      if (result == NULL)
        return NULL;
      if (has_shape && (result->matrix->n_rows != rows || result->matrix->n_cols != cols))
        {
          emb_set_error_file (error, EMB_ERROR_SHAPE, src->name,
                              "embedding '%s': tensorShape is [%" G_GSIZE_FORMAT ", %"
                              G_GSIZE_FORMAT "] but %s holds %" G_GSIZE_FORMAT " x %"
                              G_GSIZE_FORMAT,
                              name, rows, cols, tensor, result->matrix->n_rows,
                              result->matrix->n_cols);
          return NULL;
        }
    }
  else if (!has_shape)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, src->name,
                          "embedding '%s' has no valid \"tensorShape\": [rows, columns]", name);
      return NULL;
    }
  else
    {
      shape_origin = g_strdup_printf ("tensorShape in %s", src->name);
      result = read_raw_float32 (&nested, rows, cols, shape_origin, options->keep_nonfinite, error);
      if (result == NULL)
        return NULL;
    }

  if (metadata != NULL)
    {
      g_autofree char *meta_path = resolve_path (src, name, "metadataPath", metadata, error);
      const guint8 *data;
      gsize size;

      if (meta_path == NULL)
        return NULL;
      meta_bytes = open_member (src, name, "metadataPath", metadata, meta_path, error);
      if (meta_bytes == NULL)
        return NULL;
      data = g_bytes_get_data (meta_bytes, &size);
      g_clear_pointer (&result->vocab, emb_vocab_unref);
      result->vocab = emb_projector_read_metadata (meta_path, data, size,
                                                   result->matrix->n_rows, error);
      if (result->vocab == NULL)
        return NULL;
      result->vocab_source = g_steal_pointer (&meta_path);
    }

  result->tensor = g_strdup (name);
  return g_steal_pointer (&result);
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
  LineIter it;
  const char *line, *le;
  gboolean has_header = FALSE, seen_first = FALSE, found = FALSE;
  gsize n_data = 0, header_line = 0;
  guint token_index = 0;

  /* First pass: the header and the row count, checked before anything
   * is copied. */
  line_iter_init (&it, data, size);
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

  vocab = emb_vocab_new ();
  emb_vocab_reserve (vocab, n_rows, n_rows * 8);

  /* Second pass: the values.  Tokens keep their raw bytes, for lookup;
   * column values are display text. */
  line_iter_init (&it, data, size);
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
