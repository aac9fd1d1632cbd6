// SHA-256's compression function with the x86 SHA extensions (`sha256rnds2` runs two rounds,
// `sha256msg1`/`sha256msg2` extend the message schedule four words at a time): several times
// the plain-code rate, which matters because every clip is hashed in full for its cache key.
//
// The instructions keep the eight state words as two vectors, ABEF and CDGH; the state is
// shuffled into that order before the blocks and back after them.

#include "CKernels.h"

#if defined(__x86_64__) && defined(__clang__)

#include <immintrin.h>

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

bool vidi_sha256_accelerated(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1");
}

SHA_TARGET void vidi_sha256_blocks(
    uint32_t state[8], const uint8_t *data, size_t blocks, const uint32_t round_constants[64]) {
  // Big-endian words: reverse the bytes of each 32-bit lane.
  const __m128i byte_order = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i abcd = _mm_loadu_si128((const __m128i *)&state[0]);
  __m128i efgh = _mm_loadu_si128((const __m128i *)&state[4]);
  __m128i cdab = _mm_shuffle_epi32(abcd, 0xB1);
  __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, hgfe, 8);
  __m128i cdgh = _mm_blend_epi16(hgfe, cdab, 0xF0);

  for (; blocks > 0; blocks--, data += 64) {
    __m128i abef_before = abef, cdgh_before = cdgh;
    __m128i words[4];
    for (int group = 0; group < 16; group++) {
      __m128i w;
      if (group < 4) {
        w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * group)), byte_order);
      } else {
        // W[t] for four t from the four groups before: W[t-16] + σ0(W[t-15]) (msg1), plus
        // W[t-7], then σ1(W[t-2]) (msg2).
        __m128i previous = words[(group - 1) & 3];
        __m128i sevenBack = _mm_alignr_epi8(previous, words[(group - 2) & 3], 4);
        __m128i partial = _mm_add_epi32(
            _mm_sha256msg1_epu32(words[group & 3], words[(group - 3) & 3]), sevenBack);
        w = _mm_sha256msg2_epu32(partial, previous);
      }
      words[group & 3] = w;
      __m128i message =
          _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&round_constants[4 * group]));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(message, 0x0E));
    }
    abef = _mm_add_epi32(abef, abef_before);
    cdgh = _mm_add_epi32(cdgh, cdgh_before);
  }

  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

#else

bool vidi_sha256_accelerated(void) { return false; }

void vidi_sha256_blocks(
    uint32_t state[8], const uint8_t *data, size_t blocks, const uint32_t round_constants[64]) {
  (void)state, (void)data, (void)blocks, (void)round_constants;
  __builtin_trap();
}

#endif
