/* emb-parse.c: locale-independent decimal to float conversion, and the
 * quoting and JSON checks the text and JSON readers share, and the rule
 * for paths that files name.
 *
 * Text embedding files are hundreds of MB of decimal numbers, and GTK calls
 * setlocale (), after which strtof () expects a decimal comma in many
 * locales.  So numbers are converted here by hand: up to 19 significant
 * digits go into a 64-bit integer and the decimal exponent is kept apart.
 *
 * When that integer and the power of ten are both exact doubles (integer
 * below 2^53, |exponent| <= 22), m * 10^e or m / 10^-e is one correctly
 * rounded IEEE operation.  Rounding that double once more to float can only
 * go wrong when it lands exactly halfway between two floats; then the exact
 * residual of the operation (one fma) tells which way the true value lies.
 * Division being slow, m * 10^-k (within 2 double ulps) is tried first and
 * kept unless it is that close to a halfway point.  So this path, which
 * holds nearly every number in real files, is correctly rounded.
 *
 * Other numbers (16 to 19 digits, or exponents past 22) are scaled in a few
 * exact power-of-ten steps in double: a few double ulps of error, which can
 * change the float result only when the decimal lies within about 2^-50 of a
 * halfway point, and then by one float ulp.  Digits past the 19th are
 * dropped: they are ten orders of magnitude below float precision.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/emb-parse.h"
#include "base/emb-alloc.h"
#include "base/emb-error.h"

#define MAX_SIG_DIGITS 19

/* Decimal exponents beyond these make any float overflow or underflow, so
 * they are also where exponent accumulation may stop. */
#define EXP_CLAMP 100000

static const double pow10_exact[23] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The doubles nearest 10^-k (not exact). */
static const double pow10_inverse[23] = {
  1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11,
  1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22,
};

/* auxiliary functions */

/* An ASCII digit, whatever the locale. */
static inline gboolean
is_digit (char c)
{
  return (guchar) (c - '0') < 10;
}

/* The 8 bytes at p as an integer, first byte lowest, at any alignment. */
static inline guint64
load8 (const char *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return GUINT64_FROM_LE (v);
}

/* How many of the 8 bytes in v (first byte lowest) lead as ASCII digits.
 * A byte is a digit when its high nibble is 3 both as is and after adding 6
 * (0x3a..0x3f overflow into 0x4_).  A carry out of a byte >= 0xfa only
 * disturbs the bytes after it, which no longer count. */
static inline int
leading_digits (guint64 v)
{
  const guint64 hi = G_GUINT64_CONSTANT (0xf0f0f0f0f0f0f0f0);
  const guint64 threes = G_GUINT64_CONSTANT (0x3030303030303030);
  guint64 not_digit = ((v & hi) ^ threes) | (((v + G_GUINT64_CONSTANT (0x0606060606060606)) & hi) ^ threes);

  return not_digit == 0 ? 8 : __builtin_ctzll (not_digit) / 8;
}

/* The value of the first n (1..8) ASCII digits in v, first byte lowest.
 * Moving them to the top bytes leaves zeros in front, so it is always an
 * eight-digit conversion: pairs, then quads, then the two quads, each
 * step one multiply-add across all lanes. */
static inline guint64
digits_value (guint64 v,
              int     n)
{
  const guint64 mask = G_GUINT64_CONSTANT (0x000000ff000000ff);

  v = (v - G_GUINT64_CONSTANT (0x3030303030303030)) << (8 * (8 - n));
  v = v * 10 + (v >> 8);
  v = ((v & mask) * (100 + (G_GUINT64_CONSTANT (1000000) << 32)) +
       ((v >> 16) & mask) * (1 + (G_GUINT64_CONSTANT (10000) << 32))) >> 32;
  return v;
}

