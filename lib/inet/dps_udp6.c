/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP over IPv6 on the lcore (the UDP slot's input6 and err6), as
 * Linux's __udp6_lib_rcv() and __udp6_lib_err().
 *
 * Input: the checksum first (mandatory over IPv6, RFC 8200 8.1: a zero
 * one is an error, dps_udp6_check()), then the socket holding the
 * destination port's IPv6 slot (dps_udp6_port.c; an AF_INET socket never
 * takes IPv6, only an AF_INET6 one is dual-stack), or the member of the
 * port's SO_REUSEPORT group a hash of the 4-tuple names. It takes the
 * datagram when its bound address is :: or the destination, and, once
 * connected, when the datagram comes from its peer; the datagram then
 * goes to its receive ring, its IPv6 header first (recvfrom() reads the source
 * there), extension headers taken out. Otherwise port unreachable
 * (RFC 4443 3.1 code 4) through ICMPv6's rate limit and its rules (RFC
 * 4443 2.4(e): never about a packet to a group), the datagram counted
 * as udp_no_port or udp_not_peer.
 *
 * ICMPv6 errors reach a connected socket whose peer the quoted datagram
 * went to, as so_error, when Linux's icmpv6_err_convert() calls them
 * fatal (port unreachable: ECONNREFUSED); without IPV6_RECVERR Linux
 * reports nothing else (__udp6_lib_err()).
 */
#include <rte_ether.h>
#include <rte_mbuf.h>
#include "dps_inet.h"
#include "dps_wire6.h"

/* The socket taking @port's IPv6 datagrams, with a reference, or NULL;
 * @member, when not NULL, is the one of the port's SO_REUSEPORT group to
 * take instead (still an AF_INET6 datagram socket on the port, checked
 * with the reference held), as udp_lookup() in dps_udp.c. */
static struct dps_sock *
lookup6(struct dps_sockets *ss, uint16_t port, struct dps_sock *member)
{
	struct dps_sock *sk = member != NULL ? member : dps_udp6_port_sock(ss, port);

	if (sk == NULL || !dps_obj_tryref(&sk->obj))
		return NULL;
	if (member != NULL ? sk->type != SOCK_DGRAM || !dps_sock_is6(sk) ||
			dps_sock_lport(sk) != rte_cpu_to_be_16(port) :
			dps_udp6_port_sock(ss, port) != sk) {	/* gone meanwhile */
		dps_sock_put(sk);
		return NULL;
	}
	return sk;
}

/* Does @sk take a datagram from @src:@sport to @dst? */
static bool
match6(struct dps_sock *sk, const uint8_t src[16], uint16_t sport,
	const uint8_t dst[16])
{
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);

	if (!dps_ip6_is_unspecified(v6->laddr) && memcmp(v6->laddr, dst, 16) != 0)
		return false;
	if (sk->tup.rport != 0 && (sk->tup.rport != sport ||
			memcmp(v6->raddr, src, 16) != 0))
		return false;
	return true;
}

/* The datagram as the receive ring keeps it: the IPv6 header, then the
 * UDP header at l3_len (40), the extension headers between moved out. */
static void
trim6(struct rte_mbuf *m, uint16_t l3_off, const struct dps_ipv6_view *ip)
{
	uint32_t ext = ip->l4_off - DPS_IPV6_HLEN;

	rte_pktmbuf_adj(m, l3_off);
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - ip->l4_off - ip->l4_len));
	if (ext != 0) {
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

		memmove(p + ext, p, DPS_IPV6_HLEN);
		rte_pktmbuf_adj(m, (uint16_t)ext);
	}
	m->l3_len = DPS_IPV6_HLEN;
}

void
dps_udp_rx6(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
	const struct dps_ipv6_view *ip, uint64_t now)
{
	const uint8_t *uh = rte_pktmbuf_mtod_offset(m, const uint8_t *,
		l3_off + ip->l4_off);
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct dps_l4_view v;
	struct dps_sock *sk;
	int rc, reason = DPS_DROP_udp_no_port;

	/* The NIC's verdict where it gave one (dps_ip6_rx()), else the sum. */
	rc = dps_udp6_check(uh, ip->l4_len, ip->src, ip->dst, ip->l4_csum, &v);
	if (rc != DPS_DROP_NONE) {
		dps_lcore_drop(lc, m, rc);
		return;
	}
	DPS_CNT_INC(&lc->cnt, udp_rx);
	sk = lookup6(ss, rte_be_to_cpu_16(v.dport),
		dps_ugroup_pick6(ss, ip->src, v.sport, ip->dst, v.dport));
	if (sk != NULL && !match6(sk, ip->src, v.sport, ip->dst)) {
		dps_sock_put(sk);	/* Linux finds no socket either */
		sk = NULL;
		reason = DPS_DROP_udp_not_peer;
	}
	if (sk == NULL) {
		dps_icmp6_port_unreach(lc, m, l3_off, ip, l3_off >= RTE_ETHER_HDR_LEN &&
			rte_is_multicast_ether_addr(&eh->dst_addr), now);
		dps_lcore_drop(lc, m, reason);
		return;
	}
	trim6(m, l3_off, ip);
	if (rte_ring_mp_enqueue(dps_sock_rxq(sk), m) != 0)
		dps_lcore_drop(lc, m, DPS_DROP_udp_rxq_full);
	else
		dps_sock_notify(sk, DPS_CB_READABLE);
	dps_sock_put(sk);
}

void
dps_udp_err6(struct dps_lcore *lc, const struct dps_icmp6_view *icmp, int err,
	bool fatal, uint64_t now)
{
	const struct dps_icmp6_quote *q = &icmp->quote;
	struct dps_sock *sk;

	(void)now;
	if (!q->has_ports)
		return;
	sk = lookup6(dps_socks(lc->stack), rte_be_to_cpu_16(q->sport), NULL);
	if (sk == NULL)
		return;
	if (fatal && err != 0 && sk->tup.rport != 0 && sk->tup.rport == q->dport &&
			memcmp(dps_sock6(sk)->raddr, q->dst, 16) == 0) {
		dps_sock_publish_error(sk, err);
		dps_sock_notify(sk, DPS_CB_ERROR);
	}
	dps_sock_put(sk);
}
