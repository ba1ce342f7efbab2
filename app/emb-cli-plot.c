/* emb-cli-plot.c: `embedlens cluster` and `embedlens export`. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "emb-cli-private.h"
#include "plot/emb-csv.h"
#include "base/emb-error.h"
#include "base/emb-file.h"
#include "analysis/emb-kmeans.h"
#include "analysis/emb-knn.h"
#include "analysis/emb-pca.h"
#include "plot/emb-plot.h"
#include "plot/emb-plot-spec.h"
#include "analysis/emb-scene.h"

#define CLUSTER_LABEL_TOKENS 3
#define HIGHLIGHT_NEIGHBORS  10

/* auxiliary functions */

static gboolean
parse_cluster_metric (const char *prog,
                      const char *text,
                      EmbMetric  *metric)
{
  *metric = EMB_METRIC_COSINE;
  if (text == NULL)
    return TRUE;
  if (emb_metric_from_string (text, metric) && *metric != EMB_METRIC_DOT)
    return TRUE;
  g_printerr ("%s: unknown metric '%s' (cosine or euclidean)\n", prog, text);
  return FALSE;
}

/* Runs k-means with the command's options; prints the error itself. */
static EmbKmeans *
run_kmeans (const char *prog,
            CliOptions *opts,
            EmbDataset *ds,
            gsize       k,
            EmbMetric   metric,
            int        *status)
{
  EmbKmeansOptions ko = { .k = k, .metric = metric, .seed = (guint64) opts->seed };
  g_autoptr(GError) error = NULL;
  EmbKmeans *km = emb_kmeans_run (ds->matrix, &ko, NULL, NULL, NULL, &error);

  if (km == NULL)
    {
      g_printerr ("%s: %s: %s\n", prog, opts->file_name, error->message);
      *status = g_error_matches (error, EMB_ERROR, EMB_ERROR_INVALID) ? EMB_EXIT_USAGE : EMB_EXIT_INPUT;
    }
  else if (!_emb_cli_check_unchanged (prog, ds))
    {
      g_clear_pointer (&km, emb_kmeans_free);
      *status = EMB_EXIT_INPUT;
    }
  return km;
}

static gboolean
parse_pair (const char *text,
            char        sep,
            guint64    *a,
            guint64    *b)
{
  g_auto(GStrv) parts = NULL;
  char seps[2] = { sep, '\0' };

  if (text == NULL)
    return FALSE;
  parts = g_strsplit_set (text, seps, 3);
  return g_strv_length (parts) == 2 &&
         g_ascii_string_to_unsigned (g_strstrip (parts[0]), 10, 1, 1u << 20, a, NULL) &&
         g_ascii_string_to_unsigned (g_strstrip (parts[1]), 10, 1, 1u << 20, b, NULL);
}

static char *
default_title (EmbDataset *ds)
{
  if (g_str_equal (ds->path, EMB_SAMPLE_NAME))
    return g_strdup ("GloVe sample: 20,000 English words");
  return g_filename_display_basename (ds->path);
}

/* commands */

