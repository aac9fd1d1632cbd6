#ifndef VIDI_CKERNELS_H
#define VIDI_CKERNELS_H

// Kernels that need instructions Swift cannot name (bfloat16 dot products, SHA-256 rounds).
// Each is compiled for its instruction set by a function attribute, so this target builds for
// any CPU; callers ask `vidi_bf16_supported` or `vidi_sha256_accelerated` before using one.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The activation a kernel applies before its store (values match NumericCore's order).
typedef enum {
  VIDI_ACTIVATION_IDENTITY = 0,
  VIDI_ACTIVATION_RELU = 1,
  VIDI_ACTIVATION_RELU6 = 2,
} VidiActivation;

/// Where a kernel writes output pixels: pixel p (counted from the layout's start) is at
/// `base + (p / row_length) * row_stride + (p % row_length) * channels`.
typedef struct {
  float *base;
  ptrdiff_t channels;
  ptrdiff_t row_length;
  ptrdiff_t row_stride;
} VidiPixelLayout;

/// True when this build has the bfloat16 kernels and this CPU (and OS) runs AVX512-BF16.
bool vidi_bf16_supported(void);

/// Rounds float32 to bfloat16, round-to-nearest-even (NaN stays NaN), as the kernels do.
uint16_t vidi_bf16_from_float(float value);

/// Floats one bfloat16 pointwise panel set occupies: `ceil(outputs / 32)` panels of
/// `ceil(depth / 2)` pairs × 32 lanes × 2 bfloat16 (one float's room per pair).
size_t vidi_pointwise_bf16_panel_floats(ptrdiff_t depth, ptrdiff_t outputs);

/// Repacks float32 panels (`[panel][k][32 lanes]`, as PointwiseConvolution stores them) into
/// bfloat16 pair panels (`[panel][k / 2][32 lanes][k % 2]`, an odd depth padded with zero).
void vidi_pointwise_bf16_pack(
    const float *panels, ptrdiff_t depth, ptrdiff_t outputs, uint16_t *packed);

/// `output[p] = activation(bias + input[p] · W (+ residual[p]))` for `pixels` pixels with
/// bfloat16 products and float32 sums. `input` is `pixels × depth` float32 (rounded to
/// bfloat16 on the way in); `residual`, if not NULL, `pixels × residual_stride` float32.
/// Output pixel p goes to layout pixel `first_pixel + p`. Only call when
/// `vidi_bf16_supported()`.
void vidi_pointwise_bf16(
    const float *input, ptrdiff_t pixels, ptrdiff_t depth, const uint16_t *packed,
    ptrdiff_t outputs, const float *bias, const float *residual, ptrdiff_t residual_stride,
    VidiPixelLayout output, ptrdiff_t first_pixel, VidiActivation activation);

/// `vidi_pointwise_bf16` on input already rounded: `pixels × depth` bfloat16 (`depth` even,
/// no padding), as a layer that writes bfloat16 produces it. Only call when
/// `vidi_bf16_supported()`.
void vidi_pointwise_bf16_rounded(
    const uint16_t *input, ptrdiff_t pixels, ptrdiff_t depth, const uint16_t *packed,
    ptrdiff_t outputs, const float *bias, const float *residual, ptrdiff_t residual_stride,
    VidiPixelLayout output, ptrdiff_t first_pixel, VidiActivation activation);

/// A depthwise `kernel_size` × `kernel_size` convolution of `rows` output rows of `width`
/// pixels, the activation applied, written as compact bfloat16 pixels (`output + (y * width +
/// x) * channels`): exactly NumericCore's float32 depthwise kernel, rounded. Input pixel (y, x)
/// is at `input + y * row_stride + x * channels` (zero border included); output (y, x) reads
/// the window whose corner is input (y · stride, x · stride). `taps` is `[tap][tap_stride]`
/// and `bias` holds `tap_stride` values, both zero past `channels`. Only call when
/// `vidi_bf16_supported()`.
void vidi_depthwise_bf16(
    const float *input, ptrdiff_t row_stride, ptrdiff_t rows, ptrdiff_t width,
    ptrdiff_t channels, ptrdiff_t kernel_size, ptrdiff_t stride, const float *taps,
    ptrdiff_t tap_stride, const float *bias, VidiActivation activation, uint16_t *output);

/// True when this build has the SHA-256 kernel and this CPU has the x86 SHA extensions.
bool vidi_sha256_accelerated(void);

/// Runs SHA-256's compression function over `blocks` 64-byte blocks, updating the eight state
/// words (A to H, as FIPS 180-4 numbers them); `round_constants` is the standard's table K,
/// passed in so that the portable code's copy is the only one. Only call when
/// `vidi_sha256_accelerated()`.
void vidi_sha256_blocks(
    uint32_t state[8], const uint8_t *data, size_t blocks, const uint32_t round_constants[64]);

#ifdef __cplusplus
}
#endif

#endif
