/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Passive open (RFC 9293 3.5, 3.10.7.2): listeners, their SYN and accept
 * queues, and SYN cookies.
 *
 * A listener is reachable from every lcore through a per-port pointer
 * array. A SYN lands on the lcore that owns its tuple (RSS), which makes a
 * child socket in SYN_RECV in its own connection table (that is the SYN
 * queue: the listener only counts its length) and answers with a SYN-ACK.
 * The ACK completes the child, which moves to the listener's accept queue,
 * an MP/MC rte_ring of socket pointers that dps_accept() takes from on any
 * thread. When the SYN queue holds backlog entries, SYNs are answered with
 * a cookie instead (RFC 4987 3.6) and the ACK rebuilds the connection.
 * So are SYNs that find the socket pool empty or the mbuf pool down to its
 * transmit reserve (dps_pool_low()): a flood then costs one transient
 * mbuf per SYN and no state. The IPv4 SYNs of a dual-stack AF_INET6
 * listener take the same path, cookies included; only their children
 * differ, v4-mapped AF_INET6 sockets (dps_tcp6_mapped_child()).
 *
 * A listener that cannot keep up drops, counted by reason, as Linux does
 * (LINUX_MIB_LISTENOVERFLOWS, no RST with tcp_abort_on_overflow = 0): a
 * SYN or a completing ACK while the accept queue is full
 * (tcp_listen_overflow), a cookie's ACK with no socket left
 * (tcp_sock_pool_empty), a SYN or cookie ACK whose child finds the
 * lcore's table holding max_conns connections (tcp_conn_table_full: a
 * bound Linux's unbounded established hash does not have; TIME_WAIT
 * entries do not count toward it, dps_tcp_table.c).
 *
 * References: a child holds one on its listener until accepted or gone;
 * the accept queue holds the child's first reference, which becomes the
 * descriptor's on accept.
 */
#include <errno.h>
#include <string.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include "dps_tcp_priv.h"

#define ACCEPTQ_MAX 65536

/* ---- application side ---- */

/*
 * Make @sk findable by the lcores: in its port's SO_REUSEPORT group when
 * it set the option, else as the port's one listener of each family it
 * takes (an AF_INET6 socket: the port words it bound, dps_portmap.c, so
 * a dual-stack one in both arrays, a v6-only one in listeners6 alone).
 * A listen() again (a new backlog, or after an AF_UNSPEC disconnect)
 * keeps what it was.
 */
static int
listen_publish(struct dps_sockets *ss, struct dps_sock *sk, uint16_t port)
{
	uint8_t maps = dps_sock_is6(sk) ? dps_sock6_c(sk)->maps : DPS_UMAP_V4;

	if (dps_sock_lst(sk)->grouped || dps_listener_of(ss, port) == sk ||
			dps_listener6_of(ss, port) == sk)
		return 0;
	if (sk->opt.reuseport)
		return dps_rgroup_join(sk);
	if (maps & DPS_UMAP_V6) {
		dps_obj_ref(&sk->obj);		/* the IPv6 array's */
		dps_publish_listener6(ss, port, sk);
	}
	if (maps & DPS_UMAP_V4) {
		dps_obj_ref(&sk->obj);		/* the port array's */
		dps_publish_listener(ss, port, sk);
	}
	return 0;
}

int
dps_tcp_listen_start(struct dps_sock *sk, int backlog)
{
	struct dps_sockets *ss = dps_socks(sk->stack);
	uint16_t port = rte_be_to_cpu_16(dps_sock_lport(sk));
	struct dps_listener *l;
	unsigned int n;
	int rc;

	/* Linux caps the backlog at somaxconn; ours is the ring's size. */
	if (backlog <= 0)
		backlog = 1;
	if (backlog > ACCEPTQ_MAX - 1)
		backlog = ACCEPTQ_MAX - 1;
	l = dps_sock_lst(sk);
	if (l != NULL) {
		dps_lst_set_backlog(l, (uint32_t)backlog);
		return listen_publish(ss, sk, port);
	}
	n = rte_align32pow2((uint32_t)backlog + 1);
	/* The ring follows the header on its own cache line, as
	 * rte_ring_init() requires. */
	l = rte_zmalloc("dps_listener", RTE_CACHE_LINE_SIZE +
		(size_t)rte_ring_get_memsize(n), RTE_CACHE_LINE_SIZE);
	if (l == NULL)
		return -ENOBUFS;
	l->acceptq = (struct rte_ring *)RTE_PTR_ADD(l, RTE_CACHE_LINE_SIZE);
	if (rte_ring_init(l->acceptq, "dps_acceptq", n, 0) != 0) {
		rte_free(l);
		return -ENOBUFS;
	}
	dps_lst_set_backlog(l, (uint32_t)backlog);
	/* A group member's home: the lcore that calls listen(), if any. */
	l->home = (int16_t)dps_stack_self(sk->stack);
	dps_sock_publish_lst(sk, l);
	rc = listen_publish(ss, sk, port);
	if (rc != 0) {
		dps_sock_publish_lst(sk, NULL);
		rte_free(l);
	}
	return rc;
}