int
_emb_cli_cluster (const char *prog,
                  CliOptions *opts,
                  EmbDataset *ds)
{
  g_autoptr(EmbKmeans) km = NULL;
  EmbMetric metric;
  gsize k;
  int status = EMB_EXIT_OK;

  if (!parse_cluster_metric (prog, opts->metric, &metric))
    return EMB_EXIT_USAGE;
  /* -k is at least 1 when given (_emb_cli_parse_k). */
  if (opts->k == 0)
    k = emb_kmeans_default_k (ds->matrix->n_rows);
  else
    k = opts->k;
  if (k > ds->matrix->n_rows)
    {
      g_printerr ("%s: %s: has %" G_GSIZE_FORMAT " rows, fewer than -k %" G_GSIZE_FORMAT "\n",
                  prog, opts->file_name, ds->matrix->n_rows, k);
      return EMB_EXIT_INPUT;
    }

  km = run_kmeans (prog, opts, ds, k, metric, &status);
  if (km == NULL)
    return status;

  if (opts->output != NULL)
    {
      g_autoptr(GString) out = g_string_sized_new (ds->matrix->n_rows * 16);
      g_autoptr(GError) error = NULL;

      g_string_append (out, "id,token,cluster\n");
      for (gsize i = 0; i < ds->matrix->n_rows; i++)
        {
          g_string_append_printf (out, "%" G_GSIZE_FORMAT ",", i);
          emb_csv_append_token (out, ds->vocab, i);
          g_string_append_printf (out, ",%u\n", km->assignment[i]);
        }
      if (g_str_equal (opts->output, "-"))
        {
          fwrite (out->str, 1, out->len, stdout);
          return EMB_EXIT_OK;
        }
      if (!emb_file_write_atomically (opts->output, out->str, out->len, &error))
        {
          g_printerr ("%s: %s\n", prog, error->message);
          return EMB_EXIT_INPUT;
        }
    }

  if (opts->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autofree gsize *ids = g_new (gsize, CLUSTER_LABEL_TOKENS);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "k");
      json_builder_add_int_value (b, km->k);
      json_builder_set_member_name (b, "metric");
      json_builder_add_string_value (b, emb_metric_to_string (metric));
      json_builder_set_member_name (b, "inertia");
      _emb_cli_add_number (b, km->inertia);
      json_builder_set_member_name (b, "clusters");
      json_builder_begin_array (b);
      for (gsize c = 0; c < km->k; c++)
        {
          gsize n = emb_kmeans_nearest (km, ds->matrix, c, CLUSTER_LABEL_TOKENS, ids);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "id");
          json_builder_add_int_value (b, c);
          json_builder_set_member_name (b, "size");
          json_builder_add_int_value (b, km->sizes[c]);
          json_builder_set_member_name (b, "label");
          json_builder_begin_array (b);
          for (gsize i = 0; i < n; i++)
            json_builder_add_string_value (b, emb_vocab_display (ds->vocab, ids[i]));
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      _emb_cli_print_json (b);
      return EMB_EXIT_OK;
    }

  printf ("k-means, k = %" G_GSIZE_FORMAT ", %s, on all %" G_GSIZE_FORMAT " rows: inertia %.6g after %u iterations\n",
          km->k, emb_metric_to_string (metric), km->n_rows, km->inertia, km->n_iter);
  for (gsize c = 0; c < km->k; c++)
    {
      g_autofree char *label = emb_cluster_label (km, ds->matrix, ds->vocab, c, CLUSTER_LABEL_TOKENS);
      printf ("%4" G_GSIZE_FORMAT "  %8" G_GSIZE_FORMAT "  %s\n", c, km->sizes[c], label);
    }
  if (opts->output != NULL)
    {
      g_autofree char *out_name = emb_quote_name (opts->output, -1);
      printf ("wrote %s\n", out_name);
    }
  return EMB_EXIT_OK;
}

/* What `export` was asked for, checked. */
typedef struct
{
  gboolean        csv;
  EmbExportFormat format;
  guint64         width, height, ax, ay;
  EmbMetric       metric;
  EmbTheme        theme;
} ExportArgs;

/* What the figure's state points to, owned for the export. */
typedef struct
{
  EmbKmeans *km;
  float     *xs, *ys, *cluster_xy;
  guint16   *category;
  guint32   *palette;
  gsize     *neighbor_ids;
  char      *title;
  GPtrArray *legend;
} ExportData;

static void
export_data_clear (ExportData *d)
{
  g_clear_pointer (&d->km, emb_kmeans_free);
  g_free (d->xs);
  g_free (d->ys);
  g_free (d->cluster_xy);
  g_free (d->category);
  g_free (d->palette);
  g_free (d->neighbor_ids);
  g_free (d->title);
  g_clear_pointer (&d->legend, g_ptr_array_unref);
}

