/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include <string.h>

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
 *
 * The bulk is summed 32 bytes at a time as eight 32-bit words in four
 * 64-bit lanes (vector adds), which cannot overflow below 16 GiB; the
 * lanes are then added with an end-around carry, which RFC 1071 section
 * 2(A) allows for any word size. Callgrind counted 1.4 instructions a byte for the plain
 * 4-byte loop this replaces, then the largest single cost of a bulk
 * segment (bench/tcp_bulk.sh). All loads go through memcpy or unaligned
 * vector loads: the buffer may have any alignment.
 */

/* Four 64-bit lanes, in GCC's generic vector extension: the compiler
 * picks the instructions for each variant of dps_csum_raw() below. */
typedef uint64_t csum_v4 __attribute__((vector_size(32)));

/* Sum whole 32-byte blocks; advances *@p b and *@p len past them.
 * Inlined into each variant, so that it is compiled for its target. */
static inline __attribute__((always_inline)) uint64_t
csum_blocks(const uint8_t **b, size_t *len)
{
	const csum_v4 lo32 = { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff };
	csum_v4 a0 = { 0 }, a1 = { 0 }, v;
	uint64_t s, t;

	while (*len >= 32) {
		memcpy(&v, *b, sizeof(v));
		a0 += v & lo32;
		a1 += v >> 32;
		*b += 32;
		*len -= 32;
	}
	a0 += a1;
	/* Each lane is below 2^63: their sum needs an end-around carry. */
	s = a0[0];
	for (int i = 1; i < 4; i++) {
		t = s + a0[i];
		s = t + (t < s);
	}
	return s;
}

/* The sum, inlined into each variant below. */
static inline __attribute__((always_inline)) uint16_t
csum_raw(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t sum = dps_csum_fold(csum_blocks(&b, &len));
	uint32_t w32;
	uint16_t w16;

	while (len >= sizeof(w32)) {
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

/*
 * DPDK's pkg-config flags pin -march=corei7, so AVX2 comes from a variant
 * chosen at load time (a GNU ifunc) rather than from the build flags.
 * Written out rather than with target_clones, whose dispatcher clang 14
 * names dps_csum_raw.ifunc, so that a clang build did not link.
 */
__attribute__((target("avx2"))) static uint16_t
csum_raw_avx2(const void *p, size_t len)
{
	return csum_raw(p, len);
}

static uint16_t
csum_raw_default(const void *p, size_t len)
{
	return csum_raw(p, len);
}

typedef uint16_t csum_raw_fn(const void *p, size_t len);

/* Runs while the program's relocations are processed, before any
 * constructor: the CPU's features are read here first, and nothing in it
 * may be instrumented (a sanitizer's shadow memory does not exist yet). */
#if defined(__clang__)
#define RESOLVER_ATTRS used, no_sanitize("address", "undefined", "coverage")
#else
#define RESOLVER_ATTRS used, no_sanitize("address", "undefined")
#endif
__attribute__((RESOLVER_ATTRS)) static csum_raw_fn *
csum_raw_resolve(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") ? csum_raw_avx2 : csum_raw_default;
}

uint16_t dps_csum_raw(const void *p, size_t len)
	__attribute__((ifunc("csum_raw_resolve")));
