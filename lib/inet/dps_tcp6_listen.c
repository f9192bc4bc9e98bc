/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Passive open over IPv6 (RFC 9293 3.5, 3.10.7.2; Linux's
 * tcp_v6_conn_request() and tcp_v6_syn_recv_sock()): a SYN for an
 * AF_INET6 listener makes a child, an AF_INET6 socket of the second pool
 * in SYN_RECV in this lcore's IPv6 table, and answers with a SYN-ACK.
 * From there the child is the IPv4 code's: the ACK that completes it,
 * the accept queue, dps_accept() (dps_tcp_listen.c).
 *
 * A listener is the port's one listener (listeners[]); an AF_INET6 one
 * takes IPv6 SYNs to its bound address or to any, and, unless it is
 * v6-only or bound to an IPv6 address, IPv4 SYNs too: their children are
 * v4-mapped connections, AF_INET6 sockets whose connection is the IPv4
 * code's in the IPv4 table (their peer in the IPv4 tuple), named by
 * v4-mapped addresses (Linux's tcp_v6_syn_recv_sock() for an IPv4 SYN).
 * Not built: SYN cookies for an AF_INET6 listener (a SYN finding the SYN
 * queue full, or the pools low, is dropped and counted as
 * tcp_listen_overflow, as Linux with tcp_syncookies = 0), and
 * SO_REUSEPORT groups of AF_INET6 listeners for IPv6 SYNs (an IPv4 SYN
 * that picks an AF_INET6 member of its port's group comes to
 * dps_tcp6_listen_mapped() as one for the port's listener would).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_random.h>
#include <rte_ring.h>
#include "dps_tcp_priv.h"
#include "dps_wire6.h"

/* The AF_INET6 listener of @t's port that takes it, or NULL. */
static struct dps_sock *
listener6_for(struct dps_sockets *ss, const struct dps_tuple6 *t)
{
	struct dps_sock *l = dps_listener_of(ss, rte_be_to_cpu_16(t->lport));
	const struct dps_sock6_side *v6;

	if (l == NULL || !dps_sock_is6(l) || dps_sock_state(l) != DPS_TCP_LISTEN)
		return NULL;
	v6 = dps_sock6_c(l);
	if (!dps_ip6_is_unspecified(v6->laddr) && memcmp(v6->laddr, t->laddr, 16) != 0)
		return NULL;
	return l;
}

/* The child's IPv6 side: the listener's options, the tuple's addresses. */
static void
child6_side(struct dps_sock *c, const struct dps_sock *l, const struct dps_tuple6 *t)
{
	struct dps_sock6_side *v6 = dps_sock6(c);

	*v6 = *dps_sock6_c(l);
	v6->maps = 0;
	v6->key = *t;
	c->tup.laddr = 0;
	c->tup.raddr = 0;
	c->tup.lport = t->lport;
	c->tup.rport = t->rport;
}

/* The MTU of the port that routes to @dst (the first port's without a
 * route: the SYN-ACK will not leave either). */
static uint16_t
route6_mtu(struct dps_lcore *lc, const uint8_t dst[16])
{
	uint16_t ifindex = 0;
	uint8_t src[16];

	if (dps_ip6_source(lc, dst, src, &ifindex) != 0)
		ifindex = 0;
	return lc->stack->ifs[ifindex].mtu;
}

/* A SYN for @l with room in its SYN queue. */
static void
listen6_syn(struct dps_lcore *lc, struct dps_sock *l, const struct dps_tuple6 *t,
	const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_tcp_lcore *tl = dps_tcp_lc(lc);
	struct dps_sock *c = dps_sock_new_child6(l);
	struct dps_tcb_conf conf;
	struct dps_tcp_out out;
	struct dps_tcp_keyed k;

	if (c == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_sock_pool_empty);
		return;
	}
	child6_side(c, l, t);
	if (!dps_tcp_x_hold_new(lc, c)) {
		dps_tcp_child_gone(c);
		dps_sock_put(c);
		dps_drop(&lc->cnt, DPS_DROP_tcp_ext_pool_empty);
		return;
	}
	if (dps_tcp6_table_put(lc, c) != 0) {
		dps_tcp_x_drop(c);
		dps_tcp_child_gone(c);
		dps_sock_put(c);
		dps_drop(&lc->cnt, DPS_DROP_tcp_listen_overflow);
		return;
	}
	dps_tcp_conn_add(lc, c);
	/* Children hold the listener's port (inet_inherit_port()). */
	c->port_held = dps_port_hold(dps_socks(lc->stack), dps_sock_lport(c), c->opt.reuseaddr);
	dps_lst_synq_add(dps_sock_lst(l), 1);
	dps_tcp_stat_add(&tl->n_half_open, 1);	/* relaxed: a statistic */
	c->in_synq = true;
	dps_tcp6_conf(lc, c, route6_mtu(lc, t->raddr), &conf);
	dps_tcp_conf_passive(c, seg->opt.has_ts, &conf);
	k = dps_tcp_keyed6(dps_socks(lc->stack), t, now);
	dps_tcb_accept(&c->tcb, &conf, seg, k.isn, k.ts_off, now, &out);
	dps_tcb_attach_limit(&c->tcb, &tl->chlim);
	dps_sock_set_state(c, DPS_TCP_SYN_RECV);
	DPS_CNT_INC(&lc->cnt, tcp_passive_opens);
	dps_tcp6_xmit(lc, c, &out, now);
	dps_tcp_after(lc, c, DPS_TCB_NONE, c->tcb.snd_una, now);
}

/* Room for a child of @l: false (the SYN dropped and counted) when its
 * queues are full or the pools low. */
static bool
listen6_room(struct dps_lcore *lc, struct dps_sock *l, struct rte_mbuf *m)
{
	const struct dps_listener *q = dps_sock_lst(l);

	if (rte_ring_full(q->acceptq) || dps_lst_synq(q) >= dps_lst_backlog(q) ||
			dps_pool_low(lc)) {
		dps_lcore_drop(lc, m, DPS_DROP_tcp_listen_overflow);
		return false;
	}
	return true;
}

bool
dps_tcp6_listen_input(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_tuple6 *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sock *l = listener6_for(dps_socks(lc->stack), t);

	/* Anything but a SYN (no cookie can be valid here) gets the RST. */
	if (l == NULL ||
			(seg->flags & (DPS_TH_SYN | DPS_TH_ACK | DPS_TH_RST)) != DPS_TH_SYN)
		return false;
	if (listen6_room(lc, l, m)) {
		listen6_syn(lc, l, t, seg, now);
		rte_pktmbuf_free(m);
	}
	return true;
}

/* A v4-mapped child's IPv6 side: the listener's options, both addresses
 * v4-mapped; its IPv4 tuple is the connection's. */
static void
child_mapped_side(struct dps_sock *c, const struct dps_sock *l, const struct dps_tuple *t)
{
	struct dps_sock6_side *v6 = dps_sock6(c);

	*v6 = *dps_sock6_c(l);
	v6->maps = 0;
	memset(&v6->key, 0, sizeof(v6->key));
	dps_ip6_set_mapped(v6->laddr, t->laddr);
	dps_ip6_set_mapped(v6->raddr, t->raddr);
	c->tup = *t;
}

/* An IPv4 SYN for dual-stack listener @l: a v4-mapped child in the IPv4
 * table, answered by the IPv4 output, as an AF_INET listener's child. */
static void
listen_mapped_syn(struct dps_lcore *lc, struct dps_sock *l, const struct dps_tuple *t,
	const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sock *c = dps_sock_new_child6(l);

	if (c == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_sock_pool_empty);
		return;
	}
	child_mapped_side(c, l, t);
	dps_tcp_listen_child(lc, l, c, t, seg, now);
}

bool
dps_tcp6_listen_mapped(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_tuple *t,
	const struct dps_tcp_seg *seg, struct dps_sock *l, uint64_t now)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(l);

	/* A v6-only listener, or one bound to an IPv6 address, hears no
	 * IPv4; one bound to a v4-mapped address was matched by its IPv4
	 * half already. Anything but a SYN gets the RST. */
	if (v6->v6only || (!dps_ip6_is_unspecified(v6->laddr) &&
			!dps_ip6_is_v4mapped(v6->laddr)) ||
			(seg->flags & (DPS_TH_SYN | DPS_TH_ACK | DPS_TH_RST)) != DPS_TH_SYN)
		return false;
	if (listen6_room(lc, l, m)) {
		listen_mapped_syn(lc, l, t, seg, now);
		rte_pktmbuf_free(m);
	}
	return true;
}
