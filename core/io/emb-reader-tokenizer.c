/* emb-reader-tokenizer.c: Hugging Face tokenizer.json and GPT-2 encoder.json.
 *
 * Both give the tokens of a model by id, which is all EmbedLens needs: the
 * merges, normalizers and post-processors only matter for tokenizing text.
 *
 * tokenizer.json: model.vocab is an object token -> id for BPE, WordPiece
 * and WordLevel, or an array of [token, score] pairs for Unigram (the id is
 * the index); added_tokens ({id, content, special}) may repeat model tokens
 * or lie past them.  An added token wins over a model token of the same id,
 * as the Hugging Face decoder gives it.  Special added tokens become
 * EMB_TOKEN_CONTROL, the others EMB_TOKEN_USER.
 *
 * encoder.json / vocab.json (GPT-2, RoBERTa): one object token -> id.
 *
 * The vocabulary has max id + 1 tokens.  Ids that no token claims (models
 * reserve some, or pad their table) get the placeholder "<unused N>" and
 * the type EMB_TOKEN_UNUSED, so every row of the matrix keeps its id.  An id
 * that is negative, larger than 10,000,000 or than 4x the number of tokens
 * in the file, or one given to two different tokens, means a broken file:
 * an EMB_ERROR_PARSE naming it, rather than a huge table of placeholders.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "io/emb-reader-vocab.h"
#include "io/emb-parse.h"
#include "base/emb-error.h"

#define MAX_TOKEN_ID 10000000

typedef struct
{
  const char *text;     /* borrowed from the JSON tree; NULL: no token */
  guint8      type;     /* EmbTokenType */
  gboolean    added;    /* from added_tokens */
} Slot;

typedef struct
{
  const char *name;
  GArray     *slots;    /* of Slot, by id */
  gsize       n_entries;/* tokens in the file, for the id limit */
} Builder;

/* auxiliary functions */

