/* emb-reader-safetensors.c: safetensors checkpoints, single-file or sharded.
 *
 * Layout: N as a u64 LE, then N bytes of JSON, then the data.  The JSON is
 * one object: "__metadata__" (string -> string) and, for every tensor,
 *   "name": {"dtype": "F16", "shape": [512, 64], "data_offsets": [b, e]}
 * with [b, e) relative to the first byte after the header.  A valid file
 * (as the format's reference implementation checks it): N <= 100,000,000
 * and inside the file; the header starts with '{'; every tensor's bytes are
 * exactly shape x dtype size; sorted by b, the ranges tile the data from 0
 * with no gap or overlap, and the last one ends at the end of the file.
 *
 * json-glib builds the tree, but it is lenient (comments, hex and octal
 * numbers, single quotes), wraps integers past 64 bits around without a
 * word, and recurses once per nesting level.  So the header is first run
 * through a strict JSON tokenizer here, which also bounds the nesting and
 * records where each tensor's entry starts, for messages.
 *
 * A sharded checkpoint is a "model.safetensors.index.json" whose
 * "weight_map" names the shard holding each tensor: every shard's header
 * is read (not its data) to list the tensors, then the chosen one is read
 * from its shard like a single file.
 *
 * Little-endian F32 becomes a view of the memory-mapped file, so opening
 * costs only the nan/inf scan; F16, BF16 and F64 are converted to float32.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "io/emb-reader.h"
#include "io/emb-tensors.h"
#include "io/emb-tensor-read.h"
#include "base/emb-error.h"

/* The reference implementation refuses larger headers; so do we, before
 * handing anything to the JSON parser. */
#define MAX_HEADER_SIZE 100000000u

/* An index file is a few KB to a few MB of JSON. */
#define MAX_INDEX_SIZE 100000000u

/* Nesting the tokenizer lets through.  A header nests three levels
 * (object, tensor, shape); the bound keeps json-glib's recursive descent
 * off the end of the stack on a hostile file. */
#define MAX_DEPTH 64

/* auxiliary functions: dtypes */

typedef enum
{
  ST_F32,
  ST_F16,
  ST_BF16,
  ST_F64,
  ST_OTHER,   /* a valid dtype this reader does not convert */
} StKind;

typedef struct
{
  const char *name;
  guint       bits;    /* per element: F4 and F6_* are not whole bytes */
  StKind      kind;
  const char *stored;  /* the dataset's dtype, for the kinds we read */
} StType;

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

typedef struct
{
  char         *name;
  char         *dtype;
  const StType *type;        /* NULL: a dtype the format does not define */
  guint         n_dims;
  guint64       dims[4];     /* the first four; n_elements covers them all */
  gsize         n_elements;
  guint64       begin;       /* data_offsets, relative to data_start */
  guint64       end;
  gsize         key_offset;  /* file byte where its entry starts, for messages */
} StTensor;

typedef struct
{
  char    *name;          /* the file, for messages */
  GBytes  *bytes;
  gsize    size;
  gsize    data_start;    /* 8 + N */
  GArray  *tensors;       /* StTensor, in header order */
} StHeader;

static void
st_tensor_clear (gpointer p)
{
  StTensor *t = p;

  g_free (t->name);
  g_free (t->dtype);
}

static void
st_header_free (StHeader *h)
{
  g_free (h->name);
  g_clear_pointer (&h->bytes, g_bytes_unref);
  g_clear_pointer (&h->tensors, g_array_unref);
  g_free (h);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StHeader, st_header_free)

