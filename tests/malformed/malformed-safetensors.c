/* malformed-safetensors.c: the malformed-input cases of the safetensors
 * reader and of sharded safetensors (the index .json), and the builders
 * of their files. */
#include <math.h>
#include <string.h>

#include "io/emb-parse.h"
#include "malformed.h"

/* builders: safetensors */

static void
build_st_short_length (Built *b)
{
  put (b->data, "\x10\x00\x00", 3);
  b->at = b->data->len;
}

static void
build_st_header_over_limit (Built *b)
{
  emb_test_put_u64 (b->data, 200000000);
  emb_test_put_str (b->data, ST_W);
  put_floats (b->data, six, 6);
  b->at = 0;
}

static void
build_st_header_2_64 (Built *b)
{
  emb_test_put_u64 (b->data, G_MAXUINT64);
  emb_test_put_str (b->data, ST_W);
  put_floats (b->data, six, 6);
  b->at = 0;
}

static void
build_st_header_past_end (Built *b)
{
  emb_test_put_u64 (b->data, 1000);
  emb_test_put_str (b->data, ST_W);
  put_floats (b->data, six, 6);
  b->at = b->data->len;
}

static void
build_st_not_object (Built *b)
{
  st_header (b->data, "[1]");
  b->at = 8;
}

/* A 2 x 3 F32 file whose header is json; b->at is where mark is. */
static void
st_with (Built      *b,
         const char *json,
         const char *mark)
{
  st_header (b->data, json);
  put_floats (b->data, six, 6);
  if (mark != NULL)
    b->at = st_at (json, mark);
}

static void
build_st_bad_utf8 (Built *b)
{
  st_with (b, "{\"w\xff\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", "\xff");
}

static void
build_st_control_char (Built *b)
{
  st_with (b, "{\"w\x01\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", "\x01");
}

static void
build_st_leading_zero (Built *b)
{
  st_with (b, "{\"w\":{\"dtype\":\"F32\",\"shape\":[02,3],\"data_offsets\":[0,24]}}", "02");
}

static void
build_st_past_63_bits (Built *b)
{
  st_with (b, "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999,3],"
              "\"data_offsets\":[0,24]}}", "9999");
}

static void
build_st_unclosed (Built *b)
{
  const char *json = "{\"w\": {";

  st_header (b->data, json);
  b->at = 8 + strlen (json);            /* the end of the header */
}

static void
build_st_huge_shape (Built *b)
{
  /* 2^40 x 2^40 elements: more than 64 bits can count. */
  st_with (b, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],"
              "\"data_offsets\":[0,24]}}", "\"w\"");
}

static void
build_st_offsets_mismatch (Built *b)
{
  st_header (b->data, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}");
  put_floats (b->data, six, 5);
  b->at = 8 + 1;                        /* the key "w" */
}

static void
build_st_data_short (Built *b)
{
  st_header (b->data, ST_W);
  put_floats (b->data, six, 5);
  b->at = b->data->len;                 /* the file ends */
}

static void
build_st_extra_bytes (Built *b)
{
  gsize start = st_header (b->data, ST_W);

  put_floats (b->data, six, 6);
  emb_test_put_f32 (b->data, 7);
  b->at = start + 24;                   /* where the tensor data ends */
}

static void
build_st_gap (Built *b)
{
  const char *json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[4,28]}}";

  st_header (b->data, json);
  emb_test_put_f32 (b->data, 0);
  put_floats (b->data, six, 6);
  b->at = st_at (json, "\"w\"");
}

static void
build_st_overlap (Built *b)
{
  const char *json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                     "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[20,32]}}";

  st_header (b->data, json);
  put_floats (b->data, six, 6);
  put_floats (b->data, six, 2);
  b->at = st_at (json, "\"b\"");
}

static void
build_st_named_twice (Built *b)
{
  const char *json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                     "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}";

  st_header (b->data, json);
  put_floats (b->data, six, 6);
  b->at = 8 + 2 + offset_of (json + 2, "\"w\"");   /* the second "w" */
}

static void
build_st_no_dtype (Built *b)
{
  st_with (b, "{\"w\":{\"shape\":[2,3],\"data_offsets\":[0,24]}}", "\"w\"");
}

static void
build_st_entry_not_object (Built *b)
{
  st_with (b, "{\"w\":5}", "\"w\"");
}

static void
build_st_only_integers (Built *b)
{
  st_header (b->data, "{\"w\":{\"dtype\":\"I32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}");
  for (guint i = 0; i < 6; i++)
    emb_test_put_u32 (b->data, i);
}

