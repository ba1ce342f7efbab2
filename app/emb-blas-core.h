/* emb-blas-core.h: OpenBLAS on the processor's own kernels. */
#pragma once

/* When OpenBLAS fell back to its generic kernels on a processor that has
 * AVX2 or AVX-512, runs the program again (same argv) with
 * OPENBLAS_CORETYPE naming them; returns when nothing is to be done or the
 * new run could not start.  Call first thing in main. */
void emb_blas_core_ensure (char **argv);
