/* emb-scene.c */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-error.h"
#include "analysis/emb-scene.h"

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
  for (gsize i = 0; i < m->n_rows; i++)
    {
      const float *row = emb_matrix_row (m, i);
      double sum = 0;
      for (gsize j = 0; j < m->n_cols; j++)
        sum += (double) row[j] * row[j];
      self->norms[i] = sqrt (sum);
    }

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

/* categories */

typedef struct
{
  const char *name;
  gsize       count;
  gsize       first;
  guint       index;
} Category;

static int
cmp_category (gconstpointer a,
              gconstpointer b)
{
  const Category *x = *(Category * const *) a, *y = *(Category * const *) b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return x->first < y->first ? -1 : x->first > y->first;
}

guint16 *
emb_column_categories (const EmbVocab *vocab,
                       guint           column,
                       guint          *n_values,
                       char         ***names)
{
  gsize n = emb_vocab_size (vocab);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GPtrArray) cats = g_ptr_array_new ();
  g_autofree guint *raw = g_new (guint, n);
  g_autofree guint *remap = NULL;
  guint16 *out = g_new (guint16, n);
  guint kept;

  for (gsize i = 0; i < n; i++)
    {
      const char *value = emb_vocab_column_value (vocab, column, i);
      Category *cat = g_hash_table_lookup (seen, value);

      if (cat == NULL)
        {
          cat = g_new0 (Category, 1);
          cat->name = value;
          cat->first = i;
          cat->index = cats->len;
          g_hash_table_insert (seen, (gpointer) value, cat);
          g_ptr_array_add (cats, cat);
        }
      cat->count++;
      raw[i] = cat->index;
    }

  remap = g_new (guint, cats->len);
  {
    g_autoptr(GPtrArray) sorted = g_ptr_array_copy (cats, NULL, NULL);
    g_ptr_array_sort (sorted, cmp_category);
    /* Past 65535 values the rest share the last index. */
    kept = MIN (sorted->len, G_MAXUINT16 + 1u);
    if (names != NULL)
      *names = g_new0 (char *, kept + 1);
    for (guint r = 0; r < sorted->len; r++)
      {
        Category *cat = g_ptr_array_index (sorted, r);
        remap[cat->index] = MIN (r, kept - 1);
        if (names != NULL && r < kept)
          (*names)[r] = g_strdup (cat->name);
      }
  }
  for (gsize i = 0; i < n; i++)
    out[i] = (guint16) remap[raw[i]];
  if (n_values != NULL)
    *n_values = kept;
  return out;
}

/* palette */

static guint32
hsl_to_rgb (double h, double s, double l)
{
  double c = (1 - fabs (2 * l - 1)) * s;
  double hp = fmod (h, 360.0) / 60.0;
  double x = c * (1 - fabs (fmod (hp, 2.0) - 1));
  double r = 0, g = 0, b = 0, m;

  if (hp < 1) { r = c; g = x; }
  else if (hp < 2) { r = x; g = c; }
  else if (hp < 3) { g = c; b = x; }
  else if (hp < 4) { g = x; b = c; }
  else if (hp < 5) { r = x; b = c; }
  else { r = c; b = x; }
  m = l - c / 2;
  return ((guint32) lround ((r + m) * 255) << 16) |
         ((guint32) lround ((g + m) * 255) << 8) |
         (guint32) lround ((b + m) * 255);
}

guint32
emb_palette_color (guint index)
{
  /* Okabe & Ito (2008), reordered so neighbours in the list differ most;
   * the black of the original set is replaced by a blue-grey. */
  static const guint32 base[] = {
    0x0072b2, 0xe69f00, 0x009e73, 0xcc79a7,
    0x56b4e9, 0xd55e00, 0xf0e442, 0x5f6b7a,
  };

  if (index < G_N_ELEMENTS (base))
    return base[index];
  index -= G_N_ELEMENTS (base);
  return hsl_to_rgb (20.0 + index * 137.508, 0.55 + 0.15 * (index % 2),
                     index % 3 == 0 ? 0.42 : index % 3 == 1 ? 0.58 : 0.50);
}

/* clusters */

char *
emb_cluster_label (const EmbKmeans *km,
                   const EmbMatrix *matrix,
                   EmbVocab        *vocab,
                   gsize            c,
                   gsize            n)
{
  g_autofree gsize *ids = g_new (gsize, MAX (n, 1));
  gsize got = emb_kmeans_nearest (km, matrix, c, n, ids);
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < got; i++)
    {
      if (i > 0)
        g_string_append (out, " · ");
      g_string_append (out, emb_vocab_display (vocab, ids[i]));
    }
  return g_string_free (out, FALSE);
}

void
emb_cluster_positions (const EmbKmeans *km,
                       const float     *xs,
                       const float     *ys,
                       float           *out_xy)
{
  g_autofree double *sum = g_new0 (double, 2 * km->k);

  for (gsize i = 0; i < km->n_rows; i++)
    {
      guint32 c = km->assignment[i];
      sum[2 * c] += xs[i];
      sum[2 * c + 1] += ys[i];
    }
  for (gsize c = 0; c < km->k; c++)
    {
      out_xy[2 * c] = km->sizes[c] ? sum[2 * c] / km->sizes[c] : NAN;
      out_xy[2 * c + 1] = km->sizes[c] ? sum[2 * c + 1] / km->sizes[c] : NAN;
    }
}

