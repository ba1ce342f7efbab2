/* test-mapped.c: guarded file mappings (base/emb-mapped) when the file
 * is cut short or changed under them.
 *
 * A mapping whose file is truncated reads as zeros instead of killing the
 * process, and says it is no longer intact; a file that changes size or
 * time is noticed too; a fault outside any guarded mapping still kills
 * the process as before.  And a .npy truncated from another thread while
 * it loads, twenty times: each load ends with the file's values or with a
 * clear error, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "base/emb-mapped.h"
#include "io/emb-dataset.h"
#include "emb-test-util.h"

#define PAGES 16

/* A file of n bytes, each 0xab. */
static const char *
write_filled (const char *name,
              gsize       n)
{
  g_autofree guint8 *data = g_malloc (n);

  memset (data, 0xab, n);
  return emb_test_write (name, data, n);
}

static GBytes *
map_file (const char *path)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  struct stat st;
  GBytes *bytes;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fstat (fd, &st), ==, 0);
  bytes = emb_mapped_new (fd, st.st_size);
  g_assert_nonnull (bytes);
  close (fd);
  return bytes;
}

static void
test_cut_short_reads_zeros (void)
{
  gsize page = sysconf (_SC_PAGESIZE), n = PAGES * page, size, nonzero = 0;
  const char *path = write_filled ("cut.bin", n);
  g_autoptr(GBytes) bytes = map_file (path);
  const volatile guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, ==, n);
  g_assert_cmpuint (data[0], ==, 0xab);
  g_assert_true (emb_mapped_is_intact (bytes));

  /* Cut to one page: the last page lies past the end and faults. */
  g_assert_cmpint (truncate (path, page), ==, 0);
  g_assert_cmpuint (data[n - 1], ==, 0);
  g_assert_false (emb_mapped_is_intact (bytes));
  /* The whole mapping reads as zeros now, even the page still in the file. */
  for (gsize i = 0; i < n; i++)
    nonzero += data[i] != 0;
  g_assert_cmpuint (nonzero, ==, 0);
}

