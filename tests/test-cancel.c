/* test-cancel.c: a load can be cancelled at any point, in every reader.
 *
 * Each reader gets the same 65,536 x 64 matrix (16 MB as float32, more as
 * text or float64), written here in its format.  A whole load reports its
 * progress often enough that no more than a few MB go by between two
 * reports (each report is also a poll of the cancellable), and a cancel
 * made in any report but the last ends the load with
 * G_IO_ERROR_CANCELLED, no dataset and no report after it.
 */
#include <math.h>
#include <string.h>

#include "emb-test-util.h"

#define ROWS 65536
#define COLS 64

/* The most file bytes one report may cover, per thread reading: the text
 * readers parse one part of the file per core (at least 2), each polling
 * every 4 MB, and report for the part the loading thread parses; a poll
 * falls at the end of a line or a header comes first, so a little more. */
#define MAX_BYTES_PER_REPORT ((8u << 20) + 4096)
#define MAX_TEXT_BYTES_PER_THREAD ((4u << 20) + 4096)

/* Every value is a multiple of 1/64 between -1.5625 and 1.5625: exact in
 * float16, bfloat16 and short decimal text. */
static float
value_at (gsize i,
          gsize j)
{
  return (float) ((int) ((i * 31 + j * 7) % 201) - 100) / 64.0f;
}

/* auxiliary functions: the files */

/* Half and bfloat16 bits of a value_at () value, by hand: no rounding is
 * needed as the significands have at most 7 bits. */
static guint16
half_bits (float f)
{
  guint32 u, sign, exp;

  if (f == 0.0f)
    return 0;
  memcpy (&u, &f, 4);
  sign = (u >> 16) & 0x8000u;
  exp = ((u >> 23) & 0xffu) - 127 + 15;
  return (guint16) (sign | (exp << 10) | ((u >> 13) & 0x3ffu));
}

static guint16
bf16_bits (float f)
{
  guint32 u;

  memcpy (&u, &f, 4);
  return (guint16) (u >> 16);
}

typedef enum { AS_F32, AS_F16, AS_BF16, AS_F64_BE } Cells;

static void
put_cells (GByteArray *b,
           Cells       cells)
{
  for (gsize i = 0; i < ROWS; i++)
    for (gsize j = 0; j < COLS; j++)
      {
        float v = value_at (i, j);

        switch (cells)
          {
          case AS_F32:
            emb_test_put_f32 (b, v);
            break;
          case AS_F16:
            emb_test_put_u16 (b, half_bits (v));
            break;
          case AS_BF16:
            emb_test_put_u16 (b, bf16_bits (v));
            break;
          case AS_F64_BE:
            {
              double x = v;
              guint64 u;

              memcpy (&u, &x, 8);
              u = GUINT64_TO_BE (u);
              g_byte_array_append (b, (const guint8 *) &u, 8);
            }
            break;
          default:
            g_assert_not_reached ();
          }
      }
}

