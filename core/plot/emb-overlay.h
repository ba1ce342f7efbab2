/* emb-overlay.h: the highlights drawn over the points, on screen and in
 * every exported file: search-match rings, lines from the selection to
 * its neighbours, the neighbours' discs, analogy arrows, and the
 * selection's marker.  Hidden points (the visibility mask, e.g. special
 * tokens left out) get no mark.  Which tokens are labelled first is the
 * overlay's too (emb_overlay_label_ids ()).
 *
 * The same cairo code draws onto the screen (EmbPlotView's snapshot,
 * through gtk_snapshot_append_cairo ()) and onto a figure; sizes are the
 * screen's in pixels times a scale, so a figure scales them with its text.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "plot/emb-render.h"

G_BEGIN_DECLS

/* What is highlighted (ids are rows; all borrowed). */
typedef struct
{
  gssize       selected;        /* -1: none */
  const gsize *neighbors;       /* lines from the selection */
  gsize        n_neighbors;
  const gsize *matches;         /* search matches: rings */
  gsize        n_matches;
  const gsize *analogy;         /* a, b, c, result: arrows b -> a, c -> result */
  gsize        n_analogy;       /* 4, or 0: none */
} EmbOverlay;

/* Where the overlay goes: point coordinates and the view that maps them to
 * cr's user space (view.width x view.height units from the origin). */
typedef struct
{
  const float  *xs;
  const float  *ys;
  gsize         n;
  const guint8 *visible;        /* or NULL: all */
  EmbView       view;
  double        scale;          /* 1: the screen's sizes, in cr units */
} EmbOverlayTarget;

/* The selection's marker, outer radius at scale 1 (its white rim). */
#define EMB_OVERLAY_SELECTION_RADIUS 8.0
/* A neighbour's or analogy term's disc, radius at scale 1. */
#define EMB_OVERLAY_MARK_RADIUS      4.0

/* How many labels a label density (0 .. 1) asks for. */
gsize    emb_label_budget          (double                  density);

/* TRUE when id is a row of the target and is shown. */
gboolean emb_overlay_target_shows  (const EmbOverlayTarget *target,
                                    gssize                  id);

/* Rings, lines, neighbour discs and analogy arrows. */
void     emb_overlay_draw_marks    (const EmbOverlay       *overlay,
                                    const EmbOverlayTarget *target,
                                    cairo_t                *cr);

/* The selection's marker, drawn over everything else. */
void     emb_overlay_draw_selection (const EmbOverlay       *overlay,
                                     const EmbOverlayTarget *target,
                                     cairo_t                *cr);

/* The rows that are labelled before any other, in order: the selection,
 * its neighbours, the analogy's terms, then the first search matches;
 * each once, shown rows only.  Writes up to max_out ids; returns how
 * many. */
gsize    emb_overlay_label_ids     (const EmbOverlay       *overlay,
                                    const EmbOverlayTarget *target,
                                    gsize                  *out,
                                    gsize                   max_out);

G_END_DECLS
