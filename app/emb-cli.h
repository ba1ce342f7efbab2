/* emb-cli.h: the headless command line (no display needed). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses of the command line. */
#define EMB_EXIT_OK    0
#define EMB_EXIT_INPUT 1  /* bad input file, unknown token */
#define EMB_EXIT_USAGE 2  /* bad arguments */

/* TRUE when argv[1] names a subcommand, so the GUI must not start. */
gboolean emb_cli_is_command (int    argc,
                             char **argv);

/* Runs the subcommand in argv[1] and returns the exit status. */
int      emb_cli_run        (int    argc,
                             char **argv);

G_END_DECLS
