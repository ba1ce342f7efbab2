/* emb-reader-gguf.c: GGUF files, as llama.cpp writes them.
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

#include <math.h>
#include <string.h>

#include "io/emb-reader.h"
#include "io/emb-reader-vocab.h"
#include "io/emb-tensors.h"
#include "base/emb-error.h"
#include "io/emb-tensor-read.h"

/* Metadata bytes parsed between two polls of the cancellable. */
#define POLL_BYTES (4u << 20)

/* Arrays of arrays are allowed by the format but no writer nests deeply;
 * the bound only keeps a hostile file off the stack. */
#define MAX_ARRAY_DEPTH 8

#define DEFAULT_ALIGNMENT 32

#define MAX_DIMS 4

/* Fewest bytes a tensor info can take: name length, n_dims, type, offset. */
#define MIN_TENSOR_INFO 24

/* Fewest bytes a metadata pair can take: key length, type, a u8 value. */
#define MIN_KV 13

/* auxiliary functions: types */

typedef enum
{
  GGUF_U8,
  GGUF_I8,
  GGUF_U16,
  GGUF_I16,
  GGUF_U32,
  GGUF_I32,
  GGUF_F32,
  GGUF_BOOL,
  GGUF_STRING,
  GGUF_ARRAY,
  GGUF_U64,
  GGUF_I64,
  GGUF_F64,
  GGUF_N_TYPES
} GgufType;

static const char * const gguf_type_names[GGUF_N_TYPES] = {
  "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
  "string", "array", "u64", "i64", "f64",
};

/* Bytes of a scalar value; 0 for strings and arrays, whose size varies. */
static const guint8 gguf_type_sizes[GGUF_N_TYPES] = {
  1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8,
};

enum
{
  GGML_F32 = 0,
  GGML_F16 = 1,
  GGML_Q4_0 = 2,
  GGML_Q8_0 = 8,
  GGML_F64 = 28,
  GGML_BF16 = 30,
};

/* ggml tensor types: name, values per block, bytes per block.  The sizes
 * of the types this reader cannot convert are still needed to check that
 * every tensor lies inside the file.  Ids missing here were removed from
 * ggml or are newer than this table: such tensors are listed, not read. */
typedef struct
{
  const char *name;
  guint32     block;
  guint32     bytes;
} GgmlType;

static const GgmlType ggml_types[] = {
  [0]  = { "F32", 1, 4 },
  [1]  = { "F16", 1, 2 },
  [2]  = { "Q4_0", 32, 18 },
  [3]  = { "Q4_1", 32, 20 },
  [6]  = { "Q5_0", 32, 22 },
  [7]  = { "Q5_1", 32, 24 },
  [8]  = { "Q8_0", 32, 34 },
  [9]  = { "Q8_1", 32, 36 },
  [10] = { "Q2_K", 256, 84 },
  [11] = { "Q3_K", 256, 110 },
  [12] = { "Q4_K", 256, 144 },
  [13] = { "Q5_K", 256, 176 },
  [14] = { "Q6_K", 256, 210 },
  [15] = { "Q8_K", 256, 292 },
  [16] = { "IQ2_XXS", 256, 66 },
  [17] = { "IQ2_XS", 256, 74 },
  [18] = { "IQ3_XXS", 256, 98 },
  [19] = { "IQ1_S", 256, 50 },
  [20] = { "IQ4_NL", 32, 18 },
  [21] = { "IQ3_S", 256, 110 },
  [22] = { "IQ2_S", 256, 82 },
  [23] = { "IQ4_XS", 256, 136 },
  [24] = { "I8", 1, 1 },
  [25] = { "I16", 1, 2 },
  [26] = { "I32", 1, 4 },
  [27] = { "I64", 1, 8 },
  [28] = { "F64", 1, 8 },
  [29] = { "IQ1_M", 256, 56 },
  [30] = { "BF16", 1, 2 },
  [34] = { "TQ1_0", 256, 54 },
  [35] = { "TQ2_0", 256, 66 },
  [39] = { "MXFP4", 32, 17 },
};

static const GgmlType *
ggml_type_lookup (guint32 type)
{
  if (type < G_N_ELEMENTS (ggml_types) && ggml_types[type].name != NULL)
    return &ggml_types[type];
  return NULL;
}

