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

/* A tensor of a header: a file may list a million, so only what picking,
 * reading and listing need, with the strings in the header's arena. */
typedef struct
{
  const char   *name;        /* in the header's arena */
  const char   *dtype;       /* the format's name for it, or in the arena */
  const StType *type;        /* NULL: a dtype the format does not define */
  guint64       dims[4];     /* the first four of n_dims */
  guint64       begin;       /* data_offsets, relative to data_start */
  guint64       end;
  guint32       key_offset;  /* file byte where its entry starts, for messages */
  guint32       n_dims;
} StTensor;

typedef struct
{
  char     *name;          /* the file, for messages */
  GBytes   *bytes;
  gsize     size;
  gsize     data_start;    /* 8 + N */
  StTensor *tensors;       /* in header order */
  gsize     n_tensors;
  char     *arena;         /* the decoded names (and unknown dtypes) */
} StHeader;

void        _emb_st_header_free  (StHeader *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StHeader, _emb_st_header_free)

/* Reads and checks the header of the safetensors file in bytes, called
 * name in messages. */
StHeader   *_emb_st_read_header  (const char *name,
                                  GBytes     *bytes,
                                  GError    **error);

/* Checks len bytes at file byte base as strict JSON tokens (UTF-8, valid
 * strings, numbers and words, bounded nesting); keys (may be NULL) gets
 * the file offset of every member name of the outermost object, n_keys
 * (may be NULL) their number. */
gboolean    _emb_st_json_check   (const char  *file,
                                  const char  *text,
                                  gsize        len,
                                  gsize        base,
                                  GArray      *keys,
                                  gsize       *n_keys,
                                  GError     **error);

/* Parses len bytes of strict JSON at file byte base with json-glib; keys
 * (may be NULL) as for _emb_st_json_check. */
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

/* A cursor over JSON that _emb_st_json_check has passed, for reading a
 * header in place. */
typedef struct
{
  const char *file;   /* for messages */
  const char *text;
  gsize       len;
  gsize       base;   /* the file byte of text[0] */
  gsize       pos;
} StCursor;

/* The next character after blanks ('\0' at the end), the cursor on it. */
char        _emb_st_peek         (StCursor *c);
/* Moves past ch, else FALSE with "not valid JSON: expected EXPECTED". */
gboolean    _emb_st_expect       (StCursor    *c,
                                  char         ch,
                                  const char  *expected,
                                  GError     **error);
/* The error for something other than expected at the cursor. */
gboolean    _emb_st_unexpected   (StCursor    *c,
                                  const char  *expected,
                                  GError     **error);
/* Moves past one value of any kind, checking its grammar. */
gboolean    _emb_st_skip_value   (StCursor  *c,
                                  GError   **error);
/* Moves past the string at the cursor, decoding it into out (NULL: only
 * skip it), which has room for its raw length + 1; NUL-terminated, its
 * length in *out_len (may be NULL).  A \u0000 or an unpaired surrogate
 * is refused. */
gboolean    _emb_st_read_string  (StCursor    *c,
                                  char        *out,
                                  gsize       *out_len,
                                  GError     **error);

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
