/* bench-llm.c: language-model token tables in safetensors.
 *
 * Usage: bench-llm [SCALE]
 * Writes two synthetic checkpoints into $EMB_BENCH_TMP (else a fresh
 * temporary folder) and deletes them afterwards:
 *   GPT-2 size:  transformer.wte.weight     F32 [50257, 768]   (154 MB)
 *   Llama 3 size: model.embed_tokens.weight F16 [128256, 4096] (1.05 GB)
 * each followed by a small norm tensor, as real files have.  For each file
 * a forked child times the open (emb_dataset_load, to data: the header,
 * the nan/inf scan, and for F16 the conversion), the first PCA result
 * (10 components over every row), building the cosine index and one top-10
 * query, and reports its memory: after the open, the anonymous part (what
 * was copied) and the file-backed part (mapped pages touched) apart, then
 * the peak.  SCALE (default 1) divides the row counts, for a quick run.
 *
 * The files have just been written, so their pages are in the page cache:
 * the open is timed warm, as a second open of a downloaded model would be.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "io/emb-dataset.h"
#include "analysis/emb-knn.h"
#include "analysis/emb-pca.h"

#define OPEN_RUNS 3

typedef struct
{
  const char *label;
  const char *file;
  const char *tensor;
  const char *dtype;
  gsize       rows;
  gsize       cols;
  const char *pca_target;
} Case;

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* xorshift64*: fast, and the same matrix on every run. */
static inline guint64
next_random (guint64 *state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 0x2545f4914f6cdd1dull;
}

/* A value like a trained embedding's: roughly symmetric around 0 with a
 * spread of about 0.02 (the sum of two uniforms), plus a per-row offset
 * along a few shared directions so that the PCA has something to find. */
static inline float
synthetic_value (guint64 *state,
                 gsize    j,
                 float    row_weight)
{
  guint64 r = next_random (state);
  float a = (float) (r >> 40) * 0x1p-24f, b = (float) (r & 0xffffff) * 0x1p-24f;

  return (a + b - 1.0f) * 0.035f + (j % 97 == 0 ? row_weight : 0.0f);
}

/* float32 to binary16, rounding to nearest even; the synthetic values are
 * far inside the half range, and those below its normal range flush to 0. */
static guint16
float_to_half (float f)
{
  guint32 u, sign, mant;
  gint32 e;

  memcpy (&u, &f, 4);
  sign = (u >> 16) & 0x8000;
  e = (gint32) ((u >> 23) & 0xff) - 127 + 15;
  mant = u & 0x7fffff;
  if (e <= 0)
    return sign;
  if (e >= 31)
    return sign | 0x7bff;
  {
    guint32 h = ((guint32) e << 10) | (mant >> 13);
    guint32 rest = mant & 0x1fff;

    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
      h++;
    return sign | h;
  }
}

static void
die (const char *what,
     GError     *error)
{
  g_printerr ("bench-llm: %s: %s\n", what, error != NULL ? error->message : g_strerror (errno));
  exit (1);
}

/* Writes the checkpoint: header (padded to a multiple of 8, as the
 * official writer does), the table, then a [cols] norm tensor of ones. */
static void
write_checkpoint (const char *path,
                  const Case *c)
{
  gboolean half = g_str_equal (c->dtype, "F16");
  gsize item = half ? 2 : 4;
  guint64 table = (guint64) c->rows * c->cols * item, norm = (guint64) c->cols * item;
  g_autoptr(GString) header = g_string_new (NULL);
  guint64 n_le;
  FILE *f;
  guint8 *buf;
  guint64 state = 0x9e3779b97f4a7c15ull;

  g_string_printf (header,
                   "{\"__metadata__\":{\"format\":\"pt\"},"
                   "\"%s\":{\"dtype\":\"%s\",\"shape\":[%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT "],"
                   "\"data_offsets\":[0,%" G_GUINT64_FORMAT "]},"
                   "\"norm.weight\":{\"dtype\":\"%s\",\"shape\":[%" G_GSIZE_FORMAT "],"
                   "\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}}",
                   c->tensor, c->dtype, c->rows, c->cols, table,
                   c->dtype, c->cols, table, table + norm);
  while ((8 + header->len) % 8 != 0)
    g_string_append_c (header, ' ');

  f = g_fopen (path, "wb");
  if (f == NULL)
    die (path, NULL);
  n_le = GUINT64_TO_LE ((guint64) header->len);
  fwrite (&n_le, 8, 1, f);
  fwrite (header->str, 1, header->len, f);

  buf = g_malloc (c->cols * item);
  for (gsize i = 0; i <= c->rows; i++)
    {
      /* Row `rows` is the norm tensor. */
      float row_weight = i < c->rows ? (float) ((i * 7919) % 101) * 0.002f - 0.1f : 0.0f;

      for (gsize j = 0; j < c->cols; j++)
        {
          float v = i < c->rows ? synthetic_value (&state, j, row_weight) : 1.0f;

          if (half)
            {
              guint16 h = GUINT16_TO_LE (float_to_half (v));
              memcpy (buf + 2 * j, &h, 2);
            }
          else
            {
              guint32 u;
              memcpy (&u, &v, 4);
              u = GUINT32_TO_LE (u);
              memcpy (buf + 4 * j, &u, 4);
            }
        }
      if (fwrite (buf, item, c->cols, f) != c->cols)
        die (path, NULL);
    }
  g_free (buf);
  if (fclose (f) != 0)
    die (path, NULL);
}

