/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket object: a fresh socket from the pool, its references, its
 * return to the pool, and the two ways the application side reaches the
 * lcore that owns a connection (a request it waits for, a close it hands
 * over). Also the checks shared by connect() and sendto(): the route,
 * and a port for a socket that has none.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include "dps_tcp_priv.h"

/* ---- creation ---- */

void
dps_sock_init(struct dps_sock *sk, struct dps_stack *s, int type, int proto,
	bool nonblock)
{
	struct rte_ring *rxq = dps_sock_rxq(sk);	/* kept across reuse */
	struct rte_ring *txq = dps_sock_txq(sk);

	memset(sk, 0, sizeof(*sk));
	dps_sock_publish_rxq(sk, rxq);
	dps_sock_reset_txq(sk, txq);
	/* Buffers as SO_SNDBUF / SO_RCVBUF report them: twice the bytes a
	 * connection may hold (Linux's convention). */
	sk->opt.sndbuf = 2 * DPS_SNDBUF_DEFAULT;
	sk->opt.rcvbuf = 2 * DPS_RCVBUF_DEFAULT;
	sk->obj.kind = DPS_OBJ_SOCK;
	dps_obj_set_refs(&sk->obj, 1);		/* the descriptor table's */
	sk->stack = s;
	sk->type = (uint8_t)type;
	sk->proto = (uint8_t)proto;
	dps_sock_set_ss(sk, DPS_SS_UNCONNECTED);
	dps_sock_set_fflags(sk, nonblock ? O_NONBLOCK : 0);
	dps_sock_set_state(sk, DPS_TCP_CLOSE);
	dps_sock_set_owner(sk, -1);
	sk->tup.proto = (uint8_t)proto;
}

/* The IPv6 side of a fresh AF_INET6 socket: unbound, dual-stack
 * (net.ipv6.bindv6only 0), the default hop limit, traffic class 0,
 * IPV6_AUTOFLOWLABEL unset (the stack's auto_flowlabels decides). */
void
dps_sock6_init(struct dps_sock *sk)
{
	struct dps_sock6_side *v6 = dps_sock6(sk);

	memset(v6, 0, sizeof(*v6));
	v6->hops = -1;
	v6->afl_opt = -1;
	v6->afl = dps_ip6_autolabel(sk->stack, -1);
	dps_sock_set_flag(sk, DPS_OPT_INET6, true);
}

void
dps_obj_ref(struct dps_obj *o)
{
	/* Relaxed: the caller already holds a reference (or the object is
	 * unpublished), so nothing needs ordering against it. */
	__atomic_fetch_add(&o->refcnt, 1, __ATOMIC_RELAXED);
}