static gboolean
ggml_type_readable (guint32 type)
{
  return type == GGML_F32 || type == GGML_F16 || type == GGML_BF16 ||
         type == GGML_F64 || type == GGML_Q8_0 || type == GGML_Q4_0;
}

/* The dataset's dtype for a readable type. */
static const char *
ggml_type_dtype (guint32 type)
{
  switch (type)
    {
    case GGML_F32: return "float32";
    case GGML_F16: return "float16";
    case GGML_BF16: return "bfloat16";
    case GGML_F64: return "float64";
    case GGML_Q8_0: return "q8_0";
    case GGML_Q4_0: return "q4_0";
    default: g_assert_not_reached (); return NULL;
    }
}

static char *
ggml_type_describe (guint32 type)
{
  const GgmlType *t = ggml_type_lookup (type);

  return t != NULL ? g_strdup (t->name) : g_strdup_printf ("type %u", type);
}

/* auxiliary functions: reading */

typedef struct
{
  const char   *name;        /* the file, for messages */
  const guint8 *data;
  guint64       size;
  guint64       pos;
  GCancellable *cancellable;
  guint64       next_poll;
  char         *where;       /* what is being read, for messages */
} Reader;

static void
reader_init (Reader       *r,
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

static void
reader_clear (Reader *r)
{
  g_clear_pointer (&r->where, g_free);
}

static void
reader_set_where (Reader     *r,
                  const char *format,
                  ...) G_GNUC_PRINTF (2, 3);

static void
reader_set_where (Reader     *r,
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
static gboolean
reader_need_items (Reader     *r,
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

static gboolean
reader_poll (Reader  *r,
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

static guint64
load_u64 (const guint8 *p)
{
  return (guint64) load_u32 (p) | (guint64) load_u32 (p + 4) << 32;
}

static gboolean
read_u32 (Reader   *r,
          guint32  *out,
          GError  **error)
{
  if (!reader_need (r, 4, error))
    return FALSE;
  *out = load_u32 (r->data + r->pos);
  r->pos += 4;
  return TRUE;
}

static gboolean
read_u64 (Reader   *r,
          guint64  *out,
          GError  **error)
{
  if (!reader_need (r, 8, error))
    return FALSE;
  *out = load_u64 (r->data + r->pos);
  r->pos += 8;
  return TRUE;
}

/* A gguf string: its bytes stay in the file, not NUL-terminated. */
static gboolean
read_string (Reader        *r,
             const guint8 **text,
             guint64       *len,
             GError       **error)
{
  if (!read_u64 (r, len, error))
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

  if (!read_u32 (r, &type, error))
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

  if (!read_u64 (r, &count, error))
    return FALSE;

  if (gguf_type_sizes[elem] != 0)
    {
      if (!reader_need_items (r, count, gguf_type_sizes[elem], "values", error))
        return FALSE;
      if (elem == GGUF_BOOL && !check_bools (r, count, error))
        return FALSE;
      r->pos += count * gguf_type_sizes[elem];
      return TRUE;
    }

  if (elem == GGUF_STRING)
    {
      if (!reader_need_items (r, count, 8, "strings", error))
        return FALSE;
      for (guint64 i = 0; i < count; i++)
        {
          const guint8 *text;
          guint64 len;

          if (!read_string (r, &text, &len, error) || !reader_poll (r, error))
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
  if (!reader_need_items (r, count, 12, "arrays", error))
    return FALSE;
  for (guint64 i = 0; i < count; i++)
    if (!skip_value (r, GGUF_ARRAY, depth + 1, error) || !reader_poll (r, error))
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
      return read_string (r, &text, &len, error);

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
static gboolean
load_integer (const guint8 *p,
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
      u = load_u64 (p);
      /* Beyond any token type; general.alignment reads it itself. */
      *out = u > G_MAXINT64 ? G_MAXINT64 : (gint64) u;
      return TRUE;
    case GGUF_I64: *out = (gint64) load_u64 (p); break;
    default: return FALSE;
    }
  *negative = *out < 0;
  return TRUE;
}

/* auxiliary functions: header and metadata */

typedef struct
{
  guint32       version;
  guint64       n_tensors;
  guint64       n_kv;

  guint64       alignment;

  gboolean      has_tokens;
  guint64       tokens_pos;      /* the first string of tokenizer.ggml.tokens */
  guint64       n_tokens;
  guint64       tokens_bytes;    /* their total length */

  gboolean      has_types;
  guint64       types_pos;       /* the first value of tokenizer.ggml.token_type */
  guint64       n_types;
  GgufType      types_elem;

  const guint8 *model;           /* tokenizer.ggml.model, or NULL */
  guint64       model_len;
} GgufHeader;

static gboolean
key_is (const guint8 *key,
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

  reader_set_where (r, "the key of metadata pair %" G_GUINT64_FORMAT, index);
  if (!read_string (r, &key, &key_len, error))
    return FALSE;
  shown = printable (key, key_len);
  reader_set_where (r, "metadata '%s'", shown);
  type_pos = r->pos;
  if (!read_value_type (r, &type, error))
    return FALSE;
  value_pos = r->pos;
  is_tokens = key_is (key, key_len, "tokenizer.ggml.tokens");
  is_types = key_is (key, key_len, "tokenizer.ggml.token_type");

  if (key_is (key, key_len, "general.alignment"))
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
        value = load_u64 (r->data + r->pos);
      else
        {
          load_integer (r->data + r->pos, type, &signed_value, &negative);
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
          h->n_tokens = load_u64 (r->data + r->pos + 4);
          h->tokens_pos = r->pos + 12;
        }
      else
        {
          h->has_types = TRUE;
          h->types_elem = elem;
          h->n_types = load_u64 (r->data + r->pos + 4);
          h->types_pos = r->pos + 12;
        }
    }
  else if (key_is (key, key_len, "tokenizer.ggml.model"))
    {
      if (type != GGUF_STRING)
        {
          set_key_type_error (r, type_pos, shown, type, elem, "a string", error);
          return FALSE;
        }
      if (!read_string (r, &h->model, &h->model_len, error))
        return FALSE;
      r->pos = value_pos;
    }

  if (!skip_value (r, type, 0, error))
    return FALSE;
  /* skip_value proved n_tokens strings fill [tokens_pos, pos). */
  if (is_tokens)
    h->tokens_bytes = r->pos - h->tokens_pos - 8 * h->n_tokens;
  return reader_poll (r, error);
}

/* The fixed header and all metadata; leaves r at the first tensor info. */
static gboolean
read_header (Reader     *r,
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
  if (!read_u32 (r, &h->version, error))
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

  if (!read_u64 (r, &h->n_tensors, error) || !read_u64 (r, &h->n_kv, error))
    return FALSE;
  reader_set_where (r, "the metadata");
  if (!reader_need_items (r, h->n_kv, MIN_KV, "metadata pairs", error))
    return FALSE;
  for (guint64 i = 0; i < h->n_kv; i++)
    if (!read_kv (r, h, i, error))
      return FALSE;
  return TRUE;
}

/* auxiliary functions: the vocabulary */

static EmbTokenType
token_type_from_gguf (gint64 value)
{
  /* llama.cpp's token types; 0 (undefined) and unknown values: normal. */
  switch (value)
    {
    case 2: return EMB_TOKEN_UNKNOWN;
    case 3: return EMB_TOKEN_CONTROL;
    case 4: return EMB_TOKEN_USER;
    case 5: return EMB_TOKEN_UNUSED;
    case 6: return EMB_TOKEN_BYTE;
    default: return EMB_TOKEN_NORMAL;
    }
}

static EmbDecoder
decoder_from_model (const guint8 *model,
                    guint64       len)
{
  if (model == NULL)
    return EMB_DECODER_NONE;
  if (key_is (model, len, "gpt2"))
    return EMB_DECODER_BYTE_LEVEL;
  /* T5's tokenizer is SentencePiece too, with the same "▁" for a space. */
  if (key_is (model, len, "llama") || key_is (model, len, "t5"))
    return EMB_DECODER_SENTENCEPIECE;
  return EMB_DECODER_NONE;
}

/* The tokens, types and decoder recorded in h.  read_header has already
 * checked every string and value against the file. */
static EmbVocab *
build_vocab (Reader           *r,
             const GgufHeader *h,
             GError          **error)
{
  g_autoptr(EmbVocab) vocab = emb_vocab_new ();
  guint64 pos = h->tokens_pos;

  emb_vocab_reserve (vocab, h->n_tokens, h->tokens_bytes);
  for (guint64 i = 0; i < h->n_tokens; i++)
    {
      guint64 len = load_u64 (r->data + pos);

      emb_vocab_add (vocab, (const char *) r->data + pos + 8, len);
      pos += 8 + len;
      if ((i & 0xffff) == 0xffff &&
          g_cancellable_set_error_if_cancelled (r->cancellable, error))
        return NULL;
    }

  if (h->has_types)
    {
      guint64 n = MIN (h->n_types, h->n_tokens);
      guint size = gguf_type_sizes[h->types_elem];

      for (guint64 i = 0; i < n; i++)
        {
          gint64 value;
          gboolean negative;

          load_integer (r->data + h->types_pos + i * size, h->types_elem, &value, &negative);
          if (token_type_from_gguf (value) != EMB_TOKEN_NORMAL)
            emb_vocab_set_token_type (vocab, i, token_type_from_gguf (value));
        }
    }

  emb_vocab_set_decoder (vocab, decoder_from_model (h->model, h->model_len));
  return g_steal_pointer (&vocab);
}

/* auxiliary functions: tensors */

typedef struct
{
  guint32 type;
  guint   n_dims;
  guint64 ne[MAX_DIMS];
  guint64 offset;        /* from the data section as stored, then from the file start */
  guint64 offset_pos;    /* where the offset field is, for messages */
  guint64 info_pos;      /* where the tensor info starts */
  guint64 n_bytes;       /* 0 when the type is unknown */
} GgufTensor;

typedef struct
{
  EmbTensorInfo *infos;
  GgufTensor    *tensors;
  gsize          n;
} TensorTable;

static void
tensor_table_clear (TensorTable *t)
{
  for (gsize i = 0; i < t->n && t->infos != NULL; i++)
    emb_tensor_info_clear (&t->infos[i]);
  g_clear_pointer (&t->infos, g_free);
  g_clear_pointer (&t->tensors, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TensorTable, tensor_table_clear)

/* One tensor info: name, dimensions, type and offset, with its element
 * count and byte size checked for overflow. */
static gboolean
read_tensor_info (Reader        *r,
                  gsize          index,
                  GgufTensor    *t,
                  EmbTensorInfo *info,
                  GError       **error)
{
  const guint8 *name;
  guint64 name_len, count = 1;
  guint32 n_dims;
  const GgmlType *gt;
  g_autofree char *raw_name = NULL;

  t->info_pos = r->pos;
  reader_set_where (r, "the info of tensor %" G_GSIZE_FORMAT, index);
  if (!read_string (r, &name, &name_len, error))
    return FALSE;
  /* Names are ASCII in practice; keep whatever is there readable. */
  raw_name = g_strndup ((const char *) name, name_len);
  info->name = g_utf8_make_valid (raw_name, -1);
  reader_set_where (r, "the info of tensor %" G_GSIZE_FORMAT " '%s'", index, info->name);

  if (!read_u32 (r, &n_dims, error))
    return FALSE;
  if (n_dims > MAX_DIMS)
    {
      emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, r->name, r->pos - 4,
                            "tensor '%s' has %u dimensions (at most %d)",
                            info->name, n_dims, MAX_DIMS);
      return FALSE;
    }
  t->n_dims = info->n_dims = n_dims;
  for (guint k = 0; k < n_dims; k++)
    {
      if (!read_u64 (r, &t->ne[k], error))
        return FALSE;
      /* ggml holds sizes in int64, and their product must fit too. */
      if (t->ne[k] > G_MAXINT64 || __builtin_mul_overflow (count, t->ne[k], &count) ||
          count > G_MAXINT64)
        {
          emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->name, r->pos - 8,
                                "tensor '%s': dimension %u (%" G_GUINT64_FORMAT
                                ") makes it too large to be real",
                                info->name, k, t->ne[k]);
          return FALSE;
        }
      info->shape[n_dims - 1 - k] = t->ne[k];
    }

  if (!read_u32 (r, &t->type, error))
    return FALSE;
  gt = ggml_type_lookup (t->type);
  info->dtype = ggml_type_describe (t->type);
  info->readable = ggml_type_readable (t->type);
  if (gt != NULL)
    {
      /* Blocks run along the fastest dimension, never across rows. */
      if (n_dims > 0 && t->ne[0] % gt->block != 0)
        {
          emb_set_error_offset (error, EMB_ERROR_SHAPE, r->name, r->pos - 4,
                                "tensor '%s': its rows of %" G_GUINT64_FORMAT " values are not "
                                "whole %s blocks of %u", info->name, t->ne[0], gt->name, gt->block);
          return FALSE;
        }
      if (__builtin_mul_overflow (count / gt->block, (guint64) gt->bytes, &t->n_bytes))
        {
          emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->name, t->info_pos,
                                "tensor '%s' is too large to be real", info->name);
          return FALSE;
        }
    }

  t->offset_pos = r->pos;
  return read_u64 (r, &t->offset, error);
}

/* All tensor infos, then where each one's data lies. */
static gboolean
read_tensor_table (Reader           *r,
                   const GgufHeader *h,
                   TensorTable      *table,
                   GError          **error)
{
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 data_start;

  reader_set_where (r, "the tensor infos");
  if (!reader_need_items (r, h->n_tensors, MIN_TENSOR_INFO, "tensors", error))
    return FALSE;
  table->n = h->n_tensors;
  table->infos = g_new0 (EmbTensorInfo, table->n);
  table->tensors = g_new0 (GgufTensor, table->n);
  for (gsize i = 0; i < table->n; i++)
    {
      if (!read_tensor_info (r, i, &table->tensors[i], &table->infos[i], error) ||
          !reader_poll (r, error))
        return FALSE;
      if (!g_hash_table_add (names, table->infos[i].name))
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, table->tensors[i].info_pos,
                                "tensor '%s' is listed twice", table->infos[i].name);
          return FALSE;
        }
    }

  /* The data section starts at the next multiple of the alignment. */
  if (__builtin_add_overflow (r->pos, h->alignment - 1, &data_start))
    data_start = G_MAXUINT64;
  data_start &= ~(h->alignment - 1);

  for (gsize i = 0; i < table->n; i++)
    {
      GgufTensor *t = &table->tensors[i];
      const char *name = table->infos[i].name;
      guint64 start, end;

      if (t->offset % h->alignment != 0)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, r->name, t->offset_pos,
                                "tensor '%s': data offset %" G_GUINT64_FORMAT " is not a multiple "
                                "of the alignment %" G_GUINT64_FORMAT,
                                name, t->offset, h->alignment);
          return FALSE;
        }
      if (__builtin_add_overflow (data_start, t->offset, &start) ||
          __builtin_add_overflow (start, t->n_bytes, &end))
        {
          emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->name, t->offset_pos,
                                "tensor '%s': data offset %" G_GUINT64_FORMAT
                                " is too large to be real", name, t->offset);
          return FALSE;
        }
      if (end > r->size)
        {
          emb_set_error_offset (error, EMB_ERROR_TRUNCATED, r->name, end,
                                "the data of tensor '%s' (%s, %" G_GUINT64_FORMAT
                                " bytes from byte %" G_GUINT64_FORMAT ") should end here, "
                                "but the file has only %" G_GUINT64_FORMAT " bytes",
                                name, table->infos[i].dtype, t->n_bytes, start, r->size);
          return FALSE;
        }
      /* From here on, offset is from the start of the file. */
      t->offset = start;
    }
  return TRUE;
}

