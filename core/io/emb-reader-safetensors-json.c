/* emb-reader-safetensors-json.c: the strict JSON of safetensors headers
 * and indexes.
 *
 * json-glib is lenient (comments, hex and octal numbers, single quotes),
 * wraps integers past 64 bits around without a word, and recurses once
 * per nesting level.  So the text is first run through a strict JSON
 * tokenizer here, which also bounds the nesting and records where each
 * member of the outermost object starts, for messages.  An index is then
 * parsed by json-glib; a header, which may list a million tensors, is
 * read in place with the cursor at the end of this file, keeping no tree.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "io/emb-reader-safetensors-private.h"
#include "io/emb-parse.h"
#include "base/emb-error.h"

/* Nesting the tokenizer lets through.  A header nests three levels
 * (object, tensor, shape); the bound keeps json-glib's recursive descent
 * off the end of the stack on a hostile file. */
#define MAX_DEPTH 64

/* auxiliary functions: the strict JSON tokenizer */

/* A short printable excerpt, for messages. */
char *
_emb_st_excerpt (const char *text,
         gsize       len)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < len && i < 40; i++)
    g_string_append_c (s, g_ascii_isprint (text[i]) ? text[i] : '?');
  if (len > 40)
    g_string_append (s, "...");
  return g_string_free (s, FALSE);
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '+' || c == '-';
}

/* A string from the quote at *pos_inout to past its closing quote: no raw
 * control character, only JSON's escapes. */
static gboolean
scan_string (const char  *file,
             const char  *text,
             gsize        len,
             gsize        base,
             gsize       *pos_inout,
             GError     **error)
{
  gsize pos = *pos_inout, start = pos++;

  for (;;)
    {
      guchar s;

      if (pos >= len)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + start,
                                "a JSON string is not closed");
          return FALSE;
        }
      s = text[pos];
      if (s == '"')
        break;
      if (s < 0x20)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + pos,
                                "a control character (0x%02x) inside a JSON string", s);
          return FALSE;
        }
      if (s == '\\')
        {
          gboolean ok = pos + 1 < len && strchr ("\"\\/bfnrtu", text[pos + 1]) != NULL &&
                        text[pos + 1] != '\0';

          if (ok && text[pos + 1] == 'u')
            {
              ok = pos + 5 < len;
              for (guint k = 2; ok && k < 6; k++)
                ok = g_ascii_isxdigit (text[pos + k]);
              pos += 4;
            }
          if (!ok)
            {
              emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + pos,
                                    "a bad escape in a JSON string");
              return FALSE;
            }
          pos++;
        }
      pos++;
    }
  *pos_inout = pos + 1;
  return TRUE;
}

/* A number in JSON's syntax; an integer must fit in 63 bits. */
static gboolean
scan_number (const char  *file,
             const char  *text,
             gsize        len,
             gsize        base,
             gsize       *pos_inout,
             GError     **error)
{
  gsize pos = *pos_inout, start = pos;
  gboolean integer = TRUE, ok = TRUE, overflow = FALSE;
  guint64 value = 0;

  if (text[pos] == '-')
    pos++;
  if (pos < len && text[pos] == '0')
    pos++;
  else if (pos < len && g_ascii_isdigit (text[pos]))
    while (pos < len && g_ascii_isdigit (text[pos]))
      {
        guint digit = text[pos++] - '0';
        overflow |= value > (guint64) (G_MAXINT64 - digit) / 10;
        value = value * 10 + digit;
      }
  else
    ok = FALSE;
  if (ok && pos < len && text[pos] == '.')
    {
      integer = FALSE;
      pos++;
      ok = pos < len && g_ascii_isdigit (text[pos]);
      while (pos < len && g_ascii_isdigit (text[pos]))
        pos++;
    }
  if (ok && pos < len && (text[pos] == 'e' || text[pos] == 'E'))
    {
      integer = FALSE;
      pos++;
      if (pos < len && (text[pos] == '+' || text[pos] == '-'))
        pos++;
      ok = pos < len && g_ascii_isdigit (text[pos]);
      while (pos < len && g_ascii_isdigit (text[pos]))
        pos++;
    }
  if (!ok || (pos < len && is_word_char (text[pos])))
    {
      gsize end = pos;
      g_autofree char *what = NULL;

      while (end < len && is_word_char (text[end]))
        end++;
      what = _emb_st_excerpt (text + start, end - start);
      emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + start,
                            "'%s' is not a JSON number", what);
      return FALSE;
    }
  /* json-glib would wrap such a number around silently. */
  if (integer && overflow)
    {
      g_autofree char *what = _emb_st_excerpt (text + start, pos - start);
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, file, base + start,
                            "the number %s does not fit in 63 bits", what);
      return FALSE;
    }
  *pos_inout = pos;
  return TRUE;
}

