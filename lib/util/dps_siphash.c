/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include "dps_siphash.h"

static inline uint64_t
rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* Little-endian load of @n <= 8 bytes: on a little-endian host one
 * unaligned load for a whole word, and for a tail of 4 to 7 bytes a
 * 32-bit load and the rest byte by byte (a connection's 12-byte tuple
 * ends in 4: the byte loop cost about 20 instructions a hash); the bytes
 * one by one otherwise. */
static inline uint64_t
load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8) {
		memcpy(&v, p, 8);
		return v;
	}
	if (n >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		v = w;
		i = 4;
	}
#endif
	for (; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

/* Inlined: out of line, the call and the spills of the four words cost
 * more than the round (a connection's hash took about 360 instructions,
 * callgrind). */
static inline __attribute__((always_inline)) void
sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl(s->v1, 13) ^ s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = rotl(s->v1, 17) ^ s->v2;
	s->v2 = rotl(s->v2, 32);
}

/* Absorb one 64-bit word with the two compression rounds. */
static inline __attribute__((always_inline)) void
sip_absorb(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t
dps_siphash24(const void *data, size_t len, const uint64_t key[2])
{
	const uint8_t *p = data;
	struct sip s = {
		.v0 = key[0] ^ 0x736f6d6570736575ull,
		.v1 = key[1] ^ 0x646f72616e646f6dull,
		.v2 = key[0] ^ 0x6c7967656e657261ull,
		.v3 = key[1] ^ 0x7465646279746573ull,
	};
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		sip_absorb(&s, load_le(p + i, 8));
	/* The last word: the remaining bytes, the length in the top byte. */
	sip_absorb(&s, load_le(p + i, len - i) | (uint64_t)(len & 0xff) << 56);
	s.v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
