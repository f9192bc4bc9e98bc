/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP on the lcore: the connection table, segments in and out, timers, and
 * the lcore's half of connect (Linux tcp_v4_connect() from the route
 * onward). The state machine itself is the pure TCB in lib/tcp; this file
 * moves mbufs and publishes what the TCB decides to the socket's readers.
 *
 * The table is an rte_hash in lock-free read/write-concurrency mode
 * (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF) written only by this lcore, so
 * other threads can look connections up with no lock (dps_conn_info()).
 * A deleted key slot is freed only after a grace period of the stack's
 * QSBR variable, through a defer queue this file owns and reclaims on
 * every housekeeping tick. (rte_hash's built-in RCU mode reclaims only on
 * the next delete, so the last deleted entry stayed counted forever.)
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_log.h>
#include "dps_stack_priv.h"
#include "dps_sock.h"
#include "dps_siphash.h"

/* TIME_WAIT entries live in the same table as sockets; their data
 * pointer has the low bit set. */
#define TW_TAG 1u

struct tw_ent {
	struct dps_tuple tup;		/* first and 8-aligned: rte_hash_crc reads it */
	struct dps_tcp_tw tw;
	uint32_t next;			/* FIFO by expiry, or free list */
	uint8_t port_held;		/* DPS_PORT_*: counted in the TCP port map */
} __rte_aligned(8);

/* Compact TIME_WAIT: 56-byte entries in a per-lcore array, expired in
 * arrival order (every entry lives the same 60 s). */
struct dps_tw_store {
	uint32_t cap, n, free_head, head, tail;
	struct tw_ent e[];
};

#define TW_NONE UINT32_MAX

#define DPS_SYN_SPACE 65535	/* window space a SYN offers, before rounding */
/* Linux derives the shift from tcp_rmem[2] (32 MiB on current kernels): 10. */
#define DPS_WSCALE 10

/* Defer-queue callback: key slots whose grace period has passed. */
static void
conn_slot_free(void *p, void *e, unsigned int n)
{
	const uint64_t *pos = e;

	for (unsigned int i = 0; i < n; i++)
		rte_hash_free_key_with_position(p, (int32_t)pos[i]);
}

int
dps_tcp_lcore_init(struct dps_lcore *lc)
{
	struct dps_stack *s = lc->stack;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = s->socks->conf.max_conns,
		.key_len = sizeof(struct dps_tuple),
		.hash_func = rte_hash_crc,
		.socket_id = lc->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	char dqname[RTE_RCU_QSBR_DQ_NAMESIZE];
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = dqname,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,	/* this lcore only */
		.size = s->socks->conf.max_conns,
		.esize = sizeof(uint64_t),
		.trigger_reclaim_limit = s->socks->conf.max_conns / 2,
		.max_reclaim_size = 256,
		.free_fn = conn_slot_free,
		.v = s->socks->rcu,
	};

	snprintf(name, sizeof(name), "%s_conn%u", s->conf.name ? s->conf.name : "dps",
		lc->idx);
	snprintf(dqname, sizeof(dqname), "%s_cdq%u",
		s->conf.name ? s->conf.name : "dps", lc->idx);
	lc->conns = rte_hash_create(&hp);
	if (lc->conns == NULL)
		return -ENOMEM;
	dp.p = lc->conns;
	lc->conns_dq = rte_rcu_qsbr_dq_create(&dp);
	if (lc->conns_dq == NULL)
		return -ENOMEM;
	lc->tw = rte_zmalloc_socket("dps_tw", sizeof(*lc->tw), 0, lc->socket);
	if (lc->tw == NULL)
		return -ENOMEM;
	dps_tw_init(lc->tw, 0);
	lc->tws = rte_zmalloc_socket("dps_tws", sizeof(*lc->tws) +
		(size_t)s->socks->conf.max_conns * sizeof(struct tw_ent), 0, lc->socket);
	if (lc->tws == NULL)
		return -ENOMEM;
	lc->tws->cap = s->socks->conf.max_conns;
	lc->tws->head = lc->tws->tail = TW_NONE;
	for (uint32_t i = 0; i < lc->tws->cap; i++)
		lc->tws->e[i].next = i + 1 < lc->tws->cap ? i + 1 : TW_NONE;
	lc->tws->free_head = 0;
	return 0;
}

void
dps_tcp_lcore_fini(struct dps_lcore *lc)
{
	/* The lcores have stopped: every grace period is over. */
	rte_rcu_qsbr_thread_offline(lc->stack->socks->rcu, lc->idx);
	if (lc->conns_dq != NULL && rte_rcu_qsbr_dq_delete(lc->conns_dq) != 0)
		RTE_LOG(WARNING, USER1, "dpstack: connection slots still deferred\n");
	rte_hash_free(lc->conns);
	rte_free(lc->tw);
	rte_free(lc->tws);
	lc->conns = NULL;
	lc->tw = NULL;
	lc->tws = NULL;
}

/* ---- publishing to readers ---- */

static void
sock_set_state(struct dps_sock *sk, uint8_t state)
{
	__atomic_store_n(&sk->state, state, __ATOMIC_SEQ_CST);
}

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

static void
tcp_xmit(struct dps_lcore *lc, struct dps_sock *sk, const struct dps_tuple *t,
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
	inline_len = 20u + tcp_len + plen <= rte_pktmbuf_tailroom(m) ? plen : 0;
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(20 + tcp_len + inline_len));
	if (ip == NULL || (plen != inline_len && dps_tcp_snd_chain(sk, sk->tcb.snd_una,
			out->seq - sk->tcb.snd_una, plen, lc->pool, m) != 0)) {
		rte_pktmbuf_free(m);
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		return;
	}
	th = (uint8_t *)(ip + 1);
	if (sk != NULL)
		smss = (uint16_t)dps_tcb_smss(&sk->tcb);
	dps_ipv4_build((uint8_t *)ip, 20, t->laddr, t->raddr, IPPROTO_TCP,
		(uint16_t)(tcp_len + plen), 64, *ip_id, true);
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
	DPS_CNT_ADD(&lc->cnt, tcp_tx, pkts);
	if (out->flags & DPS_TH_RST)
		DPS_CNT_INC(&lc->cnt, tcp_tx_rst);
	if (out->rexmit) {
		DPS_CNT_ADD(&lc->cnt, tcp_retrans, pkts);
	} else if (plen != 0) {
		DPS_CNT_ADD(&lc->cnt, tcp_tx_data, pkts);
		DPS_CNT_ADD(&lc->cnt, tcp_tx_bytes, plen);
	}
	(void)dps_ip_output(lc, m, t->raddr, now);
}

