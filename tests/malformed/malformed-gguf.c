/* malformed-gguf.c: the malformed-input cases of the GGUF reader and the
 * builders of its files. */
#include <math.h>
#include <string.h>

#include "io/emb-parse.h"
#include "malformed.h"

/* builders: GGUF */

void
build_gguf_bad_magic (Built *b)
{
  emb_test_put_str (b->data, "GGUX");
  emb_test_put_u32 (b->data, 3);
  emb_test_put_u64 (b->data, 0);
  emb_test_put_u64 (b->data, 0);
}

static void
build_gguf_cut_magic (Built *b)
{
  emb_test_put_str (b->data, "GG");
  b->at = b->data->len;
}

static void
build_gguf_version_1 (Built *b)
{
  gguf_head (b->data, 1, 1, 0);
  b->at = 4;
}

static void
build_gguf_version_7 (Built *b)
{
  gguf_head (b->data, 7, 1, 0);
  b->at = 4;
}

static void
build_gguf_big_endian (Built *b)
{
  emb_test_put_str (b->data, "GGUF");
  b->at = b->data->len;
  put (b->data, "\x00\x00\x00\x03", 4);
  put (b->data, "\x00\x00\x00\x00\x00\x00\x00\x01", 8);
  emb_test_put_u64 (b->data, 0);
}

static void
build_gguf_header_only (Built *b)
{
  gguf_head (b->data, 3, 1, 2);
  b->at = b->data->len;                 /* where the metadata should start */
}

static void
build_gguf_many_pairs (Built *b)
{
  gguf_head (b->data, 3, 1, G_GUINT64_CONSTANT (1) << 62);
  b->at = b->data->len;
  put_zeros (b->data, 64);
}

static void
build_gguf_many_tensors (Built *b)
{
  gguf_head (b->data, 3, G_GUINT64_CONSTANT (1) << 62, 0);
  b->at = b->data->len;
  put_zeros (b->data, 64);
}

static void
build_gguf_huge_u8_array (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_key (b->data, "big", GV_ARRAY);
  emb_test_put_u32 (b->data, GV_U8);
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 62);
  b->at = b->data->len;                 /* where its values would start */
  put_zeros (b->data, 64);
}

static void
build_gguf_huge_string_array (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_key (b->data, "big", GV_ARRAY);
  emb_test_put_u32 (b->data, GV_STRING);
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 62);
  b->at = b->data->len;
  put_zeros (b->data, 64);
}

static void
build_gguf_huge_key (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  b->at = b->data->len;                 /* the key's length */
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 63);
  emb_test_put_str (b->data, "general.name");
  put_zeros (b->data, 16);
}

static void
build_gguf_unknown_type (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  emb_test_put_gguf_str (b->data, "k");
  b->at = b->data->len;
  emb_test_put_u32 (b->data, 99);
  put_zeros (b->data, 16);
}

static void
build_gguf_unknown_type_utf8 (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  emb_test_put_gguf_str (b->data, "bad\xff\xfekey");
  b->at = b->data->len;
  emb_test_put_u32 (b->data, 99);
  put_zeros (b->data, 16);
}

static void
build_gguf_bool_7 (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_key (b->data, "flag", GV_BOOL);
  b->at = b->data->len;
  emb_test_put_u8 (b->data, 7);
  put_zeros (b->data, 16);
}

static void
build_gguf_alignment_3 (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  gguf_key (b->data, "general.alignment", GV_U32);
  b->at = b->data->len;
  emb_test_put_u32 (b->data, 3);
  put_zeros (b->data, 16);
}

static void
build_gguf_tokens_not_strings (Built *b)
{
  gguf_head (b->data, 3, 1, 1);
  emb_test_put_gguf_str (b->data, "tokenizer.ggml.tokens");
  b->at = b->data->len;                 /* its value type */
  emb_test_put_u32 (b->data, GV_U32);
  emb_test_put_u32 (b->data, 5);
  put_zeros (b->data, 16);
}

static void
build_gguf_ne_overflow (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  emb_test_put_gguf_str (b->data, "token_embd.weight");
  emb_test_put_u32 (b->data, 2);
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 32);
  b->at = b->data->len;                 /* 2^32 x 2^32 overflows here */
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 32);
  emb_test_put_u32 (b->data, GT_F32);
  emb_test_put_u64 (b->data, 0);
  gguf_align (b->data);
  put_floats (b->data, six, 6);
}

static void
build_gguf_ne_past_int64 (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  emb_test_put_gguf_str (b->data, "token_embd.weight");
  emb_test_put_u32 (b->data, 2);
  b->at = b->data->len;
  emb_test_put_u64 (b->data, G_MAXUINT64);
  emb_test_put_u64 (b->data, 2);
  emb_test_put_u32 (b->data, GT_F32);
  emb_test_put_u64 (b->data, 0);
  gguf_align (b->data);
  put_floats (b->data, six, 6);
}

