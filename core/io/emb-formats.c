/* emb-formats.c: the table of matrix formats and how each is recognised.
 *
 * Each format's detector ranks the evidence it finds.  The ranks keep the
 * order of the checks: magic bytes first (.npy, GGUF, a safetensors
 * header), then extensions, then the content of text files, GloVe last.
 */
#include "config.h"

#include <string.h>

#include "io/emb-formats.h"
#include "io/emb-parse.h"
#include "base/emb-error.h"

/* auxiliary functions */

static gboolean
has_suffix_ci (const char *path,
               const char *suffix)
{
  gsize plen = strlen (path), slen = strlen (suffix);

  return plen >= slen && g_ascii_strcasecmp (path + plen - slen, suffix) == 0;
}

static gboolean
contains (const guint8 *data,
          gsize         size,
          const char   *needle)
{
  return g_strstr_len ((const char *) data, size, needle) != NULL;
}

static const guint8 *
line_end (const guint8 *p,
          const guint8 *end)
{
  const guint8 *nl = memchr (p, '\n', end - p);
  return nl != NULL ? nl : end;
}

/* Bytes that never occur in a text embedding file but almost always do in
 * a few KB of float32 data. */
static gboolean
looks_binary (const guint8 *data,
              gsize         size)
{
  for (gsize i = 0; i < size; i++)
    if (data[i] < 0x09 || (data[i] > 0x0d && data[i] < 0x20) || data[i] == 0x7f)
      return TRUE;
  return FALSE;
}

/* A u64 little-endian header length that fits the file, then '{'. */
static gboolean
looks_like_safetensors (const guint8 *data,
                        gsize         size)
{
  guint64 len;

  if (size < 10 || data[8] != '{')
    return FALSE;
  memcpy (&len, data, sizeof len);
  len = GUINT64_FROM_LE (len);
  return len >= 2 && len <= size - 8;
}

/* Does the first non-blank line hold only numbers separated by tabs? */
static gboolean
first_line_is_tab_numbers (const guint8 *data,
                           gsize         size)
{
  const guint8 *end = data + size, *p = data, *e;

  while (p < end && (*p == '\n' || *p == '\r'))
    p++;
  e = line_end (p, end);
  if (memchr (p, '\t', e - p) == NULL)
    return FALSE;
  while (p < e)
    {
      float v;
      const char *q = (const char *) p;

      if (!emb_parse_float (&q, (const char *) e, &v))
        return FALSE;
      p = (const guint8 *) q;
      while (p < e && (*p == '\t' || *p == '\r' || *p == ' '))
        p++;
    }
  return TRUE;
}

/* A word2vec "N D" header whose body looks like raw floats (or .bin). */
static gboolean
is_word2vec_binary (const EmbProbe *p)
{
  const guint8 *body = line_end (p->data, p->data + p->size);
  gsize rest = (gsize) (p->data + p->size - body);

  return has_suffix_ci (p->path, ".bin") || looks_binary (body, MIN (rest, 4096));
}

/* auxiliary functions: the detectors, ranked in the order of the checks */

enum
{
  RANK_NPY_MAGIC = 100,
  RANK_GGUF_MAGIC = 90,
  RANK_SAFETENSORS = 80,     /* a header that fits, or the extension */
  RANK_GGUF_EXT = 70,
  RANK_INDEX = 60,           /* .json with a "weight_map" */
  RANK_NPY_EXT = 50,
  RANK_BYTES_EXT = 40,
  RANK_CONFIG_EXT = 30,      /* any other .json */
  RANK_TSV_EXT = 20,         /* before the header test: "3\t4" looks like one */
  RANK_WORD2VEC = 10,
  RANK_TSV_NUMBERS = 5,
  RANK_GLOVE = 1,            /* whatever is left */
};

static guint
detect_glove (const EmbProbe *p)
{
  (void) p;
  return RANK_GLOVE;
}

static guint
detect_word2vec_text (const EmbProbe *p)
{
  return emb_text_has_header (p->data, p->size) && !is_word2vec_binary (p) ? RANK_WORD2VEC : 0;
}

static guint
detect_word2vec_binary (const EmbProbe *p)
{
  return emb_text_has_header (p->data, p->size) && is_word2vec_binary (p) ? RANK_WORD2VEC : 0;
}

static guint
detect_npy (const EmbProbe *p)
{
  if (p->size >= 6 && memcmp (p->data, "\x93NUMPY", 6) == 0)
    return RANK_NPY_MAGIC;
  return has_suffix_ci (p->path, ".npy") ? RANK_NPY_EXT : 0;
}