/* A tensor the user or the file's own naming points at, but that this
 * reader cannot convert, gets an error naming its type, rather than
 * another tensor being shown in its place. */
static gboolean
check_chosen_type (const EmbSource   *src,
                   const TensorTable *table,
                   const char        *wanted,
                   GError           **error)
{
  const char *name = wanted != NULL ? wanted : "token_embd.weight";

  for (gsize i = 0; i < table->n; i++)
    {
      const EmbTensorInfo *info = &table->infos[i];

      if (!g_str_equal (info->name, name) || info->readable)
        continue;
      if (ggml_type_lookup (table->tensors[i].type) == NULL)
        emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, src->name, table->tensors[i].info_pos,
                              "tensor '%s' has ggml type %u, which is not a known type",
                              name, table->tensors[i].type);
      else
        emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, src->name, table->tensors[i].info_pos,
                              "tensor '%s' is %s, which is not read (readable: F32, F16, BF16, "
                              "F64, Q8_0, Q4_0)%s", name, info->dtype,
                              wanted == NULL ? "; pick another tensor with --tensor" : "");
      return FALSE;
    }
  return TRUE;
}

/* auxiliary functions: the data */

static EmbStoredType
ggml_type_stored (guint32 type)
{
  switch (type)
    {
    case GGML_F32: return EMB_STORED_F32;
    case GGML_F16: return EMB_STORED_F16;
    case GGML_BF16: return EMB_STORED_BF16;
    case GGML_F64: return EMB_STORED_F64;
    case GGML_Q8_0: return EMB_STORED_Q8_0;
    case GGML_Q4_0: return EMB_STORED_Q4_0;
    default: g_assert_not_reached (); return EMB_STORED_F32;
    }
}

