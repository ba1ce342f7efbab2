/* emb-figure-labels.c: the highlights and labels of a figure: the
 * selection and its neighbours, token labels (placed and drawn by
 * emb-labels.c, as on screen), and cluster names that give way to the
 * selection's labels.
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

static gboolean
boxes_overlap (const Box *a, const Box *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width &&
         a->y < b->y + b->height && b->y < a->y + a->height;
}

static gboolean
overlaps_any (const Box *b, GArray *boxes)
{
  for (guint i = 0; i < boxes->len; i++)
    if (boxes_overlap (b, &g_array_index (boxes, Box, i)))
      return TRUE;
  return FALSE;
}

/* Cluster labels in the order given, each centred on its position or, if
 * that box is taken (by an obstacle or an earlier cluster label), moved
 * up or down by a line or two; one that finds no room is left out: a
 * readable subset beats a pile.  Returns the boxes (also appended to
 * obstacles), with the texts in texts. */
static GArray *
place_cluster_labels (Figure *f, GArray *obstacles, GPtrArray *texts)
{
  static const double shifts[] = { 0, -1.05, 1.05, -2.1, 2.1 };
  const EmbPlot *plot = f->plot;
  const EmbPlotLayout *l = &f->layout;
  GArray *boxes = g_array_new (FALSE, FALSE, sizeof (Box));

  if (plot->cluster_labels == NULL || plot->cluster_xy == NULL)
    return boxes;
  for (guint i = 0; i < plot->n_cluster_labels; i++)
    {
      g_autofree char *text = _emb_clean_text (plot->cluster_labels[i], MAX_LABEL_CHARS);
      double cx, cy, w, h;

      if (*text == '\0' || !isfinite (plot->cluster_xy[2 * i]) || !isfinite (plot->cluster_xy[2 * i + 1]))
        continue;
      data_to_figure (f, plot->cluster_xy[2 * i], plot->cluster_xy[2 * i + 1], &cx, &cy);
      if (cx < l->x || cx > l->x + l->width || cy < l->y || cy > l->y + l->height)
        continue;
      w = _emb_figure_text_width (f, FONT_CLUSTER, text);
      h = f->m.line_height[FONT_CLUSTER];
      for (guint k = 0; k < G_N_ELEMENTS (shifts); k++)
        {
          Box b;

          /* Kept inside the frame: SVG text is not clipped. */
          b.width = w;
          b.height = h;
          b.x = CLAMP (cx - w / 2, l->x + 2, MAX (l->x + l->width - w - 2, l->x + 2));
          b.y = cy - h / 2 + shifts[k] * h;
          if (b.y < l->y + 2 || b.y + h > l->y + l->height - 2)
            continue;
          if (overlaps_any (&b, obstacles))
            continue;
          g_array_append_val (boxes, b);
          g_array_append_val (obstacles, b);
          g_ptr_array_add (texts, g_steal_pointer (&text));
          break;
        }
    }
  return boxes;
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

/* Token labels (emb_labels_place ()), and cluster labels around the
 * highlights' labels and over the others; ordinary token labels give way
 * to cluster labels. */
void
_emb_figure_draw_labels (Figure *f)
{
  const EmbPlot *plot = f->plot;
  const Metrics *m = &f->m;
  g_autoptr(GPtrArray) cluster_texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) clusters = NULL;
  g_autoptr(GArray) obstacles = g_array_new (FALSE, FALSE, sizeof (Box));
  g_autoptr(GArray) labels = NULL;
  g_autoptr(EmbLabelCache) cache = emb_label_cache_new ();
  EmbOverlay overlay;
  EmbOverlayTarget target;
  EmbLabelSpec spec;

  _emb_figure_overlay (f, &overlay, &target);
  label_spec (f, &overlay, &target, &spec);
  labels = emb_labels_place (&spec, cache);

  /* Cluster labels keep clear of the selection's marker and of the
   * highlights' labels. */
  if (_emb_plot_valid_id (plot, plot->selected))
    {
      double sx, sy, r = m->selection_radius * 1.25;
      Box b;

      data_to_figure (f, plot->xs[plot->selected], plot->ys[plot->selected], &sx, &sy);
      b = (Box) { sx - r, sy - r, 2 * r, 2 * r };
      g_array_append_val (obstacles, b);
    }
  for (guint k = 0; k < labels->len; k++)
    if (g_array_index (labels, EmbLabel, k).highlight)
      {
        Box b = label_box (f, &g_array_index (labels, EmbLabel, k));

        g_array_append_val (obstacles, b);
      }
  clusters = place_cluster_labels (f, obstacles, cluster_texts);
  for (guint k = labels->len; k-- > 0; )
    {
      const EmbLabel *label = &g_array_index (labels, EmbLabel, k);
      Box b = label_box (f, label);

      if (!label->highlight && overlaps_any (&b, clusters))
        g_array_remove_index (labels, k);
    }

  if (f->svg != NULL)
    {
      /* The same boxes, written as <text>. */
      for (guint k = 0; k < labels->len; k++)
        {
          const EmbLabel *label = &g_array_index (labels, EmbLabel, k);
          Box b = label_box (f, label);

          _emb_figure_draw_text (f, label->selected ? FONT_TOKEN_BOLD : FONT_TOKEN, label->text,
                                 b.x, b.y, ANCHOR_START, FALSE, FALSE,
                                 f->colors.foreground, label->highlight ? 1.0 : 0.85,
                                 m->font_size[FONT_TOKEN] * 0.3);
        }
    }
  else
    {
      cairo_save (f->cr);
      cairo_translate (f->cr, f->layout.x, f->layout.y);
      emb_labels_draw (labels, &spec, cache, f->cr, f->colors.foreground, f->colors.halo,
                       m->font_size[FONT_TOKEN] * 0.3, 0.85);
      cairo_restore (f->cr);
    }

  for (guint j = 0; j < clusters->len; j++)
    {
      const Box *b = &g_array_index (clusters, Box, j);

      _emb_figure_draw_text (f, FONT_CLUSTER, g_ptr_array_index (cluster_texts, j),
                 b->x + b->width / 2, b->y, ANCHOR_MIDDLE, FALSE, FALSE,
                 f->colors.foreground, 1.0, m->font_size[FONT_CLUSTER] * 0.3);
    }
}
