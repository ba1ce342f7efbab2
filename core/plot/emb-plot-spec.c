/* emb-plot-spec.c: the app's state made into a figure (see
 * emb-plot-spec.h).  The spec owns a copy of every array the EmbPlot
 * points at and is never changed after it is built, so threads may read
 * it at once.
 */
#include "config.h"

#include <string.h>

#include "plot/emb-plot-spec.h"

struct _EmbPlotSpec
{
  gint       ref_count;
  EmbPlot    plot;
  GPtrArray *strings;   /* owned text: titles, legend, cluster labels */
  GPtrArray *blocks;    /* owned arrays */
  guint32   *cluster;
};

/* auxiliary functions */

static gconstpointer
copy (EmbPlotSpec *spec, gconstpointer data, gsize size)
{
  gpointer block;

  if (data == NULL)
    return NULL;
  block = g_memdup2 (data, MAX (size, 1));
  g_ptr_array_add (spec->blocks, block);
  return block;
}

static const char *
copy_string (EmbPlotSpec *spec, char *owned)
{
  g_ptr_array_add (spec->strings, owned);
  return owned;
}

/* A NULL-terminated copy of n strings (NULL entries become ""). */
static const char * const *
copy_strv (EmbPlotSpec *spec, const char * const *names, guint n)
{
  const char **out;

  if (names == NULL || n == 0)
    return NULL;
  out = g_new0 (const char *, n + 1);
  for (guint i = 0; i < n; i++)
    out[i] = copy_string (spec, g_strdup (names[i] != NULL ? names[i] : ""));
  g_ptr_array_add (spec->blocks, out);
  return out;
}

static char *
axis_title (guint component, const double *explained)
{
  return g_strdup_printf ("PC%u (%.1f%% of variance)", component + 1, 100.0 * explained[component]);
}

/* public API */

EmbPlotSpec *
emb_plot_spec_new (const EmbPlotState *state,
                   int                 width,
                   int                 height)
{
  EmbPlotSpec *spec;
  EmbPlot *p;
  gsize n;

  g_return_val_if_fail (state != NULL, NULL);

  n = state->xs != NULL && state->ys != NULL ? state->n : 0;
  spec = g_new0 (EmbPlotSpec, 1);
  spec->ref_count = 1;
  spec->strings = g_ptr_array_new_with_free_func (g_free);
  spec->blocks = g_ptr_array_new_with_free_func (g_free);
  p = &spec->plot;

  p->xs = copy (spec, state->xs, n * sizeof (float));
  p->ys = copy (spec, state->ys, n * sizeof (float));
  p->n = n;
  p->vocab = state->vocab != NULL ? emb_vocab_ref (state->vocab) : NULL;
  p->category = copy (spec, state->category, n * sizeof (guint16));
  if (state->palette != NULL && state->n_palette > 0)
    {
      p->palette = copy (spec, state->palette, state->n_palette * sizeof (guint32));
      p->n_palette = state->n_palette;
    }
  p->visible = copy (spec, state->visible, n);

  if (state->title != NULL)
    p->title = copy_string (spec, g_strdup (state->title));
  if (state->explained != NULL)
    {
      p->x_title = copy_string (spec, axis_title (state->x_component, state->explained));
      p->y_title = copy_string (spec, axis_title (state->y_component, state->explained));
    }
  p->legend = copy_strv (spec, state->legend, state->n_legend);
  p->n_legend = p->legend != NULL ? state->n_legend : 0;
  if (state->cluster_xy != NULL)
    {
      p->cluster_labels = copy_strv (spec, state->cluster_labels, state->n_cluster_labels);
      p->n_cluster_labels = p->cluster_labels != NULL ? state->n_cluster_labels : 0;
      p->cluster_xy = copy (spec, state->cluster_xy, 2 * p->n_cluster_labels * sizeof (float));
    }
  spec->cluster = g_memdup2 (state->cluster, state->cluster != NULL ? MAX (n, 1) * sizeof (guint32) : 0);

  p->selected = state->selected >= 0 && (gsize) state->selected < n ? state->selected : -1;
  if (p->selected >= 0 && state->neighbors != NULL)
    {
      p->neighbors = copy (spec, state->neighbors, state->n_neighbors * sizeof (gsize));
      p->n_neighbors = state->n_neighbors;
    }
  if (state->matches != NULL)
    {
      p->matches = copy (spec, state->matches, state->n_matches * sizeof (gsize));
      p->n_matches = state->n_matches;
    }
  if (state->analogy != NULL && state->n_analogy >= 4)
    {
      p->analogy = copy (spec, state->analogy, 4 * sizeof (gsize));
      p->n_analogy = 4;
    }
  p->n_token_labels = state->n_token_labels;
  p->theme = state->theme;

  if (state->view.scale > 0 && state->view.width > 0 && state->view.height > 0)
    {
      /* The same part of the plane as the view, scaled to the figure. */
      p->view = state->view;
      p->view.scale = state->view.scale * MIN (MAX (width, 1) / (double) state->view.width,
                                               MAX (height, 1) / (double) state->view.height);
    }
  return spec;
}

EmbPlotSpec *
emb_plot_spec_ref (EmbPlotSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);

  g_atomic_int_inc (&spec->ref_count);
  return spec;
}

void
emb_plot_spec_unref (EmbPlotSpec *spec)
{
  g_return_if_fail (spec != NULL);

  if (!g_atomic_int_dec_and_test (&spec->ref_count))
    return;
  g_clear_pointer (&spec->plot.vocab, emb_vocab_unref);
  g_ptr_array_unref (spec->strings);
  g_ptr_array_unref (spec->blocks);
  g_free (spec->cluster);
  g_free (spec);
}

const EmbPlot *
emb_plot_spec_get_plot (const EmbPlotSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);

  return &spec->plot;
}

const guint32 *
emb_plot_spec_get_cluster (const EmbPlotSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);

  return spec->cluster;
}
