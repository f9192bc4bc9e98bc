/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 input (RFC 8200): the fixed header, then whether the destination
 * is ours (an address, all-nodes or one of our solicited-node groups),
 * then the extension headers, then the upper layer. The decision is the
 * pure one of lib/wire (dps_ip6_rx_decide(), which the fuzzer drives);
 * this file
 * counts, answers what the walk says is owed a parameter problem
 * (RFC 8200 4, RFC 4443 3.4), and hands packets to ICMPv6 or to the
 * transport registered for the protocol (dps_proto_ops.input6).
 * Hosts do not forward, so the hop limit of a packet received is not
 * checked (RFC 8200 3: routers decrement it); neighbour discovery checks
 * its own 255 (RFC 4861 7.1).
 */
#include <netinet/in.h>
#include "dps_ip.h"

/*
 * The NIC's verdict on a TCP or UDP checksum, as the IPv4 path takes it
 * (dps_rx_frame()): a trusted link's are all good, a device that reports
 * none leaves them to be computed, and otherwise the mbuf's L4 flags say
 * good, bad or unknown (0: computed). ICMPv6 is always computed, as
 * ICMP is over IPv4 (NICs do not check it).
 */
static uint8_t
ip6_rx_l4_csum(const struct dps_iface *ifp, const struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (ifp->conf.trust_rx_csum)
		return DPS_CSUM_L4_GOOD;
	if (!ifp->rx_csum)
		return 0;
	if (f == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return DPS_CSUM_L4_GOOD;
	if (f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return DPS_CSUM_L4_BAD;
	return 0;
}

/* To the transport registered for the packet's protocol. */
static void
ip6_transport(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
	const struct dps_ipv6_view *v, uint64_t now)
{
	const struct dps_proto_ops *ops = dps_proto_by_ipproto(lc->stack, v->proto);

	if (ops == NULL || ops->input6 == NULL) {
		dps_lcore_drop(lc, m, DPS_DROP_ip6_no_transport);
		return;
	}
	ops->input6(lc, m, l3_off, v, now);
}

/*
 * Ethernet (RFC 2464): to our MAC or a group. The IPv4 classifier's
 * check (dps_eth_check()), which IPv6 frames skip.
 */
static bool
ip6_eth_for_us(const struct dps_lcore *lc, uint16_t ifindex,
	const struct rte_ether_hdr *eh)
{
	return rte_is_multicast_ether_addr(&eh->dst_addr) ||
		rte_is_same_ether_addr(&eh->dst_addr, &lc->stack->ifs[ifindex].mac);
}

void
dps_ip6_rx(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m, uint64_t now)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t l3_off = RTE_ETHER_HDR_LEN;
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off);
	struct dps_ip6_rx r;
	int rc;

	if (!ip6_eth_for_us(lc, ifindex, eh)) {
		dps_lcore_drop(lc, m, DPS_DROP_eth_not_for_us);
		return;
	}
	if (x->n_addrs[ifindex] == 0) {
		/* IPv6 is off on the port (dps_port_conf.ipv6). */
		dps_lcore_drop(lc, m, DPS_DROP_eth_unknown_type);
		return;
	}
	rc = dps_ip6_rx_decide(x->addrs[ifindex], x->n_addrs[ifindex], ip,
		m->data_len - l3_off, &r);
	if (rc != DPS_DROP_NONE) {
		if (r.ip.pp.send)
			dps_icmp6_send_error(lc, m, l3_off, &r.ip,
				rte_is_multicast_ether_addr(&eh->dst_addr), 255,
				DPS_ICMP6_PARAM_PROB, r.ip.pp.code, r.ip.pp.pointer, now);
		dps_lcore_drop(lc, m, rc);
		return;
	}
	DPS_CNT_INC(&lc->cnt, ip6_rx);
	if (r.ip.proto == DPS_IP6_NH_ICMPV6)
		dps_icmp6_rx(lc, ifindex, m, l3_off, &r, now);
	else {
		r.ip.l4_csum = ip6_rx_l4_csum(&lc->stack->ifs[ifindex], m);
		ip6_transport(lc, m, l3_off, &r.ip, now);
	}
}