/* 10^n as integers, for appending n digits. */
static const guint64 pow10_int[9] = {
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/* Appends up to max digits at *p to *mant and returns how many it took;
 * eight at a time while eight bytes remain before end. */
static inline int
take_digits (const char **pp,
             const char  *end,
             guint64     *mant,
             int          max)
{
  const char *p = *pp;
  int taken = 0;

  while (max - taken >= 8 && end - p >= 8)
    {
      guint64 v = load8 (p);
      int n = leading_digits (v);

      if (n == 0)
        break;
      *mant = *mant * pow10_int[n] + digits_value (v, n);
      p += n;
      taken += n;
      if (n < 8)
        {
          *pp = p;
          return taken;
        }
    }
  while (taken < max && p < end && is_digit (*p))
    {
      *mant = *mant * 10 + (guint64) (*p - '0');
      p++;
      taken++;
    }
  *pp = p;
  return taken;
}

/* Whether the len bytes at p spell word (lower-case ASCII letters) in any
 * case; never looks at or past end. */
static gboolean
match_word (const char *p,
            const char *end,
            const char *word,
            gsize       len)
{
  if ((gsize) (end - p) < len)
    return FALSE;
  /* OR-ing 0x20 folds case for letters and can map nothing else onto a
   * lower-case letter. */
  for (gsize i = 0; i < len; i++)
    if ((p[i] | 0x20) != word[i])
      return FALSE;
  return TRUE;
}

/* Parses "nan", "inf" or "infinity" at *p (after any sign). */
static gboolean
parse_special (const char **p,
               const char  *end,
               float       *out)
{
  if (match_word (*p, end, "nan", 3))
    {
      *out = NAN;
      *p += 3;
      return TRUE;
    }
  if (match_word (*p, end, "infinity", 8))
    {
      *out = INFINITY;
      *p += 8;
      return TRUE;
    }
  if (match_word (*p, end, "inf", 3))
    {
      *out = INFINITY;
      *p += 3;
      return TRUE;
    }
  return FALSE;
}

/* m * 10^e in double, in steps whose powers of ten are exact; e is in the
 * range left after the overflow/underflow cut-offs (about -66 .. 40). */
static double
scale_pow10 (double m,
             int    e)
{
  if (e >= 0)
    {
      while (e > 22)
        {
          m *= 1e22;
          e -= 22;
        }
      return m * pow10_exact[e];
    }
  while (e < -22)
    {
      m /= 1e22;
      e += 22;
    }
  return m / pow10_exact[-e];
}

/* The float nearest mant * 10^e, for mant < 2^53 and |e| <= 22. */
static inline float
exact_to_float (guint64 mant,
                int     e)
{
  double m = (double) (gint64) mant;
  double p10, value;
  guint64 bits;
  float f;

  /* Division is slow.  The rounded 10^-k times m is within 2 double ulps of
   * m / 10^k, which decides the float unless the double lies that close to
   * a halfway point between two floats.  The result is a normal float
   * (1e-22 .. 9e37), so the 29 low bits of the double's significand are
   * what float rounding drops, and 1 followed by 28 zeros is halfway. */
  value = e >= 0 ? m * pow10_exact[e] : m * pow10_inverse[-e];
  memcpy (&bits, &value, sizeof bits);
  if (G_LIKELY ((bits & 0x1fffffffu) - 0x0ffffff8u > 16))
    return (float) value;

  /* Near a tie: the correctly rounded double, and if it is exactly halfway
   * (where ties-to-even may pick the wrong float), the sign of the exact
   * rounding error of the product, or remainder of the quotient, tells
   * which side the true value is on. */
  p10 = pow10_exact[e >= 0 ? e : -e];
  value = e >= 0 ? m * p10 : m / p10;
  f = (float) value;
  memcpy (&bits, &value, sizeof bits);
  if ((bits & 0x1fffffffu) == 0x10000000u)
    {
      double r = e >= 0 ? fma (m, p10, -value) : fma (-value, p10, m);

      if (r > 0 && (double) f < value)
        f = nextafterf (f, INFINITY);
      else if (r < 0 && (double) f > value)
        f = nextafterf (f, 0.0f);
    }
  return f;
}

/* The general case of emb_parse_float (): any number of digits, exponents,
 * nan and inf, and numbers within a few bytes of end. */
static gboolean
parse_general (const char **pp,
               const char  *end,
               float       *out)
{
  const char *p = *pp;
  gboolean negative = FALSE;
  gboolean seen_digit = FALSE;
  guint64 mant = 0;
  int n_sig = 0;
  int exp10 = 0;
  float f;

  /* Signs are random in embeddings: no branch to mispredict. */
  if (p < end)
    {
      negative = *p == '-';
      p += negative | (*p == '+');
    }

  /* Leading zeros are not significant digits. */
  while (p < end && *p == '0')
    {
      seen_digit = TRUE;
      p++;
    }
  n_sig = take_digits (&p, end, &mant, MAX_SIG_DIGITS);
  /* Integer digits past what a guint64 holds only scale the value. */
  while (p < end && is_digit (*p))
    {
      if (exp10 < EXP_CLAMP)
        exp10++;
      p++;
    }
  seen_digit |= n_sig > 0;

  if (p < end && *p == '.')
    {
      const char *dot = p++;
      int n;

      if (n_sig == 0)
        while (p < end && *p == '0')
          {
            if (exp10 > -EXP_CLAMP)
              exp10--;
            seen_digit = TRUE;
            p++;
          }
      n = take_digits (&p, end, &mant, MAX_SIG_DIGITS - n_sig);
      n_sig += n;
      exp10 -= n;
      seen_digit |= n > 0;
      while (p < end && is_digit (*p))
        {
          seen_digit = TRUE;
          p++;
        }
      /* A lone "." is not a number. */
      if (!seen_digit)
        p = dot;
    }

  if (!seen_digit)
    {
      if (!parse_special (&p, end, &f))
        return FALSE;
      *out = negative ? -f : f;
      *pp = p;
      return TRUE;
    }

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      const char *q = p + 1;
      gboolean exp_negative = FALSE;
      int e = 0;

      if (q < end && (*q == '-' || *q == '+'))
        {
          exp_negative = *q == '-';
          q++;
        }
      if (q < end && is_digit (*q))
        {
          while (q < end && is_digit (*q))
            {
              if (e < EXP_CLAMP)
                e = e * 10 + (*q - '0');
              q++;
            }
          exp10 += exp_negative ? -e : e;
          p = q;
        }
    }

  if (mant == 0)
    f = 0.0f;
  else if (mant < (G_GUINT64_CONSTANT (1) << 53) && exp10 >= -22 && exp10 <= 22)
    f = exact_to_float (mant, exp10);
  else
    {
      /* The decimal exponent of the leading digit decides overflow
       * (FLT_MAX ~ 3.4e38) and underflow (half the smallest denormal
       * ~ 7e-46) before any arithmetic. */
      int lead = exp10 + n_sig - 1;

      if (lead > 39)
        f = INFINITY;
      else if (lead < -47)
        f = 0.0f;
      else
        f = (float) scale_pow10 ((double) mant, exp10);
    }

  *out = negative ? -f : f;
  *pp = p;
  return TRUE;
}

