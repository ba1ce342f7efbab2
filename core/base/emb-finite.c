/* emb-finite.c: finding nan and inf among floats. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-finite.h"

/* An all-ones exponent (nan or inf) is the only one that carries into the
 * sign bit when 1 is added to the exponent field, so OR-ing that sum over
 * the run answers in a loop the compiler turns into a few SIMD
 * instructions per 16 bytes. */
gboolean
emb_find_non_finite (const float *data,
                     gsize        count,
                     gsize       *where)
{
  guint32 acc = 0;

  for (gsize k = 0; k < count; k++)
    {
      guint32 u;
      memcpy (&u, data + k, 4);
      acc |= (u & 0x7f800000u) + 0x00800000u;
    }
  if ((acc & 0x80000000u) == 0)
    return FALSE;
  for (gsize k = 0; k < count; k++)
    if (!isfinite (data[k]))
      {
        *where = k;
        return TRUE;
      }
  return FALSE;
}
