/* test-text-encoding.c: text files in encodings and line ends the readers
 * do not take (UTF-16 with and without a byte order mark, CR-only line
 * ends) are refused with a message naming what the file is, by every text
 * reader: GloVe, word2vec text, projector vectors and metadata TSV, and
 * one-token-per-line vocabularies.  A UTF-8 byte order mark is skipped. */
#include <string.h>

#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"
#include "emb-test-util.h"

/* The text readers and a file each would read. */
static const struct
{
  const char *name;
  const char *text;
} files[] = {
  { "glove.txt", "a 1 2\nb 3 4\n" },
  { "vectors.vec", "2 2\na 1 2\nb 3 4\n" },
  { "vectors.tsv", "a\t1\t2\nb\t3\t4\n" },
};

/* auxiliary functions */

/* ASCII text as UTF-16: each byte with a NUL after it (little-endian) or
 * before it, after a byte order mark when bom. */
static GByteArray *
utf16 (const char *text,
       gboolean    little,
       gboolean    bom)
{
  GByteArray *b = g_byte_array_new ();

  if (bom)
    emb_test_put_u16 (b, little ? 0xfeff : 0xfffe);
  for (const char *p = text; *p != '\0'; p++)
    {
      guint8 pair[2] = { 0, 0 };

      pair[little ? 0 : 1] = (guint8) *p;
      g_byte_array_append (b, pair, 2);
    }
  return b;
}

/* text with every LF turned into a CR. */
static char *
cr_only (const char *text)
{
  char *s = g_strdup (text);

  g_strdelimit (s, "\n", '\r');
  return s;
}

/* The message of reading data as a vocabulary and as metadata, which
 * must both fail naming the file and containing part. */
static void
assert_vocab_refused (const guint8 *data,
                      gsize         size,
                      const char   *part)
{
  GError *error = NULL;
  EmbVocab *vocab = emb_vocab_read_lines ("vocab.txt", data, size, &error);

  g_assert_null (vocab);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_FORMAT);
  emb_test_assert_contains (error->message, "vocab.txt: ");
  emb_test_assert_contains (error->message, part);
  g_clear_error (&error);

  vocab = emb_projector_read_metadata ("meta.tsv", data, size, 2, &error);
  g_assert_null (vocab);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_FORMAT);
  emb_test_assert_contains (error->message, "meta.tsv: ");
  emb_test_assert_contains (error->message, part);
  g_clear_error (&error);
}

static void
check_utf16 (gboolean    little,
             gboolean    bom,
             const char *part)
{
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GByteArray) b = utf16 (files[i].text, little, bom);
      const char *path = emb_test_write (files[i].name, b->data, b->len);
      g_autofree char *msg = emb_test_load_error (path, NULL, EMB_ERROR_FORMAT);

      g_test_message ("%s", msg);
      emb_test_assert_contains (msg, part);
      emb_test_assert_contains (msg, "save it as UTF-8");
    }
  {
    g_autoptr(GByteArray) b = utf16 ("a\nb\n", little, bom);
    assert_vocab_refused (b->data, b->len, part);
  }
}

/* tests */

static void
test_utf16_le_bom (void)
{
  check_utf16 (TRUE, TRUE, "the file is UTF-16 (little-endian)");
}

static void
test_utf16_be_no_bom (void)
{
  check_utf16 (FALSE, FALSE, "the file is UTF-16 (big-endian)");
}

static void
test_utf16_le_no_bom (void)
{
  check_utf16 (TRUE, FALSE, "the file is UTF-16 (little-endian)");
}

static void
test_cr_only (void)
{
  static const char part[] = "the lines end in CR alone";

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = cr_only (files[i].text);
      const char *path = emb_test_write (files[i].name, text, -1);
      g_autofree char *msg = emb_test_load_error (path, NULL, EMB_ERROR_FORMAT);

      g_test_message ("%s", msg);
      emb_test_assert_contains (msg, part);
    }
  assert_vocab_refused ((const guint8 *) "a\rb\r", 4, part);

  /* A CR at the very end of a one-line file, or CRLF, is not CR-only. */
  {
    const char *path = emb_test_write ("one-line.txt", "a 1 2\r", -1);
    g_autoptr(EmbDataset) ds = emb_test_load_ok (path, NULL);

    g_assert_cmpuint (ds->matrix->n_rows, ==, 1);
  }
}

/* A UTF-8 byte order mark is not part of the first token or number. */
static void
test_utf8_bom (void)
{
  static const float r0[] = { 1, 2 }, r1[] = { 3, 4 };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = g_strconcat ("\xef\xbb\xbf", files[i].text, NULL);
      const char *path = emb_test_write (files[i].name, text, -1);
      g_autoptr(EmbDataset) ds = emb_test_load_ok (path, NULL);

      g_assert_cmpuint (ds->matrix->n_rows, ==, 2);
      g_assert_cmpuint (ds->matrix->n_cols, ==, 2);
      emb_test_assert_row (ds->matrix, 0, r0);
      emb_test_assert_row (ds->matrix, 1, r1);
      g_assert_cmpstr (emb_vocab_raw (ds->vocab, 0, NULL), ==, "a");
    }
  {
    static const char text[] = "\xef\xbb\xbf" "a\nb\n";
    GError *error = NULL;
    g_autoptr(EmbVocab) meta = emb_projector_read_metadata ("meta.tsv", (const guint8 *) text,
                                                            sizeof text - 1, 2, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (emb_vocab_raw (meta, 0, NULL), ==, "a");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text-encoding/utf16-le-bom", test_utf16_le_bom);
  g_test_add_func ("/text-encoding/utf16-be-no-bom", test_utf16_be_no_bom);
  g_test_add_func ("/text-encoding/utf16-le-no-bom", test_utf16_le_no_bom);
  g_test_add_func ("/text-encoding/cr-only", test_cr_only);
  g_test_add_func ("/text-encoding/utf8-bom", test_utf8_bom);
  return g_test_run ();
}
