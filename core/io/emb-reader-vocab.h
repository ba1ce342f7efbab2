/* emb-reader-vocab.h: the vocabulary readers.
 *
 * Each returns tokens by id (raw form, e.g. "Ġthe"), with the decoder set
 * (see emb-vocab.h) so the display text is readable (" the"), or NULL
 * with an error naming the file.
 */
#pragma once

#include "model/emb-vocab.h"

G_BEGIN_DECLS

/* Model formats (emb-reader-tokenizer.c, emb-reader-gguf-vocab.c). */
EmbVocab *emb_vocab_read_tokenizer_json (const char *name, const guint8 *data, gsize size, GError **error);
EmbVocab *emb_vocab_read_encoder_json   (const char *name, const guint8 *data, gsize size, GError **error);
EmbVocab *emb_vocab_read_gguf           (const char *name, const guint8 *data, gsize size, GError **error);

/* Vocabulary files (emb-reader-vocab.c): one token per line, LF or CRLF,
 * a trailing newline optional; blank lines are tokens too ("" rows) except
 * one final empty line. */
EmbVocab *emb_vocab_read_lines          (const char *name, const guint8 *data, gsize size, GError **error);

/* Projector metadata TSV (emb-reader-projector-tsv.c): a header row iff
 * the first non-blank line has a tab; one row per matrix row.  Adds every
 * column to vocab (named from the header, or "label"), and when there is
 * a header and a column called "word"/"token"/"label"/"name" (or a single
 * column), the tokens come from it: returns a new vocab with the columns
 * attached. */
EmbVocab *emb_projector_read_metadata   (const char *name, const guint8 *data, gsize size,
                                         gsize n_rows, GError **error);

/* A vocabulary file for a matrix of n_rows rows, the reader picked by the
 * file's name (and a GGUF magic): .tsv metadata, .gguf, tokenizer.json,
 * other .json (encoder.json, vocab.json), else one token per line. */
EmbVocab *emb_vocab_read_file           (const char *path, gsize n_rows, GError **error);

G_END_DECLS
