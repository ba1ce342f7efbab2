/* emb-format-private.h: what the dataset loader hands each reader.
 *
 * A reader gets the whole file as bytes (memory-mapped, or a resource) and
 * fills matrix, vocab (may be left NULL: the loader then looks for a
 * vocabulary file or uses row ids), dtype, and for several-tensor files
 * tensor.  It must check every size it reads against src->size before
 * touching the bytes, report errors with the emb_set_error_* helpers naming
 * src->name, poll src->cancellable every few MB and report progress after
 * each poll that finds it not cancelled (so no report follows a cancel).
 * The loader itself reports 0 before and 1 after the reader.
 */
#pragma once

#include "io/emb-dataset.h"
#include "base/emb-error.h"

G_BEGIN_DECLS

typedef struct
{
  const char           *path;       /* for opening siblings; may be a resource path */
  const char           *name;       /* for messages: what the user typed */
  GBytes               *bytes;
  const guint8         *data;
  gsize                 size;
  const EmbLoadOptions *options;
  GCancellable         *cancellable;
  EmbProgressFunc       progress;
  gpointer              progress_data;
  gboolean              mapped;     /* data is a private read-only file mapping */
  gboolean              keep_nonfinite; /* read nan/inf as they are: the loader
                                           applies options->nan_policy after */
} EmbSource;

typedef gboolean (*EmbReadFunc) (EmbSource  *src,
                                 EmbDataset *out,
                                 GError    **error);

static inline void
emb_source_progress (EmbSource *src,
                     double     fraction)
{
  if (src->progress != NULL)
    src->progress (CLAMP (fraction, 0.0, 1.0), src->progress_data);
}

/* Tells the kernel the reader is done with data[from, to): the pages of a
 * mapped file leave the process's memory (they stay in the page cache and
 * come back if touched again), so reading a file bigger than the matrix it
 * holds does not double the peak memory.  Only whole pages inside the
 * range are released; a no-op for data that is not a mapped file. */
void emb_source_release (EmbSource *src, gsize from, gsize to);

/* Each reader, one file each (emb-format-*.c). */
gboolean emb_format_glove_read          (EmbSource *src, EmbDataset *out, GError **error);
gboolean emb_format_word2vec_text_read  (EmbSource *src, EmbDataset *out, GError **error);
gboolean emb_format_word2vec_binary_read(EmbSource *src, EmbDataset *out, GError **error);
gboolean emb_format_npy_read            (EmbSource *src, EmbDataset *out, GError **error);
gboolean emb_format_projector_tsv_read  (EmbSource *src, EmbDataset *out, GError **error);
gboolean emb_format_projector_bytes_read(EmbSource *src, EmbDataset *out, GError **error);
gboolean emb_format_projector_config_read (EmbSource *src, EmbDataset *out, GError **error);

gboolean emb_format_safetensors_read    (EmbSource *src, EmbDataset *out, GError **error);
gboolean emb_format_safetensors_index_read (EmbSource *src, EmbDataset *out, GError **error);
gboolean emb_format_gguf_read           (EmbSource *src, EmbDataset *out, GError **error);

/* Tensors in a checkpoint (safetensors, GGUF): what the readers report so
 * one rule picks the embedding table (emb-tensors.c). */
typedef struct
{
  char    *name;
  char    *dtype;        /* as the file names it: "F16", "BF16", "Q8_0", ... */
  guint    n_dims;
  guint64  shape[4];     /* rows first: [n_vocab, n_embd] for a token table */
  gboolean readable;     /* a floating type this reader converts */
} EmbTensorInfo;

void     emb_tensor_info_clear          (EmbTensorInfo *info);

