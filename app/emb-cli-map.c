/* emb-cli-map.c: `embedlens project --method tsne|umap`: the map of every
 * row, its CSV, and what it took (the graph's recall, the time, the
 * trustworthiness of the result on a sample). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "emb-cli-private.h"
#include "base/emb-error.h"
#include "map/emb-projection.h"
#include "map/emb-trust.h"

#define CLI_TRUST_K 10

gboolean
_emb_cli_projection_options (const char *prog,
                             CliOptions           *opts,
                             EmbProjectionOptions *o)
{
  g_autoptr(GError) error = NULL;

  emb_projection_options_init (o);
  if (opts->method != NULL && !emb_projection_method_from_string (opts->method, &o->method))
    {
      g_printerr ("%s: --method must be pca, tsne or umap, not '%s'\n", prog, opts->method);
      return FALSE;
    }
  if (o->method == EMB_PROJECTION_PCA)
    return TRUE;
  if (opts->metric != NULL && !emb_metric_from_string (opts->metric, &o->metric))
    {
      g_printerr ("%s: -m must be cosine or euclidean, not '%s'\n", prog, opts->metric);
      return FALSE;
    }
  if (opts->n_components < 0 || opts->neighbors < 0 || opts->iterations < 0 || opts->seed < 0)
    {
      g_printerr ("%s: -n, --neighbors, --iterations and --seed take numbers from 0 up\n", prog);
      return FALSE;
    }
  o->dims = (guint) opts->n_components;
  o->perplexity = opts->perplexity;
  o->n_neighbors = (guint) opts->neighbors;
  o->min_dist = opts->min_dist;
  o->n_iterations = (guint) opts->iterations;
  o->seed = (guint64) opts->seed;
  /* Valid on some table: the rows are checked once the file is read. */
  if (!emb_projection_options_check (o, G_MAXSIZE, &error))
    {
      g_printerr ("%s: %s\n", prog, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
print_json (const EmbProjection *p,
            double               seconds,
            gsize                trust_rows,
            double               trust)
{
  const EmbProjectionOptions *o = &p->options;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, emb_projection_method_to_string (o->method));
  json_builder_set_member_name (b, "rows");
  json_builder_add_int_value (b, p->n);
  json_builder_set_member_name (b, "dims");
  json_builder_add_int_value (b, o->dims);
  json_builder_set_member_name (b, "metric");
  json_builder_add_string_value (b, emb_metric_to_string (o->metric));
  if (o->method == EMB_PROJECTION_TSNE)
    {
      json_builder_set_member_name (b, "perplexity");
      _emb_cli_add_number (b, o->perplexity);
    }
  else
    {
      json_builder_set_member_name (b, "neighbors");
      json_builder_add_int_value (b, o->n_neighbors);
      json_builder_set_member_name (b, "min_dist");
      _emb_cli_add_number (b, o->min_dist);
    }
  json_builder_set_member_name (b, "iterations");
  json_builder_add_int_value (b, o->n_iterations);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) o->seed);

  json_builder_set_member_name (b, "graph");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "k");
  json_builder_add_int_value (b, p->graph_k);
  json_builder_set_member_name (b, "columns");
  json_builder_add_int_value (b, p->graph_dims);
  json_builder_set_member_name (b, "exact");
  json_builder_add_boolean_value (b, p->graph_exact);
  json_builder_set_member_name (b, "recall");
  _emb_cli_add_number (b, p->graph_recall);
  json_builder_set_member_name (b, "recall_all_columns");
  _emb_cli_add_number (b, p->reduction_recall);
  json_builder_set_member_name (b, "recall_rows");
  json_builder_add_int_value (b, p->recall_rows);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "seconds");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "prepare");
  _emb_cli_add_number (b, p->seconds_prepare);
  json_builder_set_member_name (b, "graph");
  _emb_cli_add_number (b, p->seconds_graph);
  json_builder_set_member_name (b, "optimise");
  _emb_cli_add_number (b, p->seconds_optimise);
  json_builder_set_member_name (b, "total");
  _emb_cli_add_number (b, seconds);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "trustworthiness");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "k");
  json_builder_add_int_value (b, CLI_TRUST_K);
  json_builder_set_member_name (b, "rows");
  json_builder_add_int_value (b, trust_rows);
  json_builder_set_member_name (b, "value");
  _emb_cli_add_number (b, trust);
  json_builder_end_object (b);
  json_builder_end_object (b);
  _emb_cli_print_json (b);
}

