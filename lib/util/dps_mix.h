/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_MIX_H
#define DPS_MIX_H

/*
 * Integer mixing. Pure.
 */

#include <stdint.h>

/**
 * MurmurHash3's 32-bit finaliser (Appleby, public domain): an
 * xor-shift-multiply avalanche and a bijection on 32 bits, so every
 * input bit moves about half the output bits. Used where a hash's top
 * or bottom bits pick a slot and the input differs in a few low bits
 * (hosts of one subnet, a client's consecutive ports).
 *
 * @param h  The value to mix.
 * @return   The mixed value.
 */
static inline uint32_t
dps_fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

#endif
