/* emb-test-util.c: helpers shared by the tests (see emb-test-util.h). */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "emb-test-util.h"

static char *tmpdir;
static GPtrArray *paths;
static char *last_message;

static void
cleanup (void)
{
  g_clear_pointer (&paths, g_ptr_array_unref);
  if (tmpdir != NULL && g_getenv ("EMB_KEEP_TEST_FILES") != NULL)
    g_printerr ("test files kept in %s\n", tmpdir);
  else if (tmpdir != NULL)
    emb_test_folder_remove (tmpdir);
  g_free (tmpdir);
  g_free (last_message);
}

const char *
emb_test_tmpdir (void)
{
  if (tmpdir == NULL)
    {
      GError *error = NULL;
      tmpdir = g_dir_make_tmp ("embedlens-test-XXXXXX", &error);
      g_assert_no_error (error);
      paths = g_ptr_array_new_with_free_func (g_free);
      atexit (cleanup);
    }
  return tmpdir;
}

char *
emb_test_tmp_path (const char *name)
{
  return g_build_filename (emb_test_tmpdir (), name, NULL);
}

const char *
emb_test_write (const char *name,
                const void *data,
                gssize      len)
{
  GError *error = NULL;
  char *path = g_build_filename (emb_test_tmpdir (), name, NULL);

  if (len < 0)
    len = strlen (data);
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  g_ptr_array_add (paths, path);
  return path;
}

const char *
emb_test_fixtures (void)
{
  const char *dir = g_getenv ("EMB_FIXTURES_DIR");

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("the real-file fixtures (../shared/fixtures) are not beside this checkout");
      return NULL;
    }
  return dir;
}

char *
emb_test_real_fixture (const char *name)
{
  const char *dir = emb_test_fixtures ();

  if (dir == NULL)
    return NULL;
  return g_build_filename (dir, "real", name, NULL);
}

EmbDataset *
emb_test_load_as (const char *path,
                  const char *format)
{
  EmbLoadOptions options = { .format = format };

  return emb_test_load_ok (path, &options);
}

EmbDataset *
emb_test_load_ok (const char           *path,
                  const EmbLoadOptions *options)
{
  GError *error = NULL;
  EmbDataset *ds = emb_dataset_load (path, options, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ds);
  g_assert_cmpuint (ds->matrix->n_rows, ==, emb_vocab_size (ds->vocab));
  return ds;
}

const char *
emb_test_load_fail (const char           *path,
                    const EmbLoadOptions *options)
{
  GError *error = NULL;
  EmbDataset *ds = emb_dataset_load (path, options, NULL, NULL, NULL, &error);

  g_assert_null (ds);
  g_assert_nonnull (error);
  g_assert_true (error->domain == EMB_ERROR);
  g_test_message ("%s: %s", path, error->message);
  g_free (last_message);
  last_message = g_strdup (error->message);
  g_error_free (error);
  return last_message;
}

void
emb_test_assert_row (const EmbMatrix *m,
                     gsize            i,
                     const float     *expected)
{
  for (gsize j = 0; j < m->n_cols; j++)
    g_assert_cmpfloat (emb_matrix_row (m, i)[j], ==, expected[j]);
}

void
emb_test_put_u8 (GByteArray *b,
                 guint8      v)
{
  g_byte_array_append (b, &v, 1);
}

void
emb_test_put_u16 (GByteArray *b,
                  guint16     v)
{
  v = GUINT16_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 2);
}

void
emb_test_put_npy_f32_header (GByteArray *b,
                             gsize       rows,
                             gsize       cols)
{
  g_autoptr(GString) dict = g_string_new (NULL);

  g_string_printf (dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%" G_GSIZE_FORMAT
                   ", %" G_GSIZE_FORMAT "), }", rows, cols);
  while ((10 + dict->len + 1) % 64 != 0)
    g_string_append_c (dict, ' ');
  g_string_append_c (dict, '\n');
  g_byte_array_append (b, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  emb_test_put_u16 (b, (guint16) dict->len);
  g_byte_array_append (b, (const guint8 *) dict->str, dict->len);
}

void
emb_test_put_u32 (GByteArray *b,
                  guint32     v)
{
  v = GUINT32_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 4);
}

void
emb_test_put_u64 (GByteArray *b,
                  guint64     v)
{
  v = GUINT64_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &v, 8);
}

void
emb_test_put_f32 (GByteArray *b,
                  float       f)
{
  guint32 u;

  memcpy (&u, &f, 4);
  emb_test_put_u32 (b, u);
}

void
emb_test_put_f64 (GByteArray *b,
                  double      x)
{
  guint64 u;

  memcpy (&u, &x, 8);
  emb_test_put_u64 (b, u);
}

void
emb_test_put_str (GByteArray *b,
                  const char *s)
{
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

void
emb_test_put_gguf_str (GByteArray *b,
                       const char *s)
{
  emb_test_put_u64 (b, strlen (s));
  emb_test_put_str (b, s);
}

void
emb_test_assert_contains (const char *text,
                          const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("'%s' does not contain '%s'", text, part);
}

char *
emb_test_load_error (const char           *path,
                     const EmbLoadOptions *options,
                     EmbErrorCode          code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbDataset) ds = emb_dataset_load (path, options, NULL, NULL, NULL, &error);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_null (ds);
  g_assert_error (error, EMB_ERROR, (gint) code);
  g_test_message ("%s", error->message);
  emb_test_assert_contains (error->message, base);
  return g_strdup (error->message);
}

char *
emb_test_make_folder (const char *name)
{
  GError *error = NULL;
  g_autofree char *pattern = g_strdup_printf ("embedlens-%s-XXXXXX", name);
  char *dir = g_dir_make_tmp (pattern, &error);

  g_assert_no_error (error);
  return dir;
}

char *
emb_test_folder_write (const char *dir,
                       const char *name,
                       const void *data,
                       gssize      len)
{
  GError *error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_mkdir_with_parents (parent, 0700);
  g_file_set_contents (path, data, len < 0 ? (gssize) strlen (data) : len, &error);
  g_assert_no_error (error);
  return path;
}

void
emb_test_folder_remove (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        emb_test_folder_remove (path);
      else
        g_unlink (path);
    }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (dir);
}

EmbMatrix *
emb_test_matrix_new (gsize n_rows,
                     gsize n_cols)
{
  g_autoptr(GError) error = NULL;
  EmbMatrix *m = emb_matrix_new (n_rows, n_cols, &error);

  g_assert_no_error (error);
  return m;
}

double
emb_test_gaussian (GRand *rand)
{
  /* Box-Muller; 1 - u keeps the logarithm finite. */
  double u = 1.0 - g_rand_double (rand), v = g_rand_double (rand);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

guint32
emb_test_pixel (cairo_surface_t *surface,
                int              x,
                int              y)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (y, <, cairo_image_surface_get_height (surface));
  return ((const guint32 *) (data + (gsize) y * stride))[x];
}

void
emb_test_assert_near (int value,
                      int expected,
                      int tolerance)
{
  if (ABS (value - expected) > tolerance)
    g_error ("%d is not within %d of %d", value, tolerance, expected);
}

void
emb_test_store_result (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GAsyncResult *
emb_test_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}