guint32
emb_sequential_color (double t)
{
  /* Nine stops sampled from the viridis map (van der Walt & Smith, 2015),
   * interpolated linearly: perceptually even and colour-blind safe. */
  static const guint8 stops[9][3] = {
    { 0x44, 0x01, 0x54 }, { 0x47, 0x2d, 0x7b }, { 0x3b, 0x52, 0x8b },
    { 0x2c, 0x72, 0x8e }, { 0x21, 0x91, 0x8c }, { 0x28, 0xae, 0x80 },
    { 0x5e, 0xc9, 0x62 }, { 0xad, 0xdc, 0x30 }, { 0xfd, 0xe7, 0x25 },
  };
  double x = CLAMP (isnan (t) ? 0.0 : t, 0.0, 1.0) * 8.0;
  int i = MIN ((int) x, 7);
  double f = x - i;
  guint32 rgb = 0;

  for (int ch = 0; ch < 3; ch++)
    rgb = (rgb << 8) | (guint32) lround (stops[i][ch] + (stops[i + 1][ch] - stops[i][ch]) * f);
  return rgb;
}

/* token features */

static guint
leading_space_category (const char *text)
{
  return text[0] == ' ' ? 0 : 1;
}

static guint
digits_category (const char *text)
{
  gboolean any = FALSE, all = TRUE, seen = FALSE;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_isspace (c))
        continue;
      seen = TRUE;
      if (g_unichar_isdigit (c))
        any = TRUE;
      else
        all = FALSE;
    }
  return seen && all ? 0 : any ? 1 : 2;
}

/* The script of the first letter: Latin, CJK, Cyrillic, other, none. */
static guint
script_category (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (!g_unichar_isalpha (c))
        continue;
      switch (g_unichar_get_script (c))
        {
        case G_UNICODE_SCRIPT_LATIN:
          return 0;
        case G_UNICODE_SCRIPT_HAN:
        case G_UNICODE_SCRIPT_HIRAGANA:
        case G_UNICODE_SCRIPT_KATAKANA:
        case G_UNICODE_SCRIPT_HANGUL:
        case G_UNICODE_SCRIPT_BOPOMOFO:
          return 1;
        case G_UNICODE_SCRIPT_CYRILLIC:
          return 2;
        default:
          return 3;
        }
    }
  return 4;
}

guint16 *
emb_token_categories (EmbVocab        *vocab,
                      EmbTokenFeature  feature,
                      guint           *n_values,
                      char          ***names)
{
  static const char * const space_names[] = { "leading space", "no leading space", NULL };
  static const char * const kind_names[] = { "normal", "control", "byte", "unused", "user-defined", "unknown", NULL };
  static const char * const digit_names[] = { "digits only", "some digits", "no digits", NULL };
  static const char * const script_names[] = { "Latin", "CJK", "Cyrillic", "other script", "no letters", NULL };
  const char * const *table;
  gsize n = emb_vocab_size (vocab);
  guint16 *out = g_new (guint16, n);

  switch (feature)
    {
    case EMB_TOKEN_FEATURE_LEADING_SPACE: table = space_names; break;
    case EMB_TOKEN_FEATURE_KIND: table = kind_names; break;
    case EMB_TOKEN_FEATURE_DIGITS: table = digit_names; break;
    case EMB_TOKEN_FEATURE_SCRIPT:
    default: table = script_names; break;
    }
  for (gsize i = 0; i < n; i++)
    {
      const char *text = emb_vocab_display (vocab, i);
      switch (feature)
        {
        case EMB_TOKEN_FEATURE_LEADING_SPACE: out[i] = leading_space_category (text); break;
        case EMB_TOKEN_FEATURE_KIND: out[i] = (guint16) emb_vocab_get_token_type (vocab, i); break;
        case EMB_TOKEN_FEATURE_DIGITS: out[i] = digits_category (text); break;
        case EMB_TOKEN_FEATURE_SCRIPT:
        default: out[i] = script_category (text); break;
        }
    }
  if (n_values != NULL)
    *n_values = g_strv_length ((char **) table);
  if (names != NULL)
    *names = g_strdupv ((char **) table);
  return out;
}

guint8 *
emb_visible_without_special (EmbVocab *vocab)
{
  gsize n = emb_vocab_size (vocab);
  guint8 *mask = g_new (guint8, n);
  gboolean any = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      EmbTokenType t = emb_vocab_get_token_type (vocab, i);
      mask[i] = !(t == EMB_TOKEN_CONTROL || t == EMB_TOKEN_BYTE || t == EMB_TOKEN_UNUSED);
      any |= !mask[i];
    }
  if (!any)
    g_clear_pointer (&mask, g_free);
  return mask;
}
