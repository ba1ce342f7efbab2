/* emb-cli-args.c: the checks of the command line's arguments that need
 * more than GOptionContext: -k, an output file that is an input, and
 * reading options the file's format has no use for. */
#include "config.h"

#include <string.h>

#include "emb-cli-private.h"
#include "base/emb-error.h"
#include "io/emb-formats.h"

/* public API */

gboolean
_emb_cli_parse_k (const char *prog,
                  CliOptions *opts)
{
  guint64 k;

  if (opts->k_text == NULL)
    return TRUE;
  /* Unsigned parsing refuses a sign, so "-1" is refused with the rest. */
  if (!g_ascii_string_to_unsigned (opts->k_text, 10, 1, G_MAXINT, &k, NULL))
    {
      g_autofree char *quoted = emb_quote_name (opts->k_text, -1);
      g_printerr ("%s: -k wants a whole number from 1 to %d, not '%s'\n", prog, G_MAXINT, quoted);
      return FALSE;
    }
  opts->k = (int) k;
  return TRUE;
}

gboolean
_emb_cli_check_output (const char *prog,
                       CliOptions *opts,
                       EmbDataset *ds)
{
  const char *input;

  if (opts->output == NULL || g_str_equal (opts->output, "-"))
    return TRUE;
  input = emb_dataset_find_input (ds, opts->output);
  if (input != NULL)
    {
      g_autofree char *out_name = emb_quote_name (opts->output, -1);
      g_autofree char *in_name = emb_quote_name (input, -1);

      g_printerr ("%s: -o %s is the input file %s: refusing to write over it\n",
                  prog, out_name, in_name);
      return FALSE;
    }
  return TRUE;
}

void
_emb_cli_note_ignored (const char *prog,
                       CliOptions *opts,
                       EmbDataset *ds)
{
  const EmbFormat *format = emb_format_find (ds->format);

  if (format == NULL)
    return;
  if (opts->shape != NULL && !(format->read_options & EMB_READ_OPTION_SHAPE))
    g_printerr ("%s: note: --shape is ignored for %s files: their shape is in the file itself\n",
                prog, format->name);
  if (opts->tensor != NULL && !(format->read_options & EMB_READ_OPTION_TENSOR))
    g_printerr ("%s: note: --tensor is ignored for %s files: they hold one matrix\n",
                prog, format->name);
  if (opts->list_tensors && !(format->read_options & EMB_READ_OPTION_TENSOR))
    g_printerr ("%s: note: --tensors is ignored for %s files: they hold one matrix\n",
                prog, format->name);
}
