/* emb-vocab.c: the vocabulary, tokens <-> row ids, with display forms.
 *
 * Tokens live NUL-terminated in one byte buffer with an offset per id, so a
 * 341k-word vocabulary costs a few MB and no per-token allocation.  Display
 * texts are kept the same way, and only for the tokens whose display differs
 * from the raw bytes: most words of a word-vector file need none.  Lookup
 * uses an open-addressing table of ids built on first use.
 */
#include "config.h"

#include <string.h>

#include "model/emb-vocab.h"
#include "base/emb-alloc.h"
#include "base/emb-error.h"

struct _EmbVocab
{
  gint        ref_count;
  GByteArray *bytes;        /* raw tokens, each followed by a NUL */
  GArray     *offsets;      /* guint64 start of each token in bytes, + 1 sentinel */
  GHashTable *display;      /* id -> 1 + offset in display_bytes, only where it differs */
  GByteArray *display_bytes;/* display texts, each followed by a NUL */

  GMutex      lock;         /* guards the lazily built lookup tables */
  guint32    *raw_table;    /* ids + 1, 0 = empty */
  guint32    *display_table;
  gsize       table_mask;

  GPtrArray  *column_names;
  GPtrArray  *columns;      /* of GPtrArray of char* */

  EmbDecoder  decoder;
  GByteArray *types;        /* EmbTokenType per id, NULL while all NORMAL;
                             * ids past its end are NORMAL */
  GString    *decoded;      /* scratch space while building display texts */
  GString    *shown;
};

G_DEFINE_BOXED_TYPE (EmbVocab, emb_vocab, emb_vocab_ref, emb_vocab_unref)

/* auxiliary functions */

static guint64
hash_bytes (const char *s,
            gsize       len)
{
  /* FNV-1a, 64 bit */
  guint64 h = 14695981039346656037ull;
  for (gsize i = 0; i < len; i++)
    {
      h ^= (guchar) s[i];
      h *= 1099511628211ull;
    }
  return h;
}

/* GPT-2's bytes_to_unicode maps the bytes 33..126, 161..172 and 174..255
 * to the same code point and the other 68 (0..32, 127..160, 173), in
 * increasing order, to U+0100 .. U+0143, so every byte has a visible char.
 * The inverse: the byte for code point u, or -1 when u is not in the table. */
static inline int
byte_level_byte (gunichar u)
{
  if ((u >= 33 && u <= 126) || (u >= 161 && u <= 172) || (u >= 174 && u <= 255))
    return (int) u;
  if (u >= 0x100 && u <= 0x143)
    {
      guint k = u - 0x100;
      if (k <= 32)
        return (int) k;             /* 0 .. 32 */
      if (k <= 66)
        return (int) (k - 33 + 127);  /* 127 .. 160 */
      return 173;
    }
  return -1;
}

/* Appends to out the bytes a byte-level token stands for.  All its chars
 * lie in U+0021 .. U+0143, one or two UTF-8 bytes, so they are decoded
 * here rather than through g_utf8_get_char: this runs on every token.
 * FALSE (out then holds a partial result) when the token is not valid
 * UTF-8 or has a char outside the table: an added token stored as text. */
static gboolean
decode_byte_level (const char *raw,
                   gsize       len,
                   GString    *out)
{
  const guchar *p = (const guchar *) raw, *end = p + len;

  while (p < end)
    {
      gunichar u;
      int b;

      if (p[0] < 0x80)
        u = *p++;
      else if (p[0] >= 0xc2 && p[0] <= 0xc5 && p + 1 < end && (p[1] & 0xc0) == 0x80)
        {
          u = ((gunichar) (p[0] & 0x1f) << 6) | (p[1] & 0x3f);
          p += 2;
        }
      else
        return FALSE;
      b = byte_level_byte (u);
      if (b < 0)
        return FALSE;
      g_string_append_c (out, (char) b);
    }
  return TRUE;
}

/* Appends to out the text of a SentencePiece piece: "▁" (U+2581) is the
 * space.  With byte_tokens, a "<0xNN>" byte-fallback piece is that byte. */
