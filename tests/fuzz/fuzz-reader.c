/* fuzz-reader.c: one fuzz target per file reader, and their replay.
 *
 * Built with libFuzzer (-Dfuzzing=true, clang), FUZZ_HARNESS names the one
 * reader this binary feeds: "glove" ... "detect" for the matrix readers
 * through emb_dataset_load_bytes(), "vocab-lines" ... "vocab-gguf" for the
 * vocabulary readers called directly, "numerics" for the numerics on a
 * matrix the input describes (fuzz-numerics.c).
 *
 * Built with -DFUZZ_REPLAY (every build, any compiler), main() runs the same
 * code on files: `fuzz-replay HARNESS PATH...` (a folder is read whole), or
 * `fuzz-replay --corpus DIR` for every DIR/HARNESS folder.  That is how the
 * regression corpus of past findings runs on every `make test`.
 *
 * What counts as a finding: a crash or a sanitizer report, a GLib critical
 * or warning (a broken precondition inside the reader), an error outside
 * our domains or without a readable message, and a loaded dataset that
 * breaks what the rest of the program relies on (a vocabulary with one
 * token per row, display text that is valid UTF-8, no nan or inf values
 * whatever the nan policy, which the input's size picks).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/emb-dataset.h"
#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"
#include "fuzz-numerics.h"

typedef enum
{
  KIND_MATRIX,
  KIND_VOCAB,
  KIND_NUMERICS,
} HarnessKind;

typedef struct
{
  const char  *name;
  HarnessKind  kind;
  const char  *format;    /* matrix readers: --format, NULL to detect */
} Harness;

static const Harness harnesses[] = {
  { "glove",           KIND_MATRIX, "glove" },
  { "word2vec-text",   KIND_MATRIX, "word2vec-text" },
  { "word2vec-binary", KIND_MATRIX, "word2vec-binary" },
  { "npy",             KIND_MATRIX, "npy" },
  { "projector-tsv",   KIND_MATRIX, "projector-tsv" },
  { "projector-bytes", KIND_MATRIX, "projector-bytes" },
  { "projector-config", KIND_MATRIX, "projector-config" },
  { "safetensors",     KIND_MATRIX, "safetensors" },
  { "gguf",            KIND_MATRIX, "gguf" },
  { "detect",          KIND_MATRIX, NULL },
  { "vocab-lines",     KIND_VOCAB,  NULL },
  { "vocab-metadata",  KIND_VOCAB,  NULL },
  { "vocab-tokenizer", KIND_VOCAB,  NULL },
  { "vocab-encoder",   KIND_VOCAB,  NULL },
  { "vocab-gguf",      KIND_VOCAB,  NULL },
  { "numerics",        KIND_NUMERICS, NULL },
};

/* The name the input goes by.  Its folder cannot exist, so the loader's
 * search for a sibling vocabulary (vocab.txt, tokenizer.json beside the
 * file) never picks up a file from wherever the fuzzer happens to run. */
#define INPUT_DIR "/nonexistent-fuzz-input"

/* FUZZ_VERBOSE=1 prints each refusal's message (to check an input reaches
 * the path it was written for). */
static gboolean verbose;

/* Written to, so the compiler cannot drop the reads that feed it. */
static volatile float sink_float;
static volatile gsize sink_size;

/* auxiliary functions */

static const Harness *
find_harness (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (harnesses); i++)
    if (g_str_equal (harnesses[i].name, name))
      return &harnesses[i];
  return NULL;
}

static void
check_text (const char *text)
{
  if (text == NULL)
    return;
  sink_size += strlen (text);
  g_assert (g_utf8_validate (text, -1, NULL));
}

/* Every token's raw bytes, display text and decoded bytes, and every
 * metadata value: reads of freed or foreign memory show up here. */
static void
touch_vocab (EmbVocab *vocab)
{
  gsize n = emb_vocab_size (vocab), id;

  for (gsize i = 0; i < n; i++)
    {
      gsize len;
      const char *raw = emb_vocab_raw (vocab, i, &len);
      const char *display = emb_vocab_display (vocab, i);
      g_autofree char *decoded = NULL;
      gsize decoded_len;

      g_assert (raw != NULL && raw[len] == '\0');
      for (gsize k = 0; k < len; k++)
        sink_size += (guint8) raw[k];
      /* Labels go straight to GTK and cairo: one line of valid UTF-8. */
      g_assert (display != NULL);
      check_text (display);
      g_assert (strchr (display, '\n') == NULL);
      sink_size += emb_vocab_display_differs (vocab, i);
      sink_size += emb_vocab_get_token_type (vocab, i);
      decoded = emb_vocab_decode_bytes (vocab, i, &decoded_len);
      g_assert (decoded != NULL && decoded[decoded_len] == '\0');
      for (gsize k = 0; k < decoded_len; k++)
        sink_size += (guint8) decoded[k];
    }

  for (guint c = 0; c < emb_vocab_n_columns (vocab); c++)
    {
      check_text (emb_vocab_column_name (vocab, c));
      for (gsize i = 0; i < n; i++)
        check_text (emb_vocab_column_value (vocab, c, i));
    }

  /* Search builds its index on first use: look up the first token (by its
   * raw bytes, unless they hold a NUL that a C string cannot) and the last
   * (by its display text). */
  if (n > 0)
    {
      gsize len;
      const char *raw = emb_vocab_raw (vocab, 0, &len);

      if (strlen (raw) == len)
        {
          g_assert (emb_vocab_lookup (vocab, raw, &id));
          g_assert_cmpuint (id, ==, 0);
        }
      g_assert (emb_vocab_lookup (vocab, emb_vocab_display (vocab, n - 1), &id));
      g_assert_cmpuint (id, <, n);
    }
}