/* A segment without payload for flow @t (RSTs, TIME_WAIT ACKs). */
void
dps_tcp_xmit_out(struct dps_lcore *lc, const struct dps_tuple *t,
	const struct dps_tcp_out *out, uint16_t *ip_id, uint64_t now)
{
	tcp_xmit(lc, NULL, t, out, ip_id, now);
}

static void
tcp_xmit_all(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_tcp_out *out, unsigned int n, uint64_t now)
{
	for (unsigned int i = 0; i < n; i++)
		tcp_xmit(lc, sk, &sk->tup, &out[i], &sk->ip_id, now);
}

/* Everything the TCB wants to send now. */
static void
tcp_output(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tcp_out out[16];
	unsigned int n;

	do {
		n = dps_tcb_output(&sk->tcb, now, out, RTE_DIM(out));
		tcp_xmit_all(lc, sk, out, n, now);
	} while (n == RTE_DIM(out));
	__atomic_store_n(&sk->rcv_wnd_pub, dps_seq_gt(sk->tcb.rcv_adv, sk->tcb.rcv_nxt) ?
		sk->tcb.rcv_adv - sk->tcb.rcv_nxt : 0, __ATOMIC_RELEASE);
}

/* Keep the wheel in step with the TCB's single deadline. */
static void
tcp_sync_timer(struct dps_lcore *lc, struct dps_sock *sk)
{
	if (sk->tcb.timer_ns == 0)
		dps_tw_cancel(lc->tw, &sk->timer);
	else if (!dps_tw_armed(&sk->timer) || sk->timer.when != sk->tcb.timer_ns)
		dps_tw_arm(lc->tw, &sk->timer, sk->tcb.timer_ns);
}

/* ---- the table ---- */

static inline bool
is_tw(const void *data)
{
	return ((uintptr_t)data & TW_TAG) != 0;
}

static inline struct tw_ent *
tw_of(void *data)
{
	return (struct tw_ent *)((uintptr_t)data & ~(uintptr_t)TW_TAG);
}

/* The table's entry for @t: a socket, a TIME_WAIT entry (tagged), or NULL. */
static void *
conn_lookup_any(struct dps_lcore *lc, const struct dps_tuple *t)
{
	void *data;

	if (rte_hash_lookup_data(lc->conns, t, &data) < 0)
		return NULL;
	return data;
}

static struct dps_sock *
conn_lookup(struct dps_lcore *lc, const struct dps_tuple *t)
{
	void *d = conn_lookup_any(lc, t);

	return d == NULL || is_tw(d) ? NULL : d;
}

/* Delete @t's key; its slot returns after a grace period. */
static void
conn_del(struct dps_lcore *lc, const struct dps_tuple *t)
{
	int32_t pos = rte_hash_del_key(lc->conns, t);

	if (pos >= 0) {
		uint64_t e = (uint64_t)pos;

		/* Cannot be full: it is as large as the table. */
		(void)rte_rcu_qsbr_dq_enqueue(lc->conns_dq, &e);
		lc->n_conns--;
	}
}

/* The table now holds @sk (and a reference to it). */
void
dps_tcp_conn_add(struct dps_lcore *lc, struct dps_sock *sk)
{
	dps_obj_ref(&sk->obj);
	sk->in_table = true;
	sk->owner = (int16_t)lc->idx;
	sk->tcb.chlim = &lc->chlim;
	lc->n_conns++;
}

