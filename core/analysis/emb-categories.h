/* emb-categories.h: per-row categories to colour the points by.
 *
 * A colouring is a category index per row (guint16) with the categories'
 * names: a metadata column, a token feature, a value binned on a ramp (the
 * vector norm, the token id) or the k-means clusters, each cluster named
 * by its most central tokens.  Plain functions, plus _async/_finish pairs
 * for the ones that read the whole matrix.
 */
#pragma once

#include <gio/gio.h>

#include "io/emb-dataset.h"
#include "analysis/emb-kmeans.h"
#include "model/emb-matrix.h"
#include "model/emb-vocab.h"

G_BEGIN_DECLS

/* Per-row category index of a metadata column: values numbered by
 * frequency, most frequent first.  n_values and names (NULL-terminated,
 * in index order) describe them; the array is n_rows long. */
guint16  *emb_column_categories (const EmbVocab *vocab,
                                 guint           column,
                                 guint          *n_values,
                                 char         ***names);

/* Token features to colour by. */
typedef enum
{
  EMB_TOKEN_FEATURE_LEADING_SPACE,  /* starts a word: " the" vs "the" */
  EMB_TOKEN_FEATURE_KIND,           /* normal, control, byte, unused, user */
  EMB_TOKEN_FEATURE_DIGITS,         /* all digits, some digits, none */
  EMB_TOKEN_FEATURE_SCRIPT,         /* Latin, CJK, Cyrillic, other, no letters */
} EmbTokenFeature;

/* Per-row category of a token feature (n_rows), with the category names
 * (NULL-terminated, index order) and their count. */
guint16  *emb_token_categories (EmbVocab        *vocab,
                                EmbTokenFeature  feature,
                                guint           *n_values,
                                char          ***names);

/* Rows to show when special tokens are hidden: 0 for control, byte and
 * unused tokens, 1 otherwise; NULL when the vocabulary has none. */
guint8   *emb_visible_without_special (EmbVocab *vocab);

/* A cluster's label: its n tokens nearest the centroid, joined by " · ". */
char     *emb_cluster_label (const EmbKmeans *km,
                             const EmbMatrix *matrix,
                             EmbVocab        *vocab,
                             gsize            c,
                             gsize            n);

/* Each cluster's 2-D position on the plot: the mean of its points' xs/ys
 * (out_xy: 2 per cluster; an empty cluster gets NaN). */
void      emb_cluster_positions (const EmbKmeans *km,
                                 const float     *xs,
                                 const float     *ys,
                                 float           *out_xy);

/* A perceptual sequential colour map (dark blue to yellow, like viridis)
 * at t in 0 .. 1, as 0xRRGGBB. */
guint32   emb_sequential_color (double t);

/* A colour-blind-safe categorical palette, 0xRRGGBB: the first 8 colours
 * are the Okabe–Ito set, then distinct hues stepped by the golden angle at
 * alternating lightness, for as many categories as asked. */
guint32   emb_palette_color (guint index);

/* Values binned on a ramp: category[i] = round (t * (n_bins - 1)) with
 * t = (values[i] - lo) / (hi - lo) clamped to 0 .. 1, where lo and hi are
 * the 1st and 99th percentiles (sorted[floor (0.01 (n - 1))] and
 * sorted[floor (0.99 (n - 1))]), so outliers do not flatten the map; when
 * hi <= lo, hi = lo + 1e-6. */
typedef struct
{
  gsize    n_rows;
  guint    n_bins;
  guint16 *category;    /* n_rows bins, 0 .. n_bins - 1 */
  double   lo, hi;      /* the values of bin 0 and bin n_bins - 1 */
} EmbRamp;

/* Fails (EMB_ERROR_INVALID) when n is 0 or n_bins is not in 2 .. 65536. */
EmbRamp  *emb_ramp_new            (const float  *values,
                                   gsize         n,
                                   guint         n_bins,
                                   GError      **error);
void      emb_ramp_free           (EmbRamp *ramp);

/* The sequential colour of each of n_bins bins (n_bins new 0xRRGGBB). */
guint32  *emb_ramp_palette        (guint n_bins);

/* emb_ramp_new on a copy of values, in a worker thread. */
void      emb_ramp_new_async      (const float         *values,
                                   gsize                n,
                                   guint                n_bins,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
EmbRamp  *emb_ramp_new_finish     (GAsyncResult  *result,
                                   GError       **error);

/* k-means clusters with a name for each: its label_tokens tokens nearest
 * the centroid (emb_cluster_label). */
typedef struct
{
  EmbKmeans *kmeans;
  char     **labels;    /* k names, NULL-terminated */
} EmbClusters;

EmbClusters *emb_clusters_compute        (EmbMatrix              *matrix,
                                          EmbVocab               *vocab,
                                          const EmbKmeansOptions *options,
                                          guint                   label_tokens,
                                          GCancellable           *cancellable,
                                          EmbProgressFunc         progress,
                                          gpointer                progress_data,
                                          GError                **error);
void         emb_clusters_free           (EmbClusters *clusters);

/* Each row's cluster as a category (n_rows new indices). */
guint16     *emb_clusters_categories     (const EmbClusters *clusters);

/* emb_clusters_compute in a worker thread; matrix and vocab are ref'd and
 * options copied.  progress (may be NULL) is called from the worker thread
 * and progress_data must stay valid until callback runs. */
void         emb_clusters_compute_async  (EmbMatrix              *matrix,
                                          EmbVocab               *vocab,
                                          const EmbKmeansOptions *options,
                                          guint                   label_tokens,
                                          GCancellable           *cancellable,
                                          EmbProgressFunc         progress,
                                          gpointer                progress_data,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data);
EmbClusters *emb_clusters_compute_finish (GAsyncResult  *result,
                                          GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbRamp, emb_ramp_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbClusters, emb_clusters_free)

G_END_DECLS
