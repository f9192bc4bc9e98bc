/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP over IPv6 on the lcore: the slot's input6 and err6.
 *
 * Input (Linux's tcp_v6_rcv()): the checksum over the IPv6 pseudo-header,
 * or the NIC's verdict on it as over IPv4 (a segment that fails it is
 * dropped unanswered, as tcp_checksum_complete()), the flow's owner (RSS over the IPv6 tuple;
 * a segment that landed elsewhere goes to its owner as IPv4 segments
 * do), then the IPv6 table: a connection's segment goes to the TCB,
 * with the flow label it came under (dps_tcp_seg.flow), through the
 * IPv4 code's socket path (dps_tcp_input_sock()), a
 * TIME_WAIT entry answers its own, a listener takes a SYN, and anything
 * else is answered with a RST by RFC 9293 3.10.7.1, never to a RST and
 * never to a group (tcp_v6_send_reset(): ipv6_unicast_destination()).
 * An AF_INET socket never takes IPv6 segments: Linux keeps the two
 * families' tables apart, and only an AF_INET6 socket is dual-stack.
 *
 * Errors (tcp_v6_err()): an ICMPv6 error quoting one of our flows goes
 * to the flow's owner (handed off in an mbuf when it landed on another
 * lcore), then to its TCB as an ICMP error does over IPv4 (dps_tcb_icmp(): only
 * about sequence numbers in flight; a connection being opened fails
 * with the error, an open one keeps it as its soft error), packet too
 * big lowering the MSS to the reported MTU less 60 (at least the
 * minimum MTU's, RFC 8201 4).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_mbuf.h>
#include "dps_tcp_priv.h"
#include "dps_wire6.h"

/* The tuple of a segment from @src to @dst whose TCP header is @th: ours
 * first, as the table keys it. */
static void
tcp6_tuple(struct dps_tuple6 *t, const uint8_t src[16], const uint8_t dst[16],
	const uint8_t *th)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->laddr, dst, 16);
	memcpy(t->raddr, src, 16);
	memcpy(&t->rport, th, 2);
	memcpy(&t->lport, th + 2, 2);
	t->proto = IPPROTO_TCP;
}

/* A segment for no IPv6 connection: a listener's, or a RST in answer. */
static void
tcp6_no_conn(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple6 *t,
	const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_tcp_out out;

	if (dps_port_is_listening6(dps_socks(lc->stack), rte_be_to_cpu_16(t->lport)) &&
			dps_tcp6_listen_input(lc, m, t, seg, now))
		return;
	if (!dps_ip6_is_multicast(t->laddr) && dps_tcp_rst_for(seg, &out))
		dps_tcp6_xmit_out(lc, t, &out, dps_tcp6_label_nosock(lc, t), now);
	dps_lcore_drop(lc, m, DPS_DROP_tcp_no_socket);
}

/* A validated segment of flow @t on its owner; the IPv6 header at
 * m->l2_len, the TCP header m->l3_len after it, m->l4_len long. */
static void
tcp6_input(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple6 *t,
	uint32_t payload_len, uint64_t now)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
	const uint8_t *th = ip + m->l3_len;
	struct dps_tcp_seg seg;
	rte_be32_t vtc;
	void *d;

	dps_tcp_seg_parse(th, m->l4_len, payload_len, &seg);
	/* The peer's flow label goes with the segment: the TCB compares
	 * that of duplicate data with the last (tcb_dup_data_seen()). */
	memcpy(&vtc, ip, sizeof(vtc));
	seg.flow = (rte_be_to_cpu_32(vtc) & DPS_TCP_FLOW_LABEL) | DPS_TCP_FLOW_V6;
	seg.tos = (uint8_t)(rte_be_to_cpu_32(vtc) >> 20);	/* traffic class */
	d = dps_tcp6_lookup_any(lc, t);
	if (d != NULL && dps_tcp_is_tw(d)) {
		if (dps_tws6_input(lc, dps_tcp_tw6_of(d), &seg, now)) {
			rte_pktmbuf_free(m);
			return;
		}
		d = NULL;
	}
	if (d == NULL) {
		tcp6_no_conn(lc, m, t, &seg, now);
		return;
	}
	dps_tcp_input_sock(lc, m, d, &seg, (uint16_t)m->l4_len, now);
}

void
dps_tcp_rx6(struct dps_lcore *lc, struct rte_mbuf *m, uint16_t l3_off,
	const struct dps_ipv6_view *ip, uint64_t now)
{
	const struct dps_sockets *ss = dps_socks(lc->stack);
	const uint8_t *th = rte_pktmbuf_mtod_offset(m, const uint8_t *,
		l3_off + ip->l4_off);
	uint32_t end = l3_off + ip->l4_off + ip->l4_len;
	struct dps_l4_view v;
	struct dps_tuple6 t;
	unsigned int owner;
	int rc;

	/* The NIC's verdict where it gave one (dps_ip6_rx()), else the sum. */
	rc = dps_tcp6_check(th, ip->l4_len, ip->src, ip->dst, ip->l4_csum, &v);
	if (rc == DPS_DROP_NONE && ip->l4_off > 511)	/* past m->l3_len's 9 bits */
		rc = DPS_DROP_tcp_truncated;
	if (rc != DPS_DROP_NONE) {
		dps_lcore_drop(lc, m, rc);
		return;
	}
	DPS_CNT_INC(&lc->cnt, tcp_rx);
	m->l2_len = l3_off;
	m->l3_len = ip->l4_off;
	m->l4_len = v.hdr_len;
	/* Trailing bytes (Ethernet padding) are not payload. */
	if (m->data_len > end)
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - end));
	tcp6_tuple(&t, ip->src, ip->dst, th);
	owner = ss->n_owners == 1 ? 0 : dps_flow_owner6(ss, &t);
	if (owner != lc->idx) {
		struct dps_msg msg = { .op = DPS_MSG_RX6_HANDOFF, .ptr = m };

		if (dps_lcore_post(lc->stack, owner, &msg) != 0)
			dps_lcore_drop(lc, m, DPS_DROP_tcp_handoff_full);
		else
			DPS_CNT_INC(&lc->cnt, tcp_rx_handoff);
		return;
	}
	tcp6_input(lc, m, &t, v.payload_len, now);
}

