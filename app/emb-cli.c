/* emb-cli.c: `embedlens info|neighbors|analogy|project ...`
 *
 * Every subcommand loads the file in this thread (there is no main loop to
 * keep alive), prints text or one JSON object on stdout, and reports errors
 * as "embedlens: FILE:LINE: cause" on stderr.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emb-cli-private.h"
#include "plot/emb-csv.h"
#include "io/emb-dataset.h"
#include "base/emb-error.h"
#include "base/emb-file.h"
#include "analysis/emb-knn.h"
#include "analysis/emb-pca.h"
#include "map/emb-projection.h"


typedef int (*CliCommandFunc) (const char *prog, CliOptions *opts, EmbDataset *ds);

typedef struct
{
  const char     *name;
  const char     *params;
  const char     *summary;
  guint           n_args;    /* positional arguments after FILE */
  CliCommandFunc  run;
} CliCommand;

static int cmd_info (const char *prog, CliOptions *opts, EmbDataset *ds);
static int cmd_neighbors (const char *prog, CliOptions *opts, EmbDataset *ds);
static int cmd_analogy (const char *prog, CliOptions *opts, EmbDataset *ds);
static int cmd_project (const char *prog, CliOptions *opts, EmbDataset *ds);

static const CliCommand commands[] = {
  { "info", "FILE", "rows, dims, format, stored dtype, vocabulary source", 0, cmd_info },
  { "neighbors", "FILE TOKEN", "the nearest tokens to TOKEN (#N means row N)", 1, cmd_neighbors },
  { "analogy", "FILE A B C", "the tokens nearest to A - B + C", 3, cmd_analogy },
  { "project", "FILE", "exact PCA (or t-SNE, UMAP with --method): coordinates with -o", 0, cmd_project },
  { "cluster", "FILE", "k-means clusters, each labelled by its most central tokens", 0, _emb_cli_cluster },
  { "export", "FILE", "draw the plot to a PNG, SVG or PDF file (or its points to CSV)", 0, _emb_cli_export },
};

/* auxiliary functions */

static const CliCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

void
_emb_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  puts (text);
}

