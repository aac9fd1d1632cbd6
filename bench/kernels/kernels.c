// Vidi's C kernels alone, on EfficientNet-Lite0's layer shapes at 224 px, against this core's
// peak: the bfloat16 1x1 convolution (Sources/CKernels/PointwiseBF16.c, input already
// bfloat16 as the projections read it) and the depthwise convolution that writes bfloat16
// (Sources/CKernels/DepthwiseBF16.c). Useful multiply-adds per second, best of 30 timed calls
// each on data that stays in the core's caches, as a band does in `vidi extract`. The peaks
// are measured the same way: independent chains of 512-bit FMA and `vdpbf16ps`. Built and run
// by run.sh.

#include "CKernels.h"

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *filled(size_t count, size_t size) {
  unsigned char *memory = aligned_alloc(64, (count * size + 63) / 64 * 64);
  if (!memory) abort();
  for (size_t i = 0; i < count * size; i++) memory[i] = 0;
  return memory;
}

/// Billions of multiply-adds per second of `chains` × 12 independent 512-bit FMA (or, with
/// `bf16`, `vdpbf16ps`: 32 products each instead of 16) chains.
static __attribute__((target("avx512f,avx512bf16"))) double peak(int bf16) {
  __m512 acc[12];
  for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps(1.0f + (float)i * 1e-7f);
  __m512 w = _mm512_set1_ps(0.999999f), x = _mm512_set1_ps(1e-7f);
  __m512bh wb = (__m512bh)_mm512_set1_epi32(0x3f803f80), xb = (__m512bh)_mm512_set1_epi32(0);
  long steps = 20000000;
  double start = now();
  for (long k = 0; k < steps; k++) {
    for (int i = 0; i < 12; i++) {
      acc[i] = bf16 ? _mm512_dpbf16_ps(acc[i], wb, xb) : _mm512_fmadd_ps(acc[i], w, x);
    }
    __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]),
                     "+v"(acc[5]), "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]),
                     "+v"(acc[10]), "+v"(acc[11]));
  }
  double seconds = now() - start;
  float sum = 0;
  for (int i = 0; i < 12; i++) sum += _mm512_reduce_add_ps(acc[i]);
  if (sum == 1234.5f) printf(" ");
  return (double)steps * 12 * (bf16 ? 32 : 16) / seconds / 1e9;
}

static double best_rate(double multiply_adds, void (*call)(void *), void *context) {
  double best = 1e9;
  for (int round = 0; round < 30; round++) {
    double start = now();
    call(context);
    double seconds = now() - start;
    if (seconds < best) best = seconds;
  }
  return multiply_adds / best / 1e9;
}

typedef struct {
  ptrdiff_t pixels, depth, outputs;
  uint16_t *input, *packed;
  float *bias, *output;
} Pointwise;

static void run_pointwise(void *context) {
  Pointwise *p = context;
  VidiPixelLayout layout = {p->output, p->outputs, 0, 0};
  vidi_pointwise_bf16_rounded(p->input, p->pixels, p->depth, p->packed, p->outputs, p->bias, 0,
                              0, layout, 0, VIDI_ACTIVATION_RELU6);
}

static double pointwise(ptrdiff_t pixels, ptrdiff_t depth, ptrdiff_t outputs) {
  Pointwise p = {pixels, depth, outputs, 0, 0, 0, 0};
  p.input = filled((size_t)(pixels * depth), 2);
  for (ptrdiff_t i = 0; i < pixels * depth; i++) p.input[i] = (uint16_t)(0x3f80 + i % 7);
  ptrdiff_t panel_count = (outputs + 31) / 32;
  float *panels = filled((size_t)(panel_count * depth * 32), 4);
  for (ptrdiff_t i = 0; i < panel_count * depth * 32; i++) panels[i] = 0.01f * (float)(i % 13);
  p.packed = filled(vidi_pointwise_bf16_panel_floats(depth, outputs), 4);
  vidi_pointwise_bf16_pack(panels, depth, outputs, p.packed);
  p.bias = filled((size_t)(panel_count * 32), 4);
  p.output = filled((size_t)(pixels * outputs), 4);
  double rate = best_rate((double)(pixels * depth * outputs), run_pointwise, &p);
  free(panels), free(p.input), free(p.packed), free(p.bias), free(p.output);
  return rate;
}