/* A segment another lcore received (and checked) for a flow we own. */
void
dps_tcp_rx6_handoff(struct dps_lcore *lc, struct rte_mbuf *m, uint64_t now)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l2_len);
	const uint8_t *th = ip + m->l3_len;
	uint32_t payload = m->data_len - m->l2_len - m->l3_len - m->l4_len;
	struct dps_tuple6 t;

	tcp6_tuple(&t, ip + 8, ip + 24, th);
	tcp6_input(lc, m, &t, payload, now);
}

/* An ICMPv6 error about flow @t, on its owner: to its TCB, with @seq
 * the quoted sequence number (host order) and @mtu the reported MTU of
 * a packet too big. */
static void
tcp6_err_owned(struct dps_lcore *lc, const struct dps_tuple6 *t, uint32_t seq,
	int err, uint32_t mtu, uint64_t now)
{
	void *d = dps_tcp6_lookup_any(lc, t);
	struct dps_sock *sk;
	int ev;

	if (d == NULL || dps_tcp_is_tw(d))
		return;
	sk = d;
	if (err == EMSGSIZE) {
		/* dps_tcb_icmp() takes an IPv4 MTU (the MSS is 40 less): the
		 * IPv6 MSS is 60 less, and never below the minimum MTU's. */
		mtu = mtu < DPS_IPV6_MIN_MTU ? DPS_IPV6_MIN_MTU : mtu;
		if (mtu > 65535)
			mtu = 65535;
		mtu -= DPS_TCP6_HDRS - 40;
	} else {
		mtu = 0;
	}
	ev = dps_tcb_icmp(&sk->tcb, seq, err, (uint16_t)mtu);
	if (ev == DPS_TCB_CLOSED)
		dps_sock_publish_errq(sk);
	dps_tcp_after(lc, sk, ev, sk->tcb.snd_una, now);
}

/*
 * What an ICMPv6 error tells the flow's owner. A struct dps_msg (32
 * bytes) cannot carry an IPv6 tuple, so the record travels in an mbuf
 * of the lcore's pool, as a segment handed off does (DPS_MSG_MBUF: the
 * core frees it if the stack stops first).
 */
struct tcp6_icmp_rec {
	struct dps_tuple6 t;
	uint32_t seq;			/* host order */
	uint32_t mtu;
	int32_t err;
};

int
dps_tcp6_icmp_post(struct dps_lcore *lc, unsigned int owner,
	const struct dps_tuple6 *t, uint32_t seq, int err, uint32_t mtu)
{
	struct dps_msg msg = { .op = DPS_MSG_TCP_ICMP6 };
	struct tcp6_icmp_rec *r;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);

	if (m == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		return -ENOBUFS;
	}
	r = (struct tcp6_icmp_rec *)rte_pktmbuf_append(m, sizeof(*r));
	if (r == NULL) {
		dps_lcore_drop(lc, m, DPS_DROP_nomem);
		return -ENOBUFS;
	}
	r->t = *t;
	r->seq = seq;
	r->mtu = mtu;
	r->err = err;
	msg.ptr = m;
	if (dps_lcore_post(lc->stack, owner, &msg) != 0) {
		dps_lcore_drop(lc, m, DPS_DROP_tcp_handoff_full);
		return -EAGAIN;
	}
	DPS_CNT_INC(&lc->cnt, tcp_icmp6_handoff);
	return 0;
}

void
dps_tcp6_icmp_handoff(struct dps_lcore *lc, struct rte_mbuf *m, uint64_t now)
{
	struct tcp6_icmp_rec r;

	memcpy(&r, rte_pktmbuf_mtod(m, const void *), sizeof(r));
	rte_pktmbuf_free(m);
	tcp6_err_owned(lc, &r.t, r.seq, r.err, r.mtu, now);
}

void
dps_tcp_err6(struct dps_lcore *lc, const struct dps_icmp6_view *icmp, int err,
	bool fatal, uint64_t now)
{
	const struct dps_sockets *ss = dps_socks(lc->stack);
	const struct dps_icmp6_quote *q = &icmp->quote;
	struct dps_tuple6 t;
	unsigned int owner;

	(void)fatal;		/* tcp_v6_err() acts on every error, as dps_tcb_icmp() */
	if (!q->has_ports)
		return;
	memset(&t, 0, sizeof(t));
	memcpy(t.laddr, q->src, 16);
	memcpy(t.raddr, q->dst, 16);
	t.lport = q->sport;
	t.rport = q->dport;
	t.proto = IPPROTO_TCP;
	/* The error hashed to whatever queue its own header picked: the
	 * quoted flow's owner (RSS over the quoted tuple) takes it, as an
	 * IPv4 error goes to its owner (dps_tcp_icmp_err()). */
	owner = ss->n_owners == 1 ? 0 : dps_flow_owner6(ss, &t);
	if (owner != lc->idx) {
		(void)dps_tcp6_icmp_post(lc, owner, &t, rte_be_to_cpu_32(q->seq), err,
			icmp->mtu);
		return;
	}
	tcp6_err_owned(lc, &t, rte_be_to_cpu_32(q->seq), err, icmp->mtu, now);
}