void
_emb_cli_add_number (JsonBuilder *builder,
                     double       value)
{
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
_emb_cli_progress (double   fraction,
                   gpointer user_data)
{
  EmbCliProgress *p = user_data;
  int pct = (int) (fraction * 100.0);

  if (pct == p->last)
    return;
  p->last = pct;
  fprintf (stderr, "\r%s… %3d%%", p->label, pct);
  if (pct >= 100)
    fprintf (stderr, "\r%*s\r", (int) g_utf8_strlen (p->label, -1) + 6, "");
  fflush (stderr);
}

gboolean
_emb_cli_check_unchanged (const char *prog,
                          EmbDataset *ds)
{
  g_autoptr(GError) error = NULL;

  if (emb_dataset_check_unchanged (ds, &error))
    return TRUE;
  g_printerr ("%s: %s\n", prog, error->message);
  return FALSE;
}

gboolean
_emb_cli_resolve_token (EmbDataset  *ds,
               const char  *arg,
               gsize       *id,
               GError     **error)
{
  gsize n = ds->matrix->n_rows;

  if (arg[0] == '#' && arg[1] != '\0')
    {
      guint64 row;
      g_autoptr(GError) local = NULL;

      if (g_ascii_string_to_unsigned (arg + 1, 10, 0, G_MAXUINT64, &row, &local) &&
          !emb_vocab_lookup (ds->vocab, arg, NULL))
        {
          if (row >= n)
            {
              emb_set_error_file (error, EMB_ERROR_NOT_FOUND, ds->path,
                                  "row %" G_GUINT64_FORMAT " is out of range (the file has %" G_GSIZE_FORMAT " rows)",
                                  row, n);
              return FALSE;
            }
          *id = row;
          return TRUE;
        }
    }
  if (emb_vocab_lookup (ds->vocab, arg, id))
    return TRUE;
  {
    g_autofree char *quoted = emb_quote_name (arg, -1);
    emb_set_error_file (error, EMB_ERROR_NOT_FOUND, ds->path, "no token '%s' in the vocabulary", quoted);
  }
  return FALSE;
}

static void
print_neighbors_text (EmbDataset        *ds,
                      const EmbNeighbor *nb,
                      gsize              count)
{
  int width = 8;

  for (gsize i = 0; i < count; i++)
    width = MAX (width, (int) g_utf8_strlen (emb_vocab_display (ds->vocab, nb[i].id), -1));
  width = MIN (width, 40);
  for (gsize i = 0; i < count; i++)
    {
      const char *text = emb_vocab_display (ds->vocab, nb[i].id);
      int pad = width - (int) g_utf8_strlen (text, -1);
      /* Scores of huge rows (dot products up to 1e77) in exponent form. */
      if (fabs (nb[i].score) < 1e9)
        printf ("%3" G_GSIZE_FORMAT "  %s%*s  %9.6f  #%" G_GSIZE_FORMAT "\n",
                i + 1, text, MAX (pad, 0), "", nb[i].score, nb[i].id);
      else
        printf ("%3" G_GSIZE_FORMAT "  %s%*s  %9.6g  #%" G_GSIZE_FORMAT "\n",
                i + 1, text, MAX (pad, 0), "", nb[i].score, nb[i].id);
    }
}

/* Whether the file has rows to query beyond the n_excluded query rows;
 * a -k larger than those is cut to them, with a note. */
static gboolean
check_k (const char *prog,
         CliOptions *opts,
         EmbDataset *ds,
         gsize       n_excluded)
{
  gsize n = ds->matrix->n_rows;

  if (n <= n_excluded)
    {
      g_printerr ("%s: %s: has only %" G_GSIZE_FORMAT " rows, too few to query\n", prog, opts->file_name, n);
      return FALSE;
    }
  if ((gsize) opts->k > n - n_excluded)
    {
      if (opts->k_text != NULL)
        g_printerr ("%s: note: -k %d is more than the %" G_GSIZE_FORMAT " other rows of %s: showing them all\n",
                    prog, opts->k, n - n_excluded, opts->file_name);
      opts->k = (int) (n - n_excluded);
    }
  return TRUE;
}

/* commands */

static int
cmd_info (const char *prog,
          CliOptions *opts,
          EmbDataset *ds)
{
  /* Names as text: a path of bytes that are not UTF-8 would make the JSON
   * invalid and the terminal garbled. */
  g_autofree char *vocab_name = emb_quote_name (ds->vocab_source, -1);
  g_autofree char *note = ds->note != NULL ? emb_quote_name (ds->note, -1) : NULL;

  if (opts->output == NULL && !_emb_cli_check_unchanged (prog, ds))
    return EMB_EXIT_INPUT;
  if (opts->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rows");
      json_builder_add_int_value (b, ds->matrix->n_rows);
      json_builder_set_member_name (b, "dims");
      json_builder_add_int_value (b, ds->matrix->n_cols);
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, ds->format);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, ds->dtype);
      json_builder_set_member_name (b, "vocabulary");
      json_builder_add_string_value (b, vocab_name);
      if (ds->tensor != NULL)
        {
          json_builder_set_member_name (b, "tensor");
          json_builder_add_string_value (b, ds->tensor);
        }
      if (ds->note != NULL)
        {
          json_builder_set_member_name (b, "note");
          json_builder_add_string_value (b, note);
        }
      if (opts->list_tensors && ds->tensors != NULL)
        {
          json_builder_set_member_name (b, "tensors");
          json_builder_begin_array (b);
          for (guint i = 0; i < ds->tensors->len; i++)
            json_builder_add_string_value (b, g_ptr_array_index (ds->tensors, i));
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
      _emb_cli_print_json (b);
      return EMB_EXIT_OK;
    }

  printf ("file        %s\n", opts->file_name);
  printf ("format      %s\n", ds->format);
  if (ds->tensor != NULL)
    printf ("tensor      %s\n", ds->tensor);
  printf ("rows        %" G_GSIZE_FORMAT "\n", ds->matrix->n_rows);
  printf ("dims        %" G_GSIZE_FORMAT "\n", ds->matrix->n_cols);
  printf ("dtype       %s\n", ds->dtype);
  printf ("vocabulary  %s\n", vocab_name);
  if (note != NULL)
    printf ("note        %s\n", note);
  for (guint c = 0; c < emb_vocab_n_columns (ds->vocab); c++)
    printf ("metadata    %s\n", emb_vocab_column_name (ds->vocab, c));
  {
    g_autofree char *size = g_format_size_full (emb_matrix_bytes_for (ds->matrix->n_rows, ds->matrix->n_cols),
                                                G_FORMAT_SIZE_IEC_UNITS);
    printf ("matrix      %s float32, %s\n", size,
            emb_matrix_is_view (ds->matrix) ? "mapped from the file (no copy)" : "in memory");
  }
  if (opts->list_tensors && ds->tensors != NULL)
    for (guint i = 0; i < ds->tensors->len; i++)
      printf ("%s %s\n", i == 0 ? "tensors    " : "           ", (char *) g_ptr_array_index (ds->tensors, i));
  return EMB_EXIT_OK;
}

