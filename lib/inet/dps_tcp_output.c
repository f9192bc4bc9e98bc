/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output on the lcore: segments the TCB asks for are built into
 * mbufs (payload copied or chained from the send buffer, or one TSO
 * frame) and handed to IP; the timer wheel follows the TCB's deadline.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/* ---- output ---- */

/*
 * TSO: mark @m, whose payload is @plen bytes in @smss pieces, for the
 * device to cut. It fills each piece's IPv4 and TCP checksums and
 * identification, so the TCP checksum field holds the pseudo-header sum
 * without the length, as the offload API asks. Returns the pieces.
 */
static uint32_t
tcp_tso_mark(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th,
	uint16_t tcp_len, uint32_t plen, uint16_t smss)
{
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	m->l4_len = tcp_len;		/* l2_len, l3_len: set on the way out */
	m->tso_segsz = smss;
	th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	return (plen + smss - 1) / smss;
}

/*
 * Build and route one segment of flow @t: header, options and, for data,
 * @out->len bytes copied from @sk's send buffer (NULL: no payload). A
 * payload larger than the header's mbuf has room for goes in a chain;
 * one larger than the MSS is a TSO frame (the TCB makes those only for a
 * device that offers TSO). @ip_id is the flow's IPv4 identification
 * counter: Linux starts each connection's at a random value and adds one
 * per packet.
 */
/*
 * Does the send buffer hold the payload of @out? It holds the sequence
 * space [snd_una, snd_end), less the SYN at the ISS while that is
 * unacknowledged (never order against the ISS itself: it lies "ahead"
 * again once 2^31 bytes have gone by). The TCP core should
 * never ask for more; if it does, the segment is dropped and counted
 * rather than filled from whatever the mbuf held before.
 */
static bool
tcp_snd_holds(const struct dps_sock *sk, const struct dps_tcp_out *out)
{
	const struct dps_tcb *t = &sk->tcb;
	uint32_t first = t->syn_unacked ? t->iss + 1 : t->snd_una;

	return dps_seq_geq(out->seq, first) &&
		dps_seq_leq(out->seq + out->len, t->snd_end);
}

/*
 * The counters of a segment of @pkts frames that left.
 */