/* true, false or null. */
static gboolean
scan_word (const char  *file,
           const char  *text,
           gsize        len,
           gsize        base,
           gsize       *pos_inout,
           GError     **error)
{
  static const char * const words[] = { "true", "false", "null" };
  gsize pos = *pos_inout, end = pos;
  gboolean known = FALSE;

  while (end < len && is_word_char (text[end]))
    end++;
  for (guint k = 0; k < G_N_ELEMENTS (words); k++)
    known |= end - pos == strlen (words[k]) &&
             memcmp (text + pos, words[k], end - pos) == 0;
  if (!known)
    {
      g_autofree char *what = _emb_st_excerpt (text + pos, MAX (end - pos, 1));
      emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + pos,
                            "unexpected '%s' in the JSON", what);
      return FALSE;
    }
  *pos_inout = end;
  return TRUE;
}

/* Checks that text (at file byte base) holds only what RFC 8259 allows
 * between JSON's structural characters: strings with valid escapes and no
 * raw control characters, numbers in JSON's own syntax and, for integers,
 * within 64 bits, and true/false/null.  The grammar itself (brackets that
 * match, commas and colons in place) is json-glib's to check.  When keys is
 * set, it gets the file offset of every member name of the outermost
 * object, in order. */
static gboolean
json_check_tokens (const char  *file,
                   const char  *text,
                   gsize        len,
                   gsize        base,
                   GArray      *keys,
                   gsize       *n_keys,
                   GError     **error)
{
  gboolean in_object[MAX_DEPTH];
  guint depth = 0;
  gboolean expect_key = FALSE;
  gsize pos = 0;

  while (pos < len)
    {
      char c = text[pos];

      switch (c)
        {
        case ' ': case '\t': case '\n': case '\r':
          pos++;
          break;

        case '{': case '[':
          if (depth == MAX_DEPTH)
            {
              emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + pos,
                                    "the JSON nests more than %d levels deep", MAX_DEPTH);
              return FALSE;
            }
          in_object[depth++] = c == '{';
          expect_key = c == '{';
          pos++;
          break;

        case '}': case ']':
          if (depth > 0)
            depth--;
          expect_key = FALSE;
          pos++;
          break;

        case ',':
          expect_key = depth > 0 && in_object[depth - 1];
          pos++;
          break;

        case ':':
          expect_key = FALSE;
          pos++;
          break;

        case '"':
          {
            gsize start = pos;

            if (!scan_string (file, text, len, base, &pos, error))
              return FALSE;
            if (expect_key && depth == 1)
              {
                gsize offset = base + start;

                if (keys != NULL)
                  g_array_append_val (keys, offset);
                (*n_keys)++;
              }
            expect_key = FALSE;
          }
          break;

        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
          if (!scan_number (file, text, len, base, &pos, error))
            return FALSE;
          expect_key = FALSE;
          break;

        default:
          if (!scan_word (file, text, len, base, &pos, error))
            return FALSE;
          expect_key = FALSE;
          break;
        }
    }
  /* json-glib's own message for this names the last token, not the end. */
  if (depth > 0)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + len,
                            "the JSON ends inside an unclosed '%c'", in_object[depth - 1] ? '{' : '[');
      return FALSE;
    }
  return TRUE;
}

