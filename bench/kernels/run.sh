#!/usr/bin/env bash
# Vidi's bfloat16 kernels alone on EfficientNet-Lite0's layer shapes: useful multiply-adds per
# second per layer, beside this core's measured peak (512-bit FMA and vdpbf16ps chains). Needs
# clang and a CPU with AVX512-BF16. Run it on an otherwise idle machine.
#
#   bench/kernels/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
clang -O2 -march=native -ISources/CKernels/include -o "$build/kernels" bench/kernels/kernels.c \
  Sources/CKernels/PointwiseBF16.c Sources/CKernels/DepthwiseBF16.c
"$build/kernels"
