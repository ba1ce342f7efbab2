/* emb-figure-labels.c: the highlights and labels of a figure: the
 * selection and its neighbours, token labels placed greedily without
 * overlaps (emb_place_labels ()), and cluster names that give way to the
 * selection's labels.
 */
#include "config.h"

#include "plot/emb-figure-private.h"

/* Candidate token labels measured at most (each costs a text layout). */
#define MAX_LABEL_CANDIDATES 6000

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

typedef struct
{
  GArray    *candidates;   /* EmbLabelCandidate */
  GPtrArray *texts;        /* per candidate */
  GArray    *shift;        /* double per candidate: how far right of the gap */
} LabelPool;

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

static void
pool_add (Figure *f, LabelPool *pool, gsize id, double shift)
{
  g_autofree char *text = _emb_clean_text (emb_vocab_display (f->plot->vocab, id), MAX_LABEL_CHARS);
  gboolean bold = (gssize) id == f->plot->selected;
  EmbLabelCandidate c;

  if (*text == '\0')
    return;
  c.id = id;
  c.width = _emb_figure_text_width (f, bold ? FONT_TOKEN_BOLD : FONT_TOKEN, text) + shift + 1;
  c.height = f->m.line_height[FONT_TOKEN];
  g_array_append_val (pool->candidates, c);
  g_array_append_val (pool->shift, shift);
  g_ptr_array_add (pool->texts, g_steal_pointer (&text));
}

/* The token labels that fit, in pool (the candidates measured) and as
 * boxes in figure units with their candidate's index; returns how many of
 * the pool's first candidates are highlights: the overlay's rows always
 * (the selection, neighbours, analogy, first matches: what the figure
 * points at), then up to
 * n_token_labels others by ascending id, placed greedily without
 * overlaps. */
static gsize
place_token_labels (Figure    *f,
                    LabelPool *pool,
                    GArray    *token_boxes,
                    GArray    *token_index)
{
  const EmbPlot *plot = f->plot;
  const EmbPlotLayout *l = &f->layout;
  const Metrics *m = &f->m;
  g_autoptr(GHashTable) taken = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) index_of = NULL;
  gsize n_vocab = plot->vocab != NULL ? emb_vocab_size (plot->vocab) : 0;
  gsize n_highlight = 0, next_id = 0, want, n_kept = 0;
  g_autofree gsize *kept = NULL;
  g_autofree float *kept_xy = NULL;
  double gap = m->point_radius + m->unit * 0.15;

  if (n_vocab > 0)
    {
      EmbOverlay overlay;
      EmbOverlayTarget target;
      g_autofree gsize *first = NULL;
      gsize n_first;

      _emb_figure_overlay (f, &overlay, &target);
      first = g_new (gsize, 1 + overlay.n_neighbors + overlay.n_analogy + overlay.n_matches);
      n_first = emb_overlay_label_ids (&overlay, &target, first,
                                       1 + overlay.n_neighbors + overlay.n_analogy + overlay.n_matches);
      for (gsize i = 0; i < n_first; i++)
        {
          double marker = (gssize) first[i] == plot->selected ? m->selection_radius : m->neighbor_radius;

          if (first[i] >= n_vocab)
            continue;
          g_hash_table_add (taken, GSIZE_TO_POINTER (first[i] + 1));
          pool_add (f, pool, first[i], marker * 1.2 - m->point_radius);
        }
    }
  n_highlight = pool->candidates->len;
  want = n_vocab > 0 ? MIN (plot->n_token_labels, n_vocab) : 0;

  /* Measuring a label costs a text layout, so the pool of ordinary
   * candidates grows in steps until enough of them are placed; greedy
   * placement over a longer list keeps every earlier choice. */
  kept = g_new (gsize, n_highlight + want + 1);
  kept_xy = g_new (float, 2 * (n_highlight + want + 1));
  for (gsize target = want * 3 + 16; ; target *= 4)
    {
      gboolean exhausted = FALSE;

      target = MIN (target, (gsize) MAX_LABEL_CANDIDATES);
      while (want > 0 && pool->candidates->len - n_highlight < target)
        {
          double px, py;
          gsize id = next_id++;

          if (id >= MIN (n_vocab, plot->n))
            {
              exhausted = TRUE;
              break;
            }
          if (!_emb_plot_point_visible (plot, id) || g_hash_table_contains (taken, GSIZE_TO_POINTER (id + 1)))
            continue;
          emb_view_to_pixel (&l->view, plot->xs[id], plot->ys[id], &px, &py);
          if (px < 0 || py < 0 || px >= l->width || py >= l->height)
            continue;
          pool_add (f, pool, id, 0);
        }
      n_kept = emb_place_labels ((const EmbLabelCandidate *) pool->candidates->data,
                                 pool->candidates->len, plot->xs, plot->ys, &l->view,
                                 gap, n_highlight + want, kept, kept_xy);
      if (want == 0 || exhausted || n_kept >= n_highlight + want ||
          target >= MAX_LABEL_CANDIDATES)
        break;
    }

  /* kept[] are ids; find each one's candidate again (ids are unique). */
  index_of = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < pool->candidates->len; i++)
    g_hash_table_insert (index_of,
                         GSIZE_TO_POINTER (g_array_index (pool->candidates, EmbLabelCandidate, i).id + 1),
                         GUINT_TO_POINTER (i));
  for (gsize k = 0; k < n_kept; k++)
    {
      guint i = GPOINTER_TO_UINT (g_hash_table_lookup (index_of, GSIZE_TO_POINTER (kept[k] + 1)));
      const EmbLabelCandidate *c = &g_array_index (pool->candidates, EmbLabelCandidate, i);
      double shift = g_array_index (pool->shift, double, i);
      Box b = { l->x + kept_xy[2 * k] + shift, l->y + kept_xy[2 * k + 1], c->width - shift, c->height };

      g_array_append_val (token_boxes, b);
      g_array_append_val (token_index, i);
    }
  return n_highlight;
}

