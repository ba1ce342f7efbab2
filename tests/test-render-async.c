/* test-render-async.c: emb_render_points_async (): the same pixels as the
 * synchronous renderer, cancellation, and the owner that keeps the
 * caller's arrays alive released exactly once. */
#include <string.h>

#include "plot/emb-render.h"
#include "emb-test-util.h"

#define N_POINTS 5000

static const guint32 palette[] = { 0xd62728, 0x1f77b4, 0x2ca02c, 0x9467bd };
static const EmbView view = { 0.25, -0.5, 37.0, 173, 129 };

/* The caller's data: freed only by the owner's destroy notify. */
typedef struct
{
  float   *xs;
  float   *ys;
  guint16 *category;
  guint8  *visible;
  gint    *destroyed;   /* counts the destroy notifies */
} Owner;

static Owner *
owner_new (gint *destroyed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  Owner *o = g_new0 (Owner, 1);

  o->xs = g_new (float, N_POINTS);
  o->ys = g_new (float, N_POINTS);
  o->category = g_new (guint16, N_POINTS);
  o->visible = g_new (guint8, N_POINTS);
  for (gsize i = 0; i < N_POINTS; i++)
    {
      o->xs[i] = emb_test_gaussian (rand);
      o->ys[i] = emb_test_gaussian (rand);
      o->category[i] = i % G_N_ELEMENTS (palette);
      o->visible[i] = i % 7 != 0;
    }
  o->destroyed = destroyed;
  return o;
}

static void
owner_destroy (gpointer data)
{
  Owner *o = data;

  g_atomic_int_inc (o->destroyed);
  g_free (o->xs);
  g_free (o->ys);
  g_free (o->category);
  g_free (o->visible);
  g_free (o);
}

static EmbPointStyle
owner_style (const Owner *o)
{
  EmbPointStyle s = {
    .xs = o->xs, .ys = o->ys, .n = N_POINTS,
    .category = o->category, .palette = palette, .n_palette = G_N_ELEMENTS (palette),
    .visible = o->visible, .radius = 1.6, .opacity = 0.6, .background = 0xfff0f0f0,
  };
  return s;
}

static void
task_gone (gpointer data, GObject *where)
{
  g_atomic_int_set ((gint *) data, 1);
}

/* Drops the last reference to result and waits until its task is gone:
 * the worker thread may still hold it for a moment after the callback. */
static void
release (GAsyncResult **result)
{
  gint gone = 0;

  g_object_weak_ref (G_OBJECT (*result), task_gone, &gone);
  g_clear_object (result);
  while (!g_atomic_int_get (&gone))
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* The pixels from the worker thread are the synchronous render's, byte
 * for byte, though the caller kept no pointer to the arrays. */
static void
test_same_pixels (void)
{
  gint destroyed = 0;
  Owner *o = owner_new (&destroyed);
  EmbPointStyle style = owner_style (o);
  int stride = view.width * 4;
  g_autofree guint8 *expect = g_malloc0 ((gsize) stride * view.height);
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  const guint8 *got;
  gsize size, n_background = 0;
  int got_stride = 0;

  g_assert_true (emb_render_points (&style, &view, expect, stride, 1, NULL));
  emb_render_points_async (&style, &view, 0, o, owner_destroy, NULL, emb_test_store_result, &result);
  o = NULL;
  memset (&style, 0, sizeof style);   /* the style was copied */

  pixels = emb_render_points_finish (emb_test_wait_result (&result), &got_stride, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pixels);
  g_assert_cmpint (got_stride, ==, stride);
  got = g_bytes_get_data (pixels, &size);
  g_assert_cmpuint (size, ==, (gsize) stride * view.height);
  g_assert_true (memcmp (got, expect, size) == 0);

  /* Not a blank picture that would match anything. */
  for (gsize i = 0; i < size; i += 4)
    n_background += ((const guint32 *) expect)[i / 4] == 0xfff0f0f0;
  g_assert_cmpuint (n_background, <, size / 4);
  g_assert_cmpuint (n_background, >, 0);

  release (&result);
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 1);
}

/* A cancelled render finishes with G_IO_ERROR_CANCELLED and still lets go
 * of its owner once. */
static void
test_cancelled (void)
{
  gint destroyed = 0;
  Owner *o = owner_new (&destroyed);
  EmbPointStyle style = owner_style (o);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  GBytes *pixels;
  int stride = -1;

  g_cancellable_cancel (cancellable);
  emb_render_points_async (&style, &view, 0, o, owner_destroy, cancellable, emb_test_store_result, &result);
  pixels = emb_render_points_finish (emb_test_wait_result (&result), &stride, &error);
  g_assert_null (pixels);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (stride, ==, -1);

  release (&result);
  g_assert_cmpint (g_atomic_int_get (&destroyed), ==, 1);
}

/* Without an owner nothing is released; the pixels still come back. */
static void
test_no_owner (void)
{
  static const float xs[] = { 0.0f }, ys[] = { 0.0f };
  EmbPointStyle style = { .xs = xs, .ys = ys, .n = 1, .palette = palette, .n_palette = 1,
                          .radius = 2.0, .opacity = 1.0, .background = 0 };
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  const guint32 *px;
  int stride = 0;

  emb_render_points_async (&style, &view, 1, NULL, NULL, NULL, emb_test_store_result, &result);
  pixels = emb_render_points_finish (emb_test_wait_result (&result), &stride, &error);
  g_assert_no_error (error);
  /* Data (0, 0) is 0.25 * 37 = 9.25 px left of and 0.5 * 37 = 18.5 px
   * above the centre (86.5, 64.5), as y grows upwards: (77.25, 46.0), in
   * pixel (77, 46), which the disc covers. */
  px = g_bytes_get_data (pixels, NULL);
  g_assert_cmpuint (px[46 * (stride / 4) + 77] >> 24, >, 0);
  g_assert_cmpuint (px[10 * (stride / 4) + 10], ==, 0);
  release (&result);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render-async/same-pixels", test_same_pixels);
  g_test_add_func ("/render-async/cancelled", test_cancelled);
  g_test_add_func ("/render-async/no-owner", test_no_owner);

  return g_test_run ();
}
