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
	lc->conns = NULL;
	lc->tw = NULL;
}

/* ---- publishing to readers ---- */

static void
sock_set_state(struct dps_sock *sk, uint8_t state)
{
	__atomic_store_n(&sk->state, state, __ATOMIC_SEQ_CST);
}

/* ---- output ---- */

/*
 * Build and route one segment of @t's flow. @ip_id is the flow's IPv4
 * identification counter: Linux starts each connection's at a random
 * value and adds one per packet, retransmissions included.
 */
static void
tcp_xmit(struct dps_lcore *lc, const struct dps_tuple *t,
	const struct dps_tcp_out *out, uint16_t *ip_id, uint64_t now)
{
	size_t olen = dps_tcp_out_opt_len(out);
	uint16_t tcp_len = (uint16_t)(DPS_TCP_HLEN + olen);
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);
	struct rte_ipv4_hdr *ip;
	uint8_t *th;

	if (m == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		return;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(20 + tcp_len));
	th = (uint8_t *)(ip + 1);
	dps_ipv4_build((uint8_t *)ip, 20, t->laddr, t->raddr, IPPROTO_TCP,
		tcp_len, 64, (*ip_id)++, true);
	dps_tcp_build(th, tcp_len, t->lport, t->rport, out);
	((struct rte_tcp_hdr *)th)->cksum = rte_ipv4_udptcp_cksum(ip, th);
	DPS_CNT_INC(&lc->cnt, tcp_tx);
	if (out->flags & DPS_TH_RST)
		DPS_CNT_INC(&lc->cnt, tcp_tx_rst);
	(void)dps_ip_output(lc, m, t->raddr, now);
}

static void
tcp_xmit_all(struct dps_lcore *lc, struct dps_sock *sk,
	const struct dps_tcp_out *out, unsigned int n, uint64_t now)
{
	for (unsigned int i = 0; i < n; i++)
		tcp_xmit(lc, &sk->tup, &out[i], &sk->ip_id, now);
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

static struct dps_sock *
conn_lookup(struct dps_lcore *lc, const struct dps_tuple *t)
{
	void *data;

	if (rte_hash_lookup_data(lc->conns, t, &data) < 0)
		return NULL;
	return data;
}

/*
 * The connection is over (tcp_done()): out of the table, timer off, port
 * back unless bind() owns it, error and hang-up published, and the
 * lcore's reference dropped. @err 0 publishes no error.
 */
static void
conn_done(struct dps_lcore *lc, struct dps_sock *sk, int err)
{
	struct dps_sockets *ss = lc->stack->socks;
	int32_t pos;

	if (!sk->in_table)
		return;
	pos = rte_hash_del_key(lc->conns, &sk->tup);
	if (pos >= 0) {
		uint64_t e = (uint64_t)pos;

		/* Cannot be full: it is as large as the table. */
		(void)rte_rcu_qsbr_dq_enqueue(lc->conns_dq, &e);
	}
	sk->in_table = false;
	lc->n_conns--;
	dps_tw_cancel(lc->tw, &sk->timer);
	if (sk->port_held) {
		dps_port_connect_put(ss, rte_be_to_cpu_16(sk->tup.lport));
		sk->port_held = false;
	}
	if (err != 0 && __atomic_load_n(&sk->state, __ATOMIC_RELAXED) ==
			DPS_TCP_SYN_SENT)
		DPS_CNT_INC(&lc->cnt, tcp_conn_failed);
	sk->tcb.state = DPS_TCPS_CLOSE;
	if (err != 0)
		__atomic_store_n(&sk->so_error, err, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sk->shutdown, DPS_SHUTDOWN_MASK, __ATOMIC_SEQ_CST);
	sock_set_state(sk, DPS_TCP_CLOSE);
	dps_sock_notify(sk, err != 0 ? DPS_CB_ERROR : DPS_CB_NONE);
	dps_sock_put(sk);
}

/* What the TCB reported, published. */
static void
tcp_event(struct dps_lcore *lc, struct dps_sock *sk, int ev)
{
	switch (ev) {
	case DPS_TCB_CONNECTED:
		DPS_CNT_INC(&lc->cnt, tcp_established);
		sock_set_state(sk, DPS_TCP_ESTABLISHED);
		dps_sock_notify(sk, DPS_CB_CONNECTED);
		break;
	case DPS_TCB_CLOSED:
		conn_done(lc, sk, sk->tcb.err);
		return;
	case DPS_TCB_PEER_FIN:
		__atomic_fetch_or(&sk->shutdown, DPS_RCV_SHUTDOWN, __ATOMIC_SEQ_CST);
		sock_set_state(sk, DPS_TCP_CLOSE_WAIT);
		dps_sock_notify(sk, DPS_CB_READABLE);
		break;
	default:
		/* Crossed SYNs move the TCB to SYN_RECV on its own. */
		if (sk->tcb.state == DPS_TCPS_SYN_RECV &&
				__atomic_load_n(&sk->state, __ATOMIC_RELAXED) != DPS_TCP_SYN_RECV)
			sock_set_state(sk, DPS_TCP_SYN_RECV);
		break;
	}
	tcp_sync_timer(lc, sk);
}

/* ---- connect ---- */

/*
 * RFC 6528 ISN: a clock ticking every 4 us plus a keyed PRF (SipHash,
 * per-stack random key) of the tuple, as Linux's secure_tcp_seq().
 */
static uint32_t
tcp_isn(const struct dps_sockets *ss, const struct dps_tuple *t, uint64_t now)
{
	return (uint32_t)dps_siphash24(t, 12, ss->isn_key) + (uint32_t)(now / 4000);
}

/* Linux: a random timestamp offset per 4-tuple (secure_tcp_ts_off()). */
static uint32_t
tcp_ts_off(const struct dps_sockets *ss, const struct dps_tuple *t)
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
 * tuple not already in our table, and hash to this lcore.
 */
static int
tcp_autobind(struct dps_lcore *lc, struct dps_sock *sk)
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

	offset &= ~1u;
	for (uint32_t pass = 0; pass < 2; pass++, offset++) {
		uint32_t port = lo + offset;

		for (uint32_t i = 0; i < remaining; i += 2, port += 2) {
			if (port >= lo + remaining)
				port -= remaining;
			t.lport = rte_cpu_to_be_16((uint16_t)port);
			if (!tuple_is_mine(lc, &t) || conn_lookup(lc, &t) != NULL ||
					!dps_port_connect_take(ss, (uint16_t)port))
				continue;
			__atomic_fetch_add(perturb, i + 2 + 2 * rte_rand_max(8),
				__ATOMIC_RELAXED);
			sk->tup.lport = t.lport;
			sk->port_held = true;
			return 0;
		}
		if (n == 1)
			break;
	}
	return -EADDRNOTAVAIL;
}

