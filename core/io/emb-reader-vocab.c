/* emb-reader-vocab.c: vocabulary files with one token per line, and the
 * choice of vocabulary reader by file name.
 *
 * word2vec's --vocab output without counts, BERT's vocab.txt and the
 * NAME.vocab.txt people keep beside a .npy all look like this.  Lines keep
 * their raw bytes, invalid UTF-8 included: the token must match what the
 * model was trained on, and EmbVocab makes a valid display text itself.
 */
#include "config.h"

#include <string.h>

#include "io/emb-reader-vocab.h"
#include "io/emb-source.h"
#include "io/emb-text-encoding.h"
#include "base/emb-error.h"

/* auxiliary functions */

static gboolean
has_suffix_ci (const char *path,
               const char *suffix)
{
  gsize plen = strlen (path), slen = strlen (suffix);

  return plen >= slen && g_ascii_strcasecmp (path + plen - slen, suffix) == 0;
}

/* public API */

/* One token per line, LF or CRLF; an empty line is an empty token, except
 * the one after a final newline.  A UTF-8 byte order mark is not part of
 * the first token. */
EmbVocab *
emb_vocab_read_lines (const char   *name,
                      const guint8 *data,
                      gsize         size,
                      GError      **error)
{
  const guint8 *p = data, *end;
  g_autoptr(EmbVocab) vocab = emb_vocab_new ();
  g_autofree char *what = NULL;
  gsize n_lines = 0, body;

  if (!emb_text_check_start (name, data, size, &body, error))
    return NULL;
  /* An empty file has no tokens.  Its mapping may have no address at all
   * (data NULL), and even NULL + 0 is undefined, so stop before any
   * pointer arithmetic. */
  if (size == 0)
    return g_steal_pointer (&vocab);
  end = data + size;
  p += body;

  for (const guint8 *q = p; q < end; n_lines++)
    {
      const guint8 *nl = memchr (q, '\n', end - q);
      q = nl != NULL ? nl + 1 : end;
    }
  what = g_strdup_printf ("%s: the vocabulary of %" G_GSIZE_FORMAT " tokens", name, n_lines);
  if (!emb_vocab_reserve (vocab, n_lines, end - p, what, error))
    return NULL;

  while (p < end)
    {
      const guint8 *nl = memchr (p, '\n', end - p);
      const guint8 *stop = nl != NULL ? nl : end;
      gsize len = stop - p;

      if (len > 0 && p[len - 1] == '\r')
        len--;
      emb_vocab_add (vocab, (const char *) p, len);
      p = nl != NULL ? nl + 1 : end;
    }
  return g_steal_pointer (&vocab);
}

EmbVocab *
emb_vocab_read_file (const char  *path,
                     gsize        n_rows,
                     GError     **error)
{
  g_autoptr(GBytes) bytes = emb_source_open_bytes (path, error);
  EmbVocab *vocab;
  const guint8 *data;
  gsize size;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  if (has_suffix_ci (path, ".tsv"))
    vocab = emb_projector_read_metadata (path, data, size, n_rows, error);
  else if (has_suffix_ci (path, ".gguf") || (size >= 4 && memcmp (data, "GGUF", 4) == 0))
    vocab = emb_vocab_read_gguf (path, data, size, error);
  else if (has_suffix_ci (path, "tokenizer.json"))
    vocab = emb_vocab_read_tokenizer_json (path, data, size, error);
  else if (has_suffix_ci (path, ".json"))
    vocab = emb_vocab_read_encoder_json (path, data, size, error);
  else
    vocab = emb_vocab_read_lines (path, data, size, error);
  /* Tokens read from a file cut short meanwhile are not its tokens. */
  if (!emb_source_check_unchanged (bytes, path, error))
    g_clear_pointer (&vocab, emb_vocab_unref);
  return vocab;
}
