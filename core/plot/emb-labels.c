/* emb-labels.c: token labels measured with pango, placed greedily without
 * overlaps and drawn with cairo; the screen and every export call these.
 */
#include "config.h"

#include "plot/emb-figure-private.h"
#include "plot/emb-labels.h"

/* Candidate token labels measured at most (each costs a text layout). */
#define MAX_LABEL_CANDIDATES 6000
/* Layouts a cache keeps before it starts again. */
#define CACHE_MAX 8192
/* Room a candidate claims past its text, so that rounding its width to
 * the grid's float can never let two texts touch. */
#define CLAIM_PAD 0.5

struct _EmbLabelCache
{
  GHashTable *layouts;   /* (id * 2 + bold) + 1 -> PangoLayout */
};

EmbLabelCache *
emb_label_cache_new (void)
{
  EmbLabelCache *cache = g_new0 (EmbLabelCache, 1);

  cache->layouts = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  return cache;
}

void
emb_label_cache_clear (EmbLabelCache *cache)
{
  g_return_if_fail (cache != NULL);
  g_hash_table_remove_all (cache->layouts);
}

void
emb_label_cache_free (EmbLabelCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->layouts);
  g_free (cache);
}

/* auxiliary functions */

/* The layout of row id's label (borrowed from cache), made with text when
 * the cache has none. */
static PangoLayout *
cached_layout (const EmbLabelSpec *spec,
               EmbLabelCache      *cache,
               gsize               id,
               gboolean            bold,
               const char         *text)
{
  gpointer key = GSIZE_TO_POINTER ((id * 2 + (bold ? 1 : 0)) + 1);
  PangoLayout *layout = g_hash_table_lookup (cache->layouts, key);

  if (layout != NULL)
    return layout;
  if (g_hash_table_size (cache->layouts) >= CACHE_MAX)
    g_hash_table_remove_all (cache->layouts);

  layout = pango_layout_new (spec->pango);
  if (bold && spec->bold_font != NULL)
    pango_layout_set_font_description (layout, spec->bold_font);
  else if (bold)
    {
      PangoFontDescription *desc = pango_font_description_copy (
        spec->font != NULL ? spec->font : pango_context_get_font_description (spec->pango));

      pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
      pango_layout_set_font_description (layout, desc);
      pango_font_description_free (desc);
    }
  else if (spec->font != NULL)
    pango_layout_set_font_description (layout, spec->font);
  pango_layout_set_text (layout, text, -1);
  g_hash_table_insert (cache->layouts, key, layout);
  return layout;
}

typedef struct
{
  const EmbLabelSpec *spec;
  EmbLabelCache      *cache;
  GArray             *candidates;   /* EmbLabelCandidate */
  GArray             *labels;       /* EmbLabel per candidate, box not yet set */
  GArray             *shift;        /* double per candidate: gap past spec->gap */
  GHashTable         *taken;        /* id + 1 */
} Pool;

static void
label_clear (gpointer data)
{
  EmbLabel *label = data;

  g_clear_pointer (&label->text, g_free);
}

/* Measures row id's label and adds it to the pool. */
static void
pool_add (Pool *pool, gsize id, gboolean highlight)
{
  const EmbLabelSpec *spec = pool->spec;
  gboolean selected = (gssize) id == spec->overlay->selected;
  double shift = selected ? spec->selected_gap : highlight ? spec->highlight_gap : 0;
  char *text = _emb_clean_text (emb_vocab_display (spec->vocab, id), MAX_LABEL_CHARS);
  PangoRectangle logical;
  EmbLabelCandidate c;
  EmbLabel label = { 0 };

  if (*text == '\0')
    {
      g_free (text);
      return;
    }
  pango_layout_get_extents (cached_layout (spec, pool->cache, id, selected, text), NULL, &logical);
  label.id = id;
  label.text = text;
  label.width = logical.width / (double) PANGO_SCALE;
  /* The grid's heights are floats: the box is the height it checked. */
  label.height = (float) (logical.height / (double) PANGO_SCALE);
  if (spec->clusters != NULL && spec->clusters->len > 0)
    {
      double px, py;

      /* Where the grid would put it, were it free: over a cluster name
       * it is never a candidate. */
      emb_view_to_pixel (&spec->target->view, spec->target->xs[id], spec->target->ys[id], &px, &py);
      if (emb_cluster_labels_hit (spec->clusters, px + spec->gap + shift, py - label.height * 0.5,
                                  label.width + CLAIM_PAD, label.height))
        {
          g_free (text);
          return;
        }
    }
  label.highlight = highlight;
  label.selected = selected;
  c.id = id;
  c.width = shift + label.width + CLAIM_PAD;
  c.height = label.height;
  g_array_append_val (pool->candidates, c);
  g_array_append_val (pool->labels, label);
  g_array_append_val (pool->shift, shift);
}

