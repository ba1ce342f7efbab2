/* emb-reader-safetensors-header.c: the header of a safetensors file.
 *
 * N as a u64 LE, then N bytes of JSON: "__metadata__" (string -> string)
 * and, for every tensor,
 *   "name": {"dtype": "F16", "shape": [512, 64], "data_offsets": [b, e]}
 * with [b, e) relative to the first byte after the header.  A valid file
 * (as the format's reference implementation checks it): N <= 100,000,000
 * and inside the file; the header starts with '{'; every tensor's bytes are
 * exactly shape x dtype size; sorted by b, the ranges tile the data from 0
 * with no gap or overlap, and the last one ends at the end of the file.
 *
 * A header may list over a million tensors in its 100 MB, so it is read
 * in place (emb-reader-safetensors-json.c checks the tokens, a cursor the
 * grammar) rather than as a json-glib tree, which takes 1.5 KB a tensor.
 * Each tensor keeps 80 bytes, its name decoded into one arena.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/emb-reader-safetensors-private.h"
#include "base/emb-alloc.h"
#include "base/emb-error.h"

/* The reference implementation refuses larger headers; so do we, before
 * handing anything to the JSON parser. */
#define MAX_HEADER_SIZE 100000000u

/* auxiliary functions: dtypes */

/* Every dtype the format defines.  The sizes of those we do not read
 * still matter: they validate the layout of the whole file. */
static const StType st_types[] = {
  { "F32", 32, ST_F32, "float32" },
  { "F16", 16, ST_F16, "float16" },
  { "BF16", 16, ST_BF16, "bfloat16" },
  { "F64", 64, ST_F64, "float64" },
  { "BOOL", 8, ST_OTHER, NULL },
  { "U8", 8, ST_OTHER, NULL },
  { "I8", 8, ST_OTHER, NULL },
  { "I16", 16, ST_OTHER, NULL },
  { "U16", 16, ST_OTHER, NULL },
  { "I32", 32, ST_OTHER, NULL },
  { "U32", 32, ST_OTHER, NULL },
  { "I64", 64, ST_OTHER, NULL },
  { "U64", 64, ST_OTHER, NULL },
  { "F8_E5M2", 8, ST_OTHER, NULL },
  { "F8_E4M3", 8, ST_OTHER, NULL },
  { "F8_E8M0", 8, ST_OTHER, NULL },
  { "F6_E2M3", 6, ST_OTHER, NULL },
  { "F6_E3M2", 6, ST_OTHER, NULL },
  { "F4", 4, ST_OTHER, NULL },
  { "C64", 64, ST_OTHER, NULL },
};

static const StType *
find_type (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (st_types); i++)
    if (g_str_equal (st_types[i].name, name))
      return &st_types[i];
  return NULL;
}

/* auxiliary functions: the parsed header */

void
_emb_st_header_free (StHeader *h)
{
  g_free (h->name);
  g_clear_pointer (&h->bytes, g_bytes_unref);
  g_free (h->tensors);
  g_free (h->arena);
  g_free (h);
}

/* Reading a header: the cursor over its JSON, the header being filled,
 * and how much of its arena holds names.  The arena has a byte for every
 * byte of the JSON: a decoded string and its NUL are never longer than
 * the string with its quotes, so a string read at arena + used always
 * fits, committed or not. */
typedef struct
{
  StCursor  c;
  StHeader *h;
  gsize     used;
} StRead;

/* Decodes the string at the cursor to the free end of the arena and
 * returns it; commit keeps it there. */
static const char *
read_arena_string (StRead    *r,
                   gboolean   commit,
                   GError   **error)
{
  char *out = r->h->arena + r->used;
  gsize len;

  if (!_emb_st_read_string (&r->c, out, &len, error))
    return NULL;
  if (commit)
    r->used += len + 1;
  return out;
}

