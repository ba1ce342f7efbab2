/* emb-plot-view-private.h: what the files of EmbPlotView share.
 *
 * emb-plot-view.c is the widget: its struct, the point layout and the
 * texture rendered from it, and the snapshot; emb-plot-view-input.c the
 * pan, zoom, hover, click and fly-to; emb-plot-view-labels.c the labels;
 * emb-plot-view-state.c the setters and getters of the public API.
 */
#pragma once

#include "emb-plot-view.h"
#include "plot/emb-labels.h"
#include "plot/emb-overlay.h"
#include "plot/emb-render.h"
#include "plot/emb-theme.h"

G_BEGIN_DECLS

#define HIT_RADIUS_PX    8.0
#define MIN_SCALE_FACTOR 0.2    /* of the fitted scale */
#define MAX_SCALE_FACTOR 20000.0
#define FLY_DURATION_US  350000
/* Point centre to token label, and further out for the selection, whose
 * marker is bigger. */
#define LABEL_GAP            4.0
#define SELECTED_LABEL_SHIFT 6.0

/* The point layout for one pair of axes: kept alive by renders in flight. */
typedef struct
{
  gint             ref_count;
  gsize            n;
  float           *xs;
  float           *ys;
  guint16         *category;   /* NULL: palette[0] */
  guint32         *palette;
  guint            n_palette;
  guint8          *visible;    /* NULL: all */
  EmbSpatialIndex *index;
} Layout;

struct _EmbPlotView
{
  GtkWidget     parent_instance;

  /* owned */
  EmbScene     *scene;
  Layout       *layout;
  guint         x_component;     /* of the PCA, or of the map when one is set */
  guint         y_component;
  float        *map;             /* n_rows x map_dims t-SNE/UMAP layout, or NULL */
  guint         map_dims;
  guint16      *category;
  guint32      *palette;
  guint         n_palette;
  guint8       *visible;

  EmbView       view;             /* logical pixels; scale 0 = not fitted yet */
  gboolean      view_moved;       /* panned, zoomed or flown since the last fit */
  double        fitted_scale;

  GdkTexture   *texture;
  EmbView       texture_view;     /* logical view the texture was drawn at */
  int           texture_scale;    /* device scale it was drawn at */
  GCancellable *render_cancellable; /* the render in flight, or NULL */
  EmbView       render_view;      /* device view it draws */
  Layout       *render_layout;    /* borrowed: the layout it draws (it holds a ref) */
  gboolean      render_dirty;     /* render again when it ends */
  gboolean      disposed;

  gssize        selection;
  GArray       *neighbors;        /* gsize */
  GArray       *matches;          /* gsize */
  GArray       *analogy;          /* gsize: a, b, c, results... */
  GPtrArray    *cluster_names;    /* char*, shown at cluster_xy */
  GArray       *cluster_xy;       /* float, 2 per label */
  gssize        hover;
  double        label_density;
  EmbLabelCache *label_cache;     /* token labels laid out */

  /* gestures */
  double        drag_center_x;
  double        drag_center_y;
  double        zoom_start_scale;
  gboolean      dragged;
  double        pointer_x;        /* last pointer position, -1 when outside */
  double        pointer_y;

  /* fly-to animation */
  guint         fly_tick;
  gint64        fly_start;
  EmbView       fly_from;
  EmbView       fly_to;
};

/* emb-plot-view.c */
gboolean _emb_plot_view_is_dark           (EmbPlotView      *self);
void     _emb_plot_view_rgb_to_gdk        (guint32           rgb,
                                           double            alpha,
                                           GdkRGBA          *out);
void     _emb_plot_view_background_color  (EmbPlotView      *self,
                                           GdkRGBA          *out);
void     _emb_plot_view_foreground_color  (EmbPlotView      *self,
                                           GdkRGBA          *out);
void     _emb_plot_view_get_overlay       (EmbPlotView      *self,
                                           EmbOverlay       *overlay,
                                           EmbOverlayTarget *target);
void     _emb_plot_view_drop_texture      (EmbPlotView      *self);
void     _emb_plot_view_clear_label_cache (EmbPlotView      *self);
void     _emb_plot_view_rebuild_layout    (EmbPlotView      *self);
void     _emb_plot_view_fit_view          (EmbPlotView      *self,
                                           EmbView          *out);
void     _emb_plot_view_start_render      (EmbPlotView      *self);
void     _emb_plot_view_cancel_render     (EmbPlotView      *self);
gboolean _emb_plot_view_views_equal       (const EmbView    *a,
                                           const EmbView    *b);
void     _emb_plot_view_set_view          (EmbPlotView      *self,
                                           const EmbView    *view);
void     _emb_plot_view_point_activated   (EmbPlotView      *self,
                                           gsize             id);

/* emb-plot-view-input.c */
void     _emb_plot_view_point_pixel       (EmbPlotView      *self,
                                           gsize             id,
                                           double           *px,
                                           double           *py);
gssize   _emb_plot_view_hit_test          (EmbPlotView      *self,
                                           double            px,
                                           double            py);
void     _emb_plot_view_zoom_around       (EmbPlotView      *self,
                                           double            factor,
                                           double            px,
                                           double            py);
void     _emb_plot_view_stop_fly          (EmbPlotView      *self);
void     _emb_plot_view_class_init_input  (GtkWidgetClass   *widget_class);
void     _emb_plot_view_init_input        (EmbPlotView      *self);

/* emb-plot-view-labels.c */
void     _emb_plot_view_snapshot_labels   (EmbPlotView      *self,
                                           GtkSnapshot      *snapshot);

G_END_DECLS