static void
decode_sentencepiece (const char *raw,
                      gsize       len,
                      gboolean    byte_tokens,
                      GString    *out)
{
  static const char space[] = "\xe2\x96\x81";

  if (byte_tokens && len == 6 && memcmp (raw, "<0x", 3) == 0 && raw[5] == '>'
      && g_ascii_isxdigit (raw[3]) && g_ascii_isxdigit (raw[4]))
    {
      g_string_append_c (out, (char) (g_ascii_xdigit_value (raw[3]) * 16
                                      + g_ascii_xdigit_value (raw[4])));
      return;
    }

  for (gsize i = 0; i < len;)
    {
      if (i + 3 <= len && memcmp (raw + i, space, 3) == 0)
        {
          g_string_append_c (out, ' ');
          i += 3;
        }
      else
        g_string_append_c (out, raw[i++]);
    }
}

/* Added and special tokens (<|endoftext|>, [CLS], user tokens) are stored
 * as plain text by tokenizer.json and GGUF alike, never byte-level encoded,
 * so the decoder leaves them alone. */
static inline gboolean
is_literal_type (EmbTokenType type)
{
  return type == EMB_TOKEN_CONTROL || type == EMB_TOKEN_USER;
}

/* Appends to out the bytes token id stands for under the vocabulary's
 * decoder; the raw bytes when the decoder does not apply to it. */
static void
decode_token (const EmbVocab *self,
              gsize           id,
              gboolean        byte_tokens,
              GString        *out)
{
  gsize len, start = out->len;
  const char *raw = emb_vocab_raw (self, id, &len);

  if (!is_literal_type (emb_vocab_get_token_type (self, id)))
    {
      switch (self->decoder)
        {
        case EMB_DECODER_BYTE_LEVEL:
          if (decode_byte_level (raw, len, out))
            return;
          g_string_truncate (out, start);
          break;
        case EMB_DECODER_SENTENCEPIECE:
          decode_sentencepiece (raw, len, byte_tokens, out);
          return;
        case EMB_DECODER_NONE:
        default:
          break;
        }
    }
  g_string_append_len (out, raw, len);
}

/* Appends s to out as valid UTF-8 on one line, so a label never breaks or
 * shows an invisible char: each byte that does not start a valid sequence
 * becomes U+FFFD (as g_utf8_make_valid does), a newline "⏎" (U+23CE), a tab
 * "⇥" (U+21E5), a carriage return "␍" (U+240D, the control picture), and the
 * other control chars (C0, DEL, C1) and the line and paragraph separators
 * U+2028/U+2029, which Pango would break on, U+FFFD. */
static void
append_one_line (GString    *out,
                 const char *s,
                 gsize       len)
{
  static const char replacement[] = "\xef\xbf\xbd";
  const char *p = s, *end = s + len;

  while (p < end)
    {
      guchar c = (guchar) *p;
      gunichar u;

      if (c >= 0x20 && c < 0x7f)
        {
          g_string_append_c (out, (char) c);
          p++;
          continue;
        }
      if (c < 0x80)
        {
          if (c == '\n')
            g_string_append (out, "\xe2\x8f\x8e");
          else if (c == '\t')
            g_string_append (out, "\xe2\x87\xa5");
          else if (c == '\r')
            g_string_append (out, "\xe2\x90\x8d");
          else
            g_string_append (out, replacement);
          p++;
          continue;
        }

      /* NUL inside a sequence gives -2 too: it is invalid either way. */
      u = g_utf8_get_char_validated (p, end - p);
      if (u == (gunichar) -1 || u == (gunichar) -2)
        {
          g_string_append (out, replacement);
          p++;
          continue;
        }
      if ((u >= 0x80 && u <= 0x9f) || u == 0x2028 || u == 0x2029)
        g_string_append (out, replacement);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
}

/* Printable ASCII shows as itself under every decoder: byte-level maps
 * '!' .. '~' to themselves and leaves a token with a space as it is. */
static inline gboolean
is_printable_ascii (const char *s,
                    gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] < 0x20 || (guchar) s[i] >= 0x7f)
      return FALSE;
  return TRUE;
}

/* Computes the display text of token id and stores it when it differs from
 * the raw bytes, or forgets an earlier one when it no longer does.  Texts
 * replaced this way stay in display_bytes unused: it only happens to the
 * few tokens whose type changes after they were added. */