/* "[512, 64]" */
static char *
format_shape (const StTensor *t)
{
  GString *s = g_string_new ("[");

  for (guint d = 0; d < t->n_dims; d++)
    {
      if (d == 4)
        {
          g_string_append (s, ", ...");
          break;
        }
      g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, d > 0 ? ", " : "", t->dims[d]);
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* What the value at the cursor is, for "... is X, not a size"; moves past
 * it.  FALSE only when its grammar is wrong. */
static gboolean
describe_value (StCursor  *c,
                char     **what,
                GError   **error)
{
  char ch = _emb_st_peek (c);
  gsize start = c->pos;

  if (!_emb_st_skip_value (c, error))
    return FALSE;
  if (ch == '{')
    *what = g_strdup ("an object");
  else if (ch == '[')
    *what = g_strdup ("an array");
  else if (ch == '"')
    {
      g_autofree char *text = _emb_st_excerpt (c->text + start + 1, c->pos - start - 2);
      *what = g_strdup_printf ("the string \"%s\"", text);
    }
  else
    *what = _emb_st_excerpt (c->text + start, c->pos - start);
  return TRUE;
}

/* The value at the cursor as a size: a JSON integer >= 0 ("-0" is 0, as
 * json-glib reads it).  Moves past the value; *ok tells whether it was a
 * size and, when not, *what (may be NULL) says what it was.  FALSE only
 * when the grammar is wrong.  The tokens are checked: an integer fits in
 * 63 bits. */
static gboolean
read_size (StCursor  *c,
           guint64   *out,
           gboolean  *ok,
           char     **what,
           GError   **error)
{
  char ch = _emb_st_peek (c);
  gsize start = c->pos, p = start;
  gboolean integer = TRUE;
  guint64 v = 0;

  *ok = FALSE;
  if (ch != '-' && !g_ascii_isdigit (ch))
    {
      g_autofree char *text = NULL;

      if (!describe_value (c, &text, error))
        return FALSE;
      if (what != NULL)
        *what = g_steal_pointer (&text);
      return TRUE;
    }
  if (ch == '-')
    p++;
  for (; p < c->len && (g_ascii_isdigit (c->text[p]) || strchr (".eE+-", c->text[p]) != NULL); p++)
    if (!g_ascii_isdigit (c->text[p]))
      integer = FALSE;
    else if (integer)
      v = v * 10 + (guint64) (c->text[p] - '0');
  c->pos = p;
  *ok = integer && (ch != '-' || v == 0);
  *out = *ok ? v : 0;
  if (!*ok && what != NULL)
    *what = _emb_st_excerpt (c->text + start, p - start);
  return TRUE;
}

/* "shape": an array of sizes, whose product must fit in a gsize. */
static gboolean
parse_shape (StRead    *r,
             gsize      at,
             StTensor  *t,
             gsize     *count,
             GError   **error)
{
  StCursor *c = &r->c;
  const char *name = t->name;

  *count = 1;
  if (_emb_st_peek (c) != '[')
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "tensor '%s': \"shape\" is not an array", name);
      return FALSE;
    }
  c->pos++;
  if (_emb_st_peek (c) == ']')
    {
      c->pos++;
      return TRUE;
    }
  for (guint d = 0;; d++)
    {
      g_autofree char *what = NULL;
      gboolean ok;
      guint64 v;

      if (!read_size (c, &v, &ok, &what, error))
        return FALSE;
      if (!ok)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                                "tensor '%s': shape entry %u is %s, not a size", name, d, what);
          return FALSE;
        }
      if (d < G_N_ELEMENTS (t->dims))
        t->dims[d] = v;
      t->n_dims = d + 1;
      if (v > G_MAXSIZE || !emb_size_mul (*count, v, count))
        {
          g_autofree char *text = format_shape (t);
          emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->h->name, at,
                                "tensor '%s': shape %s has too many elements to be real",
                                name, text);
          return FALSE;
        }
      if (_emb_st_peek (c) == ']')
        {
          c->pos++;
          return TRUE;
        }
      if (!_emb_st_expect (c, ',', "',' or ']'", error))
        return FALSE;
    }
}

/* "data_offsets": [begin, end], two sizes. */
static gboolean
parse_offsets (StRead    *r,
               gsize      at,
               StTensor  *t,
               GError   **error)
{
  StCursor *c = &r->c;
  gboolean all_sizes = TRUE;
  guint n = 0;

  if (_emb_st_peek (c) == '[')
    {
      c->pos++;
      while (_emb_st_peek (c) != ']')
        {
          guint64 v;
          gboolean ok;

          if (n > 0 && !_emb_st_expect (c, ',', "',' or ']'", error))
            return FALSE;
          if (!read_size (c, &v, &ok, NULL, error))
            return FALSE;
          all_sizes &= ok;
          if (n == 0)
            t->begin = v;
          else if (n == 1)
            t->end = v;
          n++;
        }
      c->pos++;
    }
  if (n != 2 || !all_sizes)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "tensor '%s': \"data_offsets\" is not a pair of sizes [begin, end]",
                            t->name);
      return FALSE;
    }
  if (t->end < t->begin)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                            "] end before they begin", t->name, t->begin, t->end);
      return FALSE;
    }
  return TRUE;
}

