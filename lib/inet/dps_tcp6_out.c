/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output over IPv6: the segments the TCB asks for, as the IPv4
 * output builds them (dps_tcp_output.c), behind an IPv6 header with the
 * socket's hop limit and traffic class and the checksum over the IPv6
 * pseudo-header (RFC 8200 8.1), handed to dps_ip6_output() (route,
 * neighbour discovery, packets held while a neighbour resolves).
 *
 * A payload larger than the MSS is a TSO frame: the TCB makes those when
 * the port does TSO (dps_tcp6_conf() gives it the port's tso_max, as
 * for IPv4), and the device cuts it into MSS pieces, filling each one's
 * payload length and checksum. Otherwise a payload larger than the
 * header's mbuf (a jumbo MTU) is chained and summed across the chain.
 * The IPv4 fast path's cached way out (struct dps_ip_path) is not
 * used: an IPv6 socket's stays zero, so the established-segment path of
 * dps_tcp_output.c hands every segment of it to dps_tcp_xmit(), which
 * sends it here.
 *
 * Flow labels (RFC 6437; dps_ip6_flow.c): every segment of a socket
 * carries the label of its flow hash, computed when the hash is drawn
 * (connect, a listener's child, a retransmission timeout), not per
 * segment; none when IPV6_AUTOFLOWLABEL or the stack's setting says so.
 * A RST a live socket sends in answer to a segment carries that label
 * under the stack's setting, not the socket's (tcp6_label()).
 * Segments without a socket carry the label their caller gives: a
 * TIME_WAIT entry's (its connection's), a cookie SYN-ACK's (a fresh
 * hash, as Linux's request sock), a RST's for no connection (a keyed
 * hash of the tuple, dps_tcp6_label_nosock()).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include "dps_tcp_priv.h"
#include "dps_wire6.h"

/* The counters of a segment of @pkts packets that left (as
 * dps_tcp_output.c). */
static void
tcp6_tx_count(struct dps_lcore *lc, const struct dps_tcp_out *out, uint32_t plen,
	uint32_t pkts)
{
	DPS_CNT_ADD(&lc->cnt, tcp_tx, pkts);
	if (out->flags & DPS_TH_RST)
		DPS_CNT_INC(&lc->cnt, tcp_tx_rst);
	if (out->rexmit) {
		DPS_CNT_ADD(&lc->cnt, tcp_retrans, pkts);
		if (out->sack_rexmit)
			DPS_CNT_INC(&lc->cnt, tcp_sack_retrans);
	} else if (plen != 0) {
		DPS_CNT_ADD(&lc->cnt, tcp_tx_data, pkts);
		DPS_CNT_ADD(&lc->cnt, tcp_tx_bytes, plen);
	}
}

/*
 * TSO: mark @m, whose payload is @plen bytes in @smss pieces, for the
 * device to cut (RTE_MBUF_F_TX_TCP_SEG over IPv6: l3_len 40, no
 * extension header). It fills each piece's payload length and TCP
 * checksum, so the checksum field holds the sum of the IPv6 pseudo-header
 * (RFC 8200 8.1) without the length, as the offload API asks. Returns
 * the pieces.
 */
static uint32_t
tcp6_tso_mark(struct rte_mbuf *m, const uint8_t *ip, struct rte_tcp_hdr *th,
	uint16_t tcp_len, uint32_t plen, uint16_t smss)
{
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6;
	m->l3_len = DPS_IPV6_HLEN;	/* l2_len: set on the way out */
	m->l4_len = tcp_len;
	m->tso_segsz = smss;
	th->cksum = rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)ip, m->ol_flags);
	return (plen + smss - 1) / smss;
}

/* Does @sk's send buffer hold @out's payload? As tcp_snd_holds() of the
 * IPv4 output: [snd_una, snd_end), less an unacknowledged SYN. */
static bool
tcp6_snd_holds(const struct dps_sock *sk, const struct dps_tcp_out *out)
{
	const struct dps_tcb *t = &sk->tcb;
	uint32_t first = t->syn_unacked ? t->iss + 1 : t->snd_una;

	return dps_seq_geq(out->seq, first) &&
		dps_seq_leq(out->seq + out->len, t->snd_end);
}

/* The hop limit of @sk's packets: IPV6_UNICAST_HOPS, or the default. */
static uint8_t
tcp6_hops(const struct dps_sock6_side *v6)
{
	/* Relaxed: as the traffic class (dps_tcp6_xmit()). */
	int16_t h = __atomic_load_n(&v6->hops, __ATOMIC_RELAXED);

	return h < 0 ? DPS_IPV6_HOP_LIMIT : (uint8_t)h;
}

/*
 * Build one segment from @src:@sport to @dst:@dport with @plen bytes of
 * @sk's send buffer (none without a socket) and route it. @hops, @tclass
 * and @flow: the IPv6 header's.
 */