/* Token labels (see place_token_labels ()), and cluster labels around the
 * highlights' labels and over the others. */
void
_emb_figure_draw_labels (Figure *f)
{
  const EmbPlot *plot = f->plot;
  const Metrics *m = &f->m;
  g_autoptr(GPtrArray) cluster_texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) clusters = NULL;
  g_autoptr(GArray) obstacles = g_array_new (FALSE, FALSE, sizeof (Box));
  g_autoptr(GArray) token_boxes = g_array_new (FALSE, FALSE, sizeof (Box));
  g_autoptr(GArray) token_index = g_array_new (FALSE, FALSE, sizeof (guint));
  LabelPool pool;
  gsize n_highlight;

  pool.candidates = g_array_new (FALSE, FALSE, sizeof (EmbLabelCandidate));
  pool.texts = g_ptr_array_new_with_free_func (g_free);
  pool.shift = g_array_new (FALSE, FALSE, sizeof (double));
  n_highlight = place_token_labels (f, &pool, token_boxes, token_index);

  /* Cluster labels keep clear of the selection's marker and of the
   * selection's and neighbours' labels; ordinary token labels give way to
   * them. */
  if (_emb_plot_valid_id (plot, plot->selected))
    {
      double sx, sy, r = m->selection_radius * 1.25;
      Box b;

      data_to_figure (f, plot->xs[plot->selected], plot->ys[plot->selected], &sx, &sy);
      b = (Box) { sx - r, sy - r, 2 * r, 2 * r };
      g_array_append_val (obstacles, b);
    }
  for (guint k = 0; k < token_boxes->len; k++)
    if (g_array_index (token_index, guint, k) < n_highlight)
      g_array_append_val (obstacles, g_array_index (token_boxes, Box, k));
  clusters = place_cluster_labels (f, obstacles, cluster_texts);

  for (guint k = 0; k < token_boxes->len; k++)
    {
      guint i = g_array_index (token_index, guint, k);
      const Box *b = &g_array_index (token_boxes, Box, k);
      gboolean highlight = i < n_highlight;
      gboolean bold = (gssize) g_array_index (pool.candidates, EmbLabelCandidate, i).id == plot->selected;

      if (!highlight && overlaps_any (b, clusters))
        continue;
      _emb_figure_draw_text (f, bold ? FONT_TOKEN_BOLD : FONT_TOKEN, g_ptr_array_index (pool.texts, i),
                 b->x, b->y, ANCHOR_START, FALSE, FALSE,
                 f->colors.foreground, highlight ? 1.0 : 0.85,
                 m->font_size[FONT_TOKEN] * 0.3);
    }

  for (guint j = 0; j < clusters->len; j++)
    {
      const Box *b = &g_array_index (clusters, Box, j);

      _emb_figure_draw_text (f, FONT_CLUSTER, g_ptr_array_index (cluster_texts, j),
                 b->x + b->width / 2, b->y, ANCHOR_MIDDLE, FALSE, FALSE,
                 f->colors.foreground, 1.0, m->font_size[FONT_CLUSTER] * 0.3);
    }

  g_array_unref (pool.candidates);
  g_ptr_array_unref (pool.texts);
  g_array_unref (pool.shift);
}
