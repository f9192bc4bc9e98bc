/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input on the lcore that owns the flow: the segment goes to its
 * connection's TCB, to a TIME_WAIT entry, to a listener, or is answered
 * with a RST (RFC 9293 3.10.7). Payload is charged to the reader's queue
 * before the TCB sees it.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

/* ---- input ---- */

/* Recovery counters of the lcore follow the TCB's. */
void
dps_tcp_count_recovery(struct dps_lcore *lc, const struct dps_tcb_stats *a,
	const struct dps_tcb_stats *z)
{
	DPS_CNT_ADD(&lc->cnt, tcp_dupack_rx, z->dupacks_rx - a->dupacks_rx);
	DPS_CNT_ADD(&lc->cnt, tcp_fast_retrans, z->fast_retrans - a->fast_retrans);
	DPS_CNT_ADD(&lc->cnt, tcp_rto, z->rto_count - a->rto_count);
	DPS_CNT_ADD(&lc->cnt, tcp_zwp, z->zwp_sent - a->zwp_sent);
	DPS_CNT_ADD(&lc->cnt, tcp_keepalive, z->ka_sent - a->ka_sent);
	DPS_CNT_ADD(&lc->cnt, tcp_challenge_ack, z->challenge_acks - a->challenge_acks);
	DPS_CNT_ADD(&lc->cnt, tcp_dup_data_rehash, z->dup_rehash - a->dup_rehash);
	if (z->paws_drops != a->paws_drops)
		dps_drop(&lc->cnt, DPS_DROP_tcp_paws);
}

/*
 * Whether any counter dps_tcp_count_recovery() follows moved from @a to
 * @z. Nearly every segment moves none, and the count itself is seven
 * load-add-stores into the lcore's counters and a call (36
 * instructions a segment); this compares the first 48 bytes of the two
 * snapshots as three vectors under a mask of those counters' words
 * (about 14). The other counters there (header prediction's, move on
 * most segments) are masked out.
 */
typedef uint32_t rec_v4 __attribute__((vector_size(16)));

#define REC_WORD(f) (offsetof(struct dps_tcb_stats, f) / sizeof(uint32_t))
#define REC_WORDS 12
static_assert(sizeof(struct dps_tcb_stats) >= REC_WORDS * sizeof(uint32_t),
	"the compare reads 48 bytes of the snapshots");
static_assert(REC_WORD(dupacks_rx) < REC_WORDS && REC_WORD(fast_retrans) < REC_WORDS &&
	REC_WORD(rto_count) < REC_WORDS && REC_WORD(zwp_sent) < REC_WORDS &&
	REC_WORD(ka_sent) < REC_WORDS && REC_WORD(challenge_acks) < REC_WORDS &&
	REC_WORD(paws_drops) < REC_WORDS && REC_WORD(dup_rehash) < REC_WORDS,
	"a followed counter past the compared words");

static inline bool
tcp_recovery_moved(const struct dps_tcb_stats *a, const struct dps_tcb_stats *z)
{
	static const uint32_t mask[REC_WORDS] __rte_aligned(16) = {
		[REC_WORD(dupacks_rx)] = UINT32_MAX,
		[REC_WORD(fast_retrans)] = UINT32_MAX,
		[REC_WORD(rto_count)] = UINT32_MAX,
		[REC_WORD(zwp_sent)] = UINT32_MAX,
		[REC_WORD(ka_sent)] = UINT32_MAX,
		[REC_WORD(challenge_acks)] = UINT32_MAX,
		[REC_WORD(paws_drops)] = UINT32_MAX,
		[REC_WORD(dup_rehash)] = UINT32_MAX,
	};
	rec_v4 va[3], vz[3], vm[3], d;
	uint64_t w[2];

	memcpy(va, a, sizeof(va));
	memcpy(vz, z, sizeof(vz));
	memcpy(vm, mask, sizeof(vm));
	d = ((va[0] ^ vz[0]) & vm[0]) | ((va[1] ^ vz[1]) & vm[1]) |
		((va[2] ^ vz[2]) & vm[2]);
	memcpy(w, &d, sizeof(w));
	return (w[0] | w[1]) != 0;
}

