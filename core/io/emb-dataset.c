/* emb-dataset.c: a dataset put together: the bytes opened, the reader
 * the format table picks, the vocabulary attached (the file's own, --vocab,
 * a sibling file or row ids) and the nan policy applied. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "io/emb-dataset.h"
#include "io/emb-formats.h"
#include "io/emb-reader-vocab.h"
#include "base/emb-error.h"

#define SAMPLE_PATH "resource://" RESOURCE_PREFIX "/sample/sample.npy"

G_DEFINE_BOXED_TYPE (EmbDataset, emb_dataset, emb_dataset_ref, emb_dataset_unref)

/* auxiliary functions: the vocabulary */

static gboolean
has_suffix_ci (const char *path,
               const char *suffix)
{
  gsize plen = strlen (path), slen = strlen (suffix);

  return plen >= slen && g_ascii_strcasecmp (path + plen - slen, suffix) == 0;
}

/* Vocabulary files a person keeps beside a matrix that has no tokens:
 * NAME.vocab.txt, NAME.meta.tsv / NAME.metadata.tsv, then vocab.txt and
 * metadata.tsv in the same folder. */
static GPtrArray *
sibling_vocab_candidates (const char *path,
                          gboolean    model)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  const char *sep = emb_source_is_resource (path) ? "/" : G_DIR_SEPARATOR_S;

  /* A checkpoint's folder holds its tokenizer, as Hugging Face lays it out. */
  if (model)
    {
      g_ptr_array_add (out, g_strconcat (dir, sep, "tokenizer.json", NULL));
      g_ptr_array_add (out, g_strconcat (dir, sep, "vocab.json", NULL));
      g_ptr_array_add (out, g_strconcat (dir, sep, "encoder.json", NULL));
      g_ptr_array_add (out, g_strconcat (dir, sep, "vocab.txt", NULL));
      return out;
    }

  if (dot != NULL && dot != base)
    *dot = '\0';
  g_ptr_array_add (out, g_strconcat (dir, sep, base, ".vocab.txt", NULL));
  g_ptr_array_add (out, g_strconcat (dir, sep, base, ".meta.tsv", NULL));
  g_ptr_array_add (out, g_strconcat (dir, sep, base, ".metadata.tsv", NULL));
  g_ptr_array_add (out, g_strconcat (dir, sep, "vocab.txt", NULL));
  g_ptr_array_add (out, g_strconcat (dir, sep, "metadata.tsv", NULL));
  return out;
}

/* A copy of vocab fitted to n rows: tokens past n dropped, rows past the
 * tokens labelled by their id. */
