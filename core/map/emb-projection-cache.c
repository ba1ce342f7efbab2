/* emb-projection-cache.c: maps on disk (see emb-projection-cache.h).
 *
 * The file: the magic "EMBMAP1\n", the key's text length (u32) and text
 * (so a hash collision is caught), then the EmbProjection's fields as
 * little-endian numbers and n x dims float32 coordinates.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "base/emb-error.h"
#include "base/emb-file.h"
#include "map/emb-projection-cache.h"

#define CACHE_MAGIC   "EMBMAP1\n"
#define CACHE_VERSION 1

char *
emb_projection_cache_key (const EmbDataset           *ds,
                          const EmbProjectionOptions *o)
{
  g_autoptr(GString) key = g_string_new (NULL);

  if (ds->inputs == NULL || ds->inputs->len == 0)
    return NULL;
  g_string_append_printf (key, "embedlens map cache %d\n", CACHE_VERSION);
  for (guint i = 0; i < ds->inputs->len; i++)
    {
      const char *path = g_ptr_array_index (ds->inputs, i);
      g_autofree char *abs = g_canonicalize_filename (path, NULL);
      GStatBuf st;

      if (g_stat (path, &st) != 0)
        return NULL;
      g_string_append_printf (key, "file %s %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld %" G_GUINT64_FORMAT "\n",
                              abs, (guint64) st.st_size, (gint64) st.st_mtim.tv_sec,
                              (long) st.st_mtim.tv_nsec, (guint64) st.st_ino);
    }
  g_string_append_printf (key, "tensor %s\nshape %zu %zu\n", ds->tensor ? ds->tensor : "",
                          ds->matrix->n_rows, ds->matrix->n_cols);
  g_string_append_printf (key, "method %s dims %u metric %s perplexity %.17g neighbors %u "
                          "min_dist %.17g iterations %u seed %" G_GUINT64_FORMAT "\n",
                          emb_projection_method_to_string (o->method), o->dims,
                          emb_metric_to_string (o->metric), o->perplexity, o->n_neighbors,
                          o->min_dist, o->n_iterations, o->seed);
  return g_string_free (g_steal_pointer (&key), FALSE);
}

static char *
cache_path (const char *key)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);

  return g_build_filename (g_get_user_cache_dir (), "embedlens", "maps", hash, NULL);
}

/* The stored fields after the key, in order (no padding: 8 u32, 4 u64,
 * 7 doubles). */
typedef struct
{
  guint32 method, dims, metric, n_neighbors, n_iterations, graph_k, graph_exact, reserved;
  guint64 n, seed, graph_dims, recall_rows;
  double  perplexity, min_dist, graph_recall, reduction_recall;
  double  seconds_prepare, seconds_graph, seconds_optimise;
} CacheFields;

static void
fields_from (CacheFields         *f,
             const EmbProjection *p)
{
  const EmbProjectionOptions *o = &p->options;

  *f = (CacheFields) {
    o->method, o->dims, o->metric, o->n_neighbors, o->n_iterations, p->graph_k, p->graph_exact, 0,
    p->n, o->seed, p->graph_dims, p->recall_rows,
    o->perplexity, o->min_dist, p->graph_recall, p->reduction_recall,
    p->seconds_prepare, p->seconds_graph, p->seconds_optimise,
  };
}

gboolean
emb_projection_cache_save (const char          *key,
                           const EmbProjection *p,
                           GError             **error)
{
  g_autofree char *path = cache_path (key);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint32 len = (guint32) strlen (key);
  CacheFields f;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, EMB_ERROR, EMB_ERROR_IO, "Cannot make the cache folder %s: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }
  fields_from (&f, p);
  /* Only little-endian hosts are built (as the readers assume). */
  g_byte_array_append (out, (const guint8 *) CACHE_MAGIC, 8);
  g_byte_array_append (out, (const guint8 *) &len, 4);
  g_byte_array_append (out, (const guint8 *) key, len);
  g_byte_array_append (out, (const guint8 *) &f, sizeof f);
  g_byte_array_append (out, (const guint8 *) p->coords, (guint) (p->n * p->options.dims * sizeof (float)));
  return emb_file_write_atomically (path, out->data, out->len, error);
}

EmbProjection *
emb_projection_cache_load (const char *key,
                           gsize       n,
                           GError    **error)
{
  g_autofree char *path = cache_path (key);
  g_autofree char *data = NULL;
  g_autoptr(EmbProjection) p = NULL;
  gsize size = 0, len = strlen (key), at, coords;
  CacheFields f;
  guint32 stored_len;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (path, &data, &size, &local))
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  at = 8 + 4 + len + sizeof f;
  if (size < at || memcmp (data, CACHE_MAGIC, 8) != 0)
    goto bad;
  memcpy (&stored_len, data + 8, 4);
  if (stored_len != len || memcmp (data + 12, key, len) != 0)
    return NULL;   /* another key with the same hash: not ours */
  memcpy (&f, data + 12 + len, sizeof f);
  if (f.n != n || (f.dims != 2 && f.dims != 3) ||
      !g_size_checked_mul (&coords, n, f.dims * sizeof (float)) || size - at != coords)
    goto bad;

  p = g_new0 (EmbProjection, 1);
  p->options = (EmbProjectionOptions) {
    .method = f.method, .dims = f.dims, .metric = f.metric, .perplexity = f.perplexity,
    .n_neighbors = f.n_neighbors, .min_dist = f.min_dist, .n_iterations = f.n_iterations,
    .seed = f.seed,
  };
  p->n = n;
  p->graph_dims = f.graph_dims;
  p->graph_k = f.graph_k;
  p->graph_exact = f.graph_exact;
  p->graph_recall = f.graph_recall;
  p->reduction_recall = f.reduction_recall;
  p->recall_rows = f.recall_rows;
  p->seconds_prepare = f.seconds_prepare;
  p->seconds_graph = f.seconds_graph;
  p->seconds_optimise = f.seconds_optimise;
  p->coords = g_try_malloc (MAX (coords, 1));
  if (p->coords == NULL)
    goto bad;
  memcpy (p->coords, data + at, coords);
  for (gsize i = 0; i < n * f.dims; i++)
    if (!isfinite (p->coords[i]))
      goto bad;
  return g_steal_pointer (&p);

bad:
  g_set_error (error, EMB_ERROR, EMB_ERROR_FORMAT, "%s: not a map this version stored; it is ignored",
               path);
  return NULL;
}
