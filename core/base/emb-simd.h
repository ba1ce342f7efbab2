/* emb-simd.h: what the hot loops are written with.
 *
 * The loops use GCC vector types; on x86-64 a function marked
 * EMB_SIMD_CLONES is also built for x86-64-v3 (AVX2 + FMA) and the right
 * copy is picked at load time, since the project builds for the baseline
 * ISA.
 */
#pragma once

#include <glib.h>

/* Clang before 16 names an external function with clones differently in
 * its callers and its definition, so a call from another file does not
 * link (seen with Debian's clang 14 in the fuzzing build): no clones there. */
#if defined(__x86_64__) && defined(__ELF__) && \
    ((defined(__clang__) && __clang_major__ >= 16) || (!defined(__clang__) && __GNUC__ >= 12))
# define EMB_SIMD_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
# define EMB_SIMD_CLONES
#endif

typedef float  v4sf __attribute__ ((vector_size (16)));
typedef float  v8sf __attribute__ ((vector_size (32)));
typedef gint32 v8si __attribute__ ((vector_size (32)));
typedef double v4df __attribute__ ((vector_size (32)));

/* Vector loads from any float address. */
typedef float v8sf_u __attribute__ ((vector_size (32), aligned (4), may_alias));
typedef float v4sf_u __attribute__ ((vector_size (16), aligned (4), may_alias));

#define EMB_LOAD8(p) (*(const v8sf_u *) (p))
#define EMB_LOAD4(p) (*(const v4sf_u *) (p))