/* Free what a finished connection can no longer send. */
static void
conn_drop_send(struct dps_sock *sk)
{
	struct rte_ring *r = dps_sock_txq(sk);
	void *m;

	dps_tcp_snd_drop(sk, UINT32_MAX);
	while (r != NULL && rte_ring_sc_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/*
 * The connection is over (tcp_done()): out of the table, timer off, port
 * back unless bind() owns it, error and hang-up published, and the
 * lcore's reference dropped. @err 0 publishes no error. @keep_key: the
 * key stays because a TIME_WAIT entry took it over.
 */
static void
conn_finish(struct dps_lcore *lc, struct dps_sock *sk, int err, bool keep_key)
{
	struct dps_sockets *ss = lc->stack->socks;
	/* A child that never reached the accept queue still holds the
	 * reference the queue would have taken over. */
	bool unqueued = sk->parent != NULL && sk->in_synq;

	if (!sk->in_table)
		return;
	if (!keep_key)
		conn_del(lc, &sk->tup);
	sk->in_table = false;
	if (sk->tcb.orphan)	/* Relaxed: a statistic */
		__atomic_fetch_sub(&lc->n_orphans, 1, __ATOMIC_RELAXED);
	dps_tw_cancel(lc->tw, &sk->timer);
	if (!keep_key)
		dps_port_release(ss, sk->tup.lport, &sk->port_held);
	if (err != 0 && __atomic_load_n(&sk->state, __ATOMIC_RELAXED) ==
			DPS_TCP_SYN_SENT)
		DPS_CNT_INC(&lc->cnt, tcp_conn_failed);
	DPS_CNT_INC(&lc->cnt, tcp_closed);
	if (sk->parent != NULL)
		dps_tcp_child_gone(sk);
	conn_drop_send(sk);
	dps_tcp_ooo_free(sk);
	sk->tcb.state = DPS_TCPS_CLOSE;
	if (err != 0)
		__atomic_store_n(&sk->so_error, err, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sk->shutdown, DPS_SHUTDOWN_MASK, __ATOMIC_SEQ_CST);
	sock_set_state(sk, DPS_TCP_CLOSE);
	dps_sock_notify(sk, err != 0 ? DPS_CB_ERROR : DPS_CB_NONE);
	if (unqueued)
		dps_sock_put(sk);
	dps_sock_put(sk);
}

static void
conn_done(struct dps_lcore *lc, struct dps_sock *sk, int err)
{
	conn_finish(lc, sk, err, false);
}

/* ---- TIME_WAIT ---- */

static void
tw_fifo_push(struct dps_tw_store *st, uint32_t i)
{
	st->e[i].next = TW_NONE;
	if (st->tail == TW_NONE)
		st->head = i;
	else
		st->e[st->tail].next = i;
	st->tail = i;
}

/*
 * The port hold a TIME_WAIT entry of @sk, which holds none as a
 * connection, keeps when bind() held the port (Linux keeps the time-wait
 * socket in the port's bind bucket): the one close() left for it, or a
 * new one while the application still has the socket. The flag is read
 * before the exchange: close() sets bind_hold before it clears the flag,
 * so one of the two is seen.
 */
static uint8_t
tw_bind_hold(struct dps_lcore *lc, struct dps_sock *sk)
{
	bool bound = __atomic_load_n(&sk->explicit_bind, __ATOMIC_SEQ_CST);
	uint8_t h = __atomic_exchange_n(&sk->bind_hold, DPS_PORT_FREE, __ATOMIC_SEQ_CST);

	if (h != DPS_PORT_FREE || !bound)
		return h;
	return dps_port_hold(lc->stack->socks, sk->tup.lport, sk->opt.reuseaddr);
}

/*
 * @sk entered TIME_WAIT: a 56-byte entry takes its key in the table (an
 * in-place data update, so lock-free readers see one or the other) and
 * the socket is released as Linux's tcp_time_wait() releases it. With the
 * store full the socket simply closes (Linux: "TCP: time wait bucket table
 * overflow").
 */
static void
tw_enter(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tw_store *st = lc->tws;
	uint32_t i = st->free_head;
	struct tw_ent *e;

	DPS_CNT_INC(&lc->cnt, tcp_time_wait);
	if (i == TW_NONE) {
		conn_done(lc, sk, 0);
		return;
	}
	e = &st->e[i];
	st->free_head = e->next;
	dps_tcp_tw_from(&e->tw, &sk->tcb, now);
	e->tup = sk->tup;
	e->port_held = sk->port_held;
	if (e->port_held == DPS_PORT_FREE)
		e->port_held = tw_bind_hold(lc, sk);
	if (rte_hash_add_key_data(lc->conns, &sk->tup,
			(void *)((uintptr_t)e | TW_TAG)) < 0) {
		if (e->port_held != sk->port_held)
			dps_port_release(lc->stack->socks, e->tup.lport, &e->port_held);
		e->next = st->free_head;
		st->free_head = i;
		conn_done(lc, sk, 0);
		return;
	}
	st->n++;
	tw_fifo_push(st, i);
	/* The port stays held by the entry until it expires. */
	sk->port_held = DPS_PORT_FREE;
	conn_finish(lc, sk, 0, true);
}

/* The entry ends: out of the table, port back. */
static void
tw_kill(struct dps_lcore *lc, struct tw_ent *e)
{
	conn_del(lc, &e->tup);
	lc->tws->n--;
	e->tw.expire_s = 0;		/* on the FIFO until its turn, then freed */
	dps_port_release(lc->stack->socks, e->tup.lport, &e->port_held);
}

/* Expire entries whose 2MSL is over; freed slots go back to the list. */
static void
tw_expire(struct dps_lcore *lc, uint64_t now)
{
	struct dps_tw_store *st = lc->tws;
	uint32_t now_s = (uint32_t)(now / 1000000000ull);

	while (st->head != TW_NONE) {
		uint32_t i = st->head;
		struct tw_ent *e = &st->e[i];

		if (e->tw.expire_s != 0 && (int32_t)(e->tw.expire_s - now_s) > 0)
			break;
		st->head = e->next;
		if (st->head == TW_NONE)
			st->tail = TW_NONE;
		if (e->tw.expire_s != 0)
			tw_kill(lc, e);
		/* A killed entry's key may still be read by a lock-free reader
		 * until the grace period; the entry is never reused before the
		 * key slot is, because both wait for the same tick. */
		e->next = st->free_head;
		st->free_head = i;
	}
}

uint32_t
dps_tcp_tw_count(const struct dps_lcore *lc)
{
	return lc->tws != NULL ? __atomic_load_n(&lc->tws->n, __ATOMIC_RELAXED) : 0;
}

/* A segment for a TIME_WAIT entry (Linux tcp_timewait_state_process()). */
static bool
tw_input(struct dps_lcore *lc, struct tw_ent *e, const struct dps_tcp_seg *seg,
	uint64_t now)
{
	struct dps_tcp_out out;

	switch (dps_tcp_tw_input(&e->tw, seg, now, &out)) {
	case DPS_TW_ACK:
		dps_tcp_xmit_out(lc, &e->tup, &out, &lc->ip_id, now);
		break;
	case DPS_TW_KILL:
		tw_kill(lc, e);
		break;
	case DPS_TW_SYN:
		tw_kill(lc, e);
		return false;	/* the SYN goes on to the listener */
	default:
		break;
	}
	return true;
}

static bool
tuple_is_loopback(const struct dps_tuple *t)
{
	return (rte_be_to_cpu_32(t->laddr) >> 24) == 127 ||
		(rte_be_to_cpu_32(t->raddr) >> 24) == 127;
}

/*
 * Linux tcp_twsk_unique(): may connect take over the table's entry @d
 * for a wanted tuple? Only a TIME_WAIT entry whose timestamps protect
 * the new incarnation: with a port the application bound, at any age;
 * with autobind (@autobind), as the stack's tw_reuse setting says
 * (loopback only by default, so never here) and once it is a second old
 * (dps_tcp_tw_reusable()). Returns that entry and its ISN floor, or
 * NULL; nothing changes until tw_take_over().
 */
static struct tw_ent *
tw_reusable(const struct dps_lcore *lc, void *d, bool autobind, uint64_t now,
	uint32_t *isn_floor)
{
	uint8_t mode = lc->stack->socks->conf.tw_reuse;
	struct tw_ent *e;

	if (!is_tw(d))
		return NULL;
	e = tw_of(d);
	if (!autobind)
		return dps_tcp_tw_bound_reusable(&e->tw, isn_floor) ? e : NULL;
	if (mode == DPS_TW_REUSE_OFF ||
			(mode == DPS_TW_REUSE_LOOPBACK && !tuple_is_loopback(&e->tup)))
		return NULL;
	return dps_tcp_tw_reusable(&e->tw, now, isn_floor) ? e : NULL;
}

/* The new connection takes the tuple of TIME_WAIT entry @e. */
static void
tw_take_over(struct dps_lcore *lc, struct tw_ent *e)
{
	tw_kill(lc, e);
	DPS_CNT_INC(&lc->cnt, tcp_tw_reused);
}

/* ---- events ---- */

/* Data bytes (not SYN or FIN) between sequence numbers @a and @b. */
static uint32_t
data_between(const struct dps_tcb *t, uint32_t a, uint32_t b)
{
	/* The SYN sits at iss and the FIN at snd_end; nothing else lies
	 * outside the data. Compare with those two exactly: iss is more than
	 * 2^31 behind once that much has been sent, where sequence order
	 * says it is ahead (this once stalled every connection at 2 GiB). */
	if (a == t->iss)
		a++;
	if (dps_seq_gt(b, t->snd_end))
		b = t->snd_end;
	return dps_seq_gt(b, a) ? b - a : 0;
}

/* Acknowledged bytes leave the send buffer; writers may go on. */
static void
tcp_acked(struct dps_sock *sk, uint32_t una0)
{
	uint32_t n = data_between(&sk->tcb, una0, sk->tcb.snd_una);

	if (n == 0)
		return;
	dps_tcp_snd_drop(sk, n);
	__atomic_fetch_sub(&sk->snd_queued, n, __ATOMIC_ACQ_REL);
	dps_sock_notify(sk, DPS_CB_WRITABLE);
}

/* The published state follows the TCB's. */
static void
tcp_publish_state(struct dps_sock *sk)
{
	uint8_t st = sk->tcb.state;

	if (st != DPS_TCPS_CLOSE && __atomic_load_n(&sk->state, __ATOMIC_RELAXED) != st)
		sock_set_state(sk, st);
}

/*
 * Publish what the TCB reported (dps_tcb_ev bits) after input, a timer or
 * an application request, then send what is due. @una0 is snd_una before.
 */
void
dps_tcp_after(struct dps_lcore *lc, struct dps_sock *sk, int ev, uint32_t una0,
	uint64_t now)
{
	if (ev & DPS_TCB_ACKED)
		tcp_acked(sk, una0);
	if (ev & DPS_TCB_CLOSED) {
		conn_done(lc, sk, sk->tcb.err);
		return;
	}
	tcp_publish_state(sk);
	if (ev & DPS_TCB_CONNECTED) {
		if (sk->parent != NULL) {
			dps_tcp_child_established(lc, sk);
		} else {
			DPS_CNT_INC(&lc->cnt, tcp_established);
			dps_sock_notify(sk, DPS_CB_CONNECTED);
		}
	}
	if (ev & DPS_TCB_PEER_FIN)
		__atomic_fetch_or(&sk->shutdown, DPS_RCV_SHUTDOWN, __ATOMIC_SEQ_CST);
	if (ev & (DPS_TCB_DATA | DPS_TCB_PEER_FIN))
		dps_sock_notify(sk, DPS_CB_READABLE);
	tcp_output(lc, sk, now);
	if (ev & DPS_TCB_TIME_WAIT) {
		tw_enter(lc, sk, now);
		return;
	}
	if (sk->tcb.state == DPS_TCPS_CLOSE) {
		conn_done(lc, sk, sk->tcb.err);
		return;
	}
	tcp_sync_timer(lc, sk);
}

/* ---- connect ---- */

/*
 * RFC 6528 ISN: a clock ticking every 4 us plus a keyed PRF (SipHash,
 * per-stack random key) of the tuple, as Linux's secure_tcp_seq().
 */
uint32_t
dps_tcp_isn(const struct dps_sockets *ss, const struct dps_tuple *t, uint64_t now)
{
	return (uint32_t)dps_siphash24(t, 12, ss->isn_key) + (uint32_t)(now / 4000);
}

/* Linux: a random timestamp offset per 4-tuple (secure_tcp_ts_off()). */
uint32_t
dps_tcp_ts_off(const struct dps_sockets *ss, const struct dps_tuple *t)
{
	return (uint32_t)dps_siphash24(t, 12, ss->ts_key);
}

/* The lcore queue the peer's reply for @t lands on is ours? */
static bool
tuple_is_mine(struct dps_lcore *lc, const struct dps_tuple *t)
{
	return dps_flow_owner(lc->stack->socks, t) == lc->idx;
}

/*
 * Autobind for connect (Linux __inet_hash_connect(), RFC 6056 algorithm
 * 3): an offset from a keyed hash of (laddr, raddr, rport) plus a
 * perturbation, scanning ports of the range's low parity (even) first and
 * the other parity second. A candidate must be unused by bind(), give a
 * tuple not already in our table (or one in TIME_WAIT that tw_reuse
 * allows), and hash to this lcore. The local address is the route's, or
 * the one bind() set with IP_BIND_ADDRESS_NO_PORT (no port held yet).
 */
static int
tcp_autobind(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now,
	uint32_t *isn_floor, bool *reused)
{
	struct dps_sockets *ss = lc->stack->socks;
	uint32_t lo = ss->conf.port_lo, n = ss->conf.port_hi - lo + 1u;
	uint32_t remaining = n > 1 ? n & ~1u : n;
	struct {
		uint32_t laddr, raddr;
		uint16_t rport;
	} __rte_packed in = { sk->tup.laddr, sk->tup.raddr, sk->tup.rport };
	uint32_t h = (uint32_t)dps_siphash24(&in, sizeof(in), ss->port_key);
	uint32_t *perturb = &ss->perturb[h & 255];
	uint32_t offset = (__atomic_load_n(perturb, __ATOMIC_RELAXED) + (h >> 8)) %
		remaining;
	struct dps_tuple t = sk->tup;
	uint8_t held;

	offset &= ~1u;
	for (uint32_t pass = 0; pass < 2; pass++, offset++) {
		uint32_t port = lo + offset;

		for (uint32_t i = 0; i < remaining; i += 2, port += 2) {
			/* Each candidate's TIME_WAIT entry and ISN floor are its
			 * own: nothing carries over to the next port. */
			struct tw_ent *tw = NULL;
			uint32_t floor = 0;
			void *d;

			if (port >= lo + remaining)
				port -= remaining;
			t.lport = rte_cpu_to_be_16((uint16_t)port);
			if (!tuple_is_mine(lc, &t))
				continue;
			d = conn_lookup_any(lc, &t);
			if (d != NULL && (tw = tw_reusable(lc, d, true, now, &floor)) == NULL)
				continue;
			held = dps_port_connect_take(ss, (uint16_t)port, sk->opt.reuseaddr);
			if (held == DPS_PORT_FREE)
				continue;
			/* The port is ours: only now is the entry taken over. */
			if (tw != NULL)
				tw_take_over(lc, tw);
			*reused = tw != NULL;
			*isn_floor = floor;
			__atomic_fetch_add(perturb, i + 2 + 2 * rte_rand_max(8),
				__ATOMIC_RELAXED);
			sk->tup.lport = t.lport;
			sk->port_held = held;
			return 0;
		}
		if (n == 1)
			break;
	}
	return -EADDRNOTAVAIL;
}


void
dps_tcp_conf(const struct dps_lcore *lc, const struct dps_sock *sk,
	struct dps_tcb_conf *c)
{
	const struct dps_route *r = dps_route_lookup(&lc->stack->routes, sk->tup.raddr);
	uint16_t mtu = r != NULL ? lc->stack->ifs[r->ifindex].mtu : 1500;

	memset(c, 0, sizeof(*c));
	c->syn_retries = sk->opt.syncnt;
	c->user_timeout_ms = sk->opt.user_timeout_ms;
	c->adv_mss = (uint16_t)(mtu - 40);
	/* TCP_MAXSEG also lowers the MSS we announce (Linux tcp_advertise_mss). */
	if (sk->opt.maxseg != 0 && sk->opt.maxseg < c->adv_mss)
		c->adv_mss = sk->opt.maxseg;
	c->user_mss = sk->opt.maxseg;
	c->rcv_wscale = DPS_WSCALE;
	/* tcp_select_initial_window(): 64 KiB rounded down to whole MSS
	 * (64,240 for 1460, 65,000 for 1000). */
	c->rcv_wnd = (uint16_t)((DPS_SYN_SPACE / c->adv_mss) * c->adv_mss);
	c->rcv_buf = sk->opt.rcvbuf / 2;
	c->cc = sk->opt.cc;
	c->nodelay = sk->opt.nodelay;
	c->keepalive = sk->opt.keepalive;
	c->keepidle_s = sk->opt.keepidle_s;
	c->keepintvl_s = sk->opt.keepintvl_s;
	c->keepcnt = sk->opt.keepcnt;
	c->tso_max = r != NULL ? lc->stack->ifs[r->ifindex].tso_max : 0;
}

/*
 * The lcore's part of connect(): source address from the route, a port
 * (autobind, or the bound one if its tuple is free), the table entry, the
 * SYN and its timer. The application side has done the address checks.
 * Returns 0 or a negative errno; on success the socket is SYN_SENT and
 * the table holds a reference.
 */
int
dps_tcp_do_connect(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_sockets *ss = lc->stack->socks;
	uint32_t isn, floor = 0;
	struct dps_tcb_conf c;
	struct dps_tcp_out syn;
	bool reused = false;
	void *d;
	int rc;

	if (sk->tup.laddr == 0)
		sk->tup.laddr = dps_ip_source_for(lc->stack, sk->tup.raddr);
	if (sk->tup.laddr == 0)
		return -ENETUNREACH;
	if (sk->tup.lport == 0) {
		rc = tcp_autobind(lc, sk, now, &floor, &reused);
		if (rc != 0) {
			if (!(sk->userlocks & DPS_BINDADDR_LOCK))
				sk->tup.laddr = 0;
			return rc;
		}
	} else if ((d = conn_lookup_any(lc, &sk->tup)) != NULL) {
		struct tw_ent *tw = tw_reusable(lc, d, false, now, &floor);

		if (tw == NULL)
			return -EADDRNOTAVAIL;
		tw_take_over(lc, tw);
		reused = true;
	}
	if (rte_hash_add_key_data(lc->conns, &sk->tup, sk) < 0) {
		dps_port_release(ss, sk->tup.lport, &sk->port_held);
		return -ENOBUFS;
	}
	dps_tcp_conn_add(lc, sk);
	dps_tcp_conf(lc, sk, &c);
	isn = dps_tcp_isn(ss, &sk->tup, now);
	if (reused && dps_seq_lt(isn, floor))
		isn = floor;
	dps_tcb_connect(&sk->tcb, &c, isn, dps_tcp_ts_off(ss, &sk->tup), now, &syn);
	sk->tcb.chlim = &lc->chlim;
	__atomic_store_n(&sk->shutdown, 0, __ATOMIC_SEQ_CST);
	/* A new attempt forgets an old error (Linux clears sk_err when
	 * tcp_connect() starts over). */
	__atomic_store_n(&sk->so_error, 0, __ATOMIC_SEQ_CST);
	sock_set_state(sk, DPS_TCP_SYN_SENT);
	DPS_CNT_INC(&lc->cnt, tcp_connects);
	DPS_CNT_INC(&lc->cnt, tcp_tx_syn);
	sk->ip_id = (uint16_t)rte_rand();
	tcp_xmit(lc, sk, &sk->tup, &syn, &sk->ip_id, now);
	tcp_sync_timer(lc, sk);
	return 0;
}

/*
 * Abort (tcp_disconnect() for AF_UNSPEC, close() with unread data or
 * SO_LINGER 0): a RST where Linux sends one, ECONNRESET for a connection
 * that was connecting or up, the entry gone. @drop_ref: the message
 * carried a reference (close).
 */
void
dps_tcp_do_abort(struct dps_lcore *lc, struct dps_sock *sk, bool drop_ref,
	uint64_t now)
{
	struct dps_tcp_out out;

	if (sk->in_table) {
		unsigned int n = dps_tcb_abort(&sk->tcb, now, &out);

		tcp_xmit_all(lc, sk, &out, n, now);
		conn_done(lc, sk, drop_ref ? 0 : sk->tcb.err);
	}
	if (drop_ref)
		dps_sock_put(sk);
}

/* Unread data at close: Linux's tcp_close() resets the connection. */
static bool
tcp_unread(const struct dps_sock *sk)
{
	const struct rte_ring *r = dps_sock_rxq(sk);

	return sk->rx_cur != NULL || (r != NULL && rte_ring_count(r) != 0);
}

/*
 * close() from the application (tcp_close()): the message carries the
 * descriptor's reference, dropped here. A RST for unread data or SO_LINGER
 * 0 (RFC 9293 3.10.4 ABORT via 3.6, RFC 2525 2.17); otherwise the FIN
 * goes out after the queued data and the connection finishes orphaned.
 */
void
dps_tcp_do_close(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	uint32_t una0 = sk->tcb.snd_una;
	int ev;

	sk->has_cbs = false;		/* nobody to call once closed */
	if (!sk->in_table) {
		dps_sock_put(sk);
		return;
	}
	if (__atomic_load_n(&sk->abort_on_close, __ATOMIC_ACQUIRE) || tcp_unread(sk) ||
			sk->tcb.state == DPS_TCPS_SYN_SENT) {
		dps_tcp_do_abort(lc, sk, true, now);
		return;
	}
	dps_tcp_do_tx(lc, sk, now);	/* what the writer queued goes first */
	if (!sk->in_table) {
		dps_sock_put(sk);
		return;
	}
	sk->tcb.orphan = true;
	__atomic_fetch_add(&lc->n_orphans, 1, __ATOMIC_RELAXED);	/* Relaxed: a statistic */
	ev = dps_tcb_shutdown(&sk->tcb, now);
	if (sk->tcb.state == DPS_TCPS_FIN_WAIT2 && sk->tcb.ka_at == 0) {
		sk->tcb.ka_at = now + DPS_TCP_FIN_TIMEOUT_NS;
		dps_tcb_timers_sync(&sk->tcb);
	}
	dps_tcp_after(lc, sk, ev | DPS_TCB_OUTPUT, una0, now);
	dps_sock_put(sk);
}

/* shutdown(SHUT_WR) on the lcore. */
int
dps_tcp_do_shutdown(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	uint32_t una0 = sk->tcb.snd_una;
	int ev;

	if (!sk->in_table)
		return -ENOTCONN;
	dps_tcp_do_tx(lc, sk, now);
	if (!sk->in_table)
		return 0;
	ev = dps_tcb_shut_wr(&sk->tcb, now);
	dps_tcp_after(lc, sk, ev | DPS_TCB_OUTPUT, una0, now);
	return 0;
}

/*
 * The writer queued mbufs on txq: move them to the send buffer and send.
 * The kick flag is cleared before draining, so a writer that enqueues
 * after the drain posts a new message.
 */
void
dps_tcp_do_tx(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct rte_mbuf *ms[64];
	struct rte_ring *r;
	unsigned int n;
	uint32_t bytes = 0, pushed = 0;

	__atomic_store_n(&sk->tx_kick, 0, __ATOMIC_SEQ_CST);
	r = dps_sock_txq(sk);
	if (r == NULL)
		return;
	do {
		n = rte_ring_sc_dequeue_burst(r, (void **)ms, RTE_DIM(ms), NULL);
		for (unsigned int i = 0; i < n; i++) {
			bool push = dps_snd_is_push(ms[i]);

			bytes += dps_tcp_snd_append(sk, ms[i]);
			if (push)
				pushed = bytes;		/* the last write's end */
		}
	} while (n == RTE_DIM(ms));
	if (!sk->in_table || sk->tcb.fin_queued ||
			(sk->tcb.state != DPS_TCPS_ESTABLISHED &&
			 sk->tcb.state != DPS_TCPS_CLOSE_WAIT)) {
		/* Nothing can carry them any more: the writer saw EPIPE or
		 * will. */
		if (!sk->tcb.fin_queued || !sk->in_table) {
			dps_tcp_snd_drop(sk, UINT32_MAX);
			__atomic_fetch_sub(&sk->snd_queued, bytes, __ATOMIC_ACQ_REL);
			return;
		}
	}
	if (bytes == 0)
		return;
	/* Queued up to the last write that ended, marked, then the rest. */
	dps_tcb_queue(&sk->tcb, pushed);
	if (pushed != 0)
		dps_tcb_mark_push(&sk->tcb);
	dps_tcb_queue(&sk->tcb, bytes - pushed);
	tcp_output(lc, sk, now);
	tcp_sync_timer(lc, sk);
}

/*
 * Options an application thread set (setsockopt() writes only sk->opt and
 * kicks) reach the TCB here, on its lcore, so nothing but the lcore ever
 * writes the TCB. Keepalive is re-armed from the last segment received
 * with the new times, as Linux's keepalive_time_when() does; TCP_NODELAY
 * pushes what Nagle held back (tcp_push_pending_frames()). Returns
 * whether output is due.
 */
static bool
tcp_opts_sync(struct dps_sock *sk, uint64_t now)
{
	struct dps_tcb *t = &sk->tcb;
	bool ka = __atomic_load_n(&sk->opt.keepalive, __ATOMIC_RELAXED);
	bool nodelay = __atomic_load_n(&sk->opt.nodelay, __ATOMIC_RELAXED);
	uint32_t idle = __atomic_load_n(&sk->opt.keepidle_s, __ATOMIC_RELAXED);
	uint32_t intvl = __atomic_load_n(&sk->opt.keepintvl_s, __ATOMIC_RELAXED);
	uint8_t cnt = __atomic_load_n(&sk->opt.keepcnt, __ATOMIC_RELAXED);
	bool push = nodelay && !t->nodelay, rearm;

	/* Zero: Linux's defaults, as dps_tcb_connect() resolves them. */
	idle = idle != 0 ? idle : 7200;
	intvl = intvl != 0 ? intvl : 75;
	t->keepcnt = cnt != 0 ? cnt : 9;
	t->nodelay = nodelay;
	t->user_timeout_ms = __atomic_load_n(&sk->opt.user_timeout_ms, __ATOMIC_RELAXED);
	rearm = ka != t->keepalive || idle != t->keepidle_s || intvl != t->keepintvl_s;
	t->keepalive = ka;
	t->keepidle_s = idle;
	t->keepintvl_s = intvl;
	if (rearm && (t->state == DPS_TCPS_ESTABLISHED || t->state == DPS_TCPS_CLOSE_WAIT)) {
		t->ka_at = 0;
		dps_tcb_arm_keepalive(t, now);
		dps_tcb_timers_sync(t);
	}
	return push;
}

/* The reader freed space, or an option changed: maybe announce the
 * larger window now. */
void
dps_tcp_do_wnd(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	bool out;

	__atomic_store_n(&sk->wnd_kick, 0, __ATOMIC_SEQ_CST);
	if (!sk->in_table)
		return;
	out = tcp_opts_sync(sk, now);
	if (dps_tcb_rcv_space(&sk->tcb, dps_tcp_rcv_space(sk)) || out)
		tcp_output(lc, sk, now);
	tcp_sync_timer(lc, sk);
}

/* ---- input ---- */

/* Recovery counters of the lcore follow the TCB's. */
static void
count_recovery(struct dps_lcore *lc, const struct dps_tcb_stats *a,
	const struct dps_tcb_stats *z)
{
	DPS_CNT_ADD(&lc->cnt, tcp_dupack_rx, z->dupacks_rx - a->dupacks_rx);
	DPS_CNT_ADD(&lc->cnt, tcp_fast_retrans, z->fast_retrans - a->fast_retrans);
	DPS_CNT_ADD(&lc->cnt, tcp_sack_retrans, z->sack_retrans - a->sack_retrans);
	DPS_CNT_ADD(&lc->cnt, tcp_rto, z->rto_count - a->rto_count);
	DPS_CNT_ADD(&lc->cnt, tcp_zwp, z->zwp_sent - a->zwp_sent);
	DPS_CNT_ADD(&lc->cnt, tcp_keepalive, z->ka_sent - a->ka_sent);
	DPS_CNT_ADD(&lc->cnt, tcp_challenge_ack, z->challenge_acks - a->challenge_acks);
	if (z->paws_drops != a->paws_drops)
		dps_drop(&lc->cnt, DPS_DROP_tcp_paws);
}


/* A segment for no connection (RFC 9293 3.10.7.1): a listener's, or a
 * RST in answer (never to a RST). */
static void
tcp_no_conn(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple *t,
	const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_tcp_out out;

	if (dps_port_is_listening(lc->stack->socks, rte_be_to_cpu_16(t->lport)) &&
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
static bool
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

/* @th points at the TCP header of @m. */
static void
tcp_input(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple *t,
	const uint8_t *th, uint16_t hdr_len, uint32_t payload_len, uint64_t now)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg seg;
	struct dps_sock *sk;
	uint32_t una0, nxt0;
	struct dps_tcb_stats st0;
	unsigned int n;
	void *d;
	int ev;

	dps_tcp_seg_parse(th, hdr_len, payload_len, &seg);
	d = conn_lookup_any(lc, t);
	if (d != NULL && is_tw(d)) {
		if (tw_input(lc, tw_of(d), &seg, now)) {
			rte_pktmbuf_free(m);
			return;
		}
		d = NULL;
	}
	if (d == NULL) {
		tcp_no_conn(lc, m, t, &seg, now);
		return;
	}
	sk = d;
	if (sk->parent != NULL && sk->tcb.state == DPS_TCPS_SYN_RECV &&
			!dps_tcp_child_may_complete(lc, sk, &seg)) {
		dps_lcore_drop(lc, m, DPS_DROP_tcp_listen_overflow);
		return;
	}
	if (tcp_rx_room(lc, sk, &seg) && seg.len != 0)
		DPS_CNT_INC(&lc->cnt, tcp_rx_data);
	sk->tcb.rcv_space = dps_tcp_rcv_space(sk);
	una0 = sk->tcb.snd_una;
	nxt0 = sk->tcb.rcv_nxt;
	st0 = sk->tcb.st;
	ev = dps_tcb_input(&sk->tcb, &seg, now, out, &n);
	if (seg.len != 0 && sk->tcb.rx_len != 0) {
		if (sk->tcb.rx_seq != nxt0)
			DPS_CNT_INC(&lc->cnt, tcp_ooo);
		if (!dps_tcp_rx_take(sk, m, (uint32_t)(m->l2_len + m->l3_len + hdr_len), nxt0))
			dps_drop(&lc->cnt, DPS_DROP_tcp_rcvbuf_full);
		DPS_CNT_ADD(&lc->cnt, tcp_rx_bytes, sk->tcb.rcv_nxt - nxt0 -
			((ev & DPS_TCB_PEER_FIN) ? 1 : 0));
	} else {
		rte_pktmbuf_free(m);
	}
	tcp_xmit_all(lc, sk, out, n, now);
	dps_tcp_after(lc, sk, ev, una0, now);
	count_recovery(lc, &st0, &sk->tcb.st);
}

static void
tuple_of(struct dps_tuple *t, uint32_t src, uint32_t dst, const uint8_t *th)
{
	memset(t, 0, sizeof(*t));
	t->laddr = dst;
	t->raddr = src;
	memcpy(&t->rport, th, 2);
	memcpy(&t->lport, th + 2, 2);
	t->proto = IPPROTO_TCP;
}

void
dps_tcp_rx(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_rx_pkt *p,
	uint64_t now)
{
	const uint8_t *th = rte_pktmbuf_mtod_offset(m, const uint8_t *,
		p->eth.hdr_len + p->ip.hdr_len);
	struct dps_tuple t;
	unsigned int owner;

	DPS_CNT_INC(&lc->cnt, tcp_rx);
	tuple_of(&t, p->ip.src, p->ip.dst, th);
	m->l2_len = p->eth.hdr_len;
	m->l3_len = p->ip.hdr_len;
	m->l4_len = p->l4.hdr_len;
	owner = dps_flow_owner(lc->stack->socks, &t);
	if (owner != lc->idx) {
		struct dps_msg msg = { .op = DPS_MSG_RX_HANDOFF, .ptr = m };

		if (dps_lcore_post(lc->stack, owner, &msg) != 0)
			dps_lcore_drop(lc, m, DPS_DROP_tcp_handoff_full);
		else
			DPS_CNT_INC(&lc->cnt, tcp_rx_handoff);
		return;
	}
	/* Trailing bytes (Ethernet padding) are not payload. */
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - (p->eth.hdr_len + p->ip.hdr_len +
		p->l4.hdr_len + p->l4.payload_len)));
	tcp_input(lc, m, &t, th, p->l4.hdr_len, p->l4.payload_len, now);
}

/* A segment another lcore received for a flow we own (validated there). */
void
dps_tcp_rx_handoff(struct dps_lcore *lc, struct rte_mbuf *m, uint64_t now)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, m->l2_len);
	const uint8_t *th = (const uint8_t *)ip + m->l3_len;
	uint32_t payload = rte_be_to_cpu_16(ip->total_length) - m->l3_len - m->l4_len;
	struct dps_tuple t;

	tuple_of(&t, ip->src_addr, ip->dst_addr, th);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - (m->l2_len + m->l3_len +
		m->l4_len + payload)));
	tcp_input(lc, m, &t, th, m->l4_len, payload, now);
}

