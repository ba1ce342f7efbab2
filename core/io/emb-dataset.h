/* emb-dataset.h: a loaded embedding file: matrix + vocabulary + provenance. */
#pragma once

#include <gio/gio.h>

#include "base/emb-progress.h"
#include "model/emb-matrix.h"
#include "model/emb-vocab.h"

G_BEGIN_DECLS

#define EMB_TYPE_DATASET (emb_dataset_get_type ())

/* The name that opens the bundled sample, on the command line and in code. */
#define EMB_SAMPLE_NAME "@sample"

typedef struct _EmbDataset EmbDataset;

struct _EmbDataset
{
  char      *path;          /* as given by the caller */
  char      *format;        /* reader id: "glove", "word2vec-text", ... */
  char      *dtype;         /* how values are stored: "text", "float32", "float16", ... */
  char      *vocab_source;  /* where tokens came from: a path, "file", "row ids" */
  char      *tensor;        /* for multi-tensor files, the tensor read; else NULL */
  GPtrArray *tensors;       /* for multi-tensor files, a line per tensor; else NULL */
  char      *note;          /* something the user should know (a size mismatch), or NULL */
  GPtrArray *inputs;        /* every file read, by path: the matrix (when read from a
                               file), then tensors, shards and the vocabulary */
  EmbMatrix *matrix;
  EmbVocab  *vocab;

  /*< private >*/
  gint       ref_count;
};

/* nan and inf values: refused with their position (the default), read
 * as 0, or their whole rows left out.  PCA, kNN and k-means never see
 * them either way. */
typedef enum
{
  EMB_NAN_REFUSE,
  EMB_NAN_ZERO,
  EMB_NAN_DROP,
} EmbNanPolicy;

typedef struct
{
  const char *format;      /* NULL: detect from magic bytes / header / extension */
  const char *vocab_path;  /* a vocabulary file for formats without tokens */
  gsize       shape_rows;  /* --shape for raw .bytes; 0 when unset */
  gsize       shape_cols;
  const char *tensor;      /* for multi-tensor files */
  EmbNanPolicy nan_policy; /* what to do with nan and inf values */
} EmbLoadOptions;

GType        emb_dataset_get_type (void) G_GNUC_CONST;

/* Reads path (a file, "resource:///..." or EMB_SAMPLE_NAME).  Runs in the
 * caller's thread; check cancellable for G_IO_ERROR_CANCELLED. */
EmbDataset  *emb_dataset_load     (const char           *path,
                                   const EmbLoadOptions *options,
                                   GCancellable         *cancellable,
                                   EmbProgressFunc       progress,
                                   gpointer              progress_data,
                                   GError              **error);

/* The same from bytes already in memory; name stands for the file in
 * messages and for finding sibling files (may be a path). */
EmbDataset  *emb_dataset_load_bytes (GBytes               *bytes,
                                     const char           *name,
                                     const EmbLoadOptions *options,
                                     GCancellable         *cancellable,
                                     EmbProgressFunc       progress,
                                     gpointer              progress_data,
                                     GError              **error);

/* A matrix read in place from a mapped file goes wrong when the file
 * changes under it (see base/emb-mapped.h).  Call after reading the matrix
 * and before showing what was computed from it: FALSE, with an
 * EMB_ERROR_CHANGED error naming the file (replacing any already set),
 * when the file changed since it was opened. */
gboolean     emb_dataset_check_unchanged (EmbDataset  *self,
                                          GError     **error);

EmbDataset  *emb_dataset_ref      (EmbDataset *self);
void         emb_dataset_unref    (EmbDataset *self);

/* The input (one of self->inputs) that path is, as the same file: same
 * device and inode, so another spelling, a symlink or a hard link; else
 * NULL (also when path does not exist).  Writers check it first so they
 * never write over what was read. */
const char  *emb_dataset_find_input (const EmbDataset *self,
                                     const char       *path);

/* The reader ids known to --format, NULL-terminated. */
const char * const *emb_dataset_formats (void);

/* Parses "NxD" (also "N,D" or "N D"); FALSE when malformed or zero. */
gboolean     emb_parse_shape      (const char *text,
                                   gsize      *rows,
                                   gsize      *cols);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbDataset, emb_dataset_unref)

G_END_DECLS
