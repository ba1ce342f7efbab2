/* malformed-vocab.c: the malformed-input cases of the vocabulary readers
 * (vocab.txt, metadata .tsv, tokenizer.json, encoder.json, a GGUF
 * vocabulary), each given as options.vocab_path for a valid 2 x 3 .npy,
 * and the builders of their files. */
#include <math.h>
#include <string.h>

#include "io/emb-parse.h"
#include "malformed.h"

/* builders: vocabularies (the matrix is a valid 2 x 3 .npy) */

static void
build_vocab_gguf_no_tokens (Built *b)
{
  gguf_head (b->data, 3, 0, 1);
  gguf_key (b->data, "general.alignment", GV_U32);
  emb_test_put_u32 (b->data, 32);
}

static void
build_vocab_gguf_many_tokens (Built *b)
{
  gguf_head (b->data, 3, 0, 1);
  gguf_key (b->data, "tokenizer.ggml.tokens", GV_ARRAY);
  emb_test_put_u32 (b->data, GV_STRING);
  emb_test_put_u64 (b->data, G_GUINT64_CONSTANT (1) << 62);
  b->at = b->data->len;
  emb_test_put_gguf_str (b->data, "a");
  emb_test_put_gguf_str (b->data, "b");
}

static void
build_vocab_gguf_token_past_end (Built *b)
{
  gguf_head (b->data, 3, 0, 1);
  gguf_key (b->data, "tokenizer.ggml.tokens", GV_ARRAY);
  emb_test_put_u32 (b->data, GV_STRING);
  emb_test_put_u64 (b->data, 2);
  emb_test_put_gguf_str (b->data, "a");
  b->at = b->data->len;                 /* the second token's length */
  emb_test_put_u64 (b->data, 100);
  emb_test_put_str (b->data, "b");
}

static void
build_vocab_json_deep (Built *b)
{
  g_autoptr(GString) json = g_string_new (NULL);

  for (guint i = 0; i < 100; i++)
    g_string_append_c (json, '[');
  emb_test_put_str (b->data, json->str);
  /* The bracket that opens level 65. */
  b->at = nth_char (json->str, '[', EMB_JSON_MAX_DEPTH + 1);
}

