/* emb-reader-projector.c: the TensorBoard Embedding Projector's binary
 * tensors and configs (its TSV files: emb-reader-projector-tsv.c).
 *
 * NAME.bytes      raw little-endian float32, the shape given separately;
 * config .json    {"embeddings": [{"tensorName", "tensorShape",
 *                 "tensorPath", "metadataPath"}, ...]}: the tensor file
 *                 is read by the TSV or the raw reader, the metadata as
 *                 the vocabulary.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "io/emb-reader.h"
#include "io/emb-reader-vocab.h"
#include "io/emb-parse.h"
#include "io/emb-tensor-read.h"
#include "base/emb-error.h"

/* auxiliary functions: raw float32 */

/* Reads rows x cols little-endian float32 values filling the whole file;
 * shape_origin says where the shape came from, for messages. */
static EmbReadResult *
read_raw_float32 (const EmbSource *src,
                  gsize            rows,
                  gsize            cols,
                  const char      *shape_origin,
                  gboolean         keep_nonfinite,
                  GError         **error)
{
  EmbTensorLayout layout = { .type = EMB_STORED_F32 };
  EmbMatrix *matrix;
  gsize count, need;

  if (!emb_size_mul (rows, cols, &count) || !emb_size_mul (count, 4, &need))
    {
      emb_set_error_file (error, EMB_ERROR_SHAPE, src->name,
                          "%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT " float32 (%s)"
                          " is far larger than the file's %" G_GSIZE_FORMAT " bytes",
                          rows, cols, shape_origin, src->size);
      return NULL;
    }
  if (need != src->size)
    {
      emb_set_error_file (error, EMB_ERROR_SHAPE, src->name,
                          "%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT " float32 (%s) needs %"
                          G_GSIZE_FORMAT " bytes, but the file has %" G_GSIZE_FORMAT " bytes",
                          rows, cols, shape_origin, need, src->size);
      return NULL;
    }

  layout.n_rows = rows;
  layout.n_cols = cols;
  matrix = emb_tensor_read (src, &layout, keep_nonfinite, error);
  if (matrix == NULL)
    return NULL;
  return emb_read_result_new (matrix, "float32");
}

/* auxiliary functions: the config */

/* Passes on an error about a file the config names (which names that
 * file), prefixed with the config and the member naming it. */
static void
prefix_member_error (GError          **error,
                     GError           *local_error,
                     const EmbSource  *src,
                     const char       *embedding,
                     const char       *member,
                     const char       *value)
{
  g_autofree char *quoted = emb_quote_name (src->name, -1);

  g_propagate_prefixed_error (error, local_error, "%s: embedding '%s': %s '%s': ",
                              quoted, embedding, member, value);
}

/* A member's string value, or NULL when absent or not a string. */
static const char *
get_string (JsonObject *object,
            const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* "tensorShape": [rows, cols] with positive whole numbers. */
static gboolean
get_shape (JsonObject *object,
           gsize      *rows,
           gsize      *cols)
{
  JsonNode *node = json_object_get_member (object, "tensorShape");
  JsonArray *array;
  gsize dims[2];

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) != 2)
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *dim = json_array_get_element (array, i);
      gint64 v;

      if (!JSON_NODE_HOLDS_VALUE (dim) || json_node_get_value_type (dim) != G_TYPE_INT64)
        return FALSE;
      v = json_node_get_int (dim);
      if (v <= 0 || (guint64) v > G_MAXSIZE)
        return FALSE;
      dims[i] = (gsize) v;
    }
  *rows = dims[0];
  *cols = dims[1];
  return TRUE;
}

/* Resolves a path the config names against the config's folder.  NULL,
 * with an error naming the config, the embedding and the member, for a
 * web address (nothing is downloaded) and for anything outside the
 * config's folder (emb_path_is_inside): an absolute path, a file:// URI or
 * a ".." would let a config someone sent read any file as tokens. */
static char *
resolve_path (const EmbSource *src,
              const char  *embedding,
              const char  *member,
              const char  *value,
              GError     **error)
{
  g_autofree char *dir = NULL;

  if (strstr (value, "://") != NULL && !g_str_has_prefix (value, "file://") &&
      !g_str_has_prefix (value, "resource://"))
    {
      emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                          "embedding '%s': %s '%s' is a web address; download it and "
                          "point %s at the local file",
                          embedding, member, value, member);
      return NULL;
    }
  if (!emb_path_is_inside (value))
    {
      emb_set_error_file (error, EMB_ERROR_UNSUPPORTED, src->name,
                          "embedding '%s': %s '%s' is not a file in the config's folder; "
                          "a config may only name files beside or below it (copy the file "
                          "there, or give it on the command line)",
                          embedding, member, value);
      return NULL;
    }
  dir = g_path_get_dirname (src->path);
  return g_build_filename (dir, value, NULL);
}

