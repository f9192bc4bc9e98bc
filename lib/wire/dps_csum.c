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
 * 32-bit words are added into a 64-bit accumulator, which cannot
 * overflow below 16 GiB, and folding them gives the same value as a sum
 * of 16-bit words (section 2(A)). All loads go through memcpy: the
 * buffer may have any alignment.
 */
uint16_t
dps_csum_raw(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t sum = 0;
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
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
