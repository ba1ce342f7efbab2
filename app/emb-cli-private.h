/* emb-cli-private.h: what the command-line files share. */
#pragma once

#include <json-glib/json-glib.h>

#include "emb-cli.h"
#include "analysis/emb-knn.h"
#include "io/emb-dataset.h"
#include "map/emb-projection.h"

G_BEGIN_DECLS

typedef struct
{
  char     *file_name;  /* FILE quoted for messages (emb_quote_name) */
  /* common options */
  char     *format;
  char     *vocab;
  char     *shape;
  char     *tensor;
  char     *nan;
  gboolean  json;
  gboolean  list_tensors;
  /* per command */
  char     *k_text;   /* -k as given (bytes: checked by _emb_cli_parse_k) */
  int       k;        /* -k, 0 when not given */
  char     *metric;
  int       n_components;
  char     *output;
  char    **args;
  /* project and export: the map */
  char     *method;       /* pca (default), tsne or umap */
  double    perplexity;
  int       neighbors;
  double    min_dist;
  int       iterations;
  /* cluster and export */
  gint64    seed;
  char     *size;
  int       clusters;
  int       labels;
  char     *highlight;
  char     *axes;
  char     *title;
  char     *theme;
  double    scale;
} CliOptions;

/* Prints the builder's object as one line of JSON on stdout. */
void     _emb_cli_print_json    (JsonBuilder *builder);

/* Adds value as a JSON number, or null when it is nan or inf (which JSON
 * has no number for). */
void     _emb_cli_add_number    (JsonBuilder *builder,
                                 double       value);

/* A token argument: "#N" is row N, else a token (raw or display text). */
gboolean _emb_cli_resolve_token (EmbDataset  *ds,
                                 const char  *arg,
                                 gsize       *id,
                                 GError     **error);

/* FALSE, having said so, when ds's file changed on disk since it was
 * opened: call it after the work and before printing what came of it. */
gboolean _emb_cli_check_unchanged (const char *prog,
                                   EmbDataset *ds);

/* Writes id,token and the n_out coordinates of every row as CSV to path
 * ("-": stdout), the columns named names[0 .. n_out). */
gboolean _emb_cli_write_coords  (EmbDataset         *ds,
                                 const float        *coords,
                                 gsize               n_out,
                                 const char *const  *names,
                                 const char         *path,
                                 GError            **error);

/* Prints "LABEL… N%" on stderr when it is a terminal; user_data is an
 * EmbCliProgress. */
typedef struct
{
  const char *label;
  int         last;
} EmbCliProgress;
void     _emb_cli_progress      (double   fraction,
                                 gpointer user_data);

/* emb-cli-map.c */
/* The map opts ask for (--method tsne|umap and its options) into *out
 * (an EmbProjection), with progress on a terminal; the exit status. */
int      _emb_cli_compute_map   (const char *prog,
                                 CliOptions *opts,
                                 EmbDataset *ds,
                                 EmbProjection **out);
/* project --method tsne|umap: the map's CSV with -o, and what it took. */
int      _emb_cli_project_map   (const char *prog,
                                 CliOptions *opts,
                                 EmbDataset *ds);
/* The projection options of opts; FALSE (said) when they are not valid
 * on any table. */
gboolean _emb_cli_projection_options (const char *prog,
                                      CliOptions *opts,
                                      EmbProjectionOptions *options);

/* emb-cli-args.c */
/* Checks -k into opts->k; FALSE (said) when it is not a whole number from
 * 1 to G_MAXINT. */
gboolean _emb_cli_parse_k       (const char *prog,
                                 CliOptions *opts);
/* FALSE (said, naming both) when -o names a file the dataset was read
 * from (ds->inputs), under any spelling or link. */
gboolean _emb_cli_check_output  (const char *prog,
                                 CliOptions *opts,
                                 EmbDataset *ds);
/* Says on stderr which reading options the file's format ignores. */
void     _emb_cli_note_ignored  (const char *prog,
                                 CliOptions *opts,
                                 EmbDataset *ds);

/* emb-cli-json.c */
/* Prints a query's answer as one line of JSON, every token byte kept. */
void     _emb_cli_print_neighbors_json (EmbDataset        *ds,
                                        const char        *query,
                                        const char        *metric,
                                        const EmbNeighbor *nb,
                                        gsize              count);

/* emb-cli-plot.c */
int      _emb_cli_cluster       (const char *prog,
                                 CliOptions *opts,
                                 EmbDataset *ds);
int      _emb_cli_export        (const char *prog,
                                 CliOptions *opts,
                                 EmbDataset *ds);

G_END_DECLS
