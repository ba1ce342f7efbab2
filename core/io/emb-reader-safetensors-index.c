/* emb-reader-safetensors-index.c: sharded safetensors checkpoints.
 *
 * A "model.safetensors.index.json" whose "weight_map" names the shard
 * holding each tensor: every shard's header is read (not its data) to list
 * the tensors, then the chosen one is read from its shard like a single
 * file.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "io/emb-reader-safetensors-private.h"
#include "io/emb-parse.h"
#include "base/emb-error.h"

/* An index file is a few KB to a few MB of JSON. */
#define MAX_INDEX_SIZE 100000000u

/* auxiliary functions: sharded checkpoints */

/* A shard's path beside the index; for messages, the same beside the name
 * the user typed.  Shards are plain names in the index's folder (or below
 * it, emb_path_is_inside): anything reaching elsewhere is refused. */
static char *
beside (const char *file,
        const char *shard)
{
  g_autofree char *dir = g_path_get_dirname (file);

  return g_strconcat (dir, "/", shard, NULL);
}

/* The "weight_map" member of the index, and the file byte where it starts
 * (0 when absent). */
static JsonNode *
find_weight_map (JsonParser *parser,
                 GArray     *keys,
                 gsize      *map_at)
{
  JsonNode *root = json_parser_get_root (parser), *map = NULL;
  g_autoptr(GList) top = NULL;
  guint index = 0;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  top = json_object_get_members (json_node_get_object (root));
  for (GList *l = top; l != NULL; l = l->next, index++)
    if (g_str_equal (l->data, "weight_map"))
      {
        map = json_object_get_member (json_node_get_object (root), l->data);
        *map_at = _emb_st_member_offset (keys, index, 0);
      }
  return map;
}

/* The header of shard (named for tensor, in messages), read once and
 * kept in shards. */
static StHeader *
open_shard (const EmbSource *src,
            GHashTable      *shards,
            const char      *shard,
            const char      *tensor,
            GError         **error)
{
  StHeader *h = g_hash_table_lookup (shards, shard);
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (h != NULL)
    return h;
  path = beside (src->path, shard);
  name = beside (src->name, shard);
  bytes = emb_source_open_bytes (path, &local_error);
  if (g_cancellable_set_error_if_cancelled (src->cancellable, error))
    return NULL;
  if (bytes == NULL)
    {
      emb_set_error_file (error, EMB_ERROR_IO, src->name,
                          "shard '%s' (holding tensor '%s') cannot be opened: %s",
                          shard, tensor, local_error->message);
      return NULL;
    }
  h = _emb_st_read_header (name, bytes, error);
  if (h == NULL)
    {
      g_autofree char *quoted = emb_quote_name (src->name, -1);
      g_prefix_error (error, "%s: shard '%s': ", quoted, shard);
      return NULL;
    }
  g_hash_table_insert (shards, g_strdup (shard), h);
  return h;
}

/* public API */

/* Reads the embedding table of a sharded checkpoint from its index: lists
 * the tensors of every shard from the shards' headers, picks one, reads it
 * from its shard. */
EmbReadResult *
emb_read_safetensors_index (const EmbSource      *src,
                            const EmbReadOptions *options,
                            GError              **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GHashTable) shards = NULL;   /* file name -> StHeader */
  g_autoptr(GPtrArray) tensors = NULL;   /* StTensor, in weight_map order */
  g_autoptr(GPtrArray) files = NULL;     /* their shard's name, for messages */
  g_autoptr(GPtrArray) owners = NULL;    /* their StHeader */
  g_autoptr(GList) names = NULL;
  JsonNode *map_node;
  JsonObject *map;
  gsize map_at = 0;
  gssize chosen;
  StHeader *owner;
  EmbReadResult *result;
  EmbSource shard_src;
  guint done = 0, n_names;

  if (src->size > MAX_INDEX_SIZE)
    {
      emb_set_error_file (error, EMB_ERROR_TOO_LARGE, src->name,
                          "%" G_GSIZE_FORMAT " bytes is too large for a safetensors index",
                          src->size);
      return NULL;
    }
  parser = _emb_st_json_parse (src->name, (const char *) src->data, src->size, 0, keys, error);
  if (parser == NULL)
    return NULL;
  map_node = find_weight_map (parser, keys, &map_at);
  if (map_node == NULL || !JSON_NODE_HOLDS_OBJECT (map_node))
    {
      emb_set_error_offset (error, EMB_ERROR_FORMAT, src->name, map_at,
                            map_node == NULL ? "not a safetensors index: no \"weight_map\" object"
                                             : "\"weight_map\" is not an object");
      return NULL;
    }
  map = json_node_get_object (map_node);
  names = json_object_get_members (map);
  n_names = g_list_length (names);

  shards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) _emb_st_header_free);
  tensors = g_ptr_array_new ();
  files = g_ptr_array_new ();
  owners = g_ptr_array_new ();
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *tensor = l->data;
      JsonNode *value = json_object_get_member (map, tensor);
      const char *shard;
      StHeader *h;
      StTensor *found = NULL;

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, map_at,
                                "\"weight_map\": the shard of tensor '%s' is not a file name", tensor);
          return NULL;
        }
      shard = json_node_get_string (value);
      if (!emb_path_is_inside (shard))
        {
          emb_set_error_offset (error, EMB_ERROR_PARSE, src->name, map_at,
                                "\"weight_map\": the shard of tensor '%s', '%s', is not a file "
                                "name in the index's folder", tensor, shard);
          return NULL;
        }

      h = open_shard (src, shards, shard, tensor, error);
      if (h == NULL)
        return NULL;

      for (gsize i = 0; i < h->n_tensors && found == NULL; i++)
        if (g_str_equal (h->tensors[i].name, tensor))
          found = &h->tensors[i];
      if (found == NULL)
        {
          emb_set_error_offset (error, EMB_ERROR_FORMAT, src->name, map_at,
                                "\"weight_map\" puts tensor '%s' in shard '%s', which has no such tensor",
                                tensor, shard);
          return NULL;
        }
      g_ptr_array_add (tensors, found);
      g_ptr_array_add (files, h->name);
      g_ptr_array_add (owners, h);
      emb_source_progress (src, 0.05 * ++done / n_names);
    }

  chosen = _emb_st_pick_tensor (src->name, tensors, files, options->tensor, error);
  if (chosen < 0)
    return NULL;

  owner = g_ptr_array_index (owners, chosen);
  shard_src = *src;
  shard_src.path = NULL;
  shard_src.name = owner->name;
  shard_src.bytes = owner->bytes;
  shard_src.data = g_bytes_get_data (owner->bytes, &shard_src.size);
  result = _emb_st_read_chosen (&shard_src, owner, g_ptr_array_index (tensors, chosen), tensors,
                                options, error);
  if (result != NULL)
    {
      GHashTableIter iter;
      gpointer shard;

      g_hash_table_iter_init (&iter, shards);
      while (g_hash_table_iter_next (&iter, &shard, NULL))
        {
          g_autofree char *path = beside (src->path, shard);
          emb_read_result_add_input (result, path);
        }
    }
  return result;
}

