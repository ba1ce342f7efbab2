/* fuzz-numerics.h: the numerics harness, run by fuzz-reader.c's targets
 * and replay like the readers' harnesses. */
#pragma once

#include <glib.h>

/* Decodes data into a small matrix and runs PCA, kNN, k-means and the
 * renderer on it; aborts on a finding. */
void fuzz_numerics_run (const guint8 *data,
                        gsize         size);