static StHeader *
st_header_new (const char *name)
{
  StHeader *h = g_new0 (StHeader, 1);

  h->name = g_strdup (name);
  h->tensors = g_array_new (FALSE, TRUE, sizeof (StTensor));
  g_array_set_clear_func (h->tensors, st_tensor_clear);
  return h;
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

/* auxiliary functions: the strict JSON tokenizer */

/* A short printable excerpt, for messages. */
static char *
excerpt (const char *text,
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
            gsize start = pos++;

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
            pos++;
            if (expect_key && depth == 1 && keys != NULL)
              {
                gsize offset = base + start;
                g_array_append_val (keys, offset);
              }
            expect_key = FALSE;
          }
          break;

        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
          {
            gsize start = pos;
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
                what = excerpt (text + start, end - start);
                emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + start,
                                      "'%s' is not a JSON number", what);
                return FALSE;
              }
            /* json-glib would wrap such a number around silently. */
            if (integer && overflow)
              {
                g_autofree char *what = excerpt (text + start, pos - start);
                emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, file, base + start,
                                      "the number %s does not fit in 63 bits", what);
                return FALSE;
              }
            expect_key = FALSE;
          }
          break;

        default:
          {
            static const char * const words[] = { "true", "false", "null" };
            gsize end = pos;
            gboolean known = FALSE;

            while (end < len && is_word_char (text[end]))
              end++;
            for (guint k = 0; k < G_N_ELEMENTS (words); k++)
              known |= end - pos == strlen (words[k]) &&
                       memcmp (text + pos, words[k], end - pos) == 0;
            if (!known)
              {
                g_autofree char *what = excerpt (text + pos, MAX (end - pos, 1));
                emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + pos,
                                      "unexpected '%s' in the JSON", what);
                return FALSE;
              }
            pos = end;
            expect_key = FALSE;
          }
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

/* Parses len bytes of JSON (not NUL-terminated) at file byte base.  A
 * json-glib error says "<data>:LINE:COLUMN: why"; the position is turned
 * into a byte offset. */
static JsonParser *
json_parse (const char  *file,
            const char  *text,
            gsize        len,
            gsize        base,
            GArray      *keys,
            GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *bad;
  guint line = 0, column = 0;
  gsize offset = 0;
  const char *why;
  g_autofree char *valid_why = NULL;

  if (!g_utf8_validate_len (text, len, &bad))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, file, base + (bad - text),
                            "the JSON is not valid UTF-8");
      return NULL;
    }
  if (!json_check_tokens (file, text, len, base, keys, error))
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
static gsize
member_offset (GArray *keys,
               guint   index,
               gsize   fallback)
{
  return index < keys->len ? g_array_index (keys, gsize, index) : fallback;
}

/* A JSON integer that is a size: >= 0 and not written with a fraction. */
static gboolean
get_size (JsonNode *node,
          guint64  *out)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

/* What a node is, for "... is not a size (it is X)". */
static char *
describe_node (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");
  if (JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup ("an object");
  if (JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup ("an array");
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return g_strdup_printf ("%g", json_node_get_double (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup_printf ("the string \"%s\"", json_node_get_string (node));
  return g_strdup (json_node_get_boolean (node) ? "true" : "false");
}

/* Fills t from a tensor's entry.  Offsets are checked against each other
 * and the file later, once every tensor is known. */
static gboolean
parse_tensor (StHeader    *h,
              const char  *name,
              JsonNode    *node,
              gsize        at,
              StTensor    *t,
              GError     **error)
{
  JsonObject *o;
  JsonNode *dtype, *shape, *offsets;
  JsonArray *dims, *range;
  gsize count = 1, bits;

  t->name = g_strdup (name);
  t->key_offset = at;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "tensor '%s': its entry is not an object", name);
      return FALSE;
    }
  o = json_node_get_object (node);
  dtype = json_object_get_member (o, "dtype");
  shape = json_object_get_member (o, "shape");
  offsets = json_object_get_member (o, "data_offsets");
  if (dtype == NULL || shape == NULL || offsets == NULL)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "tensor '%s' has no \"%s\"", name,
                            dtype == NULL ? "dtype" : shape == NULL ? "shape" : "data_offsets");
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (dtype) || json_node_get_value_type (dtype) != G_TYPE_STRING)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "tensor '%s': \"dtype\" is not a string", name);
      return FALSE;
    }
  t->dtype = g_strdup (json_node_get_string (dtype));
  t->type = find_type (t->dtype);

  if (!JSON_NODE_HOLDS_ARRAY (shape))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "tensor '%s': \"shape\" is not an array", name);
      return FALSE;
    }
  dims = json_node_get_array (shape);
  t->n_dims = json_array_get_length (dims);
  for (guint d = 0; d < t->n_dims; d++)
    {
      JsonNode *item = json_array_get_element (dims, d);
      guint64 v;

      if (!get_size (item, &v))
        {
          g_autofree char *what = describe_node (item);
          emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                                "tensor '%s': shape entry %u is %s, not a size", name, d, what);
          return FALSE;
        }
      if (d < G_N_ELEMENTS (t->dims))
        t->dims[d] = v;
      if (v > G_MAXSIZE || !emb_size_mul (count, v, &count))
        {
          g_autofree char *text = format_shape (t);
          emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, h->name, at,
                                "tensor '%s': shape %s has too many elements to be real",
                                name, text);
          return FALSE;
        }
    }
  t->n_elements = count;

  if (!JSON_NODE_HOLDS_ARRAY (offsets) ||
      json_array_get_length (range = json_node_get_array (offsets)) != 2 ||
      !get_size (json_array_get_element (range, 0), &t->begin) ||
      !get_size (json_array_get_element (range, 1), &t->end))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "tensor '%s': \"data_offsets\" is not a pair of sizes [begin, end]",
                            name);
      return FALSE;
    }
  if (t->end < t->begin)
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                            "] end before they begin", name, t->begin, t->end);
      return FALSE;
    }

  /* A dtype the format does not define has no known size: the layout
   * checks below still hold it to the bytes it claims. */
  if (t->type == NULL)
    return TRUE;
  if (!emb_size_mul (count, t->type->bits, &bits))
    {
      g_autofree char *text = format_shape (t);
      emb_set_error_offset (error, EMB_ERROR_TOO_LARGE, h->name, at,
                            "tensor '%s': %s %s is too large to be real", name, t->dtype, text);
      return FALSE;
    }
  if (bits % 8 != 0)
    {
      g_autofree char *text = format_shape (t);
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "tensor '%s': %s %s takes %" G_GSIZE_FORMAT " bits, not a whole number of bytes",
                            name, t->dtype, text, bits);
      return FALSE;
    }
  if (bits / 8 != t->end - t->begin)
    {
      g_autofree char *text = format_shape (t);
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "tensor '%s': %s %s takes %" G_GSIZE_FORMAT " bytes, but data_offsets [%"
                            G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] hold %" G_GUINT64_FORMAT,
                            name, t->dtype, text, bits / 8, t->begin, t->end, t->end - t->begin);
      return FALSE;
    }
  return TRUE;
}

