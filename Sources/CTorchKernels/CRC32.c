// CRC-32 (the zip and gzip polynomial, reflected 0xEDB88320). On x86 with carry-less multiply
// (every CPU of the AVX2 path), 64-byte blocks are folded with PCLMULQDQ as in Intel's "Fast CRC
// Computation for Generic Polynomials Using PCLMULQDQ" (over 10 GB/s); elsewhere, and for the
// tail, slicing by eight (eight table lookups per 8 bytes, about 2 GB/s).
#include "Internal.h"
#include <pthread.h>

static uint32_t table[8][256];
static pthread_once_t tableOnce = PTHREAD_ONCE_INIT;

static void buildTable(void) {
  for (uint32_t byte = 0; byte < 256; byte++) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    table[0][byte] = crc;
  }
  for (int slice = 1; slice < 8; slice++)
    for (int byte = 0; byte < 256; byte++)
      table[slice][byte] = (table[slice - 1][byte] >> 8) ^ table[0][table[slice - 1][byte] & 0xFF];
}

#if CTK_X86
/// The CRC register (bit-reflected, not inverted) after `count` bytes, a multiple of 16 and at
/// least 64. Four 128-bit lanes are folded forward by 512 bits per block, then into one lane,
/// to 64 and 32 bits, and reduced by Barrett's method. The constants are x^k mod P(x) for the
/// fold distances, in the reflected domain, with P' and mu for the reduction.
__attribute__((target("pclmul,sse4.1"))) static uint32_t crc32Folded(uint32_t crc, const uint8_t *p, size_t count) {
  const __m128i by512 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);
  const __m128i by128 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);
  const __m128i by64 = _mm_set_epi64x(0, 0x163cd6124);
  const __m128i reduction = _mm_set_epi64x(0x1f7011641, 0x1db710641);
  const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
  __m128i lane[4];
  for (int i = 0; i < 4; i++) lane[i] = _mm_loadu_si128((const __m128i *)(p + 16 * i));
  lane[0] = _mm_xor_si128(lane[0], _mm_cvtsi32_si128((int)crc));
  p += 64;
  count -= 64;
  for (; count >= 64; p += 64, count -= 64) {
    for (int i = 0; i < 4; i++) {
      __m128i folded = _mm_xor_si128(_mm_clmulepi64_si128(lane[i], by512, 0x00), _mm_clmulepi64_si128(lane[i], by512, 0x11));
      lane[i] = _mm_xor_si128(folded, _mm_loadu_si128((const __m128i *)(p + 16 * i)));
    }
  }
  __m128i x = lane[0];
  for (int i = 1; i < 4; i++) {
    x = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, by128, 0x00), _mm_clmulepi64_si128(x, by128, 0x11)), lane[i]);
  }
  for (; count >= 16; p += 16, count -= 16) {
    x = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, by128, 0x00), _mm_clmulepi64_si128(x, by128, 0x11)), _mm_loadu_si128((const __m128i *)p));
  }
  // 128 bits to 64, then to 32 + 32, then Barrett's reduction to the 32-bit remainder.
  x = _mm_xor_si128(_mm_srli_si128(x, 8), _mm_clmulepi64_si128(x, by128, 0x10));
  x = _mm_xor_si128(_mm_srli_si128(x, 4), _mm_clmulepi64_si128(_mm_and_si128(x, low32), by64, 0x00));
  __m128i quotient = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(x, low32), reduction, 0x10), low32);
  x = _mm_xor_si128(x, _mm_clmulepi64_si128(quotient, reduction, 0x00));
  return (uint32_t)_mm_extract_epi32(x, 1);
}

static int hasCarrylessMultiply(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
#endif

uint32_t ctk_crc32(uint32_t crc, const void *data, size_t count) {
  pthread_once(&tableOnce, buildTable);
  const uint8_t *p = data;
  crc = ~crc;
#if CTK_X86
  if (count >= 64 && ctk_use_avx2() && hasCarrylessMultiply()) {
    size_t blocks = count & ~(size_t)15;
    crc = crc32Folded(crc, p, blocks);
    p += blocks;
    count -= blocks;
  }
#endif
  for (; count > 0 && ((uintptr_t)p & 7) != 0; count--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
  for (; count >= 8; count -= 8, p += 8) {
    uint32_t low, high;
    memcpy(&low, p, 4);
    memcpy(&high, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    low = __builtin_bswap32(low);
    high = __builtin_bswap32(high);
#endif
    low ^= crc;
    crc = table[7][low & 0xFF] ^ table[6][(low >> 8) & 0xFF] ^ table[5][(low >> 16) & 0xFF] ^ table[4][low >> 24] ^
          table[3][high & 0xFF] ^ table[2][(high >> 8) & 0xFF] ^ table[1][(high >> 16) & 0xFF] ^ table[0][high >> 24];
  }
  for (; count > 0; count--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
  return ~crc;
}
