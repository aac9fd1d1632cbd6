#ifndef VIDI_COPENBLAS_SHIM_H
#define VIDI_COPENBLAS_SHIM_H

#include <cblas.h>

#endif
