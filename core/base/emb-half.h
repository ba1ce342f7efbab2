/* emb-half.h: 16-bit floats to float32: IEEE 754 binary16 and bfloat16.
 *
 * Inline and branch-free, so that a loop converting a whole tensor
 * vectorises.
 */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* IEEE 754 binary16 to binary32.  Shifted left by 13, a half's exponent
 * and mantissa land in a float's fields with the exponent still biased by
 * 15 instead of 127, so the float is the value times 2^-112: multiplying
 * by 2^112 is exact for normal numbers and subnormals alike.  Exponent 31
 * (inf, nan) must become 255 instead: it is set with a mask, the nan
 * payload kept.  Selects, not branches. */
static inline float
emb_half_to_float (guint16 h)
{
  guint32 magnitude = (guint32) (h & 0x7fff) << 13;
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 special = -(guint32) (magnitude >= (0x1fu << 23));
  guint32 bits;
  float f;

  memcpy (&f, &magnitude, sizeof f);
  f *= 0x1p112f;
  memcpy (&bits, &f, sizeof bits);
  bits = (bits & ~special) | ((magnitude | 0x7f800000u) & special) | sign;
  memcpy (&f, &bits, sizeof f);
  return f;
}

/* bfloat16 is the top half of a float32. */
static inline float
emb_bf16_to_float (guint16 h)
{
  guint32 bits = (guint32) h << 16;
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

G_END_DECLS
