/* emb-figure-labels.c: the highlights and labels of a figure: the
 * selection and its neighbours, token labels (placed and drawn by
 * emb-labels.c, as on screen), and cluster names (emb-cluster-labels.c,
 * as on screen), placed before the token labels.
 */
#include "config.h"

#include "plot/emb-figure-private.h"
#include "plot/emb-labels.h"

/* The plot's highlights as the overlay draws them, over the frame. */
void
_emb_figure_overlay (const Figure     *f,
                     EmbOverlay       *overlay,
                     EmbOverlayTarget *target)
{
  const EmbPlot *plot = f->plot;

  *overlay = (EmbOverlay) {
    .selected = plot->selected,
    .neighbors = plot->neighbors,
    .n_neighbors = plot->neighbors != NULL ? plot->n_neighbors : 0,
    .matches = plot->matches,
    .n_matches = plot->matches != NULL ? plot->n_matches : 0,
    .analogy = plot->analogy,
    .n_analogy = plot->analogy != NULL ? plot->n_analogy : 0,
  };
  *target = (EmbOverlayTarget) {
    .xs = plot->xs,
    .ys = plot->ys,
    .n = plot->xs != NULL && plot->ys != NULL ? plot->n : 0,
    .visible = plot->visible,
    .view = f->layout.view,
    .scale = f->m.overlay_scale,
  };
}

/* Rings, lines, arrows and the selection: core's overlay, the screen's
 * drawing, clipped to the frame. */
void
_emb_figure_draw_highlights (Figure *f)
{
  const EmbPlotLayout *l = &f->layout;
  EmbOverlay overlay;
  EmbOverlayTarget target;

  _emb_figure_overlay (f, &overlay, &target);
  cairo_save (f->cr);
  cairo_rectangle (f->cr, l->x, l->y, l->width, l->height);
  cairo_clip (f->cr);
  cairo_translate (f->cr, l->x, l->y);
  emb_overlay_draw_marks (&overlay, &target, f->cr);
  emb_overlay_draw_selection (&overlay, &target, f->cr);
  cairo_restore (f->cr);
}

/* The cluster names as core places them for the screen, in the frame's
 * units: clear of the selection's marker, inside the frame (SVG text is
 * not clipped). */
static void
cluster_spec (const Figure *f, EmbClusterLabelSpec *spec)
{
  const EmbPlot *plot = f->plot;

  *spec = (EmbClusterLabelSpec) {
    .names = plot->cluster_xy != NULL ? (const char * const *) plot->cluster_labels : NULL,
    .xy = plot->cluster_xy,
    .n = plot->cluster_labels != NULL ? plot->n_cluster_labels : 0,
    .view = &f->layout.view,
    .pango = f->pango,
    .font = f->fonts[FONT_CLUSTER],
    .margin = 2,
  };
  if (_emb_plot_valid_id (plot, plot->selected))
    {
      emb_view_to_pixel (&f->layout.view, plot->xs[plot->selected], plot->ys[plot->selected],
                         &spec->avoid_x, &spec->avoid_y);
      spec->avoid_radius = f->m.selection_radius * 1.25;
    }
}

/* The token labels as core's labels place them for the screen, in the
 * frame's units: the overlay's rows first, then up to n_token_labels
 * others by ascending id. */
static void
label_spec (const Figure           *f,
            const EmbOverlay       *overlay,
            const EmbOverlayTarget *target,
            EmbLabelSpec           *spec)
{
  const Metrics *m = &f->m;

  *spec = (EmbLabelSpec) {
    .overlay = overlay,
    .target = target,
    .vocab = f->plot->vocab,
    .n_labels = f->plot->n_token_labels,
    .pango = f->pango,
    .font = f->fonts[FONT_TOKEN],
    .bold_font = f->fonts[FONT_TOKEN_BOLD],
    .gap = m->point_radius + m->unit * 0.15,
    .selected_gap = m->selection_radius * 1.2 - m->point_radius,
    .highlight_gap = m->neighbor_radius * 1.2 - m->point_radius,
  };
}

static Box
label_box (const Figure *f, const EmbLabel *label)
{
  return (Box) { f->layout.x + label->x, f->layout.y + label->y, label->width, label->height };
}

/* Cluster names first (emb_cluster_labels_place ()), then the token
 * labels around them (emb_labels_place ()), the highlights' first; both
 * as on screen.  SVG writes the same boxes as <text>. */
void
_emb_figure_draw_labels (Figure *f)
{
  const Metrics *m = &f->m;
  g_autoptr(GArray) clusters = NULL;
  g_autoptr(GArray) labels = NULL;
  g_autoptr(EmbLabelCache) cache = emb_label_cache_new ();
  EmbClusterLabelSpec cspec;
  EmbOverlay overlay;
  EmbOverlayTarget target;
  EmbLabelSpec spec;

  cluster_spec (f, &cspec);
  clusters = emb_cluster_labels_place (&cspec);
  _emb_figure_overlay (f, &overlay, &target);
  label_spec (f, &overlay, &target, &spec);
  spec.clusters = clusters;
  labels = emb_labels_place (&spec, cache);

  if (f->svg != NULL)
    {
      for (guint k = 0; k < labels->len; k++)
        {
          const EmbLabel *label = &g_array_index (labels, EmbLabel, k);
          Box b = label_box (f, label);

          _emb_figure_draw_text (f, label->selected ? FONT_TOKEN_BOLD : FONT_TOKEN, label->text,
                                 b.x, b.y, ANCHOR_START, FALSE, FALSE,
                                 f->colors.foreground, label->highlight ? 1.0 : 0.85,
                                 m->font_size[FONT_TOKEN] * 0.3);
        }
      for (guint j = 0; j < clusters->len; j++)
        {
          const EmbClusterLabel *c = &g_array_index (clusters, EmbClusterLabel, j);

          _emb_figure_draw_text (f, FONT_CLUSTER, c->text,
                                 f->layout.x + c->x + c->width / 2, f->layout.y + c->y,
                                 ANCHOR_MIDDLE, FALSE, FALSE,
                                 f->colors.foreground, 1.0, m->font_size[FONT_CLUSTER] * 0.3);
        }
      return;
    }
  cairo_save (f->cr);
  cairo_translate (f->cr, f->layout.x, f->layout.y);
  emb_labels_draw (labels, &spec, cache, f->cr, f->colors.foreground, f->colors.halo,
                   m->font_size[FONT_TOKEN] * 0.3, 0.85);
  emb_cluster_labels_draw (clusters, &cspec, f->cr, f->colors.foreground, f->colors.halo,
                           m->font_size[FONT_CLUSTER] * 0.3);
  cairo_restore (f->cr);
}
