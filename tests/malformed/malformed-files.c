/* malformed-files.c: the malformed-input tests that are about the file,
 * not its bytes: for every reader and every vocabulary file, an empty
 * file, a folder, a missing file, a named pipe and an unreadable file;
 * and tokens that are not valid UTF-8, which load and keep their bytes. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "malformed.h"

/* tests: files that are not there or not files */

/* A file name ending for each reader that detection maps back to it. */
static const struct
{
  const char *format;
  const char *ext;
} format_exts[] = {
  { "glove", ".txt" },
  { "word2vec-text", ".vec" },
  { "word2vec-binary", ".bin" },
  { "npy", ".npy" },
  { "projector-tsv", ".tsv" },
  { "projector-bytes", ".bytes" },
  { "projector-config", "-config.json" },
  { "safetensors", ".safetensors" },
  { "safetensors-index", ".safetensors.index.json" },
  { "gguf", ".gguf" },
};

/* Vocabulary files, by the reader their name picks. */
static const struct
{
  const char *kind;
  const char *ext;
} vocab_exts[] = {
  { "vocab-lines", "-vocab.txt" },
  { "vocab-tsv", "-meta.tsv" },
  { "tokenizer.json", "-tokenizer.json" },
  { "encoder.json", "-encoder.json" },
  { "vocab-gguf", "-vocab.gguf" },
};

static void
test_every_format_listed (void)
{
  const char * const *ids = emb_dataset_formats ();
  guint n = 0;

  for (; ids[n] != NULL; n++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (format_exts); i++)
        found |= g_str_equal (format_exts[i].format, ids[n]);
      if (!found)
        fail ("format '%s' has no malformed-input cases", ids[n]);
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (format_exts));
}

/* Loads path as every format, explicitly and by detection, then as every
 * kind of vocabulary, expecting the same file-level error each time. */
static void
check_every_format (const char *label,
                    const char *(*make) (const char *ext),
                    gint        code,
                    const char *phrase,
                    gboolean    vocab_too)
{
  Expect e = { code, FALSE, AT_FILE, POS_ANY, { 0, 0 }, phrase };

  for (guint i = 0; i < G_N_ELEMENTS (format_exts); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s | %s", format_exts[i].format, label);
      const char *path = make (format_exts[i].ext);
      EmbLoadOptions options = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) detected = NULL;
      EmbDataset *ds;

      options.format = format_exts[i].format;
      options.shape_rows = 2;
      options.shape_cols = 3;
      ds = timed_load (what, path, &options, &error);
      check_failure (what, path, ds, error, &e);
      g_test_message ("%s | %s", what, error != NULL ? error->message : "(no error)");

      options.format = NULL;
      ds = timed_load (what, path, &options, &detected);
      check_failure (what, path, ds, detected, &e);
      if (error != NULL && detected != NULL && !g_str_equal (error->message, detected->message))
        fail ("%s: detection gives another error: %s", what, detected->message);
    }

  if (!vocab_too)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (vocab_exts); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s | %s", vocab_exts[i].kind, label);
      g_autofree char *prefix = g_strdup_printf ("v%u", i);
      const char *path = make (vocab_exts[i].ext);
      EmbLoadOptions options = { 0 };
      g_autoptr(GError) error = NULL;
      EmbDataset *ds;

      options.vocab_path = path;
      ds = timed_load (what, write_matrix (prefix), &options, &error);
      check_failure (what, path, ds, error, &e);
      g_test_message ("%s | %s", what, error != NULL ? error->message : "(no error)");
    }
}

static const char *
make_empty (const char *ext)
{
  g_autofree char *name = g_strconcat ("empty", ext, NULL);

  return emb_test_write (name, "", 0);
}

static void
test_empty (void)
{
  check_every_format ("empty file", make_empty, EMB_ERROR_FORMAT, "the file is empty", FALSE);
}

static GPtrArray *made_paths;

