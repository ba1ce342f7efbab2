/* emb-scene.h: what the app shows for one loaded file.
 *
 * A scene is computed once per file, off the UI thread: the dataset, its
 * exact PCA (up to EMB_SCENE_COMPONENTS components), every row's coordinates
 * on those components, and the neighbour index.  Read-only afterwards, so
 * any thread may use it.
 */
#pragma once

#include "io/emb-dataset.h"
#include "analysis/emb-kmeans.h"
#include "analysis/emb-knn.h"
#include "analysis/emb-pca.h"

G_BEGIN_DECLS

#define EMB_SCENE_COMPONENTS 10

typedef struct
{
  EmbDataset  *dataset;
  EmbPca      *pca;
  gsize        n_components;
  float       *coords;        /* n_rows x n_components, row-major */
  float       *norms;         /* n_rows euclidean norms */
  EmbKnnIndex *knn;

  /*< private >*/
  gint         ref_count;
} EmbScene;

/* Loads path and computes the scene; progress goes 0 .. 1 over both. */
EmbScene *emb_scene_load   (const char           *path,
                            const EmbLoadOptions *options,
                            GCancellable         *cancellable,
                            EmbProgressFunc       progress,
                            gpointer              progress_data,
                            GError              **error);

EmbScene *emb_scene_new    (EmbDataset      *dataset,
                            GCancellable    *cancellable,
                            GError         **error);
EmbScene *emb_scene_ref    (EmbScene *self);
void      emb_scene_unref  (EmbScene *self);

gsize     emb_scene_n_rows (const EmbScene *self);

/* Copies component c (0-based) of every row into out (n_rows floats). */
void      emb_scene_axis   (const EmbScene *self,
                            guint           c,
                            float          *out);

/* Token search over display and raw text.  Returns the matching ids, best
 * first: exact matches, then prefix matches, then the rest, each group in id
 * order (frequency order in most vocabularies).  With regex, query is a
 * GRegex pattern (a bad one is an EMB_ERROR_INVALID error).  Case folds
 * unless the query has an upper-case letter. */
GArray   *emb_search_tokens (EmbVocab      *vocab,
                             const char    *query,
                             gboolean       regex,
                             GCancellable  *cancellable,
                             GError       **error);

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbScene, emb_scene_unref)

G_END_DECLS