/* A "Name:  1234 kB" line of /proc/self/status, in MB. */
static double
status_mb (const char *key)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL) ||
      (line = strstr (text, key)) == NULL)
    return -1;
  return g_ascii_strtod (line + strlen (key), NULL) / 1024.0;
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The measurements, in a child process so that its peak RSS is this
 * file's alone. */
static void
measure (const char *path,
         const Case *c)
{
  g_autoptr(GError) error = NULL;
  EmbDataset *ds = NULL;
  EmbPca *pca;
  EmbKnnIndex *index;
  EmbNeighbor nb[10];
  double t, open_s[OPEN_RUNS], pca_s, index_s, query_s, anon, file;
  struct rusage ru;

  for (int r = 0; r < OPEN_RUNS; r++)
    {
      g_clear_pointer (&ds, emb_dataset_unref);
      t = now ();
      ds = emb_dataset_load (path, NULL, NULL, NULL, NULL, &error);
      open_s[r] = now () - t;
      if (ds == NULL)
        die (path, error);
    }
  qsort (open_s, OPEN_RUNS, sizeof (double), compare_double);
  anon = status_mb ("RssAnon:");
  file = status_mb ("RssFile:");
  if (ds->matrix->n_rows != c->rows || ds->matrix->n_cols != c->cols ||
      !g_str_equal (ds->tensor, c->tensor))
    {
      g_printerr ("bench-llm: %s: read %s as %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT "\n",
                  path, ds->tensor, ds->matrix->n_rows, ds->matrix->n_cols);
      exit (1);
    }

  t = now ();
  pca = emb_pca_compute (ds->matrix, 10, NULL, &error);
  pca_s = now () - t;
  if (pca == NULL)
    die ("PCA", error);

  t = now ();
  index = emb_knn_index_new (ds->matrix);
  index_s = now () - t;
  t = now ();
  emb_knn_query_row (index, 1, EMB_METRIC_COSINE, 10, nb);
  query_s = now () - t;
  getrusage (RUSAGE_SELF, &ru);

  printf ("%s: %s %s [%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "], %s\n",
          c->label, c->tensor, c->dtype, c->rows, c->cols,
          emb_matrix_is_view (ds->matrix) ? "zero-copy view" : "converted copy");
  printf ("  open to data (median of %d)   %8.3f s\n", OPEN_RUNS, open_s[OPEN_RUNS / 2]);
  printf ("  memory after open             %8.0f MB anonymous (copied), %.0f MB file pages\n",
          anon, file);
  printf ("  PCA, 10 components, all rows  %8.3f s   %s\n", pca_s, c->pca_target);
  printf ("  cosine index (normalised copy)%8.3f s\n", index_s);
  printf ("  one cosine top-10 query       %8.2f ms\n", query_s * 1e3);
  printf ("  peak RSS                      %8.0f MB (the float32 matrix is %.0f MB)\n",
          ru.ru_maxrss / 1024.0, c->rows * c->cols * 4 / 1048576.0);
  fflush (stdout);

  emb_knn_index_free (index);
  emb_pca_free (pca);
  emb_dataset_unref (ds);
}

int
main (int   argc,
      char *argv[])
{
  gsize scale = argc > 1 ? MAX (1, atoi (argv[1])) : 1;
  Case cases[] = {
    { "GPT-2", "gpt2.safetensors", "transformer.wte.weight", "F32", 50257, 768, "(target <= 0.5 s)" },
    { "Llama 3", "llama3.safetensors", "model.embed_tokens.weight", "F16", 128256, 4096, "" },
  };
  g_autofree char *made = NULL;
  const char *dir = g_getenv ("EMB_BENCH_TMP");

  if (dir == NULL)
    {
      g_autoptr(GError) error = NULL;

      made = g_dir_make_tmp ("embedlens-bench-llm-XXXXXX", &error);
      if (made == NULL)
        die ("temporary folder", error);
      dir = made;
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].file, NULL);
      double t;
      pid_t pid;
      int status;

      cases[i].rows /= scale;
      t = now ();
      write_checkpoint (path, &cases[i]);
      printf ("(wrote %s in %.1f s)\n", path, now () - t);
      fflush (stdout);

      pid = fork ();
      if (pid == 0)
        {
          measure (path, &cases[i]);
          _exit (0);
        }
      if (pid < 0 || waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) ||
          WEXITSTATUS (status) != 0)
        {
          g_unlink (path);
          g_printerr ("bench-llm: the measurement of %s failed\n", cases[i].file);
          return 1;
        }
      g_unlink (path);
    }
  if (made != NULL)
    g_rmdir (made);
  return 0;
}
