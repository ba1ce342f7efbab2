/* emb-vocab.h: tokens <-> row ids.
 *
 * Each token keeps its raw bytes exactly as stored in the file (used for
 * lookup) and has a display text that is always valid UTF-8: the raw bytes
 * when they are valid, else the same with U+FFFD for each bad sequence.
 * Duplicates keep their own ids; lookup returns the first.  Optional
 * metadata columns (from a projector metadata TSV) give one string per row.
 * Built by one thread, then read-only and safe to share.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EMB_TYPE_VOCAB (emb_vocab_get_type ())

typedef struct _EmbVocab EmbVocab;

GType       emb_vocab_get_type     (void) G_GNUC_CONST;

EmbVocab   *emb_vocab_new          (void);
/* A vocabulary whose tokens are the row ids "0" .. "n-1". */
EmbVocab   *emb_vocab_new_row_ids  (gsize n);
EmbVocab   *emb_vocab_ref          (EmbVocab *self);
void        emb_vocab_unref        (EmbVocab *self);

/* Appends a token (len < 0: NUL-terminated) and returns its id. */
gsize       emb_vocab_add          (EmbVocab   *self,
                                    const char *raw,
                                    gssize      len);
/* Preallocates room for n tokens of total_bytes raw bytes. */
void        emb_vocab_reserve      (EmbVocab *self,
                                    gsize     n,
                                    gsize     total_bytes);

gsize       emb_vocab_size         (const EmbVocab *self);
/* The raw bytes, NUL-terminated (a raw token may itself hold a NUL: use len). */
const char *emb_vocab_raw          (const EmbVocab *self,
                                    gsize           id,
                                    gsize          *len);
const char *emb_vocab_display      (const EmbVocab *self,
                                    gsize           id);
gboolean    emb_vocab_display_differs (const EmbVocab *self,
                                       gsize           id);

/* The first id whose raw bytes, or else display text, equal token. */
gboolean    emb_vocab_lookup       (EmbVocab   *self,
                                    const char *token,
                                    gsize      *id);

/* Metadata columns: values holds emb_vocab_size() strings (taken). */
void        emb_vocab_add_column   (EmbVocab   *self,
                                    const char *name,
                                    GPtrArray  *values);
guint       emb_vocab_n_columns    (const EmbVocab *self);
const char *emb_vocab_column_name  (const EmbVocab *self,
                                    guint           column);
const char *emb_vocab_column_value (const EmbVocab *self,
                                    guint           column,
                                    gsize           id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbVocab, emb_vocab_unref)

G_END_DECLS
