/* test-matrix.c: EmbMatrix ownership, views, size checks and the checked
 * allocations under an address-space limit. */
#include <string.h>
#include <sys/resource.h>

#include "base/emb-alloc.h"
#include "base/emb-error.h"
#include "model/emb-matrix.h"

static void
test_owned (void)
{
  GError *error = NULL;
  g_autoptr(EmbMatrix) m = emb_matrix_new (3, 5, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (m->n_rows, ==, 3);
  g_assert_cmpuint (m->n_cols, ==, 5);
  g_assert_cmpuint ((guintptr) m->data % 64, ==, 0);
  g_assert_false (emb_matrix_is_view (m));
  for (int i = 0; i < 15; i++)
    m->data[i] = i;
  g_assert_cmpfloat (emb_matrix_row (m, 2)[1], ==, 11.0f);

  emb_matrix_ref (m);
  g_assert_cmpint (m->ref_count, ==, 2);
  emb_matrix_unref (m);
}

static void
test_too_large (void)
{
  GError *error = NULL;
  EmbMatrix *m = emb_matrix_new (G_MAXSIZE / 2, 3, &error);

  g_assert_null (m);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_assert_cmpuint (emb_matrix_bytes_for (G_MAXSIZE / 4 + 1, 1), ==, 0);

  /* 2^46 floats (256 TiB) fit in a size_t but in no machine's memory:
   * refused up front with the size it needs, not left to the OOM killer. */
  m = emb_matrix_new ((gsize) 1 << 40, 64, &error);
  g_assert_null (m);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
  /* g_format_size puts a no-break space before the unit. */
  g_assert_nonnull (strstr (error->message, "256.0\xc2\xa0TiB"));
  g_clear_error (&error);
  g_assert_cmpuint (emb_matrix_bytes_for (1000, 100), ==, 400000);
}

/* Under a 1 GiB address-space limit (set in a child process), a 2 GiB
 * request is refused with both sizes named, by the up-front check and not
 * by an abort; the available figure never exceeds the limit. */
static void
test_alloc_limit (void)
{
  if (g_test_subprocess ())
    {
      struct rlimit limit = { (rlim_t) 1 << 30, (rlim_t) 1 << 30 };
      GError *error = NULL;
      g_autofree char *small = NULL;
      gpointer p;

      g_assert_cmpint (setrlimit (RLIMIT_AS, &limit), ==, 0);
      g_assert_cmpuint (emb_memory_available (), <, (guint64) 1 << 30);

      p = emb_try_alloc ((gsize) 1 << 29, 4, "the test buffer", &error);
      g_assert_null (p);
      g_assert_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, "the test buffer needs 2.0\xc2\xa0GiB"));
      g_assert_nonnull (strstr (error->message, "is available"));
      g_clear_error (&error);

      g_assert_null (emb_matrix_new ((gsize) 1 << 20, 512, &error));
      g_assert_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, "a 1048576 x 512 matrix needs 2.0\xc2\xa0GiB"));
      g_clear_error (&error);

      /* Overflow of n * size is its own message, before any check. */
      g_assert_null (emb_try_alloc0 (G_MAXSIZE / 2, 3, "pairs", &error));
      g_assert_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, "pairs needs"));
      g_clear_error (&error);

      /* What fits is given, zeroed when asked. */
      small = emb_try_alloc0 (1000, 8, "small", &error);
      g_assert_no_error (error);
      for (int i = 0; i < 8000; i++)
        g_assert_cmpint (small[i], ==, 0);
      return;
    }
#if defined(__SANITIZE_ADDRESS__)
  g_test_skip ("AddressSanitizer reserves more address space than the limit");
  return;
#endif
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_view (void)
{
  guint8 *buf = g_malloc0 (4 + 6 * sizeof (float));
  float vals[6] = { 1, 2, 3, 4, 5, 6 };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(EmbMatrix) m = NULL;

  memcpy (buf + 4, vals, sizeof vals);
  bytes = g_bytes_new_take (buf, 4 + sizeof vals);

  m = emb_matrix_new_view (bytes, 4, 2, 3);
  g_assert_nonnull (m);
  g_assert_true (emb_matrix_is_view (m));
  g_assert_cmpfloat (emb_matrix_row (m, 1)[0], ==, 4.0f);

  /* Past the end, misaligned, or overflowing: no view. */
  g_assert_null (emb_matrix_new_view (bytes, 8, 2, 3));
  g_assert_null (emb_matrix_new_view (bytes, 2, 1, 1));
  g_assert_null (emb_matrix_new_view (bytes, 4, G_MAXSIZE / 2, 2));
  g_assert_null (emb_matrix_new_view (bytes, G_MAXSIZE - 1, 1, 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/matrix/owned", test_owned);
  g_test_add_func ("/matrix/too-large", test_too_large);
  g_test_add_func ("/matrix/view", test_view);
  g_test_add_func ("/matrix/alloc-limit", test_alloc_limit);
  return g_test_run ();
}
