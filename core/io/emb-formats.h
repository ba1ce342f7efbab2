/* emb-formats.h: the one table of matrix formats, and their detection.
 *
 * Every format --format knows is a row here: its id and name, its reader,
 * whether the file holds its own tokens, whether it is a model checkpoint
 * (whose vocabulary is fitted to the matrix), how to recognise it, and
 * which reading options apply to it.  The list
 * of ids and the "unknown format" message come from the same table.
 */
#pragma once

#include "io/emb-reader.h"

G_BEGIN_DECLS

typedef struct _EmbFormat EmbFormat;

/* What detection looks at: the path (for its extension) and the bytes. */
typedef struct
{
  const char   *path;
  const guint8 *data;
  gsize         size;
} EmbProbe;

/* How surely probe is in this format: 0 for not at all, else a rank, the
 * highest rank of all formats winning. */
typedef guint (*EmbDetectFunc) (const EmbProbe *probe);

/* The reading options a format has a use for (the others are ignored, and
 * the command line says so). */
typedef enum
{
  EMB_READ_OPTION_SHAPE  = 1 << 0,  /* --shape: raw data with no header */
  EMB_READ_OPTION_TENSOR = 1 << 1,  /* --tensor: a file of several tensors */
} EmbReadOptionFlags;

struct _EmbFormat
{
  const char   *id;
  const char   *name;        /* for messages: "NumPy .npy" */
  EmbReadFunc   read;
  gboolean      has_tokens;  /* tokens come from the file itself */
  gboolean      model;       /* a checkpoint: its tokenizer is fitted to the rows */
  EmbDetectFunc detect;
  EmbReadOptionFlags read_options;
};

/* The format called id, or NULL. */
const EmbFormat    *emb_format_find         (const char *id);

/* The format called id, or NULL with "unknown format 'ID' (known: ...)". */
const EmbFormat    *emb_format_lookup       (const char  *id,
                                             GError     **error);

/* The reader for a file: from magic bytes, then the extension, then the
 * content; GloVe text when nothing else fits.  Never NULL. */
const EmbFormat    *emb_format_detect       (const EmbProbe *probe);

/* Whether the file is a vocabulary (a tokenizer, vocab.txt), not a matrix. */
gboolean            emb_format_is_vocabulary (const EmbProbe *probe);

/* The ids, in table order, NULL-terminated. */
const char * const *emb_format_ids          (void);

G_END_DECLS