static void
tcp_conf(const struct dps_lcore *lc, const struct dps_sock *sk,
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
	struct dps_tcb_conf c;
	struct dps_tcp_out syn;
	int rc;

	if (sk->tup.laddr == 0)
		sk->tup.laddr = dps_ip_source_for(lc->stack, sk->tup.raddr);
	if (sk->tup.laddr == 0)
		return -ENETUNREACH;
	if (sk->tup.lport == 0) {
		rc = tcp_autobind(lc, sk);
		if (rc != 0) {
			if (!(sk->userlocks & DPS_BINDADDR_LOCK))
				sk->tup.laddr = 0;
			return rc;
		}
	} else if (conn_lookup(lc, &sk->tup) != NULL) {
		return -EADDRNOTAVAIL;
	}
	if (rte_hash_add_key_data(lc->conns, &sk->tup, sk) < 0) {
		if (sk->port_held)
			dps_port_connect_put(ss, rte_be_to_cpu_16(sk->tup.lport));
		sk->port_held = false;
		return -ENOBUFS;
	}
	dps_obj_ref(&sk->obj);		/* the table's reference */
	sk->in_table = true;
	sk->owner = (int16_t)lc->idx;
	lc->n_conns++;
	tcp_conf(lc, sk, &c);
	dps_tcb_connect(&sk->tcb, &c, tcp_isn(ss, &sk->tup, now),
		tcp_ts_off(ss, &sk->tup), now, &syn);
	__atomic_store_n(&sk->shutdown, 0, __ATOMIC_SEQ_CST);
	/* A new attempt forgets an old error (Linux clears sk_err when
	 * tcp_connect() starts over). */
	__atomic_store_n(&sk->so_error, 0, __ATOMIC_SEQ_CST);
	sock_set_state(sk, DPS_TCP_SYN_SENT);
	DPS_CNT_INC(&lc->cnt, tcp_connects);
	DPS_CNT_INC(&lc->cnt, tcp_tx_syn);
	sk->ip_id = (uint16_t)rte_rand();
	tcp_xmit(lc, &sk->tup, &syn, &sk->ip_id, now);
	tcp_sync_timer(lc, sk);
	return 0;
}