static void
build_st_nan (Built *b)
{
  gsize start = st_header (b->data, ST_W);

  emb_test_put_f32 (b->data, 1);
  emb_test_put_f32 (b->data, NAN);               /* row 0, column 1 */
  put_floats (b->data, six + 2, 4);
  b->at = start + 4;
}

/* An array nested 100 deep; the message points at the bracket that
 * opens level EMB_JSON_MAX_DEPTH + 1 (the outer object is level 1). */
static void
build_st_deep (Built *b)
{
  g_autoptr(GString) json = g_string_new ("{\"w\":");

  for (guint i = 0; i < 100; i++)
    g_string_append_c (json, '[');
  st_header (b->data, json->str);
  b->at = 8 + nth_char (json->str, '[', EMB_JSON_MAX_DEPTH);
}

/* builders: safetensors index */

static void
build_index_unclosed (Built *b)
{
  emb_test_put_str (b->data, "{\"weight_map\": {\"w\": \"a.safetensors\"");
  b->at = b->data->len;                 /* the end of the file */
}

static void
build_index_deep (Built *b)
{
  g_autoptr(GString) json = g_string_new ("{\"weight_map\": {}, \"x\": ");

  for (guint i = 0; i < 100; i++)
    g_string_append_c (json, '[');
  emb_test_put_str (b->data, json->str);
  b->at = nth_char (json->str, '[', EMB_JSON_MAX_DEPTH);
}

static void
build_index_cut_shard (Built *b)
{
  g_autoptr(GByteArray) shard = g_byte_array_new ();
  g_autofree char *name = NULL;
  g_autofree char *json = NULL;

  st_header (shard, ST_W);
  put_floats (shard, six, 5);
  name = companion (b, "shard.safetensors", shard->data, shard->len);
  json = g_strdup_printf ("{\"weight_map\": {\"w\": \"%s\"}}", name);
  emb_test_put_str (b->data, json);
}

static void
build_index_wrong_tensor (Built *b)
{
  g_autoptr(GByteArray) shard = g_byte_array_new ();
  g_autofree char *name = NULL;
  g_autofree char *json = NULL;

  st_header (shard, ST_W);
  put_floats (shard, six, 6);
  name = companion (b, "shard.safetensors", shard->data, shard->len);
  json = g_strdup_printf ("{\"weight_map\": {\"v\": \"%s\"}}", name);
  emb_test_put_str (b->data, json);
  b->at = offset_of (json, "\"weight_map\"");
}