static guint
detect_projector_tsv (const EmbProbe *p)
{
  if (has_suffix_ci (p->path, ".tsv"))
    return RANK_TSV_EXT;
  return first_line_is_tab_numbers (p->data, p->size) ? RANK_TSV_NUMBERS : 0;
}

static guint
detect_projector_bytes (const EmbProbe *p)
{
  return has_suffix_ci (p->path, ".bytes") ? RANK_BYTES_EXT : 0;
}

static guint
detect_projector_config (const EmbProbe *p)
{
  return has_suffix_ci (p->path, ".json") ? RANK_CONFIG_EXT : 0;
}

static guint
detect_safetensors (const EmbProbe *p)
{
  return looks_like_safetensors (p->data, p->size) || has_suffix_ci (p->path, ".safetensors")
         ? RANK_SAFETENSORS : 0;
}

static guint
detect_safetensors_index (const EmbProbe *p)
{
  return has_suffix_ci (p->path, ".json") &&
         contains (p->data, MIN (p->size, 1u << 20), "\"weight_map\"") ? RANK_INDEX : 0;
}

static guint
detect_gguf (const EmbProbe *p)
{
  if (p->size >= 4 && memcmp (p->data, "GGUF", 4) == 0)
    return RANK_GGUF_MAGIC;
  return has_suffix_ci (p->path, ".gguf") ? RANK_GGUF_EXT : 0;
}

static const EmbFormat formats[] = {
  { "glove", "GloVe text", emb_read_glove, TRUE, FALSE, detect_glove, 0 },
  { "word2vec-text", "word2vec text", emb_read_word2vec_text, TRUE, FALSE, detect_word2vec_text, 0 },
  { "word2vec-binary", "word2vec binary", emb_read_word2vec_binary, TRUE, FALSE,
    detect_word2vec_binary, 0 },
  { "npy", "NumPy .npy", emb_read_npy, FALSE, FALSE, detect_npy, 0 },
  { "projector-tsv", "projector TSV", emb_read_projector_tsv, FALSE, FALSE, detect_projector_tsv, 0 },
  { "projector-bytes", "projector .bytes", emb_read_projector_bytes, FALSE, FALSE,
    detect_projector_bytes, EMB_READ_OPTION_SHAPE },
  { "projector-config", "projector config", emb_read_projector_config, FALSE, FALSE,
    detect_projector_config, EMB_READ_OPTION_TENSOR },
  { "safetensors", "safetensors", emb_read_safetensors, FALSE, TRUE, detect_safetensors,
    EMB_READ_OPTION_TENSOR },
  { "safetensors-index", "safetensors index", emb_read_safetensors_index, FALSE, TRUE,
    detect_safetensors_index, EMB_READ_OPTION_TENSOR },
  { "gguf", "GGUF", emb_read_gguf, FALSE, TRUE, detect_gguf, EMB_READ_OPTION_TENSOR },
};

/* public API */

const EmbFormat *
emb_format_find (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (formats[i].id, id))
      return &formats[i];
  return NULL;
}

const char * const *
emb_format_ids (void)
{
  static const char *ids[G_N_ELEMENTS (formats) + 1];
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
        ids[i] = formats[i].id;
      ids[G_N_ELEMENTS (formats)] = NULL;
      g_once_init_leave (&done, 1);
    }
  return ids;
}

const EmbFormat *
emb_format_lookup (const char  *id,
                   GError     **error)
{
  const EmbFormat *format = emb_format_find (id);

  if (format == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) emb_format_ids ());
      g_set_error (error, EMB_ERROR, EMB_ERROR_INVALID,
                   "unknown format '%s' (known: %s)", id, known);
    }
  return format;
}

const EmbFormat *
emb_format_detect (const EmbProbe *probe)
{
  const EmbFormat *best = NULL;
  guint best_rank = 0;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      guint rank = formats[i].detect (probe);

      if (rank > best_rank)
        {
          best = &formats[i];
          best_rank = rank;
        }
    }
  g_assert (best != NULL);
  return best;
}

/* Tokenizer files hold tokens, not vectors. */
gboolean
emb_format_is_vocabulary (const EmbProbe *probe)
{
  g_autofree char *base = g_path_get_basename (probe->path);

  if (g_str_equal (base, "tokenizer.json") || g_str_equal (base, "vocab.json") ||
      g_str_equal (base, "encoder.json") || g_str_equal (base, "vocab.txt"))
    return TRUE;
  return has_suffix_ci (probe->path, ".json") &&
         contains (probe->data, MIN (probe->size, 1u << 16), "\"added_tokens\"");
}
