/* gguf-build.c: GGUF files built byte by byte for the reader's tests
 * (header, metadata, tensor infos, padding), and loading them. */
#include <string.h>

#include "gguf-test.h"

void
put_key (GByteArray *b,
         const char *key,
         guint32     type)
{
  emb_test_put_gguf_str (b, key);
  emb_test_put_u32 (b, type);
}

/* An array header: element type and count. */
void
put_array (GByteArray *b,
           const char *key,
           guint32     elem,
           guint64     count)
{
  put_key (b, key, T_ARRAY);
  emb_test_put_u32 (b, elem);
  emb_test_put_u64 (b, count);
}

GByteArray *
gguf_new (guint32 version,
          guint64 n_tensors,
          guint64 n_kv)
{
  GByteArray *b = g_byte_array_new ();

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  emb_test_put_u32 (b, version);
  emb_test_put_u64 (b, n_tensors);
  emb_test_put_u64 (b, n_kv);
  return b;
}

/* A tensor info; ne fastest first, as ggml lists it. */
void
put_tensor (GByteArray    *b,
            const char    *name,
            guint32        n_dims,
            const guint64 *ne,
            guint32        type,
            guint64        offset)
{
  emb_test_put_gguf_str (b, name);
  emb_test_put_u32 (b, n_dims);
  for (guint k = 0; k < n_dims; k++)
    emb_test_put_u64 (b, ne[k]);
  emb_test_put_u32 (b, type);
  emb_test_put_u64 (b, offset);
}

void
pad_to (GByteArray *b,
        guint       alignment)
{
  while (b->len % alignment != 0)
    emb_test_put_u8 (b, 0);
}

/* A file holding one tensor, token_embd.weight, of rows x cols values of
 * type, stored as the len bytes at data; *data_start (if not NULL) says
 * where they begin. */
GByteArray *
matrix_file (guint32     version,
             guint32     type,
             guint64     rows,
             guint64     cols,
             const void *data,
             gsize       len,
             gsize      *data_start)
{
  GByteArray *b = gguf_new (version, 1, 1);

  put_key (b, "general.architecture", T_STRING);
  emb_test_put_gguf_str (b, "llama");
  put_tensor (b, "token_embd.weight", 2, (guint64[]) { cols, rows }, type, 0);
  pad_to (b, 32);
  if (data_start != NULL)
    *data_start = b->len;
  g_byte_array_append (b, data, len);
  return b;
}

/* 3 x 4 float32 values r * 10 + c + 0.5, row-major. */
GByteArray *
f32_3x4_data (void)
{
  GByteArray *d = g_byte_array_new ();

  for (guint r = 0; r < 3; r++)
    for (guint c = 0; c < 4; c++)
      emb_test_put_f32 (d, r * 10 + c + 0.5f);
  return d;
}

const EmbLoadOptions gguf_options = { .format = "gguf" };

EmbDataset *
load_ok (GByteArray *b,
         const char *name)
{
  return emb_test_load_ok (emb_test_write (name, b->data, b->len), &gguf_options);
}

/* Loads b from a file, and from an exact-size heap copy (so that a
 * sanitizer sees any read past the end, which a page-rounded mapping would
 * hide), expecting the same error both times; returns the file's message. */
char *
load_error_with (GByteArray           *b,
                 const char           *name,
                 const EmbLoadOptions *options,
                 EmbErrorCode          code)
{
  const char *path = emb_test_write (name, b->data, b->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) heap_error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (b->data, b->len);
  gint expected = code;   /* GError codes are gint */
  EmbDataset *ds;

  ds = emb_dataset_load (path, options, NULL, NULL, NULL, &error);
  g_assert_null (ds);
  g_assert_error (error, EMB_ERROR, expected);
  g_assert_nonnull (strstr (error->message, path));
  g_test_message ("%s", error->message);

  ds = emb_dataset_load_bytes (bytes, name, options, NULL, NULL, NULL, &heap_error);
  g_assert_null (ds);
  g_assert_error (heap_error, EMB_ERROR, expected);
  g_assert_nonnull (strstr (heap_error->message, name));
  return g_strdup (error->message);
}

char *
load_error (GByteArray   *b,
            const char   *name,
            EmbErrorCode  code)
{
  return load_error_with (b, name, &gguf_options, code);
}

void
assert_raw (const EmbVocab *v,
            gsize           id,
            const char     *expected)
{
  gsize len;
  const char *raw = emb_vocab_raw (v, id, &len);

  g_assert_cmpuint (len, ==, strlen (expected));
  g_assert_cmpmem (raw, len, expected, strlen (expected));
}


/* Writes tokenizer.ggml.tokens, .token_type (when types is not NULL) and
 * .model (when model is not NULL): 1 to 3 metadata pairs. */
void
put_tokenizer (GByteArray         *b,
               const char * const *tokens,
               guint               n,
               const gint32       *types,
               const char         *model)
{
  if (model != NULL)
    {
      put_key (b, "tokenizer.ggml.model", T_STRING);
      emb_test_put_gguf_str (b, model);
    }
  put_array (b, "tokenizer.ggml.tokens", T_STRING, n);
  for (guint i = 0; i < n; i++)
    emb_test_put_gguf_str (b, tokens[i]);
  if (types != NULL)
    {
      put_array (b, "tokenizer.ggml.token_type", T_I32, n);
      for (guint i = 0; i < n; i++)
        emb_test_put_u32 (b, types[i]);
    }
}