static const MalformedCase cases[] = {
  /* safetensors */
  BUILT ("safetensors", "shorter than the length field", ".safetensors", build_st_short_length,
         TRUNCATED, AT_BYTE, "the file ends inside the 8-byte header length", DETECT),
  BUILT ("safetensors", "header length of 200 MB", ".safetensors", build_st_header_over_limit,
         TOO_LARGE, AT_BYTE, "the header length 200000000 is more than the 100000000 bytes", DETECT),
  BUILT ("safetensors", "header length 2^64 - 1", ".safetensors", build_st_header_2_64,
         TOO_LARGE, AT_BYTE, "the header length 18446744073709551615 is more than", DETECT),
  BUILT ("safetensors", "header length past the end", ".safetensors", build_st_header_past_end,
         TRUNCATED, AT_BYTE, "the file ends inside the header, which should end at byte 1008", DETECT),
  BUILT ("safetensors", "header not an object", ".safetensors", build_st_not_object,
         PARSE, AT_BYTE, "the header is not a JSON object", DETECT),
  BUILT ("safetensors", "invalid UTF-8 in a name", ".safetensors", build_st_bad_utf8,
         PARSE, AT_BYTE, "the JSON is not valid UTF-8", DETECT),
  BUILT ("safetensors", "a control character in a name", ".safetensors", build_st_control_char,
         PARSE, AT_BYTE, "a control character (0x01) inside a JSON string", DETECT),
  BUILT ("safetensors", "a number with a leading zero", ".safetensors", build_st_leading_zero,
         PARSE, AT_BYTE, "'02' is not a JSON number", DETECT),
  BUILT ("safetensors", "a size past 63 bits", ".safetensors", build_st_past_63_bits,
         TOO_LARGE, AT_BYTE, "does not fit in 63 bits", DETECT),
  BUILT ("safetensors", "the JSON ends inside an object", ".safetensors", build_st_unclosed,
         PARSE, AT_BYTE, "the JSON ends inside an unclosed '{'", DETECT),
  BUILT ("safetensors", "nesting 100 deep", ".safetensors", build_st_deep,
         PARSE, AT_BYTE, "the JSON nests more than 64 levels deep", DETECT),
  BUILT ("safetensors", "shape [2^40, 2^40]", ".safetensors", build_st_huge_shape,
         TOO_LARGE, AT_BYTE, "has too many elements to be real", DETECT),
  BUILT ("safetensors", "data_offsets that do not fit the shape", ".safetensors",
         build_st_offsets_mismatch,
         PARSE, AT_BYTE, "takes 24 bytes, but data_offsets [0, 20] hold 20", DETECT),
  BUILT ("safetensors", "data one value short", ".safetensors", build_st_data_short,
         TRUNCATED, AT_BYTE, "the file ends here, but its tensor data runs to byte", DETECT),
  BUILT ("safetensors", "4 bytes no tensor claims", ".safetensors", build_st_extra_bytes,
         PARSE, AT_BYTE, "4 more bytes that no tensor claims", DETECT),
  BUILT ("safetensors", "data that does not start at 0", ".safetensors", build_st_gap,
         PARSE, AT_BYTE, "the first tensor's data must begin at 0", DETECT),
  BUILT ("safetensors", "two tensors overlap", ".safetensors", build_st_overlap,
         PARSE, AT_BYTE, "overlap the previous tensor's ('a')", DETECT),
  BUILT ("safetensors", "a tensor named twice", ".safetensors", build_st_named_twice,
         PARSE, AT_BYTE, "the header names 'w' twice", DETECT),
  BUILT ("safetensors", "a tensor with no dtype", ".safetensors", build_st_no_dtype,
         PARSE, AT_BYTE, "tensor 'w' has no \"dtype\"", DETECT),
  BUILT ("safetensors", "a tensor entry that is a number", ".safetensors",
         build_st_entry_not_object,
         PARSE, AT_BYTE, "tensor 'w': its entry is not an object", DETECT),
  BUILT ("safetensors", "only an int32 tensor", ".safetensors", build_st_only_integers,
         UNSUPPORTED, AT_FILE, "no floating-point 2-D tensor to read", DETECT),
  BUILT ("safetensors", "nan", ".safetensors", build_st_nan,
         NON_FINITE, AT_BYTE, "tensor 'w', row 0, column 1 is nan", DETECT),

  /* sharded safetensors: model.safetensors.index.json */
  BUILT ("safetensors-index", "not JSON", "-model.safetensors.index.json", build_index_unclosed,
         PARSE, AT_BYTE, "the JSON ends inside an unclosed '{'", DETECT),
  TEXT ("safetensors-index", "no \"weight_map\"", "-model.safetensors.index.json",
        "{\"metadata\": {}}", NULL,
        FORMAT, AT_BYTE, "not a safetensors index: no \"weight_map\" object", 0),
  TEXT ("safetensors-index", "\"weight_map\" is a list", "-model.safetensors.index.json",
        "{\"weight_map\": []}", "\"weight_map\"",
        FORMAT, AT_BYTE, "\"weight_map\" is not an object", DETECT),
  TEXT ("safetensors-index", "a shard that is a number", "-model.safetensors.index.json",
        "{\"weight_map\": {\"w\": 5}}", "\"weight_map\"",
        PARSE, AT_BYTE, "the shard of tensor 'w' is not a file name", DETECT),
  TEXT ("safetensors-index", "a shard outside the folder", "-model.safetensors.index.json",
        "{\"weight_map\": {\"w\": \"../w.safetensors\"}}", "\"weight_map\"",
        PARSE, AT_BYTE, "is not a file name in the index's folder", DETECT),
  TEXT ("safetensors-index", "a missing shard", "-model.safetensors.index.json",
        "{\"weight_map\": {\"w\": \"nowhere.safetensors\"}}", NULL,
        IO, AT_FILE, "shard 'nowhere.safetensors' (holding tensor 'w') cannot be opened", DETECT),
  TEXT ("safetensors-index", "invalid UTF-8 in a name", "-model.safetensors.index.json",
        "{\"weight_map\": {\"w\xff\": \"a.safetensors\"}}", "\xff",
        PARSE, AT_BYTE, "the JSON is not valid UTF-8", DETECT),
  BUILT ("safetensors-index", "nesting 100 deep", "-model.safetensors.index.json",
         build_index_deep,
         PARSE, AT_BYTE, "the JSON nests more than 64 levels deep", DETECT),
  BUILT ("safetensors-index", "a shard cut short", "-model.safetensors.index.json",
         build_index_cut_shard,
         TRUNCATED, AT_FILE, "-shard.safetensors': ", DETECT),
  BUILT ("safetensors-index", "a tensor its shard does not hold", "-model.safetensors.index.json",
         build_index_wrong_tensor,
         FORMAT, AT_BYTE, "which has no such tensor", DETECT),

};

const MalformedTable malformed_safetensors_cases = { cases, G_N_ELEMENTS (cases) };
