/* emb-reader-gguf-header.c: the header and metadata of a GGUF file.
 *
 * Layout (little-endian, versions 2 and 3):
 *   "GGUF", u32 version, u64 tensor_count, u64 metadata_kv_count,
 *   metadata_kv_count pairs of (string key, u32 value type, value),
 *   tensor_count infos of (string name, u32 n_dims, u64 ne[n_dims],
 *   u32 ggml type, u64 offset),
 *   zero padding up to general.alignment (default 32), then the tensor data;
 *   each tensor's offset counts from there and is a multiple of the
 *   alignment.  A string is a u64 length and that many bytes, an array a
 *   u32 element type, a u64 count and the elements.
 *
 * ggml lists dimensions fastest first: token_embd.weight has ne = [n_embd,
 * n_vocab], i.e. n_vocab rows of n_embd values, and shapes are reported
 * the other way round, rows first, as numpy and safetensors do.
 *
 * Every count and length comes from the file, so each is checked against
 * the bytes left, in 64-bit arithmetic that cannot overflow, before it is
 * used to read, loop or allocate.
 */
#include "config.h"

#include <string.h>

#include "io/emb-reader-gguf-private.h"
#include "base/emb-error.h"

/* Metadata bytes parsed between two polls of the cancellable. */
#define POLL_BYTES (4u << 20)

/* Arrays of arrays are allowed by the format but no writer nests deeply;
 * the bound only keeps a hostile file off the stack. */
#define MAX_ARRAY_DEPTH 8

#define DEFAULT_ALIGNMENT 32

/* Fewest bytes a metadata pair can take: key length, type, a u8 value. */
#define MIN_KV 13

/* auxiliary functions: types */

static const char * const gguf_type_names[GGUF_N_TYPES] = {
  "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
  "string", "array", "u64", "i64", "f64",
};

/* Bytes of a scalar value; 0 for strings and arrays, whose size varies. */
static const guint8 gguf_type_sizes[GGUF_N_TYPES] = {
  1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8,
};

guint
_emb_gguf_type_size (GgufType type)
{
  return type < GGUF_N_TYPES ? gguf_type_sizes[type] : 0;
}

/* auxiliary functions: reading */

void
_emb_gguf_reader_init (Reader       *r,
                       const char   *name,
                       const guint8 *data,
                       gsize         size,
                       GCancellable *cancellable)
{
  memset (r, 0, sizeof *r);
  r->name = name;
  r->data = data;
  r->size = size;
  r->cancellable = cancellable;
  r->next_poll = POLL_BYTES;
  r->where = g_strdup ("the header");
}

void
_emb_gguf_reader_clear (Reader *r)
{
  g_clear_pointer (&r->where, g_free);
}

void
_emb_gguf_reader_set_where (Reader     *r,
                            const char *format,
                            ...)
{
  va_list args;

  g_free (r->where);
  va_start (args, format);
  r->where = g_strdup_vprintf (format, args);
  va_end (args);
}

/* Bytes of a key or name, shown printable and short for messages. */
static char *
printable (const guint8 *text,
           guint64       len)
{
  GString *s = g_string_new (NULL);

  for (guint64 i = 0; i < len && s->len < 64; i++)
    g_string_append_c (s, g_ascii_isprint (text[i]) ? (char) text[i] : '?');
  if (len > 64)
    g_string_append (s, "...");
  return g_string_free (s, FALSE);
}

static guint64
reader_left (const Reader *r)
{
  return r->size - r->pos;
}

/* Are n more bytes there?  Else a truncation error at the current place. */
static gboolean
reader_need (Reader   *r,
             guint64   n,
             GError  **error)
{
  if (n <= reader_left (r))
    return TRUE;
  emb_set_error_offset (error, EMB_ERROR_TRUNCATED, r->name, r->pos,
                        "the file ends inside %s (%" G_GUINT64_FORMAT " bytes needed, %"
                        G_GUINT64_FORMAT " left)", r->where, n, reader_left (r));
  return FALSE;
}

/* Room for count items of at least item bytes each, checked before a loop
 * or an allocation: a count no file of this size can hold fails here, at
 * once, instead of after count iterations. */
gboolean
_emb_gguf_reader_need_items (Reader     *r,
                             guint64     count,
                             guint64     item,
                             const char *what,
                             GError    **error)
{
  guint64 bytes;

  if (__builtin_mul_overflow (count, item, &bytes))
    {
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->name, r->pos,
                            "%s: %" G_GUINT64_FORMAT " %s declared, too many to be real",
                            r->where, count, what);
      return FALSE;
    }
  if (bytes > reader_left (r))
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, r->name, r->pos,
                            "the file ends inside %s: %" G_GUINT64_FORMAT " %s need at least %"
                            G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT " left",
                            r->where, count, what, bytes, reader_left (r));
      return FALSE;
    }
  return TRUE;
}

