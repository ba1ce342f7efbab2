/* emb-cli-private.h: what the command-line files share. */
#pragma once

#include <json-glib/json-glib.h>

#include "emb-cli.h"
#include "io/emb-dataset.h"

G_BEGIN_DECLS

typedef struct
{
  /* common options */
  char     *format;
  char     *vocab;
  char     *shape;
  char     *tensor;
  char     *nan;
  gboolean  json;
  gboolean  list_tensors;
  /* per command */
  int       k;
  char     *metric;
  int       n_components;
  char     *output;
  char    **args;
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

/* emb-cli-plot.c */
int      _emb_cli_cluster       (const char *prog,
                                 CliOptions *opts,
                                 EmbDataset *ds);
int      _emb_cli_export        (const char *prog,
                                 CliOptions *opts,
                                 EmbDataset *ds);

G_END_DECLS