static void
tcp6_send(struct dps_lcore *lc, struct dps_sock *sk, const uint8_t src[16],
	const uint8_t dst[16], uint16_t sport, uint16_t dport,
	const struct dps_tcp_out *out, uint8_t hops, uint8_t tclass, uint32_t flow,
	uint64_t now)
{
	uint16_t tcp_len = (uint16_t)(DPS_TCP_HLEN + dps_tcp_out_opt_len(out));
	uint32_t plen = sk != NULL ? out->len : 0, inline_len, pkts = 1;
	uint16_t smss = sk != NULL ? (uint16_t)dps_tcb_smss(&sk->tcb) : 0;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	uint8_t *p, *th;

	if (m == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_nomem);	/* lost as on the wire */
		return;
	}
	inline_len = DPS_IPV6_HLEN + tcp_len + plen <= rte_pktmbuf_tailroom(m) ? plen : 0;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DPS_IPV6_HLEN + tcp_len + inline_len));
	if (p == NULL || (plen != inline_len && dps_tcp_snd_chain(sk, sk->tcb.snd_una,
			out->seq - sk->tcb.snd_una, plen, lc->pool, m) != 0)) {
		rte_pktmbuf_free(m);
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		return;
	}
	th = p + DPS_IPV6_HLEN;
	dps_ipv6_build(p, DPS_IPV6_HLEN, src, dst, IPPROTO_TCP,
		(uint16_t)(tcp_len + plen), hops, tclass, flow);
	dps_tcp_build(th, tcp_len, sport, dport, out);
	if (inline_len != 0)
		dps_tcp_snd_copy(sk, sk->tcb.snd_una, out->seq - sk->tcb.snd_una, plen,
			th + tcp_len);
	memset(th + 16, 0, 2);
	if (plen > smss) {		/* plen is 0 without a socket */
		pkts = tcp6_tso_mark(m, p, (struct rte_tcp_hdr *)th, tcp_len, plen, smss);
		DPS_CNT_INC(&lc->cnt, tcp_tx_tso);
	} else if (plen == inline_len) {
		uint16_t sum = dps_l4v6_csum(th, tcp_len + plen, src, dst, IPPROTO_TCP);

		memcpy(th + 16, &sum, 2);
	} else {
		((struct rte_tcp_hdr *)th)->cksum = rte_ipv6_udptcp_cksum_mbuf(m,
			(const struct rte_ipv6_hdr *)p, DPS_IPV6_HLEN);
	}
	tcp6_tx_count(lc, out, plen, pkts);
	(void)dps_ip6_output(lc, m, dst, now);
}

/*
 * The flow label of @out, a segment of the socket whose IPv6 side is @v6.
 * Its own segments (an abort's RST included: Linux's
 * tcp_send_active_reset() goes through the socket) carry the label of
 * its flow hash unless IPV6_AUTOFLOWLABEL says none. A RST answering a
 * segment (dps_tcp_rst_for(): an unacceptable ACK, data after close) is
 * sent as Linux's tcp_v6_send_reset() sends it for a full socket: from
 * the stack's control socket, whose label follows the stack's setting
 * alone (ip6_make_flowlabel() with ip6_autoflowlabel() of a socket that
 * never set the option), over the socket's hash (sk_txhash) all the
 * same. The label is this lcore's own (dps_tcp6_rehash()).
 */
static uint32_t
tcp6_label(const struct dps_lcore *lc, const struct dps_sock6_side *v6,
	const struct dps_tcp_out *out)
{
	bool on;

	if (unlikely(out->flags & DPS_TH_RST) && out->answer)
		on = dps_ip6_autolabel(lc->stack, -1);
	else	/* relaxed, as the traffic class: IPV6_AUTOFLOWLABEL */
		on = __atomic_load_n(&v6->afl, __ATOMIC_RELAXED) != 0;
	return on ? v6->flow : 0;
}

void
dps_tcp6_xmit(struct dps_lcore *lc, struct dps_sock *sk, const struct dps_tcp_out *out,
	uint64_t now)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);

	if (out->len != 0 && !tcp6_snd_holds(sk, out)) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_tx_unbuffered);
		return;
	}
	/* Relaxed: setsockopt() may change them at any time; a segment
	 * takes the old or the new value, as ip_tos (dps_sock_opt()). The
	 * ECN bits of IPV6_TCLASS are TCP's, as IP_TOS's. */
	uint8_t tclass = (uint8_t)(__atomic_load_n(&v6->tclass, __ATOMIC_RELAXED) & ~3u);
	uint8_t hops = tcp6_hops(v6);

	/* A RST in answer to a segment leaves as from Linux's control
	 * socket: the default hop limit, the segment's traffic class
	 * (dps_tcp_rst_for()). */
	if (unlikely(out->answer)) {
		hops = DPS_IPV6_HOP_LIMIT;
		tclass = out->tos;
	}
	tcp6_send(lc, sk, v6->laddr, v6->raddr, sk->tup.lport, sk->tup.rport, out,
		hops, tclass, tcp6_label(lc, v6, out), now);
}

void
dps_tcp6_xmit_out(struct dps_lcore *lc, const struct dps_tuple6 *t,
	const struct dps_tcp_out *out, uint32_t flow, uint64_t now)
{
	tcp6_send(lc, NULL, t->laddr, t->raddr, t->lport, t->rport, out,
		DPS_IPV6_HOP_LIMIT, out->tos, flow, now);
}

uint32_t
dps_tcp6_label_nosock(const struct dps_lcore *lc, const struct dps_tuple6 *t)
{
	const struct dps_stack *s = lc->stack;

	if (!dps_ip6_autolabel(s, -1))
		return 0;
	return dps_ip6_label(s, dps_ip6_flow_hash(s, t->laddr, t->raddr, t->lport,
		t->rport, IPPROTO_TCP));
}

void
dps_tcp6_rehash(struct dps_sock *sk)
{
	dps_sock6(sk)->flow = dps_ip6_label(sk->stack, dps_ip6_txhash());
}