/* "__metadata__": string -> string, or null. */
static gboolean
check_metadata (StHeader  *h,
                JsonNode  *node,
                gsize      at,
                GError   **error)
{
  JsonObject *o;
  g_autoptr(GList) names = NULL;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                            "\"__metadata__\" is not an object");
      return FALSE;
    }
  o = json_node_get_object (node);
  names = json_object_get_members (o);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (o, l->data);

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, h->name, at,
                                "\"__metadata__\": the value of \"%s\" is not a string",
                                (const char *) l->data);
          return FALSE;
        }
    }
  return TRUE;
}

/* Orders by data_offsets, then by end, so that empty tensors sharing a
 * begin with a non-empty one come first and still tile. */
static gint
compare_by_offsets (gconstpointer a,
                    gconstpointer b)
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
  g_autoptr(GPtrArray) order = g_ptr_array_sized_new (h->tensors->len);
  const StTensor *prev = NULL;
  guint64 expected = 0, file_end;

  for (guint i = 0; i < h->tensors->len; i++)
    g_ptr_array_add (order, &g_array_index (h->tensors, StTensor, i));
  g_ptr_array_sort (order, compare_by_offsets);

  for (guint i = 0; i < order->len; i++)
    {
      const StTensor *t = g_ptr_array_index (order, i);

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

/* Reads and checks the header of a safetensors file: the tensors, their
 * shapes and dtypes, and that their offsets tile the file.  Touches only
 * the header's bytes. */
static StHeader *
read_header (const char    *name,
             GBytes        *bytes,
             GError       **error)
{
  g_autoptr(StHeader) h = st_header_new (name);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GList) names = NULL;
  g_autoptr(GHashTable) seen = NULL;
  const guint8 *d;
  JsonNode *root;
  JsonObject *o;
  guint64 n;
  guint index = 0;

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
      g_autofree char *what = excerpt ((const char *) d + 8, MIN (n, 16));
      emb_set_error_offset (error, EMB_ERROR_PARSE, name, 8,
                            "the header is not a JSON object (it starts with '%s')", what);
      return NULL;
    }

  parser = json_parse (name, (const char *) d + 8, n, 8, keys, error);
  if (parser == NULL)
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, name, 8, "the header is not a JSON object");
      return NULL;
    }
  o = json_node_get_object (root);
  names = json_object_get_members (o);

  /* json-glib keeps the last of two members with the same name; a file
   * naming a tensor twice is ambiguous, and its offsets would no longer
   * line up with the keys found above. */
  if (g_list_length (names) != keys->len)
    {
      seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < keys->len; i++)
        {
          gsize at = g_array_index (keys, gsize, i);
          const char *key = (const char *) d + at + 1;
          const char *close = key;
          char *raw;

          /* The tokenizer found this string closed, escapes and all. */
          while (*close != '"')
            close += *close == '\\' ? 2 : 1;
          raw = g_strndup (key, close - key);
          if (!g_hash_table_add (seen, raw))
            {
              emb_set_error_offset (error, EMB_ERROR_PARSE, name, at,
                                    "the header names '%s' twice", raw);
              return NULL;
            }
        }
      emb_set_error_offset (error, EMB_ERROR_PARSE, name, 8,
                            "the header names a tensor twice");
      return NULL;
    }

  for (GList *l = names; l != NULL; l = l->next, index++)
    {
      const char *member = l->data;
      JsonNode *node = json_object_get_member (o, member);
      gsize at = member_offset (keys, index, 8);
      StTensor t = { 0 };

      if (g_str_equal (member, "__metadata__"))
        {
          if (!check_metadata (h, node, at, error))
            return NULL;
          continue;
        }
      if (!parse_tensor (h, member, node, at, &t, error))
        {
          st_tensor_clear (&t);
          return NULL;
        }
      g_array_append_val (h->tensors, t);
    }

  if (!check_layout (h, error))
    return NULL;
  return g_steal_pointer (&h);
}