typedef struct
{
  const EmbOverlayTarget *target;
  GHashTable             *taken;
  gsize                   n_rows;
  GArray                 *ids;
} Collect;

static gboolean
in_view (const EmbOverlayTarget *target, gsize id)
{
  double px, py;

  emb_view_to_pixel (&target->view, target->xs[id], target->ys[id], &px, &py);
  return px >= 0 && py >= 0 && px < target->view.width && py < target->view.height;
}

static void
collect_cb (gsize id, gpointer user_data)
{
  Collect *c = user_data;

  if (id < c->n_rows && c->ids->len < MAX_LABEL_CANDIDATES &&
      emb_overlay_target_shows (c->target, id) && in_view (c->target, id) &&
      !g_hash_table_contains (c->taken, GSIZE_TO_POINTER (id + 1)))
    g_array_append_val (c->ids, id);
}

/* The ordinary rows that may get a label, by ascending id: shown, inside
 * the view, not an overlay row; at most MAX_LABEL_CANDIDATES. */
static GArray *
ordinary_rows (const EmbLabelSpec *spec, GHashTable *taken, gsize n_rows)
{
  const EmbOverlayTarget *t = spec->target;
  Collect c = { t, taken, n_rows, g_array_new (FALSE, FALSE, sizeof (gsize)) };

  if (spec->index != NULL)
    {
      double x0, y0, x1, y1;

      emb_view_to_data (&t->view, 0, t->view.height, &x0, &y0);
      emb_view_to_data (&t->view, t->view.width, 0, &x1, &y1);
      emb_spatial_index_query_rect (spec->index, x0, y0, x1, y1, collect_cb, &c);
    }
  else
    for (gsize id = 0; id < n_rows && c.ids->len < MAX_LABEL_CANDIDATES; id++)
      collect_cb (id, &c);
  return c.ids;
}

/* public API */

/* Measuring a label costs a text layout, so the pool of ordinary
 * candidates grows in steps until enough of them are placed; greedy
 * placement over a longer list keeps every earlier choice. */