/* public API */

/* Parses [+-]digits[.digits][(e|E)[+-]digits], ".5", "5." and nan/inf/infinity
 * in any case at *p, never reading at or past end.  On success stores the
 * float nearest the decimal value (inf past the float range) and moves *p
 * past the number; an exponent marker without digits is left unread.
 *
 * Most numbers in embedding files have at most 7 integer digits, 15 in all
 * and no exponent: with 32 bytes to spare before end they are read 8 bytes
 * at a time, with no bounds check per byte. */
gboolean
emb_parse_float (const char **pp,
                 const char  *end,
                 float       *out)
{
  const char *p = *pp;
  guint64 mant = 0;
  gboolean negative;
  int n_int, n_frac = 0;
  float f;

  if (G_UNLIKELY (end - p < 32))
    return parse_general (pp, end, out);

  /* Signs are random in embeddings: no branch to mispredict. */
  negative = *p == '-';
  p += negative | (*p == '+');

  n_int = leading_digits (load8 (p));
  if (G_UNLIKELY (n_int == 8))
    return parse_general (pp, end, out);
  if (n_int > 0)
    mant = digits_value (load8 (p), n_int);
  p += n_int;

  if (*p == '.')
    {
      p++;
      for (;;)
        {
          guint64 v = load8 (p);
          int n = leading_digits (v);

          if (n > 0)
            mant = mant * pow10_int[n] + digits_value (v, n);
          p += n;
          n_frac += n;
          if (n < 8)
            break;
          /* Eight more digits must keep it below 10^15, an exact double,
           * and stay within the 32 bytes known to be there. */
          if (mant >= 10000000 || n_frac >= 16)
            return parse_general (pp, end, out);
        }
    }

  if (G_UNLIKELY (n_int + n_frac == 0 || *p == 'e' || *p == 'E'))
    return parse_general (pp, end, out);

  f = mant == 0 ? 0.0f : exact_to_float (mant, -n_frac);
  *out = negative ? -f : f;
  *pp = p;
  return TRUE;
}

/* JSON nesting and size.
 *
 * json-glib parses recursively, several stack frames per level of arrays
 * and objects, and has no limit of its own: a file of a million '[' runs
 * off the end of the stack.  So a reader checks the nesting of untrusted
 * JSON before handing it over.  Brackets inside double-quoted strings do
 * not count (tokens such as "[" are common).  json-glib also takes
 * comments and single-quoted strings, which this scan does not follow:
 * after a ', / or # outside a string, it counts every opening bracket and
 * no closing one, so it may refuse such a file but never under-counts.
 *
 * The same scan counts what json-glib makes a node or a member of (',',
 * ':', '[' and '{' outside strings), for emb_json_memory_check. */
