/* emb-reader-npy.c: NumPy .npy files.
 *
 * Layout: the magic "\x93NUMPY", a major and minor version byte, the header
 * length (u16 LE in version 1, u32 LE in versions 2 and 3), then that many
 * bytes of a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (3955, 100), }
 * padded with spaces and a newline, then the raw array.  The header is read
 * by a small recursive-descent parser for the literals numpy writes, and no
 * size in it is used before it has been checked against the file.
 *
 * Little-endian float32 in C order is the common case: it becomes a view of
 * the memory-mapped file, so opening costs only the nan/inf scan.
 */
#include "config.h"

#include <string.h>

#include "io/emb-reader.h"
#include "io/emb-tensor-read.h"
#include "base/emb-error.h"
#include "base/emb-finite.h"

/* Floats converted or scanned in a Fortran-order array between two polls
 * of the cancellable (4 MB). */
#define CHUNK_FLOATS (1u << 20)

/* Rows per tile when transposing a Fortran-order array. */
#define TILE_ROWS 64

/* Nesting allowed in the header: numpy writes at most a few levels (a
 * structured dtype); the limit only keeps a hostile file off the stack. */
#define MAX_DEPTH 32

/* auxiliary functions: the header parser */

typedef enum
{
  PY_STRING,
  PY_INT,
  PY_BOOL,
  PY_NONE,
  PY_SEQUENCE,
  PY_DICT,
} PyKind;

typedef struct
{
  PyKind   kind;
  gsize    start;        /* the literal's span in the header text */
  gsize    end;
  gsize    text_start;   /* PY_STRING: the contents, without quotes */
  gsize    text_end;
  gsize    integer;      /* PY_INT, valid unless negative or overflow */
  gboolean negative;
  gboolean overflow;
  gboolean boolean;      /* PY_BOOL */
  gboolean parenthesised; /* "(x)" without a comma: Python's x, not a tuple */
  gsize    n_items;      /* PY_SEQUENCE */
  gboolean sizes_ok;     /* every item a non-negative int */
  gboolean sizes_overflow;
  gsize    items[2];     /* the first two items, when sizes_ok */
} PyValue;

typedef struct
{
  gboolean has_descr;
  gboolean has_fortran;
  gboolean has_shape;
  PyValue  descr;
  PyValue  fortran;
  PyValue  shape;
} NpyDict;

typedef struct
{
  const char *text;
  gsize       len;
  gsize       pos;
  guint       depth;
  const char *error;     /* why parsing stopped at pos */
} PyParser;

static gboolean py_parse_value (PyParser *p, PyValue *v, NpyDict *top);

/* Records the first reason for failing; returns FALSE for tail calls. */
static gboolean
py_fail (PyParser   *p,
         const char *why)
{
  if (p->error == NULL)
    p->error = why;
  return FALSE;
}

/* Whitespace as numpy pads with it, newline included. */
static void
py_skip_space (PyParser *p)
{
  while (p->pos < p->len &&
         (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' ||
          p->text[p->pos] == '\n' || p->text[p->pos] == '\r'))
    p->pos++;
}

/* Is the next character c?  Never reads past the header. */
static gboolean
py_peek (PyParser *p,
         char      c)
{
  return p->pos < p->len && p->text[p->pos] == c;
}

/* strchr () also finds the terminating NUL, which a header may contain. */
static gboolean
char_in (char        c,
         const char *set)
{
  return c != '\0' && strchr (set, c) != NULL;
}

/* Characters that continue a Python name or number. */
static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* A quoted string, optionally with a u/b prefix (Python 2 era files).
 * Escapes are skipped over, not decoded: no dtype we read contains one. */
static gboolean
py_parse_string (PyParser *p,
                 PyValue  *v)
{
  char quote;

  if (p->pos < p->len && char_in (p->text[p->pos], "uUbB"))
    p->pos++;
  if (p->pos >= p->len || (p->text[p->pos] != '\'' && p->text[p->pos] != '"'))
    return py_fail (p, "expected a quoted string");
  quote = p->text[p->pos++];
  v->kind = PY_STRING;
  v->text_start = p->pos;
  while (p->pos < p->len && p->text[p->pos] != quote)
    {
      if (p->text[p->pos] == '\n')
        return py_fail (p, "a string runs past the end of the line");
      if (p->text[p->pos] == '\\')
        p->pos++;
      p->pos++;
    }
  if (p->pos >= p->len)
    return py_fail (p, "a string is not closed");
  v->text_end = p->pos++;
  return TRUE;
}