/* ---- ICMP ---- */

void
dps_tcp_icmp(struct dps_lcore *lc, const struct dps_tuple *t, uint32_t seq,
	int err, uint16_t mtu, uint64_t now)
{
	struct dps_sock *sk = conn_lookup(lc, t);
	int ev;

	if (sk == NULL)
		return;
	ev = dps_tcb_icmp(&sk->tcb, seq, err, mtu);
	/* Linux also queues the ICMP on the socket's error queue
	 * (ip_icmp_error() in tcp_v4_err()), so POLLERR outlives SO_ERROR. */
	if (ev == DPS_TCB_CLOSED)
		__atomic_store_n(&sk->errq, 1, __ATOMIC_SEQ_CST);
	dps_tcp_after(lc, sk, ev, sk->tcb.snd_una, now);
}

/* The l4_err hook: find the owner of the quoted flow (ICMP errors hash
 * to whatever queue their own header picks). */
static void
tcp_icmp_hook(struct dps_lcore *lc, const struct dps_icmp_view *icmp, int err,
	bool fatal, uint64_t now)
{
	struct dps_tuple t = {
		.laddr = icmp->quote.src, .raddr = icmp->quote.dst,
		.lport = icmp->quote.sport, .rport = icmp->quote.dport,
		.proto = IPPROTO_TCP,
	};
	unsigned int owner = dps_flow_owner(lc->stack->socks, &t);
	uint32_t seq = rte_be_to_cpu_32(icmp->quote.seq);

	(void)fatal;
	if (owner == lc->idx) {
		dps_tcp_icmp(lc, &t, seq, err, icmp->next_mtu, now);
	} else {
		struct dps_msg m = { .op = DPS_MSG_TCP_ICMP };

		m.icmp.laddr = t.laddr;
		m.icmp.raddr = t.raddr;
		m.icmp.lport = t.lport;
		m.icmp.rport = t.rport;
		m.icmp.seq = seq;
		m.icmp.err = (int16_t)err;
		m.icmp.mtu = icmp->next_mtu;
		if (dps_lcore_post(lc->stack, owner, &m) != 0)
			dps_drop(&lc->cnt, DPS_DROP_tcp_handoff_full);
	}
}