gboolean
_emb_gguf_reader_poll (Reader  *r,
                       GError **error)
{
  if (r->pos < r->next_poll)
    return TRUE;
  r->next_poll = r->pos + POLL_BYTES;
  return !g_cancellable_set_error_if_cancelled (r->cancellable, error);
}

static guint32
load_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

guint64
_emb_gguf_load_u64 (const guint8 *p)
{
  return (guint64) load_u32 (p) | (guint64) load_u32 (p + 4) << 32;
}

gboolean
_emb_gguf_read_u32 (Reader   *r,
                    guint32  *out,
                    GError  **error)
{
  if (!reader_need (r, 4, error))
    return FALSE;
  *out = load_u32 (r->data + r->pos);
  r->pos += 4;
  return TRUE;
}

gboolean
_emb_gguf_read_u64 (Reader   *r,
                    guint64  *out,
                    GError  **error)
{
  if (!reader_need (r, 8, error))
    return FALSE;
  *out = _emb_gguf_load_u64 (r->data + r->pos);
  r->pos += 8;
  return TRUE;
}

/* A gguf string: its bytes stay in the file, not NUL-terminated. */
gboolean
_emb_gguf_read_string (Reader        *r,
                       const guint8 **text,
                       guint64       *len,
                       GError       **error)
{
  if (!_emb_gguf_read_u64 (r, len, error))
    return FALSE;
  if (*len > reader_left (r))
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, r->name, r->pos - 8,
                            "a string of %" G_GUINT64_FORMAT " bytes in %s runs past the end "
                            "of the file (%" G_GUINT64_FORMAT " bytes left)",
                            *len, r->where, reader_left (r));
      return FALSE;
    }
  *text = r->data + r->pos;
  r->pos += *len;
  return TRUE;
}

/* A value type, known or an error at the place it was read from. */
static gboolean
read_value_type (Reader   *r,
                 GgufType *out,
                 GError  **error)
{
  guint32 type;

  if (!_emb_gguf_read_u32 (r, &type, error))
    return FALSE;
  if (type >= GGUF_N_TYPES)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, r->pos - 4,
                            "unknown value type %u in %s", type, r->where);
      return FALSE;
    }
  *out = type;
  return TRUE;
}

