/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP over IPv6 on the lcore (the slot's input6), while no IPv6 socket
 * exists: an AF_INET socket never takes IPv6 datagrams (only an AF_INET6
 * socket is dual-stack in Linux), so every datagram is for no socket.
 * As Linux's __udp6_lib_rcv(): the checksum first (mandatory over IPv6,
 * RFC 8200 8.1: a zero one is an error, dps_udp6_check()), then port
 * unreachable (RFC 4443 3.1 code 4) through ICMPv6's rate limit and its
 * rules (RFC 4443 2.4(e): never about a packet to a group), and the
 * datagram counted as udp_no_port.
 */
#include <rte_ether.h>
#include <rte_mbuf.h>
#include "dps_inet.h"
#include "dps_wire6.h"

void
dps_udp_rx6(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
	const struct dps_ipv6_view *ip, uint64_t now)
{
	const uint8_t *uh = rte_pktmbuf_mtod_offset(m, const uint8_t *,
		l3_off + ip->l4_off);
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct dps_l4_view v;
	int rc;

	/* The sum is computed: the NIC's verdict is not read on this path. */
	rc = dps_udp6_check(uh, ip->l4_len, ip->src, ip->dst, 0, &v);
	if (rc != DPS_DROP_NONE) {
		dps_lcore_drop(lc, m, rc);
		return;
	}
	DPS_CNT_INC(&lc->cnt, udp_rx);
	dps_icmp6_port_unreach(lc, m, l3_off, ip,
		l3_off >= RTE_ETHER_HDR_LEN && rte_is_multicast_ether_addr(&eh->dst_addr),
		now);
	dps_lcore_drop(lc, m, DPS_DROP_udp_no_port);
}