static void
build_empty (Built *b)
{
}
static const MalformedCase cases[] = {
  /* Vocabularies given with options.vocab_path, for a 2 x 3 .npy. */
  TEXT ("vocab-lines", "three tokens for two rows", "-vocab.txt", "a\nb\nc\n", NULL,
        SHAPE, AT_FILE, "has 3 tokens but", VOCAB | DETECT),
  BUILT ("vocab-lines", "empty file", "-vocab.txt", build_empty,
         SHAPE, AT_FILE, "has 0 tokens but", VOCAB | DETECT),
  TEXT ("vocab-tsv", "three rows for two", "-meta.tsv", "a\nb\nc\n", NULL,
        SHAPE, AT_FILE, "3 rows of metadata, but the matrix has 2 rows", VOCAB | DETECT),
  TEXT ("vocab-tsv", "a header and three rows", "-meta.tsv",
        "word\tcount\na\t1\nb\t2\nc\t3\n", NULL,
        SHAPE, AT_FILE, "3 rows of metadata below the header, but the matrix has 2 rows",
        VOCAB | DETECT),
  TEXT ("vocab-tsv", "a row with a field missing", "-meta.tsv",
        "word\tcount\na\t1\nb\n", "b\n",
        PARSE, AT_LINE, "1 fields, expected 2 as in the header", VOCAB | DETECT),
  BUILT ("vocab-tsv", "empty file", "-meta.tsv", build_empty,
         SHAPE, AT_FILE, "0 rows of metadata, but the matrix has 2 rows", VOCAB | DETECT),
  BUILT ("tokenizer.json", "empty file", "-tokenizer.json", build_empty,
         PARSE, AT_FILE, "the file is empty, not a JSON vocabulary", VOCAB | DETECT),
  TEXT ("tokenizer.json", "not JSON", "-tokenizer.json",
        "{\n  \"model\": {\n    \"vocab\": {\"a\": 0,\n      \"b\": x}\n  }\n}\n", "\"b\": x",
        PARSE, AT_LINE, "not JSON", VOCAB | DETECT),
  TEXT ("tokenizer.json", "invalid UTF-8 in a token", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\xff\": 0, \"b\": 1}}}", NULL,
        PARSE, AT_FILE, "UTF-8", VOCAB | DETECT),
  TEXT ("tokenizer.json", "an id past the vocabulary", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 99}}}", NULL,
        PARSE, AT_FILE, "token \"b\" has the id 99, impossible for a vocabulary of 2 tokens",
        VOCAB | DETECT),
  TEXT ("tokenizer.json", "an id of 10^15", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1000000000000000}}}", NULL,
        PARSE, AT_FILE, "has the id 1000000000000000, impossible", VOCAB | DETECT),
  TEXT ("tokenizer.json", "a negative id", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": -1}}}", NULL,
        PARSE, AT_FILE, "has the id -1, impossible", VOCAB | DETECT),
  TEXT ("tokenizer.json", "an id given twice", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 0}}}", NULL,
        PARSE, AT_FILE, "the id 0 is given to both \"a\" and \"b\"", VOCAB | DETECT),
  TEXT ("tokenizer.json", "an id that is a string", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": \"0\", \"b\": 1}}}", NULL,
        PARSE, AT_FILE, "the id of \"a\" is not an integer", VOCAB | DETECT),
  TEXT ("tokenizer.json", "no model.vocab", "-tokenizer.json",
        "{\"model\": {\"type\": \"BPE\"}}", NULL,
        PARSE, AT_FILE, "model.vocab is missing", VOCAB | DETECT),
  TEXT ("tokenizer.json", "added_tokens is a number", "-tokenizer.json",
        "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1}}, \"added_tokens\": 5}", NULL,
        PARSE, AT_FILE, "\"added_tokens\" is not an array", VOCAB | DETECT),
  BUILT ("tokenizer.json", "nesting 100 deep", "-tokenizer.json", build_vocab_json_deep,
         PARSE, AT_BYTE, "the JSON nests more than 64 levels deep", VOCAB | DETECT),
  TEXT ("encoder.json", "a list, not an object", "-encoder.json", "[\"a\", \"b\"]", NULL,
        PARSE, AT_FILE, "the JSON is not an object of tokens", VOCAB | DETECT),
  TEXT ("encoder.json", "no tokens", "-encoder.json", "{}", NULL,
        PARSE, AT_FILE, "the vocabulary has no tokens", VOCAB | DETECT),
  TEXT ("encoder.json", "invalid UTF-8 in a token", "-encoder.json",
        "{\"a\xff\": 0, \"b\": 1}", NULL,
        PARSE, AT_FILE, "UTF-8", VOCAB | DETECT),
  BUILT ("vocab-gguf", "not GGUF", "-vocab.gguf", build_gguf_bad_magic,
         FORMAT, AT_FILE, "not a GGUF file", VOCAB | DETECT),
  BUILT ("vocab-gguf", "empty file", "-vocab.gguf", build_empty,
         TRUNCATED, AT_BYTE, "the file ends inside the GGUF magic", VOCAB | DETECT),
  BUILT ("vocab-gguf", "no tokenizer.ggml.tokens", "-vocab.gguf", build_vocab_gguf_no_tokens,
         FORMAT, AT_FILE, "has no tokenizer.ggml.tokens: not a vocabulary", VOCAB | DETECT),
  BUILT ("vocab-gguf", "2^62 tokens", "-vocab.gguf", build_vocab_gguf_many_tokens,
         TOO_LARGE, AT_BYTE, "4611686018427387904 strings declared, too many to be real",
         VOCAB | DETECT),
  BUILT ("vocab-gguf", "a token running past the end", "-vocab.gguf",
         build_vocab_gguf_token_past_end,
         TRUNCATED, AT_BYTE, "a string of 100 bytes in metadata 'tokenizer.ggml.tokens' "
         "runs past the end", VOCAB | DETECT),
};

const MalformedTable malformed_vocab_cases = { cases, G_N_ELEMENTS (cases) };