/* The tensor list in the form the picking rule takes.  EmbTensorInfo
 * holds four dimensions; a deeper tensor is never a matrix, and is listed
 * with its first four. */
static EmbTensorInfo *
tensor_infos (GPtrArray *tensors)
{
  EmbTensorInfo *infos = g_new0 (EmbTensorInfo, MAX (tensors->len, 1));

  for (guint i = 0; i < tensors->len; i++)
    {
      const StTensor *t = g_ptr_array_index (tensors, i);

      infos[i].name = g_strdup (t->name);
      infos[i].dtype = g_strdup (t->dtype);
      infos[i].n_dims = MIN (t->n_dims, G_N_ELEMENTS (infos[i].shape));
      for (guint d = 0; d < infos[i].n_dims; d++)
        infos[i].shape[d] = t->dims[d];
      infos[i].readable = t->type != NULL && t->type->kind != ST_OTHER;
    }
  return infos;
}

static void
tensor_infos_free (EmbTensorInfo *infos,
                   gsize          n)
{
  for (gsize i = 0; i < n; i++)
    emb_tensor_info_clear (&infos[i]);
  g_free (infos);
}

/* Which of tensors to read.  A tensor asked for by name whose dtype we do
 * not convert is refused here, where the place of its entry is known. */
static gssize
pick_tensor (const char *file,
             GPtrArray  *tensors,
             GPtrArray  *files,
             const char *wanted,
             GError    **error)
{
  EmbTensorInfo *infos;
  gssize chosen;

  if (wanted != NULL)
    for (guint i = 0; i < tensors->len; i++)
      {
        const StTensor *t = g_ptr_array_index (tensors, i);

        if (g_str_equal (t->name, wanted) && (t->type == NULL || t->type->kind == ST_OTHER))
          {
            emb_set_error_offset (error, EMB_ERROR_UNSUPPORTED, g_ptr_array_index (files, i),
                                  t->key_offset,
                                  "tensor '%s' has dtype %s%s; the floating-point types read are "
                                  "F32, F16, BF16 and F64", t->name, t->dtype,
                                  t->type == NULL ? ", which safetensors does not define" : "");
            return -1;
          }
      }

  infos = tensor_infos (tensors);
  chosen = emb_pick_embedding_tensor (file, infos, tensors->len, wanted, error);
  tensor_infos_free (infos, tensors->len);
  return chosen;
}

/* auxiliary functions: the data */

/* Reads tensor t (2-D, a kind we convert) of the file in src: a view when
 * it is float32 that the host can use in place, else a converted copy. */