static void
tcp_tx_count(struct dps_lcore *lc, const struct dps_tcp_out *out, uint32_t plen,
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
 * A segment of a connection whose path holds, with a payload that fits
 * one mbuf with the headers and no TSO. The whole frame is written in
 * one place and its checksum summed from the header words just written
 * plus the payload (RFC 1071 2(C)). @est: the timestamp-only header of
 * an established flow, written as words (dps_tcp_build_est()); else any
 * header, field by field. Returns false, having done nothing, when the
 * general path must send @out. Inlined in its two callers, so that the
 * established one keeps its constant layout.
 */
static inline __attribute__((always_inline)) bool
tcp_xmit_path(struct dps_lcore *lc, struct dps_sock *sk, const struct dps_tcp_out *out,
	bool est, uint64_t now)
{
	const struct dps_tuple *t = &sk->tup;
	uint16_t tcp_len = (uint16_t)(DPS_TCP_HLEN + (est ?
		(out->opt.has_ts ? DPS_TCP_TS_OPT_LEN : 0) : dps_tcp_out_opt_len(out)));
	uint32_t plen = out->len;
	struct rte_mbuf *m;
	uint64_t sum;
	uint8_t *th;
	int err;

	if (plen > dps_tcb_smss(&sk->tcb))
		return false;
	if (plen != 0 && !tcp_snd_holds(sk, out))
		return false;		/* dropped and counted there */
	m = dps_ip_path_alloc(lc, &sk->path, t->laddr, t->raddr, IPPROTO_TCP,
		dps_sock_opt(sk, ip_tos), dps_sock_ip_ttl(sk), sk->ip_id,
		(uint16_t)(tcp_len + plen), now, &th, &err);
	if (m == NULL)
		return err != -EAGAIN;	/* no mbuf: lost like on the wire */
	if (est)
		dps_tcp_build_est(th, t->lport, t->rport, out);
	else
		(void)dps_tcp_build(th, tcp_len, t->lport, t->rport, out);
	sum = dps_csum_words(th - 8, 2) +	/* the addresses */
		dps_csum_ph_word(IPPROTO_TCP, (uint16_t)(tcp_len + plen)) +
		dps_csum_words(th, tcp_len / 4u);
	if (plen != 0) {
		dps_tcp_snd_copy(sk, sk->tcb.snd_una, out->seq - sk->tcb.snd_una, plen,
			th + tcp_len);
		sum += dps_csum_raw(th + tcp_len, plen);
	}
	((struct rte_tcp_hdr *)th)->cksum = (uint16_t)~dps_csum_fold(sum);
	sk->ip_id++;
	tcp_tx_count(lc, out, plen, 1);
	dps_ip_path_send(lc, &sk->path, m);
	return true;
}

/*
 * The segments of an established connection, nearly all of them: no
 * SYN, no SACK blocks, through tcp_xmit_path().
 */
static bool
tcp_xmit_est(struct dps_lcore *lc, struct dps_sock *sk, const struct dps_tcp_out *out,
	uint64_t now)
{
	if (out->opts != DPS_TCP_OUT_TS || out->n_sack != 0)
		return false;
	return tcp_xmit_path(lc, sk, out, true, now);
}

void
dps_tcp_xmit(struct dps_lcore *lc, struct dps_sock *sk, const struct dps_tuple *t,
	const struct dps_tcp_out *out, uint16_t *ip_id, uint64_t now)
{
	size_t olen = dps_tcp_out_opt_len(out);
	uint16_t tcp_len = (uint16_t)(DPS_TCP_HLEN + olen), smss = 0;
	uint32_t plen = sk != NULL ? out->len : 0, pkts = 1;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	uint32_t inline_len;
	struct rte_ipv4_hdr *ip;
	uint8_t *th;

	if (plen != 0 && !tcp_snd_holds(sk, out)) {
		rte_pktmbuf_free(m);
		dps_drop(&lc->cnt, DPS_DROP_tcp_tx_unbuffered);
		return;
	}
	if (m == NULL) {
		/* Lost like on the wire; the retransmission timer recovers. */
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		return;
	}
	inline_len = DPS_IPV4_HLEN + tcp_len + plen <= rte_pktmbuf_tailroom(m) ? plen : 0;
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m,
		(uint16_t)(DPS_IPV4_HLEN + tcp_len + inline_len));
	if (ip == NULL || (plen != inline_len && dps_tcp_snd_chain(sk, sk->tcb.snd_una,
			out->seq - sk->tcb.snd_una, plen, lc->pool, m) != 0)) {
		rte_pktmbuf_free(m);
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		return;
	}
	th = (uint8_t *)(ip + 1);
	if (sk != NULL)
		smss = (uint16_t)dps_tcb_smss(&sk->tcb);
	dps_ipv4_build((uint8_t *)ip, DPS_IPV4_HLEN, t->laddr, t->raddr, IPPROTO_TCP,
		(uint16_t)(tcp_len + plen), DPS_IP_TTL, *ip_id, true);
	/* A RST in answer to a segment leaves as from Linux's control
	 * socket: the default TTL, the segment's TOS (dps_tcp_rst_for()). */
	if (sk != NULL && !out->answer)
		dps_sock_ip_marks(sk, ip);
	else
		ip->type_of_service = out->tos;
	dps_tcp_build(th, tcp_len, t->lport, t->rport, out);
	if (inline_len != 0)
		dps_tcp_snd_copy(sk, sk->tcb.snd_una, out->seq - sk->tcb.snd_una, plen,
			th + tcp_len);
	if (plen > smss) {		/* plen is 0 without a socket */
		pkts = tcp_tso_mark(m, ip, (struct rte_tcp_hdr *)th, tcp_len, plen, smss);
		DPS_CNT_INC(&lc->cnt, tcp_tx_tso);
	} else if (plen == inline_len) {
		((struct rte_tcp_hdr *)th)->cksum = (uint16_t)~dps_l4_sum(th,
			tcp_len + plen, t->laddr, t->raddr, IPPROTO_TCP);
	} else {
		((struct rte_tcp_hdr *)th)->cksum = rte_ipv4_udptcp_cksum_mbuf(m, ip,
			sizeof(*ip));
	}
	*ip_id = (uint16_t)(*ip_id + pkts);
	tcp_tx_count(lc, out, plen, pkts);
	(void)dps_ip_output_path(lc, m, t->raddr, now,
		sk != NULL && t == &sk->tup ? &sk->path : NULL);
}

/*
 * The first segment of @sk (its SYN, or a child's SYN-ACK), which route
 * @r takes: its path is filled first when the next hop is known, so the
 * segment takes the same hot path as those after it, not the route
 * lookup, ARP probe and prepend of the general output that would fill
 * the path from it. The frame is the same either way.
 */
void
dps_tcp_xmit_first(struct dps_lcore *lc, struct dps_sock *sk, const struct dps_route *r,
	const struct dps_tcp_out *out, uint64_t now)
{
	if (dps_ip_path_prime(lc, &sk->path, r, sk->tup.raddr) &&
			tcp_xmit_path(lc, sk, out, false, now))
		return;
	dps_tcp_xmit(lc, sk, &sk->tup, out, &sk->ip_id, now);
}

/* A segment without payload for flow @t (RSTs, TIME_WAIT ACKs). */
void
dps_tcp_xmit_out(struct dps_lcore *lc, const struct dps_tuple *t,
	const struct dps_tcp_out *out, uint16_t *ip_id, uint64_t now)
{
	dps_tcp_xmit(lc, NULL, t, out, ip_id, now);
}

