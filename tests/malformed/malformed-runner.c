/* malformed-runner.c: what every reader says about a broken file.
 *
 * A table of malformed files, several per format and per vocabulary
 * reader, each built here byte by byte: empty, header only, cut short,
 * wrong counts, bad numbers, invalid UTF-8, sizes no file can hold, rows
 * of mixed lengths.  For each case the test knows, from how it built the
 * file, the error code the load must give and the line or byte its
 * message must name ("the second line", "the byte where the data should
 * end"), never from the program's own output.  Every message must start
 * with the file, name the place in the documented form
 * ("FILE:LINE: cause", "FILE: byte OFFSET: cause" or "FILE: cause"),
 * contain a phrase saying the cause, be valid UTF-8 on one line, and come
 * back at once: sizes a file only declares are never allocated.
 *
 * The exact messages are printed as a table ("format | case | message"),
 * one line per case (shown with --verbose, or as TAP comments), so a test
 * run documents what a user sees.
 *
 * Each case is loaded with its reader named, and again with the format
 * detected where detection picks the same reader (the message must be
 * the same); nan and inf cases must load once they are read as 0.
 *
 * Then, for every reader and every vocabulary file: an empty file, a
 * folder, a missing file, a named pipe and an unreadable file (skipped as
 * root).  Tokens that are not valid UTF-8 are not an error: they load,
 * keep their bytes and show with U+FFFD.  Last, each small valid file is
 * cut at every byte: every cut must fail cleanly, or, where the cut
 * happens to leave a valid shorter file, load with fewer rows.
 *
 * The cases are in malformed-FORMAT.c, one file per family of formats,
 * built with the helpers of malformed-build.c; the file-level tests are
 * in malformed-files.c, the cuts in malformed-cuts.c.  This file checks
 * the loads, runs the table and registers everything.
 */
#include <locale.h>
#include <math.h>
#include <string.h>
#include <sys/resource.h>

#include "io/emb-parse.h"
#include "malformed.h"

/* Each load should take well under a millisecond; a load that takes
 * seconds did work in proportion to a size the file only declares.  The
 * bound is loose so that a busy machine does not fail the test. */
#define MAX_LOAD_USEC (5 * G_USEC_PER_SEC)

/* The peak resident size of the whole run: no case may allocate what a
 * file merely declares. */
#define MAX_RSS_KB (1024 * 1024)

static const char * const place_names[] = { "the file", "a line", "a byte" };

static const char *
code_name (gint code)
{
  static const char * const names[] = {
    "IO", "FORMAT", "PARSE", "TRUNCATED", "NON_FINITE", "UNSUPPORTED",
    "TOO_LARGE", "SHAPE", "NOT_FOUND", "INVALID",
  };

  return code >= 0 && code < (gint) G_N_ELEMENTS (names) ? names[code] : "?";
}


void
fail (const char *format,
      ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("FAILED: %s", text);
  g_test_fail_printf ("%s", text);
}

/* The place a message names right after path: FALSE when it does not
 * start with path followed by one of the three forms.  A file another
 * file names (a projector config's tensorPath) may come after what named
 * it: "CONFIG: embedding 't': tensorPath 't.tsv': PATH:3: ...". */
static gboolean
parse_place (const char *message,
             const char *path,
             Place      *place,
             guint64    *at)
{
  g_autofree char *via = g_strconcat ("': ", path, NULL);
  const char *rest, *inner;
  char *end;

  if (!g_str_has_prefix (message, path))
    {
      inner = strstr (message, via);
      if (inner == NULL)
        return FALSE;
      message = inner + 3;
    }
  rest = message + strlen (path);
  *at = 0;
  if (rest[0] == ':' && g_ascii_isdigit (rest[1]))
    {
      *at = g_ascii_strtoull (rest + 1, &end, 10);
      *place = AT_LINE;
      return end[0] == ':' && end[1] == ' ';
    }
  if (g_str_has_prefix (rest, ": byte ") && g_ascii_isdigit (rest[7]))
    {
      *at = g_ascii_strtoull (rest + 7, &end, 10);
      *place = AT_BYTE;
      return end[0] == ':' && end[1] == ' ';
    }
  *place = AT_FILE;
  return g_str_has_prefix (rest, ": ");
}

/* Checks a load that must have failed as e says; failures are recorded
 * (not fatal) so that one run lists every case that is wrong.  Returns
 * whether all held. */
