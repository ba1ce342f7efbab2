/* main.c: `embedlens COMMAND ...` runs headless; anything else is the app. */
#include "config.h"

#include <locale.h>

#include "emb-application.h"
#include "emb-blas-core.h"
#include "emb-cli.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(EmbApplication) app = NULL;

  emb_blas_core_ensure (argv);
  /* For messages and file names only: number parsing never uses the locale. */
  setlocale (LC_ALL, "");

  /* The command line must work with no display: decide before GTK starts. */
  if (emb_cli_is_command (argc, argv))
    return emb_cli_run (argc, argv);

  app = emb_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
