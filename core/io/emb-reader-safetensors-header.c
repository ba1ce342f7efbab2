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
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "io/emb-reader-safetensors-private.h"
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



static void
st_tensor_clear (gpointer p)
{
  StTensor *t = p;

  g_free (t->name);
  g_free (t->dtype);
}

void
_emb_st_header_free (StHeader *h)
{
  g_free (h->name);
  g_clear_pointer (&h->bytes, g_bytes_unref);
  g_clear_pointer (&h->tensors, g_array_unref);
  g_free (h);
}

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
StHeader *
_emb_st_read_header (const char    *name,
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
      g_autofree char *what = _emb_st_excerpt ((const char *) d + 8, MIN (n, 16));
      emb_set_error_offset (error, EMB_ERROR_PARSE, name, 8,
                            "the header is not a JSON object (it starts with '%s')", what);
      return NULL;
    }

  parser = _emb_st_json_parse (name, (const char *) d + 8, n, 8, keys, error);
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
      gsize at = _emb_st_member_offset (keys, index, 8);
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

