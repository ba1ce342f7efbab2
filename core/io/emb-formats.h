/* emb-formats.h: the one table of matrix formats, and their detection.
 *
 * Every format --format knows is a row here: its id, its reader, whether
 * the file holds its own tokens, whether it is a model checkpoint (whose
 * vocabulary is fitted to the matrix), and how to recognise it.  The list
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

struct _EmbFormat
{
  const char   *id;
  EmbReadFunc   read;
  gboolean      has_tokens;  /* tokens come from the file itself */
  gboolean      model;       /* a checkpoint: its tokenizer is fitted to the rows */
  EmbDetectFunc detect;
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
