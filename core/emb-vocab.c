/* emb-vocab.c
 *
 * Tokens live NUL-terminated in one byte buffer with an offset per id, so a
 * 341k-word vocabulary costs a few MB and no per-token allocation.  Lookup
 * uses an open-addressing table of ids built on first use.
 */
#include "config.h"

#include <string.h>

#include "emb-vocab.h"

struct _EmbVocab
{
  gint        ref_count;
  GByteArray *bytes;        /* raw tokens, each followed by a NUL */
  GArray     *offsets;      /* guint64 start of each token in bytes, + 1 sentinel */
  GHashTable *display;      /* id -> display text, only where it differs */

  GMutex      lock;         /* guards the lazily built lookup tables */
  guint32    *raw_table;    /* ids + 1, 0 = empty */
  guint32    *display_table;
  gsize       table_mask;

  GPtrArray  *column_names;
  GPtrArray  *columns;      /* of GPtrArray of char* */
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
  self->display = g_hash_table_new_full (NULL, NULL, NULL, g_free);
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

  emb_vocab_reserve (self, n, n * 7);
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
  invalidate_tables (self);
  g_mutex_clear (&self->lock);
  g_ptr_array_unref (self->column_names);
  g_ptr_array_unref (self->columns);
  g_free (self);
}

void
emb_vocab_reserve (EmbVocab *self,
                   gsize     n,
                   gsize     total_bytes)
{
  gsize have = self->bytes->len;

  /* GByteArray has no reserve: grow then shrink the length back. */
  g_byte_array_set_size (self->bytes, have + total_bytes + n);
  g_byte_array_set_size (self->bytes, have);
  g_array_set_size (self->offsets, self->offsets->len + n);
  g_array_set_size (self->offsets, self->offsets->len - n);
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

  if (!g_utf8_validate_len (raw, len, NULL) || memchr (raw, '\0', len) != NULL)
    {
      /* make_valid stops at a NUL when len is -1; pass the length. */
      char *text = g_utf8_make_valid (raw, len);
      g_hash_table_insert (self->display, GSIZE_TO_POINTER (id), text);
    }

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
  const char *text = g_hash_table_lookup (self->display, GSIZE_TO_POINTER (id));

  return text != NULL ? text : emb_vocab_raw (self, id, NULL);
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
