/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "dps_wire.h"

/*
 * Internet checksum (RFC 1071): the 16-bit one's complement sum of the
 * buffer, folded to 16 bits and not complemented.
 *
 * The sum is byte-order independent (RFC 1071 section 2(B)): words are
 * loaded in the machine's order and the result comes back in that same
 * order, so storing it with memcpy (or after ~) puts the right bytes on
 * the wire, and comparing a whole message's sum with 0xffff works on any
 * host. Two sums of even-length blocks can be added and folded again
 * (RFC 1071 section 2(C)); the pseudo-header checksums rely on that.
 * All loads are unaligned: the buffer may have any alignment.
 */

/* The tail of fewer than 32 bytes, added to @sum with end-around carries
 * (RFC 1071 2(A) allows any word size), folded. */
static inline __attribute__((always_inline)) uint16_t
csum_tail(uint64_t sum, const uint8_t *b, size_t len)
{
	uint64_t w64, t;
	uint32_t w32;
	uint16_t w16;

	while (len >= sizeof(w64)) {
		memcpy(&w64, b, sizeof(w64));
		t = sum + w64;
		sum = t + (t < w64);
		b += sizeof(w64);
		len -= sizeof(w64);
	}
	/* Folded to 33 bits, the adds below cannot overflow. */
	sum = (sum & 0xffffffffu) + (sum >> 32);
	if (len >= sizeof(w32)) {
		memcpy(&w32, b, sizeof(w32));
		sum += w32;
		b += sizeof(w32);
		len -= sizeof(w32);
	}
	if (len >= sizeof(w16)) {
		memcpy(&w16, b, sizeof(w16));
		sum += w16;
		b += sizeof(w16);
		len -= sizeof(w16);
	}
	if (len != 0) {
		/* The odd byte is the first of a word padded with zero. */
		w16 = 0;
		memcpy(&w16, b, 1);
		sum += w16;
	}
	return dps_csum_fold(sum);
}

#if defined(__x86_64__)
/*
 * The bulk, in vectors of 16-bit words. PMADDWD multiplies signed words
 * by 1 and adds each pair into a 32-bit lane: three instructions per
 * vector (XOR, PMADDWD, PADDD) where zero-extending 32-bit words into
 * 64-bit lanes took five, and four vectors are added as a tree into one
 * accumulator (bench/tcp_bulk.sh: the sum of a 1,448-byte segment went
 * from about 470 instructions to about 240). The words are signed for
 * PMADDWD, so each is biased by 0x8000 first (XOR: u becomes u - 32768)
 * and the bias is given back as 32768 per word at the end of each round;
 * a round is at most CSUM_ROUND bytes, so that the lanes' signed totals
 * (at most 65536 per four bytes in magnitude) stay below 2^31 together.
 * The total of a round is then the exact sum of its words, which RFC
 * 1071 2(C) lets us add to the rest.
 */
#define CSUM_ROUND 65536u

/* GCC's generic tuning splits each unaligned 256-bit load in two, and
 * then cannot fold it into the XOR; Haswell's tuning does not split
 * (Clang never does). */
#if defined(__clang__)
#define CSUM_AVX2 "avx2"
#else
#define CSUM_AVX2 "avx2,tune=haswell"
#endif

/* The 32-bit lanes' signed total, exact (see above: no overflow). */
static inline __attribute__((always_inline)) int32_t
csum_lanes128(__m128i a)
{
	a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0x4e));
	a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0xb1));
	return _mm_cvtsi128_si32(a);
}

__attribute__((target(CSUM_AVX2))) static uint16_t
csum_raw_avx2(const void *p, size_t len)
{
	const __m256i bias = _mm256_set1_epi16((short)0x8000), one = _mm256_set1_epi16(1);
	const uint8_t *b = p;
	uint64_t sum = 0;

#define V256(o) _mm256_madd_epi16(_mm256_xor_si256(bias, \
	_mm256_loadu_si256((const __m256i *)(const void *)(b + (o)))), one)
	while (len >= 32) {
		size_t n = (len < CSUM_ROUND ? len : CSUM_ROUND) & ~(size_t)31;
		__m256i a = _mm256_setzero_si256();

		len -= n;
		sum += (uint64_t)n / 2 * 0x8000;
		for (; n >= 128; n -= 128, b += 128)
			a = _mm256_add_epi32(a, _mm256_add_epi32(
				_mm256_add_epi32(V256(0), V256(32)),
				_mm256_add_epi32(V256(64), V256(96))));
		for (; n != 0; n -= 32, b += 32)
			a = _mm256_add_epi32(a, V256(0));
		sum += (uint64_t)(int64_t)csum_lanes128(_mm_add_epi32(
			_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1)));
	}
