/* emb-reader-gguf-private.h: what the GGUF reader's files share: the
 * bounds-checked reader and the header with its metadata
 * (emb-reader-gguf-header.c), the vocabulary (emb-reader-gguf-vocab.c),
 * used by the tensor reader (emb-reader-gguf.c).
 */
#pragma once

#include "io/emb-reader.h"

G_BEGIN_DECLS

#define MAX_DIMS 4

/* Fewest bytes a tensor info can take: name length, n_dims, type, offset. */
#define MIN_TENSOR_INFO 24

/* Metadata value types. */
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

/* A cursor over the file that checks every read against its size. */
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

/* What the header says, and where the vocabulary's arrays lie. */
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

/* Bytes of a scalar value; 0 for strings and arrays, whose size varies. */
guint     _emb_gguf_type_size        (GgufType      type);
void      _emb_gguf_reader_init      (Reader       *r,
                                      const char   *name,
                                      const guint8 *data,
                                      gsize         size,
                                      GCancellable *cancellable);
void      _emb_gguf_reader_clear     (Reader       *r);
/* What is being read, for messages. */
void      _emb_gguf_reader_set_where (Reader       *r,
                                      const char   *format,
                                      ...) G_GNUC_PRINTF (2, 3);
/* Whether n items of item bytes each are left; else an error naming what. */
gboolean  _emb_gguf_reader_need_items (Reader     *r,
                                       guint64     count,
                                       guint64     item,
                                       const char *what,
                                       GError    **error);
/* Polls the cancellable every few MB read. */
gboolean  _emb_gguf_reader_poll      (Reader       *r,
                                      GError      **error);
gboolean  _emb_gguf_read_u32         (Reader       *r,
                                      guint32      *out,
                                      GError      **error);
gboolean  _emb_gguf_read_u64         (Reader       *r,
                                      guint64      *out,
                                      GError      **error);
/* A string: its bytes stay in the file, not NUL-terminated. */
gboolean  _emb_gguf_read_string      (Reader        *r,
                                      const guint8 **text,
                                      guint64       *len,
                                      GError       **error);
guint64   _emb_gguf_load_u64         (const guint8 *p);
/* An integer scalar or array element at p, widened; FALSE for a type that
 * is not an integer. */
gboolean  _emb_gguf_load_integer     (const guint8 *p,
                                      GgufType      type,
                                      gint64       *out,
                                      gboolean     *negative);
gboolean  _emb_gguf_key_is           (const guint8 *key,
                                      guint64       len,
                                      const char   *name);
/* Reads the header and every metadata pair, leaving r after them. */
gboolean  _emb_gguf_read_header      (Reader       *r,
                                      GgufHeader   *h,
                                      GError      **error);
/* The tokens the header found, with their types and decoder. */
EmbVocab *_emb_gguf_build_vocab      (Reader           *r,
                                      const GgufHeader *h,
                                      GError          **error);

G_END_DECLS
