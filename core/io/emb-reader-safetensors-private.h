/* emb-reader-safetensors-private.h: what the safetensors reader's files
 * share: the parsed header (emb-reader-safetensors-header.c), its strict
 * JSON (emb-reader-safetensors-json.c), and picking and reading a tensor
 * (emb-reader-safetensors.c), which the sharded index reader
 * (emb-reader-safetensors-index.c) uses on the shard holding it.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "io/emb-reader.h"

G_BEGIN_DECLS

typedef enum
{
  ST_F32,
  ST_F16,
  ST_BF16,
  ST_F64,
  ST_OTHER,   /* a valid dtype this reader does not convert */
} StKind;

typedef struct
{
  const char *name;
  guint       bits;    /* per element: F4 and F6_* are not whole bytes */
  StKind      kind;
  const char *stored;  /* the dataset's dtype, for the kinds we read */
} StType;

typedef struct
{
  char         *name;
  char         *dtype;
  const StType *type;        /* NULL: a dtype the format does not define */
  guint         n_dims;
  guint64       dims[4];     /* the first four; n_elements covers them all */
  gsize         n_elements;
  guint64       begin;       /* data_offsets, relative to data_start */
  guint64       end;
  gsize         key_offset;  /* file byte where its entry starts, for messages */
} StTensor;

typedef struct
{
  char    *name;          /* the file, for messages */
  GBytes  *bytes;
  gsize    size;
  gsize    data_start;    /* 8 + N */
  GArray  *tensors;       /* StTensor, in header order */
} StHeader;

void        _emb_st_header_free  (StHeader *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StHeader, _emb_st_header_free)

/* Reads and checks the header of the safetensors file in bytes, called
 * name in messages. */
StHeader   *_emb_st_read_header  (const char *name,
                                  GBytes     *bytes,
                                  GError    **error);

/* Parses len bytes of strict JSON at file byte base; keys (may be NULL)
 * gets the file offset of every member name of the outermost object. */
JsonParser *_emb_st_json_parse   (const char  *file,
                                  const char  *text,
                                  gsize        len,
                                  gsize        base,
                                  GArray      *keys,
                                  GError     **error);

/* The file offset of the index-th member of the outermost object, or
 * fallback. */
gsize       _emb_st_member_offset (GArray *keys,
                                   guint   index,
                                   gsize   fallback);

/* A short printable excerpt of len bytes, for messages. */
char       *_emb_st_excerpt      (const char *text,
                                  gsize       len);

/* Which of tensors (StTensor, each from the file of the same index in
 * files) to read, as emb_pick_embedding_tensor says; -1 with an error. */
gssize      _emb_st_pick_tensor  (const char *file,
                                  GPtrArray  *tensors,
                                  GPtrArray  *files,
                                  const char *wanted,
                                  GError    **error);

/* Reads tensor t of header h, whose file is src; the result lists tensors. */
EmbReadResult *_emb_st_read_chosen (const EmbSource      *src,
                                    StHeader             *h,
                                    const StTensor       *t,
                                    GPtrArray            *tensors,
                                    const EmbReadOptions *options,
                                    GError              **error);

G_END_DECLS