/*
 * Reset every child waiting in the accept queue (Linux's
 * inet_csk_listen_stop()): each goes to its lcore to be aborted. On that
 * lcore the abort runs at once, and the child gives back its reference
 * on the listener; the last child's could free the listener, and its
 * queue, under this loop. The loop holds a reference of its own.
 */
static void
listen_flush(struct dps_sock *sk)
{
	struct dps_listener *l = dps_sock_lst(sk);
	void *p;

	if (l == NULL)
		return;
	dps_obj_ref(&sk->obj);
	while (rte_ring_dequeue(l->acceptq, &p) == 0) {
		struct dps_sock *c = p;

		dps_sock_set_abort_on_close(c, 1);
		dps_sock_post_close(c);
	}
	dps_sock_put(sk);
}

/* The listener closes (or leaves its SO_REUSEPORT group): no new
 * children; queued ones are reset. */
void
dps_tcp_listen_stop(struct dps_sock *sk)
{
	struct dps_sockets *ss = dps_socks(sk->stack);
	uint16_t port = rte_be_to_cpu_16(dps_sock_lport(sk));
	const struct dps_listener *l = dps_sock_lst(sk);

	if (l != NULL && l->grouped) {
		dps_rgroup_leave(sk);
	} else {
		if (dps_unpublish_listener(ss, port, sk))
			dps_sock_put(sk);
		if (dps_unpublish_listener6(ss, port, sk))
			dps_sock_put(sk);
	}
	listen_flush(sk);
}

/* ---- lcore side ---- */

/* The listener that takes a segment of @t on lcore @idx: the port's one
 * listener, or a member of its SO_REUSEPORT group. */
static struct dps_sock *
listener_for(struct dps_sockets *ss, const struct dps_tuple *t, unsigned int idx)
{
	struct dps_sock *l = dps_listener_of(ss, rte_be_to_cpu_16(t->lport));

	if (l == NULL)
		return dps_rgroup_pick(ss, t, idx);
	if (dps_sock_state(l) != DPS_TCP_LISTEN)
		return NULL;
	if (dps_sock_laddr(l) != 0 && dps_sock_laddr(l) != t->laddr)
		return NULL;
	return l;
}

/* A child for listener @parent from @pool: the options it inherits, one
 * reference (the accept queue's), one on the parent. NULL when the pool
 * is empty. */
static inline struct dps_sock *
sock_child_from(struct dps_sock *parent, struct dps_pool *pool)
{
	struct dps_sock *c = dps_pool_get(pool);

	if (c == NULL)
		return NULL;
	dps_sock_init(c, parent->stack, SOCK_STREAM, IPPROTO_TCP, false);
	c->obj.fd = -1;
	c->opt = parent->opt;
	c->cbset = parent->cbset;
	c->cb_arg = parent->cb_arg;
	dps_sock_set_ss(c, DPS_SS_CONNECTED);
	c->roles = DPS_ROLE_CONNECTED;		/* listen() after a disconnect: EINVAL */
	dps_obj_ref(&parent->obj);
	dps_sock_set_parent(c, parent);
	return c;
}

struct dps_sock *
dps_sock_new_child(struct dps_sock *parent)
{
	return sock_child_from(parent, dps_socks(parent->stack)->pool);
}

/* An AF_INET6 listener's children are AF_INET6 sockets (their IPv6 side
 * is dps_tcp6_listen.c's). */
struct dps_sock *
dps_sock_new_child6(struct dps_sock *parent)
{
	return sock_child_from(parent, dps_socks(parent->stack)->pool6);
}

/* Enter @c (SYN_RECV, or established from a cookie) in the table. */
static bool
child_insert(struct dps_lcore *lc, struct dps_sock *c, const struct dps_tuple *t)
{
	c->tup = *t;
	if (dps_tcp_table_add(lc, c) != 0)
		return false;
	dps_tcp_conn_add(lc, c);
	/* Children hold the listener's port (Linux: inet_inherit_port()),
	 * so a bind() after the listener closed sees them. */
	c->port_held = dps_port_hold(dps_socks(lc->stack), dps_sock_lport(c), c->opt.reuseaddr);
	c->ip_id = dps_tcp_rand16(dps_tcp_lc(lc));
	return true;
}