/* A decimal integer; Python 2 numpy wrote sizes as "3955L". */
static gboolean
py_parse_int (PyParser *p,
              PyValue  *v)
{
  gsize digits = 0;

  v->kind = PY_INT;
  if (py_peek (p, '+') || py_peek (p, '-'))
    v->negative = p->text[p->pos++] == '-';
  while (p->pos < p->len && g_ascii_isdigit (p->text[p->pos]))
    {
      gsize digit = p->text[p->pos++] - '0';

      if (!emb_size_mul (v->integer, 10, &v->integer) ||
          !emb_size_add (v->integer, digit, &v->integer))
        v->overflow = TRUE;
      digits++;
    }
  if (digits == 0)
    return py_fail (p, "expected a number");
  if (py_peek (p, 'L') || py_peek (p, 'l'))
    p->pos++;
  if (p->pos < p->len && (is_ident_char (p->text[p->pos]) || p->text[p->pos] == '.'))
    return py_fail (p, "expected a whole number");
  if (v->negative && v->integer == 0 && !v->overflow)
    v->negative = FALSE;
  return TRUE;
}

/* The names a literal may contain: True, False, None. */
static gboolean
py_parse_word (PyParser *p,
               PyValue  *v)
{
  static const struct { const char *word; PyKind kind; gboolean value; } words[] = {
    { "True", PY_BOOL, TRUE },
    { "False", PY_BOOL, FALSE },
    { "None", PY_NONE, FALSE },
  };
  gsize start = p->pos;

  while (p->pos < p->len && is_ident_char (p->text[p->pos]))
    p->pos++;
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (p->pos - start == strlen (words[i].word) &&
        memcmp (p->text + start, words[i].word, p->pos - start) == 0)
      {
        v->kind = words[i].kind;
        v->boolean = words[i].value;
        return TRUE;
      }
  p->pos = start;
  return py_fail (p, "expected a value: a string, a number, True, False, None, a tuple, a list or a dict");
}

/* A tuple or list.  Records the first two items when every item is a size,
 * which is all the header's 'shape' needs. */
static gboolean
py_parse_sequence (PyParser *p,
                   PyValue  *v)
{
  char close = p->text[p->pos] == '(' ? ')' : ']';
  gboolean comma = FALSE;

  p->pos++;
  v->kind = PY_SEQUENCE;
  v->sizes_ok = TRUE;
  for (;;)
    {
      PyValue item = { 0 };

      py_skip_space (p);
      if (py_peek (p, close))
        break;
      if (!py_parse_value (p, &item, NULL))
        return FALSE;
      if (item.kind != PY_INT || item.negative)
        v->sizes_ok = FALSE;
      else if (item.overflow)
        v->sizes_overflow = TRUE;
      else if (v->n_items < G_N_ELEMENTS (v->items))
        v->items[v->n_items] = item.integer;
      v->n_items++;
      comma = FALSE;
      py_skip_space (p);
      if (py_peek (p, ','))
        {
          p->pos++;
          comma = TRUE;
        }
      else if (!py_peek (p, close))
        return py_fail (p, close == ')' ? "expected ',' or ')'" : "expected ',' or ']'");
    }
  p->pos++;
  v->parenthesised = close == ')' && v->n_items == 1 && !comma;
  return TRUE;
}

