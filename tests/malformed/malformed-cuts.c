/* malformed-cuts.c: each small valid file of every reader cut at every
 * byte: every cut must fail cleanly, or, where the cut happens to leave a
 * valid shorter file, load with fewer rows. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "io/emb-parse.h"
#include "malformed.h"

/* tests: truncation at every byte */

typedef enum
{
  CUT_FAILS,
  CUT_LOADS,
  CUT_EITHER,   /* fails, or loads `rows` rows */
} CutOutcome;

typedef struct
{
  CutOutcome outcome;
  gsize      rows;
  Expect     e;
} CutExpect;

typedef struct _CutSpec CutSpec;

/* What cutting file (len bytes) to cut bytes must do. */
typedef void (*CutRule) (const CutSpec *spec, const guint8 *file, gsize len, gsize cut,
                         CutExpect *x);

struct _CutSpec
{
  const char *format;    /* the reader, or the kind of vocabulary */
  const char *ext;
  gboolean    vocab;     /* the file is the vocab_path of a 2 x 3 .npy */
  gboolean    detect;    /* detection picks the same reader at every cut */
  gsize       shape_rows;
  gsize       shape_cols;
  CutRule     rule;
  gsize       data_start;  /* filled by the builder, for the rules */
  gsize       infos_end;
};

static gsize
count_lines_before (const guint8 *file,
                    gsize         cut)
{
  gsize n = 0;

  for (gsize i = 0; i < cut; i++)
    n += file[i] == '\n';
  return n;
}

/* Text with one row per line (no header, no blank lines), every value
 * after the first line one character: a cut at the end of a row leaves
 * the rows before it, a cut inside a later row is an error on its line,
 * and a cut inside the first row may leave a shorter valid first row. */
static void
rule_text_rows (const CutSpec *spec,
                const guint8  *file,
                gsize          len,
                gsize          cut,
                CutExpect     *x)
{
  gsize before = count_lines_before (file, cut);

  if (file[cut - 1] == '\n' || file[cut] == '\n')
    {
      x->outcome = CUT_LOADS;
      x->rows = before + (file[cut - 1] != '\n');
    }
  else if (before == 0)
    {
      x->outcome = CUT_EITHER;
      x->rows = 1;
      x->e.any_place = TRUE;
      x->e.pos = POS_ANY;
    }
  else
    {
      x->e.place = AT_LINE;
      x->e.at[0] = before + 1;
    }
}

/* A word2vec text file declares its rows: every cut but that of the final
 * newline fails, at the header (too few bytes or rows for it) or at the
 * row that was cut. */
static void
rule_word2vec_text (const CutSpec *spec,
                    const guint8  *file,
                    gsize          len,
                    gsize          cut,
                    CutExpect     *x)
{
  if (cut == len - 1 && file[cut] == '\n')
    {
      x->outcome = CUT_LOADS;
      x->rows = 3;
      return;
    }
  x->e.place = AT_LINE;
  x->e.pos = POS_EITHER;
  x->e.at[0] = 1;
  x->e.at[1] = count_lines_before (file, cut) + 1;
}

/* Binary formats that point at the place they stopped, never past the end
 * of what is left; a cut of only the final newline leaves a valid file. */
static void
rule_upto_cut (const CutSpec *spec,
               const guint8  *file,
               gsize          len,
               gsize          cut,
               CutExpect     *x)
{
  if (cut == len - 1 && file[cut] == '\n')
    {
      x->outcome = CUT_LOADS;
      x->rows = 2;
      return;
    }
  x->e.place = AT_BYTE;
  x->e.pos = POS_UPTO;
  x->e.at[0] = cut;
}

/* .npy: the end of the file inside the magic, version, header length or
 * header; past the header, the byte where the data should end. */
static void
rule_npy (const CutSpec *spec,
          const guint8  *file,
          gsize          len,
          gsize          cut,
          CutExpect     *x)
{
  x->e.code = EMB_ERROR_TRUNCATED;
  x->e.place = AT_BYTE;
  x->e.at[0] = cut < spec->data_start ? cut : len;
}