gboolean
check_failure (const char   *what,
               const char   *named,
               EmbDataset   *ds,
               const GError *error,
               const Expect *e)
{
  const char *msg;
  Place place;
  guint64 at;
  gboolean ok = TRUE;

  if (ds != NULL)
    {
      fail ("%s: loaded (%zu x %zu), expected an error",
            what, ds->matrix->n_rows, ds->matrix->n_cols);
      emb_dataset_unref (ds);
      return FALSE;
    }
  if (error == NULL)
    {
      fail ("%s: failed without an error", what);
      return FALSE;
    }
  msg = error->message;
  if (error->domain != EMB_ERROR)
    {
      fail ("%s: error domain %s, not EMB_ERROR: %s",
            what, g_quark_to_string (error->domain), msg);
      return FALSE;
    }
  if (e->code >= 0 && error->code != e->code)
    {
      fail ("%s: code %s, expected %s: %s",
            what, code_name (error->code), code_name (e->code), msg);
      ok = FALSE;
    }
  if (!g_utf8_validate (msg, -1, NULL))
    {
      g_autofree char *shown = g_utf8_make_valid (msg, -1);
      fail ("%s: the message is not valid UTF-8: %s", what, shown);
      return FALSE;
    }
  if (strchr (msg, '\n') != NULL)
    {
      fail ("%s: the message has a newline: %s", what, msg);
      ok = FALSE;
    }
  if (!parse_place (msg, named, &place, &at))
    {
      fail ("%s: the message does not start with '%s' and a place: %s",
            what, named, msg);
      return FALSE;
    }
  if (!e->any_place && place != e->place)
    {
      fail ("%s: the message names %s, expected %s: %s",
            what, place_names[place], place_names[e->place], msg);
      ok = FALSE;
    }
  else if (place != AT_FILE)
    {
      gboolean right = TRUE;

      switch (e->pos)
        {
        case POS_EXACT:
          right = at == e->at[0];
          break;
        case POS_EITHER:
          right = at == e->at[0] || at == e->at[1];
          break;
        case POS_UPTO:
          right = at <= e->at[0];
          break;
        case POS_ANY:
        default:
          break;
        }
      if (!right)
        {
          fail ("%s: the message names %s %" G_GUINT64_FORMAT ", expected %s%"
                G_GUINT64_FORMAT "%s: %s",
                what, place == AT_LINE ? "line" : "byte", at,
                e->pos == POS_UPTO ? "at most " : "", e->at[0],
                e->pos == POS_EITHER ? " or the other line" : "", msg);
          ok = FALSE;
        }
    }
  if (e->phrase != NULL && strstr (msg, e->phrase) == NULL)
    {
      fail ("%s: the message lacks \"%s\": %s", what, e->phrase, msg);
      ok = FALSE;
    }
  return ok;
}

/* Loads path, failing the test when it takes too long. */
EmbDataset *
timed_load (const char           *what,
            const char           *path,
            const EmbLoadOptions *options,
            GError              **error)
{
  gint64 start = g_get_monotonic_time ();
  EmbDataset *ds = emb_dataset_load (path, options, NULL, NULL, NULL, error);
  gint64 took = g_get_monotonic_time () - start;

  if (took > MAX_LOAD_USEC)
    fail ("%s: the load took %.1f s", what, took / (double) G_USEC_PER_SEC);
  return ds;
}

/* The 2 x 3 .npy that vocabulary cases attach their file to. */
const char *
write_matrix (const char *prefix)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autofree char *name = g_strdup_printf ("%s-matrix.npy", prefix);

  npy_valid (b);
  return emb_test_write (name, b->data, b->len);
}

/* Builds, writes and loads one case: explicit format, then detection,
 * then, for nan and inf, with them read as 0. */
