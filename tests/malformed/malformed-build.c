/* malformed-build.c: the helpers the malformed-input cases build their
 * files with: raw bytes, the place a message must name, and valid
 * headers of each binary format to break. */
#include <string.h>

#include "io/emb-parse.h"
#include "malformed.h"

void
put (GByteArray *b,
     const void *data,
     gsize       len)
{
  g_byte_array_append (b, data, len);
}

void
put_floats (GByteArray  *b,
            const float *values,
            gsize        n)
{
  for (gsize i = 0; i < n; i++)
    emb_test_put_f32 (b, values[i]);
}

void
put_zeros (GByteArray *b,
           gsize       n)
{
  for (gsize i = 0; i < n; i++)
    emb_test_put_u8 (b, 0);
}

/* A 2 x 3 matrix whose float32 bytes hold no space, tab or newline. */
const float six[6] = { 1, 2, 3, 4, 5, 6 };

/* The 1-based line of text holding the first occurrence of mark. */
guint64
line_of (const char *text,
         const char *mark)
{
  const char *at = strstr (text, mark);
  guint64 line = 1;

  g_assert_nonnull (at);
  for (const char *p = text; p < at; p++)
    line += *p == '\n';
  return line;
}

/* The byte of text where mark first occurs. */
guint64
offset_of (const char *text,
           const char *mark)
{
  const char *at = strstr (text, mark);

  g_assert_nonnull (at);
  return at - text;
}

/* The byte where the n-th (from 1) occurrence of c is. */
guint64
nth_char (const char *text,
          char        c,
          guint       n)
{
  for (const char *p = text; *p != '\0'; p++)
    if (*p == c && --n == 0)
      return p - text;
  g_assert_not_reached ();
  return 0;
}

/* A version 1.0 .npy header holding dict, padded with spaces and a
 * newline so that the data starts at a multiple of 64 bytes, as numpy
 * writes it.  Returns where the data starts. */
gsize
npy_header (GByteArray *b,
            const char *dict)
{
  gsize len = strlen (dict);
  gsize pad = (64 - (NPY_PREFIX + len + 1) % 64) % 64;

  put (b, "\x93NUMPY\x01\x00", 8);
  emb_test_put_u16 (b, len + pad + 1);
  emb_test_put_str (b, dict);
  for (gsize i = 0; i < pad; i++)
    emb_test_put_u8 (b, ' ');
  emb_test_put_u8 (b, '\n');
  return b->len;
}

/* The file byte of mark inside the header dict of npy_header (). */
guint64
npy_at (const char *dict,
        const char *mark)
{
  return NPY_PREFIX + offset_of (dict, mark);
}

/* A valid 2 x 3 float32 .npy; returns where the data starts. */
gsize
npy_valid (GByteArray *b)
{
  gsize start = npy_header (b, NPY_2X3);

  put_floats (b, six, 6);
  return start;
}

/* The u64 header length and the JSON header of a safetensors file;
 * returns where the data starts. */
gsize
st_header (GByteArray *b,
           const char *json)
{
  emb_test_put_u64 (b, strlen (json));
  emb_test_put_str (b, json);
  return b->len;
}

/* The file byte of mark inside the JSON of st_header (). */
guint64
st_at (const char *json,
       const char *mark)
{
  return 8 + offset_of (json, mark);
}

void
gguf_head (GByteArray *b,
           guint32     version,
           guint64     n_tensors,
           guint64     n_kv)
{
  emb_test_put_str (b, "GGUF");
  emb_test_put_u32 (b, version);
  emb_test_put_u64 (b, n_tensors);
  emb_test_put_u64 (b, n_kv);
}

void
gguf_key (GByteArray *b,
          const char *key,
          guint32     type)
{
  emb_test_put_gguf_str (b, key);
  emb_test_put_u32 (b, type);
}

void
gguf_tokens (GByteArray        *b,
             const char * const *tokens,
             guint               n)
{
  gguf_key (b, "tokenizer.ggml.tokens", GV_ARRAY);
  emb_test_put_u32 (b, GV_STRING);
  emb_test_put_u64 (b, n);
  for (guint i = 0; i < n; i++)
    emb_test_put_gguf_str (b, tokens[i]);
}

/* A 2-D tensor info: rows of cols values (ggml lists ne = [cols, rows]).
 * Returns where its offset field is. */
gsize
gguf_tensor (GByteArray *b,
             const char *name,
             guint64     cols,
             guint64     rows,
             guint32     type,
             guint64     offset)
{
  gsize at;

  emb_test_put_gguf_str (b, name);
  emb_test_put_u32 (b, 2);
  emb_test_put_u64 (b, cols);
  emb_test_put_u64 (b, rows);
  emb_test_put_u32 (b, type);
  at = b->len;
  emb_test_put_u64 (b, offset);
  return at;
}

/* Zero padding to the default alignment of 32; returns the data start. */
gsize
gguf_align (GByteArray *b)
{
  while (b->len % 32 != 0)
    emb_test_put_u8 (b, 0);
  return b->len;
}

/* A valid file: version 3, general.alignment 32, the two tokens, and
 * token_embd.weight, F32, 2 rows of 3 values.  *infos_end (may be NULL)
 * is where the tensor infos end; returns where the data starts. */
gsize
gguf_valid (GByteArray         *b,
            const char * const *tokens,
            const float        *values,
            gsize              *infos_end)
{
  gsize start;

  gguf_head (b, 3, 1, 2);
  gguf_key (b, "general.alignment", GV_U32);
  emb_test_put_u32 (b, 32);
  gguf_tokens (b, tokens, 2);
  gguf_tensor (b, "token_embd.weight", 3, 2, GT_F32, 0);
  if (infos_end != NULL)
    *infos_end = b->len;
  start = gguf_align (b);
  put_floats (b, values, 6);
  return start;
}

const char * const two_tokens[2] = { "a", "b" };
/* Writes a file beside the case's file, named PREFIX-suffix; returns that
 * name (to free), which is what a config or index refers to it by. */
char *
companion (Built      *b,
           const char *suffix,
           const void *data,
           gssize      len)
{
  char *name = g_strdup_printf ("%s-%s", b->prefix, suffix);

  emb_test_write (name, data, len);
  return name;
}

/* The message names a companion file by its full path. */
void
name_companion (Built      *b,
                const char *name)
{
  g_free (b->named);
  b->named = g_build_filename (emb_test_tmpdir (), name, NULL);
}

/* A companion file of float32 values. */
char *
companion_floats (Built       *b,
                  const char  *suffix,
                  const float *values,
                  gsize        n)
{
  g_autoptr(GByteArray) f = g_byte_array_new ();

  put_floats (f, values, n);
  return companion (b, suffix, f->data, f->len);
}