/* safetensors: always the end of the file. */
static void
rule_safetensors (const CutSpec *spec,
                  const guint8  *file,
                  gsize          len,
                  gsize          cut,
                  CutExpect     *x)
{
  x->e.code = EMB_ERROR_TRUNCATED;
  x->e.place = AT_BYTE;
  x->e.at[0] = cut;
}

/* GGUF: where reading stopped, or once the tensor infos are whole, the
 * byte where the tensor's data should end. */
static void
rule_gguf (const CutSpec *spec,
           const guint8  *file,
           gsize          len,
           gsize          cut,
           CutExpect     *x)
{
  x->e.code = EMB_ERROR_TRUNCATED;
  x->e.place = AT_BYTE;
  if (spec->infos_end == 0 || cut < spec->infos_end)
    {
      x->e.pos = POS_UPTO;
      x->e.at[0] = cut;
    }
  else
    x->e.at[0] = len;
}

/* Raw float32 with a given shape: any other size is refused. */
static void
rule_bytes (const CutSpec *spec,
            const guint8  *file,
            gsize          len,
            gsize          cut,
            CutExpect     *x)
{
  x->e.code = EMB_ERROR_SHAPE;
  x->e.place = AT_FILE;
}

/* JSON read by json-glib: a cut is never valid JSON but for the final
 * newline; the message may name a line. */
static void
rule_json (const CutSpec *spec,
           const guint8  *file,
           gsize          len,
           gsize          cut,
           CutExpect     *x)
{
  if (cut == len - 1 && file[cut] == '\n')
    {
      x->outcome = CUT_LOADS;
      x->rows = 2;
      return;
    }
  x->e.code = EMB_ERROR_PARSE;
  x->e.any_place = TRUE;
  x->e.pos = POS_ANY;
}

/* One token per line for a 2-row matrix: a cut leaving two lines (the
 * second maybe shortened) still fits; fewer do not. */
static void
rule_vocab_lines (const CutSpec *spec,
                  const guint8  *file,
                  gsize          len,
                  gsize          cut,
                  CutExpect     *x)
{
  gsize tokens = count_lines_before (file, cut) + (file[cut - 1] != '\n');

  if (tokens == 2)
    {
      x->outcome = CUT_LOADS;
      x->rows = 2;
      return;
    }
  x->e.code = EMB_ERROR_SHAPE;
  x->e.place = AT_FILE;
}

static void
cuts_glove (CutSpec *s, GByteArray *b)
{
  emb_test_put_str (b, "alpha 1.5 -2\nbeta 3 4\ngamma 5 6\n");
}

static void
cuts_word2vec_text (CutSpec *s, GByteArray *b)
{
  emb_test_put_str (b, "3 2\nalpha 1.5 -2\nbeta 3 4\ngamma 5 6\n");
}

static void
cuts_word2vec_binary (CutSpec *s, GByteArray *b)
{
  emb_test_put_str (b, "2 2\nalpha ");
  put_floats (b, six, 2);
  emb_test_put_str (b, "\nbeta ");
  put_floats (b, six + 2, 2);
  emb_test_put_str (b, "\n");
}

static void
cuts_npy (CutSpec *s, GByteArray *b)
{
  s->data_start = npy_valid (b);
}

static void
cuts_projector_tsv (CutSpec *s, GByteArray *b)
{
  emb_test_put_str (b, "0.5\t-1.5\n3\t4\n5\t6\n");
}

static void
cuts_projector_bytes (CutSpec *s, GByteArray *b)
{
  put_floats (b, six, 6);
}

static void
cuts_projector_config (CutSpec *s, GByteArray *b)
{
  g_autoptr(GByteArray) t = g_byte_array_new ();
  g_autofree char *json = NULL;

  put_floats (t, six, 6);
  emb_test_write ("cut-t.bytes", t->data, t->len);
  json = g_strdup_printf ("{\"embeddings\": [{\"tensorName\": \"t\", \"tensorPath\": \"%s\", "
                          "\"tensorShape\": [2, 3]}]}\n", "cut-t.bytes");
  emb_test_put_str (b, json);
}