/* A dict; when top is set, the values of the keys numpy defines are kept. */
static gboolean
py_parse_dict (PyParser *p,
               PyValue  *v,
               NpyDict  *top)
{
  p->pos++;
  v->kind = PY_DICT;
  for (;;)
    {
      PyValue key = { 0 }, value = { 0 };

      py_skip_space (p);
      if (py_peek (p, '}'))
        break;
      key.start = p->pos;
      if (!py_parse_string (p, &key))
        return py_fail (p, "expected a quoted key or '}'");
      py_skip_space (p);
      if (!py_peek (p, ':'))
        return py_fail (p, "expected ':' after a key");
      p->pos++;
      py_skip_space (p);
      if (!py_parse_value (p, &value, NULL))
        return FALSE;

      if (top != NULL)
        {
          const char *k = p->text + key.text_start;
          gsize klen = key.text_end - key.text_start;

#define KEY_IS(s) (klen == strlen (s) && memcmp (k, s, klen) == 0)
          if (KEY_IS ("descr"))
            {
              top->descr = value;
              top->has_descr = TRUE;
            }
          else if (KEY_IS ("fortran_order"))
            {
              top->fortran = value;
              top->has_fortran = TRUE;
            }
          else if (KEY_IS ("shape"))
            {
              top->shape = value;
              top->has_shape = TRUE;
            }
#undef KEY_IS
        }

      py_skip_space (p);
      if (py_peek (p, ','))
        p->pos++;
      else if (!py_peek (p, '}'))
        return py_fail (p, "expected ',' or '}'");
    }
  p->pos++;
  return TRUE;
}

/* Any literal, dispatched on its first character; the depth bound keeps
 * a file of nested brackets from exhausting the stack. */
static gboolean
py_parse_value (PyParser *p,
                PyValue  *v,
                NpyDict  *top)
{
  gboolean ok;
  char c;

  py_skip_space (p);
  if (p->pos >= p->len)
    return py_fail (p, "the header ends where a value should be");
  if (p->depth >= MAX_DEPTH)
    return py_fail (p, "the header nests too deeply");

  p->depth++;
  v->start = p->pos;
  c = p->text[p->pos];
  if (c == '{')
    ok = py_parse_dict (p, v, top);
  else if (c == '(' || c == '[')
    ok = py_parse_sequence (p, v);
  else if (c == '\'' || c == '"' ||
           (char_in (c, "uUbB") && p->pos + 1 < p->len &&
            (p->text[p->pos + 1] == '\'' || p->text[p->pos + 1] == '"')))
    ok = py_parse_string (p, v);
  else if (g_ascii_isdigit (c) || c == '-' || c == '+')
    ok = py_parse_int (p, v);
  else
    ok = py_parse_word (p, v);
  v->end = p->pos;
  p->depth--;
  return ok;
}

/* auxiliary functions: the data */

typedef struct
{
  const char *name;     /* for messages */
  const char *header;   /* the header text */
  gsize       header_offset;
  gsize       data_offset;
  EmbStoredType type;
  gsize       item;     /* bytes per value */
  gboolean    big_endian;
  gboolean    fortran;
  gsize       n_rows;
  gsize       n_cols;
} NpyInfo;

/* A short printable excerpt of header text, for messages. */
static char *
excerpt (const char *text,
         gsize       start,
         gsize       end)
{
  GString *s = g_string_new (NULL);

  for (gsize i = start; i < end && s->len < 60; i++)
    g_string_append_c (s, g_ascii_isprint (text[i]) ? text[i] : '?');
  if (end - start > 60)
    g_string_append (s, "...");
  return g_string_free (s, FALSE);
}

/* The layout of the values for the chunked read of a C-order array. */
static EmbTensorLayout
npy_layout (const NpyInfo *info)
{
  EmbTensorLayout layout = { 0 };

  layout.type = info->type;
  layout.big_endian = info->big_endian;
  layout.offset = info->data_offset;
  layout.n_rows = info->n_rows;
  layout.n_cols = info->n_cols;
  return layout;
}

/* Reads a Fortran-order (column-major) array.  Works in tiles of
 * TILE_ROWS rows: each stored column contributes a short contiguous run
 * that is converted, then spread over the tile's rows, which stay in cache
 * for the whole tile. */
