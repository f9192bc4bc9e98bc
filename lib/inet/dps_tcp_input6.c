/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP over IPv6 on the lcore (the slot's input6), while no IPv6 socket
 * exists: an AF_INET socket never takes IPv6 segments (Linux keeps the
 * two tables apart; only an AF_INET6 socket is dual-stack), so every
 * segment is for no connection and is answered as RFC 9293 3.10.7.1
 * says, which is what Linux's tcp_v6_rcv() does with no socket: a RST,
 * never to a RST and never to a group. The segment's checksum over the
 * IPv6 pseudo-header is checked first (a segment that fails it is
 * dropped unanswered, as Linux's tcp_checksum_complete()).
 */
#include <string.h>
#include <netinet/in.h>
#include <rte_mbuf.h>
#include "dps_tcp_priv.h"
#include "dps_wire6.h"

/* The RST @out in answer to a segment from @ip->src:@v->sport to our
 * @ip->dst:@v->dport: from the address it was sent to, by the route to
 * its sender. */
static void
tcp6_send_rst(struct dps_lcore *lc, const struct dps_ipv6_view *ip,
	const struct dps_l4_view *v, const struct dps_tcp_out *out, uint64_t now)
{
	uint16_t tcp_len = (uint16_t)(DPS_TCP_HLEN + dps_tcp_out_opt_len(out));
	struct rte_mbuf *m;
	uint8_t *p, *th;
	uint16_t sum;
	int err;

	m = dps_ip_mbuf(lc, DPS_IPV6_HLEN + tcp_len, &p, &err);
	if (m == NULL)
		return;		/* counted there; lost as on the wire */
	th = p + DPS_IPV6_HLEN;
	dps_ipv6_build(p, DPS_IPV6_HLEN, ip->dst, ip->src, IPPROTO_TCP, tcp_len,
		DPS_IPV6_HOP_LIMIT, 0, 0);
	dps_tcp_build(th, tcp_len, v->dport, v->sport, out);
	memset(th + 16, 0, 2);
	sum = dps_l4v6_csum(th, tcp_len, ip->dst, ip->src, IPPROTO_TCP);
	memcpy(th + 16, &sum, 2);
	DPS_CNT_INC(&lc->cnt, tcp_tx);
	DPS_CNT_INC(&lc->cnt, tcp_tx_rst);
	dps_ip6_output(lc, m, ip->src, now);
}

void
dps_tcp_rx6(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
	const struct dps_ipv6_view *ip, uint64_t now)
{
	const uint8_t *th = rte_pktmbuf_mtod_offset(m, const uint8_t *,
		l3_off + ip->l4_off);
	struct dps_l4_view v;
	struct dps_tcp_seg seg;
	struct dps_tcp_out out;
	int rc;

	/* The NIC's checksum verdict is not read on this path: the sum is
	 * computed (an answer is all that can follow). */
	rc = dps_tcp6_check(th, ip->l4_len, ip->src, ip->dst, 0, &v);
	if (rc != DPS_DROP_NONE) {
		dps_lcore_drop(lc, m, rc);
		return;
	}
	DPS_CNT_INC(&lc->cnt, tcp_rx);
	dps_tcp_seg_parse(th, v.hdr_len, v.payload_len, &seg);
	/* RFC 9293 3.10.7.1; Linux answers only a segment to a unicast
	 * address (tcp_v6_send_reset(): ipv6_unicast_destination()). */
	if (!dps_ip6_is_multicast(ip->dst) && dps_tcp_rst_for(&seg, &out))
		tcp6_send_rst(lc, ip, &v, &out, now);
	dps_lcore_drop(lc, m, DPS_DROP_tcp_no_socket);
}
