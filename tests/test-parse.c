/* test-parse.c: emb_parse_float against exact answers and the C library.
 *
 * Expected values are C float literals (the compiler rounds them correctly)
 * and, for random input, strtof () in the "C" locale: both are independent
 * of the parser under test.
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/emb-parse.h"
#include "base/emb-error.h"

/* auxiliary functions */

/* Distance in units in the last place between two floats of the same sign
 * (or zeros); G_MAXUINT32 when they differ in sign or one is nan. */
static guint32
ulp_distance (float a,
              float b)
{
  guint32 ua, ub;

  if (isnan (a) || isnan (b))
    return G_MAXUINT32;
  if (a == b)
    return 0;
  if (signbit (a) != signbit (b))
    return G_MAXUINT32;
  memcpy (&ua, &a, sizeof ua);
  memcpy (&ub, &b, sizeof ub);
  return ua > ub ? ua - ub : ub - ua;
}

/* Parses the len bytes of text from an exactly sized heap copy, so that a
 * read past the end is a read past the allocation. */
static gboolean
parse_exact (const char *text,
             gsize       len,
             float      *value,
             gsize      *consumed)
{
  char *buf = g_malloc (MAX (len, 1));
  const char *p = buf;
  gboolean ok;

  memcpy (buf, text, len);
  ok = emb_parse_float (&p, buf + len, value);
  g_assert_true (p >= buf && p <= buf + len);
  if (!ok)
    g_assert_true (p == buf);
  *consumed = p - buf;
  g_free (buf);
  return ok;
}

/* Parses text followed by a delimiter and plenty of bytes, the common case
 * inside a file, which may take a different path than near the end. */
static gboolean
parse_padded (const char *text,
              float      *value,
              gsize      *consumed)
{
  g_autofree char *buf = g_strconcat (text, " 0.123456 -0.654321 0.5 0.25 0.125 1", NULL);
  const char *p = buf;
  gboolean ok;

  ok = emb_parse_float (&p, buf + strlen (buf), value);
  *consumed = p - buf;
  return ok;
}

static void
check_value (const char *text,
             float       expected,
             gsize       expected_len)
{
  float a = 0, b = 0;
  gsize na = 0, nb = 0;

  g_assert_true (parse_exact (text, strlen (text), &a, &na));
  g_assert_true (parse_padded (text, &b, &nb));
  if (ulp_distance (a, expected) != 0 || ulp_distance (b, expected) != 0)
    g_error ("'%s': expected %.9g, got %.9g and %.9g", text, expected, a, b);
  g_assert_cmpuint (na, ==, expected_len);
  g_assert_cmpuint (nb, ==, expected_len);
}

static void
check_invalid (const char *text)
{
  float v;
  gsize n;

  g_assert_false (parse_exact (text, strlen (text), &v, &n));
  g_assert_false (parse_padded (text, &v, &n));
}

/* test cases */

