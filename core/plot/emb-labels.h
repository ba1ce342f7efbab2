/* emb-labels.h: token labels, placed and drawn once for the screen and for
 * every export.
 *
 * Each label is measured by laying out its real text with pango (so CJK
 * and other wide scripts get their shaped width), then placed greedily
 * over the occupancy grid of emb_place_labels (): the overlay's rows first
 * (emb_overlay_label_ids ()), then the shown rows in the view by ascending
 * id, all clear of the cluster names placed before them.  No two placed
 * boxes overlap; a label that does not fit is left out.
 */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "model/emb-vocab.h"
#include "plot/emb-cluster-labels.h"
#include "plot/emb-overlay.h"
#include "plot/emb-render.h"

G_BEGIN_DECLS

/* One placed label: its text box in the target's units (the view's pixels,
 * top-left corner), as wide and high as pango's logical extents of text. */
typedef struct
{
  gsize     id;
  char     *text;        /* one line, cleaned */
  double    x;
  double    y;
  double    width;
  double    height;
  gboolean  highlight;   /* one of the overlay's rows */
  gboolean  selected;    /* the selection: bold */
} EmbLabel;

/* Laid-out labels kept between frames, keyed by row and weight; cleared
 * when the fonts or the vocabulary change.  Not thread-safe: one per drawing thread. */
typedef struct _EmbLabelCache EmbLabelCache;

EmbLabelCache *emb_label_cache_new   (void);
void           emb_label_cache_clear (EmbLabelCache *cache);
void           emb_label_cache_free  (EmbLabelCache *cache);

typedef struct
{
  const EmbOverlay           *overlay;     /* labelled first */
  const EmbOverlayTarget     *target;      /* points and view */
  const EmbVocab             *vocab;
  const EmbSpatialIndex      *index;       /* over target's points, or NULL */
  gsize                       n_labels;    /* ordinary labels wanted */
  PangoContext               *pango;
  const PangoFontDescription *font;        /* NULL: pango's */
  const PangoFontDescription *bold_font;   /* the selection's; NULL: font, bold */
  double                      gap;         /* point centre to label */
  double                      selected_gap;  /* the selection's label */
  double                      highlight_gap; /* the other overlay rows' */
  /* Cluster names placed before (emb_cluster_labels_place ()), in the
   * same units: no label is placed over one.  NULL: none. */
  const GArray               *clusters;
} EmbLabelSpec;

/* The labels that fit, in placement order (highlights first), as an array
 * of EmbLabel that frees their texts.  cache may be NULL. */
GArray *emb_labels_place (const EmbLabelSpec *spec,
                          EmbLabelCache      *cache);

/* Draws labels at their boxes into cr: each outlined with a halo band
 * halo_width wide (0: none), then filled in rgb, ordinary rows at
 * ordinary_alpha.  spec and cache as given to emb_labels_place (). */
void    emb_labels_draw  (const GArray       *labels,
                          const EmbLabelSpec *spec,
                          EmbLabelCache      *cache,
                          cairo_t            *cr,
                          guint32             rgb,
                          guint32             halo_rgb,
                          double              halo_width,
                          double              ordinary_alpha);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmbLabelCache, emb_label_cache_free)

G_END_DECLS