static int
run_query (const char  *prog,
           CliOptions  *opts,
           EmbDataset  *ds,
           const char  *query_text,
           const gsize *ids,
           guint        n_ids)
{
  g_autoptr(EmbKnnIndex) index = NULL;
  g_autofree EmbNeighbor *nb = NULL;
  EmbMetric metric = EMB_METRIC_COSINE;
  gsize count;

  if (opts->metric != NULL && !emb_metric_from_string (opts->metric, &metric))
    {
      g_printerr ("%s: unknown metric '%s' (cosine, euclidean or dot)\n", prog, opts->metric);
      return EMB_EXIT_USAGE;
    }
  if (!check_k (prog, opts, ds, n_ids))
    return EMB_EXIT_INPUT;

  index = emb_knn_index_new (ds->matrix);
  nb = g_new (EmbNeighbor, opts->k);
  if (n_ids == 1)
    count = emb_knn_query_row (index, ids[0], metric, opts->k, nb);
  else
    {
      metric = EMB_METRIC_COSINE;
      count = emb_knn_analogy (index, ids[0], ids[1], ids[2], opts->k, nb);
    }
  if (!_emb_cli_check_unchanged (prog, ds))
    return EMB_EXIT_INPUT;

  if (opts->json)
    _emb_cli_print_neighbors_json (ds, query_text, emb_metric_to_string (metric), nb, count);
  else
    {
      printf ("%s, by %s%s:\n", query_text, emb_metric_to_string (metric),
              metric == EMB_METRIC_EUCLIDEAN ? " distance" : "");
      print_neighbors_text (ds, nb, count);
    }
  return EMB_EXIT_OK;
}

static int
cmd_neighbors (const char *prog,
               CliOptions *opts,
               EmbDataset *ds)
{
  g_autoptr(GError) error = NULL;
  gsize id;

  if (!_emb_cli_resolve_token (ds, opts->args[2], &id, &error))
    {
      g_printerr ("%s: %s\n", prog, error->message);
      return EMB_EXIT_INPUT;
    }
  return run_query (prog, opts, ds, emb_vocab_display (ds->vocab, id), &id, 1);
}

static int
cmd_analogy (const char *prog,
             CliOptions *opts,
             EmbDataset *ds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *query = NULL;
  gsize ids[3];

  for (guint i = 0; i < 3; i++)
    if (!_emb_cli_resolve_token (ds, opts->args[2 + i], &ids[i], &error))
      {
        g_printerr ("%s: %s\n", prog, error->message);
        return EMB_EXIT_INPUT;
      }
  query = g_strdup_printf ("%s - %s + %s",
                           emb_vocab_display (ds->vocab, ids[0]),
                           emb_vocab_display (ds->vocab, ids[1]),
                           emb_vocab_display (ds->vocab, ids[2]));
  return run_query (prog, opts, ds, query, ids, 3);
}