static void
cuts_safetensors (CutSpec *s, GByteArray *b)
{
  s->data_start = st_header (b, ST_W);
  put_floats (b, six, 6);
}

static void
cuts_safetensors_index (CutSpec *s, GByteArray *b)
{
  g_autoptr(GByteArray) shard = g_byte_array_new ();

  st_header (shard, ST_W);
  put_floats (shard, six, 6);
  emb_test_write ("cut-shard.safetensors", shard->data, shard->len);
  emb_test_put_str (b, "{\"metadata\": {\"total_size\": 24},\n"
              " \"weight_map\": {\"w\": \"cut-shard.safetensors\"}}\n");
}

static void
cuts_gguf (CutSpec *s, GByteArray *b)
{
  s->data_start = gguf_valid (b, two_tokens, six, &s->infos_end);
}

static void
cuts_vocab_lines (CutSpec *s, GByteArray *b)
{
  emb_test_put_str (b, "alpha\nbeta\n");
}

static void
cuts_tokenizer (CutSpec *s, GByteArray *b)
{
  emb_test_put_str (b, "{\"version\": \"1.0\",\n"
              " \"added_tokens\": [{\"id\": 1, \"content\": \"[SEP]\", \"special\": true}],\n"
              " \"model\": {\"type\": \"WordPiece\", \"vocab\": {\"alpha\": 0, \"[SEP]\": 1}}}\n");
}

static void
cuts_vocab_gguf (CutSpec *s, GByteArray *b)
{
  gguf_head (b, 3, 0, 1);
  gguf_tokens (b, two_tokens, 2);
}

typedef struct
{
  CutSpec spec;
  void  (*build) (CutSpec *s, GByteArray *b);
} CutCase;

static const CutCase cut_cases[] = {
  { { "glove", ".txt", FALSE, FALSE, 0, 0, rule_text_rows }, cuts_glove },
  { { "word2vec-text", ".vec", FALSE, FALSE, 0, 0, rule_word2vec_text }, cuts_word2vec_text },
  { { "word2vec-binary", ".bin", FALSE, FALSE, 0, 0, rule_upto_cut }, cuts_word2vec_binary },
  { { "npy", ".npy", FALSE, TRUE, 0, 0, rule_npy }, cuts_npy },
  { { "projector-tsv", ".tsv", FALSE, FALSE, 0, 0, rule_text_rows }, cuts_projector_tsv },
  { { "projector-bytes", ".bytes", FALSE, TRUE, 2, 3, rule_bytes }, cuts_projector_bytes },
  { { "projector-config", "-config.json", FALSE, TRUE, 0, 0, rule_json }, cuts_projector_config },
  { { "safetensors", ".safetensors", FALSE, TRUE, 0, 0, rule_safetensors }, cuts_safetensors },
  { { "safetensors-index", "-model.safetensors.index.json", FALSE, FALSE, 0, 0, rule_upto_cut },
    cuts_safetensors_index },
  { { "gguf", ".gguf", FALSE, TRUE, 0, 0, rule_gguf }, cuts_gguf },
  { { "vocab-lines", "-vocab.txt", TRUE, TRUE, 0, 0, rule_vocab_lines }, cuts_vocab_lines },
  { { "tokenizer.json", "-tokenizer.json", TRUE, TRUE, 0, 0, rule_json }, cuts_tokenizer },
  { { "vocab-gguf", "-vocab.gguf", TRUE, TRUE, 0, 0, rule_gguf }, cuts_vocab_gguf },
};

/* Replaces the contents of the file at path in place.  Neither a rename
 * nor a truncation to zero: on ext4 either makes the kernel flush the
 * file to disk, milliseconds per cut. */
static void
rewrite (const char   *path,
         const guint8 *data,
         gsize         len)
{
  int fd = g_open (path, O_WRONLY | O_CLOEXEC, 0);

  g_assert_no_errno (fd < 0 ? -1 : 0);
  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  g_assert_no_errno (ftruncate (fd, len));
  g_assert_no_errno (close (fd));
}