/* The bytes that shape and dtype take must be what data_offsets hold.  A
 * dtype the format does not define has no known size: the layout checks
 * still hold it to the bytes it claims. */
static gboolean
check_tensor_size (StRead          *r,
                   gsize            at,
                   const StTensor  *t,
                   gsize            count,
                   GError         **error)
{
  g_autofree char *text = NULL;
  gsize bits;

  if (t->type == NULL)
    return TRUE;
  text = format_shape (t);
  if (!emb_size_mul (count, t->type->bits, &bits))
    {
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, r->h->name, at,
                            "tensor '%s': %s %s is too large to be real", t->name, t->dtype, text);
      return FALSE;
    }
  if (bits % 8 != 0)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "tensor '%s': %s %s takes %" G_GSIZE_FORMAT " bits, not a whole number of bytes",
                            t->name, t->dtype, text, bits);
      return FALSE;
    }
  if (bits / 8 != t->end - t->begin)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "tensor '%s': %s %s takes %" G_GSIZE_FORMAT " bytes, but data_offsets [%"
                            G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] hold %" G_GUINT64_FORMAT,
                            t->name, t->dtype, text, bits / 8, t->begin, t->end, t->end - t->begin);
      return FALSE;
    }
  return TRUE;
}

/* Where the values of an entry's "dtype", "shape" and "data_offsets"
 * start (0: absent; the last one counts when a member repeats, as in
 * json-glib), found in one pass over the entry that checks its grammar
 * and skips every other member. */
static gboolean
find_members (StRead    *r,
              gsize      at[3],
              GError   **error)
{
  static const char * const wanted[3] = { "dtype", "shape", "data_offsets" };
  StCursor *c = &r->c;

  c->pos++;
  if (_emb_st_peek (c) == '}')
    {
      c->pos++;
      return TRUE;
    }
  for (;;)
    {
      const char *key = read_arena_string (r, FALSE, error);

      if (key == NULL || !_emb_st_expect (c, ':', "':' after a member name", error))
        return FALSE;
      _emb_st_peek (c);
      for (guint k = 0; k < 3; k++)
        if (g_str_equal (key, wanted[k]))
          at[k] = c->pos;
      if (!_emb_st_skip_value (c, error))
        return FALSE;
      if (_emb_st_peek (c) == '}')
        {
          c->pos++;
          return TRUE;
        }
      if (!_emb_st_expect (c, ',', "',' or '}'", error))
        return FALSE;
    }
}

/* Fills t from a tensor's entry at the cursor, moving past it.  Offsets
 * are checked against each other and the file later, once every tensor is
 * known. */
static gboolean
parse_tensor (StRead    *r,
              gsize      at,
              StTensor  *t,
              GError   **error)
{
  StCursor *c = &r->c;
  gsize member[3] = { 0, 0, 0 }, count, end;
  const char *dtype;

  t->key_offset = at;
  if (_emb_st_peek (c) != '{')
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "tensor '%s': its entry is not an object", t->name);
      return FALSE;
    }
  if (!find_members (r, member, error))
    return FALSE;
  end = c->pos;
  if (member[0] == 0 || member[1] == 0 || member[2] == 0)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "tensor '%s' has no \"%s\"", t->name,
                            member[0] == 0 ? "dtype" : member[1] == 0 ? "shape" : "data_offsets");
      return FALSE;
    }

  /* The members' values were checked by find_members: read them again
   * from where they start. */
  c->pos = member[0];
  if (_emb_st_peek (c) != '"')
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "tensor '%s': \"dtype\" is not a string", t->name);
      return FALSE;
    }
  dtype = read_arena_string (r, FALSE, error);
  if (dtype == NULL)
    return FALSE;
  t->type = find_type (dtype);
  if (t->type != NULL)
    t->dtype = t->type->name;
  else
    {
      t->dtype = dtype;
      r->used += strlen (dtype) + 1;
    }

  c->pos = member[1];
  if (!parse_shape (r, at, t, &count, error))
    return FALSE;
  c->pos = member[2];
  if (!parse_offsets (r, at, t, error))
    return FALSE;
  c->pos = end;
  return check_tensor_size (r, at, t, count, error);
}