static void
child_discard(struct dps_sock *c)
{
	dps_tcp_child_gone(c);
	dps_sock_put(c);
}

static void listen_cookie_synack(struct dps_lcore *lc, struct dps_sock *l,
	const struct dps_tuple *t, const struct dps_tcp_seg *seg, uint64_t now);

/*
 * Child @c of listener @l for the SYN @seg from @t (an IPv4 tuple): into
 * the table, the SYN queue and SYN_RECV, and its SYN-ACK out; dropped and
 * counted when the cold-half pool or the table is full. The child of an
 * AF_INET listener, or the v4-mapped child of a dual-stack AF_INET6 one
 * (dps_tcp6_listen.c), whose IPv6 side listen_new_child() filled.
 */
static void
listen_child(struct dps_lcore *lc, struct dps_sock *l, struct dps_sock *c,
	const struct dps_tuple *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	const struct dps_route *r;
	struct dps_tcb_conf conf;
	struct dps_tcp_out out;
	struct dps_tcp_keyed k;

	if (!dps_tcp_x_hold_new(lc, c)) {
		child_discard(c);
		dps_drop(&lc->cnt, DPS_DROP_tcp_ext_pool_empty);
		return;
	}
	if (!child_insert(lc, c, t)) {
		child_discard(c);
		dps_drop(&lc->cnt, DPS_DROP_tcp_conn_table_full);
		return;
	}
	dps_lst_synq_add(dps_sock_lst(l), 1);
	/* Relaxed: a statistic, read relaxed by dps_stack_sock_stats(). */
	dps_tcp_stat_add(&dps_tcp_lc(lc)->n_half_open, 1);
	c->in_synq = true;
	r = dps_tcp_conf(lc, c, &conf);
	dps_tcp_conf_passive(c, seg->opt.has_ts, &conf);
	k = dps_tcp_keyed(dps_socks(lc->stack), t, now);
	dps_tcb_accept(&c->tcb, &conf, seg, k.isn, k.ts_off, now, &out);
	dps_tcb_attach_limit(&c->tcb, &dps_tcp_lc(lc)->chlim);	/* accept wrote the cold half */
	dps_sock_set_state(c, DPS_TCP_SYN_RECV);
	DPS_CNT_INC(&lc->cnt, tcp_passive_opens);
	/* Through the child's own tuple and path, which its later
	 * segments use too; with the child's IP_TTL and IP_TOS, the
	 * listener's (Linux's tcp_v4_send_synack() uses the listener's). */
	dps_tcp_xmit_first(lc, c, r, &out, now);
	dps_tcp_after(lc, c, DPS_TCB_NONE, c->tcb.snd_una, now);
}

/* A child of @l for @t: an AF_INET listener's, or the v4-mapped one of
 * a dual-stack AF_INET6 listener. NULL when the pool is empty. */
static struct dps_sock *
listen_new_child(struct dps_sock *l, const struct dps_tuple *t)
{
	if (unlikely(dps_sock_is6(l)))
		return dps_tcp6_mapped_child(l, t);
	return dps_sock_new_child(l);
}

/* A SYN for a listener with room in its SYN queue. */
static void
listen_syn(struct dps_lcore *lc, struct dps_sock *l, const struct dps_tuple *t,
	const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sock *c = listen_new_child(l, t);

	if (c == NULL) {
		listen_cookie_synack(lc, l, t, seg, now);
		DPS_CNT_INC(&lc->cnt, tcp_syncookies_mem);
		return;
	}
	listen_child(lc, l, c, t, seg, now);
}

/* The cookie's input: the tuple and the peer's ISN. */
static void
cookie_in(const struct dps_tuple *t, uint32_t peer_isn, struct dps_cookie_in *in)
{
	in->saddr = t->raddr;
	in->daddr = t->laddr;
	in->sport = t->rport;
	in->dport = t->lport;
	in->peer_isn = peer_isn;
}

/* SYN queue full: answer statelessly (Linux's tcp_syn_flood_action() with
 * tcp_syncookies = 1). */
