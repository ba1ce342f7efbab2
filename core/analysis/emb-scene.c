/* emb-scene.c: one loaded file, its PCA, coordinates, norms and neighbour
 * index; and the token search over its vocabulary. */
#include "config.h"

#include <string.h>

#include "base/emb-error.h"
#include "analysis/emb-scene.h"

G_DEFINE_BOXED_TYPE (EmbScene, emb_scene, emb_scene_ref, emb_scene_unref)

typedef struct
{
  EmbProgressFunc func;
  gpointer        data;
} ProgressSplit;

/* Loading is most of the time on big text files; the rest is PCA. */
static void
load_progress (double   fraction,
               gpointer user_data)
{
  ProgressSplit *split = user_data;
  split->func (fraction * 0.85, split->data);
}

EmbScene *
emb_scene_load (const char           *path,
                const EmbLoadOptions *options,
                GCancellable         *cancellable,
                EmbProgressFunc       progress,
                gpointer              progress_data,
                GError              **error)
{
  ProgressSplit split = { progress, progress_data };
  g_autoptr(EmbDataset) ds = NULL;
  EmbScene *scene;

  ds = emb_dataset_load (path, options, cancellable,
                         progress != NULL ? load_progress : NULL, &split, error);
  if (ds == NULL)
    return NULL;
  if (progress != NULL)
    progress (0.85, progress_data);
  scene = emb_scene_new (ds, cancellable, error);
  /* The PCA read every row again: a file cut short meanwhile shows here. */
  if (!emb_dataset_check_unchanged (ds, error))
    g_clear_pointer (&scene, emb_scene_unref);
  if (scene != NULL && progress != NULL)
    progress (1.0, progress_data);
  return scene;
}

EmbScene *
emb_scene_new (EmbDataset    *dataset,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(EmbScene) self = g_new0 (EmbScene, 1);
  EmbMatrix *m = dataset->matrix;

  self->ref_count = 1;
  self->dataset = emb_dataset_ref (dataset);

  if (m->n_rows < 2)
    {
      emb_set_error_file (error, EMB_ERROR_SHAPE, dataset->path,
                          "has %" G_GSIZE_FORMAT " row; a plot needs at least 2", m->n_rows);
      return NULL;
    }

  self->pca = emb_pca_compute (m, EMB_SCENE_COMPONENTS, cancellable, error);
  if (self->pca == NULL)
    return NULL;
  self->n_components = self->pca->n_components;

  self->coords = g_try_new (float, m->n_rows * self->n_components);
  if (self->coords == NULL)
    {
      emb_set_error_file (error, EMB_ERROR_TOO_LARGE, dataset->path,
                          "not enough memory for the coordinates of %" G_GSIZE_FORMAT " rows", m->n_rows);
      return NULL;
    }
  emb_pca_project (self->pca, m, self->n_components, self->coords);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  self->norms = g_new (float, m->n_rows);
  emb_matrix_row_norms (m, self->norms);

  self->knn = emb_knn_index_new (m);
  return g_steal_pointer (&self);
}

EmbScene *
emb_scene_ref (EmbScene *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
emb_scene_unref (EmbScene *self)
{
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_clear_pointer (&self->knn, emb_knn_index_free);
  g_free (self->coords);
  g_free (self->norms);
  g_clear_pointer (&self->pca, emb_pca_free);
  g_clear_pointer (&self->dataset, emb_dataset_unref);
  g_free (self);
}

gsize
emb_scene_n_rows (const EmbScene *self)
{
  return self->dataset->matrix->n_rows;
}

void
emb_scene_axis (const EmbScene *self,
                guint           c,
                float          *out)
{
  gsize n = emb_scene_n_rows (self), k = self->n_components;

  g_return_if_fail (c < k);
  for (gsize i = 0; i < n; i++)
    out[i] = self->coords[i * k + c];
}

/* search */

static gboolean
has_upper (const char *s)
{
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    if (g_unichar_isupper (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* 0 exact, 1 prefix, 2 inside, -1 no match. */
static int
match_rank (const char *text,
            const char *query,
            gsize       qlen,
            gboolean    fold)
{
  g_autofree char *folded = NULL;
  const char *hit;

  if (fold)
    {
      /* ASCII tokens (most of them) fold without allocating. */
      gboolean ascii = TRUE;
      for (const char *p = text; *p; p++)
        if ((guchar) *p >= 0x80)
          {
            ascii = FALSE;
            break;
          }
      if (ascii)
        {
          gsize tlen = strlen (text);
          if (tlen < qlen)
            return -1;
          for (gsize start = 0; start + qlen <= tlen; start++)
            if (g_ascii_strncasecmp (text + start, query, qlen) == 0)
              return start == 0 ? (tlen == qlen ? 0 : 1) : 2;
          return -1;
        }
      folded = g_utf8_casefold (text, -1);
      text = folded;
    }
  hit = strstr (text, query);
  if (hit == NULL)
    return -1;
  if (hit == text)
    return text[qlen] == '\0' ? 0 : 1;
  return 2;
}

GArray *
emb_search_tokens (EmbVocab      *vocab,
                   const char    *query,
                   gboolean       regex,
                   GCancellable  *cancellable,
                   GError       **error)
{
  gsize n = emb_vocab_size (vocab);
  GArray *groups[3];
  g_autoptr(GRegex) re = NULL;
  g_autofree char *folded = NULL;
  gboolean fold = !has_upper (query);
  gsize qlen;
  GArray *out;

  for (int g = 0; g < 3; g++)
    groups[g] = g_array_new (FALSE, FALSE, sizeof (gsize));

  if (regex)
    {
      g_autoptr(GError) local = NULL;
      re = g_regex_new (query, (fold ? G_REGEX_CASELESS : 0) | G_REGEX_OPTIMIZE, 0, &local);
      if (re == NULL)
        {
          g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID, "bad pattern: %s", local->message);
          goto fail;
        }
    }
  folded = fold ? g_utf8_casefold (query, -1) : g_strdup (query);
  qlen = strlen (folded);

  for (gsize i = 0; i < n; i++)
    {
      const char *text = emb_vocab_display (vocab, i);
      int rank;

      if ((i & 0xffff) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      if (re != NULL)
        {
          g_autoptr(GMatchInfo) info = NULL;
          if (!g_regex_match (re, text, 0, &info))
            continue;
          {
            int start, end;
            g_match_info_fetch_pos (info, 0, &start, &end);
            rank = start == 0 ? (text[end] == '\0' ? 0 : 1) : 2;
          }
        }
      else
        {
          rank = match_rank (text, folded, qlen, fold);
          if (rank < 0 && emb_vocab_display_differs (vocab, i))
            rank = match_rank (emb_vocab_raw (vocab, i, NULL), folded, qlen, fold);
          if (rank < 0)
            continue;
        }
      g_array_append_val (groups[rank], i);
    }

  out = g_array_sized_new (FALSE, FALSE, sizeof (gsize),
                           groups[0]->len + groups[1]->len + groups[2]->len);
  for (int g = 0; g < 3; g++)
    g_array_append_vals (out, groups[g]->data, groups[g]->len);
  for (int g = 0; g < 3; g++)
    g_array_unref (groups[g]);
  return out;

fail:
  for (int g = 0; g < 3; g++)
    g_array_unref (groups[g]);
  return NULL;
}