gboolean
_emb_st_json_check (const char  *file,
                    const char  *text,
                    gsize        len,
                    gsize        base,
                    GArray      *keys,
                    gsize       *n_keys,
                    GError     **error)
{
  const char *bad;
  gsize count = 0;

  if (!g_utf8_validate_len (text, len, &bad))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + (bad - text),
                            "the JSON is not valid UTF-8");
      return FALSE;
    }
  if (!json_check_tokens (file, text, len, base, keys, &count, error))
    return FALSE;
  if (n_keys != NULL)
    *n_keys = count;
  return TRUE;
}

/* Parses len bytes of JSON (not NUL-terminated) at file byte base.  A
 * json-glib error says "<data>:LINE:COLUMN: why"; the position is turned
 * into a byte offset. */
JsonParser *
_emb_st_json_parse (const char  *file,
            const char  *text,
            gsize        len,
            gsize        base,
            GArray      *keys,
            GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  guint line = 0, column = 0;
  gsize offset = 0;
  const char *why;
  g_autofree char *valid_why = NULL;

  if (!_emb_st_json_check (file, text, len, base, keys, NULL, error))
    return NULL;
  if (!emb_json_memory_check (file, (const guint8 *) text, len, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (json_parser_load_from_data (parser, text, len, &local_error))
    {
      if (json_parser_get_root (parser) != NULL)
        return g_steal_pointer (&parser);
      emb_set_error_offset (error, EMB_ERROR_PARSE, file, base, "the JSON is empty");
      return NULL;
    }

  why = local_error->message;
  if (sscanf (why, "<data>:%u:%u:", &line, &column) == 2 && line > 0)
    {
      const char *colon = strchr (strchr (strchr (why, ':') + 1, ':') + 1, ':');

      for (guint l = 1; l < line && offset < len; offset++)
        if (text[offset] == '\n')
          l++;
      offset = MIN (offset + (column > 0 ? column - 1 : 0), len);
      why = colon + 1;
      while (*why == ' ')
        why++;
    }
  /* json-glib quotes the string it stopped at as it decoded it, and an
   * escaped lone surrogate ("\udfff") decodes to bytes that are not UTF-8:
   * a message must be text. */
  valid_why = g_utf8_make_valid (why, -1);
  emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + offset,
                        "not valid JSON: %s", valid_why);
  return NULL;
}

/* Where the index-th member of the outermost object starts in the file:
 * json_check_tokens found the keys in the order json-glib lists the
 * members.  fallback when there is no such key. */
gsize
_emb_st_member_offset (GArray *keys,
               guint   index,
               gsize   fallback)
{
  return index < keys->len ? g_array_index (keys, gsize, index) : fallback;
}


/* The cursor over checked JSON.
 *
 * Once _emb_st_json_check has passed, every string is closed with valid
 * escapes, every number and word is well formed and the nesting is
 * bounded: what is left to check here is the grammar (brackets that
 * match, commas and colons in place), reported at the byte where it goes
 * wrong. */

/* Reports what was found at the cursor when something else was expected. */
gboolean
_emb_st_unexpected (StCursor    *c,
                    const char  *expected,
                    GError     **error)
{
  gsize end = c->pos;
  g_autofree char *what = NULL;

  if (c->pos >= c->len)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, c->file, c->base + c->len,
                            "not valid JSON: expected %s, but the JSON ends", expected);
      return FALSE;
    }
  while (end < c->len && is_word_char (c->text[end]))
    end++;
  what = _emb_st_excerpt (c->text + c->pos, MAX (end - c->pos, 1));
  emb_set_error_offset (error, EMB_ERROR_PARSE, c->file, c->base + c->pos,
                        "not valid JSON: expected %s, not '%s'", expected, what);
  return FALSE;
}