static void
update_display (EmbVocab *self,
                gsize     id)
{
  gsize len;
  const char *raw = emb_vocab_raw (self, id, &len);
  gpointer key = GSIZE_TO_POINTER (id);
  gsize offset;

  if (is_printable_ascii (raw, len))
    {
      if (G_UNLIKELY (g_hash_table_size (self->display) > 0))
        g_hash_table_remove (self->display, key);
      return;
    }

  if (self->decoded == NULL)
    {
      self->decoded = g_string_sized_new (64);
      self->shown = g_string_sized_new (64);
    }
  g_string_truncate (self->decoded, 0);
  g_string_truncate (self->shown, 0);
  decode_token (self, id, FALSE, self->decoded);
  append_one_line (self->shown, self->decoded->str, self->decoded->len);

  if (self->shown->len == len && memcmp (self->shown->str, raw, len) == 0)
    {
      g_hash_table_remove (self->display, key);
      return;
    }
  offset = self->display_bytes->len;
  g_byte_array_append (self->display_bytes, (const guint8 *) self->shown->str,
                       self->shown->len + 1);
  g_hash_table_insert (self->display, key, GSIZE_TO_POINTER (offset + 1));
}

static void
invalidate_tables (EmbVocab *self)
{
  g_clear_pointer (&self->raw_table, g_free);
  g_clear_pointer (&self->display_table, g_free);
  self->table_mask = 0;
}

static void
table_insert (guint32    *table,
              gsize       mask,
              guint64     hash,
              gsize       id)
{
  gsize slot = hash & mask;

  while (table[slot] != 0)
    slot = (slot + 1) & mask;
  table[slot] = (guint32) (id + 1);
}

static void
build_tables (EmbVocab *self)
{
  gsize n = emb_vocab_size (self);
  gsize cap = 16;

  while (cap < n * 2)
    cap <<= 1;
  self->table_mask = cap - 1;
  self->raw_table = g_new0 (guint32, cap);
  for (gsize i = 0; i < n; i++)
    {
      gsize len;
      const char *raw = emb_vocab_raw (self, i, &len);
      gsize slot = hash_bytes (raw, len) & self->table_mask;

      /* Keep only the first id of duplicates: later ones are unreachable. */
      gboolean dup = FALSE;
      while (self->raw_table[slot] != 0)
        {
          gsize olen;
          const char *other = emb_vocab_raw (self, self->raw_table[slot] - 1, &olen);
          if (olen == len && memcmp (other, raw, len) == 0)
            {
              dup = TRUE;
              break;
            }
          slot = (slot + 1) & self->table_mask;
        }
      if (!dup)
        self->raw_table[slot] = (guint32) (i + 1);
    }

  if (g_hash_table_size (self->display) > 0)
    {
      self->display_table = g_new0 (guint32, cap);
      for (gsize i = 0; i < n; i++)
        {
          const char *text = emb_vocab_display (self, i);
          table_insert (self->display_table, self->table_mask,
                        hash_bytes (text, strlen (text)), i);
        }
    }
}

static gboolean
table_find (EmbVocab   *self,
            guint32    *table,
            gboolean    raw,
            const char *token,
            gsize       len,
            gsize      *id)
{
  gsize slot = hash_bytes (token, len) & self->table_mask;
  gsize best = G_MAXSIZE;

  /* The display table may hold several ids for one text: take the lowest. */
  for (; table[slot] != 0; slot = (slot + 1) & self->table_mask)
    {
      gsize cand = table[slot] - 1, clen;
      const char *text;

      if (raw)
        text = emb_vocab_raw (self, cand, &clen);
      else
        {
          text = emb_vocab_display (self, cand);
          clen = strlen (text);
        }
      if (clen == len && memcmp (text, token, len) == 0)
        {
          best = MIN (best, cand);
          if (raw)
            break;
        }
    }
  if (best == G_MAXSIZE)
    return FALSE;
  *id = best;
  return TRUE;
}

/* public API */