static EmbVocab *
fit_vocab (EmbVocab *vocab,
           gsize     n)
{
  EmbVocab *out = emb_vocab_new ();
  gsize have = emb_vocab_size (vocab);

  /* n is the rows of a matrix already in memory, which is far larger. */
  emb_vocab_reserve (out, n, n * 8, "the vocabulary fitted to the rows", NULL);
  for (gsize i = 0; i < n; i++)
    {
      if (i < have)
        {
          gsize len;
          const char *raw = emb_vocab_raw (vocab, i, &len);
          emb_vocab_add (out, raw, len);
        }
      else
        {
          char label[32];
          int len = g_snprintf (label, sizeof label, "<row %" G_GSIZE_FORMAT ">", i);
          emb_vocab_add (out, label, len);
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      EmbTokenType type = i < have ? emb_vocab_get_token_type (vocab, i) : EMB_TOKEN_UNUSED;
      if (type != EMB_TOKEN_NORMAL)
        emb_vocab_set_token_type (out, i, type);
    }
  emb_vocab_set_decoder (out, emb_vocab_get_decoder (vocab));
  return out;
}

/* Models pad their tables (GPT-2: 50257 tokens, some checkpoints 50304
 * rows), so a checkpoint's vocabulary is fitted to the matrix and the
 * difference noted, instead of refused. */
static void
fit_model_vocab (EmbDataset *out,
                 const char *source)
{
  gsize n_rows = out->matrix->n_rows, have = emb_vocab_size (out->vocab);
  EmbVocab *fitted;

  if (have == n_rows)
    return;
  g_free (out->note);
  if (have < n_rows)
    out->note = g_strdup_printf ("%s has %" G_GSIZE_FORMAT " tokens for %" G_GSIZE_FORMAT " rows: "
                                 "rows from %" G_GSIZE_FORMAT " on are labelled <row N>",
                                 source, have, n_rows, have);
  else
    out->note = g_strdup_printf ("%s has %" G_GSIZE_FORMAT " tokens for %" G_GSIZE_FORMAT " rows: "
                                 "the tokens from %" G_GSIZE_FORMAT " on have no row",
                                 source, have, n_rows, n_rows);
  fitted = fit_vocab (out->vocab, n_rows);
  emb_vocab_unref (out->vocab);
  out->vocab = fitted;
}

/* A model's tokenizer, whatever file the matrix came in. */
static gboolean
is_tokenizer_file (const char *path)
{
  return has_suffix_ci (path, ".gguf") || has_suffix_ci (path, ".json");
}

/* Gives out a vocabulary: --vocab, else the file's own tokens, else a
 * sibling file whose size matches, else row ids. */
static gboolean
attach_vocab (EmbDataset           *out,
              const EmbFormat      *format,
              const char           *path,
              const char           *name,
              const EmbLoadOptions *options,
              GError              **error)
{
  gsize n_rows = out->matrix->n_rows;
  gboolean model = format->model;

  if (options->vocab_path != NULL)
    {
      g_autoptr(EmbVocab) vocab = emb_vocab_read_file (options->vocab_path, n_rows, error);

      if (vocab == NULL)
        return FALSE;
      g_ptr_array_add (out->inputs, g_strdup (options->vocab_path));
      if (model || is_tokenizer_file (options->vocab_path))
        {
          g_clear_pointer (&out->vocab, emb_vocab_unref);
          out->vocab = g_steal_pointer (&vocab);
          g_free (out->vocab_source);
          out->vocab_source = g_strdup (options->vocab_path);
          fit_model_vocab (out, options->vocab_path);
          return TRUE;
        }
      if (emb_vocab_size (vocab) != n_rows)
        {
          g_autofree char *quoted = emb_quote_name (name, -1);
          emb_set_error_file (error, EMB_ERROR_SHAPE, options->vocab_path,
                              "has %" G_GSIZE_FORMAT " tokens but %s has %" G_GSIZE_FORMAT " rows",
                              emb_vocab_size (vocab), quoted, n_rows);
          return FALSE;
        }
      g_clear_pointer (&out->vocab, emb_vocab_unref);
      out->vocab = g_steal_pointer (&vocab);
      g_free (out->vocab_source);
      out->vocab_source = g_strdup (options->vocab_path);
      return TRUE;
    }

  if (out->vocab != NULL)
    {
      if (out->vocab_source == NULL)
        out->vocab_source = g_strdup ("file");
      if (model)
        fit_model_vocab (out, out->vocab_source);
      return TRUE;
    }

  {
    g_autoptr(GPtrArray) candidates = sibling_vocab_candidates (path, model);

    for (guint i = 0; i < candidates->len; i++)
      {
        const char *cand = g_ptr_array_index (candidates, i);
        g_autoptr(EmbVocab) vocab = NULL;

        if (!emb_source_exists (cand))
          continue;
        /* A sibling that does not fit is someone else's file: pass over it
         * (a checkpoint's tokenizer may be padded, see fit_model_vocab). */
        vocab = emb_vocab_read_file (cand, n_rows, NULL);
        if (vocab == NULL || (!model && emb_vocab_size (vocab) != n_rows))
          continue;
        out->vocab = g_steal_pointer (&vocab);
        if (!emb_source_is_resource (cand))
          g_ptr_array_add (out->inputs, g_strdup (cand));
        /* Name the sample's vocabulary by its file name, not the resource. */
        out->vocab_source = emb_source_is_resource (cand) ? g_path_get_basename (cand) : g_strdup (cand);
        if (model)
          fit_model_vocab (out, out->vocab_source);
        return TRUE;
      }
  }

  out->vocab = emb_vocab_new_row_ids (n_rows);
  out->vocab_source = g_strdup ("row ids");
  return TRUE;
}

/* auxiliary functions: nan and inf */

/* A vocabulary of the rows where keep[i] is set, with their token types,
 * decoder and metadata columns. */
static EmbVocab *
subset_vocab (EmbVocab     *vocab,
              const guint8 *keep)
{
  EmbVocab *out = emb_vocab_new ();
  gsize n = emb_vocab_size (vocab), row = 0;

  for (gsize i = 0; i < n; i++)
    if (keep[i])
      {
        gsize len;
        const char *raw = emb_vocab_raw (vocab, i, &len);
        emb_vocab_add (out, raw, len);
      }
  for (gsize i = 0; i < n; i++)
    if (keep[i])
      {
        EmbTokenType type = emb_vocab_get_token_type (vocab, i);
        if (type != EMB_TOKEN_NORMAL)
          emb_vocab_set_token_type (out, row, type);
        row++;
      }
  emb_vocab_set_decoder (out, emb_vocab_get_decoder (vocab));
  for (guint c = 0; c < emb_vocab_n_columns (vocab); c++)
    {
      GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
      for (gsize i = 0; i < n; i++)
        if (keep[i])
          g_ptr_array_add (values, g_strdup (emb_vocab_column_value (vocab, c, i)));
      emb_vocab_add_column (out, emb_vocab_column_name (vocab, c), values);
    }
  return out;
}

/* --nan=zero|drop: the readers kept nan and inf; read them as 0, or leave
 * their rows out, so nothing downstream ever sees one. */
static gboolean
apply_nan_policy (EmbDataset   *out,
                  EmbNanPolicy  policy,
                  GError      **error)
{
  EmbMatrix *m = out->matrix;
  gsize n = m->n_rows, d = m->n_cols, bad_values = 0, bad_rows = 0;
  g_autofree guint8 *keep = NULL;

  if (policy == EMB_NAN_REFUSE)
    return TRUE;
  keep = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    {
      const float *row = emb_matrix_row (m, i);
      gsize bad = 0;
      for (gsize j = 0; j < d; j++)
        bad += !isfinite (row[j]);
      keep[i] = bad == 0;
      bad_values += bad;
      bad_rows += bad != 0;
    }
  if (bad_rows == 0)
    return TRUE;

  if (policy == EMB_NAN_ZERO)
    {
      /* A mapped file is never written: zero a copy. */
      if (emb_matrix_is_view (m))
        {
          EmbMatrix *copy = emb_matrix_new (n, d, error);
          if (copy == NULL)
            return FALSE;
          memcpy (copy->data, m->data, emb_matrix_bytes_for (n, d));
          emb_matrix_unref (m);
          out->matrix = m = copy;
        }
      for (gsize k = 0; k < n * d; k++)
        if (!isfinite (m->data[k]))
          m->data[k] = 0.0f;
      g_free (out->note);
      out->note = g_strdup_printf ("%" G_GSIZE_FORMAT " nan or inf %s in %" G_GSIZE_FORMAT
                                   " %s read as 0", bad_values,
                                   bad_values == 1 ? "value" : "values", bad_rows,
                                   bad_rows == 1 ? "row was" : "rows were");
      return TRUE;
    }

  if (bad_rows == n)
    {
      emb_set_error_file (error, EMB_ERROR_NON_FINITE, out->path,
                          "every row holds nan or inf: nothing is left to show");
      return FALSE;
    }
  {
    EmbMatrix *kept = emb_matrix_new (n - bad_rows, d, error);
    EmbVocab *vocab;
    gsize r = 0;

    if (kept == NULL)
      return FALSE;
    for (gsize i = 0; i < n; i++)
      if (keep[i])
        memcpy (kept->data + (r++) * d, emb_matrix_row (m, i), d * sizeof (float));
    vocab = subset_vocab (out->vocab, keep);
    emb_matrix_unref (m);
    emb_vocab_unref (out->vocab);
    out->matrix = kept;
    out->vocab = vocab;
    g_free (out->note);
    out->note = g_strdup_printf ("%" G_GSIZE_FORMAT " %s holding nan or inf %s left out; "
                                 "row numbers count the rows kept", bad_rows,
                                 bad_rows == 1 ? "row" : "rows", bad_rows == 1 ? "was" : "were");
  }
  return TRUE;
}

/* Messages quote what the file holds (a path in a projector config, a
 * JSON string with an escaped byte) and name files whose names are bytes,
 * not text; the window and the terminal need valid UTF-8.  So whatever a
 * reader said, the message leaves as text, bad bytes as U+FFFD. */
static void
error_message_to_text (GError **error)
{
  char *valid;

  if (error == NULL || *error == NULL || g_utf8_validate ((*error)->message, -1, NULL))
    return;
  valid = g_utf8_make_valid ((*error)->message, -1);
  g_free ((*error)->message);
  (*error)->message = valid;
}

/* A dataset of what the reader gave back; real_path is among its inputs
 * when mapped (read from the file system). */
static EmbDataset *
dataset_new (const char      *path,
             const char      *real_path,
             gboolean         mapped,
             const EmbFormat *format,
             EmbReadResult   *result)
{
  EmbDataset *out = g_new0 (EmbDataset, 1);

  out->ref_count = 1;
  out->path = g_strdup (path);
  out->format = g_strdup (format->id);
  out->matrix = g_steal_pointer (&result->matrix);
  out->vocab = g_steal_pointer (&result->vocab);
  out->vocab_source = g_steal_pointer (&result->vocab_source);
  out->dtype = g_steal_pointer (&result->dtype);
  out->tensor = g_steal_pointer (&result->tensor);
  out->tensors = g_steal_pointer (&result->tensors);
  out->inputs = g_ptr_array_new_with_free_func (g_free);
  if (mapped)
    g_ptr_array_add (out->inputs, g_strdup (real_path));
  if (result->inputs != NULL)
    for (guint i = 0; i < result->inputs->len; i++)
      g_ptr_array_add (out->inputs, g_strdup (g_ptr_array_index (result->inputs, i)));
  return out;
}

/* Reads bytes: real_path finds siblings, name is what messages say,
 * mapped says the bytes are a file mapping whose pages may be released. */
static EmbDataset *
load_source (GBytes               *bytes,
             const char           *real_path,
             const char           *path,
             gboolean              mapped,
             const EmbLoadOptions *options,
             GCancellable         *cancellable,
             EmbProgressFunc       progress,
             gpointer              progress_data,
             GError              **error)
{
  static const EmbLoadOptions no_options = { 0 };
  g_autoptr(EmbDataset) out = NULL;
  g_autoptr(EmbReadResult) result = NULL;
  const EmbFormat *format;
  EmbReadOptions read_options = { 0 };
  EmbSource src;
  EmbProbe probe;

  if (options == NULL)
    options = &no_options;

  emb_source_init (&src, bytes, real_path, path);
  src.cancellable = cancellable;
  src.progress = progress;
  src.progress_data = progress_data;
  src.mapped = mapped;

  read_options.shape_rows = options->shape_rows;
  read_options.shape_cols = options->shape_cols;
  read_options.tensor = options->tensor;
  read_options.keep_nonfinite = options->nan_policy != EMB_NAN_REFUSE;
  read_options.vocab_given = options->vocab_path != NULL;

  if (src.size == 0)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, path, "the file is empty");
      return NULL;
    }

  probe.path = real_path;
  probe.data = src.data;
  probe.size = src.size;
  if (options->format == NULL && emb_format_is_vocabulary (&probe))
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, path,
                          "is a vocabulary, not a matrix: open the model file and pass this with --vocab");
      return NULL;
    }
  format = options->format != NULL ? emb_format_find (options->format) : emb_format_detect (&probe);

  emb_source_progress (&src, 0.0);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  /* A reader that fails leaves no half result behind. */
  result = format->read (&src, &read_options, error);
  /* A file cut short while it was read faulted into zeros: whatever the
   * reader made of them, say what happened instead. */
  if (!emb_source_check_unchanged (bytes, path, error))
    return NULL;
  if (result == NULL)
    return NULL;
  g_assert (result->matrix != NULL);
  g_assert (result->vocab != NULL || !format->has_tokens);
  out = dataset_new (path, real_path, mapped, format, result);

  if (!attach_vocab (out, format, real_path, path, options, error))
    return NULL;
  if (!apply_nan_policy (out, options->nan_policy, error))
    return NULL;
  if (!emb_source_check_unchanged (bytes, path, error))
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  emb_source_progress (&src, 1.0);

  return g_steal_pointer (&out);
}