#undef V256
	return csum_tail(sum, b, len);
}

/* The same in 128-bit vectors (SSE2, which every x86-64 has). */
static uint16_t
csum_raw_sse2(const void *p, size_t len)
{
	const __m128i bias = _mm_set1_epi16((short)0x8000), one = _mm_set1_epi16(1);
	const uint8_t *b = p;
	uint64_t sum = 0;

#define V128(o) _mm_madd_epi16(_mm_xor_si128(bias, \
	_mm_loadu_si128((const __m128i *)(const void *)(b + (o)))), one)
	while (len >= 32) {
		size_t n = (len < CSUM_ROUND ? len : CSUM_ROUND) & ~(size_t)31;
		__m128i a = _mm_setzero_si128();

		len -= n;
		sum += (uint64_t)n / 2 * 0x8000;
		for (; n >= 64; n -= 64, b += 64)
			a = _mm_add_epi32(a, _mm_add_epi32(_mm_add_epi32(V128(0), V128(16)),
				_mm_add_epi32(V128(32), V128(48))));
		if (n != 0) {		/* 32 bytes */
			a = _mm_add_epi32(a, _mm_add_epi32(V128(0), V128(16)));
			b += 32;
		}
		sum += (uint64_t)(int64_t)csum_lanes128(a);
	}
#undef V128
	return csum_tail(sum, b, len);
}

uint16_t
dps_csum_raw_base(const void *p, size_t len)
{
	return csum_raw_sse2(p, len);
}

typedef uint16_t csum_raw_fn(const void *p, size_t len);

/*
 * DPDK's pkg-config flags pin -march=corei7, so AVX2 comes from a variant
 * chosen at load time (a GNU ifunc) rather than from the build flags.
 * Written out rather than with target_clones, whose dispatcher clang 14
 * names dps_csum_raw.ifunc, so that a clang build did not link.
 *
 * The resolver runs while the program's relocations are processed,
 * before any constructor: the CPU's features are read here first, and
 * nothing in it may be instrumented (a sanitizer's shadow memory does not
 * exist yet).
 */
#if defined(__clang__)
#define RESOLVER_ATTRS used, no_sanitize("address", "undefined", "coverage")
#else
#define RESOLVER_ATTRS used, no_sanitize("address", "undefined")
#endif
__attribute__((RESOLVER_ATTRS)) static csum_raw_fn *
csum_raw_resolve(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") ? csum_raw_avx2 : csum_raw_sse2;
}

uint16_t dps_csum_raw(const void *p, size_t len)
	__attribute__((ifunc("csum_raw_resolve")));

#else	/* not x86-64: 32-bit words in 64-bit lanes, in GCC's vectors */

typedef uint64_t csum_v4 __attribute__((vector_size(32)));

uint16_t
dps_csum_raw_base(const void *p, size_t len)
{
	const csum_v4 lo32 = { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff };
	const uint8_t *b = p;
	csum_v4 a0 = { 0 }, a1 = { 0 }, v;
	uint64_t s, t;

	while (len >= 32) {
		memcpy(&v, b, sizeof(v));
		a0 += v & lo32;
		a1 += v >> 32;
		b += 32;
		len -= 32;
	}
	a0 += a1;
	/* Each lane is below 2^63: their sum needs an end-around carry. */
	s = a0[0];
	for (int i = 1; i < 4; i++) {
		t = s + a0[i];
		s = t + (t < s);
	}
	return csum_tail(s, b, len);
}

uint16_t
dps_csum_raw(const void *p, size_t len)
{
	return dps_csum_raw_base(p, len);
}
#endif
