// The bfloat16 1×1 convolution: AVX512-BF16 `vdpbf16ps` multiplies pairs of bfloat16 and adds
// both products into float32 lanes, twice the multiply-adds per instruction of float32 FMA.
//
// Weights are packed once as pairs along the input channels: for each panel of 32 output
// channels, row j holds (w[2j][o], w[2j+1][o]) for o in the panel, two 16-lane vectors. Inputs
// are rounded to bfloat16 per chunk of pixels into a stack buffer (a chunk is reused by every
// panel), so each pair of a pixel is one 32-bit broadcast. A tile of 8 pixels × 32 output
// channels (16 × 16 for a panel of at most 16) lives in 16 accumulators that start at the bias;
// residual and activation are applied before the single store, as in the float32 kernel.

#include "CKernels.h"

#include <stdlib.h>
#include <string.h>

enum { PANEL_WIDTH = 32, TILE_ROWS = 8 };

uint16_t vidi_bf16_from_float(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40u);
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t)((bits + rounding) >> 16);
}

size_t vidi_pointwise_bf16_panel_floats(ptrdiff_t depth, ptrdiff_t outputs) {
  size_t panels = (size_t)(outputs + PANEL_WIDTH - 1) / PANEL_WIDTH;
  size_t pairs = (size_t)(depth + 1) / 2;
  return panels * pairs * PANEL_WIDTH;
}

void vidi_pointwise_bf16_pack(
    const float *panels, ptrdiff_t depth, ptrdiff_t outputs, uint16_t *packed) {
  ptrdiff_t panelCount = (outputs + PANEL_WIDTH - 1) / PANEL_WIDTH;
  ptrdiff_t pairs = (depth + 1) / 2;
  for (ptrdiff_t panel = 0; panel < panelCount; panel++) {
    const float *source = panels + panel * depth * PANEL_WIDTH;
    uint16_t *target = packed + panel * pairs * PANEL_WIDTH * 2;
    for (ptrdiff_t k = 0; k < pairs * 2; k++) {
      for (ptrdiff_t lane = 0; lane < PANEL_WIDTH; lane++) {
        float value = k < depth ? source[k * PANEL_WIDTH + lane] : 0.0f;
        target[((k / 2) * PANEL_WIDTH + lane) * 2 + k % 2] = vidi_bf16_from_float(value);
      }
    }
  }
}

#if defined(__x86_64__) && defined(__clang__)

#include <immintrin.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

bool vidi_bf16_supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl");
}