static void
test_exact (void)
{
  static const struct
  {
    const char *text;
    float       expected;
  } cases[] = {
    { "0", 0.0f },
    { "0.5", 0.5f },
    { "1e-3", 1e-3f },
    { "-2.25E+2", -225.0f },
    { ".5", 0.5f },
    { "5.", 5.0f },
    { "+7", 7.0f },
    { "-0.038194", -0.038194f },
    { "0.00066023", 0.00066023f },
    { "-0.0007369244245224787", -0.0007369244245224787f },
    { "4.0071", 4.0071f },
    { "123456789", 123456789.0f },
    { "16777217", 16777217.0f },
    { "0.1", 0.1f },
    { "1e10", 1e10f },
    { "1E22", 1e22f },
    { "1e23", 1e23f },
    { "-1.671300083398818970e-02", -1.671300083398818970e-02f },
    { "7.239600270986557007e-02", 7.239600270986557007e-02f },
    { "3.14159265358979323846264338327950288", 3.14159265358979323846264338327950288f },
    { "0.1000000000000000055511151231257827021181583404541015625", 0.1f },
    { "123456789012345678901234567890", 123456789012345678901234567890.0f },
    { "000000000000000000000000001.5", 1.5f },
    { "0.000000000000000000000000000000000001", 1e-36f },
    { "3.4028235e38", FLT_MAX },
    { "3.40282346638528859811704183484516925440e+38", FLT_MAX },
    { "1.17549435e-38", FLT_MIN },
    { "1.4e-45", 1.4e-45f },
    { "8e-46", 8e-46f },
    { "2.1e-45", 2.1e-45f },
    { "2.2e-45", 2.2e-45f },
    { "1e-40", 1e-40f },
    { "16777217.0", 16777216.0f },
    { "16777219", 16777220.0f },
  };
  /* Exact ties between two floats written out in full (25+ digits): the
   * digits past the 19th are dropped by design, so these may round to the
   * float just below. */
  static const struct
  {
    const char *text;
    float       expected;
  } ties[] = {
    { "1.000000059604644775390625", 1.0f },
    { "1.000000059604644775390626", 1.00000012f },
    { "1.000000178813934326171875", 1.00000024f },
  };

  for (guint i = 0; i < G_N_ELEMENTS (ties); i++)
    {
      float v;
      gsize n;

      g_assert_true (parse_exact (ties[i].text, strlen (ties[i].text), &v, &n));
      g_assert_cmpuint (ulp_distance (v, ties[i].expected), <=, 1);
      g_assert_true (parse_padded (ties[i].text, &v, &n));
      g_assert_cmpuint (ulp_distance (v, ties[i].expected), <=, 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_value (cases[i].text, cases[i].expected, strlen (cases[i].text));
}

static void
test_range (void)
{
  float v;
  gsize n;

  /* Past FLT_MAX is infinite, as with strtof (), so callers can refuse it. */
  check_value ("1e39", INFINITY, 4);
  check_value ("-3.5e38", -INFINITY, 7);
  check_value ("1e99999999999", INFINITY, 13);
  /* Below half the smallest denormal is zero, with its sign. */
  check_value ("1e-50", 0.0f, 5);
  check_value ("7e-46", 0.0f, 5);
  check_value ("1e-99999999999", 0.0f, 14);
  g_assert_true (parse_exact ("-1e-50", 6, &v, &n));
  g_assert_true (v == 0.0f && signbit (v));
  g_assert_true (parse_exact ("-0", 2, &v, &n));
  g_assert_true (v == 0.0f && signbit (v));
  g_assert_true (parse_padded ("-0.0", &v, &n));
  g_assert_true (v == 0.0f && signbit (v));
  check_value ("0e999999", 0.0f, 8);
}

static void
test_special (void)
{
  static const char *nans[] = { "nan", "NaN", "NAN", "-nan", "+nan" };
  static const char *infs[] = { "inf", "Inf", "INF", "infinity", "Infinity", "+inf", "INFINITY" };
  float v;
  gsize n;

  for (guint i = 0; i < G_N_ELEMENTS (nans); i++)
    {
      g_assert_true (parse_exact (nans[i], strlen (nans[i]), &v, &n));
      g_assert_true (isnan (v));
      g_assert_cmpuint (n, ==, strlen (nans[i]));
      g_assert_true (parse_padded (nans[i], &v, &n));
      g_assert_true (isnan (v));
    }
  for (guint i = 0; i < G_N_ELEMENTS (infs); i++)
    check_value (infs[i], INFINITY, strlen (infs[i]));
  check_value ("-inf", -INFINITY, 4);
  check_value ("-Infinity", -INFINITY, 9);
  /* The longest match: "infinit" is "inf" and a rest. */
  check_value ("infinit", INFINITY, 3);
}

static void
test_stops (void)
{
  /* Where a number ends is where the caller looks for a delimiter. */
  check_value ("1e", 1.0f, 1);
  check_value ("1e+", 1.0f, 1);
  check_value ("2.5E-x", 2.5f, 3);
  check_value ("1.5e3x", 1500.0f, 5);
  check_value ("0x10", 0.0f, 1);
  check_value ("1,5", 1.0f, 1);
  check_value ("12abc", 12.0f, 2);
  check_value ("1..2", 1.0f, 2);
}

static void
test_invalid (void)
{
  static const char *bad[] = {
    "", "-", "+", ".", "-.", "+.", "e5", ".e5", "abc", " 1", "\t1", "na", "in",
    "--1", "+-1", "x1", ",5", "\xff", "\xd0\xb8",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      float v;
      gsize n;

      g_assert_false (parse_exact (bad[i], strlen (bad[i]), &v, &n));
    }
  check_invalid ("abc");
  check_invalid ("-");
  check_invalid (".");
}

/* A buffer that ends inside a number: the parser must stop at end and give
 * the value of what is before it, whatever path it takes. */
static void
test_end_inside (void)
{
  static const char *texts[] = {
    "1.2", "-0.038194", "1.5e-3", "-2.25E+2", "infinity", "nan",
    "0.0000000000000000000000000000123456789",
    "123456789012345678901234567890.123456789e-5",
    "-1.671300083398818970e-02",
  };
  float v;
  gsize n;

  /* The example of the contract: end just after "1." */
  g_assert_true (parse_exact ("1.2", 2, &v, &n));
  g_assert_cmpfloat (v, ==, 1.0f);
  g_assert_cmpuint (n, ==, 2);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      gsize len = strlen (texts[i]);

      for (gsize k = 0; k <= len; k++)
        {
          g_autofree char *prefix = g_strndup (texts[i], k);
          char *ref_end;
          float ref = strtof (prefix, &ref_end);
          gboolean ok = parse_exact (texts[i], k, &v, &n);

          /* strtof reads a prefix the same way; "" or "-" is no number. */
          g_assert_cmpint (ok, ==, ref_end != prefix);
          if (!ok)
            continue;
          g_assert_cmpuint (n, ==, (gsize) (ref_end - prefix));
          if (isnan (ref))
            g_assert_true (isnan (v));
          else
            g_assert_cmpuint (ulp_distance (v, ref), <=, 1);
        }
    }
}

/* One random decimal, in the shapes real files hold and some they don't. */
static char *
random_decimal (void)
{
  switch (g_test_rand_int_range (0, 4))
    {
    case 0:
      {
        /* A float printed with a random precision and style. */
        guint32 bits = (guint32) g_test_rand_int ();
        int precision = g_test_rand_int_range (0, 20);
        float f;

        memcpy (&f, &bits, sizeof f);
        if (!isfinite (f))
          f = 0.25f;
        switch (g_test_rand_int_range (0, 3))
          {
          case 0:
            return g_strdup_printf ("%.*g", precision, (double) f);
          case 1:
            return g_strdup_printf ("%.*e", precision, (double) f);
          default:
            /* Plain notation, for values that do not print too long. */
            return g_strdup_printf ("%.*f", precision, (double) (fabsf (f) < 1e30f ? f : 0.25f));
          }
      }
    case 1:
      /* Like GloVe: small values with 4 to 9 digits. */
      return g_strdup_printf ("%s0.%0*d", g_test_rand_bit () ? "-" : "",
                              g_test_rand_int_range (4, 10),
                              g_test_rand_int_range (0, 999999999));
    case 2:
      /* Like %.18e output. */
      return g_strdup_printf ("%.18e", g_test_rand_double_range (-10, 10) *
                                        pow (10, g_test_rand_int_range (-40, 39)));
    default:
      {
        /* Any digits, dot and exponent. */
        GString *s = g_string_new (g_test_rand_bit () ? "-" : "");
        int n_digits = g_test_rand_int_range (1, 30);
        int dot = g_test_rand_int_range (-1, n_digits + 1);

        for (int i = 0; i < n_digits; i++)
          {
            if (i == dot)
              g_string_append_c (s, '.');
            g_string_append_c (s, '0' + g_test_rand_int_range (0, 10));
          }
        if (g_test_rand_bit ())
          g_string_append_printf (s, "e%d", g_test_rand_int_range (-60, 50));
        return g_string_free (s, FALSE);
      }
    }
}

static void
test_random (void)
{
  guint n_exact = 0, n_total = 0;

  for (guint i = 0; i < 200000; i++)
    {
      g_autofree char *text = random_decimal ();
      char *ref_end;
      float ref = strtof (text, &ref_end);
      float a, b;
      gsize na, nb;

      g_assert_true (*ref_end == '\0');
      g_assert_true (parse_exact (text, strlen (text), &a, &na));
      g_assert_true (parse_padded (text, &b, &nb));
      g_assert_cmpuint (na, ==, strlen (text));
      g_assert_cmpuint (nb, ==, strlen (text));
      if (ulp_distance (a, ref) > 1 || ulp_distance (b, ref) > 1)
        g_error ("'%s': strtof gives %.9g, parsed %.9g and %.9g", text, ref, a, b);
      n_exact += (a == ref) + (b == ref);
      n_total += 2;
    }
  g_test_message ("%u of %u parses equal strtof exactly", n_exact, n_total);
  /* Off by one ulp only within ~2^-50 of a tie: practically never. */
  g_assert_cmpuint (n_exact, >=, n_total - n_total / 10000);
}

static void
test_comma_locale (void)
{
  static const char *names[] = {
    "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "ru_RU.UTF-8",
    "ru_RU.utf8", "nl_NL.UTF-8", "es_ES.UTF-8", "it_IT.UTF-8", "pt_BR.UTF-8",
    "de_DE", "fr_FR",
  };
  g_autofree char *saved = g_strdup (setlocale (LC_NUMERIC, NULL));
  const char *found = NULL;
  float v;
  gsize n;

  for (guint i = 0; i < G_N_ELEMENTS (names) && found == NULL; i++)
    if (setlocale (LC_NUMERIC, names[i]) != NULL)
      {
        if (strcmp (localeconv ()->decimal_point, ",") == 0)
          found = names[i];
        else
          setlocale (LC_NUMERIC, saved);
      }
  if (found == NULL)
    {
      g_test_skip ("no locale with a decimal comma is installed");
      return;
    }
  g_test_message ("testing under LC_NUMERIC=%s", found);

  /* strtof now stops at the '.', which is what this parser avoids. */
  g_assert_cmpfloat (strtof ("0.5", NULL), ==, 0.0f);
  check_value ("0.5", 0.5f, 3);
  check_value ("-2.25E+2", -225.0f, 8);
  check_value ("-0.0007369244245224787", -0.0007369244245224787f, 22);
  g_assert_true (parse_exact ("1,5", 3, &v, &n));
  g_assert_cmpfloat (v, ==, 1.0f);
  g_assert_cmpuint (n, ==, 1);

  setlocale (LC_NUMERIC, saved);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/parse/exact", test_exact);
  g_test_add_func ("/parse/range", test_range);
  g_test_add_func ("/parse/special", test_special);
  g_test_add_func ("/parse/stops", test_stops);
  g_test_add_func ("/parse/invalid", test_invalid);
  g_test_add_func ("/parse/end-inside", test_end_inside);
  g_test_add_func ("/parse/random", test_random);
  g_test_add_func ("/parse/comma-locale", test_comma_locale);

  return g_test_run ();
}