/* Maps a file named by the config, prefixing a failure with the config's
 * name and the path as written there. */
static GBytes *
open_member (const EmbSource *src,
             const char  *embedding,
             const char  *member,
             const char  *value,
             const char  *path,
             GError     **error)
{
  GError *local_error = NULL;
  GBytes *bytes = emb_source_open_bytes (path, &local_error);

  if (bytes == NULL)
    prefix_member_error (error, local_error, src, embedding, member, value);
  return bytes;
}

/* The embedding of the config's list called wanted, or the first when
 * wanted is NULL; NULL with an error naming the choices. */
static JsonObject *
pick_embedding (const EmbSource *src,
                JsonArray       *embeddings,
                const char      *wanted,
                GError         **error)
{
  JsonObject *embedding = NULL;

  for (guint i = 0; i < json_array_get_length (embeddings); i++)
    {
      JsonNode *node = json_array_get_element (embeddings, i);
      JsonObject *object;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      object = json_node_get_object (node);
      if (wanted == NULL || g_strcmp0 (get_string (object, "tensorName"), wanted) == 0)
        {
          embedding = object;
          break;
        }
    }
  if (embedding == NULL)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (embeddings); i++)
        {
          JsonNode *node = json_array_get_element (embeddings, i);
          const char *n = JSON_NODE_HOLDS_OBJECT (node)
                          ? get_string (json_node_get_object (node), "tensorName") : NULL;

          if (n != NULL)
            g_string_append_printf (names, "%s'%s'", names->len > 0 ? ", " : "", n);
        }
      if (wanted != NULL)
        emb_set_error_file (error, EMB_ERROR_NOT_FOUND, src->name,
                            "no embedding named '%s' (it has %s)",
                            wanted, names->len > 0 ? names->str : "none with a name");
      else
        emb_set_error_file (error, EMB_ERROR_FORMAT, src->name, "the \"embeddings\" list is empty");
      return NULL;
    }
  return embedding;
}

/* Replaces result's vocabulary with the metadata file the config names
 * (as written there: metadata) for embedding name. */
static gboolean
read_metadata (const EmbSource *src,
               const char      *name,
               const char      *metadata,
               EmbReadResult   *result,
               GError         **error)
{
  g_autofree char *meta_path = resolve_path (src, name, "metadataPath", metadata, error);
  g_autoptr(GBytes) meta_bytes = NULL;
  GError *local_error = NULL;
  EmbVocab *vocab;
  const guint8 *data;
  gsize size;

  if (meta_path == NULL)
    return FALSE;
  meta_bytes = open_member (src, name, "metadataPath", metadata, meta_path, error);
  if (meta_bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (meta_bytes, &size);
  vocab = emb_projector_read_metadata (meta_path, data, size, result->matrix->n_rows,
                                       &local_error);
  if (vocab == NULL)
    {
      prefix_member_error (error, local_error, src, name, "metadataPath", metadata);
      return FALSE;
    }
  g_clear_pointer (&result->vocab, emb_vocab_unref);
  result->vocab = vocab;
  emb_read_result_add_input (result, meta_path);
  result->vocab_source = g_steal_pointer (&meta_path);
  return TRUE;
}

/* public API */

/* Reads a raw .bytes tensor, shaped by --shape. */
EmbReadResult *
emb_read_projector_bytes (const EmbSource      *src,
                          const EmbReadOptions *options,
                          GError              **error)
{
  if (options->shape_rows == 0 || options->shape_cols == 0)
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, src->name,
                          "raw .bytes needs --shape NxD (rows x columns of float32)");
      return NULL;
    }
  return read_raw_float32 (src, options->shape_rows, options->shape_cols, "--shape",
                           options->keep_nonfinite, error);
}

/* Reads the embedding a projector config names (the first, or the one
 * called options->tensor): its tensor file, then its metadata. */