static EmbMatrix *
read_matrix (const EmbSource *src,
             gsize            data_start,
             const StTensor  *t,
             gboolean         keep_nonfinite,
             GError         **error)
{
  static const EmbStoredType stored[] = {
    [ST_F32] = EMB_STORED_F32,
    [ST_F16] = EMB_STORED_F16,
    [ST_BF16] = EMB_STORED_BF16,
    [ST_F64] = EMB_STORED_F64,
  };
  EmbTensorLayout layout = { 0 };

  g_assert (t->type->kind < G_N_ELEMENTS (stored));
  layout.tensor = t->name;
  layout.type = stored[t->type->kind];
  /* check_layout has put [offset, offset + count * item) inside the file. */
  layout.offset = data_start + t->begin;
  layout.n_rows = t->dims[0];
  layout.n_cols = t->dims[1];
  return emb_tensor_read (src, &layout, keep_nonfinite, error);
}

/* The chosen tensor of header h, whose file is src, with the list of
 * tensors it was picked from. */
static EmbReadResult *
read_chosen (const EmbSource      *src,
             StHeader             *h,
             const StTensor       *t,
             GPtrArray            *tensors,
             const EmbReadOptions *options,
             GError              **error)
{
  EmbTensorInfo *infos;
  EmbReadResult *result;
  EmbMatrix *matrix;

  /* emb_pick_embedding_tensor only returns readable 2-D tensors. */
  g_assert (t->type != NULL && t->type->kind != ST_OTHER && t->n_dims == 2);

  matrix = read_matrix (src, h->data_start, t, options->keep_nonfinite, error);
  if (matrix == NULL)
    return NULL;
  result = emb_read_result_new (matrix, t->type->stored);
  result->tensor = g_strdup (t->name);
  infos = tensor_infos (tensors);
  result->tensors = emb_tensor_list_describe (infos, tensors->len);
  tensor_infos_free (infos, tensors->len);
  return result;
}

/* auxiliary functions: sharded checkpoints */

/* A shard's path beside the index; for messages, the same beside the name
 * the user typed.  Shards are plain names in the index's folder (or below
 * it): anything reaching elsewhere is refused. */
static gboolean
shard_is_plain (const char *shard)
{
  g_auto(GStrv) parts = NULL;

  if (*shard == '\0' || g_path_is_absolute (shard) || strchr (shard, '\\') != NULL)
    return FALSE;
  parts = g_strsplit (shard, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return FALSE;
  return TRUE;
}

static char *
beside (const char *file,
        const char *shard)
{
  g_autofree char *dir = g_path_get_dirname (file);

  return g_strconcat (dir, "/", shard, NULL);
}

/* public API */

/* Reads the embedding table of a safetensors file: the tensor asked for in
 * the options, else the one the picking rule finds (emb-tensors.c). */
EmbReadResult *
emb_read_safetensors (const EmbSource      *src,
                      const EmbReadOptions *options,
                      GError              **error)
{
  g_autoptr(StHeader) h = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) tensors = NULL;
  g_autoptr(GPtrArray) files = NULL;
  gssize chosen;

  /* The loader always gives bytes; a caller with bare data gets a copy,
   * which the view needs. */
  bytes = src->bytes != NULL ? g_bytes_ref (src->bytes) : g_bytes_new_static (src->data, src->size);
  h = read_header (src->name, bytes, error);
  if (h == NULL)
    return NULL;

  tensors = g_ptr_array_sized_new (h->tensors->len);
  files = g_ptr_array_sized_new (h->tensors->len);
  for (guint i = 0; i < h->tensors->len; i++)
    {
      g_ptr_array_add (tensors, &g_array_index (h->tensors, StTensor, i));
      g_ptr_array_add (files, h->name);
    }
  chosen = pick_tensor (src->name, tensors, files, options->tensor, error);
  if (chosen < 0)
    return NULL;
  return read_chosen (src, h, g_ptr_array_index (tensors, chosen), tensors, options, error);
}

/* Reads the embedding table of a sharded checkpoint from its index: lists
 * the tensors of every shard from the shards' headers, picks one, reads it
 * from its shard. */