/* "__metadata__": string -> string, or null. */
static gboolean
parse_metadata (StRead    *r,
                gsize      at,
                GError   **error)
{
  StCursor *c = &r->c;
  char ch = _emb_st_peek (c);

  if (ch == 'n' && c->len - c->pos >= 4 && memcmp (c->text + c->pos, "null", 4) == 0)
    return _emb_st_skip_value (c, error);
  if (ch != '{')
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                            "\"__metadata__\" is not an object");
      return FALSE;
    }
  c->pos++;
  if (_emb_st_peek (c) == '}')
    {
      c->pos++;
      return TRUE;
    }
  for (;;)
    {
      const char *key = read_arena_string (r, FALSE, error);

      if (key == NULL || !_emb_st_expect (c, ':', "':' after a member name", error))
        return FALSE;
      if (_emb_st_peek (c) != '"')
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                                "\"__metadata__\": the value of \"%s\" is not a string", key);
          return FALSE;
        }
      if (!_emb_st_skip_value (c, error))
        return FALSE;
      if (_emb_st_peek (c) == '}')
        {
          c->pos++;
          return TRUE;
        }
      if (!_emb_st_expect (c, ',', "',' or '}'", error))
        return FALSE;
    }
}

/* Orders by data_offsets, then by end, so that empty tensors sharing a
 * begin with a non-empty one come first and still tile. */
static int
compare_by_offsets (const void *a,
                    const void *b)
{
  const StTensor *const *x = a, *const *y = b;

  if ((*x)->begin != (*y)->begin)
    return (*x)->begin < (*y)->begin ? -1 : 1;
  if ((*x)->end != (*y)->end)
    return (*x)->end < (*y)->end ? -1 : 1;
  return 0;
}

/* The data must be tiled by the tensors, in the order of their offsets,
 * from 0 to exactly the end of the file. */
static gboolean
check_layout (StHeader  *h,
              GError   **error)
{
  g_autofree char *what = g_strdup_printf ("%s: the order of %" G_GSIZE_FORMAT " tensors",
                                           h->name, h->n_tensors);
  g_autofree const StTensor **order = emb_try_new (const StTensor *, h->n_tensors, what, error);
  const StTensor *prev = NULL;
  guint64 expected = 0, file_end;

  if (order == NULL)
    return FALSE;
  for (gsize i = 0; i < h->n_tensors; i++)
    order[i] = &h->tensors[i];
  qsort (order, h->n_tensors, sizeof *order, compare_by_offsets);

  for (gsize i = 0; i < h->n_tensors; i++)
    {
      const StTensor *t = order[i];

      if (t->begin < expected)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, t->key_offset,
                                "tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                                "] overlap the previous tensor's ('%s'), which ends at %" G_GUINT64_FORMAT,
                                t->name, t->begin, t->end, prev->name, expected);
          return FALSE;
        }
      if (t->begin > expected)
        {
          if (prev != NULL)
            emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, t->key_offset,
                                  "tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                                  "] leave a gap after the previous tensor's ('%s'), which ends at %"
                                  G_GUINT64_FORMAT, t->name, t->begin, t->end, prev->name, expected);
          else
            emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, t->key_offset,
                                  "tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                                  "] leave a gap: the first tensor's data must begin at 0",
                                  t->name, t->begin, t->end);
          return FALSE;
        }
      expected = t->end;
      prev = t;
    }

  /* expected is at most G_MAXINT64 and data_start about 1e8: no overflow. */
  file_end = h->data_start + expected;
  if (file_end > h->size)
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, h->name, h->size,
                            "the file ends here, but its tensor data runs to byte %" G_GUINT64_FORMAT,
                            file_end);
      return FALSE;
    }
  if (file_end < h->size)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, file_end,
                            "the tensor data ends here, but the file has %" G_GUINT64_FORMAT
                            " more bytes that no tensor claims", h->size - file_end);
      return FALSE;
    }
  return TRUE;
}

/* Whether a tensor is named twice (json-glib would have kept the last
 * silently): FALSE with the second place. */
static gboolean
check_unique_names (StHeader  *h,
                    GError   **error)
{
  g_autofree char *what = g_strdup_printf ("%s: the names of %" G_GSIZE_FORMAT " tensors",
                                           h->name, h->n_tensors);
  g_autoptr(GHashTable) seen = NULL;

  /* A GHashTable set: a key and a hash per slot, at most 4 slots a name. */
  if (!emb_memory_check ((guint64) h->n_tensors * 4 * (sizeof (gpointer) + 4), what, error))
    return FALSE;
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (gsize i = 0; i < h->n_tensors; i++)
    if (!g_hash_table_add (seen, (gpointer) h->tensors[i].name))
      {
        emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, h->tensors[i].key_offset,
                              "the header names '%s' twice", h->tensors[i].name);
        return FALSE;
      }
  return TRUE;
}

/* The members of the header's object: "__metadata__" once at most, and
 * the tensors, into room made for n_keys of them. */
