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
 * A port without one listener may have a SO_REUSEPORT group: an IPv6
 * SYN picks one of its AF_INET6 members by its IPv6 tuple
 * (dps_rgroup_pick6()), an IPv4 one any member by its IPv4 tuple
 * (dps_tcp_listen.c), and an AF_INET6 member it picks takes it as the
 * port's listener would.
 *
 * SYN cookies (RFC 4987 3.6; Linux's cookie_v6_init_sequence() and
 * cookie_v6_check() with tcp_syncookies = 1), as the IPv4 listener has
 * them: a SYN that finds the SYN queue holding backlog children, or the
 * pools low, is answered by a SYN-ACK whose ISN is a cookie over the
 * IPv6 tuple (dps_syncookie_make6()), with the same counters and the
 * same option bits in the TSval; an ACK for no connection that carries a
 * valid one makes the child, established, in the IPv6 table; one that
 * carries none is counted (tcp_bad_cookie) and answered with a RST, as
 * Linux's listener answers an ACK. The IPv4 SYNs of a dual-stack
 * listener take the IPv4 listener's path (dps_tcp_listen.c), cookies
 * over the IPv4 tuple included (Linux's tcp_v4_conn_request() for an
 * AF_INET6 socket's IPv4 SYN); only their children come from here
 * (dps_tcp6_mapped_child()), v4-mapped.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_random.h>
#include <rte_ring.h>
#include "dps_tcp_priv.h"
#include "dps_wire6.h"

/* The AF_INET6 listener of @t's port that takes it on lcore @idx: the
 * port's one listener, or a member of its SO_REUSEPORT group; or NULL. */
static struct dps_sock *
listener6_for(struct dps_sockets *ss, const struct dps_tuple6 *t, unsigned int idx)
{
	struct dps_sock *l = dps_listener6_of(ss, rte_be_to_cpu_16(t->lport));
	const struct dps_sock6_side *v6;

	if (l == NULL)
		return dps_rgroup_pick6(ss, t, idx);
	if (!dps_sock_is6(l) || dps_sock_state(l) != DPS_TCP_LISTEN)
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

/* The port that routes to @dst, whose MTU and TSO limit the connection
 * takes (the first port without a route: the SYN-ACK will not leave
 * either). */
static uint16_t
route6_ifindex(struct dps_lcore *lc, const uint8_t dst[16])
{
	uint16_t ifindex = 0;
	uint8_t src[16];

	if (dps_ip6_source(lc, dst, src, &ifindex) != 0)
		ifindex = 0;
	return ifindex;
}

/* The cookie's input: the tuple and the peer's ISN. */
static void
cookie6_in(const struct dps_tuple6 *t, uint32_t peer_isn, struct dps_cookie_in6 *in)
{
	memcpy(in->saddr, t->raddr, 16);
	memcpy(in->daddr, t->laddr, 16);
	in->sport = t->rport;
	in->dport = t->lport;
	in->peer_isn = peer_isn;
}

/* The timestamp offset of @t's connection (RFC 7323 5.4), the one its
 * child will have. */
static uint32_t
ts_off6(const struct dps_sockets *ss, const struct dps_tuple6 *t)
{
	return dps_tcp_keyed6(ss, t, 0).ts_off;
}

/* SYN queue full, or the pools low: answer statelessly (Linux's
 * tcp_syn_flood_action() with tcp_syncookies = 1, then
 * cookie_v6_init_sequence()). The SYN-ACK is @l's, as a child's would be:
 * its MSS from the route's MTU, its window, its options. */
static void
listen6_cookie_synack(struct dps_lcore *lc, struct dps_sock *l,
	const struct dps_tuple6 *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct dps_cookie_in6 in;
	struct dps_tcb_conf conf;
	struct dps_tcb tcb;
	struct dps_tcb_ext x;		/* a stateless answer: on the stack */
	struct dps_tcp_out out;
	uint32_t isn;

	cookie6_in(t, seg->seq, &in);
	dps_tcp6_conf(lc, l, route6_ifindex(lc, t->raddr), &conf);
	dps_tcp_conf_passive(l, seg->opt.has_ts, &conf);
	isn = dps_syncookie_make6(ss->cookie_key, &in,
		seg->opt.has_mss ? seg->opt.mss : DPS_TCP_MSS_DEFAULT, now, NULL);
	dps_tcb_ext_attach(&tcb, &x);
	dps_tcb_accept(&tcb, &conf, seg, isn, ts_off6(ss, t), now, &out);
	out.opt.mss = conf.adv_mss;
	if (out.opt.has_ts)
		out.opt.tsval = dps_syncookie_ts(out.opt.tsval,
			seg->opt.has_ws ? seg->opt.wscale : 0xff, seg->opt.sack_ok);
	DPS_CNT_INC(&lc->cnt, tcp_syncookies_sent);
	/* A hash of its own, as the request sock Linux sends it from
	 * (tcp_conn_request()); labelled as the listener's packets.
	 * Relaxed: IPV6_AUTOFLOWLABEL, a value on its own (ipv6_set()). */
	dps_tcp6_xmit_out(lc, t, &out, __atomic_load_n(&dps_sock6_c(l)->afl,
		__ATOMIC_RELAXED) ? dps_ip6_label(lc->stack, dps_ip6_txhash()) : 0, now);
}

/* Child @c of @l for @t (new, or established from a cookie) into the
 * IPv6 table and the connection list, holding the port; false, @c given
 * back and the drop counted, when the cold-half pool or the table is
 * full. */
static bool
child6_insert(struct dps_lcore *lc, struct dps_sock *c, struct dps_sock *l,
	const struct dps_tuple6 *t)
{
	child6_side(c, l, t);
	/* A flow hash of its own, kept from its SYN-ACK on (Linux's
	 * request sock txhash, which the child takes); a cookie's child
	 * draws one as cookie_v6_check() does. */
	dps_tcp6_rehash(c);
	if (!dps_tcp_x_hold_new(lc, c)) {
		dps_tcp_child_gone(c);
		dps_sock_put(c);
		dps_drop(&lc->cnt, DPS_DROP_tcp_ext_pool_empty);
		return false;
	}
	if (dps_tcp6_table_add(lc, c) != 0) {
		dps_tcp_x_drop(c);
		dps_tcp_child_gone(c);
		dps_sock_put(c);
		dps_drop(&lc->cnt, DPS_DROP_tcp_conn_table_full);
		return false;
	}
	dps_tcp_conn_add(lc, c);
	/* Children hold the listener's port (inet_inherit_port()). */
	c->port_held = dps_port_hold6(dps_socks(lc->stack), dps_sock_lport(c), c->opt.reuseaddr);
	return true;
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
		listen6_cookie_synack(lc, l, t, seg, now);
		DPS_CNT_INC(&lc->cnt, tcp_syncookies_mem);
		return;
	}
	if (!child6_insert(lc, c, l, t))
		return;
	dps_lst_synq_add(dps_sock_lst(l), 1);
	dps_tcp_stat_add(&tl->n_half_open, 1);	/* relaxed: a statistic */
	c->in_synq = true;
	dps_tcp6_conf(lc, c, route6_ifindex(lc, t->raddr), &conf);
	dps_tcp_conf_passive(c, seg->opt.has_ts, &conf);
	k = dps_tcp_keyed6(dps_socks(lc->stack), t, now);
	dps_tcb_accept(&c->tcb, &conf, seg, k.isn, k.ts_off, now, &out);
	dps_tcb_attach_limit(&c->tcb, &tl->chlim);
	dps_sock_set_state(c, DPS_TCP_SYN_RECV);
	DPS_CNT_INC(&lc->cnt, tcp_passive_opens);
	dps_tcp6_xmit(lc, c, &out, now);
	dps_tcp_after(lc, c, DPS_TCB_NONE, c->tcb.snd_una, now);
}

/* What listen6_cookie_ack() made of an ACK. */
enum cookie6_ack { COOKIE6_NONE, COOKIE6_TAKEN, COOKIE6_DROPPED };

/* An ACK for no IPv6 connection: does it carry a valid cookie (Linux's
 * cookie_v6_check())? A valid one the listener cannot take now is
 * dropped, counted, without a RST: the peer's retransmission may find
 * room. */
static enum cookie6_ack
listen6_cookie_ack(struct dps_lcore *lc, struct dps_sock *l,
	const struct dps_tuple6 *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sockets *ss = dps_socks(lc->stack);
	struct dps_cookie_in6 in;
	struct dps_tcb_conf conf;
	uint8_t wscale = 0xff;
	bool sack = false;
	struct dps_sock *c;
	uint16_t mss;

	cookie6_in(t, seg->seq - 1, &in);
	mss = dps_syncookie_check6(ss->cookie_key, &in, seg->ack - 1, now);
	if (mss == 0) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_bad_cookie);
		return COOKIE6_NONE;
	}
	if (seg->opt.has_ts && !dps_syncookie_ts_opts(seg->opt.tsecr, &wscale, &sack))
		return COOKIE6_NONE;
	if (rte_ring_full(dps_sock_lst(l)->acceptq)) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_listen_overflow);
		return COOKIE6_DROPPED;
	}
	c = dps_sock_new_child6(l);
	if (c == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_tcp_sock_pool_empty);
		return COOKIE6_DROPPED;
	}
	if (!child6_insert(lc, c, l, t))
		return COOKIE6_DROPPED;
	dps_tcp6_conf(lc, c, route6_ifindex(lc, t->raddr), &conf);
	dps_tcp_conf_passive(c, seg->opt.has_ts, &conf);
	dps_tcb_from_cookie(&c->tcb, &conf, seg, mss, wscale, sack, ts_off6(ss, t), now);
	dps_tcb_attach_limit(&c->tcb, &dps_tcp_lc(lc)->chlim);
	DPS_CNT_INC(&lc->cnt, tcp_syncookies_ok);
	dps_sock_set_state(c, DPS_TCP_ESTABLISHED);
	dps_tcp_after(lc, c, DPS_TCB_CONNECTED, c->tcb.snd_una, now);
	return COOKIE6_TAKEN;
}

