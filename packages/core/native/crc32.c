/*
 * crc32: the CRC-32 of the pool format (IEEE 802.3, reflected polynomial 0xEDB88320, initial
 * and final complement: the value zlib's crc32() gives), fast.
 *
 * On x86-64 with PCLMULQDQ (checked once at run time) the bulk of a buffer is folded 64 bytes
 * at a time with carry-less multiplication (the method of Intel's white paper "Fast CRC
 * Computation for Generic Polynomials Using PCLMULQDQ Instruction", with the published folding
 * constants for this polynomial), then reduced by Barrett reduction; everything else (short
 * buffers, the last bytes, other CPUs) goes through a slicing-by-8 table.
 * Invariants: every path returns exactly zlib's crc32(initial, bytes); no unaligned or
 * out-of-range access (loads are unaligned-safe, the caller passes a valid range).
 */
#include "crc32.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SPOOL_CRC_PCLMUL 1
#include <immintrin.h>
#endif

static uint32_t table[8][256];

#ifdef SPOOL_CRC_PCLMUL
/* Whether the CPU has PCLMULQDQ: set once, with the table. */
static int has_pclmul = 0;

static void detect_pclmul(void) {
  __builtin_cpu_init();
  has_pclmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
}
#endif
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[0][n] = c;
  }
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = table[0][n];
    for (int k = 1; k < 8; k++) {
      c = table[0][c & 0xff] ^ (c >> 8);
      table[k][n] = c;
    }
  }
#ifdef SPOOL_CRC_PCLMUL
  detect_pclmul();
#endif
}

/* The register form (no complements) over `len` bytes, slicing by 8. */
static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t len) {
  while (len >= 8) {
    uint32_t lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
    lo ^= crc;
    crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
          table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
          table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#ifdef SPOOL_CRC_PCLMUL

/*
 * The register form over `len` bytes, len >= 64 and a multiple of 16. Folding constants
 * (x^n mod P, bit-reflected): 64-byte distance k1/k2, 16-byte k3/k4, 64-to-32 k5, and the
 * Barrett pair P' and mu.
 */
__attribute__((target("pclmul,sse2"))) static uint32_t crc_pclmul(uint32_t crc, const uint8_t *p,
                                                                   size_t len) {
  const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596LL, 0x0154442bd4LL);
  const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009eLL, 0x01751997d0LL);
  const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124LL);
  const __m128i poly = _mm_set_epi64x(0x01f7011641LL, 0x01db710641LL);
  const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);

  __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 0));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
  __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 48));
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
  p += 64;
  len -= 64;

  while (len >= 64) {
    __m128i h1 = _mm_clmulepi64_si128(x1, k1k2, 0x11);
    __m128i h2 = _mm_clmulepi64_si128(x2, k1k2, 0x11);
    __m128i h3 = _mm_clmulepi64_si128(x3, k1k2, 0x11);
    __m128i h4 = _mm_clmulepi64_si128(x4, k1k2, 0x11);
    x1 = _mm_clmulepi64_si128(x1, k1k2, 0x00);
    x2 = _mm_clmulepi64_si128(x2, k1k2, 0x00);
    x3 = _mm_clmulepi64_si128(x3, k1k2, 0x00);
    x4 = _mm_clmulepi64_si128(x4, k1k2, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, h1), _mm_loadu_si128((const __m128i *)(p + 0)));
    x2 = _mm_xor_si128(_mm_xor_si128(x2, h2), _mm_loadu_si128((const __m128i *)(p + 16)));
    x3 = _mm_xor_si128(_mm_xor_si128(x3, h3), _mm_loadu_si128((const __m128i *)(p + 32)));
    x4 = _mm_xor_si128(_mm_xor_si128(x4, h4), _mm_loadu_si128((const __m128i *)(p + 48)));
    p += 64;
    len -= 64;
  }

  /* Fold the four lanes into one, 16 bytes at a time. */
  __m128i h;
  h = _mm_clmulepi64_si128(x1, k3k4, 0x11);
  x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x00), h), x2);
  h = _mm_clmulepi64_si128(x1, k3k4, 0x11);
  x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x00), h), x3);
  h = _mm_clmulepi64_si128(x1, k3k4, 0x11);
  x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x00), h), x4);

  while (len >= 16) {
    h = _mm_clmulepi64_si128(x1, k3k4, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x00), h),
                       _mm_loadu_si128((const __m128i *)p));
    p += 16;
    len -= 16;
  }

  /* 128 -> 64 bits (k4 times the low half, added to the high half shifted down). */
  __m128i t = _mm_clmulepi64_si128(k3k4, x1, 0x01);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
  /* 64 -> 32 bits. */
  __m128i x2b = _mm_srli_si128(x1, 4);
  x1 = _mm_and_si128(x1, mask32);
  x1 = _mm_clmulepi64_si128(x1, k5, 0x00);
  x1 = _mm_xor_si128(x1, x2b);
  /* Barrett reduction to the 32-bit remainder. */
  __m128i keep = x1;
  x1 = _mm_and_si128(x1, mask32);
  x1 = _mm_clmulepi64_si128(x1, poly, 0x10);
  x1 = _mm_and_si128(x1, mask32);
  x1 = _mm_clmulepi64_si128(x1, poly, 0x00);
  x1 = _mm_xor_si128(x1, keep);
  return (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(x1, 4));
}
#endif

/* Below this many bytes the table is as fast as setting up the folds. */
#define PCLMUL_FROM 128

uint32_t spool_crc32(uint32_t initial, const uint8_t *p, size_t len) {
  pthread_once(&table_once, build_table);
  uint32_t crc = ~initial;
#ifdef SPOOL_CRC_PCLMUL
  if (has_pclmul && len >= PCLMUL_FROM) {
    size_t bulk = len & ~(size_t)15;
    crc = crc_pclmul(crc, p, bulk);
    p += bulk;
    len -= bulk;
  }
#endif
  return ~crc_table(crc, p, len);
}