static gboolean
json_scan (const guint8 *data,
           gsize         size,
           guint         max_depth,
           gsize        *offset,
           gsize        *n_marks)
{
  gboolean exact = TRUE;
  guint depth = 0;
  gsize marks = 0;

  for (gsize i = 0; i < size; i++)
    {
      guint8 c = data[i];

      if (exact && c == '"')
        {
          /* To the closing quote, over escaped characters. */
          for (i++; i < size && data[i] != '"'; i++)
            if (data[i] == '\\')
              i++;
          continue;
        }
      if (c == ',' || c == ':')
        marks++;
      else if (c == '\'' || c == '/' || c == '#')
        exact = FALSE;
      else if (c == '[' || c == '{')
        {
          marks++;
          if (++depth > max_depth)
            {
              if (offset != NULL)
                *offset = i;
              return FALSE;
            }
        }
      else if ((c == ']' || c == '}') && exact && depth > 0)
        depth--;
    }
  if (n_marks != NULL)
    *n_marks = marks;
  return TRUE;
}

gboolean
emb_json_depth_ok (const guint8 *data,
                   gsize         size,
                   guint         max_depth,
                   gsize        *offset)
{
  return json_scan (data, size, max_depth, offset, NULL);
}

/* json-glib allocates with g_malloc, which aborts when memory runs out,
 * so the memory a tree will take is checked before parsing.  Measured
 * (peak RSS over the mapped file, json-glib 1.6): 145 MB for a 21 MB
 * tokenizer.json (500k BPE tokens and 500k merges), 330-400 MB for 10-30
 * MB files of nothing but numbers, strings or one-letter members: at most
 * about 100 bytes per value or member.  128 bytes per ',', ':', '[' or
 * '{' (one or two for each) plus the text itself is above all of them. */
#define JSON_BYTES_PER_MARK 128

gboolean
emb_json_memory_check (const char    *name,
                       const guint8  *data,
                       gsize          size,
                       GError       **error)
{
  g_autofree char *text = g_format_size_full (size, G_FORMAT_SIZE_IEC_UNITS);
  g_autofree char *what = g_strdup_printf ("%s: parsing its %s of JSON", name, text);
  gsize marks = 0;
  guint64 need;

  json_scan (data, size, G_MAXUINT, NULL, &marks);
  need = (guint64) size + (guint64) marks * JSON_BYTES_PER_MARK;
  return emb_memory_check (need, what, error);
}

void
emb_set_json_error (GError       **error,
                    const char    *name,
                    const char    *what,
                    const GError  *json_error)
{
  /* json-glib quotes the offending token as the file has it, bytes that
   * are not UTF-8 included; a message must be text. */
  g_autofree char *valid = json_error != NULL ? g_utf8_make_valid (json_error->message, -1) : NULL;
  const char *msg = valid != NULL ? valid : "too large";
  guint line, column;
  int skip = 0;

  if (sscanf (msg, "<data>:%u:%u: Parse error: %n", &line, &column, &skip) == 2 && skip > 0)
    emb_set_error_line (error, EMB_ERROR_PARSE, name, line, "column %u: %s: %s",
                        column, what, msg + skip);
  else
    emb_set_error_file (error, EMB_ERROR_PARSE, name, "%s: %s", what, msg);
}

char *
emb_parse_preview (const char *s,
                   gsize       len)
{
  g_autofree char *valid = NULL;
  gsize n = len;

  if (n > EMB_PREVIEW_BYTES)
    {
      /* Cut between characters, not inside a UTF-8 sequence. */
      n = EMB_PREVIEW_BYTES;
      while (n > EMB_PREVIEW_BYTES - 4 && ((guchar) s[n] & 0xc0) == 0x80)
        n--;
    }
  valid = g_utf8_make_valid (s, n);
  if (n < len)
    return g_strconcat (valid, "…", NULL);
  return g_steal_pointer (&valid);
}

gboolean
emb_path_is_inside (const char *path)
{
  g_auto(GStrv) parts = NULL;

  if (*path == '\0' || g_path_is_absolute (path) || strchr (path, '\\') != NULL ||
      strstr (path, "://") != NULL)
    return FALSE;
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return FALSE;
  return TRUE;
}
