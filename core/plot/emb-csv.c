/* emb-csv.c: CSV (RFC 4180): the fields, and the plot's points as a
 * table, written atomically. */
#include "config.h"

#include <string.h>

#include "base/emb-file.h"
#include "plot/emb-csv.h"
#include "plot/emb-figure-private.h"

void
emb_csv_append_field (GString    *out,
                      const char *text)
{
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

void
emb_csv_append_float (GString *out,
                      double   value)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (num, sizeof num, "%.9g", value));
}

void
emb_csv_append_token (GString        *out,
                      const EmbVocab *vocab,
                      gsize           id)
{
  gsize len;
  g_autofree char *bytes = emb_vocab_decode_bytes (vocab, id, &len);
  g_autofree char *text = g_utf8_make_valid (bytes, len);

  emb_csv_append_field (out, text);
}

gboolean
emb_plot_export_csv (const EmbPlot  *plot,
                     const guint32  *cluster,
                     const char     *path,
                     GError        **error)
{
  g_autoptr(GString) s = NULL;
  guint n_columns;
  gsize n_vocab;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_emb_plot_valid (plot, path, error))
    return FALSE;

  n_vocab = plot->vocab != NULL ? emb_vocab_size (plot->vocab) : 0;
  n_columns = plot->vocab != NULL ? emb_vocab_n_columns (plot->vocab) : 0;
  s = g_string_sized_new (plot->n * 48 + 256);

  g_string_append (s, "id,token,x,y");
  if (cluster != NULL)
    g_string_append (s, ",cluster");
  for (guint c = 0; c < n_columns; c++)
    {
      g_autofree char *name = _emb_clean_text (emb_vocab_column_name (plot->vocab, c), 0);

      g_string_append_c (s, ',');
      emb_csv_append_field (s, name);
    }
  g_string_append (s, "\r\n");

  for (gsize i = 0; i < plot->n; i++)
    {
      if (plot->visible != NULL && !plot->visible[i])
        continue;
      g_string_append_printf (s, "%" G_GSIZE_FORMAT ",", i);
      if (i < n_vocab)
        emb_csv_append_token (s, plot->vocab, i);
      g_string_append_c (s, ',');
      emb_csv_append_float (s, plot->xs[i]);
      g_string_append_c (s, ',');
      emb_csv_append_float (s, plot->ys[i]);
      if (cluster != NULL)
        g_string_append_printf (s, ",%u", cluster[i]);
      for (guint c = 0; c < n_columns; c++)
        {
          const char *v = i < n_vocab ? emb_vocab_column_value (plot->vocab, c, i) : NULL;

          g_string_append_c (s, ',');
          emb_csv_append_field (s, v != NULL ? v : "");
        }
      g_string_append (s, "\r\n");
    }

  return emb_file_write_atomically (path, s->str, s->len, error);
}