EmbReadResult *
emb_read_projector_config (const EmbSource      *src,
                           const EmbReadOptions *options,
                           GError              **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) json_error = NULL;
  g_autoptr(GBytes) tensor_bytes = NULL;
  g_autofree char *tensor_path = NULL;
  g_autofree char *shape_origin = NULL;
  g_autoptr(EmbReadResult) result = NULL;
  const char *wanted = options->tensor;
  const char *name = NULL, *tensor, *metadata;
  JsonNode *root, *list;
  JsonObject *embedding = NULL;
  EmbSource nested;
  gsize rows = 0, cols = 0;
  gboolean has_shape;
  gsize too_deep;

  /* json-glib would recurse once per level, off the end of the stack. */
  if (!emb_json_depth_ok (src->data, src->size, EMB_JSON_MAX_DEPTH, &too_deep))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, too_deep,
                            "not a projector config: the JSON nests more than %d levels deep",
                            EMB_JSON_MAX_DEPTH);
      return NULL;
    }
  if (!emb_json_memory_check (src->name, src->data, src->size, error))
    return NULL;
  if (src->size > G_MAXSSIZE ||
      !json_parser_load_from_data (parser, (const char *) src->data, src->size, &json_error))
    {
      emb_set_json_error (error, src->name, "not a projector config", json_error);
      return NULL;
    }
  root = json_parser_get_root (parser);
  list = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
         ? json_object_get_member (json_node_get_object (root), "embeddings") : NULL;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, src->name,
                          "not a projector config: no \"embeddings\" list");
      return NULL;
    }
  embedding = pick_embedding (src, json_node_get_array (list), wanted, error);
  if (embedding == NULL)
    return NULL;

  name = get_string (embedding, "tensorName");
  tensor = get_string (embedding, "tensorPath");
  metadata = get_string (embedding, "metadataPath");
  has_shape = get_shape (embedding, &rows, &cols);
  if (tensor == NULL)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, src->name,
                          "embedding '%s' has no \"tensorPath\"", name != NULL ? name : "");
      return NULL;
    }
  if (name == NULL)
    name = tensor;

  tensor_path = resolve_path (src, name, "tensorPath", tensor, error);
  if (tensor_path == NULL)
    return NULL;
  tensor_bytes = open_member (src, name, "tensorPath", tensor, tensor_path, error);
  if (tensor_bytes == NULL)
    return NULL;

  nested = *src;
  nested.path = tensor_path;
  nested.name = tensor_path;
  nested.bytes = tensor_bytes;
  nested.data = g_bytes_get_data (tensor_bytes, &nested.size);

  /* TensorBoard reads .tsv and .txt tensors as text, anything else as
   * raw float32. */
  if (g_str_has_suffix (tensor, ".tsv") || g_str_has_suffix (tensor, ".txt"))
    {
      GError *local_error = NULL;

      result = emb_read_projector_tsv (&nested, options, &local_error);
      if (result == NULL)
        {
          prefix_member_error (error, local_error, src, name, "tensorPath", tensor);
          return NULL;
        }
      if (has_shape && (result->matrix->n_rows != rows || result->matrix->n_cols != cols))
        {
          emb_set_error_file (error, EMB_ERROR_SHAPE, src->name,
                              "embedding '%s': tensorShape is [%" G_GSIZE_FORMAT ", %"
                              G_GSIZE_FORMAT "] but %s holds %" G_GSIZE_FORMAT " x %"
                              G_GSIZE_FORMAT,
                              name, rows, cols, tensor, result->matrix->n_rows,
                              result->matrix->n_cols);
          return NULL;
        }
    }
  else if (!has_shape)
    {
      emb_set_error_file (error, EMB_ERROR_FORMAT, src->name,
                          "embedding '%s' has no valid \"tensorShape\": [rows, columns]", name);
      return NULL;
    }
  else
    {
      g_autofree char *quoted = emb_quote_name (src->name, -1);

      shape_origin = g_strdup_printf ("tensorShape in %s", quoted);
      result = read_raw_float32 (&nested, rows, cols, shape_origin, options->keep_nonfinite, error);
      if (result == NULL)
        return NULL;
    }

  emb_read_result_add_input (result, tensor_path);
  /* A vocabulary the user gave replaces the config's, which is then not
   * read: it may be missing or broken, or outside the folder. */
  if (metadata != NULL && !options->vocab_given &&
      !read_metadata (src, name, metadata, result, error))
    return NULL;

  result->tensor = g_strdup (name);
  return g_steal_pointer (&result);
}