/* Checks export's options; EMB_EXIT_OK or the status, said. */
static int
parse_export_args (const char       *prog,
                   const CliOptions *opts,
                   ExportArgs       *args)
{
  *args = (ExportArgs) { .format = EMB_EXPORT_PNG, .width = 1600, .height = 1200,
                         .ax = 1, .ay = 2, .theme = EMB_THEME_LIGHT };
  if (opts->output == NULL)
    {
      g_printerr ("%s: export needs -o FILE (.png, .svg, .pdf or .csv)\n", prog);
      return EMB_EXIT_USAGE;
    }
  args->csv = g_str_has_suffix (opts->output, ".csv") || g_str_has_suffix (opts->output, ".CSV");
  if (!args->csv && !emb_export_format_from_path (opts->output, &args->format))
    {
      g_autofree char *out_name = emb_quote_name (opts->output, -1);
      g_printerr ("%s: cannot tell the format of '%s': name it .png, .svg, .pdf or .csv\n", prog, out_name);
      return EMB_EXIT_USAGE;
    }
  if (opts->size != NULL && !parse_pair (opts->size, 'x', &args->width, &args->height))
    {
      g_printerr ("%s: --size wants WIDTHxHEIGHT, such as 1600x1200, not '%s'\n", prog, opts->size);
      return EMB_EXIT_USAGE;
    }
  if (opts->axes != NULL && (!parse_pair (opts->axes, ',', &args->ax, &args->ay) ||
                             args->ax > EMB_PCA_MAX_COMPONENTS || args->ay > EMB_PCA_MAX_COMPONENTS))
    {
      g_printerr ("%s: --axes wants two component numbers from 1 to %d, such as 1,2, not '%s'\n",
                  prog, EMB_PCA_MAX_COMPONENTS, opts->axes);
      return EMB_EXIT_USAGE;
    }
  if (!parse_cluster_metric (prog, opts->metric, &args->metric))
    return EMB_EXIT_USAGE;
  if (opts->clusters < 0 || opts->labels < 0)
    {
      g_printerr ("%s: --clusters and --labels must not be negative\n", prog);
      return EMB_EXIT_USAGE;
    }
  if (opts->theme == NULL || g_str_equal (opts->theme, "light"))
    args->theme = EMB_THEME_LIGHT;
  else if (g_str_equal (opts->theme, "dark"))
    args->theme = EMB_THEME_DARK;
  else if (g_str_equal (opts->theme, "transparent"))
    args->theme = EMB_THEME_TRANSPARENT;
  else
    {
      g_printerr ("%s: unknown theme '%s' (light, dark or transparent)\n", prog, opts->theme);
      return EMB_EXIT_USAGE;
    }
  return EMB_EXIT_OK;
}

/* The points on PC ax and ay (1-based) into d->xs, d->ys; the explained
 * variance ratios into pca. */
static int
project_points (const char       *prog,
                EmbDataset       *ds,
                const ExportArgs *args,
                EmbPca          **pca,
                ExportData       *d)
{
  gsize n = ds->matrix->n_rows, n_comp = MAX (args->ax, args->ay);
  g_autoptr(GError) error = NULL;
  g_autofree float *coords = NULL;

  if (n_comp > ds->matrix->n_cols || n < 2)
    {
      g_autofree char *name = emb_quote_name (ds->path, -1);
      g_printerr ("%s: %s: has %" G_GSIZE_FORMAT " rows of %" G_GSIZE_FORMAT " dims: cannot plot PC%" G_GUINT64_FORMAT " against PC%" G_GUINT64_FORMAT "\n",
                  prog, name, n, ds->matrix->n_cols, args->ax, args->ay);
      return EMB_EXIT_INPUT;
    }
  *pca = emb_pca_compute (ds->matrix, n_comp, NULL, &error);
  if (*pca == NULL)
    {
      g_printerr ("%s: %s: %s\n", prog, ds->path, error->message);
      return EMB_EXIT_INPUT;
    }
  coords = g_new (float, n * n_comp);
  emb_pca_project (*pca, ds->matrix, n_comp, coords);
  d->xs = g_new (float, n);
  d->ys = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    {
      d->xs[i] = coords[i * n_comp + args->ax - 1];
      d->ys[i] = coords[i * n_comp + args->ay - 1];
    }
  return EMB_EXIT_OK;
}

