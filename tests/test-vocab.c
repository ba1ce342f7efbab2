/* test-vocab.c: token storage, lookup, display text, metadata columns. */
#include "model/emb-vocab.h"

static void
test_lookup (void)
{
  g_autoptr(EmbVocab) v = emb_vocab_new ();
  gsize id = 99, len;

  g_assert_cmpuint (emb_vocab_add (v, "the", -1), ==, 0);
  g_assert_cmpuint (emb_vocab_add (v, "king", -1), ==, 1);
  g_assert_cmpuint (emb_vocab_add (v, "the", -1), ==, 2);   /* a duplicate keeps its id */
  g_assert_cmpuint (emb_vocab_add (v, "", 0), ==, 3);
  g_assert_cmpuint (emb_vocab_size (v), ==, 4);

  g_assert_true (emb_vocab_lookup (v, "the", &id));
  g_assert_cmpuint (id, ==, 0);                              /* the first one */
  g_assert_true (emb_vocab_lookup (v, "king", &id));
  g_assert_cmpuint (id, ==, 1);
  g_assert_false (emb_vocab_lookup (v, "queen", &id));
  g_assert_false (emb_vocab_lookup (v, "th", &id));
  g_assert_true (emb_vocab_lookup (v, "", &id));
  g_assert_cmpuint (id, ==, 3);

  g_assert_cmpstr (emb_vocab_raw (v, 1, &len), ==, "king");
  g_assert_cmpuint (len, ==, 4);

  /* Adding after a lookup rebuilds the table. */
  g_assert_cmpuint (emb_vocab_add (v, "queen", -1), ==, 4);
  g_assert_true (emb_vocab_lookup (v, "queen", &id));
  g_assert_cmpuint (id, ==, 4);
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(EmbVocab) v = emb_vocab_new ();
  gsize id = 99;

  /* "caf" + the first byte of a two-byte sequence, as a cut token. */
  emb_vocab_add (v, "caf\xc3", 4);
  emb_vocab_add (v, "ok", -1);
  g_assert_true (emb_vocab_display_differs (v, 0));
  g_assert_false (emb_vocab_display_differs (v, 1));
  g_assert_cmpstr (emb_vocab_display (v, 0), ==, "caf\xef\xbf\xbd");  /* U+FFFD */
  g_assert_true (g_utf8_validate (emb_vocab_display (v, 0), -1, NULL));

  g_assert_true (emb_vocab_lookup (v, "caf\xc3", &id));
  g_assert_cmpuint (id, ==, 0);
  g_assert_true (emb_vocab_lookup (v, "caf\xef\xbf\xbd", &id));
  g_assert_cmpuint (id, ==, 0);
}

static void
test_row_ids (void)
{
  g_autoptr(EmbVocab) v = emb_vocab_new_row_ids (1200);
  gsize id;

  g_assert_cmpuint (emb_vocab_size (v), ==, 1200);
  g_assert_cmpstr (emb_vocab_display (v, 0), ==, "0");
  g_assert_cmpstr (emb_vocab_display (v, 1199), ==, "1199");
  g_assert_true (emb_vocab_lookup (v, "731", &id));
  g_assert_cmpuint (id, ==, 731);
}

static void
test_many (void)
{
  g_autoptr(EmbVocab) v = emb_vocab_new ();

  for (int i = 0; i < 50000; i++)
    {
      char buf[32];
      g_snprintf (buf, sizeof buf, "w%d", i * 7);
      emb_vocab_add (v, buf, -1);
    }
  for (int i = 0; i < 50000; i += 997)
    {
      char buf[32];
      gsize id;
      g_snprintf (buf, sizeof buf, "w%d", i * 7);
      g_assert_true (emb_vocab_lookup (v, buf, &id));
      g_assert_cmpint (id, ==, i);
    }
}

static void
test_columns (void)
{
  g_autoptr(EmbVocab) v = emb_vocab_new ();
  GPtrArray *col = g_ptr_array_new_with_free_func (g_free);

  emb_vocab_add (v, "a", -1);
  emb_vocab_add (v, "b", -1);
  g_ptr_array_add (col, g_strdup ("setosa"));
  g_ptr_array_add (col, g_strdup ("virginica"));
  emb_vocab_add_column (v, "class", col);
  g_assert_cmpuint (emb_vocab_n_columns (v), ==, 1);
  g_assert_cmpstr (emb_vocab_column_name (v, 0), ==, "class");
  g_assert_cmpstr (emb_vocab_column_value (v, 0, 1), ==, "virginica");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vocab/lookup", test_lookup);
  g_test_add_func ("/vocab/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/vocab/row-ids", test_row_ids);
  g_test_add_func ("/vocab/many", test_many);
  g_test_add_func ("/vocab/columns", test_columns);
  return g_test_run ();
}