static void
run_case (const MalformedCase *c,
          guint                index)
{
  g_autofree char *prefix = g_strdup_printf ("%03u", index);
  g_autofree char *name = NULL;
  g_autofree char *what = g_strdup_printf ("%s | %s", c->format, c->what);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  EmbLoadOptions options = { 0 };
  Built b = { 0 };
  Expect e = { 0 };
  const char *path, *load_path, *named;
  EmbDataset *ds;

  b.prefix = prefix;
  b.data = g_byte_array_new ();
  if (c->build != NULL)
    c->build (&b);
  else
    {
      emb_test_put_str (b.data, c->text);
      if (c->mark != NULL)
        b.at = c->place == AT_LINE ? line_of (c->text, c->mark) : offset_of (c->text, c->mark);
    }

  name = g_strconcat (prefix, c->ext, NULL);
  path = emb_test_write (name, b.data->data, b.data->len);
  named = b.named != NULL ? b.named : path;
  load_path = path;
  options.format = c->format;
  options.shape_rows = b.shape_rows;
  options.shape_cols = b.shape_cols;
  if (c->flags & VOCAB)
    {
      load_path = write_matrix (prefix);
      options.format = "npy";
      options.vocab_path = path;
    }

  e.code = c->code;
  e.place = c->place;
  e.pos = POS_EXACT;
  e.at[0] = b.at;
  e.phrase = c->phrase;

  ds = timed_load (what, load_path, &options, &error);
  check_failure (what, named, ds, error, &e);
  if (error != NULL)
    message = g_strdup (error->message);
  g_test_message ("%s | %s", what, message != NULL ? message : "(no error)");

  if (c->flags & DETECT)
    {
      g_autoptr(GError) detected = NULL;

      options.format = NULL;
      ds = timed_load (what, load_path, &options, &detected);
      if (ds != NULL)
        {
          fail ("%s: loaded when the format was detected", what);
          emb_dataset_unref (ds);
        }
      else if (message != NULL && g_strcmp0 (detected->message, message) != 0)
        fail ("%s: detection gives another error: %s", what, detected->message);
      options.format = (c->flags & VOCAB) ? "npy" : c->format;
    }

  if (c->code == EMB_ERROR_NON_FINITE)
    {
      g_autoptr(GError) zero_error = NULL;

      options.nan_policy = EMB_NAN_ZERO;
      ds = timed_load (what, load_path, &options, &zero_error);
      if (ds == NULL)
        fail ("%s: with nan and inf read as 0: %s", what, zero_error->message);
      else
        emb_dataset_unref (ds);
    }

  g_byte_array_unref (b.data);
  g_free (b.named);
}

/* Loads path as what, failing the test unless it loads in time. */
EmbDataset *
load_ok (const char           *what,
         const char           *path,
         const EmbLoadOptions *options)
{
  g_autoptr(GError) error = NULL;
  EmbDataset *ds = timed_load (what, path, options, &error);

  if (ds == NULL)
    g_error ("%s: %s", what, error->message);
  return ds;
}

/* Every family's cases, in the order they run; a case's index in this
 * order names its files. */
static const MalformedTable *tables[] = {
  &malformed_text_cases,
  &malformed_word2vec_binary_cases,
  &malformed_npy_cases,
  &malformed_projector_cases,
  &malformed_safetensors_cases,
  &malformed_gguf_cases,
  &malformed_vocab_cases,
};

/* tests: the table */

static void
test_table (gconstpointer data)
{
  const char *format = data;
  guint index = 0;

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (gsize i = 0; i < tables[t]->n; i++, index++)
      if (g_str_equal (tables[t]->cases[i].format, format))
        run_case (&tables[t]->cases[i], index);
}

/* tests: memory */

static void
test_peak_memory (void)
{
  struct rusage usage;

  g_assert_no_errno (getrusage (RUSAGE_SELF, &usage));
  g_test_message ("peak resident size after all cases: %ld MB", usage.ru_maxrss / 1024);
  g_assert_cmpint (usage.ru_maxrss, <, MAX_RSS_KB);
}

int
main (int    argc,
      char **argv)
{
  const char *previous = NULL;

  /* The messages are printed as they are, UTF-8 included (LC_ALL=C.UTF-8
   * under meson test), not converted to ASCII. */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (gsize i = 0; i < tables[t]->n; i++)
      {
        const char *format = tables[t]->cases[i].format;

        if (previous == NULL || !g_str_equal (previous, format))
          {
            g_autofree char *test = g_strdup_printf ("/malformed/table/%s", format);

            g_test_add_data_func (test, format, test_table);
            previous = format;
          }
      }
  malformed_add_file_tests ();
  malformed_add_cut_tests ();
  /* Last: the peak over everything above. */
  g_test_add_func ("/malformed/memory/peak", test_peak_memory);

  return g_test_run ();
}