/* Take a reference unless the count already reached zero. */
bool
dps_obj_tryref(struct dps_obj *o)
{
	/* Relaxed: only a first guess for the compare-and-swap, whose
	 * acquire pairs with the release of the last dps_sock_put(). */
	uint32_t r = __atomic_load_n(&o->refcnt, __ATOMIC_RELAXED);

	do {
		if (r == 0)
			return false;
	} while (!__atomic_compare_exchange_n(&o->refcnt, &r, r + 1, true,
			__ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return true;
}

/* Last reference gone: back to the pool, with any queued datagrams. */
void
dps_sock_put(struct dps_sock *sk)
{
	struct rte_ring *r;
	void *m;

	/* Acq_rel: the release publishes this holder's writes, the acquire
	 * of the last one sees every holder's before the socket is reused. */
	if (__atomic_sub_fetch(&sk->obj.refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	r = dps_sock_rxq(sk);
	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
	if (sk->type == SOCK_DGRAM && dps_sock_rx_cur(sk) != NULL) {
		rte_pktmbuf_free(dps_sock_rx_cur(sk));	/* a peeked datagram */
		dps_sock_set_rx_cur(sk, NULL);
	}
	if (sk->type == SOCK_STREAM) {
		uint8_t hold = dps_sock_take_bind_hold(sk);

		dps_port_release(dps_socks(sk->stack), dps_sock_lport(sk), &hold);
		dps_tcp_child_gone(sk);
		dps_tcp_bufs_free(sk);
		dps_tcp_x_drop(sk);
		rte_free(dps_sock_lst(sk));
		dps_sock_publish_lst(sk, NULL);
	}
	dps_pool_put(dps_sock_is6(sk) ? dps_socks(sk->stack)->pool6 :
		dps_socks(sk->stack)->pool, sk);
}

/* Run @op for @sk on lcore @idx: inline when we are that lcore, else
 * through its request ring. Returns 0 or a negative errno. */
int
dps_sock_lcore_call(struct dps_sock *sk, unsigned int idx, int op)
{
	struct dps_stack *s = sk->stack;
	struct dps_req q = { .op = (uint16_t)op, .obj = sk };
	struct dps_thread *t;

	if (dps_stack_self(s) == (int)idx) {
		dps_lcore_run_req(s->lc[idx], &q, dps_now(s));
		return q.err;
	}
	t = dps_thread_self(s);
	if (t == NULL)
		return -errno;
	return dps_thread_request(t, idx, &q, NULL);
}

/* Route checks of ip_route_connect() done on the application side:
 * routes are fixed once the stack runs. */
int
dps_route_check(struct dps_sock *sk, uint32_t dst)
{
	struct dps_stack *s = sk->stack;
	const struct dps_route *r = dps_route_lookup(&s->routes, dst);
	uint32_t laddr = dps_sock_laddr(sk);
	bool bcast;

	/* 255.255.255.255 from a bound address leaves on that address's
	 * interface as a broadcast (Linux __ip_route_output_key()); with no
	 * source there is no route for it. */
	if (dst == INADDR_BROADCAST && laddr != 0) {
		if (sk->type == SOCK_STREAM)
			return -ENETUNREACH;
		return sk->opt.broadcast ? 0 : -EACCES;
	}
	/* Linux reaches 0.0.0.0 and its own addresses through loopback;
	 * there is no loopback device here. The source is the one
	 * dps_ip_source_for() gives, from the route already looked up. */
	if (r == NULL ||
			dps_iface_source(&s->ifs[r->ifindex], dps_route_nexthop(r, dst)) == 0 ||
			dst == INADDR_ANY || dps_ip_is_ours(s, dst))
		return -ENETUNREACH;
	bcast = dst == INADDR_BROADCAST ||
		dps_rx_iface_is_bcast(&s->ifs[r->ifindex].rx, dst);
	if (sk->type == SOCK_STREAM && (bcast || IN_MULTICAST(rte_be_to_cpu_32(dst))))
		return -ENETUNREACH;
	if (sk->type == SOCK_DGRAM && bcast && !sk->opt.broadcast)
		return -EACCES;
	return 0;
}

/* ---- close ---- */


/*
 * Linux's close() has run tcp_close() when it returns: a connection it
 * aborts (SYN_SENT, unread data) or finishes has given its port back,
 * and a bind(0) right after may take it. The close message is handled on
 * the owning lcore; an application thread waits for it with a no-op
 * request posted after it (the lcore takes one thread's messages in
 * order). A stack lcore does not wait: it must not block on another.
 */
static void
close_wait(struct dps_stack *s, unsigned int owner)
{
	int e = errno;

	if (dps_stack_self(s) < 0)
		(void)dps_stack_nop(s, owner);
	errno = e;
}

/*
 * Hand @sk's reference to its owning lcore for dps_tcp_do_close(): inline
 * on that lcore, else as a message. A full ring is waited out: a close
 * must not fail or leak the table entry.
 */
void
dps_sock_post_close(struct dps_sock *sk)
{
	struct dps_stack *s = sk->stack;
	struct dps_msg m = { .op = DPS_MSG_SOCK_CLOSE, .ptr = sk };
	int owner = dps_sock_owner(sk);

	if (dps_stack_self(s) == owner) {
		dps_tcp_do_close(s->lc[owner], sk, dps_now(s));
		return;
	}
	while (dps_lcore_post(s, (unsigned int)owner, &m) != 0) {
		if (dps_stack_stopping(s)) {
			dps_sock_put(sk);	/* nobody will drain it */
			return;
		}
		sched_yield();
	}
	close_wait(s, (unsigned int)owner);
}
