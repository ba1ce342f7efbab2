/* test-error.c: the quoting of names in messages (emb_quote_name) and the
 * messages of the emb_set_error_* helpers that use it.
 *
 * The expected strings are written out by hand, byte by byte.
 */
#include <string.h>

#include "base/emb-error.h"

static void
check_quote (const char *name,
             gssize      len,
             const char *want)
{
  g_autofree char *got = emb_quote_name (name, len);

  g_assert_cmpstr (got, ==, want);
  g_assert_true (g_utf8_validate (got, -1, NULL));
}

static void
test_quote (void)
{
  /* Text stays as it is, UTF-8 included. */
  check_quote ("vectors.txt", -1, "vectors.txt");
  check_quote ("caf\xc3\xa9 \xe2\x82\xac.vec", -1, "caf\xc3\xa9 \xe2\x82\xac.vec");
  check_quote ("", -1, "");
  /* Bytes that start no UTF-8 character, one \xNN each. */
  check_quote ("x\xff.txt", -1, "x\\xff.txt");
  check_quote ("\xfe\xff", -1, "\\xfe\\xff");
  check_quote ("lone\x80", -1, "lone\\x80");
  /* A cut sequence: both bytes of the start of a three-byte character. */
  check_quote ("cut\xe2\x82", -1, "cut\\xe2\\x82");
  /* An overlong encoding of '/' is not UTF-8. */
  check_quote ("a\xc0\xaf" "b", -1, "a\\xc0\\xafb");
  /* Control characters: C0, DEL, and C1 as its two bytes. */
  check_quote ("tab\there\nnl\x1b", -1, "tab\\x09here\\x0anl\\x1b");
  check_quote ("del\x7f", -1, "del\\x7f");
  check_quote ("c1\xc2\x85", -1, "c1\\xc2\\x85");
  /* With a length: a NUL inside, and nothing read past len. */
  check_quote ("a\0b\xff", 4, "a\\x00b\\xff");
  check_quote ("abcdef", 3, "abc");
}

static void
test_messages (void)
{
  g_autoptr(GError) line = NULL;
  g_autoptr(GError) offset = NULL;
  g_autoptr(GError) file = NULL;

  emb_set_error_line (&line, EMB_ERROR_PARSE, "v\xff.txt", 3, "bad %s", "value");
  g_assert_error (line, EMB_ERROR, EMB_ERROR_PARSE);
  g_assert_cmpstr (line->message, ==, "v\\xff.txt:3: bad value");
  emb_set_error_offset (&offset, EMB_ERROR_TRUNCATED, "m\x01.npy", 128, "ends early");
  g_assert_cmpstr (offset->message, ==, "m\\x01.npy: byte 128: ends early");
  emb_set_error_file (&file, EMB_ERROR_IO, "plain.bin", "cannot open");
  g_assert_cmpstr (file->message, ==, "plain.bin: cannot open");
  /* No error wanted: nothing happens. */
  emb_set_error_file (NULL, EMB_ERROR_IO, "x\xff", "ignored");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/quote", test_quote);
  g_test_add_func ("/error/messages", test_messages);
  return g_test_run ();
}
