/* emb-csv.c */
#include "config.h"

#include <string.h>

#include "plot/emb-csv.h"

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