static gboolean
get_integer (JsonNode *node,
             gint64   *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static const char *
get_string_member (JsonObject *object,
                   const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
get_object_member (JsonObject *object,
                   const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
put_token (Builder     *b,
           gint64       id,
           const char  *text,
           EmbTokenType type,
           gboolean     added,
           GError     **error)
{
  Slot *slot;

  if (id < 0 || id > MAX_TOKEN_ID || (guint64) id > 4 * (guint64) b->n_entries)
    {
      g_autofree char *q = emb_quote_name (text, -1);
      emb_set_error_file (error, EMB_ERROR_PARSE, b->name,
                          "token \"%s\" has the id %" G_GINT64_FORMAT
                          ", impossible for a vocabulary of %" G_GSIZE_FORMAT " tokens",
                          q, id, b->n_entries);
      return FALSE;
    }
  if ((guint64) id >= b->slots->len)
    g_array_set_size (b->slots, (guint) id + 1);

  slot = &g_array_index (b->slots, Slot, id);
  if (slot->text != NULL)
    {
      gboolean same = strcmp (slot->text, text) == 0;

      /* Added tokens routinely repeat model tokens ([CLS], <|endoftext|>);
       * anything else holding a taken id is a broken file. */
      if (slot->added == added && !same)
        {
          g_autofree char *q1 = emb_quote_name (slot->text, -1);
          g_autofree char *q2 = emb_quote_name (text, -1);
          emb_set_error_file (error, EMB_ERROR_PARSE, b->name,
                              "the id %" G_GINT64_FORMAT " is given to both \"%s\" and \"%s\"",
                              id, q1, q2);
          return FALSE;
        }
      if (!added)
        return TRUE;
    }
  slot->text = text;
  slot->type = (guint8) type;
  slot->added = added;
  return TRUE;
}

static gboolean
read_token_map (Builder     *b,
                JsonObject  *map,
                const char  *what,
                GError     **error)
{
  g_autoptr(GList) members = json_object_get_members (map);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *token = l->data;
      gint64 id;

      if (!get_integer (json_object_get_member (map, token), &id))
        {
          g_autofree char *q = emb_quote_name (token, -1);
          emb_set_error_file (error, EMB_ERROR_PARSE, b->name,
                              "%s: the id of \"%s\" is not an integer", what, q);
          return FALSE;
        }
      if (!put_token (b, id, token, EMB_TOKEN_NORMAL, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

/* Unigram: [[token, score], ...], the id being the index. */
static gboolean
read_token_pairs (Builder     *b,
                  JsonArray   *pairs,
                  GError     **error)
{
  guint n = json_array_get_length (pairs);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (pairs, i);
      JsonArray *pair = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      JsonNode *first = pair != NULL && json_array_get_length (pair) >= 1
                        ? json_array_get_element (pair, 0) : NULL;

      if (first == NULL || !JSON_NODE_HOLDS_VALUE (first)
          || json_node_get_value_type (first) != G_TYPE_STRING)
        {
          emb_set_error_file (error, EMB_ERROR_PARSE, b->name,
                              "model.vocab[%u] is not a [token, score] pair", i);
          return FALSE;
        }
      if (!put_token (b, i, json_node_get_string (first), EMB_TOKEN_NORMAL, FALSE, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_added_tokens (Builder     *b,
                   JsonArray   *added,
                   GError     **error)
{
  guint n = json_array_get_length (added);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (added, i);
      JsonObject *tok = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *content = tok != NULL ? get_string_member (tok, "content") : NULL;
      JsonNode *special;
      gint64 id;

      if (content == NULL || !get_integer (json_object_get_member (tok, "id"), &id))
        {
          emb_set_error_file (error, EMB_ERROR_PARSE, b->name,
                              "added_tokens[%u] has no integer \"id\" and string \"content\"", i);
          return FALSE;
        }
      special = json_object_get_member (tok, "special");
      if (!put_token (b, id, content,
                      special != NULL && JSON_NODE_HOLDS_VALUE (special)
                      && json_node_get_boolean (special)
                      ? EMB_TOKEN_CONTROL : EMB_TOKEN_USER,
                      TRUE, error))
        return FALSE;
    }
  return TRUE;
}

/* Does any object in the tree under node have "type": type?  Sequences
 * nest their steps ("pretokenizers", "decoders", "normalizers"). */
static gboolean
has_step (JsonNode   *node,
          const char *type)
{
  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        if (has_step (json_array_get_element (array, i), type))
          return TRUE;
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      const char *t = get_string_member (object, "type");
      g_autoptr(GList) values = NULL;

      if (g_strcmp0 (t, type) == 0)
        return TRUE;
      values = json_object_get_values (object);
      for (GList *l = values; l != NULL; l = l->next)
        if (has_step (l->data, type))
          return TRUE;
    }
  return FALSE;
}

/* SentencePiece's "▁" for a space shows up as a Metaspace step, or as
 * Replace / Prepend steps that write or undo it (Llama's normalizer
 * replaces " " by "▁", its decoder "▁" by " "). */
static gboolean
uses_metaspace (JsonNode *node)
{
  static const char meta[] = "\xe2\x96\x81";

  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        if (uses_metaspace (json_array_get_element (array, i)))
          return TRUE;
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      const char *type = get_string_member (object, "type");
      g_autoptr(GList) values = NULL;

      if (g_strcmp0 (type, "Metaspace") == 0)
        return TRUE;
      if (g_strcmp0 (type, "Replace") == 0)
        {
          JsonObject *pattern = get_object_member (object, "pattern");

          if (g_strcmp0 (get_string_member (object, "content"), meta) == 0
              || (pattern != NULL && g_strcmp0 (get_string_member (pattern, "String"), meta) == 0))
            return TRUE;
        }
      if (g_strcmp0 (type, "Prepend") == 0
          && g_strcmp0 (get_string_member (object, "prepend"), meta) == 0)
        return TRUE;
      values = json_object_get_values (object);
      for (GList *l = values; l != NULL; l = l->next)
        if (uses_metaspace (l->data))
          return TRUE;
    }
  return FALSE;
}

static EmbDecoder
tokenizer_decoder (JsonObject *root)
{
  JsonNode *pre = json_object_get_member (root, "pre_tokenizer");
  JsonNode *decoder = json_object_get_member (root, "decoder");
  JsonNode *normalizer = json_object_get_member (root, "normalizer");

  if (has_step (pre, "ByteLevel") || has_step (decoder, "ByteLevel"))
    return EMB_DECODER_BYTE_LEVEL;
  if (uses_metaspace (decoder) || uses_metaspace (normalizer) || uses_metaspace (pre))
    return EMB_DECODER_SENTENCEPIECE;
  return EMB_DECODER_NONE;
}

/* GPT-2 style vocabularies spell a space "Ġ" (U+0120) and a newline "Ċ"
 * (U+010A); a WordPiece or word-level vocab.json has neither. */
static EmbDecoder
encoder_decoder (JsonObject *map)
{
  g_autoptr(GList) members = json_object_get_members (map);

  for (GList *l = members; l != NULL; l = l->next)
    if (strstr (l->data, "\xc4\xa0") != NULL || strstr (l->data, "\xc4\x8a") != NULL)
      return EMB_DECODER_BYTE_LEVEL;
  return EMB_DECODER_NONE;
}

static EmbVocab *
builder_finish (Builder   *b,
                EmbDecoder decoder,
                GError   **error)
{
  g_autoptr(EmbVocab) vocab = NULL;
  g_autofree char *what = NULL;
  gsize n = b->slots->len, total = 0;

  if (n == 0)
    {
      emb_set_error_file (error, EMB_ERROR_PARSE, b->name, "the vocabulary has no tokens");
      return NULL;
    }

  for (gsize i = 0; i < n; i++)
    {
      const Slot *slot = &g_array_index (b->slots, Slot, i);
      total += slot->text != NULL ? strlen (slot->text) : 16;
    }

  vocab = emb_vocab_new ();
  what = g_strdup_printf ("%s: the vocabulary of %" G_GSIZE_FORMAT " tokens", b->name, n);
  if (!emb_vocab_reserve (vocab, n, total, what, error))
    return NULL;
  for (gsize i = 0; i < n; i++)
    {
      const Slot *slot = &g_array_index (b->slots, Slot, i);

      if (slot->text != NULL)
        emb_vocab_add (vocab, slot->text, -1);
      else
        {
          char label[32];
          int len = g_snprintf (label, sizeof label, "<unused %" G_GSIZE_FORMAT ">", i);
          emb_vocab_add (vocab, label, len);
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      const Slot *slot = &g_array_index (b->slots, Slot, i);
      EmbTokenType type = slot->text != NULL ? slot->type : EMB_TOKEN_UNUSED;

      if (type != EMB_TOKEN_NORMAL)
        emb_vocab_set_token_type (vocab, i, type);
    }
  /* Last, so each display text is computed once, knowing the types. */
  emb_vocab_set_decoder (vocab, decoder);
  return g_steal_pointer (&vocab);
}

static EmbVocab *
read_tokenizer (Builder     *b,
                JsonObject  *root,
                JsonObject  *model,
                GError     **error)
{
  JsonNode *vocab = json_object_get_member (model, "vocab");
  JsonNode *added = json_object_get_member (root, "added_tokens");
  const char *type = get_string_member (model, "type");
  JsonArray *added_array = added != NULL && JSON_NODE_HOLDS_ARRAY (added)
                           ? json_node_get_array (added) : NULL;

  if (added != NULL && added_array == NULL && !JSON_NODE_HOLDS_NULL (added))
    {
      emb_set_error_file (error, EMB_ERROR_PARSE, b->name, "\"added_tokens\" is not an array");
      return NULL;
    }

  /* Older files leave out model.type: the vocab's shape tells. */
  if (vocab != NULL && JSON_NODE_HOLDS_ARRAY (vocab)
      && (type == NULL || strcmp (type, "Unigram") == 0))
    {
      JsonArray *pairs = json_node_get_array (vocab);

      b->n_entries = json_array_get_length (pairs)
                     + (added_array != NULL ? json_array_get_length (added_array) : 0);
      if (!read_token_pairs (b, pairs, error))
        return NULL;
    }
  else if (vocab != NULL && JSON_NODE_HOLDS_OBJECT (vocab)
           && (type == NULL || strcmp (type, "Unigram") != 0))
    {
      JsonObject *map = json_node_get_object (vocab);

      b->n_entries = json_object_get_size (map)
                     + (added_array != NULL ? json_array_get_length (added_array) : 0);
      if (!read_token_map (b, map, "model.vocab", error))
        return NULL;
    }
  else
    {
      emb_set_error_file (error, EMB_ERROR_PARSE, b->name,
                          "model.vocab is missing or is not the %s of a %s model",
                          type != NULL && strcmp (type, "Unigram") == 0
                          ? "[token, score] array" : "token -> id object",
                          type != NULL ? type : "tokenizer");
      return NULL;
    }

  if (added_array != NULL && !read_added_tokens (b, added_array, error))
    return NULL;
  return builder_finish (b, tokenizer_decoder (root), error);
}

static EmbVocab *
read_encoder (Builder     *b,
              JsonObject  *map,
              GError     **error)
{
  b->n_entries = json_object_get_size (map);
  if (!read_token_map (b, map, "vocabulary", error))
    return NULL;
  return builder_finish (b, encoder_decoder (map), error);
}

/* Both readers parse the same way and then look at what they got, so a
 * tokenizer.json renamed vocab.json (or the reverse) still reads. */
static EmbVocab *
read_json_vocab (const char   *name,
                 const guint8 *data,
                 gsize         size,
                 GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local = NULL;
  g_autoptr(GArray) slots = g_array_new (FALSE, TRUE, sizeof (Slot));
  Builder b = { name, slots, 0 };
  JsonNode *root;
  JsonObject *object, *model;
  gsize too_deep;

  if (size == 0)
    {
      emb_set_error_file (error, EMB_ERROR_PARSE, name, "the file is empty, not a JSON vocabulary");
      return NULL;
    }
  /* json-glib recurses once per level: a file of nothing but '[' would
   * take it off the end of the stack. */
  if (!emb_json_depth_ok (data, size, EMB_JSON_MAX_DEPTH, &too_deep))
    {
      emb_set_error_offset (error, EMB_ERROR_PARSE, name, too_deep,
                            "not a vocabulary: the JSON nests more than %d levels deep",
                            EMB_JSON_MAX_DEPTH);
      return NULL;
    }
  if (!emb_json_memory_check (name, data, size, error))
    return NULL;
  if (size > G_MAXSSIZE
      || !json_parser_load_from_data (parser, (const char *) data, (gssize) size, &local))
    {
      emb_set_json_error (error, name, "not JSON", local);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      emb_set_error_file (error, EMB_ERROR_PARSE, name,
                          "not a vocabulary: the JSON is not an object of tokens");
      return NULL;
    }
  object = json_node_get_object (root);
  model = get_object_member (object, "model");
  if (model != NULL)
    return read_tokenizer (&b, object, model, error);
  return read_encoder (&b, object, error);
}

/* public API */

EmbVocab *
emb_vocab_read_tokenizer_json (const char   *name,
                               const guint8 *data,
                               gsize         size,
                               GError      **error)
{
  return read_json_vocab (name, data, size, error);
}

EmbVocab *
emb_vocab_read_encoder_json (const char   *name,
                             const guint8 *data,
                             gsize         size,
                             GError      **error)
{
  return read_json_vocab (name, data, size, error);
}