char
_emb_st_peek (StCursor *c)
{
  while (c->pos < c->len && (c->text[c->pos] == ' ' || c->text[c->pos] == '\t' ||
                             c->text[c->pos] == '\n' || c->text[c->pos] == '\r'))
    c->pos++;
  return c->pos < c->len ? c->text[c->pos] : '\0';
}

gboolean
_emb_st_expect (StCursor    *c,
                char         ch,
                const char  *expected,
                GError     **error)
{
  if (_emb_st_peek (c) != ch)
    return _emb_st_unexpected (c, expected, error);
  c->pos++;
  return TRUE;
}

/* Past the closing quote of the (checked) string at the cursor. */
static void
skip_string (StCursor *c)
{
  for (c->pos++; c->text[c->pos] != '"'; c->pos++)
    if (c->text[c->pos] == '\\')
      c->pos++;
  c->pos++;
}

gboolean
_emb_st_skip_value (StCursor  *c,
                    GError   **error)
{
  char ch = _emb_st_peek (c);

  if (ch == '"')
    {
      skip_string (c);
      return TRUE;
    }
  if (ch == '{' || ch == '[')
    {
      char close = ch == '{' ? '}' : ']';

      c->pos++;
      if (_emb_st_peek (c) == close)
        {
          c->pos++;
          return TRUE;
        }
      for (;;)
        {
          if (ch == '{' && (!_emb_st_read_string (c, NULL, NULL, error) ||
                            !_emb_st_expect (c, ':', "':' after a member name", error)))
            return FALSE;
          if (!_emb_st_skip_value (c, error))
            return FALSE;
          if (_emb_st_peek (c) == close)
            {
              c->pos++;
              return TRUE;
            }
          if (!_emb_st_expect (c, ',', ch == '{' ? "',' or '}'" : "',' or ']'", error))
            return FALSE;
        }
    }
  if (ch != '\0' && is_word_char (ch))
    {
      while (c->pos < c->len && is_word_char (c->text[c->pos]))
        c->pos++;
      return TRUE;
    }
  return _emb_st_unexpected (c, "a value", error);
}

/* The value of the 4 hex digits at p. */
static guint
hex4 (const char *p)
{
  guint v = 0;

  for (guint k = 0; k < 4; k++)
    v = v * 16 + g_ascii_xdigit_value (p[k]);
  return v;
}

gboolean
_emb_st_read_string (StCursor    *c,
                     char        *out,
                     gsize       *out_len,
                     GError     **error)
{
  static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
  gsize n = 0;

  if (_emb_st_peek (c) != '"')
    return _emb_st_unexpected (c, "a string", error);
  if (out == NULL)
    {
      skip_string (c);
      return TRUE;
    }
  c->pos++;
  while (c->text[c->pos] != '"')
    {
      const char *p = c->text + c->pos;
      guint cp;

      if (*p != '\\')
        {
          out[n++] = *p;
          c->pos++;
          continue;
        }
      if (p[1] != 'u')
        {
          out[n++] = strchr (escapes, p[1])[1];
          c->pos += 2;
          continue;
        }
      cp = hex4 (p + 2);
      c->pos += 6;
      if (cp >= 0xd800 && cp < 0xdc00 && p[6] == '\\' && p[7] == 'u' &&
          hex4 (p + 8) >= 0xdc00 && hex4 (p + 8) < 0xe000)
        {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4 (p + 8) - 0xdc00);
          c->pos += 6;
        }
      else if (cp >= 0xd800 && cp < 0xe000)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, c->file, c->base + (p - c->text),
                                "not valid JSON: \\u%.4s is half of a UTF-16 pair", p + 2);
          return FALSE;
        }
      if (cp == 0)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, c->file, c->base + (p - c->text),
                                "a NUL character (\\u0000) inside a JSON string");
          return FALSE;
        }
      n += g_unichar_to_utf8 (cp, out + n);
    }
  c->pos++;
  out[n] = '\0';
  if (out_len != NULL)
    *out_len = n;
  return TRUE;
}