EmbVocab *
emb_vocab_new (void)
{
  EmbVocab *self = g_new0 (EmbVocab, 1);
  guint64 zero = 0;

  self->ref_count = 1;
  self->bytes = g_byte_array_new ();
  self->offsets = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_array_append_val (self->offsets, zero);
  self->display = g_hash_table_new (NULL, NULL);
  self->display_bytes = g_byte_array_new ();
  g_mutex_init (&self->lock);
  self->column_names = g_ptr_array_new_with_free_func (g_free);
  self->columns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  return self;
}

EmbVocab *
emb_vocab_new_row_ids (gsize n)
{
  EmbVocab *self = emb_vocab_new ();
  char buf[32];

  /* n is the rows of a matrix already in memory: a tenth of its size. */
  emb_vocab_reserve (self, n, n * 7, "row ids", NULL);
  for (gsize i = 0; i < n; i++)
    {
      int len = g_snprintf (buf, sizeof buf, "%" G_GSIZE_FORMAT, i);
      emb_vocab_add (self, buf, len);
    }
  return self;
}

EmbVocab *
emb_vocab_ref (EmbVocab *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
emb_vocab_unref (EmbVocab *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_byte_array_unref (self->bytes);
  g_array_unref (self->offsets);
  g_hash_table_unref (self->display);
  g_byte_array_unref (self->display_bytes);
  invalidate_tables (self);
  g_mutex_clear (&self->lock);
  g_ptr_array_unref (self->column_names);
  g_ptr_array_unref (self->columns);
  g_clear_pointer (&self->types, g_byte_array_unref);
  if (self->decoded != NULL)
    {
      g_string_free (self->decoded, TRUE);
      g_string_free (self->shown, TRUE);
    }
  g_free (self);
}

/* Per token: its NUL, its offset, and the two lookup tables built on
 * first use (at most 4 slots of 4 bytes each per token). */
#define VOCAB_BYTES_PER_TOKEN (1 + sizeof (guint64) + 2 * 4 * sizeof (guint32))

gboolean
emb_vocab_reserve (EmbVocab    *self,
                   gsize        n,
                   gsize        total_bytes,
                   const char  *what,
                   GError     **error)
{
  gsize have = self->bytes->len, per_token, need;

  if (!emb_size_mul (n, VOCAB_BYTES_PER_TOKEN, &per_token) ||
      !emb_size_add (per_token, total_bytes, &need))
    need = G_MAXSIZE;
  if (!emb_memory_check (need, what, error))
    return FALSE;

  /* GByteArray has no reserve: grow then shrink the length back. */
  g_byte_array_set_size (self->bytes, have + total_bytes + n);
  g_byte_array_set_size (self->bytes, have);
  g_array_set_size (self->offsets, self->offsets->len + n);
  g_array_set_size (self->offsets, self->offsets->len - n);
  return TRUE;
}

gsize
emb_vocab_add (EmbVocab   *self,
               const char *raw,
               gssize      len)
{
  gsize id = emb_vocab_size (self);
  guint64 end;
  static const guint8 nul = 0;

  if (len < 0)
    len = strlen (raw);

  g_byte_array_append (self->bytes, (const guint8 *) raw, len);
  g_byte_array_append (self->bytes, &nul, 1);
  end = self->bytes->len;
  g_array_append_val (self->offsets, end);

  update_display (self, id);
  invalidate_tables (self);
  return id;
}

gsize
emb_vocab_size (const EmbVocab *self)
{
  return self->offsets->len - 1;
}

const char *
emb_vocab_raw (const EmbVocab *self,
               gsize           id,
               gsize          *len)
{
  const guint64 *off = (const guint64 *) self->offsets->data;

  g_return_val_if_fail (id < emb_vocab_size (self), NULL);
  if (len != NULL)
    *len = off[id + 1] - off[id] - 1;
  return (const char *) self->bytes->data + off[id];
}

const char *
emb_vocab_display (const EmbVocab *self,
                   gsize           id)
{
  gsize at = GPOINTER_TO_SIZE (g_hash_table_lookup (self->display, GSIZE_TO_POINTER (id)));

  if (at != 0)
    return (const char *) self->display_bytes->data + at - 1;
  return emb_vocab_raw (self, id, NULL);
}

gboolean
emb_vocab_display_differs (const EmbVocab *self,
                           gsize           id)
{
  return g_hash_table_contains (self->display, GSIZE_TO_POINTER (id));
}

gboolean
emb_vocab_lookup (EmbVocab   *self,
                  const char *token,
                  gsize      *id)
{
  gsize len = strlen (token);
  gsize found;
  gboolean ok;

  g_mutex_lock (&self->lock);
  if (self->raw_table == NULL)
    build_tables (self);
  ok = table_find (self, self->raw_table, TRUE, token, len, &found);
  if (!ok && self->display_table != NULL)
    ok = table_find (self, self->display_table, FALSE, token, len, &found);
  g_mutex_unlock (&self->lock);

  if (ok && id != NULL)
    *id = found;
  return ok;
}

void
emb_vocab_add_column (EmbVocab   *self,
                      const char *name,
                      GPtrArray  *values)
{
  g_return_if_fail (values->len == emb_vocab_size (self));
  g_ptr_array_add (self->column_names, g_strdup (name));
  g_ptr_array_add (self->columns, values);
}

guint
emb_vocab_n_columns (const EmbVocab *self)
{
  return self->columns->len;
}

const char *
emb_vocab_column_name (const EmbVocab *self,
                       guint           column)
{
  g_return_val_if_fail (column < self->columns->len, NULL);
  return g_ptr_array_index (self->column_names, column);
}

const char *
emb_vocab_column_value (const EmbVocab *self,
                        guint           column,
                        gsize           id)
{
  GPtrArray *values;

  g_return_val_if_fail (column < self->columns->len, NULL);
  values = g_ptr_array_index (self->columns, column);
  g_return_val_if_fail (id < values->len, NULL);
  return g_ptr_array_index (values, id);
}

/* Decoders are cheap (a table lookup per char), so every display text is
 * recomputed: 128k tokens take a few milliseconds. */
void
emb_vocab_set_decoder (EmbVocab   *self,
                       EmbDecoder  decoder)
{
  gsize n = emb_vocab_size (self);

  g_return_if_fail (decoder <= EMB_DECODER_SENTENCEPIECE);
  if (decoder == self->decoder)
    return;
  self->decoder = decoder;
  g_hash_table_remove_all (self->display);
  g_byte_array_set_size (self->display_bytes, 0);
  for (gsize i = 0; i < n; i++)
    update_display (self, i);
  invalidate_tables (self);
}

EmbDecoder
emb_vocab_get_decoder (const EmbVocab *self)
{
  return self->decoder;
}

/* One byte per token, allocated on the first type other than NORMAL, so a
 * plain word list pays nothing. */
void
emb_vocab_set_token_type (EmbVocab    *self,
                          gsize        id,
                          EmbTokenType type)
{
  EmbTokenType old;

  g_return_if_fail (id < emb_vocab_size (self));
  g_return_if_fail (type <= EMB_TOKEN_UNKNOWN);

  old = emb_vocab_get_token_type (self, id);
  if (old == type)
    return;
  if (self->types == NULL)
    self->types = g_byte_array_new ();
  if (self->types->len <= id)
    {
      guint have = self->types->len;

      g_byte_array_set_size (self->types, emb_vocab_size (self));
      memset (self->types->data + have, EMB_TOKEN_NORMAL, self->types->len - have);
    }
  self->types->data[id] = (guint8) type;

  /* Literal tokens skip the decoder: the display may change. */
  if (self->decoder != EMB_DECODER_NONE && is_literal_type (old) != is_literal_type (type))
    {
      update_display (self, id);
      invalidate_tables (self);
    }
}

EmbTokenType
emb_vocab_get_token_type (const EmbVocab *self,
                          gsize           id)
{
  if (self->types == NULL || id >= self->types->len)
    return EMB_TOKEN_NORMAL;
  return (EmbTokenType) self->types->data[id];
}

char *
emb_vocab_decode_bytes (const EmbVocab *self,
                        gsize           id,
                        gsize          *len)
{
  GString *out;

  g_return_val_if_fail (id < emb_vocab_size (self), NULL);
  out = g_string_new (NULL);
  decode_token (self, id, TRUE, out);
  if (len != NULL)
    *len = out->len;
  return g_string_free (out, FALSE);
}
