/* st-header.c: the safetensors header read in place: JSON forms a writer
 * may use (escaped names, members the format does not define, repeated
 * members, null metadata, blanks), JSON it may not, and a header of
 * 300,000 tensors read under a memory limit that a JSON tree would not
 * fit in. */
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "st-test.h"

/* Whether the tensor list of ds has the line "name dtype [shape]". */
static gboolean
lists (EmbDataset *ds,
       const char *line)
{
  for (guint i = 0; i < ds->tensors->len; i++)
    if (g_str_equal (g_ptr_array_index (ds->tensors, i), line))
      return TRUE;
  return FALSE;
}

/* Names with escapes are decoded ("\u00e9" is é, a surrogate pair one
 * emoji, "\"" a quote); members the format does not define are skipped,
 * whatever they hold; a repeated member counts by its last value, as in
 * json-glib; "__metadata__" may be null. */
static void
test_json_forms (void)
{
  static const char header[] =
    "{ \"__metadata__\" : null ,\n"
    "  \"w\\u00e9ight\\ud83d\\ude00\\\"q\\\\\" : {\"dtype\":\"I8\", \"note\": {\"a\": [1, {\"b\": []}, \"}\"]},\n"
    "      \"shape\": [99], \"dtype\": \"F32\", \"shape\":[2,3], \"data_offsets\":[0,24], \"x\": true},\n"
    "  \"\\u0062ias\": {\"data_offsets\": [24, 26], \"shape\": [], \"dtype\": \"F16\"}\r\n"
    "}";
  g_autoptr(GByteArray) data = cells_f32 (2, 3);
  g_autoptr(EmbDataset) ds = NULL;
  const char *path;

  g_byte_array_append (data, (const guint8 *) "\0\0", 2);
  path = write_array ("forms.safetensors", st_file (header, data->data, data->len));
  ds = emb_test_load_ok (path, &st_options);
  assert_cells (ds, 2, 3);
  g_assert_cmpstr (ds->tensor, ==, "w\xc3\xa9ight\xf0\x9f\x98\x80\"q\\");
  g_assert_cmpuint (ds->tensors->len, ==, 2);
  g_assert_true (lists (ds, "w\xc3\xa9ight\xf0\x9f\x98\x80\"q\\ F32 [2, 3]"));
  g_assert_true (lists (ds, "bias F16 []"));
}

/* What the JSON may not hold, with the byte where it goes wrong. */
static void
test_json_refused (void)
{
  static const struct { const char *header; guint64 at; const char *why; } cases[] = {
    /* 8 + the place in the header text */
    { "{\"a\\udc00\":1}", 11, "half of a UTF-16 pair" },
    { "{\"a\\ud800x\":1}", 11, "half of a UTF-16 pair" },
    { "{\"a\\u0000\":1}", 11, "NUL character" },
    { "{\"a\" 1}", 13, "expected ':' after a member name" },
    { "{\"a\":{\"dtype\":\"F32\" \"shape\":[1]}}", 28, "expected ',' or '}'" },
    { "{\"a\":[1 2]}", 16, "expected ',' or ']'" },
    { "{} {}", 11, "expected the end of the header" },
    { "{\"a\":}", 13, "expected a value, not '}'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("refused-%u.safetensors", i);
      const char *path = write_array (name, raw_file (strlen (cases[i].header), cases[i].header,
                                                      strlen (cases[i].header), NULL, 0));
      g_autofree char *msg = load_error_at (path, &st_options, EMB_ERROR_PARSE, cases[i].at);

      emb_test_assert_contains (msg, cases[i].why);
    }
}

/* 300,000 one-value F16 tensors and a 2 x 3 F32 table: a 16 MB header. */
static const char *
write_many (guint n)
{
  g_autoptr(GString) h = g_string_new ("{\"wte.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                                       "\"data_offsets\":[0,24]}");
  g_autoptr(GByteArray) data = cells_f32 (2, 3);
  g_autoptr(GByteArray) rest = zeros (2 * (gsize) n);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (h, ",\"b%u\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[%u,%u]}",
                            i, 24 + 2 * i, 26 + 2 * i);
  g_string_append_c (h, '}');
  g_byte_array_append (data, rest->data, rest->len);
  return write_array ("many.safetensors", st_file (h->str, data->data, data->len));
}

/* json-glib took about 1.6 KB a tensor (2.3 GB for 1.4 million); the
 * header read in place keeps under 100 bytes.  Under an address-space
 * limit of 200 MB more than the process has, 300,000 tensors are read and
 * listed; a JSON tree of them would need about 480 MB. */
static void
test_many_tensors_limit (void)
{
  const guint n = 300000;

  if (g_test_subprocess ())
    {
      const char *path = write_many (n);
      g_autofree char *statm = NULL;
      g_autoptr(EmbDataset) ds = NULL;
      struct rlimit limit;
      guint64 used;

      g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
      used = g_ascii_strtoull (statm, NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
      limit.rlim_cur = limit.rlim_max = used + (200u << 20);
      g_assert_cmpint (setrlimit (RLIMIT_AS, &limit), ==, 0);

      ds = emb_test_load_ok (path, &st_options);
      assert_cells (ds, 2, 3);
      g_assert_cmpstr (ds->tensor, ==, "wte.weight");
      g_assert_cmpuint (ds->tensors->len, ==, n + 1);
      g_assert_cmpstr (g_ptr_array_index (ds->tensors, n), ==, "b299999 F16 [1]");
      return;
    }
#if defined(__SANITIZE_ADDRESS__)
  g_test_skip ("AddressSanitizer reserves more address space than the limit");
  return;
#endif
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

void
st_add_header_tests (void)
{
  g_test_add_func ("/safetensors/header/json-forms", test_json_forms);
  g_test_add_func ("/safetensors/header/json-refused", test_json_refused);
  g_test_add_func ("/safetensors/header/many-tensors-limit", test_many_tensors_limit);
}