static EmbMatrix *
read_fortran_order (const EmbSource *src,
                    const NpyInfo   *info,
                    gboolean         keep_nonfinite,
                    GError         **error)
{
  gsize n = info->n_rows, d = info->n_cols;
  const guint8 *in = src->data + info->data_offset;
  gsize rows_per_poll = MAX (TILE_ROWS, CHUNK_FLOATS / d / TILE_ROWS * TILE_ROWS);
  EmbTensorLayout layout = npy_layout (info);
  g_autoptr(EmbMatrix) matrix = NULL;
  float tile[TILE_ROWS];

  matrix = emb_matrix_new (n, d, error);
  if (matrix == NULL)
    {
      emb_prefix_error_file (error, src->name);
      return NULL;
    }
  for (gsize i0 = 0; i0 < n; i0 += TILE_ROWS)
    {
      gsize rows = MIN (TILE_ROWS, n - i0), k;

      if (i0 % rows_per_poll == 0)
        {
          if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
            return NULL;
          emb_source_progress (src, (double) i0 / n);
        }
      for (gsize j = 0; j < d; j++)
        {
          emb_stored_convert (info->type, info->big_endian, in + (j * n + i0) * info->item,
                              tile, rows);
          for (gsize t = 0; t < rows; t++)
            matrix->data[(i0 + t) * d + j] = tile[t];
        }
      if (!keep_nonfinite && emb_find_non_finite (matrix->data + i0 * d, rows * d, &k))
        {
          gsize i = i0 + k / d, j = k % d;

          emb_tensor_set_non_finite_error (src, &layout, j * n + i, i, j,
                                           matrix->data[i * d + j], error);
          return NULL;
        }
    }
  return g_steal_pointer (&matrix);
}

/* Checks the header's values and derives the layout of the data. */
static gboolean
describe_array (const EmbSource *src,
                const NpyDict   *dict,
                NpyInfo         *info,
                GError         **error)
{
  const char *h = info->header;
  const PyValue *descr = &dict->descr, *shape = &dict->shape;
  g_autofree char *descr_text = NULL;
  g_autofree char *shape_text = NULL;
  gboolean float_type = FALSE;
  gsize count, bytes, end;

  if (!dict->has_descr || !dict->has_fortran || !dict->has_shape)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, info->header_offset,
                            "the header lacks '%s'",
                            !dict->has_descr ? "descr" :
                            !dict->has_fortran ? "fortran_order" : "shape");
      return FALSE;
    }
  if (dict->fortran.kind != PY_BOOL)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, src->name,
                            info->header_offset + dict->fortran.start,
                            "'fortran_order' is not True or False");
      return FALSE;
    }
  if (shape->kind != PY_SEQUENCE || shape->parenthesised || !shape->sizes_ok)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, src->name,
                            info->header_offset + shape->start,
                            "'shape' is not a tuple of sizes");
      return FALSE;
    }
  info->fortran = dict->fortran.boolean;

  /* A typestr: byte order, kind, item size, e.g. "<f4". */
  if (descr->kind == PY_STRING && descr->text_end - descr->text_start == 3 &&
      char_in (h[descr->text_start], "<>=") && h[descr->text_start + 1] == 'f' &&
      char_in (h[descr->text_start + 2], "248"))
    {
      char order = h[descr->text_start];
      int file_order = order == '<' ? G_LITTLE_ENDIAN : order == '>' ? G_BIG_ENDIAN : G_BYTE_ORDER;

      float_type = TRUE;
      info->item = h[descr->text_start + 2] - '0';
      info->type = info->item == 2 ? EMB_STORED_F16 : info->item == 4 ? EMB_STORED_F32
                                                                      : EMB_STORED_F64;
      info->big_endian = file_order == G_BIG_ENDIAN;
    }

  descr_text = excerpt (h, descr->start, descr->end);
  shape_text = excerpt (h, shape->start, shape->end);
  if (!float_type || shape->n_items != 2)
    {
      g_autofree char *why = NULL;

      if (float_type)
        why = g_strdup_printf (": it has %" G_GSIZE_FORMAT " dimension%s",
                               shape->n_items, shape->n_items == 1 ? "" : "s");
      emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                          "not a 2-D float matrix (dtype %s, shape %s)%s",
                          descr_text, shape_text, why != NULL ? why : "");
      return FALSE;
    }
  if (shape->sizes_overflow ||
      !emb_size_mul (shape->items[0], shape->items[1], &count) ||
      !emb_size_mul (count, info->item, &bytes) ||
      !emb_size_add (info->data_offset, bytes, &end))
    {
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, src->name,
                            info->header_offset + shape->start,
                            "shape %s is too large to be real", shape_text);
      return FALSE;
    }
  info->n_rows = shape->items[0];
  info->n_cols = shape->items[1];
  if (count == 0)
    {
      emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                          "the matrix is empty (shape %s)", shape_text);
      return FALSE;
    }
  if (end > src->size)
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, src->name, end,
                            "the %s data of shape %s should end here, but the file has only %"
                            G_GSIZE_FORMAT " bytes",
                            descr_text, shape_text, src->size);
      return FALSE;
    }
  return TRUE;
}

