/* emb-blas-core.c: OpenBLAS on the kernels the processor has.
 *
 * OpenBLAS picks its kernels when it is loaded, from the processor's model
 * number.  A model it does not know (a newer processor, or a virtual
 * machine that names its processor "Intel Xeon Processor") gets the
 * generic Prescott kernels: SSE3, a third of the speed of the AVX2 ones
 * and a sixth of the AVX-512 ones, measured on sgemm here.  The choice can
 * only be made at load time, through OPENBLAS_CORETYPE, so when OpenBLAS
 * chose the generic kernels on a processor with AVX2 or AVX-512 (as the
 * processor and the system report them), the program runs itself again
 * with the kernels named.  OPENBLAS_CORETYPE set by the user is kept.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <cblas.h>
#include <glib.h>

#include "emb-blas-core.h"

/* The kernels for what this processor can run, or NULL. */
static const char *
best_core (void)
{
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw") &&
      __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return "Haswell";
#endif
  return NULL;
}

void
emb_blas_core_ensure (char **argv)
{
  const char *have = openblas_get_corename ();
  const char *want;

  if (g_getenv ("OPENBLAS_CORETYPE") != NULL || have == NULL)
    return;
  /* Only the generic fallbacks: a core OpenBLAS recognised is its own. */
  if (g_ascii_strcasecmp (have, "prescott") != 0 && g_ascii_strcasecmp (have, "core2") != 0 &&
      g_ascii_strcasecmp (have, "nehalem") != 0)
    return;
  want = best_core ();
  if (want == NULL)
    return;
  g_setenv ("OPENBLAS_CORETYPE", want, TRUE);
  execv ("/proc/self/exe", argv);
  /* Could not run again (no /proc): go on with the generic kernels. */
  g_unsetenv ("OPENBLAS_CORETYPE");
}