static void
touch_dataset (EmbDataset *ds)
{
  EmbMatrix *m = ds->matrix;
  gsize count;
  float sum = 0.f;

  g_assert (m != NULL && m->data != NULL);
  g_assert (m->n_rows > 0 && m->n_cols > 0);
  g_assert (emb_size_mul (m->n_rows, m->n_cols, &count));
  /* Whatever the nan policy, nothing downstream sees nan or inf. */
  for (gsize i = 0; i < count; i++)
    {
      g_assert (isfinite (m->data[i]));
      sum += m->data[i];
    }
  sink_float = sum;

  /* Every view of the matrix indexes the vocabulary by row. */
  g_assert (ds->vocab != NULL);
  g_assert (emb_vocab_size (ds->vocab) == m->n_rows);
  touch_vocab (ds->vocab);

  g_assert (ds->format != NULL);
  check_text (ds->format);
  check_text (ds->dtype);
  check_text (ds->vocab_source);
  check_text (ds->tensor);
  check_text (ds->note);
  if (ds->tensors != NULL)
    for (guint i = 0; i < ds->tensors->len; i++)
      check_text (g_ptr_array_index (ds->tensors, i));
}

/* A refusal must be ours and say why in words a person can read. */
static void
check_error (const GError *error)
{
  g_assert (error != NULL);
  g_assert (error->domain == EMB_ERROR || error->domain == G_IO_ERROR);
  g_assert (error->message != NULL && error->message[0] != '\0');
  if (!g_utf8_validate (error->message, -1, NULL))
    {
      g_autofree char *escaped = g_strescape (error->message, NULL);

      g_printerr ("message is not UTF-8: %s\n", escaped);
      g_assert_not_reached ();
    }
  if (verbose)
    g_printerr ("  refused: %s\n", error->message);
}

/* Raw .bytes carry no shape: take the column count from the first byte so
 * the fuzzer explores exact fits, leftovers and absurd shapes alike. */
static void
bytes_shape (const guint8   *data,
             gsize           size,
             EmbLoadOptions *opts)
{
  if (size == 0)
    {
      opts->shape_rows = 7;
      opts->shape_cols = 3;
      return;
    }
  if (data[0] == 0xff)
    {
      /* rows * cols * 4 overflows a gsize. */
      opts->shape_rows = G_MAXSIZE / 8;
      opts->shape_cols = 3;
      return;
    }
  opts->shape_cols = 1 + data[0] % 8;
  opts->shape_rows = MAX (size / (4 * opts->shape_cols), 1);
}

static void
run_matrix (const Harness *h,
            const guint8  *data,
            gsize          size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  EmbLoadOptions opts = { 0 };
  const char *name = INPUT_DIR "/fuzz.bin";

  opts.format = h->format;
  /* Each policy for nan and inf in turn: refuse, read as 0, drop the row. */
  opts.nan_policy = (EmbNanPolicy) (size % 3);
  if (g_strcmp0 (h->format, "projector-bytes") == 0)
    bytes_shape (data, size, &opts);
  /* No extension: detection goes by the content alone. */
  if (h->format == NULL)
    name = INPUT_DIR "/fuzz";

  ds = emb_dataset_load_bytes (bytes, name, &opts, NULL, NULL, NULL, &error);
  if (ds != NULL)
    {
      g_assert (error == NULL);
      touch_dataset (ds);
    }
  else
    check_error (error);
}

/* The row count a metadata file claims: its non-blank lines, less the
 * header (the first non-blank line, when it has a tab). */
static gsize
metadata_rows (const guint8 *data,
               gsize         size)
{
  const guint8 *p = data, *end = data + size;
  gboolean first = TRUE;
  gsize n = 0;

  while (p < end)
    {
      const guint8 *nl = memchr (p, '\n', end - p);
      const guint8 *stop = nl != NULL ? nl : end;
      gboolean blank = TRUE, tab = FALSE;

      for (const guint8 *q = p; q < stop; q++)
        {
          if (*q != ' ' && *q != '\t' && *q != '\r')
            blank = FALSE;
          tab |= *q == '\t';
        }
      if (!blank)
        {
          if (!(first && tab))
            n++;
          first = FALSE;
        }
      p = nl != NULL ? nl + 1 : end;
    }
  return n;
}

