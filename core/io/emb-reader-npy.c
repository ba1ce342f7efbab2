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

#include <math.h>
#include <string.h>

#include "io/emb-reader.h"
#include "base/emb-error.h"
#include "base/emb-finite.h"

/* Floats converted or scanned between two polls of the cancellable (4 MB). */
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

typedef enum
{
  NPY_F16,
  NPY_F32,
  NPY_F64,
} NpyType;

typedef struct
{
  const char *name;     /* for messages */
  const char *header;   /* the header text */
  gsize       header_offset;
  gsize       data_offset;
  NpyType     type;
  gsize       item;     /* bytes per value */
  gboolean    swap;     /* stored in the other byte order than this host's */
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

/* IEEE 754 binary16 to binary32.  With e the 5-bit exponent field:
 * normal numbers (0 < e < 31) only rebias it (15 -> 127, + 112) and widen
 * the mantissa; e = 31 is inf or nan, rebiased to 255 (+ 224) with the nan
 * payload kept; e = 0 is zero or a subnormal, mantissa * 2^-24, exact in a
 * float.  The cases are picked with bit masks, not branches, so that the
 * conversion loop vectorises. */
static inline float
half_to_float (guint16 h)
{
  guint32 magnitude = h & 0x7fff;
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 is_special = -(guint32) (magnitude >= 0x7c00);
  guint32 is_small = -(guint32) (magnitude < 0x400);
  guint32 normal = (magnitude << 13) + (112u << 23) + (is_special & (112u << 23));
  float small = (float) (gint32) magnitude * 0x1p-24f;
  guint32 small_bits, bits;
  float f;

  memcpy (&small_bits, &small, sizeof small_bits);
  bits = (small_bits & is_small) | (normal & ~is_small) | sign;
  memcpy (&f, &bits, sizeof f);
  return f;
}

/* Converts count consecutive stored values to float32.  One loop per type
 * and byte order so that each stays simple enough to vectorise. */
static void
convert_run (const guint8 *in,
             float        *out,
             gsize         count,
             NpyType       type,
             gboolean      swap)
{
  switch (type)
    {
    case NPY_F16:
      if (!swap)
        for (gsize k = 0; k < count; k++)
          {
            guint16 h;
            memcpy (&h, in + 2 * k, 2);
            out[k] = half_to_float (h);
          }
      else
        for (gsize k = 0; k < count; k++)
          {
            guint16 h;
            memcpy (&h, in + 2 * k, 2);
            out[k] = half_to_float (GUINT16_SWAP_LE_BE (h));
          }
      break;

    case NPY_F32:
      if (!swap)
        memcpy (out, in, count * 4);
      else
        for (gsize k = 0; k < count; k++)
          {
            guint32 u;
            memcpy (&u, in + 4 * k, 4);
            u = GUINT32_SWAP_LE_BE (u);
            memcpy (out + k, &u, 4);
          }
      break;

    case NPY_F64:
      for (gsize k = 0; k < count; k++)
        {
          guint64 u;
          double x;
          memcpy (&u, in + 8 * k, 8);
          if (swap)
            u = GUINT64_SWAP_LE_BE (u);
          memcpy (&x, &u, 8);
          out[k] = (float) x;
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The error for a non-finite value at row i, column j of the result. */
static void
set_non_finite_error (const NpyInfo *info,
                      const guint8  *data,
                      float          value,
                      gsize          i,
                      gsize          j,
                      GError       **error)
{
  gsize index = info->fortran ? j * info->n_rows + i : i * info->n_cols + j;
  gsize offset = info->data_offset + index * info->item;

  if (info->type == NPY_F64)
    {
      guint64 u;
      double x;

      memcpy (&u, data + offset, 8);
      if (info->swap)
        u = GUINT64_SWAP_LE_BE (u);
      memcpy (&x, &u, 8);
      if (isfinite (x))
        {
          emb_set_error_offset (error, EMB_ERROR_NON_FINITE, info->name, offset,
                                "row %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT
                                ": %g is too large for float32",
                                i, j, x);
          return;
        }
    }
  emb_set_error_offset (error, EMB_ERROR_NON_FINITE, info->name, offset,
                        "row %" G_GSIZE_FORMAT ", column %" G_GSIZE_FORMAT " is %s",
                        i, j, isnan (value) ? "nan" : value > 0 ? "inf" : "-inf");
}

/* Scans rows [first, first + count / n_cols) of the result for nan/inf. */
static gboolean
check_finite (const NpyInfo *info,
              const guint8  *data,
              const float   *values,
              gsize          first,
              gsize          count,
              GError       **error)
{
  gsize k;

  if (!emb_find_non_finite (values + first, count, &k))
    return TRUE;
  k += first;
  set_non_finite_error (info, data, values[k], k / info->n_cols, k % info->n_cols, error);
  return FALSE;
}

/* Fills matrix (a view or an owned copy) from a C-order array, checking
 * every value, in chunks that leave room to cancel and report progress. */
static gboolean
read_c_order (const EmbSource *src,
              const NpyInfo   *info,
              EmbMatrix       *matrix,
              gboolean         is_view,
              gboolean         keep_nonfinite,
              GError         **error)
{
  gsize count = info->n_rows * info->n_cols;
  const guint8 *in = src->data + info->data_offset;

  for (gsize start = 0; start < count; start += CHUNK_FLOATS)
    {
      gsize len = MIN (CHUNK_FLOATS, count - start);

      if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
        return FALSE;
      if (!is_view)
        convert_run (in + start * info->item, matrix->data + start, len,
                     info->type, info->swap);
      if (!keep_nonfinite && !check_finite (info, src->data, matrix->data, start, len, error))
        return FALSE;
      emb_source_progress (src, (double) (start + len) / count);
    }
  return TRUE;
}

/* Fills matrix from a Fortran-order (column-major) array.  Works in tiles
 * of TILE_ROWS rows: each stored column contributes a short contiguous run
 * that is converted, then spread over the tile's rows, which stay in cache
 * for the whole tile. */
static gboolean
read_fortran_order (const EmbSource *src,
                    const NpyInfo   *info,
                    EmbMatrix       *matrix,
                    gboolean         keep_nonfinite,
                    GError         **error)
{
  gsize n = info->n_rows, d = info->n_cols;
  const guint8 *in = src->data + info->data_offset;
  gsize rows_per_poll = MAX (TILE_ROWS, CHUNK_FLOATS / d / TILE_ROWS * TILE_ROWS);
  float tile[TILE_ROWS];

  for (gsize i0 = 0; i0 < n; i0 += TILE_ROWS)
    {
      gsize rows = MIN (TILE_ROWS, n - i0);

      if (i0 % rows_per_poll == 0)
        {
          if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
            return FALSE;
          emb_source_progress (src, (double) i0 / n);
        }
      for (gsize j = 0; j < d; j++)
        {
          convert_run (in + (j * n + i0) * info->item, tile, rows, info->type, info->swap);
          for (gsize t = 0; t < rows; t++)
            matrix->data[(i0 + t) * d + j] = tile[t];
        }
      if (!keep_nonfinite && !check_finite (info, src->data, matrix->data, i0 * d, rows * d, error))
        return FALSE;
    }
  return TRUE;
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
      info->type = info->item == 2 ? NPY_F16 : info->item == 4 ? NPY_F32 : NPY_F64;
      info->swap = file_order != G_BYTE_ORDER;
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
  gboolean is_view = FALSE;
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
  if (info.type == NPY_F32 && !info.swap && src->bytes != NULL &&
      (!info.fortran || info.n_rows == 1 || info.n_cols == 1))
    {
      matrix = emb_matrix_new_view (src->bytes, info.data_offset, info.n_rows, info.n_cols);
      is_view = matrix != NULL;
      if (is_view)
        info.fortran = FALSE;
    }
  if (matrix == NULL)
    {
      matrix = emb_matrix_new (info.n_rows, info.n_cols, error);
      if (matrix == NULL)
        {
          g_prefix_error (error, "%s: ", src->name);
          return NULL;
        }
    }

  if (info.fortran && info.n_rows > 1 && info.n_cols > 1)
    {
      if (!read_fortran_order (src, &info, matrix, options->keep_nonfinite, error))
        return NULL;
    }
  else
    {
      /* A one-row/column Fortran array is copied as if in C order. */
      info.fortran = FALSE;
      if (!read_c_order (src, &info, matrix, is_view, options->keep_nonfinite, error))
        return NULL;
    }

  result = emb_read_result_new (g_steal_pointer (&matrix), NULL);
  result->dtype = g_strconcat (info.big_endian ? "big-endian " : "",
                               info.type == NPY_F16 ? "float16" :
                               info.type == NPY_F32 ? "float32" : "float64",
                               NULL);
  return result;
}
