// The depthwise k×k convolution that hands bfloat16 to a bfloat16 projection: float32
// multiply-adds, the activation, then each 16-channel vector rounded (`vcvtneps2bf16`, nearest
// even) and stored as 16 bfloat16, so no float32 output is written and read back.
//
// The arithmetic is NumericCore's float32 depthwise kernel step for step, so the rounded
// outputs equal that kernel's outputs rounded: per 16 channels, accumulators start at the
// bias and take one fused multiply-add per tap, rows of the window outer, columns inner; a
// block of neighbouring outputs shares each weight load (a last block overlaps the one before
// instead of leaving a tail, which recomputes equal values); channels past the last whole 16
// are summed one at a time with separate multiplies and adds, as that kernel's scalar tail
// does. Blocks are four outputs, or seven for a 5 × 5 window at stride 1 on rows whose width
// is a multiple of seven (all of them at 224 px): 16 loads per 35 multiply-adds instead of 13
// per 20, and no overlap (measured 1.2–1.3× on those rows).
//
// Layouts: input pixel (y, x) of the zero-bordered input at `input + y * row_stride + x *
// channels`; taps `[tap][tap_stride]` (tap = ky * k + kx) and bias padded to a multiple of 16
// with zeros; output pixel (y, x) at `output + (y * width + x) * channels`.

#include "CKernels.h"

#if defined(__x86_64__) && defined(__clang__)

#include <immintrin.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/// The activation as NumericCore applies it (compare and select: -0 stays -0), then rounding.
static inline BF16_TARGET __attribute__((always_inline)) __m256i finish(
    __m512 value, VidiActivation activation) {
  __m512 zero = _mm512_setzero_ps();
  __m512 six = _mm512_set1_ps(6.0f);
  __mmask16 negative = _mm512_cmp_ps_mask(value, zero, _CMP_LT_OQ);
  __mmask16 above = _mm512_cmp_ps_mask(value, six, _CMP_GT_OQ);
  if (activation != VIDI_ACTIVATION_IDENTITY) value = _mm512_mask_blend_ps(negative, value, zero);
  if (activation == VIDI_ACTIVATION_RELU6) value = _mm512_mask_blend_ps(above, value, six);
  return (__m256i)_mm512_cvtneps_pbh(value);
}

/// `N` neighbouring outputs (at most 8) of the 16 channels from `channel`, for a `K` × `K`
/// window moving `S` pixels per output.
static inline BF16_TARGET __attribute__((always_inline)) void outputs(
    const int K, const int S, const int N, const float *input, ptrdiff_t row_stride,
    ptrdiff_t channels, const float *taps, ptrdiff_t tap_stride, const float *bias,
    VidiActivation activation, ptrdiff_t x, ptrdiff_t channel, uint16_t *row) {
  __m512 acc[8];
  for (int i = 0; i < N; i++) acc[i] = _mm512_loadu_ps(bias + channel);
  const float *corner = input + x * S * channels + channel;
  for (int ky = 0; ky < K; ky++) {
    const float *line = corner + ky * row_stride;
    for (int kx = 0; kx < K; kx++) {
      __m512 weight = _mm512_loadu_ps(taps + (ky * K + kx) * tap_stride + channel);
      for (int i = 0; i < N; i++) {
        acc[i] = _mm512_fmadd_ps(_mm512_loadu_ps(line + (i * S + kx) * channels), weight, acc[i]);
      }
    }
  }
  for (int i = 0; i < N; i++) {
    _mm256_storeu_si256((__m256i *)(row + (x + i) * channels + channel),
                        finish(acc[i], activation));
  }
}

/// One output row's channels up to the last whole 16, in blocks of `N` outputs (one at a time
/// on rows narrower than a block).
static inline BF16_TARGET __attribute__((always_inline)) void row_vectors(
    const int K, const int S, const int N, const float *input, ptrdiff_t row_stride,
    ptrdiff_t width, ptrdiff_t channels, const float *taps, ptrdiff_t tap_stride,
    const float *bias, VidiActivation activation, uint16_t *row) {
  for (ptrdiff_t channel = 0; channel + 16 <= channels; channel += 16) {
    if (width < N) {
      for (ptrdiff_t x = 0; x < width; x++) {
        outputs(K, S, 1, input, row_stride, channels, taps, tap_stride, bias, activation, x,
                channel, row);
      }
      continue;
    }
    for (ptrdiff_t x = 0; x < width;) {
      ptrdiff_t first = x < width - N ? x : width - N;
      outputs(K, S, N, input, row_stride, channels, taps, tap_stride, bias, activation, first,
              channel, row);
      x = first + N;
    }
  }
}

typedef void (*RowKernel)(
    const float *input, ptrdiff_t row_stride, ptrdiff_t width, ptrdiff_t channels,
    const float *taps, ptrdiff_t tap_stride, const float *bias, VidiActivation activation,
    uint16_t *row);