/* public API */

EmbDataset *
emb_dataset_load (const char           *path,
                  const EmbLoadOptions *options,
                  GCancellable         *cancellable,
                  EmbProgressFunc       progress,
                  gpointer              progress_data,
                  GError              **error)
{
  g_autoptr(GBytes) bytes = NULL;
  const char *real_path = path;
  EmbDataset *ds = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_str_equal (path, EMB_SAMPLE_NAME))
    real_path = SAMPLE_PATH;
  if (options != NULL && options->format != NULL && emb_format_lookup (options->format, error) == NULL)
    return NULL;
  bytes = emb_source_open_bytes (real_path, error);
  if (bytes != NULL)
    ds = load_source (bytes, real_path, path, !emb_source_is_resource (real_path), options,
                      cancellable, progress, progress_data, error);
  if (ds == NULL)
    error_message_to_text (error);
  return ds;
}

EmbDataset *
emb_dataset_load_bytes (GBytes               *bytes,
                        const char           *name,
                        const EmbLoadOptions *options,
                        GCancellable         *cancellable,
                        EmbProgressFunc       progress,
                        gpointer              progress_data,
                        GError              **error)
{
  EmbDataset *ds;

  g_return_val_if_fail (bytes != NULL && name != NULL, NULL);

  if (options != NULL && options->format != NULL && emb_format_lookup (options->format, error) == NULL)
    return NULL;
  ds = load_source (bytes, name, name, FALSE, options, cancellable, progress, progress_data, error);
  if (ds == NULL)
    error_message_to_text (error);
  return ds;
}