static void
test_changed_in_place (void)
{
  const char *grown = write_filled ("grown.bin", 3 * 4096);
  const char *touched = write_filled ("touched.bin", 3 * 4096);
  g_autoptr(GBytes) a = map_file (grown);
  g_autoptr(GBytes) b = map_file (touched);
  g_autoptr(GBytes) plain = g_bytes_new ("abc", 3);
  struct timespec times[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
  FILE *f;

  g_assert_true (emb_mapped_is_intact (a));
  g_assert_true (emb_mapped_is_intact (b));
  g_assert_true (emb_mapped_is_intact (plain));

  /* Longer: a save that writes more than there was. */
  f = fopen (grown, "ab");
  g_assert_nonnull (f);
  fputc ('x', f);
  fclose (f);
  g_assert_false (emb_mapped_is_intact (a));

  /* Same size, another time: rewritten in place. */
  g_assert_cmpint (utimensat (AT_FDCWD, touched, times, 0), ==, 0);
  g_assert_false (emb_mapped_is_intact (b));
  g_assert_true (emb_mapped_is_intact (plain));
}

/* A fault in a mapping that is not guarded: the handler is installed (a
 * guarded mapping exists) but must not swallow it. */
static void
test_other_fault_still_kills (void)
{
  if (g_test_subprocess ())
    {
      gsize page = sysconf (_SC_PAGESIZE);
      const char *guarded = write_filled ("guarded.bin", 2 * page);
      const char *plain = write_filled ("plain.bin", 2 * page);
      g_autoptr(GBytes) bytes = map_file (guarded);
      int fd = g_open (plain, O_RDONLY | O_CLOEXEC, 0);
      const volatile guint8 *raw = mmap (NULL, 2 * page, PROT_READ, MAP_PRIVATE, fd, 0);

      g_assert_true (raw != MAP_FAILED);
      g_assert_cmpint (truncate (plain, 0), ==, 0);
      g_print ("reading\n");
      g_print ("read %u\n", raw[page]);
      g_print ("survived\n");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*reading*");
  g_test_trap_assert_stdout_unmatched ("*survived*");
}

/* The bytes of a .npy of rows x cols float32, value (i * 7 + j * 3) % 101
 * at (i, j). */
static GByteArray *
npy_bytes (gsize rows,
           gsize cols)
{
  GByteArray *b = g_byte_array_new ();
  g_autofree float *values = g_new (float, rows * cols);

  emb_test_put_npy_f32_header (b, rows, cols);
  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < cols; j++)
      values[i * cols + j] = (float) ((i * 7 + j * 3) % 101);
  g_byte_array_append (b, (const guint8 *) values, rows * cols * sizeof (float));
  return b;
}

/* Rewrites path in place (no fsync, unlike g_file_set_contents). */
static void
write_in_place (const char       *path,
                const GByteArray *b)
{
  FILE *f = fopen (path, "wb");

  g_assert_nonnull (f);
  g_assert_cmpuint (fwrite (b->data, 1, b->len, f), ==, b->len);
  g_assert_cmpint (fclose (f), ==, 0);
}

typedef struct
{
  const char *path;
  gulong      delay_us;
  off_t       size;     /* -1: left alone */
} Cut;

static gpointer
cut_thread (gpointer data)
{
  Cut *cut = data;

  g_usleep (cut->delay_us);
  if (cut->size >= 0)
    g_assert_cmpint (truncate (cut->path, cut->size), ==, 0);
  return NULL;
}

static void
test_load_while_cut (void)
{
  const gsize rows = 8192, cols = 1024;
  g_autofree char *path = g_build_filename (emb_test_tmpdir (), "cut.npy", NULL);
  g_autoptr(GByteArray) npy = npy_bytes (rows, cols);
  guint loaded = 0, changed = 0;

  for (guint t = 0; t < 20; t++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EmbDataset) ds = NULL;
      /* Every fifth time the file is left alone. */
      Cut cut = { path, t * 750, t % 5 == 4 ? -1 : (off_t) ((t % 4) * rows * cols) };
      GThread *thread;

      write_in_place (path, npy);
      thread = g_thread_new ("cut", cut_thread, &cut);
      ds = emb_dataset_load (path, NULL, NULL, NULL, NULL, &error);
      /* The rows are read once more after the cut, as a query would. */
      if (ds != NULL)
        {
          double sum = 0;
          for (gsize k = 0; k < rows * cols; k += 1024)
            sum += ds->matrix->data[k];
          g_assert_cmpfloat (sum, >=, 0);
        }
      g_thread_join (thread);

      if (ds != NULL && emb_dataset_check_unchanged (ds, &error))
        {
          /* Untouched by the cut (it came after): the file's values. */
          for (gsize i = 0; i < rows; i += 997)
            g_assert_cmpfloat (emb_matrix_row (ds->matrix, i)[5], ==, (float) ((i * 7 + 15) % 101));
          loaded++;
          continue;
        }
      g_assert_nonnull (error);
      g_test_message ("cut after %lu us: %s", cut.delay_us, error->message);
      emb_test_assert_contains (error->message, path);
      if (g_error_matches (error, EMB_ERROR, EMB_ERROR_CHANGED))
        {
          emb_test_assert_contains (error->message, "changed on disk");
          changed++;
        }
      else
        /* Cut before the reader looked: a file too short for its header. */
        g_assert_true (error->domain == EMB_ERROR);
    }
  g_test_message ("%u loads whole, %u told the file changed", loaded, changed);
  /* After the load, every cut reaches the check. */
  g_assert_cmpuint (changed, >, 0);
  g_assert_cmpuint (loaded, ==, 4);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mapped/cut-short-reads-zeros", test_cut_short_reads_zeros);
  g_test_add_func ("/mapped/changed-in-place", test_changed_in_place);
  g_test_add_func ("/mapped/other-fault-still-kills", test_other_fault_still_kills);
  g_test_add_func ("/mapped/load-while-cut", test_load_while_cut);
  return g_test_run ();
}
