/* st-sharded.c: sharded safetensors checkpoints: a
 * model.safetensors.index.json and its shards, and what is wrong with
 * them. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "analysis/emb-knn.h"
#include "st-test.h"

static GByteArray *
shard_bytes (StBuilder *b)
{
  GByteArray *a;

  g_string_append_c (b->header, '}');
  a = st_file (b->header->str, b->data->data, b->data->len);
  g_string_free (b->header, TRUE);
  g_byte_array_unref (b->data);
  g_free (b);
  return a;
}

static const char *index_json =
  "{\n  \"metadata\": {\"total_size\": 112},\n  \"weight_map\": {\n"
  "    \"lm_head.weight\": \"model-00001-of-00002.safetensors\",\n"
  "    \"model.embed_tokens.weight\": \"model-00002-of-00002.safetensors\",\n"
  "    \"model.norm.weight\": \"model-00001-of-00002.safetensors\"\n  }\n}\n";

/* A two-shard checkpoint with the embedding in shard 2. */
static char *
write_checkpoint (void)
{
  char *dir = emb_test_make_folder ("safetensors");
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  StBuilder *b;
  GByteArray *emb = g_byte_array_new ();

  b = st_builder_new ("{\"format\":\"pt\"}");
  st_add (b, "lm_head.weight", "F32", "[8, 3]", cells_f32 (8, 3));
  st_add (b, "model.norm.weight", "F32", "[3]", cells_f32 (1, 3));
  write_in (dir, "model-00001-of-00002.safetensors", shard_bytes (b));

  for (guint k = 0; k < 6; k++)
    emb_test_put_u16 (emb, k == 5 ? 0xc000 : 0x3f80);
  b = st_builder_new ("{\"format\":\"pt\"}");
  st_add (b, "model.embed_tokens.weight", "BF16", "[3, 2]", emb);
  write_in (dir, "model-00002-of-00002.safetensors", shard_bytes (b));

  g_assert_true (g_file_set_contents (index, index_json, -1, NULL));
  return dir;
}

static void
test_index (void)
{
  g_autofree char *dir = write_checkpoint ();
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  EmbLoadOptions options = { .format = "safetensors-index" };
  g_autoptr(EmbDataset) ds = NULL;
  g_autoptr(EmbDataset) ds2 = NULL;
  g_autoptr(EmbDataset) ds3 = NULL;

  ds = emb_test_load_ok (index, &options);
  g_assert_cmpstr (ds->format, ==, "safetensors-index");
  g_assert_cmpstr (ds->tensor, ==, "model.embed_tokens.weight");
  g_assert_cmpstr (ds->dtype, ==, "bfloat16");
  g_assert_cmpuint (ds->matrix->n_rows, ==, 3);
  g_assert_cmpuint (ds->matrix->n_cols, ==, 2);
  for (guint k = 0; k < 6; k++)
    g_assert_cmpfloat (ds->matrix->data[k], ==, k == 5 ? -2.0f : 1.0f);
  g_assert_cmpuint (ds->tensors->len, ==, 3);

  /* Found from the name and content alone. */
  ds2 = emb_test_load_ok (index, NULL);
  g_assert_cmpstr (ds2->format, ==, "safetensors-index");
  g_assert_cmpstr (ds2->tensor, ==, "model.embed_tokens.weight");

  options.tensor = "lm_head.weight";
  ds3 = emb_test_load_ok (index, &options);
  g_assert_cmpstr (ds3->tensor, ==, "lm_head.weight");
  assert_cells (ds3, 8, 3);
  g_assert_true (emb_matrix_is_view (ds3->matrix));

  emb_test_folder_remove (dir);
}

static void
test_index_errors (void)
{
  g_autofree char *dir = write_checkpoint ();
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  g_autofree char *shard2 = g_build_filename (dir, "model-00002-of-00002.safetensors", NULL);
  EmbLoadOptions options = { .format = "safetensors-index" };
  g_autofree char *text = NULL;
  char *msg;

  /* A shard that is not there. */
  g_assert_cmpint (g_unlink (shard2), ==, 0);
  msg = emb_test_load_error (index, &options, EMB_ERROR_IO);
  emb_test_assert_contains (msg, "model.safetensors.index.json");
  emb_test_assert_contains (msg, "model-00002-of-00002.safetensors");
  g_free (msg);

  /* A shard that is not a valid file: the message names both. */
  g_assert_true (g_file_set_contents (shard2, "\x07\0\0\0\0\0\0\0{\"a\":1}", 15, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_PARSE);
  emb_test_assert_contains (msg, "model-00002-of-00002.safetensors: byte ");
  g_free (msg);

  /* A tensor the shard does not have. */
  write_in (dir, "model-00002-of-00002.safetensors", st_file ("{}", NULL, 0));
  msg = emb_test_load_error (index, &options, EMB_ERROR_FORMAT);
  emb_test_assert_contains (msg, "model.embed_tokens.weight");
  g_free (msg);

  /* Shards outside the index's folder, and a broken index. */
  text = g_strdup ("{\"weight_map\": {\"a\": \"../secret.safetensors\"}}");
  g_assert_true (g_file_set_contents (index, text, -1, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_PARSE);
  emb_test_assert_contains (msg, "../secret.safetensors");
  g_free (msg);

  g_assert_true (g_file_set_contents (index, "{\"weight_map\": {\"a\": 1}}", -1, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_PARSE);
  g_free (msg);

  g_assert_true (g_file_set_contents (index, "{\"weight_map\": [1, 2", -1, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_PARSE);
  emb_test_assert_contains (msg, ": byte ");
  g_free (msg);

  g_assert_true (g_file_set_contents (index, "{\"metadata\": {}}", -1, NULL));
  msg = emb_test_load_error (index, &options, EMB_ERROR_FORMAT);
  emb_test_assert_contains (msg, "weight_map");
  g_free (msg);

  emb_test_folder_remove (dir);
}

void
st_add_sharded_tests (void)
{
  g_test_add_func ("/safetensors/index", test_index);
  g_test_add_func ("/safetensors/index-errors", test_index_errors);
}