static void
listen_cookie_synack(struct dps_lcore *lc, struct dps_sock *l,
	const struct dps_tuple *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct dps_cookie_in in;
	struct dps_tcb_conf conf;
	struct dps_tcb tcb;
	struct dps_tcb_ext x;		/* a stateless answer: on the stack */
	struct dps_tcp_out out;
	uint16_t mss;
	uint32_t isn;

	cookie_in(t, seg->seq, &in);
	dps_tcp_conf(lc, l, &conf);
	dps_tcp_conf_passive(l, seg->opt.has_ts, &conf);
	isn = dps_syncookie_make(ss->cookie_key, &in,
		seg->opt.has_mss ? seg->opt.mss : DPS_TCP_MSS_DEFAULT, now, &mss);
	dps_tcb_ext_attach(&tcb, &x);
	dps_tcb_accept(&tcb, &conf, seg, isn, dps_tcp_ts_off(ss, t), now, &out);
	out.opt.mss = conf.adv_mss;
	if (out.opt.has_ts)
		out.opt.tsval = dps_syncookie_ts(out.opt.tsval,
			seg->opt.has_ws ? seg->opt.wscale : 0xff, seg->opt.sack_ok);
	DPS_CNT_INC(&lc->cnt, tcp_syncookies_sent);
	dps_tcp_xmit_out(lc, t, &out, &lc->ip_id, now);
}

/* Put an established child on its listener's accept queue. */
static bool
child_enqueue(struct dps_lcore *lc, struct dps_sock *c)
{
	struct dps_sock *l = dps_sock_parent(c);
	struct dps_listener *q = l != NULL ? dps_sock_lst(l) : NULL;

	if (q == NULL || rte_ring_enqueue(q->acceptq, c) != 0)
		return false;
	DPS_CNT_INC(&lc->cnt, tcp_accepted);
	/* A listener closing meanwhile may have flushed already. This is a
	 * store-then-load on each side: here the enqueue, then the state;
	 * in tcp_disconnect() the state (SEQ_CST), then the flush's
	 * dequeue. Acquire/release lets both miss the other's store (x86
	 * reorders a store before a later load), which left the child and
	 * its listener unreleased under load: the full fence makes one of
	 * the two see the other. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (dps_sock_state(l) != DPS_TCP_LISTEN)
		listen_flush(l);
	else
		dps_sock_notify(l, DPS_CB_ACCEPTABLE);
	return true;
}

/* What listen_cookie_ack() made of an ACK. */
enum cookie_ack { COOKIE_NONE, COOKIE_TAKEN, COOKIE_DROPPED };

/* An ACK with no connection: does it carry a valid cookie? A valid one
 * the listener cannot take now is dropped, counted, without a RST: the
 * peer's retransmission may find room. */
static enum cookie_ack
listen_cookie_ack(struct dps_lcore *lc, struct dps_sock *l,
	const struct dps_tuple *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct dps_cookie_in in;
	struct dps_tcb_conf conf;
	uint8_t wscale = 0xff;
	bool sack = false;
	struct dps_sock *c;
	uint16_t mss;

	cookie_in(t, seg->seq - 1, &in);
	mss = dps_syncookie_check(ss->cookie_key, &in, seg->ack - 1, now);
	if (mss == 0) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_bad_cookie);
		return COOKIE_NONE;
	}
	if (seg->opt.has_ts && !dps_syncookie_ts_opts(seg->opt.tsecr, &wscale, &sack))
		return COOKIE_NONE;
	if (rte_ring_full(dps_sock_lst(l)->acceptq)) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_listen_overflow);
		return COOKIE_DROPPED;
	}
	c = listen_new_child(l, t);
	if (c == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_sock_pool_empty);
		return COOKIE_DROPPED;
	}
	if (!dps_tcp_x_hold_new(lc, c)) {
		child_discard(c);
		dps_drop(&lc->cnt, DPS_DROP_tcp_ext_pool_empty);
		return COOKIE_DROPPED;
	}
	if (!child_insert(lc, c, t)) {
		child_discard(c);
		dps_drop(&lc->cnt, DPS_DROP_tcp_conn_table_full);
		return COOKIE_DROPPED;
	}
	dps_tcp_conf(lc, c, &conf);
	dps_tcp_conf_passive(c, seg->opt.has_ts, &conf);
	dps_tcb_from_cookie(&c->tcb, &conf, seg, mss, wscale, sack,
		dps_tcp_ts_off(ss, t), now);
	dps_tcb_attach_limit(&c->tcb, &dps_tcp_lc(lc)->chlim);
	DPS_CNT_INC(&lc->cnt, tcp_syncookies_ok);
	dps_sock_set_state(c, DPS_TCP_ESTABLISHED);
	dps_tcp_after(lc, c, DPS_TCB_CONNECTED, c->tcb.snd_una, now);
	return COOKIE_TAKEN;
}