gboolean
_emb_cli_write_coords (EmbDataset         *ds,
                       const float        *coords,
                       gsize               n_out,
                       const char *const  *names,
                       const char         *path,
                       GError            **error)
{
  g_autoptr(GString) out = g_string_sized_new (ds->matrix->n_rows * (16 + 14 * n_out));

  g_string_append (out, "id,token");
  for (gsize j = 0; j < n_out; j++)
    g_string_append_printf (out, ",%s", names[j]);
  g_string_append_c (out, '\n');
  for (gsize i = 0; i < ds->matrix->n_rows; i++)
    {
      g_string_append_printf (out, "%" G_GSIZE_FORMAT ",", i);
      emb_csv_append_token (out, ds->vocab, i);
      for (gsize j = 0; j < n_out; j++)
        {
          g_string_append_c (out, ',');
          emb_csv_append_float (out, coords[i * n_out + j]);
        }
      g_string_append_c (out, '\n');
    }

  if (g_str_equal (path, "-"))
    {
      fwrite (out->str, 1, out->len, stdout);
      return TRUE;
    }
  return emb_file_write_atomically (path, out->str, out->len, error);
}

static int
cmd_project (const char *prog,
             CliOptions *opts,
             EmbDataset *ds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbPca) pca = NULL;
  gsize n_out = opts->n_components;

  if (opts->method != NULL && !g_str_equal (opts->method, "pca"))
    return _emb_cli_project_map (prog, opts, ds);
  if (opts->n_components < 1 || opts->n_components > EMB_PCA_MAX_COMPONENTS)
    {
      g_printerr ("%s: -n must be between 1 and %d\n", prog, EMB_PCA_MAX_COMPONENTS);
      return EMB_EXIT_USAGE;
    }
  if (n_out > ds->matrix->n_cols)
    {
      g_printerr ("%s: %s: has %" G_GSIZE_FORMAT " dims, fewer than -n %" G_GSIZE_FORMAT "\n",
                  prog, opts->file_name, ds->matrix->n_cols, n_out);
      return EMB_EXIT_INPUT;
    }

  pca = emb_pca_compute (ds->matrix, n_out, NULL, &error);
  if (pca == NULL)
    {
      g_printerr ("%s: %s: %s\n", prog, opts->file_name, error->message);
      return EMB_EXIT_INPUT;
    }

  if (opts->output != NULL)
    {
      g_autofree float *coords = g_try_new (float, ds->matrix->n_rows * n_out);

      if (coords == NULL)
        {
          g_printerr ("%s: not enough memory for the coordinates\n", prog);
          return EMB_EXIT_INPUT;
        }
      emb_pca_project (pca, ds->matrix, n_out, coords);
      if (!_emb_cli_check_unchanged (prog, ds))
        return EMB_EXIT_INPUT;
      g_auto(GStrv) names = g_new0 (char *, n_out + 1);

      for (gsize j = 0; j < n_out; j++)
        names[j] = g_strdup_printf ("pc%" G_GSIZE_FORMAT, j + 1);
      if (!_emb_cli_write_coords (ds, coords, n_out, (const char *const *) names, opts->output, &error))
        {
          g_printerr ("%s: %s\n", prog, error->message);
          return EMB_EXIT_INPUT;
        }
      if (g_str_equal (opts->output, "-"))
        return EMB_EXIT_OK;
    }

  if (opts->output == NULL && !_emb_cli_check_unchanged (prog, ds))
    return EMB_EXIT_INPUT;
  if (opts->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rows");
      json_builder_add_int_value (b, ds->matrix->n_rows);
      json_builder_set_member_name (b, "dims");
      json_builder_add_int_value (b, ds->matrix->n_cols);
      json_builder_set_member_name (b, "explained_variance_ratio");
      json_builder_begin_array (b);
      for (gsize j = 0; j < pca->n_components; j++)
        _emb_cli_add_number (b, pca->explained_variance_ratio[j]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      _emb_cli_print_json (b);
    }
  else
    {
      double total = 0;
      printf ("%" G_GSIZE_FORMAT " rows x %" G_GSIZE_FORMAT " dims, exact PCA on every row\n",
              ds->matrix->n_rows, ds->matrix->n_cols);
      for (gsize j = 0; j < pca->n_components; j++)
        {
          total += pca->explained_variance_ratio[j];
          printf ("PC%-3" G_GSIZE_FORMAT " %6.2f%%  (cumulative %6.2f%%)\n", j + 1,
                  100.0 * pca->explained_variance_ratio[j], 100.0 * total);
        }
      if (opts->output != NULL)
        {
          g_autofree char *out_name = emb_quote_name (opts->output, -1);
          printf ("wrote %s\n", out_name);
        }
    }
  return EMB_EXIT_OK;
}