static void
print_text (const EmbProjection *p,
            double               seconds,
            gsize                trust_rows,
            double               trust,
            const char          *output)
{
  const EmbProjectionOptions *o = &p->options;

  if (o->method == EMB_PROJECTION_TSNE)
    printf ("t-SNE of %zu rows to %u dims: perplexity %g, %u iterations, seed %" G_GUINT64_FORMAT "\n",
            p->n, o->dims, o->perplexity, o->n_iterations, o->seed);
  else
    printf ("UMAP of %zu rows to %u dims: %u neighbours, min_dist %g, %u epochs, seed %" G_GUINT64_FORMAT "\n",
            p->n, o->dims, o->n_neighbors, o->min_dist, o->n_iterations, o->seed);
  printf ("graph: %u %s neighbours a row on %zu columns, %s", p->graph_k,
          emb_metric_to_string (o->metric), p->graph_dims,
          p->graph_exact ? "exact" : "approximate");
  if (!p->graph_exact)
    printf (" (recall@%u %.3f)", p->graph_k, p->graph_recall);
  if (p->graph_dims != 0 && p->reduction_recall < 1.0)
    printf ("; recall@%u against all columns %.3f on %zu rows", p->graph_k, p->reduction_recall, p->recall_rows);
  printf ("\n");
  printf ("time: %.2f s (prepare %.2f, graph %.2f, optimise %.2f)\n", seconds,
          p->seconds_prepare, p->seconds_graph, p->seconds_optimise);
  printf ("trustworthiness@%d on %zu rows: %.4f\n", CLI_TRUST_K, trust_rows, trust);
  if (output != NULL)
    {
      g_autofree char *out_name = emb_quote_name (output, -1);
      printf ("wrote %s\n", out_name);
    }
}

int
_emb_cli_compute_map (const char     *prog,
                      CliOptions     *opts,
                      EmbDataset     *ds,
                      EmbProjection **out)
{
  g_autoptr(GError) error = NULL;
  EmbProjectionOptions o;
  EmbCliProgress progress = { NULL, -1 };

  if (!_emb_cli_projection_options (prog, opts, &o))
    return EMB_EXIT_USAGE;
  progress.label = o.method == EMB_PROJECTION_TSNE ? "t-SNE" : "UMAP";
  if (!emb_projection_options_check (&o, ds->matrix->n_rows, &error))
    {
      g_printerr ("%s: %s: %s\n", prog, opts->file_name, error->message);
      return EMB_EXIT_INPUT;
    }
  *out = emb_projection_compute (ds->matrix, &o, NULL, NULL,
                                 isatty (STDERR_FILENO) ? _emb_cli_progress : NULL, &progress,
                                 NULL, &error);
  if (*out == NULL)
    {
      g_printerr ("%s: %s: %s\n", prog, opts->file_name, error->message);
      return EMB_EXIT_INPUT;
    }
  return _emb_cli_check_unchanged (prog, ds) ? EMB_EXIT_OK : EMB_EXIT_INPUT;
}

int
_emb_cli_project_map (const char *prog,
                      CliOptions *opts,
                      EmbDataset *ds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbProjection) p = NULL;
  const char *const names[] = { "x", "y", "z" };
  gint64 t0 = g_get_monotonic_time ();
  double seconds, trust = 0.0;
  gsize trust_rows = MIN (ds->matrix->n_rows, (gsize) EMB_TRUST_SAMPLE);
  int status;
  EmbProjectionOptions o;

  status = _emb_cli_compute_map (prog, opts, ds, &p);
  if (status != EMB_EXIT_OK)
    return status;
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  o = p->options;
  if (opts->output != NULL &&
      !_emb_cli_write_coords (ds, p->coords, o.dims, names, opts->output, &error))
    {
      g_printerr ("%s: %s\n", prog, error->message);
      return EMB_EXIT_INPUT;
    }
  if (opts->output != NULL && g_str_equal (opts->output, "-"))
    return EMB_EXIT_OK;

  if (trust_rows > 2 * CLI_TRUST_K &&
      !emb_trustworthiness (ds->matrix, o.metric, p->coords, o.dims, CLI_TRUST_K,
                            EMB_TRUST_SAMPLE, &trust, NULL, &error))
    {
      g_printerr ("%s: %s\n", prog, error->message);
      return EMB_EXIT_INPUT;
    }
  if (trust_rows <= 2 * CLI_TRUST_K)
    trust = NAN;
  if (opts->json)
    print_json (p, seconds, trust_rows, trust);
  else
    print_text (p, seconds, trust_rows, trust, opts->output);
  return EMB_EXIT_OK;
}