static void
build_gguf_five_dims (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  emb_test_put_gguf_str (b->data, "token_embd.weight");
  b->at = b->data->len;
  emb_test_put_u32 (b->data, 5);
  for (guint i = 0; i < 5; i++)
    emb_test_put_u64 (b->data, 1);
  emb_test_put_u32 (b->data, GT_F32);
  emb_test_put_u64 (b->data, 0);
  gguf_align (b->data);
  put_floats (b->data, six, 1);
}

static void
build_gguf_partial_block (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  emb_test_put_gguf_str (b->data, "token_embd.weight");
  emb_test_put_u32 (b->data, 2);
  emb_test_put_u64 (b->data, 10);
  emb_test_put_u64 (b->data, 2);
  b->at = b->data->len;                 /* the type */
  emb_test_put_u32 (b->data, GT_Q8_0);
  emb_test_put_u64 (b->data, 0);
  gguf_align (b->data);
  put_zeros (b->data, 68);
}

static void
build_gguf_unaligned (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  b->at = gguf_tensor (b->data, "token_embd.weight", 3, 2, GT_F32, 4);
  gguf_align (b->data);
  put_zeros (b->data, 4);
  put_floats (b->data, six, 6);
}

static void
build_gguf_offset_past_2_64 (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  b->at = gguf_tensor (b->data, "token_embd.weight", 3, 2, GT_F32,
                       G_MAXUINT64 - 31);   /* aligned, but start + size wraps */
  gguf_align (b->data);
  put_floats (b->data, six, 6);
}

static void
build_gguf_data_short (Built *b)
{
  gsize start = gguf_valid (b->data, two_tokens, six, NULL);

  g_byte_array_set_size (b->data, b->data->len - 4);
  b->at = start + 6 * 4;                /* where the data should end */
}

static void
build_gguf_listed_twice (Built *b)
{
  gguf_head (b->data, 3, 2, 0);
  gguf_tensor (b->data, "token_embd.weight", 3, 2, GT_F32, 0);
  b->at = b->data->len;                 /* the second info */
  gguf_tensor (b->data, "token_embd.weight", 3, 2, GT_F32, 32);
  gguf_align (b->data);
  put_floats (b->data, six, 6);
  put_zeros (b->data, 8);
  put_floats (b->data, six, 6);
}

static void
build_gguf_listed_twice_utf8 (Built *b)
{
  gguf_head (b->data, 3, 2, 0);
  gguf_tensor (b->data, "t\xff", 3, 2, GT_F32, 0);
  b->at = b->data->len;
  gguf_tensor (b->data, "t\xff", 3, 2, GT_F32, 32);
  gguf_align (b->data);
  put_floats (b->data, six, 6);
  put_zeros (b->data, 8);
  put_floats (b->data, six, 6);
}

static void
build_gguf_vocab_only (Built *b)
{
  gguf_head (b->data, 3, 0, 1);
  gguf_tokens (b->data, two_tokens, 2);
}

static void
build_gguf_q4_k (Built *b)
{
  gguf_head (b->data, 3, 1, 0);
  b->at = b->data->len;                 /* the tensor's info */
  gguf_tensor (b->data, "token_embd.weight", 256, 2, GT_Q4_K, 0);
  gguf_align (b->data);
  put_zeros (b->data, 2 * 144);
}

static void
build_gguf_nan (Built *b)
{
  const float values[6] = { 1, 2, 3, NAN, 5, 6 };   /* row 1, column 0 */
  gsize start = gguf_valid (b->data, two_tokens, values, NULL);

  b->at = start + 3 * 4;
}

