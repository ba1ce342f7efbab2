/* emb-cli-json.c: the JSON of neighbour queries, token bytes and all.
 *
 * json-glib holds strings as NUL-terminated C strings, so it cannot write
 * a token whose stored bytes hold a NUL, and it passes bytes that are not
 * UTF-8 through into output that is then not JSON.  Query results are
 * therefore written here, every byte accounted for:
 *
 *   "token"    the display text (always valid UTF-8, on one line);
 *   "raw"      when the stored bytes differ from it: the bytes as a JSON
 *              string, NUL and control characters as \u00XX, each byte
 *              that is not part of valid UTF-8 as U+FFFD;
 *   "raw_hex"  when some byte is not part of valid UTF-8 (so "raw" could
 *              not hold it): every stored byte as two lowercase hex digits.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emb-cli-private.h"
#include "base/emb-error.h"

/* auxiliary functions */

/* Appends s[0..len) as a JSON string literal (see above); FALSE when some
 * byte was not part of valid UTF-8 and was written as U+FFFD. */
static gboolean
append_json_string (GString    *out,
                    const char *s,
                    gsize       len)
{
  const char *p = s, *end = s + len;
  gboolean exact = TRUE;

  g_string_append_c (out, '"');
  while (p < end)
    {
      gunichar c;
      gsize size = emb_utf8_next (p, end, &c);

      if (c == EMB_UTF8_BAD)
        {
          g_string_append (out, "\\ufffd");
          exact = FALSE;
        }
      else if (c == '"' || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) c);
        }
      /* NUL and the other control characters, and the two separators
       * JavaScript does not allow in strings. */
      else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, size);
      p += size;
    }
  g_string_append_c (out, '"');
  return exact;
}

static void
append_member (GString    *out,
               const char *name)
{
  append_json_string (out, name, strlen (name));
  g_string_append_c (out, ':');
}

static void
append_token (GString    *out,
              EmbDataset *ds,
              gsize       id)
{
  const char *display = emb_vocab_display (ds->vocab, id);

  append_member (out, "token");
  append_json_string (out, display, strlen (display));
  if (emb_vocab_display_differs (ds->vocab, id))
    {
      gsize len;
      const char *raw = emb_vocab_raw (ds->vocab, id, &len);

      g_string_append_c (out, ',');
      append_member (out, "raw");
      if (!append_json_string (out, raw, len))
        {
          g_string_append_c (out, ',');
          append_member (out, "raw_hex");
          g_string_append_c (out, '"');
          for (gsize i = 0; i < len; i++)
            g_string_append_printf (out, "%02x", (guchar) raw[i]);
          g_string_append_c (out, '"');
        }
    }
}

static void
append_double (GString *out,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* JSON has no nan or inf. */
  if (!isfinite (v))
    g_string_append (out, "null");
  else
    g_string_append (out, g_ascii_dtostr (buf, sizeof buf, v));
}

/* public API */

void
_emb_cli_print_neighbors_json (EmbDataset        *ds,
                               const char        *query,
                               const char        *metric,
                               const EmbNeighbor *nb,
                               gsize              count)
{
  g_autoptr(GString) out = g_string_new ("{");

  append_member (out, "query");
  append_json_string (out, query, strlen (query));
  g_string_append_c (out, ',');
  append_member (out, "metric");
  append_json_string (out, metric, strlen (metric));
  g_string_append_c (out, ',');
  append_member (out, "neighbors");
  g_string_append_c (out, '[');
  for (gsize i = 0; i < count; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "{");
      append_member (out, "id");
      g_string_append_printf (out, "%" G_GSIZE_FORMAT ",", nb[i].id);
      append_token (out, ds, nb[i].id);
      g_string_append_c (out, ',');
      append_member (out, "score");
      append_double (out, nb[i].score);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}\n");
  fwrite (out->str, 1, out->len, stdout);
}