/* Bools are one byte, 0 or 1; anything else is a broken file. */
static gboolean
check_bools (Reader   *r,
             guint64   count,
             GError  **error)
{
  for (guint64 i = 0; i < count; i++)
    if (r->data[r->pos + i] > 1)
      {
        emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, r->pos + i,
                              "a bool in %s is %u, not 0 or 1", r->where, r->data[r->pos + i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean skip_value (Reader *r, GgufType type, guint depth, GError **error);

/* Skips an array after its element type: the count, then the elements. */
static gboolean
skip_array (Reader   *r,
            GgufType  elem,
            guint     depth,
            GError  **error)
{
  guint64 count;

  if (!_emb_gguf_read_u64 (r, &count, error))
    return FALSE;

  if (gguf_type_sizes[elem] != 0)
    {
      if (!_emb_gguf_reader_need_items (r, count, gguf_type_sizes[elem], "values", error))
        return FALSE;
      if (elem == GGUF_BOOL && !check_bools (r, count, error))
        return FALSE;
      r->pos += count * gguf_type_sizes[elem];
      return TRUE;
    }

  if (elem == GGUF_STRING)
    {
      if (!_emb_gguf_reader_need_items (r, count, 8, "strings", error))
        return FALSE;
      for (guint64 i = 0; i < count; i++)
        {
          const guint8 *text;
          guint64 len;

          if (!_emb_gguf_read_string (r, &text, &len, error) || !_emb_gguf_reader_poll (r, error))
            return FALSE;
        }
      return TRUE;
    }

  /* An array of arrays: each element is at least a type and a count. */
  if (depth >= MAX_ARRAY_DEPTH)
    {
      emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, r->name, r->pos - 12,
                            "arrays in %s nest more than %d deep", r->where, MAX_ARRAY_DEPTH);
      return FALSE;
    }
  if (!_emb_gguf_reader_need_items (r, count, 12, "arrays", error))
    return FALSE;
  for (guint64 i = 0; i < count; i++)
    if (!skip_value (r, GGUF_ARRAY, depth + 1, error) || !_emb_gguf_reader_poll (r, error))
      return FALSE;
  return TRUE;
}

/* Steps over a value of type, checking it is inside the file. */
static gboolean
skip_value (Reader   *r,
            GgufType  type,
            guint     depth,
            GError  **error)
{
  const guint8 *text;
  guint64 len;
  GgufType elem;

  switch (type)
    {
    case GGUF_STRING:
      return _emb_gguf_read_string (r, &text, &len, error);

    case GGUF_ARRAY:
      return read_value_type (r, &elem, error) && skip_array (r, elem, depth, error);

    default:
      if (!reader_need (r, gguf_type_sizes[type], error))
        return FALSE;
      if (type == GGUF_BOOL && !check_bools (r, 1, error))
        return FALSE;
      r->pos += gguf_type_sizes[type];
      return TRUE;
    }
}

/* An integer scalar or array element at p, widened; FALSE for a type that
 * is not an integer. */
gboolean
_emb_gguf_load_integer (const guint8 *p,
                        GgufType      type,
                        gint64       *out,
                        gboolean     *negative)
{
  guint64 u;

  *negative = FALSE;
  switch (type)
    {
    case GGUF_U8: *out = p[0]; return TRUE;
    case GGUF_I8: *out = (gint8) p[0]; break;
    case GGUF_U16: *out = p[0] | p[1] << 8; return TRUE;
    case GGUF_I16: *out = (gint16) (p[0] | p[1] << 8); break;
    case GGUF_U32: *out = load_u32 (p); return TRUE;
    case GGUF_I32: *out = (gint32) load_u32 (p); break;
    case GGUF_U64:
      u = _emb_gguf_load_u64 (p);
      /* Beyond any token type; general.alignment reads it itself. */
      *out = u > G_MAXINT64 ? G_MAXINT64 : (gint64) u;
      return TRUE;
    case GGUF_I64: *out = (gint64) _emb_gguf_load_u64 (p); break;
    default: return FALSE;
    }
  *negative = *out < 0;
  return TRUE;
}

/* auxiliary functions: header and metadata */

gboolean
_emb_gguf_key_is (const guint8 *key,
                  guint64       len,
                  const char   *name)
{
  return len == strlen (name) && memcmp (key, name, len) == 0;
}

/* The error for a key whose value has the wrong type. */
static void
set_key_type_error (Reader      *r,
                    guint64      at,
                    const char  *key,
                    GgufType     type,
                    GgufType     elem,
                    const char  *expected,
                    GError     **error)
{
  emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, at,
                        "%s is %s%s%s, not %s", key,
                        type == GGUF_ARRAY ? "an array of " : "a ",
                        gguf_type_names[type == GGUF_ARRAY ? elem : type],
                        type == GGUF_ARRAY ? " values" : " value",
                        expected);
}

static gboolean
is_integer_type (GgufType type)
{
  return type <= GGUF_I32 || type == GGUF_U64 || type == GGUF_I64;
}

/* One metadata pair: the keys this reader uses are recorded in h, every
 * value is checked and stepped over. */
static gboolean
read_kv (Reader     *r,
         GgufHeader *h,
         guint64     index,
         GError    **error)
{
  const guint8 *key;
  guint64 key_len, type_pos, value_pos;
  g_autofree char *shown = NULL;
  GgufType type, elem = GGUF_U8;
  gboolean is_tokens, is_types;

  _emb_gguf_reader_set_where (r, "the key of metadata pair %" G_GUINT64_FORMAT, index);
  if (!_emb_gguf_read_string (r, &key, &key_len, error))
    return FALSE;
  shown = printable (key, key_len);
  _emb_gguf_reader_set_where (r, "metadata '%s'", shown);
  type_pos = r->pos;
  if (!read_value_type (r, &type, error))
    return FALSE;
  value_pos = r->pos;
  is_tokens = _emb_gguf_key_is (key, key_len, "tokenizer.ggml.tokens");
  is_types = _emb_gguf_key_is (key, key_len, "tokenizer.ggml.token_type");

  if (_emb_gguf_key_is (key, key_len, "general.alignment"))
    {
      guint64 value;
      gint64 signed_value = 0;
      gboolean negative = FALSE;

      if (!reader_need (r, gguf_type_sizes[type], error))
        return FALSE;
      if (!is_integer_type (type))
        {
          set_key_type_error (r, type_pos, shown, type, elem, "an unsigned integer", error);
          return FALSE;
        }
      if (type == GGUF_U64)
        value = _emb_gguf_load_u64 (r->data + r->pos);
      else
        {
          _emb_gguf_load_integer (r->data + r->pos, type, &signed_value, &negative);
          value = negative ? 0 : (guint64) signed_value;
        }
      /* Zero, negative values and non-powers of two cannot align anything. */
      if (negative)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, value_pos,
                                "general.alignment is %" G_GINT64_FORMAT ", not a power of two",
                                signed_value);
          return FALSE;
        }
      if (value == 0 || (value & (value - 1)) != 0)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, value_pos,
                                "general.alignment is %" G_GUINT64_FORMAT ", not a power of two",
                                value);
          return FALSE;
        }
      h->alignment = value;
    }
  else if (is_tokens || is_types)
    {
      /* The element type and count, looked at here and checked with the
       * whole array by skip_value below (which reports an unknown type). */
      if (type == GGUF_ARRAY)
        {
          guint32 raw_elem;

          if (!reader_need (r, 12, error))
            return FALSE;
          raw_elem = load_u32 (r->data + r->pos);
          if (raw_elem >= GGUF_N_TYPES)
            return skip_value (r, type, 0, error);
          elem = raw_elem;
        }
      if (is_tokens && (type != GGUF_ARRAY || elem != GGUF_STRING))
        {
          set_key_type_error (r, type_pos, shown, type, elem, "an array of strings", error);
          return FALSE;
        }
      if (is_types && (type != GGUF_ARRAY || !is_integer_type (elem)))
        {
          set_key_type_error (r, type_pos, shown, type, elem, "an array of integers", error);
          return FALSE;
        }
      if (is_tokens)
        {
          h->has_tokens = TRUE;
          h->n_tokens = _emb_gguf_load_u64 (r->data + r->pos + 4);
          h->tokens_pos = r->pos + 12;
        }
      else
        {
          h->has_types = TRUE;
          h->types_elem = elem;
          h->n_types = _emb_gguf_load_u64 (r->data + r->pos + 4);
          h->types_pos = r->pos + 12;
        }
    }
  else if (_emb_gguf_key_is (key, key_len, "tokenizer.ggml.model"))
    {
      if (type != GGUF_STRING)
        {
          set_key_type_error (r, type_pos, shown, type, elem, "a string", error);
          return FALSE;
        }
      if (!_emb_gguf_read_string (r, &h->model, &h->model_len, error))
        return FALSE;
      r->pos = value_pos;
    }

  if (!skip_value (r, type, 0, error))
    return FALSE;
  /* skip_value proved n_tokens strings fill [tokens_pos, pos). */
  if (is_tokens)
    h->tokens_bytes = r->pos - h->tokens_pos - 8 * h->n_tokens;
  return _emb_gguf_reader_poll (r, error);
}