/* Which tensor to read: the one named `wanted` (an error naming the
 * choices when absent or not a readable 2-D tensor), else the first
 * readable 2-D tensor with a known token-embedding name (token_embd.weight,
 * wte.weight, transformer.wte.weight, model.embed_tokens.weight,
 * [*.]embeddings.word_embeddings.weight, gpt_neox.embed_in.weight,
 * transformer.word_embeddings.weight, word_embeddings.weight,
 * shared.weight, tok_embeddings.weight, backbone.embeddings.weight,
 * transformer.embd.wte.weight), else the largest readable 2-D tensor.
 * Returns its index, or -1 with an error naming file (no readable 2-D
 * floating tensor). */
gssize   emb_pick_embedding_tensor      (const char          *file,
                                         const EmbTensorInfo *tensors,
                                         gsize                n,
                                         const char          *wanted,
                                         GError             **error);

/* "name  dtype  [a, b]" lines for `info --tensors`, set on the dataset. */
void     emb_dataset_set_tensor_list    (EmbDataset          *ds,
                                         const EmbTensorInfo *tensors,
                                         gsize                n);

/* Vocabularies in model formats (emb-format-tokenizer.c, emb-format-gguf.c).
 * Each returns tokens by id (raw form, e.g. "Ġthe"), with the decoder set
 * (see emb-vocab.h) so the display text is readable (" the"). */
EmbVocab *emb_vocab_read_tokenizer_json (const char *name, const guint8 *data, gsize size, GError **error);
EmbVocab *emb_vocab_read_encoder_json   (const char *name, const guint8 *data, gsize size, GError **error);
EmbVocab *emb_vocab_read_gguf           (const char *name, const guint8 *data, gsize size, GError **error);

/* Is the first line of a text file a word2vec "N D" header? */
gboolean emb_format_text_has_header     (const guint8 *data, gsize size);

/* Vocabulary files (emb-format-vocab.c): one token per line, LF or CRLF,
 * a trailing newline optional; blank lines are tokens too ("" rows) except
 * one final empty line.  The loader picks the reader by file name. */
EmbVocab *emb_vocab_read_lines          (const char *name, const guint8 *data, gsize size, GError **error);

/* Projector metadata TSV (emb-format-projector.c): a header row iff the first
 * non-blank line has a tab; one row per matrix row.  Adds every column to
 * vocab (named from the header, or "label"), and when there is a header and
 * a column called "word"/"token"/"label"/"name" (or a single column), the
 * tokens come from it: returns a new vocab with the columns attached. */
EmbVocab *emb_projector_read_metadata   (const char *name, const guint8 *data, gsize size,
                                         gsize n_rows, GError **error);

/* Opens a file or resource as bytes; a clear error for a directory, an
 * unreadable or missing file. */
GBytes   *emb_source_open_bytes         (const char *path, GError **error);

/* Is any of count floats nan or inf?  Fast for the usual answer, no: one
 * vectorised OR over the exponents; only on a hit is the first such
 * position searched for and stored in where (emb-parse.c). */
gboolean emb_find_non_finite            (const float *data, gsize count, gsize *where);

/* Locale-independent float parsing (emb-parse.c).  Parses one number
 * starting at *p, never reading at or past end; on success stores it and
 * moves *p past it.  Accepts [+-]digits[.digits][(e|E)[+-]digits], ".5",
 * "5.", and nan/inf in any case (the caller refuses non-finite values). */
gboolean emb_parse_float                (const char **p, const char *end, float *out);

/* JSON readers refuse files nesting deeper than this before json-glib,
 * which recurses per level, parses them (emb-parse.c).  Real files nest a
 * few levels. */
#define EMB_JSON_MAX_DEPTH 64

/* Whether the JSON in data nests arrays and objects at most max_depth
 * deep; when not, *offset (may be NULL) is the byte of the first bracket
 * too deep. */
gboolean emb_json_depth_ok              (const guint8 *data, gsize size, guint max_depth,
                                         gsize *offset);

/* Reports a json-glib parse error as "NAME:LINE: column C: WHAT: cause"
 * (json-glib itself says "<data>:LINE:COL: Parse error: cause"). */
void     emb_set_json_error             (GError **error, const char *name, const char *what,
                                         const GError *json_error);

G_END_DECLS