void
dps_tcp_xmit_all(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_tcp_out *out, unsigned int n, uint64_t now)
{
	for (unsigned int i = 0; i < n; i++) {
		if (tcp_xmit_est(lc, sk, &out[i], now))
			continue;
		/* An IPv6 connection's path stays empty: every segment of it
		 * comes here (dps_tcp6_out.c). */
		if (unlikely(dps_tcp_is_v6(sk)))
			dps_tcp6_xmit(lc, sk, &out[i], now);
		else
			dps_tcp_xmit(lc, sk, &sk->tup, &out[i], &sk->ip_id, now);
	}
}

/* Everything the TCB wants to send now. */
void
dps_tcp_output(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcp_out out[16];
	uint32_t nxt0 = sk->tcb.snd_nxt;
	unsigned int n;

	if (!dps_tcp_x_hold(lc, sk))
		return;		/* ack_now and the queue wait for the next call */
	do {
		n = dps_tcb_output(&sk->tcb, now, out, RTE_DIM(out));
		dps_tcp_xmit_all(lc, sk, out, n, now);
	} while (n == RTE_DIM(out));
	/* TCP_NOTSENT_LOWAT: writable again once enough unsent bytes went. */
	if (sk->tcb.snd_nxt != nxt0 && dps_sock_opt(sk, notsent_lowat) != 0)
		dps_sock_notify(sk, DPS_CB_WRITABLE);
	dps_sock_publish_rcv_wnd(sk, dps_seq_gt(sk->tcb.rcv_adv, sk->tcb.rcv_nxt) ?
		sk->tcb.rcv_adv - sk->tcb.rcv_nxt : 0);
}

/*
 * Output is owed on @sk. Input, timers, the application's writes, closes
 * and window updates all land here rather than sending at once, so one
 * iteration's decisions about a flow leave together: the ACK of a SYN-ACK
 * on the request written on connect (Linux delays it the same way while
 * a write is pending, tcp_rcv_synsent_state_process()), a response with
 * the ACK of its request and the FIN of the close that followed it
 * (tcp_send_fin() merges the FIN into an unsent tail), the ACK of data
 * and FIN as one. An ACK that is owed still leaves in this iteration
 * (RFC 9293 3.10.7.4, RFC 1122 4.2.3.2): the list is drained before the
 * transmit flush of the same poll.
 */
void
dps_tcp_due(struct dps_lcore *lc, struct dps_sock *sk)
{
	if (sk->out_due)
		return;
	sk->out_due = true;
	TAILQ_INSERT_TAIL(&dps_tcp_lc(lc)->out_due, sk, out_link);
}

void
dps_tcp_undue(struct dps_lcore *lc, struct dps_sock *sk)
{
	if (!sk->out_due)
		return;
	sk->out_due = false;
	TAILQ_REMOVE(&dps_tcp_lc(lc)->out_due, sk, out_link);
}

/*
 * Send what each listed connection owes, then follow its deadline. A
 * connection that output ends (an abort the TCB carried out) finishes
 * here. Taking the head each time keeps the walk safe against anything
 * output does to other entries (a failed next hop finishes them).
 */
void
dps_tcp_output_due(struct dps_lcore *lc, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_sock *sk;

	while ((sk = TAILQ_FIRST(&tl->out_due)) != NULL) {
		dps_tcp_undue(lc, sk);
		dps_tcp_output(lc, sk, now);
		if (sk->tcb.state == DPS_TCPS_CLOSE) {
			dps_tcp_done(lc, sk, sk->tcb.err);
		} else {
			dps_tcp_sync_timer(lc, sk, now);
			dps_tcp_x_release(lc, sk);
		}
	}
}

/* Keep the wheel in step with the TCB's single deadline. With none, an
 * established connection keeps (or gets) the idle form's timer when that
 * is on (dps_tcp_idle.c): an earlier one fires, finds no deadline and
 * looks again; a later one (the SYN's retransmission timer, a second
 * ahead, left armed by the handshake) is brought forward, so that a
 * fresh connection goes compact idle_ms after it went quiet as any
 * other, not when the SYN would have been sent again. */
void
dps_tcp_sync_timer(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	uint64_t d = dps_tcb_deadline(&sk->tcb);

	if (d != 0) {
		if (!dps_tw_armed(&sk->timer) || sk->timer.when != d)
			dps_tw_arm(tl->tw, &sk->timer, d);
	} else if (tl->idle_ns == 0 || sk->tcb.state != DPS_TCPS_ESTABLISHED) {
		dps_tw_cancel(tl->tw, &sk->timer);
	} else if (!dps_tw_armed(&sk->timer) || sk->timer.when > now + tl->idle_ns) {
		dps_tw_arm(tl->tw, &sk->timer, now + tl->idle_ns);
	}
}
