#ifndef VIDI_COPENBLAS_SHIM_H
#define VIDI_COPENBLAS_SHIM_H

#include <cblas.h>

/// OpenBLAS's pthread build exports this (its fork handler stops the worker threads with it); the
/// serial and OpenMP builds may not, hence the weak reference. The next threaded product starts
/// the workers again.
int blas_thread_shutdown_(void) __attribute__((weak));

static inline void vidi_openblas_stop_workers(void) {
  if (blas_thread_shutdown_) blas_thread_shutdown_();
}

#endif