/* The fixed header and all metadata; leaves r at the first tensor info. */
gboolean
_emb_gguf_read_header (Reader     *r,
                       GgufHeader *h,
                       GError    **error)
{
  const guint8 *d = r->data;

  memset (h, 0, sizeof *h);
  h->alignment = DEFAULT_ALIGNMENT;

  if (r->size < 4 || memcmp (d, "GGUF", 4) != 0)
    {
      if (r->size < 4 && (r->size == 0 || memcmp (d, "GGUF", r->size) == 0))
        emb_set_error_offset (error, EMB_ERROR_TRUNCATED, r->name, r->size,
                              "the file ends inside the GGUF magic");
      else
        emb_set_error_file (error, EMB_ERROR_FORMAT, r->name,
                            "not a GGUF file (it does not start with \"GGUF\")");
      return FALSE;
    }
  r->pos = 4;
  if (!_emb_gguf_read_u32 (r, &h->version, error))
    return FALSE;

  /* A big-endian file stores the small version number byte-swapped. */
  if (h->version >= 0x01000000u && (h->version & 0xffff) == 0)
    {
      emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, r->name, 4,
                            "a big-endian GGUF file (version %u stored byte-swapped): "
                            "only little-endian GGUF is read", GUINT32_SWAP_LE_BE (h->version));
      return FALSE;
    }
  if (h->version == 1)
    {
      emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, r->name, 4,
                            "GGUF version 1 (32-bit counts, replaced by version 2 in 2023) "
                            "is not read: convert the model again with a current llama.cpp");
      return FALSE;
    }
  if (h->version != 2 && h->version != 3)
    {
      emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, r->name, 4,
                            "GGUF version %u (known: 2, 3)", h->version);
      return FALSE;
    }

  if (!_emb_gguf_read_u64 (r, &h->n_tensors, error) || !_emb_gguf_read_u64 (r, &h->n_kv, error))
    return FALSE;
  _emb_gguf_reader_set_where (r, "the metadata");
  if (!_emb_gguf_reader_need_items (r, h->n_kv, MIN_KV, "metadata pairs", error))
    return FALSE;
  for (guint64 i = 0; i < h->n_kv; i++)
    if (!read_kv (r, h, i, error))
      return FALSE;
  return TRUE;
}