void
dps_tcp_register(struct dps_stack *s)
{
	dps_stack_set_l4_err(s, IPPROTO_TCP, tcp_icmp_hook);
}


/* ---- timers ---- */

/* What a pass over the timer wheel hands each fired timer. */
struct timer_pass {
	struct dps_lcore *lc;
	uint64_t now;		/* the poll iteration's clock, read once */
};

static void
tcp_timer_fired(struct dps_tnode *n, void *arg)
{
	struct dps_sock *sk = container_of(n, struct dps_sock, timer);
	const struct timer_pass *tp = arg;
	struct dps_lcore *lc = tp->lc;
	uint64_t now = tp->now;
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcb_stats st0 = sk->tcb.st;
	uint32_t una0 = sk->tcb.snd_una;
	bool syn = sk->tcb.state == DPS_TCPS_SYN_SENT;
	unsigned int cnt;
	int ev;

	/* A half-open child of a listener that closed is dropped at its
	 * next timer, silently (Linux's reqsk_timer_handler()). */
	if (sk->parent != NULL && sk->tcb.state == DPS_TCPS_SYN_RECV &&
			__atomic_load_n(&sk->parent->state, __ATOMIC_ACQUIRE) != DPS_TCP_LISTEN) {
		conn_done(lc, sk, 0);
		return;
	}
	ev = dps_tcb_timeout(&sk->tcb, now, out, &cnt);
	if (cnt != 0 && syn)
		DPS_CNT_INC(&lc->cnt, tcp_tx_syn_retrans);
	tcp_xmit_all(lc, sk, out, cnt, now);
	dps_tcp_after(lc, sk, ev, una0, now);
	count_recovery(lc, &st0, &sk->tcb.st);
}