/*
 * Abort (tcp_disconnect() for AF_UNSPEC, and close() until the orderly
 * close lands): a RST where Linux sends one, ECONNRESET for a connection
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

/* ---- input ---- */

/* A segment for no connection (RFC 9293 3.10.7.1): answer with a RST,
 * except to RSTs and to SYNs for a listener (passive open comes later). */
static void
tcp_no_conn(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple *t,
	const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_tcp_out out;

	if ((seg->flags & (DPS_TH_SYN | DPS_TH_ACK)) == DPS_TH_SYN &&
			dps_port_is_listening(lc->stack->socks, rte_be_to_cpu_16(t->lport))) {
		dps_lcore_drop(lc, m, DPS_DROP_tcp_listen_pending);
		return;
	}
	if (dps_tcp_rst_for(seg, &out))
		tcp_xmit(lc, t, &out, &lc->ip_id, now);
	dps_lcore_drop(lc, m, DPS_DROP_tcp_no_socket);
}

/* @th points at the TCP header of @m, whose IPv4 header is @ip. */
static void
tcp_input(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple *t,
	const uint8_t *th, uint16_t hdr_len, uint32_t payload_len, uint64_t now)
{
	struct dps_tcp_out out[DPS_TCB_MAX_OUT];
	struct dps_tcp_seg seg;
	struct dps_sock *sk;
	unsigned int n;
	int ev;

	dps_tcp_seg_parse(th, hdr_len, payload_len, &seg);
	sk = conn_lookup(lc, t);
	if (sk == NULL) {
		tcp_no_conn(lc, m, t, &seg, now);
		return;
	}
	rte_pktmbuf_free(m);
	ev = dps_tcb_input(&sk->tcb, &seg, now, out, &n);
	tcp_xmit_all(lc, sk, out, n, now);
	tcp_event(lc, sk, ev);
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
	owner = dps_flow_owner(lc->stack->socks, &t);
	if (owner != lc->idx) {
		struct dps_msg msg = { .op = DPS_MSG_RX_HANDOFF, .ptr = m };

		m->l2_len = p->eth.hdr_len;
		m->l3_len = p->ip.hdr_len;
		m->l4_len = p->l4.hdr_len;
		if (dps_lcore_post(lc->stack, owner, &msg) != 0)
			dps_lcore_drop(lc, m, DPS_DROP_tcp_handoff_full);
		else
			DPS_CNT_INC(&lc->cnt, tcp_rx_handoff);
		return;
	}
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
	tcp_input(lc, m, &t, th, m->l4_len, payload, now);
}

/* ---- ICMP ---- */

void
dps_tcp_icmp(struct dps_lcore *lc, const struct dps_tuple *t, uint32_t seq,
	int err, uint16_t mtu, uint64_t now)
{
	struct dps_sock *sk = conn_lookup(lc, t);
	int ev;

	(void)now;
	if (sk == NULL)
		return;
	ev = dps_tcb_icmp(&sk->tcb, seq, err, mtu);
	/* Linux also queues the ICMP on the socket's error queue
	 * (ip_icmp_error() in tcp_v4_err()), so POLLERR outlives SO_ERROR. */
	if (ev == DPS_TCB_CLOSED)
		__atomic_store_n(&sk->errq, 1, __ATOMIC_SEQ_CST);
	tcp_event(lc, sk, ev);
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
	struct dps_tcp_out out;
	unsigned int cnt;
	int ev;

	ev = dps_tcb_timeout(&sk->tcb, now, &out, &cnt);
	if (cnt != 0)
		DPS_CNT_INC(&lc->cnt, tcp_tx_syn_retrans);
	tcp_xmit_all(lc, sk, &out, cnt, now);
	tcp_event(lc, sk, ev);
}

void
dps_tcp_timers(struct dps_lcore *lc, uint64_t now)
{
	struct timer_pass tp = { .lc = lc, .now = now };

	dps_tw_expire(lc->tw, now, tcp_timer_fired, &tp);
}

/* Housekeeping: give back key slots whose grace period is over. */
void
dps_tcp_tick(struct dps_lcore *lc)
{
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
			const struct dps_route *r = dps_route_lookup(rt, sk->tup.raddr);

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