/* Cuts a small valid file at every byte (the empty file is its own
 * test) and checks each cut against the format's rule. */
static void
test_cuts (gconstpointer data)
{
  const CutCase *cc = data;
  CutSpec spec = cc->spec;
  g_autoptr(GByteArray) full = g_byte_array_new ();
  g_autofree char *name = NULL;
  const char *path, *load_path;
  EmbLoadOptions options = { 0 };
  guint n_failed = 0, n_loaded = 0;
  gsize len;

  cc->build (&spec, full);
  len = full->len;
  name = g_strdup_printf ("cut-%s%s", spec.vocab ? "v" : "", spec.ext);
  path = emb_test_write (name, full->data, len);
  load_path = path;
  options.format = spec.format;
  options.shape_rows = spec.shape_rows;
  options.shape_cols = spec.shape_cols;
  if (spec.vocab)
    {
      load_path = write_matrix ("cut");
      options.format = "npy";
      options.vocab_path = path;
    }

  /* The whole file loads. */
  {
    g_autoptr(EmbDataset) ds = load_ok (spec.format, load_path, &options);
    g_assert_cmpuint (ds->matrix->n_rows, >=, 2);
  }

  for (gsize cut = 1; cut < len; cut++)
    {
      g_autofree char *what = g_strdup_printf ("%s | cut at byte %zu of %zu", spec.format, cut, len);
      g_autoptr(GError) error = NULL;
      CutExpect x = { CUT_FAILS, 0, { -1, FALSE, AT_FILE, POS_EXACT, { 0, 0 }, NULL } };
      GError *local = NULL;
      EmbDataset *ds;

      rewrite (path, full->data, cut);
      spec.rule (&spec, full->data, len, cut, &x);
      ds = timed_load (what, load_path, &options, &local);
      error = local;

      if (ds != NULL)
        {
          n_loaded++;
          if (x.outcome == CUT_FAILS)
            fail ("%s: loaded (%zu rows), expected an error",
                  what, ds->matrix->n_rows);
          else if (ds->matrix->n_rows != x.rows ||
                   ds->matrix->n_rows != emb_vocab_size (ds->vocab))
            fail ("%s: loaded %zu rows and %zu tokens, expected %zu",
                  what, ds->matrix->n_rows, emb_vocab_size (ds->vocab), x.rows);
          emb_dataset_unref (ds);
        }
      else
        {
          n_failed++;
          if (x.outcome == CUT_LOADS)
            fail ("%s: expected %zu rows, got: %s",
                  what, x.rows, error != NULL ? error->message : "no error");
          else
            check_failure (what, path, NULL, error, &x.e);
        }

      /* A sample of the messages: inside the first bytes, a third and
       * two thirds in, and one byte short. */
      if (error != NULL && (cut == 3 || cut == len / 3 || cut == 2 * len / 3 || cut == len - 2))
        g_test_message ("%s | %s", what, error->message);

      if (spec.detect)
        {
          g_autoptr(GError) detected = NULL;
          const char *format = options.format;

          options.format = NULL;
          ds = timed_load (what, load_path, &options, &detected);
          options.format = format;
          if ((ds == NULL) != (error != NULL) ||
              (error != NULL && !g_str_equal (error->message, detected->message)))
            fail ("%s: detection gives another result: %s", what,
                  detected != NULL ? detected->message : "it loads");
          g_clear_pointer (&ds, emb_dataset_unref);
        }
    }
  g_test_message ("%s | cut at each of %zu bytes | %u refused, %u loaded",
                  spec.format, len - 1, n_failed, n_loaded);
}

void
malformed_add_cut_tests (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cut_cases); i++)
    {
      g_autofree char *test = g_strdup_printf ("/malformed/truncated/%s", cut_cases[i].spec.format);

      g_test_add_data_func (test, &cut_cases[i], test_cuts);
    }
}