/// Constant window sizes let the compiler unroll the tap loops and keep the accumulators in
/// registers.
#define ROW_KERNEL(NAME, K, S, N)                                                               \
  static BF16_TARGET __attribute__((noinline)) void NAME(                                     \
      const float *input, ptrdiff_t row_stride, ptrdiff_t width, ptrdiff_t channels,           \
      const float *taps, ptrdiff_t tap_stride, const float *bias, VidiActivation activation,   \
      uint16_t *row) {                                                                         \
    row_vectors(K, S, N, input, row_stride, width, channels, taps, tap_stride, bias,          \
                activation, row);                                                              \
  }

ROW_KERNEL(row_3x3_stride1, 3, 1, 4)
ROW_KERNEL(row_3x3_stride2, 3, 2, 4)
ROW_KERNEL(row_5x5_stride1, 5, 1, 4)
ROW_KERNEL(row_5x5_stride1_by7, 5, 1, 7)
ROW_KERNEL(row_5x5_stride2, 5, 2, 4)

/// Any other window: the same code with the window's size known only at run time.
static BF16_TARGET void row_any(
    ptrdiff_t kernel_size, ptrdiff_t stride, const float *input, ptrdiff_t row_stride,
    ptrdiff_t width, ptrdiff_t channels, const float *taps, ptrdiff_t tap_stride,
    const float *bias, VidiActivation activation, uint16_t *row) {
  row_vectors((int)kernel_size, (int)stride, 4, input, row_stride, width, channels, taps,
              tap_stride, bias, activation, row);
}

/// Channels from `first` on (fewer than 16), one at a time with unfused multiply-adds.
#pragma clang fp contract(off)
static void row_tail(
    ptrdiff_t first, ptrdiff_t kernel_size, ptrdiff_t stride, const float *input,
    ptrdiff_t row_stride, ptrdiff_t width, ptrdiff_t channels, const float *taps,
    ptrdiff_t tap_stride, const float *bias, VidiActivation activation, uint16_t *row) {
  for (ptrdiff_t channel = first; channel < channels; channel++) {
    for (ptrdiff_t x = 0; x < width; x++) {
      float sum = bias[channel];
      for (ptrdiff_t ky = 0; ky < kernel_size; ky++) {
        for (ptrdiff_t kx = 0; kx < kernel_size; kx++) {
          float product = input[ky * row_stride + x * stride * channels + kx * channels + channel] *
                          taps[(ky * kernel_size + kx) * tap_stride + channel];
          sum = sum + product;
        }
      }
      if (activation != VIDI_ACTIVATION_IDENTITY && sum < 0) sum = 0;
      if (activation == VIDI_ACTIVATION_RELU6 && sum > 6) sum = 6;
      row[x * channels + channel] = vidi_bf16_from_float(sum);
    }
  }
}
#pragma clang fp contract(on)

BF16_TARGET void vidi_depthwise_bf16(
    const float *input, ptrdiff_t row_stride, ptrdiff_t rows, ptrdiff_t width,
    ptrdiff_t channels, ptrdiff_t kernel_size, ptrdiff_t stride, const float *taps,
    ptrdiff_t tap_stride, const float *bias, VidiActivation activation, uint16_t *output) {
  RowKernel kernel = 0;
  if (kernel_size == 3 && stride == 1) kernel = row_3x3_stride1;
  if (kernel_size == 3 && stride == 2) kernel = row_3x3_stride2;
  if (kernel_size == 5 && stride == 1) {
    kernel = width % 7 == 0 ? row_5x5_stride1_by7 : row_5x5_stride1;
  }
  if (kernel_size == 5 && stride == 2) kernel = row_5x5_stride2;
  for (ptrdiff_t y = 0; y < rows; y++) {
    const float *source = input + y * stride * row_stride;
    uint16_t *row = output + y * width * channels;
    if (kernel) {
      kernel(source, row_stride, width, channels, taps, tap_stride, bias, activation, row);
    } else {
      row_any(kernel_size, stride, source, row_stride, width, channels, taps, tap_stride, bias,
              activation, row);
    }
    row_tail(channels / 16 * 16, kernel_size, stride, source, row_stride, width, channels, taps,
             tap_stride, bias, activation, row);
  }
}

#else

void vidi_depthwise_bf16(
    const float *input, ptrdiff_t row_stride, ptrdiff_t rows, ptrdiff_t width,
    ptrdiff_t channels, ptrdiff_t kernel_size, ptrdiff_t stride, const float *taps,
    ptrdiff_t tap_stride, const float *bias, VidiActivation activation, uint16_t *output) {
  (void)input, (void)row_stride, (void)rows, (void)width, (void)channels, (void)kernel_size;
  (void)stride, (void)taps, (void)tap_stride, (void)bias, (void)activation, (void)output;
  __builtin_trap();
}

#endif