typedef struct {
  ptrdiff_t rows, width, channels, kernel, stride, row_stride;
  float *input, *taps, *bias;
  uint16_t *output;
} Depthwise;

static void run_depthwise(void *context) {
  Depthwise *d = context;
  vidi_depthwise_bf16(d->input, d->row_stride, d->rows, d->width, d->channels, d->kernel,
                      d->stride, d->taps, d->channels, d->bias, VIDI_ACTIVATION_RELU6,
                      d->output);
}

/// `rows` output rows of a band, as `vidi extract` runs them (bands of about 512 KB of input).
static double depthwise(ptrdiff_t width, ptrdiff_t channels, ptrdiff_t kernel, ptrdiff_t stride,
                        ptrdiff_t rows) {
  Depthwise d = {rows, width, channels, kernel, stride, 0, 0, 0, 0, 0};
  ptrdiff_t input_width = (width - 1) * stride + kernel;
  ptrdiff_t input_rows = (rows - 1) * stride + kernel;
  d.row_stride = input_width * channels;
  d.input = filled((size_t)(input_rows * d.row_stride), 4);
  for (ptrdiff_t i = 0; i < input_rows * d.row_stride; i++) d.input[i] = 0.1f * (float)(i % 11);
  d.taps = filled((size_t)(kernel * kernel * channels), 4);
  for (ptrdiff_t i = 0; i < kernel * kernel * channels; i++) d.taps[i] = 0.01f * (float)(i % 5);
  d.bias = filled((size_t)channels, 4);
  d.output = filled((size_t)(rows * width * channels), 2);
  double rate =
      best_rate((double)(rows * width * channels * kernel * kernel), run_depthwise, &d);
  free(d.input), free(d.taps), free(d.bias), free(d.output);
  return rate;
}

int main(void) {
  if (!vidi_bf16_supported()) {
    fprintf(stderr, "kernels: this CPU has no AVX512-BF16\n");
    return 1;
  }
  double dot_peak = peak(1), fma_peak = peak(0);
  printf("peak: vdpbf16ps %.1f GMAC/s, float32 FMA %.1f GMAC/s\n\n", dot_peak, fma_peak);

  static const ptrdiff_t one_by_one[][3] = {
      {12544, 32, 16}, {12544, 16, 96}, {3136, 96, 24},  {3136, 24, 144}, {3136, 144, 24},
      {784, 144, 40},  {784, 40, 240},  {784, 240, 40},  {196, 240, 80},  {196, 80, 480},
      {196, 480, 80},  {196, 480, 112}, {196, 112, 672}, {196, 672, 112}, {49, 672, 192},
      {49, 192, 1152}, {49, 1152, 192}, {49, 1152, 320}, {49, 320, 1280},
  };
  printf("| 1x1: pixels | in | out | GMAC/s | of peak |\n| ---: | ---: | ---: | ---: | ---: |\n");
  for (size_t i = 0; i < sizeof one_by_one / sizeof one_by_one[0]; i++) {
    double rate = pointwise(one_by_one[i][0], one_by_one[i][1], one_by_one[i][2]);
    printf("| %td | %td | %td | %.1f | %.0f%% |\n", one_by_one[i][0], one_by_one[i][1],
           one_by_one[i][2], rate, 100 * rate / dot_peak);
  }

  // Width, channels, kernel, stride and band rows of Lite0's depthwise layers.
  static const ptrdiff_t windows[][5] = {
      {112, 32, 3, 1, 32}, {56, 96, 3, 2, 8},  {56, 144, 3, 1, 12}, {28, 144, 5, 2, 8},
      {28, 240, 5, 1, 14}, {14, 240, 3, 2, 7}, {14, 480, 3, 1, 14}, {14, 480, 5, 1, 8},
      {14, 672, 5, 1, 8},  {7, 672, 5, 2, 7},  {7, 1152, 5, 1, 7},  {7, 1152, 3, 1, 7},
  };
  printf("\n| depthwise: width | channels | window | stride | GMAC/s | of FMA peak |\n");
  printf("| ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
    const ptrdiff_t *w = windows[i];
    double rate = depthwise(w[0], w[1], w[2], w[3], w[4]);
    printf("| %td | %td | %td×%td | %td | %.1f | %.0f%% |\n", w[0], w[1], w[2], w[2], w[3], rate,
           100 * rate / fma_peak);
  }
  return 0;
}