static void
print_usage (FILE *to)
{
  fprintf (to, "Usage: embedlens [FILE]\n"
               "       embedlens COMMAND FILE [ARGS] [OPTIONS]\n\n"
               "Look inside an embedding matrix: word vectors or a model's token table.\n\n"
               "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (to, "  %-10s %-12s %s\n", commands[i].name, commands[i].params, commands[i].summary);
  fprintf (to, "\nFILE may be %s for the bundled sample (20,000 GloVe words).\n"
               "Run 'embedlens COMMAND --help' for a command's options.\n", EMB_SAMPLE_NAME);
}

/* public API */

gboolean
emb_cli_is_command (int    argc,
                    char **argv)
{
  if (argc < 2)
    return FALSE;
  return find_command (argv[1]) != NULL ||
         g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
         g_str_equal (argv[1], "help") || g_str_equal (argv[1], "--version");
}

/* The reading options the command line asks for; FALSE (said) for a
 * malformed --shape or --nan. */
static gboolean
load_options_from (const CliOptions *opts,
                   EmbLoadOptions   *load,
                   const char       *prog)
{
  if (opts->shape != NULL && !emb_parse_shape (opts->shape, &load->shape_rows, &load->shape_cols))
    {
      g_printerr ("%s: --shape wants ROWSxDIMS, such as 150x4, not '%s'\n", prog, opts->shape);
      return FALSE;
    }
  load->format = opts->format;
  load->vocab_path = opts->vocab;
  load->tensor = opts->tensor;
  if (opts->nan == NULL || g_str_equal (opts->nan, "refuse"))
    load->nan_policy = EMB_NAN_REFUSE;
  else if (g_str_equal (opts->nan, "zero"))
    load->nan_policy = EMB_NAN_ZERO;
  else if (g_str_equal (opts->nan, "drop"))
    load->nan_policy = EMB_NAN_DROP;
  else
    {
      g_printerr ("%s: --nan wants refuse, zero or drop, not '%s'\n", prog, opts->nan);
      return FALSE;
    }
  return TRUE;
}

static void
cli_options_clear (CliOptions *opts)
{
  g_free (opts->file_name);
  g_free (opts->k_text);
  g_free (opts->format);
  g_free (opts->vocab);
  g_free (opts->shape);
  g_free (opts->tensor);
  g_free (opts->nan);
  g_free (opts->metric);
  g_free (opts->output);
  g_free (opts->size);
  g_free (opts->highlight);
  g_free (opts->axes);
  g_free (opts->title);
  g_free (opts->theme);
  g_free (opts->method);
  g_strfreev (opts->args);
}

/* The options of cmd (its own and the common ones), parsed into opts. */
static GOptionContext *
option_context_new (const CliCommand *cmd,
                    CliOptions       *opts)
{
  GOptionEntry common[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &opts->format, "Read FILE as FMT instead of detecting it", "FMT" },
    { "vocab", 0, 0, G_OPTION_ARG_FILENAME, &opts->vocab, "Tokens from this file (one per line, or a metadata .tsv)", "FILE" },
    { "shape", 0, 0, G_OPTION_ARG_STRING, &opts->shape, "Rows and dims of a raw .bytes file", "NxD" },
    { "tensor", 0, 0, G_OPTION_ARG_STRING, &opts->tensor, "Read this tensor of a safetensors or GGUF file", "NAME" },
    { "nan", 0, 0, G_OPTION_ARG_STRING, &opts->nan, "nan and inf values: refuse (default), zero, or drop their rows", "POLICY" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts->json, "Print one JSON object", NULL },
    { NULL }
  };
  GOptionEntry info[] = {
    { "tensors", 0, 0, G_OPTION_ARG_NONE, &opts->list_tensors, "List the tensors of a checkpoint", NULL },
    { NULL }
  };
  GOptionEntry query[] = {
    { "k", 'k', 0, G_OPTION_ARG_FILENAME, &opts->k_text, "How many neighbours (default 10)", "K" },
    { "metric", 'm', 0, G_OPTION_ARG_STRING, &opts->metric, "cosine (default), euclidean or dot", "METRIC" },
    { NULL }
  };
  GOptionEntry analogy[] = {
    { "k", 'k', 0, G_OPTION_ARG_FILENAME, &opts->k_text, "How many results (default 10)", "K" },
    { NULL }
  };
  GOptionEntry project[] = {
    { "components", 'n', 0, G_OPTION_ARG_INT, &opts->n_components, "How many components (default 2)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opts->output, "Write id,token,pc1..pcN (x,y[,z] for a map) as CSV (- for stdout)", "FILE" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &opts->method, "pca (default), tsne or umap", "M" },
    { "metric", 'm', 0, G_OPTION_ARG_STRING, &opts->metric, "Neighbours of t-SNE and UMAP: cosine (default) or euclidean", "METRIC" },
    { "perplexity", 0, 0, G_OPTION_ARG_DOUBLE, &opts->perplexity, "t-SNE perplexity (default 30)", "P" },
    { "neighbors", 0, 0, G_OPTION_ARG_INT, &opts->neighbors, "UMAP neighbours, the row itself counted (default 15)", "K" },
    { "min-dist", 0, 0, G_OPTION_ARG_DOUBLE, &opts->min_dist, "UMAP min_dist (default 0.1)", "D" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &opts->iterations, "t-SNE iterations (750) or UMAP epochs (200, or 500 below 10,000 rows)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &opts->seed, "Random seed of t-SNE and UMAP (default 1)", "S" },
    { NULL }
  };
  GOptionEntry cluster[] = {
    { "k", 'k', 0, G_OPTION_ARG_FILENAME, &opts->k_text, "How many clusters (default: from the number of rows)", "K" },
    { "metric", 'm', 0, G_OPTION_ARG_STRING, &opts->metric, "cosine (default) or euclidean", "METRIC" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &opts->seed, "Random seed (default 1)", "S" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opts->output, "Write id,token,cluster as CSV (- for stdout)", "FILE" },
    { NULL }
  };
  GOptionEntry export[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opts->output, "The file to write: .png, .svg, .pdf or .csv", "FILE" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &opts->size, "Width x height in pixels or points (default 1600x1200)", "WxH" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &opts->scale, "Pixel scale of a PNG (default 1)", "S" },
    { "clusters", 0, 0, G_OPTION_ARG_INT, &opts->clusters, "Colour by K k-means clusters, with labels", "K" },
    { "metric", 'm', 0, G_OPTION_ARG_STRING, &opts->metric, "Cluster and neighbour metric: cosine (default) or euclidean", "METRIC" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &opts->seed, "Random seed of the clusters and of a map (default 1)", "S" },
    { "labels", 0, 0, G_OPTION_ARG_INT, &opts->labels, "Label up to N tokens, most frequent first (default 0)", "N" },
    { "highlight", 0, 0, G_OPTION_ARG_FILENAME, &opts->highlight, "Highlight TOKEN and its 10 nearest neighbours", "TOKEN" },
    { "axes", 0, 0, G_OPTION_ARG_STRING, &opts->axes, "Principal components on x and y (default 1,2)", "X,Y" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &opts->title, "Title (default: the file name)", "T" },
    { "theme", 0, 0, G_OPTION_ARG_STRING, &opts->theme, "light (default), dark or transparent", "THEME" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &opts->method, "The points' layout: pca (default), tsne or umap", "M" },
    { "components", 'n', 0, G_OPTION_ARG_INT, &opts->n_components, "Dimensions of a t-SNE or UMAP map (2 or 3)", "N" },
    { "perplexity", 0, 0, G_OPTION_ARG_DOUBLE, &opts->perplexity, "t-SNE perplexity (default 30)", "P" },
    { "neighbors", 0, 0, G_OPTION_ARG_INT, &opts->neighbors, "UMAP neighbours, the row itself counted (default 15)", "K" },
    { "min-dist", 0, 0, G_OPTION_ARG_DOUBLE, &opts->min_dist, "UMAP min_dist (default 0.1)", "D" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &opts->iterations, "t-SNE iterations or UMAP epochs", "N" },
    { NULL }
  };
  GOptionEntry rest[] = {
    /* FILE and tokens are bytes, as the file system and the vocabulary
     * hold them: no conversion to UTF-8 that could refuse them. */
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts->args, NULL, NULL },
    { NULL }
  };
  g_autofree char *params = g_strdup_printf ("%s %s", cmd->name, cmd->params);
  GOptionContext *ctx = g_option_context_new (params);
  GOptionGroup *group;

  g_option_context_set_summary (ctx, cmd->summary);
  if (g_str_equal (cmd->name, "neighbors") || g_str_equal (cmd->name, "analogy"))
    g_option_context_set_description (ctx,
      "A TOKEN is matched against the stored bytes, then the display text.\n"
      "With --json each neighbour has \"token\", its display text; \"raw\" when the\n"
      "stored bytes differ from it (NUL and control characters as \\u00XX, bytes\n"
      "that are not UTF-8 as U+FFFD); and when there are such bytes, \"raw_hex\":\n"
      "every stored byte as two hex digits.");
  g_option_context_add_main_entries (ctx, rest, NULL);
  if (g_str_equal (cmd->name, "info"))
    g_option_context_add_main_entries (ctx, info, NULL);
  else if (g_str_equal (cmd->name, "neighbors"))
    g_option_context_add_main_entries (ctx, query, NULL);
  else if (g_str_equal (cmd->name, "analogy"))
    g_option_context_add_main_entries (ctx, analogy, NULL);
  else if (g_str_equal (cmd->name, "project"))
    g_option_context_add_main_entries (ctx, project, NULL);
  else if (g_str_equal (cmd->name, "cluster"))
    g_option_context_add_main_entries (ctx, cluster, NULL);
  else if (g_str_equal (cmd->name, "export"))
    g_option_context_add_main_entries (ctx, export, NULL);
  group = g_option_group_new ("common", "Options for every command:", "Show the options for reading files", NULL, NULL);
  g_option_group_add_entries (group, common);
  g_option_context_add_group (ctx, group);

  return ctx;
}