static const char *
make_dir (const char *ext)
{
  char *path = g_strconcat (emb_test_tmpdir (), G_DIR_SEPARATOR_S, "folder", ext, NULL);

  g_assert_no_errno (g_mkdir (path, 0700));
  g_ptr_array_add (made_paths, path);
  return path;
}

static void
test_directory (void)
{
  made_paths = g_ptr_array_new_with_free_func (g_free);
  check_every_format ("a folder", make_dir, EMB_ERROR_IO, "is a folder, not a file", TRUE);
  for (guint i = 0; i < made_paths->len; i++)
    g_rmdir (g_ptr_array_index (made_paths, i));
  g_clear_pointer (&made_paths, g_ptr_array_unref);
}

static GPtrArray *missing_paths;

static const char *
make_missing (const char *ext)
{
  char *path = g_strconcat (emb_test_tmpdir (), G_DIR_SEPARATOR_S, "missing", ext, NULL);

  g_ptr_array_add (missing_paths, path);
  return path;
}

static void
test_missing (void)
{
  missing_paths = g_ptr_array_new_with_free_func (g_free);
  check_every_format ("a missing file", make_missing, EMB_ERROR_IO, g_strerror (ENOENT), TRUE);
  g_clear_pointer (&missing_paths, g_ptr_array_unref);
}

static const char *
make_fifo (const char *ext)
{
  char *path = g_strconcat (emb_test_tmpdir (), G_DIR_SEPARATOR_S, "fifo", ext, NULL);

  g_assert_no_errno (mkfifo (path, 0600));
  g_ptr_array_add (made_paths, path);
  return path;
}

static void
test_fifo (void)
{
  made_paths = g_ptr_array_new_with_free_func (g_free);
  check_every_format ("a named pipe", make_fifo, EMB_ERROR_IO, "is not a regular file", TRUE);
  for (guint i = 0; i < made_paths->len; i++)
    g_unlink (g_ptr_array_index (made_paths, i));
  g_clear_pointer (&made_paths, g_ptr_array_unref);
}

static const char *
make_unreadable (const char *ext)
{
  g_autofree char *name = g_strconcat ("unreadable", ext, NULL);
  const char *path = emb_test_write (name, "0.1\t0.2\n", -1);

  g_assert_no_errno (g_chmod (path, 0));
  return path;
}

static void
test_unreadable (void)
{
  g_autofree char *phrase = NULL;
  const char *probe;
  int fd;

  if (geteuid () == 0)
    {
      g_test_skip ("running as root, which reads any file whatever its permissions");
      return;
    }
  /* Some sandboxes grant reading past permissions without root. */
  probe = make_unreadable (".probe");
  fd = g_open (probe, O_RDONLY, 0);
  if (fd >= 0)
    {
      close (fd);
      g_test_skip ("file permissions are not enforced here");
      return;
    }
  phrase = g_strdup_printf ("cannot open: %s", g_strerror (EACCES));
  check_every_format ("an unreadable file", make_unreadable, EMB_ERROR_IO, phrase, TRUE);
}

/* tests: invalid UTF-8 in tokens is kept, not refused */

#define LATIN1_CAFE "caf\xe9"

/* Token id holds raw's bytes, and shows them as valid UTF-8 with U+FFFD. */
static void
check_raw_token (const char *what,
                 EmbDataset *ds,
                 gsize       id,
                 const char *raw)
{
  const char *token, *display;
  gsize len;

  g_assert_nonnull (ds);
  g_assert_cmpuint (ds->matrix->n_rows, ==, emb_vocab_size (ds->vocab));
  token = emb_vocab_raw (ds->vocab, id, &len);
  if (len != strlen (raw) || memcmp (token, raw, len) != 0)
    fail ("%s: token %zu is not kept as its bytes", what, id);
  display = emb_vocab_display (ds->vocab, id);
  if (!g_utf8_validate (display, -1, NULL))
    fail ("%s: the display text of token %zu is not valid UTF-8", what, id);
  else if (strstr (display, "\xef\xbf\xbd") == NULL)
    fail ("%s: the display text '%s' has no U+FFFD", what, display);
  g_test_message ("%s | invalid UTF-8 token | loads: %zu x %zu, shown as '%s'",
                  what, ds->matrix->n_rows, ds->matrix->n_cols, display);
}


