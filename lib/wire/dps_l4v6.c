/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP and UDP headers over IPv6: the receive checks and the checksum a
 * sender fills, over the pseudo-header of RFC 8200 8.1 (dps_ip6_l4_sum()).
 * The IPv4 counterparts are dps_udp_check() and dps_tcp_check(); the
 * difference is the pseudo-header and UDP's checksum, optional over IPv4
 * and mandatory over IPv6.
 */
#include <string.h>
#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_udp.h>
#include <rte_tcp.h>
#include "dps_wire.h"
#include "dps_wire6.h"

/* The transport checksum unless the NIC judged it already. */
static bool
l4v6_ok(const uint8_t *p, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], uint8_t proto, unsigned int csum)
{
	if (csum & DPS_CSUM_L4_BAD)
		return false;
	if (csum & DPS_CSUM_L4_GOOD)
		return true;
	return dps_ip6_l4_sum(p, len, src, dst, proto) == 0xffff;
}

/*
 * RFC 768 for the length (it bounds the datagram and may be shorter than
 * the IPv6 payload, the rest ignored as Linux's pskb_trim_rcsum() does);
 * RFC 8200 8.1 for the checksum: a zero field is not "none" over IPv6
 * but an error (RFC 6935's zero-checksum tunnels are not ours to take).
 */
int
dps_udp6_check(const uint8_t *p, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], unsigned int csum, struct dps_l4_view *v)
{
	struct rte_udp_hdr uh;
	uint16_t ulen = dps_udp_len(p, len, &uh);

	if (ulen == 0)
		return DPS_DROP_udp_truncated;
	if (uh.dgram_cksum == 0 || !l4v6_ok(p, ulen, src, dst, IPPROTO_UDP, csum))
		return DPS_DROP_udp_bad_csum;
	dps_udp_view_fill(v, &uh, ulen);
	return DPS_DROP_NONE;
}

/* RFC 9293 3.1: the data offset covers the fixed 20 bytes and at most
 * the segment; the checksum covers all @len bytes. */
int
dps_tcp6_check(const uint8_t *p, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], unsigned int csum, struct dps_l4_view *v)
{
	struct rte_tcp_hdr th;
	uint16_t hdr_len = dps_tcp_hdr_len(p, len, &th);

	if (hdr_len == 0)
		return DPS_DROP_tcp_truncated;
	if (!l4v6_ok(p, len, src, dst, IPPROTO_TCP, csum))
		return DPS_DROP_tcp_bad_csum;
	dps_tcp_view_fill(v, &th, hdr_len, len);
	return DPS_DROP_NONE;
}

uint16_t
dps_l4v6_csum(const void *l4, uint32_t len, const uint8_t src[16],
	const uint8_t dst[16], uint8_t proto)
{
	uint16_t c = (uint16_t)~dps_ip6_l4_sum(l4, len, src, dst, proto);

	/* A UDP checksum that computes to zero goes as all ones (RFC 768);
	 * for TCP the two are the same value in ones' complement. */
	return c == 0 ? 0xffff : c;
}