GArray *
emb_labels_place (const EmbLabelSpec *spec,
                  EmbLabelCache      *cache)
{
  const EmbOverlayTarget *t;
  g_autoptr(EmbLabelCache) own_cache = NULL;
  g_autoptr(GHashTable) taken = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) index_of = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) rows = NULL;
  g_autofree gsize *first = NULL, *kept = NULL;
  g_autofree float *kept_xy = NULL;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (EmbLabel));
  gsize n_rows, n_first, n_highlight, want, next = 0, n_kept = 0, max_first;
  Pool pool;

  g_array_set_clear_func (out, label_clear);
  g_return_val_if_fail (spec != NULL && spec->overlay != NULL && spec->target != NULL, out);
  g_return_val_if_fail (PANGO_IS_CONTEXT (spec->pango), out);
  t = spec->target;
  if (spec->vocab == NULL || t->n == 0 || t->view.width <= 0 || t->view.height <= 0)
    return out;
  if (cache == NULL)
    cache = own_cache = emb_label_cache_new ();

  n_rows = MIN (emb_vocab_size (spec->vocab), t->n);
  pool = (Pool) {
    spec, cache,
    g_array_new (FALSE, FALSE, sizeof (EmbLabelCandidate)),
    g_array_new (FALSE, FALSE, sizeof (EmbLabel)),
    g_array_new (FALSE, FALSE, sizeof (double)),
    taken,
  };
  g_array_set_clear_func (pool.labels, label_clear);

  max_first = 1 + spec->overlay->n_neighbors + spec->overlay->n_analogy + spec->overlay->n_matches;
  first = g_new (gsize, max_first);
  n_first = emb_overlay_label_ids (spec->overlay, t, first, max_first);
  for (gsize i = 0; i < n_first; i++)
    if (first[i] < n_rows)
      {
        g_hash_table_add (taken, GSIZE_TO_POINTER (first[i] + 1));
        pool_add (&pool, first[i], TRUE);
      }
  n_highlight = pool.candidates->len;
  want = MIN (spec->n_labels, n_rows);
  rows = want > 0 ? ordinary_rows (spec, taken, n_rows) : g_array_new (FALSE, FALSE, sizeof (gsize));

  kept = g_new (gsize, n_highlight + want + 1);
  kept_xy = g_new (float, 2 * (n_highlight + want + 1));
  for (gsize target = want * 3 + 16; ; target *= 4)
    {
      target = MIN (target, (gsize) MAX_LABEL_CANDIDATES);
      while (next < rows->len && pool.candidates->len - n_highlight < target)
        pool_add (&pool, g_array_index (rows, gsize, next++), FALSE);
      n_kept = emb_place_labels ((const EmbLabelCandidate *) pool.candidates->data,
                                 pool.candidates->len, t->xs, t->ys, &t->view,
                                 spec->gap, n_highlight + want, kept, kept_xy);
      if (next >= rows->len || n_kept >= n_highlight + want || target >= MAX_LABEL_CANDIDATES)
        break;
    }

  /* kept[] are ids (unique); each one's box is its text's, past the
   * candidate's shift, where the grid put it. */
  for (guint i = 0; i < pool.candidates->len; i++)
    g_hash_table_insert (index_of,
                         GSIZE_TO_POINTER (g_array_index (pool.candidates, EmbLabelCandidate, i).id + 1),
                         GUINT_TO_POINTER (i));
  for (gsize k = 0; k < n_kept; k++)
    {
      guint i = GPOINTER_TO_UINT (g_hash_table_lookup (index_of, GSIZE_TO_POINTER (kept[k] + 1)));
      EmbLabel *label = &g_array_index (pool.labels, EmbLabel, i);
      double px, py;

      emb_view_to_pixel (&t->view, t->xs[label->id], t->ys[label->id], &px, &py);
      label->x = px + spec->gap + g_array_index (pool.shift, double, i);
      label->y = py - label->height * 0.5;
      g_array_append_val (out, *label);
      label->text = NULL;   /* moved to out */
    }

  g_array_unref (pool.candidates);
  g_array_unref (pool.labels);
  g_array_unref (pool.shift);
  return out;
}

void
emb_labels_draw (const GArray       *labels,
                 const EmbLabelSpec *spec,
                 EmbLabelCache      *cache,
                 cairo_t            *cr,
                 guint32             rgb,
                 guint32             halo_rgb,
                 double              halo_width,
                 double              ordinary_alpha)
{
  g_autoptr(EmbLabelCache) own_cache = NULL;

  g_return_if_fail (labels != NULL && spec != NULL && cr != NULL);
  if (cache == NULL)
    cache = own_cache = emb_label_cache_new ();

  cairo_save (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < labels->len; i++)
    {
      const EmbLabel *label = &g_array_index (labels, EmbLabel, i);
      PangoLayout *layout = cached_layout (spec, cache, label->id, label->selected, label->text);
      PangoRectangle logical;
      double x, y;

      pango_layout_get_extents (layout, NULL, &logical);
      x = label->x - logical.x / (double) PANGO_SCALE;
      y = label->y - logical.y / (double) PANGO_SCALE;
      if (halo_width > 0)
        {
          cairo_move_to (cr, x, y);
          pango_cairo_layout_path (cr, layout);
          emb_set_source_rgb (cr, halo_rgb, 0.85);
          cairo_set_line_width (cr, halo_width);
          cairo_stroke (cr);
        }
      cairo_move_to (cr, x, y);
      emb_set_source_rgb (cr, rgb, label->highlight ? 1.0 : ordinary_alpha);
      pango_cairo_show_layout (cr, layout);
    }
  cairo_restore (cr);
}