static void
test_invalid_utf8_tokens (void)
{
  struct
  {
    const char *format;
    const char *name;
    const char *text;
  } texts[] = {
    { "glove", "utf8.txt", LATIN1_CAFE " 1 2\nb 3 4\n" },
    { "word2vec-text", "utf8.vec", "2 2\n" LATIN1_CAFE " 1 2\nb 3 4\n" },
    { "projector-tsv", "utf8.tsv", LATIN1_CAFE "\t0.1\t0.2\nb\t0.3\t0.4\n" },
  };
  EmbLoadOptions options = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      const char *path = emb_test_write (texts[i].name, texts[i].text, -1);

      options.format = texts[i].format;
      {
        g_autoptr(EmbDataset) ds = load_ok (texts[i].format, path, &options);
        check_raw_token (texts[i].format, ds, 0, LATIN1_CAFE);
      }
      options.format = NULL;
      {
        g_autoptr(EmbDataset) ds = load_ok (texts[i].format, path, &options);
        g_assert_cmpstr (ds->format, ==, texts[i].format);
        check_raw_token (texts[i].format, ds, 0, LATIN1_CAFE);
      }
    }

  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    const char *path;

    emb_test_put_str (b, "2 2\n" LATIN1_CAFE " ");
    put_floats (b, six, 2);
    emb_test_put_str (b, "\nb ");
    put_floats (b, six + 2, 2);
    emb_test_put_str (b, "\n");
    path = emb_test_write ("utf8.bin", b->data, b->len);
    options.format = "word2vec-binary";
    {
      g_autoptr(EmbDataset) ds = load_ok ("word2vec-binary", path, &options);
      check_raw_token ("word2vec-binary", ds, 0, LATIN1_CAFE);
    }
  }

  {
    g_autoptr(GByteArray) b = g_byte_array_new ();
    const char * const tokens[2] = { "a", LATIN1_CAFE };
    const char *path;

    gguf_valid (b, tokens, six, NULL);
    path = emb_test_write ("utf8.gguf", b->data, b->len);
    options.format = "gguf";
    {
      g_autoptr(EmbDataset) ds = load_ok ("gguf", path, &options);
      check_raw_token ("gguf", ds, 1, LATIN1_CAFE);
    }
  }

  {
    const char *matrix = write_matrix ("utf8");
    const char *vocabs[][2] = {
      { "vocab-lines", "utf8-vocab.txt" },
      { "vocab-tsv", "utf8-meta.tsv" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (vocabs); i++)
      {
        options.format = "npy";
        options.vocab_path = emb_test_write (vocabs[i][1], LATIN1_CAFE "\nb\n", -1);
        {
          g_autoptr(EmbDataset) ds = load_ok (vocabs[i][0], matrix, &options);
          check_raw_token (vocabs[i][0], ds, 0, LATIN1_CAFE);
        }
      }
  }
}


void
malformed_add_file_tests (void)
{
  g_test_add_func ("/malformed/files/every-format-listed", test_every_format_listed);
  g_test_add_func ("/malformed/files/empty", test_empty);
  g_test_add_func ("/malformed/files/directory", test_directory);
  g_test_add_func ("/malformed/files/missing", test_missing);
  g_test_add_func ("/malformed/files/fifo", test_fifo);
  g_test_add_func ("/malformed/files/unreadable", test_unreadable);
  g_test_add_func ("/malformed/utf8/tokens-kept", test_invalid_utf8_tokens);
}