int
emb_cli_run (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbDataset) ds = NULL;
  g_autofree char *prog = NULL;
  const CliCommand *cmd;
  CliOptions opts = { .k = 0, .n_components = 2, .seed = 1, .scale = 1.0, .labels = 0, .clusters = 0,
                      .perplexity = 30.0, .neighbors = 15, .min_dist = 0.1 };
  EmbLoadOptions load = { 0 };
  char **args;
  int status;
  EmbCliProgress load_progress = { "Loading", -1 };
  EmbProjectionOptions projection;

  if (g_str_equal (argv[1], "--version"))
    {
      printf ("embedlens %s\n", PACKAGE_VERSION);
      return EMB_EXIT_OK;
    }
  cmd = find_command (argv[1]);
  if (cmd == NULL)
    {
      print_usage (stdout);
      return EMB_EXIT_OK;
    }

  ctx = option_context_new (cmd, &opts);

  prog = g_strdup ("embedlens");
  /* Parse argv[1..]: the command name stands where the program name would. */
  args = g_new0 (char *, argc + 1);
  for (int i = 1; i < argc; i++)
    args[i - 1] = g_strdup (argv[i]);
  if (!g_option_context_parse_strv (ctx, &args, &error))
    {
      g_printerr ("%s %s: %s\nTry 'embedlens %s --help'.\n", prog, cmd->name, error->message, cmd->name);
      g_strfreev (args);
      status = EMB_EXIT_USAGE;
      goto out;
    }
  g_strfreev (args);

  if (opts.args == NULL || g_strv_length (opts.args) != cmd->n_args + 1)
    {
      g_printerr ("Usage: embedlens %s %s\nTry 'embedlens %s --help'.\n", cmd->name, cmd->params, cmd->name);
      status = EMB_EXIT_USAGE;
      goto out;
    }
  /* Keep the layout argv[0] = command, argv[1] = FILE, argv[2..] = rest. */
  {
    char **shifted = g_new0 (char *, g_strv_length (opts.args) + 2);
    shifted[0] = g_strdup (cmd->name);
    for (guint i = 0; opts.args[i]; i++)
      shifted[i + 1] = g_strdup (opts.args[i]);
    g_strfreev (opts.args);
    opts.args = shifted;
  }

  opts.file_name = emb_quote_name (opts.args[1], -1);
  /* -k means neighbours for queries (default 10), clusters for cluster
   * (default: from the number of rows). */
  if (!_emb_cli_parse_k (prog, &opts))
    {
      status = EMB_EXIT_USAGE;
      goto out;
    }
  if (opts.k == 0 && !g_str_equal (cmd->name, "cluster"))
    opts.k = 10;
  /* Bad map options are usage errors, found before the file is read. */
  if ((g_str_equal (cmd->name, "project") || g_str_equal (cmd->name, "export")) &&
      !_emb_cli_projection_options (prog, &opts, &projection))
    {
      status = EMB_EXIT_USAGE;
      goto out;
    }
  if (!load_options_from (&opts, &load, prog))
    {
      status = EMB_EXIT_USAGE;
      goto out;
    }

  ds = emb_dataset_load (opts.args[1], &load, NULL,
                         isatty (STDERR_FILENO) ? _emb_cli_progress : NULL, &load_progress, &error);
  if (ds == NULL)
    {
      g_printerr ("%s: %s\n", prog, error->message);
      if (g_error_matches (error, EMB_ERROR, EMB_ERROR_NON_FINITE))
        g_printerr ("%s: hint: --nan=zero reads nan and inf as 0, --nan=drop leaves their rows out\n",
                    prog);
      status = g_error_matches (error, EMB_ERROR, EMB_ERROR_INVALID) ? EMB_EXIT_USAGE : EMB_EXIT_INPUT;
      goto out;
    }

  /* A vocabulary fitted to the matrix is worth knowing, not fatal. */
  if (ds->note != NULL && !g_str_equal (cmd->name, "info"))
    {
      g_autofree char *note = emb_quote_name (ds->note, -1);
      g_printerr ("%s: note: %s\n", prog, note);
    }
  _emb_cli_note_ignored (prog, &opts, ds);
  /* Never write over what was read, before anything is written. */
  if (!_emb_cli_check_output (prog, &opts, ds))
    {
      status = EMB_EXIT_INPUT;
      goto out;
    }
  status = cmd->run (prog, &opts, ds);
  /* Every command checks before it prints; this is for the rest
   * (info only reads the header, which may have been all it needed). */
  if (status == EMB_EXIT_OK && !_emb_cli_check_unchanged (prog, ds))
    status = EMB_EXIT_INPUT;
  fflush (stdout);
  if (ferror (stdout))
    {
      g_printerr ("%s: cannot write the output: %s\n", prog, g_strerror (errno));
      status = EMB_EXIT_INPUT;
    }

out:
  cli_options_clear (&opts);
  return status;
}