/* An IPv6 SYN for @l: dropped when the accept queue is full (Linux's
 * sk_acceptq_is_full() in tcp_conn_request()), a cookie when the SYN
 * queue is or the pools are low, else a child. */
static void
listen6_syn_in(struct dps_lcore *lc, struct dps_sock *l, struct rte_mbuf *m,
	const struct dps_tuple6 *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	const struct dps_listener *q = dps_sock_lst(l);

	if (rte_ring_full(q->acceptq)) {
		dps_lcore_drop(lc, m, DPS_DROP_tcp_listen_overflow);
		return;
	}
	if (dps_lst_synq(q) >= dps_lst_backlog(q)) {
		listen6_cookie_synack(lc, l, t, seg, now);
	} else if (dps_pool_low(lc)) {
		listen6_cookie_synack(lc, l, t, seg, now);
		DPS_CNT_INC(&lc->cnt, tcp_syncookies_mem);
	} else {
		listen6_syn(lc, l, t, seg, now);
	}
	rte_pktmbuf_free(m);
}

bool
dps_tcp6_listen_input(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_tuple6 *t, const struct dps_tcp_seg *seg, uint64_t now)
{
	struct dps_sock *l = listener6_for(dps_socks(lc->stack), t, lc->idx);
	uint8_t f = seg->flags & (DPS_TH_SYN | DPS_TH_ACK | DPS_TH_RST);

	if (l == NULL)
		return false;
	if (f == DPS_TH_SYN) {
		listen6_syn_in(lc, l, m, t, seg, now);
		return true;
	}
	/* Anything but a SYN or an ACK gets the RST, and so does an ACK
	 * without a valid cookie. Payload on a cookie's ACK is dropped (the
	 * peer resends); a dropped ACK is counted already. */
	if (f != DPS_TH_ACK || listen6_cookie_ack(lc, l, t, seg, now) == COOKIE6_NONE)
		return false;
	rte_pktmbuf_free(m);
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

struct dps_sock *
dps_tcp6_mapped_child(struct dps_sock *l, const struct dps_tuple *t)
{
	struct dps_sock *c = dps_sock_new_child6(l);

	if (c != NULL)
		child_mapped_side(c, l, t);
	return c;
}

/* A v6-only listener, or one bound to an IPv6 address, hears no IPv4;
 * one bound to a v4-mapped address was matched by its IPv4 half already
 * (Linux's ipv6_only_sock() in inet_lhash2 lookups). */
bool
dps_tcp6_listen_hears_v4(const struct dps_sock *l)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(l);

	return !v6->v6only && (dps_ip6_is_unspecified(v6->laddr) ||
		dps_ip6_is_v4mapped(v6->laddr));
}