/* public API */

/* Reads a 2-D float .npy array: a zero-copy view when it is little-endian
 * float32 in C order, else a converted copy; any nan or inf is refused. */
EmbReadResult *
emb_read_npy (const EmbSource      *src,
              const EmbReadOptions *options,
              GError              **error)
{
  const guint8 *d = src->data;
  g_autoptr(EmbMatrix) matrix = NULL;
  NpyInfo info = { 0 };
  NpyDict dict = { 0 };
  PyParser parser = { 0 };
  PyValue root = { 0 };
  gsize header_len, prefix;
  guint major, minor;
  EmbReadResult *result;

  info.name = src->name;

  if (src->size < 6 || memcmp (d, "\x93NUMPY", 6) != 0)
    {
      if (src->size < 6 && memcmp (d, "\x93NUMPY", src->size) == 0)
        emb_set_error_offset (error, EMB_ERROR_TRUNCATED, src->name, src->size,
                              "the file ends inside the .npy magic");
      else
        emb_set_error_file (error, EMB_ERROR_FORMAT, src->name,
                            "not a NumPy .npy file (it does not start with \\x93NUMPY)");
      return NULL;
    }
  if (src->size < 8)
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, src->name, src->size,
                            "the file ends before the .npy version");
      return NULL;
    }
  major = d[6];
  minor = d[7];
  if (major < 1 || major > 3)
    {
      emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, src->name, 6,
                            ".npy format version %u.%u (known: 1.0, 2.0, 3.0)", major, minor);
      return NULL;
    }
  prefix = major == 1 ? 10 : 12;
  if (src->size < prefix)
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, src->name, src->size,
                            "the file ends inside the .npy header length");
      return NULL;
    }
  if (major == 1)
    header_len = d[8] | (gsize) d[9] << 8;
  else
    header_len = d[8] | (gsize) d[9] << 8 | (gsize) d[10] << 16 | (gsize) d[11] << 24;
  if (header_len > src->size - prefix)
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, src->name, src->size,
                            "the file ends inside the .npy header, which should end at byte %"
                            G_GSIZE_FORMAT, prefix + header_len);
      return NULL;
    }

  info.header = (const char *) d + prefix;
  info.header_offset = prefix;
  info.data_offset = prefix + header_len;

  parser.text = info.header;
  parser.len = header_len;
  py_skip_space (&parser);
  if (!py_peek (&parser, '{'))
    py_fail (&parser, "the header is not a dict");
  else if (py_parse_value (&parser, &root, &dict))
    {
      py_skip_space (&parser);
      if (parser.pos < parser.len)
        py_fail (&parser, "unexpected text after the header dict");
    }
  if (parser.error != NULL)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, prefix + parser.pos,
                            "bad .npy header: %s", parser.error);
      return NULL;
    }

  if (!describe_array (src, &dict, &info, error))
    return NULL;

  /* A single row or column is laid out the same in either order. */
  if (info.fortran && info.n_rows > 1 && info.n_cols > 1)
    matrix = read_fortran_order (src, &info, options->keep_nonfinite, error);
  else
    {
      EmbTensorLayout layout = npy_layout (&info);

      matrix = emb_tensor_read (src, &layout, options->keep_nonfinite, error);
    }
  if (matrix == NULL)
    return NULL;

  result = emb_read_result_new (g_steal_pointer (&matrix), NULL);
  result->dtype = g_strconcat (info.big_endian ? "big-endian " : "",
                               info.type == EMB_STORED_F16 ? "float16" :
                               info.type == EMB_STORED_F32 ? "float32" : "float64",
                               NULL);
  return result;
}