gboolean
emb_dataset_check_unchanged (EmbDataset  *self,
                             GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (emb_matrix_is_intact (self->matrix))
    return TRUE;
  g_clear_error (error);
  emb_set_error_file (error, EMB_ERROR_CHANGED, self->path,
                      "changed on disk since it was opened; open it again");
  return FALSE;
}

EmbDataset *
emb_dataset_ref (EmbDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
emb_dataset_unref (EmbDataset *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->path);
  g_free (self->format);
  g_free (self->dtype);
  g_free (self->vocab_source);
  g_free (self->tensor);
  g_clear_pointer (&self->tensors, g_ptr_array_unref);
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_free (self->note);
  g_clear_pointer (&self->matrix, emb_matrix_unref);
  g_clear_pointer (&self->vocab, emb_vocab_unref);
  g_free (self);
}

const char *
emb_dataset_find_input (const EmbDataset *self,
                        const char       *path)
{
  GStatBuf out, in;

  /* A file that does not exist yet is no input. */
  if (self->inputs == NULL || g_stat (path, &out) != 0)
    return NULL;
  for (guint i = 0; i < self->inputs->len; i++)
    {
      const char *input = g_ptr_array_index (self->inputs, i);

      if (g_stat (input, &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
        return input;
    }
  return NULL;
}

const char * const *
emb_dataset_formats (void)
{
  return emb_format_ids ();
}

gboolean
emb_parse_shape (const char *text,
                 gsize      *rows,
                 gsize      *cols)
{
  guint64 r, c;
  char *end;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  r = g_ascii_strtoull (text, &end, 10);
  if (*end != 'x' && *end != 'X' && *end != ',' && *end != ' ')
    return FALSE;
  text = end + 1;
  if (!g_ascii_isdigit (*text))
    return FALSE;
  c = g_ascii_strtoull (text, &end, 10);
  if (*end != '\0' || r == 0 || c == 0 || r > G_MAXSIZE || c > G_MAXSIZE)
    return FALSE;
  *rows = r;
  *cols = c;
  return TRUE;
}
