/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 input (RFC 8200): the fixed header, then whether the destination
 * is ours (an address, all-nodes or one of our solicited-node groups),
 * then the extension headers, then the upper layer. The checks are the
 * pure ones of lib/wire (dps_ipv6_check(), dps_ipv6_walk()); this file
 * counts, answers what the walk says is owed a parameter problem
 * (RFC 8200 4, RFC 4443 3.4), and hands packets to ICMPv6 or to the
 * transport registered for the protocol (dps_proto_ops.input6).
 * Hosts do not forward, so the hop limit of a packet received is not
 * checked (RFC 8200 3: routers decrement it); neighbour discovery checks
 * its own 255 (RFC 4861 7.1).
 */
#include <netinet/in.h>
#include "dps_ip.h"

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

void
dps_ip6_rx(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	const struct dps_rx_pkt *p, uint64_t now)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);
	uint16_t l3_off = p->eth.hdr_len;
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, l3_off);
	bool l2_group = rte_is_multicast_ether_addr(&p->eth.dst);
	struct dps_ipv6_view v;
	enum dps_ip6_dst match;
	int rc;

	if (x->n_addrs[ifindex] == 0) {
		/* IPv6 is off on the port (dps_port_conf.ipv6). */
		dps_lcore_drop(lc, m, DPS_DROP_eth_unknown_type);
		return;
	}
	rc = dps_ipv6_check(ip, m->data_len - l3_off, &v);
	if (rc != DPS_DROP_NONE) {
		dps_lcore_drop(lc, m, rc);
		return;
	}
	match = dps_ip6_dst_match(x->addrs[ifindex], x->n_addrs[ifindex], v.dst);
	if (match == DPS_IP6_DST_OTHER) {
		dps_lcore_drop(lc, m, DPS_DROP_ip6_not_for_us);
		return;
	}
	rc = dps_ipv6_walk(ip, &v);
	if (rc != DPS_DROP_NONE) {
		if (v.pp.send && match != DPS_IP6_DST_TENTATIVE)
			dps_icmp6_send_error(lc, m, l3_off, &v, l2_group, 255,
				DPS_ICMP6_PARAM_PROB, v.pp.code, v.pp.pointer, now);
		dps_lcore_drop(lc, m, rc);
		return;
	}
	DPS_CNT_INC(&lc->cnt, ip6_rx);
	if (v.proto == DPS_IP6_NH_ICMPV6) {
		dps_icmp6_rx(lc, ifindex, m, p, &v, match, now);
		return;
	}
	/* Only neighbour discovery reaches a tentative address
	 * (RFC 4862 5.4). */
	if (match == DPS_IP6_DST_TENTATIVE) {
		dps_lcore_drop(lc, m, DPS_DROP_ip6_tentative);
		return;
	}
	ip6_transport(lc, m, l3_off, &v, now);
}