static gboolean
parse_members (StRead    *r,
               gsize      n_keys,
               GError   **error)
{
  StCursor *c = &r->c;
  gboolean seen_metadata = FALSE;

  if (!_emb_st_expect (c, '{', "'{'", error))
    return FALSE;
  if (_emb_st_peek (c) == '}')
    {
      c->pos++;
      return TRUE;
    }
  for (;;)
    {
      const char *key;
      gsize at;

      _emb_st_peek (c);
      at = c->base + c->pos;
      key = read_arena_string (r, FALSE, error);

      if (key == NULL || !_emb_st_expect (c, ':', "':' after a member name", error))
        return FALSE;
      if (g_str_equal (key, "__metadata__"))
        {
          if (seen_metadata)
            {
              emb_set_error_offset (error, EMB_ERROR_PARSE, r->h->name, at,
                                    "the header names '__metadata__' twice");
              return FALSE;
            }
          seen_metadata = TRUE;
          if (!parse_metadata (r, at, error))
            return FALSE;
        }
      else
        {
          StTensor *t;

          /* The tokenizer counted every member name of this object. */
          g_assert (r->h->n_tensors < n_keys);
          t = &r->h->tensors[r->h->n_tensors++];
          t->name = key;
          r->used += strlen (key) + 1;
          if (!parse_tensor (r, at, t, error))
            return FALSE;
        }
      if (_emb_st_peek (c) == '}')
        {
          c->pos++;
          return TRUE;
        }
      if (!_emb_st_expect (c, ',', "',' or '}'", error))
        return FALSE;
    }
}

/* Reads and checks the header of a safetensors file: the tensors, their
 * shapes and dtypes, and that their offsets tile the file.  Touches only
 * the header's bytes. */
StHeader *
_emb_st_read_header (const char    *name,
                     GBytes        *bytes,
                     GError       **error)
{
  g_autoptr(StHeader) h = g_new0 (StHeader, 1);
  g_autofree char *what = NULL;
  StRead r = { { 0 } };
  const guint8 *d;
  guint64 n;
  gsize n_keys;

  h->name = g_strdup (name);
  h->bytes = g_bytes_ref (bytes);
  d = g_bytes_get_data (bytes, &h->size);

  if (h->size < 8)
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, name, h->size,
                            "the file ends inside the 8-byte header length of a safetensors file");
      return NULL;
    }
  memcpy (&n, d, 8);
  n = GUINT64_FROM_LE (n);
  if (n > MAX_HEADER_SIZE)
    {
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, name, 0,
                            "the header length %" G_GUINT64_FORMAT " is more than the %u bytes "
                            "a safetensors header may have", n, MAX_HEADER_SIZE);
      return NULL;
    }
  if (n > h->size - 8)
    {
      emb_set_error_offset (error, EMB_ERROR_TRUNCATED, name, h->size,
                            "the file ends inside the header, which should end at byte %"
                            G_GUINT64_FORMAT, 8 + n);
      return NULL;
    }
  h->data_start = 8 + n;
  if (n == 0 || d[8] != '{')
    {
      g_autofree char *start = _emb_st_excerpt ((const char *) d + 8, MIN (n, 16));
      emb_set_error_offset (error, EMB_ERROR_PARSE, name, 8,
                            "the header is not a JSON object (it starts with '%s')", start);
      return NULL;
    }
  if (!_emb_st_json_check (name, (const char *) d + 8, n, 8, NULL, &n_keys, error))
    return NULL;

  what = g_strdup_printf ("%s: the list of %" G_GSIZE_FORMAT " tensors", name, n_keys);
  h->tensors = emb_try_new0 (StTensor, n_keys, what, error);
  if (h->tensors == NULL)
    return NULL;
  h->arena = emb_try_alloc (n + 1, 1, what, error);
  if (h->arena == NULL)
    return NULL;

  r.c.file = name;
  r.c.text = (const char *) d + 8;
  r.c.len = n;
  r.c.base = 8;
  r.h = h;
  /* The grammar of the whole text first, as a parser building a tree
   * would: a broken file is reported as broken JSON, not by the first
   * entry that happens to look wrong. */
  if (!_emb_st_skip_value (&r.c, error))
    return NULL;
  if (_emb_st_peek (&r.c) != '\0')
    {
      _emb_st_unexpected (&r.c, "the end of the header after its object", error);
      return NULL;
    }
  r.c.pos = 0;
  if (!parse_members (&r, n_keys, error))
    return NULL;

  if (!check_unique_names (h, error) || !check_layout (h, error))
    return NULL;
  return g_steal_pointer (&h);
}