/*
 * A segment for no connection on a listening port. Returns true when it
 * was taken (the mbuf freed); false to answer it as for no socket.
 */
bool
dps_tcp_listen_input(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_tuple *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sock *l = listener_for(dps_socks(lc->stack), t, lc->idx);
	uint8_t f = seg->flags & (DPS_TH_SYN | DPS_TH_ACK | DPS_TH_RST);
	enum cookie_ack ca;

	if (l == NULL)
		return false;
	/* An AF_INET6 listener's IPv4 connections take this path, SYN
	 * cookies included, their children v4-mapped (dps_tcp6_listen.c).
	 * One that hears no IPv4 has the RST answer. */
	if (unlikely(dps_sock_is6(l)) && !dps_tcp6_listen_hears_v4(l))
		return false;
	if (f == DPS_TH_SYN) {
		const struct dps_listener *q = dps_sock_lst(l);

		if (rte_ring_full(q->acceptq)) {
			dps_lcore_drop(lc, m, DPS_DROP_tcp_listen_overflow);
			return true;
		}
		if (dps_lst_synq(q) >= dps_lst_backlog(q)) {
			listen_cookie_synack(lc, l, t, seg, now);
		} else if (dps_pool_low(lc)) {
			listen_cookie_synack(lc, l, t, seg, now);
			DPS_CNT_INC(&lc->cnt, tcp_syncookies_mem);
		} else {
			listen_syn(lc, l, t, seg, now);
		}
		rte_pktmbuf_free(m);
		return true;
	}
	if (f != DPS_TH_ACK)
		return false;
	ca = listen_cookie_ack(lc, l, t, seg, now);
	if (ca == COOKIE_NONE)
		return false;
	/* Payload on the cookie's ACK is dropped; the peer resends. A
	 * dropped ACK is counted already. */
	rte_pktmbuf_free(m);
	return true;
}

/* May the ACK that completes @c's handshake be taken? Not while the
 * accept queue is full (Linux ignores it; the SYN-ACK is resent). */
bool
dps_tcp_child_may_complete(struct dps_lcore *lc, struct dps_sock *c,
	const struct dps_tcp_seg *seg)
{
	(void)lc;
	if (!(seg->flags & DPS_TH_ACK) || (seg->flags & (DPS_TH_RST | DPS_TH_SYN)))
		return true;
	const struct dps_sock *l = dps_sock_parent(c);
	const struct dps_listener *q = l != NULL ? dps_sock_lst(l) : NULL;

	return q == NULL || !rte_ring_full(q->acceptq);
}

/* @c leaves @l's SYN queue (established, or gone). */
static void
synq_leave(struct dps_sock *c, struct dps_sock *l)
{
	dps_lst_synq_add(dps_sock_lst(l), -1);
	dps_tcp_stat_add(&dps_tcp_lc(c->stack->lc[dps_sock_owner(c)])->n_half_open, -1);
	c->in_synq = false;
}

/*
 * The handshake completed: out of the SYN queue, into the accept queue.
 * The child may be reset here and then: when the queue has no room, or
 * when its listener closed meanwhile and this lcore flushes the queue
 * itself (child_enqueue()). Returns false then: the caller, in the
 * middle of the child's event (dps_tcp_after()), must not touch it again,
 * since its last reference went and the pool may hand it out anew. A
 * reference held across the call keeps it whole until then.
 */
bool
dps_tcp_child_established(struct dps_lcore *lc, struct dps_sock *c)
{
	struct dps_sock *l = dps_sock_parent(c);
	bool live;

	if (c->in_synq)
		synq_leave(c, l);
	dps_sock_set_state(c, DPS_TCP_ESTABLISHED);
	dps_obj_ref(&c->obj);
	if (!child_enqueue(lc, c)) {
		dps_sock_set_abort_on_close(c, 1);
		dps_obj_ref(&c->obj);	/* dps_tcp_do_close drops one */
		dps_tcp_do_close(lc, c, dps_now(lc->stack));
		child_discard(c);
	}
	live = c->in_table;
	dps_sock_put(c);
	return live;
}

/* The child no longer needs its listener (accepted, or gone unaccepted). */
void
dps_tcp_child_gone(struct dps_sock *c)
{
	struct dps_sock *l = dps_sock_take_parent(c);

	if (l == NULL)
		return;
	if (c->in_synq)
		synq_leave(c, l);
	dps_sock_put(l);
}