/* The chosen tensor as an n_vocab x n_embd float32 matrix: a view of the
 * file for aligned little-endian F32, else converted in chunks; any nan or
 * inf is refused. */
static EmbMatrix *
read_matrix (const EmbSource  *src,
             const GgufTensor *t,
             const char       *tensor,
             gboolean          keep_nonfinite,
             GError          **error)
{
  gsize rows = t->ne[1], cols = t->ne[0], count;
  EmbTensorLayout layout = { 0 };

  if (rows != t->ne[1] || cols != t->ne[0] || !emb_size_mul (rows, cols, &count))
    {
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, src->name, t->info_pos,
                            "tensor '%s' is too large for this computer", tensor);
      return NULL;
    }
  layout.tensor = tensor;
  layout.type = ggml_type_stored (t->type);
  layout.offset = t->offset;
  layout.n_rows = rows;
  layout.n_cols = cols;
  return emb_tensor_read (src, &layout, keep_nonfinite, error);
}

/* public API */

/* Reads the token-embedding tensor of a GGUF file (or the one named by
 * --tensor) as float32, with the file's vocabulary when it has one. */
EmbReadResult *
emb_read_gguf (const EmbSource      *src,
               const EmbReadOptions *options,
               GError              **error)
{
  g_auto(TensorTable) table = { 0 };
  g_autoptr(EmbMatrix) matrix = NULL;
  g_autoptr(EmbVocab) vocab = NULL;
  GgufHeader h;
  Reader r;
  gssize index;
  EmbReadResult *result = NULL;

  reader_init (&r, src->name, src->data, src->size, src->cancellable);
  if (!read_header (&r, &h, error))
    goto out;

  if (h.n_tensors == 0)
    {
      if (h.has_tokens)
        emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                            "has no tensors, only a vocabulary of %" G_GUINT64_FORMAT
                            " tokens: use it as --vocab", h.n_tokens);
      else
        emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                            "has no tensors: a vocabulary-only file? use it as --vocab");
      goto out;
    }

  if (!read_tensor_table (&r, &h, &table, error) ||
      !check_chosen_type (src, &table, options->tensor, error))
    goto out;

  index = emb_pick_embedding_tensor (src->name, table.infos, table.n,
                                     options->tensor, error);
  if (index < 0)
    goto out;

  matrix = read_matrix (src, &table.tensors[index], table.infos[index].name,
                        options->keep_nonfinite, error);
  if (matrix == NULL)
    goto out;

  if (h.has_tokens)
    {
      vocab = build_vocab (&r, &h, error);
      if (vocab == NULL)
        goto out;
    }

  result = emb_read_result_new (g_steal_pointer (&matrix),
                                ggml_type_dtype (table.tensors[index].type));
  result->tensors = emb_tensor_list_describe (table.infos, table.n);
  result->tensor = g_strdup (table.infos[index].name);
  if (vocab != NULL)
    {
      result->vocab = g_steal_pointer (&vocab);
      result->vocab_source = g_strdup ("tokenizer.ggml.tokens");
    }

out:
  reader_clear (&r);
  return result;
}

/* The vocabulary of a GGUF file, for --vocab: llama.cpp ships
 * vocabulary-only GGUF files, and a model file works too. */
EmbVocab *
emb_vocab_read_gguf (const char   *name,
                     const guint8 *data,
                     gsize         size,
                     GError      **error)
{
  EmbVocab *vocab = NULL;
  GgufHeader h;
  Reader r;

  reader_init (&r, name, data, size, NULL);
  if (!read_header (&r, &h, error))
    goto out;
  if (!h.has_tokens)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, name,
                          "has no tokenizer.ggml.tokens: not a vocabulary");
      goto out;
    }
  vocab = build_vocab (&r, &h, error);

out:
  reader_clear (&r);
  return vocab;
}