/* --method tsne|umap: the map's dimensions ax and ay (1-based) as the
 * points. */
static int
map_points (const char       *prog,
            CliOptions       *opts,
            EmbDataset       *ds,
            const ExportArgs *args,
            ExportData       *d)
{
  g_autoptr(EmbProjection) p = NULL;
  gsize n = ds->matrix->n_rows;
  guint dims;
  int status;

  if (MAX (args->ax, args->ay) > 3 || (MAX (args->ax, args->ay) > 2 && opts->n_components < 3))
    {
      g_printerr ("%s: --axes of a map name its dimensions, 1 and 2 (or 3 with -n 3)\n", prog);
      return EMB_EXIT_USAGE;
    }
  status = _emb_cli_compute_map (prog, opts, ds, &p);
  if (status != EMB_EXIT_OK)
    return status;
  dims = p->options.dims;
  d->xs = g_new (float, n);
  d->ys = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    {
      d->xs[i] = p->coords[i * dims + args->ax - 1];
      d->ys[i] = p->coords[i * dims + args->ay - 1];
    }
  return EMB_EXIT_OK;
}

/* --clusters K: colours, legend and cluster labels from k-means. */
static int
add_clusters (const char   *prog,
              CliOptions   *opts,
              EmbDataset   *ds,
              EmbMetric     metric,
              ExportData   *d,
              EmbPlotState *state)
{
  gsize n = ds->matrix->n_rows;
  int status = EMB_EXIT_OK;
  EmbKmeans *km;

  if ((gsize) opts->clusters > n || opts->clusters > G_MAXUINT16)
    {
      g_printerr ("%s: %s: cannot make %d clusters of %" G_GSIZE_FORMAT " rows\n", prog, opts->file_name, opts->clusters, n);
      return EMB_EXIT_INPUT;
    }
  km = d->km = run_kmeans (prog, opts, ds, opts->clusters, metric, &status);
  if (km == NULL)
    return status;
  d->category = g_new (guint16, n);
  for (gsize i = 0; i < n; i++)
    d->category[i] = (guint16) km->assignment[i];
  d->palette = g_new (guint32, km->k);
  d->cluster_xy = g_new (float, 2 * km->k);
  emb_cluster_positions (km, d->xs, d->ys, d->cluster_xy);
  for (gsize c = 0; c < km->k; c++)
    {
      d->palette[c] = emb_palette_color (c);
      g_ptr_array_add (d->legend, emb_cluster_label (km, ds->matrix, ds->vocab, c, CLUSTER_LABEL_TOKENS));
    }
  state->category = d->category;
  state->palette = d->palette;
  state->n_palette = km->k;
  state->legend = (const char * const *) d->legend->pdata;
  state->n_legend = km->k;
  state->cluster_labels = (const char * const *) d->legend->pdata;
  state->cluster_xy = d->cluster_xy;
  state->n_cluster_labels = km->k;
  state->cluster = km->assignment;
  return EMB_EXIT_OK;
}

/* --highlight TOKEN: the token selected, with lines to its neighbours. */
static int
add_highlight (const char   *prog,
               const char   *token,
               EmbDataset   *ds,
               EmbMetric     metric,
               ExportData   *d,
               EmbPlotState *state)
{
  g_autoptr(EmbKnnIndex) index = emb_knn_index_new (ds->matrix);
  g_autofree EmbNeighbor *nb = g_new (EmbNeighbor, HIGHLIGHT_NEIGHBORS);
  g_autoptr(GError) error = NULL;
  gsize id, got;

  if (!_emb_cli_resolve_token (ds, token, &id, &error))
    {
      g_printerr ("%s: %s\n", prog, error->message);
      return EMB_EXIT_INPUT;
    }
  got = emb_knn_query_row (index, id, metric, HIGHLIGHT_NEIGHBORS, nb);
  d->neighbor_ids = g_new (gsize, MAX (got, 1));
  for (gsize i = 0; i < got; i++)
    d->neighbor_ids[i] = nb[i].id;
  state->selected = id;
  state->neighbors = d->neighbor_ids;
  state->n_neighbors = got;
  return EMB_EXIT_OK;
}