/* A segment for no connection (RFC 9293 3.10.7.1): a listener's, or a
 * RST in answer (never to a RST). */
static void
tcp_no_conn(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple *t,
	const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_tcp_out out;

	if (dps_port_is_listening(dps_socks(lc->stack), rte_be_to_cpu_16(t->lport)) &&
			dps_tcp_listen_input(lc, m, t, seg, now))
		return;
	if (dps_tcp_rst_for(seg, &out))
		dps_tcp_xmit_out(lc, t, &out, &lc->ip_id, now);
	dps_lcore_drop(lc, m, DPS_DROP_tcp_no_socket);
}

/*
 * Whether @seg carries bytes the connection has not received yet: only
 * those need the receive ring. A retransmission of old bytes or a
 * keepalive probe (one old byte) makes none.
 */
static bool
tcp_seg_new_data(const struct dps_sock *sk, const struct dps_tcp_seg *seg)
{
	uint32_t end = seg->seq + seg->len + ((seg->flags & DPS_TH_SYN) ? 1 : 0);

	if (sk->tcb.state == DPS_TCPS_SYN_SENT)
		return true;
	return dps_seq_gt(end, sk->tcb.rcv_nxt);
}

/*
 * Payload the reader's queue could not take is dropped before the TCB
 * sees it (it will come again), as Linux drops what it cannot charge to
 * the receive buffer. The ring itself is made here, for the first payload
 * that needs it; when memory for it runs out, the payload is dropped the
 * same way and counted as nomem; so is payload that arrives while the
 * mbuf pool is down to its transmit reserve (rx_reserve): the ACK in the
 * segment is still processed.
 */
static __rte_always_inline bool
tcp_rx_room(struct dps_lcore *lc, struct dps_sock *sk, struct dps_tcp_seg *seg)
{
	struct rte_ring *r;

	if (seg->len == 0)
		return true;
	r = dps_sock_rxq(sk);
	if (r == NULL && !tcp_seg_new_data(sk, seg))
		return true;
	if (dps_pool_low(lc)) {
		dps_drop(&lc->cnt, DPS_DROP_rx_reserve);
	} else if (r == NULL && (r = dps_tcp_rxq_make(sk)) == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_nomem);
	} else if (rte_ring_free_count(r) > 2u + DPS_TCP_OOO_MAX * 4) {
		return true;
	} else {
		dps_drop(&lc->cnt, DPS_DROP_tcp_rcvbuf_full);
	}
	seg->len = 0;
	seg->flags &= (uint8_t)~DPS_TH_FIN;
	return false;
}

/*
 * Segment @seg (in @m, behind a TCP header of @hdr_len bytes) for socket
 * @sk, found in either family's table. Inlined into dps_tcp_input(), so
 * the IPv4 path is what it was; IPv6 input calls dps_tcp_input_sock().
 */
