/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole receive decision for one IPv6 packet, as the runtime takes
 * it (lib/ip/dps_ip6_in.c) and as the fuzzer drives it (fuzz_ipv6): the
 * fixed header, the destination against the interface's addresses, the
 * extension headers, ICMPv6 and ND, and RFC 4862 5.4's rule that a
 * tentative address takes neighbour discovery only.
 */
#include "dps_wire6.h"

int
dps_ip6_rx_decide(const struct dps_ip6_cand *c, unsigned int n,
	const uint8_t *p, uint32_t len, struct dps_ip6_rx *r)
{
	int rc = dps_ipv6_check(p, len, &r->ip);
	bool nd;

	r->match = DPS_IP6_DST_OTHER;
	r->icmp.type = 0;
	if (rc != DPS_DROP_NONE)
		return rc;
	r->match = dps_ip6_dst_match(c, n, r->ip.dst);
	if (r->match == DPS_IP6_DST_OTHER)
		return DPS_DROP_ip6_not_for_us;
	rc = dps_ipv6_walk(p, &r->ip);
	if (rc != DPS_DROP_NONE) {
		/* No error about a packet to an address not ours yet. */
		r->ip.pp.send = r->ip.pp.send && r->match != DPS_IP6_DST_TENTATIVE;
		return rc;
	}
	r->ip.pp.send = false;
	if (r->ip.proto == DPS_IP6_NH_ICMPV6) {
		rc = dps_icmp6_check(p + r->ip.l4_off, r->ip.l4_len, &r->ip, &r->icmp);
		if (rc != DPS_DROP_NONE)
			return rc;
	}
	nd = r->ip.proto == DPS_IP6_NH_ICMPV6 &&
		(r->icmp.type == DPS_ND_NEIGHBOR_SOLICIT ||
		 r->icmp.type == DPS_ND_NEIGHBOR_ADVERT);
	if (r->match == DPS_IP6_DST_TENTATIVE && !nd)
		return DPS_DROP_ip6_tentative;
	return DPS_DROP_NONE;
}