EmbReadResult *
emb_read_safetensors_index (const EmbSource      *src,
                            const EmbReadOptions *options,
                            GError              **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GHashTable) shards = NULL;   /* file name -> StHeader */
  g_autoptr(GPtrArray) order = NULL;     /* StHeader, as first named */
  g_autoptr(GPtrArray) tensors = NULL;   /* StTensor, in weight_map order */
  g_autoptr(GPtrArray) files = NULL;     /* their shard's name, for messages */
  g_autoptr(GPtrArray) owners = NULL;    /* their StHeader */
  g_autoptr(GList) names = NULL;
  JsonNode *root, *map_node = NULL;
  JsonObject *map;
  gsize map_at = 0;
  gssize chosen;
  StHeader *owner;
  EmbSource shard_src;
  guint index = 0, done = 0, n_names;

  if (src->size > MAX_INDEX_SIZE)
    {
      emb_set_error_file (error, EMB_ERROR_TOO_LARGE, src->name,
                          "%" G_GSIZE_FORMAT " bytes is too large for a safetensors index",
                          src->size);
      return NULL;
    }
  parser = json_parse (src->name, (const char *) src->data, src->size, 0, keys, error);
  if (parser == NULL)
    return NULL;
  root = json_parser_get_root (parser);
  if (JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autoptr(GList) top = json_object_get_members (json_node_get_object (root));

      for (GList *l = top; l != NULL; l = l->next, index++)
        if (g_str_equal (l->data, "weight_map"))
          {
            map_node = json_object_get_member (json_node_get_object (root), l->data);
            map_at = member_offset (keys, index, 0);
          }
    }
  if (map_node == NULL || !JSON_NODE_HOLDS_OBJECT (map_node))
    {
      emb_set_error_offset (error, EMB_ERROR_FORMAT, src->name, map_at,
                            map_node == NULL ? "not a safetensors index: no \"weight_map\" object"
                                             : "\"weight_map\" is not an object");
      return NULL;
    }
  map = json_node_get_object (map_node);
  names = json_object_get_members (map);
  n_names = g_list_length (names);

  shards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) st_header_free);
  order = g_ptr_array_new ();
  tensors = g_ptr_array_new ();
  files = g_ptr_array_new ();
  owners = g_ptr_array_new ();
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *tensor = l->data;
      JsonNode *value = json_object_get_member (map, tensor);
      const char *shard;
      StHeader *h;
      StTensor *found = NULL;

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, map_at,
                                "\"weight_map\": the shard of tensor '%s' is not a file name", tensor);
          return NULL;
        }
      shard = json_node_get_string (value);
      if (!shard_is_plain (shard))
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, map_at,
                                "\"weight_map\": the shard of tensor '%s', '%s', is not a file "
                                "name in the index's folder", tensor, shard);
          return NULL;
        }

      h = g_hash_table_lookup (shards, shard);
      if (h == NULL)
        {
          g_autofree char *path = beside (src->path, shard);
          g_autofree char *name = beside (src->name, shard);
          g_autoptr(GError) local_error = NULL;
          g_autoptr(GBytes) bytes = emb_source_open_bytes (path, &local_error);

          if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
            return NULL;
          if (bytes == NULL)
            {
              emb_set_error_file (error, EMB_ERROR_IO, src->name,
                                  "shard '%s' (holding tensor '%s') cannot be opened: %s",
                                  shard, tensor, local_error->message);
              return NULL;
            }
          h = read_header (name, bytes, error);
          if (h == NULL)
            {
              g_prefix_error (error, "%s: shard '%s': ", src->name, shard);
              return NULL;
            }
          g_hash_table_insert (shards, g_strdup (shard), h);
          g_ptr_array_add (order, h);
        }

      for (guint i = 0; i < h->tensors->len && found == NULL; i++)
        if (g_str_equal (g_array_index (h->tensors, StTensor, i).name, tensor))
          found = &g_array_index (h->tensors, StTensor, i);
      if (found == NULL)
        {
          emb_set_error_offset (error, EMB_ERROR_FORMAT, src->name, map_at,
                                "\"weight_map\" puts tensor '%s' in shard '%s', which has no such tensor",
                                tensor, shard);
          return NULL;
        }
      g_ptr_array_add (tensors, found);
      g_ptr_array_add (files, h->name);
      g_ptr_array_add (owners, h);
      emb_source_progress (src, 0.05 * ++done / n_names);
    }

  chosen = pick_tensor (src->name, tensors, files, options->tensor, error);
  if (chosen < 0)
    return NULL;

  owner = g_ptr_array_index (owners, chosen);
  shard_src = *src;
  shard_src.path = NULL;
  shard_src.name = owner->name;
  shard_src.bytes = owner->bytes;
  shard_src.data = g_bytes_get_data (owner->bytes, &shard_src.size);
  return read_chosen (&shard_src, owner, g_ptr_array_index (tensors, chosen), tensors, options,
                      error);
}