void
dps_tcp_timers(struct dps_lcore *lc, uint64_t now)
{
	struct timer_pass tp = { .lc = lc, .now = now };

	dps_tw_expire(lc->tw, now, tcp_timer_fired, &tp);
}

/* Housekeeping: TIME_WAIT ends, key slots whose grace period is over. */
void
dps_tcp_tick(struct dps_lcore *lc, uint64_t now)
{
	tw_expire(lc, now);
	(void)rte_rcu_qsbr_dq_reclaim(lc->conns_dq, UINT32_MAX, NULL, NULL, NULL);
}

/*
 * The next hop @nexthop never answered ARP. Linux reports that to each
 * connecting socket whose SYN was held as an ICMP host unreachable
 * (arp_error_report()), which aborts the attempt with EHOSTUNREACH.
 */
void
dps_tcp_fail_nexthop(struct dps_lcore *lc, uint32_t nexthop, int err)
{
	const struct dps_route_table *rt = &lc->stack->routes;
	struct dps_sock *victims[64];
	unsigned int n;

	do {
		const void *key;
		void *data;
		uint32_t it = 0;

		n = 0;
		while (n < RTE_DIM(victims) &&
				rte_hash_iterate(lc->conns, &key, &data, &it) >= 0) {
			struct dps_sock *sk = data;
			const struct dps_route *r;

			if (is_tw(data))	/* a TIME_WAIT entry, not a socket */
				continue;
			r = dps_route_lookup(rt, sk->tup.raddr);
			if (sk->tcb.state == DPS_TCPS_SYN_SENT && r != NULL &&
					dps_route_nexthop(r, sk->tup.raddr) == nexthop)
				victims[n++] = sk;
		}
		for (unsigned int i = 0; i < n; i++) {
			/* Reported as an ICMP host unreachable, error queue too. */
			__atomic_store_n(&victims[i]->errq, 1, __ATOMIC_SEQ_CST);
			victims[i]->tcb.err = err;
			victims[i]->tcb.state = DPS_TCPS_CLOSE;
			conn_done(lc, victims[i], err);
		}
	} while (n == RTE_DIM(victims));
}