static void
put_text (GByteArray *b,
          const char *s)
{
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

/* One line per row: an optional token, then the values, sep between. */
static void
put_text_rows (GByteArray *b,
               gboolean    tokens,
               char        sep)
{
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  for (gsize i = 0; i < ROWS; i++)
    {
      g_autofree char *tok = tokens ? g_strdup_printf ("w%zu", i) : NULL;

      if (tokens)
        put_text (b, tok);
      for (gsize j = 0; j < COLS; j++)
        {
          if (tokens || j > 0)
            g_byte_array_append (b, (const guint8 *) &sep, 1);
          put_text (b, g_ascii_formatd (num, sizeof num, "%.7g", value_at (i, j)));
        }
      put_text (b, "\n");
    }
}

static GByteArray *
make_glove (void)
{
  GByteArray *b = g_byte_array_new ();

  put_text_rows (b, TRUE, ' ');
  return b;
}

static GByteArray *
make_word2vec_text (void)
{
  GByteArray *b = g_byte_array_new ();
  g_autofree char *header = g_strdup_printf ("%d %d\n", ROWS, COLS);

  put_text (b, header);
  put_text_rows (b, TRUE, ' ');
  return b;
}

static GByteArray *
make_projector_tsv (void)
{
  GByteArray *b = g_byte_array_new ();

  put_text_rows (b, FALSE, '\t');
  return b;
}

static GByteArray *
make_word2vec_binary (void)
{
  GByteArray *b = g_byte_array_new ();
  g_autofree char *header = g_strdup_printf ("%d %d\n", ROWS, COLS);

  put_text (b, header);
  for (gsize i = 0; i < ROWS; i++)
    {
      g_autofree char *tok = g_strdup_printf ("w%zu ", i);

      put_text (b, tok);
      for (gsize j = 0; j < COLS; j++)
        emb_test_put_f32 (b, value_at (i, j));
      put_text (b, "\n");
    }
  return b;
}

/* NumPy format 1.0: magic, version, header length, a dict padded with
 * spaces and ended by '\n' so the data starts at a multiple of 64. */
static GByteArray *
make_npy (const char *descr,
          Cells       cells)
{
  GByteArray *b = g_byte_array_new ();
  g_autoptr(GString) dict = g_string_new (NULL);

  g_string_printf (dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }",
                   descr, ROWS, COLS);
  while ((10 + dict->len + 1) % 64 != 0)
    g_string_append_c (dict, ' ');
  g_string_append_c (dict, '\n');
  g_byte_array_append (b, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  emb_test_put_u16 (b, (guint16) dict->len);
  put_text (b, dict->str);
  put_cells (b, cells);
  return b;
}

static GByteArray *
make_npy_f32 (void)
{
  return make_npy ("<f4", AS_F32);
}

static GByteArray *
make_npy_f16 (void)
{
  return make_npy ("<f2", AS_F16);
}

static GByteArray *
make_npy_f64_be (void)
{
  return make_npy (">f8", AS_F64_BE);
}

static GByteArray *
make_bytes (void)
{
  GByteArray *b = g_byte_array_new ();

  put_cells (b, AS_F32);
  return b;
}

/* safetensors: the header's length (u64), the JSON header, the data. */
static GByteArray *
make_safetensors (const char *dtype,
                  Cells       cells,
                  gsize       cell_size)
{
  GByteArray *b = g_byte_array_new ();
  g_autofree char *header = g_strdup_printf (
    "{\"wte\":{\"dtype\":\"%s\",\"shape\":[%d,%d],\"data_offsets\":[0,%zu]}}",
    dtype, ROWS, COLS, (gsize) ROWS * COLS * cell_size);

  emb_test_put_u64 (b, strlen (header));
  put_text (b, header);
  put_cells (b, cells);
  return b;
}

static GByteArray *
make_safetensors_f32 (void)
{
  return make_safetensors ("F32", AS_F32, 4);
}

static GByteArray *
make_safetensors_bf16 (void)
{
  return make_safetensors ("BF16", AS_BF16, 2);
}

/* GGUF v3: magic, version, one tensor, no metadata; the tensor's info
 * (name, two dimensions in ggml order: columns first, type, offset 0),
 * then the data at the default 32-byte alignment. */
static GByteArray *
make_gguf (guint32 ggml_type,
           Cells   cells)
{
  GByteArray *b = g_byte_array_new ();
  const char *name = "token_embd.weight";

  put_text (b, "GGUF");
  emb_test_put_u32 (b, 3);
  emb_test_put_u64 (b, 1);
  emb_test_put_u64 (b, 0);
  emb_test_put_u64 (b, strlen (name));
  put_text (b, name);
  emb_test_put_u32 (b, 2);
  emb_test_put_u64 (b, COLS);
  emb_test_put_u64 (b, ROWS);
  emb_test_put_u32 (b, ggml_type);
  emb_test_put_u64 (b, 0);
  while (b->len % 32 != 0)
    emb_test_put_u8 (b, 0);
  put_cells (b, cells);
  return b;
}

static GByteArray *
make_gguf_f32 (void)
{
  return make_gguf (0, AS_F32);
}

static GByteArray *
make_gguf_f16 (void)
{
  return make_gguf (1, AS_F16);
}

typedef struct
{
  const char   *name;       /* the file's name: its extension picks the reader */
  const char   *format;     /* the reader expected (checked against detection) */
  GByteArray *(*make) (void);
  gboolean      shaped;     /* raw .bytes: the shape comes from the options */
  gboolean      parallel;   /* parsed by one thread per core */
} Case;

static const Case cases[] = {
  { "glove.txt",        "glove",            make_glove,            FALSE, TRUE },
  { "text.vec",         "word2vec-text",    make_word2vec_text,    FALSE, TRUE },
  { "vectors.bin",      "word2vec-binary",  make_word2vec_binary,  FALSE },
  { "f32.npy",          "npy",              make_npy_f32,          FALSE },
  { "f16.npy",          "npy",              make_npy_f16,          FALSE },
  { "f64be.npy",        "npy",              make_npy_f64_be,       FALSE },
  { "tensors.tsv",      "projector-tsv",    make_projector_tsv,    FALSE },
  { "tensors.bytes",    "projector-bytes",  make_bytes,            TRUE },
  { "f32.safetensors",  "safetensors",      make_safetensors_f32,  FALSE },
  { "bf16.safetensors", "safetensors",      make_safetensors_bf16, FALSE },
  { "f32.gguf",         "gguf",             make_gguf_f32,         FALSE },
  { "f16.gguf",         "gguf",             make_gguf_f16,         FALSE },
};

/* auxiliary functions: watching a load */

typedef struct
{
  GCancellable *cancellable;
  GArray       *fractions;   /* every report, in order */
  guint         cancel_at;   /* cancel in this report (1-based); 0: never */
  guint         after;       /* reports that came after the cancel */
  GMutex        lock;
} Watch;

static void
on_progress (double   fraction,
             gpointer user_data)
{
  Watch *w = user_data;

  g_mutex_lock (&w->lock);
  if (g_cancellable_is_cancelled (w->cancellable))
    w->after++;
  g_array_append_val (w->fractions, fraction);
  if (w->fractions->len == w->cancel_at)
    g_cancellable_cancel (w->cancellable);
  g_mutex_unlock (&w->lock);
}

static EmbDataset *
watched_load (const char           *path,
              const EmbLoadOptions *options,
              Watch                *w,
              guint                 cancel_at,
              GError              **error)
{
  g_clear_object (&w->cancellable);
  w->cancellable = g_cancellable_new ();
  g_array_set_size (w->fractions, 0);
  w->cancel_at = cancel_at;
  w->after = 0;
  return emb_dataset_load (path, options, w->cancellable, on_progress, w, error);
}

/* test cases */

static void
test_cancel_anywhere (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GByteArray) bytes = c->make ();
  EmbLoadOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  Watch w = { 0 };
  EmbDataset *ds;
  const char *path;
  double largest = 0.0;
  guint reports;

  g_mutex_init (&w.lock);
  w.fractions = g_array_new (FALSE, FALSE, sizeof (double));
  if (c->shaped)
    {
      options.shape_rows = ROWS;
      options.shape_cols = COLS;
    }
  path = emb_test_write (c->name, bytes->data, bytes->len);

  /* The whole load: the right matrix, reports from 0 to 1 in order. */
  ds = watched_load (path, &options, &w, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  g_assert_cmpstr (ds->format, ==, c->format);
  g_assert_cmpuint (ds->matrix->n_rows, ==, ROWS);
  g_assert_cmpuint (ds->matrix->n_cols, ==, COLS);
  for (gsize i = 0; i < ROWS; i += 4097)
    for (gsize j = 0; j < COLS; j += 5)
      g_assert_cmpfloat (ds->matrix->data[i * COLS + j], ==, value_at (i, j));
  g_assert_cmpfloat (ds->matrix->data[(gsize) ROWS * COLS - 1], ==, value_at (ROWS - 1, COLS - 1));
  emb_dataset_unref (ds);

  reports = w.fractions->len;
  g_assert_cmpuint (reports, >=, 2);
  g_assert_cmpfloat (g_array_index (w.fractions, double, 0), ==, 0.0);
  g_assert_cmpfloat (g_array_index (w.fractions, double, reports - 1), ==, 1.0);
  for (guint k = 1; k < reports; k++)
    {
      double step = g_array_index (w.fractions, double, k) - g_array_index (w.fractions, double, k - 1);

      g_assert_cmpfloat (step, >=, 0.0);
      largest = MAX (largest, step);
    }
  g_test_message ("%s: %u bytes, %u reports, at most %.1f MB between two",
                  c->name, bytes->len, reports, largest * bytes->len / 1048576.0);
  if (c->parallel)
    g_assert_cmpfloat (largest * bytes->len, <=,
                       (double) MAX_TEXT_BYTES_PER_THREAD * MAX (2, g_get_num_processors ()));
  else
    g_assert_cmpfloat (largest * bytes->len, <=, MAX_BYTES_PER_REPORT);

  /* A cancel in any report but the last stops the load there. */
  for (guint k = 1; k < reports; k++)
    {
      g_clear_error (&error);
      ds = watched_load (path, &options, &w, k, &error);
      if (ds != NULL)
        g_error ("%s: cancelled in report %u of %u, the load still finished", c->name, k, reports);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpuint (w.after, ==, 0);
    }

  g_clear_object (&w.cancellable);
  g_array_unref (w.fractions);
  g_mutex_clear (&w.lock);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/cancel/%s", cases[i].name);

      g_test_add_data_func (name, &cases[i], test_cancel_anywhere);
    }
  return g_test_run ();
}