static const MalformedCase cases[] = {
  /* GGUF */
  BUILT ("gguf", "not the GGUF magic", ".gguf", build_gguf_bad_magic,
         FORMAT, AT_FILE, "not a GGUF file", DETECT),
  BUILT ("gguf", "cut inside the magic", ".gguf", build_gguf_cut_magic,
         TRUNCATED, AT_BYTE, "the file ends inside the GGUF magic", DETECT),
  BUILT ("gguf", "version 1", ".gguf", build_gguf_version_1,
         UNSUPPORTED, AT_BYTE, "GGUF version 1 (32-bit counts", DETECT),
  BUILT ("gguf", "version 7", ".gguf", build_gguf_version_7,
         UNSUPPORTED, AT_BYTE, "GGUF version 7 (known: 2, 3)", DETECT),
  BUILT ("gguf", "big-endian", ".gguf", build_gguf_big_endian,
         UNSUPPORTED, AT_BYTE, "a big-endian GGUF file (version 3 stored byte-swapped)", DETECT),
  BUILT ("gguf", "header only", ".gguf", build_gguf_header_only,
         TRUNCATED, AT_BYTE, "the file ends inside the metadata: 2 metadata pairs need", DETECT),
  BUILT ("gguf", "2^62 metadata pairs", ".gguf", build_gguf_many_pairs,
         TOO_LARGE, AT_BYTE, "4611686018427387904 metadata pairs declared, too many to be real",
         DETECT),
  BUILT ("gguf", "2^62 tensors", ".gguf", build_gguf_many_tensors,
         TOO_LARGE, AT_BYTE, "4611686018427387904 tensors declared, too many to be real", DETECT),
  BUILT ("gguf", "an array of 2^62 u8", ".gguf", build_gguf_huge_u8_array,
         TRUNCATED, AT_BYTE, "metadata 'big': 4611686018427387904 values need at least", DETECT),
  BUILT ("gguf", "an array of 2^62 strings", ".gguf", build_gguf_huge_string_array,
         TOO_LARGE, AT_BYTE, "metadata 'big': 4611686018427387904 strings declared", DETECT),
  BUILT ("gguf", "a key of 2^63 bytes", ".gguf", build_gguf_huge_key,
         TRUNCATED, AT_BYTE, "a string of 9223372036854775808 bytes in the key of metadata pair 0 "
         "runs past the end of the file", DETECT),
  BUILT ("gguf", "an unknown value type", ".gguf", build_gguf_unknown_type,
         PARSE, AT_BYTE, "unknown value type 99 in metadata 'k'", DETECT),
  BUILT ("gguf", "an unknown value type, invalid UTF-8 key", ".gguf",
         build_gguf_unknown_type_utf8,
         PARSE, AT_BYTE, "unknown value type 99 in metadata 'bad", DETECT),
  BUILT ("gguf", "a bool that is 7", ".gguf", build_gguf_bool_7,
         PARSE, AT_BYTE, "a bool in metadata 'flag' is 7, not 0 or 1", DETECT),
  BUILT ("gguf", "general.alignment 3", ".gguf", build_gguf_alignment_3,
         PARSE, AT_BYTE, "general.alignment is 3, not a power of two", DETECT),
  BUILT ("gguf", "tokens that are a number", ".gguf", build_gguf_tokens_not_strings,
         PARSE, AT_BYTE, "tokenizer.ggml.tokens is a u32 value, not an array of strings", DETECT),
  BUILT ("gguf", "ne [2^32, 2^32]", ".gguf", build_gguf_ne_overflow,
         TOO_LARGE, AT_BYTE, "dimension 1 (4294967296) makes it too large to be real", DETECT),
  BUILT ("gguf", "ne[0] = 2^64 - 1", ".gguf", build_gguf_ne_past_int64,
         TOO_LARGE, AT_BYTE, "dimension 0 (18446744073709551615) makes it too large", DETECT),
  BUILT ("gguf", "five dimensions", ".gguf", build_gguf_five_dims,
         UNSUPPORTED, AT_BYTE, "has 5 dimensions (at most 4)", DETECT),
  BUILT ("gguf", "Q8_0 rows of 10 values", ".gguf", build_gguf_partial_block,
         SHAPE, AT_BYTE, "its rows of 10 values are not whole Q8_0 blocks of 32", DETECT),
  BUILT ("gguf", "an unaligned data offset", ".gguf", build_gguf_unaligned,
         PARSE, AT_BYTE, "data offset 4 is not a multiple of the alignment 32", DETECT),
  BUILT ("gguf", "a data offset that wraps past 2^64", ".gguf", build_gguf_offset_past_2_64,
         TOO_LARGE, AT_BYTE, "is too large to be real", DETECT),
  BUILT ("gguf", "data one value short", ".gguf", build_gguf_data_short,
         TRUNCATED, AT_BYTE, "(F32, 24 bytes from byte", DETECT),
  BUILT ("gguf", "a tensor listed twice", ".gguf", build_gguf_listed_twice,
         PARSE, AT_BYTE, "tensor 'token_embd.weight' is listed twice", DETECT),
  BUILT ("gguf", "an invalid UTF-8 name listed twice", ".gguf", build_gguf_listed_twice_utf8,
         PARSE, AT_BYTE, "is listed twice", DETECT),
  BUILT ("gguf", "tokens but no tensors", ".gguf", build_gguf_vocab_only,
         UNSUPPORTED, AT_FILE, "has no tensors, only a vocabulary of 2 tokens", DETECT),
  BUILT ("gguf", "the token table in Q4_K", ".gguf", build_gguf_q4_k,
         UNSUPPORTED, AT_BYTE, "tensor 'token_embd.weight' is Q4_K, which is not read", DETECT),
  BUILT ("gguf", "nan", ".gguf", build_gguf_nan,
         NON_FINITE, AT_BYTE, "tensor 'token_embd.weight', row 1, column 0 is nan", DETECT),

};

const MalformedTable malformed_gguf_cases = { cases, G_N_ELEMENTS (cases) };
