/* emb-finite.h: the one scan for nan and inf values. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Is any of count floats nan or inf?  Fast for the usual answer, no: one
 * vectorised OR over the exponents; only on a hit is the first such
 * position searched for and stored in where. */
gboolean emb_find_non_finite (const float *data,
                              gsize        count,
                              gsize       *where);

G_END_DECLS