static __rte_always_inline void
tcp_input_sock(struct dps_lcore *lc, struct rte_mbuf *m, struct dps_sock *sk,
	struct dps_tcp_seg *seg, uint16_t hdr_len, uint64_t now)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	uint32_t una0, nxt0;
	struct dps_tcb_stats st0;
	unsigned int n;
	int ev;

	if (dps_sock_parent(sk) != NULL && sk->tcb.state == DPS_TCPS_SYN_RECV &&
			!dps_tcp_child_may_complete(lc, sk, seg)) {
		dps_lcore_drop(lc, m, DPS_DROP_tcp_listen_overflow);
		return;
	}
	if (!dps_tcp_x_hold(lc, sk)) {
		dps_lcore_drop(lc, m, DPS_DROP_tcp_ext_pool_empty);
		return;
	}
	/* TCP_DEFER_ACCEPT: the child waits for data. */
	if (dps_sock_parent(sk) != NULL && dps_tcb_defer_ack(&sk->tcb, seg)) {
		rte_pktmbuf_free(m);
		DPS_CNT_INC(&lc->cnt, tcp_defer_accept_drop);
		dps_tcp_x_release(lc, sk);
		return;
	}
	if (tcp_rx_room(lc, sk, seg) && seg->len != 0)
		DPS_CNT_INC(&lc->cnt, tcp_rx_data);
	dps_tcb_set_rcv_space(&sk->tcb, dps_tcp_rcv_space(sk));
	una0 = sk->tcb.snd_una;
	nxt0 = sk->tcb.rcv_nxt;
	st0 = sk->tcb.x->st;
	ev = dps_tcb_input(&sk->tcb, seg, now, out, &n);
	if (tcp_recovery_moved(&st0, &sk->tcb.x->st)) {
		dps_tcp_count_recovery(lc, &st0, &sk->tcb.x->st);
		/* Duplicate data under a new IPv6 flow label: the peer
		 * seems to have timed out and moved its path, so ours moves
		 * too (Linux's sk_rethink_txhash() in
		 * tcp_rcv_spurious_retrans()). Only IPv6 segments ask. */
		if (sk->tcb.x->st.dup_rehash != st0.dup_rehash)
			dps_tcp6_rehash(sk);
	}
	if (seg->len != 0 && sk->tcb.x->rx_len != 0) {
		if (sk->tcb.x->rx_seq != nxt0)
			DPS_CNT_INC(&lc->cnt, tcp_ooo);
		if (!dps_tcp_rx_take(sk, m, (uint32_t)(m->l2_len + m->l3_len + hdr_len), nxt0))
			dps_drop(&lc->cnt, DPS_DROP_tcp_rcvbuf_full);
		DPS_CNT_ADD(&lc->cnt, tcp_rx_bytes, sk->tcb.rcv_nxt - nxt0 -
			((ev & DPS_TCB_PEER_FIN) ? 1 : 0));
	} else {
		rte_pktmbuf_free(m);
	}
	dps_tcp_xmit_all(lc, sk, out, n, now);
	dps_tcp_after(lc, sk, ev, una0, now);
}

void
dps_tcp_input_sock(struct dps_lcore *lc, struct rte_mbuf *m, struct dps_sock *sk,
	struct dps_tcp_seg *seg, uint16_t hdr_len, uint64_t now)
{
	tcp_input_sock(lc, m, sk, seg, hdr_len, now);
}

/* @th points at the TCP header of @m. */
void
dps_tcp_input(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple *t,
	const uint8_t *th, uint16_t hdr_len, uint32_t payload_len, uint64_t now)
{
	struct dps_tcp_seg seg;
	void *d;

	dps_tcp_seg_parse(th, hdr_len, payload_len, &seg);
	/* The TOS, for a RST in answer (the IPv4 header is m->l3_len
	 * before the TCP one). */
	seg.tos = th[-(int)m->l3_len + 1];
	d = dps_tcp_lookup_any(lc, t);
	if (d != NULL && dps_tcp_is_tw(d)) {
		if (dps_tws_input(lc, dps_tcp_tw_of(d), &seg, now)) {
			rte_pktmbuf_free(m);
			return;
		}
		d = NULL;
	}
	if (d == NULL) {
		tcp_no_conn(lc, m, t, &seg, now);
		return;
	}
	if (dps_tcp_is_idle(d)) {	/* compact while idle: a socket again */
		d = dps_tcp_idle_wake(lc, dps_tcp_idle_of(d), now);
		if (d == NULL) {
			dps_lcore_drop(lc, m, DPS_DROP_tcp_idle_no_sock);
			return;
		}
	}
	tcp_input_sock(lc, m, d, &seg, hdr_len, now);
}
