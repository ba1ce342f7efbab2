/* emb-vocab.h: tokens <-> row ids.
 *
 * Each token keeps its raw bytes exactly as stored in the file (used for
 * lookup) and has a display text that is always valid UTF-8 on one line:
 * the raw bytes, read through the decoder (below) for model vocabularies,
 * with U+FFFD for each byte of a bad sequence and control chars made
 * visible.
 * Duplicates keep their own ids; lookup returns the first.  Optional
 * metadata columns (from a projector metadata TSV) give one string per row.
 * Built by one thread, then read-only and safe to share.  The strings
 * returned by raw and display live until the vocabulary next changes (add,
 * set_decoder, set_token_type).
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
/* Preallocates room for n tokens of total_bytes raw bytes, after checking
 * that they and the lookup tables fit in memory; FALSE with
 * EMB_ERROR_TOO_LARGE ("WHAT needs ...") when they do not. */
gboolean    emb_vocab_reserve      (EmbVocab    *self,
                                    gsize        n,
                                    gsize        total_bytes,
                                    const char  *what,
                                    GError     **error);

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

/* How raw tokens become display text.  BYTE_LEVEL: GPT-2 byte-level BPE
 * (each char maps back to a byte through the bytes_to_unicode table, so
 * "Ġthe" shows as " the"; bytes that do not form UTF-8 show as U+FFFD; a
 * token with a char outside the table shows as it is).
 * SENTENCEPIECE: "▁" shows as a space, "<0x0A>" byte tokens stay as they
 * are.  CONTROL and USER tokens are plain text and skip the decoder.
 * Whatever the decoder, a newline shows as "⏎", a tab as "⇥", a carriage
 * return as "␍", other control chars (C0, DEL, C1) and U+2028/U+2029 as
 * U+FFFD, so a label stays on one line. */
typedef enum
{
  EMB_DECODER_NONE,
  EMB_DECODER_BYTE_LEVEL,
  EMB_DECODER_SENTENCEPIECE,
} EmbDecoder;

/* Token kinds from a tokenizer (GGUF token_type, HF added/special). */
typedef enum
{
  EMB_TOKEN_NORMAL,
  EMB_TOKEN_CONTROL,     /* special: <s>, <|endoftext|>, [CLS] */
  EMB_TOKEN_BYTE,        /* <0x0A> */
  EMB_TOKEN_UNUSED,
  EMB_TOKEN_USER,        /* user-defined / added */
  EMB_TOKEN_UNKNOWN,
} EmbTokenType;

/* Recomputes every display text with decoder. */
void        emb_vocab_set_decoder  (EmbVocab   *self,
                                    EmbDecoder  decoder);
EmbDecoder  emb_vocab_get_decoder  (const EmbVocab *self);
/* Token types: all NORMAL until set. */
void        emb_vocab_set_token_type (EmbVocab    *self,
                                      gsize        id,
                                      EmbTokenType type);
EmbTokenType emb_vocab_get_token_type (const EmbVocab *self,
                                       gsize           id);

/* The bytes token id stands for in text, before any display cleaning
 * (so GPT-2's "Ċ" gives "\n", and a byte-level piece of a UTF-8 char gives
 * that partial sequence): the decoder applied, SentencePiece "<0xNN>" byte
 * tokens included; the raw bytes for NONE and for CONTROL/USER tokens.
 * NUL-terminated (len excludes it), free with g_free(). */
char       *emb_vocab_decode_bytes (const EmbVocab *self,
                                    gsize           id,
                                    gsize          *len);

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
