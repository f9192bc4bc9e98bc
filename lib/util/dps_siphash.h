/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_SIPHASH_H
#define DPS_SIPHASH_H

/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed PRF for short
 * inputs. RFC 6528 asks for one behind initial sequence numbers, and RFC
 * 6056 behind port offsets; Linux uses this function for both
 * (secure_tcp_seq(), secure_ipv4_port_ephemeral()). Pure.
 */

#include <stddef.h>
#include <stdint.h>

uint64_t dps_siphash24(const void *data, size_t len, const uint64_t key[2]);

#endif