/* Writes the figure (or its points as CSV) and says so. */
static int
write_export (const char       *prog,
              const CliOptions *opts,
              const ExportArgs *args,
              EmbPlotSpec      *spec,
              gsize             n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out_name = emb_quote_name (opts->output, -1);

  if (args->csv)
    {
      if (!emb_plot_export_csv (emb_plot_spec_get_plot (spec), emb_plot_spec_get_cluster (spec),
                                opts->output, &error))
        {
          g_printerr ("%s: %s\n", prog, error->message);
          return EMB_EXIT_INPUT;
        }
    }
  else if (!emb_plot_export (emb_plot_spec_get_plot (spec), opts->output, args->format,
                             args->width, args->height, opts->scale, NULL, &error))
    {
      g_printerr ("%s: %s\n", prog, error->message);
      return g_error_matches (error, EMB_ERROR, EMB_ERROR_INVALID) ? EMB_EXIT_USAGE : EMB_EXIT_INPUT;
    }

  if (opts->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "output");
      json_builder_add_string_value (b, out_name);
      json_builder_set_member_name (b, "rows");
      json_builder_add_int_value (b, n);
      json_builder_end_object (b);
      _emb_cli_print_json (b);
    }
  else
    printf ("wrote %s (%" G_GSIZE_FORMAT " points)\n", out_name, n);
  return EMB_EXIT_OK;
}

int
_emb_cli_export (const char *prog,
                 CliOptions *opts,
                 EmbDataset *ds)
{
  g_autoptr(EmbPca) pca = NULL;
  g_autoptr(EmbPlotSpec) spec = NULL;
  ExportData d = { .legend = g_ptr_array_new_with_free_func (g_free) };
  EmbPlotState state = { .selected = -1 };
  ExportArgs args;
  int status;

  gboolean map = opts->method != NULL && !g_str_equal (opts->method, "pca");

  status = parse_export_args (prog, opts, &args);
  if (status == EMB_EXIT_OK)
    status = map ? map_points (prog, opts, ds, &args, &d)
                 : project_points (prog, ds, &args, &pca, &d);
  if (status != EMB_EXIT_OK)
    goto out;

  d.title = opts->title != NULL ? g_strdup (opts->title) : default_title (ds);
  if (map && opts->title == NULL)
    {
      EmbProjectionMethod method = EMB_PROJECTION_TSNE;
      char *t;

      emb_projection_method_from_string (opts->method, &method);
      t = g_strdup_printf ("%s · %s", d.title, method == EMB_PROJECTION_TSNE ? "t-SNE" : "UMAP");
      g_free (d.title);
      d.title = t;
    }
  state.xs = d.xs;
  state.ys = d.ys;
  state.n = ds->matrix->n_rows;
  state.vocab = ds->vocab;
  state.x_component = args.ax - 1;
  state.y_component = args.ay - 1;
  state.explained = pca != NULL ? pca->explained_variance_ratio : NULL;
  state.title = d.title;
  state.n_token_labels = opts->labels;
  state.theme = args.theme;

  if (opts->clusters > 0)
    status = add_clusters (prog, opts, ds, args.metric, &d, &state);
  if (status == EMB_EXIT_OK && opts->highlight != NULL)
    status = add_highlight (prog, opts->highlight, ds, args.metric, &d, &state);
  if (status == EMB_EXIT_OK && !_emb_cli_check_unchanged (prog, ds))
    status = EMB_EXIT_INPUT;
  if (status == EMB_EXIT_OK)
    {
      spec = emb_plot_spec_new (&state, args.width, args.height);
      status = write_export (prog, opts, &args, spec, state.n);
    }

out:
  export_data_clear (&d);
  return status;
}