/// Rounds `count` floats to bfloat16 (`vcvtne2ps2bf16`: nearest even, subnormals to zero).
static BF16_TARGET void bf16_round(const float *input, ptrdiff_t count, uint16_t *output) {
  ptrdiff_t i = 0;
  for (; i + 32 <= count; i += 32) {
    __m512 lo = _mm512_loadu_ps(input + i);
    __m512 hi = _mm512_loadu_ps(input + i + 16);
    _mm512_storeu_si512(output + i, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
  }
  ptrdiff_t left = count - i;
  if (left == 0) return;
  __mmask16 low = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
  __mmask16 high = left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;
  __m512 lo = _mm512_maskz_loadu_ps(low, input + i);
  __m512 hi = _mm512_maskz_loadu_ps(high, input + i + 16);
  _mm512_mask_storeu_epi16(
      output + i, (__mmask32)((1ull << left) - 1), (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

/// Rounds `rows` rows of `depth` floats (row stride `depth`) to bfloat16 rows of `padded`
/// (even) values, the padding zero, and zeroes rows up to `whole_rows`.
static BF16_TARGET void round_rows(
    const float *input, ptrdiff_t rows, ptrdiff_t whole_rows, ptrdiff_t depth, ptrdiff_t padded,
    uint16_t *output) {
  memset(output + rows * padded, 0, (size_t)((whole_rows - rows) * padded) * sizeof *output);
  // An even depth needs no padding: input and output rows are both contiguous, so the chunk
  // is one run, with no per-row masks (the rows of a projection are only 6 to 72 vectors).
  if (depth == padded) {
    bf16_round(input, rows * depth, output);
    return;
  }
  for (ptrdiff_t row = 0; row < rows; row++) {
    const float *source = input + row * depth;
    uint16_t *target = output + row * padded;
    for (ptrdiff_t k = 0; k < padded; k += 32) {
      ptrdiff_t valid = depth - k;
      __mmask16 low = valid >= 16 ? 0xffff : (valid <= 0 ? 0 : (__mmask16)((1u << valid) - 1));
      ptrdiff_t high_valid = valid - 16;
      __mmask16 high = high_valid >= 16
                           ? 0xffff
                           : (high_valid <= 0 ? 0 : (__mmask16)((1u << high_valid) - 1));
      __m512 lo = _mm512_maskz_loadu_ps(low, source + k);
      __m512 hi = _mm512_maskz_loadu_ps(high, source + k + 16);
      __m512bh packed = _mm512_cvtne2ps_pbh(hi, lo);
      ptrdiff_t room = padded - k;
      __mmask32 store = room >= 32 ? 0xffffffffu : (__mmask32)((1ull << room) - 1);
      _mm512_mask_storeu_epi16(target + k, store, (__m512i)packed);
    }
  }
}

/// Residual add, activation and masked store of one accumulator of 16 output channels.
static inline BF16_TARGET __attribute__((always_inline)) __m512 finish(
    __m512 value, const float *residual, __mmask16 lanes, VidiActivation activation) {
  if (residual) value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(lanes, residual));
  if (activation != VIDI_ACTIVATION_IDENTITY) value = _mm512_max_ps(value, _mm512_setzero_ps());
  if (activation == VIDI_ACTIVATION_RELU6) value = _mm512_min_ps(value, _mm512_set1_ps(6.0f));
  return value;
}

/// One tile: `ROWS` pixels (rows past `rows` are zero padding and are not stored)
/// against `VECTORS` 16-lane vectors of one panel. Constant sizes, activation and residual
/// presence let the compiler keep the accumulators in registers and drop unused epilogue code.
static inline BF16_TARGET __attribute__((always_inline)) void tile(
    const int ROWS, const int VECTORS, const VidiActivation ACTIVATION, const bool RESIDUAL,
    const uint16_t *a, ptrdiff_t lda, ptrdiff_t rows, ptrdiff_t pairs, const uint16_t *b,
    const float *bias, const float *residual, ptrdiff_t residual_stride, float *const *targets,
    ptrdiff_t column_offset, __mmask16 last_lanes) {
  __m512 acc[16][2];
  for (int r = 0; r < ROWS; r++) {
    for (int v = 0; v < VECTORS; v++) acc[r][v] = _mm512_loadu_ps(bias + 16 * v);
  }
  // Pairs are 32 bits; rows `lda` bfloat16 apart (an even count), so `stride` pairs.
  const uint32_t *pair = (const uint32_t *)a;
  ptrdiff_t stride = lda / 2;
  for (ptrdiff_t p = 0; p < pairs; p++, pair++) {
    __m512bh w[2];
    for (int v = 0; v < VECTORS; v++) w[v] = (__m512bh)_mm512_load_si512(b + 32 * v);
    b += PANEL_WIDTH * 2;
    for (int r = 0; r < ROWS; r++) {
      __m512bh x = (__m512bh)_mm512_set1_epi32((int)pair[r * stride]);
      for (int v = 0; v < VECTORS; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], x, w[v]);
    }
  }
  for (int r = 0; r < ROWS; r++) {
    if (r >= rows) break;
    for (int v = 0; v < VECTORS; v++) {
      __mmask16 lanes = v == VECTORS - 1 ? last_lanes : 0xffff;
      const float *extra = RESIDUAL ? residual + r * residual_stride + 16 * v : 0;
      _mm512_mask_storeu_ps(targets[r] + column_offset + 16 * v, lanes,
                            finish(acc[r][v], extra, lanes, ACTIVATION));
    }
  }
}

typedef void (*TileKernel)(
    const uint16_t *a, ptrdiff_t lda, ptrdiff_t rows, ptrdiff_t pairs, const uint16_t *b,
    const float *bias, const float *residual, ptrdiff_t residual_stride, float *const *targets,
    ptrdiff_t column_offset, __mmask16 last_lanes);

#define TILE_KERNEL(NAME, ROWS, VECTORS, ACTIVATION, RESIDUAL)                                  \
  static BF16_TARGET __attribute__((noinline)) void NAME(                                     \
      const uint16_t *a, ptrdiff_t lda, ptrdiff_t rows, ptrdiff_t pairs, const uint16_t *b,    \
      const float *bias, const float *residual, ptrdiff_t residual_stride,                     \
      float *const *targets, ptrdiff_t column_offset, __mmask16 last_lanes) {                 \
    tile(ROWS, VECTORS, ACTIVATION, RESIDUAL, a, lda, rows, pairs, b, bias, residual,          \
         residual_stride, targets, column_offset, last_lanes);                                \
  }

/// Every shape with every epilogue: [shape][activation][residual]. Shapes: 8 × 32 (the main
/// one), 4 × 32 (row tails of at most 4), 16 × 16 (panels of at most 16 columns: as many
/// accumulators as 8 × 32), 8 × 16 (their row tails of at most 8).
#define TILE_SHAPE(NAME, ROWS, VECTORS)                                                         \
  TILE_KERNEL(NAME##_identity, ROWS, VECTORS, VIDI_ACTIVATION_IDENTITY, false)                 \
  TILE_KERNEL(NAME##_identity_residual, ROWS, VECTORS, VIDI_ACTIVATION_IDENTITY, true)         \
  TILE_KERNEL(NAME##_relu, ROWS, VECTORS, VIDI_ACTIVATION_RELU, false)                         \
  TILE_KERNEL(NAME##_relu_residual, ROWS, VECTORS, VIDI_ACTIVATION_RELU, true)                 \
  TILE_KERNEL(NAME##_relu6, ROWS, VECTORS, VIDI_ACTIVATION_RELU6, false)                       \
  TILE_KERNEL(NAME##_relu6_residual, ROWS, VECTORS, VIDI_ACTIVATION_RELU6, true)
#define TILE_ROW(NAME)                                                                          \
  {{NAME##_identity, NAME##_identity_residual},                                                 \
   {NAME##_relu, NAME##_relu_residual},                                                         \
   {NAME##_relu6, NAME##_relu6_residual}}

TILE_SHAPE(tile_8x32, 8, 2)
TILE_SHAPE(tile_4x32, 4, 2)
TILE_SHAPE(tile_16x16, 16, 1)
TILE_SHAPE(tile_8x16, 8, 1)

enum { SHAPE_8X32, SHAPE_4X32, SHAPE_16X16, SHAPE_8X16 };
static const TileKernel kernels[4][3][2] = {
    TILE_ROW(tile_8x32), TILE_ROW(tile_4x32), TILE_ROW(tile_16x16), TILE_ROW(tile_8x16)};

/// Pixels per chunk, whole 16-row tiles: the chunk's bfloat16 inputs (about 32 KiB) stay in
/// L1/L2 while every panel runs over them; at most 1024, so the chunk's output pointers stay
/// small.
static ptrdiff_t chunk_rows(ptrdiff_t padded) {
  ptrdiff_t rows = 16384 / (padded > 0 ? padded : 1) / (2 * TILE_ROWS) * (2 * TILE_ROWS);
  if (rows > 1024) rows = 1024;
  return rows > 2 * TILE_ROWS ? rows : 2 * TILE_ROWS;
}

/// Input elements above which the rounded chunk goes to the heap instead of the stack (64 KiB):
/// only depths beyond 2048, which the backbones do not have.
enum { STACK_ELEMENTS = 32768 };

/// A position in an output layout: row and column of the next pixel to write.
typedef struct {
  ptrdiff_t row;
  ptrdiff_t column;
} Cursor;

static Cursor cursor_at(VidiPixelLayout output, ptrdiff_t pixel) {
  if (output.row_length <= 0) return (Cursor){0, pixel};
  return (Cursor){pixel / output.row_length, pixel % output.row_length};
}

/// Points `targets[0 ..< count]` at the output pixels from `cursor` on, and advances it (no
/// division per pixel).
static void point_targets(
    VidiPixelLayout output, ptrdiff_t count, Cursor *cursor, float **targets) {
  for (ptrdiff_t p = 0; p < count; p++) {
    targets[p] =
        output.base + cursor->row * output.row_stride + cursor->column * output.channels;
    if (++cursor->column == output.row_length) {
      cursor->column = 0;
      cursor->row++;
    }
  }
}

/// Runs every panel over `count` bfloat16 input rows `padded` apart. Tiles always read whole
/// tiles of rows: those starting before `tail_start` read `rows`, the rest read `tail` (the
/// rows from `tail_start` on, zero-padded to a whole 16-row tile); rows past `count` are
/// computed and not stored.
static BF16_TARGET void run_panels(
    const uint16_t *rows, const uint16_t *tail, ptrdiff_t tail_start, ptrdiff_t count,
    ptrdiff_t padded, const uint16_t *packed, ptrdiff_t outputs, const float *bias,
    const float *residual, ptrdiff_t residual_stride, float *const *targets,
    VidiActivation activation) {
  ptrdiff_t pairs = padded / 2;
  ptrdiff_t panel_count = (outputs + PANEL_WIDTH - 1) / PANEL_WIDTH;
  for (ptrdiff_t panel = 0; panel < panel_count; panel++) {
    ptrdiff_t columns = outputs - panel * PANEL_WIDTH;
    if (columns > PANEL_WIDTH) columns = PANEL_WIDTH;
    ptrdiff_t last = columns > 16 ? columns - 16 : columns;
    __mmask16 last_lanes = (__mmask16)((1u << last) - 1);
    const uint16_t *b = packed + panel * pairs * PANEL_WIDTH * 2;
    const float *panel_bias = bias + panel * PANEL_WIDTH;
    ptrdiff_t step = columns <= 16 ? 2 * TILE_ROWS : TILE_ROWS;
    for (ptrdiff_t t = 0; t < count; t += step) {
      ptrdiff_t tile_rows = count - t < step ? count - t : step;
      int shape = columns <= 16 ? (tile_rows > TILE_ROWS ? SHAPE_16X16 : SHAPE_8X16)
                                : (tile_rows > 4 ? SHAPE_8X32 : SHAPE_4X32);
      const uint16_t *a = t < tail_start ? rows + t * padded : tail + (t - tail_start) * padded;
      const float *extra = residual ? residual + t * residual_stride + panel * PANEL_WIDTH : 0;
      kernels[shape][activation][residual != 0](
          a, padded, tile_rows, pairs, b, panel_bias, extra, residual_stride, targets + t,
          panel * PANEL_WIDTH, last_lanes);
    }
  }
}

BF16_TARGET void vidi_pointwise_bf16(
    const float *input, ptrdiff_t pixels, ptrdiff_t depth, const uint16_t *packed,
    ptrdiff_t outputs, const float *bias, const float *residual, ptrdiff_t residual_stride,
    VidiPixelLayout output, ptrdiff_t first_pixel, VidiActivation activation) {
  ptrdiff_t padded = (depth + 1) / 2 * 2;
  ptrdiff_t chunk = chunk_rows(padded);
  // Whole tiles of rows: the last tile's missing rows are zeros, computed and not stored.
  size_t elements = (size_t)(chunk * padded);
  uint16_t *heap =
      elements > STACK_ELEMENTS ? aligned_alloc(64, (elements * 2 + 63) / 64 * 64) : NULL;
  uint16_t local[heap ? 1 : elements] __attribute__((aligned(64)));
  if (elements > STACK_ELEMENTS && !heap) abort();
  uint16_t *rounded = heap ? heap : local;
  float *targets[chunk];

  Cursor cursor = cursor_at(output, first_pixel);
  for (ptrdiff_t start = 0; start < pixels; start += chunk) {
    ptrdiff_t count = pixels - start < chunk ? pixels - start : chunk;
    ptrdiff_t whole = (count + 2 * TILE_ROWS - 1) / (2 * TILE_ROWS) * (2 * TILE_ROWS);
    round_rows(input + start * depth, count, whole, depth, padded, rounded);
    point_targets(output, count, &cursor, targets);
    run_panels(
        rounded, rounded, whole, count, padded, packed, outputs, bias,
        residual ? residual + start * residual_stride : 0, residual_stride, targets, activation);
  }
  free(heap);
}

BF16_TARGET void vidi_pointwise_bf16_rounded(
    const uint16_t *input, ptrdiff_t pixels, ptrdiff_t depth, const uint16_t *packed,
    ptrdiff_t outputs, const float *bias, const float *residual, ptrdiff_t residual_stride,
    VidiPixelLayout output, ptrdiff_t first_pixel, VidiActivation activation) {
  ptrdiff_t chunk = chunk_rows(depth);
  float *targets[chunk];
  // The chunk's last partial 16-row group, zero-padded, so tiles never read past the input.
  enum { TAIL_ROWS = 2 * TILE_ROWS };
  size_t tail_elements = (size_t)(TAIL_ROWS * depth);
  uint16_t *heap = tail_elements > STACK_ELEMENTS
                       ? aligned_alloc(64, (tail_elements * 2 + 63) / 64 * 64)
                       : NULL;
  uint16_t local[heap ? 1 : tail_elements] __attribute__((aligned(64)));
  if (tail_elements > STACK_ELEMENTS && !heap) abort();
  uint16_t *tail = heap ? heap : local;

  Cursor cursor = cursor_at(output, first_pixel);
  for (ptrdiff_t start = 0; start < pixels; start += chunk) {
    ptrdiff_t count = pixels - start < chunk ? pixels - start : chunk;
    ptrdiff_t tail_start = count / TAIL_ROWS * TAIL_ROWS;
    const uint16_t *rows = input + start * depth;
    if (tail_start < count) {
      ptrdiff_t tail_count = (count - tail_start) * depth;
      memcpy(tail, rows + tail_start * depth, (size_t)tail_count * sizeof *tail);
      memset(tail + tail_count, 0, (tail_elements - (size_t)tail_count) * sizeof *tail);
    }
    point_targets(output, count, &cursor, targets);
    run_panels(
        rows, tail, tail_start, count, depth, packed, outputs, bias,
        residual ? residual + start * residual_stride : 0, residual_stride, targets, activation);
  }
  free(heap);
}

#else

bool vidi_bf16_supported(void) { return false; }

void vidi_pointwise_bf16(
    const float *input, ptrdiff_t pixels, ptrdiff_t depth, const uint16_t *packed,
    ptrdiff_t outputs, const float *bias, const float *residual, ptrdiff_t residual_stride,
    VidiPixelLayout output, ptrdiff_t first_pixel, VidiActivation activation) {
  (void)input, (void)pixels, (void)depth, (void)packed, (void)outputs, (void)bias;
  (void)residual, (void)residual_stride, (void)output, (void)first_pixel, (void)activation;
  __builtin_trap();
}

void vidi_pointwise_bf16_rounded(
    const uint16_t *input, ptrdiff_t pixels, ptrdiff_t depth, const uint16_t *packed,
    ptrdiff_t outputs, const float *bias, const float *residual, ptrdiff_t residual_stride,
    VidiPixelLayout output, ptrdiff_t first_pixel, VidiActivation activation) {
  (void)input, (void)pixels, (void)depth, (void)packed, (void)outputs, (void)bias;
  (void)residual, (void)residual_stride, (void)output, (void)first_pixel, (void)activation;
  __builtin_trap();
}

#endif
