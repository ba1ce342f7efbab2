/* emb-categories.c: what the points can be coloured by.
 *
 * Each colouring gives every row a category index (guint16) and names the
 * categories: metadata columns, token features, the vector norm binned on
 * a sequential map, and k-means clusters named by their central tokens.
 * The palettes and the mask that hides special tokens are here too.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/emb-error.h"
#include "base/emb-task.h"
#include "analysis/emb-categories.h"

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

/* ramps */

static int
cmp_float (const void *a,
           const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return x < y ? -1 : x > y;
}

EmbRamp *
emb_ramp_new (const float  *values,
              gsize         n,
              guint         n_bins,
              GError      **error)
{
  g_autofree float *sorted = NULL;
  EmbRamp *ramp;

  if (n == 0 || n_bins < 2 || n_bins > G_MAXUINT16 + 1u)
    {
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "a ramp needs at least one value and 2 to 65536 bins, not %" G_GSIZE_FORMAT
                   " values in %u bins", n, n_bins);
      return NULL;
    }
  sorted = g_memdup2 (values, n * sizeof (float));
  qsort (sorted, n, sizeof (float), cmp_float);

  ramp = g_new0 (EmbRamp, 1);
  ramp->n_rows = n;
  ramp->n_bins = n_bins;
  ramp->lo = sorted[(gsize) (0.01 * (n - 1))];
  ramp->hi = sorted[(gsize) (0.99 * (n - 1))];
  if (ramp->hi <= ramp->lo)
    ramp->hi = ramp->lo + 1e-6;
  ramp->category = g_new (guint16, n);
  for (gsize i = 0; i < n; i++)
    {
      double t = (values[i] - ramp->lo) / (ramp->hi - ramp->lo);
      ramp->category[i] = (guint16) CLAMP (lround (t * (n_bins - 1)), 0, (long) n_bins - 1);
    }
  return ramp;
}

void
emb_ramp_free (EmbRamp *ramp)
{
  if (ramp == NULL)
    return;
  g_free (ramp->category);
  g_free (ramp);
}

guint32 *
emb_ramp_palette (guint n_bins)
{
  guint32 *palette = g_new (guint32, MAX (n_bins, 1));

  for (guint b = 0; b < n_bins; b++)
    palette[b] = emb_sequential_color (n_bins > 1 ? b / (double) (n_bins - 1) : 0.0);
  return palette;
}

typedef struct
{
  float *values;
  gsize  n;
  guint  n_bins;
} RampJob;

static void
ramp_job_free (RampJob *job)
{
  g_free (job->values);
  g_free (job);
}

static void
ramp_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  RampJob *job = task_data;
  GError *error = NULL;
  EmbRamp *ramp;

  if (g_task_return_error_if_cancelled (task))
    return;
  ramp = emb_ramp_new (job->values, job->n, job->n_bins, &error);
  emb_task_return (task, ramp, (GDestroyNotify) emb_ramp_free, error);
}

void
emb_ramp_new_async (const float         *values,
                    gsize                n,
                    guint                n_bins,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  RampJob *job = g_new0 (RampJob, 1);


  job->values = g_memdup2 (values, n * sizeof (float));
  job->n = n;
  job->n_bins = n_bins;
  emb_task_run (emb_ramp_new_async, job, (GDestroyNotify) ramp_job_free, ramp_thread,
                cancellable, callback, user_data);
}

EmbRamp *
emb_ramp_new_finish (GAsyncResult  *result,
                     GError       **error)
{
  return emb_task_finish_pointer (result, emb_ramp_new_async, error);
}

/* named clusters */

EmbClusters *
emb_clusters_compute (EmbMatrix              *matrix,
                      EmbVocab               *vocab,
                      const EmbKmeansOptions *options,
                      guint                   label_tokens,
                      GCancellable           *cancellable,
                      EmbProgressFunc         progress,
                      gpointer                progress_data,
                      GError                **error)
{
  EmbKmeans *km = emb_kmeans_run (matrix, options, cancellable, progress, progress_data, error);
  EmbClusters *clusters;

  if (km == NULL)
    return NULL;
  clusters = g_new0 (EmbClusters, 1);
  clusters->kmeans = km;
  clusters->labels = g_new0 (char *, km->k + 1);
  for (gsize c = 0; c < km->k; c++)
    clusters->labels[c] = emb_cluster_label (km, matrix, vocab, c, label_tokens);
  return clusters;
}

void
emb_clusters_free (EmbClusters *clusters)
{
  if (clusters == NULL)
    return;
  g_clear_pointer (&clusters->kmeans, emb_kmeans_free);
  g_strfreev (clusters->labels);
  g_free (clusters);
}

guint16 *
emb_clusters_categories (const EmbClusters *clusters)
{
  const EmbKmeans *km = clusters->kmeans;
  guint16 *cats = g_new (guint16, MAX (km->n_rows, 1));

  for (gsize i = 0; i < km->n_rows; i++)
    cats[i] = (guint16) km->assignment[i];
  return cats;
}

typedef struct
{
  EmbMatrix        *matrix;
  EmbVocab         *vocab;
  EmbKmeansOptions  options;
  guint             label_tokens;
  EmbProgressFunc   progress;
  gpointer          progress_data;
} ClustersJob;

static void
clusters_job_free (ClustersJob *job)
{
  emb_matrix_unref (job->matrix);
  emb_vocab_unref (job->vocab);
  g_free (job);
}

static void
clusters_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  ClustersJob *job = task_data;
  GError *error = NULL;
  EmbClusters *clusters = emb_clusters_compute (job->matrix, job->vocab, &job->options,
                                                job->label_tokens, cancellable,
                                                job->progress, job->progress_data, &error);

  emb_task_return (task, clusters, (GDestroyNotify) emb_clusters_free, error);
}

void
emb_clusters_compute_async (EmbMatrix              *matrix,
                            EmbVocab               *vocab,
                            const EmbKmeansOptions *options,
                            guint                   label_tokens,
                            GCancellable           *cancellable,
                            EmbProgressFunc         progress,
                            gpointer                progress_data,
                            GAsyncReadyCallback     callback,
                            gpointer                user_data)
{
  ClustersJob *job = g_new0 (ClustersJob, 1);


  job->matrix = emb_matrix_ref (matrix);
  job->vocab = emb_vocab_ref (vocab);
  job->options = *options;
  job->label_tokens = label_tokens;
  job->progress = progress;
  job->progress_data = progress_data;
  emb_task_run (emb_clusters_compute_async, job, (GDestroyNotify) clusters_job_free,
                clusters_thread, cancellable, callback, user_data);
}

EmbClusters *
emb_clusters_compute_finish (GAsyncResult  *result,
                             GError       **error)
{
  return emb_task_finish_pointer (result, emb_clusters_compute_async, error);
}