static void
run_vocab (const Harness *h,
           const guint8  *data,
           gsize          size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbVocab) vocab = NULL;
  const char *name = INPUT_DIR "/vocab";

  /* Readers take a pointer and a size: copy into a buffer of exactly that
   * size, so that reading one byte past it is caught, and so a reader that
   * wrongly expects a NUL terminator fails under the sanitizer. */
  g_autofree guint8 *copy = g_memdup2 (data, size);

  if (g_str_equal (h->name, "vocab-lines"))
    vocab = emb_vocab_read_lines (name, copy, size, &error);
  else if (g_str_equal (h->name, "vocab-metadata"))
    {
      gsize n_rows = metadata_rows (data, size);

      /* Off by one now and then, for the mismatch path. */
      if (size > 0 && data[size - 1] == '!')
        n_rows++;
      vocab = emb_projector_read_metadata (name, copy, size, n_rows, &error);
      if (vocab != NULL)
        g_assert (emb_vocab_size (vocab) == n_rows);
    }
  else if (g_str_equal (h->name, "vocab-tokenizer"))
    vocab = emb_vocab_read_tokenizer_json (name, copy, size, &error);
  else if (g_str_equal (h->name, "vocab-encoder"))
    vocab = emb_vocab_read_encoder_json (name, copy, size, &error);
  else if (g_str_equal (h->name, "vocab-gguf"))
    vocab = emb_vocab_read_gguf (name, copy, size, &error);
  else
    g_assert_not_reached ();

  if (vocab != NULL)
    {
      g_assert (error == NULL);
      touch_vocab (vocab);
    }
  else
    check_error (error);
}

static void
run_one (const Harness *h,
         const guint8  *data,
         gsize          size)
{
  if (h->kind == KIND_MATRIX)
    run_matrix (h, data, size);
  else if (h->kind == KIND_VOCAB)
    run_vocab (h, data, size);
  else
    fuzz_numerics_run (data, size);
}

/* A critical or warning from GLib inside a reader is a broken
 * precondition: make it abort so it counts as a finding. */
static void
setup_once (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  verbose = g_getenv ("FUZZ_VERBOSE") != NULL;
}

#ifndef FUZZ_REPLAY

#ifndef FUZZ_HARNESS
#error "FUZZ_HARNESS must name the reader this target feeds"
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  setup_once ();
  g_assert (find_harness (FUZZ_HARNESS) != NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const Harness *h;

  if (h == NULL)
    h = find_harness (FUZZ_HARNESS);
  run_one (h, data, size);
  return 0;
}

#else /* FUZZ_REPLAY */

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Feeds one file, or every file below a folder, to harness h. */
static gsize
replay_path (const Harness *h,
             const char    *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize size, n = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *entry;

      if (dir == NULL)
        g_error ("%s", error->message);
      while ((entry = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (path, entry, NULL));
      /* A fixed order, so a failure names the same file every run. */
      g_ptr_array_sort (names, compare_paths);
      for (guint i = 0; i < names->len; i++)
        n += replay_path (h, g_ptr_array_index (names, i));
      return n;
    }

  if (!g_file_get_contents (path, &contents, &size, &error))
    g_error ("%s", error->message);
  /* Printed first, so a crash's log names the input. */
  g_print ("%s %s\n", h->name, path);
  run_one (h, (const guint8 *) contents, size);
  return 1;
}

static int
replay_corpus (const char *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (root, 0, &error);
  gsize total = 0;
  guint run = 0;

  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  /* A folder with no harness of that name is a typo that would silently
   * replay nothing. */
  for (const char *entry; (entry = g_dir_read_name (dir)) != NULL; )
    if (find_harness (entry) == NULL)
      {
        g_printerr ("%s/%s: no harness of that name\n", root, entry);
        return 1;
      }
  for (guint i = 0; i < G_N_ELEMENTS (harnesses); i++)
    {
      g_autofree char *path = g_build_filename (root, harnesses[i].name, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;
      total += replay_path (&harnesses[i], path);
      run++;
    }
  g_print ("replayed %" G_GSIZE_FORMAT " inputs over %u harnesses\n", total, run);
  return total > 0 ? 0 : 1;
}

int
main (int    argc,
      char **argv)
{
  const Harness *h;
  gsize n = 0;

  setup_once ();
  if (argc == 3 && g_str_equal (argv[1], "--corpus"))
    return replay_corpus (argv[2]);
  if (argc < 3 || (h = find_harness (argv[1])) == NULL)
    {
      g_printerr ("usage: %s HARNESS FILE-OR-FOLDER...\n"
                  "       %s --corpus DIR  (replays DIR/HARNESS/ for each harness)\n"
                  "harnesses:", argv[0], argv[0]);
      for (guint i = 0; i < G_N_ELEMENTS (harnesses); i++)
        g_printerr (" %s", harnesses[i].name);
      g_printerr ("\n");
      return 2;
    }
  for (int i = 2; i < argc; i++)
    n += replay_path (h, argv[i]);
  g_print ("replayed %" G_GSIZE_FORMAT " inputs\n", n);
  return 0;
}

#endif /* FUZZ_REPLAY */
