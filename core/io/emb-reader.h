/* emb-reader.h: what a matrix reader takes and what it gives back.
 *
 * A reader gets a source (the whole file as bytes, see emb-source.h) and
 * the few options readers need, and returns its own result: the matrix,
 * the file's own tokens when it has them (else NULL: the dataset then
 * looks for a vocabulary file or uses row ids), how the values were
 * stored and, for several-tensor files, which tensor was read and the
 * list of them.  It never sees the dataset.  It checks every size it
 * reads against src->size before touching the bytes and reports errors
 * with the emb_set_error_* helpers naming src->name.
 */
#pragma once

#include "io/emb-source.h"
#include "model/emb-matrix.h"
#include "model/emb-vocab.h"

G_BEGIN_DECLS

typedef struct
{
  gsize       shape_rows;      /* --shape for raw .bytes; 0 when unset */
  gsize       shape_cols;
  const char *tensor;          /* the tensor asked for, or NULL */
  gboolean    keep_nonfinite;  /* read nan/inf as they are (the dataset
                                  applies its nan policy after), else refuse */
  gboolean    vocab_given;     /* the user gave the vocabulary (--vocab): a
                                  projector config's metadataPath is not read */
} EmbReadOptions;

typedef struct
{
  EmbMatrix *matrix;
  EmbVocab  *vocab;         /* the file's own tokens, or NULL */
  char      *vocab_source;  /* where vocab came from when not "file", or NULL */
  char      *dtype;         /* how values are stored: "text", "float32", ... */
  char      *tensor;        /* for multi-tensor files, the tensor read; else NULL */
  GPtrArray *tensors;       /* for multi-tensor files, a line per tensor; else NULL */
  GPtrArray *inputs;        /* the other files read (a config's tensor and
                               metadata, an index's shards) by path, or NULL */
} EmbReadResult;

/* A result holding matrix (taken) stored as dtype (copied). */
EmbReadResult *emb_read_result_new  (EmbMatrix     *matrix,
                                     const char    *dtype);
void           emb_read_result_free (EmbReadResult *result);
/* Adds path (copied) to result->inputs. */
void           emb_read_result_add_input (EmbReadResult *result,
                                          const char    *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbReadResult, emb_read_result_free)

/* Returns the result, or NULL with error set. */
typedef EmbReadResult *(*EmbReadFunc) (const EmbSource      *src,
                                       const EmbReadOptions *options,
                                       GError              **error);

/* The readers, one a format. */
EmbReadResult *emb_read_glove             (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_word2vec_text     (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_word2vec_binary   (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_npy               (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_projector_tsv     (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_projector_bytes   (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_projector_config  (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_safetensors       (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_safetensors_index (const EmbSource *src, const EmbReadOptions *options, GError **error);
EmbReadResult *emb_read_gguf              (const EmbSource *src, const EmbReadOptions *options, GError **error);

/* Is the first line of a text file a word2vec "N D" header? */
gboolean       emb_text_has_header        (const guint8 *data,
                                           gsize         size);

G_END_DECLS
